/* pci.c -- PCI configuration space through the host bridge's ECAM window (the device tree's
 * pci-host-ecam-generic). An ECAM read is one memory access: no lock. */
#include <kernel/kernel.h>

#include "arm.h"

uintptr_t arm_pci_io_base;	/* the I/O window's CPU address, 0 if none */
static uintptr_t ecam;
static uint64_t ecam_size;
static unsigned bus_first, bus_last;

void arm_pci_init(void)
{
	uint64_t base, size;
	uint32_t len;
	const void *p;

	if (arm_mach.pcie < 0 || fdt_reg(&arm_fdt, arm_mach.pcie, 0, &base, &size) < 0 ||
	    base >= 0x100000000ull) {
		kprintf("pci: no ECAM host bridge below 4 GiB (QEMU virt needs highmem=off)\n");
		return;
	}
	ecam = (uintptr_t)base;
	ecam_size = size;
	bus_first = 0;
	bus_last = (unsigned)(size >> 20) - 1;
	if ((p = fdt_prop(&arm_fdt, arm_mach.pcie, "bus-range", &len)) && len == 8) {
		bus_first = fdt_cell(p, 0);
		bus_last = MIN(fdt_cell(p, 1), bus_first + (unsigned)(size >> 20) - 1);
	}
	kprintf("pci: ECAM at %#lx, buses %u-%u\n", (unsigned long)ecam, bus_first, bus_last);
}

int arch_pci_config_read32(unsigned bus, unsigned dev, unsigned fn, unsigned reg, uint32_t *v)
{
	if (!ecam) {
		*v = 0xffffffffu;
		return -1;
	}
	if (bus < bus_first || bus > bus_last || dev > 31 || fn > 7 || reg > 0xffc) {
		*v = 0xffffffffu;
		return 0;
	}
	*v = arch_mmio_read32(ecam + ((bus - bus_first) << 20 | dev << 15 | fn << 12 | (reg & ~3u)));
	return 0;
}
