/* mkseeds.c - seed corpora for the fuzz targets, made from the fixtures.
 *
 *   mkseeds OUTDIR FILE...
 *
 * Each FILE is a hex capture (.hex) or a binary one (.bin).  Its key is the
 * file of the same name with .key (and .ak for the authentication key) when
 * there is one, else the synthetic fixtures' test key in the same directory.
 * The first telegrams of each file are decoded and each layer's input is
 * written to OUTDIR/<target>/<file>-<n>: the stream bytes of the telegram
 * (deframe, pipeline), the link layer's APDU (security), the plaintext
 * (notification, and the pipeline's and security's encrypt-it-yourself
 * modes), the notification body (axdr), the hex text (hexin), P1 text
 * (p1) and TIC frames and their payload (tic).  The
 * first byte of each seed is the target's mode byte (see each target). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"
#include "sm_decoder.h"
#include "smd_hexin.h"

#define PER_FILE 3

static const char *outdir, *base;
static uint8_t *stream;
static size_t stream_len, stream_cap;
static unsigned seeds;

static void put(const char *target, unsigned n, uint8_t mode, const uint8_t *p, size_t len,
                bool with_mode)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", outdir, target);
    mkdir(path, 0755);
    snprintf(path, sizeof path, "%s/%s/%s-%u-%02x", outdir, target, base, n, mode);
    FILE *f = fopen(path, "wb");
    if (!f || (with_mode && fputc(mode, f) == EOF) || fwrite(p, 1, len, f) != len ||
        fclose(f) != 0) {
        fprintf(stderr, "mkseeds: %s: %s\n", path, strerror(errno));
        exit(1);
    }
    seeds++;
}

static void on_telegram(void *ctx, const sm_telegram *t)
{
    (void)ctx;
    unsigned n = (unsigned)t->index + 1;
    if (n > PER_FILE)
        return;
    if (t->link && t->link->nframes) {
        const sm_frame *last = &t->link->frames[t->link->nframes - 1];
        size_t from = (size_t)t->link->offset, to = (size_t)(last->offset + last->length);
        if (to <= stream_len && from < to) {
            put("deframe", n, 0x07, stream + from, to - from, true);
            put("pipeline", n, 0x07, stream + from, to - from, true);
        }
        if (t->ciphered)
            put("security", n, 0x00, t->link->apdu, t->link->apdu_len, true);
    }
    if (t->err == SM_OK && t->apdu && t->apdu_len) {
        uint8_t rt[5] = {1, 0, 0, 0x1B, 0x66}; /* round trip: sc 0x30, frame counter 7014 */
        uint8_t *buf = malloc(sizeof rt + t->apdu_len);
        memcpy(buf, rt, sizeof rt);
        memcpy(buf + sizeof rt, t->apdu, t->apdu_len);
        put("security", n, 0x01, buf, sizeof rt + t->apdu_len, true);
        free(buf);
        put("pipeline", n, 0x18, t->apdu, t->apdu_len, true);
    }
    if (t->err == SM_OK && t->is_p1) {
        /* as sent (the parser alone, the decoder), and up to its "!" */
        put("p1", n, 0x00, t->apdu, t->apdu_len, true);
        put("p1", n, 0x02, t->apdu, t->apdu_len, true);
        put("p1", n, 0x01, t->apdu, t->p1.frame.bang, true);
        if (!t->p1.frame.stx) /* and as IEC 62056-21's data block */
            put("p1", n, 0x05, t->apdu, t->p1.frame.bang, true);
    }
    if (t->err == SM_OK && t->is_tic && t->link) {
        /* the stream as it came, the payload framed by the target (its
         * checksums kept, and made right), with parity bits */
        const sm_frame *f = &t->link->frames[0];
        if (f->offset + f->length <= stream_len)
            put("tic", n, 0x00, stream + f->offset, f->length, true);
        put("tic", n, 0x01, t->apdu, t->apdu_len, true);
        put("tic", n, 0x09, t->apdu, t->apdu_len, true);
        put("tic", n, 0x0B, t->apdu, t->apdu_len, true);
    }
    if (t->err == SM_OK && t->is_notification) {
        put("notification", n, 0, t->apdu, t->apdu_len, false);
        if (t->notification.body_len)
            put("axdr", n, 0x05, t->apdu + t->notification.body_offset, t->notification.body_len,
                true);
    }
}

static void append(void *ctx, const uint8_t *p, size_t n)
{
    (void)ctx;
    if (stream_len + n > stream_cap) {
        stream_cap = (stream_len + n) * 2;
        stream = realloc(stream, stream_cap);
    }
    memcpy(stream + stream_len, p, n);
    stream_len += n;
}

static void hex_error(void *ctx, smd_hex_err e, uint64_t line, uint64_t col, uint8_t ch)
{
    (void)ctx;
    (void)ch;
    fprintf(stderr, "mkseeds: %s: hex error %d at %llu:%llu\n", base, (int)e,
            (unsigned long long)line, (unsigned long long)col);
}

/* key from PATH with its extension replaced by EXT, else DIR/test.EXT */
static size_t key_for(const char *path, const char *ext, uint8_t key[32])
{
    char kp[4096];
    snprintf(kp, sizeof kp, "%s", path);
    char *dot = strrchr(kp, '.');
    if (dot)
        snprintf(dot, sizeof kp - (size_t)(dot - kp), ".%s", ext);
    uint8_t *buf = NULL;
    size_t n = fuzz_read_file(kp, &buf), len = 0;
    if (!n) {
        free(buf);
        snprintf(kp, sizeof kp, "%s", path);
        char *slash = strrchr(kp, '/');
        snprintf(slash ? slash + 1 : kp, sizeof kp - (size_t)(slash ? slash + 1 - kp : 0),
                 "test.%s", ext);
        buf = NULL;
        n = fuzz_read_file(kp, &buf);
    }
    if (n && sm_key_from_file_content(buf, n, key, &len) != SM_OK)
        len = 0;
    free(buf);
    return len;
}

static sm_decoder dec;
static smd_hexin hx;

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: mkseeds OUTDIR FILE...\n");
        return 2;
    }
    outdir = argv[1];
    mkdir(outdir, 0755);
    for (int i = 2; i < argc; i++) {
        const char *path = argv[i];
        base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
        uint8_t *raw = NULL;
        size_t n = fuzz_read_file(path, &raw);
        if (!n) {
            fprintf(stderr, "mkseeds: %s: cannot read\n", path);
            return 1;
        }
        stream_len = 0;
        bool hex = strstr(base, ".hex") != NULL;
        if (hex) {
            smd_hexin_init(&hx, append, hex_error, NULL);
            smd_hexin_feed(&hx, (const char *)raw, n);
            smd_hexin_finish(&hx);
            put("hexin", 1, 0, raw, n < 4096 ? n : 4096, false);
        } else {
            append(NULL, raw, n);
        }
        free(raw);
        uint8_t ek[32], ak[32];
        size_t ek_len = key_for(path, "key", ek), ak_len = key_for(path, "ak", ak);
        sm_decoder_init(&dec, SM_LINK_AUTO, on_telegram, NULL);
        sm_decoder_set_keys(&dec, ek_len ? ek : NULL, ek_len, ak_len ? ak : NULL, ak_len,
                            ak_len != 0);
        sm_decoder_feed(&dec, stream, stream_len);
        sm_decoder_finish(&dec);
        sm_decoder_wipe(&dec);
    }
    printf("mkseeds: %u seeds in %s\n", seeds, outdir);
    return 0;
}
