/* panic.c -- stop everything and say why: message, CPU, symbolized backtrace, failing exit.
 * The first CPU to panic owns the report; any other CPU that panics meanwhile just halts. */
#include <arch.h>

#include "console.h"
#include "kernel.h"

static int panicking = -1;	/* CPU that owns the report, -1 if none */

/* Tests only (hosted build): forget a panic that a test caught. */
void panic_reset(void);

void panic_reset(void)
{
	arch_atomic_store(&panicking, -1);
}

int panic_in_progress(void)
{
	return arch_atomic_load(&panicking) >= 0;
}

void panic_begin(void)
{
	int expect = -1;

	arch_irq_disable();
	if (!arch_atomic_cas(&panicking, &expect, (int)arch_cpu_id()))
		arch_halt_cpu();	/* someone else is reporting; they will stop the machine */
	console_panic_mode();
	arch_ipi_broadcast(ARCH_IPI_STOP);
}

void panic_end(const uintptr_t *pcs, int npcs)
{
	kprintf("backtrace:\n");
	for (int i = 0; i < npcs; i++) {
		uintptr_t off;
		const char *name = ksyms_lookup(pcs[i], &off);

		if (name)
			kprintf("  #%d %p %s+0x%lx\n", i, (void *)pcs[i], name, (unsigned long)off);
		else
			kprintf("  #%d %p ?\n", i, (void *)pcs[i]);
	}
	kprintf("system halted\n");
	arch_exit(-1);
}

void panic(const char *fmt, ...)
{
	char buf[256];
	uintptr_t pcs[32];
	va_list ap;

	panic_begin();
	va_start(ap, fmt);
	kvsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	kprintf("\nPANIC on cpu %u: %s\n", arch_cpu_id(), buf);
	panic_end(pcs, arch_backtrace(pcs, ARRAY_SIZE(pcs)));
}
