/* ktest.c -- the kernel's built-in tests (see ktest.h): CPUs online with their timers ticking,
 * IPIs every CPU to every other, a spinlock-guarded counter, a deliberate fault, console echo,
 * and the debug spinlock's recursion check. The scheduler's tests are in ktest_sched.c. */
#include <arch.h>
#include <smp/spinlock.h>
#include <smp/xcall.h>

#include "console.h"
#include "cpu.h"
#include "kbench.h"
#include "kernel.h"
#include "ktest.h"
#include "physmem.h"

static const char *test_name;

void ktest_finish(int ok, const char *why)
{
	if (ok)
		kprintf("KTEST PASS %s\n", test_name);
	else
		kprintf("KTEST FAIL %s: %s\n", test_name, why);
	arch_exit(ok ? 0 : 1);
}

static void launch_all(void (*fn)(void *), void *arg)
{
	unsigned n = arch_ncpus();

	for (unsigned cpu = 1; cpu < n; cpu++)
		kernel_launch(cpu, fn, arg);
	fn(arg);
	for (unsigned cpu = 1; cpu < n; cpu++)
		kernel_launch_wait(cpu);
}

/* --- online: every CPU the firmware described is up, and every CPU's timer ticks --- */
static void test_online(void)
{
	unsigned n = arch_ncpus();
	unsigned long before[NCPU];

	if (n != arch_cpus_found())
		ktest_finish(0, "not every CPU came online");
	for (unsigned i = 0; i < n; i++) {
		if (!arch_atomic_load(&cpus[i].online))
			ktest_finish(0, "a CPU is not marked online");
		before[i] = arch_atomic_load_relaxed(&cpus[i].ticks);
	}
	arch_udelay(200000);	/* 20 ticks at 100 Hz */
	for (unsigned i = 0; i < n; i++) {
		unsigned long t = arch_atomic_load_relaxed(&cpus[i].ticks) - before[i];

		kprintf("cpu %u: %lu timer ticks in 200 ms\n", i, t);
		if (t < 2)
			ktest_finish(0, "a CPU's timer is not ticking");
	}
	kprintf("KTEST online %u cpus\n", n);
	ktest_finish(1, NULL);
}

/* --- ipi: each CPU calls every other, many rounds, all at once, and checks the answers --- */
#define IPI_ROUNDS 200

static unsigned answered[NCPU][NCPU];	/* [caller][target]: calls that ran on target */
static int ipi_errors;

struct ipi_req {
	unsigned caller, target;
};

static void ipi_answer(void *arg)
{
	struct ipi_req *r = arg;

	if (arch_cpu_id() != r->target)
		arch_atomic_add(&ipi_errors, 1);
	arch_atomic_add(&answered[r->caller][arch_cpu_id()], 1);
}

static void ipi_body(void *arg)
{
	unsigned self = arch_cpu_id(), n = arch_ncpus();

	(void)arg;
	for (int round = 0; round < IPI_ROUNDS; round++)
		for (unsigned k = 1; k < n; k++) {
			struct ipi_req r = { self, (self + k) % n };

			smp_call(r.target, ipi_answer, &r, 1);
		}
}

static unsigned everyone;

static void count_everyone(void *arg)
{
	(void)arg;
	arch_atomic_add(&everyone, 1);
}

static void test_ipi(void)
{
	unsigned n = arch_ncpus();

	launch_all(ipi_body, NULL);
	for (unsigned c = 0; c < n; c++)
		for (unsigned t = 0; t < n; t++) {
			unsigned want = c == t ? 0 : IPI_ROUNDS;

			if (arch_atomic_load(&answered[c][t]) != want) {
				kprintf("cpu %u -> cpu %u: %u answers, want %u\n", c, t,
					answered[c][t], want);
				ktest_finish(0, "lost or extra IPI answers");
			}
		}
	if (ipi_errors)
		ktest_finish(0, "a call ran on the wrong CPU");
	smp_call_all(count_everyone, NULL, 1);
	if (arch_atomic_load(&everyone) != n)
		ktest_finish(0, "smp_call_all missed a CPU");
	kprintf("KTEST ipi %u cpus x %u others x %u rounds answered\n", n, n - 1, IPI_ROUNDS);
	ktest_finish(1, NULL);
}

