/* sm_wrapper.c - the link layers without a checksum: the DLMS wrapper
 * (IEC 62056-47: version 0x0001, source and destination wPort, length) and
 * bare APDUs (0x0F, 0xDB, 0xDC, 0xE0), delimited by their own encoding.
 * Nothing vouches for them but their plausibility (apdu_plausible), the
 * more so after garbage.  Two link-layer families of the deframer
 * (sm_link.h). */
#define SM_ALLOW_PRIVATE_ACCESS
#include "sm_link.h"

#include "sm_apdu.h"
#include "sm_datetime.h"
#include "sm_security.h"

/* Does buf start like a push APDU that a meter sends?  Bare APDUs have no
 * checksum to vouch for them.  Where a frame boundary is known (the start
 * of the stream, right after a telegram), the header must be well-formed:
 * a data-notification with no date-time or twelve octets of it; a ciphering APDU with an eight-octet
 * system title; a general-block-transfer block that acknowledges nothing.
 * After garbage (strict) more is asked: the invoke-id's reserved bits
 * clear, a valid date-time and a structure
 * or an array as the body; a system title that begins with the
 * manufacturer's three letters and the security control of a known suite
 * that protects the content; block 1 whose data begin with a push APDU.  Random bytes pass the strict test about once in
 * 10^8 bytes.  1 yes, 0 no, -1 more bytes are needed to tell. */
/* A-XDR length form at p (n bytes there): the offset after it, 0 when it
 * is malformed, (size_t)-1 when more bytes are needed. */
static size_t after_length(const uint8_t *p, size_t n)
{
    if (n < 1)
        return (size_t)-1;
    size_t k = p[0] < 0x80 ? 1 : (p[0] & 0x7F) >= 1 && (p[0] & 0x7F) <= 4 ? 1 + (p[0] & 0x7F) : 0;
    return k == 0 ? 0 : k > n ? (size_t)-1 : k;
}

static bool upper(uint8_t c) { return c >= 'A' && c <= 'Z'; }

/* tag, long-invoke-id-and-priority (bits 24-27 reserved, zero), date-time
 * (none or twelve octets, also sent as tagged data; strict: a valid one),
 * body (strict: a structure or an array) */
static int plausible_notification(const uint8_t *p, size_t n, bool strict)
{
    size_t at = 5;
    if (n < at + 2)
        return -1;
    if ((p[1] & 0x0F) && strict)
        return 0; /* reserved invoke-id bits: at a known boundary a meter's (Gurux reads
                     them too), after garbage more likely noise */
    if (p[at] == SM_DT_OCTET_STRING && p[at + 1] == 12)
        at++;
    size_t body;
    if (p[at] == 0) {
        body = at + 1;
    } else if (p[at] == 12) {
        if (n < at + 13)
            return strict ? -1 : 1;
        sm_datetime dt;
        if (strict && (sm_datetime_parse(p + at + 1, &dt) != SM_OK ||
                       !sm_datetime_has_date(&dt) || !sm_datetime_has_time(&dt)))
            return 0;
        body = at + 13;
    } else {
        return 0;
    }
    if (!strict)
        return 1;
    if (n <= body)
        return -1;
    return p[body] == SM_DT_STRUCTURE || p[body] == SM_DT_ARRAY;
}

/* tag, 08 system title; strict: the manufacturer's three letters first,
 * and after the content length a security control of a known suite that
 * protects the content */
static int plausible_ciphering(const uint8_t *p, size_t n, bool strict)
{
    if (n < 5)
        return -1;
    if (p[1] != 8 || (strict && (!upper(p[2]) || !upper(p[3]) || !upper(p[4]))))
        return 0;
    if (!strict)
        return 1;
    if (n < 11)
        return -1;
    size_t k = after_length(p + 10, n - 10);
    if (k == 0)
        return 0;
    if (k == (size_t)-1 || n <= 10 + k)
        return -1;
    uint8_t sc = p[10 + k];
    return (sc & 0x0F) <= 2 && (sc & (SM_SC_AUTH | SM_SC_ENC)) != 0;
}

/* tag, block control, block number, block number acknowledged 0; strict:
 * block 1 (a telegram's first) with data that begin with a push APDU */
