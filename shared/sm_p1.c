/* sm_p1.c - P1 text telegrams: their framing and their lines, into
 * readings.  See sm_p1.h. */
#include "sm_p1.h"

#include <string.h>

#include "sm_crc.h"
#include "sm_datetime.h"
#include "sm_hex.h"
#include "sm_obis.h"

const char *sm_p1_crc_name(sm_p1_crc c)
{
    switch (c) {
    case SM_P1_CRC_NONE: return "none";
    case SM_P1_CRC_OK: return "ok";
    case SM_P1_CRC_UNPADDED: return "unpadded";
    case SM_P1_CRC_BCC: return "bcc";
    }
    return "?";
}

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

/* ---- framing ------------------------------------------------------------ */

static bool letter(int c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }
static bool digit(int c) { return c >= '0' && c <= '9'; }
static bool printable(int c) { return c >= 0x20 && c <= 0x7E; }

/* The character of byte b: bit 7 checked and masked off on a 7E1 line
 * read as eight bits, refused (-1) on another line. */
static int char_at(const sm_p1_frame *f, uint8_t b)
{
    if (!f->parity)
        return b < 0x80 ? b : -1;
    unsigned x = b;
    x ^= x >> 4;
    x ^= x >> 2;
    x ^= x >> 1;
    return (x & 1) ? -1 : b & 0x7F; /* even parity over the eight bits */
}

/* "/" XXX Z ident (CR) LF: the offset after it, 0 when it is none,
 * (size_t)-1 when more bytes are needed to tell. */
/* header_end()'s answer for an identification line cut at i by the next
 * telegram's "/": HEADER_CUT - i */
#define HEADER_CUT ((size_t)-2)

static size_t header_end(const uint8_t *p, size_t n, sm_p1_frame *f)
{
    if (n < 1 || (p[0] != '/' && p[0] != ('/' | 0x80)))
        return 0;
    f->parity = p[0] & 0x80;
    for (size_t i = 1; i < n; i++) {
        int c = char_at(f, p[i]);
        bool ok = i <= 3   ? letter(c)
                  : i == 4 ? letter(c) || digit(c)
                           : printable(c) && c != '/' && c != '!';
        if (ok && i < 5 + SM_P1_IDENT_MAX)
            continue;
        if (i < 5)
            return 0;
        if (c == '/') /* the next telegram: this one was cut in its identification */
            return HEADER_CUT - i;
        /* the identification ends in CR LF (or LF) */
        size_t k = i + (c == '\r');
        if (c == '\r' && k >= n)
            return (size_t)-1;
        if (char_at(f, p[k]) == '/' && k > i) /* cut between its CR and LF */
            return HEADER_CUT - k;
        if (char_at(f, p[k]) != '\n')
            return 0;
        f->ident_len = (uint16_t)(i - 1);
        return k + 1;
    }
    return (size_t)-1;
}

/* What a byte is in a telegram's lines: 0 a character of them, 1 "!" (the
 * end), 2 "/" (the next telegram), 3 not allowed, 4 a parity bit that is
 * wrong; for 7-bit characters and for a 7E1 line read as eight bits. */
#define CLS7(c)                                                                           \
    ((c) == '!' ? 1 : (c) == '/' ? 2                                                       \
     : (((c) >= 0x20 && (c) <= 0x7E) || (c) == '\r' || (c) == '\n') ? 0 : 3)
#define ODD(b) ((((b) >> 7) ^ ((b) >> 6) ^ ((b) >> 5) ^ ((b) >> 4) ^ ((b) >> 3) ^ ((b) >> 2) ^ \
                 ((b) >> 1) ^ (b)) & 1)
#define CLS8(b) (ODD(b) ? 4 : CLS7((b) & 0x7F))
#define C4(F, n) F(n), F((n) + 1), F((n) + 2), F((n) + 3)
#define C16(F, n) C4(F, n), C4(F, (n) + 4), C4(F, (n) + 8), C4(F, (n) + 12)
#define C64(F, n) C16(F, n), C16(F, (n) + 16), C16(F, (n) + 32), C16(F, (n) + 48)
#define C256(F) C64(F, 0), C64(F, 64), C64(F, 128), C64(F, 192)
static const uint8_t body_class[2][256] = {{C256(CLS7)}, {C256(CLS8)}};

