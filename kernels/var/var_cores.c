/* var/std: the reference and the algorithms.
 *
 *   naive    the reference on every window (corrected two-pass).
 *   prefix   a certified fast form per block (shifted sums, block_fast) and,
 *            for the blocks it cannot certify, block-local prefix and
 *            suffix moment states (van Herk's idea
 *            applied to moments): cut the row into blocks of w; a window
 *            starting at j in block b is the suffix state of block b from j
 *            merged (Chan) with the prefix state of block b+1. Every state
 *            holds only values of its window, and the double-double mean
 *            (moments.h) makes each state as accurate as two-pass: the
 *            contract holds by construction, with no checks.
 *   welford  a running Welford add/remove on values shifted by an anchor
 *            value K, with a rigorous running bound on the error of M2 and
 *            of the mean; when the bound exceeds half the contract's budget
 *            for the current window, the window is re-anchored (recomputed
 *            from scratch). So the recomputation follows the data: after a
 *            1e12 spike leaves it happens once; on ordinary data about once
 *            per one or two windows. This is pandas' "recompute when
 *            ill-conditioned", made rigorous.
 */
#include <float.h>
#include <math.h>
#include <string.h>

#include "moments.h"
#include "mwk_config.h"
#include "var.h"
#if MWK_HAVE_HWY
#include "var_hwy.h"
#endif

#define U (DBL_EPSILON / 2)
#define U_UP (U * (1.0 + 8 * DBL_EPSILON))

mwk_status mwk_var_check(const mwk_params *p) { return p->ddof < 0 ? MWK_E_PARAMS : MWK_OK; }

/* ------------------------------------------------------------------------ */
/* Reference                                                                */

static double neumaier_add(double *s, double *c, double v) {
    const double t = *s + v;
    *c += fabs(*s) >= fabs(v) ? (*s - t) + v : (v - t) + *s;
    *s = t;
    return t;
}

static double var_window(const double *x, size_t lo, size_t hi, const mwk_params *p,
                         mwk_nan_policy policy, size_t min_count, int root) {
    size_t nan = 0, inf = 0, cnt = 0;
    double amax = 0.0, vmin = INFINITY, vmax = -INFINITY;
    for (size_t i = lo; i < hi; i++) {
        const double v = x[i];
        if (isnan(v)) { nan++; continue; }
        if (isinf(v)) { inf++; continue; }
        cnt++;
        if (fabs(v) > amax) amax = fabs(v);
        if (v < vmin) vmin = v;
        if (v > vmax) vmax = v;
    }
    const size_t len = hi - lo, count = len - nan;
    if (policy == MWK_NAN_PROPAGATE && nan) return NAN;
    if (count < min_count || count == 0) return NAN;
    if (inf) return NAN;
    if (!(cnt > (size_t)p->ddof)) return NAN;
    if (vmin == vmax) return 0.0; /* all equal: exactly 0 */
    /* Scale into a range where squares of deviations neither overflow nor
     * lose precision to underflow; powers of two scale exactly. */
    int ex;
    frexp(amax, &ex);
    /* Clamped so that the scale itself is finite for subnormal data. */
    const int es = -ex > 1000 ? 1000 : -ex;
    const double scale = ldexp(1.0, es);
    double s = 0.0, c = 0.0;
    for (size_t i = lo; i < hi; i++)
        if (isfinite(x[i])) neumaier_add(&s, &c, x[i] * scale);
    const double mean = (s + c) / (double)cnt;
    double q = 0.0, qc = 0.0, d = 0.0, dc = 0.0;
    for (size_t i = lo; i < hi; i++) {
        if (!isfinite(x[i])) continue;
        const double dev = x[i] * scale - mean;
        neumaier_add(&q, &qc, dev * dev);
        neumaier_add(&d, &dc, dev);
    }
    /* Corrected two-pass: subtracting (sum of deviations)^2 / n removes the
     * first-order effect of the mean's rounding. */
    const double sd = d + dc;
    double m2 = (q + qc) - sd * sd / (double)cnt;
    if (m2 < 0.0) m2 = 0.0;
    const double v = m2 / (double)(cnt - (size_t)p->ddof);
    /* std takes the root before unscaling: a finite std whose variance
     * overflows double still comes out finite. */
    return root ? ldexp(sqrt(v), -es) : ldexp(v, -2 * es);
}

