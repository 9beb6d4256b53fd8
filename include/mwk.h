/*
 * mwk: moving-window kernels.
 *
 * Public C API. C11, no dependencies beyond the C library. Every function
 * returns a status (or a value that cannot fail); the library never prints,
 * aborts or exits, and every function is safe to call from many threads at
 * once.
 *
 * ---------------------------------------------------------------------------
 * move_mean: semantics
 * ---------------------------------------------------------------------------
 * Given x[0..n) and a window w (1 <= w <= n), output k is the mean of the
 * window assigned to k by the alignment:
 *
 *   MWK_ALIGN_TRAILING  n outputs; output i covers x[max(0, i-w+1) .. i]
 *                       (bottleneck / pandas default).
 *   MWK_ALIGN_VALID     n-w+1 outputs; output i covers x[i .. i+w-1]
 *                       (numpy/scipy "valid" convolution, the seed's average).
 *   MWK_ALIGN_CENTERED  n outputs; output i covers x[i - w/2 .. i + (w-1)/2]
 *                       clipped to [0, n) (integer division; the same windows
 *                       as pandas and Polars with center=True).
 *
 * Windows clipped at the ends of the data (trailing and centered) hold fewer
 * than w values; min_count decides whether they give a result.
 *
 * Non-finite values:
 *   - NaN with MWK_NAN_SKIP: NaNs are left out. A window whose number of
 *     non-NaN values is below min_count gives NaN; otherwise the mean of its
 *     non-NaN values (bottleneck's semantics). min_count defaults to w.
 *   - NaN with MWK_NAN_PROPAGATE: a window holding any NaN gives NaN (and
 *     min_count still applies to the window's length).
 *   - inf is a value: a window holding +inf (and no -inf) gives +inf, one
 *     holding -inf gives -inf, one holding both gives NaN. Non-finite values
 *     are counted, never summed into a running state, so once they have left
 *     the window the results are finite and accurate again.
 *
 * ---------------------------------------------------------------------------
 * Accuracy contract
 * ---------------------------------------------------------------------------
 * For MWK_ALGO_NAIVE, MWK_ALGO_RING, MWK_ALGO_PREFIX and MWK_ALGO_AUTO:
 *   - values outside a window have no influence on its result;
 *   - for finite data, with c the number of values averaged,
 *       |computed - exact| <= (w + 2) * 2^-53 * sum(|x| over those values) / c
 *     i.e. as good as summing that window on its own in double precision.
 *   Integer inputs are converted to double first (exact up to 2^53; int64
 *   beyond that rounds by at most 2^-53 |x|, inside the same bound). float32
 *   input is accumulated in double and rounded to float32 once: the float32
 *   result is within one float32 ulp of the exact mean (plus the bound above).
 *   Window sums that would overflow double are recomputed with scaling, so a
 *   finite exact mean is never reported as inf.
 *
 * MWK_ALGO_FFT convolves the whole row with a box through FFTW. Its error is
 * relative to the largest magnitude in the row, not in the window:
 *       |computed - exact| <= 8 * log2(N) * 2^-53 * w * max|x over the row| / c
 * (N the transform length, N >= n; rows are transformed in segments, see
 * mwk_options.threads, so "row" means the segment), plus an absolute
 * (N + 8 * log2(N) * w) * 2^-1074 / c, which matters only for subnormal
 * data (the transform's intermediate products underflow). A large value anywhere in the row blurs every window,
 * so MWK_ALGO_AUTO never chooses FFT. Non-finite values are
 * taken out before the transform and counted per window, so they follow the
 * same NaN/inf rules as the other algorithms.
 *
 * Results are bit-identical whatever the thread count, and do not depend on
 * the alignment of the pointers passed. They do depend on the algorithm and
 * (for MWK_ALGO_PREFIX) on the SIMD target, within the bound above.
 */
#ifndef MWK_H
#define MWK_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(_WIN32) && defined(MWK_BUILDING_SHARED)
#define MWK_API __declspec(dllexport)
#elif defined(__GNUC__)
#define MWK_API __attribute__((visibility("default")))
#else
#define MWK_API
#endif

#define MWK_VERSION_MAJOR 0
#define MWK_VERSION_MINOR 1
#define MWK_VERSION_PATCH 0

