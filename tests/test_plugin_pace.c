/* test_plugin_pace.c - when the reader reads next (plugin/smp_pace.c): the
 * rules one by one, then a model of a meter's line over a thousand pushes
 * (steady, drifting, jittering, pushing at another period than it says)
 * with the reader's two ways of waiting, counting wake-ups and how late
 * each telegram is read. */
#include <math.h>
#include <string.h>

#include "smp_pace.h"
#include "test_util.h"

#define NEAR(a, b) (fabs((a) - (b)) < 1e-9)

static void test_pace_rules(void)
{
    smp_pace p;
    memset(&p, 0, sizeof p);
    smp_pace_reset(&p);

    /* period unknown: never on schedule */
    smp_pace_after_read(&p, 10.0, false, 1, false, 0, true);
    smp_pace_after_read(&p, 11.0, false, 1, false, 0, true);
    CU_ASSERT_EQUAL(p.due, 0);

    /* two telegrams one period apart: the next read is on schedule */
    smp_pace_reset(&p);
    smp_pace_after_read(&p, 10.0, false, 1, false, 1, true);
    CU_ASSERT_EQUAL(p.due, 0); /* one telegram says nothing about the timing */
    smp_pace_after_read(&p, 11.03, false, 1, false, 1, true);
    CU_ASSERT_TRUE(NEAR(p.due, 12.03 - smp_pace_early(1)));

    /* a telegram that came whole (a network serial server): the read was
     * right at its end, so the next one is aimed SMP_PACE_MARGIN later */
    smp_pace q;
    memset(&q, 0, sizeof q);
    smp_pace_after_read(&q, 10.0, false, 1, false, 1, false);
    smp_pace_after_read(&q, 11.0, false, 1, false, 1, false);
    CU_ASSERT_TRUE(NEAR(q.due, 12.0 - smp_pace_early(1) + SMP_PACE_MARGIN));

    /* a hit moves the schedule on by a period less the early margin */
    double due = p.due;
    smp_pace_after_read(&p, due, true, 1, false, 1, true);
    CU_ASSERT_EQUAL(p.hits, 1);
    CU_ASSERT_TRUE(NEAR(p.due, due + 1 - smp_pace_early(1)));

    /* a read on schedule that finds the telegram still arriving: wait for
     * data; the telegram it completes later puts the schedule back */
    due = p.due;
    smp_pace_after_read(&p, due, true, 0, true, 1, true);
    CU_ASSERT_EQUAL(p.due, 0);
    CU_ASSERT_EQUAL(p.misses, 1);
    smp_pace_after_read(&p, due + 0.03, false, 1, false, 1, true);
    CU_ASSERT_TRUE(NEAR(p.due, due + 0.03 + 1 - smp_pace_early(1)));
    /* ... and a hit forgives the miss */
    smp_pace_after_read(&p, p.due, true, 1, false, 1, true);
    CU_ASSERT_EQUAL(p.misses, 0);
    CU_ASSERT_EQUAL(p.hits, 2);

    /* two misses in a row: no schedule for SMP_PACE_HOLD telegrams */
    double t = p.due;
    smp_pace_nothing(&p); /* nothing had begun */
    CU_ASSERT_EQUAL(p.due, 0);
    t += 0.05;
    smp_pace_after_read(&p, t, false, 1, false, 1, true);
    CU_ASSERT_TRUE(p.due > 0);
    smp_pace_after_read(&p, p.due, true, 0, true, 1, true); /* second miss */
    CU_ASSERT_EQUAL(p.due, 0);
    CU_ASSERT_EQUAL(p.hold, SMP_PACE_HOLD);
    for (int i = 0; i < SMP_PACE_HOLD; i++) {
        t += 1;
        smp_pace_after_read(&p, t, false, 1, false, 1, true);
        CU_ASSERT_EQUAL(p.due, 0);
    }
    t += 1;
    smp_pace_after_read(&p, t, false, 1, false, 1, true);
    CU_ASSERT_TRUE(NEAR(p.due, t + 1 - smp_pace_early(1)));

    /* two telegrams in one read on schedule: the period is wrong */
    smp_pace_after_read(&p, p.due, true, 2, false, 1, true);
    CU_ASSERT_EQUAL(p.due, 0);
    CU_ASSERT_EQUAL(p.misses, 1);

    /* telegrams 0.4 s apart on a meter that says 1 s (or 1.2 s apart): not on schedule */
    smp_pace_reset(&p);
    smp_pace_after_read(&p, 20.0, false, 1, false, 1, true);
    smp_pace_after_read(&p, 20.4, false, 1, false, 1, true);
    CU_ASSERT_EQUAL(p.due, 0);
    smp_pace_after_read(&p, 21.6, false, 1, false, 1, true);
    CU_ASSERT_EQUAL(p.due, 0);
    /* a telegram complete while the next one is begun: not on schedule */
    smp_pace_after_read(&p, 22.6, false, 1, true, 1, true);
    CU_ASSERT_EQUAL(p.due, 0);

    /* a new connection forgets the timing, keeps the count */
    smp_pace_after_read(&p, 23.6, false, 1, false, 1, true);
    CU_ASSERT_TRUE(p.due > 0);
    uint64_t hits = p.hits;
    smp_pace_reset(&p);
    CU_ASSERT_EQUAL(p.due, 0);
    CU_ASSERT_EQUAL(p.last_done, 0);
    CU_ASSERT_EQUAL(p.hits, hits);
}