double mwk_var_window(const double *x, size_t lo, size_t hi, const mwk_params *p,
                      mwk_nan_policy policy, size_t min_count) {
    return var_window(x, lo, hi, p, policy, min_count, 0);
}

double mwk_std_window(const double *x, size_t lo, size_t hi, const mwk_params *p,
                      mwk_nan_policy policy, size_t min_count) {
    return var_window(x, lo, hi, p, policy, min_count, 1);
}

/* ------------------------------------------------------------------------ */
/* Accumulator                                                              */

void mwk_var_acc_init(mwk_acc *a) { memset(a, 0, sizeof *a); }

void mwk_var_acc_add(mwk_acc *a, double v, size_t idx) {
    (void)idx;
    mwk_mom s = {a->d[0], a->d[1], a->d[2], a->d[3]};
    mwk_mom_add(&s, v);
    a->d[0] = s.n, a->d[1] = s.mh, a->d[2] = s.ml, a->d[3] = s.m2;
}

double mwk_var_acc_value(const mwk_acc *a, size_t count, size_t newest, const mwk_params *p) {
    (void)count, (void)newest;
    return mwk_mom_var(a->d[3], a->d[0], p->ddof);
}

void mwk_var_acc_scan(const double *x, size_t len, int backward, int ddof, int root, double *out) {
    mwk_mom st;
    mwk_mom_clear(&st);
    for (size_t i = 0; i < len; i++) {
        mwk_mom_add(&st, backward ? x[len - 1 - i] : x[i]);
        const double v = mwk_mom_var(st.m2, st.n, ddof);
        out[i] = root ? sqrt(v) : v;
    }
}

/* ------------------------------------------------------------------------ */
/* prefix: block-local moment states                                        */

/* Layout: [4w + 128 doubles: dd states, or the SIMD form's two forward
 * halves][K: one shift per block][fail: one byte per block]. */
static size_t blocks_of(size_t n, size_t w) { return n / w + 1; }

size_t mwk_var_prefix_scratch(size_t n, size_t w) {
    return (4 * w + 128 + blocks_of(n, w)) * sizeof(double) + blocks_of(n, w);
}

static double finish_value(double v, int root) { return root ? sqrt(v) : v; }

/* The accurate form for one block: double-double moment states. */
static int block_dd(mwk_seg *s, size_t jb, size_t len, double *sc, int root) {
    const double *x = s->x;
    const size_t w = s->w;
    const int ddof = s->params->ddof;
    double *Pn = sc, *Ph = sc + w, *Pl = sc + 2 * w, *P2 = sc + 3 * w;
    int flag = 0;
    /* Forward: states of x[jb+w .. jb+w+i], i < len-1. */
    mwk_mom st;
    mwk_mom_clear(&st);
    const double *src = x + jb + w;
    for (size_t i = 0; i + 1 < len; i++) {
        const double v = src[i];
        if (isfinite(v)) mwk_mom_add(&st, v);
        else flag = 1; /* NaN: absent (and reported); inf: the engine redoes it */
        Pn[i] = st.n, Ph[i] = st.mh, Pl[i] = st.ml, P2[i] = st.m2;
    }
    /* Backward over block b, merging with the forward states. */
    mwk_mom q;
    mwk_mom_clear(&q);
    for (size_t k = w; k-- > 0;) {
        const double v = x[jb + k];
        if (isfinite(v)) mwk_mom_add(&q, v);
        else flag = 1;
        if (k < len) {
            double r;
            if (k == 0) {
                r = mwk_mom_var(q.m2, q.n, ddof);
            } else {
                const mwk_mom pk = {Pn[k - 1], Ph[k - 1], Pl[k - 1], P2[k - 1]};
                const mwk_mom u = mwk_mom_merge(&q, &pk);
                r = mwk_mom_var(u.m2, u.n, ddof);
            }
            r = finish_value(r, root);
            s->out[jb + k] = r;
            flag |= !isfinite(r);
        }
    }
    return flag;
}

