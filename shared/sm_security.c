/* sm_security.c - general-glo/ded-ciphering header and decryption through
 * nettle. */
#define _DEFAULT_SOURCE /* explicit_bzero */
#include "config.h"

#include "sm_security.h"

#include <string.h>

#include <nettle/ctr.h>
#include <nettle/memops.h>

#include "sm_apdu.h"
#include "sm_cursor.h"
#include "sm_hex.h"

#ifdef HAVE_NETTLE_DIGEST_NO_LENGTH
#define SM_GCM_DIGEST(fn, ctx, buf) fn(ctx, buf)
#else
#define SM_GCM_DIGEST(fn, ctx, buf) fn(ctx, GCM_DIGEST_SIZE, buf)
#endif

void sm_wipe(void *p, size_t n)
{
#ifdef HAVE_EXPLICIT_BZERO
    explicit_bzero(p, n);
#else
    volatile unsigned char *v = p;
    while (n--)
        *v++ = 0;
#endif
}

sm_err sm_sec_parse(sm_cur *c, sm_sec_header *h)
{
    memset(h, 0, sizeof *h);
    sm_cur content;
    sm_err e;
    uint8_t tag;
    size_t n;
    const uint8_t *title = NULL;
    uint64_t fc = 0;
    if ((e = sm_cur_u8(c, &tag)))
        return e;
    if (tag != SM_APDU_GLO_CIPHERING && tag != SM_APDU_DED_CIPHERING) {
        c->p--;
        return SM_ERR_APDU_UNSUPPORTED;
    }
    h->apdu_tag = tag;
    const uint8_t *title_len = c->p;
    if ((e = sm_cur_axdr_len(c, &n)))
        return e;
    if (n != 8) {
        /* the IV needs exactly eight octets of system title */
        c->p = title_len;
        return SM_ERR_SEC_HEADER;
    }
    if ((e = sm_cur_take(c, 8, &title)))
        return e;
    memcpy(h->system_title, title, 8);
    /* the ciphered content: SC, FC, payload[, tag], exactly its length, and
     * the APDU ends with it */
    if ((e = sm_cur_axdr_len(c, &n)) || (e = sm_cur_sub(c, n, &content)))
        return e;
    if (sm_cur_left(c))
        return SM_ERR_APDU_TRAILING;
    h->content_len = n;
    *c = content;
    if (sm_cur_u8(c, &h->sc) || sm_cur_be(c, 4, &fc))
        return SM_ERR_SEC_HEADER; /* a content too short for its own header */
    h->fc = (uint32_t)fc;
    size_t rest = sm_cur_left(c);
    if (h->sc & SM_SC_AUTH) {
        if (rest < SM_TAG_LEN)
            return SM_ERR_SEC_HEADER;
        rest -= SM_TAG_LEN;
        h->tag = c->p + rest;
    }
    h->payload_offset = sm_cur_off(c);
    h->payload = c->p;
    h->payload_len = rest;
    return SM_OK;
}

sm_err sm_cipher_init(sm_cipher *c, const uint8_t *ek, size_t ek_len, const uint8_t *ak,
                      size_t ak_len, bool verify_tag)
{
    memset(c, 0, sizeof *c);
    c->verify_tag = verify_tag;
    if (ek_len && ek_len != 16 && ek_len != 32)
        return SM_ERR_KEY_LENGTH;
    if (ak_len && ak_len != 16 && ak_len != 32)
        return SM_ERR_KEY_LENGTH;
    if (ek && ek_len) {
        memcpy(c->ek, ek, ek_len);
        c->ek_len = ek_len;
    }
    if (ek && ek_len == 16) {
        c->key_bits = 128;
        aes128_set_encrypt_key(&c->aes.a128, ek);
        gcm_aes128_set_key(&c->gcm.g128, ek);
    } else if (ek && ek_len == 32) {
        c->key_bits = 256;
        aes256_set_encrypt_key(&c->aes.a256, ek);
        gcm_aes256_set_key(&c->gcm.g256, ek);
    }
    if (ak && ak_len) {
        c->has_ak = true;
        memcpy(c->ak, ak, ak_len);
        c->ak_len = ak_len;
    }
    return SM_OK;
}

