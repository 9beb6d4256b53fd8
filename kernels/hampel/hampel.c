/* The Hampel filter (mwk_hampel_batch, include/mwk.h): flag and replace the
 * values far from their centred moving median, in units of the window's
 * median absolute deviation (MAD).
 *
 * How it runs: an internal descriptor outside the registry gives two values
 * per window, (median, MAD), through the window engine (mwk_engine_batch),
 * which validates, converts every dtype, threads rows and segments and makes
 * the clipped windows at both ends by NaN padding; a second, O(n) pass then
 * compares each x[k] with its window's pair and writes y, the mask and the
 * counts. The engine output is a float64 scratch of (med, MAD) pairs for a
 * block of rows, so float32 data is judged on the exact float64 median, and
 * only y is rounded (once).
 *
 * The pair is exact: the median by the shared rules (orderstat.h), the MAD
 * as the median of dev(v) = |v - med| (0 when v == med, which matters only
 * for v = med = +-inf) with the same even-count rule. Two algorithms:
 *   naive      sort each window and its deviations (the reference);
 *   sortblock  the window kept as one sorted array (a replace is one shift
 *              between the leaving and the entering value's places; O(w)
 *              memory moves, but the shortest ones there are for the windows
 *              a cleaning filter uses), and the MAD selected in O(log w): the
 *              deviations below the median (med - v, read downwards from the
 *              median) and above it (v - med, read upwards) are two sorted
 *              sequences, and the k-th smallest of two sorted sequences is a
 *              binary search over how many come from the first.
 * Both find the same order statistics and combine them with the same
 * function, so they agree bit for bit. */
#include <math.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/orderstat.h"
#include "engine.h"
#include "mwk_config.h"
#include "threads/threads.h"
#if MWK_HAVE_OPENMP
#include <omp.h>
#endif

/* 1.4826 ~ 1 / Phi^-1(3/4): the MAD of normal data times this is sigma. */
#define HAMPEL_K 1.4826

/* Outputs per work item (one engine call): rows of at most this many
 * elements together, longer rows in stretches of max(this, 8w) outputs. */
#define HAMPEL_ITEM_ELEMS ((size_t)1 << 16)

/* ------------------------------------------------------------------------ */
/* The pair (median, MAD) of c sorted values                                */

static inline double dev(double v, double med) { return v == med ? 0.0 : fabs(v - med); }

static int cmp_double(const void *pa, const void *pb) {
    const double a = *(const double *)pa, b = *(const double *)pb;
    return (a > b) - (a < b);
}

/* Reference: v[0, c) sorted; d has room for c values. */
static void pair_naive(const double *v, size_t c, double *d, double *out) {
    if (c == 0) {
        out[0] = out[1] = NAN;
        return;
    }
    const mwk_qpos pos = mwk_qpos_of(c, 0.5, MWK_INTERP_LINEAR);
    const double med = mwk_q_value(v[pos.lo], v[pos.hi], pos);
    out[0] = med;
    if (isnan(med)) { /* -inf and +inf in the middle: no scale */
        out[1] = NAN;
        return;
    }
    for (size_t i = 0; i < c; i++) d[i] = dev(v[i], med);
    qsort(d, c, sizeof *d, cmp_double);
    out[1] = mwk_q_value(d[pos.lo], d[pos.hi], pos);
}

/* First i in [0, c) with a[i] >= v (c when none). Branch-free halving. */
static inline size_t lower_bound(const double *a, size_t c, double v) {
    if (c == 0) return 0;
    const double *b = a;
    while (c > 1) {
        const size_t half = c / 2;
        b = b[half - 1] < v ? b + half : b;
        c -= half;
    }
    return (size_t)(b - a) + (b[0] < v);
}

/* First i in [0, c) with a[i] > v (c when none). */
static inline size_t upper_bound(const double *a, size_t c, double v) {
    if (c == 0) return 0;
    const double *b = a;
    while (c > 1) {
        const size_t half = c / 2;
        b = b[half - 1] <= v ? b + half : b;
        c -= half;
    }
    return (size_t)(b - a) + (b[0] <= v);
}

/* The fast pair from the sorted window a[0, c), c >= 1. */
/* hint: the sorted index where the previous window's t closest values
 * began (the split moves little from one window to the next); updated. */
