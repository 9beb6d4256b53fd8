/*
 * Coverage grid: every algorithm x every supported SIMD target x dtype x
 * alignment x NaN policy x min_count, over n in {0, 1, 2, w-1, w, w+1, ...}
 * and windows {1, 2, 3, 7, 64, 1000, n}, with strides 1, 3, -1 (and output
 * strides 1, 2, -1), misaligned starts, poisoned gaps and canaries; every
 * output compared with the exact oracle of mt_common.c. Also the big size
 * (131071) on a subset, and rejection of window > n / window 0.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mt_common.h"

#define MAX_REPORT 20

/* Random row for a data kind. kind 0: clean; kind 1: NaN runs and sparse infs. */
static void *gen_row(mwk_dtype dt, size_t n, int kind, uint64_t seed) {
    mt_rng r;
    mt_rng_seed(&r, seed);
    double *v = malloc((n ? n : 1) * sizeof(double));
    double offset = (seed & 1) ? 10.0 : 0.0;
    for (size_t i = 0; i < n; i++) {
        switch (dt) {
        case MWK_F64:
        case MWK_F32: v[i] = offset + mt_rng_normal(&r) * ((seed & 2) ? 1e3 : 1.0); break;
        case MWK_I32: {
            uint64_t u = mt_rng_u64(&r);
            v[i] = (u & 15) == 0 ? (double)(int32_t)(uint32_t)(u >> 32)
                                 : (double)((int64_t)(u >> 40) % 2001 - 1000);
            break;
        }
        case MWK_I64: {
            uint64_t u = mt_rng_u64(&r);
            if ((u & 15) == 0)
                v[i] = (double)(int64_t)(u & ~(uint64_t)0x7FF); /* full range, exact */
            else
                v[i] = (double)((int64_t)(u >> 20) - ((int64_t)1 << 43));
            break;
        }
        default: v[i] = 0.0; break; /* the grid runs the four dtypes above only */
        }
    }
    if (kind == 1 && (dt == MWK_F64 || dt == MWK_F32)) {
        /* NaN runs of varying lengths in some regions, single NaNs, rare infs */
        for (size_t i = 0; i < n; i++) {
            double u = mt_rng_unif(&r);
            if (((i / 37) % 4) == 1 && u < 0.5) v[i] = NAN;
            else if (u < 0.03) v[i] = NAN;
        }
        size_t ninf = n / 700 + (n >= 5 ? 1 : 0);
        for (size_t j = 0; j < ninf; j++) {
            size_t p = (size_t)(mt_rng_u64(&r) % n);
            v[p] = (mt_rng_u64(&r) & 1) ? INFINITY : -INFINITY;
        }
        if (n > 3 && (seed & 4)) { /* a few adjacent +inf -inf somewhere */
            size_t p = (size_t)(mt_rng_u64(&r) % (n - 1));
            v[p] = INFINITY;
            v[p + 1] = -INFINITY;
        }
    }
    void *d = mt_from_doubles(v, n, dt);
    free(v);
    return d;
}

typedef struct layout {
    ptrdiff_t xs, ys;
    size_t xoff;
} layout;

static const layout LAYOUTS[] = {
    {1, 1, 0},   /* contiguous, 64-byte aligned */
    {1, 1, 1},   /* misaligned by one element: must be bit-identical to the above */
    {3, 2, 0},   /* strided input and output */
    {-1, -1, 1}, /* reversed memory order, misaligned */
};
#define NLAYOUTS (sizeof LAYOUTS / sizeof LAYOUTS[0])

static size_t check_rejections(mwk_dtype dt, mwk_align al, size_t n, size_t w) {
    size_t bad = 0;
    mwk_algorithm algos[5];
    size_t na = mt_algos(algos);
    const char *const *targets;
    size_t nt = mt_targets(&targets);
    void *data = gen_row(dt, n, 0, 7);
    void *out = mt_alloc((n + 1) * 8);
    mwk_status want = w == 0 ? MWK_E_WINDOW : MWK_E_WINDOW_TOO_LONG;
    for (size_t a = 0; a < na; a++)
        for (size_t t = 0; t < nt; t++)
            for (int pol = 0; pol < 2; pol++) {
                mt_ctx c = {"reject", algos[a], targets[t], dt, al, (mwk_nan_policy)pol,
                            MWK_MIN_COUNT_WINDOW, n, w, 1, 1, 0, 7};
                mwk_status st = mt_call(&c, data, out, &bad);
                /* n == 0 and w == 0: either error is acceptable */
                int ok = st == want || (n == 0 && w == 0 && st == MWK_E_WINDOW_TOO_LONG);
                if (!ok) {
                    fprintf(stderr, "REJECT expected status %d got %d: ", (int)want, (int)st);
                    mt_ctx_print(stderr, &c);
                    fprintf(stderr, "\n");
                    bad++;
                }
            }
    size_t ol = 12345;
    mwk_status st = mwk_move_mean_out_len(n, w, al, &ol);
    if (!(st == want || (n == 0 && w == 0 && st == MWK_E_WINDOW_TOO_LONG))) {
        fprintf(stderr, "REJECT out_len(n=%zu, w=%zu, %s) gave %d\n", n, w, mt_align_str(al),
                (int)st);
        bad++;
    }
    mt_free(out);
    mt_free(data);
    return bad;
}

