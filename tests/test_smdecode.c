/* test_smdecode.c - the smdecode program as users run it: JSON values equal
 * the synthetic expect files exactly, the XML has the Gurux translator's
 * element structure and raw values, every bad input of the catalogue gets
 * its own message and exit status, keys never show, the hex reader takes
 * what people paste. */
#define _GNU_SOURCE
#include <CUnit/CUnit.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <unistd.h>

#include "smd_out.h"
#include "test_run.h"
#include "test_util.h"

#define KEY_HEX "000102030405060708090A0B0C0D0E0F"
#define AK_HEX "D0D1D2D3D4D5D6D7D8D9DADBDCDDDEDF"

static char *fixture_path(const char *rel)
{
    static char path[1024];
    snprintf(path, sizeof path, "%s/%s", FIXTURES_DIR, rel);
    return path;
}

/* ---- JSON equals the expect files --------------------------------------- */

/* The expect file's values found in smdecode's readings, each the same
 * number (raw, value, unit); how many were found. */
static unsigned values_matched(json_object *readings, json_object *values)
{
    unsigned matched = 0;
    json_object_object_foreach(values, key, v)
    {
        (void)key;
        sm_obis ob;
        CU_ASSERT_FATAL(sm_obis_parse(json_object_get_string(json_object_object_get(v, "obis")),
                                      &ob));
        char iec[32];
        sm_obis_format(&ob, iec, sizeof iec);
        for (size_t i = 0; i < json_object_array_length(readings); i++) {
            json_object *rd = json_object_array_get_idx(readings, i);
            if (strcmp(json_object_get_string(json_object_object_get(rd, "obis")), iec))
                continue;
            matched++;
            CU_ASSERT_EQUAL(json_object_get_int64(json_object_object_get(rd, "raw")),
                            json_object_get_int64(json_object_object_get(v, "raw")));
            /* The same number.  smdecode prints the exact decimal
             * (2401 with scaler -1 is 240.1); the expect files were
             * written as raw * 10**scaler in binary floating point
             * (2401 * 0.1 = 240.10000000000002).  Equal doubles, or
             * exactly those two computations of the same raw value. */
            double gv = json_object_get_double(json_object_object_get(rd, "value"));
            double wv = json_object_get_double(json_object_object_get(v, "value"));
            int64_t raw = json_object_get_int64(json_object_object_get(rd, "raw"));
            int sc = json_object_get_int(json_object_object_get(rd, "scaler"));
            static const double p10[] = {1, 10, 100, 1000};
            static const double n10[] = {1, 0.1, 0.01, 0.001};
            bool same = gv == wv || (sc < 0 && sc > -4 && gv == (double)raw / p10[-sc] &&
                                     wv == (double)raw * n10[-sc]);
            if (!same)
                fprintf(stderr, "\n    %s: got %.17g want %.17g", iec, gv, wv);
            CU_ASSERT(same);
            CU_ASSERT_STRING_EQUAL(json_object_get_string(json_object_object_get(rd, "unit")),
                                   json_object_get_string(json_object_object_get(v, "unit")));
        }
    }
    return matched;
}

