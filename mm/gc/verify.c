/* verify.c -- gc_verify(): walk one heap and check the invariants G1-G10 stated in gc.h.
 * Debug builds only; slow (group membership is a list walk, remset lookup is linear), meant for
 * tests and torture runs. Reports the first violation with kprintf and returns -1. */
#include <kernel/kernel.h>

#include "barrier.h"
#include "gc.h"
#include "xheap.h"

#ifdef CONFIG_DEBUG

#define BAD(...)	do { kprintf("gc_verify: " __VA_ARGS__); kprintf("\n"); return -1; } while (0)

/* The index of old groups by the 64 KiB blocks they cover (a large group covers several), made
 * when gc_verify begins and dropped when it ends: looking a group up by walking the lists made
 * every verification quadratic in the heap. Without memory for it, the lists are walked. */
static size_t vslot(uintptr_t block, size_t cap)
{
	return (size_t)(((uint32_t)block * 2654435761u) & (cap - 1));
}

static void index_group(struct heap *h, struct heap_group *g)
{
	uintptr_t first = (uintptr_t)g / HEAP_GROUP_SIZE, end = ((uintptr_t)g + g->size) / HEAP_GROUP_SIZE;

	for (uintptr_t b = first; b < end; b++) {
		size_t i = vslot(b, h->vindex_cap);

		while (h->vindex[i] != NULL)
			i = (i + 1) & (h->vindex_cap - 1);
		h->vindex[i] = g;
	}
}

static void index_make(struct heap *h)
{
	size_t blocks = 0, cap = 1024;

	for (struct heap_group *g = h->small_first; g; g = g->next)
		blocks++;
	for (struct heap_group *g = h->large; g; g = g->next)
		blocks += g->size / HEAP_GROUP_SIZE;
	while (cap < 2 * blocks)
		cap *= 2;
	h->vindex = heap_src_alloc(h, ALIGN_UP(cap * sizeof(*h->vindex), (size_t)HEAP_GROUP_SIZE));
	if (h->vindex == NULL)
		return;
	h->vindex_cap = cap;
	memset(h->vindex, 0, cap * sizeof(*h->vindex));
	for (struct heap_group *g = h->small_first; g; g = g->next)
		index_group(h, g);
	for (struct heap_group *g = h->large; g; g = g->next)
		index_group(h, g);
}

static void index_drop(struct heap *h)
{
	if (h->vindex != NULL)
		heap_src_free(h, h->vindex,
			    ALIGN_UP(h->vindex_cap * sizeof(*h->vindex), (size_t)HEAP_GROUP_SIZE));
	h->vindex = NULL;
	h->vindex_cap = 0;
}

/* The old group of this heap whose object area holds address a, or NULL. */
static struct heap_group *old_group_of(const struct heap *h, uintptr_t a)
{
	if (h->vindex != NULL) {
		uintptr_t b = a / HEAP_GROUP_SIZE;

		for (size_t i = vslot(b, h->vindex_cap); h->vindex[i] != NULL;
		     i = (i + 1) & (h->vindex_cap - 1)) {
			struct heap_group *g = h->vindex[i];

			if ((uintptr_t)g / HEAP_GROUP_SIZE <= b && b < ((uintptr_t)g + g->size) / HEAP_GROUP_SIZE)
				return a >= (uintptr_t)heap_group_objects(g) && a < (uintptr_t)g->top ? g : NULL;
		}
		return NULL;
	}
	for (struct heap_group *g = h->small_first; g; g = g->next)
		if (a >= (uintptr_t)heap_group_objects(g) && a < (uintptr_t)g->top)
			return g;
	for (struct heap_group *g = h->large; g; g = g->next)
		if (a >= (uintptr_t)heap_group_objects(g) && a < (uintptr_t)g->top)
			return g;
	return NULL;
}

