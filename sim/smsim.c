/* smsim - a simulated smart meter: writes the encrypted pushes of a Kaifa
 * MA309M(H) (see meter_sim.h) to standard output, a file, a serial device
 * or a pseudo-terminal, at the meter's push period and baud rate or as
 * fast as possible.  For the demo, the end-to-end tests and benchmarks;
 * the keys are the published test keys of fixtures/synthetic.
 *
 *   smsim [--count N] [--period S] [--fast] [--baud B] [--framing mbus|hdlc|raw]
 *         [--auth] [--seed N] [--start UNIX] [--hex] [--expect FILE] [--out PATH]
 *         [--skip N] [--garbage N]
 *
 * --skip N leaves out the first N telegrams (the meter's clock, counter and
 * values move on as if they had been sent): a second run continues where a
 * first one with --count N stopped, or repeats an old telegram (a replay).
 * --garbage N writes N pseudo-random bytes (from the seed) before every
 * telegram: line noise for the deframer to skip.
 * --replay FILE sends the telegrams of a hex file (one per line, e.g.
 * the .hex files of fixtures/synthetic) instead of simulated ones, with the same pacing;
 * --skip and --count then select lines.  --pace MS sends a telegram every MS
 * milliseconds instead of every period (the meter's clock still moves by
 * the period): tests get through many telegrams quickly.
 */
#include "config.h"

#include <ctype.h>
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

/* The next non-empty line of a hex file, without comments and separators. */
static bool next_hex_line(FILE *f, char *line, size_t cap)
{
    while (fgets(line, (int)cap, f)) {
        char *hash = strchr(line, '#');
        if (hash)
            *hash = '\0';
        size_t k = 0;
        for (char *c = line; *c; c++)
            if (isxdigit((unsigned char)*c))
                line[k++] = *c;
        line[k] = '\0';
        if (k > 0)
            return true;
    }
    return false;
}

static size_t hex_to_bytes(const char *hex, uint8_t *out, size_t cap)
{
    size_t n = 0;
    for (; hex[0] && hex[1] && n < cap; hex += 2) {
        char pair[3] = {hex[0], hex[1], '\0'};
        out[n++] = (uint8_t)strtoul(pair, NULL, 16);
    }
    return n;
}

static void usage(void)
{
    fprintf(stderr,
            "usage: smsim [--count N] [--period S] [--fast] [--baud B] [--framing mbus|hdlc|raw]\n"
            "             [--auth] [--seed N] [--start UNIX] [--hex] [--expect FILE] [--out PATH]\n"
            "             [--skip N] [--garbage N] [--replay FILE.hex] [--pace MS]\n");
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
        {"replay", required_argument, NULL, 'r'}, {"pace", required_argument, NULL, 'P'}, {"skip", required_argument, NULL, 'k'},  {"garbage", required_argument, NULL, 'g'},
        {NULL, 0, NULL, 0}};
    uint64_t count = 0, seed = 1, skip = 0, garbage = 0, pace_ms = 0;
    unsigned period = 5, baud = 2400;
    bool fast = false, hex = false, auth = false;
    int64_t start = 1692652980; /* 2023-08-21T23:23:00+02:00, as the fixtures */
    sim_framing framing = SIM_MBUS;
    const char *expect = NULL, *out = NULL, *replay = NULL;
    int c;
    while ((c = getopt_long(argc, argv, "n:p:Fb:f:as:t:xe:o:hk:g:r:P:", opts, NULL)) != -1) {
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
        case 'r': replay = optarg; break;
        case 'P': pace_ms = strtoull(optarg, NULL, 10); break;
        case 'k': skip = strtoull(optarg, NULL, 10); break;
        case 'g': garbage = strtoull(optarg, NULL, 10); break;
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
    FILE *rp = NULL;
    if (replay && !(rp = fopen(replay, "r"))) {
        fprintf(stderr, "smsim: %s: %s\n", replay, strerror(errno));
        return 1;
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
    char hexline[8192];
    for (uint64_t i = 0; i < skip; i++)
        if (rp ? !next_hex_line(rp, hexline, sizeof hexline) : (sim_step(&m), false))
            break;
    uint64_t noise = seed * 0x9E3779B97F4A7C15ull | 1;
    uint8_t buf[2048], junk[256];
    char line[4200], js[1024];
    int64_t t0 = now_ns();
    for (uint64_t i = 0; (count == 0 || i < count) && !stop; i++) {
        size_t n;
        if (rp) {
            if (!next_hex_line(rp, hexline, sizeof hexline))
                break;
            n = hex_to_bytes(hexline, buf, sizeof buf);
        } else {
            n = sim_telegram(&m, buf, sizeof buf);
        }
        if (ex && !rp) {
            sim_expect_json(&m, js, sizeof js);
            fprintf(ex, "%s\n", js);
            fflush(ex);
        }
        bool ok = true;
        for (uint64_t g = 0; g < garbage && ok; g += sizeof junk) {
            size_t k = garbage - g < sizeof junk ? (size_t)(garbage - g) : sizeof junk;
            for (size_t j = 0; j < k; j++) {
                noise ^= noise << 13, noise ^= noise >> 7, noise ^= noise << 17;
                junk[j] = (uint8_t)(noise >> 24);
            }
            ok = write_all(fd, junk, k);
        }
        if (!ok) {
        } else if (hex) {
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
        if (!fast) /* the next push one period (or --pace) after this one began */
            sleep_ns(t0 + (int64_t)(i + 1) * (pace_ms ? (int64_t)pace_ms * 1000000
                                                      : (int64_t)period * 1000000000) -
                     now_ns());
    }
    if (ex)
        fclose(ex);
    return 0;
}
