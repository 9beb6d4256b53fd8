/*
 * Every statistic of the registry, driven by the registry: for each
 * s < mwk_stat_count() and each algorithm mwk_stat_info_get lists (plus auto),
 * on every supported SIMD target (opt.target), 12 dtypes, 3 alignments, both
 * NaN policies and several min_counts, n around the window and 131071,
 * strides 1 / 3 / -1 and misaligned pointers, compared with references
 * written here and nowhere else:
 *
 *   sum, mean   exact window sums (Shewchuk partials, sliding), contract
 *               |err| <= (w + 2) 2^-53 sum|x| (/count), fft: the header's bound
 *   var, std    two-pass in long double per window (exactly 0 for a constant
 *               window), contract |err| <= 8 (w + 4) 2^-53 var + w 2^-1074
 *   min, max    plain loops, exact (64-bit integers: exact extremum rounded once)
 *   argmin/max  plain loops, exact, ties to the newest element
 *   median,     each window's non-NaN values sorted here; numpy.quantile's
 *   quantile    rules (numpy >= 1.22: index (c-1)*q in double) picking the
 *               order statistics; exact (bit-identical, -0.0 == +0.0) for
 *               lower/higher/nearest and whenever no interpolation happens,
 *               else the exact lerp a + t(b - a) in long double within 1 ulp;
 *               and every algorithm bit-identical to the first (naive).
 *               The grid's quantile takes q and the method from the (n, w,
 *               alignment) hash; quantile/several_q runs q lists in one call
 *   rank        counts below/equal to the (clipped) window's newest value,
 *               exact (one rounding)
 *
 * A statistic the registry lists but this file has no reference for still
 * gets every generic check (statuses, layout, alignment invariance, batch ==
 * row by row, options), and registry/every_statistic_has_a_reference fails
 * until a reference is added here: new statistics cannot slip through.
 *
 * MWK_TEST_QUICK=1: the best and the most basic target only, fewer (n, w)
 * pairs per dtype, n = 4099 instead of 131071, 1e5 float32 samples instead of
 * 1e7 (see tests/README.md).
 */
#include <criterion/criterion.h>
#include <float.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "mt_common.h"

#define MAX_REPORT 12
#define NDT 12
#define MAX_STATS 64
#define U53 0x1p-53

/* ---- the registry ----------------------------------------------------------- */
typedef enum ref_kind {
    REF_NONE,
    REF_MEAN,
    REF_SUM,
    REF_VAR,
    REF_STD,
    REF_MIN,
    REF_MAX,
    REF_ARGMIN,
    REF_ARGMAX,
    REF_MEDIAN,
    REF_QUANTILE,
    REF_RANK
} ref_kind;

/* Which reference below implements a statistic, by its registry name. This
 * is not the list of statistics tested (that is the registry); a name missing
 * here fails registry/every_statistic_has_a_reference. */
static const struct {
    const char *name;
    ref_kind kind;
} REFS[] = {{"mean", REF_MEAN}, {"sum", REF_SUM},       {"var", REF_VAR},
            {"std", REF_STD},   {"min", REF_MIN},       {"max", REF_MAX},
            {"argmin", REF_ARGMIN}, {"argmax", REF_ARGMAX}, {"median", REF_MEDIAN},
            {"quantile", REF_QUANTILE}, {"rank", REF_RANK}};

typedef struct st_stat {
    mwk_stat id;
    mwk_status info_status;
    mwk_stat_info info;
    const char *name;
    ref_kind ref;
    mwk_algorithm algos[MWK_ALGO_COUNT + 1]; /* the statistic's algorithms, then auto */
    size_t nalgos;
} st_stat;

static st_stat STATS[MAX_STATS];
static size_t NSTATS;
static const char *LEFT_OUT[MAX_STATS]; /* registry order; see stats() */
static size_t NLEFT_OUT;
static int STATS_LOADED;

static size_t stats(void) {
    if (STATS_LOADED) return NSTATS;
    STATS_LOADED = 1;
    size_t count = mwk_stat_count();
    for (size_t s = 0; s < count && s < MAX_STATS; s++) {
        st_stat *t = &STATS[NSTATS++];
        memset(t, 0, sizeof *t);
        t->id = (mwk_stat)s;
        t->info.struct_size = sizeof t->info;
        t->info_status = mwk_stat_info_get(t->id, &t->info);
        /* Weighted statistics (taps in mwk_params) have a suite of their own,
         * tests/test_weighted.c, with an exact per-window reference, every
         * algorithm x target x dtype x alignment, and fft's block bound (their
         * auto may pick fft, documented in mwk.h): this file's grid, which
         * passes no taps and holds auto to the strict per-window contract,
         * leaves them to it. */
        if (t->info_status == MWK_OK && (t->info.params & MWK_PARAM_WEIGHTS)) {
            LEFT_OUT[NLEFT_OUT++] = t->info.name;
            NSTATS--;
            continue;
        }
        t->name = t->info_status == MWK_OK && t->info.name ? t->info.name : "?";
        for (size_t r = 0; r < sizeof REFS / sizeof REFS[0]; r++)
            if (strcmp(REFS[r].name, t->name) == 0) t->ref = REFS[r].kind;
        if (t->info_status == MWK_OK && t->info.algorithms)
            for (size_t a = 0; a < t->info.n_algorithms && t->nalgos < MWK_ALGO_COUNT; a++)
                if ((unsigned)t->info.algorithms[a] < MWK_ALGO_COUNT &&
                    t->info.algorithms[a] != MWK_ALGO_AUTO)
                    t->algos[t->nalgos++] = t->info.algorithms[a];
        t->algos[t->nalgos++] = MWK_ALGO_AUTO;
    }
    return NSTATS;
}

static int has_ddof(const st_stat *s) { return (s->info.params & MWK_PARAM_DDOF) != 0; }
static int is_arg(const st_stat *s) { return s->ref == REF_ARGMIN || s->ref == REF_ARGMAX; }
static int is_order(ref_kind k) { return k == REF_MEDIAN || k == REF_QUANTILE || k == REF_RANK; }

/* The header's output dtype rule: float32/float16 in, float32 out, for a
 * statistic that keeps float32 (argmin/argmax do not); float64 otherwise. */
static mwk_dtype rule_out_dtype(const st_stat *s, mwk_dtype dt) {
    if (s->info.float_output_keeps_f32 && (dt == MWK_F32 || dt == MWK_F16)) return MWK_F32;
    return MWK_F64;
}

/* What the library says (reported separately when it differs from the rule). */
static mwk_dtype out_dtype(const st_stat *s, mwk_dtype dt) {
    mwk_dtype od;
    if (mwk_move_out_dtype(s->id, dt, &od) != MWK_OK || (od != MWK_F32 && od != MWK_F64))
        return rule_out_dtype(s, dt);
    return od;
}

static int is_float_dt(mwk_dtype dt) { return dt == MWK_F64 || dt == MWK_F32 || dt == MWK_F16; }

/* ---- data -------------------------------------------------------------------------- */
/* Typed row. kind 0: clean (ties, a constant run); kind 1: NaN runs, single
 * NaNs, sparse +-inf and an adjacent +inf -inf pair (float dtypes). */
static void *gen(mwk_dtype dt, size_t n, int kind, uint64_t seed) {
    mt_rng r;
    mt_rng_seed(&r, seed);
    void *d = mt_alloc((n ? n : 1) * mt_elsize(dt));
    double off = (seed & 1) ? 10.0 : 0.0, sc = (seed & 2) ? 1e3 : 1.0;
    for (size_t i = 0; i < n; i++) {
        uint64_t u = mt_rng_u64(&r);
        switch (dt) {
        case MWK_F64:
        case MWK_F32:
        case MWK_F16: {
            double v = (u & 7) == 0 ? (double)((u >> 8) % 5) : off + mt_rng_normal(&r) * sc;
            mt_put(d, dt, i, v);
            break;
        }
        case MWK_I64: {
            int64_t v;
            if ((u & 15) == 0) v = (int64_t)(mt_rng_u64(&r));
            else if ((u & 15) == 1) v = INT64_MAX - (int64_t)((u >> 8) & 1023);
            else if ((u & 15) == 2) v = INT64_MIN + (int64_t)((u >> 8) & 1023);
            else v = (int64_t)((u >> 8) % 2001) - 1000;
            ((int64_t *)d)[i] = v;
            break;
        }
        case MWK_U64: {
            uint64_t v;
            if ((u & 15) == 0) v = mt_rng_u64(&r);
            else if ((u & 15) == 1) v = UINT64_MAX - ((u >> 8) & 1023);
            else v = (u >> 8) % 2001;
            ((uint64_t *)d)[i] = v;
            break;
        }
        case MWK_I32: ((int32_t *)d)[i] = (u & 3) ? (int32_t)(u >> 32) : (int32_t)((u >> 8) % 9) - 4; break;
        case MWK_U32: ((uint32_t *)d)[i] = (u & 3) ? (uint32_t)(u >> 32) : (uint32_t)((u >> 8) % 9); break;
        case MWK_I16: ((int16_t *)d)[i] = (u & 3) ? (int16_t)(u >> 48) : (int16_t)((u >> 8) % 9) - 4; break;
        case MWK_U16: ((uint16_t *)d)[i] = (u & 3) ? (uint16_t)(u >> 48) : (uint16_t)((u >> 8) % 9); break;
        case MWK_I8: ((int8_t *)d)[i] = (int8_t)(u >> 56); break;
        case MWK_U8: ((uint8_t *)d)[i] = (uint8_t)(u >> 56); break;
        case MWK_BOOL:
            /* mostly 0 / 1, sometimes another non-zero byte (true) */
            ((uint8_t *)d)[i] = (u & 1) ? 0 : ((u >> 8) & 7) ? 1 : (uint8_t)((u >> 16) | 2);
            break;
        }
    }
    if (is_float_dt(dt) && kind == 0 && n >= 80 && (seed & 8)) {
        /* a constant run: var/std exactly 0 inside, min == max */
        size_t p = (size_t)(mt_rng_u64(&r) % (n - 70));
        for (size_t i = p; i < p + 70; i++) mt_put(d, dt, i, off + 0.1);
    }
    if (is_float_dt(dt) && kind == 1) {
        for (size_t i = 0; i < n; i++) {
            double u = mt_rng_unif(&r);
            if ((((i / 37) % 4) == 1 && u < 0.5) || u < 0.03) mt_put(d, dt, i, NAN);
        }
        size_t ninf = n / 700 + (n >= 5 ? 1 : 0);
        for (size_t j = 0; j < ninf; j++) {
            size_t p = (size_t)(mt_rng_u64(&r) % n);
            mt_put(d, dt, p, (mt_rng_u64(&r) & 1) ? INFINITY : -INFINITY);
        }
        if (n > 3 && (seed & 4)) {
            size_t p = (size_t)(mt_rng_u64(&r) % (n - 1));
            mt_put(d, dt, p, INFINITY);
            mt_put(d, dt, p + 1, -INFINITY);
        }
    }
    return d;
}

/* ---- one call --------------------------------------------------------------------------- */
typedef struct spec {
    const char *what;
    const st_stat *st;
    int ddof;
    int params_null; /* pass NULL params (defaults) instead of a struct */
    mwk_algorithm algo;
    const char *target;
    mwk_dtype dt;
    mwk_align al;
    mwk_nan_policy pol;
    size_t mc; /* raw: MWK_MIN_COUNT_WINDOW or a count */
    size_t n, w;
    ptrdiff_t xs, ys;
    size_t xoff;
    int clip;    /* long_window = CLIP */
    int threads; /* 0: one thread (fast on a shared machine); -1: the library's default (0) */
    uint64_t seed;
    int has_q; /* quantile: q and interp below (run1 copies them from the reference) */
    double q;
    mwk_interpolation interp;
} spec;

static void spec_print(FILE *f, const spec *c) {
    char mcs[32];
    if (c->mc == MWK_MIN_COUNT_WINDOW) snprintf(mcs, sizeof mcs, "default");
    else snprintf(mcs, sizeof mcs, "%zu", c->mc);
    fprintf(f,
            "[%s] stat=%s algo=%s target=%s dtype=%s align=%s nan=%s min_count=%s ddof=%d%s "
            "n=%zu w=%zu x_stride=%td y_stride=%td offset=%zu long_window=%s threads=%d seed=0x%llx",
            c->what ? c->what : "?", c->st->name, mt_algo_str(c->algo),
            c->target ? c->target : "(process)", mt_dtype_str(c->dt), mt_align_str(c->al),
            mt_policy_str(c->pol), mcs, c->ddof, c->params_null ? " (NULL params)" : "", c->n, c->w,
            c->xs, c->ys, c->xoff, c->clip ? "clip" : "error", c->threads,
            (unsigned long long)c->seed);
    if (c->has_q) fprintf(f, " q=%.17g interpolation=%d", c->q, (int)c->interp);
}

static size_t ref_out_len(size_t n, size_t w, mwk_align al) {
    if (al == MWK_ALIGN_VALID) return (w >= 1 && w <= n) ? n - w + 1 : 0;
    return n;
}

static void spec_opts(const spec *c, mwk_options *opt) {
    mwk_options_init(opt);
    opt->algorithm = c->algo;
    opt->target = c->target;
    opt->align = c->al;
    opt->nan_policy = c->pol;
    opt->min_count = c->mc;
    opt->long_window = c->clip ? MWK_LONG_WINDOW_CLIP : MWK_LONG_WINDOW_ERROR;
    opt->threads = c->threads == 0 ? 1 : c->threads < 0 ? 0 : c->threads;
}

/* Poison for input gaps: the dtype's extremes (a read gap would ruin any result). */
static void poison(void *b, mwk_dtype dt, size_t i) {
    int odd = (int)(i & 1);
    switch (dt) {
    case MWK_I64: ((int64_t *)b)[i] = odd ? INT64_MAX : INT64_MIN; break;
    case MWK_U64: ((uint64_t *)b)[i] = odd ? UINT64_MAX : 0; break;
    case MWK_I32: ((int32_t *)b)[i] = odd ? INT32_MAX : INT32_MIN; break;
    case MWK_U32: ((uint32_t *)b)[i] = odd ? UINT32_MAX : 0; break;
    case MWK_I16: ((int16_t *)b)[i] = odd ? INT16_MAX : INT16_MIN; break;
    case MWK_U16: ((uint16_t *)b)[i] = odd ? UINT16_MAX : 0; break;
    case MWK_I8: ((int8_t *)b)[i] = odd ? INT8_MAX : INT8_MIN; break;
    case MWK_U8: ((uint8_t *)b)[i] = odd ? UINT8_MAX : 0; break;
    case MWK_BOOL: ((uint8_t *)b)[i] = odd ? 0x7F : 0; break;
    default: mt_put(b, dt, i, odd ? 1e300 : -1e300); break; /* floats: saturate to the max / inf */
    }
}

static size_t span(size_t n, ptrdiff_t s) {
    if (n == 0) return 1;
    size_t as = (size_t)(s < 0 ? -s : s);
    return (n - 1) * as + 1;
}

