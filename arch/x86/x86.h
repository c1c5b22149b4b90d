/* x86.h -- what the x86 files share among themselves (never included by portable code). */
#ifndef ARCH_X86_X86_H
#define ARCH_X86_X86_H

#include <arch.h>
#include <kernel/param.h>

/* interrupt vectors */
#define VEC_IRQ0	32	/* ISA IRQ n arrives on VEC_IRQ0 + n */
#define VEC_TIMER	64
#define VEC_IPI_CALL	0xf0
#define VEC_IPI_RESCHED	0xf1
#define VEC_SPURIOUS	0xff

/* GDT selectors; CPU k's %gs selector is SEL_PERCPU(k) */
#define SEL_KCODE	0x08
#define SEL_KDATA	0x10
#define SEL_PERCPU(k)	(0x18 + 8 * (k))

/* what %gs points at; id must stay first (arch_cpu_id reads %gs:0) */
struct x86_percpu {
	unsigned id;
	uint8_t apic_id;
	uintptr_t stack_lo, stack_hi;
};

extern struct x86_percpu x86_percpu[NCPU];

struct trapframe {
	uint32_t gs, fs, es, ds;
	uint32_t edi, esi, ebp, esp0, ebx, edx, ecx, eax;	/* pusha order */
	uint32_t vector, error;
	uint32_t eip, cs, eflags;
};

/* topology from ACPI MADT or the MP table (madt.c parses, acpi.c finds the tables) */
#define X86_MAX_IOAPIC	4
#define X86_MAX_ISO	16
struct x86_topology {
	unsigned ncpus;			/* enabled CPUs kept (at most NCPU) */
	unsigned cpus_ignored;		/* enabled CPUs past NCPU */
	uint8_t apic_id[NCPU];
	uint32_t lapic_addr;
	unsigned nioapic;
	struct { uint8_t id; uint32_t addr, gsi_base; } ioapic[X86_MAX_IOAPIC];
	unsigned niso;			/* ISA interrupt source overrides */
	struct { uint8_t irq; uint32_t gsi; uint16_t flags; } iso[X86_MAX_ISO];
	const char *source;		/* "acpi" or "mptable" */
};

uint8_t x86_checksum(const void *table, size_t n);	/* ACPI/MP tables sum to zero */
int x86_madt_parse(const void *madt, size_t len, struct x86_topology *t);
int x86_mptable_parse(const void *cfg, size_t len, struct x86_topology *t);
int x86_topology_find(struct x86_topology *t, int allow_acpi);
extern struct x86_topology x86_topo;

void x86_gdt_init(unsigned cpu);
void x86_fpu_init(void);
void x86_idt_init(void);
void x86_idt_load(void);
void x86_serial_init(void);
void x86_serial_enable_rx(void);
void x86_serial_irq(void);
void x86_tsc_calibrate(void);
void x86_rtc_read(void);	/* the CMOS clock, once at boot: arch_wallclock_ns */
void x86_lapic_init(void);
void x86_lapic_timer_calibrate(void);
void x86_lapic_eoi(void);
uint8_t x86_lapic_id(void);
void x86_lapic_send_init(uint8_t apic_id);
void x86_lapic_send_sipi(uint8_t apic_id, uint8_t page);
void x86_ioapic_init(void);
void x86_pic_disable(void);
void x86_paging_init(void);
/* Append QEMU's fw_cfg boot options (opt/lispos/cmdline) to cmdline (size bytes). */
void x86_fw_cfg_options(char *cmdline, size_t size);
extern uint64_t x86_pdpt[];	/* CR3 for every CPU */
extern int x86_paging_on;	/* 0 if the machine refused paging */
int x86_backtrace_from(uint32_t ebp, uintptr_t *pcs, int max);

#endif
