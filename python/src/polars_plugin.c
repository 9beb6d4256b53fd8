/*
 * The Polars expression plugin (interface 0.1, polars-ffi version_0), in C.
 *
 * One generic pair of entries serves every statistic of mwk's registry
 * (kwargs "stat": "mean", "sum", "var", ...; see mwk_stat_from_name):
 *   rolling   the window runs along the rows of a numeric column, with the
 *             semantics of Polars' own Expr.rolling_<stat>: nulls are
 *             missing (skipped, min_samples counts non-null values, too few
 *             gives null; a statistic with ddof also gives null when the
 *             count is <= ddof, as Polars' rolling_var), NaN is a value (a
 *             window holding one gives NaN), +-inf as the statistic's
 *             contract says, a window longer than the column clipped to it.
 *   moving    one moving statistic per row of an Array or List column, with
 *             the NumPy path's semantics (mwk.move_<stat> on each row); List
 *             rows of equal length go to the library as one batch.
 * rolling_mean and moving_mean are the same functions with "stat" defaulting
 * to "mean" (the names registered before the registry existed).
 * weighted_sum/weighted_mean take "weights" (the taps as bytes: packed
 * little-endian float64, as many as the window; pickle_kwargs.c reads bytes
 * but no lists) and "min_weight"; through rolling they are Polars'
 * rolling_sum/rolling_mean(weights=): taps on their positions in clipped
 * windows, nulls absent like the positions outside the column, the mean
 * renormalised over the taps present (Polars 2.x on columns without nulls).
 * Two entries have semantics of their own:
 *   hampel        the Hampel filter (mwk_hampel_batch) along a numeric column
 *                 (one row; nulls stay null) or per row of an Array or List
 *                 column (as moving, with the row's length kept);
 *   rolling_rank  Polars' Expr.rolling_rank (the rank of the row's own value
 *                 in its window, 1-based, ties by method average/min/max/
 *                 dense/random, NaN the largest value), which is not the
 *                 registry's rank (bottleneck's scaled rank of the newest):
 *                 a Fenwick tree over the column's value ranks, O(log n) per
 *                 row.
 *
 * The Arrow export, the input release and the error slot are shared with
 * polars_ewm.c (polars_common.c).
 * Ownership (see polars-ffi): every input chunk and then every input wrapper
 * is released here on every path; the output export owns one schema, one
 * pointer vector and the ArrowArray structs' storage, and its release frees
 * exactly those (Polars moves the arrays out and releases them itself).
 * Failure leaves return_value->private_data NULL; the message is kept per
 * thread for _polars_plugin_get_last_error_message.
 */
#define _GNU_SOURCE /* madvise */
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "arrow_c.h"
#include "mwk.h"
#include "pickle_kwargs.h"
#include "polars_common.h"

typedef void field_fn(const struct ArrowSchema *fields, size_t n_fields, struct ArrowSchema *return_value,
                      const uint8_t *kwargs, size_t kwargs_len);
typedef void compute_fn(SeriesExport *inputs, size_t n_inputs, const uint8_t *kwargs, size_t kwargs_len,
                        SeriesExport *return_value, const CallerContext *ctx);

PLUGIN_API uint32_t _polars_plugin_get_version(void);
PLUGIN_API const char *_polars_plugin_get_last_error_message(void);
PLUGIN_API field_fn _polars_plugin_field_rolling, _polars_plugin_field_moving;
PLUGIN_API field_fn _polars_plugin_field_rolling_mean, _polars_plugin_field_moving_mean;
PLUGIN_API compute_fn _polars_plugin_rolling, _polars_plugin_moving;
PLUGIN_API compute_fn _polars_plugin_rolling_mean, _polars_plugin_moving_mean;
PLUGIN_API field_fn _polars_plugin_field_hampel, _polars_plugin_field_rolling_rank;
PLUGIN_API compute_fn _polars_plugin_hampel, _polars_plugin_rolling_rank;

/* ------------------------------------------------------------------------ */
/* errors                                                                    */

PLUGIN_API uint32_t _polars_plugin_get_version(void) { return (0u << 16) | 1u; }

PLUGIN_API const char *_polars_plugin_get_last_error_message(void) { return pl_last_err(); }

/* ------------------------------------------------------------------------ */
/* reading Arrow input                                                       */

typedef enum in_kind { IN_F64, IN_F32, IN_F16, IN_I8, IN_I16, IN_I32, IN_I64, IN_U8, IN_U16, IN_U32, IN_U64, IN_BOOL, IN_BAD } in_kind;

static in_kind kind_of_format(const char *f) {
    if (!f || !f[0] || f[1]) return IN_BAD;
    switch (f[0]) {
    case 'g': return IN_F64;
    case 'f': return IN_F32;
    case 'e': return IN_F16;
    case 'c': return IN_I8;
    case 's': return IN_I16;
    case 'i': return IN_I32;
    case 'l': return IN_I64;
    case 'C': return IN_U8;
    case 'S': return IN_U16;
    case 'I': return IN_U32;
    case 'L': return IN_U64;
    case 'b': return IN_BOOL;
    default: return IN_BAD;
    }
}

static size_t kind_size(in_kind k) {
    switch (k) {
    case IN_F64: case IN_I64: case IN_U64: return 8;
    case IN_F32: case IN_I32: case IN_U32: return 4;
    case IN_F16: case IN_I16: case IN_U16: return 2;
    case IN_I8: case IN_U8: return 1;
    default: return 0; /* bit-packed */
    }
}

/* Kinds the library reads directly. */
/* The library's dtype for a kind (bool: MWK_BOOL, which the library reads
 * one byte per value; Arrow packs bits, so bool is always gathered). */
static mwk_dtype kind_dtype(in_kind k) {
    static const mwk_dtype map[] = {MWK_F64, MWK_F32, MWK_F16, MWK_I8, MWK_I16, MWK_I32, MWK_I64,
                                    MWK_U8,  MWK_U16, MWK_U32, MWK_U64, MWK_BOOL, MWK_F64};
    return map[k];
}

/* Kinds the library reads in place from an Arrow values buffer. */
static int kind_direct(in_kind k) { return k != IN_BOOL && k != IN_BAD; }

/* Gathered values (nulls as NaN, bool as 0/1): float32 when that is exact
 * (float32, float16), float64 otherwise (the library converts every input to
 * float64 first, so nothing is lost). */
static mwk_dtype kind_gather_dtype(in_kind k) { return k == IN_F32 || k == IN_F16 ? MWK_F32 : MWK_F64; }

/* Arrow format and size of an output dtype. */
static const char *dtype_format(mwk_dtype d) {
    switch (d) {
    case MWK_F64: return "g";
    case MWK_F32: return "f";
    case MWK_F16: return "e";
    case MWK_I64: return "l";
    case MWK_I32: return "i";
    case MWK_I16: return "s";
    case MWK_I8: return "c";
    case MWK_U64: return "L";
    case MWK_U32: return "I";
    case MWK_U16: return "S";
    case MWK_U8: return "C";
    default: return NULL; /* bool is bit-packed in Arrow: not an output */
    }
}

static size_t dtype_size(mwk_dtype d) {
    switch (d) {
    case MWK_F64: case MWK_I64: case MWK_U64: return 8;
    case MWK_F32: case MWK_I32: case MWK_U32: return 4;
    case MWK_F16: case MWK_I16: case MWK_U16: return 2;
    default: return 1;
    }
}

static inline int bit_get(const uint8_t *bits, int64_t i) { return (bits[i >> 3] >> (i & 7)) & 1; }

/* Element i (already offset) of a values buffer, as double. */
static inline double value_at(in_kind k, const void *v, int64_t i) {
    switch (k) {
    case IN_F64: return ((const double *)v)[i];
    case IN_F32: return ((const float *)v)[i];
    case IN_F16: return pl_half_to_float(((const uint16_t *)v)[i]);
    case IN_I8: return ((const int8_t *)v)[i];
    case IN_I16: return ((const int16_t *)v)[i];
    case IN_I32: return ((const int32_t *)v)[i];
    case IN_I64: return (double)((const int64_t *)v)[i];
    case IN_U8: return ((const uint8_t *)v)[i];
    case IN_U16: return ((const uint16_t *)v)[i];
    case IN_U32: return ((const uint32_t *)v)[i];
    case IN_U64: return (double)((const uint64_t *)v)[i];
    case IN_BOOL: return bit_get((const uint8_t *)v, i);
    default: return NAN;
    }
}

static int chunk_has_nulls(const struct ArrowArray *a) {
    return a->n_buffers > 0 && a->buffers && a->buffers[0] != NULL && a->null_count != 0 && a->length > 0;
}

/* Check the structure of a primitive chunk. */
static int check_primitive(const struct ArrowArray *a, const char *what) {
    /* A buffers pointer must exist whenever buffers are announced (found by
     * fuzz_arrow: a NULL array of buffers used to be dereferenced). */
    if (!a || a->length < 0 || a->offset < 0 || a->n_buffers != 2 || !a->buffers ||
        (a->length > 0 && !a->buffers[1])) {
        pl_set_err("mwk: malformed %s chunk", what);
        return -1;
    }
    return 0;
}

/* ------------------------------------------------------------------------ */
/* the registry                                                              */

static int stat_info(mwk_stat s, mwk_stat_info *info) {
    memset(info, 0, sizeof *info);
    info->struct_size = sizeof *info;
    return mwk_stat_info_get(s, info) == MWK_OK && info->name ? 0 : -1;
}

/* Appends to buf[*pos..len) like snprintf, never past the end. */
static void app(char *buf, size_t len, size_t *pos, const char *fmt, ...) {
    if (*pos >= len) return;
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(buf + *pos, len - *pos, fmt, ap);
    va_end(ap);
    if (k > 0) *pos += (size_t)k;
    if (*pos >= len) *pos = len - 1;
}

