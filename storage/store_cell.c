/* store_cell.c -- persistent cells (storage/store.h): stored pairs and vectors read and changed
 * in place, a field at a time, so a walk loads only the groups it passes through. A reference
 * is (oid, epoch of its group, session): free_obj moves a group's epoch on, every store gets its
 * own session, so a reference that may name a freed slot is refused (STORE_ESTALE) before the
 * slot is read. Objects never move inside their group (grp_compact keeps slots), so an object
 * that was not freed is where its reference says. */
#include <storage/store_int.h>

static uint8_t kind_of(uint32_t type)
{
	return type == T_PAIR ? STORE_PAIR : type == T_VECTOR ? STORE_VECTOR : 0xff;
}

/* Is the reference (oid, epoch, session) still good? */
static int ref_ok(struct store *s, store_oid oid, uint32_t epoch, uint32_t session)
{
	uint32_t lg = (uint32_t)(oid >> 32);

	if (!s || s->magic != STORE_MAGIC)
		return STORE_EINVAL;
	if (s->broken)
		return STORE_EBROKEN;
	if (session != s->session || lg >= s->ngroups || !(s->g[lg].flags & GI_USED) ||
	    s->g[lg].epoch != epoch)
		return STORE_ESTALE;
	return STORE_OK;
}

int store_ref_check(struct store *s, const struct store_val *v)
{
	return ref_ok(s, v->oid, v->epoch, v->session);
}

/* r's object, its group loaded: a pair or a vector as r says */
static int ref_obj(struct store *s, const struct store_ref *r, uint8_t **o)
{
	int e;

	if (!r)
		return STORE_EINVAL;
	if ((e = ref_ok(s, r->oid, r->epoch, r->session)) || (e = store_obj(s, r->oid, 0, o)))
		return e;
	return kind_of(OBJ_TYPE(get32(*o))) == r->kind ? STORE_OK : STORE_EGROUP;
}

/* Cell c read shallowly (store.h): a pair or vector as a reference, anything else decoded. */
int store_shallow(struct store *s, uint64_t c, struct store_arena *a, struct store_val **val,
		  struct store_ref *ref)
{
	uint8_t *o;
	uint8_t k;
	int e;

	*val = NULL;
	if ((c & 7) != C_REF)
		return store_decode(s, c, a, val);
	if ((e = store_obj(s, cell_oid(c), 0, &o)))
		return e;
	if ((k = kind_of(OBJ_TYPE(get32(o)))) == 0xff)
		return store_decode(s, c, a, val);
	ref->oid = cell_oid(c);
	ref->epoch = s->g[cell_lg(c)].epoch;
	ref->session = s->session;
	ref->kind = k;
	return STORE_OK;
}

int store_length(struct store *s, const struct store_ref *r, uint64_t *len)
{
	uint8_t *o;
	uint32_t w;
	int e;

	if ((e = ref_obj(s, r, &o)))
		return e;
	w = get32(o);
	*len = OBJ_TYPE(w) == T_PAIR ? 2 : w & OF_CHUNKED ? get64(o + O_HDR) : OBJ_SIZE(w) / 8;
	return STORE_OK;
}

/* Where field i of r's object is: the object holding its cell (r's, or a chunk of a chunked
 * vector) and the cell's offset in it. */
static int locate(struct store *s, const struct store_ref *r, uint64_t i, store_oid *at,
		  uint32_t *off)
{
	uint32_t per = s->maxpay / 8;
	uint64_t len, ch;
	uint8_t *o;
	int e;

	if ((e = store_length(s, r, &len)))
		return e;
	if (i >= len)
		return STORE_ERANGE;
	if ((e = store_obj(s, r->oid, 0, &o)))
		return e;
	if (!(get32(o) & OF_CHUNKED)) {
		*at = r->oid;
		*off = O_HDR + 8 * (uint32_t)i;
		return STORE_OK;
	}
	ch = get64(o + O_HDR + 8 + 8 * (i / per));	/* chunk k holds elements k*per on */
	if ((ch & 7) != C_REF)
		return STORE_EGROUP;
	*at = cell_oid(ch);
	*off = O_HDR + 8 * (uint32_t)(i % per);
	if ((e = store_obj(s, *at, 0, &o)))
		return e;
	if (OBJ_TYPE(get32(o)) != T_CHUNKV || *off + 8 > O_HDR + OBJ_SIZE(get32(o)))
		return STORE_EGROUP;
	return STORE_OK;
}

int store_field(struct store *s, const struct store_ref *r, uint64_t i, struct store_arena *a,
		struct store_val **val, struct store_ref *ref)
{
	store_oid at;
	uint32_t off;
	uint8_t *o;
	int e;

	if ((e = locate(s, r, i, &at, &off)) || (e = store_obj(s, at, 0, &o)))
		return e;
	return store_shallow(s, get64(o + off), a, val, ref);
}

int store_set_field(struct store *s, const struct store_ref *r, uint64_t i, struct store_val *v)
{
	uint32_t off, lg, alloc = s ? s->alloc_lg : NONE;
	uint64_t c, old;
	store_oid at;
	uint8_t *o;
	int e;

	if (!v)
		return STORE_EINVAL;
	if ((e = locate(s, r, i, &at, &off)))
		return e;
	lg = (uint32_t)(at >> 32);
	s->alloc_lg = lg;	/* new objects beside the cell that points at them, while it has room */
	e = store_encode(s, v, &c);
	s->alloc_lg = alloc;
	if (e)
		return e;
	/* count the new link, store it, then drop the old one's count (S5 holds after each call) */
	if ((e = store_rc_add(s, c, lg, +1)))
		return e;
	if ((e = store_obj(s, at, 1, &o))) {
		store_rc_add(s, c, lg, -1);
		return e;
	}
	old = get64(o + off);
	put64(o + off, c);
	s->pending = 1;	/* no collection may commit it on the user's behalf (room()) */
	if ((old & 7) != C_REF)
		return STORE_OK;
	if (cell_lg(old) == lg) {	/* not counted: the group's collection decides */
		s->g[lg].flags |= GI_COLLECT;
		return STORE_OK;
	}
	return store_rc_add(s, old, lg, -1);
}

int store_deref(struct store *s, const struct store_ref *r, struct store_arena *a,
		struct store_val **out)
{
	uint8_t *o;
	int e;

	if ((e = ref_obj(s, r, &o)))
		return e;
	return store_decode(s, oid_cell(r->oid), a, out);
}
