/* weighted_sum and weighted_mean: the descriptors, the reference (naive),
 * the direct core's dispatch, and the named windows (mwk_window_taps).
 * Semantics and bounds: include/mwk.h, MWK_STAT_WEIGHTED_SUM. */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "auto_table.h"
#include "mwk_config.h"
#include "weighted.h"

extern const mwk_stat_desc mwk_stat_weighted_sum, mwk_stat_weighted_mean;


/* a + b = s + e exactly (Knuth's TwoSum: no ordering assumption). */
static inline void two_sum(double a, double b, double *s, double *e) {
    const double t = a + b, z = t - a;
    *s = t;
    *e = (a - (t - z)) + (b - z);
}

/* Compensated running sum (Neumaier). */
typedef struct {
    double s, c;
} csum;
static inline void csum_add(csum *a, double v) {
    double t, e;
    two_sum(a->s, v, &t, &e);
    a->s = t, a->c += e;
}

/* ------------------------------------------------------------------------ */
/* Taps                                                                     */

int mwk_wt_taps_init(wt_taps *t, mwk_seg *s) {
    const mwk_params *p = s->params;
    memset(t, 0, sizeof *t);
    t->W = s->w;
    t->min_weight = p->min_weight;
    t->mean = s->stat == &mwk_stat_weighted_mean;
    if (p->weights && p->n_weights) {
        t->w = p->weights;
    } else {
        if (!(t->own = malloc(s->w * sizeof(double)))) {
            s->err = MWK_E_NOMEM;
            return -1;
        }
        for (size_t i = 0; i < s->w; i++) t->own[i] = 1.0;
        t->w = t->own;
    }
    csum a = {0, 0}, b = {0, 0};
    for (size_t i = 0; i < t->W; i++) csum_add(&a, t->w[i]), csum_add(&b, fabs(t->w[i]));
    t->tot_sgn = a.s + a.c;
    t->tot_abs = b.s + b.c;
    return 0;
}

void mwk_wt_taps_free(wt_taps *t) {
    free(t->own);
    t->own = NULL;
}

double mwk_wt_finish(const wt_taps *t, double S, double P, double D, int inf) {
    /* From the absent side: a window without an absent value always passes. */
    if (D > 0.0 && D > (1.0 - t->min_weight) * t->tot_abs) return NAN;
    if (inf == 2) return NAN;
    const double v = inf ? (inf > 0 ? INFINITY : -INFINITY) : S;
    if (!t->mean) return v;
    if (P == 0.0) return NAN;
    return v / P;
}

/* ------------------------------------------------------------------------ */
/* The reference                                                            */

/* Dot2 (Ogita, Rump, Oishi 2005) over the present finite values under
 * nonzero taps, x scaled by `sc` (1, or 2^-64 on the overflow retry). */
static double dot2(const double *x, const double *w, size_t W, double sc) {
    double s = 0.0, c = 0.0;
    for (size_t i = 0; i < W; i++) {
        const double v = x[i] * sc, wi = w[i];
        if (!isfinite(v) || wi == 0.0) continue;
        const double p = wi * v, ep = fma(wi, v, -p);
        double t, e;
        two_sum(s, p, &t, &e);
        s = t;
        c += e + ep;
    }
    return s + c;
}

