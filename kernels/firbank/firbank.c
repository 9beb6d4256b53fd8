/* FIR filter banks (mwk_fir_bank_batch, include/mwk.h "FIR filter banks"):
 * K filters of W taps per row, through the window engine, so alignment,
 * clipped windows, NaN policy, min_count, dtypes, strides, rows and threads
 * are weighted_sum's own. The bank is a descriptor outside the registry
 * (like the Hampel filter's median+MAD pair) whose K values per window are
 * the engine's multi-value output (mwk_seg.k).
 *
 * Parameters travel in mwk_params as the engine copies them: weights = the
 * K x W taps (row-major), n_weights = W (so the engine's taps-length check
 * and weighted clipping apply), min_weight, and n_quantiles = K (the
 * engine's values-per-window count; quantiles stays NULL). Only this file
 * builds such params.
 *
 * Every core produces weighted_sum's final values of the full windows (NaN
 * skipped natively, min_weight applied): the class is MWK_NF_ORDER, so the
 * engine applies the NaN policy and min_count from its per-window counts,
 * the same for the K filters. */
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "blas/blas_backend.h"
#include "engine.h"
#include "fftw/fftw_backend.h"
#include "mwk_config.h"
#include "weighted/weighted.h"

extern const mwk_stat_desc mwk_stat_weighted_sum;

/* ------------------------------------------------------------------------ */
/* One filter of the bank as a weighted_sum                                  */

static mwk_params filter_params(const mwk_params *p, size_t k) {
    mwk_params q = *p;
    q.weights = p->weights + k * p->n_weights;
    q.quantiles = NULL;
    q.n_quantiles = 0;
    return q;
}

static mwk_seg filter_seg(const mwk_seg *s, const mwk_params *q, const double *x, size_t n,
                          double *out) {
    mwk_seg f = *s;
    f.stat = &mwk_stat_weighted_sum;
    f.params = q;
    f.x = x, f.n = n, f.out = out;
    f.k = 1;
    f.valid_lo = 0, f.valid_hi = n;
    f.scratch = NULL; /* weighted's cores then allocate their own */
    f.err = MWK_OK;
    return f;
}

/* The taps' totals of every filter (for the per-window reference). */
static wt_taps *all_taps(mwk_seg *s, mwk_params *qs) {
    const size_t K = s->k;
    wt_taps *t = calloc(K, sizeof *t);
    if (!t) return NULL;
    for (size_t k = 0; k < K; k++) {
        qs[k] = filter_params(s->params, k);
        mwk_seg f = filter_seg(s, &qs[k], s->x, s->n, s->out);
        if (mwk_wt_taps_init(&t[k], &f) < 0) { /* cannot fail: the taps are given */
            free(t);
            return NULL;
        }
    }
    return t;
}

/* Windows whose fast result is not finite (a NaN or inf in the window, or
 * overflow): weighted_sum's reference for that window and filter. Returns 1
 * if some window held a NaN. */
static int fix_nonfinite(mwk_seg *s, const wt_taps *t, size_t j0, size_t j1) {
    const size_t K = s->k;
    int any = 0;
    for (size_t j = j0; j < j1; j++)
        for (size_t k = 0; k < K; k++)
            if (!isfinite(s->out[j * K + k])) {
                int nan;
                s->out[j * K + k] = mwk_wt_window(s->x + j, &t[k], &nan);
                any |= nan;
            }
    return any;
}

/* naive, direct: weighted_sum's core per filter, scattered into the bank's
 * layout (the same bits as K separate calls). In chunks of positions whose
 * K outputs stay in cache: one pass per filter over a whole segment (K*8
 * bytes per position, 8 MB at K = 16) was 5x slower at W = 4, K = 16. */
