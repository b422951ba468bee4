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

#include "smd_app.h"
#include "smd_live.h"
#include "smd_probe.h"
#include "smio_keyfile.h"
#include "smio_layoutfile.h"


static void usage(FILE *f)
{
    char modes[128]; /* the modes after auto */
    sm_choices_text(sm_link_names + 1, SM_LINK_COUNT - 1, NULL, modes, sizeof modes);
    fprintf(f,
            "Usage: smdecode [OPTION]... [HEX | FILE | -]...\n"
            "Decode smart meter telegrams: DLMS/COSEM (M-Bus, HDLC, DLMS wrapper, bare APDUs)\n"
            "P1 text (DSMR, e-MUCS, D0), SML (Germany) and TIC (France's Linky and older\n"
            "meters), encrypted or not, from hex, text or binary captures.\n"
            "\n"
            "Each argument is a file when one of that name exists, '-' for standard input,\n"
            "otherwise hex; with no argument standard input is read.  An input that begins\n"
            "with '/' (P1) or STX (TIC) is text and is read as it is.\n"
            "\n"
            "Input:\n"
            "  -b, --binary             the input is binary (e.g. cat /dev/ttyUSB0 > capture.bin)\n"
            "  -F, --framing=MODE       auto (default), %s\n"
            "Live line (instead of inputs; each telegram written as it arrives):\n"
            "  -d, --device=DEV         a serial port (/dev/ttyUSB0) or tcp://host:port\n"
            "      --baud=N             default 2400; --framing=p1 115200, sml 9600, tic 1200\n"
            "                           (a Linky in standard mode: 9600)\n"
            "      --parity=P           even (default), odd or none (p1, sml: none)\n"
            "      --data-bits=N        5 to 8 (default 8; tic: 7)\n"
            "      --stop-bits=N        1 (default) or 2\n"
            "  -n, --count=N            stop after N telegrams\n"
            "  -t, --seconds=S          stop after S seconds (else at Ctrl-C)\n"
            "      --probe              find the line settings: try each (up to --seconds,\n"
            "                           default 12, at each) and print a <Meter> block\n"
            "      --serve-p1=HOST:PORT serve each telegram as DSMR P1 over TCP to any\n"
            "                           number of clients (PORT alone: loopback; no\n"
            "                           authentication: whoever connects reads it)\n"
            "Keys (never printed; prefer a file or the environment to the command line):\n"
            "  -k, --key=HEX            the encryption key (32 or 64 hex digits)\n"
            "      --key-file=FILE      read it from FILE (hex, or 16/32 raw bytes)\n"
            "  -a, --auth-key=HEX       the authentication key\n"
            "      --auth-key-file=FILE read it from FILE\n"
            "      --no-verify-tag      decrypt without checking the authentication tag\n"
            "                           environment: SMDECODE_KEY, SMDECODE_AUTH_KEY\n"
            "Output:\n"
            "  -f, --format=FORMAT      xml (default), json, csv, text, p1 (a DSMR 5 P1\n"
            "                           telegram of any meter) or layout\n"
            "  -l, --layers             also the link frames, the security header and the\n"
            "                           plaintext (xml, json)\n"
            "  -q, --quiet              no per-telegram error lines on standard error\n"
            "      --suggest-layout     for a list no layout knows, print a layout file to\n"
            "                           edit (its types, and each element's value)\n"
            "Layouts:\n"
            "  -L, --layout-file=FILE   read layouts from FILE first (may be repeated)\n"
            "      --no-verify-checksum decode frames whose M-Bus checksum or HDLC FCS is\n"
            "                           wrong (counted and said; for meters that get it wrong)\n"
            "      --quirk=NAME         the meter bug to correct: auto (default: the quirk\n"
            "                           that matches the meter), none, or a quirk's name\n"
            "      --whole-frames       TIC: a frame with a group that fails is refused\n"
            "                           whole (by default the group is left out and\n"
            "                           counted, the frame's other groups read)\n"
            "  -h, --help               this help\n"
            "  -V, --version            the version\n"
            "\n"
            "Exit status: 0 all telegrams decoded, 1 some failed or none found (or the\n"
            "line went away), 2 usage error, unreadable file or device, malformed key.\n"
            "See smdecode(1).\n",
            modes);
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
        smd_app_feed(a, buf, (size_t)n);
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
    smio_keyfile_info info;
    sm_err e = smio_keyfile_read(path, key, &len, &info);
    if (e == SM_ERR_IO) {
        fprintf(stderr, "%s: %s %s: %s\n", progname, opt, path,
                smio_file_error(info.open_rc, info.errno_value));
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
    OPT_NO_VERIFY_CHECKSUM,
    OPT_WHOLE_FRAMES,
    OPT_QUIRK,
    OPT_SERVE_P1
};

/* the layouts of --layout-file, before the built-in ones */
static sm_layout_set user_layouts;
static bool have_user_layouts;


/* --layout-file: a file that cannot be read or has an error is a usage
 * error that names the file and the line */
static void layout_file(const char *path)
{
    char msg[400];
    if (!have_user_layouts)
        sm_layout_set_init(&user_layouts);
    have_user_layouts = true;
    if (smio_layoutfile_load(&user_layouts, path, msg, sizeof msg))
        die_usage("--layout-file: %s", msg);
}

/* --quirk (after every --layout-file): none, or a quirk of theirs or the
 * built-in ones; a name no quirk has is a usage error that lists them */
static void set_quirk(sm_decoder *d, const char *name)
{
    const sm_layout_set *user = have_user_layouts ? &user_layouts : NULL;
    if (!name)
        return;
    if (strcmp(name, "none") == 0) {
        sm_decoder_set_quirks(d, SM_QUIRKS_NONE, NULL);
        return;
    }
    const sm_quirk *q = sm_quirk_named(user, name);
    if (!q) {
        char names[512];
        sm_quirk_names(user, "", names, sizeof names);
        die_usage("--quirk: no quirk is named '%s' (auto, none%s)", name, names);
    }
    sm_decoder_set_quirks(d, SM_QUIRKS_NAMED, q);
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
    case OPT_SERVE_P1: o->serve_p1 = arg; break;
    case OPT_BAUD: o->baud = (int)number_option("--baud", arg, 50, 4000000); break;
    case OPT_DATA_BITS: o->data_bits = (int)number_option("--data-bits", arg, 5, 8); break;
    case OPT_STOP_BITS: o->stop_bits = (int)number_option("--stop-bits", arg, 1, 2); break;
    case OPT_PARITY:
        o->parity = -1;
        for (int p = 0; p < 3; p++)
            if (strcmp(arg, smio_parity_names[p]) == 0)
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
    if (!o->device && (line_given || o->count || o->seconds > 0 || o->probe || o->serve_p1))
        die_usage("--baud, --parity, --data-bits, --stop-bits, --count, --seconds, --probe "
                  "and --serve-p1 need --device");
    if (o->probe && o->serve_p1)
        die_usage("--probe finds the line settings: no --serve-p1 with it");
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
    case OPT_WHOLE_FRAMES: o->whole_frames = true; break;
    case 'L': layout_file(arg); break;
    case OPT_QUIRK: o->quirk = strcmp(arg, "auto") == 0 ? NULL : arg; break;
    default: return false;
    }
    return true;
}

