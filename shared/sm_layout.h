/* sm_layout.h - payload layouts as data: what the positions of a list
 * without OBIS codes mean, which scalers a list that sends none implies,
 * and the names of the values an OBIS-keyed list leaves without a code.
 *
 * Layouts are written in a plain text format (docs in
 * shared/layouts/README and collectd-smartmeter(5)), one rule per line:
 *
 *     # Elektro Celje, Iskraemeco AM550, list "UP_3f"
 *     layout si-celje-am550-up3f
 *     description Iskraemeco AM550 of Elektro Celje, 5-second list UP_3f
 *     source amsreader-firmware issue #615
 *     count 12
 *     types octet-string octet-string long-unsigned ...
 *     match 1 "UP_3f"
 *     field 2 1-0:32.7.0 -1 V
 *
 * The layouts built into the decoder are such files (shared/layouts/),
 * embedded at build time and read by the same parser; users add their own
 * with the plugin's LayoutFile and smdecode's --layout-file.
 *
 * An sm_layout_set is caller-owned, fixed in size (nothing allocated) and
 * read-only once filled: one set can serve any number of decoders and
 * threads.  Its layouts point into the set itself, so it must not be
 * copied or moved while they are in use.
 */
#ifndef SM_LAYOUT_H
#define SM_LAYOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sm_error.h"
#include "sm_obis.h"

/* How the body of the data-notification is built. */
typedef enum {
    SM_FORM_POSITIONAL = 0, /* values only: meaning by position */
    SM_FORM_KEYED,          /* OBIS, value[, {scaler, unit}] (flat or in structures) */
    SM_FORM_CAPTURE,        /* a push with its capture-object list (Swiss L+G, Iskra) */
    SM_FORM_TUPLES          /* {class, OBIS, attribute} untagged, then the value (Czech) */
} sm_form;

/* Implied scalers by OBIS class for lists that send none (sm_obis_class_rule). */
typedef enum {
    SM_CLASS_RULES_NONE = 0,
    SM_CLASS_RULES_UNITS,   /* units of energies and powers only (their scaler is 0) */
    SM_CLASS_RULES_ALL      /* also currents, voltages, power factor, frequency, angles */
} sm_class_rules;

#define SM_LF_OBIS 0x01      /* the field has an OBIS code */
#define SM_LF_SCALER 0x02    /* the field has an implied scaler and unit */

typedef struct {
    uint8_t flags;
    sm_obis obis;
    int8_t scaler;
    uint8_t unit;
} sm_layout_field;

/* Implied scaler and unit of the lists that send none, by OBIS C.D.E. */
#define SM_IMPLIED_ANY_E 0x100
typedef struct {
    uint8_t c, d;
    uint16_t e;                /* SM_IMPLIED_ANY_E: every tariff */
    int8_t scaler;
    uint8_t unit;
    uint8_t fit;               /* sm_fit: the scaler depends on the value */
} sm_implied;

/* A condition on one element of the body's root container. */
#define SM_MATCH_LAST 0xFFFF   /* pos: the last element */
typedef enum {
    SM_MATCH_EQUALS,           /* a string with exactly these bytes */
    SM_MATCH_PREFIX,           /* a string that begins with them */
    SM_MATCH_DATETIME,         /* a 12-octet date-time */
    SM_MATCH_TYPE              /* of this A-XDR type */
} sm_match_kind;

typedef struct {
    uint16_t pos;
    uint8_t kind;              /* sm_match_kind */
    uint8_t type;              /* SM_MATCH_TYPE: the tag */
    const uint8_t *bytes;      /* SM_MATCH_EQUALS / _PREFIX */
    uint16_t len;
} sm_layout_match;

#define SM_LAYOUT_MAX_MATCHES 4

typedef struct {
    const char *name;          /* "si-celje-am550-up3f" */
    const char *description;
    const char *source;        /* where the meaning of the fields comes from */
    const char *file;          /* the file it was read from, and its line */
    uint32_t line;
    uint8_t form;              /* sm_form */
    uint8_t class_rules;       /* sm_class_rules */
    uint16_t count;            /* elements of the root: 0 for any (not positional) */
    const uint8_t *types;      /* the count elements' type tags, NULL for any */
    sm_layout_match match[SM_LAYOUT_MAX_MATCHES];
    uint8_t nmatch;
    const sm_layout_field *fields; /* by position of the root's elements: nfields */
    uint16_t nfields;
    bool last_field;           /* "field last": applies to the last element */
    sm_layout_field last;
    const sm_implied *implied;
    uint16_t nimplied;
} sm_layout;

/* A meter quirk (meter bugs as data, like layouts): what to change in the
 * readings of the meters it matches.  Written in the layout files as a
 * "quirk NAME" block (shared/layouts/README); applied by sm_quirk.h. */
