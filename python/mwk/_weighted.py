"""move_weighted_sum / move_weighted_mean: the registry's weighted statistics
with the taps first (``move_weighted_mean(a, weights, ...)``) and pandas'
``win_type`` as ``window_type=``. The computation is the C library's
(``mwk_move`` with ``mwk_params.weights``); semantics in include/mwk.h
(MWK_STAT_WEIGHTED_SUM)."""
from typing import Any, Callable, Dict, Optional

import numpy as np

from . import _mwk

_COMMON = """
Parameters
----------
a : array_like
    Input, any number of dimensions (>= 1), any dtype of
    ``mwk.options()['dtypes']``.
weights : array_like of float, optional
    The taps, finite, zero and negative ones allowed: ``weights[i]``
    multiplies the window's i-th value, oldest first, so that in
    ``mode='valid'`` ``move_weighted_sum(x, w)`` is
    ``numpy.correlate(x, w, 'valid')`` = ``numpy.convolve(x, w[::-1],
    'valid')`` (convolve flips the taps), as pandas' ``rolling(win_type)``
    and Polars' ``rolling_*(weights=)``. The window is ``len(weights)``.
    Give either weights or ``window_type`` with ``window``.
min_count : int or None, optional
    Fewest non-NaN values a window needs for a result (else NaN); None
    (default) means the window.
axis : int, optional
    Default -1.
min_weight : float, optional
    In [0, 1]: a window gives NaN unless the sum of ``|weights|`` over its
    absent positions (NaN, or outside the data for clipped windows) is at
    most ``(1 - min_weight) * sum(|weights|)``. Default 0.
window_type : str, optional
    pandas' ``win_type``: the taps are ``scipy.signal.windows.<name>(window,
    sym=True)``; one of boxcar, triang, hann, hamming, blackman, bartlett,
    blackmanharris, nuttall, barthann, bohman, parzen, cosine, gaussian
    (``window_param`` = std), exponential (``window_param`` = tau).
window : int, optional
    The window length for ``window_type``.
window_param : float, optional
    gaussian's std or exponential's tau.
mode, algorithm, nan_policy, out, threads, target
    As for ``mwk.move_mean``; algorithm one of 'auto', 'naive' (the
    reference), 'direct' (SIMD dot products), 'fft' (FFTW overlap-save: a
    bound relative to the largest value in its block of ~8 windows; 'auto'
    picks it above a measured window length, see the C header).

Returns
-------
numpy.ndarray
    float32 for float32/float16 input, float64 otherwise.
"""


def _taps(weights: Any, window: Optional[int], window_type: Optional[str],
          window_param: Optional[float]) -> np.ndarray:
    if window_type is not None:
        if weights is not None:
            raise TypeError("give weights or window_type, not both")
        if window is None:
            raise TypeError("window_type needs window (the number of taps)")
        return _mwk.window_taps(window_type, window, 0.0 if window_param is None else float(window_param))
    if weights is None:
        raise TypeError("weights (or window_type with window) is required")
    w = np.asarray(weights, dtype=np.float64)
    if w.ndim != 1 or w.size == 0:
        raise ValueError("weights must be a non-empty 1-D sequence of floats")
    if window is not None and window != w.size:
        raise ValueError(f"window (={window}) must equal len(weights) (={w.size})")
    return w


def _make(stat: str, what: str) -> Callable[..., Any]:
    def fn(a: Any, weights: Any = None, min_count: Optional[int] = None, axis: int = -1,
           min_weight: float = 0.0, *, window_type: Optional[str] = None, window: Optional[int] = None,
           window_param: Optional[float] = None, mode: str = "trailing", algorithm: str = "auto",
           nan_policy: str = "skip", out: Any = None, threads: Optional[int] = None,
           target: Optional[str] = None) -> Any:
        w = _taps(weights, window, window_type, window_param)
        return _mwk.move(stat, a, w.size, min_count, axis, mode=mode, algorithm=algorithm,
                         nan_policy=nan_policy, out=out, threads=threads, target=target, weights=w,
                         min_weight=min_weight)

    fn.__name__ = fn.__qualname__ = "move_" + stat
    fn.__module__ = "mwk"
    fn.__doc__ = f"Moving weighted {what} along one axis.\n\n" + {
        "weighted_sum": "Each output is ``sum(w[i] * x[j+i])`` over the window's present (non-NaN) "
        "values.\n",
        "weighted_mean": "Each output is ``sum(w[i] * x[j+i]) / sum(w[i])`` over the window's "
        "present (non-NaN) values: NaN renormalises.\n",
    }[stat] + _COMMON
    return fn


def install(ns: Dict[str, Any]) -> None:
    """Replaces the registry-generated move_weighted_* (window first) by the
    taps-first functions above."""
    for stat, what in (("weighted_sum", "sum"), ("weighted_mean", "mean")):
        if "move_" + stat in ns:
            ns["move_" + stat] = _make(stat, what)
