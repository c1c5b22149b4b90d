/* trap.c -- interrupt and exception dispatch. Exceptions are fatal: a register dump, the CPU,
 * a symbolized backtrace, then every CPU stops and the machine exits with the panic status. */
#include <kernel/kernel.h>
#include <smp/spinlock.h>

#include "x86.h"

static const char *const exception_names[32] = {
	"divide error", "debug", "NMI", "breakpoint", "overflow", "bound range exceeded",
	"invalid opcode", "device not available", "double fault", "coprocessor overrun",
	"invalid TSS", "segment not present", "stack fault", "general protection fault",
	"page fault", "reserved", "x87 floating point", "alignment check", "machine check",
	"SIMD floating point", "virtualization", "control protection",
};

static uint32_t read_cr(int n)
{
	uint32_t v = 0;

	switch (n) {
	case 0: __asm__ __volatile__("mov %%cr0, %0" : "=r"(v)); break;
	case 2: __asm__ __volatile__("mov %%cr2, %0" : "=r"(v)); break;
	case 3: __asm__ __volatile__("mov %%cr3, %0" : "=r"(v)); break;
	case 4: __asm__ __volatile__("mov %%cr4, %0" : "=r"(v)); break;
	}
	return v;
}

int x86_backtrace_from(uint32_t ebp, uintptr_t *pcs, int max)
{
	int n = 0;

	while (n < max && ebp >= 0x100000 && ebp < 0xc0000000 && !(ebp & 3)) {
		const uint32_t *frame = (const uint32_t *)(uintptr_t)ebp;

		if (!frame[1])
			break;
		pcs[n++] = frame[1];
		if (frame[0] <= ebp || frame[0] - ebp > 0x100000)
			break;	/* frames only go up the stack, and not far */
		ebp = frame[0];
	}
	return n;
}

int arch_backtrace(uintptr_t *pcs, int max)
{
	return x86_backtrace_from((uint32_t)(uintptr_t)__builtin_frame_address(0), pcs, max);
}

static void exception_report(const struct trapframe *f)
{
	uintptr_t pcs[32];
	uintptr_t off;
	const char *name = ksyms_lookup(f->eip, &off);

	panic_begin();
	kprintf("\nPANIC on cpu %u: %s (vector %u, error %#x)\n", arch_cpu_id(),
		f->vector < 32 && exception_names[f->vector] ? exception_names[f->vector]
							       : "exception",
		f->vector, f->error);
	if (f->vector == 14)
		kprintf("  %s of address %#x (%s)\n", f->error & 2 ? "write" : "read", read_cr(2),
			f->error & 1 ? "protection violation" : "page not present");
	kprintf("  eip %08x %s+0x%lx\n", f->eip, name ? name : "?", name ? (unsigned long)off : 0ul);
	kprintf("  eax %08x  ebx %08x  ecx %08x  edx %08x\n", f->eax, f->ebx, f->ecx, f->edx);
	kprintf("  esi %08x  edi %08x  ebp %08x  esp %08x\n", f->esi, f->edi, f->ebp,
		f->esp0 + 20);
	kprintf("  cs %04x  ds %04x  es %04x  gs %04x  eflags %08x\n", f->cs & 0xffff,
		f->ds & 0xffff, f->es & 0xffff, f->gs & 0xffff, f->eflags);
	kprintf("  cr0 %08x  cr2 %08x  cr3 %08x  cr4 %08x\n", read_cr(0), read_cr(2), read_cr(3),
		read_cr(4));
	pcs[0] = f->eip;
	panic_end(pcs, 1 + x86_backtrace_from(f->ebp, pcs + 1, ARRAY_SIZE(pcs) - 1));
}

/* Device interrupt handlers (arch.h, arch_irq_register): per line, up to ARCH_IRQ_SHARED, called
 * in slot order. fn is published with release after ctx; running counts the CPUs inside the
 * line's handlers (raised before fn is read), so unregister can wait them out. */
