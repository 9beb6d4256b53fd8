/*
 * Adversarial numerics: every algorithm x every supported target x every
 * alignment against the exact oracle on data the peers get wrong.
 */
#include <criterion/criterion.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mt_common.h"

#define ALL_ALGOS 0x1Fu
#define NO_FFT (ALL_ALGOS & ~(1u << MWK_ALGO_FFT))
#define ALL_ALIGNS 7u

/* Runs every selected algorithm (bit a of algo_mask) on every target and
 * every selected alignment; returns the number of failures. */
static size_t check_all(const char *what, const void *data, mwk_dtype dt, size_t n, size_t w,
                        mwk_nan_policy pol, size_t mc, unsigned algo_mask, unsigned align_mask) {
    mwk_algorithm algos[5];
    size_t na = mt_algos(algos);
    const char *const *targets;
    size_t nt = mt_targets(&targets);
    size_t bad = 0;
    for (int al = 0; al < 3; al++) {
        if (!(align_mask & (1u << al))) continue;
        mt_oracle o;
        mt_oracle_compute(&o, data, dt, n, w, (mwk_align)al, pol, mc);
        for (size_t a = 0; a < na; a++) {
            if (!(algo_mask & (1u << algos[a]))) continue;
            if (algos[a] == MWK_ALGO_NAIVE && (double)n * (double)w > 2e7) continue;
            for (size_t t = 0; t < nt; t++) {
                mt_ctx c = {what, algos[a], targets[t], dt, (mwk_align)al, pol, mc, n, w, 1, 1,
                            0, 0};
                bad += mt_run_check(&c, data, &o, bad < 30 ? 4 : 0);
            }
        }
        mt_oracle_free(&o);
    }
    return bad;
}

static size_t check_all_d(const char *what, const double *v, mwk_dtype dt, size_t n, size_t w,
                          mwk_nan_policy pol, size_t mc, unsigned algo_mask) {
    void *d = mt_from_doubles(v, n, dt);
    size_t b = check_all(what, d, dt, n, w, pol, mc, algo_mask, ALL_ALIGNS);
    mt_free(d);
    return b;
}

Test(numerics, fsum_oracle_self_check) {
    /* The oracle must be exact where naive summation is not. */
    double a[] = {1e100, 1.0, -1e100, 1e-100};
    cr_assert_eq(mt_fsum(a, 4), 1.0 + 1e-100);
    double b[] = {0x1p53, 1.0, 1.0};
    cr_assert_eq(mt_fsum(b, 3), 0x1p53 + 2.0);
    double d[] = {0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1};
    cr_assert_eq(mt_fsum(d, 10), 1.0);
    double e[] = {1.0, 0x1p-53, 0x1p-106}; /* round-half-even correction */
    cr_assert_eq(mt_fsum(e, 3), 1.0 + 0x1p-52);
    /* oracle on a window of huge values overflowing double */
    double g[] = {DBL_MAX, DBL_MAX, DBL_MAX, -DBL_MAX};
    mt_oracle o;
    mt_oracle_compute(&o, g, MWK_F64, 4, 4, MWK_ALIGN_VALID, MWK_NAN_SKIP, MWK_MIN_COUNT_WINDOW);
    cr_assert_eq(o.e[0].mean, DBL_MAX / 2);
    mt_oracle_free(&o);
    /* int64 beyond 2^53 exactly */
    int64_t h[] = {INT64_MAX, INT64_MAX - 2};
    mt_oracle_compute(&o, h, MWK_I64, 2, 2, MWK_ALIGN_VALID, MWK_NAN_SKIP, MWK_MIN_COUNT_WINDOW);
    cr_assert_eq(o.e[0].mean, (double)(INT64_MAX - 1));
    mt_oracle_free(&o);
    /* centered windows per the header: w=4 -> [i-2, i+1] */
    size_t lo, hi;
    mt_window(10, 4, MWK_ALIGN_CENTERED, 5, &lo, &hi);
    cr_assert(lo == 3 && hi == 7);
    mt_window(10, 3, MWK_ALIGN_CENTERED, 0, &lo, &hi);
    cr_assert(lo == 0 && hi == 2);
}

/* The oracle against two independent references: binary128 sums (exact for
 * a limited exponent range) and fresh per-window fsum (the sliding partials
 * must be exact after millions of adds and removes). */
