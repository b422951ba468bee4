/* sm_deframe.c - streaming deframer for wired M-Bus, HDLC, the DLMS wrapper,
 * bare APDUs and P1 text.  See sm_deframe.h for the contract. */
#include "sm_deframe.h"

#include <string.h>

#include "sm_apdu.h"
#include "sm_crc.h"
#include "sm_security.h"
#include "sm_cursor.h"

const char *const sm_link_names[SM_LINK_COUNT] = {
    [SM_LINK_AUTO] = "auto", [SM_LINK_MBUS] = "mbus", [SM_LINK_HDLC] = "hdlc",
    [SM_LINK_WRAPPER] = "wrapper", [SM_LINK_RAW] = "raw", [SM_LINK_P1] = "p1"};

const char *sm_link_name(sm_link link)
{
    return (unsigned)link < SM_LINK_COUNT ? sm_link_names[link] : "?";
}

int sm_link_parse(const char *name)
{
    for (int i = 0; i < SM_LINK_COUNT; i++)
        if (strcmp(name, sm_link_names[i]) == 0)
            return i;
    return -1;
}

/* Outcome of looking at the bytes at the current position. */
typedef enum {
    CAND_NEED_MORE, /* could be a frame; wait for more bytes */
    CAND_PARTIAL,   /* a frame whose header checks out, not complete yet */
    CAND_NOT_FRAME, /* not a frame here: skip one byte */
    CAND_FRAME,     /* a verified frame was handled; *used bytes consumed */
    CAND_BAD        /* a frame or APDU whose header is right but whose rest
                       fails: reported; its first *used bytes belong to it */
} cand;

void sm_deframer_init(sm_deframer *d, sm_link mode, sm_link_cb cb, void *ctx)
{
    memset(d, 0, sizeof *d);
    d->mode = mode;
    d->cb = cb;
    d->ctx = ctx;
    d->aligned = true;
    d->joined = true;
    d->asm_link = SM_LINK_AUTO;
}

void sm_deframer_ignore_checksums(sm_deframer *d, bool ignore) { d->ignore_checksums = ignore; }

void sm_deframer_reconnected(sm_deframer *d)
{
    bool ignore = d->ignore_checksums, checked = d->seen_checked_link,
         wrapper = d->seen_wrapper, crc = d->p1_crc_seen;
    uint64_t shortest = d->shortest;
    sm_deframer_init(d, d->mode, d->cb, d->ctx);
    d->ignore_checksums = ignore;
    d->seen_checked_link = checked;
    d->seen_wrapper = wrapper;
    d->p1_crc_seen = crc;
    d->shortest = shortest;
}

static void asm_clear(sm_deframer *d)
{
    d->asm_link = SM_LINK_AUTO;
    d->asm_frames = 0;
    d->apdu_len = 0;
    d->asm_next_seq = 0;
}

void sm_deframer_reset(sm_deframer *d)
{
    d->buf_offset += d->len;
    d->len = 0;
    d->aligned = true;
    d->after_hdlc = false;
    d->drop_continuation = false;
    d->eof = false;
    d->skipping = false;
    d->joined = true; /* a reader joins a line mid-telegram */
    asm_clear(d);
}

static sm_frame *frame_slot(sm_deframer *d, sm_link link, uint64_t offset, size_t length);
static void skip_end(sm_deframer *d, uint64_t end);

/* Report a failed telegram.  The failing frame (length > 0: its bytes from
 * frame_offset) is listed after the telegram's good ones; length 0 when the
 * failure is a frame that never came (a missing segment).  err_offset: the
 * stream offset of the failure itself. */
static void emit_error_at(sm_deframer *d, sm_err err, sm_link link, uint64_t frame_offset,
                          size_t length, uint64_t err_offset)
{
    uint64_t start = d->asm_link != SM_LINK_AUTO ? d->asm_offset : frame_offset;
    if (d->skipping && d->skip_counted && !d->skip_leading && d->asm_link == SM_LINK_AUTO &&
        (err == SM_ERR_MBUS_SEQUENCE || err == SM_ERR_HDLC_SEGMENT)) {
        /* a continuation whose first frame was skipped: those bytes are its */
        start = d->skip_from;
        d->stats.bytes_discarded -= d->skip_counted;
        d->skipping = false;
    }
    skip_end(d, d->cur_off); /* what was skipped before it comes first */
    sm_link_event ev;
    memset(&ev, 0, sizeof ev);
    unsigned listed = d->asm_frames;
    if (length > 0) {
        /* recorded with its details already when the frame itself was
         * fine but its payload did not fit */
        const sm_frame *f = &d->frames[listed < SM_MAX_FRAME_INFO ? listed : SM_MAX_FRAME_INFO];
        if (f->offset != frame_offset || f->link != link || f->length != length)
            frame_slot(d, link, frame_offset, length);
        listed++;
    }
    ev.err = err;
    ev.link = link;
    ev.apdu = d->err_apdu; /* a bare APDU that failed: its bytes up to the failure */
    ev.apdu_len = d->err_apdu ? d->err_apdu_len : 0;
    d->err_apdu = NULL;
    ev.frames = d->frames;
    ev.nframes = listed < SM_MAX_FRAME_INFO ? listed : SM_MAX_FRAME_INFO;
    ev.frame_count = d->asm_frames + 1;
    ev.offset = start;
    ev.end = frame_offset + length;
    ev.err_offset = err_offset;
    ev.err_frame = d->asm_frames + 1;
    if (ev.end > d->delivered_end)
        d->delivered_end = ev.end;
    d->cb(d->ctx, &ev);
}

