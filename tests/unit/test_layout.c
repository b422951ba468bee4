/* test_layout.c - payload layouts not covered by the vector files:
 * general-block-transfer with a capture-object list (a real Swiss capture),
 * captured scaler_unit attributes, DSMR P1 text inside the ciphering,
 * degenerate bodies. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sm_crc.h"
#include "test_util.h"

static void test_gbt_capture_list(void)
{
    size_t tlen;
    char *text = fixture_read("captures/lg-e450-ch-gbt.hex", &tlen);
    CU_ASSERT_PTR_NOT_NULL_FATAL(text);
    static uint8_t buf[2048];
    size_t n = hex_decode(text, buf, sizeof buf);
    free(text);
    CU_ASSERT_FATAL(n != (size_t)-1);
    for (size_t chunk = 0; chunk < 3; chunk++) {
        collector c;
        collector_init(&c);
        decode_bytes(&c, SM_LINK_AUTO, NULL, 0, NULL, 0, true, buf, n, chunk);
        CU_ASSERT_EQUAL_FATAL(c.n, 1);
        got_telegram *t = &c.t[0];
        ASSERT_ERR(t->err, SM_OK);
        CU_ASSERT_EQUAL(t->gbt_blocks, 3);
        CU_ASSERT_STRING_EQUAL(t->layout, "capture-object-list");
        CU_ASSERT_EQUAL_FATAL(t->n, 13);
        const got_reading *r;
        CU_ASSERT_PTR_NOT_NULL_FATAL(r = find_obis(t, "0-0:96.1.0*255"));
        CU_ASSERT_STRING_EQUAL(r->text, "63326413");
        CU_ASSERT_PTR_NOT_NULL_FATAL(r = find_obis(t, "1-0:1.7.0*255"));
        CU_ASSERT_EQUAL(r->r.value, 362);
        CU_ASSERT_EQUAL(r->r.unit, SM_UNIT_W);
        CU_ASSERT_PTR_NOT_NULL_FATAL(r = find_obis(t, "1-1:1.8.0*255"));
        CU_ASSERT_EQUAL(r->r.value, 2302502);
        CU_ASSERT_EQUAL(r->r.unit, SM_UNIT_WH);
        CU_ASSERT_PTR_NOT_NULL_FATAL(r = find_obis(t, "1-1:8.8.0*255"));
        CU_ASSERT_EQUAL(r->r.value, 706216);
        CU_ASSERT_PTR_NOT_NULL_FATAL(r = find_obis(t, "1-0:51.7.0*255"));
        CU_ASSERT_DOUBLE_EQUAL(r->r.value, 1.05, 1e-12);
        CU_ASSERT_EQUAL(r->r.scaler, -2);
        CU_ASSERT_EQUAL(r->r.scaler_source, SM_SCALER_IMPLIED);
        char dt[64];
        sm_datetime_iso_local(&t->dt, dt, sizeof dt);
        CU_ASSERT_STRING_EQUAL(dt, "2024-02-29T22:48:50");
        collector_free(&c);
    }
    /* a block lost: the telegram is reported once, the next one decodes */
    size_t f1 = 0x84 + 2, f2 = 0x7D + 2;
    static uint8_t lost[4096];
    memcpy(lost, buf, f1);
    memcpy(lost + f1, buf + f1 + f2, n - f1 - f2);
    memcpy(lost + n - f2, buf, n);
    collector c;
    collector_init(&c);
    decode_bytes(&c, SM_LINK_AUTO, NULL, 0, NULL, 0, true, lost, 2 * n - f2, 0);
    CU_ASSERT_EQUAL_FATAL(c.n, 2);
    ASSERT_ERR(c.t[0].err, SM_ERR_GBT_SEQUENCE);
    ASSERT_ERR(c.t[1].err, SM_OK);
    collector_free(&c);
}

/* A push with a capture-object list that also captures attribute 3
 * (scaler_unit) of a register: the scaler applies to its value. */
