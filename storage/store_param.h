/* store_param.h -- the store's tunables (storage/store.h). */
#ifndef STORAGE_STORE_PARAM_H
#define STORAGE_STORE_PARAM_H

#define STORE_CACHE_DEFAULT	(1u << 20)	/* RAM for cached groups when the caller says 0 */
#define STORE_CACHE_MIN_GROUPS	4u		/* a collection touches two groups at once */
#define STORE_OBJ_DIV		4u		/* an object is at most a quarter of a group */
#define STORE_NAME_MAX		1024u		/* bytes of a bound name */
#define STORE_MARK_RAM_DEFAULT	(32u << 10)	/* the whole-store mark: half bit pages, half stack */
#define STORE_REMOVE_ROOM	4u		/* free groups beyond the dirty ones a remove leaves */
#define STORE_SET_ROOM		2u		/* groups a set or a field dirties after its encode */
#define STORE_NAMES_BUCKET	2048u		/* bytes of names per bucket of the names table */

#endif
