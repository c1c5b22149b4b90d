/* store_collect.c -- the collectors. A group alone: mark from its objects with a count (S5: the
 * links from outside), trace the links inside it, free the rest, giving back the counts the
 * freed objects held on other groups; a count that falls to zero marks that group for its own
 * collection (GI_COLLECT). The whole store: mark from the names across groups, then free every
 * unmarked object; this reclaims garbage cycles that cross groups, which counts never free.
 * The whole-store mark keeps its bits in an area of the card, seen through a bounded RAM. */
#include <storage/store_int.h>

static int bit(const uint8_t *m, uint64_t i) { return m[i / 8] >> (i % 8) & 1; }
static void set(uint8_t *m, uint64_t i) { m[i / 8] |= (uint8_t)(1u << (i % 8)); }

static uint32_t slot_off(const uint8_t *b, uint32_t i) { return get32(b + G_HDR + 4 * i); }

/* Room to free an object whose cells may touch n other groups: every dirty group and each of
 * those needs a free physical group at the commit (S2). Without room: commit, if nothing the
 * user did waits for a commit (a collection changes no value; a set, a remove or a field
 * changed in place would be made durable behind the user's back); else stop (STORE_ENOSPC:
 * commit, then collect again). */
static int room(struct store *s, uint32_t n)
{
	int e;

	if (s->pfree >= store_dirty_groups(s) + n + 2)
		return STORE_OK;
	if (s->names_dirty || s->pending)
		return STORE_ENOSPC;
	if ((e = store_commit(s)))
		return e;
	s->st.collect_commits++;
	return s->pfree >= store_dirty_groups(s) + n + 2 ? STORE_OK : STORE_ENOSPC;
}

/* Pass 1 of a sweep: the dead object in slot i of group lg gives back every count it holds on
 * other groups, one named group at a time, each with room for that group alone (room() commits
 * between steps when it must, which a big value's chunk index in a full store needs), and the
 * cells given back become '(). Every commit in between finds S4 and S5 true: the object names
 * only what it still counts. */
static int unlink_by_group(struct store *s, uint32_t lg, uint32_t i, int check_room)
{
	uint32_t first, n;
	uint8_t *b;
	int e;

	for (;;) {
		uint32_t g = lg;

		if ((e = store_load(s, lg, &b)))
			return e;
		if (OBJ_TYPE(get32(b + slot_off(b, i))) == T_NAMES)
			return STORE_OK;	/* an index's links to its buckets are not counted */
		obj_cells(b + slot_off(b, i), &first, &n);
		for (uint32_t k = 0; k < n && g == lg; k++) {
			uint64_t c = get64(b + slot_off(b, i) + first + 8 * k);

			if ((c & 7) == C_REF && cell_lg(c) != lg)
				g = cell_lg(c);
		}
		if (g == lg)
			return STORE_OK;	/* it names nothing outside lg */
		if (check_room && (e = room(s, 1)))
			return e;
		for (uint32_t k = 0; k < n; k++) {
			uint64_t c;

			if ((e = store_load(s, lg, &b)))	/* a count may have evicted it */
				return e;
			c = get64(b + slot_off(b, i) + first + 8 * k);
			if ((c & 7) != C_REF || cell_lg(c) != g)
				continue;
			if ((e = store_rc_add(s, c, lg, -1)) || (e = store_load(s, lg, &b)))
				return e;
			put64(b + slot_off(b, i) + first + 8 * k, C_SPECIAL | (uint64_t)SP_NIL << 3);
			store_dirty(s, lg);
		}
	}
}

/* Slot i of the loaded group lg (b) becomes free; its epoch moves on if bump. */
static void clear_slot(struct store *s, uint32_t lg, uint8_t *b, uint32_t i, int bump)
{
	put32(b + G_HDR + 4 * i, 0);
	if (get32(b + G_FREEHINT) > i)
		put32(b + G_FREEHINT, i);
	ST(ST_FREE, (uint64_t)lg << 32 | i, 0, 0);
	store_dirty(s, lg);
	if (bump)
		s->g[lg].epoch++;	/* references taken before may name a freed slot now (store_ref) */
	s->st.objects_freed++;
}

static int unlink_dead(struct store *s, uint32_t lg, uint32_t i)
{
	s->g[lg].epoch++;	/* its cells change: no reference taken before may read them */
	return unlink_by_group(s, lg, i, 1);
}

/* Pass 2: free the objects of group lg that dead() says (1; below 0: an error), which name
 * nothing outside lg any more, all after one room(): no commit falls between two of them, so no
 * commit finds one naming a freed slot of its group (links inside a group are not counted). */
static int free_dead(struct store *s, uint32_t lg, int (*dead)(struct store *, uint32_t, uint32_t, void *),
		     void *ctx, int *freed)
{
	uint8_t *b;
	int e, d;

	if ((e = room(s, 1)) || (e = store_load(s, lg, &b)))
		return e;
	for (uint32_t i = 0; i < get32(b + G_NSLOTS); i++) {	/* dead() never loads a group */
		if (!slot_off(b, i))
			continue;
		if ((d = dead(s, lg, i, ctx)) < 0)
			return d;
		if (d) {
			clear_slot(s, lg, b, i, 1);
			*freed = 1;
		}
	}
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

/* Free the objects a failed encode made (oids[n], in the order it made them): nothing outside
 * them names them, so the two passes of a sweep apply, without room() and without moving any
 * epoch. No reference was ever taken to them, and one taken before names whatever held the slot
 * earlier, whose freeing moved the epoch already. No room() is needed: they undo what the encode
 * dirtied (its new groups are unmapped when they empty), and no commit falls in between; a
 * group written back meanwhile is dirtied again, and the free physical group its writeback may
 * need the encode kept (room_to_dirty, store_enc.c). */
int store_free_new(struct store *s, const store_oid *oids, size_t n)
{
	uint32_t last = NONE;
	uint8_t *b;
	int e;

	for (size_t k = 0; k < n; k++)
		if ((e = unlink_by_group(s, (uint32_t)(oids[k] >> 32), (uint32_t)oids[k], 0)))
			return e;
	for (size_t k = 0; k < n; k++) {
		uint32_t lg = (uint32_t)(oids[k] >> 32), i = (uint32_t)oids[k];

		if ((e = store_load(s, lg, &b)))
			return e;
		if (i < get32(b + G_NSLOTS) && slot_off(b, i))
			clear_slot(s, lg, b, i, 0);
	}
	for (size_t k = 0; k < n; k++) {	/* compact each group once it has lost them all */
		uint32_t lg = (uint32_t)(oids[k] >> 32);

		if (lg != last && (s->g[lg].flags & GI_USED) && (e = finish(s, lg, 1)))
			return e;
		last = lg;
	}
	return STORE_OK;
}

static int group_dead(struct store *s, uint32_t lg, uint32_t i, void *mark)
{
	(void)s;
	(void)lg;
	return !bit(mark, i);
}

/* A group alone: mark from its objects with a count, trace inside it, then sweep it (pass 1, then
 * pass 2 above). */
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
	for (uint32_t k = 0; k < s->nlive; k++) {	/* the names index's buckets: uncounted */
		uint64_t c = s->live_bucket[k];
		uint32_t i = cell_slot(c);

		if ((c & 7) == C_REF && cell_lg(c) == lg && i < n && slot_off(b, i) && !bit(mark, i)) {
			set(mark, i);
			stack[sp++] = i;
		}
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
		if (slot_off(b, i) && !bit(mark, i) && (e = unlink_dead(s, lg, i)))
			return e;
	}
	if ((e = free_dead(s, lg, group_dead, mark, &freed)))
		return e;
	s->st.collections++;
	/* cleared only now: a commit made part way (room) keeps the flag on the card */
	s->g[lg].flags &= (uint8_t)~GI_COLLECT;
	if ((e = store_load(s, lg, &b)))
		return e;
	if (get32(b + G_FLAGS) & GF_COLLECT)
		store_dirty(s, lg);	/* and its clearing reaches the card */
	return finish(s, lg, freed);
}

/* ---- the whole-store mark ----
 *
 * One black bit per possible slot of every group (group lg's slot i is bit lg * maxslots + i) in
 * the card's mark area (docs/store.md), seen through a few sectors of RAM: the least recently
 * used leaves, programmed back if dirty; a sector this mark has not written reads as zeros
 * without I/O (`written`, a bit per sector of the area). The gray objects wait on a bounded
 * stack; when it is full, the object's group is flagged GI_GRAY instead and later rescanned whole
 * (every black object's cells shaded again). So the mark's RAM is store_params.mark_ram_bytes
 * plus a bit per 4096 bits of the area, whatever the card or the store holds. The area is outside
 * every group and no commit names it: what it holds means nothing after the mark, and a power cut
 * during the mark loses nothing (S2 is untouched). */

struct mpage {
	uint8_t *buf;		/* one sector of bits */
	uint32_t sec;		/* its sector in the area; NONE: empty */
	uint8_t dirty;
	uint64_t used;		/* LRU stamp */
};

struct full {
	struct mpage *pg;
	uint32_t npg;
	uint8_t *written;	/* [marksec / 8 + 1] the area's sectors this mark programmed */
	uint64_t *stack;	/* gray objects' cells */
	uint32_t sp, cap;
	uint32_t cursor;	/* where the search for a GI_GRAY group goes on */
	uint64_t tick;
};

#define MBITS	(8u * BLK_SECTOR)	/* bits per sector of the area */

/* Bit slot of group lg: its old value (0 or 1), set if set_it; or a store error. */
static int mbit(struct store *s, struct full *f, uint32_t lg, uint32_t slot, int set_it)
{
	uint64_t n = (uint64_t)lg * s->maxslots + slot;
	uint32_t sec = (uint32_t)(n / MBITS), off = (uint32_t)(n % MBITS), v = 0;
	struct mpage *p = NULL;
	int e, old;

	for (uint32_t i = 0; i < f->npg; i++) {
		if (f->pg[i].sec == sec) {
			p = &f->pg[i];
			break;
		}
		if (f->pg[i].sec == NONE || f->pg[i].used < f->pg[v].used)
			v = i;
	}
	if (!p) {
		p = &f->pg[v];
		if (p->sec != NONE && p->dirty) {
			if ((e = blk_program(s->d, s->markfirst + p->sec, 1, p->buf)))
				return store_fail_io(s, e);
			set(f->written, p->sec);
			s->st.mark_sectors_written++;
		}
		p->sec = NONE;
		if (bit(f->written, sec)) {
			if ((e = blk_read(s->d, s->markfirst + sec, 1, p->buf)))
				return store_fail_io(s, e);
			s->st.mark_sectors_read++;
		} else {
			memset(p->buf, 0, BLK_SECTOR);
		}
		p->sec = sec;
		p->dirty = 0;
	}
	p->used = ++f->tick;
	old = bit(p->buf, off);
	if (set_it && !old) {
		set(p->buf, off);
		p->dirty = 1;
	}
	return old;
}

static int shade(struct store *s, struct full *f, uint64_t c)
{
	uint32_t lg = cell_lg(c), slot = cell_slot(c);
	int was;

	if ((c & 7) != C_REF || lg >= s->ngroups || !(s->g[lg].flags & GI_USED) ||
	    slot >= s->maxslots)
		return STORE_OK;	/* not an object: store_check reports it */
	if ((was = mbit(s, f, lg, slot, 1)))
		return was < 0 ? was : STORE_OK;
	if (f->sp < f->cap)
		f->stack[f->sp++] = c;
	else
		s->g[lg].flags |= GI_GRAY;	/* rescanned whole later */
	return STORE_OK;
}

/* Shade the cells of slot i of the loaded group b (shade never loads a group: b stays valid). */
static int scan_obj(struct store *s, struct full *f, const uint8_t *b, uint32_t i)
{
	uint32_t first, nc;
	const uint8_t *o;
	int e;

	if (i >= get32(b + G_NSLOTS) || !slot_off(b, i))
		return STORE_OK;
	o = b + slot_off(b, i);
	obj_cells(o, &first, &nc);
	for (uint32_t k = 0; k < nc; k++)
		if ((e = shade(s, f, get64(o + first + 8 * k))))
			return e;
	return STORE_OK;
}

static int full_dead(struct store *s, uint32_t lg, uint32_t i, void *f)
{
	int v = mbit(s, f, lg, i, 0);

	return v < 0 ? v : !v;
}

static int full_mark(struct store *s, struct full *f)
{
	uint8_t *b;
	int e;

	for (size_t i = 0; i < s->nnames; i++)
		if ((e = shade(s, f, s->names[i].cell)))
			return e;
	if ((e = shade(s, f, s->names_cell)))
		return e;
	for (;;) {
		uint32_t lg = NONE, n;

		while (f->sp) {
			uint64_t c = f->stack[--f->sp];

			if ((e = store_load(s, cell_lg(c), &b)) || (e = scan_obj(s, f, b, cell_slot(c))))
				return e;
		}
		for (uint32_t k = 0; k < s->ngroups && lg == NONE; k++)
			if (s->g[(f->cursor + k) % s->ngroups].flags & GI_GRAY)
				lg = (f->cursor + k) % s->ngroups;
		if (lg == NONE)
			return STORE_OK;
		f->cursor = lg;
		s->g[lg].flags &= (uint8_t)~GI_GRAY;
		s->st.mark_rescans++;
		if ((e = store_load(s, lg, &b)))
			return e;
		n = get32(b + G_NSLOTS);
		for (uint32_t i = 0; i < n; i++) {
			if (!slot_off(b, i))
				continue;
			if ((e = mbit(s, f, lg, i, 0)) < 0)
				return e;
			if (e && (e = scan_obj(s, f, b, i)))
				return e;
		}
	}
}

/* Pass 1 over every group before pass 2 frees anything: a dead object may name a dead one in
 * another group, and a commit made in between (room()) must not find it naming a freed slot. */
static int full_sweep(struct store *s, struct full *f)
{
	uint8_t *b;
	int e, d;

	uint32_t lg;

	for (lg = 0; lg < s->ngroups; lg++) {
		if (!(s->g[lg].flags & GI_USED))
			continue;
		if ((e = store_load(s, lg, &b)))	/* nslots is known from here */
			goto stop;
		for (uint32_t i = 0; i < s->g[lg].nslots; i++) {
			if ((e = store_load(s, lg, &b)))	/* a count given back may evict it */
				goto stop;
			if (!slot_off(b, i))
				continue;
			if ((d = full_dead(s, lg, i, f)) < 0) {
				e = d;
				goto stop;
			}
			if (d && (e = unlink_dead(s, lg, i)))
				goto stop;
		}
	}
	for (lg = 0; lg < s->ngroups; lg++) {
		int freed = 0;

		if (!(s->g[lg].flags & GI_USED))
			continue;
		if ((e = free_dead(s, lg, full_dead, f, &freed)) || (e = finish(s, lg, freed)))
			return e;
	}
	return STORE_OK;
stop:
	/* Pass 1 stopped (STORE_ENOSPC from room(), or an error): a dead object in a group it did
	 * not reach may name one it changed, and a reference into that group would still be good
	 * and lead there (found by review). Every such reference goes stale. */
	for (; lg < s->ngroups; lg++)
		s->g[lg].epoch++;
	return e;
}

static int collect_full(struct store *s)
{
	struct full f = { 0 };
	size_t wbytes = s->marksec / 8 + 1;
	int e = STORE_ENOMEM;
	uint32_t i = 0;

	f.npg = (uint32_t)(s->mark_ram / 2 / BLK_SECTOR);
	f.npg = f.npg < 1 ? 1 : f.npg;
	f.cap = (uint32_t)(s->mark_ram / 2 / sizeof(*f.stack));
	f.cap = f.cap < 16 ? 16 : f.cap;
	f.pg = store_alloc(s, f.npg * sizeof(*f.pg));
	f.stack = store_alloc(s, f.cap * sizeof(*f.stack));
	f.written = store_alloc(s, wbytes);
	if (f.pg)
		for (i = 0; i < f.npg; i++) {
			f.pg[i].sec = NONE;
			f.pg[i].used = 0;
			f.pg[i].dirty = 0;
			if (!(f.pg[i].buf = store_alloc(s, BLK_SECTOR)))
				break;
		}
	if (f.pg && i == f.npg && f.stack && f.written) {
		memset(f.written, 0, wbytes);
		s->st.mark_ram_bytes = f.npg * (sizeof(*f.pg) + BLK_SECTOR) +
				       f.cap * sizeof(*f.stack) + wbytes;
		e = full_mark(s, &f);
		if (!e)
			e = full_sweep(s, &f);
	}
	for (uint32_t lg = 0; lg < s->ngroups; lg++)
		s->g[lg].flags &= (uint8_t)~GI_GRAY;
	if (f.pg)
		for (uint32_t k = 0; k < i; k++)
			store_free(s, f.pg[k].buf, BLK_SECTOR);
	store_free(s, f.pg, f.npg * sizeof(*f.pg));
	store_free(s, f.stack, f.cap * sizeof(*f.stack));
	store_free(s, f.written, wbytes);
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
