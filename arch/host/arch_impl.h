/* arch_impl.h (host) -- arch.h's inline primitives for the hosted build: each "CPU" is a thread
 * that registered with host_cpu_enter(); interrupts are a per-thread flag; IPIs are delivered
 * at poll points (arch_cpu_relax, enabling interrupts, arch_idle). */
#ifndef ARCH_HOST_IMPL_H
#define ARCH_HOST_IMPL_H

#include <stdbool.h>
#include <stdint.h>
#include <sched.h>
#include <time.h>

extern __thread unsigned host_cpu;
extern __thread bool host_irq_on;
void host_poll(void);

static inline unsigned arch_cpu_id(void)
{
	return host_cpu;
}

static inline unsigned long arch_irq_save(void)
{
	unsigned long f = host_irq_on;

	host_irq_on = false;
	__asm__ __volatile__("" ::: "memory");
	return f;
}

static inline void arch_irq_restore(unsigned long f)
{
	__asm__ __volatile__("" ::: "memory");
	host_irq_on = f;
	if (f)
		host_poll();
}

static inline void arch_irq_enable(void)
{
	arch_irq_restore(1);
}

static inline void arch_irq_disable(void)
{
	(void)arch_irq_save();
}

static inline bool arch_irqs_enabled(void)
{
	return host_irq_on;
}

#ifdef __SANITIZE_THREAD__
/* ThreadSanitizer refuses fences: an atomic read-modify-write of one word orders as much here */
extern int host_fence_word;
#define HOST_FENCE(order)	((void)__atomic_fetch_add(&host_fence_word, 0, (order)))
#else
#define HOST_FENCE(order)	__atomic_thread_fence(order)
#endif

static inline void arch_mb(void)
{
	HOST_FENCE(__ATOMIC_SEQ_CST);
}

static inline void arch_rmb(void)
{
	HOST_FENCE(__ATOMIC_ACQUIRE);
}

static inline void arch_wmb(void)
{
	HOST_FENCE(__ATOMIC_RELEASE);
}

/* Spinning threads give their core away now and then: there may be more "CPUs" than host
 * cores, and the one a spinner waits for may be descheduled. Not at every spin: sched_yield is
 * a system call (0.3-1 us), and two CPUs taking a channel's lock in turn spent a third of a
 * cross-CPU channel-send in it (issue 13's share benchmark). How often: host_relax_every, set
 * when the CPU threads start (host.c): every 16 spins when there are more CPUs than host cores
 * (the holder may well be descheduled), every 4096 otherwise (it is running, and a channel's
 * critical section is a few hundred nanoseconds: a yield there only delays the spinner). */
extern unsigned host_relax_every;
static inline void host_pause(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
}
static inline void arch_cpu_relax(void)
{
	static __thread unsigned spins;

	host_poll();
	if (++spins % host_relax_every != 0) {
		host_pause();
		return;
	}
	sched_yield();
}

static inline uint64_t arch_cycles(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;	/* 1 "cycle" = 1 ns */
}

/* no ports or device registers on the host: tests install handlers (host.h) */
uint32_t host_io_read(uintptr_t addr, int width);
void host_io_write(uintptr_t addr, int width, uint32_t v);

#define ARCH_NAME	"host"
#define ARCH_SWITCH_STACK	4096	/* clock_gettime under ASan's interceptor needs over 1.5 KB */
#define ARCH_PORT_IO	0
#define ARCH_MMIO	0
static inline bool arch_mmio_mapped(uintptr_t a) { (void)a; return false; }
static inline uint64_t arch_dma_address(const void *p) { return (uint64_t)(uintptr_t)p; }
static inline uint8_t arch_in8(uint16_t port) { return (uint8_t)host_io_read(port, 1); }
static inline uint16_t arch_in16(uint16_t port) { return (uint16_t)host_io_read(port, 2); }
static inline uint32_t arch_in32(uint16_t port) { return host_io_read(port, 4); }
static inline void arch_out8(uint16_t port, uint8_t v) { host_io_write(port, 1, v); }
static inline void arch_out16(uint16_t port, uint16_t v) { host_io_write(port, 2, v); }
static inline void arch_out32(uint16_t port, uint32_t v) { host_io_write(port, 4, v); }
static inline uint32_t arch_mmio_read32(uintptr_t a) { return host_io_read(a, 4); }
static inline void arch_mmio_write32(uintptr_t a, uint32_t v) { host_io_write(a, 4, v); }

#endif
