/* roundtrip.c - see roundtrip.h.  The expected forms follow smdecode(1). */
#include "roundtrip.h"

#include <json-c/json.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FAIL(...)                                                                           \
    do {                                                                                    \
        snprintf(msg, cap, __VA_ARGS__);                                                    \
        return false;                                                                       \
    } while (0)

#define EXACT_MAX 9007199254740992ull /* 2^53: JSON numbers beyond are strings */

/* the DLMS names (IEC 62056-6-2) and the Gurux translator's, by tag */
static const char *dlms_name(uint8_t t)
{
    switch (t) {
    case 0: return "null-data";
    case 1: return "array";
    case 2: return "structure";
    case 3: return "boolean";
    case 4: return "bit-string";
    case 5: return "double-long";
    case 6: return "double-long-unsigned";
    case 9: return "octet-string";
    case 10: return "visible-string";
    case 12: return "utf8-string";
    case 13: return "bcd";
    case 15: return "integer";
    case 16: return "long";
    case 17: return "unsigned";
    case 18: return "long-unsigned";
    case 19: return "compact-array";
    case 20: return "long64";
    case 21: return "long64-unsigned";
    case 22: return "enum";
    case 23: return "float32";
    case 24: return "float64";
    case 25: return "date-time";
    case 26: return "date";
    case 27: return "time";
    case 255: return "dont-care";
    default: return "?";
    }
}

static const char *gurux_name(uint8_t t)
{
    switch (t) {
    case 0: return "None";
    case 1: return "Array";
    case 2: return "Structure";
    case 3: return "Boolean";
    case 4: return "BitString";
    case 5: return "Int32";
    case 6: return "UInt32";
    case 9: return "OctetString";
    case 10: return "String";
    case 12: return "StringUTF8";
    case 13: return "Bcd";
    case 15: return "Int8";
    case 16: return "Int16";
    case 17: return "UInt8";
    case 18: return "UInt16";
    case 19: return "CompactArray";
    case 20: return "Int64";
    case 21: return "UInt64";
    case 22: return "Enum";
    case 23: return "Float32";
    case 24: return "Float64";
    case 25: return "DateTime";
    case 26: return "Date";
    case 27: return "Time";
    case 255: return "DontCare";
    default: return "?";
    }
}

static void hex(const uint8_t *p, size_t n, char *out)
{
    static const char H[] = "0123456789ABCDEF";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = H[p[i] >> 4];
        out[2 * i + 1] = H[p[i] & 15];
    }
    out[2 * n] = '\0';
}

static bool printable(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] < 0x20 || p[i] > 0x7E)
            return false;
    return true;
}

static unsigned dim(unsigned y, unsigned m)
{
    static const unsigned d[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m < 1 || m > 12)
        return 0;
    return d[m - 1] + (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0));
}

/* ISO 8601 local time of twelve date-time octets with its UTC offset (UTC
 * = local + deviation), "" unless date and time are fully specified */
static void iso_datetime(const uint8_t *b, char *out, size_t cap)
{
    unsigned y = (unsigned)(b[0] << 8 | b[1]);
    out[0] = '\0';
    if (y == 0xFFFF || b[2] < 1 || b[2] > 12 || b[3] < 1 || b[3] > 31 || b[5] == 0xFF ||
        b[6] == 0xFF || b[7] == 0xFF)
        return;
    int n = snprintf(out, cap, "%04u-%02u-%02uT%02u:%02u:%02u", y, b[2], b[3], b[5], b[6], b[7]);
    if (b[8] != 0xFF && b[8] != 0)
        n += snprintf(out + n, cap - (size_t)n, ".%02u", b[8]);
    int16_t dev = (int16_t)(uint16_t)(b[9] << 8 | b[10]);
    if (dev != INT16_MIN) {
        int east = -dev;
        snprintf(out + n, cap - (size_t)n, "%c%02d:%02d", east < 0 ? '-' : '+', abs(east) / 60,
                 abs(east) % 60);
    }
}

