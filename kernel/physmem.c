/* physmem.c -- first-fit allocator over a sorted array of free ranges.
 * lock guards ranges[] and nranges. Invariant: ranges sorted by base, non-empty, non-adjacent
 * (physmem_free coalesces), all inside usable memory. */
#include <smp/spinlock.h>

#include "kernel.h"
#include "physmem.h"

#define GRAIN	64	/* sizes and bases are multiples of this */

struct range {
	uintptr_t base;
	size_t len;
};

static struct spinlock lock = SPINLOCK_INIT("physmem");
static struct range ranges[PHYSMEM_RANGES];
static unsigned nranges;

static void insert_at(unsigned i, uintptr_t base, size_t len)
{
	kassert(nranges < PHYSMEM_RANGES);
	for (unsigned j = nranges; j > i; j--)
		ranges[j] = ranges[j - 1];
	ranges[i] = (struct range){ base, len };
	nranges++;
}

static void remove_at(unsigned i)
{
	for (unsigned j = i; j + 1 < nranges; j++)
		ranges[j] = ranges[j + 1];
	nranges--;
}

void physmem_init(const struct memmap *m, uint64_t lo, uint64_t hi)
{
	nranges = 0;
	for (unsigned i = 0; i < m->n && nranges < PHYSMEM_RANGES; i++) {
		uint64_t b = m->r[i].base, e = b + m->r[i].len;

		if (m->r[i].type != MEM_USABLE)
			continue;
		b = MAX(b, lo);
		e = MIN(e, hi);
		if (e > (uint64_t)UINTPTR_MAX)
			e = (uint64_t)UINTPTR_MAX + 1 - GRAIN;
		b = ALIGN_UP(b, (uint64_t)GRAIN);
		e = ALIGN_DOWN(e, (uint64_t)GRAIN);
		if (b >= e)
			continue;
		ranges[nranges++] = (struct range){ (uintptr_t)b, (size_t)(e - b) };
	}
}

void *physmem_alloc(size_t size, size_t align)
{
	void *p = NULL;

	if (size == 0 || (align & (align - 1)))
		return NULL;
	size = ALIGN_UP(size, (size_t)GRAIN);
	align = MAX(align, (size_t)GRAIN);
	arch_irqflags_t f = spin_lock_irqsave(&lock);
	for (unsigned i = 0; i < nranges; i++) {
		struct range *r = &ranges[i];
		uintptr_t start = ALIGN_UP(r->base, (uintptr_t)align);
		uintptr_t end = r->base + r->len;

		if (start < r->base || start > end || end - start < size)
			continue;
		uintptr_t head = start - r->base, tail = end - (start + size);
		if (head && tail && nranges == PHYSMEM_RANGES)
			continue;	/* splitting would need a slot we do not have */
		if (head && tail) {
			r->len = head;
			insert_at(i + 1, start + size, tail);
		} else if (head) {
			r->len = head;
		} else if (tail) {
			r->base = start + size;
			r->len = tail;
		} else {
			remove_at(i);
		}
		p = (void *)start;
		break;
	}
	spin_unlock_irqrestore(&lock, f);
	return p;
}

void physmem_free(void *ptr, size_t size)
{
	uintptr_t b = (uintptr_t)ptr;
	unsigned i;

	if (!ptr)
		return;
	size = ALIGN_UP(size, (size_t)GRAIN);
	arch_irqflags_t f = spin_lock_irqsave(&lock);
	for (i = 0; i < nranges && ranges[i].base < b; i++)
		;
	if (i > 0)
		kassert(ranges[i - 1].base + ranges[i - 1].len <= b);	/* double free? */
	if (i < nranges)
		kassert(b + size <= ranges[i].base);
	int join_prev = i > 0 && ranges[i - 1].base + ranges[i - 1].len == b;
	int join_next = i < nranges && b + size == ranges[i].base;

	if (join_prev && join_next) {
		ranges[i - 1].len += size + ranges[i].len;
		remove_at(i);
	} else if (join_prev) {
		ranges[i - 1].len += size;
	} else if (join_next) {
		ranges[i].base = b;
		ranges[i].len += size;
	} else {
		insert_at(i, b, size);	/* full table: kassert panics rather than leak silently */
	}
	spin_unlock_irqrestore(&lock, f);
}

size_t physmem_free_bytes(void)
{
	size_t sum = 0;

	arch_irqflags_t f = spin_lock_irqsave(&lock);
	for (unsigned i = 0; i < nranges; i++)
		sum += ranges[i].len;
	spin_unlock_irqrestore(&lock, f);
	return sum;
}

unsigned physmem_ranges(void)
{
	return nranges;
}
