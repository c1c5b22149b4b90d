/* store_val.c -- the neutral value graph (storage/store.h): arenas of struct store_val nodes that
 * a language binding builds from its objects before store_set and reads back after store_ref,
 * and graph equality that respects sharing (used by the tests). No store state here. */
#include <storage/store_int.h>

#define ARENA_BLOCK	16384u

struct arena_block {
	struct arena_block *next;
	size_t size, used;
};

struct store_arena {
	struct store_mem mem;
	struct arena_block *blocks;
};

struct store_arena *store_arena_new(const struct store_mem *mem)
{
	struct store_arena *a = mem->alloc(mem->ctx, sizeof(*a));

	if (a) {
		a->mem = *mem;
		a->blocks = NULL;
	}
	return a;
}

void store_arena_free(struct store_arena *a)
{
	if (!a)
		return;
	while (a->blocks) {
		struct arena_block *b = a->blocks;

		a->blocks = b->next;
		a->mem.free(a->mem.ctx, b, b->size);
	}
	a->mem.free(a->mem.ctx, a, sizeof(*a));
}

void *store_arena_alloc(struct store_arena *a, size_t n);
void *store_arena_alloc(struct store_arena *a, size_t n)
{
	struct arena_block *b = a->blocks;
	size_t hdr = (sizeof(*b) + 15) & ~(size_t)15;

	n = (n + 15) & ~(size_t)15;
	if (!b || b->size - b->used < n) {
		size_t size = hdr + (n > ARENA_BLOCK ? n : ARENA_BLOCK);

		b = a->mem.alloc(a->mem.ctx, size);
		if (!b)
			return NULL;
		b->size = size;
		b->used = hdr;
		b->next = a->blocks;
		a->blocks = b;
	}
	b->used += n;
	return (uint8_t *)b + b->used - n;
}

static struct store_val *node(struct store_arena *a, enum store_kind k)
{
	struct store_val *v = store_arena_alloc(a, sizeof(*v));

	if (v) {
		memset(v, 0, sizeof(*v));
		v->kind = (uint8_t)k;
	}
	return v;
}

struct store_val *store_v_nil(struct store_arena *a) { return node(a, STORE_NIL); }

struct store_val *store_v_bool(struct store_arena *a, bool b)
{
	return node(a, b ? STORE_TRUE : STORE_FALSE);
}

struct store_val *store_v_fixnum(struct store_arena *a, int64_t n)
{
	struct store_val *v = node(a, STORE_FIXNUM);

	if (v)
		v->u.fixnum = n;
	return v;
}

struct store_val *store_v_char(struct store_arena *a, uint32_t ch)
{
	struct store_val *v = node(a, STORE_CHAR);

	if (v)
		v->u.ch = ch;
	return v;
}

struct store_val *store_v_pair(struct store_arena *a, struct store_val *car, struct store_val *cdr)
{
	struct store_val *v = node(a, STORE_PAIR);

	if (v) {
		v->u.pair.car = car;
		v->u.pair.cdr = cdr;
	}
	return v;
}

struct store_val *store_v_vector(struct store_arena *a, uint32_t len, struct store_val *fill)
{
	struct store_val *v = node(a, STORE_VECTOR);

	if (!v || !(v->u.elts = store_arena_alloc(a, (size_t)len * sizeof(*v->u.elts))))
		return NULL;
	v->len = len;
	for (uint32_t i = 0; i < len; i++)
		v->u.elts[i] = fill;
	return v;
}

static struct store_val *bytes(struct store_arena *a, enum store_kind k, const void *p, uint32_t len)
{
	struct store_val *v = node(a, k);

	if (!v || !(v->u.bytes = store_arena_alloc(a, len)))
		return NULL;
	v->len = len;
	if (p && len)
		memcpy(v->u.bytes, p, len);
	return v;
}

struct store_val *store_v_string(struct store_arena *a, const void *p, uint32_t len)
{
	return bytes(a, STORE_STRING, p, len);
}

struct store_val *store_v_symbol(struct store_arena *a, const void *p, uint32_t len)
{
	return bytes(a, STORE_SYMBOL, p, len);
}

struct store_val *store_v_bytevector(struct store_arena *a, const void *p, uint32_t len)
{
	return bytes(a, STORE_BYTEVECTOR, p, len);
}

struct store_val *store_v_bignum(struct store_arena *a, bool negative, const uint32_t *limbs,
				 uint32_t nlimbs)
{
	struct store_val *v = node(a, STORE_BIGNUM);

	if (!v || !(v->u.limbs = store_arena_alloc(a, (size_t)nlimbs * 4)))
		return NULL;
	v->negative = negative;
	v->len = nlimbs;
	if (nlimbs && limbs)
		memcpy(v->u.limbs, limbs, (size_t)nlimbs * 4);
	return v;
}

struct store_val *store_v_stored(struct store_arena *a, store_oid oid)
{
	struct store_val *v = node(a, STORE_STORED);

	if (v)
		v->oid = oid;
	return v;
}

struct store_val *store_v_ref(struct store_arena *a, const struct store_ref *r)
{
	struct store_val *v = store_v_stored(a, r->oid);

