/* render_csv.c - a header row and one row per telegram:
 *   telegram,time,time_utc,system_title,frame_counter,error,<objects...>
 * One column per OBIS object (IEC notation, e.g. 1-0:32.7.0*255; values the
 * meter sends without an OBIS code are named by their position, "#13"; a
 * TIC value by its label, "EAST"), in OBIS order, taken from the first decoded telegram.  When a later telegram
 * carries an object the columns lack (meters that alternate short and long
 * lists), the column is added in order and the header row written again, so
 * no value is ever dropped; rows leave the cells of absent objects empty.
 * Numbers are the scaled values as exact decimals. */
#include "smd_format.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Columns grow as objects appear; beyond this many the rest is left out
 * and said (smdecode then exits with status 1). */
#define MAX_COLUMNS 65536

/* A column: an OBIS code and its occurrence in the telegram (1 for the
 * first reading with that code), an entry of a P1 profile (the profile's
 * code, the entry, the object's place in it), or the position of a
 * reading without OBIS.  A value with a time of its own (a P1 sub-meter's
 * capture, an entry's time) has a second column for that time.  key
 * orders them: OBIS columns by code, then the entries, then positions:
 *   OBIS      ((code | 1 << 48) << 8 | occurrence) << 1 | part
 *   labels    1 << 62 | (label, 6 bits a character) << 1 | part
 *   entries   2 << 62 | ((profile code << 8 | entry) << 4 | place) << 1 | part
 *   positions 3 << 62 | position                                         */
typedef struct {
    uint64_t key;
    sm_obis obis;
    sm_obis profile;
    uint16_t index;
    uint8_t has_obis;
    uint8_t occurrence;
    uint8_t entry, place;
    uint8_t part;       /* 0 the value, 1 its time */
    uint8_t in_profile;
    uint8_t is_label;   /* a TIC label's: the label is in the key */
} column;

#define KEY_LABEL ((uint64_t)1 << 62)
#define KEY_ENTRY ((uint64_t)2 << 62)
#define LABEL_CHARS 9 /* the longest TIC label (SMAXSN1-1, PJOURF+1): 54 bits */

static const char label_set[] = "0ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+-";

/* A TIC label as a column key: its characters (of label_set, the first
 * LABEL_CHARS of them) 6 bits each. */
static uint64_t label_key(const sm_reading *rd)
{
    uint64_t v = 0;
    for (size_t i = 0; i < LABEL_CHARS; i++) {
        const char *at = i < rd->label_len ? strchr(label_set + 1, rd->label[i]) : NULL;
        v = v << 6 | (at && rd->label[i] ? (uint64_t)(at - label_set) : 0);
    }
    return KEY_LABEL | v << 1;
}

static void label_text(uint64_t key, char *out)
{
    size_t n = 0;
    for (int i = LABEL_CHARS - 1; i >= 0; i--) {
        unsigned c = (unsigned)(key >> (1 + 6 * i)) & 63u;
        if (c && c < sizeof label_set - 1)
            out[n++] = label_set[c];
    }
    out[n] = '\0';
}
#define KEY_POSITION ((uint64_t)3 << 62)

typedef struct {
    column *cols;    /* cap of them, n used */
    long *cell;      /* per column: the reading in it (rendering a row) */
    size_t n, cap;
    bool header_done;
    /* the last good telegram's objects and their columns: a meter sends the
     * same objects every time, and then nothing needs looking up (saves 8 %
     * of the instructions per telegram); otherwise reading k is looked for
     * first in column memo_col[k] */
    uint64_t memo_keys[SM_MAX_READINGS];
    int32_t memo_col[SM_MAX_READINGS];
    size_t memo_n;
    char value[SMD_VALUE_MAX]; /* a value's text */
} csv_state;

static int col_cmp(const void *pa, const void *pb)
{
    const column *a = pa, *b = pb;
    return a->key < b->key ? -1 : a->key > b->key;
}

/* The place of an entry's reading k among the readings of its entry. */
static unsigned place_of(const sm_telegram *t, size_t k)
{
    const sm_reading *rd = &t->readings[k];
    unsigned place = 0;
    while (k > place && t->readings[k - place - 1].parent == rd->parent &&
           t->readings[k - place - 1].row == rd->row)
        place++;
    return place;
}

/* Does reading k have a time column: a value with its own time, and the
 * first reading of an entry (its entry's time)? */
static bool timed(const sm_telegram *t, size_t k)
{
    const sm_reading *rd = &t->readings[k];
    return rd->has_capture && (rd->parent == SM_NO_NODE || place_of(t, k) == 0);
}

/* What identifies a reading's column, cheaply: its OBIS key, an entry's
 * whole column key, 0 without OBIS. */
