/* store_enc.c -- value graphs into objects and back (storage/store.h): where a new object goes,
 * chunking of objects larger than a quarter group, and the counts of links between groups that
 * encoding creates (S5). A pointer into a cached group is good only until the next load: every
 * access after a call that may load goes through store_obj again. */
#include <storage/store_int.h>

void *store_arena_alloc(struct store_arena *a, size_t n);

/* ---- placement ---- */

/* Room to make group lg dirty (NONE: a fresh group): its writeback may need a free physical
 * group beyond what the dirty ones need (store_phys_needed), and while an encode runs one more
 * stays free for its undo (store_free_new dirties again the groups written back meanwhile,
 * which give theirs back once written), and s->reserve for the groups the rest of the
 * operation may dirty (a set's, a field's, a names table save's). Else STORE_ENOSPC, with nothing changed: a writeback that found no free group
 * made the store unusable (found by a user: a set too big for a card whose last commit still
 * held the groups a removed value had filled). */
static int room_to_dirty(struct store *s, uint32_t lg)
{
	uint32_t need = store_phys_needed(s) + s->reserve + (s->logging ? 1 : 0);

	for (uint32_t i = 0; lg != NONE && i < s->ncache; i++)
		if (s->cache[i].lg == lg && s->cache[i].dirty)
			return s->pfree >= need ? STORE_OK : STORE_ENOSPC;
	return s->pfree >= need + 1 ? STORE_OK : STORE_ENOSPC;
}

static int try_alloc(struct store *s, uint32_t lg, uint32_t type, uint32_t flags, uint32_t payload,
		     store_oid *oid)
{
	uint8_t *b;
	int e, slot;

	if ((e = store_load(s, lg, &b)) || (e = room_to_dirty(s, lg)))
		return e;
	slot = grp_alloc(s, b, type, flags, payload);
	if (slot < 0) {
		store_note(s, lg, b);
		return STORE_ENOSPC;
	}
	store_dirty(s, lg);
	store_note(s, lg, b);
	*oid = (uint64_t)lg << 32 | (uint32_t)slot;
	return STORE_OK;
}

/* A new object: in the group being filled, else a cached group with room, else a fresh group,
 * else any group known to have room. */
static int alloc_obj(struct store *s, uint32_t type, uint32_t flags, uint32_t payload,
		     store_oid *oid)
{
	uint32_t need = obj_total(payload) + 4, lg;
	int e;

	if (payload > s->maxpay)
		return STORE_ETOOBIG;
	if (s->alloc_lg != NONE) {
		e = try_alloc(s, s->alloc_lg, type, flags, payload, oid);
		if (e != STORE_ENOSPC)
			return e;
	}
	for (uint32_t i = 0; i < s->ncache; i++) {
		lg = s->cache[i].lg;
		if (lg != NONE && s->g[lg].free >= need) {
			e = try_alloc(s, lg, type, flags, payload, oid);
			if (e != STORE_ENOSPC) {
				s->alloc_lg = lg;
				return e;
			}
		}
	}
	e = room_to_dirty(s, NONE);
	if (e == STORE_OK)
		e = store_new_group(s, &lg);
	if (e == STORE_OK) {
		s->alloc_lg = lg;
		return try_alloc(s, lg, type, flags, payload, oid);
	}
	if (e != STORE_ENOSPC)
		return e;
	for (uint32_t k = 0; k < s->ngroups; k++) {
		lg = (s->lg_cursor + k) % s->ngroups;
		if ((s->g[lg].flags & (GI_USED | GI_KNOWN)) == (GI_USED | GI_KNOWN) &&
		    s->g[lg].free >= need) {
			e = try_alloc(s, lg, type, flags, payload, oid);
			if (e != STORE_ENOSPC) {
				s->alloc_lg = lg;
				s->lg_cursor = lg;
				return e;
			}
		}
	}
	return STORE_ENOSPC;
}

/* While an encode runs, every object it makes is logged so a failure can free them all. */
int store_alloc_obj(struct store *s, uint32_t type, uint32_t flags, uint32_t payload, store_oid *oid)
{
	int e = alloc_obj(s, type, flags, payload, oid);

	if (e || !s->logging)
		return e;
	if (s->nmade == s->capmade) {
		size_t nc = s->capmade ? 2 * s->capmade : 64;
		store_oid *m = store_realloc(s, s->made, s->capmade * sizeof(*m), nc * sizeof(*m));

		if (!m) {	/* unlogged, it could not be undone: it goes now (fresh: it names nothing) */
			int e2 = store_free_new(s, oid, 1);

			return e2 ? e2 : STORE_ENOMEM;
		}
		s->made = m;
		s->capmade = nc;
	}
	s->made[s->nmade++] = *oid;
	return STORE_OK;
}

