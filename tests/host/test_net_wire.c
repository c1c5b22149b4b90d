/* test_net_wire.c -- two stacks back to back through a fake wire that drops, duplicates and
 * reorders frames (seeded: NET_SEED=n replays; NET_LOSS=n sets the loss in hundredths of a
 * percent: 2000 still passes, at 3000 connections time out as they should), moving megabytes
 * over TCP and checking every byte lands at its place; then a malformed-frame fuzz (random bytes, truncation, lying lengths,
 * bad checksums, TCP options past the header, SYN floods) that must never crash under
 * ASan/UBSan, must keep every invariant, must count its drops, and must leave the stack
 * answering with its memory back where it was. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "net_fixture.h"

static uint64_t seed = 1;
static uint64_t rng;

static uint32_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 11);
}

static unsigned pct(void) { return rnd() % 10000; }	/* in hundredths of a percent */

/* ---- the wire ---- */
#define WIRE_MAX	4096
struct wframe { int to; uint64_t at, order; size_t len; uint8_t b[NET_FRAME_MAX]; };
static uint64_t worder;	/* ties in arrival time keep the sending order */
static struct wframe *wire;
static unsigned nwire;
static struct {
	unsigned drop, dup, reorder;	/* hundredths of a percent */
	uint64_t latency;
	unsigned long sent, dropped, duplicated, reordered, overflow;
} W;
static uint64_t now;
static struct net_stack *S[2];
static _Alignas(16) uint8_t mem[2][4 << 20];
static const uint8_t macs[2][6] = { { 2, 0, 0, 0, 0, 1 }, { 2, 0, 0, 0, 0, 2 } };
#define IP_A	NET_IP(10, 1, 0, 1)
#define IP_B	NET_IP(10, 1, 0, 2)

static void wire_put(int to, const void *f, size_t len, uint64_t at)
{
	if (nwire == WIRE_MAX) {
		W.overflow++;
		return;
	}
	wire[nwire].to = to;
	wire[nwire].at = at;
	wire[nwire].order = worder++;
	wire[nwire].len = len;
	memcpy(wire[nwire].b, f, len);
	nwire++;
}

static void wire_send(void *ctx, const void *f, size_t len)
{
	int to = 1 - (int)(intptr_t)ctx;
	uint64_t at = now + W.latency;

	assert_true(len >= 60 && len <= NET_FRAME_MAX);
	W.sent++;
	if (pct() < W.drop) {
		W.dropped++;
		return;
	}
	if (pct() < W.reorder) {		/* held back: later frames overtake it */
		W.reordered++;
		at += W.latency * (2 + rnd() % 8);
	}
	wire_put(to, f, len, at);
	if (pct() < W.dup) {
		W.duplicated++;
		wire_put(to, f, len, at + rnd() % (W.latency + 1));
	}
}

static void make_stacks(unsigned drop, unsigned dup, unsigned reorder)
{
	for (int i = 0; i < 2; i++) {
		struct net_init in = { .mem = mem[i], .mem_len = sizeof(mem[i]), .send_frame = wire_send,
				       .ctx = (void *)(intptr_t)i, .seed = (uint32_t)seed + (uint32_t)i };
		struct net_ifconfig c = { .addr = i ? IP_B : IP_A, .mask = NET_IP(255, 255, 0, 0) };

		memcpy(in.mac, macs[i], 6);
		S[i] = net_stack_init(&in);
		assert_non_null(S[i]);
		net_set_static(S[i], &c, true, now);
	}
	memset(&W, 0, sizeof(W));
	if (getenv("NET_LOSS") && drop)		/* hundredths of a percent, for harsher runs */
		drop = (unsigned)atoi(getenv("NET_LOSS"));
	W.drop = drop;
	W.dup = dup;
	W.reorder = reorder;
	W.latency = 500;
	nwire = 0;
}

/* Delivers every frame due by now, earliest first; returns false if none was. */
static bool wire_deliver(void)
{
	bool any = false;

	for (;;) {
		unsigned best = nwire;

		for (unsigned i = 0; i < nwire; i++)
			if (wire[i].at <= now && (best == nwire || wire[i].at < wire[best].at ||
						  (wire[i].at == wire[best].at && wire[i].order < wire[best].order)))
				best = i;
		if (best == nwire)
			return any;
		struct wframe f = wire[best];

		wire[best] = wire[--nwire];
		net_input(S[f.to], f.b, f.len, now);
		any = true;
	}
}

