/* store.h -- the persistent store on an SD card (docs/store.md): names bound to copies of value
 * graphs (pairs, vectors, strings, symbols, chars, bytevectors, integers, booleans, '(), with
 * sharing and cycles), kept in erase groups on a block device (storage/blk.h), cached in a
 * bounded RAM, made durable atomically by store_commit. Portable: no OS calls; memory comes from
 * the caller's allocator. One thread uses a store at a time (the store service): no locks.
 *
 * Invariants, checked by store_check (storage/store_check.c):
 *  S1 every mapped logical group names a distinct physical group; no physical group is both
 *     free and mapped (committed or pending).
 *  S2 a physical group the last commit maps is never programmed or erased until a later commit
 *     stops mapping it (copy-on-write: a power cut finds the committed state whole).
 *  S3 every on-card structure (root, mapping sector, group) carries a CRC-32C that matches.
 *  S4 every reference cell names a live object: a mapped group, a used slot (but for the cells
 *     of a names index the root no longer names: garbage until collected).
 *  S5 an object's count = references to it from objects in other groups + names bound to it
 *     (+1 for the names table object, which the root holds). Links inside a group are not
 *     counted: the group's own collector traces them; nor are the names index's links to its
 *     buckets: the live buckets are kept in RAM and are roots of their groups' collections.
 *  S6 inside a group, objects lie between data_lo and the group's end without overlapping, and
 *     the slot table ends at or below data_lo.
 */
#ifndef STORAGE_STORE_H
#define STORAGE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <storage/blk.h>

#define STORE_VERSION	2	/* 2: the whole-store mark's area after the mapping areas */

enum {
	STORE_OK = 0,
	STORE_ENOSTORE = -1,	/* the card holds no store (no root has the magic) */
	STORE_EVERSION = -2,	/* a store of an unsupported version or geometry */
	STORE_EROOT = -3,	/* both roots damaged */
	STORE_EMAP = -4,	/* the mapping table is damaged or inconsistent */
	STORE_EGROUP = -5,	/* a group is damaged (CRC, header, an object or a reference) */
	STORE_EIO = -6,		/* the device failed (store_blk_error says how) */
	STORE_ENOSPC = -7,	/* no free group left */
	STORE_ENOMEM = -8,	/* the allocator failed */
	STORE_ETOOBIG = -9,	/* an object larger than the store can chunk */
	STORE_EINVAL = -10,	/* a bad argument or value graph */
	STORE_ENOTFOUND = -11,	/* the name is not bound */
	STORE_EBROKEN = -12,	/* an earlier write failed: close and reopen (last commit) */
	STORE_ESTALE = -13,	/* a persistent reference to an object a collection may have freed */
	STORE_ERANGE = -14,	/* a field index out of range */
};
const char *store_strerror(int err);

/* Memory for the store and the value arenas. free gets the size alloc was asked for. */
struct store_mem {
	void *(*alloc)(void *ctx, size_t n);
	void (*free)(void *ctx, void *p, size_t n);
	void *ctx;
};

/* ---- values: the neutral in-memory graph that a binding converts its objects to and from ----
 *
 * A value is a struct store_val node allocated in a store_arena; an arena is freed at once.
 * Pair and vector fields may be assigned after creation, so cycles are built as in Scheme:
 *	p = store_v_pair(a, x, nil); p->u.pair.cdr = p;
 * Integers: STORE_FIXNUM holds any int64; STORE_BIGNUM any other (sign + 32-bit limbs, least
 * significant first, no high zero limb). Decoding normalises: an integer that fits int64 comes
 * back as STORE_FIXNUM. Strings are bytes (the binding picks the encoding: UTF-8 suggested).
 * STORE_STORED links to an object already in the store instead of copying it: the oid of a
 * decoded pair, vector, string, symbol or bytevector (other nodes' oids mean nothing), valid
 * until the next store_collect.
 */
enum store_kind {
	STORE_NIL, STORE_FALSE, STORE_TRUE, STORE_FIXNUM, STORE_CHAR, STORE_PAIR, STORE_VECTOR,
	STORE_STRING, STORE_SYMBOL, STORE_BYTEVECTOR, STORE_BIGNUM, STORE_STORED,
};

typedef uint64_t store_oid;	/* (logical group << 32) | slot: a decoded node's, or none */

struct store_val {
	uint8_t kind;			/* enum store_kind */
	uint8_t negative;		/* STORE_BIGNUM */
	uint32_t len;			/* vector: elements; string etc.: bytes; bignum: limbs */
	union {
		int64_t fixnum;
		uint32_t ch;		/* a code point */
		struct { struct store_val *car, *cdr; } pair;
		struct store_val **elts;
		uint8_t *bytes;
		uint32_t *limbs;
	} u;
	store_oid oid;			/* decoded nodes: where it lives; STORE_STORED: the target */
	uint32_t pass, idx;		/* the encoder's scratch */
	uint32_t epoch, session;	/* STORE_STORED from store_v_ref: checked by the encoder */
	bool checked;
};

struct store_arena;
struct store_arena *store_arena_new(const struct store_mem *mem);
void store_arena_free(struct store_arena *a);
/* Constructors return NULL when the allocator fails. Byte and limb contents are copied. */
struct store_val *store_v_nil(struct store_arena *a);
struct store_val *store_v_bool(struct store_arena *a, bool b);
struct store_val *store_v_fixnum(struct store_arena *a, int64_t n);
struct store_val *store_v_char(struct store_arena *a, uint32_t ch);
struct store_val *store_v_pair(struct store_arena *a, struct store_val *car, struct store_val *cdr);
/* elements set to fill (which may be NULL: then every one must be set before use) */
struct store_val *store_v_vector(struct store_arena *a, uint32_t len, struct store_val *fill);
struct store_val *store_v_string(struct store_arena *a, const void *bytes, uint32_t len);
struct store_val *store_v_symbol(struct store_arena *a, const void *bytes, uint32_t len);
struct store_val *store_v_bytevector(struct store_arena *a, const void *bytes, uint32_t len);
struct store_val *store_v_bignum(struct store_arena *a, bool negative, const uint32_t *limbs,
				 uint32_t nlimbs);
struct store_val *store_v_stored(struct store_arena *a, store_oid oid);
struct store_ref;
/* A link to the object a persistent reference names (below): STORE_ESTALE from the encoder if
 * the reference is no longer good, never a link to another object. */
struct store_val *store_v_ref(struct store_arena *a, const struct store_ref *r);
/* Graph equality that respects sharing: true iff a and b are isomorphic graphs (a shared node in
 * one is shared in the other). STORE_STORED nodes compare by oid. */
bool store_v_equal(const struct store_mem *mem, const struct store_val *a,
		   const struct store_val *b);

/* ---- the store ---- */
struct store;

struct store_params {
	size_t cache_bytes;	/* RAM for cached groups (at least 4 groups); 0: 1 MiB */
	bool skip_verify;	/* open without reading every group (CRCs checked when loaded) */
	size_t mark_ram_bytes;	/* RAM for the whole-store mark (its bit pages and gray stack); 0:
				 * STORE_MARK_RAM_DEFAULT; at least a sector and 16 entries */
	char *detail;		/* if not NULL, open writes why it failed here */
	size_t detail_len;
};

/* Make an empty store on d (its data groups are not erased: they are free). A store already on
 * d keeps its count of writes per physical group, so wear levelling goes on across formats, and
 * a power cut during the format leaves either that store or the empty one. */
int store_format(struct blk_dev *d, const struct store_mem *mem);
/* Open the store on d at its last commit. */
int store_open(struct blk_dev *d, const struct store_mem *mem, const struct store_params *p,
	       struct store **out);
/* Forget what was not committed and free the store's RAM. */
void store_close(struct store *s);

/* Bind name (any bytes, at most STORE_NAME_MAX = 1024 of them) to a copy of v; v is not kept, but the encoder
 * writes the scratch fields (pass, idx) of its nodes. */
int store_set(struct store *s, const void *name, size_t len, struct store_val *v);
/* Unbind name: STORE_ENOTFOUND if it was not bound. */
int store_remove(struct store *s, const void *name, size_t len);
/* Decode the value bound to name into arena a. */
int store_ref(struct store *s, const void *name, size_t len, struct store_arena *a,
	      struct store_val **out);
/* The i-th bound name (i < store_stats().names), for listing; the bytes stay valid until the
 * next call that changes the names. */
int store_name_at(struct store *s, size_t i, const uint8_t **name, size_t *len);
/* Make every change since the last commit durable at once. */
int store_commit(struct store *s);

