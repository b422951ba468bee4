/* sm_tic.h - TIC (Enedis télé-information client: France's Linky and the
 * older electronic meters), the groups of a frame into readings.
 *
 * A frame's payload (sm_tic_frame.c found it between STX and ETX) is a
 * sequence of groups, each one line:
 *   historique (1200 Bd):  LF label SP data SP checksum CR
 *   standard   (9600 Bd):  LF label HT [horodate HT] data HT checksum CR
 * The checksum is (S & 0x3F) + 0x20 over label SP data (historique: the SP
 * before the checksum not summed; 02E's "mode 2", which sums it, is taken
 * for a frame none of whose groups verifies otherwise) or label HT
 * [horodate HT] data HT (standard: the HT before it summed); it may itself
 * be a space, so groups
 * are never split on white space: a standard group on HT (its data may hold
 * spaces, never a HT), a historique one on its first SP and its last SP.
 * Each group is read on its own, at every LF (a lost CR ends the group
 * before): a group that fails is counted with its reason (sm_tic_verdict)
 * and gives no reading; the frame's other groups are read all the same.
 * The checksum is blind to bit 6 and to pairs of spaces, so a group must
 * also have a label of [A-Z0-9+-] and, for a label of the table, the data's
 * width and characters (digits for indexes, the horodate's form, hex for
 * STGE).  A byte whose parity bit was wrong (sm_tic_frame.c delivers it as
 * DEL, 0x7F) fails its group.
 *
 * The labels are data (sm_tic_labels.c): for each, the modes it occurs in,
 * its data's form and width, whether it carries a horodate, its reading's
 * OBIS code where one exists (EAST 1-0:1.8.0, EASF01 1-0:1.8.1, EAIT
 * 1-0:2.8.0, URMS1 1-0:32.7.0, ...) and otherwise only its label, its unit
 * and scaler (units are never sent: Wh, VA for PAPP and SINSTS, W for CCASN,
 * kVA as VA with scaler 3).  Horodates (SAAMMJJhhmmss, S = E summer UTC+2,
 * H winter UTC+1, lower case while the meter's clock is degraded, a space
 * when no season applies) are meter time: DATE as the clock 0-0:1.0.0, the
 * others as the capture time of their value.  A label not in the table with
 * a verified checksum is kept as text (newer meters add labels).
 *
 * Pure functions over the caller's buffers; thread-safe. */
#ifndef SM_TIC_H
#define SM_TIC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sm_cursor.h"
#include "sm_datetime.h"
#include "sm_error.h"
#include "sm_obis.h"
#include "sm_readings.h"

typedef enum { SM_TIC_UNKNOWN = 0, SM_TIC_HISTORIQUE = 1, SM_TIC_STANDARD = 2 } sm_tic_mode;

const char *sm_tic_mode_name(sm_tic_mode m);

/* What became of a group (the reasons a group fails, in the order they are
 * checked). */
typedef enum {
    SM_TIC_GROUP_OK = 0,
    SM_TIC_GROUP_SHAPE,     /* no separator where one must be, or fields missing */
    SM_TIC_GROUP_PARITY,    /* a byte with a wrong parity bit */
    SM_TIC_GROUP_CHECKSUM,  /* the checksum does not match */
    SM_TIC_GROUP_LABEL,     /* a label of characters outside [A-Z0-9+-] */
    SM_TIC_GROUP_VALUE,     /* the data's width or characters are wrong for its label */
    SM_TIC_GROUP_HORODATE,  /* a horodate that is none (form, date), or one missing */
    SM_TIC_GROUP_MODE,      /* a group of the other mode than the frame's */
    SM_TIC_GROUP_FULL,      /* more readings than the caller's array holds */
    SM_TIC_VERDICTS
} sm_tic_verdict;

/* "checksum", "label", ...: the names counters and messages use. */
const char *sm_tic_verdict_name(sm_tic_verdict v);

/* The form of a label's data. */
typedef enum {
    SM_TIC_DIGITS,  /* a number of exactly `width` digits */
    SM_TIC_TEXT,    /* printable text (spaces allowed), `width` characters, 0: 1..98 */
    SM_TIC_ID,      /* [0-9A-Z] of `width` characters: ADCO, ADSC, PRM */
    SM_TIC_HEX,     /* `width` hex digits: STGE (32 status bits) */
    SM_TIC_EMPTY    /* no data: DATE (its horodate is the value) */
} sm_tic_form;

#define SM_TIC_HIST 1u /* the modes a label occurs in */
#define SM_TIC_STD 2u

