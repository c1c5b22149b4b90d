/* test_net_basic.c -- the stack below TCP: the Internet checksum (RFC 1071 vectors, odd lengths,
 * chaining), ARP (gratuitous, replies, queueing with its bound, retries, expiry, eviction),
 * IPv4 validation, ICMP echo both ways, UDP sockets and their queue bound, the DHCP client
 * against scripted server replies (bind, renew, NAK, static fallback), and the counters' names. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "net_fixture.h"

static void test_checksum_vectors(void **state)
{
	static const uint8_t rfc1071[] = { 0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7 };
	static const uint8_t iphdr[] = { 0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
					 0xb8, 0x61, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7 };
	static uint8_t big[65536];
	uint8_t odd[3] = { 0x12, 0x34, 0x56 };

	(void)state;
	assert_int_equal(net_csum_fold(net_csum_add(0, rfc1071, 8)), (uint16_t)~0xddf2);
	assert_int_equal(net_csum(iphdr, sizeof(iphdr)), 0);		/* a header checks to 0 */
	/* odd length: the last byte is padded on the right */
	assert_int_equal(net_csum(odd, 3), (uint16_t)~(0x1234 + 0x5600));
	assert_int_equal(net_csum(odd, 1), (uint16_t)~0x1200);
	assert_int_equal(net_csum(odd, 0), 0xffff);
	/* chaining even chunks equals one pass */
	assert_int_equal(net_csum_fold(net_csum_add(net_csum_add(0, rfc1071, 4), rfc1071 + 4, 4)),
			 net_csum(rfc1071, 8));
	/* no overflow for long runs of 0xff */
	memset(big, 0xff, sizeof(big));
	assert_int_equal(net_csum(big, sizeof(big)), 0);
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)(i * 7 + 3);
	for (size_t n = 1; n < 200; n++) {	/* a checksum in front makes it verify, any length */
		uint8_t b[202];

		memcpy(b + 2, big, n);
		net_wr16(b, net_csum(big, n));
		assert_int_equal(net_csum(b, n + 2), 0);
	}
}

static void test_gratuitous_and_reply(void **state)
{
	struct net_stack *st = fx_stack_n(1);
	uint8_t f[64];
	static const uint8_t zero[6];
	struct fx_pkt p;

	(void)state;
	assert_non_null(st);
	fx_static(st);
	assert_int_equal(fx_nframes, 1);		/* the gratuitous ARP */
	p = fx_parse(0);
	assert_int_equal(p.type, ETH_P_ARP);
	assert_memory_equal(fx_frames[0].b, net_eth_broadcast, 6);
	assert_int_equal(net_rd32(fx_frames[0].b + 14 + 14), FX_IP);
	assert_int_equal(net_rd32(fx_frames[0].b + 14 + 24), FX_IP);
	fx_nframes = 0;
	/* a request for us gets a reply to the asker */
	fx_in(st, f, fx_arp(f, 1, FX_PEER, zero, FX_IP));
	assert_int_equal(fx_nframes, 1);
	assert_memory_equal(fx_frames[0].b, fx_peer_mac, 6);
	assert_int_equal(net_rd16(fx_frames[0].b + 14 + 6), 2);
	assert_memory_equal(fx_frames[0].b + 14 + 8, fx_mac, 6);
	/* a request for someone else: nothing */
	fx_nframes = 0;
	fx_in(st, f, fx_arp(f, 1, FX_PEER, zero, NET_IP(10, 0, 2, 99)));
	assert_int_equal(fx_nframes, 0);
	/* malformed: short, wrong hardware type */
	fx_in(st, f, 14 + 20);
	f[14 + 1] = 6;
	fx_in(st, f, 14 + 28);
	assert_int_equal(fx_stat(st, "arp_bad"), 2);
	/* someone else claiming our address */
	fx_arp(f, 2, FX_IP, fx_mac, FX_IP);
	fx_in(st, f, 14 + 28);
	assert_int_equal(fx_stat(st, "arp_conflict"), 1);
}

