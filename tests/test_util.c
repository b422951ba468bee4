#include "config.h"

#include "test_util.h"

#include "meter_sim.h"
#include "sm_build.h"
#include "sm_gen.h"

#include <dirent.h>
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

/* A deep copy of one reading into r. */
static void copy_reading(got_reading *r, const sm_reading *src)
{
    r->r = *src;
    r->r.bytes = NULL;
    r->r.info = NULL;
    if (r->r.obis_source != SM_OBIS_NONE)
        sm_obis_format(&r->r.obis, r->obis, sizeof r->obis);
    if (src->kind == SM_RK_STRING && sm_bytes_printable(src->bytes, src->len))
        snprintf(r->text, sizeof r->text, "%.*s", (int)src->len, (const char *)src->bytes);
    else if (src->bytes)
        hex_encode(src->bytes, src->len, r->text, sizeof r->text);
    if (src->kind == SM_RK_DATETIME)
        sm_datetime_iso_local(&src->dt, r->dt_local, sizeof r->dt_local);
    if (src->text)
        snprintf(r->wire, sizeof r->wire, "%.*s", (int)src->text_len,
                 (const char *)src->text);
    if (src->has_capture)
        sm_datetime_iso_local(&src->capture, r->capture, sizeof r->capture);
    if (src->label)
        snprintf(r->label, sizeof r->label, "%.*s", (int)src->label_len,
                 (const char *)src->label);
    r->r.text = NULL;
    r->r.label = NULL;
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
    g->key_diag = t->key_diag;
    g->sec = t->sec;
    g->frames = t->link ? t->link->frame_count : 0;
    g->offset = t->link ? t->link->offset : 0;
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
    g->implied_disagree = t->implied_disagree;
    if (t->layout)
        snprintf(g->layout, sizeof g->layout, "%s", t->layout);
    g->link = t->link ? t->link->link : SM_LINK_AUTO;
    if (t->is_p1) {
        g->is_p1 = true;
        g->p1 = t->p1;
        snprintf(g->p1_ident, sizeof g->p1_ident, "%.*s", (int)t->p1.ident_len,
                 (const char *)t->p1.ident);
        g->p1.ident = NULL;
    }
    if (t->quirk)
        snprintf(g->quirk, sizeof g->quirk, "%s", t->quirk->name);
    g->quirk_changed = t->quirk_changed;
    if (t->is_sml) {
        g->is_sml = true;
        g->sml = t->sml;
        g->sml.server_id = NULL;
    }
    if (t->is_tic) {
        g->is_tic = true;
        g->tic = *t->tic;
    }
    if (t->link && t->link->nframes)
        g->frame0 = t->link->frames[0];
    if (t->meter_id && sm_bytes_printable(t->meter_id->bytes, t->meter_id->len))
        snprintf(g->meter_id, sizeof g->meter_id, "%.*s", (int)t->meter_id->len,
                 (const char *)t->meter_id->bytes);
    for (size_t i = 0; i < t->nreadings && i < MAX_R; i++) {
        copy_reading(&g->readings[i], &t->readings[i]);
        g->n++;
    }
}

