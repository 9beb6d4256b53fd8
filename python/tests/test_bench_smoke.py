"""Smoke test of the Python benchmarks in bench/: each runs with --quick in a
subprocess, exits 0 and writes its Markdown table. Speed is never asserted."""
from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"

NEEDS = {
    "seed_table.py": ("numba", "scipy", "pandas", "polars", "bottleneck", "matplotlib"),
    "day.py": ("scipy", "bottleneck", "matplotlib"),
    "accuracy.py": ("numba", "scipy", "pandas", "polars", "bottleneck", "matplotlib"),
    "polars_bench.py": ("polars", "bottleneck", "matplotlib"),
    # numbagg is optional there: a missing peer is reported, not fatal
    "stats_bench.py": ("scipy", "pandas", "polars", "bottleneck", "matplotlib"),
}


def _check_stats_bench(out: Path, md: str) -> None:
    """Every registry statistic that takes only the window has a chart (quantile and the
    weighted ones have bench/order_bench.py and bench/weighted_bench.py), and every goal a
    met/MISSED verdict."""
    import mwk

    plain = [s for s in mwk.statistics() if not s.get("positional") and "weights" not in s["params"]]
    assert {"mean", "sum", "var", "std", "min", "max", "argmin", "argmax", "median", "rank"} <= {
        s["name"] for s in plain}
    for s in plain:
        assert (out / f"stats_{s['name']}.png").exists(), f"no chart for {s['name']}"
        assert f"### move_{s['name']}" in md
    goals = [line for line in md.splitlines() if line.startswith("| move_") or line.startswith("| seed case")]
    assert len(goals) >= 8, md[:3000]
    assert all(("met" in g or "MISSED" in g) for g in goals), goals


EXTRA_CHECKS = {"stats_bench.py": _check_stats_bench}


@pytest.fixture(scope="module")
def numba_cache(tmp_path_factory):
    """One numba cache for the module's runs: accuracy.py compiles seed_table.py's
    ring with cache=True, and numbagg's kernels are the same wherever a script
    uses them, so each is compiled once per session instead of once per script
    (numba keys its cache on the function's source file, path and timestamp,
    and on the argument types)."""
    return tmp_path_factory.mktemp("numba-cache")


@pytest.mark.parametrize("script", sorted(NEEDS))
def test_bench_quick(script, tmp_path, numba_cache):
    if not (BENCH / script).exists():
        pytest.skip(f"bench/{script} not in this checkout")
    missing = [m for m in NEEDS[script] if importlib.util.find_spec(m) is None]
    if missing:
        pytest.skip(f"bench/{script} needs {', '.join(missing)} (pip install -r bench/requirements.txt)")
    env = dict(os.environ, MPLBACKEND="Agg", NUMBA_CACHE_DIR=str(numba_cache))
    env.pop("MWK_TARGET", None)
    p = subprocess.run([sys.executable, str(BENCH / script), "--quick", "--out", str(tmp_path)],
                       capture_output=True, text=True, env=env, timeout=600)
    assert p.returncode == 0, f"exit {p.returncode}\n{p.stdout[-3000:]}\n{p.stderr[-3000:]}"
    md = tmp_path / (Path(script).stem + ".md")
    assert md.exists() and md.stat().st_size > 200, f"no Markdown written\n{p.stdout[-2000:]}"
    assert "| method" in md.read_text()
    assert (tmp_path / (Path(script).stem + ".png")).exists()
    if script in EXTRA_CHECKS:
        EXTRA_CHECKS[script](tmp_path, md.read_text())
