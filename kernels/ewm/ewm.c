/* Exponentially weighted statistics: the public API of mwk_ewm.h, its
 * validation, the batch driver (OpenMP over rows: a row is never split, so
 * results do not depend on the thread count), the naive recursion and the
 * driver of the blocked scan (ewm_scan_hwy.cc; a portable sequential form
 * serves the "scalar" target and builds without Highway). The definition and
 * the error bounds are in include/mwk_ewm.h. */
#include "mwk_ewm.h"

#include <float.h>
#include <math.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dispatch/dispatch.h"
#include "engine.h"
#include "mwk_config.h"
#include "threads/threads.h"
#if MWK_HAVE_HWY
#include "ewm/ewm_hwy.h"
#endif
#if MWK_HAVE_OPENMP
#include <omp.h>
#endif

#define EWM_LN2 0.693147180559945309417232121458176568

/* Below this many elements in a batch, threads cost more than they save. */
#define EWM_MIN_PARALLEL_ELEMS ((size_t)1 << 16)

/* ------------------------------------------------------------------------ */
/* Names and parameters                                                     */

static const char *const STAT_NAMES[] = {"mean", "sum", "var", "std"};
static const char *const ALGO_NAMES[] = {"auto", "naive", "scan"};

const char *mwk_ewm_stat_name(mwk_ewm_stat s) {
    return (unsigned)s < 4 ? STAT_NAMES[s] : NULL;
}

const char *mwk_ewm_algorithm_name(mwk_ewm_algorithm a) {
    return (unsigned)a < 3 ? ALGO_NAMES[a] : NULL;
}

mwk_status mwk_ewm_algorithm_from_name(const char *name, mwk_ewm_algorithm *out) {
    if (!name || !out) return MWK_E_NULL;
    for (unsigned k = 0; k < 3; k++)
        if (strcmp(name, ALGO_NAMES[k]) == 0) {
            *out = (mwk_ewm_algorithm)k;
            return MWK_OK;
        }
    return MWK_E_ALGORITHM;
}

void mwk_ewm_params_init(mwk_ewm_params *p) {
    if (!p) return;
    const mwk_ewm_params d = MWK_EWM_PARAMS_INIT;
    *p = d;
}

mwk_status mwk_ewm_out_dtype(mwk_dtype in, mwk_dtype *out) {
    if (!out) return MWK_E_NULL;
    if (!mwk_dtype_valid(in)) return MWK_E_DTYPE;
    *out = (in == MWK_F32 || in == MWK_F16) ? MWK_F32 : MWK_F64;
    return MWK_OK;
}

/* The caller's struct, completed with defaults (only one released size). */
static mwk_status read_params(const mwk_ewm_params *in, mwk_ewm_params *out) {
    mwk_ewm_params_init(out);
    if (!in) return MWK_OK;
    if (in->struct_size != sizeof(mwk_ewm_params)) return MWK_E_PARAMS;
    *out = *in;
    return MWK_OK;
}

static mwk_status decay_of(const mwk_ewm_params *p, double *alpha, double *lambda) {
    const double v = p->decay_value;
    double a, l;
    if (!isfinite(v)) return MWK_E_PARAMS;
    switch (p->decay) {
    case MWK_EWM_COM:
        if (!(v >= 0)) return MWK_E_PARAMS;
        a = 1.0 / (1.0 + v), l = v / (1.0 + v);
        break;
    case MWK_EWM_SPAN:
        if (!(v >= 1)) return MWK_E_PARAMS;
        a = 2.0 / (v + 1.0), l = (v - 1.0) / (v + 1.0);
        break;
    case MWK_EWM_HALFLIFE:
        if (!(v > 0)) return MWK_E_PARAMS;
        l = exp2(-1.0 / v), a = -expm1(-EWM_LN2 / v);
        break;
    case MWK_EWM_ALPHA:
        if (!(v > 0 && v <= 1)) return MWK_E_PARAMS;
        a = v, l = 1.0 - v;
        break;
    default: return MWK_E_PARAMS;
    }
    if (!(a > 0)) return MWK_E_PARAMS; /* a decay so slow that alpha underflows */
    if (alpha) *alpha = a;
    if (lambda) *lambda = l;
    return MWK_OK;
}

