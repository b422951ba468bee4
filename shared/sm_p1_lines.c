/* sm_p1_lines.c - P1 text telegrams: their lines, into readings.  The
 * framing (where a telegram begins and ends, its check) is sm_p1_frame.c.
 * See sm_p1.h. */
#include "sm_p1.h"

#include <string.h>

#include "sm_datetime.h"
#include "sm_fast.h"
#include "sm_hex.h"
#include "sm_obis.h"

static bool digit(int c) { return c >= '0' && c <= '9'; }
static bool printable(int c) { return c >= 0x20 && c <= 0x7E; }
static int lower(int c) { return c >= 'A' && c <= 'Z' ? c + 32 : c; }

const char *sm_p1_note_text(sm_p1_note_kind k)
{
    switch (k) {
    case SM_P1_NOTE_LINE: return "not an OBIS line: skipped";
    case SM_P1_NOTE_GROUP: return "a value without its closing parenthesis: skipped";
    case SM_P1_NOTE_SHAPE: return "values in an arrangement not known: kept as text";
    case SM_P1_NOTE_UNIT: return "a unit not known: kept as other";
    case SM_P1_NOTE_PLACEHOLDER: return "an unused M-Bus channel (capture time 1970-01-01): skipped";
    case SM_P1_NOTE_FULL: return "more readings than a telegram may have: skipped";
    case SM_P1_NOTE_NUMBER: return "a value with a unit that is not a number: kept as text";
    case SM_P1_NOTE_DST_CASE: return "a time's summer/winter flag in lower case: read as S or W";
    }
    return "?";
}


#define MAX_GROUPS 128 /* values of one object: a profile of 13 entries has 42 */
#define MAX_COLUMNS 16 /* objects of a profile: a billing snapshot has up to 12 */

typedef struct {
    const uint8_t *p;
    size_t n;
} span;

/* One object: its code and its values. */
typedef struct {
    sm_obis obis;
    const sm_obis_info *info; /* obis's, from the table */
    span g[MAX_GROUPS];
    size_t ng;
    bool full;                  /* more values than g holds */
    const uint8_t *vals, *vals_end; /* the text of all its values */
    size_t line_off;
    uint16_t line;
} object;

/* The parser's state over one telegram. */
typedef struct {
    sm_reading_set *out;
    sm_p1_info *info;
    uint8_t *scratch;
    size_t scratch_left;
    sm_p1_memo *memo; /* NULL: none */
} parser;

static void note_at(parser *ps, uint16_t line, size_t line_off, sm_p1_note_kind k)
{
    sm_p1_info *info = ps->info;
    if (info->nnotes < SM_P1_MAX_NOTES)
        info->notes[info->nnotes] = (sm_p1_note){line, (uint8_t)k, (uint32_t)line_off};
    if (info->nnotes < UINT16_MAX)
        info->nnotes++;
}

static void note(parser *ps, const object *ob, sm_p1_note_kind k)
{
    note_at(ps, ob->line, ob->line_off, k);
}

/* A value group of the code at p: 1 to 3 digits (at most 255), or for C
 * and D a letter of IEC 62056-61 (C 96, F 97, L 98, P 99); the position
 * after it, NULL when there is none. */
static inline const uint8_t *code_group(const uint8_t *p, const uint8_t *e, bool letters,
                                        unsigned *v)
{
    if (p >= e)
        return NULL;
    if (!digit(*p)) {
        switch (letters ? *p : 0) {
        case 'C': *v = 96; return p + 1;
        case 'F': *v = 97; return p + 1;
        case 'L': *v = 98; return p + 1;
        case 'P': *v = 99; return p + 1;
        default: return NULL;
        }
    }
    unsigned x = 0;
    const uint8_t *q = p;
    while (q < e && digit(*q) && q - p < 3)
        x = x * 10 + (unsigned)(*q++ - '0');
    if (x > 255 || (q < e && digit(*q)))
        return NULL;
    *v = x;
    return q;
}

/* [A-B:]C.D[.E][*F] at p; the length, 0 when there is none.  The first
 * group's separator tells the form: "-" after A, "." after C. */
