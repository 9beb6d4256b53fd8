/*
 * What the two Polars plugin sources (polars_plugin.c: rolling, moving,
 * hampel, rolling_rank; polars_ewm.c: ewm) share: the per-thread error
 * message behind _polars_plugin_get_last_error_message, the release of the
 * inputs, and the Arrow export of a result (schema, array, SeriesExport;
 * pl_export_column / pl_export_array for every entry's result, polars_by.c
 * and polars_grouped.c included). One copy, so that the entries report
 * errors and own memory the same way (polars_ewm.c once had its own export
 * and no message: its errors reached Polars empty).
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

/* The returned series of one column: the schema (format, field `name`,
 * with one child field when child_format is not NULL) and an array of
 * `length` rows with n_buffers buffers from bufs and an optional child
 * (made with pl_array_make on a malloc'd struct). Everything is moved in:
 * the buffers and the child are freed on failure too (the caller forgets
 * them either way). 0, or -1 with the error set ("mwk.<fn>: out of
 * memory"). */
int pl_export_array(SeriesExport *out, const char *fn, const char *format, const char *name,
                    const char *child_format, const char *child_name, int64_t length, int64_t null_count,
                    int n_buffers, void **bufs, struct ArrowArray *child);

/* A flat column: the validity bitmap (NULL: no nulls) and n values, both
 * moved in as with pl_export_array. */
int pl_export_column(SeriesExport *out, const char *fn, const char *format, const char *name, int64_t n,
                     int64_t null_count, uint8_t *validity, void *values);

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

/* Dense ids 1..D of nv keys (sorted in place), id[ki[r].idx] = the id of
 * key r; returns D. */
size_t pl_rank_ids(pl_key_idx *ki, size_t nv, size_t *id);

/* The rank methods (Polars' names; the kwarg's index) and their names. */
typedef enum { RK_AVERAGE, RK_MIN, RK_MAX, RK_DENSE, RK_RANDOM } pl_rank_method;
const char *pl_rank_method_name(int v);

/* A window's multiset of value ids: fc counts the values at or below an id
 * (Fenwick), occ each id's occurrences, fd (dense method only, else NULL)
 * the distinct ids present. Value id v enters or leaves the window. */
static inline void pl_rank_enter(size_t *fc, size_t *fd, size_t *occ, size_t D, size_t v) {
    pl_fen_add(fc, D, v, 1);
    if (occ[v]++ == 0 && fd) pl_fen_add(fd, D, v, 1);
}
static inline void pl_rank_leave(size_t *fc, size_t *fd, size_t *occ, size_t D, size_t v) {
    pl_fen_add(fc, D, v, -1);
    if (--occ[v] == 0 && fd) pl_fen_add(fd, D, v, -1);
}

static inline uint64_t pl_splitmix64(uint64_t x) {
    x += UINT64_C(0x9E3779B97F4A7C15);
    x = (x ^ (x >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    x = (x ^ (x >> 27)) * UINT64_C(0x94D049BB133111EB);
    return x ^ (x >> 31);
}

/* y[k] = the rank of value id v in the window above, ties by method:
 * float64 for average, else UInt64 (idx64) or UInt32; random ties drawn
 * from seed and k. */
static inline void pl_rank_put(void *y, size_t k, int method, int idx64, uint64_t seed, const size_t *fc,
                               const size_t *fd, const size_t *occ, size_t v) {
    const size_t less = pl_fen_sum(fc, v - 1), equal = occ[v];
    if (method == RK_AVERAGE) {
        ((double *)y)[k] = (double)less + (double)(equal + 1) * 0.5;
        return;
    }
    uint64_t rank;
    switch (method) {
    case RK_MIN: rank = less + 1; break;
    case RK_MAX: rank = less + equal; break;
    case RK_DENSE: rank = pl_fen_sum(fd, v - 1) + 1; break;
    default: rank = less + 1 + pl_splitmix64(seed ^ pl_splitmix64(k)) % equal; break;
    }
    if (idx64) ((uint64_t *)y)[k] = rank;
    else ((uint32_t *)y)[k] = (uint32_t)rank;
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
