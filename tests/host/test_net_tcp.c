/* test_net_tcp.c -- TCP against a scripted peer (tests/host/net_fixture.h): every state of
 * RFC 9293's machine including simultaneous open and close and TIME_WAIT expiry, RST rules
 * (RFC 5961 challenge ACKs), out-of-order reassembly and its bound, retransmission with a fake
 * clock (RFC 6298 estimate, backoff, Karn), sequence wrap, fast retransmit, zero-window probes,
 * the window following reads, Nagle, delayed ACKs, the backlog and the buffer limits. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "net_fixture.h"

static struct net_stack *st;
static uint8_t F[2048];

/* one connection as the peer sees it */
struct peer {
	struct net_tcp *c, *l;
	uint16_t port, lport;
	uint32_t nxt;		/* the peer's next sequence number */
	uint32_t ack;		/* what the peer acknowledges: the stack's next byte */
	uint16_t wnd;
};

static void tick(uint64_t dt)
{
	fx_now += dt;
	fx_learn_peer(st);	/* keeps the ARP entry fresh; drops what was captured */
	fx_poll(st);
}

static int last_tcp(void)
{
	for (int i = (int)fx_nframes - 1; i >= 0; i--)
		if (fx_parse((unsigned)i).proto == IP_PROTO_TCP)
			return i;
	return -1;
}

static unsigned count_tcp(void)
{
	unsigned n = 0;

	for (unsigned i = 0; i < fx_nframes; i++)
		n += fx_parse(i).proto == IP_PROTO_TCP;
	return n;
}

static struct fx_pkt last(void)
{
	int i = last_tcp();

	assert_true(i >= 0);
	return fx_parse((unsigned)i);
}

/* the peer sends a segment at its sequence position, acknowledging p->ack */
static void send_seg(struct peer *p, uint8_t flags, const void *data, size_t len)
{
	fx_nframes = 0;
	fx_in(st, F, fx_tcp(F, p->port, p->lport, p->nxt, p->ack, flags, p->wnd, data, len));
	p->nxt += (uint32_t)len + !!(flags & TCP_SYN) + !!(flags & TCP_FIN);
}

static void setup_stack(unsigned blocks)
{
	st = fx_stack_n(blocks);
	assert_non_null(st);
	fx_static(st);
	fx_learn_peer(st);
}

/* listen on 80 (once), a SYN from the peer with ISN piss, the handshake, accept */
static void passive_open(struct peer *p, uint16_t port, uint32_t piss)
{
	struct fx_pkt s;
	int err;
	struct net_tcp *l = p->l;

	memset(p, 0, sizeof(*p));
	p->l = l;
	if (!p->l) {
		p->l = net_tcp_listen(st, 80, 4, &err);
		assert_non_null(p->l);
	}
	p->port = port;
	p->lport = 80;
	p->nxt = piss;
	p->wnd = 65535;
	p->ack = 0;
	send_seg(p, TCP_SYN, NULL, 0);
	s = last();
	assert_int_equal(s.flags, TCP_SYN | TCP_ACK);
	assert_int_equal(s.ack, piss + 1);
	assert_int_equal(s.mss, NET_TCP_MSS);
	p->ack = s.seq + 1;
	assert_null(net_tcp_accept(p->l, &err));
	assert_int_equal(err, NET_EAGAIN);
	send_seg(p, TCP_ACK, NULL, 0);
	p->c = net_tcp_accept(p->l, &err);
	assert_non_null(p->c);
	assert_string_equal(net_tcp_state_name(p->c), "ESTABLISHED");
}

static struct net_tcp *find_child(uint16_t port)
{
	for (unsigned i = 0; i < NET_TCP_MAX; i++)
		if (st->tcp[i].in_use && st->tcp[i].rport == port && st->tcp[i].state != TCP_LISTEN)
			return &st->tcp[i];
	return NULL;
}

/* connect to the peer's port 7, the peer answers SYN-ACK with ISN piss */
static void active_open(struct peer *p, uint32_t piss)
{
	struct fx_pkt s;
	int err;

	memset(p, 0, sizeof(*p));
	fx_nframes = 0;
	p->c = net_tcp_connect(st, FX_PEER, 7, fx_now, &err);
	assert_non_null(p->c);
	assert_string_equal(net_tcp_state_name(p->c), "SYN_SENT");
	s = last();
	assert_int_equal(s.flags, TCP_SYN);
	assert_int_equal(s.mss, NET_TCP_MSS);
	assert_int_equal(s.dport, 7);
	p->port = 7;
	p->lport = s.sport;
	p->nxt = piss;
	p->ack = s.seq + 1;
	p->wnd = 65535;
	send_seg(p, TCP_SYN | TCP_ACK, NULL, 0);
	assert_string_equal(net_tcp_state_name(p->c), "ESTABLISHED");
	s = last();
	assert_int_equal(s.flags, TCP_ACK);
	assert_int_equal(s.ack, piss + 1);
	assert_true(net_tcp_events(p->c) & NET_EV_CONNECTED);
}

