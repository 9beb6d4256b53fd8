"""``mwk reduce --clean hampel``: RFI channels flagged and replaced by the
window median before the smoothing.

On the synthetic day (which has narrowband lines in every row and bursts of 8
bright channels in about 5% of rows), generated a second time without them
(``rfi=False``: the same random draws, so every other channel is identical):

* the cleaned-and-smoothed output matches the smoothing of the clean day
  within a stated tolerance, while without ``--clean`` the spikes bias it by
  orders of magnitude more (so the comparison can fail);
* every injected channel is flagged, and the extra flags (noise beyond 5
  sigmas of a 31-channel MAD) stay below a stated rate;
* ``rfi_flagged`` / ``rfi_mask`` equal a plain-NumPy Hampel filter's flags,
  and the summary and the Parquet metadata report them.

Then: every other option (mode, decimate, dtype, List input, null rows,
partition-by, isolate, rows-per-task) against the NumPy model, the Dask path
bit-identical to one machine, and the argument errors.
"""
from __future__ import annotations

import json
import os

import numpy as np
import pytest

pl = pytest.importorskip("polars")
import mwk  # noqa: E402
from mwk import cli  # noqa: E402
from mwk._clean import hampel_reference  # noqa: E402
from mwk._reduce_check import reference_row, synth_spectra  # noqa: E402

from test_reduce import assert_one_line_error, fsum_ref, make_frame, run, write  # noqa: E402

pytestmark = pytest.mark.skipif(not hasattr(mwk, "hampel"), reason="this build has no mwk.hampel")

ROWS, CHANNELS, SMOOTH, SEED = 120, 3000, 64, 327
CW, SIGMAS = 31, 5.0  # the defaults of --clean-window / --clean-sigmas


def _day_args(out, *extra):
    return ["--rows", ROWS, "--channels", CHANNELS, "--window", SMOOTH, "--seed", SEED, "-o", out, "-q", *extra]


@pytest.fixture(scope="module")
def day():
    """The synthetic day's spectra with and without the interference (row i is chunk i)."""
    idx = np.arange(ROWS)
    spiky = synth_spectra(idx, CHANNELS, SEED)
    clean = synth_spectra(idx, CHANNELS, SEED, rfi=False)
    injected = spiky != clean
    # the test needs both kinds of interference: lines in every row, and bursts
    assert injected.all(axis=1).sum() == 0 and injected.sum(axis=1).min() >= 6
    assert (injected.sum(axis=1) > 6).sum() >= 2
    return spiky, clean, injected


@pytest.fixture(scope="module")
def cleaned_run(tmp_path_factory):
    """One cleaning run of the synthetic day through the command line (with the
    mask and the JSON summary), shared by the checks below."""
    tmp = tmp_path_factory.mktemp("clean")
    out, js = tmp / "out.parquet", tmp / "summary.json"
    rc = cli.main(["reduce", *map(str, _day_args(out, "--clean", "hampel", "--clean-mask", "--check", "4",
                                                 "--summary-json", js))])
    assert rc == 0
    df = pl.read_parquet(out).sort("chunk")
    return df, json.loads(js.read_text()), pl.read_parquet_metadata(str(out))


def _smoothed(df):
    return np.array(df["spectrum"].to_list(), dtype=np.float64)


def _reference(rows):
    """Smoothing (window SMOOTH, valid) of each row by the longdouble prefix-sum reference."""
    return np.stack([reference_row(r, SMOOTH)[0] for r in rows])


def _tolerance(clean, affected_count):
    """Per output channel: 8 noise sigmas per replaced channel in its window,
    / SMOOTH, plus float32 output rounding (see test_clean_matches_the_clean_day)."""
    sigma = 0.05 * _reference(clean)  # the synthetic noise is 5% of the signal
    return 8.0 * sigma * affected_count / SMOOTH + 4 * 2.0**-24 * np.abs(_reference(clean))


def _affected(flags_or_injected):
    """How many flagged-or-injected channels each valid window of SMOOTH holds."""
    c = np.cumsum(np.pad(flags_or_injected.astype(np.int64), ((0, 0), (1, 0))), axis=1)
    return c[:, SMOOTH:] - c[:, :-SMOOTH]


