/* inspect.c -- the memory inspector's primitives: (inspect obj), (heap-map [cpu]), (xrefs [cpu]),
 * (referrers obj [max]), (inspect-field obj i), and the views they hand over (below).
 * Shapes and costs in docs/inspector.md. Nothing here walks another CPU's objects or groups: an
 * object passed in is the caller's to read (its fields with obj_load), another heap's groups are
 * described by their owner at its safe point (mm/gc/inspect.h), counts are read under their
 * heap's xlock a chunk at a time (mm/gc/xheap.h), and the matrix is words the counters keep. */
#include <arch.h>
#include <kernel/cpu.h>
#include <mm/gc/inspect.h>
#include <mm/gc/xheap.h>

#include "internal.h"

#define WORD	sizeof(uintptr_t)

static obj sym(struct lisp *L, const char *name)
{
	return lisp_intern(L, name, strlen(name));
}

/* Cons v (computed first: it may have allocated) onto *list, a rooted variable. */
static bool push(struct lisp *L, obj *list, obj v)
{
	return v != OBJ_NULL && (*list = lisp_cons(L, v, *list)) != OBJ_NULL;
}

static const char *const type_names[OBJ_T_LIMIT] = {
	[OBJ_T_PAIR] = "pair", [OBJ_T_VECTOR] = "vector", [OBJ_T_CLOSURE] = "closure",
	[OBJ_T_SYMBOL] = "symbol", [OBJ_T_BOX] = "box", [OBJ_T_RECORD] = "record",
	[OBJ_T_STACK] = "stack", [OBJ_T_MIXED] = "code", [OBJ_T_STRING] = "string",
	[OBJ_T_BYTEVECTOR] = "bytevector", [OBJ_T_BIGNUM] = "bignum", [OBJ_T_FLONUM] = "flonum",
	[OBJ_T_RATNUM] = "ratnum", [OBJ_T_COMPNUM] = "compnum",
	[OBJ_T_FILLER] = "filler", [OBJ_T_PRIMITIVE] = "primitive",
};

/* An object type's name (a header's type, read by its owner when the object is another CPU's). */
static const char *type_name_of(unsigned t)
{
	return t < OBJ_T_LIMIT && type_names[t] != NULL ? type_names[t] : "unknown";
}

/* The type of any value, as a symbol's name (also the printer's, for a view). */
const char *lisp_type_name(obj x)
{
	if (obj_fixnum_p(x))
		return "fixnum";
	if (obj_char_p(x))
		return "char";
	if (x == OBJ_TRUE || x == OBJ_FALSE)
		return "boolean";
	if (x == OBJ_NIL)
		return "null";
	if (x == OBJ_UNSPECIFIED)
		return "unspecified";
	if (x == OBJ_EOF)
		return "eof";
	if (obj_const_p(x))
		return "undefined";
	return obj_ptr_p(x) ? type_name_of(obj_type(x)) : "unknown";
}

static size_t bytes_of(obj x)
{
	return obj_ptr_p(x) ? (obj_size(x) + 1) * WORD : 0;
}

/* --- what a program may be handed ---
 * The collector's invariants say which objects a CPU may hold (X2); the interpreter adds its
 * own: some objects are its private state, trusted by C without checks (the state vector, the
 * symbol table and its chains, a channel's queue, the C part of a thread, channel or socket in a
 * bytevector field of its record). A program never reaches them through the names it has; the
 * inspector must not hand them over either (found by a helper: a symbol table filled with
 * fixnums, a channel's wait queue overwritten through its bytevector). So referrers hands over
 * only closures, symbols and records of types the program defined, and inspect-field does not
 * open the interpreter's own records or record types. */

/* Is x a record of one of the interpreter's own types (ports, threads, channels, conditions,
 * sockets, ...) or a record type itself? */
