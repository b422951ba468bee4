/* smd_live.h - smdecode on a live line: a serial port (libserialport, as
 * the plugin opens it) or tcp://host:port, read until a number of
 * telegrams, a time or Ctrl-C, every piece of bytes handed on as it
 * arrives (so each telegram's output goes out when its last byte came). */
#ifndef SMD_LIVE_H
#define SMD_LIVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sm_port.h"

typedef struct {
    const char *device;
    sm_line line;
    double seconds;  /* stop after this long; 0 no limit */
} smd_live_opts;

typedef struct {
    void (*bytes)(void *ctx, const uint8_t *p, size_t n); /* decode and write out */
    bool (*done)(void *ctx);                              /* enough (a count reached) */
    void *ctx;
} smd_live_sink;

typedef enum {
    SMD_LIVE_DONE,      /* done() said so, or the time is up */
    SMD_LIVE_STOPPED,   /* SIGINT or SIGTERM */
    SMD_LIVE_LOST,      /* the line went away (message in err) */
    SMD_LIVE_NOT_OPENED /* the device could not be opened (message in err) */
} smd_live_end;

/* Reads an open port until one of the ends above (seconds 0: no limit);
 * *elapsed the seconds it read. */
smd_live_end smd_live_read(sm_port *port, double seconds, const smd_live_sink *s,
                           double *elapsed, char *err, size_t err_cap);
/* Opens the device, reads it as smd_live_read does, closes it. */
smd_live_end smd_live_run(const smd_live_opts *o, const smd_live_sink *s, double *elapsed,
                          char *err, size_t err_cap);

#endif
