/* smp_pace.c - when a meter's reader reads next (see smp_pace.h). */
#include "smp_pace.h"

void smp_pace_reset(smp_pace *p)
{
    uint64_t hits = p->hits;
    *p = (smp_pace){.hits = hits};
}

/* 2 ms and 200 ppm of the period: far more than a meter's clock drifts
 * against the host's, far less than the margin a read after the data has
 * (SMP_PACE_MARGIN, 20 ms) */
double smp_pace_early(double period) { return 0.002 + 0.0002 * period; }

double smp_pace_tolerance(double period) { return 0.05 + 0.02 * period; }

static void missed(smp_pace *p)
{
    p->due = 0;
    if (++p->misses >= 2) {
        p->misses = 0;
        p->hold = SMP_PACE_HOLD;
    }
}

void smp_pace_after_read(smp_pace *p, double now, bool on_schedule, unsigned done,
                         bool underway, double period, bool after_wait)
{
    p->due = 0;
    if (done == 0 || underway) {
        /* no whole telegram yet, or the next one already begun */
        if (on_schedule)
            missed(p);
        if (done > 0)
            p->last_done = now;
        return;
    }
    double prev = p->last_done;
    p->last_done = now;
    if (period <= 0)
        return;
    if (on_schedule) {
        if (done == 1) {
            p->hits++;
            p->misses = 0;
            p->due = now + period - smp_pace_early(period);
        } else {
            missed(p); /* more than one telegram a period: the period is wrong */
        }
        return;
    }
    if (p->hold > 0) {
        p->hold--;
        return;
    }
    double apart = now - prev;
    if (done == 1 && prev > 0 && apart - period <= smp_pace_tolerance(period) &&
        period - apart <= smp_pace_tolerance(period))
        p->due = now + period - smp_pace_early(period) + (after_wait ? 0 : SMP_PACE_MARGIN);
}

void smp_pace_nothing(smp_pace *p) { missed(p); }
