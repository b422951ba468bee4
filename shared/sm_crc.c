/* sm_crc.c - table-driven reflected CRC-16s; the tables are built from the
 * polynomial at compile time so there is no mutable state. */
#include "sm_crc.h"

/* one bit: c appears twice (not three times), so the eight nested steps
 * expand to 2^8 copies, not 3^8: clang takes minutes over the latter */
#define R1(c, p) (((c) >> 1) ^ ((p) & (0u - ((c) & 1u))))
#define R8(c, p) R1(R1(R1(R1(R1(R1(R1(R1((c), p), p), p), p), p), p), p), p)
#define E(n, p) (uint16_t) R8((unsigned)(n), p)
#define ROW(n, p) E(n, p), E(n + 1, p), E(n + 2, p), E(n + 3, p), \
                  E(n + 4, p), E(n + 5, p), E(n + 6, p), E(n + 7, p)
#define TABLE(p)                                                                       \
    {ROW(0, p), ROW(8, p), ROW(16, p), ROW(24, p), ROW(32, p), ROW(40, p),             \
     ROW(48, p), ROW(56, p), ROW(64, p), ROW(72, p), ROW(80, p), ROW(88, p),           \
     ROW(96, p), ROW(104, p), ROW(112, p), ROW(120, p), ROW(128, p), ROW(136, p),      \
     ROW(144, p), ROW(152, p), ROW(160, p), ROW(168, p), ROW(176, p), ROW(184, p),     \
     ROW(192, p), ROW(200, p), ROW(208, p), ROW(216, p), ROW(224, p), ROW(232, p),     \
     ROW(240, p), ROW(248, p)}

static const uint16_t x25_table[256] = TABLE(0x8408u);
static const uint16_t arc_table[256] = TABLE(0xA001u);

static uint16_t crc_reflected(const uint16_t *table, uint16_t crc, const uint8_t *buf,
                              size_t len)
{
    for (size_t i = 0; i < len; i++)
        crc = (uint16_t)((crc >> 8) ^ table[(crc ^ buf[i]) & 0xFF]);
    return crc;
}

uint16_t sm_crc16_x25(const uint8_t *buf, size_t len)
{
    return (uint16_t)(crc_reflected(x25_table, 0xFFFF, buf, len) ^ 0xFFFF);
}

uint16_t sm_crc16_arc(const uint8_t *buf, size_t len)
{
    return crc_reflected(arc_table, 0, buf, len);
}
