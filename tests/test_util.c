#include "config.h"

#include "test_util.h"

#include <nettle/gcm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sm_crc.h"

#ifdef HAVE_NETTLE_DIGEST_NO_LENGTH
#define DIGEST(fn, ctx, buf) fn(ctx, buf)
#else
#define DIGEST(fn, ctx, buf) fn(ctx, GCM_DIGEST_SIZE, buf)
#endif

const uint8_t TEST_EK[16] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
const uint8_t TEST_AK[16] = {0xD0, 0xD1, 0xD2, 0xD3, 0xD4, 0xD5, 0xD6, 0xD7,
                             0xD8, 0xD9, 0xDA, 0xDB, 0xDC, 0xDD, 0xDE, 0xDF};

void collector_init(collector *c)
{
    c->n = 0;
    c->t = calloc(MAX_TELEGRAMS, sizeof *c->t);
}

void collector_free(collector *c)
{
    free(c->t);
    c->t = NULL;
}

void collector_cb(void *ctx, const sm_telegram *t)
{
    collector *c = ctx;
    if (c->n >= MAX_TELEGRAMS)
        return;
    got_telegram *g = &c->t[c->n++];
    memset(g, 0, sizeof *g);
    g->err = t->err;
    g->where = t->err_where;
    g->err_offset = t->err_offset;
    g->err_frame = t->err_frame;
    g->index = t->index;
    g->ciphered = t->ciphered;
    g->authenticated = t->authenticated;
    g->sec = t->sec;
    g->frames = t->link ? t->link->frame_count : 0;
    g->gbt_blocks = t->gbt_blocks;
    if (t->apdu && t->apdu_len <= sizeof g->apdu) {
        memcpy(g->apdu, t->apdu, t->apdu_len);
        g->apdu_len = t->apdu_len;
    }
    if (t->is_notification) {
        g->has_dt = t->notification.has_datetime;
        g->dt = t->notification.datetime;
        g->invoke_id = t->notification.invoke_id;
    }
    if (t->layout)
        snprintf(g->layout, sizeof g->layout, "%s", t->layout);
    for (size_t i = 0; i < t->nreadings && i < MAX_R; i++) {
        got_reading *r = &g->readings[i];
        r->r = t->readings[i];
        r->r.bytes = NULL;
        r->r.info = NULL;
        if (r->r.obis_source != SM_OBIS_NONE)
            sm_obis_format(&r->r.obis, r->obis, sizeof r->obis);
        const sm_reading *src = &t->readings[i];
        if (src->kind == SM_RK_STRING && sm_bytes_printable(src->bytes, src->len))
            snprintf(r->text, sizeof r->text, "%.*s", (int)src->len, (const char *)src->bytes);
        else if (src->bytes)
            hex_encode(src->bytes, src->len, r->text, sizeof r->text);
        if (src->kind == SM_RK_DATETIME)
            sm_datetime_iso_local(&src->dt, r->dt_local, sizeof r->dt_local);
        g->n++;
    }
}

void decode_bytes(collector *c, sm_link link, const uint8_t *ek, size_t ek_len,
                  const uint8_t *ak, size_t ak_len, bool verify, const uint8_t *buf, size_t len,
                  size_t chunk)
{
    sm_decoder *d = malloc(sizeof *d);
    sm_decoder_init(d, link, collector_cb, c);
    CU_ASSERT_EQUAL_FATAL(sm_decoder_set_keys(d, ek, ek_len, ak, ak_len, verify), SM_OK);
    if (chunk == 0) {
        sm_decoder_feed(d, buf, len);
    } else {
        for (size_t i = 0; i < len; i += chunk) {
            size_t n = len - i < chunk ? len - i : chunk;
            /* exact-size copies so the sanitizer sees any over-read */
            uint8_t *piece = malloc(n);
            memcpy(piece, buf + i, n);
            sm_decoder_feed(d, piece, n);
            free(piece);
        }
    }
    sm_decoder_finish(d);
    sm_decoder_wipe(d);
    free(d);
}

