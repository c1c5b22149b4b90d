/* rtl8139_ring.h -- walking the RTL8139's receive ring, as a pure function of its bytes and two
 * offsets, so the host tests can feed it any state a broken or hostile device could leave. */
#ifndef NET_RTL8139_RING_H
#define NET_RTL8139_RING_H

#include <stddef.h>
#include <stdint.h>

/* The 4-byte header the chip writes before each frame (little-endian): status, then length. */
enum rtl_rx_status {
	RTL_RXS_ROK = 1u << 0,		/* received OK */
	RTL_RXS_FAE = 1u << 1,		/* frame alignment error */
	RTL_RXS_CRC = 1u << 2,		/* CRC error */
	RTL_RXS_LONG = 1u << 3,		/* longer than 4 KiB */
	RTL_RXS_RUNT = 1u << 4,		/* shorter than 64 bytes */
	RTL_RXS_ISE = 1u << 5,		/* invalid symbol */
	RTL_RXS_BAR = 1u << 13,		/* broadcast */
	RTL_RXS_PAM = 1u << 14,		/* our unicast address */
	RTL_RXS_MAR = 1u << 15,		/* multicast */
};
#define RTL_RXS_ERRORS	(RTL_RXS_FAE | RTL_RXS_CRC | RTL_RXS_LONG | RTL_RXS_RUNT | RTL_RXS_ISE)
#define RTL_RX_EARLY	0xfff0		/* length while the chip still copies the frame in */
#define RTL_RX_HDR	4
#define RTL_RX_CRC	4		/* every stored length counts the frame's CRC */
#define RTL_FRAME_MIN	14		/* an Ethernet header; QEMU pads to 60, real chips drop runts */
#define RTL_FRAME_MAX	1514		/* without the CRC: the largest frame we accept */

/* Why a walk stopped. */
enum rtl_rx_stop {
	RTL_RX_EMPTY,		/* read offset reached the chip's write offset */
	RTL_RX_BUDGET,		/* delivered as many frames as asked: more may be waiting */
	RTL_RX_PARTIAL,		/* a frame the chip is still writing (early RX, or the write offset
				 * inside it): try again later, nothing consumed */
	RTL_RX_CORRUPT,		/* a header that cannot be right (status, length of half the ring
				 * or more, or offsets out of the ring): nothing after it can be
				 * trusted; reset the RX side */
};

struct rtl_rx_counts {
	uint32_t frames;	/* delivered */
	uint32_t bytes;		/* delivered, without CRCs */
	uint32_t corrupt;	/* walks that ended RTL_RX_CORRUPT */
	uint32_t wrapped;	/* frames that crossed the ring's end (copied in two pieces) */
	uint32_t oversized;	/* well-formed frames over RTL_FRAME_MAX or under RTL_FRAME_MIN,
				 * stepped over */
};

/* Where a walk starts and what it may read. ring holds size bytes (a power of two: 8, 16, 32 or
 * 64 KiB) of which the chip writes modulo size (the RCR WRAP bit clear); rd is our read offset,
 * wr the chip's write offset (CBR), both taken modulo size; scratch holds RTL_FRAME_MAX bytes,
 * for frames that wrap. */
struct rtl_rx_walk {
	const uint8_t *ring;
	uint32_t size;
	uint32_t rd, wr;
	uint8_t *scratch;
};

/* Deliver up to budget frames from w->rd toward w->wr, each as one contiguous run of len bytes
 * (without the CRC: a pointer into the ring, or into scratch for a frame that wraps) to
 * deliver(ctx, frame, len), advancing w->rd past each (dword-aligned). A well-formed frame
 * longer than RTL_FRAME_MAX or shorter than RTL_FRAME_MIN is stepped over (counted, and counted against budget). Never reads outside
 * ring[0..size); O(budget). Returns why it stopped; counts go to *c. */
enum rtl_rx_stop rtl_rx_walk(struct rtl_rx_walk *w, unsigned budget,
			     void (*deliver)(void *ctx, const uint8_t *frame, size_t len), void *ctx,
			     struct rtl_rx_counts *c);

#endif
