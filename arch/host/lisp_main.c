/* lisp_main.c -- build/host/lisp: the interpreter as a Linux program.
 *
 *	lisp [--cpus N] [--gc percore|global] [--gc-pause-us N] [--heap-mb N] [--nursery-kb N]
 *	     [--stack-mb N] [--cstack-kb N] [--torture] [--torture-every N [--seed S]] [--verify]
 *	     [--store-cache-kb N] [--no-jit] [FILE [ARG...]]
 *
 * With FILE, runs it like the REPL does but prints only what the program prints. An error prints
 * its "error: ..." line and the file goes on with the next expression (the console contract:
 * the REPL goes on); the exit status is then 1 at the end. (exit [code]) ends at once with that
 * status (no argument or #t: 0, #f: 1, an integer: its low 8 bits). Without FILE, a REPL on
 * stdin: values are written after each expression, with a prompt only when stdin is a terminal.
 * --cpus N (default 1): N CPUs, each a Linux thread running the kernel's scheduler with its
 * own heap, as in the kernel: the REPL is a thread on CPU 0, (spawn) places threads on any.
 * --gc global collects them all in one stop-the-world collection when a nursery fills (the
 * baseline, mm/gc/stw.h); percore (the default) lets each CPU collect its own.
 * --gc-pause-us N is the pause goal the collector sizes the nursery in use and its major steps
 * by (default 100; 0: none, the whole nursery and fixed steps; docs/gc.md, "The pause goal");
 * --nursery-kb the nursery's size, the most the pacer may use (default 256).
 * --heap-mb bounds the memory each CPU's heap may take (default 256); --torture collects at every
 * allocation, --torture-every N at 1 in N of them, at random (seeded by --seed S, default 1, so
 * a failing run replays: collecting at every allocation never leaves an object young across one
 * and misses a C pointer a collection left stale); --verify checks the heap invariants at every collection (debug builds);
 * --stack-mb bounds the Scheme stack ("recursion too deep"), --cstack-kb the C stack the reader
 * and compiler may use ("nesting too deep"; default 1024: threads have 4 MiB stacks here, the
 * kernel's 32 KiB). --bench-micro runs the kernel's micro-benchmarks (kernel/kbench.c) instead
 * of a program: "BENCH op ns" lines (make bench's host_ rows; give --cpus 2 for the cross-CPU one).
 * --no-jit interprets every loop (lisp/jit.h: native code for loops of fixnum counters).
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <arch.h>
#include <kernel/cpu.h>
#include <kernel/kbench.h>
#include <kernel/kernel.h>
#include <lisp/jit.h>
#include <lisp/lisp.h>
#include <mm/gc/gc.h>
#include <mm/gc/roots.h>
#include <mm/gc/stw.h>
#include <mm/gc/xheap.h>
#include <mm/heaps/heap.h>
#include <sched/thread.h>
#include <storage/blk_file.h>
#include <storage/storesvc.h>
#include <malloc.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "host.h"

/* One per CPU heap. Other CPUs allocate from it too (a heap's count table, mm/gc/xheap.c), so
 * out is atomic and the budget check approximate.
 * Freed 64 KiB blocks are kept (up to SRC_KEEP, under lock) and handed out again, as the
 * kernel's physmem does: glibc serves a 64 KiB aligned block with mmap and frees it with munmap,
 * so a heap whose groups come and go (a major sweep freeing groups, the next minor collection
 * taking new ones) paid an mmap, page faults and a munmap with its TLB shootdown on every CPU for
 * each: a sixth of a cross-CPU channel-send in issue 13's share benchmark. */
#define SRC_KEEP	512	/* 32 MiB per CPU: a major sweep frees that many groups at once */

struct source {
	size_t budget;
	size_t out;
	size_t lent;	/* nonzero: the interpreter's collection may take out up to this */
	pthread_mutex_t keep_lock;	/* guards kept and nkept */
	void *kept[SRC_KEEP];
	unsigned nkept;
};

/* A fresh group's pages, faulted in now (one system call) rather than one at a time where the
 * collector first writes them: in a minor collection's pause, promoting into a new group cost a
 * page fault per 4 KiB (about 8 us each under this machine's hypervisor; 17 % of gcold's run
 * time, docs/gc.md "Blocks ready before the pause"). The kernel's memory has no such faults.
 * Groups are mostly taken outside pauses (heap_alloc_slow reserves the next collection's after
 * the last one); a kept group was touched when it was used. */
