/* net_fixture.h -- shared by the net/ host tests: a stack on a static region with its frames
 * captured, a fake clock, builders for the frames a peer sends, and a parser for what the stack
 * sent. The peer is 10.0.2.2 (the gateway) with MAC 52:55:0a:00:02:02; the stack is 10.0.2.15. */
#ifndef TESTS_HOST_NET_FIXTURE_H
#define TESTS_HOST_NET_FIXTURE_H

#include <net/net.h>
#include <net/net_impl.h>

#define FX_MAXF		512
#define US		1ull
#define MS		1000ull
#define SEC		1000000ull

static const uint8_t fx_mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
static const uint8_t fx_peer_mac[6] = { 0x52, 0x55, 0x0a, 0x00, 0x02, 0x02 };
#define FX_IP		NET_IP(10, 0, 2, 15)
#define FX_PEER		NET_IP(10, 0, 2, 2)
#define FX_DNS		NET_IP(10, 0, 2, 3)

struct fx_frame { size_t len; uint8_t b[NET_PKT_SIZE]; };
static struct fx_frame fx_frames[FX_MAXF];
static unsigned fx_nframes, fx_dropped_frames;
static uint64_t fx_now;
static _Alignas(16) uint8_t fx_mem[8 << 20];

static inline void fx_send(void *ctx, const void *frame, size_t len)
{
	(void)ctx;
	assert_true(len >= 60 && len <= NET_FRAME_MAX);
	if (fx_nframes == FX_MAXF) {
		fx_dropped_frames++;
		return;
	}
	fx_frames[fx_nframes].len = len;
	memcpy(fx_frames[fx_nframes].b, frame, len);
	fx_nframes++;
}

static inline struct net_stack *fx_stack_n(unsigned blocks)
{
	struct net_init in = { .mem = fx_mem, .mem_len = net_mem_size(blocks), .send_frame = fx_send,
			       .seed = 12345, .now_us = fx_now };

	memcpy(in.mac, fx_mac, 6);
	assert_true(in.mem_len <= sizeof(fx_mem));
	fx_nframes = 0;
	fx_now = 1000 * SEC;
	return net_stack_init(&in);
}

static inline void fx_static(struct net_stack *st)
{
	struct net_ifconfig c = { .addr = FX_IP, .mask = NET_IP(255, 255, 255, 0),
				  .gateway = FX_PEER, .dns = FX_DNS };

	net_set_static(st, &c, true, fx_now);
}

/* ---- building frames from the peer ---- */
static inline size_t fx_eth(uint8_t *f, const uint8_t *dst, uint16_t type)
{
	memcpy(f, dst, 6);
	memcpy(f + 6, fx_peer_mac, 6);
	net_wr16(f + 12, type);
	return ETH_HLEN;
}

/* an IPv4 packet around payload (already at f + 34), from src to dst */
static inline size_t fx_ip(uint8_t *f, net_ip src, net_ip dst, uint8_t proto, size_t plen)
{
	uint8_t *h = f + ETH_HLEN;

	fx_eth(f, fx_mac, ETH_P_IP);
	h[0] = 0x45;
	h[1] = 0;
	net_wr16(h + 2, (uint16_t)(IP_HLEN + plen));
	net_wr16(h + 4, 1);
	net_wr16(h + 6, 0);
	h[8] = 64;
	h[9] = proto;
	net_wr16(h + 10, 0);
	net_wr32(h + 12, src);
	net_wr32(h + 16, dst);
	net_wr16(h + 10, net_csum(h, IP_HLEN));
	return ETH_HLEN + IP_HLEN + plen;
}

static inline size_t fx_tcp_from(uint8_t *f, net_ip src, uint16_t sport, uint16_t dport, uint32_t seq,
			  uint32_t ack, uint8_t flags, uint16_t wnd, const uint8_t *opt, size_t optlen,
			  const void *data, size_t dlen)
{
	uint8_t *t = f + ETH_HLEN + IP_HLEN;
	size_t hlen = TCP_HLEN + ((optlen + 3) & ~(size_t)3);

	memset(t, 0, hlen);
	net_wr16(t, sport);
	net_wr16(t + 2, dport);
	net_wr32(t + 4, seq);
	net_wr32(t + 8, ack);
	t[12] = (uint8_t)((hlen / 4) << 4);
	t[13] = flags;
	net_wr16(t + 14, wnd);
	if (optlen)
		memcpy(t + TCP_HLEN, opt, optlen);
	if (dlen)
		memcpy(t + hlen, data, dlen);
	net_wr16(t + 16, net_csum_fold(net_csum_add(net_csum_pseudo(src, FX_IP, IP_PROTO_TCP,
								    (uint16_t)(hlen + dlen)),
						    t, hlen + dlen)));
	return fx_ip(f, src, FX_IP, IP_PROTO_TCP, hlen + dlen);
}

