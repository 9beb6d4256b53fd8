/*
 * mwk: time-based (key-based) windows. Same conventions as mwk.h.
 *
 * Row i's window holds the rows j whose key by[j] lies in an interval that
 * ends at by[i] and spans `window` key units (Polars' rolling_<stat>_by and
 * pandas' rolling("15min")):
 *   MWK_CLOSED_RIGHT (default)  (by[i] - window, by[i]]
 *   MWK_CLOSED_LEFT             [by[i] - window, by[i])
 *   MWK_CLOSED_BOTH             [by[i] - window, by[i]]
 *   MWK_CLOSED_NONE             (by[i] - window, by[i])
 * The window is a function of the key alone (Polars' rolling_<stat>_by,
 * checked against Polars 2.1): rows with equal keys share one window, and
 * with closed right or both it holds every row of key by[i], the rows after
 * row i with that key included. pandas' rolling("15min") differs there: its
 * window for row i ends at row i itself, so rows with equal keys get
 * different windows (the same results when the key has no ties). The key
 * is sorted ascending (MWK_E_UNSORTED otherwise, unless check_sorted is 0:
 * then sortedness is the caller's promise, and a key that breaks it gives
 * unspecified values, never a crash or an access outside the arrays).
 * Windows come from two pointers moving forward along the key: O(n) to
 * find them all, no per-output search (one binary search per chunk of
 * 65536 rows, where a thread starts). Keys anywhere in the int64 range work
 * with any window: the distance by[i] - by[j] is formed as an unsigned
 * 64-bit number, which cannot overflow.
 *
 * An empty window (closed left/none always give one at a key's first row;
 * window 0 with closed right, left or none gives one everywhere; window 0
 * with closed both holds the rows of key by[i]) has no value: NaN. Polars
 * rejects window 0, and gives 0 (not null) for the sum of an empty window.
 *
 * Values per statistic are those of mwk.h for the window's values (NaN
 * policy, +-inf); min_count is the number of non-NaN values a window needs
 * (>= 1), else NaN. argmin/argmax count from the window's newest row (its
 * last, which for tied keys may come after row i); rank ranks row i's own
 * value among the window's values (closed left/none, where row i lies
 * outside its window: among the window's values and itself). Weighted
 * statistics have no key-based form (MWK_E_STAT).
 *
 * NaN policy and infinities as mwk.h per statistic (MWK_NAN_SKIP: NaN left
 * out; MWK_NAN_PROPAGATE: a window holding a NaN gives NaN, which is what
 * Polars does with NaN, while its nulls are skipped). Polars' var/std use
 * ddof 1; pass params.ddof = 1 for the same values.
 *
 * Algorithms (opt->algorithm; others are MWK_E_ALGORITHM), each within its
 * fixed-window contract (mwk.h) for the window it serves, whatever its
 * length:
 *   MWK_ALGO_NAIVE     every statistic: each window on its own through the
 *                      statistic's reference (the accuracy reference).
 *   MWK_ALGO_PREFIX    sum, mean, var, std, min, max: a two-stacks queue (suffix
 *                      aggregates of the window's older part, a running
 *                      aggregate of its newer part, rebuilt when the older
 *                      part runs out: O(1) amortised per row). Every
 *                      partial aggregate holds only values of the window it
 *                      serves (as the fixed-window prefix algorithm's block
 *                      states): sums (plain, as the fixed-window prefix
 *                      algorithm; compensated by TwoSum in a chunk holding
 *                      NaN/inf), double-double
 *                      (count, mean, M2) moments merged by Chan's formula,
 *                      extrema (exact, branch-free). var/std first run plain
 *                      sums of x - K and (x - K)^2 (K: a local shift per
 *                      rebuild) and keep them only where every window of a
 *                      chunk of 65536 rows passes a certificate (sum of
 *                      squares <= 2 M2, which bounds the error inside the
 *                      contract); data whose trend dominates its spread
 *                      within a window, or constant windows, fail it and
 *                      the chunk is redone with the moments (about twice
 *                      the time). The fast form's values depend on values
 *                      near the window (through K) by roundings only, always
 *                      within the contract.
 *   MWK_ALGO_DEQUE     min, max, argmin, argmax: monotonic deque; exact.
 *   MWK_ALGO_SKIPLIST  median, quantile, rank: the window's values kept
 *                      sorted (binary search and a move per row: O(log w)
 *                      compares, O(w) bytes moved); bit-identical to naive.
 *   MWK_ALGO_AUTO      prefix for sum, mean, var, std, min, max; deque for
 *                      argmin, argmax; skiplist for median, quantile, rank
 *                      (measured faster than naive from a few rows per window
 *                      on; for rank only from about 60 rows, but 5x faster
 *                      at 900).
 * Results never depend on the thread count. opt->align must be
 * MWK_ALIGN_TRAILING (MWK_E_ALIGN otherwise); opt->min_count and
 * opt->long_window are not used. argmin/argmax of int64/uint64 beyond 2^53
 * compare the float64 values (unlike mwk_move, not the raw integers).
 */
#ifndef MWK_BY_H
#define MWK_BY_H
#include "mwk.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum mwk_closed {
    MWK_CLOSED_RIGHT = 0,
    MWK_CLOSED_LEFT = 1,
    MWK_CLOSED_BOTH = 2,
    MWK_CLOSED_NONE = 3
} mwk_closed;

/**
 * y[i*y_stride + q*y_q_stride] = statistic of row i's window, for i < n.
 * x: n values of dtype (stride in elements); by: n int64 keys (stride in
 * elements); window >= 0 key units (negative is MWK_E_WINDOW; 0 see above).
 * Output dtype as mwk_move_out_dtype. Errors: those of mwk_move_batch_k,
 * MWK_E_NULL, MWK_E_WINDOW, MWK_E_MIN_COUNT (0), MWK_E_OPTIONS (closed
 * out of range), MWK_E_ALIGN (not trailing), MWK_E_UNSORTED.
 */
MWK_API mwk_status mwk_move_by(mwk_stat stat, const mwk_params *params, const void *x,
                               mwk_dtype dtype, size_t n, ptrdiff_t x_stride, const int64_t *by,
                               ptrdiff_t by_stride, int64_t window, mwk_closed closed,
                               size_t min_count, int check_sorted, void *y, ptrdiff_t y_stride,
                               ptrdiff_t y_q_stride, const mwk_options *opt);

/** The algorithm MWK_ALGO_AUTO runs for mwk_move_by (for benchmarks, tests). */
MWK_API mwk_status mwk_move_by_choose(mwk_stat stat, const mwk_params *params, mwk_dtype dtype,
                                      const mwk_options *opt, mwk_algorithm *chosen);

#ifdef __cplusplus
}
#endif
#endif
