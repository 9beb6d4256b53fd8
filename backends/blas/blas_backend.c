/* The BLAS wrapper (see blas_backend.h). */
#include "blas_backend.h"

#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#if MWK_HAVE_BLAS
#include <cblas.h>

int mwk_blas_gemm_nt(size_t M, size_t N, size_t K, const double *A, size_t lda, const double *B,
                     size_t ldb, double beta, double *C, size_t ldc) {
    /* blasint is int in the LP64 builds Debian ships: refuse what it cannot
     * hold rather than let the BLAS report it (xerbla prints). */
    if (M > INT_MAX || N > INT_MAX || K > INT_MAX || lda > INT_MAX || ldb > INT_MAX || ldc > INT_MAX)
        return -1;
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)M, (int)N, (int)K, 1.0, A, (int)lda,
                B, (int)ldb, beta, C, (int)ldc);
    return 0;
}

size_t mwk_blas_max_mnk(void) {
#ifdef OPENBLAS_GEMM_MULTITHREAD_THRESHOLD
    return (size_t)65536 * (size_t)OPENBLAS_GEMM_MULTITHREAD_THRESHOLD;
#else
    return (size_t)1 << 18;
#endif
}

static char g_desc[160];
static pthread_once_t g_once = PTHREAD_ONCE_INIT;

static void describe_once(void) {
#if MWK_HAVE_OPENBLAS
    /* openblas_get_config: "OpenBLAS 0.3.21 DYNAMIC_ARCH NO_AFFINITY Zen MAX_THREADS=64";
     * keep the version; the parallel mode and the core say how it threads
     * and which kernels run. */
    const char *cfg = openblas_get_config();
    char ver[32] = "?";
    if (cfg && strncmp(cfg, "OpenBLAS ", 9) == 0) {
        size_t i = 0;
        for (const char *c = cfg + 9; *c && *c != ' ' && i + 1 < sizeof ver; c++) ver[i++] = *c;
        ver[i] = 0;
    }
    const int par = openblas_get_parallel();
    const char *mode = par == 0 ? "sequential" : par == 1 ? "pthreads" : "openmp";
    const char *core = openblas_get_corename();
    snprintf(g_desc, sizeof g_desc, "openblas %s (%s, %s)", ver, mode, core ? core : "?");
#else
    snprintf(g_desc, sizeof g_desc, "cblas");
#endif
}

const char *mwk_blas_describe(void) {
    pthread_once(&g_once, describe_once);
    return g_desc;
}
#else
int mwk_blas_gemm_nt(size_t M, size_t N, size_t K, const double *A, size_t lda, const double *B,
                     size_t ldb, double beta, double *C, size_t ldc) {
    (void)M, (void)N, (void)K, (void)A, (void)lda, (void)B, (void)ldb, (void)beta, (void)C, (void)ldc;
    return -1;
}
const char *mwk_blas_describe(void) { return "none"; }
size_t mwk_blas_max_mnk(void) { return (size_t)1 << 18; }
#endif
