/* test_smdecode_lost.c - nothing lost without a word, as users run
 * smdecode: the reproducers of the "nothing lost" review (bare APDUs after
 * garbage, APDUs whose body fails, bcd, empty bodies, JSON that keeps every
 * value, CSV with more than 256 objects, the small messages), and a stream
 * of every link layer with failures at each layer: exit status 1, one
 * message per failed telegram with its offset, every good one decoded. */
#include <CUnit/CUnit.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_run.h"
#include "test_util.h"

#define G "0F0000000100020209060100010800FF0600001234"

static run_result smdecode_args(const char *const *args) { return run(args, "", 0, NULL); }
#define smdecode(...) smdecode_args((const char *const[]){__VA_ARGS__, NULL})

static unsigned lines(const char *s)
{
    unsigned n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

#define HAS(hay, needle)                                                                   \
    do {                                                                                   \
        if (!strstr(hay, needle))                                                          \
            fprintf(stderr, "\n    %s:%d: no \"%s\" in:\n%.800s", __FILE__, __LINE__, needle, \
                    hay);                                                                  \
        CU_ASSERT_PTR_NOT_NULL(strstr(hay, needle));                                       \
    } while (0)
#define HASNT(hay, needle)                                                                 \
    do {                                                                                   \
        if (strstr(hay, needle))                                                           \
            fprintf(stderr, "\n    %s:%d: \"%s\" in:\n%.800s", __FILE__, __LINE__, needle, hay); \
        CU_ASSERT_PTR_NULL(strstr(hay, needle));                                           \
    } while (0)

static void test_auto_finds_bare_apdus(void)
{
    run_result r = smdecode("-f", "json", G " 00 " G);
    CU_ASSERT_EQUAL(r.status, 0);
    CU_ASSERT_EQUAL(lines(r.out), 2);
    run_free(&r);
    r = smdecode("-f", "json", G " 0F000000020007 " G " " G);
    CU_ASSERT_EQUAL(r.status, 1);
    CU_ASSERT_EQUAL(lines(r.out), 4);
    HAS(r.err, "telegram 2: a-xdr: unknown a-xdr data type in frame 1 at offset 27");
    HAS(r.err, "1 of 4 telegrams failed");
    run_free(&r);
}

static void test_raw_body_failure_reported(void)
{
    char d[200] = "0F0000000200";
    for (int i = 0; i < 17; i++)
        strcat(d, "0201");
    strcat(d, "00");
    char in[400];
    snprintf(in, sizeof in, "%s %s %s", G, d, G);
    run_result r = smdecode("--framing", "raw", "-f", "json", in);
    CU_ASSERT_EQUAL(r.status, 1);
    CU_ASSERT_EQUAL(lines(r.out), 3);
    HAS(r.out, "\"error\":\"axdr_depth\"");
    HAS(r.err, "telegram 2: a-xdr: a-xdr nesting too deep in frame 1 at offset 59");
    run_free(&r);
}

static void test_messages(void)
{
    /* bytes counted after hex decoding; no "binary?" for clean hex */
    char zeros[85];
    memset(zeros, '0', 84);
    zeros[84] = '\0';
    run_result r = smdecode(zeros);
    CU_ASSERT_EQUAL(r.status, 1);
    HAS(r.err, "no telegram found in 42 bytes");
    HASNT(r.err, "binary");
    run_free(&r);
    /* a length beyond the input, named as such and where */
    r = smdecode("-f", "json", "0F000000010009054142");
    CU_ASSERT_EQUAL(r.status, 1);
    HAS(r.err, "a-xdr length beyond the input in frame 1 at offset 7");
    HASNT(r.err, "ends inside a frame");
    HASNT(r.err, "skipped");
    run_free(&r);
    /* a bare APDU cut short: its frame listed, its bytes not also skipped */
    r = smdecode("--framing", "raw", "-f", "xml", "0F00000001000201");
    HAS(r.out, "<RawApdu Offset=\"0\" Length=\"8\" />");
    HASNT(r.out, "not listed");
    HASNT(r.err, "skipped");
    run_free(&r);
    r = smdecode("--framing", "raw", "-f", "json", "--layers", "0F00000001000201");
    HAS(r.out, "\"frames\":1,\"frame_list\":[{\"offset\":0,\"length\":8,\"payload\":0}]");
    run_free(&r);
    /* singular */
    r = smdecode(G "00");
    HAS(r.err, "note: 1 byte outside any telegram was skipped");
    run_free(&r);
}

static void test_bcd_formats_agree(void)
{
    run_result r = smdecode("-f", "xml", "0F00000001000D3D");
    HAS(r.out, "<Bcd Value=\"3D\" />");
    run_free(&r);
    r = smdecode("-f", "xml", "0F00000001000DFF");
    HAS(r.out, "<Bcd Value=\"FF\" />");
    run_free(&r);
    r = smdecode("-f", "json", "0F00000001000DFF");
    HAS(r.out, "\"raw\":\"FF\"");
    HAS(r.out, "\"value\":null,\"invalid\":\"bcd digit above 9\"");
    run_free(&r);
    r = smdecode("-f", "csv", "0F00000001000D3D");
    HAS(r.out, ",3D\n");
    run_free(&r);
    /* a valid one is its decimal value everywhere */
    r = smdecode("-f", "json", "0F00000001000D42");
    HAS(r.out, "\"raw\":42");
    run_free(&r);
    r = smdecode("-f", "xml", "0F00000001000D42");
    HAS(r.out, "<Bcd Value=\"42\" />");
    run_free(&r);
}

static void test_empty_bodies(void)
{
    static const char *const in[] = {"0F00000001000100", "0F00000001000200", "0F0000000100018100"};
    for (int i = 0; i < 3; i++) {
        run_result r = smdecode("-f", "json", in[i]);
        CU_ASSERT_EQUAL(r.status, 0);
        HAS(r.out, "\"layout\":\"empty\",\"readings\":[]");
        run_free(&r);
        r = smdecode("-f", "xml", in[i]);
        HAS(r.out, "Qty=\"00\"");
        run_free(&r);
    }
}

/* JSON keeps every value: NaN and infinities, bit counts, dates, times,
 * nested structures, integers beyond 2^53, impossible dates flagged */
static void test_json_keeps_every_value(void)
{
    static const struct {
        const char *body, *want;
    } cases[] = {
        {"177FC00000", "\"raw\":\"7FC00000\",\"scaler\":null,\"unit\":null,\"value\":null,\"nonfinite\":\"NaN\""},
        {"18FFF0000000000000", "\"value\":null,\"nonfinite\":\"-Infinity\""},
        {"0403A0", "\"type\":\"bit-string\",\"bits\":3,\"value\":\"101\""},
        {"1A07E8021D04", "\"type\":\"date\",\"value\":\"2024-02-29\""},
        {"1B0C223A4E", "\"type\":\"time\",\"value\":\"12:34:58.78\""},
        {"15FFFFFFFFFFFFFFFF", "\"raw\":\"18446744073709551615\",\"scaler\":null,\"unit\":null,\"value\":\"18446744073709551615\""},
        {"148000000000000000", "\"raw\":\"-9223372036854775808\""},
        {"1500000000001FFFFF", "\"raw\":2097151"}, /* small ones stay numbers */
        {"1907E8021E04000000FF800000", "\"type\":\"date-time\",\"value\":null,\"invalid\":\"not a date-time\""},
        {"0201020419" "07E8021D0400000000FFC400" "120001120002" "0A08506F776572207570",
         "\"type\":\"structure\",\"value\":[{\"type\":\"date-time\",\"raw\":\"07E8021D0400000000FFC400\","
         "\"value\":\"2024-02-29T00:00:00+01:00\"},{\"type\":\"long-unsigned\",\"value\":1},"
         "{\"type\":\"long-unsigned\",\"value\":2},{\"type\":\"visible-string\",\"raw\":\"506F776572207570\","
         "\"value\":\"Power up\"}]"},
        {"17BF800000", "\"raw\":-1.0,\"scaler\":null,\"unit\":null,\"value\":-1.0"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char in[200];
        snprintf(in, sizeof in, "0F0000000100%s", cases[i].body);
        run_result r = smdecode("-f", "json", in);
        CU_ASSERT_EQUAL(r.status, 0);
        HAS(r.out, cases[i].want);
        json_object *o = json_tokener_parse(r.out);
        CU_ASSERT_PTR_NOT_NULL(o);
        json_object_put(o);
        run_free(&r);
    }
    /* the notification's own date-time, February 30th */
    run_result r = smdecode("-f", "json", "0F000000010C07E8021E05000000FF8000000100");
    HAS(r.out, "\"datetime_invalid\":\"07E8021E05000000FF800000\"");
    HASNT(r.out, "\"time\"");
    run_free(&r);
}

/* more than 256 distinct objects: every one gets its column */
static void test_csv_many_columns(void)
{
    size_t cap = 1 << 16, n = 0;
    char *in = malloc(cap);
    for (unsigned t = 0; t < 30; t++) {
        /* 10 objects each, 300 in all: {1-0:96.50+t.k*255, t*10+k} */
        n += (size_t)snprintf(in + n, cap - n, "0F00000001000281%02X", 10);
        for (unsigned k = 0; k < 10; k++)
            n += (size_t)snprintf(in + n, cap - n, "02020906010060%02X%02XFF12%04X", 50 + t, k,
                                  t * 10 + k);
        in[n++] = '\n';
    }
    const char *args[] = {"-f", "csv", "-", NULL};
    run_result r = run(args, in, n, NULL);
    free(in);
    CU_ASSERT_EQUAL(r.status, 0);
    HASNT(r.err, "left out");
    /* the last header names all 300 objects; the last row has its 10 values */
    char *last = NULL;
    for (char *p = r.out; (p = strstr(p, "telegram,time")); p++)
        last = p;
    CU_ASSERT_PTR_NOT_NULL_FATAL(last);
    unsigned cols = 0;
    for (char *p = last; *p && *p != '\n'; p++)
        cols += *p == ',';
    CU_ASSERT_EQUAL(cols, 5 + 300);
    HAS(r.out, "1-0:96.79.9*255");
    HAS(r.out, ",299\n");
    run_free(&r);
}

/* streams of every link layer with failures at each layer (test_util.c's
 * mixed_stream): exit status 1, one message per failed telegram, the good
 * ones decoded */
static void test_streams_every_layer(void)
{
    static uint8_t stream[1 << 20];
    static mix_event ev[512];
    static const char *const framing[] = {"mbus", "hdlc", "wrapper", "raw"};
    for (mix_framing f = MIX_MBUS; f <= MIX_RAW; f++) {
        size_t nev, len = mixed_stream(f, 120, 7, stream, sizeof stream, ev, &nev);
        for (int forced = 0; forced < 2; forced++) {
            const char *args[] = {"--binary", "--framing", forced ? framing[f] : "auto", "-f",
                                  "json", "--auth-key", "D0D1D2D3D4D5D6D7D8D9DADBDCDDDEDF", "-",
                                  NULL};
            const char *env = "SMDECODE_KEY=000102030405060708090A0B0C0D0E0F";
            run_result r;
            r = run(args, stream, len, env);
            CU_ASSERT_EQUAL(r.status, 1);
            CU_ASSERT_EQUAL(lines(r.out), nev);
            unsigned bad = 0, good = 0;
            for (size_t i = 0; i < nev; i++) {
                if (ev[i].err == SM_OK) {
                    good++;
                    continue;
                }
                bad++;
                char want[160];
                snprintf(want, sizeof want, "telegram %zu: %s: %s", i + 1,
                         sm_layername(sm_errlayer(ev[i].err)), sm_strerror(ev[i].err));
                HAS(r.err, want);
            }
            char total[64];
            snprintf(total, sizeof total, "%u of %zu telegrams failed", bad, nev);
            HAS(r.err, total);
            unsigned ok_lines = 0;
            for (char *p = r.out; (p = strstr(p, "\"readings\":[")); p++)
                ok_lines++;
            CU_ASSERT_EQUAL(ok_lines, good);
            run_free(&r);
        }
    }
}

static const test_case smdecode_lost_cases[] = {
    {"auto framing finds bare APDUs after garbage", test_auto_finds_bare_apdus},
    {"a bare APDU whose body fails: a parse error, exit 1", test_raw_body_failure_reported},
    {"messages: bytes after hex, lengths, frames, plurals", test_messages},
    {"bcd: every format agrees", test_bcd_formats_agree},
    {"empty bodies decode", test_empty_bodies},
    {"json keeps every value", test_json_keeps_every_value},
    {"csv: more than 256 objects", test_csv_many_columns},
    {"streams of every link layer, failures at each layer", test_streams_every_layer},
    {NULL, NULL}};
const test_suite suite_smdecode_lost = {"smdecode: nothing lost without a word", smdecode_lost_cases};
