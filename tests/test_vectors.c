/* test_vectors.c - every real telegram in fixtures/vectors decodes to
 * exactly the values its file lists; framing-only vectors give the listed
 * security header. */
#include <dirent.h>
#include <json-c/json.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_json.h"
#include "test_util.h"


/* The reference decoder's date-time notation:
 * "2021-09-27 20:56:00.00 dev=-120min status=80" */
static void dt_debug(const sm_datetime *dt, char *out, size_t cap)
{
    int n = snprintf(out, cap, "%04u-%02u-%02u %02u:%02u:%02u", dt->year, dt->month, dt->day,
                     dt->hour, dt->minute, dt->second);
    if (dt->hundredths != 0xFF)
        n += snprintf(out + n, cap - (size_t)n, ".%02u", dt->hundredths);
    if (dt->deviation != SM_DT_DEVIATION_UNSPECIFIED)
        n += snprintf(out + n, cap - (size_t)n, " dev=%+dmin", dt->deviation);
    snprintf(out + n, cap - (size_t)n, " status=%02x", dt->status);
}

static double reading_raw(const sm_reading *r)
{
    return r->is_float ? r->raw_f : r->is_signed ? (double)r->raw_i : (double)r->raw_u;
}

/* The reference decoder's type names. */
static int ref_type_tag(const char *name)
{
    static const struct {
        const char *name;
        int tag;
    } map[] = {{"boolean", 3},  {"int32", 5},   {"uint32", 6},          {"octet-string", 9},
               {"visible-string", 10},          {"utf8-string", 12},    {"int8", 15},
               {"int16", 16},   {"uint8", 17},  {"uint16", 18},         {"int64", 20},
               {"uint64", 21},  {"enum", 22},   {"float32", 23},        {"float64", 24}};
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (name && strcmp(map[i].name, name) == 0)
            return map[i].tag;
    return -1;
}

static unsigned checked_values;

static void check_refdecode_entry(const char *name, const got_reading *g, json_object *e)
{
    const char *obis = jstr(e, "obis");
    if (obis) {
        if (strcmp(g->obis, obis) != 0)
            fprintf(stderr, "\n    %s [%u]: obis %s, want %s\n", name, g->r.index, g->obis, obis);
        CU_ASSERT_STRING_EQUAL(g->obis, obis);
    }
    json_object *raw;
    json_object_object_get_ex(e, "raw", &raw);
    const char *type = jstr(e, "type");
    if (json_object_is_type(raw, json_type_int) || json_object_is_type(raw, json_type_double)) {
        CU_ASSERT_EQUAL(g->r.kind, SM_RK_NUMBER);
        double want = json_object_get_double(raw);
        if (reading_raw(&g->r) != want)
            fprintf(stderr, "\n    %s [%u]: raw %.17g, want %.17g\n", name, g->r.index,
                    reading_raw(&g->r), want);
        CU_ASSERT_EQUAL(reading_raw(&g->r), want);
        CU_ASSERT_EQUAL(g->r.type, ref_type_tag(type));
    } else if (g->r.kind == SM_RK_DATETIME) {
        char buf[80];
        dt_debug(&g->r.dt, buf, sizeof buf);
        CU_ASSERT_STRING_EQUAL(buf, json_object_get_string(raw));
    } else {
        CU_ASSERT_STRING_EQUAL(g->text, json_object_get_string(raw));
        CU_ASSERT_EQUAL(g->r.type, ref_type_tag(type));
    }
    json_object *scaler;
    if (json_object_object_get_ex(e, "scaler", &scaler) &&
        !json_object_is_type(scaler, json_type_null)) {
        CU_ASSERT_EQUAL(g->r.scaler, json_object_get_int(scaler));
        const char *unit = jstr(e, "unit");
        const char *mine = sm_unit_symbol(g->r.unit);
        /* the reference prints "count" for the unit 255 (no unit) */
        if (unit && strcmp(unit, "count") == 0) {
            CU_ASSERT_EQUAL(g->r.unit, SM_UNIT_COUNT);
        } else if (unit) {
            CU_ASSERT_STRING_EQUAL(mine, unit);
        }
        json_object *value;
        json_object_object_get_ex(e, "value", &value);
        double want = json_object_get_double(value);
        CU_ASSERT(fabs(g->r.value - want) <= 1e-9 * fmax(1.0, fabs(want)));
    }
    checked_values++;
}

