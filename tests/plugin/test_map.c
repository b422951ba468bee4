/* test_map.c - the plugin's pure parts: how readings become
 * collectd types and instances (smp_map), Select/Ignore patterns, the
 * tcp:// device syntax (smio_port) and key-file contents. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "smp_map.h"
#include "smio_port.h"
#include "test_util.h"

static sm_reading num(const char *obis, double value, uint8_t unit)
{
    sm_reading r;
    memset(&r, 0, sizeof r);
    CU_ASSERT_FATAL(sm_obis_parse(obis, &r.obis));
    r.obis_source = SM_OBIS_WIRE;
    r.kind = SM_RK_NUMBER;
    r.value = value;
    r.unit = unit;
    r.parent = SM_NO_NODE;
    return r;
}

static void expect_map(const char *obis, double value, uint8_t unit, const char *type,
                       const char *inst)
{
    sm_reading r = num(obis, value, unit);
    smp_value v;
    CU_ASSERT_TRUE_FATAL(smp_map_reading(&r, &r, 1, &v));
    if (strcmp(v.type, type) != 0 || strcmp(v.type_instance, inst) != 0)
        fprintf(stderr, "\n    %s: got %s/%s, want %s/%s\n", obis, v.type, v.type_instance,
                type, inst);
    CU_ASSERT_STRING_EQUAL(v.type, type);
    CU_ASSERT_STRING_EQUAL(v.type_instance, inst);
    CU_ASSERT_EQUAL(v.value, value);
}

static void test_map_table(void)
{
    expect_map("1-0:32.7.0*255", 228.4, SM_UNIT_V, "voltage", "L1");
    expect_map("1-0:52.7.0", 239.5, SM_UNIT_V, "voltage", "L2");
    expect_map("1-1:72.7.0*255", 244.5, SM_UNIT_V, "voltage", "L3"); /* B 1: the meter's own */
    expect_map("1-0:31.7.0", 2.58, SM_UNIT_A, "current", "L1");
    expect_map("1-0:91.7.0", 0.12, SM_UNIT_A, "current", "N");
    expect_map("1-0:1.7.0", 8117, SM_UNIT_W, "power", "import");
    expect_map("1-0:2.7.0", 7364, SM_UNIT_W, "power", "export");
    expect_map("1-0:16.7.0", -753, SM_UNIT_W, "power", "net");
    expect_map("1-0:21.7.0", 1200, SM_UNIT_W, "power", "L1-import");
    expect_map("1-0:62.7.0", 30, SM_UNIT_W, "power", "L3-export");
    expect_map("1-0:3.7.0", 120, SM_UNIT_VAR, "reactive_power", "import");
    expect_map("1-0:4.7.0", 80, SM_UNIT_VAR, "reactive_power", "export");
    expect_map("1-0:9.7.0", 900, SM_UNIT_VA, "apparent_power", "import");
    expect_map("1-0:13.7.0", 0.987, SM_UNIT_NONE, "power_factor", "");
    expect_map("1-0:33.7.0", 0.5, SM_UNIT_COUNT, "power_factor", "L1");
    expect_map("1-0:14.7.0", 49.98, SM_UNIT_HZ, "frequency", "");
    expect_map("1-0:1.8.0", 77141, SM_UNIT_WH, "energy_wh", "import");
    expect_map("1-0:2.8.0*255", 868035, SM_UNIT_WH, "energy_wh", "export");
    expect_map("1-0:1.8.1", 50000, SM_UNIT_WH, "energy_wh", "import-T1");
    expect_map("1-0:2.8.2", 1000, SM_UNIT_WH, "energy_wh", "export-T2");
    expect_map("1-0:3.8.0", 13, SM_UNIT_VARH, "reactive_energy", "import");
    expect_map("1-0:4.8.0", 556926, SM_UNIT_VARH, "reactive_energy", "export");
    expect_map("1-0:5.8.0", 5, SM_UNIT_VARH, "reactive_energy", "Q1");
    expect_map("1-0:9.8.0", 7, SM_UNIT_VAH, "apparent_energy", "import");
}

