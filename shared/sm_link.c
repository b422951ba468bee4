/* sm_link.c - the link layers' table and the services the families share:
 * reporting a failed telegram, assembling one from its frames, delivering
 * it, and the bookkeeping of skipped bytes.  See sm_link.h. */
#define SM_ALLOW_PRIVATE_ACCESS
#include "sm_link.h"

#include <string.h>

const char *const sm_link_names[SM_LINK_COUNT] = {
    [SM_LINK_AUTO] = "auto", [SM_LINK_MBUS] = "mbus", [SM_LINK_HDLC] = "hdlc",
    [SM_LINK_WRAPPER] = "wrapper", [SM_LINK_RAW] = "raw", [SM_LINK_P1] = "p1",
    [SM_LINK_SML] = "sml", [SM_LINK_TIC] = "tic"};

/* The families, in the order they are asked (their first bytes differ). */
static const sm_link_family *const sm_link_families[] = {
    &sm_link_mbus, &sm_link_hdlc, &sm_link_wrapper, &sm_link_p1, &sm_link_sml, &sm_link_tic,
    &sm_link_raw};
#define NFAMILIES (sizeof sm_link_families / sizeof sm_link_families[0])

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

const sm_link_family *sm_link_family_of(sm_link link)
{
    for (size_t i = 0; i < NFAMILIES; i++)
        if (sm_link_families[i]->link == link)
            return sm_link_families[i];
    return NULL;
}

/* The family whose frames may begin with this byte, NULL: none. */
const sm_link_family *sm_link_family_at(uint8_t first)
{
    for (size_t i = 0; i < NFAMILIES; i++)
        if (sm_link_families[i]->begins(first))
            return sm_link_families[i];
    return NULL;
}


void sm_link_skipped(sm_deframer *d, uint64_t off)
{
    for (size_t i = 0; i < NFAMILIES; i++)
        if (sm_link_families[i]->skipped)
            sm_link_families[i]->skipped(d, off);
}

void sm_link_clear(sm_deframer *d)
{
    d->as.link = SM_LINK_AUTO;
    d->as.frames = 0;
    d->as.apdu_len = 0;
    d->as.next_seq = 0;
}

bool sm_link_aligned(const sm_deframer *d)
{
    return d->sync != SM_SYNC_LOST && d->sync != SM_SYNC_JOINING_LOST;
}



static void emit(sm_deframer *d, const sm_link_event *ev)
{
    if (ev->end > d->delivered_end)
        d->delivered_end = ev->end;
    d->cb(d->ctx, ev);
}

void sm_link_report(sm_deframer *d, sm_err err, sm_link link, uint64_t frame_offset,
                    size_t length, uint64_t err_offset)
{
    uint64_t start = d->as.link != SM_LINK_AUTO ? d->as.offset : frame_offset;
    if (d->skip.on && d->skip.counted && !d->skip.leading && d->as.link == SM_LINK_AUTO &&
        (err == SM_ERR_MBUS_SEQUENCE || err == SM_ERR_HDLC_SEGMENT)) {
        /* a continuation whose first frame was skipped: those bytes are its */
        start = d->skip.from;
        d->stats.bytes_discarded -= d->skip.counted;
        d->skip.on = false;
    }
    sm_link_skip_end(d, d->cur_off); /* what was skipped before it comes first */
    unsigned listed = d->as.frames;
    if (length > 0) {
        /* recorded with its details already when the frame itself was
         * fine but its payload did not fit */
        const sm_frame *f =
            &d->as.frames_info[listed < SM_MAX_FRAME_INFO ? listed : SM_MAX_FRAME_INFO];
        if (f->offset != frame_offset || f->link != link || f->length != length)
            sm_link_frame(d, link, frame_offset, length);
        listed++;
    }
    sm_link_event ev;
    memset(&ev, 0, sizeof ev);
    ev.err = err;
    ev.link = link;
    ev.apdu = d->as.err_apdu; /* a bare APDU that failed: its bytes up to the failure */
    ev.apdu_len = d->as.err_apdu ? d->as.err_apdu_len : 0;
    d->as.err_apdu = NULL;
    ev.frames = d->as.frames_info;
    ev.nframes = listed < SM_MAX_FRAME_INFO ? listed : SM_MAX_FRAME_INFO;
    ev.frame_count = d->as.frames + 1;
    ev.offset = start;
    ev.end = frame_offset + length;
    ev.err_offset = err_offset;
    ev.err_frame = d->as.frames + 1;
    emit(d, &ev);
}

