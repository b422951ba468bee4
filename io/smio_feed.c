/* smio_feed.c - a TCP feed of telegrams.  See smio_feed.h. */
#define _GNU_SOURCE /* accept4 */
#include "smio_feed.h"

#include "smio_port.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#define MARKS 64              /* telegrams a client may have waiting */
#define LATENCIES 65536       /* the latencies the median is taken over */
#define KERNEL_SNDBUF 16384   /* a client's socket send buffer: the queue stays ours */

typedef struct {
    uint64_t end;   /* the telegram's end, in bytes queued to the client */
    double at;      /* its last byte read */
} mark;

typedef struct {
    int fd;
    bool drop;                 /* a telegram did not fit: to be closed */
    uint8_t *buf;
    size_t head, len;
    uint64_t written, queued;  /* bytes handed to the socket, bytes queued */
    mark marks[MARKS];
    unsigned mhead, mn;
} client;

struct smio_feed {
    int lfd, wake;
    pthread_t thread;
    pthread_mutex_t lock;
    bool stop;
    client clients[SMIO_FEED_MAX_CLIENTS];
    unsigned nclients;
    smio_feed_stats st;
    double *lat;               /* the last LATENCIES latencies, a ring */
    char addr[80];
};

/* "HOST:PORT", "[V6]:PORT", ":PORT", "PORT": the host ("" loopback) and port. */
static bool split_addr(const char *addr, char *host, size_t hcap, char *port, size_t pcap)
{
    const char *colon = strrchr(addr, ':');
    const char *p = colon ? colon + 1 : addr;
    size_t hl = colon ? (size_t)(colon - addr) : 0;
    const char *h = addr;
    if (hl >= 2 && h[0] == '[' && h[hl - 1] == ']')
        h++, hl -= 2;
    if (hl >= hcap || strlen(p) >= pcap || !*p || strspn(p, "0123456789") != strlen(p) ||
        atol(p) > 65535)
        return false;
    memcpy(host, h, hl);
    host[hl] = '\0';
    strcpy(port, p);
    return true;
}

static int listen_on(const char *addr, char *err, size_t cap)
{
    char host[64], port[8];
    if (!split_addr(addr, host, sizeof host, port, sizeof port)) {
        snprintf(err, cap, "'%s' is no address to listen on (HOST:PORT, [IPv6]:PORT or PORT)",
                 addr);
        return -1;
    }
    struct addrinfo hints = {0}, *res = NULL;
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV | AI_PASSIVE;
    int rc = getaddrinfo(*host ? host : "127.0.0.1", port, &hints, &res);
    if (rc != 0) {
        snprintf(err, cap, "%s: %s", addr, gai_strerror(rc));
        return -1;
    }
    int fd = -1, why = 0;
    for (struct addrinfo *ai = res; ai && fd < 0; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0) {
            why = errno;
            continue;
        }
        int one = 1;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        if (bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 || listen(fd, 8) < 0) {
            why = errno;
            close(fd);
            fd = -1;
        }
    }
    freeaddrinfo(res);
    if (fd < 0)
        snprintf(err, cap, "cannot listen on %s: %s", addr, strerror(why));
    return fd;
}

static void address_text(smio_feed *f)
{
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    char host[64] = "?", port[8] = "?";
    if (getsockname(f->lfd, (struct sockaddr *)&ss, &sl) == 0)
        getnameinfo((struct sockaddr *)&ss, sl, host, sizeof host, port, sizeof port,
                    NI_NUMERICHOST | NI_NUMERICSERV);
    snprintf(f->addr, sizeof f->addr, ss.ss_family == AF_INET6 ? "[%s]:%s" : "%s:%s", host, port);
}

static void record_latency(smio_feed *f, double v)
{
    f->lat[f->st.latency_count % LATENCIES] = v;
    f->st.latency_count++;
    if (v > f->st.latency_worst)
        f->st.latency_worst = v;
}

/* Hand what fits to the socket; false when the client is gone. */
static bool flush(smio_feed *f, client *c)
{
    while (c->len) {
        ssize_t n = send(c->fd, c->buf + c->head, c->len, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n < 0)
            return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
        c->head += (size_t)n;
        c->len -= (size_t)n;
        c->written += (uint64_t)n;
        double now = smio_port_now();
        while (c->mn && c->marks[c->mhead].end <= c->written) {
            record_latency(f, now - c->marks[c->mhead].at);
            f->st.sent++;
            c->mhead = (c->mhead + 1) % MARKS;
            c->mn--;
        }
    }
    c->head = 0;
    return true;
}

static void close_client(smio_feed *f, unsigned i)
{
    client *c = &f->clients[i];
    close(c->fd);
    free(c->buf);
    f->clients[i] = f->clients[--f->nclients];
    f->st.clients = f->nclients;
}

static void accept_clients(smio_feed *f)
{
    for (;;) {
        int fd = accept4(f->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0)
            return;
        uint8_t *buf = f->nclients < SMIO_FEED_MAX_CLIENTS ? malloc(SMIO_FEED_CLIENT_BUF) : NULL;
        if (!buf) {
            close(fd);
            f->st.refused++;
            continue;
        }
        int sz = KERNEL_SNDBUF, one = 1;
        setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof sz);
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        client *c = &f->clients[f->nclients++];
        memset(c, 0, sizeof *c);
        c->fd = fd;
        c->buf = buf;
        f->st.accepted++;
        f->st.clients = f->nclients;
    }
}

/* A client's turn after poll: what it sent is read and ignored; false when
 * it is gone. */
