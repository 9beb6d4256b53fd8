/* Key-based windows (include/mwk_by.h): the plan shared by the driver
 * (by.c) and the algorithms (by_algos.c). */
#ifndef MWK_KERNELS_BY_H
#define MWK_KERNELS_BY_H
#include <stddef.h>
#include <stdint.h>

#include "common/orderstat.h"
#include "engine.h"
#include "mwk_by.h"

typedef enum { MWK_BY_SUM, MWK_BY_MOMENTS, MWK_BY_EXTREMA, MWK_BY_ORDER } mwk_by_family_t;

typedef struct {
    const mwk_stat_desc *stat;
    mwk_by_family_t family;
    mwk_algorithm algo; /* resolved: never AUTO */
    mwk_params params;  /* complete */
    mwk_qlist ql;       /* median/quantile: the quantiles asked for */
    int is_rank;
    mwk_nan_policy policy;
    mwk_dtype dtype, out_dtype;
    size_t n, k, min_count;
    uint64_t w;
    int incl_lo, incl_hi; /* closed: the interval's ends */
    mwk_closed closed;
} mwk_by_plan;

/* Per-thread growable buffers (kept across the chunks a thread runs). */
typedef struct {
    void *buf;
    size_t cap; /* elements of the algorithm's own size */
    double *out;
    size_t out_cap;
    double *vals;
    size_t vals_cap;
    size_t *idx;
    size_t idx_cap;
} mwk_by_work;

mwk_by_family_t mwk_by_family(const mwk_stat_desc *d);

/* For by[j] <= t, t - by[j] as an unsigned 64-bit number is exact (the
 * difference lies in [0, 2^64)), so no subtraction can overflow, even with
 * keys at INT64_MIN and INT64_MAX and any window. A key above t (an
 * unsorted key, or a later row of an equal key) is never too old. */
static inline int mwk_by_too_old(int64_t kj, int64_t t, uint64_t w, int incl_lo) {
    const uint64_t d = (uint64_t)t - (uint64_t)kj;
    return (kj <= t) & (incl_lo ? d > w : d >= w);
}

static inline int mwk_by_below_hi(int64_t kj, int64_t t, int incl_hi) {
    return incl_hi ? kj <= t : kj < t;
}

/* Moves [*lo, *hi) to row i's window (both only move forward, lo <= hi:
 * on an unsorted key too). */
static inline void mwk_by_window_next(const mwk_by_plan *p, const int64_t *key, size_t i,
                                      size_t *lo, size_t *hi) {
    const int64_t t = key[i];
    const uint64_t w = p->w;
    const int ih = p->incl_hi, il = p->incl_lo;
    size_t h = *hi, l = *lo;
    /* Four keys at a time, counted without branches: on a sorted key the
     * flags are a run of ones then zeros, so their sum is the step; the
     * loop exits are then predictable where a step of 0, 1 or 2 rows per
     * output is not (a mispredicted branch per row otherwise). On an
     * unsorted key the sum is still at most 4 and the bounds hold. */
    for (;;) {
        if (h + 4 <= p->n) {
            const size_t a = (size_t)mwk_by_below_hi(key[h], t, ih) +
                             (size_t)mwk_by_below_hi(key[h + 1], t, ih) +
                             (size_t)mwk_by_below_hi(key[h + 2], t, ih) +
                             (size_t)mwk_by_below_hi(key[h + 3], t, ih);
            h += a;
            if (a < 4) break;
        } else {
            while (h < p->n && mwk_by_below_hi(key[h], t, ih)) h++;
            break;
        }
    }
    for (;;) {
        if (l + 4 <= h) {
            const size_t a = (size_t)mwk_by_too_old(key[l], t, w, il) +
                             (size_t)mwk_by_too_old(key[l + 1], t, w, il) +
                             (size_t)mwk_by_too_old(key[l + 2], t, w, il) +
                             (size_t)mwk_by_too_old(key[l + 3], t, w, il);
            l += a;
            if (a < 4) break;
        } else {
            while (l < h && mwk_by_too_old(key[l], t, w, il)) l++;
            break;
        }
    }
    *lo = l, *hi = h;
}

/* Grows *buf to hold `need` elements of esize bytes; 0 when out of memory. */
int mwk_by_grow(void **buf, size_t *cap, size_t need, size_t esize);
void mwk_by_work_free(mwk_by_work *wk);

/* Algorithms: outputs of rows [c0, c1) into out ((c1 - c0) * k values),
 * the window of row c0 being [lo, hi). */
#define MWK_BY_ALGO_ARGS                                                                          \
    const mwk_by_plan *p, const double *x, const int64_t *key, size_t c0, size_t c1, size_t lo,  \
        size_t hi, double *out, mwk_by_work *wk
mwk_status mwk_by_naive(MWK_BY_ALGO_ARGS);
mwk_status mwk_by_sum_stacks(MWK_BY_ALGO_ARGS);
mwk_status mwk_by_mom_stacks(MWK_BY_ALGO_ARGS);
mwk_status mwk_by_deque(MWK_BY_ALGO_ARGS);
mwk_status mwk_by_ext_stacks(MWK_BY_ALGO_ARGS);
mwk_status mwk_by_sorted(MWK_BY_ALGO_ARGS);

#endif
