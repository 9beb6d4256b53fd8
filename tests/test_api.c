/*
 * API surface: every rejected input with its exact status (and nothing
 * written), status strings, names, out_len / out_dtype / choose, options,
 * algorithm availability, runtime info, and MWK_TARGET for every supported
 * target through the env helper.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "mt_common.h"

extern char **environ;

#define N 64
static double X[N];
static double Y[3 * N];
static unsigned char PAT[sizeof Y];

static void setup(void) {
    for (int i = 0; i < N; i++) X[i] = i * 0.5 - 3.0;
    memset(Y, 0xA5, sizeof Y);
    memset(PAT, 0xA5, sizeof PAT);
}

#define EXPECT_UNTOUCHED() cr_assert(memcmp(Y, PAT, sizeof Y) == 0, "a rejected call wrote to y")

TestSuite(api, .init = setup);

static int list_has(const char *list, const char *item) {
    if (!list) return 0;
    size_t k = strlen(item);
    const char *p = list;
    while (*p) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len == k && strncmp(p, item, k) == 0) return 1;
        if (!e) break;
        p = e + 1;
    }
    return 0;
}


Test(api, null_pointers) {
    cr_assert_eq(mwk_move_mean(NULL, MWK_F64, N, 1, Y, 1, 3, NULL), MWK_E_NULL);
    cr_assert_eq(mwk_move_mean(X, MWK_F64, N, 1, NULL, 1, 3, NULL), MWK_E_NULL);
    size_t ol;
    cr_assert_eq(mwk_move_mean_out_len(N, 3, MWK_ALIGN_TRAILING, NULL), MWK_E_NULL);
    cr_assert_eq(mwk_move_mean_out_dtype(MWK_F64, NULL), MWK_E_NULL);
    cr_assert_eq(mwk_move_mean_choose(MWK_F64, N, 3, NULL, NULL), MWK_E_NULL);
    cr_assert_eq(mwk_runtime_info_get(NULL), MWK_E_NULL);
    (void)ol;
    EXPECT_UNTOUCHED();
}

Test(api, window_and_min_count) {
    cr_assert_eq(mwk_move_mean(X, MWK_F64, N, 1, Y, 1, 0, NULL), MWK_E_WINDOW);
    cr_assert_eq(mwk_move_mean(X, MWK_F64, N, 1, Y, 1, N + 1, NULL), MWK_E_WINDOW_TOO_LONG);
    cr_assert_eq(mwk_move_mean(X, MWK_F64, 0, 1, Y, 1, 1, NULL), MWK_E_WINDOW_TOO_LONG);
    cr_assert_eq(mwk_move_mean(X, MWK_F64, 5, 1, Y, 1, 6, NULL), MWK_E_WINDOW_TOO_LONG);
    mwk_options opt;
    mwk_options_init(&opt);
    opt.min_count = 0;
    cr_assert_eq(mwk_move_mean(X, MWK_F64, N, 1, Y, 1, 5, &opt), MWK_E_MIN_COUNT);
    opt.min_count = 6;
    cr_assert_eq(mwk_move_mean(X, MWK_F64, N, 1, Y, 1, 5, &opt), MWK_E_MIN_COUNT);
    opt.min_count = (size_t)-2;
    cr_assert_eq(mwk_move_mean(X, MWK_F64, N, 1, Y, 1, 5, &opt), MWK_E_MIN_COUNT);
    EXPECT_UNTOUCHED();
    opt.min_count = 5;
    cr_assert_eq(mwk_move_mean(X, MWK_F64, N, 1, Y, 1, 5, &opt), MWK_OK);
    opt.min_count = 1;
    cr_assert_eq(mwk_move_mean(X, MWK_F64, N, 1, Y, 1, 5, &opt), MWK_OK);
    opt.min_count = MWK_MIN_COUNT_WINDOW;
    cr_assert_eq(mwk_move_mean(X, MWK_F64, N, 1, Y, 1, 5, &opt), MWK_OK);
    cr_assert_eq(mwk_move_mean(X, MWK_F64, N, 1, Y, 1, N, NULL), MWK_OK);
}

Test(api, byte_extent_overflow) {
    /* n * 8 bytes overflows size_t */
    cr_assert_eq(mwk_move_mean(X, MWK_F64, SIZE_MAX / 4, 1, Y, 1, 3, NULL), MWK_E_OVERFLOW);
    /* huge stride */
    cr_assert_eq(mwk_move_mean(X, MWK_F64, SIZE_MAX / 4, PTRDIFF_MAX / 2, Y, 1, 3, NULL),
                 MWK_E_OVERFLOW);
    cr_assert_eq(mwk_move_mean(X, MWK_F64, 4, PTRDIFF_MAX / 4, Y, 1, 3, NULL), MWK_E_OVERFLOW);
    cr_assert_eq(mwk_move_mean(X, MWK_F64, 4, -(PTRDIFF_MAX / 4), Y, 1, 3, NULL), MWK_E_OVERFLOW);
    cr_assert_eq(mwk_move_mean(X, MWK_F64, 4, PTRDIFF_MIN, Y, 1, 3, NULL), MWK_E_OVERFLOW);
    /* output extent */
    cr_assert_eq(mwk_move_mean(X, MWK_F64, 4, 1, Y, PTRDIFF_MAX / 4, 3, NULL), MWK_E_OVERFLOW);
    cr_assert_eq(mwk_move_mean(X, MWK_F64, 4, 1, Y, PTRDIFF_MIN, 3, NULL), MWK_E_OVERFLOW);
    mwk_options opt = MWK_OPTIONS_INIT;
    opt.align = MWK_ALIGN_VALID;
    cr_assert_eq(mwk_move_mean(X, MWK_F32, 4, PTRDIFF_MAX / 3, Y, 1, 2, &opt), MWK_E_OVERFLOW);
    EXPECT_UNTOUCHED();
}

