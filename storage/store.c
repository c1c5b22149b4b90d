/* store.c -- the store's layout on the card and its commit (docs/store.md): two root sectors used
 * alternately (sequence number, CRC-32C), two mapping areas likewise, then the data groups.
 * A commit writes the dirty groups to free physical groups, syncs, writes the mapping area the
 * last root does not use, syncs, then the other root slot, syncs: the newest valid root names a
 * state that was whole on the card before it was written (S2, S3). */
#include <storage/store_int.h>

#ifdef STORE_XTRACE
struct store_trace_ev store_trace_ring[STORE_TRACE_N];
uint32_t store_trace_seq;
#endif

const char *store_strerror(int err)
{
	switch (err) {
	case STORE_OK: return "ok";
	case STORE_ENOSTORE: return "no store on the card";
	case STORE_EVERSION: return "unsupported store version or geometry";
	case STORE_EROOT: return "damaged root";
	case STORE_EMAP: return "damaged mapping table";
	case STORE_EGROUP: return "damaged group";
	case STORE_EIO: return "device error";
	case STORE_ENOSPC: return "store full";
	case STORE_ENOMEM: return "out of memory";
	case STORE_ETOOBIG: return "object too large";
	case STORE_EINVAL: return "invalid argument";
	case STORE_ENOTFOUND: return "name not bound";
	case STORE_EBROKEN: return "store unusable after a failed write: reopen it";
	case STORE_ESTALE:
		return "stale persistent reference: its group was collected or the store reopened";
	case STORE_ERANGE: return "index out of range";
	default: return "unknown error";
	}
}

void *store_alloc(struct store *s, size_t n)
{
	return s->mem.alloc(s->mem.ctx, n ? n : 1);
}

void store_free(struct store *s, void *p, size_t n)
{
	if (p)
		s->mem.free(s->mem.ctx, p, n ? n : 1);
}

void *store_realloc(struct store *s, void *p, size_t old, size_t n)
{
	void *q = store_alloc(s, n);

	if (q && p)
		memcpy(q, p, old < n ? old : n);
	if (q)
		store_free(s, p, old);
	return q;
}

int store_fail_io(struct store *s, int blk_err)
{
	s->blk_err = blk_err;
	s->broken = 1;
	return STORE_EIO;
}

int store_blk_error(const struct store *s)
{
	return s->blk_err;
}

/* ---- geometry ---- */

static void geometry(struct store *s, const struct blk_dev *d)
{
	uint32_t meta_sec;

	s->gsec = d->group_sectors;
	s->gbytes = d->group_sectors * BLK_SECTOR;
	s->maxslots = s->gbytes > G_HDR ? GRP_MAXSLOTS(s->gbytes) : 0;
	/* the data groups decide the mapping's and the mark area's sizes, which decide the meta
	 * groups: iterate */
	s->meta = 1;
	for (;;) {
		s->ngroups = d->group_count > s->meta ? d->group_count - s->meta : 0;
		s->mapsec = (s->ngroups + MAP_PER_SECTOR - 1) / MAP_PER_SECTOR;
		s->markfirst = 2 + 2 * s->mapsec;
		s->marksec = (uint32_t)(((uint64_t)s->ngroups * s->maxslots + 8 * BLK_SECTOR - 1) /
					(8 * BLK_SECTOR));
		meta_sec = s->markfirst + s->marksec;
		if (meta_sec <= s->meta * s->gsec)
			break;
		s->meta = (meta_sec + s->gsec - 1) / s->gsec;
	}
	s->maxpay = (s->gbytes / STORE_OBJ_DIV - O_HDR) & ~7u;
}

/* The whole mapping's CRC, from each sector's (the root holds it: S3 over an area whose
 * sectors were written by different commits). */
static uint32_t table_crc(const struct store *s)
{
	uint32_t crc = 0;
	uint8_t b[4];

	for (uint32_t k = 0; k < s->mapsec; k++) {
		put32(b, s->msec_crc[k]);
		crc = store_crc32c(crc, b, 4);
	}
	return crc;
}

static uint32_t entries_crc(const uint8_t *m)
{
	return store_crc32c(0, m + M_HDR, BLK_SECTOR - M_HDR);
}

static void root_encode(struct store *s, uint8_t *r, uint64_t seq)
{
	memset(r, 0, BLK_SECTOR);
	put32(r + R_MAGIC, ROOT_MAGIC);
	put32(r + R_VERSION, STORE_VERSION);
	put64(r + R_SEQ, seq);
	put32(r + R_GSEC, s->gsec);
	put32(r + R_NGROUPS, s->ngroups);
	put32(r + R_META, s->meta);
	put32(r + R_MAPSEC, s->mapsec);
	put64(r + R_NAMES, s->names_cell);
	put32(r + R_MAPCRC, table_crc(s));
	put32(r + R_MARKSEC, s->marksec);
	put32(r + R_CRC, store_crc32c(0, r, R_CRC));
}

static uint32_t map_first(const struct store *s, uint64_t seq)
{
	return 2 + (uint32_t)(seq & 1) * s->mapsec;
}

/* Write the mapping for seq (the sectors that changed since its area was last written), then
 * its root, each followed by a sync. */
static int write_meta(struct store *s, uint64_t seq, int use_cphys)
{
	uint8_t *m = s->sector;
	uint64_t had = s->area_seq[seq & 1];
	int e;

	s->area_seq[seq & 1] = AREA_UNKNOWN;	/* until the sync below */
	for (uint32_t k = 0; k < s->mapsec; k++) {
		if (had != AREA_UNKNOWN && s->msec_changed[k] <= had)
			continue;
		memset(m, 0, BLK_SECTOR);
		put32(m + M_MAGIC, MAP_MAGIC);
		put32(m + M_INDEX, k);
		put32(m + M_SEQ, (uint32_t)seq);
		for (uint32_t j = 0; j < MAP_PER_SECTOR; j++) {
			uint32_t i = k * MAP_PER_SECTOR + j;

			if (i >= s->ngroups)
				break;
			put32(m + M_HDR + 8 * j, use_cphys ? s->g[i].cphys : s->g[i].phys);
			put32(m + M_HDR + 8 * j + 4, s->writes[i]);
		}
		s->msec_crc[k] = entries_crc(m);
		put32(m + M_CRC, store_crc32c(0, m, BLK_SECTOR));
		ST(ST_MAP_SECTOR, seq & 1, k, seq);
		if ((e = blk_program(s->d, map_first(s, seq) + k, 1, m)))
			return e;
		s->st.map_sectors_written++;
	}
	if ((e = blk_sync(s->d)))
		return e;
	s->area_seq[seq & 1] = seq;
	root_encode(s, m, seq);
	ST(ST_ROOT, seq & 1, seq, 0);
	if ((e = blk_program(s->d, (uint32_t)(seq & 1), 1, m)))
		return e;
	return blk_sync(s->d);
}

/* ---- the struct store's RAM ---- */

static void free_ram(struct store *s)
{
	if (s->cache)
		for (uint32_t i = 0; i < s->ncache; i++)
			store_free(s, s->cache[i].buf, s->gbytes);
	store_free(s, s->cache, s->ncache * sizeof(*s->cache));
	store_free(s, s->g, s->ngroups * sizeof(*s->g));
	store_free(s, s->writes, s->ngroups * sizeof(*s->writes));
	store_free(s, s->pstate, s->ngroups);
	store_free(s, s->scratch, s->gbytes);
	store_free(s, s->sector, BLK_SECTOR);
	store_free(s, s->occ, s->gbytes / 64);
	store_free(s, s->marks, s->gbytes / 64);
	store_free(s, s->msec_changed, s->mapsec * sizeof(*s->msec_changed));
	store_free(s, s->msec_crc, s->mapsec * sizeof(*s->msec_crc));
	for (size_t i = 0; i < s->nnames; i++)
		store_free(s, s->names[i].name, s->names[i].len);
	store_free(s, s->names, s->capnames * sizeof(*s->names));
	store_free(s, s->bucket_cell, s->nbuckets * sizeof(*s->bucket_cell));
	store_free(s, s->bucket_dirty, s->nbuckets);
	store_free(s, s->live_bucket, s->nlive * sizeof(*s->live_bucket));
	s->magic = 0;
	store_free(s, s, sizeof(*s));
}

/* Sessions: every store made in this process gets its own (store_ref); any thread may make one. */
static uint32_t sessions;

