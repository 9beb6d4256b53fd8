/* Key-based (time) windows: mwk_move_by (include/mwk_by.h).
 *
 * Row i's window is the set of rows whose key lies in the interval that
 * closed/window give for by[i] (Polars' rule: a pure function of the key, so
 * rows with equal keys share one window, later rows of the same key
 * included). On a sorted key the window is a stretch x[lo, hi) whose ends
 * only move forward as i grows: two pointers find every window in O(n).
 *
 * Outputs are cut into chunks of BY_CHUNK rows; a chunk finds its first
 * window by binary search (once per chunk, not per output) and starts its
 * algorithm's state empty there, so results never depend on the thread
 * count. Every algorithm (by_algos.c) sees the same events: values entering
 * at hi, leaving at lo, and a query for row i's window.
 *
 * Validation mirrors the engine's (engine/engine.c) for the fixed windows:
 * options and params with their struct_size rules, the statistic's own
 * parameter check, dtypes, strides whose extent overflows, outputs that
 * overlap an input or themselves. Nothing is written before every argument
 * passed. */
#include "by.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "mwk_config.h"
#include "threads/threads.h"
#if MWK_HAVE_OPENMP
#include <omp.h>
#endif

/* ------------------------------------------------------------------------ */
/* Auto table: the running form of each statistic. Measured (BENCHMARKS.md,
 * "Time-based windows, NumPy"; 2-core AMD EPYC VM, one thread, 1M rows at
 * exponential gaps): they beat naive from about 4 rows per window on (mean
 * 2x, std 3x, median 2x; max even), by 4-18x at 60 rows and far more at 900;
 * rank's naive counting pass wins below about 60 rows (2x at 4-15 rows) and
 * loses 5x at 900, and the sorted window is kept for it: the choice is per
 * statistic, since a time window's row count varies along the key. min/max:
 * the two-stacks form (branch-free) beats the deque 2.4x at 900 rows and
 * 1.5x at 4 rows; argmin/argmax have the deque only. */
/* min and max (values, not positions) have the two-stacks form besides the deque. */
static int is_minmax(const mwk_stat_desc *d) {
    return !strcmp(d->name, "min") || !strcmp(d->name, "max");
}

static mwk_algorithm auto_algo(const mwk_stat_desc *d) {
    switch (mwk_by_family(d)) {
    case MWK_BY_SUM:
    case MWK_BY_MOMENTS: return MWK_ALGO_PREFIX;
    case MWK_BY_EXTREMA: return is_minmax(d) ? MWK_ALGO_PREFIX : MWK_ALGO_DEQUE;
    case MWK_BY_ORDER: return MWK_ALGO_SKIPLIST;
    }
    return MWK_ALGO_NAIVE;
}

mwk_by_family_t mwk_by_family(const mwk_stat_desc *d) {
    const char *nm = d->name;
    if (!strcmp(nm, "mean") || !strcmp(nm, "sum")) return MWK_BY_SUM;
    if (!strcmp(nm, "var") || !strcmp(nm, "std")) return MWK_BY_MOMENTS;
    if (!strcmp(nm, "min") || !strcmp(nm, "max") || !strcmp(nm, "argmin") ||
        !strcmp(nm, "argmax"))
        return MWK_BY_EXTREMA;
    return MWK_BY_ORDER;
}

/* The algorithms each family has for key-based windows. */
static int algo_supported(const mwk_stat_desc *d, mwk_algorithm a) {
    if (a == MWK_ALGO_NAIVE || a == auto_algo(d)) return 1;
    return is_minmax(d) && a == MWK_ALGO_DEQUE;
}

/* ------------------------------------------------------------------------ */
/* Validation                                                               */

static const size_t OPTIONS_SIZES[] = {offsetof(mwk_options, long_window), sizeof(mwk_options)};

