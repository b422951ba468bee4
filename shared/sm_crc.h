/* sm_crc.h - the CRC-16 variants the link and text layers need.
 * Pure functions, thread-safe. */
#ifndef SM_CRC_H
#define SM_CRC_H

#include <stddef.h>
#include <stdint.h>

/* CRC-16/X-25 (HDLC HCS and FCS, IEC 62056-46 / ISO 13239): reflected
 * polynomial 0x1021, init 0xFFFF, final xor 0xFFFF.  Sent low byte first. */
uint16_t sm_crc16_x25(const uint8_t *buf, size_t len);

/* CRC-16/KERMIT (SML from Holley meters on RS485): the same polynomial,
 * init 0, no final xor.  Sent high byte first there. */
uint16_t sm_crc16_kermit(const uint8_t *buf, size_t len);

/* CRC-16/ARC (DSMR P1 telegrams, from '/' up to and including '!'):
 * reflected polynomial 0x8005, init 0, no final xor. */
uint16_t sm_crc16_arc(const uint8_t *buf, size_t len);

#endif
