/* render_json.c - JSON Lines: one object per telegram.
 *   {"telegram":1,"stream_offset":0,"link":"mbus","frames":2,
 *    "system_title":"4B464D1020003774","manufacturer":"KFM","serial":"1020003774",
 *    "security_control":33,"frame_counter":7014,"authenticated":false,
 *    "invoke_id":7246,"time":"2023-08-21T23:23:00+02:00","time_utc":"2023-08-21T21:23:00Z",
 *    "layout":"obis-keyed","meter_id":"1KFM0200014196",
 *    "readings":[{"obis":"1-0:32.7.0*255","name":"Voltage L1","raw":2284,
 *                 "scaler":-1,"unit":"V","value":228.4}, ...]}
 * A failed telegram: {"telegram":3,"error":"mbus_checksum","message":...,
 * "layer":"link","frame":2,"offset":251,"offset_in":"stream", ...what is known}.
 * Strings go through smd_out_json_str, so any byte the meter sends gives
 * valid JSON. */
#include "smd_format.h"

#include <string.h>

#define KEY(o, k) smd_out_mem((o), "," k ":", sizeof(k) + 1)

/* The fixed text of a reading with an OBIS code, direct-mapped by the
 * reading's position and checked by its code (a meter sends the same
 * objects in every telegram: the cache saves a quarter of the instructions
 * per telegram); mid is used for numbers only:
 *   head  {"obis":"1-0:32.7.0*255","name":"Voltage L1","raw":
 *   mid   ,"scaler":-1,"unit":"V","value":                       */
typedef struct {
    uint64_t key;       /* obis + 1, 0 when empty */
    uint32_t form;      /* scaler, its presence and the unit */
    const void *info;
    uint8_t head_len, mid_len;
    char text[162];     /* the entry in three cache lines */
} cache_entry;

/* Cached text, n bytes from text + off: a copy of a fixed size when it
 * fits (which the compiler makes a few moves, no call of memcpy). */
#define FIXED_HEAD 96
#define FIXED_MID 48
static inline void cached(smd_out *o, const cache_entry *c, size_t off, size_t n, size_t fixed)
{
    if (n <= fixed && off + fixed <= sizeof c->text && o->len + fixed <= SMD_OUT_CAP) {
        if (fixed == FIXED_HEAD)
            memcpy(o->buf + o->len, c->text + off, FIXED_HEAD);
        else
            memcpy(o->buf + o->len, c->text + off, FIXED_MID);
        o->len += n;
    } else {
        smd_out_mem(o, c->text + off, n);
    }
}

typedef struct {
    cache_entry cache[128];
    char value[SMD_VALUE_MAX]; /* a value's text */
} json_state;

/* our own static strings (names, units, identifiers): nothing to escape */
static void lit(smd_out *o, const char *s)
{
    smd_out_ch(o, '"');
    smd_out_str(o, s);
    smd_out_ch(o, '"');
}

static void hexstr(smd_out *o, const uint8_t *p, size_t n)
{
    smd_out_ch(o, '"');
    smd_out_hex(o, p, n, 0);
    smd_out_ch(o, '"');
}

