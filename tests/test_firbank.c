/* FIR filter banks (mwk_fir_bank_batch, issue 11): the bank equals K single
 * filters, each checked against an independent long-double direct sum per
 * window with weighted_sum's rules written out here (absent values, clipped
 * windows, min_weight, NaN policy, min_count, infinities), for every
 * algorithm x target x alignment, NaN rows, taps with zeros and negatives,
 * K = 1..20 and W from 1 to 2000. Tolerances are the header's bounds
 * (naive/direct: weighted_sum's; gemm: W u/(1 - W u) sum|w x|; fft: 8 log2 N
 * u sum|w| max|x|, with max|x| over the whole row, which bounds the block's).
 * MWK_TEST_QUICK shrinks the sizes (mt_quick() == 2: the smallest). */
#include <criterion/criterion.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mt_common.h"

#define U53 0x1p-53

typedef struct {
    double v;    /* expected value: NaN, +-inf or finite */
    double wx;   /* sum |w x| over the window's present finite values */
    double sw;   /* sum |w| */
    int edge;    /* the min_weight decision is too close to call for fft */
} want;

/* Output position k of a row of n values, filter w[0..W), window
 * [k - left, k - left + W). */
static want expect(const double *x, size_t n, const double *w, size_t W, size_t left, size_t k,
                   double min_weight, mwk_nan_policy pol, size_t min_count) {
    want r = {NAN, 0.0, 0.0, 0};
    long double S = 0.0L, D = 0.0L, T = 0.0L, wx = 0.0L;
    size_t count = 0, nan = 0;
    int pinf = 0, ninf = 0;
    for (size_t i = 0; i < W; i++) {
        const ptrdiff_t pos = (ptrdiff_t)k - (ptrdiff_t)left + (ptrdiff_t)i;
        const int in = pos >= 0 && (size_t)pos < n;
        const double v = in ? x[pos] : NAN;
        T += fabsl((long double)w[i]);
        if (isnan(v)) {
            nan += in;
            D += fabsl((long double)w[i]);
            continue;
        }
        count++;
        if (isinf(v)) {
            if (w[i] != 0.0) *((v > 0) == (w[i] > 0) ? &pinf : &ninf) = 1;
            continue;
        }
        S += (long double)w[i] * (long double)v;
        wx += fabsl((long double)w[i] * (long double)v);
    }
    r.wx = (double)wx;
    r.sw = (double)T;
    if (pol == MWK_NAN_PROPAGATE && nan) return r;
    if (count < min_count || count == 0) return r;
    const long double lim = (1.0L - (long double)min_weight) * T;
    r.edge = fabsl(D - lim) <= 1e-9L * (T + 1.0L);
    if (D > 0 && D > lim) return r;
    if (pinf && ninf) return r;
    if (pinf || ninf) {
        r.v = pinf ? INFINITY : -INFINITY;
        return r;
    }
    r.v = (double)S;
    return r;
}

static size_t ilog2up(size_t v) {
    size_t l = 0;
    while (((size_t)1 << l) < v) l++;
    return l;
}

static double tolerance(mwk_algorithm a, const want *e, size_t W, double rowmax) {
    /* plus the long-double reference's own error (2^-53 under valgrind) */
    const double tiny = 1e-300 + 2.0 * (double)W * mt_ld_eps() * e->wx;
    switch (a) {
    case MWK_ALGO_GEMM: {
        const double g = W * U53 / (1.0 - W * U53);
        return g * e->wx + tiny;
    }
    case MWK_ALGO_FFT:
    case MWK_ALGO_AUTO: {
        /* auto may run fft: its bound, which is the weakest */
        const size_t N = 4 * W < 256 ? 256 : 8 * W;
        const double g = W * U53 / (1.0 - W * U53);
        return 8.0 * (double)ilog2up(N) * U53 * e->sw * rowmax + g * e->wx + U53 * fabs(e->v) + tiny;
    }
    default:
        return U53 * fabs(e->v) + 18.0 * U53 * e->wx + tiny;
    }
}

