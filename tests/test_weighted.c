/* weighted_sum / weighted_mean (issue 11): every algorithm x target x dtype x
 * alignment against an exact reference per window (products split exactly
 * by fma, summed by mt_xsum: the correctly rounded weighted sum), with NaN
 * patterns and min_weight, zero and negative taps, long windows (clipped),
 * w from 1 to 100,000 (the big ones natively only, a few outputs), batches
 * and threads; the header's bounds are the tolerances (fft: its own).
 * MWK_TEST_QUICK=1 (valgrind, qemu) keeps the best and the most basic
 * target and smaller sizes. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mt_common.h"

#define U53 0x1p-53

typedef struct {
    double v;     /* the expected value (NaN, +-inf, or finite) */
    double tol;   /* its tolerance */
    int edge;     /* 1: the min_weight decision is within the tolerance: either way */
} want;

/* Exact expectation for output k. x: float64 values of the row (as the
 * library converts them), taps w[0..W), window [k - left, k - left + W). */
static want expect(const double *x, size_t n, const double *w, size_t W, size_t left, size_t k,
                   int mean, double min_weight, mwk_nan_policy pol, size_t min_count,
                   mwk_algorithm algo, double rowmax) {
    want r = {NAN, 0.0, 0};
    mt_xsum S, P, D, T;
    memset(&S, 0, sizeof S), memset(&P, 0, sizeof P), memset(&D, 0, sizeof D), memset(&T, 0, sizeof T);
    size_t count = 0, nan = 0;
    int pinf = 0, ninf = 0;
    double abs_wx = 0.0, sum_abs_w = 0.0;
    for (size_t i = 0; i < W; i++) {
        const ptrdiff_t pos = (ptrdiff_t)k - (ptrdiff_t)left + (ptrdiff_t)i;
        mt_xs_add(&T, fabs(w[i]));
        sum_abs_w += fabs(w[i]);
        const int in = pos >= 0 && (size_t)pos < n;
        const double v = in ? x[pos] : NAN;
        if (in && isnan(v)) nan++;
        if (isnan(v)) {
            mt_xs_add(&D, fabs(w[i]));
            continue;
        }
        count++;
        mt_xs_add(&P, w[i]);
        if (isinf(v)) {
            if (w[i] != 0.0) *((v > 0) == (w[i] > 0) ? &pinf : &ninf) = 1;
            continue;
        }
        const double p = w[i] * v, e = fma(w[i], v, -p);
        mt_xs_add(&S, p);
        mt_xs_add(&S, e);
        abs_wx += fabs(p);
    }
    if (pol == MWK_NAN_PROPAGATE && nan) return r;
    if (count < min_count || count == 0) return r;
    const double Dv = mt_xs_round(&D), Tv = mt_xs_round(&T), thr = (1.0 - min_weight) * Tv;
    /* fft's absent weight carries its transform's error: near the
     * threshold the decision may go either way (header). */
    const double dtol = algo == MWK_ALGO_FFT ? 64.0 * 20 * U53 * sum_abs_w : 4 * U53 * sum_abs_w;
    if (Dv > 0 && fabs(Dv - thr) <= dtol) r.edge = 1;
    if (Dv > 0 && Dv > thr) return r;
    if (pinf && ninf) return r;
    const double Pv = mt_xs_round(&P);
    double s = (pinf || ninf) ? (pinf ? INFINITY : -INFINITY) : mt_xs_round(&S);
    /* Tolerances: the header's bounds. */
    double tol;
    if (algo == MWK_ALGO_FFT) {
        double N = 256;
        while (N < 8.0 * (double)W) N *= 2; /* the block, rounded up: a log2 bound */
        /* relative to the block's largest value: the row's bounds it */
        tol = 8.0 * log2(N) * U53 * sum_abs_w * rowmax + 1e-300;
    } else {
        tol = U53 * fabs(s) + 20.0 * U53 * abs_wx + 1e-300;
    }
    if (mean) {
        if (Pv == 0.0 && !(pinf || ninf)) return r; /* NaN */
        if (Pv == 0.0) return r;
        const double m = s / Pv;
        double ptol = algo == MWK_ALGO_FFT && (nan || count < W) ? 8.0 * 20 * U53 * sum_abs_w : 4 * U53 * sum_abs_w;
        if (fabs(Pv) <= 2 * ptol) { /* the divisor is lost in the noise */
            r.edge = 1;
            r.v = m;
            r.tol = INFINITY;
            return r;
        }
        r.v = m;
        r.tol = isfinite(m) ? (tol + fabs(m) * ptol) / (fabs(Pv) - ptol) + 2 * U53 * fabs(m) : 0;
    } else {
        r.v = s;
        r.tol = isfinite(s) ? tol : 0;
    }
    return r;
}