/* The text smdecode gives a byte-valued element: date-times, dates and
 * times in ISO 8601, bit-strings as their bits, printable strings as they
 * are.  False when it has none. */
static bool bytes_text(const smg_telegram *g, const smg_node *n, char *out, size_t cap)
{
    const uint8_t *b = g->apdu + n->off;
    out[0] = '\0';
    switch (n->type) {
    case SM_DT_DATE_TIME:
        if (n->is_datetime)
            iso_datetime(b, out, cap);
        return out[0] != '\0';
    case SM_DT_OCTET_STRING:
        if (n->is_datetime) {
            iso_datetime(b, out, cap);
            return out[0] != '\0';
        }
        break;
    case SM_DT_DATE: {
        unsigned y = (unsigned)(b[0] << 8 | b[1]);
        if (y == 0xFFFF || b[3] < 1 || b[3] > dim(y, b[2]) || (b[4] > 7 && b[4] != 0xFF))
            return false;
        snprintf(out, cap, "%04u-%02u-%02u", y, b[2], b[3]);
        return true;
    }
    case SM_DT_TIME:
        if (b[0] > 23 || b[1] > 59 || b[2] > 59 || (b[3] > 99 && b[3] != 0xFF))
            return false;
        snprintf(out, cap, b[3] != 0xFF && b[3] != 0 ? "%02u:%02u:%02u.%02u" : "%02u:%02u:%02u",
                 b[0], b[1], b[2], b[3]);
        return true;
    case SM_DT_BIT_STRING:
        for (uint32_t i = 0; i < n->count; i++)
            out[i] = (b[i / 8] >> (7 - i % 8)) & 1 ? '1' : '0';
        out[n->count] = '\0';
        return true;
    case SM_DT_VISIBLE_STRING:
    case SM_DT_UTF8_STRING:
        break;
    default:
        return false;
    }
    if (!printable(b, n->len) || n->len >= cap)
        return false;
    memcpy(out, b, n->len);
    out[n->len] = '\0';
    return true;
}

static bool is_string_type(uint8_t t)
{
    return t == SM_DT_OCTET_STRING || t == SM_DT_VISIBLE_STRING || t == SM_DT_UTF8_STRING;
}

/* what kind of reading the value of node n makes */
static sm_reading_kind reading_kind(const smg_node *n)
{
    if (n->kind == SM_VK_INT || n->kind == SM_VK_UINT || n->kind == SM_VK_FLOAT)
        return SM_RK_NUMBER;
    if (n->kind == SM_VK_BYTES && n->is_datetime && n->len == 12 &&
        (n->type == SM_DT_OCTET_STRING || n->type == SM_DT_DATE_TIME))
        return SM_RK_DATETIME;
    if (n->kind == SM_VK_BYTES && is_string_type(n->type))
        return SM_RK_STRING;
    return SM_RK_OTHER;
}

static bool is_container(const smg_node *n)
{
    return n->type == SM_DT_ARRAY || n->type == SM_DT_STRUCTURE;
}

/* the bytes a reading of kind OTHER carries: a container's whole encoding */
static void other_bytes(const smg_telegram *g, const smg_node *n, const uint8_t **p, size_t *len)
{
    if (is_container(n)) {
        *p = g->apdu + n->tag_off;
        *len = n->end - n->tag_off;
    } else {
        *p = g->apdu + n->off;
        *len = n->len;
    }
}

static bool same_double(double a, double b)
{
    return memcmp(&a, &b, sizeof a) == 0;
}

static const char *nonfinite_name(double f)
{
    return f != f ? "NaN" : f > 0 ? "Infinity" : "-Infinity";
}

static bool is_finite(double f) { return f - f == 0; }

/* ---- the core ------------------------------------------------------------ */

