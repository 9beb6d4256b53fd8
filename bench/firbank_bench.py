"""FIR filter bank (issue 11): one thread, float64, n = 1e6, K = 16 filters
of w = 1000 random taps, mode='valid'.

    mwk.move_fir_bank (auto, fft, direct, gemm when built with BLAS) against
    sixteen separate scipy.signal.oaconvolve calls (the fastest peer for one
    filter), with the largest difference from oaconvolve as a check;
    --crossover: direct / fft / gemm over (K, w) at n = 200,000, in ns per
    output and filter (the measurement behind kernels/firbank/firbank.c's
    auto rule).

Not a timed test: ratios are measured in the same run (the machine is
shared and loaded: run it a few times). Usage:
    .venv/bin/python bench/firbank_bench.py [--crossover] [--repeat 3] [--n 1000000]
"""
import argparse
import os
import platform
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402

import mwk  # noqa: E402


def best(fn, repeat):
    t = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        t = min(t, time.perf_counter() - t0)
    return t


def crossover(repeat):
    n = 200_000
    rng = np.random.default_rng(1)
    x = rng.standard_normal(n)
    algos = [a for a in ("direct", "fft", "gemm") if mwk.runtime_info()["algorithms"].get(a)]
    print("K     w  " + "  ".join(f"{a:>8}" for a in algos) + "   (ns per output and filter)")
    for K in (2, 4, 16, 32):
        for w in (4, 8, 16, 32, 64, 128, 256, 1000):
            taps = rng.random((K, w))
            row = []
            for a in algos:
                t = best(lambda: mwk.move_fir_bank(x, taps, mode="valid", algorithm=a, threads=1), repeat)
                row.append(t / n / K * 1e9)
            print(f"{K:<3} {w:>5}  " + "  ".join(f"{v:8.2f}" for v in row))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--K", type=int, default=16)
    ap.add_argument("--w", type=int, default=1000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--crossover", action="store_true")
    args = ap.parse_args()
    if args.crossover:
        return crossover(args.repeat)
    import scipy
    import scipy.signal as ss

    n, K, w, R = args.n, args.K, args.w, args.repeat
    rng = np.random.default_rng(0)
    x = rng.standard_normal(n)
    taps = rng.random((K, w))
    info = mwk.runtime_info()
    print(f"machine: {platform.machine()} {platform.processor() or ''} cores={os.cpu_count()} "
          f"target={info['target']} blas={info['versions'].get('blas')}")
    print(f"numpy {np.__version__}, scipy {scipy.__version__}; n={n}, K={K}, w={w}, one thread, "
          "valid windows")

    def peer():
        # oaconvolve convolves: reversed taps give the correlation (oldest first)
        return [ss.oaconvolve(x, taps[k][::-1], mode="valid") for k in range(K)]

    ref = np.stack(peer(), axis=-1)
    t_peer = best(peer, R)
    print(f"{'16 x scipy.signal.oaconvolve':<30} {t_peer * 1e3:9.1f} ms  {t_peer / n * 1e9:8.1f} ns/element")
    algos = ["auto", "fft", "direct"] + (["gemm"] if info["algorithms"].get("gemm") else [])
    for a in algos:
        if a in ("direct", "gemm") and n * K * w > 4e9:
            n_a = n // 10  # O(n K w): a tenth of the row, scaled
        else:
            n_a = n
        xa = x[:n_a]
        y = mwk.move_fir_bank(xa, taps, mode="valid", algorithm=a, threads=1)
        err = float(np.max(np.abs(y - ref[: y.shape[0]]) / (np.abs(taps).sum(axis=1) * np.abs(x).max())))
        t = best(lambda: mwk.move_fir_bank(xa, taps, mode="valid", algorithm=a, threads=1), R) * n / n_a
        print(f"{'mwk move_fir_bank ' + a:<30} {t * 1e3:9.1f} ms  {t / n * 1e9:8.1f} ns/element  "
              f"x{t_peer / t:5.2f} vs oaconvolve  (max err / (sum|w| max|x|) {err:.1e})"
              + ("  [timed on n/10, scaled]" if n_a != n else ""))


if __name__ == "__main__":
    main()