size_t hex_decode(const char *hex, uint8_t *out, size_t cap)
{
    size_t n = 0;
    int half = -1;
    for (const char *p = hex; *p; p++) {
        int v;
        char ch = *p;
        if (ch >= '0' && ch <= '9')
            v = ch - '0';
        else if ((ch | 0x20) >= 'a' && (ch | 0x20) <= 'f')
            v = (ch | 0x20) - 'a' + 10;
        else if (ch == ' ' || ch == '\n' || ch == '\r' || ch == '\t')
            continue;
        else
            return (size_t)-1;
        if (half < 0) {
            half = v;
        } else {
            if (n >= cap)
                return (size_t)-1;
            out[n++] = (uint8_t)(half << 4 | v);
            half = -1;
        }
    }
    return half < 0 ? n : (size_t)-1;
}

void hex_encode(const uint8_t *p, size_t n, char *out, size_t cap)
{
    size_t k = 0;
    for (size_t i = 0; i < n && k + 2 < cap; i++, k += 2)
        snprintf(out + k, 3, "%02x", p[i]);
    if (cap)
        out[k < cap ? k : cap - 1] = '\0';
}

char *fixture_read(const char *rel, size_t *len)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", FIXTURES_DIR, rel);
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    size_t got = fread(buf, 1, (size_t)n, f);
    fclose(f);
    buf[got] = '\0';
    if (len)
        *len = got;
    return buf;
}

bool fixture_line(const char *rel, unsigned k, char *out, size_t cap)
{
    char *all = fixture_read(rel, NULL);
    if (!all)
        return false;
    char *p = all;
    for (unsigned i = 0; i < k && p; i++) {
        p = strchr(p, '\n');
        if (p)
            p++;
    }
    bool ok = p && *p;
    if (ok) {
        size_t n = strcspn(p, "\n");
        if (n >= cap)
            n = cap - 1;
        memcpy(out, p, n);
        out[n] = '\0';
    }
    free(all);
    return ok;
}

const got_reading *find_obis(const got_telegram *t, const char *obis)
{
    for (size_t i = 0; i < t->n; i++)
        if (strcmp(t->readings[i].obis, obis) == 0)
            return &t->readings[i];
    return NULL;
}

static size_t axdr_len(uint8_t *out, size_t n)
{
    if (n < 0x80) {
        out[0] = (uint8_t)n;
        return 1;
    }
    if (n < 0x100) {
        out[0] = 0x81;
        out[1] = (uint8_t)n;
        return 2;
    }
    out[0] = 0x82;
    out[1] = (uint8_t)(n >> 8);
    out[2] = (uint8_t)n;
    return 3;
}

