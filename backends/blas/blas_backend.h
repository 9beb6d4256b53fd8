/* Internal: the BLAS behind the FIR bank's gemm algorithm (OpenBLAS or any
 * CBLAS). Thread policy in include/mwk.h (FIR filter banks): mwk never
 * changes the BLAS's process-wide thread count; it keeps every GEMM below
 * OpenBLAS's threshold for threading, so the call runs on the calling
 * thread. */
#ifndef MWK_BLAS_BACKEND_H
#define MWK_BLAS_BACKEND_H
#include <stddef.h>
#include "mwk_config.h"

/* At most this many multiply-adds (M*N*K) per GEMM: OpenBLAS runs a GEMM
 * on the calling thread alone when M*N*K <= SMP_THRESHOLD_MIN (65536) *
 * GEMM_MULTITHREAD_THRESHOLD (interface/gemm.c; 4 by default and in
 * Debian's builds, read from openblas_config.h when it is there). */
size_t mwk_blas_max_mnk(void);

/* C[M x N] (ldc) = beta*C + A[M x K] (lda) * B[N x K]^T (ldb), row-major.
 * Returns 0, or -1 without BLAS or when a size does not fit the BLAS int. */
int mwk_blas_gemm_nt(size_t M, size_t N, size_t K, const double *A, size_t lda, const double *B,
                     size_t ldb, double beta, double *C, size_t ldc);

/* "openblas 0.3.21 (pthreads, Zen)", "cblas", or "none"; static. */
const char *mwk_blas_describe(void);
#endif
