/* test_operators.c - the operators' lists: the Slovenian and Croatian
 * Iskraemeco lists (real telegrams, fixtures/iskraemeco), the Czech
 * tuples, the implied scalers by OBIS class, and the layout file parser
 * with every kind of error. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sm_layout.h"
#include "test_util.h"

/* decode a fixture file (hex, # comments) with the built-in layouts */
static void decode_fixture(collector *c, const char *rel)
{
    size_t tlen;
    char *text = fixture_read(rel, &tlen);
    CU_ASSERT_PTR_NOT_NULL_FATAL(text);
    for (char *p = text; (p = strchr(p, '#'));) /* comments to the end of the line */
        for (; *p && *p != '\n'; p++)
            *p = ' ';
    static uint8_t buf[4096];
    size_t n = hex_decode(text, buf, sizeof buf);
    free(text);
    CU_ASSERT_FATAL(n != (size_t)-1);
    collector_init(c);
    decode_bytes(c, SM_LINK_AUTO, NULL, 0, NULL, 0, true, buf, n, 0);
    CU_ASSERT_EQUAL_FATAL(c->n, 1);
    ASSERT_ERR(c->t[0].err, SM_OK);
}

static void expect(const got_telegram *t, const char *obis, double value, uint8_t unit)
{
    const got_reading *r = find_obis(t, obis);
    if (!r)
        fprintf(stderr, "\n    %s: no %s\n", t->layout, obis);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    if (r->r.value != value || r->r.unit != unit)
        fprintf(stderr, "\n    %s: %s = %.17g unit %u, want %.17g unit %u\n", t->layout, obis,
                r->r.value, r->r.unit, value, unit);
    CU_ASSERT_EQUAL(r->r.value, value);
    CU_ASSERT_EQUAL(r->r.unit, unit);
}

static void expect_text(const got_telegram *t, const char *obis, const char *text)
{
    const got_reading *r = find_obis(t, obis);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    CU_ASSERT_STRING_EQUAL(r->text, text);
}

/* Elektro Ljubljana's three-phase 5-second list: the phase powers add up
 * to the total and U x I per phase matches, so the order holds */
static void test_slovenia_5s(void)
{
    collector c;
    decode_fixture(&c, "iskraemeco/gh615-1.hex");
    const got_telegram *t = &c.t[0];
    CU_ASSERT_STRING_EQUAL(t->layout, "si-iskra-am550-3ph-5s");
    CU_ASSERT_STRING_EQUAL(t->meter_id, "ISK1030789375606");
    expect(t, "1-0:1.7.0*255", 1393, SM_UNIT_W);
    expect(t, "1-0:4.7.0*255", 738, SM_UNIT_VAR);
    expect(t, "1-0:32.7.0*255", 237.9, SM_UNIT_V);
    expect(t, "1-0:72.7.0*255", 229.6, SM_UNIT_V);
    expect(t, "1-0:31.7.0*255", 1.03, SM_UNIT_A);
    expect(t, "1-0:71.7.0*255", 5.97, SM_UNIT_A);
    expect(t, "1-0:21.7.0*255", 16, SM_UNIT_W);
    expect(t, "1-0:41.7.0*255", 51, SM_UNIT_W);
    expect(t, "1-0:61.7.0*255", 1325, SM_UNIT_W);
    char dt[64];
    sm_datetime_iso_local(&t->dt, dt, sizeof dt);
    CU_ASSERT_STRING_EQUAL(dt, "2023-07-24T19:40:25+02:00");
    collector_free(&c);
}

/* Swedish Kaifa MA304H4 lists (issue 30, item 17): with OBIS codes and no
 * scaler_unit, the KFM_001 convention of the Norwegian lists (currents in
 * mA, voltages in 0.1 V, W, Wh); U x I >= P on L1 in both */
static void test_sweden_kaifa(void)
{
    collector c;
    decode_fixture(&c, "sweden/gh242-1.hex");
    const got_telegram *t = &c.t[0];
    CU_ASSERT_STRING_EQUAL(t->layout, "kaifa-kfm001-keyed");
    CU_ASSERT_STRING_EQUAL(t->meter_id, "7340157030542476");
    expect(t, "1-0:32.7.0*255", 232.2, SM_UNIT_V);
    expect(t, "1-0:31.7.0*255", 0.032, SM_UNIT_A);
    expect(t, "1-0:1.7.0*255", 3, SM_UNIT_W);
    expect(t, "1-0:1.8.0*255", 1142, SM_UNIT_WH);
    expect(t, "1-0:3.8.0*255", 67, SM_UNIT_VARH);
    expect(t, "1-0:4.7.0*255", 0, SM_UNIT_VAR);
    const got_reading *clock = find_obis(t, "0-0:1.0.0*255");
    CU_ASSERT_PTR_NOT_NULL_FATAL(clock);
    CU_ASSERT_STRING_EQUAL(clock->dt_local, "2021-03-23T18:50:00+01:00");
    collector_free(&c);
    /* the positional list of an MA304H4D: the Norwegian layout */
    decode_fixture(&c, "sweden/gh242-2.hex");
    t = &c.t[0];
    CU_ASSERT_STRING_EQUAL(t->layout, "kaifa-kfm001-3ph-list3");
    expect(t, "1-0:32.7.0*255", 243.4, SM_UNIT_V);
    expect(t, "1-0:31.7.0*255", 0.199, SM_UNIT_A);
    expect(t, "1-0:1.7.0*255", 7, SM_UNIT_W);
    expect(t, "1-0:4.7.0*255", 45, SM_UNIT_VAR);
    expect(t, "1-0:1.8.0*255", 137166, SM_UNIT_WH);
    collector_free(&c);
}

