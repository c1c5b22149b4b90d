/* netsvc.c -- the net service thread and the raw-frame handles (netsvc.h). The service owns the
 * driver: it sleeps on svc.wq until the interrupt handler or a sender wakes it (or NET_POLL_MS
 * passes), polls the driver, fans received frames out to the open handles, and feeds the
 * transmit queue to the driver. Locks: svc.wq.lock guards irq_pending and tx_kick; txq.lock
 * (tx_space's) guards the transmit queue; each handle's wq.lock guards that handle. No two of
 * them are ever held together. */
#include <arch.h>
#include <kernel/kernel.h>
#include <kernel/physmem.h>
#include <sched/thread.h>

#include "netsock_svc.h"
#include "netsvc.h"

struct net_ether {
	struct waitq wq;		/* receivers wait here; its lock guards what follows */
	unsigned gen;			/* bumped by close */
	bool open;			/* also read unlocked by the service as a hint (relaxed) */
	bool reserved;			/* opened, its frame memory being allocated */
	uint8_t (*frames)[NET_FRAME_MAX];	/* NET_ETHER_RXQ slots, physmem, kept once made */
	uint16_t len[NET_ETHER_RXQ];
	unsigned head, count;		/* oldest queued slot, slots queued */
	uint32_t received, dropped;
};

static struct {
	int state;			/* enum net_state; atomic */
	unsigned cpu;
	struct netif nif;		/* the service thread's (stats: relaxed reads by anyone) */
	struct waitq wq;		/* the service sleeps here; lock guards the next two */
	bool irq_pending;		/* the interrupt handler ran */
	bool tx_kick;			/* a sender queued a frame */
	bool sock_kick;			/* a socket request, or room in a receive ring */
	char cmdline[256];		/* the boot options (ip=, gw=, dns=, dhcp=) */
	struct waitq tx_space;		/* senders wait for room; its lock guards the queue */
	uint8_t (*txq)[NET_FRAME_MAX];	/* NET_TXQ slots, physmem */
	uint16_t txlen[NET_TXQ];
	unsigned tx_head, tx_count;
	struct net_svc_stats stats;
} svc;

static struct spinlock open_lock = SPINLOCK_INIT("net-ether-open");	/* handle open/close */
static struct net_ether ethers[NET_ETHER_MAX];

const char *net_state_name(enum net_state s)
{
	static const char *const names[] = { "none", "off", "no-device", "starting", "up", "failed" };

	return (unsigned)s < ARRAY_SIZE(names) ? names[s] : "?";
}

enum net_state net_state(void)
{
	return (enum net_state)arch_atomic_load(&svc.state);
}

const struct netif *net_netif(void)
{
	return net_state() == NET_STATE_UP ? &svc.nif : NULL;
}

const struct net_svc_stats *net_svc_stats(void)
{
	return &svc.stats;
}

const struct net_driver *net_driver_find(const char *name)
{
	return strcmp(name, rtl8139_driver.name) == 0 ? &rtl8139_driver : NULL;
}

const struct net_driver *net_driver_match(const struct pci_func *f)
{
	static const struct net_driver *const drivers[] = { &rtl8139_driver };

	for (size_t i = 0; i < ARRAY_SIZE(drivers); i++)
		if (drivers[i]->match(f))
			return drivers[i];
	return NULL;
}

/* --- the service thread --- */

/* Interrupt context on the service's CPU (arch_irq_register's contract): the driver quiets the
 * card; we only note it and wake the service. */
static bool svc_irq(void *ctx)
{
	(void)ctx;
	if (!svc.nif.drv->irq(&svc.nif))
		return false;
	spin_lock(&svc.wq.lock);
	svc.irq_pending = true;
	waitq_wake_one_locked(&svc.wq);
	spin_unlock(&svc.wq.lock);
	return true;
}

