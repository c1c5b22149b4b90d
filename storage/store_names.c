/* store_names.c -- the persistent root table: names bound to cells. In RAM while the store is
 * open (an array; a name costs its bytes + 24); at commit written as one byte object (T_NAMES,
 * chunked when large) that the root names. Its cells are not traced: the names themselves count
 * (S5), one for each binding, and the table object counts one for the root. */
#include <storage/store_int.h>

static size_t entry_bytes(uint32_t len)
{
	return 16 + (((size_t)len + 7) & ~(size_t)7);
}

int store_names_save(struct store *s)
{
	size_t total = 0, at = 0;
	uint64_t old = s->names_cell, cell = C_SPECIAL | (uint64_t)SP_NIL << 3;
	uint8_t *buf;
	store_oid oid;
	int e = STORE_OK;

	for (size_t i = 0; i < s->nnames; i++)
		total += entry_bytes(s->names[i].len);
	if (total > 0x7fffffffu)
		return STORE_ETOOBIG;
	if (s->nnames) {
		if (!(buf = store_alloc(s, total)))
			return STORE_ENOMEM;
		memset(buf, 0, total);
		for (size_t i = 0; i < s->nnames; i++) {
			put32(buf + at, s->names[i].len);
			put64(buf + at + 8, s->names[i].cell);
			memcpy(buf + at + 16, s->names[i].name, s->names[i].len);
			at += entry_bytes(s->names[i].len);
		}
		e = store_put_bytes(s, T_NAMES, buf, (uint32_t)total, &oid);
		store_free(s, buf, total);
		if (e)
			return e;
		cell = oid_cell(oid);
		if ((e = store_rc_add(s, cell, NONE, +1)))
			return e;
	}
	if ((old & 7) == C_REF && (e = store_rc_add(s, old, NONE, -1)))
		return e;
	s->names_cell = cell;
	s->names_dirty = 0;
	return STORE_OK;
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
	if (!(n->name = store_alloc(s, len)))
		return STORE_ENOMEM;
	memcpy(n->name, name, len);
	n->len = len;
	n->cell = cell;
	s->nnames++;
	return STORE_OK;
}

int store_names_load(struct store *s)
{
	uint8_t *buf;
	uint32_t len, at = 0;
	int e;

	if (s->names_cell == (C_SPECIAL | (uint64_t)SP_NIL << 3))
		return STORE_OK;
	if ((s->names_cell & 7) != C_REF)
		return STORE_EGROUP;
	if ((e = store_get_bytes(s, cell_oid(s->names_cell), T_NAMES, &buf, &len)))
		return e;
	while (!e && at < len) {
		uint32_t n;
		uint64_t c;

		if (len - at < 16 || (n = get32(buf + at)) > STORE_NAME_MAX ||
		    entry_bytes(n) > len - at) {
			e = STORE_EGROUP;
			break;
		}
		c = get64(buf + at + 8);
		if ((c & 7) > C_SPECIAL || ((c & 7) == C_REF && cell_lg(c) >= s->ngroups))
			e = STORE_EGROUP;
		else
			e = add(s, buf + at + 16, n, c);
		at += (uint32_t)entry_bytes(n);
	}
	store_free(s, buf, len);
	return e;
}

static struct store_name *find(struct store *s, const void *name, size_t len)
{
	for (size_t i = 0; i < s->nnames; i++)
		if (s->names[i].len == len && memcmp(s->names[i].name, name, len) == 0)
			return &s->names[i];
	return NULL;
}

int store_bind(struct store *s, const void *name, size_t len, uint64_t cell)
{
	struct store_name *n = find(s, name, len);
	int e;

	if ((e = store_rc_add(s, cell, NONE, +1)))
		return e;
	s->names_dirty = 1;
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

int store_set(struct store *s, const void *name, size_t len, struct store_val *v)
{
	uint64_t cell;
	int e;

	if ((e = usable(s, name, len)))
		return e;
	if (!v)
		return STORE_EINVAL;
	if ((e = store_encode(s, v, &cell)))
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
	old = n->cell;
	store_free(s, n->name, n->len);
	*n = s->names[--s->nnames];
	s->names_dirty = 1;
	return store_rc_add(s, old, NONE, -1);
}

int store_ref(struct store *s, const void *name, size_t len, struct store_arena *a,
	      struct store_val **out)
{
	struct store_name *n;
	int e;

	if ((e = usable(s, name, len)))
		return e;
	if (!(n = find(s, name, len)))
		return STORE_ENOTFOUND;
	return store_decode(s, n->cell, a, out);
}

int store_name_at(struct store *s, size_t i, const uint8_t **name, size_t *len)
{
	if (!s || s->magic != STORE_MAGIC || i >= s->nnames)
		return STORE_EINVAL;
	*name = s->names[i].name;
	*len = s->names[i].len;
	return STORE_OK;
}
