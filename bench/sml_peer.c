/* sml_peer.c - `make bench`'s SML comparison: this project's decode core and
 * libsml (Debian's libsml-dev 0.1.1, the library of volkszaehler's
 * vzlogger), in this one process, on the same frames of the simulated
 * EMH-shaped meter, with the same values out of both (each sums and counts
 * its numbers; the figures are valid only when both agree).
 *
 * Like for like, twice:
 *  - the stream: a file of the frames as a line carries them, read the way
 *    each library's users read it: libsml's sml_transport_read on the file
 *    descriptor (as vzlogger does) and sml_file_parse; the core fed 4 KB at
 *    a time (it finds the frames, unescapes, checks the transport CRC);
 *  - the messages of each frame, found for both: libsml's sml_file_parse
 *    (libsml 0.1.1 checks no CRC), the core's sm_sml_parse without the
 *    message CRCs, and with them (its own work in a reader).
 * And the one in libsml's favour: the core on the stream against libsml on
 * the messages handed to it.  Every value is scaled by both.  Prints frames
 * per second (best of the runs, CPU time of this process: libsml's system
 * calls count) and the ratios; asserts nothing. */
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* libsml's headers declare f() for f(void) */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wstrict-prototypes"
#include <sml_file.h>
#include <sml_transport.h>
#include <sml_value.h>
#pragma GCC diagnostic pop

#include "meter_sim.h"
#include "sm_decoder.h"
#include "sm_sml.h"

typedef struct {
    double sum;
    uint64_t values, telegrams, failed;
} tally;

static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void on_telegram(void *ctx, const sm_telegram *t)
{
    tally *y = ctx;
    y->telegrams++;
    if (t->err) {
        y->failed++;
        return;
    }
    for (size_t i = 0; i < t->nreadings; i++)
        if (t->readings[i].kind == SM_RK_NUMBER) {
            y->sum += t->readings[i].value;
            y->values++;
        }
}

__attribute__((noinline)) static tally run_core(sm_decoder *d, const uint8_t *buf, size_t len)
{
    tally y = {0, 0, 0, 0};
    sm_decoder_init(d, SM_LINK_AUTO, on_telegram, &y);
    sm_decoder_set_quirks(d, SM_QUIRKS_NONE, NULL); /* the values as sent, as libsml gives them */
    /* as a reader gets it: 4 KB at a time */
    for (size_t at = 0; at < len; at += 4096)
        sm_decoder_feed(d, buf + at, len - at < 4096 ? len - at : 4096);
    sm_decoder_finish(d);
    return y;
}

/* libsml's values of one parsed file into y */
static void libsml_values(sml_file *file, tally *y)
{
    y->telegrams++;
    if (!file) {
        y->failed++;
        return;
    }
    for (short i = 0; i < file->messages_len; i++) {
        sml_message *m = file->messages[i];
        if (!m->message_body || *m->message_body->tag != SML_MESSAGE_GET_LIST_RESPONSE)
            continue;
        sml_get_list_response *body = m->message_body->data;
        for (sml_list *e = body->val_list; e; e = e->next) {
            if (!e->value || ((e->value->type & SML_TYPE_FIELD) != SML_TYPE_INTEGER &&
                              (e->value->type & SML_TYPE_FIELD) != SML_TYPE_UNSIGNED))
                continue;
            y->sum += sml_value_to_double(e->value) * pow(10, e->scaler ? *e->scaler : 0);
            y->values++;
        }
    }
    sml_file_free(file);
}

__attribute__((noinline)) static tally run_libsml(uint8_t *buf, const size_t *start, size_t frames)
{
    tally y = {0, 0, 0, 0};
    for (size_t f = 0; f < frames; f++)
        libsml_values(sml_file_parse(buf + start[f] + 8, start[f + 1] - start[f] - 16), &y);
    return y;
}

/* libsml as vzlogger reads a line: sml_transport_read on the descriptor,
 * once per frame (libsml 0.1.1's reader does not return at the end of a
 * file: it is never asked for more frames than there are) */
__attribute__((noinline)) static tally run_libsml_stream(const char *path, size_t frames)
{
    tally y = {0, 0, 0, 0};
    static unsigned char frame[8192];
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return y;
    for (size_t f = 0; f < frames; f++) {
        size_t n = sml_transport_read(fd, frame, sizeof frame);
        if (n <= 16) {
            y.telegrams++;
            y.failed++;
            continue;
        }
        libsml_values(sml_file_parse(frame + 8, n - 16), &y);
    }
    close(fd);
    return y;
}

/* the core's message parser on the messages of each frame; check: each
 * message's CRC too */
