/* smp_p1.c - P1 values with their own time, and P1 events as collectd
 * notifications.  See smp_p1.h. */
#include "smp_p1.h"

#include "collectd/core/daemon/plugin.h"
#include "collectd/core/utils/common/common.h"
#include "smp_log.h"

#include <time.h>

#define INTERVAL_MAX 86400.0 /* a capture period beyond a day is taken as a day */

void smp_p1_init(smp_p1_state *s)
{
    memset(s, 0, sizeof *s);
    s->breaker = -1;
    s->tic.cutoff = s->tic.tomorrow = s->tic.peak_notice = s->tic.clock_degraded = -1;
}

cdtime_t smp_dt_cdtime(const sm_datetime *dt)
{
    int64_t secs;
    if (!sm_datetime_has_date(dt) || !sm_datetime_has_time(dt))
        return 0;
    if (sm_datetime_has_deviation(dt)) {
        if (sm_datetime_to_unix(dt, SM_DT_DEVIATION_UNSPECIFIED, &secs) != SM_OK)
            return 0;
    } else {
        struct tm tm = {.tm_year = dt->year - 1900, .tm_mon = dt->month - 1,
                        .tm_mday = dt->day, .tm_hour = dt->hour, .tm_min = dt->minute,
                        .tm_sec = dt->second,
                        .tm_isdst = dt->status == 0xFF ? -1 : (dt->status & SM_DT_STATUS_DST) != 0};
        time_t tt = mktime(&tm);
        if (tt == (time_t)-1)
            return 0;
        secs = tt;
    }
    double frac = dt->hundredths <= 99 ? dt->hundredths / 100.0 : 0;
    return DOUBLE_TO_CDTIME_T((double)secs + frac);
}

/* ---- values with their own time --------------------------------------------- */

static smp_timed *series(smp_p1_state *s, const smp_value *v)
{
    char key[sizeof s->timed[0].key];
    snprintf(key, sizeof key, "%s/%s", v->type, v->type_instance);
    for (size_t i = 0; i < s->ntimed; i++)
        if (strcmp(s->timed[i].key, key) == 0)
            return &s->timed[i];
    if (s->ntimed == SMP_TIMED_MAX)
        return NULL;
    smp_timed *t = &s->timed[s->ntimed++];
    memset(t, 0, sizeof *t);
    sstrncpy(t->key, key, sizeof t->key);
    return t;
}

static void keep(smp_timed *t, const smp_value *v, const char *obis, cdtime_t when)
{
    t->pending = true;
    t->value = *v;
    sstrncpy(t->obis, obis, sizeof t->obis);
    t->time = when;
}

/* Into this batch (at most one value of a series per batch). */
static bool put(smp_p1_state *s, smp_timed *t, smp_batch *b, const smp_value *v,
                const char *obis, cdtime_t when)
{
    if (t->batch == s->batch || !smp_batch_add(b, v, obis, when, t->interval))
        return false;
    t->batch = s->batch;
    return true;
}

void smp_timed_begin(smp_p1_state *s, smp_batch *b)
{
    s->batch++;
    for (size_t i = 0; i < s->ntimed; i++) {
        smp_timed *t = &s->timed[i];
        if (t->pending && t->interval && put(s, t, b, &t->value, t->obis, t->time))
            t->pending = false;
    }
}

void smp_timed_add(smp_p1_state *s, smp_batch *b, const smp_value *v, const char *obis,
                   cdtime_t when, bool *overflow)
{
    smp_timed *t = series(s, v);
    if (!t) {
        *overflow = true;
        smp_batch_add(b, v, obis, when, 0);
        return;
    }
    if (when <= t->last)
        return; /* the capture this series has */
    if (t->interval == 0 && t->last) {
        /* the second capture: the period, and the first goes out now */
        double p = CDTIME_T_TO_DOUBLE(when - t->last);
        p = p < 1 ? 1 : p > INTERVAL_MAX ? INTERVAL_MAX : (double)(long)(p + 0.5);
        t->interval = DOUBLE_TO_CDTIME_T(p);
        if (t->pending && put(s, t, b, &t->value, t->obis, t->time))
            t->pending = false;
    }
    t->last = when;
    if (t->interval && !t->pending && put(s, t, b, v, obis, when))
        return;
    keep(t, v, obis, when); /* the first capture, or one behind another */
}

void smp_timed_flush(smp_p1_state *s, smp_batch *b, cdtime_t interval)
{
    for (size_t i = 0; i < s->ntimed; i++) {
        smp_timed *t = &s->timed[i];
        if (t->pending)
            smp_batch_add(b, &t->value, t->obis, t->time, t->interval ? t->interval : interval);
        t->pending = false;
    }
}

/* ---- events ----------------------------------------------------------------- */

/* Within the rate limit (SMP_NOTIFY_BURST a SMP_NOTIFY_WINDOW, per kind):
 * dispatched; beyond it: counted, and said once a window. */
