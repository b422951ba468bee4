/* sm_layout.c - the layout file parser: its two kinds of block, layouts and
 * meter quirks (at the end).  See sm_layout.h and sm_quirk.h for the models
 * and shared/layouts/README for the format. */
#include "sm_layout.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sm_axdr.h"
#include "sm_limits.h"
#include "sm_hex.h"

#define MAX_POS SM_MAX_READINGS /* elements of a list: no telegram has more readings */
#define MAX_WORDS (MAX_POS + 2) /* "types" of the largest list, and its keyword */
#define NAME_MAX_LEN 63


typedef struct {
    const char *p; /* into the line; quoted words: into the unquoted copy */
    size_t n;
    bool quoted;
} word;

/* one line split into words; quoted strings unescaped into buf */
typedef struct {
    word w[MAX_WORDS];
    size_t n;
    char buf[1024];
    size_t used;
    const char *rest; /* the line after the keyword, for free text */
    size_t rest_n;
} line_words;

typedef struct {
    sm_layout_set *s;
    const char *file;
    sm_layout_error *err;
    uint32_t line;
    sm_layout *cur;                 /* the layout being read */
    sm_quirk *quirk;                /* ... or the quirk */
    sm_layout_field fields[MAX_POS];
    bool has_field[MAX_POS];
    size_t maxpos;                  /* positions given: 0..maxpos-1 */
    uint32_t maxpos_line;           /* the line of the field at maxpos-1 */
    bool has_count;
    const sm_layout_set *reserved;  /* names a layout may not have (NULL: none) */
} parser;

static sm_err kw_quirk(parser *ps, const line_words *lw);
static sm_err quirk_keyword(parser *ps, const line_words *lw);
static sm_err quirk_finish(parser *ps);

/* The file is wrong at the current line: say what, and fail. */
__attribute__((format(printf, 2, 3))) static sm_err wrong(parser *ps, const char *fmt, ...);
static sm_err wrong(parser *ps, const char *fmt, ...)
{
    if (ps->err) {
        ps->err->line = ps->line;
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(ps->err->message, sizeof ps->err->message, fmt, ap);
        va_end(ap);
    }
    return SM_ERR_LAYOUT_FILE;
}

static bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r'; }


/* a quoted string from p (after the opening quote) into lw->buf */
static sm_err quoted(parser *ps, line_words *lw, const char **pp, const char *end, word *w)
{
    const char *p = *pp;
    char *out = lw->buf + lw->used;
    size_t n = 0, room = sizeof lw->buf - lw->used;
    for (; p < end && *p != '"'; p++) {
        char c = *p;
        if (c == '\\' && p + 1 < end) {
            p++;
            if (*p == 'x' && p + 2 < end && sm_hex_digit(p[1]) >= 0 && sm_hex_digit(p[2]) >= 0) {
                c = (char)(sm_hex_digit(p[1]) << 4 | sm_hex_digit(p[2]));
                p += 2;
            } else if (*p == '"' || *p == '\\') {
                c = *p;
            } else {
                return wrong(ps, "unknown escape \\%c in a quoted string (\\\", \\\\ and \\xNN are)",
                            *p);
            }
        }
        if (n + 1 >= room)
            return wrong(ps, "quoted string too long");
        out[n++] = c;
    }
    if (p >= end)
        return wrong(ps, "quoted string without its closing \"");
    *pp = p + 1;
    w->p = out;
    w->n = n;
    w->quoted = true;
    lw->used += n;
    return SM_OK;
}

/* A character no layout file has (control bytes; a CR that does not end
 * its line): named by its code, never copied into the message (a binary
 * file's bytes would go into collectd's log). */
static sm_err check_chars(parser *ps, const char *p, const char *end)
{
    for (const char *c = p; c < end; c++) {
        unsigned char u = (unsigned char)*c;
        if (u == '\r' && c + 1 < end)
            return wrong(ps, "a carriage return inside a line: this file's lines end with CR "
                            "alone; a layout file's end with LF (or CR LF)");
        if ((u < 0x20 && u != '\t' && u != '\r') || u == 0x7F)
            return wrong(ps, "a control character (0x%02X) at column %zu: this is no layout file",
                        u, (size_t)(c - p) + 1);
    }
    return SM_OK;
}

static sm_err split(parser *ps, const char *p, const char *end, line_words *lw)
{
    sm_err e0 = check_chars(ps, p, end);
    if (e0)
        return e0;
    lw->n = 0;
    lw->used = 0;
    lw->rest = end;
    lw->rest_n = 0;
    while (p < end) {
        while (p < end && is_space(*p))
            p++;
        if (p >= end || *p == '#')
            break;
        if (lw->n == MAX_WORDS)
            return wrong(ps, "too many words on one line (at most %d)", MAX_WORDS);
        word *w = &lw->w[lw->n];
        if (lw->n == 1) {
            lw->rest = p;
            lw->rest_n = (size_t)(end - p);
            while (lw->rest_n && is_space(lw->rest[lw->rest_n - 1]))
                lw->rest_n--;
        }
        if (*p == '"') {
            p++;
            sm_err e = quoted(ps, lw, &p, end, w);
            if (e)
                return e;
        } else {
            w->p = p;
            w->quoted = false;
            while (p < end && !is_space(*p))
                p++;
            w->n = (size_t)(p - w->p);
        }
        lw->n++;
    }
    return SM_OK;
}

static bool is(const word *w, const char *s)
{
    return !w->quoted && w->n == strlen(s) && memcmp(w->p, s, w->n) == 0;
}

static const char *keep_text(parser *ps, const char *p, size_t n)
{
    sm_layout_set *s = ps->s;
    if (s->ntext + n + 1 > sizeof s->text)
        return NULL;
    char *out = s->text + s->ntext;
    memcpy(out, p, n);
    out[n] = '\0';
    s->ntext += n + 1;
    return out;
}

static bool parse_long(const word *w, long lo, long hi, long *v)
{
    char tmp[24];
    if (w->quoted || w->n == 0 || w->n >= sizeof tmp)
        return false;
    memcpy(tmp, w->p, w->n);
    tmp[w->n] = '\0';
    char *endp;
    long x = strtol(tmp, &endp, 10);
    if (*endp || x < lo || x > hi)
        return false;
    *v = x;
    return true;
}

unsigned sm_layout_type_from_name(const char *s, size_t n)
{
    if (n == 3 && memcmp(s, "any", 3) == 0)
        return 0xFE;
    for (unsigned t = 0; t < 256; t++) {
        const char *name = sm_axdr_type_name((uint8_t)t);
        if (name && strlen(name) == n && memcmp(name, s, n) == 0)
            return t;
    }
    return SM_LAYOUT_NO_TYPE;
}

/* a position: a number below the element limit, or "last" */
static sm_err position(parser *ps, const word *w, const char *kw, unsigned *pos)
{
    long v;
    if (is(w, "last")) {
        *pos = SM_MATCH_LAST;
        return SM_OK;
    }
    if (!parse_long(w, 0, MAX_POS - 1, &v))
        return wrong(ps, "%s: position \"%.*s\" is not a number from 0 to %d or \"last\"", kw,
                    (int)w->n, w->p, MAX_POS - 1);
    *pos = (unsigned)v;
    return SM_OK;
}

static sm_err hex_bytes(parser *ps, line_words *lw, const word *w, word *out)
{
    if (w->n % 2 || w->n == 0 || w->n / 2 > sizeof lw->buf - lw->used)
        return wrong(ps, "match: \"%.*s\" is not an even number of hex digits", (int)w->n, w->p);
    char *dst = lw->buf + lw->used;
    for (size_t i = 0; i < w->n; i += 2) {
        int hi = sm_hex_digit(w->p[i]), lo = sm_hex_digit(w->p[i + 1]);
        if (hi < 0 || lo < 0)
            return wrong(ps, "match: \"%.*s\" is not hex", (int)w->n, w->p);
        dst[i / 2] = (char)(hi << 4 | lo);
    }
    out->p = dst;
    out->n = w->n / 2;
    out->quoted = true;
    lw->used += out->n;
    return SM_OK;
}

