/* vectors.S -- the exception vector table (VBAR) and its entries. Every exception saves its
 * frame (struct arm_trapframe) on the SVC stack, the interrupted thread's own: srsdb stores the
 * return address and SPSR there, then the handler runs in SVC mode. So an interrupt handler
 * may switch threads (kernel_irq_exit) and resume later, on any CPU, as on x86. */
	.arm
	.text
	.align 5
	.globl arm_vectors
arm_vectors:
	b vec_reset
	b vec_undef
	b vec_svc
	b vec_pabt
	b vec_dabt
	b vec_reset
	b vec_irq
	b vec_fiq

/* entry ADJUST HANDLER KIND: lr - ADJUST is where the exception struck (or resumes, for IRQ) */
	.macro entry adjust, handler, kind
	sub lr, lr, #\adjust
	srsdb sp!, #0x13		/* push lr, spsr on the SVC-mode stack */
	cps #0x13
	push {r0-r12, lr}		/* lr: the interrupted SVC-mode lr */
	mov r0, sp
	mov r4, sp
	bic sp, sp, #7			/* AAPCS: 8-byte aligned at calls */
	mov r1, #\kind
	bl \handler
	mov sp, r4
	clrex
	pop {r0-r12, lr}
	rfeia sp!
	.endm

vec_reset:	entry 4, arm_exception, 0
vec_undef:	entry 4, arm_exception, 1
vec_svc:	entry 0, arm_exception, 2
vec_pabt:	entry 4, arm_exception, 3
vec_dabt:	entry 8, arm_exception, 4
vec_irq:	entry 4, arm_irq_dispatch, 6
vec_fiq:	entry 4, arm_exception, 7
