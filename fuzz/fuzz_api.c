/*
 * libFuzzer harness: the C API, differential against independent references,
 * for every statistic of the registry (mwk_stat_count / mwk_stat_info_get).
 *
 * The input picks the statistic (or an out-of-range id), its parameters
 * (ddof, NULL params, bad struct sizes, negative ddof), dtype (all 12 and
 * out-of-range values), alignment, algorithm (the whole name space: ones the
 * statistic lacks must be MWK_E_ALGORITHM), NaN policy, min_count,
 * long_window (ERROR, CLIP, invalid), the options struct size (current, the
 * 0.1 size, bogus), target (one supported target, the process target, every
 * supported target in turn, or an unknown name), n, window, element strides
 * (negative and zero too), the element offset of x and y in 64-byte aligned
 * buffers, batch rows, and the values (a selector per value: ordinary, NaN,
 * +-inf, huge, denormal, int64 beyond 2^53, raw bits). Out-of-range arguments
 * must give one of the documented statuses and write nothing. Otherwise
 * every output is checked against the statistic's reference under the
 * contract of include/mwk.h:
 *   mean, sum   long double sums; (w + 2) 2^-53 sum|x| (/count); fft: row bound
 *   var, std    two-pass in long double; 8 (w + 4) 2^-53 var + w 2^-1074;
 *               exactly 0 for constant windows; never negative
 *   min, max, argmin, argmax   exact (ties to the newest element)
 *   median, quantile   the window sorted; numpy.quantile's index (c-1)*q;
 *               exact selections, an interpolation within 1 ulp of the exact
 *               lerp (the input's q byte: q from a table or out of [0, 1],
 *               each interpolation and an invalid one)
 *   rank        exact (counts, one rounding)
 *   weighted_sum, weighted_mean   long double per window with the header's
 *               rules (absent = NaN or outside the row, min_count, propagate,
 *               min_weight from the absent side, infinities by sign(w x),
 *               the mean renormalised); tolerance per algorithm from the
 *               header: naive u|S| + g^2 sum|w x|, direct u|S| + 18 u
 *               sum|w x|, fft 8 log2(N) u sum|w| max|x over the row| (+ the
 *               subnormal term), plus W 2^-1074 for products that underflow;
 *               the mean adds the divisor's error; windows whose absent
 *               weight is within the divisor's error of the min_weight
 *               threshold, or whose present weight is within it of 0, are
 *               not judged (either answer is documented). Taps from the
 *               input's taps byte: none (the boxcar), random ones (zeros,
 *               +-1, negative, huge, subnormal, any exponent, all scaled by
 *               a power of two), or malformed (n_weights != window, a
 *               non-finite tap, NULL/0 mismatches) and min_weight from a
 *               table (0, 1, in between, outside [0, 1], NaN).
 * and x, the gaps between strided outputs and the canaries around y must be
 * untouched. A statistic without a reference here (a new one) still gets the
 * status and memory checks. Any violation aborts with the reproduction
 * printed, so libFuzzer keeps the input.
 *
 * Input layout: h0 h1 h2 h3 (dtype/align, algorithm/policy, window/min_count/
 * x stride, y stride/rows), h4 (statistic), h5 (dtype, ddof, variant), then
 * n and the rest (a statistic with taps reads its taps byte, min_weight
 * byte and a 4-byte taps seed after the quantile byte). Two zero bytes h4 h5 mean mean, defaults and the dtype of
 * h0: a pre-registry input gains them at offset 4 and replays unchanged.
 * h4 = 254 selects the FIR bank (mwk_fir_bank_batch; see bank_input for its
 * layout and checks).
 * Streams: every accepted call is repeated as a stream (mwk_stream.h) over
 * the same rows, pushed in chunks cut from the input's bits (0 and 1 long
 * among them), serialised and restored once; its outputs must be
 * bit-identical to the call's.
 */
#include <float.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mwk.h>
#include <mwk_stream.h>

#include "fuzz_input.h"

#define NDT 12

static size_t esize(int dt) {
    switch (dt) {
    case MWK_F32: case MWK_I32: case MWK_U32: return 4;
    case MWK_I16: case MWK_U16: case MWK_F16: return 2;
    case MWK_I8: case MWK_U8: case MWK_BOOL: return 1;
    default: return 8;
    }
}

#define MAX_T 16
static const char *TARGETS[MAX_T];
static size_t NT;
static char TBUF[512];

static void init_targets(void) {
    if (NT) return;
    mwk_runtime_info info;
    memset(&info, 0, sizeof info);
    info.struct_size = sizeof info;
    if (mwk_runtime_info_get(&info) != MWK_OK || !info.supported_targets) abort();
    snprintf(TBUF, sizeof TBUF, "%s", info.supported_targets);
    char *s = TBUF;
    while (s && *s && NT < MAX_T) {
        TARGETS[NT++] = s;
        s = strchr(s, ',');
        if (s) *s++ = 0;
    }
}

/* ---- binary16 (from the format) -------------------------------------------- */
static long double f16_value(uint16_t h) {
    int sign = h >> 15, e = (h >> 10) & 31, m = h & 1023;
    double v = e == 0 ? ldexp((double)m, -24) : e == 31 ? (m ? NAN : INFINITY) : ldexp((double)(1024 + m), e - 25);
    return sign ? -v : v;
}
static uint16_t f16_bits(double v) { /* round to nearest even */
    uint16_t sign = signbit(v) ? 0x8000 : 0;
    double a = fabs(v);
    if (isnan(v)) return 0x7E00;
    if (a >= 65520.0) return sign | 0x7C00;
    if (a < 0x1p-14) return sign | (uint16_t)nearbyint(a * 0x1p24);
    int e;
    double f = frexp(a, &e), q = nearbyint(f * 2048.0);
    if (q == 2048.0) q = 1024.0, e++;
    if (e - 1 + 15 >= 31) return sign | 0x7C00;
    return sign | (uint16_t)((e - 1 + 15) << 10) | (uint16_t)((int)q - 1024);
}

/* One input value as raw bytes of dtype dt (stored in *bits) and its exact value. */
static long double gen_value(rd *r, int dt, uint64_t *bits) {
    unsigned sel = (unsigned)take(r, 1);
    uint64_t raw = take(r, 8);
    double v;
    switch (sel % 16) {
    case 0: v = NAN; break;
    case 1: v = INFINITY; break;
    case 2: v = -INFINITY; break;
    case 3: v = (sel & 16 ? -1.0 : 1.0) * DBL_MAX * (0.5 + (double)(raw & 0xff) / 512.0); break;
    case 4: v = (double)(int64_t)(raw | 0x7000000000000000ULL) * (sel & 16 ? -1 : 1); break;
    case 5: v = ldexp((double)(raw & 0xfffff), -1074); break; /* denormals */
    case 6: memcpy(&v, &raw, 8); break;                         /* raw bits */
    case 7: v = (double)(int64_t)raw * 1e-3; break;
    case 8: v = 1e12 * (double)(raw & 3); break;
    default: v = (double)(int32_t)(uint32_t)raw / 65536.0; break;
    }
    int fin = isfinite(v);
    switch (dt) {
    case MWK_F32: { float f = (float)v; memcpy(bits, &f, 4); return f; }
    case MWK_F16: { uint16_t h = f16_bits(v); *bits = h; return f16_value(h); }
    case MWK_I64: {
        int64_t q = (!fin || fabs(v) >= 9.2e18) ? (int64_t)raw : (int64_t)v;
        memcpy(bits, &q, 8);
        return (long double)q;
    }
    case MWK_U64: {
        uint64_t q = (!fin || v < 0 || v >= 1.8e19) ? raw : (uint64_t)v;
        *bits = q;
        return (long double)q;
    }
#define CLAMPED(T, lo, hi)                                                         \
    {                                                                              \
        T q = fin ? (T)fmax(fmin(v, (double)(hi)), (double)(lo)) : (T)raw;         \
        memcpy(bits, &q, sizeof q);                                                \
        return (long double)q;                                                     \
    }
    case MWK_I32: CLAMPED(int32_t, INT32_MIN, INT32_MAX)
    case MWK_I16: CLAMPED(int16_t, INT16_MIN, INT16_MAX)
    case MWK_I8: CLAMPED(int8_t, INT8_MIN, INT8_MAX)
    case MWK_U32: CLAMPED(uint32_t, 0, UINT32_MAX)
    case MWK_U16: CLAMPED(uint16_t, 0, UINT16_MAX)
    case MWK_U8: CLAMPED(uint8_t, 0, UINT8_MAX)
#undef CLAMPED
    case MWK_BOOL: {
        uint8_t q = (uint8_t)(raw & 3 ? raw >> 8 : 0); /* any non-zero byte is true */
        *bits = q;
        return q ? 1.0L : 0.0L;
    }
    default: memcpy(bits, &v, 8); return v;
    }
}

