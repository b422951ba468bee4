/* sm_build.c - the encoder side of the link and security layers, for the
 * simulated meter, the benchmarks and the tests.  See sm_build.h. */
#include "config.h"

#include "sm_build.h"

#include <nettle/gcm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sm_crc.h"

#ifdef HAVE_NETTLE_DIGEST_NO_LENGTH
#define DIGEST(fn, ctx, buf) fn(ctx, buf)
#else
#define DIGEST(fn, ctx, buf) fn(ctx, GCM_DIGEST_SIZE, buf)
#endif

static size_t axdr_len(uint8_t *out, size_t n)
{
    if (n < 0x80) {
        out[0] = (uint8_t)n;
        return 1;
    }
    if (n < 0x100) {
        out[0] = 0x81;
        out[1] = (uint8_t)n;
        return 2;
    }
    out[0] = 0x82;
    out[1] = (uint8_t)(n >> 8);
    out[2] = (uint8_t)n;
    return 3;
}

size_t smb_glo(uint8_t *out, size_t cap, uint8_t sc, const uint8_t title[8], uint32_t fc,
                 const uint8_t *ek, size_t ek_len, const uint8_t *ak, size_t ak_len,
                 const uint8_t *plain, size_t plain_len)
{
    bool auth = sc & 0x10, enc = sc & 0x20;
    size_t content = 5 + plain_len + (auth ? 12 : 0);
    if (cap < 20 + content)
        return 0;
    size_t k = 0;
    out[k++] = 0xDB;
    out[k++] = 8;
    memcpy(out + k, title, 8);
    k += 8;
    k += axdr_len(out + k, content);
    out[k++] = sc;
    out[k++] = (uint8_t)(fc >> 24);
    out[k++] = (uint8_t)(fc >> 16);
    out[k++] = (uint8_t)(fc >> 8);
    out[k++] = (uint8_t)fc;
    uint8_t iv[12];
    memcpy(iv, title, 8);
    memcpy(iv + 8, out + k - 4, 4);
    /* AAD = SC || AK, and for authentication only also the plaintext:
     * handed to nettle in one piece */
    uint8_t *aad = malloc(33 + plain_len);
    if (!aad)
        return 0;
    aad[0] = sc;
    if (ak_len)
        memcpy(aad + 1, ak, ak_len);
    size_t aad_len = 1 + ak_len;
    if (auth && !enc) {
        memcpy(aad + aad_len, plain, plain_len);
        aad_len += plain_len;
    }
    uint8_t tag[16];
    if (ek_len == 16) {
        struct gcm_aes128_ctx g;
        gcm_aes128_set_key(&g, ek);
        gcm_aes128_set_iv(&g, 12, iv);
        if (auth)
            gcm_aes128_update(&g, aad_len, aad);
        if (enc)
            gcm_aes128_encrypt(&g, plain_len, out + k, plain);
        else
            memcpy(out + k, plain, plain_len);
        DIGEST(gcm_aes128_digest, &g, tag);
    } else {
        struct gcm_aes256_ctx g;
        gcm_aes256_set_key(&g, ek);
        gcm_aes256_set_iv(&g, 12, iv);
        if (auth)
            gcm_aes256_update(&g, aad_len, aad);
        if (enc)
            gcm_aes256_encrypt(&g, plain_len, out + k, plain);
        else
            memcpy(out + k, plain, plain_len);
        DIGEST(gcm_aes256_digest, &g, tag);
    }
    free(aad);
    k += plain_len;
    if (auth) {
        memcpy(out + k, tag, 12);
        k += 12;
    }
    return k;
}

size_t smb_mbus(uint8_t *out, size_t cap, const uint8_t *apdu, size_t len, size_t max_payload)
{
    size_t k = 0, pos = 0;
    unsigned seq = 0;
    do {
        size_t n = len - pos < max_payload ? len - pos : max_payload;
        bool last = pos + n == len;
        size_t l = n + 5;
        /* the CI field numbers segments in four bits: a meter cannot send a
         * 17th, so neither does the builder (the sequence would wrap) */
        if (k + l + 6 > cap || l > 255 || seq > 15)
            return 0;
        out[k++] = 0x68;
        out[k++] = (uint8_t)l;
        out[k++] = (uint8_t)l;
        out[k++] = 0x68;
        size_t body = k;
        out[k++] = 0x53;
        out[k++] = 0xFF;
        out[k++] = (uint8_t)((seq & 0x0F) | (last ? 0x10 : 0));
        out[k++] = 0x01;
        out[k++] = 0x67;
        memcpy(out + k, apdu + pos, n);
        k += n;
        uint8_t cs = 0;
        for (size_t i = body; i < k; i++)
            cs = (uint8_t)(cs + out[i]);
        out[k++] = cs;
        out[k++] = 0x16;
        pos += n;
        seq++;
    } while (pos < len);
    return k;
}

