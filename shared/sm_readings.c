/* sm_readings.c - data-notification bodies to readings.  See sm_readings.h
 * for the layouts and the order in which they are tried. */
#include "sm_readings.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int sm_reading_digits(const sm_reading *r, char d[20], bool *neg)
{
    return sm_u64_digits(sm_reading_magnitude(r, neg), d);
}

int sm_reading_format_value(const sm_reading *r, char *out, size_t cap)
{
    if (cap > 0)
        out[0] = '\0';
    if (r->kind != SM_RK_NUMBER)
        return -1;
    if (r->is_float) {
        char tmp[40];
        if (r->value != r->value)
            snprintf(tmp, sizeof tmp, "NaN");
        else if (r->value - r->value != 0)
            snprintf(tmp, sizeof tmp, "%s", r->value > 0 ? "Infinity" : "-Infinity");
        else {
            /* the shortest of %.15g .. %.17g that reads back exactly; a
             * float stays recognisable as one (1.0, -0.0, not 1 and -0) */
            for (int prec = 15; prec <= 17; prec++) {
                snprintf(tmp, sizeof tmp, "%.*g", prec, r->value);
                if (strtod(tmp, NULL) == r->value)
                    break;
            }
            if (!strpbrk(tmp, ".e"))
                strcat(tmp, ".0");
        }
        return snprintf(out, cap, "%s", tmp);
    }
    bool neg;
    char d[20], tmp[SM_DECIMAL_MAX];
    int nd = sm_reading_digits(r, d, &neg);
    size_t at = sm_decimal_text(neg, d, nd, r->scaler, tmp);
    if (cap > 0) {
        size_t k = at < cap ? at : cap - 1;
        memcpy(out, tmp, k);
        out[k] = '\0';
    }
    return (int)at;
}

const char *sm_reading_name(const sm_reading *r, char *buf, size_t cap)
{
    if (r->obis_source == SM_OBIS_NONE)
        return r->info ? r->info->name : NULL;
    return sm_obis_name(&r->obis, r->info, buf, cap);
}

bool sm_bytes_printable(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] < 0x20 || p[i] > 0x7E)
            return false;
    return true;
}

/* ---- node navigation ---------------------------------------------------- */

typedef struct {
    const sm_node *nodes;
    size_t n;
    const uint8_t *base;
    size_t body_end; /* offset where the body ends in base */
} tree;

static size_t first_child(size_t i) { return i + 1; }
static size_t next_sibling(const tree *t, size_t i) { return i + t->nodes[i].subtree; }

static size_t child_at(const tree *t, size_t parent, unsigned k)
{
    size_t c = first_child(parent);
    while (k--)
        c = next_sibling(t, c);
    return c;
}

static bool is_container(const sm_axdr_item *it)
{
    return it->type == SM_DT_STRUCTURE || it->type == SM_DT_ARRAY;
}

static bool is_obis_item(const sm_axdr_item *it)
{
    return it->type == SM_DT_OCTET_STRING && it->len == 6 && sm_obis_plausible(it->bytes);
}

static bool is_integer_type(uint8_t t)
{
    return t == SM_DT_INT8 || t == SM_DT_INT16 || t == SM_DT_INT32 || t == SM_DT_INT64 ||
           t == SM_DT_UINT8 || t == SM_DT_UINT16 || t == SM_DT_UINT32 || t == SM_DT_UINT64;
}

/* scal_unit_type ::= structure { scaler integer, unit enum } */
static bool is_scaler_unit(const tree *t, size_t i, int8_t *scaler, uint8_t *unit)
{
    const sm_axdr_item *it = &t->nodes[i].item;
    if (it->type != SM_DT_STRUCTURE || it->count != 2)
        return false;
    const sm_axdr_item *s = &t->nodes[i + 1].item;
    const sm_axdr_item *u = &t->nodes[i + 2].item;
    if (!is_integer_type(s->type) || (u->type != SM_DT_ENUM && u->type != SM_DT_UINT8))
        return false;
    int64_t sv = s->kind == SM_VK_INT ? s->v.i : (int64_t)s->v.u;
    if (sv < -128 || sv > 127)
        return false;
    *scaler = (int8_t)sv;
    *unit = (uint8_t)u->v.u;
    return true;
}

/* ---- building readings -------------------------------------------------- */

