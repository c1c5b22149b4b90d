/* physmem.h -- the physical region allocator: hands out large aligned blocks (heaps, stacks)
 * from the usable parts of the memory map. Thread-safe (one lock). */
#ifndef KERNEL_PHYSMEM_H
#define KERNEL_PHYSMEM_H

#include <stddef.h>
#include <stdint.h>

#include "memmap.h"

/* Take the usable regions of m between lo and hi (exclusive) as free memory. */
void physmem_init(const struct memmap *m, uint64_t lo, uint64_t hi);
/* size bytes aligned to align (a power of two); NULL if no free range fits. */
void *physmem_alloc(size_t size, size_t align);
/* Give back a block from physmem_alloc, with the size that was asked for. */
void physmem_free(void *p, size_t size);
size_t physmem_free_bytes(void);
unsigned physmem_ranges(void);	/* free ranges now (fragmentation) */

#endif