static void link_info(smd_out *o, const sm_telegram *t, bool layers)
{
    if (!t->link)
        return;
    KEY(o, "\"stream_offset\"");
    smd_out_u64(o, t->link->offset);
    KEY(o, "\"link\"");
    lit(o, sm_link_name(t->link->link));
    KEY(o, "\"frames\"");
    smd_out_u64(o, t->link->frame_count);
    unsigned ignored = 0;
    for (unsigned i = 0; i < t->link->nframes; i++)
        ignored += t->link->frames[i].checksum_ignored;
    if (ignored) {
        KEY(o, "\"checksum_ignored\"");
        smd_out_u64(o, ignored);
    }
    if (!layers)
        return;
    KEY(o, "\"frame_list\"");
    smd_out_ch(o, '[');
    for (unsigned i = 0; i < t->link->nframes; i++) {
        const sm_frame *f = &t->link->frames[i];
        if (i)
            smd_out_ch(o, ',');
        smd_out_str(o, "{\"offset\":");
        smd_out_u64(o, f->offset);
        KEY(o, "\"length\"");
        smd_out_u64(o, f->length);
        KEY(o, "\"payload\"");
        smd_out_u64(o, f->payload);
        if (f->link == SM_LINK_TIC && f->u.tic.parity) {
            KEY(o, "\"parity_errors\"");
            smd_out_u64(o, f->u.tic.parity_errors);
        }
        if (f->link == SM_LINK_SML) {
            KEY(o, "\"crc\"");
            smd_out_ch(o, '"');
            smd_out_hexnum(o, f->u.sml.crc, 4);
            smd_out_ch(o, '"');
            KEY(o, "\"padding\"");
            smd_out_u64(o, f->u.sml.padding);
            KEY(o, "\"escapes\"");
            smd_out_u64(o, f->u.sml.escapes);
        }
        smd_out_ch(o, '}');
    }
    smd_out_ch(o, ']');
}

static void security_info(smd_out *o, const sm_telegram *t)
{
    if (!t->ciphered)
        return;
    char m[4];
    KEY(o, "\"system_title\"");
    hexstr(o, t->sec.system_title, 8);
    smd_title_manufacturer(t->sec.system_title, m);
    if (m[0]) {
        KEY(o, "\"manufacturer\"");
        lit(o, m); /* three capital letters */
        KEY(o, "\"serial\"");
        hexstr(o, t->sec.system_title + 3, 5);
    }
    KEY(o, "\"security_control\"");
    smd_out_u64(o, t->sec.sc);
    KEY(o, "\"frame_counter\"");
    smd_out_u64(o, t->sec.fc);
    KEY(o, "\"authenticated\"");
    smd_out_str(o, t->authenticated ? "true" : "false");
}

/* The "obis", "name" and "scaler" and "unit" members of a reading, with
 * their keys: what the same object renders to in every telegram. */
static void head(smd_out *o, const sm_reading *rd)
{
    char text[24];
    smd_out_str(o, "{\"obis\":");
    if (rd->obis_source != SM_OBIS_NONE) {
        int n = sm_obis_format(&rd->obis, text, sizeof text);
        smd_out_ch(o, '"');
        smd_out_mem(o, text, (size_t)n);
        smd_out_ch(o, '"');
    } else {
        smd_out_str(o, "null,\"index\":");
        smd_out_u64(o, rd->index);
    }
    KEY(o, "\"name\"");
    char buf[96];
    const char *name = sm_reading_name(rd, buf, sizeof buf);
    if (name)
        lit(o, name);
    else
        smd_out_str(o, "null");
    if (rd->label) { /* TIC: the group's label */
        KEY(o, "\"label\"");
        smd_out_json_str(o, rd->label, rd->label_len);
    }
    KEY(o, "\"raw\"");
}

static void mid(smd_out *o, const sm_reading *rd)
{
    KEY(o, "\"scaler\"");
    if (rd->scaler_source != SM_SCALER_NONE)
        smd_out_i64(o, rd->scaler);
    else
        smd_out_str(o, "null");
    KEY(o, "\"unit\"");
    const char *u = smd_unit(rd);
    if (u[0])
        lit(o, u);
    else
        smd_out_str(o, "null");
    KEY(o, "\"value\"");
}

/* The entry for a reading's code, emptied when it held another one. */
static cache_entry *cache_slot(json_state *s, const sm_reading *rd)
{
    uint64_t key = smd_obis_key(&rd->obis) + 1;
    uint32_t form = (uint32_t)(rd->scaler_source != SM_SCALER_NONE) << 16 |
                    (uint32_t)(uint8_t)rd->scaler << 8 | rd->unit;
    /* by the reading's position: a meter sends its objects in the same
     * order every time, so no two of a telegram meet in one entry */
    unsigned slot = rd->index & 127u;
    cache_entry *c = &s->cache[slot];
    if (c->key != key || c->form != form || c->info != (const void *)rd->info) {
        c->key = key;
        c->form = form;
        c->info = rd->info;
        c->head_len = c->mid_len = 0;
    }
    return c;
}

