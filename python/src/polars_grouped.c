/*
 * Grouped rolling windows for Polars in ONE plugin call:
 * pl.col(x).mwk.rolling_<stat>(w, over=keys) gives what
 * pl.col(x).mwk.rolling_<stat>(w).over(keys) gives, without one plugin call
 * per group.
 *
 * Why an entry of its own: inside .over(keys) (and group_by().agg()) Polars
 * evaluates a plugin that is not elementwise once per group
 * (polars-expr's ApplyExpr::apply_single_group_aware: the column is
 * aggregated into a list and the function called on every element), and no
 * plugin flag hands a plugin the whole column with the group positions (see
 * README, "Grouped windows"). With 100,000 groups that is 100,000 calls, each
 * with its Arrow export, kwargs parse and output allocation. Here the keys
 * are a second (third, ...) input: rows are grouped by key in C, the values
 * gathered group by group (a stable counting sort, so that each group keeps
 * its row order), mwk_move_grouped computes every group's windows in one
 * call, and the results are scattered back to the rows.
 *
 * Semantics: those of the rolling entry (polars_plugin.c) on each group: the
 * same kwargs (pl_rolling_spec_parse), nulls missing, min_samples counting
 * non-null values, NaN a value, windows clipped to the group. Keys as
 * Polars groups them: any number of key columns; null is a key of its own;
 * float keys by value with -0.0 = 0.0 and every NaN one key. The Python side
 * passes the keys through Expr.to_physical() (categoricals, enums, dates,
 * datetimes, durations become integers), so the key formats read here are
 * the fixed-width numbers, bool, and (large/view) strings and binaries.
 *
 * Cost: O(n) for the grouping (a hash of each run's first key; sorted or
 * contiguous keys need no reordering), the gather and the scatter, plus
 * mwk_move_grouped.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arrow_c.h"
#include "mwk.h"
#include "mwk_stream.h"
#include "polars_common.h"

typedef void field_fn(const struct ArrowSchema *fields, size_t n_fields, struct ArrowSchema *return_value,
                      const uint8_t *kwargs, size_t kwargs_len);
typedef void compute_fn(SeriesExport *inputs, size_t n_inputs, const uint8_t *kwargs, size_t kwargs_len,
                        SeriesExport *return_value, const CallerContext *ctx);

PLUGIN_API field_fn _polars_plugin_field_rolling_over;
PLUGIN_API compute_fn _polars_plugin_rolling_over;
/* polars_plugin.c: the output field of the rolling entry (same kwargs). */
field_fn _polars_plugin_field_rolling;

/* ------------------------------------------------------------------------ */
/* columns: global row -> (chunk, index)                                     */

typedef struct col {
    struct ArrowArray **arrays;
    size_t len;     /* chunks */
    int64_t *start; /* start[c]: first row of chunk c; start[len] = rows */
    int64_t rows;
} col;

static int col_open(col *c, const SeriesExport *e) {
    c->arrays = e->arrays;
    c->len = e->len;
    c->start = (int64_t *)malloc((e->len + 1) * sizeof *c->start);
    if (!c->start) return -1;
    int64_t r = 0;
    for (size_t j = 0; j < e->len; j++) {
        c->start[j] = r;
        r += e->arrays[j]->length;
    }
    c->start[e->len] = r;
    c->rows = r;
    return 0;
}

/* The chunk holding row r (binary search; one chunk is the common case). */
static inline const struct ArrowArray *col_at(const col *c, int64_t r, int64_t *i) {
    size_t lo = 0, hi = c->len;
    if (c->len > 1) {
        while (hi - lo > 1) {
            const size_t mid = (lo + hi) / 2;
            if (c->start[mid] <= r) lo = mid;
            else hi = mid;
        }
    }
    const struct ArrowArray *a = c->arrays[lo];
    *i = a->offset + (r - c->start[lo]);
    return a;
}

static inline int bit_at(const void *bits, int64_t i) { return (((const uint8_t *)bits)[i >> 3] >> (i & 7)) & 1; }

static inline int is_null(const struct ArrowArray *a, int64_t i) {
    return a->null_count != 0 && a->n_buffers > 0 && a->buffers[0] && !bit_at(a->buffers[0], i);
}

/* ------------------------------------------------------------------------ */
/* values                                                                    */

/* Arrow formats of the value column, and the gathered dtype (float32 where
 * exact and the rolling entry gives float32 output, float64 otherwise). */
static int value_kind(const char *f) {
    static const char kinds[] = "gfecsilCSILb";
    if (!f || !f[0] || f[1]) return -1;
    const char *p = strchr(kinds, f[0]);
    return p ? (int)(p - kinds) : -1;
}
static mwk_dtype value_dtype(int k) {
    static const mwk_dtype map[] = {MWK_F64, MWK_F32, MWK_F16, MWK_I8, MWK_I16, MWK_I32,
                                    MWK_I64, MWK_U8,  MWK_U16, MWK_U32, MWK_U64, MWK_BOOL};
    return map[k];
}

static inline double value_at(int k, const void *v, int64_t i) {
    switch (k) {
    case 0: return ((const double *)v)[i];
    case 1: return ((const float *)v)[i];
    case 2: return pl_half_to_float(((const uint16_t *)v)[i]);
    case 3: return ((const int8_t *)v)[i];
    case 4: return ((const int16_t *)v)[i];
    case 5: return ((const int32_t *)v)[i];
    case 6: return (double)((const int64_t *)v)[i];
    case 7: return ((const uint8_t *)v)[i];
    case 8: return ((const uint16_t *)v)[i];
    case 9: return ((const uint32_t *)v)[i];
    case 10: return (double)((const uint64_t *)v)[i];
    default: return bit_at(v, i);
    }
}

/* ------------------------------------------------------------------------ */
/* keys                                                                      */

enum { K_FIXED, K_FLOAT, K_BOOL, K_STR32, K_STR64, K_VIEW };

typedef struct keycol {
    col c;
    int type;
    size_t size; /* K_FIXED, K_FLOAT: bytes per value */
    int sign;    /* K_FIXED: a signed integer (its word is sign-extended) */
} keycol;

/* The key formats read here (after Expr.to_physical()): 0, or -1 with the
 * error set. */
static int key_type(const struct ArrowSchema *s, keycol *k, const char *fn) {
    const char *f = s ? s->format : NULL;
    if (f && s->dictionary == NULL) {
        k->size = 0;
        k->sign = f[0] == 'c' || f[0] == 's' || f[0] == 'i' || f[0] == 'l';
        if (!f[1]) {
            switch (f[0]) {
            case 'c': case 'C': k->type = K_FIXED, k->size = 1; return 0;
            case 's': case 'S': k->type = K_FIXED, k->size = 2; return 0;
            case 'i': case 'I': k->type = K_FIXED, k->size = 4; return 0;
            case 'l': case 'L': k->type = K_FIXED, k->size = 8; return 0;
            case 'e': k->type = K_FLOAT, k->size = 2; return 0;
            case 'f': k->type = K_FLOAT, k->size = 4; return 0;
            case 'g': k->type = K_FLOAT, k->size = 8; return 0;
            case 'b': k->type = K_BOOL; return 0;
            case 'u': case 'z': k->type = K_STR32; return 0;
            case 'U': case 'Z': k->type = K_STR64; return 0;
            default: break;
            }
        } else if (f[0] == 'v' && (f[1] == 'u' || f[1] == 'z') && !f[2]) {
            k->type = K_VIEW;
            return 0;
        } else if (f[0] == 't') {
            /* temporal types that reach here unconverted: their integers */
            k->type = K_FIXED;
            k->size = (f[1] == 'd' && f[2] == 'D') || (f[1] == 't' && (f[2] == 's' || f[2] == 'm')) ? 4 : 8;
            return 0;
        }
    }
    pl_set_err("mwk.%s: over= keys of Arrow format '%s' are not supported (numbers, booleans, strings, "
               "binaries, and what Expr.to_physical() turns into them)",
               fn, f ? f : "?");
    return -1;
}

/* The key of row r as bytes (*p, *len); 1 when it is null. tmp holds
 * converted values (bool, floats). */
