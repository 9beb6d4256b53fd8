/* Order statistics: positions, the one combining formula, the reference
 * (sort each window) and the naive cores. See orderstat.h. */
#include "orderstat.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* numpy.quantile's index for each method (numpy/lib/_function_base_impl.py,
 * _QuantileMethods), evaluated in the same floating-point order so that the
 * same order statistics are chosen. */
mwk_qpos mwk_qpos_of(size_t c, double q, mwk_interpolation how) {
    mwk_qpos r = {0, 0, 0.0};
    if (c <= 1) return r;
    const double last = (double)(c - 1);
    double vi;
    switch (how) {
    case MWK_INTERP_LOWER:
        r.lo = r.hi = (size_t)floor(last * q);
        break;
    case MWK_INTERP_HIGHER:
        r.lo = r.hi = (size_t)ceil(last * q);
        break;
    case MWK_INTERP_NEAREST:
        r.lo = r.hi = (size_t)nearbyint(last * q); /* half to even, as np.around */
        break;
    case MWK_INTERP_MIDPOINT:
        vi = last * q;
        r.lo = (size_t)floor(vi);
        r.hi = (size_t)ceil(vi);
        r.t = r.lo == r.hi ? 0.0 : 0.5;
        break;
    default: /* linear: (n - 1) * q, as numpy >= 1.22 (not _compute_virtual_index(n, q, 1, 1),
                whose different rounding moves t and, at integer indices, the order statistic) */
        vi = last * q;
        if (vi >= last) {
            r.lo = r.hi = c - 1;
        } else if (vi < 0.0) {
            r.lo = r.hi = 0;
        } else {
            const double f = floor(vi);
            r.lo = (size_t)f;
            r.hi = r.lo + 1;
            r.t = vi - f;
        }
        break;
    }
    if (r.hi > c - 1) r.hi = c - 1;
    if (r.lo > r.hi) r.lo = r.hi;
    return r;
}

double mwk_q_combine(double a, double b, double t) {
    if (t == 0.0 || a == b) return a;
    if (isinf(a) || isinf(b)) {
        if (a == -INFINITY && b == INFINITY) return NAN;
        return isinf(b) ? b : a; /* t > 0 reaches the infinite end */
    }
    if (t == 0.5) return a * 0.5 + b * 0.5; /* halves exact (bar subnormals): one rounding */
    const double s = b - a;
    if (!isfinite(s)) {
        /* b - a overflows: the same formula on halves, doubled (exact). */
        const double h = a * 0.5 + t * (b * 0.5 - a * 0.5);
        return 2.0 * h;
    }
    /* s + e = b - a exactly (TwoSum); t*s = p + pe exactly (fma). */
    const double bb = s - b;
    const double e = (b - (s - bb)) + (-a - bb);
    const double p = t * s;
    const double pe = fma(t, s, -p);
    /* a + p exactly (TwoSum: h + he) too: for a and b of opposite signs a
     * and p nearly cancel, and p's own rounding would then be several ulps
     * of the result. */
    const double h = a + p;
    const double hb = h - a;
    const double he = (a - (h - hb)) + (p - hb);
    double r = h + (he + (pe + t * e));
    if (r < a) r = a; /* stay inside [a, b] whatever the rounding */
    if (r > b) r = b;
    return r;
}

void mwk_qlist_of(const mwk_stat_desc *d, const mwk_params *p, mwk_qlist *out) {
    if (!(d->params & MWK_PARAM_QUANTILE)) {
        out->one = 0.5;
        out->q = &out->one;
        out->k = 1;
        out->how = MWK_INTERP_LINEAR;
        return;
    }
    out->how = p->interpolation;
    if (p->n_quantiles) {
        out->q = p->quantiles;
        out->k = p->n_quantiles;
    } else {
        out->one = p->quantile;
        out->q = &out->one;
        out->k = 1;
    }
}

static int cmp_double(const void *pa, const void *pb) {
    const double a = *(const double *)pa, b = *(const double *)pb;
    return (a > b) - (a < b);
}

