/* smd_app.h - smdecode's state over its inputs and what happens to their
 * bytes: the options of the command line, the decoder and the renderer,
 * the messages on standard error about each telegram and each input.
 * smdecode.c reads the command line and the inputs, smd_live.c a live
 * line, smd_probe.c the --probe verdict. */
#ifndef SMD_APP_H
#define SMD_APP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sm_decoder.h"
#include "smd_hexin.h"
#include "smd_out.h"
#include "smd_render.h"
#include "sm_p1_write.h"
#include "smio_feed.h"
#include "smio_port.h"

#define EXIT_FAILED 1
#define EXIT_USAGE 2

static const char progname[] = "smdecode";

typedef struct {
    uint8_t ek[32], ak[32];
    size_t ek_len, ak_len;
    bool binary, layers, verify, verify_checksum;
    int framing;
    const char *format;
    const char *device;                 /* --device, or NULL */
    int baud, data_bits, stop_bits;     /* 0: the framing's default */
    int parity;                         /* -1: the framing's default */
    uint64_t count;                     /* 0: no limit */
    bool probe;                         /* --probe */
    double seconds;                     /* 0: no limit */
    bool quiet;                         /* no per-telegram lines on standard error */
    const char *quirk;                  /* --quirk: auto (NULL), none or a name */
    bool whole_frames;                  /* --whole-frames: TIC frames refused whole */
    const char *serve_p1;               /* --serve-p1: the feed's address, or NULL */
} options;

typedef struct {
    const char *source;       /* what the current input is called in messages */
    sm_decoder dec;
    smd_render *render;
    smd_out out;
    smd_hexin hex;
    bool binary;
    bool p1_text;             /* this input is P1 or TIC text ('/' or STX first) */
    bool kind_known;          /* ... which its first characters told */
    uint64_t failed;          /* failed telegrams, all inputs */
    uint64_t input_errors;    /* hex syntax errors, all inputs */
    uint64_t empty_inputs;    /* inputs without any telegram */
    uint64_t stream_telegrams;/* telegrams of the current input */
    uint64_t stream_bytes;    /* bytes read from the current input */
    bool live;                /* --device: the times of the telegrams are kept */
    double first_at, last_at; /* ... monotonic seconds of the first and last */
    uint64_t live_count;      /* --count, 0 for no limit */
    bool tcp;                 /* --device tcp://: a network serial server */
    uint8_t first[SMIO_PORT_PEER_TEXT_MAX]; /* the line's first bytes: what a server */
    size_t first_len;                     /* said when it sent no telegram */
    bool quiet;               /* --quiet */
    bool reduced_said;        /* SML: the reduced data set named (once) */
    bool quirk_said;          /* a meter quirk that changed readings named (once) */
    bool quirk_auto;          /* --quirk auto: the decoder chooses (and drops) one */
    sm_sign_check sign;       /* the power's sign against the registers (sm_quirk.h) */
    bool sign_said;           /* ... a disagreement named (once) */
    smio_feed *feed;          /* --serve-p1, or NULL */
    double read_at;           /* ... monotonic: when the bytes being decoded were read */
    char feed_text[SM_P1_WRITE_MAX]; /* ... a telegram as DSMR P1 */
} app;

/* "" for one, "s" for any other number */
const char *smd_plural(uint64_t n);
/* The decoder's callback: a telegram's messages, then its output. */
void smd_app_on_telegram(void *ctx, const sm_telegram *t);
/* An input's beginning, bytes (hex, P1 text or binary) and end.  stopped:
 * a live line that --count, --seconds or a signal ended, where a telegram
 * cut by the stop is no failure. */
void smd_app_begin_input(app *a, const char *source);
void smd_app_feed(app *a, const char *p, size_t n);
void smd_app_end_input(app *a, bool stopped);

#endif
