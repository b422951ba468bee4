/* smsim - a simulated smart meter: writes the encrypted pushes of a Kaifa
 * MA309M(H) (see meter_sim.h) to standard output, a file, a serial device
 * or a pseudo-terminal, at the meter's push period and baud rate or as
 * fast as possible.  For the demo, the end-to-end tests and benchmarks;
 * the keys are the published test keys of fixtures/synthetic.
 *
 *   smsim [--count N] [--period S] [--fast] [--baud B] [--framing mbus|hdlc|raw]
 *         [--auth] [--seed N] [--start UNIX] [--hex] [--expect FILE] [--out PATH]
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "meter_sim.h"

static volatile sig_atomic_t stop;
static void on_signal(int sig) { (void)sig; stop = 1; }

static void sleep_ns(int64_t ns)
{
    if (ns <= 0)
        return;
    struct timespec ts = {(time_t)(ns / 1000000000), (long)(ns % 1000000000)};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR && !stop)
        ;
}

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static bool write_all(int fd, const uint8_t *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR && !stop)
                continue;
            return false;
        }
        p += w;
        n -= (size_t)w;
    }
    return true;
}

static void usage(void)
{
    fprintf(stderr,
            "usage: smsim [--count N] [--period S] [--fast] [--baud B] [--framing mbus|hdlc|raw]\n"
            "             [--auth] [--seed N] [--start UNIX] [--hex] [--expect FILE] [--out PATH]\n");
    exit(2);
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"count", required_argument, NULL, 'n'}, {"period", required_argument, NULL, 'p'},
        {"fast", no_argument, NULL, 'F'},        {"baud", required_argument, NULL, 'b'},
        {"framing", required_argument, NULL, 'f'}, {"auth", no_argument, NULL, 'a'},
        {"seed", required_argument, NULL, 's'},  {"start", required_argument, NULL, 't'},
        {"hex", no_argument, NULL, 'x'},         {"expect", required_argument, NULL, 'e'},
        {"out", required_argument, NULL, 'o'},   {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    uint64_t count = 0, seed = 1;
    unsigned period = 5, baud = 2400;
    bool fast = false, hex = false, auth = false;
    int64_t start = 1692652980; /* 2023-08-21T23:23:00+02:00, as the fixtures */
    sim_framing framing = SIM_MBUS;
    const char *expect = NULL, *out = NULL;
    int c;
    while ((c = getopt_long(argc, argv, "n:p:Fb:f:as:t:xe:o:h", opts, NULL)) != -1) {
        switch (c) {
        case 'n': count = strtoull(optarg, NULL, 10); break;
        case 'p': period = (unsigned)strtoul(optarg, NULL, 10); break;
        case 'F': fast = true; break;
        case 'b': baud = (unsigned)strtoul(optarg, NULL, 10); break;
        case 'f':
            if (!strcmp(optarg, "mbus")) framing = SIM_MBUS;
            else if (!strcmp(optarg, "hdlc")) framing = SIM_HDLC;
            else if (!strcmp(optarg, "raw")) framing = SIM_RAW;
            else usage();
            break;
        case 'a': auth = true; break;
        case 's': seed = strtoull(optarg, NULL, 10); break;
        case 't': start = strtoll(optarg, NULL, 10); break;
        case 'x': hex = true; break;
        case 'e': expect = optarg; break;
        case 'o': out = optarg; break;
        default: usage();
        }
    }
    if (period == 0 || baud == 0)
        usage();
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    signal(SIGPIPE, SIG_IGN);

    int fd = STDOUT_FILENO;
    if (out) {
        fd = open(out, O_WRONLY | O_NOCTTY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd < 0) {
            fprintf(stderr, "smsim: %s: %s\n", out, strerror(errno));
            return 1;
        }
        struct termios tio;
        if (tcgetattr(fd, &tio) == 0) { /* a tty: raw bytes, no translation */
            cfmakeraw(&tio);
            tcsetattr(fd, TCSANOW, &tio);
        }
    }
    FILE *ex = NULL;
    if (expect && !(ex = fopen(expect, "w"))) {
        fprintf(stderr, "smsim: %s: %s\n", expect, strerror(errno));
        return 1;
    }

    static meter_sim m;
    sim_init(&m, seed, start, period);
    m.framing = framing;
    m.sc = auth ? 0x30 : 0x21;
    uint8_t buf[2048];
    char line[4200], js[1024];
    int64_t t0 = now_ns();
    for (uint64_t i = 0; (count == 0 || i < count) && !stop; i++) {
        size_t n = sim_telegram(&m, buf, sizeof buf);
        if (ex) {
            sim_expect_json(&m, js, sizeof js);
            fprintf(ex, "%s\n", js);
            fflush(ex);
        }
        bool ok;
        if (hex) {
            static const char H[] = "0123456789ABCDEF";
            size_t k = 0;
            for (size_t j = 0; j < n; j++) {
                line[k++] = H[buf[j] >> 4];
                line[k++] = H[buf[j] & 15];
            }
            line[k++] = '\n';
            ok = write_all(fd, (uint8_t *)line, k);
        } else if (fast) {
            ok = write_all(fd, buf, n);
        } else {
            /* at the line's speed: 11 bits per byte (8E1) */
            int64_t per_byte = 11LL * 1000000000 / baud;
            ok = true;
            for (size_t j = 0; j < n && ok && !stop; j += 16) {
                size_t k = n - j < 16 ? n - j : 16;
                ok = write_all(fd, buf + j, k);
                sleep_ns(per_byte * (int64_t)k);
            }
        }
        if (!ok) {
            if (!stop)
                fprintf(stderr, "smsim: write: %s\n", strerror(errno));
            return 1;
        }
        sim_step(&m);
        if (!fast) /* the next push one period after this one began */
            sleep_ns(t0 + (int64_t)(i + 1) * period * 1000000000 - now_ns());
    }
    if (ex)
        fclose(ex);
    return 0;
}
