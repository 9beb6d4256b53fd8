/*
 * The Polars expression plugin's key-based (time-based) windows, interface
 * 0.1 as polars_plugin.c: one pair of entries
 *   _polars_plugin_field_rolling_by / _polars_plugin_rolling_by
 * with two inputs, the values and the key `by`, and the semantics of Polars'
 * own Expr.rolling_<stat>_by (Polars 2.1), computed by mwk_move_by
 * (include/mwk_by.h). mwk/_polars_by.py builds the kwargs:
 *   stat           a registry name (mean, sum, var, std, min, max, median,
 *                  quantile; the others mwk_move_by takes work too)
 *   window_ns      the window as a fixed duration in nanoseconds (for a
 *                  Datetime or Date `by`), or
 *   window_int     the window in key units (for an integer `by`: "5i" or 5)
 *   calendar       whether the duration has days or weeks (calendar units in
 *                  a time zone with daylight saving: refused there)
 *   min_samples, closed ("right", "left", "both", "none"), ddof, quantile,
 *   interpolation, algorithm (mwk's, default "auto")
 *
 * What Polars does, and this entry with it (checked against Polars 2.1 by
 * python/tests/test_polars_by.py):
 * - Row i's window holds the rows whose key lies in (t-w, t] (right), [t-w, t)
 *   (left), [t-w, t] (both), (t-w, t) (none), t = by[i]: rows with equal keys
 *   share their window, later rows included. A window of 0 key units (a
 *   duration shorter than the key's unit truncates to 0, as Polars) holds the
 *   key's own rows for right and both and nothing for left and none.
 * - A Datetime key's unit divides the duration, truncating (Polars: "1500us"
 *   on milliseconds is 1 ms). A Date key counts as midnight of its day.
 * - Null values are missing: skipped, not counted by min_samples; a window
 *   with fewer than min_samples values (at least 1; for var/std more than
 *   ddof) is null, except rolling_sum with min_samples=0, whose empty window
 *   is 0. NaN is a value: a window holding one gives NaN.
 * - A null key: the row gives null and is in no window. Unsorted keys are
 *   sorted here (a stable argsort), computed, and the results put back in
 *   the rows' order, as Polars does.
 * - median/quantile: Polars sorts NaN above every value and forms the result
 *   from the order statistics at floor(h) and ceil(h), h = (count - 1) q,
 *   with its own formulas; the library gives those two neighbours
 *   (interpolation lower and higher, NaN passed as +inf) and order_combine
 *   applies Polars' formulas, so the values are Polars' bit for bit.
 * Output: mwk_move_out_dtype's (Float64; Float32 for Float32 input), where
 * Polars keeps an integer column's dtype for sum/min/max.
 *
 * A second pair of entries, _polars_plugin_field_rolling_rank_by /
 * _polars_plugin_rolling_rank_by, is Polars' rolling_rank_by (kwargs method,
 * seed, idx64 besides the window's): the rank of the row's own value among
 * its window's values (a Fenwick tree, as polars_plugin.c's rolling_rank),
 * not the registry's rank.
 *
 * Ownership as polars_plugin.c (polars_common.h): the inputs are released
 * on every path; failure leaves private_data NULL with a message.
 */
#define _GNU_SOURCE /* madvise */
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "arrow_c.h"
#include "mwk.h"
#include "mwk_by.h"
#include "pickle_kwargs.h"
#include "polars_common.h"

PLUGIN_API void _polars_plugin_field_rolling_by(const struct ArrowSchema *fields, size_t n_fields,
                                                struct ArrowSchema *return_value, const uint8_t *kwargs,
                                                size_t kwargs_len);
PLUGIN_API void _polars_plugin_rolling_by(SeriesExport *inputs, size_t n_inputs, const uint8_t *kwargs,
                                          size_t kwargs_len, SeriesExport *return_value, const CallerContext *ctx);
PLUGIN_API void _polars_plugin_field_rolling_rank_by(const struct ArrowSchema *fields, size_t n_fields,
                                                     struct ArrowSchema *return_value, const uint8_t *kwargs,
                                                     size_t kwargs_len);
PLUGIN_API void _polars_plugin_rolling_rank_by(SeriesExport *inputs, size_t n_inputs, const uint8_t *kwargs,
                                               size_t kwargs_len, SeriesExport *return_value,
                                               const CallerContext *ctx);

/* ---- kwargs -------------------------------------------------------------- */

typedef struct by_args {
    mwk_stat stat;
    mwk_stat_info info;
    mwk_params params;
    char fn[48]; /* "rolling_mean_by", for messages */
    int has_ns, has_int, calendar;
    int64_t window_ns, window_int;
    size_t min_valid; /* min_samples (0 as 1), above ddof for var/std */
    int empty_zero;   /* sum with min_samples=0: an empty window is 0 */
    mwk_closed closed;
    mwk_algorithm algorithm;
    int rank;        /* rolling_rank_by: Polars' rank of the row's own value (not the registry's rank) */
    int rank_method; /* RK_* */
    int idx64;       /* Polars' index type is UInt64 (its bigidx build) */
    uint64_t seed;
} by_args;

static const char *closed_name(int v) {
    static const char *const names[] = {"right", "left", "both", "none"}; /* mwk_closed order */
    return v >= 0 && v < 4 ? names[v] : NULL;
}

static const char *interp_name(int v) {
    static const char *const names[] = {"linear", "lower", "higher", "nearest", "midpoint"}; /* mwk_interpolation */
    return v >= 0 && v < 5 ? names[v] : NULL;
}

static int lookup(const char *(*name)(int), const char *s) {
    for (int v = 0; name(v); v++)
        if (!strcmp(name(v), s)) return v;
    return -1;
}

