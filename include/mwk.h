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
#define MWK_VERSION_MINOR 2
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
    MWK_E_INTERNAL = 16,       /* a bug: please report it */
    MWK_E_STAT = 17,           /* unknown statistic */
    MWK_E_PARAMS = 18,         /* params.struct_size unknown, or a parameter out of range
                                  for the statistic (e.g. ddof < 0) */
    MWK_E_STATE = 19,          /* a stream's serialised state is corrupt, truncated, from
                                  another library version or not a stream at all; or the
                                  stream is finished or broken by an earlier failure */
    MWK_E_UNSORTED = 20,       /* time-based windows: the key is not sorted ascending */
    MWK_E_CAPACITY = 21        /* the output buffer is smaller than the outputs to write */
} mwk_status;

/** A static, human-readable sentence for a status (never NULL). */
MWK_API const char *mwk_status_str(mwk_status status);

/**
 * Element types. Every input is converted exactly to float64 before any
 * arithmetic (int64/uint64 beyond 2^53 round once, by at most 2^-53 |x|;
 * every other type converts exactly). The output dtype depends on the
 * statistic (mwk_move_out_dtype): float32 and float16 inputs give float32
 * values (accumulated in float64, rounded once), everything else float64;
 * argmin/argmax always give float64.
 */
typedef enum mwk_dtype {
    MWK_F64 = 0,
    MWK_F32 = 1,
    MWK_I64 = 2,
    MWK_I32 = 3,
    MWK_I16 = 4,
    MWK_I8 = 5,
    MWK_U64 = 6,
    MWK_U32 = 7,
    MWK_U16 = 8,
    MWK_U8 = 9,
    MWK_BOOL = 10, /* one byte, 0 is false, anything else true (1.0) */
    MWK_F16 = 11   /* IEEE 754 binary16, as numpy.float16 */
} mwk_dtype;

typedef enum mwk_align {
    MWK_ALIGN_TRAILING = 0,
    MWK_ALIGN_VALID = 1,
    MWK_ALIGN_CENTERED = 2
} mwk_align;

/**
 * Algorithms. One name space for every statistic; each statistic supports a
 * subset (mwk_stat_info lists it, reference first) and rejects the others
 * with MWK_E_ALGORITHM. The values are stable.
 */
typedef enum mwk_algorithm {
    MWK_ALGO_AUTO = 0,    /* fastest algorithm that honours the contract (table-driven) */
    MWK_ALGO_NAIVE = 1,   /* every window computed on its own: the reference, O(n*w) */
    MWK_ALGO_RING = 2,    /* sum/mean: compensated running sum, re-anchored as needed */
    MWK_ALGO_PREFIX = 3,  /* block-local prefix/suffix states (van Herk / Gil-Werman):
                             sums (SIMD), mergeable moments, extrema (SIMD) */
    MWK_ALGO_FFT = 4,     /* sum/mean: box convolution through FFTW (own bound) */
    MWK_ALGO_DEQUE = 5,   /* min/max/argmin/argmax: monotonic deque (Lemire) */
    MWK_ALGO_WELFORD = 6, /* var/std: running Welford add/remove with a
                             cancellation detector that recomputes the window */
    MWK_ALGO_HEAP = 7,    /* median/quantile: two heaps split at the quantile's rank
                             (bottleneck's double heap), O(log w) per step; several
                             quantiles run one heap pass each (k times the work) */
    MWK_ALGO_SKIPLIST = 8, /* median/quantile/rank: an order-statistic structure
                             (median/quantile: the values ranked once per chunk of
                             max(8w, 4096) windows, the window a counted bitmap of
                             ranks, any rank in O(log w)),
                             any number of quantiles per step */
    MWK_ALGO_SORTBLOCK = 9, /* median/quantile: Suomela's sort-based filter (blocks of w
                             sorted once, then linked-list deletions), O(log w) per step */
    MWK_ALGO_FENWICK = 10, /* rank: Fenwick tree over the window's value ranks, O(log w) */
    MWK_ALGO_NETWORK = 11, /* median/quantile, small windows: sorting networks in SIMD
                             registers */
    MWK_ALGO_DIRECT = 12, /* weighted_sum/weighted_mean: each window's dot product with
                             the taps in SIMD (blocked, compensated), O(w) per window */
    MWK_ALGO_GEMM = 13    /* FIR bank (mwk_fir_bank_batch): windows times taps with a BLAS
                             GEMM (OpenBLAS); MWK_E_UNAVAILABLE without BLAS */
} mwk_algorithm;

