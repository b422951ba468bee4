/* test_units.c - the small layers on their own: CRCs, A-XDR, date-time,
 * OBIS and unit tables, keys, errors. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sm_crc.h"
#include "sm_obis.h"
#include "test_util.h"

/* one bit at a time, as the standards define them */
static uint16_t crc_bitwise(uint16_t poly, uint16_t crc, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        crc ^= p[i];
        for (int b = 0; b < 8; b++)
            crc = (uint16_t)(crc & 1 ? (crc >> 1) ^ poly : crc >> 1);
    }
    return crc;
}

static void test_crc(void)
{
    const uint8_t check[] = "123456789";
    CU_ASSERT_EQUAL(sm_crc16_x25(check, 9), 0x906E);
    CU_ASSERT_EQUAL(sm_crc16_arc(check, 9), 0xBB3D);
    /* the table against the bitwise definition: every length up to a
     * long frame's, every alignment, bytes of every value */
    uint8_t buf[300];
    for (size_t i = 0; i < sizeof buf; i++)
        buf[i] = (uint8_t)(i * 151u + 7u + (i >> 3));
    size_t bad = 0;
    for (size_t off = 0; off < 16; off++)
        for (size_t n = 0; n + off <= sizeof buf; n++) {
            uint16_t arc = crc_bitwise(0xA001, 0, buf + off, n);
            uint16_t x25 = (uint16_t)(crc_bitwise(0x8408, 0xFFFF, buf + off, n) ^ 0xFFFF);
            bad += sm_crc16_arc(buf + off, n) != arc;
            bad += sm_crc16_x25(buf + off, n) != x25;
        }
    CU_ASSERT_EQUAL(bad, 0);
}

static sm_err read1(const char *hex, sm_axdr_item *it, size_t *consumed)
{
    uint8_t buf[64];
    size_t n = hex_decode(hex, buf, sizeof buf);
    uint8_t *exact = malloc(n ? n : 1);
    memcpy(exact, buf, n);
    sm_cur c = sm_cur_make(exact, n);
    sm_err e = sm_axdr_read(&c, it);
    if (consumed)
        *consumed = sm_cur_off(&c);
    /* slices would dangle: keep only the scalar part */
    it->bytes = NULL;
    free(exact);
    return e;
}