static mwk_status read_options(const mwk_options *in, mwk_options *out) {
    mwk_options_init(out);
    if (!in) return MWK_OK;
    int ok = 0;
    for (size_t i = 0; i < sizeof OPTIONS_SIZES / sizeof OPTIONS_SIZES[0]; i++)
        ok |= in->struct_size == OPTIONS_SIZES[i];
    if (!ok) return MWK_E_OPTIONS;
    memcpy(out, in, in->struct_size);
    out->struct_size = sizeof *out;
    return MWK_OK;
}

static size_t uabs(ptrdiff_t v) { return v < 0 ? (size_t)0 - (size_t)v : (size_t)v; }

/* Byte range [lo, hi] of `count` elements `stride` apart (in elements) from
 * base, widened by a second axis (count2, stride2); 0 on overflow. */
static int span2(const void *base, size_t count, ptrdiff_t stride, size_t count2,
                 ptrdiff_t stride2, size_t esize, uintptr_t *lo, uintptr_t *hi) {
    uintptr_t below = 0, above = esize - 1;
    const size_t cs[2] = {count, count2};
    const ptrdiff_t ss[2] = {stride, stride2};
    for (int a = 0; a < 2; a++) {
        if (cs[a] <= 1) continue;
        if (ss[a] == PTRDIFF_MIN) return 0;
        const size_t s = uabs(ss[a]), c = cs[a] - 1;
        if (s && c > SIZE_MAX / s) return 0;
        const size_t e = c * s;
        if (e && esize > (size_t)PTRDIFF_MAX / e) return 0;
        const size_t b = e * esize;
        if (ss[a] < 0) {
            if (b > (size_t)PTRDIFF_MAX - below) return 0;
            below += b;
        } else {
            if (b > (size_t)PTRDIFF_MAX - above) return 0;
            above += b;
        }
    }
    const uintptr_t p = (uintptr_t)base;
    if (below > p || above > UINTPTR_MAX - p) return 0;
    *lo = p - below;
    *hi = p + above;
    return 1;
}

/* Distinct addresses for an n x k output (element strides ys, yqs). */
static int out_distinct(size_t n, ptrdiff_t ys, size_t k, ptrdiff_t yqs) {
    size_t c[2], s[2], m = 0;
    if (n > 1) c[m] = n, s[m] = uabs(ys), m++;
    if (k > 1) c[m] = k, s[m] = uabs(yqs), m++;
    if (m == 2 && s[1] < s[0]) {
        size_t t = s[0]; s[0] = s[1]; s[1] = t;
        t = c[0]; c[0] = c[1]; c[1] = t;
    }
    size_t ext = 0;
    for (size_t i = 0; i < m; i++) {
        if (s[i] == 0 || s[i] <= ext) return 0;
        if (c[i] - 1 > (SIZE_MAX - ext) / s[i]) return 0;
        ext += s[i] * (c[i] - 1);
    }
    return 1;
}

static int disjoint(uintptr_t alo, uintptr_t ahi, uintptr_t blo, uintptr_t bhi) {
    return ahi < blo || bhi < alo;
}

typedef struct {
    mwk_by_plan p;
    int threads;
} resolved;

