/* smp_dump.h - DumpFile: every byte a meter's line delivered, appended to a
 * plain text file that smdecode reads back as it is, for support requests
 * and replays.  One line per read from the line:
 *
 *   68FAFA6853FF000167DB08...16<TAB># 2026-12-02T14:00:00.123Z
 *
 * the bytes in hex, then a '#' comment with the receive time (UTC); a
 * telegram usually arrives in one read, a slow line may split it over
 * several lines (smdecode joins them: the lines are one stream).  The file
 * begins with a comment naming the meter and its settings (never a key).
 * When the file would grow beyond its maximum size it is renamed to
 * FILE.1 (replacing an older one) and a new FILE begun.  No collectd
 * headers: unit-tested on its own.  Used by one reader thread. */
#ifndef SMP_DUMP_H
#define SMP_DUMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SMP_DUMP_MAX_DEFAULT 10000000u /* DumpMaxBytes: 10 MB (twice, with FILE.1) */
#define SMP_DUMP_MAX_MIN 4096u

typedef struct {
    char path[4096];
    uint64_t max_bytes;
    char header[600];  /* the first line of each file */
    int fd;            /* -1 while closed */
    uint64_t size;     /* the current file's */
    char line[2 * 4096 + 64];
} smp_dump;

/* path "" means no dump; header without its "# " and newline. */
void smp_dump_init(smp_dump *d, const char *path, uint64_t max_bytes, const char *header);
/* Appends the bytes of one read, received at unix time `when`.  False with
 * a message in err when the file cannot be opened, rotated or written
 * (nothing else is affected: the caller logs and goes on). */
bool smp_dump_write(smp_dump *d, const uint8_t *p, size_t n, double when, char *err,
                    size_t err_cap);
void smp_dump_close(smp_dump *d);

#endif