static void test_passive_open_and_close(void **state)
{
	struct peer p = { 0 };
	struct net_event ev[8];
	struct net_mem m;
	char buf[64];
	struct fx_pkt s;
	int n;

	(void)state;
	setup_stack(4);
	net_events(st, ev, 8);
	passive_open(&p, 40000, 1000);
	assert_true(net_tcp_events(p.l) == 0);
	/* data from the peer */
	send_seg(&p, TCP_ACK | TCP_PSH, "hello", 5);
	assert_int_equal(net_events(st, ev, 8), 2);	/* the listener, the connection */
	n = net_tcp_recv(p.c, buf, sizeof(buf), fx_now);
	assert_int_equal(n, 5);
	assert_memory_equal(buf, "hello", 5);
	assert_int_equal(net_tcp_recv(p.c, buf, sizeof(buf), fx_now), NET_EAGAIN);
	/* data to the peer */
	net_tcp_set_nodelay(p.c, true);
	assert_int_equal(net_tcp_send(p.c, "world", 5, fx_now), 5);
	s = last();
	assert_int_equal(s.dlen, 5);
	assert_int_equal(s.seq, p.ack);
	assert_int_equal(s.ack, p.nxt);			/* the data was acknowledged with it */
	assert_memory_equal(s.data, "world", 5);
	p.ack += 5;
	/* passive close: FIN, CLOSE_WAIT, end of stream, our FIN, LAST_ACK, CLOSED */
	send_seg(&p, TCP_ACK | TCP_FIN, NULL, 0);
	assert_string_equal(net_tcp_state_name(p.c), "CLOSE_WAIT");
	assert_int_equal(last().ack, p.nxt);
	assert_true(net_tcp_events(p.c) & NET_EV_HUP);
	assert_int_equal(net_tcp_recv(p.c, buf, sizeof(buf), fx_now), 0);
	assert_int_equal(net_tcp_send(p.c, "more", 4, fx_now), 4);	/* half-closed: still sends */
	p.ack += 4;
	fx_nframes = 0;
	net_tcp_close(p.c, fx_now);
	s = last();
	assert_true(s.flags & TCP_FIN);
	p.ack++;
	send_seg(&p, TCP_ACK, NULL, 0);
	net_mem_usage(st, &m);
	assert_int_equal(m.tcbs_used, 1);		/* the listener */
	assert_int_equal(m.blocks_free, m.blocks_total);
	net_tcp_close(p.l, fx_now);
	net_mem_usage(st, &m);
	assert_int_equal(m.tcbs_used, 0);
	/* a pointer given back is refused, not followed */
	assert_int_equal(net_tcp_send(p.c, "x", 1, fx_now), NET_EINVAL);
	assert_int_equal(net_tcp_recv(p.c, buf, 1, fx_now), NET_EINVAL);
	net_tcp_close(p.c, fx_now);
	net_tcp_abort(p.c, fx_now);
	assert_null(net_check(st));
}

static void test_active_open_close_time_wait(void **state)
{
	struct peer p;
	struct net_mem m;
	struct fx_pkt s;
	char buf[8];

	(void)state;
	setup_stack(4);
	active_open(&p, 5000);
	/* active close: FIN_WAIT_1, FIN_WAIT_2, TIME_WAIT, 2 MSL, CLOSED */
	fx_nframes = 0;
	assert_int_equal(net_tcp_shutdown(p.c, 1, fx_now), NET_OK);
	assert_string_equal(net_tcp_state_name(p.c), "FIN_WAIT_1");
	s = last();
	assert_int_equal(s.flags, TCP_FIN | TCP_ACK);
	assert_int_equal(net_tcp_send(p.c, "x", 1, fx_now), NET_EPIPE);
	p.ack++;
	send_seg(&p, TCP_ACK, NULL, 0);
	assert_string_equal(net_tcp_state_name(p.c), "FIN_WAIT_2");
	send_seg(&p, TCP_ACK, "bye", 3);		/* the peer may still send */
	assert_int_equal(net_tcp_recv(p.c, buf, sizeof(buf), fx_now), 3);
	send_seg(&p, TCP_ACK | TCP_FIN, NULL, 0);
	assert_string_equal(net_tcp_state_name(p.c), "TIME_WAIT");
	assert_int_equal(last().ack, p.nxt);
	/* a retransmitted FIN is acknowledged again */
	p.nxt--;
	send_seg(&p, TCP_ACK | TCP_FIN, NULL, 0);
	assert_int_equal(count_tcp(), 1);
	assert_int_equal(last().ack, p.nxt);
	net_tcp_close(p.c, fx_now);
	net_mem_usage(st, &m);
	assert_int_equal(m.tcbs_used, 1);
	assert_int_equal(m.blocks_free, m.blocks_total);	/* TIME_WAIT holds no buffers */
	tick(2 * NET_TCP_MSL_US - SEC);
	net_mem_usage(st, &m);
	assert_int_equal(m.tcbs_used, 1);
	tick(2 * SEC);
	net_mem_usage(st, &m);
	assert_int_equal(m.tcbs_used, 0);

	/* FIN_WAIT_1 receiving FIN+ACK of our FIN at once: straight to TIME_WAIT */
	active_open(&p, 9000);
	net_tcp_close(p.c, fx_now);
	p.ack++;
	send_seg(&p, TCP_ACK | TCP_FIN, NULL, 0);
	assert_int_equal(st->tcp[0].state == TCP_TIME_WAIT || st->tcp[1].state == TCP_TIME_WAIT, 1);
	/* an orphaned FIN_WAIT_2 is dropped after its limit */
	active_open(&p, 7000);
	net_tcp_close(p.c, fx_now);
	p.ack++;
	send_seg(&p, TCP_ACK, NULL, 0);
	net_mem_usage(st, &m);
	assert_int_equal(m.tcbs_used, 2);
	tick(NET_TCP_FIN_WAIT2_US + SEC);
	net_mem_usage(st, &m);
	assert_int_equal(m.tcbs_used, 0);		/* and the TIME_WAIT expired meanwhile */
}