/* Checks one (n, w) pair for a dtype and alignment over all algorithms,
 * targets, policies, min_counts and layouts. */
static size_t check_pair(mwk_dtype dt, mwk_align al, size_t n, size_t w, size_t *reported,
                         int layouts_all) {
    size_t bad = 0;
    mwk_algorithm algos[5];
    size_t na = mt_algos(algos);
    const char *const *targets;
    size_t nt = mt_targets(&targets);
    int isfloat = dt == MWK_F64 || dt == MWK_F32;
    size_t eo = mt_elsize(mt_out_dtype(dt));
    size_t L = mt_out_len(n, w, al);
    unsigned char *out0 = mt_alloc((L + 1) * eo);
    unsigned char *out1 = mt_alloc((L + 1) * eo);

    for (int kind = 0; kind < (isfloat ? 2 : 1); kind++) {
        uint64_t seed = mt_hash(mt_hash(n, w), (uint64_t)dt * 16 + (uint64_t)al * 4 + (uint64_t)kind);
        void *data = gen_row(dt, n, kind, seed);
        for (int pol = 0; pol < 2; pol++) {
            size_t mcs[3] = {MWK_MIN_COUNT_WINDOW, 1, (w + 1) / 2};
            size_t nmc = 1;
            if (w > 1) nmc = 2;
            if ((w + 1) / 2 > 1 && (w + 1) / 2 < w) nmc = 3;
            for (size_t m = 0; m < nmc; m++) {
                mt_oracle o;
                mt_oracle_compute(&o, data, dt, n, w, al, (mwk_nan_policy)pol, mcs[m]);
                for (size_t a = 0; a < na; a++) {
                    int naive_big = algos[a] == MWK_ALGO_NAIVE && (double)n * (double)w > 4e5;
                    for (size_t t = 0; t < nt; t++) {
                        size_t nl = (m == 0 && layouts_all && !naive_big) ? NLAYOUTS : 1;
                        for (size_t l = 0; l < nl; l++) {
                            mt_ctx c = {kind ? "grid/dirty" : "grid/clean",
                                        algos[a], targets[t], dt, al, (mwk_nan_policy)pol, mcs[m],
                                        n, w, LAYOUTS[l].xs, LAYOUTS[l].ys, LAYOUTS[l].xoff,
                                        seed};
                            unsigned char *out = l == 1 ? out1 : out0;
                            size_t lb = 0;
                            mwk_status st = mt_call(&c, data, out, &lb);
                            bad += lb;
                            if (st != MWK_OK) {
                                fprintf(stderr, "STATUS %d (%s) for a valid call: ", (int)st,
                                        mwk_status_str(st));
                                mt_ctx_print(stderr, &c);
                                fprintf(stderr, "\n");
                                bad++;
                                continue;
                            }
                            size_t rep = *reported < MAX_REPORT ? MAX_REPORT - *reported : 0;
                            size_t b = mt_check(&c, &o, out, rep > 3 ? 3 : rep);
                            *reported += b;
                            bad += b;
                            if (l == 1 && memcmp(out0, out1, L * eo) != 0) {
                                fprintf(stderr,
                                        "ALIGNMENT results differ between 64-byte aligned and "
                                        "one-element-offset input: ");
                                mt_ctx_print(stderr, &c);
                                fprintf(stderr, "\n");
                                bad++;
                            }
                        }
                    }
                }
                mt_oracle_free(&o);
            }
        }
        mt_free(data);
    }
    mt_free(out0);
    mt_free(out1);
    return bad;
}

static const size_t WS[] = {1, 2, 3, 7, 64, 1000};
#define NWS (sizeof WS / sizeof WS[0])