/* Keep what head() (is_mid false) or mid() just wrote from pos on in the
 * entry, when it is still buffered and fits. */
static void keep(cache_entry *c, const smd_out *o, uint64_t pos, bool is_mid)
{
    size_t n;
    const char *p = smd_out_since(o, pos, &n);
    if (!p || n == 0 || n > 255 || (is_mid && c->head_len == 0) ||
        (is_mid ? c->head_len : 0) + n > sizeof c->text)
        return;
    memcpy(c->text + (is_mid ? c->head_len : 0), p, n);
    if (is_mid)
        c->mid_len = (uint8_t)n;
    else
        c->head_len = (uint8_t)n;
}

/* Integers beyond what a double holds exactly (|v| > 2^53) are written as
 * strings with the exact decimal: common JSON parsers would round them. */
#define JSON_EXACT_MAX 9007199254740992ull

static bool big_digits(const char *d, int nd)
{
    static const char limit[] = "9007199254740992";
    return nd > 16 || (nd == 16 && memcmp(d, limit, 16) > 0);
}

/* A number's text as a JSON value: quoted when it is too big to be exact. */
static void number(smd_out *o, const char *text, size_t n, bool big)
{
    if (big)
        smd_out_ch(o, '"');
    smd_out_mem(o, text, n);
    if (big)
        smd_out_ch(o, '"');
}

static void int_value(smd_out *o, bool neg, uint64_t mag)
{
    char d[20];
    int nd = sm_u64_digits(mag, d);
    bool big = mag > JSON_EXACT_MAX;
    if (big)
        smd_out_ch(o, '"');
    if (neg)
        smd_out_ch(o, '-');
    smd_out_mem(o, d, (size_t)nd);
    if (big)
        smd_out_ch(o, '"');
}

static const char *nonfinite(double v)
{
    return v != v ? "NaN" : v > 0 ? "Infinity" : "-Infinity";
}

static void float_text(smd_out *o, double v)
{
    sm_reading tmp = {.kind = SM_RK_NUMBER, .is_float = true, .value = v};
    char buf[40];
    int n = sm_reading_format_value(&tmp, buf, sizeof buf);
    smd_out_mem(o, buf, n > 0 ? (size_t)n : 0);
}

/* The value of a byte-valued element: its text (smd_bytes_text), a string
 * that is not printable as hex, null for the rest (its bytes are in "raw"). */
static void bytes_value(smd_out *o, json_state *s, uint8_t type, const uint8_t *p, size_t n,
                        uint32_t bits)
{
    int k = smd_bytes_text(type, p, n, bits, s->value, sizeof s->value);
    if (k >= 0)
        smd_out_json_str(o, (const uint8_t *)s->value, (size_t)k);
    else if (type == SM_DT_OCTET_STRING || type == SM_DT_VISIBLE_STRING ||
             type == SM_DT_UTF8_STRING)
        hexstr(o, p, n);
    else
        smd_out_str(o, "null");
}

static bool is_datetime(const uint8_t *p, size_t n)
{
    sm_datetime dt;
    return n == 12 && sm_datetime_parse(p, &dt) == SM_OK;
}

static size_t element(smd_out *o, json_state *s, const sm_node *nodes, size_t i);

/* The members after "type" of an A-XDR element: its raw bytes where the
 * value is not the wire form itself, and its value (containers: their
 * elements, each typed). */
