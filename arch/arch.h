/* arch.h -- the one interface portable code uses to reach the machine.
 * Each target (arch/x86, arch/arm, arch/host) provides <arch_impl.h>, found through the include
 * path, with the static inline primitives listed below; everything else here is out of line.
 * Hooks at the end are implemented by portable code and called by the arch layer. */
#ifndef ARCH_H
#define ARCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef unsigned long arch_irqflags_t;

/* Kinds of inter-processor interrupt. Each is delivered to smp_ipi_handler() on the target. */
enum arch_ipi {
	ARCH_IPI_CALL,		/* run queued cross-calls (smp/xcall.c) */
	ARCH_IPI_RESCHED,	/* the scheduler has work for the target */
	ARCH_IPI_STOP,		/* panic elsewhere: stop this CPU now (NMI where the machine has one) */
	ARCH_IPI_COUNT
};

/*
 * Static inline primitives every <arch_impl.h> defines:
 *
 * unsigned arch_cpu_id(void)
 *	Index of the calling CPU, 0..arch_ncpus()-1. Stable only while the caller cannot migrate
 *	(interrupts off or preemption disabled).
 * arch_irqflags_t arch_irq_save(void); void arch_irq_restore(arch_irqflags_t)
 * void arch_irq_enable(void); void arch_irq_disable(void); bool arch_irqs_enabled(void)
 *	Local interrupt masking. irq_save/restore nest; they are compiler barriers.
 * void arch_mb(void), arch_rmb(void), arch_wmb(void)
 *	Full, load-load and store-store barriers, ordering memory as seen by other CPUs.
 * void arch_cpu_relax(void)
 *	Body of a spin-wait loop (pause/yield hint). On the host it also delivers pending IPIs.
 * uint64_t arch_cycles(void)
 *	The calling CPU's cycle counter; monotonic on one CPU, not comparable across CPUs.
 * uint8_t arch_in8(uint16_t port) ... arch_out32(uint16_t port, uint32_t v)
 *	Port I/O (x86; other targets trap or emulate).
 * uint32_t arch_mmio_read32(uintptr_t addr); void arch_mmio_write32(uintptr_t addr, uint32_t v)
 *	Device register access: not reordered with other MMIO by the compiler or the CPU.
 * ARCH_NAME
 *	The target's name as a string: "x86", "host" (for messages).
 * ARCH_SWITCH_STACK
 *	Bytes of stack the scheduler's switch path may use below a switch point's check (the
 *	guard slack, sched/sched_param.h): arch_cycles and arch_context_switch included.
 * ARCH_PORT_IO, ARCH_MMIO
 *	1 if the arch_in and arch_out functions reach real I/O ports (the arch_mmio functions real
 *	device memory), 0 if the target has none: the hosted build, where they trap into a test's
 *	handlers. Callers that take port numbers or addresses from users (the Scheme primitives
 *	in8 ..., mmio-read32 ...) refuse when it is 0.
 * uint64_t arch_dma_address(const void *p)
 *	The bus address a device uses for kernel memory p, which must come from physmem_alloc
 *	(contiguous, never moved). x86 maps the kernel 1:1, so it is p itself.
 * bool arch_mmio_mapped(uintptr_t addr)
 *	addr (4-byte aligned) may be given to arch_mmio_read32/write32 without a fault (x86:
 *	everything but the NULL guard page). False everywhere when ARCH_MMIO is 0. Says nothing
 *	about what lives there.
 */
#include <arch_impl.h>

/* Atomics are the compiler's, the same on every target. Sequentially consistent unless named. */
#define arch_atomic_load(p)		__atomic_load_n((p), __ATOMIC_ACQUIRE)
#define arch_atomic_load_relaxed(p)	__atomic_load_n((p), __ATOMIC_RELAXED)
#define arch_atomic_store(p, v)		__atomic_store_n((p), (v), __ATOMIC_RELEASE)
#define arch_atomic_store_relaxed(p, v)	__atomic_store_n((p), (v), __ATOMIC_RELAXED)
#define arch_atomic_add(p, v)		__atomic_add_fetch((p), (v), __ATOMIC_SEQ_CST)
#define arch_atomic_sub(p, v)		__atomic_sub_fetch((p), (v), __ATOMIC_SEQ_CST)
#define arch_atomic_fetch_add(p, v)	__atomic_fetch_add((p), (v), __ATOMIC_SEQ_CST)
#define arch_atomic_or(p, v)		__atomic_fetch_or((p), (v), __ATOMIC_SEQ_CST)
#define arch_atomic_and(p, v)		__atomic_fetch_and((p), (v), __ATOMIC_SEQ_CST)
#define arch_atomic_xchg(p, v)		__atomic_exchange_n((p), (v), __ATOMIC_SEQ_CST)
#define arch_atomic_cas(p, expp, v) \
	__atomic_compare_exchange_n((p), (expp), (v), false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)
#define arch_compiler_barrier()		__asm__ __volatile__("" ::: "memory")

/* --- CPUs --- */
unsigned arch_ncpus(void);		/* CPUs online now */
unsigned arch_cpus_found(void);		/* CPUs the firmware described (online or not) */

/* --- time --- */
uint64_t arch_cycles_per_sec(void);	/* calibrated frequency of arch_cycles() */
uint64_t arch_cycles_to_ns(uint64_t cycles);
/* Wall-clock time, UTC nanoseconds since 1970-01-01: the real-time clock as read once at boot
 * (whole seconds: up to 1 s behind) plus arch_cycles() since; -1 if the machine has no real-
 * time clock (QEMU raspi2b). The hosted build asks the host (CLOCK_REALTIME). Any CPU. */
