"""Exponentially weighted statistics: ewm_mean, ewm_sum, ewm_var, ewm_std.

The definition (one for every parameterisation, written out in
include/mwk_ewm.h): at row t, every observation j <= t (NaN is missing) has
the weight w_j = g_j * D(j, t), the decay D from row j to t (1 - alpha per
row, or per observation with ignore_na=True; 2**(-dt/halflife) with times) and
the gain g_j (1 with adjust=True; alpha, or 1 - 2**(-dt/halflife) with times,
after the first observation with adjust=False). ewm_sum = sum w x,
ewm_mean = sum w x / sum w, ewm_var the weighted variance with pandas' bias
correction S1**2 / (S1**2 - S2) (bias=False), ewm_std its root.

Agrees with pandas except where pandas departs from its own documented
weights (adjust=False with NaN gaps, times with ignore_na=True, +inf/-inf
restarts) and where pandas refuses (times with adjust=False, sum with
adjust=False); times with adjust=False is Polars' ``ewm_mean_by``.
"""
from __future__ import annotations

import datetime as _dt
import math
import numbers

import numpy as np

from . import _mwk

__all__ = ["ewm_mean", "ewm_sum", "ewm_var", "ewm_std"]

_STATS = {"mean": 0, "sum": 1, "var": 2, "std": 3}
_DECAYS = {"com": 0, "span": 1, "halflife": 2, "alpha": 3}
_ALGOS = {"auto": 0, "naive": 1, "scan": 2}
_KINDS = "fiub"


def decay_of(com=None, span=None, halflife=None, alpha=None, *, times=False):
    """(kind, value) of exactly one of com / span / halflife / alpha, checked."""
    given = [(k, v) for k, v in (("com", com), ("span", span), ("halflife", halflife), ("alpha", alpha))
             if v is not None]
    if len(given) != 1:
        raise ValueError("give exactly one of com, span, halflife, alpha"
                         f" (got {', '.join(k for k, _ in given) or 'none'})")
    kind, value = given[0]
    if times:
        if kind != "halflife":
            raise ValueError("times= needs halflife (the decay per unit of time), not " + kind)
        return kind, value
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{kind} must be a real number, got {type(value).__name__}")
    value = float(value)
    ok = {"com": value >= 0, "span": value >= 1, "halflife": value > 0,
          "alpha": 0 < value <= 1}[kind] and math.isfinite(value)
    if not ok:
        rule = {"com": ">= 0", "span": ">= 1", "halflife": "> 0", "alpha": "in (0, 1]"}[kind]
        raise ValueError(f"{kind} must be {rule}, got {value!r}")
    return kind, value


def _to_ns(h) -> float:
    if isinstance(h, np.timedelta64):
        return float(h.astype("timedelta64[ns]").astype(np.int64))
    if isinstance(h, _dt.timedelta):
        return (h.days * 86400 + h.seconds) * 1e9 + h.microseconds * 1e3
    if isinstance(h, str):
        try:
            import pandas as pd  # optional: pandas' spelling '1D', '2h', ...
        except ImportError:  # pragma: no cover
            raise TypeError("halflife as a str needs pandas; pass a numpy.timedelta64 or datetime.timedelta")
        return float(pd.Timedelta(h).value)
    if hasattr(h, "to_timedelta64"):  # pandas.Timedelta
        return float(h.to_timedelta64().astype("timedelta64[ns]").astype(np.int64))
    raise TypeError("with datetime/timedelta times, halflife must be a timedelta "
                    f"(numpy.timedelta64, datetime.timedelta or a str such as '1D'), got {type(h).__name__}")


def times_of(times, n: int, halflife):
    """times as float64 offsets from the first one, and halflife in their unit."""
    t = np.asarray(times)
    if t.ndim != 1 or t.shape[0] != n:
        raise ValueError(f"times must be 1-D with one time per element along axis (={n}), got shape {t.shape}")
    if t.dtype.kind in "mM":
        ti = t.astype(t.dtype.str[:3] + "[ns]").view(np.int64)
        if n and (ti == np.iinfo(np.int64).min).any():
            raise ValueError("times must not hold NaT")
        h = _to_ns(halflife)
        off = (ti - ti[0]).astype(np.float64) if n else ti.astype(np.float64)
    elif t.dtype.kind in "iuf":
        if isinstance(halflife, bool) or not isinstance(halflife, numbers.Real):
            raise TypeError("with numeric times, halflife must be a number in the same unit")
        h = float(halflife)
        off = t.astype(np.float64)
        if n and t.dtype.kind in "iu":
            off = (t.astype(np.int64) - np.int64(t[0])).astype(np.float64)
    else:
        raise TypeError(f"times must be datetime64, timedelta64 or numeric, got {t.dtype}")
    if not (h > 0 and math.isfinite(h)):
        raise ValueError(f"halflife must be > 0, got {halflife!r}")
    off = np.ascontiguousarray(off, dtype=np.float64)
    if n and not (np.isfinite(off).all() and (np.diff(off) >= 0).all()):
        raise ValueError("times must be finite and non-decreasing")
    return off, h


def _ewm(stat, a, com, span, halflife, alpha, min_periods, adjust, ignore_na, axis, out, times, bias,
         algorithm, threads, target):
    name = "ewm_" + stat
    kind, value = decay_of(com, span, halflife, alpha, times=times is not None)
    a = np.asarray(a)
    if a.dtype.kind not in _KINDS or a.dtype.itemsize > 8:
        raise TypeError(f"{name} does not support dtype {a.dtype} (convert first, e.g. a.astype(numpy.float64))")
    if a.ndim == 0:
        raise ValueError("a must have at least one dimension (got a 0-d array)")
    if isinstance(axis, bool) or not isinstance(axis, numbers.Integral):
        raise TypeError(f"axis must be an integer, got {type(axis).__name__}")
    if not -a.ndim <= axis < a.ndim:
        raise ValueError(f"axis {axis} is out of bounds for an array of dimension {a.ndim}")
    if isinstance(min_periods, bool) or not isinstance(min_periods, numbers.Integral) or min_periods < 0:
        raise ValueError(f"min_periods must be an integer >= 0, got {min_periods!r}")
    if algorithm not in _ALGOS:
        raise ValueError(f"algorithm must be one of {', '.join(map(repr, _ALGOS))}; got {algorithm!r}")
    if algorithm == "scan" and stat in ("var", "std"):
        raise ValueError(f"{name} has no scan algorithm (an unnormalised scan of x**2 cancels): use 'naive' or 'auto'")
    if threads is None:
        threads = 0
    elif isinstance(threads, bool) or not isinstance(threads, numbers.Integral) or threads < 1:
        raise ValueError(f"threads must be None or a positive integer, got {threads!r}")
    axis = axis % a.ndim
    n = a.shape[axis]
    tarr = None
    if times is not None:
        tarr, value = times_of(times, n, halflife)
    if a.dtype.kind == "f" and a.dtype.itemsize <= 4:
        odt = np.dtype(np.float32)
    else:
        odt = np.dtype(np.float64)
    if not a.dtype.isnative or not a.flags.aligned:
        a = a.astype(a.dtype.newbyteorder("="))
    am = np.moveaxis(a, axis, -1)
    rows = int(np.prod(am.shape[:-1], dtype=np.int64))
    a2 = am.reshape(rows, n)
    if out is None:
        res = np.empty(am.shape, dtype=odt)
        o2 = res.reshape(rows, n)
        result = np.moveaxis(res, -1, axis)
        tmp = None
    else:
        if not isinstance(out, np.ndarray):
            raise TypeError(f"out must be None or a numpy.ndarray, got {type(out).__name__}")
        if out.dtype != odt:
            raise TypeError(f"out must have dtype {odt} for {name} of {a.dtype} input, got {out.dtype}")
        if out.shape != a.shape:
            raise ValueError(f"out must have shape {a.shape}, got {out.shape}")
        if not out.flags.writeable:
            raise ValueError("out is read-only")
        result = out
        om = np.moveaxis(out, axis, -1)
        o2 = om.view()
        tmp = None
        try:
            o2.shape = (rows, n)
            if not out.dtype.isnative or not out.flags.aligned or np.shares_memory(out, a):
                raise AttributeError
        except (AttributeError, ValueError):
            tmp = np.empty((rows, n), dtype=odt)
            o2 = tmp
    _mwk.ewm(_STATS[stat], a2, o2, _DECAYS[kind], float(value), bool(adjust), bool(ignore_na), int(min_periods),
             bool(bias), tarr, _ALGOS[algorithm], int(threads), target)
    if tmp is not None:
        np.moveaxis(out, axis, -1)[...] = tmp.reshape(am.shape)
    return result


