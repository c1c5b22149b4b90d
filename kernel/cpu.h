/* cpu.h -- per-CPU state. Each CPU's heap and run queue will be fields of its struct cpu.
 * this_cpu() is the one accessor; it asserts interrupts are off, so the caller cannot move. */
#ifndef KERNEL_CPU_H
#define KERNEL_CPU_H

#include <arch.h>

#include "param.h"

struct cpu {
	unsigned id;
	int online;		/* set once by the CPU itself, read by anyone (atomic) */
	unsigned long ticks;	/* timer interrupts taken; only this CPU writes it */
};

extern struct cpu cpus[NCPU];

struct cpu *this_cpu(void);

#endif
