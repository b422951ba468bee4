/* test_energy.c - EnergyIntervals (plugin/smp_energy.c): the energy of each
 * closed interval at the local clock's boundaries, exact in the register's
 * units; the intervals of a run add up to the register's difference; days
 * of 23 and 25 hours; gaps, a register that goes down and a meter clock
 * that jumps leave intervals out, counted, never negative. */
#include <string.h>

#include "smp_energy.h"
#include "test_util.h"

#define CEST 7200
#define CET 3600

/* A register followed for one interval, from nothing. */
typedef struct {
    smp_interval iv;
    smp_energy_track tr;
    smp_energy_notes notes;
} run;

static run start(const char *interval)
{
    run r;
    memset(&r, 0, sizeof r);
    CU_ASSERT_TRUE(smp_interval_parse(interval, &r.iv));
    return r;
}

/* Feed one reading (max_gap 900); the intervals it closes into out. */
static size_t feed(run *r, int64_t t, int offset, int64_t v, int8_t scaler,
                   smp_energy_interval *out, size_t cap)
{
    return smp_energy_feed(&r->tr, &r->iv, 900, t, offset, v, scaler, out, cap, &r->notes);
}

static void test_interval_parse(void)
{
    smp_interval iv;
    CU_ASSERT_TRUE(smp_interval_parse("15min", &iv));
    CU_ASSERT_EQUAL(iv.seconds, 900);
    CU_ASSERT_STRING_EQUAL(iv.name, "15min");
    CU_ASSERT_TRUE(smp_interval_parse("1h", &iv));
    CU_ASSERT_EQUAL(iv.seconds, 3600);
    CU_ASSERT_TRUE(smp_interval_parse("1d", &iv));
    CU_ASSERT_TRUE(iv.day);
    CU_ASSERT_FALSE(smp_interval_parse("7min", &iv)); /* a day is no whole number of them */
    CU_ASSERT_FALSE(smp_interval_parse("2d", &iv));
    CU_ASSERT_FALSE(smp_interval_parse("0h", &iv));
    CU_ASSERT_FALSE(smp_interval_parse("h", &iv));
    CU_ASSERT_FALSE(smp_interval_parse("15 min", &iv));
    CU_ASSERT_FALSE(smp_interval_parse("15m", &iv));
}

/* A run of readings every `step` s from t0 with pseudo-random increments:
 * every interval equals the difference of the register's values at its
 * boundaries, computed here on their own, and they add up exactly. */
static void test_sum_exact(void)
{
    run r = start("15min");
    int64_t t0 = 1790000003, v = 123456789, prev_t = 0, prev_v = 0;
    /* the register at every boundary passed, computed here on its own */
    int64_t bt[64], bvals[64];
    size_t nb = 0, given = 0;
    int64_t sum = 0, first_start = 0, last_end = 0;
    uint32_t rnd = 1;
    smp_energy_interval out[8];
    for (int i = 0; i < 2000; i++) {
        int64_t t = t0 + 7 * i;
        rnd = rnd * 1103515245u + 12345u;
        v += (rnd >> 16) % 50; /* 0 .. 49 Wh in 7 s */
        if (i > 0)
            for (int64_t b = t - (t + CET) % 900; b > prev_t && b <= t; b -= 900) {
                CU_ASSERT_FATAL(nb < 64);
                bt[nb] = b;
                bvals[nb++] = b == t ? v
                                     : prev_v + ((v - prev_v) * (b - prev_t) * 2 + (t - prev_t)) /
                                                    (2 * (t - prev_t));
            }
        size_t n = feed(&r, t, CET, v, 0, out, 8);
        for (size_t k = 0; k < n; k++) {
            CU_ASSERT_EQUAL(out[k].end - out[k].start, 900);
            CU_ASSERT_EQUAL(out[k].start, last_end ? last_end : out[k].start);
            /* its energy: the difference of the register at its boundaries */
            size_t e = nb - 1;
            CU_ASSERT_EQUAL_FATAL(bt[e], out[k].end);
            CU_ASSERT_FATAL(e >= 1 && bt[e - 1] == out[k].start);
            CU_ASSERT_EQUAL(out[k].energy, bvals[e] - bvals[e - 1]);
            if (!first_start)
                first_start = out[k].start;
            last_end = out[k].end;
            sum += out[k].energy;
            given++;
        }
        prev_t = t;
        prev_v = v;
    }
    CU_ASSERT_EQUAL(given, nb - 1); /* every boundary but the first ends one */
    CU_ASSERT_TRUE(given > 10);
    CU_ASSERT_EQUAL(first_start, bt[0]);
    CU_ASSERT_EQUAL(sum, bvals[nb - 1] - bvals[0]); /* they add up exactly */
    CU_ASSERT_EQUAL(r.notes.left_out, 0);
    CU_ASSERT_FALSE(r.notes.gap || r.notes.back || r.notes.reset);
}

/* The interpolation rounds half up in the register's units, and a reading
 * on the boundary is taken as it is. */
static void test_interpolation(void)
{
    run r = start("15min");
    smp_energy_interval out[4];
    int64_t base = 1790001000 - (1790001000 + CET) % 900; /* a boundary */
    CU_ASSERT_EQUAL(feed(&r, base, CET, 1000, -1, out, 4), 0);
    CU_ASSERT_TRUE(r.tr.bound); /* on the boundary: known */
    CU_ASSERT_EQUAL(feed(&r, base + 890, CET, 1100, -1, out, 4), 0);
    /* 1100 at 890 s, 1103 at 910 s: 1101.5 at the boundary, rounded up */
    CU_ASSERT_EQUAL_FATAL(feed(&r, base + 910, CET, 1103, -1, out, 4),
                          1);
    CU_ASSERT_EQUAL(out[0].start, base);
    CU_ASSERT_EQUAL(out[0].end, base + 900);
    CU_ASSERT_EQUAL(out[0].energy, 102);
    /* the next on its boundary exactly */
    CU_ASSERT_EQUAL_FATAL(feed(&r, base + 1800, CET, 1500, -1, out, 4),
                          1);
    CU_ASSERT_EQUAL(out[0].energy, 1500 - 1102);
}

