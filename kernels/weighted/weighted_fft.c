/* Weighted windows, fft algorithm: FFTW overlap-save. The segment is cut
 * into blocks of N inputs (N ~ 4W, one of FFTW's fast sizes) that overlap
 * by W - 1; each block is transformed (r2c), multiplied by the spectrum of
 * the reversed taps and transformed back (c2r): the circular convolution
 * is exact for the N - W + 1 positions whose window does not wrap, which
 * are the block's windows. Cost O(log W) per output.
 *
 * Plans come from the process-wide cache (backends/fftw: one pair per
 * length, FFTW_ESTIMATE, shared by every thread through FFTW's new-array
 * execute functions, which are thread-safe); the taps' spectra are computed
 * once per call and thread, in the engine's per-thread scratch, and reused
 * by every block, segment and row.
 *
 * Absent values: a block holding a NaN is transformed with NaN and inf
 * taken as 0, and the absent mask (1 where x is NaN) is transformed once
 * more and multiplied by the taps' spectrum (the absent signed weight,
 * hence the present one, P = sum w - absent) and, when some tap is
 * negative, by the spectrum of |taps| (the absent |weight| D for
 * min_weight; with taps >= 0 they are the same transform). Windows without
 * an absent value take P and D exactly (the taps' totals, 0); windows
 * holding an infinity under the taps, and finite windows whose transform
 * overflowed, are computed by the reference (mwk_wt_window). The bound is
 * in include/mwk.h. */
#include <float.h>
#include <math.h>
#include <string.h>

#include "fftw/fftw_backend.h"
#include "weighted.h"

#if MWK_HAVE_FFTW
typedef struct {
    size_t N, W;      /* the spectra are for this (N, W); N = 0: none yet */
    const double *w;  /* ... and these taps */
    int has_neg;
} fft_head;

#define HEAD_BYTES ((sizeof(fft_head) + 63) & ~(size_t)63)

static size_t round64(size_t b) { return (b + 63) & ~(size_t)63; }

/* Block length for a segment of n inputs and W taps: ~4W (measured: 4W
 * ran 1.5-3x faster than 8W at W = 1000, its arrays stay in L2), never above what the segment
 * needs. 0 on overflow. */
size_t mwk_wt_fft_block_len(size_t n, size_t W) {
    size_t want = W > SIZE_MAX / 4 ? SIZE_MAX : 4 * W;
    if (want < 256) want = 256;
    const size_t whole = mwk_fft_good_size(n);
    const size_t N = mwk_fft_good_size(want);
    if (whole == 0 || N == 0) return 0;
    return whole < N ? whole : N;
}

size_t mwk_wt_fft_scratch(size_t n, size_t w) {
    const size_t N = mwk_wt_fft_block_len(n, w);
    if (N == 0 || N > (size_t)INT32_MAX) return 0; /* the core reports the overflow */
    const size_t H = N / 2 + 1;
    return HEAD_BYTES + 3 * round64(N * sizeof(double)) + 4 * round64(H * sizeof(fftw_complex));
}

/* Z = A * B * scale (complex, pointwise). */
static void cmul(fftw_complex *Z, const fftw_complex *A, const fftw_complex *B, size_t H,
                 double scale) {
    for (size_t k = 0; k < H; k++) {
        const double ar = A[k][0], ai = A[k][1], br = B[k][0], bi = B[k][1];
        Z[k][0] = (ar * br - ai * bi) * scale;
        Z[k][1] = (ar * bi + ai * br) * scale;
    }
}

