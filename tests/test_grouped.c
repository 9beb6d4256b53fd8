/* Grouped windows (mwk_move_grouped, include/mwk_stream.h): every statistic
 * of the registry x its algorithms x SIMD targets x alignments x long-window
 * rules x random group sizes (empty groups, groups shorter than the window,
 * long groups) must be BIT-IDENTICAL to one mwk_move_batch_k call per group
 * (the header's contract), with NaN/inf in the data, strided and float32 /
 * int64 inputs, several quantiles per window, and threads. Errors (bad
 * offsets, a short group under the error rule, overlap, bad options) must
 * leave the output untouched. MWK_TEST_QUICK shrinks sizes and targets. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mwk_stream.h>

#include "mt_common.h"

#define SENT 0x5au

/* Random group sizes summing to n: empties, shorter than w (allow_short),
 * around w, long. Returns the number of groups; off has room for cap + 1. */
static size_t make_groups(mt_rng *r, size_t n, size_t w, int allow_short, int64_t *off, size_t cap) {
    size_t g = 0, pos = 0, last = 0; /* last: the last non-empty group, 1-based (0: none) */
    off[0] = 0;
    while (pos < n) {
        size_t len;
        const uint64_t u = mt_rng_u64(r) % 10;
        if (u == 0 && g + 2 < cap) len = 0;
        else if (u <= 2 && allow_short) len = 1 + mt_rng_u64(r) % (w > 1 ? w - 1 : 1);
        else if (u <= 7) len = w + mt_rng_u64(r) % (2 * w + 1);
        else len = w + mt_rng_u64(r) % (8 * w + 50);
        if (len > n - pos) len = n - pos;
        if (!allow_short && len > 0 && len < w && last) {
            /* a short remainder: the last non-empty group takes it (the
             * groups after it are empty and move with it) */
            for (size_t h = last; h <= g; h++) off[h] = (int64_t)n;
            return g;
        }
        pos += len;
        off[++g] = (int64_t)pos;
        if (len) last = g;
    }
    return g;
}

static void fill(mt_rng *r, double *x, size_t n, int specials) {
    for (size_t i = 0; i < n; i++) {
        x[i] = mt_rng_normal(r) * 10.0;
        if (specials) {
            const uint64_t u = mt_rng_u64(r) % 100;
            if (u == 0) x[i] = NAN;
            else if (u == 1) x[i] = INFINITY;
            else if (u == 2) x[i] = -INFINITY;
        }
    }
}

/* The reference: one mwk_move_batch_k per non-empty group, outputs at the
 * group's offset (valid: concatenated). */
static mwk_status per_group(mwk_stat s, const mwk_params *p, const void *x, mwk_dtype dt, ptrdiff_t xs,
                            const int64_t *off, size_t G, void *y, ptrdiff_t ys, ptrdiff_t yqs, size_t w,
                            const mwk_options *o) {
    mwk_dtype odt;
    cr_assert_eq(mwk_move_out_dtype(s, dt, &odt), MWK_OK);
    const size_t ies = mt_elsize(dt), oes = mt_elsize(odt);
    size_t ypos = 0;
    for (size_t g = 0; g < G; g++) {
        const size_t lo = (size_t)off[g], len = (size_t)(off[g + 1] - off[g]);
        if (!len) continue;
        size_t L;
        mwk_status st = mwk_move_len(len, w, o, &L);
        if (st != MWK_OK) return st;
        const size_t at = o->align == MWK_ALIGN_VALID ? ypos : lo;
        st = mwk_move_batch_k(s, p, (const char *)x + (ptrdiff_t)lo * xs * (ptrdiff_t)ies, dt, 1, len, 0, xs,
                              (char *)y + (ptrdiff_t)at * ys * (ptrdiff_t)oes, 0, ys, yqs, w, o);
        if (st != MWK_OK) return st;
        ypos += L;
    }
    return MWK_OK;
}

typedef struct {
    mwk_stat stat;
    mwk_algorithm algo;
    const char *target;
    mwk_align align;
    mwk_long_window lw;
    size_t w, n;
    mwk_dtype dt;
    ptrdiff_t xs, ys;
    size_t nq; /* quantiles per window (quantile only; 0: one) */
    int threads;
    uint64_t seed;
} gcase;

