/* Shared helpers for the mwk test suite; see mt_common.h. */
#include "mt_common.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------------- */
int mt_quick(void) {
    const char *q = getenv("MWK_TEST_QUICK");
    if (!q || !*q || strcmp(q, "0") == 0) return 0;
    return strcmp(q, "2") == 0 ? 2 : 1; /* 2: the tiny grid (one target) */
}

size_t mt_size(size_t full, size_t quick) { return mt_quick() ? quick : full; }

int mt_dtype_is_rep(mwk_dtype dt) {
    switch (dt) {
    case MWK_F64:
    case MWK_F32:
    case MWK_F16:
    case MWK_I64:
    case MWK_U64:
    case MWK_I32:
    case MWK_BOOL: return 1;
    default: return 0;
    }
}

int mt_dtype_runs(mwk_dtype dt) { return mt_quick() < 2 || mt_dtype_is_rep(dt); }

double mt_ld_eps(void) {
    volatile long double one = 1, e = 1;
    while (one + e / 2 != one) e /= 2;
    return (double)e;
}

/* ------------------------------------------------------------------------- */
void mt_rng_seed(mt_rng *r, uint64_t seed) {
    r->s = seed;
    r->has_spare = 0;
    r->spare = 0.0;
}

uint64_t mt_rng_u64(mt_rng *r) {
    uint64_t z = (r->s += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

double mt_rng_unif(mt_rng *r) { return (double)(mt_rng_u64(r) >> 11) * 0x1p-53; }

double mt_rng_normal(mt_rng *r) {
    if (r->has_spare) {
        r->has_spare = 0;
        return r->spare;
    }
    double u1, u2;
    do {
        u1 = mt_rng_unif(r);
    } while (u1 <= 0.0);
    u2 = mt_rng_unif(r);
    double rad = sqrt(-2.0 * log(u1));
    double th = 6.283185307179586 * u2;
    r->spare = rad * sin(th);
    r->has_spare = 1;
    return rad * cos(th);
}

uint64_t mt_hash(uint64_t a, uint64_t b) {
    mt_rng r;
    mt_rng_seed(&r, a * 0x9E3779B97F4A7C15ULL ^ (b + 0x632BE59BD9B4E019ULL));
    return mt_rng_u64(&r);
}

/* ------------------------------------------------------------------------- */
size_t mt_elsize(mwk_dtype dt) {
    switch (dt) {
    case MWK_F64: case MWK_I64: case MWK_U64: return 8;
    case MWK_F32: case MWK_I32: case MWK_U32: return 4;
    case MWK_I16: case MWK_U16: case MWK_F16: return 2;
    case MWK_I8: case MWK_U8: case MWK_BOOL: return 1;
    }
    return 8;
}

/* IEEE binary16 -> double, written from the format (not the library's code). */
double mt_f16_to_double(uint16_t h) {
    int sign = h >> 15, e = (h >> 10) & 31, m = h & 1023;
    double v;
    if (e == 0) v = ldexp((double)m, -24);
    else if (e == 31) v = m ? NAN : INFINITY;
    else v = ldexp((double)(1024 + m), e - 25);
    return sign ? -v : v;
}

/* double -> binary16, round to nearest even (overflow to inf, NaN kept). */
uint16_t mt_double_to_f16(double v) {
    uint16_t sign = signbit(v) ? 0x8000 : 0;
    double a = fabs(v);
    if (isnan(v)) return 0x7E00;
    if (a >= 65520.0) return sign | 0x7C00; /* rounds to inf */
    if (a < 0x1p-14) {                         /* subnormal range: units of 2^-24 */
        double q = nearbyint(a * 0x1p24);      /* default mode: ties to even */
        return sign | (uint16_t)q;             /* q == 1024 is the smallest normal: ok */
    }
    int e;
    double f = frexp(a, &e);            /* a = f * 2^e, f in [0.5, 1) */
    double q = nearbyint(f * 2048.0);   /* 11 significant bits */
    if (q == 2048.0) { q = 1024.0; e++; }
    int be = e - 1 + 15;                /* biased exponent of 1.m form */
    if (be >= 31) return sign | 0x7C00;
    return sign | (uint16_t)(be << 10) | (uint16_t)((int)q - 1024);
}

mwk_dtype mt_out_dtype(mwk_dtype dt) { return dt == MWK_F32 || dt == MWK_F16 ? MWK_F32 : MWK_F64; }

const char *mt_dtype_str(mwk_dtype dt) {
    static const char *s[] = {"f64", "f32", "i64", "i32", "i16", "i8",
                              "u64", "u32", "u16", "u8",  "bool", "f16"};
    return (unsigned)dt < 12 ? s[dt] : "dtype?";
}
const char *mt_align_str(mwk_align a) {
    static const char *s[] = {"trailing", "valid", "centered"};
    return (unsigned)a < 3 ? s[a] : "align?";
}
const char *mt_algo_str(mwk_algorithm a) {
    const char *s = mwk_algorithm_name(a);
    return s ? s : "algo?";
}
const char *mt_policy_str(mwk_nan_policy p) {
    static const char *s[] = {"skip", "propagate"};
    return (unsigned)p < 2 ? s[p] : "policy?";
}

double mt_get(const void *data, mwk_dtype dt, size_t i) {
    switch (dt) {
    case MWK_F64: return ((const double *)data)[i];
    case MWK_F32: return (double)((const float *)data)[i];
    case MWK_I64: return (double)((const int64_t *)data)[i];
    case MWK_I32: return (double)((const int32_t *)data)[i];
    case MWK_I16: return (double)((const int16_t *)data)[i];
    case MWK_I8: return (double)((const int8_t *)data)[i];
    case MWK_U64: return (double)((const uint64_t *)data)[i];
    case MWK_U32: return (double)((const uint32_t *)data)[i];
    case MWK_U16: return (double)((const uint16_t *)data)[i];
    case MWK_U8: return (double)((const uint8_t *)data)[i];
    case MWK_BOOL: return ((const uint8_t *)data)[i] ? 1.0 : 0.0;
    case MWK_F16: return mt_f16_to_double(((const uint16_t *)data)[i]);
    }
    return 0.0;
}

long double mt_getl(const void *data, mwk_dtype dt, size_t i) {
    switch (dt) {
    case MWK_I64: return (long double)((const int64_t *)data)[i];
    case MWK_U64: return (long double)((const uint64_t *)data)[i];
    default: return (long double)mt_get(data, dt, i);
    }
}

void mt_put(void *data, mwk_dtype dt, size_t i, double v) {
    switch (dt) {
    case MWK_F64: ((double *)data)[i] = v; break;
    case MWK_F32: ((float *)data)[i] = (float)v; break;
    case MWK_I64: ((int64_t *)data)[i] = (int64_t)v; break;
    case MWK_I32: ((int32_t *)data)[i] = (int32_t)v; break;
    case MWK_I16: ((int16_t *)data)[i] = (int16_t)v; break;
    case MWK_I8: ((int8_t *)data)[i] = (int8_t)v; break;
    case MWK_U64: ((uint64_t *)data)[i] = (uint64_t)v; break;
    case MWK_U32: ((uint32_t *)data)[i] = (uint32_t)v; break;
    case MWK_U16: ((uint16_t *)data)[i] = (uint16_t)v; break;
    case MWK_U8: ((uint8_t *)data)[i] = (uint8_t)v; break;
    case MWK_BOOL: ((uint8_t *)data)[i] = v != 0.0; break;
    case MWK_F16: ((uint16_t *)data)[i] = mt_double_to_f16(v); break;
    }
}

void *mt_from_doubles(const double *v, size_t n, mwk_dtype dt) {
    void *d = mt_alloc((n ? n : 1) * mt_elsize(dt));
    for (size_t i = 0; i < n; i++) mt_put(d, dt, i, v[i]);
    return d;
}

void *mt_alloc(size_t bytes) {
    size_t b = (bytes + 63) / 64 * 64;
    if (b == 0) b = 64;
    void *p = aligned_alloc(64, b);
    if (!p) {
        fprintf(stderr, "mt_alloc(%zu) failed\n", bytes);
        abort();
    }
    return p;
}

void mt_free(void *p) { free(p); }

/* ------------------------------------------------------------------------- */
size_t mt_targets(const char *const **names) {
    static char buf[512];
    static const char *list[32];
    static size_t count = 0;
    if (count == 0) {
        mwk_runtime_info info;
        memset(&info, 0, sizeof info);
        info.struct_size = sizeof info;
        if (mwk_runtime_info_get(&info) == MWK_OK && info.supported_targets) {
            snprintf(buf, sizeof buf, "%s", info.supported_targets);
            char *save = NULL;
            for (char *t = strtok_r(buf, ",", &save); t && count < 32;
                 t = strtok_r(NULL, ",", &save)) {
                while (*t == ' ') t++;
                if (*t) list[count++] = t;
            }
        }
        const char *want = getenv("MWK_TEST_TARGETS");
        if (want && *want && count > 0) {
            /* an explicit list (qemu: sve2,neon in one run, so the long-double
             * references, computed once per case, are shared by both) */
            size_t keep = 0;
            char wbuf[256];
            snprintf(wbuf, sizeof wbuf, "%s", want);
            char *save2 = NULL;
            for (char *t = strtok_r(wbuf, ",", &save2); t; t = strtok_r(NULL, ",", &save2))
                for (size_t i = keep; i < count; i++)
                    if (strcmp(list[i], t) == 0) {
                        const char *tmp = list[keep];
                        list[keep++] = list[i];
                        list[i] = tmp;
                        break;
                    }
            if (keep > 0) count = keep;
        } else if (mt_quick() >= 2 && count > 1) {
            /* tiny mode (valgrind, qemu): the best target only */
            count = 1;
        } else if (mt_quick() && count > 2) {
            /* quick mode: the best and the most basic target only */
            list[1] = list[count - 1];
            count = 2;
        }
        if (count == 0) {
            /* Fall back to the process target only. */
            list[0] = NULL;
            count = 1;
        }
    }
    *names = list;
    return count;
}

size_t mt_algos(mwk_algorithm out[5]) {
    static const mwk_algorithm all[5] = {MWK_ALGO_NAIVE, MWK_ALGO_RING, MWK_ALGO_PREFIX,
                                         MWK_ALGO_FFT, MWK_ALGO_AUTO};
    size_t k = 0;
    for (int i = 0; i < 5; i++)
        if (all[i] != MWK_ALGO_FFT || mwk_algorithm_available(MWK_ALGO_FFT)) out[k++] = all[i];
    return k;
}

/* ---- Shewchuk partials ------------------------------------------------------ */
#define XS_MAX MT_XS_MAX
typedef mt_xsum xsum;

void mt_xs_add(mt_xsum *s, double x) {
    int i = 0;
    for (int j = 0; j < s->n; j++) {
        double y = s->p[j];
        if (fabs(x) < fabs(y)) {
            double t = x;
            x = y;
            y = t;
        }
        double hi = x + y;
        double lo = y - (hi - x);
        if (lo != 0.0) s->p[i++] = lo;
        x = hi;
    }
    if (i >= XS_MAX) {
        fprintf(stderr, "oracle: partials overflow\n");
        abort();
    }
    s->p[i++] = x;
    s->n = i;
}

/* Correctly rounded value of the partials (CPython's math.fsum rounding). */
double mt_xs_round(const mt_xsum *s) {
    int n = s->n;
    double hi = 0.0, lo = 0.0;
    if (n > 0) {
        hi = s->p[--n];
        while (n > 0) {
            double x = hi;
            double y = s->p[--n];
            hi = x + y;
            double yr = hi - x;
            lo = y - yr;
            if (lo != 0.0) break;
        }
        if (n > 0 && ((lo < 0.0 && s->p[n - 1] < 0.0) || (lo > 0.0 && s->p[n - 1] > 0.0))) {
            double y = lo * 2.0;
            double x = hi + y;
            double yr = x - hi;
            if (y == yr) hi = x;
        }
    }
    return hi;
}

double mt_fsum(const double *v, size_t n) {
    xsum s;
    s.n = 0;
    for (size_t i = 0; i < n; i++) mt_xs_add(&s, v[i]);
    return mt_xs_round(&s);
}

/* Adds sign*x (element i) exactly, scaled by sc (a power of two). */
static void xs_add_elem(xsum *s, xsum *a, const void *data, mwk_dtype dt, size_t i, double sign,
                        double sc) {
    if (dt == MWK_I64) {
        int64_t v = ((const int64_t *)data)[i];
        int64_t low = v & 2047;
        double hi = (double)(v - low); /* multiple of 2^11, |.| <= 2^63: exact */
        double lo = (double)low;
        mt_xs_add(s, sign * hi * sc);
        mt_xs_add(s, sign * lo * sc);
        /* |v| exactly as hi/lo too: */
        if (v < 0) {
            mt_xs_add(a, -sign * hi * sc);
            mt_xs_add(a, -sign * lo * sc);
        } else {
            mt_xs_add(a, sign * hi * sc);
            mt_xs_add(a, sign * lo * sc);
        }
    } else {
        double v = mt_get(data, dt, i);
        mt_xs_add(s, sign * v * sc);
        mt_xs_add(a, sign * fabs(v) * sc);
    }
}

size_t mt_out_len(size_t n, size_t w, mwk_align al) {
    if (al == MWK_ALIGN_VALID) return (w >= 1 && w <= n) ? n - w + 1 : 0;
    return n;
}

void mt_window(size_t n, size_t w, mwk_align al, size_t k, size_t *lo, size_t *hi) {
    switch (al) {
    case MWK_ALIGN_VALID:
        *lo = k;
        *hi = k + w;
        break;
    case MWK_ALIGN_CENTERED:
        *lo = k >= w / 2 ? k - w / 2 : 0;
        *hi = k + (w - 1) / 2 + 1;
        if (*hi > n) *hi = n;
        break;
    case MWK_ALIGN_TRAILING:
    default:
        *lo = k + 1 >= w ? k + 1 - w : 0;
        *hi = k + 1;
        break;
    }
}

void mt_oracle_free(mt_oracle *o) {
    free(o->e);
    o->e = NULL;
}

void mt_oracle_compute(mt_oracle *o, const void *data, mwk_dtype dt, size_t n, size_t w,
                       mwk_align al, mwk_nan_policy pol, size_t min_count) {
    size_t mc = min_count == MWK_MIN_COUNT_WINDOW ? w : min_count;
    o->n = n;
    o->w = w;
    o->min_count = mc;
    o->align = al;
    o->policy = pol;
    o->out_len = mt_out_len(n, w, al);
    o->e = calloc(o->out_len ? o->out_len : 1, sizeof(mt_expect));
    size_t *cnan = calloc(n + 1, sizeof(size_t));
    size_t *cpin = calloc(n + 1, sizeof(size_t));
    size_t *cmin = calloc(n + 1, sizeof(size_t));
    if (!o->e || !cnan || !cpin || !cmin) abort();
    double rowmax = 0.0;
    for (size_t i = 0; i < n; i++) {
        double v = mt_get(data, dt, i);
        int isn = isnan(v), ip = v == INFINITY, im = v == -INFINITY;
        cnan[i + 1] = cnan[i] + (size_t)isn;
        cpin[i + 1] = cpin[i] + (size_t)ip;
        cmin[i + 1] = cmin[i] + (size_t)im;
        if (isfinite(v) && fabs(v) > rowmax) rowmax = fabs(v);
    }
    o->rowmax = rowmax;
    /* Sliding exact sums are exact as long as no intermediate overflows. */
    int sliding = rowmax * (double)(w + 2) < 0x1p1000;

    xsum S, A;
    S.n = A.n = 0;
    size_t clo = 0, chi = 0;
    for (size_t k = 0; k < o->out_len; k++) {
        size_t lo, hi;
        mt_window(n, w, al, k, &lo, &hi);
        size_t len = hi - lo;
        size_t nn = cnan[hi] - cnan[lo], np = cpin[hi] - cpin[lo], nm = cmin[hi] - cmin[lo];
        size_t c = pol == MWK_NAN_SKIP ? len - nn : len;
        mt_expect *e = &o->e[k];
        int nan_out = pol == MWK_NAN_SKIP ? (c < mc) : (len < mc || nn > 0);
        if (nan_out || (np && nm)) {
            e->mean = NAN;
            e->abs_c = 0;
            e->count = nan_out ? 0 : c;
            continue;
        }
        e->count = c;
        if (np) {
            e->mean = INFINITY;
            continue;
        }
        if (nm) {
            e->mean = -INFINITY;
            continue;
        }
        if (sliding) {
            if (lo >= chi) {
                S.n = A.n = 0;
                clo = chi = lo;
            }
            for (; chi < hi; chi++)
                if (isfinite(mt_get(data, dt, chi))) xs_add_elem(&S, &A, data, dt, chi, 1.0, 1.0);
            for (; clo < lo; clo++)
                if (isfinite(mt_get(data, dt, clo))) xs_add_elem(&S, &A, data, dt, clo, -1.0, 1.0);
            e->mean = mt_xs_round(&S) / (double)c;
            e->abs_c = mt_xs_round(&A) / (double)c;
        } else {
            double wmax = 0.0;
            for (size_t i = lo; i < hi; i++) {
                double v = mt_get(data, dt, i);
                if (isfinite(v) && fabs(v) > wmax) wmax = fabs(v);
            }
            double sc = wmax * (double)(c + 2) < 0x1p1000 ? 1.0 : 0x1p-64;
            xsum s1, a1;
            s1.n = a1.n = 0;
            for (size_t i = lo; i < hi; i++)
                if (isfinite(mt_get(data, dt, i))) xs_add_elem(&s1, &a1, data, dt, i, 1.0, sc);
            e->mean = (mt_xs_round(&s1) / (double)c) / sc;
            e->abs_c = (mt_xs_round(&a1) / (double)c) / sc;
        }
    }
    free(cnan);
    free(cpin);
    free(cmin);
}

/* ---- checking ---------------------------------------------------------------- */
void mt_ctx_print(FILE *f, const mt_ctx *c) {
    char mcs[32];
    if (c->min_count == MWK_MIN_COUNT_WINDOW)
        snprintf(mcs, sizeof mcs, "default");
    else
        snprintf(mcs, sizeof mcs, "%zu", c->min_count);
    fprintf(f,
            "[%s] algo=%s target=%s dtype=%s align=%s nan=%s min_count=%s n=%zu w=%zu "
            "x_stride=%td y_stride=%td x_offset=%zu seed=0x%llx",
            c->what ? c->what : "?", mt_algo_str(c->algo), c->target ? c->target : "(process)",
            mt_dtype_str(c->dtype), mt_align_str(c->align), mt_policy_str(c->policy), mcs, c->n,
            c->w, c->xs, c->ys, c->xoff, (unsigned long long)c->seed);
}

static double ulp_f32(double m) {
    float f = fabsf((float)m);
    if (isinf(f)) return INFINITY;
    float up = nextafterf(f, INFINITY);
    if (isinf(up)) return (double)f - (double)nextafterf(f, 0.0f);
    return (double)up - (double)f;
}

double mt_tol(const mt_ctx *c, const mt_oracle *o, size_t k) {
    const mt_expect *e = &o->e[k];
    double u = 0x1p-53;
    double w = (double)o->w;
    double tol = (w + 2.0) * u * e->abs_c * (1.0 + 1e-9) + 0x1p-52 * fabs(e->mean) +
                 4.0 * DBL_TRUE_MIN;
    if (c->algo == MWK_ALGO_FFT) {
        double N = 2.0;
        while (N < 2.0 * (double)o->n) N *= 2.0;
        tol += 8.0 * log2(N) * u * w * o->rowmax / (double)(e->count ? e->count : 1);
    }
    if (mt_out_dtype(c->dtype) == MWK_F32) tol += ulp_f32(e->mean);
    return tol;
}

static const char *cls(double v) {
    if (isnan(v)) return "NaN";
    if (isinf(v)) return v > 0 ? "+inf" : "-inf";
    return "finite";
}

size_t mt_check(const mt_ctx *c, const mt_oracle *o, const void *y, size_t max_report) {
    size_t bad = 0;
    int f32 = mt_out_dtype(c->dtype) == MWK_F32;
    for (size_t k = 0; k < o->out_len; k++) {
        double got = f32 ? (double)((const float *)y)[k] : ((const double *)y)[k];
        double ex = o->e[k].mean;
        int ok;
        double tol = 0.0;
        if (isnan(ex))
            ok = isnan(got);
        else if (isinf(ex))
            ok = got == ex;
        else {
            tol = mt_tol(c, o, k);
            ok = isfinite(got) && fabs(got - ex) <= tol;
        }
        if (!ok) {
            if (bad < max_report) {
                size_t lo, hi;
                mt_window(o->n, o->w, o->align, k, &lo, &hi);
                fprintf(stderr, "MISMATCH ");
                mt_ctx_print(stderr, c);
                fprintf(stderr,
                        "\n   output %zu (window [%zu, %zu), count %zu): got %.17g (%s) expected "
                        "%.17g (%s) |err| %.3g bound %.3g (err/bound %.3g)\n",
                        k, lo, hi, o->e[k].count, got, cls(got), ex, cls(ex), fabs(got - ex), tol,
                        tol > 0 ? fabs(got - ex) / tol : 0.0);
            }
            bad++;
        }
    }
    if (bad > max_report && max_report > 0) {
        fprintf(stderr, "   ... %zu mismatches in total for ", bad);
        mt_ctx_print(stderr, c);
        fprintf(stderr, "\n");
    }
    return bad;
}

void mt_ctx_opts(const mt_ctx *c, mwk_options *opt) {
    mwk_options_init(opt);
    opt->algorithm = c->algo;
    opt->target = c->target;
    opt->align = c->align;
    opt->nan_policy = c->policy;
    opt->min_count = c->min_count;
}

static size_t span(size_t n, ptrdiff_t s) {
    if (n == 0) return 1;
    size_t as = (size_t)(s < 0 ? -s : s);
    return (n - 1) * as + 1;
}

#define CANARY 64
#define POISON_BYTE 0xA5

size_t mt_calls = 0;

mwk_status mt_call(const mt_ctx *c, const void *data, void *out_contig, size_t *layout_bad) {
    mt_calls++;
    size_t e = mt_elsize(c->dtype);
    mwk_dtype od = mt_out_dtype(c->dtype);
    size_t eo = mt_elsize(od);
    size_t n = c->n;
    size_t L = (c->w >= 1 && c->w <= n) ? mt_out_len(n, c->w, c->align) : n;

    /* input: poisoned gaps (huge finite values that would ruin any mean) */
    size_t xsp = span(n, c->xs);
    size_t xtot = c->xoff + xsp + 8;
    unsigned char *xb = mt_alloc(xtot * e);
    for (size_t i = 0; i < xtot; i++) {
        switch (c->dtype) {
        case MWK_F64: ((double *)xb)[i] = (i & 1) ? 1e300 : -3e299; break;
        case MWK_F32: ((float *)xb)[i] = (i & 1) ? 3e38f : -1e38f; break;
        case MWK_I64: ((int64_t *)xb)[i] = (i & 1) ? INT64_MAX : INT64_MIN / 3; break;
        case MWK_I32: ((int32_t *)xb)[i] = (i & 1) ? INT32_MAX : INT32_MIN; break;
        default: memset((unsigned char *)xb + i * e, (i & 1) ? 0x7F : 0x80, e); break;
        }
    }
    size_t axs = (size_t)(c->xs < 0 ? -c->xs : c->xs);
    unsigned char *x = xb + (c->xoff + ((c->xs < 0 && n) ? (n - 1) * axs : 0)) * e;
    for (size_t k = 0; k < n; k++)
        memcpy(x + (ptrdiff_t)k * c->xs * (ptrdiff_t)e, (const unsigned char *)data + k * e, e);
    unsigned char *xcopy = mt_alloc(xtot * e);
    memcpy(xcopy, xb, xtot * e);

    /* output: canaries on both sides and poisoned gaps */
    size_t ysp = span(L, c->ys);
    size_t ybytes = 2 * CANARY + (c->xoff + ysp) * eo; /* y misaligned like x */
    unsigned char *yb = mt_alloc(ybytes);
    memset(yb, POISON_BYTE, ybytes);
    size_t ays = (size_t)(c->ys < 0 ? -c->ys : c->ys);
    unsigned char *y = yb + CANARY + (c->xoff + ((c->ys < 0 && L) ? (L - 1) * ays : 0)) * eo;

    mwk_options opt;
    mt_ctx_opts(c, &opt);
    mwk_status st = mwk_move_mean(x, c->dtype, n, c->xs, y, c->ys, c->w, &opt);

    size_t bad = 0;
    if (memcmp(xcopy, xb, xtot * e) != 0) {
        fprintf(stderr, "LAYOUT input was modified: ");
        mt_ctx_print(stderr, c);
        fprintf(stderr, "\n");
        bad++;
    }
    /* mark output element bytes as allowed to change */
    unsigned char *allowed = calloc(ybytes, 1);
    if (!allowed) abort();
    if (st == MWK_OK)
        for (size_t k = 0; k < L; k++) {
            unsigned char *p = y + (ptrdiff_t)k * c->ys * (ptrdiff_t)eo;
            memset(allowed + (p - yb), 1, eo);
            memcpy((unsigned char *)out_contig + k * eo, p, eo);
        }
    if (st != MWK_OK && st != MWK_E_NOMEM && st != MWK_E_INTERNAL) {
        /* nothing written */
    }
    size_t written_outside = 0, first = 0;
    for (size_t i = 0; i < ybytes; i++)
        if (!allowed[i] && yb[i] != POISON_BYTE) {
            if (!written_outside) first = i;
            written_outside++;
        }
    if (written_outside) {
        fprintf(stderr,
                "LAYOUT %zu byte(s) written outside the outputs (first at byte %td relative to "
                "y, status %d): ",
                written_outside, (ptrdiff_t)first - (y - yb), (int)st);
        mt_ctx_print(stderr, c);
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

size_t mt_run_check(const mt_ctx *c, const void *data, const mt_oracle *o, size_t max_report) {
    size_t eo = mt_elsize(mt_out_dtype(c->dtype));
    void *out = mt_alloc((o->out_len ? o->out_len : 1) * eo);
    size_t bad = 0;
    mwk_status st = mt_call(c, data, out, &bad);
    if (st != MWK_OK) {
        fprintf(stderr, "STATUS %d (%s) for a valid call: ", (int)st, mwk_status_str(st));
        mt_ctx_print(stderr, c);
        fprintf(stderr, "\n");
        bad++;
    } else {
        bad += mt_check(c, o, out, max_report);
    }
    mt_free(out);
    return bad;
}
