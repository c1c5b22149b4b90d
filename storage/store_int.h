/* store_int.h -- the store's internals, shared by storage/store_*.c: the on-card formats (root,
 * mapping sectors, groups, objects, cells; docs/store.md), the per-group RAM state and the
 * cache. Not for users of the store: storage/store.h is the interface. */
#ifndef STORAGE_STORE_INT_H
#define STORAGE_STORE_INT_H

#include <string.h>

#include <storage/crc32c.h>
#include <storage/store.h>
#include <storage/store_param.h>
#include <storage/store_trace.h>

#define STORE_MAGIC		0x53544f52u	/* the struct store's */
#define ROOT_MAGIC		0x31525453u	/* "STR1" */
#define MAP_MAGIC		0x50414d53u	/* "SMAP" */
#define GRP_MAGIC		0x50524753u	/* "SGRP" */
#define NONE			0xffffffffu

/* ---- little-endian access: the card's byte order on every CPU ---- */
static inline uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static inline void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); p[2] = (uint8_t)(v >> 16); p[3] = (uint8_t)(v >> 24);
}
static inline uint64_t get64(const uint8_t *p)
{
	return (uint64_t)get32(p) | (uint64_t)get32(p + 4) << 32;
}
static inline void put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)v);
	put32(p + 4, (uint32_t)(v >> 32));
}

/* ---- the root (one sector; slot seq % 2 of sectors 0 and 1) ---- */
enum {
	R_MAGIC = 0, R_VERSION = 4, R_SEQ = 8, R_GSEC = 16, R_NGROUPS = 20, R_META = 24,
	R_MAPSEC = 28, R_NAMES = 32, R_MAPCRC = 40, R_MARKSEC = 44, R_CRC = BLK_SECTOR - 4,
};

/* ---- a mapping sector: header, then (physical group of logical i, writes of physical i). A
 * commit rewrites only the sectors of its area that changed since that area was last written;
 * M_SEQ says which commit wrote the sector, and the root's R_MAPCRC (a CRC over every
 * sector's entry CRC) ties the area's sectors to the root. ---- */
enum { M_MAGIC = 0, M_INDEX = 4, M_SEQ = 8, M_CRC = 12, M_HDR = 16 };
#define MAP_PER_SECTOR	((BLK_SECTOR - M_HDR) / 8)

/* ---- a group: header, slot table (u32 offsets, 0 = free) growing up, objects growing down ---- */
enum {
	G_MAGIC = 0, G_LOGICAL = 4, G_SEQ = 8, G_NSLOTS = 12, G_DATALO = 16, G_FLAGS = 20,
	G_FREEHINT = 24,	/* every slot below it is in use: allocation searches from here */
	G_CRC = 28, G_HDR = 32,
};
#define GF_COLLECT	1u	/* a count fell to zero here: the group may hold garbage */
/* The most slots a group can have: a slot is made only when every slot before it holds an object
 * (grp_alloc), and each costs its 4 bytes plus an object of at least O_HDR bytes. grp_verify
 * refuses more, and the whole-store mark's area on the card has this many bits per group. */
#define GRP_MAXSLOTS(gbytes)	(((gbytes) - G_HDR) / (4 + O_HDR))

/* ---- an object: word0 = type | flags | payload bytes << 8; word1 = count; payload, 8-aligned ---- */
enum {
	T_PAIR = 1, T_VECTOR, T_STRING, T_SYMBOL, T_BYTES, T_BIGNUM, T_NAMES, T_CHUNKV, T_CHUNKB,
	T_NAMEB,		/* a bucket of the names table: (length, cell, name) entries */
	T_LAST = T_NAMEB,
};
#define OF_CHUNKED	0x10u	/* payload: u64 length, then references to the chunks */
#define OF_NEGATIVE	0x20u	/* a negative bignum */
#define O_HDR		8u
#define OBJ_TYPE(w)	((w) & 0xfu)
#define OBJ_SIZE(w)	((w) >> 8)
static inline uint32_t obj_total(uint32_t payload)
{
	return O_HDR + ((payload + 7u) & ~7u);
}

