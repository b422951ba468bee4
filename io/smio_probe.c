/* smio_probe.c - see smio_probe.h. */
#include "smio_probe.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Every setting, in the order tried when nothing is known of the meter. */
static const smio_line settings[] = {
    {2400, 8, 1, SMIO_PARITY_EVEN},   {2400, 8, 1, SMIO_PARITY_NONE},   {2400, 7, 1, SMIO_PARITY_EVEN},
    {115200, 8, 1, SMIO_PARITY_EVEN}, {115200, 8, 1, SMIO_PARITY_NONE}, {115200, 7, 1, SMIO_PARITY_EVEN},
    {9600, 8, 1, SMIO_PARITY_EVEN},   {9600, 8, 1, SMIO_PARITY_NONE},   {9600, 7, 1, SMIO_PARITY_EVEN},
    {38400, 8, 1, SMIO_PARITY_EVEN},  {38400, 8, 1, SMIO_PARITY_NONE},  {38400, 7, 1, SMIO_PARITY_EVEN},
    {19200, 8, 1, SMIO_PARITY_EVEN},  {19200, 8, 1, SMIO_PARITY_NONE},  {19200, 7, 1, SMIO_PARITY_EVEN},
    {1200, 7, 1, SMIO_PARITY_EVEN},   {1200, 8, 1, SMIO_PARITY_NONE},
};
_Static_assert(sizeof settings / sizeof settings[0] == SMIO_PROBE_SETTINGS, "one result a setting");

/* Tried first for a known framing: P1 meters send at 115200 (DSMR 4 and 5,
 * e-MUCS, the Nordic ports; a 7E1 line reads at 8N1) or 9600 (DSMR 2.2/3.0,
 * D0); M-Bus and HDLC customer interfaces at 2400 8E1 (Kamstrup 8N1). */
static const smio_line p1_first[] = {{115200, 8, 1, SMIO_PARITY_NONE}, {9600, 8, 1, SMIO_PARITY_NONE}};
/* SML meters' optical ports: 9600 8N1 (SML is binary: no line of seven data
 * bits carries it; an eBZ set to its D0 text at 9600 7E1 is a D0 meter) */
static const smio_line sml_first[] = {{9600, 8, 1, SMIO_PARITY_NONE}};
/* TIC: standard mode at 9600 7E1 first (a 1200-first probe hung on a
 * standard meter: tdouez/TeleinfoMySensors#8), then historique at 1200 */
static const smio_line tic_first[] = {{9600, 7, 1, SMIO_PARITY_EVEN}, {1200, 7, 1, SMIO_PARITY_EVEN}};

static bool same_line(const smio_line *a, const smio_line *b)
{
    return a->baud == b->baud && a->data_bits == b->data_bits && a->parity == b->parity;
}

/* The settings in the order to try them: a framing's first, then the rest. */
static size_t probe_order(sm_link framing, smio_line *out)
{
    size_t n = 0;
    if (framing == SM_LINK_P1)
        for (size_t i = 0; i < sizeof p1_first / sizeof p1_first[0]; i++)
            out[n++] = p1_first[i];
    if (framing == SM_LINK_SML)
        for (size_t i = 0; i < sizeof sml_first / sizeof sml_first[0]; i++)
            out[n++] = sml_first[i];
    if (framing == SM_LINK_TIC)
        for (size_t i = 0; i < sizeof tic_first / sizeof tic_first[0]; i++)
            out[n++] = tic_first[i];
    for (size_t i = 0; i < SMIO_PROBE_SETTINGS; i++) {
        bool tried = false;
        for (size_t k = 0; k < n; k++)
            tried |= same_line(&out[k], &settings[i]);
        if (!tried)
            out[n++] = settings[i];
    }
    return n;
}

typedef struct {
    sm_decoder *dec;
    smio_probe_result *r;
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
    case SM_LINK_HDLC:
    case SM_LINK_SML: return true;
    case SM_LINK_TIC: return !t->err && t->tic->ok >= 3; /* the groups carry the checks */
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
    smio_probe_result *r = c->r;
    if (!verified(t)) {
        r->link_errors += r->good > 0;
        return;
    }
    double now = smio_port_now();
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
    r->p1_parity = t->link->nframes && (t->link->link == SM_LINK_P1
                                             ? t->link->frames[0].u.p1.parity
                                             : t->link->link == SM_LINK_TIC && t->link->frames[0].u.tic.parity);
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
    const smio_probe_result *r = ((probe_ctx *)ctx)->r;
    return r->proven || (r->good == 0 && r->bytes >= SMIO_PROBE_GARBAGE);
}

smio_probe_end smio_probe_run(const smio_probe_opts *o, smio_probe_result *res, size_t *n,
                            void (*progress)(void *ctx, const smio_probe_result *r), void *pctx,
                            char *err, size_t err_cap)
{
    *n = 0;
    sm_decoder *dec = calloc(1, sizeof *dec);
    if (!dec) {
        snprintf(err, err_cap, "out of memory");
        return SMIO_PROBE_FAILED;
    }
    smio_port port;
    smio_port_library_init();
    smio_probe_end end = SMIO_PROBE_NOTHING;
    bool open = false, tcp = smio_port_is_tcp(o->device);
    smio_line order[SMIO_PROBE_SETTINGS];
    size_t count = tcp ? 1 : probe_order(o->framing, order); /* tcp: the server's settings */
    if (tcp)
        order[0] = smio_port_default_line(o->framing);
    for (size_t i = 0; i < count && end == SMIO_PROBE_NOTHING; i++) {
        smio_probe_result *r = &res[(*n)++];
        memset(r, 0, sizeof *r);
        r->line = order[i];
        r->tcp = tcp;
        if (!(open ? smio_port_set_line(&port, &r->line, err, err_cap)
                   : smio_port_open(&port, o->device, &r->line, o->cancel_fd, 5000, err, err_cap))) {
            end = SMIO_PROBE_FAILED;
            (*n)--;
            break;
        }
        open = true;
        probe_ctx c = {dec, r, 0, 0, 0, 0, false};
        sm_decoder_init(dec, o->framing, on_telegram, &c);
        sm_decoder_set_keys(dec, o->ek_len ? o->ek : NULL, o->ek_len, o->ak_len ? o->ak : NULL,
                            o->ak_len, o->verify_tag);
        smio_port_sink sink = {on_bytes, enough, &c};
        smio_read_end le =
            smio_port_read_for(&port, o->seconds, o->cancel_fd, &sink, &r->seconds, err, err_cap);
        sm_decoder_wipe(dec);
        if (progress)
            progress(pctx, r);
        if (le == SMIO_READ_CANCELLED)
            end = SMIO_PROBE_STOPPED;
        else if (le == SMIO_READ_LOST && !r->proven)
            end = SMIO_PROBE_FAILED;
        else if (r->proven)
            end = SMIO_PROBE_FOUND;
        else if (*n == 1 && r->bytes == 0)
            end = SMIO_PROBE_SILENT; /* silent at one setting: silent at all */
    }
    if (open)
        smio_port_close(&port);
    free(dec);
    return end;
}

smio_line smio_probe_line(const smio_probe_result *r)
{
    if (r->p1_parity)
        return (smio_line){r->line.baud, 7, 1, SMIO_PARITY_EVEN};
    return r->line;
}