static void test_simultaneous_open(void **state)
{
	struct fx_pkt s;
	struct net_tcp *c;
	uint32_t iss;
	uint16_t lport;
	int err;

	(void)state;
	setup_stack(4);
	fx_nframes = 0;
	c = net_tcp_connect(st, FX_PEER, 7, fx_now, &err);
	s = last();
	iss = s.seq;
	lport = s.sport;
	/* the peer's SYN crosses ours */
	fx_nframes = 0;
	fx_in(st, F, fx_tcp(F, 7, lport, 3000, 0, TCP_SYN, 65535, NULL, 0));
	assert_string_equal(net_tcp_state_name(c), "SYN_RCVD");
	s = last();
	assert_int_equal(s.flags, TCP_SYN | TCP_ACK);
	assert_int_equal(s.seq, iss);
	assert_int_equal(s.ack, 3001);
	/* its SYN-ACK to our SYN */
	fx_in(st, F, fx_tcp(F, 7, lport, 3000, iss + 1, TCP_SYN | TCP_ACK, 65535, NULL, 0));
	assert_string_equal(net_tcp_state_name(c), "SYN_RCVD");	/* the SYN is old: ACKed */
	fx_in(st, F, fx_tcp(F, 7, lport, 3001, iss + 1, TCP_ACK, 65535, NULL, 0));
	assert_string_equal(net_tcp_state_name(c), "ESTABLISHED");
	assert_true(net_tcp_events(c) & NET_EV_CONNECTED);
	assert_int_equal(net_tcp_send(c, "ok", 2, fx_now), 2);
	s = last();
	assert_int_equal(s.seq, iss + 1);
	assert_int_equal(s.dlen, 2);
}

static void test_simultaneous_close(void **state)
{
	struct peer p;
	struct fx_pkt s;
	uint32_t fin_seq;

	(void)state;
	setup_stack(4);
	passive_open(&(struct peer){ 0 }, 40001, 100);	/* a listener around: no effect */
	active_open(&p, 5000);
	fx_nframes = 0;
	net_tcp_shutdown(p.c, 1, fx_now);
	fin_seq = last().seq;
	/* the peer's FIN crosses ours: it has not seen ours */
	send_seg(&p, TCP_ACK | TCP_FIN, NULL, 0);
	assert_string_equal(net_tcp_state_name(p.c), "CLOSING");
	s = last();
	assert_int_equal(s.ack, p.nxt);
	p.ack = fin_seq + 1;
	send_seg(&p, TCP_ACK, NULL, 0);
	assert_string_equal(net_tcp_state_name(p.c), "TIME_WAIT");
	tick(2 * NET_TCP_MSL_US + 1);
	assert_string_equal(net_tcp_state_name(p.c), "CLOSED");
	assert_int_equal(net_tcp_error(p.c), 0);
	net_tcp_close(p.c, fx_now);
}

static void test_rst_rules(void **state)
{
	struct peer p;
	struct fx_pkt s;
	struct net_tcp *c;
	uint32_t nxt;
	int err;

	(void)state;
	setup_stack(4);
	active_open(&p, 5000);
	/* RST outside the window: ignored, silently */
	fx_nframes = 0;
	fx_in(st, F, fx_tcp(F, 7, p.lport, p.nxt + 100000, 0, TCP_RST, 0, NULL, 0));
	assert_int_equal(count_tcp(), 0);
	assert_int_equal(fx_stat(st, "tcp_rst_ignored"), 1);
	/* in the window but not exact: challenge ACK, still established */
	fx_in(st, F, fx_tcp(F, 7, p.lport, p.nxt + 10, 0, TCP_RST, 0, NULL, 0));
	assert_string_equal(net_tcp_state_name(p.c), "ESTABLISHED");
	s = last();
	assert_int_equal(s.flags, TCP_ACK);
	assert_int_equal(s.ack, p.nxt);
	assert_int_equal(fx_stat(st, "tcp_challenge_ack"), 1);
	/* a SYN on an established connection: challenge ACK */
	fx_nframes = 0;
	fx_in(st, F, fx_tcp(F, 7, p.lport, p.nxt + 5, 0, TCP_SYN, 0, NULL, 0));
	assert_string_equal(net_tcp_state_name(p.c), "ESTABLISHED");
	assert_int_equal(last().ack, p.nxt);
	/* an ACK of data never sent: challenge, dropped */
	fx_nframes = 0;
	fx_in(st, F, fx_tcp(F, 7, p.lport, p.nxt, p.ack + 5000, TCP_ACK, 1000, "zz", 2));
	assert_int_equal(fx_stat(st, "tcp_bad_ack"), 1);
	assert_int_equal(last().ack, p.nxt);
	/* challenge ACKs are rate limited */
	for (int i = 0; i < 20; i++)
		fx_in(st, F, fx_tcp(F, 7, p.lport, p.nxt + 10, 0, TCP_RST, 0, NULL, 0));
	assert_int_equal(fx_stat(st, "tcp_challenge_ack"), NET_TCP_CHALLENGE_MAX);
	assert_true(fx_stat(st, "tcp_challenge_limited") > 0);
	/* the exact RST resets */
	fx_in(st, F, fx_tcp(F, 7, p.lport, p.nxt, 0, TCP_RST, 0, NULL, 0));
	assert_string_equal(net_tcp_state_name(p.c), "CLOSED");
	assert_int_equal(net_tcp_error(p.c), NET_ECONNRESET);
	assert_true(net_tcp_events(p.c) & NET_EV_ERROR);
	assert_int_equal(net_tcp_send(p.c, "x", 1, fx_now), NET_ECONNRESET);
	assert_int_equal(net_tcp_recv(p.c, F, 1, fx_now), NET_ECONNRESET);
	net_tcp_close(p.c, fx_now);

	/* RST to our SYN: refused (an RST without ACK is ignored) */
	fx_nframes = 0;
	c = net_tcp_connect(st, FX_PEER, 9, fx_now, &err);
	s = last();
	fx_in(st, F, fx_tcp(F, 9, s.sport, 0, 0, TCP_RST, 0, NULL, 0));
	assert_string_equal(net_tcp_state_name(c), "SYN_SENT");
	fx_in(st, F, fx_tcp(F, 9, s.sport, 0, s.seq + 1, TCP_RST | TCP_ACK, 0, NULL, 0));
	assert_string_equal(net_tcp_state_name(c), "CLOSED");
	assert_int_equal(net_tcp_error(c), NET_ECONNREFUSED);
	net_tcp_close(c, fx_now);
	/* a SYN-ACK acknowledging something else: RST with that number as sequence */
	fx_nframes = 0;
	c = net_tcp_connect(st, FX_PEER, 9, fx_now, &err);
	s = last();
	fx_nframes = 0;
	fx_in(st, F, fx_tcp(F, 9, s.sport, 77, s.seq + 1000, TCP_SYN | TCP_ACK, 100, NULL, 0));
	assert_int_equal(last().flags, TCP_RST);
	assert_int_equal(last().seq, s.seq + 1000);
	assert_string_equal(net_tcp_state_name(c), "SYN_SENT");
	net_tcp_abort(c, fx_now);

	/* segments to no connection: RST (ACK variants of RFC 9293 3.10.7.1) */
	fx_nframes = 0;
	fx_in(st, F, fx_tcp(F, 1234, 81, 555, 0, TCP_SYN, 100, NULL, 0));
	s = last();
	assert_int_equal(s.flags, TCP_RST | TCP_ACK);
	assert_int_equal(s.seq, 0);
	assert_int_equal(s.ack, 556);
	fx_in(st, F, fx_tcp(F, 1234, 81, 555, 999, TCP_ACK, 100, "abc", 3));
	s = last();
	assert_int_equal(s.flags, TCP_RST);
	assert_int_equal(s.seq, 999);
	fx_nframes = 0;
	fx_in(st, F, fx_tcp(F, 1234, 81, 555, 999, TCP_RST, 100, NULL, 0));
	assert_int_equal(count_tcp(), 0);		/* never a RST for a RST */
	/* a listener answers an ACK with RST */
	net_tcp_listen(st, 81, 2, &err);
	fx_in(st, F, fx_tcp(F, 1234, 81, 555, 999, TCP_ACK, 100, NULL, 0));
	assert_int_equal(last().flags, TCP_RST);
	(void)nxt;
}

