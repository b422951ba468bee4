/* smp_state.h - what a meter's replay check must remember across collectd
 * restarts (StateDir): the last frame counter accepted, with the system
 * title it belongs to and when it was accepted.  One small text file per
 * meter, STATEDIR/NAME.state, written to a temporary file and renamed, so
 * that a crash leaves the old one or the new one:
 *
 *   system-title 4B464D1020003774
 *   frame-counter 7016
 *   time 1733500000
 *
 * No key and no reading is in it. */
#ifndef SMP_STATE_H
#define SMP_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
    uint8_t title[8];
    uint32_t fc;
    int64_t unix_time; /* when fc was accepted (the host's clock) */
} smp_state;

/* The state of meter `name` in dir: 1 read, 0 there is none (no file yet),
 * -1 the file cannot be read or is malformed (why in err). */
int smp_state_load(const char *dir, const char *name, smp_state *s, char *err, size_t cap);
/* Write it: 0, or -1 with why in err. */
int smp_state_save(const char *dir, const char *name, const smp_state *s, char *err, size_t cap);

#endif