/* Runs the network until now + dt, or until done() says so. */
static uint64_t step(void)
{
	uint64_t next = NET_NEVER;

	wire_deliver();
	for (int i = 0; i < 2; i++) {
		uint64_t t = net_poll(S[i], now);

		if (t < next)
			next = t;
	}
	for (unsigned i = 0; i < nwire; i++)
		if (wire[i].at < next)
			next = wire[i].at;
	return next;
}

static uint8_t pattern(uint64_t i, unsigned stream)
{
	uint64_t x = (i + 0x9e3779b97f4a7c15ull * (stream + 1)) * 0xbf58476d1ce4e5b9ull;

	return (uint8_t)(x >> 29 ^ i >> 17);
}

/* ---- a bulk transfer, any number of connections and directions ---- */
struct xfer {
	struct net_tcp *tx, *rx;
	uint64_t total, sent, got;
	bool shut, eof;
};

static void dump(const struct net_tcp *c)
{
	print_message("  %s una %u nxt %u max %u wnd %u cwnd %u sbuf %u/%u | rcv_nxt %u adv %u rbuf %u "
		      "ooo %u | timers %llu %llu %llu %llu fin_q %d\n", net_tcp_state_name(c), c->snd_una,
		      c->snd_nxt, c->snd_max, c->snd_wnd, c->cwnd, c->sbuf_seq, c->sbuf_len, c->rcv_nxt,
		      c->rcv_adv, c->rbuf_len, c->nooo, (unsigned long long)c->t_rexmt,
		      (unsigned long long)c->t_persist, (unsigned long long)c->t_delack,
		      (unsigned long long)c->t_wait, c->fin_queued);
}

static void run_transfers(struct xfer *x, int n, uint64_t limit_us)
{
	static uint8_t buf[20000];
	uint64_t start = now;
	int done = 0;

	while (done < n) {
		uint64_t next, progress = 0;

		done = 0;
		for (int k = 0; k < n; k++) {
			struct xfer *t = &x[k];
			int r;

			while (t->sent < t->total) {
				size_t len = t->total - t->sent < sizeof(buf) ? (size_t)(t->total - t->sent) : sizeof(buf);

				size_t cap = 1 + rnd() % sizeof(buf);

				len = len > cap ? cap : len;
				for (size_t i = 0; i < len; i++)
					buf[i] = pattern(t->sent + i, (unsigned)k);
				r = net_tcp_send(t->tx, buf, len, now);
				if (r == NET_EAGAIN)
					break;
				assert_true(r > 0);
				t->sent += (uint64_t)r;
				progress++;
			}
			if (t->sent == t->total && !t->shut) {
				assert_int_equal(net_tcp_shutdown(t->tx, 1, now), NET_OK);
				t->shut = true;
			}
			while (!t->eof && (r = net_tcp_recv(t->rx, buf, 1 + rnd() % sizeof(buf), now)) != NET_EAGAIN) {
				assert_true(r >= 0);
				if (r == 0) {
					t->eof = true;
					break;
				}
				for (int i = 0; i < r; i++)
					if (buf[i] != pattern(t->got + (uint64_t)i, (unsigned)k))
						fail_msg("stream %d: byte %llu wrong (seed %llu)", k,
							 (unsigned long long)(t->got + (uint64_t)i),
							 (unsigned long long)seed);
				t->got += (uint64_t)r;
				progress++;
			}
			done += t->eof;
		}
		next = step();
		for (int i = 0; i < 2; i++) {
			const char *why = net_check(S[i]);

			if (why) {
				for (int k = 0; k < n; k++)
					dump(x[k].tx), dump(x[k].rx);
				fail_msg("stack %d: %s (seed %llu)", i, why, (unsigned long long)seed);
			}
		}
		if (next == NET_NEVER && !nwire && done < n && !progress) {
			for (int k = 0; k < n; k++) {
				print_message(" stream %d: sent %llu got %llu shut %d eof %d\n", k,
					      (unsigned long long)x[k].sent, (unsigned long long)x[k].got,
					      x[k].shut, x[k].eof);
				dump(x[k].tx), dump(x[k].rx);
			}
			fail_msg("stalled (seed %llu)", (unsigned long long)seed);
		}
		if (next > now && !progress)
			now = next == NET_NEVER ? now + 1000 : next;
		if (now - start > limit_us)
			fail_msg("transfer took more than %llu s simulated (seed %llu)",
				 (unsigned long long)(limit_us / SEC), (unsigned long long)seed);
	}
	for (int k = 0; k < n; k++)
		assert_int_equal(x[k].got, x[k].total);
}

