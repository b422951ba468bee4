/* sm_sml.c - SML messages into readings.  See sm_sml.h. */
#include "sm_sml.h"

#include <string.h>

#include "sm_axdr.h"
#include "sm_crc.h"
#include "sm_decimal.h"

#define MAX_DEPTH SM_AXDR_MAX_DEPTH /* lists nested in an element */
#define TL_MAX 4                    /* TL bytes: lengths up to 0xFFFF */

/* The failure is at `at`: the cursor is left there. */
static sm_err wrong_at(sm_cur *c, const uint8_t *at, sm_err e)
{
    c->p = at;
    return e;
}

/* Every failure leaves the cursor at the field (it moves only on success).
 * Inline: a frame has a hundred of them. */
static inline sm_err read_tl(sm_cur *c, sm_sml_tl *t)
{
    const uint8_t *p = c->p, *end = c->end;
    if (p == end)
        return SM_ERR_SML_FORMAT;
    unsigned b = *p++, type = b >> 4 & 7, tl = 1;
    size_t len = b & 0x0F;
    if (b == 0x00) { /* the end of a message */
        t->type = SM_SML_END;
        t->tl = 1;
        t->len = 0;
        c->p = p;
        return SM_OK;
    }
    while (b & 0x80) { /* another TL byte: four more bits of length */
        if (tl == TL_MAX || p == end)
            return SM_ERR_SML_FORMAT;
        b = *p++;
        len = len << 4 | (b & 0x0F);
        tl++;
    }
    if (type >= 1 && type <= 3)
        return SM_ERR_SML_FORMAT; /* no such type */
    if (type != SM_SML_LIST) { /* the length counts the TL bytes */
        if (len < tl)
            return SM_ERR_SML_FORMAT;
        len -= tl;
    }
    /* each element of a list takes a byte at least */
    if (len > (size_t)(end - p))
        return SM_ERR_SML_FORMAT;
    t->type = (uint8_t)type;
    t->tl = (uint8_t)tl;
    t->len = len;
    c->p = p;
    return SM_OK;
}

sm_err sm_sml_read_tl(sm_cur *c, sm_sml_tl *t) { return read_tl(c, t); }

/* 01: an optional field left out (the commonest field of a message), taken */
static bool absent(sm_cur *c)
{
    if (c->p == c->end || *c->p != 0x01)
        return false;
    c->p++;
    return true;
}

static sm_err skip_nested(sm_cur *c, unsigned depth)
{
    if (absent(c))
        return SM_OK;
    const uint8_t *at = c->p;
    sm_sml_tl t;
    sm_err e = read_tl(c, &t);
    if (e)
        return e;
    if (t.type == SM_SML_END || depth > MAX_DEPTH)
        return wrong_at(c, at, SM_ERR_SML_FORMAT);
    if (t.type != SM_SML_LIST) {
        c->p += t.len;
        return SM_OK;
    }
    for (size_t i = 0; i < t.len; i++)
        if ((e = skip_nested(c, depth + 1)))
            return e;
    return SM_OK;
}

/* An element: most are an absent 01, taken here without the walk */
static inline sm_err skip(sm_cur *c) { return absent(c) ? SM_OK : skip_nested(c, 0); }

sm_err sm_sml_skip(sm_cur *c) { return skip(c); }

/* ---- the elements a message has ---------------------------------------- */

/* An element that must be a list of `count` (or of one of two counts). */
static sm_err list_of(sm_cur *c, size_t count, size_t or_count, size_t *got)
{
    const uint8_t *at = c->p;
    sm_sml_tl t;
    sm_err e = read_tl(c, &t);
    if (e)
        return e;
    if (t.type != SM_SML_LIST || (t.len != count && t.len != or_count))
        return wrong_at(c, at, SM_ERR_SML_FORMAT);
    if (got)
        *got = t.len;
    return SM_OK;
}

/* An integer of 1 to 8 bytes: signed ones sign-extended from their length. */
static inline sm_err integer_value(sm_cur *c, const sm_sml_tl *t, const uint8_t *at, uint64_t *u)
{
    if (t->len < 1 || t->len > 8)
        return wrong_at(c, at, SM_ERR_SML_FORMAT);
    uint64_t v = 0;
    for (size_t k = 0; k < t->len; k++)
        v = v << 8 | c->p[k];
    if (t->type == SM_SML_INT && t->len < 8 && (v >> (8 * t->len - 1) & 1))
        v |= ~(uint64_t)0 << (8 * t->len);
    c->p += t->len;
    *u = v;
    return SM_OK;
}