Test(numerics, oracle_cross_checks) {
#if defined(__SIZEOF_FLOAT128__) && defined(__GNUC__) && !defined(__clang__)
    mt_rng r;
    mt_rng_seed(&r, 4242);
    for (int rep = 0; rep < 2000; rep++) {
        double v[64];
        size_t m = 1 + (size_t)(mt_rng_u64(&r) % 64);
        __float128 q = 0;
        for (size_t i = 0; i < m; i++) {
            v[i] = ldexp(mt_rng_normal(&r), (int)(mt_rng_u64(&r) % 41) - 20);
            q += (__float128)v[i]; /* exact: 40 + 53 + 6 bits < 113 */
        }
        cr_assert_eq(mt_fsum(v, m), (double)q, "fsum not correctly rounded (rep %d)", rep);
    }
#endif
    size_t n = 4000, w = 37;
    double *x = malloc(n * sizeof *x), *win = malloc(n * sizeof *win);
    mt_rng r2;
    mt_rng_seed(&r2, 4343);
    for (size_t i = 0; i < n; i++) {
        x[i] = ldexp(mt_rng_normal(&r2), (int)(mt_rng_u64(&r2) % 200) - 100);
        if (i % 101 == 7) x[i] = NAN;
    }
    for (int al = 0; al < 3; al++) {
        mt_oracle o;
        mt_oracle_compute(&o, x, MWK_F64, n, w, (mwk_align)al, MWK_NAN_SKIP, 1);
        for (size_t k = 0; k < o.out_len; k++) {
            size_t lo, hi, c = 0;
            mt_window(n, w, (mwk_align)al, k, &lo, &hi);
            for (size_t i = lo; i < hi; i++)
                if (!isnan(x[i])) win[c++] = x[i];
            double want = mt_fsum(win, c) / (double)c;
            cr_assert(o.e[k].mean == want, "oracle sliding sum differs at %zu: %.17g vs %.17g", k,
                      o.e[k].mean, want);
        }
        mt_oracle_free(&o);
    }
    free(x);
    free(win);
}

Test(numerics, large_offset) {
    size_t n = mt_size(20000, 3000), bad = 0;
    double *v = malloc(n * sizeof *v);
    mt_rng r;
    mt_rng_seed(&r, 101);
    for (size_t i = 0; i < n; i++) v[i] = 1e8 + mt_rng_normal(&r);
    size_t ws[] = {10, 1000};
    for (int i = 0; i < 2; i++) bad += check_all_d("1e8+N(0,1)", v, MWK_F64, n, ws[i], MWK_NAN_SKIP, 1, ALL_ALGOS);
    free(v);
    cr_assert_eq(bad, 0, "%zu failures", bad);
}

Test(numerics, spike_then_tiny) {
    size_t n = mt_size(10000, 3000), bad = 0;
    double *v = malloc(n * sizeof *v);
    size_t ws[] = {1, 7, 100, 1000};
    for (int variant = 0; variant < 3; variant++)
        for (int wi = 0; wi < 4; wi++) {
            size_t w = ws[wi];
            mt_rng r;
            mt_rng_seed(&r, 202 + (uint64_t)variant);
            for (size_t i = 0; i < n; i++) v[i] = 1e-3 * (1.0 + mt_rng_unif(&r));
            if (variant == 0) /* one window full of 1e12 */
                for (size_t i = 500; i < 500 + w; i++) v[i] = 1e12;
            else if (variant == 1) /* a single spike */
                v[500] = 1e12;
            else /* negative spike, then another positive one */
                v[500] = -1e12, v[n / 2] = 3e12;
            bad += check_all_d("spike-1e12-then-1e-3", v, MWK_F64, n, w, MWK_NAN_SKIP, 1, NO_FFT);
            bad += check_all_d("spike-1e12-then-1e-3/f32", v, MWK_F32, n, w, MWK_NAN_SKIP, 1, NO_FFT);
            /* fft: its own (row-relative) bound */
            bad += check_all_d("spike-1e12-then-1e-3/fft", v, MWK_F64, n, w, MWK_NAN_SKIP, 1,
                               1u << MWK_ALGO_FFT);
        }
    free(v);
    cr_assert_eq(bad, 0, "%zu failures", bad);
}

