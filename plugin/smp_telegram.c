/* smp_telegram.c - a decoded telegram in the reader thread: replay
 * protection (the frame counter, kept in StateDir), the time its values are
 * stored with, which of its readings become values (Select, Ignore,
 * MaxUnknownObjects), and what is logged and counted about it. */
#include "smp_meter.h"

#include "sm_p1_write.h"

#include "collectd/core/utils/common/common.h"

#include <time.h>

#include "smp_dispatch.h"
#include "smp_state.h"
#include "smp_tic.h"

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
    cdtime_t when = m->cfg.host_time ? 0 : meter_time(t);
    if (when != 0 && m->cfg.max_skew > 0) {
        /* a meter clock far off (a wrong time zone, a clock never set, a
         * corrupted or forged date) must not put values into the future,
         * where they would block every later update of the series */
        double off = CDTIME_T_TO_DOUBLE(when) - CDTIME_T_TO_DOUBLE(host);
        if (off > m->cfg.max_skew || off < -m->cfg.max_skew) {
            c_complain(LOG_WARNING, &m->rd.c_skew,
                       SMP_LOG_PREFIX "meter clock is %+.0f s off the host's (MaxClockSkew %.0f): "
                                      "storing values with the host's time",
                       m->cfg.name, off, m->cfg.max_skew);
            when = 0;
        } else {
            c_release(LOG_INFO, &m->rd.c_skew,
                      SMP_LOG_PREFIX "meter clock agrees with the host's again", m->cfg.name);
        }
    }
    if (when == 0)
        when = host;
    if (m->rd.last_time && when <= m->rd.last_time) {
        /* the meter's clock stood still or stepped back: its time would put
         * these values on or before the last ones, which collectd refuses.
         * No time is made up for them: the telegram is not stored, until
         * the clock passes the last time again (a clock that stays stuck
         * is caught by MaxClockSkew, and the host's time used) */
        c_complain(LOG_WARNING, &m->rd.c_back,
                   SMP_LOG_PREFIX "the meter's clock went back or stood still (%.3f after "
                   "%.3f, Unix time): its telegrams are not stored until it passes that time",
                   m->cfg.name, CDTIME_T_TO_DOUBLE(when), CDTIME_T_TO_DOUBLE(m->rd.last_time));
        return 0;
    }
    c_release(LOG_INFO, &m->rd.c_back, SMP_LOG_PREFIX "the meter's clock runs forward again",
              m->cfg.name);
    m->rd.last_time = when;
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
    bool same = d == m->rd.last_digest && meter_time(t) != 0 &&
                CDTIME_T_TO_DOUBLE(meter_time(t)) <= CDTIME_T_TO_DOUBLE(m->rd.last_time) &&
                m->rd.last_time != 0;
    m->rd.last_digest = d;
    if (same) {
        smp_meter_count(m, SMP_H_REPLAYED, 1);
        c_complain(LOG_WARNING, &m->rd.c_replay,
                   SMP_LOG_PREFIX "a P1 telegram repeated (the same clock and values): not "
                   "dispatched again", m->cfg.name);
    }
    return same;
}

/* Does a Select or Ignore argument name the reading: its OBIS code (a TIC
 * label's twin too), or its TIC label? */
static bool names(const smp_pattern *p, const sm_reading *r)
{
    if (p->label[0])
        return r->label && r->label_len == strlen(p->label) &&
               memcmp(r->label, p->label, r->label_len) == 0;
    return r->obis_source != SM_OBIS_NONE && sm_obis_pattern_match(&p->obis, &r->obis);
}

static bool selected(const smp_meter *m, const sm_reading *r)
{
    if (m->cfg.nselect) {
        bool hit = false;
        for (size_t i = 0; i < m->cfg.nselect && !hit; i++)
            hit = names(&m->cfg.select[i], r);
        if (!hit)
            return false;
    }
    for (size_t i = 0; i < m->cfg.nignore; i++)
        if (names(&m->cfg.ignore[i], r))
            return false;
    return true;
}

/* Each unknown object becomes a series of its own (a file for csv and
 * rrdtool): a hostile or broken line must not create them without bound.
 * True when this unknown object may be dispatched. */
