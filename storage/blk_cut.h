/* blk_cut.h -- a test block device (storage/blk.h) on a RAM image that cuts the power during the
 * N-th program or erase (littlefs's emubd): the call in flight leaves each of its sectors old,
 * new or garbage at random (each sector alone, or all old, all new, or new in order up to a
 * damaged one: a multi-sector program can be torn), every sector programmed
 * since the last sync may also be lost, and after the cut every call returns BLK_EPOWER.
 * "Power back on" is blk_cut_power_on, then reopening the store from the same image. Host only. */
#ifndef STORAGE_BLK_CUT_H
#define STORAGE_BLK_CUT_H

#include <stddef.h>

#include <storage/blk.h>

struct blk_cut_saved;

struct blk_cut {
	struct blk_dev dev;
	uint8_t *image;			/* the medium, blk_sectors(&dev) * BLK_SECTOR bytes */
	uint64_t rng;			/* xorshift64 state, from the seed */
	uint64_t writes;		/* programs and erases since blk_cut_arm */
	uint64_t cut_at;		/* the program or erase that the cut interrupts; 0: never */
	int cut;			/* the power is off */
	int lose_unsynced;		/* at the cut, programs since the last sync may be undone */
	/* sectors programmed since the last sync, with their bytes before: the volatile cache */
	struct blk_cut_saved *saved;
	size_t nsaved, capsaved;
	/* what the cuts did, for the tests' reports */
	uint64_t cuts, torn, garbage_sectors, lost_sectors;
};

/* A device on image (already holding the medium's bytes; blk_cut_init does not clear it). */
int blk_cut_init(struct blk_cut *c, uint8_t *image, uint32_t group_sectors, uint32_t group_count,
		 uint8_t erased_byte, uint64_t seed);
void blk_cut_fini(struct blk_cut *c);
/* Cut the power during the n-th program or erase from now (n >= 1); 0 never. */
void blk_cut_arm(struct blk_cut *c, uint64_t n);
/* Power back on: calls work again, on the image as the cut left it. */
void blk_cut_power_on(struct blk_cut *c);

#endif
