/*
 * mwk_move_mean_batch: bit-identical to row-by-row mwk_move_mean for every
 * thread count, with positive / negative / padded row strides, element
 * strides, interleaved (column-major) rows; rows == 0; batch-specific errors.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mt_common.h"

typedef struct lay2 {
    const char *name;
    /* strides in elements, as functions of (rows R, length n) */
    ptrdiff_t xrs, xs, yrs, ys;
} lay2;

/* A 2-D buffer: base allocation and the pointer to element (0, 0). */
typedef struct buf2 {
    unsigned char *mem;
    unsigned char *p0;
    size_t bytes;
} buf2;

static void buf2_make(buf2 *b, size_t R, size_t n, ptrdiff_t rs, ptrdiff_t s, size_t e,
                      unsigned char fill) {
    ptrdiff_t lo = 0, hi = 0;
    if (R > 0 && n > 0) {
        ptrdiff_t a = (ptrdiff_t)(R - 1) * rs, c = (ptrdiff_t)(n - 1) * s;
        lo = (a < 0 ? a : 0) + (c < 0 ? c : 0);
        hi = (a > 0 ? a : 0) + (c > 0 ? c : 0);
    }
    b->bytes = (size_t)(hi - lo + 1) * e + 64;
    b->mem = mt_alloc(b->bytes);
    memset(b->mem, fill, b->bytes);
    b->p0 = b->mem + 32 + (size_t)(-lo) * e;
}

static void *row_data(mwk_dtype dt, size_t n, uint64_t seed, int dirty) {
    mt_rng r;
    mt_rng_seed(&r, seed);
    double *v = malloc((n ? n : 1) * sizeof *v);
    for (size_t i = 0; i < n; i++) {
        if (dt == MWK_I32 || dt == MWK_I64)
            v[i] = (double)((int64_t)(mt_rng_u64(&r) >> 44) - 500000);
        else {
            v[i] = 3.0 + mt_rng_normal(&r);
            double u = mt_rng_unif(&r);
            if (dirty && u < 0.05) v[i] = NAN;
            else if (dirty && u < 0.052) v[i] = u < 0.051 ? INFINITY : -INFINITY;
        }
    }
    void *d = mt_from_doubles(v, n, dt);
    free(v);
    return d;
}

/* Fills a 2-D input from per-row data (row r seeded by r). */
static void fill_x(buf2 *xb, mwk_dtype dt, size_t R, size_t n, ptrdiff_t rs, ptrdiff_t s,
                   uint64_t seed, int dirty) {
    size_t e = mt_elsize(dt);
    for (size_t r = 0; r < R; r++) {
        void *d = row_data(dt, n, mt_hash(seed, r), dirty);
        for (size_t k = 0; k < n; k++)
            memcpy(xb->p0 + ((ptrdiff_t)r * rs + (ptrdiff_t)k * s) * (ptrdiff_t)e,
                   (unsigned char *)d + k * e, e);
        mt_free(d);
    }
}

