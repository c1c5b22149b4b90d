/* store_check.c -- the store's checker: every invariant of storage/store.h (S1-S6) over the whole
 * store, every link recounted and compared with every count, the committed state re-read from
 * the card. Loads every group; RAM: 4 bytes and a bit per object slot. For tests and repair. */
#include <storage/store_int.h>

struct chk {
	char *msg;
	size_t len;
	uint64_t *base;		/* [ngroups] */
	uint32_t *count;	/* [bits] recounted links */
	uint8_t *used;		/* [bits] the slot holds an object */
	uint64_t bits;
};

static int fail(struct chk *c, int err, const char *what, uint64_t a, uint64_t b)
{
	if (c->msg && c->len) {
		size_t n = 0;

		while (*what && n + 1 < c->len)
			c->msg[n++] = *what++;
		for (int k = 0; k < 2; k++) {
			uint64_t v = k ? b : a;
			char num[24];
			int d = 0;

			if (v == UINT64_MAX)
				continue;
			do
				num[d++] = (char)('0' + v % 10);
			while ((v /= 10) && d < 23);
			if (n + 1 < c->len)
				c->msg[n++] = ' ';
			while (d && n + 1 < c->len)
				c->msg[n++] = num[--d];
		}
		c->msg[n] = 0;
	}
	return err;
}
#define NA UINT64_MAX

static int check_map_with(struct store *s, struct chk *c, uint8_t *seen);

static int check_map(struct store *s, struct chk *c)
{
	uint8_t *seen = store_alloc(s, s->ngroups);	/* 1: pending, 2: committed */
	int e;

	if (!seen)
		return STORE_ENOMEM;
	memset(seen, 0, s->ngroups);
	e = check_map_with(s, c, seen);
	store_free(s, seen, s->ngroups);
	return e;
}

static int check_map_with(struct store *s, struct chk *c, uint8_t *seen)
{
	uint32_t pfree = 0;

	for (uint32_t lg = 0; lg < s->ngroups; lg++) {
		uint32_t p = s->g[lg].phys, cp = s->g[lg].cphys;

		if (!(s->g[lg].flags & GI_USED) && p != NONE)
			return fail(c, STORE_EMAP, "S1: unused logical group mapped:", lg, p);
		if (p != NONE) {
			if (p >= s->ngroups || (seen[p] & 1) || !(s->pstate[p] & PS_PENDING))
				return fail(c, STORE_EMAP, "S1: bad pending mapping: logical, physical", lg, p);
			seen[p] |= 1;
		}
		if (cp != NONE) {
			if (cp >= s->ngroups || (seen[cp] & 2) || !(s->pstate[cp] & PS_COMMITTED))
				return fail(c, STORE_EMAP, "S1: bad committed mapping: logical, physical", lg, cp);
			seen[cp] |= 2;
		}
	}
	for (uint32_t p = 0; p < s->ngroups; p++) {
		if (((s->pstate[p] & PS_PENDING) != 0) != ((seen[p] & 1) != 0) ||
		    ((s->pstate[p] & PS_COMMITTED) != 0) != ((seen[p] & 2) != 0))
			return fail(c, STORE_EMAP, "S1: physical group state disagrees with the map:", p, NA);
		pfree += !s->pstate[p];
	}
	if (pfree != s->pfree)
		return fail(c, STORE_EMAP, "S1: free physical groups miscounted:", s->pfree, pfree);
	return STORE_OK;
}

