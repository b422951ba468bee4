/* test_p1.c - P1 text telegrams: the real ones' lists and sub-meters in
 * detail, every DSMR version and quirk (no CRC, an unpadded one, 7E1 read
 * as 8N1, D0 lines, DSMR 2.2's gas, placeholders, empty values, lines
 * nobody can read), and the adversary: every prefix, every split, every
 * flipped bit, garbage, oversize, random text, beside the binary link
 * layers in one stream. */
#include <stdlib.h>
#include <string.h>

#include "meter_sim.h"
#include "same_reading.h"
#include "sm_build.h"
#include "sm_fast.h"
#include "test_util.h"

static char *load(const char *name, size_t *n)
{
    char rel[128];
    snprintf(rel, sizeof rel, "p1/%s", name);
    char *t = fixture_read(rel, n);
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    return t;
}

static void decode_text(collector *c, sm_link link, const char *text, size_t n, size_t chunk)
{
    decode_bytes(c, link, NULL, 0, NULL, 0, true, (const uint8_t *)text, n, chunk);
}

/* Text with one telegram decoded: that telegram, decoded without error. */
static const got_telegram *decode_one(collector *c, const char *text, size_t n)
{
    collector_init(c);
    decode_text(c, SM_LINK_AUTO, text, n, 0);
    CU_ASSERT_EQUAL_FATAL(c->n, 1);
    ASSERT_ERR(c->t[0].err, SM_OK);
    return &c->t[0];
}

/* A fixture of p1/ decoded, as decode_one. */
static const got_telegram *decode_fixture(collector *c, const char *name)
{
    size_t n;
    char *text = load(name, &n);
    const got_telegram *t = decode_one(c, text, n);
    free(text);
    return t;
}

static const got_reading *want_reading(const got_telegram *t, const char *obis)
{
    const got_reading *g = find_obis(t, obis);
    if (!g)
        fprintf(stderr, "\n    %s not found\n", obis);
    CU_ASSERT_PTR_NOT_NULL_FATAL(g);
    return g;
}

/* a number: its exact decimal in base units and its unit */
static void want_number(const got_telegram *t, const char *obis, const char *value,
                        uint8_t unit)
{
    const got_reading *g = want_reading(t, obis);
    char buf[48];
    CU_ASSERT_EQUAL_FATAL(g->r.kind, SM_RK_NUMBER);
    sm_reading_format_value(&g->r, buf, sizeof buf);
    if (strcmp(buf, value) != 0)
        fprintf(stderr, "\n    %s = %s, want %s\n", obis, buf, value);
    CU_ASSERT_STRING_EQUAL(buf, value);
    CU_ASSERT_EQUAL(g->r.unit, unit);
}

/* ---- the real telegrams, in detail ---------------------------------------- */

static void test_nl_failure_log_and_gas(void)
{
    collector c;
    const got_telegram *t = decode_fixture(&c, "nl-kaifa-dsmr42-1.txt");
    CU_ASSERT_STRING_EQUAL(t->p1_ident, "KFM5KAIFA-METER");
    CU_ASSERT_EQUAL(t->p1.frame.crc, 0x6796);
    /* 1-0:99.97.0(3)(0-0:96.7.19)(000104180320W)(0000237126*s)... */
    const got_reading *log = want_reading(t, "1-0:99.97.0*255");
    CU_ASSERT_EQUAL_FATAL(log->r.kind, SM_RK_LIST);
    CU_ASSERT_EQUAL(log->r.count, 3);
    static const struct {
        const char *end, *seconds;
    } entries[] = {{"2000-01-04T18:03:20+01:00", "237126"},
                   {"2000-01-01T00:00:01+01:00", "2147583646"},
                   {"2000-01-02T00:00:03+01:00", "2317482647"}};
    for (unsigned e = 0; e < 3; e++) {
        const got_reading *g = &t->readings[log->r.index + 1 + e];
        CU_ASSERT_EQUAL(g->r.parent, log->r.index);
        CU_ASSERT_EQUAL(g->r.row, e);
        CU_ASSERT_STRING_EQUAL(g->obis, "0-0:96.7.19*255");
        CU_ASSERT_STRING_EQUAL(g->capture, entries[e].end);
        char buf[32];
        sm_reading_format_value(&g->r, buf, sizeof buf);
        CU_ASSERT_STRING_EQUAL(buf, entries[e].seconds);
        CU_ASSERT_EQUAL(g->r.unit, SM_UNIT_SECOND);
    }
    /* the gas meter: 981.443 m3 captured 2016-11-29 20:00 winter time */
    want_number(t, "0-1:24.2.1*255", "981.443", SM_UNIT_M3);
    CU_ASSERT_STRING_EQUAL(find_obis(t, "0-1:24.2.1*255")->capture, "2016-11-29T20:00:00+01:00");
    CU_ASSERT_STRING_EQUAL(find_obis(t, "0-1:24.2.1*255")->wire, "00981.443*m3");
    want_number(t, "0-1:24.1.0*255", "3", 0);
    /* every line became a reading: 33 lines, 3 of them entries of the log */
    CU_ASSERT_EQUAL(t->n, 33 + 3);
    collector_free(&c);
}

static void test_be_capacity_tariff(void)
{
    collector c;
    const got_telegram *t = decode_fixture(&c, "be-fluvius-emucs171-1.txt");
    CU_ASSERT_STRING_EQUAL(t->p1_ident, "FLU5\\253769484_A");
    /* the month's peak, with the time it occurred */
    want_number(t, "1-0:1.6.0*255", "2589", SM_UNIT_W);
    CU_ASSERT_STRING_EQUAL(find_obis(t, "1-0:1.6.0*255")->capture, "2020-05-09T13:45:58+02:00");
    want_number(t, "1-0:1.4.0*255", "2351", SM_UNIT_W);
    /* the 13-month history: (period)(time of the peak)(peak) per entry */
    const got_reading *h = want_reading(t, "0-0:98.1.0*255");
    CU_ASSERT_EQUAL_FATAL(h->r.kind, SM_RK_LIST);
    CU_ASSERT_EQUAL_FATAL(h->r.count, 3);
    static const struct {
        const char *period, *peak_time, *peak;
    } months[] = {{"2020-05-01T00:00:00+02:00", "2020-04-23T19:25:38+02:00", "3695"},
                  {"2020-04-01T00:00:00+02:00", "2020-03-05T12:21:39+02:00", "5980"},
                  {"2020-03-01T00:00:00+02:00", "2020-02-10T03:54:21+01:00", "4318"}};
    for (unsigned e = 0; e < 3; e++) {
        const got_reading *when = &t->readings[h->r.index + 1 + 2 * e];
        const got_reading *peak = when + 1;
        CU_ASSERT_EQUAL(when->r.parent, h->r.index);
        CU_ASSERT_EQUAL(peak->r.row, e);
        CU_ASSERT_STRING_EQUAL(when->capture, months[e].period);
        CU_ASSERT_EQUAL(when->r.kind, SM_RK_DATETIME);
        CU_ASSERT_STRING_EQUAL(when->dt_local, months[e].peak_time);
        char buf[32];
        sm_reading_format_value(&peak->r, buf, sizeof buf);
        CU_ASSERT_STRING_EQUAL(buf, months[e].peak);
        CU_ASSERT_EQUAL(peak->r.unit, SM_UNIT_W);
        CU_ASSERT_STRING_EQUAL(peak->obis, "1-0:1.6.0*255");
    }
    /* hex-encoded identifiers given as text; the wire text kept */
    CU_ASSERT_STRING_EQUAL(find_obis(t, "0-0:96.1.1*255")->text, "1SAG3101021605");
    CU_ASSERT_STRING_EQUAL(find_obis(t, "0-0:96.1.1*255")->wire, "3153414733313031303231363035");
    CU_ASSERT_STRING_EQUAL(find_obis(t, "0-1:96.1.1*255")->text, "7FLO2119033733");
    CU_ASSERT_STRING_EQUAL(find_obis(t, "0-2:96.1.1*255")->text, "8SAG1234567890");
    /* gas on 24.2.3, water on channel 2 */
    want_number(t, "0-1:24.2.3*255", "112.384", SM_UNIT_M3);
    CU_ASSERT_STRING_EQUAL(find_obis(t, "0-1:24.2.3*255")->capture, "2020-05-12T13:45:58+02:00");
    want_number(t, "0-2:24.2.1*255", "872.234", SM_UNIT_M3);
    want_number(t, "0-2:24.1.0*255", "7", 0);
    want_number(t, "0-0:17.0.0*255", "999900", SM_UNIT_W);
    want_number(t, "1-0:31.4.0*255", "999", SM_UNIT_A);
    want_number(t, "0-0:96.3.10*255", "1", 0);
    want_number(t, "1-0:32.7.0*255", "234.7", SM_UNIT_V);
    /* the meter's own number, not a sub-meter's */
    CU_ASSERT_STRING_EQUAL(t->meter_id, "1SAG3101021605");
    collector_free(&c);
}