bool rt_check_core(const smg_telegram *g, const sm_telegram *t, char *msg, size_t cap)
{
    if (t->err != SM_OK)
        FAIL("decoder: %s at offset %llu", sm_errname(t->err), (unsigned long long)t->err_offset);
    if (t->nnodes != g->nnodes)
        FAIL("decoder: %zu nodes, the generator made %zu", t->nnodes, g->nnodes);
    for (size_t i = 0; i < g->nnodes; i++) {
        const smg_node *w = &g->nodes[i];
        const sm_node *n = &t->nodes[i];
        const sm_axdr_item *it = &n->item;
        if (it->type != w->type || n->depth != w->depth || n->subtree != w->subtree ||
            it->kind != w->kind || it->offset != w->tag_off)
            FAIL("node %zu (%s at %u): decoded as type %u kind %u depth %u subtree %u at %u", i,
                 dlms_name(w->type), w->tag_off, it->type, it->kind, n->depth, n->subtree,
                 it->offset);
        if ((is_container(w) || w->type == SM_DT_BIT_STRING) && it->count != w->count)
            FAIL("node %zu (%s): %u elements, made %u", i, dlms_name(w->type), it->count,
                 w->count);
        if ((w->kind == SM_VK_INT && it->v.i != w->i) ||
            (w->kind == SM_VK_UINT && it->v.u != w->u) ||
            (w->kind == SM_VK_FLOAT && w->f == w->f && !same_double(it->v.f, w->f)))
            FAIL("node %zu (%s): value differs", i, dlms_name(w->type));
        if (w->kind != SM_VK_NONE &&
            (it->len != w->len || memcmp(it->bytes, g->apdu + w->off, w->len) != 0))
            FAIL("node %zu (%s): bytes differ (%zu, made %u)", i, dlms_name(w->type), it->len,
                 w->len);
    }
    if (t->nreadings != g->nreadings)
        FAIL("decoder: %zu readings, made %zu", t->nreadings, g->nreadings);
    for (size_t k = 0; k < g->nreadings; k++) {
        const sm_reading *r = &t->readings[k];
        const smg_node *w = &g->nodes[g->value[k]];
        sm_reading_kind kind = reading_kind(w);
        if (!sm_obis_equal(&r->obis, &g->obis[k]) || r->node != g->value[k] || r->kind != kind)
            FAIL("reading %zu: obis, node %u or kind %u (expected %u)", k, r->node, r->kind, kind);
        const uint8_t *p = g->apdu + w->off;
        size_t len = w->len;
        if (kind == SM_RK_NUMBER) {
            bool ok = w->kind == SM_VK_INT   ? r->is_signed && r->raw_i == w->i
                      : w->kind == SM_VK_UINT ? !r->is_signed && r->raw_u == w->u
                                              : r->is_float && (w->f != w->f ? r->raw_f != r->raw_f
                                                                            : same_double(r->raw_f, w->f));
            if (!ok)
                FAIL("reading %zu (%s): raw value differs", k, dlms_name(w->type));
            continue;
        }
        if (kind == SM_RK_OTHER) {
            other_bytes(g, w, &p, &len);
            if (r->invalid != w->invalid)
                FAIL("reading %zu (%s): invalid %d, expected %d", k, dlms_name(w->type),
                     r->invalid, w->invalid);
        }
        if (r->len != len || (len && memcmp(r->bytes, p, len) != 0))
            FAIL("reading %zu (%s): bytes differ", k, dlms_name(w->type));
    }
    return true;
}

/* ---- JSON ---------------------------------------------------------------- */

static bool json_int(json_object *o, bool neg, uint64_t mag, char *msg, size_t cap,
                     const char *what)
{
    char dec[24];
    snprintf(dec, sizeof dec, "%s%" PRIu64, neg ? "-" : "", mag);
    if (mag > EXACT_MAX) {
        if (!json_object_is_type(o, json_type_string) || strcmp(json_object_get_string(o), dec))
            FAIL("%s: %s expected as the string \"%s\", got %s", what, dec, dec,
                 json_object_to_json_string(o));
        return true;
    }
    if (!json_object_is_type(o, json_type_int))
        FAIL("%s: %s expected as a number, got %s", what, dec, json_object_to_json_string(o));
    int64_t v = json_object_get_int64(o);
    if ((neg && (uint64_t)0 - (uint64_t)v != mag) || (!neg && (uint64_t)v != mag))
        FAIL("%s: got %s, expected %s", what, json_object_to_json_string(o), dec);
    return true;
}

