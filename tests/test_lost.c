/* test_lost.c - nothing lost without a word.  Every reproducer of the
 * "nothing lost" review as a regression test, and streams of every link
 * layer (auto-detected and forced) with garbage between telegrams and
 * APDUs failing at each layer: every good telegram decoded once, in order,
 * every bad one reported with its error and offset, the statistics right,
 * whatever the chunking. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "meter_sim.h"
#include "test_util.h"

/* a valid data-notification: {1-0:1.8.0*255, 0x1234} */
#define G "0F0000000100020209060100010800FF0600001234"

static void decode_hex(collector *c, sm_link link, const char *hex)
{
    static uint8_t buf[8192];
    size_t n = hex_decode(hex, buf, sizeof buf);
    CU_ASSERT_FATAL(n != (size_t)-1);
    collector_init(c);
    decode_bytes(c, link, NULL, 0, NULL, 0, true, buf, n, 0);
}

static void expect_ok(const got_telegram *t, uint64_t offset)
{
    ASSERT_ERR(t->err, SM_OK);
    CU_ASSERT_EQUAL(t->offset, offset);
    CU_ASSERT_EQUAL(t->n, 1);
    CU_ASSERT_EQUAL(t->readings[0].r.raw_u, 0x1234);
}

/* auto framing found a bare APDU only at the start of the stream */
static void test_auto_after_garbage(void)
{
    collector c;
    decode_hex(&c, SM_LINK_AUTO, G "00" G);
    CU_ASSERT_EQUAL_FATAL(c.n, 2);
    expect_ok(&c.t[0], 0);
    expect_ok(&c.t[1], 22);
    collector_free(&c);
    /* a failing APDU between good ones: reported, and the good ones after it */
    decode_hex(&c, SM_LINK_AUTO, G "0F000000020007" G G);
    CU_ASSERT_EQUAL_FATAL(c.n, 4);
    expect_ok(&c.t[0], 0);
    ASSERT_ERR(c.t[1].err, SM_ERR_AXDR_TYPE);
    CU_ASSERT_EQUAL(c.t[1].offset, 21);
    CU_ASSERT_EQUAL(c.t[1].err_offset, 27);
    expect_ok(&c.t[2], 28);
    expect_ok(&c.t[3], 49);
    collector_free(&c);
    /* garbage before the first one too */
    decode_hex(&c, SM_LINK_AUTO, "A5A5A5" G "1234" G);
    CU_ASSERT_EQUAL_FATAL(c.n, 2);
    expect_ok(&c.t[0], 3);
    expect_ok(&c.t[1], 26);
    collector_free(&c);
}

/* raw framing took an APDU whose body failed for noise */
static void test_raw_failing_body(void)
{
    char hex[512] = G "0F0000000200";
    for (int i = 0; i < 17; i++)
        strcat(hex, "0201");
    strcat(hex, "00" G);
    for (sm_link l = SM_LINK_AUTO; l <= SM_LINK_RAW; l += SM_LINK_RAW) {
        collector c;
        decode_hex(&c, l, hex);
        CU_ASSERT_EQUAL_FATAL(c.n, 3);
        expect_ok(&c.t[0], 0);
        ASSERT_ERR(c.t[1].err, SM_ERR_AXDR_DEPTH);
        CU_ASSERT_EQUAL(c.t[1].offset, 21);
        CU_ASSERT_EQUAL(c.t[1].err_offset, 59); /* the 17th structure */
        expect_ok(&c.t[2], 62);
        collector_free(&c);
    }
    /* a length beyond the end of the input: named as that, at the length */
    collector c;
    decode_hex(&c, SM_LINK_RAW, "0F000000010009054142");
    CU_ASSERT_EQUAL_FATAL(c.n, 1);
    ASSERT_ERR(c.t[0].err, SM_ERR_AXDR_LENGTH);
    CU_ASSERT_EQUAL(c.t[0].err_offset, 7);
    CU_ASSERT_EQUAL(c.t[0].frames, 1);
    collector_free(&c);
}