static void json_vs_expect(const char *base, bool auth)
{
    char hexfile[2048], expfile[128], akarg[2048];
    snprintf(expfile, sizeof expfile, "synthetic/%s.hex", base);
    snprintf(hexfile, sizeof hexfile, "%s", fixture_path(expfile));
    snprintf(expfile, sizeof expfile, "synthetic/%s.expect.jsonl", base);
    snprintf(akarg, sizeof akarg, "%s", fixture_path("synthetic/test.ak"));
    const char *args[] = {"-f", "json", "--key", KEY_HEX, auth ? "--auth-key-file" : hexfile,
                          auth ? akarg : NULL, auth ? hexfile : NULL, NULL};
    run_result r = run(args, NULL, 0, NULL);
    CU_ASSERT_EQUAL(r.status, 0);
    CU_ASSERT_STRING_EQUAL(r.err, "");
    char *save = NULL;
    unsigned k = 0;
    static char exp[16384];
    for (char *line = strtok_r(r.out, "\n", &save); line; line = strtok_r(NULL, "\n", &save), k++) {
        CU_ASSERT_FATAL(fixture_line(expfile, k, exp, sizeof exp));
        json_object *got = json_tokener_parse(line), *want = json_tokener_parse(exp), *o, *w;
        CU_ASSERT_PTR_NOT_NULL_FATAL(got);
        CU_ASSERT_PTR_NOT_NULL_FATAL(want);
        CU_ASSERT_EQUAL((unsigned)k + 1, (unsigned)json_object_get_int64(
                                            json_object_object_get(got, "telegram")));
        json_object_object_get_ex(got, "frame_counter", &o);
        json_object_object_get_ex(want, "frame_counter", &w);
        CU_ASSERT_EQUAL(json_object_get_int64(o), json_object_get_int64(w));
        /* meter local time; the expect files give it without the offset */
        json_object_object_get_ex(got, "time", &o);
        json_object_object_get_ex(want, "time", &w);
        char t[64];
        snprintf(t, sizeof t, "%s+02:00", json_object_get_string(w));
        CU_ASSERT_STRING_EQUAL(json_object_get_string(o), t);
        CU_ASSERT_EQUAL(json_object_get_boolean(json_object_object_get(got, "authenticated")),
                        auth);
        json_object *readings = json_object_object_get(got, "readings");
        json_object *values = json_object_object_get(want, "values");
        CU_ASSERT_EQUAL_FATAL(json_object_array_length(readings), 15);
        CU_ASSERT_EQUAL(values_matched(readings, values), 12);
        json_object_put(got);
        json_object_put(want);
    }
    CU_ASSERT(k >= 20);
    run_free(&r);
}

static void test_json_mbus(void) { json_vs_expect("vkw-mbus-enc", false); }
static void test_json_hdlc(void) { json_vs_expect("vkw-hdlc-enc", false); }
static void test_json_raw(void) { json_vs_expect("vkw-raw-enc", false); }
static void test_json_auth(void) { json_vs_expect("vkw-mbus-auth", true); }

/* ---- XML has the Gurux translator's structure ---------------------------- */

/* The element lines (comments dropped, indentation stripped) between the
 * n-th <DataNotification> and its end tag. */
static size_t elements(const char *text, unsigned n, char lines[][128], size_t cap)
{
    const char *p = text;
    for (unsigned i = 0; i <= n; i++) {
        p = strstr(p, "<DataNotification>");
        if (!p)
            return 0;
        p += 1;
    }
    p--;
    size_t k = 0;
    while (*p && k < cap) {
        const char *e = strchr(p, '\n');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        const char *s = p;
        while (len && *s == ' ') {
            s++;
            len--;
        }
        while (len && (s[len - 1] == '\r' || s[len - 1] == ' '))
            len--; /* the reference has CR LF line ends */
        if (len && strncmp(s, "<!--", 4) != 0) {
            snprintf(lines[k], 128, "%.*s", (int)len, s);
            k++;
            if (strncmp(s, "</DataNotification>", 19) == 0)
                break;
        }
        if (!e)
            break;
        p = e + 1;
    }
    return k;
}

static void test_xml_gurux_structure(void)
{
    const char *args[] = {"--key", KEY_HEX, fixture_path("synthetic/vkw-mbus-enc.first3.hex"), NULL};
    run_result r = run(args, NULL, 0, NULL);
    CU_ASSERT_EQUAL(r.status, 0);
    char *ref = fixture_read("synthetic/vkw-mbus-enc.first3.gurux.xml", NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(ref);
    static char a[400][128], b[400][128];
    for (unsigned n = 0; n < 3; n++) {
        size_t na = elements(r.out, n, a, 400), nb = elements(ref, n, b, 400);
        CU_ASSERT_EQUAL(na, nb);
        CU_ASSERT(na > 100);
        for (size_t i = 0; i < na && i < nb; i++)
            if (strcmp(a[i], b[i])) {
                fprintf(stderr, "\n    telegram %u line %zu: got %s, gurux %s\n", n, i, a[i], b[i]);
                CU_FAIL("element differs from the Gurux translator");
                break;
            }
    }
    /* and the annotations users read */
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "<!--1.0.32.7.0.255 Voltage L1-->"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "<!--228.4 V-->"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "<!--2023-08-21T23:23:00+02:00 (2023-08-21T21:23:00Z)-->"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "<!--\"1KFM0200014196\"-->"));
    free(ref);
    run_free(&r);
}