/* "mean, sum, var, ..." */
static void stat_names(char *buf, size_t len) {
    size_t pos = 0;
    buf[0] = 0;
    for (size_t s = 0; s < mwk_stat_count(); s++) {
        const char *nm = mwk_stat_name((mwk_stat)s);
        if (nm) app(buf, len, &pos, "%s%s", pos ? ", " : "", nm);
    }
}

/* Enum values by the library's names (mwk_align_name, mwk_nan_policy_name:
 * NULL past the last value), so that no name is written here again. */
static int name_lookup(const char *(*name)(int), const char *s) {
    for (int v = 0; v < 64 && name(v); v++)
        if (!strcmp(name(v), s)) return v;
    return -1;
}

static const char *align_name(int v) { return mwk_align_name((mwk_align)v); }
static const char *policy_name(int v) { return mwk_nan_policy_name((mwk_nan_policy)v); }
/* numpy.quantile's method names in mwk_interpolation order (the C API has
 * no name function for them; move_py.c has the same table). */
static const char *interp_name(int v) {
    static const char *const names[] = {"linear", "lower", "higher", "nearest", "midpoint"};
    return v >= 0 && v < (int)(sizeof names / sizeof names[0]) ? names[v] : NULL;
}

static void name_list(const char *(*name)(int), char *buf, size_t len) {
    size_t pos = 0;
    buf[0] = 0;
    for (int v = 0; v < 64 && name(v); v++) app(buf, len, &pos, "%s'%s'", v ? ", " : "", name(v));
}

/* "'auto', 'naive', ..." for one statistic. */
static void algo_names(const mwk_stat_info *info, char *buf, size_t len) {
    size_t pos = 0;
    buf[0] = 0;
    app(buf, len, &pos, "'auto'");
    for (size_t i = 0; i < info->n_algorithms; i++) {
        const char *nm = mwk_algorithm_name(info->algorithms[i]);
        if (nm) app(buf, len, &pos, ", '%s'", nm);
    }
}

/* ------------------------------------------------------------------------ */
/* kwargs                                                                    */

static int check_keys(const kw_dict *d, const char *fn, const char *const *allowed, int n) {
    for (int k = 0; k < d->n; k++) {
        int ok = 0;
        for (int j = 0; j < n; j++) ok |= strcmp(d->items[k].key, allowed[j]) == 0;
        if (!ok) {
            pl_set_err("mwk.%s: unknown keyword argument '%s'", fn, d->items[k].key);
            return -1;
        }
    }
    return 0;
}

/* An int kwarg: required (no default) or with def when absent or None. */
static int kw_int(const kw_dict *d, const char *fn, const char *key, int required, int64_t def, int64_t *v) {
    const kw_item *it = kw_get(d, key);
    if (!it || it->type == KW_NONE) {
        if (required) {
            pl_set_err("mwk.%s: keyword argument '%s' (an integer) is required", fn, key);
            return -1;
        }
        *v = def;
        return 0;
    }
    if (it->type != KW_INT) {
        pl_set_err("mwk.%s: '%s' must be an integer", fn, key);
        return -1;
    }
    *v = it->i;
    return 0;
}

/* The statistic and its parameters, common to both entries. */
typedef struct stat_args {
    mwk_stat stat;
    mwk_stat_info info;
    mwk_params params;
    char fn[48]; /* "rolling_std": the function's name in messages */
    /* weighted_sum/weighted_mean: the taps as they came (packed little-endian
     * float64 inside the kwargs buffer, checked finite), n_weights of them
     * (0: none, the boxcar). They are decoded into params.weights by
     * stat_weights_load, by the entry that computes, which frees them. */
    const uint8_t *wbytes;
    size_t n_weights;
} stat_args;

static double le_double(const uint8_t *p) {
    uint64_t u = 0;
    for (int k = 7; k >= 0; k--) u = (u << 8) | p[k];
    double v;
    memcpy(&v, &u, sizeof v);
    return v;
}

/* Decodes the taps into a fresh buffer (*owned, NULL when there are none)
 * and points sa->params at it. 0, or -1 with the error set. */
static int stat_weights_load(stat_args *sa, double **owned) {
    *owned = NULL;
    if (!sa->n_weights) return 0;
    double *w = (double *)malloc(sa->n_weights * sizeof *w);
    if (!w) {
        pl_set_err("mwk.%s: out of memory", sa->fn);
        return -1;
    }
    for (size_t i = 0; i < sa->n_weights; i++) w[i] = le_double(sa->wbytes + 8 * i);
    sa->params.weights = w;
    sa->params.n_weights = sa->n_weights;
    *owned = w;
    return 0;
}

/* The window must equal the number of taps (mwk_params.n_weights). */
static int stat_weights_window(const stat_args *sa, int64_t w, const char *wname) {
    if (sa->n_weights && (uint64_t)w != (uint64_t)sa->n_weights) {
        pl_set_err("mwk.%s: weights has %zu values but %s is %lld; they must be equal", sa->fn, sa->n_weights,
                   wname, (long long)w);
        return -1;
    }
    return 0;
}

/* Reads the dict, then "stat" (a registry name; def_stat for the entries
 * named after one statistic, which take no "stat" key) and the statistic's
 * parameters (ddof: default 1 for rolling as Polars, 0 for moving as NumPy).
 * Fills keys[*nkeys..] with the keys this adds. */
static int stat_parse(const uint8_t *kw, size_t len, int moving, const char *def_stat, kw_dict *d,
                      stat_args *sa, const char **keys, int *nkeys) {
    const char *entry = moving ? "moving" : "rolling";
    char err[256];
    snprintf(sa->fn, sizeof sa->fn, "%s%s%s", entry, def_stat ? "_" : "", def_stat ? def_stat : "");
    if (kw_parse(len ? kw : NULL, len, d, err, sizeof err) < 0) {
        pl_set_err("mwk.%s: %s", sa->fn, err);
        return -1;
    }
    const char *name = def_stat;
    if (!def_stat) {
        keys[(*nkeys)++] = "stat";
        const kw_item *it = kw_get(d, "stat");
        if (!it || it->type == KW_NONE) {
            pl_set_err("mwk.%s: keyword argument 'stat' (a statistic's name) is required", sa->fn);
            return -1;
        }
        if (it->type != KW_STR) {
            pl_set_err("mwk.%s: 'stat' must be a str", sa->fn);
            return -1;
        }
        name = it->s;
    }
    if (mwk_stat_from_name(name, &sa->stat) != MWK_OK || stat_info(sa->stat, &sa->info) < 0) {
        char known[256];
        stat_names(known, sizeof known);
        pl_set_err("mwk.%s: unknown statistic '%s' (known: %s)", sa->fn, name, known);
        return -1;
    }
    snprintf(sa->fn, sizeof sa->fn, "%s_%s", entry, sa->info.name);
    mwk_params_init(&sa->params);
    if (sa->info.params & MWK_PARAM_DDOF) {
        int64_t dd;
        keys[(*nkeys)++] = "ddof";
        if (kw_int(d, sa->fn, "ddof", 0, moving ? 0 : 1, &dd) < 0) return -1;
        if (dd < 0 || dd > INT_MAX) {
            pl_set_err("mwk.%s: ddof must be between 0 and %d, got %lld", sa->fn, INT_MAX, (long long)dd);
            return -1;
        }
        sa->params.ddof = (int)dd;
    }
    if (sa->info.params & MWK_PARAM_QUANTILE) {
        /* One quantile per call (a list would need a nested output). */
        keys[(*nkeys)++] = "quantile";
        const kw_item *it = kw_get(d, "quantile");
        if (it && it->type != KW_NONE) {
            if (it->type != KW_FLOAT && it->type != KW_INT) {
                pl_set_err("mwk.%s: 'quantile' must be a float", sa->fn);
                return -1;
            }
            sa->params.quantile = it->type == KW_FLOAT ? it->f : (double)it->i;
        }
        if (!(sa->params.quantile >= 0.0 && sa->params.quantile <= 1.0)) {
            pl_set_err("mwk.%s: quantile must be in [0, 1], got %g", sa->fn, sa->params.quantile);
            return -1;
        }
    }
    if (sa->info.params & MWK_PARAM_INTERPOLATION) {
        /* Default: Polars' 'nearest' for rolling, NumPy's 'linear' for moving. */
        keys[(*nkeys)++] = "interpolation";
        sa->params.interpolation = moving ? MWK_INTERP_LINEAR : MWK_INTERP_NEAREST;
        const kw_item *it = kw_get(d, "interpolation");
        if (it && it->type != KW_NONE) {
            int v = it->type == KW_STR ? name_lookup(interp_name, it->s) : -1;
            if (v < 0) {
                char names[128];
                name_list(interp_name, names, sizeof names);
                pl_set_err("mwk.%s: interpolation must be one of %s; got '%s'", sa->fn, names,
                        it->type == KW_STR ? it->s : "?");
                return -1;
            }
            sa->params.interpolation = (mwk_interpolation)v;
        }
    }
    sa->wbytes = NULL;
    sa->n_weights = 0;
    if (sa->info.params & MWK_PARAM_WEIGHTS) {
        keys[(*nkeys)++] = "weights";
        keys[(*nkeys)++] = "min_weight";
        const kw_item *it = kw_get(d, "weights");
        if (it && it->type != KW_NONE) {
            if (it->type != KW_BYTES || it->blen == 0 || it->blen % 8 != 0) {
                pl_set_err("mwk.%s: 'weights' must be the taps as packed little-endian float64 bytes (at "
                           "least one)",
                           sa->fn);
                return -1;
            }
            for (size_t i = 0; i < it->blen / 8; i++) {
                double v = le_double(it->b + 8 * i);
                if (!isfinite(v)) {
                    pl_set_err("mwk.%s: weights must be finite; weights[%zu] is %g", sa->fn, i, v);
                    return -1;
                }
            }
            sa->wbytes = it->b;
            sa->n_weights = it->blen / 8;
        }
        it = kw_get(d, "min_weight");
        if (it && it->type != KW_NONE) {
            if (it->type != KW_FLOAT && it->type != KW_INT) {
                pl_set_err("mwk.%s: 'min_weight' must be a float", sa->fn);
                return -1;
            }
            sa->params.min_weight = it->type == KW_FLOAT ? it->f : (double)it->i;
            if (!(sa->params.min_weight >= 0.0 && sa->params.min_weight <= 1.0)) {
                pl_set_err("mwk.%s: min_weight must be in [0, 1], got %g", sa->fn, sa->params.min_weight);
                return -1;
            }
        }
    }
    return 0;
}