static void emit_error(sm_deframer *d, sm_err err, sm_link link, uint64_t frame_offset,
                       size_t length)
{
    emit_error_at(d, err, link, frame_offset, length, frame_offset);
}

/* A telegram that was being assembled is abandoned (a new first segment, a
 * frame of another link layer, end of input). */
static void abandon(sm_deframer *d, uint64_t at)
{
    if (d->asm_link == SM_LINK_AUTO)
        return;
    sm_link link = d->asm_link;
    emit_error(d, link == SM_LINK_MBUS ? SM_ERR_MBUS_SEQUENCE : SM_ERR_HDLC_SEGMENT, link, at, 0);
    asm_clear(d);
}

/* Bytes before `end` belong to a telegram that was reported, not to
 * garbage; checked: to a checksummed frame (or one that begins like one),
 * inside which no wrapper or bare APDU begins. */
static void claim(sm_deframer *d, uint64_t end, bool checked)
{
    if (end > d->claimed_end)
        d->claimed_end = end;
    if (checked && end > d->no_bare_until)
        d->no_bare_until = end;
}

void sm_deframer_reject(sm_deframer *d) { d->rejected = true; }

static sm_frame *frame_slot(sm_deframer *d, sm_link link, uint64_t offset, size_t length)
{
    /* frames beyond the recorded ones share the spare last slot */
    unsigned i = d->asm_frames < SM_MAX_FRAME_INFO ? d->asm_frames : SM_MAX_FRAME_INFO;
    sm_frame *f = &d->frames[i];
    memset(f, 0, sizeof *f);
    f->link = link;
    f->offset = offset;
    f->length = (uint32_t)length;
    f->checksum_ignored = d->checksum_pending;
    d->checksum_pending = false;
    return f;
}

static bool asm_append(sm_deframer *d, const uint8_t *p, size_t n)
{
    if (n > sizeof d->apdu - d->apdu_len)
        return false;
    memcpy(d->apdu + d->apdu_len, p, n);
    d->apdu_len += n;
    return true;
}

static void emit_apdu(sm_deframer *d, sm_link link, uint64_t end)
{
    skip_end(d, d->cur_off);
    sm_link_event ev;
    memset(&ev, 0, sizeof ev);
    ev.err = SM_OK;
    ev.link = link;
    ev.apdu = d->apdu;
    ev.apdu_len = d->apdu_len;
    ev.frames = d->frames;
    ev.frame_count = d->asm_frames;
    ev.nframes = d->asm_frames < SM_MAX_FRAME_INFO ? d->asm_frames : SM_MAX_FRAME_INFO;
    ev.offset = d->asm_offset;
    ev.end = end;
    d->stats.telegrams++;
    d->delivered_end = end;
    d->cb(d->ctx, &ev);
    asm_clear(d);
}

/* Start or continue the assembly of a telegram on `link`. */
static void asm_begin(sm_deframer *d, sm_link link, uint64_t offset)
{
    if (d->asm_link != link)
        abandon(d, offset);
    if (d->asm_link == SM_LINK_AUTO) {
        d->asm_link = link;
        d->asm_offset = offset;
        d->asm_frames = 0;
        d->apdu_len = 0;
    }
}

/* ---- wired M-Bus long frame (EN 13757-2 FT1.2) -------------------------- */

/* A long frame's bytes on the wire from its L field: 68 L L 68, L bytes, CS, 16. */
static size_t mbus_frame_bytes(const uint8_t *p) { return (size_t)p[1] + 6; }

/* The M-Bus checksum: the sum of the bytes, modulo 256. */
static uint8_t mbus_checksum(const uint8_t *p, size_t n)
{
    unsigned cs = 0;
    for (size_t i = 0; i < n; i++)
        cs += p[i];
    return (uint8_t)cs;
}

/* A header that fits but fails its own check (M-Bus length fields that
 * disagree, an HDLC HCS) is taken for a damaged frame where frames of this
 * kind are expected: in that link mode, and in auto mode at a boundary (the
 * start, right after a telegram) or once a checksummed frame was seen.
 * After garbage in a stream of bare APDUs or wrappers such a header is
 * noise far more often than a frame (its claim would hide the telegrams
 * after it). */
static bool header_damage_counts(const sm_deframer *d, sm_link link)
{
    return d->mode == link || (d->mode == SM_LINK_AUTO && (d->seen_checked_link || d->aligned));
}

/* 68 L L' 68 with L != L': one of the length fields is damaged.  Where one
 * of the two lengths ends in the stop byte, a damaged frame, reported (and
 * no bare APDU is read inside it). */
static cand mbus_lengths_disagree(sm_deframer *d, const uint8_t *p, size_t n, uint64_t off,
                                  size_t *used)
{
    size_t a = mbus_frame_bytes(p), b = (size_t)p[2] + 6;
    size_t lo = a < b ? a : b, hi = a < b ? b : a;
    if (n < hi)
        return CAND_NEED_MORE;
    size_t total = lo >= 11 && p[lo - 1] == 0x16 ? lo : p[hi - 1] == 0x16 ? hi : 0;
    if (!total)
        return CAND_NOT_FRAME;
    emit_error(d, SM_ERR_MBUS_LENGTH, SM_LINK_MBUS, off, total);
    asm_clear(d);
    d->drop_continuation = true;
    *used = total;
    return CAND_BAD;
}