static bool serve(smio_feed *f, client *c, short revents)
{
    if (revents & POLLIN) {
        char junk[512];
        ssize_t n = recv(c->fd, junk, sizeof junk, MSG_DONTWAIT);
        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR))
            return false;
    }
    if (revents & (POLLERR | POLLHUP | POLLNVAL))
        return false;
    return flush(f, c);
}

static void *feed_thread(void *arg)
{
    smio_feed *f = arg;
    struct pollfd pf[2 + SMIO_FEED_MAX_CLIENTS];
    for (;;) {
        pthread_mutex_lock(&f->lock);
        unsigned n = f->nclients;
        for (unsigned i = 0; i < n; i++)
            pf[2 + i] = (struct pollfd){f->clients[i].fd,
                                        (short)(POLLIN | (f->clients[i].len ? POLLOUT : 0)), 0};
        pthread_mutex_unlock(&f->lock);
        pf[0] = (struct pollfd){f->wake, POLLIN, 0};
        pf[1] = (struct pollfd){f->lfd, POLLIN, 0};
        if (poll(pf, 2 + n, -1) < 0 && errno != EINTR)
            break;
        uint64_t v;
        if ((pf[0].revents & POLLIN) && read(f->wake, &v, sizeof v) < 0 && errno != EAGAIN)
            break;
        pthread_mutex_lock(&f->lock);
        bool stop = f->stop;
        if (!stop && (pf[1].revents & POLLIN))
            accept_clients(f);
        /* the clients polled keep their places: new ones were added at the end */
        for (unsigned i = n; i-- > 0;) {
            client *c = &f->clients[i];
            if (c->drop) {
                close_client(f, i);
                f->st.dropped++;
            } else if (!serve(f, c, pf[2 + i].revents)) {
                close_client(f, i);
                f->st.gone++;
            }
        }
        for (unsigned i = n; i < f->nclients; i++)
            flush(f, &f->clients[i]);
        pthread_mutex_unlock(&f->lock);
        if (stop)
            break;
    }
    return NULL;
}

smio_feed *smio_feed_open(const char *addr, char *err, size_t cap)
{
    smio_feed *f = calloc(1, sizeof *f);
    double *lat = malloc(LATENCIES * sizeof *lat);
    if (!f || !lat) {
        free(f);
        free(lat);
        snprintf(err, cap, "out of memory");
        return NULL;
    }
    f->lat = lat;
    f->lfd = listen_on(addr, err, cap);
    f->wake = f->lfd < 0 ? -1 : eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (f->lfd >= 0 && f->wake < 0)
        snprintf(err, cap, "eventfd: %s", strerror(errno));
    if (f->wake >= 0) {
        address_text(f);
        pthread_mutex_init(&f->lock, NULL);
        if (pthread_create(&f->thread, NULL, feed_thread, f) == 0)
            return f;
        snprintf(err, cap, "cannot start the feed's thread");
        pthread_mutex_destroy(&f->lock);
    }
    if (f->lfd >= 0)
        close(f->lfd);
    if (f->wake >= 0)
        close(f->wake);
    free(f->lat);
    free(f);
    return NULL;
}

const char *smio_feed_address(const smio_feed *f) { return f->addr; }

static void wake(smio_feed *f)
{
    uint64_t one = 1;
    if (write(f->wake, &one, sizeof one) < 0) {
        /* the counter is full: the thread is awake anyway */
    }
}

void smio_feed_publish(smio_feed *f, const void *p, size_t n, double read_at)
{
    if (n == 0 || n > SMIO_FEED_CLIENT_BUF)
        return;
    pthread_mutex_lock(&f->lock);
    f->st.telegrams++;
    bool any = false;
    for (unsigned i = 0; i < f->nclients; i++) {
        client *c = &f->clients[i];
        if (c->drop)
            continue;
        if (c->len + n > SMIO_FEED_CLIENT_BUF || c->mn == MARKS) {
            c->drop = true; /* too slow for the feed: the thread closes it */
            any = true;
            continue;
        }
        if (c->head + c->len + n > SMIO_FEED_CLIENT_BUF) {
            memmove(c->buf, c->buf + c->head, c->len);
            c->head = 0;
        }
        memcpy(c->buf + c->head + c->len, p, n);
        c->len += n;
        c->queued += n;
        c->marks[(c->mhead + c->mn++) % MARKS] = (mark){c->queued, read_at};
        any = true;
    }
    pthread_mutex_unlock(&f->lock);
    if (any)
        wake(f);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

void smio_feed_get_stats(smio_feed *f, smio_feed_stats *s)
{
    pthread_mutex_lock(&f->lock);
    *s = f->st;
    size_t n = f->st.latency_count < LATENCIES ? (size_t)f->st.latency_count : LATENCIES;
    double *copy = n ? malloc(n * sizeof *copy) : NULL;
    if (copy)
        memcpy(copy, f->lat, n * sizeof *copy);
    pthread_mutex_unlock(&f->lock);
    s->latency_median = 0;
    if (copy) {
        qsort(copy, n, sizeof *copy, cmp_double);
        s->latency_median = n % 2 ? copy[n / 2] : (copy[n / 2 - 1] + copy[n / 2]) / 2;
        free(copy);
    }
}

void smio_feed_close(smio_feed *f)
{
    if (!f)
        return;
    pthread_mutex_lock(&f->lock);
    f->stop = true;
    pthread_mutex_unlock(&f->lock);
    wake(f);
    pthread_join(f->thread, NULL);
    while (f->nclients)
        close_client(f, f->nclients - 1);
    close(f->lfd);
    close(f->wake);
    pthread_mutex_destroy(&f->lock);
    free(f->lat);
    free(f);
}