Test(numerics, magnitude_regimes) {
    /* Segments of random length whose magnitudes jump between 1e-8 and 1e12:
     * every re-anchoring schedule must follow the data. */
    size_t n = mt_size(100000, 8000), bad = 0;
    double *v = malloc(n * sizeof *v);
    mt_rng r;
    mt_rng_seed(&r, 303);
    size_t i = 0;
    while (i < n) {
        size_t len = 1 + (size_t)(mt_rng_u64(&r) % 3000);
        double mag = pow(10.0, -8.0 + 20.0 * mt_rng_unif(&r));
        double off = (mt_rng_u64(&r) & 1) ? mag * 3 : 0.0;
        for (size_t k = 0; k < len && i < n; k++, i++) v[i] = off + mag * mt_rng_normal(&r);
    }
    size_t ws[] = {16, 1000};
    for (int wi = 0; wi < 2; wi++) {
        bad += check_all_d("regimes", v, MWK_F64, n, ws[wi], MWK_NAN_SKIP, 1, ALL_ALGOS);
        bad += check_all_d("regimes/f32", v, MWK_F32, n, ws[wi], MWK_NAN_SKIP, 1, ALL_ALGOS);
    }
    free(v);
    cr_assert_eq(bad, 0, "%zu failures", bad);
}

Test(numerics, cancelling_giants) {
    size_t n = 3000, bad = 0;
    double *v = malloc(n * sizeof *v);
    mt_rng r;
    mt_rng_seed(&r, 404);
    size_t ws[] = {2, 3, 64, 257};
    for (int variant = 0; variant < 3; variant++) {
        for (size_t i = 0; i < n; i++) v[i] = mt_rng_normal(&r);
        if (variant == 0) /* +1e300, -1e300 pairs at the start, then N(0,1) */
            for (size_t i = 0; i < 400; i += 2) v[i] = 1e300, v[i + 1] = -1e300;
        else if (variant == 1) /* pairs throughout, interleaved with small values */
            for (size_t i = 0; i + 3 < n; i += 10) v[i] = 1e300, v[i + 3] = -1e300;
        else /* giants of different sizes that cancel only partly */
            for (size_t i = 100; i < 200; i++) v[i] = (i & 1) ? 1e300 : -1e300 * (1 + 0x1p-50);
        for (int wi = 0; wi < 4; wi++)
            bad += check_all_d("cancelling-giants", v, MWK_F64, n, ws[wi], MWK_NAN_SKIP, 1, ALL_ALGOS);
    }
    free(v);
    cr_assert_eq(bad, 0, "%zu failures", bad);
}

/* Window sums overflow double, means do not: never inf. */
static size_t near_max(unsigned algos) {
    size_t n = 600, bad = 0;
    double *v = malloc(n * sizeof *v);
    mt_rng r;
    mt_rng_seed(&r, 505);
    size_t ws[] = {2, 7, 64};
    for (int variant = 0; variant < 4; variant++) {
        for (size_t i = 0; i < n; i++) {
            double u = mt_rng_unif(&r);
            switch (variant) {
            case 0: v[i] = DBL_MAX * (0.5 + 0.5 * u); break;                       /* all positive */
            case 1: v[i] = (i % 3 == 2 ? -1 : 1) * DBL_MAX * (0.9 + 0.1 * u); break; /* mixed */
            case 2: v[i] = i < 200 ? -DBL_MAX : mt_rng_normal(&r); break;           /* leave */
            default: v[i] = (i & 1) ? DBL_MAX : 1.0; break;
            }
        }
        for (int wi = 0; wi < 3; wi++)
            bad += check_all_d("near-DBL_MAX", v, MWK_F64, n, ws[wi], MWK_NAN_SKIP, 1, algos);
    }
    /* float32: FLT_MAX values accumulate in double, no overflow */
    for (size_t i = 0; i < n; i++) v[i] = (i % 5 == 4 ? -1.0 : 1.0) * FLT_MAX;
    for (int wi = 0; wi < 3; wi++)
        bad += check_all_d("FLT_MAX", v, MWK_F32, n, ws[wi], MWK_NAN_SKIP, 1, algos);
    free(v);
    return bad;
}

Test(numerics, near_dbl_max_never_inf) {
    size_t bad = near_max(NO_FFT);
    cr_assert_eq(bad, 0, "%zu failures", bad);
}

Test(numerics, near_dbl_max_fft) {
    if (!mwk_algorithm_available(MWK_ALGO_FFT)) cr_skip_test("fft not built");
    size_t bad = near_max(1u << MWK_ALGO_FFT);
    cr_assert_eq(bad, 0, "%zu failures (fft bound)", bad);
}

