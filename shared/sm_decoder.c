/* sm_decoder.c - the decode pipeline.  See sm_decoder.h. */
#define SM_ALLOW_PRIVATE_ACCESS
#include "sm_decoder.h"

#include <string.h>

const char *sm_where_name(sm_where w)
{
    switch (w) {
    case SM_WHERE_STREAM: return "stream";
    case SM_WHERE_APDU: return "apdu";
    case SM_WHERE_PLAINTEXT: return "plaintext";
    }
    return "?";
}

static void deliver(sm_decoder *d, sm_telegram *t)
{
    t->index = d->stats.telegrams++;
    switch (sm_errlayer(t->err)) {
    case SM_LAYER_NONE: d->stats.ok++; break;
    case SM_LAYER_LINK: d->stats.link_errors++; break;
    case SM_LAYER_SECURITY: d->stats.security_errors++; break;
    default: d->stats.parse_errors++; break;
    }
    d->cb(d->ctx, t);
}

static void deliver_error(sm_decoder *d, sm_telegram *t, sm_err e, sm_where where, uint64_t off)
{
    t->err = e;
    t->err_where = where;
    t->err_offset = off;
    deliver(d, t);
}

/* Without a tag, the only sign of a wrong key is a plaintext that does not
 * start like any APDU a meter pushes.  The check is deliberately shallow so
 * that a right key with a damaged or unusual body is reported as what it is
 * by the parser, not as a wrong key. */
static bool plausible(const uint8_t *p, size_t n)
{
    sm_notification hdr;
    if (n >= 1 && p[0] == SM_APDU_DATA_NOTIFICATION)
        return sm_notification_header(SM_CUR_OVER(p, n), &hdr) == SM_OK &&
               (hdr.datetime_len == 0 || hdr.datetime_len == 12) && hdr.body_offset < n &&
               sm_axdr_type_name(p[hdr.body_offset]) != NULL;
    if (n >= 7 && p[0] == SM_APDU_GBT)
        return true;
    return sm_p1_detect(p, n);
}

/* The string reading that numbers the meter best (sm_obis_meter_id_rank),
 * the meter's own (channel 0) before a sub-meter's. */
static const sm_reading *find_meter_id(const sm_reading *r, size_t n)
{
    const sm_reading *best = NULL;
    int best_rank = 0;
    for (size_t i = 0; i < n; i++) {
        int rank = r[i].kind == SM_RK_STRING && r[i].obis_source != SM_OBIS_NONE &&
                           r[i].parent == SM_NO_NODE
                       ? sm_obis_meter_id_rank(&r[i].obis)
                       : 0;
        if (rank && r[i].obis.b != 0)
            rank += 10;
        if (rank && (!best || rank < best_rank)) {
            best = &r[i];
            best_rank = rank;
        }
    }
    return best;
}

/* The APDU being decoded, as its layers are taken off: the cursor over it
 * (on an error, left at the failure), and which buffer that is. */
typedef struct {
    sm_cur c;
    sm_where where;
} layer;

/* A general-block-transfer block: added to the transfer; *pending while
 * more blocks are to come (no telegram yet), else the reassembled APDU. */
static sm_err unblock(sm_decoder *d, sm_telegram *t, layer *l, bool *pending)
{
    sm_gbt_block b;
    bool complete, dropped;
    sm_err e = sm_gbt_parse(&l->c, &b);
    if (e)
        return e;
    if ((e = sm_gbt_add(&d->gbt, &b, &complete, &dropped))) {
        d->gbt_blocks = 0;
        l->c.p = l->c.base; /* the block as a whole */
        return e;
    }
    if (dropped || !complete) {
        d->gbt_blocks += !dropped;
        *pending = true;
        return SM_OK;
    }
    t->gbt_blocks = ++d->gbt_blocks;
    d->gbt_blocks = 0;
    l->c = sm_cur_make(d->gbt.buf, d->gbt.len);
    l->where = SM_WHERE_PLAINTEXT;
    return SM_OK;
}

