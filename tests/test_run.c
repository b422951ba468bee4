/* test_run.c - see test_run.h. */
#define _GNU_SOURCE
#include "test_run.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static char *slurp(int fd, size_t *len)
{
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    lseek(fd, 0, SEEK_SET);
    ssize_t r;
    while ((r = read(fd, buf + n, cap - n - 1)) > 0) {
        n += (size_t)r;
        if (n + 1 == cap)
            buf = realloc(buf, cap *= 2);
    }
    buf[n] = '\0';
    if (len)
        *len = n;
    return buf;
}

static int temp_fd(void)
{
    char name[] = "/tmp/smdecode-test-XXXXXX";
    int fd = mkstemp(name);
    unlink(name);
    return fd;
}

/* Run smdecode with argv (NULL-terminated, without the program name), the
 * given bytes on standard input and env (may be NULL) added. */
run_result run(const char *const *args, const void *in, size_t in_len, const char *env)
{
    int fin = temp_fd(), fout = temp_fd(), ferr = temp_fd();
    if (in_len && write(fin, in, in_len) != (ssize_t)in_len)
        abort();
    lseek(fin, 0, SEEK_SET);
    pid_t pid = fork();
    if (pid == 0) {
        dup2(fin, 0);
        dup2(fout, 1);
        dup2(ferr, 2);
        const char *argv[32] = {SMDECODE_PATH};
        int n = 1;
        for (; args[n - 1] && n < 31; n++)
            argv[n] = args[n - 1];
        argv[n] = NULL;
        unsetenv("SMDECODE_KEY");
        unsetenv("SMDECODE_AUTH_KEY");
        if (env)
            putenv((char *)env);
        execv(SMDECODE_PATH, (char *const *)argv);
        _exit(127);
    }
    int st;
    waitpid(pid, &st, 0);
    run_result r;
    r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    r.out = slurp(fout, &r.out_len);
    r.err = slurp(ferr, NULL);
    close(fin);
    close(fout);
    close(ferr);
    return r;
}

void run_free(run_result *r)
{
    free(r->out);
    free(r->err);
}

