/* sockets.c -- TCP and UDP for Scheme over the net service's sockets (net/netsock.h):
 * (tcp-listen port [backlog]), (tcp-accept l [timeout-ms]), (tcp-connect addr port [timeout-ms]),
 * (connection-input c), (connection-output c), (connection-peer c), (tcp-close x),
 * (udp-open [port]), (udp-send u addr port bv), (udp-receive u [timeout-ms]), (udp-close u),
 * (ping addr [count]), (net-config), (net-stats), and (%tcp-repl c), the REPL of one TCP session.
 * A socket is named by a record of fixnums (its handle), so it may go to any CPU; a connection's
 * bytes go through one device port (ports.c) that is both its input and its output. */
#include <arch.h>
#include <net/netsock.h>
#include <net/netsvc.h>
#include <sched/mutex.h>
#include <sched/thread.h>

#include "internal.h"

enum { SK_HANDLE = 1, SK_PORT, SK_NFIELDS };	/* listener and UDP records use SK_HANDLE only */

#define PING_TIMEOUT_MS	1000	/* a reply later than this counts as lost */
#define PING_GAP_MS	100	/* at least this between two echo requests of one (ping) */
#define PING_COUNT_MAX	100
#define CONNECT_MS	10000	/* tcp-connect's default deadline */
#define SESSION_OUT	1024	/* a REPL session's output staging (flushed at newlines) */

static obj sym(struct lisp *L, const char *name)
{
	return lisp_intern(L, name, strlen(name));
}

static bool stop(void *ctx)
{
	return lisp_interrupt_pending(ctx);
}

static obj sock_error(struct lisp *L, const char *who, int rc, obj irritant)
{
	if (rc == NETSOCK_ENODEV)
		return lisp_errorf(L, OBJ_NULL, "%s: no network service runs (%s)", who,
				   net_state_name(net_state()));
	if (irritant != OBJ_NULL)
		return lisp_errorf(L, irritant, "%s: %s:", who, netsock_strerror(rc));
	return lisp_errorf(L, OBJ_NULL, "%s: %s", who, netsock_strerror(rc));
}

static bool need_thread(struct lisp *L, const char *who)
{
	if (lisp_on_thread())
		return true;
	sock_error(L, who, NETSOCK_ENODEV, OBJ_NULL);
	return false;
}

static bool int_arg(struct lisp *L, const char *who, const char *what, obj x, int64_t lo,
		    int64_t hi, int64_t *v)
{
	if (integer_p(x) && lisp_int_to_i64(x, v) && *v >= lo && *v <= hi)
		return true;
	lisp_type_error(L, who, what, x);
	return false;
}

/* An optional timeout in ms: the deadline (UINT64_MAX when absent). */
static bool deadline_arg(struct lisp *L, const char *who, int argc, obj *argv, int i,
			 uint64_t dflt_ms, uint64_t *deadline)
{
	int64_t ms = (int64_t)dflt_ms;

	*deadline = UINT64_MAX;
	if (argc > i && !int_arg(L, who, "timeout in milliseconds (>= 0)", argv[i], 0,
				 1000LL * 86400 * 365, &ms))
		return false;
	if (argc > i || dflt_ms)
		*deadline = arch_cycles() + (uint64_t)ms * (arch_cycles_per_sec() / 1000);
	return true;
}

static bool addr_arg(struct lisp *L, const char *who, obj x, uint32_t *a)
{
	if (string_p(x) && netsock_parse_addr((const char *)obj_bytes_data(x),
					      obj_bytes_length(x), a))
		return true;
	lisp_type_error(L, who, "IPv4 address string like \"10.0.2.2\"", x);
	return false;
}

static obj addr_string(struct lisp *L, uint32_t a)
{
	char buf[16];

	netsock_format_addr(a, buf);
	return lisp_cstring(L, buf);
}

/* The handle of a record of type slot, or false after an error. */
static bool handle_arg(struct lisp *L, const char *who, const char *what, obj x, int slot,
		       uint32_t *h)
{
	if (!record_p(x, STATE(L, slot))) {
		lisp_type_error(L, who, what, x);
		return false;
	}
	*h = (uint32_t)fxv(obj_fields(x)[SK_HANDLE]);
	return true;
}

