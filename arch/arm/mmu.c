/* mmu.c -- the identity map every CPU uses: one short-descriptor table of 1 MiB sections, RAM
 * normal memory (write-back, write-allocate, shareable: exclusives and coherency as on real
 * hardware), the device regions the board names device memory (never executed), the rest of
 * the address space unmapped. The first page is never mapped (the NULL guard): where RAM
 * starts at 0 (raspi2b, whose kernel QEMU loads at 64 KiB) the first MiB is a table of 4 KiB
 * pages without page 0; elsewhere the whole first MiB stays out. */
#include <kernel/kernel.h>

#include "arm.h"

#define SECTION		0x2u
#define SEC_B		(1u << 2)
#define SEC_C		(1u << 3)
#define SEC_XN		(1u << 4)
#define SEC_AP_RW	(3u << 10)	/* read/write at PL1 and PL0 (domain 0 is a client) */
#define SEC_TEX(x)	((uint32_t)(x) << 12)
#define SEC_S		(1u << 16)
#define SEC_NORMAL	(SECTION | SEC_AP_RW | SEC_TEX(1) | SEC_C | SEC_B | SEC_S)
#define SEC_DEVICE	(SECTION | SEC_AP_RW | SEC_B | SEC_XN)	/* shareable device */
#define TTBR_WALK	0x4au	/* table walks inner and outer write-back write-allocate, shareable */
#define COARSE		0x1u	/* a first-level entry pointing at a table of 256 small pages */
#define PAGE		0x2u	/* small page; the same attributes as a section, other bits: */
#define PAGE_NORMAL	(PAGE | SEC_B | SEC_C | (3u << 4) | (1u << 6) | (1u << 10))

static uint32_t l1[4096] __attribute__((aligned(16384)));
static uint32_t low[256] __attribute__((aligned(1024)));	/* the first MiB, when RAM */
uint32_t arm_ttbr0;	/* what arm_mmu_on (boot.S) loads; read by secondaries with caches off */

static void map(uint64_t base, uint64_t size, uint32_t attr)
{
	uint64_t end = base + size;

	if (end > 0x100000000ull)
		end = 0x100000000ull;
	for (uint64_t a = ALIGN_DOWN(base, 0x100000); a < end; a += 0x100000)
		if (a >= 0x100000)	/* the first MiB stays out: NULL faults */
			l1[a >> 20] = (uint32_t)a | attr;
}

void arm_mmu_build(void)
{
	for (unsigned i = 0; i < arm_mach.ndev; i++)
		map(arm_mach.dev[i].base, arm_mach.dev[i].size, SEC_DEVICE);
	map(arm_mach.ram_base, arm_mach.ram_size, SEC_NORMAL);
	if (arm_mach.ram_base == 0 && arm_mach.ram_size >= 0x100000) {
		for (unsigned i = 1; i < 256; i++)
			low[i] = (uint32_t)i << 12 | PAGE_NORMAL;
		l1[0] = (uint32_t)(uintptr_t)low | COARSE;
	}
	arm_ttbr0 = (uint32_t)(uintptr_t)l1 | TTBR_WALK;
}

bool arch_mmio_mapped(uintptr_t addr)
{
	if (addr < 0x100000)
		return (l1[0] & 3) == COARSE && (low[addr >> 12] & 2);
	return (l1[addr >> 20] & 3) == SECTION;
}

void arm_dcache_clean(const void *p, size_t len)
{
	uint32_t ctr;
	uintptr_t line, a = (uintptr_t)p;

	__asm__ __volatile__("mrc p15, 0, %0, c0, c0, 1" : "=r"(ctr));	/* CTR */
	line = 4u << ((ctr >> 16) & 0xf);	/* DminLine: words, log2 */
	for (uintptr_t l = ALIGN_DOWN(a, line); l < a + len; l += line)
		__asm__ __volatile__("mcr p15, 0, %0, c7, c10, 1" : : "r"(l) : "memory");	/* DCCMVAC */
	__asm__ __volatile__("dsb" ::: "memory");
}
