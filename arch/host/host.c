/* host.c -- arch.h for the hosted build: CPUs are threads, IPIs are bits in a pending mask that
 * the target takes at its next poll point, the console is stdout plus a capture buffer.
 * pending[] is atomic; each CPU's wait_lock/wake pair only serves arch_idle sleeps. */
#include <execinfo.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>

#include <arch.h>
#include <kernel/param.h>

#include "host.h"

__thread unsigned host_cpu;
__thread bool host_irq_on = true;
static unsigned ncpus = 1;

static struct host_cpu_state {
	unsigned pending;		/* bit per enum arch_ipi; atomic */
	pthread_mutex_t wait_lock;
	pthread_cond_t wake;
} cpu_state[NCPU];

static pthread_once_t init_once = PTHREAD_ONCE_INIT;

static void init_states(void)
{
	for (unsigned i = 0; i < NCPU; i++) {
		pthread_mutex_init(&cpu_state[i].wait_lock, NULL);
		pthread_cond_init(&cpu_state[i].wake, NULL);
	}
}

void host_cpu_enter(unsigned cpu, unsigned n)
{
	pthread_once(&init_once, init_states);
	host_cpu = cpu;
	host_irq_on = true;
	__atomic_store_n(&ncpus, n, __ATOMIC_RELEASE);
}

struct start {
	unsigned cpu, n;
	void (*fn)(unsigned, void *);
	void *arg;
};

static void *cpu_main(void *p)
{
	struct start *s = p;

	host_cpu_enter(s->cpu, s->n);
	s->fn(s->cpu, s->arg);
	return NULL;
}

unsigned host_relax_every = 16;	/* arch_impl.h, arch_cpu_relax */

void host_run_cpus(unsigned n, void (*fn)(unsigned cpu, void *arg), void *arg)
{
	long cores = sysconf(_SC_NPROCESSORS_ONLN);

	pthread_t threads[NCPU];
	struct start starts[NCPU];

	if (n > NCPU)
		n = NCPU;
	pthread_once(&init_once, init_states);
	__atomic_store_n(&host_relax_every, cores > 0 && n <= (unsigned long)cores ? 4096 : 16,
			 __ATOMIC_RELAXED);
	__atomic_store_n(&ncpus, n, __ATOMIC_RELEASE);
	for (unsigned i = 0; i < n; i++) {
		starts[i] = (struct start){ i, n, fn, arg };
		if (pthread_create(&threads[i], NULL, cpu_main, &starts[i]) != 0) {
			perror("pthread_create");
			abort();
		}
	}
	for (unsigned i = 0; i < n; i++)
		pthread_join(threads[i], NULL);
	host_cpu_enter(0, 1);
}

unsigned arch_ncpus(void)
{
	return __atomic_load_n(&ncpus, __ATOMIC_ACQUIRE);
}

unsigned arch_cpus_found(void)
{
	return arch_ncpus();
}

/* Pending bits past the IPIs: the timer tick, and a signal for host_signal_hook. */
#define HOST_TICK	(1u << ARCH_IPI_COUNT)
#define HOST_SIGNAL	(1u << (ARCH_IPI_COUNT + 1))

void (*volatile host_signal_hook)(void);

/* deliver pending IPIs, ticks and signals to this CPU if its interrupts are on */
void host_poll(void)
{
	struct host_cpu_state *s = &cpu_state[host_cpu];

	if (!host_irq_on || !__atomic_load_n(&s->pending, __ATOMIC_ACQUIRE))
		return;
	host_irq_on = false;
	unsigned bits = __atomic_exchange_n(&s->pending, 0, __ATOMIC_ACQ_REL);
	for (unsigned k = 0; k < ARCH_IPI_COUNT; k++)
		if (bits & (1u << k))
			smp_ipi_handler((enum arch_ipi)k);
	if (bits & HOST_TICK)
		kernel_timer_tick();
	if ((bits & HOST_SIGNAL) && host_signal_hook)
		host_signal_hook();
	host_irq_on = true;
}

void host_raise_signal(unsigned cpu)
{
	__atomic_fetch_or(&cpu_state[cpu].pending, HOST_SIGNAL, __ATOMIC_ACQ_REL);	/* signal-safe */
}

void arch_ipi_send(unsigned cpu, enum arch_ipi kind)
{
	struct host_cpu_state *s = &cpu_state[cpu];

	__atomic_fetch_or(&s->pending, 1u << kind, __ATOMIC_ACQ_REL);
	pthread_mutex_lock(&s->wait_lock);
	pthread_cond_signal(&s->wake);
	pthread_mutex_unlock(&s->wait_lock);
}

