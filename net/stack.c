/* stack.c -- a stack's life: carving the region, configuration, the timer entry point, readiness
 * events, the counters by name, and net_check(), the verifier of the invariants named in
 * net_impl.h. */
#include "net_impl.h"

#define ALIGN8(x)	(((x) + 7) & ~(size_t)7)
#define BLOCK_SIZE	((size_t)NET_TCP_SNDBUF + NET_TCP_RCVBUF)

_Static_assert((NET_TCP_SNDBUF & (NET_TCP_SNDBUF - 1)) == 0, "send ring size: a power of two");
_Static_assert((NET_TCP_RCVBUF & (NET_TCP_RCVBUF - 1)) == 0, "receive ring size: a power of two");
_Static_assert(NET_TCP_RCVBUF <= 65535, "no window scaling: the window field is 16 bits");
_Static_assert(NET_PKT_SIZE >= NET_FRAME_MAX, "a packet buffer holds a whole frame");

size_t net_mem_size(unsigned tcp_conns)
{
	return ALIGN8(sizeof(struct net_stack)) + NET_PKT_BUFS * sizeof(struct net_pkt) +
	       (size_t)tcp_conns * BLOCK_SIZE + 8;
}

struct net_stack *net_stack_init(const struct net_init *init)
{
	uintptr_t base = ((uintptr_t)init->mem + 7) & ~(uintptr_t)7;
	size_t skew = base - (uintptr_t)init->mem, fixed, nblocks;
	struct net_stack *st;

	if (init->mem_len < net_mem_size(1) || !init->send_frame)
		return NULL;
	fixed = ALIGN8(sizeof(struct net_stack)) + NET_PKT_BUFS * sizeof(struct net_pkt);
	nblocks = (init->mem_len - skew - fixed) / BLOCK_SIZE;
	if (nblocks > NET_TCP_MAX)
		nblocks = NET_TCP_MAX;
	st = (struct net_stack *)base;
	memset(st, 0, sizeof(*st));
	st->magic = NET_STACK_MAGIC;
	memcpy(st->mac, init->mac, 6);
	st->send_frame = init->send_frame;
	st->ctx = init->ctx;
	st->seed = init->seed;
	st->rng = init->seed * 2654435761u + 0x9e3779b9u;
	if (!st->rng)
		st->rng = 1;
	st->ping_id = (uint16_t)net_random(st);
	st->next_port = (uint16_t)(NET_TCP_EPHEMERAL_LO +
		net_random(st) % (NET_TCP_EPHEMERAL_HI - NET_TCP_EPHEMERAL_LO + 1));
	st->cfg.source = NET_CFG_NONE;
	memcpy(st->cfg.mac, init->mac, 6);
	net_buf_init(st, (uint8_t *)st + ALIGN8(sizeof(struct net_stack)), nblocks);
	(void)init->now_us;
	return st;
}

void net_apply_config(struct net_stack *st, const struct net_ifconfig *cfg)
{
	st->cfg = *cfg;
	memcpy(st->cfg.mac, st->mac, 6);
	st->config_changed = true;
	net_arp_flush(st);		/* entries learnt under another address may be wrong */
	if (cfg->source != NET_CFG_NONE)
		net_arp_announce(st);
}

void net_set_static(struct net_stack *st, const struct net_ifconfig *cfg, bool use_now,
		    uint64_t now_us)
{
	(void)now_us;
	st->fallback = *cfg;
	st->fallback.source = NET_CFG_STATIC;
	st->fallback.lease_s = 0;
	if (use_now) {
		st->dhcp.state = DHCP_OFF;
		net_apply_config(st, &st->fallback);
	}
}

void net_get_config(const struct net_stack *st, struct net_ifconfig *cfg)
{
	*cfg = st->cfg;
}

static uint64_t min64(uint64_t a, uint64_t b) { return a < b ? a : b; }

uint64_t net_poll(struct net_stack *st, uint64_t now_us)
{
	uint64_t next = net_arp_poll(st, now_us);

	next = min64(next, net_dhcp_poll(st, now_us));
	next = min64(next, net_tcp_poll(st, now_us));
	return next;
}

int net_events(struct net_stack *st, struct net_event *ev, int max)
{
	int n = 0;

	if (n < max && st->config_changed) {
		st->config_changed = false;
		ev[n++] = (struct net_event){ .kind = NET_SOCK_CONFIG, .token = -1 };
	}
	for (unsigned i = 0; i < NET_TCP_MAX && n < max; i++) {
		struct net_tcp *c = &st->tcp[i];

		if (c->in_use && c->changed && c->app_open) {
			c->changed = false;
			ev[n++] = (struct net_event){ .kind = NET_SOCK_TCP, .sock = c, .user = c->user,
						      .token = -1, .events = net_tcp_events(c) };
		}
	}
	for (unsigned i = 0; i < NET_UDP_SOCKETS && n < max; i++) {
		struct net_udp *u = &st->udp[i];

		if (u->in_use && u->changed) {
			u->changed = false;
			ev[n++] = (struct net_event){ .kind = NET_SOCK_UDP, .sock = u, .user = u->user,
				.token = -1, .events = NET_EV_WRITE | (u->rxq.n ? NET_EV_READ : 0u) };
		}
	}
	for (unsigned i = 0; i < NET_PING_SLOTS && n < max; i++) {
		if (st->ping[i].changed) {
			st->ping[i].changed = false;
			ev[n++] = (struct net_event){ .kind = NET_SOCK_PING, .token = (int)i,
						      .events = NET_EV_DONE };
		}
	}
	return n;
}

