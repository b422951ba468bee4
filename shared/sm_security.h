/* sm_security.h - the DLMS security layer of a push (IEC 62056-5-3 5.x,
 * DLMS UA Green Book 9.2.7):
 *   general-glo-ciphering / general-ded-ciphering ::= SEQUENCE {
 *       system-title OCTET STRING (8), ciphered-content OCTET STRING }
 *   ciphered-content = security-control(1) || frame-counter(4) || payload
 *                      [|| authentication tag (12) when bit 4 of SC is set]
 * Security control: bits 0-3 suite (0/1 AES-128-GCM, 2 AES-256-GCM), bit 4
 * authentication, bit 5 encryption, bit 6 compression (not supported),
 * bit 7 broadcast key.  IV = system-title || frame-counter.
 *
 * Decryption uses nettle: GCM with AAD = SC || AK and a 12-byte tag compared
 * in constant time (memeql_sec) for SC 0x30/0x31, the bare GCM keystream
 * (AES-CTR from IV || 00000002) for 0x20/0x21 which carry no tag, GMAC over
 * SC || AK || payload for authentication only (0x10).
 *
 * sm_cipher holds the expanded keys; sm_cipher_wipe() clears them.  Keys are
 * never copied anywhere else by the core.  A cipher is read-only once set
 * up, but its GCM context is scratch state, so one sm_cipher must not be
 * used by two threads at once.
 */
#ifndef SM_SECURITY_H
#define SM_SECURITY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <nettle/aes.h>
#include <nettle/gcm.h>

#include "sm_cursor.h"
#include "sm_error.h"

#define SM_SC_AUTH 0x10
#define SM_SC_ENC 0x20
#define SM_SC_COMPRESSION 0x40
#define SM_SC_BROADCAST 0x80
#define SM_TAG_LEN 12

typedef struct {
    uint8_t apdu_tag;             /* 0xDB or 0xDC */
    uint8_t system_title[8];
    size_t content_len;           /* A-XDR length of the ciphered content */
    uint8_t sc;                   /* security control */
    uint32_t fc;                  /* frame (invocation) counter */
    const uint8_t *payload;       /* ciphertext, or plaintext for SC 0x10 */
    size_t payload_len;
    size_t payload_offset;        /* offset of the payload in the APDU */
    const uint8_t *tag;           /* NULL when SC has no authentication */
} sm_sec_header;

/* The security header of the ciphering APDU at the cursor (its base the
 * APDU's first byte).  On an error the cursor is left at the failure. */
sm_err sm_sec_parse(sm_cur *c, sm_sec_header *h);

typedef struct {
    unsigned key_bits;            /* 0 (no key), 128 or 256 */
    bool has_ak;
    bool verify_tag;
    uint8_t ek[32];               /* kept for sm_sec_diagnose (swapped keys) */
    size_t ek_len;
    uint8_t ak[32];
    size_t ak_len;
    union {
        struct aes128_ctx a128;
        struct aes256_ctx a256;
    } aes;
    union {
        struct gcm_aes128_ctx g128;
        struct gcm_aes256_ctx g256;
    } gcm;
} sm_cipher;

/* ek: 16 or 32 bytes, or NULL/0 for none; ak: 16 or 32 bytes, or NULL/0.
 * SM_ERR_KEY_LENGTH for other lengths. */
sm_err sm_cipher_init(sm_cipher *c, const uint8_t *ek, size_t ek_len, const uint8_t *ak,
                      size_t ak_len, bool verify_tag);
void sm_cipher_wipe(sm_cipher *c);

/* Decrypt (and authenticate) the payload into out (cap >= payload_len).
 * *authenticated tells whether a tag was verified; when it was not, the
 * caller should check the plaintext for plausibility. */
sm_err sm_sec_decrypt(const sm_sec_header *h, sm_cipher *c, uint8_t *out, size_t cap,
                      size_t *out_len, bool *authenticated);

/* Which key is wrong, for a telegram that failed with SM_ERR_TAG_MISMATCH,
 * SM_ERR_NO_AUTH_KEY or SM_ERR_WRONG_KEY, found by trying the other
 * explanations (only on a failure: one more key schedule and pass). */
typedef enum {
    SM_KEYS_UNKNOWN = 0, /* not looked at, or not a question of keys */
    SM_KEYS_EK_RIGHT,    /* the encryption key alone decrypts the payload to a
                            plausible APDU: the authentication key is wrong or
                            missing (or the tag alone was damaged) */
    SM_KEYS_SWAPPED,     /* the two keys given work the other way round */
    SM_KEYS_EK_WRONG     /* the encryption key does not decrypt it either */
} sm_key_diag;

/* plausible(p, n) judges a plaintext; scratch (cap >= payload_len) is
 * wiped before returning.  The keys stay in c; nothing is printed. */
sm_key_diag sm_sec_diagnose(const sm_sec_header *h, sm_cipher *c, uint8_t *scratch, size_t cap,
                            bool (*plausible)(const uint8_t *p, size_t n));
/* "auth_key_wrong", "keys_swapped", "key_wrong"; NULL for SM_KEYS_UNKNOWN */
const char *sm_key_diag_name(sm_key_diag d);
/* The diagnosis in words ("the encryption key is right, the authentication
 * key is wrong or missing"); NULL for SM_KEYS_UNKNOWN */
const char *sm_key_diag_text(sm_key_diag d);

/* What to do about a key error, from the error and the diagnosis: which
 * key to give, check or swap.  The one rule of it; each front end says it
 * with its own option names. */
typedef enum {
    SM_ADVICE_NONE = 0,     /* not a question of keys */
    SM_ADVICE_SWAP,         /* the two keys work the other way round */
    SM_ADVICE_GIVE_AK,      /* the key decrypts it: give the authentication key
                               (or decrypt without checking the tag) */
    SM_ADVICE_CHECK_AK,     /* the key decrypts it: the authentication key is
                               wrong (or decrypt without checking the tag) */
    SM_ADVICE_CHECK_EK_TOO, /* no authentication key, and the key does not
                               decrypt it either */
    SM_ADVICE_CHECK_EK,     /* the key does not decrypt it: a wrong key, or a
                               damaged telegram */
    SM_ADVICE_GIVE_KEY,     /* encrypted, and no key given */
    SM_ADVICE_GIVE_AK_ONLY, /* authenticated, and no authentication key given */
    SM_ADVICE_CHECK_KEYS,   /* the tag does not match: either key, or damage */
    SM_ADVICE_CHECK_KEY,    /* the plaintext is no APDU: the key */
    SM_ADVICE_COUNT
} sm_key_advice;

sm_key_advice sm_key_advise(sm_err err, sm_key_diag diag);

/* Parse a key given as hex (32 or 64 digits; spaces, colons and a 0x prefix
 * tolerated).  Returns SM_OK and the length, SM_ERR_KEY_LENGTH otherwise.
 * Never echoes the key anywhere. */
sm_err sm_key_from_hex(const char *hex, uint8_t out[32], size_t *len);
/* The content of a key file: hex text as above (a trailing newline is
 * fine), or exactly 16 or 32 raw bytes.  SM_ERR_KEY_LENGTH otherwise. */
sm_err sm_key_from_file_content(const uint8_t *buf, size_t n, uint8_t out[32], size_t *len);

/* Overwrite memory in a way the compiler may not drop. */
void sm_wipe(void *p, size_t n);

#endif
