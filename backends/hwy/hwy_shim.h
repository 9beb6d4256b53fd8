/* C view of the Highway parts of mwk. Implemented in C++ (Highway); the rest
 * of the library is C11 and only sees these prototypes. */
#ifndef MWK_HWY_SHIM_H
#define MWK_HWY_SHIM_H
#include <stddef.h>
#include <stdint.h>
#ifdef __cplusplus
extern "C" {
#endif

/* Targets compiled into the library, best first; returns how many (<= cap). */
size_t mwk_hwy_compiled_targets(int64_t *bits, size_t cap);
/* Targets this CPU supports (Highway's SupportedTargets()). */
int64_t mwk_hwy_supported_mask(void);
/* Highway's own name for a target bit ("AVX3", "EMU128", ...). */
const char *mwk_hwy_target_name(int64_t bit);

/* Highway version this library was compiled against, "1.0.3". */
const char *mwk_hwy_version(void);

/* Full-window kernel of the prefix algorithm (kernels/move_mean/prefix_hwy.cc).
 * `stream`: write outputs with non-temporal stores (large batches).
 * Returns -1 when `target` was not compiled, -2 when out of memory, else 1 if
 * any output is not finite, else 0. */
int mwk_hwy_move_mean_prefix(int64_t target, const double *x, size_t n, size_t w,
                             double divisor, double *out, int stream);
#ifdef __cplusplus
}
#endif
#endif