/* One received frame, valid during the call only: copy it to every open handle's queue. */
static void svc_rx(void *ctx, const uint8_t *frame, size_t len)
{
	(void)ctx;
	netsock_svc_input(frame, len);	/* the stack copies what it keeps */
	for (unsigned i = 0; i < NET_ETHER_MAX; i++) {
		struct net_ether *e = &ethers[i];
		arch_irqflags_t f;

		if (!arch_atomic_load_relaxed(&e->open))	/* a hint; checked again under the lock */
			continue;
		f = spin_lock_irqsave(&e->wq.lock);
		if (e->open && e->count < NET_ETHER_RXQ) {
			unsigned slot = (e->head + e->count) % NET_ETHER_RXQ;

			memcpy(e->frames[slot], frame, len);
			e->len[slot] = (uint16_t)len;
			e->count++;
			e->received++;
			waitq_wake_one_locked(&e->wq);
		} else if (e->open) {
			e->dropped++;
			svc.stats.ether_drops++;
		}
		spin_unlock_irqrestore(&e->wq.lock, f);
	}
}

/* Hand queued frames to the driver until the queue is empty or the driver has no room. */
static void svc_tx(void)
{
	for (;;) {
		arch_irqflags_t f = spin_lock_irqsave(&svc.tx_space.lock);
		unsigned slot = svc.tx_head, n = svc.tx_count;

		spin_unlock_irqrestore(&svc.tx_space.lock, f);
		if (n == 0)
			return;
		/* the slot is ours until we dequeue it: senders only add behind it */
		if (svc.nif.drv->send(&svc.nif, svc.txq[slot], svc.txlen[slot]) < 0)
			return;	/* every descriptor in flight: the next interrupt or poll goes on */
		f = spin_lock_irqsave(&svc.tx_space.lock);
		svc.tx_head = (svc.tx_head + 1) % NET_TXQ;
		svc.tx_count--;
		waitq_wake_one_locked(&svc.tx_space);
		spin_unlock_irqrestore(&svc.tx_space.lock, f);
	}
}

/* The stack's output, on this thread: to the card now if nothing waits before it, else behind
 * the queued frames; a full queue drops it (counted: TCP retransmits, ARP and DHCP retry). */
static void stack_send(void *ctx, const void *frame, size_t len)
{
	arch_irqflags_t f;

	(void)ctx;
	if (len < NET_FRAME_MIN || len > NET_FRAME_MAX)
		return;
	f = spin_lock_irqsave(&svc.tx_space.lock);
	if (svc.tx_count == 0) {
		spin_unlock_irqrestore(&svc.tx_space.lock, f);
		if (svc.nif.drv->send(&svc.nif, frame, len) == 0)
			return;
		f = spin_lock_irqsave(&svc.tx_space.lock);
	}
	if (svc.tx_count < NET_TXQ) {
		unsigned slot = (svc.tx_head + svc.tx_count) % NET_TXQ;

		memcpy(svc.txq[slot], frame, len);
		svc.txlen[slot] = (uint16_t)len;
		svc.tx_count++;
	} else {
		svc.stats.stack_drops++;
	}
	spin_unlock_irqrestore(&svc.tx_space.lock, f);
}

static void svc_kick(void)
{
	arch_irqflags_t f = spin_lock_irqsave(&svc.wq.lock);

	svc.sock_kick = true;
	waitq_wake_one_locked(&svc.wq);
	spin_unlock_irqrestore(&svc.wq.lock, f);
	sched_preempt_point();	/* on our CPU the service outranks us: it runs now */
}

/* Counters only the service writes; others read them plainly, as a report (32-bit CPUs have no
 * 64-bit atomics: a torn read is the report's error, never the service's). */
static void account(uint64_t *c, uint64_t d)
{
	*(volatile uint64_t *)c += d;
}

