/* sm_p1_write.c - a decoded telegram as a DSMR 5.0 P1 telegram.  See
 * sm_p1_write.h. */
#include "sm_p1_write.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sm_crc.h"
#include "sm_datetime.h"
#include "sm_hex.h"
#include "sm_obis.h"
#include "sm_readings.h"

/* A DSMR object: the OBIS code it is written under (A-0:C.D.E), the unit
 * the reading must have, the decimal shift into DSMR's unit (Wh -> kWh:
 * -3), DSMR's width (digits before and after the point), its unit symbol;
 * a signed power (C of 16/36/56/76.7.0) it is derived from when the
 * telegram lacks it, and the sign taken from that power. */
typedef struct {
    uint8_t a, c, d, e;
    uint8_t unit;
    int8_t shift;
    uint8_t intw, frac;
    const char *sym;
    uint8_t signed_c;
    int8_t sign;
} p1_object;

/* The numeric objects, in DSMR 5.0.2's order (the totals, which Belgian,
 * Luxembourg and Nordic P1 ports send, before the tariffs). */
static const p1_object objects[] = {
    {1, 1, 8, 0, SM_UNIT_WH, -3, 6, 3, "kWh", 0, 0},
    {1, 1, 8, 1, SM_UNIT_WH, -3, 6, 3, "kWh", 0, 0},
    {1, 1, 8, 2, SM_UNIT_WH, -3, 6, 3, "kWh", 0, 0},
    {1, 2, 8, 0, SM_UNIT_WH, -3, 6, 3, "kWh", 0, 0},
    {1, 2, 8, 1, SM_UNIT_WH, -3, 6, 3, "kWh", 0, 0},
    {1, 2, 8, 2, SM_UNIT_WH, -3, 6, 3, "kWh", 0, 0},
    {0, 96, 14, 0, SM_UNIT_NONE, 0, 4, 0, NULL, 0, 0},
    {1, 1, 7, 0, SM_UNIT_W, -3, 2, 3, "kW", 16, 1},
    {1, 2, 7, 0, SM_UNIT_W, -3, 2, 3, "kW", 16, -1},
    {0, 96, 7, 21, SM_UNIT_NONE, 0, 5, 0, NULL, 0, 0},
    {0, 96, 7, 9, SM_UNIT_NONE, 0, 5, 0, NULL, 0, 0},
    {1, 32, 32, 0, SM_UNIT_NONE, 0, 5, 0, NULL, 0, 0},
    {1, 52, 32, 0, SM_UNIT_NONE, 0, 5, 0, NULL, 0, 0},
    {1, 72, 32, 0, SM_UNIT_NONE, 0, 5, 0, NULL, 0, 0},
    {1, 32, 36, 0, SM_UNIT_NONE, 0, 5, 0, NULL, 0, 0},
    {1, 52, 36, 0, SM_UNIT_NONE, 0, 5, 0, NULL, 0, 0},
    {1, 72, 36, 0, SM_UNIT_NONE, 0, 5, 0, NULL, 0, 0},
    {1, 32, 7, 0, SM_UNIT_V, 0, 3, 1, "V", 0, 0},
    {1, 52, 7, 0, SM_UNIT_V, 0, 3, 1, "V", 0, 0},
    {1, 72, 7, 0, SM_UNIT_V, 0, 3, 1, "V", 0, 0},
    {1, 31, 7, 0, SM_UNIT_A, 0, 3, 0, "A", 0, 0},
    {1, 51, 7, 0, SM_UNIT_A, 0, 3, 0, "A", 0, 0},
    {1, 71, 7, 0, SM_UNIT_A, 0, 3, 0, "A", 0, 0},
    {1, 21, 7, 0, SM_UNIT_W, -3, 2, 3, "kW", 36, 1},
    {1, 41, 7, 0, SM_UNIT_W, -3, 2, 3, "kW", 56, 1},
    {1, 61, 7, 0, SM_UNIT_W, -3, 2, 3, "kW", 76, 1},
    {1, 22, 7, 0, SM_UNIT_W, -3, 2, 3, "kW", 36, -1},
    {1, 42, 7, 0, SM_UNIT_W, -3, 2, 3, "kW", 56, -1},
    {1, 62, 7, 0, SM_UNIT_W, -3, 2, 3, "kW", 76, -1},
};

/* A sub-meter's reading (0-n:24.2.x) in m3, and its device type. */
static const p1_object sub_value = {0, 24, 2, 0, SM_UNIT_M3, 0, 5, 3, "m3", 0, 0};
static const p1_object sub_type = {0, 24, 1, 0, SM_UNIT_NONE, 0, 3, 0, NULL, 0, 0};

