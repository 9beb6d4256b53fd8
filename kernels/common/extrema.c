/* Moving extrema: reference, monotonic deque, van Herk / Gil-Werman.
 *
 * The code is written for the minimum; the maximum is the minimum of the
 * negated values (negation is exact, and maps +-inf to -+inf), so one
 * implementation serves both, and ties ("the newest wins") are unaffected.
 * argmin/argmax carry the index beside the value; an absent value (NaN)
 * never wins, not even a tie with a real +inf. */
#include "extrema.h"

#include "mwk_config.h"
#if MWK_HAVE_HWY
#include "extrema_hwy.h"
#endif

#include <math.h>
#include <stdint.h>
#include <string.h>

#define NO_INDEX ((size_t)-1)

static inline double key(double v, int is_max) { return is_max ? -v : v; }

double mwk_ext_window(mwk_ext_kind k, const double *x, size_t lo, size_t hi,
                      mwk_nan_policy policy, size_t min_count) {
    size_t nan = 0, best_i = NO_INDEX;
    double best = INFINITY;
    for (size_t i = lo; i < hi; i++) {
        const double v = x[i];
        if (v != v) { nan++; continue; }
        const double kv = key(v, k.is_max);
        /* <=: a later equal value wins (ties go to the newest). */
        if (best_i == NO_INDEX || kv <= best) best = kv, best_i = i;
    }
    const size_t count = (hi - lo) - nan;
    if (policy == MWK_NAN_PROPAGATE && nan) return NAN;
    if (count < min_count || count == 0) return NAN;
    if (k.arg) return (double)(hi - 1 - best_i);
    return key(best, k.is_max);
}

/* ------------------------------------------------------------------------ */
/* Accumulator: d[0] best key, z[0] its index (NO_INDEX: none yet). Adds
 * come in any order (the head grows forwards, the tail backwards), so ties
 * compare indices. */

static void acc_init(mwk_acc *a) {
    a->d[0] = INFINITY;
    a->z[0] = NO_INDEX;
}
void mwk_ext_acc_init_min(mwk_acc *a) { acc_init(a); }
void mwk_ext_acc_init_max(mwk_acc *a) { acc_init(a); a->d[1] = 1.0; }

static void acc_add(mwk_acc *a, double kv, size_t idx) {
    if (a->z[0] == NO_INDEX || kv < a->d[0] || (kv == a->d[0] && idx > a->z[0]))
        a->d[0] = kv, a->z[0] = idx;
}
void mwk_ext_acc_add_min(mwk_acc *a, double v, size_t idx) { acc_add(a, v, idx); }
void mwk_ext_acc_add_max(mwk_acc *a, double v, size_t idx) { acc_add(a, -v, idx); }

double mwk_ext_acc_value(const mwk_acc *a, size_t count, size_t newest, const mwk_params *p) {
    (void)count, (void)newest, (void)p;
    return a->d[1] == 1.0 ? -a->d[0] : a->d[0];
}
double mwk_ext_acc_arg(const mwk_acc *a, size_t count, size_t newest, const mwk_params *p) {
    (void)count, (void)p;
    return a->z[0] == NO_INDEX ? NAN : (double)(newest - a->z[0]);
}

/* Clipped windows without NaN: forward, newer values arrive (ties: <=, the
 * newest wins, offsets from x[i]); backward, older values arrive (strict <,
 * offsets from x[len-1]). */
void mwk_ext_acc_scan(mwk_ext_kind k, const double *x, size_t len, int backward, double *out) {
    double best = INFINITY;
    size_t bi = 0;
    for (size_t i = 0; i < len; i++) {
        const size_t at = backward ? len - 1 - i : i;
        const double kv = key(x[at], k.is_max);
        const int take = i == 0 || (backward ? kv < best : kv <= best);
        if (take) best = kv, bi = at;
        if (k.arg)
            out[i] = (double)((backward ? len - 1 : i) - bi);
        else
            out[i] = k.is_max ? -best : best;
    }
}

/* Exact argmin/argmax of 64-bit integers: a monotonic deque over the raw
 * values (keys mapped to an order-preserving uint64), one pass over a range
 * of outputs; windows move monotonically at both ends for every alignment.
 * Only stretches holding integers beyond 2^53 come here, so the deque is
 * allocated on this path alone. */