static bool json_str_is(json_object *o, const char *want)
{
    return o && json_object_is_type(o, json_type_string) &&
           strcmp(json_object_get_string(o), want) == 0;
}

static json_object *member(json_object *o, const char *key)
{
    json_object *m = NULL;
    return json_object_object_get_ex(o, key, &m) ? m : NULL;
}

static bool has(json_object *o, const char *key)
{
    json_object *m;
    return json_object_object_get_ex(o, key, &m);
}

/* A number's "value" (and "raw" at the reading level, the same: no scaler) */
static bool json_number(const smg_node *w, json_object *v, json_object *obj, char *msg,
                        size_t cap, const char *what)
{
    if (w->kind == SM_VK_INT)
        return json_int(v, w->i < 0, w->i < 0 ? (uint64_t)0 - (uint64_t)w->i : (uint64_t)w->i,
                        msg, cap, what);
    if (w->kind == SM_VK_UINT)
        return json_int(v, false, w->u, msg, cap, what);
    if (!is_finite(w->f)) {
        if (v && !json_object_is_type(v, json_type_null))
            FAIL("%s: a %s gives value null", what, nonfinite_name(w->f));
        if (!json_str_is(member(obj, "nonfinite"), nonfinite_name(w->f)))
            FAIL("%s: nonfinite should be %s", what, nonfinite_name(w->f));
        return true;
    }
    if (!json_object_is_type(v, json_type_double) || !same_double(json_object_get_double(v), w->f))
        FAIL("%s: float %.17g came back as %s", what, w->f, json_object_to_json_string(v));
    return true;
}

static bool json_element(const smg_telegram *g, size_t i, json_object *e, char *msg, size_t cap);

/* the "value" of a byte-valued element or reading, and its other members */
static bool json_bytes(const smg_telegram *g, const smg_node *w, json_object *obj, char *msg,
                       size_t cap, const char *what)
{
    char text[700], hx[2 * SM_APDU_MAX + 1];
    json_object *v = member(obj, "value");
    const uint8_t *b = g->apdu + w->off;
    hex(b, w->len, hx);
    if (!json_str_is(member(obj, "raw"), hx))
        FAIL("%s (%s): raw should be \"%s\"", what, dlms_name(w->type), hx);
    if (bytes_text(g, w, text, sizeof text)) {
        if (!json_str_is(v, text))
            FAIL("%s (%s): value should be \"%s\", got %s", what, dlms_name(w->type), text,
                 json_object_to_json_string(v));
    } else if (is_string_type(w->type)) {
        if (!json_str_is(v, hx))
            FAIL("%s (%s): value should be the hex \"%s\"", what, dlms_name(w->type), hx);
    } else if (v) {
        FAIL("%s (%s): value should be null, got %s", what, dlms_name(w->type),
             json_object_to_json_string(v));
    }
    if (w->type == SM_DT_BIT_STRING &&
        (!member(obj, "bits") || json_object_get_int64(member(obj, "bits")) != w->count))
        FAIL("%s: bit-string without its bit count %u", what, w->count);
    if (w->invalid != has(obj, "invalid"))
        FAIL("%s (%s): invalid should be %s", what, dlms_name(w->type),
             w->invalid ? "there" : "absent");
    return true;
}

