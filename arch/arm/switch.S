/* switch.S -- arch_context_switch(save, load): push the callee-saved registers and lr, store
 * the stack pointer in *save, load the other stack, pop and return into the other thread. A
 * context is that saved stack pointer (struct arch_context in machine.c gives the layout). */
	.arm
	.text
	.globl arch_context_switch, arm_context_start
arch_context_switch:
	push {r4-r12, lr}		/* ten words: the stack stays 8-byte aligned */
	str sp, [r0]
	mov sp, r1
	clrex				/* no exclusive reservation crosses threads */
	pop {r4-r12, lr}
	bx lr

/* first switch into a new thread lands here: entry in r4, argument in r5 */
arm_context_start:
	mov r0, r5
	mov fp, #0
	blx r4
1:	cpsid i
	wfi
	b 1b
