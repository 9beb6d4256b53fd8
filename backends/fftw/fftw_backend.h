/* Internal: FFTW plans, created once per size and shared.
 * FFTW's planner is not thread-safe but its new-array execute functions are:
 * planning (and destruction) happens under one mutex, execution outside it. */
#ifndef MWK_FFTW_BACKEND_H
#define MWK_FFTW_BACKEND_H
#include <stddef.h>
#include "mwk.h"
#include "mwk_config.h"
#if MWK_HAVE_FFTW
#include <fftw3.h>

typedef struct mwk_fft_plans {
    fftw_plan r2c, c2r;
    size_t n;
    int owned; /* 1: not cached (cache full); release with mwk_fftw_release */
} mwk_fft_plans;

/* Plans for real transforms of length n between fftw_malloc'ed arrays
 * (out-of-place). `in`/`spec` are the caller's arrays, used only to plan. */
mwk_status mwk_fftw_get(size_t n, double *in, fftw_complex *spec, mwk_fft_plans *out);
void mwk_fftw_release(mwk_fft_plans *p);
#endif
/* Smallest 2^a 3^b 5^c 7^d >= n (FFTW's fast sizes); 0 on overflow. */
size_t mwk_fft_good_size(size_t n);
void mwk_fftw_release_all(void);
#endif