/* The shift of the block whose windows straddle position c: the mean of up
 * to 16 values around it (NaN if one is not finite: the block then fails
 * its certificate). */
static double block_shift(const double *x, size_t n, size_t c) {
    const size_t lo = c >= 8 ? c - 8 : 0, hi = c + 8 < n ? c + 8 : n;
    double K = 0.0;
    for (size_t i = lo; i < hi; i++) K += x[i];
    return K / (double)(hi - lo);
}

/* The fast form for one block, with a certificate: sums S and T of the
 * shifted values d = x - K and d^2, block-local prefix and suffix sums like
 * the mean's prefix core, M2 = T - S^2 / w. Its error is at most about
 * (3w + 8) u T (T is a sum of non-negative terms; S^2/w errs by at most
 * 2 w u T by Cauchy-Schwarz). Accepting only windows with T <= 2 M2 keeps it
 * under the contract's 8 (w + 4) u M2; K, the mean of up to 16 values around
 * the block boundary (inside most windows of the block), makes T close to
 * M2 on ordinary data. Returns 0 when every window of the block passed,
 * 1 when the block must be redone (a window failed, or a value is not
 * finite: comparisons with NaN fail). */
static int block_fast(mwk_seg *s, size_t jb, size_t len, double *sc, int root) {
    const double *x = s->x;
    const size_t w = s->w, n = s->n;
    const double dof = (double)w - (double)s->params->ddof;
    if (!(dof > 0.0)) return 1;
    const double inv_w = 1.0 / (double)w, inv_dof = 1.0 / dof;
    const double K = block_shift(x, n, jb + w);
    double *Ps = sc, *Pt = sc + w;
    const double *src = x + jb + w;
    double ps = 0.0, pt = 0.0;
    for (size_t i = 0; i + 1 < len; i++) {
        const double d = src[i] - K;
        ps += d;
        pt += d * d;
        Ps[i] = ps, Pt[i] = pt;
    }
    double qs = 0.0, qt = 0.0;
    int ok = 1;
    for (size_t k = w; k-- > 0;) {
        const double d = x[jb + k] - K;
        qs += d;
        qt += d * d;
        if (k < len) {
            const double S = k ? qs + Ps[k - 1] : qs, T = k ? qt + Pt[k - 1] : qt;
            const double m2 = T - S * S * inv_w;
            /* False for NaN, for m2 <= 0 unless T == 0, and for an overflowed T. */
            ok &= (T <= 2.0 * m2) & (T < HUGE_VAL);
            s->out[jb + k] = finish_value(m2 * inv_dof, root);
        }
    }
    return !ok;
}

/* The fast form of the masked pass: NaN is absent, so the sums also count
 * the valid values (c) per window: M2 = T - S^2 / c. Same certificate. */
static int block_fast_masked(mwk_seg *s, size_t jb, size_t len, double *sc, int root) {
    const double *x = s->x;
    const size_t w = s->w, n = s->n;
    const double ddof = (double)s->params->ddof;
    /* The shift: the mean of the valid values among 16 around the boundary. */
    const size_t c0 = jb + w, lo = c0 >= 8 ? c0 - 8 : 0, hi = c0 + 8 < n ? c0 + 8 : n;
    double K = 0.0, kc = 0.0;
    for (size_t i = lo; i < hi; i++)
        if (x[i] == x[i]) K += x[i], kc += 1.0;
    if (kc > 0.0) K /= kc;
    double *Ps = sc, *Pt = sc + w, *Pc = sc + 2 * w;
    const double *src = x + jb + w;
    double ps = 0.0, pt = 0.0, pc = 0.0;
    for (size_t i = 0; i + 1 < len; i++) {
        const double v = src[i];
        const int ok = v == v;
        const double d = ok ? v - K : 0.0;
        ps += d, pt += d * d, pc += ok;
        Ps[i] = ps, Pt[i] = pt, Pc[i] = pc;
    }
    double qs = 0.0, qt = 0.0, qc = 0.0;
    int good = 1;
    for (size_t k = w; k-- > 0;) {
        const double v = x[jb + k];
        const int ok = v == v;
        const double d = ok ? v - K : 0.0;
        qs += d, qt += d * d, qc += ok;
        if (k < len) {
            const double S = k ? qs + Ps[k - 1] : qs, T = k ? qt + Pt[k - 1] : qt;
            const double c = k ? qc + Pc[k - 1] : qc;
            double r;
            if (c > ddof) {
                const double m2 = T - S * S / c;
                good &= (T <= 2.0 * m2) & (T < HUGE_VAL);
                r = finish_value(m2 / (c - ddof), root);
            } else {
                r = NAN; /* count <= ddof (or no value): the engine's rules decide */
            }
            s->out[jb + k] = r;
        }
    }
    return !good;
}

