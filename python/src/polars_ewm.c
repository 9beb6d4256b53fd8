/*
 * The Polars expression plugin's exponentially weighted statistics
 * (interface 0.1, the same ABI as polars_plugin.c): one pair of entries,
 *   _polars_plugin_field_ewm / _polars_plugin_ewm
 * kwargs: stat ("mean", "sum", "var", "std"), decay ("com", "span",
 * "halflife", "alpha"), value (float), adjust, ignore_na, bias (bool),
 * min_periods (int), algorithm ("auto", "naive", "scan"); with a second
 * input `by` (ewm_mean_by): half_life_ns (float, for Datetime/Date/Duration
 * `by`) or half_life_units (float, for integer `by`).
 *
 * The column (all chunks) is one row of mwk_ewm (include/mwk_ewm.h); nulls
 * and NaN are missing values. Output Float64 (Float32 for Float32/Float16
 * input), no nulls: every row has the value of the definition (NaN before
 * min_periods observations).
 *
 * Ownership as polars_plugin.c: every input chunk, then every input wrapper,
 * is released on every path; the output export owns one schema, the pointer
 * vector and the ArrowArray struct (polars_common.c). Failure leaves
 * private_data NULL and a message for _polars_plugin_get_last_error_message
 * (pl_set_err). mwk/polars.py checks arguments before building the
 * expression, so what usually fails here is data (an unsorted or null `by`)
 * and memory; kwargs are checked again, as they can come from anywhere.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "arrow_c.h"
#include "mwk_ewm.h"
#include "pickle_kwargs.h"
#include "polars_common.h"

PLUGIN_API void _polars_plugin_field_ewm(const struct ArrowSchema *fields, size_t n_fields,
                                         struct ArrowSchema *return_value, const uint8_t *kwargs,
                                         size_t kwargs_len);
PLUGIN_API void _polars_plugin_ewm(SeriesExport *inputs, size_t n_inputs, const uint8_t *kwargs,
                                   size_t kwargs_len, SeriesExport *return_value, const CallerContext *ctx);

/* ---- input --------------------------------------------------------------- */

/* Element i of a primitive buffer of Arrow format character c. */
static int value_at(char c, const void *v, int64_t i, double *out) {
    switch (c) {
    case 'g': *out = ((const double *)v)[i]; return 0;
    case 'f': *out = ((const float *)v)[i]; return 0;
    case 'e': *out = pl_half_to_float(((const uint16_t *)v)[i]); return 0;
    case 'c': *out = ((const int8_t *)v)[i]; return 0;
    case 's': *out = ((const int16_t *)v)[i]; return 0;
    case 'i': *out = ((const int32_t *)v)[i]; return 0;
    case 'l': *out = (double)((const int64_t *)v)[i]; return 0;
    case 'C': *out = ((const uint8_t *)v)[i]; return 0;
    case 'S': *out = ((const uint16_t *)v)[i]; return 0;
    case 'I': *out = ((const uint32_t *)v)[i]; return 0;
    case 'L': *out = (double)((const uint64_t *)v)[i]; return 0;
    case 'b': *out = (((const uint8_t *)v)[i >> 3] >> (i & 7)) & 1; return 0;
    default: return -1;
    }
}

static int total_len(const SeriesExport *s, int64_t *n) {
    *n = 0;
    for (size_t j = 0; j < s->len; j++) {
        const struct ArrowArray *a = s->arrays[j];
        if (!a || a->length < 0 || (a->length > 0 && (a->n_buffers < 2 || !a->buffers || !a->buffers[1])))
            return -1;
        *n += a->length;
    }
    return 0;
}

static int is_null(const struct ArrowArray *a, int64_t i) {
    const uint8_t *bits = a->null_count != 0 && a->buffers ? a->buffers[0] : NULL;
    return bits && !((bits[i >> 3] >> (i & 7)) & 1);
}