static inline int key_bytes(const keycol *k, int64_t r, const uint8_t **p, size_t *len, uint8_t tmp[16]) {
    int64_t i;
    const struct ArrowArray *a = col_at(&k->c, r, &i);
    if (is_null(a, i)) return 1;
    switch (k->type) {
    case K_FIXED:
        *p = (const uint8_t *)a->buffers[1] + (size_t)i * k->size;
        *len = k->size;
        return 0;
    case K_FLOAT: {
        double v = k->size == 8 ? ((const double *)a->buffers[1])[i]
                   : k->size == 4 ? ((const float *)a->buffers[1])[i]
                                  : pl_half_to_float(((const uint16_t *)a->buffers[1])[i]);
        if (v == 0.0) v = 0.0; /* -0.0 and 0.0: one key */
        if (v != v) v = NAN;   /* every NaN: one key */
        memcpy(tmp, &v, 8);
        *p = tmp;
        *len = 8;
        return 0;
    }
    case K_BOOL:
        tmp[0] = (uint8_t)bit_at(a->buffers[1], i);
        *p = tmp;
        *len = 1;
        return 0;
    case K_STR32: {
        const int32_t *o = (const int32_t *)a->buffers[1];
        *p = (const uint8_t *)a->buffers[2] + o[i];
        *len = (size_t)(o[i + 1] - o[i]);
        return 0;
    }
    case K_STR64: {
        const int64_t *o = (const int64_t *)a->buffers[1];
        *p = (const uint8_t *)a->buffers[2] + o[i];
        *len = (size_t)(o[i + 1] - o[i]);
        return 0;
    }
    default: { /* view: 16 bytes, length first; inline up to 12 bytes */
        const uint8_t *v = (const uint8_t *)a->buffers[1] + (size_t)i * 16;
        int32_t n, buf, off;
        memcpy(&n, v, 4);
        *len = (size_t)n;
        if (n < 0) n = 0, *len = 0;
        if (n <= 12) {
            *p = v + 4;
        } else {
            memcpy(&buf, v + 8, 4);
            memcpy(&off, v + 12, 4);
            /* data buffers: buffers[2 .. n_buffers - 2] (the last holds
             * their sizes); a bad index reads as an empty key, never past */
            if (buf < 0 || off < 0 || (int64_t)buf + 3 > a->n_buffers || !a->buffers[2 + buf]) {
                *p = v;
                *len = 0;
                return 0;
            }
            *p = (const uint8_t *)a->buffers[2 + buf] + off;
        }
        return 0;
    }
    }
}