typedef struct rolling_args {
    stat_args sa;
    size_t window;
    size_t min_valid; /* non-null values a window needs: min_samples (0 means 1), raised to
                         ddof + 1 for a statistic with ddof (Polars' rolling_var gives null there) */
    int center;
    int empty_zero; /* a window without values gives 0, not null: Polars' rolling_sum with
                       min_samples=0 (the sum of nothing is 0; the other statistics have no
                       value there, and the registry does not say which have one) */
} rolling_args;

static int rolling_parse(const uint8_t *kw, size_t len, const char *def_stat, rolling_args *r) {
    const char *keys[12] = {"window_size", "min_samples", "center"};
    int nkeys = 3;
    kw_dict d;
    int64_t w, m;
    stat_args *sa = &r->sa;
    if (stat_parse(kw, len, 0, def_stat, &d, sa, keys, &nkeys) < 0) return -1;
    if (check_keys(&d, sa->fn, keys, nkeys) < 0) return -1;
    if (kw_int(&d, sa->fn, "window_size", 1, 0, &w) < 0) return -1;
    if (w < 1) {
        pl_set_err("mwk.%s: window_size must be >= 1, got %lld", sa->fn, (long long)w);
        return -1;
    }
    if (stat_weights_window(sa, w, "window_size") < 0) return -1;
    if (kw_int(&d, sa->fn, "min_samples", 0, w, &m) < 0) return -1;
    if (m < 0 || m > w) {
        pl_set_err("mwk.%s: min_samples must be between 0 and window_size (=%lld), got %lld", sa->fn,
                (long long)w, (long long)m);
        return -1;
    }
    const kw_item *c = kw_get(&d, "center");
    r->center = 0;
    if (c && c->type != KW_NONE) {
        if (c->type != KW_BOOL) {
            pl_set_err("mwk.%s: center must be a bool", sa->fn);
            return -1;
        }
        r->center = (int)c->i;
    }
    r->window = (size_t)w;
    r->min_valid = m < 1 ? 1 : (size_t)m;
    r->empty_zero = m == 0 && (sa->stat == MWK_STAT_SUM || sa->stat == MWK_STAT_WEIGHTED_SUM);
    if ((sa->info.params & MWK_PARAM_DDOF) && r->min_valid <= (size_t)sa->params.ddof)
        r->min_valid = (size_t)sa->params.ddof + 1;
    return 0;
}

typedef struct moving_args {
    stat_args sa;
    size_t window;
    size_t min_count; /* MWK_MIN_COUNT_WINDOW or 1..window */
    mwk_align align;
    mwk_nan_policy policy;
    mwk_algorithm algorithm;
    int threads; /* -1: choose */
    int hampel;  /* the Hampel filter (mwk_hampel_batch) instead of sa.stat; sa.stat is then
                    median, whose output dtypes and algorithms the filter shares */
    double n_sigmas;
    mwk_hampel_replace replace;
} moving_args;

static int moving_parse(const uint8_t *kw, size_t len, const char *def_stat, moving_args *r) {
    const char *keys[12] = {"window", "mode", "min_samples", "nan_policy", "threads", "algorithm"};
    int nkeys = 6;
    kw_dict d;
    int64_t w, m, t;
    stat_args *sa = &r->sa;
    if (stat_parse(kw, len, 1, def_stat, &d, sa, keys, &nkeys) < 0) return -1;
    const char *fn = sa->fn;
    if (check_keys(&d, fn, keys, nkeys) < 0) return -1;
    if (kw_int(&d, fn, "window", 1, 0, &w) < 0) return -1;
    if (w < 1) {
        pl_set_err("mwk.%s: window must be >= 1, got %lld", fn, (long long)w);
        return -1;
    }
    if (stat_weights_window(sa, w, "window") < 0) return -1;
    if (kw_int(&d, fn, "min_samples", 0, -1, &m) < 0) return -1;
    if (m != -1 && (m < 1 || m > w)) {
        pl_set_err("mwk.%s: min_samples must be None or between 1 and window (=%lld), got %lld", fn,
                (long long)w, (long long)m);
        return -1;
    }
    if (kw_int(&d, fn, "threads", 0, -1, &t) < 0) return -1;
    if (t != -1 && (t < 1 || t > 1 << 20)) {
        pl_set_err("mwk.%s: threads must be None or a positive integer, got %lld", fn, (long long)t);
        return -1;
    }
    r->window = (size_t)w;
    r->min_count = m == -1 ? MWK_MIN_COUNT_WINDOW : (size_t)m;
    r->threads = (int)t;
    r->hampel = 0;
    r->align = MWK_ALIGN_VALID;
    r->policy = MWK_NAN_SKIP;
    const kw_item *it = kw_get(&d, "mode");
    if (it && it->type != KW_NONE) {
        if (it->type != KW_STR) {
            pl_set_err("mwk.%s: mode must be a str", fn);
            return -1;
        }
        int v = name_lookup(align_name, it->s);
        if (v < 0) {
            char names[128];
            name_list(align_name, names, sizeof names);
            pl_set_err("mwk.%s: mode must be one of %s; got '%s'", fn, names, it->s);
            return -1;
        }
        r->align = (mwk_align)v;
    }
    it = kw_get(&d, "nan_policy");
    if (it && it->type != KW_NONE) {
        if (it->type != KW_STR) {
            pl_set_err("mwk.%s: nan_policy must be a str", fn);
            return -1;
        }
        int v = name_lookup(policy_name, it->s);
        if (v < 0) {
            char names[128];
            name_list(policy_name, names, sizeof names);
            pl_set_err("mwk.%s: nan_policy must be one of %s; got '%s'", fn, names, it->s);
            return -1;
        }
        r->policy = (mwk_nan_policy)v;
    }
    r->algorithm = MWK_ALGO_AUTO;
    it = kw_get(&d, "algorithm");
    if (it && it->type != KW_NONE) {
        if (it->type != KW_STR) {
            pl_set_err("mwk.%s: algorithm must be a str", fn);
            return -1;
        }
        mwk_algorithm a;
        if (mwk_algorithm_from_name(it->s, &a) != MWK_OK || !mwk_stat_has_algorithm(sa->stat, a)) {
            char names[256];
            algo_names(&sa->info, names, sizeof names);
            pl_set_err("mwk.%s: algorithm must be one of %s; got '%s'", fn, names, it->s);
            return -1;
        }
        r->algorithm = a;
    }
    return 0;
}

/* Threads for one library call: the caller's choice; else one when Polars
 * already runs this call in parallel with others (CallerContext bit 0) or
 * the input is small; else the library's default (results never depend on
 * the thread count). */
static int threads_for(int requested, const CallerContext *ctx, size_t elements) {
    if (requested > 0) return requested;
    if (ctx && (ctx->bitflags & 1u)) return 1;
    return elements < ((size_t)1 << 20) ? 1 : 0;
}

/* Output buffers. A large column's output is fresh memory on every call;
 * faulting it in 4 KiB at a time cost more than the kernel itself (as NumPy
 * knows: it asks for transparent huge pages on large arrays too). Freed with
 * free(), as every Arrow buffer of this plugin. */
static void *out_alloc(size_t bytes) {
    if (bytes == 0) bytes = 1;
    if (bytes < ((size_t)4 << 20)) return malloc(bytes);
    void *p = NULL;
    if (posix_memalign(&p, (size_t)2 << 20, bytes) != 0) return NULL;
#ifdef MADV_HUGEPAGE
    (void)madvise(p, bytes, MADV_HUGEPAGE); /* a hint: failure is harmless */
#endif
    return p;
}

/* Element (already offset) of a values buffer with optional validity, as the
 * gather dtype (null: NaN). Returns whether it was a NaN value (not a null). */
static inline int gather_one(in_kind k, const void *vals, const uint8_t *vb, int64_t p, mwk_dtype gdt, void *dst,
                             size_t pos) {
    int ok = !vb || bit_get(vb, p);
    double v = ok ? value_at(k, vals, p) : NAN;
    if (gdt == MWK_F32) ((float *)dst)[pos] = (float)v;
    else ((double *)dst)[pos] = v;
    return ok && v != v;
}

/* Values [p0, p0 + cnt) of a primitive chunk (positions include its offset)
 * into dst[0 .. cnt) as the gather dtype, nulls (validity vb, or NULL) as NaN;
 * with cntp, also cntp[i + 1] = cntp[i] + (value i is not null). Returns the
 * number of NaN values that are not null. Float columns copy in bulk. */
static size_t gather_range(in_kind k, const void *vals, const uint8_t *vb, int64_t p0, size_t cnt, mwk_dtype gdt,
                           void *dst, size_t *cntp) {
    size_t nan_seen = 0;
    if ((k == IN_F64 && gdt == MWK_F64) || (k == IN_F32 && gdt == MWK_F32)) {
        memcpy(dst, (const char *)vals + (size_t)p0 * kind_size(k), cnt * kind_size(k));
        for (size_t i = 0; i < cnt; i++) {
            int ok = !vb || bit_get(vb, p0 + (int64_t)i);
            if (cntp) cntp[i + 1] = cntp[i] + (size_t)ok;
            if (k == IN_F64) {
                double *d = (double *)dst;
                nan_seen += (size_t)(ok && d[i] != d[i]);
                if (!ok) d[i] = NAN;
            } else {
                float *f = (float *)dst;
                nan_seen += (size_t)(ok && f[i] != f[i]);
                if (!ok) f[i] = NAN;
            }
        }
        return nan_seen;
    }
    for (size_t i = 0; i < cnt; i++) {
        int64_t p = p0 + (int64_t)i;
        int ok = !vb || bit_get(vb, p);
        if (cntp) cntp[i + 1] = cntp[i] + (size_t)ok;
        nan_seen += (size_t)gather_one(k, vals, vb, p, gdt, dst, i);
    }
    return nan_seen;
}

