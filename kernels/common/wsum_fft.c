/* move_mean, fft algorithm: the row convolved with a box of w ones through
 * FFTW (r2c, pointwise product, c2r). A circular convolution of length
 * N >= n is exact for every full window (the wrap-around only reaches the
 * first w-1 positions, which are not full windows), so no padding to n+w.
 * Its error scales with the largest magnitude in the whole row (see the
 * public header), which is why auto never picks it. */
#include <math.h>
#include <string.h>
#include "internal.h"
#include "fftw/fftw_backend.h"

#if MWK_HAVE_FFTW
int mm_core_fft(const double *x, size_t n, size_t w, double divisor, double *out, mm_ctx *ctx) {
    const size_t N = mwk_fft_good_size(n);
    if (N == 0 || N > (size_t)INT32_MAX) {
        ctx->err = MWK_E_OVERFLOW;
        return -1;
    }
    const size_t H = N / 2 + 1;
    double *buf = fftw_malloc(N * sizeof(double));
    fftw_complex *X = fftw_malloc(H * sizeof(fftw_complex));
    fftw_complex *B = fftw_malloc(H * sizeof(fftw_complex));
    mwk_fft_plans plans;
    int ret = -1;
    if (!buf || !X || !B) {
        ctx->err = MWK_E_NOMEM;
        goto done;
    }
    mwk_status st = mwk_fftw_get(N, buf, X, &plans);
    if (st != MWK_OK) {
        ctx->err = st;
        goto done;
    }
    /* Spectrum of the box. */
    for (size_t i = 0; i < N; i++) buf[i] = i < w ? 1.0 : 0.0;
    fftw_execute_dft_r2c(plans.r2c, buf, B);
    /* Spectrum of the row. A row of tiny (subnormal) values would lose its
     * precision to underflow inside the transform; scaling it by a power of
     * two is exact, so such rows are lifted into the normal range first and
     * brought back at the end (found by fuzz_api). */
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
    ret = 0;
    for (size_t j = 0; j + w <= n; j++) {
        double r = lift ? buf[j + w - 1] * 0x1p-600 : buf[j + w - 1];
        out[j] = r;
        if (!isfinite(r)) ret = 1;
    }
done:
    fftw_free(buf);
    fftw_free(X);
    fftw_free(B);
    return ret;
}
#else
int mm_core_fft(const double *x, size_t n, size_t w, double divisor, double *out, mm_ctx *ctx) {
    (void)x, (void)n, (void)w, (void)divisor, (void)out;
    ctx->err = MWK_E_UNAVAILABLE;
    return -1;
}
#endif