static size_t parse_code(const uint8_t *p, size_t n, sm_obis *o)
{
    const uint8_t *q, *e = p + n;
    unsigned a = 1, b = 0, c, d, ev = 0, f = 255;
    if (!(q = code_group(p, e, true, &c)))
        return 0;
    if (q < e && *q == '-') { /* it was A: A-B: come first */
        a = c;
        if (a > 15 || !(q = code_group(q + 1, e, false, &b)) || q >= e || *q != ':' ||
            !(q = code_group(q + 1, e, true, &c)))
            return 0;
    }
    /* C.D.E; E may be left out ("F.F" of a D0 meter is 97.97.0) */
    if (q >= e || *q != '.' || !(q = code_group(q + 1, e, true, &d)))
        return 0;
    if (q < e && *q == '.' && !(q = code_group(q + 1, e, false, &ev)))
        return 0;
    if (q < e && *q == '*' && !(q = code_group(q + 1, e, false, &f)))
        return 0;
    *o = (sm_obis){(uint8_t)a, (uint8_t)b, (uint8_t)c, (uint8_t)d, (uint8_t)ev, (uint8_t)f};
    return (size_t)(q - p);
}

/* The values "(...)" of a line into ob; false when a "(" does not close or
 * something else comes between them. */
static bool groups(const uint8_t *p, size_t n, object *ob)
{
    size_t i = 0;
    if (!ob->vals)
        ob->vals = p;
    ob->vals_end = p + n;
    while (i < n) {
        if (p[i] != '(')
            return false;
        size_t from = ++i;
        /* its ")", with no "(" before it */
        while (i < n && p[i] != ')' && p[i] != '(')
            i++;
        if (i == n || p[i] != ')')
            return false;
        if (ob->ng < MAX_GROUPS)
            ob->g[ob->ng++] = (span){p + from, i - from};
        else
            ob->full = true;
        i++;
    }
    return true;
}

/* ---- values --------------------------------------------------------------- */

/* YYMMDDhhmmss and S or W (flag false: without the letter, as DSMR 2.2's
 * gas profile sends it: the offset is not known).  Some meters (a DSMR 4.0
 * Landis+Gyr E350) send the letter in lower case: read as upper case, with a
 * note on the object's line. */
static bool parse_time(parser *ps, const object *ob, span s, bool flag, sm_datetime *dt)
{
    if (s.n != (flag ? 13u : 12u))
        return false;
    uint8_t letter = flag ? s.p[12] : 0;
    bool lower = letter == 's' || letter == 'w';
    if (lower)
        letter = (uint8_t)(letter - 'a' + 'A');
    if (flag && letter != 'W' && letter != 'S')
        return false;
    unsigned f[6];
    for (int k = 0; k < 6; k++) {
        if (!digit(s.p[2 * k]) || !digit(s.p[2 * k + 1]))
            return false;
        f[k] = (unsigned)((s.p[2 * k] - '0') * 10 + (s.p[2 * k + 1] - '0'));
    }
    bool summer = letter == 'S';
    /* the deviation: UTC = local + deviation (DLMS), so CET is -60 */
    int16_t dev = !flag ? SM_DT_DEVIATION_UNSPECIFIED : summer ? -120 : -60;
    uint16_t udev = (uint16_t)dev;
    unsigned year = f[0] < 70 ? 2000 + f[0] : 1900 + f[0];
    uint8_t b[12] = {(uint8_t)(year >> 8), (uint8_t)year, (uint8_t)f[1], (uint8_t)f[2], 0xFF,
                     (uint8_t)f[3], (uint8_t)f[4], (uint8_t)f[5], 0,
                     (uint8_t)(udev >> 8), (uint8_t)udev,
                     (uint8_t)(!flag ? 0xFF : summer ? SM_DT_STATUS_DST : 0)};
    if (sm_datetime_parse(b, dt) != SM_OK)
        return false;
    if (lower)
        note(ps, ob, SM_P1_NOTE_DST_CASE);
    return true;
}

typedef struct {
    const char *sym; /* lower case */
    uint8_t len;
    uint8_t unit;
    int8_t scaler;
} p1_unit;

/* The units P1 meters write, any case, the most frequent first; the value
 * in the base unit. */
