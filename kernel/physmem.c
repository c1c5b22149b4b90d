/* physmem.c -- first-fit allocator over a sorted array of free ranges.
 * lock guards ranges[], nranges and spilled. Invariant: ranges sorted by base, non-empty,
 * non-adjacent (physmem_free coalesces), all inside usable memory. A freed block the full
 * table has no slot for is kept in itself on the spilled list (frees in random order, 10,000
 * thread stacks say, can leave more holes than slots): allocations search it after the table,
 * and its blocks go back into the table as coalescing frees slots. Nothing is lost. */
#include <smp/spinlock.h>

#include "kernel.h"
#include "physmem.h"

#define GRAIN	64	/* sizes and bases are multiples of this */

struct range {
	uintptr_t base;
	size_t len;
};

struct spill {
	struct spill *next;
	size_t len;
};

static struct spinlock lock = SPINLOCK_INIT("physmem");
static struct range ranges[PHYSMEM_RANGES];
static unsigned nranges;
static struct spill *spilled;

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
	spilled = NULL;
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

/* Give [b, b + size) back; lock held. False if it went to the spilled list. */
static bool free_locked(uintptr_t b, size_t size)
{
	unsigned i;

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
	} else if (nranges < PHYSMEM_RANGES) {
		insert_at(i, b, size);
	} else {
		struct spill *sp = (struct spill *)b;	/* no slot: keep it in itself */

		sp->next = spilled;
		sp->len = size;
		spilled = sp;
		return false;
	}
	return true;
}

/* Spilled blocks back into the table while it has room (each may coalesce); lock held. */
static void unspill(void)
{
	while (spilled && nranges < PHYSMEM_RANGES) {
		struct spill *sp = spilled;

		spilled = sp->next;
		if (!free_locked((uintptr_t)sp, sp->len))
			break;	/* spilled again: the table is full */
	}
}

/* First fit on the spilled list; lock held. What is left of the block is freed again. */
static void *alloc_spilled(size_t size, size_t align)
{
	for (struct spill **pp = &spilled; *pp; pp = &(*pp)->next) {
		uintptr_t base = (uintptr_t)*pp, end = base + (*pp)->len;
		uintptr_t start = ALIGN_UP(base, (uintptr_t)align);

		if (start < base || start > end || end - start < size)
			continue;
		*pp = (*pp)->next;
		if (start > base)
			free_locked(base, start - base);
		if (end > start + size)
			free_locked(start + size, end - (start + size));
		return (void *)start;
	}
	return NULL;
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
	if (!p)
		p = alloc_spilled(size, align);
	spin_unlock_irqrestore(&lock, f);
	return p;
}

void physmem_free(void *ptr, size_t size)
{
	if (!ptr)
		return;
	size = ALIGN_UP(size, (size_t)GRAIN);
	arch_irqflags_t f = spin_lock_irqsave(&lock);
	if (free_locked((uintptr_t)ptr, size))
		unspill();
	spin_unlock_irqrestore(&lock, f);
}

size_t physmem_free_bytes(void)
{
	size_t sum = 0;

	arch_irqflags_t f = spin_lock_irqsave(&lock);
	for (unsigned i = 0; i < nranges; i++)
		sum += ranges[i].len;
	for (struct spill *sp = spilled; sp; sp = sp->next)
		sum += sp->len;
	spin_unlock_irqrestore(&lock, f);
	return sum;
}

unsigned physmem_ranges(void)
{
	return nranges;
}
