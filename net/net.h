/* net.h -- the portable TCP/IP stack: Ethernet II, ARP, IPv4, ICMP echo, UDP, a DHCP client and
 * TCP (RFC 9293), in plain freestanding C (memcpy/memset only; no malloc, no locks).
 *
 * SINGLE-THREADED CONTRACT: a stack is a plain data structure. Every function below that takes a
 * stack, or a socket of one, must be called by one thread at a time (the kernel's `net` service
 * thread); the stack takes no lock and has no thread of its own. Its only call out is
 * send_frame(), made from inside net_input/net_poll/the socket calls, never later. All
 * concurrency (other CPUs, waking Scheme threads) is the service's, around these calls.
 *
 * TIME is passed in: every call that can start or run a timer takes now_us, a monotonic count of
 * microseconds chosen by the caller (a fake clock in tests). It must never go backwards.
 *
 * MEMORY: net_stack_init() carves everything from one caller-provided region (see net_param.h for
 * the pools and what happens at each limit). Nothing grows afterwards.
 *
 * READINESS: the socket calls never block. After each net_input/net_poll/socket call the service
 * calls net_events() to learn which sockets changed (became readable, writable, acceptable,
 * connected, closed, failed), and wakes the threads waiting on them. */
#ifndef NET_NET_H
#define NET_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "net_param.h"

/* An IPv4 address in host byte order: 10.0.2.15 is 0x0a00020f. */
typedef uint32_t net_ip;
#define NET_IP(a, b, c, d) \
	((net_ip)(((uint32_t)(a) << 24) | ((uint32_t)(b) << 16) | ((uint32_t)(c) << 8) | (uint32_t)(d)))
#define NET_NEVER		UINT64_MAX	/* net_poll: no timer pending */

/* Errors: every call that can fail returns one of these (negative). */
enum net_err {
	NET_OK = 0,
	NET_EAGAIN = -1,	/* nothing to do now; try after the next event */
	NET_EINVAL = -2,	/* bad argument, or the socket's state does not allow it */
	NET_ENOMEM = -3,	/* a pool or table is full */
	NET_EADDRINUSE = -4,
	NET_ENOTCONN = -5,
	NET_ECONNREFUSED = -6,	/* RST in answer to our SYN */
	NET_ECONNRESET = -7,	/* RST on an established connection */
	NET_ETIMEDOUT = -8,	/* retransmissions exhausted */
	NET_EPIPE = -9,		/* send after shutdown/close */
	NET_EMSGSIZE = -10,	/* a datagram larger than one unfragmented packet */
	NET_EHOSTUNREACH = -11,	/* no address configured, or ARP gave up */
	NET_EBUSY = -12,	/* every ping slot is in use */
};
const char *net_strerror(int err);

struct net_stack;	/* opaque: lives at the start of the region */
struct net_tcp;		/* a TCP socket: listener or connection */
struct net_udp;		/* a UDP socket */

/* ---- the stack ---- */
struct net_init {
	void *mem;		/* the region: everything is carved from it */
	size_t mem_len;
	uint8_t mac[6];
	/* Sends one Ethernet frame (no FCS, 14..1514 bytes). The frame is only valid during the call:
	 * copy it (into the NIC's TX buffer). May drop it (the protocols recover); must not call
	 * back into the stack. */
	void (*send_frame)(void *ctx, const void *frame, size_t len);
	void *ctx;
	uint32_t seed;		/* mixed into ISNs, ephemeral ports and DHCP xids */
	uint64_t now_us;
};

/* Bytes of region needed for a stack with tcp_conns buffer blocks (connections that can carry
 * data at once; listeners and TIME_WAIT need none). */
size_t net_mem_size(unsigned tcp_conns);
/* Builds a stack at the start of init->mem. Returns NULL if the region is smaller than
 * net_mem_size(1). The stack has no address until net_set_static(..., true) or DHCP binds. */
struct net_stack *net_stack_init(const struct net_init *init);

/* Every received Ethernet frame, any length (short, long, garbage: counted and dropped). The
 * stack does not keep a pointer to frame. */
void net_input(struct net_stack *st, const void *frame, size_t len, uint64_t now_us);
/* Runs every timer due at now_us; returns when the next one is due (absolute, NET_NEVER if none).
 * Call it at that time, or earlier: calling early is harmless. */
uint64_t net_poll(struct net_stack *st, uint64_t now_us);

