/* render_csv.c - a header row and one row per telegram:
 *   telegram,time,time_utc,system_title,frame_counter,error,<objects...>
 * One column per OBIS object (IEC notation, e.g. 1-0:32.7.0*255; values the
 * meter sends without an OBIS code are named by their position, "#13"), in
 * OBIS order, taken from the first decoded telegram.  When a later telegram
 * carries an object the columns lack (meters that alternate short and long
 * lists), the column is added in order and the header row written again, so
 * no value is ever dropped; rows leave the cells of absent objects empty.
 * Numbers are the scaled values as exact decimals. */
#include "smd_render.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int col_cmp(const void *pa, const void *pb)
{
    const smd_column *a = pa, *b = pb;
    return a->key < b->key ? -1 : a->key > b->key;
}

/* The column identity of reading k of a telegram; keys[] holds the OBIS
 * keys of the telegram's readings (0 for readings without OBIS). */
static smd_column column_of(const sm_telegram *t, const uint64_t *keys, size_t k)
{
    const sm_reading *rd = &t->readings[k];
    smd_column c;
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

/* Room for more columns (doubling, up to SMD_CSV_MAX_COLUMNS). */
static bool grow(smd_render *r)
{
    size_t cap = r->cap_cols ? 2 * r->cap_cols : 64;
    if (cap > SMD_CSV_MAX_COLUMNS)
        return false;
    smd_column *cols = realloc(r->cols, cap * sizeof *cols);
    if (!cols)
        return false;
    r->cols = cols;
    long *cell = realloc(r->cell, cap * sizeof *cell);
    if (!cell)
        return false;
    r->cell = cell;
    r->cap_cols = cap;
    return true;
}

static long find_col(const smd_render *r, const smd_column *c, size_t hint)
{
    if (hint < r->ncols && r->cols[hint].key == c->key)
        return (long)hint;
    for (size_t i = 0; i < r->ncols; i++)
        if (r->cols[i].key == c->key)
            return (long)i;
    return -1;
}

static void header(smd_render *r)
{
    smd_out *o = r->out;
    char buf[64];
    smd_out_str(o, "telegram,time,time_utc,system_title,frame_counter,error");
    for (size_t i = 0; i < r->ncols; i++) {
        const smd_column *c = &r->cols[i];
        smd_out_ch(o, ',');
        if (!c->has_obis) {
            snprintf(buf, sizeof buf, "#%u", c->index);
        } else {
            int n = sm_obis_format(&c->obis, buf, sizeof buf);
            if (c->occurrence > 1)
                snprintf(buf + n, sizeof buf - (size_t)n, "#%u", c->occurrence);
        }
        smd_out_str(o, buf);
    }
    smd_out_ch(o, '\n');
    r->header_done = true;
}

void smd_render_csv(smd_render *r, const sm_telegram *t)
{
    smd_out *o = r->out;
    /* columns: add what this telegram brings */
    bool added = false;
    long colof[SM_MAX_READINGS];
    uint64_t keys[SM_MAX_READINGS];
    for (size_t k = 0; k < t->nreadings; k++)
        keys[k] = t->readings[k].obis_source != SM_OBIS_NONE
                      ? smd_obis_key(&t->readings[k].obis) | (uint64_t)1 << 48
                      : 0;
    /* the same objects as the last telegram: the same columns */
    uint64_t memo[SM_MAX_READINGS];
    for (size_t k = 0; k < t->nreadings; k++)
        memo[k] = keys[k] ? keys[k] : (uint64_t)1 << 63 | t->readings[k].index;
    bool same = !t->err && r->header_done && t->nreadings == r->memo_n &&
                memcmp(memo, r->memo_keys, t->nreadings * sizeof memo[0]) == 0;
    for (size_t k = 0; k < t->nreadings && same; k++)
        colof[k] = r->memo_col[k];
    for (size_t k = 0; k < t->nreadings && !t->err && !same; k++) {
        smd_column c = column_of(t, keys, k);
        /* where reading k went last time is the first guess */
        long guess = k < r->memo_n ? r->memo_col[k] : -1;
        colof[k] = find_col(r, &c, guess >= 0 ? (size_t)guess : 0);
        if (colof[k] >= 0)
            continue;
        if (r->ncols == r->cap_cols && !grow(r)) {
            if (!r->columns_full_warned)
                fprintf(stderr, "smdecode: csv: more than %zu columns; further objects are "
                        "left out (use --format json)\n", r->ncols);
            r->columns_full_warned = true;
            r->lost = true;
            continue;
        }
        r->cols[r->ncols++] = c;
        added = true;
    }
    if (added) {
        qsort(r->cols, r->ncols, sizeof r->cols[0], col_cmp);
        for (size_t k = 0; k < t->nreadings; k++) {
            smd_column c = column_of(t, keys, k);
            colof[k] = find_col(r, &c, 0);
        }
    }
    if (!t->err && !same) {
        memcpy(r->memo_keys, memo, t->nreadings * sizeof memo[0]);
        for (size_t k = 0; k < t->nreadings; k++)
            r->memo_col[k] = (int16_t)colof[k];
        r->memo_n = t->nreadings;
    }
    if (added || !r->header_done)
        header(r);

    char buf[600], utc[40];
    smd_out_u64(o, smd_telegram_no(t));
    smd_out_ch(o, ',');
    if (!t->err && smd_time(t, buf, sizeof buf, utc, sizeof utc)) {
        smd_out_str(o, buf);
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
    if (t->err) {
        smd_out_str(o, sm_errname(t->err));
        for (size_t i = 0; i < r->ncols; i++)
            smd_out_ch(o, ',');
        smd_out_ch(o, '\n');
        return;
    }
    /* cells in column order */
    long *cell = r->cell;
    for (size_t i = 0; i < r->ncols; i++)
        cell[i] = -1;
    for (size_t k = 0; k < t->nreadings; k++)
        if (colof[k] >= 0)
            cell[colof[k]] = (long)k;
    for (size_t i = 0; i < r->ncols; i++) {
        smd_out_ch(o, ',');
        if (cell[i] < 0)
            continue;
        const sm_reading *rd = &t->readings[cell[i]];
        bool quoted;
        size_t n = smd_value_text(rd, r->value, sizeof r->value, &quoted);
        if (rd->kind == SM_RK_NUMBER || rd->kind == SM_RK_DATETIME)
            smd_out_mem(o, r->value, n); /* digits, '.', '-', ':', 'T', '+', 'e', hex */
        else
            smd_out_csv_field(o, r->value, n);
    }
    smd_out_ch(o, '\n');
}
