/* smio_port.c - serial ports through libserialport, network serial servers
 * through a TCP socket. */
#define _GNU_SOURCE
#include "smio_port.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <libserialport.h>

smio_line smio_port_default_line(sm_link framing)
{
    if (framing == SM_LINK_P1)
        return (smio_line){.baud = 115200, .data_bits = 8, .stop_bits = 1, .parity = SMIO_PARITY_NONE};
    if (framing == SM_LINK_TIC) /* historique, what a Linky sends unless told otherwise */
        return (smio_line){.baud = 1200, .data_bits = 7, .stop_bits = 1, .parity = SMIO_PARITY_EVEN};
    if (framing == SM_LINK_SML) /* the optical port of German meters */
        return (smio_line){.baud = 9600, .data_bits = 8, .stop_bits = 1, .parity = SMIO_PARITY_NONE};
    return (smio_line){.baud = 2400, .data_bits = 8, .stop_bits = 1, .parity = SMIO_PARITY_EVEN};
}

const char *const smio_parity_names[3] = {"none", "even", "odd"};

void smio_line_text(const smio_line *l, char *buf, size_t cap)
{
    snprintf(buf, cap, "%d %d%c%d", l->baud, l->data_bits, "NEO"[l->parity], l->stop_bits);
}

double smio_port_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void smio_port_init(smio_port *p)
{
    p->sp = NULL;
    p->fd = -1;
    p->tcp = false;
    p->path[0] = '\0';
}

bool smio_port_is_tcp(const char *device)
{
    return strncmp(device, "tcp://", 6) == 0;
}

bool smio_port_tcp_parse(const char *device, char *host, size_t host_cap, char *service,
                   size_t service_cap)
{
    if (!smio_port_is_tcp(device))
        return false;
    const char *h = device + 6, *colon;
    size_t hlen;
    if (*h == '[') {
        const char *close = strchr(h, ']');
        if (!close || close[1] != ':')
            return false;
        h++;
        hlen = (size_t)(close - h);
        colon = close + 1;
    } else {
        colon = strrchr(h, ':');
        if (!colon)
            return false;
        hlen = (size_t)(colon - h);
    }
    const char *port = colon + 1;
    if (hlen == 0 || hlen >= host_cap || *port == '\0' || strlen(port) >= service_cap)
        return false;
    for (const char *c = port; *c; c++)
        if (*c < '0' || *c > '9')
            return false;
    long pn = strtol(port, NULL, 10);
    if (pn < 1 || pn > 65535)
        return false;
    memcpy(host, h, hlen);
    host[hlen] = '\0';
    memcpy(service, port, strlen(port) + 1); /* fits: checked above */
    return true;
}

const char *smio_errtext(int e, char *buf, size_t cap)
{
    return strerror_r(e, buf, cap); /* GNU: returns the message */
}

static void sp_message(const char *what, enum sp_return r, const char *path, char *err,
                       size_t cap)
{
    if (r == SP_ERR_FAIL) {
        char *m = sp_last_error_message();
        snprintf(err, cap, "%s %s: %s", what, path, m ? m : "failed");
        sp_free_error_message(m);
    } else if (r == SP_ERR_ARG) {
        snprintf(err, cap, "%s %s: not a serial port that libserialport knows", what, path);
    } else {
        snprintf(err, cap, "%s %s: libserialport error %d", what, path, (int)r);
    }
}

/* The line settings on an open serial port. */
static bool configure(smio_port *p, const smio_line *line, char *err, size_t cap)
{
    enum sp_parity parity = line->parity == SMIO_PARITY_EVEN  ? SP_PARITY_EVEN
                            : line->parity == SMIO_PARITY_ODD ? SP_PARITY_ODD
                                                             : SP_PARITY_NONE;
    enum sp_return r;
    const char *what = "baud rate";
    if ((r = sp_set_baudrate(p->sp, line->baud)) == SP_OK && (what = "data bits") &&
        (r = sp_set_bits(p->sp, line->data_bits)) == SP_OK && (what = "parity") &&
        (r = sp_set_parity(p->sp, parity)) == SP_OK && (what = "stop bits") &&
        (r = sp_set_stopbits(p->sp, line->stop_bits)) == SP_OK && (what = "flow control") &&
        (r = sp_set_flowcontrol(p->sp, SP_FLOWCONTROL_NONE)) == SP_OK)
        return true;
    char w[64];
    snprintf(w, sizeof w, "cannot set the %s of", what);
    sp_message(w, r, p->path, err, cap);
    return false;
}

