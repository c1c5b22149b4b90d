/* alloc.c -- allocation for the interpreter: every request that the heap refuses is retried once
 * after a full collection (with room lent by the block source: lisp.h, gc_lend), then fails
 * with L->err = OBJ_NULL ("heap exhausted"); it fails at once when the collections at the
 * limit no longer pay (the overhead limit, mm/gc/overhead.c); object makers; the value stack
 * (growth up to the limit, "recursion too deep"); the C recursion guard.
 * Every function here keeps its own obj arguments alive across its allocations. */
#include "internal.h"

/* The heap is exhausted: the next refusal collects again (what the program held may be
 * garbage once the error is handled). The first refusal since the heap last recovered also
 * lends the handler's reserve: room past what the heap holds, as the REPL's recovering
 * collection has, so that a handler can run while the data that filled the heap is still
 * live (a guard captures its handler's continuation, a copy of the stack, and makes closures
 * before it unwinds: the loan has the stack's size on top).
 * The loan ends with the next full collection (lisp_gc_full): the retry of a refusal, or
 * the one when a continuation is resumed (a handler escaped: the frames that held the data
 * are cut away; vm.c, SP_RESUME), which also ends the episode, as a collection that finds the
 * heap under half its limit does; a heap already an eighth past its limit gets no loan, so
 * loans cannot grow it without bound (within_loans; and lisp_lend_kind). */
static bool within_loans(const struct heap *h)
{
	return h->limit_bytes == 0 || arch_atomic_load_relaxed(&h->src_bytes) <= h->limit_bytes / 8 * 9;
}

/* The loan for a collection that must succeed (a refused allocation's retry, (gc)): a reserve
 * past the limit; but a heap the handler's loan left past its limit (its garbage may outlive
 * the handler's escape: a guard's clause runs while its handler's continuation holds the
 * data) gets room past what it holds: else the collection could not run, and a program that
 * caught the error failed at its next allocation (a review's). That room is the collection's
 * alone (lisp_gc_full stops the loan after it): an allocation whose collection leaves the
 * heap past the loans' bound still fails (retry, lisp_publish), so a program that merely
 * fills its heap stops at the reserve past the limit. (Until stop 54 a heap past the bound got
 * the reserve past the limit, less than it held: no collection could run again, and even
 * after the program dropped everything, every (gc) and allocation failed for good.) */
int lisp_lend_kind(struct lisp *L)
{
	return L->loaned ? LISP_LEND_RECOVER : LISP_LEND_RETRY;
}

static obj exhausted(struct lisp *L)
{
	struct heap *h = L->h;

	gc_overhead_reset(h);
	if (!L->exhausted && L->cfg.gc_lend && !h->in_gc && within_loans(h)) {
		L->cfg.gc_lend(L->cfg.gc_lend_ctx, h, LISP_LEND_RECOVER, L->sp * sizeof(obj));
		L->loaned = true;
	}
	L->exhausted = true;
	L->err = OBJ_NULL;
	return OBJ_NULL;
}

static obj retry(struct lisp *L, unsigned type, size_t n)
{
	struct heap *h = L->h;
	obj o;

	if (h->in_gc || gc_overhead_exceeded(h) || lisp_gc_full(L, lisp_lend_kind(L)) < 0 ||
	    !within_loans(h))
		return exhausted(L);
	o = heap_alloc(h, type, n);
	return o != OBJ_NULL ? o : exhausted(L);
}

bool lisp_publish(struct lisp *L, obj *v)
{
	struct heap *h = L->h;
	obj x = *v;
	int rc;

	if (gc_publish(h, &x) == 0) {
		*v = x;
		return true;
	}
	ROOT(x);	/* the failed publication may have moved it (its first minor collection) */
	rc = h->in_gc || gc_overhead_exceeded(h) ? -1 : lisp_gc_full(L, lisp_lend_kind(L));
	if (rc == 0 && !within_loans(h))
		rc = -1;	/* as retry's */
	if (rc == 0)
		rc = gc_publish(h, &x);
	UNROOT(x);
	if (rc < 0) {
		h->stats.alloc_failures++;
		exhausted(L);
		return false;
	}
	*v = x;
	return true;
}

int lisp_gc_full(struct lisp *L, int lend)
{
	int rc;

	if (L->cfg.gc_lend)
		L->cfg.gc_lend(L->cfg.gc_lend_ctx, L->h, lend, 0);
	rc = gc_overhead_full(L->h);
	if (L->cfg.gc_lend)
		L->cfg.gc_lend(L->cfg.gc_lend_ctx, L->h, LISP_LEND_STOP, 0);
	/* back under its limit: the loan is paid back; under half: the heap has recovered (the
	 * next exhaustion lends again) */
	if (rc == 0 && L->h->limit_bytes != 0) {
		size_t held = arch_atomic_load_relaxed(&L->h->src_bytes);

		if (held <= L->h->limit_bytes)
			L->loaned = false;
		if (held < L->h->limit_bytes / 2)
			L->exhausted = false;
	}
	return rc;
}

