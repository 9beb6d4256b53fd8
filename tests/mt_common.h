/*
 * Shared helpers for the mwk C test suite: a deterministic PRNG, an
 * independent exact oracle (Shewchuk partials, like Python's math.fsum),
 * strided layouts with poisoned gaps and canaries, and the accuracy check
 * that implements the contract of include/mwk.h.
 *
 * Nothing here calls the library's own algorithms to compute expectations.
 */
#ifndef MT_COMMON_H
#define MT_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <mwk.h>
#include <mwk_config.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- size knobs ----------------------------------------------------------
 * MWK_TEST_QUICK=1 shrinks the big sizes and tests two targets (the best and
 * the most basic) per call, for the sanitizers; MWK_TEST_QUICK=2 (valgrind,
 * qemu) is the same with the best target only. Returns 0, 1 or 2. */
int mt_quick(void);
/* n if not quick, else q. */
size_t mt_size(size_t full, size_t quick);
/* The tiny grid (MWK_TEST_QUICK=2: valgrind, qemu) runs one dtype per class
 * of code path instead of all 12 (every dtype is read into the float64
 * working row by one plain C loop per dtype, dtype.c; past that the kernels
 * only see doubles): float64 (read in place, no copy), float32 (float32
 * output), float16 (half conversion, float32 output), int64 and uint64 (the
 * exact 64-bit integer paths of the extrema, signed and unsigned order),
 * int32 (the integer conversion int8..uint32 share) and bool. The other five
 * (int16, int8, uint32, uint16, uint8) run natively and under ASan+UBSan.
 * mt_dtype_is_rep: dt is one of those seven. mt_dtype_runs: 1 unless the
 * level is 2 and dt is not a representative. */
int mt_dtype_is_rep(mwk_dtype dt);
int mt_dtype_runs(mwk_dtype dt);
/* The unit roundoff long double really has in this process: 2^-64 on x86 and
 * 2^-113 on aarch64 natively, but 2^-53 under valgrind, which runs x87 code
 * at double precision (and double's exponent range). References computed in
 * long double add their own error, measured with this, to their tolerance. */
double mt_ld_eps(void);

/* ---- PRNG: splitmix64 + Box-Muller ---------------------------------------- */
typedef struct mt_rng {
    uint64_t s;
    int has_spare;
    double spare;
} mt_rng;

void mt_rng_seed(mt_rng *r, uint64_t seed);
uint64_t mt_rng_u64(mt_rng *r);
double mt_rng_unif(mt_rng *r);  /* [0, 1) */
double mt_rng_normal(mt_rng *r); /* N(0, 1) */
uint64_t mt_hash(uint64_t a, uint64_t b);

/* ---- dtypes ---------------------------------------------------------------- */
size_t mt_elsize(mwk_dtype dt);
mwk_dtype mt_out_dtype(mwk_dtype dt);
const char *mt_dtype_str(mwk_dtype dt);
const char *mt_align_str(mwk_align a);
const char *mt_algo_str(mwk_algorithm a);
const char *mt_policy_str(mwk_nan_policy p);
/* Element i of contiguous typed data, as double (int64 rounded). */
double mt_get(const void *data, mwk_dtype dt, size_t i);
/* Element i exactly (int64/uint64 included: long double holds 64 bits on x86
 * and aarch64). */
long double mt_getl(const void *data, mwk_dtype dt, size_t i);
/* IEEE binary16 <-> double, written from the format (round to nearest even). */
double mt_f16_to_double(uint16_t h);
uint16_t mt_double_to_f16(double v);
/* Store v (already representable for f32 / integral for ints; f16 rounded) as element i. */
void mt_put(void *data, mwk_dtype dt, size_t i, double v);
/* A contiguous typed copy of double values (f32: rounded; ints: truncated). */
void *mt_from_doubles(const double *v, size_t n, mwk_dtype dt);

/* ---- SIMD targets and algorithms ------------------------------------------- */
/* Targets supported on this CPU, parsed from mwk_runtime_info_get(): all of
 * them, or under MWK_TEST_QUICK the best and the most basic (1) or the best
 * (2); MWK_TEST_TARGETS=a,b overrides that with the listed ones this CPU
 * supports (all of the list's unsupported names are ignored). */
