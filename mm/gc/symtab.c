/* symtab.c -- the weak symbol table: the collector's part. The interpreter's one table (chains
 * of symbols linked through their next field, hanging from the slots of a vector, lisp/
 * globals.c) would keep every symbol ever interned: each symbol keeps the rest of its chain,
 * across heaps too (counted references). So in a marking that decides symbols' death the
 * chain links are weak: the marker walks through the symbols that need nothing (unbound, no
 * flags) and marks only those that must stay, and the purge, after the final marks and before
 * any sweep, unlinks every unmarked symbol under the table's lock. Which marking decides: the
 * local cycle of the table's home heap while the table is unshared (no other CPU runs Scheme),
 * the global mark (xcycle.c) once it is shared. A lookup shades what it finds (the table is a
 * weak reference read during a snapshot-at-the-beginning mark). The argument: docs/gc.md, "The
 * weak symbol table". st is written at registration (boot, one CPU) and read after. */
#include <arch.h>
#include <kernel/kernel.h>

#include "barrier.h"
#include "gc.h"
#include "xheap.h"

static struct {
	struct heap *home;
	obj holder;		/* old (does not move): fields table_field and count_field */
	size_t table_field, count_field;
	const struct gc_symtab_ops *ops;
	unsigned registrations;
	bool on;
} st;

void gc_symtab_register(struct heap *home, obj holder, const struct gc_symtab_ops *ops,
			size_t table_field, size_t count_field)
{
	kassert(!heap_young_p(home, holder));
	if (st.registrations++ > 0) {
		arch_atomic_store(&st.on, false);	/* two tables: neither is weak */
		return;
	}
	st.home = home;
	st.holder = holder;
	st.table_field = table_field;
	st.count_field = count_field;
	st.ops = ops;
	arch_atomic_store(&st.on, true);
}

void gc_symtab_forget(struct heap *h)
{
	if (st.registrations == 0 || st.home != h)
		return;
	arch_atomic_store(&st.on, false);
	st.registrations = 0;
	st.home = NULL;
}

static bool on(void)
{
	return arch_atomic_load_relaxed(&st.on);
}

arch_irqflags_t gc_symtab_lock(void)
{
	return on() ? st.ops->lock() : 0;
}

void gc_symtab_unlock(arch_irqflags_t f)
{
	if (on())
		st.ops->unlock(f);
}

static obj table_vector(void)
{
	return obj_load(&obj_fields(st.holder)[st.table_field]);
}

bool gc_symtab_shared(void)
{
	return on() && heap_shared_p((void *)st.holder);
}

bool gc_symtab_weak_local(struct heap *h)
{
	return on() && h == st.home && !heap_shared_p((void *)st.holder);
}

bool gc_symtab_weak_global(void)
{
	return gc_symtab_shared();
}

/* Must symbol s stay although nothing refers to it? Bound, or any flag set (special forms). */
static bool keep(obj s)
{
	const obj *f = obj_fields(s);
	obj flags = __atomic_load_n(&f[GC_SYM_FLAGS], __ATOMIC_RELAXED);

	return obj_load(&f[GC_SYM_VALUE]) != OBJ_UNDEFINED || !obj_fixnum_p(flags) ||
	       (obj_fixnum_value(flags) & 0xff) != 0;
}

int gc_symtab_weak_kind(const struct heap *h, obj o)
{
	if (!h->sym_weak)
		return 0;
	if (obj_type(o) == OBJ_T_SYMBOL)
		return 1;
	return o == table_vector() ? 2 : 0;
}

bool gc_symtab_weak_field(const struct heap *h, obj o, size_t i)
{
	int k = gc_symtab_weak_kind(h, o);

	return k == 2 || (k == 1 && i == GC_SYM_NEXT);
}

