"""``mwk reduce --time-window K``: each output channel smoothed over K
consecutive spectra (rows, in file and row order across the inputs) with the
stream API. Checked against an independent NumPy/fsum reference over the whole
concatenated day; an interrupted run (an exception, or kill -9) rerun gives
the same bytes as an uninterrupted one; any chunking gives the same bytes."""
from __future__ import annotations

import glob
import math
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

pl = pytest.importorskip("polars")
pytest.importorskip("pyarrow")
from mwk import cli  # noqa: E402
import mwk.reduce as mr  # noqa: E402

CH = 40
FILES = (7, 5, 9)  # rows per input file: windows straddle the file boundaries


def make_day(folder, dtype=np.float64, as_list=False, null_row=None, seed=0):
    rng = np.random.default_rng(seed)
    os.makedirs(folder, exist_ok=True)
    start, frames = 0, []
    for k, rows in enumerate(FILES):
        x = (100.0 + rng.standard_normal((rows, CH)) * 3).astype(dtype)
        spec = pl.Series("spectrum", x)
        if as_list:
            spec = spec.arr.to_list()
        idx = np.arange(start, start + rows)
        if null_row is not None and start <= null_row < start + rows:
            spec = pl.select(pl.when(pl.int_range(rows) == null_row - start).then(None).otherwise(spec)).to_series()
        df = pl.DataFrame({"chunk": idx.astype(np.int32), "spectrum": spec.alias("spectrum"),
                           "beam": (idx % 3).astype(np.int8)})
        df.write_parquet(os.path.join(folder, f"f{k}.parquet"), row_group_size=3)
        frames.append(df)
        start += rows
    return pl.concat(frames)


def run(args, capsys):
    rc = cli.main(["reduce", *[str(a) for a in args]])
    out, err = capsys.readouterr()
    return rc, out, err


def reference(day, w, mode, k, min_k=None):
    """fsum over each channel window (NaN where incomplete), then fsum over
    each trailing window of k rows per channel (NaN with fewer than min_k
    non-NaN rows; a null spectrum counts as a row of NaN)."""
    rows = []
    for v in day["spectrum"].to_list():
        x = [math.nan] * CH if v is None else [float(t) for t in v]
        if w == 0:
            rows.append(x)
        elif mode == "valid":
            rows.append([math.fsum(x[i:i + w]) / w for i in range(CH - w + 1)])
        else:
            rows.append([math.fsum(x[i - w + 1:i + 1]) / w if i >= w - 1 else math.nan for i in range(CH)])
    a = np.array(rows)
    min_k = min_k or k
    out = np.full_like(a, np.nan)
    for i in range(a.shape[0]):
        win = a[max(0, i - k + 1):i + 1]
        for c in range(a.shape[1]):
            vals = [t for t in win[:, c] if not math.isnan(t)]
            if len(vals) >= min_k:
                out[i, c] = math.fsum(vals) / len(vals)
    return out


@pytest.mark.parametrize("dtype,w,mode,k", [(np.float64, 5, "valid", 4), (np.float32, 3, "trailing", 6),
                                             (np.float64, 0, "valid", 8), (np.float64, 0, "valid", 25)])
def test_matches_reference_over_the_whole_day(tmp_path, capsys, dtype, w, mode, k):
    day = make_day(tmp_path / "in", dtype)
    out = tmp_path / "out.parquet"
    rc, o, e = run([tmp_path / "in", "-o", out, "--window", w, "--mode", mode, "--time-window", k,
                    "--rows-per-task", 4, "-q"], capsys)
    assert rc == 0, e
    got = pl.read_parquet(out)
    assert got["chunk"].to_list() == day["chunk"].to_list() and got["beam"].to_list() == day["beam"].to_list()
    y = np.array(got["spectrum"].to_list(), dtype=np.float64)
    ref = reference(day, w, mode, k)
    assert y.shape == ref.shape  # k = 25 > 21 rows: every row NaN (clipped windows, min count K)
    np.testing.assert_array_equal(np.isnan(y), np.isnan(ref))
    np.testing.assert_allclose(y, ref, rtol=2e-6 if dtype == np.float32 else 1e-13, equal_nan=True)
    assert got.schema["spectrum"].inner == (pl.Float32 if dtype == np.float32 else pl.Float64)
    md = pl.read_parquet_metadata(out)
    assert md["mwk.time_window"] == str(k)
    assert not glob.glob(str(tmp_path / ".out.parquet.mwk-*")), "work folder left behind"


