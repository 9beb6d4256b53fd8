"""A Polars ETL step with the mwk plugin: scan_parquet -> .mwk -> sink_parquet.

Ticks for a few symbols are written to Parquet, then one lazy query adds a
per-symbol rolling mean (Polars' semantics, mwk's kernel) and a smoothed
spectrum column, and streams the result into a new Parquet file.

    python examples/polars_etl.py [WORKDIR]
"""
from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import numpy as np
import polars as pl

import mwk.polars  # noqa: F401  (registers the .mwk namespace)
from mwk.polars import MwkExprNamespace, MwkSeriesNamespace


def write_input(path: Path, rows: int = 60_000) -> None:
    rng = np.random.default_rng(7)
    symbols = np.array(["AAA", "BBB", "CCC"])[rng.integers(0, 3, rows)]
    price = 100 + np.cumsum(rng.normal(scale=0.1, size=rows))
    spectrum = rng.normal(size=(rows, 16))
    pl.DataFrame(
        {"t": np.arange(rows), "symbol": symbols, "price": price, "spectrum": spectrum},
        schema={"t": pl.Int64, "symbol": pl.String, "price": pl.Float64,
                "spectrum": pl.Array(pl.Float64, 16)},
    ).write_parquet(path, row_group_size=10_000)


def etl(src: Path, dst: Path) -> None:
    (
        pl.scan_parquet(src)
        .with_columns(
            # along the rows, per symbol: Polars' rolling_mean semantics
            price_ma=pl.col("price").mwk.rolling_mean(50, min_samples=1).over("symbol"),
            # inside each row: a moving mean over the 16 channels
            spectrum_smooth=pl.col("spectrum").mwk.moving_mean(4, mode="valid"),
        )
        .filter(pl.col("t") % 2 == 0)
        .sink_parquet(dst)
    )


def main() -> None:
    if len(sys.argv) > 1:
        run(Path(sys.argv[1]))
    else:
        with tempfile.TemporaryDirectory(prefix="mwk-etl-") as tmp:
            run(Path(tmp))


def run(work: Path) -> None:
    work.mkdir(parents=True, exist_ok=True)
    src, dst = work / "ticks.parquet", work / "ticks_smoothed.parquet"
    write_input(src)
    etl(src, dst)

    out = pl.read_parquet(dst).sort("t")
    print(out.head(3))
    # check against Polars' own rolling_mean and NumPy
    want = (pl.read_parquet(src)
            .with_columns(w=pl.col("price").rolling_mean(50, min_samples=1).over("symbol"))
            .filter(pl.col("t") % 2 == 0).sort("t"))
    assert np.allclose(out["price_ma"].to_numpy(), want["w"].to_numpy(), rtol=1e-12)
    spec = out["spectrum"].to_numpy()
    smooth = out["spectrum_smooth"].to_numpy()
    ref = np.stack([np.convolve(r, np.ones(4) / 4, "valid") for r in spec])
    assert smooth.shape == (out.height, 13) and np.allclose(smooth, ref)
    # the same methods on a Series
    s = pl.Series("price", [1.0, 2.0, 3.0, 4.0])
    assert s.mwk.rolling_mean(2).to_list() == [None, 1.5, 2.5, 3.5]
    # the namespace classes called directly: the same calls, in a form that
    # type checkers without mwk's mypy plugin (pyright) accept as well
    assert MwkSeriesNamespace(s).rolling_mean(2).to_list() == [None, 1.5, 2.5, 3.5]
    expr = MwkExprNamespace(pl.col("price")).rolling_mean(2)
    assert s.to_frame().select(expr).to_series().to_list() == [None, 1.5, 2.5, 3.5]
    print(f"{out.height} rows written to {dst}; rolling and moving means checked")


if __name__ == "__main__":
    main()
