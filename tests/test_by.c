/* Key-based windows (mwk_move_by, include/mwk_by.h): every statistic x its
 * algorithms x SIMD targets x dtypes x closed x NaN policy x min_count,
 * against references written here: the window found by brute force over
 * the key (128-bit key differences), sums with exact partials (fsum), var
 * in long double two-pass, extrema/argextrema/rank by counting, quantiles
 * from the sorted window. Keys are irregular with ties, gaps longer than the
 * window, negative values; window 0; keys at INT64_MIN/MAX; unsorted keys
 * (MWK_E_UNSORTED, and with check_sorted = 0 no crash); a regular key
 * against mwk_move (bit-identical for the exact statistics); threads and
 * chunks; strides; errors that leave the output untouched.
 * MWK_TEST_QUICK shrinks sizes and targets. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mwk_by.h>

#include "mt_common.h"

enum { S_MEAN, S_SUM, S_VAR, S_STD, S_MIN, S_MAX, S_ARGMIN, S_ARGMAX, S_MEDIAN, S_QUANTILE, S_RANK, S_N };

/* The running form of each statistic (auto's choice); min/max also have a
 * deque (SECOND). */
static const mwk_algorithm SECOND[S_N] = {0, 0, 0, 0, MWK_ALGO_DEQUE, MWK_ALGO_DEQUE, 0, 0, 0, 0, 0};
static const mwk_algorithm FAST[S_N] = {MWK_ALGO_PREFIX, MWK_ALGO_PREFIX, MWK_ALGO_PREFIX,
                                        MWK_ALGO_PREFIX, MWK_ALGO_PREFIX, MWK_ALGO_PREFIX,
                                        MWK_ALGO_DEQUE,  MWK_ALGO_DEQUE,  MWK_ALGO_SKIPLIST,
                                        MWK_ALGO_SKIPLIST, MWK_ALGO_SKIPLIST};

/* ---- keys and data ---------------------------------------------------- */

/* Irregular sorted keys: ties (gap 0), small gaps, gaps of 100 (longer than
 * every window tested but the largest), from a negative start. */
static void make_keys(mt_rng *r, int64_t *k, size_t n) {
    int64_t t = -50;
    for (size_t i = 0; i < n; i++) {
        const uint64_t u = mt_rng_u64(r) % 10;
        t += u < 2 ? 0 : u < 8 ? (int64_t)(1 + mt_rng_u64(r) % 3) : u < 9 ? 100 : 7;
        k[i] = t;
    }
}

static void fill(mt_rng *r, double *x, size_t n, int specials, int ints) {
    for (size_t i = 0; i < n; i++) {
        x[i] = ints ? (double)(int)(mt_rng_u64(r) % 41) - 20.0 : mt_rng_normal(r) * 10.0 + 3.0;
        if (specials) {
            const uint64_t u = mt_rng_u64(r) % 40;
            if (u == 0) x[i] = NAN;
            else if (u == 1) x[i] = INFINITY;
            else if (u == 2) x[i] = -INFINITY;
        }
    }
}

/* ---- the reference ------------------------------------------------------ */

/* Row i's window [lo, hi) over a sorted key, by brute force. */
static void ref_window(const int64_t *k, size_t n, size_t i, int64_t w, mwk_closed cl, size_t *lo,
                       size_t *hi) {
    const int incl_lo = cl == MWK_CLOSED_LEFT || cl == MWK_CLOSED_BOTH;
    const int incl_hi = cl == MWK_CLOSED_RIGHT || cl == MWK_CLOSED_BOTH;
    size_t a = n, b = 0;
    for (size_t j = 0; j < n; j++) {
        const __int128 d = (__int128)k[i] - (__int128)k[j]; /* >= 0: j is not newer */
        const int in_lo = incl_lo ? d <= w : d < w;
        const int in_hi = incl_hi ? d >= 0 : d > 0;
        if (in_lo && in_hi) {
            if (j < a) a = j;
            b = j + 1;
        }
    }
    if (a > b) a = b = 0;
    *lo = a, *hi = b;
}

/* The same from row i outwards, O(window) (sorted keys only): for the long
 * rows of the chunk test. */
static void ref_window_sorted(const int64_t *k, size_t n, size_t i, int64_t w, mwk_closed cl,
                              size_t *lo, size_t *hi) {
    const int incl_lo = cl == MWK_CLOSED_LEFT || cl == MWK_CLOSED_BOTH;
    const int incl_hi = cl == MWK_CLOSED_RIGHT || cl == MWK_CLOSED_BOTH;
    size_t b = i;
    if (incl_hi)
        while (b < n && k[b] <= k[i]) b++;
    else
        while (b > 0 && k[b - 1] >= k[i]) b--;
    size_t a = b;
    while (a > 0) {
        const __int128 d = (__int128)k[i] - (__int128)k[a - 1];
        if (!(incl_lo ? d <= w : d < w)) break;
        a--;
    }
    *lo = a, *hi = b;
}