size_t gc_symtab_follow(struct heap *h, obj s)
{
	for (size_t hops = 0;; hops++) {
		if (!obj_ptr_p(s) || heap_young_p(h, s))
			return hops;	/* the end, or young: black (made after the snapshot) */
		if (heap_group_of((void *)s)->owner != h && h->gx_cycle == 0)
			return hops;	/* (none while unshared) another heap's: its counts hold it */
		if (heap_marked_p((void *)s))
			return hops;	/* its own scan follows its link */
		if (obj_type(s) != OBJ_T_SYMBOL || hops == GC_SYMTAB_FOLLOW_MAX || keep(s)) {
			gc_major_shade(h, s);	/* (a long run is marked: safe, kept one cycle more) */
			return hops;
		}
		s = obj_load(&obj_fields(s)[GC_SYM_NEXT]);
	}
}

void gc_symtab_found(struct heap *h, obj s)
{
	struct heap *v;

	if (!on() || !obj_ptr_p(s) || heap_young_p(h, s))
		return;
	v = heap_group_of((void *)s)->owner;
	if (v != h)
		gc_xshade(v, s);	/* takes it only while v marks, only if white */
	else if (h->major_marking)
		gc_major_shade(h, s);
}

size_t gc_symtab_unweaken(struct heap *h)
{
	arch_irqflags_t f = st.ops->lock();
	obj vec = table_vector();
	size_t n = obj_hdr_size(obj_header(vec)), work = n;

	h->sym_weak = false;
	for (size_t i = 0; i < n; i++)
		for (obj s = obj_load(&obj_fields(vec)[i]); obj_ptr_p(s);
		     s = obj_load(&obj_fields(s)[GC_SYM_NEXT]), work++)
			gc_major_shade(h, s);	/* ours marked; another heap's: its business */
	st.ops->unlock(f);
	return work;
}

/* Marks final, nothing swept. Is symbol s garbage? An unmarked symbol that must stay would be
 * a broken marking (bound symbols are marked when found, docs/gc.md). */
static bool dead(obj s)
{
	if (heap_marked_p((void *)s))
		return false;
	kassert(!keep(s));
	return !keep(s);
}

/* Live holder's slot i named dead symbol old; it names value (live, or #f) now. No barrier:
 * the marks are final (nothing to shade) and old's count entry goes whole with its owner's
 * purge (xcycle.c); only the holder's share of the counts between heaps changes. */
static void relink(obj holder, size_t i, obj old, obj value)
{
	struct heap *hh = heap_group_of((void *)holder)->owner;

	__atomic_store_n(&obj_fields(holder)[i], value, __ATOMIC_RELEASE);
	if (obj_ptr_p(value) && heap_group_of((void *)value)->owner != hh)
		gc_xref_inc(hh, value);
	if (heap_group_of((void *)old)->owner != hh)
		arch_atomic_sub(&hh->xref_out[heap_group_of((void *)old)->owner->cpu], 1);
}

void gc_symtab_purge_locked(void)
{
	obj vec = table_vector(), *count = &obj_fields(st.holder)[st.count_field];
	size_t n = obj_hdr_size(obj_header(vec)), removed = 0;

	for (size_t i = 0; i < n; i++) {
		obj holder = vec, s = obj_load(&obj_fields(vec)[i]);
		size_t slot = i;

		while (obj_ptr_p(s)) {
			obj t = s;

			if (!dead(s)) {
				holder = s;
				slot = GC_SYM_NEXT;
				s = obj_load(&obj_fields(s)[GC_SYM_NEXT]);
				continue;
			}
			do {	/* a run of dead ones goes at once: one store, one count */
				t = obj_load(&obj_fields(t)[GC_SYM_NEXT]);
				removed++;
			} while (obj_ptr_p(t) && dead(t));
			relink(holder, slot, s, t);
			s = t;
		}
	}
	if (removed > 0)	/* a fixnum: no barrier */
		__atomic_store_n(count, obj_fixnum(obj_fixnum_value(*count) - (intptr_t)removed),
				 __ATOMIC_RELAXED);
}

void gc_symtab_purge_local(struct heap *h)
{
	arch_irqflags_t f = st.ops->lock();

	kassert(h == st.home && !heap_shared_p((void *)st.holder));
	gc_symtab_purge_locked();
	st.ops->unlock(f);
}