static obj make_sock_record(struct lisp *L, int slot, uint32_t h)
{
	obj r = lisp_make_record(L, STATE(L, slot), SK_NFIELDS - 1);

	if (r == OBJ_NULL) {
		netsock_close(h);
		return OBJ_NULL;
	}
	obj_init_field(L, r, SK_HANDLE, fx((intptr_t)h));
	obj_init_field(L, r, SK_PORT, OBJ_FALSE);
	return r;
}

/* ---- a connection's port ---- */

static long c_read(void *ctx, struct lisp *L, void *buf, size_t n)
{
	for (;;) {
		long r = netsock_recv((uint32_t)(uintptr_t)ctx, buf, n, UINT64_MAX, stop, L);

		if (r == NETSOCK_EINTR) {
			if (lisp_poll_interrupt(L))
				return -1;
			continue;
		}
		if (r < 0) {
			sock_error(L, "read", (int)r, OBJ_NULL);
			return -1;
		}
		return r;
	}
}

static long c_write(void *ctx, struct lisp *L, const void *buf, size_t n)
{
	for (;;) {
		long r = netsock_send((uint32_t)(uintptr_t)ctx, buf, n, stop, L);

		if (r == NETSOCK_EINTR) {
			if (lisp_poll_interrupt(L))
				return -1;
			continue;	/* what was sent stays sent: send the rest */
		}
		if (r == NETSOCK_ECONNRESET || r == NETSOCK_EPIPE || r == NETSOCK_ECLOSED) {
			lisp_errorf(L, OBJ_NULL, "write: the connection is closed (%s)",
				    netsock_strerror((int)r));
			return -1;
		}
		if (r < 0) {
			sock_error(L, "write", (int)r, OBJ_NULL);
			return -1;
		}
		return r;
	}
}

static bool c_ready(void *ctx)
{
	return netsock_readable((uint32_t)(uintptr_t)ctx);
}

/* Closing a direction shuts it down at once, so a thread blocked reading (or writing) the
 * connection on another CPU wakes (end of file, or an error); the socket itself goes at release,
 * when no operation runs any more. */
static void c_close(void *ctx, unsigned dir)
{
	if (dir & LISP_PORT_IN)
		netsock_shutdown((uint32_t)(uintptr_t)ctx, 0);
	if (dir & LISP_PORT_OUT)
		netsock_shutdown((uint32_t)(uintptr_t)ctx, 1);	/* FIN after what is queued */
}

static void c_release(void *ctx)
{
	netsock_close((uint32_t)(uintptr_t)ctx);
}

static const struct lisp_port_ops conn_ops = {
	.name = "tcp", .read = c_read, .write = c_write, .ready = c_ready, .close = c_close,
	.release = c_release,
};

/* The connection record of a new connection h, with its port (closing the port closes h). */
static obj make_connection(struct lisp *L, uint32_t h)
{
	obj r = make_sock_record(L, S_RTD_CONNECTION, h), p;

	if (r == OBJ_NULL)
		return OBJ_NULL;
	ROOT(r);
	p = lisp_device_port(L, &conn_ops, (void *)(uintptr_t)h, LISP_PORT_IN | LISP_PORT_OUT);
	UNROOT(r);
	if (p == OBJ_NULL) {
		netsock_close(h);
		return OBJ_NULL;
	}
	obj_init_field(L, r, SK_PORT, p);	/* r is young: nobody else saw it yet */
	return r;
}

/* ---- TCP ---- */

static obj p_tcp_listen(struct lisp *L, int argc, obj *argv)
{
	int64_t port, backlog = 8;
	uint32_t h;
	int rc;

	if (!int_arg(L, "tcp-listen", "port number (1..65535)", argv[0], 1, 65535, &port) ||
	    (argc > 1 && !int_arg(L, "tcp-listen", "backlog (1..16)", argv[1], 1, 16, &backlog)) ||
	    !need_thread(L, "tcp-listen"))
		return OBJ_NULL;
	if ((rc = netsock_tcp_listen((unsigned)port, (int)backlog, &h)) < 0)
		return sock_error(L, "tcp-listen", rc, lisp_args(L)[0]);
	return make_sock_record(L, S_RTD_TCP_LISTENER, h);
}

