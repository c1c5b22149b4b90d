/* store.c -- the SD store's Scheme names (README, "The SD store"): store-open, store-format!,
 * store-set!, store-ref, store-remove!, store-commit, store-collect, store-stats, and the
 * persistent cells: store-root, pref?, ppair?, pvector?, pcar, pcdr, pvector-ref,
 * pvector-length, pset-car!, pset-cdr!, pvector-set!, pref-value (below). Values are
 * copied in and out through the store's neutral value graphs (storage/store.h), converted here
 * on the caller's CPU, and the store service (storage/storesvc.h) does the rest on its own. The
 * copy in walks the object without allocating on the heap (nothing moves while it reads); the
 * copy out makes every object first, in a rooted vector, then links them. */
#include <storage/store_param.h>
#include <storage/storesvc.h>

#include "internal.h"

#define ARGS_UNUSED	((void)argc, (void)argv)

/* --- a table from keys (objects or nodes) to values, open addressing, in the store's memory --- */
struct map {
	const struct store_mem *mem;
	uintptr_t *k;
	uintptr_t *v;
	size_t cap, n;
};

static size_t slot_of(const struct map *m, uintptr_t key)
{
	size_t i = (size_t)((key >> 3) * 0x9e3779b97f4a7c15ull) & (m->cap - 1);

	while (m->k[i] != 0 && m->k[i] != key)
		i = (i + 1) & (m->cap - 1);
	return i;
}

static bool map_grow(struct map *m)
{
	size_t ocap = m->cap, cap = ocap ? ocap * 2 : 256;
	uintptr_t *ok = m->k, *ov = m->v;

	m->k = m->mem->alloc(m->mem->ctx, cap * sizeof(uintptr_t));
	m->v = m->mem->alloc(m->mem->ctx, cap * sizeof(uintptr_t));
	if (m->k == NULL || m->v == NULL) {
		if (m->k)
			m->mem->free(m->mem->ctx, m->k, cap * sizeof(uintptr_t));
		if (m->v)
			m->mem->free(m->mem->ctx, m->v, cap * sizeof(uintptr_t));
		m->k = ok;
		m->v = ov;
		return false;
	}
	memset(m->k, 0, cap * sizeof(uintptr_t));
	m->cap = cap;
	for (size_t i = 0; i < ocap; i++)
		if (ok[i]) {
			size_t j = slot_of(m, ok[i]);

			m->k[j] = ok[i];
			m->v[j] = ov[i];
		}
	if (ok) {
		m->mem->free(m->mem->ctx, ok, ocap * sizeof(uintptr_t));
		m->mem->free(m->mem->ctx, ov, ocap * sizeof(uintptr_t));
	}
	return true;
}

static bool map_get(const struct map *m, uintptr_t key, uintptr_t *v)
{
	size_t i;

	if (m->cap == 0)
		return false;
	i = slot_of(m, key);
	if (m->k[i] == 0)
		return false;
	*v = m->v[i];
	return true;
}

static bool map_put(struct map *m, uintptr_t key, uintptr_t v)
{
	size_t i;

	if ((m->n + 1) * 2 > m->cap && !map_grow(m))
		return false;
	i = slot_of(m, key);
	m->k[i] = key;
	m->v[i] = v;
	m->n++;
	return true;
}

static void map_free(struct map *m)
{
	if (m->cap) {
		m->mem->free(m->mem->ctx, m->k, m->cap * sizeof(uintptr_t));
		m->mem->free(m->mem->ctx, m->v, m->cap * sizeof(uintptr_t));
	}
}

/* A stack of words in the store's memory (the walks are iterative: no C recursion). */
struct wstack {
	const struct store_mem *mem;
	uintptr_t *w;
	size_t n, cap;
};

static bool wpush(struct wstack *s, uintptr_t a, uintptr_t b)
{
	if (s->n + 2 > s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 256;
		uintptr_t *w = s->mem->alloc(s->mem->ctx, cap * sizeof(uintptr_t));

		if (w == NULL)
			return false;
		if (s->n)
			memcpy(w, s->w, s->n * sizeof(uintptr_t));
		if (s->cap)
			s->mem->free(s->mem->ctx, s->w, s->cap * sizeof(uintptr_t));
		s->w = w;
		s->cap = cap;
	}
	s->w[s->n++] = a;
	s->w[s->n++] = b;
	return true;
}

static void wfree(struct wstack *s)
{
	if (s->cap)
		s->mem->free(s->mem->ctx, s->w, s->cap * sizeof(uintptr_t));
}

/* --- persistent references: a record of the interpreter's type pref, whose one field is a
 * bytevector holding the struct store_ref (programs cannot open either: inspect.c) --- */
static bool pref_p(struct lisp *L, obj x)
{
	return record_p(x, STATE(L, S_RTD_PREF));
}