static void test_se_reactive_units(void)
{
    collector c;
    const got_telegram *t = decode_fixture(&c, "se-kamstrup-omnia-p1-1.txt");
    CU_ASSERT_STRING_EQUAL(t->p1_ident, "KAM5");
    /* kVArh and kVAr, capital A: varh and var */
    want_number(t, "1-0:3.8.0*255", "916", SM_UNIT_VARH);
    want_number(t, "1-0:4.8.0*255", "2496779", SM_UNIT_VARH);
    want_number(t, "1-0:4.7.0*255", "321", SM_UNIT_VAR);
    want_number(t, "1-0:1.8.0*255", "9621983", SM_UNIT_WH);
    want_number(t, "1-0:31.7.0*255", "5.1", SM_UNIT_A);
    CU_ASSERT_STRING_EQUAL(t->readings[0].dt_local, "2024-04-07T12:28:54+02:00");
    collector_free(&c);
}

/* ---- every version and quirk ------------------------------------------------ */

/* DSMR 2.2 (Iskraemeco ME382, 9600 7E1): no CRC, gas as a profile with the
 * value on the next line, 96.1.1 hex-encoded */
static const char dsmr22[] =
    "/ISk5\\2ME382-1003\r\n\r\n"
    "0-0:96.1.1(4B414C37303035313039393638353135)\r\n"
    "1-0:1.8.1(00185.000*kWh)\r\n1-0:1.8.2(00084.000*kWh)\r\n"
    "1-0:2.8.1(00013.000*kWh)\r\n1-0:2.8.2(00019.000*kWh)\r\n"
    "0-0:96.14.0(0001)\r\n1-0:1.7.0(0000.98*kW)\r\n1-0:2.7.0(0000.00*kW)\r\n"
    "0-0:17.0.0(0999.00*kW)\r\n0-0:96.3.10(1)\r\n0-0:96.13.1()\r\n0-0:96.13.0()\r\n"
    "0-1:96.1.0(3238313031353431303034303232323131)\r\n0-1:24.1.0(03)\r\n"
    "0-1:24.3.0(090212160000)(00)(60)(1)(0-1:24.2.1)(m3)\r\n(00001.001)\r\n"
    "0-1:24.4.0(1)\r\n";

static void test_dsmr22_without_crc(void)
{
    char tel[2048];
    size_t n = smb_p1(tel, sizeof tel, dsmr22, SMB_P1_NO_CRC);
    collector c;
    const got_telegram *t = decode_one(&c, tel, n);
    CU_ASSERT_EQUAL(t->p1.frame.crc_status, SM_P1_CRC_NONE);
    CU_ASSERT_STRING_EQUAL(t->p1_ident, "ISk5\\2ME382-1003");
    CU_ASSERT_STRING_EQUAL(find_obis(t, "0-0:96.1.1*255")->text, "KAL7005109968515");
    want_number(t, "1-0:1.8.1*255", "185000", SM_UNIT_WH);
    want_number(t, "1-0:1.7.0*255", "980", SM_UNIT_W);
    /* the gas profile: 1.001 m3 captured 2009-02-12 16:00 (no S/W: no offset) */
    want_number(t, "0-1:24.3.0*255", "1.001", SM_UNIT_M3);
    CU_ASSERT_STRING_EQUAL(find_obis(t, "0-1:24.3.0*255")->capture, "2009-02-12T16:00:00");
    CU_ASSERT_EQUAL(t->p1.nnotes, 0);
    collector_free(&c);
    /* counted as accepted without a CRC */
    sm_decoder *d = malloc(sizeof *d);
    sm_decoder_init(d, SM_LINK_AUTO, collector_cb, &c);
    collector_init(&c);
    sm_decoder_feed(d, (const uint8_t *)tel, n);
    sm_decoder_feed(d, (const uint8_t *)tel, n);
    CU_ASSERT_EQUAL(sm_stats(d).p1_unchecked, 2);
    CU_ASSERT_EQUAL(sm_stats(d).ok, 2);
    free(d);
    collector_free(&c);
}

/* A DSMR 4/5 telegram built here: the simulated meter's (sim/meter_sim.c). */
static size_t dsmr5(char *out, size_t cap, smb_p1_crc mode, unsigned seed)
{
    meter_sim m;
    sim_init(&m, seed, 1700000000, 1);
    m.framing = SIM_P1;
    m.p1_crc = mode;
    return sim_telegram(&m, (uint8_t *)out, cap);
}

static void test_unpadded_crc_and_missing_crc(void)
{
    /* a telegram whose CRC is below 0x1000, written without its zeros */
    char tel[4096];
    size_t n = 0;
    unsigned seed = 1;
    for (; seed < 400; seed++) {
        n = dsmr5(tel, sizeof tel, SMB_P1_UNPADDED, seed);
        const char *bang = strrchr(tel, '!');
        if (strlen(bang) < 7) /* "!ABC\r\n" */
            break;
    }
    CU_ASSERT_FATAL(seed < 400);
    collector c;
    collector_init(&c);
    decode_text(&c, SM_LINK_AUTO, tel, n, 0);
    CU_ASSERT_EQUAL_FATAL(c.n, 1);
    ASSERT_ERR(c.t[0].err, SM_OK);
    CU_ASSERT_EQUAL(c.t[0].p1.frame.crc_status, SM_P1_CRC_UNPADDED);
    CU_ASSERT(c.t[0].p1.frame.crc < 0x1000);
    /* a wrong unpadded CRC is still caught */
    char *bang = strrchr(tel, '!');
    bang[1] = bang[1] == '1' ? '2' : '1';
    c.n = 0;
    decode_text(&c, SM_LINK_AUTO, tel, n, 0);
    CU_ASSERT_EQUAL_FATAL(c.n, 1);
    ASSERT_ERR(c.t[0].err, SM_ERR_P1_CRC);
    /* "!" alone where a DSMR 5 meter owes a CRC (Slovenian AM551s): taken,
     * said, counted */
    n = dsmr5(tel, sizeof tel, SMB_P1_NO_CRC, 3);
    c.n = 0;
    decode_text(&c, SM_LINK_AUTO, tel, n, 0);
    CU_ASSERT_EQUAL_FATAL(c.n, 1);
    ASSERT_ERR(c.t[0].err, SM_OK);
    CU_ASSERT_EQUAL(c.t[0].p1.frame.crc_status, SM_P1_CRC_NONE);
    collector_free(&c);
}