Test(api, overlap) {
    double buf[4 * N];
    for (int i = 0; i < 4 * N; i++) buf[i] = i;
    /* in place */
    cr_assert_eq(mwk_move_mean(buf, MWK_F64, N, 1, buf, 1, 3, NULL), MWK_E_OVERLAP);
    /* partial overlap, both directions */
    cr_assert_eq(mwk_move_mean(buf, MWK_F64, N, 1, buf + N / 2, 1, 3, NULL), MWK_E_OVERLAP);
    cr_assert_eq(mwk_move_mean(buf + N / 2, MWK_F64, N, 1, buf, 1, 3, NULL), MWK_E_OVERLAP);
    /* last element of x is the first of y */
    cr_assert_eq(mwk_move_mean(buf, MWK_F64, N, 1, buf + N - 1, 1, 3, NULL), MWK_E_OVERLAP);
    /* interleaved: address ranges intersect although elements do not */
    cr_assert_eq(mwk_move_mean(buf, MWK_F64, N, 2, buf + 1, 2, 3, NULL), MWK_E_OVERLAP);
    /* negative stride x spanning buf[0..N-1], y inside */
    cr_assert_eq(mwk_move_mean(buf + N - 1, MWK_F64, N, -1, buf + 10, 1, 3, NULL), MWK_E_OVERLAP);
    /* y with negative stride reaching down into x */
    cr_assert_eq(mwk_move_mean(buf, MWK_F64, N, 1, buf + 2 * N - 2, -1, 3, NULL), MWK_E_OVERLAP);
    /* float32 in place */
    float fb[2 * N];
    for (int i = 0; i < 2 * N; i++) fb[i] = (float)i;
    cr_assert_eq(mwk_move_mean(fb, MWK_F32, N, 1, fb, 1, 3, NULL), MWK_E_OVERLAP);
    /* int32 input, double output: y's 8-byte elements reach into x */
    _Alignas(8) int32_t ib[4 * N];
    for (int i = 0; i < 4 * N; i++) ib[i] = i;
    cr_assert_eq(mwk_move_mean(ib + N, MWK_I32, N, 1, ib, 1, 3, NULL), MWK_E_OVERLAP);
    /* y_stride 0 with several outputs */
    cr_assert_eq(mwk_move_mean(X, MWK_F64, N, 1, Y, 0, 3, NULL), MWK_E_OVERLAP);
    EXPECT_UNTOUCHED();
    for (int i = 0; i < 4 * N; i++) cr_assert_eq(buf[i], (double)i, "overlapping call wrote");
    /* adjacent but disjoint ranges are fine */
    cr_assert_eq(mwk_move_mean(buf, MWK_F64, N, 1, buf + N, 1, 3, NULL), MWK_OK);
    cr_assert_eq(mwk_move_mean(buf + N, MWK_F64, N, 1, buf, 1, 3, NULL), MWK_OK);
    cr_assert_eq(mwk_move_mean(ib, MWK_I32, N, 1, (double *)(ib + N), 1, 3, NULL), MWK_OK);
    /* y_stride 0 with exactly one output (valid, window n) */
    mwk_options opt = MWK_OPTIONS_INIT;
    opt.align = MWK_ALIGN_VALID;
    double one = -1;
    cr_assert_eq(mwk_move_mean(X, MWK_F64, N, 1, &one, 0, N, &opt), MWK_OK);
    double s = 0;
    for (int i = 0; i < N; i++) s += X[i];
    cr_assert(fabs(one - s / N) <= 1e-14, "valid window n mean %.17g vs %.17g", one, s / N);
}