static void test_bcd(void)
{
    collector c;
    /* two decimal digits; a nibble above 9 keeps its byte as it came */
    decode_hex(&c, SM_LINK_RAW, "0F00000001000D42" "0F00000001000D3D" "0F00000001000DFF");
    CU_ASSERT_EQUAL_FATAL(c.n, 3);
    CU_ASSERT_EQUAL(c.t[0].readings[0].r.kind, SM_RK_NUMBER);
    CU_ASSERT_EQUAL(c.t[0].readings[0].r.raw_u, 42);
    for (int i = 1; i < 3; i++) {
        ASSERT_ERR(c.t[i].err, SM_OK);
        CU_ASSERT_EQUAL(c.t[i].readings[0].r.kind, SM_RK_OTHER);
        CU_ASSERT_TRUE(c.t[i].readings[0].r.invalid);
    }
    CU_ASSERT_STRING_EQUAL(c.t[1].readings[0].text, "3d");
    CU_ASSERT_STRING_EQUAL(c.t[2].readings[0].text, "ff");
    collector_free(&c);
}

static void test_empty_bodies(void)
{
    static const char *const bodies[] = {"0100", "0200", "018100", "01820000", "02820000"};
    for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
        char hex[64];
        snprintf(hex, sizeof hex, "0F0000000100%s", bodies[i]);
        collector c;
        decode_hex(&c, SM_LINK_RAW, hex);
        CU_ASSERT_EQUAL_FATAL(c.n, 1);
        ASSERT_ERR(c.t[0].err, SM_OK);
        CU_ASSERT_EQUAL(c.t[0].n, 0);
        CU_ASSERT_STRING_EQUAL(c.t[0].layout, "empty");
        collector_free(&c);
    }
}

static void test_impossible_date(void)
{
    /* February 30th in the notification's date-time and as a date-time value */
    collector c;
    decode_hex(&c, SM_LINK_RAW,
               "0F000000010C07E8021E05000000FF800000" "0201" "1907E8021E05000000FF800000");
    CU_ASSERT_EQUAL_FATAL(c.n, 1);
    ASSERT_ERR(c.t[0].err, SM_OK);
    CU_ASSERT_FALSE(c.t[0].has_dt);
    CU_ASSERT_EQUAL(c.t[0].readings[0].r.kind, SM_RK_OTHER);
    CU_ASSERT_TRUE(c.t[0].readings[0].r.invalid);
    collector_free(&c);
    /* February 29th of a leap year is a date */
    decode_hex(&c, SM_LINK_RAW, "0F000000010C07E8021D04000000FF800000" "0100");
    CU_ASSERT_TRUE(c.n == 1 && c.t[0].has_dt);
    collector_free(&c);
}

/* block number 0, after an out-of-order block: not silently dropped */
static void test_gbt_block_zero(void)
{
    collector c;
    decode_hex(&c, SM_LINK_RAW, "E04000020000030F0000" "E0C000000000030F0000");
    CU_ASSERT_EQUAL_FATAL(c.n, 2);
    ASSERT_ERR(c.t[0].err, SM_ERR_GBT_SEQUENCE);
    ASSERT_ERR(c.t[1].err, SM_ERR_GBT_SEQUENCE);
    collector_free(&c);
}

/* an incomplete frame lists itself, and its bytes are not also "skipped" */
static void test_incomplete_listed(void)
{
    sm_decoder *d = malloc(sizeof *d);
    collector c;
    collector_init(&c);
    sm_decoder_init(d, SM_LINK_RAW, collector_cb, &c);
    static const uint8_t in[] = {0x0F, 0, 0, 0, 1, 0, 0x02, 0x01};
    sm_decoder_feed(d, in, sizeof in);
    sm_decoder_finish(d);
    CU_ASSERT_EQUAL_FATAL(c.n, 1);
    ASSERT_ERR(c.t[0].err, SM_ERR_AXDR_LENGTH);
    CU_ASSERT_EQUAL(c.t[0].frames, 1);
    CU_ASSERT_EQUAL(sm_stats(d).bytes_discarded, 0);
    free(d);
    collector_free(&c);
    /* an M-Bus frame cut short: its bytes belong to the reported frame */
    d = malloc(sizeof *d);
    collector_init(&c);
    sm_decoder_init(d, SM_LINK_AUTO, collector_cb, &c);
    static const uint8_t mb[] = {0x68, 0xFA, 0xFA, 0x68, 0x53, 0xFF, 0x00, 0x01, 0x67, 0xDB};
    sm_decoder_feed(d, mb, sizeof mb);
    sm_decoder_finish(d);
    CU_ASSERT_EQUAL_FATAL(c.n, 1);
    ASSERT_ERR(c.t[0].err, SM_ERR_INCOMPLETE);
    CU_ASSERT_EQUAL(sm_stats(d).bytes_discarded, 0);
    free(d);
    collector_free(&c);
}

