/* smdecode - decode captured DLMS/COSEM smart meter telegrams offline.
 *
 * Input: hex (arguments, files, standard input) or binary captures, fed
 * through the decode core's streaming deframer; output in one of the
 * formats of smd_render.h on standard output; one line per failed telegram
 * on standard error.  Exit status: 0 every telegram decoded, 1 a telegram
 * (or the input's syntax) failed or there was no telegram, 2 usage errors,
 * unreadable files, malformed keys, write errors.  Keys are never printed.
 */
#include "config.h"

#define _GNU_SOURCE /* F_SETPIPE_SZ */

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sm_decoder.h"
#include "smd_hexin.h"
#include "sm_probe.h"
#include "smd_out.h"
#include "smd_render.h"
#include "smd_text.h"
#include "sm_keyfile.h"
#include "sm_layoutfile.h"

#define EXIT_FAILED 1
#define EXIT_USAGE 2

typedef struct {
    const char *source;       /* what the current input is called in messages */
    sm_decoder dec;
    smd_render *render;
    smd_out out;
    smd_hexin hex;
    bool binary;
    bool p1_text;             /* this input is P1 text (it begins with '/') */
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
    uint8_t first[SM_PORT_PEER_TEXT_MAX]; /* the line's first bytes: what a server */
    size_t first_len;                     /* said when it sent no telegram */
} app;

static const char *progname = "smdecode";

static void usage(FILE *f)
{
    fprintf(f,
            "Usage: smdecode [OPTION]... [HEX | FILE | -]...\n"
            "Decode smart meter telegrams: DLMS/COSEM (M-Bus, HDLC, DLMS wrapper, bare APDUs)\n"
            "and P1 text (DSMR, e-MUCS, D0), encrypted or not, from hex, text or binary\n"
            "captures.\n"
            "\n"
            "Each argument is a file when one of that name exists, '-' for standard input,\n"
            "otherwise hex; with no argument standard input is read.  An input that begins\n"
            "with '/' is P1 text and is read as it is.\n"
            "\n"
            "Input:\n"
            "  -b, --binary             the input is binary (e.g. cat /dev/ttyUSB0 > capture.bin)\n"
            "  -F, --framing=MODE       auto (default), mbus, hdlc, wrapper, raw or p1\n"
            "Live line (instead of inputs; each telegram written as it arrives):\n"
            "  -d, --device=DEV         a serial port (/dev/ttyUSB0) or tcp://host:port\n"
            "      --baud=N             default 2400, with --framing=p1 115200\n"
            "      --parity=P           even (default), odd or none (p1: none)\n"
            "      --data-bits=N        5 to 8 (default 8)\n"
            "      --stop-bits=N        1 (default) or 2\n"
            "  -n, --count=N            stop after N telegrams\n"
            "  -t, --seconds=S          stop after S seconds (else at Ctrl-C)\n"
            "      --probe              find the line settings: try each (up to --seconds,\n"
            "                           default 12, at each) and print a <Meter> block\n"
            "Keys (never printed; prefer a file or the environment to the command line):\n"
            "  -k, --key=HEX            the encryption key (32 or 64 hex digits)\n"
            "      --key-file=FILE      read it from FILE (hex, or 16/32 raw bytes)\n"
            "  -a, --auth-key=HEX       the authentication key\n"
            "      --auth-key-file=FILE read it from FILE\n"
            "      --no-verify-tag      decrypt without checking the authentication tag\n"
            "                           environment: SMDECODE_KEY, SMDECODE_AUTH_KEY\n"
            "Output:\n"
            "  -f, --format=FORMAT      xml (default), json, csv, text or layout\n"
            "  -l, --layers             also the link frames, the security header and the\n"
            "                           plaintext (xml, json)\n"
            "  -q, --quiet              no per-telegram error lines on standard error\n"
            "      --suggest-layout     for a list no layout knows, print a layout file to\n"
            "                           edit (its types, and each element's value)\n"
            "Layouts:\n"
            "  -L, --layout-file=FILE   read layouts from FILE first (may be repeated)\n"
            "      --no-verify-checksum decode frames whose M-Bus checksum or HDLC FCS is\n"
            "                           wrong (counted and said; for meters that get it wrong)\n"
            "  -h, --help               this help\n"
            "  -V, --version            the version\n"
            "\n"
            "Exit status: 0 all telegrams decoded, 1 some failed or none found (or the\n"
            "line went away), 2 usage error, unreadable file or device, malformed key.\n"
            "See smdecode(1).\n");
}

__attribute__((format(printf, 1, 2), noreturn)) static void die_usage(const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "%s: ", progname);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nTry '%s --help' for more information.\n", progname);
    exit(EXIT_USAGE);
}

