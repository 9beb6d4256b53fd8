/* Window sums, ring algorithm: the seed's "327x" running sum, done right.
 *
 * The seed kept a ring buffer of the last w values and a running sum. A plain
 * running sum remembers every value that ever passed through it: after a
 * spike of 1e12 leaves, values of 1e-3 come out 100% wrong (bottleneck,
 * scipy). Here:
 *   - the running sum is Neumaier-compensated on both the add and the remove
 *     (the error term of each update is exact; only the compensation's own
 *     rounding is lost);
 *   - that lost rounding is bounded as we go: E += u*|c| per update is a
 *     rigorous bound on |computed - exact| since the last anchor;
 *   - when E exceeds half the contract's budget for the current window,
 *     (w-1)/2 * u * sum|x| (itself tracked as a running sum with its own
 *     error bound), the window is re-anchored: summed afresh.
 * So the re-anchoring interval follows the data: on ordinary data it almost
 * never happens; after a giant leaves it happens once.
 *
 * The input row is contiguous, so x itself is the ring buffer: the value that
 * leaves is x[j-1], no copy needed. */
#include <float.h>
#include <math.h>
#include "wsum.h"

#define U (DBL_EPSILON / 2) /* unit roundoff 2^-53 */
/* Bounds are accumulated in floating point too; inflate each term slightly so
 * their own rounding cannot make them underestimate. */
#define U_UP (U * (1.0 + 8 * DBL_EPSILON))

/* Exact sum: hi + lo == a + b (Knuth's branch-free TwoSum). */
#define TWO_SUM(a, b, hi, lo)                         \
    do {                                              \
        double s_ = (a) + (b), bb_ = s_ - (a);        \
        (lo) = ((a) - (s_ - bb_)) + ((b) - bb_);      \
        (hi) = s_;                                    \
    } while (0)

typedef struct {
    double s, c; /* value sum, compensation */
    double e;    /* bound on |s + c - exact sum| */
    double a;    /* sum of |x| */
    double ea;   /* bound on a's error */
} ring_state;

static ring_state anchor(const double *x, size_t w) {
    double s = 0.0, c = 0.0, e = 0.0, a = 0.0;
    for (size_t i = 0; i < w; i++) {
        double hi, lo;
        TWO_SUM(s, x[i], hi, lo);
        s = hi;
        c += lo;
        e += U_UP * fabs(c);
        a += fabs(x[i]);
    }
    /* Recursive summation of w non-negative terms errs by <= (w-1) u a. */
    ring_state st = {s, c, e, a, a * (U_UP * (double)w)};
    return st;
}

int mwk_wsum_ring(mwk_seg *sg, double divisor) {
    const double *x = sg->x;
    const size_t n = sg->n, w = sg->w;
    double *out = sg->out;
    const double inv = 1.0 / divisor;
    const double half_budget = 0.5 * (double)(w - 1) * U;
    const size_t m = n - w + 1;
    ring_state st = anchor(x, w);
    /* Locals, not the struct: the state must live in registers, and the
     * running sum's dependency chain must be one add per step. The entering
     * and leaving values are combined first (exactly, off the chain), then
     * added to the sum with an exact TwoSum; only the compensation's own
     * roundings are lost, and each is added to the bound e. */
    double s = st.s, c = st.c, e = st.e, a = st.a, ea = st.ea;
    for (size_t j = 0;; j++) {
        /* Written as !(<=) so that NaN bounds (non-finite data) re-anchor
         * instead of being trusted. */
        if (!(e <= half_budget * (a - ea))) {
            st = anchor(x + j, w);
            s = st.s, c = st.c, e = st.e, a = st.a, ea = st.ea;
        }
        double r = (s + c) * inv;
        out[j] = r;
        /* Non-finite data or overflow: a running state is meaningless from
         * here, and the driver redoes the row with the counting rules. */
        if (!isfinite(r)) return 1;
        if (j + 1 == m) break;
        const double add = x[j + w], rem = x[j];
        double dh, dl, sh, sl;
        TWO_SUM(add, -rem, dh, dl); /* dh + dl == add - rem */
        TWO_SUM(s, dh, sh, sl);     /* sh + sl == s + dh */
        const double t = sl + dl;
        s = sh;
        c += t;
        e += U_UP * (fabs(t) + fabs(c));
        const double a1 = a + fabs(add);
        a = a1 - fabs(rem);
        ea += U_UP * (a1 + fabs(a));
    }
    return 0;
}
