/* smd_text.h - the text the output formats share: a value as text (exact
 * decimals, ISO 8601 times, bit-strings, printable strings, hex), the
 * meter's time, the system title's manufacturer, units, the security
 * control, where an error happened.  Below the formats: it knows none of
 * them.  Pure functions over the caller's buffers; thread-safe. */
#ifndef SMD_TEXT_H
#define SMD_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sm_decoder.h"

/* room for any value's text: the hex of the longest (an APDU's bytes) */
#define SMD_VALUE_MAX (2 * SM_APDU_MAX + 1)

/* 1-based number shown to users. */
static inline uint64_t smd_telegram_no(const sm_telegram *t) { return t->index + 1; }

/* The text of a byte-valued A-XDR element: a date-time, date or time in ISO
 * 8601, a bit-string as its bits ("0101"), a printable string as it is
 * (NUL-terminated).  Returns its length, or -1 when it has no such text
 * (unspecified or impossible fields, bytes that are not printable, types
 * that are not byte-valued); buf is then "". */
int smd_bytes_text(uint8_t type, const uint8_t *p, size_t n, uint32_t bits, char *buf,
                   size_t cap);
/* The value of a reading as text: exact decimal for numbers, the text of
 * smd_bytes_text where there is one, hex otherwise.
 * *quoted tells whether it is a string (JSON, CSV) rather than a number. */
size_t smd_value_text(const sm_reading *rd, char *buf, size_t cap, bool *quoted);
/* A date-time as ISO local time with its offset and as UTC; either is ""
 * when it cannot be given (unspecified fields, no deviation for UTC).
 * Returns false when there is no local time. */
bool smd_dt_texts(const sm_datetime *dt, char *local, size_t lcap, char *utc, size_t ucap);
/* Meter time as ISO local time with offset and as UTC ("" when unknown). */
bool smd_time(const sm_telegram *t, char *local, size_t lcap, char *utc, size_t ucap);
/* "KFM" when the first three octets are the manufacturer's letters, else "". */
void smd_title_manufacturer(const uint8_t title[8], char out[4]);
/* Unit symbol, "" for none. */
const char *smd_unit(const sm_reading *rd);
/* The six OBIS fields as one number, A first (orders codes as IEC does). */
static inline uint64_t smd_obis_key(const sm_obis *o)
{
    return (uint64_t)o->a << 40 | (uint64_t)o->b << 32 | (uint64_t)o->c << 24 |
           (uint64_t)o->d << 16 | (uint64_t)o->e << 8 | o->f;
}
/* A description of the security control byte. */
void smd_sc_text(uint8_t sc, char *buf, size_t cap);
/* " in frame F at offset O" / " at offset O of the apdu" ... for errors. */
int smd_error_where(const sm_telegram *t, char *buf, size_t cap);

#endif
