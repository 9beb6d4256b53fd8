"""move_fir_bank: K FIR filters along an axis in one call (issue 11), from
the C library's mwk_fir_bank_batch (include/mwk.h, "FIR filter banks")."""
import operator
from typing import Any, Optional

import numpy as np

from . import _mwk

# The C enums' values are their positions in the C API's name lists.
_OPT = _mwk.options()
_MODES = {m: i for i, m in enumerate(_OPT["mode"])}
_POLICIES = {p: i for i, p in enumerate(_OPT["nan_policy"])}
_ALGOS = {a: i for i, a in enumerate(_OPT["algorithm"]) if a in ("auto", "naive", "direct", "fft", "gemm")}


def _choice(name: str, value: Any, table: dict) -> int:
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str, got {type(value).__name__}")
    if value not in table:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, table))}, got {value!r}")
    return table[value]


def move_fir_bank(a: Any, taps: Any, *, mode: str = "trailing", min_count: Optional[int] = None,
                  min_weight: float = 0.0, axis: int = -1, out: Any = None, algorithm: str = "auto",
                  nan_policy: str = "skip", threads: Optional[int] = None,
                  target: Optional[str] = None) -> Any:
    """A bank of K FIR filters (moving weighted sums) along ``axis``, in one call.

    ``taps`` has shape ``(K, window)``: filter k is ``taps[k]``, oldest value
    first, so that in ``mode='valid'`` ``move_fir_bank(x, taps)[..., k]`` is
    ``numpy.correlate(x, taps[k], 'valid')``. Each filter has exactly the
    semantics of ``move_weighted_sum(a, taps[k], ...)`` with the same
    arguments: NaN skipped (or propagated by ``nan_policy``), ``min_count``,
    ``min_weight``, clipped windows at the ends for ``'trailing'`` and
    ``'centered'``, infinities.

    Parameters
    ----------
    a : array_like
        Input, any number of dimensions, the dtypes of ``move_weighted_sum``.
    taps : array_like
        Finite float64 taps of shape ``(K, window)`` (a 1-D array is one filter).
    mode, min_count, min_weight, axis, nan_policy, threads, target : optional
        As ``move_weighted_sum`` (``min_count`` None: the window).
    algorithm : {'auto', 'naive', 'direct', 'fft', 'gemm'}, optional
        ``'direct'``: weighted_sum's SIMD dot products per filter;
        ``'fft'``: FFTW overlap-save with one forward transform per block and
        one inverse per filter (error relative to the block's largest value,
        see include/mwk.h); ``'gemm'``: windows times taps with OpenBLAS
        (``runtime_info()['versions']['blas']``; ValueError when built
        without BLAS). ``'auto'``: direct up to a window of 96, fft above.
    out : numpy.ndarray, optional
        Where to write: the output shape and dtype, writeable.

    Returns
    -------
    numpy.ndarray
        float64 (float32 for float32/float16 input) with the shape of ``a``
        (``n - window + 1`` along ``axis`` in ``'valid'`` mode) and one more,
        trailing axis of K: the filters, in the order of ``taps``.
    """
    arr = np.asarray(a)
    if arr.ndim == 0:
        raise ValueError("move_fir_bank: a must have at least one dimension")
    t = np.ascontiguousarray(np.asarray(taps, dtype=np.float64))
    if t.ndim == 1:
        t = t[None, :]
    if t.ndim != 2 or t.shape[0] == 0 or t.shape[1] == 0:
        raise ValueError(f"move_fir_bank: taps must have shape (K, window) with K, window >= 1, got {t.shape}")
    K, W = t.shape
    ax = operator.index(axis)
    if not -arr.ndim <= ax < arr.ndim:
        raise np.exceptions.AxisError(ax, arr.ndim) if hasattr(np, "exceptions") else ValueError(
            f"axis {ax} is out of bounds for an array of dimension {arr.ndim}")
    ax %= arr.ndim
    align = _choice("mode", mode, _MODES)
    pol = _choice("nan_policy", nan_policy, _POLICIES)
    alg = _choice("algorithm", algorithm, _ALGOS)
    if min_count is None:
        mc = 0
    else:
        mc = operator.index(min_count)
        if not 1 <= mc <= W:
            raise ValueError(f"min_count must be in [1, window], got {mc}")
    if threads is None:
        th = 0
    else:
        th = operator.index(threads)
        if th < 1:
            raise ValueError("threads must be None or a positive integer")
    mw = float(min_weight)
    if arr.dtype.kind not in "fiub" or arr.dtype.itemsize > 8:
        raise TypeError(f"move_fir_bank: unsupported dtype {arr.dtype}")
    if not arr.dtype.isnative or not arr.flags.aligned:
        arr = arr.astype(arr.dtype.newbyteorder("="))
    n = arr.shape[ax]
    if W > n:  # bottleneck's rule, as move_weighted_sum
        raise ValueError(f"window ({W}) is longer than the data along axis ({n})")
    n_out = n - W + 1 if align == 1 else n
    odt = np.float32 if arr.dtype in (np.float32, np.float16) else np.float64
    oshape = arr.shape[:ax] + (n_out,) + arr.shape[ax + 1:] + (K,)
    if out is None:
        res = np.empty(oshape, dtype=odt)
    else:
        if not isinstance(out, np.ndarray):
            raise TypeError("out must be a numpy.ndarray")
        if out.shape != oshape or out.dtype != odt:
            raise ValueError(f"out must have shape {oshape} and dtype {np.dtype(odt).name}, "
                             f"got {out.shape} {out.dtype}")
        res = out
    if res.size == 0:
        return res
    # Rows: every other axis, flattened (a copy of the input only when the
    # axes cannot be merged as a view); the output through a view when
    # possible, else a temporary copied back.
    x2 = np.moveaxis(arr, ax, -1).reshape(-1, n)
    y3 = np.moveaxis(res, ax, -2)
    tmp = None
    yv = y3.reshape(-1, n_out, K)  # a view when the axes merge, else a copy
    if not np.shares_memory(yv, res):
        tmp = yv = np.empty((x2.shape[0], n_out, K), dtype=odt)
    if np.shares_memory(x2, yv):
        x2 = x2.copy()
    _mwk.fir_bank(x2, t, yv, align, mc, mw, pol, alg, th, target)
    if tmp is not None:
        y3[...] = tmp.reshape(y3.shape)
    return res