static inline size_t fx_tcp(uint8_t *f, uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack,
		     uint8_t flags, uint16_t wnd, const void *data, size_t dlen)
{
	static const uint8_t mss[4] = { 2, 4, 0x05, 0xb4 };	/* 1460 */

	return fx_tcp_from(f, FX_PEER, sport, dport, seq, ack, flags, wnd,
			   (flags & TCP_SYN) ? mss : NULL, (flags & TCP_SYN) ? 4 : 0, data, dlen);
}

static inline size_t fx_udp(uint8_t *f, net_ip src, uint16_t sport, uint16_t dport, const void *data,
		     size_t dlen)
{
	uint8_t *u = f + ETH_HLEN + IP_HLEN;

	net_wr16(u, sport);
	net_wr16(u + 2, dport);
	net_wr16(u + 4, (uint16_t)(UDP_HLEN + dlen));
	net_wr16(u + 6, 0);
	memcpy(u + UDP_HLEN, data, dlen);
	net_wr16(u + 6, net_csum_fold(net_csum_add(net_csum_pseudo(src, FX_IP, IP_PROTO_UDP,
								   (uint16_t)(UDP_HLEN + dlen)),
						   u, UDP_HLEN + dlen)));
	return fx_ip(f, src, FX_IP, IP_PROTO_UDP, UDP_HLEN + dlen);
}

static inline size_t fx_arp(uint8_t *f, uint16_t op, net_ip spa, const uint8_t *tha, net_ip tpa)
{
	uint8_t *a = f + ETH_HLEN;

	fx_eth(f, op == 1 ? net_eth_broadcast : fx_mac, ETH_P_ARP);
	net_wr16(a, 1);
	net_wr16(a + 2, ETH_P_IP);
	a[4] = 6;
	a[5] = 4;
	net_wr16(a + 6, op);
	memcpy(a + 8, fx_peer_mac, 6);
	net_wr32(a + 14, spa);
	memcpy(a + 18, tha, 6);
	net_wr32(a + 24, tpa);
	return ETH_HLEN + 28;
}

static inline void fx_in(struct net_stack *st, const uint8_t *f, size_t len)
{
	net_input(st, f, len, fx_now);
	assert_null(net_check(st));
}

/* The peer announces itself, so the stack knows its MAC; drop whatever the stack sent. */
static inline void fx_learn_peer(struct net_stack *st)
{
	uint8_t f[64];
	static const uint8_t zero[6];

	fx_in(st, f, fx_arp(f, 1, FX_PEER, zero, FX_IP));
	fx_nframes = 0;
}

static inline uint64_t fx_poll(struct net_stack *st)
{
	uint64_t n = net_poll(st, fx_now);

	assert_null(net_check(st));
	return n;
}

/* ---- reading what the stack sent ---- */
struct fx_pkt {
	uint16_t type;
	const uint8_t *dst_mac;
	net_ip src, dst;
	uint8_t proto;
	uint16_t sport, dport, wnd, mss;
	uint32_t seq, ack;
	uint8_t flags;
	const uint8_t *data, *l4;
	size_t dlen;
};

static inline struct fx_pkt fx_parse(unsigned i)
{
	struct fx_pkt p = { 0 };
	const uint8_t *f = fx_frames[i].b, *h = f + ETH_HLEN, *t;
	size_t tlen;

	assert_true(i < fx_nframes);
	p.dst_mac = f;
	p.type = net_rd16(f + 12);
	if (p.type != ETH_P_IP)
		return p;
	assert_int_equal(net_csum(h, IP_HLEN), 0);
	tlen = net_rd16(h + 2);
	p.src = net_rd32(h + 12);
	p.dst = net_rd32(h + 16);
	p.proto = h[9];
	t = p.l4 = h + IP_HLEN;
	if (p.proto == IP_PROTO_TCP) {
		size_t doff = (size_t)(t[12] >> 4) * 4;

		assert_int_equal(net_csum_fold(net_csum_add(net_csum_pseudo(p.src, p.dst, IP_PROTO_TCP,
			(uint16_t)(tlen - IP_HLEN)), t, tlen - IP_HLEN)), 0);
		p.sport = net_rd16(t);
		p.dport = net_rd16(t + 2);
		p.seq = net_rd32(t + 4);
		p.ack = net_rd32(t + 8);
		p.flags = t[13];
		p.wnd = net_rd16(t + 14);
		if (doff >= 24 && t[20] == 2)
			p.mss = net_rd16(t + 22);
		p.data = t + doff;
		p.dlen = tlen - IP_HLEN - doff;
	} else if (p.proto == IP_PROTO_UDP) {
		p.sport = net_rd16(t);
		p.dport = net_rd16(t + 2);
		p.data = t + UDP_HLEN;
		p.dlen = net_rd16(t + 4) - UDP_HLEN;
	} else {
		p.data = t;
		p.dlen = tlen - IP_HLEN;
	}
	return p;
}

static inline uint64_t fx_stat(struct net_stack *st, const char *name)
{
	for (unsigned i = 0; i < net_stats_count(); i++)
		if (strcmp(net_stats_name(i), name) == 0)
			return net_stats_value(net_stats(st), i);
	fail_msg("no counter %s", name);
	return 0;
}

#endif