static size_t left_of(mwk_align al, size_t W) {
    return al == MWK_ALIGN_TRAILING ? W - 1 : al == MWK_ALIGN_CENTERED ? W / 2 : 0;
}

typedef struct {
    mwk_stat stat;
    mwk_algorithm algo;
    const char *target;
    mwk_dtype dt;
    mwk_align al;
    mwk_nan_policy pol;
    size_t min_count; /* MWK_MIN_COUNT_WINDOW or a count */
    double min_weight;
    int boxcar; /* 1: weights NULL */
    mwk_long_window lw;
} run_spec;

/* Runs one call and compares every output (or every `stride`-th). Returns
 * mismatches (reports a few). */
static size_t check_run(const run_spec *rs, const double *xv, size_t n, const double *w, size_t W,
                        size_t stride, const char *what) {
    void *xd = mt_from_doubles(xv, n, rs->dt);
    double *x = malloc((n ? n : 1) * sizeof(double));
    for (size_t i = 0; i < n; i++) x[i] = mt_get(xd, rs->dt, i);
    mwk_params p;
    mwk_params_init(&p);
    if (!rs->boxcar) p.weights = w, p.n_weights = W;
    p.min_weight = rs->min_weight;
    mwk_options o;
    mwk_options_init(&o);
    o.algorithm = rs->algo, o.target = rs->target, o.align = rs->al, o.nan_policy = rs->pol;
    o.min_count = rs->min_count, o.long_window = rs->lw, o.threads = 1;
    size_t L;
    cr_assert_eq(mwk_move_len(n, W, &o, &L), MWK_OK);
    mwk_dtype od;
    mwk_move_out_dtype(rs->stat, rs->dt, &od);
    void *y = malloc((L ? L : 1) * 8);
    mwk_status st = mwk_move(rs->stat, &p, xd, rs->dt, n, 1, y, 1, W, &o);
    cr_assert_eq(st, MWK_OK, "%s: status %d (%s algo %s target %s)", what, (int)st,
                 mwk_stat_name(rs->stat), mt_algo_str(rs->algo), rs->target ? rs->target : "-");
    const size_t mc = rs->min_count == MWK_MIN_COUNT_WINDOW ? W : rs->min_count;
    const size_t left = left_of(rs->al, W);
    double rowmax = 0.0;
    for (size_t i = 0; i < n; i++)
        if (isfinite(x[i]) && fabs(x[i]) > rowmax) rowmax = fabs(x[i]);
    mwk_algorithm algo = rs->algo; /* auto: the bound of what it runs */
    if (algo == MWK_ALGO_AUTO && mwk_move_choose(rs->stat, &p, rs->dt, n, W, &o, &algo) != MWK_OK)
        algo = MWK_ALGO_FFT;
    size_t bad = 0;
    for (size_t k = 0; k < L; k += stride) {
        want e = expect(x, n, w, W, left, k, rs->stat == MWK_STAT_WEIGHTED_MEAN, rs->min_weight,
                        rs->pol, mc, algo, rowmax);
        const double g = od == MWK_F32 ? (double)((float *)y)[k] : ((double *)y)[k];
        double tol = e.tol;
        if (od == MWK_F32 && isfinite(e.v)) tol += fabs(e.v) * 0x1p-24 + 1e-38;
        int ok;
        if (isnan(e.v))
            ok = isnan(g) || e.edge;
        else if (isinf(e.v))
            ok = g == e.v || (od == MWK_F32 && isinf(g)) || e.edge;
        else
            ok = fabs(g - e.v) <= tol || (e.edge && (isnan(g) || fabs(g - e.v) <= tol)) ||
                 (od == MWK_F32 && isinf(g) && fabs(e.v) > 3.4e38);
        if (!ok) {
            if (bad < 6)
                fprintf(stderr,
                        "%s: %s algo %s target %s dtype %s align %s pol %s mc %zu minw %g n %zu W %zu k %zu: "
                        "got %.17g want %.17g tol %.3g\n",
                        what, mwk_stat_name(rs->stat), mt_algo_str(rs->algo), rs->target ? rs->target : "-",
                        mt_dtype_str(rs->dt), mt_align_str(rs->al), mt_policy_str(rs->pol), mc,
                        rs->min_weight, n, W, k, g, e.v, tol);
            bad++;
        }
    }
    free(xd), free(x), free(y);
    return bad;
}

