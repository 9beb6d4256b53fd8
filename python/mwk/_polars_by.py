"""Key-based (time-based) windows for the ``.mwk`` Polars namespace:
``rolling_<stat>_by(by, window_size, *, min_samples, closed, ...)`` with the
semantics of Polars' own ``Expr.rolling_<stat>_by`` (Polars 2.1), computed
by ``mwk_move_by`` (include/mwk_by.h) through the plugin entry
``rolling_by`` (python/src/polars_by.c), and ``rolling_rank_by`` (Polars'
rank of the row's own value, entry ``rolling_rank_by``). ``install``
attaches the methods to both namespaces; mwk/polars.py calls it.

Checked against Polars 2.1 (python/tests/test_polars_by.py) and by hand
against Polars 1.21, which differs from 2.1 in three places: its
``rolling_*_by`` refuse columns with null values (mwk skips them, as 2.1),
its ``rolling_sum_by`` defaults to ``min_samples=1`` (the default here is
read from the installed Polars), and its ``rolling_var_by(ddof=0)`` of a
window holding a single NaN is 0 (2.1 and mwk: NaN); 1.21 has no
``rolling_rank_by``. The registry's other statistics (argmin, argmax, the
registry's rank) have no Polars ``_by`` counterpart and are not offered here
(``mwk.move_<stat>_by`` has them on NumPy arrays).
"""
from __future__ import annotations

import re
import types
from datetime import timedelta
from typing import Any, Callable, Dict, Optional

import polars as pl
from polars.plugins import register_plugin_function

#: Polars' rolling_<stat>_by (Polars 1.21 and 2.1 have these eight; 2.1 also
#: rolling_rank_by, which is here too).
STATS = ("sum", "mean", "var", "std", "min", "max", "median", "quantile")


def _sum_min_samples_default() -> int:
    """rolling_sum_by's min_samples default of the installed Polars: 0 in
    2.x (an empty window sums to 0), 1 in 1.x."""
    import inspect

    try:
        return int(inspect.signature(pl.Expr.rolling_sum_by).parameters["min_samples"].default)
    except (AttributeError, KeyError, TypeError, ValueError):  # pragma: no cover
        return 0


_SUM_MIN_SAMPLES = _sum_min_samples_default()
_CLOSED = ("right", "left", "both", "none")
_RANK_METHODS = ("average", "min", "max", "dense", "random")
_INTERPOLATIONS = ("nearest", "higher", "lower", "midpoint", "linear")

# Polars' duration language: units by their length in nanoseconds; "d" and
# "w" are calendar units in a time zone with daylight saving (the plugin
# refuses them there), "mo", "q", "y" calendar units everywhere (refused).
_UNIT_NS = {"ns": 1, "us": 1_000, "µs": 1_000, "μs": 1_000, "ms": 1_000_000, "s": 1_000_000_000,
            "m": 60_000_000_000, "h": 3_600_000_000_000, "d": 86_400_000_000_000, "w": 604_800_000_000_000}
_TOKEN = re.compile(r"(\d+)(ns|us|µs|μs|ms|mo|s|m|h|d|w|q|y|i)")


def window_kwargs(window_size: Any) -> Dict[str, Any]:
    """``{"window_ns": ..., "calendar": ...}`` for a duration, or
    ``{"window_int": ...}`` for an index count ("5i" or an int)."""
    if isinstance(window_size, bool):
        raise TypeError("window_size must be a duration string, a timedelta or an integer, got bool")
    if isinstance(window_size, int) or (hasattr(window_size, "__index__") and not isinstance(window_size, str)):
        w = int(window_size.__index__())
        if w <= 0:
            raise ValueError(f"window_size must be strictly positive, got {w}")
        if w >= 2**63:
            raise ValueError("window_size is out of range")
        return {"window_int": w}
    if isinstance(window_size, timedelta):
        # As Polars: the days of a timedelta are "d" (calendar days in a zone).
        if window_size <= timedelta(0):
            raise ValueError(f"window_size must be strictly positive, got {window_size!r}")
        ns = ((window_size.days * 86_400 + window_size.seconds) * 1_000_000 + window_size.microseconds) * 1_000
        return {"window_ns": ns, "calendar": window_size.days != 0}
    if not isinstance(window_size, str):
        raise TypeError(f"window_size must be a duration string, a timedelta or an integer, "
                        f"got {type(window_size).__name__}")
    s = window_size.strip()
    if s.startswith("-"):
        raise ValueError(f"window_size must be strictly positive, got {window_size!r}")
    pos, ns, idx, calendar, seen = 0, 0, 0, False, set()
    while pos < len(s):
        mt = _TOKEN.match(s, pos)
        if not mt:
            raise ValueError(f"invalid duration string {window_size!r}: expected e.g. '15m', '1h30m', '2d', '5i' "
                             f"(units ns, us, ms, s, m, h, d, w, i)")
        num, unit = int(mt.group(1)), mt.group(2)
        pos = mt.end()
        seen.add(unit)
        if unit in ("mo", "q", "y"):
            raise ValueError(f"window_size {window_size!r}: calendar durations (mo, q, y) are not supported by "
                             f"mwk's rolling_*_by; give the window in days, hours, ... or use Polars' own")
        if unit == "i":
            idx += num
        else:
            ns += num * _UNIT_NS[unit]
            calendar |= unit in ("d", "w") and num != 0
    if not seen:
        raise ValueError(f"invalid duration string {window_size!r}")
    if "i" in seen:
        if len(seen) > 1:
            raise ValueError(f"window_size {window_size!r}: 'i' (index units) cannot be mixed with time units")
        if idx <= 0:
            raise ValueError("window_size must be strictly positive")
        if idx >= 2**63:
            raise ValueError("window_size is out of range")
        return {"window_int": idx}
    if ns <= 0:
        raise ValueError("window_size must be strictly positive")
    if ns >= 2**63:
        raise ValueError("window_size is out of range (at most 2**63-1 nanoseconds)")
    return {"window_ns": ns, "calendar": calendar}