/* DSMR 4 on a 7E1 line read as 8N1: every other character has bit 7 set */
static void test_7e1_read_as_8n1(void)
{
    char tel[4096], par[4096];
    size_t n = dsmr5(tel, sizeof tel, SMB_P1_CRC, 5);
    memcpy(par, tel, n);
    smb_7e1((uint8_t *)par, n);
    size_t high = 0;
    for (size_t i = 0; i < n; i++)
        high += (uint8_t)par[i] >= 0x80;
    CU_ASSERT(high > n / 4);
    collector plain, c;
    collector_init(&plain);
    collector_init(&c);
    decode_text(&plain, SM_LINK_AUTO, tel, n, 0);
    decode_text(&c, SM_LINK_AUTO, par, n, 7);
    CU_ASSERT_EQUAL_FATAL(c.n, 1);
    ASSERT_ERR(c.t[0].err, SM_OK);
    CU_ASSERT_TRUE(c.t[0].p1.frame.parity);
    CU_ASSERT_FALSE(plain.t[0].p1.frame.parity);
    CU_ASSERT_EQUAL_FATAL(c.t[0].n, plain.t[0].n);
    for (size_t i = 0; i < c.t[0].n; i++) {
        CU_ASSERT_STRING_EQUAL(c.t[0].readings[i].wire, plain.t[0].readings[i].wire);
        CU_ASSERT_EQUAL(c.t[0].readings[i].r.value, plain.t[0].readings[i].r.value);
    }
    /* a character whose parity bit is wrong: the telegram is damaged */
    par[n / 2] ^= (char)0x80;
    c.n = 0;
    decode_text(&c, SM_LINK_AUTO, par, n, 0);
    CU_ASSERT_EQUAL_FATAL(c.n, 1);
    ASSERT_ERR(c.t[0].err, SM_ERR_P1_PARITY);
    CU_ASSERT_EQUAL(c.t[0].err_offset, n / 2);
    collector_free(&plain);
    collector_free(&c);
}

/* IEC 62056-21 mode D push (EasyMeter Q3D): *F codes, C.D codes, no CRC */
static void test_d0_push(void)
{
    static const char d0[] = "/ESY5Q3DA1004 V3.04\r\n\r\n"
                             "1-0:0.0.0*255(1ESY1160101234)\r\n"
                             "1-0:1.8.0*255(00012345.6789*kWh)\r\n"
                             "1-0:21.7.255*255(000123.45*W)\r\n"
                             "1-0:96.5.5*255(80)\r\n"
                             "0-0:96.1.255*255(1ESY1160101234)\r\n"
                             "F.F(00)\r\n"
                             "1.8.0(0001234.5*kWh)\r\n";
    char tel[1024];
    size_t n = smb_p1(tel, sizeof tel, d0, SMB_P1_NO_CRC);
    collector c;
    collector_init(&c);
    decode_text(&c, SM_LINK_P1, tel, n, 1);
    CU_ASSERT_EQUAL_FATAL(c.n, 1);
    const got_telegram *t = &c.t[0];
    ASSERT_ERR(t->err, SM_OK);
    CU_ASSERT_STRING_EQUAL(t->p1_ident, "ESY5Q3DA1004 V3.04");
    want_number(t, "1-0:1.8.0*255", "12345678.9", SM_UNIT_WH);
    want_number(t, "1-0:21.7.255*255", "123.45", SM_UNIT_W);
    want_number(t, "1-0:97.97.0*255", "0", 0); /* F.F: the error register */
    want_number(t, "1-0:1.8.0*255", "12345678.9", SM_UNIT_WH);
    CU_ASSERT_STRING_EQUAL(t->readings[t->n - 1].obis, "1-0:1.8.0*255"); /* C.D.E alone */
    CU_ASSERT_STRING_EQUAL(t->readings[0].text, "1ESY1160101234");
    CU_ASSERT_EQUAL(t->p1.nnotes, 0);
    collector_free(&c);
}

/* Lines nobody can read, placeholders, empty values: kept or skipped with
 * a counted note each, never a failed telegram; LF alone ends lines too */
static void test_quirky_lines(void)
{
    static const char body[] = "/XMX5LGBBFFB231215493\n\n"
                               "1-3:0.2.8(50)\n"
                               "0-0:1.0.0(241027025959S)\n"     /* the repeated autumn hour */
                               "this is no line\n"               /* note: line 5 */
                               "1-0:1.8.1(000123.456*kWh\n"      /* note: group, line 6 */
                               "1-0:1.8.2(000042.000*kWh)\n"
                               "0-0:96.13.0()\n"
                               "1-0:99.97.0(0)(0-0:96.7.19)\n"   /* an empty log */
                               "1-0:31.7.0(005*furlong)\n"       /* note: unit, line 10 */
                               "0-1:24.2.1(700101010000W)(00000000)\n" /* note: placeholder */
                               "1-0:52.7.0(230.1*V)(1)(2)\n"     /* note: shape, kept as text */
                               "1-0:72.7.0(231.0*V)\n"
                               "0-0:99.97.0(1)(0-0:96.7.19)(bogus)(0000000010*s)\n" /* an entry without a time */
                               "1-0:2.8.1(00012x.3*kWh)\n"      /* note: number, line 15 */
                               "0-0:96.50.68(ON)\n";            /* a word: text, no note */
    char tel[1024];
    size_t n = smb_p1(tel, sizeof tel, body, SMB_P1_CRC);
    collector c;
    const got_telegram *t = decode_one(&c, tel, n);
    CU_ASSERT_EQUAL(t->p1.nnotes, 6);
    static const struct {
        unsigned line;
        sm_p1_note_kind kind;
    } notes[] = {{5, SM_P1_NOTE_LINE},      {6, SM_P1_NOTE_GROUP},
                 {10, SM_P1_NOTE_UNIT},     {11, SM_P1_NOTE_PLACEHOLDER},
                 {12, SM_P1_NOTE_SHAPE},    {15, SM_P1_NOTE_NUMBER}};
    for (unsigned i = 0; i < 6; i++) {
        CU_ASSERT_EQUAL(t->p1.notes[i].line, notes[i].line);
        CU_ASSERT_EQUAL(t->p1.notes[i].kind, notes[i].kind);
    }
    CU_ASSERT_EQUAL(t->p1.notes[0].offset, strstr(tel, "this is") - tel);
    /* the summer-time flag decides the repeated hour: 02:59:59 CEST */
    CU_ASSERT_STRING_EQUAL(find_obis(t, "0-0:1.0.0*255")->dt_local, "2024-10-27T02:59:59+02:00");
    want_number(t, "1-0:1.8.2*255", "42000", SM_UNIT_WH);
    CU_ASSERT_PTR_NULL(find_obis(t, "1-0:1.8.1*255"));
    CU_ASSERT_PTR_NULL(find_obis(t, "0-1:24.2.1*255"));
    CU_ASSERT_EQUAL(find_obis(t, "1-0:99.97.0*255")->r.count, 0);
    CU_ASSERT_STRING_EQUAL(find_obis(t, "0-0:96.13.0*255")->wire, "");
    CU_ASSERT_EQUAL(find_obis(t, "1-0:31.7.0*255")->r.unit, SM_UNIT_OTHER);
    CU_ASSERT_STRING_EQUAL(find_obis(t, "1-0:52.7.0*255")->wire, "(230.1*V)(1)(2)");
    want_number(t, "1-0:72.7.0*255", "231", SM_UNIT_V);
    const got_reading *damaged = find_obis(t, "1-0:2.8.1*255");
    CU_ASSERT_PTR_NOT_NULL_FATAL(damaged);
    CU_ASSERT_EQUAL(damaged->r.kind, SM_RK_STRING);
    CU_ASSERT_STRING_EQUAL(damaged->wire, "00012x.3*kWh");
    CU_ASSERT_EQUAL(find_obis(t, "0-0:96.50.68*255")->r.kind, SM_RK_STRING);
    const got_reading *untimed = find_obis(t, "0-0:96.7.19*255");
    CU_ASSERT_PTR_NOT_NULL_FATAL(untimed);
    CU_ASSERT_FALSE(untimed->r.has_capture);
    CU_ASSERT_STRING_EQUAL(untimed->capture, "");
    collector_free(&c);
}

