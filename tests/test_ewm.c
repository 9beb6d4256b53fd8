/*
 * Exponentially weighted statistics (include/mwk_ewm.h), compared with a
 * reference written here and nowhere else: for every output t, the weights
 * w_j = g_j D(j, t) of the header's definition built term by term in long
 * double, and the weighted sums taken directly (O(n^2)). Every statistic x
 * decay spelling x adjust x ignore_na x min_periods x NaN pattern x
 * algorithm x supported SIMD target, times with halflife, dtypes, strided
 * and batched layouts (batch == row by row, any thread count), inf, and the
 * statuses of bad arguments.
 *
 * Tolerances are the header's bounds with B_t = sum (a_j + 2) w_j |x_j| / S1:
 * naive mean 4 u B_t, scan (2 log2 L + 12) u B_t + 70 u |mean| (L <= 8), sum
 * the same times S1; var/std the tested bound stated in the header.
 */
#include <criterion/criterion.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mt_common.h"
#include "mwk_ewm.h"

#define U53 0x1p-53L

typedef struct {
    mwk_ewm_decay decay;
    double value;
} decay_case;

static const decay_case DECAYS[] = {
    {MWK_EWM_ALPHA, 0.3}, {MWK_EWM_COM, 0.5}, {MWK_EWM_SPAN, 10},  {MWK_EWM_HALFLIFE, 3.3},
    {MWK_EWM_ALPHA, 1.0}, {MWK_EWM_COM, 0.0}, {MWK_EWM_SPAN, 1000},
};
#define N_DECAYS (sizeof DECAYS / sizeof DECAYS[0])

/* ---- the reference ------------------------------------------------------- */

static long double ref_lambda(const mwk_ewm_params *p, long double *alpha) {
    long double v = p->decay_value, a;
    switch (p->decay) {
    case MWK_EWM_COM: a = 1.0L / (1.0L + v); break;
    case MWK_EWM_SPAN: a = 2.0L / (v + 1.0L); break;
    case MWK_EWM_HALFLIFE: a = 1.0L - exp2l(-1.0L / v); break;
    default: a = v; break;
    }
    *alpha = a;
    return 1.0L - a;
}

typedef struct {
    long double value; /* NaN where the definition gives NaN */
    long double tol;   /* allowed |computed - value| */
} ref_out;

/* Output t of stat over x[0..n) (times tau or NULL), and its tolerance for
 * algorithm `algo` (naive or scan). */
static ref_out ref_at(mwk_ewm_stat stat, const mwk_ewm_params *p, const double *x, const double *tau, size_t t,
                      int scan) {
    /* A row without an observation: mean, var and std are those of the last
     * observation (the common decay cancels; for alpha = 1 the limit); with
     * ignore_na the row is as if removed, so the sum too. */
    if ((stat != MWK_EWM_SUM || p->ignore_na) && isnan(x[t])) {
        size_t cnt = 0, last = t;
        for (size_t j = 0; j <= t; j++) cnt += !isnan(x[j]);
        while (last > 0 && isnan(x[last])) last--;
        size_t minp = p->min_periods ? p->min_periods : 1;
        if (cnt == 0 || cnt < minp) return (ref_out){NAN, 0};
        return ref_at(stat, p, x, tau, last, scan);
    }
    long double alpha, lam = ref_lambda(p, &alpha);
    const long double h = p->decay_value;
    size_t cnt = 0, first = (size_t)-1;
    for (size_t j = 0; j <= t; j++)
        if (!isnan(x[j])) {
            cnt++;
            if (first == (size_t)-1) first = j;
        }
    ref_out r = {NAN, 0};
    size_t minp = p->min_periods ? p->min_periods : 1;
    if (cnt == 0 || cnt < minp) return r;
    long double S = 0, S2 = 0, Sx = 0, B = 0, Bd = 0;
    long double *w = calloc(t + 1, sizeof *w);
    long double *age = calloc(t + 1, sizeof *age);
    size_t prev = (size_t)-1;
    int pinf = 0, ninf = 0;
    size_t obs_upto_j = 0;
    for (size_t j = 0; j <= t; j++) {
        if (isnan(x[j])) continue;
        obs_upto_j++;
        long double g = 1.0L;
        if (!p->adjust && j != first) {
            if (!tau) g = alpha;
            else if (p->ignore_na) g = 1.0L - exp2l(-((long double)tau[j] - tau[prev]) / h);
            else g = 1.0L - exp2l(-((long double)tau[j] - tau[j - 1]) / h);
        }
        long double D;
        size_t steps = 0;
        if (p->ignore_na) {
            steps = cnt - obs_upto_j; /* observations in (j, t] */
        } else {
            steps = t - j;
        }
        if (tau) D = exp2l(-((long double)tau[t] - tau[j]) / h);
        else D = powl(lam, (long double)steps);
        w[j] = g * D;
        age[j] = (long double)(tau ? t - j : steps);
        prev = j;
        if (w[j] > 0 && isinf(x[j])) { if (x[j] > 0) pinf++; else ninf++; }
    }
    /* S^2 - S2 = 2 sum_{i<j} w_i w_j, summed as positive terms: the
     * subtraction cancels badly when one weight dominates, and under valgrind
     * (long double at double precision) that cancellation showed. */
    long double Sprev = 0, cross = 0;
    for (size_t j = 0; j <= t; j++) {
        if (isnan(x[j]) || w[j] == 0 || isinf(x[j])) continue;
        cross += 2 * w[j] * Sprev, Sprev += w[j];
        S += w[j], S2 += w[j] * w[j], Sx += w[j] * x[j];
        B += (age[j] + 2) * w[j] * fabsl((long double)x[j]);
    }
    for (size_t j = 0; j <= t; j++)
        if (isinf(x[j]) && w[j] > 0) S += w[j], S2 += w[j] * w[j];
    long double mean = Sx / S;
    const long double cn = scan ? 34.0L : 6.0L;
    /* the unit of the error allowance: the code under test's double plus the
     * reference's own long double (2^-64 natively, 2^-53 under valgrind) */
    const long double u = U53 + (long double)mt_ld_eps();
    switch (stat) {
    case MWK_EWM_MEAN:
        if (pinf || ninf) r.value = pinf && ninf ? NAN : (pinf ? INFINITY : -INFINITY);
        else r.value = mean, r.tol = cn * u * B / S + (scan ? 70.0L * u * fabsl(mean) : 0);
        break;
    case MWK_EWM_SUM:
        if (pinf || ninf) r.value = pinf && ninf ? NAN : (pinf ? INFINITY : -INFINITY);
        else r.value = Sx, r.tol = cn * u * B + 4 * u * fabsl(Sx);
        break;
    default: {
        if (pinf || ninf) break;
        long double M2 = 0, Bv = 0;
        for (size_t j = 0; j <= t; j++) {
            if (isnan(x[j]) || w[j] == 0) continue;
            long double dx = x[j] - mean;
            M2 += w[j] * dx * dx;
            Bv += (age[j] + 2) * w[j] * dx * dx;
        }
        Bd = Bv / S;
        long double var = M2 / S;
        if (!p->bias) {
            long double den = cross; /* = S * S - S2 (no infinities here) */
            if (!(den > S * S * 1e-18L)) { r.value = NAN; break; }
            var *= S * S / den;
            Bd *= S * S / den;
        }
        r.value = stat == MWK_EWM_STD ? sqrtl(var) : var;
        /* + the reference's own noise (long double) for nearly constant data */
        long double tv = 64.0L * u * Bd + 16.0L * u * var + 64.0L * (long double)mt_ld_eps() * mean * mean;
        if (stat == MWK_EWM_STD) tv = sqrtl(tv) + 4 * u * sqrtl(var);
        r.tol = tv;
        break;
    }
    }
    free(w);
    free(age);
    return r;
}

/* ---- helpers ------------------------------------------------------------- */

typedef enum { PAT_NONE, PAT_SPARSE, PAT_LEAD, PAT_GAPS, PAT_HALF } nan_pattern;

static void fill(double *x, size_t n, nan_pattern pat, uint64_t seed, double offset, double scale) {
    mt_rng r;
    mt_rng_seed(&r, seed);
    for (size_t i = 0; i < n; i++) {
        x[i] = offset + scale * mt_rng_normal(&r);
        int nan = 0;
        switch (pat) {
        case PAT_NONE: break;
        case PAT_SPARSE: nan = mt_rng_unif(&r) < 0.1; break;
        case PAT_LEAD: nan = i < 7 || mt_rng_unif(&r) < 0.05; break;
        case PAT_GAPS: nan = (i / 9) % 3 == 1; break;
        case PAT_HALF: nan = mt_rng_unif(&r) < 0.5; break;
        }
        if (nan) x[i] = NAN;
    }
}

