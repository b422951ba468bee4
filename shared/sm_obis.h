/* sm_obis.h - OBIS codes (IEC 62056-61) and DLMS units (IEC 62056-6-2,
 * unit enum of class Register) as sorted static tables.  Read-only data,
 * thread-safe. */
#ifndef SM_OBIS_H
#define SM_OBIS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
    uint8_t a, b, c, d, e, f;
} sm_obis;

typedef struct {
    uint8_t a, c, d, e;  /* the B (channel) and F fields are not compared */
    uint8_t unit;        /* the usual unit (DLMS enum), 0 when none */
    const char *name;    /* "Voltage L1" */
    const char *key;     /* "voltage_l1": for CSV columns and metric names */
} sm_obis_info;

/* "1-0:32.7.0*255" (IEC notation); returns the length (snprintf semantics). */
int sm_obis_format(const sm_obis *o, char *out, size_t cap);
/* "1.0.32.7.0.255" (the Gurux translator's comment notation). */
int sm_obis_format_dotted(const sm_obis *o, char *out, size_t cap);
/* A code, or a set of codes, as users write them: "1-0:32.7.0*255" (that
 * code), "1-0:32.7.0" (any F), "1.0.32.7.0.255" (the Gurux translator's
 * dotted form: that code) and "32.7.0" (A = 1, any B and F).  Other
 * separators are refused: "1-0:32.7.0.1" is no OBIS notation. */
typedef struct {
    sm_obis code;          /* B and F as given, else 0 and 255 */
    bool any_b, any_f;
} sm_obis_pattern;

bool sm_obis_pattern_parse(const char *s, sm_obis_pattern *p);
/* A, C, D and E equal, and B and F too unless the pattern left them open. */
bool sm_obis_pattern_match(const sm_obis_pattern *p, const sm_obis *o);
/* The code of a pattern (B = 0 and F = 255 where it gives none). */
bool sm_obis_parse(const char *s, sm_obis *o);
bool sm_obis_equal(const sm_obis *x, const sm_obis *y);
sm_obis sm_obis_from_bytes(const uint8_t b[6]);
/* Could six octets be an OBIS code (A at most 15, F 255 or 0..99)? */
bool sm_obis_plausible(const uint8_t b[6]);

/* A value group that matches any value, for sm_obis_is(). */
#define SM_OBIS_ANY 0x100

/* Does o have the value groups A, C, D and E (each SM_OBIS_ANY or a value)?
 * B (the channel) and F (the billing period) are not compared: they do not
 * change what an object is.  The one matching rule of the tables that say
 * what an object is (names, collectd types, labels, the rules below). */
static inline bool sm_obis_is(const sm_obis *o, unsigned a, unsigned c, unsigned d, unsigned e)
{
    return (a == SM_OBIS_ANY || o->a == a) && (c == SM_OBIS_ANY || o->c == c) &&
           (d == SM_OBIS_ANY || o->d == d) && (e == SM_OBIS_ANY || o->e == e);
}

/* The clock, 0-0:1.0.0: a telegram's time when it carries none of its own. */
bool sm_obis_is_clock(const sm_obis *o);
/* The objects that number the meter (0-0:96.1.0 meter serial number,
 * 0-0:96.1.1, 1-0:0.0.5 meter ID, 0-0:42.0.0 logical device name, 1-0:0.0.0
 * device ID of D0 meters, 1-0:0.0.9 and 1-0:96.1.0 the server id of SML
 * meters): the
 * rank, 1 first choice; 0 for any other object. */
int sm_obis_meter_id_rank(const sm_obis *o);
/* Equipment identifiers and text messages (0-n:96.1.x, 0-n:96.13.x): text,
 * even when their digits look like a number. */
static inline bool sm_obis_is_text(const sm_obis *o)
{
    return sm_obis_is(o, 0, 96, 1, SM_OBIS_ANY) || sm_obis_is(o, 0, 96, 13, SM_OBIS_ANY);
}

/* The table entry for a code (B and F ignored), or NULL. */
const sm_obis_info *sm_obis_lookup(const sm_obis *o);
/* The whole table (sorted by A, C, D, E); *n gets its length. */
const sm_obis_info *sm_obis_table(size_t *n);
/* The entry with this key, or NULL. */
const sm_obis_info *sm_obis_by_key(const char *key);

/* The symbol of a DLMS unit ("V", "Wh"); NULL for an unknown value.
 * 0 (none) and 255 (count) give "". */
const char *sm_unit_symbol(uint8_t unit);
/* The DLMS unit for a symbol, 0 when unknown. */
uint8_t sm_unit_from_symbol(const char *sym, size_t len);

/* How a scaler is found when a list sends none and the meters differ. */
typedef enum {
    SM_FIT_NONE = 0,
    SM_FIT_MAINS_VOLTAGE,   /* 0 or -1: V or 0.1 V (raw 1000 and more: 0.1 V) */
    SM_FIT_MAINS_FREQUENCY  /* 0 .. -3: the one that puts the value in 40..70 Hz */
} sm_fit;

/* The scaler and unit the class of an electricity code implies in lists
 * that send none (the Swiss VSE lists, the Czech pushes): energies of every
 * tariff in Wh, varh, VAh and powers (instantaneous, averages, maximum
 * demand) in W, var, VA, with scaler 0; with all, also currents in 0.01 A,
 * voltages in V or 0.1 V, power factor in thousandths, frequency and phase
 * angles (81.7.x, degrees).  False when the class has no rule; *fit tells
 * when the scaler depends on the value (sm_fit_scaler). */
bool sm_obis_class_rule(const sm_obis *o, int all, int8_t *scaler, uint8_t *unit, sm_fit *fit);
int8_t sm_fit_scaler(sm_fit fit, double raw);

/* A name built from the value groups for codes the table lacks: "Reactive
 * energy QI tariff 1", "Active power import L2 (maximum demand)"; 0 (and
 * "") when the groups say nothing known.  snprintf semantics. */
int sm_obis_describe(const sm_obis *o, char *out, size_t cap);

/* The name of object o (info: its table entry, or NULL): the table's name,
 * else one built by sm_obis_describe; for a value of a past billing period
 * (F other than 255, as D0 readouts send "1.8.1*101") with the period
 * added: ", billing period 7" (F 0-99, the counter's value), ", 1 billing
 * period ago" (F 101-125), ", F 126" otherwise.  info->name itself when
 * nothing is added; else made in out (cap bytes, truncated to fit); NULL
 * when there is no name. */
const char *sm_obis_name_made(const sm_obis *o, const sm_obis_info *info, char *out, size_t cap);
static inline const char *sm_obis_name(const sm_obis *o, const sm_obis_info *info, char *out,
                                       size_t cap)
{
    if (info && o->f == 255)
        return info->name; /* the usual case, without a call */
    return sm_obis_name_made(o, info, out, cap);
}

enum {
    SM_UNIT_NONE = 0,
    SM_UNIT_DEGREE = 8,
    SM_UNIT_SECOND = 7,
    SM_UNIT_M3 = 13,
    SM_UNIT_W = 27,
    SM_UNIT_VA = 28,
    SM_UNIT_VAR = 29,
    SM_UNIT_WH = 30,
    SM_UNIT_VAH = 31,
    SM_UNIT_VARH = 32,
    SM_UNIT_A = 33,
    SM_UNIT_V = 35,
    SM_UNIT_HZ = 44,
    SM_UNIT_PERCENT = 56,
    SM_UNIT_OTHER = 254,
    SM_UNIT_COUNT = 255
};

#endif