/* ---- byte objects (strings, symbols, bytevectors, bignums, the names table) ---- */

static uint32_t chunks_for(struct store *s, uint64_t bytes)
{
	return (uint32_t)((bytes + s->maxpay - 1) / s->maxpay);
}

/* Write a cell into object oid at byte offset off, counting it if it links another group. */
static int put_cell(struct store *s, store_oid oid, uint32_t off, uint64_t cell)
{
	uint8_t *o;
	int e;

	if ((e = store_rc_add(s, cell, (uint32_t)(oid >> 32), +1)))
		return e;
	if ((e = store_obj(s, oid, 1, &o)))
		return e;
	put64(o + off, cell);
	return STORE_OK;
}

/* The object's head (chunked: the index) is allocated; fill it with len bytes. */
static int fill_bytes(struct store *s, store_oid oid, const uint8_t *p, uint32_t len)
{
	uint8_t *o;
	int e;

	if ((e = store_obj(s, oid, 1, &o)))
		return e;
	if (!(get32(o) & OF_CHUNKED)) {
		if (len)
			memcpy(o + O_HDR, p, len);
		return STORE_OK;
	}
	put64(o + O_HDR, len);
	for (uint32_t k = 0, n = chunks_for(s, len); k < n; k++) {
		uint32_t at = k * s->maxpay, sz = len - at < s->maxpay ? len - at : s->maxpay;
		store_oid c;

		if ((e = store_alloc_obj(s, T_CHUNKB, 0, sz, &c)) || (e = store_obj(s, c, 1, &o)))
			return e;
		memcpy(o + O_HDR, p + at, sz);
		if ((e = put_cell(s, oid, O_HDR + 8 + 8 * k, oid_cell(c))))
			return e;
	}
	return STORE_OK;
}

static int alloc_bytes(struct store *s, uint32_t type, uint32_t flags, uint32_t len, store_oid *oid)
{
	if (len <= s->maxpay)
		return store_alloc_obj(s, type, flags, len, oid);
	if (8 + 8 * (uint64_t)chunks_for(s, len) > s->maxpay)
		return STORE_ETOOBIG;
	return store_alloc_obj(s, type, flags | OF_CHUNKED, 8 + 8 * chunks_for(s, len), oid);
}

int store_put_bytes(struct store *s, uint32_t type, const uint8_t *p, uint32_t len, store_oid *oid)
{
	int e = alloc_bytes(s, type, 0, len, oid);

	return e ? e : fill_bytes(s, *oid, p, len);
}

/* Read a byte object of type into a buffer from the store's allocator (*len bytes, freed by
 * the caller with store_free(s, *bytes, *len)). */
int store_get_bytes(struct store *s, store_oid oid, uint32_t type, uint8_t **out, uint32_t *len)
{
	uint8_t *o, *buf;
	uint64_t total;
	uint32_t n, got = 0;
	int e;

	if ((e = store_obj(s, oid, 0, &o)))
		return e;
	if (OBJ_TYPE(get32(o)) != type)
		return STORE_EGROUP;
	if (!(get32(o) & OF_CHUNKED)) {
		n = OBJ_SIZE(get32(o));
		if (!(buf = store_alloc(s, n)))
			return STORE_ENOMEM;
		memcpy(buf, o + O_HDR, n);
		*out = buf;
		*len = n;
		return STORE_OK;
	}
	total = get64(o + O_HDR);
	n = (OBJ_SIZE(get32(o)) - 8) / 8;
	if (total > (uint64_t)n * s->maxpay || total > 0x7fffffffu)
		return STORE_EGROUP;
	if (!(buf = store_alloc(s, (size_t)total)))
		return STORE_ENOMEM;
	for (uint32_t k = 0; k < n; k++) {
		uint64_t c;
		uint32_t sz;

		if ((e = store_obj(s, oid, 0, &o)))
			goto fail;
		c = get64(o + O_HDR + 8 + 8 * k);
		e = STORE_EGROUP;
		if ((c & 7) != C_REF || (e = store_obj(s, cell_oid(c), 0, &o)))
			goto fail;
		e = STORE_EGROUP;
		if (OBJ_TYPE(get32(o)) != T_CHUNKB)
			goto fail;
		sz = OBJ_SIZE(get32(o));
		if (sz > total - got)
			goto fail;
		memcpy(buf + got, o + O_HDR, sz);
		got += sz;
	}
	if (got != total) {
		e = STORE_EGROUP;
		goto fail;
	}
	*out = buf;
	*len = (uint32_t)total;
	return STORE_OK;
fail:
	store_free(s, buf, (size_t)total);
	return e;
}