static bool internal_record(struct lisp *L, obj x)
{
	static const unsigned rtds[] = {
		S_RTD_CONDITION, S_RTD_VALUES, S_RTD_PORT, S_RTD_ALIAS, S_RTD_MACRO, S_RTD_CONT,
		S_RTD_VIEW, S_RTD_PREF, S_RTD_THREAD, S_RTD_CHANNEL, S_RTD_ETHER,
		S_RTD_TCP_LISTENER, S_RTD_CONNECTION, S_RTD_UDP,
	};
	obj rtd;

	if (!obj_type_p(x, OBJ_T_RECORD) || obj_size(x) == 0)
		return false;
	rtd = obj_load(&obj_fields(x)[0]);
	if (rtd == OBJ_TRUE)
		return true;	/* a record type: its name and field list are the printer's */
	for (size_t i = 0; i < ARRAY_SIZE(rtds); i++)
		if (rtd == STATE(L, rtds[i]))
			return true;
	return false;
}

/* --- views ---
 * A pair, vector, box or record that may be the interpreter's own is handed over as a view: a
 * record of the internal type `view` whose one field is the object. The program can look
 * through it ((inspect v), (inspect-field v i)) but has no procedure that changes what it sees,
 * and what it finds inside comes out the same way (view_field). So referrers can name a pair or
 * a vector holder, and the inspector can follow it, whoever made it. A view keeps its object
 * alive like any reference; it is made only from an object the caller may hold (a holder that
 * referrers was given, a field of a viewed object). */

static bool view_p(struct lisp *L, obj x)
{
	return record_p(x, STATE(L, S_RTD_VIEW));
}

static obj view_target(obj v)
{
	return obj_load(&obj_fields(v)[1]);
}

static obj make_view(struct lisp *L, obj x)
{
	return lisp_make_record1(L, STATE(L, S_RTD_VIEW), x);
}

/* What the program may have of x, an object it may hold (a holder referrers was given, a top
 * object of xrefs, a field of a viewed object): immediates, closures, symbols, numbers and its
 * own records as they are; pairs, vectors, boxes, strings, bytevectors and the interpreter's
 * records as views if they are shared, else nothing (#f); a stack or code, nothing: stale
 * slots, machine words. Only a shared object may be viewed: a view is an ordinary record, and
 * the program may publish it (send it, store it in a shared vector), which publishes what it
 * holds; an unshared one may be the interpreter's own (a thread's state vector, written by C
 * that asserts it is never shared: a helper panicked the kernel so, from the REPL and from the
 * web page alone). Everything a shared object holds is shared (X1), so a view's fields can
 * always be viewed in turn. */
static obj handed(struct lisp *L, obj x)
{
	if (!obj_ptr_p(x))
		return x;
	switch (obj_type(x)) {
	case OBJ_T_CLOSURE: case OBJ_T_SYMBOL: case OBJ_T_BIGNUM: case OBJ_T_FLONUM:
	case OBJ_T_RATNUM: case OBJ_T_COMPNUM: case OBJ_T_PRIMITIVE:
		return x;
	case OBJ_T_RECORD:
		if (!internal_record(L, x))
			return x;
		__attribute__((fallthrough));
	case OBJ_T_PAIR: case OBJ_T_VECTOR: case OBJ_T_BOX: case OBJ_T_STRING: case OBJ_T_BYTEVECTOR:
		return gc_shared_p(L->h, x) ? make_view(L, x) : OBJ_FALSE;
	}
	return OBJ_FALSE;
}

/* A field's summary, taken before anything is allocated: immediates keep their value, objects
 * only their type and size (the pointer would not survive an allocation unrooted). */
struct field {
	const char *type;
	obj value;		/* an immediate, or OBJ_NULL: an object of `bytes` bytes */
	size_t bytes;
};

static void summarize(obj v, struct field *f)
{
	f->type = lisp_type_name(v);
	f->value = obj_ptr_p(v) ? OBJ_NULL : v;
	f->bytes = bytes_of(v);
}

