/* sm_deframe.h - streaming link-layer deframer: bytes in, complete APDUs out.
 *
 * Link layers:
 *  - wired M-Bus long frames (EN 13757-2): 68 L L 68 C A CI ... CS 16; the CI
 *    byte 0x00..0x1F is the DLMS transport segment byte (bits 0-3 sequence,
 *    bit 4 last segment), followed by STSAP and DTSAP; the segments'
 *    payloads are reassembled into one APDU;
 *  - HDLC frame format type 3 (IEC 62056-46): 7E Axxx dst src ctrl HCS info
 *    FCS 7E, 11-bit length, 1/2/4-byte addresses, CRC-16/X-25, the
 *    segmentation bit, the LLC header E6 E7 00; frames are split by their
 *    length field (there is no byte stuffing, 0x7E occurs inside frames);
 *  - the DLMS wrapper (IEC 62056-47): version 0x0001, source and destination
 *    wPort, length;
 *  - a bare APDU (0x0F, 0xDB, 0xDC, 0xE0), delimited by its own encoding;
 *  - a P1 text telegram, "/" .. "!" CRC CR LF (sm_p1.h), delivered as its
 *    text (a 7E1 line's parity bits masked off), its CRC verified; one
 *    without a CRC is accepted (DSMR 2.2/3.0, D0) until the stream has
 *    shown a CRC: then a "!" alone is a character damaged into the end.
 * SM_LINK_AUTO detects the link layer from the bytes: M-Bus, HDLC and P1
 * are recognised anywhere (their headers and checksums make that safe); the
 * unchecked wrapper and bare APDUs until a checksummed link layer has been
 * seen (and bare APDUs until a wrapper has been).  Where nothing vouches for a frame boundary (after garbage, in
 * every mode) a wrapper's or bare APDU must look like what a meter sends
 * (apdu_plausible in sm_deframe.c).  A bare APDU whose beginning is right but whose rest
 * cannot be read is a failed telegram, reported where it fails.
 * Damage at a telegram's start is a failed telegram too, not skipped bytes:
 * an M-Bus frame whose two length fields disagree (one of them ending in the
 * stop byte), an HDLC frame whose HCS fails (its closing flag where its
 * length says), a P1 telegram's text up to "!" and the CRC without a
 * readable identification line; no wrapper or bare APDU begins inside them.
 * A wrapper or bare APDU cut short takes its length from its own header and
 * runs into the next telegram: one that does not decode (the receiver calls
 * sm_deframer_reject()) or inside which the header of another begins and
 * runs past its end (SM_ERR_APDU_CUT) is looked into again from its second
 * byte.
 *
 * Contract: init, then feed() chunks of any size; the callback runs once per
 * complete APDU (err == SM_OK) and once per failed telegram (err names the
 * failure, err_offset/err_frame say where).  The result does not depend on
 * how the input is split.  A truncated frame is simply "need more": the
 * bytes are kept (bounded by the buffer) until the rest arrives.  After
 * garbage or a bad frame the deframer resynchronises on the next start byte
 * without losing a good frame that follows, and counts discarded bytes.
 * finish() marks the end of input (reports a frame cut short); reset()
 * drops buffered state (e.g. after a reconnect).  The event's pointers are
 * valid only during the callback.  All state is in the caller-owned struct
 * (fixed size, no allocation); one deframer must not be used by two
 * threads at once.
 */
#ifndef SM_DEFRAME_H
#define SM_DEFRAME_H

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
    SM_LINK_P1
} sm_link;

#define SM_LINK_COUNT 6
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

