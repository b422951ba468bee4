/* fuzz_deframe.c - the link-layer deframer (M-Bus, HDLC, wrapper, bare
 * APDUs, P1 text).
 *
 * Input: byte 0 picks the link mode (bits 0-2; 6-7 mean auto) and seeds the
 * split; the rest is the byte stream.  Property: the deframer's contract says
 * the result does not depend on how the input is split, so the stream fed
 * whole and fed in pseudo-random chunks (1 to 300 bytes) must give the same
 * events (error, link, offsets, frame counts, APDU bytes) and statistics.
 * The length hint sm_deframer_expect() must stay within a frame's size. */
#include <string.h>

#include "fuzz.h"
#include "sm_deframe.h"

typedef struct {
    uint64_t events;
    uint64_t hash;
} trace;

static uint64_t mix(uint64_t h, uint64_t v)
{
    h ^= v + 0x9E3779B97F4A7C15ULL + (h << 6) + (h >> 2);
    return h * 0x100000001B3ULL;
}

static void on_event(void *ctx, const sm_link_event *ev)
{
    trace *t = ctx;
    uint64_t h = mix(t->hash, (uint64_t)ev->err);
    h = mix(h, ev->link);
    h = mix(h, ev->offset);
    h = mix(h, ev->err_offset);
    h = mix(h, ev->err_frame);
    h = mix(h, ev->frame_count);
    h = mix(h, ev->nframes);
    h = mix(h, ev->apdu_len);
    for (size_t i = 0; i < ev->apdu_len; i++)
        h = mix(h, ev->apdu[i]);
    for (unsigned i = 0; i < ev->nframes; i++)
        h = mix(mix(h, ev->frames[i].offset), ev->frames[i].length);
    t->hash = h;
    t->events++;
}

static sm_deframer whole, split;

static void check_expect(const sm_deframer *d)
{
    size_t e = sm_deframer_expect(d);
    if (e != SM_EXPECT_IDLE && e != SM_EXPECT_SOME && e > SM_LINK_FRAME_MAX)
        FUZZ_FAIL("expect() says %zu bytes, more than a frame", e);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    unsigned mode = data[0] & 7;
    sm_link link = mode < SM_LINK_COUNT ? (sm_link)mode : SM_LINK_AUTO;
    uint32_t rng = 0x12345u ^ data[0];
    data++;
    size--;

    trace a = {0, 0}, b = {0, 0};
    sm_deframer_init(&whole, link, on_event, &a);
    sm_deframer_feed(&whole, data, size);
    check_expect(&whole);
    sm_deframer_finish(&whole);

    sm_deframer_init(&split, link, on_event, &b);
    for (size_t at = 0; at < size;) {
        rng = rng * 1103515245u + 12345u;
        size_t k = 1 + (rng >> 16) % 300;
        if (k > size - at)
            k = size - at;
        sm_deframer_feed(&split, data + at, k);
        check_expect(&split);
        at += k;
    }
    sm_deframer_finish(&split);

    if (a.events != b.events || a.hash != b.hash)
        FUZZ_FAIL("split input gave other events (%llu vs %llu)", (unsigned long long)a.events,
                  (unsigned long long)b.events);
    const sm_link_stats *ws = sm_deframer_stats(&whole), *ss = sm_deframer_stats(&split);
    if (memcmp(ws, ss, sizeof *ws) != 0)
        FUZZ_FAIL("split input gave other statistics");
    if (ws->bytes_in != size)
        FUZZ_FAIL("bytes_in %llu, fed %zu", (unsigned long long)ws->bytes_in, size);
    return 0;
}
