"""Polars integration: ``import mwk.polars`` registers the ``mwk`` namespace.

The namespace exists on :class:`polars.Expr` and :class:`polars.Series`::

    import polars as pl
    import mwk.polars  # noqa: F401  (registers .mwk)

    df.with_columns(pl.col("x").mwk.rolling_std(100, center=True))
    df.with_columns(pl.col("spectrum").mwk.moving_mean(9, mode="centered"))

For every statistic of mwk's registry (``mean``, ``sum``, ``var``, ``std``,
``min``, ``max``, ``argmin``, ``argmax``, ... as this build lists them) there
are two methods, generated from the registry at import:

- ``rolling_<stat>(window_size, *, min_samples=None, center=False[, ddof=1])``
  along the column, with the semantics of Polars' own ``Expr.rolling_<stat>``;
- ``moving_<stat>(window, *, mode="valid", min_samples=None,
  nan_policy="skip", threads=None, algorithm="auto"[, ddof=0])`` inside each
  row of an ``Array`` or ``List`` column, with the semantics of
  ``mwk.move_<stat>`` on each row.

``rolling_mean`` and ``rolling_sum`` also take Polars' ``weights`` (second
positional argument, as ``Expr.rolling_mean(window_size, weights)``): they then
run ``rolling_weighted_mean`` / ``rolling_weighted_sum``, which take the taps
and ``min_weight`` themselves, as do ``moving_weighted_*`` per row; where
Polars' weighted windows are wrong or panic (nulls, taps summing to 0, Polars
1.21's clipped windows) the docstrings say what mwk does instead.

Order statistics take their parameters as Polars does
(``rolling_quantile(quantile, interpolation="nearest", window_size=2, ...)``,
``rolling_median(window_size, weights=None, ...)``; ``moving_quantile(window,
quantile, interpolation="linear", ...)`` as ``mwk.move_quantile``). Two more
methods: ``rolling_rank(window_size, method="average", *, seed=None,
min_samples=None, center=False)`` with the semantics of Polars' own
``rolling_rank`` (not the registry's rank), and ``hampel(window, n_sigmas=3.0,
*, replace="median", ...)``, the Hampel filter along a column or per row of an
Array/List column.

Both are one generic pair of entries of a native Polars expression plugin
written in C, exported by the extension module ``mwk._mwk`` itself (plugin
interface 0.1). Verified: the test suite with Polars 2.1.0; registration,
rolling and moving on series and lazy frames with Polars 1.21.0 and 1.24.0
(``use_abs_path`` is passed only to Polars that has it). Their own
rolling functions differ from 2.1.0 in places (1.24.0 keeps NaN after it
left a window that held a null; both give null from ``rolling_sum`` with
``min_samples=0`` on an all-null window, 2.1.0 gives 0): the methods follow
2.1.0. Errors raised inside the plugin reach the user as
``polars.exceptions.ComputeError`` carrying mwk's message; arguments are
checked here first, so bad arguments raise ``TypeError`` / ``ValueError`` as
soon as the expression is built.
"""
from __future__ import annotations

import inspect
import types
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional

import polars as pl
from polars.plugins import register_plugin_function

from . import _mwk

__all__ = ["MwkExprNamespace", "MwkSeriesNamespace", "PLUGIN_PATH", "statistics"]

#: The shared library that exports the ``_polars_plugin_*`` symbols.
PLUGIN_PATH = Path(_mwk.__file__).resolve()

_OPTIONS = _mwk.options()  # the C library's names, as mwk.move_<stat> takes them
_MODES = tuple(_OPTIONS["mode"])
_POLICIES = tuple(_OPTIONS["nan_policy"])

# Polars before 1.26 has no use_abs_path keyword (and resolves the path it is
# given as it is); pass it only where it exists.
try:
    _ABS_PATH = {"use_abs_path": True} if "use_abs_path" in inspect.signature(
        register_plugin_function).parameters else {}
except (TypeError, ValueError):  # pragma: no cover - a signature Python cannot read
    _ABS_PATH = {}


def statistics() -> List[Dict[str, Any]]:
    """The statistics registry, as the Polars methods use it.

    One dict per statistic, in registry order: ``name`` (the suffix of
    ``rolling_<name>`` / ``moving_<name>``), ``ddof`` (whether it takes
    ``ddof``), ``quantile`` (whether it takes ``quantile`` and
    ``interpolation``), ``float32`` (whether float32 input gives float32 output),
    ``weights`` (whether it takes ``weights`` and ``min_weight``) and
    ``algorithms`` (those compiled into this build, reference first;
    ``"auto"`` is always accepted too). Read from the C registry through
    ``mwk._mwk.statistics()``, the same source as ``mwk.move_<name>``.
    """
    return [
        {
            "name": s["name"],
            "ddof": "ddof" in s["params"],
            "quantile": "q" in s["params"],
            "float32": bool(s["keeps_float32"]),
            "weights": "weights" in s["params"],
            "algorithms": [a for a, ok in s["algorithms"].items() if ok and a != "auto"],
        }
        for s in _mwk.statistics()
    ]


_STATS = {s["name"]: s for s in statistics()}


# One copy, in mwk/_polars_by.py (which imports nothing from this module).
from ._polars_by import _check_int  # noqa: E402
from ._polars_by import rank_method_seed as _rank_method_seed  # noqa: E402


