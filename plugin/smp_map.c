/* smp_map.c - OBIS code -> collectd type and type instance. */
#include "smp_map.h"

#include <stdio.h>
#include <string.h>

#define ANY_E 0xFF
#define NO_UNIT 0 /* power factor: no unit (0 or 255 on the wire) */

typedef struct {
    uint8_t c, d, e;      /* e ANY_E: tariff registers, "-T<e>" added for e > 0 */
    uint8_t unit;         /* the unit the type expects */
    const char *type;
    const char *instance;
} map_entry;

/* Electricity (A = 1).  Sources: IEC 62056-6-1 value groups C and D. */
static const map_entry map[] = {
    /* instantaneous values (D = 7) */
    {1, 7, 0, SM_UNIT_W, "power", "import"},
    {2, 7, 0, SM_UNIT_W, "power", "export"},
    {3, 7, 0, SM_UNIT_VAR, "reactive_power", "import"},
    {4, 7, 0, SM_UNIT_VAR, "reactive_power", "export"},
    {9, 7, 0, SM_UNIT_VA, "apparent_power", "import"},
    {10, 7, 0, SM_UNIT_VA, "apparent_power", "export"},
    {13, 7, 0, NO_UNIT, "power_factor", ""},
    {14, 7, 0, SM_UNIT_HZ, "frequency", ""},
    {15, 7, 0, SM_UNIT_W, "power", "absolute"},
    {16, 7, 0, SM_UNIT_W, "power", "net"},
    {21, 7, 0, SM_UNIT_W, "power", "L1-import"},
    {29, 7, 0, SM_UNIT_VA, "apparent_power", "L1-import"},
    {49, 7, 0, SM_UNIT_VA, "apparent_power", "L2-import"},
    {69, 7, 0, SM_UNIT_VA, "apparent_power", "L3-import"},
    {22, 7, 0, SM_UNIT_W, "power", "L1-export"},
    {31, 7, 0, SM_UNIT_A, "current", "L1"},
    {32, 7, 0, SM_UNIT_V, "voltage", "L1"},
    {33, 7, 0, NO_UNIT, "power_factor", "L1"},
    {36, 7, 0, SM_UNIT_W, "power", "L1-net"},
    {41, 7, 0, SM_UNIT_W, "power", "L2-import"},
    {42, 7, 0, SM_UNIT_W, "power", "L2-export"},
    {51, 7, 0, SM_UNIT_A, "current", "L2"},
    {52, 7, 0, SM_UNIT_V, "voltage", "L2"},
    {53, 7, 0, NO_UNIT, "power_factor", "L2"},
    {56, 7, 0, SM_UNIT_W, "power", "L2-net"},
    {61, 7, 0, SM_UNIT_W, "power", "L3-import"},
    {62, 7, 0, SM_UNIT_W, "power", "L3-export"},
    {71, 7, 0, SM_UNIT_A, "current", "L3"},
    {72, 7, 0, SM_UNIT_V, "voltage", "L3"},
    {73, 7, 0, NO_UNIT, "power_factor", "L3"},
    {76, 7, 0, SM_UNIT_W, "power", "L3-net"},
    {91, 7, 0, SM_UNIT_A, "current", "N"},
    /* energy registers (D = 8), total and per tariff */
    {1, 8, ANY_E, SM_UNIT_WH, "energy_wh", "import"},
    {2, 8, ANY_E, SM_UNIT_WH, "energy_wh", "export"},
    {3, 8, ANY_E, SM_UNIT_VARH, "reactive_energy", "import"},
    {4, 8, ANY_E, SM_UNIT_VARH, "reactive_energy", "export"},
    {5, 8, ANY_E, SM_UNIT_VARH, "reactive_energy", "Q1"},
    {6, 8, ANY_E, SM_UNIT_VARH, "reactive_energy", "Q2"},
    {7, 8, ANY_E, SM_UNIT_VARH, "reactive_energy", "Q3"},
    {8, 8, ANY_E, SM_UNIT_VARH, "reactive_energy", "Q4"},
    {9, 8, ANY_E, SM_UNIT_VAH, "apparent_energy", "import"},
    {10, 8, ANY_E, SM_UNIT_VAH, "apparent_energy", "export"},
    {21, 8, ANY_E, SM_UNIT_WH, "energy_wh", "L1-import"},
    {22, 8, ANY_E, SM_UNIT_WH, "energy_wh", "L1-export"},
    {41, 8, ANY_E, SM_UNIT_WH, "energy_wh", "L2-import"},
    {42, 8, ANY_E, SM_UNIT_WH, "energy_wh", "L2-export"},
    {61, 8, ANY_E, SM_UNIT_WH, "energy_wh", "L3-import"},
    {62, 8, ANY_E, SM_UNIT_WH, "energy_wh", "L3-export"},
};