void arch_ipi_broadcast(enum arch_ipi kind)
{
	for (unsigned cpu = 0; cpu < arch_ncpus(); cpu++)
		if (cpu != host_cpu)
			arch_ipi_send(cpu, kind);
}

#define HOST_IDLE_POLL_NS	50000

void arch_idle(void)
{
	struct host_cpu_state *s = &cpu_state[host_cpu];
	struct timespec until;

	/* Poll for an IPI a little first (as Linux's haltpoll, or Go's spinning Ms): a thread woken
	 * on another CPU, e.g. a channel's receiver, then runs in well under a microsecond instead
	 * of after a futex wake-up (about 5 us, most of a cross-CPU channel-send: issue 13). */
	for (uint64_t end = arch_cycles() + HOST_IDLE_POLL_NS; arch_cycles() < end;) {
		if (__atomic_load_n(&s->pending, __ATOMIC_ACQUIRE))
			goto take;
		sched_yield();	/* an overcommitted host's other threads first (spinning on
				 * pause here instead measured slower: 1.9 against 1.65 us per
				 * share.scm message) */
	}
	/* wait for an IPI, or 1 ms (a stand-in for the timer), then take what is pending */
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_nsec += 1000000;
	if (until.tv_nsec >= 1000000000) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000;
	}
	pthread_mutex_lock(&s->wait_lock);
	if (!__atomic_load_n(&s->pending, __ATOMIC_ACQUIRE))
		pthread_cond_timedwait(&s->wake, &s->wait_lock, &until);
	pthread_mutex_unlock(&s->wait_lock);
take:
	host_irq_on = true;
	host_poll();
	host_irq_on = false;
}

void arch_halt_cpu(void)
{
	for (;;)
		pause();
}

jmp_buf *host_exit_jmp;

void arch_exit(int code)
{
	fflush(stdout);
	if (host_exit_jmp)
		longjmp(*host_exit_jmp, code + 1000);
	exit(code < 0 || code > 255 ? 255 : code);
}

void host_panic_reset(void)
{
	extern void panic_reset(void);

	panic_reset();
	for (unsigned i = 0; i < NCPU; i++)	/* the panic's ARCH_IPI_STOP to everyone else */
		__atomic_store_n(&cpu_state[i].pending, 0, __ATOMIC_RELEASE);
}

uint64_t arch_cycles_per_sec(void)
{
	return 1000000000u;
}

uint64_t arch_cycles_to_ns(uint64_t c)
{
	return c;
}

int64_t arch_wallclock_ns(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_REALTIME, &ts) != 0)
		return -1;
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void arch_udelay(unsigned us)
{
	uint64_t end = arch_cycles() + (uint64_t)us * 1000;

	while (arch_cycles() < end)
		arch_cpu_relax();
}

/* The tick: one thread for all CPUs that started their timer marks a tick pending on each,
 * taken at its next poll point (a Scheme loop's safe point polls), as an interrupt would be.
 * It does not wake an idle CPU: arch_idle wakes every millisecond by itself. */
static unsigned tick_hz;	/* the first arch_timer_start's; atomic */
static unsigned tick_on[NCPU];	/* CPUs whose timer runs; atomic */
static pthread_once_t tick_once = PTHREAD_ONCE_INIT;

static void *ticker(void *arg)
{
	(void)arg;
	for (;;) {
		struct timespec ts = { 0, 1000000000L / __atomic_load_n(&tick_hz, __ATOMIC_ACQUIRE) };

		nanosleep(&ts, NULL);
		for (unsigned c = 0; c < NCPU; c++)
			if (__atomic_load_n(&tick_on[c], __ATOMIC_ACQUIRE))
				__atomic_fetch_or(&cpu_state[c].pending, HOST_TICK, __ATOMIC_ACQ_REL);
	}
	return NULL;
}

static void tick_start(void)
{
	pthread_t t;

	if (pthread_create(&t, NULL, ticker, NULL) != 0) {
		perror("pthread_create (tick)");
		abort();
	}
	pthread_detach(t);
}

void arch_timer_start(unsigned hz)
{
	unsigned zero = 0;

	__atomic_compare_exchange_n(&tick_hz, &zero, hz ? hz : 100, false, __ATOMIC_ACQ_REL,
				    __ATOMIC_ACQUIRE);
	__atomic_store_n(&tick_on[host_cpu], 1, __ATOMIC_RELEASE);
	pthread_once(&tick_once, tick_start);
}

/* lisp/jit.c's arena for native loops: readable, writable and executable (the kernel's rule:
 * safety from the language, not the MMU). NULL when the system refuses. */
