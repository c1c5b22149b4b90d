/* pci.c -- PCI configuration space through mechanism #1: an address written to port 0xcf8
 * selects a register, port 0xcfc reads it. lock makes the address/data pair one access. */
#include <kernel/kernel.h>
#include <smp/spinlock.h>

#include "x86.h"

enum pci_port {
	PCI_CONFIG_ADDRESS = 0xcf8,	/* bit 31 enable, bus 23:16, device 15:11, function 10:8,
					 * register 7:2 */
	PCI_CONFIG_DATA = 0xcfc,
};

static struct spinlock lock = SPINLOCK_INIT("pci-config");

int arch_pci_config_read32(unsigned bus, unsigned dev, unsigned fn, unsigned reg, uint32_t *v)
{
	uint32_t addr = 0x80000000u | (bus & 0xff) << 16 | (dev & 0x1f) << 11 | (fn & 7) << 8 |
			(reg & 0xfc);
	arch_irqflags_t f = spin_lock_irqsave(&lock);

	arch_out32(PCI_CONFIG_ADDRESS, addr);
	*v = arch_in32(PCI_CONFIG_DATA);
	spin_unlock_irqrestore(&lock, f);
	return 0;
}

int arch_pci_config_write32(unsigned bus, unsigned dev, unsigned fn, unsigned reg, uint32_t v)
{
	uint32_t addr = 0x80000000u | (bus & 0xff) << 16 | (dev & 0x1f) << 11 | (fn & 7) << 8 |
			(reg & 0xfc);
	arch_irqflags_t f = spin_lock_irqsave(&lock);

	arch_out32(PCI_CONFIG_ADDRESS, addr);
	arch_out32(PCI_CONFIG_DATA, v);
	spin_unlock_irqrestore(&lock, f);
	return 0;
}