static void pref_get(obj x, struct store_ref *r)
{
	memcpy(r, obj_bytes_data(obj_load(&obj_fields(x)[1])), sizeof(*r));
}

const char *lisp_pref_kind(obj x)
{
	struct store_ref r;

	pref_get(x, &r);
	return r.kind == STORE_PAIR ? "pair" : "vector";
}

static obj make_pref(struct lisp *L, const struct store_ref *r)
{
	obj b = lisp_make_bytes(L, OBJ_T_BYTEVECTOR, r, sizeof(*r));

	return b == OBJ_NULL ? OBJ_NULL : lisp_make_record1(L, STATE(L, S_RTD_PREF), b);
}

/* --- Scheme -> value graph --- */
struct enc {
	struct lisp *L;			/* prefs become links (STORE_STORED) */
	struct store_arena *a;
	struct map seen;		/* object -> node */
	struct wstack work;		/* (object, node) pairs whose fields are still to do */
	const char *bad;		/* what could not be stored, or NULL */
	obj badobj;
	bool nomem;
};

static struct store_val *enc_node(struct enc *e, obj x)
{
	struct store_val *n;
	uintptr_t got;
	int64_t i;

	if (x == OBJ_NIL || x == OBJ_TRUE || x == OBJ_FALSE || obj_char_p(x) || integer_p(x)) {
		if (integer_p(x) && !lisp_int_to_i64(x, &i)) {	/* a bignum: its limbs, copied */
			size_t nl;
			bool neg;
			const uint32_t *l = lisp_big_limbs(x, &nl, &neg);

			n = nl > UINT32_MAX ? NULL : store_v_bignum(e->a, neg, l, (uint32_t)nl);
			if (n == NULL)
				e->nomem = true;
			return n;
		}
		n = x == OBJ_NIL ? store_v_nil(e->a) :
		    x == OBJ_TRUE || x == OBJ_FALSE ? store_v_bool(e->a, x == OBJ_TRUE) :
		    obj_char_p(x) ? store_v_char(e->a, obj_char_value(x)) : store_v_fixnum(e->a, i);
		if (n == NULL)
			e->nomem = true;
		return n;
	}
	if (e->L != NULL && pref_p(e->L, x)) {	/* a link to the stored object, not a copy */
		struct store_ref r;

		pref_get(x, &r);
		if ((n = store_v_ref(e->a, &r)) == NULL)
			e->nomem = true;
		return n;
	}
	if (!(pair_p(x) || vector_p(x) || string_p(x) || symbol_p(x) || bytevector_p(x))) {
		e->bad = procedure_p(x) ? "a procedure" : "an object of this type";
		e->badobj = x;
		return NULL;
	}
	if (map_get(&e->seen, x, &got))
		return (struct store_val *)got;
	if (pair_p(x)) {
		n = store_v_pair(e->a, NULL, NULL);
	} else if (vector_p(x)) {
		n = store_v_vector(e->a, (uint32_t)obj_vector_length(x), NULL);
	} else {
		obj b = symbol_p(x) ? sym_name(x) : x;
		size_t len = obj_bytes_length(b);

		n = string_p(x) ? store_v_string(e->a, obj_bytes_data(b), (uint32_t)len) :
		    symbol_p(x) ? store_v_symbol(e->a, obj_bytes_data(b), (uint32_t)len) :
				  store_v_bytevector(e->a, obj_bytes_data(b), (uint32_t)len);
	}
	if (n == NULL || !map_put(&e->seen, x, (uintptr_t)n) ||
	    ((pair_p(x) || vector_p(x)) && !wpush(&e->work, x, (uintptr_t)n))) {
		e->nomem = true;
		return NULL;
	}
	return n;
}

/* The copy of x; NULL with e->bad or e->nomem set. Allocates nothing on the heap. */
static struct store_val *encode(struct enc *e, obj x)
{
	struct store_val *root = enc_node(e, x);

	while (root != NULL && e->work.n > 0 && !e->bad && !e->nomem) {
		struct store_val *n = (struct store_val *)e->work.w[--e->work.n];
		obj o = (obj)e->work.w[--e->work.n];

		if (pair_p(o)) {
			n->u.pair.car = enc_node(e, car(o));
			n->u.pair.cdr = enc_node(e, cdr(o));
		} else {
			for (uint32_t i = 0; i < n->len && !e->bad && !e->nomem; i++)
				n->u.elts[i] = enc_node(e, obj_vector_ref(o, i));
		}
	}
	return e->bad || e->nomem ? NULL : root;
}

/* --- value graph -> Scheme --- */
static bool compound(const struct store_val *v)
{
	return v->kind == STORE_PAIR || v->kind == STORE_VECTOR || v->kind == STORE_STRING ||
	       v->kind == STORE_SYMBOL || v->kind == STORE_BYTEVECTOR;
}