static struct irq_line {
	struct { bool (*fn)(void *); void *ctx; } h[ARCH_IRQ_SHARED];
	unsigned running;	/* atomic */
	unsigned long count, unclaimed;	/* interrupts taken, and those no handler claimed */
} irq_lines[ARCH_IRQ_LINES];
static struct spinlock irq_reg_lock = SPINLOCK_INIT("irq-register");	/* registrations */
extern char x86_cr0_write[], x86_cr0_resume[];

int arch_irq_register(unsigned irq, bool (*fn)(void *ctx), void *ctx)
{
	int rc = -1;

	if (irq >= ARCH_IRQ_LINES || !fn)
		return -1;
	arch_irqflags_t f = spin_lock_irqsave(&irq_reg_lock);
	for (unsigned i = 0; i < ARCH_IRQ_SHARED && rc < 0; i++)
		if (!arch_atomic_load(&irq_lines[irq].h[i].fn)) {
			irq_lines[irq].h[i].ctx = ctx;
			arch_atomic_store(&irq_lines[irq].h[i].fn, fn);
			rc = 0;
		}
	spin_unlock_irqrestore(&irq_reg_lock, f);
	return rc;
}

void arch_irq_unregister(unsigned irq, bool (*fn)(void *ctx), void *ctx)
{
	if (irq >= ARCH_IRQ_LINES)
		return;
	arch_irqflags_t f = spin_lock_irqsave(&irq_reg_lock);
	for (unsigned i = 0; i < ARCH_IRQ_SHARED; i++)
		if (irq_lines[irq].h[i].fn == fn && irq_lines[irq].h[i].ctx == ctx)
			__atomic_store_n(&irq_lines[irq].h[i].fn, NULL, __ATOMIC_SEQ_CST);
	spin_unlock_irqrestore(&irq_reg_lock, f);
	while (__atomic_load_n(&irq_lines[irq].running, __ATOMIC_SEQ_CST))
		arch_cpu_relax();
}

static void irq_dispatch(unsigned irq)
{
	struct irq_line *l = &irq_lines[irq];
	bool claimed = false;

	__atomic_add_fetch(&l->running, 1, __ATOMIC_SEQ_CST);
	for (unsigned i = 0; i < ARCH_IRQ_SHARED; i++) {
		bool (*fn)(void *) = __atomic_load_n(&l->h[i].fn, __ATOMIC_SEQ_CST);

		if (fn)
			claimed |= fn(l->h[i].ctx);
	}
	__atomic_sub_fetch(&l->running, 1, __ATOMIC_RELEASE);
	l->count++;
	if (!claimed)
		l->unclaimed++;
}

void x86_trap(struct trapframe *f);

void x86_trap(struct trapframe *f)
{
	uint32_t v = f->vector;

	if (v == 13 && f->eip == (uint32_t)(uintptr_t)x86_cr0_write) {
		f->eip = (uint32_t)(uintptr_t)x86_cr0_resume;	/* see x86_paging_init */
		return;
	}
	if (v < 32) {
		if (v == 2 && panic_in_progress())
			arch_halt_cpu();	/* ARCH_IPI_STOP arrives as an NMI */
		exception_report(f);
		return;
	}
	if (v >= VEC_IRQ0 && v < VEC_IRQ0 + 16) {
		irq_dispatch(v - VEC_IRQ0);
		x86_lapic_eoi();
	} else if (v == VEC_TIMER) {
		x86_lapic_eoi();
		kernel_timer_tick();
	} else if (v == VEC_IPI_CALL) {
		x86_lapic_eoi();
		smp_ipi_handler(ARCH_IPI_CALL);
	} else if (v == VEC_IPI_RESCHED) {
		x86_lapic_eoi();
		smp_ipi_handler(ARCH_IPI_RESCHED);
	} else if (v != VEC_SPURIOUS) {
		x86_lapic_eoi();
		kprintf("trap: unexpected vector %u on cpu %u\n", v, arch_cpu_id());
	}
	kernel_irq_exit((f->eflags & 0x200) != 0	/* IF */);
}