mwk_status mwk_ewm_decay_get(const mwk_ewm_params *p_in, double *alpha, double *lambda) {
    if (!p_in) return MWK_E_NULL;
    mwk_ewm_params p;
    mwk_status st = read_params(p_in, &p);
    return st != MWK_OK ? st : decay_of(&p, alpha, lambda);
}

/* ------------------------------------------------------------------------ */
/* Plan                                                                     */

typedef struct {
    mwk_ewm_stat stat;
    mwk_ewm_algorithm algo; /* NAIVE or SCAN */
    double alpha, lam, h;   /* h: halflife (times) */
    int adjust, ignore_na, bias;
    size_t minp; /* >= 1 */
    const double *tau; /* contiguous times or NULL */
    mwk_target target;
    int threads;
    mwk_dtype dtype, odt;
} eplan;

static mwk_ewm_algorithm auto_algo(mwk_ewm_stat stat, const mwk_ewm_params *p, double lam) {
    if ((stat == MWK_EWM_MEAN || stat == MWK_EWM_SUM) && !p->times && lam < 1.0 && lam > 0.0)
        return MWK_EWM_ALGO_SCAN;
    return MWK_EWM_ALGO_NAIVE;
}

static mwk_status resolve(mwk_ewm_stat stat, const mwk_ewm_params *in, mwk_dtype dtype, eplan *e,
                          mwk_ewm_params *p) {
    mwk_status st;
    if ((unsigned)stat > (unsigned)MWK_EWM_STD) return MWK_E_STAT;
    if ((st = read_params(in, p)) != MWK_OK) return st;
    if (!mwk_dtype_valid(dtype)) return MWK_E_DTYPE;
    if ((st = decay_of(p, &e->alpha, &e->lam)) != MWK_OK) return st;
    if (p->times && p->decay != MWK_EWM_HALFLIFE) return MWK_E_PARAMS;
    if ((unsigned)p->algorithm > (unsigned)MWK_EWM_ALGO_SCAN) return MWK_E_ALGORITHM;
    if (p->algorithm == MWK_EWM_ALGO_SCAN && (stat == MWK_EWM_VAR || stat == MWK_EWM_STD))
        return MWK_E_ALGORITHM;
    if (p->threads < 0) return MWK_E_THREADS;
    int threads = p->threads;
    if (threads == 0 && mwk_threads_default(&threads) != MWK_OK) return MWK_E_THREADS;
    if ((st = mwk_target_resolve(p->target, &e->target)) != MWK_OK) return st;
    e->stat = stat;
    e->algo = p->algorithm == MWK_EWM_ALGO_AUTO ? auto_algo(stat, p, e->lam) : p->algorithm;
    /* With times the decay varies per row: no constant-coefficient scan. */
    if (p->times || !(e->lam < 1.0 && e->lam > 0.0)) e->algo = MWK_EWM_ALGO_NAIVE;
    e->h = p->decay_value;
    e->adjust = p->adjust != 0;
    e->ignore_na = p->ignore_na != 0;
    e->bias = p->bias != 0;
    e->minp = p->min_periods ? p->min_periods : 1;
    e->tau = NULL;
    e->threads = threads;
    e->dtype = dtype;
    e->odt = (dtype == MWK_F32 || dtype == MWK_F16) ? MWK_F32 : MWK_F64;
    return MWK_OK;
}

mwk_status mwk_ewm_choose(mwk_ewm_stat stat, const mwk_ewm_params *p_in, mwk_ewm_algorithm *chosen) {
    if (!chosen) return MWK_E_NULL;
    eplan e;
    mwk_ewm_params p;
    mwk_status st = resolve(stat, p_in, MWK_F64, &e, &p);
    if (st != MWK_OK) return st;
    *chosen = p.algorithm == MWK_EWM_ALGO_AUTO ? auto_algo(stat, &p, e.lam) : e.algo;
    if (p.times || !(e.lam < 1.0 && e.lam > 0.0)) *chosen = MWK_EWM_ALGO_NAIVE;
    return MWK_OK;
}

