/* sm_build.h - build telegrams the way meters do: general-glo-ciphering with
 * nettle's AES-GCM (IEC 62056-5-3; SC 0x20/0x21 encryption only, 0x30/0x31
 * with a 12-byte tag over SC || AK, 0x10 authentication only), wired M-Bus
 * long frames with the DLMS segment byte, HDLC type 3 frames with HCS and
 * FCS, P1 text, SML, TIC.  Used by the simulated meter, the benchmarks and the tests; never by
 * the decoder.  Each returns the bytes written, 0 when cap is too small. */
#ifndef SM_BUILD_H
#define SM_BUILD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

size_t smb_glo(uint8_t *out, size_t cap, uint8_t sc, const uint8_t title[8], uint32_t fc,
               const uint8_t *ek, size_t ek_len, const uint8_t *ak, size_t ak_len,
               const uint8_t *plain, size_t plain_len);
/* Split an APDU into M-Bus long frames of at most `max_payload` APDU bytes
 * (Austrian meters: 245, giving the 0xFA frame plus a shorter last one).
 * 0 when it does not fit `cap` or would need more than 16 segments (the
 * CI field's four-bit sequence number). */
size_t smb_mbus(uint8_t *out, size_t cap, const uint8_t *apdu, size_t len, size_t max_payload);
/* One HDLC frame (LLC added when llc), segmentation bit as given. */
size_t smb_hdlc_frame(uint8_t *out, size_t cap, const uint8_t *info, size_t len, bool llc,
                      bool segmented, const uint8_t *dst, size_t dst_len, const uint8_t *src,
                      size_t src_len);

/* A P1 telegram: body (from "/" up to the "!", lines ending in CR LF),
 * then "!", the CRC-16/ARC as the mode says and CR LF; or IEC 62056-21's
 * data block: STX before the first data line, "!" CR LF ETX BCC.
 * NUL-terminated; returns the length, 0 when cap is too small. */
typedef enum {
    SMB_P1_CRC,      /* four hex digits (DSMR 4 and 5) */
    SMB_P1_NO_CRC,   /* none (DSMR 2.2 and 3.0, D0 meters) */
    SMB_P1_UNPADDED, /* without leading zeros ("!B9F") */
    SMB_P1_BCC       /* a data block with its BCC (mode C readouts) */
} smb_p1_crc;
size_t smb_p1(char *out, size_t cap, const char *body, smb_p1_crc mode);
/* Bytes as a 7E1 line read with eight data bits shows them: bit 7 the
 * even-parity bit. */
void smb_7e1(uint8_t *p, size_t n);

/* SML (SML 1.04 and its transport v1).  A TL field of type (0 octet
 * string, 4 boolean, 5 integer, 6 unsigned, 7 list) for len data bytes (a
 * list: len elements), with as many TL bytes as the length needs; an
 * integer of `bytes` bytes with its TL field; a message around a body (its
 * tag, its CRC: CRC-16/X.25 low byte first, or CRC-16/KERMIT high byte
 * first); a frame around messages (start escape, escaped data, padding,
 * end escape, the frame's CRC of the same kind). */
size_t smb_sml_tl(uint8_t *out, size_t cap, unsigned type, size_t len);
size_t smb_sml_number(uint8_t *out, size_t cap, unsigned type, uint64_t v, size_t bytes);
size_t smb_sml_message(uint8_t *out, size_t cap, uint32_t txid, uint16_t tag,
                       const uint8_t *body, size_t n, bool kermit);
size_t smb_sml_frame(uint8_t *out, size_t cap, const uint8_t *msgs, size_t n, bool kermit);

/* TIC (Enedis).  One group, LF to CR, its checksum computed here from the
 * specification's rule: historique (standard false) "LF label SP data SP
 * ck CR", ck over label SP data; standard "LF label HT [horodate HT] data
 * HT ck CR", ck over everything from the label to the HT before it
 * (horodate NULL: none).  A frame is STX, its groups, ETX: smb_tic_frame
 * puts the groups (n bytes) between them. */
size_t smb_tic_group(uint8_t *out, size_t cap, bool standard, const char *label,
                     const char *horodate, const char *data);
size_t smb_tic_frame(uint8_t *out, size_t cap, const uint8_t *groups, size_t n);

#endif