/* ... its 15-minute list: 1.8.0 = 1.8.1 + 1.8.2 */
static void test_slovenia_15min(void)
{
    collector c;
    decode_fixture(&c, "iskraemeco/gh615-2.hex");
    const got_telegram *t = &c.t[0];
    CU_ASSERT_STRING_EQUAL(t->layout, "si-iskra-am550-15min");
    expect(t, "1-0:1.8.0*255", 52837, SM_UNIT_WH);
    expect(t, "1-0:1.8.1*255", 13593, SM_UNIT_WH);
    expect(t, "1-0:1.8.2*255", 39244, SM_UNIT_WH);
    expect(t, "1-0:2.8.0*255", 177927, SM_UNIT_WH);
    expect(t, "1-0:3.8.0*255", 107882, SM_UNIT_VARH);
    expect(t, "1-0:4.8.0*255", 43253, SM_UNIT_VARH);
    expect_text(t, "0-0:96.14.0*255", "0001");
    collector_free(&c);
    decode_fixture(&c, "iskraemeco/gh956-2.hex");
    expect(&c.t[0], "1-0:1.8.0*255", 471547, SM_UNIT_WH);
    expect(&c.t[0], "1-0:1.8.2*255", 261384, SM_UNIT_WH);
    collector_free(&c);
}

/* Elektro Celje's list UP_3f, and the single-phase lists of ED1.21 */
static void test_slovenia_celje_and_1ph(void)
{
    collector c;
    decode_fixture(&c, "iskraemeco/gh615-8.hex");
    const got_telegram *t = &c.t[0];
    CU_ASSERT_STRING_EQUAL(t->layout, "si-elektro-celje-up3f");
    expect(t, "1-0:32.7.0*255", 231.4, SM_UNIT_V);
    expect(t, "1-0:51.7.0*255", 5.25, SM_UNIT_A);
    expect(t, "1-0:1.7.0*255", 2399, SM_UNIT_W);
    expect(t, "1-0:4.7.0*255", 264, SM_UNIT_VAR);
    collector_free(&c);
    decode_fixture(&c, "iskraemeco/gh869-8.hex");
    t = &c.t[0];
    CU_ASSERT_STRING_EQUAL(t->layout, "si-iskra-am550-1ph-10");
    expect(t, "1-0:32.7.0*255", 233.6, SM_UNIT_V);
    expect(t, "1-0:31.7.0*255", 2.78, SM_UNIT_A);
    expect(t, "1-0:21.7.0*255", 540, SM_UNIT_W);
    collector_free(&c);
    decode_fixture(&c, "iskraemeco/gh869-1.hex");
    CU_ASSERT_STRING_EQUAL(c.t[0].layout, "si-iskra-am550-1ph-9");
    expect(&c.t[0], "1-0:1.7.0*255", 373, SM_UNIT_W);
    expect(&c.t[0], "1-0:32.7.0*255", 230.1, SM_UNIT_V);
    collector_free(&c);
    decode_fixture(&c, "iskraemeco/gh869-3.hex");
    CU_ASSERT_STRING_EQUAL(c.t[0].layout, "si-iskra-am550-energy-4");
    expect(&c.t[0], "1-0:1.8.0*255", 7924641, SM_UNIT_WH);
    CU_ASSERT_STRING_EQUAL(c.t[0].meter_id, "84605887");
    collector_free(&c);
}

/* HEP's IE.5 list of 33: tariff sums, phase sums, PF in thousandths, and
 * the undescribed values (nested arrays among them) kept */
static void test_croatia_ie5(void)
{
    collector c;
    decode_fixture(&c, "iskraemeco/gh1072-3.hex");
    const got_telegram *t = &c.t[0];
    CU_ASSERT_STRING_EQUAL(t->layout, "hr-hep-iskra-ie5");
    CU_ASSERT_EQUAL(t->n, 33);
    CU_ASSERT_STRING_EQUAL(t->meter_id, "92029691");
    expect(t, "1-0:1.8.0*255", 6844432, SM_UNIT_WH);
    expect(t, "1-0:1.8.1*255", 4770804, SM_UNIT_WH);
    expect(t, "1-0:2.8.2*255", 51016, SM_UNIT_WH);
    expect(t, "1-0:8.8.0*255", 1345708, SM_UNIT_VARH);
    expect(t, "1-0:1.7.0*255", 499, SM_UNIT_W);
    expect(t, "1-0:13.7.0*255", 0.746, SM_UNIT_NONE);
    expect(t, "1-0:41.7.0*255", 295, SM_UNIT_W);
    expect(t, "1-0:52.7.0*255", 235.4, SM_UNIT_V);
    expect(t, "1-0:71.7.0*255", 1.09, SM_UNIT_A);
    CU_ASSERT_EQUAL(t->readings[29].r.type, SM_DT_ARRAY);
    CU_ASSERT_EQUAL(t->readings[29].r.obis_source, SM_OBIS_NONE);
    collector_free(&c);
}

