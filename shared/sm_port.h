/* sm_port.h - where a meter's bytes come from: a serial port opened and
 * set up with libserialport (symlinks such as /dev/serial/by-id/... are
 * resolved first, as libserialport does not), or a TCP connection to a
 * network serial server ("tcp://host:port", e.g. ser2net).  Non-blocking;
 * the caller polls p->fd.  Used by the plugin and by smdecode --device; no
 * collectd headers (unit-tested on its own), not part of the I/O-free core:
 * errors come back as text for the caller to log.  A port is used by one
 * thread; different ports are independent. */
#ifndef SM_PORT_H
#define SM_PORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

typedef enum { SM_PARITY_NONE, SM_PARITY_EVEN, SM_PARITY_ODD } sm_parity;

typedef struct {
    int baud;
    int data_bits;
    int stop_bits;
    sm_parity parity;
} sm_line;

typedef struct {
    struct sp_port *sp;   /* serial port, or NULL */
    int fd;               /* the descriptor to poll, -1 when closed */
    bool tcp;
    char path[4096];      /* the resolved device, or host:port */
} sm_port;

#define SM_PORT_ERR_MAX 4400

/* The line settings a framing's meters use when none are given: 2400 8E1
 * for M-Bus and the other DLMS links, 115200 8N1 for P1 (DSMR 5, e-MUCS,
 * the Nordic ports).  The plugin and smdecode --device both start here. */
sm_line sm_port_default_line(bool p1);
/* "2400 8E1": the settings as users and meter documentation write them. */
void sm_line_text(const sm_line *l, char *buf, size_t cap);
/* "none", "even", "odd": sm_parity's order, the words of Parity and --parity. */
extern const char *const sm_parity_names[3];

/* Monotonic seconds: the clock of sm_port_read_for's elapsed time, for the
 * front ends' timings too. */
double sm_port_now(void);

void sm_port_init(sm_port *p);
bool sm_port_is_tcp(const char *device);
/* Split "tcp://host:port" (also "tcp://[v6]:port"); false when malformed. */
bool sm_port_tcp_parse(const char *device, char *host, size_t host_cap, char *service,
                   size_t service_cap);
/* Open and configure.  cancel_fd (may be -1) aborts a TCP connect when it
 * becomes readable.  On failure returns false with a message in err. */
bool sm_port_open(sm_port *p, const char *device, const sm_line *line, int cancel_fd,
                   int connect_timeout_ms, char *err, size_t err_cap);
/* Other line settings on an open serial port (what was received before is
 * dropped); false with a message for a TCP port or a failure. */
bool sm_port_set_line(sm_port *p, const sm_line *line, char *err, size_t cap);
/* Read what is there: >0 bytes, 0 nothing (would block), -1 the line is
 * gone (hang-up, EOF, error; message in err). */
ssize_t sm_port_read(sm_port *p, void *buf, size_t cap, char *err, size_t err_cap);
void sm_port_close(sm_port *p);

/* Reads an open port for up to `seconds` (0: no limit), handing each piece
 * to bytes() as it arrives, until done() says so, cancel_fd (may be -1)
 * becomes readable, or the line goes away.  *elapsed: the seconds read. */
typedef enum { SM_READ_DONE, SM_READ_CANCELLED, SM_READ_LOST } sm_read_end;
typedef struct {
    void (*bytes)(void *ctx, const uint8_t *p, size_t n);
    bool (*done)(void *ctx);
    void *ctx;
} sm_port_sink;
sm_read_end sm_port_read_for(sm_port *p, double seconds, int cancel_fd, const sm_port_sink *s,
                             double *elapsed, char *err, size_t err_cap);

/* What a network serial server sent instead of meter data, when the first
 * bytes of a connection are a line of text (ser2net's "Port already in use"
 * before it closes): that line, without its line end, quoted into buf (cap
 * at least 4).  False when they are not text (meter data, noise). */
#define SM_PORT_PEER_TEXT_MAX 96
bool sm_port_peer_text(const uint8_t *p, size_t n, char *buf, size_t cap);
/* Keep a connection's first bytes (up to SM_PORT_PEER_TEXT_MAX in first,
 * *len of them so far) as they arrive, for sm_port_peer_text. */
void sm_port_keep_first(uint8_t first[SM_PORT_PEER_TEXT_MAX], size_t *len, const uint8_t *p,
                        size_t n);

/* Once, before any port is opened: libserialport's debug output off unless
 * LIBSERIALPORT_DEBUG asks for it (its default handler looks that variable
 * up for every message, several times per read). */
void sm_port_library_init(void);

#endif
