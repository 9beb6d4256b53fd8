/*
 * libFuzzer harness: the C API, differential against an independent oracle.
 *
 * The input picks dtype, alignment, algorithm, NaN policy, min_count, target
 * (one supported target, the process target, every supported target in turn,
 * or an unknown name), n, window, element strides (negative and zero too),
 * the element offset of x and y in 64-byte aligned buffers, batch rows, and
 * the values (a selector per value: ordinary, NaN, +-inf, huge, denormal,
 * int64 beyond 2^53, raw bits). Out-of-range enums and arguments are part of
 * the space: the call must then return the documented status and write
 * nothing. Otherwise every output is checked against the oracle under the
 * accuracy contract of include/mwk.h (naive/ring/prefix/auto: the per-window
 * bound; fft: the row bound), and x, the gaps between strided outputs and the
 * canaries around y must be untouched. Any violation aborts with the
 * reproduction printed, so libFuzzer keeps the input.
 */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mwk.h>

#include "fuzz_input.h"

static size_t esize(int dt) { return dt == MWK_F32 || dt == MWK_I32 ? 4 : 8; }

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

static double gen_value(rd *r, int dt, int64_t *q64) {
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
    switch (dt) {
    case MWK_F32:
        return (double)(float)v;
    case MWK_I64:
        *q64 = (!isfinite(v) || fabs(v) >= 9.2e18) ? (int64_t)raw : (int64_t)v;
        return (double)*q64;
    case MWK_I32:
        if (!isfinite(v)) return (double)(int32_t)(uint32_t)raw;
        return (double)(int32_t)fmax(fmin(v, 2147483647.0), -2147483648.0);
    }
    return v;
}

/* Exact-enough oracle: long double accumulation (x86: 64-bit mantissa, no
 * overflow for any double sum of this length). */
