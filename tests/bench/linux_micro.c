/* linux_micro.c -- the Linux side of `make bench`'s micro table, on the same host and in the
 * same run as the kernel's (kernel/kbench.c): sched_yield between two threads on one CPU,
 * pthread create+join, a pipe ping-pong between two threads on one CPU and on two CPUs, and
 * the floor of any exchange between two CPUs: one word passed back and forth between threads
 * pinned on CPUs 0 and 1 (a cache line's round trip; bench_share.sh prints it in ns).
 * Prints "LINUX op cycles" lines (cycles from rdtsc), and "LINUX tsc_per_us N": rdtsc against
 * CLOCK_MONOTONIC over 100 ms, which turns the hosted build's nanoseconds into the same cycles
 * (scripts/bench.sh, the host_ rows). */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <x86intrin.h>

#define YIELDS	200000
#define SPAWNS	20000
#define PINGS	100000

static void pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

static void *yielder(void *arg)
{
	pin(0);
	(void)arg;
	for (int i = 0; i < YIELDS; i++)
		sched_yield();
	return NULL;
}

static void *nothing(void *arg)
{
	return arg;
}

static int ping[2], pong[2];

struct echo_arg {
	int cpu;
};

static void *echo(void *p)
{
	struct echo_arg *a = p;
	char c;

	pin(a->cpu);
	for (int i = 0; i < PINGS; i++) {
		if (read(ping[0], &c, 1) != 1 || write(pong[1], &c, 1) != 1)
			abort();
	}
	return NULL;
}

static uint64_t pingpong(int cpu)
{
	struct echo_arg a = { cpu };
	pthread_t t;
	uint64_t t0;
	char c = 'x';

	if (pipe(ping) || pipe(pong))
		abort();
	pin(0);
	pthread_create(&t, NULL, echo, &a);
	if (write(ping[1], &c, 1) != 1 || read(pong[0], &c, 1) != 1)	/* warm up */
		abort();
	t0 = __rdtsc();
	for (int i = 1; i < PINGS; i++)
		if (write(ping[1], &c, 1) != 1 || read(pong[0], &c, 1) != 1)
			abort();
	t0 = __rdtsc() - t0;
	pthread_join(t, NULL);
	close(ping[0]); close(ping[1]); close(pong[0]); close(pong[1]);
	return t0 / (PINGS - 1);
}

/* the cache line's round trip: each side waits for the other's number, then writes the next */
static _Alignas(64) volatile uint32_t turn;

static void *bouncer(void *arg)
{
	pin(1);
	(void)arg;
	for (uint32_t i = 0; i < PINGS; i++) {
		while (turn != 2 * i + 1)
			__builtin_ia32_pause();
		turn = 2 * i + 2;
	}
	return NULL;
}

static uint64_t line_roundtrip(void)
{
	pthread_t t;
	uint64_t t0;

	pin(0);
	turn = 0;
	pthread_create(&t, NULL, bouncer, NULL);
	t0 = __rdtsc();
	for (uint32_t i = 0; i < PINGS; i++) {
		turn = 2 * i + 1;
		while (turn != 2 * i + 2)
			__builtin_ia32_pause();
	}
	t0 = __rdtsc() - t0;
	pthread_join(t, NULL);
	return t0 / PINGS;
}

int main(void)
{
	pthread_t a, b;
	uint64_t t0;

	t0 = __rdtsc();
	pthread_create(&a, NULL, yielder, NULL);
	pthread_create(&b, NULL, yielder, NULL);
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	printf("LINUX yield %llu\n", (unsigned long long)((__rdtsc() - t0) / (2 * YIELDS)));

	t0 = __rdtsc();
	for (int i = 0; i < SPAWNS; i++) {
		pthread_create(&a, NULL, nothing, NULL);
		pthread_join(a, NULL);
	}
	printf("LINUX spawn_join %llu\n", (unsigned long long)((__rdtsc() - t0) / SPAWNS));
	printf("LINUX channel_pingpong_same_cpu %llu\n", (unsigned long long)pingpong(0));
	if (sysconf(_SC_NPROCESSORS_ONLN) > 1) {
		printf("LINUX channel_pingpong_cross_cpu %llu\n", (unsigned long long)pingpong(1));
		printf("LINUX cacheline_roundtrip_cross_cpu %llu\n", (unsigned long long)line_roundtrip());
	}

	/* call: the cheapest system call (getppid through syscall(2), never cached by libc) */
	t0 = __rdtsc();
	for (int i = 0; i < 200000; i++)
		syscall(SYS_getppid);
	printf("LINUX call %llu\n", (unsigned long long)((__rdtsc() - t0) / 200000));

	struct timespec ta, tb;
	uint64_t c0, c1, ns;

	clock_gettime(CLOCK_MONOTONIC, &ta);
	c0 = __rdtsc();
	do {
		clock_gettime(CLOCK_MONOTONIC, &tb);
		ns = (uint64_t)(tb.tv_sec - ta.tv_sec) * 1000000000u + (uint64_t)tb.tv_nsec - (uint64_t)ta.tv_nsec;
	} while (ns < 100000000u);
	c1 = __rdtsc();
	printf("LINUX tsc_per_us %llu\n", (unsigned long long)((c1 - c0) * 1000 / ns));
	return 0;
}