static size_t batch_case(mwk_dtype dt, size_t R, size_t n, size_t w, const lay2 *L,
                         mwk_algorithm algo, const char *target, mwk_align al, mwk_nan_policy pol,
                         size_t mc, const int *threads, size_t nthreads) {
    size_t e = mt_elsize(dt), eo = mt_elsize(mt_out_dtype(dt));
    size_t ol = mt_out_len(n, w, al);
    buf2 xb, ref, got;
    buf2_make(&xb, R, n, L->xrs, L->xs, e, 0x5A);
    fill_x(&xb, dt, R, n, L->xrs, L->xs, mt_hash(R * 1000 + n, w), 1);
    buf2_make(&ref, R, ol, L->yrs, L->ys, eo, 0xA5);
    size_t bad = 0;
    mwk_options opt;
    mwk_options_init(&opt);
    opt.algorithm = algo;
    opt.target = target;
    opt.align = al;
    opt.nan_policy = pol;
    opt.min_count = mc;
    char desc[512];
    snprintf(desc, sizeof desc,
             "layout=%s dtype=%s rows=%zu n=%zu w=%zu algo=%s target=%s align=%s nan=%s mc=%td "
             "strides x(%td,%td) y(%td,%td)",
             L->name, mt_dtype_str(dt), R, n, w, mt_algo_str(algo), target ? target : "(process)",
             mt_align_str(al), mt_policy_str(pol), (ptrdiff_t)mc, L->xrs, L->xs, L->yrs, L->ys);
    for (size_t r = 0; r < R; r++) {
        mwk_status st = mwk_move_mean(xb.p0 + (ptrdiff_t)r * L->xrs * (ptrdiff_t)e, dt, n, L->xs,
                                      ref.p0 + (ptrdiff_t)r * L->yrs * (ptrdiff_t)eo, L->ys, w,
                                      &opt);
        if (st != MWK_OK) {
            fprintf(stderr, "BATCH row-by-row status %d at row %zu: %s\n", (int)st, r, desc);
            bad++;
        }
    }
    /* row-by-row results must also be right: spot-check row 0 and the last */
    for (size_t r = 0; R > 0 && r < R; r += (R > 1 ? R - 1 : 1)) {
        void *row = mt_alloc((n + 1) * e);
        void *yrow = mt_alloc((ol + 1) * eo);
        for (size_t k = 0; k < n; k++)
            memcpy((unsigned char *)row + k * e,
                   xb.p0 + ((ptrdiff_t)r * L->xrs + (ptrdiff_t)k * L->xs) * (ptrdiff_t)e, e);
        for (size_t k = 0; k < ol; k++)
            memcpy((unsigned char *)yrow + k * eo,
                   ref.p0 + ((ptrdiff_t)r * L->yrs + (ptrdiff_t)k * L->ys) * (ptrdiff_t)eo, eo);
        mt_oracle o;
        mt_oracle_compute(&o, row, dt, n, w, al, pol, mc);
        mt_ctx c = {"batch-row", algo, target, dt, al, pol, mc, n, w, L->xs, L->ys, 0, r};
        bad += mt_check(&c, &o, yrow, 3);
        mt_oracle_free(&o);
        mt_free(row);
        mt_free(yrow);
    }
    for (size_t t = 0; t < nthreads; t++) {
        buf2_make(&got, R, ol, L->yrs, L->ys, eo, 0xA5);
        opt.threads = threads[t];
        mwk_status st = mwk_move_mean_batch(xb.p0, dt, R, n, L->xrs, L->xs, got.p0, L->yrs, L->ys,
                                            w, &opt);
        if (st != MWK_OK) {
            fprintf(stderr, "BATCH status %d (%s) threads=%d: %s\n", (int)st, mwk_status_str(st),
                    threads[t], desc);
            bad++;
        } else if (memcmp(got.mem, ref.mem, ref.bytes) != 0) {
            size_t first = 0;
            while (first < ref.bytes && got.mem[first] == ref.mem[first]) first++;
            fprintf(stderr,
                    "BATCH not bit-identical to row-by-row (threads=%d, first differing byte %td "
                    "from y(0,0)): %s\n",
                    threads[t], (ptrdiff_t)first - (got.p0 - got.mem), desc);
            bad++;
        }
        mt_free(got.mem);
    }
    mt_free(ref.mem);
    mt_free(xb.mem);
    return bad;
}

static const int THREADS[] = {1, 2, 3, 8, 0};
#define NTHREADS 5

static void layouts(size_t R, size_t n, size_t ol, lay2 out[6]) {
    ptrdiff_t Rn = (ptrdiff_t)R, N = (ptrdiff_t)n, O = (ptrdiff_t)ol;
    lay2 ls[6] = {
        {"contiguous", N, 1, O, 1},
        {"padded", N + 5, 1, O + 3, 1},
        {"negative-rows", -(N + 2), 1, -(O + 1), 1},
        {"element-strides", 2 * N + 1, 2, 3 * O, 3},
        {"column-major", 1, Rn, 1, Rn},
        {"reversed-elements", N, -1, -O, -1},
    };
    memcpy(out, ls, sizeof ls);
}

