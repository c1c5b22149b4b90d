/* switch.S -- arch_context_switch(save, load): push the callee-saved registers, store the stack
 * pointer in *save, load the other stack, pop and return into the other thread. A context is
 * just that saved stack pointer. */
	.text
	.globl arch_context_switch, x86_context_start
arch_context_switch:
	movl 4(%esp), %eax	/* save */
	movl 8(%esp), %edx	/* load */
	pushl %ebp
	pushl %ebx
	pushl %esi
	pushl %edi
	movl %esp, (%eax)
	movl %edx, %esp
	popl %edi
	popl %esi
	popl %ebx
	popl %ebp
	ret

/* first switch into a new thread lands here: entry in %esi, argument in %edi */
x86_context_start:
	pushl %edi
	xorl %ebp, %ebp
	call *%esi
1:	cli
	hlt
	jmp 1b