static int cmp_d(const void *a, const void *b) {
    const double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

typedef struct {
    double v;   /* expected value (NaN, inf: exactly) */
    double tol; /* absolute tolerance (0: exact) */
} expect;

/* The expectation for statistic s over x[lo, hi), row i (rank). */
static expect ref_value(int s, const double *x, size_t lo, size_t hi, size_t i,
                        mwk_nan_policy pol, size_t mc, int ddof, double q, double *tmp) {
    expect e = {NAN, 0.0};
    size_t nan = 0, pinf = 0, ninf = 0, c = 0;
    for (size_t j = lo; j < hi; j++) {
        if (isnan(x[j])) nan++;
        else {
            if (x[j] == INFINITY) pinf++;
            if (x[j] == -INFINITY) ninf++;
            tmp[c++] = x[j];
        }
    }
    if ((pol == MWK_NAN_PROPAGATE && nan) || c < mc || c == 0) return e;
    const double u = ldexp(1.0, -53);
    switch (s) {
    case S_MEAN:
    case S_SUM: {
        if (pinf && ninf) return e;
        if (pinf || ninf) return e.v = pinf ? INFINITY : -INFINITY, e;
        mt_xsum xs = {{0}, 0};
        double a = 0.0;
        for (size_t j = 0; j < c; j++) mt_xs_add(&xs, tmp[j]), a += fabs(tmp[j]);
        e.v = mt_xs_round(&xs);
        e.tol = (double)(c + 2) * u * a;
        if (s == S_MEAN) e.v /= (double)c, e.tol = e.tol / (double)c + 2 * u * fabs(e.v);
        return e;
    }
    case S_VAR:
    case S_STD: {
        if (pinf || ninf || c <= (size_t)ddof) return e;
        long double m = 0.0L, ss = 0.0L;
        for (size_t j = 0; j < c; j++) m += tmp[j];
        m /= (long double)c;
        for (size_t j = 0; j < c; j++) ss += ((long double)tmp[j] - m) * ((long double)tmp[j] - m);
        /* The corrected two-pass (Chan, Golub and LeVeque): minus (sum of
         * deviations)^2 / c, which removes the error of the rounded mean.
         * Under valgrind long double is double, and for values near 1e8
         * with spread 1 that error alone (c * (u * 1e8)^2) was 1e-13 of
         * the variance, above the contract's bound. */
        long double sd = 0.0L;
        for (size_t j = 0; j < c; j++) sd += (long double)tmp[j] - m;
        ss -= sd * sd / (long double)c;
        if (ss < 0.0L) ss = 0.0L;
        const double var = (double)(ss / (long double)(c - (size_t)ddof));
        const double tv = 8.0 * (double)(c + 4) * u * var + 1e-300 + 4 * mt_ld_eps() * var * c;
        if (s == S_VAR) e.v = var, e.tol = tv;
        else e.v = sqrt(var), e.tol = tv / (2 * (e.v > 0 ? e.v : 1)) + 2 * u * e.v + (e.v == 0 ? sqrt(tv) : 0);
        return e;
    }
    case S_MIN:
    case S_MAX:
    case S_ARGMIN:
    case S_ARGMAX: {
        const int mx = s == S_MAX || s == S_ARGMAX;
        size_t best = SIZE_MAX;
        for (size_t j = lo; j < hi; j++) {
            if (isnan(x[j])) continue;
            if (best == SIZE_MAX || (mx ? x[j] >= x[best] : x[j] <= x[best])) best = j;
        }
        e.v = (s == S_MIN || s == S_MAX) ? x[best] : (double)(hi - 1 - best);
        return e;
    }
    case S_RANK: {
        const double a = x[i];
        if (isnan(a)) return e;
        size_t less = 0, eq = 0, cc = c;
        for (size_t j = 0; j < c; j++) less += tmp[j] < a, eq += tmp[j] == a;
        if (!(i >= lo && i < hi)) eq++, cc++;
        if (cc <= 1) return e.v = 0.0, e;
        e.v = (2.0 * (double)less + (double)eq - 1.0 - (double)(cc - 1)) / (double)(cc - 1);
        return e;
    }
    default: { /* median (0.5 linear) and quantile (q, linear) */
        qsort(tmp, c, sizeof *tmp, cmp_d);
        /* numpy's virtual index, formed in double as numpy does. */
        const double h = q * (double)(c - 1);
        const size_t f = (size_t)floor(h);
        const size_t g = f + 1 < c ? f + 1 : f;
        const long double t = (long double)h - (long double)f;
        const double a = tmp[f], b = tmp[g];
        if (t == 0 || a == b) return e.v = a, e;
        if (isinf(a) || isinf(b)) {
            e.v = (isinf(a) && isinf(b)) ? (a == b ? a : NAN) : isinf(a) ? a : b;
            return e;
        }
        e.v = (double)((long double)a + t * ((long double)b - (long double)a));
        /* The library is within one ulp of the exact value; this reference
         * is within three long double roundings of it, which under valgrind
         * (x87 at double precision) are double roundings: mt_ld_eps. */
        e.tol = (2 * u + 4 * mt_ld_eps()) * (fabs(a) > fabs(b) ? fabs(a) : fabs(b));
        return e;
    }
    }
}

/* ---- calling -------------------------------------------------------------- */

static mwk_status call_by(int s, const mwk_params *prm, const void *x, mwk_dtype dt, size_t n,
                          const int64_t *k, int64_t w, mwk_closed cl, size_t mc, mwk_algorithm a,
                          mwk_nan_policy pol, const char *target, int threads, void *y) {
    mwk_options o;
    mwk_options_init(&o);
    o.algorithm = a;
    o.nan_policy = pol;
    o.target = target;
    o.threads = threads;
    return mwk_move_by((mwk_stat)s, prm, x, dt, n, 1, k, 1, w, cl, mc, 1, y, 1, 1, &o);
}

static double out_get(const void *y, mwk_dtype odt, size_t i) {
    return odt == MWK_F32 ? (double)((const float *)y)[i] : ((const double *)y)[i];
}

/* 1 when got matches e (float32 outputs: one float ulp more). */
static int matches(expect e, double got, mwk_dtype odt) {
    if (isnan(e.v)) return isnan(got);
    if (isinf(e.v)) return got == e.v;
    double tol = e.tol;
    if (odt == MWK_F32) {
        tol += ldexp(fabs(e.v), -23) + tol;
        /* float32 results of exact selections: the value rounded once. */
        if (e.tol == 0.0) return got == (double)(float)e.v;
    }
    if (tol == 0.0) return got == e.v;
    return fabs(got - e.v) <= tol;
}

/* ---- the grid ------------------------------------------------------------ */

Test(by, grid_every_statistic_algorithm_target_dtype_closed_policy) {
    const char *const *targets;
    const size_t nt = mt_targets(&targets);
    const size_t n = mt_size(700, 250);
    mt_rng r;
    mt_rng_seed(&r, 12);
    int64_t *k = malloc(n * sizeof *k);
    double *xd = malloc(n * sizeof *xd), *tmp = malloc(n * sizeof *tmp);
    double *ref = malloc(n * sizeof *ref), *tol = malloc(n * sizeof *tol);
    double *y = malloc(n * sizeof *y);
    make_keys(&r, k, n);
    const mwk_dtype dts[] = {MWK_F64, MWK_F32, MWK_I32};
    const int64_t windows[] = {0, 1, 6, 40};
    size_t calls = 0, bad = 0;
    for (size_t di = 0; di < 3; di++) {
        const mwk_dtype dt = dts[di];
        fill(&r, xd, n, dt != MWK_I32, dt == MWK_I32);
        if (dt == MWK_F32)
            for (size_t i = 0; i < n; i++) xd[i] = (double)(float)xd[i];
        void *xt = mt_from_doubles(xd, n, dt);
        for (int s = 0; s < S_N; s++) {
            mwk_params prm;
            mwk_params_init(&prm);
            prm.quantile = 0.3;
            if (s == S_VAR || s == S_STD) prm.ddof = (int)(di % 2);
            const double q = s == S_QUANTILE ? 0.3 : 0.5;
            mwk_dtype odt;
            cr_assert_eq(mwk_move_out_dtype((mwk_stat)s, dt, &odt), MWK_OK);
            for (size_t wi = 0; wi < 4; wi++)
                for (int cl = 0; cl < 4; cl++)
                    for (int pol = 0; pol < 2; pol++)
                        for (size_t mc = 1; mc <= 3; mc += 2) {
                            if ((wi + (size_t)cl + (size_t)pol + mc + (size_t)s) % (mt_quick() ? 3 : 1)) continue;
                            for (size_t i = 0; i < n; i++) {
                                size_t lo, hi;
                                ref_window(k, n, i, windows[wi], (mwk_closed)cl, &lo, &hi);
                                const expect e = ref_value(s, xd, lo, hi, i, (mwk_nan_policy)pol,
                                                           mc, prm.ddof, q, tmp);
                                ref[i] = e.v, tol[i] = e.tol;
                            }
                            const mwk_algorithm algs[4] = {MWK_ALGO_NAIVE, FAST[s], MWK_ALGO_AUTO, SECOND[s]};
                            for (size_t ai = 0; ai < 4; ai++)
                                for (size_t ti = 0; ti < nt; ti++) {
                                    if (ai == 3 && !algs[3]) continue;
                                    if (ai != 1 && ti > 0) continue; /* targets: the fast form */
                                    mwk_status st = call_by(s, &prm, xt, dt, n, k, windows[wi],
                                                            (mwk_closed)cl, mc, algs[ai],
                                                            (mwk_nan_policy)pol, targets[ti], 0, y);
                                    calls++;
                                    cr_assert_eq(st, MWK_OK, "stat %d algo %d: status %d", s,
                                                 (int)algs[ai], (int)st);
                                    for (size_t i = 0; i < n; i++) {
                                        const expect e = {ref[i], tol[i]};
                                        const double got = out_get(y, odt, i);
                                        if (!matches(e, got, odt)) {
                                            if (bad++ < 10)
                                                fprintf(stderr,
                                                        "by grid: stat %d algo %s target %s dtype %s w %lld closed %d "
                                                        "policy %d mc %zu row %zu (key %lld): got %.17g want %.17g tol %g\n",
                                                        s, mt_algo_str(algs[ai]), targets[ti], mt_dtype_str(dt),
                                                        (long long)windows[wi], cl, pol, mc, i, (long long)k[i],
                                                        got, ref[i], tol[i]);
                                        }
                                    }
                                }
                        }
        }
        free(xt);
    }
    cr_expect_eq(bad, 0, "%zu mismatches over %zu calls", bad, calls);
    free(k), free(xd), free(tmp), free(ref), free(tol), free(y);
}

/* ---- a regular key is the fixed trailing window -------------------------- */

Test(by, regular_key_equals_mwk_move) {
    const size_t n = mt_size(3000, 600);
    mt_rng r;
    mt_rng_seed(&r, 5);
    double *x = malloc(n * sizeof *x), *a = malloc(n * 2 * sizeof *a), *b = malloc(n * 2 * sizeof *b);
    int64_t *k = malloc(n * sizeof *k);
    fill(&r, x, n, 1, 0);
    for (size_t i = 0; i < n; i++) k[i] = (int64_t)i;
    const size_t ws[] = {1, 7, 50};
    for (int s = 0; s < S_N; s++)
        for (size_t wi = 0; wi < 3; wi++)
            for (size_t mc = 1; mc <= 4; mc += 3)
                for (int ai = 0; ai < 2; ai++) {
                    const size_t w = ws[wi];
                    if (mc > w) continue;
                    mwk_params prm;
                    mwk_params_init(&prm);
                    mwk_options o;
                    mwk_options_init(&o);
                    o.min_count = mc;
                    o.algorithm = ai ? FAST[s] : MWK_ALGO_NAIVE;
                    cr_assert_eq(mwk_move((mwk_stat)s, &prm, x, MWK_F64, n, 1, a, 1, w,
                                          &(mwk_options){sizeof(mwk_options), MWK_ALIGN_TRAILING,
                                                         MWK_ALGO_NAIVE, MWK_NAN_SKIP, mc, 0, NULL,
                                                         MWK_LONG_WINDOW_ERROR}),
                                 MWK_OK);
                    cr_assert_eq(mwk_move_by((mwk_stat)s, &prm, x, MWK_F64, n, 1, k, 1,
                                             (int64_t)w, MWK_CLOSED_RIGHT, mc, 1, b, 1, 1, &o),
                                 MWK_OK);
                    const int exact = s >= S_MIN;
                    for (size_t i = 0; i < n; i++) {
                        if (exact || isnan(a[i]) || isinf(a[i])) {
                            cr_assert(memcmp(&a[i], &b[i], 8) == 0 || (isnan(a[i]) && isnan(b[i])),
                                      "stat %d w %zu mc %zu algo %d row %zu: move %.17g by %.17g", s,
                                      w, mc, ai, i, a[i], b[i]);
                        } else {
                            cr_assert(fabs(a[i] - b[i]) <= 1e-12 * (fabs(a[i]) + 1e3),
                                      "stat %d row %zu: %.17g %.17g", s, i, a[i], b[i]);
                        }
                    }
                }
    free(x), free(a), free(b), free(k);
}

/* ---- extreme keys -------------------------------------------------------- */

Test(by, keys_at_int64_extremes_do_not_overflow) {
    const int64_t k[] = {INT64_MIN, INT64_MIN, INT64_MIN + 1, -1, 0, 1, INT64_MAX - 2,
                         INT64_MAX - 1, INT64_MAX, INT64_MAX};
    const size_t n = sizeof k / sizeof k[0];
    double x[sizeof k / sizeof k[0]], y[sizeof k / sizeof k[0]], tmp[16];
    for (size_t i = 0; i < n; i++) x[i] = (double)(i * 3 % 7);
    const int64_t ws[] = {0, 1, 2, 3, INT64_MAX - 1, INT64_MAX};
    for (int s = 0; s < S_N; s++)
        for (size_t wi = 0; wi < 6; wi++)
            for (int cl = 0; cl < 4; cl++)
                for (int ai = 0; ai < 3; ai++) {
                    if (ai == 2 && !SECOND[s]) continue;
                    mwk_status st = call_by(s, NULL, x, MWK_F64, n, k, ws[wi], (mwk_closed)cl, 1,
                                            ai == 2 ? SECOND[s] : ai ? FAST[s] : MWK_ALGO_NAIVE,
                                            MWK_NAN_SKIP, NULL, 1, y);
                    cr_assert_eq(st, MWK_OK);
                    for (size_t i = 0; i < n; i++) {
                        size_t lo, hi;
                        ref_window(k, n, i, ws[wi], (mwk_closed)cl, &lo, &hi);
                        const expect e = ref_value(s, x, lo, hi, i, MWK_NAN_SKIP, 1, 0,
                                                   s == S_QUANTILE ? 0.5 : 0.5, tmp);
                        cr_assert(matches(e, y[i], MWK_F64),
                                  "stat %d w %lld closed %d row %zu: got %.17g want %.17g", s,
                                  (long long)ws[wi], cl, i, y[i], e.v);
                    }
                }
}

/* ---- threads and chunks ---------------------------------------------------- */

Test(by, chunks_and_threads_agree_with_the_reference) {
    const size_t n = mt_size(200000, 140000); /* > 2 chunks of 65536 */
    mt_rng r;
    mt_rng_seed(&r, 9);
    int64_t *k = malloc(n * sizeof *k);
    double *x = malloc(n * sizeof *x), *y1 = malloc(n * sizeof *y1), *y4 = malloc(n * sizeof *y4);
    double *tmp = malloc(n * sizeof *tmp);
    make_keys(&r, k, n);
    fill(&r, x, n, 1, 0);
    const int stats[] = {S_MEAN, S_STD, S_MAX, S_ARGMIN, S_MEDIAN};
    for (size_t si = 0; si < 5; si++) {
        const int s = stats[si];
        cr_assert_eq(call_by(s, NULL, x, MWK_F64, n, k, 30, MWK_CLOSED_RIGHT, 1, MWK_ALGO_AUTO,
                             MWK_NAN_SKIP, NULL, 1, y1), MWK_OK);
        cr_assert_eq(call_by(s, NULL, x, MWK_F64, n, k, 30, MWK_CLOSED_RIGHT, 1, MWK_ALGO_AUTO,
                             MWK_NAN_SKIP, NULL, 4, y4), MWK_OK);
        cr_assert(memcmp(y1, y4, n * sizeof *y1) == 0, "stat %d: threads change the bits", s);
        /* The reference, around the chunk boundaries and at a stride. */
        size_t lo = 0, hi = 0;
        for (size_t i = 0; i < n; i++) {
            const int near = (i % 65536) < 200 || (i % 65536) > 65536 - 200 || i % 97 == 0;
            if (!near) continue;
            ref_window_sorted(k, n, i, 30, MWK_CLOSED_RIGHT, &lo, &hi);
            const expect e = ref_value(s, x, lo, hi, i, MWK_NAN_SKIP, 1, 0, 0.5, tmp);
            cr_assert(matches(e, y1[i], MWK_F64), "stat %d row %zu: got %.17g want %.17g", s, i,
                      y1[i], e.v);
        }
    }
    free(k), free(x), free(y1), free(y4), free(tmp);
}

/* ---- unsorted keys ---------------------------------------------------------- */

Test(by, unsorted_key_is_an_error_and_leaves_y_untouched) {
    int64_t k[] = {0, 1, 2, 5, 4, 6};
    double x[6] = {1, 2, 3, 4, 5, 6}, y[6];
    for (int s = 0; s < S_N; s++) {
        memset(y, 0x5a, sizeof y);
        cr_assert_eq(call_by(s, NULL, x, MWK_F64, 6, k, 2, MWK_CLOSED_RIGHT, 1, MWK_ALGO_AUTO,
                             MWK_NAN_SKIP, NULL, 0, y), MWK_E_UNSORTED);
        for (size_t i = 0; i < sizeof y; i++) cr_assert_eq(((unsigned char *)y)[i], 0x5a);
    }
}

Test(by, unchecked_unsorted_keys_never_crash) {
    const size_t n = mt_size(5000, 1500);
    mt_rng r;
    mt_rng_seed(&r, 3);
    int64_t *k = malloc(n * sizeof *k);
    double *x = malloc(n * sizeof *x), *y = malloc(n * 3 * sizeof *y);
    fill(&r, x, n, 1, 0);
    for (int kind = 0; kind < 3; kind++) {
        for (size_t i = 0; i < n; i++)
            k[i] = kind == 0   ? (int64_t)(mt_rng_u64(&r) % 100)
                   : kind == 1 ? (int64_t)(n - i)
                               : (int64_t)mt_rng_u64(&r); /* the whole int64 range */
        for (int s = 0; s < S_N; s++)
            for (int ai = 0; ai < 3; ai++)
                for (int cl = 0; cl < 4; cl++) {
                    if (ai == 2 && !SECOND[s]) continue;
                    mwk_options o;
                    mwk_options_init(&o);
                    o.algorithm = ai == 2 ? SECOND[s] : ai ? FAST[s] : MWK_ALGO_NAIVE;
                    mwk_status st = mwk_move_by((mwk_stat)s, NULL, x, MWK_F64, n, 1, k, 1, 10,
                                                (mwk_closed)cl, 1, 0, y, 1, 1, &o);
                    cr_assert_eq(st, MWK_OK);
                }
    }
    free(k), free(x), free(y);
}

/* ---- layouts ---------------------------------------------------------------- */

Test(by, strides_float32_and_several_quantiles) {
    const size_t n = 400;
    mt_rng r;
    mt_rng_seed(&r, 21);
    int64_t *kk = malloc(n * sizeof *kk), *ks = malloc(2 * n * sizeof *ks);
    double *x = malloc(n * sizeof *x), *xs = malloc(3 * n * sizeof *xs), *tmp = malloc(n * 8);
    make_keys(&r, kk, n);
    fill(&r, x, n, 1, 0);
    for (size_t i = 0; i < n; i++) ks[2 * i] = kk[i], ks[2 * i + 1] = -7, xs[3 * i] = x[i];
    const double qs[3] = {0.9, 0.1, 0.5};
    mwk_params prm;
    mwk_params_init(&prm);
    prm.quantiles = qs;
    prm.n_quantiles = 3;
    float *y = malloc(n * 8 * sizeof *y);
    float *x32 = malloc(n * sizeof *x32);
    for (size_t i = 0; i < n; i++) x32[i] = (float)x[i];
    for (int ai = 0; ai < 2; ai++) {
        mwk_options o;
        mwk_options_init(&o);
        o.algorithm = ai ? MWK_ALGO_SKIPLIST : MWK_ALGO_NAIVE;
        /* float64 strided x and key, y positions 8 apart, values 2 apart. */
        double *yd = (double *)y;
        /* Positions 2 apart cannot hold 3 values 1 apart. */
        cr_assert_eq(mwk_move_by(MWK_STAT_QUANTILE, &prm, xs, MWK_F64, n, 3, ks, 2, 12,
                                 MWK_CLOSED_BOTH, 2, 1, yd, 2, 1, &o), MWK_E_OVERLAP);
        cr_assert_eq(mwk_move_by(MWK_STAT_QUANTILE, &prm, xs, MWK_F64, n, 3, ks, 2, 12,
                                 MWK_CLOSED_BOTH, 2, 1, yd, 4, 1, &o), MWK_OK);
        for (size_t i = 0; i < n; i++) {
            size_t lo, hi;
            ref_window(kk, n, i, 12, MWK_CLOSED_BOTH, &lo, &hi);
            for (size_t q = 0; q < 3; q++) {
                const expect e = ref_value(S_QUANTILE, x, lo, hi, i, MWK_NAN_SKIP, 2, 0, qs[q], tmp);
                cr_assert(matches(e, yd[i * 4 + q], MWK_F64), "row %zu q %zu", i, q);
            }
        }
        /* float32 in and out, negative output stride. */
        float *yend = y + (n - 1) * 2;
        o.algorithm = ai ? MWK_ALGO_PREFIX : MWK_ALGO_NAIVE;
        cr_assert_eq(mwk_move_by(MWK_STAT_MEAN, NULL, x32, MWK_F32, n, 1, kk, 1, 12,
                                 MWK_CLOSED_RIGHT, 1, 1, yend, -2, 1, &o), MWK_OK);
        double xd[400];
        for (size_t j = 0; j < n; j++) xd[j] = (double)x32[j];
        for (size_t i = 0; i < n; i++) {
            size_t lo, hi;
            ref_window(kk, n, i, 12, MWK_CLOSED_RIGHT, &lo, &hi);
            const expect e = ref_value(S_MEAN, xd, lo, hi, i, MWK_NAN_SKIP, 1, 0, 0.5, tmp);
            cr_assert(matches(e, (double)yend[-2 * (ptrdiff_t)i], MWK_F32), "f32 row %zu", i);
        }
    }
    free(kk), free(ks), free(x), free(xs), free(tmp), free(y), free(x32);
}

/* ---- errors ----------------------------------------------------------------- */

Test(by, errors) {
    int64_t k[4] = {0, 1, 2, 3};
    double x[4] = {1, 2, 3, 4}, y[4];
    mwk_options o;
    mwk_options_init(&o);
#define BY(stat, xx, kk, w, cl, mc, yy, opt)                                                      \
    mwk_move_by(stat, NULL, xx, MWK_F64, 4, 1, kk, 1, w, cl, mc, 1, yy, 1, 1, opt)
    cr_assert_eq(BY(MWK_STAT_MEAN, NULL, k, 1, 0, 1, y, NULL), MWK_E_NULL);
    cr_assert_eq(BY(MWK_STAT_MEAN, x, NULL, 1, 0, 1, y, NULL), MWK_E_NULL);
    cr_assert_eq(BY(MWK_STAT_MEAN, x, k, 1, 0, 1, NULL, NULL), MWK_E_NULL);
    cr_assert_eq(BY(MWK_STAT_WEIGHTED_SUM, x, k, 1, 0, 1, y, NULL), MWK_E_STAT);
    cr_assert_eq(BY(MWK_STAT_WEIGHTED_MEAN, x, k, 1, 0, 1, y, NULL), MWK_E_STAT);
    cr_assert_eq(BY((mwk_stat)99, x, k, 1, 0, 1, y, NULL), MWK_E_STAT);
    cr_assert_eq(BY(MWK_STAT_MEAN, x, k, -1, 0, 1, y, NULL), MWK_E_WINDOW);
    cr_assert_eq(BY(MWK_STAT_MEAN, x, k, 1, 0, 0, y, NULL), MWK_E_MIN_COUNT);
    cr_assert_eq(BY(MWK_STAT_MEAN, x, k, 1, (mwk_closed)4, 1, y, NULL), MWK_E_OPTIONS);
    cr_assert_eq(BY(MWK_STAT_MEAN, x, k, 1, 0, 1, (double *)x, NULL), MWK_E_OVERLAP);
    cr_assert_eq(BY(MWK_STAT_MEAN, x, k, 1, 0, 1, (double *)(void *)k, NULL), MWK_E_OVERLAP);
    o.align = MWK_ALIGN_CENTERED;
    cr_assert_eq(BY(MWK_STAT_MEAN, x, k, 1, 0, 1, y, &o), MWK_E_ALIGN);
    mwk_options_init(&o);
    o.algorithm = MWK_ALGO_FFT;
    cr_assert_eq(BY(MWK_STAT_MEAN, x, k, 1, 0, 1, y, &o), MWK_E_ALGORITHM);
    o.algorithm = MWK_ALGO_DEQUE;
    cr_assert_eq(BY(MWK_STAT_MEAN, x, k, 1, 0, 1, y, &o), MWK_E_ALGORITHM);
    o.algorithm = MWK_ALGO_PREFIX;
    cr_assert_eq(BY(MWK_STAT_ARGMAX, x, k, 1, 0, 1, y, &o), MWK_E_ALGORITHM);
    o.algorithm = MWK_ALGO_SKIPLIST;
    cr_assert_eq(BY(MWK_STAT_MAX, x, k, 1, 0, 1, y, &o), MWK_E_ALGORITHM);
    o.algorithm = (mwk_algorithm)77;
    cr_assert_eq(BY(MWK_STAT_MAX, x, k, 1, 0, 1, y, &o), MWK_E_ALGORITHM);
    mwk_options_init(&o);
    o.nan_policy = (mwk_nan_policy)5;
    cr_assert_eq(BY(MWK_STAT_MAX, x, k, 1, 0, 1, y, &o), MWK_E_NAN_POLICY);
    mwk_options_init(&o);
    o.threads = -1;
    cr_assert_eq(BY(MWK_STAT_MAX, x, k, 1, 0, 1, y, &o), MWK_E_THREADS);
    mwk_options_init(&o);
    o.target = "no-such-target";
    cr_assert_eq(BY(MWK_STAT_MAX, x, k, 1, 0, 1, y, &o), MWK_E_TARGET);
    mwk_options_init(&o);
    o.struct_size = 3;
    cr_assert_eq(BY(MWK_STAT_MAX, x, k, 1, 0, 1, y, &o), MWK_E_OPTIONS);
    mwk_params prm;
    mwk_params_init(&prm);
    prm.ddof = -1;
    cr_assert_eq(mwk_move_by(MWK_STAT_VAR, &prm, x, MWK_F64, 4, 1, k, 1, 1, 0, 1, 1, y, 1, 1, NULL),
                 MWK_E_PARAMS);
    cr_assert_eq(mwk_move_by(MWK_STAT_VAR, NULL, x, (mwk_dtype)40, 4, 1, k, 1, 1, 0, 1, 1, y, 1, 1, NULL),
                 MWK_E_DTYPE);
    cr_assert_eq(mwk_move_by(MWK_STAT_VAR, NULL, x, MWK_F64, 4, 1, k, 1, 1, 0, 1, 1, y, 0, 1, NULL),
                 MWK_E_OVERLAP);
    cr_assert_eq(mwk_move_by(MWK_STAT_VAR, NULL, x, MWK_F64, 4, PTRDIFF_MAX, k, 1, 1, 0, 1, 1, y,
                             1, 1, NULL), MWK_E_OVERFLOW);
    /* n = 0 is a no-op. */
    cr_assert_eq(mwk_move_by(MWK_STAT_VAR, NULL, x, MWK_F64, 0, 1, k, 1, 1, 0, 1, 1, y, 1, 1, NULL),
                 MWK_OK);
    mwk_algorithm a;
    cr_assert_eq(mwk_move_by_choose(MWK_STAT_MEAN, NULL, MWK_F64, NULL, &a), MWK_OK);
    cr_assert_eq(a, MWK_ALGO_PREFIX);
    cr_assert_eq(mwk_move_by_choose(MWK_STAT_ARGMAX, NULL, MWK_F64, NULL, &a), MWK_OK);
    cr_assert_eq(a, MWK_ALGO_DEQUE);
    cr_assert_eq(mwk_move_by_choose(MWK_STAT_MIN, NULL, MWK_F64, NULL, &a), MWK_OK);
    cr_assert_eq(a, MWK_ALGO_PREFIX);
    cr_assert_eq(mwk_move_by_choose(MWK_STAT_RANK, NULL, MWK_F64, NULL, &a), MWK_OK);
    cr_assert_eq(a, MWK_ALGO_SKIPLIST);
    cr_assert_eq(mwk_move_by_choose(MWK_STAT_WEIGHTED_SUM, NULL, MWK_F64, NULL, &a), MWK_E_STAT);
    cr_assert_eq(mwk_move_by_choose(MWK_STAT_MEAN, NULL, MWK_F64, NULL, NULL), MWK_E_NULL);
#undef BY
}

/* ---- overflow of finite data: the reference rescues ------------------------- */

Test(by, huge_finite_values_do_not_overflow) {
    const int64_t k[6] = {0, 1, 2, 3, 4, 5};
    const double x[6] = {1e308, 1e308, -1e308, 1e308, 1e308, 1e308};
    double y[6];
    for (int ai = 0; ai < 2; ai++) {
        mwk_options o;
        mwk_options_init(&o);
        o.algorithm = ai ? MWK_ALGO_PREFIX : MWK_ALGO_NAIVE;
        cr_assert_eq(mwk_move_by(MWK_STAT_MEAN, NULL, x, MWK_F64, 6, 1, k, 1, 3, 0, 1, 1, y, 1, 1, &o), MWK_OK);
        cr_assert_float_eq(y[1], 1e308, 1e294);
        cr_assert_float_eq(y[5], 1e308, 1e294);
        cr_assert_eq(mwk_move_by(MWK_STAT_STD, NULL, x, MWK_F64, 6, 1, k, 1, 3, 0, 1, 1, y, 1, 1, &o), MWK_OK);
        cr_assert(isfinite(y[5]) && y[5] == 0.0, "std of equal huge values: %g", y[5]);
        cr_assert(isfinite(y[2]) && y[2] > 9e307, "std of huge values: %g", y[2]);
    }
}

/* ---- infinities without NaN: the unchecked first pass must hand over -------- */

Test(by, infinities_without_nan_every_algorithm) {
    const size_t n = mt_size(600, 300);
    mt_rng r;
    mt_rng_seed(&r, 31);
    int64_t *k = malloc(n * sizeof *k);
    double *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y), *tmp = malloc(n * sizeof *tmp);
    make_keys(&r, k, n);
    fill(&r, x, n, 0, 0);
    for (size_t i = 0; i < n; i += 37) x[i] = (i / 37) % 2 ? INFINITY : -INFINITY;
    for (int s = 0; s < S_N; s++)
        for (int ai = 0; ai < 3; ai++) {
            if (ai == 2 && !SECOND[s]) continue;
            const mwk_algorithm a = ai == 2 ? SECOND[s] : ai ? FAST[s] : MWK_ALGO_NAIVE;
            for (int cl = 0; cl < 4; cl++) {
                cr_assert_eq(call_by(s, NULL, x, MWK_F64, n, k, 12, (mwk_closed)cl, 2, a,
                                     MWK_NAN_SKIP, NULL, 1, y), MWK_OK);
                for (size_t i = 0; i < n; i++) {
                    size_t lo, hi;
                    ref_window(k, n, i, 12, (mwk_closed)cl, &lo, &hi);
                    const expect e = ref_value(s, x, lo, hi, i, MWK_NAN_SKIP, 2, 0, 0.5, tmp);
                    cr_assert(matches(e, y[i], MWK_F64), "stat %d algo %d closed %d row %zu: got %.17g want %.17g",
                              s, (int)a, cl, i, y[i], e.v);
                }
            }
        }
    free(k), free(x), free(y), free(tmp);
}