static obj p_tcp_accept(struct lisp *L, int argc, obj *argv)
{
	uint64_t deadline;
	uint32_t l, h;
	int rc;

	if (!handle_arg(L, "tcp-accept", "TCP listener (from tcp-listen)", argv[0],
			S_RTD_TCP_LISTENER, &l) ||
	    !deadline_arg(L, "tcp-accept", argc, argv, 1, 0, &deadline) ||
	    !need_thread(L, "tcp-accept"))
		return OBJ_NULL;
	for (;;) {
		rc = netsock_tcp_accept(l, &h, deadline, stop, L);
		if (rc != NETSOCK_EINTR)
			break;
		if (lisp_poll_interrupt(L))
			return OBJ_NULL;
	}
	if (rc == NETSOCK_ETIMEDOUT)
		return OBJ_FALSE;
	if (rc < 0)
		return sock_error(L, "tcp-accept", rc, lisp_args(L)[0]);
	return make_connection(L, h);
}

static obj p_tcp_connect(struct lisp *L, int argc, obj *argv)
{
	uint64_t deadline;
	uint32_t a, h;
	int64_t port;
	int rc;

	if (!addr_arg(L, "tcp-connect", argv[0], &a) ||
	    !int_arg(L, "tcp-connect", "port number (1..65535)", argv[1], 1, 65535, &port) ||
	    !deadline_arg(L, "tcp-connect", argc, argv, 2, CONNECT_MS, &deadline) ||
	    !need_thread(L, "tcp-connect"))
		return OBJ_NULL;
	rc = netsock_tcp_connect(a, (unsigned)port, &h, deadline, stop, L);
	if (rc == NETSOCK_EINTR) {
		lisp_poll_interrupt(L);
		return OBJ_NULL;
	}
	if (rc < 0)
		return lisp_errorf(L, lisp_args(L)[0], "tcp-connect: %s (port %d):",
				   netsock_strerror(rc), (int)port);
	return make_connection(L, h);
}

static obj conn_port(struct lisp *L, const char *who, obj c)
{
	if (!record_p(c, STATE(L, S_RTD_CONNECTION)))
		return lisp_type_error(L, who, "TCP connection (from tcp-accept or tcp-connect)", c);
	return obj_fields(c)[SK_PORT];
}

static obj p_connection_input(struct lisp *L, int argc, obj *argv)
{
	(void)argc;
	return conn_port(L, "connection-input", argv[0]);
}

static obj p_connection_output(struct lisp *L, int argc, obj *argv)
{
	(void)argc;
	return conn_port(L, "connection-output", argv[0]);
}

/* (connection-peer c): (address port local-port) */
static obj p_connection_peer(struct lisp *L, int argc, obj *argv)
{
	unsigned port, lport;
	uint32_t h, a;
	obj l;
	int rc;

	(void)argc;
	if (!handle_arg(L, "connection-peer", "TCP connection", argv[0], S_RTD_CONNECTION, &h) ||
	    !need_thread(L, "connection-peer"))
		return OBJ_NULL;
	if ((rc = netsock_peer(h, &a, &port, &lport)) < 0)
		return sock_error(L, "connection-peer", rc, lisp_args(L)[0]);	/* we slept */
	l = lisp_cons(L, fx((intptr_t)lport), OBJ_NIL);
	if (l == OBJ_NULL || (l = lisp_cons(L, fx((intptr_t)port), l)) == OBJ_NULL)
		return OBJ_NULL;
	ROOT(l);
	obj s = addr_string(L, a);
	UNROOT(l);
	return s == OBJ_NULL ? OBJ_NULL : lisp_cons(L, s, l);
}

