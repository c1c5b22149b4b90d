/* virt.c -- the board file of QEMU virt (arch/arm/boot.c calls it): the device tree (checked,
 * then read into arm_mach), the PCI host bridge, PSCI to start CPUs and power off. Nothing but
 * the early console address below is hard-coded: the rest comes from the tree QEMU passes in
 * r2 or puts below the image. */
#include <kernel/boot.h>
#include <kernel/kernel.h>

#include "arm.h"

/* The console before the device tree has been read, for reporting a malformed one: QEMU
 * virt's PL011. Used for nothing else. */
#define ARM_EARLY_UART	0x09000000u

extern char _kernel_start[], _kernel_end[];

struct fdt arm_fdt;

static char cmdline[CMDLINE_MAX];
static char loader[96];

static void copy_str(char *dst, size_t size, const char *s, uint32_t len)
{
	size_t i = 0;

	for (; s && i < len && s[i] && i + 1 < size; i++)
		dst[i] = s[i];
	dst[i] = '\0';
}

/* an interrupts property entry <type number flags> as a GIC id */
static unsigned gic_id(const void *p, unsigned i)
{
	unsigned type = fdt_cell(p, 3 * i), n = fdt_cell(p, 3 * i + 1);

	return type == 1 ? 16 + n : ARM_SPI(n);	/* 1: PPI, 0: SPI */
}

static void read_cpus(const struct fdt *f)
{
	int cpus = fdt_path(f, "/cpus"), depth = 0, want;

	if (cpus < 0)
		panic("boot: the device tree has no /cpus");
	/* depth of /cpus is 1: its children are at 2 */
	want = 2;
	depth = 1;
	for (int n = fdt_next_node(f, cpus, &depth); n >= 0 && depth >= want;
	     n = fdt_next_node(f, n, &depth)) {
		uint32_t len;
		const char *type = fdt_prop(f, n, "device_type", &len);
		const void *reg;

		if (depth != want || !type || strcmp(type, "cpu") != 0)
			continue;
		reg = fdt_prop(f, n, "reg", &len);
		if (!reg || len < 4)
			continue;
		if (arm_mach.ncpus >= NCPU || arm_mach.ncpus >= 8) {
			arm_mach.cpus_ignored++;
			continue;
		}
		arm_mach.mpidr[arm_mach.ncpus++] = fdt_cell(reg, len / 4 - 1);
	}
	if (arm_mach.ncpus == 0)
		panic("boot: the device tree names no CPU");
}

static void read_psci(const struct fdt *f)
{
	int n = fdt_compatible(f, -1, "arm,psci-0.2");
	uint32_t len;
	const char *method;
	const void *p;

	if (n < 0)
		n = fdt_compatible(f, -1, "arm,psci");
	if (n < 0)
		panic("boot: no PSCI node in the device tree: cannot start CPUs or power off");
	method = fdt_prop(f, n, "method", &len);
	if (!method || (strcmp(method, "hvc") && strcmp(method, "smc")))
		panic("boot: PSCI method is neither hvc nor smc");
	arm_mach.psci_smc = strcmp(method, "smc") == 0;
	arm_mach.psci_cpu_on = 0x84000003;	/* PSCI 0.2 ids; 0.1 names its own */
	arm_mach.psci_system_off = 0x84000008;
	if ((p = fdt_prop(f, n, "cpu_on", &len)) && len == 4 && fdt_compatible(f, -1,
										  "arm,psci-0.2") < 0)
		arm_mach.psci_cpu_on = fdt_cell(p, 0);
}

/* every device node under the root with a reg: mapped as device memory */
static void read_devices(const struct fdt *f)
{
	int depth = 0;

	for (int n = fdt_next_node(f, -1, &depth); n >= 0; n = fdt_next_node(f, n, &depth)) {
		uint64_t base, size;
		uint32_t len;
		const char *type = fdt_prop(f, n, "device_type", &len);

		if (depth != 1 || (type && strcmp(type, "memory") == 0))
			continue;
		for (unsigned i = 0; fdt_reg(f, n, i, &base, &size) == 0; i++)
			arm_add_device(base, size);
	}
}

static void read_machine(const struct fdt *f)
{
	uint64_t base, size;
	uint32_t len;
	const void *p;
	int n;

	arm_mach.model = fdt_prop(f, fdt_path(f, "/"), "model", &len);
	if (!arm_mach.model)
		arm_mach.model = "unnamed machine";
	read_cpus(f);
	read_psci(f);
	read_devices(f);

	n = fdt_path(f, "/memory");
	if (n < 0 || fdt_reg(f, n, 0, &base, &size) < 0 || base >= 0x100000000ull)
		panic("boot: the device tree has no usable /memory");
	arm_mach.ram_base = base;
	arm_mach.ram_size = MIN(size, 0x100000000ull - base);

	n = fdt_compatible(f, -1, "arm,pl011");
	if (n < 0 || fdt_reg(f, n, 0, &base, &size) < 0)
		panic("boot: no PL011 UART in the device tree");
	p = fdt_prop(f, n, "interrupts", &len);
	if (!p || len < 12)
		panic("boot: the PL011 has no interrupt");
	arm_mach.uart = (uintptr_t)base;
	if (gic_id(p, 0) < 32)
		panic("boot: the PL011's interrupt is not a shared peripheral interrupt");
	arm_mach.uart_line = gic_id(p, 0) - 32;

	n = fdt_compatible(f, -1, "arm,cortex-a15-gic");
	if (n < 0)
		n = fdt_compatible(f, -1, "arm,gic-400");
	if (n < 0 || fdt_reg(f, n, 0, &base, &size) < 0)
		panic("boot: no GICv2 in the device tree");
	arm_mach.gicd = (uintptr_t)base;
	if (fdt_reg(f, n, 1, &base, &size) < 0)
		panic("boot: the GIC has no CPU interface");
	arm_mach.gicc = (uintptr_t)base;

	n = fdt_compatible(f, -1, "arm,armv7-timer");
	p = n < 0 ? NULL : fdt_prop(f, n, "interrupts", &len);
	if (!p || len < 36)
		panic("boot: no generic timer (arm,armv7-timer with its PPIs) in the device tree");
	arm_mach.timer_irq = gic_id(p, 2);	/* secure phys, non-secure phys, virtual, hyp */

	arm_mach.pcie = fdt_compatible(f, -1, "pci-host-ecam-generic");

	n = fdt_compatible(f, -1, "arm,pl031");
	if (n >= 0 && fdt_reg(f, n, 0, &base, &size) == 0)
		arm_mach.rtc = (uintptr_t)base;
	arm_pci_windows();

	n = fdt_path(f, "/chosen");
	if (n >= 0 && (p = fdt_prop(f, n, "bootargs", &len)))
		copy_str(cmdline, sizeof(cmdline), p, len);
}

