/* rtl8139.c -- the Realtek RTL8139 (QEMU's rtl8139) through its I/O-port BAR: reset, MAC, an 8 KiB
 * receive ring walked by rtl8139_ring.c, four transmit descriptors used in strict rotation.
 * Runs on the net service's thread only (netdrv.h), but for irq, which masks the chip's
 * interrupts on the service's CPU. Invariants: rx_rd is the offset of the next frame header,
 * dword-aligned, and CAPR = rx_rd - 16 whenever the service is not inside poll; tx_tail..tx_head
 * (tx_used of them) are the descriptors the chip owns, oldest first. Every wait on the chip is
 * bounded; recoveries are counted and give up after a few in a row (no reset loop). */
#include <arch.h>
#include <kernel/kernel.h>
#include <kernel/physmem.h>

#include "netsvc_param.h"
#include "netdrv.h"
#include "rtl8139_ring.h"

/* Registers, as offsets from the I/O BAR. */
enum rtl_reg {
	RTL_IDR0 = 0x00,	/* MAC address, 6 bytes */
	RTL_MAR0 = 0x08,	/* multicast filter, 8 bytes */
	RTL_TSD0 = 0x10,	/* transmit status of descriptor 0..3, 4 bytes apart */
	RTL_TSAD0 = 0x20,	/* transmit start address of descriptor 0..3 (bus address) */
	RTL_RBSTART = 0x30,	/* receive ring's bus address */
	RTL_CR = 0x37,		/* command */
	RTL_CAPR = 0x38,	/* current address of packet read, minus 16 (16 bits) */
	RTL_CBR = 0x3a,		/* current buffer address: the chip's write offset (16 bits) */
	RTL_IMR = 0x3c,		/* interrupt mask (16 bits) */
	RTL_ISR = 0x3e,		/* interrupt status (16 bits), write 1 to clear */
	RTL_TCR = 0x40,		/* transmit configuration */
	RTL_RCR = 0x44,		/* receive configuration; writing it resets the ring offsets */
	RTL_MPC = 0x4c,		/* missed packet counter; any write clears it */
	RTL_9346CR = 0x50,	/* EEPROM command: 0xc0 unlocks the config registers */
	RTL_CONFIG1 = 0x52,	/* 0: power on (LWAKE and LWPTN cleared) */
	RTL_MSR = 0x58,		/* media status */
	RTL_BMSR = 0x64,	/* PHY basic mode status (16 bits): bit 2 link up */
};

enum rtl_cr {
	CR_BUFE = 0x01,		/* receive ring empty */
	CR_TE = 0x04,		/* transmitter enable */
	CR_RE = 0x08,		/* receiver enable */
	CR_RST = 0x10,		/* software reset; reads 1 until done */
};

enum rtl_int {
	INT_ROK = 0x0001,	/* frame received */
	INT_RER = 0x0002,	/* receive error */
	INT_TOK = 0x0004,	/* frame sent */
	INT_TER = 0x0008,	/* transmit error */
	INT_RXOVW = 0x0010,	/* receive ring overflow */
	INT_PUN = 0x0020,	/* packet underrun / link change */
	INT_FOVW = 0x0040,	/* receive FIFO overflow */
	INT_LENCHG = 0x2000,	/* cable length change */
	INT_TIMEOUT = 0x4000,	/* TCTR reached TimerInt */
	INT_SERR = 0x8000,	/* PCI system error */
};
#define INT_RX		(INT_ROK | INT_RER | INT_RXOVW | INT_FOVW)
#define INT_TX		(INT_TOK | INT_TER)
#define INT_ALL		(INT_RX | INT_TX | INT_PUN | INT_SERR)

enum rtl_tsd {
	TSD_SIZE = 0x1fff,	/* bytes to send */
	TSD_OWN = 1u << 13,	/* the chip has copied the buffer (it is ours again) */
	TSD_TUN = 1u << 14,	/* underrun */
	TSD_TOK = 1u << 15,	/* sent */
	TSD_ERTXTH_256 = 8u << 16,	/* start sending once 8 * 32 bytes are in the FIFO */
	TSD_TABT = 1u << 30,	/* aborted */
};