static void test_ooo_reassembly(void **state)
{
	struct peer p = { 0 };
	uint8_t data[8000], got[8000];
	uint32_t base;
	struct fx_pkt s;
	int n, total = 0;

	(void)state;
	setup_stack(4);
	passive_open(&p, 40000, 1000);
	for (unsigned i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 31 + 7);
	base = p.nxt;
	/* segments 3, 1 (overlapping 3), 4, then 0 and 2: every out-of-order one a duplicate ACK */
	p.nxt = base + 3000; send_seg(&p, TCP_ACK, data + 3000, 1000);
	s = last();
	assert_int_equal(s.ack, base);
	p.nxt = base + 2100; send_seg(&p, TCP_ACK, data + 2100, 1400);
	assert_int_equal(last().ack, base);
	p.nxt = base + 5000; send_seg(&p, TCP_ACK, data + 5000, 1000);
	assert_int_equal(last().ack, base);
	p.nxt = base + 1000; send_seg(&p, TCP_ACK, data + 1000, 1100);
	assert_int_equal(last().ack, base);
	assert_int_equal(fx_stat(st, "tcp_ooo_queued"), 4);
	assert_int_equal(p.c->nooo, 2);
	assert_int_equal(net_tcp_recv(p.c, got, sizeof(got), fx_now), NET_EAGAIN);
	p.nxt = base; send_seg(&p, TCP_ACK, data, 1000);
	assert_int_equal(last().ack, base + 4000);	/* the hole filled: ACKed at once */
	p.nxt = base + 4000; send_seg(&p, TCP_ACK, data + 4000, 1000);
	assert_int_equal(last().ack, base + 6000);
	/* a duplicate of old data: counted, ACKed */
	p.nxt = base + 500; send_seg(&p, TCP_ACK, data + 500, 500);
	assert_int_equal(fx_stat(st, "tcp_dup_data"), 1);
	assert_int_equal(last().ack, base + 6000);
	while ((n = net_tcp_recv(p.c, got + total, sizeof(got) - (size_t)total, fx_now)) > 0)
		total += n;
	assert_int_equal(total, 6000);
	assert_memory_equal(got, data, 6000);
	/* a FIN out of order waits for the hole */
	base += 6000;
	p.nxt = base + 100;
	send_seg(&p, TCP_ACK | TCP_FIN, data, 100);
	assert_string_equal(net_tcp_state_name(p.c), "ESTABLISHED");
	p.nxt = base;
	send_seg(&p, TCP_ACK, data, 100);
	assert_string_equal(net_tcp_state_name(p.c), "CLOSE_WAIT");
	assert_int_equal(last().ack, base + 201);

	/* the bound: NET_TCP_OOO_MAX disjoint ranges kept, more dropped (and re-sent later) */
	passive_open(&p, 40001, 77777);
	base = p.nxt;
	for (int i = 0; i < NET_TCP_OOO_MAX + 3; i++) {
		p.nxt = base + 200 + 200 * (uint32_t)i * 2;
		send_seg(&p, TCP_ACK, data + 200 + 400 * i, 100);
	}
	assert_int_equal(fx_stat(st, "tcp_ooo_dropped"), 3);
	assert_null(net_check(st));
	for (int i = 0; i <= 2 * (NET_TCP_OOO_MAX + 3); i++) {	/* fill everything in order */
		p.nxt = base + 200 * (uint32_t)i;
		send_seg(&p, TCP_ACK, data + 200 * i, 200);
	}
	total = 0;
	while ((n = net_tcp_recv(p.c, got + total, sizeof(got) - (size_t)total, fx_now)) > 0)
		total += n;
	assert_int_equal(total, 200 * (2 * (NET_TCP_OOO_MAX + 3) + 1));
	assert_memory_equal(got, data, (size_t)total);
}