_DOC = """Exponentially weighted {what} along one axis.

Parameters
----------
a : array_like
    Any NumPy integer, bool or float dtype; NaN is missing (pandas).
com, span, halflife, alpha : float
    Exactly one: alpha = 1/(1+com) = 2/(span+1) = 1 - 2**(-1/halflife).
min_periods : int, default 0
    Outputs with fewer observations (non-NaN values) so far are NaN (0 counts as 1).
adjust : bool, default True
    True: weights (1-alpha)**age; False: the recursion y = (1-alpha) y + alpha x.
ignore_na : bool, default False
    False: weights by absolute position (pandas' documented rule); True: NaN
    rows as if removed.
axis : int, default -1
out : ndarray, optional
    float64 (float32 for float32/float16 input), a's shape.
times : array_like, optional
    One time per element along axis (datetime64, timedelta64 or numbers),
    non-decreasing; needs ``halflife`` (a timedelta for datetime times). The
    decay over a time step dt is 2**(-dt/halflife) for both adjust settings
    (adjust=False is Polars' ``ewm_mean_by``).{extra}
algorithm : {{'auto', 'naive', 'scan'}}
    'scan': the blocked SIMD linear scan (mean and sum); 'naive': the
    sequential recursion; 'auto': scan where it applies.
threads : int, optional
    Rows (all axes but `axis`) are shared out; results never depend on it.
target : str, optional
    A SIMD target of ``runtime_info()['supported_targets']`` for this call.

Returns
-------
ndarray of a's shape. The definition and error bounds: include/mwk_ewm.h.
"""

_BIAS = """
bias : bool, default False
    False: the weighted variance times S1**2 / (S1**2 - S2) (pandas'
    correction; NaN with a single observation); True: the biased one."""


def ewm_mean(a, com=None, span=None, halflife=None, alpha=None, min_periods=0, adjust=True, ignore_na=False,
             axis=-1, *, out=None, times=None, algorithm="auto", threads=None, target=None):
    return _ewm("mean", a, com, span, halflife, alpha, min_periods, adjust, ignore_na, axis, out, times, False,
                algorithm, threads, target)


def ewm_sum(a, com=None, span=None, halflife=None, alpha=None, min_periods=0, adjust=True, ignore_na=False,
            axis=-1, *, out=None, times=None, algorithm="auto", threads=None, target=None):
    return _ewm("sum", a, com, span, halflife, alpha, min_periods, adjust, ignore_na, axis, out, times, False,
                algorithm, threads, target)


def ewm_var(a, com=None, span=None, halflife=None, alpha=None, min_periods=0, adjust=True, ignore_na=False,
            axis=-1, *, bias=False, out=None, times=None, algorithm="auto", threads=None, target=None):
    return _ewm("var", a, com, span, halflife, alpha, min_periods, adjust, ignore_na, axis, out, times, bias,
                algorithm, threads, target)


def ewm_std(a, com=None, span=None, halflife=None, alpha=None, min_periods=0, adjust=True, ignore_na=False,
            axis=-1, *, bias=False, out=None, times=None, algorithm="auto", threads=None, target=None):
    return _ewm("std", a, com, span, halflife, alpha, min_periods, adjust, ignore_na, axis, out, times, bias,
                algorithm, threads, target)


