/* storesvc.c -- the store service (storesvc.h): a pinned thread that opens, changes and commits
 * the SD store for every CPU. svc.wq.lock guards the queue; svc.done_wq.lock every request's
 * done flag (the poster's stack frame is the service's until done is set under that lock). The
 * store itself is touched by the service thread only. */
#include <kernel/cpu.h>
#include <kernel/kernel.h>
#include <mm/gc/stw.h>
#include <sched/thread.h>
#include <smp/spinlock.h>
#include <storage/storesvc.h>

#define STORE_SVC_PRIO	5	/* as the net service: above the REPL and spawned threads (15) */
#define STORE_SVC_GROUP_SECTORS	128	/* the store's groups: 64 KiB (docs/store.md, "RAM") */

/* The store's view of a card whose erase groups are not its groups (QEMU's SDHC card says
 * nothing and the driver's default is 4 MiB: a 1 MiB cache could not hold one; its SDSC cards
 * say 32 KiB): groups of STORE_SVC_GROUP_SECTORS, so every card and the hosted --sd image
 * have one geometry; erase a no-op (erase is only a hint in storage/blk.h's contract;
 * the store never relies on erased contents). Reads, programs and syncs pass through. */
static struct blk_dev view;

static int view_read(struct blk_dev *d, uint32_t sector, uint32_t count, void *buf)
{
	return blk_read(d->priv, sector, count, buf);
}

static int view_program(struct blk_dev *d, uint32_t sector, uint32_t count, const void *buf)
{
	return blk_program(d->priv, sector, count, buf);
}

static int view_erase(struct blk_dev *d, uint32_t group)
{
	(void)d;
	(void)group;
	return BLK_OK;
}

static int view_sync(struct blk_dev *d)
{
	return blk_sync(d->priv);
}

static const struct blk_ops view_ops = { view_read, view_program, view_erase, view_sync };

static struct blk_dev *store_view(struct blk_dev *d)
{
	/* every card the same geometry (an image moves between the kernel and --sd): 64 KiB */
	if (d == NULL || d->group_sectors == STORE_SVC_GROUP_SECTORS)
		return d;
	view = (struct blk_dev){ .magic = BLK_MAGIC, .ops = &view_ops, .name = "store-view",
				 .group_sectors = STORE_SVC_GROUP_SECTORS,
				 .group_count = blk_sectors(d) / STORE_SVC_GROUP_SECTORS,
				 .erased_byte = d->erased_byte, .priv = d };
	return &view;
}

static struct {
	struct waitq wq;		/* the service sleeps here; its lock guards what follows */
	struct waitq done_wq;		/* posters sleep here; its lock guards requests' done */
	struct store_req *head, *tail;
	bool started;
	struct blk_dev *dev;
	struct store_mem mem;
	size_t cache_bytes;
	struct store *s;		/* the open store: the service thread's */
} svc;

static void run(struct store_req *r)
{
	struct store_params p = { .cache_bytes = svc.cache_bytes, .detail = r->detail,
				  .detail_len = sizeof(r->detail) };

	r->detail[0] = '\0';
	if (svc.dev == NULL) {
		r->rc = STORE_ENODEV;
		return;
	}
	switch (r->op) {
	case STORE_OP_FORMAT:
		if (svc.s) {
			store_close(svc.s);
			svc.s = NULL;
		}
		r->rc = store_format(svc.dev, &svc.mem);
		if (r->rc != STORE_OK)
			return;
		__attribute__((fallthrough));	/* a formatted store is open */
	case STORE_OP_OPEN:
		if (svc.s) {
			store_close(svc.s);	/* what was not committed is forgotten */
			svc.s = NULL;
		}
		r->rc = store_open(svc.dev, &svc.mem, &p, &svc.s);
		if (r->rc != STORE_OK)
			svc.s = NULL;
		return;
	default:
		break;
	}
	if (svc.s == NULL) {
		r->rc = STORE_ENOTOPEN;
		return;
	}
	switch (r->op) {
	case STORE_OP_SET:
		r->rc = store_set(svc.s, r->name, r->len, r->val);
		break;
	case STORE_OP_REF:
		r->rc = store_ref(svc.s, r->name, r->len, r->arena, &r->val);
		break;
	case STORE_OP_REMOVE:
		r->rc = store_remove(svc.s, r->name, r->len);
		break;
	case STORE_OP_COMMIT:
		r->rc = store_commit(svc.s);
		break;
	case STORE_OP_COLLECT:
		r->rc = store_collect(svc.s, r->flags);
		break;
	case STORE_OP_STATS:
		r->rc = store_stats(svc.s, &r->stats);
		break;
	case STORE_OP_ROOT:
		r->rc = store_root(svc.s, r->name, r->len, r->arena, &r->val, &r->out);
		break;
	case STORE_OP_FIELD:
		r->rc = store_field(svc.s, &r->ref, r->index, r->arena, &r->val, &r->out);
		break;
	case STORE_OP_SET_FIELD:
		r->rc = store_set_field(svc.s, &r->ref, r->index, r->val);
		break;
	case STORE_OP_LENGTH:
		r->rc = store_length(svc.s, &r->ref, &r->index);
		break;
	case STORE_OP_DEREF:
		r->rc = store_deref(svc.s, &r->ref, r->arena, &r->val);
		break;
	default:
		r->rc = STORE_EINVAL;
		break;
	}
}

