/* console.c -- console output under one lock, and the input ring.
 * Input ring: rx_lock guards rx_buf, rx_head, rx_tail, rx_stopped, rx_dropped. The producer is
 * the serial interrupt (any CPU the IRQ is routed to); consumers are any CPU. When the ring
 * fills, the driver stops reading the UART (rx_stopped), and the first consumer to make room
 * resumes it, so input that arrives faster than it is read waits in the UART and its sender:
 * never dropped. Except with an interrupt hook (the tty mode): there the UART is never stopped,
 * so a Ctrl-C behind any amount of type-ahead is seen, and what does not fit is dropped and
 * counted, as a terminal's line discipline does; the next read says how much.
 * Threads that wait for input sleep on rx_wait; every byte taken in wakes them (after rx_lock is
 * dropped), and a sleeper tests for input under rx_wait's lock, so no wake-up is lost.
 * Lock order: the serial driver's lock, then rx_lock; the serial driver's lock, then rx_wait's
 * lock (then a run queue's). rx_lock and out_lock are leaves. */
#include <arch.h>
#include <sched/thread.h>
#include <smp/spinlock.h>

#include "console.h"
#include "kernel.h"

static struct spinlock out_lock = SPINLOCK_INIT("console-out");
static int panic_mode;

static struct spinlock rx_lock = SPINLOCK_INIT("console-rx");
static uint8_t rx_buf[CONSOLE_RX_SIZE];
static unsigned rx_head, rx_tail;	/* free-running; count = head - tail */
static int rx_stopped;
static unsigned long rx_dropped;	/* type-ahead dropped since the last read (tty mode) */
static unsigned long rx_by_cpu[NCPU];	/* bytes taken in by each CPU's interrupt handler */
static struct waitq rx_wait = { WAITQ_MAGIC, SPINLOCK_INIT("console-rx-wait"), NULL, NULL };

void console_panic_mode(void)
{
	arch_atomic_store(&panic_mode, 1);
}

void console_write(const char *buf, size_t len)
{
	if (arch_atomic_load(&panic_mode)) {
		arch_console_write(buf, len);
		return;
	}
	arch_irqflags_t f = spin_lock_irqsave(&out_lock);
	arch_console_write(buf, len);
	spin_unlock_irqrestore(&out_lock, f);
}

int kprintf(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = kvsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	console_write(buf, n < (int)sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
	return n;
}

static bool (*volatile intr_hook)(void);

void console_set_intr_hook(bool (*fn)(void))
{
	intr_hook = fn;
}

bool console_rx_byte(uint8_t byte)
{
	bool room;
	bool (*intr)(void) = intr_hook;

	if (byte == CONSOLE_INTR_BYTE && intr && intr()) {
		spin_lock(&rx_lock);	/* what was typed ahead goes with it, as with a tty's ISIG */
		arch_atomic_store(&rx_tail, rx_head);
		rx_dropped = 0;
		spin_unlock(&rx_lock);
		return true;	/* the ring had room for this byte: it was not stopped */
	}

	spin_lock(&rx_lock);
	if (intr && rx_head - rx_tail == CONSOLE_RX_SIZE) {
		rx_dropped++;	/* full, tty mode: on reading, for a Ctrl-C behind */
		spin_unlock(&rx_lock);
		return true;
	}
	kassert(rx_head - rx_tail < CONSOLE_RX_SIZE);
	rx_buf[rx_head % CONSOLE_RX_SIZE] = byte;
	arch_atomic_store(&rx_head, rx_head + 1);
	rx_by_cpu[arch_cpu_id()]++;
	room = intr || rx_head - rx_tail < CONSOLE_RX_SIZE;
	if (!room)
		rx_stopped = 1;
	spin_unlock(&rx_lock);
	spin_lock(&rx_wait.lock);
	waitq_wake_all_locked(&rx_wait);
	spin_unlock(&rx_wait.lock);
	return room;
}

int console_trygetc(void)
{
	int c = -1, resume = 0;
	unsigned long dropped = 0;
	arch_irqflags_t f = spin_lock_irqsave(&rx_lock);

	if (rx_head != rx_tail) {
		c = rx_buf[rx_tail % CONSOLE_RX_SIZE];
		arch_atomic_store(&rx_tail, rx_tail + 1);
		if (rx_stopped) {
			rx_stopped = 0;
			resume = 1;
		}
		dropped = rx_dropped;
		rx_dropped = 0;
	}
	spin_unlock_irqrestore(&rx_lock, f);
	if (resume)
		arch_console_rx_resume();
	if (dropped)
		kprintf("\nconsole: input ring full (%u bytes): %lu typed-ahead bytes dropped\n",
			(unsigned)CONSOLE_RX_SIZE, dropped);
	return c;
}

unsigned long console_rx_count(unsigned cpu)
{
	arch_irqflags_t f = spin_lock_irqsave(&rx_lock);
	unsigned long n = rx_by_cpu[cpu];

	spin_unlock_irqrestore(&rx_lock, f);
	return n;
}

int console_rx_pending(void)
{
	return arch_atomic_load(&rx_head) != arch_atomic_load(&rx_tail);
}

int console_getc(void)
{
	for (;;) {
		arch_irqflags_t f = arch_irq_save();
		int c = console_trygetc();

		if (c >= 0) {
			arch_irq_restore(f);
			return c;
		}
		/* interrupts are off between the check and the wait, so a byte arriving now wakes us */
		arch_idle();
		arch_irq_restore(f);
	}
}

int console_getc_intr(bool (*stop)(void *ctx), void *ctx)
{
	for (;;) {
		int c = console_trygetc();
		bool stopped = false;

		if (c >= 0)
			return c;
		thread_wait_intr_begin(&rx_wait);
		arch_irqflags_t f = spin_lock_irqsave(&rx_wait.lock);
		while (!console_rx_pending() && !(stopped = stop(ctx)))
			waitq_sleep_locked(&rx_wait);
		spin_unlock_irqrestore(&rx_wait.lock, f);
		thread_wait_intr_end();
		if (!console_rx_pending() && stopped)
			return -2;
	}
}

int console_getc_sleep(void)
{
	for (;;) {
		int c = console_trygetc();

		if (c >= 0)
			return c;
		arch_irqflags_t f = spin_lock_irqsave(&rx_wait.lock);
		while (!console_rx_pending())
			waitq_sleep_locked(&rx_wait);
		spin_unlock_irqrestore(&rx_wait.lock, f);
	}
}