void sm_link_reject(sm_deframer *d, sm_err err, sm_link link, uint64_t off, size_t length,
                    bool drop_rest)
{
    sm_link_report(d, err, link, off, length, off);
    sm_link_clear(d);
    d->as.drop_continuation = drop_rest;
}

void sm_link_error_bytes(sm_deframer *d, const uint8_t *p, size_t n)
{
    d->as.err_apdu = p;
    d->as.err_apdu_len = n;
}

void sm_link_abandon(sm_deframer *d, uint64_t at)
{
    if (d->as.link == SM_LINK_AUTO)
        return;
    sm_link link = d->as.link;
    sm_link_report(d, sm_link_family_of(link)->missing, link, at, 0, at);
    sm_link_clear(d);
}

void sm_link_claim(sm_deframer *d, uint64_t end, bool checked)
{
    if (end > d->claimed_end)
        d->claimed_end = end;
    if (checked && end > d->no_bare_until)
        d->no_bare_until = end;
}

sm_frame *sm_link_frame(sm_deframer *d, sm_link link, uint64_t offset, size_t length)
{
    /* frames beyond the recorded ones share the spare last slot */
    unsigned i = d->as.frames < SM_MAX_FRAME_INFO ? d->as.frames : SM_MAX_FRAME_INFO;
    sm_frame *f = &d->as.frames_info[i];
    memset(f, 0, sizeof *f);
    f->link = link;
    f->offset = offset;
    f->length = (uint32_t)length;
    f->checksum_ignored = d->as.checksum_pending;
    d->as.checksum_pending = false;
    return f;
}

bool sm_link_append(sm_deframer *d, const uint8_t *p, size_t n)
{
    if (n > sizeof d->as.apdu - d->as.apdu_len)
        return false;
    memcpy(d->as.apdu + d->as.apdu_len, p, n);
    d->as.apdu_len += n;
    return true;
}

void sm_link_deliver(sm_deframer *d, sm_link link, uint64_t end)
{
    sm_link_skip_end(d, d->cur_off);
    sm_link_event ev;
    memset(&ev, 0, sizeof ev);
    ev.err = SM_OK;
    ev.link = link;
    ev.apdu = d->as.apdu;
    ev.apdu_len = d->as.apdu_len;
    ev.frames = d->as.frames_info;
    ev.frame_count = d->as.frames;
    ev.nframes = d->as.frames < SM_MAX_FRAME_INFO ? d->as.frames : SM_MAX_FRAME_INFO;
    ev.offset = d->as.offset;
    ev.end = end;
    d->stats.telegrams++;
    d->delivered_end = end;
    d->cb(d->ctx, &ev);
    sm_link_clear(d);
}

void sm_link_begin(sm_deframer *d, sm_link link, uint64_t offset)
{
    if (d->as.link != link)
        sm_link_abandon(d, offset);
    if (d->as.link == SM_LINK_AUTO) {
        d->as.link = link;
        d->as.offset = offset;
        d->as.frames = 0;
        d->as.apdu_len = 0;
    }
}

bool sm_link_header_damage_counts(const sm_deframer *d, sm_link link)
{
    return d->mode == link ||
           (d->mode == SM_LINK_AUTO && (d->shown == SM_SHOWN_CHECKED || sm_link_aligned(d)));
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
void sm_link_skip_end(sm_deframer *d, uint64_t end)
{
    if (!d->skip.on)
        return;
    d->skip.on = false;
    if (d->skip.leading || !d->shortest || 2 * d->skip.counted < d->shortest ||
        d->skip.counted < UNREADABLE_MIN)
        return;
    /* (its bytes stay counted as skipped: a reader that took the count
     * while the run was under way has seen them; the count never goes back) */
    d->stats.frame_errors++;
    sm_link_claim(d, end, false);
    sm_link_event ev; /* no frame of it could be read: none listed */
    memset(&ev, 0, sizeof ev);
    ev.err = SM_ERR_UNREADABLE;
    ev.link = d->mode;
    ev.frames = d->as.frames_info;
    ev.offset = ev.err_offset = d->skip.from;
    ev.end = end;
    emit(d, &ev);
}