/* implied units, contradicting units, past billing periods, other channels */
static void test_map_special_series(void)
{
    /* a list without units (implied scalers) still maps */
    expect_map("1-0:32.7.0", 230.1, SM_UNIT_NONE, "voltage", "L1");
    /* a unit that contradicts the code: generic, never mislabelled */
    expect_map("1-0:32.7.0", 5, SM_UNIT_A, "gauge", "obis-1-0-32-7-0");
    expect_map("1-0:1.8.0", 5, SM_UNIT_VARH, "gauge", "obis-1-0-1-8-0");
    /* a past billing period's value (D0 readouts: 1.8.1*101) is a series of
     * its own beside the register's, never the same one */
    expect_map("1-0:1.8.1*101", 1201007, SM_UNIT_WH, "energy_wh", "import-T1-F101");
    expect_map("1-0:2.8.0*12", 501, SM_UNIT_WH, "energy_wh", "export-F12");
    expect_map("1-0:1.6.0*102", 4318, SM_UNIT_W, "power", "peak-import-F102");
    expect_map("0-2:24.2.1*101", 872.234, SM_UNIT_M3, "volume", "mbus-2-F101");
    {   /* and such series are bounded as unknown objects are (MaxUnknownObjects) */
        sm_reading now = num("1-0:1.8.1*255", 1, SM_UNIT_WH), past = num("1-0:1.8.1*101", 1, SM_UNIT_WH);
        smp_value v;
        CU_ASSERT_TRUE(smp_map_reading(&now, &now, 1, &v) && v.known);
        CU_ASSERT_TRUE(smp_map_reading(&past, &past, 1, &v) && !v.known);
    }
    /* another channel (B) is another series: the Czech relays 0-1..0-6:96.3.10
     * each of their own (they all went to "breaker": collectd kept one), and
     * counted as unknown objects like every series a line could make up */
    expect_map("0-0:96.3.10", 1, SM_UNIT_NONE, "gauge", "breaker");
    expect_map("0-1:96.3.10", 1, SM_UNIT_NONE, "gauge", "breaker-B1");
    expect_map("0-6:96.3.10", 0, SM_UNIT_NONE, "gauge", "breaker-B6");
    expect_map("1-2:32.7.0", 231.5, SM_UNIT_V, "voltage", "L1-B2");
    expect_map("1-2:1.8.1*101", 5, SM_UNIT_WH, "energy_wh", "import-T1-B2-F101");
    expect_map("0-5:24.2.1", 1.5, SM_UNIT_M3, "volume", "mbus-5");
    {
        static const char *const plain[] = {"1-0:32.7.0", "1-1:32.7.0", "0-0:96.3.10",
                                            "0-1:24.2.1", "0-4:24.2.1", "0-4:24.4.0"};
        static const char *const counted[] = {"1-2:32.7.0", "0-1:96.3.10", "0-5:24.2.1",
                                              "0-255:24.2.1", "0-9:24.4.0"};
        smp_value v;
        for (size_t i = 0; i < sizeof plain / sizeof plain[0]; i++) {
            sm_reading r = num(plain[i], 1, SM_UNIT_NONE);
            CU_ASSERT_TRUE(smp_map_reading(&r, &r, 1, &v) && v.known);
        }
        for (size_t i = 0; i < sizeof counted / sizeof counted[0]; i++) {
            sm_reading r = num(counted[i], 1, SM_UNIT_NONE);
            CU_ASSERT_TRUE(smp_map_reading(&r, &r, 1, &v) && !v.known);
        }
    }
}

/* unknown objects, and P1's own */
static void test_map_unknown_and_p1(void)
{
    /* unknown objects: generic under their OBIS code */
    expect_map("1-0:96.50.1*255", 3, SM_UNIT_NONE, "gauge", "obis-1-0-96-50-1");
    expect_map("0-0:96.50.1*1", 2, SM_UNIT_NONE, "gauge", "obis-0-0-96-50-1-1");
    /* P1 objects: the tariff, counts, the Belgian demand and peak */
    expect_map("0-0:96.14.0*255", 2, SM_UNIT_NONE, "gauge", "tariff");
    expect_map("0-0:96.7.21", 15, SM_UNIT_NONE, "count", "power-failures");
    expect_map("1-0:32.32.0", 3, SM_UNIT_NONE, "count", "sags-L1");
    expect_map("1-0:1.4.0", 2351, SM_UNIT_W, "power", "demand-import");
    expect_map("1-0:1.6.0", 2589, SM_UNIT_W, "power", "peak-import");
    expect_map("0-1:24.2.1", 981.443, SM_UNIT_M3, "volume", "mbus-1"); /* no device type */
    smp_value v;
    sm_reading version = num("1-3:0.2.8", 50, 0);
    CU_ASSERT_FALSE(smp_map_reading(&version, &version, 1, &v)); /* the DSMR version */
    expect_map("7-0:3.0.0", 12.5, SM_UNIT_M3, "gauge", "obis-7-0-3-0-0"); /* gas */
}

