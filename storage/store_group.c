/* store_group.c -- a group's image (header, slot table growing up, objects growing down; S6) and
 * the RAM cache of groups: loaded on use, written back when dirty to a free physical group (never
 * over the committed one: S2), dropped when clean. Single-threaded, like the whole store. */
#include <storage/store_int.h>

static inline uint32_t hdr(const uint8_t *b, unsigned f) { return get32(b + f); }

void grp_init(struct store *s, uint8_t *b, uint32_t lg)
{
	memset(b, 0, G_HDR);
	put32(b + G_MAGIC, GRP_MAGIC);
	put32(b + G_LOGICAL, lg);
	put32(b + G_DATALO, s->gbytes);
}

uint32_t grp_free(const struct store *s, const uint8_t *b)
{
	(void)s;
	return hdr(b, G_DATALO) - (G_HDR + 4 * hdr(b, G_NSLOTS));
}

/* Returns the slot, or -1 if the group has no room. */
int grp_alloc(struct store *s, uint8_t *b, uint32_t type, uint32_t flags, uint32_t payload)
{
	uint32_t n = hdr(b, G_NSLOTS), lo = hdr(b, G_DATALO), t = obj_total(payload), i;

	for (i = hdr(b, G_FREEHINT) < n ? hdr(b, G_FREEHINT) : n; i < n; i++)
		if (get32(b + G_HDR + 4 * i) == 0)
			break;
	if (grp_free(s, b) < t + (i == n ? 4 : 0))
		return -1;
	if (i == n)
		put32(b + G_NSLOTS, n + 1);
	put32(b + G_FREEHINT, i + 1);
	lo -= t;
	put32(b + G_DATALO, lo);
	put32(b + G_HDR + 4 * i, lo);
	memset(b + lo, 0, t);
	put32(b + lo, type | flags | payload << 8);
	{	/* cells start as '(): an object left half-filled by a failure names nothing */
		uint32_t first, nc;

		obj_cells(b + lo, &first, &nc);
		for (uint32_t k = 0; k < nc; k++)
			put64(b + lo + first + 8 * k, C_SPECIAL | (uint64_t)SP_NIL << 3);
	}
	return (int)i;
}

/* Slide every object to the group's end (slots keep their numbers) and drop trailing free slots. */
void grp_compact(struct store *s, uint8_t *b)
{
	uint8_t *t = s->scratch;
	uint32_t n = hdr(b, G_NSLOTS), lo = s->gbytes;

	while (n > 0 && get32(b + G_HDR + 4 * (n - 1)) == 0)
		n--;
	for (uint32_t i = 0; i < n; i++) {
		uint32_t off = get32(b + G_HDR + 4 * i), sz;

		if (!off)
			continue;
		sz = obj_total(OBJ_SIZE(get32(b + off)));
		lo -= sz;
		memcpy(t + lo, b + off, sz);
		put32(b + G_HDR + 4 * i, lo);
	}
	memcpy(b + lo, t + lo, s->gbytes - lo);
	put32(b + G_NSLOTS, n);
	put32(b + G_DATALO, lo);
	if (hdr(b, G_FREEHINT) > n)
		put32(b + G_FREEHINT, n);
	memset(b + G_HDR + 4 * n, 0, lo - (G_HDR + 4 * n));
}

void grp_seal(struct store *s, uint8_t *b, uint32_t lg)
{
	put32(b + G_SEQ, (uint32_t)(s->seq + 1));
	put32(b + G_FLAGS, s->g[lg].flags & GI_COLLECT ? GF_COLLECT : 0);
	put32(b + G_CRC, 0);
	put32(b + G_CRC, store_crc32c(0, b, s->gbytes));
}

static int why(char *w, size_t n, const char *msg)
{
	if (w && n) {
		size_t k = strlen(msg) < n - 1 ? strlen(msg) : n - 1;

		memcpy(w, msg, k);
		w[k] = 0;
	}
	return STORE_EGROUP;
}

/* Everything a reader of the group relies on (S6), so that no later access can go out of the
 * group whatever the card held; the CRC is checked by the caller. */
