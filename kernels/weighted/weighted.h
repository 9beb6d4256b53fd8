/* Weighted windows (weighted_sum, weighted_mean): the pieces the three
 * algorithms share. The semantics and the bounds are in include/mwk.h
 * (MWK_STAT_WEIGHTED_SUM).
 *
 * Every core computes final values for its full windows: absent values
 * (NaN, the engine's padding of clipped windows) are skipped with the
 * present weight renormalising the mean and min_weight deciding, and
 * infinities follow the sign rules. The statistics are of the engine's
 * MWK_NF_ORDER class (cores skip NaN natively), so a core that saw a NaN
 * returns 1 and the engine applies the NaN policy and min_count from the
 * per-window counts; there is no masked re-run. */
#ifndef MWK_KERNELS_WEIGHTED_H
#define MWK_KERNELS_WEIGHTED_H
#include <stddef.h>

#include "engine.h"
#include "weighted_hwy.h"

/* The taps of one core call and their totals. */
typedef struct wt_taps {
    const double *w; /* W taps, oldest first */
    double *own;     /* w when this struct allocated it (the boxcar), else NULL */
    size_t W;
    double tot_sgn;  /* sum of the taps (compensated) */
    double tot_abs;  /* sum of |taps| (compensated) */
    double min_weight;
    int mean;        /* 1: weighted_mean */
} wt_taps;

/* Fills t for segment s (the boxcar when the caller gave no taps). 0, or
 * -1 with s->err set. */
int mwk_wt_taps_init(wt_taps *t, mwk_seg *s);
void mwk_wt_taps_free(wt_taps *t);

/* The result of one window from its parts: S the weighted sum of the
 * present finite values, P the sum of the present taps, D the sum of the
 * absent |taps|, inf: 0 none, 1 +inf, -1 -inf, 2 both signs (contributions
 * sign(w) * x of infinities under nonzero taps). */
double mwk_wt_finish(const wt_taps *t, double S, double P, double D, int inf);

/* The reference for the window x[0, W) with taps t: every rule but the NaN
 * policy and min_count (the engine's), accurate by construction (Dot2 with
 * fma(), scaled on overflow). *nan is set to 1 if the window holds a NaN. */
double mwk_wt_window(const double *x, const wt_taps *t, int *nan);

/* The three algorithms' cores (mean: 1 for weighted_mean). */
int mwk_wt_naive(mwk_seg *s);
int mwk_wt_direct(mwk_seg *s);
int mwk_wt_fft(mwk_seg *s);
/* The fft algorithm's block length for n inputs and W taps (~4W, never above
 * what n needs; 0 on overflow): the FIR bank's fft uses the same blocks. */
size_t mwk_wt_fft_block_len(size_t n, size_t W);
size_t mwk_wt_fft_scratch(size_t n, size_t w);

#endif