/* match POS "text" | prefix "text" | hex HEX | prefix hex HEX | date-time | type TYPE */
static sm_err kw_match(parser *ps, line_words *lw)
{
    sm_layout *l = ps->cur;
    if (lw->n < 3)
        return wrong(ps, "match: give a position and a condition (\"text\", prefix \"text\", "
                        "hex HEX, date-time or type TYPE)");
    if (l->nmatch == SM_LAYOUT_MAX_MATCHES)
        return wrong(ps, "match: at most %d per layout", SM_LAYOUT_MAX_MATCHES);
    sm_layout_match *m = &l->match[l->nmatch];
    unsigned pos;
    sm_err e = position(ps, &lw->w[1], "match", &pos);
    if (e)
        return e;
    m->pos = (uint16_t)pos;
    size_t i = 2;
    m->kind = SM_MATCH_EQUALS;
    if (is(&lw->w[i], "prefix") && lw->n > i + 1) {
        m->kind = SM_MATCH_PREFIX;
        i++;
    }
    word str = lw->w[i];
    if (is(&lw->w[i], "date-time") && m->kind == SM_MATCH_EQUALS && lw->n == 3) {
        m->kind = SM_MATCH_DATETIME;
    } else if (is(&lw->w[i], "type") && m->kind == SM_MATCH_EQUALS && lw->n == 4) {
        unsigned t = sm_layout_type_from_name(lw->w[3].p, lw->w[3].n);
        if (t == SM_LAYOUT_NO_TYPE || t == 0xFE)
            return wrong(ps, "match: unknown type \"%.*s\"", (int)lw->w[3].n, lw->w[3].p);
        m->kind = SM_MATCH_TYPE;
        m->type = (uint8_t)t;
    } else if (is(&lw->w[i], "hex") && lw->n == i + 2) {
        if ((e = hex_bytes(ps, lw, &lw->w[i + 1], &str)))
            return e;
    } else if (!lw->w[i].quoted || lw->n != i + 1) {
        return wrong(ps, "match: \"%.*s\" is no condition (\"text\", prefix \"text\", hex HEX, "
                        "date-time or type TYPE)", (int)lw->w[i].n, lw->w[i].p);
    }
    if (m->kind == SM_MATCH_EQUALS || m->kind == SM_MATCH_PREFIX) {
        const char *kept = keep_text(ps, str.p, str.n);
        if (!kept)
            return wrong(ps, "the layouts' text is full (%d bytes)", SM_LAYOUT_SET_TEXT);
        m->bytes = (const uint8_t *)kept;
        m->len = (uint16_t)str.n;
    }
    l->nmatch++;
    return SM_OK;
}

static bool obis_word(const word *w, sm_obis *o)
{
    char code[40];
    if (w->n >= sizeof code)
        return false;
    memcpy(code, w->p, w->n);
    code[w->n] = '\0';
    return sm_obis_parse(code, o);
}

/* field POS OBIS|- [SCALER UNIT] */
static sm_err kw_field(parser *ps, line_words *lw)
{
    if (lw->n != 3 && lw->n != 5)
        return wrong(ps, "field: give a position, an OBIS code (or -) and optionally a scaler "
                        "and a unit: field 2 1-0:32.7.0 -1 V");
    unsigned pos;
    sm_err e = position(ps, &lw->w[1], "field", &pos);
    if (e)
        return e;
    sm_layout_field f = {0, {0, 0, 0, 0, 0, 0}, 0, 0};
    const word *ob = &lw->w[2];
    if (!is(ob, "-")) {
        if (!obis_word(ob, &f.obis))
            return wrong(ps, "field: \"%.*s\" is no OBIS code (write 1-0:32.7.0)",
                         (int)ob->n, ob->p);
        f.flags |= SM_LF_OBIS;
    }
    if (lw->n == 5) {
        long sc;
        if (!parse_long(&lw->w[3], -128, 127, &sc))
            return wrong(ps, "field: scaler \"%.*s\" is not a number from -128 to 127",
                        (int)lw->w[3].n, lw->w[3].p);
        uint8_t unit = sm_unit_from_symbol(lw->w[4].p, lw->w[4].n);
        if (!unit && !is(&lw->w[4], "-"))
            return wrong(ps, "field: unknown unit \"%.*s\" (V, A, W, Wh, var, varh, Hz, ... or -)",
                        (int)lw->w[4].n, lw->w[4].p);
        f.scaler = (int8_t)sc;
        f.unit = unit;
        f.flags |= SM_LF_SCALER;
    }
    if (pos == SM_MATCH_LAST) {
        if (ps->cur->last_field)
            return wrong(ps, "field: position last is given twice");
        ps->cur->last_field = true;
        ps->cur->last = f;
        return SM_OK;
    }
    if (ps->has_field[pos])
        return wrong(ps, "field: position %u is given twice", pos);
    ps->has_field[pos] = true;
    ps->fields[pos] = f;
    if (pos + 1 > ps->maxpos) {
        ps->maxpos = pos + 1;
        ps->maxpos_line = ps->line;
    }
    return SM_OK;
}