int mwk_var_prefix(mwk_seg *s, int root) {
    const size_t w = s->w, m = s->n - w + 1;
    double *sc = s->scratch;
    double *own = NULL;
    if (!sc) {
        own = mwk_aligned_alloc(mwk_var_prefix_scratch(s->n, w));
        if (!own) {
            s->err = MWK_E_NOMEM;
            return -1;
        }
        sc = own;
    }
    int flag = 0;
#if MWK_HAVE_HWY
    const double dof = (double)w - (double)s->params->ddof;
    if (!s->masked && s->target.hwy_bit != 0 && dof > 0.0) {
        const size_t nb = blocks_of(s->n, w);
        double *K = sc + 4 * w + 128;
        unsigned char *fail = (unsigned char *)(K + nb);
        size_t b = 0;
        for (size_t jb = 0; jb < m; jb += w, b++) K[b] = block_shift(s->x, s->n, jb + w);
        if (mwk_hwy_var_fast(s->target.hwy_bit, s->x, s->n, w, K, 1.0 / (double)w, 1.0 / dof,
                             root, s->out, sc, sc + w + 64, fail) < 0) {
            mwk_aligned_free(own);
            s->err = MWK_E_TARGET;
            return -1;
        }
        b = 0;
        for (size_t jb = 0; jb < m; jb += w, b++) {
            const size_t len = m - jb < w ? m - jb : w;
            if (!fail[b]) continue;
            /* A NaN or inf: the engine redoes the segment in the masked pass,
             * which has its own fast form; no point in the slow one here. */
            if (!mwk_all_finite(s->x + jb, len + w - 1)) {
                flag = 1;
                break;
            }
            flag |= block_dd(s, jb, len, sc, root);
        }
        mwk_aligned_free(own);
        return flag;
    }
#endif
    for (size_t jb = 0; jb < m; jb += w) {
        const size_t len = m - jb < w ? m - jb : w;
        if (s->masked) {
            if (block_fast_masked(s, jb, len, sc, root)) flag |= block_dd(s, jb, len, sc, root);
        } else if (block_fast(s, jb, len, sc, root)) {
            if (!mwk_all_finite(s->x + jb, len + w - 1)) {
                flag = 1; /* the masked pass redoes the segment */
                break;
            }
            flag |= block_dd(s, jb, len, sc, root);
        }
    }
    mwk_aligned_free(own);
    /* In the masked pass NaN means "absent" and is expected; only an output
     * that is not finite still needs the engine (count <= ddof, overflow). */
    return flag;
}

/* ------------------------------------------------------------------------ */
/* welford: running, shifted, with a rigorous bound                          */

typedef struct {
    double K;          /* shift: a value of the window at the last anchor */
    double c, m, m2;   /* count, mean and M2 of (x - K) over valid values */
    double e, em;      /* bounds on |m2 - exact| and |m - exact| */
} wstate;

/* Recomputes the state of x[j, j+w) (valid = not NaN). Returns 1 if a value
 * is not finite on the fast path (the engine redoes the segment). */
