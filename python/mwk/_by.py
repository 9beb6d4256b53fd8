"""Key-based (time) windows: ``move_<stat>_by`` for every statistic of the
registry but the weighted ones (C: ``mwk_move_by``, include/mwk_by.h).

Row i's window holds the rows whose key ``by[j]`` lies in an interval that
ends at ``by[i]`` and spans ``window`` key units, as Polars'
``rolling_<stat>_by``:

==========  ==============================
closed      window of row i
==========  ==============================
"right"     ``(by[i] - window, by[i]]``
"left"      ``[by[i] - window, by[i])``
"both"      ``[by[i] - window, by[i]]``
"none"      ``(by[i] - window, by[i])``
==========  ==============================

The window depends on the key alone: rows with equal keys share one window
(Polars' rule; pandas' ``rolling("15min")`` ends row i's window at row i, so
the two differ only where the key has ties). An empty window gives NaN.
"""

from __future__ import annotations

import linecache
import re
from typing import Any, Callable, Dict, List, Tuple

import numpy as np

from . import _mwk

_STATISTICS: List[Dict[str, Any]] = [s for s in _mwk.statistics() if "weights" not in s["params"]]
_CLOSED = {"right": 0, "left": 1, "both": 2, "none": 3}
_POLICY = {"skip": 0, "propagate": 1}
_INTERP = {"linear": 0, "lower": 1, "higher": 2, "nearest": 3, "midpoint": 4}
_ALGOS = {name: i for i, name in enumerate(_mwk.options()["algorithm"])}

# Lengths of numpy's time units in attoseconds (numpy's finest unit), so that
# every conversion is exact integer arithmetic.
_AS = {
    "as": 1, "fs": 10**3, "ps": 10**6, "ns": 10**9, "us": 10**12, "ms": 10**15, "s": 10**18,
    "m": 60 * 10**18, "h": 3600 * 10**18, "D": 86400 * 10**18, "W": 7 * 86400 * 10**18,
}
# Polars' duration units (fixed ones), in attoseconds.
_DURATION = {"ns": _AS["ns"], "us": _AS["us"], "µs": _AS["us"], "ms": _AS["ms"], "s": _AS["s"],
             "m": _AS["m"], "h": _AS["h"], "d": _AS["D"], "w": _AS["W"]}
_CALENDAR = ("mo", "q", "y", "i")
_TOKEN = re.compile(r"(\d+)(ns|us|µs|ms|mo|s|m|h|d|w|q|y|i)")


def parse_duration(text: str) -> int:
    """A Polars-style fixed duration ("15m", "1h30m", "2d", "500ms", "3us",
    "10ns", "1w") in attoseconds. Calendar units (mo, q, y) and the index
    unit (i) are errors: they have no fixed length in time."""
    if not isinstance(text, str):
        raise TypeError(f"a duration must be a str, got {type(text).__name__}")
    s = text.strip()
    if not s:
        raise ValueError("empty duration string")
    if s.startswith("-"):
        raise ValueError(f"window must be >= 0, got the duration {text!r}")
    pos, total = 0, 0
    while pos < len(s):
        m = _TOKEN.match(s, pos)
        if not m:
            raise ValueError(
                f"invalid duration {text!r}: expected integers with units, e.g. '15m', '1h30m', '2d', "
                f"'500ms' (units ns, us, ms, s, m, h, d, w)")
        unit = m.group(2)
        if unit in _CALENDAR:
            what = "the index unit 'i' (pass an int window for integer keys)" if unit == "i" else (
                f"the calendar unit {unit!r}, whose length varies (months, quarters and years)")
            raise ValueError(f"invalid duration {text!r}: {what} is not supported for key-based "
                             f"windows; use fixed units such as '30d' or '52w'")
        total += int(m.group(1)) * _DURATION[unit]
        pos = m.end()
    return total


def _unit_as(dtype: np.dtype) -> int:
    """Length of one count of a datetime64/timedelta64 dtype in attoseconds."""
    unit, count = np.datetime_data(dtype)
    if unit not in _AS:
        raise ValueError(f"keys of unit {unit!r} ({dtype}) have no fixed length: use a fixed unit "
                         f"(e.g. datetime64[D] or finer)")
    return _AS[unit] * count


def _to_key_units(attos: int, unit_as: int, what: str, dtype: np.dtype) -> int:
    if attos % unit_as:
        raise ValueError(f"window {what} is not a whole number of the key's units ({dtype})")
    w = attos // unit_as
    if w > np.iinfo(np.int64).max:
        raise ValueError(f"window {what} is too large for the key's units ({dtype})")
    return w


