/*
 * The Hampel filter (mwk_hampel_batch), against a reference written here and
 * nowhere else: each centred window clipped to the row, its non-NaN values
 * sorted, the median and the median of the absolute deviations taken by the
 * header's rules, the flag and the replacement as documented. Results must be
 * bit-identical (y, mask, counts) for every algorithm (naive, sortblock,
 * auto), every dtype, strided, reversed and batched layouts, NaN runs with
 * min_count, +-inf, ties and constant windows, even and odd windows, windows
 * longer than the row, any thread count; and the statuses of bad arguments.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mt_common.h"

static const mwk_algorithm ALGOS[] = {MWK_ALGO_NAIVE, MWK_ALGO_SORTBLOCK, MWK_ALGO_AUTO};
#define N_ALGOS (sizeof ALGOS / sizeof ALGOS[0])

/* ---- the reference --------------------------------------------------------- */

static int cmpd(const void *a, const void *b) {
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Median of c >= 1 sorted values: the middle one, or the two middle ones'
 * halves added (one rounding; the value itself when they are equal). */
static double ref_mid(const double *v, size_t c) {
    if (c % 2) return v[c / 2];
    const double a = v[c / 2 - 1], b = v[c / 2];
    return a == b ? a : a * 0.5 + b * 0.5;
}

/* y (float64, before the output rounding) and the flags of one row. */
static size_t ref_row(const double *x, size_t n, size_t w, double ns, size_t min_count,
                      mwk_hampel_replace rep, double *y, uint8_t *flag) {
    double *v = malloc((w + 1) * sizeof *v), *d = malloc((w + 1) * sizeof *d);
    cr_assert(v && d);
    size_t total = 0;
    for (size_t k = 0; k < n; k++) {
        const size_t lo = k >= w / 2 ? k - w / 2 : 0;
        const size_t hi = k + (w - 1) / 2 + 1 < n ? k + (w - 1) / 2 + 1 : n;
        size_t c = 0;
        for (size_t i = lo; i < hi; i++)
            if (!isnan(x[i])) v[c++] = x[i];
        y[k] = x[k];
        flag[k] = 0;
        if (c == 0 || c < min_count || isnan(x[k])) continue;
        qsort(v, c, sizeof *v, cmpd);
        const double med = ref_mid(v, c);
        if (isnan(med)) continue;
        for (size_t i = 0; i < c; i++) d[i] = v[i] == med ? 0.0 : fabs(v[i] - med);
        qsort(d, c, sizeof *d, cmpd);
        const double mad = ref_mid(d, c);
        if (fabs(x[k] - med) > ns * 1.4826 * mad) {
            flag[k] = 1;
            total++;
            y[k] = rep == MWK_HAMPEL_NAN ? NAN : med + 0.0;
        }
    }
    free(v);
    free(d);
    return total;
}

static int same_bits(double a, double b) {
    if (isnan(a) && isnan(b)) return 1;
    return memcmp(&a, &b, sizeof a) == 0;
}

/* ---- running one case -------------------------------------------------------- */

typedef struct {
    size_t rows, n, w;
    double ns;
    size_t min_count; /* MWK_MIN_COUNT_WINDOW: the default (1) */
    mwk_hampel_replace rep;
    mwk_algorithm algo;
    int threads;
    int clip;
    ptrdiff_t xs, ys, ms; /* element strides (may be negative) */
    int with_mask, with_count;
} hcase;

/* Runs the filter on rows x n doubles `xd` converted to dtype, laid out with
 * the case's strides, and compares with the reference. */
static void check_case(const hcase *hc, mwk_dtype dt, const double *xd, const char *what) {
    const size_t rows = hc->rows, n = hc->n;
    const size_t es = mt_elsize(dt);
    const mwk_dtype odt = (dt == MWK_F32 || dt == MWK_F16) ? MWK_F32 : MWK_F64;
    const size_t oes = mt_elsize(odt);
    const size_t axs = (size_t)(hc->xs < 0 ? -hc->xs : hc->xs);
    const size_t ays = (size_t)(hc->ys < 0 ? -hc->ys : hc->ys);
    const size_t ams = (size_t)(hc->ms < 0 ? -hc->ms : hc->ms);
    const size_t xrow = n * axs + 1, yrow = n * ays + 1, mrow = n * ams + 1;
    char *xb = calloc(rows * xrow + 1, es), *yb = calloc(rows * yrow + 1, oes);
    uint8_t *mb = calloc(rows * mrow + 1, 1);
    size_t *cnt = calloc(rows + 1, sizeof *cnt);
    double *xin = malloc((n + 1) * sizeof *xin), *ry = malloc((n + 1) * sizeof *ry);
    uint8_t *rf = malloc(n + 1);
    cr_assert(xb && yb && mb && cnt && xin && ry && rf);
    memset(mb, 0xAB, rows * mrow + 1);
    /* Store the data, then read back what the dtype holds (the reference
     * sees the converted values). */
    for (size_t r = 0; r < rows; r++)
        for (size_t i = 0; i < n; i++) {
            const size_t pos = hc->xs < 0 ? (n - 1 - i) * axs : i * axs;
            mt_put(xb + (r * xrow) * es, dt, pos, xd[r * n + i]);
        }
    const char *x0 = xb + (hc->xs < 0 ? (n ? (n - 1) * axs : 0) * es : 0);
    char *y0 = yb + (hc->ys < 0 ? (n ? (n - 1) * ays : 0) * oes : 0);
    uint8_t *m0 = mb + (hc->ms < 0 ? (n ? (n - 1) * ams : 0) : 0);
    mwk_options o;
    mwk_options_init(&o);
    o.algorithm = hc->algo;
    o.threads = hc->threads;
    o.min_count = hc->min_count;
    o.long_window = hc->clip ? MWK_LONG_WINDOW_CLIP : MWK_LONG_WINDOW_ERROR;
    mwk_status st = mwk_hampel_batch(x0, dt, rows, n, (ptrdiff_t)xrow, hc->xs, y0, (ptrdiff_t)yrow,
                                     hc->ys, hc->with_mask ? m0 : NULL, (ptrdiff_t)mrow, hc->ms,
                                     hc->with_count ? cnt : NULL, hc->w, hc->ns, hc->rep, &o);
    cr_assert_eq(st, MWK_OK, "%s: status %d (%s)", what, (int)st, mwk_status_str(st));
    const size_t mc = hc->min_count == MWK_MIN_COUNT_WINDOW ? 1 : hc->min_count;
    for (size_t r = 0; r < rows; r++) {
        for (size_t i = 0; i < n; i++) {
            const size_t pos = hc->xs < 0 ? (n - 1 - i) * axs : i * axs;
            xin[i] = mt_get(xb + (r * xrow) * es, dt, pos);
        }
        const size_t total = ref_row(xin, n, hc->w, hc->ns, mc, hc->rep, ry, rf);
        for (size_t i = 0; i < n; i++) {
            const char *yr = y0 + (ptrdiff_t)r * (ptrdiff_t)yrow * (ptrdiff_t)oes;
            double got;
            double exp = ry[i];
            if (odt == MWK_F32) {
                float f;
                memcpy(&f, yr + (ptrdiff_t)i * hc->ys * (ptrdiff_t)oes, sizeof f);
                got = f;
                exp = (double)(float)exp;
            } else {
                memcpy(&got, yr + (ptrdiff_t)i * hc->ys * (ptrdiff_t)oes, sizeof got);
            }
            cr_assert(same_bits(got, exp),
                      "%s %s algo %s w=%zu mc=%zu row %zu i=%zu: y %.17g, expected %.17g (x %.17g)",
                      what, mt_dtype_str(dt), mt_algo_str(hc->algo), hc->w, mc, r, i, got, exp,
                      xin[i]);
            if (hc->with_mask) {
                const uint8_t mv = m0[(ptrdiff_t)r * (ptrdiff_t)mrow + (ptrdiff_t)i * hc->ms];
                cr_assert_eq(mv, rf[i], "%s %s w=%zu row %zu i=%zu: mask %u, expected %u", what,
                             mt_dtype_str(dt), hc->w, r, i, mv, rf[i]);
            }
        }
        if (hc->with_count)
            cr_assert_eq(cnt[r], total, "%s %s row %zu: %zu flagged, expected %zu", what,
                         mt_dtype_str(dt), r, cnt[r], total);
    }
    free(xb), free(yb), free(mb), free(cnt), free(xin), free(ry), free(rf);
}

static hcase base_case(size_t rows, size_t n, size_t w) {
    hcase hc = {rows, n, w, 3.0, MWK_MIN_COUNT_WINDOW, MWK_HAMPEL_MEDIAN, MWK_ALGO_AUTO, 1,
                0,    1, 1, 1, 1,   1};
    return hc;
}

/* Data: noise with spikes, rounded so that ties happen, for dtype dt. */
static void gen(mt_rng *rng, mwk_dtype dt, double *x, size_t len, int ties) {
    for (size_t i = 0; i < len; i++) {
        double v = mt_rng_normal(rng) * 10.0;
        if (mt_rng_unif(rng) < 0.05) v += (mt_rng_unif(rng) < 0.5 ? -1 : 1) * 200.0;
        if (ties) v = nearbyint(v / 4.0) * 4.0;
        switch (dt) {
        case MWK_BOOL: v = v > 5.0; break;
        case MWK_U8: case MWK_U16: case MWK_U32: case MWK_U64: v = fabs(nearbyint(v)); break;
        case MWK_I8: case MWK_I16: case MWK_I32: case MWK_I64: v = nearbyint(v); break;
        default: break;
        }
        if (dt == MWK_I8 && fabs(v) > 127) v = v > 0 ? 127 : -127;
        if (dt == MWK_U8 && v > 255) v = 255;
        x[i] = v;
    }
}

static const mwk_dtype DTYPES[] = {MWK_F64, MWK_F32, MWK_I64, MWK_I32, MWK_I16, MWK_I8,
                                   MWK_U64, MWK_U32, MWK_U16, MWK_U8,  MWK_BOOL, MWK_F16};
#define N_DTYPES (sizeof DTYPES / sizeof DTYPES[0])

/* ---- tests --------------------------------------------------------------------- */

Test(hampel, known_answer) {
    const double x[] = {1, 1, 1, 100, 1, 1, 1, 2, 1};
    double y[9];
    uint8_t m[9];
    size_t cnt = 0;
    cr_assert_eq(mwk_hampel_batch(x, MWK_F64, 1, 9, 0, 1, y, 0, 1, m, 0, 1, &cnt, 3, 3.0,
                                  MWK_HAMPEL_MEDIAN, NULL),
                 MWK_OK);
    /* MAD 0 in [1, 100, 1] and [1, 2, 1]: every value other than the median
     * is flagged (the spike and the 2). */
    cr_assert_eq(cnt, 2);
    for (size_t i = 0; i < 9; i++) {
        cr_assert_eq(m[i], i == 3 || i == 7, "i=%zu", i);
        cr_assert_eq(y[i], i == 3 || i == 7 ? 1.0 : x[i]);
    }
    cr_assert_eq(mwk_hampel_batch(x, MWK_F64, 1, 9, 0, 1, y, 0, 1, NULL, 0, 0, NULL, 3, 3.0,
                                  MWK_HAMPEL_NAN, NULL),
                 MWK_OK);
    cr_assert(isnan(y[3]) && isnan(y[7]) && y[0] == 1.0);
}

Test(hampel, dtypes_windows_algorithms) {
    mt_rng rng;
    mt_rng_seed(&rng, 11);
    const size_t n = mt_size(97, 41);
    static const size_t WS[] = {1, 2, 3, 4, 5, 6, 7, 8, 31, 32};
    double *x = malloc(n * sizeof *x);
    for (size_t d = 0; d < N_DTYPES; d++) {
        if (!mt_dtype_runs(DTYPES[d])) continue; /* tiny grid: one dtype per class */
        for (size_t wi = 0; wi < sizeof WS / sizeof WS[0]; wi++) {
            gen(&rng, DTYPES[d], x, n, (int)(wi & 1));
            for (size_t a = 0; a < N_ALGOS; a++) {
                hcase hc = base_case(1, n, WS[wi]);
                hc.algo = ALGOS[a];
                hc.ns = (wi % 3 == 0) ? 2.0 : 3.0;
                check_case(&hc, DTYPES[d], x, "dtypes");
            }
        }
    }
    free(x);
}

/* NaN runs (longer than the window), inf, -inf, min_count, replace by NaN. */
Test(hampel, nan_inf_min_count) {
    mt_rng rng;
    mt_rng_seed(&rng, 12);
    const size_t n = mt_size(300, 120);
    double *x = malloc(n * sizeof *x);
    static const size_t WS[] = {3, 4, 9, 10, 33};
    for (int pat = 0; pat < 6; pat++) {
        for (size_t wi = 0; wi < sizeof WS / sizeof WS[0]; wi++) {
            gen(&rng, MWK_F64, x, n, pat & 1);
            for (size_t i = 0; i < n; i++) {
                const double u = mt_rng_unif(&rng);
                if (pat >= 2 && u < 0.08) x[i] = NAN;
                if (pat >= 3 && u > 0.96) x[i] = u > 0.98 ? INFINITY : -INFINITY;
            }
            if (pat >= 4) /* a NaN run longer than the window, at the head */
                for (size_t i = 0; i < 40 && i < n; i++) x[i] = NAN;
            if (pat == 5) /* and a run of +inf taking over windows */
                for (size_t i = 60; i < 90 && i < n; i++) x[i] = INFINITY;
            for (size_t a = 0; a < N_ALGOS; a++) {
                for (int mcs = 0; mcs < 3; mcs++) {
                    hcase hc = base_case(1, n, WS[wi]);
                    hc.algo = ALGOS[a];
                    hc.min_count = mcs == 0 ? MWK_MIN_COUNT_WINDOW : mcs == 1 ? 2 : WS[wi] - 1;
                    hc.rep = mcs == 2 ? MWK_HAMPEL_NAN : MWK_HAMPEL_MEDIAN;
                    check_case(&hc, MWK_F64, x, "nan_inf");
                    check_case(&hc, MWK_F32, x, "nan_inf");
                }
            }
        }
    }
    free(x);
}

/* Constant windows (MAD 0), signed zeros, huge values whose deviations
 * overflow, n_sigmas 0. */
Test(hampel, constant_zero_huge) {
    const size_t n = 64;
    double x[64];
    for (int pat = 0; pat < 4; pat++) {
        for (size_t i = 0; i < n; i++) {
            switch (pat) {
            case 0: x[i] = i % 17 == 5 ? 3.0 : 1.0; break;                 /* constant + outliers */
            case 1: x[i] = (i % 3 == 0) ? -0.0 : (i % 11 == 4 ? 7.0 : 0.0); break; /* zeros */
            case 2: x[i] = (i % 5 == 0 ? -1.0 : 1.0) * 1e308 * (1.0 + (double)(i % 7)); break;
            default: x[i] = (i % 4 == 1) ? -INFINITY : (i % 4 == 2 ? INFINITY : (double)i); break;
            }
        }
        for (size_t a = 0; a < N_ALGOS; a++)
            for (size_t w = 1; w <= 12; w++)
                for (int z = 0; z < 2; z++) {
                    hcase hc = base_case(1, n, w);
                    hc.algo = ALGOS[a];
                    hc.ns = z ? 0.0 : 3.0;
                    check_case(&hc, MWK_F64, x, "constant_zero_huge");
                }
    }
}

/* Windows longer than the row (clipped), and the default error. */
Test(hampel, long_windows) {
    mt_rng rng;
    mt_rng_seed(&rng, 13);
    double x[10];
    for (size_t n = 1; n <= 10; n++) {
        gen(&rng, MWK_F64, x, n, 0);
        x[n / 2] = 500.0;
        for (size_t w = n; w <= 2 * n + 3; w++)
            for (size_t a = 0; a < N_ALGOS; a++) {
                hcase hc = base_case(1, n, w);
                hc.algo = ALGOS[a];
                hc.clip = 1;
                check_case(&hc, MWK_F64, x, "long");
            }
        double y[10];
        if (n < 10)
            cr_assert_eq(mwk_hampel_batch(x, MWK_F64, 1, n, 0, 1, y, 0, 1, NULL, 0, 0, NULL, n + 1,
                                          3.0, MWK_HAMPEL_MEDIAN, NULL),
                         MWK_E_WINDOW_TOO_LONG);
    }
}

/* Strided, reversed and batched layouts; masks and counts optional. */
Test(hampel, strides_batches) {
    mt_rng rng;
    mt_rng_seed(&rng, 14);
    const size_t rows = 5, n = mt_size(150, 60);
    double *x = malloc(rows * n * sizeof *x);
    static const ptrdiff_t S[][3] = {{1, 1, 1}, {2, 3, 1}, {-1, 1, -2}, {3, -2, 5}, {-2, -1, -1}};
    static const mwk_dtype DT[] = {MWK_F64, MWK_F32, MWK_I16, MWK_F16};
    for (size_t si = 0; si < sizeof S / sizeof S[0]; si++)
        for (size_t d = 0; d < sizeof DT / sizeof DT[0]; d++) {
            gen(&rng, DT[d], x, rows * n, (int)si & 1);
            for (size_t a = 0; a < N_ALGOS; a++) {
                hcase hc = base_case(rows, n, 4 + si * 3);
                hc.algo = ALGOS[a];
                hc.xs = S[si][0], hc.ys = S[si][1], hc.ms = S[si][2];
                hc.with_mask = (int)((si + a) % 3 != 2);
                hc.with_count = (int)((si + a) % 2 == 0);
                check_case(&hc, DT[d], x, "strides");
            }
        }
    free(x);
}

/* Several segments per row (over 65536 windows) and thread counts: results
 * identical to the reference whatever the threads. */
Test(hampel, threads_segments) {
    mt_rng rng;
    mt_rng_seed(&rng, 15);
    const size_t n = mt_size(70000, 3000), rows = 2;
    double *x = malloc(rows * n * sizeof *x);
    gen(&rng, MWK_F64, x, rows * n, 0);
    for (size_t i = 0; i < rows * n; i += 997) x[i] = NAN;
    static const int TH[] = {1, 2, 3};
    for (size_t t = 0; t < sizeof TH / sizeof TH[0]; t++) {
        hcase hc = base_case(rows, n, 31);
        hc.threads = TH[t];
        check_case(&hc, MWK_F64, x, "threads");
    }
    free(x);
}

Test(hampel, errors) {
    double x[16] = {0}, y[16];
    uint8_t m[16];
    size_t cnt[2];
    mwk_options o;
    mwk_options_init(&o);
#define H(X, Y, M, C, W, NS, REP, O) \
    mwk_hampel_batch(X, MWK_F64, 1, 16, 0, 1, Y, 0, 1, M, 0, 1, C, W, NS, REP, O)
    cr_assert_eq(H(NULL, y, m, cnt, 3, 3.0, MWK_HAMPEL_MEDIAN, NULL), MWK_E_NULL);
    cr_assert_eq(H(x, NULL, m, cnt, 3, 3.0, MWK_HAMPEL_MEDIAN, NULL), MWK_E_NULL);
    cr_assert_eq(H(x, y, m, cnt, 3, -1.0, MWK_HAMPEL_MEDIAN, NULL), MWK_E_PARAMS);
    cr_assert_eq(H(x, y, m, cnt, 3, NAN, MWK_HAMPEL_MEDIAN, NULL), MWK_E_PARAMS);
    cr_assert_eq(H(x, y, m, cnt, 3, INFINITY, MWK_HAMPEL_MEDIAN, NULL), MWK_E_PARAMS);
    cr_assert_eq(H(x, y, m, cnt, 3, 3.0, (mwk_hampel_replace)7, NULL), MWK_E_PARAMS);
    cr_assert_eq(H(x, y, m, cnt, 0, 3.0, MWK_HAMPEL_MEDIAN, NULL), MWK_E_WINDOW);
    cr_assert_eq(H(x, y, m, cnt, 17, 3.0, MWK_HAMPEL_MEDIAN, NULL), MWK_E_WINDOW_TOO_LONG);
    cr_assert_eq(H(x, y, NULL, NULL, 3, 0.0, MWK_HAMPEL_MEDIAN, NULL), MWK_OK);
    /* overlaps */
    cr_assert_eq(H(x, x, m, cnt, 3, 3.0, MWK_HAMPEL_MEDIAN, NULL), MWK_E_OVERLAP);
    cr_assert_eq(H(x, y, (uint8_t *)x, cnt, 3, 3.0, MWK_HAMPEL_MEDIAN, NULL), MWK_E_OVERLAP);
    cr_assert_eq(H(x, y, (uint8_t *)y + 3, cnt, 3, 3.0, MWK_HAMPEL_MEDIAN, NULL), MWK_E_OVERLAP);
    cr_assert_eq(H(x, y, m, (size_t *)(void *)y, 3, 3.0, MWK_HAMPEL_MEDIAN, NULL), MWK_E_OVERLAP);
    cr_assert_eq(mwk_hampel_batch(x, MWK_F64, 1, 16, 0, 1, y, 0, 0, NULL, 0, 0, NULL, 3, 3.0,
                                  MWK_HAMPEL_MEDIAN, NULL),
                 MWK_E_OVERLAP); /* y stride 0 */
    cr_assert_eq(mwk_hampel_batch(x, MWK_F64, 1, 16, 0, 1, y, 0, 1, m, 0, 0, NULL, 3, 3.0,
                                  MWK_HAMPEL_MEDIAN, NULL),
                 MWK_E_OVERLAP); /* mask stride 0 */
    cr_assert_eq(mwk_hampel_batch(x, MWK_F64, 2, 8, 8, 1, y, 0, 1, NULL, 0, 0, NULL, 3, 3.0,
                                  MWK_HAMPEL_MEDIAN, NULL),
                 MWK_E_OVERLAP); /* rows written over each other */
    cr_assert_eq(mwk_hampel_batch(x, (mwk_dtype)99, 1, 16, 0, 1, y, 0, 1, NULL, 0, 0, NULL, 3,
                                  3.0, MWK_HAMPEL_MEDIAN, NULL),
                 MWK_E_DTYPE);
    o.min_count = 4;
    cr_assert_eq(H(x, y, m, cnt, 3, 3.0, MWK_HAMPEL_MEDIAN, &o), MWK_E_MIN_COUNT);
    o.min_count = 0;
    cr_assert_eq(H(x, y, m, cnt, 3, 3.0, MWK_HAMPEL_MEDIAN, &o), MWK_E_MIN_COUNT);
    mwk_options_init(&o);
    o.algorithm = MWK_ALGO_FENWICK;
    cr_assert_eq(H(x, y, m, cnt, 3, 3.0, MWK_HAMPEL_MEDIAN, &o), MWK_E_ALGORITHM);
    o.algorithm = (mwk_algorithm)99;
    cr_assert_eq(H(x, y, m, cnt, 3, 3.0, MWK_HAMPEL_MEDIAN, &o), MWK_E_ALGORITHM);
    mwk_options_init(&o);
    o.struct_size = 3;
    cr_assert_eq(H(x, y, m, cnt, 3, 3.0, MWK_HAMPEL_MEDIAN, &o), MWK_E_OPTIONS);
    mwk_options_init(&o);
    o.threads = -1;
    cr_assert_eq(H(x, y, m, cnt, 3, 3.0, MWK_HAMPEL_MEDIAN, &o), MWK_E_THREADS);
    /* options.align and nan_policy are ignored (centred, NaN skipped) */
    mwk_options_init(&o);
    o.align = MWK_ALIGN_VALID;
    o.nan_policy = MWK_NAN_PROPAGATE;
    cr_assert_eq(H(x, y, m, cnt, 3, 3.0, MWK_HAMPEL_MEDIAN, &o), MWK_OK);
    /* zero rows, zero length */
    cr_assert_eq(mwk_hampel_batch(x, MWK_F64, 0, 16, 16, 1, y, 16, 1, m, 16, 1, cnt, 3, 3.0,
                                  MWK_HAMPEL_MEDIAN, NULL),
                 MWK_OK);
    o.long_window = MWK_LONG_WINDOW_CLIP;
    cnt[0] = cnt[1] = 9;
    cr_assert_eq(mwk_hampel_batch(x, MWK_F64, 2, 0, 0, 1, y, 0, 1, m, 0, 1, cnt, 3, 3.0,
                                  MWK_HAMPEL_MEDIAN, &o),
                 MWK_OK);
    cr_assert(cnt[0] == 0 && cnt[1] == 0);
#undef H
}
