/* Key-based windows: the algorithms (by.c drives them).
 *
 * Every algorithm keeps a state for the stretch x[L, H) and moves it to each
 * row's window [lo, hi) by adding values at H and removing them at L (both
 * only move forward), then answers for the window. NaN, +inf and -inf are
 * counted per window, never put into a running state, so the statistic's
 * rules (mwk.h: NaN policy, min_count, infinities) are applied from the
 * counts, and values that have left a window have no influence on it.
 *
 *   naive     each window through the statistic's reference (accurate by
 *             construction: the accuracy reference).
 *   prefix    sum/mean/var/std/min/max: a two-stacks queue ("sliding window
 *             aggregation"): the front stack F holds suffix aggregates of
 *             x[L, mid), the back aggregate B sums x[mid, H); a window is
 *             F[L] merged with B. When the front runs empty, x[L, H) is
 *             rebuilt into suffix aggregates (each value joins F once:
 *             O(1) amortised per row). Every partial aggregate holds only
 *             values of the window it serves, as the fixed-window prefix
 *             algorithm's block suffix/prefix states, so the fixed-window
 *             contract holds for each window by construction, with no
 *             checks: sums are plain in the unchecked pass (the error of
 *             summing the window alone) and compensated (s, c) pairs
 *             (Knuth's TwoSum on every add and merge) in the checked one,
 *             moments the double-double (count, mean,
 *             M2) states of kernels/var/moments.h merged with Chan's formula,
 *             extrema plain max/min (exact). var/std first try certified
 *             shifted sums (mom_shifted below: about 2x faster than the
 *             moments, whose serial double-double update latency bounds
 *             them). A chunk first runs without the
 *             NaN/inf counts; when some output comes out non-finite (or, for
 *             min/max, a NaN went in) it is redone with them, so the counts
 *             cost nothing on clean data and a chunk holding NaN/inf costs
 *             two passes.
 *   deque     min/max/argmin/argmax: a monotonic deque of row indices
 *             (Lemire), ties to the newest; exact.
 *   skiplist  median/quantile/rank: the window's non-NaN values kept sorted
 *             in an array (binary search, then a memmove to insert or
 *             remove: O(log w) compares and O(w) moved bytes per row); the
 *             order statistics are read off it and combined by the same
 *             mwk_q_value/mwk_rank_value as every fixed-window algorithm:
 *             bit-identical to naive.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "by.h"
#include "var/moments.h"

typedef struct {
    size_t nan, pinf, ninf;
} counts;

static inline void cnt_add(counts *c, double v) {
    c->nan += v != v, c->pinf += v == INFINITY, c->ninf += v == -INFINITY;
}
static inline void cnt_sub(counts *c, double v) {
    c->nan -= v != v, c->pinf -= v == INFINITY, c->ninf -= v == -INFINITY;
}

/* NaN when the window gives no value under the policy and min_count. */
static inline int window_gives(const mwk_by_plan *p, size_t len, const counts *c) {
    const size_t count = len - c->nan;
    if (p->policy == MWK_NAN_PROPAGATE && c->nan) return 0;
    return count >= p->min_count && count > 0;
}

static void fill_nan(double *o, size_t k) {
    for (size_t q = 0; q < k; q++) o[q] = NAN;
}

/* ------------------------------------------------------------------------ */
/* naive                                                                    */

/* Row i's value ranked among the window's non-NaN values; a row outside its
 * own window (closed left/none) is ranked as if it joined it. */
static double rank_naive(const mwk_by_plan *p, const double *x, size_t lo, size_t hi, size_t i) {
    if (!mwk_order_window_counts(x, lo, hi, p->policy, p->min_count)) return NAN;
    const double a = x[i];
    if (a != a) return NAN;
    size_t less = 0, equal = 0, c = 0;
    for (size_t j = lo; j < hi; j++) {
        const double v = x[j];
        if (v != v) continue;
        c++;
        less += v < a;
        equal += v == a;
    }
    if (!(i >= lo && i < hi)) equal++, c++;
    return mwk_rank_value(less, equal, c);
}

