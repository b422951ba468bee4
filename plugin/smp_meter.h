/* smp_meter.h - one configured meter, by owner: its settings (filled by the
 * config callback in smartmeter.c, read-only once the thread starts), the
 * reader thread's state, and the health counters it shares with collectd's
 * read callback (atomics).  The reader thread's jobs are three files:
 * smp_reader.c (the thread, the port, polling and pacing), smp_telegram.c
 * (a decoded telegram: replay, time policy, its batch of values) and
 * smp_dispatch.c (period learning and the dispatch queue). */
#ifndef SMP_METER_H
#define SMP_METER_H

#include "collectd/core/daemon/collectd.h"
#include "collectd/core/daemon/plugin.h"
#include "collectd/core/daemon/utils_complain.h"

#include <pthread.h>
#include <stdatomic.h>

#include "sm_decoder.h"
#include "smp_batch.h"
#include "smp_dump.h"
#include "smp_energy.h"
#include "smp_log.h"
#include "smp_map.h"
#include "smp_p1.h"
#include "smio_feed.h"
#include "smio_port.h"
#include "smio_probe.h"

#define SMP_MAX_SKEW_DEFAULT 600.0 /* MaxClockSkew: 10 minutes */
#define SMP_MAX_UNKNOWN_DEFAULT 64 /* MaxUnknownObjects */
#define SMP_MAX_LAYOUT_FILES 16    /* LayoutFile options */
#define SMP_MAX_INTERVALS 4        /* EnergyIntervals */
#define SMP_ENERGY_MAX_GAP_DEFAULT 900.0 /* EnergyMaxGap: a quarter hour */
#define SMP_ENERGY_TRACKS 64       /* registers x intervals followed */

/* Health counters: what happened on the meter's line since collectd started. */
/* A Select or Ignore argument: an OBIS code pattern, or a TIC label
 * ("SMAXSN-1"; label[0] set). */
typedef struct {
    sm_obis_pattern obis;
    char label[12];
} smp_pattern;

typedef enum {
    SMP_H_TELEGRAMS,       /* telegrams decoded and dispatched */
    SMP_H_CHECKSUM,        /* link layer: checksum, FCS, framing, segments */
    SMP_H_SECURITY,        /* decryption or tag failures, missing key */
    SMP_H_PARSE,           /* APDU, A-XDR, payload layout errors */
    SMP_H_DISCARDED,       /* bytes skipped between telegrams */
    SMP_H_RECONNECTS,      /* port re-opened after a loss */
    SMP_H_REPLAYED,        /* frame counter repeated or went back: not dispatched */
    SMP_H_REFUSED,         /* values of unknown objects beyond MaxUnknownObjects */
    SMP_H_P1_UNCHECKED,    /* P1 telegrams without a CRC (or an unpadded one): accepted */
    SMP_H_P1_NOTES,        /* P1 lines skipped or kept as text */
    SMP_H_CHECKSUM_IGNORED,/* frames with a wrong checksum decoded (VerifyChecksum false) */
    SMP_H_NOTIFY_SUPPRESSED, /* P1 event notifications beyond the rate limit */
    SMP_H_SML_CRC,         /* SML frames whose transport CRC fails (in checksum-errors too) */
    SMP_H_SML_MESSAGE_CRC, /* SML messages whose own CRC fails (in parse-errors too) */
    SMP_H_SML_DESYNC,      /* SML frames a lost or added byte broke (in checksum-errors too) */
    SMP_H_SML_KERMIT,      /* SML frames with the CRC-16/KERMIT of Holley's RS485 meters */
    SMP_H_QUIRK_AMENDED,   /* readings a meter quirk changed (a DZG power's sign ...) */
    SMP_H_TIC_CHECKSUM,    /* TIC groups whose checksum fails (their values dropped) */
    SMP_H_TIC_PARITY,      /* TIC groups with a byte whose parity bit is wrong */
    SMP_H_TIC_INVALID,     /* TIC groups the checksum passed but whose label, width,
                              characters, horodate or separators are wrong */
    SMP_H_TIC_INTERRUPTED, /* TIC frames interrupted (EOT) or cut by the next (in checksum-errors too) */
    SMP_H_COUNT,
    /* dispatched only for a meter with EnergyIntervals */
    SMP_H_ENERGY_LEFT_OUT = SMP_H_COUNT, /* intervals left out: a gap, a clock jump, a reset */
    SMP_H_ALL
} smp_health;

extern const char *const smp_health_names[SMP_H_COUNT];

/* The settings (smartmeter.c's config callback writes them before the
 * reader thread starts; afterwards they are only read, by every thread). */
typedef struct {
    char name[DATA_MAX_NAME_LEN];
    char device[PATH_MAX];
    smio_line line;        /* Baud, Parity ...: the reader's line starts as this */
    bool line_auto;        /* Baud "auto" / Parity "auto": probe the settings */
    sm_link framing;
    uint8_t ek[32], ak[32];
    size_t ek_len, ak_len;
    bool verify_tag;
    bool verify_checksum;  /* VerifyChecksum (default true) */
    bool whole_frames;     /* WholeFrames: a TIC frame with a failed group is dropped */
    const sm_layout_set *layouts; /* LayoutFile's, NULL: the built-in ones only */
    char quirk[64];        /* Quirk: "" or "auto", "none", or a quirk's name */
    smp_pattern *select, *ignore; /* Select, Ignore */
    size_t nselect, nignore;
    bool host_time;        /* TimeSource "host" */
    double period;         /* Period, 0: learn from the telegrams */
    double stale;          /* StaleTimeout, 0: default */
    double max_skew;       /* MaxClockSkew: meter time further off the host's is not used; 0: any */
    int max_unknown;       /* MaxUnknownObjects: distinct unknown objects dispatched */
    char dump_path[PATH_MAX]; /* DumpFile, "" for none */
    const char *state_dir;  /* StateDir (top level), NULL for none */
    uint64_t dump_max;     /* DumpMaxBytes */
    char p1_server[128];   /* P1Server: the feed's address, "" for none */
    smp_interval intervals[SMP_MAX_INTERVALS]; /* EnergyIntervals */
    size_t nintervals;
    double energy_max_gap; /* EnergyMaxGap: seconds */
} smp_meter_config;