static void test_arp_queue_retry_expiry(void **state)
{
	struct net_stack *st = fx_stack_n(1);
	struct net_udp *u;
	uint8_t f[64];
	struct net_mem m;
	int err;
	unsigned requests = 0;

	(void)state;
	fx_static(st);
	fx_nframes = 0;
	u = net_udp_open(st, 5000, &err);
	assert_non_null(u);
	/* six datagrams to an unknown on-link host: one request, four queued, two dropped */
	for (int i = 0; i < 6; i++)
		assert_int_equal(net_udp_send(u, NET_IP(10, 0, 2, 7), 9, "x", 1, fx_now), NET_OK);
	assert_int_equal(fx_nframes, 1);
	assert_int_equal(fx_parse(0).type, ETH_P_ARP);
	assert_int_equal(fx_stat(st, "arp_queue_full"), 6 - NET_ARP_QUEUE);
	net_mem_usage(st, &m);
	assert_int_equal(m.pkts_free, NET_PKT_BUFS - NET_ARP_QUEUE);
	/* retried every second, then given up: the queue is dropped and counted */
	for (int i = 0; i < 10; i++) {
		fx_now += NET_ARP_RETRY_US;
		fx_poll(st);
	}
	for (unsigned i = 0; i < fx_nframes; i++)
		requests += fx_parse(i).type == ETH_P_ARP;
	assert_int_equal(requests, NET_ARP_TRIES);
	assert_int_equal(fx_stat(st, "arp_unresolved"), NET_ARP_QUEUE);
	net_mem_usage(st, &m);
	assert_int_equal(m.pkts_free, NET_PKT_BUFS);

	/* the gateway (off-link destination): queued, then flushed by the reply */
	fx_nframes = 0;
	assert_int_equal(net_udp_send(u, NET_IP(8, 8, 8, 8), 53, "abc", 3, fx_now), NET_OK);
	assert_int_equal(net_udp_send(u, NET_IP(8, 8, 8, 8), 53, "def", 3, fx_now), NET_OK);
	assert_int_equal(fx_nframes, 1);
	assert_int_equal(net_rd32(fx_frames[0].b + 14 + 24), FX_PEER);
	fx_nframes = 0;
	fx_in(st, f, fx_arp(f, 2, FX_PEER, fx_mac, FX_IP));
	assert_int_equal(fx_nframes, 2);
	for (unsigned i = 0; i < 2; i++) {
		struct fx_pkt p = fx_parse(i);

		assert_memory_equal(fx_frames[i].b, fx_peer_mac, 6);
		assert_int_equal(p.dst, NET_IP(8, 8, 8, 8));
		assert_memory_equal(p.data, i ? "def" : "abc", 3);
	}
	/* resolved: the next one goes at once; after the lifetime it is asked again */
	fx_nframes = 0;
	net_udp_send(u, FX_PEER, 53, "g", 1, fx_now);
	assert_int_equal(fx_nframes, 1);
	assert_int_equal(fx_parse(0).type, ETH_P_IP);
	fx_now += NET_ARP_TTL_US + 1;
	fx_poll(st);
	fx_nframes = 0;
	net_udp_send(u, FX_PEER, 53, "h", 1, fx_now);
	assert_int_equal(fx_nframes, 1);
	assert_int_equal(fx_parse(0).type, ETH_P_ARP);
	net_udp_close(u);
	net_mem_usage(st, &m);
	assert_int_equal(m.pkts_free, NET_PKT_BUFS - 1);
}

static void test_arp_eviction(void **state)
{
	struct net_stack *st = fx_stack_n(1);
	struct net_udp *u;
	int err;

	(void)state;
	fx_static(st);
	u = net_udp_open(st, 0, &err);
	assert_non_null(u);
	assert_true(net_udp_local_port(u) >= NET_TCP_EPHEMERAL_LO);
	for (int i = 0; i < NET_ARP_ENTRIES + 3; i++) {
		fx_now += 1000;
		net_udp_send(u, NET_IP(10, 0, 2, 100 + i), 9, "x", 1, fx_now);
	}
	assert_int_equal(fx_stat(st, "arp_evicted"), 3);
	assert_int_equal(fx_stat(st, "arp_unresolved"), 3);
	assert_null(net_check(st));
}