	if (v) {
		v->epoch = r->epoch;
		v->session = r->session;
		v->checked = true;
	}
	return v;
}

/* ---- equality: a bijection between the two graphs' heap nodes, grown as they are walked ---- */

struct pmap {
	const void **k, **v;
	size_t cap, n;
};

static size_t phash(const void *p, size_t cap)
{
	uint64_t x = (uint64_t)(uintptr_t)p * 0x9e3779b97f4a7c15ull;

	return (size_t)(x >> 20) & (cap - 1);
}

static const void *pget(const struct pmap *m, const void *k)
{
	if (!m->cap)
		return NULL;
	for (size_t i = phash(k, m->cap);; i = (i + 1) & (m->cap - 1)) {
		if (m->k[i] == k)
			return m->v[i];
		if (!m->k[i])
			return NULL;
	}
}

static int pput(const struct store_mem *mem, struct pmap *m, const void *k, const void *v)
{
	if (2 * (m->n + 1) > m->cap) {
		struct pmap o = *m;

		m->cap = o.cap ? 2 * o.cap : 64;
		m->n = 0;
		m->k = mem->alloc(mem->ctx, m->cap * sizeof(void *));
		m->v = mem->alloc(mem->ctx, m->cap * sizeof(void *));
		if (!m->k || !m->v)
			return -1;
		memset(m->k, 0, m->cap * sizeof(void *));
		for (size_t i = 0; i < o.cap; i++)
			if (o.k[i])
				pput(mem, m, o.k[i], o.v[i]);
		if (o.cap) {
			mem->free(mem->ctx, o.k, o.cap * sizeof(void *));
			mem->free(mem->ctx, o.v, o.cap * sizeof(void *));
		}
	}
	size_t i = phash(k, m->cap);

	while (m->k[i])
		i = (i + 1) & (m->cap - 1);
	m->k[i] = k;
	m->v[i] = v;
	m->n++;
	return 0;
}

static void pfree(const struct store_mem *mem, struct pmap *m)
{
	if (m->cap) {
		mem->free(mem->ctx, m->k, m->cap * sizeof(void *));
		mem->free(mem->ctx, m->v, m->cap * sizeof(void *));
	}
}

static bool heap_kind(const struct store_val *v)
{
	return v->kind >= STORE_PAIR && v->kind <= STORE_BYTEVECTOR;
}

/* same value, ignoring children; integers compare by value */
static bool shallow_equal(const struct store_val *a, const struct store_val *b)
{
	if (a->kind != b->kind)
		return false;
	switch (a->kind) {
	case STORE_FIXNUM: return a->u.fixnum == b->u.fixnum;
	case STORE_CHAR: return a->u.ch == b->u.ch;
	case STORE_STORED: return a->oid == b->oid;
	case STORE_BIGNUM:
		return a->negative == b->negative && a->len == b->len &&
		       (!a->len || memcmp(a->u.limbs, b->u.limbs, (size_t)a->len * 4) == 0);
	case STORE_VECTOR: return a->len == b->len;
	case STORE_STRING: case STORE_SYMBOL: case STORE_BYTEVECTOR:
		return a->len == b->len && (!a->len || memcmp(a->u.bytes, b->u.bytes, a->len) == 0);
	default: return true;
	}
}

bool store_v_equal(const struct store_mem *mem, const struct store_val *a,
		   const struct store_val *b)
{
	struct pmap ab = { 0 }, ba = { 0 };
	const struct store_val **stack = NULL;
	size_t n = 0, cap = 0;
	bool ok = true;

#define PUSH(x, y) do { \
		if (n + 2 > cap) { \
			size_t nc = cap ? 2 * cap : 256; \
			const struct store_val **ns = mem->alloc(mem->ctx, nc * sizeof(*ns)); \
			if (!ns) { ok = false; goto out; } \
			if (n) memcpy(ns, stack, n * sizeof(*ns)); \
			if (cap) mem->free(mem->ctx, stack, cap * sizeof(*ns)); \
			stack = ns; cap = nc; \
		} \
		stack[n++] = (x); stack[n++] = (y); \
	} while (0)

	PUSH(a, b);
	while (ok && n) {
		const struct store_val *y = stack[--n], *x = stack[--n];

		if (!x || !y) {
			ok = x == y;
			break;
		}
		if (!shallow_equal(x, y)) {
			ok = false;
			break;
		}
		if (!heap_kind(x))
			continue;
		const void *mx = pget(&ab, x), *my = pget(&ba, y);

		if (mx || my) {
			ok = mx == y && my == x;
			continue;
		}
		if (pput(mem, &ab, x, y) || pput(mem, &ba, y, x)) {
			ok = false;
			break;
		}
		if (x->kind == STORE_PAIR) {
			PUSH(x->u.pair.cdr, y->u.pair.cdr);
			PUSH(x->u.pair.car, y->u.pair.car);
		} else if (x->kind == STORE_VECTOR) {
			for (uint32_t i = x->len; i-- > 0;)
				PUSH(x->u.elts[i], y->u.elts[i]);
		}
	}
out:
	if (cap)
		mem->free(mem->ctx, stack, cap * sizeof(*stack));
	pfree(mem, &ab);
	pfree(mem, &ba);
	return ok;
#undef PUSH
}
