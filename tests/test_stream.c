/*
 * Streams (include/mwk_stream.h): every output of a stream is BIT-IDENTICAL
 * to one mwk_move_batch_k call over the concatenation of the chunks, for
 * every statistic of the registry, each of its algorithms and auto, every
 * target, dtype, alignment, NaN policy, min_count and long-window rule, and
 * any chunking (one chunk, chunks of 1, random cuts with empty chunks,
 * chunks straddling segment boundaries), with the state serialised, freed
 * and restored at random points. The reference is the one call itself (the
 * contract is identity with it; its accuracy is test_stats' business).
 * Also: rows with strides of any sign, quantiles, weights, the error
 * contract (capacity consumes nothing, finished/broken streams, n < w under
 * each long-window rule) and restore's checks (every byte of a blob
 * flipped, every truncation, garbage, another version).
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mwk.h>
#include <mwk_stream.h>

#include "mt_common.h"

/* ---- data ------------------------------------------------------------------- */

/* Rough, adversarial data: normal values, ties, signed zeros, runs of NaN,
 * +-inf, huge values (overflow of sums), and for int64 values beyond 2^53. */
static void *make_data(mwk_dtype dt, size_t n, uint64_t seed, int dirty) {
    mt_rng r;
    mt_rng_seed(&r, seed);
    void *x = mt_alloc((n ? n : 1) * mt_elsize(dt));
    const int is_float = dt == MWK_F64 || dt == MWK_F32 || dt == MWK_F16;
    size_t run = 0;
    double run_v = 0.0;
    for (size_t i = 0; i < n; i++) {
        const double u = mt_rng_unif(&r);
        if (dt == MWK_I64 || dt == MWK_U64) {
            int64_t v = (int64_t)(mt_rng_u64(&r) % 2001) - 1000;
            if (u < 0.15) v = (int64_t)(((uint64_t)1 << 53) + (mt_rng_u64(&r) % 9)); /* beyond 2^53, ties */
            if (u > 0.95) v = -v;
            if (dt == MWK_U64 && v < 0) v = -v;
            memcpy((char *)x + i * 8, &v, 8);
            continue;
        }
        if (!is_float) {
            double v = (double)((int64_t)(mt_rng_u64(&r) % 201) - 100);
            if (dt == MWK_U8 || dt == MWK_U16 || dt == MWK_U32 || dt == MWK_BOOL) v = fabs(v);
            if (dt == MWK_BOOL) v = v > 50;
            if ((dt == MWK_I8 || dt == MWK_U8) && fabs(v) > 100) v = 0;
            mt_put(x, dt, i, v);
            continue;
        }
        double v = round(mt_rng_normal(&r) * 8.0) / 4.0; /* ties and zeros */
        if (u < 0.05) v = -0.0;
        if (dirty) {
            if (run) {
                v = run_v, run--;
            } else if (u > 0.97) {
                const double k = mt_rng_unif(&r);
                run_v = k < 0.5 ? NAN : k < 0.7 ? INFINITY : k < 0.85 ? -INFINITY : NAN;
                run = (size_t)(mt_rng_u64(&r) % 12);
                v = run_v;
            } else if (u > 0.955 && dt == MWK_F64) {
                v = (u > 0.962 ? 1.0 : -1.0) * 1.5e308; /* sums overflow */
            } else if (u > 0.95) {
                v = 1e6 * mt_rng_normal(&r);
            }
        }
        mt_put(x, dt, i, v);
    }
    return x;
}

/* ---- one configuration ---------------------------------------------------- */

typedef struct {
    mwk_stat stat;
    mwk_algorithm algo;
    const char *target;
    mwk_dtype dtype;
    mwk_align align;
    mwk_nan_policy policy;
    size_t min_count; /* MWK_MIN_COUNT_WINDOW or a count */
    mwk_long_window lw;
    size_t rows, n, w;
    int chunking;     /* 0 one chunk, 1 chunks of 1, 2 random small, 3 random large */
    int save;         /* serialise / free / restore at random points */
    int dirty;
    int ddof;
    size_t nq;        /* quantiles (0: the default single one) */
    int weights;
    int threads;      /* 0: 1 */
    uint64_t seed;
} cfg;

static const char *chunk_str[] = {"one", "ones", "small", "large"};

static void cfg_print(const cfg *c) {
    fprintf(stderr,
            "stream cfg: stat=%s algo=%s target=%s dtype=%s align=%s nan=%s min_count=%zu "
            "lw=%d rows=%zu n=%zu w=%zu chunks=%s save=%d dirty=%d ddof=%d nq=%zu weights=%d "
            "seed=0x%llx\n",
            mwk_stat_name(c->stat), mt_algo_str(c->algo), c->target ? c->target : "(process)",
            mt_dtype_str(c->dtype), mt_align_str(c->align), mt_policy_str(c->policy),
            c->min_count, (int)c->lw, c->rows, c->n, c->w, chunk_str[c->chunking], c->save,
            c->dirty, c->ddof, c->nq, c->weights, (unsigned long long)c->seed);
}

static void fill_opts(const cfg *c, mwk_options *o) {
    mwk_options_init(o);
    o->algorithm = c->algo;
    o->target = c->target;
    o->align = c->align;
    o->nan_policy = c->policy;
    o->min_count = c->min_count;
    o->long_window = c->lw;
    o->threads = c->threads ? c->threads : 1;
}

/* Serialise, free, restore. */
static mwk_stream *reload(mwk_stream *s, int threads) {
    size_t size = 0;
    cr_assert_eq(mwk_stream_serialize(s, NULL, 0, &size), MWK_OK);
    unsigned char *blob = malloc(size);
    size_t got = 0;
    cr_assert_eq(mwk_stream_serialize(s, blob, size, &got), MWK_OK);
    cr_assert_eq(got, size);
    mwk_stream_free(s);
    mwk_stream *t = NULL;
    cr_assert_eq(mwk_stream_restore(blob, size, threads, &t), MWK_OK);
    free(blob);
    return t;
}