#define CHUNK_BYTES ((size_t)1 << 18)
static int per_filter(mwk_seg *s, mwk_core_fn core) {
    const size_t K = s->k, W = s->w, m = s->n - s->w + 1;
    size_t C = CHUNK_BYTES / (K * sizeof(double));
    if (C < 64) C = 64;
    if (C > m) C = m;
    double *tmp = malloc(C * sizeof(double));
    if (!tmp) {
        s->err = MWK_E_NOMEM;
        return -1;
    }
    int any = 0;
    for (size_t j0 = 0; j0 < m; j0 += C) {
        const size_t c = m - j0 < C ? m - j0 : C;
        for (size_t k = 0; k < K; k++) {
            mwk_params q = filter_params(s->params, k);
            mwk_seg f = filter_seg(s, &q, s->x + j0, c + W - 1, tmp);
            const int r = core(&f);
            if (r < 0) {
                s->err = f.err;
                free(tmp);
                return -1;
            }
            any |= r;
            double *o = s->out + j0 * K + k;
            for (size_t j = 0; j < c; j++) o[j * K] = tmp[j];
        }
    }
    free(tmp);
    return any;
}

static int bank_naive(mwk_seg *s) { return per_filter(s, mwk_wt_naive); }
static int bank_direct(mwk_seg *s) { return per_filter(s, mwk_wt_direct); }

/* ------------------------------------------------------------------------ */
/* gemm                                                                     */

/* The windows j, j+W, j+2W, ... are consecutive W-value stretches of the
 * row: a row-major M x W matrix with leading dimension W, in place (no
 * im2col copy). Their K outputs are rows of the output with leading
 * dimension W*K. So the segment runs as W interleaved GEMMs per chunk of
 * M*W positions, M*K*W <= mwk_blas_max_mnk() multiply-adds each (the thread
 * policy in include/mwk.h); banks with K*W above that are cut along the
 * taps too and accumulated (beta = 1). */
static int bank_gemm(mwk_seg *s) {
#if MWK_HAVE_BLAS
    const size_t K = s->k, W = s->w, m = s->n - s->w + 1;
    const double *taps = s->params->weights;
    const size_t MNK = mwk_blas_max_mnk();
    size_t M, Wc = W;
    if (K <= MNK / W) {
        M = MNK / (K * W);
    } else {
        M = 1;
        Wc = MNK / K ? MNK / K : 1;
    }
    for (size_t base = 0; base < m; base += M * W) {
        for (size_t r = 0; r < W; r++) {
            const size_t j0 = base + r;
            if (j0 >= m) break;
            size_t Mr = (m - j0 + W - 1) / W;
            if (Mr > M) Mr = M;
            for (size_t c0 = 0; c0 < W; c0 += Wc) {
                const size_t wc = W - c0 < Wc ? W - c0 : Wc;
                if (mwk_blas_gemm_nt(Mr, K, wc, s->x + j0 + c0, W, taps + c0, W, c0 ? 1.0 : 0.0,
                                     s->out + j0 * K, W * K) < 0) {
                    s->err = MWK_E_OVERFLOW;
                    return -1;
                }
            }
        }
    }
    mwk_params *qs = malloc(K * sizeof *qs);
    wt_taps *t = qs ? all_taps(s, qs) : NULL;
    if (!t) {
        free(qs);
        s->err = MWK_E_NOMEM;
        return -1;
    }
    const int any = fix_nonfinite(s, t, 0, m);
    free(t);
    free(qs);
    return any;
#else
    s->err = MWK_E_UNAVAILABLE;
    return -1;
#endif
}

/* ------------------------------------------------------------------------ */
/* fft                                                                      */

#if MWK_HAVE_FFTW

/* Overlap-save as weighted_fft.c, with one forward transform per block
 * shared by the K filters and one product and inverse transform per filter.
 * The K spectra of the reversed taps are computed once per segment. A block
 * holding a NaN or an infinity runs weighted_sum's fft per filter on that
 * block (its validity-mask transforms and its reference for infinities). */