/* Number the compound nodes reachable from root (node -> index + 1 in m); *n gets how many. */
static bool number(struct map *m, struct wstack *w, struct store_val *root, size_t *n)
{
	*n = 0;
	if (!compound(root))
		return true;
	if (!map_put(m, (uintptr_t)root, ++*n) || !wpush(w, (uintptr_t)root, 0))
		return false;
	while (w->n > 0) {
		struct store_val *v = (struct store_val *)w->w[w->n - 2];
		struct store_val *kids[2], **k = kids;
		uint32_t nk = 0;
		uintptr_t got;

		w->n -= 2;
		if (v->kind == STORE_PAIR) {
			kids[0] = v->u.pair.car;
			kids[1] = v->u.pair.cdr;
			nk = 2;
		} else if (v->kind == STORE_VECTOR) {
			k = v->u.elts;
			nk = v->len;
		}
		for (uint32_t i = 0; i < nk; i++)
			if (compound(k[i]) && !map_get(m, (uintptr_t)k[i], &got) &&
			    (!map_put(m, (uintptr_t)k[i], ++*n) || !wpush(w, (uintptr_t)k[i], 0)))
				return false;
	}
	return true;
}

/* An immediate for a non-compound node, or the object made for a compound one (objs[i]). */
static obj atom(struct lisp *L, const struct store_val *v)
{
	switch (v->kind) {
	case STORE_NIL: return OBJ_NIL;
	case STORE_FALSE: return OBJ_FALSE;
	case STORE_TRUE: return OBJ_TRUE;
	case STORE_CHAR: return obj_char(v->u.ch);
	case STORE_FIXNUM: return lisp_int64(L, v->u.fixnum);
	case STORE_BIGNUM: return lisp_big_from_limbs(L, v->negative, v->u.limbs, v->len);
	default: return lisp_errorf(L, OBJ_NULL, "store-ref: a value of unknown kind %u", v->kind);
	}
}

static obj make_one(struct lisp *L, const struct store_val *v)
{
	switch (v->kind) {
	case STORE_PAIR: return lisp_cons(L, OBJ_FALSE, OBJ_FALSE);
	case STORE_VECTOR: return lisp_make_vector(L, v->len, OBJ_FALSE);
	case STORE_STRING: return lisp_make_string(L, (const char *)v->u.bytes, v->len);
	case STORE_SYMBOL: return lisp_intern_bytes(L, (const char *)v->u.bytes, v->len);
	case STORE_BYTEVECTOR: return lisp_make_bytes(L, OBJ_T_BYTEVECTOR, v->u.bytes, v->len);
	default: return OBJ_NULL;
	}
}

/* The Scheme copy of root, or OBJ_NULL (error set: heap exhausted). */
static obj decode(struct lisp *L, const struct store_mem *mem, struct store_val *root)
{
	struct map m = { .mem = mem };
	struct wstack w = { .mem = mem };
	obj objs = OBJ_FALSE, r = OBJ_NULL;
	size_t n;

	if (!compound(root))
		return atom(L, root);
	if (!number(&m, &w, root, &n)) {
		lisp_errorf(L, OBJ_NULL, "store-ref: out of memory for the copy");
		goto out;
	}
	ROOT(objs);
	objs = lisp_make_vector(L, n, OBJ_FALSE);
	/* make every compound object (they may move: each is read back from objs) */
	for (size_t i = 0; objs != OBJ_NULL && i < m.cap; i++) {
		const struct store_val *v = (const struct store_val *)m.k[i];
		obj o;

		if (v == NULL)
			continue;
		o = make_one(L, v);
		if (o == OBJ_NULL) {
			objs = OBJ_NULL;
			break;
		}
		lisp_store_now(L, objs, m.v[i] - 1, o);
	}
	/* link them */
	for (size_t i = 0; objs != OBJ_NULL && i < m.cap; i++) {
		const struct store_val *v = (const struct store_val *)m.k[i];
		obj o, f;
		uintptr_t j;

		if (v == NULL || (v->kind != STORE_PAIR && v->kind != STORE_VECTOR))
			continue;
		for (uint32_t k = 0; k < (v->kind == STORE_PAIR ? 2u : v->len); k++) {
			const struct store_val *c = v->kind == STORE_PAIR ?
				(k == 0 ? v->u.pair.car : v->u.pair.cdr) : v->u.elts[k];

			if (compound(c)) {
				map_get(&m, (uintptr_t)c, &j);
				f = obj_vector_ref(objs, j - 1);
			} else if ((f = atom(L, c)) == OBJ_NULL) {
				objs = OBJ_NULL;	/* heap exhausted: error set */
				break;
			}
			o = obj_vector_ref(objs, m.v[i] - 1);
			lisp_store_now(L, o, k, f);
		}
	}
	if (objs != OBJ_NULL) {
		uintptr_t j;

		map_get(&m, (uintptr_t)root, &j);
		r = obj_vector_ref(objs, j - 1);
	}
	UNROOT(objs);
out:
	map_free(&m);
	wfree(&w);
	return r;
}