def _ddof_kwarg(stat: str, ddof: object, kw: dict) -> dict:
    if _STATS[stat]["ddof"]:
        d = _check_int(ddof, "ddof")
        if not 0 <= d < 2**31:
            raise ValueError(f"ddof must be between 0 and 2**31-1, got {d}")
        kw["ddof"] = d
    return kw


# numpy.quantile's methods, which the library implements (Polars also has
# 'equiprobable', which it does not).
_INTERPOLATIONS = ("linear", "lower", "higher", "nearest", "midpoint")


def _quantile_kwarg(stat: str, quantile: object, interpolation: object, kw: dict) -> dict:
    if _STATS[stat]["quantile"]:
        if isinstance(quantile, bool) or not isinstance(quantile, (int, float)) and not hasattr(quantile, "__float__"):
            raise TypeError(f"quantile must be a float, got {type(quantile).__name__}")
        q = float(quantile)  # type: ignore[arg-type]
        if not 0.0 <= q <= 1.0:
            raise ValueError(f"quantile must be in [0, 1], got {quantile!r}")
        if not isinstance(interpolation, str):
            raise TypeError(f"interpolation must be a str, got {type(interpolation).__name__}")
        if interpolation not in _INTERPOLATIONS:
            raise ValueError(f"interpolation must be one of {', '.join(map(repr, _INTERPOLATIONS))}; "
                             f"got {interpolation!r}")
        kw["quantile"] = q
        kw["interpolation"] = interpolation
    return kw


def _weights_kwarg(weights: object, window: int, wname: str, min_weight: object, kw: dict) -> dict:
    """Taps for the plugin: packed little-endian float64 (bytes travel in
    the pickled kwargs as they are; python/src/pickle_kwargs.c reads no
    lists). Checked here so that a bad one fails when the expression is
    built: 1-D, finite, as many as the window."""
    if weights is not None:
        import numpy as np

        if isinstance(weights, (str, bytes)) or not hasattr(weights, "__len__"):
            raise TypeError(f"weights must be a sequence of floats, got {type(weights).__name__}")
        try:
            w = np.asarray(weights, dtype=np.float64)
        except (TypeError, ValueError) as e:
            raise TypeError(f"weights must be a sequence of floats: {e}") from None
        if w.ndim != 1:
            raise ValueError(f"weights must be 1-D, got {w.ndim} dimensions")
        if len(w) != window:
            raise ValueError(f"weights has {len(w)} values but {wname} is {window}; they must be equal")
        if not np.isfinite(w).all():
            raise ValueError("weights must be finite")
        kw["weights"] = w.astype("<f8").tobytes()
    if isinstance(min_weight, bool) or not isinstance(min_weight, (int, float)):
        raise TypeError(f"min_weight must be a float, got {type(min_weight).__name__}")
    if not 0.0 <= float(min_weight) <= 1.0:
        raise ValueError(f"min_weight must be in [0, 1], got {min_weight!r}")
    if float(min_weight) != 0.0:
        kw["min_weight"] = float(min_weight)
    return kw


def _no_weights(weights: object) -> None:
    if weights is not None:
        raise ValueError("weights are not supported by mwk's rolling order statistics (Polars' own "
                         "rolling_median/rolling_quantile take them); pass weights=None")


def _rolling_kwargs(window_size: int, min_samples: Optional[int], center: bool, stat: str = "mean",
                    ddof: int = 1) -> dict:
    w = _check_int(window_size, "window_size")
    if w < 1:
        raise ValueError(f"window_size must be >= 1, got {w}")
    m = None
    if min_samples is not None:
        m = _check_int(min_samples, "min_samples")
        if not 0 <= m <= w:
            raise ValueError(f"min_samples must be None or between 0 and window_size (={w}), got {m}")
    if not isinstance(center, bool):
        raise TypeError(f"center must be a bool, got {type(center).__name__}")
    if w >= 2**63 or (m is not None and m >= 2**63):
        raise ValueError("window_size is out of range")
    kw = {"stat": stat, "window_size": w, "min_samples": m, "center": center}
    return _ddof_kwarg(stat, ddof, kw)


def _moving_kwargs(
    window: int,
    mode: str,
    min_samples: Optional[int],
    nan_policy: str,
    threads: Optional[int],
    algorithm: str = "auto",
    stat: str = "mean",
    ddof: int = 0,
) -> dict:
    w = _check_int(window, "window")
    if w < 1:
        raise ValueError(f"window must be >= 1, got {w}")
    if w >= 2**63:
        raise ValueError("window is out of range")
    m = None
    if min_samples is not None:
        m = _check_int(min_samples, "min_samples")
        if not 1 <= m <= w:
            raise ValueError(f"min_samples must be None or between 1 and window (={w}), got {m}")
    if not isinstance(mode, str):
        raise TypeError(f"mode must be a str, got {type(mode).__name__}")
    if mode not in _MODES:
        raise ValueError(f"mode must be one of {', '.join(map(repr, _MODES))}; got {mode!r}")
    if not isinstance(nan_policy, str):
        raise TypeError(f"nan_policy must be a str, got {type(nan_policy).__name__}")
    if nan_policy not in _POLICIES:
        raise ValueError(f"nan_policy must be one of {', '.join(map(repr, _POLICIES))}; got {nan_policy!r}")
    t = None
    if threads is not None:
        t = _check_int(threads, "threads")
        if not 1 <= t <= 2**20:
            raise ValueError(f"threads must be None or a positive integer, got {t}")
    if not isinstance(algorithm, str):
        raise TypeError(f"algorithm must be a str, got {type(algorithm).__name__}")
    allowed = ("auto", *_STATS[stat]["algorithms"])
    if algorithm not in allowed:
        raise ValueError(f"algorithm must be one of {', '.join(map(repr, allowed))}; got {algorithm!r}")
    kw = {
        "stat": stat,
        "window": w,
        "mode": mode,
        "min_samples": m,
        "nan_policy": nan_policy,
        "threads": t,
        "algorithm": algorithm,
    }
    return _ddof_kwarg(stat, ddof, kw)