/** Number of algorithm values (MWK_ALGO_AUTO .. the last one). */
#define MWK_ALGO_COUNT 14

/**
 * Statistics. One registry lists them (mwk_stat_count, mwk_stat_info_get);
 * the values are stable and new ones are appended.
 */
typedef enum mwk_stat {
    MWK_STAT_MEAN = 0,
    MWK_STAT_SUM = 1,
    MWK_STAT_VAR = 2,
    MWK_STAT_STD = 3,
    MWK_STAT_MIN = 4,
    MWK_STAT_MAX = 5,
    MWK_STAT_ARGMIN = 6,
    MWK_STAT_ARGMAX = 7,
    MWK_STAT_MEDIAN = 8,
    MWK_STAT_QUANTILE = 9,
    MWK_STAT_RANK = 10,
    MWK_STAT_WEIGHTED_SUM = 11,
    MWK_STAT_WEIGHTED_MEAN = 12
} mwk_stat;

/**
 * How a quantile between two order statistics is formed, as numpy.quantile's
 * `method` of the same name: with c values sorted v[0..c), the virtual index
 * is h = q * (c - 1); lower = v[floor(h)], higher = v[ceil(h)], nearest =
 * v[h rounded half to even], midpoint = (lower + higher) / 2, linear =
 * lower + (h - floor(h)) * (higher - lower).
 */
typedef enum mwk_interpolation {
    MWK_INTERP_LINEAR = 0,
    MWK_INTERP_LOWER = 1,
    MWK_INTERP_HIGHER = 2,
    MWK_INTERP_NEAREST = 3,
    MWK_INTERP_MIDPOINT = 4
} mwk_interpolation;

typedef enum mwk_nan_policy {
    MWK_NAN_SKIP = 0,
    MWK_NAN_PROPAGATE = 1
} mwk_nan_policy;

/** min_count value meaning "equal to the window" (the default). */
#define MWK_MIN_COUNT_WINDOW ((size_t)-1)

/** What to do when the window is longer than the data along its axis. */
typedef enum mwk_long_window {
    MWK_LONG_WINDOW_ERROR = 0, /* MWK_E_WINDOW_TOO_LONG (bottleneck's rule; the default) */
    MWK_LONG_WINDOW_CLIP = 1   /* every window is clipped to the data: trailing and
                                  centered give n outputs from clipped windows (min_count
                                  decides which give a result), valid gives 0 outputs
                                  (Polars' rule) */
} mwk_long_window;

/**
 * Options. Always initialise with mwk_options_init() (or MWK_OPTIONS_INIT) and
 * then set fields. struct_size lets the struct grow: a caller compiled against
 * an older, smaller mwk_options passes its own sizeof, the library reads that
 * prefix and uses defaults for the fields the caller does not know. Sizes that
 * are not the size of some released version of the struct are MWK_E_OPTIONS.
 * Passing NULL where options are taken means all defaults.
 *
 * Versions: 0.1 ends after `target`; 0.2 adds `long_window`.
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
    /* --- 0.2 --- */
    mwk_long_window long_window; /* default MWK_LONG_WINDOW_ERROR */
} mwk_options;

#define MWK_OPTIONS_INIT \
    { sizeof(mwk_options), MWK_ALIGN_TRAILING, MWK_ALGO_AUTO, MWK_NAN_SKIP, MWK_MIN_COUNT_WINDOW, 0, NULL, \
      MWK_LONG_WINDOW_ERROR }

MWK_API void mwk_options_init(mwk_options *opt);

/**
 * Parameters of a statistic. One struct for every statistic (each reads the
 * fields it has, see mwk_stat_info.params); it grows like mwk_options
 * (struct_size, defaults for fields an older caller does not know). NULL
 * means all defaults.
 *
 * Versions: 0.2 has `ddof`; 0.3 adds the quantile fields and the weights.
 */