/* ---- the catalogue of bad inputs ----------------------------------------- */

static char *hex_of(const uint8_t *p, size_t n)
{
    char *s = malloc(2 * n + 2);
    hex_encode(p, n, s, 2 * n + 1);
    strcat(s, "\n");
    return s;
}

static char *synthetic_line(unsigned k)
{
    static char line[4096];
    CU_ASSERT_FATAL(fixture_line("synthetic/vkw-mbus-enc.hex", k, line, sizeof line - 2));
    strcat(line, "\n");
    return line;
}

/* feed `input` as hex on stdin; expect the exit status and a message */
static void expect_bad(const char *input, size_t len, const char *const *extra, int status,
                       const char *message)
{
    const char *args[16] = {"-f", "json"};
    int n = 2;
    for (; extra && extra[n - 2]; n++)
        args[n] = extra[n - 2];
    args[n] = NULL;
    run_result r = run(args, input, len, NULL);
    if (r.status != status || !strstr(r.err, message))
        fprintf(stderr, "\n    want status %d and \"%s\"; got %d: %s", status, message, r.status,
                r.err);
    CU_ASSERT_EQUAL(r.status, status);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.err, message));
    /* the JSON output stays valid, line by line */
    char *save = NULL;
    for (char *l = strtok_r(r.out, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
        json_object *o = json_tokener_parse(l);
        CU_ASSERT_PTR_NOT_NULL(o);
        json_object_put(o);
    }
    run_free(&r);
}

static const char *const WITH_KEY[] = {"--key", KEY_HEX, NULL};

static void test_bad_empty(void)
{
    expect_bad("", 0, NULL, 1, "<stdin>: empty input: no telegram");
    expect_bad("  \n# only a comment\n", 19, NULL, 1, "<stdin>: no hex digits in 19 characters: no telegram");
}

static void test_bad_odd(void)
{
    char *l = synthetic_line(0);
    char in[4200];
    snprintf(in, sizeof in, "68 FA F\n%s", l);
    expect_bad(in, strlen(in), WITH_KEY, 1, "<stdin>:1:7: odd number of hex digits");
}

static void test_bad_nonhex(void)
{
    char in[4200];
    snprintf(in, sizeof in, "68FA ZZ\n%s", synthetic_line(1));
    expect_bad(in, strlen(in), WITH_KEY, 1, "<stdin>:1:6: 'Z' is not a hex digit");
    /* and the telegram on the next line is still decoded */
    const char *args[] = {"-f", "csv", "--key", KEY_HEX, NULL};
    run_result r = run(args, in, strlen(in), NULL);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, ",7015,"));
    run_free(&r);
}

static void test_bad_truncated(void)
{
    char in[4200];
    snprintf(in, sizeof in, "%.600s\n", synthetic_line(0));
    expect_bad(in, strlen(in), WITH_KEY, 1,
               "telegram 1: input: input ends inside a frame in frame 2 at offset 256");
}

static void test_bad_checksum(void)
{
    /* second telegram, its second frame's checksum (the byte before 0x16) */
    char in[8400];
    char *l0 = strdup(synthetic_line(0)), *l1 = strdup(synthetic_line(1));
    size_t n1 = strlen(l1) - 1; /* without the newline */
    l1[n1 - 4] = l1[n1 - 4] == '0' ? '1' : '0';
    snprintf(in, sizeof in, "%s%s%s", l0, l1, synthetic_line(2));
    expect_bad(in, strlen(in), WITH_KEY, 1,
               "telegram 2: link: m-bus checksum mismatch in frame 2 at offset 632");
    /* telegrams 1 and 3 are still there */
    const char *args[] = {"-f", "csv", "--key", KEY_HEX, NULL};
    run_result r = run(args, in, strlen(in), NULL);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "\n1,2023-08-21T23:23:00+02:00"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "\n2,,,,,mbus_checksum"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "\n3,2023-08-21T23:23:10+02:00"));
    run_free(&r);
    free(l0);
    free(l1);
}