static const mwk_algorithm ALGOS[] = {MWK_ALGO_NAIVE, MWK_ALGO_DIRECT, MWK_ALGO_FFT, MWK_ALGO_GEMM,
                                      MWK_ALGO_AUTO};

typedef struct {
    size_t n, K, W;
    mwk_align align;
    mwk_nan_policy pol;
    size_t min_count; /* 0: the window */
    double min_weight;
    int all_targets;
} cfg;

static size_t n_out_of(size_t n, size_t W, mwk_align a) {
    if (a != MWK_ALIGN_VALID) return n;
    return W > n ? 0 : n - W + 1;
}

static size_t left_of(size_t W, mwk_align a) {
    return a == MWK_ALIGN_TRAILING ? W - 1 : a == MWK_ALIGN_CENTERED ? W / 2 : 0;
}

/* Runs one configuration on x with taps (K x W) under every algorithm and
 * target, comparing with the per-filter references computed once. */
static void check_bank(const cfg *c, const double *x, const double *taps) {
    const size_t n = c->n, K = c->K, W = c->W;
    const size_t no = n_out_of(n, W, c->align), left = left_of(W, c->align);
    const size_t mc = c->min_count ? c->min_count : W;
    double rowmax = 0.0;
    for (size_t i = 0; i < n; i++)
        if (isfinite(x[i]) && fabs(x[i]) > rowmax) rowmax = fabs(x[i]);
    want *e = malloc((no ? no : 1) * K * sizeof *e);
    double *y = malloc((no ? no : 1) * K * sizeof(double));
    cr_assert(e && y);
    for (size_t j = 0; j < no; j++)
        for (size_t k = 0; k < K; k++)
            e[j * K + k] = expect(x, n, taps + k * W, W, left, j, c->min_weight, c->pol, mc);
    const char *const *tn;
    size_t nt = mt_targets(&tn);
    if (!c->all_targets) nt = 1;
    for (size_t a = 0; a < sizeof ALGOS / sizeof ALGOS[0]; a++) {
        const mwk_algorithm al = ALGOS[a];
        if (!mwk_algorithm_available(al)) continue; /* fft without FFTW, gemm without BLAS */
        for (size_t ti = 0; ti < nt; ti++) {
            mwk_options o;
            mwk_options_init(&o);
            o.algorithm = al;
            o.align = c->align;
            o.nan_policy = c->pol;
            o.min_count = c->min_count ? c->min_count : MWK_MIN_COUNT_WINDOW;
            o.target = tn[ti];
            o.long_window = MWK_LONG_WINDOW_CLIP;
            o.threads = 1;
            for (size_t i = 0; i < no * K; i++) y[i] = -12345.0;
            mwk_status st = mwk_fir_bank_batch(taps, K, W, c->min_weight, x, MWK_F64, 1, n, 0, 1, y,
                                               0, (ptrdiff_t)K, 1, &o);
            cr_assert_eq(st, MWK_OK, "%s: %s", mt_algo_str(al), mwk_status_str(st));
            for (size_t j = 0; j < no; j++)
                for (size_t k = 0; k < K; k++) {
                    const want *ex = &e[j * K + k];
                    const double got = y[j * K + k];
                    if (ex->edge && (al == MWK_ALGO_FFT || al == MWK_ALGO_AUTO)) continue;
                    if (isnan(ex->v) || isinf(ex->v)) {
                        cr_assert(isnan(ex->v) ? isnan(got) : got == ex->v,
                                  "%s %s n=%zu K=%zu W=%zu %s pos %zu filter %zu: got %g want %g",
                                  mt_algo_str(al), tn[ti], n, K, W, mt_align_str(c->align), j, k, got,
                                  ex->v);
                        continue;
                    }
                    const double tol = tolerance(al, ex, W, rowmax);
                    cr_assert(fabs(got - ex->v) <= tol,
                              "%s %s n=%zu K=%zu W=%zu %s pos %zu filter %zu: got %.17g want %.17g "
                              "(tol %g)",
                              mt_algo_str(al), tn[ti], n, K, W, mt_align_str(c->align), j, k, got,
                              ex->v, tol);
                }
        }
    }
    free(e);
    free(y);
}

