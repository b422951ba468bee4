/* test_adversarial.c - the adversarial set of STYLE.md at every layer:
 * every truncated prefix, whole = byte by byte = split at every offset,
 * trailing garbage, flipped ciphertext and tag bytes, wrong keys. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_util.h"

typedef struct {
    const char *file;
    unsigned line;
    bool auth;
} sample;

static const sample samples[] = {
    {"synthetic/vkw-mbus-enc.hex", 0, false},
    {"synthetic/vkw-hdlc-enc.hex", 0, false},
    {"synthetic/vkw-raw-enc.hex", 0, false},
    {"synthetic/vkw-mbus-auth.hex", 0, true},
};

static size_t load(const sample *s, uint8_t *buf, size_t cap)
{
    char line[8192];
    CU_ASSERT_FATAL(fixture_line(s->file, s->line, line, sizeof line));
    size_t n = hex_decode(line, buf, cap);
    CU_ASSERT_FATAL(n != (size_t)-1);
    return n;
}

static void decode(collector *c, const sample *s, const uint8_t *buf, size_t len, size_t chunk)
{
    decode_bytes(c, SM_LINK_AUTO, TEST_EK, 16, s->auth ? TEST_AK : NULL, s->auth ? 16 : 0, true,
                 buf, len, chunk);
}

static bool same(const got_telegram *a, const got_telegram *b)
{
    if (a->err != b->err || a->n != b->n || a->apdu_len != b->apdu_len ||
        memcmp(a->apdu, b->apdu, a->apdu_len) != 0)
        return false;
    for (size_t i = 0; i < a->n; i++)
        if (a->readings[i].r.value != b->readings[i].r.value ||
            strcmp(a->readings[i].obis, b->readings[i].obis) != 0)
            return false;
    return true;
}

static void test_every_prefix(void)
{
    static uint8_t buf[4096];
    for (size_t k = 0; k < sizeof samples / sizeof samples[0]; k++) {
        size_t len = load(&samples[k], buf, sizeof buf);
        for (size_t p = 0; p < len; p += every_step()) {
            collector c;
            collector_init(&c);
            uint8_t *prefix = malloc(p ? p : 1); /* exact size: over-reads are caught */
            memcpy(prefix, buf, p);
            decode(&c, &samples[k], prefix, p, 0);
            free(prefix);
            CU_ASSERT(c.n <= 1);
            for (size_t i = 0; i < c.n; i++)
                CU_ASSERT_NOT_EQUAL(c.t[i].err, SM_OK);
            /* a frame whose header was seen is reported as cut short; a
             * bare APDU as a length (or a field) beyond the input */
            bool raw = strstr(samples[k].file, "raw") != NULL;
            if (p >= 8 && raw) {
                CU_ASSERT(c.n == 1 && (c.t[0].err == SM_ERR_AXDR_LENGTH ||
                                       c.t[0].err == SM_ERR_TRUNCATED));
            } else if (p >= 8) {
                CU_ASSERT(c.n == 1 && c.t[0].err == SM_ERR_INCOMPLETE);
            }
            collector_free(&c);
        }
    }
}

static void test_split_invariance(void)
{
    static uint8_t buf[4096];
    for (size_t k = 0; k < sizeof samples / sizeof samples[0]; k++) {
        size_t len = load(&samples[k], buf, sizeof buf);
        collector whole, bytewise;
        collector_init(&whole);
        collector_init(&bytewise);
        decode(&whole, &samples[k], buf, len, 0);
        decode(&bytewise, &samples[k], buf, len, 1);
        CU_ASSERT_EQUAL_FATAL(whole.n, 1);
        ASSERT_ERR(whole.t[0].err, SM_OK);
        CU_ASSERT_EQUAL_FATAL(bytewise.n, 1);
        CU_ASSERT_TRUE(same(&whole.t[0], &bytewise.t[0]));
        for (size_t at = 1; at < len; at += every_step()) {
            collector c;
            collector_init(&c);
            sm_decoder *d = malloc(sizeof *d);
            sm_decoder_init(d, SM_LINK_AUTO, collector_cb, &c);
            sm_decoder_set_keys(d, TEST_EK, 16, samples[k].auth ? TEST_AK : NULL,
                                samples[k].auth ? 16 : 0, true);
            uint8_t *a = malloc(at), *b = malloc(len - at);
            memcpy(a, buf, at);
            memcpy(b, buf + at, len - at);
            sm_decoder_feed(d, a, at);
            sm_decoder_feed(d, b, len - at);
            sm_decoder_finish(d);
            free(a);
            free(b);
            free(d);
            CU_ASSERT_EQUAL(c.n, 1);
            if (c.n == 1)
                CU_ASSERT_TRUE(same(&whole.t[0], &c.t[0]));
            collector_free(&c);
        }
        collector_free(&whole);
        collector_free(&bytewise);
    }
}