/* ------------------------------------------------------------------------ */
/* Spans (as the engine's validation)                                       */

static size_t uabs(ptrdiff_t v) { return (size_t)(v < 0 ? -v : v); }

static int mul_extent(size_t count, ptrdiff_t stride, size_t esize, size_t *out) {
    if (count <= 1) {
        *out = 0;
        return 1;
    }
    if (stride == PTRDIFF_MIN) return 0;
    size_t s = uabs(stride), c = count - 1;
    if (s && c > SIZE_MAX / s) return 0;
    size_t e = c * s;
    if (e && esize > SIZE_MAX / e) return 0;
    *out = e * esize;
    return 1;
}

typedef struct {
    uintptr_t lo, hi; /* inclusive byte range */
} span;

static int array_span(const void *base, size_t rows, ptrdiff_t rs, size_t cols, ptrdiff_t cs, size_t esize,
                      span *out) {
    size_t er, ec;
    if (!mul_extent(rows, rs, esize, &er) || !mul_extent(cols, cs, esize, &ec)) return 0;
    if (er > (size_t)PTRDIFF_MAX || ec > (size_t)PTRDIFF_MAX - er || er + ec > (size_t)PTRDIFF_MAX - esize)
        return 0;
    uintptr_t b = (uintptr_t)base;
    uintptr_t below = (rs < 0 ? er : 0) + (cs < 0 ? ec : 0);
    uintptr_t above = (rs > 0 ? er : 0) + (cs > 0 ? ec : 0) + esize - 1;
    if (below > b || above > UINTPTR_MAX - b) return 0;
    out->lo = b - below;
    out->hi = b + above;
    return 1;
}

static int disjoint(span a, span b) { return a.hi < b.lo || b.hi < a.lo; }

/* ------------------------------------------------------------------------ */
/* The naive recursion (normalised, West's weighted update)                 */

static double tau_at(const eplan *e, size_t i) { return e->tau[i]; }

/* Decay from row i to row t (i < t), `steps` recurrence steps for no times. */
static double decay_between(const eplan *e, size_t i, size_t t, size_t steps) {
    if (e->tau) return exp2(-(tau_at(e, t) - tau_at(e, i)) / e->h);
    return steps == 1 ? e->lam : pow(e->lam, (double)steps);
}

/* Gain of a (not first) observation at row t, previous observation at row i. */
static double gain_at(const eplan *e, size_t i, size_t t) {
    if (e->adjust) return 1.0;
    if (!e->tau) return e->alpha;
    const double dt = e->ignore_na ? tau_at(e, t) - tau_at(e, i) : tau_at(e, t) - tau_at(e, t - 1);
    return -expm1(-dt * (EWM_LN2 / e->h));
}

static double var_out(const eplan *e, double M2, double S, double P) {
    /* P = sum_{i<j} w_i w_j = (S^2 - S2) / 2, kept without cancellation. */
    if (isnan(M2)) return NAN;
    double v;
    if (e->bias) {
        v = S > 0 ? M2 / S : NAN;
    } else {
        if (!(P > 0)) return NAN;
        v = M2 * (S / (2.0 * P));
        if (!isfinite(v) && isfinite(M2)) v = (M2 / S) * ((S * 0.5) / (P / S)); /* huge S: rescale */
    }
    if (v < 0) v = 0;
    return e->stat == MWK_EWM_STD ? sqrt(v) : v;
}