/* --- the primitives --- */
static obj fail(struct lisp *L, const char *who, int rc, const char *detail)
{
	if (detail && detail[0])
		return lisp_errorf(L, OBJ_NULL, "%s: %s (%s)", who, store_svc_strerror(rc), detail);
	return lisp_errorf(L, OBJ_NULL, "%s: %s", who, store_svc_strerror(rc));
}

static obj call(struct lisp *L, struct store_req *r, const char *who)
{
	int rc;

	if (!lisp_on_thread())
		return lisp_errorf(L, OBJ_NULL, "%s: only from a thread", who);
	rc = store_svc_call(r);
	return rc == STORE_OK ? OBJ_TRUE : fail(L, who, rc, r->op == STORE_OP_OPEN ||
						r->op == STORE_OP_FORMAT ? r->detail : NULL);
}

/* A request that takes no value: open, format, commit. */
static obj simple(struct lisp *L, enum store_op op, const char *who)
{
	struct store_req r = { .op = op };

	return call(L, &r, who);
}

static obj p_store_open(struct lisp *L, int argc, obj *argv)
{
	ARGS_UNUSED;
	return simple(L, STORE_OP_OPEN, "store-open");
}

static obj p_store_format(struct lisp *L, int argc, obj *argv)
{
	ARGS_UNUSED;
	return simple(L, STORE_OP_FORMAT, "store-format!");
}

static obj p_store_commit(struct lisp *L, int argc, obj *argv)
{
	ARGS_UNUSED;
	return simple(L, STORE_OP_COMMIT, "store-commit");
}

static obj p_store_collect(struct lisp *L, int argc, obj *argv)
{
	struct store_req r = { .op = STORE_OP_COLLECT };

	(void)argv;
	if (argc > 0) {
		obj full = lisp_intern(L, "full", 4);	/* may allocate: the argument is re-read */

		if (full == OBJ_NULL)
			return OBJ_NULL;
		if (lisp_args(L)[0] != full)
			return lisp_type_error(L, "store-collect", "the symbol full", lisp_args(L)[0]);
		r.flags = STORE_COLLECT_FULL;
	}
	return call(L, &r, "store-collect");
}

/* A copy of prefix and the name's bytes in the store's memory (the poster sleeps while the
 * service reads it, and meanwhile this CPU's collections may move a young name): STORE_OK, or
 * STORE_EINVAL for a name of more than STORE_NAME_MAX bytes, STORE_ENODEV, STORE_ENOMEM. */
static int name_copy(const struct store_mem *mem, const char *prefix, obj s, struct store_req *r)
{
	size_t p = strlen(prefix);
	char *copy;

	if (mem == NULL)
		return STORE_ENODEV;
	r->len = p + obj_bytes_length(s);
	if (r->len > STORE_NAME_MAX)
		return STORE_EINVAL;
	if ((copy = mem->alloc(mem->ctx, r->len + 1)) == NULL)
		return STORE_ENOMEM;
	memcpy(copy, prefix, p);
	memcpy(copy + p, obj_bytes_data(s), r->len - p);
	r->name = copy;
	return STORE_OK;
}

static bool name_arg(struct lisp *L, const struct store_mem *mem, obj name, const char *who,
		     struct store_req *r)
{
	int rc;

	if (!symbol_p(name)) {
		lisp_type_error(L, who, "symbol", name);
		return false;
	}
	rc = name_copy(mem, "", sym_name(name), r);
	if (rc == STORE_EINVAL)
		lisp_errorf(L, name, "%s: a name of more than %u bytes:", who, STORE_NAME_MAX);
	else if (rc != STORE_OK)
		fail(L, who, rc, NULL);
	return rc == STORE_OK;
}

static void name_free(const struct store_mem *mem, struct store_req *r)
{
	mem->free(mem->ctx, (void *)r->name, r->len + 1);
}

static obj p_store_set(struct lisp *L, int argc, obj *argv)
{
	const struct store_mem *mem = store_svc_mem();
	struct store_req r = { .op = STORE_OP_SET };
	struct enc e = { .L = L };
	obj res;

	ARGS_UNUSED;
	if (!name_arg(L, mem, argv[0], "store-set!", &r))
		return OBJ_NULL;
	e.a = store_arena_new(mem);
	e.seen.mem = e.work.mem = mem;
	if (e.a == NULL) {
		name_free(mem, &r);
		return fail(L, "store-set!", STORE_ENOMEM, NULL);
	}
	/* nothing allocates on the heap while the value is copied: its objects stay put */
	r.val = encode(&e, argv[1]);
	map_free(&e.seen);
	wfree(&e.work);
	if (r.val == NULL) {
		store_arena_free(e.a);
		name_free(mem, &r);
		if (e.bad)
			return lisp_errorf(L, e.badobj, "store-set!: cannot store %s:", e.bad);
		return fail(L, "store-set!", STORE_ENOMEM, NULL);
	}
	res = call(L, &r, "store-set!");
	store_arena_free(e.a);
	name_free(mem, &r);
	return res == OBJ_NULL ? OBJ_NULL : OBJ_UNSPECIFIED;
}