void *arch_jit_arena(size_t size)
{
	void *m = mmap(NULL, size, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return m == MAP_FAILED ? NULL : m;
}

int host_fence_word;	/* HOST_FENCE under ThreadSanitizer (arch_impl.h) */

/* no device interrupts on the host: registration is kept (and checked), nothing ever fires */
void arch_irq_route(unsigned irq, unsigned cpu)
{
	(void)irq;
	(void)cpu;
}

static struct { bool (*fn)(void *); void *ctx; } host_irqs[ARCH_IRQ_LINES][ARCH_IRQ_SHARED];
static pthread_mutex_t host_irq_lock = PTHREAD_MUTEX_INITIALIZER;

int arch_irq_register(unsigned irq, bool (*fn)(void *ctx), void *ctx)
{
	int rc = -1;

	if (irq >= ARCH_IRQ_LINES)
		return -1;
	pthread_mutex_lock(&host_irq_lock);
	for (unsigned i = 0; i < ARCH_IRQ_SHARED && rc < 0; i++)
		if (!host_irqs[irq][i].fn) {
			host_irqs[irq][i].fn = fn;
			host_irqs[irq][i].ctx = ctx;
			rc = 0;
		}
	pthread_mutex_unlock(&host_irq_lock);
	return rc;
}

void arch_irq_unregister(unsigned irq, bool (*fn)(void *ctx), void *ctx)
{
	if (irq >= ARCH_IRQ_LINES)
		return;
	pthread_mutex_lock(&host_irq_lock);
	for (unsigned i = 0; i < ARCH_IRQ_SHARED; i++)
		if (host_irqs[irq][i].fn == fn && host_irqs[irq][i].ctx == ctx)
			host_irqs[irq][i].fn = NULL;
	pthread_mutex_unlock(&host_irq_lock);
}

void arch_irq_mask(unsigned irq, bool masked)
{
	(void)irq;
	(void)masked;
}

unsigned arch_console_irq(void)
{
	return 4;	/* no device interrupts here: arch_irq_route ignores it */
}

void arch_smp_start(void)
{
}

/* console: stdout, plus a capture buffer for tests */
static char capture[1 << 16];
static size_t captured;

void arch_console_write(const char *buf, size_t len)
{
	fwrite(buf, 1, len, stdout);
	for (size_t i = 0; i < len && captured + 1 < sizeof(capture); i++)
		capture[captured++] = buf[i];
	capture[captured] = '\0';
}

const char *host_console_text(void)
{
	return capture;
}

void host_console_clear(void)
{
	captured = 0;
	capture[0] = '\0';
}

void arch_console_rx_resume(void)
{
}

int arch_backtrace(uintptr_t *pcs, int max)
{
	void *frames[64];
	int n = backtrace(frames, max < 64 ? max : 64);

	for (int i = 0; i < n; i++)
		pcs[i] = (uintptr_t)frames[i];
	return n;
}

uint32_t host_io_read(uintptr_t addr, int width)
{
	(void)width;
	fprintf(stderr, "host: read of device address %#lx\n", (unsigned long)addr);
	abort();
}

void host_io_write(uintptr_t addr, int width, uint32_t v)
{
	(void)width;
	(void)v;
	fprintf(stderr, "host: write to device address %#lx\n", (unsigned long)addr);
	abort();
}

int arch_pci_config_write32(unsigned bus, unsigned dev, unsigned fn, unsigned reg, uint32_t v)
{
	(void)bus, (void)dev, (void)fn, (void)reg, (void)v;
	return -1;
}

int arch_pci_config_read32(unsigned bus, unsigned dev, unsigned fn, unsigned reg, uint32_t *v)
{
	(void)bus, (void)dev, (void)fn, (void)reg;
	*v = 0xffffffffu;
	return -1;	/* no PCI bus on the host */
}

/* hooks the kernel proper provides (the hosted interpreter gives its own tick handler) */
__attribute__((weak)) void kernel_timer_tick(void)
{
}

#if defined(__SANITIZE_THREAD__)
/* ThreadSanitizer's suppressions, built in. (gc-stats) and (heap-stats) read other CPUs'
 * statistics while their owners update them with plain stores: approximate by design, one word
 * at a time (lisp/sys.c, read_u64). Nothing else is suppressed. */
const char *__tsan_default_suppressions(void);
const char *__tsan_default_suppressions(void)
{
	return "race:read_u64\nrace:read_size\nrace:nursery_used\n";
}

/* The longest access history: a suppression above matches only when TSan can restore the
 * reader's stack. With the default history it could not ("failed to restore the stack"):
 * xcycles.scm reported the statistics reads two or three times in each of 3 runs at this stop,
 * none with history_size=7. TSAN_OPTIONS given in the environment come after these and win. */
const char *__tsan_default_options(void);
const char *__tsan_default_options(void)
{
	return "history_size=7";
}
#endif