static void row_naive(const eplan *e, const double *x, size_t n, double *y) {
    double S = 0, P = 0, mean = NAN, M2 = 0, N = 0, cur = NAN;
    size_t cnt = 0, last = 0;
    for (size_t t = 0; t < n; t++) {
        const double v = x[t];
        if (isnan(v)) {
            if (cnt == 0 || cnt < e->minp) {
                y[t] = NAN;
            } else if (e->stat == MWK_EWM_SUM && !e->ignore_na) {
                y[t] = N * decay_between(e, last, t, t - last);
            } else {
                y[t] = cur;
            }
            continue;
        }
        if (cnt == 0) {
            S = 1, P = 0, mean = v, M2 = isfinite(v) ? 0 : NAN, N = v;
        } else {
            const double D = decay_between(e, last, t, e->ignore_na ? 1 : t - last);
            const double g = gain_at(e, last, t);
            if (D == 0) { /* every older weight underflowed: they no longer count */
                S = g, P = 0, mean = v, M2 = isfinite(v) ? 0 : NAN, N = g * v;
            } else {
                const double Sd = D * S;
                P = D * D * P + g * Sd;
                S = Sd + g;
                N = D * N + g * v;
                if (e->stat == MWK_EWM_SUM) {
                    /* only N is read */
                } else if (isnan(mean)) {
                    /* stays NaN: +inf and -inf both have weight */
                } else if (isinf(mean) || isinf(v)) {
                    if (isinf(mean) && isinf(v) && mean != v) mean = NAN;
                    else if (isinf(v)) mean = v;
                    M2 = NAN;
                } else if (v != mean) {
                    /* West: mean += (g/S) d, M2 += g d^2 Sd/S, with d = x - mean;
                     * x - mean_new is d Sd/S, taken as such (not subtracted: after a
                     * long gap Sd/S is tiny and the subtraction would cancel). */
                    const double c = g / S;
                    const double dlt = v - mean;
                    double mnew = mean + c * dlt;
                    if (!isfinite(dlt)) mnew = mean * (Sd / S) + v * c;
                    if (e->stat != MWK_EWM_MEAN) M2 = D * M2 + (g * dlt) * (dlt * (Sd / S));
                    mean = mnew;
                } else {
                    M2 = D * M2;
                }
            }
        }
        last = t;
        cnt++;
        switch (e->stat) {
        case MWK_EWM_MEAN: cur = mean; break;
        case MWK_EWM_SUM: cur = N; break;
        default: cur = var_out(e, M2, S, P); break;
        }
        y[t] = cnt >= e->minp ? cur : NAN;
    }
}

/* ------------------------------------------------------------------------ */
/* The scan                                                                 */

static int scan_portable(const double *x, size_t n, double lam, double G, double init, double c, int mode,
                         double *out) {
    double N = init, flag = 0.0;
    for (size_t i = 0; i < n; i++) {
        double v = x[i];
        if (mode == 1 && isnan(v)) v = 0.0;
        if (mode == 2) v = isnan(v) ? 0.0 : 1.0;
        N = lam * N + G * v;
        out[i] = c * N;
        flag += out[i] * 0.0;
    }
    return !(flag == 0.0);
}

/* 0/1 as the kernels, -1 on a target that was not compiled. */
static int scan_run(const eplan *e, const double *x, size_t n, double G, double init, double c, int mode,
                    double *out) {
#if MWK_HAVE_HWY
    if (e->target.hwy_bit != 0) return mwk_hwy_ewm_scan(e->target.hwy_bit, x, n, e->lam, G, init, c, mode, out);
#endif
    return scan_portable(x, n, e->lam, G, init, c, mode, out);
}

/* adjust = 1 mean: out[k] holds N (1 - lam) for step k+1 after the first
 * observation; divide by 1 - lam^(k+2) where that differs from 1. */
static void normalise_head(const eplan *e, double *out, size_t m) {
    const double lam = e->lam;
    double p = lam * lam; /* lam^(k+2) at k = 0 */
    for (size_t k = 0; k < m; k++) {
        if (k % 32 == 0) p = pow(lam, (double)(k + 2)); /* re-anchor: error <= 33 u */
        else p *= lam;
        if (p < 0x1p-60) break;
        out[k] = out[k] / (1.0 - p);
    }
}

/* Fast path over observations only (no NaN): out[k] for the k+1'th step
 * after an observation equal to `first`. Returns 1 if some output is not
 * finite, -1 on a target error. */
static int scan_dense(const eplan *e, const double *x, size_t m, double first, double *out) {
    const double G = e->adjust ? 1.0 : e->alpha;
    const int norm = e->stat == MWK_EWM_MEAN && e->adjust;
    const int r = scan_run(e, x, m, G, first, norm ? 1.0 - e->lam : 1.0, 0, out);
    if (r >= 0 && norm) normalise_head(e, out, m);
    return r;
}

