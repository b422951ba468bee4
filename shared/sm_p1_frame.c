/* sm_p1_frame.c - P1 text telegrams: where one begins and ends, and its
 * check (the deframer's and the ciphering's view).  Their lines are read
 * in sm_p1_lines.c.  See sm_p1.h. */
#define SM_ALLOW_PRIVATE_ACCESS
#include "sm_p1.h"

#include <string.h>

#include "sm_crc.h"
#include "sm_cursor.h"
#include "sm_fast.h"
#include "sm_hex.h"
#include "sm_link.h"

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

#if SM_FAST_PATHS && (defined(__GNUC__) || defined(__clang__))
/* Fast path (P1 instructions per telegram): sixteen characters of a
 * telegram's lines at a time, in the compiler's vectors (SSE2, NEON, or
 * plain words where there are none): are they all of class 0 of 7-bit
 * characters (printable but "!" and "/", CR, LF)? */
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

/* The telegram fails with e; its first len bytes are its own. */
static sm_p1_scan_result scan_failed(sm_p1_frame *f, sm_err *err, sm_err e, size_t len)
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
            return c == '/' ? scan_failed(f, err, SM_ERR_P1_CUT, i) /* the next one's */
                            : scan_failed(f, err, c < 0 ? SM_ERR_P1_PARITY : SM_ERR_P1_CHAR, i + 1);
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
            return scan_failed(f, err, SM_ERR_P1_PARITY, i + 1);
        if (want[k] >= 0 && c == '/') /* the next telegram begins (a BCC may be "/") */
            return scan_failed(f, err, SM_ERR_P1_CUT, i);
        if (want[k] >= 0 && c != want[k])
            return scan_failed(f, err, SM_ERR_P1_CHAR, i + 1);
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
            return scan_failed(f, err, SM_ERR_P1_CUT, HEADER_CUT - h);
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
        while (i < lim && cls[p[i]] == 0)
            i++;
        f->resume = (uint32_t)i;
        if (i == lim)
            return i < n ? scan_failed(f, err, SM_ERR_OVERSIZE, i) : SM_P1_PARTIAL;
        switch (cls[p[i]]) {
        case 1: f->bang = (uint32_t)i; break;
        case 2: return scan_failed(f, err, SM_ERR_P1_CUT, i); /* the next telegram begins */
        case 3:
            if (!opens_block(p, i, f))
                return scan_failed(f, err, SM_ERR_P1_CHAR, i + 1);
            f->stx = (uint32_t)i;
            f->body = f->resume = (uint32_t)i + 1;
            break;
        default: return scan_failed(f, err, SM_ERR_P1_PARITY, i + 1);
        }
    }
    sm_p1_scan_result r = f->stx ? block_end(p, n, f, err) : trailer(p, n, eof, f, err);
    if (r == SM_P1_COMPLETE && f->len > SM_P1_MAX)
        return scan_failed(f, err, SM_ERR_OVERSIZE, f->len);
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

sm_err sm_p1_text(sm_cur *c, sm_p1_frame *f)
{
    const uint8_t *text = c->p;
    size_t len = sm_cur_left(c);
    sm_err e = SM_OK;
    memset(f, 0, sizeof *f);
    sm_p1_scan_result r = sm_p1_scan(text, len, true, f, &e);
    /* CR, LF or NUL padding may follow the text inside the ciphering */
    size_t at = f->len;
    while (r == SM_P1_COMPLETE && at < len && (text[at] == '\r' || text[at] == '\n' || text[at] == 0))
        at++;
    if (r != SM_P1_COMPLETE || f->parity || at != len) {
        c->p = text + (r == SM_P1_COMPLETE ? at : r == SM_P1_FAILED ? f->len : len);
        return SM_ERR_P1_FORMAT;
    }
    if (sm_p1_check(text, f) != SM_OK) {
        /* the frames and the ciphering were right: the text is not */
        c->p = text + f->bang + 1u;
        return SM_ERR_P1_TEXT_CRC;
    }
    c->p = text + f->len;
    return SM_OK;
}

bool sm_p1_detect(const uint8_t *p, size_t n)
{
    return n >= 4 && p[0] == '/' && letter(p[1]) && letter(p[2]) && letter(p[3]);
}

/* ---- the deframer's P1 family (sm_link.h) -------------------------------- */