static int by_parse(const uint8_t *kw, size_t len, int rank, by_args *a) {
    static const char *const keys[] = {"stat",    "window_ns", "window_int",    "calendar", "min_samples",
                                       "closed",  "ddof",      "quantile",      "interpolation", "algorithm",
                                       "method",  "seed",      "idx64"};
    kw_dict d;
    char err[256];
    memset(a, 0, sizeof *a);
    snprintf(a->fn, sizeof a->fn, "rolling_by");
    if (kw_parse(len ? kw : NULL, len, &d, err, sizeof err) < 0) {
        pl_set_err("mwk.%s: %s", a->fn, err);
        return -1;
    }
    for (int k = 0; k < d.n; k++) {
        int ok = 0;
        for (size_t j = 0; j < sizeof keys / sizeof keys[0]; j++) ok |= !strcmp(d.items[k].key, keys[j]);
        if (!ok) {
            pl_set_err("mwk.%s: unknown keyword argument '%s'", a->fn, d.items[k].key);
            return -1;
        }
    }
    const kw_item *it = kw_get(&d, "stat");
    if (rank) {
        /* the statistic is not the library's: max only stands in for the
         * registry lookups below (it has no parameters) */
        a->rank = 1;
        a->stat = MWK_STAT_MAX;
        it = kw_get(&d, "method");
        a->rank_method = !it || it->type == KW_NONE ? RK_AVERAGE : it->type == KW_STR ? lookup(pl_rank_method_name, it->s) : -1;
        if (a->rank_method < 0) {
            pl_set_err("mwk.rolling_rank_by: method must be one of 'average', 'min', 'max', 'dense', 'random'");
            return -1;
        }
        it = kw_get(&d, "seed");
        a->seed = it && it->type == KW_INT ? (uint64_t)it->i : 0;
        it = kw_get(&d, "idx64");
        a->idx64 = it && it->type == KW_BOOL && it->i;
    } else if (!it || it->type != KW_STR || mwk_stat_from_name(it->s, &a->stat) != MWK_OK) {
        pl_set_err("mwk.%s: 'stat' must name a statistic of the registry", a->fn);
        return -1;
    }
    a->info.struct_size = sizeof a->info;
    if (mwk_stat_info_get(a->stat, &a->info) != MWK_OK || !a->info.name) {
        pl_set_err("mwk.%s: unknown statistic", a->fn);
        return -1;
    }
    snprintf(a->fn, sizeof a->fn, "rolling_%s_by", rank ? "rank" : a->info.name);
    if (a->info.params & MWK_PARAM_WEIGHTS) {
        pl_set_err("mwk.%s: weighted statistics have no key-based form", a->fn);
        return -1;
    }
    mwk_params_init(&a->params);
    it = kw_get(&d, "window_ns");
    if (it && it->type != KW_NONE) {
        if (it->type != KW_INT || it->i <= 0) {
            pl_set_err("mwk.%s: 'window_ns' must be a positive integer", a->fn);
            return -1;
        }
        a->has_ns = 1;
        a->window_ns = it->i;
    }
    it = kw_get(&d, "window_int");
    if (it && it->type != KW_NONE) {
        if (it->type != KW_INT || it->i <= 0) {
            pl_set_err("mwk.%s: 'window_int' must be a positive integer", a->fn);
            return -1;
        }
        a->has_int = 1;
        a->window_int = it->i;
    }
    if (a->has_ns == a->has_int) {
        pl_set_err("mwk.%s: exactly one of 'window_ns' and 'window_int' is needed", a->fn);
        return -1;
    }
    it = kw_get(&d, "calendar");
    a->calendar = it && it->type == KW_BOOL && it->i;
    int64_t ms = 1;
    it = kw_get(&d, "min_samples");
    if (it && it->type != KW_NONE) {
        if (it->type != KW_INT || it->i < 0) {
            pl_set_err("mwk.%s: min_samples must be a non-negative integer", a->fn);
            return -1;
        }
        ms = it->i;
    }
    a->min_valid = ms < 1 ? 1 : (size_t)ms;
    a->empty_zero = ms == 0 && a->stat == MWK_STAT_SUM;
    a->closed = MWK_CLOSED_RIGHT;
    it = kw_get(&d, "closed");
    if (it && it->type != KW_NONE) {
        int v = it->type == KW_STR ? lookup(closed_name, it->s) : -1;
        if (v < 0) {
            pl_set_err("mwk.%s: closed must be one of 'right', 'left', 'both', 'none'", a->fn);
            return -1;
        }
        a->closed = (mwk_closed)v;
    }
    if (rank && a->closed != MWK_CLOSED_RIGHT && a->closed != MWK_CLOSED_BOTH) {
        pl_set_err("mwk.rolling_rank_by: the window must hold the row itself: closed must be 'right' or 'both' "
                   "(as Polars)");
        return -1;
    }
    if (a->info.params & MWK_PARAM_DDOF) {
        int64_t dd = 1; /* Polars' default */
        it = kw_get(&d, "ddof");
        if (it && it->type != KW_NONE) {
            if (it->type != KW_INT || it->i < 0 || it->i > INT_MAX) {
                pl_set_err("mwk.%s: ddof must be an integer between 0 and %d", a->fn, INT_MAX);
                return -1;
            }
            dd = it->i;
        }
        a->params.ddof = (int)dd;
        if (a->min_valid <= (size_t)dd) a->min_valid = (size_t)dd + 1; /* Polars: null there */
    }
    if (a->info.params & MWK_PARAM_QUANTILE) {
        it = kw_get(&d, "quantile");
        if (!it || (it->type != KW_FLOAT && it->type != KW_INT)) {
            pl_set_err("mwk.%s: 'quantile' (a float in [0, 1]) is required", a->fn);
            return -1;
        }
        a->params.quantile = it->type == KW_FLOAT ? it->f : (double)it->i;
        if (!(a->params.quantile >= 0.0 && a->params.quantile <= 1.0)) {
            pl_set_err("mwk.%s: quantile must be in [0, 1], got %g", a->fn, a->params.quantile);
            return -1;
        }
    }
    if (a->info.params & MWK_PARAM_INTERPOLATION) {
        a->params.interpolation = MWK_INTERP_NEAREST; /* Polars' default */
        it = kw_get(&d, "interpolation");
        if (it && it->type != KW_NONE) {
            int v = it->type == KW_STR ? lookup(interp_name, it->s) : -1;
            if (v < 0) {
                pl_set_err("mwk.%s: interpolation must be one of 'linear', 'lower', 'higher', 'nearest', "
                           "'midpoint'",
                           a->fn);
                return -1;
            }
            a->params.interpolation = (mwk_interpolation)v;
        }
    }
    a->algorithm = MWK_ALGO_AUTO;
    it = kw_get(&d, "algorithm");
    if (it && it->type != KW_NONE) {
        if (it->type != KW_STR || mwk_algorithm_from_name(it->s, &a->algorithm) != MWK_OK ||
            (a->algorithm != MWK_ALGO_AUTO && !mwk_stat_has_algorithm(a->stat, a->algorithm))) {
            pl_set_err("mwk.%s: unknown algorithm for %s", a->fn, a->info.name);
            return -1;
        }
    }
    return 0;
}

