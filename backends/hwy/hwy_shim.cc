// The target-enumeration half of the Highway shim. The kernels' own dispatch
// tables live in their translation units (HWY_EXPORT must be beside the code
// it exports); this file only answers "what is compiled, what runs here".
#include "hwy/highway.h"
#include "hwy/targets.h"
#include "hwy_shim.h"

extern "C" size_t mwk_hwy_compiled_targets(int64_t *bits, size_t cap) {
  size_t k = 0;
  // Lower bits are better targets in Highway's numbering.
  for (int64_t t = HWY_TARGETS; t != 0 && k < cap; t &= t - 1) {
    bits[k++] = t & (~t + 1);
  }
  return k;
}

extern "C" int64_t mwk_hwy_supported_mask(void) {
  return hwy::SupportedTargets();
}

extern "C" const char *mwk_hwy_target_name(int64_t bit) {
  return hwy::TargetName(bit);
}

#define MWK_STR2(x) #x
#define MWK_STR(x) MWK_STR2(x)
extern "C" const char *mwk_hwy_version(void) {
  return MWK_STR(HWY_MAJOR) "." MWK_STR(HWY_MINOR) "." MWK_STR(HWY_PATCH);
}