size_t mwk_q_window(const double *x, size_t lo, size_t hi, const mwk_qlist *ql, double *v,
                    double *out) {
    size_t c = 0;
    for (size_t i = lo; i < hi; i++)
        if (!isnan(x[i])) v[c++] = x[i];
    if (c == 0) {
        for (size_t q = 0; q < ql->k; q++) out[q] = NAN;
        return 0;
    }
    qsort(v, c, sizeof *v, cmp_double);
    for (size_t q = 0; q < ql->k; q++) {
        const mwk_qpos pos = mwk_qpos_of(c, ql->q[q], ql->how);
        out[q] = mwk_q_value(v[pos.lo], v[pos.hi], pos);
    }
    return c;
}

double mwk_rank_window(const double *x, size_t lo, size_t hi, size_t newest) {
    const double a = x[newest];
    if (isnan(a)) return NAN;
    size_t less = 0, equal = 0, c = 0;
    for (size_t i = lo; i < hi; i++) {
        const double v = x[i];
        if (isnan(v)) continue;
        c++;
        less += v < a;
        equal += v == a;
    }
    return mwk_rank_value(less, equal, c);
}

int mwk_order_window_counts(const double *x, size_t lo, size_t hi, mwk_nan_policy policy,
                            size_t min_count) {
    size_t nan = 0;
    for (size_t i = lo; i < hi; i++) nan += isnan(x[i]) != 0;
    const size_t c = hi - lo - nan;
    return !((policy == MWK_NAN_PROPAGATE && nan) || c < min_count || c == 0);
}

double mwk_q_ref(const mwk_stat_desc *d, const double *x, size_t lo, size_t hi,
                 const mwk_params *p, mwk_nan_policy policy, size_t min_count) {
    if (!mwk_order_window_counts(x, lo, hi, policy, min_count)) return NAN;
    mwk_qlist ql;
    mwk_qlist_of(d, p, &ql);
    ql.k = 1; /* the first quantile */
    double *v = malloc((hi - lo) * sizeof *v), out[1];
    if (!v) return NAN;
    mwk_q_window(x, lo, hi, &ql, v, out);
    free(v);
    return out[0];
}

size_t mwk_q_naive_scratch(size_t n, size_t w) {
    (void)n;
    return w * sizeof(double);
}

int mwk_q_naive(mwk_seg *s) {
    mwk_qlist ql;
    mwk_qlist_of(s->stat, s->params, &ql);
    double *v = s->scratch;
    const size_t m = s->n - s->w + 1;
    int nan = 0;
    if (!v) {
        if (!(v = malloc(s->w * sizeof *v))) return s->err = MWK_E_NOMEM, -1;
    }
    for (size_t j = 0; j < m; j++) {
        const size_t c = mwk_q_window(s->x, j, j + s->w, &ql, v, s->out + j * s->k);
        nan |= c != s->w;
    }
    if (v != s->scratch) free(v);
    return nan;
}

int mwk_rank_naive(mwk_seg *s) {
    const size_t m = s->n - s->w + 1;
    for (size_t j = 0; j < m; j++) {
        size_t newest = j + s->w - 1;
        if (newest >= s->valid_hi) newest = s->valid_hi - 1; /* the clipped window's last */
        s->out[j] = newest < j ? NAN : mwk_rank_window(s->x, j, j + s->w, newest);
    }
    return !mwk_all_finite(s->x, s->n); /* a NaN matters to the engine's counts */
}

mwk_status mwk_q_check(const mwk_params *p) {
    if ((unsigned)p->interpolation > (unsigned)MWK_INTERP_MIDPOINT) return MWK_E_PARAMS;
    if (p->n_quantiles) {
        if (!p->quantiles) return MWK_E_NULL;
        for (size_t i = 0; i < p->n_quantiles; i++)
            if (!(p->quantiles[i] >= 0.0 && p->quantiles[i] <= 1.0)) return MWK_E_PARAMS;
    } else if (!(p->quantile >= 0.0 && p->quantile <= 1.0)) {
        return MWK_E_PARAMS;
    }
    return MWK_OK;
}

size_t mwk_q_n_out(const mwk_params *p) { return p->n_quantiles ? p->n_quantiles : 1; }
