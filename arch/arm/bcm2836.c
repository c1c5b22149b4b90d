/* bcm2836.c -- the interrupt controllers of the BCM2836 (QEMU raspi2b): each core's local
 * controller in the block at 0x40000000 (its generic timer's interrupts, four mailboxes, and the
 * one GPU interrupt of the BCM2835 controller, routed to a single core) and the BCM2835
 * controller at 0x3f00b200 for the peripherals. arch.h's IPIs are bits of the target's mailbox
 * 0 (set by writing its set register, cleared by its owner); mailbox 3 is QEMU's boot stub's
 * (raspi.c). A device line n is BCM2835 interrupt 48 + n (the bank of GPIO, I2C, SPI, the SD
 * hosts and the PL011: line 9); all lines go to one core, the one last routed. Every register
 * written here is either a core's own or set/clear, so no lock. */
#include <kernel/kernel.h>

#include "arm.h"

#define LOCAL_BASE	0x40000000u
enum local_reg {
	LOCAL_GPU_ROUTE = 0x0c,		/* bits 1:0: the core the GPU (BCM2835) IRQ goes to */
	LOCAL_TIMER_CTL = 0x40,		/* + 4 * core: bit 3 CNTVIRQ as IRQ */
	LOCAL_MBOX_CTL = 0x50,		/* + 4 * core: bit n mailbox n as IRQ */
	LOCAL_IRQ_SOURCE = 0x60,	/* + 4 * core: what interrupts it */
	LOCAL_MBOX_SET = 0x80,		/* + 16 * core + 4 * n: write ones to set bits */
	LOCAL_MBOX_CLR = 0xc0,		/* + 16 * core + 4 * n: read; write ones to clear */
};
#define SRC_CNTV	(1u << 3)
#define SRC_MBOX0	(1u << 4)
#define SRC_GPU		(1u << 8)

#define IC_BASE		0x3f00b200u	/* the BCM2835 controller (ARM control block + 0x200) */
enum ic_reg {
	IC_PENDING_1 = 0x04,		/* interrupts 0..31, pending and enabled */
	IC_PENDING_2 = 0x08,		/* 32..63 */
	IC_ENABLE_1 = 0x10,		/* write ones to enable */
	IC_ENABLE_2 = 0x14,
	IC_ENABLE_BASIC = 0x18,
	IC_DISABLE_1 = 0x1c,		/* write ones to disable */
	IC_DISABLE_2 = 0x20,
	IC_DISABLE_BASIC = 0x24,
};
#define LINE_FIRST	48		/* device line n is interrupt LINE_FIRST + n (bank 2, bit 16 + n) */

static uint32_t local_rd(uint32_t reg)
{
	return arch_mmio_read32(LOCAL_BASE + reg);
}

static void local_wr(uint32_t reg, uint32_t v)
{
	arch_mmio_write32(LOCAL_BASE + reg, v);
}

void arm_intc_init(void)
{
	arch_mmio_write32(IC_BASE + IC_DISABLE_1, 0xffffffff);
	arch_mmio_write32(IC_BASE + IC_DISABLE_2, 0xffffffff);
	arch_mmio_write32(IC_BASE + IC_DISABLE_BASIC, 0xffffffff);
	local_wr(LOCAL_GPU_ROUTE, 0);
}

void arm_intc_cpu_init(void)
{
	unsigned cpu = arch_cpu_id();

	local_wr(LOCAL_TIMER_CTL + 4 * cpu, 0);
	local_wr(LOCAL_MBOX_CLR + 16 * cpu, 0xffffffff);	/* no IPI from before */
	local_wr(LOCAL_MBOX_CTL + 4 * cpu, 1);			/* mailbox 0: IPIs */
}

void arm_intc_timer_enable(bool on)
{
	local_wr(LOCAL_TIMER_CTL + 4 * arch_cpu_id(), on ? SRC_CNTV : 0);
}

void arm_intc_line_enable(unsigned line, bool on)
{
	kassert(line < ARCH_IRQ_LINES);
	arch_mmio_write32(IC_BASE + (on ? IC_ENABLE_2 : IC_DISABLE_2), 1u << (LINE_FIRST - 32 + line));
}

void arch_ipi_send(unsigned cpu, enum arch_ipi kind)
{
	kassert(kind < ARCH_IPI_COUNT);
	if (cpu >= arch_ncpus())
		return;
	/* arch_mmio_write32's dsb: what the caller wrote is visible before the mailbox bit */
	local_wr(LOCAL_MBOX_SET + 16 * cpu, 1u << kind);
}

void arch_ipi_broadcast(enum arch_ipi kind)
{
	unsigned self = arch_cpu_id(), n = arch_ncpus();

	for (unsigned cpu = 0; cpu < n; cpu++)
		if (cpu != self)
			arch_ipi_send(cpu, kind);
}

/* the BCM2836 routes the BCM2835's one output, so every line moves to cpu together */
void arch_irq_route(unsigned irq, unsigned cpu)
{
	kassert(irq < ARCH_IRQ_LINES && cpu < arch_ncpus());
	local_wr(LOCAL_GPU_ROUTE, cpu);
	arm_intc_line_enable(irq, true);
}

static void device_irqs(void)
{
	uint32_t pending = arch_mmio_read32(IC_BASE + IC_PENDING_2) >> (LINE_FIRST - 32);

	for (unsigned line = 0; pending && line < ARCH_IRQ_LINES; line++, pending >>= 1) {
		if (!(pending & 1))
			continue;
		if (line == arm_mach.uart_line)
			arm_uart_irq();
		else
			arm_irq_line(line);
	}
}

void arm_irq_dispatch(struct arm_trapframe *f)
{
	unsigned cpu = arch_cpu_id();
	uint32_t src = local_rd(LOCAL_IRQ_SOURCE + 4 * cpu);

	if (src & SRC_MBOX0) {
		uint32_t m = local_rd(LOCAL_MBOX_CLR + 16 * cpu);

		local_wr(LOCAL_MBOX_CLR + 16 * cpu, m);	/* before running: a new one stays pending */
		for (unsigned k = 0; k < ARCH_IPI_COUNT; k++)
			if (m & (1u << k))
				smp_ipi_handler((enum arch_ipi)k);
	}
	if (src & SRC_CNTV) {
		arm_timer_irq();	/* the next deadline first: the line drops */
		kernel_timer_tick();
	}
	if (src & SRC_GPU)
		device_irqs();
	kernel_irq_exit(!(f->cpsr & ARM_PSR_I));
}