#define U(s, u, k) {s, sizeof s - 1, u, k}
static const p1_unit units[] = {
    U("kw", SM_UNIT_W, 3),       U("kwh", SM_UNIT_WH, 3),    U("v", SM_UNIT_V, 0),
    U("a", SM_UNIT_A, 0),        U("m3", SM_UNIT_M3, 0),     U("kvar", SM_UNIT_VAR, 3),
    U("kvarh", SM_UNIT_VARH, 3), U("s", SM_UNIT_SECOND, 0),  U("w", SM_UNIT_W, 0),
    U("wh", SM_UNIT_WH, 0),      U("mwh", SM_UNIT_WH, 6),    U("mw", SM_UNIT_W, 6),
    U("varh", SM_UNIT_VARH, 0),  U("mvarh", SM_UNIT_VARH, 6), U("var", SM_UNIT_VAR, 0),
    U("vah", SM_UNIT_VAH, 0),    U("kvah", SM_UNIT_VAH, 3),  U("va", SM_UNIT_VA, 0),
    U("kva", SM_UNIT_VA, 3),     U("kv", SM_UNIT_V, 3),      U("hz", SM_UNIT_HZ, 0),
    U("min", 6, 0),              U("h", 5, 0),               U("l", 19, 0),
    U("j", 25, 0),               U("kj", 25, 3),             U("mj", 25, 6),
    U("gj", 25, 9),              U("%", SM_UNIT_PERCENT, 0), U("m3/h", 15, 0),
    U("c", 9, 0),                U("k", 52, 0),
};
#undef U

/* The unit written at p[0..n), in any case; NULL: not known. */
static const p1_unit *find_unit(const uint8_t *p, size_t n)
{
    for (size_t u = 0; u < sizeof units / sizeof units[0]; u++) {
        if (units[u].len != n)
            continue;
        size_t i = 0;
        while (i < n && lower(p[i]) == units[u].sym[i])
            i++;
        if (i == n)
            return &units[u];
    }
    return NULL;
}

/* A number's reading: raw with its decimals, in the base unit of u (NULL
 * with has_unit: a unit not known, kept as "other"). */
static void set_number(sm_reading *r, bool neg, int64_t raw, size_t decimals, const p1_unit *u,
                       bool has_unit)
{
    int scaler = -(int)decimals;
    r->kind = SM_RK_NUMBER;
    r->type = SM_DT_INT64;
    r->is_signed = true;
    r->raw_i = neg ? -raw : raw;
    r->unit = u ? u->unit : has_unit ? SM_UNIT_OTHER : 0;
    if (u)
        scaler += u->scaler;
    r->scaler = (int8_t)scaler;
    r->scaler_source = SM_SCALER_WIRE;
    r->value = sm_scale((double)r->raw_i, scaler);
}

/* [-]digits[.digits][*unit]: a number in its base unit.  A unit not known
 * is kept as "other" (*unknown_unit). */
static bool parse_number(span s, sm_reading *r, bool *unknown_unit)
{
    bool neg = s.n > 0 && s.p[0] == '-';
    const uint8_t *q = s.p + neg, *e = s.p + s.n;
    int64_t raw = 0;
    /* the integer part, then after a "." the decimals: 18 digits at most
     * (a 19th stops the loops, and is then no "*": refused) */
    const uint8_t *first = q, *lim = e - q > 18 ? q + 18 : e;
    for (; q < lim && digit(*q); q++)
        raw = raw * 10 + (*q - '0');
    size_t digits = (size_t)(q - first), decimals = 0;
    if (digits > 0 && q < e && *q == '.') {
        const uint8_t *dot = ++q;
        lim = (size_t)(e - q) > 18 - digits ? q + (18 - digits) : e;
        for (; q < lim && digit(*q); q++)
            raw = raw * 10 + (*q - '0');
        decimals = (size_t)(q - dot);
        if (decimals == 0)
            return false;
    }
    if (digits == 0 || (q < e && *q != '*'))
        return false;
    size_t i = (size_t)(q - s.p);
    const p1_unit *u = NULL;
    if (i < s.n) { /* "*" and the unit */
        u = find_unit(s.p + i + 1, s.n - i - 1);
        *unknown_unit = !u;
    }
    set_number(r, neg, raw, decimals, u, i < s.n);
    return true;
}

/* An identifier's text: hex-encoded ASCII decoded when every character is
 * printable, else as sent. */