static void check_published_entry(const char *name, const got_telegram *t, json_object *e)
{
    const got_reading *g = NULL;
    const char *obis = jstr(e, "obis");
    json_object *idx;
    char code[32];
    if (obis) {
        snprintf(code, sizeof code, "%s%s", obis, strchr(obis, '*') ? "" : "*255");
        g = find_obis(t, code);
    }
    else if (json_object_object_get_ex(e, "index", &idx))
        g = (size_t)json_object_get_int(idx) < t->n ? &t->readings[json_object_get_int(idx)]
                                                   : NULL;
    if (!g)
        fprintf(stderr, "\n    %s: published value %s not found\n", name,
                json_object_to_json_string(e));
    CU_ASSERT_PTR_NOT_NULL_FATAL(g);
    json_object *value;
    json_object_object_get_ex(e, "value", &value);
    if (json_object_is_type(value, json_type_string)) {
        CU_ASSERT_STRING_EQUAL(g->text, json_object_get_string(value));
    } else {
        double want = json_object_get_double(value);
        const char *unit = jstr(e, "unit");
        double mine = g->r.value;
        if (unit && (strcmp(unit, "kWh") == 0)) {
            CU_ASSERT_EQUAL(g->r.unit, SM_UNIT_WH);
            mine /= 1000.0;
        } else if (unit && *unit) {
            CU_ASSERT_STRING_EQUAL(sm_unit_symbol(g->r.unit), unit);
        }
        /* the sources round their published figures */
        if (fabs(mine - want) > 0.005 + 1e-9 * fabs(want))
            fprintf(stderr, "\n    %s: %s = %.6f, published %.6f\n", name, g->obis, mine, want);
        CU_ASSERT(fabs(mine - want) <= 0.005 + 1e-9 * fabs(want));
    }
    checked_values++;
}

/* "1581.123" in the unit given ("kWh", "kW", "V", ...) equals the reading
 * exactly: the digits and the decimal point moved by the unit's prefix. */
static bool decimal_is(const char *dec, const char *unit, const sm_reading *r)
{
    int64_t m = 0;
    int exp = unit && (unit[0] == 'k' || unit[0] == 'K') && unit[1] ? 3 : 0;
    bool dot = false, neg = *dec == '-';
    for (const char *p = dec + neg; *p; p++) {
        if (*p == '.') {
            dot = true;
            continue;
        }
        m = m * 10 + (*p - '0');
        exp -= dot;
    }
    if (neg)
        m = -m;
    /* the reading: raw_i * 10^scaler; compare at the smaller exponent */
    int64_t a = r->raw_i, b = m;
    int sa = r->scaler, sb = exp;
    for (; sa > sb; sa--)
        a *= 10;
    for (; sb > sa; sb--)
        b *= 10;
    return r->kind == SM_RK_NUMBER && a == b;
}

/* A P1 vector: the text decodes with its CRC, and every value its source
 * asserts is there, exactly. */
