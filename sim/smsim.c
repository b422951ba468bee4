/* smsim - a simulated smart meter: writes the encrypted pushes of a Kaifa
 * MA309M(H) (see meter_sim.h) to standard output, a file, a serial device
 * or a pseudo-terminal, at the meter's push period and baud rate or as
 * fast as possible.  For the demo, the end-to-end tests and benchmarks;
 * the keys are the published test keys of fixtures/synthetic.
 *
 *   smsim [--count N] [--period S] [--fast] [--baud B] [--framing mbus|hdlc|raw|p1|sml|tic]
 *         [--auth] [--seed N] [--start UNIX] [--hex] [--expect FILE] [--out PATH]
 *         [--skip N] [--garbage N] [--p1-crc yes|no|unpadded|bcc] [--7e1] [--gas-every N]
 *         [--make emh|dzg|dzg-dvbs|holley|historique|historique-3p|standard|standard-3p]
 *
 * --framing p1 sends the same meter's values as P1 text (DSMR 5 lines, not
 * encrypted) with a gas meter that captures every --gas-every pushes (5);
 * --p1-crc no leaves the CRC out (DSMR 2.2/3.0, D0), unpadded writes it
 * without leading zeros, bcc sends IEC 62056-21's data block (STX .. ETX
 * and its BCC) in its place; --7e1 sends the characters as a 7E1 line does
 * (bit 7 the parity bit, for a reader set to 8N1), at 10 bits a character.
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
 * the period): tests get through many telegrams quickly.  --rate N, with
 * --fast, writes each telegram at once but no more than N telegrams a
 * second (the soak test: faster than any meter, slower than collectd's
 * write queue drains, so that it measures a steady state).
 * --corrupt PCT damages PCT percent of the telegrams (chosen from the seed),
 * in turn: a bit flipped, the telegram cut short, 1-32 bytes of garbage
 * inserted inside it, its first frame sent twice, the whole telegram sent
 * twice.  --corrupt-log FILE writes one line per telegram: its number, the
 * meter's time (Unix seconds) and "ok" or the damage (the soak test's
 * reference).
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
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
#include "sm_build.h"
#include "smd_hexin.h"
#include "sm_hex.h"

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

/* The next telegram of a hex file: the bytes of its next line that holds
 * any, read with smdecode's hex reader (separators, 0x prefixes, comments).
 * 1: a telegram, 0: end of the file, -1: a line that is not hex (reported). */
typedef struct {
    uint8_t *buf;
    size_t cap, n;
    bool bad;
} hex_sink;

static void sink_bytes(void *ctx, const uint8_t *p, size_t n)
{
    hex_sink *k = ctx;
    if (n > k->cap - k->n) {
        k->bad = true;
        n = k->cap - k->n;
    }
    memcpy(k->buf + k->n, p, n);
    k->n += n;
}

static void sink_error(void *ctx, smd_hex_err e, uint64_t line, uint64_t col, uint8_t ch)
{
    (void)e, (void)line, (void)col, (void)ch;
    ((hex_sink *)ctx)->bad = true;
}

static int next_telegram(FILE *f, const char *name, uint64_t *lineno, uint8_t *buf, size_t cap,
                          size_t *n)
{
    static smd_hexin h;
    char *line = NULL;
    size_t lcap = 0;
    ssize_t len;
    hex_sink k = {buf, cap, 0, false};
    while (k.n == 0 && (len = getline(&line, &lcap, f)) >= 0) {
        ++*lineno;
        smd_hexin_init(&h, sink_bytes, sink_error, &k);
        smd_hexin_feed(&h, line, (size_t)len);
        smd_hexin_finish(&h);
        if (k.bad) {
            fprintf(stderr, "smsim: %s:%" PRIu64 ": not a telegram in hex (or over %zu bytes)\n",
                    name, *lineno, cap);
            break;
        }
    }
    free(line);
    *n = k.n;
    return k.bad ? -1 : k.n > 0;
}