/* The reference row of the last check, kept while the same definition and
 * data come back: the tests check several algorithms and targets against
 * one definition, and the O(t) long-double reference per output dominates
 * their time (software quad precision on aarch64 under qemu). Criterion runs
 * each test in its own process, single-threaded: a static is safe here. */
static struct {
    int valid, scan;
    mwk_ewm_stat stat;
    mwk_ewm_decay decay;
    double decay_value;
    int adjust, ignore_na, bias;
    size_t min_periods, n;
    uint64_t hx;
    ref_out *r;
} memo;

static uint64_t hash_doubles(const double *v, size_t n, uint64_t h) {
    for (size_t i = 0; v && i < n; i++) {
        uint64_t b;
        memcpy(&b, &v[i], sizeof b);
        h = mt_hash(h, b);
    }
    return h;
}

static const ref_out *ref_row(mwk_ewm_stat stat, const mwk_ewm_params *p, const double *x, const double *tau,
                              size_t n, int scan) {
    const uint64_t hx = hash_doubles(tau, n, hash_doubles(x, n, 0x5eed) + (tau != NULL));
    if (memo.valid && memo.scan == scan && memo.stat == stat && memo.decay == p->decay &&
        memo.decay_value == p->decay_value && memo.adjust == p->adjust && memo.ignore_na == p->ignore_na &&
        memo.bias == p->bias && memo.min_periods == p->min_periods && memo.n == n && memo.hx == hx)
        return memo.r;
    free(memo.r);
    memo.r = calloc(n ? n : 1, sizeof *memo.r);
    for (size_t t = 0; t < n; t++) {
        /* long rows: the head, a sample, the tail (the reference is O(t) per output) */
        if (n > 400 && t > 64 && t % 97 != 0 && t + 3 < n) continue;
        memo.r[t] = ref_at(stat, p, x, tau, t, scan);
    }
    memo.valid = 1, memo.scan = scan, memo.stat = stat, memo.decay = p->decay, memo.decay_value = p->decay_value;
    memo.adjust = p->adjust, memo.ignore_na = p->ignore_na, memo.bias = p->bias, memo.min_periods = p->min_periods;
    memo.n = n, memo.hx = hx;
    return memo.r;
}

static int check_row(mwk_ewm_stat stat, const mwk_ewm_params *p, const double *x, const double *tau, size_t n,
                     const double *y, int scan, int f32, const char *what) {
    int bad = 0;
    const ref_out *rr = ref_row(stat, p, x, tau, n, scan);
    for (size_t t = 0; t < n && bad < 5; t++) {
        if (n > 400 && t > 64 && t % 97 != 0 && t + 3 < n) continue; /* not sampled (ref_row) */
        ref_out r = rr[t];
        long double got = y[t];
        int ok;
        if (isnan(r.value)) {
            ok = isnan(y[t]);
        } else if (isinf(r.value)) {
            ok = got == r.value;
        } else {
            long double tol = r.tol;
            if (f32) tol += fabsl(r.value) * 0x1p-23L + FLT_MIN;
            ok = fabsl(got - r.value) <= tol;
        }
        if (!ok) {
            cr_log_error("%s: stat=%s t=%zu got %.17g want %.17Lg tol %.3Lg", what, mwk_ewm_stat_name(stat), t,
                         y[t], r.value, r.tol);
            bad++;
        }
    }
    return bad;
}

static const mwk_ewm_algorithm ALGOS[] = {MWK_EWM_ALGO_NAIVE, MWK_EWM_ALGO_SCAN, MWK_EWM_ALGO_AUTO};

/* ---- tests ----------------------------------------------------------------- */

Test(ewm, every_parameterisation_every_target) {
    const char *const *targets;
    const size_t nt = mt_targets(&targets);
    const size_t n = 61; /* blocks of 2 x 8 lanes, carries and a tail */
    double *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y);
    int failures = 0;
    /* tiny grid (valgrind, qemu): the O(t) long-double reference per output
     * dominates there, so every NaN pattern x decay runs once with
     * min_periods 0 and once with 3, alternating, not twice */
    const int tiny = mt_quick() >= 2;
    for (int pat = PAT_NONE; pat <= PAT_HALF; pat++) {
        fill(x, n, (nan_pattern)pat, 11 + (uint64_t)pat, 3.0, 2.0);
        for (size_t dc = 0; dc < N_DECAYS; dc++)
            for (int adjust = 0; adjust < 2; adjust++)
                for (int ign = 0; ign < 2; ign++)
                    for (size_t mp = tiny ? 3 * (size_t)((pat + adjust + ign) & 1) : 0; mp < 4; mp += tiny ? 4 : 3)
                        for (int stat = 0; stat < 4; stat++)
                            for (size_t a = 0; a < 3; a++)
                                for (size_t ti = 0; ti < nt; ti++) {
                                    if (ALGOS[a] == MWK_EWM_ALGO_NAIVE && ti > 0) continue; /* no SIMD */
                                    mwk_ewm_params p;
                                    mwk_ewm_params_init(&p);
                                    p.decay = DECAYS[dc].decay, p.decay_value = DECAYS[dc].value;
                                    p.adjust = adjust, p.ignore_na = ign, p.min_periods = mp;
                                    p.algorithm = ALGOS[a], p.target = targets[ti];
                                    mwk_status st = mwk_ewm((mwk_ewm_stat)stat, &p, x, MWK_F64, n, 1, y, 1);
                                    if (ALGOS[a] == MWK_EWM_ALGO_SCAN && stat >= MWK_EWM_VAR) {
                                        cr_expect_eq(st, MWK_E_ALGORITHM);
                                        continue;
                                    }
                                    cr_assert_eq(st, MWK_OK, "status %d", st);
                                    char what[160];
                                    snprintf(what, sizeof what, "pat=%d decay=%d/%g adjust=%d ign=%d mp=%zu algo=%s target=%s",
                                             pat, DECAYS[dc].decay, DECAYS[dc].value, adjust, ign, mp,
                                             mwk_ewm_algorithm_name(ALGOS[a]), targets[ti]);
                                    failures += check_row((mwk_ewm_stat)stat, &p, x, NULL, n, y,
                                                          ALGOS[a] != MWK_EWM_ALGO_NAIVE, 0, what);
                                }
    }
    cr_expect_eq(failures, 0, "%d failures", failures);
    free(x);
    free(y);
}

Test(ewm, long_row_span_1000_every_target) {
    /* Long enough for the closed-form normaliser to saturate and for blocks,
     * carries and tails of every vector width; odd length. */
    const char *const *targets;
    const size_t nt = mt_targets(&targets);
    const size_t n = mt_size(6001, 1501);
    double *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y), *yn = malloc(n * sizeof *yn);
    int failures = 0;
    for (int pat = PAT_NONE; pat <= PAT_SPARSE; pat++) {
        fill(x, n, (nan_pattern)pat, 99, 100.0, 1.0);
        for (int adjust = 0; adjust < 2; adjust++)
            for (int ign = 0; ign < 2; ign++)
                for (int stat = 0; stat < 2; stat++) {
                    mwk_ewm_params p;
                    mwk_ewm_params_init(&p);
                    p.decay = MWK_EWM_SPAN, p.decay_value = 1000, p.adjust = adjust, p.ignore_na = ign;
                    p.algorithm = MWK_EWM_ALGO_NAIVE;
                    cr_assert_eq(mwk_ewm((mwk_ewm_stat)stat, &p, x, MWK_F64, n, 1, yn, 1), MWK_OK);
                    failures += check_row((mwk_ewm_stat)stat, &p, x, NULL, n, yn, 0, 0, "naive span 1000");
                    for (size_t ti = 0; ti < nt; ti++) {
                        p.algorithm = MWK_EWM_ALGO_SCAN, p.target = targets[ti];
                        cr_assert_eq(mwk_ewm((mwk_ewm_stat)stat, &p, x, MWK_F64, n, 1, y, 1), MWK_OK);
                        char what[96];
                        snprintf(what, sizeof what, "scan span 1000 pat=%d adjust=%d ign=%d target=%s", pat, adjust,
                                 ign, targets[ti]);
                        failures += check_row((mwk_ewm_stat)stat, &p, x, NULL, n, y, 1, 0, what);
                        /* scan against naive: both within their bounds of the same truth */
                        double worst = 0;
                        for (size_t t = 0; t < n; t++) {
                            double d = fabs(y[t] - yn[t]) / (fabs(yn[t]) + 1e-300);
                            if (d > worst) worst = d;
                        }
                        cr_expect(worst < 1e-11, "%s: scan vs naive %.3g", what, worst);
                    }
                }
    }
    cr_expect_eq(failures, 0, "%d failures", failures);
    free(x);
    free(y);
    free(yn);
}