/* a connection from stack a to a listener on stack b */
static void open_pair(int a, struct net_tcp *l, struct net_tcp **ca, struct net_tcp **cb, uint16_t port)
{
	int err;

	*ca = net_tcp_connect(S[a], a ? IP_A : IP_B, port, now, &err);
	assert_non_null(*ca);
	*cb = NULL;
	for (int i = 0; i < 200000 && !*cb; i++) {
		uint64_t next = step();

		*cb = net_tcp_accept(l, &err);
		if (next > now)
			now = next == NET_NEVER ? now + 1000 : next;
	}
	assert_non_null(*cb);
	for (int i = 0; i < 200000 && !(net_tcp_events(*ca) & NET_EV_CONNECTED); i++) {
		uint64_t next = step();

		if (next > now)
			now = next == NET_NEVER ? now + 1000 : next;
	}
	assert_true(net_tcp_events(*ca) & NET_EV_CONNECTED);
}

static void close_all(struct xfer *x, int n)
{
	struct net_mem m0, m1;

	for (int k = 0; k < n; k++) {
		net_tcp_close(x[k].tx, now);
		net_tcp_close(x[k].rx, now);
	}
	for (int i = 0; i < 100000; i++) {	/* let FINs and TIME_WAIT run out */
		uint64_t next = step();

		net_mem_usage(S[0], &m0);
		net_mem_usage(S[1], &m1);
		if (m0.tcbs_used + m1.tcbs_used <= 2 && !nwire)	/* the listeners */
			break;
		now = next == NET_NEVER ? now + SEC : next > now ? next : now + 1;
	}
	net_mem_usage(S[0], &m0);
	net_mem_usage(S[1], &m1);
	assert_true(m0.tcbs_used + m1.tcbs_used <= 2);
	assert_int_equal(m0.blocks_free, m0.blocks_total);
	assert_int_equal(m1.blocks_free, m1.blocks_total);
	assert_int_equal(m0.pkts_free, m0.pkts_total);
	assert_int_equal(m1.pkts_free, m1.pkts_total);
}

static void transfer(unsigned drop, unsigned dup, unsigned reorder, int nconn, uint64_t bytes,
		     bool both_ways)
{
	struct xfer x[16];
	struct net_tcp *l[2];
	int err, n = 0;

	assert_true(nconn * (both_ways ? 2 : 1) <= 16);
	make_stacks(drop, dup, reorder);
	l[0] = net_tcp_listen(S[0], 5001, 16, &err);
	l[1] = net_tcp_listen(S[1], 5000, 16, &err);
	for (int k = 0; k < nconn; k++) {
		struct net_tcp *a, *b;

		open_pair(0, l[1], &a, &b, 5000);
		x[n++] = (struct xfer){ .tx = a, .rx = b, .total = bytes };
		if (both_ways) {
			open_pair(1, l[0], &a, &b, 5001);
			x[n++] = (struct xfer){ .tx = a, .rx = b, .total = bytes };
		}
	}
	run_transfers(x, n, 3600 * SEC);
	print_message("  %d stream(s) of %llu bytes: %lu frames, %lu dropped, %lu duplicated, %lu "
		      "reordered; retransmits %llu+%llu, fast %llu+%llu\n", n,
		      (unsigned long long)bytes, W.sent, W.dropped, W.duplicated, W.reordered,
		      (unsigned long long)net_stats(S[0])->tcp_retransmit,
		      (unsigned long long)net_stats(S[1])->tcp_retransmit,
		      (unsigned long long)net_stats(S[0])->tcp_fast_retransmit,
		      (unsigned long long)net_stats(S[1])->tcp_fast_retransmit);
	close_all(x, n);
	net_tcp_close(l[0], now);
	net_tcp_close(l[1], now);
}

