/* smio_layoutfile.h - reading a layout file, for the front ends (the
 * plugin's LayoutFile, smdecode's --layout-file).  Not part of the
 * I/O-free core (libsmcore): the file I/O the two share, compiled into
 * each of them; the parsing is the core's (sm_layout_set_parse). */
#ifndef SMIO_LAYOUTFILE_H
#define SMIO_LAYOUTFILE_H

#include <stddef.h>

#include "sm_layout.h"

#define SMIO_LAYOUTFILE_MAX (1024 * 1024) /* no layout file is larger */

/* Add the layouts of the file at path to s, all or nothing.  path is kept
 * in the set (sm_layout.file): it must outlive it.  SM_OK; SM_ERR_LAYOUT_FILE
 * and msg "PATH:LINE: what is wrong"; SM_ERR_IO and msg "PATH: cannot be
 * read: why". */
sm_err smio_layoutfile_load(sm_layout_set *s, const char *path, char *msg, size_t cap);

#endif