size_t mt_targets(const char *const **names);
/* Algorithms available in this build, auto included; returns count. */
size_t mt_algos(mwk_algorithm out[5]);

/* ---- exact oracle ------------------------------------------------------------ */
typedef struct mt_expect {
    double mean;  /* exactly rounded-ish mean (<= 1 ulp), or NaN / +inf / -inf */
    double abs_c; /* sum(|x| over averaged values) / count (finite windows) */
    size_t count; /* number of values averaged (0 when expected is NaN) */
} mt_expect;

typedef struct mt_oracle {
    size_t n, w, min_count, out_len;
    mwk_align align;
    mwk_nan_policy policy;
    double rowmax; /* max |x| over the finite values of the row */
    mt_expect *e;
} mt_oracle;

/* Window [lo, hi) of output k per the header's alignment rules. */
void mt_window(size_t n, size_t w, mwk_align al, size_t k, size_t *lo, size_t *hi);
size_t mt_out_len(size_t n, size_t w, mwk_align al);

/* min_count: MWK_MIN_COUNT_WINDOW or 1..w. data is contiguous typed data. */
void mt_oracle_compute(mt_oracle *o, const void *data, mwk_dtype dt, size_t n, size_t w,
                       mwk_align al, mwk_nan_policy pol, size_t min_count);
void mt_oracle_free(mt_oracle *o);

/* Exactly rounded sum of doubles (Shewchuk / fsum); exposed for self tests. */
double mt_fsum(const double *v, size_t n);
/* The partials behind it: add any number of doubles (also negated ones, to
 * slide a window), read the correctly rounded exact sum. Exact while no
 * partial overflows. */
#define MT_XS_MAX 128
typedef struct mt_xsum {
    double p[MT_XS_MAX];
    int n;
} mt_xsum;
void mt_xs_add(mt_xsum *s, double x);
double mt_xs_round(const mt_xsum *s);

/* ---- checking ------------------------------------------------------------- */
typedef struct mt_ctx {
    const char *what; /* test / data name */
    mwk_algorithm algo;
    const char *target; /* NULL: process target */
    mwk_dtype dtype;
    mwk_align align;
    mwk_nan_policy policy;
    size_t min_count;
    size_t n, w;
    ptrdiff_t xs, ys; /* element strides */
    size_t xoff;      /* element offset of the lowest x (and y) element from 64-byte alignment */
    uint64_t seed;
} mt_ctx;

void mt_ctx_print(FILE *f, const mt_ctx *c);

/* Tolerance for output k (finite expectations only). */
double mt_tol(const mt_ctx *c, const mt_oracle *o, size_t k);

/* Compares out_len contiguous outputs (output dtype) with the oracle; prints up
 * to max_report mismatches with full reproduction info; returns mismatches. */
size_t mt_check(const mt_ctx *c, const mt_oracle *o, const void *y, size_t max_report);

/* Lays out contiguous typed data per c (xs, xoff), poisons gaps, calls
 * mwk_move_mean with y stride c->ys into a canaried buffer, verifies that
 * canaries and gaps of y are untouched and x unchanged; on MWK_OK gathers the
 * outputs into out_contig (out_len elements of the output dtype). Returns the
 * status; *layout_bad counts layout violations (printed). */
mwk_status mt_call(const mt_ctx *c, const void *data, void *out_contig, size_t *layout_bad);

/* Number of mt_call() calls so far in this process (for MWK_TEST_VERBOSE). */
extern size_t mt_calls;

/* Options for a context (algo, target, align, policy, min_count). */
void mt_ctx_opts(const mt_ctx *c, mwk_options *opt);

/* Everything in one: call + check; returns failures (status != OK counts 1). */
size_t mt_run_check(const mt_ctx *c, const void *data, const mt_oracle *o, size_t max_report);

/* 64-byte aligned allocation helpers (abort on failure). */
void *mt_alloc(size_t bytes);
void mt_free(void *p);

#ifdef __cplusplus
}
#endif
#endif