/* general-glo- and general-ded-ciphering: the plaintext */
static sm_err decipher(sm_decoder *d, sm_telegram *t, layer *l)
{
    sm_err e = sm_sec_parse(&l->c, &t->sec);
    if (e)
        return e;
    t->ciphered = true;
    size_t plen;
    l->c.p = l->c.base + t->sec.payload_offset; /* what fails now is the payload's */
    e = sm_sec_decrypt(&t->sec, &d->cipher, d->plain, sizeof d->plain, &plen, &t->authenticated);
    if (!e && !t->authenticated && (t->sec.sc & SM_SC_ENC) && !plausible(d->plain, plen))
        e = SM_ERR_WRONG_KEY;
    if (e == SM_ERR_TAG_MISMATCH || e == SM_ERR_NO_AUTH_KEY || e == SM_ERR_WRONG_KEY)
        t->key_diag = sm_sec_diagnose(&t->sec, &d->cipher, d->plain, sizeof d->plain, plausible);
    if (e == SM_ERR_WRONG_KEY && t->key_diag != SM_KEYS_SWAPPED)
        t->key_diag = SM_KEYS_UNKNOWN; /* the error says it already */
    if (e)
        return e;
    l->c = sm_cur_make(d->plain, plen);
    l->where = SM_WHERE_PLAINTEXT;
    return SM_OK;
}

/* The meter quirk of an SML meter (sm_quirk.h), as the caller chose. */
static void quirks(sm_decoder *d, sm_telegram *t, sm_reading_set *rs)
{
    sm_quirk_meter m = {t->sml.meter_number};
    const sm_quirk *q = d->quirk_mode == SM_QUIRKS_NAMED ? d->quirk
                        : d->quirk_mode == SM_QUIRKS_AUTO
                            ? sm_quirk_find(d->layouts, &m, rs->readings, rs->n)
                            : NULL;
    t->quirk = q;
    t->quirk_changed = q ? sm_quirk_apply(q, rs->readings, rs->n) : 0;
}

/* The plaintext APDU: a data-notification or P1 text, into readings. */
static sm_err content(sm_decoder *d, sm_telegram *t, layer *l)
{
    /* a P1 telegram from the link layer comes with its parts found */
    const sm_p1_frame *framed = t->link && t->link->link == SM_LINK_P1 && t->link->nframes
                                    ? &t->link->frames[0].u.p1
                                    : NULL;
    sm_reading_set rs = {d->readings, SM_MAX_READINGS, 0, NULL, false};
    sm_err e = SM_OK;
    const uint8_t *p = l->c.p;
    size_t n = sm_cur_left(&l->c);
    t->apdu = p;
    t->apdu_len = n;
    if (t->link && t->link->link == SM_LINK_SML) {
        const sm_frame *f = &t->link->frames[0];
        t->is_sml = true;
        e = sm_sml_parse(&l->c, f->u.sml.kermit, !f->checksum_ignored, &t->sml, &rs, d->scratch,
                         sizeof d->scratch);
        if (!e)
            quirks(d, t, &rs);
    } else if (t->link && t->link->link == SM_LINK_TIC) {
        t->is_tic = true;
        t->tic = &d->tic;
        rs.layout = "tic";
        e = sm_tic_parse(&l->c, d->tic_whole, &d->tic, &rs);
        for (int v = 1; v < SM_TIC_VERDICTS; v++)
            d->stats.tic_groups_failed[v] += d->tic.failed[v];
    } else if (p[0] == SM_APDU_DATA_NOTIFICATION) {
        if ((e = sm_notification_parse(&l->c, &t->notification, d->nodes, SM_MAX_NODES,
                                       &t->nnodes)))
            return e;
        t->is_notification = true;
        t->nodes = d->nodes;
        e = sm_readings_extract(d->nodes, t->nnodes, p,
                                t->notification.body_offset + t->notification.body_len,
                                d->layouts, &rs);
        l->c.p = p + (e && t->nnodes ? d->nodes[0].item.offset : 0); /* the body's */
    } else if (framed || sm_p1_detect(p, n)) {
        t->is_p1 = true;
        rs.layout = "p1";
        if (framed)
            sm_p1_parse(p, framed, &t->p1, &rs, d->scratch, sizeof d->scratch, &d->p1memo);
        else
            e = sm_p1_parse_text(&l->c, &t->p1, &rs, d->scratch, sizeof d->scratch, &d->p1memo);
        d->stats.p1_notes += t->p1.nnotes;
    } else {
        e = SM_ERR_APDU_UNSUPPORTED;
    }
    t->readings = rs.readings;
    t->nreadings = rs.n;
    t->layout = rs.layout;
    t->implied_disagree = rs.implied_disagree;
    t->meter_id = find_meter_id(rs.readings, rs.n);
    return e;
}

