/* test_plugin_suites.c - the suites of tests/test_plugin: the collectd
 * plugin's units that run without collectd (the value mapping, DumpFile,
 * StateDir).  The plugin in collectd is tested by tests/e2e_plugin.sh. */
#include "test_util.h"

extern const test_suite suite_map, suite_dump, suite_state, suite_energy;

const test_suite *const test_suites[] = {&suite_map, &suite_dump, &suite_state, &suite_energy,
                                         NULL};