static sm_cand p1_scan(sm_scan *s)
{
    sm_deframer *d = s->d;
    sm_p1_frame *f = &d->p1.frame;
    if (d->p1.at != s->off + 1) { /* a new candidate: look from its beginning */
        memset(f, 0, sizeof *f);
        d->p1.at = s->off + 1;
    }
    sm_err err = SM_OK;
    switch (sm_p1_scan(s->p, s->n, s->end != SM_END_NONE, f, &err)) {
    case SM_P1_NOT: return SM_CAND_NOT_FRAME;
    case SM_P1_MORE: return SM_CAND_NEED_MORE;
    case SM_P1_PARTIAL: return SM_CAND_PARTIAL;
    case SM_P1_FAILED: {
        /* the rest of the failed one, up to its "!" CRC, is its own */
        d->p1.tail_owned = err != SM_ERR_P1_CUT;
        /* where: the character not allowed, the "/" of the next one */
        uint64_t at = err == SM_ERR_P1_CUT    ? s->off + f->len
                      : err == SM_ERR_OVERSIZE ? s->off
                                               : s->off + f->len - 1;
        sm_link_abandon(d, s->off);
        sm_link_report(d, err, SM_LINK_P1, s->off, f->len, at);
        s->used = f->len;
        return SM_CAND_BAD;
    }
    case SM_P1_COMPLETE: break;
    }
    /* the text, its parity bits masked off, and its CRC */
    uint8_t *text = d->as.apdu;
    if (f->parity)
        for (size_t i = 0; i < f->len; i++)
            text[i] = s->p[i] & 0x7F;
    else
        memcpy(text, s->p, f->len);
    s->used = f->len;
    sm_link_abandon(d, s->off);
    sm_err e = sm_p1_check(text, f);
    if (!e && f->crc_status == SM_P1_CRC_NONE && d->p1.crc_seen)
        e = SM_ERR_P1_NO_CRC; /* a character turned into "!" cut it short */
    if (e) {
        /* where: the CRC's first digit, the BCC, the "!" of a missing CRC */
        uint64_t at = e == SM_ERR_P1_BCC ? s->off + f->len - 1
                                         : s->off + f->bang + (e == SM_ERR_P1_CRC);
        d->p1.tail_owned = true; /* a "!" that damage made may end it early */
        sm_link_report(d, e, SM_LINK_P1, s->off, f->len, at);
        return SM_CAND_BAD;
    }
    d->p1.crc_seen |= f->crc_status != SM_P1_CRC_NONE;
    d->stats.frames++;
    d->stats.p1_unchecked += !sm_p1_checked(f);
    sm_link_begin(d, SM_LINK_P1, s->off);
    sm_frame *fr = sm_link_frame(d, SM_LINK_P1, s->off, f->len);
    fr->u.p1 = *f;
    fr->payload = f->len;
    d->as.apdu_len = f->len;
    d->as.frames = 1;
    sm_link_deliver(d, SM_LINK_P1, s->off + f->len);
    return SM_CAND_FRAME;
}

/* The skipped bytes end like a P1 telegram, "!" and four hex digits and
 * CR LF (parity bits masked off). */
static bool p1_trailer(uint64_t tail)
{
    uint8_t b[7];
    for (int i = 0; i < 7; i++)
        b[i] = (uint8_t)(tail >> (8 * (6 - i))) & 0x7F;
    return b[0] == '!' && sm_hex_digit(b[1]) >= 0 && sm_hex_digit(b[2]) >= 0 &&
           sm_hex_digit(b[3]) >= 0 && sm_hex_digit(b[4]) >= 0 && b[5] == '\r' && b[6] == '\n';
}

/* The shortest P1 telegram a trailer may end: "/XXX5" CR LF CR LF, one
 * line, "!" CRC. */
#define P1_SHORTEST 24

/* A run of skipped bytes that ends like a P1 telegram is one whose
 * identification line was damaged: reported as a failed telegram (or, the
 * rest of one that failed, its own). */
static void p1_skipped(sm_deframer *d, uint64_t off)
{
    if (!p1_trailer(d->skip.tail) || (d->mode != SM_LINK_P1 && d->mode != SM_LINK_AUTO) ||
        off < d->claimed_end || !d->skip.counted)
        return;
    uint64_t from = d->skip.from, end = off + 1;
    bool owned = d->p1.tail_owned; /* the rest of a P1 telegram that failed */
    if (!owned && end - from < P1_SHORTEST)
        return;
    d->p1.tail_owned = false;
    d->stats.bytes_discarded -= d->skip.counted;
    d->skip.on = false;
    sm_link_claim(d, end, true);
    if (owned)
        return;
    sm_link_abandon(d, from);
    d->stats.frame_errors++;
    sm_link_report(d, SM_ERR_P1_HEADER, SM_LINK_P1, from, (size_t)(end - from), from);
}

static bool p1_begins(uint8_t first)
{
    return first == '/' || first == ('/' | 0x80); /* a 7E1 line read as eight data bits */
}

const sm_link_family sm_link_p1 = {
    .link = SM_LINK_P1,
    .checked = true,
    .begins = p1_begins,
    .scan = p1_scan,
    .skipped = p1_skipped,
};