static int new_store(struct blk_dev *d, const struct store_mem *mem, size_t cache_bytes,
		     size_t mark_ram, struct store **out)
{
	struct store *s = mem->alloc(mem->ctx, sizeof(*s));
	uint32_t i = 0;

	if (!s)
		return STORE_ENOMEM;
	memset(s, 0, sizeof(*s));
	s->magic = STORE_MAGIC;
	s->session = __atomic_add_fetch(&sessions, 1, __ATOMIC_RELAXED);
	s->d = d;
	s->mem = *mem;
	geometry(s, d);
	if (s->ngroups < 8 || s->gbytes < 1024 || s->gbytes > (1u << 24)) {
		store_free(s, s, sizeof(*s));
		return STORE_EVERSION;
	}
	s->mark_ram = mark_ram ? mark_ram : STORE_MARK_RAM_DEFAULT;
	s->ncache = (uint32_t)((cache_bytes ? cache_bytes : STORE_CACHE_DEFAULT) / s->gbytes);
	if (s->ncache < STORE_CACHE_MIN_GROUPS)
		s->ncache = STORE_CACHE_MIN_GROUPS;
	if (s->ncache > s->ngroups / 2)
		s->ncache = s->ngroups / 2 > STORE_CACHE_MIN_GROUPS ? s->ngroups / 2 : STORE_CACHE_MIN_GROUPS;
	s->lg_cap = s->ngroups - (s->ncache + 2 < s->ngroups / 2 ? s->ncache + 2 : s->ngroups / 2);
	s->g = store_alloc(s, s->ngroups * sizeof(*s->g));
	s->writes = store_alloc(s, s->ngroups * sizeof(*s->writes));
	s->pstate = store_alloc(s, s->ngroups);
	s->scratch = store_alloc(s, s->gbytes);
	s->sector = store_alloc(s, BLK_SECTOR);
	s->occ = store_alloc(s, s->gbytes / 64);
	s->marks = store_alloc(s, s->gbytes / 64);
	s->msec_changed = store_alloc(s, s->mapsec * sizeof(*s->msec_changed));
	s->msec_crc = store_alloc(s, s->mapsec * sizeof(*s->msec_crc));
	s->cache = store_alloc(s, s->ncache * sizeof(*s->cache));
	if (s->cache) {
		memset(s->cache, 0, s->ncache * sizeof(*s->cache));
		for (i = 0; i < s->ncache; i++) {
			s->cache[i].lg = NONE;
			s->cache[i].buf = store_alloc(s, s->gbytes);
			if (!s->cache[i].buf)
				break;
		}
	}
	if (!s->g || !s->writes || !s->pstate || !s->scratch || !s->sector || !s->occ || !s->marks || !s->msec_changed || !s->msec_crc || !s->cache ||
	    i < s->ncache) {
		free_ram(s);
		return STORE_ENOMEM;
	}
	for (i = 0; i < s->ngroups; i++) {
		s->g[i].phys = s->g[i].cphys = NONE;
		s->g[i].flags = 0;
		s->g[i].free = s->g[i].nslots = 0;
		s->writes[i] = 0;
		s->pstate[i] = 0;
	}
	s->pfree = s->ngroups;
	for (i = 0; i < s->mapsec; i++)
		s->msec_changed[i] = s->msec_crc[i] = 0;
	s->area_seq[0] = s->area_seq[1] = AREA_UNKNOWN;
	s->names_cell = C_SPECIAL | (uint64_t)SP_NIL << 3;
	s->alloc_lg = NONE;
	s->st.table_ram_bytes = (uint64_t)s->ngroups * (sizeof(*s->g) + sizeof(*s->writes) + 1) +
				(uint64_t)s->mapsec * (sizeof(*s->msec_changed) + sizeof(*s->msec_crc));
	*out = s;
	return STORE_OK;
}

void store_close(struct store *s)
{
	if (s && s->magic == STORE_MAGIC)
		free_ram(s);
}

/* ---- format ---- */

static int read_roots(struct store *s, const struct store_params *p);
static int read_map(struct store *s, const struct store_params *p);

