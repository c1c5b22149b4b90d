/* apic.c -- local APIC (per CPU: EOI, IPIs, INIT/SIPI), IOAPIC routing of device interrupts,
 * and the legacy 8259 PICs, which are only masked. ioapic_lock guards IOREGSEL/IOWIN pairs;
 * ICR writes are per-CPU and only need local interrupts off. */
#include <kernel/cpu.h>
#include <kernel/kernel.h>
#include <smp/spinlock.h>

#include "x86.h"

enum lapic_reg {
	LAPIC_ID = 0x20,
	LAPIC_TPR = 0x80,
	LAPIC_EOI = 0xb0,
	LAPIC_SVR = 0xf0,	/* bit 8: APIC enable; low byte: spurious vector */
	LAPIC_ESR = 0x280,
	LAPIC_ICR_LO = 0x300,	/* bit 12: delivery pending */
	LAPIC_ICR_HI = 0x310,	/* bits 24..31: destination APIC id */
	LAPIC_LVT_LINT0 = 0x350,
	LAPIC_LVT_LINT1 = 0x360,
	LAPIC_LVT_ERR = 0x370,
};
#define ICR_FIXED	0x000
#define ICR_NMI		0x400
#define ICR_INIT	0x500
#define ICR_STARTUP	0x600
#define ICR_PENDING	(1u << 12)
#define ICR_ASSERT	(1u << 14)
#define ICR_LEVEL	(1u << 15)

static uintptr_t lapic_base;

uint32_t x86_lapic_read(uint32_t reg);
void x86_lapic_write(uint32_t reg, uint32_t v);

uint32_t x86_lapic_read(uint32_t reg)
{
	return arch_mmio_read32(lapic_base + reg);
}

void x86_lapic_write(uint32_t reg, uint32_t v)
{
	arch_mmio_write32(lapic_base + reg, v);
}

void x86_lapic_init(void)
{
	uint32_t lo, hi;

	lapic_base = x86_topo.lapic_addr;
	__asm__ __volatile__("rdmsr" : "=a"(lo), "=d"(hi) : "c"(0x1b));
	if (!(lo & (1u << 11)))		/* global enable in IA32_APIC_BASE */
		__asm__ __volatile__("wrmsr" : : "a"(lo | (1u << 11)), "d"(hi), "c"(0x1b));
	x86_lapic_write(LAPIC_SVR, 0x100 | VEC_SPURIOUS);
	x86_lapic_write(LAPIC_TPR, 0);
	x86_lapic_write(LAPIC_LVT_LINT0, 1u << 16);	/* masked: the 8259s are off */
	x86_lapic_write(LAPIC_LVT_ERR, 1u << 16);
	x86_lapic_write(LAPIC_ESR, 0);
	x86_lapic_write(LAPIC_EOI, 0);
}

void x86_lapic_eoi(void)
{
	x86_lapic_write(LAPIC_EOI, 0);
}

uint8_t x86_lapic_id(void)
{
	return (uint8_t)(x86_lapic_read(LAPIC_ID) >> 24);
}

static void icr_send(uint8_t apic_id, uint32_t lo)
{
	arch_irqflags_t f = arch_irq_save();

	while (x86_lapic_read(LAPIC_ICR_LO) & ICR_PENDING)
		arch_cpu_relax();
	x86_lapic_write(LAPIC_ICR_HI, (uint32_t)apic_id << 24);
	x86_lapic_write(LAPIC_ICR_LO, lo);
	while (x86_lapic_read(LAPIC_ICR_LO) & ICR_PENDING)
		arch_cpu_relax();
	arch_irq_restore(f);
}

void x86_lapic_send_init(uint8_t apic_id)
{
	icr_send(apic_id, ICR_INIT | ICR_ASSERT | ICR_LEVEL);
	arch_udelay(200);
	icr_send(apic_id, ICR_INIT | ICR_LEVEL);	/* de-assert, for old CPUs */
}

void x86_lapic_send_sipi(uint8_t apic_id, uint8_t page)
{
	icr_send(apic_id, ICR_STARTUP | ICR_ASSERT | page);
}

void arch_ipi_send(unsigned cpu, enum arch_ipi kind)
{
	static const uint32_t icr[ARCH_IPI_COUNT] = {
		[ARCH_IPI_CALL] = ICR_FIXED | ICR_ASSERT | VEC_IPI_CALL,
		[ARCH_IPI_RESCHED] = ICR_FIXED | ICR_ASSERT | VEC_IPI_RESCHED,
		[ARCH_IPI_STOP] = ICR_NMI | ICR_ASSERT,
	};

	kassert(kind < ARCH_IPI_COUNT);
	if (cpu >= arch_ncpus())
		return;
	icr_send(x86_percpu[cpu].apic_id, icr[kind]);
}