static void test_axdr_scalars(void)
{
    sm_axdr_item it;
    size_t used;
    CU_ASSERT_EQUAL(read1("0F FF", &it, &used), SM_OK);
    CU_ASSERT(it.kind == SM_VK_INT && it.v.i == -1 && used == 2);
    CU_ASSERT_EQUAL(read1("10 FF 38", &it, NULL), SM_OK);
    CU_ASSERT_EQUAL(it.v.i, -200);
    CU_ASSERT_EQUAL(read1("05 FF FF FF FE", &it, NULL), SM_OK);
    CU_ASSERT_EQUAL(it.v.i, -2);
    CU_ASSERT_EQUAL(read1("14 80 00 00 00 00 00 00 00", &it, NULL), SM_OK);
    CU_ASSERT_EQUAL(it.v.i, INT64_MIN);
    CU_ASSERT_EQUAL(read1("11 FE", &it, NULL), SM_OK);
    CU_ASSERT_EQUAL(it.v.u, 254);
    CU_ASSERT_EQUAL(read1("12 08 EC", &it, NULL), SM_OK);
    CU_ASSERT_EQUAL(it.v.u, 2284);
    CU_ASSERT_EQUAL(read1("06 00 0D 3E C3", &it, NULL), SM_OK);
    CU_ASSERT_EQUAL(it.v.u, 868035);
    CU_ASSERT_EQUAL(read1("15 FF FF FF FF FF FF FF FF", &it, NULL), SM_OK);
    CU_ASSERT_EQUAL(it.v.u, UINT64_MAX);
    CU_ASSERT_EQUAL(read1("16 23", &it, NULL), SM_OK);
    CU_ASSERT_EQUAL(it.v.u, 0x23);
    CU_ASSERT_EQUAL(read1("03 01", &it, NULL), SM_OK);
    CU_ASSERT_EQUAL(it.v.u, 1);
    CU_ASSERT_EQUAL(read1("0D 42", &it, NULL), SM_OK);
    CU_ASSERT_EQUAL(it.v.u, 42);
    CU_ASSERT_EQUAL(read1("17 43 66 80 00", &it, NULL), SM_OK); /* 230.5f */
    CU_ASSERT(it.kind == SM_VK_FLOAT && it.v.f == 230.5);
    CU_ASSERT_EQUAL(read1("18 40 6C D0 00 00 00 00 00", &it, NULL), SM_OK); /* 230.5 */
    CU_ASSERT_DOUBLE_EQUAL(it.v.f, 230.5, 0);
    CU_ASSERT_EQUAL(read1("00", &it, &used), SM_OK);
    CU_ASSERT(it.kind == SM_VK_NONE && used == 1);
    CU_ASSERT_EQUAL(read1("FF", &it, &used), SM_OK);
    CU_ASSERT_EQUAL(read1("19 07E708150117170000FF8880", &it, &used), SM_OK);
    CU_ASSERT(it.len == 12 && used == 13);
    CU_ASSERT_EQUAL(read1("1A 07E7081501", &it, &used), SM_OK);
    CU_ASSERT_EQUAL(read1("1B 17170000", &it, &used), SM_OK);
    CU_ASSERT_EQUAL(read1("04 0B FF E0", &it, &used), SM_OK); /* 11 bits */
    CU_ASSERT(it.count == 11 && it.len == 2 && used == 4);
    CU_ASSERT_EQUAL(read1("0A 03 41 42 43", &it, &used), SM_OK);
    CU_ASSERT_EQUAL(read1("0C 02 C3 A4", &it, &used), SM_OK);
    /* unknown tags, truncation, lengths beyond the input */
    CU_ASSERT_EQUAL(read1("07", &it, NULL), SM_ERR_AXDR_TYPE);
    CU_ASSERT_EQUAL(read1("1C 00", &it, NULL), SM_ERR_AXDR_TYPE);
    CU_ASSERT_EQUAL(read1("12 08", &it, NULL), SM_ERR_TRUNCATED);
    CU_ASSERT_EQUAL(read1("", &it, NULL), SM_ERR_TRUNCATED);
    CU_ASSERT_EQUAL(read1("09 05 41 42", &it, NULL), SM_ERR_AXDR_LENGTH);
    CU_ASSERT_EQUAL(read1("02 05 11 00", &it, NULL), SM_ERR_AXDR_LENGTH);
    CU_ASSERT_EQUAL(read1("04 11 FF", &it, NULL), SM_ERR_AXDR_LENGTH);
}

static void test_axdr_lengths(void)
{
    sm_axdr_item it;
    uint8_t buf[300];
    /* 81 xx and 82 xxxx forms */
    buf[0] = 0x09;
    buf[1] = 0x81;
    buf[2] = 200;
    memset(buf + 3, 'A', 200);
    sm_cur c = sm_cur_make(buf, 203);
    CU_ASSERT_EQUAL(sm_axdr_read(&c, &it), SM_OK);
    CU_ASSERT_EQUAL(it.len, 200);
    buf[1] = 0x82;
    buf[2] = 0;
    buf[3] = 200;
    memset(buf + 4, 'A', 200);
    c = sm_cur_make(buf, 204);
    CU_ASSERT_EQUAL(sm_axdr_read(&c, &it), SM_OK);
    CU_ASSERT_EQUAL(it.len, 200);
    /* 84 ffffffff: a length far beyond the input */
    uint8_t big[] = {0x09, 0x84, 0xFF, 0xFF, 0xFF, 0xFF, 0x00};
    c = sm_cur_make(big, sizeof big);
    CU_ASSERT_EQUAL(sm_axdr_read(&c, &it), SM_ERR_AXDR_LENGTH);
    /* 85 and 80 are not lengths: a malformed length field, named at its offset */
    uint8_t bad[] = {0x09, 0x85, 0, 0, 0, 0, 1, 0x41};
    c = sm_cur_make(bad, sizeof bad);
    CU_ASSERT_EQUAL(sm_axdr_read(&c, &it), SM_ERR_AXDR_LENFORM);
    CU_ASSERT_EQUAL(sm_cur_off(&c), 1);
    bad[1] = 0x80;
    c = sm_cur_make(bad, sizeof bad);
    CU_ASSERT_EQUAL(sm_axdr_read(&c, &it), SM_ERR_AXDR_LENFORM);
    CU_ASSERT_EQUAL(sm_cur_off(&c), 1);
    /* a length beyond the input is named at the length field too */
    c = sm_cur_make(big, sizeof big);
    CU_ASSERT_EQUAL(sm_axdr_read(&c, &it), SM_ERR_AXDR_LENGTH);
    CU_ASSERT_EQUAL(sm_cur_off(&c), 1);
}

