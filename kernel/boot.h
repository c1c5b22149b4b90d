/* boot.h -- what the arch layer hands the portable kernel at boot. */
#ifndef KERNEL_BOOT_H
#define KERNEL_BOOT_H

#include "memmap.h"

struct boot_info {
	const char *cmdline;	/* boot options, "" if none */
	const char *loader;	/* boot loader's name */
	struct memmap memmap;	/* usable memory, with the kernel image and boot data reserved */
	const char *topology;	/* where the CPU list came from ("acpi", "mptable", ...) */
};

/* Portable kernel entry, on the boot CPU with interrupts off; never returns. */
__attribute__((noreturn)) void kmain(struct boot_info *bi);

#endif
