/* sm_crc.c - reflected CRC-16s.  Table-driven: the byte tables are built
 * from the polynomial at compile time; the tables for sixteen bytes at a
 * time (slicing-by-16: table k is a byte followed by k zero bytes) are
 * derived from them once, on first use.  On x86-64 processors with
 * carry-less multiplication (PCLMULQDQ, every one since 2010) long inputs
 * are folded sixty-four bytes at a time instead, and the last sixteen
 * bytes of the fold go through the tables; the folding constants are
 * derived from the polynomial with the tables.  No other mutable state. */
#include "sm_crc.h"

#include <pthread.h>
#include <stdbool.h>
#include <string.h>

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

#define SLICES 16
typedef uint16_t slices[SLICES][256];

/* x^n mod P for the 17-bit polynomial P written highest term first
 * (0x18005 for 0x8005), as the 64-bit operand of a carry-less multiply in
 * the reflected order: bit i stands for x^(63 - i) */
static uint64_t xpow_reflected(uint32_t poly17, unsigned n)
{
    uint32_t r = 1;
    for (unsigned i = 0; i < n; i++) {
        r <<= 1;
        if (r & 0x10000u)
            r ^= poly17;
    }
    uint64_t k = 0;
    for (int d = 0; d < 16; d++)
        if (r >> d & 1u)
            k |= 1ull << (63 - d);
    return k;
}

/* A CRC: its tables and, for the folding, the constants that move a block
 * 16 and 64 bytes on: x^(D+63) mod P for its first half, x^(D-1) mod P
 * for its second (a reflected product has one factor x too many). */
typedef struct {
    slices t;  /* t[k]: a byte followed by k zero bytes */
    uint32_t poly17;
    uint64_t k128[2], k512[2];
    bool clmul;
} crc_kind;

static crc_kind x25 = {{TABLE(0x8408u)}, 0x11021u, {0, 0}, {0, 0}, false};
static crc_kind arc = {{TABLE(0xA001u)}, 0x18005u, {0, 0}, {0, 0}, false};
static pthread_once_t once = PTHREAD_ONCE_INIT;

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define SM_CRC_CLMUL 1
#endif

static void derive(crc_kind *c)
{
    for (int k = 1; k < SLICES; k++)
        for (int i = 0; i < 256; i++)
            c->t[k][i] = (uint16_t)((c->t[k - 1][i] >> 8) ^ c->t[0][c->t[k - 1][i] & 0xFF]);
    c->k128[0] = xpow_reflected(c->poly17, 128 + 63);
    c->k128[1] = xpow_reflected(c->poly17, 128 - 1);
    c->k512[0] = xpow_reflected(c->poly17, 512 + 63);
    c->k512[1] = xpow_reflected(c->poly17, 512 - 1);
#ifdef SM_CRC_CLMUL
    __builtin_cpu_init();
    c->clmul = __builtin_cpu_supports("pclmul") && __builtin_cpu_supports("sse4.1");
#endif
}

static void make_slices(void)
{
    derive(&x25);
    derive(&arc);
}

