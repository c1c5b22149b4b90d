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

/* ---- the CMOS real-time clock (MC146818 registers), read once at boot ---- */

#define CMOS_INDEX	0x70	/* bit 7 would mask NMIs: left clear */
#define CMOS_DATA	0x71
#define RTC_STATUS_A	0x0a	/* bit 7: an update is in progress */
#define RTC_STATUS_B	0x0b	/* bit 2: binary (else BCD); bit 1: 24-hour (else 12, PM in bit 7) */

static int64_t rtc_epoch = -1;	/* seconds since 1970 at rtc_cycles; -1: no clock */
static uint64_t rtc_cycles;

static uint8_t cmos_read(uint8_t reg)
{
	arch_out8(CMOS_INDEX, reg);
	return arch_in8(CMOS_DATA);
}

/* Days from 1970-01-01 to y-m-d of the proleptic Gregorian calendar. */
static int64_t days_from_civil(int y, unsigned m, unsigned d)
{
	int era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return (int64_t)era * 146097 + doe - 719468;
}

static unsigned bcd(uint8_t v, bool binary)
{
	return binary ? v : (v >> 4) * 10u + (v & 15u);
}

/* Read the six time registers outside an update, twice alike (an update between the reads
 * would mix two seconds). false if the clock never settles. */
static bool rtc_regs(uint8_t r[6])
{
	static const uint8_t regs[6] = { 0x00, 0x02, 0x04, 0x07, 0x08, 0x09 };	/* s m h D M Y */
	uint8_t again[6];

	for (int tries = 0; tries < 10; tries++) {
		for (unsigned long spins = 0; cmos_read(RTC_STATUS_A) & 0x80; spins++)
			if (spins > 1000000)
				return false;
		for (int i = 0; i < 6; i++)
			r[i] = cmos_read(regs[i]);
		for (unsigned long spins = 0; cmos_read(RTC_STATUS_A) & 0x80; spins++)
			if (spins > 1000000)
				return false;
		for (int i = 0; i < 6; i++)
			again[i] = cmos_read(regs[i]);
		if (memcmp(r, again, 6) == 0)
			return true;
	}
	return false;
}

void x86_rtc_read(void)
{
	uint8_t r[6], b = cmos_read(RTC_STATUS_B);
	bool binary = b & 0x04, pm;
	unsigned sec, min, hour, day, mon, year;

	if (cmos_read(RTC_STATUS_A) == 0xff || !rtc_regs(r)) {	/* no clock answers */
		kprintf("rtc: no CMOS clock: (current-second) counts from boot\n");
		return;
	}
	pm = !(b & 0x02) && (r[2] & 0x80);
	sec = bcd(r[0], binary), min = bcd(r[1], binary), hour = bcd(r[2] & 0x7f, binary);
	day = bcd(r[3], binary), mon = bcd(r[4], binary), year = bcd(r[5], binary);
	if (!(b & 0x02))
		hour = hour % 12 + (pm ? 12 : 0);
	if (sec > 59 || min > 59 || hour > 23 || day < 1 || day > 31 || mon < 1 || mon > 12 ||
	    year > 99) {
		kprintf("rtc: the CMOS clock reads %u-%u-%u %u:%u:%u: ignored\n", year, mon, day,
			hour, min, sec);
		return;
	}
	year += year < 70 ? 2000 : 1900;	/* no century register is standard */
	rtc_cycles = arch_cycles();
	rtc_epoch = days_from_civil((int)year, mon, day) * 86400 + hour * 3600 + min * 60 + sec;
}

int64_t arch_wallclock_ns(void)
{
	if (rtc_epoch < 0)
		return -1;
	return rtc_epoch * 1000000000 + (int64_t)arch_cycles_to_ns(arch_cycles() - rtc_cycles);
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