obj lisp_alloc(struct lisp *L, unsigned type, size_t n)
{
	obj o = heap_alloc(L->h, type, n);

	return o != OBJ_NULL ? o : retry(L, type, n);
}

obj lisp_cons(struct lisp *L, obj a, obj d)
{
	obj p = heap_cons(L->h, a, d);

	if (p != OBJ_NULL)
		return p;
	ROOT(a);
	ROOT(d);
	p = retry(L, OBJ_T_PAIR, 2);
	UNROOT(d);
	UNROOT(a);
	if (p != OBJ_NULL) {
		obj_init_field(L, p, 0, a);
		obj_init_field(L, p, 1, d);
	}
	return p;
}

obj lisp_list2(struct lisp *L, obj a, obj b)
{
	obj t;

	ROOT(a);
	t = lisp_cons(L, b, OBJ_NIL);
	UNROOT(a);
	return t ? lisp_cons(L, a, t) : OBJ_NULL;
}

obj lisp_list3(struct lisp *L, obj a, obj b, obj c)
{
	obj t;

	ROOT(a);
	t = lisp_list2(L, b, c);
	UNROOT(a);
	return t ? lisp_cons(L, a, t) : OBJ_NULL;
}

obj lisp_make_vector(struct lisp *L, size_t n, obj fill)
{
	obj v;

	if (n > OBJ_MAX_FIELDS)
		return lisp_errorf(L, OBJ_NULL, "vector too large");
	v = heap_make_vector(L->h, n, fill);
	if (v != OBJ_NULL)
		return v;
	ROOT(fill);
	v = retry(L, OBJ_T_VECTOR, n);
	UNROOT(fill);
	if (v != OBJ_NULL)
		for (size_t i = 0; i < n; i++)
			obj_init_field(L, v, i, fill);
	return v;
}

/* bytes must not lie in the heap (it may move): use lisp_copy_bytes for heap data. */
obj lisp_make_bytes_fill(struct lisp *L, unsigned type, const void *bytes, size_t fill, size_t len)
{
	obj o;

	if (len > (OBJ_MAX_FIELDS - 1) * sizeof(obj))
		return lisp_errorf(L, OBJ_NULL, "object too large");
	o = heap_make_bytes_fill(L->h, type, bytes, fill, len);
	if (o != OBJ_NULL)
		return o;
	o = retry(L, type, obj_bytes_fields(len));
	if (o != OBJ_NULL)
		heap_bytes_init(o, bytes, fill, len);
	return o;
}

obj lisp_make_bytes(struct lisp *L, unsigned type, const void *bytes, size_t len)
{
	return lisp_make_bytes_fill(L, type, bytes, bytes ? len : 0, len);
}

obj lisp_make_string(struct lisp *L, const char *s, size_t len)
{
	return lisp_make_bytes(L, OBJ_T_STRING, s, len);
}

obj lisp_copy_bytes(struct lisp *L, unsigned type, obj src, size_t off, size_t len)
{
	obj o;

	ROOT(src);
	o = lisp_make_bytes_fill(L, type, NULL, len, len);	/* every byte copied below */
	UNROOT(src);
	if (o != OBJ_NULL)
		memcpy(obj_bytes_data(o), obj_bytes_data(src) + off, len);
	return o;
}

obj lisp_make_box(struct lisp *L, obj v)
{
	obj b;

	ROOT(v);
	b = lisp_alloc(L, OBJ_T_BOX, 1);
	UNROOT(v);
	if (b != OBJ_NULL)
		obj_init_field(L, b, 0, v);
	return b;
}

obj lisp_make_record(struct lisp *L, obj rtd, size_t nfields)
{
	obj r;

	ROOT(rtd);
	r = lisp_alloc(L, OBJ_T_RECORD, nfields + 1);
	UNROOT(rtd);
	if (r != OBJ_NULL)
		obj_init_field(L, r, 0, rtd);
	return r;
}

obj lisp_make_record1(struct lisp *L, obj rtd, obj v)
{
	obj r;

	ROOT(v);
	r = lisp_make_record(L, rtd, 1);
	UNROOT(v);
	if (r != OBJ_NULL)
		obj_init_field(L, r, 1, v);
	return r;
}

obj lisp_make_rtd(struct lisp *L, obj name, obj fields)
{
	obj r;

	ROOT(name);
	ROOT(fields);
	r = lisp_make_record(L, OBJ_TRUE, RTD_NFIELDS - 1);
	if (r != OBJ_NULL) {
		obj_init_field(L, r, RTD_NAME, name);
		obj_init_field(L, r, RTD_FIELDS, fields);
	}
	UNROOT(fields);
	UNROOT(name);
	return r;
}

obj lisp_make_values(struct lisp *L, obj list)
{
	obj v;

	if (pair_p(list) && cdr(list) == OBJ_NIL)
		return car(list);
	ROOT(list);
	v = lisp_make_record(L, STATE(L, S_RTD_VALUES), VALUES_NFIELDS - 1);
	UNROOT(list);
	if (v != OBJ_NULL)
		obj_init_field(L, v, VALUES_LIST, list);
	return v;
}

