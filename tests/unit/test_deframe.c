/* test_deframe.c - link layers: m-bus segments, hdlc addresses and
 * segmentation, shared flags, the wrapper, bare apdus, bad frames. */
#include <stdlib.h>
#include <string.h>

#include "test_util.h"

/* A small plaintext notification: {OBIS 1-0:1.7.0, uint32 1234, {0, W}} */
static const uint8_t note[] = {0x0F, 0x00, 0x00, 0x00, 0x01, 0x00, 0x02, 0x03, 0x09, 0x06,
                               0x01, 0x00, 0x01, 0x07, 0x00, 0xFF, 0x06, 0x00, 0x00, 0x04,
                               0xD2, 0x02, 0x02, 0x0F, 0x00, 0x16, 0x1B};

static void check_note(const got_telegram *t)
{
    ASSERT_ERR(t->err, SM_OK);
    CU_ASSERT_EQUAL_FATAL(t->n, 1);
    CU_ASSERT_STRING_EQUAL(t->readings[0].obis, "1-0:1.7.0*255");
    CU_ASSERT_EQUAL(t->readings[0].r.value, 1234);
}

static void run(collector *c, sm_link link, const uint8_t *buf, size_t len)
{
    collector_init(c);
    decode_bytes(c, link, NULL, 0, NULL, 0, true, buf, len, 0);
}

static void test_mbus_segments(void)
{
    /* the notification split into 2..27-byte segments (up to 14 frames; the
     * four-bit sequence number allows 16 segments) */
    for (size_t seg = 2; seg <= sizeof note; seg++) {
        uint8_t buf[2048];
        size_t n = build_mbus(buf, sizeof buf, note, sizeof note, seg);
        collector c;
        run(&c, SM_LINK_AUTO, buf, n);
        CU_ASSERT_EQUAL_FATAL(c.n, 1);
        check_note(&c.t[0]);
        CU_ASSERT_EQUAL(c.t[0].frames, (sizeof note + seg - 1) / seg);
        collector_free(&c);
    }
}

/* The checksum (summed eight bytes at a time) at every frame length the L
 * field allows, over bytes of every value: a frame passes the link layer,
 * and one changed byte fails it. */
static void test_mbus_checksum_lengths(void)
{
    for (size_t len = 1; len <= 250; len++) {
        uint8_t apdu[250], buf[512];
        for (size_t i = 0; i < len; i++)
            apdu[i] = (uint8_t)(0xFF - i * 7);
        apdu[0] = 0x0F; /* a data-notification tag: cut short, so a parse error */
        size_t n = build_mbus(buf, sizeof buf, apdu, len, len);
        CU_ASSERT_EQUAL_FATAL(n, len + 5 + 6);
        collector c;
        run(&c, SM_LINK_MBUS, buf, n);
        CU_ASSERT_EQUAL_FATAL(c.n, 1);
        CU_ASSERT_NOT_EQUAL(c.t[0].err, SM_ERR_MBUS_CHECKSUM);
        collector_free(&c);
        buf[9 + len / 2] ^= 0x80;
        run(&c, SM_LINK_MBUS, buf, n);
        CU_ASSERT_EQUAL_FATAL(c.n, 1);
        ASSERT_ERR(c.t[0].err, SM_ERR_MBUS_CHECKSUM);
        collector_free(&c);
    }
}

/* 16 segments is as many as the four-bit sequence number counts: a
 * telegram of 16 full segments decodes at the link layer, and the builder
 * refuses a 17th, as a meter cannot send one (the fuzzer's pipeline target
 * once built such a telegram and saw the sequence wrap). */
static void test_mbus_sixteen_segments(void)
{
    static uint8_t apdu[16 * 245 + 1], buf[16 * 256 + 64];
    memset(apdu, 0x5A, sizeof apdu);
    apdu[0] = 0x0F;
    CU_ASSERT_EQUAL(build_mbus(buf, sizeof buf, apdu, sizeof apdu, 245), 0);
    size_t n = build_mbus(buf, sizeof buf, apdu, sizeof apdu - 1, 245);
    CU_ASSERT_EQUAL_FATAL(n, 16 * (245 + 11));
    collector c;
    run(&c, SM_LINK_MBUS, buf, n);
    CU_ASSERT_EQUAL_FATAL(c.n, 1);
    CU_ASSERT_EQUAL(c.t[0].frames, 16);
    CU_ASSERT_NOT_EQUAL(sm_errlayer(c.t[0].err), SM_LAYER_LINK);
    collector_free(&c);
}

static void test_mbus_bad_frames(void)
{
    uint8_t buf[512];
    size_t n = build_mbus(buf, sizeof buf, note, sizeof note, 10); /* frames of 21, 21, 18 */
    /* a bad checksum in frame 2: reported with its number and stream offset,
     * the rest of that telegram dropped silently, the next telegram decodes */
    uint8_t two[1024];
    memcpy(two, buf, n);
    memcpy(two + n, buf, n);
    two[21 + 10] ^= 0x01;
    collector c;
    run(&c, SM_LINK_AUTO, two, 2 * n);
    CU_ASSERT_EQUAL_FATAL(c.n, 2);
    ASSERT_ERR(c.t[0].err, SM_ERR_MBUS_CHECKSUM);
    CU_ASSERT_EQUAL(c.t[0].err_frame, 2);
    CU_ASSERT_EQUAL(c.t[0].err_offset, 21);
    CU_ASSERT_EQUAL(c.t[0].where, SM_WHERE_STREAM);
    check_note(&c.t[1]);
    collector_free(&c);
    /* a missing stop byte */
    memcpy(two, buf, n);
    two[20] = 0x00;
    run(&c, SM_LINK_AUTO, two, n);
    CU_ASSERT(c.n >= 1);
    ASSERT_ERR(c.t[0].err, SM_ERR_MBUS_STOP);
    collector_free(&c);
    /* a segment lost: frames 1 and 3 only */
    memcpy(two, buf, 21);
    memcpy(two + 21, buf + 42, n - 42);
    run(&c, SM_LINK_AUTO, two, 21 + n - 42);
    CU_ASSERT_EQUAL_FATAL(c.n, 1);
    ASSERT_ERR(c.t[0].err, SM_ERR_MBUS_SEQUENCE);
    collector_free(&c);
    /* a first segment while another telegram is incomplete */
    memcpy(two, buf, 42);
    memcpy(two + 42, buf, n);
    run(&c, SM_LINK_AUTO, two, 42 + n);
    CU_ASSERT_EQUAL_FATAL(c.n, 2);
    ASSERT_ERR(c.t[0].err, SM_ERR_MBUS_SEQUENCE);
    check_note(&c.t[1]);
    collector_free(&c);
    /* a frame whose CI is no DLMS segment */
    memcpy(two, buf, n);
    two[6] = 0x72;
    uint8_t cs = 0;
    for (int i = 4; i < 19; i++)
        cs = (uint8_t)(cs + two[i]);
    two[19] = cs;
    run(&c, SM_LINK_MBUS, two, 21);
    CU_ASSERT_EQUAL_FATAL(c.n, 1);
    ASSERT_ERR(c.t[0].err, SM_ERR_MBUS_CI);
    collector_free(&c);
}

static void test_hdlc_addresses_and_segments(void)
{
    const uint8_t a1[] = {0x41}, a2[] = {0xCE, 0xFF}, a4[] = {0x00, 0x02, 0x00, 0x23};
    const uint8_t *addrs[] = {a1, a2, a4};
    const size_t lens[] = {1, 2, 4};
    for (int d = 0; d < 3; d++)
        for (int s = 0; s < 3; s++) {
            uint8_t buf[256];
            size_t n = build_hdlc_frame(buf, sizeof buf, note, sizeof note, true, false,
                                        addrs[d], lens[d], addrs[s], lens[s]);
            collector c;
            run(&c, SM_LINK_AUTO, buf, n);
            CU_ASSERT_EQUAL_FATAL(c.n, 1);
            check_note(&c.t[0]);
            collector_free(&c);
        }
    /* real HDLC segmentation: LLC only in the first segment; frames sharing
     * their flags */
    uint8_t buf[512];
    size_t n = build_hdlc_frame(buf, sizeof buf, note, 10, true, true, a1, 1, a1, 1);
    size_t m = build_hdlc_frame(buf + n - 1, sizeof buf - n, note + 10, 10, false, true, a1, 1,
                                a1, 1);
    n += m - 1; /* the closing flag of one frame opens the next */
    m = build_hdlc_frame(buf + n, sizeof buf - n, note + 20, sizeof note - 20, false, false, a1,
                         1, a1, 1);
    n += m;
    collector c;
    run(&c, SM_LINK_HDLC, buf, n);
    CU_ASSERT_EQUAL_FATAL(c.n, 1);
    check_note(&c.t[0]);
    CU_ASSERT_EQUAL(c.t[0].frames, 3);
    collector_free(&c);
    /* a bad FCS in a segment drops that telegram and reports once */
    uint8_t bad[512];
    memcpy(bad, buf, n);
    bad[20] ^= 0x40;
    memcpy(bad + n, buf, n);
    run(&c, SM_LINK_AUTO, bad, 2 * n);
    CU_ASSERT_EQUAL_FATAL(c.n, 2);
    ASSERT_ERR(c.t[0].err, SM_ERR_HDLC_FCS);
    check_note(&c.t[1]);
    collector_free(&c);
}

