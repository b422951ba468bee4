/* smp_meter.c - a meter's reader thread: open the port (with back-off while
 * it is missing), poll it, feed the decoder, and dispatch every decoded
 * telegram exactly once with the meter's push period as its interval. */
#include "smp_meter.h"

#include "collectd/core/utils/common/common.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <time.h>

#include "smp_state.h"

#define BACKOFF_MIN 1.0
#define BACKOFF_MAX 30.0
#define CONNECT_TIMEOUT_MS 10000
#define PERIOD_MAX 3600.0
/* Coalescing reads (let_frame_arrive): how many characters to wait for when
 * the decoder does not know yet how many it lacks, the longest wait, and
 * what is added to each (a meter or serial server is never quite as fast
 * as the line; 16 ms is an FTDI adapter's default latency timer). */
#define COALESCE_CHARS 24
#define COALESCE_MAX 1.0
#define COALESCE_SLACK 0.02

const char *const smp_health_names[SMP_H_COUNT] = {
    "telegrams", "checksum-errors", "security-errors", "parse-errors",
    "bytes-discarded", "reconnects", "replayed", "objects-refused",
    "p1-without-crc", "p1-notes", "checksum-ignored", "notifications-suppressed"};

static void count(smp_meter *m, smp_health h, uint64_t n)
{
    atomic_fetch_add_explicit(&m->health[h], n, memory_order_relaxed);
}

/* Wait until the shutdown event or for `seconds`; true when shutting down. */
static bool wait_stop(smp_meter *m, double seconds)
{
    struct pollfd pf = {m->wake_fd, POLLIN, 0};
    int r;
    do
        r = poll(&pf, 1, (int)(seconds * 1000));
    while (r < 0 && errno == EINTR);
    return r > 0;
}

/* ---- time of a telegram ----------------------------------------------------- */

/* The meter's time as cdtime_t; 0 when the telegram has none
 * (smp_dt_cdtime: without a UTC deviation, local time of the host's zone). */
static cdtime_t meter_time(const sm_telegram *t)
{
    sm_datetime dt;
    return sm_telegram_time(t, &dt) ? smp_dt_cdtime(&dt) : 0;
}

/* The time the telegram's values are stored with: the meter's (TimeSource
 * "meter") unless it is further than MaxClockSkew off the host's clock, else
 * the host's; always after the last telegram's, so a series keeps rising:
 * 0 (not stored) when it would not be. */
static cdtime_t values_time(smp_meter *m, const sm_telegram *t)
{
    cdtime_t host = cdtime();
    cdtime_t when = m->host_time ? 0 : meter_time(t);
    if (when != 0 && m->max_skew > 0) {
        /* a meter clock far off (a wrong time zone, a clock never set, a
         * corrupted or forged date) must not put values into the future,
         * where they would block every later update of the series */
        double off = CDTIME_T_TO_DOUBLE(when) - CDTIME_T_TO_DOUBLE(host);
        if (off > m->max_skew || off < -m->max_skew) {
            c_complain(LOG_WARNING, &m->c_skew,
                       SMP_LOG_PREFIX "meter clock is %+.0f s off the host's (MaxClockSkew %.0f): "
                                      "storing values with the host's time",
                       m->name, off, m->max_skew);
            when = 0;
        } else {
            c_release(LOG_INFO, &m->c_skew,
                      SMP_LOG_PREFIX "meter clock agrees with the host's again", m->name);
        }
    }
    if (when == 0)
        when = host;
    if (m->last_time && when <= m->last_time) {
        /* the meter's clock stood still or stepped back: its time would put
         * these values on or before the last ones, which collectd refuses.
         * No time is made up for them: the telegram is not stored, until
         * the clock passes the last time again (a clock that stays stuck
         * is caught by MaxClockSkew, and the host's time used) */
        c_complain(LOG_WARNING, &m->c_back,
                   SMP_LOG_PREFIX "the meter's clock went back or stood still (%.3f after "
                   "%.3f, Unix time): its telegrams are not stored until it passes that time",
                   m->name, CDTIME_T_TO_DOUBLE(when), CDTIME_T_TO_DOUBLE(m->last_time));
        return 0;
    }
    c_release(LOG_INFO, &m->c_back, SMP_LOG_PREFIX "the meter's clock runs forward again",
              m->name);
    m->last_time = when;
    return when;
}

/* What a telegram's readings say, as one number: a P1 meter repeats a
 * telegram whole (its clock and every value), which is no new reading. */
static uint64_t digest(const sm_telegram *t)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < t->nreadings; i++) {
        const sm_reading *r = &t->readings[i];
        uint64_t v;
        memcpy(&v, &r->value, sizeof v);
        h = (h ^ v) * 1099511628211ull;
        h = (h ^ (uint64_t)r->obis.c << 16 ^ (uint64_t)r->obis.d << 8 ^ r->obis.e) * 1099511628211ull;
        if (r->kind == SM_RK_DATETIME)
            h = (h ^ (uint64_t)r->dt.second << 16 ^ (uint64_t)r->dt.minute << 8 ^ r->dt.hour) *
                1099511628211ull;
    }
    return h ^ t->nreadings;
}

/* A P1 telegram whose clock and readings equal the last one's: a repeat
 * (a second reader echoing the line, a meter sending twice), not stored. */