/* Everything but the pointers, strides and sortedness. */
static mwk_status resolve(mwk_stat stat, const mwk_params *params, mwk_dtype dtype,
                          const mwk_options *opt_in, int for_choose, resolved *r) {
    const mwk_stat_desc *d = mwk_registry_get(stat);
    if (!d || (d->params & MWK_PARAM_WEIGHTS)) return MWK_E_STAT;
    mwk_options opt;
    mwk_status st = read_options(opt_in, &opt);
    if (st != MWK_OK) return st;
    mwk_by_plan *p = &r->p;
    memset(p, 0, sizeof *p);
    if ((st = mwk_engine_params(params, &p->params)) != MWK_OK) return st;
    if (d->check && (st = d->check(&p->params)) != MWK_OK) return st;
    if (!mwk_dtype_valid(dtype)) return MWK_E_DTYPE;
    if ((unsigned)opt.algorithm >= (unsigned)MWK_ALGO_COUNT) return MWK_E_ALGORITHM;
    if ((unsigned)opt.nan_policy > (unsigned)MWK_NAN_PROPAGATE) return MWK_E_NAN_POLICY;
    if ((unsigned)opt.align > (unsigned)MWK_ALIGN_CENTERED) return MWK_E_ALIGN;
    if (opt.align != MWK_ALIGN_TRAILING) return MWK_E_ALIGN;
    if (opt.threads < 0) return MWK_E_THREADS;
    int threads = opt.threads;
    if (threads == 0 && mwk_threads_default(&threads) != MWK_OK) return MWK_E_THREADS;
    mwk_target target;
    if ((st = mwk_target_resolve(opt.target, &target)) != MWK_OK) return st;
    mwk_algorithm a = for_choose ? MWK_ALGO_AUTO : opt.algorithm;
    if (a == MWK_ALGO_AUTO) a = auto_algo(d);
    if (!algo_supported(d, a)) return MWK_E_ALGORITHM;
    p->stat = d;
    p->family = mwk_by_family(d);
    p->algo = a;
    p->policy = opt.nan_policy;
    p->k = d->n_out ? d->n_out(&p->params) : 1;
    if (p->k == 0) return MWK_E_INTERNAL;
    p->dtype = dtype;
    p->out_dtype = d->keeps_f32 && (dtype == MWK_F32 || dtype == MWK_F16) ? MWK_F32 : MWK_F64;
    mwk_qlist_of(d, &p->params, &p->ql);
    p->is_rank = !strcmp(d->name, "rank");
    r->threads = threads;
    return MWK_OK;
}

mwk_status mwk_move_by_choose(mwk_stat stat, const mwk_params *params, mwk_dtype dtype,
                              const mwk_options *opt, mwk_algorithm *chosen) {
    if (!chosen) return MWK_E_NULL;
    resolved r;
    mwk_status st = resolve(stat, params, dtype, opt, 1, &r);
    if (st != MWK_OK) return st;
    *chosen = r.p.algo;
    return MWK_OK;
}

/* ------------------------------------------------------------------------ */
/* Window bounds                                                            */

/* First window of a chunk: binary searches over a sorted key (on an
 * unsorted one they still return lo <= hi in [0, n]). */
static void first_window(const mwk_by_plan *p, const int64_t *key, size_t i, size_t *lo,
                         size_t *hi) {
    const int64_t t = key[i];
    size_t a = 0, b = p->n; /* first j with !below_hi */
    while (a < b) {
        const size_t m = a + (b - a) / 2;
        if (mwk_by_below_hi(key[m], t, p->incl_hi)) a = m + 1;
        else b = m;
    }
    *hi = a;
    a = 0, b = *hi; /* first j in [0, hi) not too old */
    while (a < b) {
        const size_t m = a + (b - a) / 2;
        if (mwk_by_too_old(key[m], t, p->w, p->incl_lo)) a = m + 1;
        else b = m;
    }
    *lo = a;
}

/* ------------------------------------------------------------------------ */
/* Driver                                                                   */

#define BY_CHUNK ((size_t)1 << 16)

static mwk_status run_chunk(const mwk_by_plan *p, const double *x, const int64_t *key, size_t c0,
                            size_t c1, double *out, mwk_by_work *wk) {
    size_t lo, hi;
    first_window(p, key, c0, &lo, &hi);
    switch (p->algo) {
    case MWK_ALGO_NAIVE: return mwk_by_naive(p, x, key, c0, c1, lo, hi, out, wk);
    case MWK_ALGO_PREFIX:
        if (p->family == MWK_BY_EXTREMA) return mwk_by_ext_stacks(p, x, key, c0, c1, lo, hi, out, wk);
        return p->family == MWK_BY_SUM ? mwk_by_sum_stacks(p, x, key, c0, c1, lo, hi, out, wk)
                                       : mwk_by_mom_stacks(p, x, key, c0, c1, lo, hi, out, wk);
    case MWK_ALGO_DEQUE: return mwk_by_deque(p, x, key, c0, c1, lo, hi, out, wk);
    case MWK_ALGO_SKIPLIST: return mwk_by_sorted(p, x, key, c0, c1, lo, hi, out, wk);
    default: return MWK_E_INTERNAL;
    }
}