/* implied C.D.E SCALER|mains-voltage UNIT (E may be *) */
static sm_err kw_implied(parser *ps, line_words *lw)
{
    sm_layout_set *s = ps->s;
    if (lw->n != 4)
        return wrong(ps, "implied: give C.D.E, a scaler (or mains-voltage) and a unit: "
                        "implied 31.7.0 -2 A");
    if (s->nimplied == SM_LAYOUT_SET_IMPLIED)
        return wrong(ps, "implied: the set is full (%d rules)", SM_LAYOUT_SET_IMPLIED);
    sm_implied im = {0, 0, 0, 0, 0, SM_FIT_NONE};
    unsigned c, d;
    char e[8], tail;
    char code[24];
    const word *w = &lw->w[1];
    if (w->quoted || w->n >= sizeof code)
        return wrong(ps, "implied: \"%.*s\" is not C.D.E", (int)w->n, w->p);
    memcpy(code, w->p, w->n);
    code[w->n] = '\0';
    if (sscanf(code, "%u.%u.%7[0-9*]%c", &c, &d, e, &tail) != 3 || c > 255 || d > 255)
        return wrong(ps, "implied: \"%s\" is not C.D.E (31.7.0, or 1.8.* for every tariff)", code);
    im.c = (uint8_t)c;
    im.d = (uint8_t)d;
    if (strcmp(e, "*") == 0)
        im.e = SM_IMPLIED_ANY_E;
    else if (strchr(e, '*') || atoi(e) > 255)
        return wrong(ps, "implied: \"%s\": E is a number up to 255 or *", code);
    else
        im.e = (uint16_t)atoi(e);
    long sc = 0;
    if (is(&lw->w[2], "mains-voltage"))
        im.fit = SM_FIT_MAINS_VOLTAGE;
    else if (is(&lw->w[2], "mains-frequency"))
        im.fit = SM_FIT_MAINS_FREQUENCY;
    else if (!parse_long(&lw->w[2], -128, 127, &sc))
        return wrong(ps, "implied: scaler \"%.*s\" is not a number from -128 to 127, "
                        "mains-voltage or mains-frequency", (int)lw->w[2].n, lw->w[2].p);
    im.scaler = (int8_t)sc;
    im.unit = sm_unit_from_symbol(lw->w[3].p, lw->w[3].n);
    if (!im.unit && !is(&lw->w[3], "-"))
        return wrong(ps, "implied: unknown unit \"%.*s\"", (int)lw->w[3].n, lw->w[3].p);
    if (!ps->cur->nimplied)
        ps->cur->implied = &s->implied[s->nimplied];
    s->implied[s->nimplied++] = im;
    ps->cur->nimplied++;
    return SM_OK;
}

static sm_err kw_types(parser *ps, line_words *lw)
{
    sm_layout_set *s = ps->s;
    size_t n = lw->n - 1;
    if (n == 0)
        return wrong(ps, "types: give the type of each element (long-unsigned, octet-string, "
                        "... or any)");
    if (ps->cur->types)
        return wrong(ps, "types: given twice");
    if (s->ntypes + n > SM_LAYOUT_SET_FIELDS)
        return wrong(ps, "types: the set is full (%d types)", SM_LAYOUT_SET_FIELDS);
    if (ps->has_count && n != ps->cur->count)
        return wrong(ps, "types: %zu types for a count of %u", n, ps->cur->count);
    for (size_t i = 0; i < n; i++) {
        const word *w = &lw->w[i + 1];
        unsigned t = sm_layout_type_from_name(w->p, w->n);
        if (t == SM_LAYOUT_NO_TYPE || w->quoted)
            return wrong(ps, "types: unknown type \"%.*s\" (element %zu)", (int)w->n, w->p, i);
        s->types[s->ntypes + i] = (uint8_t)t;
    }
    ps->cur->types = &s->types[s->ntypes];
    s->ntypes += n;
    ps->cur->count = (uint16_t)n;
    ps->has_count = true;
    return SM_OK;
}

/* KEYWORD WORD where WORD is one of names: its index into *out, else the
 * error "what" names the choices */
static sm_err kw_choice(parser *ps, line_words *lw, const char *const *names, unsigned n,
                        uint8_t *out, const char *what)
{
    for (unsigned i = 0; lw->n == 2 && i < n; i++)
        if (is(&lw->w[1], names[i])) {
            *out = (uint8_t)i;
            return SM_OK;
        }
    return wrong(ps, "%s", what);
}

static sm_err kw_form(parser *ps, line_words *lw)
{
    static const char *const forms[] = {"positional", "keyed", "capture-list", "tuples"};
    return kw_choice(ps, lw, forms, 4, &ps->cur->form,
                     "form: positional, keyed, capture-list or tuples");
}

static sm_err kw_class_rules(parser *ps, line_words *lw)
{
    static const char *const rules[] = {"none", "units", "all"};
    return kw_choice(ps, lw, rules, 3, &ps->cur->class_rules, "class-rules: none, units or all");
}

static sm_err kw_count(parser *ps, line_words *lw)
{
    long v;
    if (lw->n != 2 || !parse_long(&lw->w[1], 1, MAX_POS, &v))
        return wrong(ps, "count: a number of elements from 1 to %d", MAX_POS);
    if (ps->has_count && ps->cur->count != v)
        return wrong(ps, "count: %ld, but the types give %u", v, ps->cur->count);
    ps->cur->count = (uint16_t)v;
    ps->has_count = true;
    return SM_OK;
}