static const mwk_algorithm ALGOS[] = {MWK_ALGO_NAIVE, MWK_ALGO_DIRECT, MWK_ALGO_FFT, MWK_ALGO_AUTO};
#define NALGOS (sizeof ALGOS / sizeof ALGOS[0])

/* Data: kind 0 clean normals (offset), 1 NaN runs and single NaNs, 2 with
 * +-inf too; integers for integer dtypes. */
static void gen(double *x, size_t n, int kind, mwk_dtype dt, uint64_t seed) {
    mt_rng r;
    mt_rng_seed(&r, seed);
    const int isf = dt == MWK_F64 || dt == MWK_F32 || dt == MWK_F16;
    for (size_t i = 0; i < n; i++) {
        double v = mt_rng_normal(&r) * 10.0 + 3.0;
        if (!isf) v = dt == MWK_BOOL ? (double)(mt_rng_u64(&r) & 1) : floor(v) + 20.0;
        if (dt == MWK_I8 || dt == MWK_U8) v = fmod(fabs(v), 100.0);
        if (dt == MWK_U64 || dt == MWK_U32 || dt == MWK_U16) v = fabs(v);
        x[i] = v;
    }
    if (!isf || kind == 0) return;
    for (size_t i = 0; i < n; i++) {
        const uint64_t u = mt_rng_u64(&r) % 100;
        if (u < 6) x[i] = NAN;
        if (u == 6 && i + 5 < n)
            for (size_t k = 0; k < 5; k++) x[i + k] = NAN;
        if (kind == 2 && u == 7) x[i] = INFINITY;
        if (kind == 2 && u == 8) x[i] = -INFINITY;
    }
}

static void taps(double *w, size_t W, int kind, uint64_t seed) {
    mt_rng r;
    mt_rng_seed(&r, seed);
    for (size_t i = 0; i < W; i++) {
        double v = mt_rng_unif(&r) + 0.1;
        if (kind >= 1 && mt_rng_u64(&r) % 5 == 0) v = 0.0;      /* zero taps */
        if (kind >= 2 && mt_rng_u64(&r) % 3 == 0) v = -v * 0.7; /* negative taps */
        w[i] = v;
    }
}

Test(weighted, grid_algorithms_targets_dtypes_alignments) {
    const char *const *tn;
    size_t nt = mt_targets(&tn);
    const char *targets[8];
    size_t ntg = 0;
    for (size_t i = 0; i < nt && ntg < 8; i++)
        if (!mt_quick() || i == 0 || i + 1 == nt) targets[ntg++] = tn[i];
    static const mwk_dtype DTS[] = {MWK_F64, MWK_F32, MWK_F16, MWK_I64, MWK_I32, MWK_I16,
                                    MWK_I8,  MWK_U64, MWK_U32, MWK_U16, MWK_U8,  MWK_BOOL};
    const size_t NS[] = {1, 9, 200, 700};
    const size_t WS[] = {1, 2, 3, 7, 16, 17, 40, 129};
    size_t bad = 0, runs = 0;
    double *x = malloc(700 * sizeof(double)), *w = malloc(200 * sizeof(double));
    for (size_t ia = 0; ia < NALGOS; ia++)
        for (size_t it = 0; it < ntg; it++)
            for (size_t id = 0; id < sizeof DTS / sizeof DTS[0]; id++)
                for (size_t in = 0; in < 4; in++)
                    for (size_t iw = 0; iw < 8; iw++) {
                        const size_t n = NS[in], W = WS[iw];
                        if (W > n) continue;
                        /* quick: one dtype per class of code path (mt_dtype_is_rep:
                         * float32 and float16 outputs included), each with a quarter
                         * of the windows, staggered so that every window runs */
                        if (mt_quick() && (!mt_dtype_is_rep(DTS[id]) || (iw + id) % 4)) continue;
                        if (!mwk_stat_has_algorithm(MWK_STAT_WEIGHTED_SUM, ALGOS[ia])) continue;
                        const uint64_t seed = mt_hash(mt_hash(ia, it), mt_hash(id * 16 + in, iw));
                        const int kind = (int)(seed % 3);
                        gen(x, n, kind, DTS[id], seed);
                        taps(w, W, (int)((seed >> 8) % 3), seed + 1);
                        for (int al = 0; al < 3; al++) {
                            run_spec rs = {(seed >> 12) & 1 ? MWK_STAT_WEIGHTED_MEAN : MWK_STAT_WEIGHTED_SUM,
                                           ALGOS[ia], targets[it], DTS[id], (mwk_align)al,
                                           (seed >> 13) % 4 == 0 ? MWK_NAN_PROPAGATE : MWK_NAN_SKIP,
                                           (seed >> 15) & 1 ? 1 : MWK_MIN_COUNT_WINDOW,
                                           (double)((seed >> 16) % 3) / 2.0, 0, MWK_LONG_WINDOW_ERROR};
                            bad += check_run(&rs, x, n, w, W, 1, "grid");
                            runs++;
                        }
                    }
    free(x), free(w);
    cr_assert_eq(bad, 0, "%zu mismatches in %zu runs", bad, runs);
}

