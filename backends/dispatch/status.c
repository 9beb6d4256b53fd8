/* Status strings, enum names and option defaults: the small, stable part of
 * the API that every binding maps onto its own errors. */
#include "mwk.h"

const char *mwk_status_str(mwk_status s) {
    switch (s) {
    case MWK_OK: return "success";
    case MWK_E_NULL: return "a required pointer argument is NULL";
    case MWK_E_WINDOW: return "window must be at least 1";
    case MWK_E_WINDOW_TOO_LONG: return "window is longer than the data along its axis";
    case MWK_E_MIN_COUNT: return "min_count must be between 1 and window";
    case MWK_E_OVERFLOW: return "array extent (size x stride x element size) overflows the address space";
    case MWK_E_OVERLAP: return "output memory overlaps the input or itself";
    case MWK_E_DTYPE: return "unknown dtype (expected one of mwk_dtype: float64, float32, float16, int8..int64, uint8..uint64, bool)";
    case MWK_E_ALIGN: return "unknown alignment (expected trailing, valid or centered)";
    case MWK_E_ALGORITHM: return "unknown algorithm, or one this statistic does not have (see mwk_stat_info)";
    case MWK_E_NAN_POLICY: return "unknown NaN policy (expected skip or propagate)";
    case MWK_E_OPTIONS: return "options.struct_size is not the size of any version of mwk_options (use mwk_options_init), or an option is out of range";
    case MWK_E_THREADS: return "thread count must be >= 0 (0 = default), and MWK_NUM_THREADS a positive integer";
    case MWK_E_TARGET: return "requested SIMD target is unknown or not supported by this CPU (see mwk_runtime_info)";
    case MWK_E_UNAVAILABLE: return "algorithm not compiled into this build of mwk";
    case MWK_E_NOMEM: return "out of memory";
    case MWK_E_INTERNAL: return "internal error in mwk (please report)";
    case MWK_E_STAT: return "unknown statistic (see mwk_stat_count)";
    case MWK_E_PARAMS: return "params.struct_size is not the size of any version of mwk_params (use mwk_params_init), or a parameter is out of range for the statistic";
    case MWK_E_STATE: return "the stream state is corrupt, truncated, from another mwk version or not a stream state; or the stream is finished or broken by an earlier failure";
    case MWK_E_UNSORTED: return "the key of a time-based window is not sorted ascending";
    case MWK_E_CAPACITY: return "the output buffer is smaller than the number of outputs to write";
    }
    return "unknown mwk status code";
}

void mwk_options_init(mwk_options *opt) {
    if (!opt) return;
    static const mwk_options defaults = MWK_OPTIONS_INIT;
    *opt = defaults;
}

void mwk_params_init(mwk_params *params) {
    if (!params) return;
    static const mwk_params defaults = MWK_PARAMS_INIT;
    *params = defaults;
}

const char *mwk_algorithm_name(mwk_algorithm a) {
    switch (a) {
    case MWK_ALGO_AUTO: return "auto";
    case MWK_ALGO_NAIVE: return "naive";
    case MWK_ALGO_RING: return "ring";
    case MWK_ALGO_PREFIX: return "prefix";
    case MWK_ALGO_FFT: return "fft";
    case MWK_ALGO_DEQUE: return "deque";
    case MWK_ALGO_WELFORD: return "welford";
    case MWK_ALGO_HEAP: return "heap";
    case MWK_ALGO_SKIPLIST: return "skiplist";
    case MWK_ALGO_SORTBLOCK: return "sortblock";
    case MWK_ALGO_FENWICK: return "fenwick";
    case MWK_ALGO_NETWORK: return "network";
    case MWK_ALGO_DIRECT: return "direct";
    case MWK_ALGO_GEMM: return "gemm";
    }
    return 0;
}

const char *mwk_align_name(mwk_align a) {
    switch (a) {
    case MWK_ALIGN_TRAILING: return "trailing";
    case MWK_ALIGN_VALID: return "valid";
    case MWK_ALIGN_CENTERED: return "centered";
    }
    return 0;
}

const char *mwk_nan_policy_name(mwk_nan_policy p) {
    switch (p) {
    case MWK_NAN_SKIP: return "skip";
    case MWK_NAN_PROPAGATE: return "propagate";
    }
    return 0;
}

const char *mwk_dtype_name(mwk_dtype d) {
    switch (d) {
    case MWK_F64: return "float64";
    case MWK_F32: return "float32";
    case MWK_I64: return "int64";
    case MWK_I32: return "int32";
    case MWK_I16: return "int16";
    case MWK_I8: return "int8";
    case MWK_U64: return "uint64";
    case MWK_U32: return "uint32";
    case MWK_U16: return "uint16";
    case MWK_U8: return "uint8";
    case MWK_BOOL: return "bool";
    case MWK_F16: return "float16";
    }
    return 0;
}