/* the elements of container node i in "value" */
static bool json_elements(const smg_telegram *g, size_t i, json_object *v, char *msg, size_t cap)
{
    const smg_node *w = &g->nodes[i];
    if (!json_object_is_type(v, json_type_array) || json_object_array_length(v) != w->count)
        FAIL("%s at %u: value should be an array of %u", dlms_name(w->type), w->tag_off, w->count);
    size_t j = i + 1;
    for (uint32_t k = 0; k < w->count; k++) {
        if (!json_element(g, j, json_object_array_get_idx(v, k), msg, cap))
            return false;
        j += g->nodes[j].subtree;
    }
    return true;
}

static bool json_element(const smg_telegram *g, size_t i, json_object *e, char *msg, size_t cap)
{
    const smg_node *w = &g->nodes[i];
    char what[64];
    snprintf(what, sizeof what, "element at %u", w->tag_off);
    if (!json_str_is(member(e, "type"), dlms_name(w->type)))
        FAIL("%s: type should be %s, got %s", what, dlms_name(w->type),
             json_object_to_json_string(e));
    json_object *v = member(e, "value");
    switch (w->kind) {
    case SM_VK_INT:
    case SM_VK_UINT:
    case SM_VK_FLOAT:
        return json_number(w, v, e, msg, cap, what);
    case SM_VK_BYTES:
        return json_bytes(g, w, e, msg, cap, what);
    default:
        if (is_container(w))
            return json_elements(g, i, v, msg, cap);
        if (v)
            FAIL("%s: %s should have value null", what, dlms_name(w->type));
        return true;
    }
}

/* One reading's JSON against the value the generator wrote (w). */
static bool json_reading(const smg_telegram *g, const smg_node *w, json_object *r,
                         const char *what, char *msg, size_t cap)
{
    char hx[2 * SM_APDU_MAX + 1];
    sm_reading_kind kind = reading_kind(w);
    if (kind == SM_RK_NUMBER) {
        if (!json_number(w, member(r, "value"), r, msg, cap, what))
            return false;
        if (is_finite(w->f) || w->kind != SM_VK_FLOAT) {
            if (!json_number(w, member(r, "raw"), r, msg, cap, what))
                return false;
        } else {
            hex(g->apdu + w->off, w->len, hx);
            if (!json_str_is(member(r, "raw"), hx)) {
                snprintf(msg, cap, "%s: a %s keeps its bytes %s in raw", what,
                         nonfinite_name(w->f), hx);
                return false;
            }
        }
    } else if (kind == SM_RK_OTHER && is_container(w)) {
        const uint8_t *p;
        size_t len;
        other_bytes(g, w, &p, &len);
        hex(p, len, hx);
        if (!json_str_is(member(r, "raw"), hx) ||
            !json_str_is(member(r, "type"), dlms_name(w->type))) {
            snprintf(msg, cap, "%s: raw or type of the %s", what, dlms_name(w->type));
            return false;
        }
        if (!json_elements(g, (size_t)(w - g->nodes), member(r, "value"), msg, cap))
            return false;
    } else if (kind == SM_RK_OTHER && w->kind == SM_VK_NONE) {
        if (member(r, "raw") || member(r, "value") ||
            !json_str_is(member(r, "type"), dlms_name(w->type))) {
            snprintf(msg, cap, "%s: %s has raw and value null", what, dlms_name(w->type));
            return false;
        }
    } else {
        if (kind == SM_RK_OTHER && !json_str_is(member(r, "type"), dlms_name(w->type))) {
            snprintf(msg, cap, "%s: type should be %s", what, dlms_name(w->type));
            return false;
        }
        if (!json_bytes(g, w, r, msg, cap, what))
            return false;
    }
    return true;
}

