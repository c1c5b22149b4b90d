/* net_impl.h -- the stack's private state and the calls between its files. Single-threaded
 * (net.h): no field has a lock; the service thread owns the whole struct.
 *
 * Named invariants, checked by net_check() (net/stack.c):
 *  P1 every packet buffer is in exactly one place: the free list, one ARP queue or one UDP queue.
 *  B1 every TCP buffer block is on the free list or owned by exactly one control block.
 *  T1 snd_una <= snd_nxt <= snd_max (mod 2^32), and snd_max <= end of queued data + FIN.
 *  T2 the send ring holds exactly the bytes from sbuf_seq on; sbuf_len <= NET_TCP_SNDBUF.
 *  T3 rbuf_len <= NET_TCP_RCVBUF and the advertised right edge rcv_adv - rcv_nxt never exceeds
 *     the ring's free space, so any acceptable segment fits in the ring.
 *  T4 out-of-order ranges are sorted, disjoint, non-adjacent, strictly after rcv_nxt and inside
 *     the ring's free space.
 *  T5 a listener's accept queue holds only its own ESTABLISHED-or-later children.
 *  A1 a resolved ARP entry has no queue; a free entry has none either. */
#ifndef NET_NET_IMPL_H
#define NET_NET_IMPL_H

#include <string.h>

#include "net.h"

#define NET_STACK_MAGIC	0x4e455453u	/* "NETS" */
#define NET_TCP_MAGIC	0x54435042u	/* "TCPB" */

#define ETH_HLEN	14
#define ETH_P_IP	0x0800
#define ETH_P_ARP	0x0806
#define IP_HLEN		20
#define TCP_HLEN	20
#define UDP_HLEN	8
#define IP_PROTO_ICMP	1
#define IP_PROTO_TCP	6
#define IP_PROTO_UDP	17
#define NET_FRAME_MAX	(ETH_HLEN + NET_MTU)

/* ---- byte order: every header field is read and written bytewise (no unaligned access) ---- */
static inline uint16_t net_rd16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static inline uint32_t net_rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static inline void net_wr16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static inline void net_wr32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24); p[1] = (uint8_t)(v >> 16); p[2] = (uint8_t)(v >> 8); p[3] = (uint8_t)v;
}

/* sequence numbers, modulo 2^32 (RFC 9293 3.4) */
#define SEQ_LT(a, b)	((int32_t)((uint32_t)(a) - (uint32_t)(b)) < 0)
#define SEQ_LEQ(a, b)	((int32_t)((uint32_t)(a) - (uint32_t)(b)) <= 0)
#define SEQ_GT(a, b)	SEQ_LT(b, a)
#define SEQ_GEQ(a, b)	SEQ_LEQ(b, a)

/* ---- packet buffers (buf.c) ---- */
struct net_pkt {
	struct net_pkt *next;
	uint16_t len;			/* bytes in data */
	uint16_t port;			/* UDP: source port */
	net_ip addr;			/* UDP: source address; ARP queue: next hop */
	uint8_t data[NET_PKT_SIZE];
};
struct net_pktq { struct net_pkt *head, *tail; unsigned n; };

/* ---- ARP (arp.c) ---- */
enum { ARP_FREE, ARP_PENDING, ARP_RESOLVED };
struct net_arp_entry {
	uint8_t state;
	uint8_t tries;			/* requests sent while pending */
	net_ip ip;
	uint8_t mac[6];
	uint64_t expires;		/* RESOLVED: end of life; PENDING: next retry */
	uint64_t used;			/* last lookup, for LRU eviction */
	struct net_pktq q;		/* PENDING: frames waiting (their dst MAC unfilled) */
};

/* ---- UDP (udp.c) ---- */
struct net_udp {
	struct net_stack *st;
	bool in_use, changed;
	uint16_t port;
	void *user;
	struct net_pktq rxq;
};

/* ---- ping (icmp.c) ---- */
struct net_ping {
	uint8_t state;			/* 0 free, 1 waiting, 2 replied */
	bool changed;
	net_ip addr;
	uint16_t seq;
	uint64_t sent;
	uint32_t rtt;
};

/* ---- DHCP (dhcp.c) ---- */
enum { DHCP_OFF, DHCP_SELECTING, DHCP_REQUESTING, DHCP_BOUND, DHCP_RENEWING, DHCP_REBINDING };
struct net_dhcp {
	uint8_t state;
	uint8_t tries;
	uint32_t xid;
	net_ip offered, server;
	uint64_t next;			/* next retransmission or T1/T2/expiry, 0 = none */
	uint64_t t1, t2, expiry;
	struct net_ifconfig offer;	/* options of the offer/ack being handled */
};