static void pair_sorted(const double *a, size_t c, mwk_qpos pos, double *out, size_t *hint) {
    const double med = mwk_q_value(a[pos.lo], a[pos.hi], pos);
    out[0] = med;
    if (isnan(med)) {
        out[1] = NAN;
        return;
    }
    /* p = the number of values <= med: the lower sequence is a[p-1], a[p-2],
     * ... (deviation med - v, or 0 for v == med), the upper one a[p], a[p+1],
     * ... (v - med > 0). Both are nondecreasing: rounding is monotonic, and
     * fl(med - v) = |fl(v - med)| (round to nearest is symmetric). */
    size_t p = pos.lo;
    for (int s = 0; s < 8 && p < c && a[p] <= med; s++) p++;
    if (p < c && a[p] <= med) p += upper_bound(a + p, c - p, med);
    const size_t m1 = p, m2 = c - p;
    const double *lo_top = a + p - 1; /* L[i] = dev(lo_top[-i]) */
    const double *up = a + p;         /* U[j] = up[j] - med */
    /* The t = pos.lo + 1 smallest deviations take i from L and t - i from U:
     * the smallest i with L[i] >= U[t-i-1] (missing L = +inf, missing U =
     * -inf) is a valid split. */
    const size_t t = pos.lo + 1;
    size_t lo = t > m2 ? t - m2 : 0, hi = t < m1 ? t : m1;
    double dk, dk1;
    if (!isinf(med)) {
        /* Finite median: v == med gives med - v = 0 already. Search from the
         * previous window's split, galloping outwards, then halving. */
#define F_(i) (med - lo_top[-(ptrdiff_t)(i)] >= up[t - (i)-1] - med)
        size_t i0 = p > *hint ? p - *hint : 0;
        if (i0 < lo) i0 = lo;
        if (i0 > hi) i0 = hi;
        if (i0 == hi || F_(i0)) { /* the split is in [lo, i0] */
            size_t r = i0, step = 1;
            for (;;) {
                if (r - lo < step) break;
                const size_t cand = r - step;
                if (!F_(cand)) {
                    lo = cand + 1;
                    break;
                }
                r = cand;
                step *= 2;
            }
            hi = r;
        } else { /* in (i0, hi] */
            size_t l = i0 + 1, step = 1;
            for (;;) {
                if (hi - l < step) break;
                const size_t cand = l + step - 1;
                if (F_(cand)) {
                    hi = cand;
                    break;
                }
                l = cand + 1;
                step *= 2;
            }
            lo = l;
        }
        while (lo < hi) {
            const size_t mid = (lo + hi) >> 1;
            const int ge = F_(mid);
            hi = ge ? mid : hi;
            lo = ge ? lo : mid + 1;
        }
#undef F_
        const size_t i = lo, jn = t - i;
        *hint = p - i;
        const double l1 = i > 0 ? med - lo_top[-(ptrdiff_t)(i - 1)] : -INFINITY;
        const double u1 = jn > 0 ? up[jn - 1] - med : -INFINITY;
        dk = l1 > u1 ? l1 : u1;
        dk1 = dk;
        if (pos.hi != pos.lo) { /* the next one: the smaller of the two heads */
            const double l2 = i < m1 ? med - lo_top[-(ptrdiff_t)i] : INFINITY;
            const double u2 = jn < m2 ? up[jn] - med : INFINITY;
            dk1 = l2 < u2 ? l2 : u2;
        }
    } else {
#define L_(i) (lo_top[-(ptrdiff_t)(i)] == med ? 0.0 : med - lo_top[-(ptrdiff_t)(i)])
#define U_(j) (up[(j)] - med)
        while (lo < hi) {
            const size_t mid = lo + (hi - lo) / 2;
            if (L_(mid) >= U_(t - mid - 1))
                hi = mid;
            else
                lo = mid + 1;
        }
        const size_t i = lo, jn = t - i;
        dk = -INFINITY;
        if (i > 0) dk = L_(i - 1);
        if (jn > 0 && U_(jn - 1) > dk) dk = U_(jn - 1);
        dk1 = dk;
        if (pos.hi != pos.lo) {
            dk1 = INFINITY;
            if (i < m1) dk1 = L_(i);
            if (jn < m2 && U_(jn) < dk1) dk1 = U_(jn);
        }
#undef L_
#undef U_
    }
    out[1] = mwk_q_value(dk, dk1, pos);
}