static void reading_keys(const sm_telegram *t, uint64_t *keys)
{
    for (size_t k = 0; k < t->nreadings; k++) {
        const sm_reading *rd = &t->readings[k];
        if (rd->label)
            keys[k] = label_key(rd);
        else if (rd->obis_source == SM_OBIS_NONE)
            keys[k] = 0;
        else if (rd->parent != SM_NO_NODE)
            keys[k] = KEY_ENTRY | ((smd_obis_key(&t->readings[rd->parent].obis) << 8 |
                                    (rd->row & 0xFF)) << 4 | (place_of(t, k) & 0xF)) << 1;
        else
            keys[k] = smd_obis_key(&rd->obis) | (uint64_t)1 << 48;
    }
}

/* The column identity of reading k of a telegram (its value's column). */
static column column_of(const sm_telegram *t, const uint64_t *keys, size_t k)
{
    const sm_reading *rd = &t->readings[k];
    column c;
    memset(&c, 0, sizeof c);
    if (rd->label) {
        c.is_label = 1;
        c.key = keys[k];
        return c;
    }
    if (rd->obis_source == SM_OBIS_NONE) {
        c.index = rd->index;
        c.key = KEY_POSITION | rd->index;
        return c;
    }
    c.has_obis = 1;
    c.obis = rd->obis;
    if (rd->parent != SM_NO_NODE) {
        c.in_profile = 1;
        c.profile = t->readings[rd->parent].obis;
        c.entry = (uint8_t)rd->row;
        c.place = (uint8_t)place_of(t, k);
        c.key = keys[k];
        return c;
    }
    c.occurrence = 1;
    for (size_t j = 0; j < k; j++)
        if (keys[j] == keys[k] && c.occurrence < 255)
            c.occurrence++;
    c.key = (keys[k] << 8 | c.occurrence) << 1;
    return c;
}

/* Room for more columns (doubling, up to MAX_COLUMNS). */
static bool grow(csv_state *s)
{
    size_t cap = s->cap ? 2 * s->cap : 64;
    if (cap > MAX_COLUMNS)
        return false;
    column *cols = realloc(s->cols, cap * sizeof *cols);
    if (!cols)
        return false;
    s->cols = cols;
    long *cell = realloc(s->cell, cap * sizeof *cell);
    if (!cell)
        return false;
    s->cell = cell;
    s->cap = cap;
    return true;
}

static long find_col(const csv_state *s, const column *c, long hint)
{
    if (hint >= 0 && (size_t)hint < s->n && s->cols[hint].key == c->key)
        return hint;
    for (size_t i = 0; i < s->n; i++)
        if (s->cols[i].key == c->key)
            return (long)i;
    return -1;
}

/* The column of each reading of a good telegram (colof), columns added
 * for objects the earlier telegrams lacked; true when any was added. */
static bool columns(smd_ctx *cx, csv_state *s, const sm_telegram *t, long *colof)
{
    uint64_t keys[SM_MAX_READINGS], memo[SM_MAX_READINGS];
    reading_keys(t, keys);
    /* the memo also tells whether a reading had its time column (bit 0 of
     * an entry's key and bit 50 of an OBIS key are free) */
    for (size_t k = 0; k < t->nreadings; k++) {
        uint64_t tm = timed(t, k);
        memo[k] = !keys[k]                         ? KEY_POSITION | t->readings[k].index
                  : t->readings[k].label                ? keys[k] | tm << 61
                  : t->readings[k].parent != SM_NO_NODE ? keys[k] | tm
                                                        : keys[k] | tm << 50;
    }
    /* the same objects as the last telegram: the same columns */
    if (s->header_done && t->nreadings == s->memo_n &&
        memcmp(memo, s->memo_keys, t->nreadings * sizeof memo[0]) == 0) {
        for (size_t k = 0; k < t->nreadings; k++)
            colof[k] = s->memo_col[k];
        return false;
    }
    bool added = false;
    for (size_t k = 0; k < t->nreadings; k++) {
        column c = column_of(t, keys, k);
        colof[k] = find_col(s, &c, k < s->memo_n ? s->memo_col[k] : -1);
        bool add = colof[k] < 0;
        column tc = c; /* its time's column: right after it once sorted */
        tc.part = 1;
        tc.key |= 1;
        bool add_time = timed(t, k) && find_col(s, &tc, colof[k] + 1) < 0;
        if (!add && !add_time)
            continue;
        if (s->n + add + add_time > s->cap && (!grow(s) || s->n + add + add_time > s->cap)) {
            if (!cx->problem)
                cx->problem = "csv: too many columns (more than 65536 objects): some values are "
                              "left out (use --format json)";
            continue;
        }
        if (add)
            s->cols[s->n++] = c;
        if (add_time)
            s->cols[s->n++] = tc;
        added = true;
    }
    if (added) {
        qsort(s->cols, s->n, sizeof s->cols[0], col_cmp);
        for (size_t k = 0; k < t->nreadings; k++) {
            column c = column_of(t, keys, k);
            colof[k] = find_col(s, &c, -1);
        }
    }
    memcpy(s->memo_keys, memo, t->nreadings * sizeof memo[0]);
    for (size_t k = 0; k < t->nreadings; k++)
        s->memo_col[k] = (int32_t)colof[k];
    s->memo_n = t->nreadings;
    return added;
}