def test_clean_matches_the_clean_day(day, cleaned_run):
    """The tolerance. Away from any replaced channel the cleaned input is the
    clean day itself, so the outputs agree to float32 rounding (the kernel
    runs in float32, 4 ulps). A replaced channel holds the window median
    instead of its clean value: it is off by |median - signal| (the median of
    31 noisy channels: about 0.25 sigma, plus the bandpass's curvature within
    31 channels) plus that channel's own noise draw (at most 5.3 sigma among
    the ~1e6 Gaussian draws of a day this size): under 8 sigma, sigma = 5% of
    the signal, each moving one output by at most 8 sigma / SMOOTH (measured:
    at most 5.0 sigma / SMOOTH, and below the smoothed noise sigma/sqrt(64)).
    Without --clean a line moves an output by 4,000 / SMOOTH and a burst by
    80,000 / SMOOTH, hundreds of times the tolerance."""
    spiky, clean, injected = day
    df, _, _ = cleaned_run
    got = _smoothed(df)
    mask = np.zeros_like(injected)
    for i, idx in enumerate(df["rfi_mask"].to_list()):
        mask[i, idx] = True
    k = _affected(mask | injected)
    tol = _tolerance(clean, k)
    err = np.abs(got - _reference(clean))
    assert (err <= tol).all(), f"worst: {np.max(err / tol):.3g} x the tolerance"
    assert (k > 0).any() and (k == 0).any()


def test_without_clean_the_spikes_bias_the_output(day, tmp_path):
    spiky, clean, injected = day
    out = tmp_path / "raw.parquet"
    assert cli.main(["reduce", *map(str, _day_args(out, "--check", "2"))]) == 0
    df = pl.read_parquet(out).sort("chunk")
    assert "rfi_flagged" not in df.columns and "rfi_mask" not in df.columns
    err = np.abs(_smoothed(df) - _reference(clean))
    tol = _tolerance(clean, _affected(injected))
    assert (err > tol).mean() > 0.05  # the outputs near every line and burst
    assert np.max(err / tol) > 100


def test_flags_match_the_injected_spikes(day, cleaned_run):
    """Every injected channel is flagged (the lines are single channels and the
    bursts 8 adjacent ones: under half of a 31-channel window, so the median
    and MAD stay those of the noise). The other flags are noise beyond 5 sigmas
    of the MAD of 31 channels, whose own scatter gives the threshold heavy
    tails: measured 2.2e-4 of the channels of a clean day; the tolerance is
    5e-4 of the channels, and the same count as on the clean day within 30%."""
    spiky, clean, injected = day
    df, summary, _ = cleaned_run
    n = df["rfi_flagged"].to_numpy()
    masks = df["rfi_mask"].to_list()
    assert df.schema["rfi_flagged"] == pl.UInt32 and df.schema["rfi_mask"] == pl.List(pl.UInt32)
    assert [len(m) for m in masks] == n.tolist()
    assert all(list(m) == sorted(set(m)) for m in masks)
    flags = np.zeros_like(injected)
    for i, idx in enumerate(masks):
        flags[i, idx] = True
    assert not (injected & ~flags).any(), "an injected channel was not flagged"
    extra = int((flags & ~injected).sum())
    assert extra <= 5e-4 * flags.size
    _, on_clean = hampel_reference(clean, CW, SIGMAS)
    assert abs(extra - int(on_clean.sum())) <= 0.3 * max(int(on_clean.sum()), 10)
    # the mask is exactly the plain-NumPy Hampel filter's, and the C filter's
    np.testing.assert_array_equal(flags, hampel_reference(spiky, CW, SIGMAS)[1])
    np.testing.assert_array_equal(flags, mwk.hampel(spiky, CW, SIGMAS, return_mask=True)[1])
    # the summary counts them
    rfi = summary["rfi"]
    assert rfi["channels_flagged"] == int(n.sum()) == int(flags.sum())
    assert rfi["rows_flagged"] == int((n > 0).sum()) == ROWS
    assert (rfi["window"], rfi["sigmas"], rfi["replace"]) == (CW, SIGMAS, "median")


def test_metadata_and_text_summary(cleaned_run, tmp_path, capsys):
    _, _, md = cleaned_run
    assert md["mwk.clean"] == "hampel" and md["mwk.clean_window"] == "31"
    assert float(md["mwk.clean_sigmas"]) == 5.0 and md["mwk.clean_replace"] == "median"
    assert md["mwk.clean_mask"] == "true"
    rc, out, err = run(["--rows", 12, "--channels", 400, "--window", 10, "-o", tmp_path / "o.parquet",
                        "--clean", "hampel", "--clean-sigmas", "6", "--check", 3], capsys)
    assert rc == 0, err
    assert "clean: hampel window 31, 6 sigmas:" in out and "channels flagged" in out
    assert "3 sampled rows match the NumPy reference" in out and "Hampel" in out
    assert "rfi_mask" not in pl.read_parquet_schema(tmp_path / "o.parquet")
    # no --clean: no clean keys (and unchanged Dask fingerprints)
    rc, out, err = run(["--rows", 4, "--channels", 100, "--window", 10, "-o", tmp_path / "p.parquet"], capsys)
    assert rc == 0 and "clean:" not in out
    assert "mwk.clean" not in pl.read_parquet_metadata(str(tmp_path / "p.parquet"))