/* G2 for one value found at where (a description for the report). */
static int check_value(const struct heap *h, obj v, const void *where)
{
	uintptr_t *p, *end;

	if (obj_fixnum_p(v))
		return 0;
	if (obj_imm_p(v)) {
		if (obj_char_p(v) ? obj_char_value(v) <= OBJ_CHAR_MAX : (v >> 3) < OBJ_CONST_COUNT)
			return 0;
		BAD("bad immediate %#lx at %p", (unsigned long)v, where);
	}
	if (v == OBJ_NULL)
		BAD("null reference at %p", where);
	if ((v & 3) != 0)
		BAD("header-tagged word %#lx used as a value at %p", (unsigned long)v, where);
	p = obj_words(v);
	if (heap_young_p(h, v)) {
		if (p >= h->nursery_top)
			BAD("reference %p at %p is beyond nursery_top", (void *)p, where);
		end = h->nursery_top;
	} else {
		struct heap_group *g = old_group_of(h, v);

		if (g == NULL) {
			/* X2: another heap's shared object (its group and header are stable while
			 * we refer to it: it cannot be freed under a reference) */
			g = heap_group_of(p);
			if (!h->attached || g->magic != HEAP_GROUP_MAGIC || g->owner == h ||
			    gc_world_heap(g->owner->cpu) != g->owner)
				BAD("reference %p at %p is outside this heap and the world", (void *)p, where);
			if (!heap_shared_p(p))
				BAD("reference %p at %p to cpu %u's object, which is not shared",
				    (void *)p, where, g->owner->cpu);
			if (!obj_hdr_valid_p(p[0]) || obj_hdr_type(p[0]) == OBJ_T_FILLER ||
			    obj_hdr_type(p[0]) == OBJ_T_STACK)
				BAD("reference %p at %p to cpu %u: bad header %#lx", (void *)p, where,
				    g->owner->cpu, (unsigned long)p[0]);
			return 0;
		}
		if (g->kind == HEAP_GROUP_LARGE && p != heap_group_objects(g))
			BAD("reference %p at %p is inside a large object", (void *)p, where);
		end = g->top;
	}
	if (!obj_hdr_valid_p(p[0]))
		BAD("reference %p at %p: bad header %#lx", (void *)p, where, (unsigned long)p[0]);
	if (obj_hdr_type(p[0]) == OBJ_T_FILLER)
		BAD("reference %p at %p to a filler", (void *)p, where);
	if (obj_hdr_size(p[0]) + 1 > (size_t)(end - p))
		BAD("object %p referenced at %p runs past its area", (void *)p, where);
	return 0;
}

/* Marking is over (G7's strong form): the stack is empty, no overflow pass is due, and no
 * other CPU owes a shade (gc_xmark_quiet: an empty stack alone held while other CPUs' shades
 * waited in the buffer, and --verify panicked on a race-free program). */
static bool mark_complete(const struct heap *h)
{
	return h->major_phase == HEAP_MAJOR_MARK && h->mark_sp == 0 && !h->mark_overflow &&
	       h->rescan_g == NULL && gc_xmark_quiet((struct heap *)h);	/* (takes its lock) */
}


/* G7/G9 for a value held by a live referrer (already G2-checked). */
static int check_color(const struct heap *h, obj v, const void *where)
{
	if (!obj_ptr_p(v) || heap_young_p(h, v) || heap_group_of((void *)v)->owner != h ||
	    heap_marked_p((void *)v))
		return 0;
	if (mark_complete(h))
		BAD("marking complete but %p referenced at %p is white", (void *)v, where);
	if (gc_marks_final(h, (void *)v))
		BAD("live slot %p refers to dead object %p", where, (void *)v);
	return 0;
}

/* Is the object at p live as far as the verifier may tell (G9)? */
static bool live_p(const struct heap *h, uintptr_t *p, bool old)
{
	return !old || !gc_marks_final(h, p) || heap_marked_p(p);
}

/* Is the object at p a referrer whose targets G7/G9 constrain? */
static bool strict_p(const struct heap *h, uintptr_t *p, bool old)
{
	if (!old)
		return h->major_phase != HEAP_MAJOR_IDLE;
	if (h->major_phase == HEAP_MAJOR_MARK)
		return heap_marked_p(p);
	return h->major_phase == HEAP_MAJOR_SWEEP;
}