def test_list_column_null_row_and_min_samples(tmp_path, capsys):
    day = make_day(tmp_path / "in", as_list=True, null_row=6)
    out = tmp_path / "out.parquet"
    rc, o, e = run([tmp_path / "in", "-o", out, "--window", 4, "--mode", "valid", "--time-window", 3,
                    "--time-min-samples", 2, "--decimate", 2, "-q"], capsys)
    assert rc == 0, e
    got = pl.read_parquet(out)
    assert got.schema["spectrum"] == pl.List(pl.Float64)
    vals = got["spectrum"].to_list()
    assert vals[6] is None  # a null spectrum stays null (and is a NaN row in its neighbours' windows)
    ref = reference(day, 4, "valid", 3, min_k=2)[:, ::2]
    for i, v in enumerate(vals):
        if i != 6:
            np.testing.assert_allclose(np.array(v), ref[i], rtol=1e-13, equal_nan=True)
            np.testing.assert_array_equal(np.isnan(np.array(v)), np.isnan(ref[i]))


def test_any_chunking_same_bytes(tmp_path, capsys, monkeypatch):
    """Pushes of one row at a time (MWK_STEP_BYTES tiny), of whole files, and
    with --isolate: the same bytes."""
    make_day(tmp_path / "in", np.float32)
    args = ["--window", 3, "--time-window", 5, "-q"]
    rc, _, e = run([tmp_path / "in", "-o", tmp_path / "a.parquet", *args], capsys)
    assert rc == 0, e
    monkeypatch.setenv("MWK_STEP_BYTES", "1")
    rc, _, e = run([tmp_path / "in", "-o", tmp_path / "b.parquet", "--rows-per-task", 2, *args], capsys)
    assert rc == 0, e
    monkeypatch.delenv("MWK_STEP_BYTES")
    rc, _, e = run([tmp_path / "in", "-o", tmp_path / "c.parquet", "--isolate", *args], capsys)
    assert rc == 0, e
    a, b, c = ((tmp_path / f"{n}.parquet").read_bytes() for n in "abc")
    assert a == b == c


def _interrupt_at(unit):
    def hook(u):
        if u == unit:
            raise RuntimeError("injected failure")
    return hook


def test_interrupted_and_resumed_gives_the_same_bytes(tmp_path, capsys, monkeypatch):
    make_day(tmp_path / "in")
    args = ["--window", 5, "--time-window", 4, "--rows-per-task", 3, "-q"]
    rc, _, e = run([tmp_path / "in", "-o", tmp_path / "ref.parquet", *args], capsys)
    assert rc == 0, e
    out = tmp_path / "out.parquet"
    monkeypatch.setattr(mr, "_time_hook", _interrupt_at(3))
    rc, _, e = run([tmp_path / "in", "-o", out, *args], capsys)
    assert rc == 1 and "injected failure" in e and not out.exists()
    work = glob.glob(str(tmp_path / ".out.parquet.mwk-time-*"))
    assert len(work) == 1 and os.path.exists(os.path.join(work[0], "state-00003.bin"))
    monkeypatch.setattr(mr, "_time_hook", None)
    state = os.path.join(work[0], "state-00003.bin")
    good = open(state, "rb").read()
    with open(state, "wb") as fh:  # a damaged state is a one-line error, never a wrong result
        fh.write(good[:-5])
    rc, o, e = run([tmp_path / "in", "-o", out, *args], capsys)
    assert rc == 1 and "cannot resume from" in e and "not a valid mwk stream state" in e and not out.exists()
    with open(state, "wb") as fh:
        fh.write(good)
    rc, o, e = run([tmp_path / "in", "-o", out, "--window", 5, "--time-window", 4, "--rows-per-task", 3], capsys)
    assert rc == 0, e
    assert "4 units resumed" in o
    assert out.read_bytes() == (tmp_path / "ref.parquet").read_bytes()
    assert not glob.glob(str(tmp_path / ".out.parquet.mwk-*"))
    # different parameters: a fresh start, not a resume of the other run's state
    monkeypatch.setattr(mr, "_time_hook", _interrupt_at(1))
    assert run([tmp_path / "in", "-o", tmp_path / "x.parquet", *args], capsys)[0] == 1
    monkeypatch.setattr(mr, "_time_hook", None)
    rc, o, e = run([tmp_path / "in", "-o", tmp_path / "x.parquet", "--window", 5, "--time-window", 3,
                    "--rows-per-task", 3], capsys)
    assert rc == 0 and "units resumed" not in o
    assert not glob.glob(str(tmp_path / ".x.parquet.mwk-*"))  # the stale work folder is gone too