/* ---- the key ------------------------------------------------------------- */

typedef enum { KEY_I64, KEY_I32, KEY_U64, KEY_U32, KEY_DATE32, KEY_DATE64, KEY_BAD } key_kind;

/* The key's storage and, for temporal keys, nanoseconds per unit (0 for
 * integers); *tz: the time zone of a Datetime ("" when none). Date keys
 * are read as milliseconds (midnight of the day): every Date fits, and a
 * duration truncated to milliseconds selects the same days as the exact one
 * (the keys are whole days). */
static key_kind key_of_format(const char *f, int64_t *unit_ns, const char **tz) {
    *unit_ns = 0;
    *tz = "";
    if (!f) return KEY_BAD;
    if (!strcmp(f, "l")) return KEY_I64;
    if (!strcmp(f, "i")) return KEY_I32;
    if (!strcmp(f, "L")) return KEY_U64;
    if (!strcmp(f, "I")) return KEY_U32;
    if (!strcmp(f, "tdD")) return *unit_ns = 1000000, KEY_DATE32;
    if (!strcmp(f, "tdm")) return *unit_ns = 1000000, KEY_DATE64;
    if (f[0] == 't' && f[1] == 's' && f[2] && f[3] == ':') {
        switch (f[2]) {
        case 's': *unit_ns = 1000000000; break;
        case 'm': *unit_ns = 1000000; break;
        case 'u': *unit_ns = 1000; break;
        case 'n': *unit_ns = 1; break;
        default: return KEY_BAD;
        }
        *tz = f + 4;
        return KEY_I64;
    }
    return KEY_BAD;
}

/* Days are 24 hours in these zones (no daylight saving). */
static int fixed_zone(const char *tz) {
    static const char *const utc[] = {"", "UTC", "Etc/UTC", "Etc/Universal", "Universal", "Zulu", "Etc/Zulu",
                                      "GMT", "Etc/GMT", "Z"};
    for (size_t k = 0; k < sizeof utc / sizeof utc[0]; k++)
        if (!strcmp(tz, utc[k])) return 1;
    return (tz[0] == '+' || tz[0] == '-') && strchr(tz, ':') != NULL; /* "+01:00" */
}

static inline int bit_get(const uint8_t *bits, int64_t i) { return (bits[i >> 3] >> (i & 7)) & 1; }

static const uint8_t *validity(const struct ArrowArray *a) {
    return a->null_count != 0 && a->n_buffers > 0 && a->buffers && a->buffers[0] ? (const uint8_t *)a->buffers[0]
                                                                                  : NULL;
}

static int check_chunks(const SeriesExport *s, int64_t *n, int *has_null) {
    *n = 0;
    *has_null = 0;
    for (size_t j = 0; j < s->len; j++) {
        const struct ArrowArray *a = s->arrays ? s->arrays[j] : NULL;
        if (!a || a->length < 0 || a->offset < 0 || a->n_buffers != 2 || !a->buffers ||
            (a->length > 0 && !a->buffers[1]))
            return -1;
        *n += a->length;
        *has_null |= validity(a) != NULL && a->length > 0;
    }
    return 0;
}

/* ---- the values ---------------------------------------------------------- */

static inline double value_at(char c, const void *v, int64_t i) {
    switch (c) {
    case 'g': return ((const double *)v)[i];
    case 'f': return ((const float *)v)[i];
    case 'e': return pl_half_to_float(((const uint16_t *)v)[i]);
    case 'c': return ((const int8_t *)v)[i];
    case 's': return ((const int16_t *)v)[i];
    case 'i': return ((const int32_t *)v)[i];
    case 'l': return (double)((const int64_t *)v)[i];
    case 'C': return ((const uint8_t *)v)[i];
    case 'S': return ((const uint16_t *)v)[i];
    case 'I': return ((const uint32_t *)v)[i];
    case 'L': return (double)((const uint64_t *)v)[i];
    case 'b': return bit_get((const uint8_t *)v, i);
    default: return NAN;
    }
}

/* The library's dtype for a value format read in place, or -1. */
static int direct_dtype(const char *f, mwk_dtype *dt) {
    static const char fmts[] = "gfelicsLICS";
    static const mwk_dtype dts[] = {MWK_F64, MWK_F32, MWK_F16, MWK_I64, MWK_I32, MWK_I8,
                                    MWK_I16, MWK_U64, MWK_U32, MWK_U8,  MWK_U16};
    if (!f || !f[0] || f[1]) return -1;
    const char *p = strchr(fmts, f[0]);
    if (!p) return -1;
    *dt = dts[p - fmts];
    return 0;
}

static int value_format_ok(const char *f) { return f && f[0] && !f[1] && strchr("gfelicsLICSb", f[0]); }

static const char *ydt_format(mwk_dtype d) {
    return d == MWK_F32 ? "f" : d == MWK_U32 ? "I" : d == MWK_U64 ? "L" : "g";
}

/* The output dtype: the library's for the input (bool as float64); for
 * rolling_rank_by Polars' (Float64 for average, else its index type). */
static int out_dtype(const by_args *a, const char *f, mwk_dtype *ydt) {
    mwk_dtype in;
    if (a->rank) {
        if (!value_format_ok(f)) {
            pl_set_err("mwk.rolling_rank_by: unsupported column dtype (Arrow format '%s')", f ? f : "?");
            return -1;
        }
        *ydt = a->rank_method == RK_AVERAGE ? MWK_F64 : a->idx64 ? MWK_U64 : MWK_U32;
        return 0;
    }
    if (!value_format_ok(f)) {
        pl_set_err("mwk.%s: unsupported column dtype (Arrow format '%s'); expected a float, integer or boolean "
                   "column",
                   a->fn, f ? f : "?");
        return -1;
    }
    if (direct_dtype(f, &in) < 0) in = MWK_F64;
    if (mwk_move_out_dtype(a->stat, in, ydt) != MWK_OK || (*ydt != MWK_F64 && *ydt != MWK_F32)) {
        pl_set_err("mwk.%s: no output dtype for Arrow format '%s'", a->fn, f);
        return -1;
    }
    return 0;
}