/* Runs one configuration; returns 1 on a mismatch (printed). */
static int run_cfg(const cfg *c) {
    mt_rng r;
    mt_rng_seed(&r, c->seed ^ 0x5151);
    const size_t es = mt_elsize(c->dtype);
    const size_t rows = c->rows, n = c->n, w = c->w;
    void *x = make_data(c->dtype, rows * n, c->seed, c->dirty);
    double qv[4] = {0.5, 0.0, 1.0, 0.3};
    double *wt = NULL;
    mwk_params prm;
    mwk_params_init(&prm);
    prm.ddof = c->ddof;
    if (c->nq) prm.quantiles = qv, prm.n_quantiles = c->nq;
    if (c->weights) {
        wt = malloc(w * sizeof *wt);
        for (size_t i = 0; i < w; i++) wt[i] = (double)((i * 7) % 5) - 1.0;
        prm.weights = wt, prm.n_weights = w;
    }
    mwk_options o;
    fill_opts(c, &o);
    mwk_dtype odt;
    cr_assert_eq(mwk_move_out_dtype(c->stat, c->dtype, &odt), MWK_OK);
    const size_t oes = mt_elsize(odt);
    size_t K = 1;
    cr_assert_eq(mwk_move_n_out(c->stat, &prm, &K), MWK_OK);

    size_t L = 0;
    mwk_status st_ref = mwk_move_len(n, w, &o, &L);
    if (st_ref != MWK_OK) L = 0;
    const size_t ybytes = (rows * L * K + 1) * oes;
    unsigned char *yref = calloc(1, ybytes), *yst = calloc(1, ybytes);
    if (st_ref == MWK_OK)
        st_ref = mwk_move_batch_k(c->stat, &prm, x, c->dtype, rows, n, (ptrdiff_t)n, 1, yref,
                                  (ptrdiff_t)(L * K), (ptrdiff_t)K, 1, w, &o);

    mwk_stream *s = NULL;
    mwk_status st = mwk_stream_create(c->stat, &prm, c->dtype, rows, w, &o, &s);
    int bad = 0;
    if (st != MWK_OK) {
        cfg_print(c);
        fprintf(stderr, "  create: %s\n", mwk_status_str(st));
        bad = 1;
        goto out;
    }
    /* The parameters were copied: clobber ours. */
    if (wt) memset(wt, 0xff, w * sizeof *wt);
    qv[0] = qv[1] = qv[2] = qv[3] = NAN;

    size_t at = 0, emitted = 0;
    while (at < n || (at == 0 && n == 0)) {
        size_t len;
        switch (c->chunking) {
        case 0: len = n; break;
        case 1: len = 1; break;
        case 2: len = (size_t)(mt_rng_u64(&r) % (2 * w + 3)); break;
        default: len = (size_t)(mt_rng_u64(&r) % (n / 3 + 2)); break;
        }
        if (len > n - at) len = n - at;
        size_t mo = 0;
        cr_assert_eq(mwk_stream_max_out(s, len, 0, &mo), MWK_OK);
        size_t got = 0;
        st = mwk_stream_push(s, (const char *)x + at * es, len, (ptrdiff_t)n, 1,
                             yst + emitted * K * oes, L - emitted, (ptrdiff_t)(L * K),
                             (ptrdiff_t)K, 1, &got);
        if (st != MWK_OK || got > mo || emitted + got > L) {
            cfg_print(c);
            fprintf(stderr, "  push at %zu len %zu: %s got %zu max_out %zu\n", at, len,
                    mwk_status_str(st), got, mo);
            bad = 1;
            goto out;
        }
        mwk_stream_info info;
        cr_assert_eq(mwk_stream_get_info(s, &info), MWK_OK);
        if (w <= at + len && info.n_emitted + info.max_held + w < at + len) {
            cfg_print(c);
            fprintf(stderr, "  held back more than max_held %zu: n_in %llu emitted %llu\n",
                    info.max_held, (unsigned long long)info.n_in,
                    (unsigned long long)info.n_emitted);
            bad = 1;
        }
        at += len, emitted += got;
        if (c->save && mt_rng_unif(&r) < 0.25) s = reload(s, c->threads);
        if (n == 0) break;
    }
    size_t mo = 0, got = 0;
    cr_assert_eq(mwk_stream_max_out(s, 0, 1, &mo), MWK_OK);
    st = mwk_stream_finish(s, yst + emitted * K * oes, L - emitted, (ptrdiff_t)(L * K),
                           (ptrdiff_t)K, 1, &got);
    if (st != st_ref) {
        cfg_print(c);
        fprintf(stderr, "  finish: %s, one call: %s\n", mwk_status_str(st), mwk_status_str(st_ref));
        bad = 1;
        goto out;
    }
    if (st != MWK_OK) goto out;
    if (got > mo || emitted + got != L) {
        cfg_print(c);
        fprintf(stderr, "  finish gave %zu (max_out %zu), %zu before, %zu expected\n", got, mo,
                emitted, L);
        bad = 1;
        goto out;
    }
    if (memcmp(yref, yst, rows * L * K * oes) != 0) {
        cfg_print(c);
        size_t shown = 0;
        for (size_t i = 0; i < rows * L * K && shown < 4; i++) {
            if (memcmp(yref + i * oes, yst + i * oes, oes) == 0) continue;
            double a, b;
            if (oes == 8) memcpy(&a, yref + i * 8, 8), memcpy(&b, yst + i * 8, 8);
            else {
                float fa, fb;
                memcpy(&fa, yref + i * 4, 4), memcpy(&fb, yst + i * 4, 4);
                a = fa, b = fb;
            }
            fprintf(stderr, "  row %zu output %zu value %zu: one call %.17g, stream %.17g\n",
                    i / (L * K), (i / K) % L, i % K, a, b);
            shown++;
        }
        bad = 1;
    }
out:
    mwk_stream_free(s);
    free(yref);
    free(yst);
    free(wt);
    mt_free(x);
    return bad;
}

/* ---- the grid --------------------------------------------------------------- */

static const mwk_dtype DTYPES[] = {MWK_F64, MWK_F32, MWK_I64, MWK_U64, MWK_I32, MWK_F16, MWK_U8};