double mwk_wt_window(const double *x, const wt_taps *t, int *nan) {
    csum P = {0, 0}, D = {0, 0};
    int pinf = 0, ninf = 0, any_nan = 0;
    const double *w = t->w;
    for (size_t i = 0; i < t->W; i++) {
        const double v = x[i], wi = w[i];
        if (isnan(v)) {
            any_nan = 1;
            csum_add(&D, fabs(wi));
            continue;
        }
        csum_add(&P, wi);
        if (isinf(v) && wi != 0.0) {
            if ((v > 0) == (wi > 0))
                pinf = 1;
            else
                ninf = 1;
        }
    }
    *nan = any_nan;
    const int inf = pinf && ninf ? 2 : pinf ? 1 : ninf ? -1 : 0;
    const double Pv = P.s + P.c, Dv = D.s + D.c;
    if (inf) return mwk_wt_finish(t, 0.0, Pv, Dv, inf);
    const double S = dot2(x, w, t->W, 1.0);
    if (isfinite(S)) return mwk_wt_finish(t, S, Pv, Dv, 0);
    /* Finite data whose sum (or a product) overflowed: x scaled by 2^-k, k
     * from the largest |x| and |tap| (a huge tap times a huge value needs
     * more than a fixed 2^-64), so that every product and partial sum fits.
     * Scaling by a power of two is exact; values it pushes below the normal
     * range are negligible against a sum this large. */
    double mx = 0.0, mw = 0.0;
    for (size_t i = 0; i < t->W; i++) {
        if (!isfinite(x[i]) || w[i] == 0.0) continue;
        if (fabs(x[i]) > mx) mx = fabs(x[i]);
        if (fabs(w[i]) > mw) mw = fabs(w[i]);
    }
    if (!(mx > 0.0 && mw > 0.0)) return mwk_wt_finish(t, S, Pv, Dv, 0); /* not reached: keeps ilogb(0) out */
    int lw = 0;
    while (lw < 64 && ((size_t)1 << lw) < t->W) lw++;
    int k = ilogb(mx) + ilogb(mw) + lw + 2 - 1022;
    if (k < 64) k = 64;
    const double Ss = dot2(x, w, t->W, ldexp(1.0, -k));
    if (!t->mean || Pv == 0.0) return ldexp(mwk_wt_finish(t, Ss, Pv, Dv, 0), k);
    /* The mean S/P = (Ss / (P 2^-e)) 2^(k-e), e = ilogb(P): Ss / P itself
     * (2^-k times the mean) could fall below the normal range when P is
     * huge (a huge tap on a small value) and lose its precision. */
    const int e = ilogb(Pv);
    return ldexp(mwk_wt_finish(t, Ss, ldexp(Pv, -e), Dv, 0), k - e);
}

int mwk_wt_naive(mwk_seg *s) {
    wt_taps t;
    if (mwk_wt_taps_init(&t, s) < 0) return -1;
    const size_t m = s->n - s->w + 1;
    int any = 0;
    for (size_t j = 0; j < m; j++) {
        int nan;
        s->out[j] = mwk_wt_window(s->x + j, &t, &nan);
        any |= nan;
    }
    mwk_wt_taps_free(&t);
    return any;
}

/* ------------------------------------------------------------------------ */
/* Direct                                                                   */

int mwk_wt_direct_portable(const double *x, size_t n, const double *w, size_t W, double scale,
                           double *out) {
    const size_t m = n - W + 1;
    double flag = 0.0;
    for (size_t j = 0; j < m; j++) {
        const double *xj = x + j;
        double s = 0.0, c = 0.0;
        for (size_t kb = 0; kb < W; kb += MWK_WT_BLOCK) {
            const size_t ke = kb + MWK_WT_BLOCK < W ? kb + MWK_WT_BLOCK : W;
            double p = 0.0;
            for (size_t i = kb; i < ke; i++) p += w[i] * xj[i];
            if (kb == 0) {
                s = p;
            } else {
                double t, e;
                two_sum(s, p, &t, &e);
                s = t, c += e;
            }
        }
        const double r = (s + c) * scale;
        out[j] = r;
        flag += r * 0.0; /* NaN iff some output is not finite */
    }
    return !(flag == 0.0);
}