/* S3: the committed state as the card holds it. */
static int check_card(struct store *s, struct chk *c)
{
	uint8_t *b = s->scratch, *r = s->sector;
	int e;

	if ((e = blk_read(s->d, (uint32_t)(s->seq & 1), 1, r)))
		return fail(c, STORE_EIO, "cannot read the root", NA, NA);
	if (get32(r + R_MAGIC) != ROOT_MAGIC || store_crc32c(0, r, R_CRC) != get32(r + R_CRC) ||
	    get64(r + R_SEQ) != s->seq)
		return fail(c, STORE_EROOT, "S3: the root of the last commit is not on the card:", s->seq, NA);
	for (uint32_t k = 0; k < s->mapsec; k++) {
		uint32_t crc;

		if ((e = blk_read(s->d, 2 + (uint32_t)(s->seq & 1) * s->mapsec + k, 1, r)))
			return fail(c, STORE_EIO, "cannot read the map", NA, NA);
		crc = get32(r + M_CRC);
		put32(r + M_CRC, 0);
		if (store_crc32c(0, r, BLK_SECTOR) != crc || (get32(r + M_SEQ) & 1) != (s->seq & 1) ||
		    (uint32_t)s->seq - get32(r + M_SEQ) >= 0x80000000u ||
		    store_crc32c(0, r + M_HDR, BLK_SECTOR - M_HDR) != s->msec_crc[k])
			return fail(c, STORE_EMAP, "S3: mapping sector damaged:", k, NA);
		for (uint32_t j = 0; j < MAP_PER_SECTOR && k * MAP_PER_SECTOR + j < s->ngroups; j++)
			if (get32(r + M_HDR + 8 * j) != s->g[k * MAP_PER_SECTOR + j].cphys)
				return fail(c, STORE_EMAP, "S3: the card's map differs: logical",
					    k * MAP_PER_SECTOR + j, NA);
	}
	for (uint32_t lg = 0; lg < s->ngroups; lg++) {
		uint32_t cp = s->g[lg].cphys, crc;

		if (cp == NONE)
			continue;
		if ((e = blk_read(s->d, (s->meta + cp) * s->gsec, s->gsec, b)))
			return fail(c, STORE_EIO, "cannot read a group", NA, NA);
		crc = get32(b + G_CRC);
		put32(b + G_CRC, 0);
		if (store_crc32c(0, b, s->gbytes) != crc || get32(b + G_LOGICAL) != lg)
			return fail(c, STORE_EGROUP, "S2/S3: committed group damaged: logical, physical", lg, cp);
	}
	/* a clean cached group is what the card holds where the map says */
	for (uint32_t i = 0; i < s->ncache; i++) {
		struct store_cslot *cs = &s->cache[i];

		if (cs->lg == NONE || cs->dirty)
			continue;
		if (s->g[cs->lg].phys == NONE)
			return fail(c, STORE_EGROUP, "a clean cached group was never written: logical", cs->lg, NA);
		if ((e = blk_read(s->d, (s->meta + s->g[cs->lg].phys) * s->gsec, s->gsec, b)))
			return fail(c, STORE_EIO, "cannot read a group", NA, NA);
		if (memcmp(b, cs->buf, s->gbytes))
			return fail(c, STORE_EGROUP, "a clean cached group differs from the card: logical",
				    cs->lg, NA);
	}
	return STORE_OK;
}

static bool used(const struct store *s, const struct chk *c, uint32_t tl, uint32_t ts)
{
	uint64_t t;

	if (tl >= s->ngroups || !(s->g[tl].flags & GI_USED) || ts >= s->g[tl].nslots)
		return false;
	t = c->base[tl] + ts;
	return c->used[t / 8] >> (t % 8) & 1;
}

static int load(struct store *s, struct chk *c, uint32_t lg, uint8_t **b)
{
	int e = store_load(s, lg, b);

	return e ? fail(c, e, "cannot load group", lg, NA) : STORE_OK;
}

static int walk(struct store *s, struct chk *c, int pass)
{
	uint8_t *b;
	int e;

	for (uint32_t lg = 0; lg < s->ngroups; lg++) {
		if (!(s->g[lg].flags & GI_USED))
			continue;
		if ((e = load(s, c, lg, &b)))
			return e;
		if (pass == 0) {
			if (grp_verify(s, b, lg, c->msg, c->len))
				return STORE_EGROUP;
			if (s->g[lg].nslots != get32(b + G_NSLOTS) || s->g[lg].free != grp_free(s, b))
				return fail(c, STORE_EGROUP, "RAM state of group disagrees:", lg, NA);
		}
		for (uint32_t i = 0; i < get32(b + G_NSLOTS); i++) {
			uint32_t off = get32(b + G_HDR + 4 * i), first, n;
			uint64_t me = c->base[lg] + i;
			bool index;

			if (!off)
				continue;
			if (pass == 0) {
				c->used[me / 8] |= (uint8_t)(1u << (me % 8));
				continue;
			}
			if (pass == 2) {
				if (get32(b + off + 4) != c->count[me])
					return fail(c, STORE_EGROUP, "S5: count differs: group, slot", lg, i);
				continue;
			}
			obj_cells(b + off, &first, &n);
			/* an index's links to its buckets are not counted, and an old index (garbage
			 * until collected) may name buckets already freed */
			index = OBJ_TYPE(get32(b + off)) == T_NAMES;
			if (index && cell_ref(lg, i) != s->names_cell)
				continue;
			for (uint32_t k = 0; k < n; k++) {
				uint64_t cell = get64(b + off + first + 8 * k);
				uint32_t tl = cell_lg(cell), ts = cell_slot(cell);

				if ((cell & 7) != C_REF)
					continue;
				if (!used(s, c, tl, ts))
					return fail(c, STORE_EGROUP, "S4: dangling reference from group, slot", lg, i);
				if (tl != lg && !index)
					c->count[c->base[tl] + ts]++;
			}
		}
	}
	return STORE_OK;
}