static const double QS[2] = {0.25, 0.9};

static void run_case(const gcase *c) {
    mt_rng r;
    mt_rng_seed(&r, c->seed);
    const size_t n = c->n, w = c->w;
    int64_t *off = malloc((2 * n + 5) * sizeof *off);
    const size_t G = make_groups(&r, n, w, c->lw == MWK_LONG_WINDOW_CLIP, off, 2 * n + 4);
    double *xd = malloc((n ? n : 1) * sizeof *xd);
    fill(&r, xd, n, 1);
    /* Integer dtypes hold no NaN/inf, and converting one (or a negative value
     * to an unsigned type, or one out of range) is undefined behaviour:
     * small integers instead. */
    if (!(c->dt == MWK_F64 || c->dt == MWK_F32 || c->dt == MWK_F16)) {
        const int is_unsigned = c->dt == MWK_U64 || c->dt == MWK_U32 || c->dt == MWK_U16 ||
                                c->dt == MWK_U8 || c->dt == MWK_BOOL;
        for (size_t i = 0; i < n; i++) {
            double v = isfinite(xd[i]) ? fmod(nearbyint(xd[i]), 100.0) : 0.0;
            xd[i] = is_unsigned ? fabs(v) : v;
        }
    }
    void *xc = mt_from_doubles(xd, n, c->dt);
    const size_t ies = mt_elsize(c->dt);
    const size_t xs = (size_t)c->xs;
    char *x = calloc(n * xs + 1, ies);
    for (size_t i = 0; i < n; i++) memcpy(x + i * xs * ies, (char *)xc + i * ies, ies);

    mwk_params p;
    mwk_params_init(&p);
    if (c->nq) {
        p.quantiles = QS;
        p.n_quantiles = c->nq;
    }
    mwk_options o;
    mwk_options_init(&o);
    o.algorithm = c->algo;
    o.target = c->target;
    o.align = c->align;
    o.long_window = c->lw;
    o.threads = c->threads;
    o.min_count = 1 + (size_t)(c->seed % w);
    size_t k = 1, L;
    cr_assert_eq(mwk_move_n_out(c->stat, &p, &k), MWK_OK);
    cr_assert_eq(mwk_move_grouped_len(off, G, w, &o, &L), MWK_OK);
    mwk_dtype odt;
    mwk_move_out_dtype(c->stat, c->dt, &odt);
    const size_t oes = mt_elsize(odt), ys = (size_t)c->ys;
    const size_t ybytes = (L * ys * k + 1) * oes;
    char *y1 = malloc(ybytes), *y2 = malloc(ybytes);
    memset(y1, SENT, ybytes);
    memset(y2, SENT, ybytes);
    const ptrdiff_t yps = (ptrdiff_t)(ys * k), yqs = (ptrdiff_t)ys;
    mwk_status s1 = mwk_move_grouped(c->stat, &p, x, c->dt, n, c->xs, off, G, y1, yps, yqs, w, &o);
    mwk_status s2 = per_group(c->stat, &p, x, c->dt, c->xs, off, G, y2, yps, yqs, w, &o);
    cr_assert_eq(s1, s2, "%s %s %s %s lw=%d w=%zu n=%zu G=%zu: status %d vs per-group %d",
                 mwk_stat_name(c->stat), mt_algo_str(c->algo), c->target, mt_align_str(c->align), (int)c->lw, w,
                 n, G, (int)s1, (int)s2);
    if (s1 == MWK_OK && memcmp(y1, y2, ybytes) != 0) {
        size_t bad = 0;
        while (y1[bad] == y2[bad]) bad++;
        cr_assert_fail("%s %s %s %s lw=%d w=%zu n=%zu G=%zu dt=%s nq=%zu thr=%d: byte %zu differs",
                       mwk_stat_name(c->stat), mt_algo_str(c->algo), c->target, mt_align_str(c->align),
                       (int)c->lw, w, n, G, mt_dtype_str(c->dt), c->nq, c->threads, bad);
    }
    free(y1), free(y2), free(x), free(xc), free(xd), free(off);
}

