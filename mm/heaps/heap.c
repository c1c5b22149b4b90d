/* heap.c -- heap setup, the allocation slow paths, old-generation groups and large objects.
 * Owns G5 (gc.h): group lists and their byte counts, and the spare reserve that guarantees a
 * minor collection never needs a block in mid-flight. */
#include <kernel/kernel.h>
#include <mm/gc/barrier.h>
#include <mm/gc/gc.h>
#include <mm/gc/roots.h>
#include <mm/gc/stw.h>
#include <mm/gc/xheap.h>

#include "heap.h"

#define WORD	sizeof(uintptr_t)

void heap_check_fn(const struct heap *h, const char *file, int line)
{
	if (h == NULL || h->magic != HEAP_MAGIC)
		panic("heap_check: bad heap %p (%s:%d)", (const void *)h, file, line);
	if (!(h->nursery_start <= h->nursery_top && h->nursery_top <= h->nursery_limit &&
	      h->nursery_limit <= h->nursery_end))
		panic("heap_check: nursery pointers out of order on cpu %u (%s:%d)", h->cpu, file, line);
}

static void poison(uintptr_t *from, uintptr_t *to)
{
#ifdef CONFIG_DEBUG
	while (from < to)
		*from++ = (uintptr_t)GC_POISON;
#else
	(void)from;
	(void)to;
#endif
}

static struct heap_group *group_new(struct heap *h, size_t size, enum heap_group_kind kind)
{
	struct heap_group *g = heap_src_alloc(h, size);

	if (g == NULL)
		return NULL;
	kassert(((uintptr_t)g & (HEAP_GROUP_SIZE - 1)) == 0);
	g->magic = HEAP_GROUP_MAGIC;
	g->kind = kind;
	g->owner = h;
	g->next = NULL;
	g->size = size;
	g->top = heap_group_objects(g);
	g->limit = (uintptr_t *)((char *)g + size);
	g->swept = h->sweep_epoch;	/* born during a sweep: nothing there to sweep */
	g->live_bytes = 0;
	g->live_cycle = 0;
	memset(g->mark, 0, sizeof(g->mark));
	memset(g->shared, 0, sizeof(g->shared));
	return g;
}

static void free_list(struct heap *h, struct heap_group *g)
{
	while (g) {
		struct heap_group *next = g->next;

		g->magic = 0;
		heap_src_free(h, g, g->size);
		g = next;
	}
}

int heap_init(struct heap *h, const struct heap_config *cfg)
{
	size_t nb = cfg->nursery_bytes ? cfg->nursery_bytes : HEAP_NURSERY_DEFAULT;

	memset(h, 0, sizeof(*h));
	h->src = cfg->src;
	h->xsrc = cfg->xsrc.alloc != NULL ? cfg->xsrc : cfg->src;
	h->cpu = cfg->cpu;
	nb = ALIGN_UP(nb, (size_t)HEAP_GROUP_SIZE);
	h->nursery_start = heap_src_alloc(h, nb);
	if (h->nursery_start == NULL)
		return -1;
	h->remset = heap_src_alloc(h, GC_REMSET_BYTES);
	if (h->remset == NULL) {
		heap_src_free(h, h->nursery_start, nb);
		return -1;
	}
	h->remset_cap = GC_REMSET_BYTES / sizeof(obj *);
	h->nursery_bytes = nb;
	h->rs = &h->base_roots;
	h->rootstacks = &h->base_roots;
	spin_init(&h->xlock, "heap-xref");
	h->nursery_end = h->nursery_start + nb / WORD;
	h->nursery_soft = h->nursery_end;
	h->nursery_top = h->nursery_start;
	h->young_written = h->nursery_end;
	h->nursery_limit = h->nursery_end;
	h->major_step_words = GC_MAJOR_STEP_WORDS;
	h->limit_bytes = cfg->limit_bytes;
	if (cfg->pause_goal_us != 0) {
		/* no estimates yet: start as small as the pacer goes, it grows from there */
		h->pause_goal = arch_cycles_per_sec() / 1000000 * cfg->pause_goal_us;
		if (h->pause_goal == 0)
			h->pause_goal = 1;
		if (nb > HEAP_NURSERY_MIN)
			h->nursery_soft = h->nursery_start + HEAP_NURSERY_MIN / WORD;
		h->nursery_limit = h->nursery_soft;
		h->major_step_words = GC_MAJOR_STEP_MIN;
	}
	poison(h->nursery_start, h->nursery_end);
	h->magic = HEAP_MAGIC;
	return 0;
}

void heap_destroy(struct heap *h)
{
	heap_check(h);
	free_list(h, h->small_first);
	free_list(h, h->large);
	free_list(h, h->spare);
	free_list(h, h->doomed);
	if (h->mark_stack && h->mark_stack_x)	/* (a cycle running: major.c's stack) */
		heap_xsrc_free(h, h->mark_stack, h->mark_cap * 2 * sizeof(uintptr_t));
	else if (h->mark_stack)
		heap_src_free(h, h->mark_stack, h->mark_cap * 2 * sizeof(uintptr_t));
	kassert(!h->attached);
	gc_xref_release(h);
	gc_symtab_forget(h);	/* its objects are going */
	heap_src_free(h, h->remset, h->remset_cap * sizeof(obj *));
	heap_src_free(h, h->nursery_start, h->nursery_bytes);
	h->magic = 0;
}

void heap_set_torture(struct heap *h, bool on)
{
	heap_check(h);
	h->torture = on;
	h->torture_every = on ? 1 : 0;
	heap_limit_reset(h);
}

void heap_set_torture_random(struct heap *h, unsigned every, uint64_t seed)
{
	heap_check(h);
	h->torture = every != 0;
	h->torture_every = every;
	h->torture_rng = seed * 0x9e3779b97f4a7c15ull | 1;	/* never 0: xorshift's fixed point */
	h->torture_left = 0;
	heap_limit_reset(h);
}

static unsigned log2_floor(size_t n) { return (unsigned)(8 * sizeof(long) - 1) - (unsigned)__builtin_clzl((unsigned long)n); }

static bool minor_due(const struct heap *h)
{
	return h->torture || h->remset_overflow || h->remset_len >= GC_REMSET_ENTRIES;
}

/* Torture: collect at this allocation? Whenever one is due anyway (no room below the pacer's
 * end, a full remembered set); with torture_every 1 always; else after a countdown drawn anew
 * at each collection, log-uniform in 1..torture_every allocations, so some objects stay young
 * across many allocations and others across none. */
static bool torture_collect(struct heap *h, size_t words)
{
	uint64_t x = h->torture_rng;
	unsigned bits;

	if (h->torture_every <= 1 || h->remset_overflow || h->remset_len >= GC_REMSET_ENTRIES ||
	    words > (size_t)(h->nursery_soft - h->nursery_top))
		return true;
	if (h->torture_left > 0) {
		h->torture_left--;
		return false;
	}
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	h->torture_rng = x;
	bits = (unsigned)(x % (log2_floor(h->torture_every) + 1));
	h->torture_left = (unsigned)((x >> 8) & ((1ull << bits) - 1));
	return true;
}

void heap_limit_reset(struct heap *h)
{
	h->nursery_limit = minor_due(h) || h->nursery_top >= h->nursery_soft ? h->nursery_top
									     : h->nursery_soft;
}

/* Worst case a minor collection promotes every nursery byte; each group may waste up to one
 * largest small object at its end, hence the margin per group. */
int heap_reserve(struct heap *h, size_t bytes)
{
	size_t per = HEAP_GROUP_USABLE - HEAP_LARGE_BYTES;
	size_t need = bytes / per + 1;

	while (h->nspare < need) {
		struct heap_group *g = group_new(h, HEAP_GROUP_SIZE, HEAP_GROUP_SPARE);

		if (g == NULL)
			return -1;
		g->next = h->spare;
		h->spare = g;
		h->nspare++;
	}
	return 0;
}

/* Fill the unused end of a small group with a filler object so the group stays parseable. */
static void retire(struct heap_group *g)
{
	size_t left = (size_t)(g->limit - g->top);

	if (left) {
		g->top[0] = obj_hdr(OBJ_T_FILLER, left - 1);
		g->top = g->limit;
	}
}

static void list_chunk(struct heap *h, uintptr_t *p, size_t words)
{
	unsigned k;

	if (words == 0)
		return;
	p[0] = obj_hdr(OBJ_T_FILLER, words - 1);
	if (words < 2)
		return;
	k = log2_floor(words);
	if (k >= HEAP_FREE_CLASSES)
		k = HEAP_FREE_CLASSES - 1;
	p[1] = (uintptr_t)h->free_list[k];
	h->free_list[k] = p;
	h->free_mask |= 1u << k;
}

void heap_free_chunk(struct heap *h, uintptr_t *p, size_t words)
{
	poison(p, p + words);
	list_chunk(h, p, words);
}

/* Promotion bumps through one region at a time, the PLAB: a free chunk (largest first), else
 * the rest of the last small group; carving a chunk per object missed the cache on every chunk
 * header and scanned every empty list (21% of GCBench in heap_old_alloc). During gc_minor the
 * region past plab_top has no header (scan_all_old jumps over it) and a group-end region
 * counts as used up to its limit; heap_plab_close lists the rest of a chunk again, or gives
 * the group its top back. */
void heap_plab_close(struct heap *h)
{
	if (h->plab_end)
		h->small_last->top = h->plab_top;
	else if (h->plab_top != NULL)
		list_chunk(h, h->plab_top, (size_t)(h->plab_limit - h->plab_top));
	h->plab_top = h->plab_limit = NULL;
	h->plab_end = false;
}

static uintptr_t *take_chunk(struct heap *h, size_t words)
{
	unsigned need = log2_floor(words);
	unsigned mask = h->free_mask >> need << need;	/* the lists that may hold a chunk */

	while (mask) {
		unsigned k = 31 - (unsigned)__builtin_clz(mask);	/* largest first */
		uintptr_t *p = h->free_list[k];

		mask &= ~(1u << k);
		if (obj_hdr_size(p[0]) + 1 < words)
			continue;	/* class need's head may be smaller; the rest are not used */
		if ((h->free_list[k] = (uintptr_t *)p[1]) == NULL)
			h->free_mask &= ~(1u << k);
		p[1] = (uintptr_t)GC_POISON;	/* the chunk's words are poison past its link */
		return p;
	}
	return NULL;
}

static bool plab_refill(struct heap *h, size_t words)
{
	struct heap_group *g;
	uintptr_t *p;

	heap_plab_close(h);
	if ((p = take_chunk(h, words)) != NULL) {
		h->plab_top = p;
		h->plab_limit = p + obj_hdr_size(p[0]) + 1;
		return true;
	}
	g = h->small_last;
	if (g == NULL || words > (size_t)(g->limit - g->top)) {
		struct heap_group *n = h->spare;

		if (n) {
			h->spare = n->next;
			h->nspare--;
			/* Born now, as group_new's: a spare made before this sweep began looked
			 * unswept, so what was promoted into it during the sweep was made black, but
			 * a sweep already on the large list never came back to it: its marks
			 * outlived the cycle, and the next cycle's marking would not have traced
			 * what those objects name. */
			n->swept = h->sweep_epoch;
			n->live_bytes = 0;
			n->live_cycle = 0;
		} else if ((n = group_new(h, HEAP_GROUP_SIZE, HEAP_GROUP_SMALL)) == NULL) {
			return false;
		}
		n->kind = HEAP_GROUP_SMALL;
		n->next = NULL;
		if (g) {
			retire(g);
			g->next = n;
		} else {
			h->small_first = n;
		}
		h->small_last = g = n;
		h->old_bytes += n->size;
		h->old_groups++;
	}
	h->plab_end = true;
	h->plab_top = g->top;
	h->plab_limit = g->top = g->limit;
	return true;
}

uintptr_t *heap_old_alloc_slow(struct heap *h, size_t words)
{
	uintptr_t *p = h->plab_top;

	if (__builtin_expect(words > (size_t)(h->plab_limit - p), 0)) {
		if (!plab_refill(h, words))
			return NULL;
		p = h->plab_top;
	}
	h->plab_top = p + words;
	heap_old_color(h, p);
	return p;
}

static void fill_ptrs(uintptr_t *p, unsigned type, size_t nfields)
{
	if (type < OBJ_T_MIXED)
		for (size_t i = 1; i <= nfields; i++)
			p[i] = OBJ_UNSPECIFIED;
}

static obj fail(struct heap *h)
{
	h->stats.alloc_failures++;
	return OBJ_NULL;
}

static obj alloc_large(struct heap *h, unsigned type, size_t nfields)
{
	size_t words = nfields + 1;
	size_t size = ALIGN_UP(sizeof(struct heap_group) + words * WORD, (size_t)HEAP_GROUP_SIZE);
	struct heap_group *g = group_new(h, size, HEAP_GROUP_LARGE);
	uintptr_t *p;

	if (g == NULL)
		return fail(h);
	p = g->top;
	g->top += words;
	p[0] = obj_hdr(type, nfields);
	fill_ptrs(p, type, nfields);
	if (h->major_marking)
		heap_mark_set(p);	/* black; a sweep skips it (g->swept is current) */
	if (h->major_phase != HEAP_MAJOR_IDLE)
		h->major_debt += words * GC_MAJOR_PACE;
	g->next = h->large;
	h->large = g;
	h->old_bytes += size;
	h->old_groups++;
	h->stats.large_objects++;
	h->stats.bytes_allocated += words * WORD;
	return (obj)p;
}

