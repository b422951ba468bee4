/* test_security.c - the security layer on its own: header forms, every
 * security control, AES-128 and AES-256, missing and wrong keys. */
#include <stdlib.h>
#include <string.h>

#include "test_util.h"

static const uint8_t title[8] = {'K', 'F', 'M', 0x10, 0x20, 0x00, 0x37, 0x74};
static const uint8_t plain[] = {0x0F, 0x00, 0x00, 0x00, 0x07, 0x00, 0x12, 0x09, 0x1A};
static const uint8_t ek256[32] = {1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11,
                                  12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22,
                                  23, 24, 25, 26, 27, 28, 29, 30, 31, 32};

static got_telegram *decode(collector *c, const uint8_t *apdu, size_t len, const uint8_t *ek,
                            size_t ek_len, const uint8_t *ak, size_t ak_len, bool verify)
{
    collector_init(c);
    decode_bytes(c, SM_LINK_RAW, ek, ek_len, ak, ak_len, verify, apdu, len, 0);
    CU_ASSERT_EQUAL_FATAL(c->n, 1);
    return &c->t[0];
}

static void expect_plain(const got_telegram *t)
{
    ASSERT_ERR(t->err, SM_OK);
    CU_ASSERT_EQUAL(t->apdu_len, sizeof plain);
    CU_ASSERT(memcmp(t->apdu, plain, sizeof plain) == 0);
    CU_ASSERT_EQUAL_FATAL(t->n, 1);
    CU_ASSERT_EQUAL(t->readings[0].r.value, 2330);
}

static void test_security_controls(void)
{
    uint8_t apdu[256];
    collector c;
    static const uint8_t scs[] = {0x20, 0x21, 0x30, 0x31, 0x10, 0x00};
    for (size_t i = 0; i < sizeof scs; i++) {
        size_t n = build_glo(apdu, sizeof apdu, scs[i], title, 0x1234, TEST_EK, 16, TEST_AK, 16,
                             plain, sizeof plain);
        got_telegram *t = decode(&c, apdu, n, TEST_EK, 16, TEST_AK, 16, true);
        expect_plain(t);
        CU_ASSERT_EQUAL(t->sec.sc, scs[i]);
        CU_ASSERT_EQUAL(t->sec.fc, 0x1234);
        CU_ASSERT_EQUAL(t->authenticated, (scs[i] & 0x10) != 0);
        collector_free(&c);
    }
}

static void test_aes256(void)
{
    uint8_t apdu[256];
    collector c;
    size_t n = build_glo(apdu, sizeof apdu, 0x32, title, 99, ek256, 32, TEST_AK, 16, plain,
                         sizeof plain);
    got_telegram *t = decode(&c, apdu, n, ek256, 32, TEST_AK, 16, true);
    expect_plain(t);
    CU_ASSERT_TRUE(t->authenticated);
    collector_free(&c);
    n = build_glo(apdu, sizeof apdu, 0x22, title, 99, ek256, 32, NULL, 0, plain, sizeof plain);
    expect_plain(decode(&c, apdu, n, ek256, 32, NULL, 0, true));
    collector_free(&c);
    /* the suite says AES-256 but the key is 16 bytes, and the other way round */
    t = decode(&c, apdu, n, TEST_EK, 16, NULL, 0, true);
    ASSERT_ERR(t->err, SM_ERR_KEY_LENGTH);
    collector_free(&c);
    n = build_glo(apdu, sizeof apdu, 0x20, title, 99, TEST_EK, 16, NULL, 0, plain, sizeof plain);
    t = decode(&c, apdu, n, ek256, 32, NULL, 0, true);
    ASSERT_ERR(t->err, SM_ERR_KEY_LENGTH);
    collector_free(&c);
}

/* which key is wrong: every explanation of a failed tag or plaintext, with
 * AES-128 and AES-256, tagged, encryption-only and authentication-only */