/* The line met most is read in one pass, every other line the general
 * way: both must give the same reading.  Each value once in a line of the
 * first kind ("1-0:1.8.0(v)") and once in the D0 form of the same code
 * ("1.8.0(v)"), which always goes the general way; values of every shape
 * around what the one pass takes. */
/* A DSMR 4.0 Landis+Gyr E350 sends the summer/winter flag in lower case
 * (0-1:24.2.1(150701190000s)(00845.206*m3), issue 30): read as S and W, the
 * gas value and its capture time kept, a note naming the line. */
static void test_lower_case_dst_flag(void)
{
    static const char body[] = "/XMX5LGBBFFB231215493\r\n\r\n"
                               "1-3:0.2.8(40)\r\n"
                               "0-0:1.0.0(150701193000s)\r\n"    /* line 4 */
                               "1-0:1.8.1(001234.567*kWh)\r\n"
                               "0-1:24.2.1(150701190000s)(00845.206*m3)\r\n" /* line 6 */
                               "0-1:24.3.0(151201090000w)(00845.300*m3)\r\n"; /* line 7 */
    char tel[1024];
    size_t n = smb_p1(tel, sizeof tel, body, SMB_P1_CRC);
    collector c;
    const got_telegram *t = decode_one(&c, tel, n);
    CU_ASSERT_STRING_EQUAL(find_obis(t, "0-0:1.0.0*255")->dt_local, "2015-07-01T19:30:00+02:00");
    want_number(t, "0-1:24.2.1*255", "845.206", SM_UNIT_M3);
    const got_reading *gas = want_reading(t, "0-1:24.2.1*255");
    CU_ASSERT_TRUE(gas->r.has_capture);
    CU_ASSERT_STRING_EQUAL(gas->capture, "2015-07-01T19:00:00+02:00");
    CU_ASSERT_EQUAL(t->p1.nnotes, 3);
    static const unsigned lines[] = {4, 6, 7};
    for (unsigned i = 0; i < 3 && i < t->p1.nnotes; i++) {
        CU_ASSERT_EQUAL(t->p1.notes[i].line, lines[i]);
        CU_ASSERT_EQUAL(t->p1.notes[i].kind, SM_P1_NOTE_DST_CASE);
    }
    collector_free(&c);
}

static void test_one_pass_equals_general(void)
{
    static const char *const values[] = {
        "0", "7", "000077.147*kWh", "-000012.5*kW", "-0", "-0.000*kW", "230.3*V", "021.80*A",
        "00981.443*m3", "0000000240*s", "1.5*KWH", "2*Kvarh", "123456789012345678",
        "1234567890123456789", "12345678901234567.8", "1.23456789012345678",
        "123456789.123456789*kWh", "999999999999999999*Wh", "5.", ".5", "-", "-.5", "1..2",
        "1.2.3", "5*", "5*furlong", "5*kwhkwhk", "5*KwH", "5 *kWh", "5*kWh ", "+5", "0x10",
        "12e3", "1,5*kWh", "", "230821232300S", "230821232300W", "2308212323005", "1*%",
        "7*M3", "3*GJ", "007*Hz"};
    const size_t nv = sizeof values / sizeof values[0];
    char body[8192];
    int k = snprintf(body, sizeof body, "/SIM5\\2ONE-PASS\r\n\r\n");
    for (size_t i = 0; i < nv; i++)
        k += snprintf(body + k, sizeof body - (size_t)k, "1-0:1.8.0(%s)\r\n1.8.0(%s)\r\n",
                      values[i], values[i]);
    char tel[9000];
    size_t n = smb_p1(tel, sizeof tel, body, SMB_P1_CRC);
    collector c;
    const got_telegram *t = decode_one(&c, tel, n);
    CU_ASSERT_EQUAL_FATAL(t->n, 2 * nv);
    unsigned differ = 0;
    for (size_t i = 0; i < nv; i++) {
        const got_reading *a = &t->readings[2 * i], *b = &t->readings[2 * i + 1];
        char va[48], vb[48];
        sm_reading_format_value(&a->r, va, sizeof va);
        sm_reading_format_value(&b->r, vb, sizeof vb);
        bool same = a->r.kind == b->r.kind && a->r.type == b->r.type &&
                    a->r.raw_i == b->r.raw_i && a->r.scaler == b->r.scaler &&
                    a->r.unit == b->r.unit && a->r.scaler_source == b->r.scaler_source &&
                    (a->r.value == b->r.value || a->r.kind != SM_RK_NUMBER) &&
                    strcmp(va, vb) == 0 && strcmp(a->text, b->text) == 0 &&
                    strcmp(a->wire, b->wire) == 0 && strcmp(a->obis, b->obis) == 0 &&
                    a->r.has_capture == b->r.has_capture;
        if (!same)
            fprintf(stderr, "\n    (%s): kind %d/%d value %s/%s unit %u/%u\n", values[i],
                    a->r.kind, b->r.kind, va, vb, a->r.unit, b->r.unit);
        differ += !same;
    }
    CU_ASSERT_EQUAL(differ, 0);
    /* the notes come in pairs too: each unit not known, on both lines */
    CU_ASSERT_EQUAL(t->p1.nnotes % 2, 0);
    for (unsigned i = 0; i + 1 < t->p1.nnotes && i + 1 < SM_P1_MAX_NOTES; i += 2) {
        CU_ASSERT_EQUAL(t->p1.notes[i].kind, t->p1.notes[i + 1].kind);
        CU_ASSERT_EQUAL(t->p1.notes[i].line + 1, t->p1.notes[i + 1].line);
    }
    /* and what the one pass gives is right, not only the same */
    want_number(t, "1-0:1.8.0*255", "0", 0);
    CU_ASSERT_EQUAL(t->readings[4].r.raw_i, 77147); /* value i: readings 2i and 2i + 1 */
    CU_ASSERT_EQUAL(t->readings[4].r.scaler, 0);
    CU_ASSERT_EQUAL(t->readings[4].r.unit, SM_UNIT_WH);
    CU_ASSERT_EQUAL(t->readings[6].r.raw_i, -125);
    CU_ASSERT_EQUAL(t->readings[6].r.scaler, 2);
    CU_ASSERT_EQUAL(t->readings[6].r.unit, SM_UNIT_W);
    CU_ASSERT_EQUAL(t->readings[12].r.raw_i, 2303);
    CU_ASSERT_EQUAL(t->readings[12].r.scaler, -1);
    CU_ASSERT_EQUAL(t->readings[12].r.unit, SM_UNIT_V);
    CU_ASSERT_EQUAL(t->readings[24].r.raw_i, 123456789012345678);
    CU_ASSERT_EQUAL(t->readings[26].r.kind, SM_RK_STRING); /* 19 digits: text */
    CU_ASSERT_EQUAL(t->readings[36].r.kind, SM_RK_STRING); /* "5." */
    CU_ASSERT_EQUAL(t->readings[50].r.unit, SM_UNIT_OTHER); /* "5*furlong" */
    collector_free(&c);
}

