"""Weighted windows (issue 11): one thread, float64, n = 1e6.

    w = 1000 random taps: mwk move_weighted_mean (auto, direct, fft) against
        scipy.signal.oaconvolve (the fastest peer) and Polars
        rolling_mean(weights=...);
    w = 10: mwk against numpy.convolve;
    --crossover: direct against fft over w, for kernels/weighted/auto_table.h;
    --spectrometer: the batch of the brief (2000 x 30000 float32, Gaussian
        taps, w = 1001, valid) in GB/s (input + output) against the copy
        floor (numpy copying the same bytes), one thread and all threads,
        with scipy.signal.oaconvolve over the batch (axes=-1) beside it.

Not a timed test: ratios are measured in the same run (the machine is
shared and loaded: run it a few times). Usage:
    .venv/bin/python bench/weighted_bench.py [--crossover] [--spectrometer [--rows 2000]] [--repeat 5]
"""
import argparse
import os
import time

os.environ.setdefault("POLARS_MAX_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402

import mwk  # noqa: E402


def best(fn, repeat):
    t = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        t = min(t, time.perf_counter() - t0)
    return t


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--crossover", action="store_true")
    ap.add_argument("--no-polars", action="store_true")
    ap.add_argument("--spectrometer", action="store_true")
    ap.add_argument("--rows", type=int, default=2000)
    args = ap.parse_args()
    if args.spectrometer:
        return spectrometer(args.rows, args.repeat)
    n, R = args.n, args.repeat
    rng = np.random.default_rng(0)
    x = rng.standard_normal(n)
    info = mwk.runtime_info()
    print(f"mwk {info['version']} target {info['target']}, n = {n}, one thread, best of {R}")

    def ns(t):
        return t / n * 1e9

    rows = []
    for w in (1000, 10):
        taps = rng.uniform(0.1, 1.0, w)
        res = {}
        for algo in ("auto", "direct", "fft"):
            res["mwk " + algo] = best(lambda: mwk.move_weighted_mean(x, taps, mode="valid", algorithm=algo,
                                                                    threads=1), R)
        if w == 1000:
            import scipy.signal as ss

            tr = taps[::-1].copy()
            s = taps.sum()
            res["scipy oaconvolve"] = best(lambda: ss.oaconvolve(x, tr, mode="valid") / s, R)
            if not args.no_polars:
                import polars as pl

                sx = pl.Series(x)
                tl = taps.tolist()
                res["polars rolling_mean(weights)"] = best(lambda: sx.rolling_mean(w, weights=tl), max(1, R // 3))
        else:
            tr = taps[::-1].copy()
            s = taps.sum()
            res["numpy convolve"] = best(lambda: np.convolve(x, tr, mode="valid") / s, R)
        base = res["mwk auto"]
        print(f"\nw = {w}: ns/element (ratio = peer / mwk auto)")
        for k, t in res.items():
            print(f"  {k:32s} {ns(t):9.2f}   {t / base:6.2f}x")
            rows.append((w, k, ns(t), t / base))

    if args.crossover:
        print("\ncrossover: direct vs fft (ns/element)")
        for w in (8, 16, 24, 32, 48, 64, 96, 128, 192, 256):
            taps = rng.uniform(0.1, 1.0, w)
            td = best(lambda: mwk.move_weighted_mean(x, taps, mode="valid", algorithm="direct", threads=1), R)
            tf = best(lambda: mwk.move_weighted_mean(x, taps, mode="valid", algorithm="fft", threads=1), R)
            print(f"  w {w:4d}: direct {ns(td):7.2f}  fft {ns(tf):7.2f}  {'direct' if td <= tf else 'fft'}")


def spectrometer(rows, R):
    """GB/s of the Gaussian smoothing of a day's chunk batch against the copy floor."""
    import scipy.signal as ss

    n, w = 30000, 1001
    rng = np.random.default_rng(1)
    x = rng.standard_normal((rows, n), dtype=np.float32) + np.float32(100)
    taps = mwk.window_taps("gaussian", w, 150.0)
    nout = n - w + 1
    out = np.empty((rows, nout), np.float32)
    gb = (x.nbytes + out.nbytes) / 1e9
    dst = np.empty_like(x)
    t_copy = best(lambda: np.copyto(dst, x), R)  # reads and writes x.nbytes each
    floor = 2 * x.nbytes / 1e9 / t_copy
    info = mwk.runtime_info()
    print(f"spectrometer batch: {rows} x {n} float32, gaussian(std 150) taps, w = {w}, valid, "
          f"target {info['target']}, {os.cpu_count()} CPUs, best of {R}")
    print(f"  copy floor (numpy copyto, in+out)         {floor:7.2f} GB/s")
    res = {}
    for algo in ("auto", "fft", "direct"):
        for th in (1, None):
            if algo == "direct" and th is None:
                continue
            t = best(lambda: mwk.move_weighted_mean(x, taps, mode="valid", algorithm=algo, threads=th, out=out),
                     R if algo != "direct" else 1)
            res[f"mwk {algo} threads={'all' if th is None else 1}"] = t
    tr = taps[::-1].copy()
    s = taps.sum()
    res["scipy oaconvolve(axes=-1) / sum"] = best(lambda: ss.oaconvolve(x, tr[None, :], mode="valid", axes=-1) / s,
                                                 max(1, R // 2))
    for k, t in res.items():
        print(f"  {k:42s} {gb / t:7.2f} GB/s   {t:7.3f} s   x copy floor {floor / (gb / t):5.1f}")


if __name__ == "__main__":
    main()