static void header(smd_ctx *cx, csv_state *s)
{
    smd_out *o = cx->out;
    char buf[96];
    smd_out_str(o, "telegram,time,time_utc,system_title,frame_counter,error");
    for (size_t i = 0; i < s->n; i++) {
        const column *c = &s->cols[i];
        smd_out_ch(o, ',');
        int k = 0;
        if (c->is_label) {
            label_text(c->key, buf);
            k = (int)strlen(buf);
        } else if (!c->has_obis) {
            k = snprintf(buf, sizeof buf, "#%u", c->index);
        } else if (c->in_profile) {
            /* 0-0:98.1.0*255/2/1-0:1.6.0*255: entry 2 of the profile */
            k = sm_obis_format(&c->profile, buf, sizeof buf);
            k += snprintf(buf + k, sizeof buf - (size_t)k, "/%u/", c->entry + 1u);
            k += sm_obis_format(&c->obis, buf + k, sizeof buf - (size_t)k);
        } else {
            k = sm_obis_format(&c->obis, buf, sizeof buf);
            if (c->occurrence > 1)
                k += snprintf(buf + k, sizeof buf - (size_t)k, "#%u", c->occurrence);
        }
        if (c->part && (size_t)k + 6 < sizeof buf)
            memcpy(buf + k, " time", 6);
        smd_out_str(o, buf);
    }
    smd_out_ch(o, '\n');
    s->header_done = true;
}

/* telegram,time,time_utc,system_title,frame_counter,error */
static void row_head(smd_out *o, const sm_telegram *t)
{
    char local[64], utc[40];
    smd_out_u64(o, smd_telegram_no(t));
    smd_out_ch(o, ',');
    if (!t->err && smd_time(t, local, sizeof local, utc, sizeof utc)) {
        smd_out_str(o, local);
        smd_out_ch(o, ',');
        smd_out_str(o, utc);
    } else {
        smd_out_ch(o, ',');
    }
    smd_out_ch(o, ',');
    if (t->ciphered)
        smd_out_hex(o, t->sec.system_title, 8, 0);
    smd_out_ch(o, ',');
    if (t->ciphered)
        smd_out_u64(o, t->sec.fc);
    smd_out_ch(o, ',');
    if (t->err)
        smd_out_str(o, sm_errname(t->err));
}

/* the cells in column order */
static void cells(smd_out *o, csv_state *s, const sm_telegram *t, const long *colof)
{
    for (size_t i = 0; i < s->n; i++)
        s->cell[i] = -1;
    for (size_t k = 0; k < t->nreadings; k++)
        if (colof[k] >= 0) {
            s->cell[colof[k]] = (long)k;
            if (t->readings[k].has_capture && (size_t)colof[k] + 1 < s->n &&
                s->cols[colof[k] + 1].key == (s->cols[colof[k]].key | 1))
                s->cell[colof[k] + 1] = (long)k;
        }
    for (size_t i = 0; i < s->n; i++) {
        smd_out_ch(o, ',');
        if (s->cell[i] < 0)
            continue;
        const sm_reading *rd = &t->readings[s->cell[i]];
        bool quoted;
        char utc[40];
        if (s->cols[i].part) {
            if (smd_dt_texts(&rd->capture, s->value, sizeof s->value, utc, sizeof utc))
                smd_out_str(o, s->value);
            continue;
        }
        size_t n = smd_value_text(rd, s->value, sizeof s->value, &quoted);
        if (rd->kind == SM_RK_NUMBER || rd->kind == SM_RK_DATETIME)
            smd_out_mem(o, s->value, n); /* digits, '.', '-', ':', 'T', '+', 'e', hex */
        else
            smd_out_csv_field(o, s->value, n);
    }
}

static void render(smd_ctx *cx, void *state, const sm_telegram *t)
{
    csv_state *s = state;
    smd_out *o = cx->out;
    long colof[SM_MAX_READINGS];
    bool added = !t->err && columns(cx, s, t, colof);
    if (added || !s->header_done)
        header(cx, s);
    row_head(o, t);
    if (t->err) {
        for (size_t i = 0; i < s->n; i++)
            smd_out_ch(o, ',');
    } else {
        cells(o, s, t, colof);
    }
    smd_out_ch(o, '\n');
}

static void end(smd_ctx *cx, void *state)
{
    (void)cx;
    csv_state *s = state;
    free(s->cols);
    free(s->cell);
    s->cols = NULL;
    s->cell = NULL;
    s->n = s->cap = 0;
}

const smd_format smd_format_csv = {"csv", sizeof(csv_state), NULL, render, end};
