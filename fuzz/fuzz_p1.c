/* fuzz_p1.c - P1 text: the parser of the lines (sm_p1_parse) and the four
 * renderers on what it gives.
 *
 * Byte 0: bit 0 set: the rest is a telegram up to (not including) its "!"
 * and the target ends it with "!", the CRC and CR LF (with bit 2 also set:
 * as IEC 62056-21's data block, an STX before its first data line and "!"
 * CR LF ETX BCC), so that the inputs
 * that keep P1's character rules reach the line parser; bit 0 clear: the
 * rest is the text as sent (its
 * own "!" and CRC, or none).  Bit 1: through the whole decoder (deframer
 * in P1 mode, where the text fed in pieces must give the same telegrams:
 * fuzz_split.h) instead of the parser alone.  Properties: the parser never
 * fails a telegram whose framing and CRC are right (lines it cannot read
 * are notes: checked for the telegrams this target ended itself); every reading's text lies inside the telegram; a profile's
 * entries follow it, each naming it as parent, and no more than it counts;
 * the notes kept are at most SM_P1_MAX_NOTES and name lines of the
 * telegram; the JSON line is valid JSON; the memo of what a meter repeats
 * (sm_p1_memo) changes nothing: the parser alone reads the text again with
 * a memo that a usual telegram left, then with the one it left itself, to
 * the same readings and notes as without one. */
#include <string.h>

#include "fuzz.h"
#include "fuzz_render.h"
#include "same_reading.h"
#include "sm_build.h"
#include "fuzz_split.h"
#include "sm_decoder.h"

static char text[SM_P1_MAX + 16];
static sm_reading readings[SM_MAX_READINGS], again[SM_MAX_READINGS];
static sm_p1_memo memo;
static uint8_t scratch[SM_P1_MAX / 2];
static sm_decoder dec, split;
static fuzz_renderers fr;

static void check_readings(const sm_telegram *t)
{
    const uint8_t *lo = t->apdu, *hi = t->apdu + t->apdu_len;
    for (size_t i = 0; i < t->nreadings; i++) {
        const sm_reading *r = &t->readings[i];
        if (r->text && (r->text < lo || r->text + r->text_len > hi))
            FUZZ_FAIL("reading %zu: its text lies outside the telegram", i);
        if (r->parent != SM_NO_NODE) {
            const sm_reading *p = &t->readings[r->parent];
            if (r->parent >= i || p->kind != SM_RK_LIST || r->row >= p->count)
                FUZZ_FAIL("reading %zu: entry %u of reading %u, which is no list of so many",
                          i, r->row, r->parent);
            if (i > 0 && t->readings[i - 1].parent != r->parent && i - 1 != r->parent)
                FUZZ_FAIL("reading %zu: entries of a list are not together", i);
        }
    }
    const sm_p1_info *p = &t->p1;
    for (unsigned k = 0; k < p->nnotes && k < SM_P1_MAX_NOTES; k++)
        if (p->notes[k].offset >= t->apdu_len || p->notes[k].line < 2)
            FUZZ_FAIL("note %u names no line of the telegram", k);
}

/* text[0..n) read with the memo as it is: what t says it gives without one */
static void memo_same(const sm_telegram *t, size_t n, const char *which)
{
    sm_reading_set rs = {again, SM_MAX_READINGS, 0, NULL, false};
    sm_p1_info info;
    sm_err e = sm_p1_parse_text(SM_CUR_OVER(text, n), &info, &rs, scratch, sizeof scratch, &memo);
    if (e != t->err || rs.n != t->nreadings || info.lines != t->p1.lines ||
        info.nnotes != t->p1.nnotes)
        FUZZ_FAIL("with the memo %s: %s, %zu readings; without: %s, %zu", which,
                  sm_errname(e), rs.n, sm_errname(t->err), t->nreadings);
    for (unsigned k = 0; k < info.nnotes && k < SM_P1_MAX_NOTES; k++)
        if (info.notes[k].line != t->p1.notes[k].line ||
            info.notes[k].kind != t->p1.notes[k].kind ||
            info.notes[k].offset != t->p1.notes[k].offset)
            FUZZ_FAIL("with the memo %s: note %u differs", which, k);
    for (size_t i = 0; i < rs.n; i++)
        if (!same_reading(&again[i], &t->readings[i]))
            FUZZ_FAIL("with the memo %s: reading %zu differs", which, i);
}