static int bank_fft(mwk_seg *s) {
    const double *x = s->x;
    const size_t K = s->k, n = s->n, W = s->w, m = n - W + 1;
    const size_t N = mwk_wt_fft_block_len(n, W);
    if (N == 0 || N > (size_t)INT32_MAX || K > SIZE_MAX / (N / 2 + 1) / sizeof(fftw_complex)) {
        s->err = MWK_E_OVERFLOW;
        return -1;
    }
    const size_t H = N / 2 + 1, L = N - W + 1;
    /* G inverse transforms of N values in about 1 MiB (L2-sized). */
    size_t G = ((size_t)1 << 17) / N;
    if (G < 1) G = 1;
    if (G > K) G = K;
    double *buf = mwk_aligned_alloc(N * sizeof(double));
    double *res = mwk_aligned_alloc(G * N * sizeof(double));
    double *tmp = malloc((L < m ? L : m) * sizeof(double));
    fftw_complex *X = mwk_aligned_alloc(H * sizeof(fftw_complex));
    fftw_complex *Y = mwk_aligned_alloc(H * sizeof(fftw_complex));
    fftw_complex *Hs = mwk_aligned_alloc(K * H * sizeof(fftw_complex));
    mwk_params *qs = malloc(K * sizeof *qs);
    wt_taps *t = qs ? all_taps(s, qs) : NULL;
    int ret = -1, have_plans = 0;
    mwk_fft_plans plans;
    if (!buf || !res || !tmp || !X || !Y || !Hs || !t) {
        s->err = MWK_E_NOMEM;
        goto done;
    }
    mwk_status st = mwk_fftw_get(N, buf, X, &plans);
    if (st != MWK_OK) {
        s->err = st;
        goto done;
    }
    have_plans = 1;
    const double *taps = s->params->weights;
    for (size_t k = 0; k < K; k++) {
        /* Reversed taps: the convolution at t >= W-1 is the window t-W+1. */
        for (size_t i = 0; i < N; i++) buf[i] = i < W ? taps[k * W + W - 1 - i] : 0.0;
        fftw_execute_dft_r2c(plans.r2c, buf, Hs + k * H);
    }
    const double invN = 1.0 / (double)N;
    int any = 0;
    for (size_t s0 = 0; s0 < m; s0 += L) {
        const size_t j1 = s0 + L < m ? s0 + L : m; /* windows [s0, j1) */
        const size_t len = j1 - s0 + W - 1;        /* inputs x[s0, s0 + len) */
        double amax = 0.0;
        int bad = 0;
        for (size_t i = 0; i < len; i++) {
            const double a = fabs(x[s0 + i]);
            if (!(a <= 1.79769313486231570815e308)) bad = 1; /* NaN or inf */
            else if (a > amax) amax = a;
        }
        if (bad) {
            for (size_t k = 0; k < K; k++) {
                mwk_seg f = filter_seg(s, &qs[k], x + s0, len, tmp);
                const int r = mwk_wt_fft(&f);
                if (r < 0) {
                    s->err = f.err;
                    goto done;
                }
                any |= r;
                for (size_t j = s0; j < j1; j++) s->out[j * K + k] = tmp[j - s0];
            }
            continue;
        }
        /* Subnormal-range data would lose its precision inside the
         * transform: lift it by a power of two (exact), as weighted_fft.c. */
        const int lift = amax > 0.0 && amax < 0x1p-500;
        const double up = lift ? 0x1p600 : 1.0, down = lift ? 0x1p-600 : 1.0;
        for (size_t i = 0; i < len; i++) buf[i] = x[s0 + i] * up;
        for (size_t i = len; i < N; i++) buf[i] = 0.0;
        fftw_execute_dft_r2c(plans.r2c, buf, X);
        /* Filters in groups of G whose inverse transforms stay in cache,
         * then written position by position (G adjacent values each):
         * writing each filter's outputs K apart in its own pass was 3-5x
         * slower at K = 16, W = 1000 (every pass touched every cache line
         * of the block's outputs). */
        for (size_t k0 = 0; k0 < K; k0 += G) {
            const size_t g = K - k0 < G ? K - k0 : G;
            for (size_t kk = 0; kk < g; kk++) {
                const fftw_complex *B = Hs + (k0 + kk) * H;
                for (size_t h = 0; h < H; h++) {
                    const double ar = X[h][0], ai = X[h][1], br = B[h][0], bi = B[h][1];
                    Y[h][0] = (ar * br - ai * bi) * invN;
                    Y[h][1] = (ar * bi + ai * br) * invN;
                }
                /* res[kk*N + j - s0 + W - 1] = S_j */
                fftw_execute_dft_c2r(plans.c2r, Y, res + kk * N);
            }
            for (size_t j = s0; j < j1; j++) {
                double *o = s->out + j * K + k0;
                const double *rv = res + (j - s0) + W - 1;
                for (size_t kk = 0; kk < g; kk++) o[kk] = rv[kk * N] * down;
            }
        }
        /* Finite data whose transform overflowed: the reference. */
        any |= fix_nonfinite(s, t, s0, j1);
    }
    ret = any;
done:
    if (have_plans) mwk_fftw_release(&plans);
    mwk_aligned_free(buf);
    mwk_aligned_free(res);
    free(tmp);
    mwk_aligned_free(X);
    mwk_aligned_free(Y);
    mwk_aligned_free(Hs);
    free(t);
    free(qs);
    return ret;
}
#else
static int bank_fft(mwk_seg *s) {
    s->err = MWK_E_UNAVAILABLE;
    return -1;
}
#endif

