/* isr.S -- one stub per vector: push a dummy error code where the CPU pushes none, push the
 * vector, save registers into a struct trapframe and call x86_trap(frame). */
	.macro stub n
	.align 16
isr\n:
	.if (\n == 8) || (\n >= 10 && \n <= 14) || (\n == 17) || (\n == 21) || (\n == 29) || (\n == 30)
	.else
	pushl $0
	.endif
	pushl $\n
	jmp isr_common
	.endm

	.text
	.globl isr_stubs_start
isr_stubs_start:
	.altmacro
	.set i, 0
	.rept 256
	stub %i
	.set i, i + 1
	.endr

isr_common:
	pusha
	pushl %ds
	pushl %es
	pushl %fs
	pushl %gs
	movw $0x10, %ax
	movw %ax, %ds
	movw %ax, %es
	cld
	pushl %esp
	call x86_trap
	addl $4, %esp
	addl $4, %esp		/* not %gs: it names this CPU, and the thread may resume on another */
	popl %fs
	popl %es
	popl %ds
	popa
	addl $8, %esp
	/* Return without iret: everything runs in ring 0, so iret's privilege and stack switch are
	 * never needed, and a nested KVM host we test on fails to emulate it. Turn the frame
	 * (eip, cs, eflags) into (eflags, eip), then popf; ret. An interrupt taken between the
	 * two nests harmlessly on this stack. NMIs stay blocked after one (we only use NMI to stop
	 * a CPU for good). */
	pushl %eax
	movl 12(%esp), %eax	/* eflags */
	xchgl %eax, 4(%esp)	/* eip slot <- eflags, eax <- eip */
	movl %eax, 8(%esp)	/* cs slot <- eip */
	popl %eax
	popfl
	ret $4			/* pop eip, then discard the old eflags slot */