int store_format(struct blk_dev *d, const struct store_mem *mem)
{
	struct store *s;
	int e = new_store(d, mem, STORE_CACHE_MIN_GROUPS * (size_t)d->group_sectors * BLK_SECTOR, 0, &s);

	if (e)
		return e;
	/* a store already there keeps its writes per physical group (wear), and the new roots
	 * continue its sequence: a cut during the format leaves the old store or the empty one */
	uint64_t base = read_roots(s, NULL) == STORE_OK ? s->seq + 1 : 0;

	if (!base || read_map(s, NULL))
		memset(s->writes, 0, s->ngroups * sizeof(*s->writes));
	s->broken = 0;
	s->seq = base;
	s->names_cell = C_SPECIAL | (uint64_t)SP_NIL << 3;
	s->pfree = s->ngroups;
	s->area_seq[0] = s->area_seq[1] = AREA_UNKNOWN;	/* both areas written whole */
	for (uint32_t i = 0; i < s->ngroups; i++) {
		s->g[i].phys = s->g[i].cphys = NONE;
		s->g[i].flags = 0;
		s->pstate[i] = 0;
	}
	/* both roots valid and naming the empty store: a damaged one later is told from none */
	e = write_meta(s, base, 0);
	if (!e)
		e = write_meta(s, base + 1, 0);
	free_ram(s);
	return e ? STORE_EIO : STORE_OK;
}

/* ---- open ---- */

static int detail(const struct store_params *p, const char *msg, uint32_t a, int err)
{
	if (p && p->detail && p->detail_len) {
		size_t n = 0;
		char num[12];
		int k = 0;

		while (msg[n] && n + 1 < p->detail_len) {
			p->detail[n] = msg[n];
			n++;
		}
		if (a != NONE) {
			do
				num[k++] = (char)('0' + a % 10);
			while ((a /= 10) && k < 11);
			if (n + 1 < p->detail_len)
				p->detail[n++] = ' ';
			while (k && n + 1 < p->detail_len)
				p->detail[n++] = num[--k];
		}
		p->detail[n] = 0;
	}
	return err;
}

static int blank(const uint8_t *r)
{
	for (unsigned i = 1; i < BLK_SECTOR; i++)
		if (r[i] != r[0])
			return 0;
	return r[0] == 0 || r[0] == 0xff;
}

/* 1: valid; 0: damaged; -1: valid but another version or geometry */
static int root_ok(struct store *s, const uint8_t *r)
{
	if (get32(r + R_MAGIC) != ROOT_MAGIC || store_crc32c(0, r, R_CRC) != get32(r + R_CRC))
		return 0;
	if (get32(r + R_VERSION) != STORE_VERSION || get32(r + R_GSEC) != s->gsec ||
	    get32(r + R_NGROUPS) != s->ngroups || get32(r + R_META) != s->meta ||
	    get32(r + R_MAPSEC) != s->mapsec || get32(r + R_MARKSEC) != s->marksec)
		return -1;
	return 1;
}

static int read_roots(struct store *s, const struct store_params *p)
{
	uint8_t *r = s->sector;
	int ok[2], blanks = 0, e;
	uint64_t seq[2] = { 0, 0 };
	uint64_t names[2] = { 0, 0 };
	uint32_t mapcrc[2] = { 0, 0 };

	for (int i = 0; i < 2; i++) {
		if ((e = blk_read(s->d, (uint32_t)i, 1, r)))
			return store_fail_io(s, e);
		ok[i] = root_ok(s, r);
		blanks += blank(r);
		seq[i] = get64(r + R_SEQ);
		names[i] = get64(r + R_NAMES);
		mapcrc[i] = get32(r + R_MAPCRC);
		if (ok[i] == 1 && (seq[i] & 1) != (uint64_t)i)
			ok[i] = 0;	/* a root in the wrong slot */
	}
	if (ok[0] != 1 && ok[1] != 1) {
		if (ok[0] == -1 || ok[1] == -1)
			return detail(p, "the root is of another version or geometry", NONE, STORE_EVERSION);
		if (blanks == 2)
			return detail(p, "both root sectors are blank", NONE, STORE_ENOSTORE);
		return detail(p, "both roots fail their CRC", NONE, STORE_EROOT);
	}
	int pick = ok[0] == 1 && (ok[1] != 1 || seq[0] > seq[1]) ? 0 : 1;

	s->fell_back = ok[1 - pick] != 1;
	s->seq = seq[pick];
	s->names_cell = names[pick];
	s->root_mapcrc = mapcrc[pick];
	return STORE_OK;
}

