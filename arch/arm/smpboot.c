/* smpboot.c -- starting the other CPUs through the board (virt: PSCI CPU_ON; raspi2b: the
 * BCM2836 mailbox its boot stub polls), one at a time so their indices stay dense (0..n-1)
 * even if one fails to start. A new CPU enters at arm_secondary_entry (boot.S)
 * with MMU and caches off: what it reads before its MMU is on is cleaned to memory first. */
#include <kernel/kernel.h>
#include <kernel/physmem.h>

#include "arm.h"

static unsigned ncpus_online = 1;	/* written by each CPU as it arrives, read by everyone */

extern uint32_t arm_ttbr0;
extern char arm_secondary_entry[];

unsigned arch_ncpus(void)
{
	return arch_atomic_load(&ncpus_online);
}

unsigned arch_cpus_found(void)
{
	return arm_mach.ncpus;
}

void arm_secondary_main(unsigned cpu);

void arm_secondary_main(unsigned cpu)
{
	__asm__ __volatile__("mcr p15, 0, %0, c13, c0, 4" : : "r"(cpu));	/* TPIDRPRW */
	arm_vectors_install();
	arm_intc_cpu_init();
	arch_atomic_store(&ncpus_online, cpu + 1);
	kernel_cpu_online(cpu);
	panic("cpu %u: kernel_cpu_online returned", cpu);
}

void arch_smp_start(void)
{
	arm_dcache_clean(&arm_ttbr0, sizeof(arm_ttbr0));
	for (unsigned cpu = 1; cpu < arm_mach.ncpus; cpu++) {
		void *stack = physmem_alloc(KSTACK_SIZE, 4096);
		int r;

		if (!stack)
			panic("smp: no memory for cpu %u's stack", cpu);
		arm_percpu[cpu].id = cpu;
		arm_percpu[cpu].stack_lo = (uintptr_t)stack;
		arm_percpu[cpu].stack_hi = (uintptr_t)stack + KSTACK_SIZE;
		arm_dcache_clean(&arm_percpu[cpu], sizeof(arm_percpu[cpu]));
		r = arm_board_cpu_start(cpu, (uintptr_t)arm_secondary_entry);
		uint64_t deadline = arch_cycles() + 2 * arch_cycles_per_sec();
		while (r == 0 && arch_ncpus() <= cpu && arch_cycles() < deadline)
			arch_cpu_relax();
		if (arch_ncpus() <= cpu) {
			kprintf("smp: cpu %u (mpidr %#x) did not start (%d); going on with %u\n",
				cpu, arm_mach.mpidr[cpu], r, cpu);
			physmem_free(stack, KSTACK_SIZE);
			break;
		}
	}
}