static void test_ip_validation(void **state)
{
	struct net_stack *st = fx_stack_n(1);
	uint8_t f[200], icmp[16] = { 8, 0, 0, 0, 0, 1, 0, 1, 'p', 'i', 'n', 'g' };
	size_t n;

	(void)state;
	fx_static(st);
	fx_learn_peer(st);
	net_wr16(icmp + 2, net_csum(icmp, 12));
#define BUILD() (memcpy(f + 34, icmp, 12), fx_ip(f, FX_PEER, FX_IP, IP_PROTO_ICMP, 12))
	n = BUILD();
	fx_in(st, f, n);
	assert_int_equal(fx_nframes, 1);		/* the good one is answered */
	fx_nframes = 0;
	n = BUILD(); f[14] = 0x65; fx_in(st, f, n);	/* version 6 */
	n = BUILD(); f[14] = 0x44; fx_in(st, f, n);	/* header length 16 */
	n = BUILD(); f[14] = 0x4f; fx_in(st, f, n);	/* header longer than the packet */
	n = BUILD(); net_wr16(f + 16, 200); fx_in(st, f, n);	/* total length lies */
	n = BUILD(); net_wr16(f + 16, 10); fx_in(st, f, n);	/* total < header */
	fx_in(st, f, 14 + 10);					/* truncated header */
	assert_int_equal(fx_stat(st, "ip_bad_header"), 6);
	n = BUILD(); f[22]++; fx_in(st, f, n);		/* TTL changed, checksum not */
	assert_int_equal(fx_stat(st, "ip_bad_csum"), 1);
	n = BUILD(); net_wr16(f + 20, 0x2000); net_wr16(f + 24, 0); net_wr16(f + 24, net_csum(f + 14, 20));
	fx_in(st, f, n);					/* more fragments */
	n = BUILD(); net_wr16(f + 20, 0x0010); net_wr16(f + 24, 0); net_wr16(f + 24, net_csum(f + 14, 20));
	fx_in(st, f, n);					/* offset */
	assert_int_equal(fx_stat(st, "ip_fragment"), 2);
	fx_ip(f, FX_PEER, NET_IP(10, 0, 2, 16), IP_PROTO_ICMP, 12);
	fx_in(st, f, n);
	assert_int_equal(fx_stat(st, "ip_not_for_us"), 1);
	fx_ip(f, NET_IP(224, 0, 0, 1), FX_IP, IP_PROTO_ICMP, 12);
	fx_in(st, f, n);
	assert_int_equal(fx_stat(st, "ip_bad_src"), 1);
	fx_ip(f, FX_PEER, FX_IP, 99, 12);
	fx_in(st, f, n);
	assert_int_equal(fx_stat(st, "ip_unknown_proto"), 1);
	assert_int_equal(fx_nframes, 0);
	/* options are skipped; Ethernet padding past the total length is ignored */
	memset(f, 0, sizeof(f));
	memcpy(f + 38, icmp, 12);
	fx_ip(f, FX_PEER, FX_IP, IP_PROTO_ICMP, 16);
	f[14] = 0x46;
	net_wr16(f + 16, 36);
	f[34] = 1; f[35] = 1; f[36] = 1; f[37] = 0;	/* NOP NOP NOP EOL */
	net_wr16(f + 24, 0);
	net_wr16(f + 24, net_csum(f + 14, 24));
	fx_in(st, f, 14 + 36 + 10);
	assert_int_equal(fx_stat(st, "ip_options"), 1);
	assert_int_equal(fx_nframes, 1);
	assert_int_equal(fx_parse(0).dlen, 12);
	/* frames for other MACs, of other types, too short */
	fx_in(st, f, 10);
	f[0] = 0x33;
	fx_in(st, f, 60);
	memcpy(f, fx_mac, 6);
	net_wr16(f + 12, 0x86dd);
	fx_in(st, f, 60);
	assert_int_equal(fx_stat(st, "eth_short"), 1);
	assert_int_equal(fx_stat(st, "eth_not_for_us"), 1);
	assert_int_equal(fx_stat(st, "eth_unknown_type"), 1);
#undef BUILD
}

