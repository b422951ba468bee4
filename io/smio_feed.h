/* smio_feed.h - a TCP feed: every telegram published is sent to every
 * client connected at the time, from a thread of the feed's own, so that
 * the publisher (a meter's reader thread) never waits on a client:
 * publishing copies the telegram into each client's buffer and wakes the
 * thread.  Sockets are non-blocking; a client's buffer holds at most
 * SMIO_FEED_CLIENT_BUF bytes (and the kernel's send buffer is kept small):
 * a client too slow or stuck to take a telegram when it comes is dropped
 * and counted, the others and the publisher are not affected.  What
 * clients send is read and ignored.  The feed is unauthenticated: whoever
 * can connect reads every telegram (listen on loopback unless the network
 * is trusted).
 *
 * The address is "HOST:PORT" (an IPv4 address, "[IPv6]", or a name),
 * ":PORT" or "PORT" alone: loopback. */
#ifndef SMIO_FEED_H
#define SMIO_FEED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SMIO_FEED_CLIENT_BUF 65536 /* a client's telegrams not yet sent */
#define SMIO_FEED_MAX_CLIENTS 32   /* clients at once; more are refused */
#define SMIO_FEED_ERR_MAX 256

typedef struct smio_feed smio_feed;

typedef struct {
    uint64_t telegrams;   /* published */
    uint64_t sent;        /* telegrams written whole to a client */
    uint64_t accepted;    /* clients accepted */
    uint64_t dropped;     /* clients dropped: a telegram did not fit their buffer */
    uint64_t refused;     /* clients refused: SMIO_FEED_MAX_CLIENTS connected */
    uint64_t gone;        /* clients that closed the connection */
    unsigned clients;     /* connected now */
    /* seconds from the telegram's last byte read (the publisher's stamp)
     * to its last byte handed to a client's socket, over the telegrams
     * sent (the last 65536 of them): median and worst; 0 before any */
    double latency_median, latency_worst;
    uint64_t latency_count;
} smio_feed_stats;

/* Listen on addr and start the feed's thread: the feed, or NULL with why
 * in err (an address that does not parse or resolve, a port in use). */
smio_feed *smio_feed_open(const char *addr, char *err, size_t cap);
/* The address listened on, as "127.0.0.1:8088" (the port the system chose
 * for port 0). */
const char *smio_feed_address(const smio_feed *f);
/* Send n bytes to every client (whole or not at all); read_at: when the
 * telegram's last byte was read (a CLOCK_MONOTONIC time in seconds, as
 * smio_port_now gives), for the latency. */
void smio_feed_publish(smio_feed *f, const void *p, size_t n, double read_at);
void smio_feed_get_stats(smio_feed *f, smio_feed_stats *s);
/* Stop the thread, close every connection, free. */
void smio_feed_close(smio_feed *f);

#endif
