/* smio_keyfile.h - reading a key file, for the front ends (the plugin's
 * KeyFile/AuthKeyFile, smdecode's --key-file/--auth-key-file).  Not part
 * of the I/O-free core (libsmcore): the one piece of file I/O the two
 * front ends share, compiled into each of them.  The file's content never
 * leaves this function except as the key, and is wiped from its buffer. */
#ifndef SMIO_KEYFILE_H
#define SMIO_KEYFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sm_error.h"

/* Open a file a front end reads its configuration from (a key, a layout)
 * for reading, without waiting: a FIFO would block collectd's start forever
 * (and `collectd -T`), a device read forever.  The descriptor; -1 with errno
 * when it cannot be opened; SMIO_NOT_REGULAR (errno untouched) when it is not
 * a regular file.  smio_file_error() says either in words. */
#define SMIO_NOT_REGULAR (-2)
int smio_file_open_regular(const char *path);
const char *smio_file_error(int rc, int errno_value);

typedef struct {
    int errno_value;      /* why the file could not be read (SM_ERR_IO) */
    int open_rc;          /* smio_file_open_regular's result: SMIO_NOT_REGULAR, -1 */
    bool others_can_read; /* the file's mode lets every user read it */
} smio_keyfile_info;

/* Read a key from path: hex text (32 or 64 digits; spaces, colons and a
 * final newline are fine) or exactly 16 or 32 raw bytes.  SM_OK and the
 * key; SM_ERR_IO when the file cannot be opened or read, or is no regular
 * file (smio_file_error(info->open_rc, info->errno_value) says why);
 * SM_ERR_KEY_LENGTH when it holds no key.  info may be NULL. */
sm_err smio_keyfile_read(const char *path, uint8_t key[32], size_t *len, smio_keyfile_info *info);

#endif