/* ---- cells: 8 bytes; the low 3 bits are the tag ---- */
enum { C_REF = 0, C_FIX = 1, C_CHAR = 2, C_SPECIAL = 3 };
enum { SP_NIL = 0, SP_FALSE = 1, SP_TRUE = 2 };
#define FIX_MIN		(-((int64_t)1 << 60))
#define FIX_MAX		(((int64_t)1 << 60) - 1)
static inline uint64_t cell_ref(uint32_t lg, uint32_t slot)
{
	return (uint64_t)lg << 32 | (uint64_t)slot << 3 | C_REF;
}
static inline uint32_t cell_lg(uint64_t c) { return (uint32_t)(c >> 32); }
static inline uint32_t cell_slot(uint64_t c) { return (uint32_t)c >> 3; }
static inline uint64_t oid_cell(store_oid o) { return cell_ref((uint32_t)(o >> 32), (uint32_t)o); }
static inline store_oid cell_oid(uint64_t c) { return (uint64_t)cell_lg(c) << 32 | cell_slot(c); }

/* ---- RAM state ---- */
#define GI_USED		1u	/* the logical group holds objects (or is being filled) */
#define GI_COLLECT	2u	/* GF_COLLECT, mirrored */
#define GI_KNOWN	4u	/* nslots and free are known (the group was read) */
#define GI_GRAY		8u	/* the whole-store mark: rescan the black objects here (its stack overflowed) */

struct store_group {		/* per logical group */
	uint32_t phys;		/* where it is now (NONE: only in the cache, or unmapped) */
	uint32_t cphys;		/* where the last commit has it */
	uint32_t free;		/* bytes between the slot table and data_lo */
	uint32_t nslots;
	uint32_t epoch;		/* moves on when a collection frees an object here (store_ref) */
	uint8_t flags;		/* GI_* */
};

#define PS_COMMITTED	1u	/* the last commit maps it: never written (S2) */
#define PS_PENDING	2u	/* the current map has it */

struct store_cslot {		/* a cache slot */
	uint8_t *buf;		/* group_bytes */
	uint32_t lg;		/* NONE: empty */
	uint8_t dirty;
	uint64_t used;		/* LRU stamp */
};

struct store_name {
	uint8_t *name;
	uint32_t len;
	uint64_t cell;
};

struct store {
	uint32_t magic;			/* STORE_MAGIC */
	struct blk_dev *d;
	struct store_mem mem;
	uint32_t gsec, gbytes;		/* a group's sectors and bytes */
	uint32_t ngroups;		/* data groups (= logical ids = physical groups) */
	uint32_t meta;			/* device groups before the first data group */
	uint32_t mapsec;		/* sectors of one mapping area */
	uint32_t markfirst, marksec;	/* the whole-store mark's area: first sector, sectors */
	uint32_t maxslots;		/* GRP_MAXSLOTS(gbytes): the mark area's bits per group */
	size_t mark_ram;		/* RAM the whole-store mark may use (store_params.mark_ram_bytes) */
	uint32_t maxpay;		/* largest payload of one object */
	uint32_t lg_cap;		/* logical groups usable (ngroups less the copy-on-write reserve) */
	uint64_t seq;			/* the last commit's */
	struct store_group *g;		/* [ngroups] */
	uint32_t *writes;		/* [ngroups] per physical group */
	uint8_t *pstate;		/* [ngroups] PS_*: change it with pstate_set */
	uint32_t pfree;			/* physical groups with pstate 0 */
	uint64_t *msec_changed;		/* [mapsec] the commit whose map changed the sector last */
	uint32_t *msec_crc;		/* [mapsec] CRC of each sector's entries as they are now */
	uint32_t root_mapcrc;		/* R_MAPCRC of the root open read */
	uint64_t area_seq[2];		/* the commit each mapping area holds; AREA_UNKNOWN */
	struct store_cslot *cache;
	uint32_t ncache;
	uint64_t tick;
	uint8_t *scratch;		/* one group: compaction, verification */
	uint8_t *sector;		/* one sector */
	uint8_t *occ;			/* gbytes / 64: grp_verify's occupancy bitmap */
	uint8_t *marks;			/* gbytes / 64: a group collection's mark bits */
	struct store_name *names;
	size_t nnames, capnames;
	int names_dirty;
	int pending;			/* a change the user made (set, remove, field) waits for a commit */
	uint32_t nbuckets;		/* the names table's buckets (a power of two; 0: none yet) */
	uint64_t *bucket_cell;		/* [nbuckets] each bucket's object, as the last save wrote it */
	uint8_t *bucket_dirty;		/* [nbuckets] a name in it changed since */
	uint64_t *live_bucket;		/* [nlive] the buckets names_cell's index names: roots of
					 * their groups (the index's links to them are not counted) */
	uint32_t nlive;
	uint64_t names_cell;		/* the names table object (C_SPECIAL nil: none) */
	uint32_t alloc_lg;		/* where new objects go; NONE: choose */
	uint32_t lg_cursor;
	uint32_t pass;			/* the encoder's */
	store_oid *made;		/* while encoding: every object made, to undo a failure */
	size_t nmade, capmade;
	int logging;			/* made is being kept */
	int enc_raw;			/* the last encode linked a store_v_stored oid */
	uint32_t reserve;		/* free groups an operation under way keeps (room_to_dirty)
					 * for the groups it dirties later without a check */
	uint32_t session;		/* a number no other open of this process had (store_ref) */
	int broken, blk_err, fell_back;
	struct store_stats st;
};