size_t smb_hdlc_frame(uint8_t *out, size_t cap, const uint8_t *info, size_t len, bool llc,
                        bool segmented, const uint8_t *dst, size_t dst_len, const uint8_t *src,
                        size_t src_len)
{
    size_t hdr = 2 + dst_len + src_len + 1;       /* format, addresses, control */
    size_t flen = hdr + 2 + (llc ? 3 : 0) + len + 2;
    if (flen > 2047 || flen + 2 > cap)
        return 0;
    size_t k = 0;
    out[k++] = 0x7E;
    out[k++] = (uint8_t)(0xA0 | (segmented ? 0x08 : 0) | (flen >> 8));
    out[k++] = (uint8_t)flen;
    memcpy(out + k, dst, dst_len);
    k += dst_len;
    memcpy(out + k, src, src_len);
    k += src_len;
    out[k++] = 0x13;
    uint16_t hcs = sm_crc16_x25(out + 1, k - 1);
    out[k++] = (uint8_t)hcs;
    out[k++] = (uint8_t)(hcs >> 8);
    if (llc) {
        out[k++] = 0xE6;
        out[k++] = 0xE7;
        out[k++] = 0x00;
    }
    memcpy(out + k, info, len);
    k += len;
    uint16_t fcs = sm_crc16_x25(out + 1, k - 1);
    out[k++] = (uint8_t)fcs;
    out[k++] = (uint8_t)(fcs >> 8);
    out[k++] = 0x7E;
    return k;
}

/* ---- P1 text ------------------------------------------------------------------ */

size_t smb_p1(char *out, size_t cap, const char *body, smb_p1_crc mode)
{
    size_t n = strlen(body);
    if (n + 8 > cap)
        return 0;
    if (mode == SMB_P1_BCC) {
        /* STX before the first data line, after the identification and
         * empty lines; the BCC: XOR of what follows it up to and with ETX */
        const char *nl = strchr(body, '\n');
        size_t at = nl ? (size_t)(nl - body) + 1 : n;
        while (body[at] == '\r' || body[at] == '\n')
            at++;
        memcpy(out, body, at);
        out[at] = 0x02;
        memcpy(out + at + 1, body + at, n - at);
        n++;
        memcpy(out + n, "!\r\n\x03", 4);
        n += 4;
        uint8_t bcc = 0;
        for (size_t i = at + 1; i < n; i++)
            bcc ^= (uint8_t)out[i];
        out[n++] = (char)bcc;
        out[n] = '\0';
        return n;
    }
    memcpy(out, body, n);
    out[n++] = '!';
    uint16_t crc = sm_crc16_arc((const uint8_t *)out, n);
    int k = mode == SMB_P1_CRC        ? snprintf(out + n, cap - n, "%04X\r\n", crc)
            : mode == SMB_P1_UNPADDED ? snprintf(out + n, cap - n, "%X\r\n", crc)
                                      : snprintf(out + n, cap - n, "\r\n");
    return n + (size_t)k;
}

void smb_7e1(uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned x = p[i] & 0x7F, ones = 0;
        for (; x; x &= x - 1)
            ones++;
        p[i] = (uint8_t)((p[i] & 0x7F) | (ones & 1) << 7);
    }
}

/* ---- SML ------------------------------------------------------------------ */

size_t smb_sml_tl(uint8_t *out, size_t cap, unsigned type, size_t len)
{
    /* the fewest TL bytes k whose length field holds the length (which,
     * but for lists, counts the TL bytes) */
    size_t k = 1, total = type == 7 ? len : len + 1;
    while (total >> (4 * k) && k < 4) {
        k++;
        total = type == 7 ? len : len + k;
    }
    if (k > cap || total >> (4 * k))
        return 0;
    for (size_t i = 0; i < k; i++) {
        unsigned nibble = (unsigned)(total >> (4 * (k - 1 - i))) & 0x0F;
        out[i] = (uint8_t)((i + 1 < k ? 0x80 : 0) | (i == 0 ? type << 4 : 0) | nibble);
    }
    return k;
}

