/* pty_shim.c - TEST ONLY: lets libserialport 0.1.1 open Linux
 * pseudo-terminals, so the end-to-end tests can put a simulated meter on
 * the other end of a pty.  Loaded with LD_PRELOAD into the test's collectd;
 * never installed, never linked into the plugin.
 *
 * libserialport refuses ptys in three places (see COLLECTD-NOTES and
 * libserialport's linux.c): the port lookup wants /sys/class/tty/<name> to
 * exist (there is no /sys/class/tty/pts/N), sp_open reads the modem lines
 * (TIOCMGET, which ptys reject), and the kernel rejects parity on a pty
 * (EINVAL; a pty has no wire, so parity and 7 data bits have no meaning
 * there; glibc's tcsetattr reports that they did not take).  Each
 * wrapper acts only when the path or descriptor is a pty (Unix98 pty slave
 * majors 136-143) and passes everything else to the real function, so a
 * real serial device goes the normal way even with the shim loaded.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
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

/* The character settings asked for: a pty keeps CS8 without parity
 * whatever it is told, and libserialport reads the settings back (TCGETS)
 * to check them: they are reported as asked. */
#define MAX_FDS 1024
#define CHAR_BITS (CSIZE | PARENB | PARODD | CMSPAR | CSTOPB)
static struct {
    int set;
    tcflag_t bits;
} asked[MAX_FDS];

static void as_asked(int fd, struct termios *t)
{
    if (fd >= 0 && fd < MAX_FDS && asked[fd].set && t)
        t->c_cflag = (t->c_cflag & ~(tcflag_t)CHAR_BITS) | asked[fd].bits;
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
    int r = real(fd, request, arg);
    if (r == 0 && request == TCGETS)
        as_asked(fd, (struct termios *)arg);
    return r;
}

/* ---- the line model ---------------------------------------------------- */

typedef struct {
    int baud, data_bits, stop_bits;
    char parity; /* 'N', 'E', 'O' */
} line;

typedef struct {
    int on;
    line sender, reader;
    tcflag_t iflag;
} pty_line;

static pty_line lines[MAX_FDS];

/* "2400 8E1" */
static int parse_line(const char *s, line *l)
{
    char p;
    if (sscanf(s, "%d %1d%c%1d", &l->baud, &l->data_bits, &p, &l->stop_bits) != 4)
        return 0;
    l->parity = p;
    return l->baud > 0 && (p == 'N' || p == 'E' || p == 'O');
}

/* The sender of this pty, from PTY_SHIM_LINES; 0 when none is given. */
static int sender_of(int fd, line *out)
{
    const char *spec = getenv("PTY_SHIM_LINES");
    char name[64];
    if (!spec || ttyname_r(fd, name, sizeof name) != 0)
        return 0;
    int found = 0;
    char copy[2048];
    snprintf(copy, sizeof copy, "%s", spec);
    for (char *save = NULL, *e = strtok_r(copy, ";", &save); e; e = strtok_r(NULL, ";", &save)) {
        char *eq = strchr(e, '=');
        if (!eq)
            continue;
        *eq = '\0';
        if ((strcmp(e, name) == 0 || (strcmp(e, "*") == 0 && !found)) && parse_line(eq + 1, out))
            found = strcmp(e, "*") == 0 ? 1 : 2;
        if (found == 2)
            break;
    }
    return found != 0;
}

static int speed_of(speed_t s)
{
    static const struct {
        speed_t s;
        int baud;
    } t[] = {{B300, 300},     {B600, 600},     {B1200, 1200},   {B2400, 2400},
             {B4800, 4800},   {B9600, 9600},   {B19200, 19200}, {B38400, 38400},
             {B57600, 57600}, {B115200, 115200}, {B230400, 230400}};
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        if (t[i].s == s)
            return t[i].baud;
    return 0;
}

static void note_reader(int fd, const struct termios *t)
{
    if (fd < 0 || fd >= MAX_FDS)
        return;
    pty_line *pl = &lines[fd];
    pl->on = 0;
    if (!sender_of(fd, &pl->sender))
        return;
    line *r = &pl->reader;
    r->baud = speed_of(cfgetispeed(t));
    tcflag_t cs = t->c_cflag & CSIZE;
    r->data_bits = cs == CS5 ? 5 : cs == CS6 ? 6 : cs == CS7 ? 7 : 8;
    r->parity = !(t->c_cflag & PARENB) ? 'N' : (t->c_cflag & PARODD) ? 'O' : 'E';
    r->stop_bits = (t->c_cflag & CSTOPB) ? 2 : 1;
    pl->iflag = t->c_iflag;
    pl->on = r->baud > 0;
}

static int parity_bit(unsigned v, int bits, char parity)
{
    int ones = __builtin_popcount(v & ((1u << bits) - 1));
    return parity == 'E' ? ones & 1 : !(ones & 1);
}

/* The sender's bit stream of one chunk: 1 bit per element. */
static size_t bits_of(const line *s, const uint8_t *p, size_t n, uint8_t *bits, size_t cap)
{
    size_t k = 0;
    for (size_t i = 0; i < n && k + 13 <= cap; i++) {
        bits[k++] = 0;
        for (int b = 0; b < s->data_bits; b++)
            bits[k++] = (p[i] >> b) & 1;
        if (s->parity != 'N')
            bits[k++] = (uint8_t)parity_bit(p[i], s->data_bits, s->parity);
        for (int b = 0; b < s->stop_bits; b++)
            bits[k++] = 1;
    }
    return k;
}