static uintptr_t svc_main(void *arg)
{
	struct netif *nif = &svc.nif;
	uint64_t period = (uint64_t)NET_POLL_MS * (arch_cycles_per_sec() / 1000);
	uint64_t next_poll, wake_at;

	(void)arg;
	kassert(nif->magic == NETIF_MAGIC);
	svc.txq = physmem_alloc(NET_TXQ * NET_FRAME_MAX, 64);
	if (!svc.txq || nif->drv->open(nif) < 0) {
		kprintf("net: %s did not start\n", nif->drv->name);
		arch_atomic_store(&svc.state, NET_STATE_FAILED);
		return 0;
	}
	if (arch_irq_register(nif->irq, svc_irq, NULL) < 0) {
		kprintf("net: interrupt line %u has no room for another handler\n", nif->irq);
		arch_atomic_store(&svc.state, NET_STATE_FAILED);
		return 0;
	}
	arch_irq_route(nif->irq, svc.cpu);
	kprintf("net: %s at pci %u:%u.%u irq %u, mac %02x:%02x:%02x:%02x:%02x:%02x, link %s; "
		"service on cpu %u\n", nif->drv->name, nif->pci.bus, nif->pci.dev, nif->pci.fn,
		nif->irq, nif->mac[0], nif->mac[1], nif->mac[2], nif->mac[3], nif->mac[4],
		nif->mac[5], nif->drv->link(nif) ? "up" : "down", svc.cpu);
	arch_atomic_store_relaxed(&nif->link_up, nif->drv->link(nif));
	if (netsock_svc_init(nif->mac, svc.cmdline, svc.cpu, stack_send, NULL) < 0)
		kprintf("net: no TCP/IP stack: sockets fail, raw frames work\n");
	arch_atomic_store(&svc.state, NET_STATE_UP);
	next_poll = wake_at = arch_cycles() + period;
	for (;;) {
		arch_irqflags_t f = spin_lock_irqsave(&svc.wq.lock);
		uint64_t now;

		while (!svc.irq_pending && !svc.tx_kick && !svc.sock_kick && arch_cycles() < wake_at)
			waitq_sleep_until_locked(&svc.wq, wake_at);
		svc.irq_pending = svc.tx_kick = svc.sock_kick = false;
		spin_unlock_irqrestore(&svc.wq.lock, f);
		svc.stats.wakeups++;
		now = arch_cycles();
		for (unsigned pass = 0; pass < NET_PASSES_MAX; pass++) {
			bool more;
			uint64_t t0 = arch_cycles(), t1;

			nif->drv->poll(nif, NET_RX_BUDGET, now, svc_rx, NULL, &more);
			t1 = arch_cycles();
			svc_tx();
			account(&svc.stats.cycles_driver, t1 - t0);
			account(&svc.stats.cycles_tx, arch_cycles() - t1);
			if (!more)
				break;
		}
		{
			uint64_t t0 = arch_cycles(), t1;

			wake_at = netsock_svc_run();	/* requests, timers, readiness, rings */
			t1 = arch_cycles();
			svc_tx();
			account(&svc.stats.cycles_sockets, t1 - t0);
			account(&svc.stats.cycles_tx, arch_cycles() - t1);
		}
		if (now >= next_poll) {
			arch_atomic_store_relaxed(&nif->link_up, nif->drv->link(nif));
			next_poll = now + period;
		}
		wake_at = MIN(wake_at, next_poll);
	}
}

static int svc_wait_up(void);
static const struct netsock_svc_ops svc_ops = { .kick = svc_kick, .wait_up = svc_wait_up };

void net_start(const char *cmdline)
{
	struct pci_func fs[32];
	const struct net_driver *drv = NULL;
	unsigned long cpu = arch_ncpus() > 1 ? arch_ncpus() - 1 : 0;
	char v[8];
	int n;

	ksnprintf(svc.cmdline, sizeof(svc.cmdline), "%s", cmdline);
	waitq_init(&svc.wq, "net-service");
	waitq_init(&svc.tx_space, "net-txq");
	for (unsigned i = 0; i < NET_ETHER_MAX; i++)
		waitq_init(&ethers[i].wq, "net-ether");
	if (cmdline_get(cmdline, "net", v, sizeof(v)) && strcmp(v, "off") == 0) {
		kprintf("net: off (net=off): no driver takes the card\n");
		arch_atomic_store(&svc.state, NET_STATE_OFF);
		return;
	}
	n = pci_scan(fs, (int)ARRAY_SIZE(fs));
	for (int i = 0; i < MIN(n, (int)ARRAY_SIZE(fs)) && !drv; i++)
		if ((drv = net_driver_match(&fs[i])) != NULL)
			svc.nif.pci = fs[i];
	if (!drv) {
		kprintf("net: no network card\n");
		arch_atomic_store(&svc.state, NET_STATE_NODEV);
		return;
	}
	if (cmdline_get_ulong(cmdline, "net_cpu", &cpu) && cpu >= arch_ncpus()) {
		kprintf("net: no cpu %lu (net_cpu=): using cpu %u\n", cpu, arch_ncpus() - 1);
		cpu = arch_ncpus() - 1;
	}
	svc.cpu = (unsigned)cpu;
	svc.nif.magic = NETIF_MAGIC;
	svc.nif.drv = drv;
	arch_atomic_store(&svc.state, NET_STATE_STARTING);
	netsock_register(&svc_ops);
	if (!sched_service_start("net", svc_main, NULL, NET_PRIO, svc.cpu)) {
		kprintf("net: no memory for the service thread\n");
		arch_atomic_store(&svc.state, NET_STATE_FAILED);
	}
}

