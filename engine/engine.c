/* The window engine: validation, the row driver shared by every statistic and
 * algorithm, and the batch (2-D, OpenMP) front end.
 *
 * Flow of one work item (a segment of one row's full windows; item 0 of a
 * row also does the clipped windows at both ends):
 *   1. a contiguous float64 view of the stretch of input it reads (the input
 *      itself when it is contiguous float64, else a converted copy);
 *   2. the algorithm's core computes the full windows straight into the
 *      output (or a float64 staging row);
 *   3. if the core asks for it, the non-finite rules of the statistic's class
 *      (engine.h) are applied with per-window NaN/+inf/-inf counts, and
 *      windows whose finite data overflowed are recomputed by the reference;
 *   4. the clipped windows at the ends (trailing, centered, and every window
 *      when a long window is clipped) come from the statistic's accumulator
 *      growing from the edge: O(w), accurate by construction;
 *   5. conversion to the output dtype and stride (float32 rounds once).
 *
 * Output k of a row covers x[k - left, k + right] clipped to [0, n), with
 * (left, right) = (w-1, 0) trailing, (w/2, (w-1)/2) centered, (0, w-1) valid.
 */
#include "engine.h"

#include <math.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mwk_config.h"
#include "threads/threads.h"
#if MWK_HAVE_OPENMP
#include <omp.h>
#endif

/* Outputs larger than this (in bytes, whole call) may be written with
 * non-temporal stores: they cannot stay in cache anyway. */
#define ENGINE_STREAM_BYTES ((size_t)8 << 20)

/* Below this many elements in a batch, threads cost more than they save. */
#define ENGINE_MIN_PARALLEL_ELEMS ((size_t)1 << 16)

typedef mwk_plan plan;
typedef mwk_scratch scratch;

/* ------------------------------------------------------------------------ */
/* Small helpers                                                            */

void *mwk_aligned_alloc(size_t bytes) {
    if (bytes == 0) bytes = 64;
    if (bytes > SIZE_MAX - 63) return NULL;
    return aligned_alloc(64, (bytes + 63) & ~(size_t)63);
}
void mwk_aligned_free(void *p) { free(p); }

static size_t min_sz(size_t a, size_t b) { return a < b ? a : b; }
static size_t uabs(ptrdiff_t v) { return (size_t)(v < 0 ? -v : v); }

/* Known sizes of mwk_options and mwk_params, oldest first: a caller passes
 * the size of the version it was compiled against. */
static const size_t OPTIONS_SIZES[] = {offsetof(mwk_options, long_window), sizeof(mwk_options)};
static const size_t PARAMS_SIZES[] = {offsetof(mwk_params, quantile), sizeof(mwk_params)};

static int known_size(size_t s, const size_t *sizes, size_t count) {
    for (size_t i = 0; i < count; i++)
        if (s == sizes[i]) return 1;
    return 0;
}

/* Copies the caller's prefix over the defaults. */
static mwk_status read_options(const mwk_options *in, mwk_options *out) {
    mwk_options_init(out);
    if (!in) return MWK_OK;
    if (!known_size(in->struct_size, OPTIONS_SIZES, sizeof OPTIONS_SIZES / sizeof OPTIONS_SIZES[0]))
        return MWK_E_OPTIONS;
    memcpy(out, in, in->struct_size);
    out->struct_size = sizeof *out;
    return MWK_OK;
}

static mwk_status read_params(const mwk_params *in, mwk_params *out) {
    mwk_params_init(out);
    if (!in) return MWK_OK;
    if (!known_size(in->struct_size, PARAMS_SIZES, sizeof PARAMS_SIZES / sizeof PARAMS_SIZES[0]))
        return MWK_E_PARAMS;
    memcpy(out, in, in->struct_size);
    out->struct_size = sizeof *out;
    return MWK_OK;
}

mwk_status mwk_engine_params(const mwk_params *in, mwk_params *out) { return read_params(in, out); }

static mwk_dtype out_dtype_of(const mwk_stat_desc *d, mwk_dtype in) {
    return d->keeps_f32 && (in == MWK_F32 || in == MWK_F16) ? MWK_F32 : MWK_F64;
}

mwk_status mwk_move_out_dtype(mwk_stat stat, mwk_dtype in, mwk_dtype *out) {
    if (!out) return MWK_E_NULL;
    const mwk_stat_desc *d = mwk_registry_get(stat);
    if (!d) return MWK_E_STAT;
    if (!mwk_dtype_valid(in)) return MWK_E_DTYPE;
    *out = out_dtype_of(d, in);
    return MWK_OK;
}

static mwk_status geometry(size_t n, size_t w, mwk_align align, mwk_long_window lw, size_t *out_len) {
    if ((unsigned)align > (unsigned)MWK_ALIGN_CENTERED) return MWK_E_ALIGN;
    if ((unsigned)lw > (unsigned)MWK_LONG_WINDOW_CLIP) return MWK_E_OPTIONS;
    if (w == 0) return MWK_E_WINDOW;
    if (w > n && lw == MWK_LONG_WINDOW_ERROR) return MWK_E_WINDOW_TOO_LONG;
    if (align == MWK_ALIGN_VALID)
        *out_len = w > n ? 0 : n - w + 1;
    else
        *out_len = n;
    return MWK_OK;
}

mwk_status mwk_move_len(size_t n, size_t window, const mwk_options *opt, size_t *out_len) {
    if (!out_len) return MWK_E_NULL;
    mwk_options o;
    mwk_status st = read_options(opt, &o);
    if (st != MWK_OK) return st;
    return geometry(n, window, o.align, o.long_window, out_len);
}

