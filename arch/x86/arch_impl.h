/* arch_impl.h (x86) -- the inline primitives of arch.h for 32-bit x86. %gs points at the running
 * CPU's struct x86_percpu, whose first word is its index. */
#ifndef ARCH_X86_IMPL_H
#define ARCH_X86_IMPL_H

#include <stdbool.h>
#include <stdint.h>

static inline unsigned arch_cpu_id(void)
{
	unsigned id;

	__asm__ __volatile__("movl %%gs:0, %0" : "=r"(id));
	return id;
}

static inline unsigned long arch_irq_save(void)
{
	unsigned long f;

	__asm__ __volatile__("pushfl; popl %0; cli" : "=r"(f) : : "memory");
	return f;
}

static inline void arch_irq_restore(unsigned long f)
{
	if (f & (1u << 9))
		__asm__ __volatile__("sti" ::: "memory");
}

static inline void arch_irq_enable(void)
{
	__asm__ __volatile__("sti" ::: "memory");
}

static inline void arch_irq_disable(void)
{
	__asm__ __volatile__("cli" ::: "memory");
}

static inline bool arch_irqs_enabled(void)
{
	unsigned long f;

	__asm__ __volatile__("pushfl; popl %0" : "=r"(f));
	return f & (1u << 9);
}

static inline void arch_mb(void)
{
	__asm__ __volatile__("lock; addl $0, (%%esp)" ::: "memory", "cc");
}

/* x86 keeps loads ordered with loads and stores with stores: compiler barriers suffice */
static inline void arch_rmb(void)
{
	__asm__ __volatile__("" ::: "memory");
}

static inline void arch_wmb(void)
{
	__asm__ __volatile__("" ::: "memory");
}

static inline void arch_cpu_relax(void)
{
	__asm__ __volatile__("pause" ::: "memory");
}

static inline uint64_t arch_cycles(void)
{
	uint32_t lo, hi;

	__asm__ __volatile__("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

static inline uint8_t arch_in8(uint16_t port)
{
	uint8_t v;

	__asm__ __volatile__("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline uint16_t arch_in16(uint16_t port)
{
	uint16_t v;

	__asm__ __volatile__("inw %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline uint32_t arch_in32(uint16_t port)
{
	uint32_t v;

	__asm__ __volatile__("inl %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline void arch_out8(uint16_t port, uint8_t v)
{
	__asm__ __volatile__("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline void arch_out16(uint16_t port, uint16_t v)
{
	__asm__ __volatile__("outw %0, %1" : : "a"(v), "Nd"(port));
}

static inline void arch_out32(uint16_t port, uint32_t v)
{
	__asm__ __volatile__("outl %0, %1" : : "a"(v), "Nd"(port));
}

#define ARCH_NAME	"x86"
#define ARCH_SWITCH_STACK	512	/* rdtsc and a register save */
#define ARCH_PORT_IO	1
#define ARCH_MMIO	1

/* the kernel's map is the identity, so a bus address is the kernel address */
static inline uint64_t arch_dma_address(const void *p)
{
	return (uint64_t)(uintptr_t)p;
}

/* the kernel's map is the identity, less page 0 (the NULL guard: machine.c) */
static inline bool arch_mmio_mapped(uintptr_t addr)
{
	return addr >= 4096;
}

static inline uint32_t arch_mmio_read32(uintptr_t addr)
{
	return *(volatile uint32_t *)addr;
}

static inline void arch_mmio_write32(uintptr_t addr, uint32_t v)
{
	*(volatile uint32_t *)addr = v;
}

#endif
