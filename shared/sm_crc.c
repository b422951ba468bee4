/* sm_crc.c - reflected CRC-16s, a byte at a time through a 256-entry table
 * built from the polynomial at compile time (the plain code), or four
 * bytes at a time through four such tables (the fast path).  Const data
 * only. */
#include "sm_crc.h"

#include "sm_fast.h"

/* The register after eight zero bits: c appears twice (not three times)
 * in a step, so the eight nested steps expand to 2^8 copies, not 3^8 */
#define R1(c, p) (((c) >> 1) ^ ((p) & (0u - ((c) & 1u))))
#define R8(c, p) R1(R1(R1(R1(R1(R1(R1(R1((c), p), p), p), p), p), p), p), p)
/* a table of 256 entries, F(n) each */
#define ROW(F, n) F(n), F(n + 1), F(n + 2), F(n + 3), F(n + 4), F(n + 5), F(n + 6), F(n + 7)
#define TABLE(F)                                                                          \
    {ROW(F, 0), ROW(F, 8), ROW(F, 16), ROW(F, 24), ROW(F, 32), ROW(F, 40), ROW(F, 48),   \
     ROW(F, 56), ROW(F, 64), ROW(F, 72), ROW(F, 80), ROW(F, 88), ROW(F, 96), ROW(F, 104), \
     ROW(F, 112), ROW(F, 120), ROW(F, 128), ROW(F, 136), ROW(F, 144), ROW(F, 152),       \
     ROW(F, 160), ROW(F, 168), ROW(F, 176), ROW(F, 184), ROW(F, 192), ROW(F, 200),       \
     ROW(F, 208), ROW(F, 216), ROW(F, 224), ROW(F, 232), ROW(F, 240), ROW(F, 248)}

/* the byte n through the register: the CRC of n alone */
#define X25_0(n) (uint16_t) R8((unsigned)(n), 0x8408u) /* 0x1021 reflected */
#define ARC_0(n) (uint16_t) R8((unsigned)(n), 0xA001u) /* 0x8005 reflected */
static const uint16_t x25[256] = TABLE(X25_0);
static const uint16_t arc[256] = TABLE(ARC_0);

static uint16_t crc_reflected(const uint16_t t[256], unsigned crc, const uint8_t *buf,
                              size_t len)
{
    for (const uint8_t *end = buf + len; buf < end; buf++)
        crc = (crc >> 8) ^ t[(crc ^ *buf) & 0xFF];
    return (uint16_t)crc;
}

#if SM_FAST_PATHS
/* Fast path (P1 instructions per telegram: the CRC over 991 bytes, 9 100
 * instructions a byte at a time): four bytes a step.  The table of a byte
 * followed by k zero bytes is linear in the byte's bits, so each is made
 * from eight constants, the register of its single bits after k more zero
 * bytes, as enum constants (R8 expands the name, not its expression). */
#define BITS(P, pfx, k, j)                                                       \
    pfx##k##_0 = R8(pfx##j##_0, P), pfx##k##_1 = R8(pfx##j##_1, P),             \
    pfx##k##_2 = R8(pfx##j##_2, P), pfx##k##_3 = R8(pfx##j##_3, P),             \
    pfx##k##_4 = R8(pfx##j##_4, P), pfx##k##_5 = R8(pfx##j##_5, P),             \
    pfx##k##_6 = R8(pfx##j##_6, P), pfx##k##_7 = R8(pfx##j##_7, P)
#define BASIS(P, pfx)                                                            \
    enum {                                                                       \
        pfx##0_0 = R8(1u, P), pfx##0_1 = R8(2u, P), pfx##0_2 = R8(4u, P),       \
        pfx##0_3 = R8(8u, P), pfx##0_4 = R8(16u, P), pfx##0_5 = R8(32u, P),     \
        pfx##0_6 = R8(64u, P), pfx##0_7 = R8(128u, P),                          \
        BITS(P, pfx, 1, 0), BITS(P, pfx, 2, 1), BITS(P, pfx, 3, 2)               \
    }
BASIS(0x8408u, X25_);
BASIS(0xA001u, ARC_);
#define LIN(pfx, k, n)                                                                 \
    (uint16_t)(((n) & 1 ? pfx##k##_0 : 0) ^ ((n) & 2 ? pfx##k##_1 : 0) ^              \
               ((n) & 4 ? pfx##k##_2 : 0) ^ ((n) & 8 ? pfx##k##_3 : 0) ^              \
               ((n) & 16 ? pfx##k##_4 : 0) ^ ((n) & 32 ? pfx##k##_5 : 0) ^            \
               ((n) & 64 ? pfx##k##_6 : 0) ^ ((n) & 128 ? pfx##k##_7 : 0))
#define X25_1(n) LIN(X25_, 1, n)
#define X25_2(n) LIN(X25_, 2, n)
#define X25_3(n) LIN(X25_, 3, n)
#define ARC_1(n) LIN(ARC_, 1, n)
#define ARC_2(n) LIN(ARC_, 2, n)
#define ARC_3(n) LIN(ARC_, 3, n)
static const uint16_t x25_4[3][256] = {TABLE(X25_1), TABLE(X25_2), TABLE(X25_3)};
static const uint16_t arc_4[3][256] = {TABLE(ARC_1), TABLE(ARC_2), TABLE(ARC_3)};

/* t: the byte table, t4: the tables of a byte and 1, 2, 3 zero bytes */
static uint16_t crc_by4(const uint16_t t[256], const uint16_t t4[3][256], unsigned crc,
                        const uint8_t *buf, size_t len)
{
    for (; len >= 4; len -= 4, buf += 4) {
        crc ^= (unsigned)buf[0] | (unsigned)buf[1] << 8;
        crc = t4[2][crc & 0xFF] ^ t4[1][crc >> 8] ^ t4[0][buf[2]] ^ t[buf[3]];
    }
    return crc_reflected(t, crc, buf, len);
}
#define CRC(t, crc, buf, len) crc_by4(t, t##_4, crc, buf, len)
#else
#define CRC(t, crc, buf, len) crc_reflected(t, crc, buf, len)
#endif

uint16_t sm_crc16_x25(const uint8_t *buf, size_t len)
{
    return (uint16_t)(CRC(x25, 0xFFFF, buf, len) ^ 0xFFFF);
}

uint16_t sm_crc16_kermit(const uint8_t *buf, size_t len)
{
    return CRC(x25, 0, buf, len);
}

uint16_t sm_crc16_arc(const uint8_t *buf, size_t len)
{
    return CRC(arc, 0, buf, len);
}