def _check_int(value: object, name: str) -> int:
    if isinstance(value, bool) or not hasattr(value, "__index__"):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__}")
    return int(value.__index__())  # type: ignore[attr-defined]


def by_kwargs(stat: str, window_size: Any, min_samples: int, closed: str, ddof: Optional[int] = None,
              quantile: Optional[float] = None, interpolation: Optional[str] = None) -> Dict[str, Any]:
    """The plugin's kwargs, checked (bad arguments raise when the expression
    is built, not when it runs)."""
    kw: Dict[str, Any] = {"stat": stat}
    kw.update(window_kwargs(window_size))
    m = _check_int(min_samples, "min_samples")
    if not 0 <= m < 2**63:
        raise ValueError(f"min_samples must be >= 0, got {m}")
    kw["min_samples"] = m
    if not isinstance(closed, str):
        raise TypeError(f"closed must be a str, got {type(closed).__name__}")
    if closed not in _CLOSED:
        raise ValueError(f"closed must be one of {', '.join(map(repr, _CLOSED))}; got {closed!r}")
    kw["closed"] = closed
    if ddof is not None:
        d = _check_int(ddof, "ddof")
        if not 0 <= d < 2**31:
            raise ValueError(f"ddof must be between 0 and 2**31-1, got {d}")
        kw["ddof"] = d
    if quantile is not None or stat == "quantile":
        if isinstance(quantile, bool) or not isinstance(quantile, (int, float)):
            raise TypeError(f"quantile must be a float, got {type(quantile).__name__}")
        q = float(quantile)
        if not 0.0 <= q <= 1.0:
            raise ValueError(f"quantile must be in [0, 1], got {quantile!r}")
        kw["quantile"] = q
        if not isinstance(interpolation, str):
            raise TypeError(f"interpolation must be a str, got {type(interpolation).__name__}")
        if interpolation not in _INTERPOLATIONS:
            raise ValueError(f"interpolation must be one of {', '.join(map(repr, _INTERPOLATIONS))}; got "
                             f"{interpolation!r} (Polars' 'equiprobable' is not supported)")
        kw["interpolation"] = interpolation
    return kw


_DOC = """Rolling {stat} over a window defined by the key ``by``, as Polars' ``Expr.rolling_{stat}_by``.

Row i's window holds the rows whose key lies in ``(t - window_size, t]``
(``closed='right'``, the default), ``[t - window_size, t)`` ('left'),
``[t - window_size, t]`` ('both') or ``(t - window_size, t)`` ('none'),
``t = by[i]``; rows with equal keys share their window. Computed by
``mwk_move_by`` (include/mwk_by.h): windows from two pointers along the
sorted key.

Parameters
----------
by : str, polars.Expr (polars.Series on a series)
    The key: Datetime (any unit, with or without a time zone), Date, Int64,
    Int32, UInt64 (below 2**63) or UInt32. A null key gives null (the row is
    in no window). Unsorted keys are sorted internally and the results put
    back in the rows' order, as Polars does.
window_size : str, timedelta or int
    A duration ('15m', '1h30m', '2d', units ns, us, ms, s, m, h, d, w) or a
    timedelta for a temporal key, truncated to the key's unit as Polars does;
    an index count ('5i' or 5) for an integer key. Calendar durations (mo, q,
    y) are refused, and so are days/weeks for a key in a time zone with
    daylight saving (Polars makes them 23 or 25 hours there): give hours.
min_samples : int, optional
    Fewest non-null values a window needs for a result, else null (default
    {min_default}, as Polars; 0 behaves as 1{sum_zero}).
closed : {{'right', 'left', 'both', 'none'}}, optional
    Which ends of the interval are in the window.{extra}

Returns
-------
polars.Expr (polars.Series on a series)
    Float64 (Float32 for Float32 input). Polars keeps an integer column's
    dtype for sum/min/max; mwk gives Float64 (an Int32 sum does not wrap).

Notes
-----
As Polars: nulls are skipped and not counted by ``min_samples``; NaN is a
value, and a window holding one gives NaN{var_note}. Accuracy: the
contract of ``mwk.move_{stat}`` (include/mwk.h) for each window.{order_note}
"""