static cfg random_cfg(mt_rng *r, mwk_stat stat, mwk_algorithm algo, const char *target) {
    cfg c;
    memset(&c, 0, sizeof c);
    c.stat = stat, c.algo = algo, c.target = target;
    c.dtype = DTYPES[mt_rng_u64(r) % (sizeof DTYPES / sizeof DTYPES[0])];
    c.align = (mwk_align)(mt_rng_u64(r) % 3);
    c.policy = mt_rng_u64(r) % 2 ? MWK_NAN_PROPAGATE : MWK_NAN_SKIP;
    c.lw = mt_rng_u64(r) % 2 ? MWK_LONG_WINDOW_CLIP : MWK_LONG_WINDOW_ERROR;
    static const size_t WS[] = {1, 2, 3, 5, 8, 13, 64, 65, 100, 257};
    c.w = WS[mt_rng_u64(r) % (sizeof WS / sizeof WS[0])];
    c.min_count = mt_rng_u64(r) % 2 ? MWK_MIN_COUNT_WINDOW : 1 + (size_t)(mt_rng_u64(r) % c.w);
    const size_t nmax = mt_quick() == 2 ? 300 : 1500;
    c.n = (size_t)(mt_rng_u64(r) % nmax);
    if (mt_rng_u64(r) % 8 == 0) c.n = (size_t)(mt_rng_u64(r) % (c.w + 2)); /* around w */
    c.rows = 1 + (size_t)(mt_rng_u64(r) % 2);
    c.chunking = (int)(mt_rng_u64(r) % 4);
    if (c.chunking == 1 && c.n > 400) c.chunking = 2;
    c.save = (int)(mt_rng_u64(r) % 2);
    c.dirty = mt_rng_u64(r) % 4 != 0;
    mwk_stat_info si;
    memset(&si, 0, sizeof si);
    si.struct_size = sizeof si;
    mwk_stat_info_get(stat, &si);
    if (si.params & MWK_PARAM_DDOF) c.ddof = (int)(mt_rng_u64(r) % 2);
    if ((si.params & MWK_PARAM_QUANTILE) && mt_rng_u64(r) % 2) c.nq = 1 + (size_t)(mt_rng_u64(r) % 4);
    if ((si.params & MWK_PARAM_WEIGHTS) && mt_rng_u64(r) % 3) c.weights = 1;
    c.seed = mt_rng_u64(r);
    return c;
}

Test(stream, grid, .timeout = 600) {
    const char *const *targets;
    const size_t nt = mt_targets(&targets);
    size_t per = mt_quick() == 2 ? 1 : mt_quick() ? 3 : 30;
    uint64_t seed = 12;
    /* Longer hunts: MWK_TEST_STREAM_PER=configurations per (stat, algorithm,
     * target), MWK_TEST_STREAM_SEED=another grid. */
    if (getenv("MWK_TEST_STREAM_PER")) per = (size_t)strtoull(getenv("MWK_TEST_STREAM_PER"), NULL, 10);
    if (getenv("MWK_TEST_STREAM_SEED")) seed = strtoull(getenv("MWK_TEST_STREAM_SEED"), NULL, 10);
    mt_rng r;
    mt_rng_seed(&r, seed);
    size_t fails = 0, runs = 0;
    for (size_t st = 0; st < mwk_stat_count(); st++) {
        mwk_stat_info si;
    memset(&si, 0, sizeof si);
    si.struct_size = sizeof si;
        cr_assert_eq(mwk_stat_info_get((mwk_stat)st, &si), MWK_OK);
        for (size_t ai = 0; ai <= si.n_algorithms; ai++) {
            const mwk_algorithm a = ai == si.n_algorithms ? MWK_ALGO_AUTO : si.algorithms[ai];
            if (!mwk_stat_has_algorithm((mwk_stat)st, a)) continue;
            for (size_t t = 0; t < nt; t++)
                for (size_t i = 0; i < per; i++) {
                    cfg c = random_cfg(&r, (mwk_stat)st, a, targets[t]);
                    fails += run_cfg(&c);
                    runs++;
                }
        }
    }
    cr_assert_eq(fails, 0, "%zu of %zu stream configurations differ from the one call", fails,
                 runs);
}

/* Rows longer than a segment (S = 65536 windows for w <= 8192): chunks that
 * straddle segment boundaries, for every algorithm of a few statistics. */
