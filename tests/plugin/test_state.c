/* test_state.c - the plugin's StateDir (plugin/smp_state.c): the last frame
 * counter written and read back exactly; no file yet; a malformed file and
 * a directory that cannot be written named in the error. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "smp_state.h"
#include "test_util.h"

static void test_state_round_trip(void)
{
    char dir[] = "/tmp/smp-state-XXXXXX", path[64], err[512];
    CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
    smp_state s = {{0x4B, 0x46, 0x4D, 0x10, 0x20, 0x00, 0x37, 0x74}, 4294967295u, 1733500000};
    smp_state got;
    memset(&got, 0, sizeof got);
    CU_ASSERT_EQUAL(smp_state_load(dir, "home", &got, err, sizeof err), 0); /* none yet */
    CU_ASSERT_EQUAL_FATAL(smp_state_save(dir, "home", &s, err, sizeof err), 0);
    CU_ASSERT_EQUAL_FATAL(smp_state_load(dir, "home", &got, err, sizeof err), 1);
    CU_ASSERT_EQUAL(memcmp(got.title, s.title, 8), 0);
    CU_ASSERT_EQUAL(got.fc, 4294967295u);
    CU_ASSERT_EQUAL(got.unix_time, 1733500000);
    snprintf(path, sizeof path, "%s/home.state", dir);
    char *text = NULL;
    size_t n = 0;
    FILE *f = fopen(path, "r");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    CU_ASSERT(getdelim(&text, &n, '\0', f) > 0);
    fclose(f);
    CU_ASSERT_STRING_EQUAL(text, "system-title 4B464D1020003774\nframe-counter 4294967295\n"
                                 "time 1733500000\n");
    free(text);
    /* a file of something else: named, not taken */
    f = fopen(path, "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fputs("system-title 4B464D10200037ZZ\nframe-counter 1\ntime 1\n", f);
    fclose(f);
    CU_ASSERT_EQUAL(smp_state_load(dir, "home", &got, err, sizeof err), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "not a state file of this plugin"));
    CU_ASSERT_PTR_NOT_NULL(strstr(err, path));
    unlink(path);
    rmdir(dir);
    /* a directory that is not there */
    CU_ASSERT_EQUAL(smp_state_save("/nonexistent/state", "home", &s, err, sizeof err), -1);
    CU_ASSERT_STRING_EQUAL(err, "/nonexistent/state/home.state.new: No such file or directory");
}

static const test_case state_cases[] = {
    {"the last frame counter written and read back; errors named", test_state_round_trip},
    {NULL, NULL}};
const test_suite suite_state = {"plugin: StateDir", state_cases};