Test(api, unknown_enums) {
    mwk_options opt;
    /* 0.2 has 12 dtypes (MWK_F64 .. MWK_F16): 12 is the first unknown value */
    cr_assert_eq(mwk_move_mean(X, (mwk_dtype)12, N, 1, Y, 1, 3, NULL), MWK_E_DTYPE);
    cr_assert_eq(mwk_move_mean(X, (mwk_dtype)13, N, 1, Y, 1, 3, NULL), MWK_E_DTYPE);
    cr_assert_eq(mwk_move_mean(X, (mwk_dtype)-1, N, 1, Y, 1, 3, NULL), MWK_E_DTYPE);
    cr_assert_eq(mwk_move_mean(X, (mwk_dtype)1000, N, 1, Y, 1, 3, NULL), MWK_E_DTYPE);
    int bad_align[] = {-1, 3, 5, 1000}, bad_algo[] = {-1, 5, 7, 1000}, bad_pol[] = {-1, 2, 5, 1000};
    for (int i = 0; i < 4; i++) {
        mwk_options_init(&opt);
        opt.align = (mwk_align)bad_align[i];
        cr_assert_eq(mwk_move_mean(X, MWK_F64, N, 1, Y, 1, 3, &opt), MWK_E_ALIGN, "align %d",
                     bad_align[i]);
        mwk_options_init(&opt);
        opt.algorithm = (mwk_algorithm)bad_algo[i];
        cr_assert_eq(mwk_move_mean(X, MWK_F64, N, 1, Y, 1, 3, &opt), MWK_E_ALGORITHM,
                     "algorithm %d", bad_algo[i]);
        mwk_options_init(&opt);
        opt.nan_policy = (mwk_nan_policy)bad_pol[i];
        cr_assert_eq(mwk_move_mean(X, MWK_F64, N, 1, Y, 1, 3, &opt), MWK_E_NAN_POLICY,
                     "nan_policy %d", bad_pol[i]);
    }
    EXPECT_UNTOUCHED();
}

Test(api, options_struct_size_threads_target) {
    mwk_options opt;
    size_t sizes[] = {0, 1, sizeof(mwk_options) + 4096, SIZE_MAX};
    for (int i = 0; i < 4; i++) {
        mwk_options_init(&opt);
        opt.struct_size = sizes[i];
        cr_assert_eq(mwk_move_mean(X, MWK_F64, N, 1, Y, 1, 3, &opt), MWK_E_OPTIONS,
                     "struct_size %zu", sizes[i]);
        mwk_algorithm ch;
        cr_assert_eq(mwk_move_mean_choose(MWK_F64, N, 3, &opt, &ch), MWK_E_OPTIONS);
    }
    mwk_options_init(&opt);
    opt.threads = -1;
    cr_assert_eq(mwk_move_mean_batch(X, MWK_F64, 1, N, N, 1, Y, N, 1, 3, &opt), MWK_E_THREADS);
    mwk_options_init(&opt);
    const char *bogus[] = {"bogus", "", "AVX512 ", "scalar,avx2"};
    for (int i = 0; i < 4; i++) {
        opt.target = bogus[i];
        cr_assert_eq(mwk_move_mean(X, MWK_F64, N, 1, Y, 1, 3, &opt), MWK_E_TARGET, "target '%s'",
                     bogus[i]);
        mwk_algorithm ch;
        cr_assert_eq(mwk_move_mean_choose(MWK_F64, N, 3, &opt, &ch), MWK_E_TARGET);
    }
    EXPECT_UNTOUCHED();
    /* every supported target works, for every algorithm */
    const char *const *t;
    size_t nt = mt_targets(&t);
    mwk_algorithm algos[5];
    size_t na = mt_algos(algos);
    for (size_t i = 0; i < nt; i++)
        for (size_t a = 0; a < na; a++) {
            mwk_options_init(&opt);
            opt.target = t[i];
            opt.algorithm = algos[a];
            cr_assert_eq(mwk_move_mean(X, MWK_F64, N, 1, Y, 1, 3, &opt), MWK_OK, "target %s algo %s",
                         t[i] ? t[i] : "(null)", mt_algo_str(algos[a]));
        }
    /* compiled but unsupported targets are refused */
    mwk_runtime_info info;
    memset(&info, 0, sizeof info);
    info.struct_size = sizeof info;
    cr_assert_eq(mwk_runtime_info_get(&info), MWK_OK);
    if (info.compiled_targets && info.supported_targets) {
        char buf[512];
        snprintf(buf, sizeof buf, "%s", info.compiled_targets);
        char *save = NULL;
        for (char *c = strtok_r(buf, ",", &save); c; c = strtok_r(NULL, ",", &save)) {
            int sup = list_has(info.supported_targets, c);
            mwk_options_init(&opt);
            opt.target = c;
            mwk_status st = mwk_move_mean(X, MWK_F64, N, 1, Y, 1, 3, &opt);
            cr_assert_eq(st, sup ? MWK_OK : MWK_E_TARGET, "compiled target %s (supported %d)", c,
                         sup);
        }
    }
}