static void expect_diag(const uint8_t *apdu, size_t n, const uint8_t *ek, size_t ek_len,
                        const uint8_t *ak, size_t ak_len, sm_err err, sm_key_diag diag)
{
    collector c;
    got_telegram *t = decode(&c, apdu, n, ek, ek_len, ak, ak_len, true);
    ASSERT_ERR(t->err, err);
    if (t->key_diag != diag)
        fprintf(stderr, "\n    key_diag %d, want %d\n", (int)t->key_diag, (int)diag);
    CU_ASSERT_EQUAL(t->key_diag, diag);
    CU_ASSERT_EQUAL(t->apdu_len, 0); /* no plaintext of a failed telegram survives */
    collector_free(&c);
}

static void test_which_key(void)
{
    uint8_t apdu[256], wrong_ek[16], wrong_ak[16], ek256_as_ak[32];
    memcpy(wrong_ek, TEST_EK, 16);
    wrong_ek[3] ^= 0x40;
    memcpy(wrong_ak, TEST_AK, 16);
    wrong_ak[15] ^= 0x01;
    memcpy(ek256_as_ak, ek256, 32);
    size_t n = build_glo(apdu, sizeof apdu, 0x30, title, 5, TEST_EK, 16, TEST_AK, 16, plain,
                         sizeof plain);
    expect_diag(apdu, n, TEST_EK, 16, wrong_ak, 16, SM_ERR_TAG_MISMATCH, SM_KEYS_EK_RIGHT);
    expect_diag(apdu, n, TEST_AK, 16, TEST_EK, 16, SM_ERR_TAG_MISMATCH, SM_KEYS_SWAPPED);
    expect_diag(apdu, n, wrong_ek, 16, TEST_AK, 16, SM_ERR_TAG_MISMATCH, SM_KEYS_EK_WRONG);
    expect_diag(apdu, n, wrong_ek, 16, wrong_ak, 16, SM_ERR_TAG_MISMATCH, SM_KEYS_EK_WRONG);
    expect_diag(apdu, n, TEST_EK, 16, NULL, 0, SM_ERR_NO_AUTH_KEY, SM_KEYS_EK_RIGHT);
    expect_diag(apdu, n, wrong_ek, 16, NULL, 0, SM_ERR_NO_AUTH_KEY, SM_KEYS_EK_WRONG);
    /* a damaged tag cannot be told from a wrong authentication key by one telegram */
    apdu[n - 1] ^= 0x01;
    expect_diag(apdu, n, TEST_EK, 16, TEST_AK, 16, SM_ERR_TAG_MISMATCH, SM_KEYS_EK_RIGHT);
    /* AES-256 with a 16-byte authentication key: they cannot be swapped */
    n = build_glo(apdu, sizeof apdu, 0x32, title, 5, ek256, 32, TEST_AK, 16, plain, sizeof plain);
    expect_diag(apdu, n, ek256, 32, wrong_ak, 16, SM_ERR_TAG_MISMATCH, SM_KEYS_EK_RIGHT);
    /* ... but two 32-byte keys can */
    ek256_as_ak[0] ^= 0xFF; /* another key than ek256 */
    n = build_glo(apdu, sizeof apdu, 0x32, title, 5, ek256, 32, ek256_as_ak, 32, plain,
                  sizeof plain);
    expect_diag(apdu, n, ek256_as_ak, 32, ek256, 32, SM_ERR_TAG_MISMATCH, SM_KEYS_SWAPPED);
    /* encryption only: a wrong key is the error itself; swapped is said */
    n = build_glo(apdu, sizeof apdu, 0x20, title, 5, TEST_EK, 16, NULL, 0, plain, sizeof plain);
    expect_diag(apdu, n, wrong_ek, 16, TEST_AK, 16, SM_ERR_WRONG_KEY, SM_KEYS_UNKNOWN);
    expect_diag(apdu, n, wrong_ek, 16, NULL, 0, SM_ERR_WRONG_KEY, SM_KEYS_UNKNOWN);
    expect_diag(apdu, n, TEST_AK, 16, TEST_EK, 16, SM_ERR_WRONG_KEY, SM_KEYS_SWAPPED);
    /* authentication only: swapped keys are found, nothing else can be said */
    n = build_glo(apdu, sizeof apdu, 0x10, title, 5, TEST_EK, 16, TEST_AK, 16, plain,
                  sizeof plain);
    expect_diag(apdu, n, TEST_AK, 16, TEST_EK, 16, SM_ERR_TAG_MISMATCH, SM_KEYS_SWAPPED);
    expect_diag(apdu, n, TEST_EK, 16, wrong_ak, 16, SM_ERR_TAG_MISMATCH, SM_KEYS_UNKNOWN);
    /* the names and texts */
    CU_ASSERT_STRING_EQUAL(sm_key_diag_name(SM_KEYS_EK_RIGHT), "auth_key_wrong");
    CU_ASSERT_STRING_EQUAL(sm_key_diag_name(SM_KEYS_SWAPPED), "keys_swapped");
    CU_ASSERT_STRING_EQUAL(sm_key_diag_name(SM_KEYS_EK_WRONG), "key_wrong");
    CU_ASSERT_PTR_NULL(sm_key_diag_name(SM_KEYS_UNKNOWN));
    CU_ASSERT_PTR_NULL(sm_key_diag_text(SM_KEYS_UNKNOWN));
}