#if defined(__GNUC__) || defined(__clang__)
/* Sixteen characters of a telegram's lines at a time, in the compiler's
 * vectors (SSE2, NEON, or plain words where there are none): are they
 * all of class 0 of 7-bit characters (printable but "!" and "/", CR, LF)? */
#define SCAN16 1
typedef signed char chars16 __attribute__((vector_size(16)));
static inline bool plain16(const uint8_t *p)
{
    chars16 v;
    memcpy(&v, p, 16);
    /* signed: the bytes from 0x80 on are below 0x20 */
    chars16 ok = ((v > 0x1F) & (v < 0x7F) & (v != '!') & (v != '/')) | (v == '\r') | (v == '\n');
    uint64_t w[2];
    memcpy(w, &ok, 16);
    return (w[0] & w[1]) == UINT64_MAX;
}
#endif

static sm_p1_scan_result failed(sm_p1_frame *f, sm_err *err, sm_err e, size_t len)
{
    *err = e;
    f->len = (uint32_t)len;
    return SM_P1_FAILED;
}

/* "!" [hex digits] [CR] LF at p[bang] */
static sm_p1_scan_result trailer(const uint8_t *p, size_t n, bool eof, sm_p1_frame *f,
                                 sm_err *err)
{
    size_t i = f->bang + 1;
    unsigned crc = 0, digits = 0;
    int c = -1;
    for (; i < n && digits < 4; i++, digits++) {
        c = char_at(f, p[i]);
        int h = c < 0 ? -1 : sm_hex_digit((uint8_t)c);
        if (h < 0)
            break;
        crc = crc << 4 | (unsigned)h;
    }
    f->crc = (uint16_t)crc;
    f->crc_status = digits == 4 ? SM_P1_CRC_OK : digits ? SM_P1_CRC_UNPADDED : SM_P1_CRC_NONE;
    /* then CR LF; after four digits whatever follows is the next thing
     * (and the end of the input is the end), with fewer the line end says
     * that the CRC is complete */
    for (int k = 0; k < 2; k++, i++) {
        if (i >= n) {
            if (!eof || (digits < 4 && k == 0))
                return SM_P1_PARTIAL;
            break;
        }
        c = char_at(f, p[i]);
        if (c == '\n') {
            i++;
            break;
        }
        if (c == '\r' && k == 0)
            continue;
        if (digits < 4 && k == 0) /* "!" and neither a CRC nor CR LF */
            return c == '/' ? failed(f, err, SM_ERR_P1_CUT, i) /* the next one's */
                            : failed(f, err, c < 0 ? SM_ERR_P1_PARITY : SM_ERR_P1_CHAR, i + 1);
        break;
    }
    f->len = (uint32_t)i;
    return SM_P1_COMPLETE;
}

#define STX 0x02
#define ETX 0x03

/* "!" [CR] LF ETX BCC at p[bang]: the end of an IEC 62056-21 data block */
static sm_p1_scan_result block_end(const uint8_t *p, size_t n, sm_p1_frame *f, sm_err *err)
{
    size_t i = f->bang + 1;
    if (i < n && char_at(f, p[i]) == '\r')
        i++;
    static const int want[3] = {'\n', ETX, -1}; /* -1: the BCC, any character */
    int c = -1;
    for (int k = 0; k < 3; k++, i++) {
        if (i >= n)
            return SM_P1_PARTIAL;
        c = char_at(f, p[i]);
        if (c < 0)
            return failed(f, err, SM_ERR_P1_PARITY, i + 1);
        if (want[k] >= 0 && c == '/') /* the next telegram begins (a BCC may be "/") */
            return failed(f, err, SM_ERR_P1_CUT, i);
        if (want[k] >= 0 && c != want[k])
            return failed(f, err, SM_ERR_P1_CHAR, i + 1);
    }
    f->crc = (uint16_t)c;
    f->crc_status = SM_P1_CRC_BCC;
    f->len = (uint32_t)i;
    return SM_P1_COMPLETE;
}