int mwk_wt_direct(mwk_seg *s) {
    wt_taps t;
    if (mwk_wt_taps_init(&t, s) < 0) return -1;
    const size_t m = s->n - s->w + 1;
    /* The mean of a window without absent values divides by the taps' sum,
     * folded into one scale; taps summing to 0 make every such mean NaN,
     * which the reference below decides window by window. */
    const int zero_mean = t.mean && t.tot_sgn == 0.0;
    /* 1/sum(taps) is one multiplier only while it is a normal number: taps
     * summing to a subnormal make it inf, taps summing past 2^1022 make it
     * subnormal (bits lost); then each mean is divided instead. */
    const double inv = t.mean && !zero_mean ? 1.0 / t.tot_sgn : 1.0;
    const int divide = t.mean && !zero_mean && !(fabs(inv) >= DBL_MIN && fabs(inv) <= DBL_MAX);
    const double scale = divide ? 1.0 : inv;
    int r;
#if MWK_HAVE_HWY
    if (s->target.hwy_bit != 0) {
        r = mwk_hwy_wt_direct(s->target.hwy_bit, s->x, s->n, t.w, t.W, scale, s->out);
        if (r < 0) {
            mwk_wt_taps_free(&t);
            s->err = MWK_E_TARGET;
            return -1;
        }
    } else
#endif
    {
        r = mwk_wt_direct_portable(s->x, s->n, t.w, t.W, scale, s->out);
    }
    if (divide)
        for (size_t j = 0; j < m; j++) {
            s->out[j] /= t.tot_sgn;
            if (!isfinite(s->out[j])) r = 1;
        }
    /* A window holding a NaN or an infinity (any tap: 0 * NaN is NaN), or
     * whose finite data overflowed, comes out non-finite: the reference
     * gives its value under every rule. O(w) per such window. */
    int any = 0;
    if (r || zero_mean) {
        for (size_t j = 0; j < m; j++) {
            if (zero_mean || !isfinite(s->out[j])) {
                int nan;
                s->out[j] = mwk_wt_window(s->x + j, &t, &nan);
                any |= nan;
            }
        }
    }
    mwk_wt_taps_free(&t);
    return any;
}

/* ------------------------------------------------------------------------ */
/* Descriptors                                                              */

static mwk_status check(const mwk_params *p) {
    if (p->n_weights && !p->weights) return MWK_E_PARAMS;
    if (!p->n_weights && p->weights) return MWK_E_PARAMS;
    /* Finite taps whose sum of |taps| is finite too (as mwk_wt_taps_init
     * computes it): every partial sum of taps (the present weight, the absent
     * one, the totals) is then bounded by it and cannot overflow. */
    csum a = {0, 0};
    for (size_t i = 0; i < p->n_weights; i++) {
        if (!isfinite(p->weights[i])) return MWK_E_PARAMS;
        csum_add(&a, fabs(p->weights[i]));
    }
    if (!isfinite(a.s + a.c)) return MWK_E_PARAMS;
    if (!(p->min_weight >= 0.0 && p->min_weight <= 1.0)) return MWK_E_PARAMS; /* NaN too */
    return MWK_OK;
}

/* The reference of the descriptor (tests, tools): the window x[lo, hi)
 * with every rule. A window shorter than the taps is taken as the newest
 * hi - lo values of a full window (the trailing clip): its taps are the
 * last ones. */
static double ref_common(const mwk_stat_desc *d, const double *x, size_t lo, size_t hi,
                         const mwk_params *p, mwk_nan_policy policy, size_t min_count) {
    const size_t len = hi - lo;
    const size_t W = p->n_weights ? p->n_weights : len;
    if (len == 0 || len > W) return NAN;
    size_t count = 0, nan = 0;
    for (size_t i = lo; i < hi; i++) nan += isnan(x[i]) != 0;
    count = len - nan;
    if (policy == MWK_NAN_PROPAGATE && nan) return NAN;
    if (count < min_count || count == 0) return NAN;
    double *buf = malloc(W * sizeof(double));
    if (!buf) return NAN;
    for (size_t i = 0; i < W; i++) buf[i] = i < W - len ? NAN : x[lo + i - (W - len)];
    mwk_seg s;
    memset(&s, 0, sizeof s);
    s.stat = d;
    s.params = p;
    s.w = W;
    wt_taps t;
    double r = NAN;
    if (mwk_wt_taps_init(&t, &s) == 0) {
        int any;
        r = mwk_wt_window(buf, &t, &any);
        mwk_wt_taps_free(&t);
    }
    free(buf);
    return r;
}
static double ref_sum(const double *x, size_t lo, size_t hi, const mwk_params *p,
                      mwk_nan_policy policy, size_t min_count) {
    return ref_common(&mwk_stat_weighted_sum, x, lo, hi, p, policy, min_count);
}
static double ref_mean(const double *x, size_t lo, size_t hi, const mwk_params *p,
                       mwk_nan_policy policy, size_t min_count) {
    return ref_common(&mwk_stat_weighted_mean, x, lo, hi, p, policy, min_count);
}

