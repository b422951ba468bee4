/* smp_reader.c - a meter's reader thread: open the port (probing its line
 * settings under Baud "auto", with back-off while it is missing), poll it,
 * let a frame arrive whole, feed the decoder (whose callback is
 * smp_telegram.c's), re-open a line that went stale; and the thread's life:
 * start, stop, the health counters. */
#include "smp_meter.h"

#include "sm_p1_write.h"

#include "collectd/core/utils/common/common.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <time.h>

#include "smp_dispatch.h"

#define BACKOFF_MIN 1.0
#define BACKOFF_MAX 30.0
#define CONNECT_TIMEOUT_MS 10000
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
    "p1-without-crc", "p1-notes", "checksum-ignored", "notifications-suppressed",
    "sml-crc-errors", "sml-message-crc-errors", "sml-desyncs", "sml-kermit-frames",
    "quirk-amended", "tic-groups-checksum", "tic-groups-parity", "tic-groups-invalid",
    "tic-frames-interrupted"};

void smp_meter_count(smp_meter *m, smp_health h, uint64_t n)
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

/* ---- the thread ------------------------------------------------------------- */

static double stale_timeout(const smp_meter *m)
{
    if (m->cfg.stale > 0)
        return m->cfg.stale;
    if (m->rd.period > 0)
        return m->rd.period * 6 > 30 ? m->rd.period * 6 : 30;
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
    size_t need = sm_decoder_expect(m->rd.dec);
    if (need == SM_EXPECT_IDLE)
        return false;
    if (need == SM_EXPECT_SOME)
        need = COALESCE_CHARS;
    uint64_t have = sm_decoder_underway(m->rd.dec);
    if (m->rd.telegram_bytes > have && m->rd.telegram_bytes - have > need)
        need = (size_t)(m->rd.telegram_bytes - have);
    const smio_line *l = &m->rd.line;
    double bits = 1 + l->data_bits + (l->parity != SMIO_PARITY_NONE) + l->stop_bits;
    double s = (double)need * bits / (l->baud > 0 ? l->baud : 2400) * 1.05 + COALESCE_SLACK;
    return wait_stop(m, s < COALESCE_MAX ? s : COALESCE_MAX);
}