static void check_p1_vector(const char *file, json_object *v)
{
    const char *text = jstr(v, "telegram_text");
    collector c;
    collector_init(&c);
    decode_bytes(&c, SM_LINK_AUTO, NULL, 0, NULL, 0, true, (const uint8_t *)text, strlen(text),
                 0);
    CU_ASSERT_EQUAL_FATAL(c.n, 1);
    got_telegram *t = &c.t[0];
    ASSERT_ERR(t->err, SM_OK);
    CU_ASSERT_EQUAL(t->link, SM_LINK_P1);
    CU_ASSERT_TRUE_FATAL(t->is_p1);
    CU_ASSERT_EQUAL(t->p1.frame.crc_status, SM_P1_CRC_OK);
    CU_ASSERT_EQUAL(t->p1.nnotes, 0);
    json_object *crc;
    json_object_object_get_ex(v, "crc16_arc", &crc);
    char hex[8];
    snprintf(hex, sizeof hex, "%04X", t->p1.frame.crc);
    CU_ASSERT_STRING_EQUAL(hex, jstr(crc, "crc_in_telegram"));
    json_object *expected;
    json_object_object_get_ex(v, "expected", &expected);
    for (size_t i = 0; i < json_object_array_length(expected); i++) {
        json_object *e = json_object_array_get_idx(expected, i);
        const char *vt = jstr(e, "value_type");
        if (!vt) { /* a decoder's golden output, in base units */
            check_published_entry(file, t, e);
            continue;
        }
        char code[32];
        snprintf(code, sizeof code, "%s*255", jstr(e, "obis"));
        const got_reading *g = find_obis(t, code);
        if (!g)
            fprintf(stderr, "\n    %s: %s not found\n", file, code);
        CU_ASSERT_PTR_NOT_NULL_FATAL(g);
        const char *val = jstr(e, "value"), *unit = jstr(e, "unit");
        if (strcmp(vt, "decimal") == 0) {
            if (!decimal_is(val, unit, &g->r))
                fprintf(stderr, "\n    %s: %s is %s, want %s %s\n", file, code, g->wire, val, unit);
            CU_ASSERT_TRUE(decimal_is(val, unit, &g->r));
        } else if (strcmp(vt, "int") == 0) {
            CU_ASSERT_EQUAL(g->r.kind, SM_RK_NUMBER);
            CU_ASSERT_EQUAL(g->r.value, json_object_get_int64(json_object_object_get(e, "value")));
        } else if (strcmp(vt, "str") == 0) {
            CU_ASSERT_STRING_EQUAL(g->wire, val); /* as the meter sent it */
        } else if (strcmp(vt, "none") == 0) {
            CU_ASSERT_STRING_EQUAL(g->wire, "");
        } else if (strcmp(vt, "datetime") == 0) {
            /* "2016-11-13T19:57:57 tz=datetime.timezone.utc" (UTC) or
             * "2020-05-12T13:54:09 tz=ZoneInfo(...)" (the local time) */
            char got[40];
            CU_ASSERT_EQUAL_FATAL(g->r.kind, SM_RK_DATETIME);
            if (strstr(val, "timezone.utc")) {
                int64_t secs;
                CU_ASSERT_EQUAL(sm_datetime_to_unix(&g->r.dt, SM_DT_DEVIATION_UNSPECIFIED, &secs),
                                SM_OK);
                sm_unix_iso_utc(secs, got, sizeof got);
            } else {
                snprintf(got, sizeof got, "%s", g->dt_local);
            }
            CU_ASSERT_EQUAL(strncmp(got, val, 19), 0);
        } else {
            CU_FAIL("unknown value_type");
        }
        checked_values++;
    }
    collector_free(&c);
}

/* A vector of esphome-libs/dlms_parser (the Czech EG.D example): raw APDU,
 * no key, every object's value as that decoder reports it, OBIS codes in
 * the dotted notation.  dlms_parser prints an octet-string it cannot show
 * as "" (the push object's attribute 1 is its own logical name, 6 octets):
 * there the bytes must be that name. */
static void check_dlms_parser_vector(const char *file, json_object *v)
{
    static uint8_t tel[4096];
    size_t len = hex_decode(jstr(v, "telegram_hex"), tel, sizeof tel);
    CU_ASSERT_FATAL(len != (size_t)-1);
    collector c;
    collector_init(&c);
    decode_bytes(&c, SM_LINK_AUTO, NULL, 0, NULL, 0, true, tel, len, 0);
    CU_ASSERT_EQUAL_FATAL(c.n, 1);
    got_telegram *t = &c.t[0];
    ASSERT_ERR(t->err, SM_OK);
    json_object *expected, *count;
    json_object_object_get_ex(v, "expected", &expected);
    json_object_object_get_ex(v, "expected_object_count", &count);
    size_t want = (size_t)json_object_get_int(count), with_obis = 0;
    CU_ASSERT_EQUAL(json_object_array_length(expected), want);
    for (size_t i = 0; i < t->n; i++)
        with_obis += t->readings[i].r.obis_source != SM_OBIS_NONE;
    CU_ASSERT_EQUAL(with_obis, want);
    for (size_t i = 0; i < json_object_array_length(expected); i++) {
        json_object *e = json_object_array_get_idx(expected, i), *value;
        sm_obis ob;
        char code[32];
        CU_ASSERT_FATAL(sm_obis_parse(jstr(e, "obis"), &ob));
        sm_obis_format(&ob, code, sizeof code);
        const got_reading *g = find_obis(t, code);
        if (!g)
            fprintf(stderr, "\n    %s: %s not found\n", file, code);
        CU_ASSERT_PTR_NOT_NULL_FATAL(g);
        json_object_object_get_ex(e, "value", &value);
        if (!json_object_is_type(value, json_type_string)) {
            CU_ASSERT_EQUAL(g->r.value, json_object_get_double(value));
        } else if (*json_object_get_string(value) || g->r.len != 6) {
            CU_ASSERT_STRING_EQUAL(g->text, json_object_get_string(value));
        } else {
            char name[16];
            snprintf(name, sizeof name, "%02x%02x%02x%02x%02x%02x", ob.a, ob.b, ob.c, ob.d,
                     ob.e, ob.f);
            if (strcmp(g->text, name) != 0)
                fprintf(stderr, "\n    %s: %s is \"%s\", want its name %s\n", file, code,
                        g->text, name);
            CU_ASSERT_STRING_EQUAL(g->text, name);
        }
        checked_values++;
    }
    collector_free(&c);
}