/* A whole frame's stop byte and checksum: true when it may be taken (right,
 * or wrong and decoded all the same on request); else it is reported. */
static bool mbus_checked(sm_deframer *d, const uint8_t *p, size_t l, size_t total, uint64_t off)
{
    bool stop = p[total - 1] == 0x16, sum = mbus_checksum(p + 4, l) == p[4 + l];
    d->checksum_pending = false;
    if (stop && !sum && d->ignore_checksums) {
        d->checksum_pending = true; /* decoded all the same: the meter gets it wrong */
        d->stats.checksum_ignored++;
        return true;
    }
    if (stop && sum)
        return true;
    emit_error(d, stop ? SM_ERR_MBUS_CHECKSUM : SM_ERR_MBUS_STOP, SM_LINK_MBUS, off, total);
    asm_clear(d);
    d->drop_continuation = true;
    return false;
}

static cand try_mbus(sm_deframer *d, const uint8_t *p, size_t n, uint64_t off, size_t *used)
{
    if (n >= 2 && p[1] < 5) /* C, A, CI and the two TSAP bytes at least */
        return CAND_NOT_FRAME;
    if (n >= 4 && p[3] != 0x68)
        return CAND_NOT_FRAME;
    if (n < 4)
        return CAND_NEED_MORE;
    if (p[2] != p[1])
        return header_damage_counts(d, SM_LINK_MBUS) ? mbus_lengths_disagree(d, p, n, off, used)
                                                     : CAND_NOT_FRAME;
    size_t l = p[1], total = mbus_frame_bytes(p);
    if (n < total)
        return CAND_PARTIAL;
    *used = total;
    if (!mbus_checked(d, p, l, total, off))
        return CAND_BAD;
    d->stats.frames++;
    uint8_t c = p[4], a = p[5], ci = p[6];
    if (ci > 0x1F) {
        abandon(d, off);
        emit_error(d, SM_ERR_MBUS_CI, SM_LINK_MBUS, off, total);
        return CAND_FRAME;
    }
    unsigned seq = ci & 0x0F;
    bool last = ci & 0x10;
    if (seq == 0) {
        d->drop_continuation = false;
        abandon(d, off);
        asm_begin(d, SM_LINK_MBUS, off);
    } else if (d->asm_link != SM_LINK_MBUS || seq != d->asm_next_seq) {
        if (d->drop_continuation) {
            if (last)
                d->drop_continuation = false;
            return CAND_FRAME;
        }
        emit_error(d, SM_ERR_MBUS_SEQUENCE, SM_LINK_MBUS, off, total);
        asm_clear(d);
        d->drop_continuation = !last;
        return CAND_FRAME;
    }
    sm_frame *f = frame_slot(d, SM_LINK_MBUS, off, total);
    f->u.mbus.l = (uint8_t)l;
    f->u.mbus.c = c;
    f->u.mbus.a = a;
    f->u.mbus.ci = ci;
    f->u.mbus.stsap = p[7];
    f->u.mbus.dtsap = p[8];
    f->payload = (uint32_t)(l - 5);
    if (!asm_append(d, p + 9, l - 5)) {
        emit_error(d, SM_ERR_OVERSIZE, SM_LINK_MBUS, off, total);
        asm_clear(d);
        d->drop_continuation = !last;
        return CAND_FRAME;
    }
    d->asm_frames++;
    d->asm_next_seq = (uint8_t)((seq + 1) & 0x0F);
    if (last)
        emit_apdu(d, SM_LINK_MBUS, off + total);
    return CAND_FRAME;
}

/* ---- HDLC frame format type 3 (IEC 62056-46 / ISO 13239) ---------------- */

/* The frame format field's 11-bit length: the bytes from the format field
 * to the FCS, without the two flags. */
static size_t hdlc_length_field(const uint8_t *p) { return (size_t)(p[1] & 0x07) << 8 | p[2]; }

/*   7E | format: 1010 S LLL LLLLLLLL | destination | source | control |
 *   [HCS | information] | FCS | 7E
 * (the HCS and information only when the frame has an information field) */
typedef struct {
    size_t flen;              /* the length field */
    uint32_t dst, src;
    uint8_t dst_len, src_len, control;
    bool segmented;
    size_t info_at, info_len; /* from the opening flag */
} hdlc_header;

/* An HDLC address: bytes until one with the extension bit (bit 0) set, 1, 2
 * or 4 of them.  1 read, 0 malformed, -1 the cursor ended first. */
static int hdlc_addr(sm_cur *c, uint32_t *value, uint8_t *len)
{
    uint32_t v = 0;
    for (uint8_t i = 1; i <= 4; i++) {
        uint8_t b;
        if (sm_cur_u8(c, &b))
            return -1;
        v = v << 8 | b;
        if (b & 1) {
            *value = v;
            *len = i;
            return i != 3; /* three-byte addresses do not exist */
        }
    }
    return 0;
}

