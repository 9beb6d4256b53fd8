// EWM as a blocked linear scan: N_i = lam * N_{i-1} + G * v_i.
//
// Within a vector of L lanes, an inclusive scan in log2(L) steps
// (v_i += lam^k * v_{i-k} for k = 1, 2, 4, ...: the powers of the decay
// within a vector), then y_i = v_i + lam^(i+1) * C, C the carried state. Two
// vectors are processed per iteration and the carry advances once per pair,
// C' = lam^(2L) C + (lam^L last(a) + last(b)), so the loop-carried chain is
// one multiply-add per 2L elements; everything else overlaps. The error
// analysis is in include/mwk_ewm.h. Written once in Highway, compiled for
// every target (foreach_target) and picked per call from Highway's table.
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "ewm/ewm_scan_hwy.cc"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
#include "hwy/highway.h"
#include "common/scan-inl.h"

#include <math.h>

HWY_BEFORE_NAMESPACE();
namespace mwk {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

template <int kMode, class D>
HWY_INLINE hn::Vec<D> EwmLoad(D d, const double* HWY_RESTRICT p, hn::Vec<D> vG) {
  const auto v = hn::LoadU(d, p);
  if constexpr (kMode == 0) {
    return hn::Mul(v, vG);
  } else if constexpr (kMode == 1) {
    return hn::Mul(hn::IfThenZeroElse(hn::IsNaN(v), v), vG);
  } else {
    return hn::IfThenZeroElse(hn::IsNaN(v), vG);
  }
}

template <int kMode>
int EwmScanT(const double* HWY_RESTRICT x, size_t n, double lam, double G, double init, double c,
             double* HWY_RESTRICT out) {
  const hn::ScalableTag<double> d;
  const size_t N = hn::Lanes(d);
  ScanTables t;
  BuildScanTables(N, &t);
  // mult[s][i] = lam^k for lanes i >= k = 2^s, else 0 (the lanes shifted in
  // from below lane 0 contribute nothing).
  HWY_ALIGN double mult[kScanMaxSteps][kScanMaxLanes];
  HWY_ALIGN double pw[kScanMaxLanes];
  size_t steps = 0;
  for (size_t k = 1; k < N; k *= 2, ++steps) {
    const double lk = pow(lam, static_cast<double>(k));
    for (size_t i = 0; i < N; ++i) mult[steps][i] = i >= k ? lk : 0.0;
  }
  for (size_t i = 0; i < N; ++i) pw[i] = pow(lam, static_cast<double>(i + 1));
  const auto vpw = hn::Load(d, pw);
  const auto vlamN = hn::Set(d, pw[N - 1]);
  const auto vlam2N = hn::Set(d, pow(lam, static_cast<double>(2 * N)));
  const auto vG = hn::Set(d, G);
  const auto vc = hn::Set(d, c);
  const auto zero = hn::Zero(d);
  const auto idx_last = hn::SetTableIndices(d, t.last);
  auto carry = hn::Set(d, init);
  auto vflag = zero;

  auto scan = [&](hn::Vec<decltype(d)> v) {
    for (size_t s = 0; s < steps; ++s) {
      const auto sh = hn::TableLookupLanes(v, hn::SetTableIndices(d, t.up[s]));
      v = hn::MulAdd(sh, hn::Load(d, mult[s]), v);
    }
    return v;
  };

  size_t i = 0;
  for (; i + 2 * N <= n; i += 2 * N) {
    const auto a = scan(EwmLoad<kMode>(d, x + i, vG));
    const auto b = scan(EwmLoad<kMode>(d, x + i + N, vG));
    const auto la = hn::TableLookupLanes(a, idx_last);
    const auto lb = hn::TableLookupLanes(b, idx_last);
    const auto ya = hn::MulAdd(vpw, carry, a);
    const auto c1 = hn::MulAdd(vlamN, carry, la);  // == last lane of ya
    const auto yb = hn::MulAdd(vpw, c1, b);
    carry = hn::MulAdd(vlam2N, carry, hn::MulAdd(vlamN, la, lb));
    const auto oa = hn::Mul(ya, vc);
    const auto ob = hn::Mul(yb, vc);
    vflag = hn::Add(vflag, hn::Add(hn::Mul(oa, zero), hn::Mul(ob, zero)));
    hn::StoreU(oa, d, out + i);
    hn::StoreU(ob, d, out + i + N);
  }
  double state = hn::GetLane(carry);
  double sflag = 0.0;
  for (; i < n; ++i) {
    double v = x[i];
    if (kMode == 1 && v != v) v = 0.0;
    if (kMode == 2) v = v != v ? 0.0 : 1.0;
    state = lam * state + G * v;
    const double o = c * state;
    out[i] = o;
    sflag += o * 0.0;
  }
  HWY_ALIGN double tmp[kScanMaxLanes];
  hn::Store(vflag, d, tmp);
  for (size_t k = 0; k < N; ++k) sflag += tmp[k];
  return !(sflag == 0.0);
}

int EwmScan(const double* HWY_RESTRICT x, size_t n, double lam, double G, double init, double c,
            int mode, double* HWY_RESTRICT out) {
  if (mode == 1) return EwmScanT<1>(x, n, lam, G, init, c, out);
  if (mode == 2) return EwmScanT<2>(x, n, lam, G, init, c, out);
  return EwmScanT<0>(x, n, lam, G, init, c, out);
}

}  // namespace HWY_NAMESPACE
}  // namespace mwk
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
#include "hwy/hwy_table.h"
#include "ewm_hwy.h"
namespace mwk {
HWY_EXPORT(EwmScan);

extern "C" int mwk_hwy_ewm_scan(int64_t target, const double* x, size_t n, double lam, double G,
                                double init, double c, int mode, double* out) {
  const size_t idx = HwyTableIndex(target);
  if (idx > HWY_MAX_DYNAMIC_TARGETS + 1) return -1;
  const auto fn = HWY_DISPATCH_TABLE(EwmScan)[idx];
  if (fn == nullptr) return -1;
  return fn(x, n, lam, G, init, c, mode, out);
}
}  // namespace mwk
#endif  // HWY_ONCE