enum rtl_rcr {
	RCR_AAP = 1u << 0,	/* every frame (promiscuous) */
	RCR_APM = 1u << 1,	/* frames to our address */
	RCR_AM = 1u << 2,	/* multicast */
	RCR_AB = 1u << 3,	/* broadcast */
	RCR_WRAP = 1u << 7,	/* clear: frames wrap at the ring's end (we read modulo the size) */
	RCR_MXDMA_UNLIM = 7u << 8,
	RCR_RBLEN_8K = 0u << 11,
	RCR_RXFTH_NONE = 7u << 13,	/* copy a frame to memory once it is whole */
};
#define RCR_VALUE	(RCR_APM | RCR_AM | RCR_AB | RCR_MXDMA_UNLIM | RCR_RBLEN_8K | RCR_RXFTH_NONE)

enum rtl_tcr {
	TCR_MXDMA_2048 = 7u << 8,
	TCR_IFG_NORMAL = 3u << 24,
};

#define BMSR_LINK	0x0004

#define RX_GUARD_BYTE	0x5a	/* the guard after the RX ring: the chip never writes there */

struct rtl8139 {
	uint16_t io;			/* I/O BAR */
	uint8_t *rx_ring;		/* RTL_RX_ALLOC bytes, then RTL_RX_GUARD of RX_GUARD_BYTE */
	uint32_t rx_rd;			/* our read offset in the ring */
	uint8_t *tx_buf[RTL_TX_SLOTS];	/* RTL_TX_BUF each, physmem */
	unsigned tx_head, tx_tail, tx_used;
	uint64_t tx_since[RTL_TX_SLOTS];	/* arch_cycles() when each was handed over */
	uint32_t partial_rd;		/* rx_rd when a walk last stopped at a partial frame */
	uint64_t partial_since;
	unsigned rx_resets_row;		/* RX resets since the last good frame */
	unsigned chip_resets_row;	/* chip resets since the last frame sent */
	bool rx_dead, dead;		/* given up: receive only, or everything */
	bool link;
	uint8_t scratch[RTL_FRAME_MAX];	/* frames that wrap around the ring's end */
};

static uint64_t ms_cycles(unsigned ms)
{
	return (uint64_t)ms * (arch_cycles_per_sec() / 1000);
}

static bool rtl_match(const struct pci_func *f)
{
	return f->vendor == 0x10ec && f->device == 0x8139;
}

static uint32_t bus32(const void *p)
{
	uint64_t a = arch_dma_address(p);

	kassert(a < 0x100000000ull);	/* the chip has 32-bit DMA: physmem stays below 4 GiB */
	return (uint32_t)a;
}

/* Reset the chip and program it from scratch (MAC read, rings, interrupts on). 0 or -1. */
static int rtl_setup(struct netif *nif)
{
	struct rtl8139 *r = nif->priv;
	uint16_t io = r->io;
	unsigned waited = 0;

	arch_out8(io + RTL_CONFIG1, 0);
	arch_out8(io + RTL_CR, CR_RST);
	while (arch_in8(io + RTL_CR) & CR_RST) {
		if (waited >= RTL_RESET_US) {
			kprintf("rtl8139: reset did not finish in %u us\n", RTL_RESET_US);
			return -1;
		}
		arch_udelay(10);
		waited += 10;
	}
	for (int i = 0; i < 6; i++)
		nif->mac[i] = arch_in8(io + RTL_IDR0 + i);
	arch_out32(io + RTL_RBSTART, bus32(r->rx_ring));
	for (int i = 0; i < RTL_TX_SLOTS; i++)
		arch_out32(io + RTL_TSAD0 + 4 * i, bus32(r->tx_buf[i]));
	arch_out32(io + RTL_MAR0, 0xffffffff);	/* every multicast group: the stack filters */
	arch_out32(io + RTL_MAR0 + 4, 0xffffffff);
	arch_out8(io + RTL_CR, CR_RE | CR_TE);	/* before RCR and TCR: some chips need it */
	arch_out32(io + RTL_RCR, RCR_VALUE);	/* also puts both ring offsets at 0 */
	arch_out32(io + RTL_TCR, TCR_MXDMA_2048 | TCR_IFG_NORMAL);
	arch_out32(io + RTL_MPC, 0);
	r->rx_rd = 0;
	arch_out16(io + RTL_CAPR, (uint16_t)(0 - 16));
	r->tx_head = r->tx_tail = r->tx_used = 0;
	r->partial_since = 0;
	r->link = arch_in16(io + RTL_BMSR) & BMSR_LINK;
	arch_out16(io + RTL_ISR, 0xffff);
	arch_out16(io + RTL_IMR, INT_ALL);
	return 0;
}