mwk_status mwk_by_naive(MWK_BY_ALGO_ARGS) {
    const mwk_stat_desc *d = p->stat;
    const size_t K = p->k;
    for (size_t i = c0; i < c1; i++) {
        mwk_by_window_next(p, key, i, &lo, &hi);
        double *o = out + (i - c0) * K;
        if (p->family != MWK_BY_ORDER) {
            o[0] = d->ref(x, lo, hi, &p->params, p->policy, p->min_count);
        } else if (p->is_rank) {
            o[0] = rank_naive(p, x, lo, hi, i);
        } else if (!mwk_order_window_counts(x, lo, hi, p->policy, p->min_count)) {
            fill_nan(o, K);
        } else {
            if (!mwk_by_grow((void **)&wk->vals, &wk->vals_cap, hi - lo, sizeof(double)))
                return MWK_E_NOMEM;
            mwk_q_window(x, lo, hi, &p->ql, wk->vals, o);
        }
    }
    return MWK_OK;
}

/* ------------------------------------------------------------------------ */
/* prefix (two stacks): sums                                                */

typedef struct {
    double s, c;
} nsum;

/* Knuth's TwoSum (branch-free: the order of magnitudes of a running sum and
 * a window's suffix sum is not predictable): a + b = s + e exactly. */
static inline double two_sum(double a, double b, double *e) {
    const double s = a + b, bb = s - a;
    *e = (a - (s - bb)) + (b - bb);
    return s;
}

static inline void nadd(nsum *a, double v) {
    double e;
    a->s = two_sum(a->s, v, &e);
    a->c += e;
}

/* The merged value of two compensated sums: TwoSum of the heads, plus
 * both compensations. */
static inline double nvalue(nsum a, nsum b) {
    double e;
    const double t = two_sum(a.s, b.s, &e);
    return t + (e + (a.c + b.c));
}

/* The unchecked pass (finite data) sums plainly: as the fixed-window
 * prefix algorithm (kernels/common/wsum_prefix.c), every partial sum holds
 * only values of the window it serves, so the error is that of summing the
 * window on its own, <= (c - 1) u sum|x|, inside the contract with no
 * compensation. The checked pass (NaN/inf present) keeps TwoSum. */
static inline void nadd_f(nsum *a, double v, int plain) {
    if (plain) a->s += v;
    else nadd(a, v);
}
static inline double nvalue_f(nsum a, nsum b, int plain) { return plain ? a.s + b.s : nvalue(a, b); }

static inline __attribute__((always_inline)) mwk_status sum_stacks(MWK_BY_ALGO_ARGS, const int finite) {
    const int mean = !strcmp(p->stat->name, "mean");
    size_t L = lo, H = lo, mid = lo, fbase = lo;
    double flag = 0.0; /* NaN once some output of the unchecked form is not finite */
    nsum B = {0.0, 0.0};
    counts c = {0, 0, 0};
    for (size_t i = c0; i < c1; i++) {
        mwk_by_window_next(p, key, i, &lo, &hi);
        for (; H < hi; H++) {
            const double v = x[H];
            if (finite || isfinite(v)) nadd_f(&B, v, finite);
            else cnt_add(&c, v);
        }
        if (finite) { /* no test on lo > L: whether the front moves is not predictable */
            /* Nothing to count: the front only moves. Past its end, the
             * rest of the window x[lo, H) becomes suffix sums. */
            if (lo > mid) {
                if (!mwk_by_grow(&wk->buf, &wk->cap, H - lo, sizeof(nsum))) return MWK_E_NOMEM;
                nsum *F = wk->buf, cur = {0.0, 0.0};
                for (size_t j = H; j-- > lo;) {
                    nadd_f(&cur, x[j], finite);
                    F[j - lo] = cur;
                }
                fbase = lo, mid = H;
                B.s = B.c = 0.0;
            }
            L = lo;
        }
        for (; L < lo; L++) {
            if (L == mid) {
                /* Front empty: x[L, H) becomes suffix sums. */
                if (!mwk_by_grow(&wk->buf, &wk->cap, H - L, sizeof(nsum))) return MWK_E_NOMEM;
                nsum *F = wk->buf, cur = {0.0, 0.0};
                for (size_t j = H; j-- > L;) {
                    if (finite || isfinite(x[j])) nadd_f(&cur, x[j], finite);
                    F[j - L] = cur;
                }
                fbase = L, mid = H;
                B.s = B.c = 0.0;
            }
            if (!finite && !isfinite(x[L])) cnt_sub(&c, x[L]);
        }
        double *o = out + (i - c0);
        const size_t len = H - L;
        if (!window_gives(p, len, &c)) {
            *o = NAN;
            continue;
        }
        if (!finite && (c.pinf || c.ninf)) {
            *o = c.pinf && c.ninf ? NAN : c.pinf ? INFINITY : -INFINITY;
            continue;
        }
        const nsum F0 = L < mid ? ((const nsum *)wk->buf)[L - fbase] : (nsum){0.0, 0.0};
        double v = nvalue_f(F0, B, finite);
        /* The flag (below) sees the sum, not the mean: v / count is finite
         * when v is, and the flag's chain then does not wait for the
         * division. */
        const double fv = v;
        if (mean) v /= (double)(len - c.nan);
        if (finite) {
            /* No branch on the result (its division's latency would be
             * exposed): a chunk with an overflow is redone checked. */
            *o = v;
            flag += fv * 0.0;
            continue;
        }
        (void)fv;
        /* Finite data whose sum overflowed: the reference scales. */
        if (!isfinite(v)) v = p->stat->ref(x, L, H, &p->params, p->policy, p->min_count);
        *o = v;
    }
    return flag == 0.0 ? MWK_OK : MWK_E_STATE; /* MWK_E_STATE: redo checked */
}