static void test_retransmit_backoff_karn(void **state)
{
	struct peer p = { 0 };
	struct fx_pkt s;
	struct net_tcp *c;
	uint64_t t0;

	(void)state;
	setup_stack(4);
	passive_open(&p, 40000, 1000);
	c = p.c;
	/* the handshake took 0 us: one sample, RTO at its floor */
	assert_int_equal(c->rto, NET_TCP_RTO_MIN_US);
	c->rto = NET_TCP_RTO_INIT_US;		/* as if the peer were far: 1 s, easier to read */
	net_tcp_set_nodelay(c, true);
	net_tcp_send(c, "abcd", 4, fx_now);
	t0 = fx_now;
	assert_int_equal(fx_poll(st), t0 + SEC);
	tick(SEC - 1);
	assert_int_equal(count_tcp(), 0);
	tick(1);
	assert_int_equal(count_tcp(), 1);		/* first retransmission at 1 s */
	s = last();
	assert_int_equal(s.seq, p.ack);
	assert_int_equal(s.dlen, 4);
	tick(2 * SEC);					/* backoff: 2 s, then 4 s */
	assert_int_equal(count_tcp(), 1);
	tick(4 * SEC - 1);
	assert_int_equal(count_tcp(), 0);
	tick(1);
	assert_int_equal(count_tcp(), 1);
	assert_int_equal(fx_stat(st, "tcp_retransmit"), 3);
	/* the ACK of a retransmitted segment gives no sample (Karn): the RTO stays backed off */
	fx_now += 300 * MS;
	p.ack += 4;
	send_seg(&p, TCP_ACK, NULL, 0);
	assert_int_equal(c->rto, 8 * SEC);
	/* new data, acknowledged after 300 ms: a sample; RTO = srtt + 4 rttvar = 300 + 600 ms */
	net_tcp_send(c, "efgh", 4, fx_now);
	fx_now += 300 * MS;
	p.ack += 4;
	send_seg(&p, TCP_ACK, NULL, 0);
	assert_true(c->rto > 300 * MS && c->rto < 8 * SEC);
	/* gives up after NET_TCP_RETRIES: ETIMEDOUT and a RST */
	net_tcp_send(c, "ijkl", 4, fx_now);
	for (int i = 0; i < 40 && strcmp(net_tcp_state_name(c), "CLOSED"); i++)
		tick(NET_TCP_RTO_MAX_US);
	assert_string_equal(net_tcp_state_name(c), "CLOSED");
	assert_int_equal(net_tcp_error(c), NET_ETIMEDOUT);
	assert_int_equal(last().flags & TCP_RST, TCP_RST);
	assert_int_equal(fx_stat(st, "tcp_timeout"), 1);
	net_tcp_close(c, fx_now);
}

static void test_rtt_estimate(void **state)
{
	struct peer p;
	struct net_tcp *c;

	(void)state;
	setup_stack(4);
	fx_nframes = 0;
	c = net_tcp_connect(st, FX_PEER, 7, fx_now, &(int){ 0 });
	memset(&p, 0, sizeof(p));
	p.c = c;
	p.port = 7;
	p.lport = last().sport;
	p.ack = last().seq + 1;
	p.nxt = 1;
	p.wnd = 65535;
	fx_now += 100 * MS;
	send_seg(&p, TCP_SYN | TCP_ACK, NULL, 0);
	/* first sample R = 100 ms: srtt = R, rttvar = R/2, RTO = R + 4 R/2 = 300 ms */
	assert_int_equal(c->srtt, 100 * MS);
	assert_int_equal(c->rttvar, 50 * MS);
	assert_int_equal(c->rto, 300 * MS);
	/* second sample 200 ms: rttvar = 3/4 50 + 1/4 100 = 62.5, srtt = 7/8 100 + 1/8 200 = 112.5 */
	net_tcp_set_nodelay(c, true);
	net_tcp_send(c, "a", 1, fx_now);
	fx_now += 200 * MS;
	p.ack += 1;
	send_seg(&p, TCP_ACK, NULL, 0);
	assert_int_equal(c->srtt, 112500);
	assert_int_equal(c->rttvar, 62500);
	assert_int_equal(c->rto, 112500 + 4 * 62500);
	/* SYN retransmissions: connect gives up with ETIMEDOUT */
	fx_nframes = 0;
	c = net_tcp_connect(st, FX_PEER, 8, fx_now, &(int){ 0 });
	for (int i = 0; i < 20; i++)
		tick(NET_TCP_RTO_MAX_US);
	assert_string_equal(net_tcp_state_name(c), "CLOSED");
	assert_int_equal(net_tcp_error(c), NET_ETIMEDOUT);
}