static const mwk_algo_desc ALGOS[] = {
    {MWK_ALGO_NAIVE, mwk_wt_naive, NULL, 0, mwk_grid_vector},
    {MWK_ALGO_DIRECT, mwk_wt_direct, NULL, 0, mwk_grid_vector},
    {MWK_ALGO_FFT, mwk_wt_fft, mwk_wt_fft_scratch, MWK_AF_FFTW, NULL},
};

#define CONTRACT                                                                                  \
    "naive, direct: |S - exact| <= u |exact| + c u sum|w x| over the window (naive c = w^2 u, "   \
    "direct c = 18); fft (auto above the crossover): 8 log2(N) u sum|w| max|x| over its block " \
    "of N ~ 4w values"

const mwk_stat_desc mwk_stat_weighted_sum = {
    .name = "weighted_sum",
    .params = MWK_PARAM_WEIGHTS,
    .keeps_f32 = 1,
    .nf = MWK_NF_ORDER,
    .contract = CONTRACT,
    .check = check,
    .ref = ref_sum,
    .algos = ALGOS,
    .n_algos = sizeof ALGOS / sizeof ALGOS[0],
    .rules = WEIGHTED_AUTO_RULES,
    .n_rules = sizeof WEIGHTED_AUTO_RULES / sizeof WEIGHTED_AUTO_RULES[0],
    .auto_default = MWK_ALGO_DIRECT,
};

const mwk_stat_desc mwk_stat_weighted_mean = {
    .name = "weighted_mean",
    .params = MWK_PARAM_WEIGHTS,
    .keeps_f32 = 1,
    .nf = MWK_NF_ORDER,
    .contract = CONTRACT,
    .check = check,
    .ref = ref_mean,
    .algos = ALGOS,
    .n_algos = sizeof ALGOS / sizeof ALGOS[0],
    .rules = WEIGHTED_AUTO_RULES,
    .n_rules = sizeof WEIGHTED_AUTO_RULES / sizeof WEIGHTED_AUTO_RULES[0],
    .auto_default = MWK_ALGO_DIRECT,
};

/* ------------------------------------------------------------------------ */
/* Named windows (scipy.signal.windows, sym=True)                            */

/* scipy's general_cosine: sum_k a[k] cos(k * fac), fac = linspace(-pi, pi, M). */
static void general_cosine(size_t M, const double *a, size_t na, double *out) {
    const double pi = 3.14159265358979323846;
    const double step = 2.0 * pi / (double)(M - 1);
    for (size_t n = 0; n < M; n++) {
        const double fac = n + 1 == M ? pi : -pi + (double)n * step;
        double v = 0.0;
        for (size_t k = 0; k < na; k++) v += a[k] * cos((double)k * fac);
        out[n] = v;
    }
}