static sm_err kw_text(parser *ps, const line_words *lw, const char **dst, const char *kw)
{
    if (lw->n < 2)
        return wrong(ps, "%s: give the text", kw);
    if (*dst)
        return wrong(ps, "%s: given twice", kw);
    if (!(*dst = keep_text(ps, lw->rest, lw->rest_n)))
        return wrong(ps, "the layouts' text is full (%d bytes)", SM_LAYOUT_SET_TEXT);
    return SM_OK;
}

/* the end of a layout: its fields into the set, and the checks that need all of it */
/* the position of a match beyond a positional layout's count, or -1 */
static int match_beyond(const sm_layout *l)
{
    for (unsigned i = 0; i < l->nmatch; i++)
        if (l->match[i].pos != SM_MATCH_LAST && l->match[i].pos >= l->count)
            return l->match[i].pos;
    return -1;
}

static sm_err finish(parser *ps)
{
    if (ps->quirk)
        return quirk_finish(ps);
    sm_layout *l = ps->cur;
    sm_layout_set *s = ps->s;
    if (!l)
        return SM_OK;
    uint32_t line = ps->line;
    ps->line = l->line;
    sm_err e = SM_OK;
    bool pos = l->form == SM_FORM_POSITIONAL;
    int beyond = pos ? match_beyond(l) : -1;
    if (pos && !ps->has_count)
        e = wrong(ps, "layout %s: a positional layout needs its count (or types)", l->name);
    else if (pos && ps->maxpos > l->count) {
        ps->line = ps->maxpos_line;
        e = wrong(ps, "layout %s: a field at position %zu, beyond its count of %u", l->name,
                 ps->maxpos - 1, l->count);
    }
    else if (pos && l->last_field && l->count > 0 && ps->has_field[l->count - 1])
        e = wrong(ps, "layout %s: field %u and field last are the same element (its count is "
                     "%u): give it once", l->name, l->count - 1, l->count);
    else if (pos && beyond >= 0)
        e = wrong(ps, "layout %s: a match at position %d, beyond its count of %u", l->name, beyond,
                 l->count);
    else if ((ps->maxpos || l->last_field) && !pos && l->form != SM_FORM_KEYED)
        e = wrong(ps, "layout %s: fields are for positional and keyed layouts", l->name);
    else if (!pos && l->form != SM_FORM_CAPTURE && l->form != SM_FORM_TUPLES && !l->nmatch)
        e = wrong(ps, "layout %s: a keyed layout needs a match (it would apply to every list)",
                 l->name);
    else if (!l->description || !l->source)
        e = wrong(ps, "layout %s: give its description and its source (where the meaning of "
                     "its fields comes from)", l->name);
    size_t n = pos ? l->count : ps->maxpos;
    if (!e && s->nfields + n > SM_LAYOUT_SET_FIELDS)
        e = wrong(ps, "layout %s: the set is full (%d fields)", l->name, SM_LAYOUT_SET_FIELDS);
    ps->line = line;
    if (e)
        return e;
    memcpy(&s->fields[s->nfields], ps->fields, n * sizeof ps->fields[0]);
    l->fields = &s->fields[s->nfields];
    l->nfields = (uint16_t)n;
    s->nfields += n;
    s->n++;
    ps->cur = NULL;
    return SM_OK;
}

static bool name_ok(const word *w)
{
    if (w->quoted || w->n == 0 || w->n > NAME_MAX_LEN)
        return false;
    for (size_t i = 0; i < w->n; i++) {
        char c = w->p[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
              c == '.'))
            return false;
    }
    return true;
}

/* the layout of set s named w, NULL when there is none */
static const sm_layout *named(const sm_layout_set *s, const word *w)
{
    for (size_t i = 0; i < s->n; i++)
        if (strlen(s->layouts[i].name) == w->n && memcmp(s->layouts[i].name, w->p, w->n) == 0)
            return &s->layouts[i];
    return NULL;
}

