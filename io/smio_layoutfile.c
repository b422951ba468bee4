/* smio_layoutfile.c - see smio_layoutfile.h. */
#include "smio_layoutfile.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "smio_keyfile.h"

sm_err smio_layoutfile_load(sm_layout_set *s, const char *path, char *msg, size_t cap)
{
    int fd = smio_file_open_regular(path);
    FILE *f = fd >= 0 ? fdopen(fd, "rb") : NULL;
    if (!f) {
        snprintf(msg, cap, "%s: cannot be read: %s", path, smio_file_error(fd, errno));
        if (fd >= 0)
            close(fd);
        return SM_ERR_IO;
    }
    char *text = malloc(SMIO_LAYOUTFILE_MAX + 1);
    size_t n = text ? fread(text, 1, SMIO_LAYOUTFILE_MAX + 1, f) : 0;
    int rerr = ferror(f) ? errno : 0;
    fclose(f);
    sm_err e = n > SMIO_LAYOUTFILE_MAX ? SM_ERR_LAYOUT_FILE : SM_ERR_IO;
    if (!text)
        snprintf(msg, cap, "%s: out of memory", path);
    else if (rerr)
        snprintf(msg, cap, "%s: cannot be read: %s", path, strerror(rerr));
    else if (n > SMIO_LAYOUTFILE_MAX)
        snprintf(msg, cap, "%s: larger than %d bytes: no layout file", path, SMIO_LAYOUTFILE_MAX);
    else {
        sm_layout_error err = {0, ""};
        e = sm_layout_set_parse_user(s, text, n, path, &err);
        if (e)
            snprintf(msg, cap, "%s:%u: %s", path, err.line, err.message);
    }
    free(text);
    return e;
}