static void parse_text(parser *ps, span s, sm_reading *r)
{
    r->kind = SM_RK_STRING;
    r->type = SM_DT_VISIBLE_STRING;
    r->bytes = s.p;
    r->len = s.n;
    size_t half = s.n / 2;
    if (s.n == 0 || s.n % 2 || half > ps->scratch_left)
        return;
    uint8_t *dst = ps->scratch;
    for (size_t i = 0; i < half; i++) {
        int hi = sm_hex_digit(s.p[2 * i]), lo = sm_hex_digit(s.p[2 * i + 1]);
        if (hi < 0 || lo < 0 || !printable(hi << 4 | lo))
            return;
        dst[i] = (uint8_t)(hi << 4 | lo);
    }
    r->bytes = dst;
    r->len = half;
    ps->scratch += half;
    ps->scratch_left -= half;
}

static sm_reading *push(parser *ps, uint16_t line, size_t line_off, const sm_obis *code,
                        const sm_obis_info *info, span text)
{
    sm_reading_set *out = ps->out;
    if (out->n >= out->cap) {
        note_at(ps, line, line_off, SM_P1_NOTE_FULL);
        return NULL;
    }
    sm_reading *r = &out->readings[out->n];
    memset(r, 0, sizeof *r);
    r->index = (uint16_t)out->n++;
    r->node = r->obis_node = r->parent = SM_NO_NODE;
    r->obis = *code;
    r->obis_source = SM_OBIS_WIRE;
    r->info = info;
    r->text = text.p;
    r->text_len = text.n;
    return r;
}

/* One value of an object into a reading. */
static sm_reading *value(parser *ps, const object *ob, const sm_obis *code, span s)
{
    sm_reading *r = push(ps, ob->line, ob->line_off, code,
                         code == &ob->obis ? ob->info : sm_obis_lookup(code), s);
    if (!r)
        return NULL;
    bool unknown_unit = false;
    if (parse_time(ps, ob, s, true, &r->dt)) {
        r->kind = SM_RK_DATETIME;
        r->type = SM_DT_OCTET_STRING;
        r->bytes = s.p;
        r->len = s.n;
    } else if (sm_obis_is_text(code)) {
        parse_text(ps, s, r);
    } else if (!parse_number(s, r, &unknown_unit)) {
        parse_text(ps, s, r);
        /* "*" only ever stands before a unit: what came before it was
         * meant as a number (a damaged line, a 7E1 line misread) */
        if (memchr(s.p, '*', s.n))
            note(ps, ob, SM_P1_NOTE_NUMBER);
    }
    if (unknown_unit)
        note(ps, ob, SM_P1_NOTE_UNIT);
    return r;
}

/* The values of an object in an arrangement not known: one text reading
 * with all of them as sent. */
static void as_text(parser *ps, const object *ob)
{
    span all = {ob->vals, (size_t)(ob->vals_end - ob->vals)};
    sm_reading *r = push(ps, ob->line, ob->line_off, &ob->obis, ob->info, all);
    if (r) {
        r->kind = SM_RK_STRING;
        r->type = SM_DT_VISIBLE_STRING;
        r->bytes = all.p;
        r->len = all.n;
    }
    note(ps, ob, SM_P1_NOTE_SHAPE);
}

static bool is_count(span s, unsigned *n)
{
    unsigned x = 0;
    if (s.n == 0 || s.n > 4)
        return false;
    for (size_t i = 0; i < s.n; i++) {
        if (!digit(s.p[i]))
            return false;
        x = x * 10 + (unsigned)(s.p[i] - '0');
    }
    *n = x;
    return true;
}

/* a value that is an OBIS code in full, A-B:C.D.E */
static bool is_code(span s, sm_obis *o)
{
    return s.n > 0 && memchr(s.p, ':', s.n) && parse_code(s.p, s.n, o) == s.n;
}