Test(stream, segments, .timeout = 600) {
    const char *const *targets;
    const size_t nt = mt_targets(&targets);
    const mwk_stat stats[] = {MWK_STAT_MEAN, MWK_STAT_VAR, MWK_STAT_MIN, MWK_STAT_ARGMAX,
                              MWK_STAT_MEDIAN, MWK_STAT_WEIGHTED_MEAN, MWK_STAT_RANK};
    mt_rng r;
    mt_rng_seed(&r, 99);
    size_t fails = 0;
    const size_t n = mt_quick() == 2 ? 70000 : 140000;
    for (size_t si_ = 0; si_ < sizeof stats / sizeof stats[0]; si_++) {
        mwk_stat_info si;
    memset(&si, 0, sizeof si);
    si.struct_size = sizeof si;
        cr_assert_eq(mwk_stat_info_get(stats[si_], &si), MWK_OK);
        for (size_t ai = 0; ai <= si.n_algorithms; ai++) {
            const mwk_algorithm a = ai == si.n_algorithms ? MWK_ALGO_AUTO : si.algorithms[ai];
            if (!mwk_stat_has_algorithm(stats[si_], a)) continue;
            if (a == MWK_ALGO_NAIVE && stats[si_] != MWK_STAT_MEAN) continue; /* O(n w) */
            for (size_t t = 0; t < nt; t++) {
                if (mt_quick() && t) continue;
                cfg c = random_cfg(&r, stats[si_], a, targets[t]);
                c.n = n;
                c.w = (size_t)1 + (size_t)(mt_rng_u64(&r) % 40);
                if (c.weights) c.weights = 1;
                c.min_count = MWK_MIN_COUNT_WINDOW;
                c.rows = 1;
                c.chunking = 3;
                c.dtype = mt_rng_u64(&r) % 2 ? MWK_F64 : MWK_F32;
                fails += run_cfg(&c);
            }
        }
    }
    cr_assert_eq(fails, 0, "%zu long-row configurations differ", fails);
}

/* Rows with strides of any sign, strided outputs of float32. */
Test(stream, strides) {
    const size_t rows = 3, n = 900, w = 37;
    for (int variant = 0; variant < 4; variant++) {
        const mwk_stat stat = variant % 2 ? MWK_STAT_STD : MWK_STAT_QUANTILE;
        const mwk_dtype dt = variant < 2 ? MWK_F64 : MWK_F32;
        const size_t es = mt_elsize(dt);
        double *src = make_data(MWK_F64, rows * n, 77 + variant, 1);
        /* x: rows in reverse order, element stride 2 (negative for variant 3). */
        const ptrdiff_t xs = variant == 3 ? -2 : 2;
        unsigned char *X = mt_alloc(rows * n * 2 * es);
        for (size_t rr = 0; rr < rows; rr++)
            for (size_t i = 0; i < n; i++) {
                const size_t pos = (rows - 1 - rr) * n * 2 + (xs > 0 ? i * 2 : (n - 1 - i) * 2);
                mt_put(X, dt, pos, src[rr * n + i]);
            }
        void *xc = mt_alloc(rows * n * es);
        for (size_t i = 0; i < rows * n; i++) mt_put(xc, dt, i, src[i]);
        double qv[3] = {0.1, 0.5, 0.9};
        mwk_params prm;
        mwk_params_init(&prm);
        if (stat == MWK_STAT_QUANTILE) prm.quantiles = qv, prm.n_quantiles = 3;
        const size_t K = stat == MWK_STAT_QUANTILE ? 3 : 1;
        mwk_options o;
        mwk_options_init(&o);
        o.align = MWK_ALIGN_CENTERED;
        o.threads = 2;
        mwk_dtype odt;
        mwk_move_out_dtype(stat, dt, &odt);
        const size_t oes = mt_elsize(odt);
        unsigned char *yref = calloc(rows * n * K, oes);
        cr_assert_eq(mwk_move_batch_k(stat, &prm, xc, dt, rows, n, (ptrdiff_t)n, 1, yref,
                                      (ptrdiff_t)(n * K), (ptrdiff_t)K, 1, w, &o),
                     MWK_OK);
        /* y: layout (q, row, position), positions 2 apart. */
        const ptrdiff_t yqs = (ptrdiff_t)(rows * n * 2), yrs = (ptrdiff_t)(n * 2), ys = 2;
        unsigned char *Y = calloc(K * rows * n * 2, oes);
        mwk_stream *s = NULL;
        cr_assert_eq(mwk_stream_create(stat, &prm, dt, rows, w, &o, &s), MWK_OK);
        size_t at = 0, emitted = 0, chunk = 1;
        while (at < n) {
            size_t len = chunk < n - at ? chunk : n - at;
            chunk = chunk * 3 + 1;
            /* Row 0 of the push is the last row of X, going backwards. */
            const ptrdiff_t first =
                (ptrdiff_t)((rows - 1) * n * 2) + (xs > 0 ? (ptrdiff_t)at * 2 : (ptrdiff_t)(n - 1 - at) * 2);
            size_t got = 0;
            cr_assert_eq(mwk_stream_push(s, X + first * (ptrdiff_t)es, len, -(ptrdiff_t)(n * 2), xs,
                                         Y + (size_t)(emitted * ys) * oes, n - emitted, yrs, ys,
                                         yqs, &got),
                         MWK_OK);
            at += len, emitted += got;
            if (variant % 2) s = reload(s, 2);
        }
        size_t got = 0;
        cr_assert_eq(mwk_stream_finish(s, Y + (size_t)(emitted * ys) * oes, n - emitted, yrs, ys,
                                       yqs, &got),
                     MWK_OK);
        cr_assert_eq(emitted + got, n);
        for (size_t rr = 0; rr < rows; rr++)
            for (size_t j = 0; j < n; j++)
                for (size_t q = 0; q < K; q++)
                    cr_assert(memcmp(yref + ((rr * n + j) * K + q) * oes,
                                     Y + (q * (size_t)yqs + rr * (size_t)yrs + j * (size_t)ys) * oes,
                                     oes) == 0,
                              "variant %d row %zu output %zu q %zu", variant, rr, j, q);
        mwk_stream_free(s);
        free(Y);
        free(yref);
        mt_free(xc);
        mt_free(X);
        mt_free(src);
    }
}

