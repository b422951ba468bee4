/* tests/unit/test_error.c - error codes: names, messages, layers. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sm_error.h"
#include "test_util.h"

static void test_errors(void)
{
    const sm_err all[] = {SM_ERR_TRUNCATED, SM_ERR_MBUS_CHECKSUM, SM_ERR_HDLC_FCS,
                          SM_ERR_WRONG_KEY, SM_ERR_TAG_MISMATCH, SM_ERR_APDU_UNSUPPORTED,
                          SM_ERR_LAYOUT, SM_ERR_AXDR_TYPE, SM_ERR_P1_CRC, SM_ERR_INCOMPLETE};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        for (size_t j = i + 1; j < sizeof all / sizeof all[0]; j++) {
            CU_ASSERT_STRING_NOT_EQUAL(sm_errname(all[i]), sm_errname(all[j]));
            CU_ASSERT_STRING_NOT_EQUAL(sm_strerror(all[i]), sm_strerror(all[j]));
        }
    CU_ASSERT_STRING_EQUAL(sm_strerror(SM_ERR_MBUS_CHECKSUM), "m-bus checksum mismatch");
    CU_ASSERT_EQUAL(sm_errlayer(SM_ERR_HDLC_FCS), SM_LAYER_LINK);
    CU_ASSERT_EQUAL(sm_errlayer(SM_ERR_TAG_MISMATCH), SM_LAYER_SECURITY);
    CU_ASSERT_EQUAL(sm_errlayer(SM_OK), SM_LAYER_NONE);
    CU_ASSERT_STRING_EQUAL(sm_strerror((sm_err)9999), "unknown error");
}

static const test_case cases[] = {
    {"error names and messages", test_errors},
    {NULL, NULL}};
const test_suite suite_error = {"errors", cases};