/* ---- references -------------------------------------------------------------- */
enum { R_NONE, R_MEAN, R_SUM, R_VAR, R_STD, R_MIN, R_MAX, R_ARGMIN, R_ARGMAX, R_MEDIAN, R_QUANTILE, R_RANK };
static int ref_of(const char *name) {
    static const char *names[] = {"mean", "sum", "var", "std", "min", "max", "argmin", "argmax",
                                  "median", "quantile", "rank"};
    for (int i = 0; name && i < 11; i++)
        if (strcmp(name, names[i]) == 0) return i + 1;
    return R_NONE;
}

typedef struct {
    long double v;   /* expected value (finite kinds) */
    int kind;        /* 0 finite, 1 NaN, 2 +inf, 3 -inf */
    long double tol; /* absolute; 0: exact; inf: overflows the output type, any non-NaN */
    long double alt; /* another exact answer (argmin/argmax on 64-bit ints), or NaN */
} expect;

static void window_of(size_t n, size_t w, int al, size_t k, size_t *lo, size_t *hi) {
    if (al == MWK_ALIGN_VALID) {
        *lo = k, *hi = k + w;
    } else if (al == MWK_ALIGN_TRAILING) {
        *lo = k + 1 >= w ? k + 1 - w : 0, *hi = k + 1;
    } else {
        size_t left = w / 2, right = (w - 1) / 2;
        *lo = k >= left ? k - left : 0;
        *hi = k + right + 1 < n ? k + right + 1 : n;
    }
}

static size_t good_size(size_t n) {
    if (n <= 1) return 1;
    for (size_t m = n;; m++) {
        size_t r = m;
        while (r % 2 == 0) r /= 2;
        while (r % 3 == 0) r /= 3;
        while (r % 5 == 0) r /= 5;
        while (r % 7 == 0) r /= 7;
        if (r == 1) return m;
    }
}

/* xv: exact values; xd: as converted to double (the header: every input is
 * converted to float64 first; 64-bit integers round once). */
static int cmp_d(const void *pa, const void *pb) {
    double a = *(const double *)pa, b = *(const double *)pb;
    return (a > b) - (a < b);
}

/* quantile q, method how (mwk_interpolation) of the window's non-NaN xd */
static expect ref_quantile(const double *xd, size_t lo, size_t hi, double q, int how, int f32out) {
    expect e = {0, 0, 0, NAN};
    double *v = malloc((hi - lo + 1) * sizeof *v);
    size_t c = 0;
    for (size_t i = lo; i < hi; i++)
        if (!isnan(xd[i])) v[c++] = xd[i];
    qsort(v, c, sizeof *v, cmp_d);
    const double vi = (double)(c - 1) * q, fl = floor(vi), ce = ceil(vi);
    double a = v[(size_t)fl], b = a, t = 0;
    if (how == MWK_INTERP_HIGHER) a = b = v[(size_t)ce];
    else if (how == MWK_INTERP_NEAREST) {
        size_t i = (size_t)fl;
        if (vi - fl > 0.5 || (vi - fl == 0.5 && (i & 1))) i++;
        a = b = v[i];
    } else if (how == MWK_INTERP_MIDPOINT) {
        if (fl != ce) b = v[(size_t)ce], t = 0.5;
    } else if (how == MWK_INTERP_LINEAR && fl < (double)(c - 1)) {
        b = v[(size_t)fl + 1], t = vi - fl;
    }
    free(v);
    if (t == 0 || a == b) e.v = a;
    else if (isinf(a) && isinf(b)) { e.kind = 1; return e; }
    else if (isinf(a)) e.v = a;
    else if (isinf(b)) e.v = b;
    else {
        e.v = (long double)a + (long double)t * ((long double)b - (long double)a);
        double ev = (double)e.v, m = fabs(a) > fabs(b) ? fabs(a) : fabs(b);
        e.tol = (long double)(nextafter(fabs(ev), INFINITY) - fabs(ev)) + 4.0L * LDBL_EPSILON * m +
                0x1p-1074L;
        if (f32out) e.tol += 0x1p-23L * fabsl(e.v) + 0x1p-149L;
    }
    if (isinf((double)e.v)) { e.kind = e.v > 0 ? 2 : 3; return e; }
    if (f32out && e.tol == 0) e.v = (long double)(float)(double)e.v;
    return e;
}

static expect reference(int ref, const long double *xv, const double *xd, size_t lo, size_t hi, int pol,
                        size_t mc, size_t w, int ddof, int algo, size_t n, long double rowmax, int f32out,
                        double qq, int how) {
    expect e = {0, 1, 0, NAN};
    size_t nan = 0, pinf = 0, ninf = 0;
    for (size_t i = lo; i < hi; i++) {
        if (isnan(xd[i])) nan++;
        else if (isinf(xd[i])) *(xd[i] > 0 ? &pinf : &ninf) += 1;
    }
    size_t count = hi - lo - nan;
    if ((pol == MWK_NAN_PROPAGATE && nan) || (pol == MWK_NAN_PROPAGATE ? hi - lo : count) < mc || count == 0)
        return e; /* NaN */
    const long double u = 0x1p-53L, ld_eps = LDBL_EPSILON;
    switch (ref) {
    case R_MEAN:
    case R_SUM: {
        if (pinf && ninf) return e;
        if (pinf || ninf) { e.kind = pinf ? 2 : 3; return e; }
        long double s = 0, a = 0;
        for (size_t i = lo; i < hi; i++)
            if (!isnan(xd[i])) s += xd[i], a += fabsl((long double)xd[i]);
        long double div = ref == R_MEAN ? (long double)count : 1.0L;
        e.kind = 0;
        e.v = s / div;
        long double abs_mean = a / div;
        if (algo == MWK_ALGO_FFT) {
            size_t N = good_size(n);
            e.tol = 8.0L * log2((double)N + 1) * u * (long double)w * rowmax / div +
                    ((long double)N + 8.0L * log2((double)N + 1) * (long double)w) * 0x1p-1074L / div;
        } else
            e.tol = ((long double)w + 2) * u * abs_mean;
        /* the long double sum's own error, and underflow (absolute) */
        e.tol += ((long double)(hi - lo) + 2) * ld_eps * abs_mean + 0x1p-1072L;
        if (f32out) e.tol += 0x1p-23L * fabsl(e.v) + 0x1p-149L + e.tol * 0x1p-20L;
        if (fabsl(e.v) > (long double)(f32out ? FLT_MAX : DBL_MAX) * (1 - 0x1p-40L))
            e.tol = INFINITY; /* rounds to inf: any non-NaN */
        return e;
    }
    case R_VAR:
    case R_STD: {
        if ((long double)count <= (long double)ddof || pinf || ninf) return e;
        long double s = 0, first = 0, m2 = 0;
        int constant = 1, have = 0;
        for (size_t i = lo; i < hi; i++) {
            if (isnan(xd[i])) continue;
            if (!have) first = xd[i], have = 1;
            else if ((long double)xd[i] != first) constant = 0;
            s += (long double)xd[i] - first;
        }
        e.kind = 0;
        if (constant) return e; /* exactly 0 */
        /* two-pass about a pivot: the mean's error is relative to the spread */
        long double m = s / (long double)count;
        for (size_t i = lo; i < hi; i++)
            if (!isnan(xd[i])) m2 += ((long double)xd[i] - first - m) * ((long double)xd[i] - first - m);
        long double var = m2 / (long double)(count - (size_t)ddof);
        long double rel = 8.0L * ((long double)w + 4) * u + 4.0L * ((long double)w + 4) * ld_eps;
        long double tiny = (long double)w * 0x1p-1074L;
        if (ref == R_VAR) {
            e.v = var;
            e.tol = rel * var + tiny + u * var;
        } else {
            e.v = sqrtl(var);
            e.tol = (0.5L * rel + 2 * u) * e.v + sqrtl(tiny);
        }
        if (f32out) e.tol += 0x1p-23L * e.v + 0x1p-149L;
        if (e.v * (1 - 2 * rel) > (long double)(f32out ? FLT_MAX : DBL_MAX))
            e.tol = INFINITY; /* overflows the output type */
        /* a variance beyond the double range is +inf; the std stays finite
         * (the header, since b9ee9f8): no allowance here */
        return e;
    }
    case R_MIN:
    case R_MAX:
    case R_ARGMIN:
    case R_ARGMAX: {
        int want_min = ref == R_MIN || ref == R_ARGMIN, have = 0, have_d = 0;
        long double ext = 0;
        double ext_d = 0;
        size_t idx = 0, idx_d = 0;
        for (size_t i = lo; i < hi; i++) {
            if (isnan(xd[i])) continue;
            if (!have || (want_min ? xv[i] <= ext : xv[i] >= ext)) ext = xv[i], idx = i, have = 1;
            if (!have_d || (want_min ? xd[i] <= ext_d : xd[i] >= ext_d)) ext_d = xd[i], idx_d = i, have_d = 1;
        }
        if (ref == R_MIN || ref == R_MAX) {
            double v = (double)ext; /* exact extremum rounded once */
            if (isinf(v)) { e.kind = v > 0 ? 2 : 3; return e; }
            e.kind = 0;
            e.v = f32out ? (long double)(float)v : (long double)v;
            return e;
        }
        e.kind = 0;
        e.v = (long double)(hi - 1 - idx);
        if (idx_d != idx) e.alt = (long double)(hi - 1 - idx_d);
        return e;
    }
    case R_MEDIAN: return ref_quantile(xd, lo, hi, 0.5, MWK_INTERP_LINEAR, f32out);
    case R_QUANTILE: return ref_quantile(xd, lo, hi, qq, how, f32out);
    case R_RANK: {
        const double a = xd[hi - 1]; /* the (clipped) window's newest */
        if (isnan(a)) return e;
        long long less = 0, equal = 0;
        for (size_t i = lo; i < hi; i++) less += xd[i] < a, equal += xd[i] == a;
        e.kind = 0;
        double r = count <= 1 ? 0.0 : (double)(2 * less + equal - (long long)count) / (double)(count - 1);
        e.v = f32out ? (long double)(float)r : (long double)r;
        return e;
    }
    }
    e.kind = -1; /* no reference */
    return e;
}