/* Post r (REF or ROOT) for the value bound to name, with a fresh arena. True: r->arena holds it,
 * to free once taken. False: *res is the answer, the default (argc > 1) if name is not bound,
 * else OBJ_NULL with the error set. */
static bool read_named(struct lisp *L, const char *who, int argc, obj name, struct store_req *r,
		       obj *res)
{
	const struct store_mem *mem = store_svc_mem();
	int rc;

	*res = OBJ_NULL;
	if (!lisp_on_thread()) {
		lisp_errorf(L, OBJ_NULL, "%s: only from a thread", who);
		return false;
	}
	if (!name_arg(L, mem, name, who, r))
		return false;
	if ((r->arena = store_arena_new(mem)) == NULL) {
		name_free(mem, r);
		fail(L, who, STORE_ENOMEM, NULL);
		return false;
	}
	rc = store_svc_call(r);
	name_free(mem, r);
	if (rc == STORE_OK)
		return true;
	store_arena_free(r->arena);
	if (rc == STORE_ENOTFOUND && argc > 1)
		*res = lisp_args(L)[1];
	else if (rc == STORE_ENOTFOUND)
		lisp_errorf(L, lisp_args(L)[0], "%s: no stored value named", who);
	else
		fail(L, who, rc, NULL);
	return false;
}

static obj p_store_ref(struct lisp *L, int argc, obj *argv)
{
	struct store_req r = { .op = STORE_OP_REF };
	obj v;

	if (!read_named(L, "store-ref", argc, argv[0], &r, &v))
		return v;
	v = decode(L, store_svc_mem(), r.val);
	store_arena_free(r.arena);
	return v;
}

static obj p_store_remove(struct lisp *L, int argc, obj *argv)
{
	const struct store_mem *mem = store_svc_mem();
	struct store_req r = { .op = STORE_OP_REMOVE };
	int rc;

	ARGS_UNUSED;
	if (!lisp_on_thread())
		return lisp_errorf(L, OBJ_NULL, "store-remove!: only from a thread");
	if (!name_arg(L, mem, argv[0], "store-remove!", &r))
		return OBJ_NULL;
	rc = store_svc_call(&r);
	name_free(mem, &r);
	if (rc == STORE_ENOTFOUND)
		return OBJ_FALSE;
	return rc == STORE_OK ? OBJ_TRUE : fail(L, "store-remove!", rc, NULL);
}

static obj p_store_stats(struct lisp *L, int argc, obj *argv)
{
	struct store_req r = { .op = STORE_OP_STATS };
	struct store_stats *st = &r.stats;
	obj a = OBJ_NIL, res = OBJ_NULL;

	ARGS_UNUSED;
	if (call(L, &r, "store-stats") == OBJ_NULL)
		return OBJ_NULL;
	ROOT(a);
	if (lisp_alist_put_u64(L, &a, "ram-bytes", st->ram_bytes) &&
	    lisp_alist_put_u64(L, &a, "auto-collections", st->auto_collections) &&
	    lisp_alist_put_u64(L, &a, "encodes-undone", st->encodes_undone) &&
	    lisp_alist_put_u64(L, &a, "mark-rescans", st->mark_rescans) &&
	    lisp_alist_put_u64(L, &a, "mark-sectors-written", st->mark_sectors_written) &&
	    lisp_alist_put_u64(L, &a, "mark-sectors-read", st->mark_sectors_read) &&
	    lisp_alist_put_u64(L, &a, "mark-ram-bytes", st->mark_ram_bytes) &&
	    lisp_alist_put_u64(L, &a, "table-ram-bytes", st->table_ram_bytes) &&
	    lisp_alist_put_u64(L, &a, "fell-back", (uint64_t)st->fell_back) &&
	    lisp_alist_put_u64(L, &a, "collect-commits", st->collect_commits) &&
	    lisp_alist_put_u64(L, &a, "map-sectors-written", st->map_sectors_written) &&
	    lisp_alist_put_u64(L, &a, "objects-freed", st->objects_freed) &&
	    lisp_alist_put_u64(L, &a, "full-collections", st->full_collections) &&
	    lisp_alist_put_u64(L, &a, "collections", st->collections) &&
	    lisp_alist_put_u64(L, &a, "erase-max", st->erase_max) &&
	    lisp_alist_put_u64(L, &a, "erase-min", st->erase_min) &&
	    lisp_alist_put_u64(L, &a, "names", st->names) &&
	    lisp_alist_put_u64(L, &a, "bytes-free", st->bytes_free) &&
	    lisp_alist_put_u64(L, &a, "writebacks", st->writebacks) &&
	    lisp_alist_put_u64(L, &a, "cache-misses", st->cache_misses) &&
	    lisp_alist_put_u64(L, &a, "cache-hits", st->cache_hits) &&
	    lisp_alist_put_u64(L, &a, "cache-dirty", st->cache_dirty) &&
	    lisp_alist_put_u64(L, &a, "cache-groups", st->cache_groups) &&
	    lisp_alist_put_u64(L, &a, "group-bytes", st->group_bytes) &&
	    lisp_alist_put_u64(L, &a, "groups-mapped", st->groups_mapped) &&
	    lisp_alist_put_u64(L, &a, "groups", st->groups) &&
	    lisp_alist_put_u64(L, &a, "commit", st->seq))
		res = a;
	UNROOT(a);
	return res;
}

