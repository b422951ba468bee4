/* fuzz_tic.c - TIC: the frames (sm_tic_frame.c) and their groups
 * (sm_tic.c), alone and through the whole decoder and its renderers.
 *
 * Byte 0: bit 0 set: the rest is a frame's payload, which the target frames
 * itself (STX, the payload with any STX, ETX or EOT in it made a space,
 * ETX); with bit 3 too, each group's checksum is first made right by the
 * specification's rule, so that inputs reach the label and value checks;
 * bit 1: the frame as a 7E1 line read as eight bits carries it (bit 7 the
 * parity); bit 0 clear: the rest is the stream as a line carries it.  Bit 2:
 * the decoder detects the framing (auto) instead of reading TIC only.
 * Properties: the stream fed in pieces gives the same telegrams
 * (fuzz_split.h); every telegram renders (the JSON line is valid JSON); the
 * payload parsed alone gives the same readings as through the frame (with
 * or without the parity bits); and every reading is a group that passes
 * every check when checked here again: its bytes inside the payload, its
 * checksum right by the rule (historique's mode 2 where the frame uses it), its label of [A-Z0-9+-], its text of
 * 0x20-0x5F (DATE's: its horodate, lower case when the clock is degraded),
 * a number's digits its value. */
#include <string.h>

#include "fuzz.h"
#include "fuzz_render.h"
#include "fuzz_split.h"
#include "sm_build.h"
#include "sm_decoder.h"
#include "sm_tic.h"

static uint8_t frame[SM_TIC_MAX + 8], payload[SM_TIC_MAX];
static sm_reading readings[SM_MAX_READINGS];
static sm_tic_info info;
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
        h = fuzz_mix(fuzz_mix(h, r[i].text_len), r[i].label_len);
    }
    return h;
}

static void on_telegram(void *ctx, const sm_telegram *t)
{
    state *s = ctx;
    fuzz_trace_telegram(&s->whole, t);
    fuzz_render(&fr, t);
    if (t->err || !t->is_tic)
        return;
    s->good++;
    s->readings_hash = readings_hash(t->readings, t->nreadings);
}

/* Every group's checksum right by the rule: the byte before each CR. */
static void fix_checksums(uint8_t *p, size_t n)
{
    size_t start = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] == '\n')
            start = i + 1;
        if (p[i] != '\r' || i < start + 3)
            continue;
        bool standard = memchr(p + start, '\t', i - start) != NULL;
        size_t summed = standard ? i - 1 - start : i - 2 - start;
        p[i - 1] = sm_tic_checksum(p + start, summed);
    }
}

static bool is_in(const uint8_t *x, size_t len, const uint8_t *p, size_t n)
{
    return !x || (x >= p && x + len <= p + n);
}

/* Every reading is a good group: checked here again, from its bytes. */
static void check_readings(const uint8_t *p, size_t n, const sm_reading *r, size_t nr,
                           bool mode2)
{
    for (size_t i = 0; i < nr; i++) {
        const sm_reading *x = &r[i];
        if (!is_in(x->label, x->label_len, p, n) || !is_in(x->text, x->text_len, p, n) ||
            !is_in(x->bytes, x->len, p, n))
            FUZZ_FAIL("reading %zu points outside the payload", i);
        for (size_t k = 0; k < x->label_len; k++) {
            uint8_t c = x->label[k];
            if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '+' || c == '-'))
                FUZZ_FAIL("reading %zu: a label byte 0x%02X", i, c);
        }
        sm_datetime dt;
        if (x->kind == SM_RK_DATETIME && !sm_tic_horodate(x->text, x->text_len, &dt))
            FUZZ_FAIL("reading %zu: a date-time whose horodate is none", i);
        for (size_t k = 0; x->kind != SM_RK_DATETIME && k < x->text_len; k++)
            if (x->text[k] < 0x20 || x->text[k] > 0x5F)
                FUZZ_FAIL("reading %zu: a data byte 0x%02X", i, x->text[k]);
        /* the group: from the label to the CR after the data */
        const uint8_t *g = x->label, *cr = memchr(x->text, '\r', (size_t)(p + n - x->text));
        if (!cr || cr - g < 3)
            FUZZ_FAIL("reading %zu: no CR after its data", i);
        bool standard = cr[-2] == '\t';
        size_t summed = (size_t)(cr - g) - (standard || mode2 ? 1 : 2);
        if (sm_tic_checksum(g, summed) != cr[-1])
            FUZZ_FAIL("reading %zu: its group's checksum is wrong", i);
        if (x->kind == SM_RK_NUMBER) {
            uint64_t v = 0;
            for (size_t k = 0; k < x->text_len; k++) {
                if (x->text[k] < '0' || x->text[k] > '9')
                    FUZZ_FAIL("reading %zu: a number with a non-digit", i);
                v = v * 10 + (uint64_t)(x->text[k] - '0');
            }
            if (v != x->raw_u)
                FUZZ_FAIL("reading %zu: %llu read as %llu", i, (unsigned long long)v,
                          (unsigned long long)x->raw_u);
        }
    }
}

