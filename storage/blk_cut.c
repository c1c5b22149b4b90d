/* blk_cut.c -- the power-cutting test device (storage/blk_cut.h). What a cut leaves follows the
 * contract of storage/blk.h exactly: the call in flight leaves each sector old, new or garbage
 * (each at random, or all old, all new, or new in order up to a damaged one);
 * a completed program not yet followed by a sync may be old, new or garbage too; nothing else
 * changes. Host only (malloc). */
#include <stdlib.h>
#include <string.h>

#include <storage/blk_cut.h>

struct blk_cut_saved {
	uint32_t sector;
	uint8_t old[BLK_SECTOR];
};

static struct blk_cut *cut_of(struct blk_dev *d)
{
	return d->priv;
}

static uint64_t rnd(struct blk_cut *c)
{
	c->rng ^= c->rng << 13;
	c->rng ^= c->rng >> 7;
	c->rng ^= c->rng << 17;
	return c->rng;
}

static uint8_t *sec(struct blk_cut *c, uint32_t s)
{
	return c->image + (size_t)s * BLK_SECTOR;
}

/* One sector hit by the cut: old (as it is), new, garbage, or new up to a random byte. */
static void damage(struct blk_cut *c, uint32_t s, const uint8_t *newb)
{
	uint8_t *p = sec(c, s);
	unsigned k, what = (unsigned)(rnd(c) % 4);

	if (what == 1) {
		memcpy(p, newb, BLK_SECTOR);
	} else if (what == 2) {
		for (k = 0; k < BLK_SECTOR; k++)
			p[k] = (uint8_t)rnd(c);
		c->garbage_sectors++;
	} else if (what == 3) {
		k = (unsigned)(rnd(c) % BLK_SECTOR);
		memcpy(p, newb, k);
		c->garbage_sectors++;
	}
}

/* The cut itself: undo or damage what the volatile cache held, then the call in flight. */
static int power_cut(struct blk_cut *c)
{
	c->cut = 1;
	c->cuts++;
	if (c->lose_unsynced) {
		uint8_t cur[BLK_SECTOR];

		for (size_t i = c->nsaved; i-- > 0;) {
			struct blk_cut_saved *sv = &c->saved[i];

			if (rnd(c) % 3 == 0)
				continue;	/* this one reached the medium */
			memcpy(cur, sec(c, sv->sector), BLK_SECTOR);
			memcpy(sec(c, sv->sector), sv->old, BLK_SECTOR);
			damage(c, sv->sector, cur);
			c->lost_sectors++;
		}
	}
	c->nsaved = 0;
	return BLK_EPOWER;
}

static int counts_write(struct blk_cut *c)
{
	if (c->cut)
		return BLK_EPOWER;
	c->writes++;
	return c->cut_at && c->writes == c->cut_at;
}

static void remember(struct blk_cut *c, uint32_t s)
{
	if (!c->lose_unsynced)
		return;
	if (c->nsaved == c->capsaved) {
		size_t cap = c->capsaved ? 2 * c->capsaved : 64;
		struct blk_cut_saved *n = realloc(c->saved, cap * sizeof(*n));

		if (!n)
			abort();
		c->saved = n;
		c->capsaved = cap;
	}
	c->saved[c->nsaved].sector = s;
	memcpy(c->saved[c->nsaved].old, sec(c, s), BLK_SECTOR);
	c->nsaved++;
}

static int cut_read(struct blk_dev *d, uint32_t sector, uint32_t count, void *buf)
{
	struct blk_cut *c = cut_of(d);

	if (c->cut)
		return BLK_EPOWER;
	memcpy(buf, sec(c, sector), (size_t)count * BLK_SECTOR);
	return BLK_OK;
}

static int cut_program(struct blk_dev *d, uint32_t sector, uint32_t count, const void *buf)
{
	struct blk_cut *c = cut_of(d);
	const uint8_t *b = buf;
	int k = counts_write(c);

	if (k < 0)
		return k;
	if (k) {
		int firstnew = 0, firstold = 0;
		/* each sector at random; or none; or all; or in order up to a random sector, which is
		 * damaged (a card writing its sectors one after another) */
		unsigned how = (unsigned)(rnd(c) % 4), upto = (unsigned)(rnd(c) % count);

		for (uint32_t i = 0; i < count; i++) {
			const uint8_t *nb = b + (size_t)i * BLK_SECTOR;

			if (how == 0)
				damage(c, sector + i, nb);
			else if (how == 2 || (how == 3 && i < upto))
				memcpy(sec(c, sector + i), nb, BLK_SECTOR);
			else if (how == 3 && i == upto)
				damage(c, sector + i, nb);
			if (memcmp(sec(c, sector + i), nb, BLK_SECTOR) == 0)
				firstnew = 1;
			else
				firstold = 1;
		}
		if (firstnew && firstold)
			c->torn++;
		return power_cut(c);
	}
	for (uint32_t i = 0; i < count; i++) {
		remember(c, sector + i);
		memcpy(sec(c, sector + i), b + (size_t)i * BLK_SECTOR, BLK_SECTOR);
	}
	return BLK_OK;
}

static int cut_erase(struct blk_dev *d, uint32_t group)
{
	struct blk_cut *c = cut_of(d);
	uint32_t first = group * d->group_sectors;
	uint8_t erased[BLK_SECTOR];
	int k = counts_write(c);

	if (k < 0)
		return k;
	memset(erased, d->erased_byte, sizeof(erased));
	for (uint32_t i = 0; i < d->group_sectors; i++) {
		if (k)
			damage(c, first + i, erased);
		else
			memcpy(sec(c, first + i), erased, BLK_SECTOR);
	}
	return k ? power_cut(c) : BLK_OK;
}

static int cut_sync(struct blk_dev *d)
{
	struct blk_cut *c = cut_of(d);

	if (c->cut)
		return BLK_EPOWER;
	c->nsaved = 0;
	return BLK_OK;
}

static const struct blk_ops cut_ops = {
	.read = cut_read, .program = cut_program, .erase = cut_erase, .sync = cut_sync,
};

int blk_cut_init(struct blk_cut *c, uint8_t *image, uint32_t group_sectors, uint32_t group_count,
		 uint8_t erased_byte, uint64_t seed)
{
	memset(c, 0, sizeof(*c));
	if (group_sectors == 0 || (group_sectors & (group_sectors - 1)) || group_count == 0)
		return BLK_ENODEV;
	c->image = image;
	c->rng = seed ? seed : 0x9e3779b97f4a7c15ull;
	c->lose_unsynced = 1;
	c->dev.magic = BLK_MAGIC;
	c->dev.ops = &cut_ops;
	c->dev.name = "cut";
	c->dev.group_sectors = group_sectors;
	c->dev.group_count = group_count;
	c->dev.erased_byte = erased_byte;
	c->dev.priv = c;
	return BLK_OK;
}

void blk_cut_fini(struct blk_cut *c)
{
	free(c->saved);
	c->saved = NULL;
	c->nsaved = c->capsaved = 0;
	c->dev.magic = 0;
}

void blk_cut_arm(struct blk_cut *c, uint64_t n)
{
	c->writes = 0;
	c->cut_at = n;
}

void blk_cut_power_on(struct blk_cut *c)
{
	c->cut = 0;
	c->cut_at = 0;
	c->writes = 0;
	c->nsaved = 0;
}