_ORDER_NOTE = """

As Polars, NaN sorts above every value: the result is NaN only when the
position(s) it is read from hold NaN. The two neighbours come from the
library and are combined with Polars' formulas ('nearest': position
``round((count - 1) * q)``, half away from zero; 'linear' and the median
``a + (b - a) * frac``; 'midpoint' ``(a + b) / 2``), so the values are
Polars' to the last bit."""

_DDOF_DOC = """
ddof : int, optional
    Delta degrees of freedom (divisor ``count - ddof``), default 1 as
    Polars; a window with ``count <= ddof`` is null."""

_Q_DOC = """
quantile : float
    Quantile in [0, 1] (keyword, required, as Polars).
interpolation : {'nearest', 'higher', 'lower', 'midpoint', 'linear'}, optional
    Default 'nearest', as Polars ('equiprobable' is not supported)."""


def rank_method_seed(kw: Dict[str, Any], method: str, seed: Optional[int]) -> Dict[str, Any]:
    """The rank kwargs both rolling_rank (mwk/polars.py) and rolling_rank_by
    share: the tie method, the seed of random ties, the index type."""
    if not isinstance(method, str):
        raise TypeError(f"method must be a str, got {type(method).__name__}")
    if method not in _RANK_METHODS:
        raise ValueError(f"method must be one of {', '.join(map(repr, _RANK_METHODS))}; got {method!r}")
    if seed is None:
        import random

        seed = random.getrandbits(63)
    kw["seed"] = _check_int(seed, "seed") % 2**63
    kw["method"] = method
    kw["idx64"] = pl.get_index_type() == pl.UInt64
    return kw


def rank_kwargs(window_size: Any, method: str, seed: Optional[int], min_samples: int, closed: str) -> Dict[str, Any]:
    kw = by_kwargs("max", window_size, min_samples, closed)
    del kw["stat"]
    if closed not in ("right", "both"):
        raise ValueError(f"rolling_rank_by needs the row in its own window: closed must be 'right' or 'both' "
                         f"(as Polars), got {closed!r}")
    return rank_method_seed(kw, method, seed)


_RANK_DOC = """Rolling rank over a window defined by the key ``by``, as Polars' ``Expr.rolling_rank_by``.

The rank (1-based) of each row's own value among the non-null values of its
window (the rows whose key lies in ``(t - window_size, t]``, or
``[t - window_size, t]`` with ``closed='both'``; rows with equal keys share
their window), ties by ``method``.

Parameters
----------
by, window_size
    As :meth:`rolling_mean_by`.
method : {'average', 'min', 'max', 'dense', 'random'}, optional
    As Polars: 'average' (default) gives Float64, the others Polars' index
    type (UInt32; UInt64 in its bigidx build).
seed : int or None, optional
    Seed for 'random' (mwk's own generator: not Polars' draws).
min_samples : int, optional
    Fewest non-null values a window needs, else null (default 1).
closed : {'right', 'both'}, optional
    The row must be in its own window (Polars refuses 'left' and 'none').

Notes
-----
A null row gives null. NaN is a value, larger than every other (Polars'
total order); -0.0 and 0.0 tie. Values are compared as float64 (Int64 beyond
2**53 may tie where Polars does not). A Fenwick tree over the column's value
ranks: O(log n) per row.
"""


def _make(stat: str, apply: Callable) -> Callable:
    if stat in ("var", "std"):
        def method(self, by: Any, window_size: Any, *, min_samples: int = 1, closed: str = "right",
                   ddof: int = 1):
            return apply(self, by, by_kwargs(stat, window_size, min_samples, closed, ddof=ddof))
    elif stat == "quantile":
        def method(self, by: Any, window_size: Any, *, quantile: float,  # type: ignore[misc]
                   interpolation: str = "nearest", min_samples: int = 1, closed: str = "right"):
            return apply(self, by, by_kwargs(stat, window_size, min_samples, closed, quantile=quantile,
                                             interpolation=interpolation))
    elif stat == "sum":
        def method(self, by: Any, window_size: Any, *, min_samples: int = _SUM_MIN_SAMPLES,  # type: ignore[misc]
                   closed: str = "right"):
            return apply(self, by, by_kwargs(stat, window_size, min_samples, closed))
    else:
        def method(self, by: Any, window_size: Any, *, min_samples: int = 1,  # type: ignore[misc]
                   closed: str = "right"):
            return apply(self, by, by_kwargs(stat, window_size, min_samples, closed))
    return method