static void store_nan(void *y, mwk_dtype ydt, size_t i) {
    if (ydt == MWK_F32) ((float *)y)[i] = NAN;
    else if (ydt == MWK_F64) ((double *)y)[i] = NAN;
}

/* ------------------------------------------------------------------------ */
/* rolling                                                                   */

/* The output dtype for an input format, or -1 with the error set. */
static int rolling_out_dtype(const rolling_args *ra, const char *format, in_kind *k, mwk_dtype *ydt) {
    *k = kind_of_format(format);
    if (*k == IN_BAD) {
        pl_set_err("mwk.%s: unsupported column dtype (Arrow format '%s'); expected a float, integer or boolean "
                "column",
                ra->sa.fn, format ? format : "?");
        return -1;
    }
    if (mwk_move_out_dtype(ra->sa.stat, kind_dtype(*k), ydt) != MWK_OK || !dtype_format(*ydt)) {
        pl_set_err("mwk.%s: no output dtype for Arrow format '%s'", ra->sa.fn, format);
        return -1;
    }
    return 0;
}

static void rolling_field(const struct ArrowSchema *fields, size_t n_fields, struct ArrowSchema *return_value,
                          const uint8_t *kwargs, size_t kwargs_len, const char *def_stat) {
    rolling_args ra;
    in_kind k;
    mwk_dtype ydt;
    if (rolling_parse(kwargs, kwargs_len, def_stat, &ra) < 0) return;
    if (n_fields != 1 || !fields) {
        pl_set_err("mwk.%s takes one input column, got %zu", ra.sa.fn, n_fields);
        return;
    }
    if (rolling_out_dtype(&ra, fields[0].format, &k, &ydt) < 0) return;
    if (pl_schema_make(return_value, dtype_format(ydt), fields[0].name, NULL, NULL) < 0)
        pl_set_err("mwk.%s: out of memory", ra.sa.fn);
}

/* Window [lo, hi] of output i (clipped to [0, n)). */
static inline void window_bounds(size_t i, size_t n, size_t w, int center, size_t *lo, size_t *hi) {
    if (center) {
        size_t F = w / 2, B = (w - 1) / 2;
        *lo = i >= F ? i - F : 0;
        *hi = B >= n - 1 - i ? n - 1 : i + B;
    } else {
        *lo = i + 1 >= w ? i + 1 - w : 0;
        *hi = i;
    }
}

static void rolling_compute(SeriesExport *in, const rolling_args *ra, const CallerContext *ctx, SeriesExport *ret) {
    const char *fn = ra->sa.fn;
    const char *name = in->field && in->field->name ? in->field->name : "";
    in_kind k;
    mwk_dtype ydt;
    if (!in->field) {
        pl_set_err("mwk.%s: input column without a schema", fn);
        return;
    }
    if (rolling_out_dtype(ra, in->field->format, &k, &ydt) < 0) return;
    size_t ysz = dtype_size(ydt);

    size_t n = 0;
    int has_null = 0;
    for (size_t j = 0; j < in->len; j++) {
        char what[64];
        snprintf(what, sizeof what, "%s input", fn);
        if (check_primitive(in->arrays[j], what) < 0) return;
        n += (size_t)in->arrays[j]->length;
        has_null |= chunk_has_nulls(in->arrays[j]);
    }
    if (n > SIZE_MAX / 16) {
        pl_set_err("mwk.%s: column too long", fn);
        return;
    }

    void *yv = out_alloc(n * ysz);
    uint8_t *valid = NULL;
    int64_t null_count = 0;
    void *xbuf = NULL;
    size_t *cnt = NULL, *nans = NULL;
    if (!yv) goto nomem;

    if (n > 0) {
        mwk_options opt;
        mwk_options_init(&opt);
        opt.min_count = 1;
        opt.long_window = MWK_LONG_WINDOW_CLIP; /* Polars' rule: windows clipped to the column */
        /* The whole column arrives in one call (not elementwise): a long
         * column may use every core unless Polars runs calls in parallel. */
        opt.threads = ctx && (ctx->bitflags & 1u) ? 1 : 0;
        opt.align = ra->center ? MWK_ALIGN_CENTERED : MWK_ALIGN_TRAILING;
        mwk_dtype dt;
        const char *x;
        if (!has_null) {
            /* Nulls absent: every value counts, NaN propagates. */
            opt.nan_policy = MWK_NAN_PROPAGATE;
            if (kind_direct(k)) {
                dt = kind_dtype(k);
                size_t isz = kind_size(k);
                if (in->len == 1) {
                    const struct ArrowArray *a = in->arrays[0];
                    x = (const char *)a->buffers[1] + (size_t)a->offset * isz;
                } else {
                    size_t pos = 0;
                    xbuf = malloc(n * isz);
                    if (!xbuf) goto nomem;
                    for (size_t j = 0; j < in->len; j++) {
                        const struct ArrowArray *a = in->arrays[j];
                        /* An empty chunk may have no values buffer at all. */
                        if (a->length == 0) continue;
                        memcpy((char *)xbuf + pos * isz, (const char *)a->buffers[1] + (size_t)a->offset * isz,
                               (size_t)a->length * isz);
                        pos += (size_t)a->length;
                    }
                    x = (const char *)xbuf;
                }
            } else {
                dt = kind_gather_dtype(k);
                if (!(xbuf = malloc(n * dtype_size(dt)))) goto nomem;
                size_t pos = 0;
                for (size_t j = 0; j < in->len; j++) {
                    const struct ArrowArray *a = in->arrays[j];
                    for (int64_t i = 0; i < a->length; i++, pos++)
                        gather_one(k, a->buffers[1], NULL, a->offset + i, dt, xbuf, pos);
                }
                x = (const char *)xbuf;
            }
        } else {
            /* Nulls become NaN and are skipped; genuine NaNs are counted
             * separately and turn their windows to NaN afterwards. */
            opt.nan_policy = MWK_NAN_SKIP;
            dt = kind_gather_dtype(k);
            xbuf = malloc(n * dtype_size(dt));
            cnt = (size_t *)malloc((n + 1) * sizeof *cnt);
            if (!xbuf || !cnt) goto nomem;
            size_t pos = 0, nan_seen = 0, gsz = dtype_size(dt);
            cnt[0] = 0;
            for (size_t j = 0; j < in->len; j++) {
                const struct ArrowArray *a = in->arrays[j];
                if (a->length == 0) continue;
                const uint8_t *vb = chunk_has_nulls(a) ? (const uint8_t *)a->buffers[0] : NULL;
                nan_seen += gather_range(k, a->buffers[1], vb, a->offset, (size_t)a->length, dt,
                                         (char *)xbuf + pos * gsz, cnt + pos);
                pos += (size_t)a->length;
            }
            if (nan_seen) {
                /* Genuine NaNs: non-null values that read as NaN. */
                if (!(nans = (size_t *)malloc((n + 1) * sizeof *nans))) goto nomem;
                nans[0] = 0;
                for (size_t i = 0; i < n; i++) {
                    double v = dt == MWK_F32 ? ((const float *)xbuf)[i] : ((const double *)xbuf)[i];
                    nans[i + 1] = nans[i] + (size_t)(cnt[i + 1] != cnt[i] && v != v);
                }
            }
            x = (const char *)xbuf;
        }
        mwk_status st = mwk_move(ra->sa.stat, &ra->sa.params, x, dt, n, 1, yv, 1, ra->window, &opt);
        if (st != MWK_OK) {
            if (st == MWK_E_NOMEM) goto nomem;
            pl_set_err("mwk.%s: %s", fn, mwk_status_str(st));
            goto fail;
        }
        /* Validity: at least min_valid non-null values in the window.
         * Without nulls or NaNs only the clipped windows at the ends can
         * fall short (full windows hold w >= min_valid values), so the scan
         * is limited to them instead of touching every output again. */
        size_t edge = ra->window < n ? ra->window : n;
        int edges_only = !cnt && !nans && ra->window >= ra->min_valid;
        for (size_t i = 0; i < n; i++) {
            if (edges_only && i == edge && n > 2 * edge) i = n - edge;
            size_t lo, hi;
            window_bounds(i, n, ra->window, ra->center, &lo, &hi);
            size_t c = cnt ? cnt[hi + 1] - cnt[lo] : hi - lo + 1;
            if (nans && nans[hi + 1] != nans[lo]) store_nan(yv, ydt, i);
            if (c == 0 && ra->empty_zero) {
                memset((char *)yv + i * ysz, 0, ysz); /* +0.0 */
            } else if (c < ra->min_valid) {
                if (!valid) {
                    valid = (uint8_t *)malloc((n + 7) / 8);
                    if (!valid) goto nomem;
                    memset(valid, 0xff, (n + 7) / 8);
                }
                valid[i >> 3] &= (uint8_t) ~(1u << (i & 7));
                null_count++;
                memset((char *)yv + i * ysz, 0, ysz);
            }
        }
    }
    free(xbuf);
    free(cnt);
    free(nans);
    xbuf = NULL;
    cnt = nans = NULL;

    pl_export_column(ret, fn, dtype_format(ydt), name, (int64_t)n, null_count, valid, yv); /* moved in */
    return;

nomem:
    pl_set_err("mwk.%s: out of memory", fn);
fail:
    free(yv);
    free(valid);
    free(xbuf);
    free(cnt);
    free(nans);
}