/* --- spinlock: every CPU adds 1 to a plain counter under the lock, iters times --- */
static struct spinlock counter_lock = SPINLOCK_INIT("ktest-counter");
static volatile unsigned long counter;
static unsigned long iters = 1000000;

static void spin_body(void *arg)
{
	(void)arg;
	for (unsigned long i = 0; i < iters; i++) {
		spin_lock(&counter_lock);
		counter = counter + 1;
		spin_unlock(&counter_lock);
	}
}

static void test_spinlock(void)
{
	unsigned n = arch_ncpus();
	uint64_t t0 = arch_cycles();

	launch_all(spin_body, NULL);
	uint64_t dt = arch_cycles() - t0;
	kprintf("KTEST spinlock %u cpus x %lu = %lu (counter %lu), %llu cycles per acquire\n", n,
		iters, n * iters, counter, (unsigned long long)(dt / (n * iters)));
	ktest_finish(counter == n * iters, "the counter is off: mutual exclusion failed");
}

/* --- fault: an invalid instruction on the last CPU must produce the panic report; with the
 * option null, a NULL write instead (needs paging, boot option paging) --- */
static int fault_null;

__attribute__((noinline)) void ktest_fault_body(void *arg);

__attribute__((noinline)) void ktest_fault_body(void *arg)
{
	volatile int *null = arg;

	if (fault_null)
		*null = 42;
	else
		__builtin_trap();
}

static void test_fault(void)
{
	kernel_launch(arch_ncpus() - 1, ktest_fault_body, NULL);
	kernel_launch_wait(arch_ncpus() - 1);
	ktest_finish(0, "the fault did not stop the machine");
}

/* --- recursion: the debug spinlock must catch a CPU taking a lock it holds --- */
static void test_recursion(void)
{
#ifdef CONFIG_DEBUG
	static struct spinlock l = SPINLOCK_INIT("ktest-recursive");

	spin_lock(&l);
	spin_lock(&l);
	ktest_finish(0, "recursive acquire not caught");
#else
	ktest_finish(0, "needs a debug build");
#endif
}

/* --- echo: copy console input to output byte for byte until EOT (0x04). With irqcpu=K the
 * serial interrupt is first steered to CPU K: from then on no other CPU may take input (bytes
 * that arrived before were buffered by CPU 0). --- */
static int irq_cpu = -1;
static unsigned long stall_ms;	/* stall=MS: let input pile up (ring full, UART holding back) */

/* An interrupt this CPU latched before the switch may still be delivered to it afterwards (under
 * KVM, at its next exit to the hypervisor, which can be many ticks later): wait, interrupts on,
 * until this CPU has taken no input for three of its timer ticks. */
static void settle_input(void)
{
	struct cpu *me = &cpus[arch_cpu_id()];
	unsigned long quiet_since = arch_atomic_load_relaxed(&me->ticks);
	unsigned long rx = console_rx_count(arch_cpu_id());

	while (arch_atomic_load_relaxed(&me->ticks) - quiet_since < 3) {
		arch_irqflags_t f = arch_irq_save();

		arch_idle();
		arch_irq_restore(f);
		if (console_rx_count(arch_cpu_id()) != rx) {
			rx = console_rx_count(arch_cpu_id());
			quiet_since = arch_atomic_load_relaxed(&me->ticks);
		}
	}
}