static void batch_dtype(mwk_dtype dt) {
    mwk_algorithm algos[5];
    size_t na = mt_algos(algos);
    const char *const *targets;
    size_t nt = mt_targets(&targets);
    size_t bad = 0;
    size_t R = 7, n = 300, w = 31;
    for (int al = 0; al < 3; al++) {
        size_t ol = mt_out_len(n, w, (mwk_align)al);
        lay2 ls[6];
        layouts(R, n, ol, ls);
        for (size_t l = 0; l < 6; l++)
            for (size_t a = 0; a < na; a++)
                for (int pol = 0; pol < 2; pol++) {
                    /* targets: all for the default layout, process target otherwise */
                    size_t ntt = l == 0 ? nt : 1;
                    for (size_t t = 0; t < ntt; t++)
                        bad += batch_case(dt, R, n, w, &ls[l], algos[a], l == 0 ? targets[t] : NULL,
                                          (mwk_align)al, (mwk_nan_policy)pol,
                                          pol ? MWK_MIN_COUNT_WINDOW : 5, THREADS, NTHREADS);
                }
    }
    cr_assert_eq(bad, 0, "%zu batch failures for %s", bad, mt_dtype_str(dt));
}

Test(batch, f64) { batch_dtype(MWK_F64); }
Test(batch, f32) { batch_dtype(MWK_F32); }
Test(batch, i64) { batch_dtype(MWK_I64); }
Test(batch, i32) { batch_dtype(MWK_I32); }

/* Enough rows x columns for the library to actually use several threads
 * (small batches run on one thread). */
Test(batch, many_rows_threads, .timeout = 600) {
    size_t R = mt_size(96, 20), n = 4000, w = 100, bad = 0;
    lay2 ls[6];
    layouts(R, n, n, ls);
    mwk_algorithm algos[5];
    size_t na = mt_algos(algos);
    for (size_t a = 0; a < na; a++)
        bad += batch_case(MWK_F64, R, n, w, &ls[0], algos[a], NULL, MWK_ALIGN_TRAILING,
                          MWK_NAN_SKIP, 1, THREADS, NTHREADS);
    for (size_t l = 1; l < 6; l++)
        bad += batch_case(l & 1 ? MWK_F32 : MWK_I32, R, n, w, &ls[l], MWK_ALGO_AUTO, NULL,
                          (mwk_align)(l % 3), MWK_NAN_PROPAGATE, 1, THREADS, NTHREADS);
    size_t ol = mt_out_len(n, 999, MWK_ALIGN_VALID);
    layouts(R, n, ol, ls);
    bad += batch_case(MWK_I64, R, n, 999, &ls[2], MWK_ALGO_PREFIX, NULL, MWK_ALIGN_VALID,
                      MWK_NAN_SKIP, MWK_MIN_COUNT_WINDOW, THREADS, NTHREADS);
    cr_assert_eq(bad, 0, "%zu failures", bad);
}

Test(batch, one_row_and_window_n) {
    size_t bad = 0;
    lay2 ls[6];
    layouts(1, 50, 1, ls);
    bad += batch_case(MWK_F64, 1, 50, 50, &ls[0], MWK_ALGO_AUTO, NULL, MWK_ALIGN_VALID,
                      MWK_NAN_SKIP, 1, THREADS, NTHREADS);
    layouts(5, 1, 1, ls);
    bad += batch_case(MWK_F64, 5, 1, 1, &ls[1], MWK_ALGO_AUTO, NULL, MWK_ALIGN_TRAILING,
                      MWK_NAN_SKIP, 1, THREADS, NTHREADS);
    cr_assert_eq(bad, 0, "%zu failures", bad);
}

Test(batch, zero_rows) {
    double x[4] = {1, 2, 3, 4};
    double y[4];
    memset(y, 0xA5, sizeof y);
    unsigned char pat[sizeof y];
    memset(pat, 0xA5, sizeof pat);
    for (size_t t = 0; t < NTHREADS; t++) {
        mwk_options opt = MWK_OPTIONS_INIT;
        opt.threads = THREADS[t];
        cr_assert_eq(mwk_move_mean_batch(x, MWK_F64, 0, 4, 4, 1, y, 4, 1, 2, &opt), MWK_OK,
                     "rows=0 must be OK (threads=%d)", THREADS[t]);
        cr_assert(memcmp(y, pat, sizeof y) == 0, "rows=0 wrote output");
    }
    cr_assert_eq(mwk_move_mean_batch(x, MWK_F64, 0, 4, 4, 1, y, 4, 1, 2, NULL), MWK_OK);
    /* validation still happens with rows == 0 */
    cr_assert_eq(mwk_move_mean_batch(x, MWK_F64, 0, 4, 4, 1, y, 4, 1, 0, NULL), MWK_E_WINDOW);
    cr_assert_eq(mwk_move_mean_batch(x, MWK_F64, 0, 4, 4, 1, y, 4, 1, 5, NULL),
                 MWK_E_WINDOW_TOO_LONG);
    cr_assert_eq(mwk_move_mean_batch(x, (mwk_dtype)77, 0, 4, 4, 1, y, 4, 1, 2, NULL), MWK_E_DTYPE);
    mwk_options opt = MWK_OPTIONS_INIT;
    opt.threads = -1;
    cr_assert_eq(mwk_move_mean_batch(x, MWK_F64, 0, 4, 4, 1, y, 4, 1, 2, &opt), MWK_E_THREADS);
    cr_assert(memcmp(y, pat, sizeof y) == 0, "rejected call wrote output");
}

