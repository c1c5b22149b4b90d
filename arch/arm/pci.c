/* pci.c -- PCI on the device tree's generic ECAM host bridge (pci-host-ecam-generic): config
 * space is memory, one access per register, so no lock. No firmware runs before us on virt, so
 * this file is the firmware too: at boot it gives every BAR of bus 0's functions an address in
 * the bridge's windows (ranges), turns on decoding and bus mastering, and writes each function's
 * interrupt line register with its GIC SPI number (interrupt-map), the line arch_irq_route takes.
 * Ports (arch_in8 ...) are offsets in the I/O window, which arm_pci_io_base maps. Limits: bus 0
 * only (no bridges behind it on virt), 32-bit windows only (highmem=off). */
#include <kernel/kernel.h>

#include "arm.h"

uintptr_t arm_pci_io_base;	/* the I/O window's CPU address, 0 if none */
static uintptr_t ecam;
static unsigned bus_first, bus_last;

/* a window of the bridge: PCI addresses [next, end) still free; cpu = CPU address of PCI 0 */
struct window {
	uint64_t pci, cpu, size;
	uint64_t next;
};
static struct window io_win, mem_win;

enum pci_reg {
	PCI_ID = 0x00,
	PCI_COMMAND = 0x04,	/* bit 0 I/O, bit 1 memory, bit 2 bus master */
	PCI_CLASS = 0x08,
	PCI_HEADER = 0x0c,	/* byte 2: header type, bit 7 multi-function */
	PCI_BAR0 = 0x10,
	PCI_INTERRUPT = 0x3c,	/* byte 0 line (ours to write), byte 1 pin (1 = INTA) */
};

static uint32_t cfg_addr(unsigned bus, unsigned dev, unsigned fn, unsigned reg)
{
	return (bus - bus_first) << 20 | dev << 15 | fn << 12 | (reg & 0xffc);
}

static int cfg_ok(unsigned bus, unsigned dev, unsigned fn, unsigned reg)
{
	return ecam && bus >= bus_first && bus <= bus_last && dev <= 31 && fn <= 7 && reg <= 0xffc;
}

int arch_pci_config_read32(unsigned bus, unsigned dev, unsigned fn, unsigned reg, uint32_t *v)
{
	*v = 0xffffffffu;
	if (!ecam)
		return -1;
	if (cfg_ok(bus, dev, fn, reg))
		*v = arch_mmio_read32(ecam + cfg_addr(bus, dev, fn, reg));
	return 0;
}

int arch_pci_config_write32(unsigned bus, unsigned dev, unsigned fn, unsigned reg, uint32_t v)
{
	if (!ecam)
		return -1;
	if (cfg_ok(bus, dev, fn, reg))
		arch_mmio_write32(ecam + cfg_addr(bus, dev, fn, reg), v);
	return 0;
}

static uint32_t rd(unsigned dev, unsigned fn, unsigned reg)
{
	uint32_t v;

	arch_pci_config_read32(bus_first, dev, fn, reg, &v);
	return v;
}

static void wr(unsigned dev, unsigned fn, unsigned reg, uint32_t v)
{
	arch_pci_config_write32(bus_first, dev, fn, reg, v);
}

/* Before the MMU is on: the bridge's windows (ranges), to be mapped as device memory. */
void arm_pci_windows(void)
{
	unsigned ac, sc, pac = 3, psc = 2;
	uint32_t len;
	const void *p, *c;

	if (arm_mach.pcie < 0)
		return;
	fdt_reg_cells(&arm_fdt, arm_mach.pcie, &ac, &sc);	/* the parent's: CPU addresses */
	if ((c = fdt_prop(&arm_fdt, arm_mach.pcie, "#size-cells", &len)) && len == 4)
		psc = fdt_cell(c, 0);
	p = fdt_prop(&arm_fdt, arm_mach.pcie, "ranges", &len);
	for (unsigned i = 0, n = pac + ac + psc; p && ac <= 2 && psc <= 2 && (i + 1) * n * 4 <= len;
	     i++) {
		uint32_t space = fdt_cell(p, i * n) >> 24 & 3;
		struct window w = {
			.pci = fdt_cells(p, i * n + 1, 2),
			.cpu = fdt_cells(p, i * n + pac, ac),
			.size = fdt_cells(p, i * n + pac + ac, psc),
		};

		w.next = w.pci;
		if (w.cpu + w.size > 0x100000000ull)
			continue;	/* out of a 32-bit kernel's reach */
		if (space == 1 && !io_win.size)
			io_win = w;
		else if (space == 2 && !mem_win.size)
			mem_win = w;
	}
	if (io_win.size) {
		arm_pci_io_base = (uintptr_t)(io_win.cpu - io_win.pci);
		io_win.next = io_win.pci + MIN(io_win.size / 2, 0x1000u);	/* not the ISA ports */
		arm_add_device(io_win.cpu, io_win.size);
	}
	if (mem_win.size)
		arm_add_device(mem_win.cpu, mem_win.size);
}