static int count_root(struct store *s, struct chk *c, uint64_t cell)
{
	uint32_t tl = cell_lg(cell), ts = cell_slot(cell);

	if ((cell & 7) != C_REF)
		return STORE_OK;
	if (!used(s, c, tl, ts))
		return fail(c, STORE_EGROUP, "S4: a name or the root names no object: group, slot", tl, ts);
	c->count[c->base[tl] + ts]++;
	return STORE_OK;
}

/* The buckets the group collections take as roots are the ones the root's index names. */
static int check_live(struct store *s, struct chk *c)
{
	uint8_t *o;
	uint32_t k = 0;
	int e;

	if ((s->names_cell & 7) == C_REF) {
		if ((e = store_obj(s, cell_oid(s->names_cell), 0, &o)))
			return fail(c, e, "cannot read the names index", NA, NA);
		k = (uint32_t)get64(o + O_HDR);
		for (uint32_t b = 0; b < k && b < s->nlive; b++)
			if (get64(o + O_HDR + 8 + 8 * b) != s->live_bucket[b])
				return fail(c, STORE_EGROUP, "live buckets in RAM differ from the index's: bucket",
					    b, NA);
	}
	if (k != s->nlive)
		return fail(c, STORE_EGROUP, "live buckets in RAM differ from the index's: count",
			    s->nlive, k);
	return STORE_OK;
}

int store_check(struct store *s, char *msg, size_t msglen)
{
	struct chk c = { .msg = msg, .len = msglen };
	uint8_t *b;
	int e;

	if (!s || s->magic != STORE_MAGIC)
		return STORE_EINVAL;
	if (s->broken)
		return STORE_EBROKEN;
	if (msg && msglen)
		msg[0] = 0;
	if ((e = check_map(s, &c)) || (e = check_card(s, &c)))
		return e;
	for (uint32_t lg = 0; lg < s->ngroups; lg++)
		if ((s->g[lg].flags & GI_USED) && (e = load(s, &c, lg, &b)))
			return e;
	if (!(c.base = store_alloc(s, s->ngroups * sizeof(*c.base))))
		return STORE_ENOMEM;
	for (uint32_t lg = 0; lg < s->ngroups; lg++) {
		c.base[lg] = c.bits;
		c.bits += s->g[lg].flags & GI_USED ? s->g[lg].nslots : 0;
	}
	c.count = store_alloc(s, (size_t)(c.bits + 1) * 4);
	c.used = store_alloc(s, (size_t)(c.bits / 8 + 1));
	e = STORE_ENOMEM;
	if (c.count && c.used) {
		memset(c.count, 0, (size_t)(c.bits + 1) * 4);
		memset(c.used, 0, (size_t)(c.bits / 8 + 1));
		e = walk(s, &c, 0);
		if (!e)
			e = walk(s, &c, 1);
		for (size_t i = 0; !e && i < s->nnames; i++)
			e = count_root(s, &c, s->names[i].cell);
		if (!e)
			e = count_root(s, &c, s->names_cell);
		if (!e)
			e = check_live(s, &c);
		if (!e)
			e = walk(s, &c, 2);
	}
	store_free(s, c.count, (size_t)(c.bits + 1) * 4);
	store_free(s, c.used, (size_t)(c.bits / 8 + 1));
	store_free(s, c.base, s->ngroups * sizeof(*c.base));
	return e;
}
