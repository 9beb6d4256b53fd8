/*
 * What the two Polars plugin sources (polars_plugin.c: rolling, moving,
 * hampel, rolling_rank; polars_ewm.c: ewm) share: the per-thread error
 * message behind _polars_plugin_get_last_error_message, the release of the
 * inputs, and the Arrow export of a result (schema, array, SeriesExport).
 * One copy, so that both entries report errors and own memory the same way
 * (polars_ewm.c once had its own export and no message: its errors reached
 * Polars empty).
 *
 * Ownership (see polars-ffi): every input chunk and then every input wrapper
 * is released by the entry on every path (pl_release_inputs); the output
 * export owns one schema, one pointer vector and the ArrowArray structs'
 * storage, and its release frees exactly those (Polars moves the arrays out
 * and releases them itself). Failure leaves return_value->private_data NULL
 * and a message set with pl_set_err.
 */
#ifndef MWK_PY_POLARS_COMMON_H
#define MWK_PY_POLARS_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "arrow_c.h"
#include "mwk.h"

#define PLUGIN_API __attribute__((visibility("default")))

/* The calling thread's last error message (Polars reads it right after a
 * failed call on the same thread). */
void pl_set_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
const char *pl_last_err(void);

void pl_release_inputs(SeriesExport *inputs, size_t n_inputs);

/* Fill *s: a nullable field `name` of `format`, with one child of
 * child_format named child_name ("item" when NULL) when child_format is not
 * NULL. 0, or -1 on out of memory (*s zeroed). */
int pl_schema_make(struct ArrowSchema *s, const char *format, const char *name, const char *child_format,
                   const char *child_name);
void pl_schema_release(struct ArrowSchema *s);

/* Fill *a with n_buffers (<= 3) buffers taken over from bufs (ownership
 * moves in, also on failure; NULL entries allowed) and an optional child
 * (moved in; its struct is freed by the release). 0 or -1. */
int pl_array_make(struct ArrowArray *a, int64_t length, int64_t null_count, int n_buffers, void **bufs,
                  struct ArrowArray *child);

/* Build the returned series from a schema and one array (both moved in; on
 * failure both are released). Returns 0 or -1 with the error set. */
int pl_export_make(SeriesExport *out, struct ArrowSchema *schema, struct ArrowArray *array);

/* Rank helpers shared by rolling_rank (polars_plugin.c) and rolling_rank_by
 * (polars_by.c). An order-preserving unsigned key of a double in Polars'
 * total order: -0.0 and 0.0 equal, NaN above +inf. */
static inline uint64_t pl_order_key(double d) {
    if (d != d) return UINT64_MAX;
    if (d == 0.0) d = 0.0;
    uint64_t b;
    memcpy(&b, &d, sizeof b);
    return (b >> 63) ? ~b : b | (UINT64_C(1) << 63);
}

/* A key and its row, sorted by key then row (qsort is not stable). */
typedef struct pl_key_idx {
    uint64_t key;
    size_t idx;
} pl_key_idx;

static inline int pl_key_idx_cmp(const void *pa, const void *pb) {
    const pl_key_idx *a = (const pl_key_idx *)pa, *b = (const pl_key_idx *)pb;
    if (a->key != b->key) return a->key < b->key ? -1 : 1;
    return (a->idx > b->idx) - (a->idx < b->idx);
}

/* Fenwick tree over ids 1..D: add d at id; the sum over ids 1..id. */
static inline void pl_fen_add(size_t *f, size_t D, size_t id, ptrdiff_t d) {
    for (size_t i = id; i <= D; i += i & (~i + 1)) f[i] = (size_t)((ptrdiff_t)f[i] + d);
}
static inline size_t pl_fen_sum(const size_t *f, size_t id) {
    size_t s = 0;
    for (size_t i = id; i > 0; i -= i & (~i + 1)) s += f[i];
    return s;
}

/* IEEE binary16 to float (exact). */
float pl_half_to_float(uint16_t h);

/* The kwargs of the rolling entry (polars_plugin.c), parsed with its rules,
 * for the grouped entry (polars_grouped.c) that takes the same ones. The
 * taps of a weighted statistic are decoded into *taps (params.weights points
 * at them; the caller frees *taps, NULL when none). 0, or -1 with the error
 * set. */
typedef struct pl_rolling_spec {
    mwk_stat stat;
    mwk_params params;
    size_t window;
    size_t min_valid; /* non-null values a window needs (>= 1; ddof + 1 for ddof statistics) */
    int center;
    int empty_zero; /* a window without values gives 0 (rolling_sum, min_samples=0) */
    char fn[48];    /* "rolling_mean": for messages */
} pl_rolling_spec;
int pl_rolling_spec_parse(const uint8_t *kwargs, size_t kwargs_len, pl_rolling_spec *out, double **taps);

#endif
