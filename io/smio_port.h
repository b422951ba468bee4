/* smio_port.h - where a meter's bytes come from: a serial port opened and
 * set up with libserialport (symlinks such as /dev/serial/by-id/... are
 * resolved first, as libserialport does not), or a TCP connection to a
 * network serial server ("tcp://host:port", e.g. ser2net).  Non-blocking;
 * the caller polls p->fd.  Used by the plugin and by smdecode --device; no
 * collectd headers (unit-tested on its own), not part of the I/O-free core:
 * errors come back as text for the caller to log.  A port is used by one
 * thread; different ports are independent. */
#ifndef SMIO_PORT_H
#define SMIO_PORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sm_link.h"
#include <sys/types.h>

typedef enum { SMIO_PARITY_NONE, SMIO_PARITY_EVEN, SMIO_PARITY_ODD } smio_parity;

typedef struct {
    int baud;
    int data_bits;
    int stop_bits;
    smio_parity parity;
} smio_line;

typedef struct {
    struct sp_port *sp;   /* serial port, or NULL */
    int fd;               /* the descriptor to poll, -1 when closed */
    bool tcp;
    char path[4096];      /* the resolved device, or host:port */
} smio_port;

#define SMIO_PORT_ERR_MAX 4400

/* The line settings a framing's meters use when none are given: 2400 8E1
 * for M-Bus and the other DLMS links, 115200 8N1 for P1 (DSMR 5, e-MUCS,
 * the Nordic ports), 9600 8N1 for SML (the optical port), 1200 7E1 for TIC
 * (historique; standard mode is 9600 7E1).  The plugin and
 * smdecode --device both start here. */
smio_line smio_port_default_line(sm_link framing);
/* "2400 8E1": the settings as users and meter documentation write them. */
void smio_line_text(const smio_line *l, char *buf, size_t cap);
/* "none", "even", "odd": smio_parity's order, the words of Parity and --parity. */
extern const char *const smio_parity_names[3];

/* Monotonic seconds: the clock of smio_port_read_for's elapsed time, for the
 * front ends' timings too. */
double smio_port_now(void);

void smio_port_init(smio_port *p);
bool smio_port_is_tcp(const char *device);
/* Split "tcp://host:port" (also "tcp://[v6]:port"); false when malformed. */
bool smio_port_tcp_parse(const char *device, char *host, size_t host_cap, char *service,
                   size_t service_cap);
/* Open and configure.  cancel_fd (may be -1) aborts a TCP connect when it
 * becomes readable.  On failure returns false with a message in err. */
bool smio_port_open(smio_port *p, const char *device, const smio_line *line, int cancel_fd,
                   int connect_timeout_ms, char *err, size_t err_cap);
/* Other line settings on an open serial port (what was received before is
 * dropped); false with a message for a TCP port or a failure. */
bool smio_port_set_line(smio_port *p, const smio_line *line, char *err, size_t cap);
/* Read what is there: >0 bytes, 0 nothing (would block), -1 the line is
 * gone (hang-up, EOF, error; message in err). */
ssize_t smio_port_read(smio_port *p, void *buf, size_t cap, char *err, size_t err_cap);
void smio_port_close(smio_port *p);

/* Reads an open port for up to `seconds` (0: no limit), handing each piece
 * to bytes() as it arrives, until done() says so, cancel_fd (may be -1)
 * becomes readable, or the line goes away.  *elapsed: the seconds read. */
typedef enum { SMIO_READ_DONE, SMIO_READ_CANCELLED, SMIO_READ_LOST } smio_read_end;
typedef struct {
    void (*bytes)(void *ctx, const uint8_t *p, size_t n);
    bool (*done)(void *ctx);
    void *ctx;
} smio_port_sink;
smio_read_end smio_port_read_for(smio_port *p, double seconds, int cancel_fd, const smio_port_sink *s,
                             double *elapsed, char *err, size_t err_cap);

/* What a network serial server sent instead of meter data, when the first
 * bytes of a connection are a line of text (ser2net's "Port already in use"
 * before it closes): that line, without its line end, quoted into buf (cap
 * at least 4).  False when they are not text (meter data, noise). */
#define SMIO_PORT_PEER_TEXT_MAX 96
bool smio_port_peer_text(const uint8_t *p, size_t n, char *buf, size_t cap);
/* Keep a connection's first bytes (up to SMIO_PORT_PEER_TEXT_MAX in first,
 * *len of them so far) as they arrive, for smio_port_peer_text. */
void smio_port_keep_first(uint8_t first[SMIO_PORT_PEER_TEXT_MAX], size_t *len, const uint8_t *p,
                        size_t n);

/* Once, before any port is opened: libserialport's debug output off unless
 * LIBSERIALPORT_DEBUG asks for it (its default handler looks that variable
 * up for every message, several times per read). */
void smio_port_library_init(void);

/* strerror for the reader threads: strerror_r into buf, not strerror's
 * static buffer; the message. */
const char *smio_errtext(int e, char *buf, size_t cap);
/* The same into a buffer of the expression's own (valid in the statement). */
#define SMIO_STRERROR(e) smio_errtext((e), (char[128]){0}, 128)

#endif
