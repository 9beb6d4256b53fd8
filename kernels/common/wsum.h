/* Internal interface of the move_mean kernel family.
 *
 * Every algorithm implements one thing: the means of the FULL windows of a
 * contiguous float64 row, out[j] = sum(x[j .. j+w-1]) / divisor for
 * j in [0, n-w]. Everything else (dtypes, strides, alignments, clipped edge
 * windows, NaN/inf counting, min_count, overflow rescue, batches, threads)
 * lives once in move_mean.c, so an algorithm is a small file and a new one is
 * one function plus one registry line.
 *
 * A core may be handed non-finite data on the fast path; it must then return
 * 1 (some output not finite; it may stop early, leaving the outputs
 * unspecified), and the driver re-runs it on a copy with the
 * non-finite values replaced by 0 and applies the counting rules. Cores must
 * keep values outside a window from influencing it (the contract); they may
 * multiply by 1/divisor instead of dividing (one extra rounding, inside the
 * bound's slack).
 */
#ifndef MWK_MOVE_MEAN_INTERNAL_H
#define MWK_MOVE_MEAN_INTERNAL_H
#include <stddef.h>
#include "mwk.h"
#include "dispatch/dispatch.h"

typedef struct mm_ctx {
    mwk_target target; /* SIMD target for this call */
    mwk_status err;    /* a core that fails sets this and returns -1 */
    int stream;        /* hint: output far larger than cache, not read soon */
} mm_ctx;

/* Returns 0 (all outputs finite), 1 (some output not finite) or -1 (ctx->err). */
typedef int (*mm_core_fn)(const double *x, size_t n, size_t w, double divisor, double *out,
                          mm_ctx *ctx);

int mm_core_naive(const double *x, size_t n, size_t w, double divisor, double *out, mm_ctx *ctx);
int mm_core_ring(const double *x, size_t n, size_t w, double divisor, double *out, mm_ctx *ctx);
int mm_core_prefix(const double *x, size_t n, size_t w, double divisor, double *out, mm_ctx *ctx);
int mm_core_fft(const double *x, size_t n, size_t w, double divisor, double *out, mm_ctx *ctx);

/* Portable C version of the prefix core (the build without Highway). */
int mm_core_prefix_portable(const double *x, size_t n, size_t w, double divisor, double *out);

/* Neumaier-compensated sum of x[0..len) (all finite). If the plain sum
 * overflows, it is recomputed scaled by 2^-64 and *scaled is set to 1: the
 * true sum is then the returned value times 2^64. */
double mm_sum_compensated(const double *x, size_t len, int *scaled);

/* Mean of the window x[lo..hi) under the full NaN/inf/min_count rules,
 * accurate by construction (compensated, overflow-safe). The reference that
 * every other path falls back on. */
double mm_window_mean(const double *x, size_t lo, size_t hi, mwk_nan_policy policy,
                      size_t min_count);

/* The crossover table (data, see auto_table.h). */
mwk_algorithm mm_auto_choose(const mwk_target *t, mwk_dtype dtype, size_t n, size_t w);

#define MM_TWO_POW_64 18446744073709551616.0
#define MM_TWO_POW_M64 (1.0 / 18446744073709551616.0)

#endif