/* ------------------------------------------------------------------------ */
/* Cores: full windows of a segment, out[2j] = med, out[2j+1] = MAD          */

static size_t naive_scratch(size_t n, size_t w) {
    (void)n;
    return 2 * w * sizeof(double);
}

static int core_naive(mwk_seg *s) {
    const size_t w = s->w, m = s->n - w + 1;
    double *v = s->scratch;
    if (!v && !(v = malloc(2 * w * sizeof *v))) return s->err = MWK_E_NOMEM, -1;
    int nan = 0;
    for (size_t j = 0; j < m; j++) {
        size_t c = 0;
        for (size_t i = j; i < j + w; i++)
            if (!isnan(s->x[i])) v[c++] = s->x[i];
        nan |= c != w;
        qsort(v, c, sizeof *v, cmp_double);
        pair_naive(v, c, v + w, s->out + 2 * j);
    }
    if (v != s->scratch) free(v);
    return nan;
}

/* The sorted window a[0, c) is followed by +inf up to a multiple of 4 past
 * w: the counting pass reads whole vectors, and +inf is below nothing. */
static size_t sorted_cap(size_t w) { return (w + 7) & ~(size_t)3; }

static size_t sorted_scratch(size_t n, size_t w) {
    (void)n;
    return sorted_cap(w) * sizeof(double);
}

/* Up to this many values, the two places of a replace are counted in one
 * branch-free vector pass rather than found by two binary searches. */
#define LINEAR_MAX 128

/* *cu = #(a < u), *cv = #(a < v) over a[0, c4), c4 a multiple of 4. */
static inline void count_below2(const double *a, size_t c4, double u, double v, size_t *cu,
                                size_t *cv) {
#if defined(__GNUC__)
    /* Generic 16-byte vectors: the compiler maps them to what the baseline
     * has (SSE2, NEON); no target-specific code. */
    typedef double v2d __attribute__((vector_size(16)));
    typedef long long v2l __attribute__((vector_size(16)));
    const v2d U = {u, u}, V = {v, v};
    v2l su0 = {0, 0}, sv0 = {0, 0}, su1 = {0, 0}, sv1 = {0, 0};
    for (size_t i = 0; i < c4; i += 4) {
        v2d x0, x1;
        memcpy(&x0, a + i, sizeof x0);
        memcpy(&x1, a + i + 2, sizeof x1);
        su0 += (v2l)(x0 < U); /* -1 where true */
        sv0 += (v2l)(x0 < V);
        su1 += (v2l)(x1 < U);
        sv1 += (v2l)(x1 < V);
    }
    su0 += su1, sv0 += sv1;
    *cu = (size_t)-(su0[0] + su0[1]);
    *cv = (size_t)-(sv0[0] + sv0[1]);
#else
    size_t p = 0, q = 0;
    for (size_t i = 0; i < c4; i++) p += a[i] < u, q += a[i] < v;
    *cu = p, *cv = q;
#endif
}

/* Moves a[from, from + len) one place up (shift_up) or down (shift_down).
 * Short moves (the common case for small windows) two values at a time in
 * registers: a plain loop would be turned into a memmove call, whose
 * overhead is most of the cost at these lengths. */
#if defined(__GNUC__)
typedef double hv2d __attribute__((vector_size(16)));
#endif
static inline void shift_up(double *a, size_t from, size_t len) {
    if (len >= 64) {
        memmove(a + from + 1, a + from, len * sizeof *a);
        return;
    }
    size_t i = from + len; /* a[i] = a[i - 1], downwards */
#if defined(__GNUC__)
    for (; i >= from + 2; i -= 2) {
        hv2d v;
        memcpy(&v, a + i - 2, sizeof v);
        memcpy(a + i - 1, &v, sizeof v);
    }
#endif
    for (; i > from; i--) a[i] = a[i - 1];
}
static inline void shift_down(double *a, size_t from, size_t len) {
    if (len >= 64) {
        memmove(a + from - 1, a + from, len * sizeof *a);
        return;
    }
    size_t i = from; /* a[i - 1] = a[i], upwards */
#if defined(__GNUC__)
    for (; i + 2 <= from + len; i += 2) {
        hv2d v;
        memcpy(&v, a + i, sizeof v);
        memcpy(a + i - 1, &v, sizeof v);
    }
#endif
    for (; i < from + len; i++) a[i - 1] = a[i];
}