/* ---- a model of the line and the reader ------------------------------------ */

typedef struct {
    double start0, every, dur, jitter; /* pushes: start0 + k * every + jitter(k), lasting dur */
    double period;                     /* the push period the reader knows */
} line_model;

typedef struct {
    unsigned wakeups, telegrams, hits;
    double max_late; /* the longest time between a telegram's end and its read */
} run_result;

static double push_start(const line_model *l, unsigned k)
{
    /* a fixed pseudo-random jitter in [0, jitter) */
    uint32_t x = k * 2654435761u;
    x ^= x >> 15;
    return l->start0 + k * l->every + l->jitter * (double)(x % 1000) / 1000.0;
}

/* Read what has come by t: the pushes complete by then (their lateness
 * noted); *underway whether the next one has begun. */
static unsigned read_by(const line_model *l, unsigned n, unsigned *next, double t,
                        run_result *r, bool *underway)
{
    unsigned done = 0;
    for (; *next < n && push_start(l, *next) + l->dur <= t; (*next)++, done++) {
        double late = t - (push_start(l, *next) + l->dur);
        if (late > r->max_late)
            r->max_late = late;
    }
    r->telegrams += done;
    *underway = *next < n && push_start(l, *next) <= t;
    return done;
}

/* The reader over n pushes, as plugin/smp_meter.c does it: waiting for
 * data it wakes at a telegram's first bytes and again when the rest should
 * be there (its length at the line's speed, +5 %, +20 ms); on schedule it
 * wakes at p.due and reads what has come. */
static run_result run_model(const line_model *l, unsigned n)
{
    smp_pace p;
    memset(&p, 0, sizeof p);
    run_result r = {0};
    unsigned next = 0; /* the first push not read completely */
    double now = 0;
    while (next < n) {
        double t;
        bool on_schedule = p.due > 0;
        if (on_schedule) {
            t = p.due > now ? p.due : now;
        } else {
            double s = push_start(l, next);
            t = s > now ? s : now;
        }
        r.wakeups++;
        if (on_schedule && push_start(l, next) > t) {
            smp_pace_nothing(&p);
            now = t;
            continue;
        }
        bool underway;
        unsigned done = read_by(l, n, &next, t, &r, &underway);
        smp_pace_after_read(&p, on_schedule ? p.due : t, on_schedule, done, underway, l->period,
                            false);
        now = t;
        if (underway) { /* let_frame_arrive: wait as long as the rest takes */
            double begun = push_start(l, next);
            double rest = l->dur - (t - begun);
            now = t + (rest > 0 ? rest : 0) * 1.05 + 0.02;
            /* the loop's next read finds it whole (data waiting: no wake-up) */
            r.wakeups++;
            done = read_by(l, n, &next, now, &r, &underway);
            smp_pace_after_read(&p, now, false, done, underway, l->period, true);
        }
    }
    r.hits = (unsigned)p.hits;
    return r;
}