static void test_captured_scaler_unit(void)
{
    static const uint8_t apdu[] = {
        0x0F, 0x00, 0x00, 0x00, 0x01, 0x00, /* no date-time */
        0x02, 0x04,                         /* structure of 4 */
        0x01, 0x04,                         /* 4 capture objects */
        0x02, 0x04, 0x12, 0x00, 0x28, 0x09, 0x06, 0, 0, 25, 9, 0, 255, 0x0F, 2, 0x12, 0, 0,
        0x02, 0x04, 0x12, 0x00, 0x03, 0x09, 0x06, 1, 0, 32, 7, 0, 255, 0x0F, 2, 0x12, 0, 0,
        0x02, 0x04, 0x12, 0x00, 0x03, 0x09, 0x06, 1, 0, 32, 7, 0, 255, 0x0F, 3, 0x12, 0, 0,
        0x02, 0x04, 0x12, 0x00, 0x03, 0x09, 0x06, 1, 0, 52, 7, 0, 255, 0x0F, 2, 0x12, 0, 0,
        0x12, 0x08, 0xFD,                         /* 2301 */
        0x02, 0x02, 0x0F, 0xFF, 0x16, 0x23,       /* scaler -1, V */
        0x12, 0x00, 0xE6,                         /* 230: implied, mains voltage */
    };
    collector c;
    collector_init(&c);
    decode_bytes(&c, SM_LINK_RAW, NULL, 0, NULL, 0, true, apdu, sizeof apdu, 0);
    CU_ASSERT_EQUAL_FATAL(c.n, 1);
    got_telegram *t = &c.t[0];
    ASSERT_ERR(t->err, SM_OK);
    CU_ASSERT_EQUAL_FATAL(t->n, 3);
    CU_ASSERT_DOUBLE_EQUAL(t->readings[0].r.value, 230.1, 1e-9);
    CU_ASSERT_EQUAL(t->readings[0].r.scaler_source, SM_SCALER_WIRE);
    CU_ASSERT_EQUAL(t->readings[0].r.attribute, 2);
    CU_ASSERT_EQUAL(t->readings[1].r.attribute, 3);
    CU_ASSERT_DOUBLE_EQUAL(t->readings[2].r.value, 230, 1e-9);
    CU_ASSERT_EQUAL(t->readings[2].r.scaler_source, SM_SCALER_IMPLIED);
    collector_free(&c);
}

static const char dsmr_body[] =
    "/SAG5T210-D-r\r\n"
    "\r\n"
    "1-3:0.2.8(50)\r\n"
    "0-0:1.0.0(241115144545W)\r\n"
    "0-0:96.1.0(1SAG1100000292)\r\n"
    "1-0:1.8.0(004752.026*kWh)\r\n"
    "1-0:2.8.0(005157.273*kWh)\r\n"
    "1-0:1.7.0(00.123*kW)\r\n"
    "1-0:32.7.0(233.4*V)\r\n"
    "1-0:31.7.0(001*A)\r\n"
    "0-1:24.2.1(241115144500W)(01234.567*m3)\r\n"
    "!";

static size_t make_dsmr(char *out, size_t cap, bool good_crc)
{
    size_t n = (size_t)snprintf(out, cap, "%s", dsmr_body);
    uint16_t crc = sm_crc16_arc((const uint8_t *)out, n);
    if (!good_crc)
        crc ^= 1;
    n += (size_t)snprintf(out + n, cap - n, "%04X\r\n", crc);
    return n;
}