__attribute__((noinline)) static tally run_messages(const uint8_t *buf, const size_t *start,
                                                    size_t frames, bool check)
{
    tally y = {0, 0, 0, 0};
    static sm_reading rd[SM_MAX_READINGS];
    static uint8_t scratch[64];
    for (size_t f = 0; f < frames; f++) {
        const uint8_t *p = buf + start[f];
        size_t len = start[f + 1] - start[f];
        size_t pad = p[len - 3];
        sm_reading_set rs = {rd, SM_MAX_READINGS, 0, NULL, false};
        sm_sml_info info;
        sm_err e = sm_sml_parse(SM_CUR_OVER(p + 8, len - 16 - pad), false, check, &info, &rs,
                                scratch, sizeof scratch);
        y.telegrams++;
        y.failed += e != SM_OK;
        for (size_t i = 0; !e && i < rs.n; i++)
            if (rd[i].kind == SM_RK_NUMBER) {
                y.sum += rd[i].value;
                y.values++;
            }
    }
    return y;
}

static bool agree(const tally *a, const tally *b, size_t frames)
{
    return a->telegrams == frames && b->telegrams == frames && !a->failed && !b->failed &&
           a->values == b->values && fabs(a->sum - b->sum) <= 1e-9 * fabs(a->sum);
}

static void line(const char *what, double cpu, size_t frames)
{
    printf("  %-52s %10.0f frames/s %8.2f us/frame\n", what, (double)frames / cpu,
           cpu * 1e6 / (double)frames);
}

int main(int argc, char **argv)
{
    size_t frames = argc > 1 ? strtoul(argv[1], NULL, 10) : 100000;
    unsigned runs = argc > 2 ? (unsigned)atoi(argv[2]) : 5;
    if (frames == 0 || runs == 0) {
        fprintf(stderr, "usage: sml_peer [FRAMES [RUNS]]\n");
        return 2;
    }
    size_t cap = frames * 400, len = 0;
    uint8_t *buf = malloc(cap);
    size_t *start = malloc((frames + 1) * sizeof *start);
    sm_decoder *d = malloc(sizeof *d);
    if (!buf || !start || !d)
        return 2;
    meter_sim m;
    sim_init(&m, 3, 1692652980, 1);
    m.framing = SIM_SML;
    m.sml_make = SIM_SML_EMH;
    for (size_t f = 0; f < frames; f++) {
        start[f] = len;
        len += sim_telegram(&m, buf + len, cap - len);
        sim_step(&m);
    }
    start[frames] = len;
    char path[] = "/tmp/sml_peer.XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0 || write(fd, buf, len) != (ssize_t)len)
        return 2;
    close(fd);
    enum { CORE, PEER, PEER_STREAM, MESSAGES, MESSAGES_CRC, KINDS };
    double best[KINDS] = {1e9, 1e9, 1e9, 1e9, 1e9};
    tally got[KINDS];
    for (unsigned r = 0; r < runs; r++) {
        for (int k = 0; k < KINDS; k++) {
            double t0 = cpu_now();
            got[k] = k == CORE ? run_core(d, buf, len)
                     : k == PEER ? run_libsml(buf, start, frames)
                     : k == PEER_STREAM ? run_libsml_stream(path, frames)
                                        : run_messages(buf, start, frames, k == MESSAGES_CRC);
            double t = cpu_now() - t0;
            best[k] = t < best[k] ? t : best[k];
        }
    }
    unlink(path);
    printf("SML against libsml: %zu frames of %zu bytes (the EMH-shaped push), best of %u runs\n",
           frames, len / frames, runs);
    bool same = agree(&got[CORE], &got[PEER], frames) &&
                agree(&got[CORE], &got[PEER_STREAM], frames) &&
                agree(&got[CORE], &got[MESSAGES], frames) &&
                agree(&got[CORE], &got[MESSAGES_CRC], frames);
    printf("  values: %llu numbers from each, sums %.3f (core) and %.3f (libsml): %s\n",
           (unsigned long long)got[CORE].values, got[CORE].sum, got[PEER].sum,
           same ? "the same" : "DIFFERENT: the figures are not valid");
    printf(" the stream, as each library's users read it:\n");
    line("decode core (finds, unescapes, checks every CRC)", best[CORE], frames);
    line("libsml: sml_transport_read on the file, sml_file_parse", best[PEER_STREAM], frames);
    printf("  ratio: %.1fx\n", best[PEER_STREAM] / best[CORE]);
    printf(" the messages of each frame, found for both:\n");
    line("libsml: sml_file_parse (checks no CRC)", best[PEER], frames);
    line("decode core: sm_sml_parse, no CRC either", best[MESSAGES], frames);
    printf("  ratio: %.1fx\n", best[PEER] / best[MESSAGES]);
    line("decode core: sm_sml_parse checking each message's CRC", best[MESSAGES_CRC], frames);
    printf("  ratio: %.1fx\n", best[PEER] / best[MESSAGES_CRC]);
    printf(" the core on the stream, libsml on the messages handed to it: %.1fx\n",
           best[PEER] / best[CORE]);
    free(buf);
    free(start);
    free(d);
    return same ? 0 : 1;
}
