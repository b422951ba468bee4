/* sm_p1_write.h - a decoded telegram of any family (DLMS, P1, SML, TIC)
 * written as a DSMR 5.0 P1 telegram (DSMR 5.0.2 P1 Companion Standard), so
 * that the readers of Dutch meters (Home Assistant's DSMR integration,
 * dsmr_parser, DSMR-reader, evcc's dsmr meter) read any meter unchanged:
 *
 *   /SMD5smartmeter-<family>-<meter>       the identification line (the
 *                                          number where it is letters
 *                                          and digits)
 *   (empty line)
 *   1-3:0.2.8(50)                          DSMR version 5.0
 *   0-0:1.0.0(YYMMDDhhmmssX)               the meter's time, see below
 *   0-0:96.1.1(hex)                        the meter number, hex of its text
 *   1-0:1.8.1(000123.456*kWh) ...          the values the telegram has
 *   !CRC                                   CRC-16/ARC, four upper-case hex
 *                                          digits, over "/" .. "!"
 *
 * Which values, under which code, in which unit and width, is one table in
 * sm_p1_write.c (the DSMR 5 objects, in the standard's order): energies in
 * kWh (at least 6.3 digits), powers in kW (2.3), voltages in V (3.1),
 * currents in A (3), counters, the tariff (4 digits), the text message
 * (hex), sub-meters (0-n:24.1.0, 0-n:96.1.0, 0-n:24.2.x with their capture
 * time).  Widths are DSMR's at least: a value is never rounded, it gets
 * the decimals it has (as Belgian meters send "001.23*A").  A reading with
 * another unit than the object's, a value that is not a finite number or
 * needs more than 18 digits (a float's 4.9e-27: no P1 reader takes it), and
 * a reading with no DSMR code are left out.  Derived, because exact: the
 * import and export powers (1.7.0, 2.7.0 and per phase 21/22, 41/42,
 * 61/62.7.0) from a signed active power (16.7.0, 36/56/76.7.0, SML's),
 * when the telegram lacks them: import = max(p, 0), export = max(-p, 0).
 *
 * The time: DSMR's is Dutch local time, S in summer, W in winter, and its
 * readers take it as Europe/Amsterdam.  A meter time with its offset is
 * converted exactly to Central European Time (UTC+1, W) or, between the
 * EU's change dates, Summer Time (UTC+2, S); a time without an offset is
 * written as the meter sent it, S when its DST flag is set.  A telegram
 * without a time has no 0-0:1.0.0 line (none is made up).
 *
 * Pure function over the caller's buffer; thread-safe. */
#ifndef SM_P1_WRITE_H
#define SM_P1_WRITE_H

#include <stddef.h>

#include "sm_decoder.h"

/* Room for the longest telegram the writer makes (a 1024-character text
 * message, four sub-meters, every object). */
#define SM_P1_WRITE_MAX 8192

/* The telegram for t into out (cap bytes; SM_P1_WRITE_MAX is always
 * enough), NUL-terminated.  Returns its length; 0 when t failed to decode
 * or cap is too small (then out is ""). */
size_t sm_p1_write(const sm_telegram *t, char *out, size_t cap);

#endif
