// Window sums, prefix algorithm, SIMD: the same block-local prefix/suffix sums
// as prefix.c, with the scans done in registers. Written once with Highway
// and compiled for every target (foreach_target); the target is picked per
// call from Highway's own dispatch table, so forcing a target is thread-safe
// and needs no global state.
//
// An in-register inclusive scan takes log2(lanes) shift-and-add steps; the
// carry between vectors is kept off the scan's critical path
// (carry += last lane of the local scan) so consecutive vectors overlap.
// Lane shifts use TableLookupLanes, which every Highway target (SVE included,
// with its run-time lane count) provides.
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "common/wsum_prefix_hwy.cc"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
#include "hwy/highway.h"
#include "hwy/cache_control.h"
#include "hwy/aligned_allocator.h"
#include "common/scan-inl.h"

HWY_BEFORE_NAMESPACE();
namespace mwk {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

constexpr size_t kMaxLanes = kScanMaxLanes;
constexpr size_t kPrefetchAhead = 512;  // doubles (4 KiB) ahead of the loads

// `fw` is caller-provided scratch of at least w + kMaxLanes doubles: the
// forward half of one block lives there (L1/L2-resident) instead of being
// written to `out` and read back, so each output is written exactly once.
// With `stream`, those writes bypass the cache (non-temporal): for outputs
// far larger than the cache this saves the read-for-ownership of every
// output line; for small outputs that the caller will read next, it would
// only hurt, so the driver decides.
int PrefixCore(const double* HWY_RESTRICT x, size_t n, size_t w, double divisor,
               double* HWY_RESTRICT out, double* HWY_RESTRICT fw, int stream) {
  const hn::ScalableTag<double> d;
  const size_t N = hn::Lanes(d);
  ScanTables tables;
  BuildScanTables(N, &tables);
  const auto idx_last = hn::SetTableIndices(d, tables.last);
  const auto idx_first = hn::SetTableIndices(d, tables.first);
  const double inv = 1.0 / divisor;
  const auto vinv = hn::Set(d, inv);
  const auto zero = hn::Zero(d);
  // Sum of all outputs: inf or NaN iff some output is (or, harmlessly, if
  // the finite outputs' sum overflows: the driver's slow path is exact too).
  auto vflag = zero;
  double sflag = 0.0;
  HWY_ALIGN double tmp[kMaxLanes] = {};
  if (reinterpret_cast<uintptr_t>(out) % sizeof(double) != 0) stream = 0;

  const size_t m = n - w + 1;
  for (size_t jb = 0; jb < m; jb += w) {
    const size_t len = m - jb < w ? m - jb : w;

    // Forward: fw[1+i] = x[jb+w] + ... + x[jb+w+i], i < len-1; fw[0] = 0.
    {
      const double* HWY_RESTRICT src = x + jb + w;
      double* HWY_RESTRICT dst = fw + 1;
      const size_t cnt = len - 1;
      auto carry = zero;
      size_t i = 0;
      for (; i + N <= cnt; i += N) {
        // The forward pass is the only one that reads new data (block b+1;
        // the backward pass re-reads it from cache next block). Prefetching
        // ahead lets the scans overlap the DRAM stream in large batches.
        hwy::Prefetch(src + i + kPrefetchAhead);
        const auto v = ScanUp(d, hn::LoadU(d, src + i), tables);
        hn::StoreU(hn::Add(v, carry), d, dst + i);
        carry = hn::Add(carry, hn::TableLookupLanes(v, idx_last));
      }
      double c = hn::GetLane(carry);
      for (; i < cnt; ++i) {
        c += src[i];
        dst[i] = c;
      }
      fw[0] = 0.0;
    }

    // Backward over the whole block: Q[k] = x[jb+k] + ... + x[jb+w-1];
    // outputs k < len are (Q[k] + fw[k]) / divisor. The arithmetic's split
    // into vectors and scalars depends only on w and N, never on addresses,
    // so results do not depend on the alignment of the caller's pointers.
    // When streaming, results go back into fw (L1) and are then copied out
    // with aligned non-temporal stores.
    {
      const double* HWY_RESTRICT blk = x + jb;
      double* HWY_RESTRICT ob = stream ? fw : out + jb;
      auto carry = zero;
      size_t k = w;
      while (k >= N) {
        k -= N;
        const auto v = ScanDown(d, hn::LoadU(d, blk + k), tables);
        const auto q = hn::Add(v, carry);
        carry = hn::Add(carry, hn::TableLookupLanes(v, idx_first));
        if (k + N <= len) {
          const auto r = hn::Mul(hn::Add(q, hn::LoadU(d, fw + k)), vinv);
          vflag = hn::Add(vflag, r);
          hn::StoreU(r, d, ob + k);
        } else if (k < len) {
          hn::Store(q, d, tmp);
          for (size_t t = 0; t < len - k; ++t) {
            const double r = (tmp[t] + fw[k + t]) * inv;
            ob[k + t] = r;
            sflag += r;
          }
        }
      }
      double c = hn::GetLane(carry);
      while (k > 0) {
        --k;
        c += blk[k];
        if (k < len) {
          const double r = (c + fw[k]) * inv;
          ob[k] = r;
          sflag += r;
        }
      }
    }
    if (stream) {
      double* HWY_RESTRICT dst = out + jb;
      size_t i = 0;
      for (; i < len && reinterpret_cast<uintptr_t>(dst + i) % (N * sizeof(double)) != 0; ++i) {
        dst[i] = fw[i];
      }
      for (; i + N <= len; i += N) hn::Stream(hn::LoadU(d, fw + i), d, dst + i);
      for (; i < len; ++i) dst[i] = fw[i];
    }
  }
  if (stream) hwy::FlushStream();
  hn::Store(vflag, d, tmp);
  for (size_t i = 0; i < N; ++i) sflag += tmp[i];
  return !(sflag - sflag == 0.0);
}

}  // namespace HWY_NAMESPACE
}  // namespace mwk
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
#include "hwy/hwy_table.h"
#include "wsum_hwy.h"
namespace mwk {
HWY_EXPORT(PrefixCore);

constexpr size_t kMaxLanesAll = 64;

extern "C" int mwk_hwy_wsum_prefix(int64_t target, const double* x, size_t n, size_t w,
                                   double divisor, double* out, int stream, double* fw) {
  const size_t idx = HwyTableIndex(target);
  if (idx > HWY_MAX_DYNAMIC_TARGETS + 1) return -1;
  const auto fn = HWY_DISPATCH_TABLE(PrefixCore)[idx];
  if (fn == nullptr) return -1;
  if (fw != nullptr) return fn(x, n, w, divisor, out, fw, stream);
  // Rescue paths without engine scratch. Highway's allocator returns
  // nullptr on failure (no exceptions cross into the C library).
  double* own = static_cast<double*>(
      hwy::AllocateAlignedBytes((w + kMaxLanesAll) * sizeof(double), nullptr, nullptr));
  if (own == nullptr) return -2;
  const int r = fn(x, n, w, divisor, out, own, stream);
  hwy::FreeAlignedBytes(own, nullptr, nullptr);
  return r;
}
}  // namespace mwk
#endif  // HWY_ONCE