static sm_err push(sm_reading_set *out, const tree *t, size_t i, sm_reading **rp)
{
    if (out->n >= out->cap)
        return SM_ERR_TOO_MANY_READINGS;
    sm_reading *r = &out->readings[out->n];
    memset(r, 0, sizeof *r);
    r->index = (uint16_t)out->n;
    r->node = (uint16_t)i;
    r->obis_node = SM_NO_NODE;
    r->parent = SM_NO_NODE;
    out->n++;
    const sm_axdr_item *it = &t->nodes[i].item;
    r->type = it->type;
    switch (it->kind) {
    case SM_VK_INT:
        r->kind = SM_RK_NUMBER;
        r->is_signed = true;
        r->raw_i = it->v.i;
        r->value = (double)it->v.i;
        break;
    case SM_VK_UINT:
        r->kind = SM_RK_NUMBER;
        r->raw_u = it->v.u;
        r->value = (double)it->v.u;
        break;
    case SM_VK_FLOAT:
        r->kind = SM_RK_NUMBER;
        r->is_float = true;
        r->raw_f = it->v.f;
        r->value = it->v.f;
        break;
    default:
        r->bytes = it->bytes;
        r->len = it->len;
        r->count = it->count;
        if ((it->type == SM_DT_OCTET_STRING || it->type == SM_DT_DATE_TIME) && it->len == 12 &&
            sm_datetime_parse(it->bytes, &r->dt) == SM_OK)
            r->kind = SM_RK_DATETIME;
        else if (it->type == SM_DT_OCTET_STRING || it->type == SM_DT_VISIBLE_STRING ||
                 it->type == SM_DT_UTF8_STRING)
            r->kind = SM_RK_STRING;
        else {
            r->kind = SM_RK_OTHER;
            r->invalid = it->type == SM_DT_BCD || it->type == SM_DT_DATE_TIME;
            if (is_container(it)) {
                size_t end = next_sibling(t, i);
                size_t stop = end < t->n ? t->nodes[end].item.offset : t->body_end;
                r->bytes = t->base + it->offset;
                r->len = stop - it->offset;
            }
        }
        break;
    }
    *rp = r;
    return SM_OK;
}

static void set_obis(sm_reading *r, const tree *t, size_t node)
{
    r->obis = sm_obis_from_bytes(t->nodes[node].item.bytes);
    r->obis_node = (uint16_t)node;
    r->obis_source = SM_OBIS_WIRE;
    r->info = sm_obis_lookup(&r->obis);
}

static void set_scaler(sm_reading *r, int8_t scaler, uint8_t unit, sm_scaler_source src)
{
    if (r->kind != SM_RK_NUMBER)
        return;
    r->scaler = scaler;
    r->unit = unit;
    r->scaler_source = (uint8_t)src;
    double raw = r->is_float ? r->raw_f : r->is_signed ? (double)r->raw_i : (double)r->raw_u;
    r->value = sm_scale(raw, scaler);
}

/* Scalers for the numbers that came without one: the layout's implied
 * rules first, then its class rules. */
static void apply_implied(sm_reading_set *out, const sm_layout *l)
{
    for (size_t k = 0; k < out->n; k++) {
        sm_reading *r = &out->readings[k];
        if (r->kind != SM_RK_NUMBER || r->scaler_source != SM_SCALER_NONE ||
            r->obis_source == SM_OBIS_NONE || r->obis.a != 1)
            continue;
        int8_t scaler;
        uint8_t unit;
        sm_fit fit = SM_FIT_NONE;
        bool found = false;
        for (size_t j = 0; j < l->nimplied && !found; j++) {
            const sm_implied *e = &l->implied[j];
            if (sm_obis_is(&r->obis, 1, e->c, e->d, e->e == SM_IMPLIED_ANY_E ? SM_OBIS_ANY : e->e)) {
                scaler = e->scaler, unit = e->unit, fit = (sm_fit)e->fit;
                found = true;
            }
        }
        if (!found && l->class_rules != SM_CLASS_RULES_NONE)
            found = sm_obis_class_rule(&r->obis, l->class_rules == SM_CLASS_RULES_ALL, &scaler,
                                       &unit, &fit);
        if (!found)
            continue;
        if (fit != SM_FIT_NONE)
            scaler = sm_fit_scaler(fit, r->is_signed ? (double)r->raw_i : (double)r->raw_u);
        set_scaler(r, scaler, unit, SM_SCALER_IMPLIED);
    }
}

