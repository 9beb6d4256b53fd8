/* The Polars plugins' shared pieces: see polars_common.h. */
#include "polars_common.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static _Thread_local char g_err[1024];

void pl_set_err(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(g_err, sizeof g_err, fmt, ap);
    va_end(ap);
}

const char *pl_last_err(void) { return g_err; }

void pl_release_inputs(SeriesExport *inputs, size_t n_inputs) {
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

typedef struct schema_priv {
    char *format;
    char *name;
    struct ArrowSchema *child;
    struct ArrowSchema *children[1];
} schema_priv;

void pl_schema_release(struct ArrowSchema *s) {
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
int pl_schema_make(struct ArrowSchema *s, const char *format, const char *name, const char *child_format,
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
        if (pl_schema_make(p->child, child_format, child_name ? child_name : "item", NULL, NULL) < 0) {
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
    s->release = pl_schema_release;
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

static void pl_array_release(struct ArrowArray *a) {
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
int pl_array_make(struct ArrowArray *a, int64_t length, int64_t null_count, int n_buffers, void **bufs,
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
    a->release = pl_array_release;
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
int pl_export_make(SeriesExport *out, struct ArrowSchema *schema, struct ArrowArray *array) {
    export_priv *p = (export_priv *)calloc(1, sizeof *p);
    struct ArrowSchema *s = (struct ArrowSchema *)malloc(sizeof *s);
    struct ArrowArray *a = (struct ArrowArray *)malloc(sizeof *a);
    if (!p || !s || !a) {
        free(p);
        free(s);
        free(a);
        if (schema->release) schema->release(schema);
        if (array->release) array->release(array);
        pl_set_err("mwk: out of memory building the result");
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

/* The array first: if the schema then fails, the array's release frees the
 * buffers and the child, so that everything moved in is freed on every
 * failure path. */
int pl_export_array(SeriesExport *out, const char *fn, const char *format, const char *name,
                    const char *child_format, const char *child_name, int64_t length, int64_t null_count,
                    int n_buffers, void **bufs, struct ArrowArray *child) {
    struct ArrowArray array;
    struct ArrowSchema schema;
    if (pl_array_make(&array, length, null_count, n_buffers, bufs, child) < 0) goto nomem;
    if (pl_schema_make(&schema, format, name, child_format, child_name) < 0) {
        array.release(&array);
        goto nomem;
    }
    return pl_export_make(out, &schema, &array);
nomem:
    pl_set_err("mwk.%s: out of memory", fn);
    return -1;
}

int pl_export_column(SeriesExport *out, const char *fn, const char *format, const char *name, int64_t n,
                     int64_t null_count, uint8_t *validity, void *values) {
    void *bufs[2] = {validity, values};
    return pl_export_array(out, fn, format, name, NULL, NULL, n, null_count, 2, bufs, NULL);
}

size_t pl_rank_ids(pl_key_idx *ki, size_t nv, size_t *id) {
    qsort(ki, nv, sizeof *ki, pl_key_idx_cmp);
    size_t D = 0;
    for (size_t r = 0; r < nv; r++) {
        if (r == 0 || ki[r].key != ki[r - 1].key) D++;
        id[ki[r].idx] = D;
    }
    return D;
}

const char *pl_rank_method_name(int v) {
    static const char *const names[] = {"average", "min", "max", "dense", "random"};
    return v >= 0 && v < 5 ? names[v] : NULL;
}

float pl_half_to_float(uint16_t h) {
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

