/* C view of the Highway window-sum core (wsum_prefix_hwy.cc). */
#ifndef MWK_KERNELS_WSUM_HWY_H
#define MWK_KERNELS_WSUM_HWY_H
#include <stddef.h>
#include <stdint.h>
#ifdef __cplusplus
extern "C" {
#endif
/* Full windows of the prefix algorithm for Highway target `target`.
 * `fw`: scratch of at least w + 64 doubles, or NULL to allocate it here.
 * `stream`: non-temporal output stores (large batches).
 * Returns -1 when `target` was not compiled, -2 when out of memory, else 1
 * if any output is not finite, else 0. */
int mwk_hwy_wsum_prefix(int64_t target, const double *x, size_t n, size_t w, double divisor,
                        double *out, int stream, double *fw);
#ifdef __cplusplus
}
#endif
#endif