/* a Czech push built as Sagemcom XT211 sends it: captured scaler_unit
 * attributes apply; values without one get the class rules' units */
static void test_czech_xt211_style(void)
{
    static const char X[] =
        "0F000000010002021601010B020200010000600100FF02090A31323334353637383930"
        "020200080000010000FF02090C07E9010F030A1E00FF800000020200030100010800FF020600BC614E"
        "020200030100010800FF0302020F00161E020200030100200700FF021208FD020200030100200700FF"
        "0302020FFF16230202000301001F0700FF021200980202000301001F0700FF0302020FFE1621020200"
        "030100010700FF02060000035202020046000060030AFF031601020200010000600E00FF0209025431";
    static uint8_t buf[512];
    size_t n = hex_decode(X, buf, sizeof buf);
    CU_ASSERT_FATAL(n != (size_t)-1);
    collector c;
    collector_init(&c);
    decode_bytes(&c, SM_LINK_AUTO, NULL, 0, NULL, 0, true, buf, n, 0);
    CU_ASSERT_EQUAL_FATAL(c.n, 1);
    const got_telegram *t = &c.t[0];
    ASSERT_ERR(t->err, SM_OK);
    CU_ASSERT_STRING_EQUAL(t->layout, "cz-rs485-push");
    CU_ASSERT_EQUAL(t->n, 12); /* the enum and the 11 tuples */
    expect(t, "1-0:1.8.0*255", 12345678, SM_UNIT_WH);
    expect(t, "1-0:32.7.0*255", 230.1, SM_UNIT_V);
    expect(t, "1-0:31.7.0*255", 1.52, SM_UNIT_A);
    expect(t, "1-0:1.7.0*255", 850, SM_UNIT_W);
    CU_ASSERT_EQUAL(find_obis(t, "1-0:1.7.0*255")->r.scaler_source, SM_SCALER_IMPLIED);
    CU_ASSERT_EQUAL(find_obis(t, "1-0:32.7.0*255")->r.scaler_source, SM_SCALER_WIRE);
    CU_ASSERT_EQUAL(find_obis(t, "0-0:96.3.10*255")->r.class_id, 70);
    CU_ASSERT_EQUAL(find_obis(t, "0-0:96.3.10*255")->r.attribute, 3);
    expect_text(t, "0-0:96.14.0*255", "T1");
    CU_ASSERT_STRING_EQUAL(t->meter_id, "1234567890");
    CU_ASSERT_STRING_EQUAL(find_obis(t, "0-0:1.0.0*255")->dt_local, "2025-01-15T10:30:00");
    collector_free(&c);
}

/* What IEC 62056-6-1 says the quantity C.D is (q: C's quantity 1-20),
 * written out here independently of the code. */
static void class_rule_wanted(unsigned cc, unsigned q, unsigned d, int all, bool power,
                              bool energy, int *want_sc, int *want_unit, sm_fit *want_fit)
{
    if ((q == 1 || q == 2 || q == 15 || q == 16) && (power || energy))
        *want_unit = energy ? SM_UNIT_WH : SM_UNIT_W;
    else if (q >= 3 && q <= 8 && (power || energy))
        *want_unit = energy ? SM_UNIT_VARH : SM_UNIT_VAR;
    else if ((q == 9 || q == 10) && (power || energy))
        *want_unit = energy ? SM_UNIT_VAH : SM_UNIT_VA;
    else if (all && d == 7 && q == 11)
        *want_sc = -2, *want_unit = SM_UNIT_A;
    else if (all && d == 7 && q == 12)
        *want_fit = SM_FIT_MAINS_VOLTAGE, *want_unit = SM_UNIT_V;
    else if (all && d == 7 && q == 13)
        *want_sc = -3, *want_unit = SM_UNIT_NONE;
    else if (all && d == 7 && cc == 14)
        *want_fit = SM_FIT_MAINS_FREQUENCY, *want_unit = SM_UNIT_HZ;
    else if (all && d == 7 && cc == 81)
        *want_unit = SM_UNIT_DEGREE;
}