/* ---- matching layouts ---------------------------------------------------- */

/* the node of the root's element pos (or SM_MATCH_LAST), or SIZE_MAX */
static size_t root_element(const tree *t, unsigned pos)
{
    const sm_axdr_item *root = &t->nodes[0].item;
    if (!is_container(root) || root->count == 0)
        return SIZE_MAX;
    if (pos == SM_MATCH_LAST)
        pos = root->count - 1;
    if (pos >= root->count)
        return SIZE_MAX;
    return child_at(t, 0, pos);
}

static bool is_string_type(uint8_t type)
{
    return type == SM_DT_OCTET_STRING || type == SM_DT_VISIBLE_STRING ||
           type == SM_DT_UTF8_STRING;
}

static bool match_one(const tree *t, const sm_layout_match *m)
{
    size_t i = root_element(t, m->pos);
    if (i == SIZE_MAX)
        return false;
    const sm_axdr_item *it = &t->nodes[i].item;
    sm_datetime dt;
    switch (m->kind) {
    case SM_MATCH_EQUALS:
        return is_string_type(it->type) && it->len == m->len &&
               memcmp(it->bytes, m->bytes, m->len) == 0;
    case SM_MATCH_PREFIX:
        return is_string_type(it->type) && it->len >= m->len &&
               memcmp(it->bytes, m->bytes, m->len) == 0;
    case SM_MATCH_DATETIME:
        return (it->type == SM_DT_OCTET_STRING || it->type == SM_DT_DATE_TIME) &&
               it->len == 12 && sm_datetime_parse(it->bytes, &dt) == SM_OK;
    default:
        return it->type == m->type;
    }
}

static bool layout_fits(const tree *t, const sm_layout *l)
{
    const sm_axdr_item *root = &t->nodes[0].item;
    if (l->count && (!is_container(root) || root->count != l->count))
        return false;
    if (l->types) {
        size_t c = first_child(0);
        for (uint32_t k = 0; k < l->count; k++, c = next_sibling(t, c))
            if (l->types[k] != 0xFE && t->nodes[c].item.type != l->types[k])
                return false;
    }
    for (size_t k = 0; k < l->nmatch; k++)
        if (!match_one(t, &l->match[k]))
            return false;
    return true;
}

/* the first layout of this form that fits: the user's, then the built-in */
static const sm_layout *find_layout(const tree *t, const sm_layout_set *user, sm_form form)
{
    const sm_layout_set *sets[2] = {user, sm_layouts_builtin()};
    for (int k = 0; k < 2; k++)
        for (size_t i = 0; sets[k] && i < sets[k]->n; i++) {
            const sm_layout *l = &sets[k]->layouts[i];
            if (l->form == form && layout_fits(t, l))
                return l;
        }
    return NULL;
}

static void apply_field(sm_reading *r, const sm_layout_field *f)
{
    if (f->flags & SM_LF_OBIS) {
        r->obis = f->obis;
        r->obis_source = SM_OBIS_LAYOUT;
        r->info = sm_obis_lookup(&r->obis);
    }
    if (f->flags & SM_LF_SCALER)
        set_scaler(r, f->scaler, f->unit, SM_SCALER_IMPLIED);
}

/* a captured attribute 3 (scaler_unit, encoded 02 02 0F scaler 16 unit)
 * applies to the value (attribute 2) of the same object */
static void apply_captured_scalers(sm_reading_set *out)
{
    for (size_t a = 0; a < out->n; a++) {
        sm_reading *su = &out->readings[a];
        if (su->attribute != 3 || su->kind != SM_RK_OTHER || su->len != 6 ||
            su->bytes[0] != SM_DT_STRUCTURE || su->bytes[1] != 2 ||
            su->bytes[2] != SM_DT_INT8 || su->bytes[4] != SM_DT_ENUM)
            continue;
        for (size_t b = 0; b < out->n; b++) {
            sm_reading *r = &out->readings[b];
            if (r->attribute == 2 && sm_obis_equal(&r->obis, &su->obis))
                set_scaler(r, (int8_t)su->bytes[3], su->bytes[5], SM_SCALER_WIRE);
        }
    }
}

/* ---- the forms ------------------------------------------------------------ */