/* (n)(obis)..(obis) then n entries of (time) and one value per object */
static bool profile(parser *ps, const object *ob)
{
    unsigned n;
    sm_obis codes[MAX_COLUMNS];
    size_t k = 0;
    if (ob->ng < 2 || !is_count(ob->g[0], &n))
        return false;
    while (k < MAX_COLUMNS && 1 + k < ob->ng && is_code(ob->g[1 + k], &codes[k]))
        k++;
    if (k == 0 || ob->ng != 1 + k + (size_t)n * (k + 1))
        return false;
    sm_reading *list = push(ps, ob->line, ob->line_off, &ob->obis, ob->info, ob->g[0]);
    if (!list)
        return true;
    list->kind = SM_RK_LIST;
    list->count = n;
    uint16_t parent = list->index;
    for (unsigned e = 0; e < n; e++) {
        const span *g = &ob->g[1 + k + (size_t)e * (k + 1)];
        sm_datetime when;
        bool timed = parse_time(ps, ob, g[0], true, &when);
        for (size_t j = 0; j < k; j++) {
            sm_reading *r = value(ps, ob, &codes[j], g[1 + j]);
            if (!r)
                return true;
            r->parent = parent;
            r->row = (uint16_t)e;
            r->has_capture = timed;
            if (timed)
                r->capture = when;
        }
    }
    return true;
}

/* DSMR 2.2/3.0's gas: (time)(status)(period)(m)(obis)(unit) and m values,
 * the first of which is the reading */
static bool gas_profile(parser *ps, const object *ob)
{
    unsigned m;
    sm_obis code;
    sm_datetime when;
    if (ob->ng < 7 || !is_count(ob->g[3], &m) || ob->ng != 6 + (size_t)m || m == 0 ||
        !is_code(ob->g[4], &code) ||
        !(parse_time(ps, ob, ob->g[0], false, &when) || parse_time(ps, ob, ob->g[0], true, &when)))
        return false;
    sm_reading *r = push(ps, ob->line, ob->line_off, &ob->obis, ob->info, ob->g[6]);
    if (!r)
        return true;
    bool unknown_unit = false;
    /* the value with the unit of its own group */
    uint8_t buf[48];
    span v = ob->g[6], u = ob->g[5];
    if (v.n + 1 + u.n <= sizeof buf && u.n > 0) {
        memcpy(buf, v.p, v.n);
        buf[v.n] = '*';
        memcpy(buf + v.n + 1, u.p, u.n);
        v = (span){buf, v.n + 1 + u.n};
    }
    if (!parse_number(v, r, &unknown_unit)) {
        parse_text(ps, ob->g[6], r);
    }
    if (unknown_unit)
        note(ps, ob, SM_P1_NOTE_UNIT);
    r->has_capture = true;
    r->capture = when;
    return true;
}

static void object_readings(parser *ps, const object *ob)
{
    if (ob->full) {
        as_text(ps, ob);
        return;
    }
    if (ob->ng == 0) {
        note(ps, ob, SM_P1_NOTE_LINE);
        return;
    }
    if (ob->ng == 1) {
        value(ps, ob, &ob->obis, ob->g[0]);
        return;
    }
    sm_datetime when;
    if (ob->ng == 2 && parse_time(ps, ob, ob->g[0], true, &when)) {
        if (when.year == 1970 && when.month == 1 && when.day == 1) {
            note(ps, ob, SM_P1_NOTE_PLACEHOLDER);
            return;
        }
        sm_reading *r = value(ps, ob, &ob->obis, ob->g[1]);
        if (r) {
            r->has_capture = true;
            r->capture = when;
        }
        return;
    }
    if (!profile(ps, ob) && !gas_profile(ps, ob))
        as_text(ps, ob);
}

/* The code of the line at p, p[0..n) without its line end, into ob with
 * its table entry: its length, 0 when there is none. */
static size_t line_code(parser *ps, const uint8_t *p, size_t n, const uint8_t *end,
                        uint16_t lineno, object *ob)
{
#if SM_FAST_PATHS
    /* Fast path (P1 instructions per telegram): the memo of the meter's
     * lines.  parse_code's answer depends on the code's characters and the
     * one after it only (a line end being a character that is none), so
     * when the line at this place begins with the same 1 to 16 characters
     * (the text having 16 bytes from p) it is the memo's. */
    unsigned at = (unsigned)lineno - 2u; /* the first data line is line 2 */
    sm_p1_memo_line *m = ps->memo && at < SM_P1_MEMO_LINES && end - p >= 16
                             ? &ps->memo->line[at] : NULL;
    uint64_t w[2];
    if (m) {
        memcpy(w, p, sizeof w);
        if (m->len && !(((w[0] ^ m->text[0]) & m->mask[0]) | ((w[1] ^ m->text[1]) & m->mask[1]))) {
            ob->obis = m->obis;
            ob->info = m->info;
            return m->len;
        }
    }
#else
    (void)ps, (void)end, (void)lineno;
#endif
    size_t k = parse_code(p, n, &ob->obis);
    ob->info = k ? sm_obis_lookup(&ob->obis) : NULL;
#if SM_FAST_PATHS
    if (m) {
        m->len = 0;
        if (k > 0 && k < 16) { /* the code and the character after it */
            uint8_t mask[16] = {0};
            memset(mask, 0xFF, k + 1);
            memcpy(m->mask, mask, sizeof mask);
            m->text[0] = w[0] & m->mask[0];
            m->text[1] = w[1] & m->mask[1];
            m->obis = ob->obis;
            m->info = ob->info;
            m->len = (uint8_t)k;
        }
    }
#endif
    return k;
}