static void decode(sm_decoder *d, const uint8_t *apdu, size_t len, const sm_link_event *link)
{
    sm_telegram t;
    memset(&t, 0, sizeof t);
    t.link = link;
    if (link)
        t.wire_len = link->end - link->offset;
    layer l = {sm_cur_make(apdu, len), SM_WHERE_APDU};
    sm_err e = SM_OK;
    /* general-block-transfer and ciphering, at most once each, either first */
    bool unblocked = false, deciphered = false, pending = false;
    for (;;) {
        uint8_t tag = sm_cur_left(&l.c) ? l.c.p[0] : 0;
        if (sm_cur_left(&l.c) == 0)
            e = SM_ERR_TRUNCATED;
        else if (tag == SM_APDU_GBT && !unblocked)
            unblocked = true, e = unblock(d, &t, &l, &pending);
        else if ((tag == SM_APDU_GLO_CIPHERING || tag == SM_APDU_DED_CIPHERING) &&
                 !deciphered)
            deciphered = true, e = decipher(d, &t, &l);
        else
            break;
        if (e || pending)
            break;
    }
    if (pending)
        return; /* more blocks to come */
    /* a telegram outside any transfer: a broken transfer is over, and a
     * block out of order is reported again */
    if (!unblocked && d->gbt.next == 0)
        d->gbt.resync = false;
    if (!e)
        e = content(d, &t, &l);
    if (e) {
        /* nothing vouched for an unchecked telegram's length: the next one
         * may begin inside it */
        if (link && (link->link == SM_LINK_RAW || link->link == SM_LINK_WRAPPER))
            sm_deframer_reject(&d->deframer);
        deliver_error(d, &t, e, l.where, sm_cur_off(&l.c));
        return;
    }
    t.err = SM_OK;
    deliver(d, &t);
}

static void on_link(void *ctx, const sm_link_event *ev)
{
    sm_decoder *d = ctx;
    if (!ev->err) {
        decode(d, ev->apdu, ev->apdu_len, ev);
        return;
    }
    sm_telegram t;
    memset(&t, 0, sizeof t);
    t.link = ev;
    t.err_frame = ev->err_frame;
    /* a lost frame may have carried a block of the transfer under way: the
     * rest of that telegram is dropped until a block 1 (it has been
     * reported); with none under way, a block out of order is reported */
    if (d->gbt.next != 0)
        sm_gbt_reset(&d->gbt, true);
    d->gbt_blocks = 0;
    deliver_error(d, &t, ev->err, SM_WHERE_STREAM, ev->err_offset);
}

void sm_decoder_init(sm_decoder *d, sm_link link, sm_telegram_cb cb, void *ctx)
{
    memset(d, 0, sizeof *d);
    d->cb = cb;
    d->ctx = ctx;
    sm_deframer_init(&d->deframer, link, on_link, d);
    sm_cipher_init(&d->cipher, NULL, 0, NULL, 0, true);
    sm_gbt_reset(&d->gbt, false);
}