typedef struct mwk_params {
    size_t struct_size; /* sizeof(mwk_params) of the caller's header */
    int ddof;           /* var, std: the divisor is count - ddof (default 0, as
                           bottleneck and NumPy; Polars and pandas use 1). A window
                           with count <= ddof gives NaN. Must be >= 0. */
    /* --- 0.3 --- */
    double quantile;    /* quantile: q in [0, 1] (default 0.5) when n_quantiles is 0 */
    mwk_interpolation interpolation; /* quantile (default MWK_INTERP_LINEAR) */
    const double *quantiles; /* quantile: n_quantiles values in [0, 1], any order;
                                each output position then holds n_quantiles values
                                (mwk_move_n_out, mwk_move_batch_k). NULL when 0. */
    size_t n_quantiles;
    const double *weights; /* weighted_sum/weighted_mean: the taps, n_weights finite
                              values, weights[i] multiplying the window's i-th value,
                              oldest first (see MWK_STAT_WEIGHTED_SUM). NULL with
                              n_weights 0 (the default): every tap 1 (a boxcar of the
                              window's length). */
    size_t n_weights;   /* 0, or the window (else MWK_E_PARAMS) */
    double min_weight;  /* weighted_sum/weighted_mean: the fraction of the total |weight|
                           that must be present, in [0, 1] (default 0: no condition) */
} mwk_params;

#define MWK_PARAMS_INIT { sizeof(mwk_params), 0, 0.5, MWK_INTERP_LINEAR, NULL, 0, NULL, 0, 0.0 }

MWK_API void mwk_params_init(mwk_params *params);

/* Bits of mwk_stat_info.params: which mwk_params fields a statistic reads. */
#define MWK_PARAM_DDOF 0x1u
#define MWK_PARAM_QUANTILE 0x2u      /* quantile, quantiles, n_quantiles */
#define MWK_PARAM_INTERPOLATION 0x4u /* interpolation */
#define MWK_PARAM_WEIGHTS 0x8u       /* weights, n_weights, min_weight */

