/* sm_hdlc.c - HDLC frame format type 3 (IEC 62056-46 / ISO 13239):
 *   7E | format 1010 S LLL LLLLLLLL | destination | source | control |
 *   [HCS | information] | FCS | 7E
 * an 11-bit length, 1/2/4-byte addresses, CRC-16/X-25, the segmentation
 * bit, the LLC header E6 E7 00.  Frames are split by their length field
 * (there is no byte stuffing: 0x7E occurs inside frames).  A link-layer
 * family of the deframer (sm_link.h). */
#define SM_ALLOW_PRIVATE_ACCESS
#include "sm_link.h"

#include "sm_crc.h"
#include "sm_cursor.h"

/* The frame format field's 11-bit length: the bytes from the format field
 * to the FCS, without the two flags. */
static size_t hdlc_length_field(const uint8_t *p) { return (size_t)(p[1] & 0x07) << 8 | p[2]; }

/* The frame's bytes with its two flags, once the length field has arrived. */
static size_t hdlc_frame_bytes(const uint8_t *p, size_t n)
{
    return n >= 3 && (p[1] & 0xF0) == 0xA0 ? hdlc_length_field(p) + 2 : 0;
}

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

/* The header of the frame at p (n bytes have arrived): SM_CAND_FRAME when it
 * is one (its HCS right, where it has one), SM_CAND_BAD when its format,
 * length and addresses fit but its HCS fails, else SM_CAND_NEED_MORE or
 * SM_CAND_NOT_FRAME. */
static sm_cand hdlc_header_parse(const uint8_t *p, size_t n, hdlc_header *h)
{
    if (n < 2)
        return SM_CAND_NEED_MORE;
    if ((p[1] & 0xF0) != 0xA0)
        return SM_CAND_NOT_FRAME;
    if (n < 3)
        return SM_CAND_NEED_MORE;
    h->flen = hdlc_length_field(p);
    h->segmented = p[1] & 0x08;
    if (h->flen < 7)
        return SM_CAND_NOT_FRAME;
    /* the header lies within the frame: the cursor ends where the FCS
     * begins, or where the bytes that have arrived end */
    bool whole = n >= h->flen - 1;
    sm_cand cut = whole ? SM_CAND_NOT_FRAME : SM_CAND_NEED_MORE;
    sm_cur c = sm_cur_make(p, whole ? h->flen - 1 : n);
    c.p += 3;
    int r = hdlc_addr(&c, &h->dst, &h->dst_len);
    if (r <= 0)
        return r < 0 ? cut : SM_CAND_NOT_FRAME;
    if ((r = hdlc_addr(&c, &h->src, &h->src_len)) <= 0)
        return r < 0 ? cut : SM_CAND_NOT_FRAME;
    if (sm_cur_u8(&c, &h->control))
        return cut;
    size_t hcs_at = sm_cur_off(&c);
    if (hcs_at == h->flen - 1) { /* no information field, no HCS */
        h->info_at = hcs_at;
        h->info_len = 0;
        return SM_CAND_FRAME;
    }
    uint64_t hcs;
    if (hcs_at + 2 > h->flen - 1)
        return SM_CAND_NOT_FRAME; /* no room for the HCS before the FCS */
    if (sm_cur_be(&c, 2, &hcs))
        return cut;
    if ((uint16_t)(hcs >> 8 | hcs << 8) != sm_crc16_x25(p + 1, hcs_at - 1))
        return SM_CAND_BAD;
    h->info_at = hcs_at + 2;
    h->info_len = h->flen - 1 - h->info_at;
    return SM_CAND_FRAME;
}

/* A verified frame's information field, into the telegram under way. */
static void take(sm_scan *s, const hdlc_header *h)
{
    sm_deframer *d = s->d;
    const uint8_t *p = s->p;
    size_t total = h->flen + 2;
    const uint8_t *info = p + h->info_at;
    size_t info_len = h->info_len;
    bool llc = info_len >= 3 && info[0] == 0xE6 && (info[1] == 0xE7 || info[1] == 0xE6) &&
               info[2] == 0x00;
    if (d->as.drop_continuation && !llc) {
        d->as.drop_continuation = h->segmented;
        return;
    }
    d->as.drop_continuation = false;
    if (llc && d->as.link == SM_LINK_HDLC)
        sm_link_abandon(d, s->off); /* a new telegram starts */
    sm_link_begin(d, SM_LINK_HDLC, s->off);
    sm_frame *f = sm_link_frame(d, SM_LINK_HDLC, s->off, total);
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
    if (!sm_link_append(d, info, info_len)) {
        sm_link_reject(d, SM_ERR_OVERSIZE, SM_LINK_HDLC, s->off, total, h->segmented);
        return;
    }
    d->as.frames++;
    if (!h->segmented)
        sm_link_deliver(d, SM_LINK_HDLC, s->off + total);
}

/* A frame whose HCS fails: where its closing flag is where its length
 * says, a damaged frame, reported; no bare APDU is read inside it (the
 * ciphering APDU inside would bypass the FCS).  Without the flag it may be
 * noise, and a bare APDU inside it a real one. */
static sm_cand header_damaged(sm_scan *s, const hdlc_header *h)
{
    size_t total = h->flen + 2;
    if (s->n < total)
        return SM_CAND_NEED_MORE;
    if (s->p[h->flen + 1] != 0x7E)
        return SM_CAND_NOT_FRAME;
    sm_link_reject(s->d, SM_ERR_HDLC_HCS, SM_LINK_HDLC, s->off, total, h->segmented);
    s->used = total;
    return SM_CAND_BAD;
}

static sm_cand hdlc_scan(sm_scan *s)
{
    sm_deframer *d = s->d;
    const uint8_t *p = s->p;
    hdlc_header h;
    sm_cand r = hdlc_header_parse(p, s->n, &h);
    if (r == SM_CAND_BAD)
        return sm_link_header_damage_counts(d, SM_LINK_HDLC) ? header_damaged(s, &h)
                                                             : SM_CAND_NOT_FRAME;
    if (r != SM_CAND_FRAME)
        return r;
    size_t total = h.flen + 2;
    if (s->n < total)
        return h.info_len ? SM_CAND_PARTIAL : SM_CAND_NEED_MORE; /* the HCS vouches for it */
    bool flag = p[h.flen + 1] == 0x7E;
    bool fcs_ok = (uint16_t)(p[h.flen - 1] | p[h.flen] << 8) == sm_crc16_x25(p + 1, h.flen - 2);
    d->as.checksum_pending = false;
    if (flag && !fcs_ok && d->ignore_checksums) {
        d->as.checksum_pending = true; /* decoded all the same: the meter gets it wrong */
        d->stats.checksum_ignored++;
    } else if (!flag || !fcs_ok) {
        sm_link_reject(d, !flag ? SM_ERR_HDLC_FLAG : SM_ERR_HDLC_FCS, SM_LINK_HDLC, s->off,
                       total, h.segmented);
        s->used = total;
        return SM_CAND_BAD;
    }
    /* leave the closing flag: it may open the next frame */
    s->used = h.flen + 1;
    d->stats.frames++;
    if (h.info_len) /* a supervisory frame carries no APDU */
        take(s, &h);
    return SM_CAND_FRAME;
}

static bool hdlc_begins(uint8_t first) { return first == 0x7E; }

const sm_link_family sm_link_hdlc = {
    .link = SM_LINK_HDLC,
    .checked = true,
    .missing = SM_ERR_HDLC_SEGMENT,
    .begins = hdlc_begins,
    .scan = hdlc_scan,
    .frame_bytes = hdlc_frame_bytes,
};
