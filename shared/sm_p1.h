/* sm_p1.h - P1 text telegrams: DSMR 2.2 to 5 (the Netherlands), e-MUCS
 * (Belgium), the P1 ports of the Nordic, Hungarian and Slovenian meters,
 * Luxembourg's Smarty and Energienetze Steiermark (the same text inside the
 * ciphering), and IEC 62056-21 mode D push ("D0") meters.
 *
 * The telegram (sm_p1_scan, in sm_p1_frame.c: the deframer's and the
 * ciphering's view):
 *   "/" XXX Z ident CR LF   three letters (the manufacturer), a baud-rate
 *                           character, the meter's identification
 *   CR LF                   an empty line (not required)
 *   data lines CR LF ...
 *   "!" CRC CR LF           CRC-16/ARC over "/" .. "!" as four hex digits;
 *                           DSMR 2.2/3.0 and D0 meters send none, some
 *                           meters send it unpadded ("!B9F"): both are
 *                           accepted and reported (sm_p1_crc)
 * or, IEC 62056-21's data message (mode C readouts, and the meters that
 * push it instead of DSMR's form), the lines as one data block:
 *   STX data lines CR LF ... "!" CR LF ETX BCC
 *                           STX right after the identification line (or
 *                           the empty line); BCC the XOR of the characters
 *                           after STX up to and with ETX (ISO 1155)
 * Lines may end in LF alone.  The characters are printable ASCII, CR and
 * LF; a "/" starts the next telegram, so one never occurs inside another
 * (which also keeps the scan linear in garbage).  A 7E1 line read as eight
 * data bits sets bit 7 on every character of odd parity: when the "/"
 * comes as 0xAF every byte must carry its even-parity bit, and the bit is
 * masked off.  At most SM_P1_MAX bytes.
 *
 * The content (sm_p1_parse, in sm_p1_lines.c): lines "A-B:C.D.E(value*unit)" and the D0 form
 * "A-B:C.D.E*F(...)" (also "C.D.E" alone: A = 1, B = 0; C may be a letter
 * of IEC 62056-61: C 96, F 97, L 98, P 99), a line beginning with "(" going
 * on the line before (DSMR 2.2's gas value).  By the arrangement of the
 * values:
 *   (v)                    one value: a number with its unit in base units
 *                          (kWh -> Wh, kW -> W, kvarh -> varh, GJ -> J; any
 *                          case), a time YYMMDDhhmmss with S (summer) or W
 *                          (winter), the text of an equipment identifier or
 *                          text message (0-n:96.1.x, 0-n:96.13.x; hex-encoded
 *                          ASCII decoded when it is printable), else text
 *   (time)(v)              a value with its own capture time (M-Bus
 *                          sub-meters 0-n:24.2.x, the month's peak 1.6.0)
 *   (n)(obis)..(obis)(entries)  a profile (power failure log 99.97.0, peak
 *                          history 98.1.0, billing snapshots): a reading of
 *                          kind SM_RK_LIST with n entries, then for each
 *                          entry one reading per listed object (its own
 *                          obis, capture = the entry's time, parent = the
 *                          list reading, row = the entry)
 *   (time)(s)(p)(m)(obis)(unit)(v)..  DSMR 2.2/3.0's gas profile: the value
 *                          with its capture time and unit
 * Times are the meter's local time: W gives the standard offset (CET,
 * deviation -60), S one hour more and the DST status bit.  Nothing fails a
 * telegram but its framing: a line that is no OBIS line, parentheses that
 * do not close, values in an arrangement not known (kept as text), an
 * unused sub-meter channel (capture time 1970-01-01, skipped) and readings
 * beyond the caller's array are counted notes (sm_p1_info).
 *
 * Pure functions over the caller's buffers; thread-safe. */
#ifndef SM_P1_H
#define SM_P1_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sm_cursor.h"
#include "sm_error.h"
#include "sm_limits.h"
#include "sm_readings.h"

#define SM_P1_IDENT_MAX 96 /* characters of the identification line */
#define SM_P1_MAX_NOTES 8  /* notes kept per telegram (all are counted) */

typedef enum {
    SM_P1_CRC_NONE = 0, /* "!" alone: DSMR 2.2/3.0, D0, some DSMR 4 meters */
    SM_P1_CRC_OK,       /* four hex digits, verified */
    SM_P1_CRC_UNPADDED, /* one to three hex digits ("!B9F"), verified */
    SM_P1_CRC_BCC       /* an IEC 62056-21 data block's BCC, verified */
} sm_p1_crc;

const char *sm_p1_crc_name(sm_p1_crc c);

/* Where the parts of a telegram are, from its "/". */
typedef struct {
    uint32_t len;       /* its bytes, through the CR LF after the CRC */
    uint32_t bang;      /* the offset of "!" */
    uint32_t body;      /* the offset of the line after the identification
                           (after the STX of a data block) */
    uint32_t stx;       /* the offset of a data block's STX; 0: none */
    uint16_t ident_len; /* the identification, after the "/" and without CR LF */
    uint16_t crc;       /* the CRC as sent (the BCC of a data block) */
    uint8_t crc_status; /* sm_p1_crc */
    bool parity;        /* bit 7 is the parity bit of a 7E1 line */
    uint32_t resume;    /* sm_p1_scan's own: bytes already looked at */
} sm_p1_frame;

