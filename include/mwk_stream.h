/*
 * mwk: windows beyond one in-memory array.
 *   1. Streams: the state of a moving statistic carried across chunks, and
 *      saved to bytes so that another process can carry on.
 *   2. Grouped windows: one call that restarts the window at each group.
 * Same conventions as mwk.h: every function returns a status, never prints,
 * aborts or exits; a call that fails validation changes nothing.
 */
#ifndef MWK_STREAM_H
#define MWK_STREAM_H
#include "mwk.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * ---------------------------------------------------------------------------
 * Streams
 * ---------------------------------------------------------------------------
 * A stream computes mwk_move_batch_k(stat, params, X, ...) of a batch of
 * `rows` rows whose values arrive in pieces: X is the concatenation, along
 * each row, of every chunk pushed. Every output is BIT-IDENTICAL to that one
 * call over the concatenation, for every statistic, algorithm, SIMD target,
 * dtype, alignment, NaN policy, min_count and long_window rule, and for any
 * chunking (chunks of 0 or 1 value included). Rows are independent; every
 * push gives each row the same number of values.
 *
 * Outputs come out in order. A push returns the outputs that became final
 * and that the algorithm can compute without holding the rest back:
 *   - an output needs every value of its window: trailing windows are final
 *     when their newest value arrives, centered ones (w-1)/2 values later,
 *     valid ones w-1 values later;
 *   - the first outputs wait until w values have arrived (with fewer, the
 *     one-call result depends on long_window: finish() decides);
 *   - algorithms whose result for a window depends on what came before it
 *     in its segment compute whole segments of the one-call grid
 *     (S = max(65536, 8w) windows) and hold up to S - 1 complete outputs and
 *     S + w - 2 values per row back: ring, welford, fft, the weighted fft,
 *     var/std prefix (a certified fast form per block whose fallback covers
 *     the segment; auto picks it for var/std) and median/quantile heap (which
 *     of -0.0 and +0.0 it returns for a tie depends on the heap's history);
 *   - the others compute the windows up to a cut point every g windows from
 *     the segment start and hold back at most g - 1 complete outputs and
 *     about g + w values per row: g = w for prefix (sum, mean, min, max,
 *     argmin, argmax: blocks of w), g = 64 for naive, deque, direct, rank and
 *     the order-statistic structures other than heap (their windows are
 *     independent);
 *   mwk_stream_info.max_held is that bound (g - 1 or S - 1) for the
 *   stream's resolved algorithm.
 * finish() returns the rest: the clipped windows at the end (trailing has
 * none, centered has (w-1)/2), and, when fewer than w values arrived in all,
 * everything under long_window (MWK_E_WINDOW_TOO_LONG with the default
 * rule, as the one call).
 *
 * Threads: one stream must not be used by two threads at once; distinct
 * streams are independent. opt.threads splits the rows of a push.
 */
typedef struct mwk_stream mwk_stream;

typedef struct mwk_stream_info {
    size_t struct_size;      /* sizeof(mwk_stream_info) */
    mwk_stat stat;
    mwk_algorithm algorithm; /* resolved (never AUTO) */
    const char *target;      /* resolved SIMD target name (static string) */
    mwk_dtype dtype;         /* input dtype of every push */
    mwk_dtype out_dtype;
    size_t rows, window;
    size_t n_out;            /* values per output position (quantiles) */
    uint64_t n_in;           /* values pushed so far, per row */
    uint64_t n_emitted;      /* output positions returned so far, per row */
    size_t max_held;         /* at most this many complete outputs (of at least w values
                                pushed) are held back by a push (see above) */
    int finished;
} mwk_stream_info;

/** A stream for `rows` rows (>= 1) of dtype `dtype`. params, opt as for
 *  mwk_move_batch_k (the arrays in params, weights and quantiles, are copied).
 *  opt->target is resolved now and kept. Errors: those of mwk_move_batch_k
 *  that do not depend on the data length, MWK_E_NULL, MWK_E_NOMEM. */
MWK_API mwk_status mwk_stream_create(mwk_stat stat, const mwk_params *params, mwk_dtype dtype,
                                     size_t rows, size_t window, const mwk_options *opt,
                                     mwk_stream **out);
/** Frees a stream (NULL: nothing). */
MWK_API void mwk_stream_free(mwk_stream *s);

MWK_API mwk_status mwk_stream_get_info(const mwk_stream *s, mwk_stream_info *info);

/** Upper bound on the output positions per row that a push of n values
 *  (finish: n = 0 and finishing = 1) can return. */
MWK_API mwk_status mwk_stream_max_out(const mwk_stream *s, size_t n, int finishing,
                                      size_t *max_out);

/**
 * Push n values per row: row r's values are x[r*x_row_stride + i*x_stride],
 * i < n (strides in elements, any sign). Outputs: *n_out positions per row
 * (the same for every row) written like mwk_move_batch_k's y, position j of
 * row r, value q at y[r*y_row_stride + j*y_stride + q*y_q_stride]. y_cap is
 * the room per row in positions: fewer than the outputs due is
 * MWK_E_CAPACITY (mwk_stream_max_out gives a sufficient size) and changes
 * nothing. Errors: MWK_E_NULL (x with n > 0, y with outputs due, n_out),
 * MWK_E_OVERFLOW, MWK_E_OVERLAP, MWK_E_CAPACITY, MWK_E_STATE (finished or
 * broken stream), MWK_E_NOMEM (the stream is then broken: MWK_E_STATE on
 * every later call but free).
 */
MWK_API mwk_status mwk_stream_push(mwk_stream *s, const void *x, size_t n, ptrdiff_t x_row_stride,
                                   ptrdiff_t x_stride, void *y, size_t y_cap,
                                   ptrdiff_t y_row_stride, ptrdiff_t y_stride,
                                   ptrdiff_t y_q_stride, size_t *n_out);

/** The remaining outputs (see above); the stream is finished afterwards
 *  (pushes give MWK_E_STATE). Errors as push, plus MWK_E_WINDOW_TOO_LONG. */
MWK_API mwk_status mwk_stream_finish(mwk_stream *s, void *y, size_t y_cap,
                                     ptrdiff_t y_row_stride, ptrdiff_t y_stride,
                                     ptrdiff_t y_q_stride, size_t *n_out);

/**
 * The stream's state as bytes: buf NULL (cap ignored) gives the size in
 * *size; else at most cap bytes are written (MWK_E_CAPACITY when too small).
 * The format is versioned and checksummed; it holds the statistic, params,
 * window, options (the resolved target by name), dtype, rows, counters and
 * the values each row still needs. Restoring it on the same target gives
 * bit-identical outputs to a stream that was never interrupted.
 */
MWK_API mwk_status mwk_stream_serialize(const mwk_stream *s, void *buf, size_t cap, size_t *size);

/** A stream from mwk_stream_serialize's bytes. Anything else (truncated,
 *  corrupt, another format version, another byte order) is MWK_E_STATE,
 *  never a crash. threads: as mwk_options.threads for the new stream. If the
 *  saved target is not supported here, MWK_E_TARGET. */
MWK_API mwk_status mwk_stream_restore(const void *buf, size_t size, int threads,
                                      mwk_stream **out);

/**
 * ---------------------------------------------------------------------------
 * Grouped windows
 * ---------------------------------------------------------------------------
 * One array of n values cut into n_groups consecutive groups: group g is
 * x[offsets[g], offsets[g+1]) (offsets[0] = 0, non-decreasing,
 * offsets[n_groups] = n; empty groups allowed). Each group gets exactly
 * mwk_move_k(stat, params, group, ..., window, opt): the window restarts at
 * every boundary (bit-identical to one call per group). Output: for trailing
 * and centered alignment, y has n positions, group g's at offsets[g]..; for
 * valid alignment the groups' outputs are concatenated, group g has
 * max(0, len_g - w + 1) of them (mwk_move_grouped_len gives the total).
 * long_window applies per group: with MWK_LONG_WINDOW_ERROR a group shorter
 * than the window (and not empty) is MWK_E_WINDOW_TOO_LONG. Threads share
 * out groups (and segments of long groups); results never depend on them.
 * Errors: those of mwk_move_batch_k, MWK_E_NULL (offsets), MWK_E_PARAMS
 * (offsets not as above).
 */
MWK_API mwk_status mwk_move_grouped_len(const int64_t *offsets, size_t n_groups, size_t window,
                                        const mwk_options *opt, size_t *out_len);
MWK_API mwk_status mwk_move_grouped(mwk_stat stat, const mwk_params *params, const void *x,
                                    mwk_dtype dtype, size_t n, ptrdiff_t x_stride,
                                    const int64_t *offsets, size_t n_groups, void *y,
                                    ptrdiff_t y_stride, ptrdiff_t y_q_stride, size_t window,
                                    const mwk_options *opt);

#ifdef __cplusplus
}
#endif
#endif