/* Does the STX at p[i] open a data block: the first character after the
 * identification line and empty lines? */
static bool opens_block(const uint8_t *p, size_t i, const sm_p1_frame *f)
{
    if (f->stx || char_at(f, p[i]) != STX)
        return false;
    for (size_t k = f->body; k < i; k++) {
        int c = char_at(f, p[k]);
        if (c != '\r' && c != '\n')
            return false;
    }
    return true;
}

sm_p1_scan_result sm_p1_scan(const uint8_t *p, size_t n, bool eof, sm_p1_frame *f, sm_err *err)
{
    if (f->body == 0) {
        size_t h = header_end(p, n, f);
        if (h == 0)
            return SM_P1_NOT;
        if (h == (size_t)-1)
            return eof ? SM_P1_NOT : SM_P1_MORE;
        if (h > HEADER_CUT - SM_P1_IDENT_MAX - 8)
            return failed(f, err, SM_ERR_P1_CUT, HEADER_CUT - h);
        f->body = f->resume = (uint32_t)h;
    }
    while (f->bang == 0) {
        const uint8_t *cls = body_class[f->parity];
        size_t i = f->resume, lim = n < SM_P1_MAX ? n : SM_P1_MAX;
#ifdef SCAN16
        if (!f->parity)
            while (i + 16 <= lim && plain16(p + i))
                i += 16;
#endif
        /* eight characters a test while all of them are plain text */
        while (i + 8 <= lim && (cls[p[i]] | cls[p[i + 1]] | cls[p[i + 2]] | cls[p[i + 3]] |
                                cls[p[i + 4]] | cls[p[i + 5]] | cls[p[i + 6]] | cls[p[i + 7]]) == 0)
            i += 8;
        while (i < lim && cls[p[i]] == 0)
            i++;
        f->resume = (uint32_t)i;
        if (i == lim)
            return i < n ? failed(f, err, SM_ERR_OVERSIZE, i) : SM_P1_PARTIAL;
        switch (cls[p[i]]) {
        case 1: f->bang = (uint32_t)i; break;
        case 2: return failed(f, err, SM_ERR_P1_CUT, i); /* the next telegram begins */
        case 3:
            if (!opens_block(p, i, f))
                return failed(f, err, SM_ERR_P1_CHAR, i + 1);
            f->stx = (uint32_t)i;
            f->body = f->resume = (uint32_t)i + 1;
            break;
        default: return failed(f, err, SM_ERR_P1_PARITY, i + 1);
        }
    }
    sm_p1_scan_result r = f->stx ? block_end(p, n, f, err) : trailer(p, n, eof, f, err);
    if (r == SM_P1_COMPLETE && f->len > SM_P1_MAX)
        return failed(f, err, SM_ERR_OVERSIZE, f->len);
    return r;
}

sm_err sm_p1_check(const uint8_t *text, const sm_p1_frame *f)
{
    if (f->crc_status == SM_P1_CRC_NONE)
        return SM_OK;
    if (f->crc_status == SM_P1_CRC_BCC) {
        unsigned x = 0; /* after STX up to and with ETX, the BCC's last */
        for (size_t i = f->stx + 1u; i + 1 < f->len; i++)
            x ^= text[i];
        return (x & 0x7F) == f->crc ? SM_OK : SM_ERR_P1_BCC;
    }
    return sm_crc16_arc(text, (size_t)f->bang + 1) == f->crc ? SM_OK : SM_ERR_P1_CRC;
}

bool sm_p1_detect(const uint8_t *p, size_t n)
{
    return n >= 4 && p[0] == '/' && letter(p[1]) && letter(p[2]) && letter(p[3]);
}

/* ---- the lines ------------------------------------------------------------ */

#define MAX_GROUPS 128 /* values of one object: a profile of 13 entries has 42 */
#define MAX_COLUMNS 16 /* objects of a profile: a billing snapshot has up to 12 */
_Static_assert((SM_P1_MEMO_UNITS & (SM_P1_MEMO_UNITS - 1)) == 0, "a power of two");