/* General and P1 objects (A = 0, and A = 1 objects that are no register of
 * the table above): DSMR 5.0.2 and e-MUCS 1.7.1 name them. */
typedef struct {
    uint8_t a, c, d, e;
    uint8_t unit;
    const char *type;
    const char *instance;
} other_entry;

static const other_entry others[] = {
    /* phase angles (SML meters): U(L2) and U(L3) against U(L1), each
     * current against its voltage */
    {1, 81, 7, 1, SM_UNIT_DEGREE, "angle", "U-L2"},
    {1, 81, 7, 2, SM_UNIT_DEGREE, "angle", "U-L3"},
    {1, 81, 7, 4, SM_UNIT_DEGREE, "angle", "I-L1"},
    {1, 81, 7, 15, SM_UNIT_DEGREE, "angle", "I-L2"},
    {1, 81, 7, 26, SM_UNIT_DEGREE, "angle", "I-L3"},
    {0, 96, 14, 0, NO_UNIT, "gauge", "tariff"},
    {0, 96, 7, 21, NO_UNIT, "count", "power-failures"},
    {0, 96, 7, 9, NO_UNIT, "count", "long-power-failures"},
    {0, 96, 3, 10, NO_UNIT, "gauge", "breaker"},
    {0, 17, 0, 0, SM_UNIT_W, "power", "limit"},
    {1, 1, 4, 0, SM_UNIT_W, "power", "demand-import"},
    {1, 1, 5, 0, SM_UNIT_W, "power", "average-import"}, /* TIC's CCASN: the load curve */
    {1, 2, 5, 0, SM_UNIT_W, "power", "average-export"},
    {1, 2, 4, 0, SM_UNIT_W, "power", "demand-export"},
    {1, 1, 6, 0, SM_UNIT_W, "power", "peak-import"},
    {1, 2, 6, 0, SM_UNIT_W, "power", "peak-export"},
    {1, 31, 4, 0, SM_UNIT_A, "current", "fuse-L1"},
    {1, 32, 32, 0, NO_UNIT, "count", "sags-L1"},
    {1, 52, 32, 0, NO_UNIT, "count", "sags-L2"},
    {1, 72, 32, 0, NO_UNIT, "count", "sags-L3"},
    {1, 32, 36, 0, NO_UNIT, "count", "swells-L1"},
    {1, 52, 36, 0, NO_UNIT, "count", "swells-L2"},
    {1, 72, 36, 0, NO_UNIT, "count", "swells-L3"},
};

const char *smp_submeter_kind(const sm_reading *all, size_t n, unsigned channel)
{
    /* EN 13757-3 device types */
    static const struct {
        uint8_t type;
        const char *kind;
    } kinds[] = {{2, "electricity"}, {3, "gas"}, {4, "heat"}, {5, "steam"},
                 {6, "warm-water"}, {7, "water"}, {8, "heat-cost"}, {10, "cooling"},
                 {11, "cooling"}, {12, "heat"}, {13, "heat"}, {21, "hot-water"},
                 {22, "cold-water"}};
    for (size_t i = 0; i < n; i++) {
        const sm_reading *r = &all[i];
        if (r->kind != SM_RK_NUMBER || r->obis.b != channel || !sm_obis_is(&r->obis, 0, 24, 1, 0))
            continue;
        for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++)
            if (r->value == kinds[k].type)
                return kinds[k].kind;
    }
    return "mbus";
}