/* --- persistent cells (storage/store.h): a stored pair or vector used in place --- */

/* A shallow result (r->val a value, else r->out an object) as a Scheme value; frees the arena. */
static obj shallow(struct lisp *L, const struct store_mem *mem, struct store_req *r)
{
	obj v = r->val != NULL ? decode(L, mem, r->val) : make_pref(L, &r->out);

	store_arena_free(r->arena);
	return v;
}

/* A request about the pref x (of kind `kind`, or any: 0) into r, with an arena if `arena`. */
static bool pref_arg(struct lisp *L, const char *who, obj x, uint8_t kind, bool arena,
		     struct store_req *r)
{
	const struct store_mem *mem = store_svc_mem();

	if (!pref_p(L, x)) {
		lisp_type_error(L, who, kind == STORE_PAIR ? "persistent pair (from store-root, pcar, ...)" :
				kind == STORE_VECTOR ? "persistent vector (from store-root, pcar, ...)" :
				"persistent reference (from store-root, pcar, ...)", x);
		return false;
	}
	pref_get(x, &r->ref);
	if (kind != 0 && r->ref.kind != kind) {
		lisp_type_error(L, who, kind == STORE_PAIR ? "persistent pair" : "persistent vector", x);
		return false;
	}
	if (!lisp_on_thread()) {
		lisp_errorf(L, OBJ_NULL, "%s: only from a thread", who);
		return false;
	}
	if (mem == NULL) {
		fail(L, who, STORE_ENODEV, NULL);
		return false;
	}
	if (arena && (r->arena = store_arena_new(mem)) == NULL) {
		fail(L, who, STORE_ENOMEM, NULL);
		return false;
	}
	return true;
}

/* An index argument: a fixnum from 0 */
static bool index_arg(struct lisp *L, const char *who, obj i, uint64_t *out)
{
	if (!obj_fixnum_p(i) || obj_fixnum_value(i) < 0) {
		lisp_type_error(L, who, "a non-negative index", i);
		return false;
	}
	*out = (uint64_t)obj_fixnum_value(i);
	return true;
}

/* (store-root name): the value bound to name, a stored pair or vector as a persistent
 * reference (nothing else copied), anything else as store-ref gives it. */
static obj p_store_root(struct lisp *L, int argc, obj *argv)
{
	struct store_req r = { .op = STORE_OP_ROOT };
	obj v;

	if (!read_named(L, "store-root", argc, argv[0], &r, &v))
		return v;
	return shallow(L, store_svc_mem(), &r);
}

/* Field i of the pref x (pcar, pcdr, pvector-ref). */
static obj field(struct lisp *L, const char *who, obj x, uint8_t kind, uint64_t i)
{
	struct store_req r = { .op = STORE_OP_FIELD, .index = i };
	int rc;

	if (!pref_arg(L, who, x, kind, true, &r))
		return OBJ_NULL;
	if ((rc = store_svc_call(&r)) != STORE_OK) {
		store_arena_free(r.arena);
		return fail(L, who, rc, NULL);
	}
	return shallow(L, store_svc_mem(), &r);
}

static obj p_pcar(struct lisp *L, int argc, obj *argv)
{
	ARGS_UNUSED;
	return field(L, "pcar", argv[0], STORE_PAIR, 0);
}

static obj p_pcdr(struct lisp *L, int argc, obj *argv)
{
	ARGS_UNUSED;
	return field(L, "pcdr", argv[0], STORE_PAIR, 1);
}

static obj p_pvector_ref(struct lisp *L, int argc, obj *argv)
{
	uint64_t i;

	ARGS_UNUSED;
	if (!index_arg(L, "pvector-ref", argv[1], &i))
		return OBJ_NULL;
	return field(L, "pvector-ref", argv[0], STORE_VECTOR, i);
}