/* NaN patterns x min_weight x tap signs, both statistics, every algorithm. */
Test(weighted, nan_patterns_min_weight) {
    const size_t n = mt_size(3000, 400);
    double *x = malloc(n * sizeof(double)), w[64];
    size_t bad = 0;
    static const double MW[] = {0.0, 0.25, 0.5, 0.9, 1.0};
    for (int kind = 0; kind < 3; kind++)
        for (size_t im = 0; im < 5; im++)
            for (size_t ia = 0; ia < NALGOS; ia++)
                for (int st = 0; st < 2; st++) {
                    if (!mwk_stat_has_algorithm(MWK_STAT_WEIGHTED_SUM, ALGOS[ia])) continue;
                    const size_t W = 5 + 13 * (size_t)kind;
                    gen(x, n, 1 + (kind == 2), MWK_F64, 77 + (uint64_t)kind);
                    /* a long NaN run and an all-NaN stretch longer than W */
                    for (size_t i = n / 2; i < n / 2 + 3 * W && i < n; i++) x[i] = NAN;
                    taps(w, W, kind, 5 + (uint64_t)kind);
                    for (int al = 0; al < 3; al++) {
                        run_spec rs = {st ? MWK_STAT_WEIGHTED_MEAN : MWK_STAT_WEIGHTED_SUM, ALGOS[ia], NULL,
                                       MWK_F64, (mwk_align)al, MWK_NAN_SKIP, 1, MW[im], 0,
                                       MWK_LONG_WINDOW_ERROR};
                        bad += check_run(&rs, x, n, w, W, 1, "nan_patterns");
                    }
                }
    free(x);
    cr_assert_eq(bad, 0);
}

/* Windows longer than the row (clipped): the taps keep their alignment. */
Test(weighted, long_windows_clip) {
    double x[6] = {1, 2, NAN, 4, 5, 6}, w[15];
    size_t bad = 0;
    taps(w, 15, 2, 3);
    for (size_t ia = 0; ia < NALGOS; ia++)
        for (int al = 0; al < 3; al++)
            for (int st = 0; st < 2; st++) {
                if (!mwk_stat_has_algorithm(MWK_STAT_WEIGHTED_SUM, ALGOS[ia])) continue;
                run_spec rs = {st ? MWK_STAT_WEIGHTED_MEAN : MWK_STAT_WEIGHTED_SUM, ALGOS[ia], NULL, MWK_F64,
                               (mwk_align)al, MWK_NAN_SKIP, 1, 0.0, 0, MWK_LONG_WINDOW_CLIP};
                bad += check_run(&rs, x, 6, w, 15, 1, "long_clip");
            }
    cr_assert_eq(bad, 0);
}

/* The boxcar default (weights NULL) is move_sum / move_mean's value. */
Test(weighted, boxcar_default_is_sum_and_mean) {
    double x[300], y1[300], y2[300];
    gen(x, 300, 1, MWK_F64, 11);
    mwk_options o;
    mwk_options_init(&o);
    o.min_count = 3;
    for (size_t ia = 0; ia < NALGOS; ia++) {
        if (!mwk_stat_has_algorithm(MWK_STAT_WEIGHTED_SUM, ALGOS[ia])) continue;
        o.algorithm = ALGOS[ia];
        for (int st = 0; st < 2; st++) {
            mwk_options o2 = o;
            o2.algorithm = MWK_ALGO_NAIVE;
            cr_assert_eq(mwk_move(st ? MWK_STAT_WEIGHTED_MEAN : MWK_STAT_WEIGHTED_SUM, NULL, x, MWK_F64, 300, 1,
                                  y1, 1, 8, &o), MWK_OK);
            cr_assert_eq(mwk_move(st ? MWK_STAT_MEAN : MWK_STAT_SUM, NULL, x, MWK_F64, 300, 1, y2, 1, 8, &o2),
                         MWK_OK);
            for (size_t k = 0; k < 300; k++)
                cr_assert(isnan(y1[k]) ? isnan(y2[k]) : fabs(y1[k] - y2[k]) <= 1e-12 * (1 + fabs(y2[k])),
                          "k %zu: %g vs %g", k, y1[k], y2[k]);
        }
    }
}