static void rolling_entry(SeriesExport *inputs, size_t n_inputs, const uint8_t *kwargs, size_t kwargs_len,
                          SeriesExport *return_value, const CallerContext *ctx, const char *def_stat) {
    rolling_args ra;
    double *taps = NULL;
    if (rolling_parse(kwargs, kwargs_len, def_stat, &ra) == 0 && stat_weights_load(&ra.sa, &taps) == 0) {
        if (n_inputs != 1 || !inputs) pl_set_err("mwk.%s takes one input column, got %zu", ra.sa.fn, n_inputs);
        else rolling_compute(&inputs[0], &ra, ctx, return_value);
    }
    free(taps);
    pl_release_inputs(inputs, n_inputs);
}

/* ------------------------------------------------------------------------ */
/* moving                                                                    */

typedef struct nested_type {
    int is_list;       /* 0: fixed-size list (Array) */
    int large;         /* list offsets are int64 */
    int64_t width;     /* Array width */
    in_kind inner;
} nested_type;

static int nested_parse(const struct ArrowSchema *f, nested_type *t) {
    const char *fmt = f ? f->format : NULL;
    if (!fmt) return -1;
    memset(t, 0, sizeof *t);
    if (!strncmp(fmt, "+w:", 3)) {
        char *end;
        long long w = strtoll(fmt + 3, &end, 10);
        if (*end || w < 0) return -1;
        t->width = w;
    } else if (!strcmp(fmt, "+L")) {
        t->is_list = t->large = 1;
    } else if (!strcmp(fmt, "+l")) {
        t->is_list = 1;
    } else {
        return -1;
    }
    if (f->n_children != 1 || !f->children || !f->children[0]) return -1;
    t->inner = kind_of_format(f->children[0]->format);
    return t->inner == IN_BAD ? -1 : 0;
}

static void moving_options(const moving_args *ma, mwk_options *opt) {
    mwk_options_init(opt);
    opt->align = ma->align;
    opt->nan_policy = ma->policy;
    opt->algorithm = ma->algorithm;
    opt->min_count = ma->min_count;
    /* Rows shorter than the window: windows clipped to the row (trailing,
     * centered), no output (valid); the same rule as the rolling entry. */
    opt->long_window = MWK_LONG_WINDOW_CLIP;
}

static size_t moving_len(size_t n, const mwk_options *opt, size_t w) {
    size_t ol = 0;
    if (mwk_move_len(n, w, opt, &ol) != MWK_OK) return 0;
    return ol;
}

static int moving_field_check(const struct ArrowSchema *fields, size_t n_fields, const moving_args *ma,
                              nested_type *t, mwk_dtype *ydt) {
    const char *fn = ma->sa.fn;
    if (n_fields != 1 || !fields) {
        pl_set_err("mwk.%s takes one input column, got %zu", fn, n_fields);
        return -1;
    }
    if (nested_parse(&fields[0], t) < 0) {
        pl_set_err("mwk.%s: unsupported column dtype (Arrow format '%s'); expected Array or List of "
                "a float or integer dtype",
                fn, fields[0].format ? fields[0].format : "?");
        return -1;
    }
    if (mwk_move_out_dtype(ma->sa.stat, kind_dtype(t->inner), ydt) != MWK_OK || !dtype_format(*ydt)) {
        pl_set_err("mwk.%s: no output dtype for Arrow format '%s'", fn, fields[0].children[0]->format);
        return -1;
    }
    if (!t->is_list && ma->align == MWK_ALIGN_VALID && ma->window > (size_t)t->width) {
        pl_set_err("mwk.%s: window (=%zu) is longer than the Array width (=%lld) in mode 'valid'", fn, ma->window,
                (long long)t->width);
        return -1;
    }
    return 0;
}

static void moving_field_of(const struct ArrowSchema *fields, size_t n_fields, struct ArrowSchema *return_value,
                            const moving_args *pma) {
    moving_args ma = *pma;
    nested_type t;
    mwk_dtype ydt;
    if (moving_field_check(fields, n_fields, &ma, &t, &ydt) < 0) return;
    mwk_options opt;
    moving_options(&ma, &opt);
    char fmt[40];
    if (t.is_list) snprintf(fmt, sizeof fmt, "+L");
    else snprintf(fmt, sizeof fmt, "+w:%zu", moving_len((size_t)t.width, &opt, ma.window));
    const char *cname = fields[0].children[0]->name;
    if (pl_schema_make(return_value, fmt, fields[0].name, dtype_format(ydt), cname && cname[0] ? cname : "item") < 0)
        pl_set_err("mwk.%s: out of memory", ma.sa.fn);
}

static void moving_field(const struct ArrowSchema *fields, size_t n_fields, struct ArrowSchema *return_value,
                         const uint8_t *kwargs, size_t kwargs_len, const char *def_stat) {
    moving_args ma;
    if (moving_parse(kwargs, kwargs_len, def_stat, &ma) == 0) moving_field_of(fields, n_fields, return_value, &ma);
}

/* One library call over R rows of N values (row strides in elements): the
 * moving statistic, or the Hampel filter (same output length). */
static mwk_status moving_batch(const moving_args *ma, const void *x, mwk_dtype dt, size_t R, size_t N,
                               ptrdiff_t xrs, void *y, ptrdiff_t yrs, const mwk_options *opt) {
    if (ma->hampel)
        return mwk_hampel_batch(x, dt, R, N, xrs, 1, y, yrs, 1, NULL, 0, 0, NULL, ma->window, ma->n_sigmas,
                                ma->replace, opt);
    return mwk_move_batch(ma->sa.stat, &ma->sa.params, x, dt, R, N, xrs, 1, y, yrs, 1, ma->window, opt);
}

/* Start and end (child positions, before the child's offset) of list row r. */
static inline void list_row(const struct ArrowArray *a, int large, int64_t r, int64_t *s, int64_t *e) {
    if (large) {
        *s = ((const int64_t *)a->buffers[1])[a->offset + r];
        *e = ((const int64_t *)a->buffers[1])[a->offset + r + 1];
    } else {
        *s = ((const int32_t *)a->buffers[1])[a->offset + r];
        *e = ((const int32_t *)a->buffers[1])[a->offset + r + 1];
    }
}

/* Values [p0, p0 + cnt) of a child (positions including its offset) in a
 * form the library reads: in place when it can, else gathered into *scratch
 * (grown as needed; null elements become NaN). */
static const char *moving_values(const struct ArrowArray *c, in_kind k, int64_t p0, size_t cnt, mwk_dtype *dt,
                                 void **scratch, size_t *scratch_bytes) {
    static const double none[1];
    const uint8_t *cv = chunk_has_nulls(c) ? (const uint8_t *)c->buffers[0] : NULL;
    if (cnt == 0) {
        /* Nothing to read, and an empty child may have no values buffer at
         * all (found by fuzz_arrow: NULL + offset is undefined behaviour). */
        *dt = !cv && kind_direct(k) ? kind_dtype(k) : kind_gather_dtype(k);
        return (const char *)none;
    }
    if (!cv && kind_direct(k)) {
        *dt = kind_dtype(k);
        return (const char *)c->buffers[1] + (size_t)p0 * kind_size(k);
    }
    *dt = kind_gather_dtype(k);
    size_t bytes = cnt * dtype_size(*dt);
    if (*scratch_bytes < bytes) {
        free(*scratch);
        *scratch = malloc(bytes);
        *scratch_bytes = *scratch ? bytes : 0;
        if (!*scratch) return NULL;
    }
    gather_range(k, c->buffers[1], cv, p0, cnt, *dt, *scratch, NULL);
    return (const char *)*scratch;
}

/* Rows of one chunk: child element of row r, position k is at
 * child offset + start(r) + k. */