void smp_notify(smp_p1_state *s, const char *name, unsigned kind, int severity,
                   const char *type_instance, cdtime_t when, const char *fmt, ...)
{
    smp_notify_limit *l = &s->limit[kind];
    cdtime_t now = cdtime();
    if (l->sent == 0 || now - l->window_start >= TIME_T_TO_CDTIME_T(SMP_NOTIFY_WINDOW)) {
        l->window_start = now;
        l->sent = 0;
        l->said = false;
    }
    if (l->sent >= SMP_NOTIFY_BURST) {
        s->suppressed++;
        if (!l->said)
            WARNING(SMP_LOG_PREFIX "more than %d %s notifications in %d minutes (a damaged or "
                    "hostile line?): further ones are left out for the rest of the %d "
                    "minutes, counted in notifications-suppressed",
                    name, SMP_NOTIFY_BURST, type_instance, SMP_NOTIFY_WINDOW / 60,
                    SMP_NOTIFY_WINDOW / 60);
        l->said = true;
        return;
    }
    l->sent++;
    notification_t n = {.severity = severity, .time = when ? when : now};
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(n.message, sizeof n.message, fmt, ap);
    va_end(ap);
    sstrncpy(n.host, hostname_g, sizeof n.host);
    sstrncpy(n.plugin, SMP_PLUGIN, sizeof n.plugin);
    sstrncpy(n.plugin_instance, name, sizeof n.plugin_instance);
    sstrncpy(n.type, "gauge", sizeof n.type);
    sstrncpy(n.type_instance, type_instance, sizeof n.type_instance);
    plugin_dispatch_notification(&n);
}

static const sm_reading *find(const sm_telegram *t, unsigned a, unsigned c, unsigned d,
                              unsigned e)
{
    for (size_t i = 0; i < t->nreadings; i++)
        if (t->readings[i].obis_source != SM_OBIS_NONE && t->readings[i].parent == SM_NO_NODE &&
            t->readings[i].obis.b == 0 && sm_obis_is(&t->readings[i].obis, a, c, d, e))
            return &t->readings[i];
    return NULL;
}

/* The power failure log: entries that ended after the newest one seen. */
static void failures(smp_p1_state *s, const char *name, const sm_telegram *t)
{
    const sm_reading *log = find(t, 1, 99, 97, 0);
    if (!log || log->kind != SM_RK_LIST)
        return;
    cdtime_t newest = s->failure_last;
    for (size_t i = log->index + 1u; i < t->nreadings && t->readings[i].parent == log->index;
         i++) {
        const sm_reading *e = &t->readings[i];
        cdtime_t end = e->has_capture ? smp_dt_cdtime(&e->capture) : 0;
        if (end == 0 || end <= s->failure_last)
            continue;
        if (end > newest)
            newest = end;
        if (!s->seen)
            continue; /* the log as it was when collectd started */
        char when[64] = "";
        sm_datetime_iso_local(&e->capture, when, sizeof when);
        if (e->kind == SM_RK_NUMBER)
            smp_notify(s, name, SMP_EV_FAILURE, NOTIF_WARNING, "power-failure", end,
                   "power failure of %.0f s, ended %s (power failure log)", e->value, when);
        else
            smp_notify(s, name, SMP_EV_FAILURE, NOTIF_WARNING, "power-failure", end,
                   "power failure ended %s (power failure log)", when);
    }
    s->failure_last = newest;
}

/* The grid operator's text message: printable text, or the hex it came as. */
static void text_message(smp_p1_state *s, const char *name, const sm_telegram *t)
{
    const sm_reading *m = find(t, 0, 96, 13, 0);
    if (!m || m->kind != SM_RK_STRING)
        return;
    char text[sizeof s->text];
    size_t n = m->len < sizeof text - 1 ? m->len : sizeof text - 1;
    for (size_t i = 0; i < n; i++)
        text[i] = m->bytes[i] >= 0x20 && m->bytes[i] < 0x7F ? (char)m->bytes[i] : '?';
    text[n] = '\0';
    if (strcmp(text, s->text) == 0)
        return;
    if (text[0])
        smp_notify(s, name, SMP_EV_TEXT, NOTIF_WARNING, "text-message", 0,
               "text message from the grid operator: %s", text);
    else if (s->seen)
        smp_notify(s, name, SMP_EV_TEXT, NOTIF_OKAY, "text-message", 0,
               "the grid operator's text message was cleared");
    sstrncpy(s->text, text, sizeof s->text);
}

/* The breaker: 1 connected, 0 disconnected, 2 ready to be reconnected. */
static void breaker(smp_p1_state *s, const char *name, const sm_telegram *t)
{
    const sm_reading *b = find(t, 0, 96, 3, 10);
    if (!b || b->kind != SM_RK_NUMBER)
        return;
    int state = b->value == 0 ? 0 : b->value == 1 ? 1 : 2;
    if (state == s->breaker)
        return;
    if (state != 1)
        smp_notify(s, name, SMP_EV_BREAKER, NOTIF_FAILURE, "breaker", 0,
               "the breaker is open (state %d%s)", state, state == 2 ? ": ready to be reconnected" : "");
    else if (s->breaker >= 0)
        smp_notify(s, name, SMP_EV_BREAKER, NOTIF_OKAY, "breaker", 0, "the breaker is closed again");
    s->breaker = state;
}

uint64_t smp_p1_events(smp_p1_state *s, const char *name, const sm_telegram *t)
{
    if (!t->is_p1)
        return 0;
    uint64_t before = s->suppressed;
    failures(s, name, t);
    text_message(s, name, t);
    breaker(s, name, t);
    s->seen = true;
    return s->suppressed - before;
}