void sm_cipher_wipe(sm_cipher *c)
{
    sm_wipe(c, sizeof *c);
}

static void make_iv(const sm_sec_header *h, uint8_t iv[12])
{
    memcpy(iv, h->system_title, 8);
    iv[8] = (uint8_t)(h->fc >> 24);
    iv[9] = (uint8_t)(h->fc >> 16);
    iv[10] = (uint8_t)(h->fc >> 8);
    iv[11] = (uint8_t)h->fc;
}

/* Bare GCM keystream: AES-CTR starting at the counter block IV || 00000002. */
static void ctr_decrypt(sm_cipher *c, const uint8_t iv[12], const uint8_t *src, size_t len,
                        uint8_t *dst)
{
    uint8_t ctr[16];
    memcpy(ctr, iv, 12);
    ctr[12] = ctr[13] = ctr[14] = 0;
    ctr[15] = 2;
    if (c->key_bits == 128)
        ctr_crypt(&c->aes.a128, (nettle_cipher_func *)aes128_encrypt, AES_BLOCK_SIZE, ctr,
                  len, dst, src);
    else
        ctr_crypt(&c->aes.a256, (nettle_cipher_func *)aes256_encrypt, AES_BLOCK_SIZE, ctr,
                  len, dst, src);
}

/* nettle wants every GCM AAD update but the last to be a whole number of
 * blocks; the AAD of an authentication-only APDU (SC || AK || payload)
 * comes from two places, so it is staged through one block. */
typedef struct {
    sm_cipher *c;
    uint8_t block[GCM_BLOCK_SIZE];
    size_t fill;
} aad_stage;

static void aad_update(sm_cipher *c, size_t n, const uint8_t *p)
{
    if (c->key_bits == 128)
        gcm_aes128_update(&c->gcm.g128, n, p);
    else
        gcm_aes256_update(&c->gcm.g256, n, p);
}

static void aad_put(aad_stage *s, const uint8_t *p, size_t n)
{
    if (s->fill) {
        size_t take = GCM_BLOCK_SIZE - s->fill < n ? GCM_BLOCK_SIZE - s->fill : n;
        memcpy(s->block + s->fill, p, take);
        s->fill += take;
        p += take;
        n -= take;
        if (s->fill < GCM_BLOCK_SIZE)
            return;
        aad_update(s->c, GCM_BLOCK_SIZE, s->block);
        s->fill = 0;
    }
    size_t whole = n - n % GCM_BLOCK_SIZE;
    if (whole)
        aad_update(s->c, whole, p);
    memcpy(s->block, p + whole, n - whole);
    s->fill = n - whole;
}

static void aad_end(aad_stage *s)
{
    if (s->fill)
        aad_update(s->c, s->fill, s->block);
    sm_wipe(s->block, sizeof s->block);
}

/* GCM over (AAD, payload): decrypts when enc, returns the full tag. */
static void gcm_run(sm_cipher *c, const uint8_t iv[12], const uint8_t *aad, size_t aad_len,
                    const uint8_t *aad2, size_t aad2_len, const uint8_t *src, size_t len,
                    uint8_t *dst, uint8_t digest[GCM_DIGEST_SIZE])
{
    if (c->key_bits == 128)
        gcm_aes128_set_iv(&c->gcm.g128, 12, iv);
    else
        gcm_aes256_set_iv(&c->gcm.g256, 12, iv);
    aad_stage s = {c, {0}, 0};
    aad_put(&s, aad, aad_len);
    if (aad2_len)
        aad_put(&s, aad2, aad2_len);
    aad_end(&s);
    if (c->key_bits == 128) {
        if (len)
            gcm_aes128_decrypt(&c->gcm.g128, len, dst, src);
        SM_GCM_DIGEST(gcm_aes128_digest, &c->gcm.g128, digest);
    } else {
        if (len)
            gcm_aes256_decrypt(&c->gcm.g256, len, dst, src);
        SM_GCM_DIGEST(gcm_aes256_digest, &c->gcm.g256, digest);
    }
}

