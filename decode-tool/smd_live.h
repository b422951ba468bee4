/* smd_live.h - smdecode --device: a live line, read until --count,
 * --seconds or a signal; and the signal pipe that ends a line or a probe. */
#ifndef SMD_LIVE_H
#define SMD_LIVE_H

#include "smd_app.h"

/* A descriptor that becomes readable at SIGINT or SIGTERM. */
int smd_signal_fd(void);
/* Reads the line, then one summary line on standard error; an exit status. */
int smd_run_live(app *a, const options *o);

#endif