PLUGIN_API void _polars_plugin_field_rolling_by(const struct ArrowSchema *fields, size_t n_fields,
                                                struct ArrowSchema *return_value, const uint8_t *kwargs,
                                                size_t kwargs_len) {
    by_args a;
    mwk_dtype ydt;
    memset(return_value, 0, sizeof *return_value);
    if (by_parse(kwargs, kwargs_len, 0, &a) < 0) return;
    if (n_fields != 2 || !fields) {
        pl_set_err("mwk.%s takes two input columns (values and by), got %zu", a.fn, n_fields);
        return;
    }
    if (out_dtype(&a, fields[0].format, &ydt) < 0) return;
    if (pl_schema_make(return_value, ydt_format(ydt), fields[0].name, NULL, NULL) < 0)
        pl_set_err("mwk.%s: out of memory", a.fn);
}

/* ---- compute ------------------------------------------------------------- */

typedef struct {
    int64_t key;
    size_t idx;
} key_idx;

static int key_idx_cmp(const void *pa, const void *pb) {
    const key_idx *x = (const key_idx *)pa, *y = (const key_idx *)pb;
    if (x->key != y->key) return x->key < y->key ? -1 : 1;
    return (x->idx > y->idx) - (x->idx < y->idx); /* stable */
}

/* Row k's median/quantile from its lower (y, index floor(h)) and higher
 * (y2, index ceil(h)) neighbours, h = (count - 1) * q, as Polars 2.1 forms
 * it: NaN sorts above every value (the library saw NaN as +inf: a neighbour
 * among the top nnan positions is NaN); 'nearest' takes the index round(h)
 * (half away from zero), 'midpoint' (a + b) / 2, 'linear' and the median
 * a + (b - a) * (h - floor(h)); a neighbour that is the other gives it. */
static void order_combine(const by_args *ar, size_t c, size_t nnan, mwk_dtype ydt, void *y, const void *y2,
                          size_t k) {
    const double q = ar->stat == MWK_STAT_MEDIAN ? 0.5 : ar->params.quantile;
    const mwk_interpolation ip = ar->stat == MWK_STAT_MEDIAN ? MWK_INTERP_LINEAR : ar->params.interpolation;
    const double h = ((double)c - 1.0) * q, fl = floor(h), ce = ceil(h);
    const double top = (double)(c - nnan); /* first NaN position */
    double a = ydt == MWK_F32 ? ((const float *)y)[k] : ((const double *)y)[k];
    double b = !y2 ? a : ydt == MWK_F32 ? ((const float *)y2)[k] : ((const double *)y2)[k];
    if (fl >= top) a = NAN;
    if (ce >= top) b = NAN;
    double r;
    switch (ip) {
    case MWK_INTERP_LOWER: r = a; break;
    case MWK_INTERP_HIGHER: r = b; break;
    case MWK_INTERP_NEAREST: r = round(h) == fl ? a : b; break;
    case MWK_INTERP_MIDPOINT: r = fl == ce ? a : (a + b) / 2.0; break;
    default: r = fl == ce ? a : a + (b - a) * (h - fl); break;
    }
    if (ydt == MWK_F32) {
        /* float32 columns: Polars works in float32 */
        float af = (float)a, bf = (float)b, rf;
        switch (ip) {
        case MWK_INTERP_LOWER: rf = af; break;
        case MWK_INTERP_HIGHER: rf = bf; break;
        case MWK_INTERP_NEAREST: rf = round(h) == fl ? af : bf; break;
        case MWK_INTERP_MIDPOINT: rf = fl == ce ? af : (af + bf) / 2.0f; break;
        default: rf = fl == ce ? af : af + (bf - af) * (float)(h - fl); break;
        }
        ((float *)y)[k] = rf;
        (void)r;
    } else {
        ((double *)y)[k] = r;
    }
}

static void *xmalloc(size_t bytes) { return malloc(bytes ? bytes : 1); }

/* The output buffer: fresh memory on every call, whose 4 KiB page faults
 * cost a tenth of a 10M-row call; a large one asks for transparent huge
 * pages (as polars_plugin.c's out_alloc). Freed with free() by the
 * output's release. */
static void *out_alloc(size_t bytes) {
    if (bytes < ((size_t)4 << 20)) return xmalloc(bytes);
    void *p = NULL;
    if (posix_memalign(&p, (size_t)2 << 20, bytes) != 0) return NULL;
#ifdef MADV_HUGEPAGE
    (void)madvise(p, bytes, MADV_HUGEPAGE); /* a hint: failure is harmless */
#endif
    return p;
}

typedef struct work {
    int64_t *kbuf;      /* gathered keys (n), when not read in place */
    uint8_t *kvalid;    /* key not null (n bytes), NULL when no null key */
    size_t *perm;       /* sorted position -> row (m), NULL when the rows are used in order */
    key_idx *ki;
    int64_t *sk;        /* sorted keys (m), when permuted */
    void *xg;           /* gathered values */
    uint8_t *xvalid;    /* value not null, per row (n bytes), NULL when none is */
    void *xs;           /* values in sorted order, when permuted */
    size_t *pc, *pn;    /* prefix counts of non-null values and of NaN values (m + 1) */
    void *y, *y2, *yout; /* y2: the higher neighbour of an order statistic */
    uint8_t *ok, *bitmap;
} work;

static void work_free(work *w) {
    free(w->kbuf);
    free(w->kvalid);
    free(w->perm);
    free(w->ki);
    free(w->sk);
    free(w->xg);
    free(w->xvalid);
    free(w->xs);
    free(w->pc);
    free(w->pn);
    if (w->y != w->yout) free(w->y);
    free(w->y2);
    free(w->yout);
    free(w->ok);
    free(w->bitmap);
    memset(w, 0, sizeof *w);
}