typedef enum {
    SM_QA_UNSIGNED = 1, /* a signed integer of this code is an unsigned one of
                           the same width (DZG's power before firmware 1.2) */
    SM_QA_DIRECTION     /* an unsigned power of this code is negative (export)
                           when a bit of another reading's status word is set */
} sm_quirk_kind;

typedef struct {
    uint8_t kind;       /* sm_quirk_kind */
    uint8_t bit;        /* SM_QA_DIRECTION: the bit of the status word */
    uint8_t width;      /* SM_QA_UNSIGNED: only integers of so many bytes (0 any) */
    sm_obis code;       /* the reading it changes */
    sm_obis status;     /* SM_QA_DIRECTION: the reading whose status word tells */
    sm_obis as;         /* SM_QA_DIRECTION: the code of the signed result */
} sm_quirk_action;

#define SM_QUIRK_MAX_ACTIONS 8
#define SM_QUIRK_MAX_MAKERS 4
#define SM_QUIRK_NUMBER_LEN 15 /* a printed DIN 43863-5 meter number and its NUL */

typedef struct {
    const char *name, *description, *source;
    const char *file;          /* the file it was read from, and its line */
    uint32_t line;
    char makers[SM_QUIRK_MAX_MAKERS][4]; /* three-letter FLAG codes: any of them */
    uint8_t nmakers;
    char number_from[SM_QUIRK_NUMBER_LEN];  /* meter numbers from this one ("" any) */
    char number_below[SM_QUIRK_NUMBER_LEN]; /* ... below this one ("" any) */
    const char *firmware;      /* a firmware version that begins so (NULL any) */
    sm_quirk_action actions[SM_QUIRK_MAX_ACTIONS];
    uint8_t nactions;
} sm_quirk;

#define SM_LAYOUT_SET_QUIRKS 32
#define SM_LAYOUT_SET_LAYOUTS 96
#define SM_LAYOUT_SET_FIELDS 2048
#define SM_LAYOUT_SET_IMPLIED 512
#define SM_LAYOUT_SET_TEXT 32768

typedef struct {
    sm_layout layouts[SM_LAYOUT_SET_LAYOUTS];
    size_t n;
    sm_layout_field fields[SM_LAYOUT_SET_FIELDS];
    size_t nfields;
    uint8_t types[SM_LAYOUT_SET_FIELDS];
    size_t ntypes;
    sm_implied implied[SM_LAYOUT_SET_IMPLIED];
    size_t nimplied;
    sm_quirk quirks[SM_LAYOUT_SET_QUIRKS];
    size_t nquirks;
    char text[SM_LAYOUT_SET_TEXT]; /* names, descriptions, sources, match strings */
    size_t ntext;
} sm_layout_set;

/* Where a layout file is wrong: its line (1-based; 0 for the file as a
 * whole) and what is wrong there, ready to print after "FILE:LINE: ". */
typedef struct {
    uint32_t line;
    char message[160];
} sm_layout_error;

void sm_layout_set_init(sm_layout_set *s);

/* Add the layouts of one file's text (len bytes, need not be
 * NUL-terminated) to s; file is the name to record (kept as a pointer: it
 * must outlive the set).  All or nothing: on an error the set is as it was
 * before, and *err says where and what.  Returns SM_OK or SM_ERR_LAYOUT_FILE. */
sm_err sm_layout_set_parse(sm_layout_set *s, const char *text, size_t len, const char *file,
                           sm_layout_error *err);
/* The same, refusing the names of the layouts of `reserved` (NULL: none). */
sm_err sm_layout_set_parse_except(sm_layout_set *s, const char *text, size_t len,
                                  const char *file, const sm_layout_set *reserved,
                                  sm_layout_error *err);
/* The same for a user's file (LayoutFile, --layout-file): a layout may not
 * have a built-in layout's name (output would name the other one). */
sm_err sm_layout_set_parse_user(sm_layout_set *s, const char *text, size_t len, const char *file,
                                sm_layout_error *err);

/* The layouts built into the decoder (the files of shared/layouts/), parsed
 * at build time by shared/layouts/gen_builtin (a file that does not parse
 * fails the build): constant data, thread-safe. */
extern const sm_layout_set sm_builtin_layout_set;
const sm_layout_set *sm_layouts_builtin(void);

/* The quirk of set s (may be NULL) named name[0..n), NULL when none is. */
const sm_quirk *sm_layout_set_quirk(const sm_layout_set *s, const char *name, size_t n);

/* The built-in layout files' texts, as embedded (for tests and tools). */
typedef struct {
    const char *name;
    const char *text;
} sm_layout_file;
extern const sm_layout_file sm_builtin_layout_files[];
extern const size_t sm_builtin_layout_files_count;

/* The name of an A-XDR type as the files write it ("long-unsigned"), and
 * back: SM_LAYOUT_NO_TYPE when unknown. */
#define SM_LAYOUT_NO_TYPE 0xFFFF
unsigned sm_layout_type_from_name(const char *s, size_t n);

#endif