/* What to do about a key error, by what the decoder found (sm_key_diag). */
static const char *hint(const sm_telegram *t)
{
    switch (t->key_diag) {
    case SM_KEYS_SWAPPED:
        return " (the two keys work the other way round: swap --key and --auth-key)";
    case SM_KEYS_EK_RIGHT:
        return t->err == SM_ERR_NO_AUTH_KEY
                   ? " (the encryption key decrypts it: give the authentication key with "
                     "--auth-key-file, SMDECODE_AUTH_KEY or --auth-key, or decrypt without "
                     "checking with --no-verify-tag)"
                   : " (the encryption key decrypts it, so the authentication key is wrong: "
                     "check it, or decrypt without checking with --no-verify-tag)";
    case SM_KEYS_EK_WRONG:
        return t->err == SM_ERR_NO_AUTH_KEY
                   ? " (and the encryption key does not decrypt it: check it too)"
                   : " (the encryption key does not decrypt it either: a wrong encryption key, "
                     "or a damaged telegram)";
    default: break;
    }
    const uint8_t *apdu = t->apdu_len ? t->apdu : t->link && t->link->apdu_len ? t->link->apdu
                                                                             : NULL;
    if (sm_errlayer(t->err) == SM_LAYER_AXDR && apdu && apdu[0] == SM_APDU_DATA_NOTIFICATION)
        return " (a data-notification whose body could not be read from there on: a form "
               "that no decoder knows yet, or a damaged telegram)";
    switch (t->err) {
    case SM_ERR_NO_KEY: return " (give the key with --key-file, SMDECODE_KEY or --key)";
    case SM_ERR_NO_AUTH_KEY:
        return " (give the authentication key with --auth-key-file, SMDECODE_AUTH_KEY or "
               "--auth-key, or decrypt without checking with --no-verify-tag)";
    case SM_ERR_TAG_MISMATCH:
        return " (wrong authentication key, wrong key, or a damaged telegram)";
    case SM_ERR_WRONG_KEY: return " (check the key)";
    default: return "";
    }
}

static bool quiet;

static void on_telegram(void *ctx, const sm_telegram *t)
{
    app *a = ctx;
    a->stream_telegrams++;
    if (a->live) {
        a->last_at = sm_port_now();
        if (a->stream_telegrams == 1)
            a->first_at = a->last_at;
    }
    if (t->err) {
        a->failed++;
        if (!quiet) {
            char where[120];
            smd_error_where(t, where, sizeof where);
            /* stdout first, so that both streams interleave sensibly on a terminal */
            smd_out_flush(&a->out);
            fprintf(stderr, "%s: %s: telegram %llu: %s: %s%s%s\n", progname, a->source,
                    (unsigned long long)smd_telegram_no(t), sm_layername(sm_errlayer(t->err)),
                    sm_strerror(t->err), where, hint(t));
        }
    }
    if (t->is_p1 && !t->err && t->p1.nnotes && !quiet) {
        /* what the lines could not give: named, but the telegram is good */
        smd_out_flush(&a->out);
        const sm_p1_info *p = &t->p1;
        uint64_t at = t->link ? t->link->offset : 0;
        for (unsigned i = 0; i < p->nnotes && i < SM_P1_MAX_NOTES; i++)
            fprintf(stderr, "%s: %s: telegram %llu: note: line %u at offset %llu: %s\n", progname,
                    a->source, (unsigned long long)smd_telegram_no(t), p->notes[i].line,
                    (unsigned long long)(at + p->notes[i].offset),
                    sm_p1_note_text((sm_p1_note_kind)p->notes[i].kind));
        if (p->nnotes > SM_P1_MAX_NOTES)
            fprintf(stderr, "%s: %s: telegram %llu: note: %u more lines\n", progname, a->source,
                    (unsigned long long)smd_telegram_no(t),
                    (unsigned)(p->nnotes - SM_P1_MAX_NOTES));
    }
    if (!t->err && t->implied_disagree && !quiet) {
        smd_out_flush(&a->out);
        fprintf(stderr,
                "%s: %s: telegram %llu: note: the active power exceeds voltage x current "
                "whatever the currents' implied scaler (0.01 A, 0.1 A, 1 A): a value or the "
                "list's scalers are wrong (a layout file can give them)\n",
                progname, a->source, (unsigned long long)smd_telegram_no(t));
    }
    smd_render_telegram(a->render, t);
}

static void on_hex_bytes(void *ctx, const uint8_t *p, size_t n)
{
    app *a = ctx;
    sm_decoder_feed(&a->dec, p, n);
}

static void on_hex_error(void *ctx, smd_hex_err e, uint64_t line, uint64_t col, uint8_t ch)
{
    app *a = ctx;
    a->input_errors++;
    smd_out_flush(&a->out);
    if (e == SMD_HEX_ODD)
        fprintf(stderr, "%s: %s:%llu:%llu: odd number of hex digits in the token that starts here; its last digit is ignored\n",
                progname, a->source, (unsigned long long)line, (unsigned long long)col);
    else if (ch >= 0x20 && ch < 0x7F)
        fprintf(stderr, "%s: %s:%llu:%llu: '%c' is not a hex digit; rest of the line skipped\n",
                progname, a->source, (unsigned long long)line, (unsigned long long)col, ch);
    else
        fprintf(stderr,
                "%s: %s:%llu:%llu: byte 0x%02X is not a hex digit; rest of the line skipped%s\n",
                progname, a->source, (unsigned long long)line, (unsigned long long)col, ch,
                a->binary ? "" : " (binary input? use --binary)");
}