static int read_map(struct store *s, const struct store_params *p)
{
	uint8_t *m = s->sector;
	int e;

	for (uint32_t k = 0; k < s->mapsec; k++) {
		uint32_t crc;

		if ((e = blk_read(s->d, map_first(s, s->seq) + k, 1, m)))
			return store_fail_io(s, e);
		crc = get32(m + M_CRC);
		put32(m + M_CRC, 0);
		if (get32(m + M_MAGIC) != MAP_MAGIC || store_crc32c(0, m, BLK_SECTOR) != crc ||
		    get32(m + M_INDEX) != k || (get32(m + M_SEQ) & 1) != (s->seq & 1) ||
		    (uint32_t)s->seq - get32(m + M_SEQ) >= 0x80000000u)
			return detail(p, "mapping sector fails its check:", k, STORE_EMAP);
		s->msec_crc[k] = entries_crc(m);
		for (uint32_t j = 0; j < MAP_PER_SECTOR; j++) {
			uint32_t i = k * MAP_PER_SECTOR + j, ph;

			if (i >= s->ngroups)
				break;
			ph = get32(m + M_HDR + 8 * j);
			s->writes[i] = get32(m + M_HDR + 8 * j + 4);
			if (ph == NONE)
				continue;
			if (ph >= s->ngroups || s->pstate[ph])
				return detail(p, "mapping names a physical group twice or out of range: logical",
					      i, STORE_EMAP);
			pstate_set(s, ph, PS_COMMITTED | PS_PENDING);
			s->g[i].phys = s->g[i].cphys = ph;
			s->g[i].flags = GI_USED;
		}
	}
	if (table_crc(s) != s->root_mapcrc)
		return detail(p, "the mapping's sectors are not the root's", NONE, STORE_EMAP);
	s->area_seq[s->seq & 1] = s->seq;
	return STORE_OK;
}

/* Read every mapped group once: CRC, header, objects (S3, S6). */
static int verify_groups(struct store *s, const struct store_params *p)
{
	uint8_t *b = s->scratch;
	int e;

	for (uint32_t lg = 0; lg < s->ngroups; lg++) {
		uint32_t ph = s->g[lg].phys, crc;

		if (ph == NONE)
			continue;
		if ((e = blk_read(s->d, (s->meta + ph) * s->gsec, s->gsec, b)))
			return store_fail_io(s, e);
		crc = get32(b + G_CRC);
		put32(b + G_CRC, 0);
		if (store_crc32c(0, b, s->gbytes) != crc)
			return detail(p, "group fails its CRC: logical", lg, STORE_EGROUP);
		if (get32(b + G_SEQ) > (uint32_t)s->seq)
			return detail(p, "group written after the root: logical", lg, STORE_EGROUP);
		/* grp_verify uses s->scratch only as the image here; its bitmap is s->occ */
		if (grp_verify(s, b, lg, NULL, 0))
			return detail(p, "group's objects fail their check: logical", lg, STORE_EGROUP);
		s->g[lg].free = grp_free(s, b);
		s->g[lg].nslots = get32(b + G_NSLOTS);
		s->g[lg].flags |= GI_KNOWN | (get32(b + G_FLAGS) & GF_COLLECT ? GI_COLLECT : 0);
	}
	return STORE_OK;
}

int store_open(struct blk_dev *d, const struct store_mem *mem, const struct store_params *p,
	       struct store **out)
{
	struct store *s;
	int e;

	*out = NULL;
	if (!d || d->magic != BLK_MAGIC || !mem)
		return STORE_EINVAL;
	if ((e = new_store(d, mem, p ? p->cache_bytes : 0, p ? p->mark_ram_bytes : 0, &s)))
		return detail(p, "the device is too small or its groups too large", NONE, e);
	if ((e = read_roots(s, p)) || (e = read_map(s, p)) ||
	    (!(p && p->skip_verify) && (e = verify_groups(s, p))))
		goto fail;
	if ((e = store_names_load(s))) {
		detail(p, "the names table is damaged", NONE, e);
		goto fail;
	}
	s->fell_back = s->fell_back && s->seq > 1;
	ST(ST_OPEN, s->seq, s->fell_back, 0);
	s->st.seq = s->seq;
	*out = s;
	return STORE_OK;
fail:
	if (e == STORE_EIO)
		detail(p, blk_strerror(s->blk_err), NONE, e);
	free_ram(s);
	return e;
}

/* ---- commit ---- */

/* Every dirty group needs a free physical group: say so before writing any (the store stays
 * usable: remove and collect, then commit again). */
static int room_for_commit(struct store *s)
{
	return s->pfree >= store_dirty_groups(s) ? STORE_OK : STORE_ENOSPC;
}