/* ---- counters ---- */
static const char *const stat_names[] = {
#define NET_STATS_NAME(name, desc) #name,
	NET_STATS(NET_STATS_NAME)
#undef NET_STATS_NAME
};

static const char *const stat_descs[] = {
#define NET_STATS_DESC(name, desc) desc,
	NET_STATS(NET_STATS_DESC)
#undef NET_STATS_DESC
};

const char *net_stats_desc(unsigned i)
{
	return i < net_stats_count() ? stat_descs[i] : NULL;
}

const struct net_stats *net_stats(const struct net_stack *st) { return &st->stats; }
unsigned net_stats_count(void) { return sizeof(stat_names) / sizeof(stat_names[0]); }

const char *net_stats_name(unsigned i)
{
	return i < net_stats_count() ? stat_names[i] : NULL;
}

uint64_t net_stats_value(const struct net_stats *s, unsigned i)
{
	const uint64_t *v = (const uint64_t *)(const void *)s;

	_Static_assert(sizeof(struct net_stats) == sizeof(stat_names) / sizeof(char *) * 8,
		       "net_stats: only uint64_t fields, in NET_STATS order");
	return i < net_stats_count() ? v[i] : 0;
}

const char *net_strerror(int err)
{
	switch (err) {
	case NET_OK: return "success";
	case NET_EAGAIN: return "would block";
	case NET_EINVAL: return "invalid argument";
	case NET_ENOMEM: return "out of network buffers";
	case NET_EADDRINUSE: return "address in use";
	case NET_ENOTCONN: return "not connected";
	case NET_ECONNREFUSED: return "connection refused";
	case NET_ECONNRESET: return "connection reset by peer";
	case NET_ETIMEDOUT: return "connection timed out";
	case NET_EPIPE: return "connection closed for sending";
	case NET_EMSGSIZE: return "message too long";
	case NET_EHOSTUNREACH: return "host unreachable";
	case NET_EBUSY: return "too many pings outstanding";
	}
	return "unknown network error";
}

/* ---- memory and invariants ---- */
void net_mem_usage(const struct net_stack *st, struct net_mem *m)
{
	memset(m, 0, sizeof(*m));
	m->pkts_total = NET_PKT_BUFS;
	m->pkts_free = st->npkt_free;
	m->blocks_total = st->nblocks;
	m->blocks_free = st->nblock_free;
	for (unsigned i = 0; i < NET_TCP_MAX; i++)
		m->tcbs_used += st->tcp[i].in_use;
	for (unsigned i = 0; i < NET_UDP_SOCKETS; i++)
		m->udp_used += st->udp[i].in_use;
}

static unsigned q_len(const struct net_pktq *q)
{
	unsigned n = 0;

	for (const struct net_pkt *p = q->head; p && n <= NET_PKT_BUFS; p = p->next)
		n++;
	return n;
}

const char *net_check(const struct net_stack *st)
{
	unsigned held = 0, owned = 0, n = 0;
	const char *why;

	if (st->magic != NET_STACK_MAGIC)
		return "stack magic";
	for (const struct net_pkt *p = st->pkt_free; p && n <= NET_PKT_BUFS; p = p->next)
		n++;
	if (n != st->npkt_free)
		return "P1: free packet count";
	for (unsigned i = 0; i < NET_ARP_ENTRIES; i++) {
		const struct net_arp_entry *e = &st->arp[i];

		if (q_len(&e->q) != e->q.n)
			return "P1: ARP queue count";
		if (e->state != ARP_PENDING && e->q.n)
			return "A1: queue on a resolved or free ARP entry";
		if (e->q.n > NET_ARP_QUEUE)
			return "A1: ARP queue over its bound";
		held += e->q.n;
	}
	for (unsigned i = 0; i < NET_UDP_SOCKETS; i++) {
		const struct net_udp *u = &st->udp[i];

		if (q_len(&u->rxq) != u->rxq.n || u->rxq.n > NET_UDP_RXQ)
			return "P1: UDP queue count";
		if (!u->in_use && u->rxq.n)
			return "P1: queue on a closed UDP socket";
		held += u->rxq.n;
	}
	if (held + st->npkt_free != NET_PKT_BUFS)
		return "P1: a packet buffer is lost or in two places";
	for (unsigned i = 0; i < NET_TCP_MAX; i++) {
		const struct net_tcp *c = &st->tcp[i];

		if (!c->in_use)
			continue;
		if (c->sbuf)
			owned++;
		if ((why = net_tcp_check(c)))
			return why;
	}
	if (owned + st->nblock_free != st->nblocks)
		return "B1: a TCP buffer block is lost";
	return NULL;
}
