/* memmap.h -- the physical memory map: sorted, non-overlapping regions, each with one type.
 * Where sources overlap, the more restrictive type wins (anything beats MEM_USABLE). */
#ifndef KERNEL_MEMMAP_H
#define KERNEL_MEMMAP_H

#include <stddef.h>
#include <stdint.h>

#include "param.h"

enum mem_type {
	MEM_USABLE = 1,		/* numbering follows multiboot / E820 */
	MEM_RESERVED = 2,
	MEM_ACPI = 3,
	MEM_NVS = 4,
	MEM_BAD = 5,
	MEM_KERNEL = 16,	/* kernel image, boot data: not for the allocator */
};

struct mem_region {
	uint64_t base, len;
	uint32_t type;
};

struct memmap {
	unsigned n;
	struct mem_region r[MEMMAP_MAX];
};

void memmap_init(struct memmap *m);
/* Add a region; returns 0, or -1 when the map is full (the region is then dropped). */
int memmap_add(struct memmap *m, uint64_t base, uint64_t len, uint32_t type);
/* Add every entry of a multiboot (v1) memory map buffer. Returns the number of entries taken, or
 * -1 if the buffer is malformed (entries before the bad one are kept). */
int memmap_add_multiboot(struct memmap *m, const void *buf, size_t len);
uint64_t memmap_bytes(const struct memmap *m, uint32_t type);
const char *memmap_type_name(uint32_t type);

#endif
