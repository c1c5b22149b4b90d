/* cpu.h -- per-CPU state. Each CPU's heap and run queue will be fields of its struct cpu.
 * this_cpu() is the one accessor; it asserts that the caller cannot migrate. */
#ifndef KERNEL_CPU_H
#define KERNEL_CPU_H

#include <arch.h>

#include "param.h"

struct cpu {
	unsigned id;
	int online;		/* set once by the CPU itself, read by anyone (atomic) */
	unsigned preempt_off;	/* nesting of preempt_disable(); only this CPU touches it */
	unsigned long ticks;	/* timer interrupts taken; only this CPU writes it */
};

extern struct cpu cpus[NCPU];

void cpu_preempt_disable(void);
void cpu_preempt_enable(void);
struct cpu *this_cpu(void);

#endif
