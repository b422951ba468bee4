/* sm_quirk.c - meter quirks: which of them a meter has, what they change,
 * and the sign check.  See sm_quirk.h; their block in the layout files is
 * read by sm_quirk_parse.c. */
#include "sm_quirk.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "sm_decimal.h"
#include "sm_sml.h"

/* ---- which meter has one ------------------------------------------------- */

static bool is_code(const sm_reading *r, unsigned a, unsigned c, unsigned d, unsigned e)
{
    return r->obis_source != SM_OBIS_NONE && r->obis.a == a && r->obis.c == c &&
           r->obis.d == d && r->obis.e == e;
}

/* The meter's FLAG code: its meter number's letters, else its manufacturer
 * reading (129-129:199.130.3, 1-0:96.50.1). */
static bool maker_of(const sm_quirk_meter *m, const sm_reading *r, size_t n, char out[3])
{
    if (m && m->meter_number && strlen(m->meter_number) == SM_QUIRK_NUMBER_LEN - 1) {
        memcpy(out, m->meter_number + 1, 3);
        return true;
    }
    for (size_t i = 0; i < n; i++)
        if ((is_code(&r[i], 129, 199, 130, 3) || is_code(&r[i], 1, 96, 50, 1)) &&
            r[i].kind == SM_RK_STRING && r[i].len == 3) {
            memcpy(out, r[i].bytes, 3);
            return true;
        }
    return false;
}

static bool firmware_is(const char *prefix, const sm_reading *r, size_t n)
{
    size_t k = strlen(prefix);
    for (size_t i = 0; i < n; i++)
        if (is_code(&r[i], 1, 0, 2, 0) && r[i].kind == SM_RK_STRING && r[i].len >= k &&
            memcmp(r[i].bytes, prefix, k) == 0)
            return true;
    return false;
}

static bool matches(const sm_quirk *q, const char maker[3], const char *number,
                    const sm_reading *r, size_t n)
{
    bool made = false;
    for (unsigned i = 0; i < q->nmakers; i++)
        made = made || memcmp(q->makers[i], maker, 3) == 0;
    if (!made)
        return false;
    bool ranged = *q->number_from || *q->number_below;
    if (ranged && (!number || strlen(number) != SM_QUIRK_NUMBER_LEN - 1))
        return false;
    if (*q->number_from && strcmp(number, q->number_from) < 0)
        return false;
    if (*q->number_below && strcmp(number, q->number_below) >= 0)
        return false;
    return !q->firmware || firmware_is(q->firmware, r, n);
}

static const sm_quirk *find_in(const sm_layout_set *s, const char maker[3], const char *number,
                               const sm_reading *r, size_t n)
{
    for (size_t i = 0; s && i < s->nquirks; i++)
        if (matches(&s->quirks[i], maker, number, r, n))
            return &s->quirks[i];
    return NULL;
}

const sm_quirk *sm_quirk_find(const sm_layout_set *user, const sm_quirk_meter *m,
                              const sm_reading *r, size_t n)
{
    char maker[3];
    if (!maker_of(m, r, n, maker))
        return NULL;
    const char *number = m ? m->meter_number : NULL;
    const sm_quirk *q = find_in(user, maker, number, r, n);
    return q ? q : find_in(sm_layouts_builtin(), maker, number, r, n);
}

const sm_quirk *sm_quirk_named(const sm_layout_set *user, const char *name)
{
    const sm_quirk *q = sm_layout_set_quirk(user, name, strlen(name));
    return q ? q : sm_layout_set_quirk(sm_layouts_builtin(), name, strlen(name));
}

void sm_quirk_names(const sm_layout_set *user, const char *quote, char *out, size_t cap)
{
    const sm_layout_set *sets[2] = {user, sm_layouts_builtin()};
    size_t n = 0;
    if (cap)
        out[0] = '\0';
    for (int k = 0; k < 2; k++)
        for (size_t i = 0; sets[k] && i < sets[k]->nquirks && n < cap; i++) {
            int w = snprintf(out + n, cap - n, ", %s%s%s", quote, sets[k]->quirks[i].name, quote);
            n += w > 0 ? (size_t)w : 0;
        }
}

/* ---- what it changes ---------------------------------------------------- */

static void as_unsigned(sm_reading *r)
{
    uint64_t u = (uint64_t)r->raw_i;
    if (r->width < 8)
        u &= ((uint64_t)1 << (8 * r->width)) - 1;
    r->is_signed = false;
    r->raw_u = u;
    r->raw_i = (int64_t)u;
    r->type = sm_sml_int_type(false, r->width);
    r->value = sm_scale((double)u, r->scaler);
    r->amended = true;
}

