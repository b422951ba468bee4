/* test_smdecode_sml.c - smdecode on the simulated SML meters of each make's
 * shape (sim/meter_sim.h) as users run it: every telegram's values exactly
 * as the simulator put them on the line, with the meter quirk each shape
 * needs (EMH: the sign from status bit 5, the absolute power recoded as
 * the net power; DZG: the DVS74's power read unsigned; Holley: bare valTime
 * and CRC-16/KERMIT), --quirk none giving the values as sent, and a DZG
 * DVBS, whose real negatives the DVS74 quirk misreads, caught by the sign
 * check and read right from then on. */
#define _GNU_SOURCE
#include <CUnit/CUnit.h>
#include <json-c/json.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "meter_sim.h"
#include "test_json.h"
#include "test_run.h"
#include "test_util.h"

#define N 8

typedef struct {
    char stream[N * 600];
    size_t n;
    char expect[N][1024];
} capture;

static void simulate(capture *c, sim_sml_make make, uint64_t seed)
{
    meter_sim m;
    sim_init(&m, seed, 1711846800, 10); /* the registers move most pushes */
    m.framing = SIM_SML;
    m.sml_make = make;
    c->n = 0;
    for (int i = 0; i < N; i++) {
        c->n += sim_telegram(&m, (uint8_t *)c->stream + c->n, sizeof c->stream - c->n);
        sim_expect_json(&m, c->expect[i], sizeof c->expect[i]);
        sim_step(&m);
    }
}

static const struct {
    const char *key, *obis;
} map[] = {{"power_net", "1-0:16.7.0*255"},    {"energy_import", "1-0:1.8.0*255"},
           {"energy_export", "1-0:2.8.0*255"}, {"voltage_l1", "1-0:32.7.0*255"},
           {"voltage_l2", "1-0:52.7.0*255"},   {"voltage_l3", "1-0:72.7.0*255"},
           {"current_l1", "1-0:31.7.0*255"},   {"current_l2", "1-0:51.7.0*255"},
           {"current_l3", "1-0:71.7.0*255"}};

/* Each telegram's values against the simulator's; `offset[k]` added to the
 * power of telegram k (what a wrong quirk made of it).  The values matched. */
static unsigned compare(const run_result *r, const capture *c, const char *quirk,
                        const double offset[N])
{
    char *out = strdup(r->out), *save = NULL;
    unsigned matched = 0;
    int k = 0;
    for (char *line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save), k++) {
        CU_ASSERT_FATAL(k < N);
        json_object *got = json_tokener_parse(line), *want = json_tokener_parse(c->expect[k]);
        CU_ASSERT_PTR_NOT_NULL_FATAL(got);
        CU_ASSERT_STRING_EQUAL(json_object_get_string(member(got, "link")), "sml");
        if (quirk)
            CU_ASSERT_STRING_EQUAL(json_object_get_string(member(got, "quirk")), quirk);
        for (size_t i = 0; i < sizeof map / sizeof map[0]; i++) {
            json_object *w = member(want, map[i].key), *rd = reading(got, map[i].obis);
            CU_ASSERT_EQUAL_FATAL(w != NULL, rd != NULL);
            if (!w)
                continue;
            double g = json_object_get_double(member(rd, "value"));
            double e = json_object_get_double(w) + (i == 0 && offset ? offset[k] : 0);
            /* the same number (230.1 is the double nearest 230.1); a power a
             * quirk moved by 655.36 W within a rounding of that sum */
            bool same = i == 0 && offset && offset[k] != 0 ? fabs(g - e) < 1e-9 : g == e;
            if (!same)
                fprintf(stderr, "\n    telegram %d %s: %.17g, want %.17g", k + 1, map[i].obis, g, e);
            matched += same;
        }
        json_object_put(got);
        json_object_put(want);
    }
    CU_ASSERT_EQUAL(k, N);
    free(out);
    return matched;
}

/* smdecode -b -f json [--quirk QUIRK] on the make's simulated telegrams;
 * exit status 0 */