sm_err sm_sec_decrypt(const sm_sec_header *h, sm_cipher *c, uint8_t *out, size_t cap,
                      size_t *out_len, bool *authenticated)
{
    *out_len = 0;
    *authenticated = false;
    unsigned suite = h->sc & 0x0F;
    if ((h->sc & SM_SC_COMPRESSION) || suite > 2)
        return SM_ERR_SEC_UNSUPPORTED;
    if (cap < h->payload_len)
        return SM_ERR_OVERSIZE;
    bool enc = h->sc & SM_SC_ENC;
    bool auth = h->sc & SM_SC_AUTH;
    bool verify = auth && c->verify_tag;

    if (!enc && !verify) {
        memcpy(out, h->payload, h->payload_len);
        *out_len = h->payload_len;
        return SM_OK;
    }
    if (c->key_bits == 0)
        return SM_ERR_NO_KEY;
    if ((suite == 2) != (c->key_bits == 256))
        return SM_ERR_KEY_LENGTH;
    if (verify && !c->has_ak)
        return SM_ERR_NO_AUTH_KEY;

    uint8_t iv[12];
    make_iv(h, iv);
    if (!verify) {
        /* encryption without a tag, or a tag the caller chose not to check */
        ctr_decrypt(c, iv, h->payload, h->payload_len, out);
        *out_len = h->payload_len;
        return SM_OK;
    }

    uint8_t aad[1 + 32];
    aad[0] = h->sc;
    memcpy(aad + 1, c->ak, c->ak_len);
    uint8_t digest[GCM_DIGEST_SIZE];
    if (enc)
        gcm_run(c, iv, aad, 1 + c->ak_len, NULL, 0, h->payload, h->payload_len, out, digest);
    else /* authentication only: the payload is plaintext and part of the AAD */
        gcm_run(c, iv, aad, 1 + c->ak_len, h->payload, h->payload_len, NULL, 0, NULL, digest);
    int equal = memeql_sec(digest, h->tag, SM_TAG_LEN);
    sm_wipe(aad, sizeof aad);
    sm_wipe(digest, sizeof digest);
    if (!equal) {
        sm_wipe(out, h->payload_len);
        return SM_ERR_TAG_MISMATCH;
    }
    if (!enc)
        memcpy(out, h->payload, h->payload_len);
    *out_len = h->payload_len;
    *authenticated = true;
    return SM_OK;
}

/* ---- which key is wrong ------------------------------------------------------ */

/* The two keys the other way round: the tag verifies, or (no tag) the
 * payload decrypts plausibly. */
static bool works_swapped(const sm_sec_header *h, const sm_cipher *c, uint8_t *scratch, size_t cap,
                          bool (*plausible)(const uint8_t *, size_t))
{
    if (!c->has_ak || !c->ek_len)
        return false;
    bool tagged = (h->sc & SM_SC_AUTH) && c->verify_tag;
    sm_cipher sw;
    bool works = false;
    if (sm_cipher_init(&sw, c->ak, c->ak_len, c->ek, c->ek_len, tagged) == SM_OK) {
        size_t n;
        bool auth;
        works = sm_sec_decrypt(h, &sw, scratch, cap, &n, &auth) == SM_OK &&
                (tagged ? auth : plausible(scratch, n));
    }
    sm_cipher_wipe(&sw);
    return works;
}

sm_key_diag sm_sec_diagnose(const sm_sec_header *h, sm_cipher *c, uint8_t *scratch, size_t cap,
                            bool (*plausible)(const uint8_t *p, size_t n))
{
    if (cap < h->payload_len || c->key_bits == 0)
        return SM_KEYS_UNKNOWN;
    sm_key_diag d = SM_KEYS_UNKNOWN;
    if (works_swapped(h, c, scratch, cap, plausible)) {
        d = SM_KEYS_SWAPPED;
    } else if (h->sc & SM_SC_ENC) {
        unsigned suite = h->sc & 0x0F;
        if ((suite == 2) == (c->key_bits == 256)) {
            uint8_t iv[12];
            make_iv(h, iv);
            ctr_decrypt(c, iv, h->payload, h->payload_len, scratch);
            d = plausible(scratch, h->payload_len) ? SM_KEYS_EK_RIGHT : SM_KEYS_EK_WRONG;
        }
    }
    sm_wipe(scratch, h->payload_len);
    return d;
}