/* The class rules, over every value group C and D. */
static void test_class_rules_every_class(void)
{
    for (unsigned cc = 0; cc < 256; cc++)
        for (unsigned d = 0; d < 16; d++)
            for (unsigned e = 0; e < 3; e++)
                for (int all = 0; all < 2; all++) {
                    sm_obis o = {1, 0, (uint8_t)cc, (uint8_t)d, (uint8_t)e, 255};
                    int8_t sc = 99;
                    uint8_t unit = 99;
                    sm_fit fit = SM_FIT_NONE;
                    bool got = sm_obis_class_rule(&o, all, &sc, &unit, &fit);
                    unsigned q = cc >= 1 && cc <= 80 ? (cc - 1) % 20 + 1 : 0;
                    bool power = d >= 4 && d <= 7, energy = d == 8 || d == 9;
                    int want_sc = 0, want_unit = -1;
                    sm_fit want_fit = SM_FIT_NONE;
                    class_rule_wanted(cc, q, d, all, power, energy, &want_sc, &want_unit,
                                      &want_fit);
                    CU_ASSERT_EQUAL(got, want_unit >= 0);
                    if (got && want_unit >= 0) {
                        CU_ASSERT_EQUAL(sc, want_sc);
                        CU_ASSERT_EQUAL(unit, want_unit);
                        CU_ASSERT_EQUAL(fit, want_fit);
                    }
                }
    /* other media (A != 1) have no rule */
    sm_obis gas = {7, 0, 3, 8, 0, 255};
    int8_t sc;
    uint8_t unit;
    sm_fit fit;
    CU_ASSERT_FALSE(sm_obis_class_rule(&gas, 1, &sc, &unit, &fit));
    CU_ASSERT_EQUAL(sm_fit_scaler(SM_FIT_MAINS_VOLTAGE, 2301), -1);
    CU_ASSERT_EQUAL(sm_fit_scaler(SM_FIT_MAINS_VOLTAGE, 230), 0);
    CU_ASSERT_EQUAL(sm_fit_scaler(SM_FIT_MAINS_FREQUENCY, 5002), -2);
    CU_ASSERT_EQUAL(sm_fit_scaler(SM_FIT_MAINS_FREQUENCY, 49998), -3);
    CU_ASSERT_EQUAL(sm_fit_scaler(SM_FIT_MAINS_FREQUENCY, 50), 0);
}

/* the names of objects the table has no line for, and of past billing
 * periods */
static void test_obis_names_built(void)
{
    char name[96];
    sm_obis q1 = {1, 0, 5, 8, 1, 255}, l2 = {1, 0, 42, 6, 0, 255};
    sm_obis_describe(&q1, name, sizeof name);
    CU_ASSERT_STRING_EQUAL(name, "Reactive energy QI tariff 1");
    sm_obis_describe(&l2, name, sizeof name);
    CU_ASSERT_STRING_EQUAL(name, "Active power export L2 (maximum demand)");
    /* a past billing period's value says which; the register's own is the
     * table's text itself */
    static const struct {
        sm_obis o;
        const char *want;
    } periods[] = {
        {{1, 0, 1, 8, 1, 255}, "Active energy import (+A) tariff 1"},
        {{1, 0, 1, 8, 1, 101}, "Active energy import (+A) tariff 1, 1 billing period ago"},
        {{1, 0, 1, 8, 1, 103}, "Active energy import (+A) tariff 1, 3 billing periods ago"},
        {{1, 0, 1, 8, 1, 0}, "Active energy import (+A) tariff 1, billing period 0"},
        {{1, 0, 1, 8, 1, 99}, "Active energy import (+A) tariff 1, billing period 99"},
        {{1, 0, 1, 8, 1, 126}, "Active energy import (+A) tariff 1, F 126"},
        {{1, 0, 5, 8, 1, 102}, "Reactive energy QI tariff 1, 2 billing periods ago"},
    };
    for (size_t i = 0; i < sizeof periods / sizeof periods[0]; i++) {
        const sm_obis_info *info = sm_obis_lookup(&periods[i].o);
        const char *nm = sm_obis_name(&periods[i].o, info, name, sizeof name);
        CU_ASSERT_PTR_NOT_NULL_FATAL(nm);
        if (strcmp(nm, periods[i].want) != 0)
            fprintf(stderr, "\n    %s, want %s\n", nm, periods[i].want);
        CU_ASSERT_STRING_EQUAL(nm, periods[i].want);
        CU_ASSERT((periods[i].o.f == 255 && info) == (info && nm == info->name));
    }
    char small[12]; /* truncated, never past the buffer */
    sm_obis old = {1, 0, 1, 8, 1, 101};
    CU_ASSERT_STRING_EQUAL(sm_obis_name(&old, sm_obis_lookup(&old), small, sizeof small),
                           "Active ener");
    sm_obis nothing = {0, 0, 199, 199, 199, 101};
    CU_ASSERT_PTR_NULL(sm_obis_name(&nothing, NULL, name, sizeof name));
}

/* append a capture-object definition and its value's bytes */
/* an object of a capture-object list push: 1-0:C.D.E and its value's bytes */
typedef struct {
    uint8_t c, d, e;
    uint8_t val[5];
    uint8_t vlen;
} capture_obj;

