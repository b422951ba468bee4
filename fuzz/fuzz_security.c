/* fuzz_security.c - the security header (general-glo/ded-ciphering) and
 * AES-GCM decryption with nettle, under a fixed key.
 *
 * Byte 0 even: the rest is an APDU as a meter would send it: parse the
 * header; when it parses, decrypt with and without tag verification; the
 * header's fields must lie inside the input.
 * Byte 0 odd: a round trip.  Byte 1 picks the security control, bytes 2-5
 * the frame counter, the rest is the plaintext: encrypt it as a meter does
 * (sim/sm_build.c), parse, decrypt: the plaintext, frame counter and system
 * title must come back, authenticated exactly when the security control asks
 * for a tag.  Then one byte of the ciphertext or tag is flipped (position and
 * bit from the input): an authenticated telegram must then fail. */
#include <string.h>

#include "fuzz.h"
#include "sm_build.h"
#include "sm_deframe.h"
#include "sm_security.h"

static sm_cipher strict, lax;
static uint8_t out[SM_APDU_MAX + 64], apdu[SM_APDU_MAX + 64];
static int ready;

static void setup(void)
{
    if (ready)
        return;
    sm_cipher_init(&strict, fuzz_ek, 16, fuzz_ak, 16, true);
    sm_cipher_init(&lax, fuzz_ek, 16, fuzz_ak, 16, false);
    ready = 1;
}

static void parse_and_decrypt(const uint8_t *p, size_t n)
{
    sm_sec_header h;
    size_t len = 0;
    bool auth;
    sm_cur c = sm_cur_make(p, n);
    if (sm_sec_parse(&c, &h) != SM_OK) {
        size_t off = sm_cur_off(&c);
        if (off > n)
            FUZZ_FAIL("error offset %zu beyond %zu bytes", off, n);
        return;
    }
    if (h.payload < p || h.payload + h.payload_len > p + n ||
        (h.tag && (h.tag < p || h.tag + 12 > p + n)))
        FUZZ_FAIL("header points outside the input");
    if (sm_sec_decrypt(&h, &strict, out, sizeof out, &len, &auth) == SM_OK && len > h.payload_len)
        FUZZ_FAIL("plaintext longer than the payload");
    sm_sec_decrypt(&h, &lax, out, sizeof out, &len, &auth);
}

static void round_trip(const uint8_t *data, size_t size)
{
    static const uint8_t scs[] = {0x20, 0x30, 0x10, 0x21, 0x31, 0x11};
    if (size < 5)
        return;
    uint8_t sc = scs[data[0] % sizeof scs];
    uint32_t fc = (uint32_t)data[1] << 24 | (uint32_t)data[2] << 16 | (uint32_t)data[3] << 8 | data[4];
    const uint8_t *plain = data + 5;
    size_t plain_len = size - 5;
    size_t n = smb_glo(apdu, sizeof apdu, sc, fuzz_title, fc, fuzz_ek, 16, fuzz_ak, 16, plain,
                       plain_len);
    if (n == 0)
        return; /* too long for one APDU */
    sm_sec_header h;
    size_t len = 0;
    bool auth = false;
    if (sm_sec_parse(SM_CUR_OVER(apdu, n), &h) != SM_OK)
        FUZZ_FAIL("a telegram built as meters do does not parse");
    if (h.sc != sc || h.fc != fc || memcmp(h.system_title, fuzz_title, 8) != 0)
        FUZZ_FAIL("header fields changed");
    if (sm_sec_decrypt(&h, &strict, out, sizeof out, &len, &auth) != SM_OK)
        FUZZ_FAIL("a good telegram does not decrypt (sc %02X)", sc);
    if (len != plain_len || memcmp(out, plain, len) != 0)
        FUZZ_FAIL("plaintext changed");
    if (auth != ((sc & 0x10) != 0))
        FUZZ_FAIL("authenticated %d for sc %02X", auth, sc);
    if (!(sc & 0x10) || h.payload_len + 12 == 0)
        return;
    /* flip one bit of the ciphertext or the tag */
    size_t span = h.payload_len + 12;
    size_t at = (size_t)fc % span;
    uint8_t *p = at < h.payload_len ? (uint8_t *)h.payload + at : (uint8_t *)h.tag + (at - h.payload_len);
    *p ^= (uint8_t)(1u << (data[0] >> 5));
    if (sm_sec_decrypt(&h, &strict, out, sizeof out, &len, &auth) == SM_OK)
        FUZZ_FAIL("a forged telegram passed the tag check (sc %02X, byte %zu)", sc, at);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    setup();
    if (data[0] & 1)
        round_trip(data + 1, size - 1);
    else
        parse_and_decrypt(data + 1, size - 1);
    return 0;
}
