/* smp_pace.h - when a meter's reader reads next.
 *
 * Waiting for data costs a wake-up for a telegram's first bytes and another
 * once the rest has arrived (let_frame_arrive in smp_meter.c).  A meter
 * pushes on its clock, once a period: when two telegrams have been complete
 * one push period apart, the reader instead sleeps until the next one
 * should be complete and reads it whole with a single wake-up ("a read on
 * schedule").  The bytes wait in the kernel's buffer meanwhile; nothing is
 * lost or read twice, a read on schedule only comes later than the bytes.
 *
 * Each read on schedule is aimed a little earlier than the last one found
 * its telegram complete (smp_pace_early()), so that the reads cannot drift
 * away behind the meter's pushes: sooner or later one finds the telegram
 * still arriving (or not begun), and the reader goes back to waiting for
 * data, which measures the meter's timing afresh.  Two such misses in a
 * row (a meter whose pushes jitter more than the margin, or whose period
 * is not what it says) stop the schedule for SMP_PACE_HOLD telegrams.
 *
 * No I/O, no clock: the reader passes the monotonic times in. */
#ifndef SMP_PACE_H
#define SMP_PACE_H

#include <stdbool.h>
#include <stdint.h>

#define SMP_PACE_HOLD 32

typedef struct {
    double due;       /* monotonic time of the next read on schedule; 0: wait for data */
    double last_done; /* when the last telegram was found complete; 0: none yet */
    unsigned misses;  /* reads on schedule in a row that found no whole telegram */
    unsigned hold;    /* telegrams still to wait for data before scheduling again */
    uint64_t hits;    /* reads on schedule that found exactly one whole telegram */
} smp_pace;

/* a new connection: nothing known about the line's timing */
void smp_pace_reset(smp_pace *p);

/* How early each read on schedule is aimed (seconds) for a push period. */
double smp_pace_early(double period);
/* How far two telegrams' completion may be from one push period apart for
 * the reader to start reading on schedule (seconds). */
double smp_pace_tolerance(double period);

/* How long after a telegram's end a read on schedule is aimed, at first
 * (seconds): as long as a read after waiting for the rest of a telegram
 * comes after its end, for smp_meter.c adds this to every such wait. */
#define SMP_PACE_MARGIN 0.02

/* After a read: `now` is when it happened (for a read on schedule, the time
 * it was due, so that late wake-ups do not accumulate); `on_schedule` whether
 * it was a read on schedule; `done` how many telegrams it completed (good or
 * not); `underway` whether a telegram is still incomplete after it;
 * `period` the push period in seconds (0: not known yet); `after_wait`
 * whether the reader had waited for the rest of the telegram before this
 * read (then it comes some SMP_PACE_MARGIN after the telegram's end; a read
 * without, woken by the last bytes themselves, comes right at the end: a
 * network serial server or a fast line delivering a telegram whole).
 * Sets p->due. */
void smp_pace_after_read(smp_pace *p, double now, bool on_schedule, unsigned done,
                         bool underway, double period, bool after_wait);

/* A read on schedule found no bytes at all: wait for data again. */
void smp_pace_nothing(smp_pace *p);

#endif
