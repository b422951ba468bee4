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

#include "sm_link.h"

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
/* An unrelated stream (the next file): like a new init with the same mode,
 * callback and checksum setting. */
void sm_deframer_new_stream(sm_deframer *d);
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

/* The link layer's counts since init (or the last new stream). */
const sm_link_stats *sm_deframer_stats(const sm_deframer *d);

/* How many bytes of the telegram under way have arrived, from the first
 * byte of its first frame; 0 when none is under way.  With the length of
 * the last telegram, a reader can wait for the rest of a multi-frame
 * telegram at once, before the later frames' headers have arrived. */
uint64_t sm_deframer_underway(const sm_deframer *d);

#endif