static void test_axdr_depth_and_count(void)
{
    uint8_t buf[256];
    sm_node nodes[64];
    size_t n;
    /* 16 nested structures of one element, then a value: allowed */
    size_t k = 0;
    for (int i = 0; i < SM_AXDR_MAX_DEPTH; i++) {
        buf[k++] = 0x02;
        buf[k++] = 0x01;
    }
    buf[k++] = 0x11;
    buf[k++] = 0x05;
    sm_cur c = sm_cur_make(buf, k);
    CU_ASSERT_EQUAL(sm_axdr_tree(&c, nodes, 64, &n), SM_OK);
    CU_ASSERT_EQUAL(n, SM_AXDR_MAX_DEPTH + 1);
    CU_ASSERT_EQUAL(nodes[0].subtree, SM_AXDR_MAX_DEPTH + 1);
    /* one more level is too deep */
    k = 0;
    for (int i = 0; i < SM_AXDR_MAX_DEPTH + 1; i++) {
        buf[k++] = 0x01;
        buf[k++] = 0x01;
    }
    buf[k++] = 0x00;
    c = sm_cur_make(buf, k);
    CU_ASSERT_EQUAL(sm_axdr_tree(&c, nodes, 64, &n), SM_ERR_AXDR_DEPTH);
    CU_ASSERT_EQUAL(sm_cur_off(&c), 2 * SM_AXDR_MAX_DEPTH);
    c = sm_cur_make(buf, k);
    CU_ASSERT_EQUAL(sm_axdr_skip(&c), SM_ERR_AXDR_DEPTH);
    /* more nodes than the caller's array */
    k = 0;
    buf[k++] = 0x02;
    buf[k++] = 100;
    for (int i = 0; i < 100; i++)
        buf[k++] = 0x00;
    c = sm_cur_make(buf, k);
    CU_ASSERT_EQUAL(sm_axdr_tree(&c, nodes, 64, &n), SM_ERR_AXDR_COUNT);
    c = sm_cur_make(buf, k);
    CU_ASSERT_EQUAL(sm_axdr_skip(&c), SM_OK);
    CU_ASSERT_EQUAL(sm_cur_left(&c), 0);
}

static void test_axdr_compact_array(void)
{
    /* compact-array of structure {long-unsigned, integer}, contents 6 bytes,
     * followed by a uint8 that must still be read correctly */
    uint8_t buf[] = {0x02, 0x02, 0x13, 0x02, 0x02, 0x12, 0x0F, 0x06,
                     0x00, 0x01, 0xFF, 0x00, 0x02, 0xFE, 0x11, 0x07};
    sm_node nodes[8];
    size_t n;
    sm_cur c = sm_cur_make(buf, sizeof buf);
    CU_ASSERT_EQUAL(sm_axdr_tree(&c, nodes, 8, &n), SM_OK);
    CU_ASSERT_EQUAL(n, 3);
    CU_ASSERT_EQUAL(nodes[1].item.type, SM_DT_COMPACT_ARRAY);
    /* kept whole: the type description (4 bytes), the length and contents */
    CU_ASSERT_EQUAL(nodes[1].item.len, 4 + 1 + 6);
    CU_ASSERT_PTR_EQUAL(nodes[1].item.bytes, buf + 3);
    CU_ASSERT_EQUAL(nodes[2].item.v.u, 7);
    /* array type description with a bad element type */
    uint8_t bad[] = {0x13, 0x01, 0x00, 0x02, 0x07, 0x00};
    c = sm_cur_make(bad, sizeof bad);
    sm_axdr_item it;
    CU_ASSERT_EQUAL(sm_axdr_read(&c, &it), SM_ERR_AXDR_TYPE);
}