/* ------------------------------------------------------------------------ */
/* The descriptor                                                            */

/* Each filter under weighted_sum's own check (finite taps whose sum of
 * |taps| is finite, min_weight in [0, 1]). */
static mwk_status bank_check(const mwk_params *p) {
    if (!p->weights || !p->n_weights || !p->n_quantiles) return MWK_E_PARAMS;
    for (size_t k = 0; k < p->n_quantiles; k++) {
        const mwk_params q = filter_params(p, k);
        const mwk_status st = mwk_stat_weighted_sum.check(&q);
        if (st != MWK_OK) return st;
    }
    return MWK_OK;
}

static size_t bank_k(const mwk_params *p) { return p->n_quantiles; }

/* The engine's reference hook (one value per window): filter 0. The engine
 * does not call it for MWK_NF_ORDER statistics; the tests compare with their
 * own long-double sums. */
static double bank_ref(const double *x, size_t lo, size_t hi, const mwk_params *p,
                       mwk_nan_policy policy, size_t min_count) {
    const mwk_params q = filter_params(p, 0);
    return mwk_stat_weighted_sum.ref(x, lo, hi, &q, policy, min_count);
}

static const mwk_algo_desc BANK_ALGOS[] = {
    {MWK_ALGO_NAIVE, bank_naive, NULL, 0, NULL},
    {MWK_ALGO_DIRECT, bank_direct, NULL, 0, NULL},
    {MWK_ALGO_FFT, bank_fft, NULL, MWK_AF_FFTW, NULL},
    {MWK_ALGO_GEMM, bank_gemm, NULL, MWK_AF_BLAS, NULL},
};

static const mwk_stat_desc FIR_BANK = {
    .name = "fir_bank",
    .params = MWK_PARAM_WEIGHTS,
    .keeps_f32 = 1,
    .nf = MWK_NF_ORDER,
    .contract = "per filter: weighted_sum's bound for naive/direct/fft; gemm: W u/(1-W u) sum|w x|",
    .check = bank_check,
    .ref = bank_ref,
    .algos = BANK_ALGOS,
    .n_algos = sizeof BANK_ALGOS / sizeof BANK_ALGOS[0],
    .rules = NULL,
    .n_rules = 0,
    .auto_default = MWK_ALGO_DIRECT,
    .n_out = bank_k,
};