static void fill_taps(mt_rng *r, double *taps, size_t K, size_t W, int signs) {
    for (size_t i = 0; i < K * W; i++) {
        const double u = mt_rng_unif(r);
        taps[i] = u < 0.1 ? 0.0 : (signs && u < 0.3 ? -1.0 : 1.0) * mt_rng_unif(r);
    }
}

static void fill_x(mt_rng *r, double *x, size_t n, double nan_frac, int infs) {
    for (size_t i = 0; i < n; i++) {
        const double u = mt_rng_unif(r);
        x[i] = u < nan_frac ? NAN : mt_rng_normal(r) * 10.0;
    }
    if (infs && n > 6) x[n / 3] = INFINITY, x[n / 2] = -INFINITY;
}

Test(firbank, bank_equals_single_filters) {
    const int q = mt_quick();
    static const size_t WS[] = {1, 2, 5, 17, 64, 300, 2000};
    const size_t nw = q == 2 ? 4 : q ? 6 : 7;
    mt_rng r;
    mt_rng_seed(&r, 11);
    for (size_t wi = 0; wi < nw; wi++) {
        const size_t W = WS[wi];
        const size_t K = W >= 300 ? 2 : 3 + wi % 3;
        const size_t n = W >= 300 ? W + 40 : 3 * W + 37;
        double *x = malloc(n * sizeof(double)), *taps = malloc(K * W * sizeof(double));
        cr_assert(x && taps);
        fill_taps(&r, taps, K, W, 1);
        for (int nanrow = 0; nanrow < 2; nanrow++) {
            fill_x(&r, x, n, nanrow ? 0.05 : 0.0, nanrow);
            for (int al = 0; al < 3; al++) {
                if (W >= 300 && al == 2) continue;
                cfg c = {n, K, W, (mwk_align)al, MWK_NAN_SKIP, 1, nanrow ? 0.5 : 0.0, W < 300};
                check_bank(&c, x, taps);
            }
        }
        free(x);
        free(taps);
    }
}

Test(firbank, k_from_1_to_20) {
    const int q = mt_quick();
    mt_rng r;
    mt_rng_seed(&r, 12);
    const size_t W = 24, n = q == 2 ? 60 : 200;
    double x[200], taps[20 * 24];
    fill_x(&r, x, n, 0.02, 0);
    for (size_t K = 1; K <= 20; K += q == 2 ? 6 : 1) {
        fill_taps(&r, taps, K, W, 1);
        cfg c = {n, K, W, MWK_ALIGN_CENTERED, MWK_NAN_SKIP, 3, 0.25, K == 1 || K == 20};
        check_bank(&c, x, taps);
    }
}

Test(firbank, nan_policy_min_count_min_weight) {
    mt_rng r;
    mt_rng_seed(&r, 13);
    const size_t W = 9, K = 4, n = 80;
    double x[80], taps[36];
    fill_taps(&r, taps, K, W, 1);
    fill_x(&r, x, n, 0.15, 1);
    /* a run of NaN longer than the window: every filter NaN there */
    for (size_t i = 40; i < 52; i++) x[i] = NAN;
    static const double MW[] = {0.0, 0.3, 1.0};
    for (int pol = 0; pol < 2; pol++)
        for (size_t m = 0; m < 3; m++)
            for (int al = 0; al < 3; al++) {
                cfg c = {n, K, W, (mwk_align)al, (mwk_nan_policy)pol, m == 2 ? 0 : 2 + m, MW[m], 0};
                check_bank(&c, x, taps);
            }
}

Test(firbank, long_window_clipped) {
    mt_rng r;
    mt_rng_seed(&r, 14);
    const size_t W = 50, K = 3, n = 20;
    double x[20], taps[150];
    fill_taps(&r, taps, K, W, 0);
    fill_x(&r, x, n, 0.0, 0);
    for (int al = 0; al < 3; al += 2) {
        cfg c = {n, K, W, (mwk_align)al, MWK_NAN_SKIP, 1, 0.0, 0};
        check_bank(&c, x, taps);
    }
}

