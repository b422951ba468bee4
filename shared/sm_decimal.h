/* sm_decimal.h - numbers as decimal text, exactly, and powers of ten: the
 * one decimal writer of the project (readings, OBIS codes, times, the
 * output formats).  Pure functions, thread-safe. */
#ifndef SM_DECIMAL_H
#define SM_DECIMAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The decimal digits of v, most significant first (no NUL); returns how
 * many (1..20).  The bytes of d after them may be written too. */
int sm_u64_digits(uint64_t v, char d[20]);

/* The exact decimal of (neg ? -1 : 1) * digits * 10^scaler, as
 * sm_reading_format_value writes integers: d holds nd (1..20) digits as
 * sm_u64_digits gives them, scaler is -128..127.  Writes no NUL; returns
 * the length (at most SM_DECIMAL_MAX), 0 for arguments out of range. */
#define SM_DECIMAL_MAX (1 + 20 + 2 + 130)
size_t sm_decimal_text(bool neg, const char *d, int nd, int scaler, char out[SM_DECIMAL_MAX]);

/* 10^scaler * raw, for the scalers DLMS allows (-128..127). */
double sm_scale(double raw, int scaler);

#endif