def _key_and_window(by: Any, window: Any) -> Tuple[np.ndarray, int]:
    """The key as int64 counts and the window in key units."""
    b = np.asarray(by)
    if b.ndim != 1:
        raise ValueError(f"by must be 1-D, got {b.ndim} dimensions")
    kind = b.dtype.kind
    if kind in "Mm":
        unit_as = _unit_as(b.dtype)
        k = b.view(np.int64)
        # NaT is the smallest int64: in a sorted key it can only come first
        # (an unsorted one is rejected in C, or is the caller's promise).
        if b.size and np.isnat(b[0]):
            raise ValueError("by holds NaT: key-based windows need a key for every row")
        if isinstance(window, str):
            w = _to_key_units(parse_duration(window), unit_as, repr(window), b.dtype)
        elif isinstance(window, np.timedelta64):
            if np.isnat(window):
                raise ValueError("window is NaT")
            wv = int(window.astype(np.int64))
            if wv < 0:
                raise ValueError(f"window must be >= 0, got {window!r}")
            w = _to_key_units(wv * _unit_as(window.dtype), unit_as, repr(window), b.dtype)
        elif isinstance(window, (int, np.integer)) and not isinstance(window, (bool, np.bool_)):
            w = int(window)
        else:
            raise TypeError(f"window must be an int (key units), a numpy.timedelta64 or a duration "
                            f"string such as '15m', got {type(window).__name__}")
    elif kind in "iu":
        if kind == "u" and b.size and b.max() > np.iinfo(np.int64).max:
            raise ValueError("by holds values beyond the int64 range")
        k = b.astype(np.int64, copy=False)
        if isinstance(window, (str, np.timedelta64)):
            raise TypeError(f"a duration window ({window!r}) needs a datetime64 or timedelta64 key; "
                            f"for an integer key pass an int window (key units)")
        if isinstance(window, (bool, np.bool_)) or not isinstance(window, (int, np.integer)):
            raise TypeError(f"window must be an int, got {type(window).__name__}")
        w = int(window)
    else:
        raise TypeError(f"by must be an int64, datetime64 or timedelta64 array, got dtype {b.dtype}")
    if w < 0:
        raise ValueError(f"window must be >= 0, got {window!r}")
    if w > np.iinfo(np.int64).max:
        raise ValueError(f"window {window!r} is beyond the int64 range")
    return k, w


def _move_by(stat: int, name: str, values: Any, by: Any, window: Any, closed: str, min_count: Any,
             check_sorted: bool, algorithm: str, nan_policy: str, threads: Any, target: Any,
             ddof: int = 0, q: Any = 0.5, interpolation: str = "linear") -> np.ndarray:
    fname = f"move_{name}_by"
    a = np.asarray(values)
    if a.ndim != 1:
        raise ValueError(f"{fname}: values must be 1-D, got {a.ndim} dimensions")
    k, w = _key_and_window(by, window)
    if k.shape[0] != a.shape[0]:
        raise ValueError(f"{fname}: values and by must have the same length ({a.shape[0]} != {k.shape[0]})")
    if closed not in _CLOSED:
        raise ValueError(f"closed must be one of {list(_CLOSED)}, got {closed!r}")
    if isinstance(min_count, (bool, np.bool_)) or not isinstance(min_count, (int, np.integer)):
        raise TypeError(f"min_count must be an int >= 1, got {min_count!r}")
    if min_count < 1:
        raise ValueError(f"min_count must be >= 1, got {min_count}")
    if nan_policy not in _POLICY:
        raise ValueError(f"nan_policy must be one of {list(_POLICY)}, got {nan_policy!r}")
    allowed = ["auto", "naive", _mwk.move_by_choose(stat)] + (["deque"] if name in ("min", "max") else [])
    if algorithm not in allowed:
        raise ValueError(f"algorithm must be one of {allowed} for {fname}; got {algorithm!r}")
    if threads is None:
        th = 0
    elif isinstance(threads, (bool, np.bool_)) or not isinstance(threads, (int, np.integer)) or threads < 1:
        raise ValueError(f"threads must be None or a positive integer, got {threads!r}")
    else:
        th = int(threads)
    if isinstance(ddof, (bool, np.bool_)) or not isinstance(ddof, (int, np.integer)) or ddof < 0:
        raise ValueError(f"ddof must be an integer >= 0, got {ddof!r}")
    if interpolation not in _INTERP:
        raise ValueError(f"interpolation must be one of {list(_INTERP)}, got {interpolation!r}")
    qs = None
    if np.ndim(q) == 0:
        qf = float(q)
        if not 0.0 <= qf <= 1.0:
            raise ValueError(f"q must be in [0, 1], got {q!r}")
    else:
        qs = np.ascontiguousarray(q, dtype=np.float64)
        if qs.ndim != 1 or qs.size == 0 or not ((qs >= 0) & (qs <= 1)).all():
            raise ValueError(f"q must be a float in [0, 1] or a non-empty 1-D sequence of them, got {q!r}")
        qf = 0.5
    if a.dtype.kind not in "fiub":
        raise TypeError(f"{fname} does not support dtype {a.dtype}; supported dtypes are "
                        f"{_mwk.options()['dtypes']} (convert first, e.g. a.astype(numpy.float64))")
    keeps32 = a.dtype in (np.float32, np.float16) and name not in ("argmin", "argmax")
    shape = (a.shape[0],) if qs is None else (a.shape[0], qs.size)
    out = np.empty(shape, dtype=np.float32 if keeps32 else np.float64)
    if not (a.dtype.isnative and a.flags.aligned):
        a = a.astype(a.dtype.newbyteorder("="))
    if not (k.dtype.isnative and k.flags.aligned):
        k = np.ascontiguousarray(k, dtype=np.int64)
    return _mwk.move_by(stat, a, k, out, w, _CLOSED[closed], int(min_count), bool(check_sorted),
                        _POLICY[nan_policy], _ALGOS[algorithm], th, target, int(ddof), qf, qs,
                        _INTERP[interpolation])


