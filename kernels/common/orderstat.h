/* Order statistics (median, quantile, rank): what every algorithm of them
 * shares, so that all of them give bit-identical results.
 *
 * A quantile of c sorted values is fixed by two order statistics and a
 * weight (mwk_qpos, with numpy.quantile's virtual index per method); every
 * algorithm finds the two order statistics exactly and then calls
 * mwk_q_combine, the one place where arithmetic happens. Rank is counts
 * (values below and equal to the newest) and mwk_rank_value.
 *
 * Semantics (MWK_NF_ORDER): NaN is absent (cores skip it and return 1 when
 * they saw one; the engine applies the NaN policy and min_count); +inf and
 * -inf are ordinary values. */
#ifndef MWK_KERNELS_ORDERSTAT_H
#define MWK_KERNELS_ORDERSTAT_H
#include <stddef.h>

#include "engine.h"

/* The two order statistics (0-based ranks lo <= hi among c >= 1 values)
 * and the weight of the upper one. t == 0 means v[lo] alone. */
typedef struct {
    size_t lo, hi;
    double t;
} mwk_qpos;

mwk_qpos mwk_qpos_of(size_t c, double q, mwk_interpolation how);

/* a <= b, the values at ranks lo and hi; t from mwk_qpos. a + t*(b - a)
 * faithfully rounded (exactly a/2 + b/2, rounded once, for t = 1/2), never
 * overflowing where the result is finite; inf as the mathematics says
 * (-inf and +inf give NaN, +inf and +inf give +inf). */
double mwk_q_combine(double a, double b, double t);

/* Quantile value of c values given their two order statistics. */
static inline double mwk_q_value(double a, double b, mwk_qpos pos) {
    return pos.t == 0.0 ? a : mwk_q_combine(a, b, pos.t);
}

/* The quantiles a statistic asks for: median is (0.5, linear); quantile
 * its params' list (or the single q). */
typedef struct {
    const double *q;
    size_t k;
    mwk_interpolation how;
    double one; /* storage for a single q */
} mwk_qlist;

void mwk_qlist_of(const mwk_stat_desc *d, const mwk_params *p, mwk_qlist *out);

/* Rank of the newest value: less and equal count the window's non-NaN
 * values below and equal to it (itself included in equal), c of them. */
static inline double mwk_rank_value(size_t less, size_t equal, size_t c) {
    if (c <= 1) return 0.0;
    /* 2*(less + (equal-1)/2)/(c-1) - 1 with one rounding: integer numerator. */
    const double num = (double)(2 * less + equal - 1) - (double)(c - 1);
    return num / (double)(c - 1);
}

/* The reference over one window: copies the non-NaN values of x[lo, hi)
 * into v (room for hi - lo), sorts them, and writes the k quantiles to out;
 * returns the count of values. */
size_t mwk_q_window(const double *x, size_t lo, size_t hi, const mwk_qlist *ql, double *v,
                    double *out);

/* The reference rank of x[newest] among the non-NaN values of x[lo, hi). */
double mwk_rank_window(const double *x, size_t lo, size_t hi, size_t newest);

/* 1 when the window x[lo, hi) gives a value under the NaN policy and
 * min_count (the rules every order statistic's reference applies). */
int mwk_order_window_counts(const double *x, size_t lo, size_t hi, mwk_nan_policy policy,
                            size_t min_count);

/* The reference (mwk_stat_desc.ref) of median and quantile: the first
 * quantile d asks for, of the window x[lo, hi). */
double mwk_q_ref(const mwk_stat_desc *d, const double *x, size_t lo, size_t hi,
                 const mwk_params *p, mwk_nan_policy policy, size_t min_count);

/* Naive cores (every window on its own; scratch w doubles). */
int mwk_q_naive(mwk_seg *s);
size_t mwk_q_naive_scratch(size_t n, size_t w);
int mwk_rank_naive(mwk_seg *s);

/* Parameter check of the quantile statistic. */
mwk_status mwk_q_check(const mwk_params *p);
size_t mwk_q_n_out(const mwk_params *p);

#endif