static void test_dsmr_in_ciphering(void)
{
    char text[1024];
    size_t tl = make_dsmr(text, sizeof text, true);
    static const uint8_t title[8] = {'S', 'A', 'G', '5', 0, 0, 0, 1};
    uint8_t apdu[2048];
    size_t n = build_glo(apdu, sizeof apdu, 0x30, title, 42, TEST_EK, 16, TEST_AK, 16,
                         (const uint8_t *)text, tl);
    collector c;
    collector_init(&c);
    decode_bytes(&c, SM_LINK_AUTO, TEST_EK, 16, TEST_AK, 16, true, apdu, n, 0);
    CU_ASSERT_EQUAL_FATAL(c.n, 1);
    got_telegram *t = &c.t[0];
    ASSERT_ERR(t->err, SM_OK);
    CU_ASSERT_STRING_EQUAL(t->layout, "p1");
    const got_reading *r;
    CU_ASSERT_PTR_NOT_NULL_FATAL(r = find_obis(t, "1-0:1.8.0*255"));
    CU_ASSERT_EQUAL(r->r.raw_i, 4752026);
    CU_ASSERT_EQUAL(r->r.scaler, 0);
    CU_ASSERT_EQUAL(r->r.unit, SM_UNIT_WH);
    CU_ASSERT_DOUBLE_EQUAL(r->r.value, 4752026, 1e-6);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r = find_obis(t, "1-0:1.7.0*255"));
    CU_ASSERT_DOUBLE_EQUAL(r->r.value, 123, 1e-9);
    CU_ASSERT_EQUAL(r->r.unit, SM_UNIT_W);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r = find_obis(t, "1-0:32.7.0*255"));
    CU_ASSERT_DOUBLE_EQUAL(r->r.value, 233.4, 1e-9);
    CU_ASSERT_EQUAL(r->r.unit, SM_UNIT_V);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r = find_obis(t, "0-0:1.0.0*255"));
    CU_ASSERT_STRING_EQUAL(r->dt_local, "2024-11-15T14:45:45+01:00");
    CU_ASSERT_PTR_NOT_NULL_FATAL(r = find_obis(t, "0-0:96.1.0*255"));
    CU_ASSERT_STRING_EQUAL(r->text, "1SAG1100000292");
    CU_ASSERT_PTR_NOT_NULL_FATAL(r = find_obis(t, "0-1:24.2.1*255"));
    CU_ASSERT_DOUBLE_EQUAL(r->r.value, 1234.567, 1e-9);
    CU_ASSERT_EQUAL(r->r.unit, SM_UNIT_M3);
    collector_free(&c);

    /* the Energienetze Steiermark case: the tag does not verify, the CRC does */
    apdu[n - 1] ^= 0xFF;
    collector_init(&c);
    decode_bytes(&c, SM_LINK_AUTO, TEST_EK, 16, TEST_AK, 16, true, apdu, n, 0);
    ASSERT_ERR(c.t[0].err, SM_ERR_TAG_MISMATCH);
    collector_free(&c);
    collector_init(&c);
    decode_bytes(&c, SM_LINK_AUTO, TEST_EK, 16, NULL, 0, false, apdu, n, 0);
    ASSERT_ERR(c.t[0].err, SM_OK);
    CU_ASSERT_EQUAL(c.t[0].n, 9);
    collector_free(&c);

    /* a bad CRC inside a valid ciphering */
    tl = make_dsmr(text, sizeof text, false);
    n = build_glo(apdu, sizeof apdu, 0x20, title, 43, TEST_EK, 16, NULL, 0,
                  (const uint8_t *)text, tl);
    collector_init(&c);
    decode_bytes(&c, SM_LINK_AUTO, TEST_EK, 16, NULL, 0, true, apdu, n, 0);
    ASSERT_ERR(c.t[0].err, SM_ERR_P1_TEXT_CRC);
    CU_ASSERT_EQUAL(c.t[0].where, SM_WHERE_PLAINTEXT);
    /* its frames were right: the content failed, not the line */
    CU_ASSERT_EQUAL(sm_errlayer(c.t[0].err), SM_LAYER_P1);
    collector_free(&c);
}

