/* sm_mbus.c - wired M-Bus long frames (EN 13757-2 FT1.2) carrying DLMS:
 *   68 L L 68 | C A CI STSAP DTSAP payload | CS 16
 * CI 0x00..0x1F is the DLMS transport segment byte (bits 0-3 the sequence
 * number, bit 4 the last segment); the segments' payloads are reassembled
 * into one APDU.  A link-layer family of the deframer (sm_link.h). */
#define SM_ALLOW_PRIVATE_ACCESS
#include "sm_link.h"

/* A long frame's bytes on the wire from its L field: 68 L L 68, L bytes, CS, 16. */
static size_t frame_bytes_of(const uint8_t *p) { return (size_t)p[1] + 6; }

static size_t mbus_frame_bytes(const uint8_t *p, size_t n) { return n >= 2 ? frame_bytes_of(p) : 0; }

/* The M-Bus checksum: the sum of the bytes, modulo 256. */
static uint8_t mbus_checksum(const uint8_t *p, size_t n)
{
    unsigned cs = 0;
    for (size_t i = 0; i < n; i++)
        cs += p[i];
    return (uint8_t)cs;
}

/* 68 L L' 68 with L != L': one of the length fields is damaged.  Where one
 * of the two lengths ends in the stop byte, a damaged frame, reported (and
 * no bare APDU is read inside it). */
static sm_cand lengths_disagree(sm_scan *s)
{
    const uint8_t *p = s->p;
    size_t a = frame_bytes_of(p), b = (size_t)p[2] + 6;
    size_t lo = a < b ? a : b, hi = a < b ? b : a;
    if (s->n < hi)
        return SM_CAND_NEED_MORE;
    size_t total = lo >= 11 && p[lo - 1] == 0x16 ? lo : p[hi - 1] == 0x16 ? hi : 0;
    if (!total)
        return SM_CAND_NOT_FRAME;
    sm_link_reject(s->d, SM_ERR_MBUS_LENGTH, SM_LINK_MBUS, s->off, total, true);
    s->used = total;
    return SM_CAND_BAD;
}

/* A whole frame's stop byte and checksum: true when it may be taken (right,
 * or wrong and decoded all the same on request); else it is reported. */
static bool checked(sm_scan *s, size_t l, size_t total)
{
    sm_deframer *d = s->d;
    const uint8_t *p = s->p;
    bool stop = p[total - 1] == 0x16, sum = mbus_checksum(p + 4, l) == p[4 + l];
    d->as.checksum_pending = false;
    if (stop && !sum && d->ignore_checksums) {
        d->as.checksum_pending = true; /* decoded all the same: the meter gets it wrong */
        d->stats.checksum_ignored++;
        return true;
    }
    if (stop && sum)
        return true;
    sm_link_reject(d, stop ? SM_ERR_MBUS_CHECKSUM : SM_ERR_MBUS_STOP, SM_LINK_MBUS, s->off,
                   total, true);
    return false;
}

/* A verified frame's segment, into the telegram under way. */
static void take(sm_scan *s, size_t l, size_t total)
{
    sm_deframer *d = s->d;
    const uint8_t *p = s->p;
    uint8_t ci = p[6];
    unsigned seq = ci & 0x0F;
    bool last = ci & 0x10;
    if (seq == 0) {
        d->as.drop_continuation = false;
        sm_link_abandon(d, s->off);
        sm_link_begin(d, SM_LINK_MBUS, s->off);
    } else if (d->as.link != SM_LINK_MBUS || seq != d->as.next_seq) {
        if (d->as.drop_continuation)
            d->as.drop_continuation = !last;
        else
            sm_link_reject(d, SM_ERR_MBUS_SEQUENCE, SM_LINK_MBUS, s->off, total, !last);
        return;
    }
    sm_frame *f = sm_link_frame(d, SM_LINK_MBUS, s->off, total);
    f->u.mbus.l = (uint8_t)l;
    f->u.mbus.c = p[4];
    f->u.mbus.a = p[5];
    f->u.mbus.ci = ci;
    f->u.mbus.stsap = p[7];
    f->u.mbus.dtsap = p[8];
    f->payload = (uint32_t)(l - 5);
    if (!sm_link_append(d, p + 9, l - 5)) {
        sm_link_reject(d, SM_ERR_OVERSIZE, SM_LINK_MBUS, s->off, total, !last);
        return;
    }
    d->as.frames++;
    d->as.next_seq = (uint8_t)((seq + 1) & 0x0F);
    if (last)
        sm_link_deliver(d, SM_LINK_MBUS, s->off + total);
}

static sm_cand mbus_scan(sm_scan *s)
{
    const uint8_t *p = s->p;
    size_t n = s->n;
    if (n >= 2 && p[1] < 5) /* C, A, CI and the two TSAP bytes at least */
        return SM_CAND_NOT_FRAME;
    if (n >= 4 && p[3] != 0x68)
        return SM_CAND_NOT_FRAME;
    if (n < 4)
        return SM_CAND_NEED_MORE;
    if (p[2] != p[1])
        return sm_link_header_damage_counts(s->d, SM_LINK_MBUS) ? lengths_disagree(s)
                                                                : SM_CAND_NOT_FRAME;
    size_t l = p[1], total = frame_bytes_of(p);
    if (n < total)
        return SM_CAND_PARTIAL;
    s->used = total;
    if (!checked(s, l, total))
        return SM_CAND_BAD;
    s->d->stats.frames++;
    if (p[6] > 0x1F) {
        sm_link_abandon(s->d, s->off);
        sm_link_report(s->d, SM_ERR_MBUS_CI, SM_LINK_MBUS, s->off, total, s->off);
        return SM_CAND_FRAME;
    }
    take(s, l, total);
    return SM_CAND_FRAME;
}

static bool mbus_begins(uint8_t first) { return first == 0x68; }

const sm_link_family sm_link_mbus = {
    .link = SM_LINK_MBUS,
    .checked = true,
    .missing = SM_ERR_MBUS_SEQUENCE,
    .begins = mbus_begins,
    .scan = mbus_scan,
    .frame_bytes = mbus_frame_bytes,
};