/* the push: its capture-object list (the push setup first), then the values */
static size_t capture_push(uint8_t *out, const capture_obj *objs, size_t nobj)
{
    size_t n = 0;
    static const uint8_t head[] = {0x0F, 0, 0, 0, 1, 0};
    memcpy(out, head, sizeof head);
    n = sizeof head;
    out[n++] = 0x02, out[n++] = (uint8_t)(nobj + 1);
    out[n++] = 0x01, out[n++] = (uint8_t)(nobj + 1);
    for (size_t k = 0; k <= nobj; k++) {
        uint8_t def[] = {0x02, 0x04, 0x12, 0x00, 0x03, 0x09, 0x06, 1, 0, 0, 0, 0, 255, 0x0F, 2,
                         0x12, 0x00, 0x00};
        if (k == 0) /* the push setup itself */
            def[4] = 40, def[7] = 0, def[9] = 25, def[10] = 9;
        else
            def[9] = objs[k - 1].c, def[10] = objs[k - 1].d, def[11] = objs[k - 1].e;
        memcpy(out + n, def, sizeof def);
        n += sizeof def;
    }
    for (size_t k = 0; k < nobj; k++) {
        memcpy(out + n, objs[k].val, objs[k].vlen);
        n += objs[k].vlen;
    }
    return n;
}

static size_t capture_apdu(uint8_t *out)
{
    static const capture_obj objs[] = {
        {1, 8, 1, {0x06, 0, 0, 0x03, 0xE8}, 5},   /* 1-0:1.8.1 1000 */
        {2, 8, 2, {0x06, 0, 0, 0x07, 0xD0}, 5},   /* 1-0:2.8.2 2000 */
        {5, 8, 1, {0x06, 0, 0, 0x01, 0x2C}, 5},   /* 1-0:5.8.1 300 */
        {13, 7, 0, {0x10, 0x03, 0xE8}, 3},        /* 1-0:13.7.0 long 1000 */
        {14, 7, 0, {0x12, 0x13, 0x8A}, 3},        /* 1-0:14.7.0 5002 */
        {81, 7, 4, {0x10, 0xFF, 0x88}, 3},        /* 1-0:81.7.4 -120 */
        {32, 7, 0, {0x12, 0x08, 0xFD}, 3},        /* 1-0:32.7.0 2301 */
        {51, 7, 0, {0x12, 0x00, 0x69}, 3},        /* 1-0:51.7.0 105 */
    };
    return capture_push(out, objs, sizeof objs / sizeof objs[0]);
}

/* decode a capture-object list push built by capture_push() */
static void decode_push(collector *c, const capture_obj *objs, size_t nobj)
{
    uint8_t apdu[512];
    size_t n = capture_push(apdu, objs, nobj);
    collector_init(c);
    decode_bytes(c, SM_LINK_AUTO, NULL, 0, NULL, 0, true, apdu, n, 0);
    CU_ASSERT_EQUAL_FATAL(c->n, 1);
    ASSERT_ERR(c->t[0].err, SM_OK);
}

/* Issue 30, item 16: a Swiss Landis+Gyr E570 in its 2026 configuration
 * (capture-object list, no scalers) sends currents in A where the VSE
 * lists send 0.01 A: 400, 200 and 601 with 258 874 W at 230 V, which
 * needs about 1 100 A.  The power decides: P <= U x I picks 1 A; where
 * the power fits 0.01 A, 0.01 A stays; where nothing fits, it is said. */
#define LU(v) {0x12, (uint8_t)((v) >> 8), (uint8_t)(v)}, 3
#define DLU(v) {0x06, (uint8_t)((v) >> 24), (uint8_t)((v) >> 16), (uint8_t)((v) >> 8), (uint8_t)(v)}, 5
static void test_currents_by_power(void)
{
    const capture_obj e570[] = {
        {32, 7, 0, LU(230)}, {52, 7, 0, LU(230)}, {72, 7, 0, LU(230)},
        {31, 7, 0, LU(400)}, {51, 7, 0, LU(200)}, {71, 7, 0, LU(601)},
        {1, 7, 0, DLU(258874)}, {2, 7, 0, DLU(0)},
    };
    collector c;
    decode_push(&c, e570, sizeof e570 / sizeof e570[0]);
    const got_telegram *t = &c.t[0];
    expect(t, "1-0:31.7.0*255", 400, SM_UNIT_A);
    expect(t, "1-0:51.7.0*255", 200, SM_UNIT_A);
    expect(t, "1-0:71.7.0*255", 601, SM_UNIT_A);
    expect(t, "1-0:32.7.0*255", 230, SM_UNIT_V);
    expect(t, "1-0:1.7.0*255", 258874, SM_UNIT_W);
    CU_ASSERT_FALSE(t->implied_disagree);
    collector_free(&c);
    /* a household's VSE list: 0.01 A fits (5.25 A x 230.1 V >= 1150 W) */
    const capture_obj vse[] = {
        {32, 7, 0, LU(2301)}, {31, 7, 0, LU(525)}, {1, 7, 0, DLU(1150)},
    };
    decode_push(&c, vse, sizeof vse / sizeof vse[0]);
    expect(&c.t[0], "1-0:31.7.0*255", 5.25, SM_UNIT_A);
    CU_ASSERT_FALSE(c.t[0].implied_disagree);
    collector_free(&c);
    /* ... and with a power per phase: L2's decides (21.07 A at 0.1 A) */
    const capture_obj phase[] = {
        {32, 7, 0, LU(230)}, {52, 7, 0, LU(230)}, {31, 7, 0, LU(100)}, {51, 7, 0, LU(2107)},
        {21, 7, 0, DLU(200)}, {41, 7, 0, DLU(48000)},
    };
    decode_push(&c, phase, sizeof phase / sizeof phase[0]);
    expect(&c.t[0], "1-0:31.7.0*255", 10, SM_UNIT_A);
    expect(&c.t[0], "1-0:51.7.0*255", 210.7, SM_UNIT_A);
    collector_free(&c);
    /* nothing fits: 1 A x 230 V against 10 MW: the scaler stays, said */
    const capture_obj wild[] = {
        {32, 7, 0, LU(230)}, {31, 7, 0, LU(1)}, {1, 7, 0, DLU(10000000)},
    };
    decode_push(&c, wild, sizeof wild / sizeof wild[0]);
    expect(&c.t[0], "1-0:31.7.0*255", 0.01, SM_UNIT_A);
    CU_ASSERT_TRUE(c.t[0].implied_disagree);
    collector_free(&c);
}