static mwk_algorithm auto_choose(const mwk_stat_desc *d, const mwk_target *t, size_t w) {
    for (size_t i = 0; i < d->n_rules; i++) {
        const mwk_auto_rule *r = &d->rules[i];
        if (strcmp(r->target, "*") != 0 && strcmp(r->target, t->name) != 0) continue;
        if (w <= r->max_window) {
            const mwk_algo_desc *a = mwk_registry_algo(d, r->algorithm);
            if (a && mwk_algo_available(a) && !(a->flags & MWK_AF_NO_AUTO)) return r->algorithm;
        }
    }
    return d->auto_default;
}

/* ------------------------------------------------------------------------ */
/* Validation                                                               */

/* |(count-1) * stride| * esize with overflow detection. */
static int mul_extent(size_t count, ptrdiff_t stride, size_t esize, size_t *out) {
    if (count <= 1) {
        *out = 0;
        return 1;
    }
    if (stride == PTRDIFF_MIN) return 0;
    size_t s = uabs(stride);
    size_t c = count - 1;
    if (s && c > SIZE_MAX / s) return 0;
    size_t e = c * s;
    if (e && esize > SIZE_MAX / e) return 0;
    *out = e * esize;
    return 1;
}

typedef struct {
    uintptr_t lo, hi; /* inclusive byte range */
} span;

static int array_span(const void *base, size_t rows, ptrdiff_t rs, size_t cols, ptrdiff_t cs,
                      size_t esize, span *out) {
    size_t er, ec;
    if (!mul_extent(rows, rs, esize, &er) || !mul_extent(cols, cs, esize, &ec)) return 0;
    if (er > (size_t)PTRDIFF_MAX || ec > (size_t)PTRDIFF_MAX - er ||
        er + ec > (size_t)PTRDIFF_MAX - esize)
        return 0;
    uintptr_t b = (uintptr_t)base;
    uintptr_t below = (rs < 0 ? er : 0) + (cs < 0 ? ec : 0);
    uintptr_t above = (rs > 0 ? er : 0) + (cs > 0 ? ec : 0) + esize - 1;
    if (below > b || above > UINTPTR_MAX - b) return 0;
    out->lo = b - below;
    out->hi = b + above;
    return 1;
}

static mwk_status resolve(const mwk_stat_desc *d, const mwk_params *params, mwk_dtype dtype,
                          size_t n, size_t window, const mwk_options *opt_in, plan *p) {
    memset(p, 0, sizeof *p);
    if (!d) return MWK_E_STAT;
    mwk_options opt;
    mwk_status st = read_options(opt_in, &opt);
    if (st != MWK_OK) return st;
    if ((st = read_params(params, &p->params)) != MWK_OK) return st;
    if (d->check && (st = d->check(&p->params)) != MWK_OK) return st;
    if (!mwk_dtype_valid(dtype)) return MWK_E_DTYPE;
    if ((unsigned)opt.algorithm >= (unsigned)MWK_ALGO_COUNT) return MWK_E_ALGORITHM;
    if ((unsigned)opt.nan_policy > (unsigned)MWK_NAN_PROPAGATE) return MWK_E_NAN_POLICY;
    if ((st = geometry(n, window, opt.align, opt.long_window, &p->out_len)) != MWK_OK) return st;
    /* Taps belong to one window length (n_weights 0: a boxcar of any). */
    if ((d->params & MWK_PARAM_WEIGHTS) && p->params.n_weights && p->params.n_weights != window)
        return MWK_E_PARAMS;
    size_t mc = opt.min_count == MWK_MIN_COUNT_WINDOW ? window : opt.min_count;
    if (mc == 0 || mc > window) return MWK_E_MIN_COUNT;
    if (opt.threads < 0) return MWK_E_THREADS;
    int threads = opt.threads;
    if (threads == 0 && mwk_threads_default(&threads) != MWK_OK) return MWK_E_THREADS;
    if ((st = mwk_target_resolve(opt.target, &p->target)) != MWK_OK) return st;
    mwk_algorithm a = opt.algorithm;
    if (a != MWK_ALGO_AUTO) {
        const mwk_algo_desc *ad = mwk_registry_algo(d, a);
        if (!ad) return MWK_E_ALGORITHM;
        if (!mwk_algo_available(ad)) return MWK_E_UNAVAILABLE;
    } else {
        a = auto_choose(d, &p->target, window);
    }
    p->stat = d;
    p->k = d->n_out ? d->n_out(&p->params) : 1;
    if (p->k == 0) return MWK_E_INTERNAL;
    p->algo = mwk_registry_algo(d, a);
    if (!p->algo) return MWK_E_INTERNAL;
    p->dtype = dtype;
    p->out_dtype = out_dtype_of(d, dtype);
    p->align = opt.align;
    p->policy = opt.nan_policy;
    p->n = n;
    p->w = window;
    p->min_count = mc;
    p->threads = threads;
    switch (opt.align) {
    case MWK_ALIGN_TRAILING: p->left = window - 1, p->right = 0; break;
    case MWK_ALIGN_CENTERED: p->left = window / 2, p->right = (window - 1) / 2; break;
    case MWK_ALIGN_VALID: p->left = 0, p->right = window - 1; break;
    }
    p->m = window > n ? 0 : n - window + 1;
    if (p->align == MWK_ALIGN_VALID) {
        p->nh = p->nt = 0;
    } else if (p->m == 0) {
        /* Every window clipped: those that start at 0 grow from the head,
         * the others shrink towards the tail. */
        p->nh = min_sz(p->left, n);
        p->nt = n - p->nh;
    } else {
        p->nh = p->left;
        p->nt = p->right;
    }
    return MWK_OK;
}

