/* Mergeable moment states (count, mean, M2) with the mean carried as a
 * double-double, shared by var and std.
 *
 * Why double-double: in a plain double the mean of data near 1e8 carries an
 * absolute error of u * 1e8 = 1e-8, and every Welford or Chan update
 * multiplies that error by a deviation; with w = 1000 that alone is a 1e-8
 * relative error in the variance (Polars' figure). With the mean exact to
 * about u * spread, each M2 increment is a product of two accurate
 * deviations, all increments are non-negative, and M2 is as accurate as a
 * two-pass computation: relative error about (w + 4) u. Constant data gives
 * deviations of exactly 0, so M2 is exactly 0. */
#ifndef MWK_KERNELS_MOMENTS_H
#define MWK_KERNELS_MOMENTS_H
#include <math.h>
#include <stddef.h>

typedef struct {
    double n, mh, ml, m2;
} mwk_mom;

static inline void mwk_mom_clear(mwk_mom *s) { s->n = s->mh = s->ml = s->m2 = 0.0; }

/* Welford's update with the mean in double-double (x finite). */
static inline void mwk_mom_add(mwk_mom *s, double x) {
    const double n1 = s->n + 1.0;
    /* d = x - (mh + ml), accurately: TwoSum(x, -mh), then the low parts. */
    const double t = x - s->mh, bb = t - x;
    const double e = (x - (t - bb)) + (-s->mh - bb);
    const double d = t + (e - s->ml);
    const double q = d / n1;
    /* mean += q in double-double (TwoSum, then a fast renormalisation). */
    const double h = s->mh + q, b2 = h - s->mh;
    const double e2 = (s->mh - (h - b2)) + (q - b2);
    const double l = s->ml + e2;
    s->mh = h + l;
    s->ml = l - (s->mh - h);
    /* x - new mean = d - q = d * n / (n + 1): same sign as d, so the
     * increment is never negative. */
    s->m2 += d * (d - q);
    s->n = n1;
}

/* Chan's merge of two states over disjoint sets. */
static inline mwk_mom mwk_mom_merge(const mwk_mom *a, const mwk_mom *b) {
    if (a->n == 0.0) return *b;
    if (b->n == 0.0) return *a;
    mwk_mom r;
    r.n = a->n + b->n;
    const double t = b->mh - a->mh, bb = t - b->mh;
    const double e = (b->mh - (t - bb)) + (-a->mh - bb);
    const double d = t + (e + (b->ml - a->ml));
    r.m2 = a->m2 + b->m2 + d * d * (a->n * b->n / r.n);
    /* The mean of the union (only needed by callers that merge again). */
    const double w = b->n / r.n, q = d * w;
    const double h = a->mh + q, b2 = h - a->mh;
    const double e2 = (a->mh - (h - b2)) + (q - b2);
    const double l = a->ml + e2;
    r.mh = h + l;
    r.ml = l - (r.mh - h);
    return r;
}

/* M2 / (n - ddof); NaN when n <= ddof. Never negative. */
static inline double mwk_mom_var(double m2, double n, int ddof) {
    const double dof = n - (double)ddof;
    if (!(dof > 0.0)) return NAN;
    return m2 > 0.0 ? m2 / dof : m2 == m2 ? 0.0 : NAN;
}

#endif