def _rolling_expr(expr: pl.Expr, kwargs: dict, over: Any = None) -> pl.Expr:
    if over is not None:  # every group in one call: mwk/_polars_grouped.py
        from ._polars_grouped import rolling_over

        return rolling_over(expr, kwargs, over)
    return register_plugin_function(
        plugin_path=PLUGIN_PATH,
        function_name="rolling",
        args=expr,
        kwargs=kwargs,
        is_elementwise=False,
        **_ABS_PATH,
    )


def _plugin_expr(expr: pl.Expr, name: str, kwargs: dict, elementwise: bool) -> pl.Expr:
    return register_plugin_function(
        plugin_path=PLUGIN_PATH,
        function_name=name,
        args=expr,
        kwargs=kwargs,
        is_elementwise=elementwise,
        **_ABS_PATH,
    )


def _moving_expr(expr: pl.Expr, kwargs: dict) -> pl.Expr:
    return register_plugin_function(
        plugin_path=PLUGIN_PATH,
        function_name="moving",
        args=expr,
        kwargs=kwargs,
        is_elementwise=True,
        **_ABS_PATH,
    )


@pl.api.register_expr_namespace("mwk")
class MwkExprNamespace:
    """mwk's moving-window methods on a Polars expression (``expr.mwk``).

    ``rolling_<stat>`` and ``moving_<stat>`` for every statistic of the
    registry (see :func:`mwk.polars.statistics`).
    """

    def __init__(self, expr: pl.Expr) -> None:
        self._expr = expr

    def _apply(self, build: Callable[[pl.Expr], pl.Expr]) -> pl.Expr:
        return build(self._expr)


@pl.api.register_series_namespace("mwk")
class MwkSeriesNamespace:
    """mwk's moving-window methods on a Polars series (``series.mwk``).

    The same methods as on expressions (:class:`MwkExprNamespace`), returning
    a series with the input's name.
    """

    def __init__(self, series: pl.Series) -> None:
        self._s = series

    def _apply(self, build: Callable[[pl.Expr], pl.Expr]) -> pl.Series:
        name = self._s.name
        return self._s.to_frame(name).select(build(pl.col(name))).to_series()


# ------------------------------------------------------------------ methods
_ROLLING_DOC = """Rolling {stat} along the rows, with the semantics of ``Expr.rolling_{stat}``.

Parameters
----------
window_size : int
    Number of rows in the window (>= 1). It may exceed the column's length:
    the windows are then clipped to the data (Polars' rule).
min_samples : int or None, optional
    Minimum number of non-null values in a window for a result,
    ``0 <= min_samples <= window_size`` (0 behaves as 1). None (default)
    means ``window_size``.
center : bool, optional
    Centre the window on the row: row i covers
    ``[i - window_size//2, i + (window_size-1)//2]`` (Polars' windows).
    Default False: row i covers the ``window_size`` rows ending at i.{ddof_doc}
over : str, Expr, Series or a sequence of them, optional
    Group keys: the window restarts at every group, as
    ``.rolling_{stat}(...).over(keys)`` gives, but in one plugin call for
    all groups (inside ``.over()`` Polars calls a plugin once per group).
    Keys are any column Polars can group by whose ``to_physical()`` is a
    number, bool, string or binary; null is a key of its own. Default None:
    the whole column is one window sequence.

Returns
-------
polars.Expr (polars.Series on a series)
    {out_doc} Works on float, integer and boolean columns.

Notes
-----
As in Polars: nulls are missing values (skipped, not counted by
``min_samples``); a window with fewer than ``min_samples`` non-null values
gives null{ddof_null}; NaN is a value, and a window holding one gives NaN; the
whole column is one window sequence (across chunks). ``+inf``/``-inf``
follow the contract of ``mwk.move_{stat}``. Accuracy: that contract
(``include/mwk.h``). Unlike Polars, ``window_size < 1`` raises
``ValueError`` (Polars returns all-null), and integer or boolean columns
give {int_out} where Polars may keep the input's dtype.
"""

_ROLLING_DDOF_DOC = """
ddof : int, optional
    Delta degrees of freedom: the divisor is ``count - ddof``. Default 1, as
    Polars (``mwk.move_{stat}`` defaults to 0, as NumPy)."""

