/*
 * mwk: exponentially weighted statistics (EWM).
 *
 * ewm_mean, ewm_sum, ewm_var and ewm_std of a row or of a batch of rows, with
 * pandas' parameters (com / span / halflife / alpha, adjust, ignore_na,
 * min_periods, times with halflife) and one definition that holds for every
 * combination of them. Same conventions as mwk.h: every function returns a
 * status, never prints, aborts or exits, and is safe to call from many
 * threads at once; a call that fails validation writes nothing.
 *
 * ---------------------------------------------------------------------------
 * Definition
 * ---------------------------------------------------------------------------
 * Row x[0..n). A value is an observation unless it is NaN (pandas: NaN is
 * missing). +inf and -inf are observations (values). Let lambda in [0, 1) be
 * the decay per unit step:
 *   com c >= 0       alpha = 1 / (1 + c)
 *   span s >= 1      alpha = 2 / (s + 1)
 *   halflife h > 0   lambda = 2^(-1/h)            (alpha = 1 - lambda)
 *   alpha a in (0,1] lambda = 1 - a
 * With times tau[0..n) (non-decreasing, finite; only with halflife), the
 * decay over a stretch of time T is 2^(-T/h).
 *
 * Decay between rows i < t, D(i, t):
 *   no times, ignore_na = 0: lambda^(t - i)                   (absolute positions)
 *   no times, ignore_na = 1: lambda^(number of observations in (i, t])
 *   times, ignore_na = 0:     2^(-(tau[t] - tau[i]) / h)
 *   times, ignore_na = 1:     2^(-(tau[p] - tau[i]) / h), p the last observation <= t
 * Gain of observation j (what it enters with):
 *   adjust = 1: g_j = 1
 *   adjust = 0: g_j = 1 for the first observation of the row, else
 *     no times: alpha;
 *     times, ignore_na = 0: 1 - 2^(-(tau[j] - tau[j-1]) / h)  (the step from the previous row)
 *     times, ignore_na = 1: 1 - 2^(-(tau[j] - tau[p]) / h)    (p the previous observation)
 * Weights at output t: w_j = g_j * D(j, t) for every observation j <= t, and
 *   S1 = sum w_j, S2 = sum w_j^2,
 *   ewm_sum  = sum w_j x_j
 *   ewm_mean = sum w_j x_j / S1
 *   biased var = sum w_j (x_j - mean)^2 / S1
 *   ewm_var  = biased var * S1^2 / (S1^2 - S2)   (bias = 0, pandas' default: NaN when
 *              S1^2 <= S2, e.g. one observation); biased var when bias = 1
 *   ewm_std  = sqrt(ewm_var)
 * Every output is a direct weighted sum over the observations so far: that is
 * the definition, and the tests compare with it term by term in long double.
 * ignore_na = 1 treats NaN rows as if they were removed (each repeats the
 * output of the previous row). With ignore_na = 0, at a NaN row mean/var/std
 * equal those of the previous row (the common decay cancels; for alpha = 1,
 * where every weight is 0 there, this is the limit) while the sum decays. An
 * output is NaN when fewer than max(min_periods, 1) observations lie in
 * [0, t]. A weight that underflows to 0 is 0: an observation older than about
 * 1075 / -log2(lambda) steps no longer counts (it cannot in double).
 * +inf/-inf: the mean is +inf (-inf) while an infinite observation has a
 * non-zero weight, NaN when both signs have; var/std are NaN; the sum follows
 * IEEE.
 *
 * Where peers differ (python/tests/test_ewm.py checks each claim):
 *   - adjust = 0, ignore_na = 0 with NaN gaps: pandas documents weights on
 *     absolute positions ("(1-alpha)^2 and alpha" for [x0, None, x2]), which is
 *     the definition above; its recursion (and Polars', copied from it) resets
 *     the old weight to 1 after each observation, so from the second
 *     observation after a gap on, pandas and Polars give other numbers.
 *   - times with adjust = 0 is Polars' ewm_mean_by (y = y + (1 - 2^(-dt/h))(x - y));
 *     times with adjust = 1 is pandas' times= (weights 2^(-(t - t_j)/h)): for
 *     x = [1, 3] one day apart, half-life one day, 2.0 and 2.3333 are both
 *     right, for different `adjust` (Polars #21015). pandas refuses adjust = 0
 *     with times, Polars has no adjust for ewm_mean_by.
 *   - times with ignore_na = 1: pandas decays only by the time step that ends
 *     at each observation, dropping the time elapsed up to a NaN row; here
 *     time is time (ignore_na changes only the gain above).
 *   - pandas restarts the mean from the next value after +inf and -inf met
 *     (NaN state); here the NaN stays while both have weight.
 *   - pandas has no ewm sum with adjust = 0: here it is sum w_j x_j with the
 *     adjust = 0 gains (the unnormalised recursion y = lambda y + alpha x).
 *   - Polars turns null rows into null outputs and keeps NaN as a value; the
 *     mwk Polars expressions take null and NaN as missing and give the value
 *     of the definition at every row.
 *
 * ---------------------------------------------------------------------------
 * Algorithms and error bounds
 * ---------------------------------------------------------------------------
 * u = 2^-53. For output t let a_j be the number of recurrence steps between
 * observation j and t (rows for ignore_na = 0, observations for ignore_na = 1;
 * with times, rows), and B_t = sum_j (a_j + 2) w_j |x_j| / S1.
 *
 * MWK_EWM_NAIVE: the sequential recursion per row, in normalised (West 1979)
 *   form: S1 <- D S1 + g, mean <- mean + (g / S1)(x - mean) (skipped when
 *   x == mean, so a constant series gives exactly its value and var 0),
 *   M2 <- D M2 + g d^2 (D S1_old / S1) with d = x - mean_old (never negative;
 *   not g d (x - mean_new), which cancels after a long gap), sum <- D sum + g x.
 *   Mean: |computed - exact| <= 6 u B_t: unrolling the recursion, each step
 *   errs by at most 3u (|mean| + |x|), damped by (1 - g/S1) per later step
 *   (4 u B_t), and rounding alpha/lambda to double perturbs w_j by at most
 *   (a_j + 1) u relative (2 u B_t more). For data of one sign
 *   B_t <= (1/alpha + 1) * mean: relative error <= 6 u (1/alpha + 1), e.g.
 *   3.3e-13 at span 1000. Sum: 6 u B_t S1 + 4 u |sum|.
 *   Var/std (naive only): the weighted Welford update errs like a two-pass
 *   formula on the effective window; tested (not proved) at
 *   |var - exact| <= c (64 u sum_j (a_j + 2) w_j (x_j - mean)^2 / S1) + 16 u var,
 *   c the bias-correction factor S1^2 / (S1^2 - S2) (1 with bias = 1); std
 *   within the square root of that. The correction's S1^2 - S2 is kept as
 *   2 sum_{i<j} w_i w_j, updated without cancellation.
 *
 * MWK_EWM_SCAN (mean and sum, rows without times): the linear recurrence
 *   N_t = lambda N_{t-1} + G x_t  (G = 1 for adjust = 1, alpha for adjust = 0;
 *   started at the first observation with N = x, S1 = 1) as a blocked scan:
 *   within a vector of L lanes an inclusive scan with log2(L) steps
 *   v_i += lambda^k v_{i-k} (k = 1, 2, 4, ...), then y_i = v_i + lambda^(i+1) C,
 *   with C the last lane of the previous vector carried as
 *   C <- lambda^L C + v_{L-1}. Written once in Highway, run on the target of
 *   the call. Without NaN the normaliser is known in closed form:
 *   S1 = 1 (adjust = 0) or (1 - lambda^(k+1)) / (1 - lambda) k steps after the
 *   first observation; mean = N * (1 - lambda) / (1 - lambda^(k+1)), the
 *   powers from pow() re-anchored every 32 rows. A row whose result is not
 *   finite somewhere (NaN or inf in it) is redone: ignore_na = 1 compacts the
 *   observations and scans them; ignore_na = 0 scans N (NaN as 0) and S1 (1 per
 *   observation, times G) and divides; a row holding +-inf, or whose values
 *   could overflow N (max|x| / (1 - lambda) near DBL_MAX), is computed by the
 *   naive recursion, and so is every row when lambda is 0 (alpha = 1).
 *   Error: each output is the exact recurrence of values that are each
 *   perturbed by at most (log2(L) + 3) u relative (the in-vector scan adds
 *   log2(L) roundings, the carry two, lambda^k one from pow), damped by
 *   lambda per step as above, so
 *     |computed - exact| <= (2 log2(L) + 12) u B_t   (L <= 8 on AVX-512: 18 u B_t),
 *   plus the 2 u B_t of the parameter rounding and 70 u |mean| for the
 *   closed-form normaliser. The tests hold every target to
 *   34 u B_t + 70 u |mean|. The result depends on the SIMD target within
 *   this bound (FMA where the target has it).
 *   var/std have no scan form: MWK_E_ALGORITHM. Why (issue 11 looked for a
 *   cheap one): the linear recurrences a scan can carry are the moments
 *   about a fixed pivot c, N1 = sum w (x - c) and N2 = sum w (x - c)^2, and
 *   var = N2/S1 - (N1/S1)^2 then errs by about u (mean_t - c)^2 / var_t
 *   relative, unbounded as the mean drifts from c (a trend, a level
 *   shift). Moving the pivot within the scan (N2' = N2 - 2 d N1 + d^2 S1)
 *   cancels the same way, and re-pivoting by re-scanning the history that
 *   still has weight (about 53 / -log2(lambda) rows, 18,000 at span 1000)
 *   costs far more than the recursion. The normalised
 *   Welford recursion is not linear in its state (the update divides by
 *   the running S1 and squares the running deviation), so it does not
 *   scan either. Measured (one thread, float64, n = 10^6, span 1000,
 *   2026-11-29, shared EPYC): ewm_mean scan 2.2 ns/element, naive 14; ewm_var
 *   naive 21, ewm_std 34 (noisy, shared machine); a pivoted form (three
 *   scans) would cost an estimated ~7 but give
 *   up the variance bound above. With times the decay varies per row: the scan is not
 *   used and both algorithms give the naive recursion.
 *
 * MWK_EWM_AUTO: scan for mean and sum without times, naive otherwise.
 *
 * Results never depend on the thread count (rows are independent; a row is
 * never split) nor on pointer alignment.
 *
 * float32 and float16 input give float32 output (computed in float64, rounded
 * once); every other dtype gives float64. Integers convert exactly (int64 and
 * uint64 beyond 2^53 round once).
 */
