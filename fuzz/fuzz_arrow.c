/*
 * libFuzzer harness: the Polars plugin's compute entry points
 * (the generic _polars_plugin_rolling and _polars_plugin_moving, which take
 * a statistic by name, and the mean-only _polars_plugin_rolling_mean and
 * _polars_plugin_moving_mean) fed malformed
 * Arrow input: wrong or garbage formats, wrong buffer counts, NULL buffers,
 * negative or huge lengths and offsets, null counts that lie, list offsets
 * out of range, children too short or missing, NULL chunks, plus kwargs from
 * a table of valid and invalid pickles (or the raw fuzz bytes).
 *
 * Every buffer is a separate exact-size heap allocation, as large as the
 * array's OWN declared length and offset require under the Arrow spec
 * (validity: ceil((offset+length)/8) bytes, values: (offset+length) elements,
 * offsets: offset+length+1 entries), so a read the declared sizes do not
 * cover is caught by ASan: the plugin must check what it can check
 * (child lengths against offsets and widths, formats, counts) and fail with
 * an error message, never crash or read out of bounds. Every input chunk
 * and wrapper must be released exactly once; outputs are checked and
 * released the way Polars does.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arrow_c.h"

const char *_polars_plugin_get_last_error_message(void);
void _polars_plugin_rolling_mean(SeriesExport *, size_t, const uint8_t *, size_t, SeriesExport *,
                                 const CallerContext *);
void _polars_plugin_moving_mean(SeriesExport *, size_t, const uint8_t *, size_t, SeriesExport *,
                                const CallerContext *);
void _polars_plugin_rolling(SeriesExport *, size_t, const uint8_t *, size_t, SeriesExport *,
                            const CallerContext *);
void _polars_plugin_moving(SeriesExport *, size_t, const uint8_t *, size_t, SeriesExport *,
                           const CallerContext *);

#include "fuzz_input.h"

/* Pickles (protocol 4/5 as Python writes them) of typical kwargs. */
#include "kwargs_table.h"

static const char *const FORMATS[] = {
    "g", "f", "e", "l", "i", "s", "c", "L", "I", "S", "C", "b", "u", "z", "", "gg", "+s", "tsn:",
    "+w:0", "+w:1", "+w:3", "+w:8", "+w:-1", "+w:x", "+w:", "+w:9223372036854775807",
    "+w:4611686018427387904", "+w:2305843009213693952", "+l", "+L", "+m", NULL,
};
#define NFORMATS (sizeof FORMATS / sizeof FORMATS[0])

static int g_live; /* allocations owned by inputs not yet released */

typedef struct arr_priv {
    void *bufs[3];
    const void *ptrs[3];
    struct ArrowArray *child;
    struct ArrowArray *children[1];
} arr_priv;

static void arr_release(struct ArrowArray *a) {
    if (!a->release) abort(); /* released twice */
    arr_priv *p = a->private_data;
    for (int k = 0; k < 3; k++) free(p->bufs[k]);
    if (p->child) {
        if (p->child->release) p->child->release(p->child);
        free(p->child);
    }
    free(p);
    a->release = NULL;
    g_live--;
}

static int64_t pick_len(rd *r) {
    unsigned s = (unsigned)take(r, 1);
    switch (s % 8) {
    case 0: return -1 - (int64_t)(s >> 3);
    case 1: return 0;
    case 7: return (int64_t)take(r, 2) % 300;
    default: return (int64_t)(s >> 3) % 24;
    }
}

/* A primitive-or-list array: declared length/offset; buffers sized from them. */
static void make_array(rd *r, struct ArrowArray *a, int depth, int64_t child_hint) {
    memset(a, 0, sizeof *a);
    arr_priv *p = calloc(1, sizeof *p);
    g_live++;
    a->private_data = p;
    a->release = arr_release;
    unsigned h = (unsigned)take(r, 1);
    a->length = pick_len(r);
    if (child_hint >= 0 && (h & 0x80)) a->length = child_hint; /* plausible sizes often */
    a->offset = (h & 3) == 3 ? -(int64_t)((h >> 2) & 3) : (int64_t)((h >> 2) & 7) * ((h & 3) != 0);
    unsigned nb = (unsigned)take(r, 1);
    a->n_buffers = (nb & 7) < 6 ? (depth == 0 && (nb & 8) ? 1 : 2) : (int64_t)(nb & 7) - 6 + (nb & 16 ? 3 : 0);
    if (a->n_buffers > 3) a->n_buffers = 3;
    int64_t span = (a->length > 0 ? a->length : 0) + (a->offset > 0 ? a->offset : 0);
    int64_t ncount = (int64_t)take(r, 1);
    a->null_count = ncount % 5 == 0 ? -1 : ncount % 5 == 1 ? 0 : ncount % (span + 1);
#ifndef FUZZ_ARROW_NO_NULL_BUFFERS_ARRAY /* -D it to look past that finding */
    a->buffers = (nb & 0xe0) == 0xe0 ? NULL : (const void **)p->ptrs;
#else
    a->buffers = (const void **)p->ptrs;
#endif
    uint8_t fill = (uint8_t)take(r, 1);
    for (int k = 0; k < 3; k++) {
        if (k >= a->n_buffers || (take(r, 1) % 6) == 0) continue; /* NULL buffer */
        size_t bytes = k == 0 ? (size_t)(span + 7) / 8 : (size_t)(span + 1) * 8;
        p->bufs[k] = malloc(bytes ? bytes : 1);
        memset(p->bufs[k], fill ^ (uint8_t)k, bytes ? bytes : 1);
        p->ptrs[k] = p->bufs[k];
    }
    /* Offsets (buffer 1 of a list): fuzzed but mostly monotone and in range. */
    if (p->bufs[1] && (h & 0x40)) {
        int64_t *o64 = p->bufs[1];
        int32_t *o32 = p->bufs[1];
        int64_t cur = (int64_t)(take(r, 1) % 4) - 1;
        for (int64_t i = 0; i <= span; i++) {
            if (h & 0x20) o64[i] = cur;
            else if (i < 2 * (span + 1)) o32[i] = (int32_t)cur;
            cur += (int64_t)(take(r, 1) % 5) - (i % 17 == 16 ? 3 : 0);
        }
    }
    if (depth == 0 && (h & 0x10) == 0) {
        a->n_children = (take(r, 1) & 7) == 0 ? 2 : 1;
        if ((take(r, 1) & 15) == 0) a->n_children = 0;
        p->child = malloc(sizeof *p->child);
        make_array(r, p->child, 1, (int64_t)take(r, 1) % 64);
        p->children[0] = p->child;
        a->children = a->n_children ? p->children : NULL;
        if (a->n_children == 2) a->n_children = 1; /* never claim more than exists */
    }
}