static void test_bad_fcs(void)
{
    char line[4096];
    CU_ASSERT_FATAL(fixture_line("synthetic/vkw-hdlc-enc.hex", 0, line, sizeof line - 2));
    size_t n = strlen(line);
    line[n - 4] = line[n - 4] == '0' ? '1' : '0'; /* inside the FCS */
    strcat(line, "\n");
    expect_bad(line, strlen(line), WITH_KEY, 1,
               "telegram 1: link: hdlc fcs mismatch in frame 1 at offset 0");
}

static void test_bad_wrong_key(void)
{
    const char *const wrong[] = {"--key", "0F0E0D0C0B0A09080706050403020100", NULL};
    char *l = synthetic_line(0);
    expect_bad(l, strlen(l), wrong, 1,
               "telegram 1: security: decrypted payload is not valid: likely wrong key");
}

static void test_bad_tag(void)
{
    char line[4096];
    CU_ASSERT_FATAL(fixture_line("synthetic/vkw-mbus-auth.hex", 0, line, sizeof line - 2));
    strcat(line, "\n");
    const char *const wrong_ak[] = {"--key", KEY_HEX, "--auth-key",
                                    "D0D1D2D3D4D5D6D7D8D9DADBDCDDDEDE", NULL};
    expect_bad(line, strlen(line), wrong_ak, 1,
               "telegram 1: security: authentication tag mismatch at offset 18 of the apdu");
    /* --no-verify-tag decrypts it anyway */
    const char *args[] = {"-f", "json", "--key", KEY_HEX, "--no-verify-tag", NULL};
    run_result r = run(args, line, strlen(line), NULL);
    CU_ASSERT_EQUAL(r.status, 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "\"authenticated\":false"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "\"frame_counter\":7014"));
    run_free(&r);
}

/* an unencrypted notification in one M-Bus frame */
static char *mbus_hex(const uint8_t *apdu, size_t len)
{
    uint8_t frame[600];
    size_t n = build_mbus(frame, sizeof frame, apdu, len, 245);
    CU_ASSERT_FATAL(n > 0);
    return hex_of(frame, n);
}

static void test_bad_apdu_tag(void)
{
    static const uint8_t get_response[] = {0xC4, 0x01, 0xC1, 0x00, 0x12, 0x08, 0xEC};
    char *in = mbus_hex(get_response, sizeof get_response);
    expect_bad(in, strlen(in), NULL, 1, "telegram 1: apdu: unsupported apdu at offset 0 of the apdu");
    free(in);
}

static void test_bad_depth(void)
{
    uint8_t apdu[128] = {0x0F, 0, 0, 0, 1, 0x00};
    size_t n = 6;
    for (int i = 0; i < 40; i++) {
        apdu[n++] = 0x02;
        apdu[n++] = 0x01;
    }
    apdu[n++] = 0x11;
    apdu[n++] = 0x05;
    char *in = mbus_hex(apdu, n);
    expect_bad(in, strlen(in), NULL, 1, "telegram 1: a-xdr: a-xdr nesting too deep at offset");
    free(in);
}

static void test_bad_length(void)
{
    /* an octet-string that claims 0x50 bytes with 3 left: the offset names
     * the length field */
    static const uint8_t apdu[] = {0x0F, 0, 0, 0, 1, 0x00, 0x02, 0x01, 0x09, 0x50, 0x41, 0x42, 0x43};
    char *in = mbus_hex(apdu, sizeof apdu);
    expect_bad(in, strlen(in), NULL, 1,
               "telegram 1: a-xdr: a-xdr length beyond the input at offset 9 of the apdu");
    free(in);
}