/* ---- configuration ---- */
enum net_cfg_source { NET_CFG_NONE, NET_CFG_STATIC, NET_CFG_DHCP };
struct net_ifconfig {
	net_ip addr, mask, gateway, dns;
	uint32_t lease_s;		/* DHCP lease, 0 for static */
	enum net_cfg_source source;
	uint8_t mac[6];
};
/* Records cfg as the static configuration. use_now: apply it at once (no DHCP); otherwise it is
 * the fallback applied when DHCP gets no answer after NET_DHCP_TRIES tries. Applying a config
 * sends one gratuitous ARP. */
void net_set_static(struct net_stack *st, const struct net_ifconfig *cfg, bool use_now,
		    uint64_t now_us);
/* Starts the DHCP client (DISCOVER now). It binds on ACK, renews at T1, rebinds at T2, and
 * falls back to the static configuration (if any) when no server answers. */
void net_dhcp_start(struct net_stack *st, uint64_t now_us);
void net_get_config(const struct net_stack *st, struct net_ifconfig *cfg);

/* ---- readiness ---- */
enum net_ev {
	NET_EV_READ = 1,	/* recv/accept would not return NET_EAGAIN (data, EOF or error) */
	NET_EV_WRITE = 2,	/* send would take at least one byte, or fail at once */
	NET_EV_ACCEPT = 4,	/* listener: a connection waits in the accept queue */
	NET_EV_CONNECTED = 8,	/* the handshake finished (stays set while established) */
	NET_EV_HUP = 16,	/* the peer sent FIN: recv returns 0 after the data */
	NET_EV_ERROR = 32,	/* reset, refused or timed out: see net_tcp_error */
	NET_EV_DONE = 64,	/* ping: the reply came (or the slot was cancelled) */
};
enum net_sock_kind { NET_SOCK_TCP, NET_SOCK_UDP, NET_SOCK_PING, NET_SOCK_CONFIG };
struct net_event {
	enum net_sock_kind kind;
	void *sock;		/* struct net_tcp * / struct net_udp *; NULL for PING, CONFIG */
	void *user;		/* what net_tcp_set_user/net_udp_set_user stored */
	int token;		/* PING: the token */
	unsigned events;	/* the socket's readiness now (enum net_ev bits), level, not edge */
};
/* Fills up to max events, one per socket whose readiness may have changed since the last call
 * (a socket with a state change is reported once, with its current readiness). Returns the
 * count; call again while it returns max. Sockets the application has closed are not reported. */
int net_events(struct net_stack *st, struct net_event *ev, int max);

/* ---- TCP ----
 * A socket pointer is valid from the call that returns it until net_tcp_close() (or
 * net_tcp_abort()); after that the stack may reuse it. Data is copied in and out. */
struct net_tcp *net_tcp_listen(struct net_stack *st, uint16_t port, int backlog, int *err);
/* The next established connection from the accept queue, or NULL with *err = NET_EAGAIN. */
struct net_tcp *net_tcp_accept(struct net_tcp *listener, int *err);
/* Sends a SYN (local address: ours; local port: ephemeral). Completion: NET_EV_CONNECTED, or
 * NET_EV_ERROR with net_tcp_error() = NET_ECONNREFUSED/NET_ETIMEDOUT. */
struct net_tcp *net_tcp_connect(struct net_stack *st, net_ip addr, uint16_t port, uint64_t now_us,
				int *err);
/* Copies up to len bytes into the send ring; returns the count (> 0), NET_EAGAIN if the ring is
 * full, NET_ENOTCONN before the handshake, NET_EPIPE after shutdown, or the connection's error
 * (NET_ECONNRESET, NET_ETIMEDOUT) once it failed. Segments go out per Nagle unless
 * net_tcp_set_nodelay(c, true). Every socket call returns NET_EINVAL (or does nothing) for a
 * pointer already given back. */
int net_tcp_send(struct net_tcp *c, const void *buf, size_t len, uint64_t now_us);
/* Copies up to len bytes out; returns the count (> 0), 0 at end of stream (FIN and no more
 * data), NET_EAGAIN if nothing is there yet, or the connection's error. Reading opens the
 * window (a window update goes out when it grew by a segment or half the ring). */