/* ---- damaged first bytes, telegrams cut short (issue 30, round 2) ----------- */

/* Three telegrams of the simulated meter (frame counters 7014.. with seed 9,
 * as the synthetic fixtures), encrypted without a tag (0x21). */
static size_t sim_apdus(uint8_t apdu[3][1200], size_t len[3], uint32_t fc[3])
{
    meter_sim m;
    sim_init(&m, 9, 1700000000, 5);
    uint8_t plain[1024];
    for (int k = 0; k < 3; k++) {
        size_t pn = sim_plaintext(&m, plain, sizeof plain);
        len[k] = smb_glo(apdu[k], 1200, 0x21, m.title, m.fc, TEST_EK, 16, NULL, 0, plain, pn);
        fc[k] = m.fc;
        sim_step(&m);
    }
    return len[0];
}

static sm_decoder *decode_stream(collector *c, sm_link link, const uint8_t *s, size_t n)
{
    collector_init(c);
    sm_decoder *d = malloc(sizeof *d);
    sm_decoder_init(d, link, collector_cb, c);
    sm_decoder_set_keys(d, TEST_EK, 16, NULL, 0, true);
    sm_decoder_feed(d, s, n);
    sm_decoder_finish(d);
    return d;
}

/* A bare APDU or a wrapper cut short takes its length from its own header
 * and runs into the next telegram: cut at every length, the two after it
 * are decoded, whole, and the cut one is reported (raw, wrapper, auto). */
static void test_cut_unchecked(void)
{
    uint8_t apdu[3][1200], s[4096];
    size_t len[3];
    uint32_t fc[3];
    sim_apdus(apdu, len, fc);
    static const sm_link links[] = {SM_LINK_RAW, SM_LINK_WRAPPER, SM_LINK_AUTO, SM_LINK_AUTO};
    unsigned lost = 0, cases = 0;
    for (int w = 0; w < 4; w++) {
        bool wrap = w == 1 || w == 3;
        for (size_t cut = 1; cut < len[0]; cut += every_step()) {
            size_t n = 0;
            for (int k = 0; k < 3; k++) {
                size_t take = k == 0 ? cut : len[k];
                if (wrap) {
                    const uint8_t h[8] = {0, 1, 0, 1, 0, 1, (uint8_t)(len[k] >> 8), (uint8_t)len[k]};
                    memcpy(s + n, h, 8);
                    n += 8;
                }
                memcpy(s + n, apdu[k], take);
                n += take;
            }
            collector c;
            sm_decoder *d = decode_stream(&c, links[w], s, n);
            /* the last two, whole, in order; nothing good before them */
            bool ok = c.n >= 2 && c.t[c.n - 2].err == SM_OK && c.t[c.n - 1].err == SM_OK &&
                      c.t[c.n - 2].sec.fc == fc[1] &&
                      c.t[c.n - 1].sec.fc == fc[2];
            for (size_t i = 0; ok && i + 2 < c.n; i++)
                ok = c.t[i].err != SM_OK;
            /* the cut one is said: an error, or (cut in its header) skipped */
            ok = ok && (c.n == 3 || sm_stats(d).bytes_discarded > 0);
            if (!ok && lost++ < 5)
                printf("\n    %s%s cut at %zu: %zu events, the last two not 7015, 7016", 
                       sm_link_name(links[w]), wrap ? " (wrapped)" : "", cut, c.n);
            cases++;
            free(d);
            collector_free(&c);
        }
    }
    if (lost)
        printf("\n    %u of %u cuts lost an intact telegram\n", lost, cases);
    CU_ASSERT_EQUAL(lost, 0);
}