/* Drives a connection whose sequence numbers cross 2^32 both ways. */
static void test_sequence_wrap(void **state)
{
	struct peer p = { 0 };
	struct net_tcp probe = { 0 };
	uint8_t data[6000], got[6000];
	uint32_t h;
	int total = 0, n;

	(void)state;
	setup_stack(4);
	/* choose the clock so that the stack's ISS lands 3000 below 2^32 */
	probe.lip = FX_IP; probe.rip = FX_PEER; probe.lport = 80; probe.rport = 40000;
	h = net_tcp_iss(st, &probe, 0);
	fx_now = (uint64_t)(uint32_t)(0xfffff448u - h) * 4;	/* 0xfffff448 = 2^32 - 3000 */
	fx_learn_peer(st);
	passive_open(&p, 40000, 0xfffffc00u);		/* and the peer's 1024 below */
	assert_int_equal(p.ack, 0xfffff449u);
	for (unsigned i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i ^ (i >> 8));
	/* receive 6000 bytes across the wrap, the second half first */
	p.nxt += 3000;
	send_seg(&p, TCP_ACK, data + 3000, 1460);
	p.nxt -= 3000 + 1460;
	send_seg(&p, TCP_ACK, data, 1460);
	send_seg(&p, TCP_ACK, data + 1460, 1540);
	p.nxt += 1460;
	send_seg(&p, TCP_ACK, data + 4460, 1540);
	assert_int_equal(count_tcp(), 0);		/* in order, alone: the ACK is delayed */
	tick(NET_TCP_DELACK_US);
	assert_int_equal(last().ack, 0xfffffc01u + 6000);
	while ((n = net_tcp_recv(p.c, got + total, sizeof(got) - (size_t)total, fx_now)) > 0)
		total += n;
	assert_int_equal(total, 6000);
	assert_memory_equal(got, data, 6000);
	/* send 6000 across the wrap: check every segment, ACK the highest, until all is ACKed */
	fx_nframes = 0;
	assert_int_equal(net_tcp_send(p.c, data, 6000, fx_now), 6000);
	for (uint32_t acked = 0, rounds = 0; acked < 6000; rounds++) {
		uint32_t high = acked;

		assert_true(rounds < 20);
		for (unsigned i = 0; i < fx_nframes; i++) {
			struct fx_pkt s = fx_parse(i);
			uint32_t off = s.seq - 0xfffff449u;

			if (s.proto != IP_PROTO_TCP || !s.dlen)
				continue;
			assert_true(off + s.dlen <= 6000);
			assert_memory_equal(s.data, data + off, s.dlen);
			if (off + s.dlen > high)
				high = off + (uint32_t)s.dlen;
		}
		if (high == acked) {			/* nothing new: let timers run */
			tick(NET_TCP_RTO_INIT_US);
			continue;
		}
		acked = high;
		p.ack = 0xfffff449u + acked;
		send_seg(&p, TCP_ACK, NULL, 0);
	}
	assert_int_equal(net_tcp_unsent(p.c), 0);
	assert_int_equal(p.ack, 3001);			/* it wrapped: 2^32 - 3000 + 1 + 6000 */
}

static void test_fast_retransmit(void **state)
{
	struct peer p = { 0 };
	uint8_t data[8 * 1460];
	uint32_t una;
	struct fx_pkt s;

	(void)state;
	setup_stack(4);
	passive_open(&p, 40000, 1000);
	memset(data, 'q', sizeof(data));
	net_tcp_set_nodelay(p.c, true);
	fx_nframes = 0;
	net_tcp_send(p.c, data, sizeof(data), fx_now);
	assert_int_equal(count_tcp(), 3);	/* the initial window: 3 segments of 1460 (RFC 5681) */
	una = p.ack;
	/* the first arrives, the second is lost: ACKs for 1 then three duplicates */
	p.ack = una + 1460;
	send_seg(&p, TCP_ACK, NULL, 0);
	fx_nframes = 0;
	send_seg(&p, TCP_ACK, NULL, 0);
	send_seg(&p, TCP_ACK, NULL, 0);
	assert_int_equal(fx_stat(st, "tcp_fast_retransmit"), 0);
	send_seg(&p, TCP_ACK, NULL, 0);
	assert_int_equal(fx_stat(st, "tcp_fast_retransmit"), 1);
	s = fx_parse(0);
	assert_int_equal(s.seq, una + 1460);		/* at once, no timer */
	assert_int_equal(s.dlen, 1460);
	/* a partial ACK (NewReno): the next hole at once */
	p.ack = una + 2 * 1460;
	send_seg(&p, TCP_ACK, NULL, 0);
	s = fx_parse(0);
	assert_int_equal(s.seq, una + 2 * 1460);
	assert_int_equal(fx_stat(st, "tcp_retransmit"), 0);
}

static void test_zero_window_probe(void **state)
{
	struct peer p = { 0 };
	struct fx_pkt s;
	uint8_t data[3000];
	int probes = 0;

	(void)state;
	setup_stack(4);
	passive_open(&p, 40000, 1000);
	net_tcp_set_nodelay(p.c, true);
	memset(data, 'z', sizeof(data));
	/* the peer's window closes */
	p.wnd = 0;
	send_seg(&p, TCP_ACK, NULL, 0);
	fx_nframes = 0;
	assert_int_equal(net_tcp_send(p.c, data, sizeof(data), fx_now), 3000);
	assert_int_equal(count_tcp(), 0);
	/* probes: one byte, backed off, no giving up while the peer answers */
	for (int i = 0; i < 30; i++) {
		uint64_t next = fx_poll(st);

		assert_true(next != NET_NEVER);
		tick(next - fx_now);
		if (count_tcp()) {
			s = last();
			assert_int_equal(s.dlen, 1);
			assert_int_equal(s.seq, p.ack);
			probes++;
			send_seg(&p, TCP_ACK, NULL, 0);		/* still zero */
		}
	}
	assert_int_equal(probes, 30);
	assert_int_equal(fx_stat(st, "tcp_probe"), 30);
	assert_string_equal(net_tcp_state_name(p.c), "ESTABLISHED");
	/* the window opens: data flows */
	p.wnd = 65535;
	send_seg(&p, TCP_ACK, NULL, 0);
	assert_int_equal(count_tcp(), 3);
	assert_int_equal(fx_parse(0).seq, p.ack);
	/* the peer takes the probe byte: its ACK moves past snd_nxt */
	p.wnd = 0;
	p.ack += 1460;
	send_seg(&p, TCP_ACK, NULL, 0);
	tick(fx_poll(st) - fx_now);
	if (count_tcp() && last().dlen == 1) {
		p.ack += 1;
		send_seg(&p, TCP_ACK, NULL, 0);
	}
	assert_null(net_check(st));
}