/* An optional number (unsigned or integer): *present false for 01. */
static inline sm_err optional_number(sm_cur *c, bool *present, uint64_t *u)
{
    *u = 0;
    *present = !absent(c);
    if (!*present)
        return SM_OK;
    const uint8_t *at = c->p;
    sm_sml_tl t;
    sm_err e = read_tl(c, &t);
    if (e)
        return e;
    *present = t.type != SM_SML_OCTETS || t.len != 0; /* 80 02: an empty string too */
    if (!*present)
        return SM_OK;
    if (t.type != SM_SML_INT && t.type != SM_SML_UINT)
        return wrong_at(c, at, SM_ERR_SML_FORMAT);
    return integer_value(c, &t, at, u);
}

/* An octet string (01: empty, or left out). */
static sm_err octets(sm_cur *c, const uint8_t **p, size_t *n)
{
    const uint8_t *at = c->p;
    sm_sml_tl t;
    sm_err e = read_tl(c, &t);
    if (e)
        return e;
    if (t.type != SM_SML_OCTETS)
        return wrong_at(c, at, SM_ERR_SML_FORMAT);
    *p = c->p;
    *n = t.len;
    c->p += t.len;
    return SM_OK;
}

/* SML_Time in every form meters send: a list of two (or three) whose
 * first element chooses: 1 secIndex, 2 timestamp (UTC), 3 localTimestamp
 * (a list of three: timestamp, local offset and season offset in
 * minutes); Holley's bare unsigned (a secIndex); 01 none. */
typedef enum { TIME_NONE, TIME_SEC_INDEX, TIME_UTC, TIME_LOCAL } time_kind;
typedef struct {
    time_kind kind;
    uint64_t value;
    int16_t offset; /* minutes east of UTC (localTimestamp) */
    bool season;    /* its season offset was not 0 */
} sml_time;

#define DAY_MIN (24 * 60)

static sm_err local_timestamp(sm_cur *c, sml_time *tm)
{
    uint64_t ts, local, season;
    bool a, b, d;
    sm_err e;
    if ((e = list_of(c, 3, 3, NULL)) || (e = optional_number(c, &a, &ts)) ||
        (e = optional_number(c, &b, &local)) || (e = optional_number(c, &d, &season)))
        return e;
    /* the offsets are minutes (Integer16): beyond a day either way they are
     * no offsets, and the time is no clock (the reading keeps its value) */
    int64_t lo = (int64_t)local, se = (int64_t)season;
    bool sane = lo >= -DAY_MIN && lo <= DAY_MIN && se >= -DAY_MIN && se <= DAY_MIN;
    tm->value = ts;
    tm->offset = sane ? (int16_t)(lo + se) : 0;
    tm->season = sane && se != 0;
    tm->kind = a && sane ? TIME_LOCAL : TIME_NONE;
    return SM_OK;
}

static sm_err read_time(sm_cur *c, sml_time *tm)
{
    const uint8_t *at = c->p;
    memset(tm, 0, sizeof *tm);
    if (absent(c))
        return SM_OK;
    sm_sml_tl t;
    sm_err e = read_tl(c, &t);
    if (e)
        return e;
    if (t.type == SM_SML_OCTETS && t.len == 0)
        return SM_OK;
    if (t.type == SM_SML_UINT) { /* Holley: the secIndex without its list */
        tm->kind = TIME_SEC_INDEX;
        return integer_value(c, &t, at, &tm->value);
    }
    if (t.type != SM_SML_LIST || (t.len != 2 && t.len != 3))
        return wrong_at(c, at, SM_ERR_SML_FORMAT);
    uint64_t choice;
    bool present;
    const uint8_t *choice_at = c->p;
    if ((e = optional_number(c, &present, &choice)))
        return e;
    if (choice == 3)
        e = local_timestamp(c, tm);
    else if (choice == 1 || choice == 2)
        e = optional_number(c, &present, &tm->value);
    else
        return wrong_at(c, choice_at, SM_ERR_SML_FORMAT);
    if (!e && (choice == 1 || choice == 2))
        tm->kind = !present ? TIME_NONE : choice == 1 ? TIME_SEC_INDEX : TIME_UTC;
    for (size_t k = 2; !e && k < t.len; k++)
        e = skip(c); /* a third element (FROETEC) */
    return e;
}