/* Rows, strides, float32, another output layout (filter-major), threads:
 * each row's filter k equals a single-filter weighted_sum call, which is
 * itself tested against its reference in test_weighted.c; here only the
 * layout is in question, so naive (the same bits per filter) is compared
 * exactly. */
Test(firbank, batch_layout_f32_threads) {
    mt_rng r;
    mt_rng_seed(&r, 15);
    const size_t rows = 3, n = 150, K = 5, W = 11;
    float x[3][160];
    double taps[55];
    fill_taps(&r, taps, K, W, 1);
    for (size_t i = 0; i < rows; i++)
        for (size_t j = 0; j < 160; j++) x[i][j] = (float)(mt_rng_normal(&r) * (j % 17 == 3 ? NAN : 1.0));
    /* y[r][k][j]: filter-major */
    static float y[3][5][150];
    mwk_options o;
    mwk_options_init(&o);
    o.algorithm = MWK_ALGO_NAIVE;
    o.threads = 2;
    o.min_count = 1;
    cr_assert_eq(mwk_fir_bank_batch(taps, K, W, 0.0, x, MWK_F32, rows, n, 160, 1, y, 5 * 150, 1, 150,
                                    &o),
                 MWK_OK);
    float one[150];
    for (size_t i = 0; i < rows; i++)
        for (size_t k = 0; k < K; k++) {
            mwk_params p;
            mwk_params_init(&p);
            p.weights = taps + k * W;
            p.n_weights = W;
            cr_assert_eq(mwk_move(MWK_STAT_WEIGHTED_SUM, &p, x[i], MWK_F32, n, 1, one, 1, W, &o), MWK_OK);
            for (size_t j = 0; j < n; j++)
                cr_assert(memcmp(&one[j], &y[i][k][j], sizeof(float)) == 0, "row %zu filter %zu pos %zu",
                          i, k, j);
        }
    /* every algorithm on this batch against the exact float64 references */
    double xd[160];
    for (size_t i = 0; i < rows; i++) {
        for (size_t j = 0; j < n; j++) xd[j] = x[i][j];
        cfg c = {n, K, W, MWK_ALIGN_TRAILING, MWK_NAN_SKIP, 1, 0.0, 0};
        check_bank(&c, xd, taps);
    }
}

Test(firbank, errors) {
    double taps[4] = {1, 2, 3, 4}, x[10] = {0}, y[40];
    mwk_options o;
    mwk_options_init(&o);
    cr_assert_eq(mwk_fir_bank_batch(NULL, 2, 2, 0, x, MWK_F64, 1, 10, 0, 1, y, 0, 2, 1, &o), MWK_E_NULL);
    cr_assert_eq(mwk_fir_bank_batch(taps, 0, 2, 0, x, MWK_F64, 1, 10, 0, 1, y, 0, 2, 1, &o), MWK_E_PARAMS);
    cr_assert_eq(mwk_fir_bank_batch(taps, 2, 0, 0, x, MWK_F64, 1, 10, 0, 1, y, 0, 2, 1, &o), MWK_E_WINDOW);
    cr_assert_eq(mwk_fir_bank_batch(taps, 2, 2, 1.5, x, MWK_F64, 1, 10, 0, 1, y, 0, 2, 1, &o), MWK_E_PARAMS);
    taps[3] = NAN;
    cr_assert_eq(mwk_fir_bank_batch(taps, 2, 2, 0, x, MWK_F64, 1, 10, 0, 1, y, 0, 2, 1, &o), MWK_E_PARAMS);
    /* a filter whose sum of |taps| overflows (weighted_sum's rule) */
    taps[2] = taps[3] = 1.5e308;
    cr_assert_eq(mwk_fir_bank_batch(taps, 2, 2, 0, x, MWK_F64, 1, 10, 0, 1, y, 0, 2, 1, &o), MWK_E_PARAMS);
    taps[2] = 3, taps[3] = 4;
    /* outputs sharing memory */
    cr_assert_eq(mwk_fir_bank_batch(taps, 2, 2, 0, x, MWK_F64, 1, 10, 0, 1, y, 0, 1, 1, &o), MWK_E_OVERLAP);
    o.algorithm = MWK_ALGO_RING;
    cr_assert_eq(mwk_fir_bank_batch(taps, 2, 2, 0, x, MWK_F64, 1, 10, 0, 1, y, 0, 2, 1, &o), MWK_E_ALGORITHM);
    o.algorithm = MWK_ALGO_GEMM;
    cr_assert_eq(mwk_fir_bank_batch(taps, 2, 2, 0, x, MWK_F64, 1, 10, 0, 1, y, 0, 2, 1, &o),
                 MWK_HAVE_BLAS ? MWK_OK : MWK_E_UNAVAILABLE);
    cr_assert_eq(mwk_algorithm_available(MWK_ALGO_GEMM), MWK_HAVE_BLAS);
    if (!MWK_HAVE_BLAS) cr_log_info("gemm skipped elsewhere: built without BLAS (MWK_BLAS=OFF or not found)");
    mwk_algorithm ch;
    cr_assert_eq(mwk_fir_bank_choose(16, 1000, 1000000, NULL, &ch), MWK_OK);
    cr_assert(mwk_algorithm_available(ch));
}