static void test_datetime(void)
{
    sm_datetime dt;
    uint8_t b[12] = {0x07, 0xE7, 8, 21, 1, 23, 23, 0, 0, 0xFF, 0x88, 0x80};
    CU_ASSERT_EQUAL(sm_datetime_parse(b, &dt), SM_OK);
    char s[64];
    sm_datetime_iso_local(&dt, s, sizeof s);
    CU_ASSERT_STRING_EQUAL(s, "2023-08-21T23:23:00+02:00");
    int64_t t;
    CU_ASSERT_EQUAL(sm_datetime_to_unix(&dt, SM_DT_DEVIATION_UNSPECIFIED, &t), SM_OK);
    sm_unix_iso_utc(t, s, sizeof s);
    CU_ASSERT_STRING_EQUAL(s, "2023-08-21T21:23:00Z");
    CU_ASSERT_EQUAL(t, 1692652980);
    /* winter, Sagemcom: -60, status 0x02 */
    uint8_t w[12] = {0x07, 0xE8, 11, 15, 5, 14, 45, 45, 0, 0xFF, 0xC4, 0x02};
    sm_datetime_parse(w, &dt);
    sm_datetime_iso_local(&dt, s, sizeof s);
    CU_ASSERT_STRING_EQUAL(s, "2024-11-15T14:45:45+01:00");
    sm_datetime_to_unix(&dt, SM_DT_DEVIATION_UNSPECIFIED, &t);
    sm_unix_iso_utc(t, s, sizeof s);
    CU_ASSERT_STRING_EQUAL(s, "2024-11-15T13:45:45Z");
    /* deviation unspecified: no offset, and UTC only with a fallback that
     * honours the DST bit */
    uint8_t u[12] = {0x07, 0xE7, 3, 28, 2, 19, 11, 20, 0xFF, 0x80, 0x00, 0x80};
    CU_ASSERT_EQUAL(sm_datetime_parse(u, &dt), SM_OK);
    sm_datetime_iso_local(&dt, s, sizeof s);
    CU_ASSERT_STRING_EQUAL(s, "2023-03-28T19:11:20");
    CU_ASSERT_EQUAL(sm_datetime_to_unix(&dt, SM_DT_DEVIATION_UNSPECIFIED, &t), SM_ERR_DATETIME);
    CU_ASSERT_EQUAL(sm_datetime_to_unix(&dt, -60, &t), SM_OK);
    sm_unix_iso_utc(t, s, sizeof s);
    CU_ASSERT_STRING_EQUAL(s, "2023-03-28T17:11:20Z");
    u[11] = 0x00;
    sm_datetime_parse(u, &dt);
    sm_datetime_to_unix(&dt, -60, &t);
    sm_unix_iso_utc(t, s, sizeof s);
    CU_ASSERT_STRING_EQUAL(s, "2023-03-28T18:11:20Z");
    /* Aidon: day of week 0 is tolerated */
    uint8_t a[12] = {0x07, 0xE9, 12, 14, 0, 16, 0, 0, 0xFF, 0, 0, 0};
    CU_ASSERT_EQUAL(sm_datetime_parse(a, &dt), SM_OK);
    sm_datetime_iso_local(&dt, s, sizeof s);
    CU_ASSERT_STRING_EQUAL(s, "2025-12-14T16:00:00+00:00");
    /* hundredths, unspecified fields, invalid fields */
    uint8_t h[12] = {0x07, 0xE7, 8, 21, 1, 23, 23, 0, 50, 0xFF, 0x88, 0x80};
    sm_datetime_parse(h, &dt);
    sm_datetime_iso_local(&dt, s, sizeof s);
    CU_ASSERT_STRING_EQUAL(s, "2023-08-21T23:23:00.50+02:00");
    uint8_t nodate[12] = {0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 23, 23, 0, 0, 0x80, 0, 0xFF};
    CU_ASSERT_EQUAL(sm_datetime_parse(nodate, &dt), SM_OK);
    CU_ASSERT_EQUAL(sm_datetime_iso_local(&dt, s, sizeof s), -1);
    CU_ASSERT_EQUAL(sm_datetime_to_unix(&dt, -60, &t), SM_ERR_DATETIME);
    uint8_t bad[12] = {0x07, 0xE7, 13, 21, 1, 23, 23, 0, 0, 0xFF, 0x88, 0x80};
    CU_ASSERT_EQUAL(sm_datetime_parse(bad, &dt), SM_ERR_DATETIME);
    bad[2] = 8;
    bad[5] = 24;
    CU_ASSERT_EQUAL(sm_datetime_parse(bad, &dt), SM_ERR_DATETIME);
    bad[5] = 23;
    bad[9] = 0x03; /* deviation 0x0388 = 904 minutes */
    CU_ASSERT_EQUAL(sm_datetime_parse(bad, &dt), SM_ERR_DATETIME);
    /* dates before 1970 and leap days */
    CU_ASSERT_EQUAL(sm_days_from_civil(1970, 1, 1), 0);
    CU_ASSERT_EQUAL(sm_days_from_civil(2024, 2, 29), 19782);
    /* and back, over ±2000 years */
    int64_t y;
    unsigned mo, dd;
    sm_civil_from_days(19782, &y, &mo, &dd);
    CU_ASSERT(y == 2024 && mo == 2 && dd == 29);
    sm_civil_from_days(-1, &y, &mo, &dd);
    CU_ASSERT(y == 1969 && mo == 12 && dd == 31);
    for (int64_t day = -730000; day <= 730000; day += 37) {
        sm_civil_from_days(day, &y, &mo, &dd);
        CU_ASSERT_EQUAL_FATAL(sm_days_from_civil(y, mo, dd), day);
    }
    sm_unix_iso_utc(-1, s, sizeof s);
    CU_ASSERT_STRING_EQUAL(s, "1969-12-31T23:59:59Z");
    /* the date-time's own UTC text is what the Unix seconds give: every
     * hour and a few minutes of days at month and year ends, with every
     * deviation from -12 to +12 hours in quarters, and none */
    static const uint8_t days[][3] = {{99, 12, 31}, {100, 1, 1}, {124, 2, 29}, {124, 3, 1},
                                      {123, 8, 21}, {125, 12, 31}, {126, 1, 1}, {199, 6, 30}};
    unsigned wrong = 0;
    for (size_t i = 0; i < sizeof days / sizeof days[0]; i++)
        for (unsigned hh = 0; hh < 24; hh++)
            for (unsigned mi = 0; mi < 60; mi += 29)
                for (int dev = -720; dev <= 720 + 15; dev += 15) {
                    unsigned yr = 1900u + days[i][0];
                    uint16_t udev = dev > 720 ? 0x8000 : (uint16_t)(int16_t)dev;
                    uint8_t q[12] = {(uint8_t)(yr >> 8), (uint8_t)yr, days[i][1], days[i][2],
                                     0xFF, (uint8_t)hh, (uint8_t)mi, 59, 0xFF,
                                     (uint8_t)(udev >> 8), (uint8_t)udev, 0};
                    if (sm_datetime_parse(q, &dt) != SM_OK) {
                        wrong++;
                        continue;
                    }
                    char want[40] = "", got[40];
                    if (sm_datetime_to_unix(&dt, SM_DT_DEVIATION_UNSPECIFIED, &t) == SM_OK)
                        sm_unix_iso_utc(t, want, sizeof want);
                    int n = sm_datetime_iso_utc(&dt, got, sizeof got);
                    wrong += strcmp(want, got) != 0 || (n < 0) != (want[0] == '\0');

                }
    CU_ASSERT_EQUAL(wrong, 0);
    CU_ASSERT_EQUAL(sm_datetime_iso_utc(&dt, s, sizeof s), -1); /* the last: no deviation */
    CU_ASSERT_STRING_EQUAL(s, "");
}

