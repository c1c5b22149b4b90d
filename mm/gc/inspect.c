/* inspect.c -- the owner's walks for the memory inspector (inspect.h): its groups, and the
 * holders of one object; and the one-slot mailbox (heap.inspect_req) through which other CPUs ask for it. A request belongs to
 * whoever holds it: the requester until the owner exchanges it out of the slot, then the owner
 * until it sets done; a requester that gives up takes it back out of the slot by
 * compare-and-swap, or, if the owner got there first, waits for done. */
#include <arch.h>
#include <kernel/kernel.h>

#include "barrier.h"
#include "inspect.h"
#include "xheap.h"

#define WORD	sizeof(uintptr_t)

/* Shared objects of g, and how many of them have a remote count: one pass over the shared
 * bitmap, a count lookup (the owner's xlock, one hold each) per shared object. */
static size_t count_shared(struct heap_group *g, struct gc_group_info *gi)
{
	size_t work = HEAP_MARK_WORDS;

	for (size_t w = 0; w < HEAP_MARK_WORDS; w++) {
		uintptr_t bits = arch_atomic_load_relaxed(&g->shared[w]);

		while (bits != 0) {
			unsigned b = (unsigned)__builtin_ctzl(bits);
			obj o = (obj)((uintptr_t)g + (w * HEAP_WORD_BITS + b) * WORD);

			bits &= bits - 1;
			gi->shared++;
			if (gc_remote_count(o) > 0)
				gi->counted++;
			work++;
		}
	}
	return work;
}

void gc_inspect_groups(struct heap *h, struct gc_inspect_req *req)
{
	struct heap_group *lists[2] = { h->small_first, h->large };
	size_t i = 0, work = 0;

	req->n = 0;
	req->total = h->old_groups;
	req->major_cycles = h->stats.major_cycles;
	for (int l = 0; l < 2; l++) {
		for (struct heap_group *g = lists[l]; g != NULL; g = g->next, i++) {
			struct gc_group_info *gi;

			if (i < req->first)
				continue;	/* a pointer chase each: not counted */
			if (req->n == req->max || (req->n > 0 && work >= GC_MAJOR_STEP_WORDS))
				goto out;
			gi = &req->out[req->n++];
			gi->addr = (uintptr_t)g;
			gi->kind = g->kind;
			gi->size = g->size;
			gi->used = (uintptr_t)g->top - (uintptr_t)heap_group_objects(g);
			gi->live = g->live_bytes;
			gi->live_cycle = g->live_cycle;
			gi->shared = 0;
			gi->counted = 0;
			work += count_shared(g, gi);
		}
	}
out:
	if (i > req->total)
		req->total = i;	/* (old_groups lags a group being added) */
	arch_atomic_store(&req->done, 1u);
}

/* --- referrers --- */

/* May the requester have holder p (an object of h, its owner running this) as a value? Only the
 * kinds a program can use (pairs, vectors, closures, symbols, records: not a thread's stack, a
 * box of a captured variable or compiled code), only objects other CPUs may see unless the
 * requester is h's owner (X2), and only where handing it out revives nothing the collector has
 * given up on: a young object (the requester's own: its nursery was collected before the walk,
 * and an object allocated since refers only to objects alive then); while a global mark runs,
 * only a marked one (checked first: h stays in phase MARK through the global CONFIRM and PURGE,
 * when the marks are final and a dead holder's counted references are already dropped, so
 * shading it then would revive an object whose targets other heaps free: found by a helper's
 * program, cross-heap cycles collected while referrers ran); while h's own major marks, the
 * holder is shaded (snapshot marking keeps it and all it reaches: nothing is freed before the
 * sweep); while h sweeps, a marked one or one the sweep has passed (what it kept);
 * between cycles, any (the next mark starts from the roots, the requester's among them). */