static void test_usage_errors(void)
{
    static const struct {
        const char *args[6];
        const char *message;
    } cases[] = {
        {{"--bogus", NULL}, "unknown option '--bogus'"},
        {{"-f", "yaml", NULL}, "unknown format 'yaml'"},
        {{"--framing", "zigbee", NULL}, "unknown framing 'zigbee'"},
        {{"--key", "0011", NULL}, "--key: not a valid key"},
        {{"--key", NULL}, "option '--key' needs an argument"},
        {{"--key-file", "/nonexistent/key", NULL}, "--key-file /nonexistent/key: No such file"},
        {{"/nonexistent/capture.hex", NULL}, "/nonexistent/capture.hex: no such file, and not hex"},
        {{"--binary", "/nonexistent/capture.bin", NULL}, "No such file"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        run_result r = run(cases[i].args, NULL, 0, NULL);
        if (r.status != 2 || !strstr(r.err, cases[i].message))
            fprintf(stderr, "\n    case %zu: status %d: %s", i, r.status, r.err);
        CU_ASSERT_EQUAL(r.status, 2);
        CU_ASSERT_PTR_NOT_NULL(strstr(r.err, cases[i].message));
        run_free(&r);
    }
    const char *help[] = {"--help", NULL}, *version[] = {"--version", NULL};
    run_result r = run(help, NULL, 0, NULL);
    CU_ASSERT_EQUAL(r.status, 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "Usage: smdecode"));
    run_free(&r);
    r = run(version, NULL, 0, NULL);
    CU_ASSERT_EQUAL(r.status, 0);
    CU_ASSERT_EQUAL(strncmp(r.out, "smdecode ", 9), 0);
    run_free(&r);
}

/* ---- keys never show ------------------------------------------------------ */

static bool contains_key(const run_result *r, const char *hex)
{
    return strcasestr(r->out, hex) || strcasestr(r->err, hex);
}

static void test_keys_never_printed(void)
{
    char *good = synthetic_line(0);
    const char *wrong = "0F0E0D0C0B0A09080706050403020100";
    const char *formats[] = {"xml", "json", "csv", "text"};
    for (int f = 0; f < 4; f++) {
        const char *a1[] = {"-f", formats[f], "-l", "--key", KEY_HEX, "--auth-key", AK_HEX, NULL};
        run_result r = run(a1, good, strlen(good), NULL);
        CU_ASSERT_EQUAL(r.status, 0);
        CU_ASSERT(!contains_key(&r, KEY_HEX) && !contains_key(&r, AK_HEX));
        run_free(&r);
        const char *a2[] = {"-f", formats[f], "-l", "--key", wrong, NULL};
        r = run(a2, good, strlen(good), NULL);
        CU_ASSERT_EQUAL(r.status, 1);
        CU_ASSERT(!contains_key(&r, wrong));
        run_free(&r);
    }
    const char *a3[] = {"-f", "json", NULL};
    run_result r = run(a3, good, strlen(good), "SMDECODE_KEY=" KEY_HEX);
    CU_ASSERT_EQUAL(r.status, 0);
    CU_ASSERT(!contains_key(&r, KEY_HEX));
    run_free(&r);
    /* a malformed key is named, never echoed */
    const char *a4[] = {"--key", "00112233445566778899AABBCCDDEEFFGG", NULL};
    r = run(a4, good, strlen(good), NULL);
    CU_ASSERT_EQUAL(r.status, 2);
    CU_ASSERT(!strstr(r.err, "00112233445566778899"));
    run_free(&r);
    r = run(a3, good, strlen(good), "SMDECODE_KEY=00112233445566778899AABBCCDDEE");
    CU_ASSERT_EQUAL(r.status, 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.err, "SMDECODE_KEY: not a valid key"));
    CU_ASSERT(!strstr(r.err, "0011223344"));
    run_free(&r);
}

/* ---- what people paste ------------------------------------------------------ */