mwk_status mwk_by_sum_stacks(MWK_BY_ALGO_ARGS) {
    /* Optimistic: a NaN or inf in the data, or an overflow, makes some
     * output of the unchecked form non-finite; the chunk is then redone
     * with the counts (a chunk holding NaN costs two passes). */
    const mwk_status st = sum_stacks(p, x, key, c0, c1, lo, hi, out, wk, 1);
    if (st != MWK_E_STATE) return st;
    return sum_stacks(p, x, key, c0, c1, lo, hi, out, wk, 0);
}

/* ------------------------------------------------------------------------ */
/* prefix (two stacks): moments                                             */

static inline __attribute__((always_inline)) mwk_status mom_stacks(MWK_BY_ALGO_ARGS, const int finite) {
    const int root = !strcmp(p->stat->name, "std");
    const int ddof = p->params.ddof;
    size_t L = lo, H = lo, mid = lo, fbase = lo;
    double flag = 0.0;
    mwk_mom B;
    mwk_mom_clear(&B);
    counts c = {0, 0, 0};
    for (size_t i = c0; i < c1; i++) {
        mwk_by_window_next(p, key, i, &lo, &hi);
        for (; H < hi; H++) {
            const double v = x[H];
            if (finite || isfinite(v)) mwk_mom_add(&B, v);
            else cnt_add(&c, v);
        }
        if (finite) { /* no test on lo > L: whether the front moves is not predictable */
            if (lo > mid) {
                if (!mwk_by_grow(&wk->buf, &wk->cap, H - lo, sizeof(mwk_mom))) return MWK_E_NOMEM;
                mwk_mom *F = wk->buf, cur;
                mwk_mom_clear(&cur);
                for (size_t j = H; j-- > lo;) {
                    mwk_mom_add(&cur, x[j]);
                    F[j - lo] = cur;
                }
                fbase = lo, mid = H;
                mwk_mom_clear(&B);
            }
            L = lo;
        }
        for (; L < lo; L++) {
            if (L == mid) {
                if (!mwk_by_grow(&wk->buf, &wk->cap, H - L, sizeof(mwk_mom))) return MWK_E_NOMEM;
                mwk_mom *F = wk->buf, cur;
                mwk_mom_clear(&cur);
                for (size_t j = H; j-- > L;) {
                    if (finite || isfinite(x[j])) mwk_mom_add(&cur, x[j]);
                    F[j - L] = cur;
                }
                fbase = L, mid = H;
                mwk_mom_clear(&B);
            }
            if (!finite && !isfinite(x[L])) cnt_sub(&c, x[L]);
        }
        double *o = out + (i - c0);
        const size_t len = H - L;
        if (!window_gives(p, len, &c) || (!finite && (c.pinf || c.ninf))) {
            *o = NAN;
            continue;
        }
        mwk_mom m = B;
        if (L < mid) m = mwk_mom_merge(&((const mwk_mom *)wk->buf)[L - fbase], &B);
        if (!(m.n > (double)ddof)) {
            *o = NAN;
            continue;
        }
        double v = mwk_mom_var(m.m2, m.n, ddof);
        if (root) v = sqrt(v);
        if (finite) {
            *o = v;
            flag += v * 0.0;
            continue;
        }
        /* Finite data whose moments overflowed: the reference scales. */
        if (!isfinite(v)) v = p->stat->ref(x, L, H, &p->params, p->policy, p->min_count);
        *o = v;
    }
    return flag == 0.0 ? MWK_OK : MWK_E_STATE; /* MWK_E_STATE: redo checked */
}