static void run_grid(mwk_dtype dt, mwk_align al) {
    size_t ns[64];
    size_t nn = 0;
    size_t base[] = {0, 1, 2, 2500};
    for (size_t i = 0; i < sizeof base / sizeof base[0] - (mt_quick() ? 1 : 0); i++) ns[nn++] = base[i];
    for (size_t i = 0; i < NWS; i++) {
        ns[nn++] = WS[i] - 1;
        ns[nn++] = WS[i];
        ns[nn++] = WS[i] + 1;
    }
    /* dedupe */
    size_t m = 0;
    for (size_t i = 0; i < nn; i++) {
        int dup = 0;
        for (size_t j = 0; j < m; j++) dup |= ns[j] == ns[i];
        if (!dup) ns[m++] = ns[i];
    }
    nn = m;

    size_t bad = 0, reported = 0;
    for (size_t i = 0; i < nn; i++) {
        size_t n = ns[i];
        size_t ws[NWS + 2];
        size_t nw = 0;
        for (size_t j = 0; j < NWS; j++) ws[nw++] = WS[j];
        ws[nw++] = n; /* window n */
        ws[nw++] = 0; /* window 0 */
        for (size_t j = 0; j < nw; j++) {
            size_t w = ws[j];
            if (j == NWS) {
                int dup = 0;
                for (size_t q = 0; q < NWS; q++) dup |= WS[q] == n;
                if (dup) continue; /* window n already among WS */
            }
            if (w == 0 || w > n) {
                bad += check_rejections(dt, al, n, w);
                continue;
            }
            /* Tiny grid (valgrind, qemu): the rows around w = 1000 keep the
             * windows about as long as the row (1000 and n) and one short
             * window (7, at n = 1001); their other short windows (1, 2, 3,
             * 64) walk the same blocks and ring wrap-arounds that n < 66
             * already walk, at 15x the cost. */
            if (mt_quick() >= 2 && n > 2 * WS[NWS - 2] + 2 && w < WS[NWS - 1] && w != n &&
                !(w == 7 && n == WS[NWS - 1] + 1))
                continue;
            bad += check_pair(dt, al, n, w, &reported, 1);
        }
    }
    if (getenv("MWK_TEST_VERBOSE"))
        fprintf(stderr, "grid %s/%s: %zu calls checked\n", mt_dtype_str(dt), mt_align_str(al), mt_calls);
    cr_assert_eq(bad, 0, "%zu failures in the grid for dtype=%s align=%s (see stderr)", bad,
                 mt_dtype_str(dt), mt_align_str(al));
}