static void test_pace_model(void)
{
    const unsigned n = 1000;
    /* a 376-byte telegram at 38400 baud (98 ms), every second, on time */
    line_model steady = {.start0 = 0.5, .every = 1.0, .dur = 0.098, .period = 1};
    run_result r = run_model(&steady, n);
    CU_ASSERT_EQUAL(r.telegrams, n);
    double margin = 0.02 + 0.05 * steady.dur + 1e-9;
    CU_ASSERT_TRUE(r.max_late <= margin);
    CU_ASSERT_TRUE(r.hits >= n * 85 / 100); /* 899: a miss every 11 telegrams */
    CU_ASSERT_TRUE(r.wakeups <= n * 115 / 100);

    /* the meter's clock 100 ppm fast and 100 ppm slow against the host's */
    for (int sign = -1; sign <= 1; sign += 2) {
        line_model drift = steady;
        drift.every = 1.0 + sign * 100e-6;
        r = run_model(&drift, n);
        CU_ASSERT_EQUAL(r.telegrams, n);
        CU_ASSERT_TRUE(r.max_late <= margin);
        CU_ASSERT_TRUE(r.hits >= n * 85 / 100);
        CU_ASSERT_TRUE(r.wakeups <= n * 115 / 100);
    }

    /* whole telegrams at once (a network serial server, or a fast line and
     * a slow reader): read on schedule too */
    line_model whole = steady;
    whole.dur = 0;
    r = run_model(&whole, n);
    CU_ASSERT_EQUAL(r.telegrams, n);
    CU_ASSERT_TRUE(r.max_late <= SMP_PACE_MARGIN + 1e-9);
    CU_ASSERT_TRUE(r.hits >= n * 85 / 100);
    CU_ASSERT_TRUE(r.wakeups <= n * 115 / 100);

    /* 2400 baud, 376 bytes (1.72 s), every 5 s */
    line_model slow = {.start0 = 2, .every = 5, .dur = 1.723, .period = 5};
    r = run_model(&slow, n);
    CU_ASSERT_EQUAL(r.telegrams, n);
    CU_ASSERT_TRUE(r.max_late <= 0.02 + 0.05 * slow.dur + 1e-9);
    CU_ASSERT_TRUE(r.hits >= n * 8 / 10); /* 860 */
    CU_ASSERT_TRUE(r.wakeups <= n * 12 / 10);

    /* pushes that jitter by up to 80 ms, more than the margin: a miss puts
     * the schedule at the latest push seen, so that most reads still find
     * their telegram whole, read up to the jitter later */
    line_model jitter = steady;
    jitter.jitter = 0.08;
    r = run_model(&jitter, n);
    CU_ASSERT_EQUAL(r.telegrams, n);
    CU_ASSERT_TRUE(r.max_late <= margin + jitter.jitter);
    CU_ASSERT_TRUE(r.wakeups <= n * 13 / 10); /* 1 081 */

    /* a meter that pushes every 1.05 s but whose clock says 1 s: two misses,
     * then SMP_PACE_HOLD telegrams waiting for data, and so on; it costs
     * what waiting for data always does (two wake-ups a telegram) */
    line_model off = steady;
    off.every = 1.05;
    r = run_model(&off, n);
    CU_ASSERT_EQUAL(r.telegrams, n);
    CU_ASSERT_TRUE(r.max_late <= margin);
    CU_ASSERT_TRUE(r.wakeups <= n * 21 / 10);

    /* telegrams every 0.4 s from a meter that says 1 s (the tests' pace):
     * never on schedule, exactly as without it */
    line_model fast = steady;
    fast.every = 0.4;
    r = run_model(&fast, n);
    CU_ASSERT_EQUAL(r.telegrams, n);
    CU_ASSERT_EQUAL(r.hits, 0);
    CU_ASSERT_EQUAL(r.wakeups, 2 * n);
}

void register_plugin_pace(void)
{
    CU_pSuite s = CU_add_suite("plugin: when the reader reads next", NULL, NULL);
    CU_add_test(s, "the rules: schedule, hit, miss, hold, wrong period", test_pace_rules);
    CU_add_test(s, "a modelled line: steady, drifting, jittering, off-period meters",
                test_pace_model);
}