/* rolling_rank_by: the rank of row k's own value among the non-null values
 * of its window (closed right or both: the row is in it), ties by method;
 * a Fenwick tree over the values' dense ranks (as polars_plugin.c's
 * rolling_rank), windows from two pointers along the sorted key.
 * x: m values in key order (nulls NaN; xvalid per row, through perm).
 * y: m outputs (float64 for average, else UInt32/UInt64); *ok_out: m
 * validity bytes (malloc'd). 0, or -1 on out of memory. */
static int rank_by(const by_args *a, const double *x, const size_t *perm, const uint8_t *xvalid, const int64_t *sk,
                   size_t m, int64_t win, mwk_closed closed, void *y, uint8_t **ok_out) {
    uint8_t *ok = (uint8_t *)xmalloc(m), *isval = (uint8_t *)xmalloc(m);
    size_t *id = (size_t *)xmalloc(m * sizeof *id), *fc = NULL, *fd = NULL, *occ = NULL;
    pl_key_idx *ki = (pl_key_idx *)xmalloc(m * sizeof *ki);
    int rc = -1;
    if (!ok || !isval || !id || !ki) goto out;
    size_t nv = 0;
    for (size_t k = 0; k < m; k++) {
        isval[k] = xvalid[perm ? perm[k] : k];
        if (isval[k]) ki[nv].key = pl_order_key(x[k]), ki[nv].idx = k, nv++;
    }
    const size_t D = pl_rank_ids(ki, nv, id);
    free(ki);
    ki = NULL;
    fc = (size_t *)calloc(D + 1, sizeof *fc);
    occ = (size_t *)calloc(D + 1, sizeof *occ);
    if (a->rank_method == RK_DENSE) fd = (size_t *)calloc(D + 1, sizeof *fd);
    if (!fc || !occ || (a->rank_method == RK_DENSE && !fd)) goto out;
    const int incl_lo = closed == MWK_CLOSED_BOTH;
    const uint64_t uw = (uint64_t)win;
    size_t lo = 0, hi = 0, count = 0;
    for (size_t k = 0; k < m; k++) {
        const int64_t t = sk[k];
        for (; hi < m && (hi <= k || sk[hi] == t); hi++)
            if (isval[hi]) {
                pl_rank_enter(fc, fd, occ, D, id[hi]);
                count++;
            }
        for (; lo < hi && (incl_lo ? (uint64_t)t - (uint64_t)sk[lo] > uw : (uint64_t)t - (uint64_t)sk[lo] >= uw);
             lo++)
            if (isval[lo]) {
                pl_rank_leave(fc, fd, occ, D, id[lo]);
                count--;
            }
        ok[k] = (uint8_t)(isval[k] && count >= a->min_valid);
        if (!ok[k]) {
            if (a->rank_method == RK_AVERAGE || a->idx64) ((uint64_t *)y)[k] = 0;
            else ((uint32_t *)y)[k] = 0;
            continue;
        }
        pl_rank_put(y, k, a->rank_method, a->idx64, a->seed, fc, fd, occ, id[k]);
    }
    *ok_out = ok;
    ok = NULL;
    rc = 0;
out:
    free(ok);
    free(isval);
    free(id);
    free(ki);
    free(fc);
    free(fd);
    free(occ);
    return rc;
}

