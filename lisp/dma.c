/* dma.c -- what a device driver written in Scheme needs beyond ports and device memory:
 * (dma-alloc n) a bytevector a device may read and write, (dma-address bv) its bus address, and
 * (irq-wait irq [timeout-ms]) to sleep until an interrupt line fires.
 * DMA bytevectors are large objects (over HEAP_LARGE_BYTES: alone in their own old group, so
 * the collector never moves them; groups come from physmem, contiguous and below 4 GiB), and
 * pinned (gc_pin) for good, so the collector never frees them under the device: they live until
 * the machine stops, within LISP_DMA_MAX_BYTES in all. dma_lock guards the table of them.
 * irq-wait's handler masks the line at the interrupt controller (it cannot quiet a device it
 * does not know), counts and wakes; the next irq-wait unmasks it, after the program has served
 * its device. Lines the kernel's own drivers use are refused. */
#include <arch.h>
#include <mm/gc/xheap.h>
#include <net/netsvc.h>
#include <sched/thread.h>

#include "internal.h"

#define LISP_DMA_BUFFERS	64		/* dma-alloc'd bytevectors, at most */
#define LISP_DMA_MAX_BYTES	(4u << 20)	/* their bytes together, at most */

static struct spinlock dma_lock = SPINLOCK_INIT("lisp-dma");
static obj dma_bufs[LISP_DMA_BUFFERS];	/* never move: compared by address */
static unsigned dma_n;
static size_t dma_bytes;

/* (dma-alloc n): a zeroed bytevector of n bytes (1..1 MiB) that never moves and is never freed. */
static obj p_dma_alloc(struct lisp *L, int argc, obj *argv)
{
	size_t n, cap;
	arch_irqflags_t f;
	bool room;
	int64_t v;
	obj bv;

	(void)argc;
	if (!integer_p(argv[0]) || !lisp_int_to_i64(argv[0], &v) || v < 1 || v > (1 << 20))
		return lisp_type_error(L, "dma-alloc", "size in bytes (1..1048576)", argv[0]);
	n = (size_t)v;
	cap = MAX(n, (size_t)HEAP_LARGE_BYTES);	/* large: an old group of its own */
	f = spin_lock_irqsave(&dma_lock);
	room = dma_n < LISP_DMA_BUFFERS && dma_bytes + cap <= LISP_DMA_MAX_BYTES;
	if (room) {
		dma_n++;	/* reserved; given back if the allocation fails */
		dma_bytes += cap;
	}
	spin_unlock_irqrestore(&dma_lock, f);
	if (!room)
		return lisp_errorf(L, OBJ_NULL, "dma-alloc: DMA memory is used up (%u buffers, %u "
				   "bytes at most, until the machine stops)", LISP_DMA_BUFFERS,
				   LISP_DMA_MAX_BYTES);
	bv = lisp_make_bytes(L, OBJ_T_BYTEVECTOR, NULL, cap);
	if (bv != OBJ_NULL && !lisp_publish(L, &bv))	/* gc_pin wants it shared */
		bv = OBJ_NULL;
	if (bv != OBJ_NULL && (heap_young_p(L->h, bv) ||
			       heap_group_of((void *)bv)->kind != HEAP_GROUP_LARGE)) {
		bv = lisp_errorf(L, OBJ_NULL, "dma-alloc: the heap did not give a large object");
	}
	f = spin_lock_irqsave(&dma_lock);
	if (bv == OBJ_NULL) {
		dma_n--;
		dma_bytes -= cap;
	} else {
		for (unsigned i = 0; i < LISP_DMA_BUFFERS; i++)
			if (!dma_bufs[i]) {
				dma_bufs[i] = bv;
				break;
			}
	}
	spin_unlock_irqrestore(&dma_lock, f);
	if (bv == OBJ_NULL)
		return OBJ_NULL;
	gc_pin(L->h, bv);	/* for good: a device may hold its address */
	obj_bytes_set_length(bv, n);
	return bv;
}

/* (dma-address bv): the bus address of bv's first byte; bv must come from dma-alloc. */
static obj p_dma_address(struct lisp *L, int argc, obj *argv)
{
	arch_irqflags_t f;
	bool known = false;

	(void)argc;
	if (!bytevector_p(argv[0]))
		return lisp_type_error(L, "dma-address", "bytevector from dma-alloc", argv[0]);
	f = spin_lock_irqsave(&dma_lock);
	for (unsigned i = 0; i < LISP_DMA_BUFFERS && !known; i++)
		known = dma_bufs[i] == argv[0];
	spin_unlock_irqrestore(&dma_lock, f);
	if (!known)
		return lisp_errorf(L, OBJ_NULL, "dma-address: not a bytevector from dma-alloc "
				   "(any other may move)");
	return lisp_int64(L, (int64_t)arch_dma_address(obj_bytes_data(argv[0])));
}