/* The values column as float64, nulls as NaN. */
static double *gather_values(const SeriesExport *s, int64_t *n_out) {
    const char *f = s->field ? s->field->format : NULL;
    int64_t n;
    if (!f || !f[0] || f[1] || total_len(s, &n) < 0) return NULL;
    double *x = malloc((size_t)(n ? n : 1) * sizeof *x);
    if (!x) return NULL;
    int64_t k = 0;
    for (size_t j = 0; j < s->len; j++) {
        const struct ArrowArray *a = s->arrays[j];
        for (int64_t i = 0; i < a->length; i++, k++) {
            const int64_t p = a->offset + i;
            if (is_null(a, p)) {
                x[k] = NAN;
            } else if (value_at(f[0], a->buffers[1], p, &x[k]) < 0) {
                free(x);
                return NULL;
            }
        }
    }
    *n_out = n;
    return x;
}

/* Nanoseconds per unit of a temporal format, 0 for integer `by`, -1 unknown. */
static double by_unit_ns(const char *f, char *storage) {
    if (!f) return -1;
    if (!strcmp(f, "l") || !strcmp(f, "i")) {
        *storage = f[0];
        return 0;
    }
    if (!strcmp(f, "tdD")) return *storage = 'i', 86400e9;
    if (!strcmp(f, "tdm")) return *storage = 'l', 1e6;
    if ((f[0] == 't' && (f[1] == 's' || f[1] == 'D')) && f[2]) {
        *storage = 'l';
        switch (f[2]) {
        case 's': return 1e9;
        case 'm': return 1e6;
        case 'u': return 1e3;
        case 'n': return 1.0;
        }
    }
    return -1;
}

/* `by` as offsets from its first value, in its own unit; NULL on a null,
 * an unknown dtype or lengths that differ. */
static double *gather_by(const SeriesExport *s, int64_t n, double *unit_ns) {
    char storage = 0;
    const double u = by_unit_ns(s->field ? s->field->format : NULL, &storage);
    int64_t m;
    if (u < 0 || total_len(s, &m) < 0 || m != n) return NULL;
    double *t = malloc((size_t)(n ? n : 1) * sizeof *t);
    if (!t) return NULL;
    int64_t k = 0, first = 0;
    for (size_t j = 0; j < s->len; j++) {
        const struct ArrowArray *a = s->arrays[j];
        for (int64_t i = 0; i < a->length; i++, k++) {
            const int64_t p = a->offset + i;
            if (is_null(a, p)) {
                free(t);
                return NULL;
            }
            const int64_t v = storage == 'i' ? ((const int32_t *)a->buffers[1])[p] : ((const int64_t *)a->buffers[1])[p];
            if (k == 0) first = v;
            t[k] = (double)(v - first); /* exact while the span is below 2^53 units */
        }
    }
    *unit_ns = u;
    return t;
}

/* ---- kwargs -------------------------------------------------------------- */

typedef struct {
    mwk_ewm_stat stat;
    mwk_ewm_params p;
    double half_life_ns, half_life_units;
} ewm_args;