static void test_obis(void)
{
    sm_obis o;
    char s[32];
    CU_ASSERT_TRUE(sm_obis_parse("1-0:32.7.0*255", &o));
    sm_obis_format(&o, s, sizeof s);
    CU_ASSERT_STRING_EQUAL(s, "1-0:32.7.0*255");
    CU_ASSERT_TRUE(sm_obis_parse("1.0.32.7.0.255", &o));
    sm_obis_format_dotted(&o, s, sizeof s);
    CU_ASSERT_STRING_EQUAL(s, "1.0.32.7.0.255");
    CU_ASSERT_TRUE(sm_obis_parse("1-1:1.8.0", &o));
    CU_ASSERT(o.b == 1 && o.f == 255);
    CU_ASSERT_TRUE(sm_obis_parse("31.7.0", &o));
    CU_ASSERT(o.a == 1 && o.c == 31);
    CU_ASSERT_FALSE(sm_obis_parse("1-0:32.7", &o));
    CU_ASSERT_FALSE(sm_obis_parse("1-0:32.7.0*256", &o));
    CU_ASSERT_FALSE(sm_obis_parse("abc", &o));
    CU_ASSERT_FALSE(sm_obis_parse("1-0:32.7.0*255x", &o));
    /* lookups ignore B and F */
    sm_obis_parse("1-1:72.7.0*255", &o);
    const sm_obis_info *info = sm_obis_lookup(&o);
    CU_ASSERT_PTR_NOT_NULL_FATAL(info);
    CU_ASSERT_STRING_EQUAL(info->name, "Voltage L3");
    const char *keys[] = {"clock", "meter_serial", "power_import", "energy_export",
                          "reactive_energy_q4", "current_n", "voltage_l1", "frequency",
                          "list_version", "meter_id", "dsmr_version", "power_factor_l3"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        const sm_obis_info *k = sm_obis_by_key(keys[i]);
        CU_ASSERT_PTR_NOT_NULL_FATAL(k);
        sm_obis q = {k->a, 0, k->c, k->d, k->e, 255};
        CU_ASSERT_PTR_EQUAL(sm_obis_lookup(&q), k);
    }
    uint8_t not_obis[6] = {'1', 'K', 'F', 'M', '0', '2'};
    CU_ASSERT_FALSE(sm_obis_plausible(not_obis));
    CU_ASSERT_STRING_EQUAL(sm_unit_symbol(35), "V");
    CU_ASSERT_STRING_EQUAL(sm_unit_symbol(30), "Wh");
    CU_ASSERT_STRING_EQUAL(sm_unit_symbol(32), "varh");
    CU_ASSERT_STRING_EQUAL(sm_unit_symbol(255), "");
    CU_ASSERT_PTR_NULL(sm_unit_symbol(200));
    CU_ASSERT_EQUAL(sm_unit_from_symbol("Wh", 2), 30);
    CU_ASSERT_EQUAL(sm_unit_from_symbol("m3", 2), 13);
    CU_ASSERT_EQUAL(sm_unit_from_symbol("xyz", 3), 0);
}

