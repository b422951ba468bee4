/* sim_profile.c - a household's day for the simulated meter (smsim
 * --profile): what a graph of a real meter shows, so that the demo, the
 * README's picture and the graph tests draw something a person recognises.
 *
 * Consumption (W) is a base load (fridge cycling, standby), a morning peak
 * around 07:15, a midday plateau (larger at the weekend), an evening peak
 * around 19:00, and appliances switched on at random (kettle, oven, washing
 * machine) more often when people are awake.  The producer profile adds a
 * 6 kWp PV system on three phases: a bell between sunrise and sunset whose
 * width and height follow the season, dimmed by each day's cloudiness and a
 * slow random walk of passing clouds; what it makes beyond the household's
 * use is exported, so import and export are never both above zero.
 * Voltages are the grid's (a little lower in the evening peak, higher at
 * night and when the neighbourhood's PV exports) minus the drop of the
 * phase's own load, plus a little noise.  Gas is heating in the morning and
 * evening (more in winter) and hot water.  The energy registers count what
 * the power delivered, to the watt-second (kept between pushes).
 * Deterministic from the seed, times local Central European. */
#include "meter_sim.h"

#include <math.h>
#include <string.h>

static double unit_rand(meter_sim *m) { return (double)(sim_xorshift(&m->rng) >> 11) / 9007199254740992.0; }

/* the same number for every push of a local day (a day's cloudiness) */
static double day_rand(const meter_sim *m, int64_t day)
{
    uint64_t s = (uint64_t)day * 0x9E3779B97F4A7C15ULL ^ m->seed0;
    s = s ? s : 1;
    sim_xorshift(&s);
    return (double)(sim_xorshift(&s) >> 11) / 9007199254740992.0;
}

static double bell(double h, double at, double width)
{
    double x = (h - at) / width;
    return exp(-0.5 * x * x);
}

/* appliances: one at a time, switched on at random, most in waking hours */
static double appliance(meter_sim *m, double h)
{
    static const struct {
        double watts, minutes, from, to;
    } kinds[] = {{2000, 3, 6.0, 23.0}, {2600, 50, 11.0, 20.0}, {2100, 25, 8.0, 21.0}, {1200, 15, 6.5, 22.0}};
    if (m->prof_left > 0) {
        m->prof_left -= (int)m->period;
        return m->prof_watts;
    }
    double pick = unit_rand(m);
    /* about six switch-ons a day */
    if (pick < 6.0 * m->period / 86400.0 * 1.6) {
        unsigned k = (unsigned)(unit_rand(m) * 4) % 4;
        if (h >= kinds[k].from && h < kinds[k].to) {
            m->prof_watts = kinds[k].watts;
            m->prof_left = (int)(kinds[k].minutes * 60);
            return m->prof_watts;
        }
    }
    m->prof_watts = 0;
    return 0;
}

static double consumption(meter_sim *m, double h, bool weekend, int64_t utc)
{
    double fridge = (utc / 60) % 45 < 18 ? 90 : 0;
    double w = 160 + fridge;
    w += (weekend ? 900 : 1700) * bell(h, weekend ? 8.5 : 7.25, 0.55);
    w += (weekend ? 1100 : 350) * bell(h, 12.5, 1.6);
    w += 2000 * bell(h, 19.0, 1.3);
    w += 300 * bell(h, 21.5, 1.2);
    w += appliance(m, h);
    return w * (0.94 + 0.12 * unit_rand(m));
}

/* PV output (W) of 6 kWp at local hour h on day-of-year doy */
static double pv(meter_sim *m, double h, int doy, int64_t day, bool summer)
{
    double season = cos((doy - 172) * 2 * M_PI / 365.0); /* 1 in June, -1 in December */
    double half = 4.6 + 3.1 * season;                     /* half the day's length, h */
    double noon = summer ? 13.4 : 12.4;
    double x = (h - noon) / half;
    if (x <= -1 || x >= 1)
        return 0;
    double clear = 0.3 + 0.7 * day_rand(m, day);
    m->prof_cloud += 0.08 * (unit_rand(m) - 0.5);
    if (m->prof_cloud < 0.55)
        m->prof_cloud = 0.55;
    if (m->prof_cloud > 1)
        m->prof_cloud = 1;
    double peak = 6000 * (0.55 + 0.3 * season) * clear * m->prof_cloud;
    return peak * pow(cos(x * M_PI / 2), 1.3);
}

static uint32_t whole(double x) { return x <= 0 ? 0 : (uint32_t)lround(x); }

static void energy(uint32_t *reg, uint32_t *ws, uint32_t w, unsigned period)
{
    uint64_t total = (uint64_t)*ws + (uint64_t)w * period;
    *reg += (uint32_t)(total / 3600);
    *ws = (uint32_t)(total % 3600);
}

void sim_profile_step(meter_sim *m)
{
    int f[6];
    int off = sim_cet_local(m->utc, f);
    int64_t local = m->utc + off * 60;
    int64_t day = local >= 0 ? local / 86400 : (local - 86399) / 86400;
    bool weekend = (day + 3) % 7 >= 5; /* 1970-01-01 was a Thursday; Monday = 0 */
    double h = f[3] + f[4] / 60.0 + f[5] / 3600.0;
    int doy = (f[1] - 1) * 30 + f[2];
    double use = consumption(m, h, weekend, m->utc);
    double sun = m->profile == SIM_PROFILE_PRODUCER ? pv(m, h, doy, day, off == 120) : 0;
    /* the load over the phases; a single-phase meter (TIC's two shapes)
     * has it all on L1 */
    static const double three[3] = {0.45, 0.30, 0.25}, one[3] = {1, 0, 0}, trim[3] = {0.8, -0.6, 0.3};
    bool single = m->framing == SIM_TIC && (m->tic_make == SIM_TIC_HIST || m->tic_make == SIM_TIC_STD);
    const double *share = single ? one : three;
    double grid = 231.5 - 3.0 * bell(h, 19.0, 1.5) + 1.2 * bell(h, 3.0, 2.0) + 0.0009 * sun;
    for (int i = 0; i < 3; i++) {
        double p = use * share[i] - (single ? (i == 0 ? sun : 0) : sun / 3);
        double v = grid + trim[i] - 0.0011 * fabs(p) * (p < 0 ? -1 : 1) + 0.4 * (unit_rand(m) - 0.5);
        m->voltage[i] = (uint16_t)whole(v * 10);
        m->current[i] = (uint16_t)whole(fabs(p) / v * 100);
    }
    double net = use - sun;
    m->power_in = whole(net);
    m->power_out = whole(-net);
    energy(&m->energy_in, &m->ws_in, m->power_in, m->period);
    energy(&m->energy_out, &m->ws_out, m->power_out, m->period);
    /* reactive energy: a motor's share of the import, a little */
    uint32_t q = whole(use * 0.12);
    energy(&m->reactive_in, &m->ws_qin, q, m->period);
    /* gas, litres an hour: heating in the morning and evening (more in
     * winter), hot water; the meter counts whole litres */
    double winter = 0.5 - 0.5 * cos((doy - 15) * 2 * M_PI / 365.0 + M_PI);
    double lph = 15 + 120 * bell(h, 7.0, 0.8) + 80 * bell(h, 20.0, 1.5) +
                 winter * (450 * bell(h, 6.5, 1.0) + 300 * bell(h, 18.5, 2.0) + 60);
    m->gas_ml += (uint32_t)(lph * m->period / 3.6);
}