# ------------------------------------------------------- every option
def _model(df, w, mode="valid", decimate=1, clean_window=CW, sigmas=SIGMAS, round32=False):
    """(smoothed rows, flag counts) of the NumPy model: the plain Hampel filter, then fsum."""
    outs, counts = [], []
    for xv in df["spectrum"].to_list():
        if xv is None:
            outs.append(None)
            counts.append(None)
            continue
        x = np.asarray(xv, dtype=np.float64)
        y, f = hampel_reference(x, clean_window, sigmas)
        if round32:
            y = y.astype(np.float32).astype(np.float64)
        outs.append(fsum_ref(y, w, mode, decimate))
        counts.append(int(f.sum()))
    return outs, counts


def _assert_model(out, outs, counts, f32):
    assert out["rfi_flagged"].to_list() == counts
    for yv, ref in zip(out["spectrum"].to_list(), outs):
        if ref is None:
            assert yv is None
            continue
        y = np.asarray(yv, dtype=np.float64)
        np.testing.assert_array_equal(np.isnan(y), np.isnan(ref))
        np.testing.assert_allclose(y, ref, rtol=2e-7 if f32 else 1e-13, equal_nan=True)


@pytest.mark.parametrize("extra,dtype,as_list", [
    (["--mode", "centered", "--decimate", 3], np.float64, False),
    (["--mode", "trailing", "--dtype", "float32"], np.float64, True),
    (["--dtype", "float64"], np.float32, False),
    ([], np.float32, True),
    (["--isolate"], np.float64, False),
    (["--rows-per-task", 5, "--algorithm", "naive", "--threads", 1], np.float32, False),
])
def test_every_option_matches_the_numpy_model(tmp_path, capsys, extra, dtype, as_list):
    df = make_frame(dtype=dtype, null_row=4, as_list=as_list)  # a 1e4 spike in every row
    src = write(df, str(tmp_path / "in" / "a.parquet"))
    write(make_frame(dtype=dtype, start=24, seed=1, as_list=as_list), str(tmp_path / "in" / "b.parquet"))
    both = pl.concat([df, pl.read_parquet(tmp_path / "in" / "b.parquet")])
    dst = tmp_path / "out.parquet"
    rc, out, err = run([os.path.dirname(src), "-o", dst, "--window", 7, "--clean", "hampel", "--clean-window", 9,
                        *extra], capsys)
    assert rc == 0, err
    got = pl.read_parquet(dst)
    assert got.columns == both.columns + ["rfi_flagged"]
    mode = extra[extra.index("--mode") + 1] if "--mode" in extra else "valid"
    dec = extra[extra.index("--decimate") + 1] if "--decimate" in extra else 1
    in32 = dtype == np.float32 and "float64" not in extra  # the filter ran in float32
    out32 = in32 or "float32" in extra
    outs, counts = _model(both, 7, mode, dec, clean_window=9, round32=in32)
    assert all(c is None or c >= 1 for c in counts)  # the spike, at least
    _assert_model(got, outs, counts, out32)
    for c in both.columns:
        if c != "spectrum":
            assert got[c].to_list() == both[c].to_list()


def test_partitioned_output(tmp_path, capsys):
    df = make_frame()
    src = write(df, str(tmp_path / "in.parquet"))
    rc, out, err = run([src, "-o", tmp_path / "parts", "--window", 7, "--partition-by", "beam",
                        "--clean", "hampel", "--clean-mask", "--summary-json", tmp_path / "s.json"], capsys)
    assert rc == 0, err
    got = pl.read_parquet(str(tmp_path / "parts" / "**" / "*.parquet"), hive_partitioning=False).sort("chunk")
    outs, counts = _model(df, 7)
    _assert_model(got, outs, counts, False)
    assert json.loads((tmp_path / "s.json").read_text())["rfi"]["channels_flagged"] == sum(counts)


