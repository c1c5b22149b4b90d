/* smpboot.c -- starting the application processors: trampoline below 1 MiB, then for each CPU in
 * turn INIT, SIPI, SIPI, and wait for it to say it is online. CPUs come up one at a time so their
 * indices stay dense (0..n-1) even if one fails to start. */
#include <string.h>

#include <kernel/kernel.h>
#include <kernel/physmem.h>

#include "x86.h"

#define TRAMP_BASE	0x8000

extern char trampoline_start[], trampoline_end[], tramp_cr3[], tramp_stack[], tramp_entry[];

static unsigned ncpus_online = 1;	/* written by each AP as it arrives, read by everyone */
static unsigned cpu_starting;		/* the index the next AP takes */

unsigned arch_ncpus(void)
{
	return arch_atomic_load(&ncpus_online);
}

unsigned arch_cpus_found(void)
{
	return x86_topo.ncpus;
}

static uint32_t *mailbox(char *sym)
{
	return (uint32_t *)(uintptr_t)(TRAMP_BASE + (sym - trampoline_start));
}

static void ap_main(void)
{
	unsigned cpu = arch_atomic_load(&cpu_starting);

	x86_gdt_init(cpu);
	x86_fpu_init();
	x86_idt_load();
	x86_lapic_init();
	arch_atomic_store(&ncpus_online, cpu + 1);
	kernel_cpu_online(cpu);
	panic("cpu %u: kernel_cpu_online returned", cpu);
}

void arch_smp_start(void)
{
	memcpy((void *)TRAMP_BASE, trampoline_start, (size_t)(trampoline_end - trampoline_start));
	*mailbox(tramp_cr3) = x86_paging_on ? (uint32_t)(uintptr_t)x86_pdpt : 0;
	*mailbox(tramp_entry) = (uint32_t)(uintptr_t)ap_main;

	for (unsigned cpu = 1; cpu < x86_topo.ncpus; cpu++) {
		uint8_t apic_id = x86_topo.apic_id[cpu];
		void *stack = physmem_alloc(KSTACK_SIZE, 4096);

		if (!stack)
			panic("smp: no memory for cpu %u's stack", cpu);
		x86_percpu[cpu].id = cpu;
		x86_percpu[cpu].apic_id = apic_id;
		x86_percpu[cpu].stack_lo = (uintptr_t)stack;
		x86_percpu[cpu].stack_hi = (uintptr_t)stack + KSTACK_SIZE;
		*mailbox(tramp_stack) = (uint32_t)x86_percpu[cpu].stack_hi;
		arch_atomic_store(&cpu_starting, cpu);

		x86_lapic_send_init(apic_id);
		arch_udelay(10000);
		for (int sipi = 0; sipi < 2 && arch_ncpus() <= cpu; sipi++) {
			x86_lapic_send_sipi(apic_id, TRAMP_BASE >> 12);
			arch_udelay(200);
		}
		uint64_t deadline = arch_cycles() + arch_cycles_per_sec();
		while (arch_ncpus() <= cpu && arch_cycles() < deadline)
			arch_cpu_relax();
		if (arch_ncpus() <= cpu) {
			kprintf("smp: cpu %u (apic id %u) did not start; going on with %u\n", cpu,
				apic_id, cpu);
			physmem_free(stack, KSTACK_SIZE);
			break;
		}
	}
}