static void test_keys(void)
{
    uint8_t k[32];
    size_t n;
    CU_ASSERT_EQUAL(sm_key_from_hex("000102030405060708090A0B0C0D0E0F", k, &n), SM_OK);
    CU_ASSERT(n == 16 && k[15] == 0x0F);
    CU_ASSERT_EQUAL(sm_key_from_hex("0x00:01:02:03:04:05:06:07:08:09:0a:0b:0c:0d:0e:0f", k, &n),
                    SM_OK);
    CU_ASSERT_EQUAL(sm_key_from_hex("00 01 02 03 04 05 06 07 08 09 0A 0B 0C 0D 0E 0F 00 01 02 03 "
                                    "04 05 06 07 08 09 0A 0B 0C 0D 0E 0F",
                                    k, &n),
                    SM_OK);
    CU_ASSERT_EQUAL(n, 32);
    CU_ASSERT_EQUAL(sm_key_from_hex("000102030405060708090A0B0C0D0E", k, &n), SM_ERR_KEY_LENGTH);
    CU_ASSERT_EQUAL(sm_key_from_hex("000102030405060708090A0B0C0D0E0", k, &n), SM_ERR_KEY_LENGTH);
    CU_ASSERT_EQUAL(sm_key_from_hex("000102030405060708090A0B0C0D0E0G", k, &n), SM_ERR_KEY_LENGTH);
    CU_ASSERT_EQUAL(sm_key_from_hex("", k, &n), SM_ERR_KEY_LENGTH);
}