/* The reader thread's own state: no other thread touches it while the
 * thread runs (smp_meter_stop joins it before it flushes what is held). */
typedef struct {
    sm_decoder *dec;
    smio_port port;
    smio_line line;            /* the line in use: the probe's, under line_auto */
    bool line_known;           /* line_auto: the probe found the settings */
    uint64_t discarded_seen;   /* the decoder's count since the port was opened */
    uint64_t ignored_seen;     /* the decoder's checksum_ignored count, counted so far */
    sm_obis *unknown;          /* the unknown objects dispatched so far (max_unknown) */
    size_t nunknown;
    bool refused_logged;
    /* dispatch (smp_dispatch.c) */
    double period;             /* seconds; 0 until known */
    smp_batch *batch;          /* the telegram being handled */
    smp_batch *held;           /* the first telegram, until the period is known */
    double held_arrival;
    bool dispatched_any;
    smp_batch *queue, *queue_tail; /* telegrams waiting their turn, oldest first */
    size_t queued;
    double queue_due;          /* monotonic: when the next one may be dispatched */
    cdtime_t last_time;
    /* the telegrams (smp_telegram.c) */
    char meter_number[64];
    bool have_fc;
    uint8_t title[8];
    uint32_t last_fc, below_last;
    unsigned below_run;
    double fc_at;              /* monotonic: when last_fc was accepted */
    double state_saved_at;     /* monotonic: when the state file was written, 0 never */
    uint64_t last_digest;      /* the last telegram's readings (a P1 repeat has the same) */
    smp_p1_state p1;           /* sub-meters' captures, events */
    bool timed_logged;
    unsigned keys_logged;      /* bit per sm_key_diag logged since the last good telegram */
    bool kermit_logged;        /* SML: the CRC kind said */
    bool reduced_logged;       /* SML: the reduced data set said (until a full one) */
    bool tic_groups_logged;    /* TIC: a failed group said (once) */
    bool quirk_logged;         /* a meter quirk that changed readings said */
    sm_sign_check sign;        /* the power's sign against the energy registers */
    bool sign_flagged;         /* ... a disagreement notified (once) */
    /* the line (smp_reader.c) */
    bool got_first, was_connected;
    bool good_since_open;      /* a telegram decoded since the port was opened */
    bool closed_early;         /* the last connection ended without a telegram */
    uint8_t first[SMIO_PORT_PEER_TEXT_MAX]; /* a connection's first bytes: what a */
    size_t first_len;                       /* network serial server said */
    double last_good;          /* monotonic seconds of the last good telegram */
    uint64_t telegram_bytes;   /* length of the last good telegram on the line */
    smp_dump *dump;            /* DumpFile, NULL for none */
    double read_at;            /* monotonic: when the bytes being decoded were read */
    char *p1_text;             /* P1Server: the telegram as DSMR P1 (SM_P1_WRITE_MAX) */
    smio_feed *feed;           /* P1Server, NULL for none */
    uint64_t feed_dropped_said; /* the clients dropped that the log has said */
    /* EnergyIntervals (smp_intervals.c): a track per register and interval */
    struct smp_energy_slot *energy;
    size_t nenergy;
    bool energy_full_said;
    c_complain_t c_open, c_early, c_link, c_sec, c_parse, c_replay, c_stale, c_skew, c_back,
        c_notes, c_dump, c_state;
} smp_reader_state;

typedef struct smp_meter {
    smp_meter_config cfg;
    smp_reader_state rd;
    /* shared: the reader thread counts, collectd's read callback reads */
    _Atomic uint64_t health[SMP_H_ALL];
    /* the thread's life (collectd's init and shutdown callbacks) */
    pthread_t thread;
    bool started;
    int wake_fd;           /* eventfd: shutdown */
    struct smp_meter *next;
} smp_meter;

/* A health counter up by n (any thread; relaxed: counters only). */
void smp_meter_count(smp_meter *m, smp_health h, uint64_t n);

/* smp_telegram.c: the decoder's callback (ctx: the meter), and the frame
 * counter kept in StateDir. */
void smp_telegram_cb(void *ctx, const sm_telegram *t);
void smp_telegram_load_state(smp_meter *m);
void smp_telegram_save_state(smp_meter *m, double now, bool now_or_never);

/* Start the reader thread (init callback).  0 or -1 with an ERROR logged. */
int smp_meter_start(smp_meter *m);
/* Wake the thread, join it, dispatch what is held (shutdown callback). */
void smp_meter_stop(smp_meter *m);
/* Dispatch the health counters as "derive" values. */
void smp_meter_dispatch_health(smp_meter *m);
/* smp_intervals.c: EnergyIntervals' values of a telegram into its batch
 * (at the intervals' ends); the telegram's values' time is b->time. */
void smp_intervals_add(smp_meter *m, const sm_telegram *t, smp_batch *b);

/* Wipe keys and free (after stop). */
void smp_meter_free(smp_meter *m);

#endif
