/* smp_tic.c - the events of TIC frames.  See smp_tic.h. */
#include "smp_tic.h"

#include "collectd/core/utils/common/common.h"

#include "smp_log.h"

static const sm_reading *label(const sm_telegram *t, const char *l)
{
    size_t n = strlen(l);
    for (size_t i = 0; i < t->nreadings; i++)
        if (t->readings[i].label && t->readings[i].label_len == n &&
            memcmp(t->readings[i].label, l, n) == 0)
            return &t->readings[i];
    return NULL;
}

/* STGE's field of that name, -1 without STGE */
static int stge(const sm_telegram *t, const char *field)
{
    const sm_tic_stge_field *f = sm_tic_stge_field_named(field);
    return t->tic->has_stge && f ? (int)sm_tic_stge_get(t->tic->stge, f) : -1;
}

static void overload(smp_p1_state *s, const char *name, const sm_telegram *t)
{
    static const char *const labels[] = {"ADPS", "ADIR1", "ADIR2", "ADIR3"};
    const sm_reading *r = NULL;
    for (size_t i = 0; i < 4 && !r; i++)
        r = label(t, labels[i]);
    bool now = r || stge(t, "over-power") == 1;
    if (now == s->tic.overload)
        return;
    s->tic.overload = now;
    if (now && r)
        smp_notify(s, name, SMP_EV_OVERLOAD, NOTIF_WARNING, "overload", 0,
                   "overload: %.0f A, above the subscribed current (%.*s)", r->value,
                   (int)r->label_len, (const char *)r->label);
    else if (now)
        smp_notify(s, name, SMP_EV_OVERLOAD, NOTIF_WARNING, "overload", 0,
                   "overload: the apparent power is above the cut-off power (STGE)");
    else
        smp_notify(s, name, SMP_EV_OVERLOAD, NOTIF_OKAY, "overload", 0, "the overload is over");
}

static void cutoff(smp_p1_state *s, const char *name, const sm_telegram *t)
{
    int v = stge(t, "cut-off");
    if (v < 0 || v == s->tic.cutoff)
        return;
    const sm_tic_stge_field *f = sm_tic_stge_field_named("cut-off");
    const char *why = sm_tic_stge_value_name(f, (unsigned)v);
    if (v != 0)
        smp_notify(s, name, SMP_EV_CUTOFF, NOTIF_FAILURE, "cut-off", 0,
                   "the meter's cut-off organ is open (%s)", why ? why : "state unknown");
    else if (s->tic.cutoff > 0)
        smp_notify(s, name, SMP_EV_CUTOFF, NOTIF_OKAY, "cut-off", 0,
                   "the meter's cut-off organ is closed again");
    s->tic.cutoff = v;
}

/* Tomorrow's Tempo colour: DEMAIN (historique) or STGE (standard). */
static int tomorrow(const sm_telegram *t)
{
    const sm_reading *d = label(t, "DEMAIN");
    if (d) {
        static const char *const names[] = {"----", "BLEU", "BLAN", "ROUG"};
        for (int i = 0; i < 4; i++)
            if (d->len == 4 && memcmp(d->bytes, names[i], 4) == 0)
                return i;
        return -1;
    }
    return stge(t, "tempo-tomorrow");
}

static void tempo(smp_p1_state *s, const char *name, const sm_telegram *t)
{
    static const char *const colours[] = {"none", "blue", "white", "red"};
    int c = tomorrow(t);
    if (c < 0 || c == s->tic.tomorrow)
        return;
    if (c > 0)
        smp_notify(s, name, SMP_EV_TEMPO, c == 3 ? NOTIF_WARNING : NOTIF_OKAY, "tempo-tomorrow",
                   0, "Tempo: tomorrow is a %s day", colours[c]);
    s->tic.tomorrow = c;
}

/* A mobile peak's start and end announced (DPM1-3 and FPM1-3 with their
 * horodates): once per start. */
static void peak_dates(smp_p1_state *s, const char *name, const sm_telegram *t)
{
    for (int k = 1; k <= 3; k++) {
        char dl[8], fl[8];
        snprintf(dl, sizeof dl, "DPM%d", k);
        snprintf(fl, sizeof fl, "FPM%d", k);
        const sm_reading *d = label(t, dl), *f = label(t, fl);
        cdtime_t start = d && d->has_capture ? smp_dt_cdtime(&d->capture) : 0;
        if (!start || start == s->tic.peak_start[k - 1])
            continue;
        s->tic.peak_start[k - 1] = start;
        char from[64] = "", to[64] = "";
        sm_datetime_iso_local(&d->capture, from, sizeof from);
        if (f && f->has_capture)
            sm_datetime_iso_local(&f->capture, to, sizeof to);
        smp_notify(s, name, SMP_EV_PEAK, NOTIF_WARNING, "mobile-peak", 0,
                   "mobile peak %d announced: from %s%s%s", k, from, to[0] ? " to " : "", to);
    }
}

