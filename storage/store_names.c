/* store_names.c -- the persistent root table: names bound to cells. In RAM while the store is
 * open (an array; a name costs its bytes + 24). On the card: an index object (T_NAMES: the
 * bucket count, then a reference to each bucket) that the root names, and buckets (T_NAMEB byte
 * objects, chunked when large) of the names that hash to them; a commit rewrites only the
 * buckets whose names changed, and the index. The entries' cells are not traced: the names
 * themselves count (S5), one for each binding; the index counts one for the root and its links
 * to buckets count as any link does. */
#include <storage/store_int.h>

#define NIL_CELL	(C_SPECIAL | (uint64_t)SP_NIL << 3)

static size_t entry_bytes(uint32_t len)
{
	return 16 + (((size_t)len + 7) & ~(size_t)7);
}

static uint32_t hash(const uint8_t *p, size_t n)
{
	uint32_t h = 2166136261u;	/* FNV-1a */

	while (n--)
		h = (h ^ *p++) * 16777619u;
	return h;
}

static void set_buckets(struct store *s, uint32_t k, uint64_t *cells, uint8_t *dirty)
{
	store_free(s, s->bucket_cell, s->nbuckets * sizeof(*s->bucket_cell));
	store_free(s, s->bucket_dirty, s->nbuckets);
	s->nbuckets = k;
	s->bucket_cell = cells;
	s->bucket_dirty = dirty;
}

/* names_cell's index now names bucket_cell: those become the live buckets (into l, made by
 * live_new before names_cell changed, so this cannot fail); any other bucket the index named
 * before is garbage (count 0, now named by nothing that counts): its group is flagged for
 * collection. */
static int live_new(struct store *s, uint64_t **l)
{
	*l = NULL;
	if (s->nbuckets && !(*l = store_alloc(s, s->nbuckets * sizeof(**l))))
		return STORE_ENOMEM;
	return STORE_OK;
}

static void set_live(struct store *s, uint64_t *l)
{
	for (uint32_t i = 0; i < s->nlive; i++) {
		uint64_t c = s->live_bucket[i];
		uint32_t b;

		for (b = 0; b < s->nbuckets && s->bucket_cell[b] != c; b++)
			;
		if ((c & 7) == C_REF && b == s->nbuckets && cell_lg(c) < s->ngroups)
			s->g[cell_lg(c)].flags |= GI_COLLECT;
	}
	store_free(s, s->live_bucket, s->nlive * sizeof(*s->live_bucket));
	if (l)
		memcpy(l, s->bucket_cell, s->nbuckets * sizeof(*l));
	s->live_bucket = l;
	s->nlive = s->nbuckets;
}

static int resize(struct store *s, uint32_t k)
{
	uint64_t *cells = store_alloc(s, k * sizeof(*cells));
	uint8_t *dirty = store_alloc(s, k);

	if (!cells || !dirty) {
		store_free(s, cells, k * sizeof(*cells));
		store_free(s, dirty, k);
		return STORE_ENOMEM;
	}
	for (uint32_t b = 0; b < k; b++) {
		cells[b] = NIL_CELL;
		dirty[b] = 1;
	}
	set_buckets(s, k, cells, dirty);
	return STORE_OK;
}

/* One bucket's entries as a new object (nil if it has none). */
static int save_bucket(struct store *s, uint32_t b, uint64_t *cell)
{
	size_t total = 0, at = 0;
	uint8_t *buf;
	store_oid oid;
	int e;

	for (size_t i = 0; i < s->nnames; i++)
		if ((hash(s->names[i].name, s->names[i].len) & (s->nbuckets - 1)) == b)
			total += entry_bytes(s->names[i].len);
	*cell = NIL_CELL;
	if (!total)
		return STORE_OK;
	if (total > 0x7fffffffu)
		return STORE_ETOOBIG;
	if (!(buf = store_alloc(s, total)))
		return STORE_ENOMEM;
	memset(buf, 0, total);
	for (size_t i = 0; i < s->nnames; i++) {
		if ((hash(s->names[i].name, s->names[i].len) & (s->nbuckets - 1)) != b)
			continue;
		put32(buf + at, s->names[i].len);
		put64(buf + at + 8, s->names[i].cell);
		memcpy(buf + at + 16, s->names[i].name, s->names[i].len);
		at += entry_bytes(s->names[i].len);
	}
	e = store_put_bytes(s, T_NAMEB, buf, (uint32_t)total, &oid);
	store_free(s, buf, total);
	if (!e)
		*cell = oid_cell(oid);
	return e;
}