/** Status codes. MWK_OK is 0; every error is positive and stable. */
typedef enum mwk_status {
    MWK_OK = 0,
    MWK_E_NULL = 1,            /* a required pointer argument is NULL */
    MWK_E_WINDOW = 2,          /* window is 0 */
    MWK_E_WINDOW_TOO_LONG = 3, /* window is longer than the data along its axis */
    MWK_E_MIN_COUNT = 4,       /* min_count is 0 or greater than window */
    MWK_E_OVERFLOW = 5,        /* a size or stride whose byte extent overflows */
    MWK_E_OVERLAP = 6,         /* the output's memory intersects the input's */
    MWK_E_DTYPE = 7,           /* unknown dtype */
    MWK_E_ALIGN = 8,           /* unknown alignment */
    MWK_E_ALGORITHM = 9,       /* unknown algorithm */
    MWK_E_NAN_POLICY = 10,     /* unknown NaN policy */
    MWK_E_OPTIONS = 11,        /* options.struct_size is not one this library knows */
    MWK_E_THREADS = 12,        /* threads < 0, or MWK_NUM_THREADS malformed */
    MWK_E_TARGET = 13,         /* requested SIMD target unknown or unsupported here */
    MWK_E_UNAVAILABLE = 14,    /* algorithm not compiled into this build (e.g. fft without FFTW) */
    MWK_E_NOMEM = 15,          /* memory allocation failed */
    MWK_E_INTERNAL = 16        /* a bug: please report it */
} mwk_status;

/** A static, human-readable sentence for a status (never NULL). */
MWK_API const char *mwk_status_str(mwk_status status);

/** Element types. Output is MWK_F64, except MWK_F32 for MWK_F32 input. */
typedef enum mwk_dtype {
    MWK_F64 = 0,
    MWK_F32 = 1,
    MWK_I64 = 2,
    MWK_I32 = 3
} mwk_dtype;

typedef enum mwk_align {
    MWK_ALIGN_TRAILING = 0,
    MWK_ALIGN_VALID = 1,
    MWK_ALIGN_CENTERED = 2
} mwk_align;

typedef enum mwk_algorithm {
    MWK_ALGO_AUTO = 0,   /* fastest algorithm that honours the contract (table-driven) */
    MWK_ALGO_NAIVE = 1,  /* every window summed on its own (compensated): the reference */
    MWK_ALGO_RING = 2,   /* compensated running sum over a ring buffer, re-anchored as needed */
    MWK_ALGO_PREFIX = 3, /* block-local prefix/suffix sums, SIMD (Highway) */
    MWK_ALGO_FFT = 4     /* box convolution through FFTW (see its own bound above) */
} mwk_algorithm;

typedef enum mwk_nan_policy {
    MWK_NAN_SKIP = 0,
    MWK_NAN_PROPAGATE = 1
} mwk_nan_policy;

/** min_count value meaning "equal to the window" (the default). */
#define MWK_MIN_COUNT_WINDOW ((size_t)-1)

/**
 * Options. Always initialise with mwk_options_init() (or MWK_OPTIONS_INIT) and
 * then set fields: struct_size lets later versions grow the struct while
 * staying binary compatible. Passing NULL where options are taken means all
 * defaults.
 */
typedef struct mwk_options {
    size_t struct_size;        /* sizeof(mwk_options) of the caller's header */
    mwk_align align;           /* default MWK_ALIGN_TRAILING */
    mwk_algorithm algorithm;   /* default MWK_ALGO_AUTO */
    mwk_nan_policy nan_policy; /* default MWK_NAN_SKIP */
    size_t min_count;          /* 1..window, or MWK_MIN_COUNT_WINDOW (default) */
    int threads;               /* 0 = MWK_NUM_THREADS or all cores; >0 at most this many.
                                  Rows, and segments of long rows (max(65536, 8w)
                                  windows each), are shared out; results never
                                  depend on the thread count. */
    const char *target;        /* NULL = the process's target (MWK_TARGET or best);
                                  else a name as in mwk_runtime_info's list, for this call */
} mwk_options;

#define MWK_OPTIONS_INIT \
    { sizeof(mwk_options), MWK_ALIGN_TRAILING, MWK_ALGO_AUTO, MWK_NAN_SKIP, MWK_MIN_COUNT_WINDOW, 0, NULL }

MWK_API void mwk_options_init(mwk_options *opt);

/**
 * Number of outputs for n inputs: n for trailing and centered, n-w+1 for valid.
 * Errors: MWK_E_NULL, MWK_E_WINDOW, MWK_E_WINDOW_TOO_LONG, MWK_E_ALIGN.
 */
MWK_API mwk_status mwk_move_mean_out_len(size_t n, size_t window, mwk_align align,
                                         size_t *out_len);