static int rtl_open(struct netif *nif)
{
	struct rtl8139 *r;
	uint32_t bar, cmd;

	bar = pci_read32(&nif->pci, PCI_CFG_BAR0);
	if (!(bar & 1) || (bar & ~3u) == 0 || (bar & ~3u) > 0xffff) {
		kprintf("rtl8139: BAR0 %#x is not an I/O port range\n", bar);
		return -1;
	}
	nif->irq = pci_read32(&nif->pci, PCI_CFG_INTR) & 0xff;
	if (nif->irq >= ARCH_IRQ_LINES) {
		kprintf("rtl8139: interrupt line %u cannot be routed\n", nif->irq);
		return -1;
	}
	r = physmem_alloc(ALIGN_UP(sizeof(*r), 64), 64);
	if (!r)
		goto nomem;
	memset(r, 0, sizeof(*r));
	r->io = (uint16_t)(bar & ~3u);
	r->rx_ring = physmem_alloc(RTL_RX_ALLOC + RTL_RX_GUARD, 4096);
	for (int i = 0; i < RTL_TX_SLOTS; i++)
		r->tx_buf[i] = physmem_alloc(RTL_TX_BUF, 64);
	if (!r->rx_ring || !r->tx_buf[0] || !r->tx_buf[1] || !r->tx_buf[2] || !r->tx_buf[3])
		goto nomem;	/* boot-time: what was taken stays taken */
	memset(r->rx_ring, 0, RTL_RX_ALLOC);
	memset(r->rx_ring + RTL_RX_ALLOC, RX_GUARD_BYTE, RTL_RX_GUARD);
	nif->priv = r;
	cmd = pci_read32(&nif->pci, PCI_CFG_COMMAND) & 0xffff;
	cmd = (cmd | PCI_CMD_IO | PCI_CMD_MASTER) & ~PCI_CMD_INTX_OFF;
	pci_write32(&nif->pci, PCI_CFG_COMMAND, cmd);	/* status bits 31:16 written as 0: kept */
	return rtl_setup(nif);
nomem:
	kprintf("rtl8139: no memory for the rings\n");
	return -1;
}

/* Whole-chip reset after a TX timeout or a PCI error; gives up after a few in a row. */
static void rtl_chip_reset(struct netif *nif, const char *why)
{
	struct rtl8139 *r = nif->priv;

	nif->stats.chip_resets++;
	if (++r->chip_resets_row > RTL_CHIP_RESETS_MAX || rtl_setup(nif) < 0) {
		kprintf("rtl8139: %s, and resets do not help: the driver stops\n", why);
		arch_out16(r->io + RTL_IMR, 0);
		arch_out8(r->io + RTL_CR, 0);
		r->dead = true;
		return;
	}
	kprintf("rtl8139: %s: chip reset\n", why);
}

static int rtl_send(struct netif *nif, const void *frame, size_t len)
{
	struct rtl8139 *r = nif->priv;
	unsigned slot = r->tx_head;
	size_t n = MAX(len, (size_t)60);	/* the chip does not pad short frames */

	if (r->dead)
		return 0;	/* dropped: nothing will ever send it */
	if (r->tx_used == RTL_TX_SLOTS || len > NET_FRAME_MAX) {
		nif->stats.tx_busy++;
		return -1;
	}
	memcpy(r->tx_buf[slot], frame, len);
	memset(r->tx_buf[slot] + len, 0, n - len);
	arch_wmb();	/* the buffer before the descriptor that hands it over */
	arch_out32(r->io + RTL_TSD0 + 4 * slot, TSD_ERTXTH_256 | (uint32_t)n);	/* clears OWN */
	r->tx_since[slot] = arch_cycles();
	r->tx_head = (slot + 1) % RTL_TX_SLOTS;
	r->tx_used++;
	nif->stats.tx_frames++;
	nif->stats.tx_bytes += (uint32_t)len;
	return 0;
}

/* Descriptors the chip has finished with, oldest first (strict rotation). */
static void tx_reclaim(struct netif *nif, uint64_t now)
{
	struct rtl8139 *r = nif->priv;

	while (r->tx_used > 0) {
		uint32_t tsd = arch_in32(r->io + RTL_TSD0 + 4 * r->tx_tail);

		if (!(tsd & (TSD_TOK | TSD_TUN | TSD_TABT))) {
			if (now - r->tx_since[r->tx_tail] > ms_cycles(RTL_TX_TIMEOUT_MS)) {
				nif->stats.tx_timeouts++;
				rtl_chip_reset(nif, "transmit timed out");
			}
			return;
		}
		if (!(tsd & TSD_TOK))
			nif->stats.tx_errors++;
		r->chip_resets_row = 0;
		r->tx_tail = (r->tx_tail + 1) % RTL_TX_SLOTS;
		r->tx_used--;
	}
}

/* Start receiving afresh: the ring's contents are lost (counted by the caller). */
static void rx_reset(struct netif *nif)
{
	struct rtl8139 *r = nif->priv;
	unsigned waited = 0;

	nif->stats.rx_resets++;
	if (++r->rx_resets_row > RTL_RX_RESETS_MAX) {
		kprintf("rtl8139: the receive ring keeps breaking: receive stops\n");
		arch_out8(r->io + RTL_CR, CR_TE);
		r->rx_dead = true;
		return;
	}
	arch_out8(r->io + RTL_CR, CR_TE);
	while ((arch_in8(r->io + RTL_CR) & CR_RE) && waited < RTL_RESET_US) {
		arch_udelay(10);
		waited += 10;
	}
	arch_out8(r->io + RTL_CR, CR_RE | CR_TE);
	arch_out32(r->io + RTL_RCR, RCR_VALUE);	/* ring offsets back to 0 */
	r->rx_rd = 0;
	arch_out16(r->io + RTL_CAPR, (uint16_t)(0 - 16));
	r->partial_since = 0;
}

struct rx_ctx {
	struct netif *nif;
	void (*rx)(void *ctx, const uint8_t *frame, size_t len);
	void *ctx;
};

static void rx_one(void *ctx, const uint8_t *frame, size_t len)
{
	struct rx_ctx *c = ctx;

	c->rx(c->ctx, frame, len);
}

/* The chip stored past the RX ring's allocation (RTL_RX_ALLOC too small for it): whatever
 * physmem lies there (a heap's nursery, say) is corrupt, so stop before anything runs on it. */
static void rx_guard_check(const struct rtl8139 *r)
{
	for (unsigned i = 0; i < RTL_RX_GUARD; i++)
		if (r->rx_ring[RTL_RX_ALLOC + i] != RX_GUARD_BYTE)
			panic("rtl8139: the chip wrote past the RX ring's %u bytes (guard byte %u is "
			      "%#x): the memory after it is corrupt", (unsigned)RTL_RX_ALLOC, i,
			      (unsigned)r->rx_ring[RTL_RX_ALLOC + i]);
}