#define CANARY 64
#define POISON_BYTE 0xA5

size_t st_calls;

/* Lays out `data` (contiguous, typed) per c (stride, offset from 64-byte
 * alignment, poisoned gaps), calls mwk_move into a canaried, poisoned y,
 * verifies that x is unchanged and nothing outside the outputs was written,
 * gathers the outputs into out (contiguous, output dtype). */
static mwk_status st_call(const spec *c, const void *data, mwk_dtype od, void *out,
                          size_t *layout_bad) {
    st_calls++;
    size_t e = mt_elsize(c->dt), eo = mt_elsize(od), n = c->n;
    size_t L = (c->w >= 1 && (c->w <= n || c->clip)) ? ref_out_len(n, c->w, c->al) : n;
    size_t xsp = span(n, c->xs), xtot = c->xoff + xsp + 8;
    unsigned char *xb = mt_alloc(xtot * e);
    for (size_t i = 0; i < xtot; i++) poison(xb, c->dt, i);
    size_t axs = (size_t)(c->xs < 0 ? -c->xs : c->xs);
    unsigned char *x = xb + (c->xoff + ((c->xs < 0 && n) ? (n - 1) * axs : 0)) * e;
    for (size_t k = 0; k < n; k++)
        memcpy(x + (ptrdiff_t)k * c->xs * (ptrdiff_t)e, (const unsigned char *)data + k * e, e);
    unsigned char *xcopy = mt_alloc(xtot * e);
    memcpy(xcopy, xb, xtot * e);

    size_t ysp = span(L, c->ys), ybytes = 2 * CANARY + (c->xoff + ysp) * eo;
    unsigned char *yb = mt_alloc(ybytes);
    memset(yb, POISON_BYTE, ybytes);
    size_t ays = (size_t)(c->ys < 0 ? -c->ys : c->ys);
    unsigned char *y = yb + CANARY + (c->xoff + ((c->ys < 0 && L) ? (L - 1) * ays : 0)) * eo;

    mwk_options opt;
    spec_opts(c, &opt);
    mwk_params prm;
    mwk_params_init(&prm);
    prm.ddof = c->ddof;
    if (c->has_q) prm.quantile = c->q, prm.interpolation = c->interp;
    mwk_status st = mwk_move(c->st->id, c->params_null ? NULL : &prm, x, c->dt, n, c->xs, y,
                             c->ys, c->w, &opt);
    size_t bad = 0;
    if (memcmp(xcopy, xb, xtot * e) != 0) {
        fprintf(stderr, "LAYOUT input was modified: ");
        spec_print(stderr, c);
        fprintf(stderr, "\n");
        bad++;
    }
    unsigned char *allowed = calloc(ybytes, 1);
    if (!allowed) abort();
    if (st == MWK_OK)
        for (size_t k = 0; k < L; k++) {
            unsigned char *p = y + (ptrdiff_t)k * c->ys * (ptrdiff_t)eo;
            memset(allowed + (p - yb), 1, eo);
            memcpy((unsigned char *)out + k * eo, p, eo);
        }
    size_t outside = 0, first = 0;
    for (size_t i = 0; i < ybytes; i++)
        if (!allowed[i] && yb[i] != POISON_BYTE) {
            if (!outside) first = i;
            outside++;
        }
    if (outside) {
        fprintf(stderr, "LAYOUT %zu byte(s) written outside the outputs (first at byte %td from y, status %d): ",
                outside, (ptrdiff_t)first - (y - yb), (int)st);
        spec_print(stderr, c);
        fprintf(stderr, "\n");
        bad++;
    }
    free(allowed);
    mt_free(yb);
    mt_free(xcopy);
    mt_free(xb);
    if (layout_bad) *layout_bad += bad;
    return st;
}

/* ---- references ------------------------------------------------------------------------------ */
/* Per-window facts computed once per row and alignment (NaN skipped), then
 * finalised for a NaN policy, min_count, ddof, algorithm and output dtype. */
typedef struct raw_w {
    size_t len, nn, np, nm, c; /* length, NaNs, +inf, -inf, non-NaN count */
    double sum, abs;           /* exact sum / sum of |x| of the finite values, rounded once, times 1/sc */
    double sc;                 /* 1, or 2^64 where the window's sums could overflow */
    long double m2;            /* sum (x - mean)^2 over non-NaN values (finite windows), times 2^-2ex */
    int ex;                    /* the scale exponent of m2 */
    int constant;              /* all non-NaN values equal */
    double ext;                /* min or max (the exact extremum rounded once) */
    size_t idx, idx_dbl;       /* newest arg-extremum: exact values / converted doubles */
    int skip;                  /* not computed (sampled reference): not checked */
    double qv;                 /* median/quantile/rank: the value (NaN: none) */
    long double qx;            /* an interpolated quantile: the exact lerp (qlerp = 1) */
    double qm;                 /* and max(|a|, |b|) of its two ends */
    int qlerp;
} raw_w;

typedef struct raw {
    size_t n, w, L;
    mwk_align al;
    ref_kind kind;
    double rowmax;
    double q; /* quantile: the q and method this reference is for */
    mwk_interpolation how;
    raw_w *r;
} raw;

/* ---- order statistics, written here from numpy's definitions ------------------------------ */
static int cmp_d(const void *pa, const void *pb) {
    double a = *(const double *)pa, b = *(const double *)pb;
    return (a > b) - (a < b);
}

/* numpy.quantile (>= 1.22) of the c sorted values v for q and a method:
 * virtual index (c-1)*q in double; lower/higher/nearest (half to even) pick
 * one value; linear and midpoint interpolate, given exactly in *x (long
 * double: a + t(b-a), where the double result may be 1 ulp off) with *lerp
 * set. inf: the limit (-inf and +inf: NaN). */
static double ref_quantile(const double *v, size_t c, double q, mwk_interpolation how,
                           long double *x, double *mag, int *lerp) {
    *lerp = 0;
    const double vi = (double)(c - 1) * q;
    double fl = floor(vi), ce = ceil(vi);
    double a, b, t;
    switch (how) {
    case MWK_INTERP_LOWER: return v[(size_t)fl];
    case MWK_INTERP_HIGHER: return v[(size_t)ce];
    case MWK_INTERP_NEAREST: {
        double d = vi - fl;
        size_t i = (size_t)fl;
        if (d > 0.5 || (d == 0.5 && (i & 1))) i++;
        return v[i];
    }
    case MWK_INTERP_MIDPOINT:
        if (fl == ce) return v[(size_t)fl];
        a = v[(size_t)fl], b = v[(size_t)ce], t = 0.5;
        break;
    default:
        if (fl >= (double)(c - 1)) return v[c - 1];
        t = vi - fl;
        a = v[(size_t)fl], b = v[(size_t)fl + 1];
        if (t == 0.0) return a;
        break;
    }
    if (a == b) return a;
    if (isinf(a) && isinf(b)) return NAN;
    if (isinf(a)) return a;
    if (isinf(b)) return b;
    /* b - a can pass DBL_MAX; long double's exponent range absorbs that
     * natively but not under valgrind (double range), so ends beyond 2^1000
     * are scaled by 2^-8 first: exact, and the lerp lies between them. */
    int sc = fabs(a) > 0x1p1000 || fabs(b) > 0x1p1000 ? 8 : 0;
    long double la = ldexpl((long double)a, -sc), lb = ldexpl((long double)b, -sc);
    *x = ldexpl(la + (long double)t * (lb - la), sc);
    *mag = fabs(a) > fabs(b) ? fabs(a) : fabs(b);
    *lerp = 1;
    return (double)*x;
}

/* bottleneck's move_rank of v[newest] among the non-NaN v[lo, hi). */
static double ref_rank(const double *v, size_t lo, size_t hi, size_t newest) {
    double a = v[newest];
    if (isnan(a)) return NAN;
    long long less = 0, equal = 0, c = 0;
    for (size_t i = lo; i < hi; i++) {
        if (isnan(v[i])) continue;
        c++;
        less += v[i] < a;
        equal += v[i] == a;
    }
    if (c <= 1) return 0.0;
    /* 2 (less + (equal - 1)/2) / (c - 1) - 1 = (2 less + equal - c) / (c - 1): exact
     * integers, one rounding */
    return (double)(2 * less + equal - c) / (double)(c - 1);
}

static const double GRID_Q[] = {0.5, 0.1, 0.9, 0.25, 0.0, 1.0, 0.333, 0.75, 0.01};

/* The quantile the grid asks for at (n, w, alignment). */
static void grid_q(size_t n, size_t w, mwk_align al, double *q, mwk_interpolation *how) {
    uint64_t h = mt_hash(mt_hash(n * 3 + (size_t)al, w), 0x9a);
    *q = GRID_Q[h % (sizeof GRID_Q / sizeof GRID_Q[0])];
    *how = (mwk_interpolation)((h >> 16) % 5);
}

/* The precision long double really has here (valgrind: double's): the
 * references' own error allowance uses it. */
static double ld_eps(void) { return mt_ld_eps(); }

static double ulp_f32(double m) {
    float f = fabsf((float)m);
    if (isinf(f)) return INFINITY;
    float up = nextafterf(f, INFINITY);
    if (isinf(up)) return (double)f - (double)nextafterf(f, 0.0f);
    return (double)up - (double)f;
}

/* every > 1: the O(w)-per-window references (var/std, extrema) are computed
 * for every `every`-th window, the first and last min(2000, L/16) and 64
 * windows after each multiple of 4096 (segment and block edges); the rest is
 * not checked. */
static void raw_compute_q(raw *R, ref_kind kind, const void *data, mwk_dtype dt, size_t n,
                          size_t w, mwk_align al, size_t every, double qq, mwk_interpolation how) {
    R->n = n, R->w = w, R->al = al, R->kind = kind;
    R->q = kind == REF_QUANTILE ? qq : 0.5;
    R->how = kind == REF_QUANTILE ? how : MWK_INTERP_LINEAR;
    double *sv = malloc((w ? w : 1) * sizeof(double));
    if (!sv) abort();
    R->L = ref_out_len(n, w, al);
    R->r = calloc(R->L ? R->L : 1, sizeof(raw_w));
    double *xd = malloc((n ? n : 1) * sizeof(double));
    size_t *cn = calloc(n + 1, sizeof(size_t)), *cp = calloc(n + 1, sizeof(size_t)),
           *cm = calloc(n + 1, sizeof(size_t));
    if (!R->r || !xd || !cn || !cp || !cm) abort();
    double rowmax = 0;
    for (size_t i = 0; i < n; i++) {
        xd[i] = mt_get(data, dt, i); /* the header: every input converted to double first */
        cn[i + 1] = cn[i] + (size_t)(isnan(xd[i]) != 0);
        cp[i + 1] = cp[i] + (size_t)(xd[i] == INFINITY);
        cm[i + 1] = cm[i] + (size_t)(xd[i] == -INFINITY);
        if (isfinite(xd[i]) && fabs(xd[i]) > rowmax) rowmax = fabs(xd[i]);
    }
    R->rowmax = rowmax;
    int sliding = rowmax * (double)(w + 2) < 0x1p1000;
    mt_xsum S, A;
    S.n = A.n = 0;
    size_t clo = 0, chi = 0;
    for (size_t k = 0; k < R->L; k++) {
        raw_w *q = &R->r[k];
        size_t lo, hi;
        mt_window(n, w, al, k, &lo, &hi);
        if (hi > n) hi = n;
        q->len = hi - lo;
        q->nn = cn[hi] - cn[lo], q->np = cp[hi] - cp[lo], q->nm = cm[hi] - cm[lo];
        q->c = q->len - q->nn;
        size_t edge = R->L / 16 < 2000 ? R->L / 16 : 2000;
        if (every > 1 && kind != REF_SUM && kind != REF_MEAN && k % every != 0 && k >= edge &&
            k + edge < R->L && k % 4096 >= 64) {
            q->skip = 1;
            continue;
        }
        switch (kind) {
        case REF_SUM:
        case REF_MEAN:
            if (sliding) {
                if (lo >= chi) {
                    S.n = A.n = 0;
                    clo = chi = lo;
                }
                for (; chi < hi; chi++)
                    if (isfinite(xd[chi])) mt_xs_add(&S, xd[chi]), mt_xs_add(&A, fabs(xd[chi]));
                for (; clo < lo; clo++)
                    if (isfinite(xd[clo])) mt_xs_add(&S, -xd[clo]), mt_xs_add(&A, -fabs(xd[clo]));
                q->sum = mt_xs_round(&S);
                q->abs = mt_xs_round(&A);
                q->sc = 1.0;
            } else {
                mt_xsum s1, a1;
                s1.n = a1.n = 0;
                for (size_t i = lo; i < hi; i++)
                    if (isfinite(xd[i])) mt_xs_add(&s1, xd[i] * 0x1p-64), mt_xs_add(&a1, fabs(xd[i]) * 0x1p-64);
                q->sum = mt_xs_round(&s1); /* scaled: the mean divides first */
                q->abs = mt_xs_round(&a1);
                q->sc = 0x1p64;
            }
            break;
        case REF_VAR:
        case REF_STD: {
            if (q->np || q->nm || q->c == 0) break;
            /* two-pass about a pivot (the first value): the mean of the
             * differences errs relative to the spread, not to |mean|, so its
             * second-order effect on m2 stays far below the contract even at
             * 2^63 +- 1000 */
            /* Values are scaled by 2^-e (exact) so that the largest is in
             * [1, 2): no overflow or underflow even where long double has only
             * double's range (valgrind); var = m2 * 2^(2e), std = sqrt * 2^e. */
            double amax = 0;
            for (size_t i = lo; i < hi; i++)
                if (!isnan(xd[i]) && fabs(xd[i]) > amax) amax = fabs(xd[i]);
            int ex = amax > 0 ? ilogb(amax) : 0;
            long double s = 0, first = NAN;
            int constant = 1;
            for (size_t i = lo; i < hi; i++) {
                if (isnan(xd[i])) continue;
                long double v = ldexp(xd[i], -ex);
                if (isnan(first)) first = v;
                else if (xd[i] != (double)ldexpl(first, ex)) constant = 0;
                s += v - first;
            }
            q->constant = constant;
            q->ex = ex;
            if (constant) break;
            long double m = s / (long double)q->c, m2 = 0;
            for (size_t i = lo; i < hi; i++) {
                if (isnan(xd[i])) continue;
                long double d = ((long double)ldexp(xd[i], -ex) - first) - m;
                m2 += d * d;
            }
            q->m2 = m2;
            break;
        }
        case REF_MIN:
        case REF_MAX:
        case REF_ARGMIN:
        case REF_ARGMAX: {
            int want_min = kind == REF_MIN || kind == REF_ARGMIN, have = 0, have_d = 0;
            double ext_d = 0;
            for (size_t i = lo; i < hi; i++) {
                if (isnan(xd[i])) continue;
                /* ties go to the newest element: >= / <= as i grows; 64-bit
                 * integers compared as integers (exact, and not through long
                 * double, which valgrind runs at double precision) */
                int take = !have;
                if (have) {
                    size_t j = q->idx;
                    if (dt == MWK_I64) {
                        int64_t a = ((const int64_t *)data)[i], b = ((const int64_t *)data)[j];
                        take = want_min ? a <= b : a >= b;
                    } else if (dt == MWK_U64) {
                        uint64_t a = ((const uint64_t *)data)[i], b = ((const uint64_t *)data)[j];
                        take = want_min ? a <= b : a >= b;
                    } else
                        take = want_min ? xd[i] <= xd[j] : xd[i] >= xd[j];
                }
                if (take) q->idx = i, have = 1;
                if (!have_d || (want_min ? xd[i] <= ext_d : xd[i] >= ext_d))
                    ext_d = xd[i], q->idx_dbl = i, have_d = 1;
            }
            /* the exact extremum, rounded once to double */
            q->ext = have ? xd[q->idx] : 0.0;
            /* distances from the newest element of the (clipped) window */
            q->idx = hi - 1 - q->idx;
            q->idx_dbl = hi - 1 - q->idx_dbl;
            break;
        }
        case REF_MEDIAN:
        case REF_QUANTILE: {
            size_t c = 0;
            for (size_t i = lo; i < hi; i++)
                if (!isnan(xd[i])) sv[c++] = xd[i];
            q->qv = NAN;
            if (!c) break;
            qsort(sv, c, sizeof *sv, cmp_d);
            q->qv = ref_quantile(sv, c, R->q, R->how, &q->qx, &q->qm, &q->qlerp);
            break;
        }
        case REF_RANK: q->qv = hi > lo ? ref_rank(xd, lo, hi, hi - 1) : NAN; break;
        case REF_NONE: break;
        }
    }
    free(sv);
    free(xd);
    free(cn);
    free(cp);
    free(cm);
}