/* Many rows pushed at once (threads over rows). */
Test(stream, many_rows) {
    cfg c;
    memset(&c, 0, sizeof c);
    c.stat = MWK_STAT_MEAN, c.algo = MWK_ALGO_AUTO, c.dtype = MWK_F64;
    c.align = MWK_ALIGN_CENTERED, c.policy = MWK_NAN_SKIP, c.min_count = 3;
    c.lw = MWK_LONG_WINDOW_ERROR, c.rows = 64, c.n = 3000, c.w = 50, c.chunking = 3;
    c.save = 1, c.dirty = 1, c.seed = 5, c.threads = 2;
    cr_assert_eq(run_cfg(&c), 0);
    c.stat = MWK_STAT_MEDIAN, c.seed = 6;
    cr_assert_eq(run_cfg(&c), 0);
}

/* ---- errors ----------------------------------------------------------------- */

static mwk_stream *mean_stream(size_t w, mwk_long_window lw, mwk_align al) {
    mwk_options o;
    mwk_options_init(&o);
    o.long_window = lw;
    o.align = al;
    mwk_stream *s = NULL;
    cr_assert_eq(mwk_stream_create(MWK_STAT_MEAN, NULL, MWK_F64, 1, w, &o, &s), MWK_OK);
    return s;
}

