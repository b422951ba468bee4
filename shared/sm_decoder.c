/* sm_decoder.c - the decode pipeline.  See sm_decoder.h. */
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
    t->index = d->count++;
    d->stats.telegrams++;
    switch (sm_errlayer(t->err)) {
    case SM_LAYER_NONE: d->stats.ok++; break;
    case SM_LAYER_LINK: d->stats.link_errors++; break;
    case SM_LAYER_SECURITY: d->stats.security_errors++; break;
    default: d->stats.parse_errors++; break;
    }
    d->cb(d->ctx, t);
}

static void fail(sm_decoder *d, sm_telegram *t, sm_err e, sm_where where, uint64_t off)
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
        return sm_notification_header(p, n, &hdr, NULL) == SM_OK &&
               (hdr.datetime_len == 0 || hdr.datetime_len == 12) && hdr.body_offset < n &&
               sm_axdr_type_name(p[hdr.body_offset]) != NULL;
    if (n >= 7 && p[0] == SM_APDU_GBT)
        return true;
    return sm_dsmr_detect(p, n);
}

static const sm_reading *find_meter_id(const sm_reading *r, size_t n)
{
    static const uint8_t ids[][4] = {{0, 96, 1, 0}, {0, 96, 1, 1}, {1, 0, 0, 5}, {0, 42, 0, 0}};
    for (size_t k = 0; k < sizeof ids / sizeof ids[0]; k++)
        for (size_t i = 0; i < n; i++)
            if (r[i].kind == SM_RK_STRING && r[i].obis_source != SM_OBIS_NONE &&
                r[i].obis.a == ids[k][0] && r[i].obis.c == ids[k][1] &&
                r[i].obis.d == ids[k][2] && r[i].obis.e == ids[k][3])
                return &r[i];
    return NULL;
}

static void decode(sm_decoder *d, const uint8_t *apdu, size_t len, const sm_link_event *link)
{
    sm_telegram t;
    memset(&t, 0, sizeof t);
    t.link = link;
    const uint8_t *cur = apdu;
    size_t cur_len = len;
    sm_where where = SM_WHERE_APDU;
    size_t off = 0;
    sm_err e;

    /* unwrap general-block-transfer and ciphering, at most once each */
    bool unblocked = false, deciphered = false;
    for (;;) {
        if (cur_len == 0)
            return fail(d, &t, SM_ERR_TRUNCATED, where, 0);
        if (cur[0] == SM_APDU_GBT && !unblocked) {
            sm_gbt_block b;
            if ((e = sm_gbt_parse(cur, cur_len, &b, &off)))
                return fail(d, &t, e, where, off);
            bool complete, dropped;
            if ((e = sm_gbt_add(&d->gbt, &b, &complete, &dropped))) {
                d->gbt_blocks = 0;
                return fail(d, &t, e, where, 0);
            }
            if (dropped)
                return;
            d->gbt_blocks++;
            if (!complete)
                return; /* more blocks to come */
            t.gbt_blocks = d->gbt_blocks;
            d->gbt_blocks = 0;
            cur = d->gbt.buf;
            cur_len = d->gbt.len;
            where = SM_WHERE_PLAINTEXT;
            unblocked = true;
            continue;
        }
        if ((cur[0] == SM_APDU_GLO_CIPHERING || cur[0] == SM_APDU_DED_CIPHERING) && !deciphered) {
            if ((e = sm_sec_parse(cur, cur_len, &t.sec, &off)))
                return fail(d, &t, e, where, off);
            t.ciphered = true;
            size_t plen;
            e = sm_sec_decrypt(&t.sec, &d->cipher, d->plain, sizeof d->plain, &plen,
                               &t.authenticated);
            if (e)
                return fail(d, &t, e, where, t.sec.payload_offset);
            if (!t.authenticated && (t.sec.sc & SM_SC_ENC) && !plausible(d->plain, plen))
                return fail(d, &t, SM_ERR_WRONG_KEY, where, t.sec.payload_offset);
            cur = d->plain;
            cur_len = plen;
            where = SM_WHERE_PLAINTEXT;
            deciphered = true;
            continue;
        }
        break;
    }
    t.apdu = cur;
    t.apdu_len = cur_len;
    /* a telegram outside any transfer: a broken transfer is over, and a
     * block out of order is reported again */
    if (!unblocked && d->gbt.next == 0)
        d->gbt.resync = false;

    sm_reading_set rs = {d->readings, SM_MAX_READINGS, 0, NULL};
    if (cur[0] == SM_APDU_DATA_NOTIFICATION) {
        if ((e = sm_notification_parse(cur, cur_len, &t.notification, d->nodes, SM_MAX_NODES,
                                       &t.nnodes, &off)))
            return fail(d, &t, e, where, off);
        t.is_notification = true;
        t.nodes = d->nodes;
        e = sm_readings_extract(d->nodes, t.nnodes, cur,
                                t.notification.body_offset + t.notification.body_len, &rs, &off);
        if (e)
            return fail(d, &t, e, where, off);
    } else if (sm_dsmr_detect(cur, cur_len)) {
        t.is_dsmr = true;
        if ((e = sm_dsmr_parse(cur, cur_len, &t.dsmr, &rs, &off)))
            return fail(d, &t, e, where, off);
    } else {
        return fail(d, &t, SM_ERR_APDU_UNSUPPORTED, where, 0);
    }
    t.readings = rs.readings;
    t.nreadings = rs.n;
    t.layout = rs.layout;
    t.meter_id = find_meter_id(rs.readings, rs.n);
    t.err = SM_OK;
    deliver(d, &t);
}