/* The memo of what a meter repeats changes no reading: telegrams whose
 * lines are, at each place, one of codes that begin alike and differ in
 * one character (a digit more, "*255", a letter group, D0's form, a space,
 * no code), with units that differ in a character, in case, in length or
 * are not known, are read in
 * a row with one memo (each left by the telegrams before it, of other
 * lines) and each alone without one: the same readings, notes and lines. */
static char memo_tel[SM_P1_MAX];
static uint8_t memo_scratch[SM_P1_MAX / 2];
static sm_reading memo_ra[SM_MAX_READINGS], memo_rb[SM_MAX_READINGS];

/* The telegram text[0..n) read with and without the memo: the same? */
static bool same_with_memo(size_t n, sm_p1_memo *memo, unsigned round, size_t *total)
{
    sm_reading_set a = {memo_ra, SM_MAX_READINGS, 0, NULL, false};
    sm_reading_set b = {memo_rb, SM_MAX_READINGS, 0, NULL, false};
    sm_p1_info ia, ib;
    sm_err ea = sm_p1_parse_text(SM_CUR_OVER(memo_tel, n), &ia, &a, memo_scratch,
                                 sizeof memo_scratch, memo);
    sm_err eb = sm_p1_parse_text(SM_CUR_OVER(memo_tel, n), &ib, &b, memo_scratch,
                                 sizeof memo_scratch, NULL);
    *total += a.n;
    bool same = ea == SM_OK && eb == SM_OK && a.n == b.n && ia.lines == ib.lines &&
                ia.nnotes == ib.nnotes &&
                memcmp(ia.notes, ib.notes,
                       sizeof ia.notes[0] *
                           (ia.nnotes < SM_P1_MAX_NOTES ? ia.nnotes : SM_P1_MAX_NOTES)) == 0;
    for (size_t i = 0; same && i < a.n; i++)
        same = same_reading(&memo_ra[i], &memo_rb[i]);
    if (!same)
        fprintf(stderr, "\n    round %u: with the memo %zu readings (%s), without %zu (%s)\n",
                round, a.n, sm_errname(ea), b.n, sm_errname(eb));
    return same;
}

static void test_memo_changes_nothing(void)
{
    static const char *const lines[] = {
        "1-0:1.8.0(000077.147*kWh)", "1-0:1.8.0(5*kW)", "1-0:1.8.0(6*kWh)", "1-0:1.8.0(7*KWh)",
        "1-0:1.8.0(8*kWhk)", "1-0:1.8.0(9*kWh", "1-0:1.8.0*255(000077.147*kWh)", "1-0:1.8.1(5*kWh)",
        "1-0:1.8.10(5*kWh)", "1-0:11.8.0(5*KWH)", "1.8.0(5*kWh)", "1-0:1.8.0(5*kW)",
        "1-0:1.8.0(5*furlong)", "1-0:1.8.0 (5*kWh)", "1-0:1.8.0)(5)", "1-0:1.8.C(5*V)",
        "1-0:1.8.0(5)(6)", "1-0:1.8.0(230821232300S)(00981.443*m3)", "0-1:24.2.1(230821232300S)(00981.443*m3)",
        "0-1:24.2.1(230821232300W)(00981.443*M3)", "0-0:96.1.1(314B464D30323030303134313936)",
        "0-0:96.1.1(31)", "0-0:96.13.0()", "1-0:99.97.0(1)(0-0:96.7.19)(230820232300S)(0000000240*s)",
        "1-0:99.97.0(0)(0-0:96.7.19)", "1-0:32.7.0(230.3*V)", "1-0:32.7.00(230.3*V)",
        "1-0:32.7.0(230.3*v)", "1-0:32.7.0*1(230.3*V)", "1-0:32.7.0", "X-0:32.7.0(1*V)",
        "1-0:1.8.0(-1.5*kWh)", "1-0:1.8.0(1234567890123456789)", "(00981.443)",
        "1-0:96.1.1(5*kWh)", "0-0:1.0.0(230821232300S)", "0-0:1.0.0(230821232300)",
        "1-0:255.255.255(1)", "1-0:256.1.1(1)", "0-0:96.7.21(00004)", "0-0:96.7.9(00002)"};
    const size_t nl = sizeof lines / sizeof lines[0];
    static sm_p1_memo memo; /* zeroed: empty */
    uint32_t seed = 12345;
    unsigned differ = 0, memo_lines = 0;
    size_t total = 0;
    for (unsigned round = 0; round < 400; round++) {
        char body[4096];
        int k = snprintf(body, sizeof body, "/SIM5\\2MEMO\r\n\r\n");
        /* the first rounds: lines in order, so that each place meets
         * codes that begin alike; then at random */
        unsigned nlines = round < 40 ? 50 : 1 + round % 60;
        for (unsigned i = 0; i < nlines && k < 3800; i++) {
            seed = seed * 1103515245u + 12345u;
            size_t which = round < 40 ? (i + round) % nl : (seed >> 16) % nl;
            k += snprintf(body + k, sizeof body - (size_t)k, "%s\r\n", lines[which]);
        }
        size_t n = smb_p1(memo_tel, sizeof memo_tel, body, SMB_P1_CRC);
        CU_ASSERT_FATAL(n > 0);
        differ += !same_with_memo(n, &memo, round, &total);
    }
    for (unsigned i = 0; i < SM_P1_MEMO_LINES; i++)
        memo_lines += memo.line[i].len > 0;
    CU_ASSERT_EQUAL(differ, 0);
    CU_ASSERT(total > 5000);
#if SM_FAST_PATHS
    /* and the memo was used: it holds codes */
    CU_ASSERT(memo_lines > 40);
#else
    CU_ASSERT_EQUAL(memo_lines, 0); /* the plain code keeps no memo */
#endif
}

/* a reading through the memo is right, not only the same: a line the memo
 * holds "1-0:1.8.0(" for, read as "1-0:1.8.0*255(" and back */
static void test_memo_readings_right(void)
{
    static sm_p1_memo memo;
    sm_reading *ra = memo_ra;
    const char *const two[] = {"1-0:1.8.0(000077.147*kWh)\r\n", "1-0:1.8.0*255(1.5*kWh)\r\n",
                               "1-0:1.8.00(2*kWh)\r\n", "1-0:1.8.0(3*kWh)\r\n"};
    const int64_t want_raw[] = {77147, 15, 2, 3}; /* "1.8.00": E written with two digits */
    for (unsigned i = 0; i < 4; i++) {
        char body[256];
        snprintf(body, sizeof body, "/SIM5\\2MEMO\r\n\r\n%s1-0:32.7.0(230.3*V)\r\n", two[i]);
        size_t n = smb_p1(memo_tel, sizeof memo_tel, body, SMB_P1_CRC);
        sm_reading_set a = {ra, SM_MAX_READINGS, 0, NULL, false};
        sm_p1_info ia;
        ASSERT_ERR(sm_p1_parse_text(SM_CUR_OVER(memo_tel, n), &ia, &a, memo_scratch,
                                    sizeof memo_scratch, &memo),
                   SM_OK);
        CU_ASSERT_EQUAL_FATAL(a.n, 2);
        CU_ASSERT_EQUAL(ra[0].obis.c, 1);
        CU_ASSERT_EQUAL(ra[0].obis.d, 8);
        CU_ASSERT_EQUAL(ra[0].obis.e, 0);
        CU_ASSERT_EQUAL(ra[0].obis.f, 255);
        CU_ASSERT_EQUAL(ra[0].raw_i, want_raw[i]);
        CU_ASSERT_EQUAL(ra[0].unit, SM_UNIT_WH);
        CU_ASSERT_PTR_NOT_NULL(ra[0].info);
        CU_ASSERT_EQUAL(ra[1].raw_i, 2303);
        CU_ASSERT_EQUAL(ra[1].unit, SM_UNIT_V);
    }
}