bool rt_check_json(const smg_telegram *g, const char *line, char *msg, size_t cap)
{
    json_tokener *tok = json_tokener_new_ex(4 * SM_AXDR_MAX_DEPTH + 16);
    json_object *o = json_tokener_parse_ex(tok, line, (int)strlen(line));
    enum json_tokener_error je = json_tokener_get_error(tok);
    json_tokener_free(tok);
    if (!o || je != json_tokener_success)
        FAIL("not JSON: %s", json_tokener_error_desc(je));
    bool ok = false;
    json_object *rs = member(o, "readings");
    if (has(o, "error")) {
        snprintf(msg, cap, "telegram failed: %s", json_object_to_json_string(o));
        goto out;
    }
    if (!rs || json_object_array_length(rs) != g->nreadings) {
        snprintf(msg, cap, "%zu readings expected", g->nreadings);
        goto out;
    }
    for (size_t k = 0; k < g->nreadings; k++) {
        json_object *r = json_object_array_get_idx(rs, k);
        const smg_node *w = &g->nodes[g->value[k]];
        char code[32], what[48];
        snprintf(code, sizeof code, "%u-%u:%u.%u.%u*%u", g->obis[k].a, g->obis[k].b,
                 g->obis[k].c, g->obis[k].d, g->obis[k].e, g->obis[k].f);
        snprintf(what, sizeof what, "reading %s", code);
        if (!json_str_is(member(r, "obis"), code)) {
            snprintf(msg, cap, "%s: obis is %s", what, json_object_to_json_string(member(r, "obis")));
            goto out;
        }
        if (!json_reading(g, w, r, what, msg, cap))
            goto out;
    }
    ok = true;
out:
    json_object_put(o);
    return ok;
}

/* ---- CSV ----------------------------------------------------------------- */

/* Field k of a CSV line (RFC 4180 quoting) into out; false when there is
 * none. */
static bool csv_field(const char *line, size_t k, char *out, size_t cap)
{
    const char *p = line;
    for (size_t f = 0;; f++) {
        size_t n = 0;
        if (*p == '"') {
            for (p++; *p; p++) {
                if (*p == '"' && p[1] == '"')
                    p++;
                else if (*p == '"') {
                    p++;
                    break;
                }
                if (f == k && n + 1 < cap)
                    out[n++] = *p;
            }
        } else {
            for (; *p && *p != ','; p++)
                if (f == k && n + 1 < cap)
                    out[n++] = *p;
        }
        if (f == k) {
            out[n] = '\0';
            return true;
        }
        if (*p != ',')
            return false;
        p++;
    }
}

/* A structure or array in a CSV cell: its values in order, each as
 * "PATH=VALUE" (PATH the element numbers from the container down, joined
 * by "."), separated by "; "; floats any decimal that reads back exactly. */
