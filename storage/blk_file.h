/* blk_file.h -- a block device on a host file (storage/blk.h), for the host tests and the hosted
 * Scheme. Host only: uses POSIX. */
#ifndef STORAGE_BLK_FILE_H
#define STORAGE_BLK_FILE_H

#include <storage/blk.h>

struct blk_file {
	struct blk_dev dev;
	int fd;
};

/*
 * Open path as a device of group_count groups of group_sectors sectors. A file shorter than
 * that (or a new one, if create) is extended with erased_byte (0x00 or 0xff); a longer one is
 * used up to that size. Returns BLK_OK or BLK_ENODEV (errno says why).
 */
int blk_file_open(struct blk_file *f, const char *path, uint32_t group_sectors,
		  uint32_t group_count, uint8_t erased_byte, int create);
void blk_file_close(struct blk_file *f);

#endif