/* ---- readings -------------------------------------------------------------- */

typedef struct {
    sm_sml_info *info;
    sm_reading_set *out;
    uint8_t *scratch;
    size_t scratch_left;
} parser;

bool sm_sml_meter_number(const uint8_t *id, size_t len, char out[24])
{
    out[0] = '\0';
    if (len != 10 || id[1] > 9)
        return false;
    for (int k = 2; k < 5; k++)
        if (id[k] < 'A' || id[k] > 'Z')
            return false;
    uint32_t number = (uint32_t)id[6] << 24 | (uint32_t)id[7] << 16 | (uint32_t)id[8] << 8 | id[9];
    if (id[5] > 99 || number > 99999999u)
        return false;
    char *p = out;
    *p++ = (char)('0' + id[1]);
    memcpy(p, id + 2, 3);
    p += 3;
    *p++ = (char)('0' + id[5] / 10);
    *p++ = (char)('0' + id[5] % 10);
    for (int k = 7; k >= 0; k--, number /= 10)
        p[k] = (char)('0' + number % 10);
    p[8] = '\0';
    return true;
}

static bool is_server_id(const sm_obis *o)
{
    return o->a == 1 && o->b == 0 &&
           ((o->c == 0 && o->d == 0 && o->e == 9) || (o->c == 96 && o->d == 1 && o->e == 0));
}

uint8_t sm_sml_int_type(bool is_signed, size_t len)
{
    static const uint8_t s[] = {SM_DT_INT8, SM_DT_INT16, SM_DT_INT32, SM_DT_INT64};
    static const uint8_t u[] = {SM_DT_UINT8, SM_DT_UINT16, SM_DT_UINT32, SM_DT_UINT64};
    size_t k = len <= 1 ? 0 : len <= 2 ? 1 : len <= 4 ? 2 : 3;
    return is_signed ? s[k] : u[k];
}

/* A value that is a time, list(2){1, SML_Time} (EMH): a secIndex as the
 * counter it is, a timestamp as a date-time.  SM_ERR_SML_FORMAT when the
 * value is not one (the caller reads it otherwise). */
static sm_err time_value(sm_cur *c, sm_reading *r)
{
    uint64_t choice;
    bool present;
    sml_time tm;
    sm_err e;
    if ((e = list_of(c, 2, 2, NULL)) || (e = optional_number(c, &present, &choice)))
        return e;
    if (!present || choice != 1 || (e = read_time(c, &tm)) || tm.kind == TIME_NONE)
        return SM_ERR_SML_FORMAT;
    if (tm.kind == TIME_SEC_INDEX) {
        r->kind = SM_RK_NUMBER;
        r->type = SM_DT_UINT32;
        r->raw_u = tm.value;
        r->raw_i = (int64_t)tm.value;
        r->value = (double)tm.value;
        return SM_OK;
    }
    r->kind = SM_RK_DATETIME;
    r->type = SM_DT_DATE_TIME;
    sm_datetime_from_unix((int64_t)tm.value, tm.kind == TIME_LOCAL ? tm.offset : 0, &r->dt);
    return SM_OK;
}