static void test_map_non_numbers(void)
{
    sm_reading r = num("0-0:96.1.0", 0, 0);
    smp_value v;
    r.kind = SM_RK_STRING;
    CU_ASSERT_FALSE(smp_map_reading(&r, &r, 1, &v));
    r.kind = SM_RK_DATETIME;
    CU_ASSERT_FALSE(smp_map_reading(&r, &r, 1, &v));
    r = num("1-0:32.7.0", 230, SM_UNIT_V);
    r.obis_source = SM_OBIS_NONE; /* positional value nobody knows */
    CU_ASSERT_FALSE(smp_map_reading(&r, &r, 1, &v));
}

typedef struct {
    const char *series;
    double value;
} series_value;

/* Every reading of a decoded telegram that is dispatched is one of want,
 * and each of want is dispatched. */
static void expect_series(const got_telegram *t, const series_value *want, size_t nwant)
{
    sm_reading all[MAX_R];
    for (size_t i = 0; i < t->n; i++) {
        all[i] = t->readings[i].r;
        if (t->readings[i].label[0]) { /* a TIC label: the copy's own */
            all[i].label = (const uint8_t *)t->readings[i].label;
            all[i].label_len = (uint8_t)strlen(t->readings[i].label);
        }
    }
    size_t mapped = 0, matched = 0;
    for (size_t i = 0; i < t->n; i++) {
        smp_value v;
        if (!smp_map_reading(&all[i], all, t->n, &v))
            continue;
        mapped++;
        char series[96];
        snprintf(series, sizeof series, "%s/%s", v.type, v.type_instance);
        size_t k = 0;
        while (k < nwant && !(strcmp(series, want[k].series) == 0 && fabs(v.value - want[k].value) < 1e-9))
            k++;
        if (k == nwant)
            fprintf(stderr, "\n    unexpected %s = %g\n", series, v.value);
        matched += k < nwant;
    }
    CU_ASSERT_EQUAL(mapped, nwant);
    CU_ASSERT_EQUAL(matched, nwant);
}

/* The whole synthetic telegram: twelve values, each under its series (the
 * clock, the meter number and the device name are not values). */
static void test_map_synthetic_telegram(void)
{
    char line[4096];
    uint8_t buf[2048];
    CU_ASSERT_TRUE_FATAL(fixture_line("synthetic/vkw-mbus-enc.hex", 0, line, sizeof line));
    size_t n = hex_decode(line, buf, sizeof buf);
    collector c;
    collector_init(&c);
    decode_bytes(&c, SM_LINK_AUTO, TEST_EK, 16, NULL, 0, true, buf, n, 0);
    CU_ASSERT_EQUAL_FATAL(c.n, 1);
    static const series_value want[] = {
        {"voltage/L1", 228.4},       {"voltage/L2", 239.5},
        {"voltage/L3", 244.5},       {"current/L1", 2.58},
        {"current/L2", 10.44},       {"current/L3", 4.82},
        {"power/import", 8117},      {"power/export", 7364},
        {"energy_wh/import", 77141}, {"energy_wh/export", 868035},
        {"reactive_energy/import", 13}, {"reactive_energy/export", 556926}};
    expect_series(&c.t[0], want, sizeof want / sizeof want[0]);
    collector_free(&c);
}

/* A Belgian P1 telegram: every number under its series, the sub-meters by
 * their device type, the peak history's entries not as series. */
