/* smp_tic.h - the events of TIC frames (France's Linky and the older
 * electronic meters) as collectd notifications, each once, when it happens
 * (what the first frame shows is the state, told only when the user should
 * hear of it: an overload, an open cut-off organ, a colour or a peak
 * announced, a message, the clock degraded):
 *   overload            ADPS (historique single-phase), ADIR1-3 (three-phase),
 *                       STGE's over-power bit (standard); and its end
 *   cut-off             STGE's cut-off organ opening (with why) and closing
 *   tempo-tomorrow      the Tempo colour announced for tomorrow (DEMAIN, or
 *                       STGE bits 26-27) changing to a colour
 *   mobile-peak         a mobile peak (EJP, PM1-3) announced: PEJP, STGE's notice
 *   clock               the meter's clock degraded (STGE bit 16, a lower-case
 *                       horodate) and set again
 *   text-message        MSG1 changing (its "PAS DE MESSAGE" is no message)
 * Each kind is rate-limited as the P1 events are (smp_p1.h). */
#ifndef SMP_TIC_H
#define SMP_TIC_H

#include "smp_p1.h"

/* The frame's events as notifications of meter `name`; returns how many the
 * rate limit left out. */
uint64_t smp_tic_events(smp_p1_state *s, const char *name, const sm_telegram *t);

#endif