/* w from 1 to 100,000: the big windows natively only, a few outputs each. */
Test(weighted, big_windows) {
    const size_t WS[] = {1000, 10000, 100000};
    const size_t nw = mt_quick() ? 1 : 3;
    size_t bad = 0;
    for (size_t iw = 0; iw < nw; iw++) {
        const size_t W = WS[iw], n = W + (W > 1000 ? 64 : W / 2);
        double *x = malloc(n * sizeof(double)), *w = malloc(W * sizeof(double));
        gen(x, n, 1, MWK_F64, 99 + iw);
        taps(w, W, 2, 7 + iw);
        for (size_t ia = 0; ia < NALGOS; ia++) {
            if (!mwk_stat_has_algorithm(MWK_STAT_WEIGHTED_SUM, ALGOS[ia])) continue;
            if (ALGOS[ia] == MWK_ALGO_NAIVE && W > 10000) continue; /* O(n W) with fma(): slow */
            /* Clipped windows of a long window run the reference's O(w) each
             * (they hold absent values): trailing only for the smallest. */
            run_spec rs = {MWK_STAT_WEIGHTED_MEAN, ALGOS[ia], NULL, MWK_F64,
                           W > 1000 ? MWK_ALIGN_VALID : MWK_ALIGN_TRAILING, MWK_NAN_SKIP, 1, 0.5, 0,
                           MWK_LONG_WINDOW_ERROR};
            bad += check_run(&rs, x, n, w, W, n / 7 + 1, "big");
        }
        free(x), free(w);
    }
    cr_assert_eq(bad, 0);
}

/* Batches with threads give the row-by-row values, bit for bit. */
Test(weighted, batch_threads) {
    const size_t rows = 5, n = mt_size(70000, 3000), W = 33;
    double *x = malloc(rows * n * sizeof(double)), *y1 = malloc(rows * n * sizeof(double)),
           *y2 = malloc(rows * n * sizeof(double)), w[33];
    for (size_t r = 0; r < rows; r++) gen(x + r * n, n, 1, MWK_F64, 40 + r);
    taps(w, W, 2, 1);
    mwk_params p;
    mwk_params_init(&p);
    p.weights = w, p.n_weights = W, p.min_weight = 0.3;
    for (size_t ia = 0; ia < NALGOS; ia++) {
        if (!mwk_stat_has_algorithm(MWK_STAT_WEIGHTED_SUM, ALGOS[ia])) continue;
        mwk_options o;
        mwk_options_init(&o);
        o.algorithm = ALGOS[ia], o.min_count = 1, o.align = MWK_ALIGN_CENTERED;
        o.threads = 3;
        cr_assert_eq(mwk_move_batch(MWK_STAT_WEIGHTED_MEAN, &p, x, MWK_F64, rows, n, (ptrdiff_t)n, 1, y1,
                                    (ptrdiff_t)n, 1, W, &o), MWK_OK);
        o.threads = 1;
        for (size_t r = 0; r < rows; r++)
            cr_assert_eq(mwk_move(MWK_STAT_WEIGHTED_MEAN, &p, x + r * n, MWK_F64, n, 1, y2 + r * n, 1, W, &o),
                         MWK_OK);
        cr_assert(memcmp(y1, y2, rows * n * sizeof(double)) == 0, "algo %s", mt_algo_str(ALGOS[ia]));
    }
    free(x), free(y1), free(y2);
}