/* An HDLC frame whose header check (HCS) fails is a damaged frame, reported;
 * the ciphering APDU inside it is never read as a bare APDU (auto framing,
 * at the start of a line, where no HDLC frame has been seen yet): a flipped
 * ciphertext bit would become a wrong value. */
static void test_hdlc_hcs(void)
{
    uint8_t apdu[3][1200], s[4096];
    size_t len[3];
    uint32_t fc[3];
    sim_apdus(apdu, len, fc);
    static const uint8_t dst[1] = {0x41}, src[2] = {0x08, 0x83};
    size_t a = smb_hdlc_frame(s, sizeof s, apdu[0], len[0], true, false, dst, 1, src, 2);
    size_t b = smb_hdlc_frame(s + a, sizeof s - a, apdu[1], len[1], true, false, dst, 1, src, 2);
    CU_ASSERT_FATAL(a > 0 && b > 0 && s[7] != 0x7E);
    s[7] ^= 0x01;      /* the HCS: 7E, format (2), dst (1), src (2), control */
    s[a - 20] ^= 0x40; /* a ciphertext bit */
    static const sm_link links[] = {SM_LINK_AUTO, SM_LINK_HDLC};
    for (int w = 0; w < 2; w++) {
        for (int both = 0; both < 2; both++) {
            collector c;
            sm_decoder *d = decode_stream(&c, links[w], s, both ? a + b : a);
            CU_ASSERT_EQUAL_FATAL(c.n, (size_t)(1 + both));
            ASSERT_ERR(c.t[0].err, SM_ERR_HDLC_HCS);
            CU_ASSERT_EQUAL(c.t[0].offset, 0);
            if (both) {
                ASSERT_ERR(c.t[1].err, SM_OK);
                CU_ASSERT_EQUAL(c.t[1].sec.fc, fc[1]);
                CU_ASSERT_EQUAL(c.t[1].offset, a);
            }
            CU_ASSERT_EQUAL(sm_stats(d).bytes_discarded, 0);
            free(d);
            collector_free(&c);
        }
    }
    /* after a reconnect the line starts mid-frame: the damaged frame comes
     * after skipped bytes, and the line is still known to be HDLC
     * (sm_decoder_reconnected, the plugin): reported, nothing read inside */
    uint8_t good[2048];
    size_t g = smb_hdlc_frame(good, sizeof good, apdu[2], len[2], true, false, dst, 1, src, 2);
    collector c;
    sm_decoder *d = decode_stream(&c, SM_LINK_AUTO, good, g);
    CU_ASSERT_TRUE(c.n == 1 && c.t[0].err == SM_OK);
    c.n = 0;
    sm_decoder_reconnected(d);
    sm_decoder_feed(d, good + g / 2, g - g / 2); /* the end of a frame */
    sm_decoder_feed(d, s, a);                    /* the damaged one */
    sm_decoder_finish(d);
    CU_ASSERT_EQUAL_FATAL(c.n, 1);
    ASSERT_ERR(c.t[0].err, SM_ERR_HDLC_HCS);
    free(d);
    collector_free(&c);
}

/* M-Bus: a frame whose two length fields disagree is reported; a telegram
 * whose first frame's start byte is damaged is reported too: its second
 * frame as a continuation without its start, the first one's bytes with it. */
