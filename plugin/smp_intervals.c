/* smp_intervals.c - EnergyIntervals in the reader thread: each energy
 * register of a telegram (the values its batch dispatches as energy_wh,
 * reactive_energy or apparent_energy) fed to its track per interval
 * (smp_energy.c), the closed intervals added to the batch at their end
 * time, as "<register's instance>-<interval>" ("import-15min",
 * "export-T1-1d") of the register's type, the interval as the series'
 * interval.  The meter's offset from UTC is its time's (DLMS deviation,
 * P1's S/W, TIC's season) when the values carry the meter's time, else the
 * host's time zone's. */
#include "smp_meter.h"

#include "collectd/core/utils/common/common.h"

#include <time.h>

struct smp_energy_slot {
    sm_obis obis;
    size_t iv;
    smp_energy_track tr;
};

/* The track of a register for interval iv; NULL when all are taken. */
static smp_energy_track *track(smp_meter *m, const sm_obis *o, size_t iv)
{
    for (size_t i = 0; i < m->rd.nenergy; i++)
        if (m->rd.energy[i].iv == iv && sm_obis_equal(&m->rd.energy[i].obis, o))
            return &m->rd.energy[i].tr;
    if (!m->rd.energy && !(m->rd.energy = calloc(SMP_ENERGY_TRACKS, sizeof *m->rd.energy)))
        return NULL;
    if (m->rd.nenergy == SMP_ENERGY_TRACKS) {
        if (!m->rd.energy_full_said)
            WARNING(SMP_LOG_PREFIX "EnergyIntervals: more than %d registers x intervals; the "
                    "others are not followed", m->cfg.name, SMP_ENERGY_TRACKS);
        m->rd.energy_full_said = true;
        return NULL;
    }
    struct smp_energy_slot *s = &m->rd.energy[m->rd.nenergy++];
    s->obis = *o;
    s->iv = iv;
    return &s->tr;
}

/* The meter's offset from UTC (seconds east) at the values' time `when`. */
static int utc_offset(const smp_meter *m, const sm_telegram *t, time_t when)
{
    sm_datetime dt;
    int64_t utc;
    if (!m->cfg.host_time && sm_telegram_time(t, &dt) && sm_datetime_has_deviation(&dt) &&
        sm_datetime_to_unix(&dt, SM_DT_DEVIATION_UNSPECIFIED, &utc) == SM_OK &&
        (utc == (int64_t)when || utc + 1 == (int64_t)when))
        return -dt.deviation * 60;
    struct tm tm;
    return localtime_r(&when, &tm) ? (int)tm.tm_gmtoff : 0;
}

static bool is_energy(const char *type)
{
    return strcmp(type, "energy_wh") == 0 || strcmp(type, "reactive_energy") == 0 ||
           strcmp(type, "apparent_energy") == 0;
}

/* The batch's value of reading r (by its OBIS code's text), or -1. */
static long batch_index(const smp_batch *b, size_t n, const char *code)
{
    for (size_t i = 0; i < n; i++)
        if (b->vtime[i] == 0 && strcmp(b->obis[i], code) == 0 && is_energy(b->v[i].type))
            return (long)i;
    return -1;
}

static void say_left_out(smp_meter *m, const smp_energy_notes *n, time_t when)
{
    char at[32];
    struct tm tm;
    strftime(at, sizeof at, "%Y-%m-%dT%H:%M:%S%z", localtime_r(&when, &tm));
    NOTICE(SMP_LOG_PREFIX "EnergyIntervals: %" PRIu64 " interval%s left out before %s: %s "
           "(counted in energy-intervals-left-out)",
           m->cfg.name, n->left_out, n->left_out == 1 ? "" : "s", at,
           n->back    ? "the meter's clock went back"
           : n->reset ? "an energy register went down (a meter replaced or reset)"
                      : "no telegram for longer than EnergyMaxGap (or the meter's clock jumped)");
}

void smp_intervals_add(smp_meter *m, const sm_telegram *t, smp_batch *b)
{
    time_t when = CDTIME_T_TO_TIME_T(b->time);
    int offset = utc_offset(m, t, when);
    size_t n = b->n; /* the telegram's own values; intervals are added after them */
    smp_energy_notes notes = {0};
    for (size_t k = 0; k < t->nreadings; k++) {
        const sm_reading *r = &t->readings[k];
        if (r->kind != SM_RK_NUMBER || r->is_float || r->has_capture ||
            r->obis_source == SM_OBIS_NONE || r->parent != SM_NO_NODE || r->obis.d != 8 ||
            (!r->is_signed && r->raw_u > INT64_MAX))
            continue;
        char code[24];
        sm_obis_format(&r->obis, code, sizeof code);
        long i = batch_index(b, n, code);
        if (i < 0)
            continue; /* not dispatched (Select, Ignore), or no energy register */
        int64_t raw = r->is_signed ? r->raw_i : (int64_t)r->raw_u;
        for (size_t iv = 0; iv < m->cfg.nintervals; iv++) {
            smp_energy_track *tr = track(m, &r->obis, iv);
            smp_energy_interval out[4];
            size_t got = tr ? smp_energy_feed(tr, &m->cfg.intervals[iv],
                                              (int64_t)m->cfg.energy_max_gap, (int64_t)when,
                                              offset, raw, r->scaler, out, 4, &notes)
                            : 0;
            for (size_t j = 0; j < got; j++) {
                smp_value v = b->v[i];
                v.value = sm_scale((double)out[j].energy, r->scaler);
                v.own_time = true;
                snprintf(v.type_instance, sizeof v.type_instance, "%s-%s", b->v[i].type_instance,
                         m->cfg.intervals[iv].name);
                if (!smp_batch_add(b, &v, code, TIME_T_TO_CDTIME_T(out[j].end),
                                   TIME_T_TO_CDTIME_T(out[j].end - out[j].start)))
                    notes.left_out++;
            }
        }
    }
    if (notes.left_out) {
        smp_meter_count(m, SMP_H_ENERGY_LEFT_OUT, notes.left_out);
        say_left_out(m, &notes, when);
    }
}