static int g_released_exports;
static void series_release(SeriesExport *e) {
    if (!e->release) abort();
    free(e->arrays);
    e->release = NULL;
    g_released_exports++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    rd r = {data, size};
    unsigned h = (unsigned)take(&r, 1);
    int moving = h & 1;
    /* schema */
    struct ArrowSchema item = {FORMATS[take(&r, 1) % NFORMATS], "item", NULL, 2, 0, NULL, NULL, NULL, NULL};
    struct ArrowSchema *kids[1] = {&item};
    const char *fmt = FORMATS[take(&r, 1) % NFORMATS];
    struct ArrowSchema field = {fmt, (h & 2) ? "x" : NULL, NULL, 2, 0, NULL, NULL, NULL, NULL};
    unsigned sc = (unsigned)take(&r, 1);
    field.n_children = sc % 4 == 0 ? 0 : 1;
    field.children = sc % 8 == 1 ? NULL : kids;
    if (sc % 16 == 2) kids[0] = NULL;

    /* kwargs */
    const uint8_t *kw;
    size_t kwlen;
    unsigned ks = (unsigned)take(&r, 1);
    uint8_t *kwcopy = NULL;
    if (ks < 240) {
        const kw_entry *e = &KWARGS[ks % NKWARGS];
        kwlen = e->len;
        kwcopy = malloc(kwlen ? kwlen : 1);
        memcpy(kwcopy, e->bytes, kwlen);
    } else {
        kwlen = (size_t)take(&r, 1) % 48;
        if (kwlen > r.n) kwlen = r.n;
        kwcopy = malloc(kwlen ? kwlen : 1);
        memcpy(kwcopy, r.p, kwlen);
        r.p += kwlen, r.n -= kwlen;
    }
    kw = kwcopy;

    /* input series: up to 3 chunks */
    size_t nchunks = (size_t)take(&r, 1) % 4;
    SeriesExport *in = calloc(1, sizeof *in);
    in->field = (h & 4) && (h & 8) ? NULL : &field;
    in->len = nchunks;
    in->arrays = calloc(nchunks ? nchunks : 1, sizeof *in->arrays);
    in->release = series_release;
    for (size_t j = 0; j < nchunks; j++) {
        if ((take(&r, 1) & 31) == 31) continue; /* a NULL chunk */
        in->arrays[j] = malloc(sizeof(struct ArrowArray));
        make_array(&r, in->arrays[j], moving ? 0 : 1, -1);
    }
    struct ArrowArray **chunks = malloc((nchunks ? nchunks : 1) * sizeof *chunks);
    memcpy(chunks, in->arrays, nchunks * sizeof *chunks);
    size_t n_inputs = (h & 0x30) == 0x30 ? 2 : 1;
    SeriesExport inputs[2];
    inputs[0] = *in;
    memset(&inputs[1], 0, sizeof inputs[1]);
    free(in);

    SeriesExport out;
    memset(&out, 0, sizeof out);
    CallerContext ctx = {(h >> 6) & 1}; /* bit 0: Polars runs calls in parallel */
    g_released_exports = 0;
    int generic = (h >> 7) & 1;       /* the generic entries take the kwargs' "stat" */
    if (moving)
        (generic ? _polars_plugin_moving : _polars_plugin_moving_mean)(inputs, n_inputs, kw, kwlen, &out, &ctx);
    else
        (generic ? _polars_plugin_rolling : _polars_plugin_rolling_mean)(inputs, n_inputs, kw, kwlen, &out, &ctx);

    /* Inputs must all be released (g_live counts unreleased arrays). */
    if (g_live != 0) {
        fprintf(stderr, "fuzz_arrow: %d input arrays not released\n", g_live);
        abort();
    }
    if (g_released_exports != 1) {
        fprintf(stderr, "fuzz_arrow: input series released %d times\n", g_released_exports);
        abort();
    }
    for (size_t j = 0; j < nchunks; j++) free(chunks[j]);
    free(chunks);

    if (out.release) {
        if (out.len != 1 || !out.arrays || !out.arrays[0] || !out.field || !out.field->format) abort();
        struct ArrowArray *a = out.arrays[0];
        if (a->length < 0 || !a->release || a->n_buffers < 1 || !a->buffers) abort();
        /* Polars moves the array out, releases it, then releases the export. */
        struct ArrowArray moved = *a;
        a->release = NULL;
        moved.release(&moved);
        out.release(&out);
    } else {
        const char *e = _polars_plugin_get_last_error_message();
        if (!e || !e[0]) abort();
    }
    free(kwcopy);
    return 0;
}
