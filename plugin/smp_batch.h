/* smp_batch.h - the values of one telegram, ready to dispatch: each with
 * its collectd type and instance, its OBIS code (meta data), and for a
 * value with a time of its own (a P1 sub-meter's capture) that time and
 * the series' interval. */
#ifndef SMP_BATCH_H
#define SMP_BATCH_H

#include "collectd/core/daemon/collectd.h"

#include <string.h>

#include "sm_limits.h"
#include "smp_map.h"

typedef struct smp_batch {
    struct smp_batch *next;         /* queued after it (smp_meter.queue) */
    cdtime_t time;                  /* the telegram's values' time */
    size_t n;
    smp_value v[SM_MAX_READINGS];
    char obis[SM_MAX_READINGS][24];
    cdtime_t vtime[SM_MAX_READINGS];     /* a value's own time; 0: the batch's */
    cdtime_t vinterval[SM_MAX_READINGS]; /* its series' interval; 0: the meter's period */
} smp_batch;

/* Add a value (own time and interval 0 for the batch's); false when full. */
static inline bool smp_batch_add(smp_batch *b, const smp_value *v, const char *obis,
                                 cdtime_t time, cdtime_t interval)
{
    if (b->n >= SM_MAX_READINGS)
        return false;
    b->v[b->n] = *v;
    snprintf(b->obis[b->n], sizeof b->obis[b->n], "%s", obis);
    b->vtime[b->n] = time;
    b->vinterval[b->n] = interval;
    b->n++;
    return true;
}

#endif