/* The free physical groups that writing back every dirty group needs: one each for a group that
 * was never written or whose physical group the last commit maps (S2: it stays until the next
 * commit), and one in all for the others, each of which gives back the group it held once
 * written. A writeback with none free cannot be undone (the store is then unusable), so what
 * dirties a group first checks this leaves room (store_enc.c: room_to_dirty). */
uint32_t store_phys_needed(const struct store *s)
{
	uint32_t costly = 0, neutral = 0;

	for (uint32_t i = 0; i < s->ncache; i++) {
		uint32_t lg = s->cache[i].lg, p;

		if (lg == NONE || !s->cache[i].dirty)
			continue;
		p = s->g[lg].phys;
		if (p == NONE || (s->pstate[p] & PS_COMMITTED))
			costly++;
		else
			neutral = 1;
	}
	return costly + neutral;
}

uint32_t store_dirty_groups(const struct store *s)
{
	uint32_t dirty = 0;

	for (uint32_t i = 0; i < s->ncache; i++)
		dirty += s->cache[i].lg != NONE && s->cache[i].dirty;
	return dirty;
}

int store_commit(struct store *s)
{
	int e;

	if (!s || s->magic != STORE_MAGIC)
		return STORE_EINVAL;
	if (s->broken)
		return STORE_EBROKEN;
	if ((e = room_for_commit(s)))
		return e;
	if (s->names_dirty && (e = store_names_save(s)) == STORE_ENOSPC) {
		/* no room for the names table: the buckets earlier saves replaced are garbage;
		 * collect the groups that may hold garbage and save again */
		s->st.auto_collections++;
		if ((e = store_collect(s, 0)) && e != STORE_ENOSPC)
			return e;
		e = store_names_save(s);
	}
	if (e || (e = room_for_commit(s)))
		return e;
	ST(ST_COMMIT_BEGIN, s->seq + 1, store_dirty_groups(s), 0);
	if ((e = store_writeback_all(s)))
		return e;
	if ((e = blk_sync(s->d)))
		return store_fail_io(s, e);
	if ((e = write_meta(s, s->seq + 1, 0)))
		return store_fail_io(s, e);
	s->seq++;
	s->pending = 0;
	ST(ST_COMMIT_DONE, s->seq, 0, 0);
	for (uint32_t i = 0; i < s->ngroups; i++) {
		pstate_set(s, i, s->pstate[i] & PS_PENDING ? PS_PENDING | PS_COMMITTED : 0);
		s->g[i].cphys = s->g[i].phys;
	}
	s->st.seq = s->seq;
	return STORE_OK;
}

/* ---- stats ---- */

int store_stats(struct store *s, struct store_stats *st)
{
	uint32_t i;

	if (!s || s->magic != STORE_MAGIC || !st)
		return STORE_EINVAL;
	*st = s->st;
	st->groups = s->ngroups;
	st->group_bytes = s->gbytes;
	st->mark_area_bytes = (uint64_t)s->marksec * BLK_SECTOR;
	st->phys_free = s->pfree;
	st->cache_groups = s->ncache;
	st->cache_dirty = 0;
	for (i = 0; i < s->ncache; i++)
		st->cache_dirty += s->cache[i].lg != NONE && s->cache[i].dirty;
	st->groups_mapped = 0;
	st->bytes_free = 0;
	st->erase_min = UINT32_MAX;
	st->erase_max = 0;
	st->erase_total = 0;
	st->ram_bytes = sizeof(*s) + s->st.table_ram_bytes +
			(uint64_t)s->ncache * (s->gbytes + sizeof(*s->cache)) + s->gbytes +
			2 * (s->gbytes / 64) + BLK_SECTOR +
			s->capnames * sizeof(*s->names) + s->nbuckets * (sizeof(*s->bucket_cell) + 1) +
			s->nlive * sizeof(*s->live_bucket);
	for (i = 0; i < s->nnames; i++)
		st->ram_bytes += s->names[i].len;
	for (i = 0; i < s->ngroups; i++) {
		if (s->g[i].flags & GI_USED) {
			st->groups_mapped++;
			st->bytes_free += s->g[i].free;
		} else {
			st->bytes_free += s->gbytes - G_HDR;
		}
		if (s->writes[i] < st->erase_min)
			st->erase_min = s->writes[i];
		if (s->writes[i] > st->erase_max)
			st->erase_max = s->writes[i];
		st->erase_total += s->writes[i];
	}
	st->names = s->nnames;
	st->fell_back = s->fell_back;
	return STORE_OK;
}
