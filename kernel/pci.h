/* pci.h -- the PCI bus as the portable kernel sees it: a scan of configuration space through
 * arch_pci_config_read32 (arch.h). Drivers find their device in the list. */
#ifndef KERNEL_PCI_H
#define KERNEL_PCI_H

#include <stdint.h>

struct pci_func {
	uint8_t bus, dev, fn;
	uint16_t vendor, device;
	uint32_t class;		/* class code, subclass, programming interface: 0xCCSSPP */
};

/* Fill out[0..max) with every function present, in bus/device/function order; returns how
 * many there are (may exceed max), or -1 if the machine has no PCI configuration access. */
int pci_scan(struct pci_func *out, int max);

/* Configuration registers a driver needs (byte offsets). */
enum pci_cfg {
	PCI_CFG_COMMAND = 0x04,		/* command 15:0, status 31:16 */
	PCI_CFG_BAR0 = 0x10,		/* bit 0: I/O space (address 31:2), else memory (31:4) */
	PCI_CFG_BAR1 = 0x14,
	PCI_CFG_INTR = 0x3c,		/* interrupt line 7:0, pin 15:8 */
};
#define PCI_CMD_IO		0x0001	/* respond to I/O space accesses */
#define PCI_CMD_MEMORY		0x0002
#define PCI_CMD_MASTER		0x0004	/* bus mastering: the device may DMA */
#define PCI_CMD_INTX_OFF	0x0400

/* Register reg (a multiple of 4) of f; 0xffffffff where there is no PCI access. */
uint32_t pci_read32(const struct pci_func *f, unsigned reg);
void pci_write32(const struct pci_func *f, unsigned reg, uint32_t v);

#endif
