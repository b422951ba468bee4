/* test_synthetic.c - every telegram in fixtures/synthetic decodes to exactly
 * the values of its expect line. */
#include <json-c/json.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "test_util.h"

/* The expect line's values, each found in the telegram with its raw value,
 * value and unit, and its key known to the name table; how many. */
static unsigned check_values(const got_telegram *t, json_object *e, const char *base, unsigned k)
{
    json_object *values;
    json_object_object_get_ex(e, "values", &values);
    unsigned nvalues = 0;
    json_object_object_foreach(values, key, val)
    {
        json_object *ob, *raw, *value, *unit;
        json_object_object_get_ex(val, "obis", &ob);
        json_object_object_get_ex(val, "raw", &raw);
        json_object_object_get_ex(val, "value", &value);
        json_object_object_get_ex(val, "unit", &unit);
        sm_obis obis;
        CU_ASSERT_FATAL(sm_obis_parse(json_object_get_string(ob), &obis));
        char iec[32];
        sm_obis_format(&obis, iec, sizeof iec);
        const got_reading *g = find_obis(t, iec);
        if (!g)
            fprintf(stderr, "\n    %s line %u: %s (%s) missing\n", base, k, key, iec);
        CU_ASSERT_PTR_NOT_NULL_FATAL(g);
        CU_ASSERT_EQUAL(g->r.raw_u, (uint64_t)json_object_get_int64(raw));
        CU_ASSERT(fabs(g->r.value - json_object_get_double(value)) < 1e-9);
        CU_ASSERT_STRING_EQUAL(sm_unit_symbol(g->r.unit), json_object_get_string(unit));
        /* and the name table knows the key the generator used */
        const sm_obis_info *info = sm_obis_by_key(key);
        CU_ASSERT_PTR_NOT_NULL(info);
        if (info)
            CU_ASSERT(info->c == obis.c && info->d == obis.d && info->e == obis.e);
        nvalues++;
    }
    return nvalues;
}

static unsigned check_file(const char *base, bool auth)
{
    char hexfile[128], expfile[128];
    snprintf(hexfile, sizeof hexfile, "synthetic/%s.hex", base);
    snprintf(expfile, sizeof expfile, "synthetic/%s.expect.jsonl", base);
    static char line[8192], exp[16384];
    static uint8_t tel[4096];
    unsigned n = 0;
    for (unsigned k = 0; fixture_line(hexfile, k, line, sizeof line); k++) {
        CU_ASSERT_FATAL(fixture_line(expfile, k, exp, sizeof exp));
        json_object *e = json_tokener_parse(exp);
        CU_ASSERT_PTR_NOT_NULL_FATAL(e);
        size_t len = hex_decode(line, tel, sizeof tel);
        CU_ASSERT_FATAL(len != (size_t)-1);
        collector c;
        collector_init(&c);
        decode_bytes(&c, SM_LINK_AUTO, TEST_EK, 16, auth ? TEST_AK : NULL, auth ? 16 : 0, true,
                     tel, len, 0);
        CU_ASSERT_EQUAL_FATAL(c.n, 1);
        got_telegram *t = &c.t[0];
        ASSERT_ERR(t->err, SM_OK);
        CU_ASSERT_EQUAL(t->authenticated, auth);
        json_object *o;
        json_object_object_get_ex(e, "frame_counter", &o);
        CU_ASSERT_EQUAL(t->sec.fc, (uint32_t)json_object_get_int64(o));
        json_object_object_get_ex(e, "apdu_hex", &o);
        static char hex[2 * SM_APDU_MAX + 1];
        hex_encode(t->apdu, t->apdu_len, hex, sizeof hex);
        CU_ASSERT(strcasecmp(hex, json_object_get_string(o)) == 0);
        /* meter local time, summer time: +02:00 */
        json_object_object_get_ex(e, "time", &o);
        char want_time[64];
        snprintf(want_time, sizeof want_time, "%s+02:00", json_object_get_string(o));
        const got_reading *clock = find_obis(t, "0-0:1.0.0*255");
        CU_ASSERT_PTR_NOT_NULL_FATAL(clock);
        CU_ASSERT_STRING_EQUAL(clock->dt_local, want_time);
        char nt[64];
        CU_ASSERT_TRUE(t->has_dt);
        sm_datetime_iso_local(&t->dt, nt, sizeof nt);
        CU_ASSERT_STRING_EQUAL(nt, want_time);

        CU_ASSERT_EQUAL(check_values(t, e, base, k), 12);
        json_object_put(e);
        collector_free(&c);
        n++;
    }
    return n;
}

static void test_mbus_enc(void) { CU_ASSERT_EQUAL(check_file("vkw-mbus-enc", false), 50); }
static void test_hdlc_enc(void) { CU_ASSERT_EQUAL(check_file("vkw-hdlc-enc", false), 20); }
static void test_raw_enc(void) { CU_ASSERT_EQUAL(check_file("vkw-raw-enc", false), 20); }
static void test_mbus_auth(void) { CU_ASSERT_EQUAL(check_file("vkw-mbus-auth", true), 20); }

static const test_case synthetic_cases[] = {
    {"m-bus, encryption only (50)", test_mbus_enc},
    {"hdlc, encryption only (20)", test_hdlc_enc},
    {"bare apdu, encryption only (20)", test_raw_enc},
    {"m-bus, authenticated encryption (20)", test_mbus_auth},
    {NULL, NULL}};
const test_suite suite_synthetic = {"synthetic telegrams (fixtures/synthetic)", synthetic_cases};
