/* Moving median/quantile algorithms beyond the reference: Suomela's
 * sort-based filter (qsortblock.c) and SIMD sorting networks for small
 * windows (qnetwork.c, qnetwork_hwy.cc). Both find the two order statistics
 * exactly and produce values only through mwk_qpos_of/mwk_q_value, so they
 * are bit-identical to the reference (orderstat.h). */
#ifndef MWK_KERNELS_QSORTBLOCK_H
#define MWK_KERNELS_QSORTBLOCK_H
#include <stddef.h>
#include <stdint.h>

#include "engine.h"
#include "orderstat.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A (key, index) pair laid out as Highway's uint128_t (lo = index, hi =
 * key): sorting by (hi, lo) is a stable sort by key. */
typedef struct mwk_kv {
    uint64_t idx;
    uint64_t key;
} mwk_kv;

/* Order-preserving key of a non-NaN double; -0.0 and +0.0 get the same key
 * (they compare equal, as in the reference's sort). */
static inline uint64_t mwk_q_key(double v) {
    union {
        double d;
        uint64_t u;
    } c;
    c.d = v + 0.0; /* -0.0 + 0.0 is +0.0 */
    return (c.u >> 63) ? ~c.u : (c.u | 0x8000000000000000ull);
}

/* mwk_q_value with its two commonest cases inline: one order statistic, and
 * the midpoint (mwk_q_combine's own branches, in its order: a == b gives a;
 * -inf and +inf give NaN; one infinity gives it; else a/2 + b/2 rounded
 * once). Bit-identical to mwk_q_value by construction. */
static inline double mwk_q_value_fast(double a, double b, mwk_qpos pos) {
    if (pos.t == 0.0) return a;
    if (pos.t == 0.5) return a == b ? a : a * 0.5 + b * 0.5;
    return mwk_q_value(a, b, pos);
}

int mwk_q_sortblock(mwk_seg *s);
size_t mwk_q_sortblock_scratch(size_t n, size_t w);

/* Sorting networks: exact for any window, fast for w <= MWK_Q_NETWORK_MAX_W
 * (larger windows run the sort-based filter: correct, never auto). */
#define MWK_Q_NETWORK_MAX_W 32
int mwk_q_network(mwk_seg *s);
size_t mwk_q_network_scratch(size_t n, size_t w);

/* Highway parts (qnetwork_hwy.cc). Return -1 when `target` was not compiled
 * (or has no vectorised sort): the caller then uses its scalar path. */
/* Sorts a[0, m) ascending with VQSort. */
int mwk_hwy_u64_sort(int64_t target, uint64_t *a, size_t m);
/* For the windows x[j .. j+w), j < nwin (every value non-NaN), the values of
 * ranks rk[0, nr) (0-based, < w) of each window: dst[r * nwin + j]. The
 * comparators cmp[0, 2*ncmp) of a sorting network over p >= w inputs (the
 * inputs w .. p-1 are +inf), pruned to those the ranks need. */
int mwk_hwy_q_network(int64_t target, const double *x, size_t nwin, size_t w, size_t p,
                      const uint16_t *cmp, size_t ncmp, const uint16_t *rk, size_t nr,
                      double *dst);

#ifdef __cplusplus
}
#endif
#endif
