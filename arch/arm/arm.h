/* arm.h -- what the ARM files share among themselves (never included by portable code): the
 * machine as its board file describes it, per-CPU data, the pieces' entry points, and the two
 * interfaces a board provides (the interrupt controller and the board hooks): virt.c and gic.c
 * for QEMU virt, raspi.c and bcm2836.c for QEMU raspi2b, chosen at build time (BOARD=). */
#ifndef ARCH_ARM_ARM_H
#define ARCH_ARM_ARM_H

#include <arch.h>
#include <kernel/param.h>

/* --- the flattened device tree (fdt.c) --- */
struct fdt {
	const uint8_t *blob;
	uint32_t size, struct_off, struct_size, strings_off, strings_size;
};
/* Check the header (magic, version, sizes and offsets within the blob): 0, or -1 with *why set. */
int fdt_open(struct fdt *f, const void *blob, const char **why);
/* Nodes are offsets into the structure block. fdt_next_node: the node after off in document
 * order (off < 0: the root), its depth in *depth (adjusted from the old one); -1 at the end. */
int fdt_next_node(const struct fdt *f, int off, int *depth);
const char *fdt_node_name(const struct fdt *f, int node);
const void *fdt_prop(const struct fdt *f, int node, const char *name, uint32_t *len);
int fdt_path(const struct fdt *f, const char *path);	/* "/chosen": node or -1 */
/* The first node (after start, -1: from the root) whose compatible list holds compat, or -1. */
int fdt_compatible(const struct fdt *f, int start, const char *compat);
int fdt_by_phandle(const struct fdt *f, uint32_t phandle);
uint32_t fdt_cell(const void *p, unsigned i);	/* big-endian cell i */
uint64_t fdt_cells(const void *p, unsigned i, unsigned n);	/* n cells from cell i */
/* The parent's #address-cells / #size-cells for node (the tree's defaults 2 and 1 if absent). */
void fdt_reg_cells(const struct fdt *f, int node, unsigned *ac, unsigned *sc);
/* Entry i of node's reg: 0, or -1 if there is none. */
int fdt_reg(const struct fdt *f, int node, unsigned i, uint64_t *base, uint64_t *size);

/* --- the machine (the board file fills it in: virt.c from the device tree, raspi.c) --- */
#define ARM_MAX_DEVREGS	64
struct arm_machine {
	const char *model;
	unsigned ncpus;			/* CPUs kept (at most NCPU and 8, GICv2's limit) */
	unsigned cpus_ignored;
	uint32_t mpidr[NCPU];		/* affinity of CPU index i (its /cpus reg) */
	uintptr_t uart;			/* PL011 */
	unsigned uart_line;		/* its device line (arch_irq_route's numbering) */
	uintptr_t gicd, gicc;		/* virt: GICv2 distributor and CPU interface */
	unsigned timer_irq;		/* virt: the virtual timer's PPI (GIC id) */
	int psci_smc;			/* conduit: 0 hvc, 1 smc */
	uint32_t psci_cpu_on, psci_system_off;	/* function ids */
	uint64_t ram_base, ram_size;
	unsigned ndev;			/* device regions to map (and arch_mmio_mapped) */
	struct { uintptr_t base, size; } dev[ARM_MAX_DEVREGS];
	int pcie;			/* the PCIe host bridge node, -1 if none */
	uintptr_t rtc;			/* virt: the PL031 real-time clock, 0 if none */
};
extern struct arm_machine arm_mach;
extern struct fdt arm_fdt;

/* per CPU: what the exception vectors and the panic report need */
struct arm_percpu {
	unsigned id;
	uintptr_t stack_lo, stack_hi;
	uint32_t gic_mask;		/* virt: its GIC CPU interface bit (GICD_ITARGETSR) */
};
extern struct arm_percpu arm_percpu[NCPU];

/* the registers an exception saves, lowest address first (vectors.S) */
struct arm_trapframe {
	uint32_t r[13];
	uint32_t lr;		/* the interrupted SVC-mode lr */
	uint32_t pc;		/* where to resume (exceptions: adjusted to the faulting insn) */
	uint32_t cpsr;		/* the interrupted mode's */
};

#define ARM_SPI(n)	(32 + (n))	/* GIC id of shared peripheral interrupt n */

void arm_mmu_build(void);		/* the identity map, once, on the boot CPU before the MMU */
void arm_mmu_enable(void);		/* on each CPU */
void arm_vectors_install(void);		/* VBAR, on each CPU */
void arm_irq_line(unsigned line);	/* run line's handlers (irq.c) */
void arm_irq_dispatch(struct arm_trapframe *f);

/* The interrupt controller (gic.c, bcm2836.c); besides these it implements arch_ipi_send,
 * arch_ipi_broadcast, arch_irq_route and arm_irq_dispatch. */
void arm_intc_init(void);		/* once, on the boot CPU, after the MMU */
void arm_intc_cpu_init(void);		/* on each CPU: its own interrupts (IPIs on) */
void arm_intc_timer_enable(bool on);	/* the calling CPU's generic timer interrupt */
void arm_intc_line_enable(unsigned line, bool on);	/* device line, wherever it is routed */

/* The board hooks (virt.c, raspi.c). */
struct boot_info;
/* First thing on the boot CPU, MMU off: set arm_mach.uart (the console of panics) at once,
 * then fill in arm_mach, boot->memmap, cmdline, loader and topology. */
void arm_board_probe(uint32_t r1, uint32_t r2, struct boot_info *boot);
void arm_board_devices(void);	/* MMU, console and interrupts on: log the machine, its buses */
/* Ask CPU cpu (an index < arm_mach.ncpus) to enter at entry with its index in r0: 0 if asked. */
int arm_board_cpu_start(unsigned cpu, uintptr_t entry);
void arm_board_poweroff(void);	/* return if the board cannot: arch_exit goes on */
void arm_timer_init(void);
void arm_timer_irq(void);
void arm_uart_init(void);
void arm_uart_enable_rx(void);
void arm_uart_irq(void);
void arm_add_device(uint64_t base, uint64_t size);	/* a device region to map */
void arm_pci_windows(void);		/* virt: the PCI windows, from the device tree, before the MMU */
void arm_pci_init(void);		/* virt: BARs and interrupt lines, after it */
int arm_backtrace_from(uint32_t fp, uintptr_t *pcs, int max);
/* Write the lines holding [p, p+len) back to memory, for a CPU whose caches are still off. */
void arm_dcache_clean(const void *p, size_t len);

#endif