static void test_trailing_garbage(void)
{
    static uint8_t buf[8192];
    unsigned seed = 12345;
    for (size_t k = 0; k < sizeof samples / sizeof samples[0]; k++) {
        size_t len = load(&samples[k], buf, sizeof buf);
        collector ref;
        collector_init(&ref);
        decode(&ref, &samples[k], buf, len, 0);
        for (size_t extra = 1; extra < 600; extra += 37) {
            for (size_t i = 0; i < extra; i++) {
                seed = seed * 1103515245u + 12345u;
                buf[len + i] = (uint8_t)(seed >> 16);
            }
            collector c;
            collector_init(&c);
            decode(&c, &samples[k], buf, len + extra, 0);
            CU_ASSERT_FATAL(c.n >= 1);
            CU_ASSERT_TRUE(same(&ref.t[0], &c.t[0]));
            for (size_t i = 1; i < c.n; i++)
                CU_ASSERT_NOT_EQUAL(c.t[i].err, SM_OK);
            collector_free(&c);
        }
        collector_free(&ref);
    }
}

/* The ciphering APDU of the authenticated sample, as the link delivers it. */
static size_t auth_apdu(uint8_t *apdu, size_t cap)
{
    static uint8_t buf[4096];
    size_t len = load(&samples[3], buf, sizeof buf);
    /* reassemble by hand: frame payloads after CI and the TSAP bytes */
    size_t n = 0;
    for (size_t p = 0; p < len;) {
        size_t l = buf[p + 1];
        memcpy(apdu + n, buf + p + 9, l - 5);
        n += l - 5;
        p += l + 6;
    }
    CU_ASSERT_FATAL(n <= cap);
    return n;
}

static sm_err decode_apdu_err(const uint8_t *apdu, size_t len, const uint8_t *ek,
                              const uint8_t *ak, bool verify)
{
    collector c;
    collector_init(&c);
    sm_decoder *d = malloc(sizeof *d);
    sm_decoder_init(d, SM_LINK_RAW, collector_cb, &c);
    sm_decoder_set_keys(d, ek, 16, ak, ak ? 16 : 0, verify);
    uint8_t *copy = malloc(len ? len : 1);
    memcpy(copy, apdu, len);
    sm_decoder_apdu(d, copy, len);
    free(copy);
    free(d);
    sm_err e = c.n == 1 ? c.t[0].err : SM_ERR_ARG;
    collector_free(&c);
    return e;
}

static void test_flipped_ciphertext_and_tag(void)
{
    uint8_t apdu[1024];
    size_t len = auth_apdu(apdu, sizeof apdu);
    ASSERT_ERR(decode_apdu_err(apdu, len, TEST_EK, TEST_AK, true), SM_OK);
    /* DB 08 title(8) 82 xxxx SC FC(4): the payload starts at 18 */
    for (size_t i = 18; i < len; i++) {
        for (int bit = 0; bit < 8; bit += 7) {
            apdu[i] ^= (uint8_t)(1u << bit);
            sm_err e = decode_apdu_err(apdu, len, TEST_EK, TEST_AK, true);
            if (e != SM_ERR_TAG_MISMATCH)
                fprintf(stderr, "\n    flip at %zu: %s\n", i, sm_errname(e));
            CU_ASSERT_EQUAL(e, SM_ERR_TAG_MISMATCH);
            apdu[i] ^= (uint8_t)(1u << bit);
        }
    }
    /* the authenticated header fields are covered too: system title, SC, FC */
    for (size_t i = 2; i < 10; i++) {
        apdu[i] ^= 0x01;
        ASSERT_ERR(decode_apdu_err(apdu, len, TEST_EK, TEST_AK, true), SM_ERR_TAG_MISMATCH);
        apdu[i] ^= 0x01;
    }
    for (size_t i = 14; i < 18; i++) {
        apdu[i] ^= 0x80;
        ASSERT_ERR(decode_apdu_err(apdu, len, TEST_EK, TEST_AK, true), SM_ERR_TAG_MISMATCH);
        apdu[i] ^= 0x80;
    }
}