const char *sm_key_diag_name(sm_key_diag d)
{
    switch (d) {
    case SM_KEYS_EK_RIGHT: return "auth_key_wrong";
    case SM_KEYS_SWAPPED: return "keys_swapped";
    case SM_KEYS_EK_WRONG: return "key_wrong";
    default: return NULL;
    }
}

sm_key_advice sm_key_advise(sm_err err, sm_key_diag diag)
{
    bool no_ak = err == SM_ERR_NO_AUTH_KEY;
    switch (diag) {
    case SM_KEYS_SWAPPED: return SM_ADVICE_SWAP;
    case SM_KEYS_EK_RIGHT: return no_ak ? SM_ADVICE_GIVE_AK : SM_ADVICE_CHECK_AK;
    case SM_KEYS_EK_WRONG: return no_ak ? SM_ADVICE_CHECK_EK_TOO : SM_ADVICE_CHECK_EK;
    default: break;
    }
    switch (err) {
    case SM_ERR_NO_KEY: return SM_ADVICE_GIVE_KEY;
    case SM_ERR_NO_AUTH_KEY: return SM_ADVICE_GIVE_AK_ONLY;
    case SM_ERR_TAG_MISMATCH: return SM_ADVICE_CHECK_KEYS;
    case SM_ERR_WRONG_KEY: return SM_ADVICE_CHECK_KEY;
    default: return SM_ADVICE_NONE;
    }
}

const char *sm_key_diag_text(sm_key_diag d)
{
    switch (d) {
    case SM_KEYS_EK_RIGHT:
        return "the encryption key is right, the authentication key is wrong or missing";
    case SM_KEYS_SWAPPED: return "the encryption and authentication keys are swapped";
    case SM_KEYS_EK_WRONG:
        return "the encryption key does not decrypt it (a wrong key, or a damaged telegram)";
    default: return NULL;
    }
}

/* ---- keys ------------------------------------------------------------------ */

sm_err sm_key_from_hex(const char *hex, uint8_t out[32], size_t *len)
{
    size_t n = 0;
    int half = -1;
    const char *p = hex;
    while (*p == ' ' || *p == '\t')
        p++;
    if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
        p += 2;
    for (; *p; p++) {
        char ch = *p;
        int v = sm_hex_digit((unsigned char)ch);
        if (v < 0 && (ch == ' ' || ch == ':' || ch == '\t' || ch == '\n' || ch == '\r'))
            continue;
        if (v < 0)
            goto bad;
        if (half < 0) {
            half = v;
        } else {
            if (n >= 32)
                goto bad;
            out[n++] = (uint8_t)(half << 4 | v);
            half = -1;
        }
    }
    if (half >= 0 || (n != 16 && n != 32))
        goto bad;
    *len = n;
    return SM_OK;
bad:
    sm_wipe(out, 32);
    return SM_ERR_KEY_LENGTH;
}

sm_err sm_key_from_file_content(const uint8_t *buf, size_t n, uint8_t out[32], size_t *len)
{
    char text[512];
    if (n < sizeof text && memchr(buf, '\0', n) == NULL) {
        memcpy(text, buf, n);
        text[n] = '\0';
        sm_err e = sm_key_from_hex(text, out, len);
        sm_wipe(text, sizeof text);
        if (e == SM_OK)
            return SM_OK;
    }
    if (n == 16 || n == 32) {
        memcpy(out, buf, n);
        *len = n;
        return SM_OK;
    }
    sm_wipe(out, 32);
    return SM_ERR_KEY_LENGTH;
}