static void on_link(void *ctx, const sm_link_event *ev)
{
    sm_decoder *d = ctx;
    if (ev->err) {
        sm_telegram t;
        memset(&t, 0, sizeof t);
        t.link = ev;
        t.err_frame = ev->err_frame;
        /* a lost frame may have carried a block of the transfer under way:
         * the rest of that telegram is dropped until a block 1 (it has been
         * reported); with none under way, a block out of order is reported */
        if (d->gbt.next != 0)
            sm_gbt_reset(&d->gbt, true);
        d->gbt_blocks = 0;
        fail(d, &t, ev->err, SM_WHERE_STREAM, ev->err_offset);
        return;
    }
    decode(d, ev->apdu, ev->apdu_len, ev);
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

void sm_decoder_finish(sm_decoder *d)
{
    sm_deframer_finish(&d->deframer);
}

void sm_decoder_reset(sm_decoder *d)
{
    sm_deframer_reset(&d->deframer);
    sm_gbt_reset(&d->gbt, false);
    d->gbt_blocks = 0;
}

void sm_decoder_new_stream(sm_decoder *d)
{
    sm_deframer_init(&d->deframer, d->deframer.mode, on_link, d);
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
        if (r->kind == SM_RK_DATETIME && r->obis_source != SM_OBIS_NONE && r->obis.a == 0 &&
            r->obis.c == 1 && r->obis.d == 0 && sm_datetime_has_date(&r->dt) &&
            sm_datetime_has_time(&r->dt)) {
            *dt = r->dt;
            return true;
        }
    }
    return false;
}

sm_err sm_key_from_hex(const char *hex, uint8_t out[32], size_t *len)
{
    size_t n = 0;
    int half = -1;
    const char *p = hex;
    while (*p == ' ' || *p == '\t')
        p++;
    if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
        p += 2;
    for (; *p; p++) {
        char ch = *p;
        int v;
        if (ch >= '0' && ch <= '9')
            v = ch - '0';
        else if ((ch | 0x20) >= 'a' && (ch | 0x20) <= 'f')
            v = (ch | 0x20) - 'a' + 10;
        else if (ch == ' ' || ch == ':' || ch == '\t' || ch == '\n' || ch == '\r')
            continue;
        else
            goto bad;
        if (half < 0) {
            half = v;
        } else {
            if (n >= 32)
                goto bad;
            out[n++] = (uint8_t)(half << 4 | v);
            half = -1;
        }
    }
    if (half >= 0 || (n != 16 && n != 32))
        goto bad;
    *len = n;
    return SM_OK;
bad:
    sm_wipe(out, 32);
    return SM_ERR_KEY_LENGTH;
}

sm_err sm_key_from_file_content(const uint8_t *buf, size_t n, uint8_t out[32], size_t *len)
{
    char text[512];
    if (n < sizeof text && memchr(buf, '\0', n) == NULL) {
        memcpy(text, buf, n);
        text[n] = '\0';
        sm_err e = sm_key_from_hex(text, out, len);
        sm_wipe(text, sizeof text);
        if (e == SM_OK)
            return SM_OK;
    }
    if (n == 16 || n == 32) {
        memcpy(out, buf, n);
        *len = n;
        return SM_OK;
    }
    sm_wipe(out, 32);
    return SM_ERR_KEY_LENGTH;
}