Test(weighted, parameter_errors) {
    double x[10] = {0}, y[10], w[3] = {1, 2, 3}, bad[3] = {1, NAN, 3};
    mwk_params p;
    mwk_params_init(&p);
    p.weights = w, p.n_weights = 3;
    cr_assert_eq(mwk_move(MWK_STAT_WEIGHTED_SUM, &p, x, MWK_F64, 10, 1, y, 1, 4, NULL), MWK_E_PARAMS);
    cr_assert_eq(mwk_move(MWK_STAT_WEIGHTED_SUM, &p, x, MWK_F64, 10, 1, y, 1, 3, NULL), MWK_OK);
    p.weights = bad;
    cr_assert_eq(mwk_move(MWK_STAT_WEIGHTED_SUM, &p, x, MWK_F64, 10, 1, y, 1, 3, NULL), MWK_E_PARAMS);
    p.weights = NULL;
    cr_assert_eq(mwk_move(MWK_STAT_WEIGHTED_SUM, &p, x, MWK_F64, 10, 1, y, 1, 3, NULL), MWK_E_PARAMS);
    p.weights = w, p.min_weight = 1.5;
    cr_assert_eq(mwk_move(MWK_STAT_WEIGHTED_MEAN, &p, x, MWK_F64, 10, 1, y, 1, 3, NULL), MWK_E_PARAMS);
    p.min_weight = NAN;
    cr_assert_eq(mwk_move(MWK_STAT_WEIGHTED_MEAN, &p, x, MWK_F64, 10, 1, y, 1, 3, NULL), MWK_E_PARAMS);
    mwk_stat_info info;
    info.struct_size = sizeof info;
    cr_assert_eq(mwk_stat_info_get(MWK_STAT_WEIGHTED_MEAN, &info), MWK_OK);
    cr_assert_str_eq(info.name, "weighted_mean");
    cr_assert(info.params & MWK_PARAM_WEIGHTS);
    /* A 0.2-sized params struct still works (the boxcar). */
    mwk_params old;
    mwk_params_init(&old);
    old.struct_size = offsetof(mwk_params, quantile);
    cr_assert_eq(mwk_move(MWK_STAT_WEIGHTED_SUM, &old, x, MWK_F64, 10, 1, y, 1, 3, NULL), MWK_OK);
}

/* Infinities under zero and negative taps, exactly as the header says. */
Test(weighted, infinities) {
    double x[4] = {1.0, INFINITY, 2.0, 3.0}, y[2];
    double wz[3] = {1.0, 0.0, 1.0}, wn[3] = {1.0, -1.0, 1.0};
    mwk_params p;
    mwk_params_init(&p);
    mwk_options o;
    mwk_options_init(&o);
    o.align = MWK_ALIGN_VALID;
    for (size_t ia = 0; ia < NALGOS; ia++) {
        if (!mwk_stat_has_algorithm(MWK_STAT_WEIGHTED_SUM, ALGOS[ia])) continue;
        o.algorithm = ALGOS[ia];
        p.weights = wz, p.n_weights = 3;
        cr_assert_eq(mwk_move(MWK_STAT_WEIGHTED_SUM, &p, x, MWK_F64, 4, 1, y, 1, 3, &o), MWK_OK);
        cr_assert(y[0] == 3.0 && y[1] == INFINITY, "%s: %g %g", mt_algo_str(ALGOS[ia]), y[0], y[1]);
        p.weights = wn;
        cr_assert_eq(mwk_move(MWK_STAT_WEIGHTED_MEAN, &p, x, MWK_F64, 4, 1, y, 1, 3, &o), MWK_OK);
        cr_assert(y[0] == -INFINITY && y[1] == INFINITY, "%s: %g %g", mt_algo_str(ALGOS[ia]), y[0], y[1]);
    }
}

Test(weighted, window_taps) {
    double t[9];
    cr_assert_eq(mwk_window_taps("boxcar", 4, 0, t), MWK_OK);
    for (int i = 0; i < 4; i++) cr_assert_eq(t[i], 1.0);
    cr_assert_eq(mwk_window_taps("hann", 5, 0, t), MWK_OK);
    cr_assert(fabs(t[0]) < 1e-15 && fabs(t[2] - 1.0) < 1e-15 && fabs(t[1] - 0.5) < 1e-15);
    cr_assert_eq(mwk_window_taps("triang", 4, 0, t), MWK_OK);
    cr_assert(t[0] == 0.25 && t[1] == 0.75 && t[2] == 0.75 && t[3] == 0.25);
    cr_assert_eq(mwk_window_taps("gaussian", 9, 0.0, t), MWK_E_PARAMS);
    cr_assert_eq(mwk_window_taps("gaussian", 9, 2.0, t), MWK_OK);
    cr_assert(t[4] == 1.0 && fabs(t[0] - exp(-16.0 / 8.0)) < 1e-15);
    cr_assert_eq(mwk_window_taps("nope", 3, 0, t), MWK_E_PARAMS);
    cr_assert_eq(mwk_window_taps("hann", 0, 0, t), MWK_E_WINDOW);
}