static void moving_compute(SeriesExport *in, const moving_args *ma, const CallerContext *ctx, SeriesExport *ret) {
    const char *fn = ma->sa.fn;
    nested_type t;
    mwk_dtype ydt;
    if (!in->field) {
        pl_set_err("mwk.%s: input column without a schema", fn);
        return;
    }
    if (moving_field_check(in->field, 1, ma, &t, &ydt) < 0) return;
    const char *name = in->field->name ? in->field->name : "";
    const char *cname = in->field->children[0]->name;
    size_t ysz = dtype_size(ydt);
    mwk_options opt;
    moving_options(ma, &opt);

    /* Pass 1: rows and output size, structure checks. */
    size_t rows = 0, total = 0, elems = 0;
    int any_null_row = 0;
    for (size_t j = 0; j < in->len; j++) {
        const struct ArrowArray *a = in->arrays[j];
        char what[64];
        snprintf(what, sizeof what, "%s values", fn);
        if (!a || a->length < 0 || a->offset < 0 || a->n_children != 1 || !a->children || !a->children[0] ||
            a->n_buffers != (t.is_list ? 2 : 1) || !a->buffers || (t.is_list && a->length > 0 && !a->buffers[1]) ||
            check_primitive(a->children[0], what) < 0) {
            pl_set_err("mwk.%s: malformed input chunk", fn);
            return;
        }
        if (!t.is_list) {
            /* Row r of a fixed-size list reads child elements
             * [(offset + r) * width, (offset + r + 1) * width): the child
             * must hold them all, and the products must not wrap (found by
             * fuzz_arrow: a short child was read past its end). */
            const int64_t end_rows = a->offset + a->length;
            if (end_rows < a->offset || (t.width > 0 && end_rows > INT64_MAX / t.width) ||
                a->children[0]->length < end_rows * t.width) {
                pl_set_err("mwk.%s: malformed input chunk (values shorter than rows x width)", fn);
                return;
            }
            elems += (size_t)a->length * (size_t)t.width;
        }
        rows += (size_t)a->length;
        any_null_row |= chunk_has_nulls(a);
        if (t.is_list) {
            for (int64_t r = 0; r < a->length; r++) {
                int64_t s, e;
                list_row(a, t.large, r, &s, &e);
                if (s < 0 || e < s || e > a->children[0]->length) {
                    pl_set_err("mwk.%s: malformed list offsets", fn);
                    return;
                }
                elems += (size_t)(e - s);
                if (chunk_has_nulls(a) && !bit_get((const uint8_t *)a->buffers[0], a->offset + r)) continue;
                total += moving_len((size_t)(e - s), &opt, ma->window);
            }
        }
    }
    size_t owidth = t.is_list ? 0 : moving_len((size_t)t.width, &opt, ma->window);
    if (!t.is_list) {
        if (owidth && rows > SIZE_MAX / ysz / owidth) {
            pl_set_err("mwk.%s: output too large (rows x width overflows)", fn);
            return;
        }
        total = rows * owidth;
    }
    if (total > SIZE_MAX / 16 || rows > SIZE_MAX / 16) {
        pl_set_err("mwk.%s: output too large", fn);
        return;
    }
    opt.threads = threads_for(ma->threads, ctx, elems);

    void *yv = out_alloc(total * ysz);
    int64_t *offs = t.is_list ? (int64_t *)malloc((rows + 1) * sizeof *offs) : NULL;
    uint8_t *valid = any_null_row ? (uint8_t *)malloc((rows + 7) / 8 + 1) : NULL;
    void *scratch = NULL;
    size_t scratch_bytes = 0;
    int64_t null_count = 0;
    if (!yv || (t.is_list && !offs) || (any_null_row && !valid)) goto nomem;
    if (valid) memset(valid, 0xff, (rows + 7) / 8 + 1);
    if (offs) offs[0] = 0;

    size_t row0 = 0, ypos = 0;
    mwk_status st = MWK_OK;
    for (size_t j = 0; j < in->len && st == MWK_OK; j++) {
        const struct ArrowArray *a = in->arrays[j];
        const struct ArrowArray *c = a->children[0];
        const uint8_t *rv = chunk_has_nulls(a) ? (const uint8_t *)a->buffers[0] : NULL;
        mwk_dtype dt;
        if (rv)
            for (int64_t r = 0; r < a->length; r++)
                if (!bit_get(rv, a->offset + r)) {
                    size_t o = row0 + (size_t)r;
                    valid[o >> 3] &= (uint8_t) ~(1u << (o & 7));
                    null_count++;
                }

        if (!t.is_list) {
            /* One batch per chunk: R rows of N values, row stride N. */
            size_t N = (size_t)t.width, R = (size_t)a->length;
            char *y = (char *)yv + row0 * owidth * ysz;
            row0 += R;
            if (R == 0 || N == 0 || owidth == 0) continue;
            const char *x = moving_values(c, t.inner, c->offset + a->offset * (int64_t)N, R * N, &dt, &scratch,
                                          &scratch_bytes);
            if (!x) goto nomem;
            st = moving_batch(ma, x, dt, R, N, (ptrdiff_t)N, y, (ptrdiff_t)owidth, &opt);
        } else {
            if (a->length == 0) continue;
            /* Rows are contiguous in the child: [first, last) holds them all.
             * Runs of consecutive non-null rows of one length are one batch. */
            int64_t first, last, s, e;
            list_row(a, t.large, 0, &first, &s);
            list_row(a, t.large, a->length - 1, &s, &last);
            const char *x = moving_values(c, t.inner, c->offset + first, (size_t)(last - first), &dt, &scratch,
                                          &scratch_bytes);
            if (!x) goto nomem;
            size_t xsz = dtype_size(dt);
            size_t run_rows = 0, run_len = 0, run_olen = 0, run_y = 0;
            int64_t run_x = 0, next_s = -1;
            for (int64_t r = 0; r <= a->length && st == MWK_OK; r++) {
                size_t len = 0, olen = 0;
                if (r < a->length) {
                    list_row(a, t.large, r, &s, &e);
                    len = (size_t)(e - s);
                    if (!rv || bit_get(rv, a->offset + r)) olen = moving_len(len, &opt, ma->window);
                }
                if (olen > 0 && run_rows > 0 && len == run_len && s == next_s) {
                    run_rows++;
                } else {
                    if (run_rows > 0)
                        st = moving_batch(ma, x + (size_t)(run_x - first) * xsz, dt, run_rows, run_len,
                                          (ptrdiff_t)run_len, (char *)yv + run_y * ysz, (ptrdiff_t)run_olen, &opt);
                    run_rows = 0;
                    if (olen > 0) {
                        run_rows = 1;
                        run_len = len;
                        run_olen = olen;
                        run_x = s;
                        run_y = ypos;
                    }
                }
                if (r == a->length) break;
                next_s = e;
                ypos += olen;
                offs[row0 + (size_t)r + 1] = (int64_t)ypos;
            }
            row0 += (size_t)a->length;
        }
    }
    free(scratch);
    scratch = NULL;
    if (st != MWK_OK) {
        if (st == MWK_E_NOMEM) goto nomem;
        pl_set_err("mwk.%s: %s", fn, mwk_status_str(st));
        goto fail;
    }
    if (t.is_list && total != ypos) {
        pl_set_err("mwk.%s: internal error (output length)", fn);
        goto fail;
    }
    if (null_count == 0) {
        free(valid);
        valid = NULL;
    }

    char fmt[40];
    if (t.is_list) snprintf(fmt, sizeof fmt, "+L");
    else snprintf(fmt, sizeof fmt, "+w:%zu", owidth);
    struct ArrowArray *child = (struct ArrowArray *)malloc(sizeof *child);
    if (!child) goto nomem;
    void *cbufs[2] = {NULL, yv};
    yv = NULL;
    if (pl_array_make(child, (int64_t)total, 0, 2, cbufs, NULL) < 0) {
        free(child);
        goto nomem;
    }
    void *pbufs[2] = {valid, offs};
    pl_export_array(ret, fn, fmt, name, dtype_format(ydt), cname && cname[0] ? cname : "item", (int64_t)rows,
                    null_count, t.is_list ? 2 : 1, pbufs, child); /* all moved in */
    return;

nomem:
    pl_set_err("mwk.%s: out of memory", fn);
fail:
    free(yv);
    free(offs);
    free(valid);
    free(scratch);
}

static void moving_entry(SeriesExport *inputs, size_t n_inputs, const uint8_t *kwargs, size_t kwargs_len,
                         SeriesExport *return_value, const CallerContext *ctx, const char *def_stat) {
    moving_args ma;
    double *taps = NULL;
    if (moving_parse(kwargs, kwargs_len, def_stat, &ma) == 0 && stat_weights_load(&ma.sa, &taps) == 0) {
        if (n_inputs != 1 || !inputs) pl_set_err("mwk.%s takes one input column, got %zu", ma.sa.fn, n_inputs);
        else moving_compute(&inputs[0], &ma, ctx, return_value);
    }
    free(taps);
    pl_release_inputs(inputs, n_inputs);
}

/* ------------------------------------------------------------------------ */
/* the entries                                                               */

PLUGIN_API void _polars_plugin_field_rolling(const struct ArrowSchema *fields, size_t n_fields,
                                             struct ArrowSchema *return_value, const uint8_t *kwargs,
                                             size_t kwargs_len) {
    rolling_field(fields, n_fields, return_value, kwargs, kwargs_len, NULL);
}

PLUGIN_API void _polars_plugin_rolling(SeriesExport *inputs, size_t n_inputs, const uint8_t *kwargs,
                                       size_t kwargs_len, SeriesExport *return_value, const CallerContext *ctx) {
    rolling_entry(inputs, n_inputs, kwargs, kwargs_len, return_value, ctx, NULL);
}

PLUGIN_API void _polars_plugin_field_moving(const struct ArrowSchema *fields, size_t n_fields,
                                            struct ArrowSchema *return_value, const uint8_t *kwargs,
                                            size_t kwargs_len) {
    moving_field(fields, n_fields, return_value, kwargs, kwargs_len, NULL);
}

PLUGIN_API void _polars_plugin_moving(SeriesExport *inputs, size_t n_inputs, const uint8_t *kwargs,
                                      size_t kwargs_len, SeriesExport *return_value, const CallerContext *ctx) {
    moving_entry(inputs, n_inputs, kwargs, kwargs_len, return_value, ctx, NULL);
}

PLUGIN_API void _polars_plugin_field_rolling_mean(const struct ArrowSchema *fields, size_t n_fields,
                                                  struct ArrowSchema *return_value, const uint8_t *kwargs,
                                                  size_t kwargs_len) {
    rolling_field(fields, n_fields, return_value, kwargs, kwargs_len, "mean");
}

PLUGIN_API void _polars_plugin_rolling_mean(SeriesExport *inputs, size_t n_inputs, const uint8_t *kwargs,
                                            size_t kwargs_len, SeriesExport *return_value,
                                            const CallerContext *ctx) {
    rolling_entry(inputs, n_inputs, kwargs, kwargs_len, return_value, ctx, "mean");
}

PLUGIN_API void _polars_plugin_field_moving_mean(const struct ArrowSchema *fields, size_t n_fields,
                                                 struct ArrowSchema *return_value, const uint8_t *kwargs,
                                                 size_t kwargs_len) {
    moving_field(fields, n_fields, return_value, kwargs, kwargs_len, "mean");
}

PLUGIN_API void _polars_plugin_moving_mean(SeriesExport *inputs, size_t n_inputs, const uint8_t *kwargs,
                                           size_t kwargs_len, SeriesExport *return_value,
                                           const CallerContext *ctx) {
    moving_entry(inputs, n_inputs, kwargs, kwargs_len, return_value, ctx, "mean");
}

/* ------------------------------------------------------------------------ */
/* hampel                                                                    */

static const char *replace_name(int v) {
    static const char *const names[] = {"median", "nan"}; /* mwk_hampel_replace order */
    return v >= 0 && v < 2 ? names[v] : NULL;
}