#define AREA_UNKNOWN	UINT64_MAX

/* entry i of the mapping (logical i's group, physical i's writes) changes in the next commit */
static inline void map_changed(struct store *s, uint32_t i)
{
	s->msec_changed[i / MAP_PER_SECTOR] = s->seq + 1;
}

static inline void pstate_set(struct store *s, uint32_t p, uint8_t v)
{
	s->pfree += (v == 0) - (s->pstate[p] == 0);
	s->pstate[p] = v;
}

/* store.c: layout, open, commit */
int store_fail_io(struct store *s, int blk_err);
uint32_t store_dirty_groups(const struct store *s);
uint32_t store_phys_needed(const struct store *s);
void *store_alloc(struct store *s, size_t n);
void store_free(struct store *s, void *p, size_t n);
void *store_realloc(struct store *s, void *p, size_t old, size_t n);

/* store_group.c: the group image and the cache */
void grp_init(struct store *s, uint8_t *b, uint32_t lg);
int grp_verify(struct store *s, const uint8_t *b, uint32_t lg, char *why, size_t whylen);
uint32_t grp_free(const struct store *s, const uint8_t *b);
int grp_alloc(struct store *s, uint8_t *b, uint32_t type, uint32_t flags, uint32_t payload);
void grp_compact(struct store *s, uint8_t *b);
void grp_seal(struct store *s, uint8_t *b, uint32_t lg);
int store_load(struct store *s, uint32_t lg, uint8_t **buf);
void store_dirty(struct store *s, uint32_t lg);
int store_writeback_all(struct store *s);
void store_drop(struct store *s, uint32_t lg);
int store_new_group(struct store *s, uint32_t *lg);
void store_unmap(struct store *s, uint32_t lg);
void store_note(struct store *s, uint32_t lg, const uint8_t *b);
/* the object at oid, its group loaded (and marked dirty if dirty): STORE_EGROUP if none */
int store_obj(struct store *s, store_oid oid, int dirty, uint8_t **obj);
int store_rc_add(struct store *s, uint64_t cell, uint32_t from_lg, int delta);

/* cells_of: the strong references of an object (where its cells are, how many) */
void obj_cells(const uint8_t *obj, uint32_t *first, uint32_t *n);

/* store_enc.c: placement, encode and decode */
int store_alloc_obj(struct store *s, uint32_t type, uint32_t flags, uint32_t payload, store_oid *oid);
int store_encode(struct store *s, struct store_val *v, uint64_t *cell);
int store_decode(struct store *s, uint64_t cell, struct store_arena *a, struct store_val **out);
int store_put_bytes(struct store *s, uint32_t type, const uint8_t *bytes, uint32_t len,
		    store_oid *oid);
int store_get_bytes(struct store *s, store_oid oid, uint32_t type, uint8_t **bytes, uint32_t *len);

/* store_names.c */
int store_names_save(struct store *s);
int store_names_load(struct store *s);
int store_bind(struct store *s, const void *name, size_t len, uint64_t cell);

/* store_cell.c */
int store_ref_check(struct store *s, const struct store_val *v);
int store_shallow(struct store *s, uint64_t c, struct store_arena *a, struct store_val **val,
		  struct store_ref *ref);

/* store_collect.c */
int store_collect_group(struct store *s, uint32_t lg);
int store_free_new(struct store *s, const store_oid *oids, size_t n);

#endif