Test(numerics, inf_enters_and_leaves) {
    size_t n = 3000, bad = 0;
    double *v = malloc(n * sizeof *v);
    mt_rng r;
    mt_rng_seed(&r, 606);
    for (size_t i = 0; i < n; i++) v[i] = 5.0 + mt_rng_normal(&r);
    v[0] = INFINITY;
    v[500] = INFINITY;
    v[1500] = -INFINITY;
    v[2000] = INFINITY; /* +inf and -inf in one window -> NaN */
    v[2010] = -INFINITY;
    v[2500] = v[2501] = v[2502] = INFINITY;
    v[2700] = NAN; /* NaN next to inf */
    v[2701] = -INFINITY;
    v[n - 1] = -INFINITY;
    size_t ws[] = {1, 3, 20, 100};
    for (int wi = 0; wi < 4; wi++)
        for (int pol = 0; pol < 2; pol++) {
            bad += check_all_d("inf-in-out", v, MWK_F64, n, ws[wi], (mwk_nan_policy)pol, 1, ALL_ALGOS);
            bad += check_all_d("inf-in-out/f32", v, MWK_F32, n, ws[wi], (mwk_nan_policy)pol, 1, ALL_ALGOS);
            bad += check_all_d("inf-in-out/mc=w", v, MWK_F64, n, ws[wi], (mwk_nan_policy)pol,
                               MWK_MIN_COUNT_WINDOW, ALL_ALGOS);
        }
    /* the same after a huge spike: infs must not disturb the recovery either */
    for (size_t i = 100; i < 110; i++) v[i] = 1e15;
    bad += check_all_d("inf-in-out+spike", v, MWK_F64, n, 20, MWK_NAN_SKIP, 1, ALL_ALGOS);
    free(v);
    cr_assert_eq(bad, 0, "%zu failures", bad);
}

Test(numerics, nan_runs_min_count) {
    size_t n = 2000, bad = 0;
    double *v = malloc(n * sizeof *v);
    size_t ws[] = {10, 50};
    for (int wi = 0; wi < 2; wi++) {
        size_t w = ws[wi];
        mt_rng r;
        mt_rng_seed(&r, 707 + w);
        for (size_t i = 0; i < n; i++) v[i] = mt_rng_normal(&r) - 2.0;
        size_t runs[] = {1, w - 1, w, w + 1, 2 * w, 3};
        size_t p = 30;
        for (int k = 0; k < 6; k++) {
            for (size_t i = p; i < p + runs[k] && i < n; i++) v[i] = NAN;
            p += runs[k] + 3 * w / 2 + 7;
        }
        v[0] = v[1] = NAN;
        v[n - 1] = NAN;
        for (size_t i = 1500; i < 1600; i += 2) v[i] = NAN; /* every other value */
        size_t mcs[] = {1, 2, w / 2, w - 1, w, MWK_MIN_COUNT_WINDOW};
        for (int m = 0; m < 6; m++)
            for (int pol = 0; pol < 2; pol++) {
                bad += check_all_d("nan-runs", v, MWK_F64, n, w, (mwk_nan_policy)pol, mcs[m], ALL_ALGOS);
                bad += check_all_d("nan-runs/f32", v, MWK_F32, n, w, (mwk_nan_policy)pol, mcs[m],
                                   ALL_ALGOS);
            }
    }
    /* all NaN: every output NaN (empty of valid values) */
    for (size_t i = 0; i < 100; i++) v[i] = NAN;
    for (int pol = 0; pol < 2; pol++)
        bad += check_all_d("all-nan", v, MWK_F64, 100, 7, (mwk_nan_policy)pol, 1, ALL_ALGOS);
    free(v);
    cr_assert_eq(bad, 0, "%zu failures", bad);
}