Test(batch, errors) {
    size_t R = 3, n = 10;
    double x[30], y[40];
    for (int i = 0; i < 30; i++) x[i] = i;
    unsigned char pat[sizeof y];
    memset(y, 0xA5, sizeof y);
    memset(pat, 0xA5, sizeof pat);
    mwk_options opt = MWK_OPTIONS_INIT;
    cr_assert_eq(mwk_move_mean_batch(NULL, MWK_F64, R, n, 10, 1, y, 10, 1, 3, NULL), MWK_E_NULL);
    cr_assert_eq(mwk_move_mean_batch(x, MWK_F64, R, n, 10, 1, NULL, 10, 1, 3, NULL), MWK_E_NULL);
    cr_assert_eq(mwk_move_mean_batch(x, MWK_F64, R, n, 10, 1, y, 10, 1, 0, NULL), MWK_E_WINDOW);
    cr_assert_eq(mwk_move_mean_batch(x, MWK_F64, R, n, 10, 1, y, 10, 1, 11, NULL),
                 MWK_E_WINDOW_TOO_LONG);
    opt.threads = -1;
    cr_assert_eq(mwk_move_mean_batch(x, MWK_F64, R, n, 10, 1, y, 10, 1, 3, &opt), MWK_E_THREADS);
    opt.threads = -1000;
    cr_assert_eq(mwk_move_mean_batch(x, MWK_F64, R, n, 10, 1, y, 10, 1, 3, &opt), MWK_E_THREADS);
    mwk_options_init(&opt);
    opt.target = "bogus";
    cr_assert_eq(mwk_move_mean_batch(x, MWK_F64, R, n, 10, 1, y, 10, 1, 3, &opt), MWK_E_TARGET);
    mwk_options_init(&opt);
    opt.struct_size = 0;
    cr_assert_eq(mwk_move_mean_batch(x, MWK_F64, R, n, 10, 1, y, 10, 1, 3, &opt), MWK_E_OPTIONS);
    mwk_options_init(&opt);
    opt.min_count = 4;
    cr_assert_eq(mwk_move_mean_batch(x, MWK_F64, R, n, 10, 1, y, 10, 1, 3, &opt), MWK_E_MIN_COUNT);
    /* output overlapping the input (rows of y inside x) */
    cr_assert_eq(mwk_move_mean_batch(x, MWK_F64, R, n, 10, 1, x + 5, 10, 1, 3, NULL), MWK_E_OVERLAP);
    cr_assert_eq(mwk_move_mean_batch(x, MWK_F64, R, n, 10, 1, x, 10, 1, 3, NULL), MWK_E_OVERLAP);
    /* y_stride 0 with several outputs per row */
    cr_assert_eq(mwk_move_mean_batch(x, MWK_F64, R, n, 10, 1, y, 10, 0, 3, NULL), MWK_E_OVERLAP);
    /* byte extent overflow in the row stride */
    cr_assert_eq(mwk_move_mean_batch(x, MWK_F64, 4, n, PTRDIFF_MAX / 2, 1, y, 10, 1, 3, NULL),
                 MWK_E_OVERFLOW);
    cr_assert_eq(mwk_move_mean_batch(x, MWK_F64, 4, n, 10, 1, y, PTRDIFF_MAX / 2, 1, 3, NULL),
                 MWK_E_OVERFLOW);
    cr_assert(memcmp(y, pat, sizeof y) == 0, "a rejected batch call wrote output");
    /* and a correct call works */
    cr_assert_eq(mwk_move_mean_batch(x, MWK_F64, R, n, 10, 1, y, 10, 1, 3, NULL), MWK_OK);
}