static void account_discarded(smp_meter *m)
{
    sm_decoder_stats s;
    sm_decoder_get_stats(m->rd.dec, &s);
    if (s.bytes_discarded > m->rd.discarded_seen) {
        smp_meter_count(m, SMP_H_DISCARDED, s.bytes_discarded - m->rd.discarded_seen);
        m->rd.discarded_seen = s.bytes_discarded;
    } else {
        /* skipped bytes found to be a damaged telegram are taken back
         * (counted again as a failed telegram): the counter stays */
        m->rd.discarded_seen = s.bytes_discarded;
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
    if (smio_port_is_tcp(m->cfg.device)) { /* a network serial server's settings are its own */
        m->rd.line_known = true;
        return true;
    }
    smio_probe_opts o = {m->cfg.device, m->cfg.period > 0 ? 2.2 * m->cfg.period + 1 : 12, NULL, NULL,
                       0,         0,
                       true,      m->wake_fd, m->cfg.framing};
    smio_probe_result *res = calloc(SMIO_PROBE_SETTINGS, sizeof *res);
    if (!res)
        return false;
    size_t n = 0;
    char err[SMIO_PORT_ERR_MAX];
    INFO(SMP_LOG_PREFIX "probing the line settings of %s (Baud \"auto\")", m->cfg.name, m->cfg.device);
    double t0 = smio_port_now();
    smio_probe_end end = smio_probe_run(&o, res, &n, NULL, NULL, err, sizeof err);
    if (end == SMIO_PROBE_FOUND) {
        const smio_probe_result *r = &res[n - 1];
        m->rd.line = smio_probe_line(r);
        m->rd.line_known = true;
        c_release(LOG_INFO, &m->rd.c_open, SMP_LOG_PREFIX "the line answers again", m->cfg.name);
        char line[40];
        smio_line_text(&m->rd.line, line, sizeof line);
        INFO(SMP_LOG_PREFIX "line settings found: %s, %s, %u frame%s per telegram (%zu "
             "setting%s tried in %.0f s)",
             m->cfg.name, line, sm_link_name(r->link), r->frames, r->frames == 1 ? "" : "s", n,
             n == 1 ? "" : "s", smio_port_now() - t0);
    } else if (end == SMIO_PROBE_SILENT) {
        c_complain(LOG_WARNING, &m->rd.c_open,
                   SMP_LOG_PREFIX "nothing arrived on %s while probing its line settings (is the "
                   "customer port switched on, the cable in the right socket?); trying again",
                   m->cfg.name, m->cfg.device);
    } else if (end == SMIO_PROBE_NOTHING) {
        c_complain(LOG_WARNING, &m->rd.c_open,
                   SMP_LOG_PREFIX "bytes arrive on %s, but no line setting gives telegrams that "
                   "verify (set Baud and Parity by hand, or check Device); trying again",
                   m->cfg.name, m->cfg.device);
    } else if (end == SMIO_PROBE_FAILED) {
        c_complain(LOG_ERR, &m->rd.c_open, SMP_LOG_PREFIX "%s; retrying", m->cfg.name, err);
    }
    free(res);
    return m->rd.line_known;
}

/* Open the port; false (with a rate-limited ERROR) when it is not there. */
static bool open_port(smp_meter *m)
{
    char err[SMIO_PORT_ERR_MAX];
    if (!smio_port_open(&m->rd.port, m->cfg.device, &m->rd.line, m->wake_fd, CONNECT_TIMEOUT_MS, err,
                       sizeof err)) {
        c_complain(LOG_ERR, &m->rd.c_open, SMP_LOG_PREFIX "%s; retrying", m->cfg.name, err);
        return false;
    }
    if (m->rd.was_connected)
        smp_meter_count(m, SMP_H_RECONNECTS, 1);
    m->rd.good_since_open = false;
    m->rd.first_len = 0;
    if (m->rd.closed_early)
        ; /* said once; "again" when a telegram arrives (note_good) */
    else if (c_would_release(&m->rd.c_open))
        c_release(LOG_INFO, &m->rd.c_open, SMP_LOG_PREFIX "reading %s%s", m->cfg.name, m->rd.port.path,
                  m->rd.was_connected ? " again" : " (it is there now)");
    else
        INFO(SMP_LOG_PREFIX "reading %s%s%s", m->cfg.name, m->rd.port.path,
             m->rd.port.tcp ? " (network serial server)" : "", m->rd.was_connected ? " again" : "");
    m->rd.was_connected = true;
    sm_decoder_reconnected(m->rd.dec); /* the same meter: its link layer is known */
    m->rd.discarded_seen = 0;
    m->rd.last_good = smio_port_now();
    return true;
}

/* DumpFile: the bytes as they came, before anything is decoded */
static void dump(smp_meter *m, const uint8_t *p, size_t n)
{
    if (!m->rd.dump)
        return;
    char err[SMIO_PORT_ERR_MAX];
    if (smp_dump_write(m->rd.dump, p, n, CDTIME_T_TO_DOUBLE(cdtime()), err, sizeof err))
        c_release(LOG_INFO, &m->rd.c_dump, SMP_LOG_PREFIX "DumpFile is written again", m->cfg.name);
    else
        c_complain(LOG_ERR, &m->rd.c_dump, SMP_LOG_PREFIX "%s (the readings are not affected)",
                   m->cfg.name, err);
}

/* Read what the port has; false when the line is gone (hang-up, error). */
static bool read_port(smp_meter *m, short revents)
{
    uint8_t buf[4096];
    char err[SMIO_PORT_ERR_MAX];
    ssize_t n = smio_port_read(&m->rd.port, buf, sizeof buf, err, sizeof err);
    if (n > 0) {
        m->rd.read_at = smio_port_now();
        smio_port_keep_first(m->rd.first, &m->rd.first_len, buf, (size_t)n);
        dump(m, buf, (size_t)n);
        sm_decoder_feed(m->rd.dec, buf, (size_t)n);
        /* a full buffer: more may be waiting (an error shows at the next poll) */
        while (n == (ssize_t)sizeof buf &&
               (n = smio_port_read(&m->rd.port, buf, sizeof buf, err, sizeof err)) > 0) {
            m->rd.read_at = smio_port_now();
            dump(m, buf, (size_t)n);
            sm_decoder_feed(m->rd.dec, buf, (size_t)n);
        }
        account_discarded(m);
        return true;
    }
    if (n == 0 && !(revents & (POLLHUP | POLLERR | POLLNVAL)))
        return true;
    if (n == 0)
        snprintf(err, sizeof err, "%s hung up", m->rd.port.path);
    if (m->rd.good_since_open) {
        WARNING(SMP_LOG_PREFIX "%s; re-opening", m->cfg.name, err);
        return false;
    }
    /* open, then gone before any telegram (a network serial server that
     * lets another client in, a device that keeps hanging up): the reason
     * once, the retries back off */
    char said[SMIO_PORT_PEER_TEXT_MAX + 2];
    if (smio_port_peer_text(m->rd.first, m->rd.first_len, said, sizeof said))
        c_complain_once(LOG_WARNING, &m->rd.c_early,
                        SMP_LOG_PREFIX "%s before any telegram; the server said: %s (another "
                        "program may hold the meter's serial port: ser2net lets one client in "
                        "at a time); retrying with back-off",
                        m->cfg.name, err, said);
    else
        c_complain_once(LOG_WARNING, &m->rd.c_early,
                        SMP_LOG_PREFIX "%s before any telegram (%zu byte%s received); retrying "
                        "with back-off",
                        m->cfg.name, err, m->rd.first_len, m->rd.first_len == 1 ? "" : "s");
    m->rd.closed_early = true;
    return false;
}

/* How long the reader may sleep (ms): until the stale timeout or the
 * queued telegrams are due. */
static int sleep_ms(const smp_meter *m)
{
    double now = smio_port_now(), left = m->rd.last_good + stale_timeout(m) - now;
    if (m->rd.queue && m->rd.queue_due - now < left)
        left = m->rd.queue_due - now;
    return left <= 0 ? 0 : left > 3600 ? 3600000 : (int)(left * 1000) + 1;
}

static void *reader(void *arg)
{
    smp_meter *m = arg;
    double backoff = BACKOFF_MIN;
    while (!wait_stop(m, 0)) {
        if (m->rd.port.fd < 0 && ((m->cfg.line_auto && !m->rd.line_known && !probe_line(m)) ||
                               !open_port(m))) {
            if (back_off(m, &backoff))
                break;
            continue;
        }
        /* sleep until data, shutdown or a timeout: no periodic wake-ups */
        struct pollfd pf[2] = {{m->rd.port.fd, POLLIN, 0}, {m->wake_fd, POLLIN, 0}};
        int r = poll(pf, 2, sleep_ms(m));
        if (r < 0 && errno != EINTR) {
            ERROR(SMP_LOG_PREFIX "poll: %s", m->cfg.name, STRERRNO);
            if (wait_stop(m, 1))
                break;
            continue;
        }
        if (pf[1].revents)
            break;
        if (m->rd.queue && smio_port_now() >= m->rd.queue_due)
            smp_dispatch_next(m, smio_port_now());
        bool lost = false;
        if (pf[0].revents & (POLLIN | POLLHUP | POLLERR | POLLNVAL)) {
            lost = !read_port(m, pf[0].revents);
            if (!lost) {
                if (m->rd.good_since_open) /* a line that only opens is no working line */
                    backoff = BACKOFF_MIN;
                if (let_frame_arrive(m))
                    break;
            }
        }
        if (!lost && smio_port_now() - m->rd.last_good > stale_timeout(m)) {
            c_complain(LOG_WARNING, &m->rd.c_stale,
                       SMP_LOG_PREFIX "no telegram for %.0f s (StaleTimeout): re-opening %s",
                       m->cfg.name, stale_timeout(m), m->rd.port.path);
            lost = true;
            m->rd.line_known = false; /* Baud "auto": probe again */
        }
        if (lost) {
            smio_port_close(&m->rd.port);
            sm_decoder_finish(m->rd.dec); /* a telegram cut by the loss counts as an error */
            if (back_off(m, &backoff))
                break;
        }
    }
    if (m->rd.port.fd >= 0)
        smio_port_close(&m->rd.port); /* shutdown: a telegram cut short is no error */
    return NULL;
}

/* Quirk: "auto" (or none given), "none", or a quirk of the LayoutFiles or
 * the built-in ones; an unknown name keeps the meter from starting. */
static int set_quirk(smp_meter *m)
{
    const char *q = m->cfg.quirk;
    if (!q[0] || strcasecmp(q, "auto") == 0)
        return 0;
    if (strcasecmp(q, "none") == 0) {
        sm_decoder_set_quirks(m->rd.dec, SM_QUIRKS_NONE, NULL);
        return 0;
    }
    const sm_quirk *quirk = sm_quirk_named(m->cfg.layouts, q);
    if (!quirk) {
        char names[512];
        sm_quirk_names(m->cfg.layouts, "\"", names, sizeof names);
        ERROR(SMP_LOG_PREFIX "Quirk \"%s\": no quirk has this name (\"auto\", \"none\"%s); "
              "the meter is not read", m->cfg.name, q, names);
        return -1;
    }
    sm_decoder_set_quirks(m->rd.dec, SM_QUIRKS_NAMED, quirk);
    return 0;
}

int smp_meter_start(smp_meter *m)
{
    m->rd.dec = calloc(1, sizeof *m->rd.dec);
    m->rd.batch = calloc(1, sizeof *m->rd.batch);
    m->rd.unknown = calloc(m->cfg.max_unknown > 0 ? (size_t)m->cfg.max_unknown : 1, sizeof *m->rd.unknown);
    m->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (!m->rd.dec || !m->rd.batch || !m->rd.unknown || m->wake_fd < 0) {
        ERROR(SMP_LOG_PREFIX "cannot start: out of memory or descriptors", m->cfg.name);
        return -1;
    }
    sm_decoder_init(m->rd.dec, m->cfg.framing, smp_telegram_cb, m);
    sm_decoder_set_layouts(m->rd.dec, m->cfg.layouts);
    sm_decoder_ignore_checksums(m->rd.dec, !m->cfg.verify_checksum);
    sm_decoder_tic_whole(m->rd.dec, m->cfg.whole_frames);
    if (set_quirk(m) != 0)
        return -1;
    smp_p1_init(&m->rd.p1);
    if (sm_decoder_set_keys(m->rd.dec, m->cfg.ek_len ? m->cfg.ek : NULL, m->cfg.ek_len,
                            m->cfg.ak_len ? m->cfg.ak : NULL, m->cfg.ak_len, m->cfg.verify_tag) != SM_OK) {
        ERROR(SMP_LOG_PREFIX "the key does not fit the security suite", m->cfg.name);
        return -1;
    }
    sm_wipe(m->cfg.ek, sizeof m->cfg.ek);
    sm_wipe(m->cfg.ak, sizeof m->cfg.ak);
    m->rd.period = m->cfg.period;
    m->rd.line = m->cfg.line;
    smp_telegram_load_state(m);
    if (m->cfg.dump_path[0]) {
        if (!(m->rd.dump = malloc(sizeof *m->rd.dump))) {
            ERROR(SMP_LOG_PREFIX "cannot start: out of memory", m->cfg.name);
            return -1;
        }
        char line[40], header[512];
        smio_line_text(&m->rd.line, line, sizeof line);
        snprintf(header, sizeof header,
                 SMP_PLUGIN " DumpFile of meter \"%.64s\": Device %.200s, %s, Framing %s; "
                 "one line per read: the bytes in hex, then the receive time (UTC); "
                 "smdecode reads it as it is",
                 m->cfg.name, m->cfg.device, line, sm_link_name(m->cfg.framing));
        smp_dump_init(m->rd.dump, m->cfg.dump_path, m->cfg.dump_max, header);
    }
    if (m->cfg.p1_server[0]) {
        char err[SMIO_FEED_ERR_MAX];
        m->rd.p1_text = malloc(SM_P1_WRITE_MAX);
        m->rd.feed = m->rd.p1_text ? smio_feed_open(m->cfg.p1_server, err, sizeof err) : NULL;
        if (!m->rd.feed)
            ERROR(SMP_LOG_PREFIX "P1Server: %s; the meter is read without the feed", m->cfg.name,
                  m->rd.p1_text ? err : "out of memory");
        else
            INFO(SMP_LOG_PREFIX "P1Server: serving the telegrams as DSMR P1 on %s (unauthenticated: "
                 "anyone who can connect reads them)",
                 m->cfg.name, smio_feed_address(m->rd.feed));
    }
    smio_port_init(&m->rd.port);
    char tname[16];
    snprintf(tname, sizeof tname, SMP_PLUGIN "#%.4s", m->cfg.name);
    int status = plugin_thread_create(&m->thread, reader, m, tname);
    if (status != 0) {
        ERROR(SMP_LOG_PREFIX "cannot start the reader thread: %s", m->cfg.name, STRERROR(status));
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
        WARNING(SMP_LOG_PREFIX "cannot wake the reader thread: %s", m->cfg.name, STRERRNO);
    pthread_join(m->thread, NULL);
    m->started = false;
    smp_telegram_save_state(m, smio_port_now(), true);
    uint64_t h[SMP_H_COUNT];
    for (int i = 0; i < SMP_H_COUNT; i++)
        h[i] = atomic_load(&m->health[i]);
    INFO(SMP_LOG_PREFIX "stopped: %" PRIu64 " telegrams, %" PRIu64 " checksum, %" PRIu64
         " security and %" PRIu64 " parse errors, %" PRIu64 " bytes discarded, %" PRIu64
         " reconnects, %" PRIu64 " replayed, %" PRIu64 " values of unknown objects refused, %"
         PRIu64 " P1 telegrams without CRC, %" PRIu64 " P1 notes, %" PRIu64
         " frames with a wrong checksum decoded",
         m->cfg.name, h[SMP_H_TELEGRAMS], h[SMP_H_CHECKSUM], h[SMP_H_SECURITY], h[SMP_H_PARSE],
         h[SMP_H_DISCARDED], h[SMP_H_RECONNECTS], h[SMP_H_REPLAYED], h[SMP_H_REFUSED],
         h[SMP_H_P1_UNCHECKED], h[SMP_H_P1_NOTES], h[SMP_H_CHECKSUM_IGNORED]);
    smp_dispatch_flush(m);
    if (m->rd.feed) {
        smio_feed_stats st;
        smio_feed_get_stats(m->rd.feed, &st);
        INFO(SMP_LOG_PREFIX "P1Server %s: %" PRIu64 " telegrams, %" PRIu64
             " sent whole to %" PRIu64 " clients, %" PRIu64 " slow clients dropped, %" PRIu64
             " refused; latency from the last byte read to the telegram sent: median %.3f ms, "
             "worst %.3f ms",
             m->cfg.name, smio_feed_address(m->rd.feed), st.telegrams, st.sent, st.accepted,
             st.dropped, st.refused, st.latency_median * 1e3, st.latency_worst * 1e3);
        smio_feed_close(m->rd.feed);
        m->rd.feed = NULL;
    }
}

/* P1Server's counters, and a slow client's drop said (at collectd's read). */
static void dispatch_feed(smp_meter *m, value_list_t *vl)
{
    smio_feed_stats st;
    smio_feed_get_stats(m->rd.feed, &st);
    if (st.dropped > m->rd.feed_dropped_said) {
        NOTICE(SMP_LOG_PREFIX "P1Server: %" PRIu64 " client%s too slow for the feed dropped "
               "(%" PRIu64 " so far; the readings are not affected)",
               m->cfg.name, st.dropped - m->rd.feed_dropped_said,
               st.dropped - m->rd.feed_dropped_said == 1 ? "" : "s", st.dropped);
        m->rd.feed_dropped_said = st.dropped;
    }
    const struct {
        const char *name;
        uint64_t v;
    } c[] = {{"p1server-telegrams-sent", st.sent}, {"p1server-clients-dropped", st.dropped}};
    for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
        vl->values[0].derive = (derive_t)c[i].v;
        sstrncpy(vl->type_instance, c[i].name, sizeof vl->type_instance);
        plugin_dispatch_values(vl);
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
    sstrncpy(vl.plugin_instance, m->cfg.name, sizeof vl.plugin_instance);
    sstrncpy(vl.type, "derive", sizeof vl.type);
    for (int h = 0; h < SMP_H_COUNT; h++) {
        v[0].derive = (derive_t)atomic_load_explicit(&m->health[h], memory_order_relaxed);
        sstrncpy(vl.type_instance, smp_health_names[h], sizeof vl.type_instance);
        plugin_dispatch_values(&vl);
    }
    if (m->cfg.nintervals) {
        v[0].derive = (derive_t)atomic_load_explicit(&m->health[SMP_H_ENERGY_LEFT_OUT],
                                                     memory_order_relaxed);
        sstrncpy(vl.type_instance, "energy-intervals-left-out", sizeof vl.type_instance);
        plugin_dispatch_values(&vl);
    }
    if (m->rd.feed)
        dispatch_feed(m, &vl);
}

void smp_meter_free(smp_meter *m)
{
    if (m->rd.dec) {
        sm_decoder_wipe(m->rd.dec);
        free(m->rd.dec);
    }
    sm_wipe(m->cfg.ek, sizeof m->cfg.ek);
    sm_wipe(m->cfg.ak, sizeof m->cfg.ak);
    if (m->wake_fd >= 0)
        close(m->wake_fd);
    if (m->rd.dump) {
        smp_dump_close(m->rd.dump);
        free(m->rd.dump);
    }
    smio_feed_close(m->rd.feed);
    free(m->rd.p1_text);
    free(m->rd.energy);
    free(m->rd.batch);
    free(m->rd.unknown);
    free(m->rd.held);
    while (m->rd.queue) {
        smp_batch *b = m->rd.queue;
        m->rd.queue = b->next;
        free(b);
    }
    free(m->cfg.select);
    free(m->cfg.ignore);
    free(m);
}
