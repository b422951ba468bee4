/* sm_gen.h - random data-notifications with every A-XDR type, for the
 * round-trip property tests (tests/test_roundtrip.c, fuzz/fuzz_roundtrip.c):
 * the generator encodes values it chose and records, beside the encoding,
 * what a decoder must give back for each element.  Nothing here is used by
 * the decoder.
 *
 * The body is structure { {OBIS, value} ... }: every value becomes one
 * reading under its OBIS code, so each renderer shows each value.  Values
 * are drawn from every type of IEC 62056-6-2 (null-data, containers nested
 * up to SM_AXDR_MAX_DEPTH, boolean, bit-string, the integers at their
 * edges, 2^53 +- 1, bcd (also with nibbles above 9), octet-, visible- and
 * utf8-strings (printable or not), compact-array, enum, float32 and float64
 * (NaN, infinities, -0, subnormals), date-time (valid, unspecified fields,
 * impossible days), date, time, dont-care), with every length form (one
 * byte, 0x81, 0x82, 0x83 and 0x84, minimal or not) and empty containers. */
#ifndef SM_GEN_H
#define SM_GEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sm_axdr.h"
#include "sm_decoder.h"

#define SMG_MAX_READINGS 40
#define SMG_MAX_NODES 900

typedef struct {
    uint8_t type;       /* the tag written */
    uint8_t kind;       /* sm_value_kind the decoder must give */
    uint16_t depth;
    uint32_t subtree;   /* nodes in its subtree, itself included */
    uint32_t count;     /* containers: elements; bit-string: bits */
    int64_t i;          /* SM_VK_INT */
    uint64_t u;         /* SM_VK_UINT (bcd: the decimal value) */
    double f;           /* SM_VK_FLOAT */
    uint64_t bits;      /* floats: the wire bits (float32 in the low 32) */
    uint32_t tag_off;   /* offset of the tag in the APDU */
    uint32_t off, len;  /* SM_VK_BYTES and scalars: the value's bytes */
    uint32_t end;       /* offset after the element (its whole encoding) */
    bool invalid;       /* a bcd digit above 9, a date-time that cannot be */
    bool is_datetime;   /* twelve octets that make a date-time */
} smg_node;

typedef struct {
    uint8_t apdu[SM_APDU_MAX];
    size_t len;
    size_t body;                  /* offset of the body */
    smg_node nodes[SMG_MAX_NODES];/* the body in pre-order */
    size_t nnodes;
    size_t nreadings;
    sm_obis obis[SMG_MAX_READINGS];
    size_t value[SMG_MAX_READINGS]; /* index of each reading's value node */
} smg_telegram;

/* A data-notification (invoke-id, no date-time) of 1..max_readings
 * readings whose values are drawn from *rng (xorshift64 state, not 0).
 * Always fits SM_APDU_MAX and SM_MAX_NODES. */
void smg_make(smg_telegram *g, uint64_t *rng, unsigned max_readings);

uint64_t smg_rand(uint64_t *rng);

#endif
