/* Streams (include/mwk_stream.h): mwk_move_batch_k over a row whose values
 * arrive in pieces, bit-identical to the one call over the concatenation.
 *
 * How the one call computes a row (engine.c): the full windows in segments
 * of S = max(65536, 8w) windows from the row start, the clipped windows at
 * the head (they read x[0, w-1) only, once the row has at least w values)
 * and at the tail (x[n-w+1, n)). A stream computes exactly those pieces with
 * the same engine functions, on views of the row (mwk_row_io with x0/y0):
 *   - full windows [a, b) where a and b are cut points: a segment start, a
 *     multiple of the algorithm's grid from it (mwk_algo_desc.grid: the
 *     core's results on such a sub-range equal the whole segment's), or a
 *     segment end. Without a grid (running states), only segment ends;
 *   - the head once w values have arrived, the tail at finish().
 * Each row keeps the RAW input elements x[a, n_in) (the inputs of the full
 * windows not computed yet), so int64 beyond 2^53 and float32/float16 go
 * through the same conversions as in the one call. Windows whose inputs lie
 * in the caller's chunk are computed there (no copy); only those that
 * straddle the kept values and the chunk run on the row's buffer.
 */
#include <limits.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "mwk_config.h"
#include "mwk_stream.h"
#if MWK_HAVE_OPENMP
#include <omp.h>
#endif

#define STREAM_VERSION 1u
#define STREAM_ENDIAN 0x01020304u
#define STREAM_MAGIC "MWKSTRM"            /* 8 bytes with its NUL */
#define STREAM_MIN_PARALLEL ((size_t)1 << 16) /* elements per push below which rows run serially */
#define STREAM_TARGET_MAX 63
#define STREAM_NT_BYTES ((size_t)64 << 10)

struct mwk_stream {
    mwk_plan p;            /* resolved; p.n is "unbounded" (see row_plan) */
    const mwk_stat_desc *d;
    mwk_stat stat;
    mwk_params params;     /* complete; arrays point at quantiles/weights below */
    double *quantiles, *weights;
    mwk_options opt;       /* complete, as requested; target -> tname */
    char tname[STREAM_TARGET_MAX + 1];
    mwk_dtype dtype;
    size_t rows, w, S, g;  /* g: grid (0: cut at segment ends only) */
    size_t es;             /* input element size */
    uint64_t n_in;         /* values per row so far */
    uint64_t a;            /* next full window (= its first input; the buffer starts there) */
    uint64_t n_emitted;    /* output positions returned per row */
    int head_done, finished, broken;
    unsigned char *buf;    /* rows x bcap raw elements: row r holds x[a, a + blen) */
    size_t blen, bcap;
    int nthreads;          /* per-thread scratch below (0: not yet made) */
    mwk_scratch *sc;
};

/* ------------------------------------------------------------------------ */
/* The cut-point arithmetic                                                 */

/* The furthest cut point <= avail (the full windows [a, result) can be
 * computed once `avail` windows are complete); a is a cut point <= avail.
 * O(1): a restored state may carry any counters. */
static uint64_t reach(const mwk_stream *s, uint64_t a, uint64_t avail) {
    const uint64_t seg0 = avail / s->S * s->S;
    const uint64_t b = s->g ? seg0 + (avail - seg0) / s->g * s->g : seg0;
    return b > a ? b : a;
}

/* The smallest cut point >= v. */
static uint64_t cut_ceil(const mwk_stream *s, uint64_t v) {
    const uint64_t seg0 = v / s->S * s->S, seg1 = seg0 + s->S;
    if (v == seg0) return v;
    if (!s->g) return seg1;
    const uint64_t c = seg0 + (v - seg0 + s->g - 1) / s->g * s->g;
    return c < seg1 ? c : seg1;
}

static uint64_t avail_of(const mwk_stream *s, uint64_t n_in) {
    return n_in >= s->w ? n_in - s->w + 1 : 0;
}

/* What a push of n values does (a function of the counters alone). */
typedef struct {
    uint64_t n_old, n_new, b, b1;
    size_t app;     /* chunk values appended to the buffer before computing */
    size_t nh_now;  /* head outputs emitted now */
    size_t due;     /* output positions */
    size_t need;    /* buffer capacity needed (elements per row) */
    int head_now;
    int nt;         /* outputs large enough for non-temporal stores */
} push_plan;