/* The header of the frame at p (n bytes have arrived): CAND_FRAME when it
 * is one (its HCS right, where it has one), CAND_BAD when its format,
 * length and addresses fit but its HCS fails, else CAND_NEED_MORE or
 * CAND_NOT_FRAME. */
static cand hdlc_header_parse(const uint8_t *p, size_t n, hdlc_header *h)
{
    if (n < 2)
        return CAND_NEED_MORE;
    if ((p[1] & 0xF0) != 0xA0)
        return CAND_NOT_FRAME;
    if (n < 3)
        return CAND_NEED_MORE;
    h->flen = hdlc_length_field(p);
    h->segmented = p[1] & 0x08;
    if (h->flen < 7)
        return CAND_NOT_FRAME;
    /* the header lies within the frame: the cursor ends where the FCS
     * begins, or where the bytes that have arrived end */
    bool whole = n >= h->flen - 1;
    cand cut = whole ? CAND_NOT_FRAME : CAND_NEED_MORE;
    sm_cur c = sm_cur_make(p, whole ? h->flen - 1 : n);
    c.p += 3;
    int r = hdlc_addr(&c, &h->dst, &h->dst_len);
    if (r <= 0)
        return r < 0 ? cut : CAND_NOT_FRAME;
    if ((r = hdlc_addr(&c, &h->src, &h->src_len)) <= 0)
        return r < 0 ? cut : CAND_NOT_FRAME;
    if (sm_cur_u8(&c, &h->control))
        return cut;
    size_t hcs_at = sm_cur_off(&c);
    if (hcs_at == h->flen - 1) { /* no information field, no HCS */
        h->info_at = hcs_at;
        h->info_len = 0;
        return CAND_FRAME;
    }
    uint64_t hcs;
    if (hcs_at + 2 > h->flen - 1)
        return CAND_NOT_FRAME; /* no room for the HCS before the FCS */
    if (sm_cur_be(&c, 2, &hcs))
        return cut;
    if ((uint16_t)(hcs >> 8 | hcs << 8) != sm_crc16_x25(p + 1, hcs_at - 1))
        return CAND_BAD;
    h->info_at = hcs_at + 2;
    h->info_len = h->flen - 1 - h->info_at;
    return CAND_FRAME;
}

/* A verified frame's information field, into the telegram under way. */
static void hdlc_take(sm_deframer *d, const uint8_t *p, const hdlc_header *h, uint64_t off)
{
    size_t total = h->flen + 2;
    const uint8_t *info = p + h->info_at;
    size_t info_len = h->info_len;
    bool llc = info_len >= 3 && info[0] == 0xE6 && (info[1] == 0xE7 || info[1] == 0xE6) &&
               info[2] == 0x00;
    if (d->drop_continuation && !llc) {
        d->drop_continuation = h->segmented;
        return;
    }
    d->drop_continuation = false;
    if (llc && d->asm_link == SM_LINK_HDLC)
        abandon(d, off); /* a new telegram starts */
    asm_begin(d, SM_LINK_HDLC, off);
    sm_frame *f = frame_slot(d, SM_LINK_HDLC, off, total);
    f->u.hdlc.format = (uint16_t)(p[1] << 8 | p[2]);
    f->u.hdlc.dst = h->dst;
    f->u.hdlc.src = h->src;
    f->u.hdlc.dst_len = h->dst_len;
    f->u.hdlc.src_len = h->src_len;
    f->u.hdlc.control = h->control;
    f->u.hdlc.segmented = h->segmented;
    f->u.hdlc.llc = llc;
    if (llc) {
        info += 3;
        info_len -= 3;
    }
    f->payload = (uint32_t)info_len;
    if (!asm_append(d, info, info_len)) {
        emit_error(d, SM_ERR_OVERSIZE, SM_LINK_HDLC, off, total);
        asm_clear(d);
        d->drop_continuation = h->segmented;
        return;
    }
    d->asm_frames++;
    if (!h->segmented)
        emit_apdu(d, SM_LINK_HDLC, off + total);
}

/* A frame whose HCS fails: where its closing flag is where its length
 * says, a damaged frame, reported; no bare APDU is read inside it (the
 * ciphering APDU inside would bypass the FCS).  Without the flag it may be
 * noise, and a bare APDU inside it a real one. */
static cand hdlc_header_damaged(sm_deframer *d, const uint8_t *p, size_t n, uint64_t off,
                                const hdlc_header *h, size_t *used)
{
    size_t total = h->flen + 2;
    if (n < total)
        return CAND_NEED_MORE;
    if (p[h->flen + 1] != 0x7E)
        return CAND_NOT_FRAME;
    emit_error(d, SM_ERR_HDLC_HCS, SM_LINK_HDLC, off, total);
    asm_clear(d);
    d->drop_continuation = h->segmented;
    *used = total;
    return CAND_BAD;
}

static cand try_hdlc(sm_deframer *d, const uint8_t *p, size_t n, uint64_t off, size_t *used)
{
    hdlc_header h;
    cand r = hdlc_header_parse(p, n, &h);
    if (r == CAND_BAD)
        return header_damage_counts(d, SM_LINK_HDLC)
                   ? hdlc_header_damaged(d, p, n, off, &h, used)
                   : CAND_NOT_FRAME;
    if (r != CAND_FRAME)
        return r;
    size_t total = h.flen + 2;
    if (n < total)
        return h.info_len ? CAND_PARTIAL : CAND_NEED_MORE; /* the HCS vouches for it */
    uint16_t fcs = (uint16_t)(p[h.flen - 1] | p[h.flen] << 8);
    d->checksum_pending = false;
    if (p[h.flen + 1] == 0x7E && d->ignore_checksums && fcs != sm_crc16_x25(p + 1, h.flen - 2)) {
        d->checksum_pending = true; /* decoded all the same: the meter gets it wrong */
        d->stats.checksum_ignored++;
    } else if (p[h.flen + 1] != 0x7E || fcs != sm_crc16_x25(p + 1, h.flen - 2)) {
        emit_error(d, p[h.flen + 1] != 0x7E ? SM_ERR_HDLC_FLAG : SM_ERR_HDLC_FCS, SM_LINK_HDLC,
                   off, total);
        asm_clear(d);
        d->drop_continuation = h.segmented;
        *used = total;
        return CAND_BAD;
    }
    /* leave the closing flag: it may open the next frame */
    *used = h.flen + 1;
    d->stats.frames++;
    if (h.info_len) /* a supervisory frame carries no APDU */
        hdlc_take(d, p, &h, off);
    return CAND_FRAME;
}