static void test_map_p1_telegram(void)
{
    size_t n;
    char *text = fixture_read("p1/be-fluvius-emucs171-1.txt", &n);
    CU_ASSERT_PTR_NOT_NULL_FATAL(text);
    collector c;
    collector_init(&c);
    decode_bytes(&c, SM_LINK_AUTO, NULL, 0, NULL, 0, true, (const uint8_t *)text, n, 0);
    free(text);
    CU_ASSERT_EQUAL_FATAL(c.n, 1);
    static const series_value want[] = {
        {"energy_wh/import-T1", 34},  {"energy_wh/import-T2", 15758},
        {"energy_wh/export-T1", 0},   {"energy_wh/export-T2", 11},
        {"power/demand-import", 2351}, {"power/peak-import", 2589},
        {"gauge/tariff", 1},           {"power/import", 0},
        {"power/export", 0},           {"power/L1-import", 0},
        {"power/L2-import", 0},        {"power/L3-import", 0},
        {"power/L1-export", 0},        {"power/L2-export", 0},
        {"power/L3-export", 0},        {"voltage/L1", 234.7},
        {"voltage/L2", 234.7},         {"voltage/L3", 234.7},
        {"current/L1", 0},             {"current/L2", 0},
        {"current/L3", 0},             {"gauge/breaker", 1},
        {"power/limit", 999900},       {"current/fuse-L1", 999},
        {"gauge/valve-1", 1},          {"volume/gas-1", 112.384},
        {"volume/water-2", 872.234}};
    expect_series(&c.t[0], want, sizeof want / sizeof want[0]);
    collector_free(&c);
}