Test(stream, errors) {
    double x[100], y[200];
    for (int i = 0; i < 100; i++) x[i] = i;
    size_t got = 0;
    mwk_stream *s = NULL;
    cr_assert_eq(mwk_stream_create(MWK_STAT_MEAN, NULL, MWK_F64, 1, 5, NULL, NULL), MWK_E_NULL);
    cr_assert_eq(mwk_stream_create(MWK_STAT_MEAN, NULL, MWK_F64, 1, 0, NULL, &s), MWK_E_WINDOW);
    cr_assert_eq(mwk_stream_create((mwk_stat)999, NULL, MWK_F64, 1, 5, NULL, &s), MWK_E_STAT);
    cr_assert_eq(mwk_stream_create(MWK_STAT_MEAN, NULL, (mwk_dtype)999, 1, 5, NULL, &s), MWK_E_DTYPE);
    cr_assert_eq(mwk_stream_create(MWK_STAT_MEAN, NULL, MWK_F64, 0, 5, NULL, &s), MWK_E_PARAMS);
    mwk_params pw;
    mwk_params_init(&pw);
    pw.n_weights = 4;
    pw.weights = x;
    cr_assert_eq(mwk_stream_create(MWK_STAT_WEIGHTED_SUM, &pw, MWK_F64, 1, 5, NULL, &s), MWK_E_PARAMS);
    mwk_stream_free(NULL);

    s = mean_stream(5, MWK_LONG_WINDOW_ERROR, MWK_ALIGN_TRAILING);
    cr_assert_eq(mwk_stream_push(s, NULL, 3, 0, 1, y, 10, 0, 1, 1, &got), MWK_E_NULL);
    cr_assert_eq(mwk_stream_push(s, x, 3, 0, 1, y, 10, 0, 1, 1, NULL), MWK_E_NULL);
    cr_assert_eq(mwk_stream_push(s, x, 10, 0, 1, NULL, 10, 0, 1, 1, &got), MWK_E_NULL);
    /* Capacity: nothing consumed. */
    size_t due = 0;
    cr_assert_eq(mwk_stream_max_out(s, 10, 0, &due), MWK_OK);
    cr_assert_geq(due, 4);
    cr_assert_eq(mwk_stream_push(s, x, 10, 0, 1, y, due - 1, 0, 1, 1, &got), MWK_E_CAPACITY);
    mwk_stream_info info;
    cr_assert_eq(mwk_stream_get_info(s, &info), MWK_OK);
    cr_assert_eq(info.n_in, 0);
    /* Overlap of input and output. */
    cr_assert_eq(mwk_stream_push(s, x, 10, 0, 1, x + 5, 10, 0, 1, 1, &got), MWK_E_OVERLAP);
    cr_assert_eq(mwk_stream_push(s, x, 10, 0, 1, y, due, 0, 1, 1, &got), MWK_OK);
    cr_assert_eq(got, due);
    double yr[100];
    mwk_options o;
    mwk_options_init(&o);
    cr_assert_eq(mwk_move(MWK_STAT_MEAN, NULL, x, MWK_F64, 10, 1, yr, 1, 5, &o), MWK_OK);
    size_t rest = 0;
    cr_assert_eq(mwk_stream_finish(s, y + due, 10 - due, 0, 1, 1, &rest), MWK_OK);
    cr_assert_eq(due + rest, 10);
    cr_assert(memcmp(y, yr, 10 * sizeof(double)) == 0);
    cr_assert_eq(mwk_stream_push(s, x, 1, 0, 1, y, 10, 0, 1, 1, &got), MWK_E_STATE);
    cr_assert_eq(mwk_stream_finish(s, y, 10, 0, 1, 1, &got), MWK_E_STATE);
    cr_assert_eq(mwk_stream_get_info(s, &info), MWK_OK);
    cr_assert(info.finished);
    mwk_stream_free(s);

    /* Fewer values than the window: each long-window rule, as the one call. */
    for (int al = 0; al < 3; al++) {
        s = mean_stream(50, MWK_LONG_WINDOW_ERROR, (mwk_align)al);
        cr_assert_eq(mwk_stream_push(s, x, 20, 0, 1, y, 100, 0, 1, 1, &got), MWK_OK);
        cr_assert_eq(got, 0);
        cr_assert_eq(mwk_stream_finish(s, y, 100, 0, 1, 1, &got), MWK_E_WINDOW_TOO_LONG);
        /* Unchanged: more values make it whole. */
        cr_assert_eq(mwk_stream_push(s, x + 20, 40, 0, 1, y, 100, 0, 1, 1, &got), MWK_OK);
        mwk_stream_free(s);
        s = mean_stream(50, MWK_LONG_WINDOW_CLIP, (mwk_align)al);
        cr_assert_eq(mwk_stream_push(s, x, 20, 0, 1, y, 100, 0, 1, 1, &got), MWK_OK);
        cr_assert_eq(got, 0);
        size_t mo = 0;
        cr_assert_eq(mwk_stream_max_out(s, 0, 1, &mo), MWK_OK);
        cr_assert_eq(mwk_stream_finish(s, y, 100, 0, 1, 1, &got), MWK_OK);
        cr_assert_eq(got, al == MWK_ALIGN_VALID ? 0 : 20);
        cr_assert_leq(got, mo);
        mwk_options_init(&o);
        o.align = (mwk_align)al;
        o.long_window = MWK_LONG_WINDOW_CLIP;
        cr_assert_eq(mwk_move(MWK_STAT_MEAN, NULL, x, MWK_F64, 20, 1, yr, 1, 50, &o), MWK_OK);
        cr_assert(memcmp(y, yr, got * sizeof(double)) == 0);
        mwk_stream_free(s);
        /* Nothing at all. */
        s = mean_stream(50, MWK_LONG_WINDOW_CLIP, (mwk_align)al);
        cr_assert_eq(mwk_stream_finish(s, NULL, 0, 0, 1, 1, &got), MWK_OK);
        cr_assert_eq(got, 0);
        mwk_stream_free(s);
        s = mean_stream(50, MWK_LONG_WINDOW_ERROR, (mwk_align)al);
        cr_assert_eq(mwk_stream_finish(s, NULL, 0, 0, 1, 1, &got), MWK_E_WINDOW_TOO_LONG);
        mwk_stream_free(s);
    }
}