/* a VSE push (no scalers): tariffs in Wh, PF 1, frequency and angles */
static void test_swiss_implied(void)
{
    uint8_t apdu[512];
    size_t n = capture_apdu(apdu);
    collector c;
    collector_init(&c);
    decode_bytes(&c, SM_LINK_AUTO, NULL, 0, NULL, 0, true, apdu, n, 0);
    CU_ASSERT_EQUAL_FATAL(c.n, 1);
    const got_telegram *t = &c.t[0];
    ASSERT_ERR(t->err, SM_OK);
    CU_ASSERT_STRING_EQUAL(t->layout, "capture-object-list");
    expect(t, "1-0:1.8.1*255", 1000, SM_UNIT_WH);
    expect(t, "1-0:2.8.2*255", 2000, SM_UNIT_WH);
    expect(t, "1-0:5.8.1*255", 300, SM_UNIT_VARH);
    expect(t, "1-0:13.7.0*255", 1, SM_UNIT_NONE);
    expect(t, "1-0:14.7.0*255", 50.02, SM_UNIT_HZ);
    expect(t, "1-0:81.7.4*255", -120, SM_UNIT_DEGREE);
    expect(t, "1-0:32.7.0*255", 230.1, SM_UNIT_V);
    expect(t, "1-0:51.7.0*255", 1.05, SM_UNIT_A);
    collector_free(&c);
}

/* every kind of error a layout file can have: its line, and the start of
 * the message */
