/* smd_render.h - smdecode's output formats.  Each format renders one
 * sm_telegram at a time (good or failed) into an smd_out buffer, so a
 * capture of any length is rendered in constant memory:
 *   xml   the Gurux DLMS translator's element names and value style, with
 *         comments naming OBIS objects, scaled values, ISO date-times;
 *   json  JSON Lines, one object per telegram;
 *   csv   a header row, one row per telegram, one column per OBIS object
 *         (columns are added, and the header repeated, when an object
 *         appears that earlier telegrams did not carry);
 *   text  the summary the usual meter scripts print.
 * The per-format code lives in render_<format>.c; what they share (value
 * text, system title, time) is in smd_render.c. */
#ifndef SMD_RENDER_H
#define SMD_RENDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sm_decoder.h"
#include "smd_out.h"

typedef enum { SMD_XML, SMD_JSON, SMD_CSV, SMD_TEXT } smd_format;

/* Parse "xml", "json", "csv", "text"; -1 when unknown. */
int smd_format_parse(const char *name);

/* Columns grow as objects appear; beyond this many the rest is left out,
 * said once on standard error, and smdecode exits with status 1. */
#define SMD_CSV_MAX_COLUMNS 65536

/* A CSV column: an OBIS code and its occurrence in the telegram (1 for the
 * first reading with that code), or the position of a reading without
 * OBIS.  key orders them: OBIS columns by code, then positions. */
typedef struct {
    uint64_t key;
    sm_obis obis;
    uint16_t index;
    uint8_t has_obis;
    uint8_t occurrence;
} smd_column;

/* room for any value's text: the hex of the longest (an APDU's bytes) */
#define SMD_VALUE_MAX (2 * SM_APDU_MAX + 1)

typedef struct {
    smd_format format;
    bool layers;         /* also the link frames, security header, plaintext */
    smd_out *out;
    /* csv */
    smd_column *cols;    /* cap_cols of them, ncols used */
    long *cell;          /* per column: the reading in it (rendering a row) */
    size_t ncols, cap_cols;
    bool lost;           /* a value could not be rendered: exit status 1 */
    char value[SMD_VALUE_MAX]; /* a value's text (csv, text) */
    bool header_done;
    bool columns_full_warned;
    /* the last good telegram's objects and their columns: a meter sends
     * the same objects every time, and then nothing needs looking up (and
     * otherwise reading k is looked for first in column memo_col[k]) */
    uint64_t memo_keys[SM_MAX_READINGS];
    int16_t memo_col[SM_MAX_READINGS];
    size_t memo_n;
    /* json: the fixed text of a reading with an OBIS code, direct-mapped by
     * the code (a meter sends the same objects in every telegram); mid is
     * used for numbers only:
     *   head  {"obis":"1-0:32.7.0*255","name":"Voltage L1","raw":
     *   mid   ,"scaler":-1,"unit":"V","value":                       */
    struct {
        uint64_t key;       /* obis + 1, 0 when empty */
        uint32_t form;      /* scaler, its presence and the unit */
        const void *info;
        uint8_t head_len, mid_len;
        char text[150];
    } json_cache[64];
    /* xml: which reading belongs to which node */
    uint16_t node_value[SM_MAX_NODES];
    uint16_t node_obis[SM_MAX_NODES];
} smd_render;

void smd_render_init(smd_render *r, smd_format f, bool layers, smd_out *out);
void smd_render_telegram(smd_render *r, const sm_telegram *t);
void smd_render_end(smd_render *r);

/* ---- shared by the formats (smd_render.c) -------------------------------- */

/* 1-based number shown to users. */
static inline uint64_t smd_telegram_no(const sm_telegram *t) { return t->index + 1; }

/* The text of a byte-valued A-XDR element: a date-time, date or time in ISO
 * 8601, a bit-string as its bits ("0101"), a printable string as it is
 * (NUL-terminated).  Returns its length, or -1 when it has no such text
 * (unspecified or impossible fields, bytes that are not printable, types
 * that are not byte-valued); buf is then "". */
int smd_bytes_text(uint8_t type, const uint8_t *p, size_t n, uint32_t bits, char *buf,
                   size_t cap);
/* The value of a reading as text: exact decimal for numbers, the text of
 * smd_bytes_text where there is one, hex otherwise.
 * *quoted tells whether it is a string (JSON, CSV) rather than a number. */
size_t smd_value_text(const sm_reading *rd, char *buf, size_t cap, bool *quoted);
/* A date-time as ISO local time with its offset and as UTC; either is ""
 * when it cannot be given (unspecified fields, no deviation for UTC).
 * Returns false when there is no local time. */
bool smd_dt_texts(const sm_datetime *dt, char *local, size_t lcap, char *utc, size_t ucap);
/* Meter time as ISO local time with offset and as UTC ("" when unknown). */
bool smd_time(const sm_telegram *t, char *local, size_t lcap, char *utc, size_t ucap);
/* "KFM" when the first three octets are the manufacturer's letters, else "". */
void smd_title_manufacturer(const uint8_t title[8], char out[4]);
/* Unit symbol, "" for none. */
const char *smd_unit(const sm_reading *rd);
/* The six OBIS fields as one number, A first (orders codes as IEC does). */
static inline uint64_t smd_obis_key(const sm_obis *o)
{
    return (uint64_t)o->a << 40 | (uint64_t)o->b << 32 | (uint64_t)o->c << 24 |
           (uint64_t)o->d << 16 | (uint64_t)o->e << 8 | o->f;
}
/* A description of the security control byte. */
void smd_sc_text(uint8_t sc, char *buf, size_t cap);
/* " in frame F at offset O" / " at offset O of the apdu" ... for errors. */
int smd_error_where(const sm_telegram *t, char *buf, size_t cap);

void smd_render_xml(smd_render *r, const sm_telegram *t);
void smd_render_json(smd_render *r, const sm_telegram *t);
void smd_render_csv(smd_render *r, const sm_telegram *t);
void smd_render_text(smd_render *r, const sm_telegram *t);

#endif