/* (tcp-close x): a connection (its port flushed and closed: what is queued is still sent, then
 * FIN), a listener, or a UDP socket. Closing twice does nothing. */
static obj p_tcp_close(struct lisp *L, int argc, obj *argv)
{
	obj x = argv[0];

	(void)argc;
	if (record_p(x, STATE(L, S_RTD_CONNECTION)))
		return lisp_port_close(L, obj_fields(x)[SK_PORT]);
	if (record_p(x, STATE(L, S_RTD_TCP_LISTENER)) || record_p(x, STATE(L, S_RTD_UDP))) {
		if (!need_thread(L, "tcp-close"))
			return OBJ_NULL;
		netsock_close((uint32_t)fxv(obj_fields(x)[SK_HANDLE]));
		return OBJ_UNSPECIFIED;
	}
	return lisp_type_error(L, "tcp-close", "TCP connection, listener or UDP socket", x);
}

/* ---- UDP ---- */

static obj p_udp_open(struct lisp *L, int argc, obj *argv)
{
	int64_t port = 0;
	uint32_t h;
	int rc;

	if ((argc > 0 && !int_arg(L, "udp-open", "port number (0..65535)", argv[0], 0, 65535,
				  &port)) || !need_thread(L, "udp-open"))
		return OBJ_NULL;
	if ((rc = netsock_udp_open((unsigned)port, &h)) < 0)
		return sock_error(L, "udp-open", rc, argc > 0 ? lisp_args(L)[0] : OBJ_NULL);
	return make_sock_record(L, S_RTD_UDP, h);
}

static obj p_udp_send(struct lisp *L, int argc, obj *argv)
{
	uint8_t buf[1472];	/* the bytevector may move while the service copies */
	uint32_t h, a;
	int64_t port;
	size_t n;
	int rc;

	(void)argc;
	if (!handle_arg(L, "udp-send", "UDP socket (from udp-open)", argv[0], S_RTD_UDP, &h) ||
	    !addr_arg(L, "udp-send", argv[1], &a) ||
	    !int_arg(L, "udp-send", "port number (1..65535)", argv[2], 1, 65535, &port))
		return OBJ_NULL;
	if (!bytevector_p(argv[3]))
		return lisp_type_error(L, "udp-send", "bytevector", argv[3]);
	n = obj_bytes_length(argv[3]);
	if (n > sizeof(buf))
		return lisp_errorf(L, fx((intptr_t)n), "udp-send: a datagram is at most %u bytes, got",
				   (unsigned)sizeof(buf));
	if (!need_thread(L, "udp-send"))
		return OBJ_NULL;
	memcpy(buf, obj_bytes_data(argv[3]), n);
	if ((rc = netsock_udp_send(h, a, (unsigned)port, buf, n)) < 0)
		return sock_error(L, "udp-send", rc, lisp_args(L)[1]);
	return OBJ_UNSPECIFIED;
}

static obj p_udp_receive(struct lisp *L, int argc, obj *argv)
{
	uint8_t buf[1536];
	uint64_t deadline;
	unsigned port;
	uint32_t h, a;
	obj bv, l, str;
	long n;

	if (!handle_arg(L, "udp-receive", "UDP socket (from udp-open)", argv[0], S_RTD_UDP, &h) ||
	    !deadline_arg(L, "udp-receive", argc, argv, 1, 0, &deadline) ||
	    !need_thread(L, "udp-receive"))
		return OBJ_NULL;
	for (;;) {
		n = netsock_udp_recv(h, buf, sizeof(buf), &a, &port, deadline, stop, L);
		if (n != NETSOCK_EINTR)
			break;
		if (lisp_poll_interrupt(L))
			return OBJ_NULL;
	}
	if (n == NETSOCK_ETIMEDOUT)
		return OBJ_FALSE;
	if (n < 0)
		return sock_error(L, "udp-receive", (int)n, lisp_args(L)[0]);
	if ((size_t)n > sizeof(buf))
		n = sizeof(buf);
	if ((bv = lisp_make_bytes(L, OBJ_T_BYTEVECTOR, buf, (size_t)n)) == OBJ_NULL)
		return OBJ_NULL;
	ROOT(bv);
	str = addr_string(L, a);
	if (str == OBJ_NULL) {
		UNROOT(bv);
		return OBJ_NULL;
	}
	ROOT(str);
	l = lisp_cons(L, fx((intptr_t)port), OBJ_NIL);
	l = l == OBJ_NULL ? OBJ_NULL : lisp_cons(L, str, l);
	l = l == OBJ_NULL ? OBJ_NULL : lisp_cons(L, bv, l);
	UNROOT(str);
	UNROOT(bv);
	return l == OBJ_NULL ? OBJ_NULL : lisp_make_values(L, l);
}

