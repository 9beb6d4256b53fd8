/* move_mean: validation, the row driver shared by all algorithms, and the
 * batch (2-D, OpenMP) front end.
 *
 * Flow of one row:
 *   1. a contiguous float64 view of the row (the input itself when it is
 *      contiguous float64, else a converted copy: int64 rounds once, f32 and
 *      int32 are exact);
 *   2. the algorithm's core computes the full windows straight into the
 *      output (or a float64 staging row);
 *   3. if the core saw anything non-finite, the row's full windows are redone
 *      on a copy with NaN/inf replaced by 0, and the NaN/+inf/-inf counts of
 *      each window decide its result (so non-finite values never enter a
 *      running state and results recover once they leave);
 *   4. the clipped windows at the ends (trailing, centered) are computed by a
 *      compensated cumulative sum from the edge;
 *   5. conversion to the output dtype/stride (float32 rounds once).
 */
#include <math.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "auto_table.h"
#include "internal.h"
#include "mwk_config.h"
#include "threads/threads.h"
#if MWK_HAVE_OPENMP
#include <omp.h>
#endif

static const mm_core_fn CORES[] = {
    [MWK_ALGO_NAIVE] = mm_core_naive,
    [MWK_ALGO_RING] = mm_core_ring,
    [MWK_ALGO_PREFIX] = mm_core_prefix,
    [MWK_ALGO_FFT] = mm_core_fft,
};

/* Outputs larger than this (in bytes, whole call) are written with
 * non-temporal stores by the SIMD prefix core: they cannot stay in cache
 * anyway, and bypassing it saves reading every output line first. */
#define MM_STREAM_BYTES ((size_t)8 << 20)

/* Below this many elements in a batch, threads cost more than they save. */
#define MM_MIN_PARALLEL_ELEMS ((size_t)1 << 16)

typedef struct {
    mwk_dtype dtype, out_dtype;
    mwk_align align;
    mwk_algorithm algo; /* resolved: never AUTO */
    mwk_nan_policy policy;
    size_t n, w, min_count, out_len;
    mwk_target target;
    int threads;
    int stream; /* non-temporal output stores (see MM_STREAM_BYTES) */
} mm_plan;

typedef struct {
    double *xr;   /* converted input segment (cap_x) */
    double *yr;   /* staging output segment */
    double *xs;   /* non-finite-free copy (cap_x), on demand */
    size_t cap_x; /* longest input stretch one work item reads */
} mm_scratch;

/* ------------------------------------------------------------------------ */
/* Public helpers                                                           */

static size_t dtype_size(mwk_dtype d) { return (d == MWK_F32 || d == MWK_I32) ? 4 : 8; }
static int dtype_ok(mwk_dtype d) { return (unsigned)d <= (unsigned)MWK_I32; }

mwk_status mwk_move_mean_out_dtype(mwk_dtype in, mwk_dtype *out) {
    if (!out) return MWK_E_NULL;
    if (!dtype_ok(in)) return MWK_E_DTYPE;
    *out = in == MWK_F32 ? MWK_F32 : MWK_F64;
    return MWK_OK;
}

mwk_status mwk_move_mean_out_len(size_t n, size_t window, mwk_align align, size_t *out_len) {
    if (!out_len) return MWK_E_NULL;
    if ((unsigned)align > (unsigned)MWK_ALIGN_CENTERED) return MWK_E_ALIGN;
    if (window == 0) return MWK_E_WINDOW;
    if (window > n) return MWK_E_WINDOW_TOO_LONG;
    *out_len = align == MWK_ALIGN_VALID ? n - window + 1 : n;
    return MWK_OK;
}

int mwk_algorithm_available(mwk_algorithm a) {
    switch (a) {
    case MWK_ALGO_AUTO:
    case MWK_ALGO_NAIVE:
    case MWK_ALGO_RING:
    case MWK_ALGO_PREFIX: return 1;
    case MWK_ALGO_FFT: return MWK_HAVE_FFTW;
    }
    return 0;
}

mwk_algorithm mm_auto_choose(const mwk_target *t, mwk_dtype dtype, size_t n, size_t w) {
    (void)dtype, (void)n;
    for (size_t i = 0; i < sizeof MM_AUTO_RULES / sizeof MM_AUTO_RULES[0]; i++) {
        const mm_auto_rule *r = &MM_AUTO_RULES[i];
        if (strcmp(r->target, "*") != 0 && strcmp(r->target, t->name) != 0) continue;
        if (w <= r->max_window) return r->algorithm;
    }
    return MWK_ALGO_PREFIX;
}

/* ------------------------------------------------------------------------ */
/* Validation                                                               */

/* |a * b| as size_t with overflow detection; a stride may be negative. */
static int mul_extent(size_t count, ptrdiff_t stride, size_t esize, size_t *out) {
    if (count <= 1) {
        *out = 0;
        return 1;
    }
    if (stride == PTRDIFF_MIN) return 0;
    size_t s = (size_t)(stride < 0 ? -stride : stride);
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

/* Byte range of a 2-D strided array; 0 if its extent overflows. */
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

static size_t uabs(ptrdiff_t v) { return (size_t)(v < 0 ? -v : v); }

static mwk_status validate(const void *x, mwk_dtype dtype, size_t rows, size_t n,
                           ptrdiff_t xrs, ptrdiff_t xs, const void *y, ptrdiff_t yrs,
                           ptrdiff_t ys, size_t window, const mwk_options *opt, mm_plan *p) {
    static const mwk_options defaults = MWK_OPTIONS_INIT;
    if (!x || !y) return MWK_E_NULL;
    if (!opt) opt = &defaults;
    if (opt->struct_size != sizeof(mwk_options)) return MWK_E_OPTIONS;
    if (!dtype_ok(dtype)) return MWK_E_DTYPE;
    if ((unsigned)opt->align > (unsigned)MWK_ALIGN_CENTERED) return MWK_E_ALIGN;
    if ((unsigned)opt->algorithm > (unsigned)MWK_ALGO_FFT) return MWK_E_ALGORITHM;
    if ((unsigned)opt->nan_policy > (unsigned)MWK_NAN_PROPAGATE) return MWK_E_NAN_POLICY;
    if (window == 0) return MWK_E_WINDOW;
    if (window > n) return MWK_E_WINDOW_TOO_LONG;
    size_t mc = opt->min_count == MWK_MIN_COUNT_WINDOW ? window : opt->min_count;
    if (mc == 0 || mc > window) return MWK_E_MIN_COUNT;
    if (opt->threads < 0) return MWK_E_THREADS;
    int threads = opt->threads;
    if (threads == 0 && mwk_threads_default(&threads) != MWK_OK) return MWK_E_THREADS;
    mwk_status st = mwk_target_resolve(opt->target, &p->target);
    if (st != MWK_OK) return st;
    if (!mwk_algorithm_available(opt->algorithm)) return MWK_E_UNAVAILABLE;

    p->dtype = dtype;
    p->out_dtype = dtype == MWK_F32 ? MWK_F32 : MWK_F64;
    p->align = opt->align;
    p->policy = opt->nan_policy;
    p->n = n;
    p->w = window;
    p->min_count = mc;
    p->out_len = opt->align == MWK_ALIGN_VALID ? n - window + 1 : n;
    p->threads = threads;
    p->algo = opt->algorithm == MWK_ALGO_AUTO ? mm_auto_choose(&p->target, dtype, n, window)
                                               : opt->algorithm;

    span sx, sy;
    size_t oes = dtype_size(p->out_dtype);
    if (!array_span(x, rows ? rows : 1, xrs, n, xs, dtype_size(dtype), &sx) ||
        !array_span(y, rows ? rows : 1, yrs, p->out_len, ys, oes, &sy))
        return MWK_E_OVERFLOW;
    p->stream = (sy.hi - sy.lo) >= MM_STREAM_BYTES;
    if (rows == 0) return MWK_OK;
    if (!(sy.hi < sx.lo || sx.hi < sy.lo)) return MWK_E_OVERLAP;
    /* The output must not overlap itself: outputs would overwrite each other
     * in an order that depends on threads. Conservative for 2-D: one stride
     * must step over the whole extent of the other. */
    size_t L = p->out_len;
    if (L > 1 && ys == 0) return MWK_E_OVERLAP;
    if (rows > 1 && yrs == 0) return MWK_E_OVERLAP;
    if (rows > 1 && L > 1 && !(uabs(yrs) >= L * uabs(ys) || uabs(ys) >= rows * uabs(yrs)))
        return MWK_E_OVERLAP;
    return MWK_OK;
}

/* ------------------------------------------------------------------------ */
/* One row                                                                  */

/* Conversions to and from the float64 working row. The unit-stride loops
 * are separate so the compiler vectorises them (cvtps2pd / cvtdq2pd). */
static void load_row(const void *x, mwk_dtype dt, size_t n, ptrdiff_t s, double *dst) {
#define MM_LOAD(T)                                                              \
    do {                                                                        \
        const T *p_ = x;                                                        \
        if (s == 1)                                                             \
            for (size_t i = 0; i < n; i++) dst[i] = (double)p_[i];              \
        else                                                                    \
            for (size_t i = 0; i < n; i++) dst[i] = (double)p_[(ptrdiff_t)i * s]; \
    } while (0)
    switch (dt) {
    case MWK_F64: MM_LOAD(double); break;
    case MWK_F32: MM_LOAD(float); break;
    case MWK_I64: MM_LOAD(int64_t); break;
    case MWK_I32: MM_LOAD(int32_t); break;
    }
#undef MM_LOAD
}

static void store_row(const double *src, mwk_dtype dt, size_t n, void *y, ptrdiff_t s) {
    if (dt == MWK_F32) {
        float *p = y;
        if (s == 1)
            for (size_t i = 0; i < n; i++) p[i] = (float)src[i];
        else
            for (size_t i = 0; i < n; i++) p[(ptrdiff_t)i * s] = (float)src[i];
    } else {
        double *p = y;
        for (size_t i = 0; i < n; i++) p[(ptrdiff_t)i * s] = src[i];
    }
}

/* Compensated cumulative sum with non-finite counts, for clipped windows. */
typedef struct {
    double s, c;
    size_t nan, pinf, ninf, len;
} edge_acc;

static void acc_add(edge_acc *a, double v) {
    a->len++;
    if (isnan(v)) { a->nan++; return; }
    if (isinf(v)) { if (v > 0) a->pinf++; else a->ninf++; return; }
    double t = a->s + v;
    a->c += fabs(a->s) >= fabs(v) ? (a->s - t) + v : (v - t) + a->s;
    a->s = t;
}

static double finalize(const mm_plan *p, double sum, size_t len, size_t nan, size_t pinf,
                       size_t ninf, const double *x, size_t lo) {
    size_t count = len - nan;
    if (p->policy == MWK_NAN_PROPAGATE && nan) return NAN;
    if (count < p->min_count || count == 0) return NAN;
    if (pinf && ninf) return NAN;
    if (pinf) return INFINITY;
    if (ninf) return -INFINITY;
    double r = sum / (double)count;
    /* Overflowed partial sums: recompute this window scaled. */
    if (!isfinite(r)) r = mm_window_mean(x, lo, lo + len, p->policy, p->min_count);
    return r;
}

static double acc_mean(const mm_plan *p, const edge_acc *a, const double *x, size_t lo) {
    return finalize(p, a->s + a->c, a->len, a->nan, a->pinf, a->ninf, x, lo);
}

/* Outputs before the first full window: trailing w-1, centered w/2. */
static size_t head_count(const mm_plan *p) {
    return p->align == MWK_ALIGN_TRAILING ? p->w - 1 : p->align == MWK_ALIGN_CENTERED ? p->w / 2 : 0;
}
/* Outputs after the last full window: centered (w-1)/2. */
static size_t tail_count(const mm_plan *p) {
    return p->align == MWK_ALIGN_CENTERED ? (p->w - 1) / 2 : 0;
}

/* Clipped windows at the start, from xh = x[0 .. w-1): output i covers
 * x[0 .. i + right], right = 0 (trailing) or (w-1)/2 (centered). */
static void edges_head(const mm_plan *p, const double *xh, double *yh) {
    const size_t nh = head_count(p);
    const size_t right = p->align == MWK_ALIGN_TRAILING ? 0 : (p->w - 1) / 2;
    edge_acc a = {0};
    size_t k = 0;
    for (size_t i = 0; i < nh; i++) {
        while (k <= i + right) acc_add(&a, xh[k++]);
        yh[i] = acc_mean(p, &a, xh, 0);
    }
}

/* Clipped windows at the end (centered), from xt = x[n-w+1 .. n): tail
 * output t (row position n - right + t) covers xt[t .. w-1). */
static void edges_tail(const mm_plan *p, const double *xt, double *yt) {
    const size_t nt = tail_count(p);
    edge_acc b = {0};
    size_t k = p->w - 1;
    for (size_t t = nt; t-- > 0;) {
        while (k > t) acc_add(&b, xt[--k]);
        yt[t] = acc_mean(p, &b, xt, t);
    }
}

/* Full windows of a contiguous float64 stretch x[0..n) into out[0..n-w].
 * `stream`: out is the caller's final output (not staging that is read back
 * at once), so large outputs may bypass the cache. */
static mwk_status full_windows(const mm_plan *p, const double *x, size_t n, double *out,
                               int stream, mm_scratch *sc) {
    const size_t w = p->w, m = n - w + 1;
    mm_ctx ctx = {p->target, MWK_OK, stream};
    mm_core_fn core = CORES[p->algo];
    int r = core(x, n, w, (double)w, out, &ctx);
    if (r < 0) return ctx.err;
    if (r == 0) return MWK_OK;

    /* Something non-finite (or an overflowing sum): redo with counts. */
    if (!sc->xs && !(sc->xs = malloc(sc->cap_x * sizeof(double)))) return MWK_E_NOMEM;
    double *xs = sc->xs;
    for (size_t i = 0; i < n; i++) xs[i] = isfinite(x[i]) ? x[i] : 0.0;
    r = core(xs, n, w, 1.0, out, &ctx);
    if (r < 0) return ctx.err;
    if (r > 0 && p->algo != MWK_ALGO_NAIVE && p->algo != MWK_ALGO_PREFIX) {
        /* Finite data whose sums overflow: a running state (ring) stops at
         * the first overflow and a transform (fft) is poisoned whole, so
         * their outputs are not window sums. The block-local prefix core
         * computes every window independently; windows that overflow come
         * out non-finite there and are rescued one by one below. */
        r = mm_core_prefix(xs, n, w, 1.0, out, &ctx);
        if (r < 0) return ctx.err;
    }
    size_t nan = 0, pinf = 0, ninf = 0;
    for (size_t j = 0; j < m; j++) {
        if (j == 0) {
            for (size_t i = 0; i < w; i++) {
                double v = x[i];
                nan += isnan(v) != 0, pinf += v == INFINITY, ninf += v == -INFINITY;
            }
        } else {
            double a = x[j + w - 1], b = x[j - 1];
            nan += isnan(a) != 0, pinf += a == INFINITY, ninf += a == -INFINITY;
            nan -= isnan(b) != 0, pinf -= b == INFINITY, ninf -= b == -INFINITY;
        }
        out[j] = finalize(p, out[j], w, nan, pinf, ninf, x, j);
    }
    return MWK_OK;
}

/* Rows are processed in segments of a fixed number of full windows. The
 * segment size depends only on w, so results never depend on the thread
 * count; segments bound the scratch memory of converted or strided rows,
 * and let one long row use several threads. */
static size_t segment_outputs(size_t w) {
    const size_t base = (size_t)1 << 16;
    return base > 8 * w ? base : 8 * w;
}

typedef struct {
    const char *x;
    ptrdiff_t xs;
    char *y;
    ptrdiff_t ys;
} row_io;

static int direct_in(const mm_plan *p, const row_io *io) { return p->dtype == MWK_F64 && io->xs == 1; }
static int direct_out(const mm_plan *p, const row_io *io) { return p->out_dtype == MWK_F64 && io->ys == 1; }

/* Input elements [k0, k0+len) of the row as contiguous float64. */
static const double *row_input(const mm_plan *p, const row_io *io, size_t k0, size_t len,
                               mm_scratch *sc) {
    const char *base = io->x + (ptrdiff_t)k0 * io->xs * (ptrdiff_t)dtype_size(p->dtype);
    if (direct_in(p, io)) return (const double *)base;
    load_row(base, p->dtype, len, io->xs, sc->xr);
    return sc->xr;
}

/* Where outputs [k0, k0+len) are computed: in place, or staged. */
static double *row_output(const mm_plan *p, const row_io *io, size_t k0, mm_scratch *sc) {
    return direct_out(p, io) ? (double *)io->y + k0 : sc->yr;
}

static void row_commit(const mm_plan *p, const row_io *io, size_t k0, size_t len, const double *yr) {
    if (direct_out(p, io)) return;
    char *base = io->y + (ptrdiff_t)k0 * io->ys * (ptrdiff_t)dtype_size(p->out_dtype);
    store_row(yr, p->out_dtype, len, base, io->ys);
}

/* Work item `seg` of a row: segment seg of its full windows; item 0 also
 * computes the clipped windows at both ends. */
static mwk_status run_item(const mm_plan *p, const row_io *io, size_t seg, mm_scratch *sc) {
    const size_t n = p->n, w = p->w, m = n - w + 1, S = segment_outputs(w);
    const size_t off = head_count(p);
    const size_t j0 = seg * S, j1 = j0 + S < m ? j0 + S : m;
    const size_t L = j1 - j0 + w - 1;
    const double *xr = row_input(p, io, j0, L, sc);
    double *yr = row_output(p, io, off + j0, sc);
    mwk_status st = full_windows(p, xr, L, yr, p->stream && direct_out(p, io), sc);
    if (st != MWK_OK) return st;
    row_commit(p, io, off + j0, j1 - j0, yr);
    if (seg != 0) return MWK_OK;

    const size_t nh = head_count(p), nt = tail_count(p);
    if (nh) {
        const double *xh = row_input(p, io, 0, w - 1, sc);
        double *yh = row_output(p, io, 0, sc);
        edges_head(p, xh, yh);
        row_commit(p, io, 0, nh, yh);
    }
    if (nt) {
        const double *xt = row_input(p, io, n - (w - 1), w - 1, sc);
        double *yt = row_output(p, io, n - nt, sc);
        edges_tail(p, xt, yt);
        row_commit(p, io, n - nt, nt, yt);
    }
    return MWK_OK;
}

static mwk_status scratch_init(const mm_plan *p, ptrdiff_t xs, ptrdiff_t ys, mm_scratch *sc) {
    const size_t m = p->n - p->w + 1, S = segment_outputs(p->w);
    const size_t seg = S < m ? S : m;
    sc->cap_x = seg + p->w - 1;
    sc->xr = sc->yr = sc->xs = NULL;
    if (!(p->dtype == MWK_F64 && xs == 1) && !(sc->xr = malloc(sc->cap_x * sizeof(double))))
        return MWK_E_NOMEM;
    const size_t cap_y = seg > p->w ? seg : p->w;
    if (!(p->out_dtype == MWK_F64 && ys == 1) && !(sc->yr = malloc(cap_y * sizeof(double))))
        return MWK_E_NOMEM;
    return MWK_OK;
}

static void scratch_free(mm_scratch *sc) {
    free(sc->xr);
    free(sc->yr);
    free(sc->xs);
}

/* ------------------------------------------------------------------------ */
/* Entry points                                                             */

mwk_status mwk_move_mean_batch(const void *x, mwk_dtype dtype, size_t rows, size_t n,
                               ptrdiff_t x_row_stride, ptrdiff_t x_stride, void *y,
                               ptrdiff_t y_row_stride, ptrdiff_t y_stride, size_t window,
                               const mwk_options *opt) {
    mm_plan p;
    mwk_status st = validate(x, dtype, rows, n, x_row_stride, x_stride, y, y_row_stride, y_stride,
                             window, opt, &p);
    if (st != MWK_OK || rows == 0) return st;
    const size_t xes = dtype_size(dtype), yes = dtype_size(p.out_dtype);
    const char *xb = x;
    char *yb = y;

    const size_t m = n - window + 1, S = segment_outputs(window);
    const size_t nseg = (m + S - 1) / S;
    const size_t items = rows * nseg; /* rows*nseg outputs fit in memory: no overflow */

    int threads = p.threads;
    if ((size_t)threads > items) threads = (int)items;
    if (rows < MM_MIN_PARALLEL_ELEMS / n) threads = 1; /* rows * n small (no overflow) */
    _Atomic int status = MWK_OK;

#if MWK_HAVE_OPENMP
#pragma omp parallel num_threads(threads) if (threads > 1)
#endif
    {
        mm_scratch sc;
        mwk_status local = scratch_init(&p, x_stride, y_stride, &sc);
        if (local != MWK_OK) atomic_store(&status, (int)local);
#if MWK_HAVE_OPENMP
#pragma omp for schedule(static)
#endif
        for (size_t it = 0; it < items; it++) {
            if (atomic_load_explicit(&status, memory_order_relaxed) != MWK_OK) continue;
            const size_t r = it / nseg;
            const row_io io = {xb + (ptrdiff_t)r * x_row_stride * (ptrdiff_t)xes, x_stride,
                               yb + (ptrdiff_t)r * y_row_stride * (ptrdiff_t)yes, y_stride};
            mwk_status s = run_item(&p, &io, it % nseg, &sc);
            if (s != MWK_OK) atomic_store(&status, (int)s);
        }
        scratch_free(&sc);
    }
    (void)threads; /* unused in builds without OpenMP */
    return (mwk_status)atomic_load(&status);
}

mwk_status mwk_move_mean(const void *x, mwk_dtype dtype, size_t n, ptrdiff_t x_stride, void *y,
                         ptrdiff_t y_stride, size_t window, const mwk_options *opt) {
    return mwk_move_mean_batch(x, dtype, 1, n, 0, x_stride, y, 0, y_stride, window, opt);
}

mwk_status mwk_move_mean_choose(mwk_dtype dtype, size_t n, size_t window, const mwk_options *opt,
                                mwk_algorithm *chosen) {
    static const mwk_options defaults = MWK_OPTIONS_INIT;
    if (!chosen) return MWK_E_NULL;
    if (!opt) opt = &defaults;
    if (opt->struct_size != sizeof(mwk_options)) return MWK_E_OPTIONS;
    if (!dtype_ok(dtype)) return MWK_E_DTYPE;
    if (window == 0) return MWK_E_WINDOW;
    if (window > n) return MWK_E_WINDOW_TOO_LONG;
    mwk_target t;
    mwk_status st = mwk_target_resolve(opt->target, &t);
    if (st != MWK_OK) return st;
    *chosen = mm_auto_choose(&t, dtype, n, window);
    return MWK_OK;
}
