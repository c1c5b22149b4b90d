/* test_netsock.c -- the socket layer (net/netsock.c) on hosted CPUs, under ASan and TSan: client
 * threads on every CPU talk through it to a second stack (the peer, 10.0.0.2) joined by a
 * loopback wire. The test's service thread plays net/netsvc.c: it carries frames both ways,
 * runs the socket layer's pass and the peer's echo servers (TCP port 7, UDP port 9). Checks the
 * bytes, the Ctrl-C hook, a receive ended by a close from another thread, stale handles, and that
 * every socket and buffer block comes back. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <arch.h>
#include <host.h>
#include <kernel/kernel.h>
#include <kernel/memmap.h>
#include <kernel/physmem.h>
#include <net/net.h>
#include <net/netsock.h>
#include <net/netsock_svc.h>
#include <sched/sched_cpu.h>
#include <sched/thread.h>

#define PRIO		10
#define ARENA		(32u << 20)
#define CLIENTS		8
#define WIRE		256		/* frames in flight each way */
#define PEER_CONNS	16

static unsigned fails;	/* atomic */
#define CHECK(c) \
	do { if (!(c)) { __atomic_add_fetch(&fails, 1, __ATOMIC_SEQ_CST); \
		fprintf(stderr, "check failed: %s (%s:%d)\n", #c, __FILE__, __LINE__); } } while (0)

static const net_ip peer_ip = NET_IP(10, 0, 0, 2);	/* we are 10.0.0.1 (ip=) */

/* ---- the service thread's world: touched by it alone ---- */
struct wire {
	uint8_t f[WIRE][1514];
	uint16_t len[WIRE];
	unsigned head, n;
};
static struct wire a_to_b, b_to_a;
static struct net_stack *peer;
static struct net_tcp *peer_listener;
static struct net_udp *peer_udp;
static struct { struct net_tcp *c; uint8_t buf[4096]; unsigned off, len; } pc[PEER_CONNS];

/* ---- shared with the clients ---- */
static struct waitq svc_wq;		/* its lock guards kicked and stop */
static bool kicked, stop;

static void wire_put(struct wire *w, const void *frame, size_t len)
{
	if (w->n == WIRE || len > 1514)
		return;		/* dropped, as a full queue would: TCP recovers */
	memcpy(w->f[(w->head + w->n) % WIRE], frame, len);
	w->len[(w->head + w->n) % WIRE] = (uint16_t)len;
	w->n++;
}

static void a_send(void *ctx, const void *frame, size_t len) { (void)ctx; wire_put(&a_to_b, frame, len); }
static void b_send(void *ctx, const void *frame, size_t len) { (void)ctx; wire_put(&b_to_a, frame, len); }

static uint64_t now_us(void)
{
	return arch_cycles_to_ns(arch_cycles()) / 1000;
}

static void svc_kick(void)
{
	arch_irqflags_t f = spin_lock_irqsave(&svc_wq.lock);

	kicked = true;
	waitq_wake_one_locked(&svc_wq);
	spin_unlock_irqrestore(&svc_wq.lock, f);
}

static int svc_wait_up(void) { return 0; }

static const struct netsock_svc_ops ops = { .kick = svc_kick, .wait_up = svc_wait_up };

/* The peer's echo servers, one step each. */
static void peer_step(void)
{
	uint8_t d[1500];
	net_ip a;
	uint16_t p;
	int err, n;

	for (struct net_tcp *c; (c = net_tcp_accept(peer_listener, &err)) != NULL;) {
		unsigned i;

		for (i = 0; i < PEER_CONNS && pc[i].c; i++)
			;
		if (i == PEER_CONNS) {
			net_tcp_abort(c, now_us());
			continue;
		}
		pc[i].c = c;
		pc[i].off = pc[i].len = 0;
	}
	for (unsigned i = 0; i < PEER_CONNS; i++) {
		if (!pc[i].c)
			continue;
		for (;;) {
			if (pc[i].off < pc[i].len) {	/* what could not be sent yet goes first */
				n = net_tcp_send(pc[i].c, pc[i].buf + pc[i].off, pc[i].len - pc[i].off,
						 now_us());
				if (n <= 0)
					break;
				pc[i].off += (unsigned)n;
				continue;
			}
			n = net_tcp_recv(pc[i].c, pc[i].buf, sizeof(pc[i].buf), now_us());
			if (n > 0) {
				pc[i].off = 0;
				pc[i].len = (unsigned)n;
				continue;
			}
			if (n != NET_EAGAIN) {	/* the end, or an error: done with it */
				net_tcp_close(pc[i].c, now_us());
				pc[i].c = NULL;
			}
			break;
		}
	}
	while ((n = net_udp_recv(peer_udp, d, sizeof(d), &a, &p)) >= 0)
		net_udp_send(peer_udp, a, p, d, (size_t)n, now_us());
}

static uintptr_t service(void *arg)
{
	struct net_init pi = { .mem_len = net_mem_size(PEER_CONNS), .send_frame = b_send, .seed = 7,
			       .mac = { 2, 0, 0, 0, 0, 2 } };
	struct net_ifconfig pcfg = { .addr = peer_ip, .mask = 0xffffff00u };
	static const uint8_t mac[6] = { 2, 0, 0, 0, 0, 1 };
	int err;

	(void)arg;
	pi.mem = aligned_alloc(64, (pi.mem_len + 63) & ~(size_t)63);
	pi.now_us = now_us();
	peer = net_stack_init(&pi);
	CHECK(peer != NULL);
	net_set_static(peer, &pcfg, true, now_us());
	peer_listener = net_tcp_listen(peer, 7, 16, &err);
	peer_udp = net_udp_open(peer, 9, &err);
	CHECK(peer_listener && peer_udp);
	CHECK(netsock_svc_init(mac, "ip=10.0.0.1/24", 0, a_send, NULL) == 0);
	for (;;) {
		arch_irqflags_t f = spin_lock_irqsave(&svc_wq.lock);
		uint64_t until = arch_cycles() + arch_cycles_per_sec() / 1000;	/* 1 ms */
		bool done;

		while (!kicked && !stop && arch_cycles() < until)
			waitq_sleep_until_locked(&svc_wq, until);
		kicked = false;
		done = stop;
		spin_unlock_irqrestore(&svc_wq.lock, f);
		if (done)
			break;
		for (int rounds = 0; rounds < 8 && (a_to_b.n || b_to_a.n || rounds == 0); rounds++) {
			while (a_to_b.n) {
				net_input(peer, a_to_b.f[a_to_b.head], a_to_b.len[a_to_b.head], now_us());
				a_to_b.head = (a_to_b.head + 1) % WIRE;
				a_to_b.n--;
			}
			while (b_to_a.n) {
				netsock_svc_input(b_to_a.f[b_to_a.head], b_to_a.len[b_to_a.head]);
				b_to_a.head = (b_to_a.head + 1) % WIRE;
				b_to_a.n--;
			}
			netsock_svc_run();
			peer_step();
			net_poll(peer, now_us());
		}
	}
	free(pi.mem);
	return 0;
}

/* ---- clients ---- */

/* On the least loaded CPU, then staying there (timed waits need a home CPU), as Scheme's spawn. */
static struct thread *spawn(const char *name, uintptr_t (*fn)(void *), void *arg)
{
	return thread_create_placed(name, fn, arg, PRIO, SCHED_CPU_ANY, THREAD_MOVABLE_UNSTARTED);
}

static uint8_t pattern(unsigned client, unsigned i)
{
	uint8_t b = (uint8_t)(client * 31 + i * 7 + (i >> 8));

	return b == 3 ? 4 : b;	/* no Ctrl-C in the data */
}

static uintptr_t tcp_client(void *arg)
{
	unsigned id = (unsigned)(uintptr_t)arg, total = 0;
	uint8_t out[3000], in[3000];
	uint32_t h;
	int rc;

	rc = netsock_tcp_connect(peer_ip, 7, &h, UINT64_MAX, NULL, NULL);
	CHECK(rc == 0);
	if (rc)
		return 1;
	for (unsigned round = 0; round < 40; round++) {
		unsigned n = 1 + (round * 131 + id * 17) % sizeof(out), got = 0;

		for (unsigned i = 0; i < n; i++)
			out[i] = pattern(id, total + i);
		CHECK(netsock_send(h, out, n, NULL, NULL) == (long)n);
		while (got < n) {
			long k = netsock_recv(h, in + got, n - got, UINT64_MAX, NULL, NULL);

			CHECK(k > 0);
			if (k <= 0)
				break;
			got += (unsigned)k;
		}
		CHECK(memcmp(in, out, n) == 0);
		total += n;
	}
	CHECK(netsock_close(h) == 0);
	CHECK(netsock_close(h) == NETSOCK_ECLOSED);	/* stale: refused, never another's */
	CHECK(netsock_send(h, out, 1, NULL, NULL) == NETSOCK_ECLOSED);
	return 0;
}

static uintptr_t udp_client(void *arg)
{
	unsigned id = (unsigned)(uintptr_t)arg, ok = 0;
	uint8_t out[1472], in[1600];
	uint32_t h, a;
	unsigned port;

	CHECK(netsock_udp_open(0, &h) == 0);
	for (unsigned i = 0; i < 30; i++) {
		unsigned n = 1 + (i * 97 + id) % sizeof(out);
		long k;

		memset(out, (int)(id + i), n);
		CHECK(netsock_udp_send(h, peer_ip, 9, out, n) == 0);
		k = netsock_udp_recv(h, in, sizeof(in), &a, &port,
				     arch_cycles() + arch_cycles_per_sec(), NULL, NULL);
		if (k == (long)n && memcmp(in, out, n) == 0 && a == peer_ip && port == 9)
			ok++;
	}
	CHECK(ok >= 28);	/* the wire may drop when full */
	CHECK(netsock_close(h) == 0);
	return 0;
}

static unsigned hook_calls;	/* atomic */

static void hook(void *ctx)
{
	(void)ctx;
	__atomic_add_fetch(&hook_calls, 1, __ATOMIC_SEQ_CST);
}

/* The Ctrl-C hook: the echo brings back "ab\3cd"; the hook fires once and the bytes up to the 3
 * are dropped. Then a receive waiting when another thread closes the socket ends. */
static uintptr_t closer(void *arg)
{
	thread_sleep_ms(50);
	CHECK(netsock_close((uint32_t)(uintptr_t)arg) == 0);
	return 0;
}

static uintptr_t shutter(void *arg)
{
	thread_sleep_ms(50);
	CHECK(netsock_shutdown((uint32_t)(uintptr_t)arg, 0) == 0);
	return 0;
}

static uintptr_t intr_client(void *arg)
{
	uint8_t in[16];
	uint32_t h;
	long k;
	struct thread *t;

	(void)arg;
	CHECK(netsock_tcp_connect(peer_ip, 7, &h, UINT64_MAX, NULL, NULL) == 0);
	CHECK(netsock_set_intr(h, hook, NULL) == 0);
	CHECK(netsock_send(h, "ab\3cd", 5, NULL, NULL) == 5);
	k = netsock_recv(h, in, 2, UINT64_MAX, NULL, NULL);
	CHECK(k == 2 && in[0] == 'c' && in[1] == 'd');
	CHECK(__atomic_load_n(&hook_calls, __ATOMIC_SEQ_CST) == 1);
	CHECK(netsock_set_intr(h, NULL, NULL) == 0);
	t = spawn("shutter", shutter, (void *)(uintptr_t)h);	/* close-input-port's way */
	k = netsock_recv(h, in, sizeof(in), UINT64_MAX, NULL, NULL);
	CHECK(k == 0);
	thread_join(t, NULL);
	CHECK(netsock_close(h) == 0);
	CHECK(netsock_tcp_connect(peer_ip, 7, &h, UINT64_MAX, NULL, NULL) == 0);
	t = spawn("closer", closer, (void *)(uintptr_t)h);
	k = netsock_recv(h, in, sizeof(in), UINT64_MAX, NULL, NULL);
	CHECK(k == NETSOCK_ECLOSED);
	thread_join(t, NULL);
	return 0;
}

static uint64_t stat(const char *name)
{
	uint64_t v[128];
	unsigned n = netsock_stat_count();

	CHECK(n <= 128 && netsock_stats(v, n) == 0);
	for (unsigned i = 0; i < n; i++)
		if (strcmp(netsock_stat_name(i), name) == 0)
			return v[i];
	CHECK(!"no such counter");
	return 0;
}

static uintptr_t body(void *arg)
{
	unsigned ncpus = (unsigned)(uintptr_t)arg;
	struct thread *svc, *t[2 * CLIENTS + 1];
	uint64_t blocks;

	waitq_init(&svc_wq, "test-net-service");
	stop = kicked = false;
	netsock_register(&ops);
	svc = thread_create("net", service, NULL, PRIO - 5, ncpus - 1);
	thread_sleep_ms(20);
	blocks = stat("tcp_blocks");
	for (unsigned i = 0; i < CLIENTS; i++) {
		t[2 * i] = spawn("tcp", tcp_client, (void *)(uintptr_t)i);
		t[2 * i + 1] = spawn("udp", udp_client, (void *)(uintptr_t)i);
	}
	t[2 * CLIENTS] = spawn("intr", intr_client, NULL);
	for (unsigned i = 0; i < 2 * CLIENTS + 1; i++)
		thread_join(t[i], NULL);
	CHECK(stat("sockets_open") == 0);
	for (int i = 0; i < 200 && stat("tcp_blocks_free") != blocks; i++)
		thread_sleep_ms(10);	/* the last FINs and ACKs */
	CHECK(stat("tcp_blocks_free") == blocks);
	CHECK(stat("tcp_passive_open") == 0 && stat("tcp_active_open") == CLIENTS + 2);
	arch_irqflags_t f = spin_lock_irqsave(&svc_wq.lock);
	stop = true;
	waitq_wake_one_locked(&svc_wq);
	spin_unlock_irqrestore(&svc_wq.lock, f);
	thread_join(svc, NULL);
	netsock_register(NULL);
	return 0;
}

struct run {
	unsigned ncpus, ready;
	struct thread *main_thread;
};

static void *stack_alloc(size_t size, size_t align)
{
	return aligned_alloc(align, size);
}

static void stack_free(void *p, size_t size)
{
	(void)size;
	free(p);
}

static uintptr_t main_wrap(void *p)
{
	uintptr_t v = body((void *)(uintptr_t)((struct run *)p)->ncpus);

	sched_stop();
	return v;
}

static void cpu_fn(unsigned cpu, void *p)
{
	struct run *r = p;

	sched_init_cpu(cpu);
	__atomic_add_fetch(&r->ready, 1, __ATOMIC_SEQ_CST);
	while (__atomic_load_n(&r->ready, __ATOMIC_SEQ_CST) < r->ncpus)
		arch_cpu_relax();
	if (cpu == 0)
		r->main_thread = thread_create("main", main_wrap, r, PRIO, 0);
	sched_run();
	if (cpu == 0)
		thread_join(r->main_thread, NULL);
}

static void test_sockets(void **state)
{
	(void)state;
	for (unsigned n = 1; n <= 4; n *= 2) {
		struct run r = { .ncpus = n };

		__atomic_store_n(&hook_calls, 0, __ATOMIC_SEQ_CST);
		host_run_cpus(n, cpu_fn, &r);
		assert_int_equal(__atomic_load_n(&fails, __ATOMIC_SEQ_CST), 0);
	}
}

/* Before a service registers, every call is ENODEV; bad arguments are EINVAL. */
static void test_no_service(void **state)
{
	uint32_t h;

	(void)state;
	netsock_register(NULL);
	assert_int_equal(netsock_tcp_listen(80, 4, &h), NETSOCK_ENODEV);
	assert_int_equal(netsock_tcp_listen(0, 4, &h), NETSOCK_EINVAL);
	assert_int_equal(netsock_tcp_listen(80, 17, &h), NETSOCK_EINVAL);
	assert_int_equal(netsock_udp_send(5, peer_ip, 0, "x", 1), NETSOCK_EINVAL);
	assert_string_equal(netsock_strerror(NETSOCK_ECONNREFUSED), "connection refused");
}

static void test_addresses(void **state)
{
	uint32_t a;
	char buf[16];

	(void)state;
	assert_true(netsock_parse_addr("10.0.2.15", 9, &a) && a == NET_IP(10, 0, 2, 15));
	assert_true(netsock_parse_addr("255.255.255.255", 15, &a) && a == 0xffffffffu);
	assert_false(netsock_parse_addr("10.0.2", 6, &a));
	assert_false(netsock_parse_addr("10.0.2.256", 10, &a));
	assert_false(netsock_parse_addr("10.0.2.1 ", 9, &a));
	assert_false(netsock_parse_addr("10..2.1", 7, &a));
	assert_false(netsock_parse_addr("1000.0.2.1", 10, &a));
	assert_false(netsock_parse_addr("", 0, &a));
	netsock_format_addr(NET_IP(192, 168, 0, 1), buf);
	assert_string_equal(buf, "192.168.0.1");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_addresses),
		cmocka_unit_test(test_no_service),
		cmocka_unit_test(test_sockets),
	};
	struct memmap m;
	void *arena = aligned_alloc(1 << 20, ARENA);

	alarm(600);	/* a lost wake-up hangs: fail instead */
	memmap_init(&m);
	memmap_add(&m, (uintptr_t)arena, ARENA, MEM_USABLE);
	physmem_init(&m, 0, UINT64_MAX);
	sched_set_stack_allocator(stack_alloc, stack_free);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
