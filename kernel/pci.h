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

#endif