/* Up to LISP_INSPECT_FIELDS fields or elements of x into f; returns how many x has in all. */
static size_t collect_fields(obj x, struct field *f, size_t *shown)
{
	size_t n = 0, total = 0;

	*shown = 0;
	if (!obj_ptr_p(x))
		return 0;
	switch (obj_type(x)) {
	case OBJ_T_STRING: {
		size_t len = obj_bytes_length(x), k;
		const uint8_t *s = obj_bytes_data(x);

		for (size_t i = 0; i < len; i += k, total++) {
			uint32_t c = lisp_utf8_decode(s, len, i, &k);

			if (k == 0)
				break;
			if (n < LISP_INSPECT_FIELDS) {
				obj ch;

				f[n++] = (struct field){ "char", obj_char_checked(c, &ch) ? ch : OBJ_FALSE, 0 };
			}
		}
		break;
	}
	case OBJ_T_BYTEVECTOR:
		total = obj_bytes_length(x);
		for (; n < total && n < LISP_INSPECT_FIELDS; n++)
			f[n] = (struct field){ "byte", fx(obj_bytes_data(x)[n]), 0 };
		break;
	default: {	/* the pointer fields: every field of a vector, pair, record, ... */
		total = obj_hdr_nptrs(obj_header(x), obj_fields(x));
		for (; n < total && n < LISP_INSPECT_FIELDS; n++)
			summarize(obj_load(&obj_fields(x)[n]), &f[n]);
	}
	}
	*shown = n;
	return total;
}

/* (inspect x): see docs/inspector.md for the shape. */
static obj p_inspect(struct lisp *L, int argc, obj *argv)
{
	struct field f[LISP_INSPECT_FIELDS];
	obj x = argv[0], a, fields = OBJ_NIL, e = OBJ_NIL;
	bool view = view_p(L, x), ok = true;	/* a view: what it shows, and (object . view) */
	obj seen = view ? view_target(x) : x;
	size_t shown, total = collect_fields(seen, f, &shown), bytes = bytes_of(seen);
	const char *type = lisp_type_name(seen);

	(void)argc;
	ROOT(x);
	a = lisp_object_info(L, seen);	/* cpu generation group shared remote-count */
	ROOT(a);
	ROOT(fields);
	ROOT(e);
	for (size_t i = shown; ok && i-- > 0;) {	/* (index type value) or (index type bytes n) */
		e = OBJ_NIL;
		if (f[i].value != OBJ_NULL)
			ok = push(L, &e, f[i].value);
		else
			ok = push(L, &e, fx((intptr_t)f[i].bytes)) && push(L, &e, sym(L, "bytes"));
		ok = ok && push(L, &e, sym(L, f[i].type)) && push(L, &e, fx((intptr_t)i)) &&
		     push(L, &fields, e);
	}
	ok = ok && a != OBJ_NULL &&
	     lisp_alist_put_u64(L, &a, "more", total - shown) &&
	     lisp_alist_put(L, &a, "fields", fields) &&
	     lisp_alist_put_u64(L, &a, "length", total) &&
	     lisp_alist_put_u64(L, &a, "bytes", bytes) &&
	     lisp_alist_put(L, &a, "type", sym(L, type)) &&
	     lisp_alist_put(L, &a, "view", obj_bool(view)) &&
	     lisp_alist_put(L, &a, "object", x);
	UNROOT(e);
	UNROOT(fields);
	UNROOT(a);
	UNROOT(x);
	return ok ? a : OBJ_NULL;
}

/* --- (heap-map [cpu]) --- */

static const char *const group_kinds[] = { "?", "small", "large", "spare" };

/* Groups per request: the buffer is one bytevector above HEAP_LARGE_BYTES, so it is a large
 * object, which never moves while the owner writes into it (we pass safe points meanwhile). */
#define MAP_BATCH	(HEAP_LARGE_BYTES / sizeof(struct gc_group_info) + 1)