/* eight bytes, the first one lowest (the order of a reflected CRC) */
static inline uint64_t le64(const uint8_t *p)
{
    uint64_t x;
    memcpy(&x, p, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    x = __builtin_bswap64(x);
#endif
    return x;
}

#define B(x, k) (((x) >> (8 * (k))) & 0xFF)

static uint16_t crc_table(const crc_kind *c, uint16_t crc, const uint8_t *buf, size_t len)
{
    const uint16_t(*t)[256] = c->t;
    size_t i = 0;
    /* sixteen bytes at a time, two loads: the CRC meets the first two
     * bytes; the lookups are independent, xor-ed as a tree */
    for (; i + 16 <= len; i += 16) {
        uint64_t a = le64(buf + i) ^ crc, b = le64(buf + i + 8);
        unsigned x0 = t[15][B(a, 0)] ^ t[14][B(a, 1)], x1 = t[13][B(a, 2)] ^ t[12][B(a, 3)];
        unsigned x2 = t[11][B(a, 4)] ^ t[10][B(a, 5)], x3 = t[9][B(a, 6)] ^ t[8][B(a, 7)];
        unsigned x4 = t[7][B(b, 0)] ^ t[6][B(b, 1)], x5 = t[5][B(b, 2)] ^ t[4][B(b, 3)];
        unsigned x6 = t[3][B(b, 4)] ^ t[2][B(b, 5)], x7 = t[1][B(b, 6)] ^ t[0][B(b, 7)];
        crc = (uint16_t)(((x0 ^ x1) ^ (x2 ^ x3)) ^ ((x4 ^ x5) ^ (x6 ^ x7)));
    }
    for (; i < len; i++)
        crc = (uint16_t)((crc >> 8) ^ t[0][(crc ^ buf[i]) & 0xFF]);
    return crc;
}

#ifdef SM_CRC_CLMUL
/* r moved on by the distance of k, and the block b added: the message's
 * polynomial modulo P stays what it was */
__attribute__((target("pclmul,sse4.1"))) static inline __m128i fold(__m128i r, __m128i k,
                                                                      __m128i b)
{
    __m128i lo = _mm_clmulepi64_si128(r, k, 0x00), hi = _mm_clmulepi64_si128(r, k, 0x11);
    return _mm_xor_si128(_mm_xor_si128(lo, hi), b);
}

/* len >= 64: four blocks of sixteen bytes folded side by side, sixty-four
 * bytes on each round, then into one; its sixteen bytes, congruent to all
 * before them, and the rest go through the tables */
__attribute__((target("pclmul,sse4.1"))) static uint16_t crc_clmul(const crc_kind *c,
                                                                    uint16_t crc,
                                                                    const uint8_t *buf,
                                                                    size_t len)
{
    const __m128i k512 = _mm_set_epi64x((long long)c->k512[1], (long long)c->k512[0]);
    const __m128i k128 = _mm_set_epi64x((long long)c->k128[1], (long long)c->k128[0]);
    const __m128i *p = (const __m128i *)(const void *)buf;
    __m128i r0 = _mm_xor_si128(_mm_loadu_si128(p), _mm_cvtsi32_si128(crc));
    __m128i r1 = _mm_loadu_si128(p + 1), r2 = _mm_loadu_si128(p + 2);
    __m128i r3 = _mm_loadu_si128(p + 3);
    size_t i = 64;
    for (; i + 64 <= len; i += 64) {
        p = (const __m128i *)(const void *)(buf + i);
        r0 = fold(r0, k512, _mm_loadu_si128(p));
        r1 = fold(r1, k512, _mm_loadu_si128(p + 1));
        r2 = fold(r2, k512, _mm_loadu_si128(p + 2));
        r3 = fold(r3, k512, _mm_loadu_si128(p + 3));
    }
    r3 = fold(fold(fold(r0, k128, r1), k128, r2), k128, r3);
    for (; i + 16 <= len; i += 16)
        r3 = fold(r3, k128, _mm_loadu_si128((const __m128i *)(const void *)(buf + i)));
    uint8_t last[16];
    _mm_storeu_si128((__m128i *)(void *)last, r3);
    return crc_table(c, crc_table(c, 0, last, 16), buf + i, len - i);
}
#endif

static uint16_t crc_reflected(crc_kind *c, uint16_t crc, const uint8_t *buf, size_t len)
{
    if (len < 16)
        return crc_table(c, crc, buf, len);
    pthread_once(&once, make_slices);
#ifdef SM_CRC_CLMUL
    if (len >= 64 && c->clmul)
        return crc_clmul(c, crc, buf, len);
#endif
    return crc_table(c, crc, buf, len);
}

uint16_t sm_crc16_x25(const uint8_t *buf, size_t len)
{
    return (uint16_t)(crc_reflected(&x25, 0xFFFF, buf, len) ^ 0xFFFF);
}

uint16_t sm_crc16_arc(const uint8_t *buf, size_t len)
{
    return crc_reflected(&arc, 0, buf, len);
}

uint16_t sm_crc16_tables(bool is_x25, const uint8_t *buf, size_t len)
{
    pthread_once(&once, make_slices);
    return is_x25 ? (uint16_t)(crc_table(&x25, 0xFFFF, buf, len) ^ 0xFFFF)
                  : crc_table(&arc, 0, buf, len);
}
