/* sm_readings.h - turn a data-notification body into readings: OBIS code,
 * raw value, scaler, unit, scaled value (or a string, a date-time).
 *
 * The payload forms seen in the wild are recognised in this order:
 *  1. the Czech push of {class-id, OBIS, attribute} tuples, untagged, each
 *     followed by its value (sm_axdr_tree_ex, SM_AXDR_DESCRIPTORS);
 *  2. a push with its capture-object list (Swiss Landis+Gyr, Iskraemeco):
 *     structure { array of {class, OBIS, attribute, data-index}, values... },
 *     value k belonging to capture object k;
 *  3. positional lists without OBIS codes, matched against the layouts
 *     (sm_layout.h: element count, types, list identifier);
 *  4. OBIS-keyed lists: structures {OBIS, value[, {scaler, unit}]} (TINETZ,
 *     VKW, Aidon), flat runs "OBIS, value[, {scaler, unit}]" (EVN, Kamstrup),
 *     with any value that has no OBIS kept in its position (and named by a
 *     keyed layout that matches).
 * Meters that send no scaler get the implied scaler and unit of their
 * layout (its implied rules, then its class rules).  Objects nobody knows
 * are passed through with their OBIS code (or their position), never
 * dropped.  The layouts are the caller's set (may be NULL), then the
 * built-in ones.
 *
 * Readings point into the body's buffer and node array: they are valid as
 * long as those are.  Pure functions over caller-owned memory; thread-safe.
 */
#ifndef SM_READINGS_H
#define SM_READINGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sm_axdr.h"
#include "sm_datetime.h"
#include "sm_decimal.h"
#include "sm_error.h"
#include "sm_layout.h"
#include "sm_limits.h"
#include "sm_obis.h"

typedef enum {
    SM_RK_NUMBER,    /* raw integer or float with scaler; value is scaled */
    SM_RK_STRING,    /* octet/visible/utf8 string: bytes/len */
    SM_RK_DATETIME,  /* a 12-octet date-time: dt (bytes/len hold the octets) */
    SM_RK_OTHER,     /* anything else (null, containers, bit-strings): bytes/len
                        hold the raw encoding where there is one */
    SM_RK_LIST       /* a P1 profile (power failure log, peak history): count
                        entries; its readings follow it, parent = its index */
} sm_reading_kind;

typedef enum {
    SM_OBIS_NONE = 0,   /* no OBIS code: identified by position only */
    SM_OBIS_WIRE,       /* the telegram carried it */
    SM_OBIS_LAYOUT,     /* taken from a positional layout table */
    SM_OBIS_LABEL       /* the OBIS twin of a TIC label (sm_tic_labels.c) */
} sm_obis_source;

typedef enum {
    SM_SCALER_NONE = 0, /* no scaler known: value = raw */
    SM_SCALER_WIRE,     /* {scaler, unit} sent by the meter */
    SM_SCALER_IMPLIED   /* from the list's table */
} sm_scaler_source;

typedef struct {
    uint16_t index;          /* position in the list of values */
    uint8_t obis_source;     /* sm_obis_source */
    uint8_t scaler_source;   /* sm_scaler_source */
    sm_obis obis;
    uint8_t type;            /* A-XDR type tag of the value */
    uint8_t kind;            /* sm_reading_kind */
    int8_t scaler;
    uint8_t unit;            /* DLMS unit enum, 0 when none */
    bool is_signed;
    bool is_float;
    bool invalid;            /* the value is not what its type says: a bcd
                                nibble above 9, a date-time that cannot be
                                (2024-02-30); bytes/len hold it as sent */
    int64_t raw_i;           /* raw value: signed types */
    uint64_t raw_u;          /* raw value: unsigned types */
    double raw_f;            /* raw value: floats */
    double value;            /* scaled numeric value */
    const uint8_t *bytes;    /* strings, date-time octets, raw encodings */
    size_t len;
    uint32_t count;          /* bit-strings: bits; containers: elements */
    sm_datetime dt;
    const sm_obis_info *info;/* name table entry, NULL when unknown */
    uint8_t attribute;       /* COSEM attribute from a capture-object list or a
                                tuple, 0 unknown */
    uint16_t class_id;       /* ... and the object's interface class, 0 unknown */
    uint16_t node;           /* index of the value's node in the body's node array */
    uint16_t obis_node;      /* index of the node that carried the OBIS code,
                                SM_NO_NODE when it came from a table or is unknown */
    uint16_t parent;         /* an entry of a list: the list reading's index, else SM_NO_NODE */
    uint16_t row;            /* ... and the entry's number, from 0 */
    bool has_capture;        /* the value has a time of its own (P1: a sub-meter's
                                capture time, the time of a peak, an entry's time) */
    sm_datetime capture;
    bool has_status;         /* SML: the entry's status word */
    uint64_t status;
    uint8_t width;           /* SML: an integer's bytes on the wire */
    bool amended;            /* a meter quirk changed it (sm_quirk.h) */
    const uint8_t *text;     /* P1, TIC: the value as sent ("001581.123*kWh"); NULL otherwise */
    size_t text_len;
    const uint8_t *label;    /* TIC: the group's label as sent ("EAST"); NULL otherwise */
    uint8_t label_len;
} sm_reading;

#define SM_NO_NODE 0xFFFF

typedef struct {
    sm_reading *readings;    /* caller-owned array */
    size_t cap;
    size_t n;
    const char *layout;      /* name of the layout that matched */
    bool implied_disagree;   /* the power exceeds U x I whatever the implied
                                current scaler: a scaler or a value is wrong */
} sm_reading_set;

/* Extract readings from a body already read into nodes[0..nnodes); base is
 * the buffer the nodes' offsets refer to, body_end the offset where the body
 * ends.  An error is the body's as a whole (it begins at nodes[0]). */
sm_err sm_readings_extract(const sm_node *nodes, size_t nnodes, const uint8_t *base,
                           size_t body_end, const sm_layout_set *layouts, sm_reading_set *out);

/* The scaled value as an exact decimal: raw 2284 with scaler -1 gives
 * "228.4", raw 5 with scaler 3 "5000"; floats in the shortest form that
 * reads back to the same double, always with a decimal point or an
 * exponent ("1.0", "-0.0"), or "NaN", "Infinity", "-Infinity"; strings and
 * date-times give -1.  Returns
 * the length (snprintf semantics, NUL-terminated when cap > 0). */
int sm_reading_format_value(const sm_reading *r, char *out, size_t cap);

/* The digits of an integer reading's raw value (its magnitude) as
 * sm_u64_digits gives them; *neg tells whether it is below zero. */
int sm_reading_digits(const sm_reading *r, char d[20], bool *neg);
/* The raw integer's magnitude, and whether it is below zero. */
static inline uint64_t sm_reading_magnitude(const sm_reading *r, bool *neg)
{
    *neg = r->is_signed && r->raw_i < 0;
    return !r->is_signed ? r->raw_u
           : *neg        ? (uint64_t)0 - (uint64_t)r->raw_i
                         : (uint64_t)r->raw_i;
}

/* The reading's name: the OBIS table's, else one built from the code's
 * value groups into buf ("Active energy import tariff 3"), else NULL; a
 * past billing period's value says which (sm_obis_name). */
const char *sm_reading_name(const sm_reading *r, char *buf, size_t cap);

/* A readable rendering of a string value: true when every byte is printable
 * ASCII (the text can be shown as is). */
bool sm_bytes_printable(const uint8_t *p, size_t n);

#endif
