/* sm_keyfile.h - reading a key file, for the front ends (the plugin's
 * KeyFile/AuthKeyFile, smdecode's --key-file/--auth-key-file).  Not part
 * of the I/O-free core (libsmcore): the one piece of file I/O the two
 * front ends share, compiled into each of them.  The file's content never
 * leaves this function except as the key, and is wiped from its buffer. */
#ifndef SM_KEYFILE_H
#define SM_KEYFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sm_error.h"

typedef struct {
    int errno_value;      /* why the file could not be read (SM_ERR_ARG) */
    bool others_can_read; /* the file's mode lets every user read it */
} sm_keyfile_info;

/* Read a key from path: hex text (32 or 64 digits; spaces, colons and a
 * final newline are fine) or exactly 16 or 32 raw bytes.  SM_OK and the
 * key; SM_ERR_ARG when the file cannot be opened or read (info->errno_value
 * says why); SM_ERR_KEY_LENGTH when it holds no key.  info may be NULL. */
sm_err sm_keyfile_read(const char *path, uint8_t key[32], size_t *len, sm_keyfile_info *info);

#endif