/* a memo as a DSMR 5 meter's telegrams leave it */
static void memo_usual(void)
{
    static char usual[2048];
    static size_t usual_n;
    if (!usual_n)
        usual_n = smb_p1(usual, sizeof usual,
                         "/ISK5\\2M550T-1012\r\n\r\n1-3:0.2.8(50)\r\n0-0:1.0.0(230821232300S)\r\n"
                         "0-0:96.1.1(4530303434303037313331363530323137)\r\n"
                         "1-0:1.8.1(000077.147*kWh)\r\n1-0:1.8.2(000868.037*kWh)\r\n"
                         "1-0:2.8.1(000000.015*kWh)\r\n1-0:2.8.2(000556.926*kWh)\r\n"
                         "0-0:96.14.0(0001)\r\n1-0:1.7.0(04.715*kW)\r\n1-0:2.7.0(01.905*kW)\r\n"
                         "0-0:96.7.21(00004)\r\n0-0:96.7.9(00002)\r\n"
                         "1-0:99.97.0(1)(0-0:96.7.19)(230820232300S)(0000000240*s)\r\n"
                         "1-0:32.32.0(00002)\r\n0-0:96.13.0()\r\n1-0:32.7.0(230.3*V)\r\n"
                         "1-0:31.7.0(021.80*A)\r\n1-0:21.7.0(01.571*kW)\r\n"
                         "0-1:24.1.0(003)\r\n0-1:96.1.0(4730303031323334353637383930)\r\n"
                         "0-1:24.2.1(230821232300S)(00981.443*m3)\r\n",
                         SMB_P1_CRC);
    static sm_reading r[SM_MAX_READINGS];
    static uint8_t sc[1024];
    sm_reading_set rs = {r, SM_MAX_READINGS, 0, NULL, false};
    sm_p1_info info;
    memset(&memo, 0, sizeof memo);
    if (sm_p1_parse_text(SM_CUR_OVER(usual, usual_n), &info, &rs, sc, sizeof sc, &memo) != SM_OK || rs.n != 22)
        FUZZ_FAIL("the usual telegram: %zu readings", rs.n);
}

/* what on_telegram() checks against, and the telegrams as a hash (the
 * decoder mode's split invariance) */
typedef struct {
    bool framed_here;
    fuzz_trace whole;
} seen;

static void on_telegram(void *ctx, const sm_telegram *t)
{
    seen *s = ctx;
    bool framed_here = s->framed_here;
    fuzz_trace_telegram(&s->whole, t);
    if (t->err == SM_OK && t->is_p1)
        check_readings(t);
    if (framed_here && t->err != SM_OK && sm_errlayer(t->err) == SM_LAYER_P1)
        FUZZ_FAIL("a telegram with its framing and CRC right failed: %s", sm_errname(t->err));
    fuzz_render(&fr, t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > SM_P1_MAX)
        return 0;
    uint8_t mode = data[0];
    data++;
    size--;
    size_t n = size;
    bool framed_here = false;
    if (mode & 1) {
        char body[SM_P1_MAX + 1];
        memcpy(body, data, size);
        body[size] = '\0';
        if (strlen(body) != size || memchr(body, '!', size))
            return 0; /* smb_p1 writes a C string; the body has no "!" of its own */
        n = smb_p1(text, sizeof text, body, mode & 4 ? SMB_P1_BCC : SMB_P1_CRC);
        if (n == 0)
            return 0;
        /* its framing is right when the body keeps the character rules */
        sm_p1_frame f;
        sm_err e;
        memset(&f, 0, sizeof f);
        framed_here = sm_p1_scan((const uint8_t *)text, n, true, &f, &e) == SM_P1_COMPLETE &&
                      f.len == n && !f.parity;
    } else {
        memcpy(text, data, size);
    }
    fuzz_renderers_new(&fr);
    if (mode & 2) {
        seen s = {framed_here, {0, 0}};
        sm_decoder_init(&dec, SM_LINK_P1, on_telegram, &s);
        sm_decoder_feed(&dec, (const uint8_t *)text, n);
        sm_decoder_finish(&dec);
        /* whole = in pieces (split invariance) */
        fuzz_split_check(&split, SM_LINK_P1, false, (const uint8_t *)text, n, mode, &s.whole);
    } else {
        /* the parser alone, as for text inside the ciphering */
        sm_reading_set rs = {readings, SM_MAX_READINGS, 0, NULL, false};
        sm_telegram t;
        memset(&t, 0, sizeof t);
        t.err = sm_p1_parse_text(SM_CUR_OVER(text, n), &t.p1, &rs, scratch, sizeof scratch, NULL);
        t.is_p1 = true;
        t.apdu = (const uint8_t *)text;
        t.apdu_len = n;
        t.readings = readings;
        t.nreadings = rs.n;
        t.layout = rs.layout;
        if (framed_here && t.err != SM_OK)
            FUZZ_FAIL("a telegram with its framing and CRC right failed: %s", sm_errname(t.err));
        if (t.err == SM_OK) {
            seen s = {framed_here, {0, 0}};
            on_telegram(&s, &t);
        }
        memo_usual();
        memo_same(&t, n, "of a usual telegram");
        memo_same(&t, n, "of this one");
    }
    fuzz_renderers_free(&fr);
    return 0;
}