static size_t stat_algos(mwk_stat s, mwk_algorithm *out) {
    mwk_stat_info info;
    memset(&info, 0, sizeof info);
    info.struct_size = sizeof info;
    cr_assert_eq(mwk_stat_info_get(s, &info), MWK_OK);
    size_t m = 0;
    out[m++] = MWK_ALGO_AUTO;
    for (size_t i = 0; i < info.n_algorithms && m < 16; i++)
        if (mwk_stat_has_algorithm(s, info.algorithms[i])) out[m++] = info.algorithms[i];
    return m;
}

static unsigned stat_params(mwk_stat s) {
    mwk_stat_info info;
    memset(&info, 0, sizeof info);
    info.struct_size = sizeof info;
    mwk_stat_info_get(s, &info);
    return info.params;
}

/* The grid: every statistic x algorithm x target x alignment x rule. */
Test(grouped, grid_bit_identical) {
    const char *const *targets;
    const size_t nt = mt_targets(&targets);
    const size_t windows[] = {1, 4, 23};
    const size_t n = mt_size(1500, 400);
    uint64_t seed = 1;
    for (size_t s = 0; s < mwk_stat_count(); s++) {
        mwk_algorithm al[16];
        const size_t na = stat_algos((mwk_stat)s, al);
        for (size_t a = 0; a < na; a++)
            for (size_t t = 0; t < nt; t++)
                for (int align = 0; align < 3; align++)
                    for (int lw = 0; lw < 2; lw++)
                        for (size_t wi = 0; wi < 3; wi++) {
                            gcase c = {(mwk_stat)s, al[a], targets[t], (mwk_align)align,
                                       lw ? MWK_LONG_WINDOW_CLIP : MWK_LONG_WINDOW_ERROR, windows[wi], n,
                                       MWK_F64, 1, 1, 0, 1, seed++};
                            run_case(&c);
                        }
    }
}

/* dtypes, strides, several quantiles per window, tiny and empty arrays. */
Test(grouped, dtypes_strides_quantiles) {
    uint64_t seed = 1000;
    const mwk_dtype dts[] = {MWK_F32, MWK_I64, MWK_U8, MWK_F16};
    for (size_t s = 0; s < mwk_stat_count(); s++)
        for (size_t d = 0; d < 4; d++)
            for (int align = 0; align < 3; align++) {
                gcase c = {(mwk_stat)s, MWK_ALGO_AUTO, NULL, (mwk_align)align, MWK_LONG_WINDOW_CLIP, 5,
                           mt_size(700, 200), dts[d], 3, 2, 0, 1, seed++};
                run_case(&c);
                if (stat_params((mwk_stat)s) & MWK_PARAM_QUANTILE) {
                    c.nq = 2;
                    run_case(&c);
                }
                c.n = 0; /* no groups at all (offsets {0}) */
                c.nq = 0;
                run_case(&c);
                c.n = 1;
                run_case(&c);
            }
}

/* Threads: many groups (parallel over groups) and groups long enough for the
 * engine's own threads; results equal the per-group calls (single-threaded). */
Test(grouped, threads) {
    mwk_stat ms[] = {MWK_STAT_MEAN, MWK_STAT_STD, MWK_STAT_MAX};
    for (size_t i = 0; i < 3; i++)
        for (int align = 0; align < 3; align++) {
            gcase c = {ms[i], MWK_ALGO_AUTO, NULL, (mwk_align)align, MWK_LONG_WINDOW_CLIP, 10,
                       mt_size(200000, 70000), MWK_F64, 1, 1, 0, 3, 77 + (uint64_t)align};
            run_case(&c);
            /* w = 300: groups up to ~2,700 values, some past the length
             * (2048) from which groups are computed in place, one by one */
            c.w = 300;
            c.seed += 100;
            run_case(&c);
            c.threads = 1;
            run_case(&c);
        }
    /* One group past GROUPED_LONG (2^18) among small ones. */
    const size_t n = 300000 + 1000;
    int64_t off[6] = {0, 100, 100, 300100, 300600, (int64_t)n};
    double *x = malloc(n * sizeof *x), *y1 = malloc(n * sizeof *y1), *y2 = malloc(n * sizeof *y2);
    mt_rng r;
    mt_rng_seed(&r, 5);
    fill(&r, x, n, 1);
    for (int align = 0; align < 3; align++) {
        mwk_options o;
        mwk_options_init(&o);
        o.align = (mwk_align)align;
        o.threads = 2;
        memset(y1, SENT, n * sizeof *y1);
        memset(y2, SENT, n * sizeof *y2);
        cr_assert_eq(mwk_move_grouped(MWK_STAT_MEAN, NULL, x, MWK_F64, n, 1, off, 5, y1, 1, 1, 50, &o), MWK_OK);
        cr_assert_eq(per_group(MWK_STAT_MEAN, NULL, x, MWK_F64, 1, off, 5, y2, 1, 1, 50, &o), MWK_OK);
        cr_assert_eq(memcmp(y1, y2, n * sizeof *y1), 0, "long group, align %d", align);
    }
    free(x), free(y1), free(y2);
}

static int untouched(const unsigned char *y, size_t bytes) {
    for (size_t i = 0; i < bytes; i++)
        if (y[i] != SENT) return 0;
    return 1;
}