static bool unknown_admitted(smp_meter *m, const sm_obis *o)
{
    for (size_t i = 0; i < m->rd.nunknown; i++)
        if (sm_obis_equal(&m->rd.unknown[i], o))
            return true;
    if (m->rd.nunknown < (size_t)m->cfg.max_unknown && m->rd.unknown) {
        m->rd.unknown[m->rd.nunknown++] = *o;
        return true;
    }
    smp_meter_count(m, SMP_H_REFUSED, 1);
    if (!m->rd.refused_logged) {
        char code[24];
        sm_obis_format(o, code, sizeof code);
        WARNING(SMP_LOG_PREFIX "%s would be unknown object %zu of at most %d (MaxUnknownObjects): "
                "not dispatched, nor any further unknown object (counted in objects-refused)",
                m->cfg.name, code, m->rd.nunknown + 1, m->cfg.max_unknown);
        m->rd.refused_logged = true;
    }
    return false;
}

/* The capture time of a value that has its own (a P1 sub-meter's), 0
 * for the others and for one in the future beyond MaxClockSkew (that one
 * is stored with the telegram's time). */
static cdtime_t capture_time(const smp_meter *m, const sm_reading *r)
{
    cdtime_t when = r->has_capture ? smp_dt_cdtime(&r->capture) : 0;
    if (when && m->cfg.max_skew > 0 &&
        CDTIME_T_TO_DOUBLE(when) - CDTIME_T_TO_DOUBLE(cdtime()) > m->cfg.max_skew)
        return 0;
    return when;
}

/* The reading's name in the batch and the logs: its OBIS code, or its TIC
 * label. */
static void reading_code(const sm_reading *r, char *out, size_t cap)
{
    if (r->obis_source != SM_OBIS_NONE)
        sm_obis_format(&r->obis, out, cap);
    else
        snprintf(out, cap, "%.*s", (int)r->label_len, (const char *)r->label);
}

static void fill_batch(smp_meter *m, const sm_telegram *t, smp_batch *b)
{
    b->n = 0;
    smp_timed_begin(&m->rd.p1, b);
    for (size_t i = 0; i < t->nreadings; i++) {
        const sm_reading *r = &t->readings[i];
        smp_value v;
        char code[24];
        bool coded = r->obis_source != SM_OBIS_NONE;
        if ((!coded && !r->label) || !selected(m, r) ||
            !smp_map_reading(r, t->readings, t->nreadings, &v) ||
            (!v.known && !unknown_admitted(m, &r->obis)))
            continue;
        reading_code(r, code, sizeof code);
        cdtime_t when = v.own_time ? capture_time(m, r) : 0;
        if (!when) {
            smp_batch_add(b, &v, code, 0, 0);
            continue;
        }
        bool overflow = false;
        smp_timed_add(&m->rd.p1, b, &v, code, when, &overflow);
        if (overflow && !m->rd.timed_logged) {
            WARNING(SMP_LOG_PREFIX "more than %d series with their own capture time: %s is "
                    "dispatched with every telegram", m->cfg.name, SMP_TIMED_MAX, code);
            m->rd.timed_logged = true;
        }
    }
}

