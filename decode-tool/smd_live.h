/* smd_live.h - smdecode on a live line: a serial port (libserialport, as
 * the plugin opens it) or tcp://host:port, read until a count, a time or
 * Ctrl-C, every piece of bytes handed on as it arrives (so each telegram's
 * output goes out when its last byte came). */
#ifndef SMD_LIVE_H
#define SMD_LIVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sm_port.h"

typedef enum {
    SMD_LIVE_DONE,      /* done() said so, or the time is up */
    SMD_LIVE_STOPPED,   /* SIGINT or SIGTERM */
    SMD_LIVE_LOST,      /* the line went away (message in err) */
    SMD_LIVE_NOT_OPENED /* the device could not be opened (message in err) */
} smd_live_end;

/* A descriptor that becomes readable at SIGINT or SIGTERM (installed on the
 * first call): the cancel_fd of sm_port_read_for and sm_probe_run. */
int smd_live_signal_fd(void);

/* Opens the device with the line settings, reads it for up to `seconds`
 * (0: no limit) as sm_port_read_for does until the sink is done or a
 * signal comes, closes it; *elapsed the seconds it read. */
smd_live_end smd_live_run(const char *device, const sm_line *line, double seconds,
                          const sm_port_sink *s, double *elapsed, char *err, size_t err_cap);

#endif
