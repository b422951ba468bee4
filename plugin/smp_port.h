/* smp_port.h - where a meter's bytes come from: a serial port opened and
 * set up with libserialport (symlinks such as /dev/serial/by-id/... are
 * resolved first, as libserialport does not), or a TCP connection to a
 * network serial server ("tcp://host:port", e.g. ser2net).  Non-blocking;
 * the caller polls p->fd.  No collectd headers (unit-tested on its own):
 * errors come back as text for the caller to log.  A port is used by one
 * thread; different ports are independent. */
#ifndef SMP_PORT_H
#define SMP_PORT_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

typedef enum { SMP_PARITY_NONE, SMP_PARITY_EVEN, SMP_PARITY_ODD } smp_parity;

typedef struct {
    int baud;
    int data_bits;
    int stop_bits;
    smp_parity parity;
} smp_line;

typedef struct {
    struct sp_port *sp;   /* serial port, or NULL */
    int fd;               /* the descriptor to poll, -1 when closed */
    bool tcp;
    char path[4096];      /* the resolved device, or host:port */
} smp_port;

#define SMP_ERR_MAX 4400

void smp_port_init(smp_port *p);
bool smp_device_is_tcp(const char *device);
/* Split "tcp://host:port" (also "tcp://[v6]:port"); false when malformed. */
bool smp_tcp_parse(const char *device, char *host, size_t host_cap, char *service,
                   size_t service_cap);
/* Open and configure.  cancel_fd (may be -1) aborts a TCP connect when it
 * becomes readable.  On failure returns false with a message in err. */
bool smp_port_open(smp_port *p, const char *device, const smp_line *line, int cancel_fd,
                   int connect_timeout_ms, char *err, size_t err_cap);
/* Read what is there: >0 bytes, 0 nothing (would block), -1 the line is
 * gone (hang-up, EOF, error; message in err). */
ssize_t smp_port_read(smp_port *p, void *buf, size_t cap, char *err, size_t err_cap);
void smp_port_close(smp_port *p);

/* Once, before any port is opened: libserialport's debug output off unless
 * LIBSERIALPORT_DEBUG asks for it (its default handler looks that variable
 * up for every message, several times per read). */
void smp_port_library_init(void);

#endif