static void test_hex_styles(void)
{
    /* the same two telegrams: plain lines; both on one line; "0x" bytes with
     * commas; colon-separated and wrapped at 77 columns with comments */
    char *l0 = strdup(synthetic_line(0)), *l1 = strdup(synthetic_line(1));
    l0[strlen(l0) - 1] = l1[strlen(l1) - 1] = '\0';
    size_t cap = 64 * 1024;
    char *plain = malloc(cap), *oneline = malloc(cap), *ox = malloc(cap), *colon = malloc(cap);
    snprintf(plain, cap, "%s\n%s\n", l0, l1);
    snprintf(oneline, cap, "%s%s", l0, l1);
    size_t a = 0, b = 0, col = 0;
    b += (size_t)snprintf(colon + b, cap - b, "# a capture\n");
    for (const char *p = plain; *p; p += 2) {
        if (*p == '\n') {
            p--;
            continue;
        }
        a += (size_t)snprintf(ox + a, cap - a, "0x%c%c, ", p[0], p[1]);
        b += (size_t)snprintf(colon + b, cap - b, "%c%c:", p[0], p[1]);
        col += 3;
        if (col >= 75) {
            b += (size_t)snprintf(colon + b, cap - b, "\n");
            col = 0;
        }
    }
    const char *args[] = {"-f", "json", "--key", KEY_HEX, NULL};
    run_result r0 = run(args, plain, strlen(plain), NULL);
    CU_ASSERT_EQUAL(r0.status, 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(r0.out, "\"frame_counter\":7015"));
    const char *variants[] = {oneline, ox, colon};
    for (int v = 0; v < 3; v++) {
        run_result r = run(args, variants[v], strlen(variants[v]), NULL);
        CU_ASSERT_EQUAL(r.status, 0);
        /* the same telegrams at the same offsets */
        CU_ASSERT_STRING_EQUAL(r.out, r0.out);
        run_free(&r);
    }
    run_free(&r0);
    /* a hex argument instead of a file */
    const char *argv_hex[] = {"-f", "csv", "--key", KEY_HEX, l0, NULL};
    run_result r = run(argv_hex, NULL, 0, NULL);
    CU_ASSERT_EQUAL(r.status, 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "\n1,2023-08-21T23:23:00+02:00,2023-08-21T21:23:00Z,"
                                         "4B464D1020003774,7014,"));
    run_free(&r);
    free(plain);
    free(oneline);
    free(ox);
    free(colon);
    free(l0);
    free(l1);
}

/* binary input through the same deframer, garbage around the telegrams */
static void test_binary(void)
{
    const char *args[] = {"-f", "csv", "--binary", "--key", KEY_HEX,
                          fixture_path("captures/vkw-mbus-garbage.bin"), NULL};
    run_result r = run(args, NULL, 0, NULL);
    CU_ASSERT_EQUAL(r.status, 0);
    for (int fc = 7014; fc < 7019; fc++) {
        char want[32];
        snprintf(want, sizeof want, ",%d,,", fc);
        CU_ASSERT_PTR_NOT_NULL(strstr(r.out, want));
    }
    CU_ASSERT_PTR_NOT_NULL(strstr(r.err, "note: 83 bytes outside any telegram were skipped"));
    run_free(&r);
}

/* from a pipe: each telegram's output is written when the telegram is
 * complete, not when the input ends (binary and hex input) */
static void live_pipe(bool binary)
{
    const char *args_bin[] = {"--binary", "-f", "json", "--key", KEY_HEX, "-", NULL};
    const char *args_hex[] = {"-f", "json", "--key", KEY_HEX, "-", NULL};
    live_run *l = malloc(sizeof *l);
    live_start(l, binary ? args_bin : args_hex);
    for (unsigned k = 0; k < 3; k++) {
        char line[2048];
        uint8_t bytes[1024];
        CU_ASSERT_FATAL(fixture_line("synthetic/vkw-mbus-enc.hex", k, line, sizeof line));
        if (binary) {
            size_t n = hex_decode(line, bytes, sizeof bytes);
            CU_ASSERT_FATAL(n != (size_t)-1);
            live_write(l, bytes, n);
        } else {
            strcat(line, "\n");
            live_write(l, line, strlen(line));
        }
        /* the input stays open: the output is there all the same */
        CU_ASSERT_EQUAL(live_wait_lines(l, (int)k + 1), (int)k + 1);
        char want[40];
        snprintf(want, sizeof want, "\"frame_counter\":%u,", 7014 + k);
        CU_ASSERT_PTR_NOT_NULL(strstr(l->buf, want));
    }
    CU_ASSERT_EQUAL(live_end(l), 0);
    free(l);
}
static void test_live_pipe_binary(void) { live_pipe(true); }
static void test_live_pipe_hex(void) { live_pipe(false); }

