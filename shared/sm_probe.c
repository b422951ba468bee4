/* sm_probe.c - see sm_probe.h. */
#include "sm_probe.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const int bauds[] = {2400, 115200, 9600, 38400, 19200};
static const struct {
    int data_bits;
    sm_parity parity;
} formats[] = {{8, SM_PARITY_EVEN}, {8, SM_PARITY_NONE}, {7, SM_PARITY_EVEN}};

typedef struct {
    sm_decoder *dec;
    sm_probe_result *r;
    double first_at, last_at;         /* arrival (monotonic) */
    int64_t first_clock, last_clock;  /* the meter's clock, when all have it */
    bool clock;
} probe_ctx;

/* A telegram whose link layer vouches for the line settings. */
static bool verified(const sm_telegram *t)
{
    if (!t->link || (t->err && sm_errlayer(t->err) == SM_LAYER_LINK))
        return false;
    switch (t->link->link) {
    case SM_LINK_MBUS:
    case SM_LINK_HDLC: return true;
    case SM_LINK_P1:
        return t->link->nframes && sm_p1_checked(&t->link->frames[0].u.p1)
                   ? true
                   : !t->err && t->nreadings >= 3; /* no CRC: only a telegram that reads */
    default: return !t->err && t->nreadings >= 1; /* wrapper, bare APDU: no checksum */
    }
}

static void on_telegram(void *ctx, const sm_telegram *t)
{
    probe_ctx *c = ctx;
    sm_probe_result *r = c->r;
    if (!verified(t)) {
        r->link_errors += r->good > 0;
        return;
    }
    double now = sm_port_now();
    sm_datetime dt;
    int64_t u = 0;
    bool clock = sm_telegram_time(t, &dt) && sm_datetime_to_unix(&dt, -60, &u) == SM_OK;
    if (r->good == 0) {
        c->first_at = now;
        c->first_clock = u;
        c->clock = clock;
    }
    c->last_at = now;
    c->last_clock = u;
    c->clock &= clock;
    r->good++;
    r->decoded += !t->err;
    r->link = t->link->link;
    r->frames = t->link->nframes;
    r->p1_parity = t->link->link == SM_LINK_P1 && t->link->nframes &&
                   t->link->frames[0].u.p1.parity;
    r->ciphered = t->ciphered;
    if (t->ciphered) {
        r->sc = t->sec.sc;
        memcpy(r->title, t->sec.system_title, 8);
    }
    r->err = t->err;
    r->key_diag = t->key_diag;
    if (r->good >= 2) {
        r->period_by_clock = c->clock && c->last_clock > c->first_clock;
        r->period = (r->period_by_clock ? (double)(c->last_clock - c->first_clock)
                                        : c->last_at - c->first_at) /
                    (double)(r->good - 1);
    }
    r->proven = r->good >= 2 && r->link_errors == 0;
}

static void on_bytes(void *ctx, const uint8_t *p, size_t n)
{
    probe_ctx *c = ctx;
    c->r->bytes += n;
    sm_decoder_feed(c->dec, p, n);
}

/* proven, or only garbage so far */
static bool enough(void *ctx)
{
    const sm_probe_result *r = ((probe_ctx *)ctx)->r;
    return r->proven || (r->good == 0 && r->bytes >= SM_PROBE_GARBAGE);
}

sm_probe_end sm_probe_run(const sm_probe_opts *o, sm_probe_result *res, size_t *n,
                            void (*progress)(void *ctx, const sm_probe_result *r), void *pctx,
                            char *err, size_t err_cap)
{
    *n = 0;
    sm_decoder *dec = calloc(1, sizeof *dec);
    if (!dec) {
        snprintf(err, err_cap, "out of memory");
        return SM_PROBE_FAILED;
    }
    sm_port port;
    sm_port_library_init();
    sm_probe_end end = SM_PROBE_NOTHING;
    bool open = false;
    for (size_t b = 0; b < sizeof bauds / sizeof bauds[0] && end == SM_PROBE_NOTHING; b++)
        for (size_t f = 0; f < sizeof formats / sizeof formats[0]; f++) {
            sm_probe_result *r = &res[(*n)++];
            memset(r, 0, sizeof *r);
            r->line = (sm_line){bauds[b], formats[f].data_bits, 1, formats[f].parity};
            if (!(open ? sm_port_set_line(&port, &r->line, err, err_cap)
                       : sm_port_open(&port, o->device, &r->line, -1, 5000, err, err_cap))) {
                end = SM_PROBE_FAILED;
                (*n)--;
                break;
            }
            open = true;
            probe_ctx c = {dec, r, 0, 0, 0, 0, false};
            sm_decoder_init(dec, SM_LINK_AUTO, on_telegram, &c);
            sm_decoder_set_keys(dec, o->ek_len ? o->ek : NULL, o->ek_len,
                                o->ak_len ? o->ak : NULL, o->ak_len, o->verify_tag);
            sm_port_sink sink = {on_bytes, enough, &c};
            sm_read_end le =
                sm_port_read_for(&port, o->seconds, o->cancel_fd, &sink, &r->seconds, err, err_cap);
            sm_decoder_wipe(dec);
            if (progress)
                progress(pctx, r);
            if (le == SM_READ_CANCELLED)
                end = SM_PROBE_STOPPED;
            else if (le == SM_READ_LOST)
                end = SM_PROBE_FAILED;
            else if (r->proven)
                end = SM_PROBE_FOUND;
            else if (*n == 1 && r->bytes == 0)
                end = SM_PROBE_SILENT; /* silent at one setting: silent at all */
            if (end != SM_PROBE_NOTHING)
                break;
        }
    if (open)
        sm_port_close(&port);
    free(dec);
    return end;
}

sm_line sm_probe_line(const sm_probe_result *r)
{
    if (r->p1_parity)
        return (sm_line){r->line.baud, 7, 1, SM_PARITY_EVEN};
    return r->line;
}
