/* sm_decoder.h - the whole pipeline: bytes -> link frames -> general block
 * transfer -> security -> data-notification or P1 text -> readings.
 *
 * Contract: sm_decoder_init(), optionally sm_decoder_set_keys(), then feed
 * bytes (sm_decoder_feed) or whole APDUs (sm_decoder_apdu).  The callback
 * runs once per telegram, successful or not, with a sm_telegram whose
 * pointers are valid only during the callback.  All buffers live in the
 * caller-owned struct (no allocation; about 140 KB, so not on a small
 * stack), whose fields are private: the functions below read them.  The
 * keys are held expanded in the struct; sm_decoder_wipe() clears them and
 * must be called before the memory is released.  A decoder must not be
 * used by two threads at once; different decoders are independent.
 */
#ifndef SM_DECODER_H
#define SM_DECODER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sm_apdu.h"
#include "sm_axdr.h"
#include "sm_deframe.h"
#include "sm_p1.h"
#include "sm_error.h"
#include "sm_readings.h"
#include "sm_limits.h"
#include "sm_security.h"
#include "sm_quirk.h"
#include "sm_sml.h"
#include "sm_tic.h"

/* Which buffer an error offset refers to. */
typedef enum {
    SM_WHERE_STREAM,     /* byte offset in the input stream */
    SM_WHERE_APDU,       /* offset in the APDU as the link layer delivered it */
    SM_WHERE_PLAINTEXT   /* offset in the decrypted (or reassembled) APDU */
} sm_where;

const char *sm_where_name(sm_where w);

typedef struct {
    uint64_t index;               /* 0-based number of this telegram */
    sm_err err;                   /* SM_OK or what failed */
    sm_where err_where;
    uint64_t err_offset;
    unsigned err_frame;           /* link errors: 1-based frame number */

    const sm_link_event *link;    /* frames; NULL for sm_decoder_apdu() */
    uint64_t wire_len;            /* bytes on the wire, first to last frame; 0 without link */
    unsigned gbt_blocks;          /* general-block-transfer blocks, 0 if none */

    bool ciphered;
    sm_sec_header sec;            /* valid when ciphered */
    bool authenticated;           /* the GCM tag was verified */
    sm_key_diag key_diag;         /* for a key error: which key is wrong */

    const uint8_t *apdu;          /* the plaintext APDU (or P1 text) */
    size_t apdu_len;

    bool is_notification;
    sm_notification notification; /* valid when is_notification */
    const sm_node *nodes;          /* the notification body */
    size_t nnodes;

    bool is_p1;                   /* P1 text: from the P1 link or inside the ciphering */
    sm_p1_info p1;                /* valid when is_p1 */

    bool is_sml;                  /* SML messages (the SML link) */
    sm_sml_info sml;              /* valid when is_sml */
    bool is_tic;                  /* TIC groups (the TIC link) */
    const sm_tic_info *tic;       /* valid when is_tic (the decoder's: kept out of the
                                     telegram, which every telegram clears) */
    const sm_quirk *quirk;        /* the meter quirk applied (sm_quirk.h), NULL none */
    unsigned quirk_changed;       /* ... and the readings it changed */

    const sm_reading *readings;
    size_t nreadings;
    const char *layout;
    bool implied_disagree;         /* the power exceeds U x I whatever the implied
                                      current scaler (sm_reading_set) */
    const sm_reading *meter_id;    /* the meter number reading, if any */
} sm_telegram;

typedef void (*sm_telegram_cb)(void *ctx, const sm_telegram *t);

/* What a decoder has seen: the telegrams since sm_decoder_init() and their
 * outcome (layer of the error), and the current stream's link layer
 * (sm_decoder_new_stream() starts those again). */
typedef struct {
    uint64_t telegrams;       /* delivered, good or bad */
    uint64_t ok;
    uint64_t link_errors;
    uint64_t security_errors;
    uint64_t parse_errors;    /* apdu, a-xdr, readings and p1 layers */
    uint64_t bytes_in;        /* this stream: bytes fed */
    uint64_t bytes_discarded; /* this stream: garbage outside any telegram */
    uint64_t frames;          /* this stream: verified frames */
    uint64_t frame_errors;    /* this stream: frames that failed */
    uint64_t p1_unchecked;    /* this stream: P1 telegrams without a CRC or with
                                 an unpadded one (accepted) */
    uint64_t checksum_ignored;/* this stream: frames with a wrong checksum decoded
                                 all the same (sm_decoder_ignore_checksums) */
    uint64_t p1_notes;        /* P1 lines skipped or kept as text (sm_p1_info) */
    uint64_t bytes_cut;       /* this stream: the telegram cut by sm_decoder_stop */
    uint64_t tic_groups_failed[SM_TIC_VERDICTS]; /* TIC groups failed, by reason (sm_tic_verdict) */
} sm_decoder_stats;

/* The state is the caller's (about 140 KB: not for a small stack); its
 * fields are private: use the functions below. */