static void test_wrapper_and_raw(void)
{
    uint8_t buf[128] = {0x00, 0x01, 0x00, 0x01, 0x00, 0x66, 0x00, (uint8_t)sizeof note};
    memcpy(buf + 8, note, sizeof note);
    collector c;
    run(&c, SM_LINK_AUTO, buf, 8 + sizeof note);
    CU_ASSERT_EQUAL_FATAL(c.n, 1);
    check_note(&c.t[0]);
    collector_free(&c);
    run(&c, SM_LINK_WRAPPER, buf, 8 + sizeof note);
    CU_ASSERT_EQUAL_FATAL(c.n, 1);
    check_note(&c.t[0]);
    collector_free(&c);
    /* three bare APDUs back to back */
    uint8_t three[3 * sizeof note];
    for (int i = 0; i < 3; i++)
        memcpy(three + i * sizeof note, note, sizeof note);
    run(&c, SM_LINK_AUTO, three, sizeof three);
    CU_ASSERT_EQUAL_FATAL(c.n, 3);
    for (int i = 0; i < 3; i++)
        check_note(&c.t[i]);
    collector_free(&c);
    /* an invoke-id with its reserved bits (24-27) set, as some meters send
     * (issue 30): read at a known boundary, in raw and in auto, with the
     * invoke-id as sent; after garbage it is taken for noise */
    uint8_t odd[sizeof note];
    memcpy(odd, note, sizeof note);
    odd[1] = 0x0C;
    static const sm_link links[] = {SM_LINK_AUTO, SM_LINK_RAW};
    for (size_t k = 0; k < 2; k++) {
        run(&c, links[k], odd, sizeof odd);
        CU_ASSERT_EQUAL_FATAL(c.n, 1);
        check_note(&c.t[0]);
        CU_ASSERT_EQUAL(c.t[0].invoke_id, 0x0C000001u);
        collector_free(&c);
    }
    uint8_t noisy[3 + sizeof note] = {0x55, 0xAA, 0x33};
    memcpy(noisy + 3, odd, sizeof odd);
    run(&c, SM_LINK_AUTO, noisy, sizeof noisy);
    CU_ASSERT_EQUAL(c.n, 0);
    collector_free(&c);
    /* forced m-bus ignores an hdlc frame: its bytes are discarded */
    uint8_t h[256];
    size_t n = build_hdlc_frame(h, sizeof h, note, sizeof note, true, false,
                                (const uint8_t[]){0x41}, 1, (const uint8_t[]){0x41}, 1);
    run(&c, SM_LINK_MBUS, h, n);
    CU_ASSERT_EQUAL(c.n, 0);
    collector_free(&c);
}

static void test_deframer_stats_and_reset(void)
{
    collector c;
    collector_init(&c);
    uint8_t buf[256];
    size_t n = build_mbus(buf, sizeof buf, note, sizeof note, 10);
    sm_decoder *dec = malloc(sizeof *dec);
    sm_decoder_init(dec, SM_LINK_AUTO, collector_cb, &c);
    uint8_t junk[5] = {1, 2, 3, 4, 5};
    sm_decoder_feed(dec, junk, 5);
    sm_decoder_feed(dec, buf, 25); /* a telegram cut off by a reconnect */
    sm_decoder_reset(dec);
    sm_decoder_feed(dec, buf, n);
    sm_decoder_finish(dec);
    CU_ASSERT_EQUAL_FATAL(c.n, 1);
    check_note(&c.t[0]);
    sm_decoder_stats st;
    sm_decoder_get_stats(dec, &st);
    CU_ASSERT_EQUAL(st.bytes_discarded, 5);
    CU_ASSERT_EQUAL(st.frames, 4);
    CU_ASSERT_EQUAL(st.ok, 1);
    CU_ASSERT_EQUAL(st.bytes_in, 30 + n);
    free(dec);
    collector_free(&c);
}

