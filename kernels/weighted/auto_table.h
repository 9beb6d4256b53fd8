/* Crossover table for MWK_ALGO_AUTO (weighted_sum, weighted_mean): data,
 * not code. Measured by bench/weighted_bench.py --crossover (direct against
 * fft, one thread, float64, n = 10^6, random taps) on the shared AMD EPYC
 * (avx2), loaded (2026-11-29: direct 28.8 / fft 30.5 ns per element at w = 128,
 * 47.4 / 32.4 at w = 192; fft's cost is flat in w, ~31-38 ns). fft is allowed here with its documented, weaker bound
 * (include/mwk.h, MWK_STAT_WEIGHTED_SUM); builds without FFTW skip the row
 * (the engine checks availability) and fall back to direct. */
#ifndef MWK_WEIGHTED_AUTO_TABLE_H
#define MWK_WEIGHTED_AUTO_TABLE_H
#include "engine.h"

static const mwk_auto_rule WEIGHTED_AUTO_RULES[] = {
    {"*", 160, MWK_ALGO_DIRECT},
    {"*", SIZE_MAX, MWK_ALGO_FFT},
};

#endif