static size_t element_members(smd_out *o, json_state *s, const sm_node *nodes, size_t i,
                              bool raw)
{
    const sm_axdr_item *it = &nodes[i].item;
    switch (it->kind) {
    case SM_VK_INT:
        smd_out_str(o, ",\"value\":");
        int_value(o, it->v.i < 0, it->v.i < 0 ? (uint64_t)0 - (uint64_t)it->v.i
                                             : (uint64_t)it->v.i);
        break;
    case SM_VK_UINT:
        smd_out_str(o, ",\"value\":");
        int_value(o, false, it->v.u);
        break;
    case SM_VK_FLOAT:
        if (it->v.f - it->v.f != 0) { /* NaN or infinite: its bytes, and what it is */
            if (raw) {
                smd_out_str(o, ",\"raw\":");
                hexstr(o, it->bytes, it->len);
            }
            smd_out_str(o, ",\"value\":null,\"nonfinite\":");
            lit(o, nonfinite(it->v.f));
        } else {
            smd_out_str(o, ",\"value\":");
            float_text(o, it->v.f);
        }
        break;
    case SM_VK_BYTES:
        if (raw) {
            smd_out_str(o, ",\"raw\":");
            hexstr(o, it->bytes, it->len);
        }
        if (it->type == SM_DT_BIT_STRING) {
            smd_out_str(o, ",\"bits\":");
            smd_out_u64(o, it->count);
        }
        smd_out_str(o, ",\"value\":");
        bytes_value(o, s, it->type, it->bytes, it->len, it->count);
        if (it->type == SM_DT_BCD)
            smd_out_str(o, ",\"invalid\":\"bcd digit above 9\"");
        else if (it->type == SM_DT_DATE_TIME && !is_datetime(it->bytes, it->len))
            smd_out_str(o, ",\"invalid\":\"not a date-time\"");
        break;
    default:
        if (it->type == SM_DT_STRUCTURE || it->type == SM_DT_ARRAY) {
            smd_out_str(o, ",\"value\":[");
            size_t j = i + 1;
            for (uint32_t k = 0; k < it->count; k++) {
                if (k)
                    smd_out_ch(o, ',');
                j = element(o, s, nodes, j);
            }
            smd_out_ch(o, ']');
            return j;
        }
        smd_out_str(o, ",\"value\":null");
        break;
    }
    return i + nodes[i].subtree;
}

/* {"type":"long-unsigned","value":5}; returns the index after its subtree */
static size_t element(smd_out *o, json_state *s, const sm_node *nodes, size_t i)
{
    const char *name = sm_axdr_type_name(nodes[i].item.type);
    smd_out_str(o, "{\"type\":");
    lit(o, name ? name : "unknown");
    size_t next = element_members(o, s, nodes, i, true);
    smd_out_ch(o, '}');
    return next;
}

/* A number's "raw", its cached (or new) middle and its "value". */
static void number_members(smd_out *o, json_state *s, cache_entry *c, const sm_telegram *t,
                           const sm_reading *rd)
{
    char *buf = s->value;
    if (rd->is_float && rd->value - rd->value != 0) {
        /* NaN or infinite: its bytes, and what it is */
        const sm_axdr_item *it = rd->node < t->nnodes ? &t->nodes[rd->node].item : NULL;
        if (it)
            hexstr(o, it->bytes, it->len);
        else
            smd_out_str(o, "null");
        mid(o, rd);
        smd_out_str(o, "null,\"nonfinite\":");
        lit(o, nonfinite(rd->raw_f));
        return;
    }
    size_t vn;
    bool big = false;
    if (!rd->is_float) {
        /* the raw integer's digits, once for "raw" and once scaled */
        bool neg;
        char d[20];
        int nd = sm_reading_digits(rd, d, &neg);
        big = big_digits(d, nd);
        if (big)
            smd_out_ch(o, '"');
        if (neg)
            smd_out_ch(o, '-');
        smd_out_mem(o, d, (size_t)nd);
        if (big)
            smd_out_ch(o, '"');
        vn = sm_decimal_text(neg, d, nd, rd->scaler, buf);
    } else {
        float_text(o, rd->raw_f);
        int n = sm_reading_format_value(rd, buf, SMD_VALUE_MAX);
        vn = n > 0 ? (size_t)n : 0;
    }
    if (c && c->mid_len) {
        cached(o, c, c->head_len, c->mid_len, FIXED_MID);
    } else {
        uint64_t pos = smd_out_pos(o);
        mid(o, rd);
        if (c)
            keep(c, o, pos, true);
    }
    number(o, buf, vn, big);
}

