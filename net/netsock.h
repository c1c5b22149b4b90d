/* netsock.h -- sockets for threads on any CPU, served by the net service thread (netsvc.c), which
 * alone runs the TCP/IP stack (net.h). A socket is a handle (slot index | generation << 8, fits a
 * fixnum): a closed handle is refused (NETSOCK_ECLOSED), never confused with a later one. Calls
 * that change the stack are requests the service runs for the caller (it sleeps until they are
 * done, which never waits for the network); received TCP bytes are pulled by the service into
 * the socket's own ring, which readers take from under the socket's lock. docs/net.md tells the
 * whole path, the copies and the limits (netsvc_param.h).
 * Every wait below ends early when stop(ctx) says so (checked before each sleep; the waits are
 * interruptible, sched/thread.h): NETSOCK_EINTR then. A deadline is in arch_cycles, UINT64_MAX
 * for none. Call only from scheduler threads. */
#ifndef NET_NETSOCK_H
#define NET_NETSOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum netsock_err {
	NETSOCK_ENODEV = -1,		/* no network service runs */
	NETSOCK_EMFILE = -2,		/* NETSOCK_MAX sockets open */
	NETSOCK_ECLOSED = -3,		/* the handle was closed */
	NETSOCK_ETIMEDOUT = -4,		/* the deadline passed, or TCP gave up retransmitting */
	NETSOCK_EINTR = -5,
	NETSOCK_EINVAL = -6,
	NETSOCK_ENOMEM = -7,		/* a pool of the stack is full */
	NETSOCK_EADDRINUSE = -8,
	NETSOCK_ECONNREFUSED = -9,
	NETSOCK_ECONNRESET = -10,
	NETSOCK_EPIPE = -11,		/* write after the connection's sending side closed */
	NETSOCK_EHOSTUNREACH = -12,	/* no address yet, or ARP gave up */
	NETSOCK_EMSGSIZE = -13,
	NETSOCK_EBUSY = -14,		/* every ping slot busy */
	NETSOCK_ENOTCONN = -15,
};
const char *netsock_strerror(int err);

typedef bool (*netsock_stop_fn)(void *ctx);

/* TCP. listen: a listener on port (1..65535) with backlog (1..16). accept: the next connection.
 * connect: waits for the handshake (or its failure). */
int netsock_tcp_listen(unsigned port, int backlog, uint32_t *h);
int netsock_tcp_accept(uint32_t listener, uint32_t *h, uint64_t deadline, netsock_stop_fn stop,
		       void *ctx);
int netsock_tcp_connect(uint32_t addr, unsigned port, uint32_t *h, uint64_t deadline,
			netsock_stop_fn stop, void *ctx);
/* Up to n received bytes (waiting for one): the count, 0 at the end of the stream, or an error. */
long netsock_recv(uint32_t h, void *buf, size_t n, uint64_t deadline, netsock_stop_fn stop,
		  void *ctx);
/* All n bytes into the connection's send buffer (waiting for room): n, or an error. */
long netsock_send(uint32_t h, const void *buf, size_t n, netsock_stop_fn stop, void *ctx);
bool netsock_readable(uint32_t h);	/* recv would not wait */
/* how: 0 no more receiving, 1 no more sending (FIN after what is queued), 2 both. */
int netsock_shutdown(uint32_t h, int how);
/* Gives the socket back (a connection: what is queued is still sent, then FIN; unread data
 * makes it a reset, as Linux). Closing twice: NETSOCK_ECLOSED. */
int netsock_close(uint32_t h);
/* The peer's address and port, and our port. */
int netsock_peer(uint32_t h, uint32_t *addr, unsigned *port, unsigned *local_port);
/* While fn is set, the service calls fn(ctx) when the connection brings the byte 3 (Ctrl-C) or
 * telnet's IP (then everything received up to it is dropped), when the peer closes (FIN
 * arriving while set) or resets it. fn runs on the service's thread, under the socket's
 * intr_lock only (lisp_interrupt is made for that). Setting scans what is already received. */
int netsock_set_intr(uint32_t h, void (*fn)(void *ctx), void *ctx);

/* UDP. open: port 0 for an ephemeral one. send: one datagram (<= 1472 bytes). recv: the oldest
 * datagram, cut to n (the full size returned), waiting for one. */
int netsock_udp_open(unsigned port, uint32_t *h);
int netsock_udp_send(uint32_t h, uint32_t addr, unsigned port, const void *buf, size_t n);
long netsock_udp_recv(uint32_t h, void *buf, size_t n, uint32_t *addr, unsigned *port,
		      uint64_t deadline, netsock_stop_fn stop, void *ctx);

/* One ICMP echo of len payload bytes: 1 and *rtt_us, 0 if no reply by the deadline, or an error. */
int netsock_ping(uint32_t addr, size_t len, uint64_t deadline, uint32_t *rtt_us,
		 netsock_stop_fn stop, void *ctx);

struct netsock_config {
	uint32_t addr, mask, gateway, dns;
	uint32_t lease_s;
	const char *source;		/* "none", "static", "dhcp" */
	uint8_t mac[6];
	unsigned service_cpu;
};
int netsock_config(struct netsock_config *cfg);
/* Counters: the stack's drop counters and its pools (names and meanings: netsock_stat_name/
 * _desc), filled into v[0..netsock_stat_count()). */
unsigned netsock_stat_count(void);
const char *netsock_stat_name(unsigned i);
const char *netsock_stat_desc(unsigned i);
int netsock_stats(uint64_t *v, unsigned n);

/* "a.b.c.d" (each 0..255, nothing else) into *addr: true if it is one. */
bool netsock_parse_addr(const char *s, size_t len, uint32_t *addr);
void netsock_format_addr(uint32_t addr, char buf[16]);

#endif