static bool open_serial(smio_port *p, const char *device, const smio_line *line, char *err,
                        size_t cap)
{
    char real[PATH_MAX];
    char eb[128];
    if (!realpath(device, real)) {
        snprintf(err, cap, "cannot open %s: %s", device, smio_errtext(errno, eb, sizeof eb));
        return false;
    }
    snprintf(p->path, sizeof p->path, "%s", real);
    enum sp_return r = sp_get_port_by_name(real, &p->sp);
    if (r != SP_OK) {
        p->sp = NULL;
        sp_message("cannot use", r, real, err, cap);
        return false;
    }
    r = sp_open(p->sp, SP_MODE_READ);
    if (r != SP_OK) {
        sp_message("cannot open", r, real, err, cap);
        sp_free_port(p->sp);
        p->sp = NULL;
        return false;
    }
    if (!configure(p, line, err, cap)) {
        smio_port_close(p);
        return false;
    }
    int fd = -1;
    if (sp_get_port_handle(p->sp, &fd) != SP_OK || fd < 0) {
        sp_message("cannot get the handle of", SP_ERR_FAIL, real, err, cap);
        smio_port_close(p);
        return false;
    }
    p->fd = fd; /* what the port buffered before is kept: whole telegrams decode */
    return true;
}

bool smio_port_set_line(smio_port *p, const smio_line *line, char *err, size_t cap)
{
    if (p->tcp || !p->sp) {
        snprintf(err, cap, "%s: a network serial server has its own line settings", p->path);
        return false;
    }
    if (!configure(p, line, err, cap))
        return false;
    sp_flush(p->sp, SP_BUF_INPUT); /* bytes received with the old settings */
    return true;
}

static bool open_tcp(smio_port *p, const char *device, int cancel_fd, int timeout_ms, char *err,
                     size_t cap)
{
    char host[200], service[8];
    if (!smio_port_tcp_parse(device, host, sizeof host, service, sizeof service)) {
        snprintf(err, cap, "malformed address %s (expected tcp://host:port)", device);
        return false;
    }
    snprintf(p->path, sizeof p->path, "%s", device + 6);
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
    struct addrinfo *res = NULL;
    char eb[128];
    int gai = getaddrinfo(host, service, &hints, &res);
    if (gai != 0) {
        snprintf(err, cap, "cannot resolve %s: %s", host, gai_strerror(gai));
        return false;
    }
    int last_errno = ETIMEDOUT;
    for (struct addrinfo *a = res; a; a = a->ai_next) {
        int fd = socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
                        a->ai_protocol);
        if (fd < 0) {
            last_errno = errno;
            continue;
        }
        int rc = connect(fd, a->ai_addr, a->ai_addrlen);
        if (rc != 0 && errno == EINPROGRESS) {
            double deadline = smio_port_now() + timeout_ms / 1000.0;
            for (;;) {
                struct pollfd pf[2] = {{fd, POLLOUT, 0}, {cancel_fd, POLLIN, 0}};
                double left = deadline - smio_port_now();
                if (left <= 0) {
                    errno = ETIMEDOUT;
                    break;
                }
                int n = poll(pf, cancel_fd >= 0 ? 2 : 1, (int)(left * 1000) + 1);
                if (n < 0 && errno == EINTR)
                    continue;
                if (n > 0 && (pf[1].revents & POLLIN)) {
                    errno = ECANCELED;
                    break;
                }
                if (n > 0 && pf[0].revents) {
                    int so = 0;
                    socklen_t sl = sizeof so;
                    getsockopt(fd, SOL_SOCKET, SO_ERROR, &so, &sl);
                    rc = so ? -1 : 0;
                    errno = so;
                    break;
                }
            }
        }
        if (rc == 0) {
            int one = 1;
            setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one);
            freeaddrinfo(res);
            p->fd = fd;
            p->tcp = true;
            return true;
        }
        last_errno = errno;
        close(fd);
    }
    freeaddrinfo(res);
    snprintf(err, cap, "cannot connect to %s: %s", p->path, smio_errtext(last_errno, eb, sizeof eb));
    return false;
}

