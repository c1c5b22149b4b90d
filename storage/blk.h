/* blk.h -- the block device contract under the SD store (littlefs's lfs_config and bd/): read,
 * program, erase and sync on sectors grouped into erase groups, with what each call guarantees
 * after a power cut. Implemented by the SD driver (storage/sdhci.c), by a file on the hosted
 * build (storage/blk_file.c) and by a test device that cuts the power (storage/blk_cut.c). */
#ifndef STORAGE_BLK_H
#define STORAGE_BLK_H

#include <stdbool.h>
#include <stdint.h>

#define BLK_MAGIC	0x424c4b31u	/* "BLK1" */
#define BLK_SECTOR	512u		/* every device's sector size */

/* Errors: every call returns 0 or one of these, never hangs (a device timeout is BLK_ETIMEDOUT). */
enum {
	BLK_OK = 0,
	BLK_EIO = -1,		/* the device reported an error (CRC, command, data) */
	BLK_ETIMEDOUT = -2,	/* the device did not answer in time */
	BLK_ERANGE = -3,	/* sector or group outside the device */
	BLK_EPOWER = -4,	/* the test device's power is cut: nothing more reaches the medium */
	BLK_ENODEV = -5,	/* no device, or it failed to initialise */
};

struct blk_dev;

/*
 * The operations. All take sector or group numbers, never byte addresses; buffers are any
 * alignment. A device is used by one thread at a time (the store service): no call is
 * reentrant and a device needs no lock of its own.
 *
 * What holds after a power cut in the middle of a call (assume nothing more):
 * - read: nothing changes.
 * - program(sector, count): each sector of the range holds its old bytes, its new bytes, or
 *   garbage; sectors outside the range are untouched. A program completed before the cut is
 *   durable only if sync returned after it.
 * - erase(group): every sector of the group holds its old bytes, the erased value, or garbage;
 *   other groups are untouched.
 * - sync: the calls completed before it are durable when it returns 0.
 * Programming a sector that was not erased since it was last programmed is allowed (SD cards
 * remap internally): the store never relies on erase-before-program, only on erase as a hint
 * of a whole group's end of life. The erased value is device-specific (0x00 or 0xff):
 * erased_byte says which.
 */
struct blk_ops {
	int (*read)(struct blk_dev *d, uint32_t sector, uint32_t count, void *buf);
	int (*program)(struct blk_dev *d, uint32_t sector, uint32_t count, const void *buf);
	int (*erase)(struct blk_dev *d, uint32_t group);
	int (*sync)(struct blk_dev *d);
};

struct blk_dev {
	uint32_t magic;			/* BLK_MAGIC */
	const struct blk_ops *ops;
	const char *name;		/* "sdhci", "file", "cut" */
	uint32_t group_sectors;		/* sectors per erase group (a power of two) */
	uint32_t group_count;		/* erase groups on the device */
	uint8_t erased_byte;		/* what an erased sector reads as */
	void *priv;			/* the implementation's state */
	/* Counters, written by the one thread that uses the device. */
	uint64_t reads, programs, erases, syncs;	/* calls */
	uint64_t sectors_read, sectors_programmed;
};

static inline uint32_t blk_sectors(const struct blk_dev *d)
{
	return d->group_sectors * d->group_count;
}

/* The calls, checked: range errors and the counters here, once for every implementation. */
int blk_read(struct blk_dev *d, uint32_t sector, uint32_t count, void *buf);
int blk_program(struct blk_dev *d, uint32_t sector, uint32_t count, const void *buf);
int blk_erase(struct blk_dev *d, uint32_t group);
int blk_sync(struct blk_dev *d);
const char *blk_strerror(int err);

#endif