Test(numerics, denormals) {
    size_t n = 2000, bad = 0;
    double *v = malloc(n * sizeof *v);
    mt_rng r;
    mt_rng_seed(&r, 808);
    size_t ws[] = {1, 3, 64};
    for (int variant = 0; variant < 3; variant++) {
        for (size_t i = 0; i < n; i++) {
            switch (variant) {
            case 0: v[i] = 1e-310 * mt_rng_normal(&r); break;
            case 1: v[i] = DBL_TRUE_MIN * (double)(mt_rng_u64(&r) % 7); break;
            default: v[i] = (i < 300 && (i % 3 == 0)) ? 1.0 : 3e-320 * mt_rng_unif(&r); break;
            }
        }
        for (int wi = 0; wi < 3; wi++)
            bad += check_all_d("denormals", v, MWK_F64, n, ws[wi], MWK_NAN_SKIP, 1, NO_FFT);
    }
    /* float32 denormals */
    for (size_t i = 0; i < n; i++) v[i] = (double)FLT_TRUE_MIN * (double)(mt_rng_u64(&r) % 100);
    for (int wi = 0; wi < 3; wi++)
        bad += check_all_d("denormals/f32", v, MWK_F32, n, ws[wi], MWK_NAN_SKIP, 1, NO_FFT);
    free(v);
    cr_assert_eq(bad, 0, "%zu failures", bad);
}

Test(numerics, long_float32, .timeout = 600) {
    size_t n = mt_size(1000000, 100000), bad = 0;
    double *v = malloc(n * sizeof *v);
    mt_rng r;
    mt_rng_seed(&r, 909);
    for (size_t i = 0; i < n; i++) v[i] = 100.0 + 10.0 * mt_rng_normal(&r);
    void *d = mt_from_doubles(v, n, MWK_F32);
    bad += check_all("long-f32", d, MWK_F32, n, 1000, MWK_NAN_SKIP, MWK_MIN_COUNT_WINDOW, ALL_ALGOS,
                     1u << MWK_ALIGN_TRAILING | 1u << MWK_ALIGN_VALID);
    bad += check_all("long-f32", d, MWK_F32, n, 10, MWK_NAN_SKIP, MWK_MIN_COUNT_WINDOW, ALL_ALGOS,
                     1u << MWK_ALIGN_CENTERED);
    mt_free(d);
    free(v);
    cr_assert_eq(bad, 0, "%zu failures", bad);
}

Test(numerics, int64_beyond_2_53) {
    size_t n = 3000, bad = 0;
    int64_t *v = malloc(n * sizeof *v);
    mt_rng r;
    mt_rng_seed(&r, 1010);
    size_t ws[] = {1, 2, 7, 100};
    for (int variant = 0; variant < 3; variant++) {
        for (size_t i = 0; i < n; i++) {
            uint64_t u = mt_rng_u64(&r);
            switch (variant) {
            case 0: v[i] = ((int64_t)1 << 60) + (int64_t)(u >> 24); break; /* odd low bits */
            case 1: v[i] = (u & 1) ? INT64_MAX - (int64_t)(u >> 50) : INT64_MIN + (int64_t)(u >> 50); break;
            default: v[i] = (i % 4 == 0) ? INT64_MAX : (int64_t)(u >> 40) - ((int64_t)1 << 23); break;
            }
        }
        for (int wi = 0; wi < 4; wi++)
            bad += check_all("int64>2^53", v, MWK_I64, n, ws[wi], MWK_NAN_SKIP, 1, ALL_ALGOS, ALL_ALIGNS);
    }
    /* int32 extremes: sums overflow int32 */
    int32_t *v32 = malloc(n * sizeof *v32);
    for (size_t i = 0; i < n; i++) v32[i] = (i % 3 == 2) ? INT32_MIN : INT32_MAX;
    for (int wi = 0; wi < 4; wi++)
        bad += check_all("int32-extremes", v32, MWK_I32, n, ws[wi], MWK_NAN_SKIP, 1, ALL_ALGOS, ALL_ALIGNS);
    free(v32);
    free(v);
    cr_assert_eq(bad, 0, "%zu failures", bad);
}

/* Values outside a window have no influence: the same window contents give
 * results within the bound whatever came before (a huge value earlier). */
Test(numerics, outside_values_no_influence) {
    size_t n = 5000, w = 100, bad = 0;
    double *v = malloc(n * sizeof *v);
    mt_rng r;
    mt_rng_seed(&r, 1111);
    for (size_t i = 0; i < n; i++) v[i] = 1e-6 * mt_rng_normal(&r);
    for (size_t i = 0; i < 2000; i += 97) v[i] = (i & 1) ? 1e16 : -1e16;
    bad += check_all_d("outside", v, MWK_F64, n, w, MWK_NAN_SKIP, 1, NO_FFT);
    free(v);
    cr_assert_eq(bad, 0, "%zu failures", bad);
}
