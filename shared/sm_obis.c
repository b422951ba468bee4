/* sm_obis.c - OBIS names and DLMS unit symbols. */
#include "sm_obis.h"

#include "sm_fmt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Sorted by (a, c, d, e).  Names follow IEC 62056-61 / the DLMS UA Blue Book
 * and, for the A=0 identifiers, the Austrian and Norwegian HAN documents. */
static const sm_obis_info obis_table[] = {
    {0, 0, 2, 129, 0, "List version identifier", "list_version"},
    {0, 1, 0, 0, 0, "Clock", "clock"},
    {0, 17, 0, 0, SM_UNIT_W, "Limiter threshold", "limiter_threshold"},
    {0, 24, 1, 0, 0, "M-Bus device type", "mbus_device_type"},
    {0, 24, 2, 1, 0, "M-Bus meter reading", "mbus_reading"},
    {0, 24, 2, 3, 0, "M-Bus meter reading (not temperature corrected)", "mbus_reading_raw"},
    {0, 24, 3, 0, 0, "M-Bus meter reading (DSMR 2/3 profile)", "mbus_profile"},
    {0, 24, 4, 0, 0, "M-Bus valve state", "mbus_valve"},
    {0, 25, 9, 0, 0, "Push setup", "push_setup"},
    {0, 42, 0, 0, 0, "COSEM logical device name", "logical_device_name"},
    {0, 96, 1, 0, 0, "Meter serial number", "meter_serial"},
    {0, 96, 1, 1, 0, "Device identifier 2", "device_id_2"},
    {0, 96, 1, 2, 0, "Device identifier 3", "device_id_3"},
    {0, 96, 1, 3, 0, "Device identifier 4", "device_id_4"},
    {0, 96, 1, 4, 0, "Version information", "version_info"},
    {0, 96, 1, 7, 0, "Meter type", "meter_type"},
    {0, 96, 3, 10, 0, "Breaker state", "breaker_state"},
    {0, 96, 7, 9, 0, "Number of long power failures", "long_power_failures"},
    {0, 96, 7, 19, SM_UNIT_SECOND, "Power failure duration", "power_failure_duration"},
    {0, 96, 7, 21, 0, "Number of power failures", "power_failures"},
    {0, 96, 13, 0, 0, "Text message", "text_message"},
    {0, 96, 13, 1, 0, "Text message code", "text_message_code"},
    {0, 96, 14, 0, 0, "Tariff indicator", "tariff"},
    {0, 98, 1, 0, 0, "Peak demand history", "peak_history"},
    {1, 0, 0, 0, 0, "Device ID", "device_id"},
    {1, 0, 0, 5, 0, "Meter ID", "meter_id"},
    {1, 0, 0, 9, 0, "Server id", "server_id"},
    {1, 0, 2, 0, 0, "Firmware version", "firmware_version"},
    {1, 0, 2, 8, 0, "DSMR version", "dsmr_version"},
    {1, 0, 2, 129, 0, "List version identifier", "list_version"},
    {1, 1, 4, 0, SM_UNIT_W, "Current average demand import (+P)", "demand_import"},
    {1, 1, 6, 0, SM_UNIT_W, "Maximum demand import (+P) this month", "peak_import"},
    {1, 1, 7, 0, SM_UNIT_W, "Active power import (+P)", "power_import"},
    {1, 1, 8, 0, SM_UNIT_WH, "Active energy import (+A)", "energy_import"},
    {1, 1, 8, 1, SM_UNIT_WH, "Active energy import (+A) tariff 1", "energy_import_t1"},
    {1, 1, 8, 2, SM_UNIT_WH, "Active energy import (+A) tariff 2", "energy_import_t2"},
    {1, 2, 7, 0, SM_UNIT_W, "Active power export (-P)", "power_export"},
    {1, 2, 8, 0, SM_UNIT_WH, "Active energy export (-A)", "energy_export"},
    {1, 2, 8, 1, SM_UNIT_WH, "Active energy export (-A) tariff 1", "energy_export_t1"},
    {1, 2, 8, 2, SM_UNIT_WH, "Active energy export (-A) tariff 2", "energy_export_t2"},
    {1, 3, 7, 0, SM_UNIT_VAR, "Reactive power import (+Q)", "reactive_power_import"},
    {1, 3, 8, 0, SM_UNIT_VARH, "Reactive energy import (+R)", "reactive_energy_import"},
    {1, 4, 7, 0, SM_UNIT_VAR, "Reactive power export (-Q)", "reactive_power_export"},
    {1, 4, 8, 0, SM_UNIT_VARH, "Reactive energy export (-R)", "reactive_energy_export"},
    {1, 5, 8, 0, SM_UNIT_VARH, "Reactive energy QI", "reactive_energy_q1"},
    {1, 6, 8, 0, SM_UNIT_VARH, "Reactive energy QII", "reactive_energy_q2"},
    {1, 7, 8, 0, SM_UNIT_VARH, "Reactive energy QIII", "reactive_energy_q3"},
    {1, 8, 8, 0, SM_UNIT_VARH, "Reactive energy QIV", "reactive_energy_q4"},
    {1, 9, 7, 0, SM_UNIT_VA, "Apparent power import (+S)", "apparent_power_import"},
    {1, 9, 8, 0, SM_UNIT_VAH, "Apparent energy import (+S)", "apparent_energy_import"},
    {1, 10, 7, 0, SM_UNIT_VA, "Apparent power export (-S)", "apparent_power_export"},
    {1, 10, 8, 0, SM_UNIT_VAH, "Apparent energy export (-S)", "apparent_energy_export"},
    {1, 13, 7, 0, 0, "Power factor", "power_factor"},
    {1, 14, 7, 0, SM_UNIT_HZ, "Frequency", "frequency"},
    {1, 15, 7, 0, SM_UNIT_W, "Active power absolute (|+P| + |-P|)", "power_absolute"},
    {1, 16, 7, 0, SM_UNIT_W, "Active power net (+P - -P)", "power_net"},
    {1, 21, 7, 0, SM_UNIT_W, "Active power import L1", "power_import_l1"},
    {1, 22, 7, 0, SM_UNIT_W, "Active power export L1", "power_export_l1"},
    {1, 23, 7, 0, SM_UNIT_VAR, "Reactive power import L1", "reactive_power_import_l1"},
    {1, 24, 7, 0, SM_UNIT_VAR, "Reactive power export L1", "reactive_power_export_l1"},
    {1, 31, 4, 0, SM_UNIT_A, "Fuse supervision threshold L1", "fuse_threshold_l1"},
    {1, 31, 7, 0, SM_UNIT_A, "Current L1", "current_l1"},
    {1, 32, 7, 0, SM_UNIT_V, "Voltage L1", "voltage_l1"},
    {1, 32, 32, 0, 0, "Voltage sags L1", "voltage_sags_l1"},
    {1, 32, 36, 0, 0, "Voltage swells L1", "voltage_swells_l1"},
    {1, 33, 7, 0, 0, "Power factor L1", "power_factor_l1"},
    {1, 36, 7, 0, SM_UNIT_W, "Active power net L1", "power_net_l1"},
    {1, 41, 7, 0, SM_UNIT_W, "Active power import L2", "power_import_l2"},
    {1, 42, 7, 0, SM_UNIT_W, "Active power export L2", "power_export_l2"},
    {1, 43, 7, 0, SM_UNIT_VAR, "Reactive power import L2", "reactive_power_import_l2"},
    {1, 44, 7, 0, SM_UNIT_VAR, "Reactive power export L2", "reactive_power_export_l2"},
    {1, 51, 7, 0, SM_UNIT_A, "Current L2", "current_l2"},
    {1, 52, 7, 0, SM_UNIT_V, "Voltage L2", "voltage_l2"},
    {1, 52, 32, 0, 0, "Voltage sags L2", "voltage_sags_l2"},
    {1, 52, 36, 0, 0, "Voltage swells L2", "voltage_swells_l2"},
    {1, 53, 7, 0, 0, "Power factor L2", "power_factor_l2"},
    {1, 56, 7, 0, SM_UNIT_W, "Active power net L2", "power_net_l2"},
    {1, 61, 7, 0, SM_UNIT_W, "Active power import L3", "power_import_l3"},
    {1, 62, 7, 0, SM_UNIT_W, "Active power export L3", "power_export_l3"},
    {1, 63, 7, 0, SM_UNIT_VAR, "Reactive power import L3", "reactive_power_import_l3"},
    {1, 64, 7, 0, SM_UNIT_VAR, "Reactive power export L3", "reactive_power_export_l3"},
    {1, 71, 7, 0, SM_UNIT_A, "Current L3", "current_l3"},
    {1, 72, 7, 0, SM_UNIT_V, "Voltage L3", "voltage_l3"},
    {1, 72, 32, 0, 0, "Voltage sags L3", "voltage_sags_l3"},
    {1, 72, 36, 0, 0, "Voltage swells L3", "voltage_swells_l3"},
    {1, 73, 7, 0, 0, "Power factor L3", "power_factor_l3"},
    {1, 76, 7, 0, SM_UNIT_W, "Active power net L3", "power_net_l3"},
    {1, 91, 7, 0, SM_UNIT_A, "Current neutral", "current_n"},
    {1, 96, 1, 0, 0, "Server id (meter number)", "server_number"},
    {1, 96, 5, 0, 0, "Status word", "status_word"},
    {1, 96, 50, 1, 0, "Manufacturer", "manufacturer"},
    {1, 96, 90, 2, 0, "Firmware checksum", "firmware_checksum"},
    {1, 97, 97, 0, 0, "Error register", "error_register"},
    {1, 99, 97, 0, 0, "Power failure event log", "power_failure_log"},
    {129, 199, 130, 3, 0, "Manufacturer", "manufacturer_sml"},
    {129, 199, 130, 5, 0, "Public key", "public_key"},
};

