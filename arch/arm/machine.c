/* machine.c -- the rest of arch.h for ARM: idling, halting, exiting QEMU with a status (the
 * board's power-off for 0 where it has one, semihosting SYS_EXIT_EXTENDED otherwise: the
 * statuses x86's isa-debug-exit gives), and new thread contexts. */
#include <kernel/kernel.h>

#include "arm.h"

void arch_idle(void)
{
	/* wfi wakes on a pending interrupt even while masked: none is missed between the check
	 * that brought us here and the wait; it is then taken once they are on */
	__asm__ __volatile__("dsb\n\twfi\n\tcpsie i\n\tisb\n\tcpsid i" ::: "memory");
}

void arch_halt_cpu(void)
{
	for (;;)
		__asm__ __volatile__("cpsid if\n\twfi");
}

void arm_exit_semihosting(void);

static void semihosting_exit(uint32_t status)
{
	/* ADP_Stopped_ApplicationExit and the status; QEMU exits with it */
	static uint32_t block[2] = { 0x20026, 0 };

	block[1] = status;
	arm_exit_semihosting();

	register uint32_t r0 __asm__("r0") = 0x20;	/* SYS_EXIT_EXTENDED */
	register uint32_t r1 __asm__("r1") = (uint32_t)(uintptr_t)block;
	__asm__ __volatile__("svc #0x123456" : "+r"(r0) : "r"(r1) : "memory", "lr");
}

void arch_exit(int code)
{
	arch_irq_disable();
	if (code == 0) {
		arm_board_poweroff();	/* virt: PSCI SYSTEM_OFF; raspi2b has none */
		semihosting_exit(0);
	}
	if (code < 1 || code > 126)
		semihosting_exit(255);
	else
		semihosting_exit(2 * (uint32_t)code + 1);	/* as isa-debug-exit: (code << 1) | 1 */
	arch_halt_cpu();
}

struct arch_context {
	uint32_t r4, r5, r6, r7, r8, r9, r10, r11, r12, lr;
};

void arm_context_start(void);

struct arch_context *arch_context_init(void *stack_base, size_t stack_size,
				       void (*entry)(void *), void *arg)
{
	uintptr_t top = ALIGN_DOWN((uintptr_t)stack_base + stack_size, 16);
	struct arch_context *c = (struct arch_context *)(top - 16 - sizeof(*c));

	*c = (struct arch_context){ 0 };
	c->r4 = (uint32_t)(uintptr_t)entry;
	c->r5 = (uint32_t)(uintptr_t)arg;
	c->lr = (uint32_t)(uintptr_t)arm_context_start;
	return c;
}

void arch_context_free(struct arch_context *c)
{
	(void)c;	/* a context is only words on the thread's own stack */
}