static const struct {
    const char *text;
    unsigned line;
    const char *message;
} bad_layouts[] = {
        {"description x\n", 1, "\"description\" before the first \"layout NAME\" (or \"quirk NAME\") line"},
        {"layout Bad!\n", 1, "layout: give its name"},
        {"layout a\nlayout a\n", 1, "layout a: a positional layout needs its count"},
        {"layout a\ncount 1\nlayout b\n", 1, "layout a: give its description and its source"},
        {"layout a\ndescription d\nsource s\ncount 2\nlayout a\n", 5, "layout a: defined twice"},
        {"layout a\ndescription d\nsource s\n", 1, "layout a: a positional layout needs its count"},
        {"layout a\ndescription d\nsource s\ncount 2\nfield 2 1-0:1.8.0\n", 5,
         "layout a: a field at position 2, beyond its count of 2"},
        {"layout a\nfrobnicate 1\n", 2, "unknown keyword \"frobnicate\""},
        {"layout a\ncount 0\n", 2, "count: a number of elements from 1 to 256"},
        {"layout a\ncount x\n", 2, "count: a number"},
        {"layout a\ntypes long-unsigned banana\n", 2, "types: unknown type \"banana\" (element 1)"},
        {"layout a\ncount 3\ntypes enum enum\n", 3, "types: 2 types for a count of 3"},
        {"layout a\nfield 1 1-0:99\n", 2, "field: \"1-0:99\" is no OBIS code"},
        {"layout a\nfield 1 1-0:1.8.0 -1\n", 2, "field: give a position"},
        {"layout a\nfield 1 1-0:1.8.0 x Wh\n", 2, "field: scaler \"x\" is not a number"},
        {"layout a\nfield 1 1-0:1.8.0 0 furlong\n", 2, "field: unknown unit \"furlong\""},
        {"layout a\nfield 999 1-0:1.8.0\n", 2, "field: position \"999\" is not a number"},
        {"layout a\nfield 1 -\nfield 1 -\n", 3, "field: position 1 is given twice"},
        {"layout a\nmatch 0\n", 2, "match: give a position and a condition"},
        {"layout a\nmatch 0 KFM\n", 2, "match: \"KFM\" is no condition"},
        {"layout a\nmatch 0 \"KFM\n", 2, "quoted string without its closing \""},
        {"layout a\nmatch 0 \"a\\q\"\n", 2, "unknown escape \\q"},
        {"layout a\nmatch 0 hex 0G\n", 2, "match: \"0G\" is not hex"},
        {"layout a\nmatch 0 hex 123\n", 2, "match: \"123\" is not an even number of hex digits"},
        {"layout a\nmatch 0 type wombat\n", 2, "match: unknown type \"wombat\""},
        {"layout a\nimplied 1.8 0 Wh\n", 2, "implied: \"1.8\" is not C.D.E"},
        {"layout a\nimplied 1.8.0 big Wh\n", 2, "implied: scaler \"big\""},
        {"layout a\nimplied 1.8.0 0 parsec\n", 2, "implied: unknown unit \"parsec\""},
        {"layout a\nform sideways\n", 2, "form: positional, keyed, capture-list or tuples"},
        {"layout a\nclass-rules some\n", 2, "class-rules: none, units or all"},
        {"layout a\ndescription d\nsource s\nform keyed\n", 1,
         "layout a: a keyed layout needs a match"},
        {"layout a\ndescription d\nsource s\nform tuples\nfield 0 -\n", 1,
         "layout a: fields are for positional and keyed layouts"},
        {"layout a\ndescription d\ndescription e\n", 3, "description: given twice"},
        {"layout a\nsource\n", 2, "source: give the text"},
        {"layout a\n\0count 2\n", 2, "a NUL byte"},
        /* issue 30: what a layout file was accepted with, or named badly */
        {"layout a\n\x01\x02count 2\n", 2, "a control character (0x01) at column 1: this is no layout file"},
        {"layout a\rdescription d\rsource s\rcount 1\r", 1,
         "a carriage return inside a line: this file's lines end with CR alone"},
        {"layout a\ndescription d\nsource s\ncount 2\nfield 1 -\nfield last -\n", 1,
         "layout a: field 1 and field last are the same element (its count is 2)"},
        {"layout a\ndescription d\nsource s\ncount 2\nfield last -\nfield last -\n", 6,
         "field: position last is given twice"},
        {"layout a\ndescription d\nsource s\ncount 2\nmatch 5 \"x\"\n", 1,
         "layout a: a match at position 5, beyond its count of 2"},
};

/* each error named at its line, and the set left as it was */
static void test_layout_file_errors(void)
{
    static sm_layout_set set;
    sm_layout_set_init(&set);
    static const char good[] = "layout ok\ndescription d\nsource s\ncount 1\nfield 0 0-0:96.1.0\n";
    ASSERT_ERR(sm_layout_set_parse(&set, good, sizeof good - 1, "good.layout", NULL), SM_OK);
    for (size_t i = 0; i < sizeof bad_layouts / sizeof bad_layouts[0]; i++) {
        const char *text = bad_layouts[i].text, *message = bad_layouts[i].message;
        sm_layout_error err = {0, ""};
        size_t len = strlen(text);
        if (strstr(message, "NUL"))
            len = 20;
        size_t before[3] = {set.n, set.nfields, set.ntext};
        ASSERT_ERR(sm_layout_set_parse(&set, text, len, "bad.layout", &err), SM_ERR_LAYOUT_FILE);
        if (err.line != bad_layouts[i].line || strncmp(err.message, message, strlen(message)) != 0)
            fprintf(stderr, "\n    case %zu: line %u: %s\n", i, err.line, err.message);
        CU_ASSERT_EQUAL(err.line, bad_layouts[i].line);
        CU_ASSERT_EQUAL(strncmp(err.message, message, strlen(message)), 0);
        CU_ASSERT_EQUAL(set.n, before[0]);
        CU_ASSERT_EQUAL(set.nfields, before[1]);
        CU_ASSERT_EQUAL(set.ntext, before[2]);
    }
    /* a user's file may not name a layout like a built-in one */
    static const char taken[] = "layout kelag-am550\ndescription d\nsource s\ncount 1\n";
    sm_layout_error terr = {0, ""};
    ASSERT_ERR(sm_layout_set_parse_user(&set, taken, sizeof taken - 1, "mine.layout", &terr),
               SM_ERR_LAYOUT_FILE);
    CU_ASSERT_EQUAL(terr.line, 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(terr.message,
                                  "layout kelag-am550: a built-in layout has this name (austria.layout:"));
    CU_ASSERT_EQUAL(set.n, 1);
    /* a UTF-8 byte-order mark, as some editors write, is no content */
    static const char bom[] = "\xEF\xBB\xBFlayout bom\ndescription d\nsource s\ncount 1\n";
    ASSERT_ERR(sm_layout_set_parse(&set, bom, sizeof bom - 1, "bom.layout", NULL), SM_OK);
    CU_ASSERT_EQUAL(set.n, 2);
    CU_ASSERT_STRING_EQUAL(set.layouts[1].name, "bom");
    set.n = 1;
    CU_ASSERT_EQUAL(set.n, 1);
    CU_ASSERT_STRING_EQUAL(set.layouts[0].name, "ok");
    CU_ASSERT_STRING_EQUAL(set.layouts[0].file, "good.layout");
    CU_ASSERT_EQUAL(set.layouts[0].line, 1);
}

