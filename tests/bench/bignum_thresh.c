/* bignum_thresh.c -- times lisp/bignum.c's operations at sizes around their thresholds, to pick
 * the thresholds in lisp/bignum.h (thread CPU time, so a busy machine adds less noise): built
 * once per candidate value by bignum_thresh.sh (which
 * passes -DBN_MUL_KARATSUBA=... and so on); prints nanoseconds per operation, best of 5 runs.
 *	bignum_thresh OP SIZE...	OP: mul sqr div tostr fromstr poll */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lisp/bignum.c"
#include "lisp/bignum_radix.c"

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);	/* CPU time: the other jobs on the machine do not count */
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t rng = 88172645463325252ull;

static bn_limb *rnd_limbs(size_t n)
{
	bn_limb *x = malloc((n + 1) * sizeof(*x));

	for (size_t i = 0; i < n; i++) {
		rng ^= rng << 13;
		rng ^= rng >> 7;
		rng ^= rng << 17;
		x[i] = (bn_limb)rng;
	}
	x[n ? n - 1 : 0] |= 1;
	return x;
}

/* the poll's cost and the longest gap between two calls */
static uint64_t last, gap;
static size_t calls;

static bool poll_fn(void *ctx)
{
	uint64_t t = now_ns();

	(void)ctx;
	if (last && t - last > gap)
		gap = t - last;
	last = t;
	calls++;
	return false;
}

static double run(const char *op, size_t n, struct bn_poll *p)
{
	bn_limb *a = rnd_limbs(2 * n), *b = rnd_limbs(n);
	bn_limb *r = malloc((4 * n + 2) * sizeof(*r));
	bn_limb *s = malloc((bn_to_string_scratch_size(2 * n, 10) + bn_div_scratch_size(2 * n, n) +
			     bn_from_string_scratch_size(20 * n, 10) + 4 * n + 8) * sizeof(*s));
	char *str = malloc(bn_to_string_size(n, 10) + 1);
	size_t len = bn_to_string(str, b, n, 10, s, NULL), reps = 0;
	uint64_t t0 = now_ns(), t;

	do {
		if (!strcmp(op, "mul"))
			bn_mul(r, a, n, b, n, s, p);
		else if (!strcmp(op, "sqr"))
			bn_mul(r, b, n, b, n, s, p);
		else if (!strcmp(op, "div"))
			bn_divmod(r, r + 2 * n, NULL, a, 2 * n, b, n, s, p);
		else if (!strcmp(op, "tostr"))
			bn_to_string(str, b, n, 10, s, p);
		else if (!strcmp(op, "fromstr"))
			bn_from_string(r, str, len, 10, s, p);
		reps++;
		t = now_ns();
	} while (t - t0 < 20000000);	/* 20 ms */
	free(a), free(b), free(r), free(s), free(str);
	return (double)(t - t0) / (double)reps;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: bignum_thresh OP SIZE...\n");
		return 2;
	}
	if (!strcmp(argv[1], "poll")) {
		/* every operation on argv[2] limbs with a poll: the time with and without, and the
		 * longest time between two polls */
		static const char *ops[] = { "mul", "sqr", "div", "tostr", "fromstr" };
		size_t n = strtoul(argv[2], NULL, 0);

		for (size_t i = 0; i < 5; i++) {
			double with = 0, without = 0;

			for (int k = 0; k < 3; k++) {
				struct bn_poll p = BN_POLL_INIT(poll_fn, NULL);
				double t0 = run(ops[i], n, NULL), t1;

				gap = last = calls = 0;
				t1 = run(ops[i], n, &p);
				if (k == 0 || t0 < without)
					without = t0;
				if (k == 0 || t1 < with)
					with = t1;
			}
			printf("%-8s %6zu limbs: %10.0f ns polled, %10.0f ns not (%+.2f%%), max gap "
			       "%.1f us\n", ops[i], n, with, without, 100 * (with - without) / without,
			       (double)gap / 1000);
		}
		return 0;
	}
	printf("%-8s", argv[1]);
	for (int i = 2; i < argc; i++) {
		size_t n = strtoul(argv[i], NULL, 0);
		double best = 0;

		for (int k = 0; k < 5; k++) {
			double t = run(argv[1], n, NULL);

			if (k == 0 || t < best)
				best = t;
		}
		printf(" %10.0f", best);
	}
	printf("\n");
	return 0;
}
