/* test_run.h - run the smdecode program (SMDECODE_PATH) from a test: the
 * arguments, bytes on standard input, its exit status and output back. */
#ifndef TEST_RUN_H
#define TEST_RUN_H

#include <stddef.h>

typedef struct {
    int status;     /* exit status, -1 when it did not exit normally */
    char *out, *err;
    size_t out_len;
} run_result;

/* Run smdecode with args (NULL-terminated, without the program name), the
 * given bytes on standard input and env ("NAME=value", may be NULL) added. */
run_result run(const char *const *args, const void *in, size_t in_len, const char *env);
void run_free(run_result *r);

#endif