typedef struct {
    const uint8_t *p;
    size_t n;
} span;

/* One object: its code and its values. */
typedef struct {
    sm_obis obis;
    const sm_obis_info *info; /* obis's, from the table */
    sm_p1_memo_line *memo;    /* the memo's entry for the line, NULL: none */
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
    sm_p1_memo *memo;
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
    unsigned d = (unsigned)(*p - '0');
    if (d >= 10) {
        if (!letters)
            return NULL;
        switch (*p) {
        case 'C': *v = 96; return p + 1;
        case 'F': *v = 97; return p + 1;
        case 'L': *v = 98; return p + 1;
        case 'P': *v = 99; return p + 1;
        default: return NULL;
        }
    }
    unsigned x = d;
    if (++p < e && (d = (unsigned)(*p - '0')) < 10) {
        x = x * 10 + d;
        if (++p < e && (d = (unsigned)(*p - '0')) < 10) {
            x = x * 10 + d;
            if (x > 255 || (++p < e && (unsigned)(*p - '0') < 10))
                return NULL;
        }
    }
    *v = x;
    return p;
}

/* the usual code, "a-b:c.d.e" with groups of one (a, b) and one or two (c,
 * d, e) digits and nothing of a code after it, read with few tests: its
 * length, 0 when it is another (parse_code reads that one) */
static inline unsigned dig(uint8_t c) { return (unsigned)(c - '0'); }
static size_t usual_code(const uint8_t *p, size_t n, sm_obis *o)
{
    if (n < 16 || dig(p[0]) >= 10 || p[1] != '-' || dig(p[2]) >= 10 || p[3] != ':')
        return 0;
    unsigned v[3];
    const uint8_t *q = p + 4;
    for (int k = 0; k < 3; k++) { /* at most 13 bytes read: n is enough */
        unsigned x = dig(q[0]), y = dig(q[1]);
        if (x >= 10)
            return 0;
        if (y < 10) {
            x = x * 10 + y;
            q++;
        }
        q++;
        if (k < 2 ? *q != '.' : (dig(*q) < 10 || *q == '.' || *q == '*'))
            return 0;
        v[k] = x;
        q += k < 2;
    }
    *o = (sm_obis){(uint8_t)dig(p[0]), (uint8_t)dig(p[2]), (uint8_t)v[0], (uint8_t)v[1],
                   (uint8_t)v[2], 255};
    return (size_t)(q - p);
}

/* [A-B:]C.D[.E][*F] at p; the length, 0 when there is none.  The first
 * group's separator tells the form: "-" after A, "." after C. */