/**
 * ---------------------------------------------------------------------------
 * Generic moving statistics
 * ---------------------------------------------------------------------------
 * mwk_move / mwk_move_batch compute any statistic of the registry with the
 * window, alignment, NaN policy, min_count, strides, threads and target rules
 * described above for move_mean (mwk_move_mean is mwk_move with
 * MWK_STAT_MEAN). What differs per statistic:
 *
 * MWK_STAT_MEAN, MWK_STAT_SUM
 *   Non-finite values as described at the top (inf is a value, counted, never
 *   summed into a running state). Contract for naive, ring, prefix, auto: for
 *   finite data |computed - exact| <= (w + 2) * 2^-53 * sum(|x| in window)
 *   (divided by the count for the mean). fft: the bound above (times the
 *   count for the sum). The sum of a window with no valid value (all NaN)
 *   and count >= min_count cannot happen: min_count >= 1.
 *
 * MWK_STAT_VAR, MWK_STAT_STD (param ddof)
 *   Over the window's non-NaN values, divisor count - ddof (NaN when
 *   count <= ddof). A window holding +inf or -inf gives NaN, and results are
 *   finite and accurate again once it has left. Never negative; exactly 0
 *   for a window whose values are all equal. Contract for every algorithm
 *   (naive, welford, prefix, auto): values outside the window have no
 *   influence, and for finite data
 *       |computed var - exact var| <= 8 * (w + 4) * 2^-53 * exact var
 *       + tiny,  tiny = w * 2^-1074 (subnormal underflow only),
 *   the same order as a two-pass computation on that window alone (whose
 *   textbook bound is (w + 3) * 2^-53 * var). std = sqrt(var) has half the
 *   relative error plus one rounding. A variance beyond the double range is
 *   +inf; the std of such a window is still finite when it is (the
 *   reference scales by a power of two and takes the root first).
 *
 * MWK_STAT_MIN, MWK_STAT_MAX
 *   Exact (the result is one of the window's values, converted to the output
 *   dtype; conversion is monotonic, so for int64/uint64 beyond 2^53 it is the
 *   exact extremum rounded once). +inf and -inf are ordinary values. NaN per
 *   the policy (skipped, or the window gives NaN). -0.0 and +0.0 compare
 *   equal; which one is returned is unspecified.
 *
 * MWK_STAT_ARGMIN, MWK_STAT_ARGMAX
 *   bottleneck's convention: the distance of the extremum from the newest
 *   element of the window (0 = the window's last element; for centered and
 *   clipped windows, the last element of the clipped window), as float64;
 *   ties go to the newest element. NaN where the window gives no result (as
 *   min/max). Exact, int64/uint64 beyond 2^53 included (such rows are
 *   compared as integers).
 * MWK_STAT_MEDIAN
 *   The median of the window's non-NaN values; for an even count, the mean
 *   of the two middle values (bottleneck, pandas, NumPy), computed as
 *   a/2 + b/2 with the halves exact, so it never overflows and rounds once.
 *   +inf and -inf are ordinary values (the mean of -inf and +inf is NaN, as
 *   NumPy). NaN per the policy and min_count, as min/max. -0.0 and +0.0 are
 *   equal; which one is returned is unspecified.
 * MWK_STAT_QUANTILE (params quantile or quantiles, interpolation)
 *   numpy.quantile(window values without NaN, q, method=interpolation) for
 *   each window, with lower/higher/nearest exact selections, midpoint as the
 *   median's mean of two, and linear lower + t*(higher - lower) rounded once
 *   (within one ulp of the exact value; NumPy's own formula may differ from
 *   it by an ulp). With n_quantiles > 0, every output position holds one
 *   value per quantile, in the order given (mwk_move_batch_k). Every
 *   algorithm and target gives bit-identical results.
 * MWK_STAT_RANK
 *   bottleneck's move_rank: the rank of the window's newest element (for
 *   centered and clipped windows, the clipped window's last element) among
 *   the window's non-NaN values, ties averaged, scaled to [-1, 1]:
 *   2 * (less + (equal - 1) / 2) / (count - 1) - 1, where less and equal
 *   count the values below and equal to it (itself included in equal); 0.0
 *   when count is 1; NaN when the newest element is NaN or count <
 *   min_count. Exact up to the final division (one rounding).
 *   Algorithms (same bits): naive, O(w) per window (fastest up to w of
 *   about 30); fenwick, O(log w) per window: blocks of w inputs sorted once,
 *   each pair of adjacent blocks merged into dense ranks (ties share one),
 *   and the window's counts per rank kept in a 16-ary count tree (a
 *   Fenwick tree with masked vector sums).
 * MWK_STAT_WEIGHTED_SUM, MWK_STAT_WEIGHTED_MEAN (params weights, n_weights,
 *   min_weight)
 *   Taps w[0..W): weights[i] multiplies the window's i-th value, oldest
 *   first: the weighted sum of the window x[j .. j+W) is
 *       S_j = sum_i w[i] * x[j+i]
 *   i.e. numpy.correlate(x, w, 'valid')[j] = numpy.convolve(x, w[::-1],
 *   'valid')[j] (convolve flips the taps), scipy.ndimage.correlate1d,
 *   pandas' rolling(win_type) and Polars' rolling_*(weights=) (which also
 *   put weights[0] on the oldest value). The window must equal n_weights
 *   (MWK_E_PARAMS otherwise); n_weights 0 with weights NULL means every tap
 *   1 (then the window is free: the boxcar). Taps must be finite, and so
 *   must sum_i |w[i]| (else MWK_E_PARAMS: every sum of taps the rules below
 *   form then stays in range; scale such taps down, the mean does not
 *   change); zero and negative taps are allowed. Clipped windows (trailing, centered, and
 *   every window of a clipped long window) keep the taps' alignment: the
 *   positions outside the row are absent, exactly like NaN values.
 *   Absent values (NaN, and the positions outside the row): skipped, as
 *   NaN for every statistic: a window with fewer than min_count non-NaN
 *   values gives NaN (min_count counts values, whatever their taps; default
 *   the window), MWK_NAN_PROPAGATE gives NaN for a window holding a NaN.
 *   Then with P = the set of the window's present positions,
 *       weighted_sum  = sum_{i in P} w[i] * x[j+i]
 *       weighted_mean = weighted_sum / sum_{i in P} w[i]   (renormalised)
 *   and a window gives NaN unless its present share of the total |weight|
 *   reaches min_weight:
 *       sum_{i not in P} |w[i]| <= (1 - min_weight) * sum_i |w[i]|
 *   (computed as stated, from the absent side, so min_weight = 1 asks for
 *   every position with a nonzero tap, and windows without an absent value
 *   always pass; all-zero taps always pass). A mean whose present weights
 *   sum to 0 is NaN. Infinities: x = +-inf under a nonzero tap contributes
 *   sign(w[i]) * x; a window with such contributions of both signs gives
 *   NaN, otherwise that infinity (the mean: divided by the present weight
 *   sum, so a negative one flips it); an infinity under a zero tap
 *   contributes nothing (0 * inf is taken as 0: a zero tap ignores its
 *   position's value, though a NaN there still counts for min_count and
 *   propagate). Overflow of finite data is recomputed scaled, so a finite
 *   exact result is not reported as inf.
 *   Accuracy (finite data; u = 2^-53, g = W*u / (1 - W*u)):
 *     naive (the reference: Ogita-Rump-Oishi Dot2 with fma(), i.e. as if
 *     accumulated in twice the precision):
 *         |S - exact| <= u * |exact| + g^2 * sum_i |w[i] x[j+i]|
 *     direct (SIMD, one lane per window: the products accumulated by
 *     multiply-add in chains of 16 taps, the chains' sums added with
 *     TwoSum and their errors summed apart), for W <= 2^20:
 *         |S - exact| <= u * |exact| + 18 * u * sum_i |w[i] x[j+i]|
 *     (17 on targets with a fused multiply-add; so W <= 16 is one plain
 *     chain, and longer windows do not grow the bound);
 *     naive and direct add W * 2^-1074 (the mean: divided by |present
 *     weight sum|) where products w[i] x[j+i] fall below the normal range
 *     and lose bits to underflow (tiny taps or data);
 *     fft (FFTW overlap-save in blocks of N ~ 4W values, log2 N the
 *     transform's depth): relative to the largest |x| in the block that
 *     holds the window, not to the window itself:
 *         |S - exact| <= 8 * log2(N) * u * sum_i |w[i]| * max|x over the block|
 *     plus (N + 8 log2(N) W) * 2^-1074 for subnormal data. NaN positions
 *     and the present weight come from a second transform of the validity
 *     mask (and a third of the signed taps when some taps are negative):
 *     the min_weight decision and the mean's divisor carry the same
 *     relative error (8 log2(N) u sum|w|), so a window whose absent weight
 *     is within that of the threshold may go either way; windows holding
 *     an infinity are computed directly. The mean: the sum's error divided
 *     by |present weight sum|, plus one rounding for naive (a division) and
 *     two for direct and fft where every tapped position is present (the
 *     sum times the rounded reciprocal of the taps' sum: one multiply per
 *     window instead of a divide; 14/6 may come out 1 ulp from the
 *     correctly rounded 2.3333333333333335).
 *   MWK_ALGO_AUTO runs direct for windows up to a measured crossover and
 *   fft above it (kernels/weighted/auto_table.h): unlike move_mean, whose
 *   O(1)-per-window prefix algorithm honours the strict bound at every w,
 *   the only strict algorithms here cost O(W) per window, and fft's bound is
 *   local to its block (about 4W values), not the row. Force naive or direct
 *   for the per-window bound at any w.
 */