/* A billing snapshot in the profile form of the Hungarian P1 port: two
 * entries of twelve registers each (synthetic, in the published form) */
static void test_billing_snapshot(void)
{
    char body[2048];
    int k = snprintf(body, sizeof body, "/SIM5\\2HU-BILLING\r\n\r\n0-0:98.1.0(2)");
    static const char *const codes[12] = {"1-0:1.8.0", "1-0:1.8.1", "1-0:1.8.2", "1-0:1.8.3",
                                          "1-0:1.8.4", "1-0:2.8.0", "1-0:2.8.1", "1-0:2.8.2",
                                          "1-0:2.8.3", "1-0:2.8.4", "1-0:3.8.0", "1-0:4.8.0"};
    for (int i = 0; i < 12; i++)
        k += snprintf(body + k, sizeof body - (size_t)k, "(%s)", codes[i]);
    static const char *const months[2] = {"241101000000W", "241001000000S"};
    for (int e = 0; e < 2; e++) {
        k += snprintf(body + k, sizeof body - (size_t)k, "(%s)", months[e]);
        for (int i = 0; i < 12; i++)
            k += snprintf(body + k, sizeof body - (size_t)k, "(%06d.%03d*kWh)", 100 * e + i, i);
    }
    snprintf(body + k, sizeof body - (size_t)k, "\r\n1-0:1.8.0(000500.000*kWh)\r\n");
    char tel[2200];
    size_t n = smb_p1(tel, sizeof tel, body, SMB_P1_CRC);
    collector c;
    const got_telegram *t = decode_one(&c, tel, n);
    CU_ASSERT_EQUAL(t->p1.nnotes, 0);
    CU_ASSERT_EQUAL_FATAL(t->n, 1 + 24 + 1);
    CU_ASSERT_EQUAL(t->readings[0].r.kind, SM_RK_LIST);
    CU_ASSERT_EQUAL(t->readings[0].r.count, 2);
    /* entry 2, register 1-0:2.8.2: 107.007 kWh at the October period */
    const got_reading *g = &t->readings[1 + 12 + 7];
    CU_ASSERT_STRING_EQUAL(g->obis, "1-0:2.8.2*255");
    CU_ASSERT_EQUAL(g->r.row, 1);
    CU_ASSERT_STRING_EQUAL(g->capture, "2024-10-01T00:00:00+02:00");
    char buf[32];
    sm_reading_format_value(&g->r, buf, sizeof buf);
    CU_ASSERT_STRING_EQUAL(buf, "107007");
    /* the snapshot's registers are entries, not the meter's current one */
    CU_ASSERT_STRING_EQUAL(t->readings[25].obis, "1-0:1.8.0*255");
    CU_ASSERT_EQUAL(t->readings[25].r.parent, SM_NO_NODE);
    collector_free(&c);
}

/* ---- the adversary ------------------------------------------------------------- */

static bool same_readings(const got_telegram *a, const got_telegram *b)
{
    if (a->n != b->n || a->err != b->err)
        return false;
    for (size_t i = 0; i < a->n; i++)
        if (strcmp(a->readings[i].wire, b->readings[i].wire) != 0 ||
            strcmp(a->readings[i].obis, b->readings[i].obis) != 0 ||
            a->readings[i].r.value != b->readings[i].r.value)
            return false;
    return true;
}

/* Every prefix: nothing but "cut short" (or the whole telegram once its
 * CRC, or its data block's ETX and BCC, has arrived); whole = byte by byte
 * = split at every position. */
static void prefixes_and_splits(const char *name)
{
    size_t n;
    char *text = load(name, &n);
    /* "!" CRC CR LF and "!" CR LF ETX BCC both end 5 bytes after the "!" */
    size_t end = (size_t)(strrchr(text, '!') - text) + 5;
    size_t ident_end = (size_t)(strchr(text, '\n') - text) + 1;
    collector whole, c;
    collector_init(&whole);
    collector_init(&c);
    decode_text(&whole, SM_LINK_AUTO, text, n, 0);
    CU_ASSERT_EQUAL_FATAL(whole.n, 1);
    unsigned bad = 0;
    for (size_t k = 0; k < n; k++) {
        c.n = 0;
        decode_text(&c, SM_LINK_AUTO, text, k, 0);
        if (k >= end)
            bad += !(c.n == 1 && same_readings(&c.t[0], &whole.t[0]));
        else if (k >= ident_end) /* past the identification line: reported as cut short */
            bad += !(c.n == 1 && c.t[0].err == SM_ERR_INCOMPLETE);
        else
            bad += c.n > 1 || (c.n == 1 && c.t[0].err == SM_OK);
    }
    CU_ASSERT_EQUAL(bad, 0);
    for (size_t chunk = 1; chunk < 64; chunk += 5) {
        c.n = 0;
        decode_text(&c, SM_LINK_AUTO, text, n, chunk);
        CU_ASSERT_TRUE(c.n == 1 && same_readings(&c.t[0], &whole.t[0]));
    }
    /* split in two at every position */
    bad = 0;
    for (size_t k = 1; k < n; k++) {
        sm_decoder *d = malloc(sizeof *d);
        c.n = 0;
        sm_decoder_init(d, SM_LINK_AUTO, collector_cb, &c);
        sm_decoder_feed(d, (const uint8_t *)text, k);
        sm_decoder_feed(d, (const uint8_t *)text + k, n - k);
        sm_decoder_finish(d);
        bad += !(c.n == 1 && same_readings(&c.t[0], &whole.t[0]));
        free(d);
    }
    CU_ASSERT_EQUAL(bad, 0);
    free(text);
    collector_free(&whole);
    collector_free(&c);
}

static void test_prefixes_and_splits(void)
{
    prefixes_and_splits("be-fluvius-emucs171-1.txt");
    prefixes_and_splits("iec-data-block-synthetic.txt");
}

/* Every bit of every byte of the telegram in text flipped, with a good copy
 * before it and after it: the check (CRC or BCC) or the character rules
 * catch it, or the readings are unchanged (a flip in the CR LF after the
 * CRC, in the identification line); the copies around it always decode. */
static void flip_every_bit(const char *text, size_t n, unsigned *wrong, unsigned *lost)
{
    collector whole, c;
    collector_init(&whole);
    collector_init(&c);
    decode_text(&whole, SM_LINK_AUTO, text, n, 0);
    char *buf = malloc(3 * n);
    *wrong = *lost = 0;
    for (size_t i = 0; i < n; i += every_step())
        for (int b = 0; b < 8; b++) {
            memcpy(buf, text, n);
            memcpy(buf + n, text, n);
            memcpy(buf + 2 * n, text, n);
            buf[n + i] ^= (char)(1 << b);
            c.n = 0;
            decode_text(&c, SM_LINK_AUTO, buf, 3 * n, 0);
            for (size_t k = 0; k < c.n; k++)
                if (c.t[k].err == SM_OK)
                    *wrong += !same_readings(&c.t[k], &whole.t[0]);
            *lost += c.n < 2 || c.t[0].err != SM_OK || c.t[c.n - 1].err != SM_OK;
        }
    free(buf);
    collector_free(&whole);
    collector_free(&c);
}