/* A save that failed part way: what it wrote is referenced by nothing (count 0), so its groups
 * are flagged for collection, and the next save writes every bucket again. */
static int save_failed(struct store *s, int e)
{
	for (uint32_t b = 0; b < s->nbuckets; b++) {
		uint64_t c = s->bucket_cell[b];

		s->bucket_dirty[b] = 1;
		if ((c & 7) == C_REF && cell_lg(c) < s->ngroups)
			s->g[cell_lg(c)].flags |= GI_COLLECT;
	}
	return e;
}

static int names_save(struct store *s)
{
	uint64_t old = s->names_cell, cell = NIL_CELL;
	uint32_t want = 1, kmax = 1;
	size_t total = 0;
	uint64_t *live = NULL;
	store_oid idx;
	uint8_t *o;
	int e;

	for (size_t i = 0; i < s->nnames; i++)
		total += entry_bytes(s->names[i].len);
	while (2 * kmax <= (s->maxpay - 8) / 8)
		kmax *= 2;
	while (want < kmax && (uint64_t)want * STORE_NAMES_BUCKET < total)
		want *= 2;
	if (!s->nnames) {
		set_buckets(s, 0, NULL, NULL);
	} else {
		if (want != s->nbuckets && (e = resize(s, want)))
			return e;
		for (uint32_t b = 0; b < s->nbuckets; b++) {
			uint64_t c;

			if (!s->bucket_dirty[b])
				continue;
			if ((e = save_bucket(s, b, &c)))
				return save_failed(s, e);
			s->bucket_cell[b] = c;
			s->bucket_dirty[b] = 0;
		}
		if ((e = live_new(s, &live)) ||
		    (e = store_alloc_obj(s, T_NAMES, 0, 8 + 8 * s->nbuckets, &idx)))
			goto failed;
		s->g[idx >> 32].flags |= GI_COLLECT;	/* if this save fails, the index is garbage */
		if ((e = store_obj(s, idx, 1, &o)))
			goto failed;
		put64(o + O_HDR, s->nbuckets);
		for (uint32_t b = 0; b < s->nbuckets; b++)	/* not counted: live_bucket roots them */
			put64(o + O_HDR + 8 + 8 * b, s->bucket_cell[b]);
		cell = oid_cell(idx);
		if ((e = store_rc_add(s, cell, NONE, +1)))
			goto failed;
	}
	if ((old & 7) == C_REF && (e = store_rc_add(s, old, NONE, -1))) {
		store_free(s, live, s->nbuckets * sizeof(*live));
		return e;
	}
	s->names_cell = cell;
	s->names_dirty = 0;
	set_live(s, live);
	return STORE_OK;
failed:
	store_free(s, live, s->nbuckets * sizeof(*live));
	return save_failed(s, e);
}

/* The save dirties the old index's group last (its count), unchecked: room_to_dirty keeps a
 * free group for it (found by a random test: a commit said full after a save that had left
 * fewer free groups than the dirty ones needed, and the next load made the store unusable). */
int store_names_save(struct store *s)
{
	int e;

	s->reserve = 1;
	e = names_save(s);
	s->reserve = 0;
	return e;
}

static int add(struct store *s, const uint8_t *name, uint32_t len, uint64_t cell)
{
	struct store_name *n;

	if (s->nnames == s->capnames) {
		size_t nc = s->capnames ? 2 * s->capnames : 16;
		struct store_name *nn = store_realloc(s, s->names, s->capnames * sizeof(*nn),
						     nc * sizeof(*nn));

		if (!nn)
			return STORE_ENOMEM;
		s->names = nn;
		s->capnames = nc;
	}
	n = &s->names[s->nnames];
	if (!(n->name = store_alloc(s, len ? len : 1)))
		return STORE_ENOMEM;
	memcpy(n->name, name, len);
	n->len = len;
	n->cell = cell;
	s->nnames++;
	return STORE_OK;
}

static int load_bucket(struct store *s, uint32_t b, uint64_t c)
{
	uint8_t *buf;
	uint32_t len, at = 0;
	int e;

	if (c == NIL_CELL)
		return STORE_OK;
	if ((c & 7) != C_REF)
		return STORE_EGROUP;
	if ((e = store_get_bytes(s, cell_oid(c), T_NAMEB, &buf, &len)))
		return e;
	while (!e && at < len) {
		uint32_t n;
		uint64_t v;

		if (len - at < 16 || (n = get32(buf + at)) > STORE_NAME_MAX ||
		    entry_bytes(n) > len - at ||
		    (hash(buf + at + 16, n) & (s->nbuckets - 1)) != b) {
			e = STORE_EGROUP;
			break;
		}
		v = get64(buf + at + 8);
		if ((v & 7) > C_SPECIAL || ((v & 7) == C_REF && cell_lg(v) >= s->ngroups))
			e = STORE_EGROUP;
		else
			e = add(s, buf + at + 16, n, v);
		at += (uint32_t)entry_bytes(n);
	}
	store_free(s, buf, len);
	return e;
}

int store_names_load(struct store *s)
{
	uint64_t k, c, *live;
	uint8_t *o;
	int e;

	if (s->names_cell == NIL_CELL)
		return STORE_OK;
	if ((s->names_cell & 7) != C_REF)
		return STORE_EGROUP;
	if ((e = store_obj(s, cell_oid(s->names_cell), 0, &o)))
		return e;
	k = get64(o + O_HDR);
	if (OBJ_TYPE(get32(o)) != T_NAMES || k == 0 || (k & (k - 1)) ||
	    OBJ_SIZE(get32(o)) != 8 + 8 * k)
		return STORE_EGROUP;
	if ((e = resize(s, (uint32_t)k)))
		return e;
	for (uint32_t b = 0; b < k; b++) {
		if ((e = store_obj(s, cell_oid(s->names_cell), 0, &o)))
			return e;
		c = get64(o + O_HDR + 8 + 8 * b);
		s->bucket_cell[b] = c;
		s->bucket_dirty[b] = 0;
		if ((e = load_bucket(s, b, c)))
			return e;
	}
	if ((e = live_new(s, &live)))
		return e;
	set_live(s, live);
	return STORE_OK;
}

static struct store_name *find(struct store *s, const void *name, size_t len)
{
	for (size_t i = 0; i < s->nnames; i++)
		if (s->names[i].len == len && memcmp(s->names[i].name, name, len) == 0)
			return &s->names[i];
	return NULL;
}

static void changed(struct store *s, const void *name, size_t len)
{
	s->names_dirty = 1;
	s->pending = 1;
	if (s->nbuckets)
		s->bucket_dirty[hash(name, len) & (s->nbuckets - 1)] = 1;
}

int store_bind(struct store *s, const void *name, size_t len, uint64_t cell)
{
	struct store_name *n = find(s, name, len);
	int e;

	if ((e = store_rc_add(s, cell, NONE, +1)))
		return e;
	changed(s, name, len);
	if (!n) {
		e = add(s, name, (uint32_t)len, cell);
		if (e)
			store_rc_add(s, cell, NONE, -1);
		return e;
	}
	uint64_t old = n->cell;

	n->cell = cell;
	return store_rc_add(s, old, NONE, -1);
}

static int usable(struct store *s, const void *name, size_t len)
{
	if (!s || s->magic != STORE_MAGIC || (!name && len) || len > STORE_NAME_MAX)
		return STORE_EINVAL;
	return s->broken ? STORE_EBROKEN : STORE_OK;
}

/* A physical group only the last commit maps (a group emptied since) */
static int held_by_commit(const struct store *s)
{
	for (uint32_t p = 0; p < s->ngroups; p++)
		if (s->pstate[p] == PS_COMMITTED)
			return 1;
	return 0;
}

int store_set(struct store *s, const void *name, size_t len, struct store_val *v)
{
	uint64_t cell;
	int e;

	if ((e = usable(s, name, len)))
		return e;
	if (!v)
		return STORE_EINVAL;
	e = store_encode(s, v, &cell);
	/* Full (the failed encode freed what it made): collect each group that may hold garbage,
	 * then the whole store, trying again after each that freed something. Not when v links a
	 * bare store_v_stored oid, which only the caller knows to be good until a collection; a
	 * persistent reference (store_v_ref) is checked again, so it is STORE_ESTALE if its group
	 * lost an object. Like any collection, it may make references stale. */
	for (int round = 0; e == STORE_ENOSPC && round < 2 && !s->enc_raw; round++) {
		uint64_t freed = s->st.objects_freed;
		int ce = store_collect(s, round ? STORE_COLLECT_FULL : 0);

		s->st.auto_collections++;
		if (ce && ce != STORE_ENOSPC)
			return ce;
		if (s->st.objects_freed == freed)
			continue;
		/* the groups it emptied stay the last commit's until the next (S2): commit, if
		 * nothing the user did waits for one (as room() does), so the retry can use them */
		if (!s->names_dirty && !s->pending && held_by_commit(s)) {
			if ((ce = store_commit(s)) && ce != STORE_ENOSPC)
				return ce;
			s->st.collect_commits += !ce;
		}
		e = store_encode(s, v, &cell);
	}
	if (e)
		return e;
	return store_bind(s, name, len, cell);
}

int store_remove(struct store *s, const void *name, size_t len)
{
	struct store_name *n;
	uint64_t old;
	int e;

	if ((e = usable(s, name, len)))
		return e;
	if (!(n = find(s, name, len)))
		return STORE_ENOTFOUND;
	/* The count it drops dirties a group, and the commit writes the names table: refuse while
	 * that would leave too few free groups to commit (then commit, and remove again), rather
	 * than pile up removals no commit can take (found by review: many removals from a full
	 * store, then store_commit and store_collect both STORE_ENOSPC until a reopen lost them). */
	{
		uint32_t need = store_dirty_groups(s) + STORE_REMOVE_ROOM;

		for (uint32_t b = 0; b < s->nbuckets; b++)
			need += s->bucket_dirty[b];	/* each a new bucket object at the commit */
		if (s->pfree < need)
			return STORE_ENOSPC;
	}
	old = n->cell;
	changed(s, name, len);
	store_free(s, n->name, n->len ? n->len : 1);
	*n = s->names[--s->nnames];
	return store_rc_add(s, old, NONE, -1);
}

/* The cell bound to name. */
static int named(struct store *s, const void *name, size_t len, uint64_t *cell)
{
	struct store_name *n;
	int e;

	if ((e = usable(s, name, len)))
		return e;
	if (!(n = find(s, name, len)))
		return STORE_ENOTFOUND;
	*cell = n->cell;
	return STORE_OK;
}

int store_ref(struct store *s, const void *name, size_t len, struct store_arena *a,
	      struct store_val **out)
{
	uint64_t c;
	int e = named(s, name, len, &c);

	return e ? e : store_decode(s, c, a, out);
}

int store_root(struct store *s, const void *name, size_t len, struct store_arena *a,
	       struct store_val **val, struct store_ref *ref)
{
	uint64_t c;
	int e = named(s, name, len, &c);

	return e ? e : store_shallow(s, c, a, val, ref);
}

int store_name_at(struct store *s, size_t i, const uint8_t **name, size_t *len)
{
	if (!s || s->magic != STORE_MAGIC || i >= s->nnames)
		return STORE_EINVAL;
	*name = s->names[i].name;
	*len = s->names[i].len;
	return STORE_OK;
}
