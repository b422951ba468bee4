/* smd_text.c - see smd_text.h. */
#include "smd_text.h"
#include "sm_hex.h"

#include <stdio.h>
#include <string.h>

static size_t hex_into(const uint8_t *p, size_t n, char *buf, size_t cap)
{
    size_t k = 0;
    for (size_t i = 0; i < n && k + 2 < cap; i++, k += 2)
        sm_hex_encode(p + i, 1, buf + k);
    if (cap)
        buf[k] = '\0';
    return k;
}

int smd_bytes_text(uint8_t type, const uint8_t *p, size_t n, uint32_t bits, char *buf,
                   size_t cap)
{
    sm_datetime dt;
    if (cap)
        buf[0] = '\0';
    switch (type) {
    case SM_DT_OCTET_STRING:
    case SM_DT_DATE_TIME:
        if (n == 12 && sm_datetime_parse(p, &dt) == SM_OK)
            return sm_datetime_iso_local(&dt, buf, cap);
        if (type == SM_DT_DATE_TIME)
            return -1;
        break;
    case SM_DT_DATE: return n == 5 ? sm_date_text(p, buf, cap) : -1;
    case SM_DT_TIME: return n == 4 ? sm_time_text(p, buf, cap) : -1;
    case SM_DT_BIT_STRING: {
        if (bits >= cap || bits > n * 8)
            return -1;
        for (uint32_t i = 0; i < bits; i++)
            buf[i] = (p[i / 8] >> (7 - i % 8)) & 1 ? '1' : '0';
        buf[bits] = '\0';
        return (int)bits;
    }
    case SM_DT_VISIBLE_STRING:
    case SM_DT_UTF8_STRING:
        break;
    default:
        return -1;
    }
    if (n >= cap || !sm_bytes_printable(p, n))
        return -1;
    memcpy(buf, p, n);
    buf[n] = '\0';
    return (int)n;
}

/* One element's value as text, as a reading's would be: numbers in
 * decimal (as sent: no scaler), floats in the shortest form that reads
 * back, strings and times readable, other bytes in hex, null-data and
 * dont-care by their names. */
static int item_text(const sm_axdr_item *it, char *buf, size_t cap)
{
    sm_reading r;
    memset(&r, 0, sizeof r);
    r.kind = SM_RK_NUMBER;
    switch (it->kind) {
    case SM_VK_INT: r.is_signed = true, r.raw_i = it->v.i; break;
    case SM_VK_UINT: r.raw_u = it->v.u; break;
    case SM_VK_FLOAT: r.is_float = true, r.raw_f = r.value = it->v.f; break;
    case SM_VK_BYTES: {
        int n = smd_bytes_text(it->type, it->bytes, it->len, it->count, buf, cap);
        return n >= 0 ? n : (int)hex_into(it->bytes, it->len, buf, cap);
    }
    default: {
        const char *name = sm_axdr_type_name(it->type);
        return snprintf(buf, cap, "%s", name ? name : "");
    }
    }
    return sm_reading_format_value(&r, buf, cap);
}

/* The value text v (n characters, room for cap) quoted in place when it
 * could be read as more than one value: it contains the separator's ';' or
 * a '"' (doubled inside the quotes).  Its new length; n when it needs no
 * quotes or they do not fit (then cut short and quoted as far as it goes). */
static size_t quote_value(char *v, size_t n, size_t cap)
{
    size_t quotes = 0;
    bool needed = false;
    for (size_t i = 0; i < n; i++) {
        quotes += v[i] == '"';
        needed |= v[i] == ';' || v[i] == '"';
    }
    if (!needed || cap < 3)
        return n;
    size_t total = n + quotes + 2;
    while (total + 1 > cap && n > 0) { /* cut the value, not the quoting */
        quotes -= v[--n] == '"';
        total = n + quotes + 2;
    }
    v[total] = '\0';
    v[total - 1] = '"';
    for (size_t i = n, o = total - 1; i-- > 0;) {
        v[--o] = v[i];
        if (v[i] == '"')
            v[--o] = '"';
    }
    v[0] = '"';
    return total;
}

/* A structure or array flattened, each value with its path of element
 * numbers: "0=2016-01-01T10:00:00; 1=1; 3.0=Power up"; a value with a ';'
 * or a '"' in it quoted ("0=\"a; b\""), so that no two structures read
 * the same.  0 when it does not read (then the caller shows the bytes). */
static size_t flatten(const uint8_t *p, size_t n, char *buf, size_t cap)
{
    sm_node nodes[SM_MAX_NODES];
    size_t nn;
    sm_cur c = sm_cur_make(p, n);
    if (cap < 2 || sm_axdr_tree(&c, nodes, sizeof nodes / sizeof nodes[0], &nn))
        return 0;
    unsigned path[SM_AXDR_MAX_DEPTH + 1] = {0};
    size_t k = 0;
    buf[0] = '\0';
    for (size_t i = 1; i < nn && k + 1 < cap; i++) {
        unsigned d = nodes[i].depth;
        /* a sibling (or back up from one): the next number; deeper: 0 */
        path[d] = i > 1 && nodes[i - 1].depth >= d ? path[d] + 1 : 0;
        if (nodes[i].item.type == SM_DT_STRUCTURE || nodes[i].item.type == SM_DT_ARRAY)
            continue;
        int w = k ? snprintf(buf + k, cap - k, "; ") : 0;
        for (unsigned l = 1; l <= d && w >= 0; l++)
            w += snprintf(buf + k + (size_t)w, cap - k - (size_t)w, l > 1 ? ".%u" : "%u",
                          path[l]);
        if (w < 0 || k + (size_t)w + 2 >= cap)
            break;
        k += (size_t)w;
        buf[k++] = '=';
        int v = item_text(&nodes[i].item, buf + k, cap - k);
        size_t vn = v < 0 ? 0 : k + (size_t)v < cap ? (size_t)v : cap - 1 - k;
        buf[k + vn] = '\0';
        k += quote_value(buf + k, vn, cap - k);
    }
    return k;
}

/* The texts of the last few date-times: a telegram gives its clock more
 * than once (its time, the clock's reading) and capture times repeat from
 * one telegram to the next.  Per thread, like everything a renderer keeps. */
#define DT_MEMO 4
typedef struct {
    sm_datetime dt;
    bool used;
    uint8_t local_len, utc_len;
    char local[64], utc[40];
} dt_memo;
static _Thread_local dt_memo memo[DT_MEMO];
static _Thread_local unsigned memo_next;

static bool same_dt(const sm_datetime *a, const sm_datetime *b)
{
    return a->year == b->year && a->month == b->month && a->day == b->day &&
           a->dow == b->dow && a->hour == b->hour && a->minute == b->minute &&
           a->second == b->second && a->hundredths == b->hundredths &&
           a->deviation == b->deviation && a->status == b->status;
}

static const dt_memo *dt_texts(const sm_datetime *dt)
{
    for (unsigned i = 0; i < DT_MEMO; i++)
        if (memo[i].used && same_dt(&memo[i].dt, dt))
            return &memo[i];
    dt_memo *m = &memo[memo_next];
    memo_next = (memo_next + 1) % DT_MEMO;
    m->dt = *dt;
    m->used = true;
    int n = sm_datetime_iso_local(dt, m->local, sizeof m->local);
    m->local_len = n > 0 ? (uint8_t)n : 0;
    m->local[m->local_len] = '\0';
    n = sm_datetime_iso_utc(dt, m->utc, sizeof m->utc);
    m->utc_len = n > 0 ? (uint8_t)n : 0;
    m->utc[m->utc_len] = '\0';
    return m;
}

/* snprintf's way: as much as fits, NUL-terminated; the length copied */
static size_t copy_text(char *out, size_t cap, const char *s, size_t n)
{
    if (cap == 0)
        return 0;
    if (n >= cap)
        n = cap - 1;
    memcpy(out, s, n);
    out[n] = '\0';
    return n;
}

size_t smd_value_text(const sm_reading *rd, char *buf, size_t cap, bool *quoted)
{
    *quoted = rd->kind != SM_RK_NUMBER && rd->kind != SM_RK_LIST;
    if (rd->kind == SM_RK_LIST) { /* a profile: its entries */
        int n = snprintf(buf, cap, "%u", rd->count);
        return n < 0 ? 0 : (size_t)n < cap ? (size_t)n : cap - 1;
    }
    if (rd->kind == SM_RK_NUMBER) {
        int n = sm_reading_format_value(rd, buf, cap);
        return n < 0 ? 0 : (size_t)n < cap ? (size_t)n : cap - 1;
    }
    if (rd->kind == SM_RK_DATETIME) {
        const dt_memo *m = dt_texts(&rd->dt);
        if (m->local_len > 0)
            return copy_text(buf, cap, m->local, m->local_len);
    } else if (rd->type == SM_DT_STRUCTURE || rd->type == SM_DT_ARRAY) {
        size_t n = flatten(rd->bytes, rd->len, buf, cap);
        if (n > 0)
            return n;
    } else {
        int n = smd_bytes_text(rd->type, rd->bytes, rd->len, rd->count, buf, cap);
        if (n >= 0)
            return (size_t)n;
    }
    return hex_into(rd->bytes, rd->len, buf, cap);
}

bool smd_dt_texts(const sm_datetime *dt, char *local, size_t lcap, char *utc, size_t ucap)
{
    const dt_memo *m = dt_texts(dt);
    copy_text(local, lcap, m->local, m->local_len);
    copy_text(utc, ucap, m->utc, m->utc_len);
    return m->local_len > 0 && lcap > 1;
}

bool smd_time(const sm_telegram *t, char *local, size_t lcap, char *utc, size_t ucap)
{
    sm_datetime dt;
    local[0] = utc[0] = '\0';
    return sm_telegram_time(t, &dt) && smd_dt_texts(&dt, local, lcap, utc, ucap);
}

void smd_title_manufacturer(const uint8_t title[8], char out[4])
{
    out[0] = '\0';
    for (int i = 0; i < 3; i++)
        if (title[i] < 'A' || title[i] > 'Z')
            return;
    memcpy(out, title, 3);
    out[3] = '\0';
}

const char *smd_unit(const sm_reading *rd)
{
    const char *u = sm_unit_symbol(rd->unit);
    return u ? u : "";
}

void smd_sc_text(uint8_t sc, char *buf, size_t cap)
{
    unsigned suite = sc & 0x0F;
    snprintf(buf, cap, "%s%s%s, suite %u (%s)",
             (sc & SM_SC_ENC) && (sc & SM_SC_AUTH) ? "authenticated encryption"
             : (sc & SM_SC_ENC)                    ? "encryption only"
             : (sc & SM_SC_AUTH)                   ? "authentication only"
                                                   : "no protection",
             sc & SM_SC_COMPRESSION ? ", compressed" : "",
             sc & SM_SC_BROADCAST ? ", broadcast key" : "", suite,
             suite <= 1 ? "AES-128-GCM" : suite == 2 ? "AES-256-GCM" : "unknown suite");
}

int smd_error_where(const sm_telegram *t, char *buf, size_t cap)
{
    switch (t->err_where) {
    case SM_WHERE_STREAM:
        if (t->err_frame)
            return snprintf(buf, cap, " in frame %u at offset %llu", t->err_frame,
                            (unsigned long long)t->err_offset);
        return snprintf(buf, cap, " at offset %llu", (unsigned long long)t->err_offset);
    case SM_WHERE_APDU:
        return snprintf(buf, cap, " at offset %llu of the apdu",
                        (unsigned long long)t->err_offset);
    case SM_WHERE_PLAINTEXT:
        return snprintf(buf, cap, " at offset %llu of the %s apdu",
                        (unsigned long long)t->err_offset,
                        t->ciphered ? "decrypted" : "reassembled");
    }
    return 0;
}
