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
#include "hwy/contrib/sort/traits-inl.h"
#include "hwy/contrib/sort/vqsort-inl.h"
#endif

#include "common/qsortblock.h"

HWY_BEFORE_NAMESPACE();
namespace mwk {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// Sorts a[0, m) ascending. This is vqsort-inl.h's Sort() with a fixed-seed
// generator: Sort() seeds from Sorter::Fill24Bytes, which lives in
// libhwy_contrib (not linked, and not built for the wheels); the seed only
// steers pivot sampling.
int U64Sort(uint64_t* a, size_t m) {
#if MWK_HAVE_VQSORT && VQSORT_ENABLED
  namespace hs = hwy::HWY_NAMESPACE;
#if HWY_MAX_BYTES > 64
  const hn::CappedTag<uint64_t, 8> d;  // the sorting networks assume <= 512 bits
#else
  const hs::SortTag<uint64_t> d;
#endif
  const hs::detail::SharedTraits<hs::detail::TraitsLane<hs::detail::OrderAscending<uint64_t>>> st;
#if HWY_HAVE_SCALABLE
  auto storage = hwy::AllocateAligned<uint64_t>(hwy::SortConstants::BufNum<uint64_t>(hn::Lanes(d)));
  if (!storage) return -1;
  uint64_t* buf = storage.get();
#else
  HWY_ALIGN uint64_t buf[hwy::SortConstants::BufNum<uint64_t>(HWY_LANES(uint64_t))] = {};
#endif
  if (hs::detail::HandleSpecialCases(d, st, a, m)) return 0;
  hs::detail::Generator rng(static_cast<uint64_t>(m) * 0x9E3779B97F4A7C15ull);
  hs::detail::Recurse(d, st, a, a + m, m, buf, rng, 2 * hwy::CeilLog2(m) + 4);
  return 0;
#else
  (void)a;
  (void)m;
  return -1;
#endif
}

constexpr size_t kNetMaxP = 32;
constexpr size_t kNetMaxLanes = HWY_MAX_BYTES / sizeof(double) > 8 ? 8 : HWY_MAX_BYTES / sizeof(double);
constexpr size_t kNetGroups = 4;  // vectors per wire: one comparator index load serves 4N windows

int Network(const double* HWY_RESTRICT x, size_t nwin, size_t w, size_t p,
            const uint16_t* HWY_RESTRICT cmp, size_t ncmp, const uint16_t* HWY_RESTRICT rk,
            size_t nr, double* HWY_RESTRICT dst) {
  // At most 8 lanes (512 bits) so that the buffer stays small on SVE/RVV.
  const hn::CappedTag<double, kNetMaxLanes> d;
  const size_t N = hn::Lanes(d);
  constexpr size_t G = kNetGroups;
  const size_t GN = G * N;
  if (p > kNetMaxP || w > p) return -1;
  HWY_ALIGN double buf[kNetMaxP * kNetGroups * kNetMaxLanes];
  const auto inf = hn::Set(d, HUGE_VAL);
  for (size_t t = w; t < p; ++t)
    for (size_t g = 0; g < G; ++g) hn::Store(inf, d, buf + (t * G + g) * N);
  for (size_t j = 0; j < nwin; j += GN) {
    const size_t rem = nwin - j < GN ? nwin - j : GN;
    if (rem == GN) {
      for (size_t t = 0; t < w; ++t)
        for (size_t g = 0; g < G; ++g)
          hn::Store(hn::LoadU(d, x + j + g * N + t), d, buf + (t * G + g) * N);
    } else {  // the last windows: lanes beyond them read +inf
      for (size_t t = 0; t < w; ++t)
        for (size_t l = 0; l < GN; ++l) buf[t * GN + l] = l < rem ? x[j + l + t] : HUGE_VAL;
    }
    for (size_t c = 0; c < ncmp; ++c) {
      double* HWY_RESTRICT pa = buf + cmp[2 * c] * GN;
      double* HWY_RESTRICT pb = buf + cmp[2 * c + 1] * GN;
      for (size_t g = 0; g < G; ++g) {
        const auto a = hn::Load(d, pa + g * N);
        const auto b = hn::Load(d, pb + g * N);
        hn::Store(hn::Min(a, b), d, pa + g * N);
        hn::Store(hn::Max(a, b), d, pb + g * N);
      }
    }
    if (rem == GN) {
      for (size_t r = 0; r < nr; ++r)
        for (size_t g = 0; g < G; ++g)
          hn::StoreU(hn::Load(d, buf + rk[r] * GN + g * N), d, dst + r * nwin + j + g * N);
    } else {
      for (size_t r = 0; r < nr; ++r)
        for (size_t l = 0; l < rem; ++l) dst[r * nwin + j + l] = buf[rk[r] * GN + l];
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
HWY_EXPORT(U64Sort);
HWY_EXPORT(Network);

extern "C" int mwk_hwy_u64_sort(int64_t target, uint64_t* a, size_t m) {
  const size_t idx = HwyTableIndex(target);
  if (idx > HWY_MAX_DYNAMIC_TARGETS + 1) return -1;
  const auto fn = HWY_DISPATCH_TABLE(U64Sort)[idx];
  if (fn == nullptr) return -1;
  return fn(a, m);
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
