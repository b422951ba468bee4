/* smd_live.c - see smd_live.h. */
#define _GNU_SOURCE /* pipe2 */
#include "smd_live.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

static int sig_pipe[2] = {-1, -1};

static void on_signal(int sig)
{
    (void)sig;
    int e = errno;
    if (write(sig_pipe[1], "", 1) < 0) { /* full: a signal is already waiting */
    }
    errno = e;
}

int smd_live_signal_fd(void)
{
    if (sig_pipe[0] >= 0)
        return sig_pipe[0];
    if (pipe2(sig_pipe, O_CLOEXEC | O_NONBLOCK) != 0)
        return -1;
    struct sigaction sa = {0};
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    return sig_pipe[0];
}

smd_live_end smd_live_run(const char *device, const sm_line *line, double seconds,
                          const sm_port_sink *s, double *elapsed, char *err, size_t err_cap)
{
    sm_port port;
    sm_port_library_init();
    *elapsed = 0;
    int cancel = smd_live_signal_fd();
    if (!sm_port_open(&port, device, line, cancel, 5000, err, err_cap))
        return SMD_LIVE_NOT_OPENED;
    sm_read_end end = sm_port_read_for(&port, seconds, cancel, s, elapsed, err, err_cap);
    sm_port_close(&port);
    return end == SM_READ_CANCELLED ? SMD_LIVE_STOPPED
           : end == SM_READ_LOST    ? SMD_LIVE_LOST
                                    : SMD_LIVE_DONE;
}
