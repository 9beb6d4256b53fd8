"""mwk.Stream: a moving statistic whose data arrives in pieces (issue 12).

The state of ``move_<stat>`` carried across chunks: pushing the pieces of an
array one after the other gives, concatenated, exactly (bit for bit) what one
``move_<stat>`` call over the whole array gives. The state can be saved to
bytes (:meth:`Stream.to_bytes`, pickling) and picked up by another process.
The C half is ``mwk._mwk._Stream`` (python/src/stream_py.c) over the C API of
include/mwk_stream.h.
"""
from __future__ import annotations

import json
import struct
from typing import Any, Dict, Optional

import numpy as np

from . import _mwk, _weighted

_OPTIONS: Dict[str, Any] = _mwk.options()
_STATS: Dict[str, Dict[str, Any]] = {s["name"]: s for s in _mwk.statistics()}
_BY_ID: Dict[int, str] = {s["id"]: s["name"] for s in _STATS.values()}
# numpy.quantile's method names in mwk_interpolation's order (include/mwk.h).
_INTERP = ("linear", "lower", "higher", "nearest", "midpoint")
_LONG_WINDOW = ("error", "clip")  # mwk_long_window's order
# to_bytes(): this header, a JSON layout record, then mwk_stream_serialize's
# bytes (themselves versioned and checksummed by the library).
_MAGIC = b"MWKPYST1"
_HEAD = struct.Struct("<8sI")

__all__ = ["Stream"]


def _stat_name(stat: Any) -> str:
    if isinstance(stat, str) and stat in _STATS:
        return stat
    if isinstance(stat, (int, np.integer)) and not isinstance(stat, bool) and int(stat) in _BY_ID:
        return _BY_ID[int(stat)]
    if not isinstance(stat, (str, int, np.integer)) or isinstance(stat, bool):
        raise TypeError(f"stat must be a str (a statistic's name) or an int (its id), got {type(stat).__name__}")
    raise ValueError(f"stat must be one of {', '.join(repr(s) for s in _STATS)}; got {stat!r}")