static int plausible_block(const uint8_t *p, size_t n, bool strict)
{
    if (n < 6)
        return -1;
    unsigned number = (unsigned)(p[2] << 8 | p[3]);
    if (p[4] != 0 || p[5] != 0 || (strict && number != 1))
        return 0;
    if (!strict)
        return 1;
    size_t k = after_length(p + 6, n - 6);
    if (k == 0)
        return 0;
    if (k == (size_t)-1 || n <= 6 + k)
        return -1;
    return p[6 + k] != SM_APDU_GBT && sm_apdu_known_tag(p[6 + k]);
}

static int apdu_plausible(const uint8_t *p, size_t n, bool strict)
{
    if (n < 1)
        return -1;
    switch (p[0]) {
    case SM_APDU_DATA_NOTIFICATION: return plausible_notification(p, n, strict);
    case SM_APDU_GLO_CIPHERING:
    case SM_APDU_DED_CIPHERING: return plausible_ciphering(p, n, strict);
    case SM_APDU_GBT: return plausible_block(p, n, strict);
    default: return 0;
    }
}

/* A bare APDU has no checksum to vouch for it: it must look like what a
 * meter sends (apdu_plausible), the more so after garbage, where no
 * frame boundary vouches for it either. */
static sm_cand vouch(const sm_scan *s, const uint8_t *p, size_t n)
{
    bool aligned = sm_link_aligned(s->d) || (s->off == s->d->rejected_end && s->off != 0);
    int r = apdu_plausible(p, n, !aligned);
    return r > 0 ? SM_CAND_FRAME : r < 0 && s->end == SM_END_NONE ? SM_CAND_NEED_MORE : SM_CAND_NOT_FRAME;
}

/* An unchecked telegram that would decode may still be one cut short whose
 * own length ran into the next telegram (whose first bytes then stand for
 * its last ones): a telegram that begins inside it and whose strictly
 * plausible header runs past its end says so.  An APDU nested inside ends
 * inside; a general-block-transfer block carries a part of one.  1 yes,
 * 0 no, -1 the bytes after it are needed to tell (so that the answer does
 * not depend on how the input arrives).  wrapped: p is a DLMS wrapper. */
static int runs_into_next(const uint8_t *p, size_t ext, size_t n, bool wrapped)
{
    size_t h = wrapped ? 8 : 0; /* the header before a candidate's APDU */
    if (p[h] == SM_APDU_GBT)
        return 0;
    int undecided = 0;
    for (size_t i = 1; i < ext; i++) {
        if (wrapped && (p[i] != 0x00 || (i + 1 < n && p[i + 1] != 0x01)))
            continue;
        if (i + h >= n) {
            undecided = -1; /* a wrapper header's first bytes at the end */
            break;
        }
        const uint8_t *q = p + i + h;
        if (!sm_apdu_known_tag(*q) || *q == SM_APDU_GBT)
            continue;
        if (i + h < ext && apdu_plausible(q, ext - i - h, true) >= 0)
            continue; /* its header ends inside: nested, or none */
        int r = apdu_plausible(q, n - i - h, true);
        if (r > 0)
            return 1;
        if (r < 0)
            undecided = -1;
    }
    return undecided;
}

/* The unchecked telegram at p runs into the next one: reported as cut, and
 * looked into again from its second byte (process()). */
static sm_cand report_cut(sm_scan *s, sm_link link, const uint8_t *apdu, size_t apdu_len,
                          size_t frame_len)
{
    sm_link_abandon(s->d, s->off);
    sm_link_error_bytes(s->d, apdu, apdu_len);
    sm_link_report(s->d, SM_ERR_APDU_CUT, link, s->off, frame_len, s->off);
    s->used = frame_len;
    return SM_CAND_BAD;
}

/* The unchecked telegram of one frame at s->p is complete: delivered. */
static void take(sm_scan *s, sm_link link, const uint8_t *apdu, size_t len, size_t frame_len)
{
    s->used = frame_len;
    s->d->stats.frames++;
    sm_link_abandon(s->d, s->off);
    sm_link_begin(s->d, link, s->off);
    sm_frame *f = sm_link_frame(s->d, link, s->off, frame_len);
    f->payload = (uint32_t)len;
    if (link == SM_LINK_WRAPPER) {
        f->u.wrapper.version = 1;
        f->u.wrapper.src_port = (uint16_t)(s->p[2] << 8 | s->p[3]);
        f->u.wrapper.dst_port = (uint16_t)(s->p[4] << 8 | s->p[5]);
        f->u.wrapper.length = (uint16_t)len;
    }
    sm_link_append(s->d, apdu, len);
    s->d->as.frames = 1;
    sm_link_deliver(s->d, link, s->off + frame_len);
}