static int anchor(const double *x, size_t j, size_t w, int masked, wstate *st) {
    double K = 0.0;
    size_t i = 0;
    for (; i < w; i++)
        if (x[j + i] == x[j + i]) { K = x[j + i]; break; }
    if (!masked && i > 0) return 1;
    mwk_mom mo;
    mwk_mom_clear(&mo);
    double amax = 0.0;
    for (i = 0; i < w; i++) {
        const double v = x[j + i];
        if (v != v) {
            if (!masked) return 1;
            continue;
        }
        if (!masked && isinf(v)) return 1;
        const double d = v - K;
        if (fabs(d) > amax) amax = fabs(d);
        mwk_mom_add(&mo, d);
    }
    st->K = K;
    st->c = mo.n;
    st->m = mo.mh + mo.ml;
    st->m2 = mo.m2;
    /* The shifted values carry one rounding each (<= u |d|); the state is as
     * accurate as two-pass (moments.h). */
    st->e = (mo.n + 6.0) * U_UP * mo.m2 + 2.0 * mo.n * U_UP * amax * amax * U_UP;
    st->em = 2.0 * U_UP * (fabs(st->m) + amax);
    return 0;
}

int mwk_var_welford(mwk_seg *s, int root) {
    const double *x = s->x;
    const size_t w = s->w, m = s->n - w + 1;
    const int ddof = s->params->ddof, masked = s->masked;
    /* Half of the contract's budget 8 (w + 4) u var goes to the running
     * error; the state is recomputed when the bound would exceed it. */
    const double half_budget = 4.0 * ((double)w + 4.0) * U;
    wstate st;
    int flag = 0;
    if (anchor(x, 0, w, masked, &st)) return 1;
    for (size_t j = 0;; j++) {
        /* Written as !(<=) so that NaN bounds re-anchor instead of being
         * trusted. */
        if (!(st.e <= half_budget * (st.m2 - st.e)) && !(st.e == 0.0)) {
            if (anchor(x, j, w, masked, &st)) return 1;
        }
        double r = finish_value(mwk_mom_var(st.m2, st.c, ddof), root);
        s->out[j] = r;
        if (!isfinite(r)) {
            /* count <= ddof gives NaN legitimately; anything else is an
             * overflow, where a running state means nothing any more. */
            if (!(st.c <= (double)ddof)) return 1;
            flag = 1;
        }
        if (j + 1 == m) break;
        const double out_v = x[j], in_v = x[j + w];
        if (!masked && !(isfinite(in_v))) return 1;
        if (out_v == out_v) {
            /* remove */
            const double c1 = st.c - 1.0;
            if (c1 == 0.0) {
                st.c = 0.0, st.m = 0.0, st.m2 = 0.0, st.e = 0.0, st.em = 0.0;
            } else {
                const double d = out_v - st.K;
                const double delta = d - st.m;
                const double m1 = st.m - delta / c1;
                const double dm = d - m1;
                const double t = delta * dm;
                st.em = st.em * (1.0 + 1.0 / c1) + U_UP * (fabs(m1) + 2.0 * fabs(delta) / c1 + fabs(d) / c1);
                st.m2 -= t;
                st.e += (fabs(delta) + fabs(dm)) * (st.em + U_UP * fabs(d)) + 3.0 * U_UP * fabs(t) +
                        U_UP * fabs(st.m2);
                st.m = m1;
                st.c = c1;
            }
        }
        if (in_v == in_v) {
            /* add */
            const double c1 = st.c + 1.0;
            const double d = in_v - st.K;
            const double delta = d - st.m;
            const double m1 = st.m + delta / c1;
            const double dm = d - m1;
            const double t = delta * dm;
            st.em = st.em * (1.0 + 1.0 / c1) + U_UP * (fabs(m1) + 2.0 * fabs(delta) / c1 + fabs(d) / c1);
            st.m2 += t;
            st.e += (fabs(delta) + fabs(dm)) * (st.em + U_UP * fabs(d)) + 3.0 * U_UP * fabs(t) +
                    U_UP * fabs(st.m2);
            st.m = m1;
            st.c = c1;
        }
        if (st.m2 < 0.0) st.m2 = 0.0; /* the bound still covers the truth */
    }
    return flag;
}
