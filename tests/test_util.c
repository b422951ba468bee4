#include "config.h"

#include "test_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>



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

