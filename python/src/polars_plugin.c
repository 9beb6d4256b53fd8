/*
 * The Polars expression plugin (interface 0.1, polars-ffi version_0), in C.
 *
 * Two functions:
 *   rolling_mean  window along the rows of a numeric column, with the
 *                 semantics of Polars' own Expr.rolling_mean: nulls are
 *                 missing (skipped, min_samples counts non-null values, too
 *                 few gives null), NaN is a value (a window holding one gives
 *                 NaN), +-inf follow IEEE.
 *   moving_mean   one moving mean per row of an Array or List column, with
 *                 the NumPy path's semantics (mwk.move_mean on each row).
 *
 * Ownership (see polars-ffi): every input chunk and then every input wrapper
 * is released here on every path; the output export owns one schema, one
 * pointer vector and the ArrowArray structs' storage, and its release frees
 * exactly those (Polars moves the arrays out and releases them itself).
 * Failure leaves return_value->private_data NULL; the message is kept per
 * thread for _polars_plugin_get_last_error_message.
 */
#define _GNU_SOURCE /* madvise */
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

#define PLUGIN_API __attribute__((visibility("default")))

PLUGIN_API uint32_t _polars_plugin_get_version(void);
PLUGIN_API const char *_polars_plugin_get_last_error_message(void);
PLUGIN_API void _polars_plugin_field_rolling_mean(const struct ArrowSchema *fields, size_t n_fields,
                                                  struct ArrowSchema *return_value, const uint8_t *kwargs,
                                                  size_t kwargs_len);
PLUGIN_API void _polars_plugin_rolling_mean(SeriesExport *inputs, size_t n_inputs, const uint8_t *kwargs,
                                            size_t kwargs_len, SeriesExport *return_value,
                                            const CallerContext *ctx);
PLUGIN_API void _polars_plugin_field_moving_mean(const struct ArrowSchema *fields, size_t n_fields,
                                                 struct ArrowSchema *return_value, const uint8_t *kwargs,
                                                 size_t kwargs_len);
PLUGIN_API void _polars_plugin_moving_mean(SeriesExport *inputs, size_t n_inputs, const uint8_t *kwargs,
                                           size_t kwargs_len, SeriesExport *return_value,
                                           const CallerContext *ctx);

/* ------------------------------------------------------------------------ */
/* errors                                                                    */

static _Thread_local char g_err[1024];

static void set_err(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(g_err, sizeof g_err, fmt, ap);
    va_end(ap);
}

PLUGIN_API uint32_t _polars_plugin_get_version(void) { return (0u << 16) | 1u; }

PLUGIN_API const char *_polars_plugin_get_last_error_message(void) { return g_err; }

static void release_inputs(SeriesExport *inputs, size_t n_inputs) {
    for (size_t i = 0; inputs && i < n_inputs; i++) {
        SeriesExport *e = &inputs[i];
        if (!e->release) continue;
        for (size_t j = 0; e->arrays && j < e->len; j++) {
            struct ArrowArray *a = e->arrays[j];
            if (a && a->release) a->release(a);
        }
        e->release(e);
    }
}

/* ------------------------------------------------------------------------ */
/* output schema and arrays                                                  */

typedef struct schema_priv {
    char *format;
    char *name;
    struct ArrowSchema *child;
    struct ArrowSchema *children[1];
} schema_priv;

static void schema_release(struct ArrowSchema *s) {
    if (!s || !s->release) return;
    schema_priv *p = (schema_priv *)s->private_data;
    if (p) {
        if (p->child) {
            if (p->child->release) p->child->release(p->child);
            free(p->child);
        }
        free(p->format);
        free(p->name);
        free(p);
    }
    s->release = NULL;
    s->private_data = NULL;
}

static char *dup_str(const char *s) {
    size_t n = strlen(s ? s : "");
    char *d = (char *)malloc(n + 1);
    if (d) memcpy(d, s ? s : "", n + 1);
    return d;
}

/* Fill *s: a nullable field `name` of `format`, with one child of
 * child_format named child_name when child_format is not NULL. */
static int schema_make(struct ArrowSchema *s, const char *format, const char *name, const char *child_format,
                       const char *child_name) {
    memset(s, 0, sizeof *s);
    schema_priv *p = (schema_priv *)calloc(1, sizeof *p);
    if (!p) return -1;
    p->format = dup_str(format);
    p->name = dup_str(name);
    if (!p->format || !p->name) goto fail;
    if (child_format) {
        p->child = (struct ArrowSchema *)malloc(sizeof *p->child);
        if (!p->child) goto fail;
        if (schema_make(p->child, child_format, child_name ? child_name : "item", NULL, NULL) < 0) {
            free(p->child);
            p->child = NULL;
            goto fail;
        }
        p->children[0] = p->child;
    }
    s->format = p->format;
    s->name = p->name;
    s->metadata = NULL;
    s->flags = ARROW_FLAG_NULLABLE;
    s->n_children = child_format ? 1 : 0;
    s->children = child_format ? p->children : NULL;
    s->dictionary = NULL;
    s->release = schema_release;
    s->private_data = p;
    return 0;
fail:
    free(p->format);
    free(p->name);
    free(p);
    memset(s, 0, sizeof *s);
    return -1;
}