Test(api, status_strings) {
    /* 0.2 adds MWK_E_STAT (17) and MWK_E_PARAMS (18) */
    cr_assert_eq((int)MWK_E_STAT, 17);
    cr_assert_eq((int)MWK_E_PARAMS, 18);
    const char *s[19];
    for (int i = 0; i <= 18; i++) {
        s[i] = mwk_status_str((mwk_status)i);
        cr_assert_not_null(s[i], "status %d", i);
        cr_assert(strlen(s[i]) > 0, "status %d has an empty string", i);
        for (int j = 0; j < i; j++)
            cr_assert(strcmp(s[i], s[j]) != 0, "status %d and %d share '%s'", i, j, s[i]);
    }
    int out[] = {19, 100, -1, 1 << 30};
    for (int i = 0; i < 4; i++) {
        const char *p = mwk_status_str((mwk_status)out[i]);
        cr_assert_not_null(p, "mwk_status_str(%d) is NULL", out[i]);
    }
}

Test(api, names) {
    static const char *algos[] = {"auto",  "naive",    "ring",      "prefix",  "fft",    "deque",
                                  "welford", "heap", "skiplist", "sortblock", "fenwick", "network", "direct",
                                  "gemm"};
    cr_assert_eq(MWK_ALGO_COUNT, 14);
    for (int i = 0; i < MWK_ALGO_COUNT; i++) cr_assert_str_eq(mwk_algorithm_name((mwk_algorithm)i), algos[i]);
    cr_assert_null(mwk_algorithm_name((mwk_algorithm)MWK_ALGO_COUNT));
    cr_assert_null(mwk_algorithm_name((mwk_algorithm)-1));
    cr_assert_str_eq(mwk_align_name(MWK_ALIGN_TRAILING), "trailing");
    cr_assert_str_eq(mwk_align_name(MWK_ALIGN_VALID), "valid");
    cr_assert_str_eq(mwk_align_name(MWK_ALIGN_CENTERED), "centered");
    cr_assert_str_eq(mwk_nan_policy_name(MWK_NAN_SKIP), "skip");
    cr_assert_str_eq(mwk_nan_policy_name(MWK_NAN_PROPAGATE), "propagate");
    cr_assert_str_eq(mwk_dtype_name(MWK_F64), "float64");
    cr_assert_str_eq(mwk_dtype_name(MWK_F32), "float32");
    cr_assert_str_eq(mwk_dtype_name(MWK_I64), "int64");
    cr_assert_str_eq(mwk_dtype_name(MWK_I32), "int32");
    static const char *dts[] = {"float64", "float32", "int64", "int32", "int16", "int8",
                                "uint64",  "uint32",  "uint16", "uint8", "bool", "float16"};
    for (int i = 0; i < 12; i++) cr_assert_str_eq(mwk_dtype_name((mwk_dtype)i), dts[i]);
    cr_assert_null(mwk_dtype_name((mwk_dtype)12));
    /* unknown values: must not crash, and must not pass for a valid name */
    const char *p = mwk_align_name((mwk_align)9);
    cr_assert(!p || (strcmp(p, "trailing") && strcmp(p, "valid") && strcmp(p, "centered")));
    p = mwk_nan_policy_name((mwk_nan_policy)9);
    cr_assert(!p || (strcmp(p, "skip") && strcmp(p, "propagate")));
    p = mwk_dtype_name((mwk_dtype)99);
    cr_assert(!p || (strcmp(p, "float64") && strcmp(p, "float32") && strcmp(p, "int64") &&
                     strcmp(p, "int32")));
}