static void test_mbus_damaged_start(void)
{
    uint8_t apdu[3][1200], s[4096];
    size_t len[3];
    uint32_t fc[3];
    sim_apdus(apdu, len, fc);
    size_t n = 0, at[3];
    for (int k = 0; k < 3; k++) {
        at[k] = n;
        n += smb_mbus(s + n, sizeof s - n, apdu[k], len[k], 245);
    }
    CU_ASSERT_FATAL(s[at[1]] == 0x68 && s[at[1] + 1] == s[at[1] + 2]);
    for (int dmg = 0; dmg < 2; dmg++) {
        uint8_t copy[4096];
        memcpy(copy, s, n);
        if (dmg == 0)
            copy[at[1] + 2] ^= 0x04; /* L' */
        else
            copy[at[1]] ^= 0x01; /* the start byte */
        collector c;
        sm_decoder *d = decode_stream(&c, SM_LINK_AUTO, copy, n);
        sm_decoder_stats st = sm_stats(d);
        ASSERT_ERR(c.t[0].err, SM_OK);
        ASSERT_ERR(c.t[c.n - 1].err, SM_OK);
        CU_ASSERT_EQUAL(c.t[c.n - 1].sec.fc, fc[2]);
        if (dmg == 0) {
            CU_ASSERT_TRUE(c.n >= 3 && c.t[1].err == SM_ERR_MBUS_LENGTH &&
                           c.t[1].offset == at[1]);
        } else {
            CU_ASSERT_TRUE(c.n == 3 && c.t[1].err == SM_ERR_MBUS_SEQUENCE &&
                           c.t[1].offset == at[1]);
            CU_ASSERT_EQUAL(st.bytes_discarded, 0);
        }
        free(d);
        collector_free(&c);
    }
    /* the second telegram's bytes all damaged (as many as a frame, from which
     * nothing can be read): "unreadable", where they were */
    uint8_t copy[4096];
    memcpy(copy, s, n);
    for (size_t j = at[1]; j < at[2]; j++)
        copy[j] = (uint8_t)(0x55 ^ j);
    collector c;
    sm_decoder *d = decode_stream(&c, SM_LINK_AUTO, copy, n);
    CU_ASSERT_EQUAL_FATAL(c.n, 3);
    ASSERT_ERR(c.t[1].err, SM_ERR_UNREADABLE);
    CU_ASSERT_EQUAL(c.t[1].offset, at[1]);
    CU_ASSERT_EQUAL(c.t[2].offset, at[2]);
    CU_ASSERT_EQUAL(sm_stats(d).bytes_discarded, at[2] - at[1]); /* and counted as skipped */
    free(d);
    collector_free(&c);
    /* ... but not at the start of a line, where a reader joins mid-telegram */
    d = decode_stream(&c, SM_LINK_AUTO, copy + at[1], n - at[1]);
    CU_ASSERT_EQUAL_FATAL(c.n, 1);
    ASSERT_ERR(c.t[0].err, SM_OK);
    free(d);
    collector_free(&c);
}

/* A P1 telegram whose identification line is damaged is a failed telegram
 * (from where the last one ended to its "!" CRC), not skipped bytes. */
static void test_p1_damaged_header(void)
{
    size_t n;
    char *one = fixture_read("p1/nl-kaifa-dsmr42-1.txt", &n);
    CU_ASSERT_FATAL(one != NULL && n > 100);
    uint8_t *s = malloc(3 * n);
    for (int k = 0; k < 3; k++)
        memcpy(s + k * n, one, n);
    free(one);
    for (size_t at = 0; at < 12; at++) { /* "/" and the identification */
        uint8_t keep = s[n + at];
        s[n + at] = 0x01;
        collector c;
        sm_decoder *d = decode_stream(&c, SM_LINK_AUTO, s, 3 * n);
        CU_ASSERT_EQUAL_FATAL(c.n, 3);
        ASSERT_ERR(c.t[0].err, SM_OK);
        ASSERT_ERR(c.t[1].err, SM_ERR_P1_HEADER);
        CU_ASSERT_EQUAL(c.t[1].offset, n);
        ASSERT_ERR(c.t[2].err, SM_OK);
        CU_ASSERT_EQUAL(c.t[2].offset, 2 * n);
        CU_ASSERT_EQUAL(sm_stats(d).bytes_discarded, 0);
        free(d);
        collector_free(&c);
        s[n + at] = keep;
    }
    free(s);
}

/* ---- streams of every link layer -------------------------------------------- */

static unsigned rnd_state;
static unsigned rnd(void)
{
    rnd_state = rnd_state * 1103515245u + 12345u;
    return rnd_state >> 16;
}