static bool group_entry(struct lisp *L, obj *list, const struct gc_group_info *gi)
{
	obj g = OBJ_NIL;
	bool ok;

	ROOT(g);
	ok = lisp_alist_put_u64(L, &g, "counted", gi->counted) &&
	     lisp_alist_put_u64(L, &g, "shared", gi->shared) &&
	     lisp_alist_put_u64(L, &g, "live-cycle", gi->live_cycle) &&
	     lisp_alist_put(L, &g, "live", gi->live_cycle != 0 ? lisp_int64(L, (int64_t)gi->live)
							      : OBJ_FALSE) &&
	     lisp_alist_put_u64(L, &g, "used", gi->used) &&
	     lisp_alist_put_u64(L, &g, "size", gi->size) &&
	     lisp_alist_put(L, &g, "kind", sym(L, group_kinds[gi->kind < 4 ? gi->kind : 0])) &&
	     lisp_alist_put_u64(L, &g, "group", gi->addr) &&
	     push(L, list, g);
	UNROOT(g);
	return ok;
}

static obj p_heap_map(struct lisp *L, int argc, obj *argv)
{
	struct heap *h = lisp_heap_arg(L, "heap-map", argc, argv);
	obj buf, rev = OBJ_NIL, a = OBJ_NIL;
	/* every field set (kind above all: left to the stack's garbage, a GC_INSPECT_REFERRERS
	 * there made the owner walk for referrers and answer no groups, seen on ARM) */
	struct gc_inspect_req req = { .kind = GC_INSPECT_GROUPS };
	size_t first = 0, rounds = 0;
	bool ok = true;

	if (h == NULL)
		return OBJ_NULL;
	buf = lisp_make_bytes(L, OBJ_T_BYTEVECTOR, NULL, MAP_BATCH * sizeof(struct gc_group_info));
	if (buf == OBJ_NULL)
		return OBJ_NULL;
	kassert(!heap_young_p(L->h, buf));
	ROOT(buf);
	ROOT(rev);
	ROOT(a);
	do {
		req.out = (struct gc_group_info *)obj_bytes_data(buf);
		req.first = first;
		req.max = MAP_BATCH;
		if (gc_inspect_request(L->h, h, &req, LISP_INSPECT_TIMEOUT_MS) < 0) {
			lisp_errorf(L, fx((intptr_t)h->cpu), "heap-map: no answer from CPU");
			ok = false;
			break;
		}
		for (size_t i = 0; ok && i < req.n; i++)
			ok = group_entry(L, &rev, &((struct gc_group_info *)obj_bytes_data(buf))[i]);
		first += req.n;
	} while (ok && req.n > 0 && first < req.total && ++rounds < (size_t)1 << 20);
	ok = ok && (rev = lisp_list_reverse(L, rev)) != OBJ_NULL &&
	     lisp_alist_put(L, &a, "groups", rev) &&
	     lisp_alist_put_u64(L, &a, "major-collections", req.major_cycles) &&	/* the owner's */
	     lisp_alist_put_u64(L, &a, "group-bytes", HEAP_GROUP_SIZE) &&
	     lisp_alist_put(L, &a, "cpu", fx((intptr_t)h->cpu));
	UNROOT(a);
	UNROOT(rev);
	UNROOT(buf);
	return ok ? a : OBJ_NULL;
}

/* --- (xrefs [cpu]) --- */

/* The largest counts of heap v merged into top[], a chunk of its tables per xlock hold; between
 * chunks the objects found are stored in keep (a rooted vector) and this CPU passes a safe
 * point, so a collection waiting for it waits no longer than a chunk. */