static bool p1_repeat(smp_meter *m, const sm_telegram *t)
{
    if (!t->is_p1)
        return false;
    uint64_t d = digest(t);
    bool same = d == m->last_digest && meter_time(t) != 0 &&
                CDTIME_T_TO_DOUBLE(meter_time(t)) <= CDTIME_T_TO_DOUBLE(m->last_time) &&
                m->last_time != 0;
    m->last_digest = d;
    if (same) {
        count(m, SMP_H_REPLAYED, 1);
        c_complain(LOG_WARNING, &m->c_replay,
                   SMP_LOG_PREFIX "a P1 telegram repeated (the same clock and values): not "
                   "dispatched again", m->name);
    }
    return same;
}

/* ---- dispatch --------------------------------------------------------------- */

static void dispatch_batch(smp_meter *m, const smp_batch *b)
{
    /* one meta data set for the telegram: collectd copies it with each
     * value, and adding "obis" again replaces the last value's code */
    meta_data_t *meta = meta_data_create();
    if (meta && m->meter_number[0])
        meta_data_add_string(meta, "meter_number", m->meter_number);
    for (size_t i = 0; i < b->n; i++) {
        value_list_t vl = VALUE_LIST_INIT;
        value_t v = {.gauge = b->v[i].value};
        vl.values = &v;
        vl.values_len = 1;
        vl.time = b->vtime[i] ? b->vtime[i] : b->time;
        vl.interval = b->vinterval[i] ? b->vinterval[i] : DOUBLE_TO_CDTIME_T(m->period);
        sstrncpy(vl.plugin, SMP_PLUGIN, sizeof vl.plugin);
        sstrncpy(vl.plugin_instance, m->name, sizeof vl.plugin_instance);
        sstrncpy(vl.type, b->v[i].type, sizeof vl.type);
        sstrncpy(vl.type_instance, b->v[i].type_instance, sizeof vl.type_instance);
        if (meta)
            meta_data_add_string(meta, "obis", b->obis[i]);
        vl.meta = meta;
        plugin_dispatch_values(&vl);
    }
    if (meta)
        meta_data_destroy(meta);
}

static bool selected(const smp_meter *m, const sm_obis *o)
{
    if (m->nselect) {
        bool hit = false;
        for (size_t i = 0; i < m->nselect && !hit; i++)
            hit = sm_obis_pattern_match(&m->select[i], o);
        if (!hit)
            return false;
    }
    for (size_t i = 0; i < m->nignore; i++)
        if (sm_obis_pattern_match(&m->ignore[i], o))
            return false;
    return true;
}

/* Each unknown object becomes a series of its own (a file for csv and
 * rrdtool): a hostile or broken line must not create them without bound.
 * True when this unknown object may be dispatched. */
static bool unknown_admitted(smp_meter *m, const sm_obis *o)
{
    for (size_t i = 0; i < m->nunknown; i++)
        if (sm_obis_equal(&m->unknown[i], o))
            return true;
    if (m->nunknown < (size_t)m->max_unknown && m->unknown) {
        m->unknown[m->nunknown++] = *o;
        return true;
    }
    count(m, SMP_H_REFUSED, 1);
    if (!m->refused_logged) {
        char code[24];
        sm_obis_format(o, code, sizeof code);
        WARNING(SMP_LOG_PREFIX "%s would be unknown object %zu of at most %d (MaxUnknownObjects): "
                "not dispatched, nor any further unknown object (counted in objects-refused)",
                m->name, code, m->nunknown + 1, m->max_unknown);
        m->refused_logged = true;
    }
    return false;
}

/* The capture time of a value that has its own (a P1 sub-meter's), 0
 * for the others and for one in the future beyond MaxClockSkew (that one
 * is stored with the telegram's time). */
static cdtime_t capture_time(const smp_meter *m, const sm_reading *r)
{
    cdtime_t when = r->has_capture ? smp_dt_cdtime(&r->capture) : 0;
    if (when && m->max_skew > 0 &&
        CDTIME_T_TO_DOUBLE(when) - CDTIME_T_TO_DOUBLE(cdtime()) > m->max_skew)
        return 0;
    return when;
}

static void fill_batch(smp_meter *m, const sm_telegram *t, smp_batch *b)
{
    b->n = 0;
    smp_timed_begin(&m->p1, b);
    for (size_t i = 0; i < t->nreadings; i++) {
        const sm_reading *r = &t->readings[i];
        smp_value v;
        char obis[24];
        if (r->obis_source == SM_OBIS_NONE || !selected(m, &r->obis) ||
            !smp_map_reading(r, t->readings, t->nreadings, &v) ||
            (!v.known && !unknown_admitted(m, &r->obis)))
            continue;
        sm_obis_format(&r->obis, obis, sizeof obis);
        cdtime_t when = capture_time(m, r);
        if (!when) {
            smp_batch_add(b, &v, obis, 0, 0);
            continue;
        }
        bool overflow = false;
        smp_timed_add(&m->p1, b, &v, obis, when, &overflow);
        if (overflow && !m->timed_logged) {
            WARNING(SMP_LOG_PREFIX "more than %d series with their own capture time: %s is "
                    "dispatched with every telegram", m->name, SMP_TIMED_MAX, obis);
            m->timed_logged = true;
        }
    }
}

static void set_meter_number(smp_meter *m, const sm_telegram *t)
{
    const sm_reading *id = t->meter_id;
    m->meter_number[0] = '\0';
    if (!id || id->kind != SM_RK_STRING || !sm_bytes_printable(id->bytes, id->len))
        return;
    size_t n = id->len < sizeof m->meter_number - 1 ? id->len : sizeof m->meter_number - 1;
    memcpy(m->meter_number, id->bytes, n);
    m->meter_number[n] = '\0';
}

/* ---- the first dispatch and the push period ----------------------------------- */