static void by_compute(SeriesExport *in, const by_args *a, const CallerContext *ctx, SeriesExport *ret) {
    const char *fn = a->fn;
    const SeriesExport *xs = &in[0], *bs = &in[1];
    work w;
    memset(&w, 0, sizeof w);
    if (!xs->field || !bs->field) {
        pl_set_err("mwk.%s: input column without a schema", fn);
        return;
    }
    const char *xf = xs->field->format, *bf = bs->field->format;
    const char *name = xs->field->name ? xs->field->name : "";
    mwk_dtype ydt;
    if (out_dtype(a, xf, &ydt) < 0) return;
    const size_t ysz = ydt == MWK_F32 || ydt == MWK_U32 ? 4 : 8;

    /* the key and the window in its units */
    int64_t unit_ns;
    const char *tz;
    key_kind kk = key_of_format(bf, &unit_ns, &tz);
    if (kk == KEY_BAD) {
        pl_set_err("mwk.%s: unsupported `by` dtype (Arrow format '%s'); expected Datetime, Date, Int64, Int32, "
                   "UInt64 or UInt32",
                   fn, bf ? bf : "?");
        return;
    }
    int64_t win;
    if (unit_ns > 0) {
        if (!a->has_ns) {
            pl_set_err("mwk.%s: `window_size` must be a duration such as '2d' or '15m', not an integer or "
                       "'Ni', when `by` is temporal (Arrow format '%s')",
                       fn, bf);
            return;
        }
        if (a->calendar && !fixed_zone(tz)) {
            pl_set_err("mwk.%s: a window in days or weeks is a calendar duration in the time zone '%s' (23 or 25 "
                       "hours across daylight-saving changes), which mwk does not support; give it in hours "
                       "(e.g. '24h' for '1d'), or convert `by` to UTC",
                       fn, tz);
            return;
        }
        win = a->window_ns / unit_ns; /* truncated to the key's unit, as Polars */
    } else {
        if (!a->has_int) {
            pl_set_err("mwk.%s: `window_size` must be an integer or 'Ni' (e.g. '5i') when `by` is an integer "
                       "column, not a duration",
                       fn);
            return;
        }
        win = a->window_int;
    }

    /* A window of 0 units (a duration below the key's unit): Polars keeps
     * the key's own rows for right, which is what both means at 0 */
    const mwk_closed closed = win == 0 && a->closed == MWK_CLOSED_RIGHT ? MWK_CLOSED_BOTH : a->closed;
    int64_t n, nb;
    int x_null, k_null;
    if (check_chunks(xs, &n, &x_null) < 0 || check_chunks(bs, &nb, &k_null) < 0) {
        pl_set_err("mwk.%s: malformed input chunk", fn);
        return;
    }
    if (n != nb) {
        pl_set_err("mwk.%s: `by` has %lld rows but the values have %lld", fn, (long long)nb, (long long)n);
        return;
    }
    if ((uint64_t)n > SIZE_MAX / 32) {
        pl_set_err("mwk.%s: column too long", fn);
        return;
    }

    /* keys: in place (one int64 chunk without nulls), else gathered */
    const int64_t *keys;
    if (kk == KEY_I64 && bs->len == 1 && !k_null) {
        keys = (const int64_t *)bs->arrays[0]->buffers[1] + bs->arrays[0]->offset;
    } else {
        if (!(w.kbuf = (int64_t *)xmalloc((size_t)n * sizeof *w.kbuf))) goto nomem;
        if (k_null && !(w.kvalid = (uint8_t *)xmalloc((size_t)n))) goto nomem;
        size_t pos = 0;
        for (size_t j = 0; j < bs->len; j++) {
            const struct ArrowArray *c = bs->arrays[j];
            const uint8_t *vb = validity(c);
            const void *v = c->buffers[1];
            for (int64_t i = 0; i < c->length; i++, pos++) {
                const int64_t p = c->offset + i;
                int64_t k;
                switch (kk) {
                case KEY_I64: k = ((const int64_t *)v)[p]; break;
                case KEY_I32: k = ((const int32_t *)v)[p]; break;
                case KEY_U32: k = ((const uint32_t *)v)[p]; break;
                case KEY_DATE32: k = (int64_t)((const int32_t *)v)[p] * 86400000; break;
                case KEY_DATE64: k = ((const int64_t *)v)[p]; break;
                default: { /* KEY_U64 */
                    uint64_t u = ((const uint64_t *)v)[p];
                    if (u > (uint64_t)INT64_MAX && (!vb || bit_get(vb, p))) {
                        pl_set_err("mwk.%s: UInt64 `by` values above 2**63-1 are not supported (row %zu)", fn,
                                   pos);
                        goto fail;
                    }
                    k = (int64_t)u;
                }
                }
                w.kbuf[pos] = k;
                if (w.kvalid) w.kvalid[pos] = (uint8_t)(!vb || bit_get(vb, p));
            }
        }
        keys = w.kbuf;
    }

    /* sorted (non-decreasing over the rows with a key)? */
    int sorted = 1;
    if (!w.kvalid) {
        /* Without a branch per key (a third of the plugin's own time on 10M
         * rows with the early exit's branch). */
        int bad = 0;
        for (int64_t i = 1; i < n; i++) bad |= keys[i] < keys[i - 1];
        sorted = !bad;
    } else {
        int have = 0;
        int64_t prev = 0;
        for (int64_t i = 0; i < n; i++) {
            if (w.kvalid && !w.kvalid[i]) continue;
            if (have && keys[i] < prev) {
                sorted = 0;
                break;
            }
            prev = keys[i];
            have = 1;
        }
    }
    size_t m = (size_t)n;
    const int64_t *sk = keys;
    if (!sorted || w.kvalid) {
        /* the rows with a key, in key order (stable) */
        if (!(w.perm = (size_t *)xmalloc((size_t)n * sizeof *w.perm))) goto nomem;
        m = 0;
        if (sorted) {
            for (int64_t i = 0; i < n; i++)
                if (w.kvalid[i]) w.perm[m++] = (size_t)i;
        } else {
            if (!(w.ki = (key_idx *)xmalloc((size_t)n * sizeof *w.ki))) goto nomem;
            for (int64_t i = 0; i < n; i++)
                if (!w.kvalid || w.kvalid[i]) w.ki[m].key = keys[i], w.ki[m].idx = (size_t)i, m++;
            qsort(w.ki, m, sizeof *w.ki, key_idx_cmp);
            for (size_t k = 0; k < m; k++) w.perm[k] = w.ki[k].idx;
            free(w.ki);
            w.ki = NULL;
        }
        if (!(w.sk = (int64_t *)xmalloc(m * sizeof *w.sk))) goto nomem;
        for (size_t k = 0; k < m; k++) w.sk[k] = keys[w.perm[k]];
        sk = w.sk;
    }

    /* values: in place (one chunk without nulls, a dtype the library reads,
     * rows in order); else gathered as float64 (float32 for float32/16:
     * exact either way, the library widens to float64 itself), nulls NaN */
    /* median/quantile: Polars sorts NaN above every value and picks or
     * interpolates order statistics by its own formulas; the library gives
     * the two neighbours (interpolation lower and higher, NaN as +inf) and
     * the validity pass combines them (order_combine) */
    const int order = !a->rank && (a->stat == MWK_STAT_MEDIAN || a->stat == MWK_STAT_QUANTILE);
    const void *x;
    mwk_dtype xdt;
    if (!x_null && !order && !a->rank && !w.perm && xs->len == 1 && direct_dtype(xf, &xdt) == 0) {
        const struct ArrowArray *c = xs->arrays[0];
        size_t isz = xdt == MWK_F64 || xdt == MWK_I64 || xdt == MWK_U64 ? 8
                     : xdt == MWK_F32 || xdt == MWK_I32 || xdt == MWK_U32 ? 4
                     : xdt == MWK_F16 || xdt == MWK_I16 || xdt == MWK_U16 ? 2
                                                                          : 1;
        x = n ? (const char *)c->buffers[1] + (size_t)c->offset * isz : (const void *)&unit_ns;
    } else {
        xdt = (xf[0] == 'f' || xf[0] == 'e') && !a->rank ? MWK_F32 : MWK_F64;
        if (!(w.xg = xmalloc((size_t)n * (xdt == MWK_F32 ? 4 : 8)))) goto nomem;
        if ((x_null || order || a->rank) && !(w.xvalid = (uint8_t *)xmalloc((size_t)n))) goto nomem;
        size_t pos = 0;
        for (size_t j = 0; j < xs->len; j++) {
            const struct ArrowArray *c = xs->arrays[j];
            const uint8_t *vb = validity(c);
            if (xdt == MWK_F64 && xf[0] == 'g' && !vb && c->length > 0) {
                memcpy((double *)w.xg + pos, (const double *)c->buffers[1] + c->offset, (size_t)c->length * 8);
                if (w.xvalid) memset(w.xvalid + pos, 1, (size_t)c->length);
                pos += (size_t)c->length;
                continue;
            }
            for (int64_t i = 0; i < c->length; i++, pos++) {
                const int64_t p = c->offset + i;
                const int okv = !vb || bit_get(vb, p);
                const double v = okv ? value_at(xf[0], c->buffers[1], p) : NAN;
                if (xdt == MWK_F32) ((float *)w.xg)[pos] = (float)v;
                else ((double *)w.xg)[pos] = v;
                if (w.xvalid) w.xvalid[pos] = (uint8_t)okv;
            }
        }
        x = w.xg;
        if (w.perm) {
            const size_t esz = xdt == MWK_F32 ? 4 : 8;
            if (!(w.xs = xmalloc(m * esz))) goto nomem;
            for (size_t k = 0; k < m; k++) memcpy((char *)w.xs + k * esz, (const char *)w.xg + w.perm[k] * esz, esz);
            x = w.xs;
        }
    }

    /* prefix counts of non-null values and of NaN values, in sorted order
     * (with nulls only: without them the library sees every value and NaN
     * propagates by itself) */
    if (w.xvalid) {
        if (!(w.pc = (size_t *)xmalloc((m + 1) * sizeof *w.pc)) || !(w.pn = (size_t *)xmalloc((m + 1) * sizeof *w.pn)))
            goto nomem;
        w.pc[0] = w.pn[0] = 0;
        for (size_t k = 0; k < m; k++) {
            const size_t r = w.perm ? w.perm[k] : k;
            const int okv = w.xvalid[r];
            const double v = xdt == MWK_F32 ? ((const float *)x)[k] : ((const double *)x)[k];
            w.pc[k + 1] = w.pc[k] + (size_t)okv;
            w.pn[k + 1] = w.pn[k] + (size_t)(okv && v != v);
            if (order && okv && v != v) { /* x is our own buffer here */
                if (xdt == MWK_F32) ((float *)x)[k] = INFINITY;
                else ((double *)x)[k] = INFINITY;
            }
        }
    }

    if (!(w.y = out_alloc(m * ysz))) goto nomem;
    if (a->rank) {
        if (rank_by(a, (const double *)x, w.perm, w.xvalid, sk, m, win, closed, w.y, &w.ok) < 0) goto nomem;
    } else if (m > 0) {
        mwk_options opt;
        mwk_options_init(&opt);
        opt.align = MWK_ALIGN_TRAILING;
        opt.algorithm = a->algorithm;
        opt.nan_policy = w.xvalid ? MWK_NAN_SKIP : MWK_NAN_PROPAGATE;
        /* the whole column in one call: every core unless Polars runs calls
         * in parallel (results never depend on the thread count) */
        opt.threads = ctx && (ctx->bitflags & 1u) ? 1 : 0;
        mwk_status st;
        if (!order) {
            st = mwk_move_by(a->stat, &a->params, x, xdt, m, 1, sk, 1, win, closed, 1, 0, w.y, 1, 0, &opt);
        } else {
            mwk_params p = a->params;
            p.quantile = a->stat == MWK_STAT_MEDIAN ? 0.5 : a->params.quantile;
            p.interpolation = MWK_INTERP_LOWER;
            st = mwk_move_by(MWK_STAT_QUANTILE, &p, x, xdt, m, 1, sk, 1, win, closed, 1, 0, w.y, 1, 0, &opt);
            if (st == MWK_OK && a->params.interpolation != MWK_INTERP_LOWER) {
                if (!(w.y2 = xmalloc(m * ysz))) goto nomem;
                p.interpolation = MWK_INTERP_HIGHER;
                st = mwk_move_by(MWK_STAT_QUANTILE, &p, x, xdt, m, 1, sk, 1, win, closed, 1, 0, w.y2, 1, 0, &opt);
            }
        }
        if (st != MWK_OK) {
            if (st == MWK_E_NOMEM) goto nomem;
            pl_set_err("mwk.%s: %s", fn, mwk_status_str(st));
            goto fail;
        }
    }

    /* validity: windows from two pointers over the sorted keys; only where
     * a window can fall short (nulls, an open right end, min_samples > 1) */
    const int incl_t = closed == MWK_CLOSED_RIGHT || closed == MWK_CLOSED_BOTH;
    const int incl_lo = closed == MWK_CLOSED_LEFT || closed == MWK_CLOSED_BOTH;
    if (!a->rank && !w.xvalid && !order && incl_t && a->min_valid > 1) {
        /* No nulls, the row in its window (var/std, min_samples > 1): row k
         * has enough values when row k+1-M is in its window (M =
         * min_valid); else count them, at most M either side (ties after
         * k are in the window too). One compare per row, no pointers. */
        const size_t M = a->min_valid;
        const uint64_t uw = (uint64_t)win;
        const size_t BLK = 1024;
        for (size_t k = 0; k < m; k++) {
            const uint64_t t = (uint64_t)sk[k];
            if (k + 1 >= M && k % BLK == 0 && k + BLK <= m) {
                /* A block of rows at a time, without a branch per row: on
                 * ordinary data every row of it has enough values (this
                 * pass cost a fifth of rolling_std_by's time row by row). */
                int all = 1;
                for (size_t j = k; j < k + BLK; j++) {
                    const uint64_t d = (uint64_t)sk[j] - (uint64_t)sk[j + 1 - M];
                    all &= incl_lo ? d <= uw : d < uw;
                }
                if (all) {
                    k += BLK - 1;
                    continue;
                }
            }
            if (k + 1 >= M) {
                const uint64_t d = t - (uint64_t)sk[k + 1 - M];
                if (incl_lo ? d <= uw : d < uw) continue;
            }
            size_t c = 1;
            for (size_t j = k; j > 0 && c < M; j--) {
                const uint64_t d = t - (uint64_t)sk[j - 1];
                if (!(incl_lo ? d <= uw : d < uw)) break;
                c++;
            }
            for (size_t j = k + 1; j < m && c < M && (uint64_t)sk[j] == t; j++) c++;
            if (c < M) {
                if (!w.ok) {
                    if (!(w.ok = (uint8_t *)xmalloc(m))) goto nomem;
                    memset(w.ok, 1, m);
                }
                w.ok[k] = 0;
                memset((char *)w.y + k * ysz, 0, ysz);
            }
        }
    } else if (!a->rank && (w.xvalid || !incl_t || a->min_valid > 1 || order)) {
        size_t lo = 0, hi = 0;
        const uint64_t uw = (uint64_t)win;
        for (size_t k = 0; k < m; k++) {
            const int64_t t = sk[k];
            if (incl_t) {
                if (hi <= k) hi = k + 1;
                while (hi < m && sk[hi] == t) hi++;
            } else {
                while (hi < m && sk[hi] < t) hi++;
            }
            /* rows j < hi have sk[j] <= t: the difference is exact unsigned */
            if (incl_lo)
                while (lo < hi && (uint64_t)t - (uint64_t)sk[lo] > uw) lo++;
            else
                while (lo < hi && (uint64_t)t - (uint64_t)sk[lo] >= uw) lo++;
            if (lo > hi) lo = hi;
            const size_t c = w.pc ? w.pc[hi] - w.pc[lo] : hi - lo;
            if (order) {
                if (c >= a->min_valid) order_combine(a, c, w.pn[hi] - w.pn[lo], ydt, w.y, w.y2, k);
            } else if (w.pn && w.pn[hi] != w.pn[lo]) {
                if (ydt == MWK_F32) ((float *)w.y)[k] = NAN;
                else ((double *)w.y)[k] = NAN;
            }
            if (c == 0 && a->empty_zero) {
                memset((char *)w.y + k * ysz, 0, ysz);
            } else if (c < a->min_valid) {
                if (!w.ok) { /* at the first short window: most columns have none or few */
                    if (!(w.ok = (uint8_t *)xmalloc(m))) goto nomem;
                    memset(w.ok, 1, m);
                }
                w.ok[k] = 0;
                memset((char *)w.y + k * ysz, 0, ysz);
            }
        }
    }

    /* back to the rows' order; null keys give null */
    int64_t null_count = 0;
    if (w.perm) {
        if (!(w.yout = out_alloc((size_t)n * ysz))) goto nomem;
        memset(w.yout, 0, (size_t)n * ysz);
        if (!(w.bitmap = (uint8_t *)calloc(((size_t)n + 7) / 8 + 1, 1))) goto nomem;
        for (size_t k = 0; k < m; k++) {
            const size_t r = w.perm[k];
            memcpy((char *)w.yout + r * ysz, (const char *)w.y + k * ysz, ysz);
            if (!w.ok || w.ok[k]) w.bitmap[r >> 3] |= (uint8_t)(1u << (r & 7));
        }
        size_t valid_rows = 0;
        for (size_t k = 0; k < m; k++) valid_rows += !w.ok || w.ok[k];
        null_count = n - (int64_t)valid_rows;
        free(w.y);
        w.y = NULL;
    } else {
        w.yout = w.y;
        if (w.ok) {
            for (size_t k = 0; k < m; k++) null_count += !w.ok[k];
            if (null_count) {
                if (!(w.bitmap = (uint8_t *)calloc(((size_t)n + 7) / 8 + 1, 1))) goto nomem;
                /* A byte of the bitmap at a time, from eight flags (0 or 1)
                 * and no branch: bit by bit through a pointer the compiler
                 * could not keep in a register, this cost a tenth of
                 * rolling_std_by on 10M rows. */
                const uint8_t *okf = w.ok;
                uint8_t *bm = w.bitmap;
                const size_t m8 = m / 8;
                for (size_t b = 0; b < m8; b++) {
                    const uint8_t *f = okf + 8 * b;
                    bm[b] = (uint8_t)(f[0] | f[1] << 1 | f[2] << 2 | f[3] << 3 | f[4] << 4 | f[5] << 5 |
                                      f[6] << 6 | f[7] << 7);
                }
                for (size_t k = 8 * m8; k < m; k++) bm[k >> 3] |= (uint8_t)(okf[k] << (k & 7));
            }
        }
    }
    if (!null_count) {
        free(w.bitmap);
        w.bitmap = NULL;
    }

    uint8_t *bitmap = w.bitmap;
    void *yout = w.yout;
    w.bitmap = NULL; /* moved into the export */
    w.yout = NULL;
    w.y = NULL;
    work_free(&w);
    pl_export_column(ret, fn, ydt_format(ydt), name, n, null_count, bitmap, yout);
    return;
nomem:
    pl_set_err("mwk.%s: out of memory", fn);
fail:
    work_free(&w);
}

