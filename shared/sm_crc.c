/* sm_crc.c - table-driven reflected CRC-16s.  The byte tables are built
 * from the polynomial at compile time; the tables for eight bytes at a time
 * (slicing-by-8: table k is a byte followed by k zero bytes) are derived
 * from them once, on first use.  No other mutable state. */
#include "sm_crc.h"

#include <pthread.h>

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

typedef uint16_t slices[8][256];

static slices x25 = {TABLE(0x8408u)}, arc = {TABLE(0xA001u)};
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void derive(slices t)
{
    for (int k = 1; k < 8; k++)
        for (int i = 0; i < 256; i++)
            t[k][i] = (uint16_t)((t[k - 1][i] >> 8) ^ t[0][t[k - 1][i] & 0xFF]);
}

static void make_slices(void)
{
    derive(x25);
    derive(arc);
}

static uint16_t crc_reflected(uint16_t (*t)[256], uint16_t crc, const uint8_t *buf, size_t len)
{
    size_t i = 0;
    if (len >= 8) {
        pthread_once(&once, make_slices);
        /* eight bytes at a time: the CRC meets the first two */
        for (; i + 8 <= len; i += 8) {
            const uint8_t *p = buf + i;
            crc = (uint16_t)(t[7][(p[0] ^ crc) & 0xFF] ^ t[6][p[1] ^ (crc >> 8)] ^ t[5][p[2]] ^
                             t[4][p[3]] ^ t[3][p[4]] ^ t[2][p[5]] ^ t[1][p[6]] ^ t[0][p[7]]);
        }
    }
    for (; i < len; i++)
        crc = (uint16_t)((crc >> 8) ^ t[0][(crc ^ buf[i]) & 0xFF]);
    return crc;
}

uint16_t sm_crc16_x25(const uint8_t *buf, size_t len)
{
    return (uint16_t)(crc_reflected(x25, 0xFFFF, buf, len) ^ 0xFFFF);
}

uint16_t sm_crc16_arc(const uint8_t *buf, size_t len)
{
    return crc_reflected(arc, 0, buf, len);
}