size_t build_glo(uint8_t *out, size_t cap, uint8_t sc, const uint8_t title[8], uint32_t fc,
                 const uint8_t *ek, size_t ek_len, const uint8_t *ak, size_t ak_len,
                 const uint8_t *plain, size_t plain_len)
{
    bool auth = sc & 0x10, enc = sc & 0x20;
    size_t content = 5 + plain_len + (auth ? 12 : 0);
    if (cap < 20 + content)
        return 0;
    size_t k = 0;
    out[k++] = 0xDB;
    out[k++] = 8;
    memcpy(out + k, title, 8);
    k += 8;
    k += axdr_len(out + k, content);
    out[k++] = sc;
    out[k++] = (uint8_t)(fc >> 24);
    out[k++] = (uint8_t)(fc >> 16);
    out[k++] = (uint8_t)(fc >> 8);
    out[k++] = (uint8_t)fc;
    uint8_t iv[12];
    memcpy(iv, title, 8);
    memcpy(iv + 8, out + k - 4, 4);
    /* AAD = SC || AK, and for authentication only also the plaintext:
     * handed to nettle in one piece */
    uint8_t *aad = malloc(33 + plain_len);
    aad[0] = sc;
    if (ak_len)
        memcpy(aad + 1, ak, ak_len);
    size_t aad_len = 1 + ak_len;
    if (auth && !enc) {
        memcpy(aad + aad_len, plain, plain_len);
        aad_len += plain_len;
    }
    uint8_t tag[16];
    if (ek_len == 16) {
        struct gcm_aes128_ctx g;
        gcm_aes128_set_key(&g, ek);
        gcm_aes128_set_iv(&g, 12, iv);
        if (auth)
            gcm_aes128_update(&g, aad_len, aad);
        if (enc)
            gcm_aes128_encrypt(&g, plain_len, out + k, plain);
        else
            memcpy(out + k, plain, plain_len);
        DIGEST(gcm_aes128_digest, &g, tag);
    } else {
        struct gcm_aes256_ctx g;
        gcm_aes256_set_key(&g, ek);
        gcm_aes256_set_iv(&g, 12, iv);
        if (auth)
            gcm_aes256_update(&g, aad_len, aad);
        if (enc)
            gcm_aes256_encrypt(&g, plain_len, out + k, plain);
        else
            memcpy(out + k, plain, plain_len);
        DIGEST(gcm_aes256_digest, &g, tag);
    }
    free(aad);
    k += plain_len;
    if (auth) {
        memcpy(out + k, tag, 12);
        k += 12;
    }
    return k;
}

size_t build_mbus(uint8_t *out, size_t cap, const uint8_t *apdu, size_t len, size_t max_payload)
{
    size_t k = 0, pos = 0;
    unsigned seq = 0;
    do {
        size_t n = len - pos < max_payload ? len - pos : max_payload;
        bool last = pos + n == len;
        size_t l = n + 5;
        if (k + l + 6 > cap || l > 255)
            return 0;
        out[k++] = 0x68;
        out[k++] = (uint8_t)l;
        out[k++] = (uint8_t)l;
        out[k++] = 0x68;
        size_t body = k;
        out[k++] = 0x53;
        out[k++] = 0xFF;
        out[k++] = (uint8_t)((seq & 0x0F) | (last ? 0x10 : 0));
        out[k++] = 0x01;
        out[k++] = 0x67;
        memcpy(out + k, apdu + pos, n);
        k += n;
        uint8_t cs = 0;
        for (size_t i = body; i < k; i++)
            cs = (uint8_t)(cs + out[i]);
        out[k++] = cs;
        out[k++] = 0x16;
        pos += n;
        seq++;
    } while (pos < len);
    return k;
}

size_t build_hdlc_frame(uint8_t *out, size_t cap, const uint8_t *info, size_t len, bool llc,
                        bool segmented, const uint8_t *dst, size_t dst_len, const uint8_t *src,
                        size_t src_len)
{
    size_t hdr = 2 + dst_len + src_len + 1;       /* format, addresses, control */
    size_t flen = hdr + 2 + (llc ? 3 : 0) + len + 2;
    if (flen > 2047 || flen + 2 > cap)
        return 0;
    size_t k = 0;
    out[k++] = 0x7E;
    out[k++] = (uint8_t)(0xA0 | (segmented ? 0x08 : 0) | (flen >> 8));
    out[k++] = (uint8_t)flen;
    memcpy(out + k, dst, dst_len);
    k += dst_len;
    memcpy(out + k, src, src_len);
    k += src_len;
    out[k++] = 0x13;
    uint16_t hcs = sm_crc16_x25(out + 1, k - 1);
    out[k++] = (uint8_t)hcs;
    out[k++] = (uint8_t)(hcs >> 8);
    if (llc) {
        out[k++] = 0xE6;
        out[k++] = 0xE7;
        out[k++] = 0x00;
    }
    memcpy(out + k, info, len);
    k += len;
    uint16_t fcs = sm_crc16_x25(out + 1, k - 1);
    out[k++] = (uint8_t)fcs;
    out[k++] = (uint8_t)(fcs >> 8);
    out[k++] = 0x7E;
    return k;
}