static void plan_push(const mwk_stream *s, size_t n, push_plan *q) {
    const uint64_t w = s->w;
    q->n_old = s->n_in;
    q->n_new = s->n_in + n;
    q->head_now = !s->head_done && q->n_new >= w;
    q->nh_now = q->head_now ? s->p.nh : 0;
    q->b = q->n_new >= w ? reach(s, s->a, avail_of(s, q->n_new)) : s->a;
    /* Windows from b1 on start inside the chunk: computed there. */
    uint64_t b1 = cut_ceil(s, q->n_old > s->a ? q->n_old : s->a);
    if (b1 > q->b) b1 = q->b;
    q->b1 = b1;
    uint64_t end = q->n_old; /* the buffer must reach x[.., end) */
    if (q->head_now && w - 1 > end) end = w - 1;
    if (b1 > s->a && b1 + w - 1 > end) end = b1 + w - 1;
    q->app = (size_t)(end - q->n_old);
    q->due = q->nh_now + (size_t)(q->b - s->a);
    const size_t during = s->blen + q->app, after = (size_t)(q->n_new - q->b);
    q->need = during > after ? during : after;
    /* Non-temporal stores (cores that have them: prefix) once a row's
     * output of this push is 64 KiB or more: the same memory traffic when
     * the caller reads the outputs at once (a write and a read instead of
     * a read for ownership and a write-back), one pass less when it does
     * not (1000 pushes of 10,000 values into one array: 10% of the time). */
    q->nt = (double)q->due * (double)s->p.k * (double)mwk_dtype_size(s->p.out_dtype) >=
            (double)STREAM_NT_BYTES;
}

/* ------------------------------------------------------------------------ */
/* Creation                                                                 */

static size_t grid_of(const mwk_plan *p) {
    if (!p->algo->grid) return 0;
    return p->algo->grid(p->w);
}

/* Per-thread scratch for one whole segment and the clipped windows (the
 * plan of a row long enough for both). The float64 staging rows (input
 * conversion, output staging: a segment each, 1 MiB at w <= 8192) are made
 * only when a push needs them (need_x: the chunk is not contiguous float64;
 * need_y: the output is not in the engine's own layout): fresh pages cost
 * as much as a push of 10,000 values on some machines. */
static mwk_status make_scratch(mwk_stream *s, int need_x, int need_y) {
    mwk_plan ps = s->p;
    ps.n = s->S + s->w - 1;
    ps.m = s->S;
    if (!s->sc) {
        int t = s->p.threads;
        if (t < 1) t = 1;
        if ((size_t)t > s->rows) t = (int)s->rows;
        mwk_scratch *sc = calloc((size_t)t, sizeof *sc);
        if (!sc) return MWK_E_NOMEM;
        mwk_status st = MWK_OK;
        int made = 0;
        /* Strides 1 and k: no staging rows yet (below). */
        for (; made < t; made++)
            if ((st = mwk_engine_scratch_init(&ps, 1, 1, &sc[made])) != MWK_OK) {
                mwk_engine_scratch_free(&sc[made]);
                break;
            }
        if (st != MWK_OK) {
            for (int i = 0; i < made; i++) mwk_engine_scratch_free(&sc[i]);
            free(sc);
            return st;
        }
        s->sc = sc;
        s->nthreads = t;
    }
    /* The buffer is contiguous: float64 rows are read in place. */
    need_x |= s->dtype != MWK_F64;
    need_y |= s->p.out_dtype != MWK_F64 || s->p.k > 1;
    for (int i = 0; i < s->nthreads; i++) {
        mwk_scratch *sc = &s->sc[i];
        if (need_x && !sc->xr && !(sc->xr = malloc(sc->cap_x * sizeof(double)))) return MWK_E_NOMEM;
        if (need_y && !sc->yr && !(sc->yr = malloc(s->S * s->p.k * sizeof(double))))
            return MWK_E_NOMEM;
    }
    return MWK_OK;
}

void mwk_stream_free(mwk_stream *s) {
    if (!s) return;
    if (s->sc)
        for (int i = 0; i < s->nthreads; i++) mwk_engine_scratch_free(&s->sc[i]);
    free(s->sc);
    free(s->buf);
    free(s->quantiles);
    free(s->weights);
    free(s);
}