static inline uint64_t mix64(uint64_t x) {
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

static uint64_t hash_row(const keycol *ks, size_t nk, int64_t r) {
    uint64_t h = 0x9e3779b97f4a7c15ULL;
    uint8_t tmp[16];
    for (size_t q = 0; q < nk; q++) {
        const uint8_t *p = NULL;
        size_t len = 0;
        if (key_bytes(&ks[q], r, &p, &len, tmp)) {
            h = mix64(h ^ 0x6e756c6cULL); /* null */
            continue;
        }
        h = mix64(h ^ (len + 1));
        size_t j = 0;
        for (; j + 8 <= len; j += 8) {
            uint64_t w;
            memcpy(&w, p + j, 8);
            h = mix64(h ^ w);
        }
        if (j < len) {
            uint64_t w = 0;
            memcpy(&w, p + j, len - j);
            h = mix64(h ^ w);
        }
    }
    return h;
}

static int rows_equal(const keycol *ks, size_t nk, int64_t r1, int64_t r2) {
    uint8_t t1[16], t2[16];
    for (size_t q = 0; q < nk; q++) {
        const uint8_t *p1 = NULL, *p2 = NULL;
        size_t l1 = 0, l2 = 0;
        const int n1 = key_bytes(&ks[q], r1, &p1, &l1, t1), n2 = key_bytes(&ks[q], r2, &p2, &l2, t2);
        if (n1 != n2) return 0;
        if (n1) continue;
        if (l1 != l2 || memcmp(p1, p2, l1) != 0) return 0;
    }
    return 1;
}

/* A key of at most 8 bytes (numbers, bool) as one word; 1 when null. */
static inline int key_word(const keycol *k, const struct ArrowArray *a, int64_t i, uint64_t *v) {
    if (is_null(a, i)) return 1;
    const void *b = a->buffers[1];
    switch (k->type) {
    case K_BOOL: *v = (uint64_t)bit_at(b, i); return 0;
    case K_FLOAT: {
        double d = k->size == 8 ? ((const double *)b)[i]
                   : k->size == 4 ? ((const float *)b)[i] : pl_half_to_float(((const uint16_t *)b)[i]);
        if (d == 0.0) d = 0.0;
        if (d != d) d = NAN;
        memcpy(v, &d, 8);
        return 0;
    }
    default:
        if (k->sign) {
            switch (k->size) {
            case 1: *v = (uint64_t)(int64_t)((const int8_t *)b)[i]; return 0;
            case 2: *v = (uint64_t)(int64_t)((const int16_t *)b)[i]; return 0;
            case 4: *v = (uint64_t)(int64_t)((const int32_t *)b)[i]; return 0;
            default: *v = ((const uint64_t *)b)[i]; return 0;
            }
        }
        switch (k->size) {
        case 1: *v = ((const uint8_t *)b)[i]; return 0;
        case 2: *v = ((const uint16_t *)b)[i]; return 0;
        case 4: *v = ((const uint32_t *)b)[i]; return 0;
        default: *v = ((const uint64_t *)b)[i]; return 0;
        }
    }
}

/* Open addressing, grown at half load: a word key (or a hash and a
 * representative row, for strings and several keys) -> group id + 1. The
 * table stays about twice the number of groups, not of rows, so that it
 * lives in cache where it can. */
typedef struct slot {
    uint64_t key; /* the key word, or the row's hash */
    size_t rep;   /* generic: the representative row */
    size_t gid1;  /* group id + 1; 0: empty */
} slot;

static int table_grow(slot **t, size_t *cap) {
    const size_t nc = *cap * 2;
    slot *n = (slot *)calloc(nc, sizeof *n);
    if (!n) return -1;
    for (size_t s = 0; s < *cap; s++) {
        if (!(*t)[s].gid1) continue;
        size_t h = (size_t)mix64((*t)[s].key) & (nc - 1);
        while (n[h].gid1) h = (h + 1) & (nc - 1);
        n[h] = (*t)[s];
    }
    free(*t);
    *t = n;
    *cap = nc;
    return 0;
}

/* The table of one string/binary key: the hash, the length, and the bytes
 * themselves when they fit in a word (most ids and codes), else where they
 * are; a lookup touches one slot and, for long strings, their bytes. */
typedef struct sslot {
    uint64_t hash;
    uint64_t word; /* len <= 8: the bytes, zero-padded; else the pointer */
    uint32_t gid1; /* group id + 1; 0: empty */
    uint32_t len;
} sslot;

static int sslot_grow(sslot **t, size_t *cap) {
    const size_t nc = *cap * 2;
    sslot *n = (sslot *)calloc(nc, sizeof *n);
    if (!n) return -1;
    for (size_t s = 0; s < *cap; s++) {
        if (!(*t)[s].gid1) continue;
        size_t h = (size_t)mix64((*t)[s].hash) & (nc - 1);
        while (n[h].gid1) h = (h + 1) & (nc - 1);
        n[h] = (*t)[s];
    }
    free(*t);
    *t = n;
    *cap = nc;
    return 0;
}

/* Groups of the rows by key: gid[r] in order of first appearance, *G of
 * them; offsets (G + 1) and, unless every group is one contiguous run of
 * rows in that order, perm: the rows group by group, each in row order
 * (a stable counting sort); with x64, also xg[j] = x64[perm[j]] in the same
 * pass. 0, or -1 (out of memory). */
static int group_rows(const keycol *ks, size_t nk, size_t n, int64_t **offsets_out, size_t **perm_out,
                      size_t *G_out, const double *x64, double *xg) {
    size_t *gid = (size_t *)malloc((n ? n : 1) * sizeof *gid);
    size_t cap = 1024;
    slot *tab = (slot *)calloc(cap, sizeof *tab);
    int64_t *count = NULL;
    size_t *perm = NULL;
    if (!gid || !tab) goto nomem;
    size_t G = 0, runs = 0, null_gid = SIZE_MAX;
    const int word = nk == 1 && (ks[0].type == K_FIXED || ks[0].type == K_FLOAT || ks[0].type == K_BOOL);
    /* One integer key whose values span a range not much wider than the
     * rows (ids, codes): a direct table, value - min -> group id + 1. */
    uint64_t lo = 0, span = 0;
    int direct = 0;
    if (word && ks[0].type != K_FLOAT) {
        const keycol *k = &ks[0];
        int64_t mn = INT64_MAX, mx = INT64_MIN;
        uint64_t umn = UINT64_MAX, umx = 0;
        for (size_t c = 0; c < k->c.len; c++) {
            const struct ArrowArray *a = k->c.arrays[c];
            for (int64_t i = a->offset; i < a->offset + a->length; i++) {
                uint64_t v;
                if (key_word(k, a, i, &v)) continue;
                if ((int64_t)v < mn) mn = (int64_t)v;
                if ((int64_t)v > mx) mx = (int64_t)v;
                if (v < umn) umn = v;
                if (v > umx) umx = v;
            }
        }
        const int sgn = k->sign || k->type == K_BOOL;
        if (sgn ? mn <= mx : umn <= umx) {
            lo = sgn ? (uint64_t)mn : umn;
            span = sgn ? (uint64_t)mx - (uint64_t)mn : umx - umn; /* wraps correctly */
            direct = span < (uint64_t)4 * n + 4096 && span < ((uint64_t)1 << 31);
        }
    }
    if (word) {
        /* One key of at most 8 bytes: runs, then each run's word looked up
         * in the direct table (value - min) or, without one, used itself as
         * the hash table's key. */
        uint32_t *dtab = NULL;
        if (direct && !(dtab = (uint32_t *)calloc((size_t)span + 1, sizeof *dtab))) goto nomem;
        const keycol *k = &ks[0];
        uint64_t prev = 0;
        int prev_null = -1;
        size_t r = 0;
        for (size_t c = 0; c < k->c.len; c++) {
            const struct ArrowArray *a = k->c.arrays[c];
            for (int64_t i = a->offset; i < a->offset + a->length; i++, r++) {
                uint64_t v = 0;
                const int isn = key_word(k, a, i, &v);
                if (isn == prev_null && (isn || v == prev)) {
                    gid[r] = gid[r - 1];
                    continue;
                }
                prev_null = isn, prev = v;
                runs++;
                if (isn) {
                    if (null_gid == SIZE_MAX) null_gid = G++;
                    gid[r] = null_gid;
                    continue;
                }
                if (dtab) {
                    uint32_t *e = &dtab[v - lo];
                    if (!*e) *e = (uint32_t)++G;
                    gid[r] = *e - 1;
                    continue;
                }
                size_t h = (size_t)mix64(v) & (cap - 1);
                while (tab[h].gid1 && tab[h].key != v) h = (h + 1) & (cap - 1);
                if (!tab[h].gid1) {
                    tab[h].key = v;
                    tab[h].gid1 = ++G;
                    gid[r] = G - 1;
                    if (2 * G > cap && table_grow(&tab, &cap) < 0) goto nomem; /* dtab is NULL here */
                    continue;
                }
                gid[r] = tab[h].gid1 - 1;
            }
        }
        free(dtab);
    } else if (nk == 1 && n < ((size_t)1 << 32)) {
        /* One string/binary key: each row's bytes located once, in row
         * order, then runs, hashes and comparisons on those. */
        const keycol *k = &ks[0];
        const uint8_t **kp = (const uint8_t **)malloc((n ? n : 1) * sizeof *kp);
        size_t *kl = (size_t *)malloc((n ? n : 1) * sizeof *kl);
        uint64_t *hvs = (uint64_t *)malloc((n ? n : 1) * sizeof *hvs);
        size_t scap = 1024;
        sslot *st = (sslot *)calloc(scap, sizeof *st);
        if (!kp || !kl || !hvs || !st) {
            free(kp), free(kl), free(hvs), free(st);
            goto nomem;
        }
        uint8_t tmp[16];
        for (size_t r = 0; r < n; r++) {
            const uint8_t *p = NULL;
            size_t len = 0;
            if (key_bytes(k, (int64_t)r, &p, &len, tmp)) {
                kl[r] = SIZE_MAX, kp[r] = NULL, hvs[r] = 0; /* null */
                continue;
            }
            kl[r] = len, kp[r] = p;
            uint64_t hv = mix64(0x9e3779b97f4a7c15ULL ^ len);
            size_t j = 0;
            for (; j + 8 <= len; j += 8) {
                uint64_t w;
                memcpy(&w, p + j, 8);
                hv = mix64(hv ^ w);
            }
            if (j < len) {
                uint64_t w = 0;
                memcpy(&w, p + j, len - j);
                hv = mix64(hv ^ w);
            }
            hvs[r] = hv;
        }
        /* The probes miss the cache for random keys: the slot of a row a
         * few rows ahead is fetched while this one is looked up. */
        enum { AHEAD = 8 };
        for (size_t r = 0; r < n; r++) {
            if (r + AHEAD < n) __builtin_prefetch(&st[(size_t)mix64(hvs[r + AHEAD]) & (scap - 1)]);
            const size_t len = kl[r];
            if (r > 0 && len == kl[r - 1] && (len == SIZE_MAX || memcmp(kp[r], kp[r - 1], len) == 0)) {
                gid[r] = gid[r - 1];
                continue;
            }
            runs++;
            if (len == SIZE_MAX) {
                if (null_gid == SIZE_MAX) null_gid = G++;
                gid[r] = null_gid;
                continue;
            }
            if (len > UINT32_MAX) { /* a key of 4 GiB (Arrow views cannot hold one): reported as no memory */
                free(kp), free(kl), free(hvs), free(st);
                goto nomem;
            }
            const uint64_t hv = hvs[r];
            uint64_t wv = 0;
            if (len <= 8) memcpy(&wv, kp[r], len);
            else wv = (uint64_t)(uintptr_t)kp[r];
            size_t h = (size_t)mix64(hv) & (scap - 1); /* as sslot_grow places it */
            while (st[h].gid1) {
                if (st[h].hash == hv && st[h].len == len &&
                    (len <= 8 ? st[h].word == wv
                              : memcmp((const void *)(uintptr_t)st[h].word, kp[r], len) == 0))
                    break;
                h = (h + 1) & (scap - 1);
            }
            if (!st[h].gid1) {
                st[h].hash = hv;
                st[h].word = wv;
                st[h].len = (uint32_t)len;
                st[h].gid1 = (uint32_t)++G;
                gid[r] = G - 1;
                if (2 * G > scap && sslot_grow(&st, &scap) < 0) {
                    free(kp), free(kl), free(hvs), free(st);
                    goto nomem;
                }
                continue;
            }
            gid[r] = st[h].gid1 - 1;
        }
        free(kp);
        free(kl);
        free(hvs);
        free(st);
    } else {
        for (size_t r = 0; r < n; r++) {
            if (r > 0 && rows_equal(ks, nk, (int64_t)r, (int64_t)r - 1)) {
                gid[r] = gid[r - 1];
                continue;
            }
            runs++;
            const uint64_t hv = hash_row(ks, nk, (int64_t)r);
            size_t h = (size_t)mix64(hv) & (cap - 1);
            while (tab[h].gid1 && !(tab[h].key == hv && rows_equal(ks, nk, (int64_t)tab[h].rep, (int64_t)r)))
                h = (h + 1) & (cap - 1);
            if (!tab[h].gid1) {
                tab[h].key = hv;
                tab[h].rep = r;
                tab[h].gid1 = ++G;
                gid[r] = G - 1;
                if (2 * G > cap && table_grow(&tab, &cap) < 0) goto nomem;
                continue;
            }
            gid[r] = tab[h].gid1 - 1;
        }
    }
    free(tab);
    tab = NULL;
    if (!(count = (int64_t *)calloc(G + 1, sizeof *count))) goto nomem;
    for (size_t r = 0; r < n; r++) count[gid[r] + 1]++;
    for (size_t g = 0; g < G; g++) count[g + 1] += count[g];
    if (runs != G) { /* some group in several runs: reorder (stable) */
        if (!(perm = (size_t *)malloc(n * sizeof *perm))) goto nomem;
        int64_t *pos = (int64_t *)malloc((G ? G : 1) * sizeof *pos);
        if (!pos) goto nomem;
        memcpy(pos, count, G * sizeof *pos);
        if (x64) { /* the float64 values move with their rows: one pass */
            for (size_t r = 0; r < n; r++) {
                const int64_t j = pos[gid[r]]++;
                perm[j] = r;
                xg[j] = x64[r];
            }
        } else {
            for (size_t r = 0; r < n; r++) perm[pos[gid[r]]++] = r;
        }
        free(pos);
    }
    free(gid);
    *offsets_out = count;
    *perm_out = perm;
    *G_out = G;
    return 0;
nomem:
    free(gid);
    free(tab);
    free(count);
    free(perm);
    return -1;
}

/* ------------------------------------------------------------------------ */
/* the entry                                                                 */

/* Window [lo, hi] of output i of a group of n rows (the rolling entry's). */
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

PLUGIN_API void _polars_plugin_field_rolling_over(const struct ArrowSchema *fields, size_t n_fields,
                                                  struct ArrowSchema *return_value, const uint8_t *kwargs,
                                                  size_t kwargs_len) {
    if (n_fields < 2 || !fields) {
        pl_set_err("mwk.rolling_over takes the values and at least one key column, got %zu columns", n_fields);
        return;
    }
    _polars_plugin_field_rolling(fields, 1, return_value, kwargs, kwargs_len);
}

static void rolling_over(SeriesExport *in, size_t n_in, const pl_rolling_spec *sp, const CallerContext *ctx,
                         SeriesExport *ret) {
    const char *fn = sp->fn;
    const size_t nk = n_in - 1;
    col x = {0};
    keycol *ks = (keycol *)calloc(nk, sizeof *ks);
    int64_t *off = NULL;
    size_t *perm = NULL, G = 0;
    void *xg = NULL, *yg = NULL, *yv = NULL;
    uint8_t *valid = NULL;
    size_t *cnt = NULL, *nans = NULL;
    int64_t null_count = 0;
    if (!ks) goto nomem;
    if (!in[0].field) {
        pl_set_err("mwk.%s: input column without a schema", fn);
        goto fail;
    }
    const int vk = value_kind(in[0].field->format);
    mwk_dtype ydt;
    if (vk < 0 || mwk_move_out_dtype(sp->stat, value_dtype(vk), &ydt) != MWK_OK) {
        pl_set_err("mwk.%s: unsupported column dtype (Arrow format '%s'); expected a float, integer or boolean "
                   "column",
                   fn, in[0].field->format ? in[0].field->format : "?");
        goto fail;
    }
    const mwk_dtype gdt = ydt == MWK_F32 ? MWK_F32 : MWK_F64; /* gathered values */
    const size_t ysz = ydt == MWK_F32 ? 4 : 8;
    if (col_open(&x, &in[0]) < 0) goto nomem;
    const size_t n = (size_t)x.rows;
    for (size_t j = 0; j < in[0].len; j++) {
        const struct ArrowArray *a = in[0].arrays[j];
        if (a->length < 0 || a->offset < 0 || a->n_buffers != 2 || !a->buffers || (a->length > 0 && !a->buffers[1])) {
            pl_set_err("mwk.%s: malformed input chunk", fn);
            goto fail;
        }
    }
    for (size_t q = 0; q < nk; q++) {
        if (key_type(in[q + 1].field, &ks[q], fn) < 0) goto fail;
        if (col_open(&ks[q].c, &in[q + 1]) < 0) goto nomem;
        /* the buffers key_bytes reads: validity, values/offsets/views, data */
        const int need = ks[q].type == K_STR32 || ks[q].type == K_STR64 || ks[q].type == K_VIEW ? 3 : 2;
        for (size_t j = 0; j < in[q + 1].len; j++) {
            const struct ArrowArray *a = in[q + 1].arrays[j];
            if (a->length < 0 || a->offset < 0 || !a->buffers || a->n_buffers < need - (ks[q].type == K_VIEW) ||
                (a->length > 0 && !a->buffers[1])) {
                pl_set_err("mwk.%s: malformed over= key chunk", fn);
                goto fail;
            }
        }
        if ((size_t)ks[q].c.rows != n) {
            pl_set_err("mwk.%s: over= key %zu has %lld rows, the column %zu", fn, q, (long long)ks[q].c.rows, n);
            goto fail;
        }
    }
    if (n > SIZE_MAX / 16) {
        pl_set_err("mwk.%s: column too long", fn);
        goto fail;
    }
    if (!(yv = malloc(n ? n * ysz : 1))) goto nomem;
    if (n > 0) {
        int has_null = 0;
        for (size_t j = 0; j < in[0].len; j++) {
            const struct ArrowArray *a = in[0].arrays[j];
            has_null |= a->null_count != 0 && a->length > 0 && a->buffers[0] != NULL;
        }
        /* The common case (one float64 chunk, no nulls) is gathered while
         * the rows are sorted into groups. */
        const double *x64 = NULL;
        if (!has_null && x.len == 1 && vk == 0 && gdt == MWK_F64) {
            if (!(xg = malloc(n * sizeof(double)))) goto nomem;
            x64 = (const double *)x.arrays[0]->buffers[1] + x.arrays[0]->offset;
        }
        if (group_rows(ks, nk, n, &off, &perm, &G, x64, (double *)xg) < 0) goto nomem;
        if (x64 && !perm) { /* groups already contiguous: read in place below */
            free(xg);
            xg = NULL;
            x64 = NULL;
        }
        /* The values group by group (nulls as NaN, counted apart from the
         * genuine NaNs, as the rolling entry does). Contiguous float input
         * in row order is read in place. */
        const void *xv;
        const size_t gsz = gdt == MWK_F32 ? 4 : 8;
        if (x64 && perm) {
            xv = xg; /* gathered by group_rows */
        } else if (!perm && !has_null && x.len == 1 && (vk == 0 || vk == 1) && value_dtype(vk) == gdt) {
            const struct ArrowArray *a = x.arrays[0];
            xv = (const char *)a->buffers[1] + (size_t)a->offset * gsz;
        } else {
            if (!xg && !(xg = malloc(n * gsz))) goto nomem;
            if (has_null && !(cnt = (size_t *)malloc((n + 1) * sizeof *cnt))) goto nomem;
        }
        if (x64 && perm) {
            /* done */
        } else if (xg && !has_null && x.len == 1 && (vk == 0 || vk == 1) && value_dtype(vk) == gdt) {
            /* the common case in a tight loop (independent loads overlap) */
            const struct ArrowArray *a = x.arrays[0];
            if (gdt == MWK_F64) {
                const double *src = (const double *)a->buffers[1] + a->offset;
                for (size_t j = 0; j < n; j++) ((double *)xg)[j] = src[perm[j]];
            } else {
                const float *src = (const float *)a->buffers[1] + a->offset;
                for (size_t j = 0; j < n; j++) ((float *)xg)[j] = src[perm[j]];
            }
            xv = xg;
        } else if (xg) {
            size_t nan_seen = 0;
            if (cnt) cnt[0] = 0;
            for (size_t j = 0; j < n; j++) {
                int64_t i;
                const struct ArrowArray *a = col_at(&x, (int64_t)(perm ? perm[j] : j), &i);
                const int ok = !is_null(a, i);
                const double v = ok ? value_at(vk, a->buffers[1], i) : NAN;
                if (gdt == MWK_F32) ((float *)xg)[j] = (float)v;
                else ((double *)xg)[j] = v;
                if (cnt) cnt[j + 1] = cnt[j] + (size_t)ok;
                nan_seen += (size_t)(ok && v != v);
            }
            if (nan_seen && cnt) {
                if (!(nans = (size_t *)malloc((n + 1) * sizeof *nans))) goto nomem;
                nans[0] = 0;
                for (size_t j = 0; j < n; j++) {
                    const double v = gdt == MWK_F32 ? ((const float *)xg)[j] : ((const double *)xg)[j];
                    nans[j + 1] = nans[j] + (size_t)(cnt[j + 1] != cnt[j] && v != v);
                }
            }
            xv = xg;
        }
        mwk_options opt;
        mwk_options_init(&opt);
        opt.min_count = 1;
        opt.long_window = MWK_LONG_WINDOW_CLIP; /* windows clipped to the group */
        opt.align = sp->center ? MWK_ALIGN_CENTERED : MWK_ALIGN_TRAILING;
        opt.nan_policy = has_null ? MWK_NAN_SKIP : MWK_NAN_PROPAGATE;
        /* One thread below 4M rows: the engine part is then a minor share of
         * the call (grouping, gather and scatter are serial), and OpenMP
         * teams spin when the machine is busy. */
        opt.threads = ctx && (ctx->bitflags & 1u) ? 1 : n < ((size_t)1 << 22) ? 1 : 0;
        void *yo = yv;
        if (perm && !(yo = yg = malloc(n * ysz))) goto nomem;
        mwk_status st = mwk_move_grouped(sp->stat, &sp->params, xv, gdt, n, 1, off, G, yo, 1, 1, sp->window, &opt);
        if (st != MWK_OK) {
            if (st == MWK_E_NOMEM) goto nomem;
            pl_set_err("mwk.%s: %s", fn, mwk_status_str(st));
            goto fail;
        }
        /* Validity and the sum of nothing, per group, then the rows back in
         * place. */
        for (size_t g = 0; g < G; g++) {
            const size_t a0 = (size_t)off[g], len = (size_t)(off[g + 1] - off[g]);
            for (size_t i = 0; i < len; i++) {
                size_t lo, hi;
                window_bounds(i, len, sp->window, sp->center, &lo, &hi);
                lo += a0, hi += a0;
                const size_t j = a0 + i, row = perm ? perm[j] : j;
                const size_t c = cnt ? cnt[hi + 1] - cnt[lo] : hi - lo + 1;
                char *yj = (char *)yo + j * ysz;
                if (nans && nans[hi + 1] != nans[lo]) {
                    if (ydt == MWK_F32) *(float *)yj = NAN;
                    else *(double *)yj = NAN;
                }
                if (c == 0 && sp->empty_zero) {
                    memset(yj, 0, ysz);
                } else if (c < sp->min_valid) {
                    if (!valid) {
                        if (!(valid = (uint8_t *)malloc((n + 7) / 8))) goto nomem;
                        memset(valid, 0xff, (n + 7) / 8);
                    }
                    valid[row >> 3] &= (uint8_t) ~(1u << (row & 7));
                    null_count++;
                    memset(yj, 0, ysz);
                }
            }
        }
        if (perm) {
            if (ysz == 8)
                for (size_t j = 0; j < n; j++) ((double *)yv)[perm[j]] = ((const double *)yg)[j];
            else
                for (size_t j = 0; j < n; j++) ((float *)yv)[perm[j]] = ((const float *)yg)[j];
        }
    }
    const char *name = in[0].field->name ? in[0].field->name : "";
    pl_export_column(ret, fn, ydt == MWK_F32 ? "f" : "g", name, (int64_t)n, null_count, valid, yv);
    valid = NULL; /* moved in */
    yv = NULL;
    goto done;
nomem:
    pl_set_err("mwk.%s: out of memory", fn);
fail:
done:
    free(x.start);
    for (size_t q = 0; ks && q < nk; q++) free(ks[q].c.start);
    free(ks);
    free(off);
    free(perm);
    free(xg);
    free(yg);
    free(yv);
    free(valid);
    free(cnt);
    free(nans);
}

PLUGIN_API void _polars_plugin_rolling_over(SeriesExport *inputs, size_t n_inputs, const uint8_t *kwargs,
                                            size_t kwargs_len, SeriesExport *return_value,
                                            const CallerContext *ctx) {
    pl_rolling_spec sp;
    double *taps = NULL;
    if (pl_rolling_spec_parse(kwargs, kwargs_len, &sp, &taps) == 0) {
        if (n_inputs < 2 || !inputs)
            pl_set_err("mwk.%s: over= needs the values and at least one key column, got %zu columns", sp.fn,
                       n_inputs);
        else rolling_over(inputs, n_inputs, &sp, ctx, return_value);
    }
    free(taps);
    pl_release_inputs(inputs, n_inputs);
}