/* the GIC SPI of (dev, pin) through interrupt-map; -1 if the map has none */
static int intx_line(unsigned dev, unsigned pin)
{
	uint32_t len, mlen, gic_ac = 0, icells = 3, n;
	const void *map = fdt_prop(&arm_fdt, arm_mach.pcie, "interrupt-map", &len);
	const void *mask = fdt_prop(&arm_fdt, arm_mach.pcie, "interrupt-map-mask", &mlen);
	int gic;
	const void *c;

	if (!map || !mask || mlen != 16 || len < 4 * 5)
		return -1;
	gic = fdt_by_phandle(&arm_fdt, fdt_cell(map, 4));
	if (gic < 0)
		return -1;
	if ((c = fdt_prop(&arm_fdt, gic, "#address-cells", &n)) && n == 4)
		gic_ac = fdt_cell(c, 0);
	if ((c = fdt_prop(&arm_fdt, gic, "#interrupt-cells", &n)) && n == 4)
		icells = fdt_cell(c, 0);
	n = 4 + 1 + gic_ac + icells;	/* child address and pin, phandle, parent's address, spec */
	for (uint32_t i = 0; (i + 1) * n * 4 <= len && icells == 3; i++) {
		uint32_t hi = (uint32_t)dev << 11 & fdt_cell(mask, 0);

		if (fdt_cell(map, i * n) == hi && fdt_cell(map, i * n + 3) == (pin & fdt_cell(mask, 3)) &&
		    fdt_cell(map, i * n + 5 + gic_ac) == 0)	/* an SPI */
			return (int)fdt_cell(map, i * n + 5 + gic_ac + 1);
	}
	return -1;
}

static uint64_t take(struct window *w, uint64_t size)
{
	uint64_t at = ALIGN_UP(w->next, size);

	if (!w->size || at + size > w->pci + w->size)
		return UINT64_MAX;
	w->next = at + size;
	return at;
}

/* size each BAR (all ones written, the mask read back), then place it */
static void assign(unsigned dev, unsigned fn, char *log, size_t logsize)
{
	uint32_t cmd = 0;
	size_t n = 0;

	for (unsigned bar = 0; bar < 6; bar++) {
		unsigned reg = PCI_BAR0 + 4 * bar;
		uint32_t old = rd(dev, fn, reg), mask, size;
		int io = old & 1, is64 = !io && (old & 6) == 4;
		uint64_t at;

		wr(dev, fn, reg, 0xffffffff);
		mask = rd(dev, fn, reg);
		wr(dev, fn, reg, old);
		if (io)
			mask |= 0xffff0000;	/* 16-bit I/O BARs may read 0 above */
		size = ~(mask & (io ? ~3u : ~15u)) + 1;
		if (mask == 0 || size == 0) {
			bar += is64;
			continue;
		}
		/* memory BARs a page apart at least, so a driver may map each alone */
		at = take(io ? &io_win : &mem_win, io ? size : MAX(size, 4096u));
		if (at == UINT64_MAX) {
			kprintf("pci: 00:%02x.%u BAR%u: no room for %#x bytes of %s\n", dev, fn, bar,
				size, io ? "I/O" : "memory");
		} else {
			wr(dev, fn, reg, (uint32_t)at | (old & (io ? 3 : 15)));
			if (is64)
				wr(dev, fn, reg + 4, 0);
			cmd |= io ? 1 : 2;
			if (n < logsize)
				n += (size_t)ksnprintf(log + n, logsize - n, " BAR%u %s %#llx", bar,
						       io ? "port" : "mem", (unsigned long long)at);
		}
		bar += is64;
	}
	wr(dev, fn, PCI_COMMAND, (rd(dev, fn, PCI_COMMAND) & 0xffff) | cmd | 4);
}

void arm_pci_init(void)
{
	uint64_t base, size;
	uint32_t len;
	const void *p;
	unsigned found = 0;

	if (arm_mach.pcie < 0 || fdt_reg(&arm_fdt, arm_mach.pcie, 0, &base, &size) < 0 ||
	    base + size > 0x100000000ull) {
		kprintf("pci: no ECAM host bridge below 4 GiB (QEMU virt needs highmem=off)\n");
		return;
	}
	ecam = (uintptr_t)base;
	bus_first = 0;
	bus_last = (unsigned)(size >> 20) - 1;
	if ((p = fdt_prop(&arm_fdt, arm_mach.pcie, "bus-range", &len)) && len == 8) {
		bus_first = fdt_cell(p, 0);
		bus_last = MIN(fdt_cell(p, 1), bus_first + (unsigned)(size >> 20) - 1);
	}
	for (unsigned dev = 0; dev < 32; dev++)
		for (unsigned fn = 0; fn < 8; fn++) {
			uint32_t id = rd(dev, fn, PCI_ID), irq;
			int line;

			if ((id & 0xffff) == 0xffff) {
				if (fn == 0)
					break;
				continue;
			}
			found++;
			if ((rd(dev, fn, PCI_HEADER) >> 16 & 0x7f) == 0) {
				char log[128] = "";

				assign(dev, fn, log, sizeof(log));
				irq = rd(dev, fn, PCI_INTERRUPT);
				line = (irq >> 8 & 0xff) ? intx_line(dev, irq >> 8 & 0xff) : -1;
				wr(dev, fn, PCI_INTERRUPT, (irq & ~0xffu) | (line < 0 ? 0xff : (uint32_t)line));
				kprintf("pci: %02x:%02x.%u %04x:%04x%s line %d\n", bus_first, dev, fn,
					id & 0xffff, id >> 16, log, line);
			}
			if (fn == 0 && !(rd(dev, 0, PCI_HEADER) & 0x800000))
				break;	/* not multi-function */
		}
	kprintf("pci: ECAM %#lx, buses %u-%u, I/O window %#llx (%llu KiB), memory window %#llx "
		"(%llu MiB); %u functions on bus %u given addresses\n", (unsigned long)ecam,
		bus_first, bus_last, (unsigned long long)io_win.cpu, (unsigned long long)io_win.size >> 10,
		(unsigned long long)mem_win.cpu, (unsigned long long)mem_win.size >> 20, found,
		bus_first);
}