static void reading(smd_ctx *cx, json_state *s, const sm_telegram *t, const sm_reading *rd);

/* "time" and "time_utc" of a date-time */
static void time_members(smd_out *o, const char *key, const char *key_utc,
                         const sm_datetime *dt)
{
    char local[64], utc[40];
    if (!smd_dt_texts(dt, local, sizeof local, utc, sizeof utc))
        return;
    smd_out_str(o, key);
    lit(o, local);
    smd_out_str(o, key_utc);
    if (utc[0])
        lit(o, utc);
    else
        smd_out_str(o, "null");
}

/* A P1 profile's entries: [{"time":...,"values":[readings]}, ...] */
static void entries(smd_ctx *cx, json_state *s, const sm_telegram *t, const sm_reading *list)
{
    smd_out *o = cx->out;
    smd_out_str(o, ",\"count\":");
    smd_out_u64(o, list->count);
    smd_out_str(o, ",\"entries\":[");
    size_t i = list->index + 1u;
    for (uint32_t row = 0; row < list->count; row++) {
        if (row)
            smd_out_ch(o, ',');
        smd_out_ch(o, '{');
        bool first = true;
        if (i < t->nreadings && t->readings[i].has_capture) {
            time_members(o, "\"time\":", ",\"time_utc\":", &t->readings[i].capture);
            first = false;
        }
        smd_out_str(o, first ? "\"values\":[" : ",\"values\":[");
        for (bool sep = false; i < t->nreadings && t->readings[i].parent == list->index &&
                               t->readings[i].row == row;
             i++, sep = true) {
            if (sep)
                smd_out_ch(o, ',');
            reading(cx, s, t, &t->readings[i]);
        }
        smd_out_str(o, "]}");
    }
    smd_out_ch(o, ']');
}

/* The members only P1 readings have: the value as sent, its own time. */
static void p1_members(smd_out *o, const sm_reading *rd)
{
    if (rd->kind == SM_RK_NUMBER) {
        KEY(o, "\"text\"");
        smd_out_json_str(o, rd->text, rd->text_len);
    }
    if (rd->has_capture && rd->parent == SM_NO_NODE)
        time_members(o, ",\"time\":", ",\"time_utc\":", &rd->capture);
}

