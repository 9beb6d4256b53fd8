/* Window sums: the cores shared by move_mean and move_sum (and by any
 * statistic that needs plain window sums).
 *
 * Each core computes, for the full windows of a contiguous float64 segment
 * (engine.h: mwk_seg), out[j] = sum(x[j .. j+w-1]) / divisor. It returns 1
 * when some output is not finite (non-finite data, or an overflowing sum),
 * and the engine applies the sum class's rules (engine.h). Every core but
 * fft keeps values outside a window from influencing it: the contract
 *     |computed - exact| <= (w + 2) * 2^-53 * sum(|x| in window) / divisor
 * holds by construction (naive, prefix) or by a running certificate (ring).
 * Cores may multiply by 1/divisor instead of dividing (one extra rounding,
 * inside the bound's slack). */
#ifndef MWK_KERNELS_WSUM_H
#define MWK_KERNELS_WSUM_H
#include <stddef.h>

#include "engine.h"

int mwk_wsum_ring(mwk_seg *s, double divisor);
int mwk_wsum_prefix(mwk_seg *s, double divisor);
int mwk_wsum_fft(mwk_seg *s, double divisor);
size_t mwk_wsum_prefix_scratch(size_t n, size_t w);
size_t mwk_wsum_fft_scratch(size_t n, size_t w);

/* Portable C version of the prefix core (builds without Highway; "scalar"). */
int mwk_wsum_prefix_portable(const double *x, size_t n, size_t w, double divisor, double *out);

/* Neumaier-compensated sum of x[0..len) (all finite). If the plain sum
 * overflows, it is recomputed scaled by 2^-64 and *scaled is set to 1: the
 * true sum is then the returned value times 2^64. */
double mwk_sum_compensated(const double *x, size_t len, int *scaled);

/* The reference: sum (mean = 0) or mean (mean = 1) of the window x[lo, hi)
 * under the full NaN/inf/min_count rules, compensated and overflow-safe. */
double mwk_wsum_window(const double *x, size_t lo, size_t hi, mwk_nan_policy policy,
                       size_t min_count, int mean);

/* The compensated accumulator for clipped windows (engine.h: mwk_acc). */
void mwk_wsum_acc_init(mwk_acc *a);
void mwk_wsum_acc_add(mwk_acc *a, double v, size_t idx);
double mwk_wsum_acc_value(const mwk_acc *a, size_t count, size_t newest, const mwk_params *p);

/* Fast clipped windows (engine.h: acc_scan), sums or means (mean = 1). */
void mwk_wsum_acc_scan(const double *x, size_t len, int backward, int mean, double *out);

#define MWK_TWO_POW_64 18446744073709551616.0
#define MWK_TWO_POW_M64 (1.0 / 18446744073709551616.0)

#endif