/* ---- encoding a value graph ---- */

struct enc {
	struct store_val **nodes;
	store_oid *oids;
	size_t n, cap;
	uint32_t stored;	/* store_v_stored nodes met (with repeats) */
};

static bool fits_fix(int64_t n) { return n >= FIX_MIN && n <= FIX_MAX; }

/* An integer's magnitude as limbs without high zeros; *neg its sign. Returns the limb count. */
static uint32_t int_limbs(const struct store_val *v, uint32_t small[2], const uint32_t **limbs,
			  bool *neg)
{
	uint32_t n;

	if (v->kind == STORE_FIXNUM) {
		uint64_t m = v->u.fixnum < 0 ? 0 - (uint64_t)v->u.fixnum : (uint64_t)v->u.fixnum;

		small[0] = (uint32_t)m;
		small[1] = (uint32_t)(m >> 32);
		*limbs = small;
		*neg = v->u.fixnum < 0;
		n = 2;
	} else {
		*limbs = v->u.limbs;
		*neg = v->negative;
		n = v->len;
	}
	while (n && (*limbs)[n - 1] == 0)
		n--;
	if (n == 0)
		*neg = false;
	return n;
}

/* the integer in a fixnum cell if it fits one */
static bool int_small(const struct store_val *v, int64_t *out)
{
	uint32_t small[2];
	const uint32_t *l;
	bool neg;
	uint32_t n = int_limbs(v, small, &l, &neg);
	uint64_t m;

	if (n > 2)
		return false;
	m = (n > 0 ? l[0] : 0) | (uint64_t)(n > 1 ? l[1] : 0) << 32;
	if (m > (uint64_t)FIX_MAX + (neg ? 1 : 0))
		return false;
	*out = neg ? -(int64_t)m : (int64_t)m;
	return true;
}

static bool needs_object(const struct store_val *v)
{
	int64_t k;

	if (v->kind == STORE_FIXNUM)
		return !fits_fix(v->u.fixnum);
	if (v->kind == STORE_BIGNUM)
		return !int_small(v, &k);
	return v->kind >= STORE_PAIR && v->kind <= STORE_BYTEVECTOR;
}

static uint64_t cell_of(const struct enc *en, const struct store_val *v)
{
	int64_t k;

	switch (v->kind) {
	case STORE_NIL: return C_SPECIAL | (uint64_t)SP_NIL << 3;
	case STORE_FALSE: return C_SPECIAL | (uint64_t)SP_FALSE << 3;
	case STORE_TRUE: return C_SPECIAL | (uint64_t)SP_TRUE << 3;
	case STORE_CHAR: return C_CHAR | (uint64_t)v->u.ch << 3;
	case STORE_STORED: return oid_cell(v->oid);
	default:
		if (!needs_object(v) && int_small(v, &k))
			return C_FIX | (uint64_t)k << 3;
		return oid_cell(en->oids[v->idx]);
	}
}

static int push(struct store *s, struct enc *en, struct store_val ***stack, size_t *sn,
		size_t *scap, struct store_val *v)
{
	if (!v)
		return STORE_EINVAL;
	if (*sn == *scap) {
		size_t nc = *scap ? 2 * *scap : 256;
		struct store_val **ns = store_realloc(s, *stack, *scap * sizeof(*ns), nc * sizeof(*ns));

		if (!ns)
			return STORE_ENOMEM;
		*stack = ns;
		*scap = nc;
	}
	(*stack)[(*sn)++] = v;
	(void)en;
	return STORE_OK;
}

static bool seen(struct store *s, const struct enc *en, const struct store_val *v)
{
	return v->pass == s->pass && v->idx < en->n && en->nodes[v->idx] == v;
}

