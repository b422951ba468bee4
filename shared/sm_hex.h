/* sm_hex.h - the one reader of hex digits in the project: keys, DSMR
 * checksums and hex-encoded strings, smdecode's hex input.  Header-only,
 * thread-safe. */
#ifndef SM_HEX_H
#define SM_HEX_H

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

#endif