obj heap_alloc_slow(struct heap *h, unsigned type, size_t nfields)
{
	size_t words = nfields + 1;
	uintptr_t *p;

	heap_check(h);
	kassert(!h->in_gc);
	kassert(!h->no_collect);
	if (nfields > OBJ_MAX_FIELDS)
		return fail(h);
	gc_mutator_poll(h);
	if (words > HEAP_LARGE_BYTES / WORD) {
		if (gc_mode() == GC_MODE_GLOBAL)
			gc_stw_poll(h);	/* a stop if a major cycle is due (mm/gc/stw.h) */
		else
			gc_major_poll(h);
		return alloc_large(h, type, nfields);
	}
	if (h->torture ? torture_collect(h, words) : words > (size_t)(h->nursery_limit - h->nursery_top)) {
		if (gc_mode() == GC_MODE_GLOBAL) {
			if (gc_stw_collect(h) < 0)	/* every CPU stops; every heap is collected */
				return fail(h);
		} else {
			if (gc_minor(h) < 0)
				return fail(h);
			gc_major_poll(h);	/* may start a cycle or run a bounded step; nursery stays empty */
			/* The next collection's groups, taken now and not in its pause: a source may
			 * be slow to hand out a fresh block (a hosted one's pages fault in on first
			 * touch, arch/host/lisp_main.c). Failure here is the pause's to report. */
			(void)heap_reserve(h, (size_t)(h->nursery_soft - h->nursery_start) * WORD);
		}
	}
	p = h->nursery_top;
	h->nursery_top += words;
	if (h->torture)
		h->nursery_limit = h->nursery_top;
	p[0] = obj_hdr(type, nfields);
	fill_ptrs(p, type, nfields);
	return (obj)p;
}

obj heap_cons_slow(struct heap *h, obj car, obj cdr)
{
	obj p;

	GC_ROOT(h, car);
	GC_ROOT(h, cdr);
	p = heap_alloc_slow(h, OBJ_T_PAIR, 2);
	GC_UNROOT(h, cdr);
	GC_UNROOT(h, car);
	if (p) {
		obj_fields(p)[0] = car;
		obj_fields(p)[1] = cdr;
	}
	return p;
}

obj heap_make_vector(struct heap *h, size_t n, obj fill)
{
	obj v;

	GC_ROOT(h, fill);
	v = heap_alloc(h, OBJ_T_VECTOR, n);
	GC_UNROOT(h, fill);
	if (v == OBJ_NULL || fill == OBJ_UNSPECIFIED)
		return v;
	if (obj_ptr_p(fill) && !heap_young_p(h, v)) {	/* large: old, so remembered or counted */
		for (size_t i = 0; i < n; i++)
			gc_write(h, v, i, fill);
	} else {
		for (size_t i = 0; i < n; i++)
			obj_fields(v)[i] = fill;
	}
	return v;
}

/* bytes must not lie in the nursery: the allocation may move it. */
obj heap_make_bytes_fill(struct heap *h, unsigned type, const void *bytes, size_t fill, size_t len)
{
	obj o;

	kassert(type > OBJ_T_MIXED && type < OBJ_T_FILLER && fill <= len);
	if (len > (OBJ_MAX_FIELDS - 1) * WORD)
		return fail(h);
	o = heap_alloc(h, type, obj_bytes_fields(len));
	if (o != OBJ_NULL)
		heap_bytes_init(o, bytes, fill, len);
	return o;
}

obj heap_make_bytes(struct heap *h, unsigned type, const void *bytes, size_t len)
{
	return heap_make_bytes_fill(h, type, bytes, bytes ? len : 0, len);
}

obj heap_alloc_mixed(struct heap *h, size_t nptrs, size_t nraw)
{
	obj o;

	if (nptrs > OBJ_MAX_FIELDS - 1 || nraw > OBJ_MAX_FIELDS - 1 - nptrs ||
	    !obj_fixnum_fits((intptr_t)nptrs))
		return fail(h);
	o = heap_alloc(h, OBJ_T_MIXED, 1 + nptrs + nraw);
	if (o == OBJ_NULL)
		return o;
	obj_fields(o)[0] = obj_fixnum((intptr_t)nptrs);
	for (size_t i = 1; i <= nptrs; i++)
		obj_fields(o)[i] = OBJ_UNSPECIFIED;
	return o;
}