static sm_err kw_layout(parser *ps, line_words *lw)
{
    sm_err e = finish(ps);
    if (e)
        return e;
    sm_layout_set *s = ps->s;
    if (lw->n != 2 || !name_ok(&lw->w[1]))
        return wrong(ps, "layout: give its name (lower-case letters, digits, - _ and ., at most "
                        "%d)", NAME_MAX_LEN);
    const sm_layout *same = named(s, &lw->w[1]);
    if (same)
        return wrong(ps, "layout %s: defined twice (first at %s:%u)", same->name, same->file,
                    same->line);
    /* a user's layout with a built-in's name: output would name the wrong one */
    if (ps->reserved && (same = named(ps->reserved, &lw->w[1])))
        return wrong(ps, "layout %s: a built-in layout has this name (%s:%u): give yours "
                        "another", same->name, same->file, same->line);
    if (s->n == SM_LAYOUT_SET_LAYOUTS)
        return wrong(ps, "layout: the set is full (%d layouts)", SM_LAYOUT_SET_LAYOUTS);
    sm_layout *l = &s->layouts[s->n];
    memset(l, 0, sizeof *l);
    if (!(l->name = keep_text(ps, lw->w[1].p, lw->w[1].n)))
        return wrong(ps, "the layouts' text is full (%d bytes)", SM_LAYOUT_SET_TEXT);
    l->file = ps->file;
    l->line = ps->line;
    ps->cur = l;
    memset(ps->has_field, 0, sizeof ps->has_field);
    memset(ps->fields, 0, sizeof ps->fields);
    ps->maxpos = 0;
    ps->has_count = false;
    return SM_OK;
}

static sm_err keyword(parser *ps, line_words *lw)
{
    const word *k = &lw->w[0];
    if (is(k, "layout"))
        return kw_layout(ps, lw);
    if (is(k, "quirk")) {
        sm_err e = finish(ps);
        return e ? e : kw_quirk(ps, lw);
    }
    if (ps->quirk)
        return quirk_keyword(ps, lw);
    if (!ps->cur)
        return wrong(ps, "\"%.*s\" before the first \"layout NAME\" (or \"quirk NAME\") line",
                     (int)k->n, k->p);
    if (is(k, "description"))
        return kw_text(ps, lw, &ps->cur->description, "description");
    if (is(k, "source"))
        return kw_text(ps, lw, &ps->cur->source, "source");
    if (is(k, "form"))
        return kw_form(ps, lw);
    if (is(k, "count"))
        return kw_count(ps, lw);
    if (is(k, "types"))
        return kw_types(ps, lw);
    if (is(k, "match"))
        return kw_match(ps, lw);
    if (is(k, "field"))
        return kw_field(ps, lw);
    if (is(k, "implied"))
        return kw_implied(ps, lw);
    if (is(k, "class-rules"))
        return kw_class_rules(ps, lw);
    return wrong(ps, "unknown keyword \"%.*s\" (layout, description, source, form, count, types, "
                    "match, field, implied, class-rules)", (int)k->n, k->p);
}

void sm_layout_set_init(sm_layout_set *s)
{
    s->n = s->nfields = s->ntypes = s->nimplied = s->ntext = s->nquirks = 0;
}

sm_err sm_layout_set_parse_except(sm_layout_set *s, const char *text, size_t len,
                                  const char *file, const sm_layout_set *reserved,
                                  sm_layout_error *err)
{
    parser ps;
    line_words lw;
    memset(&ps, 0, sizeof ps);
    ps.reserved = reserved;
    ps.s = s;
    ps.file = file;
    ps.err = err;
    size_t saved[6] = {s->n, s->nfields, s->ntypes, s->nimplied, s->ntext, s->nquirks};
    sm_err e = SM_OK;
    size_t start = 0;
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
        start = 3; /* a UTF-8 byte-order mark, as some editors write: no content */
    for (size_t at = start; at < len && !e;) {
        const char *p = text + at, *nl = memchr(p, '\n', len - at);
        const char *end = nl ? nl : text + len;
        ps.line++;
        at = (size_t)(end - text) + 1;
        if (memchr(p, '\0', (size_t)(end - p)))
            e = wrong(&ps, "a NUL byte: this is no layout file");
        else if (!(e = split(&ps, p, end, &lw)) && lw.n)
            e = keyword(&ps, &lw);
    }
    if (!e) {
        ps.line++;
        e = finish(&ps);
    }
    if (e) {
        s->n = saved[0], s->nfields = saved[1], s->ntypes = saved[2];
        s->nimplied = saved[3], s->ntext = saved[4], s->nquirks = saved[5];
    }
    return e;
}


sm_err sm_layout_set_parse(sm_layout_set *s, const char *text, size_t len, const char *file,
                           sm_layout_error *err)
{
    return sm_layout_set_parse_except(s, text, len, file, NULL, err);
}

/* ---- a quirk block: "quirk NAME" and its keywords (sm_quirk.h) ---------- */

const sm_quirk *sm_layout_set_quirk(const sm_layout_set *s, const char *name, size_t n)
{
    for (size_t i = 0; s && i < s->nquirks; i++)
        if (strlen(s->quirks[i].name) == n && memcmp(s->quirks[i].name, name, n) == 0)
            return &s->quirks[i];
    return NULL;
}

