/* smio_probe.h - which line settings does the meter on this port use?  For
 * smdecode --probe and the plugin's Baud "auto"; I/O (smio_port), outside
 * the core library.  The port is read at each of the settings meters use
 * (2400, 115200, 9600, 38400 and 19200 baud; 8E1, 8N1, 7E1 at each), until
 * a setting is proven: two telegrams whose link layer verified (M-Bus
 * checksum, HDLC FCS, P1 CRC; a telegram without a checksum only when it
 * decoded completely) and no link error after the first (the first
 * telegram may have been cut by the start of the read).  A setting that
 * gives only garbage is left early (SMIO_PROBE_GARBAGE bytes without one
 * verified telegram); a line that is silent at the first setting is silent
 * at all of them (a UART receives something at any setting when the line
 * moves).  8E1 is tried before 8N1 at each rate: an 8E1 meter reads at 8N1
 * too (the parity bit where the stop bit is expected is not checked), an
 * 8N1 meter does not read at 8E1; a 7E1 P1 meter read at 8N1 shows the
 * parity bits in bit 7 (the telegram says so), and is reported as 7E1.
 * A framing given (smio_probe_opts.framing) puts its meters' settings first:
 * P1 at 115200 and 9600 baud, M-Bus and HDLC at 2400 8E1.  A network serial
 * server (tcp://) has the line settings of its own serial side: it is read
 * once, for the link layer, the period, the security and the keys. */
#ifndef SMIO_PROBE_H
#define SMIO_PROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sm_decoder.h"
#include "smio_port.h"

#define SMIO_PROBE_SETTINGS 17
#define SMIO_PROBE_GARBAGE 3000

typedef struct {
    smio_line line;
    double seconds;          /* read at this setting */
    uint64_t bytes;
    uint64_t good;           /* telegrams whose link layer verified */
    uint64_t decoded;        /* ... and that decoded completely */
    uint64_t link_errors;    /* after the first good one */
    bool proven;
    /* what the good telegrams showed */
    sm_link link;
    unsigned frames;         /* frames per telegram */
    double period;           /* seconds between good telegrams; 0 when unknown */
    bool period_by_clock;    /* ... from the meter's clock (else as they arrived) */
    bool p1_parity;          /* a 7E1 line read as 8N1 (P1 or TIC) */
    bool ciphered;
    uint8_t sc;              /* security control */
    uint8_t title[8];
    sm_err err;              /* of the last good telegram (e.g. SM_ERR_NO_KEY) */
    sm_key_diag key_diag;
    bool tcp;                /* a network serial server: line is not the meter's */
} smio_probe_result;

typedef struct {
    const char *device;
    double seconds;          /* at most this long at each setting */
    const uint8_t *ek, *ak;  /* keys, if given: the verdict says whether they work */
    size_t ek_len, ak_len;
    bool verify_tag;
    int cancel_fd;           /* readable: stop (-1 for none) */
    sm_link framing;         /* SM_LINK_AUTO, or the one the meter is known to use */
} smio_probe_opts;

typedef enum {
    SMIO_PROBE_FOUND,
    SMIO_PROBE_NOTHING,       /* no setting proven (res[] says what each saw) */
    SMIO_PROBE_SILENT,        /* no byte at all */
    SMIO_PROBE_STOPPED,       /* cancel_fd became readable */
    SMIO_PROBE_FAILED         /* the port could not be opened or set (err) */
} smio_probe_end;

/* The line to configure for a proven result: a 7E1 meter read as 8N1 is
 * 7E1. */
smio_line smio_probe_line(const smio_probe_result *r);
/* Tries the settings in order; res (SMIO_PROBE_SETTINGS entries) gets one
 * result per setting tried, *n how many; progress (may be NULL) is called
 * after each. */
smio_probe_end smio_probe_run(const smio_probe_opts *o, smio_probe_result *res, size_t *n,
                            void (*progress)(void *ctx, const smio_probe_result *r), void *ctx,
                            char *err, size_t err_cap);

#endif