static void feed(app *a, const char *p, size_t n)
{
    a->stream_bytes += n;
    if (!a->binary && !a->kind_known) {
        /* hex, or P1 text: the first character that is not white space tells */
        size_t i = strspn(p, " \t\r\n");
        i = i < n ? i : n;
        if (i < n) {
            a->kind_known = true;
            a->p1_text = p[i] == '/' || (uint8_t)p[i] == ('/' | 0x80); /* 7E1 read as 8N1 */
            if (a->p1_text) {
                p += i;
                n -= i;
            }
        }
    }
    if (a->binary || a->p1_text)
        sm_decoder_feed(&a->dec, (const uint8_t *)p, n);
    else
        smd_hexin_feed(&a->hex, p, n);
}

static void begin_input(app *a, const char *source)
{
    a->source = source;
    a->stream_telegrams = 0;
    a->stream_bytes = 0;
    a->p1_text = a->kind_known = false;
    sm_decoder_new_stream(&a->dec);
    smd_hexin_init(&a->hex, on_hex_bytes, on_hex_error, a);
}

static const char *plural(uint64_t n) { return n == 1 ? "" : "s"; }

/* The end of an input.  stopped: a live line that --count, --seconds or a
 * signal ended, where a telegram cut by the stop is no failure. */
static void end_input(app *a, bool stopped)
{
    if (!a->binary)
        smd_hexin_finish(&a->hex);
    if (stopped)
        sm_decoder_stop(&a->dec);
    else
        sm_decoder_finish(&a->dec);
    sm_decoder_stats st;
    sm_decoder_get_stats(&a->dec, &st);
    const sm_decoder_stats *s = &st;
    /* bytes as the decoder saw them: after hex decoding */
    uint64_t bytes = a->binary || a->p1_text ? a->stream_bytes : a->hex.bytes_out;
    char said[SM_PORT_PEER_TEXT_MAX + 2];
    if (a->stream_telegrams == 0) {
        a->empty_inputs++; /* exit status 1 */
        smd_out_flush(&a->out);
        if (a->stream_bytes == 0 && a->live)
            fprintf(stderr,
                    "%s: %s: nothing arrived (is the meter's customer port switched on, the "
                    "cable in the right socket, the M-Bus adapter powered?)\n",
                    progname, a->source);
        else if (a->stream_bytes == 0)
            fprintf(stderr, "%s: %s: empty input: no telegram\n", progname, a->source);
        else if (bytes == 0)
            fprintf(stderr, "%s: %s: no hex digits in %llu characters: no telegram%s\n",
                    progname, a->source, (unsigned long long)a->stream_bytes,
                    a->hex.errors ? " (is it binary? use --binary)" : "");
        else if (a->tcp && sm_port_peer_text(a->first, a->first_len, said, sizeof said))
            fprintf(stderr, "%s: %s: no telegram found; the server said: %s (another program "
                    "may hold its serial port: ser2net lets one client in at a time)\n",
                    progname, a->source, said);
        else
            fprintf(stderr, "%s: %s: no telegram found in %llu byte%s%s\n", progname, a->source,
                    (unsigned long long)bytes, plural(bytes),
                    a->tcp ? " (the server's serial side may have other line settings than the "
                             "meter's: in ser2net.yaml the connector's, such as 2400e81; "
                             "--baud and --parity do nothing over tcp://)"
                    : a->live ? " (other line settings? see --baud and --parity)"
                    : !a->binary && a->hex.errors ? " (is it binary? use --binary)" : "");
    } else if (s->bytes_discarded && !quiet) {
        smd_out_flush(&a->out);
        fprintf(stderr, "%s: %s: note: %llu byte%s outside any telegram %s skipped\n", progname,
                a->source, (unsigned long long)s->bytes_discarded, plural(s->bytes_discarded),
                s->bytes_discarded == 1 ? "was" : "were");
    }
    if (s->checksum_ignored && !quiet) {
        smd_out_flush(&a->out);
        fprintf(stderr,
                "%s: %s: note: %llu frame%s with a wrong checksum %s decoded all the same "
                "(--no-verify-checksum)\n",
                progname, a->source, (unsigned long long)s->checksum_ignored,
                plural(s->checksum_ignored), s->checksum_ignored == 1 ? "was" : "were");
    }
    if (s->p1_unchecked && !quiet) {
        smd_out_flush(&a->out);
        fprintf(stderr,
                "%s: %s: note: %llu P1 telegram%s without a CRC (or with one of fewer than "
                "four digits) %s accepted unchecked\n",
                progname, a->source, (unsigned long long)s->p1_unchecked, plural(s->p1_unchecked),
                s->p1_unchecked == 1 ? "was" : "were");
    }
}