static bool givable(struct heap *h, const struct gc_inspect_req *r, uintptr_t *p, unsigned t,
		    bool young, bool shared)
{
	if (t != OBJ_T_PAIR && t != OBJ_T_VECTOR && t != OBJ_T_CLOSURE && t != OBJ_T_SYMBOL &&
	    t != OBJ_T_RECORD)
		return false;
	if (young)
		return r->mine;
	if (!r->mine && !shared)
		return false;
	if (arch_atomic_load_relaxed(&h->gx_cycle) != 0)
		return heap_marked_p(p);
	if (h->major_phase == HEAP_MAJOR_MARK) {
		gc_major_shade(h, (obj)p);
		return true;
	}
	if (h->major_phase == HEAP_MAJOR_SWEEP)
		return heap_marked_p(p) || !gc_unswept_p(h, p);
	return true;
}

/* The fields [*i, end) of the object at p that hold the target, into r->refs; false (with *i
 * where it stopped) when refs is full. */
static bool scan_fields(struct heap *h, struct gc_inspect_req *r, uintptr_t *p, size_t *i,
			size_t end, bool young)
{
	const obj *f = (const obj *)(p + 1);

	for (; *i < end; (*i)++) {
		struct gc_referrer *e;

		if (obj_load(&f[*i]) != r->target)
			continue;
		if (r->n == r->max)
			return false;
		e = &r->refs[r->n++];
		e->holder = (uintptr_t)p;
		e->field = (uint32_t)*i;
		e->type = (uint8_t)obj_hdr_type(p[0]);
		e->young = young;
		e->shared = !young && heap_shared_p(p);
		e->given = givable(h, r, p, e->type, young, e->shared);
		if (e->given && !r->mine)
			gc_pin(h, (obj)p);	/* the requester unpins it once it holds it */
	}
	return true;
}

/* Walk the objects of [from, end) (whole objects, fillers skipped) from words `*word` on,
 * spending at most budget words (one object at least); *word is where it stopped. True when
 * the span is done. An object whose matches do not all fit in refs is left for the next
 * answer (none of it is listed), unless refs is empty (then its first max matches). */
static bool walk_span(struct heap *h, struct gc_inspect_req *r, uintptr_t *from, uintptr_t *end,
		      size_t *word, bool young, size_t *work, size_t budget)
{
	uintptr_t *p = from + *word;

	while (p < end) {
		uintptr_t hdr = p[0];
		size_t words = obj_hdr_size(hdr) + 1, n, i = 0, hits = 0;

		if (*work > 0 && *work + words > budget)
			break;
		*work += words;
		if (obj_hdr_type(hdr) != OBJ_T_FILLER) {
			n = obj_hdr_nptrs(hdr, (const obj *)(p + 1));
			for (size_t k = 0; k < n; k++)
				hits += obj_load(&((const obj *)(p + 1))[k]) == r->target;
			if (hits > r->max - r->n && r->n > 0)
				break;
			scan_fields(h, r, p, &i, n, young);
		}
		p += words;
	}
	*word = (size_t)(p - from);
	return p >= end;
}

/* The group at place index of list (NULL past its end). */
static struct heap_group *nth_group(struct heap_group *list, size_t index)
{
	while (list != NULL && index-- > 0)
		list = list->next;
	return list;
}

