/* tcp.c -- TCP control blocks and the socket calls (RFC 9293 3.10.1-3.10.6: OPEN, SEND, RECEIVE,
 * CLOSE, ABORT): allocation from the fixed table and the buffer-block pool, the listener's
 * backlog and accept queue, readiness, and net_tcp_check() for invariants T1-T5 (net_impl.h).
 * A control block is freed only when the protocol is done with it (CLOSED) AND the application
 * has given it back (app_open false), so a socket pointer stays valid until net_tcp_close. */
#include "net_impl.h"

#define SMASK	(NET_TCP_SNDBUF - 1)
#define RMASK	(NET_TCP_RCVBUF - 1)

static const char *const state_names[] = {
	"CLOSED", "LISTEN", "SYN_SENT", "SYN_RCVD", "ESTABLISHED", "FIN_WAIT_1", "FIN_WAIT_2",
	"CLOSE_WAIT", "CLOSING", "LAST_ACK", "TIME_WAIT",
};

const char *net_tcp_state_name(const struct net_tcp *c) { return state_names[c->state]; }

static void tcp_free(struct net_tcp *c)
{
	if (c->sbuf)
		net_block_free(c->st, c->sbuf);
	c->sbuf = c->rbuf = NULL;
	c->in_use = false;
	c->magic = 0;
}

struct net_tcp *net_tcp_alloc(struct net_stack *st, bool need_buffers)
{
	struct net_tcp *c = NULL, *tw = NULL;
	uint8_t *block = NULL;

	for (unsigned i = 0; i < NET_TCP_MAX && !c; i++) {
		struct net_tcp *t = &st->tcp[i];

		if (!t->in_use)
			c = t;
		else if (t->state == TCP_TIME_WAIT && !t->app_open && (!tw || t->t_wait < tw->t_wait))
			tw = t;
	}
	if (need_buffers && !(block = net_block_alloc(st)))
		return NULL;
	if (!c && tw) {			/* the table's limit: the oldest orphaned TIME_WAIT goes */
		tcp_free(tw);
		c = tw;
	}
	if (!c) {
		if (block)
			net_block_free(st, block);
		return NULL;
	}
	memset(c, 0, sizeof(*c));
	c->magic = NET_TCP_MAGIC;
	c->st = st;
	c->in_use = true;
	c->sbuf = block;
	c->rbuf = block ? block + NET_TCP_SNDBUF : NULL;
	c->mss = NET_TCP_MSS_DEFAULT;
	c->rto = NET_TCP_RTO_INIT_US;
	c->ssthresh = 0x7fffffff;
	return c;
}

/* Leaves the listener it belongs to (pending handshake or accept queue). */
static void tcp_unlink_parent(struct net_tcp *c)
{
	struct net_tcp *l = c->parent;

	if (!l)
		return;
	c->parent = NULL;
	for (unsigned i = 0; i < l->nacceptq; i++)
		if (l->acceptq[i] == c) {
			memmove(&l->acceptq[i], &l->acceptq[i + 1],
				(l->nacceptq - i - 1) * sizeof(l->acceptq[0]));
			l->nacceptq--;
			l->changed = true;
			return;
		}
	l->npending--;
}

void net_tcp_maybe_free(struct net_tcp *c)
{
	if ((c->state == TCP_TIME_WAIT || c->state == TCP_CLOSED) && c->sbuf &&
	    (!c->app_open || c->rbuf_len == 0)) {
		net_block_free(c->st, c->sbuf);
		c->sbuf = c->rbuf = NULL;
		c->sbuf_len = c->rbuf_len = 0;
		c->nooo = 0;
	}
	if (c->state == TCP_CLOSED && !c->app_open && !c->parent)
		tcp_free(c);
}

void net_tcp_set_state(struct net_tcp *c, uint8_t state, uint64_t now)
{
	c->state = state;
	c->changed = true;
	if (state == TCP_ESTABLISHED && c->parent) {
		struct net_tcp *l = c->parent;

		l->npending--;
		l->acceptq[l->nacceptq++] = c;	/* fits: npending + nacceptq <= backlog */
		l->changed = true;
	}
	if (state == TCP_TIME_WAIT || state == TCP_CLOSED) {
		c->t_rexmt = c->t_persist = c->t_delack = 0;
		c->t_wait = state == TCP_TIME_WAIT ? now + 2 * NET_TCP_MSL_US : 0;
		net_tcp_maybe_free(c);
	}
}

/* Ends the connection (no segment sent: the caller sends a RST if one is due). */
void net_tcp_drop(struct net_tcp *c, int err, uint64_t now)
{
	if (err && !c->err)
		c->err = err;
	if (c->parent) {		/* a child nobody accepted yet: forget it */
		tcp_unlink_parent(c);
		c->app_open = false;
	}
	c->nooo = 0;
	c->peer_fin_seen = false;
	if (err)
		c->sbuf_len = 0;	/* RFC 9293: a reset flushes the queues */
	net_tcp_set_state(c, TCP_CLOSED, now);
}

/* RFC 6528: a clock ticking every 4 us plus a keyed hash of the connection's addresses (the
 * key is the caller's seed: not a cryptographic secret, but unguessable off the machine). */
uint32_t net_tcp_iss(struct net_stack *st, const struct net_tcp *c, uint64_t now)
{
	uint32_t h = st->seed ^ 0x5bd1e995u, w[3] = { c->lip, c->rip, (uint32_t)c->lport << 16 | c->rport };

	for (int i = 0; i < 3; i++) {
		h ^= w[i];
		h *= 0x9e3779b1u;
		h ^= h >> 15;
	}
	return h + (uint32_t)(now / 4);
}

/* ---- the socket calls ----
 * A pointer the application gave back (or never had) fails with NET_EINVAL instead of touching
 * someone's state; a slot already reused for another connection cannot be told apart (the
 * service keeps its own handle table with generations if it needs that). */
static bool tcp_ok(const struct net_tcp *c)
{
	return c && c->magic == NET_TCP_MAGIC && c->in_use && c->app_open;
}

static bool port_used(struct net_stack *st, uint16_t port, bool listeners_only)
{
	for (unsigned i = 0; i < NET_TCP_MAX; i++) {
		const struct net_tcp *t = &st->tcp[i];

		if (t->in_use && t->lport == port && (!listeners_only || t->state == TCP_LISTEN))
			return true;
	}
	return false;
}

struct net_tcp *net_tcp_listen(struct net_stack *st, uint16_t port, int backlog, int *err)
{
	struct net_tcp *l;

	if (port == 0) {
		*err = NET_EINVAL;
		return NULL;
	}
	if (port_used(st, port, true)) {
		*err = NET_EADDRINUSE;
		return NULL;
	}
	if (!(l = net_tcp_alloc(st, false))) {
		*err = NET_ENOMEM;
		return NULL;
	}
	l->state = TCP_LISTEN;
	l->lport = port;
	l->app_open = true;
	l->backlog = (uint8_t)(backlog < 1 ? 1 : backlog > NET_TCP_BACKLOG_MAX ?
			       NET_TCP_BACKLOG_MAX : backlog);
	*err = NET_OK;
	return l;
}

struct net_tcp *net_tcp_accept(struct net_tcp *l, int *err)
{
	struct net_tcp *c;

	if (!tcp_ok(l) || l->state != TCP_LISTEN) {
		*err = NET_EINVAL;
		return NULL;
	}
	if (!l->nacceptq) {
		*err = NET_EAGAIN;
		return NULL;
	}
	c = l->acceptq[0];
	tcp_unlink_parent(c);
	c->app_open = true;
	c->changed = true;
	*err = NET_OK;
	return c;
}

struct net_tcp *net_tcp_connect(struct net_stack *st, net_ip addr, uint16_t port, uint64_t now_us,
				int *err)
{
	struct net_tcp *c;
	uint16_t lport = 0;

	if (st->cfg.source == NET_CFG_NONE) {
		*err = NET_EHOSTUNREACH;
		return NULL;
	}
	if (port == 0 || addr == 0 || addr == 0xffffffffu) {
		*err = NET_EINVAL;
		return NULL;
	}
	for (unsigned n = 0; n <= NET_TCP_EPHEMERAL_HI - NET_TCP_EPHEMERAL_LO && !lport; n++) {
		uint16_t p = st->next_port;

		st->next_port = p == NET_TCP_EPHEMERAL_HI ? NET_TCP_EPHEMERAL_LO : (uint16_t)(p + 1);
		if (!port_used(st, p, false))
			lport = p;
	}
	if (!lport || !(c = net_tcp_alloc(st, true))) {
		st->stats.tcp_no_mem++;
		*err = NET_ENOMEM;
		return NULL;
	}
	c->lip = st->cfg.addr;
	c->rip = addr;
	c->lport = lport;
	c->rport = port;
	c->active = true;
	c->app_open = true;
	c->iss = net_tcp_iss(st, c, now_us);
	c->snd_una = c->iss;
	c->snd_nxt = c->snd_max = c->sbuf_seq = c->iss + 1;
	c->state = TCP_SYN_SENT;
	st->stats.tcp_active_open++;
	c->rtt_timing = true;
	c->rtt_seq = c->iss + 1;
	c->rtt_start = now_us;
	net_tcp_send_seg(c, c->iss, 0, TCP_SYN, now_us);
	net_tcp_rexmt_start(c, now_us);
	*err = NET_OK;
	return c;
}

int net_tcp_send(struct net_tcp *c, const void *buf, size_t len, uint64_t now_us)
{
	const uint8_t *b = buf;
	uint32_t n, at, first;

	if (!tcp_ok(c))
		return NET_EINVAL;
	if (c->err)
		return c->err;
	if (c->state == TCP_SYN_SENT || c->state == TCP_SYN_RCVD || c->state == TCP_LISTEN)
		return NET_ENOTCONN;
	if (c->fin_queued || (c->state != TCP_ESTABLISHED && c->state != TCP_CLOSE_WAIT))
		return NET_EPIPE;
	n = NET_TCP_SNDBUF - c->sbuf_len;
	if (n == 0)
		return NET_EAGAIN;
	if (len < n)
		n = (uint32_t)len;
	at = (c->sbuf_head + c->sbuf_len) & SMASK;
	first = NET_TCP_SNDBUF - at < n ? NET_TCP_SNDBUF - at : n;
	memcpy(c->sbuf + at, b, first);
	memcpy(c->sbuf, b + first, n - first);
	c->sbuf_len += n;
	net_tcp_output(c, now_us);
	return (int)n;
}

int net_tcp_recv(struct net_tcp *c, void *buf, size_t len, uint64_t now_us)
{
	uint8_t *b = buf;
	uint32_t n, first;

	if (!tcp_ok(c) || c->state == TCP_LISTEN)
		return NET_EINVAL;
	n = c->rbuf_len;
	if (n == 0) {
		if (c->rcv_fin || c->rd_shut)
			return 0;
		if (c->err)
			return c->err;
		return c->state == TCP_CLOSED ? NET_ENOTCONN : NET_EAGAIN;
	}
	if (len < n)
		n = (uint32_t)len;
	first = NET_TCP_RCVBUF - c->rbuf_head < n ? NET_TCP_RCVBUF - c->rbuf_head : n;
	memcpy(b, c->rbuf + c->rbuf_head, first);
	memcpy(b + first, c->rbuf, n - first);
	c->rbuf_head = (c->rbuf_head + n) & RMASK;
	c->rbuf_len -= n;
	/* the window follows the reading: announce it once it grew enough (receiver SWS, 3.8.6.2.2) */
	if (c->state >= TCP_ESTABLISHED && c->state != TCP_TIME_WAIT && !c->rcv_fin &&
	    net_tcp_window_grows(c))
		net_tcp_send_ack(c, now_us);
	net_tcp_maybe_free(c);
	return (int)n;
}

int net_tcp_shutdown(struct net_tcp *c, int how, uint64_t now_us)
{
	if (!tcp_ok(c) || how < 0 || how > 2 || c->state == TCP_LISTEN)
		return NET_EINVAL;
	if (how != 1) {
		c->rd_shut = true;
		c->rbuf_len = 0;
		c->nooo = 0;
		c->changed = true;
	}
	if (how == 0 || c->fin_queued)
		return NET_OK;
	switch (c->state) {
	case TCP_ESTABLISHED:
		net_tcp_set_state(c, TCP_FIN_WAIT_1, now_us);
		break;
	case TCP_CLOSE_WAIT:
		net_tcp_set_state(c, TCP_LAST_ACK, now_us);
		break;
	case TCP_SYN_SENT:
	case TCP_SYN_RCVD:
		return NET_ENOTCONN;
	default:
		return c->err ? c->err : NET_EPIPE;
	}
	c->fin_queued = true;
	net_tcp_output(c, now_us);
	return NET_OK;
}

static bool synchronized(const struct net_tcp *c)
{
	return c->state >= TCP_SYN_RCVD && c->state != TCP_TIME_WAIT;
}

void net_tcp_abort(struct net_tcp *c, uint64_t now_us)
{
	if (!tcp_ok(c) && !(c && c->in_use && c->parent))	/* a listener aborts its children */
		return;
	if (c->state == TCP_LISTEN) {
		net_tcp_close(c, now_us);
		return;
	}
	if (synchronized(c)) {
		c->st->stats.tcp_rst_tx++;
		net_tcp_send_rst(c->st, c->lip, c->rip, c->lport, c->rport, c->snd_nxt, 0, false, now_us);
	}
	c->app_open = false;
	net_tcp_drop(c, 0, now_us);
}

void net_tcp_close(struct net_tcp *c, uint64_t now_us)
{
	struct net_stack *st;

	if (!tcp_ok(c))
		return;
	st = c->st;
	if (c->state == TCP_LISTEN) {	/* reset every child not yet accepted */
		for (unsigned i = 0; i < NET_TCP_MAX; i++) {
			struct net_tcp *t = &st->tcp[i];

			if (t->in_use && t->parent == c)
				net_tcp_abort(t, now_us);
		}
		c->app_open = false;
		net_tcp_set_state(c, TCP_CLOSED, now_us);
		return;
	}
	if (c->rbuf_len > 0 || c->state == TCP_SYN_SENT || c->state == TCP_SYN_RCVD) {
		net_tcp_abort(c, now_us);	/* unread data: tell the peer it was lost */
		return;
	}
	if (c->state == TCP_ESTABLISHED || c->state == TCP_CLOSE_WAIT)
		net_tcp_shutdown(c, 1, now_us);
	c->app_open = false;
	c->changed = false;
	if (c->state == TCP_FIN_WAIT_2 && !c->t_wait)
		c->t_wait = now_us + NET_TCP_FIN_WAIT2_US;
	net_tcp_maybe_free(c);
}

void net_tcp_set_nodelay(struct net_tcp *c, bool nodelay) { c->nodelay = nodelay; }
void net_tcp_set_user(struct net_tcp *c, void *user) { c->user = user; }
void *net_tcp_user(const struct net_tcp *c) { return c->user; }
int net_tcp_error(const struct net_tcp *c) { return c->err; }
uint16_t net_tcp_local_port(const struct net_tcp *c) { return c->lport; }
size_t net_tcp_unsent(const struct net_tcp *c) { return c->sbuf_len; }

void net_tcp_peer(const struct net_tcp *c, net_ip *addr, uint16_t *port)
{
	*addr = c->rip;
	*port = c->rport;
}