/* ---- DLMS wrapper (IEC 62056-47) and bare APDUs ------------------------- */

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
static cand vouch(const sm_deframer *d, const uint8_t *p, size_t n, uint64_t off)
{
    bool aligned = d->aligned || (off == d->rejected_end && off != 0);
    int r = apdu_plausible(p, n, !aligned);
    return r > 0 ? CAND_FRAME : r < 0 && !d->eof ? CAND_NEED_MORE : CAND_NOT_FRAME;
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
static cand report_cut(sm_deframer *d, sm_link link, const uint8_t *apdu, size_t apdu_len,
                       uint64_t off, size_t frame_len, size_t *used)
{
    abandon(d, off);
    d->err_apdu = apdu;
    d->err_apdu_len = apdu_len;
    emit_error_at(d, SM_ERR_APDU_CUT, link, off, frame_len, off);
    *used = frame_len;
    return CAND_BAD;
}

static cand try_wrapper(sm_deframer *d, const uint8_t *p, size_t n, uint64_t off, size_t *used)
{
    if (n >= 2 && p[1] != 0x01)
        return CAND_NOT_FRAME;
    if (n < 8)
        return CAND_NEED_MORE;
    size_t len = (size_t)p[6] << 8 | p[7];
    if (len == 0 || len > SM_APDU_MAX)
        return CAND_NOT_FRAME;
    if (n < 9)
        return CAND_NEED_MORE;
    if (!sm_apdu_known_tag(p[8]))
        return CAND_NOT_FRAME;
    cand v = vouch(d, p + 8, n - 8, off);
    if (v != CAND_FRAME)
        return v;
    if (n < 8 + len)
        return CAND_PARTIAL;
    int next = runs_into_next(p, 8 + len, n, true);
    if (next < 0 && !d->eof)
        return CAND_NEED_MORE;
    if (next > 0) {
        d->no_raw_until = off + 8 + len; /* not its own APDU again */
        return report_cut(d, SM_LINK_WRAPPER, p + 8, len, off, 8 + len, used);
    }
    *used = 8 + len;
    d->stats.frames++;
    abandon(d, off);
    asm_begin(d, SM_LINK_WRAPPER, off);
    sm_frame *f = frame_slot(d, SM_LINK_WRAPPER, off, 8 + len);
    f->u.wrapper.version = 1;
    f->u.wrapper.src_port = (uint16_t)(p[2] << 8 | p[3]);
    f->u.wrapper.dst_port = (uint16_t)(p[4] << 8 | p[5]);
    f->u.wrapper.length = (uint16_t)len;
    f->payload = (uint32_t)len;
    asm_append(d, p + 8, len);
    d->asm_frames = 1;
    emit_apdu(d, SM_LINK_WRAPPER, off + 8 + len);
    return CAND_FRAME;
}

/* A bare APDU is delimited by its own encoding.  One whose beginning is
 * right but whose rest cannot be read (a bad type, nesting too deep, a
 * length beyond the end of the input, longer than any APDU) is a failed
 * telegram, reported where it fails, not noise. */
static cand try_raw(sm_deframer *d, const uint8_t *p, size_t n, uint64_t off, size_t *used)
{
    cand v = vouch(d, p, n, off);
    if (v != CAND_FRAME)
        return v;
    size_t ext = 0, eoff = 0;
    size_t look = n < SM_APDU_MAX ? n : SM_APDU_MAX;
    sm_err e = sm_apdu_extent(p, look, &ext, &eoff);
    if (e == SM_ERR_APDU_UNSUPPORTED)
        return CAND_NOT_FRAME;
    size_t claim = eoff > 0 ? eoff : 1;
    if (e == SM_ERR_TRUNCATED || e == SM_ERR_AXDR_LENGTH) {
        if (n >= SM_APDU_MAX) {
            e = SM_ERR_OVERSIZE; /* a length that no APDU here can have */
        } else if (!d->eof) {
            return CAND_NEED_MORE;
        } else if (d->eof_reported || d->stopping) {
            return CAND_NOT_FRAME; /* inside the one cut short, or cut by a stop */
        } else {
            d->eof_reported = true; /* cut short by the end of the input */
            claim = n;
        }
    }
    if (e) {
        abandon(d, off);
        d->err_apdu = p;
        d->err_apdu_len = claim;
        emit_error_at(d, e, SM_LINK_RAW, off, claim, off + eoff);
        *used = claim;
        return CAND_BAD;
    }
    int next = runs_into_next(p, ext, n, false);
    if (next < 0 && !d->eof)
        return CAND_NEED_MORE;
    if (next > 0)
        return report_cut(d, SM_LINK_RAW, p, ext, off, ext, used);
    *used = ext;
    d->stats.frames++;
    abandon(d, off);
    asm_begin(d, SM_LINK_RAW, off);
    sm_frame *f = frame_slot(d, SM_LINK_RAW, off, ext);
    f->payload = (uint32_t)ext;
    asm_append(d, p, ext);
    d->asm_frames = 1;
    emit_apdu(d, SM_LINK_RAW, off + ext);
    return CAND_FRAME;
}

/* ---- P1 text (sm_p1.h) ---------------------------------------------------- */

static cand try_p1(sm_deframer *d, const uint8_t *p, size_t n, uint64_t off, size_t *used)
{
    sm_p1_frame *f = &d->p1;
    if (d->p1_at != off + 1) { /* a new candidate: look from its beginning */
        memset(f, 0, sizeof *f);
        d->p1_at = off + 1;
    }
    sm_err err = SM_OK;
    switch (sm_p1_scan(p, n, d->eof, f, &err)) {
    case SM_P1_NOT: return CAND_NOT_FRAME;
    case SM_P1_MORE: return CAND_NEED_MORE;
    case SM_P1_PARTIAL: return CAND_PARTIAL;
    case SM_P1_FAILED: {
        /* the rest of the failed one, up to its "!" CRC, is its own */
        d->p1_tail_owned = err != SM_ERR_P1_CUT;
        /* where: the character not allowed, the "/" of the next one */
        uint64_t at = err == SM_ERR_P1_CUT ? off + f->len
                      : err == SM_ERR_OVERSIZE ? off
                                               : off + f->len - 1;
        abandon(d, off);
        emit_error_at(d, err, SM_LINK_P1, off, f->len, at);
        *used = f->len;
        return CAND_BAD;
    }
    case SM_P1_COMPLETE: break;
    }
    /* the text, its parity bits masked off, and its CRC */
    if (f->parity)
        for (size_t i = 0; i < f->len; i++)
            d->apdu[i] = p[i] & 0x7F;
    else
        memcpy(d->apdu, p, f->len);
    *used = f->len;
    abandon(d, off);
    sm_err e = sm_p1_check(d->apdu, f);
    if (!e && f->crc_status == SM_P1_CRC_NONE && d->p1_crc_seen)
        e = SM_ERR_P1_NO_CRC; /* a character turned into "!" cut it short */
    if (e) {
        /* where: the CRC's first digit, the BCC, the "!" of a missing CRC */
        uint64_t at = e == SM_ERR_P1_BCC ? off + f->len - 1 : off + f->bang + (e == SM_ERR_P1_CRC);
        d->p1_tail_owned = true; /* a "!" that damage made may end it early */
        emit_error_at(d, e, SM_LINK_P1, off, f->len, at);
        return CAND_BAD;
    }
    d->p1_crc_seen |= f->crc_status != SM_P1_CRC_NONE;
    d->stats.frames++;
    d->stats.p1_unchecked += !sm_p1_checked(f);
    asm_begin(d, SM_LINK_P1, off);
    sm_frame *fr = frame_slot(d, SM_LINK_P1, off, f->len);
    fr->u.p1 = *f;
    fr->payload = f->len;
    d->apdu_len = f->len;
    d->asm_frames = 1;
    emit_apdu(d, SM_LINK_P1, off + f->len);
    return CAND_FRAME;
}

/* In auto mode the checksummed link layers are recognised anywhere; the
 * wrapper and bare APDUs only until one of those has been seen (a meter
 * uses one link layer), and after garbage only when they look right
 * (vouch). */
static bool allowed(const sm_deframer *d, sm_link link, uint64_t off)
{
    bool checked = link == SM_LINK_MBUS || link == SM_LINK_HDLC || link == SM_LINK_P1;
    /* inside a checksummed frame that failed, its bytes are its own */
    if (!checked && off < d->no_bare_until)
        return false;
    if (link == SM_LINK_RAW && (off < d->no_raw_until || d->seen_wrapper))
        return false; /* inside a wrapper: its own APDU; a line of wrappers */
    if (d->mode == link)
        return true;
    if (d->mode != SM_LINK_AUTO)
        return false;
    return checked || !d->seen_checked_link;
}

static cand try_at(sm_deframer *d, const uint8_t *p, size_t n, uint64_t off, size_t *used)
{
    switch (p[0]) {
    case 0x68:
        if (allowed(d, SM_LINK_MBUS, off))
            return try_mbus(d, p, n, off, used);
        break;
    case 0x7E:
        if (allowed(d, SM_LINK_HDLC, off))
            return try_hdlc(d, p, n, off, used);
        break;
    case 0x00:
        if (allowed(d, SM_LINK_WRAPPER, off))
            return try_wrapper(d, p, n, off, used);
        break;
    case '/':
    case '/' | 0x80: /* a 7E1 line read as eight data bits */
        if (allowed(d, SM_LINK_P1, off))
            return try_p1(d, p, n, off, used);
        break;
    default:
        if (sm_apdu_known_tag(p[0]) && allowed(d, SM_LINK_RAW, off))
            return try_raw(d, p, n, off, used);
        break;
    }
    return CAND_NOT_FRAME;
}

static sm_link link_of(uint8_t first)
{
    switch (first) {
    case 0x68: return SM_LINK_MBUS;
    case 0x7E: return SM_LINK_HDLC;
    case 0x00: return SM_LINK_WRAPPER;
    case '/':
    case '/' | 0x80: return SM_LINK_P1;
    default: return SM_LINK_RAW;
    }
}

/* A run of skipped bytes ends at `end` (a telegram or a failed one begins,
 * or the input ends).  As many bytes as half the shortest frame (a damaged
 * one may have lent its first bytes to the one before), and at least
 * UNREADABLE_MIN (noise on a line comes in short bursts), after the first
 * telegram of a line, are a telegram damaged past recognition (its first
 * bytes, say): reported as one, not only counted as skipped bytes.  (Where
 * a reader joins a line, the end of a telegram is skipped: that is no
 * damage.) */
#define UNREADABLE_MIN 64
static void skip_end(sm_deframer *d, uint64_t end)
{
    if (!d->skipping)
        return;
    d->skipping = false;
    if (d->skip_leading || !d->shortest || 2 * d->skip_counted < d->shortest ||
        d->skip_counted < UNREADABLE_MIN)
        return;
    /* (its bytes stay counted as skipped: a reader that took the count
     * while the run was under way has seen them; the count never goes back) */
    d->stats.frame_errors++;
    claim(d, end, false);
    sm_link_event ev; /* no frame of it could be read: none listed */
    memset(&ev, 0, sizeof ev);
    ev.err = SM_ERR_UNREADABLE;
    ev.link = d->mode;
    ev.frames = d->frames;
    ev.offset = ev.err_offset = d->skip_from;
    ev.end = end;
    if (ev.end > d->delivered_end)
        d->delivered_end = ev.end;
    d->cb(d->ctx, &ev);
}

static bool hex_digit(uint8_t c)
{
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F') || (c >= 'a' && c <= 'f');
}

/* The skipped bytes end like a P1 telegram, "!" and four hex digits and
 * CR LF (parity bits masked off). */
static bool p1_trailer(uint64_t tail)
{
    uint8_t b[7];
    for (int i = 0; i < 7; i++)
        b[i] = (uint8_t)(tail >> (8 * (6 - i))) & 0x7F;
    return b[0] == '!' && hex_digit(b[1]) && hex_digit(b[2]) && hex_digit(b[3]) &&
           hex_digit(b[4]) && b[5] == '\r' && b[6] == '\n';
}

/* The shortest P1 telegram a trailer may end: "/XXX5" CR LF CR LF, one
 * line, "!" CRC. */
#define P1_SHORTEST 24

/* One byte skipped (it begins no telegram).  The flag that closed an HDLC
 * frame, and the bytes of a failed telegram, are no garbage.  A run of
 * skipped bytes that ends like a P1 telegram is one whose identification
 * line was damaged: reported as a failed telegram. */
static void skip_byte(sm_deframer *d, uint64_t off, uint8_t b, bool hdlc_flag)
{
    if (!d->skipping) {
        d->skipping = true;
        d->skip_leading = d->joined;
        d->skip_counted = 0;
        d->skip_tail = 0;
    }
    if (!hdlc_flag && off >= d->claimed_end) {
        if (d->skip_counted++ == 0)
            d->skip_from = off;
        d->stats.bytes_discarded++;
    }
    d->skip_tail = d->skip_tail << 8 | b;
    if (!p1_trailer(d->skip_tail) || (d->mode != SM_LINK_P1 && d->mode != SM_LINK_AUTO) ||
        off < d->claimed_end || !d->skip_counted)
        return;
    uint64_t from = d->skip_from, end = off + 1;
    bool owned = d->p1_tail_owned; /* the rest of a P1 telegram that failed */
    if (!owned && end - from < P1_SHORTEST)
        return;
    d->p1_tail_owned = false;
    d->stats.bytes_discarded -= d->skip_counted;
    d->skipping = false;
    claim(d, end, true);
    if (owned)
        return;
    abandon(d, from);
    d->stats.frame_errors++;
    emit_error_at(d, SM_ERR_P1_HEADER, SM_LINK_P1, from, (size_t)(end - from), from);
}

/* A candidate's outcome (a frame, a failed one, none), booked: true when
 * its bytes are taken, false when one byte is to be skipped. */
static bool book(sm_deframer *d, cand r, sm_link kind, uint64_t off, size_t used)
{
    bool checked = kind == SM_LINK_MBUS || kind == SM_LINK_HDLC || kind == SM_LINK_P1;
    if (r == CAND_FRAME && d->rejected) {
        /* delivered, but it did not decode: the next may begin inside
         * (a wrapper's: the next wrapper, not its own APDU again) */
        d->rejected = false;
        claim(d, off + used, false);
        if (kind == SM_LINK_WRAPPER)
            d->no_raw_until = off + used;
        d->rejected_end = off + used; /* where it ended is a boundary all the same */
        return false;
    }
    if (r == CAND_NOT_FRAME)
        return false;
    skip_end(d, off);
    d->joined = false;
    if (r == CAND_BAD) {
        /* its bytes were reported with it: they are not "outside any
         * telegram", but a good frame may still begin inside them */
        d->stats.frame_errors++;
        claim(d, off + used, checked);
        return false;
    }
    d->p1_tail_owned = false;
    if (!d->shortest || used < d->shortest)
        d->shortest = used;
    d->aligned = true;
    d->after_hdlc = kind == SM_LINK_HDLC;
    d->seen_checked_link |= checked;
    d->seen_wrapper |= kind == SM_LINK_WRAPPER;
    return true;
}

static void process(sm_deframer *d)
{
    size_t pos = 0;
    while (pos < d->len) {
        size_t used = 0;
        uint64_t off = d->buf_offset + pos;
        uint8_t first = d->buf[pos];
        sm_link kind = link_of(first);
        d->cur_off = off;
        cand r = try_at(d, d->buf + pos, d->len - pos, off, &used);
        if (r == CAND_NEED_MORE || r == CAND_PARTIAL) {
            size_t have = d->len - pos;
            if (!d->eof && have < sizeof d->buf)
                break;
            /* the end of the input (or a candidate longer than any frame):
             * a frame whose header checks out was cut short: report it
             * (once: what follows is inside it), then go on looking behind
             * its first byte; anything else was noise */
            if (r == CAND_PARTIAL && d->eof && d->stopping) {
                asm_clear(d); /* cut by the stop: dropped, no error (sm_deframer_stop) */
                pos += have;
                break;
            } else if (r == CAND_PARTIAL && d->eof && !d->eof_reported) {
                d->eof_reported = true;
                emit_error(d, SM_ERR_INCOMPLETE, kind, off, have);
                asm_clear(d);
                used = have;
                r = CAND_BAD;
            } else {
                r = CAND_NOT_FRAME;
            }
        }
        if (book(d, r, kind, off, used)) {
            pos += used;
            continue;
        }
        skip_byte(d, off, first, d->after_hdlc && first == 0x7E);
        d->after_hdlc = false;
        d->aligned = false;
        pos++;
    }
    if (pos) {
        memmove(d->buf, d->buf + pos, d->len - pos);
        d->len -= pos;
        d->buf_offset += pos;
    }
}

void sm_deframer_feed(sm_deframer *d, const uint8_t *data, size_t len)
{
    d->stats.bytes_in += len;
    while (len > 0) {
        size_t room = sizeof d->buf - d->len;
        size_t take = len < room ? len : room;
        memcpy(d->buf + d->len, data, take);
        d->len += take;
        data += take;
        len -= take;
        process(d);
    }
}

size_t sm_deframer_expect(const sm_deframer *d)
{
    const uint8_t *p = d->buf;
    size_t n = d->len, total = 0;
    if (n == 1 && p[0] == 0x7E && d->after_hdlc)
        n = 0; /* the flag that closed the last frame */
    if (n == 0)
        return d->asm_link != SM_LINK_AUTO ? SM_EXPECT_SOME : SM_EXPECT_IDLE;
    if (p[0] == 0x68 && n >= 2)
        total = mbus_frame_bytes(p);
    else if (p[0] == 0x7E && n >= 3 && (p[1] & 0xF0) == 0xA0)
        total = hdlc_length_field(p) + 2; /* and the two flags */
    return total > n ? total - n : SM_EXPECT_SOME;
}

uint64_t sm_deframer_underway(const sm_deframer *d)
{
    if (d->asm_link != SM_LINK_AUTO)
        return d->stats.bytes_in - d->asm_offset;
    if (sm_deframer_expect(d) == SM_EXPECT_IDLE)
        return 0;
    return d->len; /* the first frame, not complete yet */
}

void sm_deframer_finish(sm_deframer *d)
{
    d->eof = true;
    d->eof_reported = false;
    process(d);
    d->eof = false;
    if (d->stopping)
        d->skipping = false; /* the stop cut it: no gap */
    skip_end(d, d->buf_offset + d->len);
    if (d->asm_link != SM_LINK_AUTO) {
        if (!d->stopping)
            emit_error(d, SM_ERR_INCOMPLETE, d->asm_link, d->buf_offset + d->len, 0);
        asm_clear(d);
    }
    d->drop_continuation = false;
    d->aligned = true;
}

void sm_deframer_stop(sm_deframer *d)
{
    /* what was not yet delivered or discarded: the telegram being
     * assembled, and the buffer */
    uint64_t end = d->buf_offset + d->len;
    uint64_t from = d->asm_link != SM_LINK_AUTO ? d->asm_offset : d->buf_offset;
    uint64_t discarded = d->stats.bytes_discarded;
    d->stopping = true;
    sm_deframer_finish(d);
    d->stopping = false;
    /* what the finish skipped or dropped after the last telegram is the
     * cut one's, not garbage */
    d->stats.bytes_discarded = discarded;
    uint64_t done = d->delivered_end > from ? d->delivered_end : from;
    d->stats.bytes_cut += end > done ? end - done : 0;
}
