// Direct weighted windows in SIMD: one lane per output window. For four
// vectors of consecutive outputs at a time, each tap w[i] is broadcast and
// multiplied into the four unaligned loads x[j+i ..], accumulated by
// MulAdd in chains of MWK_WT_BLOCK taps; each chain's sum then joins a
// compensated total (TwoSum, the error terms summed apart). So an output is
// the dot product of its window with the taps, in the taps' order, with
// the bound of include/mwk.h (MWK_STAT_WEIGHTED_SUM, direct): the chains
// round at most MWK_WT_BLOCK + 1 times per product, the total once. Written
// once in Highway, compiled for every target (foreach_target) and picked
// per call from Highway's table. On targets without a fused multiply-add
// MulAdd is a multiply and an add (the weaker bound in the header).
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "weighted/weighted_hwy.cc"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
#include "hwy/highway.h"

#include "weighted/weighted_hwy.h"

HWY_BEFORE_NAMESPACE();
namespace mwk {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

template <class D, class V>
HWY_INLINE void TwoSumInto(D /*d*/, V& s, V& c, V p) {
  const V t = hn::Add(s, p);
  const V z = hn::Sub(t, s);
  const V e = hn::Add(hn::Sub(s, hn::Sub(t, z)), hn::Sub(p, z));
  s = t;
  c = hn::Add(c, e);
}

int WtDirect(const double* HWY_RESTRICT x, size_t n, const double* HWY_RESTRICT w, size_t W,
             double scale, double* HWY_RESTRICT out) {
  const hn::ScalableTag<double> d;
  const size_t L = hn::Lanes(d);
  const size_t m = n - W + 1;
  const size_t B = MWK_WT_BLOCK;
  const auto vscale = hn::Set(d, scale);
  const auto zero = hn::Zero(d);
  auto vflag = zero;
  size_t j = 0;
  for (; j + 4 * L <= m; j += 4 * L) {
    const double* xj = x + j;
    auto s0 = zero, s1 = zero, s2 = zero, s3 = zero;
    auto c0 = zero, c1 = zero, c2 = zero, c3 = zero;
    for (size_t kb = 0; kb < W; kb += B) {
      const size_t ke = kb + B < W ? kb + B : W;
      auto p0 = zero, p1 = zero, p2 = zero, p3 = zero;
      for (size_t i = kb; i < ke; ++i) {
        const auto wv = hn::Set(d, w[i]);
        p0 = hn::MulAdd(wv, hn::LoadU(d, xj + i), p0);
        p1 = hn::MulAdd(wv, hn::LoadU(d, xj + i + L), p1);
        p2 = hn::MulAdd(wv, hn::LoadU(d, xj + i + 2 * L), p2);
        p3 = hn::MulAdd(wv, hn::LoadU(d, xj + i + 3 * L), p3);
      }
      if (kb == 0) {
        s0 = p0, s1 = p1, s2 = p2, s3 = p3;
      } else {
        TwoSumInto(d, s0, c0, p0);
        TwoSumInto(d, s1, c1, p1);
        TwoSumInto(d, s2, c2, p2);
        TwoSumInto(d, s3, c3, p3);
      }
    }
    const auto o0 = hn::Mul(hn::Add(s0, c0), vscale);
    const auto o1 = hn::Mul(hn::Add(s1, c1), vscale);
    const auto o2 = hn::Mul(hn::Add(s2, c2), vscale);
    const auto o3 = hn::Mul(hn::Add(s3, c3), vscale);
    // NaN iff some output is not finite.
    vflag = hn::Add(vflag, hn::Add(hn::Add(hn::Mul(o0, zero), hn::Mul(o1, zero)),
                                   hn::Add(hn::Mul(o2, zero), hn::Mul(o3, zero))));
    hn::StoreU(o0, d, out + j);
    hn::StoreU(o1, d, out + j + L);
    hn::StoreU(o2, d, out + j + 2 * L);
    hn::StoreU(o3, d, out + j + 3 * L);
  }
  for (; j + L <= m; j += L) {
    const double* xj = x + j;
    auto s0 = zero, c0 = zero;
    for (size_t kb = 0; kb < W; kb += B) {
      const size_t ke = kb + B < W ? kb + B : W;
      auto p0 = zero;
      for (size_t i = kb; i < ke; ++i) p0 = hn::MulAdd(hn::Set(d, w[i]), hn::LoadU(d, xj + i), p0);
      if (kb == 0) {
        s0 = p0;
      } else {
        TwoSumInto(d, s0, c0, p0);
      }
    }
    const auto o0 = hn::Mul(hn::Add(s0, c0), vscale);
    vflag = hn::Add(vflag, hn::Mul(o0, zero));
    hn::StoreU(o0, d, out + j);
  }
  int flag = 0;
  if (j < m) flag = mwk_wt_direct_portable(x + j, n - j, w, W, scale, out + j);
  HWY_ALIGN double tmp[64];  // >= lanes of f64 on any target
  hn::StoreU(vflag, d, tmp);
  double sflag = 0.0;
  for (size_t k = 0; k < L; ++k) sflag += tmp[k];
  return flag || !(sflag == 0.0);
}

}  // namespace HWY_NAMESPACE
}  // namespace mwk
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
#include "hwy/hwy_table.h"
#include "weighted_hwy.h"
namespace mwk {
HWY_EXPORT(WtDirect);

extern "C" int mwk_hwy_wt_direct(int64_t target, const double* x, size_t n, const double* w,
                                 size_t W, double scale, double* out) {
  const size_t idx = HwyTableIndex(target);
  if (idx > HWY_MAX_DYNAMIC_TARGETS + 1) return -1;
  const auto fn = HWY_DISPATCH_TABLE(WtDirect)[idx];
  if (fn == nullptr) return -1;
  return fn(x, n, w, W, scale, out);
}
}  // namespace mwk
#endif  // HWY_ONCE