static uint64_t okey(const void *x, mwk_dtype dt, ptrdiff_t xs, size_t i, int is_max) {
    uint64_t u;
    memcpy(&u, (const char *)x + (ptrdiff_t)i * xs * 8, 8);
    if (dt == MWK_I64) u ^= (uint64_t)1 << 63; /* signed order as unsigned */
    return is_max ? ~u : u;
}

static void raw_int(const void *x, mwk_dtype dt, ptrdiff_t xs, size_t n, size_t left,
                    size_t right, size_t k0, size_t k1, size_t min_count, double *y,
                    ptrdiff_t ys, int is_max) {
    if (k1 <= k0) return;
    /* Windows of outputs k0..k1-1 span x[L0, R1). */
    const size_t L0 = k0 >= left ? k0 - left : 0;
    const size_t R1 = k1 - 1 + right + 1 < n ? k1 + right : n;
    size_t *q = mwk_aligned_alloc((R1 - L0 + 1) * sizeof(size_t));
    if (!q) {
        /* No memory for the deque: the O(n w) scan needs none. */
        for (size_t k = k0; k < k1; k++) {
            const size_t L = k >= left ? k - left : 0, R = k + right + 1 < n ? k + right + 1 : n;
            size_t bi = L;
            for (size_t i = L + 1; i < R; i++)
                if (okey(x, dt, xs, i, is_max) <= okey(x, dt, xs, bi, is_max)) bi = i;
            y[(ptrdiff_t)(k - k0) * ys] = R - L < min_count ? NAN : (double)(R - 1 - bi);
        }
        return;
    }
    size_t head = 0, tail = 0, next = L0; /* deque q[head, tail): increasing keys */
    for (size_t k = k0; k < k1; k++) {
        const size_t L = k >= left ? k - left : 0, R = k + right + 1 < n ? k + right + 1 : n;
        while (next < R) {
            const uint64_t kv = okey(x, dt, xs, next, is_max);
            while (tail > head && okey(x, dt, xs, q[tail - 1], is_max) >= kv) tail--;
            q[tail++] = next++;
        }
        while (q[head] < L) head++;
        y[(ptrdiff_t)(k - k0) * ys] = R - L < min_count ? NAN : (double)(R - 1 - q[head]);
    }
    mwk_aligned_free(q);
}

void mwk_ext_raw_int_min(const void *x, mwk_dtype dt, ptrdiff_t xs, size_t n, size_t left,
                         size_t right, size_t k0, size_t k1, size_t min_count, double *y,
                         ptrdiff_t ys) {
    raw_int(x, dt, xs, n, left, right, k0, k1, min_count, y, ys, 0);
}
void mwk_ext_raw_int_max(const void *x, mwk_dtype dt, ptrdiff_t xs, size_t n, size_t left,
                         size_t right, size_t k0, size_t k1, size_t min_count, double *y,
                         ptrdiff_t ys) {
    raw_int(x, dt, xs, n, left, right, k0, k1, min_count, y, ys, 1);
}

/* ------------------------------------------------------------------------ */
/* Monotonic deque (Lemire; bottleneck's and pandas' algorithm): indices of
 * the window whose keys increase strictly from front to back; each index
 * enters and leaves once: O(1) amortised, but branchy. */

size_t mwk_ext_deque_scratch(size_t n, size_t w) {
    (void)n;
    return (w + 1) * sizeof(size_t);
}

int mwk_ext_deque(mwk_seg *s, mwk_ext_kind k) {
    const double *x = s->x;
    const size_t w = s->w, m = s->n - w + 1, cap = w + 1;
    size_t *q = s->scratch;
    size_t own_buf[1];
    (void)own_buf;
    if (!q) {
        q = mwk_aligned_alloc(mwk_ext_deque_scratch(s->n, w));
        if (!q) {
            s->err = MWK_E_NOMEM;
            return -1;
        }
    }
    size_t head = 0, len = 0; /* ring buffer q[(head + i) % cap] */
    int saw_nan = 0;
    for (size_t i = 0; i < s->n; i++) {
        const double v = x[i];
        if (v == v) {
            const double kv = key(v, k.is_max);
            /* Pop older entries that can never win again (>=: ties go to
             * the newest). */
            while (len && key(x[q[(head + len - 1) % cap]], k.is_max) >= kv) len--;
            q[(head + len) % cap] = i;
            len++;
        } else {
            saw_nan = 1;
        }
        if (i + 1 >= w) {
            const size_t j = i + 1 - w; /* window [j, i] */
            while (len && q[head] < j) head = (head + 1) % cap, len--;
            double r;
            if (!len)
                r = NAN; /* all NaN: the engine's counts decide */
            else if (k.arg)
                r = (double)(i - q[head]);
            else
                r = x[q[head]];
            s->out[j] = r;
        }
    }
    if (q != s->scratch) mwk_aligned_free(q);
    (void)m;
    return saw_nan;
}

