/* move_mean, ring algorithm: the seed's "327x" running sum, done right.
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
#include "internal.h"

#define U (DBL_EPSILON / 2) /* unit roundoff 2^-53 */
/* Bounds are accumulated in floating point too; inflate each term slightly so
 * their own rounding cannot make them underestimate. */
#define U_UP (U * (1.0 + 8 * DBL_EPSILON))

typedef struct {
    double s, c;   /* value sum, compensation */
    double a, ea;  /* sum of |x| and a bound on its error */
    double e;      /* bound on |s + c - exact sum| */
} ring_state;

static void anchor(ring_state *st, const double *x, size_t w) {
    double s = 0.0, c = 0.0, e = 0.0, a = 0.0;
    for (size_t i = 0; i < w; i++) {
        double v = x[i], t = s + v;
        c += fabs(s) >= fabs(v) ? (s - t) + v : (v - t) + s;
        e += U_UP * fabs(c);
        s = t;
        a += fabs(v);
    }
    st->s = s, st->c = c, st->e = e;
    st->a = a;
    st->ea = a * (U_UP * (double)w); /* recursive summation of w non-negative terms */
}

static inline void update(ring_state *st, double add, double rem) {
    double s = st->s, c = st->c, t;
    t = s + add;
    c += fabs(s) >= fabs(add) ? (s - t) + add : (add - t) + s;
    s = t;
    double e1 = U_UP * fabs(c);
    double r = -rem;
    t = s + r;
    c += fabs(s) >= fabs(r) ? (s - t) + r : (r - t) + s;
    s = t;
    st->s = s, st->c = c;
    st->e += e1 + U_UP * fabs(c);
    double a1 = st->a + fabs(add);
    double a2 = a1 - fabs(rem);
    st->ea += U_UP * (a1 + fabs(a2));
    st->a = a2;
}

int mm_core_ring(const double *x, size_t n, size_t w, double divisor, double *out, mm_ctx *ctx) {
    (void)ctx;
    const double inv = 1.0 / divisor;
    const double half_budget = 0.5 * (double)(w - 1) * U;
    ring_state st;
    anchor(&st, x, w);
    size_t m = n - w + 1;
    for (size_t j = 0;; j++) {
        /* Written as !(<=) so that NaN bounds (non-finite data) re-anchor
         * instead of being trusted. */
        if (!(st.e <= half_budget * (st.a - st.ea))) {
            anchor(&st, x + j, w);
        }
        double r = (st.s + st.c) * inv;
        out[j] = r;
        /* Non-finite data or overflow: a running state is meaningless from
         * here, and the driver redoes the row with the counting rules. */
        if (!isfinite(r)) return 1;
        if (j + 1 == m) break;
        update(&st, x[j + w], x[j]);
    }
    return 0;
}
