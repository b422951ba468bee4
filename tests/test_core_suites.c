/* test_core_suites.c - the suites of tests/test_core: the decode core. */
#include "test_util.h"

void register_suites(void)
{
    register_units();
    register_deframe();
    register_security();
    register_vectors();
    register_synthetic();
    register_adversarial();
    register_stream();
    register_lost();
    register_layouts();
    register_operators();
    register_p1();
    register_plugin_map();
    register_dump();
    register_state();
}