/** Output dtype for an input dtype (MWK_F32 -> MWK_F32, others -> MWK_F64). */
MWK_API mwk_status mwk_move_mean_out_dtype(mwk_dtype in, mwk_dtype *out);

/**
 * Moving mean of a 1-D strided array.
 *
 * x        n elements of dtype, element k at x + k*x_stride elements
 *          (x_stride may be negative: x then points at element 0, the
 *          others lie at lower addresses).
 * y        out_len outputs of the output dtype, y_stride elements apart.
 * window   1 <= window <= n.
 * opt      NULL for defaults.
 *
 * The memory spanned by y must not intersect the memory spanned by x
 * (MWK_E_OVERLAP), judged on the address ranges [lowest, highest] each spans.
 * Every argument is validated before any work: a call that fails validation
 * writes nothing. Only MWK_E_NOMEM and MWK_E_INTERNAL can leave y partly
 * written.
 * Strides of 0 are allowed for x (a constant row) but not for y when
 * out_len > 1 (MWK_E_OVERLAP: outputs would overwrite each other).
 */
MWK_API mwk_status mwk_move_mean(const void *x, mwk_dtype dtype, size_t n, ptrdiff_t x_stride,
                                 void *y, ptrdiff_t y_stride, size_t window,
                                 const mwk_options *opt);

/**
 * Moving mean along each of `rows` rows (2-D). Row r element k is at
 * x + r*x_row_stride + k*x_stride (in elements), likewise for y. Rows are
 * spread over threads (OpenMP); results are bit-identical to calling
 * mwk_move_mean row by row, for any thread count. rows == 0 is a no-op
 * (after validation of the other arguments).
 */
MWK_API mwk_status mwk_move_mean_batch(const void *x, mwk_dtype dtype, size_t rows, size_t n,
                                       ptrdiff_t x_row_stride, ptrdiff_t x_stride, void *y,
                                       ptrdiff_t y_row_stride, ptrdiff_t y_stride, size_t window,
                                       const mwk_options *opt);

/**
 * The algorithm MWK_ALGO_AUTO would run for these arguments (never
 * MWK_ALGO_FFT). Uses opt->target (or the process target) for the decision.
 */
MWK_API mwk_status mwk_move_mean_choose(mwk_dtype dtype, size_t n, size_t window,
                                        const mwk_options *opt, mwk_algorithm *chosen);

/** Names: "auto", "naive", "ring", "prefix", "fft"; NULL for unknown values. */
MWK_API const char *mwk_algorithm_name(mwk_algorithm a);
/** Names: "trailing", "valid", "centered". */
MWK_API const char *mwk_align_name(mwk_align a);
/** Names: "skip", "propagate". */
MWK_API const char *mwk_nan_policy_name(mwk_nan_policy p);
/** Names: "float64", "float32", "int64", "int32". */
MWK_API const char *mwk_dtype_name(mwk_dtype d);

/** Whether an algorithm is compiled into this build (fft needs FFTW). */
MWK_API int mwk_algorithm_available(mwk_algorithm a);

/**
 * What this process runs on. All strings are static, owned by the library,
 * valid for the life of the process.
 */
typedef struct mwk_runtime_info {
    size_t struct_size;            /* set by the caller: sizeof(mwk_runtime_info) */
    const char *version;           /* "0.1.0" */
    const char *target;            /* the process target, e.g. "avx512"; NULL if
                                      MWK_TARGET named an unknown/unsupported one */
    mwk_status target_status;      /* MWK_OK, or MWK_E_TARGET (then calls fail) */
    const char *target_request;    /* value of MWK_TARGET, or NULL */
    const char *supported_targets; /* comma-separated, best first, e.g. "avx512,avx2,sse4,scalar" */
    const char *compiled_targets;  /* every target compiled in, supported or not */
    const char *backends;          /* comma-separated: "highway,fftw,openmp" */
    const char *highway_version;   /* "1.0.3", or NULL when built without Highway */
    const char *fftw_version;      /* fftw_version string, or NULL without FFTW */
    int max_threads;               /* threads a batch uses by default */
} mwk_runtime_info;

MWK_API mwk_status mwk_runtime_info_get(mwk_runtime_info *info);

/**
 * Frees process-wide caches (FFT plans). Optional: for leak checkers and for
 * applications that unload the library. Safe to call at any time; later calls
 * rebuild the caches as needed. Must not run concurrently with other mwk calls
 * that use FFT.
 */
MWK_API void mwk_release_caches(void);

#ifdef __cplusplus
}
#endif

#endif /* MWK_H */