bool smio_port_open(smio_port *p, const char *device, const smio_line *line, int cancel_fd,
                   int connect_timeout_ms, char *err, size_t err_cap)
{
    smio_port_init(p);
    if (smio_port_is_tcp(device))
        return open_tcp(p, device, cancel_fd, connect_timeout_ms, err, err_cap);
    return open_serial(p, device, line, err, err_cap);
}

ssize_t smio_port_read(smio_port *p, void *buf, size_t cap, char *err, size_t err_cap)
{
    if (p->fd < 0) {
        snprintf(err, err_cap, "not open");
        return -1;
    }
    if (p->sp) {
        enum sp_return r = sp_nonblocking_read(p->sp, buf, cap);
        if (r > 0)
            return r;
        if (r == 0)
            return 0;
        sp_message("read error on", r, p->path, err, err_cap);
        return -1;
    }
    ssize_t n = read(p->fd, buf, cap);
    if (n > 0)
        return n;
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return 0;
    if (n == 0)
        snprintf(err, err_cap, "%s closed the connection", p->path);
    else
        snprintf(err, err_cap, "read error on %s: %s", p->path,
                 SMIO_STRERROR(errno));
    return -1;
}

void smio_port_close(smio_port *p)
{
    if (p->sp) {
        sp_close(p->sp);
        sp_free_port(p->sp);
        p->sp = NULL;
    } else if (p->fd >= 0) {
        close(p->fd);
    }
    p->fd = -1;
    p->tcp = false;
}

void smio_port_library_init(void)
{
    if (!getenv("LIBSERIALPORT_DEBUG"))
        sp_set_debug_handler(NULL);
}

smio_read_end smio_port_read_for(smio_port *p, double seconds, int cancel_fd, const smio_port_sink *s,
                             double *elapsed, char *err, size_t err_cap)
{
    uint8_t buf[4096];
    double t0 = smio_port_now();
    smio_read_end end = SMIO_READ_DONE;
    while (!s->done(s->ctx)) {
        double left = seconds > 0 ? seconds - (smio_port_now() - t0) : 1.0;
        if (left <= 0)
            break;
        struct pollfd pf[2] = {{p->fd, POLLIN, 0}, {cancel_fd, POLLIN, 0}};
        int r = poll(pf, cancel_fd >= 0 ? 2 : 1, left < 0.2 ? (int)(left * 1000) + 1 : 200);
        if (r < 0 && errno != EINTR) {
            char eb[128];
            snprintf(err, err_cap, "poll: %s", smio_errtext(errno, eb, sizeof eb));
            end = SMIO_READ_LOST;
            break;
        }
        if (r > 0 && cancel_fd >= 0 && pf[1].revents) {
            end = SMIO_READ_CANCELLED;
            break;
        }
        if (r <= 0)
            continue;
        ssize_t n = smio_port_read(p, buf, sizeof buf, err, err_cap);
        if (n < 0) {
            end = SMIO_READ_LOST;
            break;
        }
        if (n > 0)
            s->bytes(s->ctx, buf, (size_t)n);
    }
    *elapsed = smio_port_now() - t0;
    return end;
}

bool smio_port_peer_text(const uint8_t *p, size_t n, char *buf, size_t cap)
{
    size_t letters = 0, k = 0;
    while (n > 0 && (p[0] == '\r' || p[0] == '\n')) { /* a banner's leading line ends */
        p++;
        n--;
    }
    for (size_t i = 0; i < n; i++) {
        uint8_t c = p[i];
        if (c == '\r' || c == '\n')
            break;
        if (c < 0x20 || c > 0x7E)
            return false; /* not a line of text: meter data or noise */
        letters += (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
    }
    if (letters < 2 || n == 0 || p[0] == '/' || cap < 4) /* '/': a P1 telegram's first line */
        return false;
    buf[k++] = '"';
    for (size_t i = 0; i < n && p[i] != '\r' && p[i] != '\n' && k + 2 < cap; i++)
        buf[k++] = (char)p[i];
    buf[k++] = '"';
    buf[k] = '\0';
    return true;
}

void smio_port_keep_first(uint8_t first[SMIO_PORT_PEER_TEXT_MAX], size_t *len, const uint8_t *p,
                        size_t n)
{
    size_t room = SMIO_PORT_PEER_TEXT_MAX - *len;
    size_t k = n < room ? n : room;
    memcpy(first + *len, p, k);
    *len += k;
}
