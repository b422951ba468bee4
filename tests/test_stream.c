/* test_stream.c - long streams: telegrams with random garbage between them
 * come out every one exactly once, in order, whatever the chunking. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_util.h"

static unsigned rnd_state;
static unsigned rnd(void)
{
    rnd_state = rnd_state * 1103515245u + 12345u;
    return rnd_state >> 16;
}

static void stream_test(const char *file, unsigned count, unsigned seed, size_t max_garbage)
{
    rnd_state = seed;
    size_t cap = count * (400 + max_garbage) + 16;
    uint8_t *stream = malloc(cap);
    size_t len = 0;
    char line[8192];
    for (unsigned k = 0; k < count; k++) {
        CU_ASSERT_FATAL(fixture_line(file, k, line, sizeof line));
        size_t g = max_garbage ? rnd() % (max_garbage + 1) : 0;
        for (size_t i = 0; i < g; i++)
            stream[len++] = (uint8_t)rnd();
        size_t n = hex_decode(line, stream + len, cap - len);
        CU_ASSERT_FATAL(n != (size_t)-1);
        len += n;
    }
    for (size_t chunk = 0; chunk <= 7; chunk += 7) {
        collector c;
        collector_init(&c);
        sm_decoder *d = malloc(sizeof *d);
        sm_decoder_init(d, SM_LINK_AUTO, collector_cb, &c);
        sm_decoder_set_keys(d, TEST_EK, 16, NULL, 0, true);
        /* random chunk sizes, or the whole stream at once */
        for (size_t pos = 0; pos < len;) {
            size_t n = chunk ? 1 + rnd() % 300 : len;
            if (n > len - pos)
                n = len - pos;
            sm_decoder_feed(d, stream + pos, n);
            pos += n;
        }
        sm_decoder_finish(d);
        unsigned good = 0;
        uint32_t expect_fc = 7014;
        for (size_t i = 0; i < c.n; i++) {
            if (c.t[i].err != SM_OK)
                continue;
            CU_ASSERT_EQUAL(c.t[i].sec.fc, expect_fc);
            expect_fc++;
            good++;
        }
        CU_ASSERT_EQUAL(good, count);
        if (max_garbage) {
            CU_ASSERT(sm_stats(d).bytes_discarded > 0);
        } else {
            CU_ASSERT_EQUAL(sm_stats(d).bytes_discarded, 0);
        }
        free(d);
        collector_free(&c);
    }
    free(stream);
}

static void test_mbus_with_garbage(void) { stream_test("synthetic/vkw-mbus-enc.hex", 50, 1, 300); }
static void test_mbus_clean(void) { stream_test("synthetic/vkw-mbus-enc.hex", 50, 2, 0); }
static void test_hdlc_with_garbage(void) { stream_test("synthetic/vkw-hdlc-enc.hex", 20, 3, 200); }
static void test_mbus_garbage_seeds(void)
{
    for (unsigned seed = 10; seed < 30; seed++)
        stream_test("synthetic/vkw-mbus-enc.hex", 50, seed, 500);
}

/* A reader that stops on purpose (sm_decoder_stop) wherever the stop falls:
 * the telegrams complete before it are decoded, the one it cuts is dropped
 * without an error and its bytes counted in bytes_cut (smdecode --count,
 * --seconds, Ctrl-C). */
static void stop_everywhere(sm_link link, const uint8_t *stream, size_t len, const size_t *ends,
                            unsigned count, size_t slack)
{
    sm_decoder *d = malloc(sizeof *d);
    for (size_t cut = 0; cut <= len; cut += every_step()) {
        collector c;
        collector_init(&c);
        sm_decoder_init(d, link, collector_cb, &c);
        sm_decoder_set_keys(d, TEST_EK, 16, NULL, 0, true);
        sm_decoder_feed(d, stream, cut);
        sm_decoder_stop(d);
        unsigned complete = 0;
        size_t last_end = 0;
        while (complete < count && ends[complete] <= cut)
            last_end = ends[complete++];
        unsigned good = 0, bad = 0;
        for (size_t i = 0; i < c.n; i++)
            c.t[i].err == SM_OK ? good++ : bad++;
        CU_ASSERT_EQUAL(bad, 0);
        CU_ASSERT_EQUAL(good, complete);
        /* slack: a line end after a verified P1 CRC may go with it */
        uint64_t cut_bytes = sm_stats(d).bytes_cut;
        bool cut_ok = cut_bytes <= cut - last_end && cut_bytes + slack >= cut - last_end;
        CU_ASSERT(cut_ok);
        CU_ASSERT_EQUAL(sm_stats(d).bytes_discarded, 0);
        if (bad || good != complete || !cut_ok)
            printf("\nstop at %zu of %zu: %u good (want %u), %u errors, %llu bytes cut\n", cut,
                   len, good, complete, bad, (unsigned long long)sm_stats(d).bytes_cut);
        collector_free(&c);
    }
    free(d);
}

