/* raspi.c -- the board file of QEMU raspi2b (a Raspberry Pi 2B: BCM2836, four Cortex-A7 cores).
 * QEMU loads the raw image (kernel.img) at 0x10000 as it would Linux and passes the machine id
 * in r1 and ATAGs in r2: the memory (1 GiB less the GPU's 64 MiB) and -append's command line.
 * Nothing describes the rest (no device tree unless -dtb is given, and none comes with QEMU or
 * the packages scripts/deps.sh installs), so the SoC's fixed map is written down here: the
 * peripheral window, the local block, the PL011 and its interrupt, the four cores. Secondary
 * cores wait in QEMU's stub at 0x300 polling their mailbox 3 for an entry address; no PSCI
 * (power-off is semihosting's, machine.c), no PCI. */
#include <kernel/boot.h>
#include <kernel/kernel.h>

#include "arm.h"

#define PERIPH_BASE	0x3f000000u	/* the BCM2835 peripherals as the ARM cores see them */
#define PERIPH_SIZE	0x01000000u
#define LOCAL_BASE	0x40000000u	/* the BCM2836 local block (bcm2836.c) */
#define LOCAL_SIZE	0x00100000u	/* 256 bytes, mapped as one section */
#define UART0		(PERIPH_BASE + 0x201000)	/* PL011, QEMU's serial0 */
#define UART0_LINE	9		/* BCM2835 interrupt 57 (bcm2836.c: lines from 48) */
#define MBOX3_SET(c)	(LOCAL_BASE + 0x8c + 16 * (c))	/* what QEMU's stub polls (clear side) */
#define NCORES		4
#define MACH_BCM2708	0xc42		/* the machine id QEMU passes for every Pi */

enum atag {
	ATAG_NONE = 0,
	ATAG_CORE = 0x54410001,
	ATAG_MEM = 0x54410002,		/* size, start */
	ATAG_CMDLINE = 0x54410009,	/* a NUL-terminated string */
};

extern char _kernel_start[], _kernel_end[];

uintptr_t arm_pci_io_base;	/* no PCI: ports read all ones */
static char cmdline[CMDLINE_MAX];
static char loader[96];
static uint32_t machine_id;

/* The ATAGs at r2 (QEMU: 0x100), read before the MMU is on (page 0 is never mapped after). */
static void read_atags(uint32_t at)
{
	const uint32_t *t = (const uint32_t *)(uintptr_t)at;
	const uint32_t *end = (const uint32_t *)_kernel_start;

	if (!at || (at & 3) || at >= (uintptr_t)_kernel_start || t[1] != ATAG_CORE)
		panic("boot: no ATAGs at %#x (r2): QEMU raspi2b passes them with a raw image "
		      "(kernel.img), not with an ELF", at);
	while (t + 2 <= end && t[0] >= 2 && t + t[0] <= end && t[1] != ATAG_NONE) {
		if (t[1] == ATAG_MEM && t[0] >= 4) {
			arm_mach.ram_size = t[2];
			arm_mach.ram_base = t[3];
		} else if (t[1] == ATAG_CMDLINE) {
			const char *s = (const char *)(t + 2);
			size_t i, max = (t[0] - 2) * 4;

			for (i = 0; i < max && s[i] && i + 1 < sizeof(cmdline); i++)
				cmdline[i] = s[i];
			cmdline[i] = '\0';
		}
		t += t[0];
	}
	if (!arm_mach.ram_size)
		panic("boot: the ATAGs at %#x name no memory", at);
}

void arm_board_probe(uint32_t r1, uint32_t r2, struct boot_info *boot)
{
	struct memmap *m = &boot->memmap;
	uint32_t mpidr;

	arm_mach.uart = UART0;
	arm_mach.model = "Raspberry Pi 2B (BCM2836)";
	read_atags(r2);
	arm_mach.uart_line = UART0_LINE;
	__asm__ __volatile__("mrc p15, 0, %0, c0, c0, 5" : "=r"(mpidr));
	arm_mach.ncpus = MIN(NCORES, NCPU);
	arm_mach.cpus_ignored = NCORES - arm_mach.ncpus;
	for (unsigned i = 0; i < arm_mach.ncpus; i++)
		arm_mach.mpidr[i] = (mpidr & 0xff00) | i;	/* cluster 0xf, core i */
	arm_add_device(PERIPH_BASE, PERIPH_SIZE);
	arm_add_device(LOCAL_BASE, LOCAL_SIZE);

	memmap_init(m);
	memmap_add(m, arm_mach.ram_base, arm_mach.ram_size, MEM_USABLE);
	/* below the image: QEMU's boot stubs (0x0, the secondaries' loop at 0x300) and the ATAGs */
	memmap_add(m, 0, (uintptr_t)_kernel_end, MEM_KERNEL);

	ksnprintf(loader, sizeof(loader), "QEMU -kernel (%s, machine id %#x, ATAGs at %#x)",
		  arm_mach.model, r1, r2);
	machine_id = r1;
	boot->cmdline = cmdline;
	boot->loader = loader;
	boot->topology = "the BCM2836 (four cores, built in)";
}

void arm_board_devices(void)
{
	kprintf("arm: %s: %u CPUs (started through mailbox 3), interrupts: BCM2836 local "
		"controller %#x (timers, mailbox IPIs) and BCM2835 controller %#x, PL011 %#lx irq "
		"%u (line %u), generic timer %u Hz (virtual timer through the local controller); "
		"no PCI\n", arm_mach.model, arm_mach.ncpus, LOCAL_BASE, PERIPH_BASE + 0xb200,
		(unsigned long)arm_mach.uart, 48 + arm_mach.uart_line, arm_mach.uart_line,
		(unsigned)arch_cycles_per_sec());
	if (machine_id != MACH_BCM2708)
		kprintf("arm: machine id %#x, not the BCM2708's %#x\n", machine_id, MACH_BCM2708);
}

/* QEMU's stub (hw/arm/raspi.c) polls its core's mailbox 3, clears it and jumps there with the
 * core number in r0: our index, since cores start in order and a failure stops the rest */
int arm_board_cpu_start(unsigned cpu, uintptr_t entry)
{
	if (cpu >= NCORES)
		return -1;
	arch_mmio_write32(MBOX3_SET(cpu), (uint32_t)entry);
	__asm__ __volatile__("dsb\n\tsev" ::: "memory");	/* a firmware stub that waits in wfe */
	return 0;
}

void arm_board_poweroff(void)
{
}

int arch_pci_config_read32(unsigned bus, unsigned dev, unsigned fn, unsigned reg, uint32_t *v)
{
	(void)bus, (void)dev, (void)fn, (void)reg;
	*v = 0xffffffffu;
	return -1;
}

int arch_pci_config_write32(unsigned bus, unsigned dev, unsigned fn, unsigned reg, uint32_t v)
{
	(void)bus, (void)dev, (void)fn, (void)reg, (void)v;
	return -1;
}