/* G1 over [from, to); G2 for every pointer field of a live object; G3 when old; G7-G9. */
static int check_area(const struct heap *h, uintptr_t *from, uintptr_t *to, bool old,
		      bool fillers_ok)
{
	uintptr_t *p = from;

	while (p < to) {
		uintptr_t hdr = p[0];
		obj *f = (obj *)p + 1;
		size_t n;
		bool strict, shared;

		if (!obj_hdr_valid_p(hdr))
			BAD("bad header %#lx at %p", (unsigned long)hdr, (void *)p);
		if (obj_hdr_size(hdr) + 1 > (size_t)(to - p))
			BAD("object %p (size %lu) runs past %p", (void *)p,
			    (unsigned long)obj_hdr_size(hdr), (void *)to);
		if (obj_hdr_type(hdr) == OBJ_T_FILLER && !fillers_ok)
			BAD("filler at %p in a large group", (void *)p);
		if (old && obj_hdr_type(hdr) == OBJ_T_FILLER && heap_marked_p(p))
			BAD("filler at %p is marked", (void *)p);
		if (!live_p(h, p, old)) {
			p += obj_hdr_size(hdr) + 1;
			continue;
		}
		strict = strict_p(h, p, old);
		n = obj_hdr_nptrs(hdr, f);
		shared = old && heap_shared_p(p);
		if (shared && obj_hdr_type(hdr) == OBJ_T_STACK)
			BAD("stack object %p is shared", (void *)p);
		for (size_t i = 0; i < n; i++) {
			/* read once: another CPU may store into a shared object of ours meanwhile */
			obj v = obj_load(&f[i]);

			/* Young and stack objects hold uncounted references to other heaps; if the
			 * holder is garbage, its target may be long gone: only live holders (roots
			 * and what they reach) would be checkable there, and that is not known. */
			if ((!old || obj_hdr_type(hdr) == OBJ_T_STACK) && obj_ptr_p(v) &&
			    !heap_young_p(h, v) && old_group_of(h, v) == NULL)
				continue;	/* not ours: not even its group header may be read */
			if (check_value(h, v, &f[i]) != 0)
				return -1;
			if (shared && obj_ptr_p(v) && !gc_shared_p(h, v) && !h->publishing)
				BAD("shared %p (type %u, %lu fields) field %lu refers to unshared %p "
				    "(type %u) (X1)", (void *)p, obj_hdr_type(hdr),
				    (unsigned long)obj_hdr_size(hdr), (unsigned long)i, (void *)v,
				    obj_type(v));
			if (strict && !(h->major_phase == HEAP_MAJOR_MARK &&
					gc_symtab_weak_field(h, (obj)p, i)) &&
			    check_color(h, v, &f[i]) != 0)
				return -1;	/* (a weak link may name a white symbol until the purge) */
			if (old && heap_young_p(h, v) && !h->remset_overflow &&
			    !gc_remset_contains(h, &f[i]))
				BAD("old slot %p -> young %p not in the remembered set",
				    (void *)&f[i], (void *)v);
		}
		p += obj_hdr_size(hdr) + 1;
	}
	return 0;
}

static int check_group(const struct heap *h, const struct heap_group *g, enum heap_group_kind kind)
{
	if (g->magic != HEAP_GROUP_MAGIC || g->owner != h || g->kind != (uint32_t)kind)
		BAD("group %p: magic %#x owner %p kind %u (want kind %u)", (const void *)g,
		    g->magic, (void *)g->owner, g->kind, (unsigned)kind);
	if ((uintptr_t)g & (HEAP_GROUP_SIZE - 1))
		BAD("group %p misaligned", (const void *)g);
	if (g->limit != (uintptr_t *)((char *)g + g->size) ||
	    g->top < heap_group_objects((struct heap_group *)g) || g->top > g->limit)
		BAD("group %p: top %p limit %p size %lu", (const void *)g, (void *)g->top,
		    (void *)g->limit, (unsigned long)g->size);
	return 0;
}

/* G8 for one group: set bits == marked object starts, none where none may be. */
static int check_bits(const struct heap *h, struct heap_group *g)
{
	size_t set = 0, starts = 0;
	bool none = h->major_phase == HEAP_MAJOR_IDLE ||
		    (h->major_phase == HEAP_MAJOR_SWEEP && g->swept == h->sweep_epoch);

	for (size_t i = 0; i < HEAP_MARK_WORDS; i++)
		set += (size_t)__builtin_popcountl((unsigned long)g->mark[i]);
	for (uintptr_t *p = heap_group_objects(g); p < g->top; p += obj_hdr_size(*p) + 1)
		if (heap_mark_bit(p) < HEAP_MARK_WORDS * HEAP_WORD_BITS &&
		    (uintptr_t)p - (uintptr_t)g < HEAP_GROUP_SIZE && heap_marked_p(p)) {
			starts++;
			if (h->major_phase == HEAP_MAJOR_SWEEP && g == h->sweep_g && p < h->sweep_pos)
				BAD("group %p: %p is marked behind the sweep's cursor %p", (void *)g,
				    (void *)p, (void *)h->sweep_pos);
		}
	if (h->major_phase == HEAP_MAJOR_SWEEP && g == h->sweep_g && h->sweep_pos != NULL &&
	    (h->sweep_pos < heap_group_objects(g) || h->sweep_pos >= g->top))
		BAD("group %p: the sweep's cursor %p lies outside it", (void *)g, (void *)h->sweep_pos);
	if (set != starts)
		BAD("group %p: %lu mark bits set, %lu at object starts", (void *)g,
		    (unsigned long)set, (unsigned long)starts);
	if (none && set)
		BAD("group %p has %lu mark bits in phase %u (swept %lu, epoch %lu)", (void *)g,
		    (unsigned long)set, h->major_phase, (unsigned long)g->swept,
		    (unsigned long)h->sweep_epoch);
	/* shared bits: only at the starts of objects (not fillers) */
	set = starts = 0;
	for (size_t i = 0; i < HEAP_MARK_WORDS; i++)
		set += (size_t)__builtin_popcountl((unsigned long)g->shared[i]);
	for (uintptr_t *p = heap_group_objects(g); p < g->top; p += obj_hdr_size(*p) + 1)
		if (heap_mark_bit(p) < HEAP_MARK_WORDS * HEAP_WORD_BITS &&
		    (uintptr_t)p - (uintptr_t)g < HEAP_GROUP_SIZE && heap_shared_p(p)) {
			if (obj_hdr_type(p[0]) == OBJ_T_FILLER)
				BAD("filler %p has a shared bit", (void *)p);
			starts++;
		}
	if (set != starts)
		BAD("group %p: %lu shared bits set, %lu at object starts", (void *)g,
		    (unsigned long)set, (unsigned long)starts);
	return 0;
}