static uintptr_t svc_main(void *arg)
{
	(void)arg;
	for (;;) {
		arch_irqflags_t f = spin_lock_irqsave(&svc.wq.lock);
		struct store_req *r;

		while (svc.head == NULL)
			waitq_sleep_locked(&svc.wq);
		r = svc.head;
		svc.head = r->next;
		if (svc.head == NULL)
			svc.tail = NULL;
		spin_unlock_irqrestore(&svc.wq.lock, f);
		/* A store operation may take long (open reads every group) and touches no heap:
		 * the CPU's Scheme threads are blocked or at safe points (they run with preemption
		 * off), so a global-mode stop need not wait for it (docs/gc.md, "Limits"). A switch
		 * to one of them unparks the heap as usual. */
		f = arch_irq_save();
		gc_stw_park(cpu_heap_here());
		arch_irq_restore(f);
		run(r);
		f = arch_irq_save();
		gc_stw_unpark(cpu_heap_here());
		arch_irq_restore(f);
		f = spin_lock_irqsave(&svc.done_wq.lock);
		r->done = true;		/* r belongs to its poster again once the lock drops */
		waitq_wake_all_locked(&svc.done_wq);
		spin_unlock_irqrestore(&svc.done_wq.lock, f);
	}
	return 0;
}

int store_svc_start(struct blk_dev *d, const struct store_mem *mem, unsigned cpu,
		    size_t cache_bytes)
{
	waitq_init(&svc.wq, "store");
	waitq_init(&svc.done_wq, "store-done");
	svc.dev = store_view(d);
	svc.mem = *mem;
	svc.cache_bytes = cache_bytes;
	if (sched_service_start("store", svc_main, NULL, STORE_SVC_PRIO, cpu) == NULL)
		return -1;
	arch_atomic_store(&svc.started, true);
	return 0;
}

const struct blk_dev *store_svc_device(void)
{
	return svc.dev;
}

const struct store_mem *store_svc_mem(void)
{
	return arch_atomic_load(&svc.started) ? &svc.mem : NULL;
}

int store_svc_call(struct store_req *r)
{
	arch_irqflags_t f;

	if (!arch_atomic_load(&svc.started))
		return r->rc = STORE_ENODEV;
	r->next = NULL;
	r->done = false;
	f = spin_lock_irqsave(&svc.wq.lock);
	if (svc.tail)
		svc.tail->next = r;
	else
		svc.head = r;
	svc.tail = r;
	waitq_wake_one_locked(&svc.wq);
	spin_unlock_irqrestore(&svc.wq.lock, f);
	f = spin_lock_irqsave(&svc.done_wq.lock);
	while (!r->done)
		waitq_sleep_locked(&svc.done_wq);
	spin_unlock_irqrestore(&svc.done_wq.lock, f);
	return r->rc;
}

const char *store_svc_strerror(int rc)
{
	switch (rc) {
	case STORE_ENODEV: return "no SD card";
	case STORE_ENOTOPEN: return "no store is open: (store-open) or (store-format!) first";
	default: return store_strerror(rc);
	}
}
