/* boot.c -- ARM bring-up on the boot CPU, the same on every board: the board file describes the
 * machine (virt.c from the device tree, raspi.c from the ATAGs and the BCM2836's fixed map),
 * then the identity map and caches, vectors, the interrupt controller, the timer, the PL011 and
 * the board's buses; then the portable kmain. */
#include <kernel/boot.h>
#include <kernel/kernel.h>

#include "arm.h"

extern char boot_stack[], boot_stack_top[];

struct arm_machine arm_mach = { .pcie = -1 };
struct arm_percpu arm_percpu[NCPU];

static struct boot_info boot;

void arm_add_device(uint64_t base, uint64_t size)
{
	if (arm_mach.ndev < ARM_MAX_DEVREGS && base < 0x100000000ull && size) {
		arm_mach.dev[arm_mach.ndev].base = (uintptr_t)base;
		arm_mach.dev[arm_mach.ndev].size = (uintptr_t)MIN(size, 0x100000000ull - base);
		arm_mach.ndev++;
	}
}

void arm_vectors_install(void)
{
	extern char arm_vectors[];

	__asm__ __volatile__("mcr p15, 0, %0, c12, c0, 0\n\tisb" : : "r"(arm_vectors) : "memory");
}

void arm_mmu_on(void);
void arm_boot_main(uint32_t r1, uint32_t r2);

/* r1, r2: what the loader passed (QEMU: the machine id and the ATAGs or device tree address) */
void arm_boot_main(uint32_t r1, uint32_t r2)
{
	__asm__ __volatile__("mcr p15, 0, %0, c13, c0, 4" : : "r"(0));	/* TPIDRPRW: cpu 0 */
	arm_percpu[0].id = 0;
	arm_percpu[0].stack_lo = (uintptr_t)boot_stack;
	arm_percpu[0].stack_hi = (uintptr_t)boot_stack_top;
	arm_vectors_install();
	arm_board_probe(r1, r2, &boot);
	arm_mmu_build();
	arm_mmu_on();

	arm_uart_init();
	arm_intc_init();
	arm_intc_cpu_init();
	arm_timer_init();
	arm_board_devices();
	arm_uart_enable_rx();
	kmain(&boot);
}