/* Telegrams are dispatched at least QUEUE_GAP apart, and CREATE_WAIT after
 * a meter's first: collectd's write threads take values from one queue, so
 * two values of one series dispatched at the same moment can be written
 * in the wrong order (rrdtool then drops the older one), and the first
 * values create the series' files, which collectd's csv and rrdtool plugins
 * lose a value of while another write thread is still creating them
 * (rrdtool: "is already being created"; csv truncates the file).  A real
 * meter pushes every 1 to 10 s, so a telegram only waits when several
 * arrive at once (a backlog after the port came back, the first two while
 * the period is learnt); it waits in order, at most QUEUE_MAX of them. */
#define CREATE_WAIT 0.5
#define QUEUE_GAP 0.1
#define QUEUE_MAX 64

/* Dispatch the first waiting telegram. */
static void dispatch_next(smp_meter *m, double now)
{
    smp_batch *b = m->queue;
    if (!b)
        return;
    m->queue = b->next;
    if (!m->queue)
        m->queue_tail = NULL;
    m->queued--;
    dispatch_batch(m, b);
    free(b);
    m->queue_due = now + QUEUE_GAP;
}

/* Dispatch b, or let it wait its turn.  True when b waits (it is the
 * queue's now). */
static bool deliver(smp_meter *m, smp_batch *b, double now)
{
    while (m->queue && (now >= m->queue_due || m->queued >= QUEUE_MAX))
        dispatch_next(m, now);
    if (m->queue || now < m->queue_due) {
        b->next = NULL;
        if (m->queue_tail)
            m->queue_tail->next = b;
        else
            m->queue = b;
        m->queue_tail = b;
        m->queued++;
        return true;
    }
    dispatch_batch(m, b);
    m->queue_due = now + (m->dispatched_any ? QUEUE_GAP : CREATE_WAIT);
    m->dispatched_any = true;
    return false;
}

/* At shutdown: everything that waits, in order. */
static void dispatch_queue(smp_meter *m)
{
    while (m->queue)
        dispatch_next(m, 0);
}

/* The period is not known yet: the first telegram is held (its values'
 * interval is the push period, the RRD step of the files they create), and
 * with the second the period is learnt from the two meter times (or the
 * arrival times); both are then delivered.  True when b was kept (held or
 * queued): the caller needs a new batch. */
static bool learn_period(smp_meter *m, smp_batch *b, double now)
{
    if (!m->held) {
        m->held = b;
        m->held_arrival = now;
        return true;
    }
    double delta = CDTIME_T_TO_DOUBLE(b->time - m->held->time);
    if (delta < 0.5 || delta > PERIOD_MAX)
        delta = now - m->held_arrival;
    double p = delta < 0.5 ? 1.0 : (double)(long)(delta + 0.5);
    m->period = p > PERIOD_MAX ? CDTIME_T_TO_DOUBLE(plugin_get_interval()) : p;
    INFO(SMP_LOG_PREFIX "push period %.0f s (learnt from the telegrams)", m->name, m->period);
    smp_batch *first = m->held;
    m->held = NULL;
    if (!deliver(m, first, now))
        free(first);
    return deliver(m, b, now);
}

/* ---- the decoder's callback ------------------------------------------------- */

/* A meter restart that resets the frame counter: plausible only with a
 * counter near its start, or after a pause as a power failure makes.  Four
 * captured telegrams replayed in order look like a restart otherwise. */
#define FC_RESTART_NEAR 1000
#define FC_RESTART_PAUSE 600.0

/* StateDir: the last frame counter is written at most every
 * SMP_STATE_EVERY seconds (an SD card is written once in five minutes,
 * not every second), and when collectd stops. */
#define SMP_STATE_EVERY 300.0

static void save_state(smp_meter *m, double now, bool now_or_never)
{
    if (!m->state_dir || !m->have_fc ||
        (!now_or_never && m->state_saved_at > 0 && now - m->state_saved_at < SMP_STATE_EVERY))
        return;
    smp_state s;
    memcpy(s.title, m->title, 8);
    s.fc = m->last_fc;
    s.unix_time = (int64_t)time(NULL) - (int64_t)(now - m->fc_at);
    char err[512];
    if (smp_state_save(m->state_dir, m->name, &s, err, sizeof err) != 0) {
        c_complain(LOG_WARNING, &m->c_state,
                   SMP_LOG_PREFIX "StateDir: cannot keep the frame counter: %s (the replay "
                   "check forgets it when collectd restarts)", m->name, err);
        return;
    }
    c_release(LOG_INFO, &m->c_state, SMP_LOG_PREFIX "StateDir: the frame counter is kept again",
              m->name);
    m->state_saved_at = now;
}

/* The frame counter the last run kept (StateDir), as if just accepted at
 * the time it was. */
static void load_state(smp_meter *m)
{
    smp_state s;
    char err[512];
    int r = m->state_dir ? smp_state_load(m->state_dir, m->name, &s, err, sizeof err) : 0;
    if (r < 0)
        WARNING(SMP_LOG_PREFIX "StateDir: %s; the replay check starts afresh", m->name, err);
    if (r <= 0)
        return;
    double age = (double)((int64_t)time(NULL) - s.unix_time);
    m->have_fc = true;
    memcpy(m->title, s.title, 8);
    m->last_fc = s.fc;
    m->fc_at = smio_port_now() - (age > 0 ? age : 0);
    INFO(SMP_LOG_PREFIX "StateDir: the last frame counter was %" PRIu32 " (%.0f s ago): only "
         "higher ones are taken", m->name, s.fc, age > 0 ? age : 0);
}

/* Replay protection: true when the telegram may be dispatched.  The frame
 * counter of a ciphered telegram must rise; three rising counters below
 * the old one in a row are taken as a meter that was reset (or replaced
 * without a new title) where that is plausible: the counter near its start,
 * or after a pause of FC_RESTART_PAUSE s. */
static bool fresh(smp_meter *m, const sm_telegram *t)
{
    if (!t->ciphered)
        return true;
    uint32_t fc = t->sec.fc;
    double now = smio_port_now();
    if (!m->have_fc || memcmp(m->title, t->sec.system_title, 8) != 0 || fc > m->last_fc) {
        m->have_fc = true;
        memcpy(m->title, t->sec.system_title, 8);
        m->last_fc = fc;
        m->fc_at = now;
        m->below_run = 0;
        save_state(m, now, false);
        return true;
    }
    count(m, SMP_H_REPLAYED, 1);
    m->below_run = m->below_run > 0 && fc > m->below_last ? m->below_run + 1 : 1;
    m->below_last = fc;
    bool plausible = fc < FC_RESTART_NEAR || now - m->fc_at >= FC_RESTART_PAUSE;
    if (fc < m->last_fc && m->below_run >= 3 && plausible) {
        WARNING(SMP_LOG_PREFIX "frame counter restarted at %" PRIu32 " (was %" PRIu32
                "): accepting the meter's new count", m->name, fc, m->last_fc);
        m->last_fc = fc;
        m->fc_at = now;
        m->below_run = 0;
        save_state(m, now, true);
        return true;
    }
    c_complain(LOG_WARNING, &m->c_replay,
               SMP_LOG_PREFIX "frame counter %" PRIu32 " %s %" PRIu32
               ": telegram replayed or repeated, not dispatched",
               m->name, fc, fc == m->last_fc ? "repeats" : "is below", m->last_fc);
    return false;
}

/* The core's advice on a key error (sm_key_advise) in the plugin's options */
static const char *const key_advice[SM_ADVICE_COUNT] = {
    [SM_ADVICE_SWAP] = " (the two keys work the other way round: swap Key/KeyFile and "
                       "AuthKey/AuthKeyFile)",
    [SM_ADVICE_GIVE_AK] = " (Key is right: set AuthKey/AuthKeyFile, or VerifyTag false)",
    [SM_ADVICE_CHECK_AK] = " (Key is right, AuthKey/AuthKeyFile is not: check it, or set "
                           "VerifyTag false)",
    [SM_ADVICE_CHECK_EK_TOO] = " (Key/KeyFile does not decrypt it: check it, each meter has "
                               "its own)",
    [SM_ADVICE_CHECK_EK] = " (Key/KeyFile does not decrypt it: check it, each meter has its own)",
    [SM_ADVICE_GIVE_KEY] = " (set Key/KeyFile or AuthKey/AuthKeyFile: the grid operator "
                           "supplies them)",
    [SM_ADVICE_GIVE_AK_ONLY] = " (set Key/KeyFile or AuthKey/AuthKeyFile: the grid operator "
                               "supplies them)",
    [SM_ADVICE_CHECK_KEYS] = " (check Key/KeyFile and AuthKey/AuthKeyFile for this meter)",
    [SM_ADVICE_CHECK_KEY] = " (check Key/KeyFile and AuthKey/AuthKeyFile for this meter)",
};

static const char *key_hint(const sm_telegram *t)
{
    const char *h = key_advice[sm_key_advise(t->err, t->key_diag)];
    return h ? h : "";
}

static void log_failure(smp_meter *m, const sm_telegram *t)
{
    sm_layer layer = sm_errlayer(t->err);
    c_complain_t *c = &m->c_parse;
    int level = LOG_WARNING;
    const char *hint = "";
    smp_health h = SMP_H_PARSE;
    if (layer == SM_LAYER_LINK) {
        h = SMP_H_CHECKSUM;
        c = &m->c_link;
    } else if (layer == SM_LAYER_SECURITY) {
        h = SMP_H_SECURITY;
        c = &m->c_sec;
        level = LOG_ERR;
        hint = key_hint(t);
    }
    count(m, h, 1);
    char frame[32] = "";
    if (t->err_frame)
        snprintf(frame, sizeof frame, " in frame %u", t->err_frame);
    /* what the decoder found out about the keys: each finding logged once
     * per meter, until a telegram decrypts again */
    if (t->key_diag) {
        unsigned bit = 1u << (unsigned)t->key_diag;
        if (!(m->keys_logged & bit))
            plugin_log(level, SMP_LOG_PREFIX "telegram dropped: %s: %s: %s%s at %s offset %" PRIu64
                       "%s", m->name, sm_layername(layer), sm_strerror(t->err),
                       sm_key_diag_text(t->key_diag), frame, sm_where_name(t->err_where),
                       t->err_offset, hint);
        m->keys_logged |= bit;
        return;
    }
    c_complain(level, c, SMP_LOG_PREFIX "telegram dropped: %s: %s%s at %s offset %" PRIu64 "%s",
               m->name, sm_layername(layer), sm_strerror(t->err), frame,
               sm_where_name(t->err_where), t->err_offset, hint);
}

/* A good telegram arrived: what the reader learns from it. */
static void note_good(smp_meter *m, const sm_telegram *t, double now)
{
    if (t->wire_len)
        m->telegram_bytes = t->wire_len;
    set_meter_number(m, t);
    m->last_good = now;
    count(m, SMP_H_TELEGRAMS, 1);
    if (!m->good_since_open && m->closed_early)
        c_release(LOG_INFO, &m->c_early, SMP_LOG_PREFIX "reading %s again: telegrams arrive",
                  m->name, m->port.path);
    m->good_since_open = true;
    m->closed_early = false;
    c_release(LOG_INFO, &m->c_link, SMP_LOG_PREFIX "telegrams pass the link layer again", m->name);
    if (m->keys_logged && !c_would_release(&m->c_sec))
        INFO(SMP_LOG_PREFIX "telegrams decrypt again", m->name);
    m->keys_logged = 0;
    c_release(LOG_INFO, &m->c_sec, SMP_LOG_PREFIX "telegrams decrypt again", m->name);
    c_release(LOG_INFO, &m->c_parse, SMP_LOG_PREFIX "telegrams parse again", m->name);
    c_release(LOG_INFO, &m->c_replay, SMP_LOG_PREFIX "frame counter rises again", m->name);
    c_release(LOG_INFO, &m->c_stale, SMP_LOG_PREFIX "telegrams arrive again", m->name);
}

static void log_first(smp_meter *m, const sm_telegram *t, const smp_batch *b)
{
    if (m->got_first)
        return;
    m->got_first = true;
    char p1[SM_P1_IDENT_MAX + 40] = "";
    if (t->is_p1)
        snprintf(p1, sizeof p1, ", P1 /%.*s, CRC %s", (int)t->p1.ident_len,
                 (const char *)t->p1.ident, sm_p1_crc_name(t->p1.frame.crc_status));
    INFO(SMP_LOG_PREFIX "first telegram: %zu readings (%zu dispatched), layout %s%s%s%s%s",
         m->name, t->nreadings, b->n, t->layout ? t->layout : "unknown",
         m->meter_number[0] ? ", meter number " : "", m->meter_number,
         t->ciphered ? (t->authenticated ? ", encrypted and authenticated" : ", encrypted")
                     : ", not encrypted", p1);
}

/* Frames decoded although their checksum was wrong (VerifyChecksum false):
 * counted, and said once. */
static void count_ignored(smp_meter *m, const sm_telegram *t)
{
    unsigned n = 0;
    for (unsigned i = 0; t->link && i < t->link->nframes; i++)
        n += t->link->frames[i].checksum_ignored;
    if (!n)
        return;
    count(m, SMP_H_CHECKSUM_IGNORED, n);
    if (!m->ignored_seen++)
        NOTICE(SMP_LOG_PREFIX "a frame with a wrong checksum was decoded all the same "
               "(VerifyChecksum false); such frames are counted in checksum-ignored", m->name);
}

/* What a P1 telegram's link and lines did not give: counted. */
static void count_p1(smp_meter *m, const sm_telegram *t)
{
    if (!t->is_p1)
        return;
    if (t->link && !sm_p1_checked(&t->p1.frame))
        count(m, SMP_H_P1_UNCHECKED, 1);
    if (t->p1.nnotes) {
        count(m, SMP_H_P1_NOTES, t->p1.nnotes);
        c_complain(LOG_NOTICE, &m->c_notes,
                   SMP_LOG_PREFIX "P1 line %u: %s (counted in p1-notes)", m->name,
                   t->p1.notes[0].line, sm_p1_note_text((sm_p1_note_kind)t->p1.notes[0].kind));
    }
}

static void on_telegram(void *ctx, const sm_telegram *t)
{
    smp_meter *m = ctx;
    if (t->err != SM_OK) {
        log_failure(m, t);
        return;
    }
    if (!fresh(m, t) || p1_repeat(m, t))
        return;
    double now = smio_port_now();
    note_good(m, t, now);
    smp_batch *b = m->batch ? m->batch : (m->batch = calloc(1, sizeof *m->batch));
    if (!b) {
        c_complain(LOG_ERR, &m->c_parse, SMP_LOG_PREFIX "out of memory: telegram not dispatched",
                   m->name);
        return;
    }
    count_p1(m, t);
    count_ignored(m, t);
    count(m, SMP_H_NOTIFY_SUPPRESSED, smp_p1_events(&m->p1, m->name, t));
    cdtime_t when = values_time(m, t);
    if (when == 0) /* no time that is not made up: not stored */
        return;
    fill_batch(m, t, b);
    b->time = when;
    if (m->host_time) /* the values' own times are the meter's too */
        memset(b->vtime, 0, sizeof b->vtime);
    log_first(m, t, b);
    bool kept = m->period == 0 ? learn_period(m, b, now) : deliver(m, b, now);
    if (kept)
        m->batch = calloc(1, sizeof *m->batch); /* NULL: tried again next time */
}

/* ---- the thread ------------------------------------------------------------- */

static double stale_timeout(const smp_meter *m)
{
    if (m->stale_cfg > 0)
        return m->stale_cfg;
    if (m->period > 0)
        return m->period * 6 > 30 ? m->period * 6 : 30;
    return 60;
}

/* Let the rest of a frame arrive before reading again.  A serial line (and
 * a USB adapter with its latency timer) delivers a telegram a few bytes at
 * a time; waking up for each chunk costs far more CPU than decoding the
 * whole telegram (a third of the CPU per telegram, measured).  When the
 * decoder knows from a length field how many bytes the frame still lacks,
 * wait as long as they take at the line's speed (capped); otherwise for a
 * few characters.  A meter sends the same list every time: wait for the
 * rest of the telegram as long as the last one was, not frame by frame
 * (its later frames' lengths are not on the line yet).  Nothing under way:
 * no wait.  The wait ends at once on shutdown (then true). */