/* What the reader's UART and tty layer make of the chunk p[0..n); at most
 * cap bytes into out. */
static size_t model(const pty_line *pl, const uint8_t *p, size_t n, uint8_t *out, size_t cap)
{
    uint8_t *bits = malloc(13 * n + 13); /* per call: the plugin's readers are threads */
    if (!bits)
        return 0;
    size_t nb = bits_of(&pl->sender, p, n, bits, 13 * n + 13);
    const line *r = &pl->reader;
    double ratio = (double)pl->sender.baud / r->baud; /* sender bits per reader bit */
    size_t k = 0;
    size_t i = 0; /* the sender bit where the search for a start bit goes on */
    while (k + 3 <= cap) {
        /* the next falling edge (the line is idle, 1, before the chunk) */
        while (i < nb && !(bits[i] == 0 && (i == 0 || bits[i - 1] == 1)))
            i++;
        if (i >= nb)
            break;
        double edge = (double)i; /* in sender bits */
#define SAMPLE(j) (((size_t)(edge + ((j) + 0.5) * ratio)) < nb ? bits[(size_t)(edge + ((j) + 0.5) * ratio)] : 1)
        int j = 0;
        if (SAMPLE(j) != 0) { /* a glitch shorter than half a bit */
            i++;
            continue;
        }
        j++;
        unsigned v = 0;
        for (int b = 0; b < r->data_bits; b++, j++)
            v |= (unsigned)SAMPLE(j) << b;
        int bad = 0;
        if (r->parity != 'N') {
            bad |= SAMPLE(j) != parity_bit(v, r->data_bits, r->parity);
            j++;
        }
        bad |= SAMPLE(j) != 1; /* the stop bit: a framing error */
        size_t next = (size_t)(edge + (j + 0.5) * ratio);
#undef SAMPLE
        /* the receiver looks for the next falling edge after its last
         * sample: one inside a misread frame is not seen */
        i = next + 1 > i ? next + 1 : i + 1;
        if (bad && (pl->iflag & INPCK)) {
            if (pl->iflag & IGNPAR)
                continue;
            if (pl->iflag & PARMRK) {
                out[k++] = 0xFF;
                out[k++] = 0x00;
                out[k++] = (uint8_t)v;
            } else {
                out[k++] = 0x00;
            }
            continue;
        }
        out[k++] = (uint8_t)v;
    }
    free(bits);
    return k;
}

/* A read from a modelled pty: the chunk the sender wrote, as the reader's
 * UART would have made it.  The model's output can be longer than the
 * chunk (a faster reader sees more frames): the rest waits for the next
 * read. */
ssize_t read(int fd, void *buf, size_t count)
{
    static ssize_t (*real)(int, void *, size_t);
    if (!real)
        real = (ssize_t(*)(int, void *, size_t))dlsym(RTLD_NEXT, "read");
    if (fd < 0 || fd >= MAX_FDS || !lines[fd].on || count == 0)
        return real(fd, buf, count);
    size_t want = count < 65536 ? count : 65536;
    /* a reader faster than the sender makes up to ratio bytes per byte */
    double ratio = (double)lines[fd].reader.baud / lines[fd].sender.baud;
    if (ratio > 1)
        want = (size_t)((double)want / (ratio * 3)) + 1;
    uint8_t *in = malloc(want);
    if (!in)
        return real(fd, buf, count);
    ssize_t n = real(fd, in, want);
    if (n <= 0) {
        int e = errno;
        free(in);
        errno = e;
        return n;
    }
    size_t k = model(&lines[fd], in, (size_t)n, buf, count);
    free(in);
    if (k == 0) { /* nothing a UART would have received: as if nothing came */
        errno = EAGAIN;
        return -1;
    }
    return (ssize_t)k;
}


int tcgetattr(int fd, struct termios *t)
{
    static int (*real)(int, struct termios *);
    if (!real)
        real = (int (*)(int, struct termios *))dlsym(RTLD_NEXT, "tcgetattr");
    int r = real(fd, t);
    if (r == 0)
        as_asked(fd, t);
    return r;
}

int close(int fd)
{
    static int (*real)(int);
    if (!real)
        real = (int (*)(int))dlsym(RTLD_NEXT, "close");
    if (fd >= 0 && fd < MAX_FDS)
        lines[fd].on = asked[fd].set = 0;
    return real(fd);
}

int tcsetattr(int fd, int action, const struct termios *t)
{
    static int (*real)(int, int, const struct termios *);
    if (!real)
        real = (int (*)(int, int, const struct termios *))dlsym(RTLD_NEXT, "tcsetattr");
    if (!is_pty_fd(fd))
        return real(fd, action, t);
    note_reader(fd, t);
    int r = real(fd, action, t);
    /* glibc checks that PARENB and CSIZE took: a pty keeps CS8, no parity */
    if (r != 0 && errno == EINVAL && ((t->c_cflag & PARENB) || (t->c_cflag & CSIZE) != CS8)) {
        struct termios copy = *t;
        copy.c_cflag &= ~(tcflag_t)(PARENB | PARODD | CMSPAR | CSIZE);
        copy.c_cflag |= CS8;
        r = real(fd, action, &copy);
    }
    if (r == 0 && fd >= 0 && fd < MAX_FDS) {
        asked[fd].set = 1;
        asked[fd].bits = t->c_cflag & CHAR_BITS;
    }
    return r;
}