static int core_sorted(mwk_seg *s) {
    const double *x = s->x;
    const size_t w = s->w, m = s->n - w + 1;
    const size_t cap = sorted_cap(w);
    double *a = s->scratch;
    if (!a && !(a = malloc(cap * sizeof *a))) return s->err = MWK_E_NOMEM, -1;
    int nan = 0;
    size_t c = 0;
    for (size_t i = 0; i < w; i++) {
        if (isnan(x[i]))
            nan = 1;
        else
            a[c++] = x[i];
    }
    qsort(a, c, sizeof *a, cmp_double);
    for (size_t i = c; i < cap; i++) a[i] = INFINITY;
    const mwk_qpos full = mwk_qpos_of(w, 0.5, MWK_INTERP_LINEAR);
    double *out = s->out;
    size_t hint = w / 4;
    for (size_t j = 0;; j++) {
        if (c == 0) {
            out[2 * j] = out[2 * j + 1] = NAN;
        } else {
            pair_sorted(a, c, c == w ? full : mwk_qpos_of(c, 0.5, MWK_INTERP_LINEAR),
                        out + 2 * j, &hint);
        }
        if (j + 1 == m) break;
        const double old = x[j], nw = x[j + w];
        const int on = isnan(old), nn = isnan(nw);
        if (on && nn) continue;
        if (nn) { /* delete old */
            nan = 1;
            const size_t p = lower_bound(a, c, old);
            shift_down(a, p + 1, c - p - 1);
            a[--c] = INFINITY;
        } else if (on) { /* insert new */
            const size_t q = lower_bound(a, c, nw);
            shift_up(a, q, c - q);
            a[q] = nw;
            c++;
        } else if (nw != old) {
            /* p = #(a < old), the leaving value's place; q = #(a < nw). */
            size_t p, q;
            if (c <= LINEAR_MAX) {
                count_below2(a, (c + 3) & ~(size_t)3, old, nw, &p, &q);
            } else {
                p = lower_bound(a, c, old);
                q = lower_bound(a, c, nw);
            }
            if (nw > old) { /* a[p+1, q) down one, nw at q - 1 */
                shift_down(a, p + 1, q - p - 1);
                a[q - 1] = nw;
            } else { /* a[q, p) up one, nw at q */
                shift_up(a, q, p - q);
                a[q] = nw;
            }
        } else {
            /* equal values (maybe -0.0 for +0.0): the sorted set is the same
             * up to the sign of a zero; see hampel_batch's +0.0. */
        }
    }
    if (a != s->scratch) free(a);
    return nan;
}

/* Only the median, for whoever calls a descriptor's reference. */
static double ref_median(const double *x, size_t lo, size_t hi, const mwk_params *p,
                         mwk_nan_policy policy, size_t min_count) {
    (void)p;
    mwk_params q;
    mwk_params_init(&q);
    const mwk_stat_desc *d = mwk_registry_get(MWK_STAT_MEDIAN);
    return d->ref(x, lo, hi, &q, policy, min_count);
}

static size_t n_out_pair(const mwk_params *p) {
    (void)p;
    return 2;
}

static const mwk_algo_desc ALGOS[] = {
    {MWK_ALGO_NAIVE, core_naive, naive_scratch, 0, NULL},
    {MWK_ALGO_SORTBLOCK, core_sorted, sorted_scratch, 0, NULL},
};

static const mwk_auto_rule RULES[] = {
    {"*", SIZE_MAX, MWK_ALGO_SORTBLOCK},
};

/* Not in the registry: mwk_hampel_batch's (median, MAD) pair. */
static const mwk_stat_desc HAMPEL_PAIR = {
    .name = "hampel_pair",
    .params = 0,
    .keeps_f32 = 0, /* the pair stays float64: x is judged against the exact median */
    .nf = MWK_NF_ORDER,
    .contract = "exact: the median, and the median of the absolute deviations from it",
    .ref = ref_median,
    .algos = ALGOS,
    .n_algos = sizeof ALGOS / sizeof ALGOS[0],
    .rules = RULES,
    .n_rules = sizeof RULES / sizeof RULES[0],
    .auto_default = MWK_ALGO_SORTBLOCK,
    .n_out = n_out_pair,
};