PLUGIN_API void _polars_plugin_rolling_by(SeriesExport *inputs, size_t n_inputs, const uint8_t *kwargs,
                                          size_t kwargs_len, SeriesExport *return_value, const CallerContext *ctx) {
    by_args a;
    memset(return_value, 0, sizeof *return_value);
    if (by_parse(kwargs, kwargs_len, 0, &a) == 0) {
        if (n_inputs != 2 || !inputs)
            pl_set_err("mwk.%s takes two input columns (values and by), got %zu", a.fn, n_inputs);
        else
            by_compute(inputs, &a, ctx, return_value);
    }
    pl_release_inputs(inputs, n_inputs);
}

/* ---- rolling_rank_by ----------------------------------------------------- */

PLUGIN_API void _polars_plugin_field_rolling_rank_by(const struct ArrowSchema *fields, size_t n_fields,
                                                     struct ArrowSchema *return_value, const uint8_t *kwargs,
                                                     size_t kwargs_len) {
    by_args a;
    mwk_dtype ydt;
    memset(return_value, 0, sizeof *return_value);
    if (by_parse(kwargs, kwargs_len, 1, &a) < 0) return;
    if (n_fields != 2 || !fields) {
        pl_set_err("mwk.rolling_rank_by takes two input columns (values and by), got %zu", n_fields);
        return;
    }
    if (out_dtype(&a, fields[0].format, &ydt) < 0) return;
    if (pl_schema_make(return_value, ydt_format(ydt), fields[0].name, NULL, NULL) < 0)
        pl_set_err("mwk.rolling_rank_by: out of memory");
}

PLUGIN_API void _polars_plugin_rolling_rank_by(SeriesExport *inputs, size_t n_inputs, const uint8_t *kwargs,
                                               size_t kwargs_len, SeriesExport *return_value,
                                               const CallerContext *ctx) {
    by_args a;
    memset(return_value, 0, sizeof *return_value);
    if (by_parse(kwargs, kwargs_len, 1, &a) == 0) {
        if (n_inputs != 2 || !inputs)
            pl_set_err("mwk.rolling_rank_by takes two input columns (values and by), got %zu", n_inputs);
        else
            by_compute(inputs, &a, ctx, return_value);
    }
    pl_release_inputs(inputs, n_inputs);
}