class Stream:
    """A moving-window statistic over data that arrives in pieces.

    ``Stream(stat, window, ...)`` computes ``move_<stat>(X, window, ...)``
    where X is the concatenation of every array pushed, without holding X:
    :meth:`push` returns the outputs that became final, :meth:`finish` the
    rest. Concatenated, they are **bit-identical** to the one call over X,
    for every statistic, algorithm, SIMD target, dtype, mode, NaN policy and
    any chunking (pushes of 0 or 1 value included).

    Parameters
    ----------
    stat : str or int
        A statistic of ``mwk.statistics()`` (``'mean'``, ``'std'``,
        ``'quantile'``, ...), by name or id.
    window : int
        Window length, as for ``move_<stat>`` (for weighted_sum/weighted_mean
        also the taps, as ``move_weighted_mean(a, taps)``).
    min_count, mode, algorithm, nan_policy, threads, target
        As for ``move_<stat>`` (same names, defaults and checks: ``mode`` is
        ``'trailing'``, ``'valid'`` or ``'centered'``). ``target`` is resolved
        when the stream is created and kept (the state is only valid on it).
    axis : int, optional
        For 2-D pushes: the axis along which values arrive (the window's
        axis). -1 (default): pushes of shape ``(rows, n)``; 0: ``(n, rows)``
        (e.g. one spectrum per row, each channel a stream of its own). 1-D
        pushes: -1 or 0.
    dtype : numpy dtype or None, optional
        The dtype of every push (None: that of the first push). A push of
        another dtype raises TypeError; lists are converted to it.
    rows : int or None, optional
        Number of independent rows (2-D pushes). None: fixed by the first
        push (a 1-D push makes a single 1-D stream).
    long_window : {'error', 'clip'}, optional
        When fewer than ``window`` values arrive in all: ``'error'`` (default,
        ``move_<stat>``'s rule) makes :meth:`finish` raise ValueError;
        ``'clip'`` gives the clipped windows (``min_count`` decides which give
        a result) as the Polars plugin does.
    **params
        The statistic's parameters as ``move_<stat>`` names them (``ddof``,
        ``q``, ``interpolation``, ``weights``, ``min_weight``,
        ``window_type``). A sequence of ``q`` adds a trailing output axis.

    Notes
    -----
    Outputs come out in order; a push returns those that became final:
    trailing windows when their newest value arrives, centered ones
    ``(window-1)//2`` values later, valid ones ``window-1`` later. The first
    ones wait until ``window`` values have arrived, and the algorithm may hold
    some back (``info()['max_held']``, include/mwk_stream.h says which):
    those whose windows depend on the rest of their segment of the one-call
    grid ('ring', 'welford', 'fft', var/std 'prefix', 'heap') hold up to
    ``max(65536, 8*window) - 1``; 'prefix' for sum, mean, min, max and the
    args ``window - 1``; the others 63. The output dtype is ``move_<stat>``'s. The GIL is
    released during :meth:`push` and :meth:`finish`; a stream must not be
    used by two threads at once (that raises RuntimeError).

    Saving: :meth:`to_bytes` / :meth:`from_bytes`, and pickling (through the
    same bytes). The state holds the statistic, its parameters, the options,
    the resolved SIMD target and the values each row still needs (O(window)
    per row for ``'auto'``). Corrupt or foreign bytes raise ValueError.

    Examples
    --------
    >>> import numpy as np, mwk
    >>> s = mwk.Stream("mean", 3)
    >>> np.concatenate([s.push(np.arange(4.0)), s.push(np.arange(4.0, 6.0)), s.finish()])
    array([nan, nan,  1.,  2.,  3.,  4.])
    """

    __slots__ = ("_c", "_stat", "_window", "_spec", "_dtype", "_rows", "_axis", "_threads", "_qseq", "_oned")

    def __init__(self, stat: Any, window: Any, min_count: Optional[int] = None, *, axis: int = -1,
                 mode: str = "trailing", algorithm: str = "auto", nan_policy: str = "skip",
                 long_window: str = "error", dtype: Any = None, rows: Optional[int] = None,
                 threads: Optional[int] = None, target: Optional[str] = None, **params: Any) -> None:
        name = _stat_name(stat)
        info = _STATS[name]
        extra = {"window_type"} if "weights" in info["params"] else set()
        for p in params:
            if p not in info["params"] and p not in extra:
                raise TypeError(f"Stream({name!r}) got an unexpected keyword argument {p!r} "
                                f"(the parameters of move_{name}: {', '.join(list(info['params']) + sorted(extra)) or 'none'})")
        if params.get("window_type") is not None:
            params["weights"] = _weighted.window_type_taps(params.pop("window_type"), window, params.get("weights"))
        params.pop("window_type", None)
        # Weighted statistics: the taps in window's place.
        if "weights" in info["params"] and isinstance(window, (list, tuple, np.ndarray)) and np.ndim(window) > 0:
            if params.get("weights") is not None:
                raise TypeError(f"Stream({name!r}): taps given twice (as window and as weights)")
            params["weights"] = window
            window = len(window)
        if not isinstance(long_window, str):
            raise TypeError(f"long_window must be a str, got {type(long_window).__name__}")
        if long_window not in _LONG_WINDOW:
            raise ValueError(f"long_window must be one of 'error', 'clip'; got {long_window!r}")
        if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)):
            raise TypeError(f"axis must be an integer, got {type(axis).__name__}")
        if axis not in (-2, -1, 0, 1):
            raise ValueError(f"axis must be -1 or 0 (or 1, -2 for 2-D pushes), got {axis}")
        if rows is not None:
            if isinstance(rows, bool) or not isinstance(rows, (int, np.integer)):
                raise TypeError(f"rows must be None or an integer, got {type(rows).__name__}")
            if rows < 1:
                raise ValueError(f"rows must be >= 1, got {rows}")
        # Every other argument is checked by move_<stat>'s own entry, on a
        # probe of one window (so the messages are move_<stat>'s), then
        # resolved here for the C half.
        probe_kw = {k: v for k, v in params.items() if v is not None}
        w_int = len(probe_kw["weights"]) if "weights" in probe_kw and not isinstance(window, (int, np.integer)) \
            else window
        if isinstance(w_int, bool) or not isinstance(w_int, (int, np.integer)):
            raise TypeError(f"window must be an integer, got {type(w_int).__name__}")
        if w_int < 1:
            raise ValueError(f"window must be >= 1, got {w_int}")
        _mwk.move(name, np.zeros(int(w_int)), w_int, min_count, mode=mode, algorithm=algorithm,
                  nan_policy=nan_policy, threads=threads, target=target, **probe_kw)
        q = params.get("q")
        qseq = q is not None and np.ndim(q) > 0
        self._spec = dict(
            stat=info["id"], window=int(w_int), align=_OPTIONS["mode"].index(mode or "trailing"),
            algorithm=algorithm or "auto", nan_policy=_OPTIONS["nan_policy"].index(nan_policy or "skip"),
            min_count=0 if min_count is None else int(min_count), long_window=_LONG_WINDOW.index(long_window),
            threads=0 if threads is None else int(threads), target=target,
            ddof=int(params.get("ddof") or 0),
            quantile=float(q) if q is not None and not qseq else float(info["params"].get("q", 0.5)),
            quantiles=np.ascontiguousarray(q, dtype=np.float64).ravel() if qseq else None,
            interpolation=_INTERP.index(params.get("interpolation") or "linear"),
            weights=None if params.get("weights") is None else np.ascontiguousarray(params["weights"], np.float64),
            min_weight=float(params.get("min_weight") or 0.0),
        )
        self._c: Any = None
        self._stat = name
        self._window = int(w_int)
        self._dtype = None if dtype is None else np.dtype(dtype)
        self._rows = None if rows is None else int(rows)
        self._axis = 0 if axis in (0, -2) else 1
        self._threads = self._spec["threads"]
        self._qseq = bool(qseq)
        self._oned: Optional[bool] = None if rows is None else False
        if self._dtype is not None and self._rows is not None:
            self._create()

    # ------------------------------------------------------------ internals
    def _create(self) -> None:
        assert self._dtype is not None and self._rows is not None and self._oned is not None
        self._c = _mwk._Stream(rows=self._rows, dtype_probe=np.empty(0, self._dtype), oned=self._oned,
                               axis0=self._axis == 0 and not self._oned, qseq=self._qseq, **self._spec)

    @classmethod
    def _wrap(cls, c: Any, threads: int) -> "Stream":
        self = cls.__new__(cls)
        info = c.info()
        self._c = c
        self._stat = info["stat"]
        self._window = info["window"]
        self._spec = None
        self._dtype = np.dtype(info["dtype"])
        self._rows = info["rows"]
        self._axis = 0 if info["axis0"] else 1
        self._threads = threads
        self._qseq = info["qseq"]
        self._oned = info["oned"]
        return self

    # ------------------------------------------------------------ the API
    def push(self, x: Any) -> np.ndarray:
        """Push the next values; return the outputs that became final.

        ``x``: 1-D (a single stream), or 2-D for a batch of rows (``(rows,
        n)``, or ``(n, rows)`` with ``axis=0``), every push the same kind
        and number of rows, any length ``n`` (0 included). Returns an array
        of ``move_<stat>``'s output dtype: ``(k,)``, ``(rows, k)`` or ``(k,
        rows)`` (plus a trailing axis for a sequence of q), ``k`` the same
        for every row.
        """
        if not isinstance(x, np.ndarray):
            x = np.asarray(x, dtype=self._dtype)
        if self._c is None:
            if self._spec is None:  # pragma: no cover
                raise ValueError("Stream.push: the stream has no state")
            if x.ndim not in (1, 2):
                raise ValueError(f"Stream.push: expected a 1-D or 2-D array, got {x.ndim}-D")
            if self._dtype is not None and x.dtype != self._dtype:
                raise TypeError(f"Stream.push: got dtype {x.dtype}, but the stream's dtype is {self._dtype}")
            if self._oned is None:
                self._oned = x.ndim == 1
                self._rows = 1 if self._oned else int(x.shape[0 if self._axis == 1 else 1])
                if self._rows < 1:
                    raise ValueError("Stream.push: a first 2-D push must have at least one row")
            self._dtype = x.dtype.newbyteorder("=") if x.dtype.byteorder not in "=|" else x.dtype
            self._create()
        return self._c.push(x)

    def finish(self) -> np.ndarray:
        """The remaining outputs (the clipped windows at the end in
        'centered' mode; everything when fewer than ``window`` values
        arrived, under ``long_window``). The stream is finished afterwards:
        a push or a second finish raises ValueError."""
        if self._c is None:
            raise ValueError("Stream.finish: nothing was pushed, so the stream has no dtype or rows yet "
                             "(push an empty array, or give dtype= and rows=)")
        return self._c.finish()

    def to_bytes(self) -> bytes:
        """The stream's state: a small layout header, then the library's
        versioned, checksummed state (mwk_stream_serialize)."""
        if self._c is None:
            raise ValueError("Stream.to_bytes: the stream has no state before its first push "
                             "(give dtype= and rows= to create it at once)")
        head = json.dumps({"oned": bool(self._oned), "axis0": self._axis == 0 and not self._oned,
                           "qseq": self._qseq}).encode()
        return _HEAD.pack(_MAGIC, len(head)) + head + self._c.to_bytes()

    @classmethod
    def from_bytes(cls, b: Any, *, threads: Optional[int] = None) -> "Stream":
        """A stream from :meth:`to_bytes` (or from the C API's
        mwk_stream_serialize bytes: then a 1-row state is a 1-D stream).
        Anything else raises ValueError; a state saved on a SIMD target this
        CPU lacks too. ``threads`` as for move_<stat>."""
        try:
            mv = memoryview(b).cast("B")
        except TypeError:
            raise TypeError(f"Stream.from_bytes: expected a bytes-like object, got {type(b).__name__}") from None
        if isinstance(threads, bool) or (threads is not None and (not isinstance(threads, (int, np.integer))
                                                                  or threads < 1)):
            raise ValueError(f"threads must be None or a positive integer, got {threads!r}")
        t = 0 if threads is None else int(threads)
        if bytes(mv[:8]) == _MAGIC:
            if len(mv) < _HEAD.size:
                raise ValueError("Stream.from_bytes: not a valid mwk stream state (truncated header)")
            _, n = _HEAD.unpack_from(mv)
            try:
                lay = json.loads(bytes(mv[_HEAD.size:_HEAD.size + n]).decode())
                oned, axis0, qseq = (bool(lay["oned"]), bool(lay["axis0"]), bool(lay["qseq"]))
            except (ValueError, KeyError, TypeError, UnicodeDecodeError):
                raise ValueError("Stream.from_bytes: not a valid mwk stream state (corrupt layout header)") from None
            c = _mwk._Stream._restore(mv[_HEAD.size + n:], t, oned, axis0, qseq)
        else:
            c = _mwk._Stream._restore(mv, t, False, False, False)
            info = c.info()
            c = _mwk._Stream._restore(mv, t, info["rows"] == 1, False, info["n_out"] > 1)
        return cls._wrap(c, t)

    def __reduce__(self) -> Any:
        if self._c is None:  # not started: its settings are all there is
            return (_unstarted, ({k: getattr(self, k) for k in self.__slots__ if k != "_c"},))
        return (_from_bytes, (self.to_bytes(), self._threads or None))

    def info(self) -> Dict[str, Any]:
        """Everything about the stream: stat, algorithm (resolved), target,
        dtype, out_dtype, rows, window, n_out (values per position), n_in,
        n_emitted, max_held, finished."""
        if self._c is None:
            return {"stat": self._stat, "window": self._window, "dtype": None if self._dtype is None else str(self._dtype),
                    "rows": self._rows, "n_in": 0, "n_emitted": 0, "finished": False, "algorithm": None,
                    "target": None}
        d = dict(self._c.info())
        for k in ("oned", "axis0", "qseq"):
            d.pop(k, None)
        return d

    @property
    def stat(self) -> str:
        return self._stat

    @property
    def window(self) -> int:
        return self._window

    @property
    def n_in(self) -> int:
        """Values pushed so far, per row."""
        return int(self.info()["n_in"])

    @property
    def n_emitted(self) -> int:
        """Output positions returned so far, per row."""
        return int(self.info()["n_emitted"])

    @property
    def algorithm(self) -> Optional[str]:
        """The algorithm in use (resolved: never 'auto'); None before the stream exists."""
        return self.info()["algorithm"]

    @property
    def target(self) -> Optional[str]:
        """The SIMD target the stream was created on (None before it exists)."""
        return self.info()["target"]

    @property
    def dtype(self) -> Optional[np.dtype]:
        return self._dtype

    @property
    def rows(self) -> Optional[int]:
        return self._rows

    @property
    def finished(self) -> bool:
        return bool(self.info()["finished"])

    def __repr__(self) -> str:
        i = self.info()
        if self._c is None:
            return f"mwk.Stream({self._stat!r}, window={self._window}, not started: dtype and rows come with the first push)"
        shape = "1-D" if self._oned else f"rows={i['rows']}, axis={0 if self._axis == 0 else -1}"
        return (f"mwk.Stream({self._stat!r}, window={self._window}, algorithm={i['algorithm']!r}, "
                f"target={i['target']!r}, dtype={i['dtype']}, {shape}, n_in={i['n_in']}, "
                f"n_emitted={i['n_emitted']}{', finished' if i['finished'] else ''})")


def _from_bytes(b: bytes, threads: Optional[int]) -> Stream:
    """Unpickling: :meth:`Stream.from_bytes` (module level, so picklable)."""
    return Stream.from_bytes(b, threads=threads)


def _unstarted(d: Dict[str, Any]) -> Stream:
    """Unpickling a stream that was never pushed to."""
    self = Stream.__new__(Stream)
    self._c = None
    for k, v in d.items():
        setattr(self, k, v)
    return self