/* The largest counts of heap v merged into top, their objects kept in *keep. Not while v or our
 * heap takes part in a global mark: an entry's count then may be a dead cycle's, not yet
 * purged, and keeping its object (after our roots were scanned) would revive it while the
 * purge drops the counts it holds (as referrers' holders, mm/gc/inspect.c givable; a helper's
 * reading). So a step waits for such a mark to end (v is left out if it lasts past the
 * inspector's timeout), with no safe point between the last check and keeping what the step
 * found: a mark that starts later scans keep, a root, when this CPU joins it. */
static bool marking(struct lisp *L, struct heap *v)
{
	return arch_atomic_load(&v->gx_cycle) != 0 || arch_atomic_load(&L->h->gx_cycle) != 0;
}

/* Wait for a global mark that v or our heap takes part in to end, passing our safe points (they
 * do our share of it, gc_global_poll); false if it is still on after LISP_INSPECT_TIMEOUT_MS. */
static bool no_global_mark(struct lisp *L, struct heap *v)
{
	uint64_t end = arch_cycles() +
		       (uint64_t)LISP_INSPECT_TIMEOUT_MS * (arch_cycles_per_sec() / 1000);

	while (marking(L, v)) {
		if (arch_cycles() > end)
			return false;
		gc_safepoint(L->h);
		arch_cpu_relax();
	}
	return true;
}

static bool top_of(struct lisp *L, struct heap *v, struct gc_xref_top *top, obj *keep)
{
	size_t pos = 0;
	bool done;

	do {
		if (marking(L, v) && !no_global_mark(L, v))
			return true;	/* v left out of the top list this time */
		done = gc_xref_top_step(v, top, LISP_INSPECT_TOP, &pos);
		for (size_t i = 0; i < LISP_INSPECT_TOP; i++)
			if (!lisp_store(L, *keep, i, top[i].count ? top[i].o : OBJ_FALSE))
				return false;
		gc_safepoint(L->h);
	} while (!done);
	return true;
}

static obj p_xrefs(struct lisp *L, int argc, obj *argv)
{
	struct gc_xref_top top[LISP_INSPECT_TOP];
	obj keep, a = OBJ_NIL, rows = OBJ_NIL, row = OBJ_NIL, l = OBJ_NIL;
	unsigned n = arch_ncpus(), only = NCPU;
	bool ok = true;

	if (argc > 0) {
		struct heap *h = lisp_heap_arg(L, "xrefs", argc, argv);

		if (h == NULL)
			return OBJ_NULL;
		only = h->cpu;
	}
	memset(top, 0, sizeof(top));
	if ((keep = lisp_make_vector(L, LISP_INSPECT_TOP, OBJ_FALSE)) == OBJ_NULL)
		return OBJ_NULL;
	ROOT(keep);
	ROOT(a);
	ROOT(rows);
	ROOT(row);
	ROOT(l);
	for (unsigned c = 0; ok && c < n; c++) {
		struct heap *v = lisp_cpu_heap(L, c);

		if (v != NULL && (only == NCPU || only == c))
			ok = top_of(L, v, top, &keep);
	}
	/* top: (count cpu type object), largest first */
	for (unsigned i = LISP_INSPECT_TOP; ok && i-- > 0;) {
		obj o = obj_vector_ref(keep, i);	/* old (counted objects are shared): kept */
		unsigned cpu;
		const char *type;

		if (top[i].count == 0)
			continue;
		cpu = heap_group_of((void *)o)->owner->cpu;
		type = lisp_type_name(o);
		row = OBJ_NIL;	/* the object, or a view of it: handed may allocate */
		ok = (row = handed(L, o)) != OBJ_NULL && (row = lisp_cons(L, row, OBJ_NIL)) != OBJ_NULL &&
		     push(L, &row, sym(L, type)) && push(L, &row, fx((intptr_t)cpu)) &&
		     push(L, &row, lisp_int64(L, (int64_t)top[i].count)) && push(L, &l, row);
	}
	ok = ok && lisp_alist_put(L, &a, "top", l);
	/* remote-refs: counted references into each heap (its objects' counts, pins included) */
	l = OBJ_NIL;
	for (unsigned j = n; ok && j-- > 0;) {
		struct heap *v = lisp_cpu_heap(L, j);

		ok = push(L, &l, v ? lisp_int64(L, (int64_t)gc_remote_refs(v)) : OBJ_FALSE);
	}
	ok = ok && lisp_alist_put(L, &a, "remote-refs", l);
	/* matrix: row i, column j: counted references heap i's objects hold into heap j; #f for a
	 * CPU without a heap. Words the counters keep, read without anyone's cooperation. */
	for (unsigned i = n; ok && i-- > 0;) {
		struct heap *h = lisp_cpu_heap(L, i);

		row = OBJ_NIL;
		for (unsigned j = n; ok && h != NULL && j-- > 0;)
			ok = push(L, &row, lisp_int64(L, (int64_t)arch_atomic_load_relaxed(&h->xref_out[j])));
		ok = ok && push(L, &rows, h != NULL ? row : OBJ_FALSE);
	}
	ok = ok && lisp_alist_put(L, &a, "matrix", rows) &&
	     lisp_alist_put(L, &a, "cpus", fx((intptr_t)n));
	UNROOT(l);
	UNROOT(row);
	UNROOT(rows);
	UNROOT(a);
	UNROOT(keep);
	return ok ? a : OBJ_NULL;
}

