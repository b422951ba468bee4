/* smbench - throughput and memory of smdecode, measured, not asserted.
 *
 * Generates encrypted M-Bus telegrams of the simulated Kaifa meter (two
 * frames, 376 bytes each), and the same meter's P1 telegrams (DSMR 5 text,
 * about 1 KB, 40 readings), then:
 *  1. a baseline: only AES-128-GCM decryption of the same telegrams with
 *     nettle, in this process;
 *  2. smdecode --binary in every format, the telegrams written into its
 *     standard input through a pipe and its output to /dev/null; CPU time
 *     (user + system) and peak RSS of the smdecode process from wait4();
 *  3. the same with hex input (JSON), and P1 text and SML frames in every
 *     format;
 *  4. peak RSS for 100 000 and for 1 000 000 telegrams (JSON; the 100 000
 *     written ten times), to show that memory does not grow with the input.
 * The telegrams are made before any timing starts.
 * Prints telegrams per CPU-second, the best of --runs runs (default 7) and
 * their median, which shows how much the machine's other load disturbed
 * the figures; run it on an idle machine.
 *
 *   smbench [--count N] [--runs N] [--smdecode PATH]
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <nettle/gcm.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "meter_sim.h"
#include "sm_security.h"

#define KEY_HEX "000102030405060708090A0B0C0D0E0F"

static double now(clockid_t c)
{
    struct timespec ts;
    clock_gettime(c, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

typedef struct {
    double cpu, wall;
    long maxrss_kb;
    int status;
} result;

/* The input, made once: `count` telegrams as bytes and as hex lines. */
static uint8_t *bin_buf, *hex_buf;
static size_t bin_len, hex_len;
#define TELEGRAM_MAX 1100 /* P1: 991 bytes; M-Bus: 376 */

static void make_input(uint64_t count, sim_framing framing)
{
    static meter_sim m;
    static const char H[] = "0123456789ABCDEF";
    sim_init(&m, 42, 1692652980, 5);
    m.framing = framing;
    m.tic_make = SIM_TIC_STD3;
    bin_buf = malloc(count * TELEGRAM_MAX);
    hex_buf = malloc(count * 2 * TELEGRAM_MAX);
    if (!bin_buf || !hex_buf) {
        fprintf(stderr, "smbench: out of memory\n");
        exit(1);
    }
    for (uint64_t i = 0; i < count; i++) {
        size_t tn = sim_telegram(&m, bin_buf + bin_len, TELEGRAM_MAX);
        for (size_t j = 0; j < tn; j++) {
            hex_buf[hex_len++] = (uint8_t)H[bin_buf[bin_len + j] >> 4];
            hex_buf[hex_len++] = (uint8_t)H[bin_buf[bin_len + j] & 15];
        }
        hex_buf[hex_len++] = '\n';
        bin_len += tn;
        sim_step(&m);
    }
}

/* Run smdecode with the input written `reps` times into its standard input
 * by a producer process: it makes the telegrams first (smdecode waits,
 * using no CPU), then only writes, so the two hardly compete for a core.
 * smdecode is forked from this process, which never holds the input, so its
 * peak RSS is its own. */
static sim_framing input_framing = SIM_MBUS; /* P1 text, SML, TIC, or M-Bus telegrams */

