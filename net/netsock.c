/* netsock.c -- the socket layer (netsock.h) over the stack (net.h) that the net service thread
 * owns. Callers on any CPU put requests on a list and sleep until the service has run them; the
 * service never waits for the network inside a request (every stack call is non-blocking), so a
 * request is done within one pass of the service. Readiness comes back through net_events().
 * Locks: req_lock guards the request list (a leaf); a done_wq bucket's lock guards the done flag
 * of the requests that sleep on it (a leaf); each socket's wq.lock guards its fields (the
 * service writes them under it; clients read them under it); a socket's intr_lock guards its
 * interrupt hook and is never taken under wq.lock; ping_wq.lock guards ping_seq. The stack
 * itself (st) is touched by the service thread only. */
#include <arch.h>
#include <kernel/kernel.h>
#include <kernel/physmem.h>
#include <sched/thread.h>

#include "net.h"
#include "netsock.h"
#include "netsock_svc.h"
#include "netsvc_param.h"

#define GEN_MAX		(1u << 20)	/* handle = idx | gen << 8 stays below 2^28: a fixnum */

enum sock_kind { SK_FREE, SK_LISTEN, SK_CONN, SK_UDP };

struct sock {
	struct waitq wq;	/* waiters; its lock guards every field below but the hook */
	unsigned gen;		/* of the current (or last) use; bumped when freed */
	int kind;		/* enum sock_kind */
	void *ps;		/* struct net_tcp * / struct net_udp *: dereferenced by the service only */
	unsigned events;	/* readiness (enum net_ev) at the service's last look */
	int err;		/* a connection's error (NETSOCK_E*), 0 while it is fine */
	bool eof;		/* TCP: the stream's end came after what the ring holds */
	bool pull;		/* the service should move received bytes into the ring */
	bool starved;		/* the service stopped pulling: the ring was full */
	uint8_t *ring;		/* NETSOCK_RING received bytes (physmem, kept once made) */
	unsigned rhead, rcount;
	bool intr_hit;		/* the service saw Ctrl-C or a close: call the hook */
	bool held;		/* a Ctrl-C was dropped from the ring and its hook has not run
				 * yet: readers wait, so nothing typed after it is read first */
	bool armed;		/* intr is set (written under both locks) */
	bool grace_fired;	/* this arming's hook ran for the peer's close */
	uint64_t armed_at, eof_at;	/* arch_cycles: when armed, when the FIN came */
	struct spinlock intr_lock;	/* guards the two below (and armed, with wq.lock); taken
					 * before wq.lock, never under it */
	void (*intr)(void *ctx);
	void *intr_ctx;
};

enum req_op {
	OP_LISTEN, OP_ACCEPT, OP_CONNECT, OP_SEND, OP_SHUTDOWN, OP_CLOSE, OP_PEER,
	OP_UDP_OPEN, OP_UDP_SEND, OP_UDP_RECV, OP_PING_SEND, OP_PING_RESULT, OP_PING_CANCEL,
	OP_CONFIG, OP_STATS,
};

/* A request lives on its caller's stack until done is set under its bucket's lock. The lock is
 * not the request's own: the service's unlock still reads the lock word after the caller may
 * have seen done and returned (a ticket lock looks for sleepers to kick), so it lives in a
 * static table (done_wq) that outlives every request. */
struct req {
	struct req *next;
	int op;
	uint32_t h;		/* the socket it is about */
	uint32_t addr;
	unsigned port;
	int arg;
	const void *src;
	void *dst;
	size_t len;
	long rc;
	uint32_t out_h, out_addr, out_rtt;
	unsigned out_port, out_lport;
	struct waitq *wq;	/* the bucket of done_wq the caller sleeps on */
	int done;
};

#define DONE_WQS	16
static struct waitq done_wq[DONE_WQS];

static struct {
	struct net_stack *st;
	unsigned cpu;
	struct spinlock req_lock;
	struct req *reqs, **reqs_tail;	/* under req_lock */
	struct waitq ping_wq;		/* ping waiters; its lock guards ping_seq */
	unsigned ping_seq;		/* bumped when a ping slot changed */
	const struct netsock_svc_ops *ops;	/* atomic */
} ns = { .req_lock = SPINLOCK_INIT("net-requests") };

static struct sock socks[NETSOCK_MAX];

static void init_once(void);
static void svc_free(struct sock *s);

void netsock_register(const struct netsock_svc_ops *ops)
{
	arch_atomic_store(&ns.ops, ops);
}

static void kick(void)
{
	const struct netsock_svc_ops *o = arch_atomic_load(&ns.ops);

	if (o)
		o->kick();
}

static uint64_t now_us(void)
{
	return arch_cycles_to_ns(arch_cycles()) / 1000;
}

static uint64_t us_to_cycles(uint64_t us)
{
	return us * (arch_cycles_per_sec() / 1000000 ? arch_cycles_per_sec() / 1000000 : 1);
}

const char *netsock_strerror(int err)
{
	static const char *const msg[] = {
		"no network service runs", "too many sockets are open", "the socket is closed",
		"timed out", "interrupted", "invalid argument", "the network stack is out of memory",
		"the port is in use", "connection refused", "connection reset by the peer",
		"the connection is closed for writing", "no route to the host",
		"the datagram is too long", "every ping slot is busy", "not connected",
	};

	return err < 0 && -err <= (int)ARRAY_SIZE(msg) ? msg[-err - 1] : "network error";
}