typedef struct array_priv {
    const void *buffers[3];
    void *owned[3];
    struct ArrowArray *child;
    struct ArrowArray *children[1];
} array_priv;

static void array_release(struct ArrowArray *a) {
    if (!a || !a->release) return;
    array_priv *p = (array_priv *)a->private_data;
    if (p) {
        if (p->child) {
            if (p->child->release) p->child->release(p->child);
            free(p->child);
        }
        for (int k = 0; k < 3; k++) free(p->owned[k]);
        free(p);
    }
    a->release = NULL;
    a->private_data = NULL;
}

/* Fill *a with n_buffers buffers taken over from bufs (ownership moves in,
 * also on failure) and an optional child (moved in; its struct is freed by
 * the release). */
static int array_make(struct ArrowArray *a, int64_t length, int64_t null_count, int n_buffers, void **bufs,
                      struct ArrowArray *child) {
    memset(a, 0, sizeof *a);
    array_priv *p = (array_priv *)calloc(1, sizeof *p);
    if (!p) {
        for (int k = 0; k < n_buffers; k++) free(bufs[k]);
        if (child) {
            if (child->release) child->release(child);
            free(child);
        }
        return -1;
    }
    for (int k = 0; k < n_buffers; k++) {
        p->owned[k] = bufs[k];
        p->buffers[k] = bufs[k];
    }
    p->child = child;
    p->children[0] = child;
    a->length = length;
    a->null_count = null_count;
    a->offset = 0;
    a->n_buffers = n_buffers;
    a->n_children = child ? 1 : 0;
    a->buffers = p->buffers;
    a->children = child ? p->children : NULL;
    a->dictionary = NULL;
    a->release = array_release;
    a->private_data = p;
    return 0;
}

typedef struct export_priv {
    struct ArrowSchema *schema;
    struct ArrowArray *array;
    struct ArrowArray *arrays[1];
} export_priv;

/* The export's release: frees the schema, the array struct storage and the
 * pointer vector; the array itself was moved out and is released by Polars. */
static void export_release(SeriesExport *e) {
    if (!e || !e->release) return;
    export_priv *p = (export_priv *)e->private_data;
    if (p) {
        if (p->schema) {
            if (p->schema->release) p->schema->release(p->schema);
            free(p->schema);
        }
        free(p->array);
        free(p);
    }
    e->release = NULL;
    e->private_data = NULL;
}

/* Build the returned series from a schema and one array (both moved in; on
 * failure both are released). Returns 0 or -1 with the error set. */
static int export_make(SeriesExport *out, struct ArrowSchema *schema, struct ArrowArray *array) {
    export_priv *p = (export_priv *)calloc(1, sizeof *p);
    struct ArrowSchema *s = (struct ArrowSchema *)malloc(sizeof *s);
    struct ArrowArray *a = (struct ArrowArray *)malloc(sizeof *a);
    if (!p || !s || !a) {
        free(p);
        free(s);
        free(a);
        if (schema->release) schema->release(schema);
        if (array->release) array->release(array);
        set_err("mwk: out of memory building the result");
        return -1;
    }
    *s = *schema;
    *a = *array;
    schema->release = NULL;
    array->release = NULL;
    p->schema = s;
    p->array = a;
    p->arrays[0] = a;
    out->field = s;
    out->arrays = p->arrays;
    out->len = 1;
    out->release = export_release;
    out->private_data = p;
    return 0;
}

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
static int kind_direct(in_kind k, mwk_dtype *dt) {
    switch (k) {
    case IN_F64: *dt = MWK_F64; return 1;
    case IN_F32: *dt = MWK_F32; return 1;
    case IN_I64: *dt = MWK_I64; return 1;
    case IN_I32: *dt = MWK_I32; return 1;
    default: return 0;
    }
}

static inline int bit_get(const uint8_t *bits, int64_t i) { return (bits[i >> 3] >> (i & 7)) & 1; }