/* Returns 0, or -1 (target not compiled). */
static int row_scan(const eplan *e, const double *x, size_t n, double *y, double *b1, double *b2) {
    size_t f = 0;
    while (f < n && isnan(x[f])) y[f++] = NAN;
    if (f == n) return 0;
    y[f] = x[f];
    const size_t m = n - f - 1;
    const double *xs = x + f + 1;
    double *ys = y + f + 1;
    int r = scan_dense(e, xs, m, x[f], ys);
    if (r < 0) return -1;
    if (r > 0) {
        /* NaN or inf somewhere, or an overflow: look at the row. */
        int has_nan = 0, has_inf = isinf(x[f]);
        double mx = fabs(x[f]) < INFINITY ? fabs(x[f]) : 0.0;
        for (size_t i = 0; i < m; i++) {
            const double a = fabs(xs[i]);
            has_nan |= a != a;
            has_inf |= a == INFINITY;
            if (a > mx && a < INFINITY) mx = a;
        }
        const double G = e->adjust ? 1.0 : e->alpha;
        const double one_m = 1.0 - e->lam;
        if (has_inf || !(one_m > 0) || mx * (G / one_m + 1.0) > DBL_MAX / 4) {
            /* N could overflow (the normalised recursion cannot); an infinite
             * value must leave exactly when its weight underflows, as in the
             * naive recursion (the scan's lambda^k would give 0 * inf). */
            row_naive(e, x, n, y);
            return 0;
        }
        if (has_nan && e->ignore_na) {
            size_t k = 0;
            for (size_t i = 0; i < m; i++)
                if (!isnan(xs[i])) b1[k++] = xs[i];
            if (scan_dense(e, b1, k, x[f], b2) < 0) return -1;
            double prev = y[f];
            for (size_t i = 0, j = 0; i < m; i++) ys[i] = prev = isnan(xs[i]) ? prev : b2[j++];
        } else if (has_nan) {
            if (scan_run(e, xs, m, G, x[f], 1.0, 1, ys) < 0) return -1;
            if (e->stat == MWK_EWM_MEAN) {
                if (scan_run(e, xs, m, G, 1.0, 1.0, 2, b1) < 0) return -1;
                /* A row without an observation keeps the last mean (the common
                 * decay cancels; with alpha = 1 it is 0/0 otherwise). */
                double prev = y[f];
                for (size_t i = 0; i < m; i++) ys[i] = prev = isnan(xs[i]) ? prev : ys[i] / b1[i];
            }
        }
    }
    if (e->minp > 1) {
        size_t cnt = 0;
        for (size_t t = f; t < n && cnt < e->minp; t++) {
            cnt += !isnan(x[t]);
            if (cnt < e->minp) y[t] = NAN;
        }
    }
    return 0;
}

/* ------------------------------------------------------------------------ */
/* Entry points                                                             */