/* M-Bus sub-meter readings (0-n:24.2.x, DSMR 2/3's 0-n:24.3.0): volume in
 * m3 (gas, water), heat in J or Wh, named by the channel's device type;
 * the valve state (0-n:24.4.0) */
static bool submeter(const sm_reading *r, const sm_reading *all, size_t n, smp_value *out)
{
    const sm_obis *o = &r->obis;
    if (o->a != 0 || o->b == 0 || o->c != 24)
        return false;
    if (o->d == 4) { /* the valve of a gas or water meter */
        out->type = "gauge";
        out->known = o->b <= 4; /* as the channel's series, below */
        snprintf(out->type_instance, sizeof out->type_instance, "valve-%u", o->b);
        return true;
    }
    if (o->d != 2 && o->d != 3)
        return false;
    out->type = r->unit == SM_UNIT_M3   ? "volume"
                : r->unit == 25         ? "energy"
                : r->unit == SM_UNIT_WH ? "energy_wh"
                                        : "gauge";
    /* DSMR's channels are 1-4; a line that sends more (B takes 255 values)
     * makes series counted against MaxUnknownObjects */
    out->known = o->b <= 4;
    snprintf(out->type_instance, sizeof out->type_instance, "%s-%u",
             smp_submeter_kind(all, n, o->b), o->b);
    return true;
}

void smp_obis_instance(const sm_obis *o, char *out, size_t cap)
{
    if (o->f == 255)
        snprintf(out, cap, "obis-%u-%u-%u-%u-%u", o->a, o->b, o->c, o->d, o->e);
    else
        snprintf(out, cap, "obis-%u-%u-%u-%u-%u-%u", o->a, o->b, o->c, o->d, o->e, o->f);
}

static bool unit_fits(uint8_t expected, uint8_t unit)
{
    if (unit == expected)
        return true;
    /* a list without scaler/unit, or "count" for a ratio */
    return unit == SM_UNIT_NONE || (expected == NO_UNIT && unit == SM_UNIT_COUNT);
}

/* The parts of the code that the table's instance does not name, appended
 * so that no two objects share a series:
 *  - another channel than the meter's own (B: 0 or 1 for electricity, as
 *    DSMR and the Nordic and Swiss lists send it, 0 for abstract objects;
 *    a Czech meter's relays 0-1:96.3.10 .. 0-6:96.3.10): "-B3";
 *  - a past billing period (F other than 255: "1-0:1.8.1*101"): "-F101".
 * B and F take 255 values each, so such series count as unknown objects:
 * bounded by MaxUnknownObjects like every series a line could make up. */
static bool other_series(const sm_obis *o, smp_value *out)
{
    size_t k = strlen(out->type_instance);
    if (o->b > (o->a == 1 ? 1 : 0)) {
        k += (size_t)snprintf(out->type_instance + k, sizeof out->type_instance - k, "-B%u",
                              o->b);
        out->known = false;
    }
    if (o->f != 255 && k < sizeof out->type_instance) {
        snprintf(out->type_instance + k, sizeof out->type_instance - k, "-F%u", o->f);
        out->known = false;
    }
    return true;
}

/* TIC labels without an OBIS code (sm_tic_labels.c): their series.  The
 * peaks are dispatched with the frame's time (their horodate says when the
 * peak was, not when a value was measured); the 10-minute averages at
 * their own time. */
typedef struct {
    const char *label;
    const char *type;
    const char *instance;
    bool timed;
} tic_entry;