/* JSON strings: whatever byte stands wherever, at every length around a
 * value's usual size, it is written as itself when it is printable ASCII
 * but '"' and '\\', as \" or \\ for those two, and as \u00XX for the
 * others */
static void test_json_str_bytes(void)
{
    static smd_out o;
    smd_out_init(&o, NULL, NULL);
    uint8_t s[24];
    char want[24 + 8];
    unsigned bad = 0, escaped = 0;
    for (size_t n = 1; n <= sizeof s; n++)
        for (size_t at = 0; at < n; at++)
            for (unsigned b = 0; b < 256; b++) {
                memset(s, 'a', sizeof s);
                s[at] = (uint8_t)b;
                smd_out_json_str(&o, s, n);
                char e[8];
                if (b == '"' || b == '\\')
                    snprintf(e, sizeof e, "\\%c", b);
                else if (b < 0x20 || b >= 0x7F)
                    snprintf(e, sizeof e, "\\u00%02X", b);
                else
                    snprintf(e, sizeof e, "%c", b);
                escaped += e[0] == '\\';
                int k = snprintf(want, sizeof want, "\"%.*s%s%.*s\"", (int)at, (const char *)s,
                                 e, (int)(n - at - 1), (const char *)s + at + 1);
                size_t len;
                const char *got = smd_out_text(&o, &len);
                bad += len != (size_t)k || memcmp(got, want, len) != 0;
                smd_out_discard(&o);
            }
    CU_ASSERT_EQUAL(bad, 0);
    /* per length and position: 32 control characters, '"', '\\', DEL and
     * the 128 bytes above it */
    unsigned positions = 0;
    for (size_t n = 1; n <= sizeof s; n++)
        positions += (unsigned)n;
    CU_ASSERT_EQUAL(escaped, positions * (32u + 2u + 1u + 128u));
}

static const test_case smdecode_cases[] = {
    {"json equals the expect files: m-bus", test_json_mbus},
    {"json equals the expect files: hdlc", test_json_hdlc},
    {"json equals the expect files: raw", test_json_raw},
    {"json equals the expect files: authenticated", test_json_auth},
    {"xml has the gurux structure and raw values", test_xml_gurux_structure},
    {"bad input: empty", test_bad_empty},
    {"bad input: odd number of hex digits", test_bad_odd},
    {"bad input: non-hex characters", test_bad_nonhex},
    {"bad input: truncated frame", test_bad_truncated},
    {"bad input: m-bus checksum", test_bad_checksum},
    {"bad input: hdlc fcs", test_bad_fcs},
    {"bad input: wrong key", test_bad_wrong_key},
    {"bad input: tag mismatch", test_bad_tag},
    {"bad input: unknown apdu tag", test_bad_apdu_tag},
    {"bad input: nesting too deep", test_bad_depth},
    {"bad input: length beyond the input", test_bad_length},
    {"usage errors, --help, --version", test_usage_errors},
    {"from a pipe: each telegram out at once (binary)", test_live_pipe_binary},
    {"from a pipe: each telegram out at once (hex)", test_live_pipe_hex},
    {"keys never printed", test_keys_never_printed},
    {"hex as people paste it", test_hex_styles},
    {"binary capture with garbage", test_binary},
    {"json strings: every byte at every position written or escaped as JSON says", test_json_str_bytes},
    {NULL, NULL}};
const test_suite suite_smdecode = {"smdecode", smdecode_cases};


extern const test_suite suite_smdecode_lost, suite_smdecode_p1, suite_smdecode_sml,
    suite_roundtrip;

const test_suite *const test_suites[] = {&suite_smdecode, &suite_smdecode_lost,
                                         &suite_smdecode_p1, &suite_smdecode_sml,
                                         &suite_roundtrip, NULL};
