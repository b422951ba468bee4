/* test_smdecode_p1.c - smdecode on P1 text as users run it: the simulated
 * meter's telegrams give its values exactly (JSON) and the gas meter's
 * capture; notes name their line and do not fail; a CRC error fails with
 * its offset; P1 as hex, forced framing, 7E1, the layers. */
#define _GNU_SOURCE
#include <CUnit/CUnit.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "meter_sim.h"
#include "sm_build.h"
#include "test_json.h"
#include "test_run.h"
#include "test_util.h"

/* The simulated meter's P1 telegrams (7E1 on every other one): each value
 * as the expect line says, in base units, the gas meter's capture with it. */
static void test_sim_values(void)
{
    static char stream[64 * 1024];
    size_t n = 0;
    meter_sim m;
    sim_init(&m, 5, 1711846800, 10); /* 2024-03-31 01:00 UTC: the clocks go forward */
    m.framing = SIM_P1;
    m.gas_every = 2;
    char expect[8][2048];
    for (int i = 0; i < 8; i++) {
        size_t k = sim_telegram(&m, (uint8_t *)stream + n, sizeof stream - n);
        if (i % 2)
            smb_7e1((uint8_t *)stream + n, k);
        n += k;
        sim_expect_json(&m, expect[i], sizeof expect[i]);
        sim_step(&m);
    }
    const char *args[] = {"-f", "json", "-", NULL};
    run_result r = run(args, stream, n, NULL);
    CU_ASSERT_EQUAL(r.status, 0);
    CU_ASSERT_STRING_EQUAL(r.err, "");
    static const struct {
        const char *key, *obis;
    } map[] = {{"voltage_l1", "1-0:32.7.0*255"},         {"voltage_l2", "1-0:52.7.0*255"},
               {"voltage_l3", "1-0:72.7.0*255"},         {"current_l1", "1-0:31.7.0*255"},
               {"current_l2", "1-0:51.7.0*255"},         {"current_l3", "1-0:71.7.0*255"},
               {"power_import", "1-0:1.7.0*255"},        {"power_export", "1-0:2.7.0*255"},
               {"energy_import", "1-0:1.8.0*255"},       {"energy_export", "1-0:2.8.0*255"},
               {"reactive_energy_import", "1-0:3.8.0*255"},
               {"reactive_energy_export", "1-0:4.8.0*255"}, {"gas_m3", "0-1:24.2.1*255"}};
    char *save = NULL;
    int k = 0;
    unsigned matched = 0;
    for (char *line = strtok_r(r.out, "\n", &save); line; line = strtok_r(NULL, "\n", &save), k++) {
        CU_ASSERT_FATAL(k < 8);
        json_object *got = json_tokener_parse(line), *want = json_tokener_parse(expect[k]);
        CU_ASSERT_PTR_NOT_NULL_FATAL(got);
        CU_ASSERT_STRING_EQUAL(json_object_get_string(member(got, "time_utc")),
                               json_object_get_string(member(want, "time_utc")));
        CU_ASSERT_STRING_EQUAL(json_object_get_string(member(got, "time")),
                               json_object_get_string(member(want, "time")));
        CU_ASSERT_EQUAL(member(got, "p1_parity") != NULL, k % 2 == 1);
        for (size_t i = 0; i < sizeof map / sizeof map[0]; i++) {
            json_object *rd = reading(got, map[i].obis);
            CU_ASSERT_PTR_NOT_NULL_FATAL(rd);
            /* the same number: 230.1 is the double nearest 230.1 */
            double g = json_object_get_double(member(rd, "value"));
            double w = json_object_get_double(member(want, map[i].key));
            if (g != w)
                fprintf(stderr, "\n    telegram %d %s: %.17g, want %.17g", k + 1, map[i].obis, g, w);
            matched += g == w;
        }
        /* the gas meter's capture time */
        json_object *gas = reading(got, "0-1:24.2.1*255");
        char unix_text[32];
        int64_t cap = json_object_get_int64(member(want, "gas_unix"));
        sm_unix_iso_utc(cap, unix_text, sizeof unix_text);
        CU_ASSERT_STRING_EQUAL(json_object_get_string(member(gas, "time_utc")), unix_text);
        CU_ASSERT_STRING_EQUAL(json_object_get_string(member(gas, "unit")), "m³");
        json_object_put(got);
        json_object_put(want);
    }
    CU_ASSERT_EQUAL(k, 8);
    CU_ASSERT_EQUAL(matched, 8 * 13);
    run_free(&r);
}

/* Lines nobody can read: named on standard error, exit 0 */
static void test_notes_named(void)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/p1/quirks-synthetic.txt", FIXTURES_DIR);
    const char *args[] = {"-f", "csv", path, NULL};
    run_result r = run(args, NULL, 0, NULL);
    CU_ASSERT_EQUAL(r.status, 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.err, "telegram 1: note: line 6 at offset 114: not an OBIS "
                                         "line: skipped\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.err, "telegram 1: note: line 13 at offset 312: an unused "
                                         "M-Bus channel (capture time 1970-01-01): skipped\n"));
    run_free(&r);
    const char *quiet[] = {"-q", "-f", "csv", path, NULL};
    r = run(quiet, NULL, 0, NULL);
    CU_ASSERT_EQUAL(r.status, 0);
    CU_ASSERT_STRING_EQUAL(r.err, "");
    run_free(&r);
}

/* A damaged telegram: its CRC, with where (the CRC's first digit, after the
 * "!" at 886); the next one decodes; exit 1 */