static int check_major(const struct heap *h)
{
	if (h->major_marking != (h->major_phase == HEAP_MAJOR_MARK))
		BAD("major_marking %d in phase %u", h->major_marking, h->major_phase);
	if ((h->mark_stack == NULL) != (h->major_phase == HEAP_MAJOR_IDLE))
		BAD("mark stack %p in phase %u", (void *)h->mark_stack, h->major_phase);
	if (h->major_phase == HEAP_MAJOR_MARK) {
		if (h->mark_sp > h->mark_cap)
			BAD("mark_sp %lu > cap %lu", (unsigned long)h->mark_sp, (unsigned long)h->mark_cap);
		for (size_t i = 0; i < h->mark_sp; i++) {
			obj o = h->mark_stack[2 * i];
			size_t k = h->mark_stack[2 * i + 1];

			if (heap_young_p(h, o) || old_group_of(h, o) == NULL || !heap_marked_p((void *)o))
				BAD("mark stack entry %lu: %p is not a marked old object",
				    (unsigned long)i, (void *)o);
			if (k >= obj_hdr_nptrs(obj_header(o), obj_fields(o)) &&
			    obj_type(o) != OBJ_T_STACK)	/* a stack's top may have come down */
				BAD("mark stack entry %lu: index %lu out of range", (unsigned long)i,
				    (unsigned long)k);
		}
	}
	for (struct heap_group *g = h->small_first; g; g = g->next)
		if (check_bits(h, g) != 0)
			return -1;
	for (struct heap_group *g = h->large; g; g = g->next)
		if (check_bits(h, g) != 0)
			return -1;
	if (h->plab_top != NULL || h->plab_limit != NULL || h->plab_end)
		BAD("promotion region left open: %p..%p", (void *)h->plab_top, (void *)h->plab_limit);
	for (unsigned k = 0; k < HEAP_FREE_CLASSES; k++) {
		if (((h->free_mask >> k) & 1) != (h->free_list[k] != NULL))
			BAD("free mask %#x disagrees with free list %u", h->free_mask, k);
		for (uintptr_t *c = h->free_list[k]; c; c = (uintptr_t *)c[1]) {
			struct heap_group *g = old_group_of(h, (uintptr_t)c);
			size_t words = obj_hdr_size(c[0]) + 1;

			if (g == NULL || g->kind != HEAP_GROUP_SMALL)
				BAD("free chunk %p is not in a small group", (void *)c);
			if (!obj_hdr_valid_p(c[0]) || obj_hdr_type(c[0]) != OBJ_T_FILLER || words < 2)
				BAD("free chunk %p: header %#lx", (void *)c, (unsigned long)c[0]);
			if (words < ((size_t)1 << k) || (k + 1 < HEAP_FREE_CLASSES && words >> (k + 1)))
				BAD("free chunk %p of %lu words in class %u", (void *)c,
				    (unsigned long)words, k);
			if (gc_unswept_p(h, c))
				BAD("free chunk %p in an unswept group", (void *)c);
			for (size_t i = 2; i < words; i++)
				if (c[i] != (uintptr_t)GC_POISON)
					BAD("free chunk %p word %lu is not poison", (void *)c,
					    (unsigned long)i);
		}
	}
	return 0;
}

static int verify(struct heap *h);

