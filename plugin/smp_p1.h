/* smp_p1.h - what P1 telegrams carry beyond values of the telegram's time.
 *
 * Values with a time of their own (M-Bus sub-meters: gas, water, heat; the
 * Belgian month's peak): the meter repeats the last capture in every
 * telegram (each second with DSMR 5), while a gas meter captures every 5
 * minutes or every hour.  Each capture is dispatched once, at its capture
 * time, with the series' capture period as its interval (RRD files are
 * made with it as their step): the first capture waits for the second,
 * which tells the period.  At most one value of a series goes into a
 * telegram's batch (collectd's write threads may reorder two values of one
 * series dispatched together); a second waits for the next telegram.
 *
 * Events, as collectd notifications, each once: a new entry in the power
 * failure log (1-0:99.97.0), a text message from the grid operator
 * (0-0:96.13.0) that appears or changes, the breaker (0-0:96.3.10) opening
 * or closing.  What the first telegram shows is the state, not an event,
 * except a message or an open breaker, which the user should hear of. */
#ifndef SMP_P1_H
#define SMP_P1_H

#include "collectd/core/daemon/collectd.h"

#include "sm_decoder.h"
#include "smp_batch.h"

#define SMP_TIMED_MAX 16 /* series with their own time, per meter */

typedef struct {
    char key[2 * SMP_NAME_MAX]; /* type/type_instance */
    cdtime_t last;              /* capture time of the last value taken */
    cdtime_t interval;          /* between captures; 0 until two were seen */
    bool pending;               /* a value waits for the next batch */
    smp_value value;
    char obis[24];
    cdtime_t time;
    uint64_t batch;             /* the batch it last went into */
} smp_timed;

/* Notifications of one kind (power failure, text message, breaker) per
 * meter: at most SMP_NOTIFY_BURST in SMP_NOTIFY_WINDOW seconds; a line that
 * changes them in every telegram (damage, a hostile line) would otherwise
 * write one each second.  What is left out is counted and said once. */
#define SMP_NOTIFY_BURST 5
#define SMP_NOTIFY_WINDOW 600
enum {
    SMP_EV_FAILURE, SMP_EV_TEXT, SMP_EV_BREAKER,
    SMP_EV_OVERLOAD, SMP_EV_CUTOFF, SMP_EV_TEMPO, SMP_EV_PEAK, SMP_EV_CLOCK, /* TIC (smp_tic.c) */
    SMP_EV_KINDS
};
typedef struct {
    cdtime_t window_start;      /* the window's first notification */
    unsigned sent;              /* notifications in the window */
    bool said;                  /* the suppression was logged for this window */
} smp_notify_limit;

typedef struct {
    smp_notify_limit limit[SMP_EV_KINDS];
    uint64_t suppressed;        /* notifications left out, in all */
    smp_timed timed[SMP_TIMED_MAX];
    size_t ntimed;
    uint64_t batch;             /* the batch being filled (smp_timed_begin) */
    bool seen;                  /* a telegram was seen: the state below is known */
    cdtime_t failure_last;      /* the newest entry of the power failure log */
    char text[256];             /* the text message */
    int breaker;                /* its state, -1 unknown */
    struct {                    /* TIC (smp_tic.c): what the last frame showed */
        bool seen;
        bool overload;          /* ADPS/ADIR, or STGE's over-power bit */
        int cutoff;             /* STGE's cut-off organ, -1 unknown */
        int tomorrow;           /* Tempo colour tomorrow: 0 none, 1 blue, 2 white, 3 red; -1 unknown */
        int peak_notice;        /* STGE's mobile peak notice / PEJP: 0 none; -1 unknown */
        int clock_degraded;     /* -1 unknown */
        cdtime_t peak_start[3]; /* DPM1-3: the mobile peaks' starts announced */
    } tic;
} smp_p1_state;

void smp_p1_init(smp_p1_state *s);

/* The values that waited for this batch, into it. */
void smp_timed_begin(smp_p1_state *s, smp_batch *b);
/* A value with its own capture time: into b when it is a new capture and
 * its series' period is known, else kept (the first capture) or dropped
 * (a capture already taken).  Values of more than SMP_TIMED_MAX series
 * are dispatched at once with the meter's period (*overflow set). */
void smp_timed_add(smp_p1_state *s, smp_batch *b, const smp_value *v, const char *obis,
                   cdtime_t when, bool *overflow);
/* At shutdown: what still waits, into b (a series whose period is still
 * unknown gets `interval`). */
void smp_timed_flush(smp_p1_state *s, smp_batch *b, cdtime_t interval);

/* A notification of meter `name`, type "gauge", within the rate limit of
 * its kind (SMP_EV_*); beyond it counted in s->suppressed. */
void smp_notify(smp_p1_state *s, const char *name, unsigned kind, int severity,
                const char *type_instance, cdtime_t when, const char *fmt, ...)
    __attribute__((format(printf, 7, 8)));

/* The events of a good P1 telegram, as notifications of meter `name`. */
/* The telegram's events as notifications; returns how many were left out
 * by the rate limit (counted in notifications-suppressed). */
uint64_t smp_p1_events(smp_p1_state *s, const char *name, const sm_telegram *t);

/* A meter's date-time as cdtime_t, 0 when it is not a whole one.  Without
 * a UTC deviation it is local time of the host's zone (TZ), the DST bit
 * deciding the ambiguous hour. */
cdtime_t smp_dt_cdtime(const sm_datetime *dt);

#endif
