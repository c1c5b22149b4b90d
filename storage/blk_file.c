/* blk_file.c -- the block device contract (storage/blk.h) on a host file: pread/pwrite, erase
 * writes the erased byte over the group, sync is fsync. Host only. */
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <storage/blk_file.h>

static int fd_of(struct blk_dev *d)
{
	return ((struct blk_file *)d->priv)->fd;
}

static int xfer(int fd, uint64_t off, size_t n, void *rbuf, const void *wbuf)
{
	while (n) {
		ssize_t k = rbuf ? pread(fd, rbuf, n, (off_t)off) : pwrite(fd, wbuf, n, (off_t)off);

		if (k <= 0)
			return BLK_EIO;
		n -= (size_t)k;
		off += (uint64_t)k;
		if (rbuf)
			rbuf = (uint8_t *)rbuf + k;
		else
			wbuf = (const uint8_t *)wbuf + k;
	}
	return BLK_OK;
}

static int file_read(struct blk_dev *d, uint32_t sector, uint32_t count, void *buf)
{
	return xfer(fd_of(d), (uint64_t)sector * BLK_SECTOR, (size_t)count * BLK_SECTOR, buf, NULL);
}

static int file_program(struct blk_dev *d, uint32_t sector, uint32_t count, const void *buf)
{
	return xfer(fd_of(d), (uint64_t)sector * BLK_SECTOR, (size_t)count * BLK_SECTOR, NULL, buf);
}

static int fill(int fd, uint64_t off, uint64_t n, uint8_t byte)
{
	uint8_t buf[4096];

	memset(buf, byte, sizeof(buf));
	while (n) {
		size_t k = n < sizeof(buf) ? (size_t)n : sizeof(buf);
		int e = xfer(fd, off, k, NULL, buf);

		if (e)
			return e;
		off += k;
		n -= k;
	}
	return BLK_OK;
}

static int file_erase(struct blk_dev *d, uint32_t group)
{
	uint64_t bytes = (uint64_t)d->group_sectors * BLK_SECTOR;

	return fill(fd_of(d), group * bytes, bytes, d->erased_byte);
}

static int file_sync(struct blk_dev *d)
{
	return fsync(fd_of(d)) == 0 ? BLK_OK : BLK_EIO;
}

static const struct blk_ops file_ops = {
	.read = file_read, .program = file_program, .erase = file_erase, .sync = file_sync,
};

int blk_file_open(struct blk_file *f, const char *path, uint32_t group_sectors,
		  uint32_t group_count, uint8_t erased_byte, int create)
{
	uint64_t size = (uint64_t)group_sectors * group_count * BLK_SECTOR;
	struct stat st;

	memset(f, 0, sizeof(*f));
	if (group_sectors == 0 || (group_sectors & (group_sectors - 1)) || group_count == 0)
		return BLK_ENODEV;
	f->fd = open(path, O_RDWR | (create ? O_CREAT : 0), 0644);
	if (f->fd < 0)
		return BLK_ENODEV;
	if (fstat(f->fd, &st) != 0 ||
	    ((uint64_t)st.st_size < size && fill(f->fd, (uint64_t)st.st_size,
						 size - (uint64_t)st.st_size, erased_byte))) {
		close(f->fd);
		f->fd = -1;
		return BLK_ENODEV;
	}
	f->dev.magic = BLK_MAGIC;
	f->dev.ops = &file_ops;
	f->dev.name = "file";
	f->dev.group_sectors = group_sectors;
	f->dev.group_count = group_count;
	f->dev.erased_byte = erased_byte;
	f->dev.priv = f;
	return BLK_OK;
}

void blk_file_close(struct blk_file *f)
{
	if (f->fd >= 0)
		close(f->fd);
	f->fd = -1;
	f->dev.magic = 0;
}