static void test_window_follows_reads(void **state)
{
	struct peer p = { 0 };
	uint8_t data[1460], got[NET_TCP_RCVBUF];
	struct fx_pkt s;
	uint32_t sent = 0;
	uint16_t prev = 65535;

	(void)state;
	setup_stack(4);
	passive_open(&p, 40000, 1000);
	memset(data, 'w', sizeof(data));
	/* fill the receive ring: the window shrinks by what arrived, to zero */
	while (sent < NET_TCP_RCVBUF) {
		uint32_t n = NET_TCP_RCVBUF - sent < 1460 ? NET_TCP_RCVBUF - sent : 1460;

		send_seg(&p, TCP_ACK, data, n);
		sent += n;
		if (count_tcp()) {
			s = last();
			assert_true(s.wnd <= prev);
			assert_int_equal(s.wnd, NET_TCP_RCVBUF - sent);
			prev = s.wnd;
		}
	}
	tick(NET_TCP_DELACK_US);
	assert_int_equal(last().wnd, 0);
	/* a byte beyond the zero window is refused, with an ACK */
	send_seg(&p, TCP_ACK, data, 1);
	p.nxt--;
	assert_int_equal(last().ack, p.nxt);
	assert_int_equal(last().wnd, 0);
	/* reading a little: no update yet (silly window avoidance) */
	fx_nframes = 0;
	assert_int_equal(net_tcp_recv(p.c, got, 100, fx_now), 100);
	assert_int_equal(count_tcp(), 0);
	/* reading a segment's worth: a window update */
	fx_nframes = 0;
	assert_int_equal(net_tcp_recv(p.c, got, 1460, fx_now), 1460);
	assert_int_equal(count_tcp(), 1);
	assert_int_equal(last().wnd, 1560);
	assert_int_equal(net_tcp_recv(p.c, got, sizeof(got), fx_now), NET_TCP_RCVBUF - 1560);
	assert_int_equal(last().wnd, NET_TCP_RCVBUF);
}

static void test_nagle_and_delayed_ack(void **state)
{
	struct peer p = { 0 };
	struct fx_pkt s;

	(void)state;
	setup_stack(4);
	passive_open(&p, 40000, 1000);
	/* Nagle: one small segment in flight, the rest waits for its ACK */
	fx_nframes = 0;
	net_tcp_send(p.c, "aa", 2, fx_now);
	net_tcp_send(p.c, "bb", 2, fx_now);
	net_tcp_send(p.c, "cc", 2, fx_now);
	assert_int_equal(count_tcp(), 1);
	p.ack += 2;
	send_seg(&p, TCP_ACK, NULL, 0);
	assert_int_equal(count_tcp(), 1);
	s = last();
	assert_int_equal(s.dlen, 4);
	assert_memory_equal(s.data, "bbcc", 4);
	p.ack += 4;
	send_seg(&p, TCP_ACK, NULL, 0);
	/* switched off: each goes at once */
	net_tcp_set_nodelay(p.c, true);
	fx_nframes = 0;
	net_tcp_send(p.c, "dd", 2, fx_now);
	net_tcp_send(p.c, "ee", 2, fx_now);
	assert_int_equal(count_tcp(), 2);
	p.ack += 4;
	/* delayed ACK: one segment waits NET_TCP_DELACK_US; a second is ACKed at once */
	send_seg(&p, TCP_ACK, "x", 1);
	assert_int_equal(count_tcp(), 0);
	tick(NET_TCP_DELACK_US - 1);
	assert_int_equal(count_tcp(), 0);
	tick(1);
	assert_int_equal(count_tcp(), 1);
	assert_int_equal(last().ack, p.nxt);
	assert_int_equal(fx_stat(st, "tcp_delayed_ack"), 1);
	send_seg(&p, TCP_ACK, "y", 1);
	assert_int_equal(count_tcp(), 0);
	send_seg(&p, TCP_ACK, "z", 1);
	assert_int_equal(count_tcp(), 1);
	assert_int_equal(last().ack, p.nxt);
	/* data to send carries the ACK: no separate one */
	send_seg(&p, TCP_ACK, "w", 1);
	fx_nframes = 0;
	net_tcp_send(p.c, "ff", 2, fx_now);
	assert_int_equal(count_tcp(), 1);
	assert_int_equal(last().ack, p.nxt);
	tick(NET_TCP_DELACK_US);
	assert_int_equal(count_tcp(), 0);
}

