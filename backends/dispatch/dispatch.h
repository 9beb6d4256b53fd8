/* Internal: SIMD target selection shared by every kernel. */
#ifndef MWK_DISPATCH_H
#define MWK_DISPATCH_H
#include <stdint.h>
#include "mwk.h"

/* An opaque handle for one SIMD target: the Highway target bit, or 0 for
 * "scalar", the portable C code (every platform and build has it). */
typedef struct mwk_target {
    int64_t hwy_bit;
    const char *name;
} mwk_target;

/* Resolves the target for one call: `request` NULL means the process target
 * (MWK_TARGET or the best one, decided once). */
mwk_status mwk_target_resolve(const char *request, mwk_target *out);

#endif