/* ------------------------------------------------------------------------ */
/* Validation of the caller's arrays                                       */

typedef struct {
    uintptr_t lo, hi; /* inclusive byte range */
} span;

static size_t uabs(ptrdiff_t v) { return (size_t)(v < 0 ? -v : v); }

static int mul_extent(size_t count, ptrdiff_t stride, size_t esize, size_t *out) {
    if (count <= 1) return *out = 0, 1;
    if (stride == PTRDIFF_MIN) return 0;
    const size_t s = uabs(stride), c = count - 1;
    if (s && c > SIZE_MAX / s) return 0;
    const size_t e = c * s;
    if (e && esize > SIZE_MAX / e) return 0;
    *out = e * esize;
    return 1;
}

static int array_span(const void *base, size_t rows, ptrdiff_t rs, size_t cols, ptrdiff_t cs,
                      size_t esize, span *out) {
    size_t er, ec;
    if (!mul_extent(rows, rs, esize, &er) || !mul_extent(cols, cs, esize, &ec)) return 0;
    if (er > (size_t)PTRDIFF_MAX || ec > (size_t)PTRDIFF_MAX - er ||
        er + ec > (size_t)PTRDIFF_MAX - esize)
        return 0;
    const uintptr_t b = (uintptr_t)base;
    const uintptr_t below = (rs < 0 ? er : 0) + (cs < 0 ? ec : 0);
    const uintptr_t above = (rs > 0 ? er : 0) + (cs > 0 ? ec : 0) + esize - 1;
    if (below > b || above > UINTPTR_MAX - b) return 0;
    out->lo = b - below;
    out->hi = b + above;
    return 1;
}

static int disjoint(span a, span b) { return a.hi < b.lo || b.hi < a.lo; }

/* A (rows x n) output whose elements are distinct (as the engine's rule). */
static int no_self_overlap(size_t rows, ptrdiff_t rs, size_t n, ptrdiff_t cs) {
    if (n > 1 && cs == 0) return 0;
    if (rows > 1 && rs == 0) return 0;
    if (rows > 1 && n > 1 && !(uabs(rs) >= n * uabs(cs) || uabs(cs) >= rows * uabs(rs)))
        return 0;
    return 1;
}

/* Known sizes of mwk_options (as the engine): 0.1 and 0.2. */
static mwk_status read_options(const mwk_options *in, mwk_options *out) {
    mwk_options_init(out);
    if (!in) return MWK_OK;
    if (in->struct_size != offsetof(mwk_options, long_window) &&
        in->struct_size != sizeof(mwk_options))
        return MWK_E_OPTIONS;
    memcpy(out, in, in->struct_size);
    out->struct_size = sizeof *out;
    return MWK_OK;
}

/* ------------------------------------------------------------------------ */
/* The filter                                                               */

/* Row r of a block: x against its (med, MAD) pairs, into y/mask/count.
 * xr: scratch of n doubles. */
static void judge_row(const char *x, mwk_dtype dt, size_t n, ptrdiff_t xs, const double *pair,
                      double kfac, mwk_hampel_replace replace, char *y, mwk_dtype ydt,
                      ptrdiff_t ys, uint8_t *mask, ptrdiff_t ms, size_t *n_flagged, double *xr) {
    /* Contiguous float64 in and out (the common case): no copies. */
    const double *xv = xr;
    if (dt == MWK_F64 && xs == 1)
        xv = (const double *)(const void *)x;
    else
        mwk_load_f64(x, dt, n, xs, xr);
    double *yv = ydt == MWK_F64 && ys == 1 ? (double *)(void *)y : xr;
    const double rep = replace == MWK_HAMPEL_NAN ? NAN : 0.0;
    size_t flagged = 0;
    for (size_t i = 0; i < n; i++) {
        const double v = xv[i], med = pair[2 * i];
        /* NaN v, med or threshold compare false: not flagged. */
        const int f = fabs(v - med) > kfac * pair[2 * i + 1];
        if (mask) mask[(ptrdiff_t)i * ms] = (uint8_t)f;
        flagged += (size_t)f;
        /* med + 0.0: a zero median is +0.0 whichever signed zero the
         * algorithm met first among equal values (NaN + 0.0 is NaN). */
        yv[i] = f ? (replace == MWK_HAMPEL_NAN ? rep : med + 0.0) : v;
    }
    if (yv == xr) mwk_store_f64(xr, ydt, n, y, ys);
    if (n_flagged) *n_flagged = flagged;
}