/* ---- var/std: data that the certified shifted sums must hand over ---------- */

/* The prefix form of var/std first runs plain sums about a shift with a
 * certificate (kernels/by/by_algos.c, mom_shifted) and redoes a chunk with
 * the double-double states when a window fails it. Each kind of data below
 * targets one way the fast form goes wrong: a large offset (cancellation,
 * if the shift were not local), a trend that dominates the spread (the
 * certificate must fail), constant stretches (exactly 0 is the contract),
 * a step of 1e9 (windows straddling it), and tiny values (subnormal squares);
 * every window is checked against the long double two-pass reference. */
Test(by, var_std_shifted_sums_hard_data) {
    const size_t n = mt_size(150000, 12000); /* > 1 chunk of 65536 (not in the tiny grid) */
    mt_rng r;
    mt_rng_seed(&r, 31);
    int64_t *k = malloc(n * sizeof *k);
    double *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y), *tmp = malloc(n * sizeof *tmp);
    make_keys(&r, k, n);
    size_t bad = 0;
    for (int kind = 0; kind < 5; kind++) {
        for (size_t i = 0; i < n; i++) {
            const double z = mt_rng_normal(&r);
            switch (kind) {
            case 0: x[i] = 1e8 + z; break;                                  /* offset */
            case 1: x[i] = 1e3 * (double)i + 1e-3 * z; break;               /* trend */
            case 2: x[i] = (i / 500) % 2 ? 7.25 : z; break;                 /* constant runs */
            case 3: x[i] = (i / 20000) % 2 ? 1e9 + z : z; break;            /* steps */
            default: x[i] = 1e-160 * z; break;                              /* tiny */
            }
        }
        for (int s = S_VAR; s <= S_STD; s++)
            for (int ddof = 0; ddof < 2; ddof++) {
                mwk_params prm;
                mwk_params_init(&prm);
                prm.ddof = ddof;
                const int64_t w = 30;
                cr_assert_eq(call_by(s, &prm, x, MWK_F64, n, k, w, MWK_CLOSED_RIGHT, 1,
                                     MWK_ALGO_PREFIX, MWK_NAN_SKIP, NULL, 2, y), MWK_OK);
                size_t lo = 0, hi = 0;
                for (size_t i = 0; i < n; i++) {
                    ref_window_sorted(k, n, i, w, MWK_CLOSED_RIGHT, &lo, &hi);
                    const expect e = ref_value(s, x, lo, hi, i, MWK_NAN_SKIP, 1, ddof, 0.5, tmp);
                    if (!matches(e, y[i], MWK_F64) && bad++ < 10)
                        fprintf(stderr, "shifted: kind %d stat %d ddof %d row %zu: got %.17g want %.17g tol %g\n",
                                kind, s, ddof, i, y[i], e.v, e.tol);
                }
            }
    }
    cr_expect_eq(bad, 0, "%zu windows outside the contract", bad);
    free(k), free(x), free(y), free(tmp);
}