mwk_status mwk_engine_resolve(const mwk_stat_desc *d, const mwk_params *params, mwk_dtype dtype,
                              size_t n, size_t window, const mwk_options *opt, mwk_plan *p) {
    return resolve(d, params, dtype, n, window, opt, p);
}

mwk_status mwk_engine_options(const mwk_options *in, mwk_options *out) { return read_options(in, out); }

/* Span of a 3-D output (rows, out_len, k): the k axis widens the 2-D span. */
static int out_span(const void *y, size_t rows, ptrdiff_t yrs, size_t L, ptrdiff_t ys, size_t k,
                    ptrdiff_t yqs, size_t esize, span *out) {
    if (!array_span(y, rows, yrs, L, ys, esize, out)) return 0;
    if (k <= 1) return 1;
    size_t eq;
    if (!mul_extent(k, yqs, esize, &eq) || eq > (size_t)PTRDIFF_MAX) return 0;
    if (yqs < 0) {
        if (eq > out->lo) return 0;
        out->lo -= eq;
    } else {
        if (eq > UINTPTR_MAX - out->hi) return 0;
        out->hi += eq;
    }
    return 1;
}

/* Sufficient condition for distinct addresses of an (a x b x c) strided
 * array: sorted by |stride|, each stride steps over the extent of the
 * smaller ones. */
static int no_self_overlap3(const size_t cnt[3], const ptrdiff_t str[3]) {
    size_t c[3], s[3], m = 0;
    for (int i = 0; i < 3; i++)
        if (cnt[i] > 1) c[m] = cnt[i], s[m] = uabs(str[i]), m++;
    for (size_t i = 1; i < m; i++)
        for (size_t j = i; j > 0 && s[j] < s[j - 1]; j--) {
            size_t t = s[j]; s[j] = s[j - 1]; s[j - 1] = t;
            t = c[j]; c[j] = c[j - 1]; c[j - 1] = t;
        }
    size_t ext = 0; /* extent of the smaller axes, in elements */
    for (size_t i = 0; i < m; i++) {
        if (s[i] == 0 || s[i] <= ext) return 0;
        if (c[i] - 1 > (SIZE_MAX - ext) / s[i]) return 0;
        ext += s[i] * (c[i] - 1);
    }
    return 1;
}

mwk_status mwk_engine_check_io(const plan *p, const void *x, size_t rows, size_t n,
                               ptrdiff_t xrs, ptrdiff_t xs, const void *y, size_t L,
                               ptrdiff_t yrs, ptrdiff_t ys, ptrdiff_t yqs) {
    span sx, sy;
    const size_t oes = mwk_dtype_size(p->out_dtype);
    if (n && !array_span(x, rows ? rows : 1, xrs, n, xs, mwk_dtype_size(p->dtype), &sx))
        return MWK_E_OVERFLOW;
    if (L && !out_span(y, rows ? rows : 1, yrs, L, ys, p->k, yqs, oes, &sy)) return MWK_E_OVERFLOW;
    if (rows == 0 || L == 0 || n == 0) return MWK_OK;
    if (!(sy.hi < sx.lo || sx.hi < sy.lo)) return MWK_E_OVERLAP;
    /* The output must not overlap itself: outputs would overwrite each other
     * in an order that depends on threads. Conservative for 2-D: one stride
     * must step over the whole extent of the other. */
    if (p->k > 1) {
        const size_t cnt[3] = {rows, L, p->k};
        const ptrdiff_t str[3] = {yrs, ys, yqs};
        return no_self_overlap3(cnt, str) ? MWK_OK : MWK_E_OVERLAP;
    }
    if (L > 1 && ys == 0) return MWK_E_OVERLAP;
    if (rows > 1 && yrs == 0) return MWK_E_OVERLAP;
    if (rows > 1 && L > 1 && !(uabs(yrs) >= L * uabs(ys) || uabs(ys) >= rows * uabs(yrs)))
        return MWK_E_OVERLAP;
    return MWK_OK;
}

static mwk_status validate(const mwk_stat_desc *d, const mwk_params *params, const void *x,
                           mwk_dtype dtype, size_t rows, size_t n, ptrdiff_t xrs, ptrdiff_t xs,
                           const void *y, ptrdiff_t yrs, ptrdiff_t ys, ptrdiff_t yqs,
                           size_t window, const mwk_options *opt, plan *p) {
    if (!x || !y) return MWK_E_NULL;
    mwk_status st = resolve(d, params, dtype, n, window, opt, p);
    if (st != MWK_OK) return st;
    span sx, sy;
    const size_t oes = mwk_dtype_size(p->out_dtype);
    if (!array_span(x, rows ? rows : 1, xrs, n, xs, mwk_dtype_size(dtype), &sx) ||
        !out_span(y, rows ? rows : 1, yrs, p->out_len, ys, p->k, yqs, oes, &sy))
        return MWK_E_OVERFLOW;
    p->stream = (sy.hi - sy.lo) >= ENGINE_STREAM_BYTES;
    return mwk_engine_check_io(p, x, rows, n, xrs, xs, y, p->out_len, yrs, ys, yqs);
}

/* ------------------------------------------------------------------------ */
/* Non-finite rules                                                         */

typedef struct {
    size_t nan, pinf, ninf;
} counts;

static void count_add(counts *c, double v) {
    c->nan += isnan(v) != 0, c->pinf += v == INFINITY, c->ninf += v == -INFINITY;
}
static void count_sub(counts *c, double v) {
    c->nan -= isnan(v) != 0, c->pinf -= v == INFINITY, c->ninf -= v == -INFINITY;
}

/* The result of a window of `len` values with counts c, given v (a masked
 * core's or accumulator's value). x[lo, lo+len) is the window, for the
 * reference when finite data overflowed. */