/* Every node that needs an object, once each, in en->nodes. */
static int collect_nodes(struct store *s, struct enc *en, struct store_val *root)
{
	struct store_val **stack = NULL;
	size_t sn = 0, scap = 0;
	int e = push(s, en, &stack, &sn, &scap, root);

	while (!e && sn) {
		struct store_val *v = stack[--sn];

		if (v->kind > STORE_STORED || (v->kind == STORE_CHAR && v->u.ch > 0x10ffff)) {
			e = STORE_EINVAL;
			break;
		}
		if (v->kind == STORE_STORED) {
			uint8_t *o;
			uint32_t ty;

			en->stored++;
			s->enc_raw |= !v->checked;	/* an oid no epoch guards (store_set) */

			if (v->checked && (e = store_ref_check(s, v)))
				break;
			e = store_obj(s, v->oid, 0, &o);
			if (e == STORE_EGROUP || (!e && ((ty = OBJ_TYPE(get32(o))) == T_NAMES ||
							 ty >= T_CHUNKV)))
				e = STORE_EINVAL;	/* no object there, or none a value may name */
			if (e)
				break;
			continue;
		}
		if (!needs_object(v) || seen(s, en, v))
			continue;
		if (en->n == en->cap) {
			size_t nc = en->cap ? 2 * en->cap : 64;
			struct store_val **nn = store_realloc(s, en->nodes, en->cap * sizeof(*nn),
							     nc * sizeof(*nn));
			store_oid *no = nn ? store_realloc(s, en->oids, en->cap * sizeof(*no),
							  nc * sizeof(*no)) : NULL;

			if (nn)
				en->nodes = nn;
			if (!no) {
				if (nn)	/* keep the sizes consistent for the free below */
					en->nodes = store_realloc(s, nn, nc * sizeof(*nn),
								  en->cap * sizeof(*nn));
				e = STORE_ENOMEM;
				break;
			}
			en->oids = no;
			en->cap = nc;
		}
		v->pass = s->pass;
		v->idx = (uint32_t)en->n;
		en->oids[en->n] = 0;
		en->nodes[en->n++] = v;
		if (v->kind == STORE_PAIR) {
			if ((e = push(s, en, &stack, &sn, &scap, v->u.pair.cdr)) ||
			    (e = push(s, en, &stack, &sn, &scap, v->u.pair.car)))
				break;
		} else if (v->kind == STORE_VECTOR) {
			for (uint32_t i = v->len; i-- > 0;)
				if ((e = push(s, en, &stack, &sn, &scap, v->u.elts[i])))
					break;
		}
	}
	store_free(s, stack, scap * sizeof(*stack));
	return e;
}

static uint32_t obj_type_of(const struct store_val *v)
{
	switch (v->kind) {
	case STORE_PAIR: return T_PAIR;
	case STORE_VECTOR: return T_VECTOR;
	case STORE_STRING: return T_STRING;
	case STORE_SYMBOL: return T_SYMBOL;
	case STORE_BYTEVECTOR: return T_BYTES;
	default: return T_BIGNUM;
	}
}

/* Pass 1: every node's head object, so that pass 2 can link cycles. */
static int alloc_node(struct store *s, const struct store_val *v, store_oid *oid)
{
	uint32_t per = s->maxpay / 8, small[2], n;
	const uint32_t *l;
	bool neg;

	switch (v->kind) {
	case STORE_PAIR:
		return store_alloc_obj(s, T_PAIR, 0, 16, oid);
	case STORE_VECTOR:
		if (v->len <= per)
			return store_alloc_obj(s, T_VECTOR, 0, 8 * v->len, oid);
		n = (v->len + per - 1) / per;
		if (8 + 8 * (uint64_t)n > s->maxpay)
			return STORE_ETOOBIG;
		return store_alloc_obj(s, T_VECTOR, OF_CHUNKED, 8 + 8 * n, oid);
	case STORE_STRING: case STORE_SYMBOL: case STORE_BYTEVECTOR:
		return alloc_bytes(s, obj_type_of(v), 0, v->len, oid);
	default:
		n = int_limbs(v, small, &l, &neg);
		if ((uint64_t)n * 4 > 0x7fffffffu)
			return STORE_ETOOBIG;
		return alloc_bytes(s, T_BIGNUM, neg ? OF_NEGATIVE : 0, n * 4, oid);
	}
}