int grp_verify(struct store *s, const uint8_t *b, uint32_t lg, char *w, size_t wn)
{
	uint32_t n = hdr(b, G_NSLOTS), lo = hdr(b, G_DATALO);
	uint8_t *occ = s->occ;	/* one bit per 8 bytes of the group: no two objects overlap */

	if (hdr(b, G_MAGIC) != GRP_MAGIC)
		return why(w, wn, "bad group magic");
	if (hdr(b, G_LOGICAL) != lg)
		return why(w, wn, "group holds another logical group");
	if (n > s->maxslots || lo > s->gbytes || G_HDR + 4 * n > lo)
		return why(w, wn, "bad slot table");
	memset(occ, 0, s->gbytes / 64);
	for (uint32_t i = 0; i < n; i++) {
		uint32_t off = get32(b + G_HDR + 4 * i), w0, sz, ty, f, first, nc;

		if (!off)
			continue;
		if (off < lo || off > s->gbytes - O_HDR || (off & 7))
			return why(w, wn, "object outside the data area");
		w0 = get32(b + off);
		ty = OBJ_TYPE(w0);
		f = w0 & 0xf0u;
		sz = obj_total(OBJ_SIZE(w0));
		if (ty < T_PAIR || ty > T_LAST || (f & ~(OF_CHUNKED | OF_NEGATIVE)))
			return why(w, wn, "bad object type");
		if (OBJ_SIZE(w0) > s->maxpay || sz > s->gbytes - off)
			return why(w, wn, "object too large");
		if ((ty == T_PAIR && (OBJ_SIZE(w0) != 16 || (f & OF_CHUNKED))) ||
		    ((ty == T_VECTOR || ty == T_CHUNKV || ty == T_NAMES || (f & OF_CHUNKED)) &&
		     OBJ_SIZE(w0) % 8) ||
		    (ty == T_NAMES && (OBJ_SIZE(w0) < 8 || (f & OF_CHUNKED))) ||
		    ((f & OF_CHUNKED) && (OBJ_SIZE(w0) < 8 || ty == T_PAIR || ty == T_CHUNKV ||
					  ty == T_CHUNKB)) ||
		    (ty == T_BIGNUM && !(f & OF_CHUNKED) && OBJ_SIZE(w0) % 4))
			return why(w, wn, "bad object size");
		obj_cells(b + off, &first, &nc);
		for (uint32_t k = 0; k < nc; k++) {
			uint64_t c = get64(b + off + first + 8 * k);

			if ((c & 7) > C_SPECIAL || ((c & 7) == C_SPECIAL && (c >> 3) > SP_TRUE) ||
			    ((c & 7) == C_REF && (cell_lg(c) >= s->ngroups || (c >> 3 & 0x1fffffffu) >=
						  s->gbytes / 4)))
				return why(w, wn, "bad cell");
			if ((c & 7) == C_CHAR && (c >> 3) > 0x10ffff)
				return why(w, wn, "bad character");
		}
		for (uint32_t u = off / 8; u < (off + sz) / 8; u++) {
			if (occ[u / 8] & (1u << (u % 8)))
				return why(w, wn, "objects overlap");
			occ[u / 8] |= (uint8_t)(1u << (u % 8));
		}
	}
	return STORE_OK;
}

/* The strong references: a pair's and a vector's cells, a chunked object's chunk references. */
void obj_cells(const uint8_t *obj, uint32_t *first, uint32_t *n)
{
	uint32_t w0 = get32(obj), ty = OBJ_TYPE(w0), sz = OBJ_SIZE(w0);

	*first = O_HDR;
	*n = 0;
	if ((w0 & OF_CHUNKED) || ty == T_NAMES) {	/* a length, then references */
		*first = O_HDR + 8;
		*n = sz >= 8 ? (sz - 8) / 8 : 0;
	} else if (ty == T_PAIR || ty == T_VECTOR || ty == T_CHUNKV) {
		*n = sz / 8;
	}
}