/* Returns false when the file cannot be read (a usage-class error). */
static bool read_fd(app *a, int fd)
{
    static char buf[1 << 20];
    struct stat st;
#ifdef F_SETPIPE_SZ
    /* a capture piped in: a larger pipe means fewer, larger reads */
    if (fstat(fd, &st) == 0 && S_ISFIFO(st.st_mode))
        (void)fcntl(fd, F_SETPIPE_SZ, 1 << 20);
#else
    (void)st;
#endif
    for (;;) {
        ssize_t n = read(fd, buf, sizeof buf);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            smd_out_flush(&a->out);
            fprintf(stderr, "%s: %s: read error: %s\n", progname, a->source, strerror(errno));
            return false;
        }
        if (n == 0)
            return true;
        feed(a, buf, (size_t)n);
        /* a read that did not fill the buffer: the input has nothing more
         * for now (a pipe, a FIFO, a terminal): what was decoded goes out
         * at once, not when the input ends */
        if ((size_t)n < sizeof buf)
            smd_out_flush(&a->out);
    }
}

/* The output's sink: standard output (the only file descriptor a renderer's
 * text reaches). */
static int write_all(void *ctx, const char *p, size_t n)
{
    int fd = *(const int *)ctx;
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return errno;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* ---- keys ------------------------------------------------------------------ */

/* A key from a file: hex text, or exactly 16 or 32 raw bytes.  Exits with
 * status 2 on failure; the message never contains the file's content. */
static size_t key_from_file(const char *opt, const char *path, uint8_t key[32])
{
    size_t len = 0;
    sm_keyfile_info info;
    sm_err e = sm_keyfile_read(path, key, &len, &info);
    if (e == SM_ERR_ARG) {
        fprintf(stderr, "%s: %s %s: %s\n", progname, opt, path,
                sm_file_error(info.open_rc, info.errno_value));
        exit(EXIT_USAGE);
    }
    if (e) {
        fprintf(stderr,
                "%s: %s %s: not a key (expected 32 or 64 hex digits, or 16 or 32 raw bytes)\n",
                progname, opt, path);
        exit(EXIT_USAGE);
    }
    return len;
}

static size_t key_from_arg(const char *what, char *hex, uint8_t key[32])
{
    size_t len = 0;
    sm_err e = sm_key_from_hex(hex, key, &len);
    /* keep the key out of /proc/PID/cmdline from now on */
    memset(hex, 'x', strlen(hex));
    if (e) {
        fprintf(stderr, "%s: %s: not a valid key (expected 32 or 64 hex digits)\n", progname,
                what);
        exit(EXIT_USAGE);
    }
    return len;
}

static size_t key_from_env(const char *var, uint8_t key[32])
{
    const char *v = getenv(var);
    if (!v || !*v)
        return 0;
    char *copy = strdup(v);
    if (!copy) {
        fprintf(stderr, "%s: out of memory\n", progname);
        exit(EXIT_USAGE);
    }
    size_t len = 0;
    sm_err e = sm_key_from_hex(copy, key, &len);
    sm_wipe(copy, strlen(copy));
    free(copy);
    if (e) {
        fprintf(stderr, "%s: %s: not a valid key (expected 32 or 64 hex digits)\n", progname,
                var);
        exit(EXIT_USAGE);
    }
    return len;
}

/* ---- main ------------------------------------------------------------------ */

enum {
    OPT_KEY_FILE = 256,
    OPT_AUTH_KEY_FILE,
    OPT_NO_VERIFY,
    OPT_BAUD,
    OPT_PARITY,
    OPT_DATA_BITS,
    OPT_STOP_BITS,
    OPT_PROBE,
    OPT_SUGGEST_LAYOUT,
    OPT_NO_VERIFY_CHECKSUM
};

/* the layouts of --layout-file, before the built-in ones */
static sm_layout_set user_layouts;
static bool have_user_layouts;

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
} options;

/* --layout-file: a file that cannot be read or has an error is a usage
 * error that names the file and the line */
static void layout_file(const char *path)
{
    char msg[400];
    if (!have_user_layouts)
        sm_layout_set_init(&user_layouts);
    have_user_layouts = true;
    if (sm_layoutfile_load(&user_layouts, path, msg, sizeof msg))
        die_usage("--layout-file: %s", msg);
}

/* A whole number lo..hi for an option, or a usage error. */
static long long number_option(const char *opt, const char *arg, long long lo, long long hi)
{
    char *end;
    errno = 0;
    long long v = strtoll(arg, &end, 10);
    if (errno || end == arg || *end || v < lo || v > hi)
        die_usage("%s: '%s' is not a whole number from %lld to %lld", opt, arg, lo, hi);
    return v;
}

/* The options of a live line (--device and its settings); false when c is
 * none of them. */