/* ------------------------------------------------------------------------ */
/* van Herk / Gil-Werman: blocks of w; a window starting at j in block b is
 * the suffix extremum of block b from j merged with the prefix extremum of
 * block b+1 up to j+w-1. Three compare-selects per element, no
 * data-dependent branches. */

size_t mwk_ext_prefix_scratch(size_t n, size_t w) {
    (void)n;
    return w * (sizeof(double) + sizeof(size_t)) + 64 * sizeof(double);
}

int mwk_ext_prefix(mwk_seg *s, mwk_ext_kind k) {
    const double *x = s->x;
    const size_t w = s->w, m = s->n - w + 1;
    const int mx = k.is_max;
    void *own = NULL;
    unsigned char *mem = s->scratch;
    if (!mem) {
        own = mwk_aligned_alloc(mwk_ext_prefix_scratch(s->n, w));
        if (!own) {
            s->err = MWK_E_NOMEM;
            return -1;
        }
        mem = own;
    }
    double *P = (double *)mem;
    size_t *Pi = (size_t *)(mem + w * sizeof(double));
    int saw_nan = 0;
#if MWK_HAVE_HWY
    if (!k.arg && s->target.hwy_bit != 0) {
        const int r = mwk_hwy_ext_prefix(s->target.hwy_bit, mx, x, s->n, w, s->out, (double *)mem);
        mwk_aligned_free(own);
        if (r < 0) {
            s->err = MWK_E_TARGET;
            return -1;
        }
        return r;
    }
#endif
    if (!k.arg) {
        for (size_t jb = 0; jb < m; jb += w) {
            const size_t len = m - jb < w ? m - jb : w;
            const double *src = x + jb + w;
            double c = INFINITY;
            for (size_t i = 0; i + 1 < len; i++) {
                const double kv = key(src[i], mx);
                saw_nan |= kv != kv;
                c = kv < c ? kv : c; /* NaN never wins */
                P[i] = c;
            }
            double q = INFINITY;
            for (size_t t = w; t-- > 0;) {
                const double kv = key(x[jb + t], mx);
                saw_nan |= kv != kv;
                q = kv < q ? kv : q;
                if (t < len) {
                    double r = t == 0 ? q : (P[t - 1] < q ? P[t - 1] : q);
                    s->out[jb + t] = mx ? -r : r;
                }
            }
        }
    } else {
        for (size_t jb = 0; jb < m; jb += w) {
            const size_t len = m - jb < w ? m - jb : w;
            const double *src = x + jb + w;
            /* Forward (newer values arrive): <= so that ties go to the newest. */
            double c = INFINITY;
            size_t ci = NO_INDEX;
            for (size_t i = 0; i + 1 < len; i++) {
                const double kv = key(src[i], mx);
                saw_nan |= kv != kv;
                const int take = kv <= c; /* NaN: false */
                c = take ? kv : c;
                ci = take ? jb + w + i : ci;
                P[i] = c, Pi[i] = ci;
            }
            /* Backward (older values arrive): strictly less, or the first
             * real value equal to the empty state's +inf. */
            double q = INFINITY;
            size_t qi = NO_INDEX;
            for (size_t t = w; t-- > 0;) {
                const double kv = key(x[jb + t], mx);
                saw_nan |= kv != kv;
                const int take = kv < q || (kv == q && qi == NO_INDEX);
                q = take ? kv : q;
                qi = take ? jb + t : qi;
                if (t < len) {
                    size_t bi = qi;
                    if (t > 0) {
                        /* The forward part is newer: it wins ties, unless empty. */
                        const int pf = P[t - 1] < q || (P[t - 1] == q && Pi[t - 1] != NO_INDEX);
                        bi = pf ? Pi[t - 1] : qi;
                    }
                    s->out[jb + t] = bi == NO_INDEX ? NAN : (double)(jb + t + w - 1 - bi);
                }
            }
        }
    }
    mwk_aligned_free(own);
    return saw_nan;
}