/* ---- ping, configuration, counters ---- */

static obj p_ping(struct lisp *L, int argc, obj *argv)
{
	int64_t count = 4;
	uint32_t a, rtt;
	obj l = OBJ_NIL, r;

	if (!addr_arg(L, "ping", argv[0], &a) ||
	    (argc > 1 && !int_arg(L, "ping", "count (1..100)", argv[1], 1, PING_COUNT_MAX, &count)) ||
	    !need_thread(L, "ping"))
		return OBJ_NULL;
	ROOT(l);
	for (int64_t i = 0; i < count; i++) {
		uint64_t cps = arch_cycles_per_sec(), t0 = arch_cycles();
		int rc = netsock_ping(a, 56, t0 + PING_TIMEOUT_MS * (cps / 1000), &rtt, stop, L);

		if (rc == NETSOCK_EINTR) {
			UNROOT(l);
			lisp_poll_interrupt(L);
			return OBJ_NULL;
		}
		if (rc < 0) {
			UNROOT(l);
			return sock_error(L, "ping", rc, lisp_args(L)[0]);
		}
		r = rc == 1 ? lisp_int64(L, rtt) : OBJ_FALSE;
		if (r == OBJ_NULL || (l = lisp_cons(L, r, l)) == OBJ_NULL) {
			UNROOT(l);
			return OBJ_NULL;
		}
		if (i + 1 < count && arch_cycles() < t0 + PING_GAP_MS * (cps / 1000))
			thread_sleep_cycles(t0 + PING_GAP_MS * (cps / 1000) - arch_cycles());
	}
	UNROOT(l);
	return lisp_list_reverse(L, l);
}

static obj p_net_config(struct lisp *L, int argc, obj *argv)
{
	struct netsock_config c;
	char mac[18];
	obj a = OBJ_NIL;
	bool ok;
	int rc;

	(void)argc, (void)argv;
	if (!need_thread(L, "net-config"))
		return OBJ_NULL;
	if ((rc = netsock_config(&c)) < 0)
		return sock_error(L, "net-config", rc, OBJ_NULL);
	ksnprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", c.mac[0], c.mac[1], c.mac[2],
		  c.mac[3], c.mac[4], c.mac[5]);
	ROOT(a);
	ok = lisp_alist_put(L, &a, "service-cpu", fx((intptr_t)c.service_cpu)) &&
	     lisp_alist_put(L, &a, "mac", lisp_cstring(L, mac)) &&
	     lisp_alist_put(L, &a, "lease-seconds", lisp_int64(L, c.lease_s)) &&
	     lisp_alist_put(L, &a, "source", sym(L, c.source)) &&
	     lisp_alist_put(L, &a, "dns", addr_string(L, c.dns)) &&
	     lisp_alist_put(L, &a, "gateway", addr_string(L, c.gateway)) &&
	     lisp_alist_put(L, &a, "netmask", addr_string(L, c.mask)) &&
	     lisp_alist_put(L, &a, "address", addr_string(L, c.addr));
	UNROOT(a);
	return ok ? a : OBJ_NULL;
}

/* (net-stats): every counter of the stack (docs/net-stack.md names each), its pools, and the
 * service's, as (name . count), in the stack's order. */