static void set_meter_number(smp_meter *m, const sm_telegram *t)
{
    const sm_reading *id = t->meter_id;
    m->rd.meter_number[0] = '\0';
    if (!id || id->kind != SM_RK_STRING || !sm_bytes_printable(id->bytes, id->len))
        return;
    size_t n = id->len < sizeof m->rd.meter_number - 1 ? id->len : sizeof m->rd.meter_number - 1;
    memcpy(m->rd.meter_number, id->bytes, n);
    m->rd.meter_number[n] = '\0';
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

void smp_telegram_save_state(smp_meter *m, double now, bool now_or_never)
{
    if (!m->cfg.state_dir || !m->rd.have_fc ||
        (!now_or_never && m->rd.state_saved_at > 0 && now - m->rd.state_saved_at < SMP_STATE_EVERY))
        return;
    smp_state s;
    memcpy(s.title, m->rd.title, 8);
    s.fc = m->rd.last_fc;
    s.unix_time = (int64_t)time(NULL) - (int64_t)(now - m->rd.fc_at);
    char err[512];
    if (smp_state_save(m->cfg.state_dir, m->cfg.name, &s, err, sizeof err) != 0) {
        c_complain(LOG_WARNING, &m->rd.c_state,
                   SMP_LOG_PREFIX "StateDir: cannot keep the frame counter: %s (the replay "
                   "check forgets it when collectd restarts)", m->cfg.name, err);
        return;
    }
    c_release(LOG_INFO, &m->rd.c_state, SMP_LOG_PREFIX "StateDir: the frame counter is kept again",
              m->cfg.name);
    m->rd.state_saved_at = now;
}

/* The frame counter the last run kept (StateDir), as if just accepted at
 * the time it was. */
void smp_telegram_load_state(smp_meter *m)
{
    smp_state s;
    char err[512];
    int r = m->cfg.state_dir ? smp_state_load(m->cfg.state_dir, m->cfg.name, &s, err, sizeof err) : 0;
    if (r < 0)
        WARNING(SMP_LOG_PREFIX "StateDir: %s; the replay check starts afresh", m->cfg.name, err);
    if (r <= 0)
        return;
    double age = (double)((int64_t)time(NULL) - s.unix_time);
    m->rd.have_fc = true;
    memcpy(m->rd.title, s.title, 8);
    m->rd.last_fc = s.fc;
    m->rd.fc_at = smio_port_now() - (age > 0 ? age : 0);
    INFO(SMP_LOG_PREFIX "StateDir: the last frame counter was %" PRIu32 " (%.0f s ago): only "
         "higher ones are taken", m->cfg.name, s.fc, age > 0 ? age : 0);
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
    if (!m->rd.have_fc || memcmp(m->rd.title, t->sec.system_title, 8) != 0 || fc > m->rd.last_fc) {
        m->rd.have_fc = true;
        memcpy(m->rd.title, t->sec.system_title, 8);
        m->rd.last_fc = fc;
        m->rd.fc_at = now;
        m->rd.below_run = 0;
        smp_telegram_save_state(m, now, false);
        return true;
    }
    smp_meter_count(m, SMP_H_REPLAYED, 1);
    m->rd.below_run = m->rd.below_run > 0 && fc > m->rd.below_last ? m->rd.below_run + 1 : 1;
    m->rd.below_last = fc;
    bool plausible = fc < FC_RESTART_NEAR || now - m->rd.fc_at >= FC_RESTART_PAUSE;
    if (fc < m->rd.last_fc && m->rd.below_run >= 3 && plausible) {
        WARNING(SMP_LOG_PREFIX "frame counter restarted at %" PRIu32 " (was %" PRIu32
                "): accepting the meter's new count", m->cfg.name, fc, m->rd.last_fc);
        m->rd.last_fc = fc;
        m->rd.fc_at = now;
        m->rd.below_run = 0;
        smp_telegram_save_state(m, now, true);
        return true;
    }
    c_complain(LOG_WARNING, &m->rd.c_replay,
               SMP_LOG_PREFIX "frame counter %" PRIu32 " %s %" PRIu32
               ": telegram replayed or repeated, not dispatched",
               m->cfg.name, fc, fc == m->rd.last_fc ? "repeats" : "is below", m->rd.last_fc);
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

/* A TIC frame's groups that failed, by reason: counted, never logged one
 * by one (a good installation sees a few an hour); the first said once. */
static void count_tic(smp_meter *m, const sm_telegram *t)
{
    const sm_tic_info *ti = t->tic;
    uint64_t invalid = 0, all = 0;
    for (int v = 1; v < SM_TIC_VERDICTS; v++) {
        all += ti->failed[v];
        if (v != SM_TIC_GROUP_CHECKSUM && v != SM_TIC_GROUP_PARITY)
            invalid += ti->failed[v];
    }
    smp_meter_count(m, SMP_H_TIC_CHECKSUM, ti->failed[SM_TIC_GROUP_CHECKSUM]);
    smp_meter_count(m, SMP_H_TIC_PARITY, ti->failed[SM_TIC_GROUP_PARITY]);
    smp_meter_count(m, SMP_H_TIC_INVALID, invalid);
    if (!all || m->rd.tic_groups_logged)
        return;
    m->rd.tic_groups_logged = true;
    for (size_t i = 0; i < ti->ngroups && i < SM_TIC_MAX_GROUPS; i++) {
        const sm_tic_group *g = &ti->groups[i];
        if (g->verdict == SM_TIC_GROUP_OK)
            continue;
        NOTICE(SMP_LOG_PREFIX "a TIC group failed (%s, \"%.*s\"): its value is dropped and the "
               "frame's other groups are used; such groups are counted in tic-groups-checksum, "
               "tic-groups-parity and tic-groups-invalid, not logged", m->cfg.name,
               sm_tic_verdict_name((sm_tic_verdict)g->verdict), g->label_len ? (int)g->label_len : 0,
               (const char *)t->apdu + g->off);
        break;
    }
}

static void log_failure(smp_meter *m, const sm_telegram *t)
{
    sm_layer layer = sm_errlayer(t->err);
    c_complain_t *c = &m->rd.c_parse;
    int level = LOG_WARNING;
    const char *hint = "";
    smp_health h = SMP_H_PARSE;
    if (layer == SM_LAYER_LINK) {
        h = SMP_H_CHECKSUM;
        c = &m->rd.c_link;
    } else if (layer == SM_LAYER_SECURITY) {
        h = SMP_H_SECURITY;
        c = &m->rd.c_sec;
        level = LOG_ERR;
        hint = key_hint(t);
    }
    smp_meter_count(m, h, 1);
    if (t->err == SM_ERR_SML_CRC)
        smp_meter_count(m, SMP_H_SML_CRC, 1);
    else if (t->err == SM_ERR_SML_MSG_CRC)
        smp_meter_count(m, SMP_H_SML_MESSAGE_CRC, 1);
    else if (t->err == SM_ERR_SML_DESYNC || t->err == SM_ERR_SML_CUT)
        smp_meter_count(m, SMP_H_SML_DESYNC, 1);
    else if (t->err == SM_ERR_TIC_INTERRUPTED || t->err == SM_ERR_TIC_CUT)
        smp_meter_count(m, SMP_H_TIC_INTERRUPTED, 1);
    if (t->is_tic)
        count_tic(m, t);
    char frame[32] = "";
    if (t->err_frame)
        snprintf(frame, sizeof frame, " in frame %u", t->err_frame);
    /* what the decoder found out about the keys: each finding logged once
     * per meter, until a telegram decrypts again */
    if (t->key_diag) {
        unsigned bit = 1u << (unsigned)t->key_diag;
        if (!(m->rd.keys_logged & bit))
            plugin_log(level, SMP_LOG_PREFIX "telegram dropped: %s: %s: %s%s at %s offset %" PRIu64
                       "%s", m->cfg.name, sm_layername(layer), sm_strerror(t->err),
                       sm_key_diag_text(t->key_diag), frame, sm_where_name(t->err_where),
                       t->err_offset, hint);
        m->rd.keys_logged |= bit;
        return;
    }
    c_complain(level, c, SMP_LOG_PREFIX "telegram dropped: %s: %s%s at %s offset %" PRIu64 "%s",
               m->cfg.name, sm_layername(layer), sm_strerror(t->err), frame,
               sm_where_name(t->err_where), t->err_offset, hint);
}

/* A good telegram arrived: what the reader learns from it. */
static void note_good(smp_meter *m, const sm_telegram *t, double now)
{
    if (t->wire_len)
        m->rd.telegram_bytes = t->wire_len;
    set_meter_number(m, t);
    m->rd.last_good = now;
    smp_meter_count(m, SMP_H_TELEGRAMS, 1);
    if (!m->rd.good_since_open && m->rd.closed_early)
        c_release(LOG_INFO, &m->rd.c_early, SMP_LOG_PREFIX "reading %s again: telegrams arrive",
                  m->cfg.name, m->rd.port.path);
    m->rd.good_since_open = true;
    m->rd.closed_early = false;
    c_release(LOG_INFO, &m->rd.c_link, SMP_LOG_PREFIX "telegrams pass the link layer again", m->cfg.name);
    if (m->rd.keys_logged && !c_would_release(&m->rd.c_sec))
        INFO(SMP_LOG_PREFIX "telegrams decrypt again", m->cfg.name);
    m->rd.keys_logged = 0;
    c_release(LOG_INFO, &m->rd.c_sec, SMP_LOG_PREFIX "telegrams decrypt again", m->cfg.name);
    c_release(LOG_INFO, &m->rd.c_parse, SMP_LOG_PREFIX "telegrams parse again", m->cfg.name);
    c_release(LOG_INFO, &m->rd.c_replay, SMP_LOG_PREFIX "frame counter rises again", m->cfg.name);
    c_release(LOG_INFO, &m->rd.c_stale, SMP_LOG_PREFIX "telegrams arrive again", m->cfg.name);
}

static void log_first(smp_meter *m, const sm_telegram *t, const smp_batch *b)
{
    if (m->rd.got_first)
        return;
    m->rd.got_first = true;
    char p1[SM_P1_IDENT_MAX + 40] = "";
    if (t->is_p1)
        snprintf(p1, sizeof p1, ", P1 /%.*s, CRC %s", (int)t->p1.ident_len,
                 (const char *)t->p1.ident, sm_p1_crc_name(t->p1.frame.crc_status));
    if (t->is_tic) {
        const sm_reading *prm = NULL;
        for (size_t i = 0; i < t->nreadings && !prm; i++)
            if (t->readings[i].label_len == 3 && memcmp(t->readings[i].label, "PRM", 3) == 0)
                prm = &t->readings[i];
        snprintf(p1, sizeof p1, ", TIC %s mode, %u of %u groups read%s%.*s",
                 sm_tic_mode_name((sm_tic_mode)t->tic->mode), t->tic->ok, t->tic->ngroups,
                 prm ? ", delivery point (PRM) " : "", prm ? (int)prm->len : 0,
                 prm ? (const char *)prm->bytes : "");
    }
    INFO(SMP_LOG_PREFIX "first telegram: %zu readings (%zu dispatched), layout %s%s%s%s%s",
         m->cfg.name, t->nreadings, b->n, t->layout ? t->layout : "unknown",
         m->rd.meter_number[0] ? ", meter number " : "", m->rd.meter_number,
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
    smp_meter_count(m, SMP_H_CHECKSUM_IGNORED, n);
    if (!m->rd.ignored_seen++)
        NOTICE(SMP_LOG_PREFIX "a frame with a wrong checksum was decoded all the same "
               "(VerifyChecksum false); such frames are counted in checksum-ignored", m->cfg.name);
}

/* An SML frame's CRC kind: counted, and said once (KERMIT: Holley's RS485
 * meters; the reader tries the kind the last frame had first). */
static void count_sml(smp_meter *m, const sm_telegram *t)
{
    if (t->is_sml && t->sml.reduced && !m->rd.reduced_logged)
        NOTICE(SMP_LOG_PREFIX "%s", m->cfg.name, SM_SML_REDUCED_HINT);
    if (t->is_sml)
        m->rd.reduced_logged = t->sml.reduced; /* said again after a full one */
    if (!t->is_sml || !t->sml.kermit)
        return;
    smp_meter_count(m, SMP_H_SML_KERMIT, 1);
    if (!m->rd.kermit_logged)
        INFO(SMP_LOG_PREFIX "the meter's SML frames carry CRC-16/KERMIT (as Holley's RS485 "
             "meters send), not X.25: read as such (counted in sml-kermit-frames)", m->cfg.name);
    m->rd.kermit_logged = true;
}

/* What a meter quirk changed: counted, and said once.  A power whose sign
 * the energy registers contradict telegram after telegram: a notification,
 * once; when a quirk the meter matched made it so (Quirk "auto"), the
 * meter is read without it from then on. */
static void check_quirk(smp_meter *m, const sm_telegram *t)
{
    if (t->quirk_changed) {
        smp_meter_count(m, SMP_H_QUIRK_AMENDED, t->quirk_changed);
        if (!m->rd.quirk_logged)
            INFO(SMP_LOG_PREFIX "meter quirk %s (%s:%u) applies: %s (counted in quirk-amended; "
                 "Quirk \"none\" reads the values as sent)", m->cfg.name, t->quirk->name,
                 t->quirk->file, t->quirk->line, t->quirk->description);
        m->rd.quirk_logged = true;
    }
    sm_sign_check *c = &m->rd.sign;
    if (sm_sign_check_feed(c, t->readings, t->nreadings) != SM_SIGN_DISAGREES ||
        c->run < SM_SIGN_CHECK_RUN || m->rd.sign_flagged)
        return;
    m->rd.sign_flagged = true;
    bool auto_quirk = t->quirk_changed && (!m->cfg.quirk[0] ||
                                           strcasecmp(m->cfg.quirk, "auto") == 0);
    char msg[NOTIF_MAX_MSG_LEN];
    int n = snprintf(msg, sizeof msg, "the power's sign disagrees with the energy registers in "
                     "%u telegrams in a row (%g W while only the %s register moved)", c->run,
                     c->power, c->power > 0 ? "export" : "import");
    if (auto_quirk) {
        sm_decoder_set_quirks(m->rd.dec, SM_QUIRKS_NONE, NULL);
        snprintf(msg + n, sizeof msg - (size_t)n, ": meter quirk %s is wrong for this meter "
                 "and no longer applied (Quirk \"none\" says so for good)", t->quirk->name);
    } else if (t->quirk_changed) {
        snprintf(msg + n, sizeof msg - (size_t)n, ": meter quirk %s (the Quirk option) looks "
                 "wrong for this meter", t->quirk->name);
    } else {
        snprintf(msg + n, sizeof msg - (size_t)n, ": the meter may send its power with the "
                 "wrong sign (a quirk can correct it: Quirk, LayoutFile)");
    }
    WARNING(SMP_LOG_PREFIX "%s", m->cfg.name, msg);
    notification_t note = {.severity = NOTIF_WARNING, .time = cdtime()};
    sstrncpy(note.message, msg, sizeof note.message);
    sstrncpy(note.host, hostname_g, sizeof note.host);
    sstrncpy(note.plugin, SMP_PLUGIN, sizeof note.plugin);
    sstrncpy(note.plugin_instance, m->cfg.name, sizeof note.plugin_instance);
    sstrncpy(note.type, "power", sizeof note.type);
    sstrncpy(note.type_instance, "sign", sizeof note.type_instance);
    plugin_dispatch_notification(&note);
}

/* What a P1 telegram's link and lines did not give: counted. */
static void count_p1(smp_meter *m, const sm_telegram *t)
{
    if (!t->is_p1)
        return;
    if (t->link && !sm_p1_checked(&t->p1.frame))
        smp_meter_count(m, SMP_H_P1_UNCHECKED, 1);
    if (t->p1.nnotes) {
        smp_meter_count(m, SMP_H_P1_NOTES, t->p1.nnotes);
        c_complain(LOG_NOTICE, &m->rd.c_notes,
                   SMP_LOG_PREFIX "P1 line %u: %s (counted in p1-notes)", m->cfg.name,
                   t->p1.notes[0].line, sm_p1_note_text((sm_p1_note_kind)t->p1.notes[0].kind));
    }
}

void smp_telegram_cb(void *ctx, const sm_telegram *t)
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
    if (m->rd.feed) /* P1Server: before anything else, the feed is for regulation */
        smio_feed_publish(m->rd.feed, m->rd.p1_text,
                          sm_p1_write(t, m->rd.p1_text, SM_P1_WRITE_MAX), m->rd.read_at);
    smp_batch *b = m->rd.batch ? m->rd.batch : (m->rd.batch = calloc(1, sizeof *m->rd.batch));
    if (!b) {
        c_complain(LOG_ERR, &m->rd.c_parse, SMP_LOG_PREFIX "out of memory: telegram not dispatched",
                   m->cfg.name);
        return;
    }
    count_p1(m, t);
    count_sml(m, t);
    if (t->is_tic)
        count_tic(m, t);
    check_quirk(m, t);
    count_ignored(m, t);
    smp_meter_count(m, SMP_H_NOTIFY_SUPPRESSED, smp_p1_events(&m->rd.p1, m->cfg.name, t));
    smp_meter_count(m, SMP_H_NOTIFY_SUPPRESSED, smp_tic_events(&m->rd.p1, m->cfg.name, t));
    cdtime_t when = values_time(m, t);
    if (when == 0) /* no time that is not made up: not stored */
        return;
    fill_batch(m, t, b);
    b->time = when;
    if (m->cfg.host_time) /* the values' own times are the meter's too */
        memset(b->vtime, 0, sizeof b->vtime);
    if (m->cfg.nintervals)
        smp_intervals_add(m, t, b);
    log_first(m, t, b);
    bool kept = smp_dispatch_take(m, b, now);
    if (kept)
        m->rd.batch = calloc(1, sizeof *m->rd.batch); /* NULL: tried again next time */
}