static void test_icmp_echo(void **state)
{
	struct net_stack *st = fx_stack_n(1);
	uint8_t f[1600], req[1008];
	struct fx_pkt p;
	uint32_t rtt = 0;
	struct net_event ev[4];
	int tok;

	(void)state;
	fx_static(st);
	fx_learn_peer(st);
	/* answering: same id, seq and data, type 0, a checksum that verifies */
	memset(req, 0, sizeof(req));
	req[0] = 8;
	net_wr16(req + 4, 0x1234);
	net_wr16(req + 6, 7);
	for (int i = 8; i < 1001; i++)
		req[i] = (uint8_t)(i * 13);
	net_wr16(req + 2, net_csum(req, 1001));		/* odd length */
	memcpy(f + 34, req, 1001);
	fx_in(st, f, fx_ip(f, FX_PEER, FX_IP, IP_PROTO_ICMP, 1001));
	assert_int_equal(fx_nframes, 1);
	p = fx_parse(0);
	assert_int_equal(p.proto, IP_PROTO_ICMP);
	assert_int_equal(p.dst, FX_PEER);
	assert_int_equal(p.dlen, 1001);
	assert_int_equal(p.data[0], 0);
	assert_int_equal(net_csum(p.data, p.dlen), 0);
	assert_memory_equal(p.data + 4, req + 4, 1001 - 4);
	/* a bad checksum is not answered */
	fx_nframes = 0;
	f[40] ^= 1;
	fx_in(st, f, 14 + 20 + 1001);
	assert_int_equal(fx_nframes, 0);
	assert_int_equal(fx_stat(st, "icmp_bad"), 1);

	/* pinging: the reply gives the round trip time */
	tok = net_ping_send(st, FX_PEER, 56, fx_now);
	assert_true(tok >= 0);
	assert_int_equal(fx_nframes, 1);
	p = fx_parse(0);
	assert_int_equal(p.data[0], 8);
	assert_int_equal(net_ping_result(st, tok, &rtt), 0);
	memcpy(f + 34, p.data, p.dlen);
	f[34] = 0;
	net_wr16(f + 36, 0);
	net_wr16(f + 36, net_csum(f + 34, p.dlen));
	fx_now += 1234;
	fx_in(st, f, fx_ip(f, FX_PEER, FX_IP, IP_PROTO_ICMP, p.dlen));
	assert_int_equal(net_events(st, ev, 4), 2);	/* config change, then the ping */
	assert_int_equal(ev[1].kind, NET_SOCK_PING);
	assert_int_equal(ev[1].token, tok);
	assert_int_equal(net_ping_result(st, tok, &rtt), 1);
	assert_int_equal(rtt, 1234);
	assert_int_equal(net_ping_result(st, tok, &rtt), NET_EINVAL);
	/* a duplicate reply matches nothing */
	fx_in(st, f, 14 + 20 + p.dlen);
	assert_int_equal(fx_stat(st, "icmp_unmatched"), 1);
	/* slots run out */
	for (int i = 0; i < NET_PING_SLOTS; i++)
		assert_true(net_ping_send(st, FX_PEER, 8, fx_now) >= 0);
	assert_int_equal(net_ping_send(st, FX_PEER, 8, fx_now), NET_EBUSY);
	net_ping_cancel(st, 3);
	assert_int_equal(net_ping_send(st, FX_PEER, 8, fx_now), 3);
}

static void test_udp(void **state)
{
	struct net_stack *st = fx_stack_n(1);
	uint8_t f[1600], buf[2000];
	struct net_udp *u, *u2;
	struct net_event ev[4];
	net_ip a;
	uint16_t port;
	int err;
	size_t n;

	(void)state;
	fx_static(st);
	fx_learn_peer(st);
	net_events(st, ev, 4);
	u = net_udp_open(st, 7777, &err);
	assert_non_null(u);
	net_udp_set_user(u, buf);
	assert_null(net_udp_open(st, 7777, &err));
	assert_int_equal(err, NET_EADDRINUSE);
	assert_int_equal(net_udp_recv(u, buf, sizeof(buf), NULL, NULL), NET_EAGAIN);
	fx_in(st, f, fx_udp(f, FX_PEER, 4000, 7777, "hello", 5));
	assert_int_equal(net_events(st, ev, 4), 1);
	assert_ptr_equal(ev[0].user, buf);
	assert_true(ev[0].events & NET_EV_READ);
	assert_int_equal(net_udp_recv(u, buf, 3, &a, &port), 5);	/* cut: the full size */
	assert_memory_equal(buf, "hel", 3);
	assert_int_equal(a, FX_PEER);
	assert_int_equal(port, 4000);
	/* bound: NET_UDP_RXQ datagrams, then drops */
	for (int i = 0; i < NET_UDP_RXQ + 5; i++)
		fx_in(st, f, fx_udp(f, FX_PEER, 4000, 7777, &i, sizeof(i)));
	assert_int_equal(fx_stat(st, "udp_rxq_full"), 5);
	for (int i = 0; i < NET_UDP_RXQ; i++) {
		int v;

		assert_int_equal(net_udp_recv(u, &v, sizeof(v), NULL, NULL), 4);
		assert_int_equal(v, i);
	}
	/* malformed */
	n = fx_udp(f, FX_PEER, 4000, 7777, "x", 1);
	f[34 + 6] ^= 0x55;
	fx_in(st, f, n);
	assert_int_equal(fx_stat(st, "udp_bad_csum"), 1);
	n = fx_udp(f, FX_PEER, 4000, 7777, "x", 1);
	net_wr16(f + 34 + 4, 50);	/* longer than the packet */
	fx_in(st, f, n);
	n = fx_udp(f, FX_PEER, 4000, 7777, "x", 1);
	net_wr16(f + 34 + 4, 4);	/* shorter than a header */
	fx_in(st, f, n);
	assert_int_equal(fx_stat(st, "udp_bad"), 2);
	n = fx_udp(f, FX_PEER, 4000, 7777, "zz", 2);
	net_wr16(f + 34 + 6, 0);	/* no checksum: accepted */
	fx_in(st, f, n);
	assert_int_equal(net_udp_recv(u, buf, sizeof(buf), NULL, NULL), 2);
	fx_in(st, f, fx_udp(f, FX_PEER, 4000, 7778, "x", 1));
	assert_int_equal(fx_stat(st, "udp_no_socket"), 1);
	/* sending: a checksum that verifies, size limit */
	fx_nframes = 0;
	assert_int_equal(net_udp_send(u, FX_PEER, 4000, "reply", 5, fx_now), NET_OK);
	assert_int_equal(fx_nframes, 1);
	{
		struct fx_pkt p = fx_parse(0);
		assert_int_equal(p.sport, 7777);
		assert_int_equal(p.dport, 4000);
		assert_memory_equal(p.data, "reply", 5);
		assert_int_equal(net_csum_fold(net_csum_add(net_csum_pseudo(FX_IP, FX_PEER, 17, 13), p.l4, 13)), 0);
	}
	assert_int_equal(net_udp_send(u, FX_PEER, 4000, buf, 1473, fx_now), NET_EMSGSIZE);
	assert_int_equal(net_udp_send(u, FX_PEER, 4000, buf, 1472, fx_now), NET_OK);
	/* closing frees the queue */
	fx_in(st, f, fx_udp(f, FX_PEER, 4000, 7777, "x", 1));
	net_udp_close(u);
	u2 = net_udp_open(st, 7777, &err);
	assert_non_null(u2);
	assert_int_equal(net_udp_recv(u2, buf, sizeof(buf), NULL, NULL), NET_EAGAIN);
	assert_null(net_check(st));
}