static obj p_net_stats(struct lisp *L, int argc, obj *argv)
{
	unsigned n = netsock_stat_count();
	uint64_t v[128];
	obj a = OBJ_NIL;
	bool ok;
	int rc;

	(void)argc, (void)argv;
	if (!need_thread(L, "net-stats"))
		return OBJ_NULL;
	if (n > ARRAY_SIZE(v))
		n = ARRAY_SIZE(v);
	if ((rc = netsock_stats(v, n)) < 0)
		return sock_error(L, "net-stats", rc, OBJ_NULL);
	ROOT(a);
	ok = lisp_alist_put(L, &a, "tx-queue-drops",
			    lisp_int64(L, arch_atomic_load_relaxed(&net_svc_stats()->stack_drops)));
	for (unsigned i = n; ok && i-- > 0;) {
		char name[40];
		size_t k;

		ksnprintf(name, sizeof(name), "%s", netsock_stat_name(i));
		for (k = 0; name[k]; k++)	/* Scheme's spelling: tcp-rx, not tcp_rx */
			name[k] = name[k] == '_' ? '-' : name[k];
		ok = lisp_alist_put(L, &a, name, lisp_int64(L, (int64_t)v[i]));
	}
	UNROOT(a);
	return ok ? a : OBJ_NULL;
}

/* ---- the REPL of one TCP session ----
 * Output of the session (and of threads it spawns, which inherit its configuration) goes
 * through a staging buffer per socket slot, flushed at newlines, when full and before the
 * session waits for input; stage.m (a sleeping mutex) guards it and keeps writers in order. A
 * stage names its socket by handle, so a writer that outlives the session finds it gone and
 * its output is dropped. */
struct stage {
	struct mutex m;
	uint32_t h;		/* 0: no session */
	struct thread *owner;	/* the session's thread: its flushes end on its interrupt */
	struct lisp *owner_L;
	size_t len;
	char buf[SESSION_OUT];
};
static struct stage stages[NETSOCK_MAX];
static int stages_ready;	/* 0, 1 being made, 2 made; atomic */

static void stages_init(void)
{
	int expect = 0;

	if (__atomic_compare_exchange_n(&stages_ready, &expect, 1, false, __ATOMIC_ACQ_REL,
					__ATOMIC_ACQUIRE)) {
		for (unsigned i = 0; i < NETSOCK_MAX; i++)
			mutex_init(&stages[i].m, "tcp-repl-out");
		arch_atomic_store(&stages_ready, 2);
	}
	while (arch_atomic_load(&stages_ready) != 2)
		arch_cpu_relax();
}

/* Under st->m. The session's own thread waits for room interruptibly (a client that does not
 * read must not pin it): interrupted, the staged output is dropped. Other threads' output
 * (threads the session spawned) waits for the client. */
static void stage_flush(struct stage *st)
{
	struct lisp *L = thread_self() == st->owner ? st->owner_L : NULL;
	long rc;

	if (st->len > 0 && st->h != 0) {
		rc = netsock_send(st->h, st->buf, st->len, L ? stop : NULL, L);
		if (rc < 0 && rc != NETSOCK_EINTR)
			st->h = 0;	/* the connection is gone: drop the rest */
	}
	st->len = 0;
}

static void sess_write(void *ctx, const char *buf, size_t len)
{
	uint32_t h = (uint32_t)(uintptr_t)ctx;
	struct stage *st = &stages[(h & 0xff) % NETSOCK_MAX];
	bool nl = false;

	mutex_lock(&st->m);
	while (len > 0 && st->h == h) {
		size_t k = MIN(len, sizeof(st->buf) - st->len);

		memcpy(st->buf + st->len, buf, k);
		for (size_t i = 0; i < k && !nl; i++)
			nl = buf[i] == '\n';
		st->len += k;
		buf += k;
		len -= k;
		if (st->len == sizeof(st->buf))
			stage_flush(st);
	}
	if (nl && st->h == h)
		stage_flush(st);
	mutex_unlock(&st->m);
}

struct session {
	struct lisp *L;
	uint32_t h;
	uint8_t in[512];
	size_t pos, len;
	bool eof, last_cr;
	int intr_seen;		/* the service's hook ran (Ctrl-C): drop what we buffered; atomic */
};