/* The grid's quantile (grid_q) for this (n, w, alignment). */
static void raw_compute_sampled(raw *R, ref_kind kind, const void *data, mwk_dtype dt, size_t n,
                                size_t w, mwk_align al, size_t every) {
    double q;
    mwk_interpolation how;
    grid_q(n, w, al, &q, &how);
    raw_compute_q(R, kind, data, dt, n, w, al, every, q, how);
}

static void raw_compute(raw *R, ref_kind kind, const void *data, mwk_dtype dt, size_t n, size_t w,
                        mwk_align al) {
    raw_compute_sampled(R, kind, data, dt, n, w, al, 1);
}

static void raw_free(raw *R) {
    free(R->r);
    R->r = NULL;
}

/* Expected output k: value v (in the output dtype), absolute tolerance tol
 * (0: exact), alt (another exact answer accepted, NaN if none). */
typedef struct expect {
    double v, tol, alt;
} expect;

static expect finalize(const raw *R, size_t k, mwk_nan_policy pol, size_t mc_raw, int ddof,
                       mwk_algorithm algo, mwk_dtype od) {
    const raw_w *q = &R->r[k];
    expect e = {NAN, 0.0, NAN};
    size_t w = R->w, mc = mc_raw == MWK_MIN_COUNT_WINDOW ? w : mc_raw;
    int noresult = pol == MWK_NAN_SKIP ? q->c < mc : (q->len < mc || q->nn > 0);
    if (noresult) return e;
    double c = (double)q->c, wd = (double)w;
    int f32 = od == MWK_F32;
    switch (R->kind) {
    case REF_SUM:
    case REF_MEAN: {
        if (q->np && q->nm) return e;
        if (q->np) { e.v = INFINITY; return e; }
        if (q->nm) { e.v = -INFINITY; return e; }
        double div = R->kind == REF_MEAN ? c : 1.0;
        e.v = q->sum / div * q->sc; /* a sum beyond the double range is +-inf */
        if (isinf(e.v)) return e;
        e.tol = (wd + 2.0) * U53 * (q->abs / div * q->sc) * (1.0 + 1e-9) + 0x1p-52 * fabs(e.v) +
                4.0 * DBL_TRUE_MIN; /* inf when sum|x| overflows: then any non-NaN */
        if (algo == MWK_ALGO_FFT) {
            double N = 2.0;
            while (N < 2.0 * (double)R->n) N *= 2.0;
            double lg = log2(N);
            e.tol += 8.0 * lg * U53 * wd * R->rowmax / div + (N + 8.0 * lg * wd) * 0x1p-1074 / div;
        }
        if (f32) {
            e.tol += ulp_f32(e.v);
            if (fabs(e.v) > FLT_MAX) e.tol = INFINITY; /* rounds to inf: class checked below */
        }
        return e;
    }
    case REF_VAR:
    case REF_STD: {
        if ((double)q->c <= (double)ddof) return e;
        if (q->np || q->nm) return e;
        long double var = q->constant ? 0.0L : q->m2 / (long double)(q->c - (size_t)ddof); /* scaled */
        double rel = 8.0 * (wd + 4.0) * U53 + 4.0 * (wd + 4.0) * ld_eps();
        double tiny = wd * 0x1p-1074;
        if (R->kind == REF_VAR) {
            e.v = ldexp((double)var, 2 * q->ex); /* beyond the double range: +inf */
            if (isinf(e.v)) return e;
            e.tol = q->constant ? 0.0 : rel * e.v + tiny + 0x1p-53 * e.v;
        } else {
            e.v = ldexp((double)sqrtl(var), q->ex);
            e.tol = q->constant ? 0.0 : (0.5 * rel + 0x1p-52) * e.v + sqrt(tiny);
        }
        if (f32) {
            if (q->constant) e.v = 0.0;
            else e.tol += ulp_f32(e.v);
        }
        return e;
    }
    case REF_MIN:
    case REF_MAX:
        e.v = (double)q->ext; /* exact extremum, rounded once */
        if (f32) e.v = (double)(float)e.v;
        return e;
    case REF_ARGMIN:
    case REF_ARGMAX:
        e.v = (double)q->idx;
        if (q->idx_dbl != q->idx) e.alt = (double)q->idx_dbl; /* 64-bit ints that round together */
        return e;
    case REF_MEDIAN:
    case REF_QUANTILE:
    case REF_RANK:
        e.v = q->qv;
        if (q->qlerp) {
            /* 1 ulp of the exact lerp, plus long double's own error (valgrind:
             * double precision) relative to the larger end */
            double ex = (double)q->qx, u = nextafter(fabs(ex), INFINITY) - fabs(ex);
            e.tol = u + 4.0 * ld_eps() * q->qm + DBL_TRUE_MIN;
        }
        if (f32) {
            if (q->qlerp) e.tol += ulp_f32(e.v);
            else e.v = (double)(float)e.v;
        }
        return e;
    case REF_NONE: break;
    }
    e.tol = INFINITY; /* no reference: anything finite or not */
    return e;
}

static const char *cls(double v) {
    if (isnan(v)) return "NaN";
    if (isinf(v)) return v > 0 ? "+inf" : "-inf";
    return "finite";
}

/* Compares the contiguous outputs with the reference; prints up to
 * max_report mismatches with everything needed to reproduce. */
static size_t check(const spec *c, const raw *R, const void *y, mwk_dtype od, size_t max_report) {
    if (c->st->ref == REF_NONE) return 0;
    size_t bad = 0;
    int is_var = c->st->ref == REF_VAR || c->st->ref == REF_STD;
    for (size_t k = 0; k < R->L; k++) {
        if (R->r[k].skip) continue;
        double got = od == MWK_F32 ? (double)((const float *)y)[k] : ((const double *)y)[k];
        expect e = finalize(R, k, c->pol, c->mc, c->ddof, c->algo, od);
        int ok;
        if (isnan(e.v)) ok = isnan(got);
        else if (isinf(e.v)) ok = got == e.v;
        else if (e.tol == 0.0) ok = got == e.v || (!isnan(e.alt) && got == e.alt);
        else if (isinf(e.tol)) ok = !isnan(got);
        else ok = isfinite(got) && fabs(got - e.v) <= e.tol;
        if (ok && is_var && got < 0) ok = 0; /* never negative */
        if (!ok) {
            if (bad < max_report) {
                size_t lo, hi;
                mt_window(R->n, R->w, R->al, k, &lo, &hi);
                if (hi > R->n) hi = R->n;
                fprintf(stderr, "MISMATCH ");
                spec_print(stderr, c);
                fprintf(stderr,
                        "\n   output %zu (window [%zu, %zu), %zu non-NaN, %zu NaN, %zu +inf, %zu -inf): "
                        "got %.17g (%s) expected %.17g (%s)%s |err| %.3g bound %.3g\n",
                        k, lo, hi, R->r[k].c, R->r[k].nn, R->r[k].np, R->r[k].nm, got, cls(got),
                        e.v, cls(e.v), isnan(e.alt) ? "" : " (or the double-rounded index)",
                        fabs(got - e.v), e.tol);
            }
            bad++;
        }
    }
    if (bad > max_report && max_report > 0) {
        fprintf(stderr, "   ... %zu mismatches in total for ", bad);
        spec_print(stderr, c);
        fprintf(stderr, "\n");
    }
    return bad;
}

/* call + check; returns failures. out has room for R->L outputs. */
static size_t run1(const spec *c0, const void *data, const raw *R, void *out, size_t *reported) {
    size_t bad = 0;
    spec cq = *c0;
    const spec *c = &cq;
    if (c0->st->ref == REF_QUANTILE) {
        /* the quantile the reference was computed for */
        cq.has_q = 1, cq.q = R->q, cq.interp = R->how;
        if (R->q != 0.5 || R->how != MWK_INTERP_LINEAR) cq.params_null = 0;
    }
    mwk_dtype od = out_dtype(c->st, c->dt);
    mwk_status st = st_call(c, data, od, out, &bad);
    if (st != MWK_OK) {
        if (*reported < MAX_REPORT) {
            fprintf(stderr, "STATUS %d (%s) for a valid call: ", (int)st, mwk_status_str(st));
            spec_print(stderr, c);
            fprintf(stderr, "\n");
        }
        (*reported)++;
        return bad + 1;
    }
    size_t rep = *reported < MAX_REPORT ? MAX_REPORT - *reported : 0;
    size_t b = check(c, R, out, od, rep > 3 ? 3 : rep);
    *reported += b;
    return bad + b;
}

static const char *const *TARGETS;
static size_t NT;
static void targets(void) {
    if (!TARGETS) NT = mt_targets(&TARGETS);
}

/* ---- registry ----------------------------------------------------------------------------------- */
Test(registry, every_statistic_has_a_reference) {
    size_t ns = stats();
    cr_assert(ns >= 1, "the registry is empty");
    cr_assert(mwk_stat_count() <= MAX_STATS, "raise MAX_STATS");
    for (size_t s = 0; s < ns; s++) {
        cr_expect_eq(STATS[s].info_status, MWK_OK, "mwk_stat_info_get(%zu) -> %d", s,
                     (int)STATS[s].info_status);
        cr_expect(STATS[s].ref != REF_NONE,
                  "statistic %zu '%s' has no reference in tests/test_stats.c: add one (every other "
                  "check already runs for it)",
                  s, STATS[s].name);
    }
}

Test(registry, info_is_consistent) {
    size_t ns = stats();
    mwk_runtime_info ri;
    memset(&ri, 0, sizeof ri);
    ri.struct_size = sizeof ri;
    cr_assert_eq(mwk_runtime_info_get(&ri), MWK_OK);
    cr_assert_not_null(ri.statistics, "runtime_info.statistics is NULL");
    char joined[1024] = "";
    for (size_t s = 0; s < ns; s++) {
        const st_stat *t = &STATS[s];
        cr_assert_eq(t->info_status, MWK_OK);
        cr_assert_not_null(t->info.name, "stat %zu has no name", s);
        cr_assert_not_null(t->info.contract, "stat %s has no contract sentence", t->name);
        cr_assert(strlen(t->info.contract) > 0);
        cr_assert_str_eq(mwk_stat_name(t->id), t->name);
        mwk_stat back = (mwk_stat)-1;
        cr_assert_eq(mwk_stat_from_name(t->name, &back), MWK_OK, "from_name(%s)", t->name);
        cr_assert_eq(back, t->id);
        cr_assert(t->info.n_algorithms >= 1 && t->info.algorithms, "stat %s lists no algorithm", t->name);
        cr_assert_eq(t->info.algorithms[0], MWK_ALGO_NAIVE, "stat %s: reference (naive) not first", t->name);
        cr_assert_eq(t->nalgos, t->info.n_algorithms + 1, "stat %s lists auto or out-of-range algorithms",
                     t->name);
        for (size_t a = 0; a < t->info.n_algorithms; a++) {
            mwk_algorithm al = t->info.algorithms[a];
            for (size_t b = 0; b < a; b++)
                cr_assert_neq(t->info.algorithms[b], al, "stat %s lists %s twice", t->name, mt_algo_str(al));
            cr_assert_eq(mwk_stat_has_algorithm(t->id, al), 1, "stat %s: has_algorithm(%s)", t->name,
                         mt_algo_str(al));
            const char *an = mwk_algorithm_name(al);
            cr_assert_not_null(an);
            mwk_algorithm ab;
            cr_assert_eq(mwk_algorithm_from_name(an, &ab), MWK_OK);
            cr_assert_eq(ab, al);
        }
        cr_assert_eq(mwk_stat_has_algorithm(t->id, MWK_ALGO_AUTO), 1);
        for (int a = 0; a < MWK_ALGO_COUNT; a++) {
            int listed = a == MWK_ALGO_AUTO;
            for (size_t b = 0; b < t->info.n_algorithms; b++) listed |= t->info.algorithms[b] == (mwk_algorithm)a;
            cr_assert_eq(mwk_stat_has_algorithm(t->id, (mwk_algorithm)a), listed,
                         "stat %s: has_algorithm(%s) disagrees with the list", t->name,
                         mt_algo_str((mwk_algorithm)a));
        }
        cr_assert_eq(mwk_stat_has_algorithm(t->id, (mwk_algorithm)MWK_ALGO_COUNT), 0);
        cr_assert_eq(mwk_stat_has_algorithm(t->id, (mwk_algorithm)-1), 0);
        /* the header's output dtype rule, for every dtype */
        if (t->ref != REF_NONE)
            cr_assert_eq(t->info.float_output_keeps_f32, !is_arg(t),
                         "stat %s: float_output_keeps_f32 %d", t->name, t->info.float_output_keeps_f32);
        for (int d = 0; d < NDT; d++) {
            mwk_dtype od = (mwk_dtype)99;
            cr_assert_eq(mwk_move_out_dtype(t->id, (mwk_dtype)d, &od), MWK_OK);
            cr_assert_eq(od, rule_out_dtype(t, (mwk_dtype)d), "stat %s dtype %s: out dtype %d",
                         t->name, mt_dtype_str((mwk_dtype)d), (int)od);
        }
        mwk_dtype od;
        cr_assert_eq(mwk_move_out_dtype(t->id, (mwk_dtype)NDT, &od), MWK_E_DTYPE);
        cr_assert_eq(mwk_move_out_dtype(t->id, (mwk_dtype)-1, &od), MWK_E_DTYPE);
        cr_assert_eq(mwk_move_out_dtype(t->id, MWK_F64, NULL), MWK_E_NULL);
        cr_assert_eq(has_ddof(t), t->ref == REF_VAR || t->ref == REF_STD || (t->ref == REF_NONE && has_ddof(t)),
                     "stat %s: params bits 0x%x", t->name, t->info.params);
        if (s) strncat(joined, ",", sizeof joined - strlen(joined) - 1);
        strncat(joined, t->name, sizeof joined - strlen(joined) - 1);
    }
    for (size_t i = 0; i < NLEFT_OUT; i++) { /* the weighted statistics come last in the registry */
        strncat(joined, ",", sizeof joined - strlen(joined) - 1);
        strncat(joined, LEFT_OUT[i], sizeof joined - strlen(joined) - 1);
    }
    cr_assert_str_eq(ri.statistics, joined, "runtime_info.statistics is not the registry");
    /* out-of-range statistics: clean errors */
    int bad_stats[] = {(int)mwk_stat_count(), (int)mwk_stat_count() + 1, -1, 1000, 1 << 30};
    for (int i = 0; i < 5; i++) {
        mwk_stat b = (mwk_stat)bad_stats[i];
        mwk_stat_info info;
        info.struct_size = sizeof info;
        cr_assert_eq(mwk_stat_info_get(b, &info), MWK_E_STAT, "stat_info_get(%d)", bad_stats[i]);
        cr_assert_null(mwk_stat_name(b));
        cr_assert_eq(mwk_stat_has_algorithm(b, MWK_ALGO_AUTO), 0);
        cr_assert_eq(mwk_stat_has_algorithm(b, MWK_ALGO_NAIVE), 0);
        mwk_dtype od;
        cr_assert_eq(mwk_move_out_dtype(b, MWK_F64, &od), MWK_E_STAT);
        mwk_algorithm ch;
        cr_assert_eq(mwk_move_choose(b, NULL, MWK_F64, 100, 10, NULL, &ch), MWK_E_STAT);
    }
    mwk_stat o;
    cr_assert_eq(mwk_stat_from_name("no-such-statistic", &o), MWK_E_STAT);
    cr_assert_eq(mwk_stat_from_name("", &o), MWK_E_STAT);
    cr_assert_eq(mwk_stat_from_name("MEAN ", &o), MWK_E_STAT);
    mwk_status sn = mwk_stat_from_name(NULL, &o);
    cr_assert(sn == MWK_E_NULL || sn == MWK_E_STAT, "stat_from_name(NULL) -> %d", (int)sn);
    cr_assert_eq(mwk_stat_info_get(MWK_STAT_MEAN, NULL), MWK_E_NULL);
    mwk_algorithm ao;
    cr_assert_eq(mwk_algorithm_from_name("bogus", &ao), MWK_E_ALGORITHM);
    cr_assert_eq(mwk_algorithm_from_name("auto", &ao), MWK_OK);
    cr_assert_eq(ao, MWK_ALGO_AUTO);
    for (int a = 0; a < MWK_ALGO_COUNT; a++) {
        const char *an = mwk_algorithm_name((mwk_algorithm)a);
        cr_assert_not_null(an, "algorithm %d has no name", a);
        cr_assert_eq(mwk_algorithm_from_name(an, &ao), MWK_OK);
        cr_assert_eq(ao, (mwk_algorithm)a);
    }
    cr_assert_null(mwk_algorithm_name((mwk_algorithm)MWK_ALGO_COUNT));
}