/**
 * ---------------------------------------------------------------------------
 * FIR filter banks
 * ---------------------------------------------------------------------------
 * K filters of the same length W applied to each row in one call: taps
 * filter k is taps[k*W .. k*W + W) (a row-major K x W array, oldest first as
 * MWK_STAT_WEIGHTED_SUM). Value k of output position j of row r is written to
 *     y + r*y_row_stride + j*y_stride + k*y_k_stride      (in elements)
 * (y_k_stride = 1, y_stride = K: the K values of a position adjacent; NumPy's
 * move_fir_bank returns this layout, a trailing axis of K).
 *
 * Semantics: exactly K separate mwk_move_batch calls with
 * MWK_STAT_WEIGHTED_SUM, weights = filter k, n_weights = W, the given
 * min_weight, window = W and the same options: alignment, clipped windows,
 * long_window, NaN policy, min_count, min_weight, infinities, dtypes (float32
 * and float16 in: float32 out; others float64), strides, rows, threads and
 * target. No two output values may share memory (MWK_E_OVERLAP). Errors as
 * mwk_move_batch_k, plus MWK_E_NULL (taps NULL), MWK_E_PARAMS (K = 0, a tap
 * not finite, a filter whose sum of |taps| overflows, min_weight outside
 * [0, 1]), MWK_E_ALGORITHM (an algorithm other
 * than auto, naive, direct, fft, gemm), MWK_E_UNAVAILABLE (fft without FFTW,
 * gemm without BLAS).
 *
 * Algorithms (opt->algorithm) and their bounds (finite data, u = 2^-53,
 * S_k the exact weighted sum of filter k over the window):
 *   naive, direct: per filter, mwk_move_batch's weighted_sum algorithm of
 *     that name (the same bits, the same bounds).
 *   gemm: windows x taps^T with cblas_dgemm, no copy (the windows j, j+W,
 *     j+2W, ... form a row-major matrix of leading dimension W inside the row
 *     itself), any summation order:
 *         |S_k - exact| <= g_W * sum_i |w_k[i] x[j+i]|,  g_W = W u / (1 - W u).
 *   fft: FFTW overlap-save as weighted_sum's fft (blocks of N ~ 4W), one
 *     forward transform per block shared by the K filters and one inverse per
 *     filter; its bound: 8 log2(N) u sum_i |w_k[i]| max|x over the block|.
 *   Windows whose gemm/fft result is not finite (a NaN or inf in the window,
 *   or overflow) are recomputed by the reference per filter; fft blocks that
 *   hold a NaN or inf run weighted_sum's fft per filter (its validity-mask
 *   transform: NaN costs O(K) transforms per such block, not O(W) per window).
 *   auto: direct up to W = 96, fft above (without FFTW: direct), as measured
 *   (kernels/firbank/firbank.c); gemm was never the fastest on the machine
 *   measured and runs only when forced.
 *
 * Threads and BLAS: mwk shares rows and segments out over its own threads
 * (opt->threads, OpenMP) and every GEMM it issues is a block of at most
 * 65536 * GEMM_MULTITHREAD_THRESHOLD multiply-adds (M*N*K; 2^18 with
 * OpenBLAS's default and Debian's builds), OpenBLAS's own limit for running
 * a GEMM on the calling thread alone, so OpenBLAS never adds threads under
 * mwk's and mwk never changes OpenBLAS's process-wide thread count (which
 * NumPy and others share). A bank with more taps than that is blocked along
 * the taps too. Concurrent GEMM calls from mwk's threads are safe with the
 * pthreads and OpenMP builds of OpenBLAS (0.3.7 and later).
 */