static void stop_fixture_lines(sm_link link, const char *file)
{
    uint8_t stream[3 * 1200];
    size_t ends[3], len = 0;
    char line[8192];
    for (unsigned k = 0; k < 3; k++) {
        CU_ASSERT_FATAL(fixture_line(file, k, line, sizeof line));
        size_t n = hex_decode(line, stream + len, sizeof stream - len);
        CU_ASSERT_FATAL(n != (size_t)-1);
        ends[k] = len += n;
    }
    stop_everywhere(link, stream, len, ends, 3, 0);
}

static void test_stop_mbus(void) { stop_fixture_lines(SM_LINK_AUTO, "synthetic/vkw-mbus-enc.hex"); }
static void test_stop_hdlc(void) { stop_fixture_lines(SM_LINK_AUTO, "synthetic/vkw-hdlc-enc.hex"); }

static void test_stop_p1(void)
{
    size_t n;
    char *one = fixture_read("p1/nl-kaifa-dsmr42-1.txt", &n);
    CU_ASSERT_FATAL(one != NULL && n > 100 && n < 2048);
    uint8_t stream[3 * 2048];
    size_t ends[3];
    /* complete with its CRC's four digits: the CR LF after them need not come */
    CU_ASSERT_FATAL(one[n - 2] == '\r' && one[n - 1] == '\n');
    for (unsigned k = 0; k < 3; k++) {
        memcpy(stream + k * n, one, n);
        ends[k] = (k + 1) * n - 2;
    }
    free(one);
    stop_everywhere(SM_LINK_P1, stream, 3 * n, ends, 3, 2);
}

/* A Czech tuple push (the EG.D example: untagged attribute descriptors) is
 * the same telegram however its bytes arrive: cut in two at every position
 * (it failed at 114 of 434 split points, issue 30), and byte by byte. */
static void test_tuples_split_everywhere(void)
{
    char line[8192];
    unsigned k = 0;
    do {
        CU_ASSERT_FATAL(fixture_line("telegrams/cz-egd-rs485-example-1.hex", k++, line, sizeof line));
    } while (line[0] == '#' || line[0] == '\0');
    uint8_t apdu[1024];
    size_t n = hex_decode(line, apdu, sizeof apdu);
    CU_ASSERT_FATAL(n != (size_t)-1 && n > 400);
    collector whole;
    collector_init(&whole);
    decode_bytes(&whole, SM_LINK_AUTO, NULL, 0, NULL, 0, true, apdu, n, 0);
    CU_ASSERT_EQUAL_FATAL(whole.n, 1);
    ASSERT_ERR(whole.t[0].err, SM_OK);
    CU_ASSERT_EQUAL(whole.t[0].n, 28); /* the 27 values its source lists, and the list's enum */
    unsigned bad = 0;
    for (size_t cut = 1; cut < n; cut += every_step()) {
        collector c;
        collector_init(&c);
        sm_decoder *d = malloc(sizeof *d);
        sm_decoder_init(d, SM_LINK_AUTO, collector_cb, &c);
        sm_decoder_feed(d, apdu, cut);
        sm_decoder_feed(d, apdu + cut, n - cut);
        sm_decoder_finish(d);
        bool same = c.n == 1 && c.t[0].err == SM_OK && c.t[0].n == whole.t[0].n;
        for (size_t i = 0; same && i < c.t[0].n; i++)
            same = strcmp(c.t[0].readings[i].obis, whole.t[0].readings[i].obis) == 0 &&
                   c.t[0].readings[i].r.value == whole.t[0].readings[i].r.value;
        bad += !same;
        free(d);
        collector_free(&c);
    }
    if (bad)
        printf("\n    the tuple push differs at %u of %zu split points\n", bad, n - 1);
    CU_ASSERT_EQUAL(bad, 0);
    collector c1;
    collector_init(&c1);
    decode_bytes(&c1, SM_LINK_AUTO, NULL, 0, NULL, 0, true, apdu, n, 1); /* byte by byte */
    CU_ASSERT_EQUAL(c1.n, 1);
    CU_ASSERT(c1.n == 1 && c1.t[0].err == SM_OK && c1.t[0].n == 28);
    collector_free(&c1);
    collector_free(&whole);
}

static const test_case stream_cases[] = {
    {"50 m-bus telegrams with garbage between: each once, in order", test_mbus_with_garbage},
    {"50 m-bus telegrams back to back: nothing discarded", test_mbus_clean},
    {"20 hdlc telegrams with garbage between", test_hdlc_with_garbage},
    {"m-bus with garbage, 20 seeds", test_mbus_garbage_seeds},
    {"a stop at every byte of m-bus: complete ones decoded, the cut one dropped", test_stop_mbus},
    {"a stop at every byte of hdlc", test_stop_hdlc},
    {"a stop at every byte of p1", test_stop_p1},
    {"a czech tuple push split at every position, and byte by byte", test_tuples_split_everywhere},
    {NULL, NULL}};
const test_suite suite_stream = {"streams", stream_cases};
