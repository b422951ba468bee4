/* sm_dsmr.h - DSMR P1 text telegrams (NEN-EN-IEC 62056-21 mode D lines as
 * used by DSMR 4/5, Luxembourg's Smarty and the encrypted P1 port of the
 * Sagemcom T210-D-r of Energienetze Steiermark):
 *   /XXX5ident CR LF CR LF
 *   A-B:C.D.E(value[*unit])[(value[*unit])...] CR LF ...
 *   !CRC CR LF      (CRC-16/ARC over '/' .. '!', 4 hex digits)
 * Numbers become readings with an integer raw value and a scaler from the
 * decimals; kWh, kW, kvarh and kvar are given in Wh, W, varh and var.
 * Timestamps YYMMDDhhmmss[W|S] become date-times (W: +01:00, S: +02:00).
 * A telegram without CRC digits (DSMR 2/3 and some AM550) is accepted and
 * reported as such.  Pure function over the caller's buffer; thread-safe. */
#ifndef SM_DSMR_H
#define SM_DSMR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sm_readings.h"

/* Does this look like the start of a DSMR telegram? */
bool sm_dsmr_detect(const uint8_t *buf, size_t len);

typedef struct {
    const uint8_t *ident;  /* identification line without '/' and CR LF */
    size_t ident_len;
    bool has_crc;
    uint16_t crc;
} sm_dsmr_info;

sm_err sm_dsmr_parse(const uint8_t *buf, size_t len, sm_dsmr_info *info, sm_reading_set *out,
                     size_t *err_off);

#endif