/* The bytes of a fixture's telegram_text (code points 0-255 are bytes). */
static size_t tic_fixture(const char *rel, uint8_t *out, size_t cap)
{
    char *text = fixture_read(rel, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(text);
    char *p = strstr(text, "\"telegram_text\": \"");
    CU_ASSERT_PTR_NOT_NULL_FATAL(p);
    p += strlen("\"telegram_text\": \"");
    size_t n = 0;
    while (*p && *p != '"' && n < cap) {
        if (*p != '\\') {
            out[n++] = (uint8_t)*p++;
            continue;
        }
        char e = p[1];
        p += 2;
        if (e == 'u') {
            out[n++] = (uint8_t)strtoul((char[]){p[0], p[1], p[2], p[3], 0}, NULL, 16);
            p += 4;
        } else {
            out[n++] = (uint8_t)(e == 'n' ? '\n' : e == 'r' ? '\r' : e == 't' ? '\t' : e);
        }
    }
    free(text);
    return n;
}

/* A three-phase standard TIC frame (TEMPO and a producer): the registers,
 * per-phase values, peaks and limits under their series; the calendar,
 * texts, STGE and the previous load curve point are not series. */
static void test_map_tic_telegram(void)
{
    static uint8_t f[4096];
    size_t n = tic_fixture("tic/tic-std-3p-tempo-producer-linky-openhab.json", f, sizeof f);
    collector c;
    collector_init(&c);
    decode_bytes(&c, SM_LINK_AUTO, NULL, 0, NULL, 0, true, f, n, 0);
    CU_ASSERT_EQUAL_FATAL(c.n, 1);
    ASSERT_ERR(c.t[0].err, SM_OK);
    static const series_value want[] = {
        {"energy_wh/import", 11604109},      {"energy_wh/import-T1", 2741488},
        {"energy_wh/import-T2", 5905500},    {"energy_wh/import-T3", 624053},
        {"energy_wh/import-T4", 1070566},    {"energy_wh/import-T5", 524151},
        {"energy_wh/import-T6", 738351},     {"energy_wh/import-T7", 0},
        {"energy_wh/import-T8", 0},          {"energy_wh/import-T9", 0},
        {"energy_wh/import-T10", 0},         {"energy_wh/distributor-T1", 11604109},
        {"energy_wh/distributor-T2", 0},     {"energy_wh/distributor-T3", 0},
        {"energy_wh/distributor-T4", 0},     {"energy_wh/export", 671631},
        {"reactive_energy/Q1", 2970842},     {"reactive_energy/Q2", 204084},
        {"reactive_energy/Q3", 84948},       {"reactive_energy/Q4", 774332},
        {"current/L1", 1},                   {"current/L2", 2},
        {"current/L3", 1},                   {"voltage/L1", 234},
        {"voltage/L2", 240},                 {"voltage/L3", 242},
        {"apparent_power/reference", 18000}, {"apparent_power/cut-off", 18000},
        {"apparent_power/import", 13},       {"apparent_power/L1-import", 0},
        {"apparent_power/L2-import", 568},   {"apparent_power/L3-import", 0},
        {"apparent_power/peak-import", 2636}, {"apparent_power/peak-import-L1", 405},
        {"apparent_power/peak-import-L2", 2194}, {"apparent_power/peak-import-L3", 565},
        {"apparent_power/peak-import-yesterday", 6560},
        {"apparent_power/peak-import-yesterday-L1", 1084},
        {"apparent_power/peak-import-yesterday-L2", 3275},
        {"apparent_power/peak-import-yesterday-L3", 2904},
        {"apparent_power/export", 0},        {"apparent_power/peak-export", 0},
        {"apparent_power/peak-export-yesterday", 3861},
        {"power/average-import", 806},       {"power/average-export", 0},
        {"voltage/average-L1", 230},         {"voltage/average-L2", 239},
        {"voltage/average-L3", 243},         {"gauge/tariff", 2}};
    expect_series(&c.t[0], want, sizeof want / sizeof want[0]);
    collector_free(&c);
}

static void test_patterns(void)
{
    sm_obis_pattern p;
    sm_obis o;
    CU_ASSERT_TRUE_FATAL(sm_obis_pattern_parse("1-0:32.7.0", &p));
    CU_ASSERT_TRUE(sm_obis_parse("1-0:32.7.0*255", &o) && sm_obis_pattern_match(&p, &o));
    CU_ASSERT_TRUE(sm_obis_parse("1-0:32.7.0*0", &o) && sm_obis_pattern_match(&p, &o)); /* F any */
    CU_ASSERT_TRUE(sm_obis_parse("1-1:32.7.0*255", &o) && !sm_obis_pattern_match(&p, &o));
    CU_ASSERT_TRUE(sm_obis_parse("1-0:52.7.0*255", &o) && !sm_obis_pattern_match(&p, &o));
    CU_ASSERT_TRUE_FATAL(sm_obis_pattern_parse("32.7.0", &p)); /* B and F any */
    CU_ASSERT_TRUE(sm_obis_parse("1-1:32.7.0*0", &o) && sm_obis_pattern_match(&p, &o));
    CU_ASSERT_TRUE_FATAL(sm_obis_pattern_parse("1-0:1.8.0*255", &p)); /* exact */
    CU_ASSERT_TRUE(sm_obis_parse("1-0:1.8.0*255", &o) && sm_obis_pattern_match(&p, &o));
    CU_ASSERT_TRUE(sm_obis_parse("1-0:1.8.0*1", &o) && !sm_obis_pattern_match(&p, &o));
    CU_ASSERT_FALSE(sm_obis_pattern_parse("1-0:32.7", &p));
    CU_ASSERT_FALSE(sm_obis_pattern_parse("voltage", &p));
    CU_ASSERT_FALSE(sm_obis_pattern_parse("", &p));
    /* mixed separators are no OBIS notation (this one was once read as F = 1) */
    CU_ASSERT_FALSE(sm_obis_pattern_parse("1-0:32.7.0.1", &p));
    CU_ASSERT_FALSE(sm_obis_pattern_parse("1-0:32.7.0.255", &p));
    CU_ASSERT_FALSE(sm_obis_pattern_parse("1:0-32.7.0", &p));
    CU_ASSERT_FALSE(sm_obis_pattern_parse("1-0:32*7.0", &p));
    CU_ASSERT_FALSE(sm_obis_pattern_parse("1-0:32.7.0*", &p));
    CU_ASSERT_FALSE(sm_obis_pattern_parse("1-0:32.7.0*0255", &p));
    CU_ASSERT_FALSE(sm_obis_pattern_parse("1.0.32.7.0", &p));
    CU_ASSERT_TRUE_FATAL(sm_obis_pattern_parse("1.0.32.7.0.255", &p)); /* exact, dotted */
    CU_ASSERT_TRUE(sm_obis_parse("1-0:32.7.0*255", &o) && sm_obis_pattern_match(&p, &o));
    CU_ASSERT_TRUE(sm_obis_parse("1-0:32.7.0*1", &o) && !sm_obis_pattern_match(&p, &o));
}

static void test_tcp_devices(void)
{
    char h[64], s[8];
    CU_ASSERT_TRUE(smio_port_tcp_parse("tcp://ser2net.local:2001", h, sizeof h, s, sizeof s));
    CU_ASSERT_STRING_EQUAL(h, "ser2net.local");
    CU_ASSERT_STRING_EQUAL(s, "2001");
    CU_ASSERT_TRUE(smio_port_tcp_parse("tcp://[::1]:3333", h, sizeof h, s, sizeof s));
    CU_ASSERT_STRING_EQUAL(h, "::1");
    CU_ASSERT_FALSE(smio_port_tcp_parse("tcp://host", h, sizeof h, s, sizeof s));
    CU_ASSERT_FALSE(smio_port_tcp_parse("tcp://:2001", h, sizeof h, s, sizeof s));
    CU_ASSERT_FALSE(smio_port_tcp_parse("tcp://host:0", h, sizeof h, s, sizeof s));
    CU_ASSERT_FALSE(smio_port_tcp_parse("tcp://host:65536", h, sizeof h, s, sizeof s));
    CU_ASSERT_FALSE(smio_port_tcp_parse("tcp://host:20a1", h, sizeof h, s, sizeof s));
    CU_ASSERT_FALSE(smio_port_tcp_parse("tcp://[::1:3333", h, sizeof h, s, sizeof s));
    CU_ASSERT_FALSE(smio_port_tcp_parse("/dev/ttyUSB0", h, sizeof h, s, sizeof s));
    CU_ASSERT_TRUE(smio_port_is_tcp("tcp://x:1"));
    CU_ASSERT_FALSE(smio_port_is_tcp("/dev/serial/by-id/usb-tcp"));
}

static void test_key_file_content(void)
{
    uint8_t k[32];
    size_t len = 0;
    const char *hex = "000102030405060708090A0B0C0D0E0F\n";
    CU_ASSERT_EQUAL(sm_key_from_file_content((const uint8_t *)hex, strlen(hex), k, &len), SM_OK);
    CU_ASSERT_EQUAL(len, 16);
    CU_ASSERT_EQUAL(memcmp(k, TEST_EK, 16), 0);
    CU_ASSERT_EQUAL(sm_key_from_file_content(TEST_EK, 16, k, &len), SM_OK); /* raw bytes */
    CU_ASSERT_EQUAL(memcmp(k, TEST_EK, 16), 0);
    const char *bad = "0001020304\n";
    CU_ASSERT_EQUAL(sm_key_from_file_content((const uint8_t *)bad, strlen(bad), k, &len),
                    SM_ERR_KEY_LENGTH);
    CU_ASSERT_EQUAL(sm_key_from_file_content((const uint8_t *)"", 0, k, &len), SM_ERR_KEY_LENGTH);
    uint8_t raw17[17] = {0};
    CU_ASSERT_EQUAL(sm_key_from_file_content(raw17, 17, k, &len), SM_ERR_KEY_LENGTH);
}

static const test_case map_cases[] = {
    {"OBIS codes to collectd types and instances", test_map_table},
    {"mapping: implied and contradicting units, billing periods, channels", test_map_special_series},
    {"mapping: unknown objects and P1's own", test_map_unknown_and_p1},
    {"strings, date-times and positional values are not dispatched", test_map_non_numbers},
    {"a synthetic telegram maps to its twelve series", test_map_synthetic_telegram},
    {"a Belgian P1 telegram maps to its series", test_map_p1_telegram},
    {"a three-phase TIC frame maps to its series", test_map_tic_telegram},
    {"Select/Ignore OBIS patterns", test_patterns},
    {"tcp://host:port devices", test_tcp_devices},
    {"key file contents", test_key_file_content},
    {NULL, NULL}};
const test_suite suite_map = {"plugin: mapping, patterns, devices, keys", map_cases};
