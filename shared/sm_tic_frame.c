/* sm_tic_frame.c - TIC frames (Enedis télé-information client: Linky and
 * the older electronic meters, historique and standard mode):
 *   STX (0x02)  LF group CR  LF group CR ...  ETX (0x03)
 * EOT (0x04) ends a frame the meter interrupts (it is dropped, and
 * reported); an STX before the ETX is the next frame, this one cut short.
 * The line is 7E1: a reader that opens it as eight data bits gets the even
 * parity bit in bit 7 (STX arrives as 0x82); then every byte's parity is
 * checked and the bit masked off, and a byte whose parity is wrong is
 * delivered as DEL (0x7F), which no group may hold (sm_tic.c fails that
 * group, not the frame).  The groups carry the checks (sm_tic.c): the
 * frame has none of its own.  In auto mode, until a TIC frame has been
 * taken on the stream, a frame must begin like TIC text (STX LF, a label, a
 * separator, text up to a CR); after that, and with the link forced, every
 * STX begins a frame.  Line noise inside a frame is left for its groups to
 * fail.
 * The payload delivered is the bytes between STX and ETX, masked.  A
 * link-layer family of the deframer (sm_link.h). */
#define SM_ALLOW_PRIVATE_ACCESS
#include "sm_link.h"

#include <string.h>

#define STX 0x02
#define ETX 0x03
#define EOT 0x04
#define LF 0x0A
#define HT 0x09
#define CR 0x0D
#define DEL 0x7F
#define LABEL_MAX 12 /* the longest label of a first group (ADCO, ADSC) and then some */
#define HEAD_MAX 160 /* STX LF, a label, a horodate, the longest data, a checksum, CR */

static bool even_parity(uint8_t c) { return __builtin_parity(c) == 0; }

/* The byte as the group reader sees it: masked, or DEL when its parity
 * (or, on a 7-bit line, its bit 7) is wrong. */
static uint8_t clean(uint8_t c, bool parity, bool *bad)
{
    *bad = parity ? !even_parity(c) : (c & 0x80) != 0;
    return *bad ? DEL : (uint8_t)(c & 0x7F);
}

static bool label_char(uint8_t c)
{
    return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '+' || c == '-';
}

/* Does the frame begin like TIC text: STX LF, a label, a separator, text
 * up to a CR?  1 yes, 0 no, -1 more bytes are needed to tell. */
static int head(const uint8_t *p, size_t n, bool parity)
{
    size_t label = 0;
    bool in_label = true;
    for (size_t i = 1; i < n && i < HEAD_MAX; i++) {
        bool bad;
        uint8_t c = clean(p[i], parity, &bad);
        if (bad || (i == 1 && c != LF))
            return 0;
        if (i == 1)
            continue;
        if (in_label && (c == ' ' || c == HT)) {
            in_label = false;
            if (!label)
                return 0;
        } else if (in_label) {
            if (!label_char(c) || ++label > LABEL_MAX)
                return 0;
        } else if (c == CR) {
            return 1;
        } else if (c != HT && (c < 0x20 || c >= DEL)) {
            return 0;
        }
    }
    return n >= HEAD_MAX ? 0 : -1;
}

/* A frame that ends otherwise than with its ETX: reported, its bytes its. */
static sm_cand failed(sm_scan *s, sm_err err, size_t length)
{
    sm_link_abandon(s->d, s->off);
    sm_link_reject(s->d, err, SM_LINK_TIC, s->off, length, false);
    s->used = length;
    return SM_CAND_BAD;
}

/* The frame's payload (bytes 1 to before the ETX at j), cleaned, delivered. */
static sm_cand take(sm_scan *s, size_t j, bool parity)
{
    sm_deframer *d = s->d;
    uint8_t text[SM_TIC_MAX];
    unsigned errors = 0;
    memcpy(text, s->p + 1, j - 1);
    for (size_t i = 0; i < j - 1; i++) {
        if (!parity && text[i] < 0x80)
            continue;
        bool bad;
        text[i] = clean(text[i], parity, &bad);
        errors += bad;
    }
    s->used = j + 1;
    sm_link_abandon(d, s->off);
    sm_link_begin(d, SM_LINK_TIC, s->off);
    sm_link_append(d, text, j - 1);
    d->stats.frames++;
    sm_frame *f = sm_link_frame(d, SM_LINK_TIC, s->off, j + 1);
    f->payload = (uint32_t)(j - 1);
    f->u.tic.parity = parity;
    f->u.tic.parity_errors = (uint16_t)(errors < UINT16_MAX ? errors : UINT16_MAX);
    d->as.frames = 1;
    d->tic.seen = true;
    sm_link_deliver(d, SM_LINK_TIC, s->off + j + 1);
    return SM_CAND_FRAME;
}

static sm_cand tic_scan(sm_scan *s)
{
    const uint8_t *p = s->p;
    bool parity = p[0] & 0x80;
    bool strict = s->d->mode != SM_LINK_TIC && !s->d->tic.seen;
    int h = strict ? head(p, s->n, parity) : s->n < 2 ? -1 : 1;
    if (h <= 0)
        return h < 0 ? SM_CAND_NEED_MORE : SM_CAND_NOT_FRAME;
    size_t n = s->n < SM_TIC_MAX ? s->n : SM_TIC_MAX;
    for (size_t j = 1; j < n; j++) {
        if (!parity && (p[j] > EOT || p[j] < STX))
            continue; /* (the usual byte: no parity to strip, no end) */
        bool bad;
        uint8_t c = clean(p[j], parity, &bad);
        if (c == ETX)
            return take(s, j, parity);
        if (c == EOT)
            return failed(s, SM_ERR_TIC_INTERRUPTED, j + 1);
        if (c == STX)
            return failed(s, SM_ERR_TIC_CUT, j);
    }
    return n == SM_TIC_MAX ? failed(s, SM_ERR_OVERSIZE, SM_TIC_MAX) : SM_CAND_PARTIAL;
}

static bool tic_begins(uint8_t first)
{
    return first == STX || first == (STX | 0x80); /* a 7E1 line read as eight data bits */
}

const sm_link_family sm_link_tic = {
    .link = SM_LINK_TIC,
    .checked = true, /* its groups carry checksums */
    .begins = tic_begins,
    .scan = tic_scan, /* no length field (frame_bytes): the ETX says */
};