static void populate(void *p, size_t size)
{
	if (madvise(p, size, MADV_POPULATE_WRITE) == 0)
		return;
	for (size_t i = 0; i < size; i += 4096)	/* an older kernel: touch each page */
		((volatile char *)p)[i] = 0;
}

static void *src_alloc(void *ctx, size_t size)
{
	struct source *s = ctx;
	void *p = NULL;

	if (__atomic_load_n(&s->out, __ATOMIC_RELAXED) + size > MAX(s->budget, s->lent))
		return NULL;
	if (size == HEAP_GROUP_SIZE) {
		pthread_mutex_lock(&s->keep_lock);
		if (s->nkept > 0)
			p = s->kept[--s->nkept];
		pthread_mutex_unlock(&s->keep_lock);
	}
	if (p == NULL && (p = aligned_alloc(HEAP_GROUP_SIZE, size)) != NULL && size == HEAP_GROUP_SIZE)
		populate(p, size);
	if (p != NULL)
		__atomic_add_fetch(&s->out, size, __ATOMIC_RELAXED);
	return p;
}

static void src_free(void *ctx, void *p, size_t size)
{
	struct source *s = ctx;

	__atomic_sub_fetch(&s->out, size, __ATOMIC_RELAXED);
	if (size == HEAP_GROUP_SIZE) {
		pthread_mutex_lock(&s->keep_lock);
		if (s->nkept < SRC_KEEP) {
			s->kept[s->nkept++] = p;
			p = NULL;
		}
		pthread_mutex_unlock(&s->keep_lock);
	}
	free(p);
}

/* The count tables' blocks: outside every heap's budget (heap.h, heap_config.xsrc). */
static void *table_alloc(void *ctx, size_t size)
{
	(void)ctx;
	return aligned_alloc(HEAP_GROUP_SIZE, size);
}

static void table_free(void *ctx, void *p, size_t size)
{
	(void)ctx;
	(void)size;
	free(p);
}

/* lisp.h, gc_lend: room for a full nursery's promotion (with each group's waste), a mark stack
 * and extra, past the budget (RETRY) or past what the heap holds (RECOVER) */
static void lend(void *ctx, struct heap *h, int how, size_t extra)
{
	struct source *s = h->src.ctx;
	size_t room = h->nursery_bytes * 3 / 2 + 2 * HEAP_GROUP_SIZE + extra;

	(void)ctx;

	if (how == LISP_LEND_RETRY)
		s->lent = s->budget + room;
	else if (how == LISP_LEND_RECOVER)
		s->lent = MAX(s->budget, s->out) + room;
	else
		s->lent = 0;
}

static void out_write(void *ctx, const char *buf, size_t len)
{
	(void)ctx;
	fwrite(buf, 1, len, stdout);
}

static void do_exit(void *ctx, int code)
{
	(void)ctx;
	fflush(stdout);
	exit(code & 0xff);
}

static int file_getc(void *ctx)
{
	return getc((FILE *)ctx);
}

/* Ctrl-C at the interactive REPL: SIGINT becomes an interrupt of CPU 0, where the REPL runs,
 * which stops the expression being evaluated ("error: interrupted"); at the prompt it does
 * nothing. repl_busy is CPU 0's alone (its threads share one Linux thread). */
static struct lisp interp;
static int repl_busy;

static void drop_typed_ahead(void);

static void sigint_hook(void)
{
	if (repl_busy) {
		lisp_interrupt(&interp);
		drop_typed_ahead();	/* as the terminal drops its queue at Ctrl-C */
	}
}

static void on_sigint(int sig)
{
	(void)sig;
	host_raise_signal(0);
}

static void tty_evaluating(void *ctx, bool on)
{
	(void)ctx;
	repl_busy = on;
	if (!on)
		lisp_interrupt_clear(&interp);	/* a request the expression did not take */
}

/* Standard input of the REPL: read without blocking CPU 0 (its threads share one Linux thread),
 * so while the REPL waits for a line the other threads of CPU 0 run; the wait sleeps in the
 * scheduler between polls, and while an expression runs (a program reading the console) it
 * ends for an interrupt as the kernel's console does. Only the REPL thread reads it. */
#define STDIN_POLL_MS	10

static struct {
	unsigned char buf[4096];
	size_t pos, len;
	bool eof;
} in_buf;

/* runs on CPU 0 (host_poll), as the REPL thread's reads do */
static void drop_typed_ahead(void)
{
	in_buf.pos = in_buf.len;
}