_DOC = """{summary}

Moving {name} over key-based (time) windows: row i's window holds the rows
whose key ``by[j]`` lies in an interval that ends at ``by[i]`` and spans
``window`` (Polars' ``rolling_{name}_by``; C: ``mwk_move_by``). Each window's
value is :func:`mwk.move_{name}`'s for the window's values (NaN policy,
infinities, accuracy contract).

Parameters
----------
values : array_like, 1-D
    Any dtype of ``mwk.options()['dtypes']``.
by : array_like, 1-D
    The key, sorted ascending: int64 (or another integer dtype), datetime64
    or timedelta64 of a fixed unit (not M or Y); no NaT.
window : int, numpy.timedelta64 or str
    The span, >= 0: an int in key units (the key's counts for datetime keys);
    a timedelta64, converted exactly to the key's unit (an inexact conversion
    is an error); or, for datetime/timedelta keys, a Polars duration string
    ("15m", "1h30m", "2d", "500ms", "3us", "10ns", "1w"; calendar units mo, q, y
    and the index unit i are errors).{qdoc}
closed : {{'right', 'left', 'both', 'none'}}
    Which ends of ``(by[i] - window, by[i]]`` belong to the window
    (default 'right', as Polars and pandas). Rows with equal keys share one
    window (Polars' rule); pandas differs where the key has ties.
min_count : int
    Fewest non-NaN values a window needs for a value (>= 1, default 1),
    else NaN. An empty window gives NaN (Polars' sum gives 0 there).
check_sorted : bool
    Check that ``by`` is sorted (ValueError otherwise; default). False:
    the caller promises it (an unsorted key then gives unspecified values,
    never a crash).
algorithm : str
    'auto' (default), 'naive' (each window on its own: the reference) or
    the statistic's running form ('{fast}'{more}).
nan_policy : {{'skip', 'propagate'}}
    As :func:`mwk.move_{name}` ('propagate' is Polars' handling of NaN; its
    nulls are skipped).
threads, target : optional
    As :func:`mwk.move_{name}`; results never depend on the thread count.{pdoc}

Returns
-------
numpy.ndarray
    One value per row (float32 for float32/float16 input where
    move_{name} keeps float32, else float64){qret}.

Notes
-----
1-D only (one key for one series): there is no ``axis``.
"""


def _make(info: Dict[str, Any]) -> Callable[..., Any]:
    name, params = info["name"], info["params"]
    fn_name = f"move_{name}_by"
    positional = info.get("positional", [])
    if not fn_name.isidentifier() or not all(p.isidentifier() for p in params):
        raise RuntimeError(f"mwk registry: {fn_name!r} {list(params)!r} are not Python identifiers")
    pos = "".join(f", {p}" for p in positional)
    kw = "".join(f", {p}={default!r}" for p, default in params.items() if p not in positional)
    fwd = "".join(f", {p}={p}" for p in params)
    src = (
        f"def {fn_name}(values, by, window{pos}, closed='right', min_count=1, *{kw}, check_sorted=True, "
        f"algorithm='auto', nan_policy='skip', target=None, threads=None):\n"
        f"    return _move_by({info['id']}, {name!r}, values, by, window, closed, min_count, check_sorted, "
        f"algorithm, nan_policy, threads, target{fwd})\n"
    )
    ns: Dict[str, Any] = {"_move_by": _move_by}
    filename = f"<mwk registry: {fn_name}>"
    exec(compile(src, filename, "exec"), ns)
    linecache.cache[filename] = (len(src), None, src.splitlines(True), filename)
    fn = ns[fn_name]
    fn.__module__ = "mwk"
    fn.__qualname__ = fn_name
    qdoc = ("\nq : float or sequence of float\n    Quantile(s) in [0, 1] (numpy.quantile's q); a sequence gives one\n"
            "    value per q along a trailing axis." if "q" in positional else "")
    pdoc = "".join(f"\n{p} : optional\n    As :func:`mwk.move_{name}` (default {d!r})."
                   for p, d in params.items() if p not in positional)
    fn.__doc__ = _DOC.format(summary=f"Moving window {name} over key-based (time) windows.", name=name,
                             more=", or 'deque'" if name in ("min", "max") else "",
                             fast=_mwk.move_by_choose(info["id"]), qdoc=qdoc, pdoc=pdoc,
                             qret=", shape (n, len(q)) for a sequence of q" if qdoc else "")
    return fn


__all__: List[str] = []
for _info in _STATISTICS:
    _fn = _make(_info)
    globals()[_fn.__name__] = _fn
    __all__.append(_fn.__name__)
del _info, _fn
