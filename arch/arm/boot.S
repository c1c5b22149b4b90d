/* boot.S -- entry points. The boot CPU arrives at _start (QEMU -kernel: SVC mode, MMU and caches
 * off; virt: the device tree's address in r2 or 0; raspi2b: the machine id in r1, the ATAGs'
 * address in r2) and runs C on boot_stack; each other CPU arrives at arm_secondary_entry (from
 * PSCI CPU_ON on virt, from QEMU's mailbox-polling stub on raspi2b) with its index in r0, turns
 * its MMU on before it touches memory (so no line its caches hold can be stale), then runs C
 * on its own stack. */
#define PERCPU_SIZE	16	/* sizeof(struct arm_percpu) */
#define PERCPU_STACK_HI	8

	.arm
	.section .text.boot, "ax"
	.globl _start
_start:
	cpsid aif
	mov r4, r1			/* machine id */
	mov r5, r2			/* ATAGs or device tree */
	ldr r0, =_bss_start		/* the loader may not have cleared it */
	ldr r1, =_bss_end
	mov r3, #0
1:	cmp r0, r1
	strlo r3, [r0], #4
	blo 1b
	ldr sp, =boot_stack_top
	mov fp, #0
	mov r0, r4
	mov r1, r5
	bl arm_boot_main
2:	wfi
	b 2b

	.text
	.globl arm_secondary_entry
arm_secondary_entry:
	cpsid aif
	mov r4, r0			/* CPU index (virt: CPU_ON's context id; raspi2b: the core) */
	bl arm_mmu_on
	ldr r1, =arm_percpu
	mov r2, #PERCPU_SIZE
	mla r1, r4, r2, r1
	ldr sp, [r1, #PERCPU_STACK_HI]
	mov fp, #0
	mov r0, r4
	bl arm_secondary_main
6:	wfi
	b 6b

/* arm_mmu_on: invalidate this CPU's L1 data cache, TLBs, instruction cache and branch
 * predictor, then turn on the MMU (table arm_ttbr0, written by arm_mmu_build) and the caches.
 * Uses r0-r3 and ip only, and no stack: secondaries call it with none. */
	.globl arm_mmu_on
arm_mmu_on:
	mov r0, #0
	mcr p15, 2, r0, c0, c0, 0	/* CSSELR: L1 data cache */
	isb
	mrc p15, 1, r0, c0, c0, 0	/* CCSIDR */
	movw r3, #0x3ff
	and r3, r3, r0, lsr #3		/* ways - 1 */
	clz r1, r3			/* way shift */
	mov r2, #1
	mov r3, r3, lsl r1
	movs r1, r2, lsl r1
	moveq r1, #1
	and r2, r0, #7
	add r2, r2, #4			/* set shift: log2(line bytes) */
3:	movw ip, #0x7fff
	and r0, ip, r0, lsr #13		/* sets - 1 */
4:	mov ip, r0, lsl r2
	orr ip, ip, r3
	mcr p15, 0, ip, c7, c6, 2	/* DCISW: invalidate by set/way */
	subs r0, r0, #1
	bpl 4b
	subs r3, r3, r1
	bcc 5f
	mrc p15, 1, r0, c0, c0, 0
	b 3b
5:	dsb
	mov r0, #0
	mcr p15, 0, r0, c2, c0, 2	/* TTBCR: TTBR0 only, short descriptors */
	mov r0, #1
	mcr p15, 0, r0, c3, c0, 0	/* DACR: domain 0 client (permissions checked) */
	ldr r0, =arm_ttbr0
	ldr r0, [r0]
	mcr p15, 0, r0, c2, c0, 0	/* TTBR0 */
	mov r0, #0
	mcr p15, 0, r0, c8, c7, 0	/* TLBIALL */
	mcr p15, 0, r0, c7, c5, 0	/* ICIALLU */
	mcr p15, 0, r0, c7, c5, 6	/* BPIALL */
	dsb
	isb
	mrc p15, 0, r0, c1, c0, 1	/* ACTLR.SMP: take part in coherency (before caches on) */
	orr r0, r0, #(1 << 6)
	mcr p15, 0, r0, c1, c0, 1
	isb
	mrc p15, 0, r0, c1, c0, 0	/* SCTLR */
	bic r0, r0, #(1 << 1)		/* A: unaligned normal accesses allowed */
	bic r0, r0, #(1 << 28)		/* TRE off: TEX/C/B as written */
	bic r0, r0, #(1 << 29)		/* AFE off: AP[0] is an access permission */
	bic r0, r0, #(1 << 13)		/* V: vectors at VBAR */
	orr r0, r0, #(1 << 0)		/* M */
	orr r0, r0, #(1 << 2)		/* C */
	orr r0, r0, #(1 << 11)		/* Z: branch prediction */
	orr r0, r0, #(1 << 12)		/* I */
	mcr p15, 0, r0, c1, c0, 0
	isb
	bx lr

	.bss
	.align 12
	.globl boot_stack, boot_stack_top
boot_stack:
	.skip 32768
boot_stack_top:
