/* sm_link.h - the link layers: their names, what the deframer delivers
 * (sm_frame, sm_link_event), the deframer's state, and the families with
 * the services they share (sm_link.c).  The deframer's functions are in
 * sm_deframe.h; the families' part below is for them and the deframer only.
 *
 * A family is one file with its frame scanner (where a frame begins, where
 * it ends, its check) and one row of sm_link_families (sm_link.c), which
 * the deframer (sm_deframe.c) walks at every byte it has not yet placed:
 *   sm_mbus.c       wired M-Bus long frames carrying DLMS segments
 *   sm_hdlc.c       HDLC frame format type 3
 *   sm_wrapper.c    the DLMS wrapper and bare APDUs (no checksum: plausibility)
 *   sm_p1_frame.c   P1 text telegrams
 *   sm_sml_frame.c  SML transport v1 (German push meters)
 *   sm_tic_frame.c  TIC frames (French Linky and older meters)
 * The content behind them is read elsewhere (sm_apdu.c and sm_decoder.c for
 * DLMS, sm_p1_lines.c for P1, sm_sml.c for SML, sm_tic.c for TIC).
 *
 * A scanner looks at the bytes at a candidate offset and answers with a
 * sm_cand; when it takes a frame it appends its payload to the telegram
 * under way (sm_link_begin, sm_link_frame, sm_link_append) and delivers it
 * (sm_link_deliver); when a frame fails its check it reports it
 * (sm_link_reject or sm_link_report).  Every file that includes this one
 * defines SM_ALLOW_PRIVATE_ACCESS: the families own their part of the
 * deframer's state. */
#ifndef SM_LINK_H
#define SM_LINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sm_error.h"
#include "sm_limits.h"
#include "sm_p1.h"

typedef enum {
    SM_LINK_AUTO = 0,
    SM_LINK_MBUS,
    SM_LINK_HDLC,
    SM_LINK_WRAPPER,
    SM_LINK_RAW,
    SM_LINK_P1,
    SM_LINK_SML,
    SM_LINK_TIC
} sm_link;

#define SM_LINK_COUNT 8
/* The names of the link modes, indexed by sm_link: the one list that
 * sm_link_name, sm_link_parse, smdecode's --framing and the plugin's
 * Framing take. */
extern const char *const sm_link_names[SM_LINK_COUNT];
const char *sm_link_name(sm_link link);
/* The sm_link of a name of sm_link_names; -1 when unknown. */
int sm_link_parse(const char *name);

typedef struct {
    sm_link link;
    uint64_t offset;    /* stream offset of the frame's first byte */
    uint32_t length;    /* bytes on the wire */
    uint32_t payload;   /* bytes contributed to the APDU */
    bool checksum_ignored; /* its M-Bus checksum or HDLC FCS was wrong, and it was
                              decoded all the same (sm_deframer_ignore_checksums) */
    union {
        struct {
            uint8_t l, c, a, ci, stsap, dtsap;
        } mbus;
        struct {
            uint16_t format;
            uint32_t dst, src;
            uint8_t dst_len, src_len, control;
            bool segmented, llc;
        } hdlc;
        struct {
            uint16_t version, src_port, dst_port, length;
        } wrapper;
        sm_p1_frame p1;
        struct {
            bool kermit;      /* CRC-16/KERMIT high byte first (Holley on RS485),
                                 else CRC-16/X.25 low byte first */
            uint8_t padding;  /* the end escape's padding count */
            uint16_t crc;     /* the transport CRC */
            uint16_t escapes; /* escaped 1B 1B 1B 1B sequences in the payload */
        } sml;
        struct {
            bool parity;            /* bit 7 is the parity bit of a 7E1 line read
                                       as eight data bits: checked and masked off */
            uint16_t parity_errors; /* bytes whose parity bit was wrong (delivered
                                       as DEL, which fails their group) */
        } tic;
    } u;
} sm_frame;

typedef struct {
    sm_err err;              /* SM_OK: apdu holds a complete telegram */
    sm_link link;
    const uint8_t *apdu;     /* an error: NULL, or a bare APDU's bytes up to the failure */
    size_t apdu_len;
    const sm_frame *frames;  /* the telegram's frames (at most SM_MAX_FRAME_INFO) */
    unsigned nframes;
    unsigned frame_count;    /* frames in the telegram, including a failing one */
    uint64_t offset;         /* stream offset of the telegram's first byte */
    uint64_t end;            /* stream offset after its last byte (of the failing
                                frame for an error) */
    uint64_t err_offset;     /* stream offset of the failing frame */
    unsigned err_frame;      /* 1-based number of the failing frame */
} sm_link_event;

typedef void (*sm_link_cb)(void *ctx, const sm_link_event *ev);

typedef struct {
    uint64_t bytes_in;
    uint64_t bytes_discarded;  /* garbage skipped while resynchronising */
    uint64_t frames;           /* verified frames */
    uint64_t frame_errors;     /* frames failing checksum, stop byte, flag, ... */
    uint64_t telegrams;        /* complete APDUs delivered */
    uint64_t p1_unchecked;     /* P1 telegrams without a CRC or with an unpadded one */
    uint64_t checksum_ignored; /* frames with a wrong checksum decoded all the same */
    uint64_t bytes_cut;        /* after the last telegram, left undecoded by a stop */
} sm_link_stats;

/* Where the deframer stands in the stream (the boundary it knows). */
typedef enum {
    SM_SYNC_JOINING,      /* at the start of a line or after a reset, nothing read yet */
    SM_SYNC_JOINING_LOST, /* ... and bytes skipped since: the end of a telegram, say */
    SM_SYNC_BOUNDARY,     /* right after a frame (or a failed one) */
    SM_SYNC_AFTER_HDLC,   /* right after an HDLC frame: its closing flag may remain */
    SM_SYNC_LOST          /* after skipped bytes: no boundary known */
} sm_sync;

/* What the line has shown of its link layer (it only grows; kept over a
 * reconnect): a meter uses one link layer. */
typedef enum {
    SM_SHOWN_NOTHING,
    SM_SHOWN_WRAPPER, /* a DLMS wrapper was taken: no bare APDUs (auto) */
    SM_SHOWN_CHECKED  /* a checksummed frame was verified: no unchecked ones (auto) */
} sm_shown;

/* The caller's state (fixed size); its fields are private: the functions
 * below read and change them.  The link-layer families (sm_link.h) own
 * their own part. */
typedef struct {
    sm_link SM_PRIVATE(mode);
    sm_link_cb SM_PRIVATE(cb);
    void *SM_PRIVATE(ctx);
    /* unconsumed input */
    uint8_t SM_PRIVATE(buf)[SM_APDU_MAX + SM_LINK_FRAME_MAX];
    size_t SM_PRIVATE(len);
    uint64_t SM_PRIVATE(buf_offset);    /* stream offset of buf[0] */
    sm_sync SM_PRIVATE(sync);
    sm_shown SM_PRIVATE(shown);
    bool SM_PRIVATE(eof_reported);      /* at the end: a frame cut short was reported */
    bool SM_PRIVATE(ignore_checksums);  /* decode frames whose checksum or FCS is wrong */
    uint64_t SM_PRIVATE(delivered_end); /* stream offset after the last telegram or error reported */
    uint64_t SM_PRIVATE(claimed_end);   /* bytes before this stream offset belong to a
                                           reported failed telegram, not to garbage */
    uint64_t SM_PRIVATE(no_bare_until); /* no wrapper or bare APDU begins before this
                                           offset: it is inside a checksummed frame that
                                           failed, or inside something that begins like one */
    bool SM_PRIVATE(rejected);          /* sm_deframer_reject() during the callback */
    uint64_t SM_PRIVATE(rejected_end);  /* where the last rejected telegram ended */
    uint64_t SM_PRIVATE(no_raw_until);  /* ... a wrapper: no bare APDU begins inside it */
    struct {                            /* the run of skipped bytes under way: */
        bool on;
        bool leading;                   /* before the first telegram of a line */
        uint64_t from;                  /* its first byte outside a reported telegram */
        uint64_t counted;               /* its bytes counted as discarded */
        uint64_t tail;                  /* its last eight bytes (a P1 telegram's end) */
    } SM_PRIVATE(skip);
    uint64_t SM_PRIVATE(shortest);      /* the shortest frame taken, bytes */
    uint64_t SM_PRIVATE(cur_off);       /* the stream offset of the candidate being tried */
    /* the telegram being assembled */
    struct {
        sm_link link;                   /* SM_LINK_AUTO: none */
        unsigned frames;
        uint8_t next_seq;
        uint64_t offset;
        bool drop_continuation;         /* after a bad frame: silently drop its continuation */
        bool checksum_pending;          /* the frame being taken has a wrong checksum,
                                           decoded all the same */
        const uint8_t *err_apdu;        /* the next error event's bytes (a bare APDU that failed) */
        size_t err_apdu_len;
        uint8_t apdu[SM_APDU_MAX];
        size_t apdu_len;
        sm_frame frames_info[SM_MAX_FRAME_INFO + 1]; /* the last is scratch */
    } SM_PRIVATE(as);
    struct {                            /* SML (sm_sml_frame.c) */
        bool kermit_first;              /* the last frame's CRC was KERMIT: try it first */
    } SM_PRIVATE(sml);
    struct {                            /* TIC (sm_tic_frame.c) */
        bool seen;                      /* a frame was taken on this stream: its
                                           frames may carry line noise */
    } SM_PRIVATE(tic);
    struct {                            /* P1 (sm_p1_frame.c) */
        sm_p1_frame frame;              /* the telegram being received */
        uint64_t at;                    /* its stream offset + 1; 0: none */
        bool crc_seen;                  /* this meter sends CRCs: "!" alone is damage */
        bool tail_owned;                /* one failed before its end: its "!" CRC
                                           is its own, not another telegram's */
    } SM_PRIVATE(p1);
    sm_link_stats SM_PRIVATE(stats);
} sm_deframer;

/* ---- the families (for them and the deframer only) ------------------------ */

/* What the bytes at a candidate offset are. */
typedef enum {
    SM_CAND_NEED_MORE, /* could be a frame; wait for more bytes */
    SM_CAND_PARTIAL,   /* a frame whose header checks out, not complete yet */
    SM_CAND_NOT_FRAME, /* not a frame here: skip one byte */
    SM_CAND_FRAME,     /* a verified frame was handled; used bytes consumed */
    SM_CAND_BAD        /* a frame or APDU whose header is right but whose rest
                          fails: reported; its first used bytes belong to it */
} sm_cand;

/* How the input ends, for the call under way. */
typedef enum {
    SM_END_NONE, /* more may come */
    SM_END_EOF,  /* the end of the input: what is cut short is reported */
    SM_END_STOP  /* the reader stopped on purpose: what is cut short is dropped */
} sm_input_end;

/* One candidate: the bytes from its first one, and the answer's room. */
typedef struct {
    sm_deframer *d;
    const uint8_t *p;  /* the candidate's first byte */
    size_t n;          /* bytes that have arrived from there */
    uint64_t off;      /* its stream offset */
    sm_input_end end;
    size_t used;       /* out: the bytes a frame or a failed one takes */
} sm_scan;

typedef struct {
    sm_link link;
    bool checked;     /* its frames carry a checksum: recognised anywhere in auto
                         mode, and no unchecked frame begins inside a failed one */
    sm_err missing;   /* a telegram of several frames abandoned before its last one
                         (SM_OK: its telegrams are one frame) */
    bool (*begins)(uint8_t first);  /* may a frame begin with this byte */
    sm_cand (*scan)(sm_scan *s);
    /* the bytes of a frame whose header has arrived (0: not known yet);
     * NULL: the family cannot tell before the end */
    size_t (*frame_bytes)(const uint8_t *p, size_t n);
    /* a byte skipped (it began no frame): the family may recognise the end
     * of one of its telegrams whose beginning was damaged; NULL: none */
    void (*skipped)(sm_deframer *d, uint64_t off);
} sm_link_family;

extern const sm_link_family sm_link_mbus, sm_link_hdlc, sm_link_wrapper, sm_link_raw, sm_link_p1,
    sm_link_sml, sm_link_tic;

/* The family whose frames may begin with this byte (NULL: none), and the
 * family of a link layer (NULL for SM_LINK_AUTO). */
const sm_link_family *sm_link_family_at(uint8_t first);
const sm_link_family *sm_link_family_of(sm_link link);
/* A byte at off was skipped: each family's skipped() hook. */
void sm_link_skipped(sm_deframer *d, uint64_t off);

/* ---- the deframer's services -------------------------------------------- */

/* Report a failed telegram.  Its failing frame (length > 0: its bytes from
 * frame_offset) is listed after the telegram's good ones; length 0 when the
 * failure is a frame that never came.  err_offset: where the failure is. */
void sm_link_report(sm_deframer *d, sm_err err, sm_link link, uint64_t frame_offset,
                    size_t length, uint64_t err_offset);
/* A frame that failed its check (at its own offset): reported, the telegram
 * under way dropped, and with drop_rest its continuation frames too. */
void sm_link_reject(sm_deframer *d, sm_err err, sm_link link, uint64_t off, size_t length,
                    bool drop_rest);
/* The telegram under way is abandoned at `at` (reported when there is one). */
void sm_link_abandon(sm_deframer *d, uint64_t at);
/* Drop the telegram under way, unreported. */
void sm_link_clear(sm_deframer *d);
/* Start or continue the telegram on `link`. */
void sm_link_begin(sm_deframer *d, sm_link link, uint64_t offset);
/* The record of the frame being taken (its details filled by the family). */
sm_frame *sm_link_frame(sm_deframer *d, sm_link link, uint64_t offset, size_t length);
/* Its payload into the telegram: false when it would exceed SM_APDU_MAX. */
bool sm_link_append(sm_deframer *d, const uint8_t *p, size_t n);
/* The telegram is complete: delivered (its last frame ends at `end`). */
void sm_link_deliver(sm_deframer *d, sm_link link, uint64_t end);
/* A frame's payload that failed (a bare APDU): the next report carries it. */
void sm_link_error_bytes(sm_deframer *d, const uint8_t *p, size_t n);
/* A header that fits but fails its own check counts as a damaged frame
 * where frames of this kind are expected: in that link mode, and in auto
 * mode at a boundary or once a checksummed frame was seen. */
bool sm_link_header_damage_counts(const sm_deframer *d, sm_link link);
/* The deframer stands right after a frame (or at the start of a line). */
bool sm_link_aligned(const sm_deframer *d);
/* Bytes before `end` belong to a telegram that was reported; checked: to a
 * checksummed frame, inside which no unchecked frame begins. */
void sm_link_claim(sm_deframer *d, uint64_t end, bool checked);
/* The run of skipped bytes under way ends at `end`: reported as a telegram
 * damaged past recognition when it is long enough (sm_link.c). */
void sm_link_skip_end(sm_deframer *d, uint64_t end);

#endif
