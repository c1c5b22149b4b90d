/* boot.S -- multiboot (v1) header and entry: a stack, then x86_boot_main(magic, info). */
#define MB_MAGIC	0x1BADB002
#define MB_FLAGS	((1 << 0) | (1 << 1))	/* modules page-aligned, memory map wanted */

	.section .multiboot, "a"
	.align 4
	.long MB_MAGIC
	.long MB_FLAGS
	.long -(MB_MAGIC + MB_FLAGS)

	.text
	.globl _start
_start:
	cli
	cld
	movl $boot_stack_top, %esp
	xorl %ebp, %ebp
	pushl %ebx		/* multiboot info */
	pushl %eax		/* loader magic */
	call x86_boot_main
1:	cli
	hlt
	jmp 1b

	.bss
	.align 16
	.globl boot_stack, boot_stack_top
boot_stack:
	.skip 32768
boot_stack_top:
