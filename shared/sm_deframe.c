/* sm_deframe.c - the streaming deframer: at every byte not yet placed, the
 * family whose frames begin with it (sm_link_families, sm_link.c) is asked
 * whether one does; what none takes is skipped and counted.  See sm_deframe.h
 * for the contract. */
#define SM_ALLOW_PRIVATE_ACCESS
#include "sm_deframe.h"

#include <string.h>

void sm_deframer_init(sm_deframer *d, sm_link mode, sm_link_cb cb, void *ctx)
{
    memset(d, 0, sizeof *d);
    d->mode = mode;
    d->cb = cb;
    d->ctx = ctx;
    d->sync = SM_SYNC_JOINING;
    d->as.link = SM_LINK_AUTO;
}

void sm_deframer_ignore_checksums(sm_deframer *d, bool ignore) { d->ignore_checksums = ignore; }

const sm_link_stats *sm_deframer_stats(const sm_deframer *d) { return &d->stats; }

void sm_deframer_new_stream(sm_deframer *d)
{
    bool ignore = d->ignore_checksums;
    sm_deframer_init(d, d->mode, d->cb, d->ctx);
    d->ignore_checksums = ignore;
}

void sm_deframer_reconnected(sm_deframer *d)
{
    sm_shown shown = d->shown;
    bool crc = d->p1.crc_seen, tic = d->tic.seen;
    uint64_t shortest = d->shortest;
    sm_deframer_new_stream(d);
    d->shown = shown;
    d->p1.crc_seen = crc;
    d->tic.seen = tic;
    d->shortest = shortest;
}

void sm_deframer_reset(sm_deframer *d)
{
    d->buf_offset += d->len;
    d->len = 0;
    d->sync = SM_SYNC_JOINING; /* a reader joins a line mid-telegram */
    d->as.drop_continuation = false;
    d->skip.on = false;
    sm_link_clear(d);
}

void sm_deframer_reject(sm_deframer *d) { d->rejected = true; }

static bool joining(const sm_deframer *d)
{
    return d->sync == SM_SYNC_JOINING || d->sync == SM_SYNC_JOINING_LOST;
}

/* In auto mode the checksummed link layers are recognised anywhere; the
 * unchecked ones only until a checksummed one has been seen (a meter uses
 * one link layer); inside a checksummed frame that failed, its bytes are
 * its own. */
static bool allowed(const sm_deframer *d, const sm_link_family *f, uint64_t off)
{
    if (!f->checked && off < d->no_bare_until)
        return false;
    if (d->mode == f->link)
        return true;
    if (d->mode != SM_LINK_AUTO)
        return false;
    return f->checked || d->shown != SM_SHOWN_CHECKED;
}

/* One byte skipped (it begins no telegram).  The flag that closed an HDLC
 * frame, and the bytes of a failed telegram, are no garbage.  A family may
 * recognise in the run the end of one of its telegrams. */
static void skip_byte(sm_deframer *d, uint64_t off, uint8_t b)
{
    bool hdlc_flag = d->sync == SM_SYNC_AFTER_HDLC && b == 0x7E;
    if (!d->skip.on) {
        d->skip.on = true;
        d->skip.leading = joining(d);
        d->skip.counted = 0;
        d->skip.tail = 0;
    }
    if (!hdlc_flag && off >= d->claimed_end) {
        if (d->skip.counted++ == 0)
            d->skip.from = off;
        d->stats.bytes_discarded++;
    }
    d->skip.tail = d->skip.tail << 8 | b;
    sm_link_skipped(d, off);
    d->sync = joining(d) ? SM_SYNC_JOINING_LOST : SM_SYNC_LOST;
}

/* A candidate's outcome (a frame, a failed one, none), booked: true when
 * its bytes are taken, false when one byte is to be skipped. */
static bool book(sm_deframer *d, sm_cand r, const sm_link_family *f, uint64_t off, size_t used)
{
    if (r == SM_CAND_FRAME && d->rejected) {
        /* delivered, but it did not decode: the next may begin inside
         * (a wrapper's: the next wrapper, not its own APDU again) */
        d->rejected = false;
        sm_link_claim(d, off + used, false);
        if (f->link == SM_LINK_WRAPPER)
            d->no_raw_until = off + used;
        d->rejected_end = off + used; /* where it ended is a boundary all the same */
        return false;
    }
    if (r == SM_CAND_NOT_FRAME)
        return false;
    sm_link_skip_end(d, off);
    if (r == SM_CAND_BAD) {
        /* its bytes were reported with it: they are not "outside any
         * telegram", but a good frame may still begin inside them */
        d->stats.frame_errors++;
        sm_link_claim(d, off + used, f->checked);
        if (joining(d))
            d->sync = d->sync == SM_SYNC_JOINING ? SM_SYNC_BOUNDARY : SM_SYNC_LOST;
        return false;
    }
    d->p1.tail_owned = false;
    if (!d->shortest || used < d->shortest)
        d->shortest = used;
    d->sync = f->link == SM_LINK_HDLC ? SM_SYNC_AFTER_HDLC : SM_SYNC_BOUNDARY;
    if (f->checked)
        d->shown = SM_SHOWN_CHECKED;
    else if (f->link == SM_LINK_WRAPPER && d->shown == SM_SHOWN_NOTHING)
        d->shown = SM_SHOWN_WRAPPER;
    return true;
}

