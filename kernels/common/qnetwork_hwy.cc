// Moving quantiles, the SIMD parts: the block sorts of the sort-based filter
// (Highway's vectorised quicksort, VQSort, from hwy/contrib/sort: header
// only, so nothing extra to link; absent headers leave the scalar sort) and
// sorting networks over small windows.
//
// The networks need no transpose: loading x[j+t .. j+t+N) for t < w puts
// element t of windows j .. j+N-1 in the lanes of vector t, so one min/max
// network sorts N windows at once. The comparators come from qnetwork.c
// (Batcher's odd-even merge sort pruned to the ranks wanted); they run on
// vectors kept in an aligned buffer. The caller passes only windows free of
// NaN and -0.0 (where min/max could change which zero comes out), so the
// values are those of the reference's sort.
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "common/qnetwork_hwy.cc"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
#include "hwy/highway.h"

#if defined(__has_include)
#if __has_include("hwy/contrib/sort/vqsort-inl.h")
#define MWK_HAVE_VQSORT 1
#endif
#endif
#ifndef MWK_HAVE_VQSORT
#define MWK_HAVE_VQSORT 0
#endif
#if MWK_HAVE_VQSORT
#include "hwy/aligned_allocator.h"
#include "hwy/contrib/sort/traits128-inl.h"
#include "hwy/contrib/sort/vqsort-inl.h"
#endif

#include "common/qsortblock.h"

HWY_BEFORE_NAMESPACE();
namespace mwk {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// Sorts (idx, key) pairs by (key, idx): Highway's 128-bit keys compare the
// upper half (key) first, so equal keys keep index order (stable). This is
// vqsort-inl.h's Sort() with a fixed-seed generator: Sort() seeds from
// Sorter::Fill24Bytes, which lives in libhwy_contrib (not linked, and not
// built for the wheels); the seed only steers pivot sampling.
int KvSort(mwk_kv* kv, size_t m) {
#if MWK_HAVE_VQSORT && VQSORT_ENABLED
  namespace hs = hwy::HWY_NAMESPACE;
#if HWY_MAX_BYTES > 64
  const hn::CappedTag<uint64_t, 8> d;  // the sorting networks assume <= 512 bits
#else
  const hs::SortTag<uint64_t> d;
#endif
  const hs::detail::SharedTraits<hs::detail::Traits128<hs::detail::OrderAscending128>> st;
  uint64_t* lanes = reinterpret_cast<uint64_t*>(kv);
  const size_t num = 2 * m;
#if HWY_HAVE_SCALABLE
  auto storage = hwy::AllocateAligned<uint64_t>(hwy::SortConstants::BufNum<uint64_t>(hn::Lanes(d)));
  if (!storage) return -1;
  uint64_t* buf = storage.get();
#else
  HWY_ALIGN uint64_t buf[hwy::SortConstants::BufNum<uint64_t>(HWY_LANES(uint64_t))] = {};
#endif
  if (hs::detail::HandleSpecialCases(d, st, lanes, num)) return 0;
  hs::detail::Generator rng(static_cast<uint64_t>(num) * 0x9E3779B97F4A7C15ull);
  hs::detail::Recurse(d, st, lanes, lanes + num, num, buf, rng, 2 * hwy::CeilLog2(num) + 4);
  return 0;
#else
  (void)kv;
  (void)m;
  return -1;
#endif
}

constexpr size_t kNetMaxP = 32;
constexpr size_t kNetMaxLanes = HWY_MAX_BYTES / sizeof(double) > 8 ? 8 : HWY_MAX_BYTES / sizeof(double);

int Network(const double* HWY_RESTRICT x, size_t nwin, size_t w, size_t p,
            const uint16_t* HWY_RESTRICT cmp, size_t ncmp, const uint16_t* HWY_RESTRICT rk,
            size_t nr, double* HWY_RESTRICT dst) {
  // At most 8 lanes (512 bits) so that the buffer stays small on SVE/RVV.
  const hn::CappedTag<double, kNetMaxLanes> d;
  const size_t N = hn::Lanes(d);
  if (p > kNetMaxP || w > p) return -1;
  HWY_ALIGN double buf[kNetMaxP * kNetMaxLanes];
  const auto inf = hn::Set(d, HUGE_VAL);
  for (size_t t = w; t < p; ++t) hn::Store(inf, d, buf + t * N);
  size_t j = 0;
  for (;;) {
    const size_t rem = nwin - j;
    if (rem == 0) break;
    if (rem >= N) {
      for (size_t t = 0; t < w; ++t) hn::Store(hn::LoadU(d, x + j + t), d, buf + t * N);
    } else {  // the last windows: lanes beyond them read +inf
      for (size_t t = 0; t < w; ++t) {
        for (size_t l = 0; l < N; ++l) buf[t * N + l] = l < rem ? x[j + l + t] : HUGE_VAL;
      }
    }
    for (size_t c = 0; c < ncmp; ++c) {
      double* HWY_RESTRICT pa = buf + cmp[2 * c] * N;
      double* HWY_RESTRICT pb = buf + cmp[2 * c + 1] * N;
      const auto a = hn::Load(d, pa);
      const auto b = hn::Load(d, pb);
      hn::Store(hn::Min(a, b), d, pa);
      hn::Store(hn::Max(a, b), d, pb);
    }
    if (rem >= N) {
      for (size_t r = 0; r < nr; ++r) hn::StoreU(hn::Load(d, buf + rk[r] * N), d, dst + r * nwin + j);
      j += N;
    } else {
      for (size_t r = 0; r < nr; ++r)
        for (size_t l = 0; l < rem; ++l) dst[r * nwin + j + l] = buf[rk[r] * N + l];
      j = nwin;
    }
  }
  return 0;
}

}  // namespace HWY_NAMESPACE
}  // namespace mwk
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
#include "hwy/hwy_table.h"
namespace mwk {
HWY_EXPORT(KvSort);
HWY_EXPORT(Network);

extern "C" int mwk_hwy_kv_sort(int64_t target, mwk_kv* kv, size_t m) {
  const size_t idx = HwyTableIndex(target);
  if (idx > HWY_MAX_DYNAMIC_TARGETS + 1) return -1;
  const auto fn = HWY_DISPATCH_TABLE(KvSort)[idx];
  if (fn == nullptr) return -1;
  return fn(kv, m);
}

extern "C" int mwk_hwy_q_network(int64_t target, const double* x, size_t nwin, size_t w, size_t p,
                                 const uint16_t* cmp, size_t ncmp, const uint16_t* rk, size_t nr,
                                 double* dst) {
  const size_t idx = HwyTableIndex(target);
  if (idx > HWY_MAX_DYNAMIC_TARGETS + 1) return -1;
  const auto fn = HWY_DISPATCH_TABLE(Network)[idx];
  if (fn == nullptr) return -1;
  return fn(x, nwin, w, p, cmp, ncmp, rk, nr, dst);
}
}  // namespace mwk
#endif  // HWY_ONCE