static int stdin_getc(void *ctx)
{
	(void)ctx;
	if (in_buf.pos < in_buf.len)
		return in_buf.buf[in_buf.pos++];
	if (in_buf.eof)
		return -1;
	fflush(stdout);
	for (;;) {
		struct pollfd p = { 0, POLLIN, 0 };
		int r = poll(&p, 1, 0);

		if (r > 0) {
			ssize_t n = read(0, in_buf.buf, sizeof(in_buf.buf));

			if (n > 0) {
				in_buf.pos = 1;
				in_buf.len = (size_t)n;
				return in_buf.buf[0];
			}
			if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
				in_buf.eof = true;
				return -1;
			}
		} else if (r < 0 && errno != EINTR) {
			in_buf.eof = true;
			return -1;
		}
		if (repl_busy && lisp_interrupt_pending(&interp)) {
			lisp_input_interrupted(&interp);
			return -1;
		}
		if (r == 0)
			thread_sleep_ms(STDIN_POLL_MS);
	}
}

void kernel_timer_tick(void)
{
	sched_timer_tick();
}

static void usage(void)
{
	fprintf(stderr, "usage: lisp [--cpus N] [--gc percore|global] [--gc-pause-us N] [--heap-mb N]\n"
			"            [--nursery-kb N] [--stack-mb N] [--cstack-kb N] [--torture]\n"
			"            [--torture-every N [--seed S]] [--verify] [--sd FILE]\n"
			"            [--store-cache-kb N] [--no-jit]\n"
			"            [FILE [ARG...]]  (ARGs: the program's, in (command-line))\n");
	exit(2);
}

#define HOST_STACK_KB	4096	/* every thread's stack: room for the C stack budget (--cstack-kb) */

static struct source sources[NCPU];
static struct gc_rootstack repl_roots;

static struct {
	unsigned ncpus;
	size_t heap_mb, nursery_kb, stack_mb, cstack_kb;
	unsigned pause_us, torture_every;
	unsigned long long seed;
	const char *sd;
	size_t store_cache_kb;		/* the store's group cache (0: its default, 1 MiB) */
	bool torture, verify, bench;
	const char *file;
	const char *const *args;	/* (command-line): FILE and what follows it */
	FILE *f;
	unsigned ready;		/* CPUs with a heap and a scheduler; atomic */
	struct thread *repl;
} run;

extern char **environ;
static const char *const no_file_args[] = { "lisp", NULL };	/* the REPL on stdin */

/* Thread stacks are mapped, not malloc'd: pages a thread never touches cost nothing, and
 * ASan's allocator does not poison and quarantine 4 MiB per thread (5000 short threads on
 * 2 CPUs took a minute under ASan with aligned_alloc, most of it in the kernel). The mapping
 * is made align larger and trimmed to an aligned start. */
static void *stack_alloc(size_t size, size_t align)
{
	size_t span = size + align;
	char *m = mmap(NULL, span, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
		-1, 0);
	if (m == MAP_FAILED)
		return NULL;
	char *p = (char *)(((uintptr_t)m + align - 1) & ~(uintptr_t)(align - 1));
	if (p > m)
		munmap(m, (size_t)(p - m));
	if (p + size < m + span)
		munmap(p + size, (size_t)(m + span - (p + size)));
	return p;
}

static void stack_free(void *p, size_t size)
{
	munmap(p, size);
}

/* --bench-micro: kbench.c's thread in place of the REPL, with the C library's memory */
static void *bench_node_alloc(size_t size)
{
	return malloc(size);
}

static void bench_node_free(void *p, size_t size)
{
	(void)size;
	free(p);
}

static void *bench_block_alloc(void *ctx, size_t size)
{
	(void)ctx;
	return aligned_alloc(HEAP_GROUP_SIZE, size);
}

static void bench_block_free(void *ctx, void *p, size_t size)
{
	(void)ctx;
	(void)size;
	free(p);
}

__attribute__((noreturn)) static void bench_finish(int ok, const char *why)
{
	printf("KTEST %s bench%s%s\n", ok ? "PASS" : "FAIL", why ? ": " : "", why ? why : "");
	fflush(stdout);
	exit(ok ? 0 : 1);
}

static const struct kbench_env bench_env = {
	bench_node_alloc, bench_node_free, { bench_block_alloc, bench_block_free, NULL }, bench_finish
};