obj lisp_list_reverse(struct lisp *L, obj list)
{
	obj r = OBJ_NIL;

	ROOT(list);
	ROOT(r);
	while (pair_p(list)) {
		obj p = lisp_cons(L, car(list), r);

		if (p == OBJ_NULL) {
			r = OBJ_NULL;
			break;
		}
		r = p;
		list = cdr(list);
	}
	UNROOT(r);
	UNROOT(list);
	return r;
}

obj lisp_pop_list(struct lisp *L, size_t n, obj tail)
{
	obj r = tail;

	ROOT(r);
	for (size_t i = 0; i < n; i++) {
		obj p = lisp_cons(L, stk(L)[L->sp - 1 - i], r);

		if (p == OBJ_NULL) {
			r = OBJ_NULL;
			break;
		}
		r = p;
	}
	UNROOT(r);
	L->sp -= n;
	return r;
}

/* One walk: the length, -1 if it ends in something other than (), -2 if it reached a pair
 * twice (a cycle, or a list another CPU changed under it). Brent's cycle test: the walk leaves
 * a mark where it is at each power of two and a cycle brings it back to one; a load a pair
 * (Floyd's second pointer took half as many again, and was a tenth of destruc's
 * instructions). */
static intptr_t list_length_once(obj l)
{
	obj mark = l;
	intptr_t n = 0, next = 1;

	while (pair_p(l)) {
		l = cdr(l);
		if (++n == next) {
			mark = l;
			next <<= 1;
		} else if (l == mark) {
			return -2;
		}
	}
	return l == OBJ_NIL ? n : -1;
}

/* A list that another CPU changes while this one walks it can look cyclic though it is a
 * proper list at every moment (with Floyd's two pointers a review saw 97-297 of 200,000 calls
 * say "not a list"): a few more walks before calling it a cycle. */
#define LIST_LENGTH_TRIES	4

intptr_t lisp_list_length(obj l)
{
	intptr_t n = -2;

	for (int i = 0; i < LIST_LENGTH_TRIES && n == -2; i++)
		n = list_length_once(l);
	return n < 0 ? -1 : n;
}

/* --- the value stack --- */

/* A stack object (OBJ_T_STACK): a vector the collector treats as a root area (its references
 * to other heaps are not counted; handshakes scan it, mm/gc/xheap.h). Never shared. */
obj lisp_make_stack(struct lisp *L, size_t n)
{
	obj v = lisp_make_vector(L, n + 1, OBJ_UNSPECIFIED);

	if (v != OBJ_NULL) {
		obj_words(v)[0] = obj_hdr(OBJ_T_STACK, n + 1);
		obj_init_field(L, v, n, obj_fixnum(0));	/* the top (internal.h, stk_top) */
		heap_note_raw(L->h, v);	/* the VM stores into it directly */
	}
	return v;
}

bool lisp_stack_reserve(struct lisp *L, size_t n)
{
	size_t cap = stk_cap(L);
	size_t need = L->sp + n, limit = L->stack_limit, ncap;
	obj nv;

	if (need <= cap)
		return true;
	if (need > limit) {
		if (!L->overflowed) {
			L->overflowed = true;	/* the handler gets the reserve */
			L->err = STATE(L, S_ERR_DEEP);
			return false;
		}
		if (need > limit + LISP_STACK_RESERVE) {
			L->err = STATE(L, S_ERR_DEEP);
			return false;
		}
		limit += LISP_STACK_RESERVE;
	}
	ncap = cap * 2;
	while (ncap < need)
		ncap *= 2;
	if (ncap > limit)
		ncap = limit;
	nv = lisp_make_stack(L, ncap);
	if (nv == OBJ_NULL)
		return false;
	if (heap_young_p(L->h, nv))
		memcpy(lisp_young_fields(L, nv), stk(L), L->sp * sizeof(obj));
	else
		for (size_t i = 0; i < L->sp; i++)
			gc_write_stack(L->h, nv, i, stk(L)[i]);
	L->stack = nv;
	stk_top_set(L, L->sp);	/* what was above the old one's sp is garbage */
	return true;
}

bool lisp_push(struct lisp *L, obj v)
{
	if (L->sp >= stk_cap(L)) {
		bool ok;

		ROOT(v);
		ok = lisp_stack_reserve(L, 1);
		UNROOT(v);
		if (!ok)
			return false;
	}
	sset(L, L->sp++, v);
	return true;
}

bool lisp_depth_ok(struct lisp *L)
{
	uintptr_t here = (uintptr_t)__builtin_frame_address(0);

	if ((L->cstack_base != 0 && L->cstack_base > here &&
	     L->cstack_base - here > L->cfg.cstack_bytes) ||
	    gc_roots_depth(L->h) > HEAP_ROOTS_MAX - LISP_ROOTS_MARGIN) {
		lisp_errorf(L, OBJ_NULL, "nesting too deep");
		return false;
	}
	return true;
}