/* The value of a valList entry into r. */
static sm_err entry_value(parser *ps, sm_cur *c, sm_reading *r)
{
    const uint8_t *at = c->p;
    sm_sml_tl t;
    sm_err e = read_tl(c, &t);
    if (e)
        return e;
    if (t.type == SM_SML_INT || t.type == SM_SML_UINT || t.type == SM_SML_BOOL) {
        uint64_t v;
        if (t.type == SM_SML_BOOL) {
            if (t.len != 1)
                return wrong_at(c, at, SM_ERR_SML_FORMAT);
            v = *c->p++ != 0;
        } else if ((e = integer_value(c, &t, at, &v))) {
            return e;
        }
        r->kind = SM_RK_NUMBER;
        r->is_signed = t.type == SM_SML_INT;
        r->type = t.type == SM_SML_BOOL ? SM_DT_BOOLEAN : sm_sml_int_type(r->is_signed, t.len);
        r->width = (uint8_t)t.len;
        r->raw_u = v;
        r->raw_i = (int64_t)v;
        r->value = sm_scale(r->is_signed ? (double)r->raw_i : (double)v, r->scaler);
        return SM_OK;
    }
    if (t.type == SM_SML_OCTETS) {
        r->kind = SM_RK_STRING;
        r->type = SM_DT_OCTET_STRING;
        r->bytes = c->p;
        r->len = t.len;
        c->p += t.len;
        char printed[24];
        if (is_server_id(&r->obis) && sm_sml_meter_number(r->bytes, r->len, printed) &&
            ps->scratch_left >= 14) {
            memcpy(ps->scratch, printed, 14);
            r->bytes = ps->scratch;
            r->len = 14;
            r->type = SM_DT_VISIBLE_STRING;
            ps->scratch += 14;
            ps->scratch_left -= 14;
        }
        return SM_OK;
    }
    c->p = at;
    if (time_value(c, r) == SM_OK)
        return SM_OK;
    c->p = at; /* another list (SML_List, a tupel): kept as its bytes */
    if ((e = skip(c)))
        return e;
    r->kind = SM_RK_OTHER;
    r->type = SM_DT_STRUCTURE;
    r->bytes = at;
    r->len = (size_t)(c->p - at);
    return SM_OK;
}

/* The capture time of a valTime that is a clock. */
static void capture_time(const sml_time *tm, sm_reading *r)
{
    if (tm->kind != TIME_UTC && tm->kind != TIME_LOCAL)
        return;
    int east = tm->kind == TIME_LOCAL ? tm->offset : 0;
    sm_datetime_from_unix((int64_t)tm->value, east, &r->capture);
    if (tm->kind == TIME_LOCAL && tm->season)
        r->capture.status = SM_DT_STATUS_DST;
    r->has_capture = true;
}

/* valListEntry: objName, status, valTime, unit, scaler, value, valueSignature */
static sm_err entry(parser *ps, sm_cur *c)
{
    sm_reading_set *out = ps->out;
    sm_err e;
    if ((e = list_of(c, 7, 7, NULL)))
        return e;
    if (out->n == out->cap)
        return SM_ERR_TOO_MANY_READINGS;
    sm_reading *r = &out->readings[out->n];
    memset(r, 0, sizeof *r);
    r->index = (uint16_t)out->n;
    r->node = r->obis_node = r->parent = SM_NO_NODE;
    const uint8_t *name;
    size_t name_len;
    uint64_t status, unit, scaler;
    bool has_unit, has_scaler;
    sml_time tm;
    if ((e = octets(c, &name, &name_len)) || (e = optional_number(c, &r->has_status, &status)) ||
        (e = read_time(c, &tm)) || (e = optional_number(c, &has_unit, &unit)) ||
        (e = optional_number(c, &has_scaler, &scaler)))
        return e;
    if (name_len == 6) {
        r->obis = sm_obis_from_bytes(name);
        r->obis_source = SM_OBIS_WIRE;
        r->info = sm_obis_lookup(&r->obis);
    }
    r->status = status;
    r->unit = has_unit ? (uint8_t)unit : 0;
    r->scaler = has_scaler ? (int8_t)scaler : 0;
    r->scaler_source = has_scaler ? SM_SCALER_WIRE : SM_SCALER_NONE;
    if ((e = entry_value(ps, c, r)) || (e = skip(c)))
        return e;
    capture_time(&tm, r);
    out->n++;
    return SM_OK;
}

/* GetListResponse: clientId, serverId, listName, actSensorTime, valList,
 * listSignature, actGatewayTime */