/* --- interrupt lines --- */

static struct irq_waiter {
	struct waitq wq;	/* its lock guards the fields below */
	bool registered;	/* our handler is on the line (for good) */
	unsigned cpu;		/* where the line is routed */
	unsigned long count;	/* interrupts taken */
} irq_waiters[ARCH_IRQ_LINES];
static struct spinlock irq_reg_lock = SPINLOCK_INIT("lisp-irq-wait");	/* registration */

/* Interrupt context: we cannot quiet the device, so mask the line until the program has. */
static bool irq_wait_handler(void *ctx)
{
	struct irq_waiter *w = ctx;
	unsigned irq = (unsigned)(w - irq_waiters);

	arch_irq_mask(irq, true);
	spin_lock(&w->wq.lock);
	w->count++;
	waitq_wake_all_locked(&w->wq);
	spin_unlock(&w->wq.lock);
	return true;
}

static bool stop(void *ctx)
{
	return lisp_interrupt_pending(ctx);
}

/* (irq-wait irq [timeout-ms]): unmask line irq, routed to the caller's CPU, and sleep until it
 * fires (#t) or the timeout passes (#f). The line stays masked after it fired until the next
 * irq-wait: serve the device first. */
static obj p_irq_wait(struct lisp *L, int argc, obj *argv)
{
	uint64_t deadline = UINT64_MAX;
	const struct netif *nif = net_netif();
	struct irq_waiter *w;
	arch_irqflags_t f;
	unsigned long seen;
	int64_t irq, ms;
	bool fired;

	if (!integer_p(argv[0]) || !lisp_int_to_i64(argv[0], &irq) || irq < 0 ||
	    irq >= ARCH_IRQ_LINES)
		return lisp_type_error(L, "irq-wait", "interrupt line (0..15)", argv[0]);
	if (argc > 1) {
		if (!integer_p(argv[1]) || !lisp_int_to_i64(argv[1], &ms) || ms < 0 ||
		    ms > 1000LL * 86400 * 365)
			return lisp_type_error(L, "irq-wait", "timeout in milliseconds (>= 0)", argv[1]);
		deadline = arch_cycles() + (uint64_t)ms * (arch_cycles_per_sec() / 1000);
	}
	if (!ARCH_PORT_IO && !ARCH_MMIO)
		return lisp_errorf(L, OBJ_NULL, "irq-wait: no device interrupts on the %s build",
				   ARCH_NAME);
	if (irq == 0 || irq == 2 || irq == 4 || (nif && irq == nif->irq))
		return lisp_errorf(L, argv[0], "irq-wait: a kernel driver uses line");
	if (!lisp_on_thread())
		return lisp_errorf(L, OBJ_NULL, "irq-wait: not running on a scheduler thread");
	w = &irq_waiters[irq];
	f = spin_lock_irqsave(&irq_reg_lock);
	if (!w->registered) {
		waitq_init(&w->wq, "irq-wait");
		if (arch_irq_register((unsigned)irq, irq_wait_handler, w) == 0)
			w->registered = true;
	}
	bool ok = w->registered;
	if (ok)
		w->cpu = arch_cpu_id();	/* a Scheme thread never migrates once started */
	spin_unlock_irqrestore(&irq_reg_lock, f);
	if (!ok)
		return lisp_errorf(L, argv[0], "irq-wait: no room for another handler on line");
	f = spin_lock_irqsave(&w->wq.lock);
	seen = w->count;
	spin_unlock_irqrestore(&w->wq.lock, f);
	arch_irq_route((unsigned)irq, w->cpu);	/* also unmasks */
	thread_wait_intr_begin(&w->wq);
	f = spin_lock_irqsave(&w->wq.lock);
	while (w->count == seen && !stop(L) && arch_cycles() < deadline) {
		if (deadline == UINT64_MAX)
			waitq_sleep_locked(&w->wq);
		else
			waitq_sleep_until_locked(&w->wq, deadline);
	}
	fired = w->count != seen;
	spin_unlock_irqrestore(&w->wq.lock, f);
	thread_wait_intr_end();
	if (!fired && lisp_poll_interrupt(L))
		return OBJ_NULL;
	return obj_bool(fired);
}

static const struct lisp_prim_def defs[] = {
	{ "dma-alloc", p_dma_alloc, 1, 1, 0 },
	{ "dma-address", p_dma_address, 1, 1, 0 },
	{ "irq-wait", p_irq_wait, 1, 2, 0 },
};

void lisp_init_dma(struct lisp *L)
{
	lisp_register(L, defs, ARRAY_SIZE(defs));
}