/* Days end at local midnight: the day the clocks go back has 25 hours, the
 * day they go forward 23 (a register that counts a Wh a second). */
static void day_length(int64_t from, int64_t to, int64_t change, int before, int after,
                       int64_t want_start, int64_t want_len)
{
    run r = start("1d");
    smp_energy_interval out[2];
    int found = 0;
    for (int64_t t = from; t <= to; t += 60) {
        int off = t < change ? before : after;
        size_t n = feed(&r, t, off, t - from, 0, out, 2);
        for (size_t k = 0; k < n; k++)
            if (out[k].start == want_start) {
                CU_ASSERT_EQUAL(out[k].end - out[k].start, want_len);
                CU_ASSERT_EQUAL(out[k].energy, want_len);
                found++;
            }
    }
    CU_ASSERT_EQUAL(found, 1);
    CU_ASSERT_EQUAL(r.notes.left_out, 0);
}

static void test_dst_days(void)
{
    /* 2026-10-25: CEST ends at 01:00 UTC; the day is 2026-10-24T22:00Z to
     * 2026-10-25T23:00Z */
    day_length(1792879200 - 7200, 1792969200 + 7200, 1792890000, CEST, CET, 1792879200, 90000);
    /* 2026-03-29: CEST begins at 01:00 UTC; the day is 2026-03-28T23:00Z to
     * 2026-03-29T22:00Z */
    day_length(1774738800 - 7200, 1774821600 + 7200, 1774746000, CET, CEST, 1774738800, 82800);
}

/* No telegram for longer than max_gap across boundaries: the intervals
 * whose start or end fell into the gap are left out and counted; those
 * after it are given again. */
static void test_gap(void)
{
    run r = start("15min");
    smp_energy_interval out[4];
    int64_t base = 1790001000 - (1790001000 + CET) % 900; /* a boundary, :00 :15 :30 :45 */
    int64_t given = 0, v = 0;
    for (int64_t t = base - 600; t <= base + 1200; t += 10) /* to 20 min past */
        given += (int64_t)feed(&r, t, CET, v += 5, 0, out, 4);
    CU_ASSERT_EQUAL(given, 1); /* base .. base + 900 */
    /* 1000 s without a telegram: the boundary base + 1800 falls into it */
    for (int64_t t = base + 2200; t <= base + 4000; t += 10) {
        size_t n = feed(&r, t, CET, v += 5, 0, out, 4);
        for (size_t k = 0; k < n; k++) {
            CU_ASSERT_TRUE(out[k].start >= base + 2700);
            CU_ASSERT_EQUAL(out[k].energy, 450);
        }
        given += (int64_t)n;
    }
    CU_ASSERT_TRUE(r.notes.gap);
    CU_ASSERT_EQUAL(r.notes.left_out, 2); /* ending at base + 1800 and at base + 2700 */
    CU_ASSERT_EQUAL(given, 1 + 1);      /* base + 2700 .. base + 3600 */
}

/* A register that goes down (a meter replaced), a meter clock that goes
 * back an hour, then forward two: never a negative interval, none given
 * twice, what is lost counted. */
static void test_reset_and_jumps(void)
{
    run r = start("15min");
    smp_energy_interval out[4];
    int64_t base = 1790001000 - (1790001000 + CET) % 900, v = 5000000, last_end = 0;
    int64_t t = base - 100;
    int64_t script[][2] = {{3000, 10}, {1, 0}, {3000, 10}, {-3600, 0}, {5400, 10}, {7200, 0},
                           {3000, 10}};
    bool down_done = false;
    for (size_t s = 0; s < sizeof script / sizeof script[0]; s++) {
        if (script[s][1] == 0) { /* a jump of the clock (or the register: {1, 0}) */
            if (script[s][0] == 1) {
                v = 10; /* the register starts again */
                down_done = true;
                continue;
            }
            t += script[s][0];
            continue;
        }
        for (int64_t k = 0; k < script[s][0]; k += script[s][1]) {
            t += script[s][1];
            v += 3;
            size_t n = feed(&r, t, CET, v, 0, out, 4);
            for (size_t i = 0; i < n; i++) {
                CU_ASSERT_TRUE(out[i].energy >= 0);
                CU_ASSERT_TRUE(out[i].end > last_end); /* never given twice */
                CU_ASSERT_EQUAL(out[i].energy, 270);   /* 3 Wh each 10 s */
                last_end = out[i].end;
            }
        }
    }
    CU_ASSERT_TRUE(down_done);
    CU_ASSERT_TRUE(r.notes.reset);
    CU_ASSERT_TRUE(r.notes.back);
    CU_ASSERT_TRUE(r.notes.gap);
    CU_ASSERT_TRUE(r.notes.left_out >= 3);
}

static const test_case cases[] = {
    {"interval names", test_interval_parse},
    {"every interval exact, the sum the register's difference", test_sum_exact},
    {"interpolation half up, a reading on the boundary as it is", test_interpolation},
    {"days of 25 and 23 hours", test_dst_days},
    {"a gap across boundaries: left out, counted", test_gap},
    {"a register reset, the clock back and forward", test_reset_and_jumps},
    {NULL, NULL},
};

const test_suite suite_energy = {"plugin: EnergyIntervals", cases};
