/* sm_quirk.h - meter bugs as data: the quirks of the layout files
 * (a "quirk NAME" block, shared/layouts/README), which of them a meter
 * has, what they change in its readings, and the check that tells when a
 * power's sign disagrees with the energy registers.
 *
 * A quirk matches a meter by its maker (the FLAG code of its DIN 43863-5
 * meter number, or its manufacturer reading), optionally a range of meter
 * numbers and a firmware version; its actions change readings of given
 * OBIS codes:
 *   unsigned C      a signed integer that is an unsigned one of the same
 *                   width (DZG DVS74 before firmware 1.2 sends +400 W as
 *                   Integer16 0x9C40, which read signed is -255.36 W)
 *   direction S B C an unsigned power that is negative (export) when bit B
 *                   of the status word of reading S is set (EMH, Iskra:
 *                   bit 5 of 1.8.0's), given as code `as` when one is named
 *                   (the absolute power 15.7.0 so signed is 16.7.0)
 * Readings a quirk changed are marked (sm_reading.amended).  No fixed rule
 * is right for every firmware: the sign check compares each power's sign
 * with the register that moved since the telegram before, so a reader can
 * flag a quirk that is wrong for a meter (or one that is missing).
 * Pure functions over caller-owned memory; thread-safe. */
#ifndef SM_QUIRK_H
#define SM_QUIRK_H

#include <stdbool.h>
#include <stddef.h>

#include "sm_layout.h"
#include "sm_readings.h"

/* What is known of the meter a telegram comes from. */
typedef struct {
    const char *meter_number; /* the printed DIN 43863-5 number, "" or NULL when none */
} sm_quirk_meter;

/* The first quirk of `user` (may be NULL), then of the built-in set, that
 * matches the meter of these readings; NULL when none does. */
const sm_quirk *sm_quirk_find(const sm_layout_set *user, const sm_quirk_meter *m,
                              const sm_reading *r, size_t n);
/* The quirk named so in `user` or the built-in set; NULL when none is. */
const sm_quirk *sm_quirk_named(const sm_layout_set *user, const char *name);
/* The names of the quirks of `user` (may be NULL), then of the built-in
 * set, each after ", " and between `quote`s, into out (NUL-terminated, cut
 * at cap): the list an error about an unknown name gives. */
void sm_quirk_names(const sm_layout_set *user, const char *quote, char *out, size_t cap);
/* Apply q's actions to the readings: returns how many it changed. */
unsigned sm_quirk_apply(const sm_quirk *q, sm_reading *r, size_t n);

/* The sign check: the caller's state, one per meter, zeroed to begin. */
typedef struct {
    bool have;          /* the registers of the telegram before */
    double imp, exp;    /* 1-0:1.8.0 and 1-0:2.8.0 there (Wh) */
    unsigned run;       /* telegrams in a row whose power disagreed */
    double power;       /* the last power that disagreed (W) */
} sm_sign_check;

typedef enum {
    SM_SIGN_UNKNOWN = 0, /* nothing to compare: no power or registers, both or neither moved */
    SM_SIGN_AGREES,
    SM_SIGN_DISAGREES    /* import moved and the power is negative, or export and positive */
} sm_sign_verdict;

/* Disagreements in a row that say the sign is wrong (one alone is a
 * change of direction between two telegrams). */
#define SM_SIGN_CHECK_RUN 3

/* The verdict of one telegram's readings against the one before. */
sm_sign_verdict sm_sign_check_feed(sm_sign_check *c, const sm_reading *r, size_t n);

#endif