/* One line, p[0..n) without its line end: a continuation "(...)" of the
 * open object, or a new object (the open one's readings first). */
static void read_line(parser *ps, object *ob, bool *open, const uint8_t *p, size_t n,
                      const uint8_t *end, const uint8_t *text, uint16_t lineno)
{
    if (n > 0 && p[0] == '(' && *open) {
        /* a continuation that does not close: the object as it was */
        size_t ng = ob->ng;
        const uint8_t *vals_end = ob->vals_end;
        if (!groups(p, n, ob)) {
            ob->ng = ng;
            ob->vals_end = vals_end;
            note(ps, ob, SM_P1_NOTE_GROUP);
        }
    } else if (n > 0) {
        if (*open)
            object_readings(ps, ob);
        *open = false;
        ps->info->lines++;
        ob->ng = 0;
        ob->full = false;
        ob->vals = ob->vals_end = NULL;
        ob->line = lineno;
        ob->line_off = (size_t)(p - text);
        size_t k = line_code(ps, p, n, end, lineno, ob);
        if (!k)
            note(ps, ob, SM_P1_NOTE_LINE);
        else if (!groups(p + k, n - k, ob))
            note(ps, ob, SM_P1_NOTE_GROUP);
        else
            *open = true;
    }
}

/* A line's object: its code and values; continuation lines "(...)" add
 * values to the object before them. */
static void lines(parser *ps, const uint8_t *text, const sm_p1_frame *f)
{
    object ob;
    bool open = false;
    uint16_t lineno = 1; /* the identification line's */
    if (f->stx) {        /* the lines before a data block's STX: it, and empty ones */
        lineno = 0;
        for (uint32_t i = 0; i < f->stx; i++)
            lineno = (uint16_t)(lineno + (text[i] == '\n'));
    }
    const uint8_t *p = text + f->body, *end = text + f->bang;
    while (p < end) {
        lineno++;
        const uint8_t *eol = memchr(p, '\n', (size_t)(end - p));
        const uint8_t *next = eol ? eol + 1 : end;
        const uint8_t *le = eol ? eol : end;
        if (le > p && le[-1] == '\r')
            le--;
        read_line(ps, &ob, &open, p, (size_t)(le - p), end, text, lineno);
        p = next;
    }
    if (open)
        object_readings(ps, &ob);
}

void sm_p1_parse(const uint8_t *text, const sm_p1_frame *framed, sm_p1_info *info,
                 sm_reading_set *out, uint8_t *scratch, size_t scratch_cap, sm_p1_memo *memo)
{
    memset(info, 0, sizeof *info);
    out->n = 0;
    out->layout = "p1";
    sm_p1_frame f = *framed;
    info->frame = f;
    info->ident = text + 1;
    info->ident_len = f.ident_len;
    parser ps = {out, info, scratch, scratch_cap, memo};
    lines(&ps, text, &f);
}

sm_err sm_p1_parse_text(sm_cur *c, sm_p1_info *info, sm_reading_set *out, uint8_t *scratch,
                        size_t scratch_cap, sm_p1_memo *memo)
{
    const uint8_t *text = c->p;
    sm_p1_frame f;
    memset(info, 0, sizeof *info);
    out->n = 0;
    out->layout = "p1";
    sm_err e = sm_p1_text(c, &f);
    if (!e)
        sm_p1_parse(text, &f, info, out, scratch, scratch_cap, memo);
    return e;
}