typedef struct {
    long double mean;
    int kind; /* 0 finite, 1 NaN, 2 +inf, 3 -inf */
    long double abs_mean;
    size_t count;
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

static expect oracle(const long double *xv, size_t lo, size_t hi, int pol, size_t mc) {
    expect e = {0, 0, 0, 0};
    size_t nan = 0, pinf = 0, ninf = 0;
    long double s = 0, a = 0;
    for (size_t i = lo; i < hi; i++) {
        long double v = xv[i];
        if (isnan(v)) { nan++; continue; }
        if (isinf(v)) { if (v > 0) pinf++; else ninf++; continue; }
        s += v;
        a += fabsl(v);
    }
    size_t count = hi - lo - nan;
    e.count = count;
    if ((pol == MWK_NAN_PROPAGATE && nan) || count < mc || count == 0 || (pinf && ninf)) {
        e.kind = 1;
        return e;
    }
    if (pinf) { e.kind = 2; return e; }
    if (ninf) { e.kind = 3; return e; }
    e.mean = s / count;
    e.abs_mean = a / count;
    return e;
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

#define FAIL(...)                                                                         \
    do {                                                                                  \
        fprintf(stderr, "fuzz_api: " __VA_ARGS__);                                        \
        fprintf(stderr,                                                                   \
                "\n  dtype %d align %d algo %d nan %d min_count %zu target %s n %zu w %zu " \
                "rows %zu xs %td ys %td xoff %zu yoff %zu\n",                             \
                dt, al, algo, pol, mc_raw, target ? target : "(process)", n, w, rows, xs, ys, \
                xoff, yoff);                                                              \
        abort();                                                                          \
    } while (0)

static void one_call(int dt, int al, int algo, int pol, size_t mc_raw, const char *target,
                     int target_ok, size_t n, size_t w, size_t rows, ptrdiff_t xs, ptrdiff_t ys,
                     size_t xoff, size_t yoff, const double *vals, const long double *lvals) {
    const size_t es = esize(dt), oes = dt == MWK_F32 ? 4 : 8;
    const size_t out_len = (al == MWK_ALIGN_VALID && w >= 1 && w <= n) ? n - w + 1 : n;
    const size_t axs = (size_t)(xs < 0 ? -xs : xs), ays = (size_t)(ys < 0 ? -ys : ys);
    /* x: rows rows of n elements, element stride xs, row stride chosen to fit */
    const size_t xrow = n ? (n - 1) * axs + 1 : 1;
    /* one row's outputs step over the whole of another's (the library's rule for 2-D) */
    const size_t yrow = out_len ? out_len * (ays ? ays : 1) : 1;
    const size_t xel = rows * xrow + xoff, yel = rows * yrow + yoff;
    const size_t pad = 64;
    unsigned char *xb = aligned_alloc(64, ((xel * es + 63) / 64) * 64 + 64);
    unsigned char *yb = aligned_alloc(64, ((yel * oes + 2 * pad + 63) / 64) * 64 + 64);
    const size_t ybytes = yel * oes + 2 * pad;
    if (!xb || !yb) abort();
    memset(xb, 0x5A, xel * es);
    memset(yb, 0xA5, ybytes);
    /* Lay out the values: row r element k at index xoff + r*xrow + pos(k). */
    for (size_t r = 0; r < rows; r++)
        for (size_t k = 0; k < n; k++) {
            size_t pos = xoff + r * xrow + (xs < 0 ? (n - 1 - k) * axs : k * axs);
            double v = vals[r * n + k];
            unsigned char *p = xb + pos * es;
            switch (dt) {
            case MWK_F64: memcpy(p, &v, 8); break;
            case MWK_F32: { float f = (float)v; memcpy(p, &f, 4); } break;
            case MWK_I64: { int64_t q = (int64_t)lvals[r * n + k]; memcpy(p, &q, 8); } break;
            case MWK_I32: { int32_t q = (int32_t)v; memcpy(p, &q, 4); } break;
            }
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
    mwk_status st;
    if (rows == 1)
        st = mwk_move_mean(xbase, (mwk_dtype)dt, n, xs, ybase, ys, w, &opt);
    else
        st = mwk_move_mean_batch(xbase, (mwk_dtype)dt, rows, n, (ptrdiff_t)xrow, xs, ybase,
                                 (ptrdiff_t)yrow, ys, w, &opt);

    /* Expected rejections (any of those that apply may be reported). */
    size_t mc = mc_raw == MWK_MIN_COUNT_WINDOW ? w : mc_raw;
    int bad = 0;
    unsigned ok_mask = 0;
#define REJ(cond, code) if (cond) { bad = 1; ok_mask |= 1u << (code); }
    REJ(dt < 0 || dt > 3, MWK_E_DTYPE);
    REJ(al < 0 || al > 2, MWK_E_ALIGN);
    REJ(algo < 0 || algo > 4, MWK_E_ALGORITHM);
    REJ(pol < 0 || pol > 1, MWK_E_NAN_POLICY);
    REJ(w == 0, MWK_E_WINDOW);
    REJ(w > n, MWK_E_WINDOW_TOO_LONG);
    REJ(w >= 1 && w <= n && (mc == 0 || mc > w), MWK_E_MIN_COUNT);
    REJ(!target_ok, MWK_E_TARGET);
    REJ(algo == MWK_ALGO_FFT && !mwk_algorithm_available(MWK_ALGO_FFT), MWK_E_UNAVAILABLE);
    REJ(out_len > 1 && ys == 0, MWK_E_OVERLAP);
#undef REJ
    if (memcmp(xb, xcopy, xel * es) != 0) FAIL("x was modified (status %d)", st);
    if (bad || st != MWK_OK) {
        if (!bad) FAIL("valid call rejected with status %d (%s)", st, mwk_status_str(st));
        if (st == MWK_OK) FAIL("invalid call accepted (expected mask 0x%x)", ok_mask);
        if (!(ok_mask >> st & 1)) FAIL("status %d not among expected mask 0x%x", st, ok_mask);
        for (size_t i = 0; i < ybytes; i++)
            if (yb[i] != 0xA5) FAIL("rejected call (status %d) wrote y byte %zu", st, i);
        goto out;
    }

    /* Untouched: canaries and the gaps between strided outputs. */
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

    const size_t N = good_size(n);
    for (size_t r = 0; r < rows; r++) {
        const long double *xv = lvals + r * n;
        long double rowmax = 0;
        for (size_t i = 0; i < n; i++)
            if (isfinite(xv[i]) && fabsl(xv[i]) > rowmax) rowmax = fabsl(xv[i]);
        for (size_t k = 0; k < out_len; k++) {
            size_t lo, hi;
            window_of(n, w, al, k, &lo, &hi);
            expect e = oracle(xv, lo, hi, pol, mc);
            size_t pos = yoff + r * yrow + (ys < 0 ? (out_len - 1 - k) * ays : k * ays);
            double got;
            if (dt == MWK_F32) { float f; memcpy(&f, yb + pad + pos * 4, 4); got = f; }
            else memcpy(&got, yb + pad + pos * 8, 8);
            if (e.kind == 1) {
                if (!isnan(got)) FAIL("row %zu out %zu [%zu,%zu): expected NaN, got %.17g", r, k, lo, hi, got);
                continue;
            }
            if (e.kind >= 2) {
                double want = e.kind == 2 ? INFINITY : -INFINITY;
                if (got != want) FAIL("row %zu out %zu [%zu,%zu): expected %g, got %.17g", r, k, lo, hi, want, got);
                continue;
            }
            long double c = (long double)e.count;
            long double tol;
            if (algo == MWK_ALGO_FFT)
                /* the header's fft bound, including its absolute term for
                 * gradual underflow inside the transform (subnormal rows) */
                tol = 8.0L * log2((double)N + 1) * 0x1p-53L * (long double)w * rowmax / c +
                      ((long double)N + 8.0L * log2((double)N + 1) * (long double)w) * 0x1p-1074L / c;
            else
                tol = ((long double)w + 2) * 0x1p-53L * e.abs_mean;
            /* the long double oracle's own error, and underflow (absolute) */
            tol += ((long double)(hi - lo) + 2) * 0x1p-63L * e.abs_mean + 0x1p-1072L;
            if (dt == MWK_F32) tol += 0x1p-23L * fabsl(e.mean) + 0x1p-149L + tol * 0x1p-20L;
            if (!isfinite(got) || fabsl((long double)got - e.mean) > tol)
                FAIL("row %zu out %zu [%zu,%zu): got %.17g expected %.17Lg |err| %Lg > tol %Lg (%s)",
                     r, k, lo, hi, got, e.mean, fabsl((long double)got - e.mean), tol,
                     mwk_algorithm_name((mwk_algorithm)algo));
        }
    }
out:
    free(xcopy);
    free(xb);
    free(yb);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    init_targets();
    rd r = {data, size};
    unsigned h0 = (unsigned)take(&r, 1), h1 = (unsigned)take(&r, 1), h2 = (unsigned)take(&r, 1);
    unsigned h3 = (unsigned)take(&r, 1);
    int dt = (h0 & 7) < 7 ? (int)(h0 & 3) : 4 + (int)(h0 >> 7); /* rarely out of range */
    int al = (h0 >> 3) & 3;                                      /* 3 = invalid */
    int algo = (h1 & 7) <= 5 ? (int)(h1 & 7) % 5 : (h1 & 7) == 6 ? 5 : -1;
    int pol = (h1 >> 3) & 1;
    if ((h1 >> 4) == 15) pol = 2;
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

    if (n * rows > 2800) n = 2800 / rows;
    double *vals = malloc((n * rows + 1) * sizeof *vals);
    long double *lvals = malloc((n * rows + 1) * sizeof *lvals);
    for (size_t i = 0; i < n * rows; i++) {
        /* Repeat the tail of the input when it runs out: keeps values varied. */
        if (r.n == 0 && size > 16) r.p = data + 8 + (i % 8), r.n = size - 8 - (i % 8);
        int64_t q = 0;
        vals[i] = gen_value(&r, dt > 3 ? MWK_F64 : dt, &q);
        lvals[i] = dt == MWK_I64 ? (long double)q : (long double)vals[i];
    }

    if (xs == 0) /* a constant row: every element is the row's first */
        for (size_t i = 0; i < n * rows; i++) vals[i] = vals[i - i % n], lvals[i] = lvals[i - i % n];

    if (tsel % 8 == 7) {
        for (size_t t = 0; t < NT; t++)
            one_call(dt, al, algo, pol, mc, TARGETS[t], 1, n, w, rows, xs, ys, xoff, yoff, vals, lvals);
    } else if (tsel % 8 == 6) {
        one_call(dt, al, algo, pol, mc, "no-such-target", 0, n, w, rows, xs, ys, xoff, yoff, vals, lvals);
    } else if (tsel % 8 >= 3) {
        one_call(dt, al, algo, pol, mc, TARGETS[tsel % NT], 1, n, w, rows, xs, ys, xoff, yoff, vals, lvals);
    } else {
        one_call(dt, al, algo, pol, mc, NULL, 1, n, w, rows, xs, ys, xoff, yoff, vals, lvals);
    }
    free(vals);
    free(lvals);
    return 0;
}