int64_t arch_wallclock_ns(void);
void arch_udelay(unsigned us);		/* busy-wait */
/* Start the calling CPU's periodic timer at hz; each tick calls kernel_timer_tick() on that CPU
 * with interrupts off. hz == 0 stops it. */
void arch_timer_start(unsigned hz);

/* --- inter-processor interrupts --- */
void arch_ipi_send(unsigned cpu, enum arch_ipi kind);
void arch_ipi_broadcast(enum arch_ipi kind);	/* every online CPU but the caller */

/* --- device interrupts --- */
#define ARCH_IRQ_LINES		16	/* lines 0..15 (ISA numbering on x86, PCI's INTx among them;
					 * the GIC's SPI numbers on ARM, where PCI's INTx are 3..6) */
#define ARCH_IRQ_SHARED		4	/* handlers one line may have (PCI lines are shared) */
/* Deliver device interrupt line irq (< ARCH_IRQ_LINES) to CPU cpu, unmasked. Register the
 * handlers first: an interrupt with none is acknowledged and dropped. */
void arch_irq_route(unsigned irq, unsigned cpu);
/* Add fn(ctx) to line irq's handlers: 0, or -1 if the line has ARCH_IRQ_SHARED already or irq
 * is out of range. Any CPU, before or after routing. Contract of fn: it runs in interrupt
 * context on the CPU the line is routed to, interrupts off, after every other handler of the
 * line registered before it; it must make its own device stop asserting the line before it
 * returns (a level-triggered PCI line otherwise interrupts again at once), by acknowledging
 * the device or masking its interrupts there, and do little else (wake a thread); it returns
 * true if its device was interrupting (statistics: a shared line calls every handler). The
 * registration is published with release order: fn sees everything written before the call. */
int arch_irq_register(unsigned irq, bool (*fn)(void *ctx), void *ctx);
/* Remove the handler registered as (fn, ctx). Returns when no CPU runs it any more. */
void arch_irq_unregister(unsigned irq, bool (*fn)(void *ctx), void *ctx);
/* Mask (true) or unmask line irq at the interrupt controller, wherever it is routed; for a
 * handler that cannot quiet its device (a driver in Scheme: irq-wait), which masks the line
 * and lets the thread it wakes unmask it once the device is served. */
void arch_irq_mask(unsigned irq, bool masked);
/* The console UART's line, in arch_irq_route's numbering (x86: 4, COM1; ARM: the PL011's). */
unsigned arch_console_irq(void);

/* --- console (the serial line) --- */
void arch_console_write(const char *buf, size_t len);	/* polled; caller serialises */
/* Input arrives through console_rx_byte(). When that returns false (the buffer took the byte but
 * has no room for another) the driver stops taking bytes from the device, leaving them in its
 * FIFO (so the sender is held back, nothing dropped), until the console calls this: */
void arch_console_rx_resume(void);

/* --- PCI configuration space --- */
/* Read the 32-bit register at byte offset reg (a multiple of 4, < 256) of bus/dev/fn's
 * configuration space into *v: 0, or -1 if the machine has no PCI configuration access (the
 * hosted build). An absent function reads as 0xffffffff. Any CPU, any context; serialised
 * inside (x86 mechanism #1 is an address/data port pair). */
int arch_pci_config_read32(unsigned bus, unsigned dev, unsigned fn, unsigned reg, uint32_t *v);
/* Write v to that register: 0, or -1 without PCI configuration access. Same rules. */
int arch_pci_config_write32(unsigned bus, unsigned dev, unsigned fn, unsigned reg, uint32_t v);

/* --- bring-up --- */
void arch_smp_start(void);	/* start every other CPU; returns when they are online or given up */

/* --- halting --- */
void arch_idle(void);	/* enable interrupts and wait for one, atomically; returns with them off */
__attribute__((noreturn)) void arch_halt_cpu(void);	/* stop this CPU for good */
/* Stop the machine. code 0 powers off cleanly (QEMU exits 0); code 1..126 exits QEMU with status
 * 2*code+1; anything else (panic) exits with status 255. See README, "Exit status". */
__attribute__((noreturn)) void arch_exit(int code);

/* --- stacks and backtraces --- */
/* Fill pcs with the return addresses of the caller's frames, innermost first; returns the count. */
int arch_backtrace(uintptr_t *pcs, int max);

/* --- context switch (used by sched/) --- */
struct arch_context;	/* saved callee-saved registers, lives on the thread's own stack */
/* Prepare a stack so that the first switch to it calls entry(arg); entry must never return. */
struct arch_context *arch_context_init(void *stack_base, size_t stack_size,
				       void (*entry)(void *), void *arg);
/* Save the caller's context into *save and resume load. Interrupts must be off. */
void arch_context_switch(struct arch_context **save, struct arch_context *load);
/* A context that will never be loaded again (its thread is dead): release what the arch keeps
 * for it beyond the stack itself (the hosted build's sanitizer fiber state). */
void arch_context_free(struct arch_context *c);

/* --- hooks: portable code implements these, the arch layer calls them --- */
void kernel_timer_tick(void);			/* interrupt context, interrupts off */
void smp_ipi_handler(enum arch_ipi kind);	/* interrupt context, interrupts off */
bool console_rx_byte(uint8_t byte);		/* interrupt context; false: now full */
void kernel_cpu_online(unsigned cpu);		/* on each CPU once it runs C with its own stack */
/* Last thing of every interrupt (not exception) handler, after the EOI, interrupts still off.
 * interrupted_irqs_on: the interrupted code had interrupts on, so it may be switched away from
 * here (preemption); the switch returns here when that thread runs again, maybe on another CPU. */
void kernel_irq_exit(bool interrupted_irqs_on);

#endif