static sm_err kw_quirk(parser *ps, const line_words *lw)
{
    sm_layout_set *s = ps->s;
    if (lw->n != 2 || !name_ok(&lw->w[1]))
        return wrong(ps, "quirk: give its name (lower-case letters, digits, - _ and ., at "
                     "most %d)", NAME_MAX_LEN);
    const word *w = &lw->w[1];
    const sm_quirk *same = sm_layout_set_quirk(s, w->p, w->n);
    if (same)
        return wrong(ps, "quirk %s: defined twice (first at %s:%u)", same->name, same->file,
                     same->line);
    if ((same = sm_layout_set_quirk(ps->reserved, w->p, w->n)))
        return wrong(ps, "quirk %s: a built-in quirk has this name (%s:%u): give yours "
                     "another", same->name, same->file, same->line);
    if (s->nquirks == SM_LAYOUT_SET_QUIRKS)
        return wrong(ps, "quirk: the set is full (%d quirks)", SM_LAYOUT_SET_QUIRKS);
    sm_quirk *q = &s->quirks[s->nquirks];
    memset(q, 0, sizeof *q);
    if (!(q->name = keep_text(ps, w->p, w->n)))
        return wrong(ps, "the layouts' text is full (%d bytes)", SM_LAYOUT_SET_TEXT);
    q->file = ps->file;
    q->line = ps->line;
    ps->quirk = q;
    return SM_OK;
}

static bool upper3(const word *w)
{
    if (w->n != 3)
        return false;
    for (size_t i = 0; i < 3; i++)
        if (w->p[i] < 'A' || w->p[i] > 'Z')
            return false;
    return true;
}

/* maker FLAG... */
static sm_err kw_maker(parser *ps, const line_words *lw)
{
    sm_quirk *q = ps->quirk;
    if (lw->n < 2 || q->nmakers + lw->n - 1 > SM_QUIRK_MAX_MAKERS)
        return wrong(ps, "maker: give one to %d three-letter FLAG codes (DZG, EMH ...)",
                     SM_QUIRK_MAX_MAKERS);
    for (size_t i = 1; i < lw->n; i++) {
        if (!upper3(&lw->w[i]))
            return wrong(ps, "maker: \"%.*s\" is no FLAG code (three capital letters)",
                         (int)lw->w[i].n, lw->w[i].p);
        memcpy(q->makers[q->nmakers++], lw->w[i].p, 3);
    }
    return SM_OK;
}

/* A printed DIN 43863-5 meter number: a digit, three letters, ten digits. */
static bool meter_number(const word *w)
{
    if (w->n != SM_QUIRK_NUMBER_LEN - 1)
        return false;
    for (size_t i = 0; i < w->n; i++) {
        char c = w->p[i];
        bool letter = i >= 1 && i <= 3;
        if (letter ? (c < 'A' || c > 'Z') : (c < '0' || c > '9'))
            return false;
    }
    return true;
}

/* meter-number from|below NUMBER */
static sm_err kw_number(parser *ps, const line_words *lw)
{
    sm_quirk *q = ps->quirk;
    bool from = lw->n == 3 && is(&lw->w[1], "from");
    if (lw->n != 3 || !(from || is(&lw->w[1], "below")) || !meter_number(&lw->w[2]))
        return wrong(ps, "meter-number: give from or below and a printed meter number: "
                     "meter-number below 1DZG0060000000");
    char *dst = from ? q->number_from : q->number_below;
    if (*dst)
        return wrong(ps, "meter-number %s: given twice", from ? "from" : "below");
    memcpy(dst, lw->w[2].p, lw->w[2].n);
    dst[lw->w[2].n] = '\0';
    return SM_OK;
}

static sm_err kw_firmware(parser *ps, const line_words *lw)
{
    sm_quirk *q = ps->quirk;
    if (lw->n != 2 || !lw->w[1].quoted || lw->w[1].n == 0)
        return wrong(ps, "firmware: give the version's beginning in quotes: firmware \"1.1\"");
    if (q->firmware)
        return wrong(ps, "firmware: given twice");
    if (!(q->firmware = keep_text(ps, lw->w[1].p, lw->w[1].n)))
        return wrong(ps, "the layouts' text is full (%d bytes)", SM_LAYOUT_SET_TEXT);
    return SM_OK;
}

static sm_quirk_action *new_action(parser *ps, const char *kw)
{
    sm_quirk *q = ps->quirk;
    if (q->nactions == SM_QUIRK_MAX_ACTIONS) {
        wrong(ps, "%s: a quirk has at most %d actions", kw, SM_QUIRK_MAX_ACTIONS);
        return NULL;
    }
    sm_quirk_action *a = &q->actions[q->nactions];
    memset(a, 0, sizeof *a);
    return a;
}

