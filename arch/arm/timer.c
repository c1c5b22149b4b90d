/* timer.c -- the generic timer: the virtual count (CNTVCT) is arch_cycles, CNTFRQ its rate;
 * each CPU's tick is its virtual timer (a PPI), rearmed at an absolute deadline (CNTV_CVAL) one
 * period after the last, so ticks do not drift with interrupt latency. */
#include <kernel/cpu.h>
#include <kernel/kernel.h>

#include "arm.h"

static uint32_t cntfrq;
static uint64_t period[NCPU];		/* counts per tick; this CPU's */
static uint64_t deadline[NCPU];		/* the armed compare value; this CPU's */

static void cntv_ctl(uint32_t v)
{
	__asm__ __volatile__("mcr p15, 0, %0, c14, c3, 1\n\tisb" : : "r"(v) : "memory");
}

static void cntv_cval(uint64_t v)
{
	__asm__ __volatile__("mcrr p15, 3, %0, %1, c14\n\tisb"
			     : : "r"((uint32_t)v), "r"((uint32_t)(v >> 32)) : "memory");
}

#define PL031_DR	0x000	/* the count of seconds: since 1970 as QEMU sets it */

static int64_t rtc_epoch = -1;	/* seconds since 1970 at rtc_cycles; -1: no clock */
static uint64_t rtc_cycles;

void arm_timer_init(void)
{
	__asm__ __volatile__("mrc p15, 0, %0, c14, c0, 0" : "=r"(cntfrq));
	if (cntfrq == 0)
		panic("timer: CNTFRQ is 0 (no firmware set the generic timer's frequency)");
	if (arm_mach.rtc != 0) {	/* mapped with the other device regions */
		rtc_epoch = arch_mmio_read32(arm_mach.rtc + PL031_DR);
		rtc_cycles = arch_cycles();
	}
}

int64_t arch_wallclock_ns(void)
{
	if (rtc_epoch < 0)
		return -1;
	return rtc_epoch * 1000000000 + (int64_t)arch_cycles_to_ns(arch_cycles() - rtc_cycles);
}

uint64_t arch_cycles_per_sec(void)
{
	return cntfrq;
}

uint64_t arch_cycles_to_ns(uint64_t c)
{
	if (!cntfrq)
		return 0;
	return c / cntfrq * 1000000000ull + c % cntfrq * 1000000000ull / cntfrq;
}

void arch_udelay(unsigned us)
{
	uint64_t end = arch_cycles() + (uint64_t)cntfrq * us / 1000000;

	while (arch_cycles() < end)
		arch_cpu_relax();
}

void arch_timer_start(unsigned hz)
{
	unsigned cpu = arch_cpu_id();
	arch_irqflags_t f = arch_irq_save();

	if (hz == 0) {
		cntv_ctl(0);
		arm_intc_timer_enable(false);
	} else {
		period[cpu] = cntfrq / hz ? cntfrq / hz : 1;
		deadline[cpu] = arch_cycles() + period[cpu];
		cntv_cval(deadline[cpu]);
		cntv_ctl(1);			/* enabled, not masked */
		arm_intc_timer_enable(true);
	}
	arch_irq_restore(f);
}

/* interrupt context: arm the next deadline (skipping ticks missed while the host was away) */
void arm_timer_irq(void)
{
	unsigned cpu = arch_cpu_id();
	uint64_t now = arch_cycles();

	deadline[cpu] += period[cpu];
	if (deadline[cpu] <= now)
		deadline[cpu] = now + period[cpu];
	cntv_cval(deadline[cpu]);
}