static void test_every_flipped_bit(void)
{
    size_t n;
    char *text = load("nl-kaifa-dsmr42-1.txt", &n);
    unsigned wrong, lost;
    flip_every_bit(text, n, &wrong, &lost);
    CU_ASSERT_EQUAL(wrong, 0);
    CU_ASSERT_EQUAL(lost, 0);
    collector c;
    collector_init(&c);
    char *buf = malloc(2 * n);
    /* the first telegram of a line cannot know that its meter sends a CRC:
     * a ")" damaged into "!" ends it early, unchecked, but flagged */
    memcpy(buf, text, n);
    *strchr(buf, ')') = '!';
    c.n = 0;
    decode_text(&c, SM_LINK_AUTO, buf, n, 0);
    CU_ASSERT_TRUE(c.n >= 1 && c.t[0].err == SM_OK &&
                   c.t[0].p1.frame.crc_status == SM_P1_CRC_NONE && c.t[0].n == 0);
    /* after one with a CRC, it is an error */
    memcpy(buf, text, n);
    memcpy(buf + n, text, n);
    *strchr(buf + n, ')') = '!';
    c.n = 0;
    decode_text(&c, SM_LINK_AUTO, buf, 2 * n, 0);
    CU_ASSERT_TRUE(c.n == 2 && c.t[0].err == SM_OK && c.t[1].err == SM_ERR_P1_NO_CRC);
    free(buf);
    free(text);
    collector_free(&c);
}

/* IEC 62056-21's data message: STX, the lines, "!" CR LF ETX BCC (mode C
 * readouts, and the meters that push it in place of DSMR's form). */
static void test_iec_data_block(void)
{
    collector c;
    const got_telegram *t = decode_fixture(&c, "iec-data-block-synthetic.txt");
    CU_ASSERT_EQUAL(t->p1.frame.crc_status, SM_P1_CRC_BCC);
    CU_ASSERT_EQUAL(t->p1.frame.crc, 0x35);
    CU_ASSERT_FALSE(t->p1.frame.parity);
    CU_ASSERT_EQUAL(t->p1.nnotes, 0);
    CU_ASSERT_EQUAL(t->n, 15);
    CU_ASSERT_STRING_EQUAL(want_reading(t, "0-0:96.1.0*255")->wire, "72432595");
    want_number(t, "1-0:1.8.1*255", "1234329", SM_UNIT_WH);
    want_number(t, "1-0:1.8.1*101", "1201007", SM_UNIT_WH); /* a billing period ago */
    want_number(t, "1-0:1.8.2*255", "567000", SM_UNIT_WH);
    want_number(t, "1-0:2.8.1*255", "501", SM_UNIT_WH);
    want_number(t, "1-0:1.7.0*255", "1482", SM_UNIT_W);
    want_number(t, "1-0:32.7.0*255", "231.2", SM_UNIT_V);
    want_number(t, "1-0:72.7.0*255", "232", SM_UNIT_V);
    want_number(t, "1-0:71.7.0*255", "2.44", SM_UNIT_A);
    want_number(t, "0-0:96.14.0*255", "1", 0);
    collector_free(&c);
}

/* The data block as a 7E1 line read with eight data bits, damaged, cut */
static void test_iec_data_block_damage(void)
{
    collector c;
    const got_telegram *t;
    size_t n;
    char *text = load("iec-data-block-synthetic.txt", &n);
    /* the same as a 7E1 line read with eight data bits: the BCC too */
    uint8_t *seven = malloc(n);
    memcpy(seven, text, n);
    smb_7e1(seven, n);
    t = decode_one(&c, (const char *)seven, n);
    CU_ASSERT_TRUE(t->p1.frame.parity && t->p1.frame.crc_status == SM_P1_CRC_BCC && t->n == 15);
    want_number(t, "1-0:1.8.1*101", "1201007", SM_UNIT_WH);
    collector_free(&c);
    free(seven);

    /* every flipped bit: the BCC (or the character rules) catch it */
    unsigned wrong, lost;
    flip_every_bit(text, n, &wrong, &lost);
    CU_ASSERT_EQUAL(wrong, 0);
    CU_ASSERT_EQUAL(lost, 0);

    char *buf = malloc(2 * n);
    collector_init(&c);
    /* a wrong BCC: named there, the next telegram found */
    memcpy(buf, text, n);
    buf[n - 1] ^= 0x01;
    memcpy(buf + n, text, n);
    decode_text(&c, SM_LINK_AUTO, buf, 2 * n, 0);
    CU_ASSERT_EQUAL_FATAL(c.n, 2);
    ASSERT_ERR(c.t[0].err, SM_ERR_P1_BCC);
    CU_ASSERT_EQUAL(c.t[0].err_offset, n - 1);
    ASSERT_ERR(c.t[1].err, SM_OK);
    /* the next telegram right after "!" CR LF, or after "!": the block is
     * cut short, the next one is found whole (its "/" is not taken) */
    size_t bang = (size_t)(strrchr(text, '!') - text);
    for (size_t cut = bang + 1; cut <= bang + 3; cut += 2) {
        memcpy(buf, text, cut);
        memcpy(buf + cut, text, n);
        c.n = 0;
        decode_text(&c, SM_LINK_AUTO, buf, cut + n, 0);
        CU_ASSERT_EQUAL_FATAL(c.n, 2);
        ASSERT_ERR(c.t[0].err, SM_ERR_P1_CUT);
        CU_ASSERT_EQUAL(c.t[0].err_offset, cut);
        ASSERT_ERR(c.t[1].err, SM_OK);
        CU_ASSERT_EQUAL(c.t[1].n, 15);
    }
    collector_free(&c);
    free(buf);
    free(text);
}

/* Where STX may open the data block, and where not */
static void test_iec_data_block_stx(void)
{
    collector c;
    const got_telegram *t;
    /* the STX after the empty line, a line nobody can read: its note names
     * its line as the text has it */
    char tel[256];
    size_t k = smb_p1(tel, sizeof tel,
                      "/ABC5x\r\n\r\n1-0:1.8.0(000077.147*kWh)\r\njunk\r\n", SMB_P1_BCC);
    CU_ASSERT_EQUAL_FATAL(tel[10], 0x02);
    t = decode_one(&c, tel, k);
    CU_ASSERT_EQUAL(t->p1.frame.crc_status, SM_P1_CRC_BCC);
    want_number(t, "1-0:1.8.0*255", "77147", SM_UNIT_WH);
    CU_ASSERT_EQUAL_FATAL(t->p1.nnotes, 1);
    CU_ASSERT_EQUAL(t->p1.notes[0].line, 4);
    CU_ASSERT_EQUAL(t->p1.notes[0].kind, SM_P1_NOTE_LINE);
    collector_free(&c);
    /* an STX that opens no block (after a data line) is not allowed */
    static const char inside[] = "/ABC5x\r\n\r\n1-0:1.8.0(1*kWh)\r\n\x02"
                                 "1-0:2.8.0(2*kWh)\r\n!\r\n\x03";
    memcpy(tel, inside, sizeof inside - 1);
    tel[sizeof inside - 1] = 'x'; /* a BCC, never looked at */
    collector_init(&c);
    decode_text(&c, SM_LINK_AUTO, tel, sizeof inside, 0);
    CU_ASSERT_TRUE_FATAL(c.n >= 1);
    ASSERT_ERR(c.t[0].err, SM_ERR_P1_CHAR);
    CU_ASSERT_EQUAL(c.t[0].err_offset, strchr(inside, 0x02) - inside);
    collector_free(&c);
}

/* Garbage between telegrams, a telegram longer than any, a "/" inside
 * one, random text: every good telegram is found, every bad one named. */