mwk_status mwk_hampel_batch(const void *x, mwk_dtype dtype, size_t rows, size_t n,
                            ptrdiff_t x_row_stride, ptrdiff_t x_stride, void *y,
                            ptrdiff_t y_row_stride, ptrdiff_t y_stride, uint8_t *mask,
                            ptrdiff_t mask_row_stride, ptrdiff_t mask_stride, size_t *n_flagged,
                            size_t window, double n_sigmas, mwk_hampel_replace replace,
                            const mwk_options *opt) {
    if (!x || !y) return MWK_E_NULL;
    if (!(n_sigmas >= 0.0) || !isfinite(n_sigmas)) return MWK_E_PARAMS;
    if ((unsigned)replace > (unsigned)MWK_HAMPEL_NAN) return MWK_E_PARAMS;
    mwk_options o;
    mwk_status st = read_options(opt, &o);
    if (st != MWK_OK) return st;
    if (!mwk_dtype_valid(dtype)) return MWK_E_DTYPE;
    /* The engine's options for the pair: centred windows, NaN skipped,
     * min_count 1 unless the caller set one. */
    o.align = MWK_ALIGN_CENTERED;
    o.nan_policy = MWK_NAN_SKIP;
    if (o.min_count == MWK_MIN_COUNT_WINDOW) o.min_count = 1;
    int threads = o.threads;
    if (threads < 0) return MWK_E_THREADS;
    if (threads == 0 && mwk_threads_default(&threads) != MWK_OK) return MWK_E_THREADS;

    /* Everything the engine would check (window, min_count, algorithm,
     * target, long windows), on a one-element dry run of the same options:
     * a status before any output is written. */
    {
        /* Same n, so that the long-window rule is judged; zero rows: x and
         * y are not read. */
        double one = 0.0, pair[2];
        mwk_options dry = o;
        dry.threads = 1;
        st = mwk_engine_batch(&HAMPEL_PAIR, NULL, &one, MWK_F64, 0, n, 0, 1, pair, 0, 2, 1,
                              window, &dry);
        if (st != MWK_OK) return st;
    }

    const mwk_dtype ydt = dtype == MWK_F32 || dtype == MWK_F16 ? MWK_F32 : MWK_F64;
    const size_t xes = mwk_dtype_size(dtype), yes = mwk_dtype_size(ydt);
    const size_t R = rows ? rows : 1;
    span sx, sy, sm = {0, 0}, sn = {0, 0};
    if (!array_span(x, R, x_row_stride, n, x_stride, xes, &sx) ||
        !array_span(y, R, y_row_stride, n, y_stride, yes, &sy))
        return MWK_E_OVERFLOW;
    if (mask && !array_span(mask, R, mask_row_stride, n, mask_stride, 1, &sm)) return MWK_E_OVERFLOW;
    if (n_flagged && !array_span(n_flagged, R, 1, 1, 1, sizeof(size_t), &sn)) return MWK_E_OVERFLOW;
    if (rows == 0) return MWK_OK;
    if (n > 0) {
        if (!disjoint(sx, sy) || !no_self_overlap(rows, y_row_stride, n, y_stride))
            return MWK_E_OVERLAP;
        if (mask && (!disjoint(sm, sx) || !disjoint(sm, sy) ||
                     !no_self_overlap(rows, mask_row_stride, n, mask_stride)))
            return MWK_E_OVERLAP;
    }
    if (n_flagged && ((n > 0 && (!disjoint(sn, sx) || !disjoint(sn, sy))) ||
                      (n > 0 && mask && !disjoint(sn, sm))))
        return MWK_E_OVERLAP;
    if (n == 0) {
        if (n_flagged) memset(n_flagged, 0, rows * sizeof *n_flagged);
        return MWK_OK;
    }

    const double kfac = n_sigmas * HAMPEL_K;
    /* Work items: blocks of whole rows (short rows), or stretches of one
     * long row. A stretch of outputs [k0, k1) runs the engine on the
     * sub-row x[k0 - left, k1 + right) clipped to the row and keeps the
     * outputs whose windows are whole inside it: the same windows as in
     * the row (exact selections do not depend on where a run starts), and
     * at the row's ends the sub-row's clipped windows are the row's. The
     * pairs of an item stay in cache. */
    const size_t left = window / 2, right = (window - 1) / 2;
    size_t L = HAMPEL_ITEM_ELEMS > 8 * window ? HAMPEL_ITEM_ELEMS : 8 * window;
    size_t rows_per = 1, chunks = 1;
    if (n <= L) {
        rows_per = L / n;
        if (rows_per > rows) rows_per = rows;
    } else {
        chunks = (n + L - 1) / L;
    }
    const size_t row_items = (rows + rows_per - 1) / rows_per;
    const size_t items = row_items * chunks;
    const size_t sub_max = n <= L ? rows_per * n : L + left + right;
    int nt = threads;
    if ((size_t)nt > items) nt = (int)items;
    if (rows * n < ((size_t)1 << 16)) nt = 1;
    _Atomic int status = MWK_OK;
    const char *xb = x;
    char *yb = y;
    mwk_options eo = o;
    eo.threads = 1; /* the items are the parallel grain */
    size_t *part = NULL; /* flagged per stretch of a long row */
    if (n_flagged && chunks > 1 && !(part = calloc(items, sizeof *part))) return MWK_E_NOMEM;
#if MWK_HAVE_OPENMP
#pragma omp parallel num_threads(nt) if (nt > 1)
#endif
    {
        double *pairs = malloc(2 * sub_max * sizeof *pairs);
        double *xr = malloc((n < L ? n : L) * sizeof *xr);
        if (!pairs || !xr) atomic_store(&status, (int)MWK_E_NOMEM);
#if MWK_HAVE_OPENMP
#pragma omp for schedule(static)
#endif
        for (size_t it = 0; it < items; it++) {
            if (atomic_load_explicit(&status, memory_order_relaxed) != MWK_OK) continue;
            const size_t ri = it / chunks, ch = it % chunks;
            const size_t r0 = ri * rows_per, nr = rows - r0 < rows_per ? rows - r0 : rows_per;
            /* Outputs [k0, k1) of rows [r0, r0 + nr), from the sub-rows
             * [s0, s1). */
            const size_t k0 = ch * L, k1 = k0 + L < n ? k0 + L : n;
            const size_t s0 = k0 > left ? k0 - left : 0;
            const size_t s1 = n - k1 > right ? k1 + right : n;
            const size_t sl = s1 - s0;
            const char *xs0 = xb + ((ptrdiff_t)r0 * x_row_stride + (ptrdiff_t)s0 * x_stride) *
                                       (ptrdiff_t)xes;
            mwk_status e = mwk_engine_batch(&HAMPEL_PAIR, NULL, xs0, dtype, nr, sl, x_row_stride,
                                            x_stride, pairs, (ptrdiff_t)(2 * sl), 2, 1, window,
                                            &eo);
            if (e != MWK_OK) {
                atomic_store(&status, (int)e);
                continue;
            }
            for (size_t r = 0; r < nr; r++) {
                const size_t row = r0 + r;
                const ptrdiff_t kk = (ptrdiff_t)k0;
                size_t cnt = 0;
                judge_row(xb + ((ptrdiff_t)row * x_row_stride + kk * x_stride) * (ptrdiff_t)xes,
                          dtype, k1 - k0, x_stride, pairs + r * 2 * sl + 2 * (k0 - s0), kfac,
                          replace,
                          yb + ((ptrdiff_t)row * y_row_stride + kk * y_stride) * (ptrdiff_t)yes,
                          ydt, y_stride,
                          mask ? mask + (ptrdiff_t)row * mask_row_stride + kk * mask_stride : NULL,
                          mask_stride, &cnt, xr);
                if (n_flagged) {
                    if (chunks == 1)
                        n_flagged[row] = cnt;
                    else
                        part[it] = cnt; /* summed per row below */
                }
            }
        }
        free(pairs);
        free(xr);
    }
    (void)nt;
    st = (mwk_status)atomic_load(&status);
    if (part && st == MWK_OK)
        for (size_t r = 0; r < rows; r++) {
            size_t t = 0;
            for (size_t ch = 0; ch < chunks; ch++) t += part[r * chunks + ch];
            n_flagged[r] = t;
        }
    free(part);
    return st;
}