/* The candidate at s->p cut short by the end of the input (or longer than
 * any frame): a frame whose header checks out is reported (once: what
 * follows is inside it), unless a stop cut it; anything else was noise. */
static sm_cand cut_short(sm_scan *s, sm_cand r, const sm_link_family *f, bool *stop)
{
    sm_deframer *d = s->d;
    if (r == SM_CAND_PARTIAL && s->end == SM_END_STOP) {
        sm_link_clear(d); /* cut by the stop: dropped, no error (sm_deframer_stop) */
        *stop = true;
        return r;
    }
    if (r == SM_CAND_PARTIAL && s->end == SM_END_EOF && !d->eof_reported) {
        d->eof_reported = true;
        sm_link_report(d, SM_ERR_INCOMPLETE, f->link, s->off, s->n, s->off);
        sm_link_clear(d);
        s->used = s->n;
        return SM_CAND_BAD;
    }
    return SM_CAND_NOT_FRAME;
}

static void process(sm_deframer *d, sm_input_end end)
{
    size_t pos = 0;
    while (pos < d->len) {
        uint8_t first = d->buf[pos];
        sm_scan s = {d, d->buf + pos, d->len - pos, d->buf_offset + pos, end, 0};
        const sm_link_family *f = sm_link_family_at(first);
        sm_cand r = SM_CAND_NOT_FRAME;
        d->cur_off = s.off;
        if (f && allowed(d, f, s.off))
            r = f->scan(&s);
        if (r == SM_CAND_NEED_MORE || r == SM_CAND_PARTIAL) {
            if (end == SM_END_NONE && s.n < sizeof d->buf)
                break;
            bool stop = false;
            r = cut_short(&s, r, f, &stop);
            if (stop) {
                pos += s.n;
                break;
            }
        }
        if (book(d, r, f, s.off, s.used)) {
            pos += s.used;
            continue;
        }
        skip_byte(d, s.off, first);
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
        process(d, SM_END_NONE);
    }
}

size_t sm_deframer_expect(const sm_deframer *d)
{
    const uint8_t *p = d->buf;
    size_t n = d->len, total = 0;
    if (n == 1 && p[0] == 0x7E && d->sync == SM_SYNC_AFTER_HDLC)
        n = 0; /* the flag that closed the last frame */
    if (n == 0)
        return d->as.link != SM_LINK_AUTO ? SM_EXPECT_SOME : SM_EXPECT_IDLE;
    const sm_link_family *f = sm_link_family_at(p[0]);
    if (f && f->frame_bytes)
        total = f->frame_bytes(p, n);
    return total > n ? total - n : SM_EXPECT_SOME;
}

uint64_t sm_deframer_underway(const sm_deframer *d)
{
    if (d->as.link != SM_LINK_AUTO)
        return d->stats.bytes_in - d->as.offset;
    if (sm_deframer_expect(d) == SM_EXPECT_IDLE)
        return 0;
    return d->len; /* the first frame, not complete yet */
}

static void finish(sm_deframer *d, sm_input_end end)
{
    d->eof_reported = false;
    process(d, end);
    if (end == SM_END_STOP)
        d->skip.on = false; /* the stop cut it: no gap */
    sm_link_skip_end(d, d->buf_offset + d->len);
    if (d->as.link != SM_LINK_AUTO) {
        if (end != SM_END_STOP)
            sm_link_report(d, SM_ERR_INCOMPLETE, d->as.link, d->buf_offset + d->len, 0,
                           d->buf_offset + d->len);
        sm_link_clear(d);
    }
    d->as.drop_continuation = false;
    if (d->sync == SM_SYNC_LOST)
        d->sync = SM_SYNC_BOUNDARY;
    else if (d->sync == SM_SYNC_JOINING_LOST)
        d->sync = SM_SYNC_JOINING;
}

void sm_deframer_finish(sm_deframer *d) { finish(d, SM_END_EOF); }

void sm_deframer_stop(sm_deframer *d)
{
    /* what was not yet delivered or discarded: the telegram being
     * assembled, and the buffer */
    uint64_t end = d->buf_offset + d->len;
    uint64_t from = d->as.link != SM_LINK_AUTO ? d->as.offset : d->buf_offset;
    uint64_t discarded = d->stats.bytes_discarded;
    finish(d, SM_END_STOP);
    /* what the finish skipped or dropped after the last telegram is the
     * cut one's, not garbage */
    d->stats.bytes_discarded = discarded;
    uint64_t done = d->delivered_end > from ? d->delivered_end : from;
    d->stats.bytes_cut += end > done ? end - done : 0;
}