/* capture-object list: structure { array of capture_object_definition
 * {class_id long-unsigned, logical_name octet-string(6), attribute_index
 * integer, data_index long-unsigned}, value 1 .. value N-1 } */
static bool is_capture_list(const tree *t)
{
    const sm_axdr_item *root = &t->nodes[0].item;
    if (root->type != SM_DT_STRUCTURE || root->count < 2)
        return false;
    size_t list = first_child(0);
    const sm_axdr_item *arr = &t->nodes[list].item;
    if (arr->type != SM_DT_ARRAY || arr->count != root->count)
        return false;
    size_t d = first_child(list);
    for (uint32_t k = 0; k < arr->count; k++, d = next_sibling(t, d)) {
        const sm_axdr_item *s = &t->nodes[d].item;
        if (s->type != SM_DT_STRUCTURE || s->count != 4 ||
            t->nodes[d + 1].item.type != SM_DT_UINT16 ||
            t->nodes[d + 2].item.type != SM_DT_OCTET_STRING || t->nodes[d + 2].item.len != 6 ||
            t->nodes[d + 3].item.type != SM_DT_INT8 || t->nodes[d + 4].item.type != SM_DT_UINT16)
            return false;
    }
    return true;
}

static sm_err extract_capture_list(const tree *t, sm_reading_set *out)
{
    size_t list = first_child(0);
    size_t d = next_sibling(t, first_child(list)); /* object 0 is the list itself */
    size_t v = next_sibling(t, list);
    uint32_t n = t->nodes[0].item.count;
    for (uint32_t k = 1; k < n; k++, d = next_sibling(t, d), v = next_sibling(t, v)) {
        sm_reading *r;
        sm_err e = push(out, t, v, &r);
        if (e)
            return e;
        set_obis(r, t, d + 2);
        r->class_id = (uint16_t)t->nodes[d + 1].item.v.u;
        r->attribute = (uint8_t)t->nodes[d + 3].item.v.i;
    }
    apply_captured_scalers(out);
    return SM_OK;
}

/* the Czech tuples: structure { enum, array of structure { descriptor,
 * value } } (sm_axdr_tree_ex with SM_AXDR_DESCRIPTORS made the
 * descriptors) */
static bool is_tuples(const tree *t)
{
    const sm_axdr_item *root = &t->nodes[0].item;
    if (root->type != SM_DT_STRUCTURE || root->count != 2 || t->n < 5 ||
        t->nodes[1].item.type != SM_DT_ENUM || t->nodes[2].item.type != SM_DT_ARRAY)
        return false;
    size_t arr = 2, c = first_child(arr);
    for (uint32_t k = 0; k < t->nodes[arr].item.count; k++, c = next_sibling(t, c))
        if (t->nodes[c].item.type != SM_DT_STRUCTURE || t->nodes[c].item.count != 2 ||
            t->nodes[c + 1].item.type != SM_DT_DESCRIPTOR)
            return false;
    return true;
}

static sm_err extract_tuples(const tree *t, sm_reading_set *out)
{
    sm_reading *r;
    sm_err e = push(out, t, 1, &r); /* the enum ahead of the list */
    if (e)
        return e;
    size_t c = first_child(2);
    for (uint32_t k = 0; k < t->nodes[2].item.count; k++, c = next_sibling(t, c)) {
        const sm_axdr_item *desc = &t->nodes[c + 1].item;
        if ((e = push(out, t, c + 2, &r)))
            return e;
        r->obis = sm_obis_from_bytes(desc->bytes + 2);
        r->obis_node = (uint16_t)(c + 1);
        r->obis_source = SM_OBIS_WIRE;
        r->info = sm_obis_lookup(&r->obis);
        r->class_id = (uint16_t)desc->v.u;
        r->attribute = (uint8_t)desc->count;
    }
    apply_captured_scalers(out);
    return SM_OK;
}

/* positional lists: a layout gives each element its meaning */
static sm_err extract_positional(const tree *t, const sm_layout *l, sm_reading_set *out)
{
    size_t c = first_child(0);
    for (uint16_t k = 0; k < l->count; k++, c = next_sibling(t, c)) {
        sm_reading *r;
        sm_err e = push(out, t, c, &r);
        if (e)
            return e;
        if (k < l->nfields)
            apply_field(r, &l->fields[k]);
        if (l->last_field && k + 1 == l->count)
            apply_field(r, &l->last);
    }
    return SM_OK;
}

