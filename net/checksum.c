/* checksum.c -- the Internet checksum (RFC 1071): a ones' complement sum of 16-bit big-endian
 * words, an odd last byte padded with zero on the right. Sums are kept unfolded in 32 bits and
 * may be chained (pseudo-header, then header, then data) as long as every chunk but the last has
 * an even length. */
#include "net_impl.h"

uint32_t net_csum_add(uint32_t sum, const void *data, size_t len)
{
	const uint8_t *p = data;

	while (len >= 2) {
		sum += (uint32_t)(p[0] << 8 | p[1]);
		if (sum >= 0x80000000u)		/* fold early: no overflow for any length */
			sum = (sum & 0xffff) + (sum >> 16);
		p += 2;
		len -= 2;
	}
	if (len)
		sum += (uint32_t)p[0] << 8;
	return sum;
}

uint16_t net_csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

uint16_t net_csum(const void *data, size_t len)
{
	return net_csum_fold(net_csum_add(0, data, len));
}

/* The TCP/UDP pseudo-header: source, destination, zero, protocol, length. */
uint32_t net_csum_pseudo(net_ip src, net_ip dst, uint8_t proto, uint16_t len)
{
	return (src >> 16) + (src & 0xffff) + (dst >> 16) + (dst & 0xffff) + proto + len;
}