void gc_inspect_referrers(struct heap *h, struct gc_inspect_req *r)
{
	struct gc_walk_cursor *c = &r->cursor;
	size_t work = 0;

	r->n = 0;
	while (c->part < 3 && work < GC_MAJOR_STEP_WORDS && r->n < r->max) {
		if (c->part == 0) {		/* the nursery */
			if (c->stamp != h->stats.minor_collections) {
				c->stamp = h->stats.minor_collections;
				c->word = 0;
			}
			if (!walk_span(h, r, h->nursery_start, h->nursery_top, &c->word, true, &work,
				       GC_MAJOR_STEP_WORDS))
				break;
			*c = (struct gc_walk_cursor){ .part = 1 };
			continue;
		}
		struct heap_group *g = nth_group(c->part == 1 ? h->small_first : h->large, c->index);

		if (g == NULL) {
			*c = (struct gc_walk_cursor){ .part = c->part + 1 };
			continue;
		}
		/* its stamp: a small group's sweep mark, and while the sweep is inside it, how far
		 * it has come (each of its steps merges dead objects into fillers and free chunks
		 * that promotion reuses: the cursor's word may no longer start an object); a large
		 * group's object header (a new object of another size may take the place of a freed
		 * one) */
		uint64_t stamp = c->part == 1 ? g->swept : heap_group_objects(g)[0];
		uintptr_t swept_to = c->part == 1 && g == h->sweep_g ? (uintptr_t)h->sweep_pos : 0;

		if (c->group != (uintptr_t)g || c->stamp != stamp || c->swept_to != swept_to) {
			c->group = (uintptr_t)g;	/* a new group, or this one changed: from its start */
			c->stamp = stamp;
			c->swept_to = swept_to;
			c->word = 0;
		}
		if (c->part == 1) {
			if (!walk_span(h, r, heap_group_objects(g), g->top, &c->word, false, &work,
				       GC_MAJOR_STEP_WORDS))
				break;
		} else {	/* one large object: its fields a budget at a time */
			uintptr_t *p = heap_group_objects(g);
			size_t n = obj_hdr_type(p[0]) == OBJ_T_FILLER ? 0 :
				   obj_hdr_nptrs(p[0], (const obj *)(p + 1));
			size_t end;

			if (c->word > n)
				c->word = n;	/* a value stack whose live part came down since */
			end = n - c->word > GC_MAJOR_STEP_WORDS - work ?
				     c->word + (GC_MAJOR_STEP_WORDS - work) : n;

			work += end - c->word + 1;
			if (!scan_fields(h, r, p, &c->word, end, false) || c->word < n)
				break;
		}
		c->index++;
		c->word = 0;
		c->group = 0;
	}
	arch_atomic_store(&r->done, 1u);
}

static void answer(struct heap *h, struct gc_inspect_req *req)
{
	if (req->kind == GC_INSPECT_REFERRERS)
		gc_inspect_referrers(h, req);
	else
		gc_inspect_groups(h, req);
}

void gc_inspect_poll(struct heap *h)
{
	struct gc_inspect_req *req;

	if (arch_atomic_load_relaxed(&h->inspect_req) == NULL)
		return;	/* the common case: one load */
	req = arch_atomic_xchg(&h->inspect_req, NULL);
	if (req != NULL)
		answer(h, req);
}

int gc_inspect_request(struct heap *self, struct heap *v, struct gc_inspect_req *req,
		       unsigned timeout_ms)
{
	uint64_t end = arch_cycles() + (uint64_t)timeout_ms * (arch_cycles_per_sec() / 1000);
	bool posted = false;

	req->done = 0;
	if (v == self) {
		answer(v, req);
		return 0;
	}
	while (!arch_atomic_load(&req->done)) {
		if (!posted) {
			struct gc_inspect_req *none = NULL;

			posted = __atomic_compare_exchange_n(&v->inspect_req, &none, req, false,
							     __ATOMIC_SEQ_CST, __ATOMIC_RELAXED);
		}
		if (arch_cycles() > end) {
			struct gc_inspect_req *mine = req;

			if (!posted || __atomic_compare_exchange_n(&v->inspect_req, &mine, NULL, false,
								   __ATOMIC_SEQ_CST, __ATOMIC_RELAXED))
				return -1;	/* never taken */
			while (!arch_atomic_load(&req->done))	/* taken: being answered */
				arch_cpu_relax();
			break;
		}
		gc_safepoint(self);	/* answer others meanwhile (two CPUs may ask each other) */
		arch_cpu_relax();
	}
	return 0;
}
