/* machine.c -- the rest of arch.h for x86: paging (identity map, page 0 left out so NULL faults),
 * idling, halting, exiting QEMU with a status, and new thread contexts. */
#include <kernel/kernel.h>

#include "x86.h"

#define PTE_P	0x001ull
#define PTE_W	0x002ull
#define PTE_PWT	0x008ull
#define PTE_PCD	0x010ull
#define PDE_PS	0x080ull

/* PAE paging (2 MiB pages; the first 2 MiB in 4 KiB pages so page 0 can stay out). PAE rather
 * than classic 4 MiB pages because some nested KVM hosts refuse CR0.PG without it. */
uint64_t x86_pdpt[4] __attribute__((aligned(32)));
int x86_paging_on;
static uint64_t page_dirs[4][512] __attribute__((aligned(4096)));
static uint64_t low_table[512] __attribute__((aligned(4096)));

void x86_paging_init(void)
{
	for (uint32_t i = 0; i < 512; i++)
		low_table[i] = ((uint64_t)i << 12) | PTE_P | PTE_W;
	low_table[0] = 0;	/* NULL and small offsets from it fault */
	for (uint32_t d = 0; d < 4; d++) {
		for (uint32_t i = 0; i < 512; i++) {
			uint64_t addr = ((uint64_t)d << 30) | ((uint64_t)i << 21);

			page_dirs[d][i] = addr | PDE_PS | PTE_P | PTE_W;
			if (addr >= 0xc0000000u)
				page_dirs[d][i] |= PTE_PCD | PTE_PWT;	/* device memory */
		}
		x86_pdpt[d] = (uint64_t)(uintptr_t)page_dirs[d] | PTE_P;
	}
	page_dirs[0][0] = (uint64_t)(uintptr_t)low_table | PTE_P | PTE_W;
	/* Some nested hypervisors answer the CR0 write with #GP; x86_trap then resumes at
	 * x86_cr0_resume and we go on without paging (and without the NULL guard). */
	__asm__ __volatile__(
		"movl %%cr4, %%eax\n\t"
		"orl $0x20, %%eax\n\t"		/* PAE */
		"movl %%eax, %%cr4\n\t"
		"movl %1, %%cr3\n\t"
		"movl %%cr0, %%eax\n\t"
		"orl $0x80010000, %%eax\n\t"	/* PG, WP */
		"movl $0, %0\n\t"
		".globl x86_cr0_write, x86_cr0_resume\n"
		"x86_cr0_write:\n\t"
		"movl %%eax, %%cr0\n\t"
		"movl $1, %0\n"
		"x86_cr0_resume:\n\t"
		: "=m"(x86_paging_on) : "r"(x86_pdpt) : "eax", "memory");
	if (!x86_paging_on)
		kprintf("paging: refused by this machine (#GP on CR0.PG); running without the NULL "
			"guard\n");
}

void arch_idle(void)
{
	/* sti takes effect after the next instruction, so no interrupt slips in before hlt */
	__asm__ __volatile__("sti; hlt; cli" ::: "memory");
}

void arch_halt_cpu(void)
{
	for (;;)
		__asm__ __volatile__("cli; hlt");
}

void arch_exit(int code)
{
	arch_irq_disable();
	if (code == 0) {
		arch_out16(0x604, 0x2000);	/* ACPI S5 on QEMU's PIIX4 / ICH9: QEMU exits 0 */
		arch_out16(0xb004, 0x2000);	/* older QEMU and Bochs */
		arch_udelay(500000);		/* QEMU acts on it asynchronously */
	}
	if (code < 1 || code > 126)
		code = 127;			/* QEMU exits with (127 << 1) | 1 = 255 */
	arch_out8(0xf4, (uint8_t)code);		/* isa-debug-exit: QEMU exits (code << 1) | 1 */
	arch_halt_cpu();
}

struct arch_context {
	uint32_t edi, esi, ebx, ebp, eip;
};

void x86_context_start(void);

struct arch_context *arch_context_init(void *stack_base, size_t stack_size,
				       void (*entry)(void *), void *arg)
{
	uintptr_t top = ALIGN_DOWN((uintptr_t)stack_base + stack_size, 16);
	struct arch_context *c = (struct arch_context *)(top - 16 - sizeof(*c));

	c->edi = (uint32_t)(uintptr_t)arg;
	c->esi = (uint32_t)(uintptr_t)entry;
	c->ebx = 0;
	c->ebp = 0;
	c->eip = (uint32_t)(uintptr_t)x86_context_start;
	return c;
}

/* The FPU and SSE for the Scheme's flonums, checked and enabled on every CPU before its first
 * switch. CR0: EM off (no emulation), MP and NE on, TS off (no #NM: nothing is saved lazily);
 * CR4: OSFXSR (SSE) and OSXMMEXCPT. No FPU state is saved at a context switch, by design
 * (docs/numbers.md, "The kernel"): lisp/flonum.c is the only code compiled to use the FPU, its
 * functions never block or switch, and the threads that call it run with preemption disabled,
 * so no FPU register is live at any switch; MXCSR and the x87 control word keep fninit's values
 * (nothing changes them), the same for every thread. */
void x86_fpu_init(void)
{
	uint32_t a = 1, b, c = 0, d, cr;

	__asm__ __volatile__("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
	if (!(d & 1) || !(d & (1u << 24)) || !(d & (1u << 25)) || !(d & (1u << 26)))
		panic("fpu: this CPU lacks the x87 FPU, FXSR, SSE or SSE2 (cpuid.1 edx %#x)", d);
	__asm__ __volatile__("movl %%cr0, %0" : "=r"(cr));
	cr = (cr & ~(4u | 8u)) | 2u | 32u;
	__asm__ __volatile__("movl %0, %%cr0" :: "r"(cr) : "memory");
	__asm__ __volatile__("movl %%cr4, %0" : "=r"(cr));
	cr |= (1u << 9) | (1u << 10);
	__asm__ __volatile__("movl %0, %%cr4" :: "r"(cr) : "memory");
	__asm__ __volatile__("fninit" ::: "memory");
}

void arch_context_free(struct arch_context *c)
{
	(void)c;	/* a context is only words on the thread's own stack */
}