Test(ewm, times_halflife_both_adjust) {
    const size_t n = 120;
    double *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y), *tau = malloc(n * sizeof *tau);
    mt_rng r;
    mt_rng_seed(&r, 5);
    double t0 = 1000.0;
    for (size_t i = 0; i < n; i++) {
        t0 += mt_rng_unif(&r) < 0.15 ? 0.0 : floor(mt_rng_unif(&r) * 5.0) * 0.25; /* ties too */
        tau[i] = t0;
    }
    int failures = 0;
    for (int pat = PAT_NONE; pat <= PAT_GAPS; pat++) {
        fill(x, n, (nan_pattern)pat, 21 + (uint64_t)pat, -2.0, 1.5);
        for (int adjust = 0; adjust < 2; adjust++)
            for (int ign = 0; ign < 2; ign++)
                for (int stat = 0; stat < 4; stat++)
                    for (size_t a = 0; a < 3; a++) {
                        if (ALGOS[a] == MWK_EWM_ALGO_SCAN && stat >= MWK_EWM_VAR) continue;
                        mwk_ewm_params p;
                        mwk_ewm_params_init(&p);
                        p.decay = MWK_EWM_HALFLIFE, p.decay_value = 2.5, p.adjust = adjust, p.ignore_na = ign;
                        p.times = tau, p.algorithm = ALGOS[a];
                        cr_assert_eq(mwk_ewm((mwk_ewm_stat)stat, &p, x, MWK_F64, n, 1, y, 1), MWK_OK);
                        char what[96];
                        snprintf(what, sizeof what, "times pat=%d adjust=%d ign=%d algo=%s", pat, adjust, ign,
                                 mwk_ewm_algorithm_name(ALGOS[a]));
                        failures += check_row((mwk_ewm_stat)stat, &p, x, tau, n, y, 0, 0, what);
                    }
    }
    cr_expect_eq(failures, 0, "%d failures", failures);
    /* The peers' example (Polars #21015): x = [1, 3] one day apart, half-life one day. */
    double xx[2] = {1, 3}, tt[2] = {0, 86400e9}, yy[2];
    mwk_ewm_params p;
    mwk_ewm_params_init(&p);
    p.decay = MWK_EWM_HALFLIFE, p.decay_value = 86400e9, p.times = tt;
    cr_assert_eq(mwk_ewm(MWK_EWM_MEAN, &p, xx, MWK_F64, 2, 1, yy, 1), MWK_OK);
    cr_expect(fabs(yy[1] - 7.0 / 3.0) < 1e-15, "adjust=1 (pandas): %.17g", yy[1]);
    p.adjust = 0;
    cr_assert_eq(mwk_ewm(MWK_EWM_MEAN, &p, xx, MWK_F64, 2, 1, yy, 1), MWK_OK);
    cr_expect(fabs(yy[1] - 2.0) < 1e-15, "adjust=0 (Polars ewm_mean_by): %.17g", yy[1]);
    free(x);
    free(y);
    free(tau);
}

