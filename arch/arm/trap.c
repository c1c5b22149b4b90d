/* trap.c -- exceptions are fatal: a register dump with the fault's address and status, the
 * CPU, a symbolized backtrace (APCS frames: fp points at the saved pc, fp[-1] is the return
 * address, fp[-3] the caller's fp), then every CPU stops and the machine exits with the panic
 * status. */
#include <kernel/kernel.h>

#include "arm.h"

extern char _kernel_start[], _etext[], _kernel_end[];

static const char *const exception_names[8] = {
	"reset", "undefined instruction", "supervisor call", "prefetch abort", "data abort",
	"unused vector", "interrupt", "fast interrupt",
};

/* short-descriptor fault status FS[4,3:0] */
static const char *fault_status(uint32_t fsr)
{
	switch ((fsr & 0xf) | (fsr >> 6 & 0x10)) {
	case 0x01: return "alignment fault";
	case 0x02: return "debug event";
	case 0x03: case 0x06: return "access flag fault";
	case 0x05: return "translation fault (section)";
	case 0x07: return "translation fault (page)";
	case 0x08: return "synchronous external abort";
	case 0x09: case 0x0b: return "domain fault";
	case 0x0d: case 0x0f: return "permission fault";
	case 0x16: return "asynchronous external abort";
	default: return "fault";
	}
}

static int text_addr(uint32_t a)
{
	return a >= (uintptr_t)_kernel_start && a < (uintptr_t)_etext;
}

/* stacks are in RAM (the boot stack in the image, before the device tree is read) */
static int stack_addr(uint32_t a)
{
	if (arm_mach.ram_size)
		return a - arm_mach.ram_base < arm_mach.ram_size;
	return a >= (uintptr_t)_kernel_start && a < (uintptr_t)_kernel_end;
}

int arm_backtrace_from(uint32_t fp, uintptr_t *pcs, int max)
{
	int n = 0;

	while (n < max && !(fp & 3) && stack_addr(fp - 12) && stack_addr(fp)) {
		const uint32_t *frame = (const uint32_t *)(uintptr_t)fp;
		uint32_t lr = frame[-1], next = frame[-3];

		if (!text_addr(lr))
			break;
		pcs[n++] = lr;
		if (next <= fp || next - fp > 0x100000)
			break;	/* frames only go up the stack, and not far */
		fp = next;
	}
	return n;
}

int arch_backtrace(uintptr_t *pcs, int max)
{
	return arm_backtrace_from((uint32_t)(uintptr_t)__builtin_frame_address(0), pcs, max);
}

static uint32_t cp15(int which)
{
	uint32_t v = 0;

	switch (which) {
	case 0: __asm__ __volatile__("mrc p15, 0, %0, c1, c0, 0" : "=r"(v)); break;	/* SCTLR */
	case 1: __asm__ __volatile__("mrc p15, 0, %0, c2, c0, 0" : "=r"(v)); break;	/* TTBR0 */
	case 2: __asm__ __volatile__("mrc p15, 0, %0, c5, c0, 0" : "=r"(v)); break;	/* DFSR */
	case 3: __asm__ __volatile__("mrc p15, 0, %0, c6, c0, 0" : "=r"(v)); break;	/* DFAR */
	case 4: __asm__ __volatile__("mrc p15, 0, %0, c5, c0, 1" : "=r"(v)); break;	/* IFSR */
	case 5: __asm__ __volatile__("mrc p15, 0, %0, c6, c0, 2" : "=r"(v)); break;	/* IFAR */
	}
	return v;
}

static int exiting;	/* arch_exit's semihosting call came back as an SVC: no semihosting */

void arm_exception(struct arm_trapframe *f, unsigned kind);

void arm_exception(struct arm_trapframe *f, unsigned kind)
{
	uintptr_t pcs[32];
	uintptr_t off;
	const char *name = ksyms_lookup(f->pc, &off);
	uint32_t sp = (uint32_t)(uintptr_t)(f + 1);

	if (kind == 2 && arch_atomic_load(&exiting))
		arch_halt_cpu();
	panic_begin();
	kprintf("\nPANIC on cpu %u: %s (exception %u)\n", arch_cpu_id(), exception_names[kind & 7],
		kind);
	if (kind == 4)
		kprintf("  %s of address %#x (%s, DFSR %#x)\n", cp15(2) & (1u << 11) ? "write" : "read",
			cp15(3), fault_status(cp15(2)), cp15(2));
	if (kind == 3)
		kprintf("  fetch of address %#x (%s, IFSR %#x)\n", cp15(5), fault_status(cp15(4)),
			cp15(4));
	kprintf("  pc %08x %s+0x%lx\n", f->pc, name ? name : "?", name ? (unsigned long)off : 0ul);
	kprintf("  r0 %08x  r1 %08x  r2 %08x  r3 %08x\n", f->r[0], f->r[1], f->r[2], f->r[3]);
	kprintf("  r4 %08x  r5 %08x  r6 %08x  r7 %08x\n", f->r[4], f->r[5], f->r[6], f->r[7]);
	kprintf("  r8 %08x  r9 %08x  r10 %08x  fp %08x\n", f->r[8], f->r[9], f->r[10], f->r[11]);
	kprintf("  ip %08x  sp %08x  lr %08x  cpsr %08x\n", f->r[12], sp, f->lr, f->cpsr);
	kprintf("  sctlr %08x  ttbr0 %08x  dfsr %08x  dfar %08x\n", cp15(0), cp15(1), cp15(2),
		cp15(3));
	pcs[0] = f->pc;
	panic_end(pcs, 1 + arm_backtrace_from(f->r[11], pcs + 1, ARRAY_SIZE(pcs) - 1));
}

void arm_exit_semihosting(void)
{
	arch_atomic_store(&exiting, 1);
}