static void test_errors(void)
{
    const sm_err all[] = {SM_ERR_TRUNCATED, SM_ERR_MBUS_CHECKSUM, SM_ERR_HDLC_FCS,
                          SM_ERR_WRONG_KEY, SM_ERR_TAG_MISMATCH, SM_ERR_APDU_UNSUPPORTED,
                          SM_ERR_LAYOUT, SM_ERR_AXDR_TYPE, SM_ERR_P1_CRC, SM_ERR_INCOMPLETE};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        for (size_t j = i + 1; j < sizeof all / sizeof all[0]; j++) {
            CU_ASSERT_STRING_NOT_EQUAL(sm_errname(all[i]), sm_errname(all[j]));
            CU_ASSERT_STRING_NOT_EQUAL(sm_strerror(all[i]), sm_strerror(all[j]));
        }
    CU_ASSERT_STRING_EQUAL(sm_strerror(SM_ERR_MBUS_CHECKSUM), "m-bus checksum mismatch");
    CU_ASSERT_EQUAL(sm_errlayer(SM_ERR_HDLC_FCS), SM_LAYER_LINK);
    CU_ASSERT_EQUAL(sm_errlayer(SM_ERR_TAG_MISMATCH), SM_LAYER_SECURITY);
    CU_ASSERT_EQUAL(sm_errlayer(SM_OK), SM_LAYER_NONE);
    CU_ASSERT_STRING_EQUAL(sm_strerror((sm_err)9999), "unknown error");
}

/* The renderers write table names, keys and unit symbols into JSON, CSV and
 * XML attributes without escaping them: they must need none. */
static void test_table_text_needs_no_escape(void)
{
    size_t n;
    const sm_obis_info *t = sm_obis_table(&n);
    CU_ASSERT(n > 30);
    for (size_t i = 0; i < n; i++) {
        CU_ASSERT_PTR_NULL(strpbrk(t[i].name, "\"\\<>&,\n\r\t"));
        CU_ASSERT_PTR_NULL(strpbrk(t[i].key, "\"\\<>&, \n\r\t"));
        if (i > 0) { /* sorted, for the lookup's index */
            uint32_t a = (uint32_t)t[i - 1].a << 24 | (uint32_t)t[i - 1].c << 16 |
                         (uint32_t)t[i - 1].d << 8 | t[i - 1].e;
            uint32_t b = (uint32_t)t[i].a << 24 | (uint32_t)t[i].c << 16 |
                         (uint32_t)t[i].d << 8 | t[i].e;
            CU_ASSERT(a < b);
        }
    }
    /* the indexed lookup agrees with a plain search of the table for every
     * A (0-3), every C and every (D, E) the table has */
    for (unsigned a = 0; a < 4; a++)
        for (unsigned c = 0; c < 256; c++)
            for (size_t j = 0; j < n; j++) {
                sm_obis q = {(uint8_t)a, 7, (uint8_t)c, t[j].d, t[j].e, 255};
                const sm_obis_info *want = NULL;
                for (size_t i = 0; i < n && !want; i++)
                    if (t[i].a == a && t[i].c == c && t[i].d == t[j].d && t[i].e == t[j].e)
                        want = &t[i];
                if (sm_obis_lookup(&q) != want)
                    CU_FAIL("sm_obis_lookup disagrees with the table");
            }
    for (unsigned u = 0; u < 256; u++) {
        const char *sym = sm_unit_symbol((uint8_t)u);
        if (sym)
            CU_ASSERT_PTR_NULL(strpbrk(sym, "\"\\<>&,\n\r\t"));
    }
}