static const char help_text[] =
    "Usage: smsim [OPTION]...\n"
    "A simulated smart meter for demos, tests and benchmarks: writes what a Kaifa\n"
    "MA309M(H) pushes on its customer port (encrypted DLMS data-notifications over\n"
    "M-Bus, HDLC, the DLMS wrapper or bare, with the published test keys of\n"
    "fixtures/synthetic), or the same meter's values as DSMR 5 P1 text, at the\n"
    "meter's pace or at once.\n"
    "\n"
    "Where it writes:\n"
    "  -o, --out PATH          a file, a serial device or one end of a pseudo-terminal\n"
    "                          pair (socat); standard output when not given\n"
    "  -x, --hex               one telegram per line in hex instead of the bytes\n"
    "  -e, --expect FILE       write the values each telegram carries (OBIS code,\n"
    "                          value, unit, time) to FILE, for the tests' checks\n"
    "\n"
    "The meter:\n"
    "  -f, --framing KIND      mbus (default: two M-Bus frames a telegram), hdlc,\n"
    "                          raw (bare APDUs), wrapper (the DLMS wrapper), p1\n"
    "                          (DSMR 5 text, not encrypted, with a gas meter), sml\n"
    "                          (a German meter's SML push, not encrypted) or tic\n"
    "                          (a French meter's TIC frames)\n"
    "  -a, --auth              send a GCM tag too (security control 0x30; the\n"
    "                          reader then needs the authentication key)\n"
    "  -s, --seed N            the values' random walk (default 1): the same seed\n"
    "                          gives the same telegrams\n"
    "  -t, --start UNIX        the meter clock's first time, in Unix seconds\n"
    "                          (default 1692652980, 2023-08-21 23:23 CEST, as the\n"
    "                          fixtures); `--start $(date +%s)` for now\n"
    "  -p, --period S          seconds between two pushes (default 5); the meter's\n"
    "                          clock moves by this much per telegram\n"
    "  -D, --profile SHAPE     noise (default: every value drawn anew each push, in\n"
    "                          wide ranges, for the tests), household (a home's\n"
    "                          day: night base load, morning and evening peaks,\n"
    "                          appliances, voltages moving with the load, gas for\n"
    "                          heating and hot water) or producer (the same home\n"
    "                          with 6 kWp of PV: export at midday)\n"
    "\n"
    "How many, how fast:\n"
    "  -n, --count N           stop after N telegrams (default: until Ctrl-C)\n"
    "  -k, --skip N            leave out the first N telegrams (the clock, counter\n"
    "                          and values move on): continues a run that stopped\n"
    "                          after N, or repeats an old telegram (a replay)\n"
    "  -F, --fast              write every telegram at once, not every period\n"
    "  -R, --rate N            with --fast: at most N telegrams a second\n"
    "  -P, --pace MS           a telegram every MS milliseconds instead of every\n"
    "                          period (the meter's clock still moves by the period)\n"
    "  -b, --baud B            the line speed the bytes are paced at (default\n"
    "                          2400: 11 bits a byte for 8E1, 10 for P1)\n"
    "  -r, --replay FILE.hex   send the telegrams of a hex file (one per line, as\n"
    "                          fixtures/synthetic/*.hex) instead of simulated ones;\n"
    "                          --skip and --count select lines\n"
    "\n"
    "Damage, for the robustness tests:\n"
    "  -g, --garbage N         N pseudo-random bytes before every telegram (noise)\n"
    "  -C, --corrupt PCT       damage PCT percent of the telegrams, in turn: a bit\n"
    "                          flipped, cut short, garbage inside, the first frame\n"
    "                          twice, the whole telegram twice\n"
    "  -L, --corrupt-log FILE  one line per telegram: its number, the meter's time\n"
    "                          and \"ok\" or the damage done\n"
    "\n"
    "P1 (--framing p1):\n"
    "  -K, --p1-crc MODE       yes (default: DSMR 4/5's CRC), no (DSMR 2.2/3.0 and\n"
    "                          D0), unpadded (fewer than four digits), bcc (IEC\n"
    "                          62056-21's data block with a BCC)\n"
    "  -7, --7e1               the characters as a 7E1 line sends them (bit 7 the\n"
    "                          parity), for a reader set to 8N1\n"
    "  -G, --gas-every N       the gas meter captures every N pushes (default 5)\n"
    "\n"
    "SML (--framing sml):\n"
    "  -M, --make MAKE         the shape of emh (default: an ED300L, the power\n"
    "                          without sign, export in bit 5 of the status word),\n"
    "                          dzg (a DVS74 with the sign bug of its firmware before\n"
    "                          1.2), dzg-dvbs (a DVBS12.2H: real negatives where the\n"
    "                          DVS74's bug would be) or holley (a DTZ541: bare\n"
    "                          valTime, CRC-16/KERMIT)\n"
    "\n"
    "TIC (--framing tic; --baud 1200 for historique, 9600 for standard):\n"
    "  -M, --make MAKE         historique (default: single-phase Tempo; tomorrow\n"
    "                          red from the fourth frame), historique-3p (three-\n"
    "                          phase; an overload on L1 in frames 4 and 5),\n"
    "                          standard (single-phase Tempo; tomorrow red, a\n"
    "                          message, a mobile peak announced) or standard-3p\n"
    "                          (three-phase producer; the clock degraded in\n"
    "                          frames 3 and 4)\n"
    "\n"
    "  -h, --help              this text\n"
    "\n"
    "Example: a meter on a pseudo-terminal, read by smdecode:\n"
    "  socat pty,raw,echo=0,link=/tmp/meter pty,raw,echo=0,link=/tmp/meter.sim &\n"
    "  smsim --start $(date +%s) --out /tmp/meter.sim &\n"
    "  smdecode --device /tmp/meter --key-file fixtures/synthetic/test.key -f text\n";

