/* C view of the Highway moving min/max core (extrema_hwy.cc). */
#ifndef MWK_KERNELS_EXTREMA_HWY_H
#define MWK_KERNELS_EXTREMA_HWY_H
#include <stddef.h>
#include <stdint.h>
#ifdef __cplusplus
extern "C" {
#endif
/* Full windows of van Herk's algorithm for Highway target `target`; `fw` is
 * scratch of at least w + 64 doubles. Returns -1 when `target` was not
 * compiled, 1 if a NaN (or an inf) was seen, else 0. */
int mwk_hwy_ext_prefix(int64_t target, int is_max, const double *x, size_t n, size_t w,
                       double *out, double *fw);
#ifdef __cplusplus
}
#endif
#endif