/* Errors: the status, and nothing written. */
Test(grouped, errors_write_nothing) {
    double x[20], y[40];
    for (int i = 0; i < 20; i++) x[i] = i;
    mwk_options o;
    mwk_options_init(&o);
    int64_t good[4] = {0, 5, 12, 20};
    struct {
        int64_t off[4];
        size_t G;
    } bad[] = {
        {{1, 5, 12, 20}, 3},  /* offsets[0] != 0 */
        {{0, 12, 5, 20}, 3},  /* decreasing */
        {{0, 5, 12, 19}, 3},  /* last != n */
        {{0, 5, 12, 21}, 3},  /* past n */
        {{0, -1, 12, 20}, 3}, /* negative */
    };
    for (size_t b = 0; b < sizeof bad / sizeof bad[0]; b++) {
        memset(y, SENT, sizeof y);
        cr_assert_eq(mwk_move_grouped(MWK_STAT_MEAN, NULL, x, MWK_F64, 20, 1, bad[b].off, bad[b].G, y, 1, 1, 3, &o),
                     MWK_E_PARAMS, "case %zu", b);
        cr_assert(untouched((unsigned char *)y, sizeof y));
        size_t L;
        if (b != 2 && b != 3)
            cr_assert_eq(mwk_move_grouped_len(bad[b].off, bad[b].G, 3, &o, &L), MWK_E_PARAMS, "len case %zu", b);
    }
    memset(y, SENT, sizeof y);
    cr_assert_eq(mwk_move_grouped(MWK_STAT_MEAN, NULL, x, MWK_F64, 20, 1, NULL, 3, y, 1, 1, 3, &o), MWK_E_NULL);
    cr_assert_eq(mwk_move_grouped(MWK_STAT_MEAN, NULL, NULL, MWK_F64, 20, 1, good, 3, y, 1, 1, 3, &o), MWK_E_NULL);
    cr_assert_eq(mwk_move_grouped(MWK_STAT_MEAN, NULL, x, MWK_F64, 20, 1, good, 3, NULL, 1, 1, 3, &o), MWK_E_NULL);
    cr_assert_eq(mwk_move_grouped_len(good, 3, 3, &o, NULL), MWK_E_NULL);
    cr_assert_eq(mwk_move_grouped_len(NULL, 3, 3, &o, (size_t[1]){0}), MWK_E_NULL);
    /* a group (5 values) shorter than the window under the error rule, even
     * though the later groups would be fine: nothing written */
    cr_assert_eq(mwk_move_grouped(MWK_STAT_MEAN, NULL, x, MWK_F64, 20, 1, good, 3, y, 1, 1, 6, &o),
                 MWK_E_WINDOW_TOO_LONG);
    size_t L;
    cr_assert_eq(mwk_move_grouped_len(good, 3, 6, &o, &L), MWK_E_WINDOW_TOO_LONG);
    /* an empty group is never too short */
    int64_t with_empty[5] = {0, 0, 10, 10, 20};
    cr_assert_eq(mwk_move_grouped_len(with_empty, 4, 10, &o, &L), MWK_OK);
    cr_assert_eq(L, 20u);
    o.align = MWK_ALIGN_VALID;
    cr_assert_eq(mwk_move_grouped_len(with_empty, 4, 10, &o, &L), MWK_OK);
    cr_assert_eq(L, 2u);
    cr_assert_eq(mwk_move_grouped_len(good, 3, 3, &o, &L), MWK_OK);
    cr_assert_eq(L, 3u + 5u + 6u);
    o.long_window = MWK_LONG_WINDOW_CLIP;
    cr_assert_eq(mwk_move_grouped_len(good, 3, 6, &o, &L), MWK_OK);
    cr_assert_eq(L, 0u + 2u + 3u);
    mwk_options_init(&o);
    cr_assert(untouched((unsigned char *)y, sizeof y));
    /* other errors, checked once for the whole array */
    o.min_count = 7;
    cr_assert_eq(mwk_move_grouped(MWK_STAT_MEAN, NULL, x, MWK_F64, 20, 1, good, 3, y, 1, 1, 3, &o),
                 MWK_E_MIN_COUNT);
    mwk_options_init(&o);
    o.target = "no-such-target";
    cr_assert_eq(mwk_move_grouped(MWK_STAT_MEAN, NULL, x, MWK_F64, 20, 1, good, 3, y, 1, 1, 3, &o), MWK_E_TARGET);
    mwk_options_init(&o);
    cr_assert_eq(mwk_move_grouped(MWK_STAT_MEAN, NULL, x, MWK_F64, 20, 1, good, 3, y, 1, 1, 0, &o), MWK_E_WINDOW);
    cr_assert_eq(mwk_move_grouped((mwk_stat)999, NULL, x, MWK_F64, 20, 1, good, 3, y, 1, 1, 3, &o), MWK_E_STAT);
    cr_assert_eq(mwk_move_grouped(MWK_STAT_MEAN, NULL, x, (mwk_dtype)99, 20, 1, good, 3, y, 1, 1, 3, &o),
                 MWK_E_DTYPE);
    o.struct_size = 3;
    cr_assert_eq(mwk_move_grouped(MWK_STAT_MEAN, NULL, x, MWK_F64, 20, 1, good, 3, y, 1, 1, 3, &o), MWK_E_OPTIONS);
    mwk_options_init(&o);
    cr_assert(untouched((unsigned char *)y, sizeof y));
    /* overlap: the output over the input, or over itself */
    double z[40];
    for (int i = 0; i < 40; i++) z[i] = i;
    cr_assert_eq(mwk_move_grouped(MWK_STAT_MEAN, NULL, z, MWK_F64, 20, 1, good, 3, z + 19, 1, 1, 3, &o),
                 MWK_E_OVERLAP);
    cr_assert_eq(mwk_move_grouped(MWK_STAT_MEAN, NULL, z, MWK_F64, 20, 2, good, 3, z + 1, 2, 1, 3, &o),
                 MWK_E_OVERLAP);
    for (int i = 0; i < 40; i++) cr_assert_eq(z[i], (double)i);
    cr_assert_eq(mwk_move_grouped(MWK_STAT_MEAN, NULL, x, MWK_F64, 20, 1, good, 3, y, 0, 1, 3, &o), MWK_E_OVERLAP);
    cr_assert(untouched((unsigned char *)y, sizeof y));
    /* the old options struct (before long_window) is read */
    o.struct_size = offsetof(mwk_options, long_window);
    cr_assert_eq(mwk_move_grouped(MWK_STAT_MEAN, NULL, x, MWK_F64, 20, 1, good, 3, y, 1, 1, 3, &o), MWK_OK);
    /* no groups */
    int64_t zero = 0;
    cr_assert_eq(mwk_move_grouped(MWK_STAT_MEAN, NULL, x, MWK_F64, 0, 1, &zero, 0, y, 1, 1, 3, NULL), MWK_OK);
}
