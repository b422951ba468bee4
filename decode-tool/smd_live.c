/* smd_live.c - see smd_live.h. */
#define _GNU_SOURCE /* pipe2 */
#include "smd_live.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void on_live_bytes(void *ctx, const uint8_t *p, size_t n)
{
    app *a = ctx;
    a->read_at = smio_port_now();
    smio_port_keep_first(a->first, &a->first_len, p, n);
    smd_app_feed(a, (const char *)p, n);
    smd_out_flush(&a->out); /* each telegram out when its last byte came */
}

static bool live_done(void *ctx)
{
    const app *a = ctx;
    return a->live_count && a->stream_telegrams >= a->live_count;
}

/* A descriptor that becomes readable at SIGINT or SIGTERM: the cancel_fd of
 * smio_port_read_for and smio_probe_run (Ctrl-C ends a live line or a probe). */
static int sig_pipe[2] = {-1, -1};

static void on_signal(int sig)
{
    (void)sig;
    int e = errno;
    if (write(sig_pipe[1], "", 1) < 0) { /* full: a signal is already waiting */
    }
    errno = e;
}

int smd_signal_fd(void)
{
    if (sig_pipe[0] >= 0 || pipe2(sig_pipe, O_CLOEXEC | O_NONBLOCK) != 0)
        return sig_pipe[0];
    struct sigaction sa = {0};
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    return sig_pipe[0];
}

/* The line settings of --device: the framing's defaults, then the options. */
static smio_line live_line(const options *o)
{
    smio_line ln = smio_port_default_line(o->framing);
    if (o->baud)
        ln.baud = o->baud;
    if (o->data_bits)
        ln.data_bits = o->data_bits;
    if (o->stop_bits)
        ln.stop_bits = o->stop_bits;
    if (o->parity >= 0)
        ln.parity = (smio_parity)o->parity;
    return ln;
}

/* --serve-p1: the feed, said on standard error; false when it cannot listen. */
static bool open_feed(app *a, const char *addr)
{
    char err[SMIO_FEED_ERR_MAX];
    if (!(a->feed = smio_feed_open(addr, err, sizeof err))) {
        fprintf(stderr, "%s: --serve-p1: %s\n", progname, err);
        return false;
    }
    fprintf(stderr, "%s: serving the telegrams as DSMR P1 on %s (unauthenticated)\n", progname,
            smio_feed_address(a->feed));
    return true;
}

/* ... and at the end, what it served. */
static void close_feed(app *a)
{
    if (!a->feed)
        return;
    smio_feed_stats fs;
    smio_feed_get_stats(a->feed, &fs);
    fprintf(stderr,
            "%s: --serve-p1 %s: %llu telegrams, %llu sent whole to %llu client%s, %llu "
            "slow client%s dropped; latency from the last byte read to the telegram sent: "
            "median %.3f ms, worst %.3f ms\n",
            progname, smio_feed_address(a->feed), (unsigned long long)fs.telegrams,
            (unsigned long long)fs.sent, (unsigned long long)fs.accepted,
            smd_plural(fs.accepted), (unsigned long long)fs.dropped, smd_plural(fs.dropped),
            fs.latency_median * 1e3, fs.latency_worst * 1e3);
    smio_feed_close(a->feed);
    a->feed = NULL;
}

/* --device: reads the line until --count, --seconds or a signal, then one
 * summary line on standard error.  Returns an exit status. */
int smd_run_live(app *a, const options *o)
{
    smio_line ln = live_line(o);
    char line[48] = ""; /* a TCP line's settings are the server's */
    if (!smio_port_is_tcp(o->device)) {
        memcpy(line, " at ", 4);
        smio_line_text(&ln, line + 4, sizeof line - 4);
    }
    char err[SMIO_PORT_ERR_MAX] = "";
    smio_port port;
    smio_port_library_init();
    int cancel = smd_signal_fd();
    if (!smio_port_open(&port, o->device, &ln, cancel, 5000, err, sizeof err)) {
        fprintf(stderr, "%s: %s\n", progname, err);
        return EXIT_USAGE;
    }
    if (o->serve_p1 && !open_feed(a, o->serve_p1)) {
        smio_port_close(&port);
        return EXIT_USAGE;
    }
    a->live = a->binary = true;
    a->tcp = smio_port_is_tcp(o->device);
    a->live_count = o->count;
    smd_app_begin_input(a, o->device);
    smio_port_sink sink = {on_live_bytes, live_done, a};
    double elapsed;
    smio_read_end end = smio_port_read_for(&port, o->seconds, cancel, &sink, &elapsed, err, sizeof err);
    smio_port_close(&port);
    smd_app_end_input(a, end != SMIO_READ_LOST);
    smd_out_flush(&a->out);
    if (end == SMIO_READ_LOST)
        fprintf(stderr, "%s: %s: the line went away: %s\n", progname, o->device, err);
    sm_decoder_stats st;
    sm_decoder_get_stats(&a->dec, &st);
    char period[64] = "";
    if (a->stream_telegrams >= 2 && a->last_at - a->first_at >= 0.01)
        snprintf(period, sizeof period, ", a telegram every %.2f s",
                 (a->last_at - a->first_at) / (double)(a->stream_telegrams - 1));
    char stop[96] = ""; /* a telegram cut by a stop on purpose is no failure */
    if (end != SMIO_READ_LOST && st.bytes_cut)
        snprintf(stop, sizeof stop, " (stopped; %llu byte%s of a telegram under way not decoded)",
                 (unsigned long long)st.bytes_cut, smd_plural(st.bytes_cut));
    else if (end == SMIO_READ_CANCELLED)
        snprintf(stop, sizeof stop, " (stopped)");
    fprintf(stderr,
            "%s: %s%s: %llu telegram%s in %.1f s (%llu decoded; %llu link/checksum, %llu "
            "security, %llu parse error%s), %llu byte%s of %llu discarded%s%s\n",
            progname, o->device, line, (unsigned long long)a->stream_telegrams,
            smd_plural(a->stream_telegrams), elapsed, (unsigned long long)st.ok,
            (unsigned long long)st.link_errors, (unsigned long long)st.security_errors,
            (unsigned long long)st.parse_errors, smd_plural(st.parse_errors),
            (unsigned long long)st.bytes_discarded, smd_plural(st.bytes_discarded),
            (unsigned long long)a->stream_bytes, period, stop);
    close_feed(a);
    return end == SMIO_READ_LOST ? EXIT_FAILED : 0;
}