static void reading(smd_ctx *cx, json_state *s, const sm_telegram *t, const sm_reading *rd)
{
    smd_out *o = cx->out;
    cache_entry *c = rd->obis_source != SM_OBIS_NONE ? cache_slot(s, rd) : NULL;
    uint64_t pos = smd_out_pos(o);
    if (c && c->head_len) {
        cached(o, c, 0, c->head_len, FIXED_HEAD);
    } else {
        head(o, rd);
        if (c)
            keep(c, o, pos, false);
    }
    if (rd->kind == SM_RK_NUMBER) {
        number_members(o, s, c, t, rd);
    } else if (rd->kind == SM_RK_LIST) {
        smd_out_str(o, "null,\"scaler\":null,\"unit\":null,\"value\":null");
        entries(cx, s, t, rd);
    } else if (rd->text) {
        /* P1 text and times: as sent, and their meaning */
        smd_out_json_str(o, rd->text, rd->text_len);
        smd_out_str(o, ",\"scaler\":null,\"unit\":null,\"value\":");
        bool q;
        size_t n = smd_value_text(rd, s->value, sizeof s->value, &q);
        smd_out_json_str(o, (const uint8_t *)s->value, n);
    } else if (rd->kind == SM_RK_OTHER && rd->node < t->nnodes) {
        /* decoded from its A-XDR element: typed, containers nested */
        const sm_axdr_item *it = &t->nodes[rd->node].item;
        if (it->kind == SM_VK_NONE && it->type != SM_DT_STRUCTURE && it->type != SM_DT_ARRAY)
            smd_out_str(o, "null"); /* null-data, dont-care */
        else
            hexstr(o, rd->bytes, rd->len);
        smd_out_str(o, ",\"scaler\":null,\"unit\":null,\"type\":");
        lit(o, sm_axdr_type_name(it->type));
        element_members(o, s, t->nodes, rd->node, false);
    } else {
        /* strings and date-times */
        hexstr(o, rd->bytes, rd->len);
        smd_out_str(o, ",\"scaler\":null,\"unit\":null,\"value\":");
        bytes_value(o, s, rd->type, rd->bytes, rd->len, rd->count);
    }
    if (rd->text)
        p1_members(o, rd);
    if (rd->has_status) { /* SML: the entry's status word */
        KEY(o, "\"status\"");
        smd_out_u64(o, rd->status);
    }
    if (rd->amended) { /* a meter quirk changed it (the telegram's "quirk") */
        KEY(o, "\"amended\"");
        smd_out_str(o, "true");
    }
    smd_out_ch(o, '}');
}

static void error_info(smd_out *o, const sm_telegram *t)
{
    KEY(o, "\"error\"");
    lit(o, sm_errname(t->err));
    KEY(o, "\"message\"");
    lit(o, sm_strerror(t->err));
    KEY(o, "\"layer\"");
    lit(o, sm_layername(sm_errlayer(t->err)));
    if (t->err_frame) {
        KEY(o, "\"frame\"");
        smd_out_u64(o, t->err_frame);
    }
    KEY(o, "\"offset\"");
    smd_out_u64(o, t->err_offset);
    KEY(o, "\"offset_in\"");
    lit(o, sm_where_name(t->err_where));
    if (t->key_diag) {
        KEY(o, "\"keys\"");
        lit(o, sm_key_diag_name(t->key_diag));
        KEY(o, "\"keys_message\"");
        lit(o, sm_key_diag_text(t->key_diag));
    }
}

/* a P1 telegram's identification, CRC, line and notes */
static void p1_info(smd_out *o, const sm_p1_info *p)
{
    KEY(o, "\"p1_ident\"");
    smd_out_json_str(o, p->ident, p->ident_len);
    KEY(o, "\"p1_crc\"");
    lit(o, sm_p1_crc_name(p->frame.crc_status));
    if (p->frame.crc_status != SM_P1_CRC_NONE) {
        KEY(o, "\"p1_crc_value\"");
        smd_out_ch(o, '"');
        smd_out_hexnum(o, p->frame.crc, sm_p1_crc_digits(&p->frame));
        smd_out_ch(o, '"');
    }
    if (p->frame.parity)
        smd_out_str(o, ",\"p1_parity\":\"7E1 read as 8 data bits\"");
    if (!p->nnotes)
        return;
    smd_out_str(o, ",\"notes\":[");
    for (unsigned i = 0; i < p->nnotes && i < SM_P1_MAX_NOTES; i++) {
        smd_out_str(o, i ? ",{\"line\":" : "{\"line\":");
        smd_out_u64(o, p->notes[i].line);
        KEY(o, "\"offset\"");
        smd_out_u64(o, p->notes[i].offset);
        KEY(o, "\"note\"");
        lit(o, sm_p1_note_text((sm_p1_note_kind)p->notes[i].kind));
        smd_out_ch(o, '}');
    }
    smd_out_ch(o, ']');
    if (p->nnotes > SM_P1_MAX_NOTES) {
        KEY(o, "\"notes_total\"");
        smd_out_u64(o, p->nnotes);
    }
}