int net_tcp_recv(struct net_tcp *c, void *buf, size_t len, uint64_t now_us);
/* how: 1 stop sending (FIN after the queued data), 0 stop receiving (data dropped), 2 both. */
int net_tcp_shutdown(struct net_tcp *c, int how, uint64_t now_us);
/* Gives the socket back: queued data is still sent, then FIN (graceful); unread received data,
 * or data arriving later, makes it a reset (as Linux). A listener's unaccepted connections are
 * reset. The pointer is invalid after the call. */
void net_tcp_close(struct net_tcp *c, uint64_t now_us);
/* Sends RST (if synchronized) and frees at once. */
void net_tcp_abort(struct net_tcp *c, uint64_t now_us);
void net_tcp_set_nodelay(struct net_tcp *c, bool nodelay);
void net_tcp_set_user(struct net_tcp *c, void *user);
void *net_tcp_user(const struct net_tcp *c);
unsigned net_tcp_events(const struct net_tcp *c);	/* readiness now, enum net_ev bits */
int net_tcp_error(const struct net_tcp *c);		/* 0 or the error that ended it */
void net_tcp_peer(const struct net_tcp *c, net_ip *addr, uint16_t *port);
uint16_t net_tcp_local_port(const struct net_tcp *c);
/* RFC 9293 state names: "CLOSED", "LISTEN", ..., "TIME_WAIT". */
const char *net_tcp_state_name(const struct net_tcp *c);
size_t net_tcp_unsent(const struct net_tcp *c);		/* bytes queued not yet acknowledged */

/* ---- UDP ---- */
/* port 0: an ephemeral port. */
struct net_udp *net_udp_open(struct net_stack *st, uint16_t port, int *err);
/* One datagram (len <= NET_MTU - 28), sent at once or queued behind ARP. */
int net_udp_send(struct net_udp *u, net_ip addr, uint16_t port, const void *buf, size_t len,
		 uint64_t now_us);
/* The oldest datagram: copies min(len, its size) bytes, returns its full size (so a caller can
 * tell it was cut), or NET_EAGAIN. addr/port may be NULL. */
int net_udp_recv(struct net_udp *u, void *buf, size_t len, net_ip *addr, uint16_t *port);
void net_udp_close(struct net_udp *u);
void net_udp_set_user(struct net_udp *u, void *user);
uint16_t net_udp_local_port(const struct net_udp *u);

/* ---- ICMP echo ---- */
/* Sends an echo request with len payload bytes; returns a token >= 0 or an error. The slot stays
 * busy until net_ping_result reports it or net_ping_cancel frees it. */
int net_ping_send(struct net_stack *st, net_ip addr, size_t len, uint64_t now_us);
/* 1: the reply came, *rtt_us set, slot freed; 0: still waiting; NET_EINVAL: no such token. */
int net_ping_result(struct net_stack *st, int token, uint32_t *rtt_us);
void net_ping_cancel(struct net_stack *st, int token);

/* ---- counters ----
 * Every frame the stack drops is counted under a reason. X(name, description). */