typedef enum {
    SM_P1_NOT,      /* no P1 telegram begins here */
    SM_P1_MORE,     /* one may: more bytes are needed to tell */
    SM_P1_PARTIAL,  /* its identification line is right, it is not complete */
    SM_P1_COMPLETE, /* *f describes it (its CRC not verified yet) */
    SM_P1_FAILED    /* its identification line is right, its rest is not:
                       *err says why; its first f->len bytes belong to it */
} sm_p1_scan_result;

/* Look at the n bytes at p for a telegram; eof: no more bytes will come.
 * Start with *f zeroed and call again with more bytes (the same p) until
 * the result is not SM_P1_MORE or SM_P1_PARTIAL: what was looked at once is
 * not looked at again. */
sm_p1_scan_result sm_p1_scan(const uint8_t *p, size_t n, bool eof, sm_p1_frame *f, sm_err *err);

/* The CRC of a complete telegram's text (with the parity bits masked off):
 * SM_OK, also when it has none (f->crc_status says so), SM_ERR_P1_CRC, or
 * for a data block SM_ERR_P1_BCC. */
sm_err sm_p1_check(const uint8_t *text, const sm_p1_frame *f);
/* P1 text that no deframer found (inside the ciphering): the whole of what
 * is left at the cursor must be one telegram (CR, LF or NUL padding after
 * it), its CRC right.  SM_OK and its parts; SM_ERR_P1_FORMAT or
 * SM_ERR_P1_TEXT_CRC with the cursor left at the failure. */
sm_err sm_p1_text(sm_cur *c, sm_p1_frame *f);

/* Does the telegram carry a whole check (four CRC digits or a data block's
 * BCC)?  The others were accepted unchecked or checked in part. */
static inline bool sm_p1_checked(const sm_p1_frame *f)
{
    return f->crc_status == SM_P1_CRC_OK || f->crc_status == SM_P1_CRC_BCC;
}

/* The hex digits its check is shown with: a BCC's two, a CRC's four. */
static inline unsigned sm_p1_crc_digits(const sm_p1_frame *f)
{
    return f->crc_status == SM_P1_CRC_BCC ? 2 : 4;
}

typedef enum {
    SM_P1_NOTE_LINE = 1,    /* no OBIS line: skipped */
    SM_P1_NOTE_GROUP,       /* a "(" without its ")": skipped */
    SM_P1_NOTE_SHAPE,       /* values in an arrangement not known: kept as text */
    SM_P1_NOTE_UNIT,        /* a unit not known: kept, unit "other" */
    SM_P1_NOTE_PLACEHOLDER, /* an unused M-Bus channel: skipped */
    SM_P1_NOTE_FULL,        /* more readings than the caller's array holds: skipped */
    SM_P1_NOTE_NUMBER,      /* a value with a unit whose number cannot be read: kept as text */
    SM_P1_NOTE_DST_CASE     /* a time's S or W in lower case: read as upper case */
} sm_p1_note_kind;

const char *sm_p1_note_text(sm_p1_note_kind k);

typedef struct {
    uint16_t line;   /* 1-based, the identification line being 1 */
    uint8_t kind;    /* sm_p1_note_kind */
    uint32_t offset; /* of the line's first byte */
} sm_p1_note;

typedef struct {
    const uint8_t *ident;   /* the identification line, after the "/" */
    size_t ident_len;
    sm_p1_frame frame;
    uint16_t lines;         /* data lines */
    uint16_t nnotes;        /* every note; the first SM_P1_MAX_NOTES are kept */
    sm_p1_note notes[SM_P1_MAX_NOTES];
} sm_p1_info;

/* What one meter's telegrams repeat, remembered from one telegram to the
 * next (the fast path of reading a line's code, sm_p1_lines.c): for each
 * of the first SM_P1_MEMO_LINES lines, its code as sent (the characters up
 * to and with the one after it) and what they are.  Only ever a cache of
 * what the characters say: a line that begins otherwise is read as usual,
 * and the readings are the same with a memo, without one, or with one
 * that another meter's telegrams left.  Zeroed, it is empty. */
#define SM_P1_MEMO_LINES 64
typedef struct {
    uint64_t text[2], mask[2]; /* the line's first 16 bytes, masked to its code and the next */
    const sm_obis_info *info;
    sm_obis obis;
    uint8_t len; /* the code's length (1 to 15); 0: empty */
} sm_p1_memo_line;

typedef struct {
    sm_p1_memo_line line[SM_P1_MEMO_LINES];
} sm_p1_memo;

/* Does the text at p begin like a telegram ("/" and three letters)? */
bool sm_p1_detect(const uint8_t *p, size_t n);

/* The readings of a telegram text whose parts sm_p1_scan found (framed:
 * the deframer's, or sm_p1_text's) and whose CRC was verified.  Decoded
 * identifiers are written to scratch (len / 2 bytes are always enough).
 * memo: the meter's (sm_p1_memo), NULL for none.  Nothing in the lines
 * fails a telegram: what cannot be read is a counted note (sm_p1_info). */
void sm_p1_parse(const uint8_t *text, const sm_p1_frame *framed, sm_p1_info *info,
                 sm_reading_set *out, uint8_t *scratch, size_t scratch_cap, sm_p1_memo *memo);
/* The readings of P1 text that no deframer found (inside the ciphering):
 * sm_p1_text, then sm_p1_parse.  On an error no readings, and the cursor
 * at the failure. */
sm_err sm_p1_parse_text(sm_cur *c, sm_p1_info *info, sm_reading_set *out, uint8_t *scratch,
                        size_t scratch_cap, sm_p1_memo *memo);

#endif