void sm_decoder_set_quirks(sm_decoder *d, sm_quirk_mode mode, const sm_quirk *q)
{
    d->quirk_mode = (uint8_t)mode;
    d->quirk = mode == SM_QUIRKS_NAMED ? q : NULL;
}

void sm_decoder_tic_whole(sm_decoder *d, bool whole) { d->tic_whole = whole; }

void sm_decoder_set_layouts(sm_decoder *d, const sm_layout_set *layouts)
{
    d->layouts = layouts;
}

void sm_decoder_ignore_checksums(sm_decoder *d, bool ignore)
{
    sm_deframer_ignore_checksums(&d->deframer, ignore);
}

sm_err sm_decoder_set_keys(sm_decoder *d, const uint8_t *ek, size_t ek_len, const uint8_t *ak,
                           size_t ak_len, bool verify_tag)
{
    sm_cipher_wipe(&d->cipher);
    return sm_cipher_init(&d->cipher, ek, ek_len, ak, ak_len, verify_tag);
}

void sm_decoder_feed(sm_decoder *d, const uint8_t *buf, size_t len)
{
    sm_deframer_feed(&d->deframer, buf, len);
}

void sm_decoder_finish(sm_decoder *d) { sm_deframer_finish(&d->deframer); }

void sm_decoder_stop(sm_decoder *d) { sm_deframer_stop(&d->deframer); }

void sm_decoder_reset(sm_decoder *d)
{
    sm_deframer_reset(&d->deframer);
    sm_gbt_reset(&d->gbt, false);
    d->gbt_blocks = 0;
}

void sm_decoder_new_stream(sm_decoder *d)
{
    sm_deframer_new_stream(&d->deframer);
    sm_gbt_reset(&d->gbt, false);
    d->gbt_blocks = 0;
}

void sm_decoder_reconnected(sm_decoder *d)
{
    sm_deframer_reconnected(&d->deframer);
    sm_gbt_reset(&d->gbt, false);
    d->gbt_blocks = 0;
}

void sm_decoder_apdu(sm_decoder *d, const uint8_t *apdu, size_t len)
{
    decode(d, apdu, len, NULL);
}

void sm_decoder_wipe(sm_decoder *d)
{
    sm_cipher_wipe(&d->cipher);
    sm_wipe(d->plain, sizeof d->plain);
}

void sm_decoder_get_stats(const sm_decoder *d, sm_decoder_stats *s)
{
    *s = d->stats;
    const sm_link_stats *l = sm_deframer_stats(&d->deframer);
    s->bytes_in = l->bytes_in;
    s->bytes_discarded = l->bytes_discarded;
    s->frames = l->frames;
    s->frame_errors = l->frame_errors;
    s->p1_unchecked = l->p1_unchecked;
    s->checksum_ignored = l->checksum_ignored;
    s->bytes_cut = l->bytes_cut;
}

size_t sm_decoder_expect(const sm_decoder *d) { return sm_deframer_expect(&d->deframer); }

uint64_t sm_decoder_underway(const sm_decoder *d) { return sm_deframer_underway(&d->deframer); }

bool sm_telegram_time(const sm_telegram *t, sm_datetime *dt)
{
    if (t->is_notification && t->notification.has_datetime &&
        sm_datetime_has_date(&t->notification.datetime) &&
        sm_datetime_has_time(&t->notification.datetime)) {
        *dt = t->notification.datetime;
        return true;
    }
    for (size_t i = 0; i < t->nreadings; i++) {
        const sm_reading *r = &t->readings[i];
        if (r->kind == SM_RK_DATETIME && r->obis_source != SM_OBIS_NONE &&
            r->parent == SM_NO_NODE &&
            sm_obis_is_clock(&r->obis) && sm_datetime_has_date(&r->dt) &&
            sm_datetime_has_time(&r->dt)) {
            *dt = r->dt;
            return true;
        }
    }
    return false;
}
