/* rtl8139_ring.c -- the RTL8139's receive ring walked as a pure function (rtl8139_ring.h).
 * Invariant: a walk reads only ring[0..size) and only bytes between rd and wr (the chip's part
 * of the ring is never read); rd stays dword-aligned and advances only past whole frames. */
#include <string.h>

#include "rtl8139_ring.h"

static uint32_t get16(const uint8_t *ring, uint32_t size, uint32_t off)
{
	return (uint32_t)ring[off & (size - 1)] | (uint32_t)ring[(off + 1) & (size - 1)] << 8;
}

enum rtl_rx_stop rtl_rx_walk(struct rtl_rx_walk *w, unsigned budget,
			     void (*deliver)(void *ctx, const uint8_t *frame, size_t len), void *ctx,
			     struct rtl_rx_counts *c)
{
	uint32_t mask = w->size - 1;

	if (w->size < 8192 || (w->size & mask) || (w->rd & 3)) {
		c->corrupt++;
		return RTL_RX_CORRUPT;
	}
	w->rd &= mask;
	w->wr &= mask;
	for (unsigned n = 0; n < budget; n++) {
		uint32_t avail = (w->wr - w->rd) & mask, status, len, need, data;

		if (avail == 0)
			return RTL_RX_EMPTY;
		if (avail < RTL_RX_HDR)
			return RTL_RX_PARTIAL;
		status = get16(w->ring, w->size, w->rd);
		len = get16(w->ring, w->size, w->rd + 2);
		if (len == RTL_RX_EARLY)
			return RTL_RX_PARTIAL;
		need = (RTL_RX_HDR + len + 3) & ~3u;
		if (!(status & RTL_RXS_ROK) || (status & RTL_RXS_ERRORS) ||
		    len < RTL_RX_CRC || need >= w->size / 2) {
			c->corrupt++;
			return RTL_RX_CORRUPT;
		}
		if (need > avail) {
			/* the chip's write offset is inside this frame: it is still coming in (or
			 * the length lies; then the next header, when the chip moves on, will not
			 * make sense either and the walk ends CORRUPT) */
			return RTL_RX_PARTIAL;
		}
		if (len > RTL_FRAME_MAX + RTL_RX_CRC || len < RTL_FRAME_MIN + RTL_RX_CRC) {
			/* a well-formed frame larger than we take (a jumbo the chip stored whole),
			 * or a runt (QEMU stores them; the chip would drop them): step over it,
			 * and the frames after it still count */
			c->oversized++;
			w->rd = (w->rd + need) & mask;
			continue;
		}
		data = (w->rd + RTL_RX_HDR) & mask;
		len -= RTL_RX_CRC;
		if (data + len <= w->size) {
			deliver(ctx, w->ring + data, len);
		} else {
			uint32_t first = w->size - data;

			memcpy(w->scratch, w->ring + data, first);
			memcpy(w->scratch + first, w->ring, len - first);
			deliver(ctx, w->scratch, len);
			c->wrapped++;
		}
		c->frames++;
		c->bytes += len;
		w->rd = (w->rd + need) & mask;
	}
	return RTL_RX_BUDGET;
}
