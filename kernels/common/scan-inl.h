// In-register inclusive scans shared by the block prefix/suffix kernels
// (window sums, var's shifted sums, moving extrema): per-target code, so it
// is included once per Highway target like hwy/contrib's -inl.h headers
// (the toggle guard below), from a translation unit that already included
// hwy/foreach_target.h and hwy/highway.h.
//
// A scan takes log2(lanes) shift-and-combine steps. Lane shifts use
// TableLookupLanes, which every target (SVE included, with its run-time lane
// count) provides; the index tables are built once per kernel call.
#if defined(MWK_KERNELS_SCAN_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef MWK_KERNELS_SCAN_INL_H_
#undef MWK_KERNELS_SCAN_INL_H_
#else
#define MWK_KERNELS_SCAN_INL_H_
#endif

#include "hwy/highway.h"

HWY_BEFORE_NAMESPACE();
namespace mwk {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

constexpr size_t kScanMaxLanes = 64;  // >= lanes of f64 on any target (SVE 2048: 32)
constexpr size_t kScanMaxSteps = 7;

struct ScanTables {
  HWY_ALIGN int64_t up[kScanMaxSteps][kScanMaxLanes];    // lane i <- lane i-k
  HWY_ALIGN int64_t down[kScanMaxSteps][kScanMaxLanes];  // lane i <- lane i+k
  HWY_ALIGN int64_t last[kScanMaxLanes];
  HWY_ALIGN int64_t first[kScanMaxLanes];
};

static inline void BuildScanTables(size_t N, ScanTables* t) {
  size_t s = 0;
  for (size_t k = 1; k < N; k *= 2, ++s) {
    for (size_t i = 0; i < N; ++i) {
      t->up[s][i] = static_cast<int64_t>(i >= k ? i - k : 0);
      t->down[s][i] = static_cast<int64_t>(i + k < N ? i + k : N - 1);
    }
  }
  for (size_t i = 0; i < N; ++i) {
    t->last[i] = static_cast<int64_t>(N - 1);
    t->first[i] = 0;
  }
}

// Inclusive prefix sums from lane 0 upwards.
template <class D, class V>
HWY_INLINE V ScanUp(D d, V v, const ScanTables& t) {
  const size_t N = hn::Lanes(d);
  size_t s = 0;
  for (size_t k = 1; k < N; k *= 2, ++s) {
    const V sh = hn::TableLookupLanes(v, hn::SetTableIndices(d, t.up[s]));
    v = hn::Add(v, hn::IfThenZeroElse(hn::FirstN(d, k), sh));
  }
  return v;
}

// Inclusive suffix sums from the last lane downwards.
template <class D, class V>
HWY_INLINE V ScanDown(D d, V v, const ScanTables& t) {
  const size_t N = hn::Lanes(d);
  size_t s = 0;
  for (size_t k = 1; k < N; k *= 2, ++s) {
    const V sh = hn::TableLookupLanes(v, hn::SetTableIndices(d, t.down[s]));
    v = hn::Add(v, hn::IfThenElseZero(hn::FirstN(d, N - k), sh));
  }
  return v;
}

template <bool kMax, class V>
HWY_INLINE V MinOrMax(V a, V b) {
  if constexpr (kMax) {
    return hn::Max(a, b);
  } else {
    return hn::Min(a, b);
  }
}

// Inclusive prefix minima (maxima) upwards; `ident` (+inf, -inf) fills the
// lanes shifted in from below lane 0.
template <bool kMax, class D, class V>
HWY_INLINE V ScanUpExtremum(D d, V v, V ident, const ScanTables& t) {
  const size_t N = hn::Lanes(d);
  size_t s = 0;
  for (size_t k = 1; k < N; k *= 2, ++s) {
    const V sh = hn::TableLookupLanes(v, hn::SetTableIndices(d, t.up[s]));
    v = MinOrMax<kMax>(v, hn::IfThenElse(hn::FirstN(d, k), ident, sh));
  }
  return v;
}

// Inclusive suffix minima (maxima) downwards.
template <bool kMax, class D, class V>
HWY_INLINE V ScanDownExtremum(D d, V v, V ident, const ScanTables& t) {
  const size_t N = hn::Lanes(d);
  size_t s = 0;
  for (size_t k = 1; k < N; k *= 2, ++s) {
    const V sh = hn::TableLookupLanes(v, hn::SetTableIndices(d, t.down[s]));
    v = MinOrMax<kMax>(v, hn::IfThenElse(hn::FirstN(d, N - k), sh, ident));
  }
  return v;
}

}  // namespace HWY_NAMESPACE
}  // namespace mwk
HWY_AFTER_NAMESPACE();

#endif  // MWK_KERNELS_SCAN_INL_H_