size_t smb_sml_number(uint8_t *out, size_t cap, unsigned type, uint64_t v, size_t bytes)
{
    size_t k = smb_sml_tl(out, cap, type, bytes);
    if (!k || k + bytes > cap)
        return 0;
    for (size_t i = 0; i < bytes; i++)
        out[k + i] = (uint8_t)(v >> (8 * (bytes - 1 - i)));
    return k + bytes;
}

size_t smb_sml_message(uint8_t *out, size_t cap, uint32_t txid, uint16_t tag,
                       const uint8_t *body, size_t n, bool kermit)
{
    uint8_t head[] = {0x76, 0x05, (uint8_t)(txid >> 24), (uint8_t)(txid >> 16),
                      (uint8_t)(txid >> 8), (uint8_t)txid, 0x62, 0x00, 0x62, 0x00, 0x72, 0x63,
                      (uint8_t)(tag >> 8), (uint8_t)tag};
    if (sizeof head + n + 4 > cap)
        return 0;
    memcpy(out, head, sizeof head);
    memcpy(out + sizeof head, body, n);
    size_t k = sizeof head + n;
    uint16_t crc = kermit ? sm_crc16_kermit(out, k) : sm_crc16_x25(out, k);
    out[k++] = 0x63;
    out[k++] = kermit ? (uint8_t)(crc >> 8) : (uint8_t)crc; /* X.25: low byte first */
    out[k++] = kermit ? (uint8_t)crc : (uint8_t)(crc >> 8);
    out[k++] = 0x00;
    return k;
}

size_t smb_sml_frame(uint8_t *out, size_t cap, const uint8_t *msgs, size_t n, bool kermit)
{
    static const uint8_t start[8] = {0x1B, 0x1B, 0x1B, 0x1B, 0x01, 0x01, 0x01, 0x01};
    if (cap < 8)
        return 0;
    memcpy(out, start, 8);
    size_t k = 8;
    for (size_t i = 0; i < n;) {
        bool esc = i + 4 <= n && memcmp(msgs + i, start, 4) == 0;
        size_t take = esc ? 4 : 1;
        if (k + (esc ? 8 : 1) > cap)
            return 0;
        memcpy(out + k, msgs + i, take);
        k += take;
        if (esc) { /* four 1B of data: sent twice */
            memcpy(out + k, start, 4);
            k += 4;
        }
        i += take;
    }
    size_t padding = (4 - k % 4) % 4;
    if (k + padding + 8 > cap)
        return 0;
    memset(out + k, 0, padding);
    k += padding;
    memcpy(out + k, start, 4);
    k += 4;
    out[k++] = 0x1A;
    out[k++] = (uint8_t)padding;
    uint16_t crc = kermit ? sm_crc16_kermit(out, k) : sm_crc16_x25(out, k);
    out[k++] = kermit ? (uint8_t)(crc >> 8) : (uint8_t)crc;
    out[k++] = kermit ? (uint8_t)crc : (uint8_t)(crc >> 8);
    return k;
}

/* ---- TIC ----------------------------------------------------------------- */

size_t smb_tic_group(uint8_t *out, size_t cap, bool standard, const char *label,
                     const char *horodate, const char *data)
{
    char sep = standard ? '\t' : ' ';
    size_t lab = strlen(label), hor = horodate ? strlen(horodate) : 0, dat = strlen(data);
    size_t need = 1 + lab + 1 + (horodate ? hor + 1 : 0) + dat + 1 + 1 + 1;
    if (need > cap)
        return 0;
    size_t k = 0;
    out[k++] = '\n';
    memcpy(out + k, label, lab), k += lab;
    out[k++] = (uint8_t)sep;
    if (horodate) {
        memcpy(out + k, horodate, hor), k += hor;
        out[k++] = (uint8_t)sep;
    }
    memcpy(out + k, data, dat), k += dat;
    /* historique sums up to the data, standard through the separator after it */
    unsigned sum = 0;
    for (size_t i = 1; i < k + (standard ? 1 : 0); i++)
        sum += i < k ? out[i] : (uint8_t)sep;
    out[k++] = (uint8_t)sep;
    out[k++] = (uint8_t)((sum & 0x3F) + 0x20);
    out[k++] = '\r';
    return k;
}

size_t smb_tic_frame(uint8_t *out, size_t cap, const uint8_t *groups, size_t n)
{
    if (n + 2 > cap)
        return 0;
    out[0] = 0x02;
    memmove(out + 1, groups, n);
    out[n + 1] = 0x03;
    return n + 2;
}
