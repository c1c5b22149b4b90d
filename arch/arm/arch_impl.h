/* arch_impl.h (arm) -- the inline primitives of arch.h for 32-bit ARMv7-A (QEMU virt and
 * raspi2b). The kernel runs in SVC mode; TPIDRPRW holds the running CPU's index. The cycle
 * counter is the generic timer's virtual count (CNTVCT, CNTFRQ per second), the same clock on
 * every CPU. Ports are the PCI I/O window, memory-mapped (arm_pci_io_base; reads give all ones
 * when there is none, as on raspi2b). */
#ifndef ARCH_ARM_IMPL_H
#define ARCH_ARM_IMPL_H

#include <stdbool.h>
#include <stdint.h>

#define ARM_PSR_I	0x80	/* IRQs masked */

static inline unsigned arch_cpu_id(void)
{
	unsigned id;

	__asm__ __volatile__("mrc p15, 0, %0, c13, c0, 4" : "=r"(id));	/* TPIDRPRW */
	return id;
}

static inline unsigned long arch_irq_save(void)
{
	unsigned long f;

	__asm__ __volatile__("mrs %0, cpsr\n\tcpsid i" : "=r"(f) : : "memory");
	return f;
}

static inline void arch_irq_restore(unsigned long f)
{
	if (!(f & ARM_PSR_I))
		__asm__ __volatile__("cpsie i" ::: "memory");
}

static inline void arch_irq_enable(void)
{
	__asm__ __volatile__("cpsie i" ::: "memory");
}

static inline void arch_irq_disable(void)
{
	__asm__ __volatile__("cpsid i" ::: "memory");
}

static inline bool arch_irqs_enabled(void)
{
	unsigned long f;

	__asm__ __volatile__("mrs %0, cpsr" : "=r"(f));
	return !(f & ARM_PSR_I);
}

/* inner shareable: every CPU of the machine; device ordering is the MMIO accessors' business */
static inline void arch_mb(void)
{
	__asm__ __volatile__("dmb ish" ::: "memory");
}

static inline void arch_rmb(void)
{
	__asm__ __volatile__("dmb ish" ::: "memory");
}

static inline void arch_wmb(void)
{
	__asm__ __volatile__("dmb ishst" ::: "memory");
}

static inline void arch_cpu_relax(void)
{
	__asm__ __volatile__("yield" ::: "memory");
}

/* CNTVCT: 64 bits at CNTFRQ (62.5 MHz under QEMU, both boards), read in one instruction; the
 * isb keeps the read from moving before earlier instructions */
static inline uint64_t arch_cycles(void)
{
	uint32_t lo, hi;

	__asm__ __volatile__("isb\n\tmrrc p15, 1, %0, %1, c14" : "=r"(lo), "=r"(hi) : : "memory");
	return ((uint64_t)hi << 32) | lo;
}

static inline uint32_t arch_mmio_read32(uintptr_t addr)
{
	uint32_t v = *(volatile uint32_t *)addr;

	__asm__ __volatile__("dmb osh" ::: "memory");	/* later loads (a DMA buffer) after it */
	return v;
}

static inline void arch_mmio_write32(uintptr_t addr, uint32_t v)
{
	__asm__ __volatile__("dsb st" ::: "memory");	/* earlier stores (a DMA buffer) first */
	*(volatile uint32_t *)addr = v;
}

/* port I/O: the PCI host bridge's I/O window (arch/arm/pci.c), 0 if the machine has none */
extern uintptr_t arm_pci_io_base;

#define ARM_PORT_IN(bits) \
static inline uint##bits##_t arch_in##bits(uint16_t port) \
{ \
	uint##bits##_t v; \
	if (!arm_pci_io_base) \
		return (uint##bits##_t)~0u; \
	v = *(volatile uint##bits##_t *)(arm_pci_io_base + port); \
	__asm__ __volatile__("dmb osh" ::: "memory"); \
	return v; \
}
#define ARM_PORT_OUT(bits) \
static inline void arch_out##bits(uint16_t port, uint##bits##_t v) \
{ \
	if (!arm_pci_io_base) \
		return; \
	__asm__ __volatile__("dsb st" ::: "memory"); \
	*(volatile uint##bits##_t *)(arm_pci_io_base + port) = v; \
}
ARM_PORT_IN(8)
ARM_PORT_IN(16)
ARM_PORT_IN(32)
ARM_PORT_OUT(8)
ARM_PORT_OUT(16)
ARM_PORT_OUT(32)
#undef ARM_PORT_IN
#undef ARM_PORT_OUT

#define ARCH_NAME	"arm"
#define ARCH_SWITCH_STACK	512	/* an isb, mrrc and ten saved registers */
#define ARCH_PORT_IO	1	/* through the PCI I/O window */
#define ARCH_MMIO	1

/* the bus address of kernel memory: the map is the identity, and virt's PCIe bus sees RAM where
 * the CPU does */
static inline uint64_t arch_dma_address(const void *p)
{
	return (uint64_t)(uintptr_t)p;
}

/* RAM and the device regions the board names (mmu.c); never the first page (NULL guard) */
bool arch_mmio_mapped(uintptr_t addr);

#endif