static bool live_option(int c, const char *arg, options *o)
{
    switch (c) {
    case 'd': o->device = arg; break;
    case OPT_PROBE: o->probe = true; break;
    case OPT_BAUD: o->baud = (int)number_option("--baud", arg, 50, 4000000); break;
    case OPT_DATA_BITS: o->data_bits = (int)number_option("--data-bits", arg, 5, 8); break;
    case OPT_STOP_BITS: o->stop_bits = (int)number_option("--stop-bits", arg, 1, 2); break;
    case OPT_PARITY:
        o->parity = -1;
        for (int p = 0; p < 3; p++)
            if (strcmp(arg, sm_parity_names[p]) == 0)
                o->parity = p;
        if (o->parity < 0)
            die_usage("--parity: '%s' is not even, odd or none", arg);
        break;
    case 'n': o->count = (uint64_t)number_option("--count", arg, 1, 1000000000000LL); break;
    case 't': {
        char *end;
        errno = 0;
        o->seconds = strtod(arg, &end);
        if (errno || end == arg || *end || !(o->seconds > 0) || o->seconds > 1e9)
            die_usage("--seconds: '%s' is not a number of seconds above 0", arg);
        break;
    }
    default: return false;
    }
    return true;
}

/* What --device, --probe and the line options allow together. */
static void check_live_options(int argc, char **argv, const options *o)
{
    bool line_given = o->baud || o->data_bits || o->stop_bits || o->parity >= 0;
    if (!o->device && (line_given || o->count || o->seconds > 0 || o->probe))
        die_usage("--baud, --parity, --data-bits, --stop-bits, --count, --seconds and --probe "
                  "need --device");
    if (o->probe && (line_given || o->count))
        die_usage("--probe tries the line settings itself: no --baud, --parity, --data-bits, "
                  "--stop-bits or --count with it");
    if (o->device && optind < argc)
        die_usage("--device reads the line: no other input ('%s') with it", argv[optind]);
}

/* The options of layouts and checksums; false when c is none of them. */
static bool layout_option(int c, const char *arg, options *o)
{
    switch (c) {
    case OPT_SUGGEST_LAYOUT: o->format = "layout"; break;
    case OPT_NO_VERIFY_CHECKSUM: o->verify_checksum = false; break;
    case 'L': layout_file(arg); break;
    default: return false;
    }
    return true;
}

/* The command line; exits on usage errors, --help and --version. */
static void parse_options(int argc, char **argv, options *o)
{
    static const struct option opts[] = {
        {"binary", no_argument, NULL, 'b'},
        {"framing", required_argument, NULL, 'F'},
        {"key", required_argument, NULL, 'k'},
        {"key-file", required_argument, NULL, OPT_KEY_FILE},
        {"auth-key", required_argument, NULL, 'a'},
        {"auth-key-file", required_argument, NULL, OPT_AUTH_KEY_FILE},
        {"no-verify-tag", no_argument, NULL, OPT_NO_VERIFY},
        {"format", required_argument, NULL, 'f'},
        {"layers", no_argument, NULL, 'l'},
        {"quiet", no_argument, NULL, 'q'},
        {"device", required_argument, NULL, 'd'},
        {"baud", required_argument, NULL, OPT_BAUD},
        {"parity", required_argument, NULL, OPT_PARITY},
        {"data-bits", required_argument, NULL, OPT_DATA_BITS},
        {"stop-bits", required_argument, NULL, OPT_STOP_BITS},
        {"count", required_argument, NULL, 'n'},
        {"seconds", required_argument, NULL, 't'},
        {"probe", no_argument, NULL, OPT_PROBE},
        {"suggest-layout", no_argument, NULL, OPT_SUGGEST_LAYOUT},
        {"layout-file", required_argument, NULL, 'L'},
        {"no-verify-checksum", no_argument, NULL, OPT_NO_VERIFY_CHECKSUM},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    int c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":bF:k:a:f:lqd:n:t:L:hV", opts, NULL)) != -1) {
        switch (c) {
        case 'b': o->binary = true; break;
        case 'F':
            if ((o->framing = sm_link_parse(optarg)) < 0)
                die_usage("unknown framing '%s' (auto, mbus, hdlc, wrapper, raw, p1)", optarg);
            break;
        case 'k': o->ek_len = key_from_arg("--key", optarg, o->ek); break;
        case OPT_KEY_FILE: o->ek_len = key_from_file("--key-file", optarg, o->ek); break;
        case 'a': o->ak_len = key_from_arg("--auth-key", optarg, o->ak); break;
        case OPT_AUTH_KEY_FILE: o->ak_len = key_from_file("--auth-key-file", optarg, o->ak); break;
        case OPT_NO_VERIFY: o->verify = false; break;
        case 'f':
            if (!smd_format_known(optarg))
                die_usage("unknown format '%s' (xml, json, csv, text, layout)", optarg);
            o->format = optarg;
            break;
        case 'l': o->layers = true; break;
        case 'q': quiet = true; break;
        case 'h': usage(stdout); exit(0);
        case 'V':
            printf("smdecode %s\n", SM_VERSION);
            exit(0);
        case ':': die_usage("option '%s' needs an argument", argv[optind - 1]);
        default: {
            if (live_option(c, optarg, o) || layout_option(c, optarg, o))
                break;
            char opt[3] = {'-', (char)optopt, 0};
            die_usage("unknown option '%s'", optopt ? opt : argv[optind - 1]);
        }
        }
    }
    check_live_options(argc, argv, o);
    if (!o->ek_len)
        o->ek_len = key_from_env("SMDECODE_KEY", o->ek);
    if (!o->ak_len)
        o->ak_len = key_from_env("SMDECODE_AUTH_KEY", o->ak);
}