#define SUB_CHANNELS 4      /* DSMR's M-Bus channels 1..4 */
#define ID_BYTES_MAX 48     /* 0-0:96.1.1 is at most 96 hex digits */
#define MESSAGE_BYTES_MAX 1024
#define NUMBER_MAX 64       /* room for a value's text */
#define DIGITS_MAX 18       /* a value's digits in DSMR's form: more (a float's
                               4.9e-27) no P1 reader takes, so it is left out */

/* The text being written; full once anything did not fit. */
typedef struct {
    char *p;
    size_t n, cap;
    bool full;
} outbuf;

static void put(outbuf *o, const char *s, size_t n)
{
    if (o->full || n >= o->cap - o->n) {
        o->full = true;
        return;
    }
    memcpy(o->p + o->n, s, n);
    o->n += n;
}

static void puts_(outbuf *o, const char *s) { put(o, s, strlen(s)); }

static void put_hex(outbuf *o, const uint8_t *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char h[2];
        sm_hex_encode(&b[i], 1, h);
        put(o, h, 2);
    }
}

static void put_uint(outbuf *o, unsigned v, int width)
{
    char d[12];
    int n = 0;
    do {
        d[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v && n < (int)sizeof d);
    for (int k = n; k < width; k++)
        put(o, "0", 1);
    while (n > 0)
        put(o, &d[--n], 1);
}

/* "A-B:C.D.E" */
static void put_code(outbuf *o, unsigned a, unsigned b, unsigned c, unsigned d, unsigned e)
{
    put_uint(o, a, 1);
    put(o, "-", 1);
    put_uint(o, b, 1);
    put(o, ":", 1);
    put_uint(o, c, 1);
    put(o, ".", 1);
    put_uint(o, d, 1);
    put(o, ".", 1);
    put_uint(o, e, 1);
}

/* An exact decimal ("-1581.123", "42", a float's "2.5e-05") times 10^shift,
 * with at least intw digits before the point and frac after it (more when
 * the value has them: nothing is rounded).  False for what is no finite
 * number, or that needs more than DIGITS_MAX digits. */
static bool decimal(const char *v, int shift, unsigned intw, unsigned frac, char *out)
{
    char dg[NUMBER_MAX];
    size_t n = 0;
    int e = shift;
    bool neg = *v == '-', point = false;
    v += neg;
    for (; *v && *v != 'e' && *v != 'E'; v++) {
        if (*v == '.') {
            point = true;
        } else if (*v >= '0' && *v <= '9') {
            if (n == 0 && *v == '0')
                e -= point; /* leading zeros say nothing but where the point is */
            else if (n < sizeof dg)
                dg[n++] = *v, e -= point;
            else
                return false;
        } else {
            return false; /* NaN, Infinity */
        }
    }
    if (*v) {
        char *end;
        long x = strtol(v + 1, &end, 10);
        if (*end || x < -NUMBER_MAX || x > NUMBER_MAX)
            return false;
        e += (int)x;
    }
    while (n > 0 && e < 0 && dg[n - 1] == '0' && (unsigned)-e > frac)
        n--, e++; /* trailing zeros beyond DSMR's decimals */
    /* the value is dg[0..n) x 10^e: the digit of power q is dg[n - 1 - (q - e)] */
    int in = (int)n + e > 0 ? (int)n + e : 0; /* integer digits */
    int fr = e < 0 ? -e : 0;                  /* decimals */
    int iw = in > (int)intw ? in : (int)intw, fw = fr > (int)frac ? fr : (int)frac;
    if (iw + fw > DIGITS_MAX)
        return false;
    char *p = out;
    if (neg && n > 0)
        *p++ = '-';
    for (int q = iw - 1; q >= -fw; q--) {
        if (q == -1)
            *p++ = '.';
        int i = (int)n - 1 - (q - e);
        *p++ = i >= 0 && i < (int)n ? dg[i] : '0';
    }
    *p = '\0';
    return true;
}

/* The current value (F 255, not an entry of a profile) with code a-*:c.d.e,
 * channel b unless b < 0. */
static const sm_reading *find(const sm_telegram *t, unsigned a, int b, unsigned c, unsigned d,
                              unsigned e)
{
    for (size_t k = 0; k < t->nreadings; k++) {
        const sm_reading *r = &t->readings[k];
        if (r->obis_source != SM_OBIS_NONE && r->parent == SM_NO_NODE && r->obis.f == 255 &&
            sm_obis_is(&r->obis, a, c, d, e) && (b < 0 || r->obis.b == b))
            return r;
    }
    return NULL;
}

/* The reading's number in the object's unit and width into out; false when
 * it is no number of the object's unit.  sign: the import (+1) or export
 * (-1) part of a signed power, 0 the value itself. */
static bool number(const p1_object *ob, const sm_reading *r, int sign, char *out)
{
    if (!r || r->kind != SM_RK_NUMBER || r->invalid ||
        !(r->unit == ob->unit || (ob->unit == SM_UNIT_NONE && r->unit == SM_UNIT_COUNT)))
        return false;
    char v[NUMBER_MAX];
    int n = sm_reading_format_value(r, v, sizeof v);
    if (n <= 0 || n >= (int)sizeof v)
        return false;
    if (sign) {
        bool neg = v[0] == '-';
        if (neg != (sign < 0))
            strcpy(v, "0");
        else if (neg)
            memmove(v, v + 1, strlen(v));
    }
    return decimal(v, ob->shift, ob->intw, ob->frac, out);
}

/* "(value*unit)" */
static void put_value(outbuf *o, const p1_object *ob, const char *num)
{
    put(o, "(", 1);
    puts_(o, num);
    if (ob->sym) {
        put(o, "*", 1);
        puts_(o, ob->sym);
    }
    put(o, ")", 1);
}

/* Is Unix time s within the EU's summer time (from 01:00 UTC on the last
 * Sunday of March to 01:00 UTC on the last Sunday of October)? */
static bool eu_summer(int64_t s)
{
    int64_t y;
    unsigned m, d;
    sm_civil_from_days(s / 86400 - (s % 86400 < 0), &y, &m, &d);
    int64_t bounds[2];
    for (int i = 0; i < 2; i++) {
        int64_t last = sm_days_from_civil(y, i ? 10 : 3, 31);
        int64_t dow = ((last + 4) % 7 + 7) % 7; /* 1970-01-01 was a Thursday: 0 = Sunday */
        bounds[i] = (last - dow) * 86400 + 3600;
    }
    return s >= bounds[0] && s < bounds[1];
}

/* "(YYMMDDhhmmssX)": Central European time converted from a time with its
 * offset, else the time as the meter gave it; false when it has no date
 * and time. */
static bool put_time(outbuf *o, const sm_datetime *dt)
{
    sm_datetime cet = *dt;
    bool summer;
    int64_t utc;
    if (sm_datetime_has_deviation(dt) &&
        sm_datetime_to_unix(dt, SM_DT_DEVIATION_UNSPECIFIED, &utc) == SM_OK) {
        summer = eu_summer(utc);
        sm_datetime_from_unix(utc, summer ? 120 : 60, &cet);
    } else if (sm_datetime_has_date(dt) && sm_datetime_has_time(dt) && dt->year >= 2000 &&
               dt->year < 2100) {
        summer = dt->status != 0xFF && (dt->status & SM_DT_STATUS_DST);
    } else {
        return false;
    }
    if (cet.year < 2000 || cet.year >= 2100)
        return false;
    put(o, "(", 1);
    put_uint(o, cet.year % 100u, 2);
    put_uint(o, cet.month, 2);
    put_uint(o, cet.day, 2);
    put_uint(o, cet.hour, 2);
    put_uint(o, cet.minute, 2);
    put_uint(o, cet.second, 2);
    put(o, summer ? "S)" : "W)", 2);
    return true;
}

/* The text of an identifier or message reading: a string's bytes, a
 * number's digits.  Returns its length (0: none). */
static size_t id_text(const sm_reading *r, const uint8_t **p, char *digits, size_t cap)
{
    if (!r)
        return 0;
    if (r->kind == SM_RK_STRING) {
        *p = r->bytes;
        return r->len;
    }
    if (r->kind != SM_RK_NUMBER)
        return 0;
    int n = sm_reading_format_value(r, digits, cap);
    *p = (const uint8_t *)digits;
    return n > 0 && (size_t)n < cap ? (size_t)n : 0;
}

/* "/SMD5smartmeter-<family>-<meter>": DSMR's form (three letters, the
 * baud rate character 5, an identification of letters, digits, '_', '-'
 * and '\\' as the Java and JavaScript readers take it), the meter's
 * number where it has only those characters. */
static void put_ident(outbuf *o, const sm_telegram *t)
{
    puts_(o, "/SMD5smartmeter-");
    puts_(o, t->is_p1 ? "p1" : t->is_sml ? "sml" : t->is_tic ? "tic" : "dlms");
    const uint8_t *p = NULL;
    char digits[NUMBER_MAX];
    size_t n = id_text(t->meter_id, &p, digits, sizeof digits);
    bool plain = n > 0 && n <= 48;
    for (size_t i = 0; i < n && plain; i++)
        plain = (p[i] >= '0' && p[i] <= '9') || ((p[i] | 0x20) >= 'a' && (p[i] | 0x20) <= 'z') ||
                p[i] == '_' || p[i] == '-';
    if (plain) {
        put(o, "-", 1);
        put(o, (const char *)p, n);
    }
    put(o, "\r\n\r\n", 4);
}

/* "code(hex of the text)" for an identifier or a message. */
static void put_hex_line(outbuf *o, const char *code, const sm_reading *r, size_t max)
{
    const uint8_t *p = NULL;
    char digits[NUMBER_MAX];
    size_t n = id_text(r, &p, digits, sizeof digits);
    if (!r || n > max || (n == 0 && r->kind != SM_RK_STRING))
        return;
    puts_(o, code);
    put(o, "(", 1);
    put_hex(o, p, n);
    put(o, ")\r\n", 3);
}

/* One numeric object's line, derived from its signed power if need be. */
static void put_object(outbuf *o, const sm_telegram *t, const p1_object *ob)
{
    char num[NUMBER_MAX];
    /* the meter's own objects: channel 0 of the abstract ones (0-1:96.7.21
     * would be a sub-meter's); any channel of the electricity ones */
    const sm_reading *r = find(t, ob->a, ob->a == 0 ? 0 : -1, ob->c, ob->d, ob->e);
    bool ok = r && number(ob, r, 0, num);
    if (!r && ob->signed_c) {
        r = find(t, 1, -1, ob->signed_c, 7, 0);
        ok = r && number(ob, r, ob->sign, num);
    }
    if (!ok)
        return;
    put_code(o, ob->a, 0, ob->c, ob->d, ob->e);
    put_value(o, ob, num);
    put(o, "\r\n", 2);
}

/* Channel b's sub-meter: its device type, its number, its reading with
 * the capture time. */
static void put_sub_meter(outbuf *o, const sm_telegram *t, unsigned b)
{
    char num[NUMBER_MAX];
    const sm_reading *r = find(t, 0, (int)b, 24, 1, 0);
    if (r && number(&sub_type, r, 0, num)) {
        put_code(o, 0, b, 24, 1, 0);
        put_value(o, &sub_type, num);
        put(o, "\r\n", 2);
    }
    char code[16] = "0-0:96.1.0";
    code[2] = (char)('0' + b);
    put_hex_line(o, code, find(t, 0, (int)b, 96, 1, 0), ID_BYTES_MAX);
    for (unsigned e = 1; e <= 3; e += 2) {
        r = find(t, 0, (int)b, 24, 2, e);
        if (!r || !r->has_capture || !number(&sub_value, r, 0, num))
            continue;
        size_t at = o->n;
        put_code(o, 0, b, 24, 2, e);
        if (!put_time(o, &r->capture)) {
            o->n = at; /* DSMR's line has the capture time */
            continue;
        }
        put_value(o, &sub_value, num);
        put(o, "\r\n", 2);
    }
}

size_t sm_p1_write(const sm_telegram *t, char *out, size_t cap)
{
    if (cap == 0)
        return 0;
    out[0] = '\0';
    if (t->err)
        return 0;
    outbuf o = {out, 0, cap, false};
    put_ident(&o, t);
    puts_(&o, "1-3:0.2.8(50)\r\n");
    sm_datetime dt;
    if (sm_telegram_time(t, &dt)) {
        size_t at = o.n;
        puts_(&o, "0-0:1.0.0");
        if (put_time(&o, &dt))
            put(&o, "\r\n", 2);
        else
            o.n = at;
    }
    put_hex_line(&o, "0-0:96.1.1", t->meter_id, ID_BYTES_MAX);
    for (size_t i = 0; i < sizeof objects / sizeof objects[0]; i++) {
        put_object(&o, t, &objects[i]);
        if (objects[i].c == 72 && objects[i].d == 36) /* the message after the swells */
            put_hex_line(&o, "0-0:96.13.0", find(t, 0, 0, 96, 13, 0), MESSAGE_BYTES_MAX);
    }
    for (unsigned b = 1; b <= SUB_CHANNELS; b++)
        put_sub_meter(&o, t, b);
    put(&o, "!", 1);
    if (o.full || cap - o.n < 7) {
        out[0] = '\0';
        return 0;
    }
    uint16_t crc = sm_crc16_arc((const uint8_t *)out, o.n);
    for (int s = 12; s >= 0; s -= 4)
        out[o.n++] = sm_hex_char((unsigned)crc >> (unsigned)s);
    memcpy(out + o.n, "\r\n", 3);
    return o.n + 2;
}