static int parse(const uint8_t *kw, size_t len, ewm_args *a) {
    kw_dict d;
    char err[256];
    if (kw_parse(kw, len, &d, err, sizeof err) < 0) {
        pl_set_err("mwk.ewm: %s", err);
        return -1;
    }
    mwk_ewm_params_init(&a->p);
    a->stat = MWK_EWM_MEAN;
    a->half_life_ns = a->half_life_units = NAN;
    for (int i = 0; i < d.n; i++) {
        const kw_item *it = &d.items[i];
        const double num = it->type == KW_FLOAT ? it->f : (double)it->i;
        const int isnum = it->type == KW_FLOAT || it->type == KW_INT;
        if (!strcmp(it->key, "stat") && it->type == KW_STR) {
            static const char *const names[] = {"mean", "sum", "var", "std"};
            int found = 0;
            for (int k = 0; k < 4; k++)
                if (!strcmp(it->s, names[k])) a->stat = (mwk_ewm_stat)k, found = 1;
            if (!found) {
                pl_set_err("mwk.ewm: stat must be one of 'mean', 'sum', 'var', 'std'; got '%s'", it->s);
                return -1;
            }
        } else if (!strcmp(it->key, "decay") && it->type == KW_STR) {
            static const char *const names[] = {"com", "span", "halflife", "alpha"};
            int found = 0;
            for (int k = 0; k < 4; k++)
                if (!strcmp(it->s, names[k])) a->p.decay = (mwk_ewm_decay)k, found = 1;
            if (!found) {
                pl_set_err("mwk.ewm: decay must be one of 'com', 'span', 'halflife', 'alpha'; got '%s'", it->s);
                return -1;
            }
        } else if (!strcmp(it->key, "value") && isnum) {
            a->p.decay_value = num;
        } else if (!strcmp(it->key, "adjust") && it->type == KW_BOOL) {
            a->p.adjust = (int)it->i;
        } else if (!strcmp(it->key, "ignore_na") && it->type == KW_BOOL) {
            a->p.ignore_na = (int)it->i;
        } else if (!strcmp(it->key, "bias") && it->type == KW_BOOL) {
            a->p.bias = (int)it->i;
        } else if (!strcmp(it->key, "min_periods") && it->type == KW_INT && it->i >= 0) {
            a->p.min_periods = (size_t)it->i;
        } else if (!strcmp(it->key, "algorithm") && it->type == KW_STR) {
            if (mwk_ewm_algorithm_from_name(it->s, &a->p.algorithm) != MWK_OK) {
                pl_set_err("mwk.ewm: algorithm must be one of 'auto', 'naive', 'scan'; got '%s'", it->s);
                return -1;
            }
        } else if (!strcmp(it->key, "half_life_ns") && isnum) {
            a->half_life_ns = num;
        } else if (!strcmp(it->key, "half_life_units") && isnum) {
            a->half_life_units = num;
        } else if (it->type != KW_NONE) {
            pl_set_err("mwk.ewm: unknown keyword argument '%s' or a value of the wrong type for it", it->key);
            return -1;
        }
    }
    return 0;
}

/* ---- entries ------------------------------------------------------------- */

static int keeps_f32(const char *f) { return f && (!strcmp(f, "f") || !strcmp(f, "e")); }

PLUGIN_API void _polars_plugin_field_ewm(const struct ArrowSchema *fields, size_t n_fields,
                                         struct ArrowSchema *return_value, const uint8_t *kwargs,
                                         size_t kwargs_len) {
    ewm_args a;
    memset(return_value, 0, sizeof *return_value);
    /* The kwargs are read here too, so that a bad one fails when the query
     * is planned, with its message. */
    if (parse(kwargs, kwargs_len, &a) < 0) return;
    if (n_fields < 1 || n_fields > 2 || !fields) {
        pl_set_err("mwk.ewm takes one input column (two for ewm_mean_by), got %zu", n_fields);
        return;
    }
    if (pl_schema_make(return_value, keeps_f32(fields[0].format) ? "f" : "g", fields[0].name, NULL, NULL) < 0)
        pl_set_err("mwk.ewm: out of memory");
}