Test(api, out_len_and_out_dtype) {
    size_t ol = 0;
    cr_assert_eq(mwk_move_mean_out_len(10, 3, MWK_ALIGN_TRAILING, &ol), MWK_OK);
    cr_assert_eq(ol, 10);
    cr_assert_eq(mwk_move_mean_out_len(10, 3, MWK_ALIGN_VALID, &ol), MWK_OK);
    cr_assert_eq(ol, 8);
    cr_assert_eq(mwk_move_mean_out_len(10, 3, MWK_ALIGN_CENTERED, &ol), MWK_OK);
    cr_assert_eq(ol, 10);
    cr_assert_eq(mwk_move_mean_out_len(10, 10, MWK_ALIGN_VALID, &ol), MWK_OK);
    cr_assert_eq(ol, 1);
    cr_assert_eq(mwk_move_mean_out_len(1, 1, MWK_ALIGN_VALID, &ol), MWK_OK);
    cr_assert_eq(ol, 1);
    cr_assert_eq(mwk_move_mean_out_len(SIZE_MAX, 2, MWK_ALIGN_VALID, &ol), MWK_OK);
    cr_assert_eq(ol, SIZE_MAX - 1);
    ol = 77;
    cr_assert_eq(mwk_move_mean_out_len(10, 0, MWK_ALIGN_TRAILING, &ol), MWK_E_WINDOW);
    cr_assert_eq(mwk_move_mean_out_len(10, 11, MWK_ALIGN_VALID, &ol), MWK_E_WINDOW_TOO_LONG);
    cr_assert_eq(mwk_move_mean_out_len(0, 1, MWK_ALIGN_TRAILING, &ol), MWK_E_WINDOW_TOO_LONG);
    cr_assert_eq(mwk_move_mean_out_len(10, 3, (mwk_align)3, &ol), MWK_E_ALIGN);
    cr_assert_eq(mwk_move_mean_out_len(10, 3, (mwk_align)-1, &ol), MWK_E_ALIGN);
    cr_assert_eq(mwk_move_mean_out_len(10, 3, MWK_ALIGN_TRAILING, NULL), MWK_E_NULL);

    mwk_dtype od = (mwk_dtype)99;
    cr_assert_eq(mwk_move_mean_out_dtype(MWK_F64, &od), MWK_OK);
    cr_assert_eq(od, MWK_F64);
    cr_assert_eq(mwk_move_mean_out_dtype(MWK_F32, &od), MWK_OK);
    cr_assert_eq(od, MWK_F32);
    cr_assert_eq(mwk_move_mean_out_dtype(MWK_I64, &od), MWK_OK);
    cr_assert_eq(od, MWK_F64);
    cr_assert_eq(mwk_move_mean_out_dtype(MWK_I32, &od), MWK_OK);
    cr_assert_eq(od, MWK_F64);
    /* 0.2: the new dtypes; float16 keeps float32 like float32 */
    for (int d = 4; d < 12; d++) {
        cr_assert_eq(mwk_move_mean_out_dtype((mwk_dtype)d, &od), MWK_OK);
        cr_assert_eq(od, d == MWK_F16 ? MWK_F32 : MWK_F64, "dtype %d", d);
    }
    cr_assert_eq(mwk_move_mean_out_dtype((mwk_dtype)12, &od), MWK_E_DTYPE);
    cr_assert_eq(mwk_move_mean_out_dtype((mwk_dtype)-1, &od), MWK_E_DTYPE);
}