static void test_clean_8mb(void **state)
{
	(void)state;
	rng = seed;
	transfer(0, 0, 0, 1, 8 << 20, false);
}

static void test_lossy_1mb(void **state)
{
	(void)state;
	rng = seed * 3 + 1;
	transfer(500, 200, 500, 1, 1 << 20, false);	/* 5% loss, 2% duplicates, 5% reordered */
}

static void test_lossy_8mb(void **state)
{
	(void)state;
	rng = seed * 5 + 2;
	transfer(500, 100, 500, 1, 8 << 20, false);
}

static void test_lossy_many_both_ways(void **state)
{
	(void)state;
	rng = seed * 7 + 3;
	transfer(300, 100, 300, 4, 256 << 10, true);	/* 8 streams at once */
}

static void test_ping_and_udp_over_wire(void **state)
{
	struct net_udp *ua, *ub;
	uint32_t rtt = 0;
	uint8_t buf[100];
	net_ip from;
	uint16_t port;
	int tok, err;

	(void)state;
	rng = seed;
	make_stacks(0, 0, 0);
	tok = net_ping_send(S[0], IP_B, 56, now);
	assert_true(tok >= 0);
	for (int i = 0; i < 100 && net_ping_result(S[0], tok, &rtt) == 0; i++)
		now = step() == NET_NEVER ? now + 100 : now + 100;
	assert_true(rtt >= 2 * W.latency);
	ua = net_udp_open(S[0], 0, &err);
	ub = net_udp_open(S[1], 7777, &err);
	assert_int_equal(net_udp_send(ua, IP_B, 7777, "ping", 4, now), NET_OK);
	for (int i = 0; i < 10; i++) {
		step();
		now += 1000;
	}
	assert_int_equal(net_udp_recv(ub, buf, sizeof(buf), &from, &port), 4);
	assert_int_equal(from, IP_A);
	assert_int_equal(port, net_udp_local_port(ua));
}

/* ---- the fuzz ---- */
static size_t mutate(uint8_t *f, size_t len, struct net_stack *st)
{
	uint8_t *ip = f + ETH_HLEN, *l4 = ip + IP_HLEN;
	unsigned how = rnd() % 10;
	(void)st;

	switch (how) {
	case 0:		/* random bytes anywhere */
		for (unsigned n = 1 + rnd() % 8; n--;)
			f[rnd() % len] = (uint8_t)rnd();
		break;
	case 1:		/* truncated */
		len = rnd() % len;
		break;
	case 2:		/* IP total length lies */
		net_wr16(ip + 2, (uint16_t)rnd());
		net_wr16(ip + 10, 0);
		net_wr16(ip + 10, net_csum(ip, IP_HLEN));
		break;
	case 3:		/* IP header length lies */
		ip[0] = (uint8_t)(0x40 | (rnd() & 15));
		net_wr16(ip + 10, 0);
		net_wr16(ip + 10, net_csum(ip, (size_t)(ip[0] & 15) * 4 <= len - ETH_HLEN ?
						  (size_t)(ip[0] & 15) * 4 : IP_HLEN));
		break;
	case 4:		/* a transport field changed, checksum left wrong */
		if (len > 40)
			l4[rnd() % (len - 34)] ^= (uint8_t)(1 + rnd() % 255);
		break;
	case 5:		/* TCP data offset lies or options run past the header, checksum fixed */
		if (ip[9] == IP_PROTO_TCP && len >= 54 + 8) {
			size_t tl = len - 34;

			l4[12] = (uint8_t)((rnd() % 16) << 4);
			if (rnd() & 1) {
				l4[12] = 7 << 4;	/* 28-byte header: 8 bytes of options */
				for (int i = 20; i < 28; i++)
					l4[i] = (uint8_t)(rnd() % 4 == 0 ? 2 : rnd());
			}
			net_wr16(ip + 2, (uint16_t)(IP_HLEN + tl));
			net_wr16(ip + 10, 0);
			net_wr16(ip + 10, net_csum(ip, IP_HLEN));
			net_wr16(l4 + 16, 0);
			net_wr16(l4 + 16, net_csum_fold(net_csum_add(net_csum_pseudo(net_rd32(ip + 12),
				net_rd32(ip + 16), IP_PROTO_TCP, (uint16_t)tl), l4, tl)));
		}
		break;
	case 6:		/* UDP length lies, checksum off */
		if (ip[9] == IP_PROTO_UDP) {
			net_wr16(l4 + 4, (uint16_t)rnd());
			net_wr16(l4 + 6, 0);
		}
		break;
	case 7:		/* a fragment */
		net_wr16(ip + 6, (uint16_t)(rnd() & 0x3fff));
		net_wr16(ip + 10, 0);
		net_wr16(ip + 10, net_csum(ip, IP_HLEN));
		break;
	case 8:		/* pure noise, any length */
		len = rnd() % NET_FRAME_MAX;
		for (size_t i = 0; i < len; i++)
			f[i] = (uint8_t)rnd();
		if (rnd() & 1)
			memcpy(f, fx_mac, 6);
		break;
	default:	/* valid TCP with random flags, sequence and ACK: the state machine's turn */
		if (ip[9] == IP_PROTO_TCP && len >= 54) {
			size_t tl = len - 34;

			l4[13] = (uint8_t)rnd();
			if (rnd() & 1)
				net_wr32(l4 + 4, rnd());
			if (rnd() & 1)
				net_wr32(l4 + 8, rnd());
			net_wr16(l4 + 16, 0);
			net_wr16(l4 + 16, net_csum_fold(net_csum_add(net_csum_pseudo(net_rd32(ip + 12),
				net_rd32(ip + 16), IP_PROTO_TCP, (uint16_t)tl), l4, tl)));
		}
	}
	return len;
}

static void test_fuzz(void **state)
{
	static const uint8_t zero[6];
	struct net_stack *st;
	struct net_tcp *l, *c = NULL;
	struct net_udp *u;
	struct net_mem before, after;
	uint8_t f[NET_PKT_SIZE], junk[300], icmp[64] = { 8, 0, 0, 0, 0, 9, 0, 1 };
	uint64_t drops = 0;
	int err, rounds = 20000;
	const char *e = getenv("NET_FUZZ_ROUNDS");

	(void)state;
	if (e)
		rounds = atoi(e);
	rng = seed * 11 + 5;
	st = fx_stack_n(8);
	fx_static(st);
	fx_learn_peer(st);
	l = net_tcp_listen(st, 80, 8, &err);
	u = net_udp_open(st, 7777, &err);
	net_mem_usage(st, &before);
	for (int r = 0; r < rounds; r++) {
		size_t len;
		uint32_t k = rnd() % 7;

		for (size_t i = 0; i < sizeof(junk); i++)
			junk[i] = (uint8_t)rnd();

		switch (k) {
		case 0: len = fx_tcp(f, (uint16_t)(40000 + rnd() % 4), 80, rnd(), rnd(),
				     (uint8_t)(rnd() & 1 ? TCP_SYN : rnd()), (uint16_t)rnd(), junk, rnd() % 200); break;
		case 1: len = fx_udp(f, FX_PEER, 4000, rnd() & 1 ? 7777 : 68, junk, rnd() % 300); break;
		case 2: memcpy(f + 34, icmp, sizeof(icmp)); net_wr16(f + 36, net_csum(icmp, sizeof(icmp)));
			len = fx_ip(f, FX_PEER, FX_IP, IP_PROTO_ICMP, sizeof(icmp)); break;
		case 3: len = fx_arp(f, (uint16_t)(1 + rnd() % 2), rnd() & 1 ? FX_PEER : rnd(), zero,
				     rnd() & 1 ? FX_IP : rnd()); break;
		case 4: len = fx_tcp(f, (uint16_t)(1000 + rnd() % 50), 80, rnd(), 0, TCP_SYN, 1000, NULL, 0);
			break;			/* a SYN flood from many ports */
		default: len = fx_tcp(f, 40000, 80, rnd(), rnd(), TCP_ACK, 4000, junk, rnd() % 100); break;
		}
		if (rnd() % 4)
			len = mutate(f, len, st);
		fx_nframes = 0;
		net_input(st, f, len, fx_now);
		if (r % 64 == 0) {
			const char *why = net_check(st);

			if (why)
				fail_msg("round %d: %s (seed %llu)", r, why, (unsigned long long)seed);
			fx_now += rnd() % (2 * SEC);
			fx_learn_peer(st);
			fx_poll(st);
			while ((c = net_tcp_accept(l, &err)))	/* the application accepts and closes */
				net_tcp_close(c, fx_now);
			while (net_udp_recv(u, f, sizeof(f), NULL, NULL) >= 0)
				;
		}
	}
	assert_null(net_check(st));
	for (unsigned i = 0; i < net_stats_count(); i++) {
		const char *n = net_stats_name(i);

		if (!strstr(n, "_rx") && !strstr(n, "_tx") && strcmp(n, "arp_resolved") &&
		    !strstr(n, "open") && strcmp(n, "icmp_echo_answered") && strcmp(n, "tcp_ooo_queued"))
			drops += net_stats_value(net_stats(st), i);
	}
	print_message("  %d malformed/random frames: %llu drops counted; bad csum ip %llu tcp %llu udp "
		      "%llu, tcp options %llu, offsets %llu, backlog full %llu, out of window %llu\n",
		      rounds, (unsigned long long)drops,
		      (unsigned long long)fx_stat(st, "ip_bad_csum"), (unsigned long long)fx_stat(st, "tcp_bad_csum"),
		      (unsigned long long)fx_stat(st, "udp_bad_csum"), (unsigned long long)fx_stat(st, "tcp_bad_options"),
		      (unsigned long long)fx_stat(st, "tcp_bad_offset"), (unsigned long long)fx_stat(st, "tcp_backlog_full"),
		      (unsigned long long)fx_stat(st, "tcp_out_of_window"));
	if (rounds >= 5000) {
		assert_true(fx_stat(st, "ip_bad_csum") > 0);
		assert_true(fx_stat(st, "ip_bad_header") > 0);
		assert_true(fx_stat(st, "ip_fragment") > 0);
		assert_true(fx_stat(st, "tcp_bad_csum") > 0);
		assert_true(fx_stat(st, "tcp_bad_options") > 0);
		assert_true(fx_stat(st, "tcp_bad_offset") > 0);
		assert_true(fx_stat(st, "udp_bad") > 0);
		assert_true(fx_stat(st, "arp_bad") > 0);
		assert_true(fx_stat(st, "tcp_backlog_full") > 0);
	}
	/* everything times out: memory back to where it was */
	for (int i = 0; i < 200; i++) {
		fx_now += 10 * SEC;
		fx_learn_peer(st);
		fx_poll(st);
		while ((c = net_tcp_accept(l, &err)))
			net_tcp_close(c, fx_now);
	}
	while (net_udp_recv(u, f, sizeof(f), NULL, NULL) >= 0)
		;
	net_mem_usage(st, &after);
	assert_int_equal(after.pkts_free, before.pkts_free);
	assert_int_equal(after.blocks_free, before.blocks_free);
	assert_int_equal(after.tcbs_used, before.tcbs_used);
	/* and it still answers: a ping, a connection */
	fx_nframes = 0;
	memcpy(f + 34, icmp, sizeof(icmp));
	net_wr16(f + 36, 0);
	net_wr16(f + 36, net_csum(icmp, sizeof(icmp)));
	fx_in(st, f, fx_ip(f, FX_PEER, FX_IP, IP_PROTO_ICMP, sizeof(icmp)));
	assert_int_equal(fx_nframes, 1);
	fx_nframes = 0;
	fx_in(st, f, fx_tcp(f, 50000, 80, 1, 0, TCP_SYN, 1000, NULL, 0));
	assert_int_equal(fx_parse(0).flags, TCP_SYN | TCP_ACK);
}

int main(void)
{
	const char *s = getenv("NET_SEED");
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ping_and_udp_over_wire),
		cmocka_unit_test(test_clean_8mb),
		cmocka_unit_test(test_lossy_1mb),
		cmocka_unit_test(test_lossy_8mb),
		cmocka_unit_test(test_lossy_many_both_ways),
		cmocka_unit_test(test_fuzz),
	};

	if (s)
		seed = strtoull(s, NULL, 0);
	if (!seed)
		seed = 1;
	printf("test_net_wire: seed %llu (NET_SEED=%llu replays)\n", (unsigned long long)seed,
	       (unsigned long long)seed);
	wire = calloc(WIRE_MAX, sizeof(*wire));
	return cmocka_run_group_tests(tests, NULL, NULL);
}
