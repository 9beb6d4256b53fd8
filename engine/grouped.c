/* Grouped windows (include/mwk_stream.h): one array cut into consecutive
 * groups, the window restarting at every boundary.
 *
 * Each group is one row of an engine call (mwk_engine_batch), so the
 * results are bit-identical to one mwk_move_batch_k call per group by
 * construction (rows are independent). What this file adds: the offsets' validation, validation of
 * everything else ONCE for the whole array before anything is written (a
 * zero-row engine call checks the statistic, parameters, options, dtype,
 * target, algorithm and the byte extents; the overlap of the whole input and
 * output is checked here, since the engine's check only sees one group), the
 * output positions (valid alignment concatenates the groups' outputs), and
 * the sharing of groups among threads.
 *
 * Short groups (fewer than GROUPED_SMALL values) are batched by length: the
 * groups of one length are gathered into the rows of a block, run as one
 * engine batch (each row's results are those of a one-row call) and the
 * outputs scattered back; the engine's threads share out a block's rows.
 * An engine call has a fixed cost (option, target and algorithm
 * resolution, an OpenMP region, scratch allocation and release) of a few
 * microseconds, which one call per group of 10 values paid 100,000 times
 * (0.27-0.45 s; batched: 0.04-0.06 s, see BENCHMARKS.md "Grouped windows").
 * Longer groups are one engine call each, in place: those below
 * GROUPED_LONG shared out among threads (one thread per call), longer ones
 * one after another with every thread (the engine splits them into
 * segments). The engine's results never depend on the thread count or the
 * batch, so neither do these.
 */
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "mwk_config.h"
#include "mwk_stream.h"
#include "threads/threads.h"
#if MWK_HAVE_OPENMP
#include <omp.h>
#endif

/* Below this many values in all, threads cost more than they save (the
 * engine's own threshold for a batch). */
#define GROUPED_MIN_PARALLEL ((size_t)1 << 16)
/* Groups at least this long run with the caller's threads (the engine splits
 * them into segments of max(65536, 8w) windows) instead of one thread each. */
#define GROUPED_LONG ((size_t)1 << 18)
/* Groups shorter than this are batched by length (small_groups). */
#define GROUPED_SMALL ((size_t)2048)
/* Values per batch of short groups (the gathered block's length). */
#define GROUPED_BLOCK ((size_t)1 << 16)

static size_t uabs_(ptrdiff_t v) { return (size_t)(v < 0 ? -v : v); }

/* offsets: [0] = 0, non-decreasing; *total = offsets[n_groups]; *min_len =
 * the shortest non-empty group (SIZE_MAX when none). */
static mwk_status scan_offsets(const int64_t *off, size_t n_groups, size_t *total, size_t *min_len) {
    if (!off) return MWK_E_NULL;
    if (off[0] != 0) return MWK_E_PARAMS;
    size_t mn = SIZE_MAX;
    for (size_t g = 0; g < n_groups; g++) {
        if (off[g + 1] < off[g]) return MWK_E_PARAMS;
        const uint64_t len = (uint64_t)(off[g + 1] - off[g]);
        if (len && len < mn) mn = (size_t)len;
    }
    if ((uint64_t)off[n_groups] > (uint64_t)(SIZE_MAX / 2)) return MWK_E_PARAMS;
    *total = (size_t)off[n_groups];
    *min_len = mn;
    return MWK_OK;
}

/* Output length and layout. The options are read through mwk_move_len (so
 * that every released version of mwk_options is read as the engine reads
 * it): a window of w over w values gives w outputs unless the alignment is
 * valid. The long-window rule is applied to the shortest non-empty group
 * (empty groups have no outputs under every rule). */
static mwk_status geometry(const int64_t *off, size_t n_groups, size_t n, size_t min_len, size_t w,
                           const mwk_options *opt, size_t *out_len, int *valid) {
    size_t lw, t;
    mwk_status st = mwk_move_len(w, w, opt, &lw);
    if (st != MWK_OK) return st;
    if (min_len < w && (st = mwk_move_len(min_len, w, opt, &t)) != MWK_OK) return st;
    *valid = w > 1 && lw == 1;
    if (!*valid) {
        *out_len = n;
        return MWK_OK;
    }
    size_t L = 0;
    for (size_t g = 0; g < n_groups; g++) {
        const size_t len = (size_t)(off[g + 1] - off[g]);
        if (len >= w) L += len - w + 1;
    }
    *out_len = L;
    return MWK_OK;
}

mwk_status mwk_move_grouped_len(const int64_t *offsets, size_t n_groups, size_t window,
                                const mwk_options *opt, size_t *out_len) {
    if (!out_len) return MWK_E_NULL;
    size_t n, mn;
    int valid;
    mwk_status st = scan_offsets(offsets, n_groups, &n, &mn);
    if (st != MWK_OK) return st;
    return geometry(offsets, n_groups, n, mn, window, opt, out_len, &valid);
}

/* Inclusive byte range of `count` elements `stride` apart, widened by a
 * second axis (k values `qstride` apart). The engine's zero-row validation
 * has already checked that these extents do not overflow. */
static void byte_range(const void *base, size_t count, ptrdiff_t stride, size_t k, ptrdiff_t qstride,
                       size_t es, uintptr_t *lo, uintptr_t *hi) {
    const uintptr_t b = (uintptr_t)base;
    const size_t e1 = count > 1 ? (count - 1) * uabs_(stride) * es : 0;
    const size_t e2 = k > 1 ? (k - 1) * uabs_(qstride) * es : 0;
    *lo = b - (stride < 0 ? e1 : 0) - (qstride < 0 ? e2 : 0);
    *hi = b + (stride > 0 ? e1 : 0) + (qstride > 0 ? e2 : 0) + es - 1;
}

/* No two of the L x k output values share memory (sorted by |stride|, the
 * larger stride steps over the extent of the smaller axis). */
static int no_self_overlap(size_t L, ptrdiff_t ys, size_t k, ptrdiff_t yqs) {
    size_t c[2] = {L, k}, s[2] = {uabs_(ys), uabs_(yqs)};
    if (k <= 1) return L <= 1 || s[0] != 0;
    if (L <= 1) return s[1] != 0;
    if (s[1] < s[0]) {
        size_t t = s[0]; s[0] = s[1]; s[1] = t;
        t = c[0]; c[0] = c[1]; c[1] = t;
    }
    return s[0] != 0 && s[1] > s[0] * (c[0] - 1);
}

typedef struct {
    const mwk_stat_desc *d;
    const mwk_params *params;
    const char *x;
    mwk_dtype dtype;
    ptrdiff_t xs, ys, yqs;
    size_t ies, oes, w;
    char *y;
    size_t k; /* values per output position */
} job;

static size_t group_len(const int64_t *off, size_t g) { return (size_t)(off[g + 1] - off[g]); }
static size_t out_count(size_t len, size_t w, int valid) { return valid ? (len >= w ? len - w + 1 : 0) : len; }

/* Short groups, batched by length: the groups of one length are gathered
 * into the rows of a contiguous block (raw elements of the input dtype, so
 * that the engine converts them as it converts the caller's array), run as
 * one batch (rows are independent: each row's results are those of a
 * one-row call), and the outputs scattered to the groups' positions. One
 * engine call per length and block instead of one per group: the call's
 * fixed cost (resolution, a parallel region, scratch allocation) is a few
 * microseconds, the cost of thousands of values. The engine's threads share out
 * the rows of a block. */
static mwk_status small_groups(const job *j, const int64_t *off, size_t G, const size_t *ypos, int valid,
                               const mwk_options *o) {
    size_t count[GROUPED_SMALL] = {0}, start[GROUPED_SMALL];
    size_t n_small = 0;
    for (size_t g = 0; g < G; g++) {
        const size_t len = group_len(off, g);
        if (len && len < GROUPED_SMALL && out_count(len, j->w, valid)) count[len]++, n_small++;
    }
    if (!n_small) return MWK_OK;
    size_t *order = malloc(n_small * sizeof *order);
    char *xt = malloc(GROUPED_BLOCK * j->ies);
    char *yt = malloc(GROUPED_BLOCK * j->k * j->oes);
    mwk_status st = MWK_OK;
    if (!order || !xt || !yt) {
        st = MWK_E_NOMEM;
        goto done;
    }
    /* Counting sort of the groups by length (stable: ascending offsets). */
    for (size_t L = 0, p = 0; L < GROUPED_SMALL; L++) start[L] = p, p += count[L];
    for (size_t g = 0; g < G; g++) {
        const size_t len = group_len(off, g);
        if (len && len < GROUPED_SMALL && out_count(len, j->w, valid)) order[start[len]++] = g;
    }
    const ptrdiff_t xes = (ptrdiff_t)j->ies, yes = (ptrdiff_t)j->oes;
    const size_t k = j->k;
    size_t at = 0; /* into order */
    for (size_t L = 1; L < GROUPED_SMALL && st == MWK_OK; L++) {
        const size_t Lout = out_count(L, j->w, valid);
        for (size_t left = count[L]; left > 0 && st == MWK_OK;) {
            size_t R = GROUPED_BLOCK / L;
            if (R > left) R = left;
            for (size_t r = 0; r < R; r++) {
                const size_t g = order[at + r];
                const char *src = j->x + (ptrdiff_t)off[g] * j->xs * xes;
                char *dst = xt + r * L * j->ies;
                if (j->xs == 1) {
                    memcpy(dst, src, L * j->ies);
                } else {
                    for (size_t i = 0; i < L; i++)
                        memcpy(dst + i * j->ies, src + (ptrdiff_t)i * j->xs * xes, j->ies);
                }
            }
            st = mwk_engine_batch(j->d, j->params, xt, j->dtype, R, L, (ptrdiff_t)L, 1, yt,
                                  (ptrdiff_t)(Lout * k), (ptrdiff_t)k, 1, j->w, o);
            if (st != MWK_OK) break;
            for (size_t r = 0; r < R; r++) {
                const size_t g = order[at + r];
                const size_t p0 = valid ? ypos[g] : (size_t)off[g];
                const char *src = yt + r * Lout * k * j->oes;
                char *dst = j->y + (ptrdiff_t)p0 * j->ys * yes;
                if (j->ys == (ptrdiff_t)k && (k == 1 || j->yqs == 1)) {
                    memcpy(dst, src, Lout * k * j->oes);
                    continue;
                }
                for (size_t i = 0; i < Lout; i++)
                    for (size_t q = 0; q < k; q++)
                        memcpy(dst + ((ptrdiff_t)i * j->ys + (ptrdiff_t)q * j->yqs) * yes,
                               src + (i * k + q) * j->oes, j->oes);
            }
            at += R;
            left -= R;
        }
    }
done:
    free(order);
    free(xt);
    free(yt);
    return st;
}

static mwk_status run_group(const job *j, size_t lo, size_t len, size_t ypos, const mwk_options *o) {
    if (len == 0) return MWK_OK;
    return mwk_engine_batch(j->d, j->params, j->x + (ptrdiff_t)lo * j->xs * (ptrdiff_t)j->ies, j->dtype, 1,
                            len, 0, j->xs, j->y + (ptrdiff_t)ypos * j->ys * (ptrdiff_t)j->oes, 0, j->ys,
                            j->yqs, j->w, o);
}

/* Groups of GROUPED_SMALL values and more: one engine call each, in place.
 * Those below GROUPED_LONG are shared out among threads (one thread per
 * call); longer ones run one after another with every thread (the engine
 * splits them into segments). */
static mwk_status large_groups(const job *j, const int64_t *off, size_t G, const size_t *ypos, size_t n,
                               const mwk_options *o) {
    int threads = o->threads;
    if (n < GROUPED_MIN_PARALLEL) threads = 1;
    mwk_options o1 = *o;
    o1.threads = 1;
    _Atomic int status = MWK_OK;
#if MWK_HAVE_OPENMP
#pragma omp parallel for num_threads(threads) schedule(dynamic, 1) if (threads > 1)
#endif
    for (size_t g = 0; g < G; g++) {
        const size_t len = group_len(off, g);
        if (len < GROUPED_SMALL || len >= GROUPED_LONG) continue;
        if (atomic_load_explicit(&status, memory_order_relaxed) != MWK_OK) continue;
        mwk_status s = run_group(j, (size_t)off[g], len, ypos ? ypos[g] : (size_t)off[g], &o1);
        if (s != MWK_OK) atomic_store(&status, (int)s);
    }
    mwk_status st = (mwk_status)atomic_load(&status);
    for (size_t g = 0; g < G && st == MWK_OK; g++) {
        const size_t len = group_len(off, g);
        if (len >= GROUPED_LONG) st = run_group(j, (size_t)off[g], len, ypos ? ypos[g] : (size_t)off[g], o);
    }
    (void)threads; /* unused without OpenMP */
    return st;
}

mwk_status mwk_move_grouped(mwk_stat stat, const mwk_params *params, const void *x,
                            mwk_dtype dtype, size_t n, ptrdiff_t x_stride,
                            const int64_t *offsets, size_t n_groups, void *y,
                            ptrdiff_t y_stride, ptrdiff_t y_q_stride, size_t window,
                            const mwk_options *opt) {
    const mwk_stat_desc *d = mwk_registry_get(stat);
    if (!d) return MWK_E_STAT;
    if (!x || !y || !offsets) return MWK_E_NULL;
    size_t total, min_len, out_len;
    int valid;
    mwk_status st = scan_offsets(offsets, n_groups, &total, &min_len);
    if (st != MWK_OK) return st;
    if (total != n) return MWK_E_PARAMS;
    if ((st = geometry(offsets, n_groups, n, min_len, window, opt, &out_len, &valid)) != MWK_OK) return st;

    /* The caller's options as a current struct (mwk_move_len accepted its
     * struct_size: a released version, at most ours). */
    mwk_options o;
    mwk_options_init(&o);
    if (opt) {
        memcpy(&o, opt, opt->struct_size);
        o.struct_size = sizeof o;
    }
    /* Everything else, once, for the whole array: rows = 0 validates and
     * computes nothing. The long-window rule was applied per group above;
     * the whole array must not trip it. */
    mwk_options v = o;
    v.long_window = MWK_LONG_WINDOW_CLIP;
    if ((st = mwk_engine_batch(d, params, x, dtype, 0, n, 0, x_stride, y, 0, y_stride, y_q_stride, window,
                               &v)) != MWK_OK)
        return st;
    size_t k;
    mwk_dtype odt;
    if ((st = mwk_move_n_out(stat, params, &k)) != MWK_OK) return st;
    if ((st = mwk_move_out_dtype(stat, dtype, &odt)) != MWK_OK) return st;
    if (n == 0 || out_len == 0) return MWK_OK;
    const size_t ies = mwk_dtype_size(dtype), oes = mwk_dtype_size(odt);
    uintptr_t xlo, xhi, ylo, yhi;
    byte_range(x, n, x_stride, 1, 0, ies, &xlo, &xhi);
    byte_range(y, out_len, y_stride, k, y_q_stride, oes, &ylo, &yhi);
    if (!(yhi < xlo || xhi < ylo)) return MWK_E_OVERLAP;
    if (!no_self_overlap(out_len, y_stride, k, y_q_stride)) return MWK_E_OVERLAP;

    int threads = o.threads;
    if (threads == 0 && mwk_threads_default(&threads) != MWK_OK) return MWK_E_THREADS;
    o.threads = threads;

    /* Output position of each group: its offset, or (valid) the number of
     * outputs of the groups before it. */
    size_t *ypos = NULL;
    if (valid) {
        if (!(ypos = malloc(n_groups * sizeof *ypos))) return MWK_E_NOMEM;
        size_t p = 0;
        for (size_t g = 0; g < n_groups; g++) {
            const size_t len = (size_t)(offsets[g + 1] - offsets[g]);
            ypos[g] = p;
            if (len >= window) p += len - window + 1;
        }
    }
    const job j = {d, params, x, dtype, x_stride, y_stride, y_q_stride, ies, oes, window, y, k};
    st = small_groups(&j, offsets, n_groups, ypos, valid, &o);
    if (st == MWK_OK) st = large_groups(&j, offsets, n_groups, ypos, n, &o);
    free(ypos);
    return st;
}