/* The security header the reference decoder saw, if the telegram has one. */
static void check_security_header(const got_telegram *t, json_object *v)
{
    json_object *sh;
    if (json_object_object_get_ex(v, "security_header", &sh) &&
        !json_object_is_type(sh, json_type_null)) {
        CU_ASSERT_TRUE(t->ciphered);
        char buf[64];
        hex_encode(t->sec.system_title, 8, buf, sizeof buf);
        CU_ASSERT_STRING_EQUAL(buf, jstr(sh, "system_title"));
        snprintf(buf, sizeof buf, "%02x", t->sec.sc);
        CU_ASSERT_STRING_EQUAL(buf, jstr(sh, "security_control"));
        snprintf(buf, sizeof buf, "%08x", t->sec.fc);
        CU_ASSERT_STRING_EQUAL(buf, jstr(sh, "frame_counter"));
        json_object *l;
        json_object_object_get_ex(sh, "length", &l);
        CU_ASSERT_EQUAL(t->sec.content_len, (size_t)json_object_get_int(l));
    }
}

/* The plaintext APDU, the notification's date-time and invoke-id. */
static void check_apdu_header(const got_telegram *t, json_object *v, json_object *ref)
{
    const char *pt = jstr(v, "plaintext_apdu_hex");
    if (pt) {
        static char hex[2 * SM_APDU_MAX + 1];
        hex_encode(t->apdu, t->apdu_len, hex, sizeof hex);
        CU_ASSERT_STRING_EQUAL(hex, pt);
    }
    const char *ndt = jstr(ref, "notification_datetime");
    if (ndt) {
        char buf[80];
        CU_ASSERT_TRUE(t->has_dt);
        dt_debug(&t->dt, buf, sizeof buf);
        CU_ASSERT_STRING_EQUAL(buf, ndt);
    } else {
        CU_ASSERT_FALSE(t->has_dt);
    }
    const char *invoke = jstr(ref, "long_invoke_id_and_priority");
    if (invoke) {
        char buf[16];
        snprintf(buf, sizeof buf, "%08x", t->invoke_id);
        CU_ASSERT_STRING_EQUAL(buf, invoke);
    }

}

/* Every expected value: the reference decoder's (all of them, in order)
 * and the ones its source publishes. */
static void check_expected(const char *file, got_telegram *t, json_object *v)
{
    json_object *expected;
    json_object_object_get_ex(v, "expected", &expected);
    size_t k = 0;
    for (size_t i = 0; i < json_object_array_length(expected); i++) {
        json_object *e = json_object_array_get_idx(expected, i);
        const char *origin = jstr(e, "origin");
        if (strcmp(origin, "refdecode") == 0) {
            CU_ASSERT_FATAL(k < t->n);
            check_refdecode_entry(file, &t->readings[k++], e);
        } else {
            check_published_entry(file, t, e);
        }
    }
    /* every value of the telegram was listed */
    if (k) {
        CU_ASSERT_EQUAL(k, t->n);
    }
}

