/* smp_dispatch.h - a meter's values into collectd (smp_dispatch.c): the
 * reader thread's, like everything in smp_reader_state. */
#ifndef SMP_DISPATCH_H
#define SMP_DISPATCH_H

#include "smp_meter.h"

/* A telegram's batch: dispatched now, or kept (held while the period is
 * learnt, or queued).  True when b was kept: the caller needs a new batch. */
bool smp_dispatch_take(smp_meter *m, smp_batch *b, double now);
/* The first queued telegram, now (its turn came). */
void smp_dispatch_next(smp_meter *m, double now);
/* One batch into collectd (plugin_dispatch_values), with the meter number
 * and each value's OBIS code as meta data. */
void smp_dispatch_batch(smp_meter *m, const smp_batch *b);
/* At shutdown, after the thread ended: what is queued or held, and the
 * captures still waiting. */
void smp_dispatch_flush(smp_meter *m);

#endif
