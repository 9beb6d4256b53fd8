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

#ifdef __cplusplus
}
#endif
#endif
