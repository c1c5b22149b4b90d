/* context.c -- arch_context_init/arch_context_switch for the hosted build.
 * A context lives at the top of its thread's stack (as on x86); each CPU thread's own stack
 * gets one in TLS the first time it switches away. Interrupts (host_irq_on, per CPU thread) stay
 * off across the switch. Under ASan and TSan every switch is announced through their fiber APIs.
 * On x86-64 the switch is ours (host_switch below: the callee-saved registers, MXCSR and the x87
 * control word pushed on the outgoing stack, as the kernel's own switch does); elsewhere
 * ucontext. swapcontext also sets the signal mask, a system call per switch that nothing here
 * needs (no context masks signals): 0.5-1 us of every cross-CPU channel-send under PVM
 * (issue 13's share benchmark). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <ucontext.h>

#include <arch.h>

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define HOST_ASAN 1
#endif
#if __has_feature(thread_sanitizer)
#define HOST_TSAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) && !defined(HOST_ASAN)
#define HOST_ASAN 1
#endif
#if defined(__SANITIZE_THREAD__) && !defined(HOST_TSAN)
#define HOST_TSAN 1
#endif

#ifdef HOST_ASAN
#include <sanitizer/common_interface_defs.h>
#endif
#ifdef HOST_TSAN
#include <sanitizer/tsan_interface.h>
#endif

#if defined(__x86_64__)
#define HOST_OWN_SWITCH 1
#endif

struct arch_context {
#ifdef HOST_OWN_SWITCH
	void *sp;			/* saved by host_switch while switched out */
#else
	ucontext_t uc;
#endif
	void (*entry)(void *);
	void *arg;
	const void *stack_bottom;	/* for ASan: the stack this context runs on */
	size_t stack_size;
	void *fake_stack;		/* ASan's fake stack while switched out */
	void *fiber;			/* TSan's fiber */
};

static __thread struct arch_context boot_context;	/* the CPU thread's own stack */
static __thread struct arch_context *running;	/* NULL until the first switch: boot_context */
static __thread struct arch_context *switched_from;

/* After a switch, in the incoming context: tell ASan, and learn the outgoing stack's bounds
 * (the only way to know the CPU thread's own). */
static void finish_switch(struct arch_context *me)
{
#ifdef HOST_ASAN
	__sanitizer_finish_switch_fiber(me->fake_stack, &switched_from->stack_bottom,
					&switched_from->stack_size);
#else
	(void)me;
#endif
}

#ifdef HOST_OWN_SWITCH
/* host_switch(&from->sp, to->sp): push rbp, rbx, r12-r15 and an 8-byte slot holding MXCSR
 * (low half) and the x87 control word, save rsp, load the other stack, pop the same. */
void host_switch(void **save_sp, void *load_sp);
__asm__(".text\n"
	".globl host_switch\n"
	".type host_switch, @function\n"
	"host_switch:\n"
	"	pushq %rbp\n"
	"	pushq %rbx\n"
	"	pushq %r12\n"
	"	pushq %r13\n"
	"	pushq %r14\n"
	"	pushq %r15\n"
	"	subq $8, %rsp\n"
	"	stmxcsr (%rsp)\n"
	"	fnstcw 4(%rsp)\n"
	"	movq %rsp, (%rdi)\n"
	"	movq %rsi, %rsp\n"
	"	ldmxcsr (%rsp)\n"
	"	fldcw 4(%rsp)\n"
	"	addq $8, %rsp\n"
	"	popq %r15\n"
	"	popq %r14\n"
	"	popq %r13\n"
	"	popq %r12\n"
	"	popq %rbx\n"
	"	popq %rbp\n"
	"	ret\n"
	".size host_switch, .-host_switch\n");
#endif

static void context_start(void)
{
	struct arch_context *me = running;

	finish_switch(me);
	me->entry(me->arg);
	fprintf(stderr, "host: context entry returned\n");
	abort();
}

struct arch_context *arch_context_init(void *stack_base, size_t stack_size,
				       void (*entry)(void *), void *arg)
{
	uintptr_t top = ((uintptr_t)stack_base + stack_size - sizeof(struct arch_context)) & ~(uintptr_t)63;
	struct arch_context *c = (struct arch_context *)top;

#ifdef HOST_OWN_SWITCH
	{
		/* What host_switch pops, below the context: the FP control slot, six zero
		 * registers, then context_start as the return address, at a 16-byte boundary so
		 * that context_start begins as a called function does (rsp = 8 mod 16). */
		uint64_t *sp = (uint64_t *)(((uintptr_t)c - 64) & ~(uintptr_t)15);

		*--sp = 0;				/* where context_start would return: never */
		*--sp = (uint64_t)(uintptr_t)context_start;
		for (int i = 0; i < 6; i++)
			*--sp = 0;			/* rbp rbx r12 r13 r14 r15 */
		*--sp = 0x1f80 | (uint64_t)0x037f << 32;	/* MXCSR, x87 control word: defaults */
		c->sp = sp;
	}
#else
	if (getcontext(&c->uc) != 0) {
		perror("getcontext");
		abort();
	}
	c->uc.uc_stack.ss_sp = stack_base;
	c->uc.uc_stack.ss_size = top - (uintptr_t)stack_base;
	c->uc.uc_link = NULL;
	makecontext(&c->uc, context_start, 0);
#endif
	c->entry = entry;
	c->arg = arg;
	c->stack_bottom = stack_base;
	c->stack_size = top - (uintptr_t)stack_base;
	c->fake_stack = NULL;
#ifdef HOST_TSAN
	c->fiber = __tsan_create_fiber(0);
#else
	c->fiber = NULL;
#endif
	return c;
}

void arch_context_switch(struct arch_context **save, struct arch_context *load)
{
	struct arch_context *me = running;

	if (arch_irqs_enabled()) {
		fprintf(stderr, "host: arch_context_switch with interrupts on\n");
		abort();
	}
	if (!me) {
		me = &boot_context;
#ifdef HOST_TSAN
		me->fiber = __tsan_get_current_fiber();
#endif
	}
	*save = me;
	running = load;
	switched_from = me;
#ifdef HOST_ASAN
	__sanitizer_start_switch_fiber(&me->fake_stack, load->stack_bottom, load->stack_size);
#endif
#ifdef HOST_TSAN
	__tsan_switch_to_fiber(load->fiber, 0);
#endif
#ifdef HOST_OWN_SWITCH
	host_switch(&me->sp, load->sp);
#else
	if (swapcontext(&me->uc, &load->uc) != 0) {
		perror("swapcontext");
		abort();
	}
#endif
	finish_switch(me);
}

/* The context will never be loaded again (its thread is dead); we run on another stack. */
void arch_context_free(struct arch_context *c)
{
#ifdef HOST_TSAN
	if (c->fiber)
		__tsan_destroy_fiber(c->fiber);
	c->fiber = NULL;
#else
	(void)c;
#endif
}
