/* The window engine: what every statistic shares, and what a statistic
 * supplies to plug into it.
 *
 * The engine owns validation, dtype load/store, strides, the fixed segment
 * grid (results independent of the thread count), OpenMP over rows and
 * segments, per-thread scratch, missing values (NaN policy, per-window
 * counts, min_count), the clipped windows at the ends and the long-window
 * rule. A statistic (kernels/<name>/) supplies an mwk_stat_desc: its
 * reference, its algorithms' cores for the FULL windows of a contiguous
 * float64 segment, an accumulator for clipped windows, and its auto table.
 * kernels/registry.def lists the statistics (one line each).
 *
 * Non-finite values. A core first runs on the data as it is (the fast path)
 * and returns 0 when every output it wrote is final. It returns 1 when it
 * saw something the engine must handle (a NaN or inf, or an overflow); then,
 * by the statistic's class:
 *   MWK_NF_SUM      the segment is copied with NaN/inf replaced by 0 and the
 *                   core re-run with masked = 1 (divisor 1 for means); each
 *                   window's NaN/+inf/-inf counts and finalize() decide.
 *   MWK_NF_MOMENTS  the copy has every non-finite value replaced by NaN; the
 *                   cores treat NaN as absent (they must, in both modes, and
 *                   report having seen one on the fast path); windows that
 *                   held an inf give NaN.
 *   MWK_NF_ORDER    inf is an ordinary value and cores skip NaN natively: no
 *                   copy, no re-run; the counts decide (policy, min_count).
 * A finite-data window whose result came out non-finite (overflow of an
 * intermediate) is recomputed by the reference, which scales.
 * For algorithms with a grid (mwk_algo_desc.grid: windows independent of
 * the rest of the segment), a window without NaN/inf keeps its fast-path
 * value through a rescue (when finite), so that its result never depends on
 * a non-finite value elsewhere in the segment (what streams need).
 */
#ifndef MWK_ENGINE_H
#define MWK_ENGINE_H
#include <stddef.h>
#include <stdint.h>

#include "dispatch/dispatch.h"
#include "mwk.h"

/* One contiguous float64 segment handed to a core: n inputs, n - w + 1 full
 * windows, out[j] for the window x[j .. j+w). */
struct mwk_stat_desc;
typedef struct mwk_seg {
    const struct mwk_stat_desc *stat; /* the statistic being computed */
    const double *x;
    size_t n, w;
    double *out;
    const mwk_params *params; /* complete (defaults filled in), never NULL */
    mwk_target target;        /* SIMD target for this call */
    mwk_nan_policy policy;    /* for cores that produce final values (naive) */
    size_t min_count;
    int masked;      /* 1: the rescue pass (see above) */
    int stream;      /* out is the caller's final output and large: stores may bypass the cache */
    size_t k;        /* values per window (mwk_stat_desc.n_out): window j's value q is
                        out[j*k + q] */
    size_t valid_lo, valid_hi; /* x[i] outside [valid_lo, valid_hi) is padding (NaN) added
                        by the engine around the clipped windows of a statistic without an
                        accumulator (see acc_add); [0, n) otherwise. Only statistics whose
                        value depends on a position in the window (rank's newest element)
                        need them. */
    void *scratch;   /* the algorithm's scratch_bytes(), 64-byte aligned, per thread and
                        call; its first 64 bytes are zero when the call starts (a
                        core may cache there what later segments reuse). NULL on
                        rescue paths: a core must then manage on its own. */
    mwk_status err;  /* set by a core that returns -1 */
} mwk_seg;

/* 0: outputs final; 1: see above; -1: error in s->err. */
typedef int (*mwk_core_fn)(mwk_seg *s);

/* Algorithm flags. */
#define MWK_AF_FINAL 0x1u    /* outputs are final under every rule (policy, min_count): no rescue */
#define MWK_AF_PARTIAL 0x2u  /* on 1 in the masked pass the outputs may be garbage (a running
                                state that stopped): the statistic's masked_fallback redoes it */
#define MWK_AF_FFTW 0x4u     /* needs FFTW: unavailable without it */
#define MWK_AF_NO_AUTO 0x8u  /* weaker contract: auto never picks it */
#define MWK_AF_BLAS 0x10u    /* needs a BLAS: unavailable without it */

typedef struct mwk_algo_desc {
    mwk_algorithm id;
    mwk_core_fn core;
    /* Scratch bytes for segments of at most n inputs (NULL: none). */
    size_t (*scratch_bytes)(size_t n, size_t w);
    unsigned flags;
    /* Locality (NULL: history-dependent, e.g. a running state from the
     * segment start). An algorithm with a grid g = grid(w) >= 1 promises:
     *   - running its core (fast and masked pass alike) on the windows
     *     [a, b) of a segment, a - segment start a multiple of g and b a
     *     multiple too or the segment end, gives bit-identically the outputs
     *     of the whole segment's run;
     *   - the fast-path value of a window that holds no NaN or inf does not
     *     depend on values outside the window.
     * The engine then keeps that fast value for such windows after a
     * rescue pass (full_windows), so that a one-call result never depends on
     * a non-finite value in another window; streams (engine/stream.c) cut
     * segments at grid points. Appended last: positional initialisers
     * without it mean NULL. */
    size_t (*grid)(size_t w);
} mwk_algo_desc;

/* Common grids (engine.c). */
size_t mwk_grid_vector(size_t w); /* per-window results: 64 windows (any vector width) */
size_t mwk_grid_window(size_t w); /* blocks of w windows from the segment start */

typedef enum mwk_nf_class { MWK_NF_SUM, MWK_NF_MOMENTS, MWK_NF_ORDER } mwk_nf_class;

/* Accumulator for windows that grow from one end (the clipped windows at
 * the ends of a row): accurate by construction, any order of adds. */
typedef struct mwk_acc {
    double d[8];
    size_t z[2];
} mwk_acc;

/* Auto table row: the first row whose target matches ("*" = any) and whose
 * max_window >= w wins. Generated by bench/derive_auto.py. */
typedef struct mwk_auto_rule {
    const char *target;
    size_t max_window;
    mwk_algorithm algorithm;
} mwk_auto_rule;

typedef struct mwk_stat_desc {
    const char *name;
    unsigned params;      /* MWK_PARAM_* it reads */
    int keeps_f32;        /* float32/float16 input -> float32 output */
    mwk_nf_class nf;
    const char *contract; /* one sentence, for mwk_stat_info */
    /* Parameter check (NULL: nothing to check). */
    mwk_status (*check)(const mwk_params *p);
    /* The reference: the window x[lo, hi) under every rule, accurate by
     * construction (never overflows where the exact result is finite). */
    double (*ref)(const double *x, size_t lo, size_t hi, const mwk_params *p,
                  mwk_nan_policy policy, size_t min_count);
    /* Clipped windows: add gets valid values only (finite; for MWK_NF_ORDER
     * also +-inf) with their row index; value gives what a masked core
     * gives for that window. MWK_NF_ORDER statistics whose state does not
     * fit an mwk_acc (median, quantile, rank) leave acc_add NULL: the engine
     * then runs the algorithm's core over the clipped windows, padded with
     * NaN to full length (the cores skip NaN; mwk_seg.valid_lo/hi say where
     * the padding is), and applies the counts of the real values. */
    void (*acc_init)(mwk_acc *a);
    void (*acc_add)(mwk_acc *a, double v, size_t idx);
    double (*acc_value)(const mwk_acc *a, size_t count, size_t newest, const mwk_params *p);
    /* Optional fast path for the clipped windows when they hold no NaN or
     * inf: out[i] = the final result for the window of the first i+1 values
     * of x[0, len) (backward: the last i+1), every value valid. argmin/argmax
     * count from the newest element: x[i] forward, x[len-1] backward. NULL:
     * the engine uses the accumulator one value at a time. */
    void (*acc_scan)(const double *x, size_t len, int backward, const mwk_params *p, double *out);
    /* Masked-core or accumulator value -> result, given the number of valid
     * values (after the engine's NaN/inf/min_count rules passed). */
    double (*finalize)(double v, size_t count, const mwk_params *p);
    const mwk_algo_desc *algos; /* algos[0] is MWK_ALGO_NAIVE */
    size_t n_algos;
    mwk_core_fn masked_fallback; /* for MWK_AF_PARTIAL algorithms */
    /* Optional: int64/uint64 data holding values beyond 2^53, where the
     * float64 working row would merge distinct integers (argmin/argmax).
     * Outputs k0..k1-1 of the row (output k covers x[k-left, k+right]
     * clipped to [0, n); float64, y[0] is output k0, `ys` apart) from the
     * raw integers; results under min_count. The engine calls it for a work
     * item whose own input stretch holds such a value: a stretch without
     * one is exact in float64. */
    void (*raw_int)(const void *x, mwk_dtype dt, ptrdiff_t xs, size_t n, size_t left,
                    size_t right, size_t k0, size_t k1, size_t min_count, double *y, ptrdiff_t ys);
    const mwk_auto_rule *rules;
    size_t n_rules;
    mwk_algorithm auto_default; /* when no rule matches */
    /* Values per window (NULL: 1), from complete, checked parameters. */
    size_t (*n_out)(const mwk_params *p);
} mwk_stat_desc;

/* The engine's batch entry for any descriptor, in or out of the registry
 * (mwk_move_batch_k is this for registry statistics; the Hampel filter runs
 * its internal median+MAD descriptor through it). */
mwk_status mwk_engine_batch(const mwk_stat_desc *d, const mwk_params *params, const void *x,
                            mwk_dtype dtype, size_t rows, size_t n, ptrdiff_t x_row_stride,
                            ptrdiff_t x_stride, void *y, ptrdiff_t y_row_stride,
                            ptrdiff_t y_stride, ptrdiff_t y_q_stride, size_t window,
                            const mwk_options *opt);
/* Complete parameters (defaults for the fields an older caller lacks). */
mwk_status mwk_engine_params(const mwk_params *in, mwk_params *out);

/* The registry (engine/registry.c, from kernels/registry.def). */
const mwk_stat_desc *mwk_registry_get(mwk_stat stat); /* NULL when out of range */
size_t mwk_registry_count(void);
const mwk_algo_desc *mwk_registry_algo(const mwk_stat_desc *d, mwk_algorithm a);
int mwk_algo_available(const mwk_algo_desc *a);

/* 1 when every x[0, len) is finite. */
int mwk_all_finite(const double *x, size_t len);

/* The generic naive core: every full window through s->stat->ref (final
 * values: flag it MWK_AF_FINAL). */
int mwk_core_reference(mwk_seg *s);

/* dtypes (engine/dtype.c) */
size_t mwk_dtype_size(mwk_dtype d);
int mwk_dtype_valid(mwk_dtype d);
/* n elements of dtype dt, `stride` elements apart, to contiguous float64. */
void mwk_load_f64(const void *x, mwk_dtype dt, size_t n, ptrdiff_t stride, double *dst);
/* n float64 values to dtype dt (MWK_F64 or MWK_F32), `stride` apart. */
void mwk_store_f64(const double *src, mwk_dtype dt, size_t n, void *y, ptrdiff_t stride);

/* ------------------------------------------------------------------------ */
/* Engine internals shared with the stream (engine/stream.c).               */

typedef struct mwk_plan {
    const mwk_stat_desc *stat;
    const mwk_algo_desc *algo; /* resolved: never AUTO */
    mwk_params params;         /* complete */
    mwk_dtype dtype, out_dtype;
    mwk_align align;
    mwk_nan_policy policy;
    size_t n, w, min_count, out_len;
    size_t left, right; /* window of output k: [k-left, k+right] */
    size_t m;           /* full windows per row (0 when w > n) */
    size_t nh, nt;      /* clipped outputs at the head and the tail */
    size_t k;           /* values per output position (n_out) */
    mwk_target target;
    int threads;
    int stream;
} mwk_plan;

typedef struct mwk_scratch {
    double *xr;    /* converted input stretch (cap_x) */
    double *yr;    /* staging output (cap_y) */
    double *xs;    /* masked copy (cap_x), on demand */
    double *yf;    /* fast-path outputs kept through a rescue (cap_x * k), on demand */
    double *xp;    /* padded clipped windows (statistics without an accumulator) */
    double *yp;    /* their outputs, k per window */
    void *ealgo;   /* the algorithm's scratch for them */
    double *col;   /* one value of k, gathered for the store (k > 1) */
    void *algo;    /* the algorithm's scratch */
    size_t cap_x;
} mwk_scratch;

/* A view of a row: x holds the row's inputs [x0, x0 + xn) (x points at input
 * x0, xs elements apart), y receives its outputs from output y0 on (y points
 * at output y0). The one call: x0 = y0 = 0, xn = n. */
typedef struct mwk_row_io {
    const char *x;
    ptrdiff_t xs;
    size_t x0, xn;
    char *y;
    ptrdiff_t ys, yqs; /* yqs: between the k values of an output position */
    size_t y0;
} mwk_row_io;

mwk_status mwk_engine_resolve(const mwk_stat_desc *d, const mwk_params *params, mwk_dtype dtype,
                              size_t n, size_t window, const mwk_options *opt, mwk_plan *p);
mwk_status mwk_engine_options(const mwk_options *in, mwk_options *out);
/* Full windows per segment: max(65536, 8w). */
size_t mwk_engine_segment_outputs(size_t w);
/* Scratch for segments of p (xs, ys: 0 = any stride, staging always). */
mwk_status mwk_engine_scratch_init(const mwk_plan *p, ptrdiff_t xs, ptrdiff_t ys, mwk_scratch *sc);
void mwk_engine_scratch_free(mwk_scratch *sc);
/* The full windows [j0, j1) (window j: x[j, j+w), output p->nh + j) of one
 * segment, from a view holding their inputs. */
mwk_status mwk_engine_full(const mwk_plan *p, const mwk_row_io *io, size_t j0, size_t j1,
                           int stream, mwk_scratch *sc);
/* The clipped head outputs [0, p->nh) (the view holds x[0, min(n, nh + right))),
 * and the tail outputs [out_len - nt, out_len) (the view holds x[t0, n)). */
mwk_status mwk_engine_head(const mwk_plan *p, const mwk_row_io *io, mwk_scratch *sc);
mwk_status mwk_engine_tail(const mwk_plan *p, const mwk_row_io *io, mwk_scratch *sc);
/* Overflow/overlap checks of an input (rows x n) and an output (rows x L x k)
 * as mwk_move_batch_k does them (x unchecked when n is 0, y when L is 0). */
mwk_status mwk_engine_check_io(const mwk_plan *p, const void *x, size_t rows, size_t n,
                               ptrdiff_t xrs, ptrdiff_t xs, const void *y, size_t L,
                               ptrdiff_t yrs, ptrdiff_t ys, ptrdiff_t yqs);

/* 64-byte aligned allocation helpers (scratch). */
void *mwk_aligned_alloc(size_t bytes);
void mwk_aligned_free(void *p);

#endif
