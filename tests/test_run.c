/* test_run.c - see test_run.h. */
#define _GNU_SOURCE
#include "test_run.h"

#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
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


void live_start(live_run *l, const char *const *args)
{
    int pin[2], pout[2];
    if (pipe(pin) || pipe(pout))
        abort();
    l->len = 0;
    l->buf[0] = '\0';
    l->pid = fork();
    if (l->pid == 0) {
        dup2(pin[0], 0);
        dup2(pout[1], 1);
        close(pin[1]);
        close(pout[0]);
        const char *argv[32] = {SMDECODE_PATH};
        int n = 1;
        for (; args[n - 1] && n < 31; n++)
            argv[n] = args[n - 1];
        argv[n] = NULL;
        unsetenv("SMDECODE_KEY");
        unsetenv("SMDECODE_AUTH_KEY");
        execv(SMDECODE_PATH, (char *const *)argv);
        _exit(127);
    }
    close(pin[0]);
    close(pout[1]);
    l->in = pin[1];
    l->out = pout[0];
}

void live_write(live_run *l, const void *p, size_t n)
{
    if (write(l->in, p, n) != (ssize_t)n)
        abort();
}

static int count_lines(const live_run *l)
{
    int k = 0;
    for (size_t i = 0; i < l->len; i++)
        k += l->buf[i] == '\n';
    return k;
}

/* one read of what is there, waiting at most ms: 1 bytes read, 0 none
 * in that time, -1 the end of its output */
static int live_read(live_run *l, int ms)
{
    struct pollfd pf = {l->out, POLLIN, 0};
    if (poll(&pf, 1, ms) <= 0)
        return 0;
    ssize_t r = read(l->out, l->buf + l->len, sizeof l->buf - 1 - l->len);
    if (r <= 0)
        return -1;
    l->len += (size_t)r;
    l->buf[l->len] = '\0';
    return 1;
}

int live_wait_lines(live_run *l, int lines)
{
    struct timespec t0, t;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    while (count_lines(l) < lines && l->len + 1 < sizeof l->buf) {
        clock_gettime(CLOCK_MONOTONIC, &t);
        if (t.tv_sec - t0.tv_sec >= 20 || live_read(l, 100) < 0)
            break;
    }
    return count_lines(l);
}

int live_end(live_run *l)
{
    close(l->in);
    while (l->len + 1 < sizeof l->buf && live_read(l, 20000) > 0)
        ;
    close(l->out);
    int st;
    waitpid(l->pid, &st, 0);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}
