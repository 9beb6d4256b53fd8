/* C view of the Highway certified fast form of var/std (var_hwy.cc). */
#ifndef MWK_KERNELS_VAR_HWY_H
#define MWK_KERNELS_VAR_HWY_H
#include <stddef.h>
#include <stdint.h>
#ifdef __cplusplus
extern "C" {
#endif
/* Every block of w windows of x[0..n): shift K[b], outputs (var, or std when
 * root) into out, fail[b] = 1 when a window of block b failed its
 * certificate (the caller redoes it). fs, ft: w + 64 doubles each.
 * Returns -1 when `target` was not compiled, else 0. */
int mwk_hwy_var_fast(int64_t target, const double *x, size_t n, size_t w, const double *K,
                     double inv_w, double inv_dof, int root, double *out, double *fs, double *ft,
                     unsigned char *fail);
#ifdef __cplusplus
}
#endif
#endif