Test(ewm, documented_values) {
    /* pandas' documented example of absolute positions: [x0, NaN, x2],
     * adjust=0: weights (1-a)^2 and a. And the second output after the gap,
     * where pandas' recursion differs from its own documented weights. */
    const double a = 0.3, l = 0.7;
    double x[4] = {1, NAN, 2, 5}, y[4];
    mwk_ewm_params p;
    mwk_ewm_params_init(&p);
    p.decay_value = a, p.adjust = 0, p.algorithm = MWK_EWM_ALGO_NAIVE;
    cr_assert_eq(mwk_ewm(MWK_EWM_MEAN, &p, x, MWK_F64, 4, 1, y, 1), MWK_OK);
    cr_expect(fabs(y[2] - (l * l * 1 + a * 2) / (l * l + a)) < 1e-15);
    const double want3 = (l * l * l * 1 + a * l * 2 + a * 5) / (l * l * l + a * l + a);
    cr_expect(fabs(y[3] - want3) < 1e-15, "%.17g vs %.17g", y[3], want3);
    cr_expect(isnan(0.0 / 0.0) && y[1] == 1.0);
    /* constant series: exact value, var exactly 0 */
    double c[50], yc[50];
    for (int i = 0; i < 50; i++) c[i] = 0.1;
    p.adjust = 1;
    for (size_t al = 0; al < 2; al++) {
        p.algorithm = ALGOS[al];
        cr_assert_eq(mwk_ewm(MWK_EWM_MEAN, &p, c, MWK_F64, 50, 1, yc, 1), MWK_OK);
        if (al == 0)
            for (int i = 0; i < 50; i++) cr_expect(yc[i] == 0.1);
    }
    p.algorithm = MWK_EWM_ALGO_NAIVE, p.bias = 1;
    cr_assert_eq(mwk_ewm(MWK_EWM_VAR, &p, c, MWK_F64, 50, 1, yc, 1), MWK_OK);
    for (int i = 0; i < 50; i++) cr_expect(yc[i] == 0.0);
    /* one observation: unbiased var NaN */
    p.bias = 0;
    cr_assert_eq(mwk_ewm(MWK_EWM_VAR, &p, c, MWK_F64, 50, 1, yc, 1), MWK_OK);
    cr_expect(isnan(yc[0]) && yc[1] == 0.0);
}

Test(ewm, infinities) {
    double x[8] = {1, 2, INFINITY, 3, 4, -INFINITY, 5, 6}, y[8];
    for (size_t al = 0; al < 2; al++) {
        mwk_ewm_params p;
        mwk_ewm_params_init(&p);
        p.decay_value = 0.5, p.algorithm = ALGOS[al];
        cr_assert_eq(mwk_ewm(MWK_EWM_MEAN, &p, x, MWK_F64, 8, 1, y, 1), MWK_OK);
        cr_expect(isfinite(y[1]) && y[2] == INFINITY && y[3] == INFINITY && y[4] == INFINITY);
        cr_expect(isnan(y[5]) && isnan(y[6]) && isnan(y[7]), "algo %zu", al);
    }
}