unsigned net_tcp_events(const struct net_tcp *c)
{
	unsigned ev = 0;

	if (c->state == TCP_LISTEN)
		return c->nacceptq ? NET_EV_ACCEPT | NET_EV_READ : 0;
	if (c->err)
		ev |= NET_EV_ERROR | NET_EV_READ | NET_EV_WRITE;
	if (c->rbuf_len || c->rcv_fin || c->rd_shut)
		ev |= NET_EV_READ;
	if (c->rcv_fin)
		ev |= NET_EV_HUP;
	if (c->state >= TCP_ESTABLISHED && !c->err)
		ev |= NET_EV_CONNECTED;
	if ((c->state == TCP_ESTABLISHED || c->state == TCP_CLOSE_WAIT) && !c->fin_queued &&
	    c->sbuf_len < NET_TCP_SNDBUF)
		ev |= NET_EV_WRITE;
	if (c->fin_queued || (c->state > TCP_CLOSE_WAIT) || c->state == TCP_CLOSED)
		ev |= NET_EV_WRITE;	/* send fails at once */
	return ev;
}

/* ---- invariants T1-T5 ---- */
const char *net_tcp_check(const struct net_tcp *c)
{
	if (c->magic != NET_TCP_MAGIC)
		return "TCP control block magic";
	if (c->state == TCP_LISTEN) {
		if (c->sbuf || c->nacceptq + c->npending > c->backlog)
			return "T5: listener with buffers or over its backlog";
		for (unsigned i = 0; i < c->nacceptq; i++)
			if (c->acceptq[i]->parent != c || c->acceptq[i]->state < TCP_ESTABLISHED ||
			    !c->acceptq[i]->in_use)
				return "T5: accept queue holds a stranger";
		return NULL;
	}
	if (c->state == TCP_CLOSED)
		return NULL;
	if (!SEQ_LEQ(c->snd_una, c->snd_nxt) || !SEQ_LEQ(c->snd_nxt, c->snd_max))
		return "T1: snd_una <= snd_nxt <= snd_max";
	if (c->sbuf) {
		uint32_t end = c->sbuf_seq + c->sbuf_len + (c->fin_queued ? 1 : 0);

		if (SEQ_GT(c->snd_max, end + 1))	/* + 1: a zero-window probe's byte */
			return "T1: snd_max beyond the queued data";
		if (c->sbuf_len > NET_TCP_SNDBUF)
			return "T2: send ring overfull";
		if (c->state >= TCP_ESTABLISHED && c->sbuf_seq != c->snd_una &&
		    !(c->fin_queued && c->sbuf_len == 0 && c->snd_una == c->sbuf_seq + 1))
			return "T2: send ring does not start at snd_una";
	}
	if (c->rbuf) {
		uint32_t free = NET_TCP_RCVBUF - c->rbuf_len;

		if (c->rbuf_len > NET_TCP_RCVBUF)
			return "T3: receive ring overfull";
		if (c->state >= TCP_ESTABLISHED && SEQ_GT(c->rcv_adv, c->rcv_nxt) &&
		    c->rcv_adv - c->rcv_nxt > free)
			return "T3: advertised window beyond the ring's free space";
		for (unsigned i = 0; i < c->nooo; i++) {
			if (!SEQ_GT(c->ooo[i].start, c->rcv_nxt) || !SEQ_LT(c->ooo[i].start, c->ooo[i].end))
				return "T4: out-of-order range not after rcv_nxt";
			if (c->ooo[i].end - c->rcv_nxt > free)
				return "T4: out-of-order range outside the ring";
			if (i && !SEQ_GT(c->ooo[i].start, c->ooo[i - 1].end))
				return "T4: out-of-order ranges unsorted or touching";
		}
	} else if (c->rbuf_len || c->nooo) {
		return "B1: data without a buffer block";
	}
	if (c->nooo > NET_TCP_OOO_MAX)
		return "T4: too many ranges";
	return NULL;
}
