/* test_core_suites.c - the suites of tests/test_core: the decode core's
 * units (tests/unit/, one file per module), then the suites over whole
 * telegrams: real and synthetic ones, and the properties (adversarial
 * input, streams split anywhere, nothing lost without a word). */
#include "test_util.h"

extern const test_suite suite_crc, suite_axdr, suite_datetime, suite_obis, suite_error,
    suite_decimal, suite_deframe, suite_security, suite_layout, suite_quirk, suite_p1, suite_sml,
    suite_tic, suite_vectors, suite_synthetic, suite_operators, suite_adversarial, suite_stream, suite_lost;

const test_suite *const test_suites[] = {
    &suite_crc, &suite_axdr, &suite_datetime, &suite_obis, &suite_error, &suite_decimal,
    &suite_deframe, &suite_security, &suite_layout, &suite_quirk, &suite_p1, &suite_sml, &suite_tic,
    &suite_vectors, &suite_synthetic, &suite_operators,
    &suite_adversarial, &suite_stream, &suite_lost, NULL};
