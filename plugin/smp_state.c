/* smp_state.c - the replay check's memory across restarts (smp_state.h). */
#include "smp_state.h"

#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sm_hex.h"

static int path_of(const char *dir, const char *name, const char *suffix, char *out, size_t cap)
{
    int n = snprintf(out, cap, "%s/%s.state%s", dir, name, suffix);
    return n > 0 && (size_t)n < cap ? 0 : -1;
}

int smp_state_load(const char *dir, const char *name, smp_state *s, char *err, size_t cap)
{
    char path[4096];
    if (path_of(dir, name, "", path, sizeof path) != 0) {
        snprintf(err, cap, "%s: the path is too long", dir);
        return -1;
    }
    FILE *f = fopen(path, "re");
    if (!f) {
        if (errno == ENOENT)
            return 0;
        snprintf(err, cap, "%s: %s", path, strerror(errno));
        return -1;
    }
    char title[40] = "";
    uint32_t fc = 0;
    int64_t t = 0;
    int got = fscanf(f, "system-title %32s frame-counter %" SCNu32 " time %" SCNd64, title, &fc,
                     &t);
    fclose(f);
    bool hex = got == 3 && strlen(title) == 16;
    for (int i = 0; hex && i < 8; i++) {
        int hi = sm_hex_digit(title[2 * i]), lo = sm_hex_digit(title[2 * i + 1]);
        hex = hi >= 0 && lo >= 0;
        if (hex)
            s->title[i] = (uint8_t)(hi << 4 | lo);
    }
    if (!hex) {
        snprintf(err, cap, "%s: not a state file of this plugin (remove it to start afresh)",
                 path);
        return -1;
    }
    s->fc = fc;
    s->unix_time = t;
    return 1;
}

int smp_state_save(const char *dir, const char *name, const smp_state *s, char *err, size_t cap)
{
    char path[4096], tmp[4096];
    if (path_of(dir, name, "", path, sizeof path) != 0 ||
        path_of(dir, name, ".new", tmp, sizeof tmp) != 0) {
        snprintf(err, cap, "%s: the path is too long", dir);
        return -1;
    }
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd < 0) {
        snprintf(err, cap, "%s: %s", tmp, strerror(errno));
        return -1;
    }
    char text[128], title[17];
    for (int i = 0; i < 8; i++)
        snprintf(title + 2 * i, 3, "%02X", s->title[i]);
    int n = snprintf(text, sizeof text, "system-title %s\nframe-counter %" PRIu32 "\ntime %" PRId64
                     "\n", title, s->fc, s->unix_time);
    bool ok = write(fd, text, (size_t)n) == n;
    int e = errno;
    ok = close(fd) == 0 && ok;
    if (!ok || rename(tmp, path) != 0) {
        snprintf(err, cap, "%s: %s", ok ? path : tmp, strerror(ok ? errno : e));
        unlink(tmp);
        return -1;
    }
    return 0;
}
