/* desc.c -- the GDT (flat code and data, one %gs segment per CPU pointing at its x86_percpu) and
 * the IDT (every vector through isr.S into x86_trap). Built once by the boot CPU. */
#include <kernel/kernel.h>

#include "x86.h"

struct x86_percpu x86_percpu[NCPU];

static uint64_t gdt[3 + NCPU];
static uint64_t idt[256];

struct __attribute__((packed)) descriptor_ptr {
	uint16_t limit;
	uint32_t base;
};

static uint64_t segment(uint32_t base, uint32_t limit, uint8_t access)
{
	return (uint64_t)(limit & 0xffff) | ((uint64_t)(base & 0xffffff) << 16) |
	       ((uint64_t)access << 40) | ((uint64_t)((limit >> 16) & 0xf) << 48) |
	       ((uint64_t)0xc << 52) /* 4 KiB granularity, 32-bit */ |
	       ((uint64_t)(base >> 24) << 56);
}

void x86_gdt_init(unsigned cpu)
{
	struct descriptor_ptr p = { sizeof(gdt) - 1, (uint32_t)(uintptr_t)gdt };

	if (cpu == 0) {
		gdt[1] = segment(0, 0xfffff, 0x9a);
		gdt[2] = segment(0, 0xfffff, 0x92);
		for (unsigned k = 0; k < NCPU; k++)
			gdt[3 + k] = segment((uint32_t)(uintptr_t)&x86_percpu[k], 0xfffff, 0x92);
	}
	__asm__ __volatile__(
		"lgdt %0\n\t"
		"ljmp %1, $1f\n"
		"1:\n\t"
		"movw %2, %%ax\n\t"
		"movw %%ax, %%ds\n\t"
		"movw %%ax, %%es\n\t"
		"movw %%ax, %%ss\n\t"
		"movw %%ax, %%fs\n\t"
		"movw %3, %%ax\n\t"
		"movw %%ax, %%gs\n\t"
		: : "m"(p), "i"(SEL_KCODE), "i"(SEL_KDATA), "r"((uint16_t)SEL_PERCPU(cpu))
		: "eax", "memory");
}

extern char isr_stubs_start[];

void x86_idt_init(void)
{
	for (unsigned v = 0; v < 256; v++) {
		uint32_t off = (uint32_t)(uintptr_t)(isr_stubs_start + 16 * v);

		idt[v] = (uint64_t)(off & 0xffff) | ((uint64_t)SEL_KCODE << 16) |
			 ((uint64_t)0x8e << 40) /* present, ring 0, 32-bit interrupt gate */ |
			 ((uint64_t)(off >> 16) << 48);
	}
}

void x86_idt_load(void)
{
	struct descriptor_ptr p = { sizeof(idt) - 1, (uint32_t)(uintptr_t)idt };

	__asm__ __volatile__("lidt %0" : : "m"(p));
}
