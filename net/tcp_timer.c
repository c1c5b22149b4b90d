/* tcp_timer.c -- the four TCP timers of a connection, all absolute deadlines run by net_poll:
 * retransmission (RFC 6298: exponential backoff, Karn, go-back-N from snd_una, give up after
 * NET_TCP_RETRIES), persist (zero-window probes of one byte, backed off, never giving up while
 * the peer answers), delayed ACK, and the wait timer (TIME_WAIT's 2 MSL, or an orphaned
 * FIN_WAIT_2's limit). */
#include "net_impl.h"

static uint32_t max32(uint32_t a, uint32_t b) { return a > b ? a : b; }

static void backoff(struct net_tcp *c)
{
	c->rto *= 2;
	if (c->rto > NET_TCP_RTO_MAX_US)
		c->rto = NET_TCP_RTO_MAX_US;
}

static void rexmt_expired(struct net_tcp *c, uint64_t now)
{
	struct net_stack *st = c->st;

	c->t_rexmt = 0;
	if (c->state == TCP_SYN_SENT || c->state == TCP_SYN_RCVD) {
		if (c->retries >= NET_TCP_SYN_RETRIES) {
			st->stats.tcp_timeout++;
			net_tcp_drop(c, NET_ETIMEDOUT, now);
			return;
		}
		c->retries++;
		st->stats.tcp_retransmit++;
		backoff(c);
		c->rtt_timing = false;
		net_tcp_send_seg(c, c->iss, 0, c->state == TCP_SYN_SENT ? TCP_SYN : TCP_SYN | TCP_ACK, now);
		net_tcp_rexmt_start(c, now);
		return;
	}
	if (c->snd_una == c->snd_max)
		return;
	if (c->retries >= NET_TCP_RETRIES) {
		st->stats.tcp_timeout++;
		st->stats.tcp_rst_tx++;
		net_tcp_send_rst(st, c->lip, c->rip, c->lport, c->rport, c->snd_nxt, 0, false, now);
		net_tcp_drop(c, NET_ETIMEDOUT, now);
		return;
	}
	c->retries++;
	st->stats.tcp_retransmit++;
	/* RFC 5681 (4): one segment, slow start again from a halved threshold */
	c->ssthresh = max32((c->snd_max - c->snd_una) / 2, 2u * c->mss);
	c->cwnd = c->mss;
	c->in_recovery = false;
	c->dupacks = 0;
	c->recover = c->snd_max;
	backoff(c);
	c->snd_nxt = c->snd_una;
	net_tcp_retransmit_first(c, now);
	net_tcp_rexmt_start(c, now);
}

static void persist_expired(struct net_tcp *c, uint64_t now)
{
	uint64_t d;

	c->t_persist = 0;
	if (c->snd_wnd > 0 || c->sbuf_len == 0 || c->snd_nxt != c->snd_una) {
		net_tcp_output(c, now);
		return;
	}
	/* one byte past the closed window (3.8.6.1); its ACK moves snd_una if it was taken */
	c->st->stats.tcp_probe++;
	net_tcp_send_seg(c, c->snd_una, 1, TCP_ACK, now);
	if (SEQ_GT(c->snd_una + 1, c->snd_max))
		c->snd_max = c->snd_una + 1;
	if (c->persist_shift < 16)
		c->persist_shift++;
	d = c->rto << (c->persist_shift < 8 ? c->persist_shift : 8);
	c->t_persist = now + (d < NET_TCP_PERSIST_MAX_US ? d : NET_TCP_PERSIST_MAX_US);
}

static void wait_expired(struct net_tcp *c, uint64_t now)
{
	c->t_wait = 0;
	if (c->state == TCP_TIME_WAIT || (c->state == TCP_FIN_WAIT_2 && !c->app_open))
		net_tcp_drop(c, 0, now);
}

static uint64_t earliest(const struct net_tcp *c)
{
	uint64_t t = NET_NEVER;
	const uint64_t ts[4] = { c->t_rexmt, c->t_persist, c->t_delack, c->t_wait };

	for (int i = 0; i < 4; i++)
		if (ts[i] && ts[i] < t)
			t = ts[i];
	return t;
}

uint64_t net_tcp_poll(struct net_stack *st, uint64_t now)
{
	uint64_t next = NET_NEVER;

	for (unsigned i = 0; i < NET_TCP_MAX; i++) {
		struct net_tcp *c = &st->tcp[i];

		if (!c->in_use)
			continue;
		if (c->t_delack && now >= c->t_delack) {
			st->stats.tcp_delayed_ack++;
			net_tcp_send_ack(c, now);
		}
		if (c->in_use && c->t_rexmt && now >= c->t_rexmt)
			rexmt_expired(c, now);
		if (c->in_use && c->t_persist && now >= c->t_persist)
			persist_expired(c, now);
		if (c->in_use && c->t_wait && now >= c->t_wait)
			wait_expired(c, now);
		if (c->in_use && earliest(c) < next)
			next = earliest(c);
	}
	return next;
}