/* ---- TCP (tcp.c, tcp_in.c, tcp_out.c, tcp_timer.c) ---- */
enum net_tcp_state {
	TCP_CLOSED, TCP_LISTEN, TCP_SYN_SENT, TCP_SYN_RCVD, TCP_ESTABLISHED, TCP_FIN_WAIT_1,
	TCP_FIN_WAIT_2, TCP_CLOSE_WAIT, TCP_CLOSING, TCP_LAST_ACK, TCP_TIME_WAIT,
};
struct net_ooo { uint32_t start, end; };	/* [start, end) in sequence space */

struct net_tcp {
	uint32_t magic;
	struct net_stack *st;
	uint8_t state;
	bool in_use;
	bool app_open;			/* the application holds the pointer */
	bool nodelay;
	bool fin_queued;		/* shutdown(WR)/close: FIN follows the queued data */
	bool rcv_fin;			/* the peer's FIN is consumed (rcv_nxt counts it) */
	bool peer_fin_seen;		/* a FIN arrived out of order, at peer_fin_seq */
	bool rd_shut;			/* shutdown(RD): incoming data is dropped */
	bool active;			/* opened by connect (SYN_RCVD then means simultaneous) */
	bool changed;			/* readiness may have changed: net_events reports it */
	bool ack_now;			/* send an ACK at the end of this input */
	bool in_recovery;		/* NewReno fast recovery (RFC 6582) */
	bool rtt_timing;		/* one segment is being timed (Karn: never a retransmitted one) */
	int err;			/* NET_ECONNRESET etc.: what ended it */
	net_ip lip, rip;
	uint16_t lport, rport;
	void *user;

	/* send side (RFC 9293 3.3.1 names) */
	uint32_t iss, snd_una, snd_nxt, snd_max, snd_wnd, snd_wl1, snd_wl2, max_sndwnd;
	uint32_t cwnd, ssthresh, recover;
	uint16_t mss;			/* what we may send per segment */
	uint8_t dupacks;
	uint8_t retries;		/* consecutive timeouts of the same segment */
	uint8_t *sbuf;			/* ring of NET_TCP_SNDBUF bytes, first byte = sbuf_seq */
	uint32_t sbuf_head, sbuf_len, sbuf_seq;

	/* receive side */
	uint32_t irs, rcv_nxt, rcv_adv;	/* rcv_adv: right edge of the last window sent */
	uint32_t peer_fin_seq;
	uint8_t *rbuf;			/* ring of NET_TCP_RCVBUF bytes: in-order data, then holes */
	uint32_t rbuf_head, rbuf_len;
	struct net_ooo ooo[NET_TCP_OOO_MAX];
	uint8_t nooo;
	uint8_t segs_unacked;		/* in-order segments since our last ACK */

	/* timers: absolute deadlines, 0 = off */
	uint64_t t_rexmt, t_persist, t_delack, t_wait;
	uint64_t rto;			/* current RTO (backed off) */
	int64_t srtt, rttvar;		/* RFC 6298, microseconds; srtt 0: no sample yet */
	uint32_t rtt_seq;
	uint64_t rtt_start;
	uint8_t persist_shift;

	/* listener */
	struct net_tcp *parent;		/* a child not yet accepted: its listener */
	struct net_tcp *acceptq[NET_TCP_BACKLOG_MAX];
	uint8_t backlog, nacceptq, npending;
};

struct net_stack {
	uint32_t magic;
	uint8_t mac[6];
	void (*send_frame)(void *ctx, const void *frame, size_t len);
	void *ctx;
	uint32_t seed;
	uint32_t rng;			/* xorshift state: ephemeral ports, xids */

	struct net_ifconfig cfg;	/* current (source NONE: no address) */
	struct net_ifconfig fallback;	/* static configuration (source NONE: none) */
	bool config_changed;
	struct net_dhcp dhcp;

	struct net_stats stats;

	struct net_pkt *pkts;		/* NET_PKT_BUFS of them */
	struct net_pkt *pkt_free;
	unsigned npkt_free;
	uint8_t *blocks;		/* nblocks * (SNDBUF + RCVBUF) */
	unsigned nblocks;
	uint8_t *block_free;		/* free list threaded through the blocks' first word */
	unsigned nblock_free;

	struct net_arp_entry arp[NET_ARP_ENTRIES];
	struct net_udp udp[NET_UDP_SOCKETS];
	struct net_ping ping[NET_PING_SLOTS];
	uint16_t ping_id, ping_seq;
	struct net_tcp tcp[NET_TCP_MAX];
	uint16_t next_port;
	unsigned challenge_count;	/* challenge ACKs sent in the current second */
	uint64_t challenge_second;

	uint8_t tx[NET_FRAME_MAX];	/* where every outgoing frame is built */
};

