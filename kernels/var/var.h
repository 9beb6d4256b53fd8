/* Cores shared by move_var and move_std (std = sqrt of var's result). */
#ifndef MWK_KERNELS_VAR_H
#define MWK_KERNELS_VAR_H
#include "engine.h"

/* The reference: corrected two-pass over the window's finite values
 * (compensated sums, power-of-two scaling against overflow), under the full
 * NaN/inf/min_count rules; ddof from p. */
double mwk_var_window(const double *x, size_t lo, size_t hi, const mwk_params *p,
                      mwk_nan_policy policy, size_t min_count);

/* The same, square-rooted before unscaling (finite when the std is). */
double mwk_std_window(const double *x, size_t lo, size_t hi, const mwk_params *p,
                      mwk_nan_policy policy, size_t min_count);

/* Full-window cores (engine.h contract, MWK_NF_MOMENTS): var, or std when
 * root = 1. */
int mwk_var_prefix(mwk_seg *s, int root);
int mwk_var_welford(mwk_seg *s, int root);
size_t mwk_var_prefix_scratch(size_t n, size_t w);

/* Accumulator for clipped windows: the double-double Welford state. */
void mwk_var_acc_init(mwk_acc *a);
void mwk_var_acc_add(mwk_acc *a, double v, size_t idx);
double mwk_var_acc_value(const mwk_acc *a, size_t count, size_t newest, const mwk_params *p);

void mwk_var_acc_scan(const double *x, size_t len, int backward, int ddof, int root, double *out);

mwk_status mwk_var_check(const mwk_params *p);

#endif
