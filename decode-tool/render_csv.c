/* render_csv.c - a header row and one row per telegram:
 *   telegram,time,time_utc,system_title,frame_counter,error,<objects...>
 * One column per OBIS object (IEC notation, e.g. 1-0:32.7.0*255; values the
 * meter sends without an OBIS code are named by their position, "#13"), in
 * OBIS order, taken from the first decoded telegram.  When a later telegram
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
 * first reading with that code), or the position of a reading without
 * OBIS.  key orders them: OBIS columns by code, then positions. */
typedef struct {
    uint64_t key;
    sm_obis obis;
    uint16_t index;
    uint8_t has_obis;
    uint8_t occurrence;
} column;

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

/* The OBIS keys of a telegram's readings, 0 for readings without one. */
static void reading_keys(const sm_telegram *t, uint64_t *keys)
{
    for (size_t k = 0; k < t->nreadings; k++)
        keys[k] = t->readings[k].obis_source != SM_OBIS_NONE
                      ? smd_obis_key(&t->readings[k].obis) | (uint64_t)1 << 48
                      : 0;
}

/* The column identity of reading k of a telegram. */
static column column_of(const sm_telegram *t, const uint64_t *keys, size_t k)
{
    const sm_reading *rd = &t->readings[k];
    column c;
    memset(&c, 0, sizeof c);
    if (rd->obis_source == SM_OBIS_NONE) {
        c.index = rd->index;
        c.key = (uint64_t)1 << 63 | rd->index;
        return c;
    }
    c.has_obis = 1;
    c.obis = rd->obis;
    c.occurrence = 1;
    for (size_t j = 0; j < k; j++)
        if (keys[j] == keys[k] && c.occurrence < 255)
            c.occurrence++;
    c.key = keys[k] << 8 | c.occurrence;
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
    for (size_t k = 0; k < t->nreadings; k++)
        memo[k] = keys[k] ? keys[k] : (uint64_t)1 << 63 | t->readings[k].index;
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
        if (colof[k] >= 0)
            continue;
        if (s->n == s->cap && !grow(s)) {
            if (!cx->problem)
                cx->problem = "csv: too many columns (more than 65536 objects): some values are "
                              "left out (use --format json)";
            continue;
        }
        s->cols[s->n++] = c;
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
    char buf[64];
    smd_out_str(o, "telegram,time,time_utc,system_title,frame_counter,error");
    for (size_t i = 0; i < s->n; i++) {
        const column *c = &s->cols[i];
        smd_out_ch(o, ',');
        if (!c->has_obis) {
            snprintf(buf, sizeof buf, "#%u", c->index);
        } else {
            int k = sm_obis_format(&c->obis, buf, sizeof buf);
            if (c->occurrence > 1)
                snprintf(buf + k, sizeof buf - (size_t)k, "#%u", c->occurrence);
        }
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
        if (colof[k] >= 0)
            s->cell[colof[k]] = (long)k;
    for (size_t i = 0; i < s->n; i++) {
        smd_out_ch(o, ',');
        if (s->cell[i] < 0)
            continue;
        const sm_reading *rd = &t->readings[s->cell[i]];
        bool quoted;
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
