/* smd_live.h - smdecode on a live line: a serial port (libserialport, as
 * the plugin opens it) or tcp://host:port, read until a number of
 * telegrams, a time or Ctrl-C, every piece of bytes handed on as it
 * arrives (so each telegram's output goes out when its last byte came). */
#ifndef SMD_LIVE_H
#define SMD_LIVE_H

#include <stddef.h>
#include <stdint.h>

#include "sm_port.h"

typedef struct {
    const char *device;
    sm_line line;
    uint64_t count;  /* stop after this many telegrams; 0 no limit */
    double seconds;  /* stop after this long; 0 no limit */
} smd_live_opts;

typedef struct {
    void (*bytes)(void *ctx, const uint8_t *p, size_t n); /* decode and write out */
    uint64_t (*telegrams)(void *ctx);                     /* how many so far */
    void *ctx;
} smd_live_sink;

typedef enum {
    SMD_LIVE_DONE,      /* the count or the time reached */
    SMD_LIVE_STOPPED,   /* SIGINT or SIGTERM */
    SMD_LIVE_LOST,      /* the line went away (message in err) */
    SMD_LIVE_NOT_OPENED /* the device could not be opened (message in err) */
} smd_live_end;

/* Reads the device until one of the ends above; *elapsed the seconds it
 * read. */
smd_live_end smd_live_run(const smd_live_opts *o, const smd_live_sink *s, double *elapsed,
                          char *err, size_t err_cap);

#endif