/* Exact decimals of scaled values. */
static void test_format_value(void)
{
    static const struct {
        bool is_signed;
        int64_t raw;
        int scaler;
        const char *want;
    } cases[] = {
        {false, 2284, -1, "228.4"}, {false, 2300, -2, "23"},  {false, 5, -3, "0.005"},
        {false, 0, -2, "0"},        {false, 5, 3, "5000"},    {true, -1205, -2, "-12.05"},
        {true, -5, -1, "-0.5"},     {false, 77141, 0, "77141"}, {false, 10, -1, "1"},
        {true, INT64_MIN, 0, "-9223372036854775808"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        sm_reading r;
        memset(&r, 0, sizeof r);
        r.kind = SM_RK_NUMBER;
        r.is_signed = cases[i].is_signed;
        r.raw_i = cases[i].raw;
        r.raw_u = (uint64_t)cases[i].raw;
        r.scaler = (int8_t)cases[i].scaler;
        char buf[64];
        int n = sm_reading_format_value(&r, buf, sizeof buf);
        CU_ASSERT_STRING_EQUAL(buf, cases[i].want);
        CU_ASSERT_EQUAL((size_t)n, strlen(cases[i].want));
        /* truncation keeps snprintf semantics */
        char small[4];
        CU_ASSERT_EQUAL(sm_reading_format_value(&r, small, sizeof small), n);
        CU_ASSERT_EQUAL(strncmp(small, cases[i].want, 3), 0);
    }
    sm_reading big;
    memset(&big, 0, sizeof big);
    big.kind = SM_RK_NUMBER;
    big.raw_u = UINT64_MAX;
    big.scaler = -128;
    char buf[200];
    int n = sm_reading_format_value(&big, buf, sizeof buf);
    CU_ASSERT_EQUAL(n, 2 + 108 + 20);
    CU_ASSERT_EQUAL(strncmp(buf, "0.000", 5), 0);
    big.scaler = 127;
    n = sm_reading_format_value(&big, buf, sizeof buf);
    CU_ASSERT_EQUAL(n, 20 + 127);
    CU_ASSERT_EQUAL(buf[n - 1], '0');
    /* scaled values: exactly strtod's for the scalers meters use (one
     * rounding), within a few ulp for the rest DLMS allows */
    const uint64_t raws[] = {1, 7, 2284, 123456789, 4294967295u};
    for (size_t i = 0; i < sizeof raws / sizeof raws[0]; i++)
        for (int sc = -128; sc <= 127; sc++) {
            char text[64];
            snprintf(text, sizeof text, "%llue%d", (unsigned long long)raws[i], sc);
            double want = strtod(text, NULL), got = sm_scale((double)raws[i], sc);
            if (sc >= -22 && sc <= 22)
                CU_ASSERT_EQUAL(got, want);
            CU_ASSERT(fabs(got - want) <= 1e-15 * want);
        }
    /* the digits themselves, at every change of length, against printf */
    uint64_t v = 1;
    for (int i = 0; i < 20; i++, v *= 10) {
        uint64_t around[] = {v - 1, v, v + 1, i == 19 ? UINT64_MAX : v * 10 - 1};
        for (size_t j = 0; j < 4; j++) {
            char d[20], want[24];
            int nd = sm_u64_digits(around[j], d);
            int wn = snprintf(want, sizeof want, "%llu", (unsigned long long)around[j]);
            CU_ASSERT_EQUAL(nd, wn);
            CU_ASSERT_EQUAL(memcmp(d, want, (size_t)wn), 0);
        }
    }
    /* and values of every length in between */
    uint64_t x = 88172645463325252ull;
    unsigned wrong = 0;
    for (int i = 0; i < 200000; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        uint64_t val = x >> (i % 64);
        char d[20], want[24];
        int nd = sm_u64_digits(val, d);
        int wn = snprintf(want, sizeof want, "%llu", (unsigned long long)val);
        wrong += nd != wn || memcmp(d, want, (size_t)wn) != 0;
    }
    CU_ASSERT_EQUAL(wrong, 0);
    /* and sm_decimal_text with a sign and no digit count out of range */
    char d[20], out[SM_DECIMAL_MAX];
    int nd = sm_u64_digits(1205, d);
    size_t k = sm_decimal_text(true, d, nd, -2, out);
    CU_ASSERT_EQUAL(k, 6);
    CU_ASSERT_EQUAL(memcmp(out, "-12.05", 6), 0);
    CU_ASSERT_EQUAL(sm_decimal_text(false, d, 0, 0, out), 0);
    CU_ASSERT_EQUAL(sm_decimal_text(false, d, nd, 128, out), 0);
}

void register_units(void)
{
    CU_pSuite s = CU_add_suite("units", NULL, NULL);
    CU_add_test(s, "crc-16/x-25 and crc-16/arc check values", test_crc);
    CU_add_test(s, "a-xdr scalars, strings, errors", test_axdr_scalars);
    CU_add_test(s, "a-xdr length forms", test_axdr_lengths);
    CU_add_test(s, "a-xdr depth and node bounds", test_axdr_depth_and_count);
    CU_add_test(s, "a-xdr compact-array skipped", test_axdr_compact_array);
    CU_add_test(s, "date-time: offsets, utc, unspecified, dst", test_datetime);
    CU_add_test(s, "obis and unit tables", test_obis);
    CU_add_test(s, "keys from hex", test_keys);
    CU_add_test(s, "error names and messages", test_errors);
    CU_add_test(s, "table text needs no escaping", test_table_text_needs_no_escape);
    CU_add_test(s, "exact decimals of scaled values", test_format_value);
}