#ifndef MWK_EWM_H
#define MWK_EWM_H

#include "mwk.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum mwk_ewm_stat {
    MWK_EWM_MEAN = 0,
    MWK_EWM_SUM = 1,
    MWK_EWM_VAR = 2,
    MWK_EWM_STD = 3
} mwk_ewm_stat;

/** Which parameter `decay_value` is (pandas' com / span / halflife / alpha). */
typedef enum mwk_ewm_decay {
    MWK_EWM_COM = 0,      /* >= 0 */
    MWK_EWM_SPAN = 1,     /* >= 1 */
    MWK_EWM_HALFLIFE = 2, /* > 0 (in the unit of `times` when given) */
    MWK_EWM_ALPHA = 3     /* in (0, 1] */
} mwk_ewm_decay;

typedef enum mwk_ewm_algorithm {
    MWK_EWM_ALGO_AUTO = 0,
    MWK_EWM_ALGO_NAIVE = 1, /* sequential recursion: the reference form */
    MWK_EWM_ALGO_SCAN = 2   /* blocked SIMD linear scan (mean, sum) */
} mwk_ewm_algorithm;

/**
 * Parameters and options of an EWM call. Initialise with mwk_ewm_params_init
 * (or MWK_EWM_PARAMS_INIT) and set fields; struct_size lets it grow as
 * mwk_options does (a caller's older, smaller struct is read as a prefix).
 * Versions: 0.2 is this layout.
 */
