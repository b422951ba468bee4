/* sm_hex.h - the one reader and the one writer of hex digits in the
 * project: keys, DSMR checksums and hex-encoded strings, layout files,
 * smdecode's input and output, the plugin's dump files.  Header-only,
 * thread-safe. */
#ifndef SM_HEX_H
#define SM_HEX_H

#include <stddef.h>
#include <stdint.h>

/* The value of a hex digit (either case), -1 for any other character. */
static inline int sm_hex_digit(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c |= 0x20;
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* The upper-case hex digit of the low four bits of v. */
static inline char sm_hex_char(unsigned v) { return "0123456789ABCDEF"[v & 15]; }

/* The 2n upper-case hex digits of p[0..n) at out (no NUL). */
static inline void sm_hex_encode(const uint8_t *p, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = sm_hex_char(p[i] >> 4);
        out[2 * i + 1] = sm_hex_char(p[i]);
    }
}

#endif