static obj p_pvector_length(struct lisp *L, int argc, obj *argv)
{
	struct store_req r = { .op = STORE_OP_LENGTH };
	int rc;

	ARGS_UNUSED;
	if (!pref_arg(L, "pvector-length", argv[0], STORE_VECTOR, false, &r))
		return OBJ_NULL;
	if ((rc = store_svc_call(&r)) != STORE_OK)
		return fail(L, "pvector-length", rc, NULL);
	return lisp_int64(L, (int64_t)r.index);
}

/* Field i of the pref x := a copy of v (prefs in v are links). */
static obj set_field(struct lisp *L, const char *who, obj x, uint8_t kind, uint64_t i, obj v)
{
	const struct store_mem *mem = store_svc_mem();
	struct store_req r = { .op = STORE_OP_SET_FIELD, .index = i };
	struct enc e = { .L = L };
	obj res;

	if (!pref_arg(L, who, x, kind, false, &r))
		return OBJ_NULL;
	if ((e.a = store_arena_new(mem)) == NULL)
		return fail(L, who, STORE_ENOMEM, NULL);
	e.seen.mem = e.work.mem = mem;
	r.val = encode(&e, v);	/* nothing allocates on the heap meanwhile */
	map_free(&e.seen);
	wfree(&e.work);
	if (r.val == NULL) {
		store_arena_free(e.a);
		if (e.bad)
			return lisp_errorf(L, e.badobj, "%s: cannot store %s:", who, e.bad);
		return fail(L, who, STORE_ENOMEM, NULL);
	}
	res = call(L, &r, who);
	store_arena_free(e.a);
	return res == OBJ_NULL ? OBJ_NULL : OBJ_UNSPECIFIED;
}

static obj p_pset_car(struct lisp *L, int argc, obj *argv)
{
	ARGS_UNUSED;
	return set_field(L, "pset-car!", argv[0], STORE_PAIR, 0, argv[1]);
}

static obj p_pset_cdr(struct lisp *L, int argc, obj *argv)
{
	ARGS_UNUSED;
	return set_field(L, "pset-cdr!", argv[0], STORE_PAIR, 1, argv[1]);
}

static obj p_pvector_set(struct lisp *L, int argc, obj *argv)
{
	uint64_t i;

	ARGS_UNUSED;
	if (!index_arg(L, "pvector-set!", argv[1], &i))
		return OBJ_NULL;
	return set_field(L, "pvector-set!", argv[0], STORE_VECTOR, i, argv[2]);
}

/* (pref-value p): a copy of the whole stored structure p names, as store-ref gives one. */
static obj p_pref_value(struct lisp *L, int argc, obj *argv)
{
	struct store_req r = { .op = STORE_OP_DEREF };
	obj v;
	int rc;

	ARGS_UNUSED;
	if (!pref_arg(L, "pref-value", argv[0], 0, true, &r))
		return OBJ_NULL;
	if ((rc = store_svc_call(&r)) != STORE_OK) {
		store_arena_free(r.arena);
		return fail(L, "pref-value", rc, NULL);
	}
	v = decode(L, store_svc_mem(), r.val);
	store_arena_free(r.arena);
	return v;
}

static obj p_pref_p(struct lisp *L, int argc, obj *argv)
{
	ARGS_UNUSED;
	return obj_bool(pref_p(L, argv[0]));
}

static obj pref_of_kind(struct lisp *L, obj x, uint8_t kind)
{
	struct store_ref r;

	if (!pref_p(L, x))
		return OBJ_FALSE;
	pref_get(x, &r);
	return obj_bool(r.kind == kind);
}

static obj p_ppair_p(struct lisp *L, int argc, obj *argv)
{
	ARGS_UNUSED;
	return pref_of_kind(L, argv[0], STORE_PAIR);
}

static obj p_pvector_p(struct lisp *L, int argc, obj *argv)
{
	ARGS_UNUSED;
	return pref_of_kind(L, argv[0], STORE_VECTOR);
}

/* --- (scheme file) on the store (lisp/ports.c): the file NAME is the store value named
 * file:NAME, a bytevector. Each returns STORE_OK or a store error code, LISP_FILE_NOTHREAD off a
 * thread, LISP_FILE_RAISED when the error is raised already (heap exhausted), LISP_FILE_NOTFILE
 * (get) for a value that is not a bytevector, STORE_EINVAL for a name too long. --- */
#define FILE_PREFIX	"file:"
_Static_assert((int)LISP_FILE_OK == (int)STORE_OK && (int)LISP_FILE_NOTFOUND == (int)STORE_ENOTFOUND, "file codes");