/* OBIS-keyed lists, walked over the children of the root (or the root
 * itself when it is a single value); *keyed tells whether any value had
 * its code */
static sm_err extract_keyed(const tree *t, sm_reading_set *out, bool *keyed)
{
    const sm_axdr_item *root = &t->nodes[0].item;
    *keyed = false;
    if (!is_container(root)) {
        sm_reading *r;
        return push(out, t, 0, &r);
    }
    size_t end = next_sibling(t, 0);
    size_t c = first_child(0);
    while (c < end) {
        const sm_axdr_item *it = &t->nodes[c].item;
        sm_reading *r;
        sm_err e;
        int8_t scaler;
        uint8_t unit;
        /* {OBIS, value[, {scaler, unit}]} */
        if (it->type == SM_DT_STRUCTURE && it->count >= 2 && is_obis_item(&t->nodes[c + 1].item)) {
            size_t v = child_at(t, c, 1);
            if ((e = push(out, t, v, &r)))
                return e;
            set_obis(r, t, c + 1);
            if (it->count >= 3 && is_scaler_unit(t, child_at(t, c, 2), &scaler, &unit))
                set_scaler(r, scaler, unit, SM_SCALER_WIRE);
            *keyed = true;
            c = next_sibling(t, c);
            continue;
        }
        /* OBIS, value[, {scaler, unit}] as siblings */
        size_t v = next_sibling(t, c);
        if (is_obis_item(it) && v < end) {
            if ((e = push(out, t, v, &r)))
                return e;
            set_obis(r, t, c);
            size_t s = next_sibling(t, v);
            if (s < end && is_scaler_unit(t, s, &scaler, &unit)) {
                set_scaler(r, scaler, unit, SM_SCALER_WIRE);
                s = next_sibling(t, s);
            }
            *keyed = true;
            c = s;
            continue;
        }
        /* a value without OBIS keeps its place */
        if ((e = push(out, t, c, &r)))
            return e;
        c = v;
    }
    return SM_OK;
}

/* a keyed layout's fields: the root's elements that came without a code */
static void apply_keyed_fields(const tree *t, const sm_layout *l, sm_reading_set *out)
{
    for (size_t k = 0; k < (size_t)l->nfields + l->last_field; k++) {
        const sm_layout_field *f = k < l->nfields ? &l->fields[k] : &l->last;
        if (!f->flags)
            continue;
        size_t node = root_element(t, k < l->nfields ? (unsigned)k : SM_MATCH_LAST);
        for (size_t i = 0; node != SIZE_MAX && i < out->n; i++) {
            sm_reading *r = &out->readings[i];
            if (r->node == node && r->obis_source == SM_OBIS_NONE)
                apply_field(r, f);
        }
    }
}

/* ---- implied current scalers against the power -------------------------- */

/* The instantaneous values of a push, by phase (0..2): voltage, current,
 * active power import and export; and the totals. */
typedef struct {
    sm_reading *u[3], *i[3];
    double p[3], total;      /* -1: not sent */
    bool implied;            /* a current's scaler was implied */
} phases;

static double number(const sm_reading *r) { return r->value < 0 ? -r->value : r->value; }

static void collect_phases(sm_reading_set *out, phases *ph)
{
    memset(ph, 0, sizeof *ph);
    ph->p[0] = ph->p[1] = ph->p[2] = ph->total = -1;
    for (size_t k = 0; k < out->n; k++) {
        sm_reading *r = &out->readings[k];
        const sm_obis *o = &r->obis;
        if (r->kind != SM_RK_NUMBER || r->obis_source == SM_OBIS_NONE || o->a != 1 ||
            o->d != 7 || o->e != 0)
            continue;
        unsigned c = o->c, k3 = c >= 21 && c <= 72 ? (c - 21) / 20 : 3, q = c - 20 * k3;
        if (c == 1 || c == 2) {
            if (r->unit == SM_UNIT_W && number(r) > ph->total)
                ph->total = number(r);
        } else if (k3 < 3 && (q == 21 || q == 22) && r->unit == SM_UNIT_W) {
            if (number(r) > ph->p[k3])
                ph->p[k3] = number(r);
        } else if (k3 < 3 && q == 32 && r->unit == SM_UNIT_V) {
            ph->u[k3] = r;
        } else if (k3 < 3 && q == 31 && r->unit == SM_UNIT_A) {
            ph->i[k3] = r;
            ph->implied |= r->scaler_source == SM_SCALER_IMPLIED;
        }
    }
}