#define NET_STATS(X) \
	X(eth_rx, "frames received") \
	X(eth_tx, "frames sent") \
	X(eth_short, "frames shorter than an Ethernet header") \
	X(eth_not_for_us, "frames for another MAC") \
	X(eth_unknown_type, "frames of an EtherType we do not speak") \
	X(arp_rx, "ARP packets received") \
	X(arp_bad, "ARP packets malformed or not IPv4-over-Ethernet") \
	X(arp_request_tx, "ARP requests sent") \
	X(arp_reply_tx, "ARP replies sent") \
	X(arp_gratuitous_tx, "gratuitous ARPs sent") \
	X(arp_resolved, "addresses resolved") \
	X(arp_unresolved, "frames dropped: no ARP answer") \
	X(arp_queue_full, "frames dropped: too many waiting for one address") \
	X(arp_evicted, "cache entries evicted while in use") \
	X(arp_conflict, "ARP packets claiming our address") \
	X(ip_rx, "IPv4 packets received") \
	X(ip_tx, "IPv4 packets sent") \
	X(ip_bad_header, "IPv4 version/length/header-length wrong") \
	X(ip_bad_csum, "IPv4 header checksum wrong") \
	X(ip_fragment, "IPv4 fragments dropped (no reassembly)") \
	X(ip_not_for_us, "IPv4 packets for another address") \
	X(ip_bad_src, "IPv4 packets from a broadcast/multicast/our address") \
	X(ip_options, "IPv4 packets with options (skipped)") \
	X(ip_unknown_proto, "IPv4 packets of a protocol we do not speak") \
	X(ip_no_route, "packets not sent: no address configured") \
	X(icmp_rx, "ICMP messages received") \
	X(icmp_bad, "ICMP messages short or with a bad checksum") \
	X(icmp_echo_answered, "echo requests answered") \
	X(icmp_echo_reply, "echo replies matched to a ping") \
	X(icmp_unmatched, "echo replies matching no ping") \
	X(icmp_other, "ICMP messages of other types") \
	X(udp_rx, "UDP datagrams received") \
	X(udp_tx, "UDP datagrams sent") \
	X(udp_bad, "UDP datagrams with a lying length") \
	X(udp_bad_csum, "UDP checksum wrong") \
	X(udp_no_socket, "UDP datagrams to a closed port") \
	X(udp_rxq_full, "UDP datagrams dropped: receive queue full") \
	X(dhcp_tx, "DHCP messages sent") \
	X(dhcp_rx, "DHCP messages accepted") \
	X(dhcp_bad, "DHCP messages malformed or not ours") \
	X(dhcp_nak, "DHCP NAKs") \
	X(dhcp_bound, "DHCP leases bound or renewed") \
	X(dhcp_fallback, "static fallbacks after DHCP got no answer") \
	X(tcp_rx, "TCP segments received") \
	X(tcp_tx, "TCP segments sent") \
	X(tcp_short, "TCP segments shorter than a header") \
	X(tcp_bad_csum, "TCP checksum wrong") \
	X(tcp_bad_offset, "TCP data offset outside the segment") \
	X(tcp_bad_options, "TCP options running past the header") \
	X(tcp_no_socket, "TCP segments to no connection (RST sent unless RST)") \
	X(tcp_rst_tx, "RSTs sent") \
	X(tcp_rst_rx, "RSTs accepted") \
	X(tcp_rst_ignored, "RSTs outside the window ignored") \
	X(tcp_challenge_ack, "RFC 5961 challenge ACKs sent") \
	X(tcp_challenge_limited, "challenge ACKs not sent (rate limit)") \
	X(tcp_out_of_window, "segments outside the receive window") \
	X(tcp_bad_ack, "segments acknowledging unsent data") \
	X(tcp_backlog_full, "SYNs dropped: listen backlog full") \
	X(tcp_no_mem, "SYNs/connects refused: no control block or buffer") \
	X(tcp_ooo_queued, "out-of-order segments kept") \
	X(tcp_ooo_dropped, "out-of-order segments dropped: too many ranges") \
	X(tcp_dup_data, "segments entirely already received") \
	X(tcp_retransmit, "segments retransmitted on timeout") \
	X(tcp_fast_retransmit, "fast retransmits (3 duplicate ACKs)") \
	X(tcp_timeout, "connections dropped: retransmissions exhausted") \
	X(tcp_probe, "zero-window probes sent") \
	X(tcp_delayed_ack, "delayed ACKs sent on the timer") \
	X(tcp_data_after_close, "connections reset: data after close") \
	X(tcp_active_open, "connections opened by us") \
	X(tcp_passive_open, "connections accepted from a SYN") \
	X(buf_exhausted, "packets dropped: packet buffer pool empty")

struct net_stats {
#define NET_STATS_FIELD(name, desc) uint64_t name;
	NET_STATS(NET_STATS_FIELD)
#undef NET_STATS_FIELD
};
const struct net_stats *net_stats(const struct net_stack *st);
unsigned net_stats_count(void);
/* The i-th counter (0 <= i < net_stats_count()): its name (the field's), what it counts, and
 * its value. NULL/0 past the end. */
const char *net_stats_name(unsigned i);
const char *net_stats_desc(unsigned i);
uint64_t net_stats_value(const struct net_stats *s, unsigned i);

/* ---- memory and checking ---- */
struct net_mem {
	unsigned pkts_total, pkts_free;		/* packet buffers */
	unsigned blocks_total, blocks_free;	/* TCP buffer blocks */
	unsigned tcbs_used;			/* TCP control blocks in any state */
	unsigned udp_used;
};
void net_mem_usage(const struct net_stack *st, struct net_mem *m);
/* Checks every named invariant (net/net_impl.h); returns NULL or the first one broken. */
const char *net_check(const struct net_stack *st);

#endif
