/* fuzz_split.h - split invariance for the targets that take a stream: the
 * telegrams a decoder gives (errors, offsets, every reading's code and
 * value) as a hash, and the stream fed in pseudo-random pieces of 1 to 300
 * bytes.  A target decodes the input whole with fuzz_trace_telegram() in its
 * callback, then again with fuzz_split_decode(), and compares. */
#ifndef FUZZ_SPLIT_H
#define FUZZ_SPLIT_H

#include <string.h>

#include "fuzz.h"
#include "sm_decoder.h"

typedef struct {
    uint64_t n, hash;
} fuzz_trace;

static inline uint64_t fuzz_mix(uint64_t h, uint64_t v) { return (h ^ v) * 0x100000001B3ULL; }

static inline void fuzz_trace_telegram(fuzz_trace *tr, const sm_telegram *t)
{
    uint64_t h = fuzz_mix(tr->hash, (uint64_t)t->err);
    h = fuzz_mix(h, t->link ? t->link->offset : 0);
    h = fuzz_mix(h, t->nreadings);
    for (size_t i = 0; i < t->nreadings; i++) {
        const sm_reading *r = &t->readings[i];
        uint64_t v;
        memcpy(&v, &r->value, sizeof v);
        h = fuzz_mix(fuzz_mix(fuzz_mix(h, r->obis.a << 8 | r->obis.c), r->obis.d << 8 | r->obis.e),
                     v);
        h = fuzz_mix(fuzz_mix(h, r->raw_u), r->len);
    }
    tr->hash = h;
    tr->n++;
}

static inline void fuzz_split_cb(void *ctx, const sm_telegram *t) { fuzz_trace_telegram(ctx, t); }

/* Decode data in pieces with d (initialised here for link, keys set by
 * the caller through set_keys) and fail when the telegrams differ from
 * `whole`. */
static inline void fuzz_split_check(sm_decoder *d, sm_link link, bool keys, const uint8_t *data,
                                    size_t size, uint32_t seed, const fuzz_trace *whole)
{
    fuzz_trace pieces = {0, 0};
    sm_decoder_init(d, link, fuzz_split_cb, &pieces);
    if (keys)
        sm_decoder_set_keys(d, fuzz_ek, 16, fuzz_ak, 16, true);
    uint32_t rng = 0x9E3779B9u ^ seed;
    for (size_t at = 0; at < size;) {
        rng = rng * 1103515245u + 12345u;
        size_t k = 1 + (rng >> 16) % 300;
        k = k < size - at ? k : size - at;
        sm_decoder_feed(d, data + at, k);
        at += k;
    }
    sm_decoder_finish(d);
    sm_decoder_wipe(d);
    if (whole->n != pieces.n || whole->hash != pieces.hash)
        FUZZ_FAIL("the stream in pieces gave other telegrams (%llu vs %llu)",
                  (unsigned long long)whole->n, (unsigned long long)pieces.n);
}

#endif
