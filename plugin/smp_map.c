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
    {16, 7, 0, SM_UNIT_W, "power", "net"},
    {21, 7, 0, SM_UNIT_W, "power", "L1-import"},
    {22, 7, 0, SM_UNIT_W, "power", "L1-export"},
    {31, 7, 0, SM_UNIT_A, "current", "L1"},
    {32, 7, 0, SM_UNIT_V, "voltage", "L1"},
    {33, 7, 0, NO_UNIT, "power_factor", "L1"},
    {41, 7, 0, SM_UNIT_W, "power", "L2-import"},
    {42, 7, 0, SM_UNIT_W, "power", "L2-export"},
    {51, 7, 0, SM_UNIT_A, "current", "L2"},
    {52, 7, 0, SM_UNIT_V, "voltage", "L2"},
    {53, 7, 0, NO_UNIT, "power_factor", "L2"},
    {61, 7, 0, SM_UNIT_W, "power", "L3-import"},
    {62, 7, 0, SM_UNIT_W, "power", "L3-export"},
    {71, 7, 0, SM_UNIT_A, "current", "L3"},
    {72, 7, 0, SM_UNIT_V, "voltage", "L3"},
    {73, 7, 0, NO_UNIT, "power_factor", "L3"},
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

bool smp_map_reading(const sm_reading *r, smp_value *out)
{
    if (r->kind != SM_RK_NUMBER || r->obis_source == SM_OBIS_NONE)
        return false;
    out->value = r->value;
    const sm_obis *o = &r->obis;
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
            return true;
        }
    }
    out->type = "gauge";
    out->known = false;
    smp_obis_instance(o, out->type_instance, sizeof out->type_instance);
    return true;
}
