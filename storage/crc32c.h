/* crc32c.h -- CRC-32C (Castagnoli), the checksum of every structure the store writes. */
#ifndef STORAGE_CRC32C_H
#define STORAGE_CRC32C_H

#include <stddef.h>
#include <stdint.h>

/* crc of n bytes continuing from crc (start with 0); store_crc32c(0, "123456789", 9) = 0xe3069283 */
uint32_t store_crc32c(uint32_t crc, const void *p, size_t n);

#endif