static int map_err(int e)
{
	switch (e) {
	case NET_OK: return 0;
	case NET_EINVAL: return NETSOCK_EINVAL;
	case NET_ENOMEM: return NETSOCK_ENOMEM;
	case NET_EADDRINUSE: return NETSOCK_EADDRINUSE;
	case NET_ENOTCONN: return NETSOCK_ENOTCONN;
	case NET_ECONNREFUSED: return NETSOCK_ECONNREFUSED;
	case NET_ECONNRESET: return NETSOCK_ECONNRESET;
	case NET_ETIMEDOUT: return NETSOCK_ETIMEDOUT;
	case NET_EPIPE: return NETSOCK_EPIPE;
	case NET_EMSGSIZE: return NETSOCK_EMSGSIZE;
	case NET_EHOSTUNREACH: return NETSOCK_EHOSTUNREACH;
	case NET_EBUSY: return NETSOCK_EBUSY;
	}
	return e == NET_EAGAIN ? NET_EAGAIN : NETSOCK_EINVAL;
}

/* ---- addresses ---- */

bool netsock_parse_addr(const char *s, size_t len, uint32_t *addr)
{
	uint32_t a = 0;
	size_t i = 0;

	for (int part = 0; part < 4; part++) {
		unsigned v = 0, digits = 0;

		if (part > 0) {
			if (i >= len || s[i] != '.')
				return false;
			i++;
		}
		while (i < len && s[i] >= '0' && s[i] <= '9' && digits < 4) {
			v = v * 10 + (unsigned)(s[i++] - '0');
			digits++;
		}
		if (digits == 0 || digits > 3 || v > 255)
			return false;
		a = a << 8 | v;
	}
	if (i != len)
		return false;
	*addr = a;
	return true;
}