void mwk_by_work_free(mwk_by_work *wk) {
    free(wk->buf);
    free(wk->out);
    free(wk->vals);
    free(wk->idx);
    memset(wk, 0, sizeof *wk);
}

int mwk_by_grow(void **buf, size_t *cap, size_t need, size_t esize) {
    if (need <= *cap) return 1;
    size_t c = *cap ? *cap : 64;
    while (c < need) {
        if (c > SIZE_MAX / 2 / esize) return 0;
        c *= 2;
    }
    void *b = realloc(*buf, c * esize);
    if (!b) return 0;
    *buf = b;
    *cap = c;
    return 1;
}

/* Whether the key is sorted ascending: before any output is written (an
 * unsorted key leaves y untouched), in blocks across the threads, without
 * a branch per key (10M keys: from about 25 ms to a few). */
static int key_sorted(const int64_t *by, size_t n, ptrdiff_t by_stride, int threads) {
    const size_t blk = (size_t)1 << 18, nb = (n + blk - 1) / blk;
    if ((size_t)threads > nb) threads = (int)nb;
    if (threads < 1) threads = 1;
    int bad = 0;
#if MWK_HAVE_OPENMP
#pragma omp parallel for num_threads(threads) if (threads > 1) schedule(static) reduction(| : bad)
#endif
    for (size_t b = 0; b < nb; b++) {
        const size_t i0 = b ? b * blk : 1, i1 = (b + 1) * blk < n ? (b + 1) * blk : n;
        int d = 0;
        if (by_stride == 1) {
            for (size_t i = i0; i < i1; i++) d |= by[i] < by[i - 1];
        } else {
            for (size_t i = i0; i < i1; i++)
                d |= by[(ptrdiff_t)i * by_stride] < by[(ptrdiff_t)(i - 1) * by_stride];
        }
        bad |= d;
    }
    (void)threads;
    return !bad;
}