typedef struct {
    sm_link mode;
    sm_link_cb cb;
    void *ctx;
    /* unconsumed input */
    uint8_t buf[SM_APDU_MAX + SM_LINK_FRAME_MAX];
    size_t len;
    uint64_t buf_offset;      /* stream offset of buf[0] */
    bool aligned;             /* at the start or right after a frame */
    bool seen_checked_link;   /* an M-Bus or HDLC frame was verified */
    bool seen_wrapper;        /* a DLMS wrapper was taken: no bare APDUs (auto) */
    bool after_hdlc;          /* the previous frame was HDLC (its flag may remain) */
    bool eof;
    bool eof_reported;        /* finish(): a frame cut short was reported */
    bool stopping;            /* stop(): a frame cut short is dropped, not reported */
    uint64_t delivered_end;   /* stream offset after the last telegram or error reported */
    uint64_t claimed_end;     /* bytes before this stream offset belong to a
                                 reported failed telegram, not to garbage */
    uint64_t no_bare_until;   /* no wrapper or bare APDU begins before this
                                 offset: it is inside a checksummed frame that
                                 failed, or inside something that begins like one */
    bool rejected;            /* sm_deframer_reject() during the callback */
    uint64_t rejected_end;    /* where the last rejected telegram ended */
    uint64_t no_raw_until;    /* ... a wrapper: no bare APDU begins inside it */
    uint64_t skip_from;       /* the run of skipped bytes under way: its first one
                                 outside a reported telegram, */
    uint64_t skip_counted;    /* ... how many of its bytes were counted as discarded, */
    uint64_t skip_tail;       /* ... and its last eight bytes (a P1 telegram's end) */
    bool skipping;
    bool skip_leading;        /* ... before the first telegram of a line */
    bool joined;              /* no telegram since the start or a reset */
    bool p1_tail_owned;       /* a P1 telegram failed before its end: its "!" CRC
                                 is its own, not another telegram's */
    uint64_t shortest;        /* the shortest frame taken, bytes */
    uint64_t cur_off;         /* the stream offset of the candidate being tried */
    /* reassembly */
    sm_link asm_link;         /* SM_LINK_AUTO: nothing being assembled */
    unsigned asm_frames;
    uint8_t asm_next_seq;
    uint64_t asm_offset;
    bool drop_continuation;   /* after a bad frame: silently drop its continuation */
    sm_p1_frame p1;           /* the P1 telegram being received */
    uint64_t p1_at;           /* its stream offset + 1; 0: none */
    bool p1_crc_seen;         /* this meter sends CRCs: "!" alone is damage */
    bool ignore_checksums;    /* decode frames whose checksum or FCS is wrong */
    bool checksum_pending;    /* the frame being taken is one of them */
    const uint8_t *err_apdu;  /* the next error event's bytes (a bare APDU that failed) */
    size_t err_apdu_len;
    uint8_t apdu[SM_APDU_MAX];
    size_t apdu_len;
    sm_frame frames[SM_MAX_FRAME_INFO + 1]; /* the last is scratch */
    sm_link_stats stats;
} sm_deframer;

void sm_deframer_init(sm_deframer *d, sm_link mode, sm_link_cb cb, void *ctx);
/* For meters that get it wrong: M-Bus frames with a wrong checksum and
 * HDLC frames with a wrong FCS are decoded instead of rejected (the stop
 * byte, the flags and the HDLC header's HCS, which find the frames, are
 * still checked); each is counted (stats.checksum_ignored) and flagged
 * (sm_frame.checksum_ignored).  Off by default. */
void sm_deframer_ignore_checksums(sm_deframer *d, bool ignore);
void sm_deframer_feed(sm_deframer *d, const uint8_t *data, size_t len);
void sm_deframer_finish(sm_deframer *d);
/* The reader stopped on purpose (a count, a time limit, a signal): what the
 * buffered bytes complete is delivered as at the end of an input, but a
 * telegram that the stop cut short is dropped, not reported as an error; its
 * bytes are counted in stats.bytes_cut. */
void sm_deframer_stop(sm_deframer *d);
void sm_deframer_reset(sm_deframer *d);
/* The same meter on a new connection: like a new init (offsets, buffer and
 * statistics start again), but what the line has shown of its link layer
 * (a checksummed link, wrappers, P1 CRCs, the shortest frame) is kept, so
 * that the first bytes after a reconnect are read as strictly as the rest. */
void sm_deframer_reconnected(sm_deframer *d);
/* From the callback of a wrapper or bare APDU telegram that the receiver
 * could not decode: nothing vouches for its length, which it took from its
 * own header, so a telegram cut short runs into the next one.  The deframer
 * looks for the next telegram again from the rejected one's second byte. */
void sm_deframer_reject(sm_deframer *d);

/* What the deframer is waiting for, so that a reader on a slow line can let
 * the rest of a frame arrive before it reads again instead of waking up for
 * every few bytes.  SM_EXPECT_IDLE: no frame or telegram is under way.
 * SM_EXPECT_SOME: one is, its remaining length is not known yet (a header
 * cut short, or the next frame of a telegram not begun).  Otherwise the
 * number of bytes the frame being received still lacks, from its length
 * field.  A hint only: the frame may still turn out to be garbage. */
#define SM_EXPECT_IDLE 0
#define SM_EXPECT_SOME ((size_t)-1)
size_t sm_deframer_expect(const sm_deframer *d);

/* How many bytes of the telegram under way have arrived, from the first
 * byte of its first frame; 0 when none is under way.  With the length of
 * the last telegram, a reader can wait for the rest of a multi-frame
 * telegram at once, before the later frames' headers have arrived. */
uint64_t sm_deframer_underway(const sm_deframer *d);

#endif
