/* gic.c -- the GICv2: the distributor (device interrupts, routed to one CPU each through the
 * target registers), each CPU's interface, the SGIs that carry arch.h's IPIs, and the IRQ
 * dispatch. A device line is its shared peripheral interrupt number (GIC id - 32): the PL011
 * is line 1 and PCI INTA..D lines 3..6 on virt. lock guards the distributor's
 * read-modify-write registers. */
#include <kernel/kernel.h>
#include <smp/spinlock.h>

#include "arm.h"

enum gicd_reg {
	GICD_CTLR = 0x000,
	GICD_TYPER = 0x004,		/* bits 4:0: lines / 32 - 1 */
	GICD_ISENABLER = 0x100,
	GICD_ICENABLER = 0x180,
	GICD_ICPENDR = 0x280,
	GICD_IPRIORITYR = 0x400,
	GICD_ITARGETSR = 0x800,		/* bytes; 0..31 read back the reading CPU's own bit */
	GICD_ICFGR = 0xc00,
	GICD_SGIR = 0xf00,		/* bits 23:16 target CPUs, 3:0 the SGI */
};
enum gicc_reg {
	GICC_CTLR = 0x00,
	GICC_PMR = 0x04,		/* priority mask: interrupts above (numerically below) pass */
	GICC_BPR = 0x08,
	GICC_IAR = 0x0c,		/* acknowledge: bits 9:0 the id, 1023 spurious */
	GICC_EOIR = 0x10,
};
#define PRIO_DEFAULT	0xa0
#define IRQ_SPURIOUS	1023

static struct spinlock lock = SPINLOCK_INIT("gic");
static unsigned nlines;			/* GIC ids 0..nlines-1 */

static uint32_t dist_read(uint32_t reg)
{
	return arch_mmio_read32(arm_mach.gicd + reg);
}

static void dist_write(uint32_t reg, uint32_t v)
{
	arch_mmio_write32(arm_mach.gicd + reg, v);
}

static void cpu_write(uint32_t reg, uint32_t v)
{
	arch_mmio_write32(arm_mach.gicc + reg, v);
}

void arm_intc_init(void)
{
	dist_write(GICD_CTLR, 0);
	nlines = MIN(((dist_read(GICD_TYPER) & 0x1f) + 1) * 32, 1020u);
	for (unsigned id = 32; id < nlines; id += 32) {
		dist_write(GICD_ICENABLER + id / 8, 0xffffffff);
		dist_write(GICD_ICPENDR + id / 8, 0xffffffff);
	}
	for (unsigned id = 32; id < nlines; id += 4) {
		dist_write(GICD_IPRIORITYR + id, PRIO_DEFAULT * 0x01010101u);
		dist_write(GICD_ITARGETSR + id, 0);
	}
	for (unsigned id = 32; id < nlines; id += 16)
		dist_write(GICD_ICFGR + id / 4, 0);	/* level-triggered (virt's SPIs are) */
	dist_write(GICD_CTLR, 1);
}

/* on each CPU: its banked SGI and PPI state, and its CPU interface */
void arm_intc_cpu_init(void)
{
	struct arm_percpu *pc = &arm_percpu[arch_cpu_id()];

	dist_write(GICD_ICENABLER, 0xffff0000);		/* PPIs off until asked for */
	dist_write(GICD_ISENABLER, 0x0000ffff);		/* SGIs on */
	for (unsigned id = 0; id < 32; id += 4)
		dist_write(GICD_IPRIORITYR + id, PRIO_DEFAULT * 0x01010101u);
	pc->gic_mask = dist_read(GICD_ITARGETSR) & 0xff;
	if (!pc->gic_mask)	/* a uniprocessor GIC reads 0 there */
		pc->gic_mask = 1;
	cpu_write(GICC_PMR, 0xf0);
	cpu_write(GICC_BPR, 0);
	cpu_write(GICC_CTLR, 1);
}

static void gic_enable(unsigned id, bool on)
{
	kassert(id < 1020);
	dist_write((on ? GICD_ISENABLER : GICD_ICENABLER) + id / 32 * 4, 1u << (id % 32));
}

void arm_intc_timer_enable(bool on)
{
	gic_enable(arm_mach.timer_irq, on);
}

void arm_intc_line_enable(unsigned line, bool on)
{
	gic_enable(ARM_SPI(line), on);
}

void arch_ipi_send(unsigned cpu, enum arch_ipi kind)
{
	kassert(kind < ARCH_IPI_COUNT);
	if (cpu >= arch_ncpus())
		return;
	/* arch_mmio_write32's dsb: what the caller wrote is visible before the SGI */
	dist_write(GICD_SGIR, arm_percpu[cpu].gic_mask << 16 | (uint32_t)kind);
}

void arch_ipi_broadcast(enum arch_ipi kind)
{
	unsigned self = arch_cpu_id(), n = arch_ncpus();

	for (unsigned cpu = 0; cpu < n; cpu++)
		if (cpu != self)
			arch_ipi_send(cpu, kind);
}

void arch_irq_route(unsigned irq, unsigned cpu)
{
	unsigned id = ARM_SPI(irq);

	kassert(id < nlines && cpu < arch_ncpus());
	gic_enable(id, false);	/* the target changes while the line cannot fire */
	arch_irqflags_t f = spin_lock_irqsave(&lock);
	uint32_t t = dist_read(GICD_ITARGETSR + (id & ~3u));
	unsigned shift = (id & 3) * 8;

	t = (t & ~(0xffu << shift)) | arm_percpu[cpu].gic_mask << shift;
	dist_write(GICD_ITARGETSR + (id & ~3u), t);
	gic_enable(id, true);
	spin_unlock_irqrestore(&lock, f);
}

void arm_irq_dispatch(struct arm_trapframe *f)
{
	uint32_t iar = arch_mmio_read32(arm_mach.gicc + GICC_IAR);
	unsigned id = iar & 0x3ff;

	if (id >= 1020)
		return;		/* spurious: nothing to acknowledge, nobody interrupted for */
	if (id < ARCH_IPI_COUNT) {
		cpu_write(GICC_EOIR, iar);
		smp_ipi_handler((enum arch_ipi)id);
	} else if (id == arm_mach.timer_irq) {
		arm_timer_irq();	/* the next deadline first: the line drops */
		cpu_write(GICC_EOIR, iar);
		kernel_timer_tick();
	} else if (id == ARM_SPI(arm_mach.uart_line)) {
		arm_uart_irq();
		cpu_write(GICC_EOIR, iar);
	} else if (id >= 32 && id - 32 < ARCH_IRQ_LINES) {
		arm_irq_line(id - 32);
		cpu_write(GICC_EOIR, iar);
	} else {
		cpu_write(GICC_EOIR, iar);
		kprintf("gic: unexpected interrupt %u on cpu %u\n", id, arch_cpu_id());
	}
	kernel_irq_exit(!(f->cpsr & ARM_PSR_I));
}