/* an SML frame's messages: their CRC kind, the server id, the meter quirk */
static void sml_info(smd_out *o, const sm_telegram *t)
{
    const sm_sml_info *m = &t->sml;
    if (t->quirk) {
        KEY(o, "\"quirk\"");
        lit(o, t->quirk->name);
        KEY(o, "\"quirk_changed\"");
        smd_out_u64(o, t->quirk_changed);
    }
    KEY(o, "\"sml_crc\"");
    lit(o, m->kermit ? "kermit" : "x25");
    KEY(o, "\"sml_messages\"");
    smd_out_u64(o, m->messages);
    if (m->server_id_len) {
        KEY(o, "\"server_id\"");
        hexstr(o, m->server_id, m->server_id_len);
    }
    if (m->reduced) {
        KEY(o, "\"sml_reduced\"");
        lit(o, SM_SML_REDUCED_HINT);
    }
}

/* every group of a TIC frame as read (--layers) */
static void tic_groups(smd_out *o, const sm_tic_info *ti, const uint8_t *text)
{
    KEY(o, "\"tic_group_list\"");
    smd_out_ch(o, '[');
    size_t kept = ti->ngroups < SM_TIC_MAX_GROUPS ? ti->ngroups : SM_TIC_MAX_GROUPS;
    for (size_t i = 0; i < kept; i++) {
        const sm_tic_group *g = &ti->groups[i];
        if (i)
            smd_out_ch(o, ',');
        smd_out_str(o, "{\"offset\":");
        smd_out_u64(o, g->off);
        KEY(o, "\"group\"");
        smd_out_json_str(o, text + g->off, g->len);
        if (g->label_len) {
            KEY(o, "\"label\"");
            smd_out_json_str(o, text + g->off, g->label_len);
        }
        if (g->horodate_len) {
            KEY(o, "\"horodate\"");
            smd_out_json_str(o, text + g->horodate_off, g->horodate_len);
        }
        if (g->checksum) {
            KEY(o, "\"checksum\"");
            smd_out_json_str(o, &g->checksum, 1);
            KEY(o, "\"computed\"");
            smd_out_json_str(o, &g->computed, 1);
        }
        KEY(o, "\"verdict\"");
        lit(o, sm_tic_verdict_name((sm_tic_verdict)g->verdict));
        smd_out_ch(o, '}');
    }
    smd_out_ch(o, ']');
}

/* a TIC frame's mode, its groups' outcome, STGE's fields; with layers,
 * every group as read */
static void tic_info(smd_out *o, const sm_tic_info *ti, bool layers, const uint8_t *text)
{
    KEY(o, "\"tic_mode\"");
    lit(o, sm_tic_mode_name((sm_tic_mode)ti->mode));
    if (ti->checksum_mode2)
        smd_out_str(o, ",\"tic_checksum\":\"mode 2 (the SP before it summed)\"");
    KEY(o, "\"tic_groups\"");
    smd_out_u64(o, ti->ngroups);
    KEY(o, "\"tic_groups_ok\"");
    smd_out_u64(o, ti->ok);
    KEY(o, "\"tic_groups_failed\"");
    smd_out_ch(o, '{');
    for (int v = 1, k = 0; v < SM_TIC_VERDICTS; v++) {
        if (!ti->failed[v])
            continue;
        if (k++)
            smd_out_ch(o, ',');
        lit(o, sm_tic_verdict_name((sm_tic_verdict)v));
        smd_out_ch(o, ':');
        smd_out_u64(o, ti->failed[v]);
    }
    smd_out_ch(o, '}');
    if (ti->has_stge) {
        size_t nf;
        const sm_tic_stge_field *f = sm_tic_stge_fields(&nf);
        KEY(o, "\"stge\"");
        smd_out_str(o, "{\"value\":\"");
        smd_out_hexnum(o, ti->stge, 8);
        smd_out_ch(o, '"');
        for (size_t i = 0; i < nf; i++) {
            unsigned v = sm_tic_stge_get(ti->stge, &f[i]);
            const char *name = sm_tic_stge_value_name(&f[i], v);
            smd_out_str(o, ",\"");
            smd_out_str(o, f[i].name);
            smd_out_str(o, "\":");
            if (name)
                lit(o, name);
            else
                smd_out_u64(o, v + f[i].add);
        }
        smd_out_ch(o, '}');
    }
    if (ti->has_relais) { /* relay n+1 closed when bit n is set */
        KEY(o, "\"relays\"");
        smd_out_ch(o, '[');
        for (unsigned i = 0; i < 8; i++) {
            if (i)
                smd_out_ch(o, ',');
            lit(o, ti->relais >> i & 1 ? "closed" : "open");
        }
        smd_out_ch(o, ']');
    }
    if (layers)
        tic_groups(o, ti, text);
}

