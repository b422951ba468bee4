/* fuzz_sml.c - SML: the transport (sm_sml_frame.c) and the messages
 * (sm_sml.c), alone and through the whole decoder and its renderers.
 *
 * Byte 0: bit 0 set: the rest is SML messages, which the target frames
 * itself (escapes, padding, the CRC: CRC-16/KERMIT with bit 1, else X.25),
 * so that inputs reach the message parser past the transport's CRC; bit 0
 * clear: the rest is the stream as a line carries it.  Bit 2: the decoder
 * detects the framing (auto) instead of reading SML only.  Properties: the
 * stream fed in pieces gives the same telegrams (fuzz_split.h); every
 * telegram renders (the JSON line is valid JSON); the messages parsed alone
 * give the same readings as through the transport (the meter quirk
 * applied, once for all), and every reading's
 * bytes lie inside the messages or the scratch of printed meter numbers;
 * on an error the cursor lies inside the messages. */
#include <string.h>

#include "fuzz.h"
#include "fuzz_render.h"
#include "fuzz_split.h"
#include "sm_build.h"
#include "sm_decoder.h"
#include "sm_quirk.h"
#include "sm_sml.h"

static uint8_t frame[2 * SM_APDU_MAX + 64];
static sm_reading readings[SM_MAX_READINGS];
static uint8_t scratch[SM_APDU_MAX / 2];
static sm_decoder dec, split;
static fuzz_renderers fr;

typedef struct {
    fuzz_trace whole;
    size_t good;
    uint64_t readings_hash;
} state;

static uint64_t readings_hash(const sm_reading *r, size_t n)
{
    uint64_t h = n;
    for (size_t i = 0; i < n; i++) {
        uint64_t v;
        memcpy(&v, &r[i].value, sizeof v);
        h = fuzz_mix(fuzz_mix(fuzz_mix(h, r[i].obis.c << 8 | r[i].obis.d), r[i].raw_u), v);
        h = fuzz_mix(fuzz_mix(h, r[i].len), r[i].has_status ? r[i].status : 0);
    }
    return h;
}

static void on_telegram(void *ctx, const sm_telegram *t)
{
    state *s = ctx;
    fuzz_trace_telegram(&s->whole, t);
    fuzz_render(&fr, t);
    if (t->err || !t->is_sml)
        return;
    s->good++;
    s->readings_hash = readings_hash(t->readings, t->nreadings);
}

/* The messages alone: readings inside them (or the scratch), the cursor
 * inside them on an error; the meter quirk applied as the decoder does
 * (AUTO), and applying it again changes nothing. */
static sm_err parse_alone(const uint8_t *p, size_t n, bool kermit, uint64_t *hash)
{
    sm_reading_set rs = {readings, SM_MAX_READINGS, 0, NULL, false};
    sm_sml_info info;
    sm_cur c = sm_cur_make(p, n);
    sm_err e = sm_sml_parse(&c, kermit, true, &info, &rs, scratch, sizeof scratch);
    if (c.p < p || c.p > p + n)
        FUZZ_FAIL("the cursor left the messages (%s)", sm_errname(e));
    for (size_t i = 0; i < rs.n; i++) {
        const sm_reading *r = &readings[i];
        bool in_msgs = r->bytes >= p && r->bytes + r->len <= p + n;
        bool in_scratch = r->bytes >= scratch && r->bytes + r->len <= scratch + sizeof scratch;
        if (r->bytes && !in_msgs && !in_scratch)
            FUZZ_FAIL("reading %zu points outside the messages", i);
    }
    if (!e) {
        sm_quirk_meter m = {info.meter_number};
        const sm_quirk *q = sm_quirk_find(NULL, &m, readings, rs.n);
        sm_quirk_apply(q, readings, rs.n);
        uint64_t once = readings_hash(readings, rs.n);
        if (sm_quirk_apply(q, readings, rs.n) || readings_hash(readings, rs.n) != once)
            FUZZ_FAIL("meter quirk %s changed readings it had changed already", q->name);
    }
    *hash = readings_hash(readings, rs.n);
    return e;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > SM_APDU_MAX)
        return 0;
    uint8_t mode = data[0];
    bool framed_here = mode & 1, kermit = mode & 2;
    sm_link link = mode & 4 ? SM_LINK_AUTO : SM_LINK_SML;
    const uint8_t *in = data + 1;
    size_t n = size - 1, len = n;
    const uint8_t *stream = in;
    if (framed_here) {
        len = smb_sml_frame(frame, sizeof frame, in, n, kermit);
        if (len == 0)
            return 0;
        stream = frame;
    }
    fuzz_renderers_new(&fr);
    state s = {{0, 0}, 0, 0};
    sm_decoder_init(&dec, link, on_telegram, &s);
    sm_decoder_feed(&dec, stream, len);
    sm_decoder_finish(&dec);
    fuzz_renderers_free(&fr);
    fuzz_split_check(&split, link, false, stream, len, mode, &s.whole);
    if (!framed_here || len > SM_APDU_MAX)
        return 0; /* (a frame longer than any is refused, its messages are not) */
    uint64_t alone;
    sm_err e = parse_alone(in, n, kermit, &alone);
    /* the frame this target made carries exactly these messages */
    if (s.good == 1 && (e || alone != s.readings_hash))
        FUZZ_FAIL("through the transport %s, alone %s with other readings", "ok", sm_errname(e));
    if (s.good == 0 && !e && n > 0)
        FUZZ_FAIL("the messages parse alone, but not in the frame made of them");
    return 0;
}