void arch_ipi_broadcast(enum arch_ipi kind)
{
	unsigned self = arch_cpu_id(), n = arch_ncpus();

	for (unsigned cpu = 0; cpu < n; cpu++)
		if (cpu != self)
			arch_ipi_send(cpu, kind);
}

/* --- IOAPIC --- */

static struct spinlock ioapic_lock = SPINLOCK_INIT("ioapic");

static uint32_t ioapic_read(uint32_t base, uint32_t reg)
{
	arch_mmio_write32(base, reg);
	return arch_mmio_read32(base + 0x10);
}

static void ioapic_write(uint32_t base, uint32_t reg, uint32_t v)
{
	arch_mmio_write32(base, reg);
	arch_mmio_write32(base + 0x10, v);
}

static unsigned ioapic_pins(uint32_t base)
{
	return ((ioapic_read(base, 1) >> 16) & 0xff) + 1;
}

void x86_ioapic_init(void)
{
	for (unsigned i = 0; i < x86_topo.nioapic; i++) {
		uint32_t base = x86_topo.ioapic[i].addr;

		for (unsigned pin = 0; pin < ioapic_pins(base); pin++)
			ioapic_write(base, 0x10 + 2 * pin, 1u << 16);	/* masked */
	}
}

/* The global system interrupt of ISA line irq and its redirection entry's low word (vector,
 * polarity, trigger), from the MADT's overrides. */
static uint32_t irq_gsi(unsigned irq, uint32_t *lop)
{
	uint32_t gsi = irq, lo = VEC_IRQ0 + irq;

	for (unsigned i = 0; i < x86_topo.niso; i++)
		if (x86_topo.iso[i].irq == irq) {
			uint16_t fl = x86_topo.iso[i].flags;

			gsi = x86_topo.iso[i].gsi;
			if ((fl & 3) == 3)
				lo |= 1u << 13;		/* active low */
			if (((fl >> 2) & 3) == 3)
				lo |= 1u << 15;		/* level triggered */
		}
	*lop = lo;
	return gsi;
}

void arch_irq_route(unsigned irq, unsigned cpu)
{
	uint32_t lo, gsi;

	kassert(irq < ARCH_IRQ_LINES && cpu < arch_ncpus());
	gsi = irq_gsi(irq, &lo);
	arch_irqflags_t f = spin_lock_irqsave(&ioapic_lock);
	for (unsigned i = 0; i < x86_topo.nioapic; i++) {
		uint32_t base = x86_topo.ioapic[i].addr, first = x86_topo.ioapic[i].gsi_base;

		if (gsi >= first && gsi < first + ioapic_pins(base)) {
			ioapic_write(base, 0x11 + 2 * (gsi - first),
				     (uint32_t)x86_percpu[cpu].apic_id << 24);
			ioapic_write(base, 0x10 + 2 * (gsi - first), lo);
		}
	}
	spin_unlock_irqrestore(&ioapic_lock, f);
}

void arch_irq_mask(unsigned irq, bool masked)
{
	uint32_t lo, gsi;

	if (irq >= ARCH_IRQ_LINES)
		return;
	gsi = irq_gsi(irq, &lo);
	arch_irqflags_t f = spin_lock_irqsave(&ioapic_lock);
	for (unsigned i = 0; i < x86_topo.nioapic; i++) {
		uint32_t base = x86_topo.ioapic[i].addr, first = x86_topo.ioapic[i].gsi_base;

		if (gsi >= first && gsi < first + ioapic_pins(base)) {
			uint32_t reg = 0x10 + 2 * (gsi - first), v = ioapic_read(base, reg);

			ioapic_write(base, reg, masked ? v | 1u << 16 : v & ~(1u << 16));
		}
	}
	spin_unlock_irqrestore(&ioapic_lock, f);
}

void x86_pic_disable(void)
{
	/* remap both 8259s above the exceptions, then mask every line */
	arch_out8(0x20, 0x11);
	arch_out8(0xa0, 0x11);
	arch_out8(0x21, 0xe0);
	arch_out8(0xa1, 0xe8);
	arch_out8(0x21, 4);
	arch_out8(0xa1, 2);
	arch_out8(0x21, 1);
	arch_out8(0xa1, 1);
	arch_out8(0x21, 0xff);
	arch_out8(0xa1, 0xff);
}