static void test_crc_error(void)
{
    size_t n;
    char *text = fixture_read("p1/nl-kaifa-dsmr42-1.txt", &n);
    char *two = malloc(2 * n);
    memcpy(two, text, n);
    memcpy(two + n, text, n);
    two[100] ^= 0x01;
    const char *args[] = {"-f", "json", "-", NULL};
    run_result r = run(args, two, 2 * n, NULL);
    CU_ASSERT_EQUAL(r.status, 1);
    CU_ASSERT_PTR_NOT_NULL(
        strstr(r.err, "<stdin>: telegram 1: link: p1 crc mismatch in frame 1 at offset 887\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.err, "1 of 2 telegrams failed"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "{\"telegram\":2,\"stream_offset\":893,\"link\":\"p1\""));
    run_free(&r);
    free(two);
    free(text);
}

/* P1 pasted as hex decodes the same; forced framing; the layers */
static void test_hex_forced_layers(void)
{
    size_t n;
    char *text = fixture_read("p1/se-kamstrup-omnia-p1-1.txt", &n);
    char *hex = malloc(2 * n + 1);
    hex_encode((const uint8_t *)text, n, hex, 2 * n + 1);
    const char *a1[] = {"-f", "csv", "-", NULL};
    run_result direct = run(a1, text, n, NULL), ashex = run(a1, hex, 2 * n, NULL);
    CU_ASSERT_EQUAL(direct.status, 0);
    CU_ASSERT_EQUAL(ashex.status, 0);
    CU_ASSERT_STRING_EQUAL(direct.out, ashex.out);
    run_free(&direct);
    run_free(&ashex);
    /* --framing p1 on an M-Bus capture: nothing there is P1 */
    char path[1024];
    snprintf(path, sizeof path, "%s/captures/vkw-mbus-garbage.bin", FIXTURES_DIR);
    const char *a2[] = {"--binary", "--framing", "p1", path, NULL};
    run_result r = run(a2, NULL, 0, NULL);
    CU_ASSERT_EQUAL(r.status, 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.err, "no telegram found in"));
    run_free(&r);
    /* --layers: the text as it came */
    const char *a3[] = {"-f", "json", "--layers", "-", NULL};
    r = run(a3, text, n, NULL);
    json_object *o = json_tokener_parse(r.out);
    CU_ASSERT_PTR_NOT_NULL_FATAL(o);
    CU_ASSERT_STRING_EQUAL(json_object_get_string(member(o, "p1_text")), text);
    CU_ASSERT_STRING_EQUAL(json_object_get_string(member(o, "p1_crc")), "ok");
    CU_ASSERT_STRING_EQUAL(json_object_get_string(member(o, "p1_crc_value")), "1D66");
    json_object_put(o);
    run_free(&r);
    free(hex);
    free(text);
}

/* The Belgian peak history as a JSON array of entries, its times */
static void test_peak_history_json(void)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/p1/be-fluvius-emucs171-1.txt", FIXTURES_DIR);
    const char *args[] = {"-f", "json", path, NULL};
    run_result r = run(args, NULL, 0, NULL);
    json_object *o = json_tokener_parse(r.out);
    CU_ASSERT_PTR_NOT_NULL_FATAL(o);
    json_object *h = reading(o, "0-0:98.1.0*255");
    CU_ASSERT_PTR_NOT_NULL_FATAL(h);
    CU_ASSERT_EQUAL(json_object_get_int(member(h, "count")), 3);
    json_object *e = json_object_array_get_idx(member(h, "entries"), 1);
    CU_ASSERT_STRING_EQUAL(json_object_get_string(member(e, "time")), "2020-04-01T00:00:00+02:00");
    json_object *v = member(e, "values");
    CU_ASSERT_EQUAL_FATAL(json_object_array_length(v), 2);
    CU_ASSERT_STRING_EQUAL(json_object_get_string(member(json_object_array_get_idx(v, 0), "value")),
                           "2020-03-05T12:21:39+02:00");
    CU_ASSERT_EQUAL(json_object_get_int(member(json_object_array_get_idx(v, 1), "value")), 5980);
    CU_ASSERT_STRING_EQUAL(json_object_get_string(member(json_object_array_get_idx(v, 1), "unit")),
                           "W");
    /* the month's peak with the time it occurred */
    json_object *peak = reading(o, "1-0:1.6.0*255");
    CU_ASSERT_EQUAL(json_object_get_int(member(peak, "value")), 2589);
    CU_ASSERT_STRING_EQUAL(json_object_get_string(member(peak, "time")), "2020-05-09T13:45:58+02:00");
    CU_ASSERT_STRING_EQUAL(json_object_get_string(member(peak, "text")), "02.589*kW");
    /* entries are not readings at the top */
    json_object *rs = member(o, "readings");
    unsigned peaks = 0;
    for (size_t i = 0; i < json_object_array_length(rs); i++)
        peaks += strcmp(json_object_get_string(member(json_object_array_get_idx(rs, i), "obis")),
                        "1-0:1.6.0*255") == 0;
    CU_ASSERT_EQUAL(peaks, 1);
    json_object_put(o);
    run_free(&r);
}

static const test_case smdecode_p1_cases[] = {
    {"the simulated meter's values, exactly", test_sim_values},
    {"lines nobody can read are named, exit 0", test_notes_named},
    {"a CRC error: where, and the next telegram", test_crc_error},
    {"as hex, forced framing, the layers", test_hex_forced_layers},
    {"the Belgian peak history as JSON", test_peak_history_json},
    {NULL, NULL}};
const test_suite suite_smdecode_p1 = {"smdecode: P1 text", smdecode_p1_cases};