static void as_signed(sm_reading *r, uint64_t magnitude, bool negative, const sm_obis *as)
{
    r->is_signed = true;
    r->raw_i = negative ? -(int64_t)magnitude : (int64_t)magnitude;
    r->raw_u = (uint64_t)r->raw_i;
    r->value = sm_scale((double)r->raw_i, r->scaler);
    r->type = sm_sml_int_type(true, r->width);
    if (!sm_obis_equal(&r->obis, as)) {
        r->obis = *as;
        r->info = sm_obis_lookup(as);
    }
    r->amended = true;
}

static const sm_reading *with_code(const sm_reading *r, size_t n, const sm_obis *o)
{
    for (size_t i = 0; i < n; i++)
        if (r[i].obis_source != SM_OBIS_NONE && sm_obis_equal(&r[i].obis, o))
            return &r[i];
    return NULL;
}

static unsigned direction(const sm_quirk_action *a, sm_reading *r, size_t n)
{
    const sm_reading *st = with_code(r, n, &a->status);
    bool relabel = !sm_obis_equal(&a->code, &a->as);
    if (!st || !st->has_status || (relabel && with_code(r, n, &a->as)))
        return 0; /* nothing tells, or the meter sends the signed code itself */
    bool negative = (st->status >> a->bit) & 1;
    unsigned changed = 0;
    for (size_t i = 0; i < n; i++) {
        sm_reading *x = &r[i];
        /* a power without sign: unsigned, or the absolute power recoded
         * (a signed 16.7.0 carries the meter's own sign) */
        if (x->obis_source == SM_OBIS_NONE || !sm_obis_equal(&x->obis, &a->code) ||
            x->kind != SM_RK_NUMBER || (x->is_signed && (!relabel || x->raw_i < 0)) ||
            (!x->is_signed && x->raw_u > (uint64_t)INT64_MAX))
            continue;
        uint64_t m = x->is_signed ? (uint64_t)x->raw_i : x->raw_u;
        if (!relabel && (!negative || m == 0))
            continue;
        as_signed(x, m, negative && m != 0, &a->as);
        changed++;
    }
    return changed;
}

unsigned sm_quirk_apply(const sm_quirk *q, sm_reading *r, size_t n)
{
    unsigned changed = 0;
    for (unsigned k = 0; q && k < q->nactions; k++) {
        const sm_quirk_action *a = &q->actions[k];
        if (a->kind == SM_QA_DIRECTION) {
            changed += direction(a, r, n);
            continue;
        }
        for (size_t i = 0; i < n; i++)
            if (r[i].obis_source != SM_OBIS_NONE && sm_obis_equal(&r[i].obis, &a->code) &&
                r[i].kind == SM_RK_NUMBER && r[i].is_signed && r[i].raw_i < 0 &&
                r[i].width >= 1 && r[i].width <= 8 && (!a->width || a->width == r[i].width)) {
                as_unsigned(&r[i]);
                changed++;
            }
    }
    return changed;
}

/* ---- the sign check ------------------------------------------------------ */

static bool number_of(const sm_reading *r, size_t n, unsigned c, unsigned d, double *v)
{
    for (size_t i = 0; i < n; i++)
        if (is_code(&r[i], 1, c, d, 0) && r[i].obis.b == 0 && r[i].kind == SM_RK_NUMBER) {
            *v = r[i].value;
            return true;
        }
    return false;
}

sm_sign_verdict sm_sign_check_feed(sm_sign_check *c, const sm_reading *r, size_t n)
{
    double imp, exp, power;
    if (!number_of(r, n, 1, 8, &imp) || !number_of(r, n, 2, 8, &exp)) {
        c->have = false;
        return SM_SIGN_UNKNOWN;
    }
    bool had = c->have;
    double d_imp = imp - c->imp, d_exp = exp - c->exp;
    c->have = true;
    c->imp = imp;
    c->exp = exp;
    if (!had || !number_of(r, n, 16, 7, &power) || d_imp < 0 || d_exp < 0 ||
        (d_imp > 0) == (d_exp > 0) || power == 0)
        return SM_SIGN_UNKNOWN;
    if ((d_imp > 0) == (power > 0)) {
        c->run = 0;
        return SM_SIGN_AGREES;
    }
    c->run++;
    c->power = power;
    return SM_SIGN_DISAGREES;
}