/* Do power, voltage and current agree with the currents times 10^shift:
 * the power of a phase, and the total, at most U x I?  `factor`: how far
 * beyond (5 % and one step of the current's resolution allowed). */
static bool agrees(const phases *ph, int shift, double factor)
{
    double sum = 0, slack = 1;
    bool all = true, some = false; /* every phase sent has U and I; some has */
    for (int k = 0; k < 3; k++) {
        if (!ph->u[k] || !ph->i[k]) {
            all = all && !ph->u[k] && !ph->i[k];
            continue;
        }
        some = true;
        double step = sm_scale(1, ph->i[k]->scaler + shift);
        double ui = number(ph->u[k]) * sm_scale(number(ph->i[k]), shift);
        double room = (ui * 1.05 + number(ph->u[k]) * step + 1) * factor;
        if (ph->p[k] >= 0 && ph->p[k] > room)
            return false;
        sum += ui;
        slack += number(ph->u[k]) * step;
    }
    return !all || !some || ph->total < 0 || ph->total <= (sum * 1.05 + slack) * factor;
}

/* Currents whose scaler was implied (the list sends none) must agree with
 * the power the same push reports.  Where the power is more than five
 * times U x I, the implied scaler is too small: it is raised (to 0.1 A,
 * then 1 A) until they agree; where none agrees, the push is flagged
 * (implied_disagree).  A factor of five, not the 5 % of the check itself:
 * a load that changes between the samples of a push moves them apart too. */
static void fit_currents(sm_reading_set *out)
{
    phases ph;
    collect_phases(out, &ph);
    if (!ph.implied || agrees(&ph, 0, 5))
        return;
    int8_t base = 0;
    for (int k = 0; k < 3; k++)
        if (ph.i[k] && ph.i[k]->scaler < base)
            base = ph.i[k]->scaler;
    for (int shift = 1; base + shift <= 0; shift++) {
        if (!agrees(&ph, shift, 1))
            continue;
        for (int k = 0; k < 3; k++)
            if (ph.i[k] && ph.i[k]->scaler_source == SM_SCALER_IMPLIED)
                set_scaler(ph.i[k], (int8_t)(ph.i[k]->scaler + shift), SM_UNIT_A,
                           SM_SCALER_IMPLIED);
        return;
    }
    out->implied_disagree = true;
}

static sm_err extract(const tree *t, const sm_layout_set *user, sm_reading_set *out)
{
    const sm_layout *l = NULL;
    sm_err e;
    bool keyed = false;
    if (is_tuples(t)) {
        l = find_layout(t, user, SM_FORM_TUPLES);
        out->layout = "attribute-tuples";
        e = extract_tuples(t, out);
    } else if (is_capture_list(t)) {
        l = find_layout(t, user, SM_FORM_CAPTURE);
        out->layout = "capture-object-list";
        e = extract_capture_list(t, out);
    } else if ((l = find_layout(t, user, SM_FORM_POSITIONAL))) {
        e = extract_positional(t, l, out);
    } else if (is_container(&t->nodes[0].item) && t->nodes[0].item.count == 0) {
        out->layout = "empty"; /* valid A-XDR: a telegram without readings */
        return SM_OK;
    } else {
        e = extract_keyed(t, out, &keyed);
        out->layout = !is_container(&t->nodes[0].item) ? "single-value"
                      : keyed                          ? "obis-keyed"
                                                       : "unknown-positional";
        if (!e && (l = find_layout(t, user, SM_FORM_KEYED)))
            apply_keyed_fields(t, l, out);
    }
    if (!e && l) {
        out->layout = l->name;
        apply_implied(out, l);
        fit_currents(out);
    }
    return e;
}

sm_err sm_readings_extract(const sm_node *nodes, size_t nnodes, const uint8_t *base,
                           size_t body_end, const sm_layout_set *layouts, sm_reading_set *out)
{
    out->n = 0;
    out->layout = NULL;
    out->implied_disagree = false;
    if (nnodes == 0)
        return SM_ERR_LAYOUT;
    tree t = {nodes, nnodes, base, body_end};
    return extract(&t, layouts, out);
}