/* window, n_sigmas, replace, min_samples, threads, algorithm. The filter
 * runs as "moving" with median's output dtypes and algorithms. */
static int hampel_parse(const uint8_t *kw, size_t len, moving_args *r) {
    static const char *const keys[] = {"window", "n_sigmas", "replace", "min_samples", "threads", "algorithm"};
    kw_dict d;
    char err[256];
    memset(r, 0, sizeof *r);
    stat_args *sa = &r->sa;
    snprintf(sa->fn, sizeof sa->fn, "hampel");
    if (kw_parse(len ? kw : NULL, len, &d, err, sizeof err) < 0) {
        pl_set_err("mwk.hampel: %s", err);
        return -1;
    }
    if (check_keys(&d, "hampel", keys, (int)(sizeof keys / sizeof keys[0])) < 0) return -1;
    sa->stat = MWK_STAT_MEDIAN;
    if (stat_info(sa->stat, &sa->info) < 0) {
        pl_set_err("mwk.hampel: the library has no median");
        return -1;
    }
    mwk_params_init(&sa->params);
    int64_t w, m, t;
    if (kw_int(&d, "hampel", "window", 1, 0, &w) < 0) return -1;
    if (w < 1) {
        pl_set_err("mwk.hampel: window must be >= 1, got %lld", (long long)w);
        return -1;
    }
    if (kw_int(&d, "hampel", "min_samples", 0, -1, &m) < 0) return -1;
    if (m != -1 && (m < 1 || m > w)) {
        pl_set_err("mwk.hampel: min_samples must be None or between 1 and window (=%lld), got %lld", (long long)w,
                (long long)m);
        return -1;
    }
    if (kw_int(&d, "hampel", "threads", 0, -1, &t) < 0) return -1;
    if (t != -1 && (t < 1 || t > 1 << 20)) {
        pl_set_err("mwk.hampel: threads must be None or a positive integer, got %lld", (long long)t);
        return -1;
    }
    r->window = (size_t)w;
    r->min_count = m == -1 ? MWK_MIN_COUNT_WINDOW : (size_t)m;
    r->threads = (int)t;
    r->hampel = 1;
    r->align = MWK_ALIGN_CENTERED; /* the filter's windows (its options.align is ignored) */
    r->policy = MWK_NAN_SKIP;
    r->algorithm = MWK_ALGO_AUTO;
    r->n_sigmas = 3.0;
    r->replace = MWK_HAMPEL_MEDIAN;
    const kw_item *it = kw_get(&d, "n_sigmas");
    if (it && it->type != KW_NONE) {
        if (it->type != KW_FLOAT && it->type != KW_INT) {
            pl_set_err("mwk.hampel: 'n_sigmas' must be a float");
            return -1;
        }
        r->n_sigmas = it->type == KW_FLOAT ? it->f : (double)it->i;
    }
    if (!(r->n_sigmas >= 0.0 && r->n_sigmas <= 1.7976931348623157e308)) {
        pl_set_err("mwk.hampel: n_sigmas must be finite and >= 0, got %g", r->n_sigmas);
        return -1;
    }
    it = kw_get(&d, "replace");
    if (it && it->type != KW_NONE) {
        int v = it->type == KW_STR ? name_lookup(replace_name, it->s) : -1;
        if (v < 0) {
            pl_set_err("mwk.hampel: replace must be one of 'median', 'nan'; got '%s'", it->type == KW_STR ? it->s : "?");
            return -1;
        }
        r->replace = (mwk_hampel_replace)v;
    }
    it = kw_get(&d, "algorithm");
    if (it && it->type != KW_NONE) {
        mwk_algorithm a;
        if (it->type != KW_STR || mwk_algorithm_from_name(it->s, &a) != MWK_OK ||
            !mwk_stat_has_algorithm(sa->stat, a)) {
            char names[256];
            algo_names(&sa->info, names, sizeof names);
            pl_set_err("mwk.hampel: algorithm must be one of %s; got '%s'", names, it->type == KW_STR ? it->s : "?");
            return -1;
        }
        r->algorithm = a;
    }
    return 0;
}

/* A plain numeric column: one row (nulls read as NaN, which the filter
 * passes through; they stay null). */
static void hampel_column(SeriesExport *in, const moving_args *ma, const CallerContext *ctx, SeriesExport *ret) {
    const char *name = in->field->name ? in->field->name : "";
    in_kind k = kind_of_format(in->field->format);
    mwk_dtype ydt;
    if (k == IN_BAD || mwk_move_out_dtype(ma->sa.stat, kind_dtype(k), &ydt) != MWK_OK || !dtype_format(ydt)) {
        pl_set_err("mwk.hampel: unsupported column dtype (Arrow format '%s'); expected a numeric column or an "
                "Array or List of one",
                in->field->format ? in->field->format : "?");
        return;
    }
    size_t n = 0;
    int has_null = 0;
    for (size_t j = 0; j < in->len; j++) {
        if (check_primitive(in->arrays[j], "hampel input") < 0) return;
        n += (size_t)in->arrays[j]->length;
        has_null |= chunk_has_nulls(in->arrays[j]);
    }
    if (n > SIZE_MAX / 16) {
        pl_set_err("mwk.hampel: column too long");
        return;
    }
    const mwk_dtype gdt = kind_gather_dtype(k);
    const size_t gsz = dtype_size(gdt), ysz = dtype_size(ydt);
    void *xbuf = malloc(n ? n * gsz : 1), *yv = out_alloc(n * ysz);
    uint8_t *valid = has_null ? (uint8_t *)malloc((n + 7) / 8 + 1) : NULL;
    int64_t null_count = 0;
    if (!xbuf || !yv || (has_null && !valid)) goto nomem;
    if (valid) memset(valid, 0xff, (n + 7) / 8 + 1);
    size_t pos = 0;
    for (size_t j = 0; j < in->len; j++) {
        const struct ArrowArray *a = in->arrays[j];
        if (a->length == 0) continue;
        const uint8_t *vb = chunk_has_nulls(a) ? (const uint8_t *)a->buffers[0] : NULL;
        gather_range(k, a->buffers[1], vb, a->offset, (size_t)a->length, gdt, (char *)xbuf + pos * gsz, NULL);
        if (vb)
            for (int64_t i = 0; i < a->length; i++)
                if (!bit_get(vb, a->offset + i)) {
                    size_t o = pos + (size_t)i;
                    valid[o >> 3] &= (uint8_t) ~(1u << (o & 7));
                    null_count++;
                }
        pos += (size_t)a->length;
    }
    if (n > 0) {
        mwk_options opt;
        moving_options(ma, &opt);
        opt.threads = threads_for(ma->threads, ctx, n);
        mwk_status st = mwk_hampel_batch(xbuf, gdt, 1, n, 0, 1, yv, 0, 1, NULL, 0, 0, NULL, ma->window, ma->n_sigmas,
                                         ma->replace, &opt);
        if (st != MWK_OK) {
            if (st == MWK_E_NOMEM) goto nomem;
            pl_set_err("mwk.hampel: %s", mwk_status_str(st));
            goto fail;
        }
    }
    free(xbuf);
    xbuf = NULL;
    if (null_count == 0) {
        free(valid);
        valid = NULL;
    }
    pl_export_column(ret, "hampel", dtype_format(ydt), name, (int64_t)n, null_count, valid, yv); /* moved in */
    return;
nomem:
    pl_set_err("mwk.hampel: out of memory");
fail:
    free(xbuf);
    free(yv);
    free(valid);
}

PLUGIN_API void _polars_plugin_field_hampel(const struct ArrowSchema *fields, size_t n_fields,
                                            struct ArrowSchema *return_value, const uint8_t *kwargs,
                                            size_t kwargs_len) {
    moving_args ma;
    if (hampel_parse(kwargs, kwargs_len, &ma) < 0) return;
    if (n_fields != 1 || !fields) {
        pl_set_err("mwk.hampel takes one input column, got %zu", n_fields);
        return;
    }
    nested_type t;
    if (nested_parse(&fields[0], &t) == 0) {
        moving_field_of(fields, n_fields, return_value, &ma);
        return;
    }
    in_kind k = kind_of_format(fields[0].format);
    mwk_dtype ydt;
    if (k == IN_BAD || mwk_move_out_dtype(ma.sa.stat, kind_dtype(k), &ydt) != MWK_OK || !dtype_format(ydt)) {
        pl_set_err("mwk.hampel: unsupported column dtype (Arrow format '%s'); expected a numeric column or an "
                "Array or List of one",
                fields[0].format ? fields[0].format : "?");
        return;
    }
    if (pl_schema_make(return_value, dtype_format(ydt), fields[0].name, NULL, NULL) < 0)
        pl_set_err("mwk.hampel: out of memory");
}

PLUGIN_API void _polars_plugin_hampel(SeriesExport *inputs, size_t n_inputs, const uint8_t *kwargs,
                                      size_t kwargs_len, SeriesExport *return_value, const CallerContext *ctx) {
    moving_args ma;
    if (hampel_parse(kwargs, kwargs_len, &ma) == 0) {
        nested_type t;
        if (n_inputs != 1 || !inputs) pl_set_err("mwk.hampel takes one input column, got %zu", n_inputs);
        else if (!inputs[0].field) pl_set_err("mwk.hampel: input column without a schema");
        else if (nested_parse(inputs[0].field, &t) == 0) moving_compute(&inputs[0], &ma, ctx, return_value);
        else hampel_column(&inputs[0], &ma, ctx, return_value);
    }
    pl_release_inputs(inputs, n_inputs);
}

/* ------------------------------------------------------------------------ */
/* rolling_rank (Polars' semantics)                                          */

typedef struct rank_args {
    size_t window, min_valid;
    int center, idx64;
    pl_rank_method method;
    uint64_t seed;
} rank_args;