#define STORE_COLLECT_FULL	1u	/* also mark the whole store: reclaims cross-group cycles */
/* Collect every group that may hold garbage (each alone); with FULL, the whole-store mark.
 * Copy-on-write needs a free physical group for each group changed before the next commit: when
 * they run short, a collection commits by itself if no set, remove or field change waits for a
 * commit (the values are the same either side of it), else it stops with STORE_ENOSPC (the store
 * stays usable: commit, then collect again). */
int store_collect(struct store *s, unsigned flags);

/* ---- persistent cells (store_cell.c): stored pairs and vectors used in place ----
 * A program walks and changes a stored structure a field at a time, so only the groups it
 * touches are in RAM: a list far larger than the cache can be walked. A reference names a stored
 * pair or vector: its oid, the epoch of its group when it was taken and the store's session.
 * A group's epoch moves on whenever a collection frees an object in it, the session at every
 * open, so a reference to an object that may have been freed is STORE_ESTALE, never the object
 * that took its slot; take it again from its name. A field reads shallowly: a pair or vector as
 * another reference, anything else (immediates, strings, symbols, bytevectors, bignums) as its
 * value, decoded. */
struct store_ref {
	store_oid oid;
	uint32_t epoch, session;
	uint8_t kind;			/* STORE_PAIR or STORE_VECTOR */
};
/* A shallow read's result: *val (in arena a) for a value, else NULL and *ref for an object. */
int store_root(struct store *s, const void *name, size_t len, struct store_arena *a,
	       struct store_val **val, struct store_ref *ref);
/* Field i: a pair's car 0 and cdr 1, a vector's elements. STORE_ERANGE past the end. */
int store_field(struct store *s, const struct store_ref *r, uint64_t i, struct store_arena *a,
		struct store_val **val, struct store_ref *ref);
/* 2 for a pair, a vector's length. */
int store_length(struct store *s, const struct store_ref *r, uint64_t *len);
/* Field i := a copy of v (new objects placed in the field's group while it has room; a
 * STORE_STORED node links to a stored object instead), counts kept exact (S5); durable at the
 * next commit. What the field held before may become garbage: its group is collected later. */
int store_set_field(struct store *s, const struct store_ref *r, uint64_t i, struct store_val *v);
/* The whole object r names, decoded (as store_ref does for a name). */
int store_deref(struct store *s, const struct store_ref *r, struct store_arena *a,
		struct store_val **out);

struct store_stats {
	uint64_t seq;			/* the last commit's sequence number */
	uint32_t groups;		/* data groups on the card */
	uint32_t groups_mapped;		/* logical groups in use */
	uint32_t group_bytes;
	uint32_t cache_groups, cache_dirty;
	uint64_t cache_hits, cache_misses, writebacks;
	uint64_t bytes_free;		/* in mapped groups, plus the unmapped groups */
	uint32_t phys_free;		/* physical groups neither committed nor pending */
	size_t names;
	uint32_t erase_min, erase_max;	/* writes per physical group */
	uint64_t erase_total;		/* writes over all physical groups (the mean: / groups) */
	uint64_t ram_bytes;		/* the store's RAM now: table, cache, scratch, names */
	uint64_t collections, full_collections, objects_freed;
	uint64_t map_sectors_written;	/* by commits: only the sectors that changed */
	uint64_t collect_commits;	/* commits a collection made to free groups (S2 needs room) */
	int fell_back;			/* open found the newer root damaged and used the other */
	uint64_t table_ram_bytes;	/* RAM for the mapping table and per-group state */
	/* the whole-store mark: its bits' sectors read from and written to the card's mark area
	 * (beyond the RAM it may use), and the groups it rescanned when its gray stack was full */
	uint64_t mark_sectors_read, mark_sectors_written, mark_rescans;
	uint64_t mark_ram_bytes;	/* RAM the whole-store mark uses while it runs */
	uint64_t mark_area_bytes;	/* the card's area for its bits */
	uint64_t encodes_undone;	/* failed sets whose objects were freed at once */
	uint64_t auto_collections;	/* collections a set ran itself, finding the store full */
};
int store_stats(struct store *s, struct store_stats *st);

/* Verify every invariant (S1-S6) over the whole store, recounting every link; STORE_OK or the
 * first problem's error, described in msg. Loads every group: a test and repair tool. */
int store_check(struct store *s, char *msg, size_t msglen);
/* The device error behind the last STORE_EIO. */
int store_blk_error(const struct store *s);

#endif