static double finish(const plan *p, double v, size_t len, const counts *c, const double *x,
                     size_t lo) {
    const mwk_stat_desc *d = p->stat;
    const size_t count = len - c->nan;
    if (p->policy == MWK_NAN_PROPAGATE && c->nan) return NAN;
    if (count < p->min_count || count == 0) return NAN;
    double r;
    switch (d->nf) {
    case MWK_NF_SUM:
        if (c->pinf && c->ninf) return NAN;
        if (c->pinf) return INFINITY;
        if (c->ninf) return -INFINITY;
        r = d->finalize ? d->finalize(v, count, &p->params) : v;
        break;
    case MWK_NF_MOMENTS:
        if (c->pinf || c->ninf) return NAN;
        r = d->finalize ? d->finalize(v, count, &p->params) : v;
        break;
    default:
        return d->finalize ? d->finalize(v, count, &p->params) : v;
    }
    /* Finite data whose intermediate overflowed: the reference scales. */
    if (!isfinite(r)) r = d->ref(x, lo, lo + len, &p->params, p->policy, p->min_count);
    return r;
}

/* ------------------------------------------------------------------------ */
/* Full windows of one segment                                              */

static mwk_seg make_seg(const plan *p, const double *x, size_t n, double *out, int stream,
                        scratch *sc) {
    mwk_seg s;
    s.stat = p->stat;
    s.x = x, s.n = n, s.w = p->w, s.out = out;
    s.params = &p->params;
    s.target = p->target;
    s.policy = p->policy;
    s.min_count = p->min_count;
    s.k = p->k;
    s.valid_lo = 0, s.valid_hi = n;
    s.masked = 0;
    s.stream = stream;
    s.scratch = sc->algo;
    s.err = MWK_OK;
    return s;
}

static mwk_status full_windows(const plan *p, const double *x, size_t n, double *out, int stream,
                               scratch *sc) {
    const size_t w = p->w, m = n - w + 1;
    mwk_seg s = make_seg(p, x, n, out, stream, sc);
    int r = p->algo->core(&s);
    if (r < 0) return s.err;
    if (r == 0 || (p->algo->flags & MWK_AF_FINAL)) return MWK_OK;

    const size_t K = p->k;
    /* Local algorithms (a grid): a window without NaN/inf keeps its fast-path
     * value (when finite), so that its result never depends on a non-finite
     * value elsewhere in the segment (streams rely on it). Rescue path only. */
    double *keep = NULL;
    if (p->algo->grid && p->stat->nf != MWK_NF_ORDER) {
        if (!sc->yf && !(sc->yf = malloc((sc->cap_x ? sc->cap_x : 1) * K * sizeof(double))))
            return MWK_E_NOMEM;
        keep = sc->yf;
        memcpy(keep, out, m * K * sizeof(double));
    }
    if (p->stat->nf != MWK_NF_ORDER) {
        if (!sc->xs && !(sc->xs = malloc(sc->cap_x * sizeof(double)))) return MWK_E_NOMEM;
        double *xs = sc->xs;
        const double fill = p->stat->nf == MWK_NF_SUM ? 0.0 : NAN;
        for (size_t i = 0; i < n; i++) xs[i] = isfinite(x[i]) ? x[i] : fill;
        s = make_seg(p, xs, n, out, stream, sc);
        s.masked = 1;
        r = p->algo->core(&s);
        if (r < 0) return s.err;
        if (r > 0 && (p->algo->flags & MWK_AF_PARTIAL)) {
            /* A running state stopped (overflow): redo the segment with the
             * statistic's block form, whose windows are independent. */
            s = make_seg(p, xs, n, out, stream, sc);
            s.masked = 1;
            s.scratch = NULL;
            if (p->stat->masked_fallback(&s) < 0) return s.err;
        }
    }
    counts c = {0, 0, 0};
    for (size_t i = 0; i < w; i++) count_add(&c, x[i]);
    for (size_t j = 0;; j++) {
        int fast = 0;
        if (keep && !c.nan && !c.pinf && !c.ninf) {
            fast = 1;
            for (size_t q = 0; q < K; q++) fast &= isfinite(keep[j * K + q]) != 0;
        }
        if (fast)
            memcpy(out + j * K, keep + j * K, K * sizeof(double));
        else
            for (size_t q = 0; q < K; q++) out[j * K + q] = finish(p, out[j * K + q], w, &c, x, j);
        if (j + 1 == m) break;
        count_add(&c, x[j + w]);
        count_sub(&c, x[j]);
    }
    return MWK_OK;
}

/* ------------------------------------------------------------------------ */
/* Clipped windows                                                          */

typedef struct {
    mwk_acc a;
    counts c;
    size_t len;
} edge_acc;

static void edge_add(const plan *p, edge_acc *e, double v, size_t idx) {
    e->len++;
    count_add(&e->c, v);
    if (isnan(v)) return;
    if (isinf(v) && p->stat->nf != MWK_NF_ORDER) return;
    p->stat->acc_add(&e->a, v, idx);
}

static double edge_value(const plan *p, const edge_acc *e, const double *x, size_t lo,
                         size_t newest) {
    const size_t count = e->len - e->c.nan - (p->stat->nf == MWK_NF_ORDER ? 0 : e->c.pinf + e->c.ninf);
    const double v = p->stat->acc_value(&e->a, count, newest, &p->params);
    return finish(p, v, e->len, &e->c, x, lo);
}

int mwk_all_finite(const double *x, size_t len) {
    double acc = 0.0;
    for (size_t i = 0; i < len; i++) acc += x[i] * 0.0; /* NaN iff some x is not finite */
    return acc == acc;
}