/* --framing's mode */
static int framing_arg(const char *arg)
{
    int f = sm_link_parse(arg);
    if (f < 0) {
        char modes[128];
        sm_choices_text(sm_link_names, SM_LINK_COUNT, NULL, modes, sizeof modes);
        die_usage("unknown framing '%s' (%s)", arg, modes);
    }
    return f;
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
        {"whole-frames", no_argument, NULL, OPT_WHOLE_FRAMES},
        {"serve-p1", required_argument, NULL, OPT_SERVE_P1},
        {"quirk", required_argument, NULL, OPT_QUIRK},
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
            o->framing = framing_arg(optarg);
            break;
        case 'k': o->ek_len = key_from_arg("--key", optarg, o->ek); break;
        case OPT_KEY_FILE: o->ek_len = key_from_file("--key-file", optarg, o->ek); break;
        case 'a': o->ak_len = key_from_arg("--auth-key", optarg, o->ak); break;
        case OPT_AUTH_KEY_FILE: o->ak_len = key_from_file("--auth-key-file", optarg, o->ak); break;
        case OPT_NO_VERIFY: o->verify = false; break;
        case 'f':
            if (!smd_format_known(optarg))
                die_usage("unknown format '%s' (xml, json, csv, text, p1, layout)", optarg);
            o->format = optarg;
            break;
        case 'l': o->layers = true; break;
        case 'q': o->quiet = true; break;
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
        smd_app_begin_input(a, "<stdin>");
        bool ok = read_fd(a, STDIN_FILENO);
        smd_app_end_input(a, false);
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
        smd_app_begin_input(a, arg);
        bool ok = read_fd(a, fd);
        close(fd);
        smd_app_end_input(a, false);
        return ok;
    }
    if (a->binary || strspn(arg, "0123456789abcdefABCDEFxX :,-.\t\n") != strlen(arg)) {
        fprintf(stderr, "%s: %s: %s\n", progname, arg,
                a->binary ? strerror(errno) : "no such file, and not hex");
        return false;
    }
    char name[32];
    snprintf(name, sizeof name, "argument %d", number);
    smd_app_begin_input(a, name);
    smd_app_feed(a, arg, strlen(arg));
    smd_app_end_input(a, false);
    return true;
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
        if (!a->quiet && a->failed && st.telegrams > 1)
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
        int status = smd_run_probe(&o);
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
    a->quiet = o.quiet;
    static const int out_fd = STDOUT_FILENO;
    smd_out_init(&a->out, write_all, (void *)&out_fd);
    a->render = smd_render_new(o.format, o.layers, &a->out);
    if (!a->render) {
        fprintf(stderr, "%s: out of memory\n", progname);
        return EXIT_USAGE;
    }
    sm_decoder_init(&a->dec, (sm_link)o.framing, smd_app_on_telegram, a);
    sm_decoder_set_layouts(&a->dec, have_user_layouts ? &user_layouts : NULL);
    sm_decoder_ignore_checksums(&a->dec, !o.verify_checksum);
    sm_decoder_tic_whole(&a->dec, o.whole_frames);
    set_quirk(&a->dec, o.quirk);
    a->quirk_auto = !o.quirk;
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
        status = smd_run_live(a, &o);
    else if (optind == argc && !run_argument(a, "-", 0))
        status = EXIT_USAGE;
    for (int i = optind; i < argc && status != EXIT_USAGE; i++)
        if (!run_argument(a, argv[i], i - optind + 1))
            status = EXIT_USAGE;
    status = finish(a, status);
    free(a);
    return status;
}