/* --- (referrers obj [max]) --- */

#define REF_BATCH	32	/* holders per answer */

/* Is (cpu, address, field) in list already? A walk that had to start a group over (its owner
 * swept it between two answers) finds that group's holders again. */
static bool listed(obj list, obj cpu, obj addr, obj field)
{
	for (; obj_pair_p(list); list = obj_cdr(list)) {
		obj e = obj_car(list);	/* ((cpu . c) (address . a) (field . f) ...) */

		if (obj_cdr(obj_car(e)) == cpu && lisp_eqv(obj_cdr(obj_car(obj_cdr(e))), addr) &&
		    obj_cdr(obj_car(obj_cdr(obj_cdr(e)))) == field)
			return true;
	}
	return false;
}

/* One holder as ((cpu . c) (address . a) (field . i) (type . t) (generation . g) (shared . b)
 * (holder . h)): h what handed gives of the object, or #f; holder is keep's element i. */
static bool referrer_entry(struct lisp *L, obj *list, unsigned cpu, const struct gc_referrer *r,
			   obj holder, size_t *count)
{
	obj e = OBJ_NIL, addr = OBJ_NULL;
	bool ok;

	ROOT(holder);
	ROOT(e);
	ROOT(addr);
	addr = lisp_int64(L, (int64_t)r->holder);
	ok = addr != OBJ_NULL;
	if (ok && listed(*list, fx((intptr_t)cpu), addr, fx((intptr_t)r->field)))
		goto out;	/* a repeat: nothing to add */
	if (view_p(L, holder))
		goto out;	/* a view made for the program: it holds, but shows what holds */
	ok = ok && (holder = handed(L, holder)) != OBJ_NULL;
	ok = ok && lisp_alist_put(L, &e, "holder", holder) &&
	     lisp_alist_put(L, &e, "shared", obj_bool(r->shared)) &&
	     lisp_alist_put(L, &e, "generation", sym(L, r->young ? "young" : "old")) &&
	     lisp_alist_put(L, &e, "type", sym(L, type_name_of(r->type))) &&
	     lisp_alist_put_u64(L, &e, "field", r->field) &&
	     lisp_alist_put(L, &e, "address", addr) &&
	     lisp_alist_put(L, &e, "cpu", fx((intptr_t)cpu)) &&
	     push(L, list, e);
	*count += ok;
out:
	UNROOT(addr);
	UNROOT(e);
	UNROOT(holder);
	return ok;
}

/* The holders of *target in heap v, its owner walking a step at a time (mm/gc/inspect.c), at
 * most max - *count more of them pushed on *list. target, keep and list are rooted variables
 * of the caller (passed by address: an allocation here moves what they point to). */