def install(expr_ns: type, series_ns: type, plugin_path: Any = None, abs_path: Optional[dict] = None) -> None:
    """Attach ``rolling_<stat>_by`` for every statistic of :data:`STATS` to
    the two namespace classes of mwk/polars.py."""
    import sys

    mp = sys.modules[expr_ns.__module__]
    path = plugin_path if plugin_path is not None else mp.PLUGIN_PATH
    extra = abs_path if abs_path is not None else getattr(mp, "_ABS_PATH", {})

    def expr_of(by: Any) -> pl.Expr:
        if isinstance(by, str):
            return pl.col(by)
        if isinstance(by, pl.Expr):
            return by
        raise TypeError(f"by must be a column name or an expression, got {type(by).__name__}")

    def call(args, kw, fn):
        return register_plugin_function(plugin_path=path, function_name=fn, args=args, kwargs=kw,
                                        is_elementwise=False, **extra)

    def apply(self, by, kw, fn="rolling_by"):
        if hasattr(self, "_s"):  # a series: `by` is a series (or anything pl.Series takes)
            s = self._s
            if isinstance(by, pl.Expr):
                raise TypeError("on a series, by must be a series, not an expression")
            by_s = by if isinstance(by, pl.Series) else pl.Series(by)
            if len(by_s) != len(s):
                raise ValueError(f"by has {len(by_s)} values but the series has {len(s)}")
            df = pl.DataFrame({"__x": s, "__by": by_s})
            return df.select(call([pl.col("__x"), pl.col("__by")], kw, fn)).to_series().alias(s.name)
        return call([self._expr, expr_of(by)], kw, fn)

    def rolling_rank_by(self, by: Any, window_size: Any, method: str = "average", *, seed: Optional[int] = None,
                        min_samples: int = 1, closed: str = "right"):
        return apply(self, by, rank_kwargs(window_size, method, seed, min_samples, closed), "rolling_rank_by")

    for cls in (expr_ns, series_ns):
        fn = rolling_rank_by
        m = types.FunctionType(fn.__code__, fn.__globals__, "rolling_rank_by", fn.__defaults__, fn.__closure__)
        m.__kwdefaults__ = dict(fn.__kwdefaults__ or {})
        m.__annotations__ = dict(fn.__annotations__)
        m.__qualname__ = f"{cls.__name__}.rolling_rank_by"
        m.__module__ = expr_ns.__module__
        m.__doc__ = _RANK_DOC if cls is expr_ns else (
            f"{_RANK_DOC.splitlines()[0]}\n\nOn a series (``by`` a series); see "
            f":meth:`MwkExprNamespace.rolling_rank_by`.\n")
        setattr(cls, "rolling_rank_by", m)

    for stat in STATS:
        fn = _make(stat, apply)
        doc = _DOC.format(
            stat=stat,
            min_default=(f"{_SUM_MIN_SAMPLES} for the installed Polars: 0 in Polars 2.x, 1 in 1.x"
                         if stat == "sum" else "1"),
            sum_zero="; with 0 a window without values gives 0" if stat == "sum" else "",
            extra=_DDOF_DOC if stat in ("var", "std") else _Q_DOC if stat == "quantile" else "",
            var_note="; a window with count <= ddof is null" if stat in ("var", "std") else
            " (median/quantile: see below)" if stat in ("median", "quantile") else "",
            order_note=_ORDER_NOTE if stat in ("median", "quantile") else "",
        )
        for cls in (expr_ns, series_ns):
            name = f"rolling_{stat}_by"
            m = types.FunctionType(fn.__code__, fn.__globals__, name, fn.__defaults__, fn.__closure__)
            m.__kwdefaults__ = dict(fn.__kwdefaults__ or {})
            m.__annotations__ = dict(fn.__annotations__)
            m.__qualname__ = f"{cls.__name__}.{name}"
            m.__module__ = expr_ns.__module__
            m.__doc__ = doc if cls is expr_ns else (
                f"{doc.splitlines()[0]}\n\nOn a series (``by`` a series); see "
                f":meth:`MwkExprNamespace.{name}`.\n")
            setattr(cls, name, m)