Test(api, choose_never_fft) {
    const char *const *t;
    size_t nt = mt_targets(&t);
    size_t ns[] = {1, 2, 10, 100, 1000, 30000, 1000000, (size_t)1 << 40};
    size_t ws[] = {1, 2, 3, 7, 64, 1000, 100000, (size_t)1 << 30};
    for (int dt = 0; dt < 12; dt++)
        for (size_t ti = 0; ti <= nt; ti++)
            for (int ni = 0; ni < 8; ni++)
                for (int wi = 0; wi < 8; wi++) {
                    if (ws[wi] > ns[ni]) continue;
                    for (int ask = 0; ask < 2; ask++) {
                        mwk_options opt = MWK_OPTIONS_INIT;
                        opt.target = ti < nt ? t[ti] : NULL;
                        if (ask) opt.algorithm = MWK_ALGO_FFT; /* must not matter */
                        mwk_algorithm ch = (mwk_algorithm)-1;
                        mwk_status st = mwk_move_mean_choose((mwk_dtype)dt, ns[ni], ws[wi],
                                                             ti == nt && !ask ? NULL : &opt, &ch);
                        cr_assert_eq(st, MWK_OK, "choose(dtype %d, n %zu, w %zu, target %s) -> %d",
                                     dt, ns[ni], ws[wi], opt.target ? opt.target : "-", (int)st);
                        cr_assert(ch == MWK_ALGO_NAIVE || ch == MWK_ALGO_RING ||
                                      ch == MWK_ALGO_PREFIX,
                                  "choose(dtype %d, n %zu, w %zu, target %s) gave %d", dt, ns[ni],
                                  ws[wi], opt.target ? opt.target : "-", (int)ch);
                        cr_assert(mwk_algorithm_available(ch));
                    }
                }
    mwk_options opt = MWK_OPTIONS_INIT;
    opt.target = "bogus";
    mwk_algorithm ch;
    cr_assert_eq(mwk_move_mean_choose(MWK_F64, 100, 10, &opt, &ch), MWK_E_TARGET);
    cr_assert_eq(mwk_move_mean_choose((mwk_dtype)12, 100, 10, NULL, &ch), MWK_E_DTYPE);
}

Test(api, options_init_and_available) {
    mwk_options a, b = MWK_OPTIONS_INIT;
    memset(&a, 0x5C, sizeof a);
    mwk_options_init(&a);
    cr_assert_eq(a.struct_size, sizeof(mwk_options));
    cr_assert_eq(a.align, MWK_ALIGN_TRAILING);
    cr_assert_eq(a.algorithm, MWK_ALGO_AUTO);
    cr_assert_eq(a.nan_policy, MWK_NAN_SKIP);
    cr_assert_eq(a.min_count, MWK_MIN_COUNT_WINDOW);
    cr_assert_eq(a.threads, 0);
    cr_assert_null(a.target);
    cr_assert_eq(a.long_window, MWK_LONG_WINDOW_ERROR);
    cr_assert_eq(b.struct_size, a.struct_size);
    cr_assert_eq(b.min_count, a.min_count);
    cr_assert_eq(b.long_window, MWK_LONG_WINDOW_ERROR);
    /* a 0.1 caller (struct ended after target) keeps working through mwk_move_mean */
    mwk_options old;
    mwk_options_init(&old);
    old.struct_size = offsetof(mwk_options, long_window);
    old.long_window = MWK_LONG_WINDOW_CLIP; /* beyond a 0.1 caller's struct: must be ignored */
    cr_assert_eq(mwk_move_mean(X, MWK_F64, N, 1, Y, 1, 3, &old), MWK_OK);
    cr_assert_eq(mwk_move_mean(X, MWK_F64, 2, 1, Y, 1, 3, &old), MWK_E_WINDOW_TOO_LONG);
    mwk_algorithm ch;
    cr_assert_eq(mwk_move_mean_choose(MWK_F64, N, 3, &old, &ch), MWK_OK);

    cr_assert_eq(mwk_algorithm_available(MWK_ALGO_AUTO), 1);
    cr_assert_eq(mwk_algorithm_available(MWK_ALGO_NAIVE), 1);
    cr_assert_eq(mwk_algorithm_available(MWK_ALGO_RING), 1);
    cr_assert_eq(mwk_algorithm_available(MWK_ALGO_PREFIX), 1);
    cr_assert_eq(!!mwk_algorithm_available(MWK_ALGO_FFT), !!MWK_HAVE_FFTW);
    cr_assert_eq(mwk_algorithm_available((mwk_algorithm)MWK_ALGO_COUNT), 0);
    cr_assert_eq(mwk_algorithm_available((mwk_algorithm)-1), 0);
    if (!MWK_HAVE_FFTW) {
        mwk_options opt = MWK_OPTIONS_INIT;
        opt.algorithm = MWK_ALGO_FFT;
        cr_assert_eq(mwk_move_mean(X, MWK_F64, N, 1, Y, 1, 3, &opt), MWK_E_UNAVAILABLE);
    }
}

