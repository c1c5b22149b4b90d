/* timer.c -- clocks: the TSC calibrated against the PIT, busy-wait delays, and the per-CPU LAPIC
 * timer (calibrated once against the TSC, the same rate assumed on every CPU). */
#include <kernel/kernel.h>

#include "x86.h"

#define PIT_HZ		1193182u
#define PIT_CH2		0x42
#define PIT_CMD		0x43
#define PIT_GATE	0x61	/* bit 0 gate of channel 2, bit 1 speaker, bit 5 output of ch. 2 */

static uint64_t tsc_hz;
static uint32_t lapic_timer_hz;	/* LAPIC timer counts per second at divide-by-16 */

/* TSC cycles across one 10 ms PIT channel-2 countdown (mode 0: output rises at terminal count) */
static uint64_t pit_10ms(void)
{
	uint16_t count = PIT_HZ / 100;
	uint64_t t0, t1;

	arch_out8(PIT_GATE, (arch_in8(PIT_GATE) & ~0x02) | 0x01);
	arch_out8(PIT_CMD, 0xb0);		/* channel 2, lobyte/hibyte, mode 0, binary */
	arch_out8(PIT_CH2, count & 0xff);
	arch_out8(PIT_CH2, count >> 8);
	t0 = arch_cycles();
	for (unsigned long spins = 0; !(arch_in8(PIT_GATE) & 0x20); spins++)
		if (spins > 10000000) {
			kprintf("pit: channel 2 never counted down (gate %#x)\n", arch_in8(PIT_GATE));
			return UINT64_MAX;
		}
	t1 = arch_cycles();
	return t1 - t0;
}

void x86_tsc_calibrate(void)
{
	uint64_t best = UINT64_MAX;

	/* the shortest of several runs: a longer one absorbed an interruption of the host */
	for (int i = 0; i < 5; i++) {
		uint64_t c = pit_10ms();
		if (c < best)
			best = c;
	}
	tsc_hz = best * 100;
}

uint64_t arch_cycles_per_sec(void)
{
	return tsc_hz;
}

uint64_t arch_cycles_to_ns(uint64_t c)
{
	if (!tsc_hz)
		return 0;
	return c / tsc_hz * 1000000000ull + c % tsc_hz * 1000000000ull / tsc_hz;
}

void arch_udelay(unsigned us)
{
	uint64_t end = arch_cycles() + tsc_hz * us / 1000000;

	while (arch_cycles() < end)
		arch_cpu_relax();
}

/* LAPIC timer registers (offsets from the LAPIC base) */
#define LAPIC_LVT_TIMER	0x320
#define LAPIC_TIMER_INIT 0x380
#define LAPIC_TIMER_CUR	0x390
#define LAPIC_TIMER_DIV	0x3e0
#define LVT_MASKED	(1u << 16)
#define LVT_PERIODIC	(1u << 17)

void x86_lapic_write(uint32_t reg, uint32_t v);
uint32_t x86_lapic_read(uint32_t reg);

void x86_lapic_timer_calibrate(void)
{
	x86_lapic_write(LAPIC_TIMER_DIV, 0x3);	/* divide by 16 */
	x86_lapic_write(LAPIC_LVT_TIMER, LVT_MASKED | VEC_TIMER);
	x86_lapic_write(LAPIC_TIMER_INIT, 0xffffffff);
	arch_udelay(10000);
	lapic_timer_hz = (0xffffffff - x86_lapic_read(LAPIC_TIMER_CUR)) * 100;
	x86_lapic_write(LAPIC_TIMER_INIT, 0);
}

void arch_timer_start(unsigned hz)
{
	if (hz == 0) {
		x86_lapic_write(LAPIC_LVT_TIMER, LVT_MASKED | VEC_TIMER);
		x86_lapic_write(LAPIC_TIMER_INIT, 0);
		return;
	}
	x86_lapic_write(LAPIC_TIMER_DIV, 0x3);
	x86_lapic_write(LAPIC_LVT_TIMER, LVT_PERIODIC | VEC_TIMER);
	x86_lapic_write(LAPIC_TIMER_INIT, lapic_timer_hz / hz ? lapic_timer_hz / hz : 1);
}
