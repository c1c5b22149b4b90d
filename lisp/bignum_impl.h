/* bignum_impl.h -- what bignum.c (the arithmetic) and bignum_radix.c (conversion to and from
 * digits) share: limb helpers, the poll, and the arithmetic's internal entry points (contracts
 * at their definitions in bignum.c). Not for other files: bignum.h is the interface. */
#ifndef LISP_BIGNUM_IMPL_H
#define LISP_BIGNUM_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lisp/bignum.h"

#define LIMB_MAX	((bn_limb)0xFFFFFFFFu)

extern const char bnx_digit_chars[];	/* "0123456789abcdefghijklmnopqrstuvwxyz" */

static inline unsigned clz(bn_limb x) { return (unsigned)__builtin_clz(x); }	/* x != 0 */
static inline unsigned ctz(bn_limb x) { return (unsigned)__builtin_ctz(x); }	/* x != 0 */

/* the largest power of radix that fits a limb, and its exponent */
static inline bn_limb radix_chunk(unsigned radix, unsigned *digits)
{
	bn_limb big = radix;
	unsigned k = 1;

	while (big <= LIMB_MAX / radix) {
		big *= radix;
		k++;
	}
	*digits = k;
	return big;
}

/* --- polling --- */

/* Count work; true once the operation must stop (p->stopped is then set, and stays set). */
static inline bool tick(struct bn_poll *p, size_t work)
{
	if (!p)
		return false;
	p->work += work;
	if (p->work >= BN_POLL_WORK && !p->stopped) {
		p->work = 0;
		p->stopped = p->stop(p->ctx);
	}
	return p->stopped;
}

static inline bool stopped(const struct bn_poll *p) { return p && p->stopped; }

bn_limb bnx_add(bn_limb *r, const bn_limb *x, size_t xn, const bn_limb *y, size_t yn);
bn_limb bnx_lshift(bn_limb *r, const bn_limb *a, size_t n, unsigned s);
size_t bnx_kara_scratch(size_t n);
void bnx_mul_rec(bn_limb *r, const bn_limb *a, size_t an, const bn_limb *b, size_t bn,
		 bn_limb *tp, struct bn_poll *p);
void bnx_div_qr(bn_limb *q, bn_limb *u, size_t un, const bn_limb *v, size_t n, bn_limb *tp,
		struct bn_poll *p);

#endif