/* ---- runtime info ----------------------------------------------------------- */
Test(runtime, info) {
    mwk_runtime_info info;
    memset(&info, 0, sizeof info);
    info.struct_size = sizeof info;
    cr_assert_eq(mwk_runtime_info_get(&info), MWK_OK);
    cr_assert_not_null(info.statistics, "0.2 runtime info lists the statistics");
    /* the 0.1 size (without `statistics`) is accepted and leaves the rest alone */
    struct {
        mwk_runtime_info i;
        unsigned char guard[16];
    } old;
    memset(&old, 0x5C, sizeof old);
    old.i.struct_size = offsetof(mwk_runtime_info, statistics);
    cr_assert_eq(mwk_runtime_info_get(&old.i), MWK_OK);
    cr_assert_str_eq(old.i.version, "0.2.0");
    const unsigned char *tail = (const unsigned char *)&old.i + offsetof(mwk_runtime_info, statistics);
    for (size_t k = 0; k < sizeof old - offsetof(mwk_runtime_info, statistics); k++)
        cr_assert_eq(tail[k], 0x5C, "a 0.1-size runtime_info got byte %zu beyond its struct written", k);
    mwk_runtime_info bad;
    memset(&bad, 0, sizeof bad);
    bad.struct_size = offsetof(mwk_runtime_info, statistics) - 1;
    cr_assert_eq(mwk_runtime_info_get(&bad), MWK_E_OPTIONS);
    cr_assert_not_null(info.version);
    cr_assert_str_eq(info.version, "0.2.0");
    cr_assert_str_eq(info.version, MWK_VERSION_STRING);
    cr_assert_not_null(info.supported_targets);
    cr_assert(strlen(info.supported_targets) > 0);
    cr_assert_not_null(info.compiled_targets);
    cr_assert_not_null(info.backends);
    cr_assert(info.max_threads >= 1, "max_threads %d", info.max_threads);
    /* supported is a subset of compiled */
    char buf[512];
    snprintf(buf, sizeof buf, "%s", info.supported_targets);
    char *save = NULL;
    for (char *c = strtok_r(buf, ",", &save); c; c = strtok_r(NULL, ",", &save))
        cr_assert(list_has(info.compiled_targets, c), "supported target %s not in compiled '%s'",
                  c, info.compiled_targets);
    if (!getenv("MWK_TARGET")) {
        cr_assert_null(info.target_request);
        cr_assert_eq(info.target_status, MWK_OK);
        cr_assert_not_null(info.target);
        size_t k = strlen(info.target);
        cr_assert(strncmp(info.supported_targets, info.target, k) == 0 &&
                      (info.supported_targets[k] == ',' || info.supported_targets[k] == 0),
                  "process target %s is not the first of '%s'", info.target,
                  info.supported_targets);
    }
    cr_assert_eq(list_has(info.backends, "highway"), !!MWK_HAVE_HWY, "backends '%s'", info.backends);
    cr_assert_eq(list_has(info.backends, "fftw"), !!MWK_HAVE_FFTW, "backends '%s'", info.backends);
    cr_assert_eq(list_has(info.backends, "openmp"), !!MWK_HAVE_OPENMP, "backends '%s'",
                 info.backends);
    cr_assert_eq(info.highway_version != NULL, !!MWK_HAVE_HWY);
    cr_assert_eq(info.fftw_version != NULL, !!MWK_HAVE_FFTW);
    if (MWK_HAVE_HWY) cr_assert(strlen(info.highway_version) > 0);
    if (MWK_HAVE_HWY) {
        /* with Highway there is more than the scalar/emulated target on x86-64 */
#if defined(__x86_64__)
        cr_assert(strchr(info.supported_targets, ',') != NULL,
                  "Highway build lists a single target: '%s'", info.supported_targets);
#endif
    }
    /* stable strings */
    mwk_runtime_info again;
    memset(&again, 0, sizeof again);
    again.struct_size = sizeof again;
    cr_assert_eq(mwk_runtime_info_get(&again), MWK_OK);
    cr_assert_str_eq(again.supported_targets, info.supported_targets);
}