static void read_memmap(const struct fdt *f, uintptr_t dtb, struct memmap *m)
{
	const uint8_t *rsv = f->blob + fdt_cell(f->blob, 4);	/* memory reservation block */

	memmap_init(m);
	memmap_add(m, arm_mach.ram_base, arm_mach.ram_size, MEM_USABLE);
	/* below the image: where QEMU put the device tree and would put a boot loader */
	memmap_add(m, arm_mach.ram_base, (uintptr_t)_kernel_start - arm_mach.ram_base, MEM_KERNEL);
	memmap_add(m, (uintptr_t)_kernel_start, (uintptr_t)(_kernel_end - _kernel_start),
		   MEM_KERNEL);
	memmap_add(m, dtb, f->size, MEM_KERNEL);
	for (unsigned i = 0; fdt_cell(f->blob, 4) + 16 * (i + 1) <= f->size; i++) {
		uint64_t base = fdt_cells(rsv, 4 * i, 2), size = fdt_cells(rsv, 4 * i + 2, 2);

		if (!size)
			break;
		memmap_add(m, base, size, MEM_RESERVED);
	}
}

/* QEMU -kernel with an ELF image leaves r2 0 (it passes the tree only to Linux images) and puts
 * the tree at the start of RAM, which link.ld places 2 MiB below the image: look there. */
static uintptr_t find_dtb(void)
{
	for (uintptr_t a = (uintptr_t)_kernel_start - 4096; a >= (uintptr_t)_kernel_start - 0x200000;
	     a -= 4096)
		if (fdt_cell((const void *)a, 0) == 0xd00dfeed)
			return a;
	return 0;
}

void arm_board_probe(uint32_t r1, uint32_t r2, struct boot_info *boot)
{
	uintptr_t dtb = r2;
	const char *why;

	(void)r1;
	arm_mach.uart = ARM_EARLY_UART;
	if (dtb == 0)
		dtb = find_dtb();
	if (fdt_open(&arm_fdt, (const void *)dtb, &why) < 0)
		panic("boot: the device tree at %#lx (r2) is malformed: %s", (unsigned long)dtb, why);
	read_machine(&arm_fdt);
	read_memmap(&arm_fdt, dtb, &boot->memmap);
	ksnprintf(loader, sizeof(loader), "QEMU -kernel (%s, device tree at %#lx)", arm_mach.model,
		  (unsigned long)dtb);
	boot->cmdline = cmdline;
	boot->loader = loader;
	boot->topology = "the device tree";
}

void arm_board_devices(void)
{
	kprintf("arm: %s: %u CPUs (PSCI by %s), GICv2 distributor %#lx CPU interface %#lx, PL011 "
		"%#lx irq %u, timer PPI %u\n", arm_mach.model, arm_mach.ncpus,
		arm_mach.psci_smc ? "smc" : "hvc", (unsigned long)arm_mach.gicd,
		(unsigned long)arm_mach.gicc, (unsigned long)arm_mach.uart,
		ARM_SPI(arm_mach.uart_line), arm_mach.timer_irq);
	if (arm_mach.cpus_ignored)
		kprintf("arm: %u more CPUs ignored (at most %u)\n", arm_mach.cpus_ignored,
			arm_mach.ncpus);
	arm_pci_init();
}

int arm_psci_call(uint32_t fn, uint32_t a1, uint32_t a2, uint32_t a3)
{
	register uint32_t r0 __asm__("r0") = fn;
	register uint32_t r1 __asm__("r1") = a1;
	register uint32_t r2 __asm__("r2") = a2;
	register uint32_t r3 __asm__("r3") = a3;

	if (arm_mach.psci_smc)
		__asm__ __volatile__(".arch_extension sec\n\tsmc #0"
				     : "+r"(r0), "+r"(r1), "+r"(r2), "+r"(r3) : : "memory");
	else
		__asm__ __volatile__(".arch_extension virt\n\thvc #0"
				     : "+r"(r0), "+r"(r1), "+r"(r2), "+r"(r3) : : "memory");
	return (int)r0;
}

/* PSCI CPU_ON with the index as the context id, which arm_secondary_entry takes from r0 */
int arm_board_cpu_start(unsigned cpu, uintptr_t entry)
{
	return arm_psci_call(arm_mach.psci_cpu_on, arm_mach.mpidr[cpu], (uint32_t)entry, cpu);
}

void arm_board_poweroff(void)
{
	arm_psci_call(arm_mach.psci_system_off, 0, 0, 0);	/* QEMU exits 0 */
}