static int rank_parse(const uint8_t *kw, size_t len, rank_args *r) {
    static const char *const keys[] = {"window_size", "min_samples", "center", "method", "seed", "idx64"};
    const char *fn = "rolling_rank";
    kw_dict d;
    char err[256];
    memset(r, 0, sizeof *r);
    if (kw_parse(len ? kw : NULL, len, &d, err, sizeof err) < 0) {
        pl_set_err("mwk.%s: %s", fn, err);
        return -1;
    }
    if (check_keys(&d, fn, keys, (int)(sizeof keys / sizeof keys[0])) < 0) return -1;
    int64_t w, m, seed;
    if (kw_int(&d, fn, "window_size", 1, 0, &w) < 0) return -1;
    if (w < 1) {
        pl_set_err("mwk.%s: window_size must be >= 1, got %lld", fn, (long long)w);
        return -1;
    }
    if (kw_int(&d, fn, "min_samples", 0, w, &m) < 0) return -1;
    if (m < 0 || m > w) {
        pl_set_err("mwk.%s: min_samples must be between 0 and window_size (=%lld), got %lld", fn, (long long)w,
                (long long)m);
        return -1;
    }
    if (kw_int(&d, fn, "seed", 0, 0, &seed) < 0) return -1;
    r->window = (size_t)w;
    r->min_valid = m < 1 ? 1 : (size_t)m;
    r->seed = (uint64_t)seed;
    const kw_item *it = kw_get(&d, "center");
    if (it && it->type != KW_NONE) {
        if (it->type != KW_BOOL) {
            pl_set_err("mwk.%s: center must be a bool", fn);
            return -1;
        }
        r->center = (int)it->i;
    }
    it = kw_get(&d, "idx64");
    if (it && it->type == KW_BOOL) r->idx64 = (int)it->i;
    r->method = RK_AVERAGE;
    it = kw_get(&d, "method");
    if (it && it->type != KW_NONE) {
        int v = it->type == KW_STR ? name_lookup(pl_rank_method_name, it->s) : -1;
        if (v < 0) {
            char names[128];
            name_list(pl_rank_method_name, names, sizeof names);
            pl_set_err("mwk.%s: method must be one of %s; got '%s'", fn, names, it->type == KW_STR ? it->s : "?");
            return -1;
        }
        r->method = (pl_rank_method)v;
    }
    return 0;
}

static const char *rank_format(const rank_args *r) { return r->method == RK_AVERAGE ? "g" : r->idx64 ? "L" : "I"; }

PLUGIN_API void _polars_plugin_field_rolling_rank(const struct ArrowSchema *fields, size_t n_fields,
                                                  struct ArrowSchema *return_value, const uint8_t *kwargs,
                                                  size_t kwargs_len) {
    rank_args ra;
    if (rank_parse(kwargs, kwargs_len, &ra) < 0) return;
    if (n_fields != 1 || !fields) {
        pl_set_err("mwk.rolling_rank takes one input column, got %zu", n_fields);
        return;
    }
    if (kind_of_format(fields[0].format) == IN_BAD) {
        pl_set_err("mwk.rolling_rank: unsupported column dtype (Arrow format '%s'); expected a float, integer or "
                "boolean column",
                fields[0].format ? fields[0].format : "?");
        return;
    }
    if (pl_schema_make(return_value, rank_format(&ra), fields[0].name, NULL, NULL) < 0)
        pl_set_err("mwk.rolling_rank: out of memory");
}

/* An order-preserving key: equal values (-0.0 and +0.0, every NaN) get
 * equal keys, NaN above +inf (Polars' total order); integers compare as
 * integers (int64/uint64 beyond 2^53 included). */
static inline uint64_t rank_key(in_kind k, const void *v, int64_t i) {
    if (k == IN_I64) return (uint64_t)((const int64_t *)v)[i] ^ (UINT64_C(1) << 63);
    if (k == IN_U64) return ((const uint64_t *)v)[i];
    if (k != IN_F64 && k != IN_F32 && k != IN_F16) /* small integers, bool: exact as int64 */
        return (uint64_t)(int64_t)value_at(k, v, i) ^ (UINT64_C(1) << 63);
    return pl_order_key(value_at(k, v, i));
}

static void rank_compute(SeriesExport *in, const rank_args *ra, SeriesExport *ret) {
    const char *fn = "rolling_rank";
    if (!in->field) {
        pl_set_err("mwk.%s: input column without a schema", fn);
        return;
    }
    const char *name = in->field->name ? in->field->name : "";
    in_kind k = kind_of_format(in->field->format);
    if (k == IN_BAD) {
        pl_set_err("mwk.%s: unsupported column dtype (Arrow format '%s'); expected a float, integer or boolean column",
                fn, in->field->format ? in->field->format : "?");
        return;
    }
    size_t n = 0;
    for (size_t j = 0; j < in->len; j++) {
        if (check_primitive(in->arrays[j], "rolling_rank input") < 0) return;
        n += (size_t)in->arrays[j]->length;
    }
    if (n > SIZE_MAX / 64) {
        pl_set_err("mwk.%s: column too long", fn);
        return;
    }
    const size_t ysz = ra->method == RK_AVERAGE ? 8 : ra->idx64 ? 8 : 4;
    void *yv = out_alloc(n * ysz);
    uint8_t *valid = (uint8_t *)malloc((n + 7) / 8 + 1), *isval = (uint8_t *)malloc(n + 1);
    pl_key_idx *ki = (pl_key_idx *)malloc((n + 1) * sizeof *ki);
    size_t *id = (size_t *)malloc((n + 1) * sizeof *id);
    size_t *fc = NULL, *fd = NULL, *occ = NULL;
    int64_t null_count = 0;
    if (!yv || !valid || !isval || !ki || !id) goto nomem;
    memset(valid, 0xff, (n + 7) / 8 + 1);

    /* value ids: dense ranks 1..D of the column's non-null values */
    size_t nv = 0, pos = 0;
    for (size_t j = 0; j < in->len; j++) {
        const struct ArrowArray *a = in->arrays[j];
        const uint8_t *vb = chunk_has_nulls(a) ? (const uint8_t *)a->buffers[0] : NULL;
        for (int64_t i = 0; i < a->length; i++, pos++) {
            isval[pos] = (uint8_t)(!vb || bit_get(vb, a->offset + i));
            if (isval[pos]) {
                ki[nv].key = rank_key(k, a->buffers[1], a->offset + i);
                ki[nv].idx = pos;
                nv++;
            }
        }
    }
    const size_t D = pl_rank_ids(ki, nv, id);
    free(ki);
    ki = NULL;
    fc = (size_t *)calloc(D + 1, sizeof *fc);
    occ = (size_t *)calloc(D + 1, sizeof *occ);
    if (ra->method == RK_DENSE) fd = (size_t *)calloc(D + 1, sizeof *fd);
    if (!fc || !occ || (ra->method == RK_DENSE && !fd)) goto nomem;

    /* slide: window [lo, hi] of row i, both ends non-decreasing */
    size_t in_lo = 0, in_end = 0, count = 0;
    for (size_t i = 0; i < n; i++) {
        size_t lo, hi;
        window_bounds(i, n, ra->window, ra->center, &lo, &hi);
        for (; in_end <= hi; in_end++)
            if (isval[in_end]) {
                pl_rank_enter(fc, fd, occ, D, id[in_end]);
                count++;
            }
        for (; in_lo < lo; in_lo++)
            if (isval[in_lo]) {
                pl_rank_leave(fc, fd, occ, D, id[in_lo]);
                count--;
            }
        if (!isval[i] || count < ra->min_valid) {
            valid[i >> 3] &= (uint8_t) ~(1u << (i & 7));
            null_count++;
            memset((char *)yv + i * ysz, 0, ysz);
            continue;
        }
        pl_rank_put(yv, i, ra->method, ra->idx64, ra->seed, fc, fd, occ, id[i]);
    }
    free(isval);
    free(id);
    free(fc);
    free(fd);
    free(occ);
    isval = NULL;
    id = fc = fd = occ = NULL;
    if (null_count == 0) {
        free(valid);
        valid = NULL;
    }
    pl_export_column(ret, fn, rank_format(ra), name, (int64_t)n, null_count, valid, yv); /* moved in */
    return;
nomem:
    pl_set_err("mwk.%s: out of memory", fn);
    free(yv);
    free(valid);
    free(isval);
    free(ki);
    free(id);
    free(fc);
    free(fd);
    free(occ);
}

PLUGIN_API void _polars_plugin_rolling_rank(SeriesExport *inputs, size_t n_inputs, const uint8_t *kwargs,
                                            size_t kwargs_len, SeriesExport *return_value,
                                            const CallerContext *ctx) {
    (void)ctx;
    rank_args ra;
    if (rank_parse(kwargs, kwargs_len, &ra) == 0) {
        if (n_inputs != 1 || !inputs) pl_set_err("mwk.rolling_rank takes one input column, got %zu", n_inputs);
        else rank_compute(&inputs[0], &ra, return_value);
    }
    pl_release_inputs(inputs, n_inputs);
}

/* ------------------------------------------------------------------------ */
/* the rolling kwargs for polars_grouped.c (rolling_<stat>(..., over=))     */

int pl_rolling_spec_parse(const uint8_t *kwargs, size_t kwargs_len, pl_rolling_spec *out, double **taps) {
    rolling_args ra;
    *taps = NULL;
    if (rolling_parse(kwargs, kwargs_len, NULL, &ra) < 0 || stat_weights_load(&ra.sa, taps) < 0) return -1;
    out->stat = ra.sa.stat;
    out->params = ra.sa.params;
    out->window = ra.window;
    out->min_valid = ra.min_valid;
    out->center = ra.center;
    out->empty_zero = ra.empty_zero;
    snprintf(out->fn, sizeof out->fn, "%s", ra.sa.fn);
    return 0;
}
