/* net_param.h -- every limit and tunable of the portable TCP/IP stack (net/), in one place.
 * Nothing in net/ allocates outside the region given to net_stack_init(): each pool below is
 * carved from it once, and what the stack does when a pool or a per-socket bound is full is
 * written next to the limit (and counted in struct net_stats). */
#ifndef NET_NET_PARAM_H
#define NET_NET_PARAM_H

/* ---- packet buffers (net/buf.c) ----
 * Fixed-size buffers, each holding one Ethernet frame (no FCS, no VLAN tag). They hold frames
 * waiting for ARP and datagrams waiting in UDP receive queues; nothing else keeps one across
 * calls. Pool empty: the frame or datagram that needed one is dropped (stats.buf_exhausted). */
#define NET_PKT_SIZE		1536
#define NET_PKT_BUFS		64

/* ---- Ethernet / IPv4 ---- */
#define NET_MTU			1500	/* IP packet size we send and the largest we accept */
#define NET_IP_TTL		64	/* TTL of every packet we send */

/* ---- ARP (net/arp.c) ----
 * Cache full: the least recently used entry is evicted (stats.arp_evicted), its queued frames
 * dropped. Per-entry queue full: the new frame is dropped (stats.arp_queue_full). */
#define NET_ARP_ENTRIES		16
#define NET_ARP_QUEUE		4		/* frames queued per unresolved address */
#define NET_ARP_TTL_US		(60ull * 1000000)	/* a resolved entry's lifetime */
#define NET_ARP_RETRY_US	(1000000ull)		/* between requests for one address */
#define NET_ARP_TRIES		4		/* requests before giving up (queue dropped) */

/* ---- ICMP echo (net/icmp.c) ----
 * All slots busy: net_ping_send fails with NET_EBUSY. */
#define NET_PING_SLOTS		16
#define NET_PING_MAX_DATA	1024		/* payload bytes of an echo request we send */

/* ---- UDP (net/udp.c) ----
 * No free socket: net_udp_open fails with NET_ENOMEM. Receive queue full: the datagram is
 * dropped (stats.udp_rxq_full). */
#define NET_UDP_SOCKETS		16
#define NET_UDP_RXQ		16		/* datagrams queued per socket */

/* ---- DHCP client (net/dhcp.c) ---- */
#define NET_DHCP_TRIES		4		/* DISCOVER/REQUEST sends before the static fallback */
#define NET_DHCP_RETRY_US	(1000000ull)	/* first retry; doubles each time */

/* ---- TCP (net/tcp*.c) ----
 * Control blocks: NET_TCP_MAX, fixed in the stack. Every connection that can carry data also
 * owns one buffer block (send ring + receive ring) from a pool sized by the region; a listener
 * owns none. No block or no control block (after reusing the oldest orphaned TIME_WAIT one):
 * a SYN is dropped (stats.tcp_no_mem), net_tcp_connect fails with NET_ENOMEM.
 * Send ring full: net_tcp_send takes what fits (NET_EAGAIN when nothing does).
 * Receive ring full: the window is zero; the peer probes. Out-of-order ranges beyond
 * NET_TCP_OOO_MAX: the segment is dropped (stats.tcp_ooo_dropped); the peer retransmits. */
#define NET_TCP_MAX		64
#define NET_TCP_SNDBUF		32768	/* per connection; must be a power of two */
#define NET_TCP_RCVBUF		32768	/* per connection, <= 65535 (no window scaling) */
#define NET_TCP_OOO_MAX		8	/* disjoint out-of-order ranges kept per connection */
#define NET_TCP_BACKLOG_MAX	16	/* largest backlog a listener may ask for */
#define NET_TCP_MSS		(NET_MTU - 40)	/* the MSS we announce */
#define NET_TCP_MSS_DEFAULT	536	/* the peer's MSS when it sends none (RFC 9293 3.7.1) */
#define NET_TCP_RTO_INIT_US	(1000000ull)	/* RFC 6298 2.1 */
#define NET_TCP_RTO_MIN_US	(200000ull)	/* below RFC 6298's 1 s, as Linux: see docs */
#define NET_TCP_RTO_MAX_US	(60000000ull)
#define NET_TCP_RETRIES		10	/* retransmissions of one segment before ETIMEDOUT */
#define NET_TCP_SYN_RETRIES	5	/* of a SYN or SYN-ACK */
#define NET_TCP_DELACK_US	(40000ull)	/* delayed ACK (RFC 9293 says < 0.5 s) */
#define NET_TCP_MSL_US		(30000000ull)	/* TIME_WAIT lasts 2 MSL */
#define NET_TCP_FIN_WAIT2_US	(60000000ull)	/* an orphaned FIN_WAIT_2 is dropped after */
#define NET_TCP_PERSIST_MAX_US	(60000000ull)	/* zero-window probe interval cap */
#define NET_TCP_CHALLENGE_MAX	10	/* RFC 5961 challenge ACKs per second, whole stack */
#define NET_TCP_EPHEMERAL_LO	49152
#define NET_TCP_EPHEMERAL_HI	65535

#endif
