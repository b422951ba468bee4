/* sm_readings.c - data-notification bodies to readings.  See sm_readings.h
 * for the layouts and the order in which they are tried. */
#include "sm_readings.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int sm_reading_digits(const sm_reading *r, char d[20], bool *neg)
{
    *neg = r->is_signed && r->raw_i < 0;
    uint64_t mag = !r->is_signed ? r->raw_u
                   : *neg        ? (uint64_t)0 - (uint64_t)r->raw_i
                                 : (uint64_t)r->raw_i;
    return sm_u64_digits(mag, d);
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

static void apply_implied(sm_reading_set *out, const sm_implied_table *tab)
{
    for (size_t k = 0; k < out->n; k++) {
        sm_reading *r = &out->readings[k];
        if (r->kind != SM_RK_NUMBER || r->scaler_source != SM_SCALER_NONE ||
            r->obis_source == SM_OBIS_NONE || r->obis.a != 1)
            continue;
        for (size_t j = 0; j < tab->n; j++) {
            const sm_implied *e = &tab->entries[j];
            if (!sm_obis_is(&r->obis, 1, e->c, e->d, e->e))
                continue;
            int8_t scaler = e->scaler;
            if (e->mains_voltage) {
                double raw = r->is_signed ? (double)r->raw_i : (double)r->raw_u;
                scaler = raw >= 1000 ? -1 : 0;
            }
            set_scaler(r, scaler, e->unit, SM_SCALER_IMPLIED);
            break;
        }
    }
}

static bool string_equals(const sm_axdr_item *it, const char *s, size_t n)
{
    return (it->type == SM_DT_OCTET_STRING || it->type == SM_DT_VISIBLE_STRING) &&
           it->len == n && memcmp(it->bytes, s, n) == 0;
}

static bool string_has_prefix(const sm_axdr_item *it, const char *s)
{
    size_t n = strlen(s);
    return (it->type == SM_DT_OCTET_STRING || it->type == SM_DT_VISIBLE_STRING) &&
           it->len >= n && memcmp(it->bytes, s, n) == 0;
}

/* 1. capture-object list: structure { array of capture_object_definition
 *    {class_id long-unsigned, logical_name octet-string(6), attribute_index
 *    integer, data_index long-unsigned}, value 1 .. value N-1 } */
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
        r->attribute = (uint8_t)t->nodes[d + 3].item.v.i;
    }
    /* a captured attribute 3 (scaler_unit) applies to the value of the same
     * object */
    for (size_t a = 0; a < out->n; a++) {
        sm_reading *su = &out->readings[a];
        /* encoded as 02 02 0F scaler 16 unit */
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
    out->layout = "capture-object-list";
    for (size_t i = 0; i < sm_implied_tables_count; i++)
        if (!sm_implied_tables[i].list_id_prefix)
            apply_implied(out, &sm_implied_tables[i]);
    return SM_OK;
}

/* 2. positional lists */
static bool types_match(const tree *t, const uint8_t *types, uint32_t count)
{
    size_t c = first_child(0);
    for (uint32_t k = 0; k < count; k++, c = next_sibling(t, c))
        if (t->nodes[c].item.type != types[k])
            return false;
    return true;
}

static const sm_layout *match_positional(const tree *t)
{
    const sm_axdr_item *root = &t->nodes[0].item;
    if (!is_container(root))
        return NULL;
    for (size_t i = 0; i < sm_layouts_count; i++) {
        const sm_layout *l = &sm_layouts[i];
        if (root->count != l->count)
            continue;
        if (l->list_id && !string_equals(&t->nodes[1].item, l->list_id, l->list_id_len))
            continue;
        if (l->types && !types_match(t, l->types, root->count))
            continue;
        return l;
    }
    return NULL;
}

static sm_err extract_positional(const tree *t, const sm_layout *l, sm_reading_set *out)
{
    size_t c = first_child(0);
    for (uint16_t k = 0; k < l->count; k++, c = next_sibling(t, c)) {
        sm_reading *r;
        sm_err e = push(out, t, c, &r);
        if (e)
            return e;
        const sm_layout_field *f = &l->fields[k];
        if (f->flags & SM_LF_OBIS) {
            r->obis = f->obis;
            r->obis_source = SM_OBIS_LAYOUT;
            r->info = sm_obis_lookup(&r->obis);
        }
        if (f->flags & SM_LF_SCALER)
            set_scaler(r, f->scaler, f->unit, SM_SCALER_IMPLIED);
    }
    out->layout = l->name;
    return SM_OK;
}

/* 3. OBIS-keyed lists, walked over the children of the root (or the root
 *    itself when it is a single value). */
static sm_err extract_keyed(const tree *t, sm_reading_set *out)
{
    const sm_axdr_item *root = &t->nodes[0].item;
    if (!is_container(root)) {
        sm_reading *r;
        out->layout = "single-value";
        return push(out, t, 0, &r);
    }
    if (root->count == 0) {
        out->layout = "empty"; /* valid A-XDR: a telegram without readings */
        return SM_OK;
    }
    bool keyed = false;
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
            keyed = true;
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
            keyed = true;
            c = s;
            continue;
        }
        /* a value without OBIS keeps its place */
        if ((e = push(out, t, c, &r)))
            return e;
        c = v;
    }
    out->layout = keyed ? "obis-keyed" : "unknown-positional";
    /* lists that send no scalers: implied by the list identifier */
    if (out->n > 0) {
        const sm_reading *first = &out->readings[0];
        sm_axdr_item id = {.type = first->type, .bytes = first->bytes, .len = first->len};
        for (size_t i = 0; i < sm_implied_tables_count; i++) {
            const sm_implied_table *tab = &sm_implied_tables[i];
            if (tab->list_id_prefix && first->obis_source == SM_OBIS_NONE &&
                string_has_prefix(&id, tab->list_id_prefix)) {
                apply_implied(out, tab);
                out->layout = tab->name;
            }
        }
    }
    return SM_OK;
}

sm_err sm_readings_extract(const sm_node *nodes, size_t nnodes, const uint8_t *base,
                           size_t body_end, sm_reading_set *out, size_t *err_off)
{
    out->n = 0;
    out->layout = NULL;
    if (nnodes == 0) {
        if (err_off)
            *err_off = 0;
        return SM_ERR_LAYOUT;
    }
    tree t = {nodes, nnodes, base, body_end};

    sm_err e;
    const sm_layout *l;
    if (is_capture_list(&t))
        e = extract_capture_list(&t, out);
    else if ((l = match_positional(&t)))
        e = extract_positional(&t, l, out);
    else
        e = extract_keyed(&t, out);
    if (e && err_off)
        *err_off = nodes[0].item.offset;
    return e;
}