/* a full set says so instead of overflowing */
static void test_layout_set_full(void)
{
    static sm_layout_set set;
    sm_layout_set_init(&set);
    char one[160];
    sm_err e = SM_OK;
    size_t i;
    for (i = 0; i < 2 * SM_LAYOUT_SET_LAYOUTS && !e; i++) {
        snprintf(one, sizeof one, "layout l%zu\ndescription d\nsource s\ncount 1\n", i);
        sm_layout_error err;
        e = sm_layout_set_parse(&set, one, strlen(one), "many.layout", &err);
        if (e)
            CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "the set is full"));
    }
    ASSERT_ERR(e, SM_ERR_LAYOUT_FILE);
    CU_ASSERT_EQUAL(set.n, SM_LAYOUT_SET_LAYOUTS);
}

/* a user's layout comes before the built-in ones, and names a list that
 * none knows */
static void test_user_layout_first(void)
{
    static const char text[] =
        "# mine\n"
        "layout mine\n"
        "description a list of my operator\n"
        "source my operator's interface description, page 3\n"
        "types octet-string long-unsigned \"any\"\n";
    static sm_layout_set set;
    sm_layout_set_init(&set);
    sm_layout_error err;
    /* "any" quoted is a string, not the type word */
    ASSERT_ERR(sm_layout_set_parse(&set, text, sizeof text - 1, "mine.layout", &err),
               SM_ERR_LAYOUT_FILE);
    CU_ASSERT_EQUAL(err.line, 5);
    static const char text2[] =
        "layout mine\n"
        "description a list of my operator\n"
        "source my operator's interface description, page 3\n"
        "types octet-string long-unsigned any\n"
        "match 0 prefix \"ME\"\n"
        "field 0 0-0:96.1.0\n"
        "field 1 1-0:32.7.0 -1 V\n"
        "field last 1-0:31.7.0 -2 A\n";
    ASSERT_ERR(sm_layout_set_parse(&set, text2, sizeof text2 - 1, "mine.layout", &err), SM_OK);
    /* 0F invoke 00 | 02 03 | 09 04 "ME12" | 12 08FD | 12 0069 */
    static const uint8_t apdu[] = {0x0F, 0, 0, 0, 1, 0, 0x02, 0x03, 0x09, 0x04, 'M', 'E', '1',
                                   '2', 0x12, 0x08, 0xFD, 0x12, 0x00, 0x69};
    sm_notification n;
    sm_node nodes[16];
    size_t nn;
    ASSERT_ERR(sm_notification_parse(SM_CUR_OVER(apdu, sizeof apdu), &n, nodes, 16, &nn), SM_OK);
    sm_reading rd[8];
    sm_reading_set rs = {rd, 8, 0, NULL, false};
    ASSERT_ERR(sm_readings_extract(nodes, nn, apdu, sizeof apdu, &set, &rs), SM_OK);
    CU_ASSERT_STRING_EQUAL(rs.layout, "mine");
    CU_ASSERT_EQUAL_FATAL(rs.n, 3);
    CU_ASSERT_EQUAL(rd[1].value, 230.1);
    CU_ASSERT_EQUAL(rd[2].value, 1.05);
    CU_ASSERT_EQUAL(rd[2].obis.c, 31);
    /* without the user's set: no layout knows it */
    ASSERT_ERR(sm_readings_extract(nodes, nn, apdu, sizeof apdu, NULL, &rs), SM_OK);
    CU_ASSERT_STRING_EQUAL(rs.layout, "unknown-positional");
}

static const test_case operators_cases[] = {
    {"slovenia: three-phase 5-second list (real telegram)", test_slovenia_5s},
    {"slovenia: 15-minute energy list (real telegrams)", test_slovenia_15min},
    {"slovenia: elektro celje UP_3f, single-phase ED1.21 lists", test_slovenia_celje_and_1ph},
    {"croatia: HEP IE.5 list of 33 (real telegram)", test_croatia_ie5},
    {"sweden: kaifa MA304H4 lists without scalers (real telegrams)", test_sweden_kaifa},
    {"czech tuples built like XT211", test_czech_xt211_style},
    {"implied scalers by OBIS class, every class", test_class_rules_every_class},
    {"names of objects built from their codes", test_obis_names_built},
    {"implied current scalers: the power decides (swiss E570 in A)", test_currents_by_power},
    {"swiss capture list: tariffs, power factor, frequency, angles", test_swiss_implied},
    {"layout files: every kind of error", test_layout_file_errors},
    {"a full set of layouts says so", test_layout_set_full},
    {"layout files: the user's come first", test_user_layout_first},
    {NULL, NULL}};
const test_suite suite_operators = {"operators' lists and layout files", operators_cases};
