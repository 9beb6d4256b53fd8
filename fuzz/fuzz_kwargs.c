/*
 * libFuzzer harness: the Polars plugin's pickled-kwargs reader
 * (python/src/pickle_kwargs.c: a flat dict of None/bool/int/float/str/bytes)
 * and the plugins' kwargs validation (the weighted statistics' taps included), through
 * the real entry points: the generic _polars_plugin_field_rolling and
 * _polars_plugin_field_moving (statistic by name, its parameters) and the
 * mean-only _polars_plugin_field_rolling_mean / _polars_plugin_field_moving_mean,
 * with well-formed input fields (Float64, Float32, Int16, Bool; Array and
 * List of Float64 and Float32) and the fuzzed bytes as kwargs. Must never crash or read out of bounds (ASan);
 * on rejection the error message must be a non-empty string and the return
 * schema untouched; on acceptance the schema must be well formed.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arrow_c.h"
#include "pickle_kwargs.h"

const char *_polars_plugin_get_last_error_message(void);
void _polars_plugin_field_rolling_mean(const struct ArrowSchema *, size_t, struct ArrowSchema *,
                                       const uint8_t *, size_t);
void _polars_plugin_field_moving_mean(const struct ArrowSchema *, size_t, struct ArrowSchema *,
                                      const uint8_t *, size_t);
void _polars_plugin_field_rolling(const struct ArrowSchema *, size_t, struct ArrowSchema *, const uint8_t *,
                                  size_t);
void _polars_plugin_field_moving(const struct ArrowSchema *, size_t, struct ArrowSchema *, const uint8_t *,
                                 size_t);

static void check_field(void (*fn)(const struct ArrowSchema *, size_t, struct ArrowSchema *,
                                   const uint8_t *, size_t),
                        const struct ArrowSchema *in, const uint8_t *kw, size_t len) {
    /* An exact-size heap copy so that any over-read is caught by ASan. */
    uint8_t *copy = malloc(len ? len : 1);
    if (len) memcpy(copy, kw, len);
    struct ArrowSchema out;
    memset(&out, 0, sizeof out);
    fn(in, 1, &out, len ? copy : NULL, len);
    if (out.release) {
        if (!out.format || !out.name) abort();
        for (int64_t i = 0; i < out.n_children; i++)
            if (!out.children || !out.children[i] || !out.children[i]->format) abort();
        out.release(&out);
        if (out.release) abort(); /* release must mark the struct released */
    } else {
        const char *e = _polars_plugin_get_last_error_message();
        if (!e || !e[0]) abort();
        if (out.format || out.private_data) abort();
    }
    free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    uint8_t *copy = malloc(size ? size : 1);
    if (size) memcpy(copy, data, size);
    kw_dict d;
    char err[256];
    memset(err, 0x7f, sizeof err);
    int rc = kw_parse(size ? copy : NULL, size, &d, err, sizeof err);
    if (rc == 0) {
        if (d.n < 0 || d.n > KW_MAX_ITEMS) abort();
        for (int k = 0; k < d.n; k++) {
            const kw_item *it = &d.items[k];
            if (!memchr(it->key, 0, KW_MAX_STR) || !it->key[0]) abort();
            if (it->type == KW_STR && !memchr(it->s, 0, KW_MAX_STR)) abort();
            /* bytes (the weighted statistics' taps) point into the input */
            if (it->type == KW_BYTES && (it->b < copy || it->blen > size || it->b + it->blen > copy + size))
                abort();
            if (kw_get(&d, it->key) == NULL) abort();
        }
    } else {
        if (rc != -1 || !memchr(err, 0, sizeof err) || !err[0]) abort();
    }
    free(copy);

    static struct ArrowSchema f64 = {"g", "x", NULL, ARROW_FLAG_NULLABLE, 0, NULL, NULL, NULL, NULL};
    static struct ArrowSchema f32 = {"f", "x", NULL, ARROW_FLAG_NULLABLE, 0, NULL, NULL, NULL, NULL};
    static struct ArrowSchema i16 = {"s", "x", NULL, ARROW_FLAG_NULLABLE, 0, NULL, NULL, NULL, NULL};
    static struct ArrowSchema bit = {"b", "x", NULL, ARROW_FLAG_NULLABLE, 0, NULL, NULL, NULL, NULL};
    static struct ArrowSchema item = {"g", "item", NULL, ARROW_FLAG_NULLABLE, 0, NULL, NULL, NULL, NULL};
    static struct ArrowSchema item32 = {"f", "item", NULL, ARROW_FLAG_NULLABLE, 0, NULL, NULL, NULL, NULL};
    static struct ArrowSchema *kids[1] = {&item};
    static struct ArrowSchema *kids32[1] = {&item32};
    static struct ArrowSchema arr = {"+w:8", "a", NULL, ARROW_FLAG_NULLABLE, 1, kids, NULL, NULL, NULL};
    static struct ArrowSchema arr32 = {"+w:3", "a", NULL, ARROW_FLAG_NULLABLE, 1, kids32, NULL, NULL, NULL};
    static struct ArrowSchema lst = {"+L", "l", NULL, ARROW_FLAG_NULLABLE, 1, kids, NULL, NULL, NULL};
    static struct ArrowSchema lst32 = {"+l", "l", NULL, ARROW_FLAG_NULLABLE, 1, kids32, NULL, NULL, NULL};
    check_field(_polars_plugin_field_rolling_mean, &f64, data, size);
    check_field(_polars_plugin_field_moving_mean, &arr, data, size);
    check_field(_polars_plugin_field_moving_mean, &lst, data, size);
    /* The generic entries, on an input chosen by the input's length. */
    static const struct ArrowSchema *const rolling_in[] = {&f64, &f32, &i16, &bit};
    static const struct ArrowSchema *const moving_in[] = {&arr, &arr32, &lst, &lst32};
    check_field(_polars_plugin_field_rolling, rolling_in[size % 4], data, size);
    check_field(_polars_plugin_field_moving, moving_in[size % 4], data, size);
    return 0;
}