Test(ewm, dtypes_layouts_batches_threads) {
    /* 37 rows natively (7 under MWK_TEST_QUICK: valgrind, qemu); the O(t)
     * long-double reference checks every 4th row: the other rows are held
     * to bit-identity with row-by-row calls, which the reference rows anchor. */
    const size_t rows = mt_quick() >= 2 ? 4 : mt_size(37, 7), n = 301;
    double *x = malloc(rows * n * sizeof *x);
    for (size_t r = 0; r < rows; r++) fill(x + r * n, n, (nan_pattern)(r % 5), 1000 + r, 50.0, 20.0);
    const mwk_dtype dts[] = {MWK_F64, MWK_F32, MWK_I32, MWK_U8, MWK_I64, MWK_F16, MWK_BOOL};
    for (size_t d = 0; d < sizeof dts / sizeof dts[0]; d++) {
        const mwk_dtype dt = dts[d];
        if (!mt_dtype_runs(dt)) continue; /* tiny grid: uint8 shares int32's conversion */
        /* integer dtypes: no NaN, values truncated by mt_put */
        double *xv = malloc(rows * n * sizeof *xv);
        for (size_t i = 0; i < rows * n; i++) {
            double v = x[i];
            if (dt != MWK_F64 && dt != MWK_F32 && dt != MWK_F16) v = isnan(v) ? 7 : floor(fabs(v));
            if (dt == MWK_U8) v = fmod(v, 256);
            if (dt == MWK_BOOL) v = fmod(v, 2) != 0;
            if (dt == MWK_F16 && !isnan(v)) v = mt_f16_to_double(mt_double_to_f16(v));
            if (dt == MWK_F32 && !isnan(v)) v = (float)v;
            xv[i] = v;
        }
        void *xt = mt_from_doubles(xv, rows * n, dt);
        mwk_dtype odt;
        cr_assert_eq(mwk_ewm_out_dtype(dt, &odt), MWK_OK);
        const int f32 = odt == MWK_F32;
        for (int stat = 0; stat < 4; stat++)
            for (size_t a = 0; a < 2; a++) {
                if (ALGOS[a] == MWK_EWM_ALGO_SCAN && stat >= MWK_EWM_VAR) continue;
                mwk_ewm_params p;
                mwk_ewm_params_init(&p);
                p.decay = MWK_EWM_SPAN, p.decay_value = 20, p.algorithm = ALGOS[a];
                p.min_periods = 2;
                /* transposed layout: element k of row r at r + k*rows, output reversed rows */
                void *xT = malloc(rows * n * mt_elsize(dt));
                for (size_t r = 0; r < rows; r++)
                    for (size_t k = 0; k < n; k++)
                        memcpy((char *)xT + (k * rows + r) * mt_elsize(dt), (char *)xt + (r * n + k) * mt_elsize(dt),
                               mt_elsize(dt));
                void *y1 = calloc(rows * n, 8), *y2 = calloc(rows * n, 8), *yr = calloc(n, 8);
                p.threads = 1;
                cr_assert_eq(mwk_ewm_batch((mwk_ewm_stat)stat, &p, xt, dt, rows, n, (ptrdiff_t)n, 1, y1, (ptrdiff_t)n,
                                           1),
                             MWK_OK);
                p.threads = 3;
                /* y2 row r at the end, backwards: y_stride -1 */
                cr_assert_eq(mwk_ewm_batch((mwk_ewm_stat)stat, &p, xT, dt, rows, n, 1, (ptrdiff_t)rows,
                                           (char *)y2 + (n - 1) * mt_elsize(odt), (ptrdiff_t)n, -1),
                             MWK_OK);
                for (size_t r = 0; r < rows; r++) {
                    for (size_t k = 0; k < n; k++) {
                        double v1 = mt_get(y1, odt, r * n + k), v2 = mt_get(y2, odt, r * n + (n - 1 - k));
                        cr_expect(memcmp(&v1, &v2, 8) == 0 || (isnan(v1) && isnan(v2)),
                                  "dt=%s stat=%d row %zu k %zu: %.17g vs %.17g", mt_dtype_str(dt), stat, r, k, v1, v2);
                        if (!(memcmp(&v1, &v2, 8) == 0 || (isnan(v1) && isnan(v2)))) goto next;
                    }
                    /* row by row == batch, and the reference */
                    cr_assert_eq(mwk_ewm((mwk_ewm_stat)stat, &p, (char *)xt + r * n * mt_elsize(dt), dt, n, 1, yr, 1),
                                 MWK_OK);
                    cr_expect(memcmp(yr, (char *)y1 + r * n * mt_elsize(odt), n * mt_elsize(odt)) == 0);
                    if (r % 4 != 0) continue;
                    double *yd = malloc(n * sizeof *yd);
                    for (size_t k = 0; k < n; k++) yd[k] = mt_get(yr, odt, k);
                    char what[64];
                    snprintf(what, sizeof what, "dtype %s row %zu", mt_dtype_str(dt), r);
                    cr_expect_eq(check_row((mwk_ewm_stat)stat, &p, xv + r * n, NULL, n, yd,
                                           ALGOS[a] == MWK_EWM_ALGO_SCAN, f32, what),
                                 0);
                    free(yd);
                }
            next:
                free(xT);
                free(y1);
                free(y2);
                free(yr);
            }
        free(xt);
        free(xv);
    }
    free(x);
}