/* --- raw-frame handles --- */

/* Wait (briefly) for the service to finish starting: 0 if it runs. */
static int running(void)
{
	for (unsigned i = 0; i < 300 && net_state() == NET_STATE_STARTING; i++)
		thread_sleep_ms(10);
	return net_state() == NET_STATE_UP ? 0 : NET_ENODEV;
}

static int svc_wait_up(void)
{
	return running() == 0 ? 0 : -1;
}


static struct net_ether *handle(int idx)
{
	return idx >= 0 && idx < NET_ETHER_MAX ? &ethers[idx] : NULL;
}

int net_ether_open(unsigned *gen)
{
	int idx = NET_EMFILE;
	arch_irqflags_t f;

	if (running() < 0)
		return NET_ENODEV;
	f = spin_lock_irqsave(&open_lock);
	for (int i = 0; i < NET_ETHER_MAX && idx < 0; i++) {
		struct net_ether *e = &ethers[i];

		spin_lock(&e->wq.lock);
		if (!e->open && !e->reserved) {
			idx = i;
			e->gen++;
			e->head = e->count = 0;
			e->received = e->dropped = 0;
			*gen = e->gen;
			arch_atomic_store_relaxed(&e->open, e->frames != NULL);	/* not before it has memory */
			e->reserved = !e->open;
		}
		spin_unlock(&e->wq.lock);
	}
	spin_unlock_irqrestore(&open_lock, f);
	if (idx >= 0 && !ethers[idx].frames) {
		/* first use of this slot: its frame memory, kept from now on (reserved keeps
		 * other opens away meanwhile) */
		void *mem = physmem_alloc(NET_ETHER_RXQ * NET_FRAME_MAX, 64);

		f = spin_lock_irqsave(&ethers[idx].wq.lock);
		ethers[idx].frames = mem;
		arch_atomic_store_relaxed(&ethers[idx].open, mem != NULL);
		ethers[idx].reserved = false;
		spin_unlock_irqrestore(&ethers[idx].wq.lock, f);
		if (!mem)
			return NET_ENOMEM;
	}
	return idx;
}

int net_ether_close(int idx, unsigned gen)
{
	struct net_ether *e = handle(idx);
	arch_irqflags_t f;
	int rc = NET_ECLOSED;

	if (!e)
		return NET_ECLOSED;
	f = spin_lock_irqsave(&e->wq.lock);
	if (e->open && e->gen == gen) {
		arch_atomic_store_relaxed(&e->open, false);
		e->gen++;
		e->count = 0;
		waitq_wake_all_locked(&e->wq);	/* they see the generation changed */
		rc = 0;
	}
	spin_unlock_irqrestore(&e->wq.lock, f);
	return rc;
}