static bool let_frame_arrive(smp_meter *m)
{
    size_t need = sm_decoder_expect(m->dec);
    if (need == SM_EXPECT_IDLE)
        return false;
    if (need == SM_EXPECT_SOME)
        need = COALESCE_CHARS;
    uint64_t have = sm_decoder_underway(m->dec);
    if (m->telegram_bytes > have && m->telegram_bytes - have > need)
        need = (size_t)(m->telegram_bytes - have);
    const smio_line *l = &m->line;
    double bits = 1 + l->data_bits + (l->parity != SMIO_PARITY_NONE) + l->stop_bits;
    double s = (double)need * bits / (l->baud > 0 ? l->baud : 2400) * 1.05 + COALESCE_SLACK;
    return wait_stop(m, s < COALESCE_MAX ? s : COALESCE_MAX);
}

static void account_discarded(smp_meter *m)
{
    sm_decoder_stats s;
    sm_decoder_get_stats(m->dec, &s);
    if (s.bytes_discarded > m->discarded_seen) {
        count(m, SMP_H_DISCARDED, s.bytes_discarded - m->discarded_seen);
        m->discarded_seen = s.bytes_discarded;
    } else {
        /* skipped bytes found to be a damaged telegram are taken back
         * (counted again as a failed telegram): the counter stays */
        m->discarded_seen = s.bytes_discarded;
    }
}

/* Wait the back-off time, then double it (up to BACKOFF_MAX); true when
 * shutting down. */
static bool back_off(smp_meter *m, double *backoff)
{
    bool stop = wait_stop(m, *backoff);
    *backoff = *backoff * 2 > BACKOFF_MAX ? BACKOFF_MAX : *backoff * 2;
    return stop;
}

/* Baud "auto": the line settings probed (smio_probe) before the port is
 * opened for reading; false when none were found (logged, rate-limited) or
 * at shutdown. */
static bool probe_line(smp_meter *m)
{
    if (smio_port_is_tcp(m->device)) { /* a network serial server's settings are its own */
        m->line_known = true;
        return true;
    }
    smio_probe_opts o = {m->device, m->period_cfg > 0 ? 2.2 * m->period_cfg + 1 : 12, NULL, NULL,
                       0,         0,
                       true,      m->wake_fd, m->framing};
    smio_probe_result *res = calloc(SMIO_PROBE_SETTINGS, sizeof *res);
    if (!res)
        return false;
    size_t n = 0;
    char err[SMIO_PORT_ERR_MAX];
    INFO(SMP_LOG_PREFIX "probing the line settings of %s (Baud \"auto\")", m->name, m->device);
    double t0 = smio_port_now();
    smio_probe_end end = smio_probe_run(&o, res, &n, NULL, NULL, err, sizeof err);
    if (end == SMIO_PROBE_FOUND) {
        const smio_probe_result *r = &res[n - 1];
        m->line = smio_probe_line(r);
        m->line_known = true;
        c_release(LOG_INFO, &m->c_open, SMP_LOG_PREFIX "the line answers again", m->name);
        char line[40];
        smio_line_text(&m->line, line, sizeof line);
        INFO(SMP_LOG_PREFIX "line settings found: %s, %s, %u frame%s per telegram (%zu "
             "setting%s tried in %.0f s)",
             m->name, line, sm_link_name(r->link), r->frames, r->frames == 1 ? "" : "s", n,
             n == 1 ? "" : "s", smio_port_now() - t0);
    } else if (end == SMIO_PROBE_SILENT) {
        c_complain(LOG_WARNING, &m->c_open,
                   SMP_LOG_PREFIX "nothing arrived on %s while probing its line settings (is the "
                   "customer port switched on, the cable in the right socket?); trying again",
                   m->name, m->device);
    } else if (end == SMIO_PROBE_NOTHING) {
        c_complain(LOG_WARNING, &m->c_open,
                   SMP_LOG_PREFIX "bytes arrive on %s, but no line setting gives telegrams that "
                   "verify (set Baud and Parity by hand, or check Device); trying again",
                   m->name, m->device);
    } else if (end == SMIO_PROBE_FAILED) {
        c_complain(LOG_ERR, &m->c_open, SMP_LOG_PREFIX "%s; retrying", m->name, err);
    }
    free(res);
    return m->line_known;
}

/* Open the port; false (with a rate-limited ERROR) when it is not there. */
static bool open_port(smp_meter *m)
{
    char err[SMIO_PORT_ERR_MAX];
    if (!smio_port_open(&m->port, m->device, &m->line, m->wake_fd, CONNECT_TIMEOUT_MS, err,
                       sizeof err)) {
        c_complain(LOG_ERR, &m->c_open, SMP_LOG_PREFIX "%s; retrying", m->name, err);
        return false;
    }
    if (m->was_connected)
        count(m, SMP_H_RECONNECTS, 1);
    m->good_since_open = false;
    m->first_len = 0;
    if (m->closed_early)
        ; /* said once; "again" when a telegram arrives (note_good) */
    else if (c_would_release(&m->c_open))
        c_release(LOG_INFO, &m->c_open, SMP_LOG_PREFIX "reading %s%s", m->name, m->port.path,
                  m->was_connected ? " again" : " (it is there now)");
    else
        INFO(SMP_LOG_PREFIX "reading %s%s%s", m->name, m->port.path,
             m->port.tcp ? " (network serial server)" : "", m->was_connected ? " again" : "");
    m->was_connected = true;
    sm_decoder_reconnected(m->dec); /* the same meter: its link layer is known */
    m->discarded_seen = 0;
    m->last_good = smio_port_now();
    return true;
}