/* Pass 2: the contents. */
static int fill_node(struct store *s, const struct enc *en, const struct store_val *v, store_oid oid)
{
	uint32_t per = s->maxpay / 8, small[2], n;
	const uint32_t *l;
	bool neg;
	int e;

	switch (v->kind) {
	case STORE_PAIR:
		if ((e = put_cell(s, oid, O_HDR, cell_of(en, v->u.pair.car))))
			return e;
		return put_cell(s, oid, O_HDR + 8, cell_of(en, v->u.pair.cdr));
	case STORE_VECTOR: {
		uint8_t *o;

		if ((e = store_obj(s, oid, 1, &o)))
			return e;
		if (!(get32(o) & OF_CHUNKED)) {
			for (uint32_t i = 0; i < v->len; i++)
				if ((e = put_cell(s, oid, O_HDR + 8 * i, cell_of(en, v->u.elts[i]))))
					return e;
			return STORE_OK;
		}
		put64(o + O_HDR, v->len);
		for (uint32_t k = 0; k * per < v->len; k++) {
			uint32_t at = k * per, cnt = v->len - at < per ? v->len - at : per;
			store_oid c;

			if ((e = store_alloc_obj(s, T_CHUNKV, 0, 8 * cnt, &c)))
				return e;
			for (uint32_t i = 0; i < cnt; i++)
				if ((e = put_cell(s, c, O_HDR + 8 * i, cell_of(en, v->u.elts[at + i]))))
					return e;
			if ((e = put_cell(s, oid, O_HDR + 8 + 8 * k, oid_cell(c))))
				return e;
		}
		return STORE_OK;
	}
	case STORE_STRING: case STORE_SYMBOL: case STORE_BYTEVECTOR:
		return fill_bytes(s, oid, v->u.bytes, v->len);
	default: {
		uint8_t *tmp;

		n = int_limbs(v, small, &l, &neg);
		if (!(tmp = store_alloc(s, (size_t)n * 4)))
			return STORE_ENOMEM;
		for (uint32_t i = 0; i < n; i++)
			put32(tmp + 4 * i, l[i]);
		e = fill_bytes(s, oid, tmp, n * 4);
		store_free(s, tmp, (size_t)n * 4);
		return e;
	}
	}
}

int store_encode(struct store *s, struct store_val *v, uint64_t *cell)
{
	struct enc en = { 0 };
	size_t done = 0;
	int e;

	s->pass++;
	s->enc_raw = 0;
	s->logging = 1;
	s->nmade = 0;
	e = collect_nodes(s, &en, v);
	/* the groups dirtied beyond those the encode makes or fills: one for each stored object it
	 * links (its count), and STORE_SET_ROOM for the caller's link and the count it drops
	 * (store_bind, store_set_field); checked before anything is made */
	s->reserve = (en.stored < s->ngroups ? en.stored : s->ngroups) + STORE_SET_ROOM;
	if (!e && s->pfree < store_phys_needed(s) + 1 + s->reserve)
		e = STORE_ENOSPC;
	for (; !e && done < en.n; done++)
		e = alloc_node(s, en.nodes[done], &en.oids[done]);
	for (size_t i = 0; !e && i < en.n; i++)
		e = fill_node(s, &en, en.nodes[i], en.oids[i]);
	s->logging = 0;
	s->reserve = 0;
	if (!e) {
		*cell = cell_of(&en, v);
	} else if (s->nmade && !s->broken) {
		/* what it made is garbage (unbound, named by nothing else): freed now, so a failed
		 * store_set leaves the store as it found it; if that fails too, the groups'
		 * collections free what is left */
		s->st.encodes_undone++;
		if (store_free_new(s, s->made, s->nmade))
			for (size_t i = 0; i < s->nmade; i++)
				s->g[s->made[i] >> 32].flags |= GI_COLLECT;
	}
	store_free(s, s->made, s->capmade * sizeof(*s->made));
	s->made = NULL;
	s->nmade = s->capmade = 0;
	store_free(s, en.nodes, en.cap * sizeof(*en.nodes));
	store_free(s, en.oids, en.cap * sizeof(*en.oids));
	return e;
}

/* ---- decoding ---- */

struct omap {
	store_oid *k;
	struct store_val **v;
	size_t cap, n;
};

static size_t ohash(store_oid o, size_t cap)
{
	return (size_t)((o * 0x9e3779b97f4a7c15ull) >> 24) & (cap - 1);
}

