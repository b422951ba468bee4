/* smp_dump.c - see smp_dump.h. */
#define _POSIX_C_SOURCE 200809L
#include "smp_dump.h"
#include "sm_hex.h"
#include "smio_port.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

void smp_dump_init(smp_dump *d, const char *path, uint64_t max_bytes, const char *header)
{
    memset(d, 0, sizeof *d);
    snprintf(d->path, sizeof d->path, "%s", path);
    d->max_bytes = max_bytes < SMP_DUMP_MAX_MIN ? SMP_DUMP_MAX_MIN : max_bytes;
    snprintf(d->header, sizeof d->header, "# %s\n", header);
    d->fd = -1;
}

static bool write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return false;
        p += w;
        n -= (size_t)w;
    }
    return true;
}

static bool open_file(smp_dump *d, char *err, size_t err_cap)
{
    d->fd = open(d->path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
    struct stat st;
    if (d->fd < 0 || fstat(d->fd, &st) != 0) {
        snprintf(err, err_cap, "DumpFile %s: %s", d->path, SMIO_STRERROR(errno));
        smp_dump_close(d);
        return false;
    }
    d->size = (uint64_t)st.st_size;
    if (d->size == 0) {
        if (!write_all(d->fd, d->header, strlen(d->header))) {
            snprintf(err, err_cap, "DumpFile %s: %s", d->path, SMIO_STRERROR(errno));
            smp_dump_close(d);
            return false;
        }
        d->size = strlen(d->header);
    }
    return true;
}

/* FILE -> FILE.1, and a new FILE */
static bool rotate(smp_dump *d, char *err, size_t err_cap)
{
    char old[sizeof d->path + 2];
    snprintf(old, sizeof old, "%s.1", d->path);
    smp_dump_close(d);
    if (rename(d->path, old) != 0 && errno != ENOENT) {
        snprintf(err, err_cap, "DumpFile %s: cannot rename it to %s: %s", d->path, old,
                 SMIO_STRERROR(errno));
        return false;
    }
    return open_file(d, err, err_cap);
}

/* " # 2026-12-02T14:00:00.123Z\n" */
static size_t stamp(char *out, size_t cap, double when)
{
    time_t s = (time_t)when;
    int ms = (int)((when - (double)s) * 1000);
    if (ms < 0 || ms > 999)
        ms = 0;
    struct tm tm;
    gmtime_r(&s, &tm);
    char t[32];
    strftime(t, sizeof t, "%Y-%m-%dT%H:%M:%S", &tm);
    return (size_t)snprintf(out, cap, "\t# %s.%03dZ\n", t, ms);
}

bool smp_dump_write(smp_dump *d, const uint8_t *p, size_t n, double when, char *err,
                    size_t err_cap)
{
    if (!d->path[0] || n == 0)
        return true;
    for (size_t off = 0; off < n;) {
        size_t k = n - off < 4096 ? n - off : 4096, len = 2 * k;
        sm_hex_encode(p + off, k, d->line);
        len += stamp(d->line + len, sizeof d->line - len, when);
        off += k;
        if (d->fd < 0 && !open_file(d, err, err_cap))
            return false;
        if (d->size + len > d->max_bytes && d->size > strlen(d->header) &&
            !rotate(d, err, err_cap))
            return false;
        if (!write_all(d->fd, d->line, len)) {
            snprintf(err, err_cap, "DumpFile %s: %s", d->path, SMIO_STRERROR(errno));
            smp_dump_close(d);
            return false;
        }
        d->size += len;
    }
    return true;
}

void smp_dump_close(smp_dump *d)
{
    if (d->fd >= 0)
        close(d->fd);
    d->fd = -1;
}
