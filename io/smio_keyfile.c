/* smio_keyfile.c - see smio_keyfile.h. */
#define _POSIX_C_SOURCE 200809L /* O_CLOEXEC */
#include "smio_keyfile.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sm_security.h"

#define MAX_CONTENT 512 /* a key file is a few dozen bytes: more is not a key */

int smio_file_open_regular(const char *path)
{
    /* O_NONBLOCK: the open of a FIFO without a writer returns at once */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        return -1;
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        int e = errno;
        close(fd);
        errno = e;
        return SMIO_NOT_REGULAR;
    }
    return fd;
}

const char *smio_file_error(int rc, int errno_value)
{
    return rc == SMIO_NOT_REGULAR ? "not a regular file (a FIFO, a device or a directory)"
                                : strerror(errno_value);
}

sm_err smio_keyfile_read(const char *path, uint8_t key[32], size_t *len, smio_keyfile_info *info)
{
    smio_keyfile_info dummy;
    if (!info)
        info = &dummy;
    memset(info, 0, sizeof *info);
    int fd = smio_file_open_regular(path);
    if (fd < 0) {
        info->open_rc = fd;
        info->errno_value = errno;
        return SM_ERR_IO;
    }
    struct stat st;
    if (fstat(fd, &st) == 0)
        info->others_can_read = (st.st_mode & S_IROTH) != 0;
    uint8_t buf[MAX_CONTENT + 1];
    size_t n = 0;
    sm_err e = SM_OK;
    while (n < sizeof buf) {
        ssize_t r = read(fd, buf + n, sizeof buf - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            info->open_rc = -1;
            info->errno_value = errno;
            e = SM_ERR_IO;
            break;
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    close(fd);
    if (!e)
        e = n <= MAX_CONTENT ? sm_key_from_file_content(buf, n, key, len) : SM_ERR_KEY_LENGTH;
    sm_wipe(buf, sizeof buf);
    return e;
}