static struct store_val *oget(const struct omap *m, store_oid o)
{
	if (!m->cap)
		return NULL;
	for (size_t i = ohash(o, m->cap);; i = (i + 1) & (m->cap - 1)) {
		if (!m->v[i])
			return NULL;
		if (m->k[i] == o)
			return m->v[i];
	}
}

static int oput(struct store *s, struct omap *m, store_oid o, struct store_val *v)
{
	if (2 * (m->n + 1) > m->cap) {
		struct omap old = *m;

		m->cap = old.cap ? 2 * old.cap : 64;
		m->n = 0;
		m->k = store_alloc(s, m->cap * sizeof(*m->k));
		m->v = store_alloc(s, m->cap * sizeof(*m->v));
		if (!m->k || !m->v) {
			store_free(s, m->k, m->cap * sizeof(*m->k));
			store_free(s, m->v, m->cap * sizeof(*m->v));
			*m = old;
			return STORE_ENOMEM;
		}
		memset(m->v, 0, m->cap * sizeof(*m->v));
		for (size_t i = 0; i < old.cap; i++)
			if (old.v[i])
				oput(s, m, old.k[i], old.v[i]);
		store_free(s, old.k, old.cap * sizeof(*old.k));
		store_free(s, old.v, old.cap * sizeof(*old.v));
	}
	size_t i = ohash(o, m->cap);

	while (m->v[i])
		i = (i + 1) & (m->cap - 1);
	m->k[i] = o;
	m->v[i] = v;
	m->n++;
	return STORE_OK;
}

struct dec {
	struct omap map;
	struct store_val **todo;
	size_t n, cap;
	struct store_arena *a;
};

static int bignum_node(struct store *s, struct store_arena *a, store_oid oid, struct store_val **out)
{
	uint8_t *bytes, *o;
	uint32_t len;
	bool neg;
	int e;

	if ((e = store_obj(s, oid, 0, &o)))
		return e;
	neg = (get32(o) & OF_NEGATIVE) != 0;
	if ((e = store_get_bytes(s, oid, T_BIGNUM, &bytes, &len)))
		return e;
	struct store_val *v = len % 4 ? NULL : store_v_bignum(a, neg, NULL, len / 4);

	if (v)
		for (uint32_t i = 0; i < len / 4; i++)
			v->u.limbs[i] = get32(bytes + 4 * i);
	store_free(s, bytes, len);
	if (!v)
		return len % 4 ? STORE_EGROUP : STORE_ENOMEM;
	int64_t k;
	uint32_t n = v->len;

	while (n && v->u.limbs[n - 1] == 0)
		n--;
	if (n <= 2) {	/* normalise: an integer that fits int64 is a fixnum */
		uint64_t m = (n > 0 ? v->u.limbs[0] : 0) | (uint64_t)(n > 1 ? v->u.limbs[1] : 0) << 32;

		if (m <= (uint64_t)INT64_MAX + (neg ? 1 : 0)) {
			k = neg ? (int64_t)(0 - m) : (int64_t)m;
			v->kind = STORE_FIXNUM;
			v->u.fixnum = k;
			v->len = 0;
			v->negative = 0;
		}
	}
	v->len = v->kind == STORE_BIGNUM ? n : 0;
	v->oid = oid;
	*out = v;
	return STORE_OK;
}