/* The REPL thread on CPU 0: like the kernel's, with preemption off and its own root stack. */
static uintptr_t repl_main(void *arg)
{
	struct heap *heap = &cpus[0].heap;
	struct lisp_input in;
	int rc;

	(void)arg;
	sched_preempt_disable();
	cpu_heap_enter(heap, &repl_roots);
	struct lisp_config lc = {
		.heap = heap,
		.write = out_write,
		.exit = do_exit,
		.safepoint = cpu_lisp_safepoint,
		.gc_lend = lend,
		.stack_max_bytes = run.stack_mb << 20,
		.cstack_bytes = run.cstack_kb << 10,
		.args = run.args ? run.args : no_file_args,
		.env = (const char *const *)environ,
	};
	if (lisp_init(&interp, &lc) < 0) {
		fflush(stdout);
		fprintf(stderr, "lisp: cannot start the interpreter (heap too small?)\n");
		rc = 70;
	} else if (run.file != NULL) {
		lisp_input_init(&in, file_getc, run.f);
		rc = lisp_repl(&interp, &in, 0);
	} else if (isatty(0)) {
		struct sigaction sa = { .sa_handler = on_sigint, .sa_flags = SA_RESTART };

		host_signal_hook = sigint_hook;
		sigemptyset(&sa.sa_mask);
		sigaction(SIGINT, &sa, NULL);
		lisp_input_init(&in, stdin_getc, NULL);
		in.evaluating = tty_evaluating;
		rc = lisp_repl(&interp, &in, LISP_REPL_PRINT | LISP_REPL_PROMPT);
		fputc('\n', stdout);
	} else {
		lisp_input_init(&in, stdin_getc, NULL);
		rc = lisp_repl(&interp, &in, LISP_REPL_PRINT);
	}
	/* The program is over: end the process here, whatever other threads are doing (one may
	 * wait on a channel forever). No teardown: their heaps go with the process. */
	fflush(stdout);
	exit(rc & 0xff);
}

static void *store_alloc(void *ctx, size_t n)
{
	(void)ctx;
	return malloc(n);
}

static void store_free(void *ctx, void *p, size_t n)
{
	(void)ctx;
	(void)n;
	free(p);
}

/* The store service on the last CPU, on --sd FILE's card (groups of 64 KiB) or on none. */
static void store_start(void)
{
	static const struct store_mem mem = { store_alloc, store_free, NULL };
	static struct blk_file card;
	struct blk_dev *d = NULL;
	struct stat st;

	if (run.sd != NULL) {
		if (stat(run.sd, &st) < 0 || st.st_size < (1 << 20) || st.st_size % (64 << 10) != 0 ||
		    blk_file_open(&card, run.sd, 128, (uint32_t)(st.st_size / (64 << 10)), 0xff, 0) !=
			    BLK_OK) {
			fprintf(stderr, "lisp: --sd %s: not a card image (an existing file of at least "
					"1 MiB, a multiple of 64 KiB)\n", run.sd);
			exit(2);
		}
		d = &card.dev;
	}
	if (store_svc_start(d, &mem, run.ncpus - 1, run.store_cache_kb << 10) < 0) {
		fprintf(stderr, "lisp: cannot start the store service\n");
		exit(70);
	}
}

static void cpu_main(unsigned cpu, void *arg)
{
	struct heap *heap = &cpus[cpu].heap;
	struct heap_config cfg = { .nursery_bytes = run.nursery_kb << 10,
				   .pause_goal_us = gc_mode() == GC_MODE_GLOBAL ? 0 : run.pause_us,
				   .limit_bytes = run.heap_mb << 20,
				   .src = { src_alloc, src_free, &sources[cpu] },
				   .xsrc = { table_alloc, table_free, NULL },	/* outside the budget */
				   .cpu = cpu };

	(void)arg;
	sources[cpu].budget = run.heap_mb << 20;
	pthread_mutex_init(&sources[cpu].keep_lock, NULL);
	if (heap_init(heap, &cfg) < 0) {
		fprintf(stderr, "lisp: cannot make a heap of %zu MiB\n", run.heap_mb);
		exit(70);
	}
	heap->verify = run.verify;
	if (run.torture)
		heap_set_torture(heap, true);
	else if (run.torture_every)
		heap_set_torture_random(heap, run.torture_every, run.seed + cpu);
	gc_world_attach(heap);
	sched_init_cpu(cpu);
	arch_timer_start(TIMER_HZ);	/* preemption at safe points, as in the kernel */
	__atomic_add_fetch(&run.ready, 1, __ATOMIC_SEQ_CST);
	while (__atomic_load_n(&run.ready, __ATOMIC_SEQ_CST) < run.ncpus)
		arch_cpu_relax();
	if (cpu == 0)
		store_start();
	if (cpu == 0 && run.bench &&
	    thread_create("bench", kbench_main, (void *)&bench_env, 10, 0) == NULL) {
		fprintf(stderr, "lisp: cannot start the benchmark thread\n");
		exit(70);
	}
	if (cpu == 0 && !run.bench &&
	    (run.repl = thread_create("repl", repl_main, NULL, 10, 0)) == NULL) {
		fprintf(stderr, "lisp: cannot start the REPL thread\n");
		exit(70);
	}
	sched_run();
}