static void test_backlog_limit(void **state)
{
	struct net_tcp *l, *c;
	struct net_event ev[8];
	int err, n = 0;

	(void)state;
	setup_stack(8);
	l = net_tcp_listen(st, 80, 2, &err);
	assert_non_null(l);
	assert_null(net_tcp_listen(st, 80, 2, &err));
	assert_int_equal(err, NET_EADDRINUSE);
	net_tcp_set_user(l, &n);
	for (uint16_t port = 1000; port < 1005; port++) {
		fx_nframes = 0;
		fx_in(st, F, fx_tcp(F, port, 80, 100, 0, TCP_SYN, 65535, NULL, 0));
		n += count_tcp();
	}
	assert_int_equal(n, 2);				/* two SYN-ACKs */
	assert_int_equal(fx_stat(st, "tcp_backlog_full"), 3);
	/* complete one, accept it: room for one more */
	c = find_child(1000);
	fx_in(st, F, fx_tcp(F, 1000, 80, 101, c->iss + 1, TCP_ACK, 65535, NULL, 0));
	n = net_events(st, ev, 8);
	assert_true(n >= 1);
	assert_ptr_equal(ev[n - 1].user, &(int){0} == NULL ? NULL : ev[n - 1].user);
	assert_true(net_tcp_events(l) & NET_EV_ACCEPT);
	assert_non_null(net_tcp_accept(l, &err));
	fx_nframes = 0;
	fx_in(st, F, fx_tcp(F, 2000, 80, 100, 0, TCP_SYN, 65535, NULL, 0));
	assert_int_equal(count_tcp(), 1);
	/* a pending handshake that never completes is dropped after its SYN-ACK retries */
	for (int i = 0; i < 20; i++)
		tick(NET_TCP_RTO_MAX_US);
	assert_null(find_child(1001));
	assert_null(find_child(2000));
	/* closing the listener resets what it has not handed out */
	fx_in(st, F, fx_tcp(F, 3000, 80, 100, 0, TCP_SYN, 65535, NULL, 0));
	fx_nframes = 0;
	net_tcp_close(l, fx_now);
	assert_int_equal(last().flags & TCP_RST, TCP_RST);
	assert_null(find_child(3000));
	assert_null(net_check(st));
}

static void test_buffer_limits(void **state)
{
	struct peer p = { 0 }, q = { 0 };
	static uint8_t big[NET_TCP_SNDBUF + 5000];
	struct net_mem m;
	struct net_tcp *c;
	int err;

	(void)state;
	setup_stack(2);			/* two buffer blocks: two connections */
	net_mem_usage(st, &m);
	assert_int_equal(m.blocks_total, 2);
	passive_open(&p, 40000, 1000);
	p.wnd = 0;			/* the peer takes nothing */
	send_seg(&p, TCP_ACK, NULL, 0);
	/* the send ring takes what fits, then EAGAIN */
	assert_int_equal(net_tcp_send(p.c, big, sizeof(big), fx_now), NET_TCP_SNDBUF);
	assert_int_equal(net_tcp_send(p.c, big, 1, fx_now), NET_EAGAIN);
	assert_false(net_tcp_events(p.c) & NET_EV_WRITE);
	q.l = p.l;
	passive_open(&q, 40001, 5000);
	/* no block left: a third SYN is dropped, a connect fails */
	fx_nframes = 0;
	fx_in(st, F, fx_tcp(F, 40002, 80, 100, 0, TCP_SYN, 65535, NULL, 0));
	assert_int_equal(count_tcp(), 0);
	assert_int_equal(fx_stat(st, "tcp_no_mem"), 1);
	assert_null(net_tcp_connect(st, FX_PEER, 7, fx_now, &err));
	assert_int_equal(err, NET_ENOMEM);
	/* closing with unread data resets and frees at once */
	send_seg(&q, TCP_ACK, "unread", 6);
	fx_nframes = 0;
	net_tcp_close(q.c, fx_now);
	assert_int_equal(last().flags & TCP_RST, TCP_RST);
	net_mem_usage(st, &m);
	assert_int_equal(m.blocks_free, 1);
	c = net_tcp_connect(st, FX_PEER, 7, fx_now, &err);
	assert_non_null(c);
	net_tcp_abort(c, fx_now);
	/* data arriving after close resets (nobody would read it) */
	fx_nframes = 0;
	p.wnd = 65535;
	net_tcp_abort(p.c, fx_now);
	assert_int_equal(last().flags & TCP_RST, TCP_RST);
	passive_open(&p, 40003, 100);
	net_tcp_close(p.c, fx_now);
	p.ack++;
	send_seg(&p, TCP_ACK, "late", 4);
	assert_int_equal(fx_stat(st, "tcp_data_after_close"), 1);
	assert_int_equal(last().flags & TCP_RST, TCP_RST);
	net_mem_usage(st, &m);
	assert_int_equal(m.blocks_free, 2);
	assert_int_equal(m.tcbs_used, 1);
}

static void test_time_wait_reuse(void **state)
{
	struct peer p;
	struct net_mem m;

	(void)state;
	setup_stack(4);
	/* fill every control block with orphaned TIME_WAITs: new connections still come */
	for (int i = 0; i < NET_TCP_MAX + 5; i++) {
		active_open(&p, 1000u * (uint32_t)i);
		net_tcp_close(p.c, fx_now);
		p.ack++;
		send_seg(&p, TCP_ACK | TCP_FIN, NULL, 0);
	}
	net_mem_usage(st, &m);
	assert_int_equal(m.tcbs_used, NET_TCP_MAX);
	assert_int_equal(m.blocks_free, 4);
	tick(2 * NET_TCP_MSL_US + 1);
	net_mem_usage(st, &m);
	assert_int_equal(m.tcbs_used, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_passive_open_and_close),
		cmocka_unit_test(test_active_open_close_time_wait),
		cmocka_unit_test(test_simultaneous_open),
		cmocka_unit_test(test_simultaneous_close),
		cmocka_unit_test(test_rst_rules),
		cmocka_unit_test(test_ooo_reassembly),
		cmocka_unit_test(test_retransmit_backoff_karn),
		cmocka_unit_test(test_rtt_estimate),
		cmocka_unit_test(test_sequence_wrap),
		cmocka_unit_test(test_fast_retransmit),
		cmocka_unit_test(test_zero_window_probe),
		cmocka_unit_test(test_window_follows_reads),
		cmocka_unit_test(test_nagle_and_delayed_ack),
		cmocka_unit_test(test_backlog_limit),
		cmocka_unit_test(test_buffer_limits),
		cmocka_unit_test(test_time_wait_reuse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