/* ---- DHCP against a scripted server ---- */
static uint32_t dhcp_xid(unsigned i, uint8_t *type)
{
	struct fx_pkt p = fx_parse(i);
	const uint8_t *b = p.data, *o = b + 240;

	assert_int_equal(p.proto, IP_PROTO_UDP);
	assert_int_equal(p.sport, 68);
	assert_int_equal(p.dport, 67);
	assert_int_equal(p.dst, 0xffffffffu);
	assert_memory_equal(fx_frames[i].b, net_eth_broadcast, 6);
	assert_int_equal(net_rd32(b + 236), 0x63825363u);
	*type = 0;
	while (o < b + p.dlen && *o != 255) {
		if (o[0] == 53)
			*type = o[2];
		o += o[0] ? 2 + o[1] : 1;
	}
	return net_rd32(b + 4);
}

static size_t dhcp_reply(uint8_t *f, uint32_t xid, uint8_t type, net_ip yiaddr, uint32_t lease)
{
	uint8_t b[300] = { 0 }, *o = b + 240;

	b[0] = 2; b[1] = 1; b[2] = 6;
	net_wr32(b + 4, xid);
	net_wr32(b + 16, yiaddr);
	memcpy(b + 28, fx_mac, 6);
	net_wr32(b + 236, 0x63825363u);
	*o++ = 53; *o++ = 1; *o++ = type;
	*o++ = 54; *o++ = 4; net_wr32(o, FX_PEER); o += 4;
	*o++ = 1; *o++ = 4; net_wr32(o, NET_IP(255, 255, 255, 0)); o += 4;
	*o++ = 3; *o++ = 4; net_wr32(o, FX_PEER); o += 4;
	*o++ = 6; *o++ = 4; net_wr32(o, FX_DNS); o += 4;
	*o++ = 51; *o++ = 4; net_wr32(o, lease); o += 4;
	*o++ = 255;
	return fx_udp(f, FX_PEER, 67, 68, b, sizeof(b));
}

static void test_dhcp(void **state)
{
	struct net_stack *st = fx_stack_n(1);
	struct net_ifconfig c;
	struct net_event ev[4];
	uint8_t f[600], type;
	uint32_t xid;
	size_t n;

	(void)state;
	net_dhcp_start(st, fx_now);
	assert_int_equal(fx_nframes, 1);
	xid = dhcp_xid(0, &type);
	assert_int_equal(type, 1);			/* DISCOVER */
	/* a reply with another xid is not ours */
	fx_nframes = 0;
	fx_in(st, f, dhcp_reply(f, xid + 1, 2, FX_IP, 86400));
	assert_int_equal(fx_nframes, 0);
	assert_int_equal(fx_stat(st, "dhcp_bad"), 1);
	/* an OFFER whose options run past the packet is malformed */
	n = dhcp_reply(f, xid, 2, FX_IP, 86400);
	f[34 + 8 + 240 + 3 + 1] = 200;
	net_wr16(f + 34 + 6, 0);
	fx_in(st, f, n);
	assert_int_equal(fx_nframes, 0);
	fx_in(st, f, dhcp_reply(f, xid, 2, FX_IP, 86400));	/* OFFER */
	assert_int_equal(fx_nframes, 1);
	assert_int_equal(dhcp_xid(0, &type), xid);
	assert_int_equal(type, 3);			/* REQUEST */
	net_get_config(st, &c);
	assert_int_equal(c.source, NET_CFG_NONE);
	fx_nframes = 0;
	fx_in(st, f, dhcp_reply(f, xid, 5, FX_IP, 86400));	/* ACK */
	net_get_config(st, &c);
	assert_int_equal(c.source, NET_CFG_DHCP);
	assert_int_equal(c.addr, FX_IP);
	assert_int_equal(c.gateway, FX_PEER);
	assert_int_equal(c.dns, FX_DNS);
	assert_int_equal(c.mask, NET_IP(255, 255, 255, 0));
	assert_int_equal(c.lease_s, 86400);
	assert_int_equal(fx_nframes, 1);		/* the gratuitous ARP */
	assert_int_equal(fx_parse(0).type, ETH_P_ARP);
	assert_int_equal(net_events(st, ev, 4), 1);
	assert_int_equal(ev[0].kind, NET_SOCK_CONFIG);
	/* renewal at T1 */
	fx_nframes = 0;
	assert_true(fx_poll(st) == fx_now + 43200 * SEC);
	fx_now += 43200 * SEC;
	fx_poll(st);
	assert_int_equal(fx_nframes, 1);
	xid = dhcp_xid(0, &type);
	assert_int_equal(type, 3);
	assert_int_equal(net_rd32(fx_parse(0).data + 12), FX_IP);	/* ciaddr */
	fx_in(st, f, dhcp_reply(f, xid, 5, FX_IP, 86400));
	assert_int_equal(fx_stat(st, "dhcp_bound"), 2);
	assert_int_equal(net_events(st, ev, 4), 0);	/* same config: no event */
	/* a NAK on renewal drops the address and starts over */
	fx_now += 43200 * SEC;
	fx_nframes = 0;
	fx_poll(st);
	xid = dhcp_xid(0, &type);
	fx_in(st, f, dhcp_reply(f, xid, 6, 0, 0));
	net_get_config(st, &c);
	assert_int_equal(c.source, NET_CFG_NONE);
	assert_int_equal(fx_stat(st, "dhcp_nak"), 1);
	dhcp_xid(fx_nframes - 1, &type);
	assert_int_equal(type, 1);
}

