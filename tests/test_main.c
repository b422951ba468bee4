/* test_main.c - the CUnit runner shared by the test programs; each lists
 * its suites in test_suites (test_util.h).  CU_basic_run_tests() returns 0 even when
 * tests fail, so the exit status comes from the failure count. */
#include <CUnit/Basic.h>
#include <stdio.h>

#include "test_util.h"

int main(void)
{
    if (CU_initialize_registry() != CUE_SUCCESS)
        return 2;
    for (const test_suite *const *s = test_suites; *s; s++) {
        CU_pSuite cs = CU_add_suite((*s)->name, NULL, NULL);
        for (const test_case *c = (*s)->cases; cs && c->name; c++)
            CU_add_test(cs, c->name, c->run);
    }
    CU_basic_set_mode(CU_BRM_NORMAL);
    CU_basic_run_tests();
    unsigned failures = CU_get_number_of_failures();
    unsigned tests_failed = CU_get_number_of_tests_failed();
    unsigned ran = CU_get_number_of_tests_run();
    CU_cleanup_registry();
    printf("\n%u passed, %u failed\n", ran - tests_failed, tests_failed);
    return failures == 0 && ran > 0 ? 0 : 1;
}
