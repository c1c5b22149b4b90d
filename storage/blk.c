/* blk.c -- the checked entry points of the block device contract (storage/blk.h): range
 * checks and counters once, for every implementation. */
#include <stddef.h>

#include <storage/blk.h>

static int check(const struct blk_dev *d)
{
	return d != NULL && d->magic == BLK_MAGIC && d->ops != NULL ? BLK_OK : BLK_ENODEV;
}

static int range(const struct blk_dev *d, uint32_t sector, uint32_t count)
{
	uint32_t n = blk_sectors(d);

	return sector <= n && count <= n - sector ? BLK_OK : BLK_ERANGE;
}

int blk_read(struct blk_dev *d, uint32_t sector, uint32_t count, void *buf)
{
	int e = check(d);

	if (e == BLK_OK)
		e = range(d, sector, count);
	if (e != BLK_OK || count == 0)
		return e;
	d->reads++;
	d->sectors_read += count;
	return d->ops->read(d, sector, count, buf);
}

int blk_program(struct blk_dev *d, uint32_t sector, uint32_t count, const void *buf)
{
	int e = check(d);

	if (e == BLK_OK)
		e = range(d, sector, count);
	if (e != BLK_OK || count == 0)
		return e;
	d->programs++;
	d->sectors_programmed += count;
	return d->ops->program(d, sector, count, buf);
}

int blk_erase(struct blk_dev *d, uint32_t group)
{
	int e = check(d);

	if (e != BLK_OK)
		return e;
	if (group >= d->group_count)
		return BLK_ERANGE;
	d->erases++;
	return d->ops->erase(d, group);
}

int blk_sync(struct blk_dev *d)
{
	int e = check(d);

	if (e != BLK_OK)
		return e;
	d->syncs++;
	return d->ops->sync(d);
}

const char *blk_strerror(int err)
{
	switch (err) {
	case BLK_OK: return "ok";
	case BLK_EIO: return "device error";
	case BLK_ETIMEDOUT: return "device timeout";
	case BLK_ERANGE: return "out of range";
	case BLK_EPOWER: return "power cut";
	case BLK_ENODEV: return "no device";
	default: return "unknown error";
	}
}