static bool referrers_in(struct lisp *L, struct heap *v, obj *target, obj *keep, obj *list,
			 size_t max, size_t *count)
{
	struct gc_referrer refs[REF_BATCH];
	struct gc_inspect_req req;
	bool ok = true;

	memset(&req, 0, sizeof(req));
	req.kind = GC_INSPECT_REFERRERS;
	req.refs = refs;
	req.max = REF_BATCH;
	req.mine = v == L->h;
	do {
		req.target = *target;	/* old: it does not move */
		if (gc_inspect_request(L->h, v, &req, LISP_INSPECT_TIMEOUT_MS) < 0) {
			lisp_errorf(L, fx((intptr_t)v->cpu), "referrers: no answer from CPU");
			return false;
		}
		/* the holders handed out go into keep before anything is allocated (a young one
		 * of ours would move, a pinned one of another heap is unpinned once kept) */
		for (size_t i = 0; i < req.n; i++)
			lisp_private_set(L, *keep, i, refs[i].given ? (obj)refs[i].holder : OBJ_FALSE);
		for (size_t i = 0; i < req.n; i++)
			if (refs[i].given && !req.mine)
				gc_unpin(L->h, (obj)refs[i].holder);
		for (size_t i = 0; ok && i < req.n && *count < max; i++)
			ok = referrer_entry(L, list, v->cpu, &refs[i], obj_vector_ref(*keep, i), count);
		for (size_t i = 0; i < req.n; i++)
			lisp_private_set(L, *keep, i, OBJ_FALSE);
		gc_safepoint(L->h);
	} while (ok && req.cursor.part < 3 && *count < max);
	return ok;
}

/* (referrers obj [max]): the objects whose fields hold obj (or, obj a view, what it shows), every
 * CPU's heap walked by its owner (docs/inspector.md). An immediate is held by nobody in
 * particular: (). */
static obj p_referrers(struct lisp *L, int argc, obj *argv)
{
	obj target = argv[0], keep, list = OBJ_NIL;
	size_t max = LISP_INSPECT_REFERRERS, count = 0;
	unsigned n = arch_ncpus();
	bool ok = true, shared;

	if (argc > 1) {
		if (!obj_fixnum_p(argv[1]) || obj_fixnum_value(argv[1]) < 1 ||
		    obj_fixnum_value(argv[1]) > LISP_INSPECT_REFERRERS_MAX)
			return (obj)lisp_type_error(L, "referrers", "an integer from 1 to 1000", argv[1]);
		max = (size_t)obj_fixnum_value(argv[1]);
	}
	if (view_p(L, target))
		target = view_target(target);	/* who holds what the view shows */
	if (!obj_ptr_p(target))
		return OBJ_NIL;
	ROOT(target);
	ROOT(list);
	if (heap_young_p(L->h, target) && gc_minor(L->h) < 0) {	/* our nursery's dead go first */
		UNROOT(list);
		UNROOT(target);
		return (obj)lisp_error(L, "referrers: no memory for the collection", 0);
	}
	keep = lisp_make_vector(L, REF_BATCH, OBJ_FALSE);
	ok = keep != OBJ_NULL;
	ROOT(keep);
	shared = gc_shared_p(L->h, target);	/* else only our own heap can hold it (X2) */
	for (unsigned c = 0; ok && c < n && count < max; c++) {
		struct heap *v = lisp_cpu_heap(L, c);

		if (v != NULL && (shared || v == L->h))
			ok = referrers_in(L, v, &target, &keep, &list, max, &count);
	}
	ok = ok && (list = lisp_list_reverse(L, list)) != OBJ_NULL;
	UNROOT(keep);
	UNROOT(list);
	UNROOT(target);
	return ok ? list : OBJ_NULL;
}

/* --- (inspect-field obj i) --- */