/* buf.c */
void net_buf_init(struct net_stack *st, void *mem, size_t nblocks);
struct net_pkt *net_pkt_alloc(struct net_stack *st);
void net_pkt_free(struct net_stack *st, struct net_pkt *p);
void net_pktq_put(struct net_pktq *q, struct net_pkt *p);
struct net_pkt *net_pktq_get(struct net_pktq *q);
void net_pktq_free(struct net_stack *st, struct net_pktq *q);
uint8_t *net_block_alloc(struct net_stack *st);
void net_block_free(struct net_stack *st, uint8_t *b);
uint32_t net_random(struct net_stack *st);

/* checksum.c: the Internet checksum (RFC 1071) */
uint32_t net_csum_add(uint32_t sum, const void *data, size_t len);
uint16_t net_csum_fold(uint32_t sum);
uint16_t net_csum(const void *data, size_t len);
uint32_t net_csum_pseudo(net_ip src, net_ip dst, uint8_t proto, uint16_t len);

/* eth.c: send a frame built in st->tx (payload from ETH_HLEN on) to a MAC */
void net_eth_send(struct net_stack *st, const uint8_t *dst, uint16_t type, size_t payload_len);
void net_eth_send_raw(struct net_stack *st, uint8_t *frame, size_t len);
extern const uint8_t net_eth_broadcast[6];

/* arp.c */
void net_arp_input(struct net_stack *st, const uint8_t *p, size_t len, uint64_t now);
/* Sends st->tx (an IP packet of len bytes at ETH_HLEN) to next hop ip: at once if resolved,
 * else queued behind a request. Returns NET_OK, or an error if dropped. */
int net_arp_output(struct net_stack *st, net_ip ip, size_t len, uint64_t now);
uint64_t net_arp_poll(struct net_stack *st, uint64_t now);
void net_arp_announce(struct net_stack *st);
void net_arp_flush(struct net_stack *st);

/* ip.c */
void net_ip_input(struct net_stack *st, const uint8_t *p, size_t len, uint64_t now);
/* The IP payload goes at st->tx + ETH_HLEN + IP_HLEN; this writes the header and sends. */
int net_ip_output(struct net_stack *st, net_ip src, net_ip dst, uint8_t proto, size_t payload_len,
		  uint64_t now);
static inline uint8_t *net_ip_payload(struct net_stack *st) { return st->tx + ETH_HLEN + IP_HLEN; }
bool net_ip_is_local(const struct net_stack *st, net_ip a);

/* icmp.c, udp.c, dhcp.c */
void net_icmp_input(struct net_stack *st, net_ip src, net_ip dst, const uint8_t *p, size_t len,
		    uint64_t now);
void net_udp_input(struct net_stack *st, net_ip src, net_ip dst, const uint8_t *p, size_t len,
		   uint64_t now);
void net_dhcp_input(struct net_stack *st, const uint8_t *p, size_t len, uint64_t now);
uint64_t net_dhcp_poll(struct net_stack *st, uint64_t now);
void net_apply_config(struct net_stack *st, const struct net_ifconfig *cfg);

/* tcp*.c */
void net_tcp_input(struct net_stack *st, net_ip src, net_ip dst, const uint8_t *p, size_t len,
		   uint64_t now);
uint64_t net_tcp_poll(struct net_stack *st, uint64_t now);
void net_tcp_output(struct net_tcp *c, uint64_t now);
void net_tcp_send_seg(struct net_tcp *c, uint32_t seq, uint32_t len, uint8_t flags, uint64_t now);
void net_tcp_send_ack(struct net_tcp *c, uint64_t now);
void net_tcp_retransmit_first(struct net_tcp *c, uint64_t now);
void net_tcp_send_rst(struct net_stack *st, net_ip src, net_ip dst, uint16_t sport, uint16_t dport,
		  uint32_t seq, uint32_t ack, bool with_ack, uint64_t now);
void net_tcp_challenge_ack(struct net_tcp *c, uint64_t now);
void net_tcp_set_state(struct net_tcp *c, uint8_t state, uint64_t now);
void net_tcp_drop(struct net_tcp *c, int err, uint64_t now);
void net_tcp_maybe_free(struct net_tcp *c);
void net_tcp_rexmt_start(struct net_tcp *c, uint64_t now);
uint32_t net_tcp_rcv_window(const struct net_tcp *c);
bool net_tcp_window_grows(const struct net_tcp *c);
uint32_t net_tcp_iss(struct net_stack *st, const struct net_tcp *c, uint64_t now);
struct net_tcp *net_tcp_alloc(struct net_stack *st, bool need_buffers);
const char *net_tcp_check(const struct net_tcp *c);

#define TCP_FIN	0x01
#define TCP_SYN	0x02
#define TCP_RST	0x04
#define TCP_PSH	0x08
#define TCP_ACK	0x10
#define TCP_URG	0x20

#endif