typedef struct mwk_ewm_params {
    size_t struct_size;        /* sizeof(mwk_ewm_params) of the caller's header */
    mwk_ewm_decay decay;       /* default MWK_EWM_ALPHA */
    double decay_value;        /* default -1 (unset): must be set (MWK_E_PARAMS otherwise) */
    int adjust;                /* default 1 (pandas) */
    int ignore_na;             /* default 0 (pandas) */
    size_t min_periods;        /* default 0, taken as 1 (pandas) */
    int bias;                  /* var/std: 0 (default) bias-corrected as pandas, 1 biased */
    const double *times;       /* NULL, or n non-decreasing finite times (one row of times
                                  shared by every row of a batch); needs MWK_EWM_HALFLIFE */
    ptrdiff_t times_stride;    /* in elements; default 1 */
    mwk_ewm_algorithm algorithm; /* default MWK_EWM_ALGO_AUTO */
    int threads;               /* 0 = MWK_NUM_THREADS or all cores; rows are shared out */
    const char *target;        /* NULL = the process target; else a name as in
                                  mwk_runtime_info's list, for this call */
} mwk_ewm_params;

#define MWK_EWM_PARAMS_INIT \
    { sizeof(mwk_ewm_params), MWK_EWM_ALPHA, -1.0, 1, 0, 0, 0, NULL, 1, MWK_EWM_ALGO_AUTO, 0, NULL }