/* One command-line argument: "-", a file, or hex.  False on a usage-class
 * error (an unreadable file, not hex). */
static bool run_argument(app *a, const char *arg, int number)
{
    struct stat st;
    if (strcmp(arg, "-") == 0) {
        begin_input(a, "<stdin>");
        bool ok = read_fd(a, STDIN_FILENO);
        end_input(a, false);
        return ok;
    }
    if (stat(arg, &st) == 0) {
        int fd = open(arg, O_RDONLY | O_CLOEXEC);
        if (fd < 0 || S_ISDIR(st.st_mode)) {
            fprintf(stderr, "%s: %s: %s\n", progname, arg,
                    fd < 0 ? strerror(errno) : "is a directory");
            if (fd >= 0)
                close(fd);
            return false;
        }
        begin_input(a, arg);
        bool ok = read_fd(a, fd);
        close(fd);
        end_input(a, false);
        return ok;
    }
    if (a->binary || strspn(arg, "0123456789abcdefABCDEFxX :,-.\t\n") != strlen(arg)) {
        fprintf(stderr, "%s: %s: %s\n", progname, arg,
                a->binary ? strerror(errno) : "no such file, and not hex");
        return false;
    }
    char name[32];
    snprintf(name, sizeof name, "argument %d", number);
    begin_input(a, name);
    feed(a, arg, strlen(arg));
    end_input(a, false);
    return true;
}

/* ---- a live line ------------------------------------------------------------ */

static void on_live_bytes(void *ctx, const uint8_t *p, size_t n)
{
    app *a = ctx;
    sm_port_keep_first(a->first, &a->first_len, p, n);
    feed(a, (const char *)p, n);
    smd_out_flush(&a->out); /* each telegram out when its last byte came */
}

static bool live_done(void *ctx)
{
    const app *a = ctx;
    return a->live_count && a->stream_telegrams >= a->live_count;
}

/* A descriptor that becomes readable at SIGINT or SIGTERM: the cancel_fd of
 * sm_port_read_for and sm_probe_run (Ctrl-C ends a live line or a probe). */
static int sig_pipe[2] = {-1, -1};

static void on_signal(int sig)
{
    (void)sig;
    int e = errno;
    if (write(sig_pipe[1], "", 1) < 0) { /* full: a signal is already waiting */
    }
    errno = e;
}

static int signal_fd(void)
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
static sm_line live_line(const options *o)
{
    sm_line ln = sm_port_default_line(o->framing == SM_LINK_P1);
    if (o->baud)
        ln.baud = o->baud;
    if (o->data_bits)
        ln.data_bits = o->data_bits;
    if (o->stop_bits)
        ln.stop_bits = o->stop_bits;
    if (o->parity >= 0)
        ln.parity = (sm_parity)o->parity;
    return ln;
}

/* --device: reads the line until --count, --seconds or a signal, then one
 * summary line on standard error.  Returns an exit status. */
static int run_live(app *a, const options *o)
{
    sm_line ln = live_line(o);
    char line[48] = ""; /* a TCP line's settings are the server's */
    if (!sm_port_is_tcp(o->device)) {
        memcpy(line, " at ", 4);
        sm_line_text(&ln, line + 4, sizeof line - 4);
    }
    char err[SM_PORT_ERR_MAX] = "";
    sm_port port;
    sm_port_library_init();
    int cancel = signal_fd();
    if (!sm_port_open(&port, o->device, &ln, cancel, 5000, err, sizeof err)) {
        fprintf(stderr, "%s: %s\n", progname, err);
        return EXIT_USAGE;
    }
    a->live = a->binary = true;
    a->tcp = sm_port_is_tcp(o->device);
    a->live_count = o->count;
    begin_input(a, o->device);
    sm_port_sink sink = {on_live_bytes, live_done, a};
    double elapsed;
    sm_read_end end = sm_port_read_for(&port, o->seconds, cancel, &sink, &elapsed, err, sizeof err);
    sm_port_close(&port);
    end_input(a, end != SM_READ_LOST);
    smd_out_flush(&a->out);
    if (end == SM_READ_LOST)
        fprintf(stderr, "%s: %s: the line went away: %s\n", progname, o->device, err);
    sm_decoder_stats st;
    sm_decoder_get_stats(&a->dec, &st);
    char period[64] = "";
    if (a->stream_telegrams >= 2 && a->last_at - a->first_at >= 0.01)
        snprintf(period, sizeof period, ", a telegram every %.2f s",
                 (a->last_at - a->first_at) / (double)(a->stream_telegrams - 1));
    char stop[96] = ""; /* a telegram cut by a stop on purpose is no failure */
    if (end != SM_READ_LOST && st.bytes_cut)
        snprintf(stop, sizeof stop, " (stopped; %llu byte%s of a telegram under way not decoded)",
                 (unsigned long long)st.bytes_cut, plural(st.bytes_cut));
    else if (end == SM_READ_CANCELLED)
        snprintf(stop, sizeof stop, " (stopped)");
    fprintf(stderr,
            "%s: %s%s: %llu telegram%s in %.1f s (%llu decoded; %llu link/checksum, %llu "
            "security, %llu parse error%s), %llu byte%s of %llu discarded%s%s\n",
            progname, o->device, line, (unsigned long long)a->stream_telegrams,
            plural(a->stream_telegrams), elapsed, (unsigned long long)st.ok,
            (unsigned long long)st.link_errors, (unsigned long long)st.security_errors,
            (unsigned long long)st.parse_errors, plural(st.parse_errors),
            (unsigned long long)st.bytes_discarded, plural(st.bytes_discarded),
            (unsigned long long)a->stream_bytes, period, stop);
    return end == SM_READ_LOST ? EXIT_FAILED : 0;
}