static void test_garbage_oversize_cut(void)
{
    size_t n;
    char *text = load("se-kamstrup-omnia-p1-1.txt", &n);
    size_t cap = 3 * n + 2 * SM_P1_MAX + 4096, k = 0;
    char *s = malloc(cap);
    uint64_t rng = 77;
    /* binary garbage (no '/') */
    for (int i = 0; i < 300; i++) {
        rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
        char ch = (char)(rng >> 24);
        s[k++] = ch == '/' || ch == (char)0xAF ? 'x' : ch;
    }
    size_t garbage = k;
    memcpy(s + k, text, n), k += n;
    /* a telegram whose one line is longer than any telegram may be */
    size_t big_at = k;
    k += (size_t)snprintf(s + k, cap - k, "/ABC5big\r\n\r\n1-0:1.8.0(");
    memset(s + k, '7', SM_P1_MAX), k += SM_P1_MAX;
    k += (size_t)snprintf(s + k, cap - k, "*kWh)\r\n!0000\r\n");
    size_t big_len = k - big_at;
    memcpy(s + k, text, n), k += n;
    /* one cut short by the next one's "/" */
    size_t cut_at = k;
    memcpy(s + k, text, n / 2), k += n / 2;
    memcpy(s + k, text, n), k += n;
    collector c;
    collector_init(&c);
    decode_text(&c, SM_LINK_AUTO, s, k, 0);
    CU_ASSERT_EQUAL_FATAL(c.n, 5);
    ASSERT_ERR(c.t[0].err, SM_OK);
    CU_ASSERT_EQUAL(c.t[0].offset, garbage);
    ASSERT_ERR(c.t[1].err, SM_ERR_OVERSIZE);
    CU_ASSERT_EQUAL(c.t[1].offset, big_at);
    ASSERT_ERR(c.t[2].err, SM_OK);
    ASSERT_ERR(c.t[3].err, SM_ERR_P1_CUT);
    CU_ASSERT_EQUAL(c.t[3].offset, cut_at);
    CU_ASSERT_EQUAL(c.t[3].err_offset, cut_at + n / 2);
    ASSERT_ERR(c.t[4].err, SM_OK);
    /* the garbage counted, nothing of the telegrams */
    sm_decoder *d = malloc(sizeof *d);
    sm_decoder_init(d, SM_LINK_AUTO, collector_cb, &c);
    c.n = 0;
    sm_decoder_feed(d, (const uint8_t *)s, k);
    sm_decoder_finish(d);
    /* (what came after the oversize telegram's first SM_P1_MAX bytes, up to
     * its "!" CRC, is its own: reported with it, not skipped) */
    CU_ASSERT(big_len > SM_P1_MAX);
    CU_ASSERT_EQUAL(sm_stats(d).bytes_discarded, garbage);
    free(d);
    free(s);
    free(text);
    collector_free(&c);
}

/* 10 MB of random printable text and line ends, with "/" and header-like
 * runs: it ends, no telegram is taken for good, memory stays the decoder's.
 * (Under valgrind, 10 MB / every_step().) */
static void test_random_text(void)
{
    size_t n = (10u << 20) / every_step();
    char *s = malloc(n);
    uint64_t rng = 4242;
    static const char *const bits[] = {"/ABC5x\r\n", "\r\n", "!", "(", ")", "1-0:1.8.0",
                                       "*kWh", "/"};
    size_t k = 0;
    while (k < n) {
        rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
        unsigned r = (unsigned)(rng >> 40);
        if (r % 16 == 0) {
            const char *b = bits[(r >> 4) % 8];
            size_t l = strlen(b);
            if (k + l > n)
                break;
            memcpy(s + k, b, l);
            k += l;
        } else {
            s[k++] = (char)(0x20 + (r >> 8) % 95);
        }
    }
    n = k; /* a last piece that did not fit is left out */
    collector c;
    collector_init(&c);
    sm_decoder *d = malloc(sizeof *d);
    sm_decoder_init(d, SM_LINK_AUTO, collector_cb, &c);
    for (size_t at = 0; at < n; at += 4096) {
        c.n = 0; /* keep the collector from filling: only errors are expected */
        sm_decoder_feed(d, (const uint8_t *)s + at, n - at < 4096 ? n - at : 4096);
    }
    sm_decoder_finish(d);
    /* text can be a telegram without a CRC ("/ABC5x" CR LF ... "!" CR LF):
     * nothing else passes */
    sm_decoder_stats st = sm_stats(d);
    CU_ASSERT_EQUAL(st.ok, st.p1_unchecked);
    CU_ASSERT(st.bytes_in == n);
    free(d);
    free(s);
    collector_free(&c);
}

/* P1 beside M-Bus and HDLC on one line, detected by itself */
static void test_beside_binary_links(void)
{
    uint8_t s[8192];
    size_t k = 0;
    char p1[4096];
    meter_sim m;
    sim_init(&m, 9, 1700000000, 1);
    m.framing = SIM_MBUS;
    size_t n = dsmr5(p1, sizeof p1, SMB_P1_CRC, 1);
    memcpy(s + k, p1, n), k += n;
    k += sim_telegram(&m, s + k, sizeof s - k);
    memcpy(s + k, p1, n);
    smb_7e1(s + k, n), k += n;
    m.framing = SIM_HDLC;
    k += sim_telegram(&m, s + k, sizeof s - k);
    memcpy(s + k, p1, n), k += n;
    collector c;
    collector_init(&c);
    decode_bytes(&c, SM_LINK_AUTO, TEST_EK, 16, NULL, 0, true, s, k, 3);
    CU_ASSERT_EQUAL_FATAL(c.n, 5);
    static const sm_link links[] = {SM_LINK_P1, SM_LINK_MBUS, SM_LINK_P1, SM_LINK_HDLC,
                                    SM_LINK_P1};
    for (unsigned i = 0; i < 5; i++) {
        ASSERT_ERR(c.t[i].err, SM_OK);
        CU_ASSERT_EQUAL(c.t[i].link, links[i]);
    }
    CU_ASSERT_TRUE(c.t[2].p1.frame.parity);
    /* forced P1: the binary frames are garbage */
    c.n = 0;
    decode_bytes(&c, SM_LINK_P1, TEST_EK, 16, NULL, 0, true, s, k, 0);
    CU_ASSERT_EQUAL(c.n, 3);
    collector_free(&c);
}

static const test_case p1_cases[] = {
    {"NL DSMR 4.2: the power failure log and the gas meter", test_nl_failure_log_and_gas},
    {"DSMR 4.0 E350: a lower-case s/w flag read, with a note", test_lower_case_dst_flag},
    {"BE e-MUCS: capacity tariff, peak history, sub-meters", test_be_capacity_tariff},
    {"SE Kamstrup: kVArh and kVAr", test_se_reactive_units},
    {"DSMR 2.2: no CRC, the gas profile on two lines", test_dsmr22_without_crc},
    {"an unpadded CRC, a missing one", test_unpadded_crc_and_missing_crc},
    {"7E1 read as 8N1", test_7e1_read_as_8n1},
    {"D0 push (IEC 62056-21 mode D)", test_d0_push},
    {"lines nobody can read: counted notes", test_quirky_lines},
    {"a billing snapshot of twelve registers", test_billing_snapshot},
    {"every prefix, every split", test_prefixes_and_splits},
    {"every flipped bit", test_every_flipped_bit},
    {"IEC 62056-21 data block: STX, ETX, BCC", test_iec_data_block},
    {"the data block damaged, cut and read with parity bits", test_iec_data_block_damage},
    {"where an STX opens the data block", test_iec_data_block_stx},
    {"garbage, oversize, a telegram cut by the next", test_garbage_oversize_cut},
    {"10 MB of random text", test_random_text},
    {"the one-pass line gives what the general way gives", test_one_pass_equals_general},
    {"beside M-Bus and HDLC on one line", test_beside_binary_links},
    {"the memo of what a meter repeats changes no reading", test_memo_changes_nothing},
    {"a reading through the memo is right", test_memo_readings_right},
    {NULL, NULL}};
const test_suite suite_p1 = {"P1 text telegrams", p1_cases};
