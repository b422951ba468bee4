/* smd_probe.h - smdecode --probe: the line settings tried in turn
 * (smio_probe.h), and the verdict in words and as a <Meter> block. */
#ifndef SMD_PROBE_H
#define SMD_PROBE_H

#include "smd_app.h"

/* Probes o->device; an exit status. */
int smd_run_probe(const options *o);

#endif