/* DumpFile: the bytes as they came, before anything is decoded */
static void dump(smp_meter *m, const uint8_t *p, size_t n)
{
    if (!m->dump)
        return;
    char err[SMIO_PORT_ERR_MAX];
    if (smp_dump_write(m->dump, p, n, CDTIME_T_TO_DOUBLE(cdtime()), err, sizeof err))
        c_release(LOG_INFO, &m->c_dump, SMP_LOG_PREFIX "DumpFile is written again", m->name);
    else
        c_complain(LOG_ERR, &m->c_dump, SMP_LOG_PREFIX "%s (the readings are not affected)",
                   m->name, err);
}

/* Read what the port has; false when the line is gone (hang-up, error). */
static bool read_port(smp_meter *m, short revents)
{
    uint8_t buf[4096];
    char err[SMIO_PORT_ERR_MAX];
    ssize_t n = smio_port_read(&m->port, buf, sizeof buf, err, sizeof err);
    if (n > 0) {
        smio_port_keep_first(m->first, &m->first_len, buf, (size_t)n);
        dump(m, buf, (size_t)n);
        sm_decoder_feed(m->dec, buf, (size_t)n);
        /* a full buffer: more may be waiting (an error shows at the next poll) */
        while (n == (ssize_t)sizeof buf &&
               (n = smio_port_read(&m->port, buf, sizeof buf, err, sizeof err)) > 0) {
            dump(m, buf, (size_t)n);
            sm_decoder_feed(m->dec, buf, (size_t)n);
        }
        account_discarded(m);
        return true;
    }
    if (n == 0 && !(revents & (POLLHUP | POLLERR | POLLNVAL)))
        return true;
    if (n == 0)
        snprintf(err, sizeof err, "%s hung up", m->port.path);
    if (m->good_since_open) {
        WARNING(SMP_LOG_PREFIX "%s; re-opening", m->name, err);
        return false;
    }
    /* open, then gone before any telegram (a network serial server that
     * lets another client in, a device that keeps hanging up): the reason
     * once, the retries back off */
    char said[SMIO_PORT_PEER_TEXT_MAX + 2];
    if (smio_port_peer_text(m->first, m->first_len, said, sizeof said))
        c_complain_once(LOG_WARNING, &m->c_early,
                        SMP_LOG_PREFIX "%s before any telegram; the server said: %s (another "
                        "program may hold the meter's serial port: ser2net lets one client in "
                        "at a time); retrying with back-off",
                        m->name, err, said);
    else
        c_complain_once(LOG_WARNING, &m->c_early,
                        SMP_LOG_PREFIX "%s before any telegram (%zu byte%s received); retrying "
                        "with back-off",
                        m->name, err, m->first_len, m->first_len == 1 ? "" : "s");
    m->closed_early = true;
    return false;
}

/* How long the reader may sleep (ms): until the stale timeout or the
 * queued telegrams are due. */
static int sleep_ms(const smp_meter *m)
{
    double now = smio_port_now(), left = m->last_good + stale_timeout(m) - now;
    if (m->queue && m->queue_due - now < left)
        left = m->queue_due - now;
    return left <= 0 ? 0 : left > 3600 ? 3600000 : (int)(left * 1000) + 1;
}

static void *reader(void *arg)
{
    smp_meter *m = arg;
    double backoff = BACKOFF_MIN;
    while (!wait_stop(m, 0)) {
        if (m->port.fd < 0 && ((m->line_auto && !m->line_known && !probe_line(m)) ||
                               !open_port(m))) {
            if (back_off(m, &backoff))
                break;
            continue;
        }
        /* sleep until data, shutdown or a timeout: no periodic wake-ups */
        struct pollfd pf[2] = {{m->port.fd, POLLIN, 0}, {m->wake_fd, POLLIN, 0}};
        int r = poll(pf, 2, sleep_ms(m));
        if (r < 0 && errno != EINTR) {
            ERROR(SMP_LOG_PREFIX "poll: %s", m->name, STRERRNO);
            if (wait_stop(m, 1))
                break;
            continue;
        }
        if (pf[1].revents)
            break;
        if (m->queue && smio_port_now() >= m->queue_due)
            dispatch_next(m, smio_port_now());
        bool lost = false;
        if (pf[0].revents & (POLLIN | POLLHUP | POLLERR | POLLNVAL)) {
            lost = !read_port(m, pf[0].revents);
            if (!lost) {
                if (m->good_since_open) /* a line that only opens is no working line */
                    backoff = BACKOFF_MIN;
                if (let_frame_arrive(m))
                    break;
            }
        }
        if (!lost && smio_port_now() - m->last_good > stale_timeout(m)) {
            c_complain(LOG_WARNING, &m->c_stale,
                       SMP_LOG_PREFIX "no telegram for %.0f s (StaleTimeout): re-opening %s",
                       m->name, stale_timeout(m), m->port.path);
            lost = true;
            m->line_known = false; /* Baud "auto": probe again */
        }
        if (lost) {
            smio_port_close(&m->port);
            sm_decoder_finish(m->dec); /* a telegram cut by the loss counts as an error */
            if (back_off(m, &backoff))
                break;
        }
    }
    if (m->port.fd >= 0)
        smio_port_close(&m->port); /* shutdown: a telegram cut short is no error */
    return NULL;
}