/* ---- --probe --------------------------------------------------------------- */

static void on_probe_step(void *ctx, const sm_probe_result *r)
{
    (void)ctx;
    char l[32];
    sm_line_text(&r->line, l, sizeof l);
    fprintf(stderr, "%s: %-10s %6llu bytes in %4.1f s, %llu telegram%s verified%s%s\n", progname,
            l, (unsigned long long)r->bytes, r->seconds, (unsigned long long)r->good,
            plural(r->good), r->link_errors ? ", link errors after the first" : "",
            r->proven ? ": proven" : "");
}

/* The line and the link layer of the proven setting, in words and as a
 * <Meter> block for collectd.conf. */
static void print_verdict(const sm_probe_result *r, const options *o)
{
    sm_line line = sm_probe_line(r);
    char l[32];
    sm_line_text(&line, l, sizeof l);
    if (r->tcp)
        printf("settings:   the server's own (its serial side reads the meter)%s\n",
               r->p1_parity ? "; the bytes carry 7E1 parity bits" : "");
    else
        printf("settings:   %s%s\n", l, r->p1_parity ? " (read as 8N1 it decodes too)" : "");
    printf("link layer: %s, %u frame%s per telegram\n", sm_link_name(r->link), r->frames,
           r->frames == 1 ? "" : "s");
    if (r->period > 0)
        printf("push:       a telegram every %.*f s (%s, %llu telegrams)\n",
               r->period < 1 ? 2 : 1, r->period,
               r->period_by_clock ? "the meter's clock" : "as they arrived",
               (unsigned long long)r->good);
    if (r->ciphered) {
        char sc[128], m[4];
        smd_sc_text(r->sc, sc, sizeof sc);
        smd_title_manufacturer(r->title, m);
        printf("security:   %s; system title %02X%02X%02X%02X%02X%02X%02X%02X", sc, r->title[0],
               r->title[1], r->title[2], r->title[3], r->title[4], r->title[5], r->title[6],
               r->title[7]);
        if (m[0]) /* a manufacturer's letters: the rest is its serial number */
            printf(", manufacturer %s, serial %02X%02X%02X%02X%02X", m, r->title[3], r->title[4],
                   r->title[5], r->title[6], r->title[7]);
        printf("\n");
        printf("keys:       %s\n", !r->err ? "the keys given decrypt it"
                                 : r->key_diag ? sm_key_diag_text(r->key_diag)
                                               : sm_strerror(r->err));
    } else {
        printf("security:   not encrypted\n");
    }
    printf("\n<Plugin smartmeter>\n  <Meter \"meter\">\n    Device \"%s\"\n", o->device);
    if (!r->tcp) { /* a network serial server's are set on the server */
        printf("    Baud %d\n", line.baud);
        if (line.data_bits != 8)
            printf("    DataBits %d\n", line.data_bits);
        printf("    Parity \"%s\"\n", sm_parity_names[line.parity]);
    }
    printf("    Framing \"%s\"\n", sm_link_name(r->link));
    if (r->ciphered)
        printf("    KeyFile \"/etc/collectd/meter.key\"\n");
    if (r->ciphered && (r->sc & SM_SC_AUTH))
        printf("    AuthKeyFile \"/etc/collectd/meter.ak\"   # or VerifyTag false\n");
    printf("  </Meter>\n</Plugin>\n");
}