static void sess_flush(struct session *s)
{
	struct stage *st = &stages[s->h & 0xff];

	mutex_lock(&st->m);
	if (st->h == s->h)
		stage_flush(st);
	mutex_unlock(&st->m);
}

static void sess_intr(void *ctx)
{
	struct session *s = ctx;

	arch_atomic_store(&s->intr_seen, 1);
	lisp_interrupt(s->L);
}

static void sess_evaluating(void *ctx, bool on)
{
	struct session *s = ctx;

	if (on) {
		netsock_set_intr(s->h, sess_intr, s);
	} else {
		netsock_set_intr(s->h, NULL, NULL);
		lisp_interrupt_clear(s->L);
		if (arch_atomic_xchg(&s->intr_seen, 0))
			s->pos = s->len;	/* typed ahead before the Ctrl-C: dropped with it */
		sess_flush(s);
	}
}

/* The next byte the client sent, telnet's commands taken out, CR LF and CR NUL made LF; -1 at the
 * end (or an interrupt: then raised). Ctrl-C (3) or telnet's IP at the prompt drops what was
 * typed and reads as an interrupt; while an expression runs the service takes them
 * (netsock_set_intr). Ctrl-D (4) ends the session, as at the console. */
static int sess_byte(struct session *s)
{
	if (s->pos == s->len) {
		long n;

		sess_flush(s);	/* the prompt, before we wait */
		do
			n = netsock_recv(s->h, s->in, sizeof(s->in), UINT64_MAX, stop, s->L);
		while (n == NETSOCK_EINTR && !lisp_interrupt_pending(s->L));
		if (n == NETSOCK_EINTR)
			return -2;
		if (n <= 0) {
			s->eof = true;
			return -1;
		}
		s->pos = 0;
		s->len = (size_t)n;
	}
	return s->in[s->pos++];
}

static int sess_getc(void *ctx)
{
	struct session *s = ctx;

	while (!s->eof) {
		int c = sess_byte(s);

		if (c == 255) {		/* telnet IAC */
			c = sess_byte(s);
			if (c == 255)
				return 255;
			if (c >= 251 && c <= 254) {	/* WILL WONT DO DONT option */
				sess_byte(s);
				continue;
			}
			if (c == 250) {		/* SB ... IAC SE */
				while ((c = sess_byte(s)) >= 0 && c != 240)
					;
				continue;
			}
			if (c != 244)		/* IP: as Ctrl-C; the rest: nothing to do */
				continue;
			c = 3;
		}
		if (c == -2 || c == 3) {
			/* the line typed before it goes with the interrupt (the reader drops it); what
			 * was sent after it stays */
			lisp_interrupt(s->L);
			lisp_input_interrupted(s->L);
			return -1;
		}
		if (c < 0 || c == 4) {
			s->eof = true;
			break;
		}
		if ((c == '\n' || c == 0) && s->last_cr) {
			s->last_cr = false;
			continue;
		}
		s->last_cr = c == '\r';
		return c == '\r' ? '\n' : c;
	}
	return -1;
}

/* (%tcp-repl c): a REPL on connection c until the client closes it, sends Ctrl-D or evaluates
 * (exit); then c is closed. The global environment is everyone's; errors are the session's. */
static obj p_tcp_repl(struct lisp *L, int argc, obj *argv)
{
	struct session s = { .L = L };
	struct lisp_input in;
	struct stage *st;
	obj c = argv[0], port;
	void (*saved_write)(void *, const char *, size_t) = L->cfg.write;
	void *saved_ctx = L->cfg.write_ctx;
	void (*saved_exit)(void *, int) = L->cfg.exit;
	char banner[96];

	(void)argc;
	if (!handle_arg(L, "%tcp-repl", "TCP connection", c, S_RTD_CONNECTION, &s.h) ||
	    !need_thread(L, "%tcp-repl"))
		return OBJ_NULL;
	{
		uint32_t a;
		unsigned p, lp;

		if (netsock_peer(s.h, &a, &p, &lp) < 0)	/* closed: its slot may be another's */
			return lisp_errorf(L, lisp_args(L)[0], "%%tcp-repl: the connection is closed:");
	}
	c = lisp_args(L)[0];	/* we slept */
	stages_init();
	st = &stages[s.h & 0xff];
	mutex_lock(&st->m);
	if (st->h != 0) {
		mutex_unlock(&st->m);
		return lisp_errorf(L, c, "%%tcp-repl: the connection has a session already:");
	}
	st->h = s.h;
	st->owner = thread_self();
	st->owner_L = L;
	st->len = 0;
	mutex_unlock(&st->m);
	port = obj_fields(c)[SK_PORT];
	ROOT(port);
	L->cfg.write = sess_write;
	L->cfg.write_ctx = (void *)(uintptr_t)s.h;
	L->cfg.exit = NULL;	/* (exit) ends this session, not the machine */
	ksnprintf(banner, sizeof(banner), "Scheme on cpu %u; Ctrl-C interrupts, Ctrl-D or (exit) "
		  "ends the session\n", arch_cpu_id());
	sess_write(L->cfg.write_ctx, banner, strlen(banner));
	lisp_input_init(&in, sess_getc, &s);
	in.evaluating = sess_evaluating;
	lisp_repl(L, &in, LISP_REPL_PRINT | LISP_REPL_PROMPT);
	netsock_set_intr(s.h, NULL, NULL);
	lisp_interrupt_clear(L);
	L->exiting = false;
	mutex_lock(&st->m);
	if (st->h == s.h) {
		stage_flush(st);
		st->h = 0;
	}
	st->owner = NULL;
	st->owner_L = NULL;
	st->len = 0;
	mutex_unlock(&st->m);
	L->cfg.write = saved_write;
	L->cfg.write_ctx = saved_ctx;
	L->cfg.exit = saved_exit;
	lisp_port_close(L, port);
	UNROOT(port);
	lisp_take_error(L);	/* a failed last write: the session is over anyway */
	L->err = OBJ_NULL;
	return OBJ_UNSPECIFIED;
}

static const struct lisp_prim_def defs[] = {
	{ "tcp-listen", p_tcp_listen, 1, 2, 0 },
	{ "tcp-accept", p_tcp_accept, 1, 2, 0 },
	{ "tcp-connect", p_tcp_connect, 2, 3, 0 },
	{ "connection-input", p_connection_input, 1, 1, 0 },
	{ "connection-output", p_connection_output, 1, 1, 0 },
	{ "connection-peer", p_connection_peer, 1, 1, 0 },
	{ "tcp-close", p_tcp_close, 1, 1, 0 },
	{ "udp-open", p_udp_open, 0, 1, 0 },
	{ "udp-send", p_udp_send, 4, 4, 0 },
	{ "udp-receive", p_udp_receive, 1, 2, 0 },
	{ "udp-close", p_tcp_close, 1, 1, 0 },
	{ "ping", p_ping, 1, 2, 0 },
	{ "net-config", p_net_config, 0, 0, 0 },
	{ "net-stats", p_net_stats, 0, 0, 0 },
	{ "%tcp-repl", p_tcp_repl, 1, 1, 0 },
};

static bool make_rtd(struct lisp *L, const char *name, int slot)
{
	obj n = lisp_cstring(L, name), fl, r;

	if (n == OBJ_NULL)
		return false;
	ROOT(n);
	fl = lisp_make_vector(L, 0, OBJ_FALSE);
	UNROOT(n);
	if (fl == OBJ_NULL || (r = lisp_make_rtd(L, n, fl)) == OBJ_NULL)
		return false;
	state_set(L, slot, r);
	return true;
}

void lisp_init_sockets(struct lisp *L)
{
	if (make_rtd(L, "tcp-listener", S_RTD_TCP_LISTENER) &&
	    make_rtd(L, "tcp-connection", S_RTD_CONNECTION) && make_rtd(L, "udp-socket", S_RTD_UDP))
		lisp_register(L, defs, ARRAY_SIZE(defs));
}