/* Field i of obj as inspect numbers its fields, for an object whose fields hold Scheme values
 * (pair, vector, closure, symbol, box, record): the inspector follows a closure's captured
 * values, a record's fields or a global's symbol with it. obj is the caller's, so its fields are
 * too (X1, X2). A field holding what a program may not have (a thread's value stack, compiled
 * code) is an error, not a value. */
static obj p_inspect_field(struct lisp *L, int argc, obj *argv)
{
	bool view = view_p(L, argv[0]);
	obj x = view ? view_target(argv[0]) : argv[0], v;
	unsigned t = obj_ptr_p(x) ? obj_type(x) : OBJ_T_INVALID;
	size_t n;
	intptr_t i;

	(void)argc;
	if (t != OBJ_T_PAIR && t != OBJ_T_VECTOR && t != OBJ_T_CLOSURE && t != OBJ_T_SYMBOL &&
	    t != OBJ_T_BOX && t != OBJ_T_RECORD)
		return (obj)lisp_type_error(L, "inspect-field",
					    "a pair, vector, closure, symbol, box, record or view", argv[0]);
	if (!view && internal_record(L, x))
		return lisp_errorf(L, x, "inspect-field: the interpreter's own record");
	n = obj_hdr_nptrs(obj_header(x), obj_fields(x));
	if (!obj_fixnum_p(argv[1]) || (i = obj_fixnum_value(argv[1])) < 0 || (size_t)i >= n)
		return lisp_errorf(L, argv[1], "inspect-field: no such field");
	if (t == OBJ_T_SYMBOL && i == 0)	/* its name: interned, never to be changed */
		return lisp_errorf(L, argv[1], "inspect-field: a symbol's name is symbol->string's");
	v = obj_load(&obj_fields(x)[i]);
	if (view && t == OBJ_T_RECORD && obj_type_p(v, OBJ_T_BYTEVECTOR))
		return lisp_errorf(L, argv[1], "inspect-field: the interpreter's own bytes");
	if (obj_ptr_p(v) && (obj_type(v) == OBJ_T_STACK || obj_type(v) >= OBJ_T_MIXED) &&
	    obj_type(v) != OBJ_T_STRING && obj_type(v) != OBJ_T_BYTEVECTOR &&
	    obj_type(v) != OBJ_T_BIGNUM && obj_type(v) != OBJ_T_FLONUM && obj_type(v) != OBJ_T_PRIMITIVE)
		return lisp_errorf(L, argv[1], "inspect-field: the field holds %s", lisp_type_name(v));
	return view ? handed(L, v) : v;
}

/* (view? x): is x a view (what referrers, xrefs and inspect-field hand over for an object that
 * may be the interpreter's own)? (view-of? v x): is v a view of x, or, x a view too, of what x
 * shows? Identity only: nothing is handed over. */
static obj p_view_p(struct lisp *L, int argc, obj *argv)
{
	(void)argc;
	return obj_bool(view_p(L, argv[0]));
}

static obj p_view_of_p(struct lisp *L, int argc, obj *argv)
{
	obj x = view_p(L, argv[1]) ? view_target(argv[1]) : argv[1];

	(void)argc;
	return obj_bool(view_p(L, argv[0]) && view_target(argv[0]) == x);
}

static const struct lisp_prim_def prims[] = {
	{ "inspect", p_inspect, 1, 1, 0 },
	{ "heap-map", p_heap_map, 0, 1, 0 },
	{ "xrefs", p_xrefs, 0, 1, 0 },
	{ "referrers", p_referrers, 1, 2, 0 },
	{ "inspect-field", p_inspect_field, 2, 2, 0 },
	{ "view?", p_view_p, 1, 1, 0 },
	{ "view-of?", p_view_of_p, 2, 2, 0 },
};

void lisp_init_inspect(struct lisp *L)
{
	lisp_register(L, prims, ARRAY_SIZE(prims));
}