/* unsigned OBIS... [width N] */
static sm_err kw_unsigned(parser *ps, const line_words *lw)
{
    size_t codes = lw->n;
    long width = 0;
    if (lw->n >= 4 && is(&lw->w[lw->n - 2], "width")) {
        const word *w = &lw->w[lw->n - 1];
        width = w->n == 1 && w->p[0] >= '1' && w->p[0] <= '8' ? w->p[0] - '0' : -1;
        codes -= 2;
    }
    if (codes < 2 || width < 0)
        return wrong(ps, "unsigned: give the OBIS codes and optionally the integers' width "
                     "in bytes (1 to 8): unsigned 1-0:16.7.0 1-0:36.7.0 width 2");
    for (size_t i = 1; i < codes; i++) {
        sm_quirk_action *a = new_action(ps, "unsigned");
        if (!a)
            return SM_ERR_LAYOUT_FILE;
        if (!obis_word(&lw->w[i], &a->code))
            return wrong(ps, "unsigned: \"%.*s\" is no OBIS code (write 1-0:16.7.0)",
                         (int)lw->w[i].n, lw->w[i].p);
        a->kind = SM_QA_UNSIGNED;
        a->width = (uint8_t)width;
        ps->quirk->nactions++;
    }
    return SM_OK;
}

/* direction STATUS-OBIS BIT OBIS [as OBIS] */
static sm_err kw_direction(parser *ps, const line_words *lw)
{
    sm_quirk_action *a = new_action(ps, "direction");
    if (!a)
        return SM_ERR_LAYOUT_FILE;
    char *end = NULL;
    long bit = -1;
    if (lw->n >= 3 && lw->w[2].n > 0 && lw->w[2].n < 3 && lw->w[2].p[0] >= '0' &&
        lw->w[2].p[0] <= '9')
        bit = strtol(lw->w[2].p, &end, 10);
    bool as = lw->n == 6 && is(&lw->w[4], "as");
    if ((lw->n != 4 && !as) || !obis_word(&lw->w[1], &a->status) ||
        end != lw->w[2].p + lw->w[2].n || bit < 0 || bit > 63 ||
        !obis_word(&lw->w[3], &a->code) || (as && !obis_word(&lw->w[5], &a->as)))
        return wrong(ps, "direction: give the reading whose status word tells, its bit "
                     "(0 to 63), the power and optionally its signed code: direction "
                     "1-0:1.8.0 5 1-0:15.7.0 as 1-0:16.7.0");
    if (!as)
        a->as = a->code;
    a->kind = SM_QA_DIRECTION;
    a->bit = (uint8_t)bit;
    ps->quirk->nactions++;
    return SM_OK;
}

static sm_err quirk_keyword(parser *ps, const line_words *lw)
{
    const word *k = &lw->w[0];
    if (is(k, "description"))
        return kw_text(ps, lw, &ps->quirk->description, "description");
    if (is(k, "source"))
        return kw_text(ps, lw, &ps->quirk->source, "source");
    if (is(k, "maker"))
        return kw_maker(ps, lw);
    if (is(k, "meter-number"))
        return kw_number(ps, lw);
    if (is(k, "firmware"))
        return kw_firmware(ps, lw);
    if (is(k, "unsigned"))
        return kw_unsigned(ps, lw);
    if (is(k, "direction"))
        return kw_direction(ps, lw);
    return wrong(ps, "unknown keyword \"%.*s\" in a quirk (description, source, maker, "
                 "meter-number, firmware, unsigned, direction)", (int)k->n, k->p);
}

static sm_err quirk_finish(parser *ps)
{
    sm_quirk *q = ps->quirk;
    uint32_t line = ps->line;
    ps->line = q->line;
    sm_err e = SM_OK;
    if (!q->nmakers)
        e = wrong(ps, "quirk %s: give its maker (it would apply to every meter)", q->name);
    else if (!q->nactions)
        e = wrong(ps, "quirk %s: give what it changes (unsigned, direction)", q->name);
    else if (!q->description || !q->source)
        e = wrong(ps, "quirk %s: give its description and its source (where the meter's "
                  "bug is reported)", q->name);
    else if (*q->number_from && *q->number_below &&
             strcmp(q->number_from, q->number_below) >= 0)
        e = wrong(ps, "quirk %s: meter-number from %s is not below %s", q->name,
                        q->number_from, q->number_below);
    ps->line = line;
    if (e)
        return e;
    ps->s->nquirks++;
    ps->quirk = NULL;
    return SM_OK;
}