static void test_degenerate_bodies(void)
{
    static const uint8_t single[] = {0x0F, 0, 0, 0, 1, 0, 0x06, 0, 0, 0x01, 0x00};
    static const uint8_t empty[] = {0x0F, 0, 0, 0, 1, 0, 0x02, 0x00};
    static const uint8_t trailing[] = {0x0F, 0, 0, 0, 1, 0, 0x11, 0x05, 0x00};
    static const uint8_t unknown[] = {0xC4, 0x01, 0x00};
    collector c;
    collector_init(&c);
    sm_decoder *d = malloc(sizeof *d);
    sm_decoder_init(d, SM_LINK_RAW, collector_cb, &c);
    sm_decoder_apdu(d, single, sizeof single);
    sm_decoder_apdu(d, empty, sizeof empty);
    sm_decoder_apdu(d, trailing, sizeof trailing);
    sm_decoder_apdu(d, unknown, sizeof unknown);
    sm_decoder_apdu(d, unknown, 0);
    free(d);
    CU_ASSERT_EQUAL_FATAL(c.n, 5);
    ASSERT_ERR(c.t[0].err, SM_OK);
    CU_ASSERT_EQUAL(c.t[0].readings[0].r.value, 256);
    /* an empty structure is valid A-XDR: a telegram without readings */
    ASSERT_ERR(c.t[1].err, SM_OK);
    CU_ASSERT_EQUAL(c.t[1].n, 0);
    ASSERT_ERR(c.t[2].err, SM_ERR_APDU_TRAILING);
    CU_ASSERT_EQUAL(c.t[2].err_offset, 8);
    ASSERT_ERR(c.t[3].err, SM_ERR_APDU_UNSUPPORTED);
    ASSERT_ERR(c.t[4].err, SM_ERR_TRUNCATED);
    for (size_t i = 0; i < c.n; i++)
        CU_ASSERT_EQUAL(c.t[i].index, i);
    collector_free(&c);
}

/* The built-in layout files read without an error, each on its own and all
 * together (no name twice), and the decoder's built-in set holds them all. */
static void test_builtin_layouts_read(void)
{
    static sm_layout_set all, one;
    sm_layout_set_init(&all);
    size_t total = 0;
    for (size_t i = 0; i < sm_builtin_layout_files_count; i++) {
        const sm_layout_file *f = &sm_builtin_layout_files[i];
        sm_layout_error err = {0, ""};
        sm_layout_set_init(&one);
        ASSERT_ERR(sm_layout_set_parse(&one, f->text, strlen(f->text), f->name, &err), SM_OK);
        if (err.message[0])
            fprintf(stderr, "%s:%u: %s\n", f->name, err.line, err.message);
        CU_ASSERT(one.n + one.nquirks > 0);
        total += one.n;
        ASSERT_ERR(sm_layout_set_parse(&all, f->text, strlen(f->text), f->name, &err), SM_OK);
    }
    CU_ASSERT_EQUAL(all.n, total);
    CU_ASSERT_EQUAL(sm_layouts_builtin()->n, total);
    CU_ASSERT_EQUAL(sm_builtin_layout_files_count, 7);
    /* positional layouts name exactly count types */
    for (size_t i = 0; i < all.n; i++)
        if (all.layouts[i].form == SM_FORM_POSITIONAL)
            CU_ASSERT(all.layouts[i].count > 0 && all.layouts[i].nfields <= all.layouts[i].count);
}

static const test_case layout_cases[] = {
    {"general-block-transfer with capture-object list (real capture)", test_gbt_capture_list},
    {"captured scaler_unit attribute and mains voltage", test_captured_scaler_unit},
    {"dsmr p1 text inside the ciphering", test_dsmr_in_ciphering},
    {"single value, empty, trailing, unknown, empty apdu", test_degenerate_bodies},
    {"the built-in layout files read without an error", test_builtin_layouts_read},
    {NULL, NULL}};
const test_suite suite_layout = {"payload layouts", layout_cases};