#define GRID(dtn, dt, aln, al) \
    Test(grid, dtn##_##aln, .timeout = 600) { run_grid(dt, al); }

GRID(f64, MWK_F64, trailing, MWK_ALIGN_TRAILING)
GRID(f64, MWK_F64, valid, MWK_ALIGN_VALID)
GRID(f64, MWK_F64, centered, MWK_ALIGN_CENTERED)
GRID(f32, MWK_F32, trailing, MWK_ALIGN_TRAILING)
GRID(f32, MWK_F32, valid, MWK_ALIGN_VALID)
GRID(f32, MWK_F32, centered, MWK_ALIGN_CENTERED)
GRID(i64, MWK_I64, trailing, MWK_ALIGN_TRAILING)
GRID(i64, MWK_I64, valid, MWK_ALIGN_VALID)
GRID(i64, MWK_I64, centered, MWK_ALIGN_CENTERED)
GRID(i32, MWK_I32, trailing, MWK_ALIGN_TRAILING)
GRID(i32, MWK_I32, valid, MWK_ALIGN_VALID)
GRID(i32, MWK_I32, centered, MWK_ALIGN_CENTERED)

/* ---- the big size on a subset ------------------------------------------------- */
static void run_big(mwk_dtype dt) {
    size_t n = mt_size(131071, 4099);
    size_t wins[] = {1, 64, 1000, n};
    mwk_algorithm algos[5];
    size_t na = mt_algos(algos);
    const char *const *targets;
    size_t nt = mt_targets(&targets);
    int isfloat = dt == MWK_F64 || dt == MWK_F32;
    size_t eo = mt_elsize(mt_out_dtype(dt));
    size_t bad = 0, reported = 0;
    void *out = mt_alloc((n + 1) * eo);
    for (size_t wi = 0; wi < 4; wi++) {
        size_t w = wins[wi];
        for (int kind = 0; kind < (isfloat ? 2 : 1); kind++) {
            uint64_t seed = mt_hash(0xB16, (uint64_t)dt * 8 + wi * 2 + (uint64_t)kind);
            void *data = gen_row(dt, n, kind, seed);
            for (int al = 0; al < 3; al++) {
                int npol = (kind == 1 || dt == MWK_F64) ? 2 : 1;
                for (int pol = 0; pol < npol; pol++) {
                    mt_oracle o;
                    mt_oracle_compute(&o, data, dt, n, w, (mwk_align)al, (mwk_nan_policy)pol,
                                      kind ? 1 : MWK_MIN_COUNT_WINDOW);
                    for (size_t a = 0; a < na; a++) {
                        if (algos[a] == MWK_ALGO_NAIVE && (double)n * (double)w > 1e7) continue;
                        for (size_t t = 0; t < nt; t++) {
                            /* strides -1 / 3 on one configuration per window */
                            int extra = al == 0 && pol == 0 && kind == 0;
                            size_t nl = extra ? 3 : 1;
                            for (size_t l = 0; l < nl; l++) {
                                static const layout LB[] = {{1, 1, 0}, {-1, 1, 1}, {3, -1, 0}};
                                mt_ctx c = {kind ? "big/dirty" : "big/clean", algos[a], targets[t],
                                            dt, (mwk_align)al, (mwk_nan_policy)pol,
                                            kind ? 1 : MWK_MIN_COUNT_WINDOW, n, w, LB[l].xs,
                                            LB[l].ys, LB[l].xoff, seed};
                                size_t lb = 0;
                                mwk_status st = mt_call(&c, data, out, &lb);
                                bad += lb;
                                if (st != MWK_OK) {
                                    fprintf(stderr, "STATUS %d for a valid call: ", (int)st);
                                    mt_ctx_print(stderr, &c);
                                    fprintf(stderr, "\n");
                                    bad++;
                                    continue;
                                }
                                size_t rep = reported < MAX_REPORT ? MAX_REPORT - reported : 0;
                                size_t b = mt_check(&c, &o, out, rep > 3 ? 3 : rep);
                                reported += b;
                                bad += b;
                            }
                        }
                    }
                    mt_oracle_free(&o);
                }
            }
            mt_free(data);
        }
    }
    mt_free(out);
    if (getenv("MWK_TEST_VERBOSE"))
        fprintf(stderr, "big %s: %zu calls checked\n", mt_dtype_str(dt), mt_calls);
    cr_assert_eq(bad, 0, "%zu failures for n=%zu dtype=%s (see stderr)", bad, n, mt_dtype_str(dt));
}

Test(big, f64, .timeout = 600) { run_big(MWK_F64); }
Test(big, f32, .timeout = 600) { run_big(MWK_F32); }
Test(big, i64, .timeout = 600) { run_big(MWK_I64); }
Test(big, i32, .timeout = 600) { run_big(MWK_I32); }

/* NULL options means all defaults: identical to an explicitly default-initialised struct. */
Test(grid, null_options_are_defaults) {
    size_t n = 3000, w = 50;
    void *data = gen_row(MWK_F64, n, 1, 99);
    double *y1 = mt_alloc(n * 8), *y2 = mt_alloc(n * 8);
    mwk_options opt = MWK_OPTIONS_INIT;
    cr_assert_eq(mwk_move_mean(data, MWK_F64, n, 1, y1, 1, w, NULL), MWK_OK);
    cr_assert_eq(mwk_move_mean(data, MWK_F64, n, 1, y2, 1, w, &opt), MWK_OK);
    cr_assert(memcmp(y1, y2, n * 8) == 0, "NULL options differ from MWK_OPTIONS_INIT");
    mt_oracle o;
    mt_oracle_compute(&o, data, MWK_F64, n, w, MWK_ALIGN_TRAILING, MWK_NAN_SKIP,
                      MWK_MIN_COUNT_WINDOW);
    mt_ctx c = {"null-options", MWK_ALGO_AUTO, NULL, MWK_F64, MWK_ALIGN_TRAILING, MWK_NAN_SKIP,
                MWK_MIN_COUNT_WINDOW, n, w, 1, 1, 0, 99};
    size_t b = mt_check(&c, &o, y1, 10);
    mt_oracle_free(&o);
    mt_free(y1);
    mt_free(y2);
    mt_free(data);
    cr_assert_eq(b, 0);
}

/* x_stride 0: a constant row. */
Test(grid, zero_input_stride_is_constant_row) {
    mwk_algorithm algos[5];
    size_t na = mt_algos(algos);
    const char *const *targets;
    size_t nt = mt_targets(&targets);
    size_t n = 777, bad = 0;
    double v = 0.1 + 1e8;
    double *y = mt_alloc(n * 8);
    double *row = mt_alloc(n * 8);
    for (size_t i = 0; i < n; i++) row[i] = v;
    size_t ws[] = {1, 5, 300, 777};
    for (size_t a = 0; a < na; a++)
        for (size_t t = 0; t < nt; t++)
            for (int al = 0; al < 3; al++)
                for (size_t wi = 0; wi < 4; wi++) {
                    mt_ctx c = {"x_stride=0", algos[a], targets[t], MWK_F64, (mwk_align)al,
                                MWK_NAN_SKIP, 1, n, ws[wi], 0, 1, 0, 0};
                    mwk_options opt;
                    mt_ctx_opts(&c, &opt);
                    mwk_status st = mwk_move_mean(&v, MWK_F64, n, 0, y, 1, ws[wi], &opt);
                    if (st != MWK_OK) {
                        fprintf(stderr, "STATUS %d: ", (int)st);
                        mt_ctx_print(stderr, &c);
                        fprintf(stderr, "\n");
                        bad++;
                        continue;
                    }
                    mt_oracle o;
                    mt_oracle_compute(&o, row, MWK_F64, n, ws[wi], (mwk_align)al, MWK_NAN_SKIP, 1);
                    bad += mt_check(&c, &o, y, 3);
                    mt_oracle_free(&o);
                }
    mt_free(y);
    mt_free(row);
    cr_assert_eq(bad, 0);
}

/* Outputs spanning more than a few MiB (the library may switch to
 * non-temporal stores there): aligned and misaligned outputs, contiguous and
 * strided, every target; results must be right and independent of alignment. */
Test(big, large_outputs, .timeout = 600) {
    size_t n = 1200000, bad = 0, reported = 0;
    mwk_algorithm algos[5];
    size_t na = mt_algos(algos);
    const char *const *targets;
    size_t nt = mt_targets(&targets);
    void *data = gen_row(MWK_F64, n, 0, 0x5EED);
    double *out0 = mt_alloc(n * 8), *out1 = mt_alloc(n * 8);
    size_t ws[] = {3, 1000};
    for (size_t wi = 0; wi < 2; wi++) {
        if (mt_quick() && wi == 0) continue;
        for (int al = 0; al < 3; al++) {
            /* tiny grid (qemu; valgrind leaves the big suite out): trailing only, which
             * runs every target and layout through the streaming stores; the
             * other alignments (process target only) differ in the clipped
             * ends, which the grid checks, and cost a 1.2M-element oracle each */
            if (mt_quick() >= 2 && al != 0) continue;
            mt_oracle o;
            mt_oracle_compute(&o, data, MWK_F64, n, ws[wi], (mwk_align)al, MWK_NAN_SKIP, 1);
            for (size_t a = 0; a < na; a++) {
                if (algos[a] == MWK_ALGO_NAIVE && ws[wi] > 3) continue;
                /* others than prefix / auto: once per window */
                int prefixish = algos[a] == MWK_ALGO_PREFIX || algos[a] == MWK_ALGO_AUTO;
                if (!prefixish && al != 0) continue;
                /* every target for trailing; the process target for the others */
                for (size_t t = 0; t < (al == 0 ? nt : 1); t++) {
                    static const layout LL[] = {{1, 1, 0}, {1, 1, 1}, {1, 2, 3}};
                    for (size_t l = 0; l < 3; l++) {
                        if ((!prefixish && l > 0) || (al != 0 && l == 2)) continue;
                        mt_ctx c = {"large-output", algos[a], al == 0 ? targets[t] : NULL, MWK_F64, (mwk_align)al,
                                    MWK_NAN_SKIP, 1, n, ws[wi], LL[l].xs, LL[l].ys, LL[l].xoff,
                                    0x5EED};
                        double *out = l == 1 ? out1 : out0;
                        size_t lb = 0;
                        mwk_status st = mt_call(&c, data, out, &lb);
                        bad += lb;
                        if (st != MWK_OK) {
                            fprintf(stderr, "STATUS %d: ", (int)st);
                            mt_ctx_print(stderr, &c);
                            fprintf(stderr, "\n");
                            bad++;
                            continue;
                        }
                        size_t rep = reported < 20 ? 20 - reported : 0;
                        size_t b = mt_check(&c, &o, out, rep > 3 ? 3 : rep);
                        reported += b;
                        bad += b;
                        if (l == 1 && memcmp(out0, out1, o.out_len * 8) != 0) {
                            fprintf(stderr, "ALIGNMENT results differ (aligned vs offset output): ");
                            mt_ctx_print(stderr, &c);
                            fprintf(stderr, "\n");
                            bad++;
                        }
                    }
                }
            }
            mt_oracle_free(&o);
        }
    }
    mt_free(out0);
    mt_free(out1);
    mt_free(data);
    cr_assert_eq(bad, 0, "%zu failures with large outputs", bad);
}