PLUGIN_API void _polars_plugin_ewm(SeriesExport *inputs, size_t n_inputs, const uint8_t *kwargs,
                                   size_t kwargs_len, SeriesExport *return_value, const CallerContext *ctx) {
    (void)ctx;
    memset(return_value, 0, sizeof *return_value);
    ewm_args a;
    double *x = NULL, *tau = NULL;
    void *y = NULL;
    int64_t n = 0;
    if (parse(kwargs, kwargs_len, &a) < 0) goto done;
    if (n_inputs < 1 || n_inputs > 2 || !inputs) {
        pl_set_err("mwk.ewm takes one input column (two for ewm_mean_by), got %zu", n_inputs);
        goto done;
    }
    const double *xin = NULL;
    {
        /* One Float64 chunk without nulls is read in place. */
        const SeriesExport *s0 = &inputs[0];
        const struct ArrowArray *c0 = s0->len == 1 ? s0->arrays[0] : NULL;
        const char *f0 = s0->field ? s0->field->format : NULL;
        if (c0 && f0 && !strcmp(f0, "g") && c0->n_buffers >= 2 && c0->buffers && c0->buffers[1] &&
            (c0->null_count == 0 || !c0->buffers[0]) && c0->length >= 0) {
            xin = (const double *)c0->buffers[1] + c0->offset;
            n = c0->length;
        } else if ((x = gather_values(s0, &n)) != NULL) {
            xin = x;
        } else {
            pl_set_err("mwk.ewm: unsupported or malformed input column (Arrow format '%s'; expected a float, "
                       "integer or boolean column), or out of memory",
                       f0 ? f0 : "?");
            goto done;
        }
    }
    if (n_inputs == 2) {
        double unit_ns;
        if (!(tau = gather_by(&inputs[1], n, &unit_ns))) {
            const char *fb = inputs[1].field ? inputs[1].field->format : NULL;
            pl_set_err("mwk.ewm_mean_by: `by` must be a Datetime, Date, Duration, Int64 or Int32 column of the "
                       "values' length without nulls (got Arrow format '%s')",
                       fb ? fb : "?");
            goto done;
        }
        for (int64_t i = 1; i < n; i++)
            if (!(tau[i] >= tau[i - 1])) {
                pl_set_err("mwk.ewm_mean_by: `by` must be sorted in non-decreasing order (row %lld is before row "
                           "%lld)",
                           (long long)i, (long long)(i - 1));
                goto done;
            }
        a.p.decay = MWK_EWM_HALFLIFE;
        if (unit_ns > 0) {
            if (!(a.half_life_ns > 0)) {
                pl_set_err("mwk.ewm_mean_by: a temporal `by` needs half_life as a positive duration "
                           "(half_life_ns)");
                goto done;
            }
            a.p.decay_value = a.half_life_ns / unit_ns;
        } else {
            if (!(a.half_life_units > 0)) {
                pl_set_err("mwk.ewm_mean_by: an integer `by` needs a positive half_life in its units "
                           "(half_life_units)");
                goto done;
            }
            a.p.decay_value = a.half_life_units;
        }
        a.p.times = tau;
    }
    const int f32 = keeps_f32(inputs[0].field ? inputs[0].field->format : NULL);
    if (!(y = malloc((size_t)(n ? n : 1) * (f32 ? 4 : 8)))) {
        pl_set_err("mwk.ewm: out of memory");
        goto done;
    }
    /* Float32 output: computed from float64 values (the input widened
     * exactly), rounded once by the library. */
    mwk_status st;
    if (f32) {
        float *xf = malloc((size_t)(n ? n : 1) * sizeof *xf);
        if (!xf) {
            pl_set_err("mwk.ewm: out of memory");
            goto done;
        }
        for (int64_t i = 0; i < n; i++) xf[i] = (float)xin[i];
        st = mwk_ewm(a.stat, &a.p, xf, MWK_F32, (size_t)n, 1, y, 1);
        free(xf);
    } else {
        st = mwk_ewm(a.stat, &a.p, xin, MWK_F64, (size_t)n, 1, y, 1);
    }
    if (st != MWK_OK) {
        /* The library's parameter error names no field (its text is about
         * struct sizes as much as ranges): say which ones it checks. */
        if (st == MWK_E_PARAMS)
            pl_set_err("mwk.ewm%s: a parameter is out of range (com >= 0, span >= 1, half_life > 0 and "
                       "0 < alpha <= 1)",
                       n_inputs == 2 ? "_mean_by" : "");
        else
            pl_set_err("mwk.ewm%s: %s", n_inputs == 2 ? "_mean_by" : "", mwk_status_str(st));
        goto done;
    }
    const char *name = inputs[0].field && inputs[0].field->name ? inputs[0].field->name : "";
    /* the name is copied before the inputs are released */
    void *v = y;
    y = NULL; /* the export owns it from here, also on failure */
    pl_export_column(return_value, "ewm", f32 ? "f" : "g", name, n, 0, NULL, v);
done:
    free(x);
    free(tau);
    free(y);
    pl_release_inputs(inputs, n_inputs);
}