MWK_API mwk_status mwk_fir_bank_batch(const double *taps, size_t n_filters, size_t window,
                                      double min_weight, const void *x, mwk_dtype dtype,
                                      size_t rows, size_t n, ptrdiff_t x_row_stride,
                                      ptrdiff_t x_stride, void *y, ptrdiff_t y_row_stride,
                                      ptrdiff_t y_stride, ptrdiff_t y_k_stride,
                                      const mwk_options *opt);

/** The algorithm MWK_ALGO_AUTO runs for a bank of n_filters filters of
 *  `window` taps (MWK_ALGO_DIRECT, MWK_ALGO_GEMM or MWK_ALGO_FFT). */
MWK_API mwk_status mwk_fir_bank_choose(size_t n_filters, size_t window, size_t n,
                                       const mwk_options *opt, mwk_algorithm *chosen);

/**
 * Taps of a named window, as scipy.signal.windows.<name>(w, sym=True) (the
 * symmetric windows pandas' rolling(win_type=) uses), for w >= 1:
 *   "boxcar", "triang", "hann", "hamming", "blackman", "bartlett",
 *   "blackmanharris", "nuttall", "barthann", "bohman", "parzen", "cosine",
 *   "gaussian" (param = std > 0), "exponential" (param = tau > 0, centered,
 *   scipy's default center).
 * out receives w values. MWK_E_NULL, MWK_E_WINDOW (w = 0), MWK_E_PARAMS
 * (unknown name, or param out of range); param is ignored by windows
 * without one.
 */
MWK_API mwk_status mwk_window_taps(const char *name, size_t w, double param, double *out);

/** Number of statistics in the registry: valid mwk_stat values are 0 .. count-1. */
MWK_API size_t mwk_stat_count(void);

/** Everything the registry knows about one statistic. Strings and arrays are static. */
typedef struct mwk_stat_info {
    size_t struct_size;              /* set by the caller: sizeof(mwk_stat_info) */
    const char *name;                /* "mean", "sum", "var", ... (the move_<name> suffix) */
    unsigned params;                 /* MWK_PARAM_* bits this statistic reads */
    size_t n_algorithms;             /* forceable algorithms (excluding auto) */
    const mwk_algorithm *algorithms; /* reference (MWK_ALGO_NAIVE) first */
    int float_output_keeps_f32;      /* 1: float32/float16 input gives float32 output */
    const char *contract;            /* one sentence: the accuracy contract */
} mwk_stat_info;