def test_kill_9_mid_run_then_resume(tmp_path, capsys):
    make_day(tmp_path / "in", np.float32)
    args = [str(tmp_path / "in"), "--window", "3", "--time-window", "6", "--rows-per-task", "2", "-q"]
    rc, _, e = run([*args[:1], "-o", tmp_path / "ref.parquet", *args[1:]], capsys)
    assert rc == 0, e
    out = tmp_path / "out.parquet"
    code = textwrap.dedent(f"""
        import os, signal, sys
        import mwk.reduce as mr
        from mwk import cli
        mr._time_hook = lambda u: os.kill(os.getpid(), signal.SIGKILL) if u == 4 else None
        sys.exit(cli.main(["reduce", {args[0]!r}, "-o", {str(out)!r}, *{args[1:]!r}]))
    """)
    p = subprocess.run([sys.executable, "-c", code], timeout=120, capture_output=True)
    assert p.returncode == -9, p.stderr.decode()[-2000:]
    assert not out.exists()
    rc, _, e = run([*args[:1], "-o", out, *args[1:]], capsys)
    assert rc == 0, e
    assert out.read_bytes() == (tmp_path / "ref.parquet").read_bytes()


def test_argument_errors(tmp_path, capsys):
    make_day(tmp_path / "in")
    for extra, needle in ((["--time-window", 3, "--dask", "local:1"], "does not work with --dask"),
                          (["--time-min-samples", 2], "needs --time-window"),
                          (["--time-window", 3, "--time-min-samples", 4], "between 1 and the time window")):
        rc, o, e = run([tmp_path / "in", "-o", tmp_path / "o.parquet", *extra], capsys)
        assert rc == 1 and needle in e and "Traceback" not in e, (extra, e)
        assert not (tmp_path / "o.parquet").exists()
    with pytest.raises(SystemExit) as ei:  # an argument error, as --window -1
        cli.main(["reduce", str(tmp_path / "in"), "-o", str(tmp_path / "o.parquet"), "--window", "0"])
    assert ei.value.code == 2 and "only with --time-window" in capsys.readouterr().err


def test_partitioned_output_keeps_the_day_order(tmp_path, capsys):
    """The time windows run over the rows in input order; --partition-by only
    sorts the result into folders."""
    day = make_day(tmp_path / "in")
    rc, _, e = run([tmp_path / "in", "-o", tmp_path / "out", "--window", 5, "--time-window", 4,
                    "--partition-by", "beam", "-q"], capsys)
    assert rc == 0, e
    ref = reference(day, 5, "valid", 4)
    seen = 0
    for b in range(3):
        df = pl.read_parquet(str(tmp_path / "out" / f"beam={b}" / "*.parquet"), hive_partitioning=False)
        y = np.array(df["spectrum"].to_list())
        np.testing.assert_allclose(y, ref[df["chunk"].to_numpy()], rtol=1e-13, equal_nan=True)
        seen += df.height
    assert seen == day.height