/* ------------------------------------------------------------------------ */
/* auto and the public entry                                                 */

/* The rule MWK_ALGO_AUTO applies. Measured (2026-11-29, the shared 2-core
 * AMD EPYC, avx2, loaded; one thread, float64, n = 200,000, valid windows,
 * K in {2, 4, 16, 32} x W in {4, 8, 16, 32, 64, 128, 256, 1000}, ns per
 * output and filter): direct is fastest up to W = 64 (2-7 ns; fft 5-17,
 * gemm 5-26), fft from W = 128 on (6-13 ns at W = 128 against direct's
 * 12-21; 17-21 at W = 1000 against direct's 180-230). gemm (OpenBLAS 0.3.21,
 * blocks of <= 2^18 multiply-adds so that it never threads) was never the
 * fastest: 7-18 ns at W = 4..16 where direct takes 2-6, 220-850 at W = 1000.
 * So auto never picks it; it stays forceable. Builds without FFTW run
 * direct. */
static mwk_algorithm choose(size_t K, size_t W) {
    (void)K;
    if (MWK_HAVE_FFTW && W > 96) return MWK_ALGO_FFT;
    return MWK_ALGO_DIRECT;
}

static const size_t OPTIONS_SIZES[] = {offsetof(mwk_options, long_window), sizeof(mwk_options)};

/* The caller's options with defaults for the fields it does not know. */
static mwk_status read_opt(const mwk_options *in, mwk_options *out) {
    mwk_options_init(out);
    if (!in) return MWK_OK;
    if (in->struct_size != OPTIONS_SIZES[0] && in->struct_size != OPTIONS_SIZES[1]) return MWK_E_OPTIONS;
    memcpy(out, in, in->struct_size);
    out->struct_size = sizeof *out;
    return MWK_OK;
}

mwk_status mwk_fir_bank_choose(size_t n_filters, size_t window, size_t n, const mwk_options *opt,
                               mwk_algorithm *chosen) {
    (void)n;
    if (!chosen) return MWK_E_NULL;
    if (n_filters == 0) return MWK_E_PARAMS;
    if (window == 0) return MWK_E_WINDOW;
    mwk_options o;
    mwk_status st = read_opt(opt, &o);
    if (st != MWK_OK) return st;
    *chosen = o.algorithm == MWK_ALGO_AUTO ? choose(n_filters, window) : o.algorithm;
    return MWK_OK;
}

mwk_status mwk_fir_bank_batch(const double *taps, size_t n_filters, size_t window,
                              double min_weight, const void *x, mwk_dtype dtype, size_t rows,
                              size_t n, ptrdiff_t x_row_stride, ptrdiff_t x_stride, void *y,
                              ptrdiff_t y_row_stride, ptrdiff_t y_stride, ptrdiff_t y_k_stride,
                              const mwk_options *opt) {
    if (!taps) return MWK_E_NULL;
    if (window == 0) return MWK_E_WINDOW;
    if (n_filters == 0) return MWK_E_PARAMS;
    if (n_filters > SIZE_MAX / window / sizeof(double)) return MWK_E_OVERFLOW;
    mwk_options o;
    mwk_status st = read_opt(opt, &o);
    if (st != MWK_OK) return st;
    if (o.algorithm == MWK_ALGO_AUTO) o.algorithm = choose(n_filters, window);
    mwk_params p;
    mwk_params_init(&p);
    p.weights = taps;
    p.n_weights = window;
    p.min_weight = min_weight;
    p.n_quantiles = n_filters; /* values per window (see the top of this file) */
    return mwk_engine_batch(&FIR_BANK, &p, x, dtype, rows, n, x_row_stride, x_stride, y,
                            y_row_stride, y_stride, y_k_stride, window, &o);
}
