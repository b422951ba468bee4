/* smp_energy.c - the energy of closed intervals.  See smp_energy.h. */
#include "smp_energy.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool smp_interval_parse(const char *s, smp_interval *iv)
{
    char *end;
    long n = strtol(s, &end, 10);
    int64_t unit = strcmp(end, "min") == 0 ? 60 : strcmp(end, "h") == 0 ? 3600
                   : strcmp(end, "d") == 0 ? 86400 : 0;
    if (end == s || !unit || n <= 0 || n > 1440 || strlen(s) >= sizeof iv->name)
        return false;
    int64_t len = n * unit;
    if (86400 % len != 0) /* a day is a whole number of them: boundaries at midnight */
        return false;
    iv->seconds = len;
    iv->day = len == 86400;
    snprintf(iv->name, sizeof iv->name, "%s", s);
    return true;
}

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/* The last boundary at or before t, in local time at offset. */
static int64_t boundary_at_or_before(const smp_interval *iv, int64_t t, int offset)
{
    return floor_div(t + offset, iv->seconds) * iv->seconds - offset;
}

/* A new start: the interval under way is lost (the boundary before it
 * unknown), unless the reading is on a boundary. */
static void restart(smp_energy_track *tr, const smp_interval *iv, int64_t t, int offset,
                    int64_t v, int8_t scaler)
{
    tr->have = true;
    tr->t = t;
    tr->v = v;
    tr->scaler = scaler;
    tr->b = boundary_at_or_before(iv, t, offset);
    tr->bound = tr->b == t;
    tr->bv = v;
    tr->seen_boundary |= tr->bound;
}

/* A gap longer than max_gap: every boundary in (tr->t, t) is unknown, so
 * every interval ending in (tr->t, t] is left out (no loop: a clock that
 * jumped years costs nothing). */
static void gap(smp_energy_track *tr, const smp_interval *iv, int64_t t, int offset, int64_t v,
                smp_energy_notes *notes)
{
    int64_t last = boundary_at_or_before(iv, t, offset);
    int64_t count = floor_div(t + offset, iv->seconds) - floor_div(tr->t + offset, iv->seconds);
    /* those given before a clock that went back are not counted again */
    int64_t given = tr->emitted > tr->t ? floor_div(tr->emitted + offset, iv->seconds) -
                                              floor_div(tr->t + offset, iv->seconds)
                                        : 0;
    if (count > 0) {
        if (tr->seen_boundary && count > given)
            notes->left_out += (uint64_t)(count - given);
        notes->gap = true;
        tr->seen_boundary = true;
        tr->b = last;
        tr->bound = last == t;
        tr->bv = v;
    }
    tr->t = t;
    tr->v = v;
}

size_t smp_energy_feed(smp_energy_track *tr, const smp_interval *iv, int64_t max_gap, int64_t t,
                       int offset, int64_t v, int8_t scaler, smp_energy_interval *out, size_t cap,
                       smp_energy_notes *notes)
{
    if (!tr->have) {
        restart(tr, iv, t, offset, v, scaler);
        return 0;
    }
    if (t == tr->t)
        return 0; /* nothing new (a repeated telegram) */
    if (t < tr->t || v < tr->v || scaler != tr->scaler) {
        /* the meter's clock went back, or its register (a meter replaced,
         * reset): the interval under way is lost; counted when its end
         * passes (here, when the new reading is on a boundary not given) */
        notes->back |= t < tr->t;
        notes->reset |= t > tr->t;
        bool was_seen = tr->seen_boundary;
        restart(tr, iv, t, offset, v, scaler);
        if (tr->bound && was_seen && tr->b > tr->emitted)
            notes->left_out++;
        return 0;
    }
    int64_t dt = t - tr->t;
    if (dt > max_gap) {
        gap(tr, iv, t, offset, v, notes);
        return 0;
    }
    size_t n = 0;
    for (int64_t b = boundary_at_or_before(iv, tr->t, offset) + iv->seconds; b <= t;
         b += iv->seconds) {
        /* the register at b: the reading there, else the straight line
         * between the readings around it, rounded half up */
        __int128 num = (__int128)(v - tr->v) * (b - tr->t) * 2 + dt;
        int64_t bv = b == t ? v : tr->v + (int64_t)(num / (2 * (__int128)dt));
        if (b <= tr->emitted) {
            /* given before the meter's clock went back */
        } else if (tr->bound && n < cap) {
            out[n++] = (smp_energy_interval){tr->b, b, bv - tr->bv};
            tr->emitted = b;
        } else if (tr->seen_boundary) {
            notes->left_out++;
        }
        tr->seen_boundary = true;
        tr->bound = true;
        tr->b = b;
        tr->bv = bv;
    }
    tr->t = t;
    tr->v = v;
    return n;
}
