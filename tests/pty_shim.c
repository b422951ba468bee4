/* pty_shim.c - TEST ONLY: lets libserialport 0.1.1 open Linux
 * pseudo-terminals, so the end-to-end tests can put a simulated meter on
 * the other end of a pty.  Loaded with LD_PRELOAD into the test's collectd;
 * never installed, never linked into the plugin.
 *
 * libserialport refuses ptys in three places (see COLLECTD-NOTES and
 * libserialport's linux.c): the port lookup wants /sys/class/tty/<name> to
 * exist (there is no /sys/class/tty/pts/N), sp_open reads the modem lines
 * (TIOCMGET, which ptys reject), and the kernel rejects parity on a pty
 * (EINVAL; a pty has no wire, so parity has no meaning there).  Each
 * wrapper acts only when the path or descriptor is a pty (Unix98 pty slave
 * majors 136-143) and passes everything else to the real function, so a
 * real serial device goes the normal way even with the shim loaded.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <termios.h>
#include <unistd.h>

#define SYS_PTS "/sys/class/tty/pts/"

static int is_pty_fd(int fd)
{
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISCHR(st.st_mode))
        return 0;
    unsigned maj = major(st.st_rdev);
    return maj >= 136 && maj <= 143;
}

static int is_sys_pts(const char *path)
{
    return path && strncmp(path, SYS_PTS, sizeof SYS_PTS - 1) == 0;
}

int __lxstat(int ver, const char *path, struct stat *st);
int __lxstat(int ver, const char *path, struct stat *st)
{
    static int (*real)(int, const char *, struct stat *);
    if (!real)
        real = (int (*)(int, const char *, struct stat *))dlsym(RTLD_NEXT, "__lxstat");
    if (is_sys_pts(path)) {
        memset(st, 0, sizeof *st);
        st->st_mode = S_IFLNK | 0777; /* like the /sys entries of real ttys */
        return 0;
    }
    return real(ver, path, st);
}

ssize_t readlink(const char *path, char *buf, size_t size)
{
    static ssize_t (*real)(const char *, char *, size_t);
    if (!real)
        real = (ssize_t(*)(const char *, char *, size_t))dlsym(RTLD_NEXT, "readlink");
    if (is_sys_pts(path)) {
        static const char target[] = "../../devices/virtual/tty/pts";
        size_t n = sizeof target - 1 < size ? sizeof target - 1 : size;
        memcpy(buf, target, n);
        return (ssize_t)n;
    }
    return real(path, buf, size);
}

int ioctl(int fd, unsigned long request, ...)
{
    static int (*real)(int, unsigned long, ...);
    if (!real)
        real = (int (*)(int, unsigned long, ...))dlsym(RTLD_NEXT, "ioctl");
    va_list ap;
    va_start(ap, request);
    void *arg = va_arg(ap, void *);
    va_end(ap);
    if ((request == TIOCMGET || request == TIOCMSET || request == TIOCMBIS ||
         request == TIOCMBIC) &&
        is_pty_fd(fd)) {
        if (request == TIOCMGET && arg)
            *(int *)arg = 0; /* no modem lines */
        return 0;
    }
    return real(fd, request, arg);
}

int tcsetattr(int fd, int action, const struct termios *t)
{
    static int (*real)(int, int, const struct termios *);
    if (!real)
        real = (int (*)(int, int, const struct termios *))dlsym(RTLD_NEXT, "tcsetattr");
    int r = real(fd, action, t);
    if (r != 0 && errno == EINVAL && (t->c_cflag & PARENB) && is_pty_fd(fd)) {
        struct termios copy = *t;
        copy.c_cflag &= ~(tcflag_t)(PARENB | PARODD | CMSPAR);
        r = real(fd, action, &copy);
    }
    return r;
}