/* Record what a group's image says in its RAM state. */
void store_note(struct store *s, uint32_t lg, const uint8_t *b)
{
	s->g[lg].free = grp_free(s, b);
	s->g[lg].nslots = get32(b + G_NSLOTS);
	s->g[lg].flags |= GI_KNOWN;
}

static struct store_cslot *find(struct store *s, uint32_t lg)
{
	for (uint32_t i = 0; i < s->ncache; i++)
		if (s->cache[i].lg == lg)
			return &s->cache[i];
	return NULL;
}

/* Write a dirty group to the free physical group written least (wear), then it is clean. */
static int writeback(struct store *s, struct store_cslot *c)
{
	uint32_t lg = c->lg, best = NONE, p;
	int e;

	for (p = 0; p < s->ngroups; p++)
		if (!s->pstate[p] && (best == NONE || s->writes[p] < s->writes[best]))
			best = p;
	if (best == NONE) {
		s->broken = 1;
		return STORE_ENOSPC;
	}
	grp_seal(s, c->buf, lg);
	ST(ST_WRITEBACK, lg, best, s->seq + 1);
	e = blk_erase(s->d, s->meta + best);
	if (!e)
		e = blk_program(s->d, (s->meta + best) * s->gsec, s->gsec, c->buf);
	s->writes[best]++;
	map_changed(s, best);
	map_changed(s, lg);
	if (e)
		return store_fail_io(s, e);
	if (s->g[lg].phys != NONE)
		pstate_set(s, s->g[lg].phys, s->pstate[s->g[lg].phys] & (uint8_t)~PS_PENDING);
	s->g[lg].phys = best;
	pstate_set(s, best, s->pstate[best] | PS_PENDING);
	c->dirty = 0;
	s->st.writebacks++;
	return STORE_OK;
}

static int victim(struct store *s, struct store_cslot **out)
{
	struct store_cslot *v = NULL;
	int e;

	for (uint32_t i = 0; i < s->ncache; i++) {
		struct store_cslot *c = &s->cache[i];

		if (c->lg == NONE) {
			v = c;
			break;
		}
		if (!v || c->used < v->used)
			v = c;
	}
	if (v->lg != NONE && v->dirty && (e = writeback(s, v)))
		return e;
	v->lg = NONE;
	v->dirty = 0;
	*out = v;
	return STORE_OK;
}

int store_load(struct store *s, uint32_t lg, uint8_t **buf)
{
	struct store_cslot *c;
	uint32_t crc, p;
	char w[64];
	int e;

	if (s->broken)
		return STORE_EBROKEN;
	if (lg >= s->ngroups || !(s->g[lg].flags & GI_USED))
		return STORE_EGROUP;
	c = find(s, lg);
	if (c) {
		s->st.cache_hits++;
		c->used = ++s->tick;
		*buf = c->buf;
		return STORE_OK;
	}
	p = s->g[lg].phys;
	if (p == NONE)
		return STORE_EGROUP;	/* in use, not cached, never written: cannot be */
	if ((e = victim(s, &c)))
		return e;
	s->st.cache_misses++;
	e = blk_read(s->d, (s->meta + p) * s->gsec, s->gsec, c->buf);
	if (e)
		return store_fail_io(s, e);
	crc = get32(c->buf + G_CRC);
	put32(c->buf + G_CRC, 0);
	if (store_crc32c(0, c->buf, s->gbytes) != crc || grp_verify(s, c->buf, lg, w, sizeof(w))) {
		/* the card changed under us: an operation half done must not reach a commit */
		s->broken = 1;
		return STORE_EGROUP;
	}
	put32(c->buf + G_CRC, crc);
	c->lg = lg;
	c->used = ++s->tick;
	if (!(s->g[lg].flags & GI_KNOWN) && (get32(c->buf + G_FLAGS) & GF_COLLECT))
		s->g[lg].flags |= GI_COLLECT;	/* RAM is ahead of the card once known */
	store_note(s, lg, c->buf);
	*buf = c->buf;
	return STORE_OK;
}