static void mobile_peak(smp_p1_state *s, const char *name, const sm_telegram *t)
{
    peak_dates(s, name, t);
    const sm_reading *pejp = label(t, "PEJP");
    int v = pejp ? 1 : stge(t, "mobile-peak-notice");
    bool dated = label(t, "DPM1") || label(t, "DPM2") || label(t, "DPM3");
    if (v < 0 && s->tic.seen && !t->tic->has_stge)
        v = 0; /* historique: PEJP gone */
    if (v < 0 || v == s->tic.peak_notice)
        return;
    if (v > 0 && pejp)
        smp_notify(s, name, SMP_EV_PEAK, NOTIF_WARNING, "mobile-peak", 0,
                   "EJP peak day announced: it begins in %.0f minutes", pejp->value);
    else if (v > 0 && !dated) /* (with its dates: told above) */
        smp_notify(s, name, SMP_EV_PEAK, NOTIF_WARNING, "mobile-peak", 0,
                   "mobile peak PM%d announced", v);
    s->tic.peak_notice = v;
}

static void clock_state(smp_p1_state *s, const char *name, const sm_telegram *t)
{
    const sm_reading *date = label(t, "DATE");
    int v = stge(t, "clock-degraded");
    if (date && date->kind == SM_RK_DATETIME && date->dt.status != 0xFF &&
        (date->dt.status & SM_DT_STATUS_DOUBTFUL))
        v = 1;
    if (v < 0 || v == s->tic.clock_degraded)
        return;
    if (v)
        smp_notify(s, name, SMP_EV_CLOCK, NOTIF_WARNING, "clock", 0,
                   "the meter's clock is degraded (its times are doubtful until it is set)");
    else if (s->tic.clock_degraded == 1)
        smp_notify(s, name, SMP_EV_CLOCK, NOTIF_OKAY, "clock", 0, "the meter's clock is set again");
    s->tic.clock_degraded = v;
}

/* A message's text with its runs of spaces made one, none at the ends;
 * "PAS DE MESSAGE" (no message) made empty. */
static size_t message_text(const sm_reading *m, char *text, size_t cap)
{
    size_t n = 0;
    for (size_t i = 0; m && i < m->len && n < cap - 1; i++)
        if (m->bytes[i] != ' ' || (n && text[n - 1] != ' '))
            text[n++] = (char)m->bytes[i];
    while (n && text[n - 1] == ' ')
        n--;
    text[n] = '\0';
    if (strcmp(text, "PAS DE MESSAGE") == 0)
        text[n = 0] = '\0';
    return n;
}

/* MSG1 and MSG2: the supplier's or distributor's messages. */
static void message(smp_p1_state *s, const char *name, const sm_telegram *t)
{
    const sm_reading *m1 = label(t, "MSG1"), *m2 = label(t, "MSG2");
    if (!m1 && !m2)
        return;
    char text[sizeof s->text], two[64];
    size_t n = message_text(m1, text, sizeof text);
    if (message_text(m2, two, sizeof two))
        snprintf(text + n, sizeof text - n, "%s%s", n ? " / " : "", two);
    if (strcmp(text, s->text) == 0)
        return;
    if (text[0])
        smp_notify(s, name, SMP_EV_TEXT, NOTIF_WARNING, "text-message", 0,
                   "message from the meter: %s", text);
    else if (s->tic.seen)
        smp_notify(s, name, SMP_EV_TEXT, NOTIF_OKAY, "text-message", 0, "the message was cleared");
    sstrncpy(s->text, text, sizeof s->text);
}

uint64_t smp_tic_events(smp_p1_state *s, const char *name, const sm_telegram *t)
{
    if (!t->is_tic)
        return 0;
    uint64_t before = s->suppressed;
    overload(s, name, t);
    cutoff(s, name, t);
    tempo(s, name, t);
    mobile_peak(s, name, t);
    clock_state(s, name, t);
    message(s, name, t);
    s->tic.seen = true;
    return s->suppressed - before;
}
