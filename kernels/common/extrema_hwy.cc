// Moving min/max, van Herk / Gil-Werman, SIMD: the block prefix and suffix
// extrema of extrema.c with the scans done in registers (the same
// shift-and-combine scans as the window sums' wsum_prefix_hwy.cc, with Min
// or Max in place of Add and +-inf in place of 0). Written once with
// Highway and compiled for every target; the target is picked per call.
//
// NaN is absent: it is replaced by the identity (+inf for min, -inf for max)
// before it enters a scan, and reported, so the engine applies the NaN
// policy and min_count. No data-dependent branches.
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "common/extrema_hwy.cc"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
#include "hwy/highway.h"
#include "common/scan-inl.h"

HWY_BEFORE_NAMESPACE();
namespace mwk {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

constexpr size_t kExtMaxLanes = kScanMaxLanes;

// `fw`: scratch of at least w + kExtMaxLanes doubles (the forward half of a
// block). Returns 1 if a NaN was seen, else 0.
template <bool kMax>
int ExtCore(const double* HWY_RESTRICT x, size_t n, size_t w, double* HWY_RESTRICT out,
            double* HWY_RESTRICT fw) {
  const hn::ScalableTag<double> d;
  const size_t N = hn::Lanes(d);
  ScanTables tables;
  BuildScanTables(N, &tables);
  const auto idx_last = hn::SetTableIndices(d, tables.last);
  const auto idx_first = hn::SetTableIndices(d, tables.first);
  const double ident_s = kMax ? -HUGE_VAL : HUGE_VAL;
  const auto ident = hn::Set(d, ident_s);
  auto nanmask = hn::Zero(d);  // lanes become NaN when a NaN was seen
  int nan_s = 0;
  HWY_ALIGN double tmp[kExtMaxLanes] = {};
  const size_t m = n - w + 1;
  for (size_t jb = 0; jb < m; jb += w) {
    const size_t len = m - jb < w ? m - jb : w;
    {  // forward: fw[1+i] = ext(x[jb+w .. jb+w+i]), fw[0] = identity
      const double* HWY_RESTRICT src = x + jb + w;
      double* HWY_RESTRICT dst = fw + 1;
      const size_t cnt = len - 1;
      auto carry = ident;
      size_t i = 0;
      for (; i + N <= cnt; i += N) {
        auto v = hn::LoadU(d, src + i);
        nanmask = hn::Add(nanmask, hn::Sub(v, v));  // NaN or inf - inf: reported
        v = hn::IfThenElse(hn::IsNaN(v), ident, v);
        v = ScanUpExtremum<kMax>(d, v, ident, tables);
        hn::StoreU(MinOrMax<kMax>(v, carry), d, dst + i);
        carry = MinOrMax<kMax>(carry, hn::TableLookupLanes(v, idx_last));
      }
      double c = hn::GetLane(carry);
      for (; i < cnt; ++i) {
        const double v = src[i];
        nan_s |= v != v;
        if (kMax) {
          c = v > c ? v : c;
        } else {
          c = v < c ? v : c;
        }
        dst[i] = c;
      }
      fw[0] = ident_s;
    }
    {  // backward over block b; outputs k < len are ext(Q[k], fw[k])
      const double* HWY_RESTRICT blk = x + jb;
      double* HWY_RESTRICT ob = out + jb;
      auto carry = ident;
      size_t k = w;
      while (k >= N) {
        k -= N;
        auto v = hn::LoadU(d, blk + k);
        nanmask = hn::Add(nanmask, hn::Sub(v, v));
        v = hn::IfThenElse(hn::IsNaN(v), ident, v);
        v = ScanDownExtremum<kMax>(d, v, ident, tables);
        const auto q = MinOrMax<kMax>(v, carry);
        carry = MinOrMax<kMax>(carry, hn::TableLookupLanes(v, idx_first));
        if (k + N <= len) {
          hn::StoreU(MinOrMax<kMax>(q, hn::LoadU(d, fw + k)), d, ob + k);
        } else if (k < len) {
          hn::Store(q, d, tmp);
          for (size_t t = 0; t < len - k; ++t) {
            const double a = tmp[t], b = fw[k + t];
            ob[k + t] = kMax ? (a > b ? a : b) : (a < b ? a : b);
          }
        }
      }
      double c = hn::GetLane(carry);
      while (k > 0) {
        --k;
        const double v = blk[k];
        nan_s |= v != v;
        if (kMax) {
          c = v > c ? v : c;
        } else {
          c = v < c ? v : c;
        }
        if (k < len) {
          const double b = fw[k];
          ob[k] = kMax ? (c > b ? c : b) : (c < b ? c : b);
        }
      }
    }
  }
  // inf - inf is NaN too: an infinite input makes the mask NaN without a NaN
  // input; the engine then only counts (harmless), so no separate test.
  hn::Store(nanmask, d, tmp);
  for (size_t i = 0; i < N; ++i) nan_s |= tmp[i] != tmp[i];
  return nan_s;
}

int ExtMinCore(const double* x, size_t n, size_t w, double* out, double* fw) {
  return ExtCore<false>(x, n, w, out, fw);
}
int ExtMaxCore(const double* x, size_t n, size_t w, double* out, double* fw) {
  return ExtCore<true>(x, n, w, out, fw);
}

}  // namespace HWY_NAMESPACE
}  // namespace mwk
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
#include "extrema_hwy.h"
#include "hwy/hwy_table.h"
namespace mwk {
HWY_EXPORT(ExtMinCore);
HWY_EXPORT(ExtMaxCore);

extern "C" int mwk_hwy_ext_prefix(int64_t target, int is_max, const double* x, size_t n, size_t w,
                                  double* out, double* fw) {
  const size_t idx = HwyTableIndex(target);
  if (idx > HWY_MAX_DYNAMIC_TARGETS + 1) return -1;
  const auto fn = is_max ? HWY_DISPATCH_TABLE(ExtMaxCore)[idx] : HWY_DISPATCH_TABLE(ExtMinCore)[idx];
  if (fn == nullptr) return -1;
  return fn(x, n, w, out, fw);
}
}  // namespace mwk
#endif  // HWY_ONCE
