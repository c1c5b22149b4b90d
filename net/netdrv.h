/* netdrv.h -- network drivers as tables of operations registered by name (9front's etherif,
 * lwIP's netif), and the interface a driver instance presents to the net service. Every
 * operation but irq runs on the net service's thread only (net/netsvc.c): a driver needs no
 * lock of its own. */
#ifndef NET_NETDRV_H
#define NET_NETDRV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <kernel/pci.h>

#define NETIF_MAGIC	0x4e494631u	/* "NIF1" */

/* Counters a driver keeps; written by the service thread (and irqs by the interrupt handler,
 * on the same CPU), read by anyone as relaxed words (a report is not a snapshot). */
struct netif_stats {
	uint32_t rx_frames, rx_bytes;
	uint32_t tx_frames, tx_bytes;
	uint32_t tx_errors;		/* descriptors completed without TOK (underrun, abort) */
	uint32_t tx_busy;		/* sends refused: every descriptor in flight */
	uint32_t rx_overflows;		/* ring overflow interrupts (RXOVW) */
	uint32_t rx_fifo_overflows;	/* FIFO overflow interrupts (FOVW) */
	uint32_t rx_corrupt;		/* walks that met a header that cannot be right */
	uint32_t rx_stalls;		/* frames stuck half-written (RTL_RX_STALL_MS) */
	uint32_t rx_resets;		/* RX side reset after corrupt or stalled rings */
	uint32_t rx_wrapped;		/* frames that crossed the ring's end */
	uint32_t rx_oversized;		/* frames over NET_FRAME_MAX or runts, dropped */
	uint32_t chip_resets;		/* whole-chip resets (TX timeout, PCI system error) */
	uint32_t tx_timeouts;
	uint32_t irqs;			/* interrupts the device claimed */
	uint32_t link_changes;
};

struct netif;

struct net_driver {
	const char *name;
	/* The PCI function is one this driver drives. */
	bool (*match)(const struct pci_func *f);
	/* Take the device: enable it on PCI, reset it, read its MAC into nif->mac, set up rings
	 * and buffers (DMA memory from physmem), enable receive, transmit and interrupts (the
	 * service registers and routes nif->irq after open). 0, or -1 with a message printed. */
	int (*open)(struct netif *nif);
	/* Queue frame (len bytes, NET_FRAME_MIN..NET_FRAME_MAX) for transmission, copied out
	 * before the call returns: 0, or -1 if no descriptor is free now (try after the next
	 * interrupt or poll). */
	int (*send)(struct netif *nif, const void *frame, size_t len);
	/* Service the device: take up to budget received frames, calling rx(ctx, frame, len)
	 * for each (the bytes are valid during the call only), reclaim finished transmissions,
	 * recover from errors (bounded: never a reset loop), then re-arm interrupts. Returns the
	 * frames delivered; *more is set if frames may remain (budget spent). now: arch_cycles. */
	unsigned (*poll)(struct netif *nif, unsigned budget, uint64_t now,
			 void (*rx)(void *ctx, const uint8_t *frame, size_t len), void *ctx,
			 bool *more);
	/* Interrupt context on the service's CPU (arch_irq_register's contract): if the device
	 * interrupts, stop it asserting the line (mask its interrupts: poll re-arms them) and
	 * return true. */
	bool (*irq)(struct netif *nif);
	/* The link is up (carrier). */
	bool (*link)(struct netif *nif);
};

/* One device and the driver that has it. */
struct netif {
	uint32_t magic;			/* NETIF_MAGIC */
	const struct net_driver *drv;
	struct pci_func pci;
	unsigned irq;			/* interrupt line (PCI config 0x3c), set by open */
	uint8_t mac[6];			/* set by open */
	void *priv;			/* the driver's state */
	int link_up;			/* the service's last look at the link; atomic */
	struct netif_stats stats;
};

/* The drivers compiled in, looked up by name or matched against a PCI function. */
const struct net_driver *net_driver_find(const char *name);
const struct net_driver *net_driver_match(const struct pci_func *f);

extern const struct net_driver rtl8139_driver;

#endif