/* what a decoded telegram says about itself: invoke-id, time, layout, meter */
static void content_info(smd_out *o, json_state *s, const sm_telegram *t, bool layers)
{
    char local[64], utc[40];
    if (t->is_notification) {
        KEY(o, "\"invoke_id\"");
        smd_out_u64(o, t->notification.invoke_id);
        if (t->notification.datetime_raw && !t->notification.has_datetime) {
            /* twelve octets that are no date-time (2024-02-30), or another length */
            KEY(o, "\"datetime_invalid\"");
            hexstr(o, t->notification.datetime_raw, t->notification.datetime_len);
        }
    }
    if (smd_time(t, local, sizeof local, utc, sizeof utc)) {
        KEY(o, "\"time\"");
        lit(o, local);
        KEY(o, "\"time_utc\"");
        if (utc[0])
            lit(o, utc);
        else
            smd_out_str(o, "null");
    }
    if (t->is_p1)
        p1_info(o, &t->p1);
    if (t->is_sml)
        sml_info(o, t);
    if (t->is_tic)
        tic_info(o, t->tic, layers, t->apdu);
    if (t->layout) {
        KEY(o, "\"layout\"");
        lit(o, t->layout);
    }
    if (t->meter_id) {
        bool q;
        size_t n = smd_value_text(t->meter_id, s->value, sizeof s->value, &q);
        KEY(o, "\"meter_id\"");
        smd_out_json_str(o, (const uint8_t *)s->value, n);
    }
}

static void render(smd_ctx *cx, void *state, const sm_telegram *t)
{
    json_state *s = state;
    smd_out *o = cx->out;
    smd_out_str(o, "{\"telegram\":");
    smd_out_u64(o, smd_telegram_no(t));
    if (t->err)
        error_info(o, t);
    link_info(o, t, cx->layers);
    if (t->gbt_blocks) {
        KEY(o, "\"gbt_blocks\"");
        smd_out_u64(o, t->gbt_blocks);
    }
    security_info(o, t);
    if (cx->layers && t->apdu && (t->is_p1 || t->is_tic)) {
        if (t->is_tic)
            KEY(o, "\"tic_text\"");
        else
            KEY(o, "\"p1_text\"");
        smd_out_json_str(o, t->apdu, t->apdu_len);
    } else if (cx->layers && t->apdu) {
        KEY(o, "\"plaintext\"");
        hexstr(o, t->apdu, t->apdu_len);
    }
    if (t->err) {
        smd_out_str(o, "}\n");
        return;
    }
    content_info(o, s, t, cx->layers);
    smd_out_str(o, ",\"readings\":[");
    for (size_t i = 0, n = 0; i < t->nreadings; i++) {
        if (t->readings[i].parent != SM_NO_NODE)
            continue; /* inside its list's entries */
        if (n++)
            smd_out_ch(o, ',');
        reading(cx, s, t, &t->readings[i]);
    }
    smd_out_str(o, "]}\n");
}

const smd_format smd_format_json = {"json", sizeof(json_state), NULL, render, NULL};