static run_result decode_sim(capture *c, sim_sml_make make, uint64_t seed, const char *quirk)
{
    simulate(c, make, seed);
    const char *args[] = {"-b", "-f", "json", "-", NULL, NULL, NULL};
    if (quirk) {
        args[3] = "--quirk", args[4] = quirk, args[5] = "-";
    }
    run_result r = run(args, c->stream, c->n, NULL);
    CU_ASSERT_EQUAL(r.status, 0);
    return r;
}

static void test_emh(void)
{
    static capture c;
    run_result r = decode_sim(&c, SIM_SML_EMH, 31, NULL);
    CU_ASSERT_EQUAL(compare(&r, &c, "emh-iskra-direction-bit5", NULL), N * 9);
    /* the absolute power recoded: no 15.7.0 left, each 16.7.0 amended */
    CU_ASSERT_PTR_NULL(strstr(r.out, "\"1-0:15.7.0*255\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "\"quirk_changed\":1"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.err, "note: meter quirk emh-iskra-direction-bit5 "
                                         "(germany-sml.layout:"));
    run_free(&r);
}

static void test_dzg(void)
{
    static capture c;
    run_result r = decode_sim(&c, SIM_SML_DZG, 32, NULL);
    CU_ASSERT_EQUAL(compare(&r, &c, "dzg-dvs74-unsigned-power", NULL), N * 3);
    CU_ASSERT_PTR_NULL(strstr(r.err, "disagrees"));
    run_free(&r);
    /* the values as sent: every power 655.36 W below (read as signed) */
    r = decode_sim(&c, SIM_SML_DZG, 32, "none");
    double off[N];
    for (int i = 0; i < N; i++)
        off[i] = -655.36;
    CU_ASSERT_EQUAL(compare(&r, &c, NULL, off), N * 3);
    CU_ASSERT_PTR_NULL(strstr(r.out, "\"quirk\""));
    run_free(&r);
}

static void test_holley(void)
{
    static capture c;
    run_result r = decode_sim(&c, SIM_SML_HOLLEY, 33, NULL);
    CU_ASSERT_EQUAL(compare(&r, &c, "dzg-holley-efr-direction-bit11", NULL), N * 9);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "\"sml_crc\":\"kermit\""));
    run_free(&r);
}

/* The DVS74 quirk on a DVBS's real negatives: contradicted by the export
 * register three telegrams in a row, dropped; the rest as sent */
static void test_dvbs_sign_check(void)
{
    static capture c;
    run_result r = decode_sim(&c, SIM_SML_DZG_NEW, 34, NULL);
    char *note = strstr(r.err, "note: the power's sign disagrees with the energy registers in 3 "
                               "telegrams in a row");
    CU_ASSERT_PTR_NOT_NULL_FATAL(note);
    CU_ASSERT_PTR_NOT_NULL(strstr(note, "meter quirk dzg-dvs74-unsigned-power is wrong for this "
                                        "meter: no longer applied"));
    /* its line: "smdecode: <stdin>: telegram K: note: ..." */
    const char *line = note;
    while (line > r.err && line[-1] != '\n')
        line--;
    unsigned flagged = 0;
    CU_ASSERT_EQUAL(sscanf(line, "smdecode: <stdin>: telegram %u:", &flagged), 1);
    CU_ASSERT_FATAL(flagged >= 3 && flagged < N);
    double off[N];
    for (unsigned i = 0; i < N; i++)
        off[i] = i < flagged ? 655.36 : 0;
    CU_ASSERT_EQUAL(compare(&r, &c, NULL, off), N * 3);
    run_free(&r);
}

static const test_case smdecode_sml_cases[] = {
    {"EMH: the absolute power signed from status bit 5", test_emh},
    {"DZG DVS74: the power read unsigned; --quirk none as sent", test_dzg},
    {"Holley: bare valTime and CRC-16/KERMIT", test_holley},
    {"DZG DVBS: the sign check drops the DVS74 quirk", test_dvbs_sign_check},
    {NULL, NULL}};
const test_suite suite_smdecode_sml = {"smdecode on simulated SML meters", smdecode_sml_cases};