_MOVING_DOC = """Moving {stat} inside each row of an Array or List column.

One moving {stat} per row (e.g. one spectrum per row), with the results of
``mwk.move_{stat}(row, window, min_samples, mode=mode, nan_policy=nan_policy)``.
Elementwise: the streaming engine runs it per batch, in parallel.

Parameters
----------
window : int
    Window length (>= 1).
mode : {{'valid', 'trailing', 'centered'}}, optional
    Alignment (see :func:`mwk.move_mean`). Default ``'valid'``: each row of
    length n gives n - window + 1 values.
min_samples : int or None, optional
    Minimum number of non-NaN values for a result (else NaN),
    ``1 <= min_samples <= window``; None means ``window``.
nan_policy : {{'skip', 'propagate'}}, optional
    As in :func:`mwk.move_mean`. Null elements inside a row are treated as
    NaN.
threads : int or None, optional
    Threads for one call; None picks 1 for small batches (or when Polars
    already runs calls in parallel) and the library default otherwise.
algorithm : {{{algos}}}, optional
    Force one of the statistic's algorithms; default ``'auto'``.{ddof_doc}

Returns
-------
polars.Expr (polars.Series on a series)
    ``Array(<inner>, m)`` for ``Array(_, n)`` input (``m = n``, or
    ``n - window + 1`` in 'valid' mode), ``List(<inner>)`` for List input;
    {out_doc} A null row gives a null row.

Notes
-----
Windows with too few values give NaN, not null (the NumPy path's
semantics). For an Array column, ``window`` longer than the width in
'valid' mode is an error; List rows shorter than ``window`` give an empty
list in 'valid' mode. In 'trailing' and 'centered' modes a window longer
than the row is clipped to it. Rows of equal length in one chunk are
computed in one batch call.
"""

_MOVING_DDOF_DOC = """
ddof : int, optional
    Delta degrees of freedom: the divisor is ``count - ddof``. Default 0, as
    ``mwk.move_{stat}`` and NumPy."""


# Order statistics whose rolling_<stat> mirrors Polars' signature with weights.
_WEIGHTS_ARG = {"median"}
# Statistics whose rolling_<stat> has Polars' own semantics, written below
# rather than generated (rank: Polars ranks the row's own value, 1-based).
_OWN_ROLLING = {"rank"}

_WEIGHTS_DOC = """weights : None
    Polars' per-position weights are not supported: anything but None
    raises ``ValueError``.
"""

_ROLLING_WEIGHTS_DOC = """weights : list of float or None, optional
    Polars' per-position weights: ``window_size`` finite values (zero and
    negative ones allowed), ``weights[0]`` on the oldest row of the window.
    With weights the result is ``sum(w * x)`` ({weighted} below).
"""

_ROLLING_WEIGHTED_NOTES = """
With weights (``rolling_{stat}(window_size, weights)`` runs
``rolling_weighted_{stat}``, include/mwk.h MWK_STAT_WEIGHTED_SUM): a window
clipped at the ends of the column keeps the taps on their positions (the
last tap on row i without ``center``) and the positions outside the column
are absent; nulls are absent too. The sum adds ``w[k] * x`` over the values
present; the mean divides that by the sum of *their* weights (renormalised),
so that on a column without nulls the values are Polars 2.x's. Where Polars
differs: with nulls Polars raises (a panic: "weights not yet supported on
array with null values"), here nulls are skipped as above and
``min_samples`` counts the non-null values; a window whose present weights
sum to 0 gives NaN from the mean (Polars 2.x gives 0.0, Polars 1.21 raises);
an infinity under a zero weight is ignored (Polars: 0 * inf = NaN);
non-finite weights or ``len(weights) != window_size`` raise ``ValueError``
(Polars gives NaN, or panics). Polars 1.21 also puts the first taps on a
clipped window's values and divides its mean by the sum of all the taps
(``pl.Series([1., 2., 3.]).rolling_mean(3, weights=[1., 1., 2.],
min_samples=1)`` is 0.25 at row 0 on 1.21; 2.x and mwk give 1.0): mwk
follows 2.x.
"""

_WEIGHTED_PARAMS_DOC = """weights : list of float or None, optional
    The taps: ``{w}`` finite values (zero and negative ones allowed),
    ``weights[0]`` on the oldest value of the window, as
    ``mwk.move_weighted_*`` (``mwk.window_taps`` builds named windows, as
    pandas' ``win_type``). None (default): every tap 1, the boxcar.
min_weight : float, optional
    In [0, 1]: a window gives NaN unless the absent positions (nulls,
    skipped NaN, positions outside the data) hold at most
    ``(1 - min_weight)`` of the total ``|weight|``. Default 0.
"""

_ROLLING_QUANTILE_DOC = """quantile : float
    The quantile, in [0, 1].
interpolation : {'nearest', 'higher', 'lower', 'midpoint', 'linear'}, optional
    numpy.quantile's method of the same name. Default ``'nearest'``, as
    Polars. (Polars' ``'equiprobable'`` is not supported.)
window_size : int
    Number of rows in the window (>= 1). Default 2, as Polars.
"""

_MOVING_QUANTILE_DOC = """quantile : float
    The quantile, in [0, 1] (after ``window``, as ``mwk.move_quantile``'s q).
interpolation : {'linear', 'lower', 'higher', 'nearest', 'midpoint'}, optional
    numpy.quantile's method of the same name. Default ``'linear'``, as
    ``mwk.move_quantile``.
"""

_ROLLING_NOTES = {
    "median": """
Polars' own ``rolling_median`` gives the same values (the mean of the two
middle values for an even count), but it is not consistent with its own
``rolling_quantile(0.5)``, whose default method 'nearest' gives one of the
middle values.
""",
    "quantile": """
With 'linear', 'lower', 'higher' and 'midpoint' the values are those of
Polars' ``rolling_quantile`` (and of ``numpy.quantile`` on each window).
'nearest' rounds the position ``quantile * (count - 1)`` half to even, as
NumPy; Polars rounds it half away from zero, so the two differ where that
position is exactly halfway between two values (the quantile 0.5 of two
values: NumPy and mwk take the lower one, Polars the upper one). Polars' own
``rolling_quantile(0.5)`` ('nearest' by default) of an even window is one of
the two middle values, not its ``rolling_median``. Linear interpolation is
rounded once (within an ulp of the exact value).
""",
}