static double *copy_doubles(const double *v, size_t n) {
    double *c = malloc((n ? n : 1) * sizeof(double));
    if (c && n) memcpy(c, v, n * sizeof(double));
    return c;
}

mwk_status mwk_stream_create(mwk_stat stat, const mwk_params *params, mwk_dtype dtype,
                             size_t rows, size_t window, const mwk_options *opt,
                             mwk_stream **out) {
    if (!out) return MWK_E_NULL;
    const mwk_stat_desc *d = mwk_registry_get(stat);
    if (!d) return MWK_E_STAT;
    mwk_options o;
    mwk_status st = mwk_engine_options(opt, &o);
    if (st != MWK_OK) return st;
    mwk_plan p;
    /* Everything but the data length: a row of exactly one window. */
    if ((st = mwk_engine_resolve(d, params, dtype, window, window, &o, &p)) != MWK_OK) return st;
    if (rows == 0) return MWK_E_PARAMS;
    if (strlen(p.target.name) > STREAM_TARGET_MAX) return MWK_E_INTERNAL;
    mwk_stream *s = calloc(1, sizeof *s);
    if (!s) return MWK_E_NOMEM;
    s->d = d;
    s->stat = stat;
    s->params = p.params;
    if (p.params.n_quantiles && p.params.quantiles) {
        if (!(s->quantiles = copy_doubles(p.params.quantiles, p.params.n_quantiles))) goto nomem;
        s->params.quantiles = s->quantiles;
    }
    if (p.params.n_weights && p.params.weights) {
        if (!(s->weights = copy_doubles(p.params.weights, p.params.n_weights))) goto nomem;
        s->params.weights = s->weights;
    }
    p.params = s->params;
    /* An unbounded row: the head and full windows never see its end (the
     * tail gets the real length at finish). */
    p.n = SIZE_MAX / 4;
    p.m = p.n - window + 1;
    p.out_len = p.align == MWK_ALIGN_VALID ? p.m : p.n;
    p.stream = 0;
    s->p = p;
    s->opt = o;
    strcpy(s->tname, p.target.name);
    s->opt.target = s->tname;
    s->dtype = dtype;
    s->rows = rows;
    s->w = window;
    s->S = mwk_engine_segment_outputs(window);
    s->g = grid_of(&p);
    if (s->g >= s->S) s->g = 0;
    s->es = mwk_dtype_size(dtype);
    *out = s;
    return MWK_OK;
nomem:
    mwk_stream_free(s);
    return MWK_E_NOMEM;
}

mwk_status mwk_stream_get_info(const mwk_stream *s, mwk_stream_info *info) {
    if (!s || !info) return MWK_E_NULL;
    memset(info, 0, sizeof *info);
    info->struct_size = sizeof *info;
    info->stat = s->stat;
    info->algorithm = s->p.algo->id;
    info->target = s->p.target.name;
    info->dtype = s->dtype;
    info->out_dtype = s->p.out_dtype;
    info->rows = s->rows;
    info->window = s->w;
    info->n_out = s->p.k;
    info->n_in = s->n_in;
    info->n_emitted = s->n_emitted;
    info->max_held = (s->g ? s->g : s->S) - 1;
    info->finished = s->finished;
    return MWK_OK;
}

/* Output positions finish() gives (0 with *err set when it fails). */
static size_t finish_due(const mwk_stream *s, mwk_status *err) {
    *err = MWK_OK;
    if (s->n_in < s->w) {
        if (s->opt.long_window == MWK_LONG_WINDOW_ERROR) {
            *err = MWK_E_WINDOW_TOO_LONG;
            return 0;
        }
        return s->p.align == MWK_ALIGN_VALID ? 0 : (size_t)s->n_in;
    }
    const uint64_t m = s->n_in - s->w + 1;
    return (size_t)(m - s->a) + s->p.nt;
}

mwk_status mwk_stream_max_out(const mwk_stream *s, size_t n, int finishing, size_t *max_out) {
    if (!s || !max_out) return MWK_E_NULL;
    if (s->broken || s->finished) return MWK_E_STATE;
    if (n > SIZE_MAX / 4 - s->n_in) return MWK_E_OVERFLOW;
    push_plan q;
    plan_push(s, n, &q);
    size_t total = q.due;
    if (finishing) {
        /* The counters after the push, then finish. */
        mwk_stream t = *s;
        t.n_in = q.n_new;
        t.a = q.b;
        t.head_done = s->head_done || q.head_now;
        mwk_status err;
        const size_t f = finish_due(&t, &err);
        total += f;
    }
    *max_out = total;
    return MWK_OK;
}

/* ------------------------------------------------------------------------ */
/* Pushing                                                                  */

/* Copies n elements of `es` bytes, `xs` elements apart, to dst. */
static void gather(unsigned char *dst, const char *x, ptrdiff_t xs, size_t n, size_t es) {
    if (xs == 1) {
        memcpy(dst, x, n * es);
        return;
    }
    for (size_t i = 0; i < n; i++) memcpy(dst + i * es, x + (ptrdiff_t)i * xs * (ptrdiff_t)es, es);
}

/* Full windows [lo, hi) from a view, one segment piece at a time. */
static mwk_status full_pieces(const mwk_stream *s, const mwk_row_io *io, uint64_t lo, uint64_t hi,
                              int nt, mwk_scratch *sc) {
    while (lo < hi) {
        uint64_t e = (lo / s->S + 1) * s->S;
        if (e > hi) e = hi;
        mwk_status st = mwk_engine_full(&s->p, io, (size_t)lo, (size_t)e, nt, sc);
        if (st != MWK_OK) return st;
        lo = e;
    }
    return MWK_OK;
}

static mwk_status push_row(const mwk_stream *s, const push_plan *q, size_t r, const char *x,
                           ptrdiff_t xs, size_t n, char *y, ptrdiff_t ys, ptrdiff_t yqs,
                           mwk_scratch *sc) {
    const size_t es = s->es;
    /* No buffer yet (nothing kept so far): NULL, never NULL + 0 (undefined in C). */
    unsigned char *row = s->buf ? s->buf + r * s->bcap * es : NULL;
    if (q->app) gather(row + s->blen * es, x, xs, q->app, es);
    const mwk_row_io io_b = {(const char *)row, 1, (size_t)s->a, s->blen + q->app, y, ys, yqs,
                             (size_t)s->n_emitted};
    mwk_status st;
    if (q->head_now && (st = mwk_engine_head(&s->p, &io_b, sc)) != MWK_OK) return st;
    if ((st = full_pieces(s, &io_b, s->a, q->b1, q->nt, sc)) != MWK_OK) return st;
    if (q->b > q->b1) {
        const mwk_row_io io_c = {x, xs, (size_t)q->n_old, n, y, ys, yqs, (size_t)s->n_emitted};
        if ((st = full_pieces(s, &io_c, q->b1, q->b, q->nt, sc)) != MWK_OK) return st;
    }
    /* Keep x[b, n_new). */
    const uint64_t cur_end = s->a + s->blen + q->app;
    size_t kept = 0;
    if (q->b < cur_end) {
        kept = (size_t)(cur_end - q->b);
        if (q->b > s->a) memmove(row, row + (size_t)(q->b - s->a) * es, kept * es);
    }
    const uint64_t from = (q->b > cur_end ? q->b : cur_end) - q->n_old;
    if (from < n)
        gather(row + kept * es, x + (ptrdiff_t)from * xs * (ptrdiff_t)es, xs, n - (size_t)from, es);
    return MWK_OK;
}

static mwk_status grow(mwk_stream *s, size_t need) {
    if (need <= s->bcap) return MWK_OK;
    size_t cap = s->bcap ? s->bcap : 64;
    while (cap < need) cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    if (cap > SIZE_MAX / s->es / s->rows) return MWK_E_NOMEM;
    unsigned char *b = malloc(cap * s->es * s->rows);
    if (!b) return MWK_E_NOMEM;
    if (s->buf)
        for (size_t r = 0; r < s->rows; r++)
            memcpy(b + r * cap * s->es, s->buf + r * s->bcap * s->es, s->blen * s->es);
    free(s->buf);
    s->buf = b;
    s->bcap = cap;
    return MWK_OK;
}

/* Runs push_row on every row (threads over rows when the push is large;
 * a plain loop otherwise: entering an OpenMP region costs about a
 * microsecond, 10% of a 10,000-value push). */
static mwk_status run_rows(mwk_stream *s, const push_plan *q, const char *xb, ptrdiff_t xrs,
                           ptrdiff_t xs, size_t n, char *yb, ptrdiff_t yrs, ptrdiff_t ys,
                           ptrdiff_t yqs) {
    const ptrdiff_t xes = (ptrdiff_t)s->es, yes = (ptrdiff_t)mwk_dtype_size(s->p.out_dtype);
    mwk_scratch *sc0 = s->sc; /* NULL when nothing is computed */
    int threads = s->nthreads;
    const size_t work = n + s->blen + q->due;
    if (s->rows < 2 || s->rows * (work ? work : 1) < STREAM_MIN_PARALLEL) threads = 1;
    if (threads <= 1) {
        for (size_t r = 0; r < s->rows; r++) {
            mwk_status st = push_row(s, q, r, xb ? xb + (ptrdiff_t)r * xrs * xes : NULL, xs, n,
                                     yb ? yb + (ptrdiff_t)r * yrs * yes : NULL, ys, yqs, sc0);
            if (st != MWK_OK) return st;
        }
        return MWK_OK;
    }
    _Atomic int status = MWK_OK;
#if MWK_HAVE_OPENMP
#pragma omp parallel for schedule(static) num_threads(threads)
#endif
    for (size_t r = 0; r < s->rows; r++) {
        if (atomic_load_explicit(&status, memory_order_relaxed) != MWK_OK) continue;
        int t = 0;
#if MWK_HAVE_OPENMP
        t = omp_get_thread_num();
#endif
        const char *x = xb ? xb + (ptrdiff_t)r * xrs * xes : NULL;
        char *y = yb ? yb + (ptrdiff_t)r * yrs * yes : NULL;
        mwk_status st = push_row(s, q, r, x, xs, n, y, ys, yqs, sc0 ? &sc0[t] : NULL);
        if (st != MWK_OK) atomic_store(&status, (int)st);
    }
    return (mwk_status)atomic_load(&status);
}

mwk_status mwk_stream_push(mwk_stream *s, const void *x, size_t n, ptrdiff_t x_row_stride,
                           ptrdiff_t x_stride, void *y, size_t y_cap, ptrdiff_t y_row_stride,
                           ptrdiff_t y_stride, ptrdiff_t y_q_stride, size_t *n_out) {
    if (!s || !n_out) return MWK_E_NULL;
    if (s->broken || s->finished) return MWK_E_STATE;
    if (n && !x) return MWK_E_NULL;
    if (n > SIZE_MAX / 4 - s->n_in) return MWK_E_OVERFLOW; /* n_in <= SIZE_MAX / 4 */
    push_plan q;
    plan_push(s, n, &q);
    if (q.due && !y) return MWK_E_NULL;
    if (y_cap < q.due) return MWK_E_CAPACITY;
    mwk_status st = mwk_engine_check_io(&s->p, x, s->rows, n, x_row_stride, x_stride, y, q.due,
                                        y_row_stride, y_stride, y_q_stride);
    if (st != MWK_OK) return st;
    if (n == 0) {
        *n_out = 0;
        return MWK_OK;
    }
    /* From here on a failure (memory) breaks the stream. The scratch (about
     * one segment of S + w values per thread) waits for the first window. */
    if ((st = grow(s, q.need)) != MWK_OK ||
        ((q.head_now || q.b > s->a) &&
         (st = make_scratch(s, x_stride != 1, y_stride != (ptrdiff_t)s->p.k)) != MWK_OK)) {
        s->broken = 1;
        return st;
    }
    st = run_rows(s, &q, x, x_row_stride, x_stride, n, y, y_row_stride, y_stride, y_q_stride);
    if (st != MWK_OK) {
        s->broken = 1;
        return st;
    }
    s->n_in = q.n_new;
    s->blen = (size_t)(q.n_new - q.b);
    s->a = q.b;
    if (q.head_now) s->head_done = 1;
    s->n_emitted += q.due;
    *n_out = q.due;
    return MWK_OK;
}

/* ------------------------------------------------------------------------ */
/* Finishing                                                                */

static mwk_status finish_row(const mwk_stream *s, const mwk_plan *pt, size_t r, char *y,
                             ptrdiff_t ys, ptrdiff_t yqs, mwk_scratch *sc) {
    const unsigned char *row = s->buf ? s->buf + r * s->bcap * s->es : NULL;
    const mwk_row_io io = {(const char *)row, 1, (size_t)s->a, s->blen, y, ys, yqs,
                           (size_t)s->n_emitted};
    mwk_status st = full_pieces(s, &io, s->a, pt->m, 0, sc);
    if (st != MWK_OK) return st;
    return mwk_engine_tail(pt, &io, sc);
}

mwk_status mwk_stream_finish(mwk_stream *s, void *y, size_t y_cap, ptrdiff_t y_row_stride,
                             ptrdiff_t y_stride, ptrdiff_t y_q_stride, size_t *n_out) {
    if (!s || !n_out) return MWK_E_NULL;
    if (s->broken || s->finished) return MWK_E_STATE;
    mwk_status st;
    const size_t due = finish_due(s, &st);
    if (st != MWK_OK) return st;
    if (due && !y) return MWK_E_NULL;
    if (y_cap < due) return MWK_E_CAPACITY;
    if ((st = mwk_engine_check_io(&s->p, NULL, s->rows, 0, 0, 1, y, due, y_row_stride, y_stride,
                                  y_q_stride)) != MWK_OK)
        return st;
    if (due == 0) {
        s->finished = 1;
        *n_out = 0;
        return MWK_OK;
    }
    if (s->n_in < s->w) {
        /* Every value is still buffered: the one call decides (clipped
         * windows under long_window). */
        mwk_options o = s->opt;
        o.algorithm = s->p.algo->id;
        st = mwk_engine_batch(s->d, &s->params, s->buf, s->dtype, s->rows, (size_t)s->n_in,
                              (ptrdiff_t)s->bcap, 1, y, y_row_stride, y_stride, y_q_stride, s->w,
                              &o);
        if (st != MWK_OK) {
            if (st == MWK_E_NOMEM) s->broken = 1;
            return st;
        }
    } else {
        if ((st = make_scratch(s, 0, y_stride != (ptrdiff_t)s->p.k)) != MWK_OK) {
            s->broken = 1;
            return st;
        }
        mwk_plan pt = s->p;
        pt.n = (size_t)s->n_in;
        pt.m = pt.n - s->w + 1;
        pt.out_len = pt.align == MWK_ALIGN_VALID ? pt.m : pt.n;
        const ptrdiff_t yes = (ptrdiff_t)mwk_dtype_size(s->p.out_dtype);
        int threads = s->nthreads;
        if (s->rows < 2 || s->rows * (s->blen + 1) < STREAM_MIN_PARALLEL) threads = 1;
        _Atomic int status = MWK_OK;
        char *yb = y;
#if MWK_HAVE_OPENMP
#pragma omp parallel for schedule(static) num_threads(threads) if (threads > 1)
#endif
        for (size_t r = 0; r < s->rows; r++) {
            if (atomic_load_explicit(&status, memory_order_relaxed) != MWK_OK) continue;
            int t = 0;
#if MWK_HAVE_OPENMP
            if (threads > 1) t = omp_get_thread_num();
#endif
            mwk_status e = finish_row(s, &pt, r, yb + (ptrdiff_t)r * y_row_stride * yes, y_stride,
                                      y_q_stride, &s->sc[t]);
            if (e != MWK_OK) atomic_store(&status, (int)e);
        }
        (void)threads;
        if ((st = (mwk_status)atomic_load(&status)) != MWK_OK) {
            s->broken = 1;
            return st;
        }
    }
    s->n_emitted += due;
    s->finished = 1;
    *n_out = due;
    return MWK_OK;
}

/* ------------------------------------------------------------------------ */
/* Serialisation                                                            */
/*
 * Layout (native byte order, marked): magic "MWKSTRM\0", u32 version, u32
 * endianness mark, u64 total size, then the fields below in order, then a
 * 64-bit FNV-1a checksum of every byte before it.
 */

typedef struct {
    unsigned char *p; /* NULL: size only */
    size_t len, cap;
} wbuf;

static void put(wbuf *b, const void *v, size_t n) {
    if (b->p && n && b->len + n <= b->cap) memcpy(b->p + b->len, v, n);
    b->len += n;
}
static void put_u32(wbuf *b, uint32_t v) { put(b, &v, 4); }
static void put_u64(wbuf *b, uint64_t v) { put(b, &v, 8); }
static void put_f64(wbuf *b, double v) { put(b, &v, 8); }

static uint64_t fnv1a(const unsigned char *p, size_t n) {
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < n; i++) h = (h ^ p[i]) * 0x100000001b3ull;
    return h;
}

static void write_state(const mwk_stream *s, wbuf *b, uint64_t total) {
    put(b, STREAM_MAGIC, 8);
    put_u32(b, STREAM_VERSION);
    put_u32(b, STREAM_ENDIAN);
    put_u64(b, total);
    put_u32(b, (uint32_t)s->stat);
    put_u32(b, (uint32_t)s->dtype);
    put_u64(b, s->rows);
    put_u64(b, s->w);
    put_u32(b, (uint32_t)s->opt.align);
    put_u32(b, (uint32_t)s->opt.algorithm);
    put_u32(b, (uint32_t)s->opt.nan_policy);
    put_u64(b, s->opt.min_count);
    put_u32(b, (uint32_t)s->opt.long_window);
    const size_t tl = strlen(s->tname);
    put_u32(b, (uint32_t)tl);
    put(b, s->tname, tl);
    put_u64(b, (uint64_t)(int64_t)s->params.ddof);
    put_f64(b, s->params.quantile);
    put_u32(b, (uint32_t)s->params.interpolation);
    put_f64(b, s->params.min_weight);
    put_u64(b, s->quantiles ? s->params.n_quantiles : 0);
    for (size_t i = 0; s->quantiles && i < s->params.n_quantiles; i++) put_f64(b, s->quantiles[i]);
    put_u64(b, s->weights ? s->params.n_weights : 0);
    for (size_t i = 0; s->weights && i < s->params.n_weights; i++) put_f64(b, s->weights[i]);
    put_u64(b, s->n_in);
    put_u64(b, s->a);
    put_u64(b, s->n_emitted);
    put_u32(b, (uint32_t)s->head_done);
    put_u32(b, (uint32_t)s->finished);
    put_u64(b, s->blen);
    for (size_t r = 0; s->blen && r < s->rows; r++) put(b, s->buf + r * s->bcap * s->es, s->blen * s->es);
}

mwk_status mwk_stream_serialize(const mwk_stream *s, void *buf, size_t cap, size_t *size) {
    if (!s || !size) return MWK_E_NULL;
    if (s->broken) return MWK_E_STATE;
    wbuf b = {NULL, 0, 0};
    write_state(s, &b, 0);
    const size_t total = b.len + 8;
    if (!buf) {
        *size = total;
        return MWK_OK;
    }
    if (cap < total) return MWK_E_CAPACITY;
    wbuf w = {buf, 0, cap};
    write_state(s, &w, total);
    const uint64_t h = fnv1a(buf, w.len);
    memcpy((unsigned char *)buf + w.len, &h, 8);
    *size = total;
    return MWK_OK;
}

typedef struct {
    const unsigned char *p;
    size_t len, at;
    int bad;
} rbuf;

static void get(rbuf *b, void *v, size_t n) {
    if (b->bad || n > b->len - b->at) {
        b->bad = 1;
        memset(v, 0, n);
        return;
    }
    memcpy(v, b->p + b->at, n);
    b->at += n;
}
static uint32_t get_u32(rbuf *b) {
    uint32_t v;
    get(b, &v, 4);
    return v;
}
static uint64_t get_u64(rbuf *b) {
    uint64_t v;
    get(b, &v, 8);
    return v;
}
static double get_f64(rbuf *b) {
    double v;
    get(b, &v, 8);
    return v;
}

/* An array of count doubles, count bounded by the bytes left. */
static double *get_doubles(rbuf *b, uint64_t count) {
    if (b->bad || count > (b->len - b->at) / 8) {
        b->bad = 1;
        return NULL;
    }
    double *v = malloc(count ? (size_t)count * 8 : 8);
    if (!v) return NULL;
    get(b, v, (size_t)count * 8);
    return v;
}

mwk_status mwk_stream_restore(const void *buf, size_t size, int threads, mwk_stream **out) {
    if (!buf || !out) return MWK_E_NULL;
    if (threads < 0) return MWK_E_THREADS;
    const unsigned char *p = buf;
    if (size < 32 + 8 || memcmp(p, STREAM_MAGIC, 8) != 0) return MWK_E_STATE;
    uint32_t version, endian;
    uint64_t total, h;
    memcpy(&version, p + 8, 4);
    memcpy(&endian, p + 12, 4);
    memcpy(&total, p + 16, 8);
    if (endian != STREAM_ENDIAN || version != STREAM_VERSION || total != size) return MWK_E_STATE;
    memcpy(&h, p + size - 8, 8);
    if (fnv1a(p, size - 8) != h) return MWK_E_STATE;

    rbuf b = {p, size - 8, 24, 0};
    const uint32_t stat = get_u32(&b), dtype = get_u32(&b);
    const uint64_t rows = get_u64(&b), window = get_u64(&b);
    mwk_options o;
    mwk_options_init(&o);
    o.align = (mwk_align)get_u32(&b);
    o.algorithm = (mwk_algorithm)get_u32(&b);
    o.nan_policy = (mwk_nan_policy)get_u32(&b);
    o.min_count = (size_t)get_u64(&b);
    o.long_window = (mwk_long_window)get_u32(&b);
    o.threads = threads;
    const uint32_t tl = get_u32(&b);
    char tname[STREAM_TARGET_MAX + 1];
    if (tl > STREAM_TARGET_MAX) return MWK_E_STATE;
    get(&b, tname, tl);
    tname[tl] = 0;
    o.target = tname;
    mwk_params pr;
    mwk_params_init(&pr);
    const int64_t ddof = (int64_t)get_u64(&b);
    if (ddof < INT_MIN || ddof > INT_MAX) return MWK_E_STATE;
    pr.ddof = (int)ddof;
    pr.quantile = get_f64(&b);
    pr.interpolation = (mwk_interpolation)get_u32(&b);
    pr.min_weight = get_f64(&b);
    const uint64_t nq = get_u64(&b);
    double *qs = get_doubles(&b, nq);
    const uint64_t nw = get_u64(&b);
    double *ws = b.bad ? NULL : get_doubles(&b, nw);
    const uint64_t n_in = get_u64(&b), a = get_u64(&b), n_emitted = get_u64(&b);
    const uint32_t head_done = get_u32(&b), finished = get_u32(&b);
    const uint64_t blen = get_u64(&b);
    mwk_status st = MWK_E_STATE;
    mwk_stream *s = NULL;
    if (b.bad || (nq && !qs) || (nw && !ws)) {
        st = b.bad ? MWK_E_STATE : MWK_E_NOMEM;
        goto fail;
    }
    pr.quantiles = nq ? qs : NULL, pr.n_quantiles = (size_t)nq;
    pr.weights = nw ? ws : NULL, pr.n_weights = (size_t)nw;
    if (rows == 0 || rows > size || window == 0 || window > SIZE_MAX / 16 ||
        stat >= (uint32_t)mwk_registry_count()) {
        st = MWK_E_STATE;
        goto fail;
    }
    st = mwk_stream_create((mwk_stat)stat, &pr, (mwk_dtype)dtype, (size_t)rows, (size_t)window, &o,
                           &s);
    if (st != MWK_OK) {
        if (st != MWK_E_TARGET && st != MWK_E_NOMEM && st != MWK_E_UNAVAILABLE) st = MWK_E_STATE;
        goto fail;
    }
    st = MWK_E_STATE;
    /* The counters must be those of a stream that was pushed: a = the
     * furthest cut point, the buffer x[a, n_in), outputs so far. */
    if (head_done > 1 || finished > 1 || n_in > SIZE_MAX / 4 || a > n_in || blen != n_in - a) goto fail;
    if (head_done != (n_in >= window)) goto fail;
    if (!finished) {
        if (head_done) {
            if (a != reach(s, 0, avail_of(s, n_in)) || n_emitted != s->p.nh + a) goto fail;
        } else if (a != 0 || n_emitted != 0) {
            goto fail;
        }
    }
    if (s->es && blen > (b.len - b.at) / s->es / rows) goto fail;
    if (blen * s->es * rows != b.len - b.at) goto fail;
    s->finished = (int)finished; /* a finished stream only answers get_info and serialize */
    s->n_in = n_in;
    s->a = a;
    s->n_emitted = n_emitted;
    s->head_done = (int)head_done;
    if (blen && grow(s, (size_t)blen) != MWK_OK) {
        st = MWK_E_NOMEM;
        goto fail;
    }
    for (size_t r = 0; blen && r < s->rows; r++) get(&b, s->buf + r * s->bcap * s->es, (size_t)blen * s->es);
    s->blen = (size_t)blen;
    if (b.bad) goto fail;
    free(qs);
    free(ws);
    *out = s;
    return MWK_OK;
fail:
    free(qs);
    free(ws);
    mwk_stream_free(s);
    return st;
}