MWK_API mwk_status mwk_stat_info_get(mwk_stat stat, mwk_stat_info *info);
/** Name of a statistic, NULL for unknown values. */
MWK_API const char *mwk_stat_name(mwk_stat stat);
/** Statistic by name ("mean", "std", ...): MWK_OK or MWK_E_STAT. */
MWK_API mwk_status mwk_stat_from_name(const char *name, mwk_stat *out);
/** Algorithm by name ("auto", "naive", "prefix", ...): MWK_OK or MWK_E_ALGORITHM. */
MWK_API mwk_status mwk_algorithm_from_name(const char *name, mwk_algorithm *out);
/** 1 if `stat` has algorithm `a` compiled into this build (auto: always), else 0. */
MWK_API int mwk_stat_has_algorithm(mwk_stat stat, mwk_algorithm a);

/** Output dtype of `stat` for input dtype `in`. */
MWK_API mwk_status mwk_move_out_dtype(mwk_stat stat, mwk_dtype in, mwk_dtype *out);

/**
 * Number of outputs for n inputs under the options' alignment and long-window
 * rule (NULL options: defaults): n for trailing and centered, n-w+1 for valid
 * (0 when the window is longer than the data and long_window is CLIP).
 */
MWK_API mwk_status mwk_move_len(size_t n, size_t window, const mwk_options *opt,
                                size_t *out_len);

/** Moving `stat` of a 1-D strided array (arguments as mwk_move_mean). */
MWK_API mwk_status mwk_move(mwk_stat stat, const mwk_params *params, const void *x,
                            mwk_dtype dtype, size_t n, ptrdiff_t x_stride, void *y,
                            ptrdiff_t y_stride, size_t window, const mwk_options *opt);

/** Moving `stat` along each of `rows` rows (arguments as mwk_move_mean_batch). */
MWK_API mwk_status mwk_move_batch(mwk_stat stat, const mwk_params *params, const void *x,
                                  mwk_dtype dtype, size_t rows, size_t n,
                                  ptrdiff_t x_row_stride, ptrdiff_t x_stride, void *y,
                                  ptrdiff_t y_row_stride, ptrdiff_t y_stride, size_t window,
                                  const mwk_options *opt);

/**
 * Number of values per output position (1, or n_quantiles for
 * MWK_STAT_QUANTILE with n_quantiles > 0). Errors as for the parameters.
 */
MWK_API mwk_status mwk_move_n_out(mwk_stat stat, const mwk_params *params, size_t *n_out);

/**
 * mwk_move_batch for statistics with several values per output position:
 * value q (0 <= q < mwk_move_n_out) of output k of row r is at
 * y + r*y_row_stride + k*y_stride + q*y_q_stride (in elements). mwk_move and
 * mwk_move_batch are this with y_q_stride = 1 (the values of a position are
 * adjacent; y_stride must then step over them). No two output values may
 * share memory (MWK_E_OVERLAP).
 */
MWK_API mwk_status mwk_move_batch_k(mwk_stat stat, const mwk_params *params, const void *x,
                                    mwk_dtype dtype, size_t rows, size_t n,
                                    ptrdiff_t x_row_stride, ptrdiff_t x_stride, void *y,
                                    ptrdiff_t y_row_stride, ptrdiff_t y_stride,
                                    ptrdiff_t y_q_stride, size_t window, const mwk_options *opt);

/** The algorithm MWK_ALGO_AUTO runs for `stat` with these arguments. */
MWK_API mwk_status mwk_move_choose(mwk_stat stat, const mwk_params *params, mwk_dtype dtype,
                                   size_t n, size_t window, const mwk_options *opt,
                                   mwk_algorithm *chosen);


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