static result run_once(const char *path, const char *format, bool hex, uint64_t count,
                       unsigned reps)
{
    int p[2];
    if (pipe(p) < 0) {
        perror("pipe");
        exit(1);
    }
    double w0 = now(CLOCK_MONOTONIC);
    pid_t pid = fork();
    if (pid == 0) {
        dup2(p[0], 0);
        close(p[0]);
        close(p[1]);
        int devnull = open("/dev/null", O_WRONLY);
        dup2(devnull, 1);
        setenv("SMDECODE_KEY", KEY_HEX, 1);
        if (hex)
            execl(path, path, "-q", "-f", format, (char *)NULL);
        else
            execl(path, path, "-q", "--binary", "-f", format, (char *)NULL);
        _exit(127);
    }
    pid_t producer = fork();
    if (producer == 0) {
        close(p[0]);
        make_input(count, input_framing);
        const uint8_t *buf = hex ? hex_buf : bin_buf;
        size_t len = hex ? hex_len : bin_len;
        for (unsigned r = 0; r < reps; r++) {
            size_t off = 0;
            while (off < len) {
                ssize_t w = write(p[1], buf + off, len - off);
                if (w < 0) {
                    perror("smbench: write");
                    _exit(1);
                }
                off += (size_t)w;
            }
        }
        _exit(0);
    }
    close(p[0]);
    close(p[1]);
    int st;
    struct rusage ru;
    wait4(pid, &st, 0, &ru);
    waitpid(producer, NULL, 0);
    result r;
    r.wall = now(CLOCK_MONOTONIC) - w0;
    r.cpu = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
            (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
    r.maxrss_kb = ru.ru_maxrss;
    r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    return r;
}

static unsigned runs = 7;

static int by_cpu(const void *a, const void *b)
{
    const result *x = a, *y = b;
    return x->cpu < y->cpu ? -1 : x->cpu > y->cpu;
}

/* `runs` runs: the best (least CPU; the machine's other load only ever adds
 * time) and the median CPU (how noisy the machine was); peak RSS is the
 * largest seen, status the worst */
static result run_smdecode(const char *path, const char *format, bool hex, uint64_t count,
                           unsigned reps, double *median_cpu)
{
    result all[64];
    unsigned n = runs < 64 ? runs : 64;
    long rss = 0;
    int status = 0;
    for (unsigned i = 0; i < n; i++) {
        all[i] = run_once(path, format, hex, count, reps);
        if (all[i].maxrss_kb > rss)
            rss = all[i].maxrss_kb;
        if (all[i].status != 0)
            status = all[i].status;
    }
    qsort(all, n, sizeof all[0], by_cpu);
    result best = all[0];
    best.maxrss_kb = rss;
    best.status = status;
    if (median_cpu)
        *median_cpu = all[n / 2].cpu;
    return best;
}

/* nettle only: decrypt the payload of each telegram (the security header is
 * parsed outside the timed loop) */
static double baseline(uint64_t count)
{
    static meter_sim m;
    sim_init(&m, 42, 1692652980, 5);
    m.framing = SIM_RAW;
    uint8_t *all = malloc(count * 400);
    size_t *off = malloc(count * sizeof *off), *len = malloc(count * sizeof *len);
    uint8_t(*iv)[12] = malloc(count * 12);
    size_t pos = 0;
    for (uint64_t i = 0; i < count; i++) {
        uint8_t t[1024];
        size_t tn = sim_telegram(&m, t, sizeof t);
        sim_step(&m);
        sm_sec_header h;
        if (sm_sec_parse(SM_CUR_OVER(t, tn), &h) != SM_OK)
            abort();
        memcpy(iv[i], h.system_title, 8);
        iv[i][8] = (uint8_t)(h.fc >> 24);
        iv[i][9] = (uint8_t)(h.fc >> 16);
        iv[i][10] = (uint8_t)(h.fc >> 8);
        iv[i][11] = (uint8_t)h.fc;
        memcpy(all + pos, h.payload, h.payload_len);
        off[i] = pos;
        len[i] = h.payload_len;
        pos += h.payload_len;
    }
    uint8_t key[16], out[1024];
    for (int i = 0; i < 16; i++)
        key[i] = (uint8_t)i;
    struct gcm_aes128_ctx g;
    gcm_aes128_set_key(&g, key);
    double c0 = now(CLOCK_PROCESS_CPUTIME_ID);
    unsigned sink = 0;
    for (uint64_t i = 0; i < count; i++) {
        gcm_aes128_set_iv(&g, 12, iv[i]);
        gcm_aes128_decrypt(&g, len[i], out, all + off[i]);
        sink += out[0];
    }
    double cpu = now(CLOCK_PROCESS_CPUTIME_ID) - c0;
    /* the best of the runs, as for smdecode */
    for (unsigned rep = 1; rep < runs; rep++) {
        double c1 = now(CLOCK_PROCESS_CPUTIME_ID);
        for (uint64_t i = 0; i < count; i++) {
            gcm_aes128_set_iv(&g, 12, iv[i]);
            gcm_aes128_decrypt(&g, len[i], out, all + off[i]);
            sink += out[0];
        }
        double c2 = now(CLOCK_PROCESS_CPUTIME_ID) - c1;
        if (c2 < cpu)
            cpu = c2;
    }
    if (sink != runs * count * 0x0F)
        fprintf(stderr, "smbench: baseline decrypted something else\n");
    free(all);
    free(off);
    free(len);
    free(iv);
    return cpu;
}

/* one row of the table: telegrams/s, us per telegram, CPU s, median/s, RSS */
static void row(const char *label, const result *r, double median_cpu, uint64_t count)
{
    printf("%-28s %12.0f %10.2f %10.2f %10.0f %7ld kB\n", label, (double)count / r->cpu,
           r->cpu * 1e6 / (double)count, r->cpu, (double)count / median_cpu, r->maxrss_kb);
}

/* Unencrypted text or frames of the same meter (P1 as DSMR 5 lines, SML as
 * an EMH push): every format, then peak RSS over ten times the input.
 * True when a telegram failed. */
/* the output formats measured (p1: a DSMR 5 P1 telegram of any meter) */
#define NFORMATS 5

static bool bench_plain(const char *path, const char *const formats[NFORMATS], uint64_t count,
                        sim_framing framing, const char *what, const char *tag, size_t bytes)
{
    bool bad = false;
    double med;
    input_framing = framing;
    printf("\n%s\n", what);
    for (int f = 0; f < NFORMATS; f++) {
        result p = run_smdecode(path, formats[f], false, count, 1, &med);
        char label[64];
        snprintf(label, sizeof label, "smdecode -f %s (%s)", formats[f], tag);
        row(label, &p, med, count);
        bad |= p.status != 0;
    }
    result p = run_smdecode(path, "json", false, count, 10, NULL);
    printf("  %9llu %s telegrams (%5.0f MB): peak RSS %ld kB, %.0f telegrams/s\n",
           (unsigned long long)count * 10, tag, (double)count * 10 * (double)bytes / 1e6,
           p.maxrss_kb, (double)count * 10 / p.cpu);
    input_framing = SIM_MBUS;
    return bad || p.status != 0;
}

int main(int argc, char **argv)
{
    uint64_t count = 100000;
    const char *path = "decode-tool/smdecode";
    static const struct option opts[] = {{"count", required_argument, NULL, 'n'},
                                         {"smdecode", required_argument, NULL, 's'},
                                         {"runs", required_argument, NULL, 'r'},
                                         {NULL, 0, NULL, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "n:s:r:", opts, NULL)) != -1) {
        if (c == 'n')
            count = strtoull(optarg, NULL, 10);
        else if (c == 's')
            path = optarg;
        else if (c == 'r' && atoi(optarg) > 0)
            runs = (unsigned)atoi(optarg);
        else {
            fprintf(stderr, "usage: smbench [--count N] [--runs N] [--smdecode PATH]\n");
            return 2;
        }
    }
    signal(SIGPIPE, SIG_IGN);
    printf("smbench: %llu encrypted M-Bus telegrams (2 frames, 376 bytes, 15 readings each)\n\n",
           (unsigned long long)count);
    printf("best and median of %u runs (CPU time of smdecode)\n", runs);
    printf("%-28s %12s %10s %10s %10s %10s\n", "", "telegrams/s", "us/telegr", "CPU s",
           "median/s", "peak RSS");

    static const char *const formats[NFORMATS] = {"xml", "json", "csv", "text", "p1"};
    int bad = 0;
    for (int f = 0; f < NFORMATS; f++) {
        double med;
        result r = run_smdecode(path, formats[f], false, count, 1, &med);
        char label[64];
        snprintf(label, sizeof label, "smdecode --binary -f %s", formats[f]);
        row(label, &r, med, count);
        bad |= r.status != 0;
    }
    double med;
    result r = run_smdecode(path, "json", true, count, 1, &med);
    row("smdecode (hex input) -f json", &r, med, count);
    bad |= r.status != 0;
    bad |= bench_plain(path, formats, count, SIM_P1,
                       "P1 text (DSMR 5, 991 bytes, 40 readings, not encrypted)", "P1", 991);
    bad |= bench_plain(path, formats, count, SIM_SML,
                       "SML (an EMH-shaped push, 312 bytes, 10 readings, not encrypted)", "SML",
                       312);
    bad |= bench_plain(path, formats, count, SIM_TIC,
                       "TIC (a three-phase Linky in standard mode, 510 bytes, 29 readings)", "TIC",
                       510);
    printf("\nmemory against input size (json, binary input):\n");
    uint64_t sizes[2] = {count, count * 10};
    for (int i = 0; i < 2; i++) {
        r = run_smdecode(path, "json", false, count, i ? 10 : 1, NULL);
        printf("  %9llu telegrams (%5.0f MB): peak RSS %ld kB, %.0f telegrams/s\n",
               (unsigned long long)sizes[i], (double)sizes[i] * 376 / 1e6, r.maxrss_kb,
               (double)sizes[i] / r.cpu);
        bad |= r.status != 0;
    }
    /* last: the baseline allocates the telegrams in this process */
    double b = baseline(count);
    printf("\n%-28s %12.0f %10.2f %10.2f\n", "nettle decrypt only (baseline)", (double)count / b,
           b * 1e6 / (double)count, b);
    if (bad)
        printf("\nsmbench: smdecode reported failed telegrams: the figures are not valid\n");
    return bad;
}
