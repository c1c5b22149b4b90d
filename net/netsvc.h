/* netsvc.h -- the net service: one pinned thread ("net") that owns the network driver, and the
 * raw-frame handles through which threads on any CPU send and receive Ethernet frames. Only the
 * service thread (and the device's interrupt handler, routed to the service's CPU) touches the
 * driver; everyone else goes through the bounded queues here. docs/net.md tells the whole path.
 * Lock order: a handle's waitq lock, the transmit queue's, the service's own: each is a leaf
 * (none is held while another is taken), then the run-queue locks waking takes. */
#ifndef NET_NETSVC_H
#define NET_NETSVC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "netsvc_param.h"
#include "netdrv.h"

/* What net_start found and did (atomic: read from any CPU). */
enum net_state {
	NET_STATE_NONE,		/* net_start not called (the hosted build) */
	NET_STATE_OFF,		/* boot option net=off: the card is left to a driver in Scheme */
	NET_STATE_NODEV,	/* no card any driver takes */
	NET_STATE_STARTING,	/* the service thread is opening the driver */
	NET_STATE_UP,
	NET_STATE_FAILED,	/* the driver could not open the card */
};

/* Errors of the handle calls (negative). */
enum net_err {
	NET_ENODEV = -1,	/* no driver running (enum net_state says why) */
	NET_EMFILE = -2,	/* NET_ETHER_MAX handles open already */
	NET_ECLOSED = -3,	/* the handle was closed */
	NET_ETIMEDOUT = -4,
	NET_EINTR = -5,		/* the caller's stop() said so */
	NET_ELEN = -6,		/* a frame length outside NET_FRAME_MIN..NET_FRAME_MAX */
	NET_ENOMEM = -7,
	NET_ECHANGED = -8,	/* net_ether_take: the head frame is not the one peeked */
};

/* Boot: find a card, and unless net=off start the service on CPU net_cpu=N (default the last
 * CPU). Call once, after every CPU's scheduler is up. */
void net_start(const char *cmdline);
enum net_state net_state(void);
const char *net_state_name(enum net_state s);
/* The interface the service runs (NULL unless NET_STATE_UP). Its mac and stats may be read. */
const struct netif *net_netif(void);

/* Counters of the service and the raw handles (relaxed words). */
struct net_svc_stats {
	uint32_t wakeups;	/* times the service thread woke */
	uint32_t tx_queued;	/* frames senders queued toward the driver */
	uint32_t tx_waits;	/* sends that waited for room in the transmit queue */
	uint32_t ether_drops;	/* frames not queued to a handle: its queue was full */
	uint32_t stack_drops;	/* frames of the TCP/IP stack dropped: the transmit queue was full */
	/* where the service's time goes (arch_cycles; the profile of docs/net.md) */
	uint64_t cycles_driver;	/* polling the card: the RX walk, net_input (copy 1), TX reclaim */
	uint64_t cycles_sockets;	/* requests, timers, readiness, pulls into rings */
	uint64_t cycles_tx;	/* handing queued frames to the card */
};
const struct net_svc_stats *net_svc_stats(void);

/*
 * Raw-frame handles. A handle is (index, generation): closing bumps the generation, so a stale
 * handle is refused (NET_ECLOSED), never confused with a later one. Every open handle gets a copy
 * of every frame received, queued up to NET_ETHER_RXQ (then dropped and counted). A thread that
 * may be interrupted passes stop(ctx), checked before each sleep; the waits are interruptible
 * (sched/thread.h) with thread_interrupt_wake on the waitq the call names.
 */
int net_ether_open(unsigned *gen);			/* index >= 0, or enum net_err */
int net_ether_close(int idx, unsigned gen);		/* 0 or enum net_err */
/* Copy frame into the transmit queue, waiting up to NET_SEND_WAIT_MS for room. 0 or error. */
int net_ether_send(int idx, unsigned gen, const void *frame, size_t len,
		   bool (*stop)(void *ctx), void *ctx);
/* Wait until a frame is queued to the handle (deadline in arch_cycles, UINT64_MAX: forever):
 * its length (> 0), or an error. The frame stays queued: take it with net_ether_take. */
int net_ether_peek(int idx, unsigned gen, uint64_t deadline, bool (*stop)(void *ctx), void *ctx);
/* Copy the oldest queued frame into buf and dequeue it if it is len bytes long: 0, or
 * NET_ECHANGED (another thread took it; peek again), or another error. */
int net_ether_take(int idx, unsigned gen, void *buf, size_t len);
/* Frames queued to and dropped by one handle. */
int net_ether_counts(int idx, unsigned gen, uint32_t *received, uint32_t *dropped);

#endif