def test_empty_input_has_the_columns(tmp_path, capsys):
    df = make_frame(as_list=True).head(0)
    src = write(df, str(tmp_path / "in.parquet"))
    rc, out, err = run([src, "-o", tmp_path / "o.parquet", "--clean", "hampel", "--clean-mask"], capsys)
    assert rc == 0, err
    schema = pl.read_parquet_schema(tmp_path / "o.parquet")
    assert schema["rfi_flagged"] == pl.UInt32 and schema["rfi_mask"] == pl.List(pl.UInt32)


# --------------------------------------------------------------- Dask
def test_dask_equals_single_machine(tmp_path, capsys):
    """One small run, with the Dask tests' helpers (test_dask.py)."""
    td = pytest.importorskip("test_dask")  # skipped with the Dask tests when distributed is missing
    day = td.small_day(str(tmp_path / "day"))
    extra = ["--window", 7, "--mode", "centered", "--decimate", 2, "--clean", "hampel", "--clean-window", 9,
             "--clean-mask", "-q"]
    ref = td.single(day, tmp_path / "one.parquet", extra, capsys)
    rc, out, err = td._run([day, "-o", tmp_path / "ds", "--dask", "local:2", "--rows-per-task", 4, *extra],
                           capsys)
    assert rc == 0, err
    m = td.assert_complete_dataset(tmp_path / "ds", 8)
    assert m["parameters"]["mwk.clean"] == "hampel" and m["parameters"]["mwk.clean_window"] == "9"
    got = td.read_parts(tmp_path / "ds")
    assert "rfi_flagged" in got.columns and "rfi_mask" in got.columns
    td.assert_same_data(got, ref)


def test_ctrl_c_leaves_nothing(tmp_path):
    """The filter runs Python glue on the engine's threads: Ctrl-C must still
    stop promptly and leave nothing (the hardening test, with --clean)."""
    from test_reduce_hardening import test_ctrl_c_leaves_nothing as ctrl_c

    ctrl_c(tmp_path, ["--rows-per-task", "8", "--clean", "hampel", "--clean-mask"])


# ------------------------------------------------------------- errors
@pytest.mark.parametrize("args,needle", [
    (["--clean", "hampel", "--clean-window", "0"], "--clean-window must be >= 1"),
    (["--clean", "hampel", "--clean-window", "-3"], "--clean-window must be >= 1"),
    (["--clean", "hampel", "--clean-window", "7.5"], "--clean-window must be an integer"),
    (["--clean", "hampel", "--clean-sigmas", "-1"], "--clean-sigmas must be finite and >= 0"),
    (["--clean", "hampel", "--clean-sigmas", "nan"], "--clean-sigmas must be finite and >= 0"),
    (["--clean", "hampel", "--clean-sigmas", "inf"], "--clean-sigmas must be finite and >= 0"),
    (["--clean", "hampel", "--clean-sigmas", "many"], "invalid float value"),
    (["--clean", "median"], "invalid choice"),
    (["--clean-window", "9"], "--clean-window needs --clean hampel"),
    (["--clean-sigmas", "3"], "--clean-sigmas needs --clean hampel"),
    (["--clean-mask"], "--clean-mask needs --clean hampel"),
])
def test_argument_errors(tmp_path, capsys, args, needle):
    src = write(make_frame(), str(tmp_path / "in.parquet"))
    try:
        rc, out, err = run([src, "-o", tmp_path / "o.parquet", *args], capsys)
    except SystemExit as e:  # argparse: exit status 2
        rc, (out, err) = e.code, capsys.readouterr()
    assert_one_line_error(rc, out, err, needle)
    assert not os.path.exists(tmp_path / "o.parquet")


def test_input_already_cleaned_is_refused(tmp_path, capsys):
    src = write(make_frame(), str(tmp_path / "in.parquet"))
    first = tmp_path / "once.parquet"
    rc, out, err = run([src, "-o", first, "--window", 3, "--mode", "centered", "--clean", "hampel"], capsys)
    assert rc == 0, err
    rc, out, err = run([first, "-o", tmp_path / "twice.parquet", "--clean", "hampel"], capsys)
    assert_one_line_error(rc, out, err, "already has a column 'rfi_flagged'")


def test_python_api_options_are_validated():
    from mwk.reduce import ReduceError, ReduceOptions

    for kw in ({"clean": "hampel", "clean_window": 0}, {"clean": "hampel", "clean_sigmas": float("nan")},
               {"clean": "sigma"}, {"clean_mask": True}):
        with pytest.raises(ReduceError):
            ReduceOptions(**kw).validate()
    ReduceOptions(clean="hampel", clean_window=1, clean_sigmas=0).validate()