mwk_status mwk_ewm_batch(mwk_ewm_stat stat, const mwk_ewm_params *p_in, const void *x, mwk_dtype dtype,
                         size_t rows, size_t n, ptrdiff_t x_row_stride, ptrdiff_t x_stride, void *y,
                         ptrdiff_t y_row_stride, ptrdiff_t y_stride) {
    if (!x || !y) return MWK_E_NULL;
    eplan e;
    mwk_ewm_params p;
    mwk_status st = resolve(stat, p_in, dtype, &e, &p);
    if (st != MWK_OK) return st;
    span sx, sy, st_;
    const size_t xes = mwk_dtype_size(dtype), yes = mwk_dtype_size(e.odt);
    if (!array_span(x, rows ? rows : 1, x_row_stride, n, x_stride, xes, &sx) ||
        !array_span(y, rows ? rows : 1, y_row_stride, n, y_stride, yes, &sy))
        return MWK_E_OVERFLOW;
    if (p.times && !array_span(p.times, 1, 0, n, p.times_stride, sizeof(double), &st_)) return MWK_E_OVERFLOW;
    if (p.times && n > 0) {
        /* finite and non-decreasing */
        double prev = -INFINITY;
        for (size_t i = 0; i < n; i++) {
            const double t = p.times[(ptrdiff_t)i * p.times_stride];
            if (!isfinite(t) || t < prev) return MWK_E_PARAMS;
            prev = t;
        }
    }
    if (rows == 0 || n == 0) return MWK_OK;
    if (!disjoint(sx, sy)) return MWK_E_OVERLAP;
    if (p.times && !disjoint(st_, sy)) return MWK_E_OVERLAP;
    if (n > 1 && y_stride == 0) return MWK_E_OVERLAP;
    if (rows > 1 && y_row_stride == 0) return MWK_E_OVERLAP;
    if (rows > 1 && n > 1 && !(uabs(y_row_stride) >= n * uabs(y_stride) || uabs(y_stride) >= rows * uabs(y_row_stride)))
        return MWK_E_OVERLAP;

    double *tau_own = NULL;
    if (p.times) {
        if (p.times_stride == 1) {
            e.tau = p.times;
        } else {
            if (!(tau_own = malloc(n * sizeof(double)))) return MWK_E_NOMEM;
            for (size_t i = 0; i < n; i++) tau_own[i] = p.times[(ptrdiff_t)i * p.times_stride];
            e.tau = tau_own;
        }
    }

    int threads = e.threads;
    if ((size_t)threads > rows) threads = (int)rows;
    if (rows < EWM_MIN_PARALLEL_ELEMS / n) threads = 1;
    _Atomic int status = MWK_OK;
    const char *xb = x;
    char *yb = y;
    const int direct_in = dtype == MWK_F64 && x_stride == 1;
    const int direct_out = e.odt == MWK_F64 && y_stride == 1;

#if MWK_HAVE_OPENMP
#pragma omp parallel num_threads(threads) if (threads > 1)
#endif
    {
        double *xr = NULL, *yr = NULL, *b1 = NULL, *b2 = NULL;
        int ok = 1;
        if (!direct_in && !(xr = malloc(n * sizeof(double)))) ok = 0;
        if (!direct_out && !(yr = malloc(n * sizeof(double)))) ok = 0;
        if (e.algo == MWK_EWM_ALGO_SCAN &&
            (!(b1 = malloc(n * sizeof(double))) || !(b2 = malloc(n * sizeof(double)))))
            ok = 0;
        if (!ok) atomic_store(&status, (int)MWK_E_NOMEM);
#if MWK_HAVE_OPENMP
#pragma omp for schedule(static)
#endif
        for (size_t r = 0; r < rows; r++) {
            if (atomic_load_explicit(&status, memory_order_relaxed) != MWK_OK) continue;
            const char *xrow = xb + (ptrdiff_t)r * x_row_stride * (ptrdiff_t)xes;
            char *yrow = yb + (ptrdiff_t)r * y_row_stride * (ptrdiff_t)yes;
            const double *xin = (const double *)xrow;
            if (!direct_in) {
                mwk_load_f64(xrow, dtype, n, x_stride, xr);
                xin = xr;
            }
            double *yo = direct_out ? (double *)yrow : yr;
            if (e.algo == MWK_EWM_ALGO_SCAN) {
                if (row_scan(&e, xin, n, yo, b1, b2) < 0) {
                    atomic_store(&status, (int)MWK_E_TARGET);
                    continue;
                }
            } else {
                row_naive(&e, xin, n, yo);
            }
            if (!direct_out) mwk_store_f64(yr, e.odt, n, yrow, y_stride);
        }
        free(xr);
        free(yr);
        free(b1);
        free(b2);
    }
    (void)threads;
    free(tau_own);
    return (mwk_status)atomic_load(&status);
}

mwk_status mwk_ewm(mwk_ewm_stat stat, const mwk_ewm_params *p, const void *x, mwk_dtype dtype, size_t n,
                   ptrdiff_t x_stride, void *y, ptrdiff_t y_stride) {
    return mwk_ewm_batch(stat, p, x, dtype, 1, n, 0, x_stride, y, 0, y_stride);
}
