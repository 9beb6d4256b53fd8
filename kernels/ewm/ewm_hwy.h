/* C view of the Highway EWM scan (ewm_scan_hwy.cc). */
#ifndef MWK_KERNELS_EWM_HWY_H
#define MWK_KERNELS_EWM_HWY_H
#include <stddef.h>
#include <stdint.h>
#ifdef __cplusplus
extern "C" {
#endif
/* The linear recurrence N_i = lam * N_{i-1} + G * v_i, N_{-1} = init, as a
 * blocked scan on Highway target `target`; out[i] = c * N_i. v_i by `mode`:
 * 0: x_i; 1: x_i with NaN taken as 0; 2: 1 where x_i is not NaN, else 0.
 * Returns -1 when `target` was not compiled, else 1 if some output is not
 * finite, else 0. */
int mwk_hwy_ewm_scan(int64_t target, const double *x, size_t n, double lam, double G, double init,
                     double c, int mode, double *out);
#ifdef __cplusplus
}
#endif
#endif