/* A window of `len` values, all finite, whose fast-path result is v. */
static double edge_fast_fix(const plan *p, double v, size_t len, const double *x, size_t lo) {
    if (len < p->min_count) return NAN;
    if (!isfinite(v) && p->stat->nf != MWK_NF_ORDER)
        v = p->stat->ref(x, lo, lo + len, &p->params, p->policy, p->min_count);
    return v;
}

/* Head outputs k < nh: windows x[0, R_k), R_k = min(n, k + right + 1), from
 * xh = x[0, min(n, nh + right)). Indices passed to the accumulator are row
 * indices. `tmp`: scratch of len doubles (or NULL: the slow path). */
static void edges_head(const plan *p, const double *xh, double *yh, double *tmp) {
    const size_t len = min_sz(p->n, p->nh + p->right);
    if (p->stat->acc_scan && tmp && mwk_all_finite(xh, len)) {
        p->stat->acc_scan(xh, len, 0, &p->params, tmp);
        for (size_t i = 0; i < p->nh; i++) {
            const size_t R = min_sz(p->n, i + p->right + 1);
            yh[i] = edge_fast_fix(p, tmp[R - 1], R, xh, 0);
        }
        return;
    }
    edge_acc e;
    memset(&e, 0, sizeof e);
    p->stat->acc_init(&e.a);
    size_t k = 0;
    for (size_t i = 0; i < p->nh; i++) {
        const size_t R = min_sz(p->n, i + p->right + 1);
        while (k < R) edge_add(p, &e, xh[k], k), k++;
        yh[i] = edge_value(p, &e, xh, 0, R - 1);
    }
}

/* Tail outputs k in [n_out - nt, n_out): windows x[L_k, n), L_k = k - left,
 * from xt = x[t0, n) with t0 = the smallest L_k. */
static void edges_tail(const plan *p, const double *xt, size_t t0, double *yt, double *tmp) {
    const size_t first = p->out_len - p->nt, len = p->n - t0;
    if (p->stat->acc_scan && tmp && mwk_all_finite(xt, len)) {
        p->stat->acc_scan(xt, len, 1, &p->params, tmp);
        for (size_t t = 0; t < p->nt; t++) {
            const size_t L = first + t - p->left, size = p->n - L;
            yt[t] = edge_fast_fix(p, tmp[size - 1], size, xt, L - t0);
        }
        return;
    }
    edge_acc e;
    memset(&e, 0, sizeof e);
    p->stat->acc_init(&e.a);
    size_t k = p->n; /* row index of the next value to add, going down */
    for (size_t t = p->nt; t-- > 0;) {
        const size_t L = first + t - p->left;
        while (k > L) k--, edge_add(p, &e, xt[k - t0], k);
        yt[t] = edge_value(p, &e, xt, L - t0, p->n - 1);
    }
}

/* How far a padded clipped window reaches on one side: at most n - 1 (the
 * same clipped windows, O(n) per row for a long window), except for
 * weighted statistics, whose taps are tied to positions in the full window. */
static size_t edge_reach(const plan *p, size_t side) {
    return (p->stat->params & MWK_PARAM_WEIGHTS) ? side : min_sz(side, p->n - 1);
}

/* Clipped windows of a statistic without an accumulator (acc_add NULL):
 * the algorithm's own core over the windows padded with NaN to full length.
 * Outputs [k0, k0 + cnt) of the row; out gets k values per output. Windows
 * longer than the row are shortened on each side to n - 1 first (the same
 * clipped windows), so a long window costs O(n), not O(w), per row. */
static mwk_status edges_padded(const plan *p, const double *xv, size_t x0, size_t xlen, size_t k0,
                               size_t cnt, double *out, scratch *sc) {
    const size_t left = edge_reach(p, p->left), right = edge_reach(p, p->right);
    const size_t w = left + right + 1, len = cnt + w - 1;
    /* Input index of P[0]: k0 - left (may be negative: padding). */
    const ptrdiff_t base = (ptrdiff_t)k0 - (ptrdiff_t)left;
    double *P = sc->xp, *Y = sc->yp;
    size_t vlo = len, vhi = 0;
    for (size_t j = 0; j < len; j++) {
        const ptrdiff_t i = base + (ptrdiff_t)j;
        if (i >= (ptrdiff_t)x0 && (size_t)i < x0 + xlen) {
            P[j] = xv[(size_t)i - x0];
            if (j < vlo) vlo = j;
            vhi = j + 1;
        } else {
            P[j] = NAN;
        }
    }
    mwk_seg s;
    s.stat = p->stat;
    s.x = P, s.n = len, s.w = w, s.out = Y;
    s.params = &p->params;
    s.target = p->target;
    s.policy = p->policy;
    s.min_count = p->min_count;
    s.k = p->k;
    s.valid_lo = vlo, s.valid_hi = vhi;
    s.masked = 0;
    s.stream = 0;
    s.scratch = sc->ealgo;
    s.err = MWK_OK;
    if (p->algo->core(&s) < 0) return s.err;
    /* Counts over the real values of each window (padding is not a NaN of
     * the data: it must not trigger the propagate policy). */
    const size_t K = p->k;
    counts c = {0, 0, 0};
    size_t a = vlo, b = vlo; /* c counts P[a, b) */
    for (size_t j = 0; j < cnt; j++) {
        const size_t lo = j > vlo ? j : vlo, hi = j + w < vhi ? j + w : vhi;
        while (b < hi) count_add(&c, P[b++]);
        while (a < lo) count_sub(&c, P[a++]);
        for (size_t q = 0; q < K; q++) out[j * K + q] = finish(p, Y[j * K + q], hi - lo, &c, P, lo);
    }
    return MWK_OK;
}

/* ------------------------------------------------------------------------ */
/* Rows                                                                     */

/* Rows are processed in segments of a fixed number of full windows. The
 * segment size depends only on w, so results never depend on the thread
 * count; segments bound the scratch memory of converted or strided rows, and
 * let one long row use several threads. */
static size_t segment_outputs(size_t w) {
    const size_t base = (size_t)1 << 16;
    return base > 8 * w ? base : 8 * w;
}

typedef mwk_row_io row_io;

size_t mwk_engine_segment_outputs(size_t w) { return segment_outputs(w); }

size_t mwk_grid_vector(size_t w) {
    (void)w;
    return 64;
}
size_t mwk_grid_window(size_t w) { return w; }

static int direct_in(const plan *p, const row_io *io) { return p->dtype == MWK_F64 && io->xs == 1; }
static int direct_out(const plan *p, const row_io *io) {
    /* k values per position: the engine's own layout (j*k + q) is the
     * caller's when they are adjacent and positions k apart. */
    return p->out_dtype == MWK_F64 && io->ys == (ptrdiff_t)p->k && (p->k == 1 || io->yqs == 1);
}

/* Input elements [k0, k0+len) of the row as contiguous float64. */
static const double *row_input(const plan *p, const row_io *io, size_t k0, size_t len, scratch *sc) {
    const char *base =
        io->x + (ptrdiff_t)(k0 - io->x0) * io->xs * (ptrdiff_t)mwk_dtype_size(p->dtype);
    if (direct_in(p, io)) return (const double *)base;
    mwk_load_f64(base, p->dtype, len, io->xs, sc->xr);
    return sc->xr;
}

static double *row_output(const plan *p, const row_io *io, size_t k0, scratch *sc) {
    return direct_out(p, io) ? (double *)io->y + (k0 - io->y0) * p->k : sc->yr;
}

static void row_commit(const plan *p, const row_io *io, size_t k0, size_t len, const double *yr,
                       scratch *sc) {
    if (direct_out(p, io)) return;
    const ptrdiff_t es = (ptrdiff_t)mwk_dtype_size(p->out_dtype);
    char *base = io->y + (ptrdiff_t)(k0 - io->y0) * io->ys * es;
    if (p->k == 1) {
        mwk_store_f64(yr, p->out_dtype, len, base, io->ys);
        return;
    }
    /* k values per position. Adjacent values (yqs 1, float64): one copy per
     * position, in the order they lie in memory (the per-value gather below
     * touches every cache line k times: 3x the cost of a FIR bank's fft). */
    if (io->yqs == 1 && p->out_dtype == MWK_F64) {
        for (size_t j = 0; j < len; j++)
            memcpy(base + (ptrdiff_t)j * io->ys * es, yr + j * p->k, p->k * sizeof(double));
        return;
    }
    for (size_t q = 0; q < p->k; q++) {
        for (size_t j = 0; j < len; j++) sc->col[j] = yr[j * p->k + q];
        mwk_store_f64(sc->col, p->out_dtype, len, base + (ptrdiff_t)q * io->yqs * es, io->ys);
    }
}

/* Outputs [k0, k1) from the raw integers when the input stretch [x0,
 * x0 + len) that they read holds an int64/uint64 the float64 row would
 * round (statistics with raw_int only). Returns 1 when it did them. The
 * check reads only the stretch the work item reads anyway. raw_int's
 * results equal the float64 path's wherever that one is exact, so the
 * choice per stretch never shows. */
static int raw_int_range(const plan *p, const row_io *io, size_t x0, size_t len, size_t k0,
                         size_t k1) {
    if (!p->stat->raw_int || !(p->dtype == MWK_I64 || p->dtype == MWK_U64)) return 0;
    const uint64_t lim = (uint64_t)1 << 53;
    int big = 0;
    for (size_t i = x0; i < x0 + len && !big; i++) {
        const char *e = io->x + (ptrdiff_t)(i - io->x0) * io->xs * 8;
        if (p->dtype == MWK_I64) {
            int64_t v;
            memcpy(&v, e, 8);
            big = v > (int64_t)lim || v < -(int64_t)lim;
        } else {
            uint64_t v;
            memcpy(&v, e, 8);
            big = v > lim;
        }
    }
    if (!big) return 0;
    /* The view's coordinates: output k covers view inputs [k-x0-left,
     * k-x0+right], clipped to the view (the row's own clipping wherever the
     * view reaches the row's ends). */
    p->stat->raw_int(io->x, p->dtype, io->xs, io->xn, p->left, p->right, k0 - io->x0,
                     k1 - io->x0, p->min_count,
                     (double *)(io->y + (ptrdiff_t)(k0 - io->y0) * io->ys * 8), io->ys);
    return 1;
}

mwk_status mwk_engine_full(const plan *p, const row_io *io, size_t j0, size_t j1, int stream,
                           scratch *sc) {
    const size_t L = j1 - j0 + p->w - 1;
    if (raw_int_range(p, io, j0, L, p->nh + j0, p->nh + j1)) return MWK_OK;
    const double *xr = row_input(p, io, j0, L, sc);
    double *yr = row_output(p, io, p->nh + j0, sc);
    mwk_status st = full_windows(p, xr, L, yr, stream && direct_out(p, io), sc);
    if (st != MWK_OK) return st;
    row_commit(p, io, p->nh + j0, j1 - j0, yr, sc);
    return MWK_OK;
}

/* The fast edge path needs a buffer as long as an edge stretch: the
 * masked-copy scratch (cap_x >= that length), allocated once per thread. */
static double *edge_tmp(const plan *p, scratch *sc) {
    if (!p->stat->acc_scan) return NULL;
    if (!sc->xs) sc->xs = malloc((sc->cap_x ? sc->cap_x : 1) * sizeof(double));
    return sc->xs; /* NULL (no memory): the slow path, which needs none */
}

mwk_status mwk_engine_head(const plan *p, const row_io *io, scratch *sc) {
    const size_t len = min_sz(p->n, p->nh + p->right);
    if (!p->nh || raw_int_range(p, io, 0, len, 0, p->nh)) return MWK_OK;
    const double *xh = row_input(p, io, 0, len, sc);
    double *yh = row_output(p, io, 0, sc);
    if (p->stat->acc_add) {
        edges_head(p, xh, yh, edge_tmp(p, sc));
    } else {
        mwk_status st = edges_padded(p, xh, 0, len, 0, p->nh, yh, sc);
        if (st != MWK_OK) return st;
    }
    row_commit(p, io, 0, p->nh, yh, sc);
    return MWK_OK;
}

mwk_status mwk_engine_tail(const plan *p, const row_io *io, scratch *sc) {
    const size_t n = p->n;
    const size_t t0 = p->out_len - p->nt - p->left; /* first input of the tail windows */
    if (!p->nt || raw_int_range(p, io, t0, n - t0, p->out_len - p->nt, p->out_len)) return MWK_OK;
    const double *xt = row_input(p, io, t0, n - t0, sc);
    double *yt = row_output(p, io, p->out_len - p->nt, sc);
    if (p->stat->acc_add) {
        edges_tail(p, xt, t0, yt, edge_tmp(p, sc));
    } else {
        mwk_status st = edges_padded(p, xt, t0, n - t0, p->out_len - p->nt, p->nt, yt, sc);
        if (st != MWK_OK) return st;
    }
    row_commit(p, io, p->out_len - p->nt, p->nt, yt, sc);
    return MWK_OK;
}

static mwk_status run_item(const plan *p, const row_io *io, size_t seg, scratch *sc) {
    const size_t w = p->w, m = p->m;
    if (m > 0) {
        const size_t S = segment_outputs(w);
        const size_t j0 = seg * S, j1 = j0 + S < m ? j0 + S : m;
        mwk_status st = mwk_engine_full(p, io, j0, j1, p->stream, sc);
        if (st != MWK_OK) return st;
    }
    if (seg != 0) return MWK_OK;
    mwk_status st = mwk_engine_head(p, io, sc);
    if (st != MWK_OK) return st;
    return mwk_engine_tail(p, io, sc);
}

mwk_status mwk_engine_scratch_init(const plan *p, ptrdiff_t xs, ptrdiff_t ys, scratch *sc) {
    memset(sc, 0, sizeof *sc);
    const size_t n = p->n, w = p->w;
    size_t seg_in = 0, seg_out = 0;
    if (p->m > 0) {
        const size_t S = segment_outputs(w);
        seg_out = min_sz(S, p->m);
        seg_in = seg_out + w - 1;
    }
    /* Edge stretches: the head reads x[0, nh + right), the tail x[t0, n). */
    const size_t edge_in = min_sz(n, (w > n ? n : w) + 1);
    sc->cap_x = seg_in > edge_in ? seg_in : edge_in;
    if (sc->cap_x > n) sc->cap_x = n;
    const size_t edge_out = p->nh > p->nt ? p->nh : p->nt;
    const size_t cap_y = seg_out > edge_out ? seg_out : edge_out;
    if (!(p->dtype == MWK_F64 && xs == 1) && !(sc->xr = malloc((sc->cap_x ? sc->cap_x : 1) * sizeof(double))))
        return MWK_E_NOMEM;
    const size_t K = p->k; /* k * cap_y values fit: they are part of the caller's output */
    if (!(p->out_dtype == MWK_F64 && ys == 1 && K == 1) &&
        !(sc->yr = malloc((cap_y ? cap_y * K : 1) * sizeof(double))))
        return MWK_E_NOMEM;
    if (K > 1 && !(sc->col = malloc((cap_y ? cap_y : 1) * sizeof(double)))) return MWK_E_NOMEM;
    if (p->m > 0 && p->algo->scratch_bytes) {
        const size_t b = p->algo->scratch_bytes(seg_in, w);
        if (b && !(sc->algo = mwk_aligned_alloc(b))) return MWK_E_NOMEM;
        /* Documented for cores: the first 64 bytes start zeroed (room for a
         * cache header, e.g. fft's box spectrum key). */
        if (b) memset(sc->algo, 0, b < 64 ? b : 64);
    }
    if (!p->stat->acc_add && edge_out > 0) {
        /* edges_padded: edge_out windows of w' = left' + right' + 1 values. */
        const size_t we = edge_reach(p, p->left) + edge_reach(p, p->right) + 1;
        const size_t len = edge_out + we - 1;
        if (!(sc->xp = malloc(len * sizeof(double))) ||
            !(sc->yp = malloc(edge_out * K * sizeof(double))))
            return MWK_E_NOMEM;
        if (p->algo->scratch_bytes) {
            const size_t b = p->algo->scratch_bytes(len, we);
            if (b && !(sc->ealgo = mwk_aligned_alloc(b))) return MWK_E_NOMEM;
            if (b) memset(sc->ealgo, 0, b < 64 ? b : 64);
        }
    }
    return MWK_OK;
}

void mwk_engine_scratch_free(scratch *sc) {
    free(sc->xr);
    free(sc->yr);
    free(sc->xs);
    free(sc->yf);
    free(sc->xp);
    free(sc->yp);
    free(sc->col);
    mwk_aligned_free(sc->algo);
    mwk_aligned_free(sc->ealgo);
}

/* ------------------------------------------------------------------------ */
/* Entry points                                                             */

mwk_status mwk_engine_batch(const mwk_stat_desc *d, const mwk_params *params, const void *x,
                            mwk_dtype dtype, size_t rows, size_t n, ptrdiff_t x_row_stride,
                            ptrdiff_t x_stride, void *y, ptrdiff_t y_row_stride,
                            ptrdiff_t y_stride, ptrdiff_t y_q_stride, size_t window,
                            const mwk_options *opt) {
    plan p;
    mwk_status st = validate(d, params, x, dtype, rows, n, x_row_stride, x_stride, y,
                             y_row_stride, y_stride, y_q_stride, window, opt, &p);
    if (st != MWK_OK || rows == 0 || p.out_len == 0) return st;
    const size_t xes = mwk_dtype_size(dtype), yes = mwk_dtype_size(p.out_dtype);
    const char *xb = x;
    char *yb = y;

    const size_t S = segment_outputs(window);
    const size_t nseg = p.m ? (p.m + S - 1) / S : 1;
    const size_t items = rows * nseg; /* rows*nseg outputs fit in memory: no overflow */

    int threads = p.threads;
    if ((size_t)threads > items) threads = (int)items;
    if (rows < ENGINE_MIN_PARALLEL_ELEMS / n) threads = 1; /* rows * n small (no overflow) */
    _Atomic int status = MWK_OK;

#if MWK_HAVE_OPENMP
#pragma omp parallel num_threads(threads) if (threads > 1)
#endif
    {
        scratch sc;
        mwk_status local = mwk_engine_scratch_init(&p, x_stride, y_stride, &sc);
        if (local != MWK_OK) atomic_store(&status, (int)local);
#if MWK_HAVE_OPENMP
#pragma omp for schedule(static)
#endif
        for (size_t it = 0; it < items; it++) {
            if (atomic_load_explicit(&status, memory_order_relaxed) != MWK_OK) continue;
            const size_t r = it / nseg;
            const row_io io = {xb + (ptrdiff_t)r * x_row_stride * (ptrdiff_t)xes,
                               x_stride,
                               0,
                               n,
                               yb + (ptrdiff_t)r * y_row_stride * (ptrdiff_t)yes,
                               y_stride,
                               y_q_stride,
                               0};
            mwk_status s = run_item(&p, &io, it % nseg, &sc);
            if (s != MWK_OK) atomic_store(&status, (int)s);
        }
        mwk_engine_scratch_free(&sc);
    }
    (void)threads; /* unused in builds without OpenMP */
    return (mwk_status)atomic_load(&status);
}

mwk_status mwk_move_batch_k(mwk_stat stat, const mwk_params *params, const void *x,
                            mwk_dtype dtype, size_t rows, size_t n, ptrdiff_t x_row_stride,
                            ptrdiff_t x_stride, void *y, ptrdiff_t y_row_stride,
                            ptrdiff_t y_stride, ptrdiff_t y_q_stride, size_t window,
                            const mwk_options *opt) {
    const mwk_stat_desc *d = mwk_registry_get(stat);
    if (!d) return MWK_E_STAT;
    return mwk_engine_batch(d, params, x, dtype, rows, n, x_row_stride, x_stride, y, y_row_stride,
                            y_stride, y_q_stride, window, opt);
}

mwk_status mwk_move_batch(mwk_stat stat, const mwk_params *params, const void *x, mwk_dtype dtype,
                          size_t rows, size_t n, ptrdiff_t x_row_stride, ptrdiff_t x_stride, void *y,
                          ptrdiff_t y_row_stride, ptrdiff_t y_stride, size_t window,
                          const mwk_options *opt) {
    return mwk_move_batch_k(stat, params, x, dtype, rows, n, x_row_stride, x_stride, y,
                            y_row_stride, y_stride, 1, window, opt);
}

mwk_status mwk_move_n_out(mwk_stat stat, const mwk_params *params, size_t *n_out) {
    if (!n_out) return MWK_E_NULL;
    const mwk_stat_desc *d = mwk_registry_get(stat);
    if (!d) return MWK_E_STAT;
    mwk_params p;
    mwk_status st = read_params(params, &p);
    if (st != MWK_OK) return st;
    if (d->check && (st = d->check(&p)) != MWK_OK) return st;
    *n_out = d->n_out ? d->n_out(&p) : 1;
    return MWK_OK;
}

mwk_status mwk_move(mwk_stat stat, const mwk_params *params, const void *x, mwk_dtype dtype,
                    size_t n, ptrdiff_t x_stride, void *y, ptrdiff_t y_stride, size_t window,
                    const mwk_options *opt) {
    return mwk_move_batch(stat, params, x, dtype, 1, n, 0, x_stride, y, 0, y_stride, window, opt);
}

mwk_status mwk_move_choose(mwk_stat stat, const mwk_params *params, mwk_dtype dtype, size_t n,
                           size_t window, const mwk_options *opt, mwk_algorithm *chosen) {
    if (!chosen) return MWK_E_NULL;
    plan p;
    mwk_options o;
    mwk_status st = read_options(opt, &o);
    if (st != MWK_OK) return st;
    o.algorithm = MWK_ALGO_AUTO;
    if ((st = resolve(mwk_registry_get(stat), params, dtype, n, window, &o, &p)) != MWK_OK)
        return st;
    *chosen = p.algo->id;
    return MWK_OK;
}

/* The generic naive core. */
int mwk_core_reference(mwk_seg *s) {
    const size_t m = s->n - s->w + 1;
    for (size_t j = 0; j < m; j++)
        s->out[j] = s->stat->ref(s->x, j, j + s->w, s->params, s->policy, s->min_count);
    return 0;
}
