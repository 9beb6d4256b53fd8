// var/std, the certified fast form (var_cores.c: block_fast) in Highway SIMD:
// per block, the shifted sums S and T of d = x - K and d^2 as block-local
// prefix and suffix sums scanned in registers (the window sums' scans of
// wsum_prefix_hwy.cc, two at once), M2 = T - S^2 / w, and the certificate
// T <= 2 M2 (and T finite) evaluated per window in vector masks. A block with
// any failing window is reported in `fail[b]` and redone by the caller with
// the double-double moment states; its outputs here are then overwritten.
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "var/var_hwy.cc"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
#include "hwy/highway.h"
#include "common/scan-inl.h"

HWY_BEFORE_NAMESPACE();
namespace mwk {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

constexpr size_t kVMaxLanes = kScanMaxLanes;

// fs, ft: scratch of at least w + kVMaxLanes doubles each. fail: one byte per
// block of w windows. K: the shift of each block.
void VarFastCore(const double* HWY_RESTRICT x, size_t n, size_t w, const double* HWY_RESTRICT K,
                 double inv_w, double inv_dof, int root, double* HWY_RESTRICT out,
                 double* HWY_RESTRICT fs, double* HWY_RESTRICT ft, unsigned char* fail) {
  const hn::ScalableTag<double> d;
  const size_t N = hn::Lanes(d);
  ScanTables tables;
  BuildScanTables(N, &tables);
  const auto idx_last = hn::SetTableIndices(d, tables.last);
  const auto idx_first = hn::SetTableIndices(d, tables.first);
  const auto zero = hn::Zero(d);
  const auto two = hn::Set(d, 2.0);
  const auto vinf = hn::Set(d, HUGE_VAL);
  const auto vinvw = hn::Set(d, inv_w);
  const auto vinvdof = hn::Set(d, inv_dof);
  HWY_ALIGN double ts[kVMaxLanes] = {};
  HWY_ALIGN double tt[kVMaxLanes] = {};
  const size_t m = n - w + 1;
  size_t b = 0;
  for (size_t jb = 0; jb < m; jb += w, ++b) {
    const size_t len = m - jb < w ? m - jb : w;
    const double Kb = K[b];
    const auto vK = hn::Set(d, Kb);
    {  // forward over block b+1: fs[1+i], ft[1+i]; fs[0] = ft[0] = 0
      const double* HWY_RESTRICT src = x + jb + w;
      const size_t cnt = len - 1;
      auto cs = zero, ct = zero;
      size_t i = 0;
      for (; i + N <= cnt; i += N) {
        const auto dv = hn::Sub(hn::LoadU(d, src + i), vK);
        const auto s = ScanUp(d, dv, tables);
        const auto t = ScanUp(d, hn::Mul(dv, dv), tables);
        hn::StoreU(hn::Add(s, cs), d, fs + 1 + i);
        hn::StoreU(hn::Add(t, ct), d, ft + 1 + i);
        cs = hn::Add(cs, hn::TableLookupLanes(s, idx_last));
        ct = hn::Add(ct, hn::TableLookupLanes(t, idx_last));
      }
      double c1 = hn::GetLane(cs), c2 = hn::GetLane(ct);
      for (; i < cnt; ++i) {
        const double dv = src[i] - Kb;
        c1 += dv;
        c2 += dv * dv;
        fs[1 + i] = c1;
        ft[1 + i] = c2;
      }
      fs[0] = 0.0;
      ft[0] = 0.0;
    }
    {  // backward over block b
      const double* HWY_RESTRICT blk = x + jb;
      double* HWY_RESTRICT ob = out + jb;
      auto cs = zero, ct = zero;
      auto bad = hn::Zero(d);  // lanes > 0 where a window failed
      int bad_s = 0;
      size_t k = w;
      while (k >= N) {
        k -= N;
        const auto dv = hn::Sub(hn::LoadU(d, blk + k), vK);
        const auto s = ScanDown(d, dv, tables);
        const auto t = ScanDown(d, hn::Mul(dv, dv), tables);
        const auto qs = hn::Add(s, cs), qt = hn::Add(t, ct);
        cs = hn::Add(cs, hn::TableLookupLanes(s, idx_first));
        ct = hn::Add(ct, hn::TableLookupLanes(t, idx_first));
        if (k < len) {
          const auto S = hn::Add(qs, hn::LoadU(d, fs + k));
          const auto T = hn::Add(qt, hn::LoadU(d, ft + k));
          const auto m2 = hn::Sub(T, hn::Mul(hn::Mul(S, S), vinvw));
          // Not (T <= 2 m2 and T < inf): NaN fails too.
          const auto okm = hn::And(hn::Le(T, hn::Mul(two, m2)), hn::Lt(T, vinf));
          auto r = hn::Mul(m2, vinvdof);
          if (root) r = hn::Sqrt(hn::IfThenElse(okm, r, zero));
          if (k + N <= len) {
            bad = hn::Add(bad, hn::IfThenZeroElse(okm, hn::Set(d, 1.0)));
            hn::StoreU(r, d, ob + k);
          } else {
            HWY_ALIGN double tr[kVMaxLanes];
            HWY_ALIGN double tb[kVMaxLanes];
            hn::Store(r, d, tr);
            hn::Store(hn::IfThenZeroElse(okm, hn::Set(d, 1.0)), d, tb);
            for (size_t u = 0; u < len - k; ++u) {
              ob[k + u] = tr[u];
              bad_s |= tb[u] != 0.0;
            }
          }
        }
      }
      double c1 = hn::GetLane(cs), c2 = hn::GetLane(ct);
      while (k > 0) {
        --k;
        const double dv = blk[k] - Kb;
        c1 += dv;
        c2 += dv * dv;
        if (k < len) {
          const double S = c1 + fs[k], T = c2 + ft[k];
          const double m2 = T - S * S * inv_w;
          const int ok = (T <= 2.0 * m2) & (T < HUGE_VAL);
          bad_s |= !ok;
          const double r = m2 * inv_dof;
          ob[k] = root ? (ok ? sqrt(r) : 0.0) : r;
        }
      }
      hn::Store(bad, d, ts);
      for (size_t u = 0; u < N; ++u) bad_s |= ts[u] != 0.0;
      fail[b] = static_cast<unsigned char>(bad_s);
    }
  }
  (void)tt;
}

}  // namespace HWY_NAMESPACE
}  // namespace mwk
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
#include "hwy/hwy_table.h"
#include "var_hwy.h"
namespace mwk {
HWY_EXPORT(VarFastCore);

extern "C" int mwk_hwy_var_fast(int64_t target, const double* x, size_t n, size_t w,
                                const double* K, double inv_w, double inv_dof, int root,
                                double* out, double* fs, double* ft, unsigned char* fail) {
  const size_t idx = HwyTableIndex(target);
  if (idx > HWY_MAX_DYNAMIC_TARGETS + 1) return -1;
  const auto fn = HWY_DISPATCH_TABLE(VarFastCore)[idx];
  if (fn == nullptr) return -1;
  fn(x, n, w, K, inv_w, inv_dof, root, out, fs, ft, fail);
  return 0;
}
}  // namespace mwk
#endif  // HWY_ONCE