static sm_err get_list(parser *ps, sm_cur *c)
{
    sm_sml_info *info = ps->info;
    sml_time sensor;
    sm_err e;
    if ((e = list_of(c, 7, 7, NULL)) || (e = skip(c)) ||
        (e = octets(c, &info->server_id, &info->server_id_len)) || (e = skip(c)) ||
        (e = read_time(c, &sensor)))
        return e;
    info->has_sec_index = sensor.kind == TIME_SEC_INDEX;
    info->sec_index = (uint32_t)sensor.value;
    const uint8_t *at = c->p;
    sm_sml_tl list;
    if ((e = read_tl(c, &list)))
        return e;
    if (list.type != SM_SML_LIST)
        return wrong_at(c, at, SM_ERR_SML_FORMAT);
    for (size_t i = 0; i < list.len; i++)
        if ((e = entry(ps, c)))
            return e;
    if ((e = skip(c)) || (e = skip(c)))
        return e;
    return SM_OK;
}

/* A message's CRC as its crc16 field holds it: the frame's kind (X.25 sent
 * low byte first, read as a number: its bytes swapped; KERMIT as is) */
static uint64_t message_crc(const uint8_t *p, size_t n, bool kermit)
{
    if (kermit)
        return sm_crc16_kermit(p, n);
    uint16_t x = sm_crc16_x25(p, n);
    return (uint16_t)(x >> 8 | x << 8);
}

/* One message: transactionId, groupNo, abortOnError, messageBody, crc16,
 * endOfSmlMsg; its CRC over it from its first byte to the crc16 field. */
static sm_err message(parser *ps, sm_cur *c, bool kermit, bool check)
{
    const uint8_t *start = c->p;
    sm_err e;
    uint64_t tag;
    bool present;
    if ((e = list_of(c, 6, 6, NULL)) || (e = skip(c)) || (e = skip(c)) ||
        (e = skip(c)) || (e = list_of(c, 2, 2, NULL)) ||
        (e = optional_number(c, &present, &tag)))
        return e;
    sm_sml_info *info = ps->info;
    if (info->messages < SM_SML_MAX_MESSAGES)
        info->tags[info->messages] = (uint16_t)tag;
    info->messages++;
    if (tag == SM_SML_GET_LIST_RESPONSE) {
        info->has_list = true;
        e = get_list(ps, c);
    } else {
        e = skip(c);
    }
    if (e)
        return e;
    const uint8_t *crc_at = c->p;
    uint64_t crc;
    if ((e = optional_number(c, &present, &crc)))
        return e;
    if (check && (!present || crc != message_crc(start, (size_t)(crc_at - start), kermit)))
        return wrong_at(c, crc_at, SM_ERR_SML_MSG_CRC);
    const uint8_t *end_at = c->p;
    sm_sml_tl t;
    if ((e = read_tl(c, &t)))
        return e;
    return t.type == SM_SML_END ? SM_OK : wrong_at(c, end_at, SM_ERR_SML_FORMAT);
}

/* Energy registers (C 1 or 2, D 8), and no power (D 7 of C 1, 2, 15, 16,
 * 21, 36, 41, 56, 61, 76): the reduced data set. */
static bool reduced_set(const sm_reading_set *out)
{
    bool energy = false;
    for (size_t i = 0; i < out->n; i++) {
        const sm_obis *o = &out->readings[i].obis;
        if (out->readings[i].obis_source == SM_OBIS_NONE || o->a != 1)
            continue;
        if (o->d == 8 && (o->c == 1 || o->c == 2))
            energy = true;
        if (o->d == 7 && (o->c == 1 || o->c == 2 || o->c == 15 || o->c == 16 || o->c == 21 ||
                          o->c == 36 || o->c == 41 || o->c == 56 || o->c == 61 || o->c == 76))
            return false;
    }
    return energy;
}

sm_err sm_sml_parse(sm_cur *c, bool kermit, bool check_crc, sm_sml_info *info,
                    sm_reading_set *out, uint8_t *scratch, size_t scratch_cap)
{
    memset(info, 0, sizeof *info);
    info->kermit = kermit;
    info->crc_checked = check_crc;
    out->n = 0;
    out->layout = "sml";
    out->implied_disagree = false;
    parser ps = {info, out, scratch, scratch_cap};
    if (sm_cur_left(c) == 0)
        return SM_ERR_SML_FORMAT;
    while (sm_cur_left(c)) {
        sm_err e = message(&ps, c, kermit, check_crc);
        if (e)
            return e;
    }
    sm_sml_meter_number(info->server_id, info->server_id_len, info->meter_number);
    info->reduced = info->has_list && reduced_set(out);
    return SM_OK;
}
