/* FFTW plan cache. A bounded table of plans keyed by transform length:
 * repeated calls reuse plans (FFTW_ESTIMATE, so planning is cheap and
 * deterministic) and memory does not grow with the number of calls. When the
 * table is full, a call plans privately and destroys its plans afterwards. */
#include "fftw_backend.h"

#include <pthread.h>
#include <stdint.h>

size_t mwk_fft_good_size(size_t n) {
    if (n <= 1) return 1;
    for (size_t m = n; m < SIZE_MAX / 2; m++) {
        size_t r = m;
        while (r % 2 == 0) r /= 2;
        while (r % 3 == 0) r /= 3;
        while (r % 5 == 0) r /= 5;
        while (r % 7 == 0) r /= 7;
        if (r == 1) return m;
    }
    return 0;
}

#if MWK_HAVE_FFTW
#define CACHE_CAP 32

typedef struct {
    size_t n;
    fftw_plan r2c, c2r;
} entry;

static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;
static entry g_cache[CACHE_CAP];
static size_t g_count;

mwk_status mwk_fftw_get(size_t n, double *in, fftw_complex *spec, mwk_fft_plans *out) {
    if (n > (size_t)INT32_MAX) return MWK_E_OVERFLOW; /* FFTW's int sizes */
    mwk_status st = MWK_OK;
    pthread_mutex_lock(&g_mu);
    for (size_t i = 0; i < g_count; i++) {
        if (g_cache[i].n == n) {
            out->r2c = g_cache[i].r2c, out->c2r = g_cache[i].c2r;
            out->n = n, out->owned = 0;
            pthread_mutex_unlock(&g_mu);
            return MWK_OK;
        }
    }
    /* ESTIMATE leaves the arrays' contents alone and needs no timing runs. */
    fftw_plan a = fftw_plan_dft_r2c_1d((int)n, in, spec, FFTW_ESTIMATE);
    fftw_plan b = fftw_plan_dft_c2r_1d((int)n, spec, in, FFTW_ESTIMATE | FFTW_DESTROY_INPUT);
    if (!a || !b) {
        if (a) fftw_destroy_plan(a);
        if (b) fftw_destroy_plan(b);
        st = MWK_E_NOMEM;
    } else if (g_count < CACHE_CAP) {
        g_cache[g_count].n = n, g_cache[g_count].r2c = a, g_cache[g_count].c2r = b;
        g_count++;
        out->r2c = a, out->c2r = b, out->n = n, out->owned = 0;
    } else {
        out->r2c = a, out->c2r = b, out->n = n, out->owned = 1;
    }
    pthread_mutex_unlock(&g_mu);
    return st;
}

void mwk_fftw_release(mwk_fft_plans *p) {
    if (!p->owned) return;
    pthread_mutex_lock(&g_mu);
    fftw_destroy_plan(p->r2c);
    fftw_destroy_plan(p->c2r);
    pthread_mutex_unlock(&g_mu);
    p->owned = 0;
}

void mwk_fftw_release_all(void) {
    pthread_mutex_lock(&g_mu);
    for (size_t i = 0; i < g_count; i++) {
        fftw_destroy_plan(g_cache[i].r2c);
        fftw_destroy_plan(g_cache[i].c2r);
    }
    g_count = 0;
    pthread_mutex_unlock(&g_mu);
}
#else
void mwk_fftw_release_all(void) {}
#endif

void mwk_release_caches(void) { mwk_fftw_release_all(); }