MWK_API void mwk_ewm_params_init(mwk_ewm_params *p);

/** The alpha and lambda = 1 - alpha that `p` describes (MWK_E_PARAMS when out
 *  of range). Either output pointer may be NULL. */
MWK_API mwk_status mwk_ewm_decay_get(const mwk_ewm_params *p, double *alpha, double *lambda);

/** Output dtype: float32 for float32/float16 input, float64 otherwise. */
MWK_API mwk_status mwk_ewm_out_dtype(mwk_dtype in, mwk_dtype *out);

/** Names: "mean", "sum", "var", "std"; NULL for unknown values. */
MWK_API const char *mwk_ewm_stat_name(mwk_ewm_stat s);
/** Names: "auto", "naive", "scan"; NULL for unknown values. */
MWK_API const char *mwk_ewm_algorithm_name(mwk_ewm_algorithm a);
MWK_API mwk_status mwk_ewm_algorithm_from_name(const char *name, mwk_ewm_algorithm *out);
/** The algorithm AUTO runs for `stat` with these parameters. */
MWK_API mwk_status mwk_ewm_choose(mwk_ewm_stat stat, const mwk_ewm_params *p,
                                  mwk_ewm_algorithm *chosen);

/**
 * EWM statistic of a 1-D strided array: n inputs x[k * x_stride] of dtype,
 * n outputs y[k * y_stride] of mwk_ewm_out_dtype(dtype). n == 0 is a no-op.
 * Errors: MWK_E_NULL, MWK_E_STAT, MWK_E_DTYPE, MWK_E_PARAMS (struct_size,
 * decay out of range, times without halflife or not non-decreasing/finite),
 * MWK_E_ALGORITHM (unknown, or scan for var/std), MWK_E_THREADS,
 * MWK_E_TARGET, MWK_E_OVERFLOW, MWK_E_OVERLAP (y intersects x or times, or
 * y_stride 0 with n > 1), MWK_E_NOMEM.
 */
MWK_API mwk_status mwk_ewm(mwk_ewm_stat stat, const mwk_ewm_params *p, const void *x,
                           mwk_dtype dtype, size_t n, ptrdiff_t x_stride, void *y,
                           ptrdiff_t y_stride);

/**
 * Along each of `rows` rows: row r element k at x + r*x_row_stride +
 * k*x_stride (elements), likewise y. Rows are spread over threads (OpenMP);
 * results are bit-identical to calling mwk_ewm row by row, for any thread
 * count. `times`, when given, is one row shared by all rows.
 */
MWK_API mwk_status mwk_ewm_batch(mwk_ewm_stat stat, const mwk_ewm_params *p, const void *x,
                                 mwk_dtype dtype, size_t rows, size_t n,
                                 ptrdiff_t x_row_stride, ptrdiff_t x_stride, void *y,
                                 ptrdiff_t y_row_stride, ptrdiff_t y_stride);

#ifdef __cplusplus
}
#endif

#endif /* MWK_EWM_H */