/* The node for a cell: immediates fresh, objects once per oid (queued to be filled). */
static int resolve(struct store *s, struct dec *d, uint64_t c, struct store_val **out)
{
	struct store_arena *a = d->a;
	struct store_val *v;
	uint8_t *o;
	uint32_t w0, ty;
	store_oid oid;
	int e;

	switch (c & 7) {
	case C_SPECIAL:
		v = (c >> 3) == SP_NIL ? store_v_nil(a) : store_v_bool(a, (c >> 3) == SP_TRUE);
		break;
	case C_FIX:
		v = store_v_fixnum(a, (int64_t)c >> 3);
		break;
	case C_CHAR:
		v = store_v_char(a, (uint32_t)(c >> 3));
		break;
	default:
		oid = cell_oid(c);
		if ((v = oget(&d->map, oid))) {
			*out = v;
			return STORE_OK;
		}
		if ((e = store_obj(s, oid, 0, &o)))
			return e;
		w0 = get32(o);
		ty = OBJ_TYPE(w0);
		if (ty == T_BIGNUM) {
			if ((e = bignum_node(s, a, oid, &v)))
				return e;
		} else if (ty == T_PAIR) {
			v = store_v_pair(a, NULL, NULL);
		} else if (ty == T_VECTOR) {
			uint64_t len = w0 & OF_CHUNKED ? get64(o + O_HDR) : OBJ_SIZE(w0) / 8;

			if (len > (uint64_t)(OBJ_SIZE(w0) / 8) * (s->maxpay / 8))
				return STORE_EGROUP;
			v = store_v_vector(a, (uint32_t)len, NULL);
		} else if (ty == T_STRING || ty == T_SYMBOL || ty == T_BYTES) {
			uint8_t *bytes;
			uint32_t len;

			if ((e = store_get_bytes(s, oid, ty, &bytes, &len)))
				return e;
			v = ty == T_STRING ? store_v_string(a, bytes, len) :
			    ty == T_SYMBOL ? store_v_symbol(a, bytes, len) : store_v_bytevector(a, bytes, len);
			store_free(s, bytes, len);
		} else {
			return STORE_EGROUP;	/* a chunk or the names table is no value */
		}
		if (!v)
			return STORE_ENOMEM;
		v->oid = oid;
		if ((e = oput(s, &d->map, oid, v)))
			return e;
		if (ty == T_PAIR || ty == T_VECTOR) {
			if (d->n == d->cap) {
				size_t nc = d->cap ? 2 * d->cap : 64;
				struct store_val **nt = store_realloc(s, d->todo, d->cap * sizeof(*nt),
								     nc * sizeof(*nt));

				if (!nt)
					return STORE_ENOMEM;
				d->todo = nt;
				d->cap = nc;
			}
			d->todo[d->n++] = v;
		}
	}
	if (!v)
		return STORE_ENOMEM;
	*out = v;
	return STORE_OK;
}

static int cell_at(struct store *s, store_oid oid, uint32_t off, uint64_t *c)
{
	uint8_t *o;
	int e = store_obj(s, oid, 0, &o);

	if (!e)
		*c = get64(o + off);
	return e;
}

static int fill_decoded(struct store *s, struct dec *d, struct store_val *v)
{
	uint64_t c;
	uint8_t *o;
	int e;

	if (v->kind == STORE_PAIR) {
		if ((e = cell_at(s, v->oid, O_HDR, &c)) || (e = resolve(s, d, c, &v->u.pair.car)) ||
		    (e = cell_at(s, v->oid, O_HDR + 8, &c)) || (e = resolve(s, d, c, &v->u.pair.cdr)))
			return e;
		return STORE_OK;
	}
	if ((e = store_obj(s, v->oid, 0, &o)))
		return e;
	if (!(get32(o) & OF_CHUNKED)) {
		for (uint32_t i = 0; i < v->len; i++)
			if ((e = cell_at(s, v->oid, O_HDR + 8 * i, &c)) || (e = resolve(s, d, c, &v->u.elts[i])))
				return e;
		return STORE_OK;
	}
	uint32_t nch = (OBJ_SIZE(get32(o)) - 8) / 8, got = 0;

	for (uint32_t k = 0; k < nch; k++) {
		uint64_t ch;
		uint32_t cnt;

		if ((e = cell_at(s, v->oid, O_HDR + 8 + 8 * k, &ch)))
			return e;
		if ((ch & 7) != C_REF)
			return STORE_EGROUP;
		if ((e = store_obj(s, cell_oid(ch), 0, &o)))
			return e;
		if (OBJ_TYPE(get32(o)) != T_CHUNKV)
			return STORE_EGROUP;
		cnt = OBJ_SIZE(get32(o)) / 8;
		if (cnt > v->len - got)
			return STORE_EGROUP;
		for (uint32_t i = 0; i < cnt; i++, got++)
			if ((e = cell_at(s, cell_oid(ch), O_HDR + 8 * i, &c)) ||
			    (e = resolve(s, d, c, &v->u.elts[got])))
				return e;
	}
	return got == v->len ? STORE_OK : STORE_EGROUP;
}

int store_decode(struct store *s, uint64_t cell, struct store_arena *a, struct store_val **out)
{
	struct dec d = { .a = a };
	int e = resolve(s, &d, cell, out);

	while (!e && d.n)
		e = fill_decoded(s, &d, d.todo[--d.n]);
	store_free(s, d.todo, d.cap * sizeof(*d.todo));
	store_free(s, d.map.k, d.map.cap * sizeof(*d.map.k));
	store_free(s, d.map.v, d.map.cap * sizeof(*d.map.v));
	return e;
}