/* The payload alone: its readings checked; their hash. */
static uint64_t parse_alone(const uint8_t *p, size_t n, size_t *good)
{
    sm_reading_set rs = {readings, SM_MAX_READINGS, 0, NULL, false};
    sm_cur c = sm_cur_make(p, n);
    sm_err e = sm_tic_parse(&c, false, &info, &rs);
    if (c.p < p || c.p > p + n)
        FUZZ_FAIL("the cursor left the payload (%s)", sm_errname(e));
    unsigned counted = info.ok;
    for (int v = 1; v < SM_TIC_VERDICTS; v++)
        counted += info.failed[v];
    if (counted != info.ngroups)
        FUZZ_FAIL("%u groups counted of %u", counted, info.ngroups);
    if ((e == SM_OK) != (info.ok > 0) || rs.n != (size_t)info.ok)
        FUZZ_FAIL("%s with %u good groups and %zu readings", sm_errname(e), info.ok, rs.n);
    check_readings(p, n, readings, rs.n, info.checksum_mode2);
    *good = e == SM_OK;
    return readings_hash(readings, rs.n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > SM_APDU_MAX)
        return 0;
    uint8_t mode = data[0];
    bool framed_here = mode & 1, parity = mode & 2, fix = mode & 8;
    sm_link link = mode & 4 ? SM_LINK_AUTO : SM_LINK_TIC;
    const uint8_t *stream = data + 1;
    size_t n = size - 1, len = n;
    if (framed_here) {
        if (n > SM_TIC_MAX - 2)
            return 0;
        for (size_t i = 0; i < n; i++) {
            uint8_t c = data[1 + i] & 0x7F;
            payload[i] = c == 0x02 || c == 0x03 || c == 0x04 ? ' ' : c;
        }
        if (fix)
            fix_checksums(payload, n);
        len = smb_tic_frame(frame, sizeof frame, payload, n);
        if (parity)
            smb_7e1(frame, len);
        stream = frame;
    }
    fuzz_renderers_new(&fr);
    state s = {{0, 0}, 0, 0};
    sm_decoder_init(&dec, link, on_telegram, &s);
    sm_decoder_feed(&dec, stream, len);
    sm_decoder_finish(&dec);
    fuzz_renderers_free(&fr);
    fuzz_split_check(&split, link, false, stream, len, mode, &s.whole);
    if (!framed_here || link == SM_LINK_AUTO)
        return 0; /* (auto: a frame that begins unlike TIC is not taken) */
    size_t good;
    uint64_t alone = parse_alone(payload, n, &good);
    /* the frame this target made carries exactly this payload */
    if (s.good != good || (good && alone != s.readings_hash))
        FUZZ_FAIL("through the frame %zu good, alone %zu (or other readings)", s.good, good);
    return 0;
}