/* ---- the grid ------------------------------------------------------------------------------------ */
typedef struct layout {
    ptrdiff_t xs, ys;
    size_t xoff;
} layout;
static const layout LAYOUTS[] = {
    {1, 1, 0},   /* contiguous, 64-byte aligned */
    {1, 1, 1},   /* misaligned by one element: bit-identical to the above */
    {3, 2, 0},   /* strided input and output */
    {-1, -1, 1}, /* reversed, misaligned */
};
#define NLAYOUTS 4

typedef struct nw {
    size_t n, w;
} nw;
/* (n, w) pairs: n around the window; all dtypes get LITE, f64/f32 get FULL. */
static const nw FULL[] = {{1, 1},    {2, 1},    {7, 1},    {2, 2},     {3, 2},     {3, 3},
                          {4, 3},    {11, 3},   {7, 7},    {8, 7},     {19, 7},    {300, 7},
                          {64, 64},  {65, 64},  {133, 64}, {300, 64},  {1000, 1000}, {1001, 1000},
                          {2500, 1000}, {2500, 3}};
static const nw LITE[] = {{1, 1}, {7, 1}, {3, 2}, {4, 3}, {11, 3}, {8, 7}, {300, 7}, {65, 64}, {300, 64}, {1001, 1000}};
static const nw QUICK[] = {{1, 1}, {3, 2}, {11, 3}, {8, 7}, {65, 64}, {200, 64}};

/* Bit-identical outputs (NaN payloads aside; -0.0 == +0.0). */
static int same_bits(const void *a, const void *b, size_t L, mwk_dtype od) {
    for (size_t k = 0; k < L; k++) {
        double x = od == MWK_F32 ? (double)((const float *)a)[k] : ((const double *)a)[k];
        double y = od == MWK_F32 ? (double)((const float *)b)[k] : ((const double *)b)[k];
        if (isnan(x) && isnan(y)) continue;
        if (x == 0.0 && y == 0.0) continue;
        if (memcmp(&x, &y, sizeof x) != 0) return 0;
    }
    return 1;
}

/* The algorithm runs each window on its own (naive, or auto choosing it):
 * the costly checks are limited for it. */
static int runs_naive(const st_stat *st, mwk_algorithm algo, mwk_dtype dt, size_t n, size_t w) {
    if (algo == MWK_ALGO_AUTO) {
        mwk_algorithm ch;
        if (mwk_move_choose(st->id, NULL, dt, n, w, NULL, &ch) == MWK_OK) algo = ch;
    }
    return algo == MWK_ALGO_NAIVE;
}

static size_t grid_pair(const st_stat *st, mwk_dtype dt, mwk_align al, size_t n, size_t w,
                        size_t *reported) {
    targets();
    size_t bad = 0;
    mwk_dtype od = out_dtype(st, dt);
    size_t eo = mt_elsize(od), L = ref_out_len(n, w, al);
    unsigned char *out = mt_alloc((L + 1) * eo), *keep = mt_alloc((L + 1) * eo),
                  *first = mt_alloc((L + 1) * eo);
    for (int kind = 0; kind < (is_float_dt(dt) ? 2 : 1); kind++) {
        uint64_t seed = mt_hash(mt_hash(n, w), (uint64_t)dt * 64 + (uint64_t)al * 4 + (uint64_t)kind +
                                                   ((uint64_t)st->id << 20));
        void *data = gen(dt, n, kind, seed);
        raw R;
        raw_compute(&R, st->ref, data, dt, n, w, al);
        for (int pol = 0; pol < 2; pol++) {
            size_t mcs[3] = {MWK_MIN_COUNT_WINDOW, 1, (w + 1) / 2};
            size_t nmc = w > 1 ? 2 : 1;
            if ((w + 1) / 2 > 1 && (w + 1) / 2 < w) nmc = 3;
            for (size_t m = 0; m < nmc; m++) {
                uint64_t h = mt_hash(seed, (uint64_t)pol * 8 + m);
                int ddof = has_ddof(st) ? (int)(h % 3 == 2 ? (w > 1 ? 2 : 1) : h % 2) : 0;
                for (size_t a = 0; a < st->nalgos; a++) {
                    mwk_algorithm algo = st->algos[a];
                    int naive_big = runs_naive(st, algo, dt, n, w) && (double)n * (double)w > 4e5;
                    size_t trot = (size_t)(mt_hash(h, a) % NT);
                    /* every target on the default min_count and layout; others rotate */
                    for (size_t t = 0; t < NT; t++) {
                        if ((m != 0 || naive_big) && t != trot) continue;
                        spec c = {kind ? "grid/dirty" : "grid/clean", st, ddof, (int)(h >> 40) % 5 == 0 && ddof == 0,
                                  algo, TARGETS[t], dt, al, (mwk_nan_policy)pol, mcs[m], n, w,
                                  1, 1, 0, 0, 0, seed, 0, 0.0, MWK_INTERP_LINEAR};
                        bad += run1(&c, data, &R, out, reported);
                        if (t == trot) memcpy(keep, out, L * eo);
                    }
                    if (is_order(st->ref)) {
                        /* order statistics: every algorithm gives the first one's bits */
                        if (a == 0) memcpy(first, keep, L * eo);
                        else if (!same_bits(first, keep, L, od)) {
                            if (*reported < MAX_REPORT) {
                                spec c = {"grid/bits", st, 0, 0, algo, TARGETS[trot], dt, al,
                                          (mwk_nan_policy)pol, mcs[m], n, w, 1, 1, 0, 0, 0, seed, 0, 0.0, MWK_INTERP_LINEAR};
                                fprintf(stderr, "BITS differ from %s: ", mt_algo_str(st->algos[0]));
                                spec_print(stderr, &c);
                                fprintf(stderr, "\n");
                            }
                            (*reported)++;
                            bad++;
                        }
                    }
                    if (m != 0 || naive_big) continue;
                    for (size_t l = 1; l < NLAYOUTS; l++) {
                        spec c = {kind ? "grid/dirty" : "grid/clean", st, ddof, 0, algo, TARGETS[trot],
                                  dt, al, (mwk_nan_policy)pol, mcs[m], n, w, LAYOUTS[l].xs,
                                  LAYOUTS[l].ys, LAYOUTS[l].xoff, 0, l == 2 ? -1 : 0, seed, 0, 0.0, MWK_INTERP_LINEAR};
                        bad += run1(&c, data, &R, out, reported);
                        if (l == 1 && memcmp(out, keep, L * eo) != 0) {
                            if (*reported < MAX_REPORT) {
                                fprintf(stderr, "ALIGNMENT results differ between 64-byte aligned and "
                                                "one-element-offset pointers: ");
                                spec_print(stderr, &c);
                                fprintf(stderr, "\n");
                            }
                            (*reported)++;
                            bad++;
                        }
                    }
                }
            }
        }
        raw_free(&R);
        mt_free(data);
    }
    mt_free(out);
    mt_free(keep);
    mt_free(first);
    return bad;
}

/* window 0 and window > n are rejected (long_window ERROR), nothing written */
static size_t grid_reject(const st_stat *st, mwk_dtype dt, mwk_align al, size_t n, size_t w) {
    targets();
    size_t bad = 0;
    void *data = gen(dt, n, 0, 7);
    void *out = mt_alloc((n + 2) * 8);
    mwk_status want = w == 0 ? MWK_E_WINDOW : MWK_E_WINDOW_TOO_LONG;
    for (size_t a = 0; a < st->nalgos; a++) {
        spec c = {"reject", st, 0, 0, st->algos[a], TARGETS[a % NT], dt, al, MWK_NAN_SKIP,
                  MWK_MIN_COUNT_WINDOW, n, w, 1, 1, 0, 0, 0, 7, 0, 0.0, MWK_INTERP_LINEAR};
        mwk_status s = st_call(&c, data, out_dtype(st, dt), out, &bad);
        if (!(s == want || (n == 0 && w == 0 && s == MWK_E_WINDOW_TOO_LONG))) {
            fprintf(stderr, "REJECT expected status %d got %d: ", (int)want, (int)s);
            spec_print(stderr, &c);
            fprintf(stderr, "\n");
            bad++;
        }
    }
    mt_free(out);
    mt_free(data);
    return bad;
}

static void run_grid(mwk_dtype dt, mwk_align al) {
    /* tiny grid: one dtype per class of code path (mt_common.h) */
    if (!mt_dtype_runs(dt))
        cr_skip_test("MWK_TEST_QUICK=2: %s shares int32's conversion path (mt_dtype_is_rep)",
                     mt_dtype_str(dt));
    size_t ns = stats(), bad = 0, reported = 0;
    const nw *pairs;
    size_t np;
    if (mt_quick()) pairs = QUICK, np = sizeof QUICK / sizeof QUICK[0];
    else if (dt == MWK_F64 || dt == MWK_F32) pairs = FULL, np = sizeof FULL / sizeof FULL[0];
    else pairs = LITE, np = sizeof LITE / sizeof LITE[0];
    for (size_t s = 0; s < ns; s++) {
        const st_stat *st = &STATS[s];
        for (size_t p = 0; p < np; p++) bad += grid_pair(st, dt, al, pairs[p].n, pairs[p].w, &reported);
        bad += grid_reject(st, dt, al, 0, 1);
        bad += grid_reject(st, dt, al, 5, 6);
        bad += grid_reject(st, dt, al, 5, 0);
    }
    if (getenv("MWK_TEST_VERBOSE"))
        fprintf(stderr, "stats grid %s/%s: %zu calls\n", mt_dtype_str(dt), mt_align_str(al), st_calls);
    cr_assert_eq(bad, 0, "%zu failures in the statistics grid for dtype=%s align=%s (see stderr)", bad,
                 mt_dtype_str(dt), mt_align_str(al));
}