int smp_meter_start(smp_meter *m)
{
    m->dec = calloc(1, sizeof *m->dec);
    m->batch = calloc(1, sizeof *m->batch);
    m->unknown = calloc(m->max_unknown > 0 ? (size_t)m->max_unknown : 1, sizeof *m->unknown);
    m->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (!m->dec || !m->batch || !m->unknown || m->wake_fd < 0) {
        ERROR(SMP_LOG_PREFIX "cannot start: out of memory or descriptors", m->name);
        return -1;
    }
    sm_decoder_init(m->dec, m->framing, on_telegram, m);
    sm_decoder_set_layouts(m->dec, m->layouts);
    sm_decoder_ignore_checksums(m->dec, !m->verify_checksum);
    smp_p1_init(&m->p1);
    if (sm_decoder_set_keys(m->dec, m->ek_len ? m->ek : NULL, m->ek_len,
                            m->ak_len ? m->ak : NULL, m->ak_len, m->verify_tag) != SM_OK) {
        ERROR(SMP_LOG_PREFIX "the key does not fit the security suite", m->name);
        return -1;
    }
    sm_wipe(m->ek, sizeof m->ek);
    sm_wipe(m->ak, sizeof m->ak);
    m->period = m->period_cfg;
    load_state(m);
    if (m->dump_path[0]) {
        if (!(m->dump = malloc(sizeof *m->dump))) {
            ERROR(SMP_LOG_PREFIX "cannot start: out of memory", m->name);
            return -1;
        }
        char line[40], header[512];
        smio_line_text(&m->line, line, sizeof line);
        snprintf(header, sizeof header,
                 SMP_PLUGIN " DumpFile of meter \"%.64s\": Device %.200s, %s, Framing %s; "
                 "one line per read: the bytes in hex, then the receive time (UTC); "
                 "smdecode reads it as it is",
                 m->name, m->device, line, sm_link_name(m->framing));
        smp_dump_init(m->dump, m->dump_path, m->dump_max, header);
    }
    smio_port_init(&m->port);
    char tname[16];
    snprintf(tname, sizeof tname, SMP_PLUGIN "#%.4s", m->name);
    int status = plugin_thread_create(&m->thread, reader, m, tname);
    if (status != 0) {
        ERROR(SMP_LOG_PREFIX "cannot start the reader thread: %s", m->name, STRERROR(status));
        return -1;
    }
    m->started = true;
    return 0;
}

void smp_meter_stop(smp_meter *m)
{
    if (!m->started)
        return;
    uint64_t one = 1;
    if (write(m->wake_fd, &one, sizeof one) < 0)
        WARNING(SMP_LOG_PREFIX "cannot wake the reader thread: %s", m->name, STRERRNO);
    pthread_join(m->thread, NULL);
    m->started = false;
    save_state(m, smio_port_now(), true);
    uint64_t h[SMP_H_COUNT];
    for (int i = 0; i < SMP_H_COUNT; i++)
        h[i] = atomic_load(&m->health[i]);
    INFO(SMP_LOG_PREFIX "stopped: %" PRIu64 " telegrams, %" PRIu64 " checksum, %" PRIu64
         " security and %" PRIu64 " parse errors, %" PRIu64 " bytes discarded, %" PRIu64
         " reconnects, %" PRIu64 " replayed, %" PRIu64 " values of unknown objects refused, %"
         PRIu64 " P1 telegrams without CRC, %" PRIu64 " P1 notes, %" PRIu64
         " frames with a wrong checksum decoded",
         m->name, h[SMP_H_TELEGRAMS], h[SMP_H_CHECKSUM], h[SMP_H_SECURITY], h[SMP_H_PARSE],
         h[SMP_H_DISCARDED], h[SMP_H_RECONNECTS], h[SMP_H_REPLAYED], h[SMP_H_REFUSED],
         h[SMP_H_P1_UNCHECKED], h[SMP_H_P1_NOTES], h[SMP_H_CHECKSUM_IGNORED]);
    dispatch_queue(m);
    if (m->held) {
        /* a single telegram ever: its period stays unknown */
        m->period = CDTIME_T_TO_DOUBLE(plugin_get_interval());
        dispatch_batch(m, m->held);
        free(m->held);
        m->held = NULL;
    }
    if (m->batch) { /* the captures that were still waiting */
        m->batch->n = 0;
        m->batch->time = cdtime();
        smp_timed_flush(&m->p1, m->batch, DOUBLE_TO_CDTIME_T(m->period > 0 ? m->period : 1));
        if (m->batch->n)
            dispatch_batch(m, m->batch);
    }
}

void smp_meter_dispatch_health(smp_meter *m)
{
    if (!m->started)
        return;
    value_list_t vl = VALUE_LIST_INIT;
    value_t v[1];
    vl.values = v;
    vl.values_len = 1;
    sstrncpy(vl.plugin, SMP_PLUGIN, sizeof vl.plugin);
    sstrncpy(vl.plugin_instance, m->name, sizeof vl.plugin_instance);
    sstrncpy(vl.type, "derive", sizeof vl.type);
    for (int h = 0; h < SMP_H_COUNT; h++) {
        v[0].derive = (derive_t)atomic_load_explicit(&m->health[h], memory_order_relaxed);
        sstrncpy(vl.type_instance, smp_health_names[h], sizeof vl.type_instance);
        plugin_dispatch_values(&vl);
    }
}

void smp_meter_free(smp_meter *m)
{
    if (m->dec) {
        sm_decoder_wipe(m->dec);
        free(m->dec);
    }
    sm_wipe(m->ek, sizeof m->ek);
    sm_wipe(m->ak, sizeof m->ak);
    if (m->wake_fd >= 0)
        close(m->wake_fd);
    if (m->dump) {
        smp_dump_close(m->dump);
        free(m->dump);
    }
    free(m->batch);
    free(m->unknown);
    free(m->held);
    while (m->queue) {
        smp_batch *b = m->queue;
        m->queue = b->next;
        free(b);
    }
    free(m->select);
    free(m->ignore);
    free(m);
}
