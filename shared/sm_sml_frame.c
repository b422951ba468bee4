/* sm_sml_frame.c - SML transport v1, the push of Germany's modern meters
 * on their optical port (SML 1.04, BSI TR-03109-1 annex):
 *   1B 1B 1B 1B 01 01 01 01   start escape, version 1
 *   the SML messages          four 1B in them are sent as eight (escaped)
 *   00 .. 00                  padding: the frame so far a multiple of 4
 *   1B 1B 1B 1B 1A nn c1 c2   end escape: the padding count, the CRC
 * The CRC covers the frame from its first byte to nn: CRC-16/X.25 sent low
 * byte first, or CRC-16/KERMIT sent high byte first (Holley on RS485): both
 * are tried, the one the last frame had first.  An escape is four 1B
 * wherever they begin (the sender escapes the first four of a run, as the
 * receiver reads them: left to right); what follows it says which:
 * 1B 1B 1B 1B data, 1A the end (on a 4-byte boundary from the start, else a
 * byte was lost or added), 01 01 01 01 the next frame's start (this one cut
 * short).  The payload delivered is the messages, unescaped, without the
 * padding (sm_sml.c reads them).  A link-layer family of the deframer
 * (sm_link.h). */
#define SM_ALLOW_PRIVATE_ACCESS
#include "sm_link.h"

#include <string.h>

#include "sm_crc.h"

#define SML_MAX SM_APDU_MAX /* the longest frame taken (real ones: 200-700 bytes) */
#define PADDING_MAX 4       /* 0-3, and DZG's 4 when none is needed */

static const uint8_t escape[4] = {0x1B, 0x1B, 0x1B, 0x1B};
static const uint8_t version1[4] = {0x01, 0x01, 0x01, 0x01};

/* The start escape at p: 1 yes, 0 no, -1 more bytes are needed to tell. */
static int start_escape(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < 8 && i < n; i++)
        if (p[i] != (i < 4 ? 0x1B : 0x01))
            return 0;
    return n >= 8 ? 1 : -1;
}

/* The first escape at or after from, before n (n when there is none); it
 * is classified once the four bytes after it have arrived. */
static size_t next_escape(const uint8_t *p, size_t from, size_t n)
{
    for (size_t j = from; j + 4 <= n; j++) {
        const uint8_t *q = memchr(p + j, 0x1B, n - j);
        if (!q)
            return n;
        j = (size_t)(q - p);
        if (j + 4 <= n && memcmp(q, escape, 4) == 0)
            return j;
    }
    return n;
}

/* The frame's CRC, either kind (the one the last frame had first): true
 * and which matched, or false. */
static bool crc_matches(sm_deframer *d, const uint8_t *p, size_t end, bool *kermit, uint16_t *crc)
{
    uint16_t x25 = (uint16_t)(p[end] | p[end + 1] << 8);
    uint16_t ker = (uint16_t)(p[end] << 8 | p[end + 1]);
    for (int k = 0; k < 2; k++) {
        bool try_kermit = (k == 0) == d->sml.kermit_first;
        if (try_kermit ? sm_crc16_kermit(p, end) == ker : sm_crc16_x25(p, end) == x25) {
            *kermit = try_kermit;
            *crc = try_kermit ? ker : x25;
            return true;
        }
    }
    *kermit = d->sml.kermit_first;
    *crc = *kermit ? ker : x25;
    return false;
}

/* The messages from byte 8 to the end escape at j, unescaped, into the
 * telegram under way; the number of escapes. */
static unsigned unescape(sm_deframer *d, const uint8_t *p, size_t j)
{
    unsigned escapes = 0;
    size_t i = 8;
    for (size_t e; (e = next_escape(p, i, j)) < j; i = e + 8, escapes++) {
        sm_link_append(d, p + i, e - i);
        sm_link_append(d, escape, 4); /* 1B x 8: four 1B of data */
    }
    sm_link_append(d, p + i, j - i);
    return escapes;
}