static unsigned rx_poll(struct netif *nif, unsigned budget, uint64_t now,
			void (*rx)(void *ctx, const uint8_t *frame, size_t len), void *ctx,
			bool *more)
{
	struct rtl8139 *r = nif->priv;
	struct rx_ctx c = { nif, rx, ctx };
	struct rtl_rx_counts cnt = { 0 };
	struct rtl_rx_walk w = { r->rx_ring, RTL_RX_RING, r->rx_rd, 0, r->scratch };
	enum rtl_rx_stop s;

	if (r->rx_dead)
		return 0;
	rx_guard_check(r);
	w.wr = arch_in16(r->io + RTL_CBR);
	arch_rmb();	/* the write offset before the bytes it covers */
	s = rtl_rx_walk(&w, budget, rx_one, &c, &cnt);
	if (w.rd != r->rx_rd) {
		r->rx_rd = w.rd;
		arch_out16(r->io + RTL_CAPR, (uint16_t)(r->rx_rd - 16));
		r->rx_resets_row = 0;
		nif->stats.rx_frames += cnt.frames;
		nif->stats.rx_bytes += cnt.bytes;
		nif->stats.rx_wrapped += cnt.wrapped;
		nif->stats.rx_oversized += cnt.oversized;
	}
	*more = s == RTL_RX_BUDGET;
	if (s == RTL_RX_PARTIAL) {
		if (r->partial_since == 0 || r->partial_rd != r->rx_rd) {
			r->partial_rd = r->rx_rd;
			r->partial_since = now;
		} else if (now - r->partial_since > ms_cycles(RTL_RX_STALL_MS)) {
			nif->stats.rx_stalls++;
			rx_reset(nif);
		}
	} else {
		r->partial_since = 0;
	}
	if (s == RTL_RX_CORRUPT) {
		nif->stats.rx_corrupt++;
		rx_reset(nif);
	}
	return cnt.frames;
}

static unsigned rtl_poll(struct netif *nif, unsigned budget, uint64_t now,
			 void (*rx)(void *ctx, const uint8_t *frame, size_t len), void *ctx,
			 bool *more)
{
	struct rtl8139 *r = nif->priv;
	uint16_t isr;
	unsigned n;

	*more = false;
	if (r->dead)
		return 0;
	isr = arch_in16(r->io + RTL_ISR);
	if (isr == 0xffff) {	/* the device is gone from the bus */
		rtl_chip_reset(nif, "the chip reads as all ones");
		return 0;
	}
	/* acknowledge first: whatever happens after this raises its bit again */
	arch_out16(r->io + RTL_ISR, isr);
	if (isr & INT_RXOVW)
		nif->stats.rx_overflows++;	/* frames were lost; the ring itself is intact */
	if (isr & INT_FOVW)
		nif->stats.rx_fifo_overflows++;
	if (isr & INT_PUN) {
		bool up = arch_in16(r->io + RTL_BMSR) & BMSR_LINK;

		if (up != r->link)
			nif->stats.link_changes++;
		r->link = up;
	}
	if (isr & INT_SERR) {
		rtl_chip_reset(nif, "PCI system error");
		return 0;
	}
	tx_reclaim(nif, now);
	if (r->dead)
		return 0;
	n = rx_poll(nif, budget, now, rx, ctx, more);
	if ((isr & INT_RXOVW) && !r->rx_dead)	/* some chips need the ack after CAPR moved */
		arch_out16(r->io + RTL_ISR, INT_RXOVW | INT_FOVW);
	if (!(arch_in8(r->io + RTL_CR) & CR_BUFE) && !r->rx_dead)
		*more = true;	/* frames arrived meanwhile */
	if (!r->dead)
		arch_out16(r->io + RTL_IMR, INT_ALL);	/* re-arm (the interrupt handler masked) */
	return n;
}

static bool rtl_irq(struct netif *nif)
{
	struct rtl8139 *r = nif->priv;
	uint16_t isr = arch_in16(r->io + RTL_ISR);

	if (isr == 0 || isr == 0xffff || !(isr & arch_in16(r->io + RTL_IMR)))
		return false;	/* a device sharing the line */
	arch_out16(r->io + RTL_IMR, 0);	/* quiet until the service has polled */
	nif->stats.irqs++;
	return true;
}

static bool rtl_link(struct netif *nif)
{
	struct rtl8139 *r = nif->priv;

	return !r->dead && (arch_in16(r->io + RTL_BMSR) & BMSR_LINK);
}

const struct net_driver rtl8139_driver = {
	.name = "rtl8139",
	.match = rtl_match,
	.open = rtl_open,
	.send = rtl_send,
	.poll = rtl_poll,
	.irq = rtl_irq,
	.link = rtl_link,
};