mwk_status mwk_move_by(mwk_stat stat, const mwk_params *params, const void *x, mwk_dtype dtype,
                       size_t n, ptrdiff_t x_stride, const int64_t *by, ptrdiff_t by_stride,
                       int64_t window, mwk_closed closed, size_t min_count, int check_sorted,
                       void *y, ptrdiff_t y_stride, ptrdiff_t y_q_stride,
                       const mwk_options *opt) {
    if (!x || !y || !by) return MWK_E_NULL;
    resolved r;
    mwk_status st = resolve(stat, params, dtype, opt, 0, &r);
    if (st != MWK_OK) return st;
    mwk_by_plan *p = &r.p;
    if (window < 0) return MWK_E_WINDOW;
    if (min_count == 0) return MWK_E_MIN_COUNT;
    if ((unsigned)closed > (unsigned)MWK_CLOSED_NONE) return MWK_E_OPTIONS;
    p->n = n;
    p->w = (uint64_t)window;
    p->min_count = min_count;
    p->incl_lo = closed == MWK_CLOSED_LEFT || closed == MWK_CLOSED_BOTH;
    p->incl_hi = closed == MWK_CLOSED_RIGHT || closed == MWK_CLOSED_BOTH;
    p->closed = closed;
    uintptr_t xl, xh, bl, bh, yl, yh;
    const size_t oes = mwk_dtype_size(p->out_dtype);
    if (!span2(x, n, x_stride, 1, 0, mwk_dtype_size(dtype), &xl, &xh) ||
        !span2(by, n, by_stride, 1, 0, sizeof(int64_t), &bl, &bh) ||
        !span2(y, n, y_stride, p->k, y_q_stride, oes, &yl, &yh))
        return MWK_E_OVERFLOW;
    if (n == 0) return MWK_OK;
    if (!disjoint(yl, yh, xl, xh) || !disjoint(yl, yh, bl, bh)) return MWK_E_OVERLAP;
    if (!out_distinct(n, y_stride, p->k, y_q_stride)) return MWK_E_OVERLAP;
    if (check_sorted && !key_sorted(by, n, by_stride, r.threads)) return MWK_E_UNSORTED;

    /* Contiguous float64 values and keys (the inputs themselves when they
     * already are). */
    double *xc = NULL;
    int64_t *kc = NULL;
    const double *xd = x;
    const int64_t *kd = by;
    if (!(dtype == MWK_F64 && x_stride == 1)) {
        if (!(xc = malloc(n * sizeof *xc))) return MWK_E_NOMEM;
        xd = xc;
    }
    if (by_stride != 1) {
        if (!(kc = malloc(n * sizeof *kc))) {
            free(xc);
            return MWK_E_NOMEM;
        }
        for (size_t i = 0; i < n; i++) kc[i] = by[(ptrdiff_t)i * by_stride];
        kd = kc;
    }
    const size_t nchunks = (n + BY_CHUNK - 1) / BY_CHUNK;
    int threads = r.threads;
    if ((size_t)threads > nchunks) threads = (int)nchunks;
    if (threads < 1) threads = 1;
    _Atomic int status = MWK_OK;
    const size_t es = mwk_dtype_size(dtype);

#if MWK_HAVE_OPENMP
#pragma omp parallel num_threads(threads) if (threads > 1)
#endif
    {
        if (xc) {
#if MWK_HAVE_OPENMP
#pragma omp for schedule(static)
#endif
            for (size_t c = 0; c < nchunks; c++) {
                const size_t c0 = c * BY_CHUNK, len = n - c0 < BY_CHUNK ? n - c0 : BY_CHUNK;
                mwk_load_f64((const char *)x + (ptrdiff_t)c0 * x_stride * (ptrdiff_t)es, dtype,
                             len, x_stride, xc + c0);
            }
        }
        mwk_by_work wk;
        memset(&wk, 0, sizeof wk);
        const size_t K = p->k;
        double *ob = malloc(BY_CHUNK * K * sizeof *ob);
        if (!ob) atomic_store(&status, (int)MWK_E_NOMEM);
#if MWK_HAVE_OPENMP
#pragma omp for schedule(dynamic, 1) /* a thread on a core shared with other work takes fewer chunks */
#endif
        for (size_t c = 0; c < nchunks; c++) {
            if (atomic_load_explicit(&status, memory_order_relaxed) != MWK_OK) continue;
            const size_t c0 = c * BY_CHUNK, c1 = n - c0 < BY_CHUNK ? n : c0 + BY_CHUNK;
            /* Contiguous float64 output: written in place. */
            const int direct = p->out_dtype == MWK_F64 && y_stride == 1 && K == 1;
            mwk_status s = run_chunk(p, xd, kd, c0, c1, direct ? (double *)y + c0 : ob, &wk);
            if (s != MWK_OK) {
                atomic_store(&status, (int)s);
                continue;
            }
            char *yb = (char *)y + (ptrdiff_t)c0 * y_stride * (ptrdiff_t)oes;
            if (direct) {
                /* done */
            } else if (K == 1) {
                mwk_store_f64(ob, p->out_dtype, c1 - c0, yb, y_stride);
            } else {
                /* Several values per row (quantiles): one strided store per value. */
                for (size_t q = 0; q < K; q++) {
                    char *yq = yb + (ptrdiff_t)q * y_q_stride * (ptrdiff_t)oes;
                    for (size_t j = 0; j < c1 - c0; j++) {
                        const double v = ob[j * K + q];
                        mwk_store_f64(&v, p->out_dtype, 1, yq + (ptrdiff_t)j * y_stride * (ptrdiff_t)oes, 1);
                    }
                }
            }
        }
        free(ob);
        mwk_by_work_free(&wk);
    }
    (void)threads;
    free(xc);
    free(kc);
    return (mwk_status)atomic_load(&status);
}