#define NTAB (sizeof obis_table / sizeof obis_table[0])

/* The order of the table: (a, c, d, e) as one number */
static uint32_t order(unsigned a, unsigned c, unsigned d, unsigned e)
{
    return (uint32_t)a << 24 | (uint32_t)c << 16 | (uint32_t)d << 8 | (uint32_t)e;
}

/* A binary search of the sorted table (a unit test checks the order) */
const sm_obis_info *sm_obis_lookup(const sm_obis *o)
{
    uint32_t want = order(o->a, o->c, o->d, o->e);
    size_t lo = 0, hi = NTAB;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const sm_obis_info *t = &obis_table[mid];
        uint32_t at = order(t->a, t->c, t->d, t->e);
        if (at == want)
            return t;
        if (at < want)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

const sm_obis_info *sm_obis_table(size_t *n)
{
    *n = NTAB;
    return obis_table;
}

const sm_obis_info *sm_obis_by_key(const char *key)
{
    for (size_t i = 0; i < NTAB; i++)
        if (strcmp(obis_table[i].key, key) == 0)
            return &obis_table[i];
    return NULL;
}

static int format6(const sm_obis *o, const char seps[5], char *out, size_t cap)
{
    const uint8_t v[6] = {o->a, o->b, o->c, o->d, o->e, o->f};
    sm_fmt f = {.n = 0};
    for (int i = 0; i < 6; i++) {
        if (i)
            f.buf[f.n++] = seps[i - 1];
        sm_fmt_uint(&f, v[i], 1);
    }
    return sm_fmt_done(&f, out, cap);
}

int sm_obis_format(const sm_obis *o, char *out, size_t cap)
{
    return format6(o, "-:..*", out, cap);
}

int sm_obis_format_dotted(const sm_obis *o, char *out, size_t cap)
{
    return format6(o, ".....", out, cap);
}

bool sm_obis_is_clock(const sm_obis *o) { return sm_obis_is(o, 0, 1, 0, 0); }

int sm_obis_meter_id_rank(const sm_obis *o)
{
    static const uint8_t ids[][4] = {{0, 96, 1, 0}, {0, 96, 1, 1}, {1, 0, 0, 5}, {0, 42, 0, 0},
                                     {1, 0, 0, 0}, {1, 0, 0, 9}, {1, 96, 1, 0}};
    for (size_t k = 0; k < sizeof ids / sizeof ids[0]; k++)
        if (sm_obis_is(o, ids[k][0], ids[k][1], ids[k][2], ids[k][3]))
            return (int)k + 1;
    return 0;
}

bool sm_obis_equal(const sm_obis *x, const sm_obis *y)
{
    return memcmp(x, y, sizeof *x) == 0;
}

sm_obis sm_obis_from_bytes(const uint8_t b[6])
{
    sm_obis o = {b[0], b[1], b[2], b[3], b[4], b[5]};
    return o;
}

bool sm_obis_plausible(const uint8_t b[6])
{
    return b[0] <= 15 && (b[5] == 255 || b[5] <= 99);
}

bool sm_obis_pattern_parse(const char *s, sm_obis_pattern *pat)
{
    unsigned v[6];
    char seps[6] = {0};
    int n = 0;
    const char *p = s;
    while (n < 6) {
        unsigned x = 0;
        int digits = 0;
        for (; *p >= '0' && *p <= '9'; p++, digits++) {
            x = x * 10 + (unsigned)(*p - '0');
            if (x > 255)
                return false;
        }
        if (digits == 0 || digits > 3)
            return false;
        v[n] = x;
        seps[n++] = *p;
        if (*p == '\0')
            break;
        p++;
    }
    if (*p != '\0' || seps[n - 1] != '\0')
        return false;
    seps[n - 1] = '\0';
    /* the notations: IEC's A-B:C.D.E*F, the same without F, the dotted six
     * groups of the Gurux translator, and C.D.E for electricity */
    sm_obis o;
    if (n == 6 && strcmp(seps, "-:..*") == 0) {
        o = (sm_obis){(uint8_t)v[0], (uint8_t)v[1], (uint8_t)v[2], (uint8_t)v[3], (uint8_t)v[4],
                      (uint8_t)v[5]};
        pat->any_b = pat->any_f = false;
    } else if (n == 6 && strcmp(seps, ".....") == 0) {
        o = (sm_obis){(uint8_t)v[0], (uint8_t)v[1], (uint8_t)v[2], (uint8_t)v[3], (uint8_t)v[4],
                      (uint8_t)v[5]};
        pat->any_b = pat->any_f = false;
    } else if (n == 5 && strcmp(seps, "-:..") == 0) {
        o = (sm_obis){(uint8_t)v[0], (uint8_t)v[1], (uint8_t)v[2], (uint8_t)v[3], (uint8_t)v[4],
                      255};
        pat->any_b = false;
        pat->any_f = true;
    } else if (n == 3 && strcmp(seps, "..") == 0) {
        o = (sm_obis){1, 0, (uint8_t)v[0], (uint8_t)v[1], (uint8_t)v[2], 255};
        pat->any_b = pat->any_f = true;
    } else {
        return false;
    }
    pat->code = o;
    return true;
}

bool sm_obis_pattern_match(const sm_obis_pattern *p, const sm_obis *o)
{
    const sm_obis *c = &p->code;
    return c->a == o->a && c->c == o->c && c->d == o->d && c->e == o->e &&
           (p->any_b || c->b == o->b) && (p->any_f || c->f == o->f);
}

bool sm_obis_parse(const char *s, sm_obis *o)
{
    sm_obis_pattern p;
    if (!sm_obis_pattern_parse(s, &p))
        return false;
    *o = p.code;
    return true;
}

/* IEC 62056-6-2 unit enumeration (class Register, scaler_unit). */
static const char *const unit_symbols[] = {
    [1] = "a", [2] = "mo", [3] = "wk", [4] = "d", [5] = "h", [6] = "min", [7] = "s",
    [8] = "°", [9] = "°C", [10] = "currency", [11] = "m", [12] = "m/s", [13] = "m³",
    [14] = "m³", [15] = "m³/h", [16] = "m³/h", [17] = "m³/d", [18] = "m³/d", [19] = "l",
    [20] = "kg", [21] = "N", [22] = "Nm", [23] = "Pa", [24] = "bar", [25] = "J",
    [26] = "J/h", [27] = "W", [28] = "VA", [29] = "var", [30] = "Wh", [31] = "VAh",
    [32] = "varh", [33] = "A", [34] = "C", [35] = "V", [36] = "V/m", [37] = "F",
    [38] = "Ω", [39] = "Ωm²/m", [40] = "Wb", [41] = "T", [42] = "A/m", [43] = "H",
    [44] = "Hz", [45] = "1/(Wh)", [46] = "1/(varh)", [47] = "1/(VAh)", [48] = "V²h",
    [49] = "A²h", [50] = "kg/s", [51] = "S", [52] = "K", [53] = "1/(V²h)",
    [54] = "1/(A²h)", [55] = "1/m³", [56] = "%", [57] = "Ah", [60] = "Wh/m³",
    [61] = "J/m³", [62] = "Mol %", [63] = "g/m³", [64] = "Pa s", [65] = "J/kg",
    [70] = "dBm", [71] = "dBµV", [72] = "dB",
};

const char *sm_unit_symbol(uint8_t unit)
{
    if (unit == 0 || unit == SM_UNIT_COUNT)
        return "";
    if (unit == SM_UNIT_OTHER)
        return "other";
    if (unit < sizeof unit_symbols / sizeof unit_symbols[0] && unit_symbols[unit])
        return unit_symbols[unit];
    return NULL;
}

uint8_t sm_unit_from_symbol(const char *sym, size_t len)
{
    static const struct {
        const char *sym;
        uint8_t unit;
    } extra[] = {{"m3", 13}, {"m3/h", 15}, {"Hz", 44}, {"deg", 8}};
    for (size_t i = 0; i < sizeof extra / sizeof extra[0]; i++)
        if (strlen(extra[i].sym) == len && memcmp(extra[i].sym, sym, len) == 0)
            return extra[i].unit;
    for (size_t u = 1; u < sizeof unit_symbols / sizeof unit_symbols[0]; u++)
        if (unit_symbols[u] && strlen(unit_symbols[u]) == len &&
            memcmp(unit_symbols[u], sym, len) == 0)
            return (uint8_t)u;
    return 0;
}

/* ---- what an electricity code's value groups say ------------------------ */

/* The quantity of C (IEC 62056-6-1: 1..20 all phases, 21..40 L1, 41..60
 * L2, 61..80 L3), 0 for the other codes; *phase gets 0 or 1..3. */
static unsigned quantity(const sm_obis *o, unsigned *phase)
{
    *phase = 0;
    if (o->a != 1 || o->c == 0 || o->c > 80)
        return 0;
    *phase = (o->c - 1u) / 20u;
    return (o->c - 1u) % 20u + 1u;
}

static bool is_power_d(unsigned d) { return d >= 4 && d <= 7; }
static bool is_energy_d(unsigned d) { return d == 8 || d == 9; }

bool sm_obis_class_rule(const sm_obis *o, int all, int8_t *scaler, uint8_t *unit,
                        sm_fit *fit)
{
    unsigned phase, q = quantity(o, &phase);
    *scaler = 0;
    *fit = SM_FIT_NONE;
    if (all && o->a == 1 && o->c == 81 && o->d == 7) { /* phase angles */
        *unit = SM_UNIT_DEGREE;
        return true;
    }
    if (q == 0)
        return false;
    bool p = is_power_d(o->d), en = is_energy_d(o->d);
    if ((q == 1 || q == 2 || q == 15 || q == 16) && (p || en))
        *unit = en ? SM_UNIT_WH : SM_UNIT_W;
    else if (q >= 3 && q <= 8 && (p || en))
        *unit = en ? SM_UNIT_VARH : SM_UNIT_VAR;
    else if ((q == 9 || q == 10) && (p || en))
        *unit = en ? SM_UNIT_VAH : SM_UNIT_VA;
    else if (!all || o->d != 7)
        return false;
    else if (q == 11)
        *scaler = -2, *unit = SM_UNIT_A;
    else if (q == 12)
        *fit = SM_FIT_MAINS_VOLTAGE, *unit = SM_UNIT_V;
    else if (q == 13)
        *scaler = -3, *unit = SM_UNIT_NONE;
    else if (o->c == 14)
        *fit = SM_FIT_MAINS_FREQUENCY, *unit = SM_UNIT_HZ;
    else
        return false;
    return true;
}

int8_t sm_fit_scaler(sm_fit fit, double raw)
{
    double m = raw < 0 ? -raw : raw;
    if (fit == SM_FIT_MAINS_VOLTAGE)
        return m >= 1000 ? -1 : 0;
    if (fit == SM_FIT_MAINS_FREQUENCY) {
        /* 50 Hz as 50, 500, 5000 or 50000 */
        for (int8_t sc = 0; sc >= -3; sc--, m /= 10)
            if (m >= 40 && m <= 70)
                return sc;
    }
    return 0;
}

static const char *quantity_name(unsigned q, bool energy)
{
    static const char *const power[] = {
        NULL, "Active power import", "Active power export", "Reactive power import",
        "Reactive power export", "Reactive power QI", "Reactive power QII",
        "Reactive power QIII", "Reactive power QIV", "Apparent power import",
        "Apparent power export", "Current", "Voltage", "Power factor", NULL,
        "Active power absolute", "Active power net"};
    static const char *const en[] = {
        NULL, "Active energy import", "Active energy export", "Reactive energy import",
        "Reactive energy export", "Reactive energy QI", "Reactive energy QII",
        "Reactive energy QIII", "Reactive energy QIV", "Apparent energy import",
        "Apparent energy export", NULL, NULL, NULL, NULL, "Active energy absolute",
        "Active energy net"};
    if (q >= sizeof power / sizeof power[0])
        return NULL;
    return energy ? en[q] : power[q];
}

int sm_obis_describe(const sm_obis *o, char *out, size_t cap)
{
    static const char *const phases[] = {"", " L1", " L2", " L3"};
    unsigned phase, q = quantity(o, &phase);
    const char *base = NULL, *what = "";
    if (o->c == 14 && o->d == 7)
        base = "Frequency";
    else if (o->c == 81 && o->d == 7)
        base = "Phase angle", phase = 0;
    else if (q && (is_power_d(o->d) || is_energy_d(o->d)))
        base = quantity_name(q, is_energy_d(o->d));
    if (!base) {
        if (cap)
            out[0] = '\0';
        return 0;
    }
    if (o->d == 4)
        what = " (current average)";
    else if (o->d == 5)
        what = " (last average)";
    else if (o->d == 6)
        what = " (maximum demand)";
    if (o->e && o->d != 7 && o->e < 128)
        return snprintf(out, cap, "%s%s%s tariff %u", base, phases[phase], what, o->e);
    if (o->c == 81)
        return snprintf(out, cap, "%s %u", base, o->e);
    return snprintf(out, cap, "%s%s%s", base, phases[phase], what);
}

/* sm_obis_name's name made in out (the inline takes the table's own) */
const char *sm_obis_name_made(const sm_obis *o, const sm_obis_info *info, char *out, size_t cap)
{
    int n = info ? snprintf(out, cap, "%s", info->name) : sm_obis_describe(o, out, cap);
    if (n <= 0)
        return NULL;
    if (o->f == 255 || (size_t)n >= cap)
        return out;
    char *e = out + n;
    size_t room = cap - (size_t)n;
    /* F is a billing period of the measured quantities; of an abstract or
     * service object (C 96 and up: SML's 1-0:96.50.1*1, the manufacturer)
     * it is part of the code, not a period */
    if (o->c >= 96)
        snprintf(e, room, ", F %u", o->f);
    else if (o->f <= 99)
        snprintf(e, room, ", billing period %u", o->f);
    else if (o->f >= 101 && o->f <= 125)
        snprintf(e, room, ", %u billing period%s ago", o->f - 100u, o->f == 101 ? "" : "s");
    else
        snprintf(e, room, ", F %u", o->f);
    return out;
}