static void check_vector(const char *file)
{
    char rel[512];
    snprintf(rel, sizeof rel, "vectors/%s", file);
    char *text = fixture_read(rel, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(text);
    json_object *v = json_tokener_parse(text);
    free(text);
    CU_ASSERT_PTR_NOT_NULL_FATAL(v);
    if (jstr(v, "telegram_text")) {
        check_p1_vector(file, v);
        json_object_put(v);
        return;
    }
    if (strcmp(jstr(v, "source_repo"), "esphome-libs/dlms_parser") == 0) {
        check_dlms_parser_vector(file, v);
        json_object_put(v);
        return;
    }

    static uint8_t tel[4096];
    size_t len = hex_decode(jstr(v, "telegram_hex"), tel, sizeof tel);
    CU_ASSERT_FATAL(len != (size_t)-1);
    uint8_t ek[32], ak[32];
    size_t ek_len = 0, ak_len = 0;
    if (jstr(v, "key_hex"))
        CU_ASSERT_EQUAL(sm_key_from_hex(jstr(v, "key_hex"), ek, &ek_len), SM_OK);
    if (jstr(v, "auth_key_hex"))
        CU_ASSERT_EQUAL(sm_key_from_hex(jstr(v, "auth_key_hex"), ak, &ak_len), SM_OK);

    collector c;
    collector_init(&c);
    decode_bytes(&c, SM_LINK_AUTO, ek, ek_len, ak, ak_len, true, tel, len, 0);
    CU_ASSERT_EQUAL_FATAL(c.n, 1);
    got_telegram *t = &c.t[0];
    bool framing_only = strncmp(jstr(v, "verified"), "framing-only", 12) == 0;

    json_object *ref;
    json_object_object_get_ex(v, "refdecode", &ref);
    json_object *flog;
    json_object_object_get_ex(ref, "framing_log", &flog);
    size_t nframes = json_object_array_length(flog);
    if (nframes) {
        CU_ASSERT_EQUAL(t->frames, nframes);
    }

    check_security_header(t, v);
    if (framing_only) {
        ASSERT_ERR(t->err, SM_ERR_NO_KEY);
        json_object_put(v);
        collector_free(&c);
        return;
    }
    ASSERT_ERR(t->err, SM_OK);
    if (strcmp(jstr(ref, "decrypt"), "gcm-tag-verified") == 0)
        CU_ASSERT_TRUE(t->authenticated);
    check_apdu_header(t, v, ref);
    check_expected(file, t, v);
    json_object_put(v);
    collector_free(&c);
}

static void test_all_vectors(void)
{
    DIR *dir = opendir(FIXTURES_DIR "/vectors");
    CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
    struct dirent *de;
    unsigned n = 0;
    checked_values = 0;
    while ((de = readdir(dir))) {
        size_t l = strlen(de->d_name);
        if (l > 5 && strcmp(de->d_name + l - 5, ".json") == 0) {
            check_vector(de->d_name);
            n++;
        }
    }
    closedir(dir);
    CU_ASSERT_EQUAL(n, 16);
    /* the decodable files list 182 + 76 + 27 expected values in all (DLMS,
     * P1, the Czech example): every one compared */
    CU_ASSERT_EQUAL(checked_values, 182 + 76 + 27);
}

/* A plausibility check on the real data: the ciphertext contains 0x7E and
 * the frame still comes out whole. */
static void test_burgenland_7e_inside(void)
{
    char *text = fixture_read("vectors/burgenland-lg-e450-2.json", NULL);
    json_object *v = json_tokener_parse(text);
    free(text);
    uint8_t tel[512];
    size_t len = hex_decode(jstr(v, "telegram_hex"), tel, sizeof tel);
    size_t inner = 0;
    for (size_t i = 1; i + 1 < len; i++)
        inner += tel[i] == 0x7E;
    CU_ASSERT(inner > 0);
    json_object_put(v);
}

static const test_case vectors_cases[] = {
    {"every vector decodes to its listed values", test_all_vectors},
    {"0x7E inside an HDLC frame", test_burgenland_7e_inside},
    {NULL, NULL}};
const test_suite suite_vectors = {"real telegrams (fixtures/vectors)", vectors_cases};