static const tic_entry tic[] = {
    {"ISOUSC", "current", "subscribed", false},
    {"PREF", "apparent_power", "reference", false},
    {"PCOUP", "apparent_power", "cut-off", false},
    {"EASD01", "energy_wh", "distributor-T1", false},
    {"EASD02", "energy_wh", "distributor-T2", false},
    {"EASD03", "energy_wh", "distributor-T3", false},
    {"EASD04", "energy_wh", "distributor-T4", false},
    {"UMOY1", "voltage", "average-L1", true},
    {"UMOY2", "voltage", "average-L2", true},
    {"UMOY3", "voltage", "average-L3", true},
    {"IMAX", "current", "max", false},
    {"IMAX1", "current", "max-L1", false},
    {"IMAX2", "current", "max-L2", false},
    {"IMAX3", "current", "max-L3", false},
    {"ADPS", "current", "overload", false},
    {"ADIR1", "current", "overload-L1", false},
    {"ADIR2", "current", "overload-L2", false},
    {"ADIR3", "current", "overload-L3", false},
    {"PMAX", "power", "max", false},
    {"SMAXSN", "apparent_power", "peak-import", false},
    {"SMAXSN1", "apparent_power", "peak-import-L1", false},
    {"SMAXSN2", "apparent_power", "peak-import-L2", false},
    {"SMAXSN3", "apparent_power", "peak-import-L3", false},
    {"SMAXSN-1", "apparent_power", "peak-import-yesterday", false},
    {"SMAXSN1-1", "apparent_power", "peak-import-yesterday-L1", false},
    {"SMAXSN2-1", "apparent_power", "peak-import-yesterday-L2", false},
    {"SMAXSN3-1", "apparent_power", "peak-import-yesterday-L3", false},
    {"SMAXIN", "apparent_power", "peak-export", false},
    {"SMAXIN-1", "apparent_power", "peak-export-yesterday", false},
    {"PEJP", "gauge", "ejp-notice-minutes", false},
};

static bool tic_label(const sm_reading *r, smp_value *out)
{
    for (size_t i = 0; i < sizeof tic / sizeof tic[0]; i++) {
        if (strlen(tic[i].label) != r->label_len ||
            memcmp(tic[i].label, r->label, r->label_len) != 0)
            continue;
        out->type = tic[i].type;
        out->known = true;
        out->own_time = tic[i].timed;
        snprintf(out->type_instance, sizeof out->type_instance, "%s", tic[i].instance);
        return true;
    }
    return false; /* the previous load curve point (CCASN-1), calendar days: none */
}

bool smp_map_reading(const sm_reading *r, const sm_reading *all, size_t n, smp_value *out)
{
    if (r->kind != SM_RK_NUMBER || r->parent != SM_NO_NODE)
        return false;
    out->value = r->value;
    out->own_time = r->has_capture;
    if (r->obis_source == SM_OBIS_NONE)
        return r->label && tic_label(r, out);
    const sm_obis *o = &r->obis;
    if (sm_obis_is(o, 0, 24, 1, 0))
        return false; /* a channel's device type: it names the channel's series */
    if (o->c == 0 && o->d == 2)
        return false; /* version identifiers (0.2.0 firmware, 0.2.8 DSMR version) */
    if (submeter(r, all, n, out)) /* its channel in its name already */
        return other_series(&(sm_obis){o->a, 0, o->c, o->d, o->e, o->f}, out);
    for (size_t i = 0; i < sizeof others / sizeof others[0]; i++) {
        const other_entry *m = &others[i];
        if (!sm_obis_is(o, m->a, m->c, m->d, m->e) || !unit_fits(m->unit, r->unit))
            continue;
        out->type = m->type;
        out->known = true;
        snprintf(out->type_instance, sizeof out->type_instance, "%s", m->instance);
        return other_series(o, out);
    }
    if (o->a == 1) {
        for (size_t i = 0; i < sizeof map / sizeof map[0]; i++) {
            const map_entry *m = &map[i];
            if (!sm_obis_is(o, 1, m->c, m->d, m->e == ANY_E ? SM_OBIS_ANY : m->e) ||
                !unit_fits(m->unit, r->unit))
                continue;
            out->type = m->type;
            out->known = true;
            if (m->e == ANY_E && o->e != 0)
                snprintf(out->type_instance, sizeof out->type_instance, "%s-T%u", m->instance,
                         o->e);
            else
                snprintf(out->type_instance, sizeof out->type_instance, "%s", m->instance);
            return other_series(o, out);
        }
    }
    out->type = "gauge";
    out->known = false;
    smp_obis_instance(o, out->type_instance, sizeof out->type_instance);
    return true;
}