static bool flat_check(const smg_telegram *g, size_t ci, const char *cell, char *msg,
                       size_t cap)
{
    unsigned path[SM_AXDR_MAX_DEPTH + 2] = {0};
    unsigned base = g->nodes[ci].depth;
    const char *p = cell;
    char want[600], piece[600];
    for (size_t i = ci + 1; i < ci + g->nodes[ci].subtree; i++) {
        const smg_node *w = &g->nodes[i];
        unsigned d = w->depth - base;
        path[d] = i > ci + 1 && g->nodes[i - 1].depth - base >= d ? path[d] + 1 : 0;
        if (is_container(w))
            continue;
        size_t k = 0;
        for (unsigned l = 1; l <= d; l++)
            k += (size_t)snprintf(want + k, sizeof want - k, l > 1 ? ".%u" : "%u", path[l]);
        want[k++] = '=';
        want[k] = '\0';
        if (strncmp(p, want, k) != 0)
            FAIL("csv: nested value at %s missing in \"%.120s\"", want, cell);
        p += k;
        size_t pn = 0;
        bool quoted = *p == '"';
        if (quoted) { /* quoted: "" is a quote, the closing one ends it */
            for (p++; *p && !(*p == '"' && p[1] != '"') && pn + 1 < sizeof piece; p++) {
                piece[pn++] = *p;
                p += *p == '"';
            }
            if (*p != '"')
                FAIL("csv: nested value at %s: its quotes do not close: \"%.120s\"", want, cell);
            p++;
        } else {
            const char *e = strstr(p, "; ");
            pn = e ? (size_t)(e - p) : strlen(p);
            if (pn >= sizeof piece)
                FAIL("csv: nested value at %s too long", want);
            memcpy(piece, p, pn);
            p += pn;
        }
        piece[pn] = '\0';
        if (*p && strncmp(p, "; ", 2) != 0)
            FAIL("csv: nested value at %s not followed by \"; \": \"%.120s\"", want, cell);
        p += *p ? 2 : 0;
        if (quoted != (strpbrk(piece, ";\"") != NULL)) /* quoted exactly when it must be */
            FAIL("csv: nested value at %s (\"%s\") %s quoted", want, piece,
                 quoted ? "needlessly" : "not");
        if (w->kind == SM_VK_FLOAT && is_finite(w->f)) {
            if (!strpbrk(piece, ".e") || !same_double(strtod(piece, NULL), w->f))
                FAIL("csv: nested float %.17g at %s came back as %s", w->f, want, piece);
            continue;
        }
        if (w->kind == SM_VK_INT)
            snprintf(want + k, sizeof want - k, "%" PRId64, w->i);
        else if (w->kind == SM_VK_UINT)
            snprintf(want + k, sizeof want - k, "%" PRIu64, w->u);
        else if (w->kind == SM_VK_FLOAT)
            snprintf(want + k, sizeof want - k, "%s", nonfinite_name(w->f));
        else if (w->kind != SM_VK_BYTES)
            snprintf(want + k, sizeof want - k, "%s", dlms_name(w->type));
        else if (!bytes_text(g, w, want + k, sizeof want - k))
            hex(g->apdu + w->off, w->len, want + k);
        if (strcmp(piece, want + k) != 0)
            FAIL("csv: nested %s at %.*s: got \"%s\", expected \"%s\"", dlms_name(w->type),
                 (int)k, want, piece, want + k);
    }
    if (*p)
        FAIL("csv: more nested values than sent: \"%.120s\"", p);
    return true;
}

bool rt_check_csv(const smg_telegram *g, const char *header, const char *row, char *msg,
                  size_t cap)
{
    static char cell[2 * SM_APDU_MAX + 8], want[2 * SM_APDU_MAX + 8], name[64];
    if (!csv_field(row, 5, cell, sizeof cell) || cell[0])
        FAIL("csv: the row has an error or is short: %.200s", row);
    for (size_t k = 0; k < g->nreadings; k++) {
        char code[32];
        snprintf(code, sizeof code, "%u-%u:%u.%u.%u*%u", g->obis[k].a, g->obis[k].b,
                 g->obis[k].c, g->obis[k].d, g->obis[k].e, g->obis[k].f);
        size_t col = 6;
        while (csv_field(header, col, name, sizeof name) && strcmp(name, code) != 0)
            col++;
        if (strcmp(name, code) != 0)
            FAIL("csv: no column %s", code);
        if (!csv_field(row, col, cell, sizeof cell))
            FAIL("csv: no cell for %s", code);
        const smg_node *w = &g->nodes[g->value[k]];
        switch (reading_kind(w)) {
        case SM_RK_NUMBER:
            if (w->kind == SM_VK_INT)
                snprintf(want, sizeof want, "%" PRId64, w->i);
            else if (w->kind == SM_VK_UINT)
                snprintf(want, sizeof want, "%" PRIu64, w->u);
            else if (!is_finite(w->f))
                snprintf(want, sizeof want, "%s", nonfinite_name(w->f));
            else if (!strpbrk(cell, ".e") || !same_double(strtod(cell, NULL), w->f))
                FAIL("csv %s: float %.17g came back as %s", code, w->f, cell);
            else
                snprintf(want, sizeof want, "%s", cell);
            break;
        default: {
            const uint8_t *p = g->apdu + w->off;
            size_t len = w->len;
            bool empty = true; /* an empty container (or one of empty ones) shows its bytes */
            for (size_t i = g->value[k] + 1; i < g->value[k] + w->subtree; i++)
                empty = empty && is_container(&g->nodes[i]);
            if (is_container(w) && !empty) {
                if (!flat_check(g, g->value[k], cell, msg, cap))
                    return false;
                continue;
            }
            if (reading_kind(w) == SM_RK_OTHER)
                other_bytes(g, w, &p, &len);
            if (!(w->kind == SM_VK_BYTES && bytes_text(g, w, want, sizeof want)))
                hex(p, len, want);
            break;
        }
        }
        if (strcmp(cell, want) != 0)
            FAIL("csv %s (%s): got \"%.120s\", expected \"%.120s\"", code, dlms_name(w->type),
                 cell, want);
    }
    return true;
}