/* The end escape at j (aligned): padding, CRC, then the frame delivered. */
static sm_cand take(sm_scan *s, size_t j)
{
    sm_deframer *d = s->d;
    const uint8_t *p = s->p;
    size_t total = j + 8;
    uint8_t padding = p[j + 5];
    bool kermit;
    uint16_t crc;
    s->used = total;
    sm_link_abandon(d, s->off);
    sm_link_begin(d, SM_LINK_SML, s->off);
    bool crc_ok = crc_matches(d, p, j + 6, &kermit, &crc);
    d->as.checksum_pending = false;
    if (!crc_ok && !d->ignore_checksums) {
        sm_link_reject(d, SM_ERR_SML_CRC, SM_LINK_SML, s->off, total, false);
        return SM_CAND_BAD;
    }
    unsigned escapes = unescape(d, p, j);
    size_t n = d->as.apdu_len;
    bool pad_ok = padding <= PADDING_MAX && n >= padding;
    for (size_t k = 0; pad_ok && k < padding; k++)
        pad_ok = d->as.apdu[n - 1 - k] == 0x00;
    if (!pad_ok) {
        sm_link_reject(d, SM_ERR_SML_PADDING, SM_LINK_SML, s->off, total, false);
        return SM_CAND_BAD;
    }
    if (!crc_ok) { /* decoded all the same: the meter gets it wrong */
        d->as.checksum_pending = true;
        d->stats.checksum_ignored++;
    }
    d->sml.kermit_first = kermit;
    d->stats.frames++;
    d->as.apdu_len = n - padding;
    sm_frame *f = sm_link_frame(d, SM_LINK_SML, s->off, total);
    f->payload = (uint32_t)(n - padding);
    f->u.sml.kermit = kermit;
    f->u.sml.padding = padding;
    f->u.sml.crc = crc;
    f->u.sml.escapes = (uint16_t)escapes;
    d->as.frames = 1;
    sm_link_deliver(d, SM_LINK_SML, s->off + total);
    return SM_CAND_FRAME;
}

/* A frame that fails before its CRC: its first `length` bytes are its. */
static sm_cand failed(sm_scan *s, sm_err err, size_t length)
{
    sm_link_abandon(s->d, s->off);
    sm_link_reject(s->d, err, SM_LINK_SML, s->off, length, false);
    s->used = length;
    return SM_CAND_BAD;
}

static sm_cand sml_scan(sm_scan *s)
{
    const uint8_t *p = s->p;
    size_t n = s->n < SML_MAX ? s->n : SML_MAX;
    int start = start_escape(p, n);
    if (start <= 0)
        return start < 0 ? SM_CAND_NEED_MORE : SM_CAND_NOT_FRAME;
    for (size_t i = 8;;) {
        size_t j = next_escape(p, i, n);
        if (j + 8 > n) /* no escape yet, or not yet what follows it */
            return n == SML_MAX ? failed(s, SM_ERR_OVERSIZE, SML_MAX) : SM_CAND_PARTIAL;
        const uint8_t *after = p + j + 4;
        if (memcmp(after, escape, 4) == 0) {
            i = j + 8; /* data */
        } else if (after[0] == 0x1A) {
            return j % 4 ? failed(s, SM_ERR_SML_DESYNC, j + 8) : take(s, j);
        } else if (memcmp(after, version1, 4) == 0) {
            return failed(s, SM_ERR_SML_CUT, j);
        } else {
            return failed(s, SM_ERR_SML_ESCAPE, j + 8);
        }
    }
}

static bool sml_begins(uint8_t first) { return first == 0x1B; }

const sm_link_family sm_link_sml = {
    .link = SM_LINK_SML,
    .checked = true,
    .begins = sml_begins,
    .scan = sml_scan, /* no length field (frame_bytes): the end escape says */
};