typedef struct {
    const char *label;   /* "EAST" */
    uint8_t len;         /* its characters */
    uint8_t modes;       /* SM_TIC_HIST | SM_TIC_STD */
    uint8_t form;        /* sm_tic_form */
    uint8_t width;       /* the data's characters (SM_TIC_TEXT 0: any up to 98) */
    bool horodate;       /* standard: it carries a horodate */
    bool number;         /* its reading is a number (else text, or DATE's time) */
    bool has_obis;       /* its reading has an OBIS code: */
    sm_obis obis;
    int8_t scaler;       /* the value = digits x 10^scaler, in unit */
    sm_obis_info info;   /* name, unit and key ("east") for every front end */
} sm_tic_label;

/* The table's entry of a label (n bytes at p), NULL when it has none,
 * looked for from the entry after prev (the last group's; NULL: the first). */
const sm_tic_label *sm_tic_label_next(const sm_tic_label *prev, const uint8_t *p, size_t n);

/* One group of a frame, as read. */
typedef struct {
    uint16_t off;          /* the label's first byte, in the payload */
    uint16_t len;          /* the group's bytes, from the label to before its CR */
    uint8_t label_len;
    uint8_t horodate_len;  /* 0: none, else 13 */
    uint16_t horodate_off;
    uint16_t data_off, data_len;
    uint8_t checksum;      /* as sent (0: none was found) */
    uint8_t computed;      /* over the group's bytes as the mode sums them */
    uint8_t mode;          /* sm_tic_mode of its separators */
    uint8_t verdict;       /* sm_tic_verdict */
    int16_t reading;       /* the reading it gave, -1 none */
    const sm_tic_label *def; /* the table's entry, NULL unknown */
} sm_tic_group;

#define SM_TIC_MAX_GROUPS 96 /* groups recorded per frame (a three-phase
                                standard frame has about 70); all are counted */

typedef struct {
    uint8_t mode;                 /* sm_tic_mode of the frame (its good groups') */
    bool checksum_mode2;          /* historique checksums by 02E's mode 2 (the SP
                                     before the checksum summed): the frame's rule */
    uint16_t ngroups;             /* every group; the first SM_TIC_MAX_GROUPS kept */
    uint16_t ok;                  /* groups read */
    uint16_t failed[SM_TIC_VERDICTS]; /* groups failed, by reason */
    uint16_t unknown;             /* good groups of a label not in the table (kept as text) */
    sm_tic_group groups[SM_TIC_MAX_GROUPS];
    bool has_stge;                /* standard: the status register */
    uint32_t stge;
    bool has_relais;              /* standard: RELAIS, bit n: relay n+1 closed */
    uint8_t relais;
    int16_t id_group;             /* the group of ADCO/ADSC, -1 none */
} sm_tic_info;

/* The checksum of a group's bytes as its mode sums them ((S & 0x3F) + 0x20). */
uint8_t sm_tic_checksum(const uint8_t *p, size_t n);

/* The groups of a frame's payload (the bytes between STX and ETX) into
 * readings.  SM_OK when at least one group was read (failed groups are
 * counted in info), SM_ERR_TIC_NO_GROUP when none was; with whole, any
 * failed group fails the frame (SM_ERR_TIC_GROUP, the cursor at it) and
 * there are no readings.  Readings point into the payload. */
sm_err sm_tic_parse(sm_cur *c, bool whole, sm_tic_info *info, sm_reading_set *out);

/* A horodate (13 characters) as a date-time: E/e summer (deviation -120,
 * DST), H/h winter (-60), lower case: the clock degraded (status doubtful),
 * a space: no season (deviation not specified).  False when it is none. */
bool sm_tic_horodate(const uint8_t *p, size_t n, sm_datetime *dt);

/* ---- STGE, the standard mode's status register (32 bits) --------------- */

typedef struct {
    const char *name;     /* "cut-off" */
    uint8_t shift, bits;  /* where in the register */
    const char *const *values; /* the values' names, NULL: a number */
    uint8_t nvalues;
    uint8_t add;          /* a number: shown as the bits plus this (an index sent less 1) */
} sm_tic_stge_field;

/* The fields of STGE, in bit order; *n their number. */
const sm_tic_stge_field *sm_tic_stge_fields(size_t *n);
static inline unsigned sm_tic_stge_get(uint32_t stge, const sm_tic_stge_field *f)
{
    return (unsigned)(stge >> f->shift) & ((1u << f->bits) - 1u);
}
/* A field's value named ("closed", "blue"), or NULL when it has no names
 * or the value none (a number: sm_tic_stge_get + add). */
const char *sm_tic_stge_value_name(const sm_tic_stge_field *f, unsigned v);
/* The field of that name, NULL when none. */
const sm_tic_stge_field *sm_tic_stge_field_named(const char *name);

#endif