/* ---- XML ----------------------------------------------------------------- */

/* The next element tag after *p that is neither a comment nor a closing
 * tag: its name and its Value or Qty attribute (unescaped). */
static bool next_element(const char **p, char *name, size_t ncap, char *attr, size_t acap)
{
    for (const char *s = *p; (s = strchr(s, '<')); s++) {
        if (strncmp(s, "<!--", 4) == 0) { /* a comment: skip it whole */
            const char *e = strstr(s + 4, "-->");
            if (!e)
                return false;
            s = e + 2;
            continue;
        }
        if (s[1] == '/')
            continue;
        size_t n = 0;
        const char *q = s + 1;
        while (*q && *q != ' ' && *q != '/' && *q != '>' && n + 1 < ncap)
            name[n++] = *q++;
        name[n] = '\0';
        attr[0] = '\0';
        const char *end = strchr(q, '>');
        const char *a = strstr(q, "Value=\"");
        if (!a || (end && a > end))
            a = strstr(q, "Qty=\"");
        if (a && (!end || a < end)) {
            a = strchr(a, '"') + 1;
            size_t k = 0;
            for (; *a && *a != '"' && k + 1 < acap; a++) {
                static const struct {
                    const char *e;
                    char c;
                } ents[] = {{"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}};
                char c = *a;
                for (size_t i = 0; i < 4; i++)
                    if (strncmp(a, ents[i].e, strlen(ents[i].e)) == 0) {
                        c = ents[i].c;
                        a += strlen(ents[i].e) - 1;
                        break;
                    }
                attr[k++] = c;
            }
            attr[k] = '\0';
        }
        *p = end ? end + 1 : q;
        return true;
    }
    return false;
}

bool rt_check_xml(const smg_telegram *g, const char *xml, char *msg, size_t cap)
{
    static char attr[2 * SM_APDU_MAX + 8], want[2 * SM_APDU_MAX + 8];
    char name[64];
    const char *p = strstr(xml, "<DataValue>");
    if (!p)
        FAIL("xml: no <DataValue>");
    p += strlen("<DataValue>");
    for (size_t i = 0; i < g->nnodes; i++) {
        const smg_node *w = &g->nodes[i];
        if (!next_element(&p, name, sizeof name, attr, sizeof attr))
            FAIL("xml: ends before node %zu", i);
        const char *wname = gurux_name(w->type);
        const uint8_t *b = g->apdu + w->off;
        want[0] = '\0';
        if (is_container(w)) {
            snprintf(want, sizeof want, w->count > 0xFF ? "%04X" : "%02X", w->count);
        } else if (w->kind == SM_VK_INT || w->kind == SM_VK_UINT || w->kind == SM_VK_FLOAT ||
                   w->kind == SM_VK_BYTES) {
            /* the wire bytes in hex, as Gurux writes them; a printable
             * visible-string as its text */
            if (w->type == SM_DT_VISIBLE_STRING && printable(b, w->len)) {
                memcpy(want, b, w->len);
                want[w->len] = '\0';
            } else {
                hex(b, w->len, want);
            }
        }
        if (strcmp(name, wname) != 0 || strcmp(attr, want) != 0)
            FAIL("xml node %zu: <%s %s> expected, got <%s %.100s>", i, wname, want, name, attr);
    }
    return true;
}