static void test_echo(void)
{
	unsigned long n = 0, before[NCPU];
	char buf[64];
	size_t len = 0;

	if (irq_cpu >= (int)arch_ncpus())
		ktest_finish(0, "irqcpu names a CPU that is not online");
	if (irq_cpu >= 0) {
		arch_irq_route(arch_console_irq(), (unsigned)irq_cpu);
		kprintf("KTEST serial interrupt steered to cpu %d\n", irq_cpu);
		settle_input();
	}
	for (unsigned cpu = 0; cpu < arch_ncpus(); cpu++)
		before[cpu] = console_rx_count(cpu);
	kprintf("KTEST echo ready\n");
	arch_udelay((unsigned)stall_ms * 1000);
	for (;;) {
		int c = console_getc();

		if (c == 0x04)
			break;
		buf[len++] = (char)c;
		n++;
		/* write what is buffered when input pauses, or the buffer is full */
		if (len == sizeof(buf) || !console_rx_pending()) {
			console_write(buf, len);
			len = 0;
		}
	}
	console_write(buf, len);
	kprintf("\nKTEST echo %lu bytes\n", n);
	for (unsigned cpu = 0; irq_cpu >= 0 && cpu < arch_ncpus(); cpu++) {
		unsigned long got = console_rx_count(cpu) - before[cpu];

		kprintf("KTEST cpu %u took %lu input bytes\n", cpu, got);
		if ((int)cpu == irq_cpu ? got == 0 : got != 0)
			ktest_finish(0, "the serial interrupt was not taken where it was steered");
	}
	ktest_finish(1, NULL);
}

/* --- micro: cycles per primitive, a quick look at what the machine charges --- */
static volatile unsigned sink;

static void test_micro(void)
{
	struct spinlock l = SPINLOCK_INIT("micro");
	uint64_t t;
	unsigned x = 0;

#define MICRO(label, body) \
	t = arch_cycles(); \
	for (int i = 0; i < 100000; i++) { body; } \
	kprintf("micro %-12s %llu cycles\n", label, (unsigned long long)((arch_cycles() - t) / 100000));
	MICRO("loop", sink = i);
	MICRO("cpu_id", sink = arch_cpu_id());
	MICRO("atomic_add", arch_atomic_add(&x, 1));
	MICRO("rdtsc", sink = (unsigned)arch_cycles());
	MICRO("irq_save", arch_irq_restore(arch_irq_save()));
	MICRO("lock+unlock", spin_lock(&l); spin_unlock(&l));
	MICRO("pause", arch_cpu_relax());
	ktest_finish(1, NULL);
}

unsigned long ktest_rounds = 100000;

static unsigned long parse_ulong(const char *s)
{
	unsigned long v = 0;

	for (; *s >= '0' && *s <= '9'; s++)
		v = v * 10 + (unsigned long)(*s - '0');
	return v;
}

void ktest_run(const char *name, const char *cmdline)
{
	char opt[24];

	test_name = name;
	if (cmdline_get(cmdline, "iters", opt, sizeof(opt)))
		iters = parse_ulong(opt);
	fault_null = cmdline_get(cmdline, "null", opt, sizeof(opt));
	if (cmdline_get(cmdline, "rounds", opt, sizeof(opt)))
		ktest_rounds = parse_ulong(opt);
	if (cmdline_get(cmdline, "stall", opt, sizeof(opt)))
		stall_ms = parse_ulong(opt);
	if (cmdline_get(cmdline, "irqcpu", opt, sizeof(opt)))
		irq_cpu = (int)MIN(parse_ulong(opt), (unsigned long)NCPU);
	if (!strcmp(name, "online"))
		test_online();
	else if (!strcmp(name, "ipi"))
		test_ipi();
	else if (!strcmp(name, "spinlock"))
		test_spinlock();
	else if (!strcmp(name, "fault"))
		test_fault();
	else if (!strcmp(name, "recursion"))
		test_recursion();
	else if (ktest_sched(name))
		;
	else if (ktest_sd(name, cmdline))
		;
	else if (!strcmp(name, "micro"))
		test_micro();
	else if (!strcmp(name, "echo"))
		test_echo();
	ktest_finish(0, "no such test");
}

/* test=bench: the micro-benchmarks (kbench.c) with the kernel's memory */
static void *bench_node_alloc(size_t size)
{
	return physmem_alloc(size, 16);
}

static void bench_node_free(void *p, size_t size)
{
	physmem_free(p, size);
}

uintptr_t ktest_bench_main(void *arg)
{
	static struct kbench_env env = { bench_node_alloc, bench_node_free, { 0 }, ktest_finish };

	(void)arg;
	env.blocks = kernel_heap_blocks;
	return kbench_main(&env);
}
