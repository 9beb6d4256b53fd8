/* Window sums, fft algorithm: the row convolved with a box of w ones through
 * FFTW (r2c, pointwise product, c2r). A circular convolution of length
 * N >= n is exact for every full window (the wrap-around only reaches the
 * first w-1 positions, which are not full windows), so no padding to n+w.
 * Its error scales with the largest magnitude in the whole segment (see the
 * public header), which is why auto never picks it.
 *
 * Everything comes from the engine's per-thread scratch: the work arrays and
 * the box's spectrum, computed once per (N, w) and reused by every segment
 * and row of the call. Plans come from the process-wide cache. */
#include <math.h>
#include <string.h>

#include "fftw/fftw_backend.h"
#include "wsum.h"

#if MWK_HAVE_FFTW
typedef struct {
    size_t N, w; /* the box spectrum in B is for this (N, w); N = 0: none yet */
    size_t cap;  /* transform lengths up to cap fit */
} fft_head;

#define HEAD_BYTES ((sizeof(fft_head) + 63) & ~(size_t)63)

static size_t round64(size_t b) { return (b + 63) & ~(size_t)63; }

size_t mwk_wsum_fft_scratch(size_t n, size_t w) {
    (void)w;
    const size_t N = mwk_fft_good_size(n);
    if (N == 0 || N > (size_t)INT32_MAX) return 0; /* the core reports the overflow */
    const size_t H = N / 2 + 1;
    return HEAD_BYTES + round64(N * sizeof(double)) + 2 * round64(H * sizeof(fftw_complex));
}

int mwk_wsum_fft(mwk_seg *s, double divisor) {
    const double *x = s->x;
    const size_t n = s->n, w = s->w;
    double *out = s->out;
    const size_t N = mwk_fft_good_size(n);
    if (N == 0 || N > (size_t)INT32_MAX) {
        s->err = MWK_E_OVERFLOW;
        return -1;
    }
    const size_t H = N / 2 + 1;
    /* The masked rescue of a PARTIAL core does not come here (fft's windows
     * are independent), but a caller without scratch is still served. */
    unsigned char *mem = s->scratch;
    void *own = NULL;
    if (!mem) {
        own = mwk_aligned_alloc(mwk_wsum_fft_scratch(n, w));
        if (!own) {
            s->err = MWK_E_NOMEM;
            return -1;
        }
        mem = own;
        ((fft_head *)mem)->N = 0;
        ((fft_head *)mem)->cap = N;
    }
    fft_head *head = (fft_head *)mem;
    double *buf = (double *)(mem + HEAD_BYTES);
    fftw_complex *X = (fftw_complex *)(mem + HEAD_BYTES + round64(N * sizeof(double)));
    fftw_complex *B = (fftw_complex *)((unsigned char *)X + round64(H * sizeof(fftw_complex)));
    /* Scratch was sized for the longest segment; shorter ones (the last of
     * a row) use a prefix of it. The layout depends on N, so a change of N
     * invalidates the cached spectrum. */
    mwk_fft_plans plans;
    mwk_status st = mwk_fftw_get(N, buf, X, &plans);
    if (st != MWK_OK) {
        s->err = st;
        mwk_aligned_free(own);
        return -1;
    }
    if (head->N != N || head->w != w) {
        for (size_t i = 0; i < N; i++) buf[i] = i < w ? 1.0 : 0.0;
        fftw_execute_dft_r2c(plans.r2c, buf, B);
        head->N = N, head->w = w;
    }
    /* A segment of tiny (subnormal) values would lose its precision to
     * underflow inside the transform; scaling by a power of two is exact, so
     * such rows are lifted into the normal range first and brought back at
     * the end (found by fuzz_api). */
    double amax = 0.0;
    for (size_t i = 0; i < n; i++) {
        const double a = fabs(x[i]);
        if (a > amax) amax = a; /* NaN compares false: ignored */
    }
    const int lift = amax > 0.0 && amax < 0x1p-500;
    if (lift) {
        for (size_t i = 0; i < n; i++) buf[i] = x[i] * 0x1p600;
    } else {
        memcpy(buf, x, n * sizeof(double));
    }
    for (size_t i = n; i < N; i++) buf[i] = 0.0;
    fftw_execute_dft_r2c(plans.r2c, buf, X);
    /* FFTW's c2r is unnormalised: fold 1/N and 1/divisor into one scale. */
    const double scale = 1.0 / ((double)N * divisor);
    for (size_t k = 0; k < H; k++) {
        double ar = X[k][0], ai = X[k][1], br = B[k][0], bi = B[k][1];
        X[k][0] = (ar * br - ai * bi) * scale;
        X[k][1] = (ar * bi + ai * br) * scale;
    }
    fftw_execute_dft_c2r(plans.c2r, X, buf);
    mwk_fftw_release(&plans);
    int ret = 0;
    for (size_t j = 0; j + w <= n; j++) {
        double r = lift ? buf[j + w - 1] * 0x1p-600 : buf[j + w - 1];
        out[j] = r;
        if (!isfinite(r)) ret = 1;
    }
    mwk_aligned_free(own);
    return ret;
}
#else
size_t mwk_wsum_fft_scratch(size_t n, size_t w) {
    (void)n, (void)w;
    return 0;
}
int mwk_wsum_fft(mwk_seg *s, double divisor) {
    (void)divisor;
    s->err = MWK_E_UNAVAILABLE;
    return -1;
}
#endif