/* version 0x0001, source and destination wPort, length, the APDU */
static sm_cand wrapper_scan(sm_scan *s)
{
    const uint8_t *p = s->p;
    size_t n = s->n;
    if (n >= 2 && p[1] != 0x01)
        return SM_CAND_NOT_FRAME;
    if (n < 8)
        return SM_CAND_NEED_MORE;
    size_t len = (size_t)p[6] << 8 | p[7];
    if (len == 0 || len > SM_APDU_MAX)
        return SM_CAND_NOT_FRAME;
    if (n < 9)
        return SM_CAND_NEED_MORE;
    if (!sm_apdu_known_tag(p[8]))
        return SM_CAND_NOT_FRAME;
    sm_cand v = vouch(s, p + 8, n - 8);
    if (v != SM_CAND_FRAME)
        return v;
    if (n < 8 + len)
        return SM_CAND_PARTIAL;
    int next = runs_into_next(p, 8 + len, n, true);
    if (next < 0 && s->end == SM_END_NONE)
        return SM_CAND_NEED_MORE;
    if (next > 0) {
        s->d->no_raw_until = s->off + 8 + len; /* not its own APDU again */
        return report_cut(s, SM_LINK_WRAPPER, p + 8, len, 8 + len);
    }
    take(s, SM_LINK_WRAPPER, p + 8, len, 8 + len);
    return SM_CAND_FRAME;
}

/* A bare APDU is delimited by its own encoding.  One whose beginning is
 * right but whose rest cannot be read (a bad type, nesting too deep, a
 * length beyond the end of the input, longer than any APDU) is a failed
 * telegram, reported where it fails, not noise. */
static sm_cand raw_scan(sm_scan *s)
{
    sm_deframer *d = s->d;
    const uint8_t *p = s->p;
    size_t n = s->n;
    if (s->off < d->no_raw_until || d->shown >= SM_SHOWN_WRAPPER)
        return SM_CAND_NOT_FRAME; /* inside a wrapper: its own APDU; a line of wrappers */
    sm_cand v = vouch(s, p, n);
    if (v != SM_CAND_FRAME)
        return v;
    sm_cur c = sm_cur_make(p, n < SM_APDU_MAX ? n : SM_APDU_MAX);
    sm_err e = sm_apdu_extent(&c);
    size_t ext = e ? 0 : sm_cur_off(&c), eoff = e ? sm_cur_off(&c) : 0;
    if (e == SM_ERR_APDU_UNSUPPORTED)
        return SM_CAND_NOT_FRAME;
    size_t claim = eoff > 0 ? eoff : 1;
    if (e == SM_ERR_TRUNCATED || e == SM_ERR_AXDR_LENGTH) {
        if (n >= SM_APDU_MAX) {
            e = SM_ERR_OVERSIZE; /* a length that no APDU here can have */
        } else if (s->end == SM_END_NONE) {
            return SM_CAND_NEED_MORE;
        } else if (d->eof_reported || s->end == SM_END_STOP) {
            return SM_CAND_NOT_FRAME; /* inside the one cut short, or cut by a stop */
        } else {
            d->eof_reported = true; /* cut short by the end of the input */
            claim = n;
        }
    }
    if (e) {
        sm_link_abandon(d, s->off);
        sm_link_error_bytes(d, p, claim);
        sm_link_report(d, e, SM_LINK_RAW, s->off, claim, s->off + eoff);
        s->used = claim;
        return SM_CAND_BAD;
    }
    int next = runs_into_next(p, ext, n, false);
    if (next < 0 && s->end == SM_END_NONE)
        return SM_CAND_NEED_MORE;
    if (next > 0)
        return report_cut(s, SM_LINK_RAW, p, ext, ext);
    take(s, SM_LINK_RAW, p, ext, ext);
    return SM_CAND_FRAME;
}

static bool wrapper_begins(uint8_t first) { return first == 0x00; }

const sm_link_family sm_link_wrapper = {
    .link = SM_LINK_WRAPPER,
    .begins = wrapper_begins,
    .scan = wrapper_scan,
};

const sm_link_family sm_link_raw = {
    .link = SM_LINK_RAW,
    .begins = sm_apdu_known_tag,
    .scan = raw_scan,
};