static float half_to_float(uint16_t h) {
    uint32_t sign = (uint32_t)(h >> 15) << 31, exp = (h >> 10) & 0x1f, mant = h & 0x3ff, u;
    if (exp == 0) {
        float f = ldexpf((float)mant, -24);
        return sign ? -f : f;
    }
    if (exp == 31) u = sign | 0x7f800000u | (mant << 13);
    else u = sign | ((exp + 112) << 23) | (mant << 13);
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

/* Element i (already offset) of a values buffer, as double. */
static inline double value_at(in_kind k, const void *v, int64_t i) {
    switch (k) {
    case IN_F64: return ((const double *)v)[i];
    case IN_F32: return ((const float *)v)[i];
    case IN_F16: return half_to_float(((const uint16_t *)v)[i]);
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
        set_err("mwk: malformed %s chunk", what);
        return -1;
    }
    return 0;
}

/* ------------------------------------------------------------------------ */
/* kwargs                                                                    */

static int parse_kwargs(const uint8_t *kw, size_t len, kw_dict *d, const char *fn) {
    char err[256];
    if (kw_parse(len ? kw : NULL, len, d, err, sizeof err) < 0) {
        set_err("mwk.%s: %s", fn, err);
        return -1;
    }
    return 0;
}

static int check_keys(const kw_dict *d, const char *fn, const char *const *allowed, int n) {
    for (int k = 0; k < d->n; k++) {
        int ok = 0;
        for (int j = 0; j < n; j++) ok |= strcmp(d->items[k].key, allowed[j]) == 0;
        if (!ok) {
            set_err("mwk.%s: unknown keyword argument '%s'", fn, d->items[k].key);
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
            set_err("mwk.%s: keyword argument '%s' (an integer) is required", fn, key);
            return -1;
        }
        *v = def;
        return 0;
    }
    if (it->type != KW_INT) {
        set_err("mwk.%s: '%s' must be an integer", fn, key);
        return -1;
    }
    *v = it->i;
    return 0;
}

typedef struct rolling_args {
    size_t window;
    size_t min_samples; /* >= 1 (Polars' 0 means 1) */
    int center;
} rolling_args;

static int rolling_parse(const uint8_t *kw, size_t len, rolling_args *r) {
    static const char *const keys[] = {"window_size", "min_samples", "center"};
    kw_dict d;
    int64_t w, m;
    if (parse_kwargs(kw, len, &d, "rolling_mean") < 0 || check_keys(&d, "rolling_mean", keys, 3) < 0) return -1;
    if (kw_int(&d, "rolling_mean", "window_size", 1, 0, &w) < 0) return -1;
    if (w < 1) {
        set_err("mwk.rolling_mean: window_size must be >= 1, got %lld", (long long)w);
        return -1;
    }
    if (kw_int(&d, "rolling_mean", "min_samples", 0, w, &m) < 0) return -1;
    if (m < 0 || m > w) {
        set_err("mwk.rolling_mean: min_samples must be between 0 and window_size (=%lld), got %lld",
                (long long)w, (long long)m);
        return -1;
    }
    const kw_item *c = kw_get(&d, "center");
    r->center = 0;
    if (c && c->type != KW_NONE) {
        if (c->type != KW_BOOL) {
            set_err("mwk.rolling_mean: center must be a bool");
            return -1;
        }
        r->center = (int)c->i;
    }
    r->window = (size_t)w;
    r->min_samples = m < 1 ? 1 : (size_t)m;
    return 0;
}

typedef struct moving_args {
    size_t window;
    size_t min_count; /* MWK_MIN_COUNT_WINDOW or 1..window */
    mwk_align align;
    mwk_nan_policy policy;
    mwk_algorithm algorithm;
    int threads; /* -1: choose */
} moving_args;

static int moving_parse(const uint8_t *kw, size_t len, moving_args *r) {
    static const char *const keys[] = {"window", "mode", "min_samples", "nan_policy", "threads", "algorithm"};
    kw_dict d;
    int64_t w, m, t;
    if (parse_kwargs(kw, len, &d, "moving_mean") < 0 || check_keys(&d, "moving_mean", keys, 6) < 0) return -1;
    if (kw_int(&d, "moving_mean", "window", 1, 0, &w) < 0) return -1;
    if (w < 1) {
        set_err("mwk.moving_mean: window must be >= 1, got %lld", (long long)w);
        return -1;
    }
    if (kw_int(&d, "moving_mean", "min_samples", 0, -1, &m) < 0) return -1;
    if (m != -1 && (m < 1 || m > w)) {
        set_err("mwk.moving_mean: min_samples must be None or between 1 and window (=%lld), got %lld",
                (long long)w, (long long)m);
        return -1;
    }
    if (kw_int(&d, "moving_mean", "threads", 0, -1, &t) < 0) return -1;
    if (t != -1 && (t < 1 || t > 1 << 20)) {
        set_err("mwk.moving_mean: threads must be None or a positive integer, got %lld", (long long)t);
        return -1;
    }
    r->window = (size_t)w;
    r->min_count = m == -1 ? MWK_MIN_COUNT_WINDOW : (size_t)m;
    r->threads = (int)t;
    r->align = MWK_ALIGN_VALID;
    r->policy = MWK_NAN_SKIP;
    const kw_item *it = kw_get(&d, "mode");
    if (it && it->type != KW_NONE) {
        if (it->type != KW_STR) {
            set_err("mwk.moving_mean: mode must be a str");
            return -1;
        }
        if (!strcmp(it->s, "trailing")) r->align = MWK_ALIGN_TRAILING;
        else if (!strcmp(it->s, "valid")) r->align = MWK_ALIGN_VALID;
        else if (!strcmp(it->s, "centered")) r->align = MWK_ALIGN_CENTERED;
        else {
            set_err("mwk.moving_mean: mode must be one of 'trailing', 'valid', 'centered'; got '%s'", it->s);
            return -1;
        }
    }
    it = kw_get(&d, "nan_policy");
    if (it && it->type != KW_NONE) {
        if (it->type != KW_STR) {
            set_err("mwk.moving_mean: nan_policy must be a str");
            return -1;
        }
        if (!strcmp(it->s, "skip")) r->policy = MWK_NAN_SKIP;
        else if (!strcmp(it->s, "propagate")) r->policy = MWK_NAN_PROPAGATE;
        else {
            set_err("mwk.moving_mean: nan_policy must be one of 'skip', 'propagate'; got '%s'", it->s);
            return -1;
        }
    }
    r->algorithm = MWK_ALGO_AUTO;
    it = kw_get(&d, "algorithm");
    if (it && it->type != KW_NONE) {
        static const char *const names[] = {"auto", "naive", "ring", "prefix", "fft"};
        if (it->type != KW_STR) {
            set_err("mwk.moving_mean: algorithm must be a str");
            return -1;
        }
        int found = -1;
        for (int i = 0; i < 5; i++)
            if (!strcmp(it->s, names[i])) found = i;
        if (found < 0) {
            set_err("mwk.moving_mean: algorithm must be one of 'auto', 'naive', 'ring', 'prefix', 'fft'; "
                    "got '%s'", it->s);
            return -1;
        }
        r->algorithm = (mwk_algorithm)found;
    }
    return 0;
}

/* ------------------------------------------------------------------------ */
/* a moving mean of one row with any window >= 1 (the C API wants w <= n)   */

static void fill_nan(void *y, mwk_dtype ydt, size_t n) {
    if (ydt == MWK_F32)
        for (size_t i = 0; i < n; i++) ((float *)y)[i] = NAN;
    else
        for (size_t i = 0; i < n; i++) ((double *)y)[i] = NAN;
}

static size_t out_len_any(size_t n, size_t w, mwk_align al) {
    if (al != MWK_ALIGN_VALID) return n;
    return n >= w ? n - w + 1 : 0;
}

/* Moving mean of x[0..n) (stride xs elements, dtype dt) into y[0..out_len)
 * (contiguous, ydt), for any window. For w > n: trailing windows are the
 * clipped prefixes (= window n); centered windows are clipped prefixes,
 * clipped suffixes (a trailing pass over the row reversed) or the whole row;
 * valid has no output. min_count (or w, for the default) above n gives NaN. */
static mwk_status mm_row_any(const char *x, mwk_dtype dt, size_t n, ptrdiff_t xs, void *y, mwk_dtype ydt,
                             size_t w, const mwk_options *opt) {
    if (n == 0) return MWK_OK;
    if (w <= n) return mwk_move_mean(x, dt, n, xs, y, 1, w, opt);
    if (opt->align == MWK_ALIGN_VALID) return MWK_OK;
    size_t mc = opt->min_count == MWK_MIN_COUNT_WINDOW ? w : opt->min_count;
    if (mc > n) {
        fill_nan(y, ydt, n);
        return MWK_OK;
    }
    mwk_options o = *opt;
    o.min_count = mc;
    o.align = MWK_ALIGN_TRAILING;
    if (opt->align == MWK_ALIGN_TRAILING) return mwk_move_mean(x, dt, n, xs, y, 1, n, &o);
    size_t ysz = ydt == MWK_F32 ? 4 : 8;
    char *pre = (char *)malloc(2 * n * ysz);
    if (!pre) return MWK_E_NOMEM;
    char *suf = pre + n * ysz;
    size_t isz = dt == MWK_F64 || dt == MWK_I64 ? 8 : 4;
    mwk_status st = mwk_move_mean(x, dt, n, xs, pre, 1, n, &o);
    if (st == MWK_OK)
        st = mwk_move_mean(x + (ptrdiff_t)(n - 1) * xs * (ptrdiff_t)isz, dt, n, -xs, suf, 1, n, &o);
    if (st == MWK_OK) {
        size_t F = w / 2, B = (w - 1) / 2;
        for (size_t i = 0; i < n; i++) {
            const char *src;
            if (i + B < n - 1) src = pre + (i + B) * ysz;            /* [0, i+B] */
            else if (i <= F) src = pre + (n - 1) * ysz;              /* whole row */
            else src = suf + (n - 1 - (i - F)) * ysz;                /* [i-F, n-1] */
            memcpy((char *)y + i * ysz, src, ysz);
        }
    }
    free(pre);
    return st;
}

/* ------------------------------------------------------------------------ */
/* rolling_mean                                                              */

static const char *rolling_out_format(in_kind k) { return k == IN_F32 ? "f" : "g"; }

PLUGIN_API void _polars_plugin_field_rolling_mean(const struct ArrowSchema *fields, size_t n_fields,
                                                  struct ArrowSchema *return_value, const uint8_t *kwargs,
                                                  size_t kwargs_len) {
    rolling_args ra;
    if (rolling_parse(kwargs, kwargs_len, &ra) < 0) return;
    if (n_fields != 1 || !fields) {
        set_err("mwk.rolling_mean takes one input column, got %zu", n_fields);
        return;
    }
    in_kind k = kind_of_format(fields[0].format);
    if (k == IN_BAD) {
        set_err("mwk.rolling_mean: unsupported column dtype (Arrow format '%s'); expected a float, integer "
                "or boolean column",
                fields[0].format ? fields[0].format : "?");
        return;
    }
    if (schema_make(return_value, rolling_out_format(k), fields[0].name, NULL, NULL) < 0)
        set_err("mwk.rolling_mean: out of memory");
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

static void rolling_compute(SeriesExport *in, const rolling_args *ra, SeriesExport *ret) {
    const char *name = in->field && in->field->name ? in->field->name : "";
    in_kind k = in->field ? kind_of_format(in->field->format) : IN_BAD;
    if (k == IN_BAD) {
        set_err("mwk.rolling_mean: unsupported column dtype (Arrow format '%s')",
                in->field && in->field->format ? in->field->format : "?");
        return;
    }
    int f32 = k == IN_F32;
    mwk_dtype ydt = f32 ? MWK_F32 : MWK_F64;
    size_t ysz = f32 ? 4 : 8;

    size_t n = 0;
    int has_null = 0;
    for (size_t j = 0; j < in->len; j++) {
        if (check_primitive(in->arrays[j], "rolling_mean input") < 0) return;
        n += (size_t)in->arrays[j]->length;
        has_null |= chunk_has_nulls(in->arrays[j]);
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
        /* The whole column arrives in one call (not elementwise): let a long
         * column use every core; results do not depend on the thread count. */
        opt.threads = 0;
        opt.align = ra->center ? MWK_ALIGN_CENTERED : MWK_ALIGN_TRAILING;
        mwk_dtype dt = MWK_F64;
        const char *x;
        mwk_status st;
        if (!has_null) {
            /* Nulls absent: every value counts, NaN propagates. */
            opt.nan_policy = MWK_NAN_PROPAGATE;
            if (in->len == 1 && kind_direct(k, &dt)) {
                const struct ArrowArray *a = in->arrays[0];
                x = (const char *)a->buffers[1] + (size_t)a->offset * kind_size(k);
            } else if (kind_direct(k, &dt)) {
                size_t isz = kind_size(k), pos = 0;
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
            } else {
                dt = MWK_F64;
                double *d = (double *)malloc(n * sizeof *d);
                if (!(xbuf = d)) goto nomem;
                size_t pos = 0;
                for (size_t j = 0; j < in->len; j++) {
                    const struct ArrowArray *a = in->arrays[j];
                    for (int64_t i = 0; i < a->length; i++) d[pos++] = value_at(k, a->buffers[1], a->offset + i);
                }
                x = (const char *)xbuf;
            }
        } else {
            /* Nulls become NaN and are skipped; genuine NaNs are counted
             * separately and turn their windows to NaN afterwards. */
            opt.nan_policy = MWK_NAN_SKIP;
            dt = f32 ? MWK_F32 : MWK_F64;
            xbuf = malloc(n * ysz);
            cnt = (size_t *)malloc((n + 1) * sizeof *cnt);
            if (!xbuf || !cnt) goto nomem;
            size_t pos = 0, nan_seen = 0;
            cnt[0] = 0;
            for (size_t j = 0; j < in->len; j++) {
                const struct ArrowArray *a = in->arrays[j];
                const uint8_t *vb = chunk_has_nulls(a) ? (const uint8_t *)a->buffers[0] : NULL;
                for (int64_t i = 0; i < a->length; i++, pos++) {
                    int ok = !vb || bit_get(vb, a->offset + i);
                    double v = ok ? value_at(k, a->buffers[1], a->offset + i) : NAN;
                    if (ok && v != v) nan_seen++;
                    if (f32) ((float *)xbuf)[pos] = (float)v;
                    else ((double *)xbuf)[pos] = v;
                    cnt[pos + 1] = cnt[pos] + (size_t)ok;
                }
            }
            if (nan_seen) {
                nans = (size_t *)malloc((n + 1) * sizeof *nans);
                if (!nans) goto nomem;
                nans[0] = 0;
                pos = 0;
                for (size_t j = 0; j < in->len; j++) {
                    const struct ArrowArray *a = in->arrays[j];
                    const uint8_t *vb = chunk_has_nulls(a) ? (const uint8_t *)a->buffers[0] : NULL;
                    for (int64_t i = 0; i < a->length; i++, pos++) {
                        int ok = !vb || bit_get(vb, a->offset + i);
                        double v = f32 ? ((float *)xbuf)[pos] : ((double *)xbuf)[pos];
                        nans[pos + 1] = nans[pos] + (size_t)(ok && v != v);
                    }
                }
            }
            x = (const char *)xbuf;
        }
        st = mm_row_any(x, dt, n, 1, yv, ydt, ra->window, &opt);
        if (st != MWK_OK) {
            if (st == MWK_E_NOMEM) goto nomem;
            set_err("mwk.rolling_mean: %s", mwk_status_str(st));
            goto fail;
        }
        /* Validity: at least min_samples non-null values in the window.
         * Without nulls or NaNs only the clipped windows at the ends can
         * fall short (full windows hold w >= min_samples values), so the
         * scan is limited to them instead of touching every output again. */
        size_t edge = ra->window < n ? ra->window : n;
        int edges_only = !cnt && !nans;
        for (size_t i = 0; i < n; i++) {
            if (edges_only && i == edge && n > 2 * edge) i = n - edge;
            size_t lo, hi;
            window_bounds(i, n, ra->window, ra->center, &lo, &hi);
            size_t c = cnt ? cnt[hi + 1] - cnt[lo] : hi - lo + 1;
            if (nans && nans[hi + 1] != nans[lo]) {
                if (f32) ((float *)yv)[i] = NAN;
                else ((double *)yv)[i] = NAN;
            }
            if (c < ra->min_samples) {
                if (!valid) {
                    valid = (uint8_t *)malloc((n + 7) / 8);
                    if (!valid) goto nomem;
                    memset(valid, 0xff, (n + 7) / 8);
                }
                valid[i >> 3] &= (uint8_t) ~(1u << (i & 7));
                null_count++;
                if (f32) ((float *)yv)[i] = 0.0f;
                else ((double *)yv)[i] = 0.0;
            }
        }
    }
    free(xbuf);
    free(cnt);
    free(nans);
    xbuf = NULL;
    cnt = nans = NULL;

    struct ArrowSchema schema;
    struct ArrowArray array;
    if (schema_make(&schema, rolling_out_format(k), name, NULL, NULL) < 0) goto nomem;
    void *bufs[2] = {valid, yv};
    valid = NULL;
    yv = NULL;
    if (array_make(&array, (int64_t)n, null_count, 2, bufs, NULL) < 0) {
        schema_release(&schema);
        goto nomem;
    }
    export_make(ret, &schema, &array);
    return;

nomem:
    set_err("mwk.rolling_mean: out of memory");
fail:
    free(yv);
    free(valid);
    free(xbuf);
    free(cnt);
    free(nans);
}

PLUGIN_API void _polars_plugin_rolling_mean(SeriesExport *inputs, size_t n_inputs, const uint8_t *kwargs,
                                            size_t kwargs_len, SeriesExport *return_value,
                                            const CallerContext *ctx) {
    (void)ctx;
    rolling_args ra;
    if (rolling_parse(kwargs, kwargs_len, &ra) == 0) {
        if (n_inputs != 1 || !inputs) set_err("mwk.rolling_mean takes one input column, got %zu", n_inputs);
        else rolling_compute(&inputs[0], &ra, return_value);
    }
    release_inputs(inputs, n_inputs);
}

/* ------------------------------------------------------------------------ */
/* moving_mean                                                               */

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

static int moving_field_check(const struct ArrowSchema *fields, size_t n_fields, const moving_args *ma,
                              nested_type *t) {
    if (n_fields != 1 || !fields) {
        set_err("mwk.moving_mean takes one input column, got %zu", n_fields);
        return -1;
    }
    if (nested_parse(&fields[0], t) < 0) {
        set_err("mwk.moving_mean: unsupported column dtype (Arrow format '%s'); expected Array or List of "
                "a float or integer dtype",
                fields[0].format ? fields[0].format : "?");
        return -1;
    }
    if (!t->is_list && ma->align == MWK_ALIGN_VALID && ma->window > (size_t)t->width) {
        set_err("mwk.moving_mean: window (=%zu) is longer than the Array width (=%lld) in mode 'valid'",
                ma->window, (long long)t->width);
        return -1;
    }
    return 0;
}

PLUGIN_API void _polars_plugin_field_moving_mean(const struct ArrowSchema *fields, size_t n_fields,
                                                 struct ArrowSchema *return_value, const uint8_t *kwargs,
                                                 size_t kwargs_len) {
    moving_args ma;
    nested_type t;
    if (moving_parse(kwargs, kwargs_len, &ma) < 0 || moving_field_check(fields, n_fields, &ma, &t) < 0) return;
    const char *inner = t.inner == IN_F32 ? "f" : "g";
    char fmt[40];
    if (t.is_list) snprintf(fmt, sizeof fmt, "+L");
    else snprintf(fmt, sizeof fmt, "+w:%lld", (long long)out_len_any((size_t)t.width, ma.window, ma.align));
    const char *cname = fields[0].children[0]->name;
    if (schema_make(return_value, fmt, fields[0].name, inner, cname && cname[0] ? cname : "item") < 0)
        set_err("mwk.moving_mean: out of memory");
}

/* Rows of one chunk: child element of row r, position k is at
 * child offset + start(r) + k. */
static void moving_compute(SeriesExport *in, const moving_args *ma, SeriesExport *ret) {
    nested_type t;
    if (moving_field_check(in->field, 1, ma, &t) < 0) return;
    const char *name = in->field->name ? in->field->name : "";
    const char *cname = in->field->children[0]->name;
    int f32 = t.inner == IN_F32;
    mwk_dtype ydt = f32 ? MWK_F32 : MWK_F64;
    size_t ysz = f32 ? 4 : 8;

    /* Pass 1: rows and output size, structure checks. */
    size_t rows = 0, total = 0;
    int any_null_row = 0;
    for (size_t j = 0; j < in->len; j++) {
        const struct ArrowArray *a = in->arrays[j];
        if (!a || a->length < 0 || a->offset < 0 || a->n_children != 1 || !a->children || !a->children[0] ||
            a->n_buffers != (t.is_list ? 2 : 1) || !a->buffers || (t.is_list && a->length > 0 && !a->buffers[1]) ||
            check_primitive(a->children[0], "moving_mean values") < 0) {
            set_err("mwk.moving_mean: malformed input chunk");
            return;
        }
        if (!t.is_list) {
            /* Row r of a fixed-size list reads child elements
             * [(offset + r) * width, (offset + r + 1) * width): the child
             * must hold them all, and the products must not wrap (found by
             * fuzz_arrow: a short child was read past its end). */
            const int64_t end_rows = a->offset + a->length;
            if (end_rows < a->offset ||
                (t.width > 0 && end_rows > INT64_MAX / t.width) ||
                a->children[0]->length < end_rows * t.width) {
                set_err("mwk.moving_mean: malformed input chunk (values shorter than rows x width)");
                return;
            }
        }
        rows += (size_t)a->length;
        any_null_row |= chunk_has_nulls(a);
        if (t.is_list) {
            for (int64_t r = 0; r < a->length; r++) {
                int64_t s, e;
                if (t.large) {
                    s = ((const int64_t *)a->buffers[1])[a->offset + r];
                    e = ((const int64_t *)a->buffers[1])[a->offset + r + 1];
                } else {
                    s = ((const int32_t *)a->buffers[1])[a->offset + r];
                    e = ((const int32_t *)a->buffers[1])[a->offset + r + 1];
                }
                if (s < 0 || e < s || e > a->children[0]->length) {
                    set_err("mwk.moving_mean: malformed list offsets");
                    return;
                }
                if (chunk_has_nulls(a) && !bit_get((const uint8_t *)a->buffers[0], a->offset + r)) continue;
                total += out_len_any((size_t)(e - s), ma->window, ma->align);
            }
        }
    }
    size_t owidth = t.is_list ? 0 : out_len_any((size_t)t.width, ma->window, ma->align);
    if (!t.is_list) {
        if (owidth && rows > SIZE_MAX / ysz / owidth) {
            set_err("mwk.moving_mean: output too large (rows x width overflows)");
            return;
        }
        total = rows * owidth;
    }

    void *yv = out_alloc(total * ysz);
    int64_t *offs = t.is_list ? (int64_t *)malloc((rows + 1) * sizeof *offs) : NULL;
    uint8_t *valid = any_null_row ? (uint8_t *)malloc((rows + 7) / 8 + 1) : NULL;
    void *scratch = NULL;
    size_t scratch_len = 0;
    int64_t null_count = 0;
    if (!yv || (t.is_list && !offs) || (any_null_row && !valid)) goto nomem;
    if (valid) memset(valid, 0xff, (rows + 7) / 8 + 1);
    if (offs) offs[0] = 0;

    mwk_options opt;
    mwk_options_init(&opt);
    opt.align = ma->align;
    opt.nan_policy = ma->policy;
    opt.algorithm = ma->algorithm;
    opt.min_count = ma->min_count;
    if (ma->threads > 0) opt.threads = ma->threads;
    else opt.threads = (rows * (size_t)(t.is_list ? 1 : t.width) < ((size_t)1 << 20)) ? 1 : 0;

    size_t row0 = 0, ypos = 0;
    mwk_status st = MWK_OK;
    for (size_t j = 0; j < in->len && st == MWK_OK; j++) {
        const struct ArrowArray *a = in->arrays[j];
        const struct ArrowArray *c = a->children[0];
        const uint8_t *rv = chunk_has_nulls(a) ? (const uint8_t *)a->buffers[0] : NULL;
        const uint8_t *cv = chunk_has_nulls(c) ? (const uint8_t *)c->buffers[0] : NULL;
        mwk_dtype dt = MWK_F64;
        int direct = !cv && kind_direct(t.inner, &dt);
        size_t isz = kind_size(t.inner);
        if (rv)
            for (int64_t r = 0; r < a->length; r++)
                if (!bit_get(rv, a->offset + r)) {
                    size_t o = row0 + (size_t)r;
                    valid[o >> 3] &= (uint8_t) ~(1u << (o & 7));
                    null_count++;
                }

        if (!t.is_list) {
            size_t N = (size_t)t.width, R = (size_t)a->length;
            char *y = (char *)yv + row0 * owidth * ysz;
            if (R == 0 || N == 0 || owidth == 0) {
                row0 += R;
                continue;
            }
            const char *x;
            int64_t base = c->offset + a->offset * (int64_t)N;
            if (direct) {
                x = (const char *)c->buffers[1] + (size_t)base * isz;
            } else {
                /* inner nulls (treated as NaN) or another dtype: gather */
                dt = f32 ? MWK_F32 : MWK_F64;
                if (scratch_len < R * N) {
                    free(scratch);
                    scratch = malloc(R * N * ysz);
                    scratch_len = scratch ? R * N : 0;
                    if (!scratch) goto nomem;
                }
                for (size_t e = 0; e < R * N; e++) {
                    int64_t p = base + (int64_t)e;
                    double v = (!cv || bit_get(cv, p)) ? value_at(t.inner, c->buffers[1], p) : NAN;
                    if (f32) ((float *)scratch)[e] = (float)v;
                    else ((double *)scratch)[e] = v;
                }
                x = (const char *)scratch;
            }
            if (ma->window <= N || ma->align == MWK_ALIGN_TRAILING) {
                /* trailing with w > N: the clipped windows are those of w = N */
                size_t w = ma->window <= N ? ma->window : N;
                mwk_options o = opt;
                if (ma->window > N) {
                    size_t mc = opt.min_count == MWK_MIN_COUNT_WINDOW ? ma->window : opt.min_count;
                    if (mc > N) {
                        fill_nan(y, ydt, R * owidth);
                        row0 += R;
                        continue;
                    }
                    o.min_count = mc;
                }
                st = mwk_move_mean_batch(x, dt, R, N, (ptrdiff_t)N, 1, y, (ptrdiff_t)owidth, 1, w, &o);
            } else {
                size_t xsz = dt == MWK_F64 || dt == MWK_I64 ? 8 : 4;
                for (size_t r = 0; r < R && st == MWK_OK; r++)
                    st = mm_row_any(x + r * N * xsz, dt, N, 1, y + r * owidth * ysz, ydt, ma->window, &opt);
            }
            row0 += R;
        } else {
            for (int64_t r = 0; r < a->length && st == MWK_OK; r++) {
                int64_t s, e;
                if (t.large) {
                    s = ((const int64_t *)a->buffers[1])[a->offset + r];
                    e = ((const int64_t *)a->buffers[1])[a->offset + r + 1];
                } else {
                    s = ((const int32_t *)a->buffers[1])[a->offset + r];
                    e = ((const int32_t *)a->buffers[1])[a->offset + r + 1];
                }
                size_t len = (size_t)(e - s);
                size_t olen = out_len_any(len, ma->window, ma->align);
                if (rv && !bit_get(rv, a->offset + r)) olen = 0; /* a null row stays empty */
                if (olen > 0) {
                    const char *x;
                    int64_t base = c->offset + s;
                    mwk_dtype rdt;
                    if (direct) {
                        rdt = dt;
                        x = (const char *)c->buffers[1] + (size_t)base * isz;
                    } else {
                        rdt = f32 ? MWK_F32 : MWK_F64;
                        if (scratch_len < len) {
                            free(scratch);
                            scratch = malloc(len * ysz);
                            scratch_len = scratch ? len : 0;
                            if (!scratch) goto nomem;
                        }
                        for (size_t q = 0; q < len; q++) {
                            int64_t p = base + (int64_t)q;
                            double v = (!cv || bit_get(cv, p)) ? value_at(t.inner, c->buffers[1], p) : NAN;
                            if (f32) ((float *)scratch)[q] = (float)v;
                            else ((double *)scratch)[q] = v;
                        }
                        x = (const char *)scratch;
                    }
                    st = mm_row_any(x, rdt, len, 1, (char *)yv + ypos * ysz, ydt, ma->window, &opt);
                }
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
        set_err("mwk.moving_mean: %s", mwk_status_str(st));
        goto fail;
    }
    if (t.is_list && total != ypos) {
        set_err("mwk.moving_mean: internal error (output length)");
        goto fail;
    }
    if (null_count == 0) {
        free(valid);
        valid = NULL;
    }

    char fmt[40];
    if (t.is_list) snprintf(fmt, sizeof fmt, "+L");
    else snprintf(fmt, sizeof fmt, "+w:%zu", owidth);
    struct ArrowSchema schema;
    if (schema_make(&schema, fmt, name, f32 ? "f" : "g", cname && cname[0] ? cname : "item") < 0) goto nomem;
    struct ArrowArray *child = (struct ArrowArray *)malloc(sizeof *child);
    if (!child) {
        schema_release(&schema);
        goto nomem;
    }
    void *cbufs[2] = {NULL, yv};
    yv = NULL;
    if (array_make(child, (int64_t)total, 0, 2, cbufs, NULL) < 0) {
        free(child);
        schema_release(&schema);
        goto nomem;
    }
    struct ArrowArray array;
    void *pbufs[2] = {valid, offs};
    valid = NULL;
    offs = NULL;
    if (array_make(&array, (int64_t)rows, null_count, t.is_list ? 2 : 1, pbufs, child) < 0) {
        schema_release(&schema);
        goto nomem;
    }
    export_make(ret, &schema, &array);
    return;

nomem:
    set_err("mwk.moving_mean: out of memory");
fail:
    free(yv);
    free(offs);
    free(valid);
    free(scratch);
}

PLUGIN_API void _polars_plugin_moving_mean(SeriesExport *inputs, size_t n_inputs, const uint8_t *kwargs,
                                           size_t kwargs_len, SeriesExport *return_value,
                                           const CallerContext *ctx) {
    (void)ctx;
    moving_args ma;
    if (moving_parse(kwargs, kwargs_len, &ma) == 0) {
        if (n_inputs != 1 || !inputs) set_err("mwk.moving_mean takes one input column, got %zu", n_inputs);
        else moving_compute(&inputs[0], &ma, return_value);
    }
    release_inputs(inputs, n_inputs);
}
