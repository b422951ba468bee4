/* smp_energy.h - EnergyIntervals: the energy of each closed interval (a
 * quarter hour, an hour, a day) from an energy register's readings, at the
 * wall clock's boundaries, as a bill counts it.  No collectd headers: unit
 * tested on its own (tests/plugin/test_energy.c).
 *
 * A register is followed as integers of its resolution (the raw value, its
 * scaler apart), so nothing is lost to floating point: the register's
 * value at a boundary is the reading taken there, or the straight line
 * between the two readings around it (rounded half up to the register's
 * resolution) when they are at most max_gap seconds apart; an interval's
 * energy is the difference of its two boundaries' values, so the
 * intervals of a run add up exactly to the register's difference between
 * its first and last boundary.
 *
 * Boundaries are the meter's local time: a day ends at local midnight (23
 * and 25 hours long on the days the clocks change), shorter intervals at
 * multiples of their length in local time.  Left out, and counted, are the
 * intervals whose boundary falls into a gap longer than max_gap (no
 * telegram for that long, a meter clock that jumped forward), that span a
 * meter clock going back, or a register that went down (a meter replaced
 * or reset: never negative energy).  The intervals before the first
 * boundary seen (collectd just started) are not counted: there was no
 * reading before them. */
#ifndef SMP_ENERGY_H
#define SMP_ENERGY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* An interval: "5min", "10min", "15min", "20min", "30min", "1h", "2h",
 * "3h", "4h", "6h", "8h", "12h" (lengths that divide a day) or "1d". */
typedef struct {
    int64_t seconds;   /* its length; a day: 86400 (its boundaries are midnights) */
    bool day;
    char name[8];      /* as configured: "15min" */
} smp_interval;

bool smp_interval_parse(const char *s, smp_interval *iv);

/* One register's state for one interval. */
typedef struct {
    bool have;             /* a reading seen */
    int64_t t, v;          /* the last reading: Unix seconds, raw value */
    int8_t scaler;
    bool bound;            /* the value at boundary b is known */
    int64_t b, bv;
    bool seen_boundary;    /* a boundary has passed (what is left out is counted) */
    int64_t emitted;       /* the end of the last interval given, 0 none */
} smp_energy_track;

/* A closed interval: [start, end) and its energy in the register's raw
 * units (times 10^scaler for the value). */
typedef struct {
    int64_t start, end;
    int64_t energy;
} smp_energy_interval;

typedef struct {
    uint64_t left_out;     /* intervals not given (the reasons below) */
    bool gap, back, reset; /* what left them out */
} smp_energy_notes;

/* The register's next reading: t (Unix seconds, meter time), the meter's
 * offset from UTC at t (seconds east), v its raw value with scaler.
 * Writes the intervals it closes (oldest first, at most cap; more are left
 * out and counted) and returns how many. */
size_t smp_energy_feed(smp_energy_track *tr, const smp_interval *iv, int64_t max_gap, int64_t t,
                       int offset, int64_t v, int8_t scaler, smp_energy_interval *out, size_t cap,
                       smp_energy_notes *notes);

#endif