/* A small blob, every corruption: MWK_E_STATE, never a crash. */
Test(stream, corrupt) {
    double x[80]; /* 2 rows, 40 apart */
    for (int i = 0; i < 80; i++) x[i] = i * 0.5;
    double q[2] = {0.25, 0.75};
    mwk_params prm;
    mwk_params_init(&prm);
    prm.quantiles = q, prm.n_quantiles = 2;
    mwk_stream *s = NULL;
    cr_assert_eq(mwk_stream_create(MWK_STAT_QUANTILE, &prm, MWK_F64, 2, 7, NULL, &s), MWK_OK);
    double y[200];
    size_t got = 0, size = 0;
    cr_assert_eq(mwk_stream_push(s, x, 13, 40, 1, y, 50, 50 * 2, 2, 1, &got), MWK_OK);
    cr_assert_eq(mwk_stream_serialize(s, NULL, 0, &size), MWK_OK);
    unsigned char *blob = malloc(size), *bad = malloc(size + 16);
    cr_assert_eq(mwk_stream_serialize(s, blob, size - 1, &got), MWK_E_CAPACITY);
    cr_assert_eq(mwk_stream_serialize(s, blob, size, &got), MWK_OK);
    mwk_stream *t = NULL;
    for (size_t i = 0; i < size; i++)
        for (int bit = 0; bit < 8; bit += 3) {
            memcpy(bad, blob, size);
            bad[i] ^= (unsigned char)(1u << bit);
            cr_assert_eq(mwk_stream_restore(bad, size, 1, &t), MWK_E_STATE, "byte %zu bit %d", i, bit);
        }
    for (size_t len = 0; len < size; len++)
        cr_assert_eq(mwk_stream_restore(blob, len, 1, &t), MWK_E_STATE, "truncated at %zu", len);
    memcpy(bad, blob, size);
    memset(bad + size, 0, 16);
    cr_assert_eq(mwk_stream_restore(bad, size + 16, 1, &t), MWK_E_STATE);
    mt_rng r;
    mt_rng_seed(&r, 3);
    for (int k = 0; k < 2000; k++) {
        const size_t len = (size_t)(mt_rng_u64(&r) % (size + 16));
        for (size_t i = 0; i < len; i++) bad[i] = (unsigned char)mt_rng_u64(&r);
        if (k % 2) memcpy(bad, "MWKSTRM", 8); /* past the magic */
        cr_assert_eq(mwk_stream_restore(bad, len, 1, &t), MWK_E_STATE);
    }
    /* Another format version (checksum made right): refused. */
    memcpy(bad, blob, size);
    bad[8] ^= 0x02;
    {
        uint64_t h = 0xcbf29ce484222325ull;
        for (size_t i = 0; i + 8 < size; i++) h = (h ^ bad[i]) * 0x100000001b3ull;
        memcpy(bad + size - 8, &h, 8);
    }
    cr_assert_eq(mwk_stream_restore(bad, size, 1, &t), MWK_E_STATE);
    cr_assert_eq(mwk_stream_restore(NULL, size, 1, &t), MWK_E_NULL);
    cr_assert_eq(mwk_stream_restore(blob, size, 1, NULL), MWK_E_NULL);
    /* The good blob carries on exactly. */
    cr_assert_eq(mwk_stream_restore(blob, size, 0, &t), MWK_OK);
    double y1[200], y2[200];
    size_t g1 = 0, g2 = 0;
    cr_assert_eq(mwk_stream_push(s, x + 13, 20, 40, 1, y1, 50, 100, 2, 1, &g1), MWK_OK);
    cr_assert_eq(mwk_stream_push(t, x + 13, 20, 40, 1, y2, 50, 100, 2, 1, &g2), MWK_OK);
    cr_assert_eq(g1, g2);
    for (size_t rr = 0; rr < 2; rr++)
        cr_assert(memcmp(y1 + rr * 100, y2 + rr * 100, g1 * 2 * sizeof(double)) == 0);
    mwk_stream_info i1, i2;
    mwk_stream_get_info(s, &i1);
    mwk_stream_get_info(t, &i2);
    cr_assert_eq(i1.n_in, i2.n_in);
    cr_assert_str_eq(i1.target, i2.target);
    mwk_stream_free(s);
    mwk_stream_free(t);
    free(blob);
    free(bad);
}