int net_ether_send(int idx, unsigned gen, const void *frame, size_t len,
		   bool (*stop)(void *ctx), void *ctx)
{
	struct net_ether *e = handle(idx);
	uint64_t deadline;
	arch_irqflags_t f;
	bool waited = false;
	int rc = 0;

	if (!e)
		return NET_ECLOSED;
	if (len < NET_FRAME_MIN || len > NET_FRAME_MAX)
		return NET_ELEN;
	f = spin_lock_irqsave(&e->wq.lock);
	rc = e->open && e->gen == gen ? 0 : NET_ECLOSED;
	spin_unlock_irqrestore(&e->wq.lock, f);
	if (rc < 0)
		return rc;
	if (net_state() != NET_STATE_UP)
		return NET_ENODEV;
	deadline = arch_cycles() + (uint64_t)NET_SEND_WAIT_MS * (arch_cycles_per_sec() / 1000);
	thread_wait_intr_begin(&svc.tx_space);
	f = spin_lock_irqsave(&svc.tx_space.lock);
	while (svc.tx_count == NET_TXQ) {
		if (stop && stop(ctx)) {
			rc = NET_EINTR;
			break;
		}
		if (arch_cycles() >= deadline) {
			rc = NET_ETIMEDOUT;
			break;
		}
		waited = true;
		waitq_sleep_until_locked(&svc.tx_space, deadline);
	}
	if (rc == 0) {
		unsigned slot = (svc.tx_head + svc.tx_count) % NET_TXQ;

		memcpy(svc.txq[slot], frame, len);
		svc.txlen[slot] = (uint16_t)len;
		svc.tx_count++;
		svc.stats.tx_queued++;
		if (waited)
			svc.stats.tx_waits++;
	}
	spin_unlock_irqrestore(&svc.tx_space.lock, f);
	thread_wait_intr_end();
	if (rc == 0) {
		f = spin_lock_irqsave(&svc.wq.lock);
		svc.tx_kick = true;
		waitq_wake_one_locked(&svc.wq);
		spin_unlock_irqrestore(&svc.wq.lock, f);
		/* the service outranks us (NET_PRIO): on our CPU it sends now, even if we run with
		 * preemption off (the REPL does), rather than at our next safe point */
		sched_preempt_point();
	}
	return rc;
}

int net_ether_peek(int idx, unsigned gen, uint64_t deadline, bool (*stop)(void *ctx), void *ctx)
{
	struct net_ether *e = handle(idx);
	arch_irqflags_t f;
	int rc;

	if (!e)
		return NET_ECLOSED;
	thread_wait_intr_begin(&e->wq);
	f = spin_lock_irqsave(&e->wq.lock);
	for (;;) {
		if (!e->open || e->gen != gen) {
			rc = NET_ECLOSED;
			break;
		}
		if (e->count > 0) {
			rc = e->len[e->head];
			break;
		}
		if (stop && stop(ctx)) {
			rc = NET_EINTR;
			break;
		}
		if (deadline != UINT64_MAX && arch_cycles() >= deadline) {
			rc = NET_ETIMEDOUT;
			break;
		}
		if (deadline == UINT64_MAX)
			waitq_sleep_locked(&e->wq);
		else
			waitq_sleep_until_locked(&e->wq, deadline);
	}
	spin_unlock_irqrestore(&e->wq.lock, f);
	thread_wait_intr_end();
	return rc;
}

int net_ether_take(int idx, unsigned gen, void *buf, size_t len)
{
	struct net_ether *e = handle(idx);
	arch_irqflags_t f;
	int rc = NET_ECHANGED;

	if (!e)
		return NET_ECLOSED;
	f = spin_lock_irqsave(&e->wq.lock);
	if (!e->open || e->gen != gen) {
		rc = NET_ECLOSED;
	} else if (e->count > 0 && e->len[e->head] == len) {
		memcpy(buf, e->frames[e->head], len);
		e->head = (e->head + 1) % NET_ETHER_RXQ;
		e->count--;
		rc = 0;
	}
	spin_unlock_irqrestore(&e->wq.lock, f);
	return rc;
}

int net_ether_counts(int idx, unsigned gen, uint32_t *received, uint32_t *dropped)
{
	struct net_ether *e = handle(idx);
	arch_irqflags_t f;
	int rc = NET_ECLOSED;

	if (!e)
		return NET_ECLOSED;
	f = spin_lock_irqsave(&e->wq.lock);
	if (e->open && e->gen == gen) {
		*received = e->received;
		*dropped = e->dropped;
		rc = 0;
	}
	spin_unlock_irqrestore(&e->wq.lock, f);
	return rc;
}