static void test_missing_keys_and_unsupported(void)
{
    uint8_t apdu[256];
    collector c;
    size_t n = build_glo(apdu, sizeof apdu, 0x30, title, 1, TEST_EK, 16, TEST_AK, 16, plain,
                         sizeof plain);
    ASSERT_ERR(decode(&c, apdu, n, NULL, 0, NULL, 0, true)->err, SM_ERR_NO_KEY);
    collector_free(&c);
    ASSERT_ERR(decode(&c, apdu, n, TEST_EK, 16, NULL, 0, true)->err, SM_ERR_NO_AUTH_KEY);
    collector_free(&c);
    expect_plain(decode(&c, apdu, n, TEST_EK, 16, NULL, 0, false));
    collector_free(&c);
    /* authentication only needs the keys to verify, not to read */
    n = build_glo(apdu, sizeof apdu, 0x10, title, 1, TEST_EK, 16, TEST_AK, 16, plain,
                  sizeof plain);
    expect_plain(decode(&c, apdu, n, NULL, 0, NULL, 0, false));
    collector_free(&c);
    apdu[n - 1] ^= 1;
    ASSERT_ERR(decode(&c, apdu, n, TEST_EK, 16, TEST_AK, 16, true)->err, SM_ERR_TAG_MISMATCH);
    collector_free(&c);
    /* compression and unknown suites */
    n = build_glo(apdu, sizeof apdu, 0x20, title, 1, TEST_EK, 16, NULL, 0, plain, sizeof plain);
    apdu[11] = 0x60;
    ASSERT_ERR(decode(&c, apdu, n, TEST_EK, 16, NULL, 0, true)->err, SM_ERR_SEC_UNSUPPORTED);
    collector_free(&c);
    apdu[11] = 0x23;
    ASSERT_ERR(decode(&c, apdu, n, TEST_EK, 16, NULL, 0, true)->err, SM_ERR_SEC_UNSUPPORTED);
    collector_free(&c);
    /* keys of a wrong length are refused when set */
    sm_decoder *d = malloc(sizeof *d);
    sm_decoder_init(d, SM_LINK_RAW, collector_cb, &c);
    CU_ASSERT_EQUAL(sm_decoder_set_keys(d, TEST_EK, 15, NULL, 0, true), SM_ERR_KEY_LENGTH);
    CU_ASSERT_EQUAL(sm_decoder_set_keys(d, TEST_EK, 16, TEST_AK, 8, true), SM_ERR_KEY_LENGTH);
    free(d);
}