/* ---- weighted_sum / weighted_mean ----------------------------------------- */
/* The taps of the current input (NULL: the boxcar), their count as passed
 * (WNW, may differ from the window: malformed), min_weight, and whether the
 * taps themselves are malformed (MWK_E_PARAMS expected). */
static double *WTAPS;
static size_t WNW;
static double WMIN;
static int WBAD, WMAYBE; /* WMAYBE: sum|taps| at the edge of the double range, either answer */

static uint64_t splitmix(uint64_t *s) {
    uint64_t z = (*s += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

/* One tap: zeros, +-1, ordinary, and where the input allows them (palette
 * bit 1: huge, bit 2: subnormal and any exponent) the extremes, times 2^sc
 * (kept finite: a tap that would overflow is DBL_MAX with its sign). Huge
 * taps are opt-in: a few of them make sum|taps| overflow (MWK_E_PARAMS). */
static double gen_tap(uint64_t *st, int sc, int positive, unsigned palette) {
    const uint64_t r = splitmix(st);
    const double m = (double)(r >> 11) * 0x1p-53; /* [0, 1) */
    double v;
    unsigned kind = (unsigned)((r >> 3) % 16);
    if ((kind == 4 && !(palette & 1)) || ((kind == 5 || kind == 6) && !(palette & 2))) kind = 15;
    switch (kind) {
    case 0: case 1: v = 0.0; break;
    case 2: v = 1.0; break;
    case 3: v = -1.0; break;
    case 4: v = DBL_MAX * (0.5 + 0.5 * m); break;
    case 5: v = ldexp((double)(r & 0xfffff), -1074); break;
    case 6: v = ldexp(0.5 + 0.5 * m, (int)((r >> 40) % 2098) - 1074); break;
    default: v = 2.0 * m - 1.0; break;
    }
    if (r & 1) v = -v;
    if (positive) v = fabs(v);
    v = ldexp(v, sc);
    if (isinf(v)) v = copysign(DBL_MAX, v);
    return v;
}

/* From the taps byte hw, the min_weight byte hm and seed, for window w. */
static void make_taps(unsigned hw, unsigned hm, uint64_t seed, size_t w) {
    static const double MW[16] = {0.0, 0.0, 0.0, 0.5, 1.0, 0.25, 0.75, 0.999,
                                  1e-300, 0.1, 0.9, 1.0 - 0x1p-53, -0.1, 1.5, NAN, 0.5};
    WMIN = MW[hm & 15];
    WBAD = !(WMIN >= 0.0 && WMIN <= 1.0);
    WTAPS = NULL, WNW = 0, WMAYBE = 0;
    const int mode = (int)(hw & 7);
    if (mode == 0 || w == 0) {
        if (mode == 6) WNW = w + 1, WBAD = 1; /* n_weights without weights */
        return;
    }
    /* a power-of-two scale for every tap: mostly none, else any exponent */
    const int sc = (hw >> 5) < 6 ? 0 : (int)(splitmix(&seed) % 2200) - 1100;
    const unsigned palette = (hw >> 3) & 3;
    size_t len = w;
    if (mode == 4) len = (hw >> 3) & 1 ? w + 1 : w > 1 ? w - 1 : 2; /* n_weights != window */
    WTAPS = malloc(len * sizeof *WTAPS); /* exact size: ASan sees overreads */
    for (size_t i = 0; i < len; i++) WTAPS[i] = gen_tap(&seed, sc, mode == 3, palette);
    WNW = len;
    if (mode == 4) WBAD = 1;
    if (mode == 5) {
        const double bad[3] = {NAN, INFINITY, -INFINITY};
        WTAPS[splitmix(&seed) % len] = bad[(hw >> 3) % 3];
        WBAD = 1;
    }
    if (mode == 6) WNW = 0, WBAD = 1; /* weights without n_weights */
    /* sum |taps| must be finite (the header): beyond the double range
     * MWK_E_PARAMS, within rounding of its edge either answer */
    long double tot = 0;
    for (size_t i = 0; i < len; i++) tot += fabsl((long double)WTAPS[i]);
    if (tot > (long double)DBL_MAX * (1 + 0x1p-50L)) WBAD = 1;
    else if (tot > (long double)DBL_MAX * (1 - 0x1p-50L)) WMAYBE = 1;
}

/* The header's definition for output k; algo as run (AUTO: the table's
 * choice, direct up to 160 taps, fft above when available). */
static expect ref_weighted(int mean, const double *xd, size_t n, size_t k, int al, size_t W, const double *taps,
                           double mw, int pol, size_t mc, int algo, long double rowmax, int f32out) {
    expect e = {0, 1, 0, NAN};
    const long double u = 0x1p-53L;
    const ptrdiff_t left = al == MWK_ALIGN_VALID ? 0 : al == MWK_ALIGN_TRAILING ? (ptrdiff_t)W - 1 : (ptrdiff_t)(W / 2);
    const ptrdiff_t start = (ptrdiff_t)k - left;
    size_t nan_in = 0, count = 0;
    long double D = 0, P = 0, S = 0, A = 0, tot = 0, Pabs = 0;
    int pinf = 0, ninf = 0;
    for (size_t i = 0; i < W; i++) {
        const ptrdiff_t pos = start + (ptrdiff_t)i;
        const double wi = taps ? taps[i] : 1.0;
        tot += fabs(wi);
        if (pos < 0 || pos >= (ptrdiff_t)n) { D += fabs(wi); continue; }
        const double v = xd[pos];
        if (isnan(v)) { nan_in++; D += fabs(wi); continue; }
        count++;
        P += wi, Pabs += fabs(wi);
        if (isinf(v)) {
            if (wi != 0.0) *((v > 0) == (wi > 0) ? &pinf : &ninf) = 1;
            continue;
        }
        S += (long double)wi * v, A += fabsl((long double)wi * v);
    }
    if ((pol == MWK_NAN_PROPAGATE && nan_in) || count < mc || count == 0) return e;
    const int fft = algo == MWK_ALGO_FFT ||
                    (algo == MWK_ALGO_AUTO && W > 160 && mwk_algorithm_available(MWK_ALGO_FFT));
    const long double Nb = 2.0L * (W * 4 > 256 ? (long double)W * 4 : 256.0L); /* >= the block */
    const long double L = log2l(Nb);
    /* the divisor's and the absent weight's error (compensated sums, or the transform) */
    const long double eW = fft ? 8 * L * u * tot + 4 * u * fabsl(P)
                               : 4 * u * fabsl(P) + ((long double)W * W + 4) * u * u * tot;
    /* min_weight, from the absent side, as the library computes it in double */
    const double thr = (1.0 - mw) * (double)tot;
    if (D > 0) {
        const int fail = (double)D > thr;
        /* at the threshold within the error: either answer (naive and direct
         * sum exactly representable weights exactly; fft's D is noisy even then) */
        if (fabsl(D - (long double)thr) <= eW + 2 * u * tot && (fft || (long double)thr != D)) {
            e.kind = -1;
            return e;
        }
        if (fail) return e;
    }
    if (pinf && ninf) return e;
    if (mean && fabsl(P) <= 2 * eW) {
        if (P == 0 && Pabs == 0) return e; /* every present tap 0: exactly NaN */
        e.kind = -1;                        /* present weight within its error of 0 */
        return e;
    }
    if (pinf || ninf) {
        const int sgn = (pinf ? 1 : -1) * (mean && P < 0 ? -1 : 1);
        e.kind = sgn > 0 ? 2 : 3;
        return e;
    }
    const long double sub = 0x1p-1074L;
    long double tolS;
    if (fft)
        tolS = 8 * L * u * tot * rowmax + (Nb + 8 * L * W) * sub;
    else if (algo == MWK_ALGO_NAIVE) {
        const long double g = W * u / (1 - W * u);
        tolS = u * fabsl(S) + g * g * A;
    } else if (algo == MWK_ALGO_GEMM) { /* FIR bank: any summation order */
        tolS = u * fabsl(S) + W * u / (1 - W * u) * A;
    } else
        tolS = u * fabsl(S) + 18 * u * A;
    tolS += u * fabsl(S) + (2.0L * W + 4) * sub + ((long double)W + 2) * LDBL_EPSILON * A;
    e.kind = 0;
    if (mean) {
        e.v = S / P;
        e.tol = (tolS + fabsl(e.v) * eW) / (fabsl(P) - eW) + 2 * u * fabsl(e.v);
    } else {
        e.v = S, e.tol = tolS;
    }
    if (f32out) e.tol += 0x1p-23L * fabsl(e.v) + 0x1p-149L + e.tol * 0x1p-20L;
    if (fabsl(e.v) + e.tol >= (long double)(f32out ? FLT_MAX : DBL_MAX) * (1 - 0x1p-40L))
        e.tol = INFINITY; /* may round to inf: any non-NaN */
    return e;
}

/* The window's values (as double), for the report. */
static void dump_window(const double *xd, size_t lo, size_t hi) {
    fprintf(stderr, "  window values:");
    for (size_t i = lo; i < hi && i < lo + 24; i++) fprintf(stderr, " %.17g", xd[i]);
    if (hi - lo > 24) fprintf(stderr, " ... (%zu values)", hi - lo);
    fprintf(stderr, "\n");
    if (WTAPS) {
        fprintf(stderr, "  taps (n_weights %zu, min_weight %g):", WNW, WMIN);
        for (size_t i = 0; i < WNW && i < 24; i++) fprintf(stderr, " %.17g", WTAPS[i]);
        fprintf(stderr, "\n");
    }
}

#define FAIL(...)                                                                                        \
    do {                                                                                                 \
        fprintf(stderr, "fuzz_api: " __VA_ARGS__);                                                       \
        fprintf(stderr,                                                                                  \
                "\n  stat %d (%s) ddof %d params %s dtype %d align %d algo %d nan %d min_count %zu "      \
                "long_window %d options size %zu target %s n %zu w %zu rows %zu xs %td ys %td xoff %zu " \
                "yoff %zu\n",                                                                            \
                stat, sname ? sname : "?", ddof, pvar == 1 ? "NULL" : pvar == 2 ? "bad size" : "set", dt, \
                al, algo, pol, mc_raw, lw, osize, target ? target : "(process)", n, w, rows, xs, ys,     \
                xoff, yoff);                                                                             \
        abort();                                                                                         \
    } while (0)

/* The accepted call again as a stream: 0 when its outputs equal the call's
 * (y: row r's output k at y + (r * yrow + k * ys) * oes), else a message. */
static const char *stream_differs(int stat, const mwk_params *pp, const unsigned char *x, int dt, size_t rows,
                                  size_t n, ptrdiff_t xrow, ptrdiff_t xs, size_t w, const mwk_options *opt,
                                  const unsigned char *y, ptrdiff_t yrow, ptrdiff_t ys, size_t out_len,
                                  size_t oes, uint64_t cut) {
    mwk_stream *s = NULL;
    if (mwk_stream_create((mwk_stat)stat, pp, (mwk_dtype)dt, rows, w, opt, &s) != MWK_OK)
        return "create refused a valid call";
    const size_t es = esize(dt);
    unsigned char *out = malloc(rows * out_len * oes + 1);
    if (!out) abort();
    const char *msg = NULL;
    size_t at = 0, done = 0;
    int saved = 0;
    while (at < n && !msg) {
        cut = cut * 6364136223846793005ULL + 1442695040888963407ULL;
        size_t len = (size_t)(cut >> 33) % (2 * w + 3);
        if (len > n - at) len = n - at;
        size_t got = 0;
        if (mwk_stream_push(s, x + (ptrdiff_t)at * xs * (ptrdiff_t)es, len, xrow, xs, out + done * oes,
                            out_len - done, (ptrdiff_t)out_len, 1, 1, &got) != MWK_OK)
            msg = "push failed";
        at += len, done += got;
        if (!msg && !saved && 2 * at >= n) {
            saved = 1;
            size_t size = 0;
            unsigned char *blob = NULL;
            if (mwk_stream_serialize(s, NULL, 0, &size) != MWK_OK || !(blob = malloc(size)) ||
                mwk_stream_serialize(s, blob, size, &size) != MWK_OK)
                abort();
            mwk_stream_free(s);
            s = NULL;
            if (mwk_stream_restore(blob, size, 1, &s) != MWK_OK) msg = "restore failed";
            free(blob);
        }
    }
    size_t got = 0;
    if (!msg && mwk_stream_finish(s, out + done * oes, out_len - done, (ptrdiff_t)out_len, 1, 1, &got) != MWK_OK)
        msg = "finish failed";
    if (!msg && done + got != out_len) msg = "wrong number of outputs";
    for (size_t r = 0; r < rows && !msg; r++)
        for (size_t k = 0; k < out_len && !msg; k++)
            if (memcmp(out + (r * out_len + k) * oes, y + ((ptrdiff_t)r * yrow + (ptrdiff_t)k * ys) * (ptrdiff_t)oes,
                       oes) != 0)
                msg = "an output differs from the one call";
    mwk_stream_free(s);
    free(out);
    return msg;
}

/* pvar: 0 params set, 1 NULL, 2 bad struct size */
/* The quantile's parameters from the input's q byte. */
static double QVAL;
static int QHOW;

static void one_call(int stat, int ddof, int pvar, int dt, int al, int algo, int pol, size_t mc_raw, int lw,
                     size_t osize, const char *target, int target_ok, size_t n, size_t w, size_t rows,
                     ptrdiff_t xs, ptrdiff_t ys, size_t xoff, size_t yoff, const uint64_t *bits,
                     const long double *lvals) {
    const size_t nstats = mwk_stat_count();
    const int stat_ok = stat >= 0 && (size_t)stat < nstats;
    mwk_stat_info info;
    memset(&info, 0, sizeof info);
    info.struct_size = sizeof info;
    if (stat_ok && mwk_stat_info_get((mwk_stat)stat, &info) != MWK_OK) abort();
    const char *sname = stat_ok ? info.name : NULL;
    const int dt_ok = dt >= 0 && dt < NDT;
    mwk_dtype od = MWK_F64;
    if (stat_ok && dt_ok && mwk_move_out_dtype((mwk_stat)stat, (mwk_dtype)dt, &od) != MWK_OK) abort();
    const size_t es = dt_ok ? esize(dt) : 8, oes = od == MWK_F32 ? 4 : 8;
    const int clip = lw == MWK_LONG_WINDOW_CLIP && osize == sizeof(mwk_options);
    const size_t out_len = al == MWK_ALIGN_VALID ? (w >= 1 && w <= n ? n - w + 1 : 0)
                                                 : ((w > n && !clip) ? 0 : n);
    const size_t axs = (size_t)(xs < 0 ? -xs : xs), ays = (size_t)(ys < 0 ? -ys : ys);
    const size_t xrow = n ? (n - 1) * axs + 1 : 1;
    const size_t yrow = out_len ? out_len * (ays ? ays : 1) : 1;
    const size_t xel = rows * xrow + xoff, yel = rows * yrow + yoff;
    const size_t pad = 64;
    unsigned char *xb = aligned_alloc(64, ((xel * es + 63) / 64) * 64 + 64);
    unsigned char *yb = aligned_alloc(64, ((yel * oes + 2 * pad + 63) / 64) * 64 + 64);
    const size_t ybytes = yel * oes + 2 * pad;
    if (!xb || !yb) abort();
    memset(xb, 0x5A, xel * es);
    memset(yb, 0xA5, ybytes);
    for (size_t r = 0; r < rows; r++)
        for (size_t k = 0; k < n; k++) {
            size_t pos = xoff + r * xrow + (xs < 0 ? (n - 1 - k) * axs : k * axs);
            memcpy(xb + pos * es, &bits[r * n + k], es); /* little-endian: the low bytes */
        }
    unsigned char *xcopy = malloc(xel * es + 1);
    memcpy(xcopy, xb, xel * es);
    unsigned char *xbase = xb + (xoff + (xs < 0 ? (n ? n - 1 : 0) * axs : 0)) * es;
    unsigned char *ybase = yb + pad + (yoff + (ys < 0 ? (out_len ? out_len - 1 : 0) * ays : 0)) * oes;

    mwk_options opt;
    mwk_options_init(&opt);
    opt.align = (mwk_align)al;
    opt.algorithm = (mwk_algorithm)algo;
    opt.nan_policy = (mwk_nan_policy)pol;
    opt.min_count = mc_raw;
    opt.threads = 1;
    opt.target = target;
    opt.long_window = (mwk_long_window)lw;
    opt.struct_size = osize;
    mwk_params prm;
    mwk_params_init(&prm);
    prm.ddof = ddof;
    prm.quantile = QVAL;
    prm.interpolation = (mwk_interpolation)QHOW;
    const int has_w = stat_ok && (info.params & MWK_PARAM_WEIGHTS);
    if (has_w) prm.weights = WTAPS, prm.n_weights = WNW, prm.min_weight = WMIN;
    if (pvar == 2) prm.struct_size = sizeof prm + 8;
    const mwk_params *pp = pvar == 1 ? NULL : &prm;
    const int eddof = pvar == 1 ? 0 : ddof; /* NULL params: defaults */
    mwk_status st;
    if (rows == 1)
        st = mwk_move((mwk_stat)stat, pp, xbase, (mwk_dtype)dt, n, xs, ybase, ys, w, &opt);
    else
        st = mwk_move_batch((mwk_stat)stat, pp, xbase, (mwk_dtype)dt, rows, n, (ptrdiff_t)xrow, xs, ybase,
                            (ptrdiff_t)yrow, ys, w, &opt);

    /* Expected rejections (any of those that apply may be reported). */
    const int has_ddof = stat_ok && (info.params & MWK_PARAM_DDOF);
    const int opt_known = osize == sizeof(mwk_options) || osize == offsetof(mwk_options, long_window);
    const int lw_eff = osize == sizeof(mwk_options) ? lw : MWK_LONG_WINDOW_ERROR;
    size_t mc = mc_raw == MWK_MIN_COUNT_WINDOW ? w : mc_raw;
    int bad = 0, any_error = 0;
    unsigned ok_mask = 0;
#define REJ(cond, code) if (cond) { bad = 1; ok_mask |= 1u << (code); }
    REJ(!stat_ok, MWK_E_STAT);
    const int has_q = stat_ok && (info.params & MWK_PARAM_QUANTILE);
    const double eq = pvar == 1 ? 0.5 : QVAL;
    const int ehow = pvar == 1 ? MWK_INTERP_LINEAR : QHOW;
    REJ(pvar == 2 || (has_ddof && eddof < 0), MWK_E_PARAMS);
    REJ(has_q && (!(eq >= 0.0 && eq <= 1.0) || ehow < 0 || ehow > MWK_INTERP_MIDPOINT), MWK_E_PARAMS);
    REJ(has_w && pvar == 0 && (WBAD || (WNW && WNW != w)), MWK_E_PARAMS);
    REJ(!opt_known, MWK_E_OPTIONS);
    REJ(!dt_ok, MWK_E_DTYPE);
    REJ(al < 0 || al > 2, MWK_E_ALIGN);
    REJ(algo < 0 || algo >= MWK_ALGO_COUNT || (stat_ok && algo != MWK_ALGO_AUTO &&
                                                   !mwk_stat_has_algorithm((mwk_stat)stat, (mwk_algorithm)algo) &&
                                                   mwk_algorithm_available((mwk_algorithm)algo)),
        MWK_E_ALGORITHM);
    REJ(algo >= 0 && algo < MWK_ALGO_COUNT && !mwk_algorithm_available((mwk_algorithm)algo), MWK_E_UNAVAILABLE);
    REJ(algo >= 0 && algo < MWK_ALGO_COUNT && !mwk_algorithm_available((mwk_algorithm)algo), MWK_E_ALGORITHM);
    REJ(pol < 0 || pol > 1, MWK_E_NAN_POLICY);
    REJ(w == 0, MWK_E_WINDOW);
    REJ(w > n && lw_eff != MWK_LONG_WINDOW_CLIP, MWK_E_WINDOW_TOO_LONG);
    REJ(w >= 1 && (mc == 0 || mc > w), MWK_E_MIN_COUNT);
    REJ(!target_ok, MWK_E_TARGET);
    REJ(out_len > 1 && ys == 0, MWK_E_OVERLAP);
    if (lw_eff != MWK_LONG_WINDOW_ERROR && lw_eff != MWK_LONG_WINDOW_CLIP) bad = 1, any_error = 1;
#undef REJ
    if (getenv("MWK_FUZZ_VERBOSE")) /* which call an input makes (seeds, findings) */
        fprintf(stderr, "fuzz_api call: stat %d algo %d dtype %d align %d n %zu w %zu rows %zu taps %s (%zu) "
                        "min_weight %g -> status %d\n", stat, algo, dt, al, n, w, rows,
                stat_ok && (info.params & MWK_PARAM_WEIGHTS) ? (WTAPS ? "set" : "none") : "-", WNW, WMIN, st);
    if (memcmp(xb, xcopy, xel * es) != 0) FAIL("x was modified (status %d)", st);
    /* ddof < 0 for a statistic without ddof: not its parameter; either answer */
    if (!bad && !has_ddof && eddof < 0 && st == MWK_E_PARAMS) bad = 1, any_error = 1;
    if (!bad && has_w && pvar == 0 && WMAYBE && st == MWK_E_PARAMS) bad = 1, any_error = 1;
    if (bad || st != MWK_OK) {
        if (!bad) FAIL("valid call rejected with status %d (%s)", st, mwk_status_str(st));
        if (st == MWK_OK) FAIL("invalid call accepted (expected mask 0x%x)", ok_mask);
        if (!any_error && !(ok_mask >> st & 1)) FAIL("status %d not among expected mask 0x%x", st, ok_mask);
        for (size_t i = 0; i < ybytes; i++)
            if (yb[i] != 0xA5) FAIL("rejected call (status %d) wrote y byte %zu", st, i);
        goto out;
    }
    if (ys != 0 || out_len <= 1) {
        const char *msg = stream_differs(stat, pp, xbase, dt, rows, n, (ptrdiff_t)xrow, xs, w, &opt, ybase,
                                         (ptrdiff_t)yrow, ys, out_len, oes, bits[0] ^ (n * 31 + w));
        if (msg) FAIL("stream: %s", msg);
    }

    {
        unsigned char *touched = calloc(ybytes, 1);
        for (size_t r = 0; r < rows; r++)
            for (size_t k = 0; k < out_len; k++) {
                size_t pos = yoff + r * yrow + (ys < 0 ? (out_len - 1 - k) * ays : k * ays);
                memset(touched + pad + pos * oes, 1, oes);
            }
        for (size_t i = 0; i < ybytes; i++)
            if (!touched[i] && yb[i] != 0xA5) FAIL("byte %zu of y outside the outputs was written", i);
        free(touched);
    }
    {
        const int ref = ref_of(sname);
        const int is_var = ref == R_VAR || ref == R_STD;
        double *xd = malloc((n + 1) * sizeof *xd);
        for (size_t r = 0; r < rows; r++) {
            const long double *xv = lvals + r * n;
            long double rowmax = 0;
            for (size_t i = 0; i < n; i++) {
                xd[i] = (double)xv[i];
                if (isfinite(xd[i]) && fabsl((long double)xd[i]) > rowmax) rowmax = fabsl((long double)xd[i]);
            }
            for (size_t k = 0; k < out_len; k++) {
                size_t lo, hi;
                window_of(n, w, al, k, &lo, &hi);
                if (hi > n) hi = n;
                size_t pos = yoff + r * yrow + (ys < 0 ? (out_len - 1 - k) * ays : k * ays);
                double got;
                if (od == MWK_F32) { float f; memcpy(&f, yb + pad + pos * 4, 4); got = f; }
                else memcpy(&got, yb + pad + pos * 8, 8);
                expect e = has_w ? ref_weighted(strcmp(sname, "weighted_mean") == 0, xd, n, k, al, w,
                                                pvar ? NULL : WTAPS, pvar ? 0.0 : WMIN, pol, mc, algo, rowmax,
                                                od == MWK_F32)
                                 : reference(ref, xv, xd, lo, hi, pol, mc, w, has_ddof ? eddof : 0, algo, n, rowmax,
                                             od == MWK_F32, eq, ehow);
                if (e.kind < 0) continue;
#define WFAIL(...) do { dump_window(xd, lo, hi); FAIL(__VA_ARGS__); } while (0)
                if (e.kind == 1) {
                    if (!isnan(got)) WFAIL("row %zu out %zu [%zu,%zu): expected NaN, got %.17g", r, k, lo, hi, got);
                    continue;
                }
                if (e.kind >= 2) {
                    double want = e.kind == 2 ? INFINITY : -INFINITY;
                    if (got != want) WFAIL("row %zu out %zu [%zu,%zu): expected %g, got %.17g", r, k, lo, hi, want, got);
                    continue;
                }
                if (is_var && !(got >= 0)) WFAIL("row %zu out %zu [%zu,%zu): %s %.17g is negative or NaN", r, k, lo, hi, sname, got);
                if (e.tol == 0) {
                    if ((long double)got != e.v && (long double)got != e.alt)
                        WFAIL("row %zu out %zu [%zu,%zu): got %.17g, want exactly %.17Lg (%s, %s)", r, k, lo, hi, got,
                             e.v, sname, mwk_algorithm_name((mwk_algorithm)algo));
                    continue;
                }
                if (isinf(e.tol)) {
                    if (isnan(got)) WFAIL("row %zu out %zu [%zu,%zu): got NaN for a huge finite result", r, k, lo, hi);
                    continue;
                }
                /* + DBL_TRUE_MIN: the result is a double, and an exact value
                 * below the subnormal range (a mean of 1.7e-540, found by this
                 * harness) can only round to 0 or the smallest subnormal */
                if (!isfinite(got) || fabsl((long double)got - e.v) > e.tol + (long double)DBL_TRUE_MIN)
                    WFAIL("row %zu out %zu [%zu,%zu): got %.17g expected %.17Lg |err| %Lg > tol %Lg (%s, %s)", r, k, lo,
                         hi, got, e.v, fabsl((long double)got - e.v), e.tol, sname,
                         mwk_algorithm_name((mwk_algorithm)algo));
            }
        }
        free(xd);
    }
out:
    free(xcopy);
    free(xb);
    free(yb);
}


/* ---- FIR filter banks (mwk_fir_bank_batch) ----------------------------------- */
/* Input byte h4 == 254 (otherwise an out-of-range statistic) selects this
 * mode; its own layout follows h5: K/taps-NULL byte, algorithm byte, options
 * byte, layout byte, taps byte, min_weight byte, then n, w, min_count, the
 * taps seed and the values. K filters drawn as the weighted taps (make_taps,
 * one seed each; the boxcar as ones), checked per filter against
 * ref_weighted with the header's bound for the algorithm run (gemm:
 * g_W sum|w x|), and for naive and direct (the header: the same bits) against
 * K separate mwk_move_batch calls of weighted_sum with the same options. */
#define BFAIL(...)                                                                                       \
    do {                                                                                                 \
        fprintf(stderr, "fuzz_api (bank): " __VA_ARGS__);                                                \
        fprintf(stderr, "\n  K %zu algo %d dtype %d align %d nan %d min_count %zu clip %d target %s n %zu " \
                        "w %zu rows %zu xs %td layout %u (yr %td ys %td yk %td) min_weight %g\n",        \
                K, algo, dt, al, pol, mc_raw, clip, target ? target : "(process)", n, w, rows, xs, lay, yr, \
                ys, yk, mw);                                                                             \
        abort();                                                                                         \
    } while (0)

static void bank_input(rd *r, const uint8_t *data, size_t size) {
    const unsigned b0 = (unsigned)take(r, 1), b1 = (unsigned)take(r, 1), b2 = (unsigned)take(r, 1);
    const unsigned lay = (unsigned)take(r, 1), hw = (unsigned)take(r, 1), hm = (unsigned)take(r, 1);
    size_t K = (b0 & 7) == 6 ? 0 : 1 + (b0 & 7) % 6;
    const int null_taps = (b0 & 7) == 7 && (b0 >> 3) == 31;
    /* bank algorithms mostly, sometimes any value (others: MWK_E_ALGORITHM) */
    static const int BA[8] = {MWK_ALGO_AUTO, MWK_ALGO_NAIVE, MWK_ALGO_DIRECT, MWK_ALGO_FFT,
                              MWK_ALGO_GEMM, MWK_ALGO_DIRECT, MWK_ALGO_FFT, -2};
    int algo = BA[b1 & 7];
    if (algo == -2) algo = (int)(b1 >> 3) % 16 - 1; /* -1 .. 14 */
    const int every_algo = (b1 >> 3) == 0 && (b1 & 7) == 0; /* auto byte 0: every bank algorithm in turn */
    int dt = (b0 >> 6) == 0 ? MWK_F64 : (b0 >> 6) == 1 ? MWK_F32 : (int)((b1 >> 4) % 14); /* 12, 13 invalid */
    const int al = (int)(b2 & 3); /* 3: invalid */
    const int pol = (b2 >> 2) & 1 ? ((b2 >> 7) ? 2 : 1) : 0;
    const int clip = (b2 >> 3) & 1;
    const unsigned tsel = (b2 >> 4) & 7;
    size_t n = (size_t)take(r, 2) % 500;
    /* w: up to n + 1 (clip or too long), or within 1..200 (direct and fft sizes); 0 with n = 0 */
    size_t w = !n ? (size_t)take(r, 1) % 3
                  : (lay & 0x80) ? 1 + (size_t)take(r, 1) % (n < 200 ? n : 200) : 1 + (size_t)take(r, 2) % (n + 1);
    const unsigned mcs = (unsigned)take(r, 1);
    size_t mc_raw = mcs < 128 ? MWK_MIN_COUNT_WINDOW : mcs < 250 ? 1 + mcs % (w ? w : 1) : mcs - 250; /* 0..5 */
    const size_t rows = 1 + (lay >> 3) % 3;
    static const ptrdiff_t XS[8] = {1, 1, 1, 2, -1, -2, 3, 0};
    const ptrdiff_t xs = XS[(lay >> 5) & 3 ? (lay >> 5) & 3 : 4 + (b1 >> 7) * 2];
    const uint64_t seed0 = take(r, 4);
    if (n * rows > 1500) n = 1500 / rows;
    if (w > 600) w = 600;
    const char *target = NULL;
    int target_ok = 1;
    if (tsel == 6) target = "no-such-target", target_ok = 0;
    else if (tsel >= 3) target = TARGETS[tsel % NT];

    /* the taps: K filters of w taps (each as make_taps draws them) */
    const size_t Wt = w ? w : 1;
    double *taps = malloc((K ? K : 1) * Wt * sizeof *taps);
    int tbad = 0, tmaybe = 0;
    for (size_t k = 0; k < K; k++) {
        make_taps(hw, hm, seed0 + 0x1000 * k, w);
        for (size_t i = 0; i < w; i++) {
            double v = 1.0; /* the boxcar (no taps, or n_weights mismatches: taps of the window's length) */
            if (WTAPS && i < WNW) v = WTAPS[i];
            else if (WTAPS && WNW) v = WTAPS[i % WNW];
            taps[k * Wt + i] = v;
        }
        long double tot = 0;
        for (size_t i = 0; i < w; i++) tot += fabsl((long double)taps[k * Wt + i]);
        for (size_t i = 0; i < w; i++) if (!isfinite(taps[k * Wt + i])) tbad = 1;
        if (tot > (long double)DBL_MAX * (1 + 0x1p-50L)) tbad = 1;
        else if (tot > (long double)DBL_MAX * (1 - 0x1p-50L)) tmaybe = 1;
        free(WTAPS);
        WTAPS = NULL;
    }
    make_taps(0, hm, 0, 0); /* min_weight alone */
    const double mw = WMIN;
    const int mwbad = !(mw >= 0.0 && mw <= 1.0);

    /* values */
    const int gdt = dt >= 0 && dt < NDT ? dt : MWK_F64;
    uint64_t *bits = calloc(n * rows + 1, sizeof *bits);
    long double *lv = malloc((n * rows + 1) * sizeof *lv);
    for (size_t i = 0; i < n * rows; i++) {
        if (r->n == 0 && size > 16) r->p = data + 8 + (i % 8), r->n = size - 8 - (i % 8);
        lv[i] = gen_value(r, gdt, &bits[i]);
    }
    if (xs == 0)
        for (size_t i = 0; i < n * rows; i++) bits[i] = bits[i - i % n], lv[i] = lv[i - i % n];

    /* x: rows of |xs| stride, row stride xrow */
    const size_t es = esize(gdt), axs = (size_t)(xs < 0 ? -xs : xs);
    const size_t xrow = n ? (n - 1) * axs + 1 : 1, xel = rows * xrow;
    unsigned char *xb = malloc(xel * es + 1);
    memset(xb, 0x5A, xel * es);
    for (size_t rr = 0; rr < rows; rr++)
        for (size_t k = 0; k < n; k++)
            memcpy(xb + (rr * xrow + (xs < 0 ? (n - 1 - k) * axs : k * axs)) * es, &bits[rr * n + k], es);
    unsigned char *xcopy = malloc(xel * es + 1);
    memcpy(xcopy, xb, xel * es);
    const unsigned char *xbase = xb + (xs < 0 ? (n ? n - 1 : 0) * axs : 0) * es;

    const int f32 = dt == MWK_F32 || dt == MWK_F16;
    const size_t oes = f32 ? 4 : 8;
    const size_t L = al == MWK_ALIGN_VALID ? (w >= 1 && w <= n ? n - w + 1 : 0) : ((w > n && !clip) ? 0 : n);
    const ptrdiff_t Kp = (ptrdiff_t)K, Lp = (ptrdiff_t)L, Rp = (ptrdiff_t)rows;
    ptrdiff_t yr, ys, yk;
    switch (lay & 7) {
    case 0: ys = Kp, yk = 1, yr = Lp * Kp; break;            /* NumPy's: a trailing axis of K */
    case 1: ys = 1, yk = Lp, yr = Kp * Lp; break;            /* filter-major in a row */
    case 2: ys = 1, yk = Rp * Lp, yr = Lp; break;            /* one plane per filter */
    case 3: ys = -Kp, yk = 1, yr = Lp * Kp; break;           /* positions reversed */
    case 4: ys = Kp, yk = -1, yr = -Lp * Kp; break;          /* filters and rows reversed */
    case 5: ys = 2 * Kp + 1, yk = 2, yr = (2 * Kp + 1) * Lp + 3; break; /* gaps */
    case 6: ys = 1, yk = 0, yr = Lp; break;                  /* K > 1: filters share memory */
    default: ys = 0, yk = 1, yr = Kp; break;                 /* L > 1: positions share memory */
    }
    /* extent of every output offset (linear: its extremes at the corners) */
    ptrdiff_t lo = 0, hi = 0;
    if (K && L) {
        for (int c = 0; c < 8; c++) {
            ptrdiff_t o = (c & 1 ? Rp - 1 : 0) * yr + (c & 2 ? Lp - 1 : 0) * ys + (c & 4 ? Kp - 1 : 0) * yk;
            if (o < lo) lo = o;
            if (o > hi) hi = o;
        }
    }
    const size_t pad = 64, yel = (size_t)(hi - lo + 1), ybytes = yel * oes + 2 * pad;
    unsigned char *yb = malloc(ybytes);
    unsigned char *cnt = calloc(yel, 1);
    int overlap = 0;
    for (size_t rr = 0; rr < rows; rr++)
        for (size_t j = 0; j < L; j++)
            for (size_t k = 0; k < K; k++) {
                size_t o = (size_t)((ptrdiff_t)rr * yr + (ptrdiff_t)j * ys + (ptrdiff_t)k * yk - lo);
                if (cnt[o]++) overlap = 1;
            }
    unsigned char *ybase = yb + pad + (size_t)(-lo) * oes;

    mwk_options opt;
    mwk_options_init(&opt);
    opt.align = (mwk_align)al;
    opt.nan_policy = (mwk_nan_policy)pol;
    opt.min_count = mc_raw;
    opt.threads = 1;
    opt.target = target;
    opt.long_window = clip ? MWK_LONG_WINDOW_CLIP : MWK_LONG_WINDOW_ERROR;
    const size_t mc = mc_raw == MWK_MIN_COUNT_WINDOW ? w : mc_raw;
    static const int ALL[5] = {MWK_ALGO_AUTO, MWK_ALGO_NAIVE, MWK_ALGO_DIRECT, MWK_ALGO_FFT, MWK_ALGO_GEMM};
    const int nrun = every_algo ? 5 : 1;
    double *xd = malloc((n + 1) * sizeof *xd);
    for (int ai = 0; ai < nrun; ai++) {
        if (every_algo) algo = ALL[ai];
        opt.algorithm = (mwk_algorithm)algo;
        memset(yb, 0xA5, ybytes);
        const mwk_status st = mwk_fir_bank_batch(null_taps ? NULL : taps, K, w, mw, xbase, (mwk_dtype)dt, rows, n,
                                                 (ptrdiff_t)xrow, xs, ybase, yr, ys, yk, &opt);
        if (getenv("MWK_FUZZ_VERBOSE"))
            fprintf(stderr, "fuzz_api bank call: K %zu algo %d dtype %d align %d n %zu w %zu rows %zu layout %u "
                            "min_weight %g -> status %d\n", K, algo, dt, al, n, w, rows, lay & 7, mw, st);
        unsigned mask = 0;
        int bad = 0, any = 0;
#define BREJ(cond, code) if (cond) { bad = 1; mask |= 1u << (code); }
        BREJ(null_taps, MWK_E_NULL);
        BREJ(K == 0 || (!null_taps && tbad) || mwbad, MWK_E_PARAMS);
        const int bank_algo = algo == MWK_ALGO_AUTO || algo == MWK_ALGO_NAIVE || algo == MWK_ALGO_DIRECT ||
                              algo == MWK_ALGO_FFT || algo == MWK_ALGO_GEMM;
        BREJ(!bank_algo, MWK_E_ALGORITHM);
        BREJ(bank_algo && !mwk_algorithm_available((mwk_algorithm)algo), MWK_E_UNAVAILABLE);
        BREJ(!(dt >= 0 && dt < NDT), MWK_E_DTYPE);
        BREJ(al == 3, MWK_E_ALIGN);
        BREJ(pol == 2, MWK_E_NAN_POLICY);
        BREJ(w == 0, MWK_E_WINDOW);
        BREJ(w > n && !clip, MWK_E_WINDOW_TOO_LONG);
        BREJ(w >= 1 && (mc == 0 || mc > w), MWK_E_MIN_COUNT);
        BREJ(!target_ok, MWK_E_TARGET);
        BREJ(overlap, MWK_E_OVERLAP);
#undef BREJ
        if (!bad && !null_taps && tmaybe && st == MWK_E_PARAMS) bad = 1, any = 1;
        if (memcmp(xb, xcopy, xel * es) != 0) BFAIL("x was modified (status %d)", st);
        if (bad || st != MWK_OK) {
            if (!bad) BFAIL("valid call rejected with status %d (%s)", st, mwk_status_str(st));
            if (st == MWK_OK) BFAIL("invalid call accepted (expected mask 0x%x)", mask);
            if (!any && !(mask >> st & 1)) BFAIL("status %d not among expected mask 0x%x", st, mask);
            for (size_t i = 0; i < ybytes; i++)
                if (yb[i] != 0xA5) BFAIL("rejected call (status %d) wrote y byte %zu", st, i);
            continue;
        }
        for (size_t i = 0; i < yel; i++)
            for (size_t b = 0; b < oes; b++)
                if (!cnt[i] && yb[pad + i * oes + b] != 0xA5) BFAIL("y element %zu outside the outputs written", i);
        for (size_t i = 0; i < pad; i++)
            if (yb[i] != 0xA5 || yb[pad + yel * oes + i] != 0xA5) BFAIL("canary around y written");
        mwk_algorithm run = (mwk_algorithm)algo;
        if (algo == MWK_ALGO_AUTO && mwk_fir_bank_choose(K, w, n, &opt, &run) != MWK_OK) BFAIL("choose failed");
        /* naive, direct: the same bits as K weighted_sum calls */
        double *sep = NULL;
        if (run == MWK_ALGO_NAIVE || run == MWK_ALGO_DIRECT) {
            sep = malloc((rows * L * K + 1) * sizeof *sep);
            mwk_options o1 = opt;
            o1.algorithm = run;
            for (size_t k = 0; k < K; k++) {
                mwk_params prm;
                mwk_params_init(&prm);
                prm.weights = taps + k * Wt, prm.n_weights = w, prm.min_weight = mw;
                mwk_status s1;
                if (f32) {
                    float *tmp = malloc((rows * L + 1) * sizeof *tmp);
                    s1 = mwk_move_batch(MWK_STAT_WEIGHTED_SUM, &prm, xbase, (mwk_dtype)dt, rows, n, (ptrdiff_t)xrow,
                                        xs, tmp, (ptrdiff_t)L, 1, w, &o1);
                    for (size_t i = 0; i < rows * L; i++) sep[k * rows * L + i] = tmp[i];
                    free(tmp);
                } else {
                    s1 = mwk_move_batch(MWK_STAT_WEIGHTED_SUM, &prm, xbase, (mwk_dtype)dt, rows, n, (ptrdiff_t)xrow,
                                        xs, sep + k * rows * L, (ptrdiff_t)L, 1, w, &o1);
                }
                if (s1 != MWK_OK) BFAIL("bank accepted, filter %zu alone rejected with status %d", k, s1);
            }
        }
        for (size_t rr = 0; rr < rows; rr++) {
            long double rowmax = 0;
            for (size_t i = 0; i < n; i++) {
                xd[i] = (double)lv[rr * n + i];
                if (isfinite(xd[i]) && fabsl((long double)xd[i]) > rowmax) rowmax = fabsl((long double)xd[i]);
            }
            for (size_t j = 0; j < L; j++)
                for (size_t k = 0; k < K; k++) {
                    const ptrdiff_t o = (ptrdiff_t)rr * yr + (ptrdiff_t)j * ys + (ptrdiff_t)k * yk;
                    double got;
                    if (f32) { float f; memcpy(&f, ybase + o * 4, 4); got = f; }
                    else memcpy(&got, ybase + o * 8, 8);
                    if (sep) {
                        const double want = sep[k * rows * L + rr * L + j];
                        if (memcmp(&got, &want, 8) != 0 && !(isnan(got) && isnan(want)))
                            BFAIL("row %zu out %zu filter %zu: %.17g, K separate weighted_sum calls gave %.17g", rr,
                                  j, k, got, want);
                    }
                    /* the reference: fft's bound is weighted_sum's; auto as chosen */
                    const int ralgo = run == MWK_ALGO_FFT ? MWK_ALGO_FFT : (int)run;
                    expect e = ref_weighted(0, xd, n, j, al, w, taps + k * Wt, mw, pol, mc, ralgo, rowmax, f32);
                    if (e.kind < 0) continue;
                    if (e.kind == 1) {
                        if (!isnan(got)) BFAIL("row %zu out %zu filter %zu: expected NaN, got %.17g", rr, j, k, got);
                        continue;
                    }
                    if (e.kind >= 2) {
                        if (got != (e.kind == 2 ? INFINITY : -INFINITY))
                            BFAIL("row %zu out %zu filter %zu: expected %s, got %.17g", rr, j, k,
                                  e.kind == 2 ? "inf" : "-inf", got);
                        continue;
                    }
                    if (isinf(e.tol)) {
                        if (isnan(got)) BFAIL("row %zu out %zu filter %zu: NaN for a huge finite result", rr, j, k);
                        continue;
                    }
                    if (!isfinite(got) || fabsl((long double)got - e.v) > e.tol + (long double)DBL_TRUE_MIN)
                        BFAIL("row %zu out %zu filter %zu: got %.17g expected %.17Lg |err| %Lg > tol %Lg (%s)", rr, j,
                              k, got, e.v, fabsl((long double)got - e.v), e.tol, mwk_algorithm_name(run));
                }
        }
        free(sep);
    }
    free(xd);
    free(cnt);
    free(yb);
    free(xcopy);
    free(xb);
    free(bits);
    free(lv);
    free(taps);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    init_targets();
    rd r = {data, size};
    unsigned h0 = (unsigned)take(&r, 1), h1 = (unsigned)take(&r, 1), h2 = (unsigned)take(&r, 1);
    unsigned h3 = (unsigned)take(&r, 1), h4 = (unsigned)take(&r, 1), h5 = (unsigned)take(&r, 1);
    if (h4 == 254) { /* the FIR bank (the header bytes h0..h3, h5 unused there) */
        (void)h0, (void)h1, (void)h2, (void)h3, (void)h5;
        bank_input(&r, data, size);
        return 0;
    }
    const size_t nstats = mwk_stat_count();
    int stat = h4 < 250 ? (int)(h4 % nstats) : h4 == 255 ? -1 : (int)nstats + (int)(h4 - 250);
    int dt;
    if ((h5 & 15) == 0) dt = (h0 & 7) < 7 ? (int)(h0 & 3) : 12 + (int)(h0 >> 7); /* 12, 13: out of range */
    else dt = (int)(h5 & 15) - 1;                                                /* 0..14 */
    int ddof = (int)((h5 >> 4) & 3);
    int al = (h0 >> 3) & 3; /* 3 = invalid */
    /* the whole algorithm name space, and out-of-range values */
    int algo = (int)(h1 & 7);
    if (algo == 7) { /* 7 .. 13 (MWK_ALGO_COUNT and beyond: out of range), or -1 */
        algo = 7 + (int)((h1 >> 4) & 7);
        if (algo == 14) algo = -1;
    }
    int pol = (h1 >> 3) & 1;
    if ((h1 >> 4) == 15) pol = 2;
    int pvar = 0, lw = MWK_LONG_WINDOW_ERROR;
    size_t osize = sizeof(mwk_options);
    switch (h5 >> 6) {
    case 1: lw = MWK_LONG_WINDOW_CLIP; break;
    case 2: pvar = 1; break;
    case 3: {
        unsigned h6 = (unsigned)take(&r, 1);
        switch (h6 & 7) {
        case 0: osize = offsetof(mwk_options, long_window); lw = MWK_LONG_WINDOW_CLIP; break; /* 0.1 caller */
        case 1: osize = (h6 >> 3) & 1 ? sizeof(mwk_options) + 8 : (size_t)(h6 >> 4); break;   /* bogus */
        case 2: pvar = 2; break;
        case 3: ddof = -1 - (int)(h6 >> 3); break;
        case 4: lw = 2 + (int)(h6 >> 3); break; /* invalid long_window */
        default: lw = MWK_LONG_WINDOW_CLIP, ddof = (int)(h6 >> 3); break;
        }
        break;
    }
    }
    size_t n = (size_t)take(&r, 2) % 700;
    size_t w;
    switch (h2 & 3) {
    case 0: w = n ? 1 + (size_t)take(&r, 1) % n : 0; break;
    case 1: w = n ? 1 + (size_t)take(&r, 2) % n : 0; break;
    case 2: w = n ? n - (size_t)take(&r, 1) % n : 0; break;
    default: w = (size_t)take(&r, 2) % 800; break; /* anything, 0 and > n included */
    }
    size_t mc;
    switch ((h2 >> 2) & 3) {
    case 0: case 1: mc = MWK_MIN_COUNT_WINDOW; break;
    case 2: mc = w ? 1 + (size_t)take(&r, 2) % w : 1; break;
    default: mc = (size_t)take(&r, 2) % (w + 3); break; /* 0 and > w included */
    }
    static const ptrdiff_t strides[] = {1, 1, 1, 2, -1, -2, 3, 0};
    ptrdiff_t xs = strides[(h2 >> 4) & 7];
    ptrdiff_t ys = strides[h3 & 7];
    size_t rows = (h3 >> 3) & 1 ? 1 + ((h3 >> 4) & 3) : 1;
    size_t xoff = (size_t)take(&r, 1) % 8, yoff = (size_t)take(&r, 1) % 8;
    unsigned tsel = (unsigned)take(&r, 1);
    {
        /* quantile: q from a table (or outside [0, 1], NaN), an interpolation (or an invalid one) */
        static const double QT[16] = {0.5, 0.0, 1.0, 0.1, 0.9, 0.25, 0.75, 0.333,
                                      0.01, 0.99, 0.5, 0.6, 1e-300, 1.0 - 0x1p-53, -0.25, NAN};
        unsigned hq = (unsigned)take(&r, 1);
        QVAL = QT[hq & 15];
        QHOW = (int)((hq >> 4) % 6); /* 5: invalid */
        if ((hq >> 4) == 15) QHOW = -1;
    }
    unsigned hw = 0, hm = 0;
    uint64_t wseed = 0;
    mwk_stat_info winfo;
    memset(&winfo, 0, sizeof winfo);
    winfo.struct_size = sizeof winfo;
    const int with_taps = stat >= 0 && (size_t)stat < nstats && mwk_stat_info_get((mwk_stat)stat, &winfo) == MWK_OK &&
                          (winfo.params & MWK_PARAM_WEIGHTS);
    if (with_taps) hw = (unsigned)take(&r, 1), hm = (unsigned)take(&r, 1), wseed = take(&r, 4);
    make_taps(hw, hm, wseed, w);

    if (n * rows > 2800) n = 2800 / rows;
    uint64_t *bits = calloc(n * rows + 1, sizeof *bits);
    long double *lvals = malloc((n * rows + 1) * sizeof *lvals);
    const int gdt = dt >= 0 && dt < NDT ? dt : MWK_F64;
    for (size_t i = 0; i < n * rows; i++) {
        /* Repeat the tail of the input when it runs out: keeps values varied. */
        if (r.n == 0 && size > 16) r.p = data + 8 + (i % 8), r.n = size - 8 - (i % 8);
        lvals[i] = gen_value(&r, gdt, &bits[i]);
    }
    if (xs == 0) /* a constant row: every element is the row's first */
        for (size_t i = 0; i < n * rows; i++) bits[i] = bits[i - i % n], lvals[i] = lvals[i - i % n];

    if (tsel % 8 == 7) {
        for (size_t t = 0; t < NT; t++)
            one_call(stat, ddof, pvar, dt, al, algo, pol, mc, lw, osize, TARGETS[t], 1, n, w, rows, xs, ys, xoff,
                     yoff, bits, lvals);
    } else if (tsel % 8 == 6) {
        one_call(stat, ddof, pvar, dt, al, algo, pol, mc, lw, osize, "no-such-target", 0, n, w, rows, xs, ys, xoff,
                 yoff, bits, lvals);
    } else if (tsel % 8 >= 3) {
        one_call(stat, ddof, pvar, dt, al, algo, pol, mc, lw, osize, TARGETS[tsel % NT], 1, n, w, rows, xs, ys,
                 xoff, yoff, bits, lvals);
    } else {
        one_call(stat, ddof, pvar, dt, al, algo, pol, mc, lw, osize, NULL, 1, n, w, rows, xs, ys, xoff, yoff, bits,
                 lvals);
    }
    free(bits);
    free(lvals);
    free(WTAPS);
    WTAPS = NULL;
    return 0;
}