static size_t parse_code(const uint8_t *p, size_t n, sm_obis *o)
{
    size_t k = usual_code(p, n, o);
    if (k)
        return k;
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

/* The code at p into ob, with its table entry; its length, 0: none. */
static size_t object_code(const uint8_t *p, size_t n, object *ob)
{
    size_t k = parse_code(p, n, &ob->obis);
    ob->info = k ? sm_obis_lookup(&ob->obis) : NULL;
    return k;
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
        /* its ")", with no "(" before it (values are short: a loop costs
         * less than two calls of memchr) */
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

static const p1_unit *find_unit_slow(const uint8_t *p, size_t n)
{
    char low[8];
    if (n == 0 || n >= sizeof low)
        return NULL;
    for (size_t i = 0; i < n; i++)
        low[i] = (char)(p[i] >= 'A' && p[i] <= 'Z' ? p[i] + 32 : p[i]);
    for (size_t u = 0; u < sizeof units / sizeof units[0]; u++) {
        if (units[u].len != n)
            continue;
        size_t i = 0; /* a few characters: no call of memcmp */
        while (i < n && units[u].sym[i] == low[i])
            i++;
        if (i == n)
            return &units[u];
    }
    return NULL;
}

/* The unit of a value: a meter repeats the same few, so those seen are
 * remembered (the bytes as sent and their length are the key; 0 is no key). */
static const p1_unit *find_unit(parser *ps, const uint8_t *p, size_t n)
{
    if (n == 0 || n > 7)
        return find_unit_slow(p, n);
    uint64_t key = n;
    for (size_t i = 0; i < n; i++)
        key |= (uint64_t)p[i] << (8 * (i + 1));
    sm_p1_memo *m = ps->memo;
    unsigned slot = (unsigned)((key * 0x9E3779B97F4A7C15ull) >> 60) & (SM_P1_MEMO_UNITS - 1);
    if (key != m->unit_key[slot]) {
        m->unit_key[slot] = key;
        m->unit[slot] = find_unit_slow(p, n);
    }
    return m->unit[slot];
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
static bool parse_number(parser *ps, span s, sm_reading *r, bool *unknown_unit)
{
    bool neg = s.n > 0 && s.p[0] == '-';
    const uint8_t *q = s.p + neg, *e = s.p + s.n;
    int64_t raw = 0;
    unsigned d;
    /* the integer part, then after a "." the decimals: 18 digits at most
     * (a 19th stops the loops, and is then no "*": refused) */
    const uint8_t *first = q, *lim = e - q > 18 ? q + 18 : e;
    for (; q < lim && (d = dig(*q)) < 10; q++)
        raw = raw * 10 + d;
    size_t digits = (size_t)(q - first), decimals = 0;
    if (digits > 0 && q < e && *q == '.') {
        const uint8_t *dot = ++q;
        lim = (size_t)(e - q) > 18 - digits ? q + (18 - digits) : e;
        for (; q < lim && (d = dig(*q)) < 10; q++)
            raw = raw * 10 + d;
        decimals = (size_t)(q - dot);
        if (decimals == 0)
            return false;
    }
    if (digits == 0 || (q < e && *q != '*'))
        return false;
    size_t i = (size_t)(q - s.p);
    const p1_unit *u = NULL;
    if (i < s.n) { /* "*" and the unit */
        u = find_unit(ps, s.p + i + 1, s.n - i - 1);
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

/* A reading zeroed.  With GCC and clang by sixteen-byte stores, written
 * out: a memset of this size is made a string instruction, whose start-up
 * costs more than the stores (and a loop of them is made one again). */
static inline void zero_reading(sm_reading *r)
{
#if defined(__GNUC__) || defined(__clang__)
    typedef uint64_t words16 __attribute__((vector_size(16), may_alias, aligned(8)));
    _Static_assert(sizeof *r >= 16 && sizeof *r <= 256 && _Alignof(sm_reading) >= 8,
                   "zero_reading writes 16 to 256 bytes");
    words16 *w = (words16 *)(void *)r, z = {0, 0};
#define Z(k)                                  \
    if ((k) * 16 + 16 <= sizeof *r)           \
        w[k] = z;
    Z(0) Z(1) Z(2) Z(3) Z(4) Z(5) Z(6) Z(7) Z(8) Z(9) Z(10) Z(11) Z(12) Z(13) Z(14) Z(15)
#undef Z
    if (sizeof *r % 16) /* the rest, overlapping the last whole store */
        *(words16 *)(void *)((char *)r + sizeof *r - 16) = z;
#else
    memset(r, 0, sizeof *r);
#endif
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
    zero_reading(r);
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
    } else if (!parse_number(ps, s, r, &unknown_unit)) {
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
    if (!parse_number(ps, v, r, &unknown_unit)) {
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

/* What ends a value's characters: "(", ")", CR, LF, and the "!" at the end
 * of the text, which every scan meets at the latest (no bound checks). */
#define VSTOP(c) ((c) == '(' || (c) == ')' || (c) == '\r' || (c) == '\n' || (c) == '!')
static const bool value_stop[256] = {C256(VSTOP)};

/* Where the line after a line's last ")" at q begins: after CR LF, LF, or
 * at the end of the text; NULL when something else follows. */
static inline const uint8_t *line_end(const uint8_t *q, const uint8_t *end)
{
    if (q == end)
        return end;
    if (*q == '\n')
        return q + 1;
    if (*q == '\r' && q + 1 == end)
        return end;
    if (*q == '\r' && q[1] == '\n')
        return q + 2;
    return NULL;
}

/* The line met most, "a-b:c.d.e([-]digits[.digits][*unit])" alone (the
 * next line no continuation), with a unit known, for an object that is no
 * text: its reading straight from the characters, in one pass.  Where the
 * next line begins; NULL, nothing written, for any other line (lines()
 * reads it the general way, to the same readings where both can). */
static const uint8_t *number_line(parser *ps, const uint8_t *p, size_t k, const object *ob,
                                  const uint8_t *end, const uint8_t *text, uint16_t lineno)
{
    if (p[k] != '(' || sm_obis_is_text(&ob->obis))
        return NULL;
    /* the digits end at a character that is none, at the latest the "!"
     * after the lines */
    const uint8_t *v = p + k + 1, *q = v + (*v == '-');
    uint64_t raw = 0;
    unsigned d;
    const uint8_t *from = q;
    while ((d = dig(*q)) < 10) {
        raw = raw * 10 + d;
        q++;
    }
    size_t digits = (size_t)(q - from), decimals = 0;
    if (digits == 0)
        return NULL;
    if (*q == '.') {
        from = ++q;
        while ((d = dig(*q)) < 10) {
            raw = raw * 10 + d;
            q++;
        }
        decimals = (size_t)(q - from);
        if (decimals == 0)
            return NULL;
    }
    if (digits + decimals > 18) /* no wrap: raw < 10^18 */
        return NULL;
    const p1_unit *u = NULL;
    if (*q == '*') {
        from = ++q;
        /* the unit the memo holds for this line, when these characters
         * begin with it (8 bytes before the end); that the ")" follows it,
         * so that it is all of the unit, is checked below */
        sm_p1_memo_line *m = ob->memo;
        uint64_t w = 0;
        bool room = end - from >= 8;
        if (room)
            memcpy(&w, from, sizeof w);
        if (m && m->unit_len && room && (w & m->unit_mask) == m->unit_text) {
            u = m->unit;
            q = from + m->unit_len;
        } else {
            while (!value_stop[*q])
                q++;
            size_t n = (size_t)(q - from);
            if (n == 0 || n > 7 || !(u = find_unit(ps, from, n)))
                return NULL;
            if (m && room) {
                uint8_t mask[8] = {0};
                memset(mask, 0xFF, n);
                memcpy(&m->unit_mask, mask, sizeof mask);
                m->unit_text = w & m->unit_mask;
                m->unit_len = (uint8_t)n;
                m->unit = u;
            }
        }
    }
    const uint8_t *next;
    if (*q != ')' || !(next = line_end(q + 1, end)) || (next < end && *next == '('))
        return NULL;
    sm_reading *r =
        push(ps, lineno, (size_t)(p - text), &ob->obis, ob->info, (span){v, (size_t)(q - v)});
    ps->info->lines++;
    if (r)
        set_number(r, *v == '-', (int64_t)raw, decimals, u, u != NULL);
    return next;
}

/* The usual line, in one pass: a code, values "(...)" and CR LF (or LF, or
 * the end of the text).  Fills ob and returns where the next line begins;
 * NULL for anything else, which line_slow() takes as it comes. */
static const uint8_t *line_fast(const uint8_t *p, size_t k, const uint8_t *end, object *ob)
{
    const uint8_t *q = p + k;
    ob->ng = 0;
    ob->full = false;
    ob->vals = q;
    while (*q == '(') {
        const uint8_t *from = ++q;
        while (!value_stop[*q])
            q++;
        if (*q != ')' || ob->ng == MAX_GROUPS)
            return NULL;
        ob->g[ob->ng++] = (span){from, (size_t)(q - from)};
        q++;
    }
    ob->vals_end = q;
    return line_end(q, end);
}

/* A line as it comes, p[0..n) without its line end. */
static void line_slow(parser *ps, object *ob, bool *open, const uint8_t *p, size_t n,
                      const uint8_t *text, uint16_t lineno)
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
        size_t k = object_code(p, n, ob);
        if (!k)
            note(ps, ob, SM_P1_NOTE_LINE);
        else if (!groups(p + k, n - k, ob))
            note(ps, ob, SM_P1_NOTE_GROUP);
        else
            *open = true;
    }
}

/* The code of the line at p, line number lineno, into ob (with its table
 * entry): its length, 0 when there is none.  From the memo when the line
 * at this place began with the same characters last time: parse_code's
 * answer depends on the code's characters and the one after it only, and
 * when those are the memo's 1 to 16 (the line having 16 bytes before the
 * end) it is the memo's. */
static size_t line_code(sm_p1_memo *memo, const uint8_t *p, const uint8_t *end, uint16_t lineno,
                        object *ob)
{
    unsigned at = (unsigned)lineno - 2u; /* the first data line is line 2 */
    ob->memo = NULL;
    if (at >= SM_P1_MEMO_LINES || end - p < 16)
        return object_code(p, (size_t)(end - p), ob);
    sm_p1_memo_line *m = &memo->line[at];
    uint64_t w[2];
    memcpy(w, p, sizeof w);
    if (m->len && !(((w[0] ^ m->text[0]) & m->mask[0]) | ((w[1] ^ m->text[1]) & m->mask[1]))) {
        ob->obis = m->obis;
        ob->info = m->info;
        ob->memo = m;
        return m->len;
    }
    size_t k = object_code(p, (size_t)(end - p), ob);
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
        m->unit_len = 0;
        ob->memo = m;
    }
    return k;
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
        if (*p != '(' && *p != '\r' && *p != '\n') {
            /* the object of the line before is complete: its readings
             * first (ob is reused) */
            if (open)
                object_readings(ps, &ob);
            open = false;
            /* its code, then the line as one number, or as the usual line */
            size_t k = line_code(ps->memo, p, end, lineno, &ob);
            const uint8_t *next = k ? number_line(ps, p, k, &ob, end, text, lineno) : NULL;
            if (next) {
                p = next;
                continue;
            }
            next = k ? line_fast(p, k, end, &ob) : NULL;
            if (next) {
                ps->info->lines++;
                ob.line = lineno;
                ob.line_off = (size_t)(p - text);
                open = true;
                p = next;
                continue;
            }
        }
        const uint8_t *eol = memchr(p, '\n', (size_t)(end - p));
        const uint8_t *next = eol ? eol + 1 : end;
        const uint8_t *le = eol ? eol : end;
        if (le > p && le[-1] == '\r')
            le--;
        line_slow(ps, &ob, &open, p, (size_t)(le - p), text, lineno);
        p = next;
    }
    if (open)
        object_readings(ps, &ob);
}

sm_err sm_p1_parse(const uint8_t *text, size_t len, const sm_p1_frame *framed,
                   sm_p1_info *info, sm_reading_set *out, uint8_t *scratch,
                   size_t scratch_cap, sm_p1_memo *memo, size_t *err_off)
{
    memset(info, 0, sizeof *info);
    out->n = 0;
    out->layout = "p1";
    sm_p1_frame f;
    if (framed) {
        f = *framed;
    } else {
        sm_err e = SM_OK;
        memset(&f, 0, sizeof f);
        sm_p1_scan_result r = sm_p1_scan(text, len, true, &f, &e);
        /* CR, LF or NUL padding may follow the text inside the ciphering */
        size_t at = f.len;
        while (r == SM_P1_COMPLETE && at < len &&
               (text[at] == '\r' || text[at] == '\n' || text[at] == 0))
            at++;
        if (r != SM_P1_COMPLETE || f.parity || at != len) {
            if (err_off)
                *err_off = r == SM_P1_COMPLETE ? at : r == SM_P1_FAILED ? f.len : len;
            return SM_ERR_P1_FORMAT;
        }
        if (sm_p1_check(text, &f) != SM_OK) {
            /* the frames and the ciphering were right: the text is not */
            if (err_off)
                *err_off = f.bang + 1u;
            return SM_ERR_P1_TEXT_CRC;
        }
    }
    info->frame = f;
    info->ident = text + 1;
    info->ident_len = f.ident_len;
    sm_p1_memo none;
    if (!memo) {
        memset(&none, 0, sizeof none);
        memo = &none;
    }
    parser ps = {out, info, scratch, scratch_cap, memo};
    lines(&ps, text, &f);
    return SM_OK;
}