static void test_header_forms(void)
{
    uint8_t apdu[512];
    sm_sec_header h;
    /* one-byte, 81 xx and 82 xxxx content lengths */
    size_t sizes[] = {9, 150, 300};
    for (size_t i = 0; i < 3; i++) {
        uint8_t big[300];
        memset(big, 0, sizeof big);
        memcpy(big, plain, sizeof plain);
        size_t n = build_glo(apdu, sizeof apdu, 0x20, title, 5, TEST_EK, 16, NULL, 0, big,
                             sizes[i]);
        CU_ASSERT_EQUAL(sm_sec_parse(SM_CUR_OVER(apdu, n), &h), SM_OK);
        CU_ASSERT_EQUAL(h.payload_len, sizes[i]);
        CU_ASSERT_EQUAL(h.content_len, sizes[i] + 5);
        /* one byte short (the content length goes beyond the input: named
         * at the length field, after tag, 08 and the title), one too many */
        sm_cur c = sm_cur_make(apdu, n - 1);
        CU_ASSERT_EQUAL(sm_sec_parse(&c, &h), SM_ERR_AXDR_LENGTH);
        CU_ASSERT_EQUAL(sm_cur_off(&c), 10);
        apdu[n] = 0;
        c = sm_cur_make(apdu, n + 1);
        CU_ASSERT_EQUAL(sm_sec_parse(&c, &h), SM_ERR_APDU_TRAILING);
        CU_ASSERT_EQUAL(sm_cur_off(&c), n);
    }
    /* a system title that is not eight octets */
    uint8_t bad[] = {0xDB, 0x07, 1, 2, 3, 4, 5, 6, 7, 0x05, 0x20, 0, 0, 0, 1};
    sm_cur cur = sm_cur_make(bad, sizeof bad);
    CU_ASSERT_EQUAL(sm_sec_parse(&cur, &h), SM_ERR_SEC_HEADER);
    CU_ASSERT_EQUAL(sm_cur_off(&cur), 1);
    /* a tag announced but the content too short for it */
    uint8_t shorttag[] = {0xDB, 0x08, 1, 2, 3, 4, 5, 6, 7, 8, 0x08, 0x30, 0, 0, 0, 1, 0xAA, 0xBB, 0xCC};
    CU_ASSERT_EQUAL(sm_sec_parse(SM_CUR_OVER(shorttag, sizeof shorttag), &h), SM_ERR_SEC_HEADER);
    /* general-ded-ciphering has the same shape */
    size_t n = build_glo(apdu, sizeof apdu, 0x20, title, 5, TEST_EK, 16, NULL, 0, plain,
                         sizeof plain);
    apdu[0] = 0xDC;
    collector c;
    expect_plain(decode(&c, apdu, n, TEST_EK, 16, NULL, 0, true));
    collector_free(&c);
}

static void test_keys(void)
{
    uint8_t k[32];
    size_t n;
    CU_ASSERT_EQUAL(sm_key_from_hex("000102030405060708090A0B0C0D0E0F", k, &n), SM_OK);
    CU_ASSERT(n == 16 && k[15] == 0x0F);
    CU_ASSERT_EQUAL(sm_key_from_hex("0x00:01:02:03:04:05:06:07:08:09:0a:0b:0c:0d:0e:0f", k, &n),
                    SM_OK);
    CU_ASSERT_EQUAL(sm_key_from_hex("00 01 02 03 04 05 06 07 08 09 0A 0B 0C 0D 0E 0F 00 01 02 03 "
                                    "04 05 06 07 08 09 0A 0B 0C 0D 0E 0F",
                                    k, &n),
                    SM_OK);
    CU_ASSERT_EQUAL(n, 32);
    CU_ASSERT_EQUAL(sm_key_from_hex("000102030405060708090A0B0C0D0E", k, &n), SM_ERR_KEY_LENGTH);
    CU_ASSERT_EQUAL(sm_key_from_hex("000102030405060708090A0B0C0D0E0", k, &n), SM_ERR_KEY_LENGTH);
    CU_ASSERT_EQUAL(sm_key_from_hex("000102030405060708090A0B0C0D0E0G", k, &n), SM_ERR_KEY_LENGTH);
    CU_ASSERT_EQUAL(sm_key_from_hex("", k, &n), SM_ERR_KEY_LENGTH);
}

static const test_case security_cases[] = {
    {"keys from hex", test_keys},
    {"security controls 0x20 0x21 0x30 0x31 0x10 0x00", test_security_controls},
    {"aes-256 and key/suite mismatches", test_aes256},
    {"which key is wrong: swapped, authentication key, encryption key", test_which_key},
    {"missing keys, no-verify mode, unsupported controls", test_missing_keys_and_unsupported},
    {"header length forms, trailing bytes, bad titles", test_header_forms},
    {NULL, NULL}};
const test_suite suite_security = {"security layer", security_cases};