static void test_wrong_keys(void)
{
    static uint8_t buf[4096];
    uint8_t wrong[16];
    memcpy(wrong, TEST_EK, 16);
    wrong[15] ^= 0x55;
    uint8_t wrong_ak[16];
    memcpy(wrong_ak, TEST_AK, 16);
    wrong_ak[0] ^= 1;
    for (size_t k = 0; k < 3; k++) { /* untagged samples */
        size_t len = load(&samples[k], buf, sizeof buf);
        collector c;
        collector_init(&c);
        decode_bytes(&c, SM_LINK_AUTO, wrong, 16, NULL, 0, true, buf, len, 0);
        CU_ASSERT_EQUAL_FATAL(c.n, 1);
        ASSERT_ERR(c.t[0].err, SM_ERR_WRONG_KEY);
        CU_ASSERT_EQUAL(c.t[0].where, SM_WHERE_APDU);
        collector_free(&c);
    }
    /* every synthetic untagged telegram with the wrong key */
    char line[8192];
    for (unsigned k = 0; fixture_line("synthetic/vkw-mbus-enc.hex", k, line, sizeof line); k++) {
        size_t len = hex_decode(line, buf, sizeof buf);
        collector c;
        collector_init(&c);
        decode_bytes(&c, SM_LINK_AUTO, wrong, 16, NULL, 0, true, buf, len, 0);
        CU_ASSERT_EQUAL(c.n, 1);
        ASSERT_ERR(c.t[0].err, SM_ERR_WRONG_KEY);
        collector_free(&c);
    }
    uint8_t apdu[1024];
    size_t len = auth_apdu(apdu, sizeof apdu);
    ASSERT_ERR(decode_apdu_err(apdu, len, wrong, TEST_AK, true), SM_ERR_TAG_MISMATCH);
    ASSERT_ERR(decode_apdu_err(apdu, len, TEST_EK, wrong_ak, true), SM_ERR_TAG_MISMATCH);
    /* without tag verification, a wrong AK does not matter ... */
    ASSERT_ERR(decode_apdu_err(apdu, len, TEST_EK, wrong_ak, false), SM_OK);
    /* ... and a wrong EK is caught by the plausibility check */
    ASSERT_ERR(decode_apdu_err(apdu, len, wrong, NULL, false), SM_ERR_WRONG_KEY);
}

/* Every prefix and every single-byte corruption of a plaintext APDU: an
 * error or a decode, never a crash (under the sanitizers). */
static void test_plaintext_prefixes_and_corruption(void)
{
    static const char *files[] = {"vectors/kaifa-ma309-vkw-plain-1.json",
                                  "vectors/sagemcom-t210d-at-plain-1.json"};
    for (size_t f = 0; f < 2; f++) {
        char *text = fixture_read(files[f], NULL);
        char *p = strstr(text, "\"telegram_hex\": \"");
        CU_ASSERT_PTR_NOT_NULL_FATAL(p);
        p += strlen("\"telegram_hex\": \"");
        *strchr(p, '"') = '\0';
        uint8_t apdu[1024];
        size_t len = hex_decode(p, apdu, sizeof apdu);
        free(text);
        for (size_t n = 0; n < len; n += every_step()) {
            sm_err e = decode_apdu_err(apdu, n, TEST_EK, NULL, true);
            CU_ASSERT_NOT_EQUAL(e, SM_OK);
            CU_ASSERT_NOT_EQUAL(e, SM_ERR_ARG);
        }
        for (size_t i = 0; i < len; i += every_step()) {
            for (unsigned v = 0; v < 256; v += 51) {
                uint8_t keep = apdu[i];
                apdu[i] = (uint8_t)v;
                sm_err e = decode_apdu_err(apdu, len, TEST_EK, NULL, true);
                CU_ASSERT_NOT_EQUAL(e, SM_ERR_ARG); /* exactly one report */
                apdu[i] = keep;
            }
        }
    }
}

static const test_case adversarial_cases[] = {
    {"every truncated prefix is need-more, then incomplete", test_every_prefix},
    {"whole = byte by byte = split at every offset", test_split_invariance},
    {"trailing garbage", test_trailing_garbage},
    {"flipped ciphertext, tag and header bytes", test_flipped_ciphertext_and_tag},
    {"wrong keys", test_wrong_keys},
    {"plaintext prefixes and corruption", test_plaintext_prefixes_and_corruption},
    {NULL, NULL}};
const test_suite suite_adversarial = {"adversarial input", adversarial_cases};
