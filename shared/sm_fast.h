/* sm_fast.h - the one switch for the core's fast paths.  Each fast path
 * sits beside the plain code it accelerates, under "#if SM_FAST_PATHS",
 * and falls through to that plain code, which is the specification;
 * `./configure --disable-fast-paths` builds the plain code alone (the
 * test command runs the tests both ways).  A fast path stays only where
 * it moves a figure a user sees; docs/PERFORMANCE.md names the figure of
 * each one. */
#ifndef SM_FAST_H
#define SM_FAST_H

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif
#ifndef SM_FAST_PATHS
#define SM_FAST_PATHS 1
#endif

#endif