Test(firbank, runtime_info_blas) {
    mwk_runtime_info info;
    memset(&info, 0, sizeof info);
    info.struct_size = sizeof info;
    cr_assert_eq(mwk_runtime_info_get(&info), MWK_OK);
    cr_assert_not_null(info.blas);
    cr_assert_eq(strcmp(info.blas, "none") == 0, !MWK_HAVE_BLAS, "blas = %s", info.blas);
    /* the 0.2 struct (without blas) is accepted and left alone past its end */
    mwk_runtime_info old;
    memset(&old, 0, sizeof old);
    old.struct_size = offsetof(mwk_runtime_info, blas);
    cr_assert_eq(mwk_runtime_info_get(&old), MWK_OK);
    cr_assert_null(old.blas);
    cr_assert_not_null(old.statistics);
}

/* Results never depend on the thread count: a row of several engine
 * segments (max(65536, 8w) windows each) and two rows, every algorithm,
 * one thread against two, bit for bit. */
Test(firbank, threads_bit_identical) {
    if (mt_quick() >= 2) return; /* valgrind/qemu: the layout test covers threads */
    const size_t rows = 2, n = mt_quick() ? 70000 : 140000, K = 3, W = 12;
    double *x = malloc(rows * n * sizeof(double));
    double *y1 = malloc(rows * n * K * sizeof(double)), *y2 = malloc(rows * n * K * sizeof(double));
    double taps[36];
    cr_assert(x && y1 && y2);
    mt_rng r;
    mt_rng_seed(&r, 16);
    fill_taps(&r, taps, K, W, 1);
    for (size_t i = 0; i < rows * n; i++) x[i] = mt_rng_unif(&r) < 0.001 ? NAN : mt_rng_normal(&r);
    for (size_t a = 0; a < sizeof ALGOS / sizeof ALGOS[0]; a++) {
        if (!mwk_algorithm_available(ALGOS[a]) || ALGOS[a] == MWK_ALGO_NAIVE) continue;
        mwk_options o;
        mwk_options_init(&o);
        o.algorithm = ALGOS[a];
        o.min_count = 1;
        o.threads = 1;
        cr_assert_eq(mwk_fir_bank_batch(taps, K, W, 0.0, x, MWK_F64, rows, n, (ptrdiff_t)n, 1, y1,
                                        (ptrdiff_t)(n * K), (ptrdiff_t)K, 1, &o), MWK_OK);
        o.threads = 2;
        cr_assert_eq(mwk_fir_bank_batch(taps, K, W, 0.0, x, MWK_F64, rows, n, (ptrdiff_t)n, 1, y2,
                                        (ptrdiff_t)(n * K), (ptrdiff_t)K, 1, &o), MWK_OK);
        cr_assert(memcmp(y1, y2, rows * n * K * sizeof(double)) == 0, "%s", mt_algo_str(ALGOS[a]));
    }
    free(x);
    free(y1);
    free(y2);
}
