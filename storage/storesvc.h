/* storesvc.h -- the store service: one pinned thread owns the SD store (storage/store.h: no
 * locks, one user at a time) and serves requests that Scheme threads on any CPU post and wait
 * for. A request lives on its poster's stack until the service marks it done. */
#ifndef STORAGE_STORESVC_H
#define STORAGE_STORESVC_H

#include <stdbool.h>
#include <stddef.h>

#include <storage/store.h>

enum store_op {
	STORE_OP_OPEN, STORE_OP_FORMAT, STORE_OP_SET, STORE_OP_REF, STORE_OP_REMOVE,
	STORE_OP_COMMIT, STORE_OP_COLLECT, STORE_OP_STATS,
	STORE_OP_ROOT, STORE_OP_FIELD, STORE_OP_SET_FIELD, STORE_OP_LENGTH, STORE_OP_DEREF,
};

/* Extra errors of the service (beside store.h's). */
enum {
	STORE_ENODEV = -100,	/* no card: the service was not started with a device */
	STORE_ENOTOPEN = -101,	/* no store open: (store-open) or (store-format!) first */
};

struct store_req {
	enum store_op op;
	const void *name;		/* SET, REF, REMOVE, ROOT */
	size_t len;
	struct store_val *val;		/* SET, SET_FIELD: in; REF, ROOT, FIELD, DEREF: out, into arena */
	struct store_arena *arena;	/* REF, ROOT, FIELD, DEREF */
	struct store_ref ref;		/* FIELD, SET_FIELD, LENGTH, DEREF: the object */
	uint64_t index;			/* FIELD, SET_FIELD: the field; LENGTH: out */
	struct store_ref out;		/* ROOT, FIELD: the object read, when val is NULL */
	unsigned flags;			/* COLLECT: STORE_COLLECT_FULL */
	struct store_stats stats;	/* STATS: out */
	char detail[96];		/* OPEN: why it failed */
	int rc;				/* out: STORE_OK or an error */
	struct store_req *next;		/* the service's queue (its lock) */
	bool done;			/* set by the service under its lock */
};

/* Start the service on cpu for device d (NULL: no card; every request is STORE_ENODEV), with
 * cache_bytes of group cache (0: the store's default). mem must be thread-safe: posters make
 * value arenas with it. 0, or -1 if the thread could not start. */
int store_svc_start(struct blk_dev *d, const struct store_mem *mem, unsigned cpu,
		    size_t cache_bytes);
/* The device the store sees (the card, or its view in 64 KiB groups), or NULL. */
const struct blk_dev *store_svc_device(void);
/* The allocator the service was started with (for the posters' arenas), or NULL. */
const struct store_mem *store_svc_mem(void);
/* Post r and sleep until the service has done it; returns r->rc. From a scheduler thread. */
int store_svc_call(struct store_req *r);
const char *store_svc_strerror(int rc);

#endif