def _out_doc(info: dict) -> str:
    if info["float32"]:
        return "Float64 values (Float32 for Float32 input)."
    return "Float64 values."


def _add_methods(stat: str) -> None:
    info = _STATS[stat]
    ddof = info["ddof"]
    fmt = dict(
        stat=stat,
        out_doc=_out_doc(info),
        int_out="Float64",
        algos=", ".join(repr(a) for a in ("auto", *info["algorithms"])),
    )
    rolling_doc = _ROLLING_DOC.format(
        ddof_doc=_ROLLING_DDOF_DOC.format(stat=stat) if ddof else "",
        ddof_null=" (and so does a window with ``ddof`` or fewer)" if ddof else "",
        **fmt,
    )
    moving_doc = _MOVING_DOC.format(ddof_doc=_MOVING_DDOF_DOC.format(stat=stat) if ddof else "", **fmt)

    if info["quantile"]:
        # Polars' signature: rolling_quantile(quantile, interpolation='nearest', window_size=2,
        # weights=None, *, min_samples=None, center=False); moving_quantile as mwk.move_quantile.
        def rolling(self, quantile: float, interpolation: str = "nearest",  # type: ignore[misc]
                    window_size: int = 2, weights: Optional[List[float]] = None, *,
                    min_samples: Optional[int] = None, center: bool = False, over: Any = None):
            _no_weights(weights)
            kw = _quantile_kwarg(stat, quantile, interpolation,
                                 _rolling_kwargs(window_size, min_samples, center, stat))
            return self._apply(lambda e: _rolling_expr(e, kw, over))

        def moving(self, window: int, quantile: float, interpolation: str = "linear",  # type: ignore[misc]
                   *, mode: str = "valid", min_samples: Optional[int] = None, nan_policy: str = "skip",
                   threads: Optional[int] = None, algorithm: str = "auto"):
            kw = _quantile_kwarg(stat, quantile, interpolation,
                                 _moving_kwargs(window, mode, min_samples, nan_policy, threads, algorithm, stat))
            return self._apply(lambda e: _moving_expr(e, kw))
    elif info["weights"]:
        # The taps, and min_weight (the fraction of the total |weight| that
        # must be present), as mwk.move_weighted_<stat>.
        def rolling(self, window_size: int, weights: Optional[List[float]] = None, *,  # type: ignore[misc]
                    min_samples: Optional[int] = None, center: bool = False, min_weight: float = 0.0,
                    over: Any = None):
            kw = _weights_kwarg(weights, _check_int(window_size, "window_size"), "window_size", min_weight,
                                _rolling_kwargs(window_size, min_samples, center, stat))
            return self._apply(lambda e: _rolling_expr(e, kw, over))

        def moving(self, window: int, weights: Optional[List[float]] = None, *,  # type: ignore[misc]
                   min_weight: float = 0.0, mode: str = "valid", min_samples: Optional[int] = None,
                   nan_policy: str = "skip", threads: Optional[int] = None, algorithm: str = "auto"):
            kw = _weights_kwarg(weights, _check_int(window, "window"), "window", min_weight,
                                _moving_kwargs(window, mode, min_samples, nan_policy, threads, algorithm, stat))
            return self._apply(lambda e: _moving_expr(e, kw))
    elif f"weighted_{stat}" in _STATS:
        # Polars' signature: rolling_mean/rolling_sum(window_size, weights=None, *, min_samples=None,
        # center=False); with weights, the registry's weighted_<stat>.
        def rolling(self, window_size: int, weights: Optional[List[float]] = None, *,  # type: ignore[misc]
                    min_samples: Optional[int] = None, center: bool = False, over: Any = None):
            kw = _rolling_kwargs(window_size, min_samples, center, stat)
            if weights is not None:
                kw = _weights_kwarg(weights, kw["window_size"], "window_size", 0.0,
                                    _rolling_kwargs(window_size, min_samples, center, f"weighted_{stat}"))
            return self._apply(lambda e: _rolling_expr(e, kw, over))

        def moving(self, window: int, *, mode: str = "valid",  # type: ignore[misc]
                   min_samples: Optional[int] = None, nan_policy: str = "skip",
                   threads: Optional[int] = None, algorithm: str = "auto"):
            kw = _moving_kwargs(window, mode, min_samples, nan_policy, threads, algorithm, stat)
            return self._apply(lambda e: _moving_expr(e, kw))
    elif stat in _WEIGHTS_ARG:
        # Polars' signature: rolling_median(window_size, weights=None, *, min_samples=None, center=False)
        def rolling(self, window_size: int, weights: Optional[List[float]] = None, *,  # type: ignore[misc]
                    min_samples: Optional[int] = None, center: bool = False, over: Any = None):
            _no_weights(weights)
            kw = _rolling_kwargs(window_size, min_samples, center, stat)
            return self._apply(lambda e: _rolling_expr(e, kw, over))

        def moving(self, window: int, *, mode: str = "valid",  # type: ignore[misc]
                   min_samples: Optional[int] = None, nan_policy: str = "skip",
                   threads: Optional[int] = None, algorithm: str = "auto"):
            kw = _moving_kwargs(window, mode, min_samples, nan_policy, threads, algorithm, stat)
            return self._apply(lambda e: _moving_expr(e, kw))
    elif ddof:
        def rolling(self, window_size: int, *, min_samples: Optional[int] = None, center: bool = False,
                    ddof: int = 1, over: Any = None):
            kw = _rolling_kwargs(window_size, min_samples, center, stat, ddof)
            return self._apply(lambda e: _rolling_expr(e, kw, over))

        def moving(self, window: int, *, mode: str = "valid", min_samples: Optional[int] = None,
                   nan_policy: str = "skip", threads: Optional[int] = None, algorithm: str = "auto",
                   ddof: int = 0):
            kw = _moving_kwargs(window, mode, min_samples, nan_policy, threads, algorithm, stat, ddof)
            return self._apply(lambda e: _moving_expr(e, kw))
    else:
        def rolling(self, window_size: int, *, min_samples: Optional[int] = None,  # type: ignore[misc]
                    center: bool = False, over: Any = None):
            kw = _rolling_kwargs(window_size, min_samples, center, stat)
            return self._apply(lambda e: _rolling_expr(e, kw, over))

        def moving(self, window: int, *, mode: str = "valid",  # type: ignore[misc]
                   min_samples: Optional[int] = None, nan_policy: str = "skip",
                   threads: Optional[int] = None, algorithm: str = "auto"):
            kw = _moving_kwargs(window, mode, min_samples, nan_policy, threads, algorithm, stat)
            return self._apply(lambda e: _moving_expr(e, kw))

    if info["quantile"]:
        rolling_doc = rolling_doc.replace("Parameters\n----------\n", "Parameters\n----------\n"
                                          + _ROLLING_QUANTILE_DOC, 1)
        moving_doc = moving_doc.replace("Parameters\n----------\n", "Parameters\n----------\n"
                                        + _MOVING_QUANTILE_DOC, 1)
    if info["quantile"] or stat in _WEIGHTS_ARG:
        rolling_doc = rolling_doc.replace("min_samples : int or None, optional", _WEIGHTS_DOC
                                          + "min_samples : int or None, optional", 1)
    if info["weights"]:
        base = stat[len("weighted_"):]
        rolling_doc = (f"Rolling weighted {base} along the rows: Polars' ``Expr.rolling_{base}(window_size, "
                       f"weights)``, with min_weight.\n" + rolling_doc.split("\n", 1)[1])
        rolling_doc = rolling_doc.replace("min_samples : int or None, optional", _WEIGHTED_PARAMS_DOC.format(
            w="window_size") + "min_samples : int or None, optional", 1)
        rolling_doc += _ROLLING_WEIGHTED_NOTES.format(stat=base)
        moving_doc = moving_doc.replace("mode : {", _WEIGHTED_PARAMS_DOC.format(w="window") + "mode : {", 1)
    elif f"weighted_{stat}" in _STATS:
        rolling_doc = rolling_doc.replace("min_samples : int or None, optional", _ROLLING_WEIGHTS_DOC.format(
            weighted="divided by ``sum(w)`` for the mean, see" if stat == "mean" else "see")
            + "min_samples : int or None, optional", 1)
        rolling_doc += _ROLLING_WEIGHTED_NOTES.format(stat=stat)
    if stat in _ROLLING_NOTES:
        rolling_doc += _ROLLING_NOTES[stat]
    methods = [(moving, "moving", moving_doc)]
    if stat not in _OWN_ROLLING:
        methods.append((rolling, "rolling", rolling_doc))
    for fn, kind, doc in methods:
        for cls in (MwkExprNamespace, MwkSeriesNamespace):
            name = f"{kind}_{stat}"

            method = types.FunctionType(fn.__code__, fn.__globals__, name, fn.__defaults__, fn.__closure__)
            method.__kwdefaults__ = dict(fn.__kwdefaults__ or {})
            method.__annotations__ = dict(fn.__annotations__)
            method.__qualname__ = f"{cls.__name__}.{name}"
            method.__module__ = __name__
            method.__doc__ = doc if cls is MwkExprNamespace else (
                f"{doc.splitlines()[0]}\n\nOn a series; see :meth:`MwkExprNamespace.{name}`.\n")
            setattr(cls, name, method)