/**
 * ---------------------------------------------------------------------------
 * Hampel filter (outlier cleaning)
 * ---------------------------------------------------------------------------
 * For each element x[k], with med and MAD the median and the median absolute
 * deviation (median of |v - med|) of the non-NaN values of the centered
 * window x[k - w/2 .. k + (w-1)/2] clipped to the row (the same windows as
 * MWK_ALIGN_CENTERED; options.align and options.nan_policy are ignored: NaN is
 * always skipped), x[k] is flagged when
 *     |x[k] - med| > (n_sigmas * 1.4826) * MAD      (in float64, strict)
 * and y[k] is then med (MWK_HAMPEL_MEDIAN; a zero median is +0.0) or NaN
 * (MWK_HAMPEL_NAN); otherwise y[k] = x[k] (converted to the output dtype).
 * NaN inputs are never flagged and pass through; a window with fewer than
 * min_count non-NaN values (options.min_count, default 1 here: the
 * MWK_MIN_COUNT_WINDOW default means 1) flags nothing. MAD = 0 flags every
 * value that differs from the median (a constant window's outlier).
 * Exact definitions (every algorithm gives the same bits): med is
 * move_median's value of the window (float64, even counts: the two middle
 * values' mean, rounded once); the deviations are |v - med| in float64 (0 for
 * v == med, also when both are the same infinity), and MAD is their median by
 * the same rule. A window whose median is NaN (-inf and +inf in the middle)
 * flags nothing; float32 data is judged against the float64 median, y alone
 * is rounded. Windows longer than the row follow options.long_window (the
 * default is MWK_E_WINDOW_TOO_LONG; MWK_LONG_WINDOW_CLIP clips them).
 * med and MAD come from one pass over one order-statistic structure:
 * options.algorithm MWK_ALGO_SORTBLOCK (the window kept sorted, the MAD
 * selected in O(log w) from the two sorted runs of deviations below and
 * above the median; also what MWK_ALGO_AUTO runs) or MWK_ALGO_NAIVE (each
 * window sorted on its own: the reference); others are MWK_E_ALGORITHM.
 * Output dtype: float32 for float32/float16 input, else float64.
 * mask (may be NULL): 1 byte per element, 1 = flagged; n_flagged (may be
 * NULL): per row, the number flagged. n_sigmas must be >= 0 and finite
 * (MWK_E_PARAMS). Strides, rows, threads, target and min_count rules as
 * mwk_move_batch; y, mask and n_flagged must not overlap x or each other
 * (MWK_E_OVERLAP).
 */
typedef enum mwk_hampel_replace {
    MWK_HAMPEL_MEDIAN = 0,
    MWK_HAMPEL_NAN = 1
} mwk_hampel_replace;

MWK_API mwk_status mwk_hampel_batch(const void *x, mwk_dtype dtype, size_t rows, size_t n,
                                    ptrdiff_t x_row_stride, ptrdiff_t x_stride, void *y,
                                    ptrdiff_t y_row_stride, ptrdiff_t y_stride, uint8_t *mask,
                                    ptrdiff_t mask_row_stride, ptrdiff_t mask_stride,
                                    size_t *n_flagged, size_t window, double n_sigmas,
                                    mwk_hampel_replace replace, const mwk_options *opt);

/** Names: "auto", "naive", "ring", "prefix", "fft", "deque", "welford", "heap", "skiplist",
 *  "sortblock", "fenwick", "network", "direct"; NULL for unknown values. */
MWK_API const char *mwk_algorithm_name(mwk_algorithm a);
/** Names: "trailing", "valid", "centered". */
MWK_API const char *mwk_align_name(mwk_align a);
/** Names: "skip", "propagate". */
MWK_API const char *mwk_nan_policy_name(mwk_nan_policy p);
/** NumPy's names: "float64", "float32", "int64", "int32", "int16", "int8", "uint64",
 *  "uint32", "uint16", "uint8", "bool", "float16". */
MWK_API const char *mwk_dtype_name(mwk_dtype d);

/** Whether an algorithm is compiled into this build (fft needs FFTW), for
 *  some statistic; see mwk_stat_has_algorithm for one statistic. */
MWK_API int mwk_algorithm_available(mwk_algorithm a);

/**
 * What this process runs on. All strings are static, owned by the library,
 * valid for the life of the process.
 */
typedef struct mwk_runtime_info {
    size_t struct_size;            /* set by the caller: sizeof(mwk_runtime_info); the
                                      0.1 size (without `statistics`) and the 0.2 size
                                      (without `blas`) are accepted too */
    const char *version;           /* "0.2.0" */
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
    /* --- 0.2 --- */
    const char *statistics;        /* the registry, comma-separated: "mean,sum,var,..." */
    /* --- 0.3 --- */
    const char *blas;              /* the BLAS behind MWK_ALGO_GEMM, e.g. "openblas 0.3.21
                                      (pthreads, Zen)", or "none" (built without BLAS) */
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

/* Exponentially weighted statistics (mwk_ewm, mwk_ewm_batch): their own
 * header, part of the public API. */
#include "mwk_ewm.h"
/* Streams and grouped windows; key-based (time) windows. */
#include "mwk_stream.h"
#include "mwk_by.h"

#endif /* MWK_H */
