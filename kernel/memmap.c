/* memmap.c -- building the physical memory map from firmware tables. The map stays normalised
 * after every call: regions sorted by base, non-overlapping, adjacent ones of one type merged. */
#include <string.h>

#include "kernel.h"
#include "memmap.h"

void memmap_init(struct memmap *m)
{
	m->n = 0;
}

static int rank(uint32_t type)
{
	/* usable is weakest; unknown firmware types count as reserved */
	if (type == MEM_USABLE)
		return 0;
	if (type == MEM_KERNEL)
		return 3;
	if (type == MEM_BAD)
		return 2;
	return 1;
}

/* Rebuild m from its regions plus one more: split at every boundary, strongest type wins. */
static int normalise(struct memmap *m, const struct mem_region *extra)
{
	uint64_t cuts[2 * MEMMAP_MAX + 2];
	unsigned nc = 0, total = m->n + (extra ? 1 : 0);
	struct mem_region in[MEMMAP_MAX + 1];
	struct memmap out = { 0 };

	memcpy(in, m->r, m->n * sizeof(in[0]));
	if (extra)
		in[m->n] = *extra;
	for (unsigned i = 0; i < total; i++) {
		cuts[nc++] = in[i].base;
		cuts[nc++] = in[i].base + in[i].len;
	}
	/* insertion sort: tiny arrays */
	for (unsigned i = 1; i < nc; i++)
		for (unsigned j = i; j > 0 && cuts[j - 1] > cuts[j]; j--) {
			uint64_t t = cuts[j];
			cuts[j] = cuts[j - 1];
			cuts[j - 1] = t;
		}
	for (unsigned c = 0; c + 1 < nc; c++) {
		uint64_t lo = cuts[c], hi = cuts[c + 1];
		int best = -1;
		uint32_t type = 0;

		if (lo == hi)
			continue;
		for (unsigned i = 0; i < total; i++)
			if (in[i].base <= lo && hi <= in[i].base + in[i].len && rank(in[i].type) > best) {
				best = rank(in[i].type);
				type = in[i].type;
			}
		if (best < 0)
			continue;
		struct mem_region *last = out.n ? &out.r[out.n - 1] : NULL;
		if (last && last->type == type && last->base + last->len == lo) {
			last->len += hi - lo;
			continue;
		}
		if (out.n == MEMMAP_MAX)
			return -1;
		out.r[out.n++] = (struct mem_region){ lo, hi - lo, type };
	}
	*m = out;
	return 0;
}

int memmap_add(struct memmap *m, uint64_t base, uint64_t len, uint32_t type)
{
	struct mem_region r = { base, len, type };

	if (len == 0)
		return 0;
	if (base + len < base)		/* wraps: clip at the top of the address space */
		r.len = UINT64_MAX - base;
	return normalise(m, &r);
}

/* multiboot v1 entry: u32 size (of what follows), u64 base, u64 length, u32 type */
int memmap_add_multiboot(struct memmap *m, const void *buf, size_t len)
{
	const uint8_t *p = buf, *end = p + len;
	int taken = 0;

	while (p < end) {
		uint32_t size;
		uint64_t base, rlen;
		uint32_t type;

		if ((size_t)(end - p) < 4)
			return -1;
		memcpy(&size, p, 4);
		if (size < 20 || (size_t)(end - p) - 4 < size)
			return -1;
		memcpy(&base, p + 4, 8);
		memcpy(&rlen, p + 12, 8);
		memcpy(&type, p + 20, 4);
		if (memmap_add(m, base, rlen, type) < 0)
			return -1;
		taken++;
		p += 4 + size;
	}
	return taken;
}

uint64_t memmap_bytes(const struct memmap *m, uint32_t type)
{
	uint64_t sum = 0;

	for (unsigned i = 0; i < m->n; i++)
		if (m->r[i].type == type)
			sum += m->r[i].len;
	return sum;
}

const char *memmap_type_name(uint32_t type)
{
	switch (type) {
	case MEM_USABLE: return "usable";
	case MEM_RESERVED: return "reserved";
	case MEM_ACPI: return "acpi";
	case MEM_NVS: return "acpi-nvs";
	case MEM_BAD: return "bad";
	case MEM_KERNEL: return "kernel";
	default: return "other";
	}
}
