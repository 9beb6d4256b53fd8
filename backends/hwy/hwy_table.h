// Internal (C++ only): the index of a Highway target in a HWY_EXPORT table,
// so that a kernel can run the target chosen per call (mwk_options.target)
// without touching Highway's global dispatch state. See hwy/targets.h: entry
// 0 is the lazy chooser, then one entry per dynamic target, then the
// fallback (scalar/EMU128).
#ifndef MWK_HWY_TABLE_H
#define MWK_HWY_TABLE_H
#include <stddef.h>
#include <stdint.h>

#include "hwy/highway.h"

namespace mwk {
// HWY_MAX_DYNAMIC_TARGETS + 2 when `target` is not a single target bit.
inline size_t HwyTableIndex(int64_t target) {
  if (target == 0 || (target & (target - 1)) != 0) return HWY_MAX_DYNAMIC_TARGETS + 2;
  if (target == HWY_SCALAR || target == HWY_EMU128) return HWY_MAX_DYNAMIC_TARGETS + 1;
  return hwy::Num0BitsBelowLS1Bit_Nonzero64(static_cast<uint64_t>(HWY_CHOSEN_TARGET_SHIFT(target)));
}
}  // namespace mwk
#endif
