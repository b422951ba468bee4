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

/* smdecode running with pipes on standard input and output, for input that
 * arrives in pieces as from a live line. */
typedef struct {
    int pid, in, out;
    char buf[1 << 16];
    size_t len; /* what it has written so far, NUL-terminated */
} live_run;

void live_start(live_run *l, const char *const *args);
void live_write(live_run *l, const void *p, size_t n);
/* Reads its output until it holds `lines` lines in all or 20 s pass; the
 * number of lines it holds. */
int live_wait_lines(live_run *l, int lines);
/* Closes its input, reads the rest; its exit status (-1: not a normal exit). */
int live_end(live_run *l);

#endif
