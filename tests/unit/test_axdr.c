/* tests/unit/test_axdr.c - the A-XDR reader: scalars, strings, length forms, depth and node bounds, compact arrays. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sm_axdr.h"
#include "test_util.h"

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

static const test_case cases[] = {
    {"a-xdr scalars, strings, errors", test_axdr_scalars},
    {"a-xdr length forms", test_axdr_lengths},
    {"a-xdr depth and node bounds", test_axdr_depth_and_count},
    {"a-xdr compact-array skipped", test_axdr_compact_array},
    {NULL, NULL}};
const test_suite suite_axdr = {"A-XDR", cases};