Test(ewm, statuses) {
    double x[4] = {1, 2, 3, 4}, y[4] = {0}, tau[4] = {0, 1, 1, 2}, bad_tau[4] = {0, 2, 1, 3};
    mwk_ewm_params p;
    mwk_ewm_params_init(&p);
    cr_expect_eq(mwk_ewm(MWK_EWM_MEAN, &p, x, MWK_F64, 4, 1, y, 1), MWK_E_PARAMS); /* decay unset */
    p.decay_value = 0.5;
    cr_expect_eq(mwk_ewm(MWK_EWM_MEAN, &p, x, MWK_F64, 4, 1, y, 1), MWK_OK);
    cr_expect_eq(mwk_ewm(MWK_EWM_MEAN, &p, NULL, MWK_F64, 4, 1, y, 1), MWK_E_NULL);
    cr_expect_eq(mwk_ewm((mwk_ewm_stat)9, &p, x, MWK_F64, 4, 1, y, 1), MWK_E_STAT);
    cr_expect_eq(mwk_ewm(MWK_EWM_MEAN, &p, x, (mwk_dtype)99, 4, 1, y, 1), MWK_E_DTYPE);
    cr_expect_eq(mwk_ewm(MWK_EWM_MEAN, &p, x, MWK_F64, 4, 1, x, 1), MWK_E_OVERLAP);
    cr_expect_eq(mwk_ewm(MWK_EWM_MEAN, &p, x, MWK_F64, 4, 1, y, 0), MWK_E_OVERLAP);
    const struct {
        mwk_ewm_decay d;
        double v;
    } bad[] = {{MWK_EWM_ALPHA, 0}, {MWK_EWM_ALPHA, 1.5}, {MWK_EWM_COM, -0.1}, {MWK_EWM_SPAN, 0.5},
               {MWK_EWM_HALFLIFE, 0}, {MWK_EWM_ALPHA, NAN}, {(mwk_ewm_decay)7, 1}};
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        mwk_ewm_params q = p;
        q.decay = bad[k].d, q.decay_value = bad[k].v;
        cr_expect_eq(mwk_ewm(MWK_EWM_MEAN, &q, x, MWK_F64, 4, 1, y, 1), MWK_E_PARAMS, "case %zu", k);
    }
    mwk_ewm_params q = p;
    q.times = tau; /* times need halflife */
    cr_expect_eq(mwk_ewm(MWK_EWM_MEAN, &q, x, MWK_F64, 4, 1, y, 1), MWK_E_PARAMS);
    q.decay = MWK_EWM_HALFLIFE, q.decay_value = 1;
    cr_expect_eq(mwk_ewm(MWK_EWM_MEAN, &q, x, MWK_F64, 4, 1, y, 1), MWK_OK);
    q.times = bad_tau;
    cr_expect_eq(mwk_ewm(MWK_EWM_MEAN, &q, x, MWK_F64, 4, 1, y, 1), MWK_E_PARAMS);
    q = p;
    q.algorithm = MWK_EWM_ALGO_SCAN;
    cr_expect_eq(mwk_ewm(MWK_EWM_VAR, &q, x, MWK_F64, 4, 1, y, 1), MWK_E_ALGORITHM);
    q.algorithm = (mwk_ewm_algorithm)5;
    cr_expect_eq(mwk_ewm(MWK_EWM_MEAN, &q, x, MWK_F64, 4, 1, y, 1), MWK_E_ALGORITHM);
    q = p;
    q.target = "no-such-target";
    cr_expect_eq(mwk_ewm(MWK_EWM_MEAN, &q, x, MWK_F64, 4, 1, y, 1), MWK_E_TARGET);
    q = p;
    q.threads = -1;
    cr_expect_eq(mwk_ewm(MWK_EWM_MEAN, &q, x, MWK_F64, 4, 1, y, 1), MWK_E_THREADS);
    q = p;
    q.struct_size = 3;
    cr_expect_eq(mwk_ewm(MWK_EWM_MEAN, &q, x, MWK_F64, 4, 1, y, 1), MWK_E_PARAMS);
    /* failed validation writes nothing */
    for (int i = 0; i < 4; i++) y[i] = 42;
    q = p;
    q.decay_value = -3;
    mwk_ewm(MWK_EWM_MEAN, &q, x, MWK_F64, 4, 1, y, 1);
    for (int i = 0; i < 4; i++) cr_expect(y[i] == 42);
    cr_expect_eq(mwk_ewm(MWK_EWM_MEAN, &p, x, MWK_F64, 0, 1, y, 1), MWK_OK);
    mwk_ewm_algorithm ch;
    cr_expect_eq(mwk_ewm_choose(MWK_EWM_MEAN, &p, &ch), MWK_OK);
    cr_expect_eq(ch, MWK_EWM_ALGO_SCAN);
    cr_expect_eq(mwk_ewm_choose(MWK_EWM_STD, &p, &ch), MWK_OK);
    cr_expect_eq(ch, MWK_EWM_ALGO_NAIVE);
    cr_expect_str_eq(mwk_ewm_algorithm_name(MWK_EWM_ALGO_SCAN), "scan");
    cr_expect_eq(mwk_ewm_algorithm_from_name("scan", &ch), MWK_OK);
    cr_expect_eq(mwk_ewm_algorithm_from_name("fft", &ch), MWK_E_ALGORITHM);
    double al, la;
    q = p;
    q.decay = MWK_EWM_SPAN, q.decay_value = 1000;
    cr_expect_eq(mwk_ewm_decay_get(&q, &al, &la), MWK_OK);
    cr_expect(al == 2.0 / 1001 && la == 999.0 / 1001);
}