static void mixed(mix_framing f, sm_link link, unsigned seed)
{
    static uint8_t stream[1 << 20];
    static mix_event ev[512];
    size_t nev;
    size_t len = mixed_stream(f, 120, seed, stream, sizeof stream, ev, &nev);
    CU_ASSERT_FATAL(len > 0 && nev == 120); /* MAX_TELEGRAMS: 128 */
    size_t want_ok = 0, want_link = 0, want_sec = 0, want_parse = 0;
    for (size_t i = 0; i < nev; i++) {
        sm_layer l = sm_errlayer(ev[i].err);
        want_ok += l == SM_LAYER_NONE;
        want_link += l == SM_LAYER_LINK;
        want_sec += l == SM_LAYER_SECURITY;
        want_parse += l != SM_LAYER_NONE && l != SM_LAYER_LINK && l != SM_LAYER_SECURITY;
    }
    rnd_state = seed;
    for (int chunked = 0; chunked < 2; chunked++) {
        collector c;
        collector_init(&c);
        sm_decoder *d = malloc(sizeof *d);
        sm_decoder_init(d, link, collector_cb, &c);
        sm_decoder_set_keys(d, TEST_EK, 16, TEST_AK, 16, true);
        for (size_t pos = 0; pos < len;) {
            size_t n = chunked ? 1 + rnd() % 200 : len;
            if (n > len - pos)
                n = len - pos;
            sm_decoder_feed(d, stream + pos, n);
            pos += n;
        }
        sm_decoder_finish(d);
        if (c.n != nev)
            fprintf(stderr, "\n    framing %d, link %s, seed %u: %zu events, %zu expected", f,
                    sm_link_name(link), seed, c.n, nev);
        CU_ASSERT_EQUAL(c.n, nev);
        size_t bad = 0;
        for (size_t i = 0; i < c.n && i < nev; i++) {
            const got_telegram *t = &c.t[i];
            bool same = t->err == ev[i].err && t->offset == ev[i].offset &&
                        (ev[i].err != SM_OK || t->sec.fc == ev[i].fc);
            if (!same && bad++ < 3)
                fprintf(stderr, "\n    framing %d, link %s, seed %u: event %zu: %s at %llu (fc %u), "
                        "expected %s at %llu (fc %u)", f, sm_link_name(link), seed, i,
                        sm_errname(t->err), (unsigned long long)t->offset, t->sec.fc,
                        sm_errname(ev[i].err), (unsigned long long)ev[i].offset, ev[i].fc);
        }
        CU_ASSERT_EQUAL(bad, 0);
        CU_ASSERT_EQUAL(sm_stats(d).ok, want_ok);
        CU_ASSERT_EQUAL(sm_stats(d).link_errors, want_link);
        CU_ASSERT_EQUAL(sm_stats(d).security_errors, want_sec);
        CU_ASSERT_EQUAL(sm_stats(d).parse_errors, want_parse);
        free(d);
        collector_free(&c);
    }
}

static void test_mixed_streams(void)
{
    static const sm_link forced[] = {SM_LINK_MBUS, SM_LINK_HDLC, SM_LINK_WRAPPER, SM_LINK_RAW};
    for (unsigned seed = 1; seed <= 5; seed++)
        for (mix_framing f = MIX_MBUS; f <= MIX_RAW; f++) {
            mixed(f, forced[f], seed);
            mixed(f, SM_LINK_AUTO, seed);
        }
}

static const test_case lost_cases[] = {
    {"auto framing: bare APDUs after garbage", test_auto_after_garbage},
    {"a bare APDU whose body fails is a parse error", test_raw_failing_body},
    {"bcd: decimal digits, or the byte as it came", test_bcd},
    {"empty containers are a telegram without readings", test_empty_bodies},
    {"impossible dates are no date-times", test_impossible_date},
    {"general-block-transfer block 0 is reported", test_gbt_block_zero},
    {"a frame cut short is listed, its bytes not skipped", test_incomplete_listed},
    {"a bare APDU or wrapper cut at every length: the intact ones after it decoded", test_cut_unchecked},
    {"an HDLC frame whose HCS fails: reported, no bare APDU read inside it", test_hdlc_hcs},
    {"m-bus length fields that disagree, a damaged start byte", test_mbus_damaged_start},
    {"a P1 telegram whose identification line is damaged is reported", test_p1_damaged_header},
    {"every link layer, auto and forced: garbage and failures at each layer", test_mixed_streams},
    {NULL, NULL}};
const test_suite suite_lost = {"nothing lost without a word", lost_cases};
