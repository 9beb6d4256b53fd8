/* C view of the Highway direct weighted-window core (weighted_hwy.cc). */
#ifndef MWK_KERNELS_WEIGHTED_HWY_H
#define MWK_KERNELS_WEIGHTED_HWY_H
#include <stddef.h>
#include <stdint.h>
#ifdef __cplusplus
extern "C" {
#endif
/* out[j] = scale * (blocked dot product of x[j, j+W) with w), for the
 * n - W + 1 full windows, on Highway target `target`. Returns -1 when
 * `target` was not compiled, else 1 if some output is not finite, else 0. */
int mwk_hwy_wt_direct(int64_t target, const double *x, size_t n, const double *w, size_t W,
                      double scale, double *out);

/* The direct form in portable C (builds without Highway; the "scalar"
 * target; the SIMD core's last outputs): the same blocked dot products. */
int mwk_wt_direct_portable(const double *x, size_t n, const double *w, size_t W, double scale,
                           double *out);

/* Taps are accumulated in chains of this many multiply-adds per output
 * before the chain's sum joins the compensated total (the bound in mwk.h). */
#define MWK_WT_BLOCK 16
#ifdef __cplusplus
}
#endif
#endif