static void usage(void)
{
    fprintf(stderr, "%s", help_text);
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
        {"replay", required_argument, NULL, 'r'}, {"pace", required_argument, NULL, 'P'},
        {"skip", required_argument, NULL, 'k'},  {"garbage", required_argument, NULL, 'g'},
        {"corrupt", required_argument, NULL, 'C'}, {"corrupt-log", required_argument, NULL, 'L'},
        {"rate", required_argument, NULL, 'R'},
        {"p1-crc", required_argument, NULL, 'K'}, {"7e1", no_argument, NULL, '7'},
        {"gas-every", required_argument, NULL, 'G'}, {"make", required_argument, NULL, 'M'},
        {"profile", required_argument, NULL, 'D'},
        {NULL, 0, NULL, 0}};
    uint64_t count = 0, seed = 1, skip = 0, garbage = 0, pace_ms = 0;
    unsigned period = 5, baud = 2400;
    bool fast = false, hex = false, auth = false, seven = false;
    int p1_crc = SMB_P1_CRC;
    unsigned gas_every = 5;
    int64_t start = 1692652980; /* 2023-08-21T23:23:00+02:00, as the fixtures */
    sim_framing framing = SIM_MBUS;
    sim_sml_make make = SIM_SML_EMH;
    sim_tic_make tic_make = SIM_TIC_HIST;
    sim_profile profile = SIM_PROFILE_NOISE;
    const char *expect = NULL, *out = NULL, *replay = NULL, *corrupt_log = NULL;
    double corrupt = 0, rate = 0;
    int c;
    while ((c = getopt_long(argc, argv, "n:p:Fb:f:as:t:xe:o:hk:g:r:P:C:L:R:K:7G:M:D:", opts, NULL)) !=
           -1) {
        switch (c) {
        case 'n': count = strtoull(optarg, NULL, 10); break;
        case 'p': period = (unsigned)strtoul(optarg, NULL, 10); break;
        case 'F': fast = true; break;
        case 'b': baud = (unsigned)strtoul(optarg, NULL, 10); break;
        case 'f':
            if (!strcmp(optarg, "mbus")) framing = SIM_MBUS;
            else if (!strcmp(optarg, "hdlc")) framing = SIM_HDLC;
            else if (!strcmp(optarg, "raw")) framing = SIM_RAW;
            else if (!strcmp(optarg, "wrapper")) framing = SIM_WRAPPER;
            else if (!strcmp(optarg, "p1")) framing = SIM_P1;
            else if (!strcmp(optarg, "sml")) framing = SIM_SML;
            else if (!strcmp(optarg, "tic")) framing = SIM_TIC;
            else usage();
            break;
        case 'K':
            if (!strcmp(optarg, "yes")) p1_crc = SMB_P1_CRC;
            else if (!strcmp(optarg, "no")) p1_crc = SMB_P1_NO_CRC;
            else if (!strcmp(optarg, "unpadded")) p1_crc = SMB_P1_UNPADDED;
            else if (!strcmp(optarg, "bcc")) p1_crc = SMB_P1_BCC;
            else usage();
            break;
        case '7': seven = true; break;
        case 'M':
            if (!strcmp(optarg, "emh")) make = SIM_SML_EMH;
            else if (!strcmp(optarg, "dzg")) make = SIM_SML_DZG;
            else if (!strcmp(optarg, "holley")) make = SIM_SML_HOLLEY;
            else if (!strcmp(optarg, "dzg-dvbs")) make = SIM_SML_DZG_NEW;
            else if (!strcmp(optarg, "historique")) tic_make = SIM_TIC_HIST;
            else if (!strcmp(optarg, "historique-3p")) tic_make = SIM_TIC_HIST3;
            else if (!strcmp(optarg, "standard")) tic_make = SIM_TIC_STD;
            else if (!strcmp(optarg, "standard-3p")) tic_make = SIM_TIC_STD3;
            else usage();
            break;
        case 'D':
            if (!strcmp(optarg, "noise")) profile = SIM_PROFILE_NOISE;
            else if (!strcmp(optarg, "household")) profile = SIM_PROFILE_HOUSEHOLD;
            else if (!strcmp(optarg, "producer")) profile = SIM_PROFILE_PRODUCER;
            else usage();
            break;
        case 'G': gas_every = (unsigned)strtoul(optarg, NULL, 10); break;
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
        case 'C': corrupt = strtod(optarg, NULL); break;
        case 'L': corrupt_log = optarg; break;
        case 'R': rate = strtod(optarg, NULL); break;
        case 'h': fputs(help_text, stdout); return 0;
        default: usage();
        }
    }
    if (period == 0 || baud == 0 || corrupt < 0 || corrupt > 100 || !(rate >= 0) ||
        gas_every == 0)
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

    FILE *cl = NULL;
    if (corrupt_log && !(cl = fopen(corrupt_log, "w"))) {
        fprintf(stderr, "smsim: %s: %s\n", corrupt_log, strerror(errno));
        return 1;
    }
    uint64_t damage_rng = seed * 0xD1B54A32D192ED03ull | 1, damage_turn = 0;
    static uint8_t damaged[2 * 2048 + 64];

    static meter_sim m;
    sim_init(&m, seed, start, period);
    m.framing = framing;
    m.sml_make = make;
    m.tic_make = tic_make;
    m.sc = auth ? 0x30 : 0x21;
    m.p1_crc = p1_crc;
    m.gas_every = gas_every;
    sim_set_profile(&m, profile);
    uint8_t buf[2048], junk[256];
    uint64_t lineno = 0;
    size_t n;
    int got = 1;
    for (uint64_t i = 0; i < skip && got > 0; i++) {
        if (rp)
            got = next_telegram(rp, replay, &lineno, buf, sizeof buf, &n);
        else
            sim_step(&m);
    }
    uint64_t noise = seed * 0x9E3779B97F4A7C15ull | 1;
    char line[4200], js[1024];
    int64_t t0 = now_ns();
    for (uint64_t i = 0; (count == 0 || i < count) && !stop && got > 0; i++) {
        if (rp) {
            if ((got = next_telegram(rp, replay, &lineno, buf, sizeof buf, &n)) <= 0)
                break;
        } else {
            n = sim_telegram(&m, buf, sizeof buf);
        }
        if (seven)
            smb_7e1(buf, n);
        int kind = 0;
        if (corrupt > 0 && n > 1 &&
            (double)(sim_xorshift(&damage_rng) % 1000000) < corrupt * 10000) {
            kind = 1 + (int)(damage_turn++ % SIM_DAMAGE_KINDS);
            n = sim_damage(kind, &damage_rng, buf, n, damaged);
            memcpy(buf, damaged, n < sizeof buf ? n : sizeof buf);
            if (n > sizeof buf) /* cannot happen: telegrams are under 1 KB */
                n = sizeof buf;
        }
        if (cl)
            fprintf(cl, "%" PRIu64 " %" PRId64 " %s\n", i + 1, rp ? (int64_t)0 : m.utc,
                    sim_damage_name(kind));
        if (ex && !rp) {
            sim_expect_json(&m, js, sizeof js);
            fprintf(ex, "%s\n", js);
            fflush(ex);
        }
        bool ok = true;
        for (uint64_t g = 0; g < garbage && ok; g += sizeof junk) {
            size_t k = garbage - g < sizeof junk ? (size_t)(garbage - g) : sizeof junk;
            for (size_t j = 0; j < k; j++) {
                junk[j] = (uint8_t)(sim_xorshift(&noise) >> 24);
            }
            ok = write_all(fd, junk, k);
        }
        if (!ok) {
        } else if (hex) {
            size_t k = 2 * n;
            sm_hex_encode(buf, n, line);
            line[k++] = '\n';
            ok = write_all(fd, (uint8_t *)line, k);
        } else if (fast) {
            ok = write_all(fd, buf, n);
        } else {
            /* at the line's speed: 11 bits per byte (8E1), 10 for P1 (8N1, 7E1) */
            int64_t per_byte =
                (framing == SIM_P1 || framing == SIM_SML || framing == SIM_TIC ? 10LL : 11LL) *
                1000000000 / baud;
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
        else if (rate > 0)
            sleep_ns(t0 + (int64_t)((double)(i + 1) * 1e9 / rate) - now_ns());
    }
    if (ex)
        fclose(ex);
    if (cl && fclose(cl) != 0) {
        fprintf(stderr, "smsim: %s: %s\n", corrupt_log, strerror(errno));
        return 1;
    }
    return got < 0 ? 1 : 0;
}