static int run_probe(const options *o)
{
    sm_probe_opts po = {o->device,     o->seconds > 0 ? o->seconds : 12,
                        o->ek_len ? o->ek : NULL, o->ak_len ? o->ak : NULL,
                        o->ek_len,     o->ak_len,
                        o->verify,     signal_fd(),
                        (sm_link)o->framing};
    sm_probe_result res[SM_PROBE_SETTINGS];
    size_t n;
    char err[SM_PORT_ERR_MAX];
    bool tcp = sm_port_is_tcp(o->device);
    if (tcp)
        fprintf(stderr, "%s: probing %s (a network serial server: its line settings are its "
                "own), up to %.0f s\n", progname, o->device, po.seconds);
    else
        fprintf(stderr, "%s: probing %s: %d settings%s, up to %.0f s each\n", progname,
                o->device, SM_PROBE_SETTINGS,
                o->framing == SM_LINK_P1 ? " (P1's first)" : "", po.seconds);
    sm_probe_end end = sm_probe_run(&po, res, &n, on_probe_step, NULL, err, sizeof err);
    switch (end) {
    case SM_PROBE_FOUND: print_verdict(&res[n - 1], o); return 0;
    case SM_PROBE_FAILED: fprintf(stderr, "%s: %s\n", progname, err); return EXIT_USAGE;
    case SM_PROBE_STOPPED: fprintf(stderr, "%s: stopped\n", progname); return EXIT_FAILED;
    case SM_PROBE_SILENT:
        fprintf(stderr,
                "%s: %s: nothing arrived in %.0f s. The usual causes: the customer port is "
                "switched off (ask the grid operator, often in its portal); the cable is in "
                "the wrong socket or on the wrong pins (M-Bus: RJ12 pins 3 and 4); the M-Bus "
                "adapter has no power; another program reads the port; the meter pushes less "
                "often than every %.0f s (try a longer --seconds)\n",
                progname, o->device, res[0].seconds, po.seconds);
        return EXIT_FAILED;
    default: break;
    }
    if (tcp) {
        fprintf(stderr,
                "%s: %s: bytes arrive, but no telegram verifies: the server's serial side may "
                "have other line settings than the meter's (in ser2net.yaml the connector's, "
                "such as 2400e81 for M-Bus, 115200n81 for P1), or the meter pushes less often "
                "than every %.0f s (try a longer --seconds)\n",
                progname, o->device, po.seconds / 2);
        return EXIT_FAILED;
    }
    fprintf(stderr,
            "%s: %s: no setting gives telegrams that verify: bytes arrive, but not at 2400, "
            "9600, 19200, 38400 or 115200 baud with 8E1, 8N1 or 7E1, or the meter pushes less "
            "often than every %.0f s (try a longer --seconds)\n",
            progname, o->device, po.seconds / 2);
    return EXIT_FAILED;
}

/* After the last input: the output's end, and the exit status. */
static int finish(app *a, int status)
{
    const char *problem = smd_render_end(a->render);
    if (problem)
        fprintf(stderr, "%s: %s\n", progname, problem);
    int werr = smd_out_close(&a->out);
    smd_render_free(a->render);
    sm_decoder_wipe(&a->dec);
    if (werr) {
        fprintf(stderr, "%s: write error: %s\n", progname, strerror(werr));
        return EXIT_USAGE;
    }
    sm_decoder_stats st;
    sm_decoder_get_stats(&a->dec, &st);
    if (status == 0 &&
        (a->failed || a->input_errors || a->empty_inputs || problem)) {
        status = EXIT_FAILED;
        if (!quiet && a->failed && st.telegrams > 1)
            fprintf(stderr, "%s: %llu of %llu telegrams failed\n", progname,
                    (unsigned long long)(a->failed > st.telegrams ? st.telegrams : a->failed),
                    (unsigned long long)st.telegrams);
    }
    return status;
}

int main(int argc, char **argv)
{
    static options o = {.verify = true, .verify_checksum = true, .framing = SM_LINK_AUTO,
                        .format = "xml", .parity = -1};
    parse_options(argc, argv, &o);
    if (o.probe) { /* a line, not inputs: no decoder or renderer of its own */
        int status = run_probe(&o);
        sm_wipe(o.ek, sizeof o.ek);
        sm_wipe(o.ak, sizeof o.ak);
        return status;
    }
    app *a = calloc(1, sizeof *a);
    if (!a) {
        fprintf(stderr, "%s: out of memory\n", progname);
        return EXIT_USAGE;
    }
    a->binary = o.binary;
    static const int out_fd = STDOUT_FILENO;
    smd_out_init(&a->out, write_all, (void *)&out_fd);
    a->render = smd_render_new(o.format, o.layers, &a->out);
    if (!a->render) {
        fprintf(stderr, "%s: out of memory\n", progname);
        return EXIT_USAGE;
    }
    sm_decoder_init(&a->dec, (sm_link)o.framing, on_telegram, a);
    sm_decoder_set_layouts(&a->dec, have_user_layouts ? &user_layouts : NULL);
    sm_decoder_ignore_checksums(&a->dec, !o.verify_checksum);
    sm_err e = sm_decoder_set_keys(&a->dec, o.ek_len ? o.ek : NULL, o.ek_len,
                                   o.ak_len ? o.ak : NULL, o.ak_len, o.verify);
    sm_wipe(o.ek, sizeof o.ek);
    sm_wipe(o.ak, sizeof o.ak);
    if (e) {
        fprintf(stderr, "%s: %s\n", progname, sm_strerror(e));
        return EXIT_USAGE;
    }
    int status = 0;
    if (o.device)
        status = run_live(a, &o);
    else if (optind == argc && !run_argument(a, "-", 0))
        status = EXIT_USAGE;
    for (int i = optind; i < argc && status != EXIT_USAGE; i++)
        if (!run_argument(a, argv[i], i - optind + 1))
            status = EXIT_USAGE;
    status = finish(a, status);
    free(a);
    return status;
}