static void feed_and_finish(sm_decoder *d, const uint8_t *buf, size_t len, size_t chunk)
{
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

void decode_bytes(collector *c, sm_link link, const uint8_t *ek, size_t ek_len,
                  const uint8_t *ak, size_t ak_len, bool verify, const uint8_t *buf, size_t len,
                  size_t chunk)
{
    sm_decoder *d = malloc(sizeof *d);
    sm_decoder_init(d, link, collector_cb, c);
    CU_ASSERT_EQUAL_FATAL(sm_decoder_set_keys(d, ek, ek_len, ak, ak_len, verify), SM_OK);
    feed_and_finish(d, buf, len, chunk);
}

void decode_bytes_opts(collector *c, sm_link link, const decode_opts *o, const uint8_t *buf,
                       size_t len, size_t chunk)
{
    sm_decoder *d = malloc(sizeof *d);
    sm_decoder_init(d, link, collector_cb, c);
    sm_decoder_ignore_checksums(d, o->ignore_checksums);
    sm_decoder_set_quirks(d, o->quirks, o->quirk);
    feed_and_finish(d, buf, len, chunk);
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

unsigned fixture_each_json(const char *dir, unsigned (*check)(const char *file), unsigned *sum)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", FIXTURES_DIR, dir);
    DIR *d = opendir(path);
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    unsigned files = 0;
    *sum = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        size_t l = strlen(de->d_name);
        if (l > 5 && strcmp(de->d_name + l - 5, ".json") == 0) {
            *sum += check(de->d_name);
            files++;
        }
    }
    closedir(d);
    return files;
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


/* ---- mixed streams -------------------------------------------------------- */

static size_t frame_apdu(mix_framing f, const uint8_t *apdu, size_t n, uint8_t *out, size_t cap)
{
    static const uint8_t dst[1] = {0x41}, src[2] = {0x08, 0x83};
    switch (f) {
    case MIX_MBUS: return smb_mbus(out, cap, apdu, n, 245);
    case MIX_HDLC: return smb_hdlc_frame(out, cap, apdu, n, true, false, dst, 1, src, 2);
    case MIX_WRAPPER:
        if (n + 8 > cap)
            return 0;
        out[0] = 0;
        out[1] = 1;
        out[2] = 0;
        out[3] = 1;
        out[4] = 0;
        out[5] = 0x10;
        out[6] = (uint8_t)(n >> 8);
        out[7] = (uint8_t)n;
        memcpy(out + 8, apdu, n);
        return n + 8;
    case MIX_RAW:
        if (n > cap)
            return 0;
        memcpy(out, apdu, n);
        return n;
    }
    return 0;
}

/* A plain APDU that fails past the security layer (bad 2 to 5 of
 * mixed_stream): its length, and the error it gives. */
static size_t broken_apdu(unsigned bad, uint8_t *apdu, sm_err *err)
{
    size_t an;
    if (bad == 2) {
        /* general-block-transfer block 2 without block 1 */
        static const uint8_t gbt[] = {0xE0, 0x40, 0x00, 0x02, 0x00, 0x00, 0x03, 0x0F, 0, 0};
        memcpy(apdu, gbt, an = sizeof gbt);
        *err = SM_ERR_GBT_SEQUENCE;
    } else if (bad == 3) {
        static const uint8_t type[] = {0x0F, 0, 0, 0, 2, 0x00, 0x02, 0x01, 0x07};
        memcpy(apdu, type, an = sizeof type);
        *err = SM_ERR_AXDR_TYPE;
    } else {
        /* 257 values: one more than a telegram may have */
        static const uint8_t head[] = {0x0F, 0, 0, 0, 3, 0x00, 0x01, 0x82, 0x01, 0x01};
        memcpy(apdu, head, an = sizeof head);
        for (unsigned i = 0; i < 257; i++) {
            apdu[an++] = 0x11;
            apdu[an++] = (uint8_t)i;
        }
        *err = SM_ERR_TOO_MANY_READINGS;
    }
    return an;
}

size_t mixed_stream(mix_framing f, unsigned items, unsigned seed, uint8_t *out, size_t cap,
                    mix_event *ev, size_t *nev)
{
    meter_sim m;
    sim_init(&m, seed, 1700000000, 5);
    uint64_t rng = seed * 2654435761u + 1;
    size_t len = 0, ne = 0;
    uint8_t plain[1024], apdu[1200];
    for (unsigned k = 0; k < items; k++) {
        unsigned what = k % 7; /* 0, 2, 4, 6: good; the others bad, in turn */
        unsigned bad = (k / 7) % 6;
        /* garbage before the good ones; a bad one follows a good one
         * directly (after garbage a broken bare APDU is noise) */
        if (what % 2 == 0) {
            size_t g = (size_t)(smg_rand(&rng) % 40);
            for (size_t i = 0; i < g; i++)
                out[len++] = (uint8_t)smg_rand(&rng);
        }
        uint64_t at = len;
        size_t an = 0;
        sm_err err = SM_OK;
        if (what % 2 == 0) {
            size_t pn = sim_plaintext(&m, plain, sizeof plain);
            an = smb_glo(apdu, sizeof apdu, 0x21, m.title, m.fc, TEST_EK, 16, NULL, 0, plain, pn);
            ev[ne].fc = m.fc;
            sim_step(&m);
        } else if (bad == 0 && (f == MIX_MBUS || f == MIX_HDLC)) {
            /* a good telegram whose checksum is then spoiled */
            size_t pn = sim_plaintext(&m, plain, sizeof plain);
            an = smb_glo(apdu, sizeof apdu, 0x21, m.title, m.fc, TEST_EK, 16, NULL, 0, plain, pn);
            sim_step(&m);
            err = f == MIX_MBUS ? SM_ERR_MBUS_CHECKSUM : SM_ERR_HDLC_FCS;
        } else if (bad <= 1) {
            /* authenticated, and the tag's last byte flipped */
            size_t pn = sim_plaintext(&m, plain, sizeof plain);
            an = smb_glo(apdu, sizeof apdu, 0x30, m.title, m.fc, TEST_EK, 16, TEST_AK, 16, plain,
                         pn);
            apdu[an - 1] ^= 0x01;
            sim_step(&m);
            err = SM_ERR_TAG_MISMATCH;
        } else {
            an = broken_apdu(bad, apdu, &err);
        }
        size_t n = frame_apdu(f, apdu, an, out + len, cap - len);
        if (n == 0)
            break;
        if (err == SM_ERR_MBUS_CHECKSUM)
            out[len + n - 2] ^= 0x01; /* the last frame's checksum */
        if (err == SM_ERR_HDLC_FCS)
            out[len + n - 2] ^= 0x01; /* FCS, before the closing flag */
        len += n;
        ev[ne].err = err;
        ev[ne].offset = at;
        ne++;
    }
    *nev = ne;
    return len;
}

size_t every_step(void)
{
    const char *v = getenv("SM_VALGRIND");
    return v && *v ? 7 : 1;
}