#define GRID3(dtn, dt)                                                                  \
    Test(grid, dtn##_trailing, .timeout = 900) { run_grid(dt, MWK_ALIGN_TRAILING); }    \
    Test(grid, dtn##_valid, .timeout = 900) { run_grid(dt, MWK_ALIGN_VALID); }          \
    Test(grid, dtn##_centered, .timeout = 900) { run_grid(dt, MWK_ALIGN_CENTERED); }

GRID3(f64, MWK_F64)
GRID3(f32, MWK_F32)
GRID3(i64, MWK_I64)
GRID3(i32, MWK_I32)
GRID3(i16, MWK_I16)
GRID3(i8, MWK_I8)
GRID3(u64, MWK_U64)
GRID3(u32, MWK_U32)
GRID3(u16, MWK_U16)
GRID3(u8, MWK_U8)
GRID3(bool, MWK_BOOL)
GRID3(f16, MWK_F16)

/* ---- quantile: several q in one call ----------------------------------------------------------- */
/* Each q list x interpolation x algorithm x alignment through
 * mwk_move_batch_k (positions k apart, values adjacent, float32 and float64),
 * every value against the single-q reference and bit-identical across the
 * algorithms. */
static const double QL1[] = {0.5};
static const double QL3[] = {0.1, 0.5, 0.9};
static const double QL7[] = {1.0, 0.0, 0.25, 0.75, 0.333, 0.5, 0.5};
static const struct {
    const double *q;
    size_t k;
} QLISTS[] = {{QL1, 1}, {QL3, 3}, {QL7, 7}};

Test(quantile, several_q, .timeout = 600) {
    targets();
    size_t ns = stats(), bad = 0, rep = 0;
    const st_stat *st = NULL;
    for (size_t s = 0; s < ns; s++)
        if (STATS[s].ref == REF_QUANTILE) st = &STATS[s];
    cr_assert_not_null(st, "no quantile statistic in the registry");
    /* tiny grid: 260 (w = 200 still has 61 full windows and both clipped ends) */
    const size_t n = mt_quick() >= 2 ? 260 : mt_size(1500, 400), ws[] = {1, 4, 37, 200};
    for (int fd = 0; fd < 2; fd++) {
        mwk_dtype dt = fd ? MWK_F32 : MWK_F64, od = out_dtype(st, dt);
        size_t eo = mt_elsize(od);
        for (size_t wi = 0; wi < 4; wi++) {
            size_t w = ws[wi];
            void *data = gen(dt, n, (int)(wi & 1), mt_hash(0x5e7, wi * 2 + (size_t)fd) | 12);
            for (size_t li = 0; li < 3; li++) {
                size_t K = QLISTS[li].k;
                unsigned char *first = mt_alloc(n * K * eo + 8), *y = mt_alloc(n * K * eo + 8);
                for (int how = 0; how < 5; how++) {
                    mwk_align al = (mwk_align)((wi + li + (size_t)how) % 3);
                    size_t L = ref_out_len(n, w, al);
                    raw R[7];
                    for (size_t q = 0; q < K; q++)
                        raw_compute_q(&R[q], REF_QUANTILE, data, dt, n, w, al, 1, QLISTS[li].q[q],
                                      (mwk_interpolation)how);
                    mwk_params prm;
                    mwk_params_init(&prm);
                    prm.quantiles = QLISTS[li].q;
                    prm.n_quantiles = K;
                    prm.interpolation = (mwk_interpolation)how;
                    for (size_t a = 0; a < st->nalgos; a++) {
                        /* the same rules for every algorithm (bits compared below) */
                        mwk_nan_policy pol = (mwk_nan_policy)((size_t)how & 1);
                        size_t mc = ((size_t)how + li) & 2 ? (w + 1) / 2 : 1;
                        spec c = {"several_q", st, 0, 0, st->algos[a], TARGETS[(a + (size_t)how) % NT], dt,
                                  al, pol, mc, n, w, 1, 1, 0, 0, 0, 0, 1, 0.0, (mwk_interpolation)how};
                        mwk_options opt;
                        spec_opts(&c, &opt);
                        memset(y, 0xA5, n * K * eo);
                        mwk_status s = mwk_move_batch_k(st->id, &prm, data, dt, 1, n, (ptrdiff_t)n, 1, y,
                                                        (ptrdiff_t)(n * K), (ptrdiff_t)K, 1, w, &opt);
                        if (s != MWK_OK) {
                            if (rep++ < MAX_REPORT) {
                                fprintf(stderr, "STATUS %d for %zu quantiles: ", (int)s, K);
                                spec_print(stderr, &c);
                                fprintf(stderr, "\n");
                            }
                            bad++;
                            continue;
                        }
                        /* column q through the single-q check */
                        unsigned char *col = mt_alloc(L * eo + 8);
                        for (size_t q = 0; q < K; q++) {
                            for (size_t k = 0; k < L; k++) memcpy(col + k * eo, y + (k * K + q) * eo, eo);
                            c.q = QLISTS[li].q[q];
                            size_t b = check(&c, &R[q], col, od, rep < MAX_REPORT ? 3 : 0);
                            rep += b;
                            bad += b;
                        }
                        mt_free(col);
                        if (a == 0) memcpy(first, y, L * K * eo);
                        else if (!same_bits(first, y, L * K, od)) {
                            if (rep++ < MAX_REPORT) {
                                fprintf(stderr, "BITS differ from %s with %zu quantiles: ",
                                        mt_algo_str(st->algos[0]), K);
                                spec_print(stderr, &c);
                                fprintf(stderr, "\n");
                            }
                            bad++;
                        }
                    }
                    for (size_t q = 0; q < K; q++) raw_free(&R[q]);
                }
                mt_free(first);
                mt_free(y);
            }
            mt_free(data);
        }
    }
    cr_assert_eq(bad, 0, "%zu failures with several quantiles (see stderr)", bad);
}

/* ---- n = 131071 ---------------------------------------------------------------------------------- */
static void run_big(mwk_dtype dt) {
    targets();
    size_t ns = stats(), bad = 0, reported = 0;
    size_t n = mt_size(131071, 4099);
    static const size_t WB[] = {3, 1000};
    for (size_t s = 0; s < ns; s++) {
        const st_stat *st = &STATS[s];
        mwk_dtype od = out_dtype(st, dt);
        void *out = mt_alloc((n + 1) * mt_elsize(od));
        for (size_t wi = 0; wi < 2; wi++) {
            size_t w = WB[wi];
            for (int kind = 0; kind < (is_float_dt(dt) ? 2 : 1); kind++) {
                uint64_t seed = mt_hash(0xB16 + st->id, (uint64_t)dt * 8 + wi * 2 + (uint64_t)kind);
                void *data = gen(dt, n, kind, seed | 8);
                for (int al = 0; al < 3; al++) {
                    if (al == MWK_ALIGN_VALID && kind == 1) continue;
                    raw R;
                    raw_compute_sampled(&R, st->ref, data, dt, n, w, (mwk_align)al, w > 64 ? 29 : 1);
                    size_t mc = kind ? (w + 1) / 2 : MWK_MIN_COUNT_WINDOW;
                    for (size_t a = 0; a < st->nalgos; a++) {
                        int naive = runs_naive(st, st->algos[a], dt, n, w) && w > 3;
                        /* naive is O(n w): at w = 1000 once per statistic (f64, trailing, clean) */
                        if (naive && !(dt == MWK_F64 && al == 0 && kind == 0)) continue;
                        /* order statistics' naive sorts each window (O(n w log w)): the grid
                         * checks it up to w = 1000, here only the small window */
                        if (naive && is_order(st->ref) && w > 64) continue;
                        int main_cfg = al == 0 && kind == 0 && !naive;
                        size_t trot = (size_t)(mt_hash(seed, a * 3 + (size_t)al) % NT);
                        for (size_t t = 0; t < NT; t++) {
                            if (!main_cfg && t != trot) continue;
                            /* strides -1 / 3 on trailing, clean data */
                            static const layout LB[] = {{1, 1, 0}, {-1, 1, 1}, {3, -1, 0}};
                            size_t nl = (main_cfg && t == trot) ? 3 : 1;
                            for (size_t l = 0; l < nl; l++) {
                                spec c = {kind ? "big/dirty" : "big/clean", st, (int)(wi & 1), 0,
                                          st->algos[a], TARGETS[t], dt, (mwk_align)al,
                                          (mwk_nan_policy)(kind && (t & 1)), mc, n, w, LB[l].xs,
                                          LB[l].ys, LB[l].xoff, 0, l == 1 ? -1 : 0, seed, 0, 0.0, MWK_INTERP_LINEAR};
                                bad += run1(&c, data, &R, out, &reported);
                            }
                        }
                    }
                    raw_free(&R);
                }
                mt_free(data);
            }
        }
        mt_free(out);
    }
    cr_assert_eq(bad, 0, "%zu failures at n=%zu for dtype=%s (see stderr)", bad, n, mt_dtype_str(dt));
}

Test(big, f64, .timeout = 900) { run_big(MWK_F64); }
Test(big, f32, .timeout = 900) { run_big(MWK_F32); }
Test(big, i64, .timeout = 900) { run_big(MWK_I64); }
Test(big, u16, .timeout = 900) { run_big(MWK_U16); }

/* ---- adversarial numerics ----------------------------------------------------------------------- */
/* Runs every algorithm of every statistic that has reference kind in `kinds`
 * (0-terminated) on every target over a float64 row; returns failures. */
static size_t adversarial(const char *what, const double *v, size_t n, size_t w, mwk_align al,
                          mwk_nan_policy pol, size_t mc, const ref_kind *kinds, int all_targets,
                          size_t *reported) {
    targets();
    size_t ns = stats(), bad = 0;
    double *out = mt_alloc((n + 1) * 8);
    for (size_t s = 0; s < ns; s++) {
        const st_stat *st = &STATS[s];
        int want = kinds == NULL;
        for (const ref_kind *k = kinds; k && *k; k++) want |= *k == st->ref;
        if (!want) continue;
        raw R;
        raw_compute(&R, st->ref, v, MWK_F64, n, w, al);
        for (size_t a = 0; a < st->nalgos; a++) {
            /* naive (or auto choosing it) is O(n w), for order statistics O(n w log w) */
            if (runs_naive(st, st->algos[a], MWK_F64, n, w) &&
                (double)n * (double)w > (is_order(st->ref) ? 2e6 : 5e7))
                continue;
            for (size_t t = 0; t < (all_targets ? NT : 1); t++) {
                spec c = {what, st, 0, 0, st->algos[a], TARGETS[t], MWK_F64, al, pol, mc, n, w,
                          1, 1, 0, 0, 0, 0, 0, 0.0, MWK_INTERP_LINEAR};
                bad += run1(&c, v, &R, out, reported);
            }
        }
        raw_free(&R);
    }
    mt_free(out);
    return bad;
}

static const ref_kind K_VAR[] = {REF_VAR, REF_STD, 0};

Test(numerics, offset_1e8_var_std, .timeout = 600) {
    size_t n = mt_size(20000, 3000), w = 1000, rep = 0, bad = 0;
    double *v = malloc(n * 8);
    mt_rng r;
    mt_rng_seed(&r, 108);
    for (size_t i = 0; i < n; i++) v[i] = 1e8 + mt_rng_normal(&r);
    for (int al = 0; al < 3; al++)
        bad += adversarial("offset-1e8", v, n, w, (mwk_align)al, MWK_NAN_SKIP, 1, K_VAR, al == 0, &rep);
    free(v);
    cr_assert_eq(bad, 0, "%zu failures on 1e8 + N(0,1), w=1000", bad);
}

Test(numerics, spike_1e12_leaves, .timeout = 600) {
    size_t n = mt_size(12000, 3000), rep = 0, bad = 0;
    double *v = malloc(n * 8);
    mt_rng r;
    mt_rng_seed(&r, 1012);
    for (size_t i = 0; i < n; i++) v[i] = mt_rng_normal(&r) * 1e-3;
    v[500] = 1e12;
    v[2100] = -1e12;
    v[2101] = 3e12;
    size_t ws[] = {10, 1000};
    if (mt_quick()) ws[1] = 300;
    for (int wi = 0; wi < 2; wi++)
        for (int al = 0; al < 3; al++)
            bad += adversarial("spike-1e12", v, n, ws[wi], (mwk_align)al, MWK_NAN_SKIP, 1, NULL, al == 0, &rep);
    free(v);
    cr_assert_eq(bad, 0, "%zu failures after a 1e12 spike", bad);
}

/* windows inside a constant run: var and std exactly 0 (the reference says 0, tolerance 0) */
Test(numerics, constant_windows_exact_zero) {
    size_t n = 3000, rep = 0, bad = 0;
    double *v = malloc(n * 8);
    mt_rng r;
    mt_rng_seed(&r, 77);
    for (size_t i = 0; i < n; i++) {
        size_t blk = i / 500;
        v[i] = blk % 2 ? 1e8 + 0.1 * (double)blk : 1e8 + mt_rng_normal(&r);
        if (blk == 3) v[i] = 0.1; /* noise then constant: peers stay non-zero */
        if (blk == 5) v[i] = -3e-300;
    }
    size_t ws[] = {1, 50, 2, 499};
    for (int wi = 0; wi < (mt_quick() ? 2 : 4); wi++)
        for (int al = 0; al < 3; al++)
            bad += adversarial("constant", v, n, ws[wi], (mwk_align)al, MWK_NAN_SKIP, MWK_MIN_COUNT_WINDOW,
                               K_VAR, 1, &rep);
    free(v);
    /* x_stride 0: one value repeated; every window constant */
    size_t ns = stats();
    double c = 1e8 + 0.1, *y = mt_alloc(n * 8);
    for (size_t s = 0; s < ns; s++) {
        const st_stat *st = &STATS[s];
        if (st->ref != REF_VAR && st->ref != REF_STD) continue;
        for (size_t a = 0; a < st->nalgos; a++)
            for (size_t t = 0; t < NT; t++) {
                mwk_options opt;
                mwk_options_init(&opt);
                opt.algorithm = st->algos[a];
                opt.target = TARGETS[t];
                opt.min_count = 1;
                cr_assert_eq(mwk_move(st->id, NULL, &c, MWK_F64, n, 0, y, 1, 300, &opt), MWK_OK);
                for (size_t k = 0; k < n; k++)
                    if (y[k] != 0.0) {
                        if (bad < 5)
                            fprintf(stderr, "x_stride 0: %s/%s/%s output %zu = %.17g, want exactly 0\n",
                                    st->name, mt_algo_str(st->algos[a]), TARGETS[t] ? TARGETS[t] : "-",
                                    k, y[k]);
                        bad++;
                    }
            }
    }
    mt_free(y);
    cr_assert_eq(bad, 0, "%zu failures on constant windows", bad);
}

/* inf entering and leaving: sum/mean +-inf, var/std NaN while inside and
 * accurate after; min/max/argmin/argmax treat inf as a value */
Test(numerics, inf_enters_and_leaves) {
    size_t n = mt_size(4000, 1600), rep = 0, bad = 0;
    double *v = malloc(n * 8);
    mt_rng r;
    mt_rng_seed(&r, 4242);
    for (size_t i = 0; i < n; i++) v[i] = 1e3 + mt_rng_normal(&r);
    /* positions as fractions of n (QUICK shrinks n) */
    v[n / 40] = INFINITY;
    v[n * 3 / 8] = -INFINITY;
    v[n * 5 / 8] = INFINITY;
    v[n * 5 / 8 + 10] = -INFINITY;
    v[n * 3 / 4] = INFINITY;
    v[n * 3 / 4 + 1] = INFINITY;
    size_t ws[] = {1, 7, 200};
    for (int wi = 0; wi < 3; wi++)
        for (int al = 0; al < 3; al++)
            for (int pol = 0; pol < 2; pol++)
                bad += adversarial("inf", v, n, ws[wi], (mwk_align)al, (mwk_nan_policy)pol, 1, NULL, 1, &rep);
    free(v);
    cr_assert_eq(bad, 0, "%zu failures with inf entering and leaving", bad);
}

Test(numerics, nan_runs_min_count, .timeout = 600) {
    size_t n = mt_size(5000, 2000), rep = 0, bad = 0;
    double *v = malloc(n * 8);
    mt_rng r;
    mt_rng_seed(&r, 911);
    for (size_t i = 0; i < n; i++) v[i] = mt_rng_normal(&r) * 10.0;
    /* positions as fractions of n (QUICK shrinks n); the window is 100 */
    for (size_t i = n * 6 / 100; i < n * 6 / 100 + 250; i++) v[i] = NAN; /* a run longer than the window */
    for (size_t i = n * 2 / 5; i < n * 2 / 5 + 40; i++) v[i] = NAN;       /* shorter */
    for (size_t i = n * 3 / 5; i < n * 4 / 5; i += 2) v[i] = NAN;         /* every other one */
    v[0] = NAN;
    v[n - 1] = NAN;
    size_t w = 100, mcs[] = {1, 50, MWK_MIN_COUNT_WINDOW, 2, 99, 100};
    for (int m = 0; m < (mt_quick() ? 3 : 6); m++)
        for (int al = 0; al < 3; al++)
            for (int pol = 0; pol < 2; pol++)
                bad += adversarial("nan-runs", v, n, w, (mwk_align)al, (mwk_nan_policy)pol, mcs[m], NULL,
                                   m == 0, &rep);
    free(v);
    cr_assert_eq(bad, 0, "%zu failures with NaN runs", bad);
}

Test(numerics, magnitudes_and_denormals) {
    size_t n = 2000, rep = 0, bad = 0;
    double *v = malloc(n * 8);
    mt_rng r;
    mt_rng_seed(&r, 3);
    double scales[] = {1e-300, 1e-310, 1e150, 1e-5, 1e-150};
    for (int s = 0; s < 5; s++) {
        for (size_t i = 0; i < n; i++) v[i] = mt_rng_normal(&r) * scales[s] + (s == 3 ? 1.0 : 0.0);
        bad += adversarial("magnitudes", v, n, 64, MWK_ALIGN_TRAILING, MWK_NAN_SKIP, 1, NULL, 1, &rep);
    }
    free(v);
    cr_assert_eq(bad, 0, "%zu failures over magnitude regimes", bad);
}

/* near DBL_MAX: sums beyond the double range are +-inf, means finite
 * (scaled), a variance beyond the range +inf while the std stays finite
 * (the header), extrema exact */
Test(numerics, near_dbl_max) {
    size_t n = 600, rep = 0, bad = 0;
    double *v = malloc(n * 8);
    mt_rng r;
    mt_rng_seed(&r, 308);
    for (size_t i = 0; i < n; i++) {
        double u = mt_rng_unif(&r);
        v[i] = (i / 100) % 2 ? (2.0 * u - 1.0) * 1.7e308 : 1.7e308 - u * 1e300; /* spread / close to DBL_MAX */
    }
    size_t ws[] = {1, 2, 8, 64};
    for (int wi = 0; wi < 4; wi++)
        for (int al = 0; al < 3; al++)
            bad += adversarial("near-DBL_MAX", v, n, ws[wi], (mwk_align)al, MWK_NAN_SKIP, 1, NULL, al == 0, &rep);
    free(v);
    cr_assert_eq(bad, 0, "%zu failures near DBL_MAX", bad);
}

/* float32 over 1e7 samples (1e5 under MWK_TEST_QUICK): accumulated in double,
 * rounded once; checked on a sample of windows (every 997th and the last
 * 2000) against the reference. bottleneck's float32 std drifts by 1e-2 here. */
Test(numerics, float32_long, .timeout = 900) {
    targets();
    size_t n = mt_size(10000000, 50000), w = 1000, ns = stats(), bad = 0, rep = 0;
    float *x = mt_alloc(n * 4);
    mt_rng r;
    mt_rng_seed(&r, 32);
    for (size_t i = 0; i < n; i++) x[i] = (float)(1e6 + mt_rng_normal(&r));
    /* sampled windows gathered into a small row: window k of the long row is
     * window (j*w + w-1) of the gathered row for trailing alignment */
    size_t ks = 0, *kk = malloc(n / 997 * 8 + 4096 * 8);
    for (size_t k = w - 1; k < n; k += 997) kk[ks++] = k;
    for (size_t k = n - mt_size(2000, 200); k < n; k++) kk[ks++] = k;
    float *g = mt_alloc(ks * w * 4);
    for (size_t j = 0; j < ks; j++) memcpy(g + j * w, x + kk[j] + 1 - w, w * 4);
    float *y = mt_alloc(n * 4);
    double *yd = mt_alloc(n * 8);
    for (size_t s = 0; s < ns; s++) {
        const st_stat *st = &STATS[s];
        if (st->ref == REF_NONE) continue;
        mwk_dtype od = out_dtype(st, MWK_F32);
        raw *Rs = malloc(ks * sizeof *Rs); /* window kk[j] alone, once per statistic */
        /* NULL params below: the quantile's default q */
        for (size_t j = 0; j < ks; j++)
            raw_compute_q(&Rs[j], st->ref, g + j * w, MWK_F32, w, w, MWK_ALIGN_VALID, 1, 0.5,
                          MWK_INTERP_LINEAR);
        for (size_t a = 0; a < st->nalgos; a++) {
            if (runs_naive(st, st->algos[a], MWK_F32, n, w)) continue; /* O(n w) */
            mwk_options opt;
            mwk_options_init(&opt);
            opt.algorithm = st->algos[a];
            mwk_status sta = mwk_move(st->id, NULL, x, MWK_F32, n, 1, od == MWK_F32 ? (void *)y : (void *)yd, 1,
                                      w, &opt);
            spec c = {"float32-long", st, 0, 0, st->algos[a], NULL, MWK_F32, MWK_ALIGN_TRAILING, MWK_NAN_SKIP,
                      MWK_MIN_COUNT_WINDOW, n, w, 1, 1, 0, 0, 0, 32, 0, 0.0, MWK_INTERP_LINEAR};
            if (sta != MWK_OK) {
                fprintf(stderr, "STATUS %d: ", (int)sta);
                spec_print(stderr, &c);
                fprintf(stderr, "\n");
                bad++;
                continue;
            }
            for (size_t j = 0; j < ks; j++) {
                double got = od == MWK_F32 ? (double)y[kk[j]] : yd[kk[j]];
                expect e = finalize(&Rs[j], 0, MWK_NAN_SKIP, MWK_MIN_COUNT_WINDOW, 0, st->algos[a], od);
                int ok = e.tol == 0.0 ? (got == e.v || (!isnan(e.alt) && got == e.alt))
                                      : fabs(got - e.v) <= e.tol;
                if (!ok) {
                    if (rep++ < MAX_REPORT) {
                        fprintf(stderr, "MISMATCH ");
                        spec_print(stderr, &c);
                        fprintf(stderr, "\n   output %zu: got %.9g expected %.9g bound %.3g\n", kk[j], got,
                                e.v, e.tol);
                    }
                    bad++;
                }
            }
        }
        for (size_t j = 0; j < ks; j++) raw_free(&Rs[j]);
        free(Rs);
    }
    mt_free(x);
    mt_free(g);
    mt_free(y);
    mt_free(yd);
    free(kk);
    cr_assert_eq(bad, 0, "%zu failures on %zu float32 samples", bad, n);
}

/* int64 / uint64 beyond 2^53: min/max are the exact extremum rounded once */
Test(numerics, int64_uint64_beyond_2_53) {
    targets();
    size_t n = 600, ns = stats(), bad = 0, rep = 0;
    int64_t *a = mt_alloc(n * 8);
    uint64_t *b = mt_alloc(n * 8);
    mt_rng r;
    mt_rng_seed(&r, 253);
    for (size_t i = 0; i < n; i++) {
        uint64_t u = mt_rng_u64(&r);
        /* neighbours that differ below double precision, and the extremes */
        a[i] = (i % 3 == 0) ? INT64_MAX - (int64_t)(u & 4095) : (i % 3 == 1) ? INT64_MIN + (int64_t)(u & 4095)
                                                                          : ((int64_t)1 << 60) + (int64_t)(u & 255);
        b[i] = (i % 2 == 0) ? UINT64_MAX - (u & 4095) : ((uint64_t)1 << 63) + (u & 255);
        if (i % 50 == 7) a[i] = INT64_MIN, b[i] = 0;
        if (i % 50 == 9) a[i] = INT64_MAX, b[i] = UINT64_MAX;
    }
    double *out = mt_alloc(n * 8);
    for (size_t s = 0; s < ns; s++) {
        const st_stat *st = &STATS[s];
        for (int d = 0; d < 2; d++) {
            mwk_dtype dt = d ? MWK_U64 : MWK_I64;
            const void *data = d ? (const void *)b : (const void *)a;
            for (int al = 0; al < 3; al++) {
                raw R;
                raw_compute(&R, st->ref, data, dt, n, 17, (mwk_align)al);
                for (size_t k = 0; k < st->nalgos; k++)
                    for (size_t t = 0; t < NT; t++) {
                        spec c = {"int64>2^53", st, 0, 0, st->algos[k], TARGETS[t], dt, (mwk_align)al,
                                  MWK_NAN_SKIP, MWK_MIN_COUNT_WINDOW, n, 17, 1, 1, 0, 0, 0, 253, 0, 0.0, MWK_INTERP_LINEAR};
                        bad += run1(&c, data, &R, out, &rep);
                    }
                raw_free(&R);
            }
        }
    }
    mt_free(a);
    mt_free(b);
    mt_free(out);
    cr_assert_eq(bad, 0, "%zu failures on 64-bit integers beyond 2^53", bad);
}

/* spectrometer counts: uint16 up to 65535, w = 1000; bool bytes other than
 * 0/1 are true (1.0); float16 NaN, inf and subnormals */
Test(numerics, uint16_bool_float16) {
    targets();
    size_t n = mt_size(5000, 2000), ns = stats(), bad = 0, rep = 0;
    uint16_t *u = mt_alloc(n * 2), *h = mt_alloc(n * 2);
    uint8_t *bo = mt_alloc(n);
    mt_rng r;
    mt_rng_seed(&r, 16);
    for (size_t i = 0; i < n; i++) {
        uint64_t q = mt_rng_u64(&r);
        u[i] = (q & 7) == 0 ? 65535 : (uint16_t)(40000 + (q >> 40) % 20000);
        bo[i] = (q >> 8) & 1 ? (uint8_t)(q >> 16) : 0;
        h[i] = (uint16_t)(q >> 48);
        if ((h[i] & 0x7C00) == 0x7C00 && (h[i] & 0x3FF) && (q & 1)) h[i] &= 0x83FF; /* fewer NaNs */
    }
    double *out = mt_alloc(n * 8);
    for (size_t s = 0; s < ns; s++) {
        const st_stat *st = &STATS[s];
        for (int d = 0; d < 3; d++) {
            mwk_dtype dt = d == 0 ? MWK_U16 : d == 1 ? MWK_BOOL : MWK_F16;
            const void *data = d == 0 ? (const void *)u : d == 1 ? (const void *)bo : (const void *)h;
            size_t w = d == 0 ? 1000 : 31;
            raw R;
            raw_compute(&R, st->ref, data, dt, n, w, MWK_ALIGN_TRAILING);
            for (size_t k = 0; k < st->nalgos; k++)
                for (size_t t = 0; t < NT; t++) {
                    if (st->algos[k] == MWK_ALGO_NAIVE && t > 0 && w > 100) continue;
                    spec c = {"u16/bool/f16", st, 0, 0, st->algos[k], TARGETS[t], dt, MWK_ALIGN_TRAILING,
                              (mwk_nan_policy)(t & 1), 1, n, w, 1, 1, 0, 0, 0, 16, 0, 0.0, MWK_INTERP_LINEAR};
                    bad += run1(&c, data, &R, out, &rep);
                }
            raw_free(&R);
        }
    }
    mt_free(u);
    mt_free(h);
    mt_free(bo);
    mt_free(out);
    cr_assert_eq(bad, 0, "%zu failures on uint16 / bool / float16", bad);
}

/* ddof: 0, 1, 2, w and w + 1 (count <= ddof gives NaN) */
Test(params, ddof_values) {
    targets();
    size_t n = 400, ns = stats(), bad = 0, rep = 0, w = 9;
    void *data = gen(MWK_F64, n, 1, 0xDD0F);
    double *out = mt_alloc(n * 8);
    int ddofs[] = {0, 1, 2, 9, 10, 1000};
    for (size_t s = 0; s < ns; s++) {
        const st_stat *st = &STATS[s];
        if (!has_ddof(st)) continue;
        for (int al = 0; al < 3; al++) {
            raw R;
            raw_compute(&R, st->ref, data, MWK_F64, n, w, (mwk_align)al);
            for (int d = 0; d < 6; d++)
                for (size_t a = 0; a < st->nalgos; a++) {
                    spec c = {"ddof", st, ddofs[d], 0, st->algos[a], TARGETS[(size_t)d % NT], MWK_F64,
                              (mwk_align)al, MWK_NAN_SKIP, 1, n, w, 1, 1, 0, 0, 0, 0xDD0F, 0, 0.0, MWK_INTERP_LINEAR};
                    bad += run1(&c, data, &R, out, &rep);
                }
            raw_free(&R);
        }
    }
    mt_free(out);
    mt_free(data);
    cr_assert_eq(bad, 0, "%zu failures over ddof values", bad);
}

/* ---- batch == row by row, every thread count ---------------------------------------------------- */
typedef struct lay2 {
    const char *name;
    ptrdiff_t xrs, xs, yrs, ys;
} lay2;

static size_t batch_one(const st_stat *st, mwk_dtype dt, size_t R, size_t n, size_t w, const lay2 *L,
                        mwk_algorithm algo, const char *target, mwk_align al, mwk_nan_policy pol,
                        size_t mc, int ddof) {
    size_t e = mt_elsize(dt);
    mwk_dtype od = out_dtype(st, dt);
    size_t eo = mt_elsize(od), ol = ref_out_len(n, w, al);
    /* extents in elements (lowest, highest offsets from element (0,0)) */
    ptrdiff_t xlo = 0, xhi = 0, ylo = 0, yhi = 0;
    ptrdiff_t a1 = (ptrdiff_t)(R - 1) * L->xrs, c1 = (ptrdiff_t)(n - 1) * L->xs;
    xlo = (a1 < 0 ? a1 : 0) + (c1 < 0 ? c1 : 0), xhi = (a1 > 0 ? a1 : 0) + (c1 > 0 ? c1 : 0);
    ptrdiff_t a2 = (ptrdiff_t)(R - 1) * L->yrs, c2 = (ptrdiff_t)(ol - 1) * L->ys;
    ylo = (a2 < 0 ? a2 : 0) + (c2 < 0 ? c2 : 0), yhi = (a2 > 0 ? a2 : 0) + (c2 > 0 ? c2 : 0);
    size_t xbytes = (size_t)(xhi - xlo + 1) * e, ybytes = (size_t)(yhi - ylo + 1) * eo + 64;
    unsigned char *xm = mt_alloc(xbytes), *ref = mt_alloc(ybytes), *got = mt_alloc(ybytes);
    memset(xm, 0, xbytes);
    unsigned char *x0 = xm - xlo * (ptrdiff_t)e;
    for (size_t r = 0; r < R; r++) {
        void *d = gen(dt, n, (int)(r & 1), mt_hash(r, n * 31 + w));
        for (size_t k = 0; k < n; k++)
            memcpy(x0 + ((ptrdiff_t)r * L->xrs + (ptrdiff_t)k * L->xs) * (ptrdiff_t)e,
                   (unsigned char *)d + k * e, e);
        mt_free(d);
    }
    memset(ref, 0xA5, ybytes);
    unsigned char *r0 = ref + 32 - ylo * (ptrdiff_t)eo;
    mwk_options opt;
    mwk_options_init(&opt);
    opt.algorithm = algo, opt.target = target, opt.align = al, opt.nan_policy = pol, opt.min_count = mc;
    mwk_params prm;
    mwk_params_init(&prm);
    prm.ddof = ddof;
    size_t bad = 0;
    char desc[400];
    snprintf(desc, sizeof desc, "stat=%s layout=%s dtype=%s rows=%zu n=%zu w=%zu algo=%s target=%s align=%s nan=%s ddof=%d",
             st->name, L->name, mt_dtype_str(dt), R, n, w, mt_algo_str(algo), target ? target : "(process)",
             mt_align_str(al), mt_policy_str(pol), ddof);
    for (size_t r = 0; r < R; r++) {
        opt.threads = 1;
        mwk_status s = mwk_move(st->id, &prm, x0 + (ptrdiff_t)r * L->xrs * (ptrdiff_t)e, dt, n, L->xs,
                                r0 + (ptrdiff_t)r * L->yrs * (ptrdiff_t)eo, L->ys, w, &opt);
        if (s != MWK_OK) {
            fprintf(stderr, "BATCH row-by-row status %d at row %zu: %s\n", (int)s, r, desc);
            bad++;
        }
    }
    static const int TH[] = {1, 2, 3, 4, 0};
    /* R x n is far below the engine's threshold for threads (2^16 elements,
     * engine.c), so every request runs on one thread: quick keeps 1 and one
     * multi-thread request (2); batch/long_rows_segments and test_batch's
     * many_rows_threads are where threads really share the work */
    for (int t = 0; t < (mt_quick() ? 2 : 5); t++) {
        memset(got, 0xA5, ybytes);
        unsigned char *g0 = got + 32 - ylo * (ptrdiff_t)eo;
        opt.threads = TH[t];
        mwk_status s = mwk_move_batch(st->id, &prm, x0, dt, R, n, L->xrs, L->xs, g0, L->yrs, L->ys, w, &opt);
        if (s != MWK_OK) {
            fprintf(stderr, "BATCH status %d (%s) threads=%d: %s\n", (int)s, mwk_status_str(s), TH[t], desc);
            bad++;
        } else if (memcmp(got, ref, ybytes) != 0) {
            size_t first = 0;
            while (got[first] == ref[first]) first++;
            fprintf(stderr, "BATCH not bit-identical to row by row (threads=%d, byte %zu): %s\n", TH[t],
                    first, desc);
            bad++;
        }
    }
    mt_free(xm);
    mt_free(ref);
    mt_free(got);
    return bad;
}

static void batch_stat_dtype(mwk_dtype dt) {
    targets();
    size_t ns = stats(), bad = 0;
    size_t R = 5, n = mt_size(300, 120), w = 31;
    for (size_t s = 0; s < ns; s++) {
        const st_stat *st = &STATS[s];
        for (int al = 0; al < 3; al++) {
            ptrdiff_t N = (ptrdiff_t)n, O = (ptrdiff_t)ref_out_len(n, w, (mwk_align)al), Rn = (ptrdiff_t)R;
            lay2 ls[5] = {{"contiguous", N, 1, O, 1},
                          {"padded", N + 5, 1, O + 3, 1},
                          {"negative-rows", -(N + 2), 1, -(O + 1), 1},
                          {"column-major", 1, Rn, 1, Rn},
                          {"reversed-elements", N, -1, -O, -1}};
            for (size_t l = 0; l < 5; l++)
                for (size_t a = 0; a < st->nalgos; a++) {
                    size_t ntt = l == 0 ? NT : 1;
                    for (size_t t = 0; t < ntt; t++)
                        bad += batch_one(st, dt, R, n, w, &ls[l], st->algos[a], l == 0 ? TARGETS[t] : NULL,
                                         (mwk_align)al, (mwk_nan_policy)(a & 1), (a & 2) ? 5 : MWK_MIN_COUNT_WINDOW,
                                         has_ddof(st) ? (int)(l & 1) : 0);
                }
        }
    }
    cr_assert_eq(bad, 0, "%zu batch failures for %s", bad, mt_dtype_str(dt));
}

Test(batch, f64, .timeout = 600) { batch_stat_dtype(MWK_F64); }
Test(batch, f32, .timeout = 600) { batch_stat_dtype(MWK_F32); }
Test(batch, u16, .timeout = 600) { batch_stat_dtype(MWK_U16); }
Test(batch, i64, .timeout = 600) { batch_stat_dtype(MWK_I64); }

/* long rows are cut into segments (max(65536, 8w) windows) and shared out:
 * threads 1..4 bit-identical */
Test(batch, long_rows_segments, .timeout = 600) {
    targets();
    size_t ns = stats(), n = mt_size(200000, 70000), bad = 0;
    void *data = gen(MWK_F64, n, 1, 0x5E6);
    double *y1 = mt_alloc(n * 8), *y2 = mt_alloc(n * 8);
    for (size_t s = 0; s < ns; s++) {
        const st_stat *st = &STATS[s];
        for (size_t a = 0; a < st->nalgos; a++) {
            if (st->algos[a] == MWK_ALGO_NAIVE) continue;
            mwk_options opt;
            mwk_options_init(&opt);
            opt.algorithm = st->algos[a];
            opt.min_count = 3;
            opt.threads = 1;
            cr_assert_eq(mwk_move(st->id, NULL, data, MWK_F64, n, 1, y1, 1, 100, &opt), MWK_OK);
            /* the quick row (70000) has two segments and the engine uses at
             * most one thread per segment: threads 4 would repeat threads 2 */
            for (int th = 2; th <= (mt_quick() ? 2 : 4); th++) {
                opt.threads = th;
                cr_assert_eq(mwk_move(st->id, NULL, data, MWK_F64, n, 1, y2, 1, 100, &opt), MWK_OK);
                if (memcmp(y1, y2, n * 8) != 0) {
                    fprintf(stderr, "THREADS %s/%s: threads=%d differs from threads=1 on one long row\n",
                            st->name, mt_algo_str(st->algos[a]), th);
                    bad++;
                }
            }
        }
    }
    mt_free(data);
    mt_free(y1);
    mt_free(y2);
    cr_assert_eq(bad, 0);
}

/* ---- options, params, rejections ------------------------------------------------------------------ */
#define N 64
static double X[N];
static double Y[3 * N];
static unsigned char PAT[sizeof Y];
static void setup(void) {
    for (int i = 0; i < N; i++) X[i] = i * 0.5 - 3.0;
    memset(Y, 0xA5, sizeof Y);
    memset(PAT, 0xA5, sizeof PAT);
}
#define UNTOUCHED() cr_assert(memcmp(Y, PAT, sizeof Y) == 0, "a rejected call wrote to y")

TestSuite(api, .init = setup);

/* A caller compiled against the 0.1 header passes the 0.1 size (the struct
 * ended after `target`): accepted, long_window taken as its default (ERROR)
 * whatever lies beyond the prefix. */
Test(api, options_0_1_size) {
    size_t ns = stats(), v01 = offsetof(mwk_options, long_window);
    for (size_t s = 0; s < ns; s++) {
        mwk_options o;
        mwk_options_init(&o);
        o.long_window = MWK_LONG_WINDOW_CLIP; /* garbage as far as a 0.1 caller knows */
        o.struct_size = v01;
        double y1[N], y2[N];
        cr_assert_eq(mwk_move(STATS[s].id, NULL, X, MWK_F64, N, 1, y1, 1, 5, &o), MWK_OK,
                     "stat %s: 0.1 options size %zu rejected", STATS[s].name, v01);
        cr_assert_eq(mwk_move(STATS[s].id, NULL, X, MWK_F64, N, 1, y2, 1, 5, NULL), MWK_OK);
        cr_assert(memcmp(y1, y2, sizeof y1) == 0, "stat %s: 0.1 options differ from defaults", STATS[s].name);
        cr_assert_eq(mwk_move(STATS[s].id, NULL, X, MWK_F64, 4, 1, Y, 1, 5, &o), MWK_E_WINDOW_TOO_LONG,
                     "stat %s: a 0.1 caller got long_window CLIP from bytes beyond its struct", STATS[s].name);
        mwk_algorithm ch;
        cr_assert_eq(mwk_move_choose(STATS[s].id, NULL, MWK_F64, N, 5, &o, &ch), MWK_OK);
        size_t ol;
        cr_assert_eq(mwk_move_len(4, 5, &o, &ol), MWK_E_WINDOW_TOO_LONG);
        cr_assert_eq(mwk_move_batch(STATS[s].id, NULL, X, MWK_F64, 2, 8, 8, 1, y1, 8, 1, 3, &o), MWK_OK);
    }
    /* mwk_move_mean (the 0.1 entry point) too */
    mwk_options o;
    mwk_options_init(&o);
    o.struct_size = v01;
    cr_assert_eq(mwk_move_mean(X, MWK_F64, N, 1, Y, 1, 5, &o), MWK_OK);
    cr_assert_eq(sizeof(mwk_options) > v01, 1);
}

Test(api, options_bogus_sizes) {
    size_t ns = stats(), v01 = offsetof(mwk_options, long_window);
    size_t bogus[] = {0, 1, 8, v01 - 1, v01 + 1, v01 + sizeof(int), sizeof(mwk_options) - 1,
                      sizeof(mwk_options) + 1, sizeof(mwk_options) + 8, 4096, SIZE_MAX};
    for (size_t s = 0; s < ns; s++)
        for (size_t i = 0; i < sizeof bogus / sizeof bogus[0]; i++) {
            if (bogus[i] == v01 || bogus[i] == sizeof(mwk_options)) continue;
            mwk_options o;
            mwk_options_init(&o);
            o.struct_size = bogus[i];
            cr_assert_eq(mwk_move(STATS[s].id, NULL, X, MWK_F64, N, 1, Y, 1, 3, &o), MWK_E_OPTIONS,
                         "stat %s struct_size %zu", STATS[s].name, bogus[i]);
            cr_assert_eq(mwk_move_batch(STATS[s].id, NULL, X, MWK_F64, 2, 8, 8, 1, Y, 8, 1, 3, &o), MWK_E_OPTIONS);
            mwk_algorithm ch;
            cr_assert_eq(mwk_move_choose(STATS[s].id, NULL, MWK_F64, N, 3, &o, &ch), MWK_E_OPTIONS);
            size_t ol;
            cr_assert_eq(mwk_move_len(N, 3, &o, &ol), MWK_E_OPTIONS);
        }
    UNTOUCHED();
}

Test(api, params_sizes_and_ddof) {
    size_t ns = stats();
    for (size_t s = 0; s < ns; s++) {
        const st_stat *st = &STATS[s];
        mwk_params p;
        mwk_params_init(&p);
        cr_assert_eq(p.struct_size, sizeof(mwk_params));
        cr_assert_eq(p.ddof, 0);
        mwk_params q = MWK_PARAMS_INIT;
        cr_assert_eq(q.struct_size, sizeof(mwk_params));
        size_t bogus[] = {0, 1, sizeof(mwk_params) - 1, sizeof(mwk_params) + 1, sizeof(mwk_params) + 8, SIZE_MAX};
        for (int i = 0; i < 6; i++) {
            p.struct_size = bogus[i];
            cr_assert_eq(mwk_move(st->id, &p, X, MWK_F64, N, 1, Y, 1, 3, NULL), MWK_E_PARAMS,
                         "stat %s params size %zu", st->name, bogus[i]);
            cr_assert_eq(mwk_move_batch(st->id, &p, X, MWK_F64, 2, 8, 8, 1, Y, 8, 1, 3, NULL), MWK_E_PARAMS);
        }
        UNTOUCHED();
        mwk_params_init(&p);
        double y1[N], y2[N];
        cr_assert_eq(mwk_move(st->id, &p, X, MWK_F64, N, 1, y1, 1, 3, NULL), MWK_OK);
        cr_assert_eq(mwk_move(st->id, NULL, X, MWK_F64, N, 1, y2, 1, 3, NULL), MWK_OK);
        cr_assert(memcmp(y1, y2, sizeof y1) == 0, "stat %s: NULL params differ from MWK_PARAMS_INIT", st->name);
        if (has_ddof(st)) {
            int neg[] = {-1, -2, -1000, INT32_MIN};
            for (int i = 0; i < 4; i++) {
                p.ddof = neg[i];
                cr_assert_eq(mwk_move(st->id, &p, X, MWK_F64, N, 1, Y, 1, 3, NULL), MWK_E_PARAMS,
                             "stat %s ddof %d", st->name, neg[i]);
                mwk_algorithm ch;
                mwk_status cs = mwk_move_choose(st->id, &p, MWK_F64, N, 3, NULL, &ch);
                cr_assert(cs == MWK_E_PARAMS, "stat %s: choose with ddof %d gave %d", st->name, neg[i], (int)cs);
            }
            UNTOUCHED();
            p.ddof = INT32_MAX; /* legal: every window gives NaN */
            cr_assert_eq(mwk_move(st->id, &p, X, MWK_F64, N, 1, y1, 1, 3, NULL), MWK_OK);
            for (int i = 0; i < N; i++) cr_assert(isnan(y1[i]), "stat %s ddof INT_MAX gave %g", st->name, y1[i]);
        }
    }
}

Test(api, out_of_range_enums_and_algorithms) {
    targets();
    size_t ns = stats();
    for (size_t s = 0; s < ns; s++) {
        const st_stat *st = &STATS[s];
        int bad_dt[] = {NDT, NDT + 1, -1, 1000, 1 << 30};
        for (int i = 0; i < 5; i++) {
            cr_assert_eq(mwk_move(st->id, NULL, X, (mwk_dtype)bad_dt[i], N, 1, Y, 1, 3, NULL), MWK_E_DTYPE);
            cr_assert_eq(mwk_move_batch(st->id, NULL, X, (mwk_dtype)bad_dt[i], 2, 8, 8, 1, Y, 8, 1, 3, NULL),
                         MWK_E_DTYPE);
            mwk_algorithm ch;
            cr_assert_eq(mwk_move_choose(st->id, NULL, (mwk_dtype)bad_dt[i], N, 3, NULL, &ch), MWK_E_DTYPE);
        }
        int bad_algo[] = {MWK_ALGO_COUNT, MWK_ALGO_COUNT + 1, -1, 1000, 1 << 30};
        for (int i = 0; i < 5; i++) {
            mwk_options o;
            mwk_options_init(&o);
            o.algorithm = (mwk_algorithm)bad_algo[i];
            cr_assert_eq(mwk_move(st->id, NULL, X, MWK_F64, N, 1, Y, 1, 3, &o), MWK_E_ALGORITHM,
                         "stat %s algorithm %d", st->name, bad_algo[i]);
            cr_assert_eq(mwk_move_batch(st->id, NULL, X, MWK_F64, 2, 8, 8, 1, Y, 8, 1, 3, &o), MWK_E_ALGORITHM);
        }
        /* an algorithm of the name space that this statistic does not have */
        for (int a = 1; a < MWK_ALGO_COUNT; a++) {
            if (mwk_stat_has_algorithm(st->id, (mwk_algorithm)a)) continue;
            mwk_options o;
            mwk_options_init(&o);
            o.algorithm = (mwk_algorithm)a;
            mwk_status r = mwk_move(st->id, NULL, X, MWK_F64, N, 1, Y, 1, 3, &o);
            int ok = r == MWK_E_ALGORITHM || (r == MWK_E_UNAVAILABLE && !mwk_algorithm_available((mwk_algorithm)a));
            cr_assert(ok, "stat %s with algorithm %s (not listed): status %d, want MWK_E_ALGORITHM", st->name,
                      mt_algo_str((mwk_algorithm)a), (int)r);
        }
        int bad_al[] = {3, -1, 1000}, bad_pol[] = {2, -1, 1000}, bad_lw[] = {2, -1, 1000};
        for (int i = 0; i < 3; i++) {
            mwk_options o;
            mwk_options_init(&o);
            o.align = (mwk_align)bad_al[i];
            cr_assert_eq(mwk_move(st->id, NULL, X, MWK_F64, N, 1, Y, 1, 3, &o), MWK_E_ALIGN);
            mwk_options_init(&o);
            o.nan_policy = (mwk_nan_policy)bad_pol[i];
            cr_assert_eq(mwk_move(st->id, NULL, X, MWK_F64, N, 1, Y, 1, 3, &o), MWK_E_NAN_POLICY);
            mwk_options_init(&o);
            o.long_window = (mwk_long_window)bad_lw[i];
            mwk_status r = mwk_move(st->id, NULL, X, MWK_F64, N, 1, Y, 1, 3, &o);
            cr_assert(r != MWK_OK, "stat %s: long_window %d accepted", st->name, bad_lw[i]);
            size_t ol;
            cr_assert(mwk_move_len(N, 3, &o, &ol) != MWK_OK, "move_len: long_window %d accepted", bad_lw[i]);
        }
        mwk_options o;
        mwk_options_init(&o);
        o.threads = -1;
        cr_assert_eq(mwk_move(st->id, NULL, X, MWK_F64, N, 1, Y, 1, 3, &o), MWK_E_THREADS);
        mwk_options_init(&o);
        o.target = "no-such-target";
        cr_assert_eq(mwk_move(st->id, NULL, X, MWK_F64, N, 1, Y, 1, 3, &o), MWK_E_TARGET);
        mwk_options_init(&o);
        o.min_count = 0;
        cr_assert_eq(mwk_move(st->id, NULL, X, MWK_F64, N, 1, Y, 1, 3, &o), MWK_E_MIN_COUNT);
        o.min_count = 4;
        cr_assert_eq(mwk_move(st->id, NULL, X, MWK_F64, N, 1, Y, 1, 3, &o), MWK_E_MIN_COUNT);
        cr_assert_eq(mwk_move(st->id, NULL, NULL, MWK_F64, N, 1, Y, 1, 3, NULL), MWK_E_NULL);
        cr_assert_eq(mwk_move(st->id, NULL, X, MWK_F64, N, 1, NULL, 1, 3, NULL), MWK_E_NULL);
        cr_assert_eq(mwk_move(st->id, NULL, X, MWK_F64, N, 1, X + 1, 1, 3, NULL), MWK_E_OVERLAP);
        cr_assert_eq(mwk_move(st->id, NULL, X, MWK_F64, N, 1, Y, 0, 3, NULL), MWK_E_OVERLAP);
        cr_assert_eq(mwk_move(st->id, NULL, X, MWK_F64, SIZE_MAX / 4, 1, Y, 1, 3, NULL), MWK_E_OVERFLOW);
        cr_assert_eq(mwk_move(st->id, NULL, X, MWK_F64, 4, PTRDIFF_MIN, Y, 1, 3, NULL), MWK_E_OVERFLOW);
        cr_assert_eq(mwk_move(st->id, NULL, X, MWK_F64, N, 1, Y, 1, 0, NULL), MWK_E_WINDOW);
        cr_assert_eq(mwk_move(st->id, NULL, X, MWK_F64, N, 1, Y, 1, N + 1, NULL), MWK_E_WINDOW_TOO_LONG);
        cr_assert_eq(mwk_move_choose(st->id, NULL, MWK_F64, N, 3, NULL, NULL), MWK_E_NULL);
        /* rows == 0: a no-op after validation */
        cr_assert_eq(mwk_move_batch(st->id, NULL, X, MWK_F64, 0, 4, 4, 1, Y, 4, 1, 2, NULL), MWK_OK);
        cr_assert_eq(mwk_move_batch(st->id, NULL, X, MWK_F64, 0, 4, 4, 1, Y, 4, 1, 5, NULL), MWK_E_WINDOW_TOO_LONG);
        cr_assert_eq(mwk_move_batch(st->id, NULL, X, (mwk_dtype)NDT, 0, 4, 4, 1, Y, 4, 1, 2, NULL), MWK_E_DTYPE);
    }
    int bad_stats[] = {(int)mwk_stat_count(), -1, 1000, 1 << 30};
    for (int i = 0; i < 4; i++) {
        cr_assert_eq(mwk_move((mwk_stat)bad_stats[i], NULL, X, MWK_F64, N, 1, Y, 1, 3, NULL), MWK_E_STAT);
        cr_assert_eq(mwk_move_batch((mwk_stat)bad_stats[i], NULL, X, MWK_F64, 2, 8, 8, 1, Y, 8, 1, 3, NULL),
                     MWK_E_STAT);
    }
    UNTOUCHED();
}

/* mwk_move_choose returns one of the statistic's algorithms, and auto runs
 * exactly it (bit-identical) */
Test(api, choose_and_auto) {
    targets();
    size_t ns = stats();
    size_t nn[] = {1, 10, 1000, 30000, 1000000, (size_t)1 << 40};
    size_t ww[] = {1, 3, 64, 1000, 100000};
    for (size_t s = 0; s < ns; s++) {
        const st_stat *st = &STATS[s];
        for (int d = 0; d < NDT; d++)
            for (size_t t = 0; t <= NT; t++)
                for (int ni = 0; ni < 6; ni++)
                    for (int wi = 0; wi < 5; wi++)
                        for (int al = 0; al < 3; al++) {
                            if (ww[wi] > nn[ni]) continue;
                            mwk_options o;
                            mwk_options_init(&o);
                            o.target = t < NT ? TARGETS[t] : NULL;
                            o.align = (mwk_align)al;
                            mwk_algorithm ch = (mwk_algorithm)-1;
                            mwk_status r = mwk_move_choose(st->id, NULL, (mwk_dtype)d, nn[ni], ww[wi], &o, &ch);
                            cr_assert_eq(r, MWK_OK, "choose %s dtype %s n %zu w %zu -> %d", st->name,
                                         mt_dtype_str((mwk_dtype)d), nn[ni], ww[wi], (int)r);
                            int listed = 0;
                            for (size_t a = 0; a + 1 < st->nalgos; a++) listed |= st->algos[a] == ch;
                            cr_assert(listed, "choose %s dtype %s n %zu w %zu gave %d (%s), not one of its algorithms",
                                      st->name, mt_dtype_str((mwk_dtype)d), nn[ni], ww[wi], (int)ch,
                                      mt_algo_str(ch));
                            cr_assert_neq(ch, MWK_ALGO_FFT, "auto must never pick fft");
                        }
        /* auto == the chosen algorithm, bit for bit */
        size_t n = 30000;
        double *x = mt_alloc(n * 8), *y1 = mt_alloc(n * 8), *y2 = mt_alloc(n * 8);
        mt_rng r;
        mt_rng_seed(&r, 5150);
        for (size_t i = 0; i < n; i++) x[i] = 1e3 + mt_rng_normal(&r);
        size_t wv[] = {1, 3, 64, 1000};
        for (size_t t = 0; t < NT; t++)
            for (int wi = 0; wi < 4; wi++) {
                mwk_options o;
                mwk_options_init(&o);
                o.target = TARGETS[t];
                mwk_algorithm ch;
                cr_assert_eq(mwk_move_choose(st->id, NULL, MWK_F64, n, wv[wi], &o, &ch), MWK_OK);
                cr_assert_eq(mwk_move(st->id, NULL, x, MWK_F64, n, 1, y1, 1, wv[wi], &o), MWK_OK);
                o.algorithm = ch;
                cr_assert_eq(mwk_move(st->id, NULL, x, MWK_F64, n, 1, y2, 1, wv[wi], &o), MWK_OK);
                cr_assert(memcmp(y1, y2, n * 8) == 0, "%s: auto differs from the chosen %s (target %s, w %zu)",
                          st->name, mt_algo_str(ch), TARGETS[t] ? TARGETS[t] : "-", wv[wi]);
            }
        mt_free(x);
        mt_free(y1);
        mt_free(y2);
    }
    mwk_options o;
    mwk_options_init(&o);
    o.target = "bogus";
    mwk_algorithm ch;
    cr_assert_eq(mwk_move_choose(MWK_STAT_MEAN, NULL, MWK_F64, 100, 10, &o, &ch), MWK_E_TARGET);
}

Test(api, move_len) {
    mwk_options o;
    mwk_options_init(&o);
    size_t ol = 77;
    cr_assert_eq(mwk_move_len(10, 3, NULL, &ol), MWK_OK);
    cr_assert_eq(ol, 10);
    o.align = MWK_ALIGN_VALID;
    cr_assert_eq(mwk_move_len(10, 3, &o, &ol), MWK_OK);
    cr_assert_eq(ol, 8);
    cr_assert_eq(mwk_move_len(10, 10, &o, &ol), MWK_OK);
    cr_assert_eq(ol, 1);
    cr_assert_eq(mwk_move_len(10, 11, &o, &ol), MWK_E_WINDOW_TOO_LONG);
    cr_assert_eq(mwk_move_len(10, 0, &o, &ol), MWK_E_WINDOW);
    o.long_window = MWK_LONG_WINDOW_CLIP;
    cr_assert_eq(mwk_move_len(10, 11, &o, &ol), MWK_OK);
    cr_assert_eq(ol, 0);
    cr_assert_eq(mwk_move_len(0, 5, &o, &ol), MWK_OK);
    cr_assert_eq(ol, 0);
    cr_assert_eq(mwk_move_len(10, 0, &o, &ol), MWK_E_WINDOW);
    o.align = MWK_ALIGN_CENTERED;
    cr_assert_eq(mwk_move_len(10, 1000, &o, &ol), MWK_OK);
    cr_assert_eq(ol, 10);
    o.align = MWK_ALIGN_TRAILING;
    cr_assert_eq(mwk_move_len(10, 1000, &o, &ol), MWK_OK);
    cr_assert_eq(ol, 10);
    o.align = (mwk_align)7;
    cr_assert_eq(mwk_move_len(10, 3, &o, &ol), MWK_E_ALIGN);
    cr_assert_eq(mwk_move_len(10, 3, NULL, NULL), MWK_E_NULL);
    cr_assert_eq(mwk_move_len(SIZE_MAX, 2, NULL, &ol), MWK_OK);
    cr_assert_eq(ol, SIZE_MAX);
}

/* long_window CLIP: trailing / centered give n outputs from clipped windows,
 * valid gives none; min_count decides; against the reference */
Test(long_window, clip_vs_reference) {
    targets();
    size_t ns = stats(), bad = 0, rep = 0;
    size_t nn[] = {1, 2, 5, 37};
    for (size_t s = 0; s < ns; s++) {
        const st_stat *st = &STATS[s];
        for (int d = 0; d < NDT; d++) {
            mwk_dtype dt = (mwk_dtype)d;
            if (!mt_dtype_runs(dt)) continue; /* tiny grid: one dtype per class */
            mwk_dtype od = out_dtype(st, dt);
            for (int ni = 0; ni < 4; ni++) {
                size_t n = nn[ni], wv[] = {n + 1, 2 * n + 5, 1000};
                void *data = gen(dt, n, (int)(ni & 1), mt_hash(n, (uint64_t)d));
                void *out = mt_alloc((n + 1) * 8);
                for (int wi = 0; wi < 3; wi++)
                    for (int al = 0; al < 3; al++) {
                        size_t w = wv[wi];
                        raw R;
                        raw_compute(&R, st->ref, data, dt, n, w, (mwk_align)al);
                        size_t mcs[] = {1, MWK_MIN_COUNT_WINDOW, n > 1 ? n - 1 : 1, n};
                        for (int m = 0; m < 4; m++)
                            for (size_t a = 0; a < st->nalgos; a++) {
                                spec c = {"clip", st, has_ddof(st) ? m & 1 : 0, 0, st->algos[a],
                                          TARGETS[(a + (size_t)m) % NT], dt, (mwk_align)al,
                                          (mwk_nan_policy)(m >> 1 & 1), mcs[m], n, w,
                                          m == 2 ? -1 : 1, m == 3 ? 2 : 1, (size_t)m & 1, 1, 0, (uint64_t)n, 0, 0.0, MWK_INTERP_LINEAR};
                                bad += run1(&c, data, &R, out, &rep);
                                /* the same with long_window ERROR is rejected, nothing written */
                                c.clip = 0;
                                mwk_status r = st_call(&c, data, od, out, &bad);
                                if (r != MWK_E_WINDOW_TOO_LONG) {
                                    fprintf(stderr, "CLIP off: status %d, want MWK_E_WINDOW_TOO_LONG: ", (int)r);
                                    spec_print(stderr, &c);
                                    fprintf(stderr, "\n");
                                    bad++;
                                }
                            }
                        raw_free(&R);
                    }
                mt_free(out);
                mt_free(data);
            }
        }
        /* n = 0 with CLIP: no outputs, MWK_OK; batch too */
        mwk_options o;
        mwk_options_init(&o);
        o.long_window = MWK_LONG_WINDOW_CLIP;
        o.min_count = 1;
        cr_assert_eq(mwk_move(st->id, NULL, X, MWK_F64, 0, 1, Y, 1, 3, &o), MWK_OK, "%s: CLIP n=0", st->name);
        double xb[12], yb[12];
        for (int i = 0; i < 12; i++) xb[i] = i % 5;
        cr_assert_eq(mwk_move_batch(st->id, NULL, xb, MWK_F64, 3, 4, 4, 1, yb, 4, 1, 9, &o), MWK_OK);
        double y1[4];
        for (int r = 0; r < 3; r++) {
            cr_assert_eq(mwk_move(st->id, NULL, xb + 4 * r, MWK_F64, 4, 1, y1, 1, 9, &o), MWK_OK);
            cr_assert(memcmp(y1, yb + 4 * r, sizeof y1) == 0, "%s: CLIP batch row %d differs", st->name, r);
        }
    }
    UNTOUCHED();
    cr_assert_eq(bad, 0, "%zu failures with long_window CLIP", bad);
}
