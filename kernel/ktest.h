/* ktest.h -- tests built into the kernel, chosen by the boot option test=NAME and run by the QEMU
 * test harness (tests/qemu/). Each prints "KTEST PASS name" or "KTEST FAIL name: why", then
 * stops the machine: exit 0 on a pass, 1 on a failure. */
#ifndef KERNEL_KTEST_H
#define KERNEL_KTEST_H

#include <stdint.h>

__attribute__((noreturn)) void ktest_run(const char *name, const char *cmdline);

/* Until the scheduler exists: run fn(arg) on cpu's idle loop (interrupts on), and wait for it. */
void kernel_launch(unsigned cpu, void (*fn)(void *), void *arg);
void kernel_launch_wait(unsigned cpu);

/* Internal to the tests (ktest.c, ktest_sched.c). */
__attribute__((noreturn)) void ktest_finish(int ok, const char *why);
int ktest_sched(const char *name);	/* runs the scheduler test name (never returns) or 0 */
int ktest_sd(const char *name, const char *cmdline);	/* ktest_sd.c: test=sd, or 0 */
extern unsigned long ktest_rounds;	/* rounds=N */
uintptr_t ktest_bench_main(void *arg);	/* kbench.c: test=bench */
uintptr_t ktest_heaps_main(void *arg);	/* ktest_heap.c: test=heaps */

#endif
