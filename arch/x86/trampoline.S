/* trampoline.S -- application processors start here in real mode after SIPI. The BSP copies this
 * code to TRAMP_BASE (below 1 MiB, page aligned) and fills the mailbox at its end: page directory,
 * stack, entry. We go to protected mode, turn paging on, and call the entry. */
#define TRAMP_BASE	0x8000
#define ABS(x)		(TRAMP_BASE + (x) - trampoline_start)

	.text
	.code16
	.globl trampoline_start, trampoline_end, tramp_cr3, tramp_stack, tramp_entry
trampoline_start:
	cli
	cld
	xorw %ax, %ax
	movw %ax, %ds
	lgdtl ABS(tramp_gdt_desc)
	movl %cr0, %eax
	orl $1, %eax
	movl %eax, %cr0
	ljmpl $0x08, $ABS(tramp_pm)

	.code32
tramp_pm:
	movw $0x10, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss
	movw %ax, %fs
	movw %ax, %gs
	movl ABS(tramp_cr3), %eax	/* 0: the boot CPU could not turn paging on */
	testl %eax, %eax
	jz 1f
	movl %eax, %cr3
	movl %cr4, %eax
	orl $0x20, %eax			/* PAE */
	movl %eax, %cr4
	movl %cr0, %eax
	orl $0x80010000, %eax		/* PG, WP */
	movl %eax, %cr0
1:
	movl ABS(tramp_stack), %esp
	xorl %ebp, %ebp
	movl ABS(tramp_entry), %eax
	call *%eax
2:	hlt
	jmp 2b

	.align 8
tramp_gdt:
	.quad 0
	.quad 0x00CF9A000000FFFF	/* code, flat 4 GiB */
	.quad 0x00CF92000000FFFF	/* data, flat 4 GiB */
tramp_gdt_desc:
	.word 23
	.long ABS(tramp_gdt)
	.align 4
tramp_cr3:	.long 0
tramp_stack:	.long 0
tramp_entry:	.long 0
trampoline_end:
