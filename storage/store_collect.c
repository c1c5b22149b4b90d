/* store_collect.c -- the collectors. A group alone: mark from its objects with a count (S5: the
 * links from outside), trace the links inside it, free the rest, giving back the counts the
 * freed objects held on other groups; a count that falls to zero marks that group for its own
 * collection (GI_COLLECT). The whole store: mark from the names across groups, then free every
 * unmarked object; this reclaims garbage cycles that cross groups, which counts never free.
 * The whole-store mark keeps its bits in RAM, one black and one gray bit per object slot. */
#include <storage/store_int.h>

static int bit(const uint8_t *m, uint64_t i) { return m[i / 8] >> (i % 8) & 1; }
static void set(uint8_t *m, uint64_t i) { m[i / 8] |= (uint8_t)(1u << (i % 8)); }
static void clr(uint8_t *m, uint64_t i) { m[i / 8] &= (uint8_t)~(1u << (i % 8)); }

static uint32_t slot_off(const uint8_t *b, uint32_t i) { return get32(b + G_HDR + 4 * i); }

/* Room to free an object whose cells may touch n other groups: every dirty group and each of
 * those needs a free physical group at the commit (S2). Without room: commit, if nothing the
 * user did waits for a commit (a collection changes no value); else stop (STORE_ENOSPC: commit,
 * then collect again). */
static int room(struct store *s, uint32_t n)
{
	int e;

	if (s->pfree >= store_dirty_groups(s) + n + 2)
		return STORE_OK;
	if (s->names_dirty)
		return STORE_ENOSPC;
	if ((e = store_commit(s)))
		return e;
	s->st.collect_commits++;
	return s->pfree >= store_dirty_groups(s) + n + 2 ? STORE_OK : STORE_ENOSPC;
}

/* The object in slot i of group lg is garbage but names more other groups than the free groups
 * cover (a big value's chunk index, in a full store): give back its counts one named group at a
 * time, each with room for that group alone (room() commits between steps when it must), and
 * overwrite the cells given back with '(). Every commit in between finds S4 and S5 true: the
 * object names only what it still counts. */
static int unlink_by_group(struct store *s, uint32_t lg, uint32_t i,
			   int (*keep)(struct store *, uint64_t, void *), void *ctx)
{
	uint32_t first, n;
	uint8_t *b;
	int e;

	for (;;) {
		uint32_t g = lg;

		if ((e = store_load(s, lg, &b)))
			return e;
		obj_cells(b + slot_off(b, i), &first, &n);
		for (uint32_t k = 0; k < n && g == lg; k++) {
			uint64_t c = get64(b + slot_off(b, i) + first + 8 * k);

			if ((c & 7) == C_REF && cell_lg(c) != lg && (!keep || keep(s, c, ctx)))
				g = cell_lg(c);
		}
		if (g == lg)
			return STORE_OK;	/* what is left is kept (freed with it) or in lg */
		if ((e = room(s, 1)))
			return e;
		for (uint32_t k = 0; k < n; k++) {
			uint64_t c;

			if ((e = store_load(s, lg, &b)))	/* a count may have evicted it */
				return e;
			c = get64(b + slot_off(b, i) + first + 8 * k);
			if ((c & 7) != C_REF || cell_lg(c) != g || (keep && !keep(s, c, ctx)))
				continue;
			if ((e = store_rc_add(s, c, lg, -1)) || (e = store_load(s, lg, &b)))
				return e;
			put64(b + slot_off(b, i) + first + 8 * k, C_SPECIAL | (uint64_t)SP_NIL << 3);
			store_dirty(s, lg);
		}
	}
}

/* Free the object in slot i of group lg, giving back the counts it held on other groups except
 * on objects keep() says will be freed too. */
static int free_obj(struct store *s, uint32_t lg, uint32_t i,
		    int (*keep)(struct store *, uint64_t, void *), void *ctx)
{
	uint32_t first, n;
	uint8_t *b;
	int e;

	if ((e = store_load(s, lg, &b)))
		return e;
	obj_cells(b + slot_off(b, i), &first, &n);
	{	/* the other groups its cells name, each once (n is at most a few hundred) */
		const uint8_t *o = b + slot_off(b, i) + first;
		uint32_t touch = 0;

		for (uint32_t k = 0; k < n; k++) {
			uint64_t c = get64(o + 8 * k);
			uint32_t j;

			if ((c & 7) != C_REF || cell_lg(c) == lg)
				continue;
			for (j = 0; j < k; j++)
				if ((get64(o + 8 * j) & 7) == C_REF && cell_lg(get64(o + 8 * j)) == cell_lg(c))
					break;
			touch += j == k;
		}
		e = room(s, touch);
		if (e == STORE_ENOSPC && touch > 1)
			e = unlink_by_group(s, lg, i, keep, ctx);
		if (e || (e = store_load(s, lg, &b)))
			return e;
	}
	for (uint32_t k = 0; k < n; k++) {
		uint64_t c;

		if ((e = store_load(s, lg, &b)))	/* the last count may have evicted it */
			return e;
		c = get64(b + slot_off(b, i) + first + 8 * k);
		if ((c & 7) != C_REF || cell_lg(c) == lg || (keep && !keep(s, c, ctx)))
			continue;
		if ((e = store_rc_add(s, c, lg, -1)))
			return e;
	}
	if ((e = store_load(s, lg, &b)))
		return e;
	put32(b + G_HDR + 4 * i, 0);
	if (get32(b + G_FREEHINT) > i)
		put32(b + G_FREEHINT, i);
	ST(ST_FREE, (uint64_t)lg << 32 | i, 0, 0);
	store_dirty(s, lg);
	s->g[lg].epoch++;	/* references taken before may name a freed slot now (store_ref) */
	s->st.objects_freed++;
	return STORE_OK;
}

static int finish(struct store *s, uint32_t lg, int freed)
{
	uint8_t *b;
	int e;

	if (!freed)
		return STORE_OK;
	if ((e = store_load(s, lg, &b)))
		return e;
	grp_compact(s, b);
	store_note(s, lg, b);
	store_dirty(s, lg);
	if (get32(b + G_NSLOTS) == 0)
		store_unmap(s, lg);
	return STORE_OK;
}

int store_collect_group(struct store *s, uint32_t lg)
{
	uint8_t *b, *mark = s->marks;
	uint32_t *stack = (uint32_t *)s->scratch, sp = 0, n, first, nc;
	int e, freed = 0;

	if ((e = store_load(s, lg, &b)))
		return e;
	n = get32(b + G_NSLOTS);
	memset(mark, 0, s->gbytes / 64);
	for (uint32_t i = 0; i < n; i++)
		if (slot_off(b, i) && get32(b + slot_off(b, i) + 4) > 0) {
			set(mark, i);
			stack[sp++] = i;
		}
	while (sp) {	/* no load here: b stays valid */
		uint32_t i = stack[--sp];
		const uint8_t *o = b + slot_off(b, i);

		obj_cells(o, &first, &nc);
		for (uint32_t k = 0; k < nc; k++) {
			uint64_t c = get64(o + first + 8 * k);
			uint32_t t = cell_slot(c);

			if ((c & 7) == C_REF && cell_lg(c) == lg && t < n && slot_off(b, t) && !bit(mark, t)) {
				set(mark, t);
				stack[sp++] = t;
			}
		}
	}
	for (uint32_t i = 0; i < n; i++) {
		if ((e = store_load(s, lg, &b)))
			return e;
		if (!slot_off(b, i) || bit(mark, i))
			continue;
		if ((e = free_obj(s, lg, i, NULL, NULL)))
			return e;
		freed = 1;
	}
	s->st.collections++;
	/* cleared only now: a commit made part way (room) keeps the flag on the card */
	s->g[lg].flags &= (uint8_t)~GI_COLLECT;
	if ((e = store_load(s, lg, &b)))
		return e;
	if (get32(b + G_FLAGS) & GF_COLLECT)
		store_dirty(s, lg);	/* and its clearing reaches the card */
	return finish(s, lg, freed);
}

/* ---- the whole-store mark ---- */

struct full {
	uint64_t *base;		/* [ngroups] the group's first bit */
	uint8_t *black, *gray;
	uint64_t bits;
};

static void shade(struct store *s, struct full *f, uint64_t c)
{
	uint32_t lg = cell_lg(c), slot = cell_slot(c);
	uint64_t b;

	if ((c & 7) != C_REF || lg >= s->ngroups || !(s->g[lg].flags & GI_USED) ||
	    slot >= s->g[lg].nslots)
		return;	/* not an object: store_check reports it */
	b = f->base[lg] + slot;
	if (!bit(f->black, b)) {
		set(f->black, b);
		set(f->gray, b);
		s->g[lg].flags |= GI_GRAY;
	}
}

static int live(struct store *s, uint64_t c, void *ctx)
{
	struct full *f = ctx;
	uint32_t lg = cell_lg(c), slot = cell_slot(c);

	return lg < s->ngroups && (s->g[lg].flags & GI_USED) && slot < s->g[lg].nslots &&
	       bit(f->black, f->base[lg] + slot);
}

static int full_mark(struct store *s, struct full *f)
{
	uint8_t *b;
	int e, again = 1;

	for (size_t i = 0; i < s->nnames; i++)
		shade(s, f, s->names[i].cell);
	shade(s, f, s->names_cell);
	while (again) {
		again = 0;
		for (uint32_t lg = 0; lg < s->ngroups; lg++) {
			if (!(s->g[lg].flags & GI_GRAY))
				continue;
			s->g[lg].flags &= (uint8_t)~GI_GRAY;
			again = 1;
			if ((e = store_load(s, lg, &b)))
				return e;
			for (uint32_t i = 0; i < s->g[lg].nslots; i++) {	/* shade never loads */
				uint32_t first, nc;
				const uint8_t *o;

				if (!bit(f->gray, f->base[lg] + i) || !slot_off(b, i))
					continue;
				clr(f->gray, f->base[lg] + i);
				o = b + slot_off(b, i);
				obj_cells(o, &first, &nc);
				for (uint32_t k = 0; k < nc; k++)
					shade(s, f, get64(o + first + 8 * k));
			}
		}
	}
	return STORE_OK;
}

static int full_sweep(struct store *s, struct full *f)
{
	uint8_t *b;
	int e;

	for (uint32_t lg = 0; lg < s->ngroups; lg++) {
		int freed = 0;

		if (!(s->g[lg].flags & GI_USED))
			continue;
		for (uint32_t i = 0; i < s->g[lg].nslots; i++) {
			if ((e = store_load(s, lg, &b)))
				return e;
			if (!slot_off(b, i) || bit(f->black, f->base[lg] + i))
				continue;
			if ((e = free_obj(s, lg, i, live, f)))
				return e;
			freed = 1;
		}
		if ((e = finish(s, lg, freed)))
			return e;
	}
	return STORE_OK;
}

static int collect_full(struct store *s)
{
	struct full f = { 0 };
	uint8_t *b;
	int e;

	for (uint32_t lg = 0; lg < s->ngroups; lg++)
		if ((s->g[lg].flags & (GI_USED | GI_KNOWN)) == GI_USED && (e = store_load(s, lg, &b)))
			return e;
	if (!(f.base = store_alloc(s, s->ngroups * sizeof(*f.base))))
		return STORE_ENOMEM;
	for (uint32_t lg = 0; lg < s->ngroups; lg++) {
		f.base[lg] = f.bits;
		f.bits += s->g[lg].flags & GI_USED ? s->g[lg].nslots : 0;
	}
	f.black = store_alloc(s, (size_t)(f.bits / 8 + 1));
	f.gray = store_alloc(s, (size_t)(f.bits / 8 + 1));
	e = STORE_ENOMEM;
	if (f.black && f.gray) {
		memset(f.black, 0, (size_t)(f.bits / 8 + 1));
		memset(f.gray, 0, (size_t)(f.bits / 8 + 1));
		e = full_mark(s, &f);
		if (!e)
			e = full_sweep(s, &f);
	}
	for (uint32_t lg = 0; lg < s->ngroups; lg++)
		s->g[lg].flags &= (uint8_t)~GI_GRAY;
	store_free(s, f.black, (size_t)(f.bits / 8 + 1));
	store_free(s, f.gray, (size_t)(f.bits / 8 + 1));
	store_free(s, f.base, s->ngroups * sizeof(*f.base));
	s->st.full_collections++;
	return e;
}

int store_collect(struct store *s, unsigned flags)
{
	int e, any = 1;

	if (!s || s->magic != STORE_MAGIC)
		return STORE_EINVAL;
	if (s->broken)
		return STORE_EBROKEN;
	if ((flags & STORE_COLLECT_FULL) && (e = collect_full(s)))
		return e;
	while (any) {
		any = 0;
		for (uint32_t lg = 0; lg < s->ngroups; lg++) {
			if ((s->g[lg].flags & (GI_USED | GI_COLLECT)) != (GI_USED | GI_COLLECT))
				continue;
			if ((e = store_collect_group(s, lg)))
				return e;
			any = 1;
		}
	}
	return STORE_OK;
}