/* The fast form of the moments, with a certificate (as the fixed-window
 * prefix algorithm's block_fast, kernels/var/var_cores.c): the same two
 * stacks of plain sums S and T of the shifted values d = x - K and d^2, one
 * shift K per rebuild of the front (F and B always share it: B is empty at a
 * rebuild), M2 = T - S^2 / c for a window of c values. Its error is at most
 * about (3c + 8) u T (T sums non-negative terms; S^2/c errs by at most
 * 2 c u T by Cauchy-Schwarz); accepting only windows with T <= 2 M2 keeps it
 * under the contract's 8 (c + 4) u M2. K is the mean of up to 16 values
 * around the rebuild's midpoint, which the windows served until the next
 * rebuild straddle, so T is close to M2 on ordinary data; data whose trend
 * dominates its spread within a window (or constant windows, whose exact 0 the
 * contract asks for) fail the certificate, and the chunk is redone with the
 * double-double states. Data without NaN/inf only: the caller redoes a
 * chunk that gave a non-finite output with the counts.
 * Returns MWK_OK, MWK_E_NOMEM, MWK_E_STATE (a non-finite output: redo
 * with the counts) or SHIFT_UNCERTIFIED (a window failed the certificate:
 * redo with the double-double states). */
static double shift_near(const double *x, size_t n, size_t c) {
    const size_t a = c >= 8 ? c - 8 : 0, b = c + 8 < n ? c + 8 : n;
    double K = 0.0;
    for (size_t i = a; i < b; i++) K += x[i];
    return b > a ? K / (double)(b - a) : 0.0;
}

typedef struct {
    double s, t;
} st_sum;

#define SHIFT_UNCERTIFIED (-1) /* not a mwk_status: mom_shifted's own */



static int mom_shifted(MWK_BY_ALGO_ARGS) {
    const int root = !strcmp(p->stat->name, "std");
    const int ddof = p->params.ddof;
    size_t L = lo, H = lo, mid = lo, fbase = lo;
    double flag = 0.0;
    double K = shift_near(x, p->n, hi); /* B's shift until the first rebuild */
    int ok = 1;
    st_sum B = {0.0, 0.0};
    for (size_t i = c0; i < c1; i++) {
        mwk_by_window_next(p, key, i, &lo, &hi);
        for (; H < hi; H++) {
            const double d = x[H] - K;
            B.s += d;
            B.t += d * d; /* not fma(): without -mfma it is a libm call */
        }
        if (lo > mid) {
            /* Front empty: x[lo, H) becomes suffix sums about a new shift. */
            /* In wk->vals (pairs of doubles), not wk->buf: a chunk that
             * fails the certificate is redone with mwk_mom states in
             * wk->buf, whose capacity counts elements of one size. */
            if (H - lo > SIZE_MAX / 2 ||
                !mwk_by_grow((void **)&wk->vals, &wk->vals_cap, 2 * (H - lo), sizeof(double)))
                return MWK_E_NOMEM;
            K = shift_near(x, p->n, H);
            st_sum *F = (st_sum *)wk->vals, cur = {0.0, 0.0};
            for (size_t j = H; j-- > lo;) {
                const double d = x[j] - K;
                cur.s += d;
                cur.t += d * d;
                F[j - lo] = cur;
            }
            fbase = lo, mid = H;
            B.s = B.t = 0.0;
        }
        L = lo;
        double *o = out + (i - c0);
        const size_t len = H - L;
        if (len < p->min_count || !(len > (size_t)(ddof > 0 ? ddof : 0))) {
            *o = NAN;
            continue;
        }
        const st_sum F0 = L < mid ? ((const st_sum *)wk->vals)[L - fbase] : (st_sum){0.0, 0.0};
        /* The reciprocals depend on the window's length only, so their
         * divisions run ahead of the sums (two divisions and a root in a
         * row per output exposed their latency); each adds one rounding,
         * inside the error bound above. */
        const double inv_len = 1.0 / (double)len, inv_dof = 1.0 / ((double)len - (double)ddof);
        const double S = F0.s + B.s, T = F0.t + B.t;
        const double m2 = T - S * (S * inv_len);
        /* False for NaN, for m2 <= 0 unless T == 0, and for an overflowed T:
         * every output of a certified chunk is finite. */
        ok &= (T <= 2.0 * m2) & (T < HUGE_VAL);
        /* NaN/inf in the data or an overflow show in T already: the flag's
         * chain does not wait for the divisions and the root. */
        flag += T * 0.0;
        double v = m2 * inv_dof;
        if (root) v = sqrt(v);
        *o = v;
    }
    if (flag != 0.0) return MWK_E_STATE;
    return ok ? MWK_OK : SHIFT_UNCERTIFIED;
}

