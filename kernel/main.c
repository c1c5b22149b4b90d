/* main.c -- the portable kernel's entry: memory, the boot log, the other CPUs, then either a
 * built-in test (boot option test=NAME) or the scheduler on every CPU with the Scheme REPL on
 * the console. Until its scheduler starts, a CPU other than the boot CPU idles in
 * kernel_cpu_online and runs what kernel_launch() hands it. */
#include <arch.h>
#include <string.h>

#include "boot.h"
#include "cpu.h"
#include "kernel.h"
#include "ktest.h"
#include "physmem.h"
#include "repl.h"

#include <mm/gc/stw.h>
#include <net/netsvc.h>
#include <sched/thread.h>
#include <storage/sdhci.h>
#include <storage/store_param.h>
#include <storage/storesvc.h>

static uint64_t boot_cycles;

static struct launch {
	void (*fn)(void *);	/* set by the launcher (release), taken by the CPU (xchg) */
	void *arg;
	int done;
} launches[NCPU];

void kernel_launch(unsigned cpu, void (*fn)(void *), void *arg)
{
	struct launch *l = &launches[cpu];

	kassert(cpu < arch_ncpus());
	while (arch_atomic_load(&l->fn))
		arch_cpu_relax();
	l->arg = arg;
	arch_atomic_store(&l->done, 0);
	arch_atomic_store(&l->fn, fn);
	if (cpu == arch_cpu_id()) {
		fn = arch_atomic_xchg(&l->fn, NULL);
		fn(arg);
		arch_atomic_store(&l->done, 1);
	} else {
		arch_ipi_send(cpu, ARCH_IPI_RESCHED);
	}
}

void kernel_launch_wait(unsigned cpu)
{
	while (!arch_atomic_load(&launches[cpu].done))
		arch_cpu_relax();
}

void kernel_cpu_online(unsigned cpu)
{
	struct launch *l = &launches[cpu];

	cpus[cpu].id = cpu;
	if (cpu_heap_init(cpu) < 0)
		panic("no memory for cpu %u's heap", cpu);
	kprintf("cpu %u online\n", cpu);
	arch_atomic_store(&cpus[cpu].online, 1);	/* kmain waits for this: boot log in order */
	arch_timer_start(TIMER_HZ);
	if (cpu == 0)
		return;
	for (;;) {
		arch_irq_disable();
		void (*fn)(void *) = arch_atomic_xchg(&l->fn, NULL);
		if (fn) {
			gc_stw_unpark(&cpus[cpu].heap);	/* fn may use the heap */
			arch_irq_enable();
			fn(l->arg);
			arch_atomic_store(&l->done, 1);
			continue;
		}
		cpu_idle_safepoint();	/* answer other heaps' handshakes (mm/gc/xheap.h) */
		arch_idle();	/* a launch sends an IPI, which ends the wait */
	}
}

void kernel_timer_tick(void)
{
	cpus[arch_cpu_id()].ticks++;
	sched_timer_tick();
}

void kernel_irq_exit(bool interrupted_irqs_on)
{
	sched_irq_exit(interrupted_irqs_on);
}

static void ap_sched(void *arg)
{
	(void)arg;
	sched_init_cpu(arch_cpu_id());
	sched_run();
}

/* The store's memory: the physical allocator (thread-safe, any size in grains). */
static void *store_mem_alloc(void *ctx, size_t n)
{
	(void)ctx;
	return physmem_alloc(n, 8);
}

static void store_mem_free(void *ctx, void *p, size_t n)
{
	(void)ctx;
	physmem_free(p, n);
}

static const struct store_mem store_mem = { store_mem_alloc, store_mem_free, NULL };

/* The store service's CPU: store_cpu=N, else the one before the net service's (the last), so
 * with 3 CPUs or more the REPL, the store and the network each have their own. Its group cache:
 * store_cache_kb=N (default 1024; at least 4 groups). */
/* The cache the store makes of cache_kb (0: the default), in whole groups, at least the minimum. */
static unsigned long store_cache_shown(unsigned long cache_kb, unsigned long group_kb)
{
	unsigned long n = (cache_kb ? cache_kb : STORE_CACHE_DEFAULT >> 10) / group_kb;

	return (n < STORE_CACHE_MIN_GROUPS ? STORE_CACHE_MIN_GROUPS : n) * group_kb;
}

static void store_start(const char *cmdline)
{
	unsigned long cpu = arch_ncpus() >= 3 ? arch_ncpus() - 2 : arch_ncpus() - 1, cache_kb = 0;

	if (cmdline_get_ulong(cmdline, "store_cpu", &cpu) && cpu >= arch_ncpus()) {
		kprintf("store: no cpu %lu (store_cpu=): using cpu %u\n", cpu, arch_ncpus() - 1);
		cpu = arch_ncpus() - 1;
	}
	const struct blk_dev *d;

	cmdline_get_ulong(cmdline, "store_cache_kb", &cache_kb);
	if (cache_kb > (64ul << 10)) {
		kprintf("store: store_cache_kb=%lu is more than 64 MiB: using 64 MiB\n", cache_kb);
		cache_kb = 64ul << 10;
	}
	if (store_svc_start(sdhci_device(), &store_mem, (unsigned)cpu, (size_t)cache_kb << 10) < 0) {
		kprintf("store: the service did not start\n");
		return;
	}
	if ((d = store_svc_device()) != NULL)
		kprintf("store: service on cpu %lu, %u groups of %u KiB, cache %lu KiB; (store-open) or "
			"(store-format!)\n", cpu, d->group_count, d->group_sectors / 2,
			store_cache_shown(cache_kb, d->group_sectors / 2));
	else
		kprintf("store: service on cpu %lu, no SD card\n", cpu);
}

/* The scheduler on every CPU, then the REPL service on CPU 0; the boot context becomes CPU 0's
 * idle loop. */
__attribute__((noreturn)) static void run_repl(const char *cmdline)
{
	for (unsigned cpu = 1; cpu < arch_ncpus(); cpu++)
		kernel_launch(cpu, ap_sched, NULL);
	sched_init_cpu(0);
	for (unsigned cpu = 1; cpu < arch_ncpus(); cpu++)
		while (!sched_cpu_online(cpu))	/* (spawn) may place threads on any CPU */
			arch_cpu_relax();
	sdhci_probe(cmdline);	/* the SD card, if any, for the store (storage/sdhci.h) */
	store_start(cmdline);	/* the store service, on its own CPU (storage/storesvc.h) */
	net_start(cmdline);	/* the net service, on its own CPU (net/netsvc.h) */
	if (repl_start(cmdline) < 0)
		panic("no memory for the REPL thread");
	sched_run();
	panic("the scheduler returned");
}

void kmain(struct boot_info *bi)
{
	char test[32], gc[16];
	unsigned long heap_mb, pause_us;

	boot_cycles = arch_cycles();
	kprintf("\nkernel: booted by %s; options \"%s\"\n", bi->loader, bi->cmdline);
	for (unsigned i = 0; i < bi->memmap.n; i++) {
		const struct mem_region *r = &bi->memmap.r[i];

		kprintf("mem: %#010llx-%#010llx %s\n", (unsigned long long)r->base,
			(unsigned long long)(r->base + r->len - 1), memmap_type_name(r->type));
	}
	physmem_init(&bi->memmap, 0x100000, 0x100000000ull);
	sched_set_idle_hook(cpu_idle_safepoint);
	sched_set_switch_hook(cpu_switch_roots);
	kprintf("mem: %zu KiB free for the kernel\n", physmem_free_bytes() / 1024);
	cpu_heap_limit = physmem_free_bytes() / 2;
	if (cmdline_get_ulong(bi->cmdline, "heap_mb", &heap_mb))
		cpu_heap_limit = (size_t)heap_mb << 20;
	if (cmdline_get_ulong(bi->cmdline, "gc_pause_us", &pause_us))
		cpu_pause_goal_us = (unsigned)pause_us;
	if (cmdline_get(bi->cmdline, "gc", gc, sizeof(gc))) {	/* before any heap is made */
		if (strcmp(gc, "global") == 0)
			gc_set_mode(GC_MODE_GLOBAL);
		else if (strcmp(gc, "percore") != 0)
			kprintf("gc: no mode \"%s\" (percore or global)\n", gc);
	}
	if (gc_mode() == GC_MODE_GLOBAL || cpu_pause_goal_us == 0)
		kprintf("gc: %s collection\n", gc_mode_name(gc_mode()));
	else
		kprintf("gc: %s collection, pause goal %u us\n", gc_mode_name(gc_mode()),
			cpu_pause_goal_us);
	kprintf("clock: %llu kHz cycle counter\n",
		(unsigned long long)(arch_cycles_per_sec() / 1000));
	kprintf("smp: %u CPUs described by %s\n", arch_cpus_found(), bi->topology);
	kernel_cpu_online(0);
	arch_irq_enable();
	arch_smp_start();
	for (unsigned cpu = 1; cpu < arch_ncpus(); cpu++)
		while (!arch_atomic_load(&cpus[cpu].online))
			arch_cpu_relax();
	kprintf("smp: %u CPUs online in %llu ms\n", arch_ncpus(),
		(unsigned long long)(arch_cycles_to_ns(arch_cycles() - boot_cycles) / 1000000));

	if (cmdline_get(bi->cmdline, "test", test, sizeof(test)))
		ktest_run(test, bi->cmdline);
	run_repl(bi->cmdline);
}