void store_dirty(struct store *s, uint32_t lg)
{
	struct store_cslot *c = find(s, lg);

	if (c)
		c->dirty = 1;
}

int store_writeback_all(struct store *s)
{
	for (uint32_t i = 0; i < s->ncache; i++) {
		struct store_cslot *c = &s->cache[i];
		int e;

		if (c->lg != NONE && c->dirty && (e = writeback(s, c)))
			return e;
	}
	return STORE_OK;
}

void store_drop(struct store *s, uint32_t lg)
{
	struct store_cslot *c = find(s, lg);

	if (c) {
		c->lg = NONE;
		c->dirty = 0;
	}
}

/* A fresh logical group, in the cache and dirty. */
int store_new_group(struct store *s, uint32_t *out)
{
	struct store_cslot *c;
	uint32_t used = 0, lg;
	int e;

	for (lg = 0; lg < s->ngroups; lg++)
		used += (s->g[lg].flags & GI_USED) != 0;
	if (used >= s->lg_cap)
		return STORE_ENOSPC;
	for (lg = 0; lg < s->ngroups; lg++)
		if (!(s->g[lg].flags & GI_USED) && s->g[lg].cphys == NONE)
			break;
	if (lg == s->ngroups)
		for (lg = 0; lg < s->ngroups; lg++)
			if (!(s->g[lg].flags & GI_USED))
				break;
	if (lg == s->ngroups)
		return STORE_ENOSPC;
	if ((e = victim(s, &c)))
		return e;
	grp_init(s, c->buf, lg);
	s->g[lg].phys = NONE;
	s->g[lg].flags = GI_USED;
	c->lg = lg;
	c->dirty = 1;
	c->used = ++s->tick;
	store_note(s, lg, c->buf);
	*out = lg;
	return STORE_OK;
}

/* The group holds nothing: forget it (its committed physical group stays until the commit). */
void store_unmap(struct store *s, uint32_t lg)
{
	store_drop(s, lg);
	if (s->g[lg].phys != NONE)
		pstate_set(s, s->g[lg].phys, s->pstate[s->g[lg].phys] & (uint8_t)~PS_PENDING);
	s->g[lg].phys = NONE;
	map_changed(s, lg);
	ST(ST_UNMAP, lg, 0, 0);
	s->g[lg].flags = 0;
	s->g[lg].free = 0;
	s->g[lg].nslots = 0;
	if (s->alloc_lg == lg)
		s->alloc_lg = NONE;
}

int store_obj(struct store *s, store_oid oid, int dirty, uint8_t **obj)
{
	uint32_t lg = (uint32_t)(oid >> 32), slot = (uint32_t)oid, off;
	uint8_t *b;
	int e;

	if (s->broken)
		return STORE_EBROKEN;
	if (lg >= s->ngroups || !(s->g[lg].flags & GI_USED))
		return STORE_EGROUP;
	if ((e = store_load(s, lg, &b)))
		return e;
	if (slot >= get32(b + G_NSLOTS) || !(off = get32(b + G_HDR + 4 * slot)))
		return STORE_EGROUP;
	if (dirty)
		store_dirty(s, lg);
	*obj = b + off;
	return STORE_OK;
}

/* Count a reference from group from_lg (NONE: a name or the root) to the object cell names. */
int store_rc_add(struct store *s, uint64_t cell, uint32_t from_lg, int delta)
{
	uint8_t *o;
	uint32_t rc;
	int e;

	if ((cell & 7) != C_REF || cell_lg(cell) == from_lg)
		return STORE_OK;
	if ((e = store_obj(s, cell_oid(cell), 1, &o)))
		return e;
	rc = get32(o + 4);
	if (delta < 0 && rc == 0)
		return STORE_EGROUP;	/* a count already wrong on the card */
	rc += (uint32_t)delta;
	put32(o + 4, rc);
	ST(ST_RC, cell_oid(cell), (int64_t)delta, rc);
	if (rc == 0)
		s->g[cell_lg(cell)].flags |= GI_COLLECT;
	return STORE_OK;
}
