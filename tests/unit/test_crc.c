/* tests/unit/test_crc.c - CRC-16/X-25 (HDLC, M-Bus-free link layers) and CRC-16/ARC (P1): the check values and the table against the bitwise definition. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sm_crc.h"
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

static const test_case cases[] = {
    {"crc-16/x-25 and crc-16/arc check values", test_crc},
    {NULL, NULL}};
const test_suite suite_crc = {"CRC-16", cases};