static void test_dhcp_fallback(void **state)
{
	struct net_stack *st = fx_stack_n(1);
	struct net_ifconfig c = { .addr = NET_IP(10, 0, 2, 20), .mask = NET_IP(255, 255, 255, 0),
				  .gateway = FX_PEER, .dns = FX_DNS };
	uint8_t type;
	unsigned discovers = 0;

	(void)state;
	net_set_static(st, &c, false, fx_now);
	net_get_config(st, &c);
	assert_int_equal(c.source, NET_CFG_NONE);
	net_dhcp_start(st, fx_now);
	for (int i = 0; i < 40; i++) {
		uint64_t next = fx_poll(st);

		if (next == NET_NEVER)
			break;
		fx_now = next;
	}
	for (unsigned i = 0; i < fx_nframes; i++)
		if (fx_parse(i).type == ETH_P_IP) {
			dhcp_xid(i, &type);
			discovers += type == 1;
		}
	assert_int_equal(discovers, NET_DHCP_TRIES);
	net_get_config(st, &c);
	assert_int_equal(c.source, NET_CFG_STATIC);
	assert_int_equal(c.addr, NET_IP(10, 0, 2, 20));
	assert_int_equal(fx_stat(st, "dhcp_fallback"), 1);
}

static void test_stats_names(void **state)
{
	struct net_stack *st = fx_stack_n(1);
	unsigned n = net_stats_count();

	(void)state;
	assert_int_equal(n, sizeof(struct net_stats) / sizeof(uint64_t));
	for (unsigned i = 0; i < n; i++) {
		assert_non_null(net_stats_name(i));
		assert_non_null(net_stats_desc(i));
		for (unsigned j = 0; j < i; j++)
			assert_string_not_equal(net_stats_name(i), net_stats_name(j));
	}
	assert_null(net_stats_name(n));
	net_input(st, "x", 1, fx_now);
	assert_int_equal(fx_stat(st, "eth_rx"), 1);
	assert_int_equal(fx_stat(st, "eth_short"), 1);
	assert_string_equal(net_strerror(NET_ECONNRESET), "connection reset by peer");
	/* a region too small */
	{
		struct net_init in = { .mem = fx_mem, .mem_len = net_mem_size(1) - 1, .send_frame = fx_send };
		assert_null(net_stack_init(&in));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_checksum_vectors),
		cmocka_unit_test(test_gratuitous_and_reply),
		cmocka_unit_test(test_arp_queue_retry_expiry),
		cmocka_unit_test(test_arp_eviction),
		cmocka_unit_test(test_ip_validation),
		cmocka_unit_test(test_icmp_echo),
		cmocka_unit_test(test_udp),
		cmocka_unit_test(test_dhcp),
		cmocka_unit_test(test_dhcp_fallback),
		cmocka_unit_test(test_stats_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