/* Post r for the file name: the request's own name copy, freed here. */
static int file_call(obj name, struct store_req *r)
{
	const struct store_mem *mem = store_svc_mem();
	int rc;

	if (!lisp_on_thread())
		return LISP_FILE_NOTHREAD;
	if ((rc = name_copy(mem, FILE_PREFIX, name, r)) != STORE_OK)
		return rc;
	rc = store_svc_call(r);
	name_free(mem, r);
	return rc;
}

int lisp_file_get(struct lisp *L, obj name, obj *bv)
{
	const struct store_mem *mem = store_svc_mem();
	struct store_req r = { .op = STORE_OP_REF };
	int rc;

	if (mem == NULL)
		return STORE_ENODEV;
	if ((r.arena = store_arena_new(mem)) == NULL)
		return STORE_ENOMEM;
	rc = file_call(name, &r);
	if (rc == STORE_OK) {
		if (r.val->kind != STORE_BYTEVECTOR)
			rc = LISP_FILE_NOTFILE;
		else if ((*bv = decode(L, mem, r.val)) == OBJ_NULL)
			rc = LISP_FILE_RAISED;
	}
	store_arena_free(r.arena);
	return rc;
}

int lisp_file_put(struct lisp *L, obj name, obj bv)
{
	const struct store_mem *mem = store_svc_mem();
	struct store_req r = { .op = STORE_OP_SET };
	struct enc e = { .L = L };
	int rc;

	if (mem == NULL)
		return STORE_ENODEV;
	if ((e.a = store_arena_new(mem)) == NULL)
		return STORE_ENOMEM;
	e.seen.mem = e.work.mem = mem;
	r.val = encode(&e, bv);	/* a bytevector: nothing allocates on the heap meanwhile */
	map_free(&e.seen);
	wfree(&e.work);
	rc = r.val == NULL ? STORE_ENOMEM : file_call(name, &r);
	store_arena_free(e.a);
	return rc;
}

/* Whether name is a file (a bytevector), without copying it into the heap. */
static int file_check(obj name)
{
	const struct store_mem *mem = store_svc_mem();
	struct store_req ref = { .op = STORE_OP_REF };
	int rc;

	if (mem == NULL)
		return STORE_ENODEV;
	if ((ref.arena = store_arena_new(mem)) == NULL)
		return STORE_ENOMEM;
	rc = file_call(name, &ref);
	if (rc == STORE_OK && ref.val->kind != STORE_BYTEVECTOR)
		rc = LISP_FILE_NOTFILE;
	store_arena_free(ref.arena);
	return rc;
}

int lisp_file_exists(struct lisp *L, obj name)
{
	(void)L;
	return file_check(name);
}

/* Only a file: a value of another kind bound by store-set! under a file: name stays. */
int lisp_file_remove(struct lisp *L, obj name)
{
	struct store_req r = { .op = STORE_OP_REMOVE };
	int rc;

	ROOT(name);	/* this CPU's other threads collect while the service works */
	rc = file_check(name);
	if (rc == STORE_OK)
		rc = file_call(name, &r);
	UNROOT(name);
	return rc;
}

const char *lisp_file_strerror(int rc)
{
	switch (rc) {
	case STORE_ENOTFOUND: return "no such file";
	case STORE_EINVAL: return "a name too long";
	case LISP_FILE_NOTFILE: return "not a file (a store value of another kind)";
	case LISP_FILE_NOTHREAD: return "only from a thread";
	default: return store_svc_strerror(rc);
	}
}

static const struct lisp_prim_def prims[] = {
	{ "store-open", p_store_open, 0, 0, 0 },
	{ "store-format!", p_store_format, 0, 0, 0 },
	{ "store-set!", p_store_set, 2, 2, 0 },
	{ "store-ref", p_store_ref, 1, 2, 0 },
	{ "store-remove!", p_store_remove, 1, 1, 0 },
	{ "store-commit", p_store_commit, 0, 0, 0 },
	{ "store-collect", p_store_collect, 0, 1, 0 },
	{ "store-stats", p_store_stats, 0, 0, 0 },
	{ "store-root", p_store_root, 1, 1, 0 },
	{ "pref?", p_pref_p, 1, 1, 0 },
	{ "ppair?", p_ppair_p, 1, 1, 0 },
	{ "pvector?", p_pvector_p, 1, 1, 0 },
	{ "pcar", p_pcar, 1, 1, 0 },
	{ "pcdr", p_pcdr, 1, 1, 0 },
	{ "pvector-ref", p_pvector_ref, 2, 2, 0 },
	{ "pvector-length", p_pvector_length, 1, 1, 0 },
	{ "pset-car!", p_pset_car, 2, 2, 0 },
	{ "pset-cdr!", p_pset_cdr, 2, 2, 0 },
	{ "pvector-set!", p_pvector_set, 3, 3, 0 },
	{ "pref-value", p_pref_value, 1, 1, 0 },
};

void lisp_init_store(struct lisp *L)
{
	lisp_register(L, prims, ARRAY_SIZE(prims));
}