/* MWK_TARGET=<each supported target> in a child process (the env helper). */
static int run_helper(const char *target, const char *mode, const char *arg) {
    char envbuf[256];
    snprintf(envbuf, sizeof envbuf, "MWK_TARGET=%s", target);
    size_t ne = 0;
    while (environ[ne]) ne++;
    char **env = calloc(ne + 2, sizeof *env);
    size_t k = 0;
    for (size_t i = 0; i < ne; i++)
        if (strncmp(environ[i], "MWK_TARGET=", 11) != 0) env[k++] = environ[i];
    env[k++] = envbuf;
    env[k] = NULL;
    char *argv[] = {(char *)MWK_ENV_HELPER, (char *)mode, (char *)arg, NULL};
    pid_t pid;
    int rc = posix_spawn(&pid, MWK_ENV_HELPER, NULL, NULL, argv, env);
    free(env);
    if (rc != 0) return -1000 - rc;
    int status = 0;
    if (waitpid(pid, &status, 0) < 0) return -2000;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -3000 - (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

Test(runtime, mwk_target_env_every_target) {
    const char *const *t;
    size_t nt = mt_targets(&t);
    for (size_t i = 0; i < nt; i++) {
        if (!t[i]) continue;
        int rc = run_helper(t[i], "expect", t[i]);
        cr_assert_eq(rc, 0, "env helper with MWK_TARGET=%s failed (rc %d, see its stderr)", t[i], rc);
    }
    int rc = run_helper("bogus", "expect-fail", "bogus");
    cr_assert_eq(rc, 0, "env helper with MWK_TARGET=bogus failed (rc %d)", rc);
}

/* AUTO runs exactly what mwk_move_mean_choose reports: bit-identical results. */
Test(api, auto_runs_the_chosen_algorithm) {
    const char *const *t;
    size_t nt = mt_targets(&t);
    size_t ns[] = {10, 1000, 30000};
    size_t ws[] = {1, 3, 8, 64, 1000, 30000};
    double *x = mt_alloc(30000 * 8);
    double *y1 = mt_alloc(30000 * 8), *y2 = mt_alloc(30000 * 8);
    mt_rng r;
    mt_rng_seed(&r, 5150);
    for (size_t i = 0; i < 30000; i++) x[i] = 1e3 + mt_rng_normal(&r);
    for (size_t ti = 0; ti < nt; ti++)
        for (int ni = 0; ni < 3; ni++)
            for (int wi = 0; wi < 6; wi++) {
                size_t n = ns[ni], w = ws[wi];
                if (w > n) continue;
                mwk_options opt = MWK_OPTIONS_INIT;
                opt.target = t[ti];
                mwk_algorithm ch;
                cr_assert_eq(mwk_move_mean_choose(MWK_F64, n, w, &opt, &ch), MWK_OK);
                cr_assert_eq(mwk_move_mean(x, MWK_F64, n, 1, y1, 1, w, &opt), MWK_OK);
                opt.algorithm = ch;
                cr_assert_eq(mwk_move_mean(x, MWK_F64, n, 1, y2, 1, w, &opt), MWK_OK);
                cr_assert(memcmp(y1, y2, n * 8) == 0,
                          "auto differs from the chosen algorithm %s (target %s, n %zu, w %zu)",
                          mt_algo_str(ch), t[ti] ? t[ti] : "-", n, w);
            }
    mt_free(x);
    mt_free(y1);
    mt_free(y2);
}

/* mwk_release_caches: callable any time, FFT works again afterwards. */
Test(api, release_caches) {
    mwk_release_caches();
    mwk_release_caches();
    size_t n = 5000, w = 100;
    double *x = mt_alloc(n * 8), *y = mt_alloc(n * 8);
    mt_rng r;
    mt_rng_seed(&r, 31337);
    for (size_t i = 0; i < n; i++) x[i] = mt_rng_normal(&r);
    mt_oracle o;
    mt_oracle_compute(&o, x, MWK_F64, n, w, MWK_ALIGN_TRAILING, MWK_NAN_SKIP, MWK_MIN_COUNT_WINDOW);
    for (int round = 0; round < 3; round++) {
        mwk_algorithm algos[5];
        size_t na = mt_algos(algos);
        for (size_t a = 0; a < na; a++) {
            mwk_options opt = MWK_OPTIONS_INIT;
            opt.algorithm = algos[a];
            cr_assert_eq(mwk_move_mean(x, MWK_F64, n, 1, y, 1, w, &opt), MWK_OK);
            mt_ctx c = {"release_caches", algos[a], NULL, MWK_F64, MWK_ALIGN_TRAILING, MWK_NAN_SKIP,
                        MWK_MIN_COUNT_WINDOW, n, w, 1, 1, 0, 31337};
            cr_assert_eq(mt_check(&c, &o, y, 5), 0);
        }
        mwk_release_caches();
    }
    mt_oracle_free(&o);
    mt_free(x);
    mt_free(y);
}