for _stat in _STATS:
    _add_methods(_stat)
del _stat


# ------------------------------------------------- rolling_rank and hampel
_ROLLING_RANK_DOC = """Rolling rank with the semantics of Polars' ``Expr.rolling_rank``.

The rank (1-based) of each row's own value among the non-null values of its
window (the ``window_size`` rows ending at it, or centred on it with
``center=True``), ties resolved by ``method``.

Parameters
----------
window_size : int
    Number of rows in the window (>= 1); windows are clipped to the column.
method : {'average', 'min', 'max', 'dense', 'random'}, optional
    As Polars: 'average' (default) gives the mean of the tied ranks
    (Float64); 'min', 'max' and 'dense' the smallest, largest and dense
    rank, 'random' a random one of the tied ranks (Polars' index type,
    UInt32, or UInt64 for its bigidx build).
seed : int or None, optional
    Seed for 'random' (None: a fresh one per expression).
min_samples : int or None, optional
    Fewest non-null values a window needs for a result (else null); None
    means ``window_size``.
center : bool, optional
    Centre the window on the row. Default False.

Returns
-------
polars.Expr (polars.Series on a series)

Notes
-----
A null row gives null. NaN is a value, larger than every other (Polars'
total order); -0.0 and 0.0 tie. Integers are compared as integers (Int64 and
UInt64 beyond 2**53 included). O(log n) per row (a Fenwick tree over the
column's value ranks). 'random' draws from mwk's own generator, so its ties
are not Polars' for the same seed. This is Polars' rank, not the registry's
``moving_rank`` / ``mwk.move_rank`` (bottleneck's newest-element rank scaled
to [-1, 1]).
"""


