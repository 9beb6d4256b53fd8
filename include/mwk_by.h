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
 * Rows with equal keys: as Polars (documented with the implementation). The key
 * is sorted ascending (MWK_E_UNSORTED otherwise, unless check_sorted is 0:
 * then sortedness is the caller's promise, and a key that breaks it gives
 * unspecified values, never a crash). Windows come from two pointers moving
 * forward along the key: O(n) to find them all, no per-output search.
 *
 * Values per statistic are those of mwk.h for the window's values (NaN
 * policy, +-inf); min_count is the number of non-NaN values a window needs
 * (>= 1), else NaN. argmin/argmax count from the window's newest row; rank
 * ranks row i's own value (the newest row of its window for closed right or
 * both). Weighted statistics have no key-based form (MWK_E_STAT).
 *
 * Algorithms (opt->algorithm): MWK_ALGO_NAIVE (each window on its own
 * through the statistic's reference: the accuracy reference), and per
 * statistic the running forms that take a window of varying width, each
 * within its fixed-window contract (mwk.h) for the window it serves;
 * MWK_ALGO_AUTO picks the fastest measured. opt->align must be
 * MWK_ALIGN_TRAILING and opt->min_count, opt->long_window are not used.
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
 * elements); window >= 0 key units (0 with closed right holds the rows
 * with key by[i] only... as Polars; negative is MWK_E_WINDOW).
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