int mwk_wt_fft(mwk_seg *s) {
    const double *x = s->x;
    const size_t n = s->n, W = s->w, m = n - W + 1;
    double *out = s->out;
    const size_t N = mwk_wt_fft_block_len(n, W);
    if (N == 0 || N > (size_t)INT32_MAX) {
        s->err = MWK_E_OVERFLOW;
        return -1;
    }
    const size_t H = N / 2 + 1, L = N - W + 1;
    wt_taps t;
    if (mwk_wt_taps_init(&t, s) < 0) return -1;
    unsigned char *mem = s->scratch;
    void *own = NULL;
    if (!mem) {
        own = mwk_aligned_alloc(mwk_wt_fft_scratch(n, W));
        if (!own) {
            mwk_wt_taps_free(&t);
            s->err = MWK_E_NOMEM;
            return -1;
        }
        mem = own;
        memset(mem, 0, HEAD_BYTES);
    }
    fft_head *head = (fft_head *)mem;
    const size_t RB = round64(N * sizeof(double)), CB = round64(H * sizeof(fftw_complex));
    double *buf = (double *)(mem + HEAD_BYTES);
    double *bufD = (double *)(mem + HEAD_BYTES + RB);
    double *bufA = (double *)(mem + HEAD_BYTES + 2 * RB);
    fftw_complex *X = (fftw_complex *)(mem + HEAD_BYTES + 3 * RB);
    fftw_complex *X2 = (fftw_complex *)(mem + HEAD_BYTES + 3 * RB + CB);
    fftw_complex *Hs = (fftw_complex *)(mem + HEAD_BYTES + 3 * RB + 2 * CB);
    fftw_complex *Ha = (fftw_complex *)(mem + HEAD_BYTES + 3 * RB + 3 * CB);
    mwk_fft_plans plans;
    mwk_status st = mwk_fftw_get(N, buf, X, &plans);
    if (st != MWK_OK) {
        mwk_wt_taps_free(&t);
        mwk_aligned_free(own);
        s->err = st;
        return -1;
    }
    if (head->N != N || head->W != W || head->w != t.w || t.own) {
        /* The reversed taps h[k] = w[W-1-k]: the convolution at position
         * t >= W-1 is then sum_i w[i] * x[t-W+1+i], window t-W+1. */
        int neg = 0;
        for (size_t i = 0; i < N; i++) buf[i] = i < W ? t.w[W - 1 - i] : 0.0;
        for (size_t i = 0; i < W; i++) neg |= t.w[i] < 0.0;
        fftw_execute_dft_r2c(plans.r2c, buf, Hs);
        if (neg) {
            for (size_t i = 0; i < W; i++) buf[i] = fabs(buf[i]);
            fftw_execute_dft_r2c(plans.r2c, buf, Ha);
        }
        head->N = N, head->W = W, head->w = t.own ? NULL : t.w, head->has_neg = neg;
    }
    const int neg = head->has_neg;
    const double invN = 1.0 / (double)N;
    const int zero_mean = t.mean && t.tot_sgn == 0.0;
    const double inv_tot = t.mean && !zero_mean ? 1.0 / t.tot_sgn : 1.0;
    /* as direct's: the multiplier only while 1/sum(taps) is a normal number */
    const int divide = t.mean && !zero_mean && !(fabs(inv_tot) >= DBL_MIN && fabs(inv_tot) <= DBL_MAX);
    /* Absent-weight noise of the transform (the header's bound on sum|w|):
     * below it, D is taken as 0. */
    const double tolD = 8.0 * log2((double)N) * 0x1p-53 * t.tot_abs;
    int any_nan = 0;
    for (size_t s0 = 0; s0 < m; s0 += L) {
        const size_t j1 = s0 + L < m ? s0 + L : m; /* windows [s0, j1) */
        const size_t len = j1 - s0 + W - 1;        /* inputs x[s0, s0 + len) */
        double amax = 0.0;
        int bad = 0, nan = 0;
        for (size_t i = 0; i < len; i++) {
            const double v = x[s0 + i], a = fabs(v);
            if (!(a <= 1.79769313486231570815e308)) { /* NaN or inf */
                bad = 1;
                nan |= v != v;
            } else if (a > amax) {
                amax = a;
            }
        }
        any_nan |= nan;
        /* Tiny (subnormal-range) data would lose its precision to underflow
         * inside the transform: lift it by a power of two (exact). */
        const int lift = amax > 0.0 && amax < 0x1p-500;
        const double up = lift ? 0x1p600 : 1.0, down = lift ? 0x1p-600 : 1.0;
        for (size_t i = 0; i < len; i++) {
            const double v = x[s0 + i];
            buf[i] = isfinite(v) ? v * up : 0.0;
        }
        for (size_t i = len; i < N; i++) buf[i] = 0.0;
        fftw_execute_dft_r2c(plans.r2c, buf, X);
        cmul(X, X, Hs, H, invN);
        fftw_execute_dft_c2r(plans.c2r, X, buf); /* buf[j - s0 + W - 1] = S_j */
        if (nan) {
            for (size_t i = 0; i < N; i++) bufD[i] = i < len && isnan(x[s0 + i]) ? 1.0 : 0.0;
            fftw_execute_dft_r2c(plans.r2c, bufD, X2);
            cmul(X, X2, Hs, H, invN);
            fftw_execute_dft_c2r(plans.c2r, X, bufA); /* absent signed weight */
            if (neg) {
                cmul(X, X2, Ha, H, invN);
                fftw_execute_dft_c2r(plans.c2r, X, bufD); /* absent |weight| */
            }
        }
        /* Windows with an absent value or an infinity: running positions of
         * the newest NaN and inf at or before the window's end. */
        size_t last_nan = SIZE_MAX, last_inf = SIZE_MAX; /* SIZE_MAX: none yet */
        if (bad)
            for (size_t i = 0; i + 1 < W; i++) {
                const double v = x[s0 + i];
                if (v != v) last_nan = i;
                else if (isinf(v)) last_inf = i;
            }
        for (size_t j = s0; j < j1; j++) {
            const size_t e = j - s0 + W - 1; /* the window's newest input, block-relative */
            if (bad) {
                const double v = x[s0 + e];
                if (v != v) last_nan = e;
                else if (isinf(v)) last_inf = e;
            }
            const size_t b = j - s0; /* the window's oldest input, block-relative */
            const double S = buf[e] * down;
            if ((last_inf != SIZE_MAX && last_inf >= b) || !isfinite(S)) {
                /* An infinity under the taps, or finite data whose transform
                 * overflowed: the reference. */
                int nn;
                out[j] = mwk_wt_window(x + j, &t, &nn);
            } else if (last_nan != SIZE_MAX && last_nan >= b) {
                const double As = bufA[e], D = neg ? bufD[e] : As;
                out[j] = mwk_wt_finish(&t, S, t.tot_sgn - As, D > tolD ? D : 0.0, 0);
            } else {
                out[j] = t.mean ? (zero_mean ? NAN : divide ? S / t.tot_sgn : S * inv_tot) : S;
            }
        }
    }
    mwk_fftw_release(&plans);
    mwk_wt_taps_free(&t);
    mwk_aligned_free(own);
    return any_nan;
}
#else
size_t mwk_wt_fft_scratch(size_t n, size_t w) {
    (void)n, (void)w;
    return 0;
}
int mwk_wt_fft(mwk_seg *s) {
    s->err = MWK_E_UNAVAILABLE;
    return -1;
}
#endif