static void count_ok(void *ctx, const sm_link_event *ev)
{
    if (ev->err == SM_OK)
        ++*(unsigned *)ctx;
}

/* What a slow-line reader is told to wait for, byte by byte. */
static void test_deframer_expect(void)
{
    sm_deframer d;
    unsigned good = 0;
    sm_deframer_init(&d, SM_LINK_AUTO, count_ok, &good);
    CU_ASSERT_EQUAL(sm_deframer_expect(&d), SM_EXPECT_IDLE);
    uint8_t junk = 0x01;
    sm_deframer_feed(&d, &junk, 1); /* garbage is dropped: nothing under way */
    CU_ASSERT_EQUAL(sm_deframer_expect(&d), SM_EXPECT_IDLE);
    CU_ASSERT_EQUAL(sm_deframer_underway(&d), 0);

    /* M-Bus: 27 bytes in segments of 10 -> frames of 21, 21 and 18 bytes */
    uint8_t buf[256];
    size_t n = build_mbus(buf, sizeof buf, note, sizeof note, 10);
    CU_ASSERT_EQUAL_FATAL(n, 60);
    static const size_t frame_end[] = {21, 42, 60};
    size_t f = 0, start = 0;
    for (size_t i = 0; i < n; i++) {
        sm_deframer_feed(&d, buf + i, 1);
        size_t got = sm_deframer_expect(&d), k = i + 1 - start;
        /* the telegram's bytes so far, from its first frame's first byte */
        CU_ASSERT_EQUAL(sm_deframer_underway(&d), i + 1 == n ? 0 : i + 1);
        if (i + 1 == n) {
            CU_ASSERT_EQUAL(got, SM_EXPECT_IDLE); /* the telegram is complete */
        } else if (i + 1 == frame_end[f]) {
            CU_ASSERT_EQUAL(got, SM_EXPECT_SOME); /* between the frames of one telegram */
            start = frame_end[f++];
        } else if (k == 1) {
            CU_ASSERT_EQUAL(got, SM_EXPECT_SOME); /* 0x68 alone: no length yet */
        } else {
            CU_ASSERT_EQUAL(got, frame_end[f] - i - 1);
        }
    }
    CU_ASSERT_EQUAL(good, 1);

    /* HDLC: the length field gives the rest after three bytes */
    static const uint8_t dst[] = {0x03}, src[] = {0x21};
    n = build_hdlc_frame(buf, sizeof buf, note, sizeof note, true, false, dst, 1, src, 1);
    CU_ASSERT_FATAL(n > 3);
    sm_deframer_feed(&d, buf, 2);
    CU_ASSERT_EQUAL(sm_deframer_expect(&d), SM_EXPECT_SOME);
    sm_deframer_feed(&d, buf + 2, 1);
    CU_ASSERT_EQUAL(sm_deframer_expect(&d), n - 3);
    sm_deframer_feed(&d, buf + 3, n - 4);
    CU_ASSERT_EQUAL(sm_deframer_expect(&d), 1);
    sm_deframer_feed(&d, buf + n - 1, 1);
    CU_ASSERT_EQUAL(sm_deframer_expect(&d), SM_EXPECT_IDLE);
    CU_ASSERT_EQUAL(good, 2);
}

static const test_case deframe_cases[] = {
    {"m-bus checksum at every frame length", test_mbus_checksum_lengths},
    {"m-bus: sixteen segments at most", test_mbus_sixteen_segments},
    {"m-bus segments of every size", test_mbus_segments},
    {"m-bus checksum, stop byte, lost and foreign segments", test_mbus_bad_frames},
    {"hdlc addresses, segmentation, shared flags, fcs", test_hdlc_addresses_and_segments},
    {"dlms wrapper and bare apdus", test_wrapper_and_raw},
    {"statistics and reset", test_deframer_stats_and_reset},
    {"what a slow-line reader waits for", test_deframer_expect},
    {NULL, NULL}};
const test_suite suite_deframe = {"link layers", deframe_cases};
