"""``mwk reduce``: output equal to a NumPy reference row by row, other columns
intact, every failure as a one-line error with no partial output, --isolate
equal to the default path, partitioned output, Ctrl-C. Small generated data."""
from __future__ import annotations

import glob
import math
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

pl = pytest.importorskip("polars")
from mwk import cli  # noqa: E402

ROWS, CH, W = 24, 64, 7


# ------------------------------------------------------------------ helpers
def fsum_ref(x, w, mode="valid", decimate=1):
    """Independent reference: math.fsum over each full window (NaN elsewhere)."""
    x = [float(v) for v in x]
    n = len(x)
    if mode == "valid":
        out = [math.fsum(x[i:i + w]) / w for i in range(n - w + 1)]
    else:
        out = []
        for i in range(n):
            lo, hi = (i - w + 1, i + 1) if mode == "trailing" else (i - w // 2, i + (w - 1) // 2 + 1)
            out.append(math.fsum(x[lo:hi]) / w if lo >= 0 and hi <= n else math.nan)
    return np.array(out[::decimate])


def make_frame(rows=ROWS, ch=CH, dtype=np.float64, seed=0, start=0, as_list=False, null_row=None):
    rng = np.random.default_rng(seed)
    base = 100.0 + 10 * np.sin(np.linspace(0, 3, ch))
    x = (base + rng.standard_normal((rows, ch)) * 3).astype(dtype)
    x[:, ch // 3] += 1e4  # a narrowband spike
    spec = pl.Series("spectrum", x)
    if as_list:
        spec = spec.arr.to_list()
    if null_row is not None:
        spec = pl.select(pl.when(pl.int_range(rows) == null_row).then(None).otherwise(spec)).to_series()
        spec = spec.alias("spectrum")
    idx = np.arange(start, start + rows)
    return pl.DataFrame({
        "chunk": idx.astype(np.int32),
        "label": [None if i % 5 == 0 else f"c{i}" for i in idx],
        "spectrum": spec,
        "beam": (idx % 3).astype(np.int8),
    })


def write(df, path, **kw):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    df.write_parquet(path, row_group_size=kw.pop("row_group_size", 5), **kw)
    return path


def run(args, capsys):
    rc = cli.main(["reduce", *[str(a) for a in args]])
    out, err = capsys.readouterr()
    return rc, out, err


def assert_reduced(inp: "pl.DataFrame", out: "pl.DataFrame", w=W, mode="valid", decimate=1, dtype=None):
    assert out.columns == inp.columns
    for c in inp.columns:
        if c != "spectrum":
            assert out[c].to_list() == inp[c].to_list(), c
            assert out.schema[c] == inp.schema[c]
    for xv, yv in zip(inp["spectrum"].to_list(), out["spectrum"].to_list()):
        if xv is None:
            assert yv is None
            continue
        ref = fsum_ref(xv, w, mode, decimate)
        y = np.array(yv, dtype=np.float64)
        assert y.shape == ref.shape
        np.testing.assert_array_equal(np.isnan(y), np.isnan(ref))
        f32 = (dtype or inp.schema["spectrum"].inner) == pl.Float32
        np.testing.assert_allclose(y, ref, rtol=2e-7 if f32 else 1e-13, equal_nan=True)


def assert_one_line_error(rc, out, err, needle):
    assert rc != 0
    assert "Traceback" not in err
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1, err
    assert needle in lines[0], lines[0]


def no_leftovers(folder):
    left = [p for p in os.listdir(folder) if "mwk-tmp" in p]
    assert not left, left


# ------------------------------------------------------------ correctness
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("mode,decimate", [("valid", 1), ("trailing", 1), ("centered", 3), ("valid", 5)])
def test_matches_reference(tmp_path, capsys, dtype, mode, decimate):
    df = make_frame(dtype=dtype, null_row=4)
    src = write(df, str(tmp_path / "in.parquet"))
    dst = tmp_path / "out.parquet"
    rc, out, err = run([src, "-o", dst, "--window", W, "--mode", mode, "--decimate", decimate], capsys)
    assert rc == 0, err
    assert err == ""  # no progress bar when stderr is not a terminal
    assert "reduced 24 rows" in out and "projected for a day of 9,000" in out and "GB/s" in out
    res = pl.read_parquet(dst)
    n = CH - W + 1 if mode == "valid" else CH
    inner = pl.Float32 if dtype == np.float32 else pl.Float64
    assert res.schema["spectrum"] == pl.Array(inner, len(range(0, n, decimate)))
    assert_reduced(df, res, mode=mode, decimate=decimate)
    no_leftovers(tmp_path)


def test_list_column_and_dtype(tmp_path, capsys):
    df = make_frame(dtype=np.float32, as_list=True)
    src = write(df, str(tmp_path / "in.parquet"))
    dst = tmp_path / "out.parquet"
    rc, _, err = run([src, "-o", dst, "--window", W, "--dtype", "float64", "-q"], capsys)
    assert rc == 0, err
    res = pl.read_parquet(dst)
    assert res.schema["spectrum"] == pl.List(pl.Float64)
    # float64 output of float32 input: computed in float64 from the float32 values
    assert_reduced(df, res, dtype=pl.Float64)


@pytest.mark.parametrize("algorithm", ["naive", "ring", "prefix"])
def test_forced_algorithm(tmp_path, capsys, algorithm):
    df = make_frame(null_row=2)
    src = write(df, str(tmp_path / "in.parquet"))
    dst = tmp_path / "out.parquet"
    rc, _, err = run([src, "-o", dst, "--window", W, "--algorithm", algorithm, "-q"], capsys)
    assert rc == 0, err
    assert_reduced(df, pl.read_parquet(dst))


def test_folder_glob_and_order(tmp_path, capsys):
    a = make_frame(rows=10, start=0, seed=1)
    b = make_frame(rows=10, start=10, seed=2)
    write(a, str(tmp_path / "day" / "a.parquet"))
    write(b, str(tmp_path / "day" / "sub" / "b.parquet"))
    for inp in ([tmp_path / "day"], [str(tmp_path / "day" / "**" / "*.parquet")]):
        dst = tmp_path / "out.parquet"
        rc, _, err = run([*inp, "-o", dst, "--window", W, "-q", "--overwrite"], capsys)
        assert rc == 0, err
        assert_reduced(pl.concat([a, b]), pl.read_parquet(dst))


def test_isolate_equals_default(tmp_path, capsys):
    a, b = make_frame(rows=9, seed=3), make_frame(rows=11, start=9, seed=4)
    write(a, str(tmp_path / "day" / "a.parquet"))
    write(b, str(tmp_path / "day" / "b.parquet"))
    d1, d2 = tmp_path / "default.parquet", tmp_path / "isolated.parquet"
    assert run([tmp_path / "day", "-o", d1, "--window", W, "--decimate", 2, "-q"], capsys)[0] == 0
    rc, _, err = run([tmp_path / "day", "-o", d2, "--window", W, "--decimate", 2, "-q", "--isolate"], capsys)
    assert rc == 0, err
    r1, r2 = pl.read_parquet(d1), pl.read_parquet(d2)
    assert r1.equals(r2)
    assert_reduced(pl.concat([a, b]), r2, decimate=2)
    no_leftovers(tmp_path)


def test_partitioned_output(tmp_path, capsys):
    df = make_frame()
    src = write(df, str(tmp_path / "in.parquet"))
    dst = tmp_path / "parts"
    rc, _, err = run([src, "-o", dst, "--window", W, "--partition-by", "beam", "-q"], capsys)
    assert rc == 0, err
    assert sorted(os.listdir(dst)) == ["beam=0", "beam=1", "beam=2"]
    res = pl.read_parquet(str(dst / "**" / "*.parquet"), hive_partitioning=False).sort("chunk")
    assert_reduced(df, res.select(df.columns))
    for k in range(3):
        part = pl.read_parquet(str(dst / f"beam={k}" / "*.parquet"), hive_partitioning=False)
        assert set(part["beam"].to_list()) == {k}
    # an existing folder is only replaced with --overwrite
    rc, out, err = run([src, "-o", dst, "--window", W, "--partition-by", "beam", "-q"], capsys)
    assert_one_line_error(rc, out, err, "already exists")
    rc, _, err = run([src, "-o", dst, "--window", 3, "--partition-by", "beam", "-q", "--overwrite"], capsys)
    assert rc == 0, err
    res = pl.read_parquet(str(dst / "**" / "*.parquet"), hive_partitioning=False).sort("chunk")
    assert_reduced(df, res.select(df.columns), w=3)
    no_leftovers(tmp_path)


def test_isolate_partitioned(tmp_path, capsys):
    df = make_frame()
    write(df.head(12), str(tmp_path / "day" / "a.parquet"))
    write(df.tail(12), str(tmp_path / "day" / "b.parquet"))
    rc, _, err = run([tmp_path / "day", "-o", tmp_path / "p", "--window", W, "--partition-by", "beam",
                      "-q", "--isolate"], capsys)
    assert rc == 0, err
    res = pl.read_parquet(str(tmp_path / "p" / "**" / "*.parquet"), hive_partitioning=False).sort("chunk")
    assert_reduced(df, res.select(df.columns))


def test_synthetic_day(tmp_path, capsys):
    js = tmp_path / "s.json"
    rc, out, err = run(["--rows", 30, "--channels", 400, "--window", 50, "--check", 6,
                        "--summary-json", js], capsys)
    assert rc == 0, err
    assert "generated a synthetic day: 30 chunks x 400 channels" in out
    assert "6 sampled rows match the NumPy reference" in out
    import json

    s = json.loads(js.read_text())
    assert s["rows"] == 30 and s["channels_out"] == 351 and s["gb_per_s"] > 0


def test_synthetic_partitioned_checked(tmp_path, capsys):
    rc, out, err = run(["--rows", 20, "--channels", 200, "--window", 20, "--check", 4,
                        "--partition-by", "beam", "-o", tmp_path / "p"], capsys)
    assert rc == 0, err
    assert "sampled rows match" in out
    assert sorted(os.listdir(tmp_path / "p")) == ["beam=0", "beam=1", "beam=2", "beam=3"]


# ----------------------------------------------------------------- failures
def test_failures_are_one_line(tmp_path, capsys):
    good = write(make_frame(), str(tmp_path / "in.parquet"))
    os.makedirs(tmp_path / "empty")
    (tmp_path / "empty" / "notes.txt").write_text("x")
    write(pl.DataFrame({"spectrum": [1.0, 2.0]}), str(tmp_path / "scalar.parquet"))
    write(pl.DataFrame({"spectrum": [["a", "b"]]}), str(tmp_path / "strings.parquet"))
    o = tmp_path / "o.parquet"
    cases = [
        ([tmp_path / "missing.parquet", "-o", o], "no such file or folder"),
        ([tmp_path / "nodir", "-o", o], "no such file or folder"),
        ([tmp_path / "empty", "-o", o], "no Parquet files found"),
        ([str(tmp_path / "*.nothing"), "-o", o], "no Parquet files found"),
        ([good, "-o", o, "--column", "nope"], "column 'nope' not found"),
        ([tmp_path / "scalar.parquet", "-o", o], "expected Array"),
        ([tmp_path / "strings.parquet", "-o", o], "must be numbers"),
        ([good, "-o", o, "--window", CH + 1], f"larger than the {CH} channels"),
        ([good, "-o", tmp_path / "in.parquet" / "x.parquet"], "cannot write output"),
        ([good, "-o", tmp_path / "no" / "such" / "dir.parquet"], "does not exist"),
        ([good, "-o", tmp_path / "empty"], "is a folder"),
        ([good, "-o", o, "--partition-by", "nope"], "partition column 'nope' not found"),
        ([good], "-o OUTPUT is required"),
        ([good, "-o", o, "--rows", 5], "only applies to the synthetic day"),
        ([good, "-o", o, "--min-samples", W + 1, "--window", W], "--min-samples"),
    ]
    for args, needle in cases:
        if "--window" not in args:
            args = [*args, "--window", W]
        rc, out, err = run(args, capsys)
        assert_one_line_error(rc, out, err, needle)
    assert not o.exists()
    no_leftovers(tmp_path)


def test_bad_arguments_exit_2(capsys):
    with pytest.raises(SystemExit) as ei:
        cli.main(["reduce", "x", "--window", "0"])
    assert ei.value.code == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "--window must be >= 1" in err


def test_ragged_list_fails_midstream_without_output(tmp_path, capsys):
    rows = [[float(i)] * CH for i in range(20)] + [[1.0] * (CH - 1)]
    src = write(pl.DataFrame({"spectrum": rows}), str(tmp_path / "in.parquet"), row_group_size=4)
    dst = tmp_path / "out.parquet"
    dst.write_bytes(b"previous")  # a failed run leaves an existing output alone
    rc, out, err = run([src, "-o", dst, "--window", W, "-q", "--overwrite"], capsys)
    assert_one_line_error(rc, out, err, "ragged list lengths: row 20 of")
    assert "has 63 channels, expected 64" in err
    assert dst.read_bytes() == b"previous"
    no_leftovers(tmp_path)
    # also through --isolate
    rc, out, err = run([src, "-o", tmp_path / "o2.parquet", "--window", W, "-q", "--isolate"], capsys)
    assert_one_line_error(rc, out, err, "ragged list lengths")
    assert not (tmp_path / "o2.parquet").exists()
    no_leftovers(tmp_path)


def test_cloud_uri_reaches_polars(tmp_path, capsys):
    # no network here: the URI goes to scan_parquet untouched, and polars' own
    # error comes back as one line
    t = time.time()
    rc, out, err = run(["s3://mwk-no-such-bucket-327/day/x.parquet", "-o", tmp_path / "o.parquet",
                        "--window", W], capsys)
    assert_one_line_error(rc, out, err, "cannot read input")
    assert time.time() - t < 45
    assert not (tmp_path / "o.parquet").exists()


def _env():
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
    return env


def test_python_m_no_traceback(tmp_path):
    p = subprocess.run([sys.executable, "-m", "mwk", "reduce", str(tmp_path / "nope.parquet"), "-o",
                        str(tmp_path / "o.parquet")], capture_output=True, text=True, env=_env(), timeout=60)
    assert p.returncode == 1
    assert p.stderr.strip() == f"mwk reduce: error: no such file or folder: {tmp_path / 'nope.parquet'}"


def test_ctrl_c_stops_cleanly(tmp_path):
    # naive is O(channels x window): a few seconds for this small file
    rng = np.random.default_rng(0)
    df = pl.DataFrame({"spectrum": pl.Series("spectrum", rng.standard_normal((64, 30000)))})
    src = write(df, str(tmp_path / "in.parquet"), row_group_size=4)
    dst = tmp_path / "out.parquet"
    p = subprocess.Popen([sys.executable, "-m", "mwk", "reduce", src, "-o", str(dst), "--algorithm", "naive",
                          "--window", "3000", "--threads", "1"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_env())
    deadline = time.time() + 30
    while time.time() < deadline and not any("mwk-tmp" in f for f in os.listdir(tmp_path)):
        time.sleep(0.05)  # wait until the sink has started
    time.sleep(0.5)
    assert p.poll() is None
    p.send_signal(signal.SIGINT)
    out, err = p.communicate(timeout=60)
    assert p.returncode == 130, err
    assert "interrupted; no output written" in err and "Traceback" not in err
    assert not dst.exists()
    no_leftovers(tmp_path)