void netsock_format_addr(uint32_t a, char buf[16])
{
	ksnprintf(buf, 16, "%u.%u.%u.%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255);
}

/* ---- the service's side ---- */


static bool opt_addr(const char *cmdline, const char *key, uint32_t *a, int *prefix)
{
	char v[24];
	size_t n;

	if (!cmdline_get(cmdline, key, v, sizeof(v)))
		return false;
	n = strlen(v);
	if (prefix) {
		char *slash = v;

		while (*slash && *slash != '/')
			slash++;
		if (!*slash)
			slash = NULL;

		*prefix = 24;
		if (slash) {
			*prefix = 0;
			for (char *p = slash + 1; *p >= '0' && *p <= '9'; p++)
				*prefix = *prefix * 10 + (*p - '0');
			n = (size_t)(slash - v);
		}
	}
	if (!netsock_parse_addr(v, n, a) || (prefix && (*prefix < 1 || *prefix > 31))) {
		kprintf("net: %s=%s is not an address; ignored\n", key, v);
		return false;
	}
	return true;
}

int netsock_svc_init(const uint8_t mac[6], const char *cmdline, unsigned cpu,
		     void (*send)(void *ctx, const void *frame, size_t len), void *ctx)
{
	size_t bytes = net_mem_size(NET_STACK_CONNS);
	void *mem = physmem_alloc(bytes, 64);
	struct net_init init = { .mem = mem, .mem_len = bytes, .send_frame = send, .ctx = ctx,
				 .seed = (uint32_t)arch_cycles() ^ 0x9e3779b9u, .now_us = now_us() };
	/* QEMU's user network (docs/net.md): the fallback when DHCP gets no answer */
	struct net_ifconfig fb = { .addr = NET_IP(10, 0, 2, 15), .mask = 0xffffff00u,
				   .gateway = NET_IP(10, 0, 2, 2), .dns = NET_IP(10, 0, 2, 3) };
	bool have_ip;
	int prefix = 24;
	char v[8];

	init_once();
	if (!mem) {
		kprintf("net: no memory for the TCP/IP stack (%zu bytes)\n", bytes);
		return -1;
	}
	memcpy(init.mac, mac, 6);
	for (unsigned i = 0; i < NETSOCK_MAX; i++)	/* a new stack: no socket survives */
		if (socks[i].kind != SK_FREE)
			svc_free(&socks[i]);
	ns.cpu = cpu;
	ns.st = net_stack_init(&init);
	if (!ns.st)
		return -1;
	have_ip = opt_addr(cmdline, "ip", &fb.addr, &prefix);
	fb.mask = ~0u << (32 - prefix);
	if ((fb.gateway & fb.mask) != (fb.addr & fb.mask))
		fb.gateway = 0;		/* QEMU's is not on the subnet ip= chose: none */
	if ((fb.dns & fb.mask) != (fb.addr & fb.mask))
		fb.dns = 0;
	opt_addr(cmdline, "gw", &fb.gateway, NULL);
	opt_addr(cmdline, "dns", &fb.dns, NULL);
	if (have_ip || (cmdline_get(cmdline, "dhcp", v, sizeof(v)) && strcmp(v, "off") == 0)) {
		net_set_static(ns.st, &fb, true, now_us());	/* ip= (or dhcp=off): no DHCP */
	} else {
		net_set_static(ns.st, &fb, false, now_us());
		net_dhcp_start(ns.st, now_us());
	}
	return 0;
}

void netsock_svc_input(const void *frame, size_t len)
{
	if (ns.st)
		net_input(ns.st, frame, len, now_us());
}

static struct sock *svc_lookup(uint32_t h, int kind)
{
	unsigned i = h & 0xff;
	struct sock *s = i < NETSOCK_MAX ? &socks[i] : NULL;

	if (!s || s->kind == SK_FREE || s->gen != h >> 8 || (kind != SK_FREE && s->kind != kind))
		return NULL;
	return s;
}

/* A free slot for ps (the service's only writer of kind and gen): its handle, or an error. */
static long svc_alloc(int kind, void *ps)
{
	for (unsigned i = 0; i < NETSOCK_MAX; i++) {
		struct sock *s = &socks[i];
		arch_irqflags_t f;

		if (s->kind != SK_FREE)
			continue;
		if (kind == SK_CONN && !s->ring &&
		    !(s->ring = physmem_alloc(NETSOCK_RING, 64)))
			return NETSOCK_ENOMEM;
		f = spin_lock_irqsave(&s->wq.lock);
		s->kind = kind;
		s->ps = ps;
		s->events = 0;
		s->err = 0;
		s->eof = s->pull = s->starved = s->intr_hit = s->armed = s->held = false;
		s->eof_at = 0;
		s->rhead = s->rcount = 0;
		spin_unlock_irqrestore(&s->wq.lock, f);
		return (long)(i | s->gen << 8);
	}
	return NETSOCK_EMFILE;
}

static void svc_free(struct sock *s)
{
	arch_irqflags_t f = spin_lock_irqsave(&s->intr_lock);

	s->intr = NULL;		/* a hook never outlives the socket */
	spin_unlock_irqrestore(&s->intr_lock, f);
	f = spin_lock_irqsave(&s->wq.lock);
	s->armed = false;
	s->kind = SK_FREE;
	s->ps = NULL;
	s->gen = s->gen + 1 < GEN_MAX ? s->gen + 1 : 1;
	waitq_wake_all_locked(&s->wq);	/* they see the generation changed */
	spin_unlock_irqrestore(&s->wq.lock, f);
}

/* Record readiness now (level) and wake the socket's waiters; a reset arriving while an
 * interrupt hook is set asks for the hook (a FIN does after NETSOCK_EOF_GRACE_MS: netsock_svc_run). */
static void svc_update(struct sock *s, unsigned events)
{
	arch_irqflags_t f = spin_lock_irqsave(&s->wq.lock);
	unsigned fresh = events & ~s->events;

	s->events = events;
	if ((events & NET_EV_ERROR) && s->kind != SK_UDP && s->err == 0)
		s->err = map_err(net_tcp_error(s->ps));
	if (s->kind == SK_CONN && (events & (NET_EV_READ | NET_EV_HUP | NET_EV_ERROR)))
		s->pull = true;
	if (s->armed && (fresh & NET_EV_ERROR))
		s->intr_hit = true;
	waitq_wake_all_locked(&s->wq);
	spin_unlock_irqrestore(&s->wq.lock, f);
}

static void svc_fire(struct sock *s)
{
	arch_irqflags_t f = spin_lock_irqsave(&s->intr_lock);

	if (s->intr)
		s->intr(s->intr_ctx);
	spin_unlock_irqrestore(&s->intr_lock, f);
}

/* A Ctrl-C's hook has run: let the readers at what followed it (held kept them off, so the
 * interrupt lands before anything typed after the Ctrl-C is read). */
static void unhold(struct sock *s)
{
	arch_irqflags_t f = spin_lock_irqsave(&s->wq.lock);

	s->held = false;
	waitq_wake_all_locked(&s->wq);
	spin_unlock_irqrestore(&s->wq.lock, f);
}

/* Ctrl-C (3) or telnet IAC IP (255 244) in ring bytes [from, rcount): drop everything up to it
 * and say so. Under wq.lock. */
static bool ring_drop_intr(struct sock *s, unsigned from)
{
	for (unsigned k = from; k < s->rcount; k++) {
		uint8_t b = s->ring[(s->rhead + k) % NETSOCK_RING];

		if (b == 3 || (b == 244 && k > 0 && s->ring[(s->rhead + k - 1) % NETSOCK_RING] == 255)) {
			s->rhead = (s->rhead + k + 1) % NETSOCK_RING;
			s->rcount -= k + 1;
			return true;
		}
	}
	return false;
}

/* Move what the stack has received into the ring (copy two of docs/net.md's three). */
static void svc_pull(struct sock *s)
{
	for (;;) {
		arch_irqflags_t f = spin_lock_irqsave(&s->wq.lock);
		unsigned tail = (s->rhead + s->rcount) % NETSOCK_RING, room = NETSOCK_RING - s->rcount;
		unsigned contig = MIN(room, NETSOCK_RING - tail), before = s->rcount;
		bool hit = false;
		int n;

		s->pull = false;
		if (room == 0) {
			s->starved = true;	/* the reader makes room and asks again */
			spin_unlock_irqrestore(&s->wq.lock, f);
			return;
		}
		spin_unlock_irqrestore(&s->wq.lock, f);
		/* readers take from the head only: [tail, tail + contig) is ours */
		n = net_tcp_recv(s->ps, s->ring + tail, contig, now_us());
		f = spin_lock_irqsave(&s->wq.lock);
		if (n > 0) {
			s->rcount += (unsigned)n;
			hit = s->armed && ring_drop_intr(s, before);
			s->held |= hit;
		} else if (n == 0) {
			if (!s->eof)
				s->eof_at = arch_cycles();
			s->eof = true;
		} else if (n != NET_EAGAIN && s->err == 0) {
			s->err = map_err(n);
		}
		if (!hit)
			waitq_wake_all_locked(&s->wq);
		spin_unlock_irqrestore(&s->wq.lock, f);
		if (hit) {
			svc_fire(s);
			unhold(s);
		}
		if (n <= 0)	/* on until the stack has nothing (a FIN behind the data too) */
			return;
	}
}

static void svc_request(struct req *r)
{
	struct net_stack *st = ns.st;
	struct sock *s = NULL;
	uint64_t now = now_us();
	int err = 0;
	long rc = 0;

	switch (r->op) {
	case OP_LISTEN: {
		struct net_tcp *l = net_tcp_listen(st, (uint16_t)r->port, r->arg, &err);

		if (!l) {
			rc = map_err(err);
			break;
		}
		if ((rc = svc_alloc(SK_LISTEN, l)) < 0) {
			net_tcp_close(l, now);
			break;
		}
		r->out_h = (uint32_t)rc;
		net_tcp_set_user(l, &socks[rc & 0xff]);
		rc = 0;
		break;
	}
	case OP_ACCEPT: {
		struct net_tcp *c;

		if (!(s = svc_lookup(r->h, SK_LISTEN))) {
			rc = NETSOCK_ECLOSED;
			break;
		}
		c = net_tcp_accept(s->ps, &err);
		svc_update(s, net_tcp_events(s->ps));
		s = NULL;
		if (!c) {
			rc = map_err(err);
			break;
		}
		if ((rc = svc_alloc(SK_CONN, c)) < 0) {
			net_tcp_abort(c, now);
			break;
		}
		r->out_h = (uint32_t)rc;
		s = &socks[rc & 0xff];
		net_tcp_set_user(c, s);
		rc = 0;
		break;
	}
	case OP_CONNECT: {
		struct net_tcp *c = net_tcp_connect(st, r->addr, (uint16_t)r->port, now, &err);

		if (!c) {
			rc = map_err(err);
			break;
		}
		if ((rc = svc_alloc(SK_CONN, c)) < 0) {
			net_tcp_abort(c, now);
			break;
		}
		r->out_h = (uint32_t)rc;
		s = &socks[rc & 0xff];
		net_tcp_set_user(c, s);
		rc = 0;
		break;
	}
	case OP_SEND:
		if (!(s = svc_lookup(r->h, SK_CONN))) {
			rc = NETSOCK_ECLOSED;
			break;
		}
		rc = net_tcp_send(s->ps, r->src, r->len, now);	/* copy two of the way out */
		rc = rc >= 0 ? rc : map_err((int)rc);
		break;
	case OP_SHUTDOWN:
		if (!(s = svc_lookup(r->h, SK_CONN)))
			rc = NETSOCK_ECLOSED;
		else
			rc = map_err(net_tcp_shutdown(s->ps, r->arg, now));
		break;
	case OP_CLOSE:
		if (!(s = svc_lookup(r->h, SK_FREE))) {
			rc = NETSOCK_ECLOSED;
			break;
		}
		if (s->kind == SK_UDP)
			net_udp_close(s->ps);
		else if (s->kind == SK_CONN && s->rcount > 0)
			net_tcp_abort(s->ps, now);	/* unread data: a reset, as Linux */
		else
			net_tcp_close(s->ps, now);
		svc_free(s);
		s = NULL;
		break;
	case OP_PEER: {
		net_ip a;
		uint16_t p;

		if (!(s = svc_lookup(r->h, SK_CONN))) {
			rc = NETSOCK_ECLOSED;
			break;
		}
		net_tcp_peer(s->ps, &a, &p);
		r->out_addr = a;
		r->out_port = p;
		r->out_lport = net_tcp_local_port(s->ps);
		s = NULL;
		break;
	}
	case OP_UDP_OPEN: {
		struct net_udp *u = net_udp_open(st, (uint16_t)r->port, &err);

		if (!u) {
			rc = map_err(err);
			break;
		}
		if ((rc = svc_alloc(SK_UDP, u)) < 0) {
			net_udp_close(u);
			break;
		}
		r->out_h = (uint32_t)rc;
		net_udp_set_user(u, &socks[rc & 0xff]);
		r->out_lport = net_udp_local_port(u);
		rc = 0;
		break;
	}
	case OP_UDP_SEND:
		if (!(s = svc_lookup(r->h, SK_UDP)))
			rc = NETSOCK_ECLOSED;
		else
			rc = map_err(net_udp_send(s->ps, r->addr, (uint16_t)r->port, r->src, r->len,
						  now));
		s = NULL;
		break;
	case OP_UDP_RECV: {
		net_ip a = 0;
		uint16_t p = 0;

		if (!(s = svc_lookup(r->h, SK_UDP))) {
			rc = NETSOCK_ECLOSED;
			break;
		}
		rc = net_udp_recv(s->ps, r->dst, r->len, &a, &p);
		/* more may wait: READ until a receive finds none */
		svc_update(s, NET_EV_WRITE | (rc >= 0 ? NET_EV_READ : 0u));
		s = NULL;
		rc = rc >= 0 ? rc : map_err((int)rc);
		r->out_addr = a;
		r->out_port = p;
		break;
	}
	case OP_PING_SEND:
		rc = net_ping_send(st, r->addr, r->len, now);
		rc = rc >= 0 ? rc : map_err((int)rc);
		break;
	case OP_PING_RESULT:
		rc = net_ping_result(st, r->arg, &r->out_rtt);
		rc = rc >= 0 ? rc : map_err((int)rc);
		break;
	case OP_PING_CANCEL:
		net_ping_cancel(st, r->arg);
		break;
	case OP_CONFIG: {
		struct netsock_config *c = r->dst;
		struct net_ifconfig ic;
		static const char *const src[] = { "none", "static", "dhcp" };

		net_get_config(st, &ic);
		*c = (struct netsock_config){ .addr = ic.addr, .mask = ic.mask,
			.gateway = ic.gateway, .dns = ic.dns, .lease_s = ic.lease_s,
			.source = src[ic.source], .service_cpu = ns.cpu };
		memcpy(c->mac, ic.mac, 6);
		break;
	}
	case OP_STATS: {
		uint64_t *v = r->dst;
		const struct net_stats *ss = net_stats(st);
		struct net_mem m;
		unsigned k = net_stats_count(), used = 0;

		for (unsigned i = 0; i < k && i < r->len; i++)
			v[i] = net_stats_value(ss, i);
		net_mem_usage(st, &m);
		for (unsigned i = 0; i < NETSOCK_MAX; i++)
			used += socks[i].kind != SK_FREE;
		const uint64_t extra[] = { m.pkts_free, m.pkts_total, m.blocks_free, m.blocks_total,
					   m.tcbs_used, m.udp_used, used };
		for (unsigned i = 0; i < ARRAY_SIZE(extra) && k + i < r->len; i++)
			v[k + i] = extra[i];
		break;
	}
	}
	r->rc = rc;
	if (s) {	/* its readiness after the call, level */
		svc_update(s, s->kind == SK_UDP ? NET_EV_WRITE : net_tcp_events(s->ps));
		if (s->kind == SK_CONN)
			svc_pull(s);
	}
}

uint64_t netsock_svc_run(void)
{
	struct net_event ev[16];
	struct req *list;
	uint64_t next, wake;
	arch_irqflags_t f;
	int n;

	f = spin_lock_irqsave(&ns.req_lock);
	list = ns.reqs;
	ns.reqs = NULL;
	ns.reqs_tail = &ns.reqs;
	spin_unlock_irqrestore(&ns.req_lock, f);
	while (list) {
		struct req *r = list;

		list = r->next;	/* r is the caller's once done is set */
		if (ns.st)
			svc_request(r);
		else
			r->rc = NETSOCK_ENODEV;	/* the stack could not be made */
		struct waitq *wq = r->wq;

		f = spin_lock_irqsave(&wq->lock);
		r->done = 1;		/* the last touch of r */
		waitq_wake_all_locked(wq);
		spin_unlock_irqrestore(&wq->lock, f);
	}
	if (!ns.st)
		return UINT64_MAX;
	next = net_poll(ns.st, now_us());
	do {
		n = net_events(ns.st, ev, (int)ARRAY_SIZE(ev));
		for (int i = 0; i < n; i++) {
			struct sock *s = ev[i].user;

			if (ev[i].kind == NET_SOCK_PING) {
				f = spin_lock_irqsave(&ns.ping_wq.lock);
				ns.ping_seq++;
				waitq_wake_all_locked(&ns.ping_wq);
				spin_unlock_irqrestore(&ns.ping_wq.lock, f);
			} else if (s && s->ps == ev[i].sock && s->kind != SK_FREE) {
				svc_update(s, ev[i].events);
			}
		}
	} while (n == (int)ARRAY_SIZE(ev));
	wake = next == NET_NEVER ? UINT64_MAX :
	       arch_cycles() + us_to_cycles(next > now_us() ? next - now_us() : 0);
	for (unsigned i = 0; i < NETSOCK_MAX; i++) {
		struct sock *s = &socks[i];
		bool hit, pull;

		f = spin_lock_irqsave(&s->wq.lock);
		pull = s->kind == SK_CONN && s->pull;
		spin_unlock_irqrestore(&s->wq.lock, f);
		if (pull)
			svc_pull(s);
		f = spin_lock_irqsave(&s->wq.lock);
		if (s->armed && s->eof && !s->grace_fired) {
			/* the peer closed its side: what runs now gets NETSOCK_EOF_GRACE_MS, then is
			 * interrupted (a client gone with a loop running must not hold a CPU) */
			uint64_t due = MAX(s->eof_at, s->armed_at) +
				       us_to_cycles(NETSOCK_EOF_GRACE_MS * 1000ull);

			if (arch_cycles() >= due) {
				s->grace_fired = true;
				s->intr_hit = true;
			} else {
				wake = MIN(wake, due);
			}
		}
		hit = s->intr_hit;
		s->intr_hit = false;
		spin_unlock_irqrestore(&s->wq.lock, f);
		if (hit)
			svc_fire(s);
	}
	/* pulling opened windows and requests queued data: what that sent is done already */
	return wake;
}

/* ---- the callers' side ---- */

static void init_once(void)
{
	static int done;	/* 0, 1 being made, 2 made; atomic */
	int expect = 0;

	if (arch_atomic_load(&done) == 2)
		return;
	if (__atomic_compare_exchange_n(&done, &expect, 1, false, __ATOMIC_ACQ_REL,
					__ATOMIC_ACQUIRE)) {
		waitq_init(&ns.ping_wq, "net-ping");
		for (unsigned i = 0; i < DONE_WQS; i++)
			waitq_init(&done_wq[i], "net-request-done");
		for (unsigned i = 0; i < NETSOCK_MAX; i++) {
			waitq_init(&socks[i].wq, "net-socket");
			spin_init(&socks[i].intr_lock, "net-socket-intr");
			socks[i].gen = 1;
		}
		ns.reqs_tail = &ns.reqs;
		arch_atomic_store(&done, 2);
	}
	while (arch_atomic_load(&done) != 2)
		arch_cpu_relax();
}

/* Hand r to the service and sleep until it ran it: its rc. */
static long rpc(struct req *r)
{
	arch_irqflags_t f;

	const struct netsock_svc_ops *o = arch_atomic_load(&ns.ops);

	if (!o || o->wait_up() < 0)
		return NETSOCK_ENODEV;
	r->wq = &done_wq[((uintptr_t)r >> 4) % DONE_WQS];
	r->done = 0;
	r->next = NULL;
	f = spin_lock_irqsave(&ns.req_lock);
	*ns.reqs_tail = r;
	ns.reqs_tail = &r->next;
	spin_unlock_irqrestore(&ns.req_lock, f);
	o->kick();
	f = spin_lock_irqsave(&r->wq->lock);
	while (!r->done)
		waitq_sleep_locked(r->wq);
	spin_unlock_irqrestore(&r->wq->lock, f);
	return r->rc;
}

static struct sock *sock_of(uint32_t h)
{
	return (h & 0xff) < NETSOCK_MAX ? &socks[h & 0xff] : NULL;
}

/* Sleep on h's socket until ready(s) (under its lock), the socket closed, stop or the deadline:
 * 0 when ready, else the error. */
static int wait_for(uint32_t h, bool (*ready)(const struct sock *s), uint64_t deadline,
		    netsock_stop_fn stop, void *ctx)
{
	struct sock *s = sock_of(h);
	arch_irqflags_t f;
	int rc;

	if (!s)
		return NETSOCK_ECLOSED;
	thread_wait_intr_begin(&s->wq);
	f = spin_lock_irqsave(&s->wq.lock);
	for (;;) {
		if (s->kind == SK_FREE || s->gen != h >> 8) {
			rc = NETSOCK_ECLOSED;
			break;
		}
		if (ready(s)) {
			rc = 0;
			break;
		}
		if (stop && stop(ctx)) {
			rc = NETSOCK_EINTR;
			break;
		}
		if (deadline != UINT64_MAX && arch_cycles() >= deadline) {
			rc = NETSOCK_ETIMEDOUT;
			break;
		}
		if (deadline == UINT64_MAX)
			waitq_sleep_locked(&s->wq);
		else
			waitq_sleep_until_locked(&s->wq, deadline);
	}
	spin_unlock_irqrestore(&s->wq.lock, f);
	thread_wait_intr_end();
	return rc;
}

static bool acceptable(const struct sock *s) { return s->events & (NET_EV_ACCEPT | NET_EV_ERROR); }
static bool connected(const struct sock *s) { return s->events & (NET_EV_CONNECTED | NET_EV_ERROR); }
static bool writable(const struct sock *s) { return s->events & (NET_EV_WRITE | NET_EV_ERROR); }
static bool udp_readable(const struct sock *s) { return s->events & NET_EV_READ; }
static bool readable(const struct sock *s)
{
	return !s->held && (s->rcount > 0 || s->eof || s->err);
}

int netsock_tcp_listen(unsigned port, int backlog, uint32_t *h)
{
	struct req r = { .op = OP_LISTEN, .port = port, .arg = backlog };
	long rc;

	if (port < 1 || port > 65535 || backlog < 1 || backlog > NET_TCP_BACKLOG_MAX)
		return NETSOCK_EINVAL;
	init_once();
	if ((rc = rpc(&r)) == 0)
		*h = r.out_h;
	return (int)rc;
}

int netsock_tcp_accept(uint32_t l, uint32_t *h, uint64_t deadline, netsock_stop_fn stop,
		       void *ctx)
{
	init_once();
	for (;;) {
		struct req r = { .op = OP_ACCEPT, .h = l };
		long rc = rpc(&r);

		if (rc == 0)
			*h = r.out_h;
		if (rc != NET_EAGAIN)
			return (int)rc;
		if ((rc = wait_for(l, acceptable, deadline, stop, ctx)) < 0)
			return (int)rc;
	}
}

int netsock_tcp_connect(uint32_t addr, unsigned port, uint32_t *h, uint64_t deadline,
			netsock_stop_fn stop, void *ctx)
{
	struct req r = { .op = OP_CONNECT, .addr = addr, .port = port };
	struct sock *s;
	arch_irqflags_t f;
	long rc;

	if (port < 1 || port > 65535)
		return NETSOCK_EINVAL;
	init_once();
	if ((rc = rpc(&r)) < 0)
		return (int)rc;
	rc = wait_for(r.out_h, connected, deadline, stop, ctx);
	s = sock_of(r.out_h);
	f = spin_lock_irqsave(&s->wq.lock);
	if (rc == 0 && !(s->events & NET_EV_CONNECTED))
		rc = s->err ? s->err : NETSOCK_ECONNREFUSED;
	spin_unlock_irqrestore(&s->wq.lock, f);
	if (rc < 0) {
		netsock_close(r.out_h);
		return (int)rc;
	}
	*h = r.out_h;
	return 0;
}

long netsock_recv(uint32_t h, void *buf, size_t n, uint64_t deadline, netsock_stop_fn stop,
		  void *ctx)
{
	struct sock *s = sock_of(h);
	bool want = false;
	arch_irqflags_t f;
	long rc;

	if (!s)
		return NETSOCK_ECLOSED;
	if (n == 0)
		return NETSOCK_EINVAL;
	init_once();
	for (;;) {
		if ((rc = wait_for(h, readable, deadline, stop, ctx)) < 0)
			return rc;
		f = spin_lock_irqsave(&s->wq.lock);
		if (s->kind != SK_CONN || s->gen != h >> 8) {
			rc = NETSOCK_ECLOSED;
		} else if (s->held) {
			rc = NET_EAGAIN;	/* a Ctrl-C's hook runs first: wait again */
		} else if (s->rcount > 0) {	/* copy three: the ring to the reader */
			unsigned k = (unsigned)MIN(n, (size_t)s->rcount);
			unsigned first = MIN(k, NETSOCK_RING - s->rhead);

			memcpy(buf, s->ring + s->rhead, first);
			memcpy((uint8_t *)buf + first, s->ring, k - first);
			s->rhead = (s->rhead + k) % NETSOCK_RING;
			s->rcount -= k;
			if (s->starved && s->rcount <= NETSOCK_RING / 2) {
				s->starved = false;
				s->pull = true;
				want = true;
			}
			rc = (long)k;
		} else if (s->eof) {
			rc = 0;
		} else if (s->err) {
			rc = s->err;
		} else {
			rc = NET_EAGAIN;	/* someone else took it: wait again */
		}
		spin_unlock_irqrestore(&s->wq.lock, f);
		if (want)
			kick();
		if (rc != NET_EAGAIN)
			return rc;
	}
}

bool netsock_readable(uint32_t h)
{
	struct sock *s = sock_of(h);
	arch_irqflags_t f;
	bool r;

	if (!s)
		return true;
	f = spin_lock_irqsave(&s->wq.lock);
	r = s->kind != SK_CONN || s->gen != h >> 8 || readable(s);
	spin_unlock_irqrestore(&s->wq.lock, f);
	return r;
}

long netsock_send(uint32_t h, const void *buf, size_t n, netsock_stop_fn stop, void *ctx)
{
	size_t done = 0;

	init_once();
	while (done < n) {
		struct req r = { .op = OP_SEND, .h = h, .src = (const uint8_t *)buf + done,
				 .len = n - done };
		long rc = rpc(&r);

		if (rc > 0) {
			done += (size_t)rc;
			continue;
		}
		if (rc != NET_EAGAIN)
			return rc;
		if ((rc = wait_for(h, writable, UINT64_MAX, stop, ctx)) < 0)
			return rc;
	}
	return (long)n;
}

int netsock_shutdown(uint32_t h, int how)
{
	struct req r = { .op = OP_SHUTDOWN, .h = h, .arg = how };

	if (how < 0 || how > 2)
		return NETSOCK_EINVAL;
	init_once();
	return (int)rpc(&r);
}

int netsock_close(uint32_t h)
{
	struct req r = { .op = OP_CLOSE, .h = h };

	init_once();
	return (int)rpc(&r);
}

int netsock_peer(uint32_t h, uint32_t *addr, unsigned *port, unsigned *local_port)
{
	struct req r = { .op = OP_PEER, .h = h };
	long rc;

	init_once();
	if ((rc = rpc(&r)) == 0) {
		*addr = r.out_addr;
		*port = r.out_port;
		*local_port = r.out_lport;
	}
	return (int)rc;
}

int netsock_set_intr(uint32_t h, void (*fn)(void *ctx), void *ctx)
{
	struct sock *s = sock_of(h);
	arch_irqflags_t f;
	bool hit = false, closed;

	if (!s)
		return NETSOCK_ECLOSED;
	init_once();
	f = spin_lock_irqsave(&s->intr_lock);
	spin_lock(&s->wq.lock);	/* the one place wq.lock nests inside intr_lock */
	if (s->kind != SK_CONN || s->gen != h >> 8) {	/* a stale handle touches nothing */
		spin_unlock(&s->wq.lock);
		spin_unlock_irqrestore(&s->intr_lock, f);
		return NETSOCK_ECLOSED;
	}
	s->intr = fn;
	s->intr_ctx = ctx;
	s->armed = fn != NULL;	/* before the scan: the service sees it from here on */
	s->armed_at = arch_cycles();
	s->grace_fired = false;
	if (fn)
		hit = ring_drop_intr(s, 0) || s->err;
	closed = fn && s->eof;
	s->held |= hit;
	spin_unlock(&s->wq.lock);
	if (hit) {
		fn(ctx);
		unhold(s);
	}
	spin_unlock_irqrestore(&s->intr_lock, f);
	if (closed)
		kick();	/* the service times the grace of a peer that closed already */
	return 0;
}

int netsock_udp_open(unsigned port, uint32_t *h)
{
	struct req r = { .op = OP_UDP_OPEN, .port = port };
	long rc;

	if (port > 65535)
		return NETSOCK_EINVAL;
	init_once();
	if ((rc = rpc(&r)) == 0)
		*h = r.out_h;
	return (int)rc;
}

int netsock_udp_send(uint32_t h, uint32_t addr, unsigned port, const void *buf, size_t n)
{
	struct req r = { .op = OP_UDP_SEND, .h = h, .addr = addr, .port = port, .src = buf,
			 .len = n };

	if (port < 1 || port > 65535)
		return NETSOCK_EINVAL;
	init_once();
	return (int)rpc(&r);
}

long netsock_udp_recv(uint32_t h, void *buf, size_t n, uint32_t *addr, unsigned *port,
		      uint64_t deadline, netsock_stop_fn stop, void *ctx)
{
	init_once();
	for (;;) {
		struct req r = { .op = OP_UDP_RECV, .h = h, .dst = buf, .len = n };
		long rc = rpc(&r);

		if (rc >= 0) {
			*addr = r.out_addr;
			*port = r.out_port;
			return rc;
		}
		if (rc != NET_EAGAIN)
			return rc;
		if ((rc = wait_for(h, udp_readable, deadline, stop, ctx)) < 0)
			return rc;
	}
}

int netsock_ping(uint32_t addr, size_t len, uint64_t deadline, uint32_t *rtt_us,
		 netsock_stop_fn stop, void *ctx)
{
	struct req r = { .op = OP_PING_SEND, .addr = addr, .len = len };
	long token, rc = 0;
	unsigned seen;
	arch_irqflags_t f;

	init_once();
	if ((token = rpc(&r)) < 0)
		return (int)token;
	for (;;) {
		struct req q = { .op = OP_PING_RESULT, .arg = (int)token };

		f = spin_lock_irqsave(&ns.ping_wq.lock);
		seen = ns.ping_seq;
		spin_unlock_irqrestore(&ns.ping_wq.lock, f);
		if ((rc = rpc(&q)) != 0) {
			*rtt_us = q.out_rtt;
			return rc < 0 ? (int)rc : 1;
		}
		thread_wait_intr_begin(&ns.ping_wq);
		f = spin_lock_irqsave(&ns.ping_wq.lock);
		while (ns.ping_seq == seen && arch_cycles() < deadline && !(stop && stop(ctx)))
			waitq_sleep_until_locked(&ns.ping_wq, deadline);
		spin_unlock_irqrestore(&ns.ping_wq.lock, f);
		thread_wait_intr_end();
		if (stop && stop(ctx))
			rc = NETSOCK_EINTR;
		if (rc < 0 || arch_cycles() >= deadline) {
			struct req c = { .op = OP_PING_CANCEL, .arg = (int)token };

			rpc(&c);
			return rc < 0 ? (int)rc : 0;
		}
	}
}

int netsock_config(struct netsock_config *cfg)
{
	struct req r = { .op = OP_CONFIG, .dst = cfg };

	init_once();
	return (int)rpc(&r);
}

static const char *const extra_names[][2] = {
	{ "pkt_bufs_free", "packet buffers free now" },
	{ "pkt_bufs", "packet buffers in all" },
	{ "tcp_blocks_free", "TCP buffer blocks (connections that can carry data) free now" },
	{ "tcp_blocks", "TCP buffer blocks in all" },
	{ "tcp_control_blocks_used", "TCP control blocks in use (any state, TIME_WAIT too)" },
	{ "udp_sockets_used", "UDP sockets open" },
	{ "sockets_open", "socket handles open (listeners, connections, UDP)" },
};

unsigned netsock_stat_count(void)
{
	return net_stats_count() + ARRAY_SIZE(extra_names);
}

const char *netsock_stat_name(unsigned i)
{
	unsigned k = net_stats_count();

	return i < k ? net_stats_name(i) : i - k < ARRAY_SIZE(extra_names) ? extra_names[i - k][0] : NULL;
}

const char *netsock_stat_desc(unsigned i)
{
	unsigned k = net_stats_count();

	return i < k ? net_stats_desc(i) : i - k < ARRAY_SIZE(extra_names) ? extra_names[i - k][1] : NULL;
}

int netsock_stats(uint64_t *v, unsigned n)
{
	struct req r = { .op = OP_STATS, .dst = v, .len = n };

	init_once();
	return (int)rpc(&r);
}