def _rank_kwargs(window_size: int, method: str, seed: Optional[int], min_samples: Optional[int],
                 center: bool) -> dict:
    kw = _rolling_kwargs(window_size, min_samples, center)
    del kw["stat"]
    return _rank_method_seed(kw, method, seed)


def rolling_rank(self, window_size: int, method: str = "average", *, seed: Optional[int] = None,
                 min_samples: Optional[int] = None, center: bool = False):
    kw = _rank_kwargs(window_size, method, seed, min_samples, center)
    return self._apply(lambda e: _plugin_expr(e, "rolling_rank", kw, False))


_HAMPEL_DOC = """Hampel filter: outliers replaced by the moving median (or NaN).

As :func:`mwk.hampel`: an element whose distance from the median of its
centred window exceeds ``n_sigmas * 1.4826 * MAD`` (the window's median
absolute deviation) is replaced by that median, or NaN with
``replace='nan'``; median and MAD in one pass.

On a numeric column the column is one row (windows clipped at its ends;
nulls are missing values and stay null). On an ``Array`` or ``List`` column
each row is filtered on its own (e.g. one spectrum per row); null elements
inside a row are treated as NaN, and a null row gives a null row.

Parameters
----------
window : int
    Window length (>= 1), centred: row k's window is
    ``[k - window//2, k + (window-1)//2]`` clipped to the data.
n_sigmas : float, optional
    Threshold in units of 1.4826 MAD. Default 3.0.
replace : {'median', 'nan'}, optional
    What a flagged value becomes. Default 'median'.
min_samples : int or None, optional
    Fewest non-NaN values a window needs to flag anything; None means 1.
threads : int or None, optional
    Threads for one call (None: chosen as for ``moving_<stat>``).
algorithm : str, optional
    One of the median's algorithms (``mwk.polars.statistics()``); default
    'auto'.

Returns
-------
polars.Expr (polars.Series on a series)
    Float64 values (Float32 for Float32 input), the shape of the input.
"""


def _hampel_kwargs(window: int, n_sigmas: float, replace: str, min_samples: Optional[int],
                   threads: Optional[int], algorithm: str) -> dict:
    kw = _moving_kwargs(window, "centered", min_samples, "skip", threads, algorithm, "median")
    for k in ("stat", "mode", "nan_policy"):
        del kw[k]
    if isinstance(n_sigmas, bool) or not isinstance(n_sigmas, (int, float)):
        raise TypeError(f"n_sigmas must be a number, got {type(n_sigmas).__name__}")
    if not 0.0 <= float(n_sigmas) < float("inf"):
        raise ValueError(f"n_sigmas must be finite and >= 0, got {n_sigmas!r}")
    if replace not in ("median", "nan"):
        raise ValueError(f"replace must be one of 'median', 'nan'; got {replace!r}")
    kw["n_sigmas"] = float(n_sigmas)
    kw["replace"] = replace
    return kw


def hampel(self, window: int, n_sigmas: float = 3.0, *, replace: str = "median",
           min_samples: Optional[int] = None, threads: Optional[int] = None, algorithm: str = "auto"):
    kw = _hampel_kwargs(window, n_sigmas, replace, min_samples, threads, algorithm)
    # Elementwise on Array/List rows; along the column otherwise (the plugin
    # sees the dtype; a plain column must arrive whole).
    return self._apply(lambda e: _plugin_expr(e, "hampel", kw, False))


for _fn, _doc in ((rolling_rank, _ROLLING_RANK_DOC), (hampel, _HAMPEL_DOC)):
    for _cls in (MwkExprNamespace, MwkSeriesNamespace):
        _m = types.FunctionType(_fn.__code__, _fn.__globals__, _fn.__name__, _fn.__defaults__, _fn.__closure__)
        _m.__kwdefaults__ = dict(_fn.__kwdefaults__ or {})
        _m.__annotations__ = dict(_fn.__annotations__)
        _m.__qualname__ = f"{_cls.__name__}.{_fn.__name__}"
        _m.__module__ = __name__
        _m.__doc__ = _doc if _cls is MwkExprNamespace else (
            f"{_doc.splitlines()[0]}\n\nOn a series; see :meth:`MwkExprNamespace.{_fn.__name__}`.\n")
        setattr(_cls, _fn.__name__, _m)
del _fn, _doc, _cls, _m, rolling_rank, hampel


# ------------------------------------------------- exponentially weighted (issue 11)
# ewm_mean / ewm_sum / ewm_var / ewm_std with Polars' spelling, and
# ewm_mean_by; kwargs from mwk/_ewm.py, plugin entry python/src/polars_ewm.c.
from . import _ewm as _ewm_mod  # noqa: E402

