/* smp_dispatch.c - a telegram's values into collectd: the push period
 * learnt from the first two telegrams (it is the values' interval, and so
 * the RRD step of the files they create), and the queue that spaces the
 * dispatches (why: below). */
#include "smp_dispatch.h"

#include "collectd/core/utils/common/common.h"

#define PERIOD_MAX 3600.0

void smp_dispatch_batch(smp_meter *m, const smp_batch *b)
{
    /* one meta data set for the telegram: collectd copies it with each
     * value, and adding "obis" again replaces the last value's code */
    meta_data_t *meta = meta_data_create();
    if (meta && m->rd.meter_number[0])
        meta_data_add_string(meta, "meter_number", m->rd.meter_number);
    for (size_t i = 0; i < b->n; i++) {
        value_list_t vl = VALUE_LIST_INIT;
        value_t v = {.gauge = b->v[i].value};
        vl.values = &v;
        vl.values_len = 1;
        vl.time = b->vtime[i] ? b->vtime[i] : b->time;
        vl.interval = b->vinterval[i] ? b->vinterval[i] : DOUBLE_TO_CDTIME_T(m->rd.period);
        sstrncpy(vl.plugin, SMP_PLUGIN, sizeof vl.plugin);
        sstrncpy(vl.plugin_instance, m->cfg.name, sizeof vl.plugin_instance);
        sstrncpy(vl.type, b->v[i].type, sizeof vl.type);
        sstrncpy(vl.type_instance, b->v[i].type_instance, sizeof vl.type_instance);
        if (meta)
            meta_data_add_string(meta, "obis", b->obis[i]);
        vl.meta = meta;
        plugin_dispatch_values(&vl);
    }
    if (meta)
        meta_data_destroy(meta);
}

/* ---- the first dispatch and the push period ----------------------------------- */

/* Telegrams are dispatched at least QUEUE_GAP apart, and CREATE_WAIT after
 * a meter's first: collectd's write threads take values from one queue, so
 * two values of one series dispatched at the same moment can be written
 * in the wrong order (rrdtool then drops the older one), and the first
 * values create the series' files, which collectd's csv and rrdtool plugins
 * lose a value of while another write thread is still creating them
 * (rrdtool: "is already being created"; csv truncates the file).  A real
 * meter pushes every 1 to 10 s, so a telegram only waits when several
 * arrive at once (a backlog after the port came back, the first two while
 * the period is learnt); it waits in order, at most QUEUE_MAX of them. */
#define CREATE_WAIT 0.5
#define QUEUE_GAP 0.1
#define QUEUE_MAX 64

/* Dispatch the first waiting telegram. */
void smp_dispatch_next(smp_meter *m, double now)
{
    smp_batch *b = m->rd.queue;
    if (!b)
        return;
    m->rd.queue = b->next;
    if (!m->rd.queue)
        m->rd.queue_tail = NULL;
    m->rd.queued--;
    smp_dispatch_batch(m, b);
    free(b);
    m->rd.queue_due = now + QUEUE_GAP;
}

/* Dispatch b, or let it wait its turn.  True when b waits (it is the
 * queue's now). */
static bool deliver(smp_meter *m, smp_batch *b, double now)
{
    while (m->rd.queue && (now >= m->rd.queue_due || m->rd.queued >= QUEUE_MAX))
        smp_dispatch_next(m, now);
    if (m->rd.queue || now < m->rd.queue_due) {
        b->next = NULL;
        if (m->rd.queue_tail)
            m->rd.queue_tail->next = b;
        else
            m->rd.queue = b;
        m->rd.queue_tail = b;
        m->rd.queued++;
        return true;
    }
    smp_dispatch_batch(m, b);
    m->rd.queue_due = now + (m->rd.dispatched_any ? QUEUE_GAP : CREATE_WAIT);
    m->rd.dispatched_any = true;
    return false;
}

/* At shutdown: everything that waits, in order. */
static void dispatch_queue(smp_meter *m)
{
    while (m->rd.queue)
        smp_dispatch_next(m, 0);
}

/* The period is not known yet: the first telegram is held (its values'
 * interval is the push period, the RRD step of the files they create), and
 * with the second the period is learnt from the two meter times (or the
 * arrival times); both are then delivered.  True when b was kept (held or
 * queued): the caller needs a new batch. */
static bool learn_period(smp_meter *m, smp_batch *b, double now)
{
    if (!m->rd.held) {
        m->rd.held = b;
        m->rd.held_arrival = now;
        return true;
    }
    double delta = CDTIME_T_TO_DOUBLE(b->time - m->rd.held->time);
    if (delta < 0.5 || delta > PERIOD_MAX)
        delta = now - m->rd.held_arrival;
    double p = delta < 0.5 ? 1.0 : (double)(long)(delta + 0.5);
    m->rd.period = p > PERIOD_MAX ? CDTIME_T_TO_DOUBLE(plugin_get_interval()) : p;
    INFO(SMP_LOG_PREFIX "push period %.0f s (learnt from the telegrams)", m->cfg.name, m->rd.period);
    smp_batch *first = m->rd.held;
    m->rd.held = NULL;
    if (!deliver(m, first, now))
        free(first);
    return deliver(m, b, now);
}

bool smp_dispatch_take(smp_meter *m, smp_batch *b, double now)
{
    return m->rd.period == 0 ? learn_period(m, b, now) : deliver(m, b, now);
}

void smp_dispatch_flush(smp_meter *m)
{
    dispatch_queue(m);
    if (m->rd.held) {
        /* a single telegram ever: its period stays unknown */
        m->rd.period = CDTIME_T_TO_DOUBLE(plugin_get_interval());
        smp_dispatch_batch(m, m->rd.held);
        free(m->rd.held);
        m->rd.held = NULL;
    }
    if (m->rd.batch) { /* the captures that were still waiting */
        m->rd.batch->n = 0;
        m->rd.batch->time = cdtime();
        smp_timed_flush(&m->rd.p1, m->rd.batch,
                        DOUBLE_TO_CDTIME_T(m->rd.period > 0 ? m->rd.period : 1));
        if (m->rd.batch->n)
            smp_dispatch_batch(m, m->rd.batch);
    }
}
