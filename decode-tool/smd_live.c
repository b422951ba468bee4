/* smd_live.c - see smd_live.h. */
#define _POSIX_C_SOURCE 200809L
#include "smd_live.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig) { stop_signal = sig; }

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* SIGINT and SIGTERM end the read (poll returns EINTR: no SA_RESTART). */
static void catch_signals(void)
{
    struct sigaction sa = {0};
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

smd_live_end smd_live_read(sm_port *port, double seconds, const smd_live_sink *s,
                           double *elapsed, char *err, size_t err_cap)
{
    static uint8_t buf[1 << 16];
    catch_signals();
    double t0 = now();
    smd_live_end end = SMD_LIVE_DONE;
    for (;;) {
        if (stop_signal) {
            end = SMD_LIVE_STOPPED;
            break;
        }
        if (s->done(s->ctx))
            break;
        double left = seconds > 0 ? seconds - (now() - t0) : 1.0;
        if (left <= 0)
            break;
        struct pollfd pf = {port->fd, POLLIN, 0};
        int r = poll(&pf, 1, left < 0.2 ? (int)(left * 1000) + 1 : 200);
        if (r < 0 && errno != EINTR) {
            snprintf(err, err_cap, "poll: %s", strerror(errno));
            end = SMD_LIVE_LOST;
            break;
        }
        if (r <= 0)
            continue;
        ssize_t n = sm_port_read(port, buf, sizeof buf, err, err_cap);
        if (n < 0) {
            end = SMD_LIVE_LOST;
            break;
        }
        if (n > 0)
            s->bytes(s->ctx, buf, (size_t)n);
    }
    *elapsed = now() - t0;
    return end;
}

smd_live_end smd_live_run(const smd_live_opts *o, const smd_live_sink *s, double *elapsed,
                          char *err, size_t err_cap)
{
    sm_port port;
    sm_port_library_init();
    *elapsed = 0;
    if (!sm_port_open(&port, o->device, &o->line, -1, 5000, err, err_cap))
        return SMD_LIVE_NOT_OPENED;
    smd_live_end end = smd_live_read(&port, o->seconds, s, elapsed, err, err_cap);
    sm_port_close(&port);
    return end;
}
