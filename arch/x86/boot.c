/* boot.c -- x86 bring-up on the boot CPU: descriptor tables, console, the multiboot information,
 * firmware tables, interrupt controllers, clocks, paging; then the portable kmain. */
#include <kernel/boot.h>
#include <kernel/kernel.h>

#include "multiboot.h"
#include "x86.h"

extern char _kernel_start[], _kernel_end[], boot_stack[], boot_stack_top[];

static struct boot_info boot;
static char cmdline[CMDLINE_MAX];
static char loader[64];

static void copy_str(char *dst, size_t size, uint32_t src)
{
	const char *s = (const char *)(uintptr_t)src;
	size_t i = 0;

	for (; src && s[i] && i + 1 < size; i++)
		dst[i] = s[i];
	dst[i] = '\0';
}

static void read_multiboot(const struct multiboot_info *mbi)
{
	struct memmap *m = &boot.memmap;

	if (mbi->flags & MB_INFO_CMDLINE)
		copy_str(cmdline, sizeof(cmdline), mbi->cmdline);
	if (mbi->flags & MB_INFO_LOADER_NAME)
		copy_str(loader, sizeof(loader), mbi->boot_loader_name);
	else
		copy_str(loader, sizeof(loader), (uint32_t)(uintptr_t)"unknown loader");

	memmap_init(m);
	if (mbi->flags & MB_INFO_MMAP) {
		if (memmap_add_multiboot(m, (const void *)(uintptr_t)mbi->mmap_addr,
					 mbi->mmap_length) < 0)
			kprintf("boot: malformed multiboot memory map, using what parsed\n");
	}
	if (m->n == 0 && (mbi->flags & MB_INFO_MEMORY)) {
		memmap_add(m, 0, (uint64_t)mbi->mem_lower * 1024, MEM_USABLE);
		memmap_add(m, 0x100000, (uint64_t)mbi->mem_upper * 1024, MEM_USABLE);
	}
	if (m->n == 0)
		panic("boot: no memory map from the boot loader");

	/* low memory holds the BIOS data, the AP trampoline and the boot loader's tables */
	memmap_add(m, 0, 0x100000, MEM_KERNEL);
	memmap_add(m, (uintptr_t)_kernel_start, (uintptr_t)(_kernel_end - _kernel_start),
		   MEM_KERNEL);
	if (mbi->flags & MB_INFO_MODS) {
		const struct multiboot_mod *mod = (const void *)(uintptr_t)mbi->mods_addr;

		for (uint32_t i = 0; i < mbi->mods_count; i++)
			memmap_add(m, mod[i].start, mod[i].end - mod[i].start, MEM_KERNEL);
	}
}

void x86_boot_main(uint32_t magic, const struct multiboot_info *mbi);

void x86_boot_main(uint32_t magic, const struct multiboot_info *mbi)
{
	char opt[8];

	x86_percpu[0].id = 0;
	x86_gdt_init(0);
	x86_fpu_init();
	x86_idt_init();
	x86_idt_load();
	x86_serial_init();
	if (magic != MULTIBOOT_BOOTLOADER_MAGIC)
		panic("boot: not loaded by a multiboot loader (magic %#x)", magic);
	read_multiboot(mbi);
	x86_fw_cfg_options(cmdline, sizeof(cmdline));
	boot.cmdline = cmdline;
	boot.loader = loader;

	/* firmware tables live in low memory, which paging leaves unmapped at page 0: read first */
	if (x86_topology_find(&x86_topo, !cmdline_get(cmdline, "acpi=off", opt, sizeof(opt))) < 0)
		panic("boot: no ACPI MADT and no MP table: cannot find the CPUs");
	boot.topology = x86_topo.source;
	/* Paging only guards NULL here (the map is the identity); "nopaging" turns it off. */
	if (!cmdline_get(cmdline, "nopaging", opt, sizeof(opt)))
		x86_paging_init();
	x86_pic_disable();
	x86_tsc_calibrate();
	x86_rtc_read();
	x86_lapic_init();
	x86_percpu[0].apic_id = x86_lapic_id();
	x86_percpu[0].stack_lo = (uintptr_t)boot_stack;
	x86_percpu[0].stack_hi = (uintptr_t)boot_stack_top;
	/* CPU index 0 is the boot CPU, wherever the firmware listed it */
	for (unsigned i = 1; i < x86_topo.ncpus; i++)
		if (x86_topo.apic_id[i] == x86_percpu[0].apic_id) {
			x86_topo.apic_id[i] = x86_topo.apic_id[0];
			x86_topo.apic_id[0] = x86_percpu[0].apic_id;
		}
	x86_ioapic_init();
	x86_lapic_timer_calibrate();
	x86_serial_enable_rx();
	kmain(&boot);
}