typedef struct {
    sm_deframer SM_PRIVATE(deframer);
    sm_cipher SM_PRIVATE(cipher);
    sm_gbt SM_PRIVATE(gbt);
    sm_telegram_cb SM_PRIVATE(cb);
    void *SM_PRIVATE(ctx);
    sm_decoder_stats SM_PRIVATE(stats); /* the telegram counts */
    const sm_layout_set *SM_PRIVATE(layouts); /* the caller's, NULL: built-in only */
    uint8_t SM_PRIVATE(quirk_mode);      /* sm_quirk_mode */
    bool SM_PRIVATE(tic_whole);          /* TIC: a frame with a failed group fails */
    const sm_quirk *SM_PRIVATE(quirk);   /* SM_QUIRKS_NAMED: the one */
    unsigned SM_PRIVATE(gbt_blocks);
    uint8_t SM_PRIVATE(plain)[SM_APDU_MAX];
    sm_node SM_PRIVATE(nodes)[SM_MAX_NODES];
    sm_reading SM_PRIVATE(readings)[SM_MAX_READINGS];
    uint8_t SM_PRIVATE(scratch)[SM_APDU_MAX / 2]; /* decoded P1 identifiers, SML meter numbers */
    sm_p1_memo SM_PRIVATE(p1memo); /* what the meter's P1 telegrams repeat */
    sm_tic_info SM_PRIVATE(tic);   /* the last TIC frame's groups (sm_telegram.tic) */
} sm_decoder;

/* A decoder for a link layer (SM_LINK_AUTO to detect it) calling cb for
 * every telegram, good or failed.  No keys yet. */
void sm_decoder_init(sm_decoder *d, sm_link link, sm_telegram_cb cb, void *ctx);
/* ek/ak: raw key bytes (16 or 32), NULL/0 for none.  verify_tag false
 * decrypts authenticated telegrams without checking their tag.  Returns
 * SM_OK, or SM_ERR_KEY_LENGTH (then no key is set). */
sm_err sm_decoder_set_keys(sm_decoder *d, const uint8_t *ek, size_t ek_len, const uint8_t *ak,
                           size_t ak_len, bool verify_tag);
/* Layouts to try before the built-in ones (sm_layout.h); the set must
 * outlive the decoder and not change while it is in use.  NULL: only the
 * built-in layouts (the default). */
void sm_decoder_set_layouts(sm_decoder *d, const sm_layout_set *layouts);
/* Which meter quirks (sm_quirk.h) the decoder applies to SML telegrams (the
 * only family whose meters' bugs are written as quirks so far): those that
 * match the meter, from the caller's layouts then the built-in ones (AUTO,
 * the default), none, or q whatever the meter (NAMED). */
typedef enum { SM_QUIRKS_AUTO = 0, SM_QUIRKS_NONE, SM_QUIRKS_NAMED } sm_quirk_mode;
void sm_decoder_set_quirks(sm_decoder *d, sm_quirk_mode mode, const sm_quirk *q);
/* TIC frames: whole (true) fails a frame any of whose groups fails
 * (SM_ERR_TIC_GROUP); by default (false) a failed group is counted and the
 * frame's other groups are read (sm_tic.h). */
void sm_decoder_tic_whole(sm_decoder *d, bool whole);
/* Decode M-Bus and HDLC frames whose checksum (FCS) is wrong instead of
 * rejecting them (sm_deframer_ignore_checksums): for the meters that get
 * it wrong.  Off by default. */
void sm_decoder_ignore_checksums(sm_decoder *d, bool ignore);
/* Bytes of the stream, in chunks of any size: the callback runs for each
 * telegram they complete (the result does not depend on the chunking). */
void sm_decoder_feed(sm_decoder *d, const uint8_t *buf, size_t len);
/* The end of the input: a telegram cut short is reported. */
void sm_decoder_finish(sm_decoder *d);
/* The reader stopped on purpose (--count, --seconds, Ctrl-C): as finish,
 * but a telegram cut by the stop is dropped, not reported (its bytes are
 * counted in bytes_cut). */
void sm_decoder_stop(sm_decoder *d);
/* Drop what is buffered (after a reconnect); offsets go on. */
void sm_decoder_reset(sm_decoder *d);
/* Start an unrelated stream (the next file): like reset, and stream offsets,
 * link auto-detection and link statistics start again from zero; keys,
 * telegram numbering and the telegram counts carry on. */
void sm_decoder_new_stream(sm_decoder *d);
/* The same meter's line again (a reconnect): like sm_decoder_new_stream(),
 * but the link layer the line has shown is kept (sm_deframer_reconnected). */
void sm_decoder_reconnected(sm_decoder *d);
/* Decode one APDU given whole (no link layer). */
void sm_decoder_apdu(sm_decoder *d, const uint8_t *apdu, size_t len);
/* Clear the keys and the last plaintext; before the memory is released. */
void sm_decoder_wipe(sm_decoder *d);

void sm_decoder_get_stats(const sm_decoder *d, sm_decoder_stats *s);
/* What the link layer is waiting for (sm_deframer_expect): SM_EXPECT_IDLE,
 * SM_EXPECT_SOME, or the bytes the frame being received still lacks. */
size_t sm_decoder_expect(const sm_decoder *d);
/* The bytes of the telegram under way so far (sm_deframer_underway). */
uint64_t sm_decoder_underway(const sm_decoder *d);

/* The meter's time of a decoded telegram: the notification's date-time,
 * else the value of the clock object (0-0:1.0.0, also P1's timestamp).
 * False when the telegram carries neither (or only one without a date and
 * time of day). */
bool sm_telegram_time(const sm_telegram *t, sm_datetime *dt);

#endif