mwk_status mwk_window_taps(const char *name, size_t w, double param, double *out) {
    if (!name || !out) return MWK_E_NULL;
    if (w == 0) return MWK_E_WINDOW;
    const double pi = 3.14159265358979323846;
    const size_t M = w;
    const double Mm1 = (double)(M - 1);
    static const char *const NEEDS_PARAM[] = {"gaussian", "exponential"};
    int needs = 0;
    for (size_t i = 0; i < 2; i++) needs |= strcmp(name, NEEDS_PARAM[i]) == 0;
    if (needs && !(param > 0.0 && isfinite(param))) return MWK_E_PARAMS;
    static const char *const KNOWN[] = {"boxcar",  "triang",  "hann",     "hamming", "blackman",
                                        "bartlett", "blackmanharris", "nuttall", "barthann",
                                        "bohman", "parzen", "cosine", "gaussian", "exponential"};
    int known = 0;
    for (size_t i = 0; i < sizeof KNOWN / sizeof KNOWN[0]; i++) known |= strcmp(name, KNOWN[i]) == 0;
    if (!known) return MWK_E_PARAMS;
    /* scipy: a window of length 1 is [1.0] for every type. */
    if (M == 1) {
        out[0] = 1.0;
        return MWK_OK;
    }
    if (strcmp(name, "boxcar") == 0) {
        for (size_t n = 0; n < M; n++) out[n] = 1.0;
    } else if (strcmp(name, "triang") == 0) {
        const size_t h = (M + 1) / 2; /* n = 1 .. h */
        for (size_t k = 1; k <= h; k++) {
            const double v = M % 2 == 0 ? (2.0 * (double)k - 1.0) / (double)M
                                        : 2.0 * (double)k / ((double)M + 1.0);
            out[k - 1] = v;
            out[M - k] = v;
        }
    } else if (strcmp(name, "hann") == 0) {
        static const double a[] = {0.5, 0.5};
        general_cosine(M, a, 2, out);
    } else if (strcmp(name, "hamming") == 0) {
        static const double a[] = {0.54, 0.46};
        general_cosine(M, a, 2, out);
    } else if (strcmp(name, "blackman") == 0) {
        static const double a[] = {0.42, 0.50, 0.08};
        general_cosine(M, a, 3, out);
    } else if (strcmp(name, "blackmanharris") == 0) {
        static const double a[] = {0.35875, 0.48829, 0.14128, 0.01168};
        general_cosine(M, a, 4, out);
    } else if (strcmp(name, "nuttall") == 0) {
        static const double a[] = {0.3635819, 0.4891775, 0.1365995, 0.0106411};
        general_cosine(M, a, 4, out);
    } else if (strcmp(name, "bartlett") == 0) {
        for (size_t n = 0; n < M; n++) {
            const double v = 2.0 * (double)n / Mm1;
            out[n] = (double)n <= Mm1 / 2.0 ? v : 2.0 - v;
        }
    } else if (strcmp(name, "barthann") == 0) {
        for (size_t n = 0; n < M; n++) {
            const double fac = fabs((double)n / Mm1 - 0.5);
            out[n] = 0.62 - 0.48 * fac + 0.38 * cos(2.0 * pi * fac);
        }
    } else if (strcmp(name, "bohman") == 0) {
        out[0] = out[M - 1] = 0.0;
        const double step = 2.0 / Mm1; /* linspace(-1, 1, M)[1:-1] */
        for (size_t n = 1; n + 1 < M; n++) {
            const double fac = fabs(-1.0 + (double)n * step);
            out[n] = (1.0 - fac) * cos(pi * fac) + 1.0 / pi * sin(pi * fac);
        }
    } else if (strcmp(name, "parzen") == 0) {
        const double half = (double)M / 2.0;
        for (size_t k = 0; k < M; k++) {
            const double nn = -Mm1 / 2.0 + (double)k, a = fabs(nn);
            if (a <= Mm1 / 4.0)
                out[k] = 1.0 - 6.0 * (a / half) * (a / half) + 6.0 * (a / half) * (a / half) * (a / half);
            else
                out[k] = 2.0 * (1.0 - a / half) * (1.0 - a / half) * (1.0 - a / half);
        }
    } else if (strcmp(name, "cosine") == 0) {
        for (size_t n = 0; n < M; n++) out[n] = sin(pi / (double)M * ((double)n + 0.5));
    } else if (strcmp(name, "gaussian") == 0) {
        const double sig2 = 2.0 * param * param;
        for (size_t k = 0; k < M; k++) {
            const double nn = (double)k - Mm1 / 2.0;
            out[k] = exp(-nn * nn / sig2);
        }
    } else { /* exponential, centered */
        const double center = Mm1 / 2.0;
        for (size_t k = 0; k < M; k++) out[k] = exp(-fabs((double)k - center) / param);
    }
    return MWK_OK;
}