mwk_status mwk_by_mom_stacks(MWK_BY_ALGO_ARGS) {
    /* Optimistic: the certified shifted sums first; a NaN or inf in the data,
     * or an overflow, makes some output non-finite, and the chunk is then
     * redone with the counts (a chunk holding NaN costs two passes); a
     * window that fails the certificate has the chunk redone with the
     * double-double states. */
    const int sh = mom_shifted(p, x, key, c0, c1, lo, hi, out, wk);
    mwk_status st = (mwk_status)sh;
    if (sh == SHIFT_UNCERTIFIED) st = mom_stacks(p, x, key, c0, c1, lo, hi, out, wk, 1);
    if (st != MWK_E_STATE) return st;
    return mom_stacks(p, x, key, c0, c1, lo, hi, out, wk, 0);
}

/* ------------------------------------------------------------------------ */
/* prefix (two stacks): min, max                                            */

/* The larger (is_max) or smaller of m and v; a NaN v never wins (NaN is
 * absent: its comparisons are false). Branch-free (maxsd/minsd). */
static inline double ext_pick(double m, double v, int is_max) {
    return is_max ? (v > m ? v : m) : (v < m ? v : m);
}

static inline __attribute__((always_inline)) mwk_status ext_stacks(MWK_BY_ALGO_ARGS, const int is_max,
                                                                   const int finite) {
    const double none = is_max ? -INFINITY : INFINITY; /* the empty aggregate */
    size_t L = lo, H = lo, mid = lo, fbase = lo;
    int nan_seen = 0; /* the unchecked form met a NaN: redo the chunk counted */
    double B = none;
    counts c = {0, 0, 0};
    for (size_t i = c0; i < c1; i++) {
        mwk_by_window_next(p, key, i, &lo, &hi);
        for (; H < hi; H++) {
            const double v = x[H];
            B = ext_pick(B, v, is_max);
            if (finite) nan_seen |= v != v;
            else c.nan += v != v;
        }
        if (finite) {
            if (lo > mid) {
                if (!mwk_by_grow(&wk->buf, &wk->cap, H - lo, sizeof(double))) return MWK_E_NOMEM;
                double *F = wk->buf, cur = none;
                for (size_t j = H; j-- > lo;) F[j - lo] = cur = ext_pick(cur, x[j], is_max);
                fbase = lo, mid = H;
                B = none;
            }
            L = lo;
        }
        for (; L < lo; L++) {
            if (L == mid) {
                if (!mwk_by_grow(&wk->buf, &wk->cap, H - L, sizeof(double))) return MWK_E_NOMEM;
                double *F = wk->buf, cur = none;
                for (size_t j = H; j-- > L;) F[j - L] = cur = ext_pick(cur, x[j], is_max);
                fbase = L, mid = H;
                B = none;
            }
            c.nan -= x[L] != x[L];
        }
        double *o = out + (i - c0);
        if (!window_gives(p, H - L, &c)) {
            *o = NAN;
            continue;
        }
        *o = L < mid ? ext_pick(((const double *)wk->buf)[L - fbase], B, is_max) : B;
    }
    return finite && nan_seen ? MWK_E_STATE : MWK_OK;
}

mwk_status mwk_by_ext_stacks(MWK_BY_ALGO_ARGS) {
    const int is_max = !strcmp(p->stat->name, "max");
    mwk_status st;
    if (is_max) {
        st = ext_stacks(p, x, key, c0, c1, lo, hi, out, wk, 1, 1);
        if (st == MWK_E_STATE) st = ext_stacks(p, x, key, c0, c1, lo, hi, out, wk, 1, 0);
    } else {
        st = ext_stacks(p, x, key, c0, c1, lo, hi, out, wk, 0, 1);
        if (st == MWK_E_STATE) st = ext_stacks(p, x, key, c0, c1, lo, hi, out, wk, 0, 0);
    }
    return st;
}

/* ------------------------------------------------------------------------ */
/* deque                                                                    */

