/* pci.c -- brute-force scan of PCI configuration space: every bus, device and function (a
 * function other than 0 only when function 0 says the device is multi-function). */
#include <arch.h>

#include "pci.h"

enum pci_reg {
	PCI_ID = 0x00,		/* vendor 15:0, device 31:16; vendor 0xffff: nothing there */
	PCI_CLASS = 0x08,	/* revision 7:0, class code 31:8 */
	PCI_HEADER = 0x0c,	/* header type 23:16; bit 23: multi-function */
};

uint32_t pci_read32(const struct pci_func *f, unsigned reg)
{
	uint32_t v;

	if (arch_pci_config_read32(f->bus, f->dev, f->fn, reg, &v) < 0)
		return 0xffffffffu;
	return v;
}

void pci_write32(const struct pci_func *f, unsigned reg, uint32_t v)
{
	arch_pci_config_write32(f->bus, f->dev, f->fn, reg, v);
}

int pci_scan(struct pci_func *out, int max)
{
	int n = 0;
	uint32_t id, cls, hdr;

	for (unsigned bus = 0; bus < 256; bus++) {
		for (unsigned dev = 0; dev < 32; dev++) {
			for (unsigned fn = 0; fn < 8; fn++) {
				if (arch_pci_config_read32(bus, dev, fn, PCI_ID, &id) < 0)
					return -1;
				if ((id & 0xffff) == 0xffff) {
					if (fn == 0)
						break;
					continue;
				}
				arch_pci_config_read32(bus, dev, fn, PCI_CLASS, &cls);
				if (n < max)
					out[n] = (struct pci_func){
						(uint8_t)bus, (uint8_t)dev, (uint8_t)fn, (uint16_t)id,
						(uint16_t)(id >> 16), cls >> 8 };
				n++;
				if (fn == 0) {
					arch_pci_config_read32(bus, dev, 0, PCI_HEADER, &hdr);
					if (!(hdr & 0x800000))
						break;
				}
			}
		}
	}
	return n;
}