int main(int argc, char **argv)
{
	/* Blocks above 64 KiB (a group holding one big object: a long string, a vector; a
	 * nursery; a mark stack) came from glibc's mmap and went back with munmap, so each was
	 * fresh pages faulted in one at a time (about 8 us each under this machine's hypervisor):
	 * string.scm spent 0.45 of its 0.89 s in the kernel, 71,000 faults. As with the kept 64 KiB
	 * groups (src_free), freed blocks up to 32 MiB now stay in the allocator for the next one,
	 * and up to 64 MiB of free memory at an arena's top stays mapped: 0.15-0.20 s, 4,200
	 * faults. The kernel's page allocator never had these faults. */
	mallopt(M_MMAP_THRESHOLD, 32 << 20);
	mallopt(M_TRIM_THRESHOLD, 64 << 20);
	run.heap_mb = 256;
	run.pause_us = GC_PAUSE_GOAL_DEFAULT_US;
	run.cstack_kb = 1024;
	run.ncpus = 1;
	run.f = stdin;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--cpus") == 0 && i + 1 < argc)
			run.ncpus = (unsigned)strtoul(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--gc") == 0 && i + 1 < argc && strcmp(argv[i + 1], "global") == 0)
			gc_set_mode(GC_MODE_GLOBAL), i++;	/* before any heap is made */
		else if (strcmp(argv[i], "--gc") == 0 && i + 1 < argc && strcmp(argv[i + 1], "percore") == 0)
			gc_set_mode(GC_MODE_PERCORE), i++;
		else if (strcmp(argv[i], "--gc-pause-us") == 0 && i + 1 < argc)
			run.pause_us = (unsigned)strtoul(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--heap-mb") == 0 && i + 1 < argc)
			run.heap_mb = (size_t)strtoul(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--nursery-kb") == 0 && i + 1 < argc)
			run.nursery_kb = (size_t)strtoul(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--cstack-kb") == 0 && i + 1 < argc)
			run.cstack_kb = (size_t)strtoul(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--stack-mb") == 0 && i + 1 < argc)
			run.stack_mb = (size_t)strtoul(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--torture") == 0)
			run.torture = true;
		else if (strcmp(argv[i], "--torture-every") == 0 && i + 1 < argc)
			run.torture_every = (unsigned)strtoul(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--sd") == 0 && i + 1 < argc)
			run.sd = argv[++i];
		else if (strcmp(argv[i], "--store-cache-kb") == 0 && i + 1 < argc)
			run.store_cache_kb = (size_t)strtoul(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--seed") == 0 && i + 1 < argc)
			run.seed = strtoull(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--verify") == 0)
			run.verify = true;
		else if (strcmp(argv[i], "--bench-micro") == 0)
			run.bench = true;
		else if (strcmp(argv[i], "--no-jit") == 0)
			lisp_jit_disable();	/* before anything is compiled */
		else if (argv[i][0] == '-' && argv[i][1] != '\0')
			usage();
		else if (run.file == NULL) {
			run.file = argv[i];
			run.args = (const char *const *)&argv[i];	/* the program's: FILE ARG... */
			break;
		} else {
			usage();
		}
	}
	if (run.ncpus < 1 || run.ncpus > NCPU) {
		fprintf(stderr, "lisp: --cpus takes 1..%u\n", (unsigned)NCPU);
		return 2;
	}
	if (run.cstack_kb > HOST_STACK_KB - 512) {
		fprintf(stderr, "lisp: --cstack-kb: threads have %u KiB stacks; at most %u\n",
			HOST_STACK_KB, HOST_STACK_KB - 512);
		return 2;
	}
	if (run.file != NULL && (run.f = fopen(run.file, "r")) == NULL) {
		perror(run.file);
		return 66;
	}
	sched_set_stack_allocator(stack_alloc, stack_free);
	sched_set_stack_size((size_t)HOST_STACK_KB << 10);
	sched_set_switch_hook(cpu_switch_roots);
	sched_set_idle_hook(cpu_idle_safepoint);
	host_run_cpus(run.ncpus, cpu_main, NULL);	/* the REPL thread ends the process */
	return 70;
}