_EWM_DOC = """Exponentially weighted {stat} along the column (mwk's definition).

As Polars' ``Expr.ewm_{polars}`` (same parameters{extra_params}), with the
definition of ``mwk.ewm_{stat}`` (include/mwk_ewm.h): nulls and NaN are
missing values; every row gets the value of the definition (Polars gives
null at null rows); ``adjust=False`` with ``ignore_nulls=False`` uses
weights on absolute positions, as pandas documents (pandas and Polars differ
from the second observation after a gap on). Float64 output (Float32 for
Float32 input). ``algorithm``: 'auto', 'naive' or 'scan' (mean, sum).
"""

_EWM_BY_DOC = """Exponentially weighted mean with time-based decay, as Polars' ``ewm_mean_by``.

The weight of an observation decays by ``2**(-dt/half_life)`` over a time
``dt`` of ``by`` (Datetime, Date, Duration, Int64 or Int32, sorted, no
nulls). ``half_life``: a fixed duration string ('1d', '2h30m'), a timedelta,
or for an integer ``by`` a number or 'Ni'. ``adjust=False`` (the default)
is Polars' own ``ewm_mean_by`` (y += (1 - 2**(-dt/h)) (x - y));
``adjust=True`` is pandas' ``times=`` (weights 2**(-(t - t_j)/h)): for
x = [1, 3] one day apart with a one-day half-life, 2.0 and 2.333 (Polars
#21015). Nulls and NaN are missing; ``ignore_nulls=True`` (the default, as
Polars) takes the decay gain from the previous observation.
"""


def _ewm_register(stat: str) -> None:
    polars_name = {"mean": "mean", "sum": "mean", "var": "var", "std": "std"}[stat]

    def method(self, com=None, span=None, half_life=None, alpha=None, *, adjust: bool = True,
               bias: bool = False, min_samples: int = 1, ignore_nulls: bool = False, algorithm: str = "auto"):
        kw = _ewm_mod.polars_kwargs(stat, com, span, half_life, alpha, adjust, min_samples, ignore_nulls, bias,
                                    algorithm)
        return self._apply(lambda e: register_plugin_function(
            plugin_path=PLUGIN_PATH, function_name="ewm", args=e, kwargs=kw, is_elementwise=False, **_ABS_PATH))

    if stat in ("mean", "sum"):
        def method(self, com=None, span=None, half_life=None, alpha=None, *,  # type: ignore[misc]  # noqa: F811
                   adjust: bool = True, min_samples: int = 1, ignore_nulls: bool = False, algorithm: str = "auto"):
            kw = _ewm_mod.polars_kwargs(stat, com, span, half_life, alpha, adjust, min_samples, ignore_nulls,
                                        False, algorithm)
            return self._apply(lambda e: register_plugin_function(
                plugin_path=PLUGIN_PATH, function_name="ewm", args=e, kwargs=kw, is_elementwise=False,
                **_ABS_PATH))

    doc = _EWM_DOC.format(stat=stat, polars=polars_name,
                          extra_params=", ``bias`` as Polars" if stat in ("var", "std") else
                          ("; Polars has no ewm_sum: the sum of w x" if stat == "sum" else ""))
    for cls in (MwkExprNamespace, MwkSeriesNamespace):
        m = types.FunctionType(method.__code__, method.__globals__, f"ewm_{stat}", method.__defaults__,
                               method.__closure__)
        m.__kwdefaults__ = dict(method.__kwdefaults__ or {})
        m.__qualname__ = f"{cls.__name__}.ewm_{stat}"
        m.__module__ = __name__
        m.__doc__ = doc
        setattr(cls, f"ewm_{stat}", m)


def _ewm_mean_by(self, by, *, half_life, adjust: bool = False, min_samples: int = 1, ignore_nulls: bool = True,
                 algorithm: str = "auto"):
    kw = _ewm_mod.polars_by_kwargs(half_life, adjust, ignore_nulls, min_samples, algorithm)
    if isinstance(self, MwkSeriesNamespace):
        s = self._s
        by_s = by if isinstance(by, pl.Series) else pl.Series(by)
        df = pl.DataFrame({"__x": s, "__by": by_s})
        return df.select(register_plugin_function(
            plugin_path=PLUGIN_PATH, function_name="ewm", args=[pl.col("__x"), pl.col("__by")], kwargs=kw,
            is_elementwise=False, **_ABS_PATH)).to_series().alias(s.name)
    by_e = pl.col(by) if isinstance(by, str) else by
    return register_plugin_function(plugin_path=PLUGIN_PATH, function_name="ewm", args=[self._expr, by_e],
                                    kwargs=kw, is_elementwise=False, **_ABS_PATH)


for _s in ("mean", "sum", "var", "std"):
    _ewm_register(_s)
for _cls in (MwkExprNamespace, MwkSeriesNamespace):
    _m = types.FunctionType(_ewm_mean_by.__code__, _ewm_mean_by.__globals__, "ewm_mean_by",
                            _ewm_mean_by.__defaults__, _ewm_mean_by.__closure__)
    _m.__kwdefaults__ = dict(_ewm_mean_by.__kwdefaults__ or {})
    _m.__qualname__ = f"{_cls.__name__}.ewm_mean_by"
    _m.__module__ = __name__
    _m.__doc__ = _EWM_BY_DOC
    setattr(_cls, "ewm_mean_by", _m)
del _s, _cls, _m
from . import _polars_by as _by_mod  # noqa: E402  rolling_<stat>_by (issue 12): mwk/_polars_by.py
_by_mod.install(MwkExprNamespace, MwkSeriesNamespace)