mwk_status mwk_by_deque(MWK_BY_ALGO_ARGS) {
    const char *nm = p->stat->name;
    const int is_max = !strcmp(nm, "max") || !strcmp(nm, "argmax");
    const int arg = nm[0] == 'a';
    size_t L = lo, H = lo;
    counts c = {0, 0, 0};
    /* Ring buffer of row indices, capacity a power of two. */
    if (!mwk_by_grow((void **)&wk->idx, &wk->idx_cap, 64, sizeof(size_t))) return MWK_E_NOMEM;
    size_t *dq = wk->idx, cap = wk->idx_cap, mask = cap - 1, head = 0, size = 0;
    for (size_t i = c0; i < c1; i++) {
        mwk_by_window_next(p, key, i, &lo, &hi);
        for (; H < hi; H++) {
            const double v = x[H];
            if (v != v) {
                c.nan++;
                continue;
            }
            /* Drop the older values the new one beats or ties (ties go to
             * the newest). */
            if (is_max)
                while (size && x[dq[(head + size - 1) & mask]] <= v) size--;
            else
                while (size && x[dq[(head + size - 1) & mask]] >= v) size--;
            if (size == cap) {
                /* Full: unwrap into a buffer twice the size. */
                size_t *nb = malloc(2 * cap * sizeof *nb);
                if (!nb) return MWK_E_NOMEM;
                for (size_t j = 0; j < size; j++) nb[j] = dq[(head + j) & mask];
                free(wk->idx);
                wk->idx = dq = nb;
                wk->idx_cap = cap = 2 * cap;
                mask = cap - 1, head = 0;
            }
            dq[(head + size) & mask] = H;
            size++;
        }
        for (; L < lo; L++) c.nan -= x[L] != x[L];
        while (size && dq[head] < L) head = (head + 1) & mask, size--;
        double *o = out + (i - c0);
        if (!window_gives(p, H - L, &c) || !size) {
            *o = NAN;
            continue;
        }
        const size_t b = dq[head];
        *o = arg ? (double)(H - 1 - b) : x[b];
    }
    return MWK_OK;
}

/* ------------------------------------------------------------------------ */
/* skiplist: the window kept sorted                                         */

static inline size_t lower_bound(const double *v, size_t n, double a) {
    size_t lo = 0, hi = n;
    while (lo < hi) {
        const size_t m = lo + (hi - lo) / 2;
        if (v[m] < a) lo = m + 1;
        else hi = m;
    }
    return lo;
}

static inline size_t upper_bound(const double *v, size_t n, double a) {
    size_t lo = 0, hi = n;
    while (lo < hi) {
        const size_t m = lo + (hi - lo) / 2;
        if (!(a < v[m])) lo = m + 1;
        else hi = m;
    }
    return lo;
}

mwk_status mwk_by_sorted(MWK_BY_ALGO_ARGS) {
    const size_t K = p->k;
    size_t L = lo, H = lo, cnt = 0;
    counts c = {0, 0, 0};
    for (size_t i = c0; i < c1; i++) {
        mwk_by_window_next(p, key, i, &lo, &hi);
        for (; H < hi; H++) {
            const double v = x[H];
            if (v != v) {
                c.nan++;
                continue;
            }
            if (!mwk_by_grow((void **)&wk->vals, &wk->vals_cap, cnt + 1, sizeof(double)))
                return MWK_E_NOMEM;
            double *s = wk->vals;
            const size_t at = upper_bound(s, cnt, v);
            memmove(s + at + 1, s + at, (cnt - at) * sizeof *s);
            s[at] = v;
            cnt++;
        }
        for (; L < lo; L++) {
            const double v = x[L];
            if (v != v) {
                c.nan--;
                continue;
            }
            double *s = wk->vals;
            const size_t at = lower_bound(s, cnt, v); /* an equal value: any one will do */
            memmove(s + at, s + at + 1, (cnt - at - 1) * sizeof *s);
            cnt--;
        }
        double *o = out + (i - c0) * K;
        if (!window_gives(p, H - L, &c)) {
            fill_nan(o, K);
            continue;
        }
        const double *s = wk->vals;
        if (p->is_rank) {
            const double a = x[i];
            if (a != a) {
                *o = NAN;
                continue;
            }
            const size_t less = lower_bound(s, cnt, a);
            size_t equal = upper_bound(s, cnt, a) - less, cc = cnt;
            if (!(i >= L && i < H)) equal++, cc++;
            *o = mwk_rank_value(less, equal, cc);
            continue;
        }
        for (size_t q = 0; q < K; q++) {
            const mwk_qpos pos = mwk_qpos_of(cnt, p->ql.q[q], p->ql.how);
            o[q] = mwk_q_value(s[pos.lo], s[pos.hi], pos);
        }
    }
    return MWK_OK;
}