ewm_mean.__doc__ = _DOC.format(what="mean", extra="")
ewm_sum.__doc__ = _DOC.format(what="sum (sum of w x; pandas has no adjust=False sum)", extra="")
ewm_var.__doc__ = _DOC.format(what="variance", extra=_BIAS)
ewm_std.__doc__ = _DOC.format(what="standard deviation", extra=_BIAS)


# ---------------------------------------------------------------- Polars
# The .mwk.ewm_* expression methods (registered in mwk/polars.py) build their
# plugin kwargs here; the plugin entry is python/src/polars_ewm.c.

_PL_UNITS = {"ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9, "m": 60e9, "h": 3600e9, "d": 86400e9, "w": 604800e9}


def _half_life_kwargs(half_life) -> dict:
    """half_life of ewm_mean_by: a Polars duration string ('1d', '2h30m', '3i'),
    a timedelta, or a number of units of an integer `by`."""
    import re

    if isinstance(half_life, str):
        parts = re.findall(r"(\d+(?:\.\d+)?)(ns|us|ms|mo|s|m|h|d|w|i|y)", half_life)
        if not parts or "".join(a + b for a, b in parts) != half_life.replace(" ", ""):
            raise ValueError(f"half_life {half_life!r} is not a duration such as '1d', '2h30m' or '3i'")
        if any(u in ("mo", "y") for _, u in parts):
            raise ValueError("half_life must be a fixed duration (no months or years)")
        if all(u == "i" for _, u in parts):
            return {"half_life_units": float(sum(float(a) for a, _ in parts))}
        if any(u == "i" for _, u in parts):
            raise ValueError(f"half_life {half_life!r} mixes 'i' with time units")
        ns = sum(float(a) * _PL_UNITS[u] for a, u in parts)
    elif isinstance(half_life, (_dt.timedelta, np.timedelta64)) or hasattr(half_life, "to_timedelta64"):
        ns = _to_ns(half_life)
    elif isinstance(half_life, numbers.Real) and not isinstance(half_life, bool):
        return {"half_life_units": float(half_life)}
    else:
        raise TypeError(f"half_life must be a duration string, a timedelta or a number, got {type(half_life).__name__}")
    if not ns > 0:
        raise ValueError(f"half_life must be positive, got {half_life!r}")
    return {"half_life_ns": float(ns)}


def polars_kwargs(stat, com, span, half_life, alpha, adjust, min_samples, ignore_nulls, bias, algorithm) -> dict:
    kind, value = decay_of(com, span, half_life, alpha)
    for name, v in (("adjust", adjust), ("ignore_nulls", ignore_nulls), ("bias", bias)):
        if not isinstance(v, bool):
            raise TypeError(f"{name} must be a bool, got {type(v).__name__}")
    if isinstance(min_samples, bool) or not isinstance(min_samples, numbers.Integral) or not 0 <= min_samples < 2**63:
        raise ValueError(f"min_samples must be an integer >= 0, got {min_samples!r}")
    if algorithm not in _ALGOS:
        raise ValueError(f"algorithm must be one of {', '.join(map(repr, _ALGOS))}; got {algorithm!r}")
    if algorithm == "scan" and stat in ("var", "std"):
        raise ValueError(f"ewm_{stat} has no scan algorithm: use 'naive' or 'auto'")
    return {"stat": stat, "decay": kind, "value": float(value), "adjust": adjust, "ignore_na": ignore_nulls,
            "bias": bias, "min_periods": int(min_samples), "algorithm": algorithm}


def polars_by_kwargs(half_life, adjust, ignore_nulls, min_samples, algorithm) -> dict:
    kw = polars_kwargs("mean", None, None, None, 0.5, adjust, min_samples, ignore_nulls, False, algorithm)
    kw.update(_half_life_kwargs(half_life))
    del kw["value"], kw["decay"]
    return kw