bool gc_verify_due(struct heap *h, size_t work_bytes, bool force)
{
	if (!h->verify)
		return false;
	h->verify_credit += work_bytes;
	if (!force && h->old_bytes > GC_VERIFY_ALL_BYTES && h->verify_credit < h->old_bytes / 8)
		return false;
	h->verify_credit = 0;
	return true;
}

int gc_verify(struct heap *h)
{
	int rc;

	heap_check(h);
	if (h->vindex != NULL)
		return verify(h);	/* nested (gc_verify_world): the index is made */
	index_make(h);
	rc = verify(h);
	index_drop(h);
	return rc;
}

static int verify(struct heap *h)
{
	size_t bytes = 0, groups = 0, spares = 0;
	struct heap_group *last = NULL;

	/* G5 */
	for (struct heap_group *g = h->small_first; g; g = g->next) {
		if (check_group(h, g, HEAP_GROUP_SMALL) != 0)
			return -1;
		if (g->size != HEAP_GROUP_SIZE)
			BAD("small group %p of size %lu", (void *)g, (unsigned long)g->size);
		bytes += g->size;
		groups++;
		last = g;
	}
	if (last != h->small_last)
		BAD("small_last %p is not the last small group %p", (void *)h->small_last, (void *)last);
	for (struct heap_group *g = h->large; g; g = g->next) {
		uintptr_t *o = heap_group_objects(g);

		if (check_group(h, g, HEAP_GROUP_LARGE) != 0)
			return -1;
		if (g->top == o || g->top != o + obj_hdr_size(o[0]) + 1)
			BAD("large group %p does not hold exactly one object", (void *)g);
		bytes += g->size;
		groups++;
	}
	if (bytes != h->old_bytes || groups != h->old_groups)
		BAD("old_bytes %lu / old_groups %lu, lists hold %lu / %lu",
		    (unsigned long)h->old_bytes, (unsigned long)h->old_groups,
		    (unsigned long)bytes, (unsigned long)groups);
	for (struct heap_group *g = h->spare; g; g = g->next) {
		if (check_group(h, g, HEAP_GROUP_SPARE) != 0)
			return -1;
		if (g->top != heap_group_objects(g))
			BAD("spare group %p is not empty", (void *)g);
		spares++;
	}
	if (spares != h->nspare)
		BAD("nspare %lu, spare list holds %lu", (unsigned long)h->nspare, (unsigned long)spares);

	/* G1, G2, G3 */
	/* the nursery may hold fillers: what gc_promote_closure moved out */
	if (check_area(h, h->nursery_start, h->nursery_top, false, true) != 0)
		return -1;
	for (struct heap_group *g = h->small_first; g; g = g->next)
		if (check_area(h, heap_group_objects(g), g->top, true, true) != 0)
			return -1;
	for (struct heap_group *g = h->large; g; g = g->next)
		if (check_area(h, heap_group_objects(g), g->top, true, false) != 0)
			return -1;
	for (const struct gc_rootstack *rs = h->rootstacks; rs; rs = rs->next)
	for (unsigned i = 0; i < rs->n; i++) {
		if (*rs->slots[i] == OBJ_NULL)
			continue;
		if (check_value(h, *rs->slots[i], rs->slots[i]) != 0 ||
		    check_color(h, *rs->slots[i], rs->slots[i]) != 0)
			return -1;
	}

	/* G4 */
	if (h->remset_len > h->remset_cap)
		BAD("remset_len %lu > cap %lu", (unsigned long)h->remset_len,
		    (unsigned long)h->remset_cap);
	for (size_t i = 0; i < h->remset_len; i++) {
		if (old_group_of(h, (uintptr_t)h->remset[i]) == NULL)
			BAD("remembered slot %p is not in an old group", (void *)h->remset[i]);
		if (((uintptr_t)h->remset[i] & (sizeof(obj) - 1)) != 0)
			BAD("remembered slot %p misaligned", (void *)h->remset[i]);
	}
	for (unsigned i = 0; i < GC_REMSET_CACHE; i++)
		if (h->remset_cache[i] && !gc_remset_contains(h, h->remset_cache[i]))
			BAD("remset cache names %p, absent from the set", (void *)h->remset_cache[i]);

	/* G7 stack, G8 bitmaps, G10 free chunks */
	if (check_major(h) != 0)
		return -1;

	/* G6 */
	for (uintptr_t *p = h->nursery_top; p < h->nursery_end; p++)
		if (*p != (uintptr_t)GC_POISON)
			BAD("free nursery word %p is %#lx, not poison", (void *)p, (unsigned long)*p);
	return 0;
}

#else

int gc_verify(struct heap *h)
{
	(void)h;
	return 0;
}

#endif
