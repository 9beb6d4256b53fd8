"""mwk: moving-window kernels.

Fast moving-window statistics with a per-window accuracy contract, for NumPy
arrays (``move_mean``, ``move_sum``, ``move_var``, ``move_std``, ``move_min``,
``move_max``, ``move_argmin``, ``move_argmax``: drop-ins for bottleneck's
functions of the same names) and, after ``import mwk.polars``, for Polars
expressions and series (the ``.mwk`` namespace).

The ``move_*`` functions are generated from the C library's registry of
statistics (:func:`statistics`): a statistic added to the registry appears
here, with its parameters, algorithms and accuracy contract, without a change
to this file.
"""
from __future__ import annotations

import linecache
import textwrap
from typing import Any, Callable, Dict, List

from . import _mwk, _weighted
from ._mwk import __version__, move, statistics

_OPTIONS: Dict[str, Any] = _mwk.options()
_STATISTICS: List[Dict[str, Any]] = _mwk.statistics()

# --------------------------------------------------------------------------
# Per-statistic prose. The names, parameters, algorithms, output dtypes and
# accuracy contracts come from the registry; this adds what a reader wants
# beyond them. A statistic without an entry still gets a complete docstring.
_TEXT: Dict[str, Dict[str, str]] = {
    "mean": dict(
        summary="Moving window mean along one axis.",
        value="the mean of the window's values",
        example=">>> mwk.move_mean(np.arange(5.0), 2)\narray([nan, 0.5, 1.5, 2.5, 3.5])\n"
        ">>> mwk.move_mean(np.arange(5.0), 2, mode='valid')\narray([0.5, 1.5, 2.5, 3.5])",
    ),
    "sum": dict(
        summary="Moving window sum along one axis.",
        value="the sum of the window's values (NaNs skipped count as nothing)",
        example=">>> mwk.move_sum(np.array([1.0, 2.0, np.nan, 4.0]), 2, min_count=1)\n"
        "array([1., 3., 2., 4.])",
    ),
    "var": dict(
        summary="Moving window variance along one axis.",
        value="``sum((x - mean)**2) / (count - ddof)`` over the window's values, "
        "never negative and exactly 0 for a constant window; NaN while the window "
        "holds an inf, accurate again once it has left",
        note="One difference from bottleneck: a window whose count of values equals ``ddof`` "
        "gives NaN (as NumPy), where bottleneck divides by zero and gives inf in some positions.",
        example=">>> mwk.move_var(np.array([1.0, 2.0, 4.0, 8.0]), 2)\narray([ nan, 0.25, 1.  , 4.  ])",
    ),
    "std": dict(
        summary="Moving window standard deviation along one axis.",
        value="``sqrt(move_var)``: never negative, exactly 0 for a constant window; NaN "
        "while the window holds an inf, accurate again once it has left",
        note="One difference from bottleneck: a window whose count of values equals ``ddof`` "
        "gives NaN (as NumPy), where bottleneck divides by zero and gives inf in some positions.",
        example=">>> mwk.move_std(np.array([1.0, 2.0, 4.0, 8.0]), 2, ddof=1)\n"
        "array([       nan, 0.70710678, 1.41421356, 2.82842712])",
    ),
    "min": dict(
        summary="Moving window minimum along one axis.",
        value="the smallest of the window's values, exactly (inf is an ordinary value)",
        example=">>> mwk.move_min(np.array([3, 1, 2, 5], dtype=np.uint16), 2)\narray([nan,  1.,  1.,  2.])",
    ),
    "max": dict(
        summary="Moving window maximum along one axis.",
        value="the largest of the window's values, exactly (inf is an ordinary value)",
        example=">>> mwk.move_max(np.array([3, 1, 2, 5], dtype=np.uint16), 2)\narray([nan,  3.,  2.,  5.])",
    ),
    "argmin": dict(
        summary="Moving window index of the minimum along one axis.",
        value="the distance of the window's minimum from its newest element (0 = the "
        "newest; bottleneck's convention), float64; ties go to the newest element",
        note="One difference from bottleneck: the result is float64 for every input dtype "
        "(bottleneck gives float32 for float32 input); indices up to 2**53 are exact either way.",
        example=">>> mwk.move_argmin(np.array([1.0, 3.0, 2.0, 0.0]), 3)\narray([nan, nan,  2.,  0.])",
    ),
    "argmax": dict(
        summary="Moving window index of the maximum along one axis.",
        value="the distance of the window's maximum from its newest element (0 = the "
        "newest; bottleneck's convention), float64; ties go to the newest element",
        note="One difference from bottleneck: the result is float64 for every input dtype "
        "(bottleneck gives float32 for float32 input); indices up to 2**53 are exact either way.",
        example=">>> mwk.move_argmax(np.array([1.0, 3.0, 2.0, 0.0]), 3)\narray([nan, nan,  1.,  2.])",
    ),
    "median": dict(
        summary="Moving window median along one axis.",
        value="the median of the window's values: the middle one, or for an even count the "
        "mean of the two middle ones (as bottleneck, pandas and NumPy), rounded once; +inf and "
        "-inf are ordinary values (the mean of -inf and +inf is NaN, as NumPy)",
        note="Exact: every algorithm, SIMD target and thread count gives the same bits, and "
        "float32 input gives float32 output computed without any widening error (the two middle "
        "values are selected exactly, then their mean is rounded once). Unlike scipy's "
        "median_filter, an even window averages the two middle values; unlike IPP, an even "
        "window stays even.",
        example=">>> mwk.move_median(np.array([1.0, 5.0, 2.0, 8.0, 3.0]), 3)\n"
        "array([nan, nan,  2.,  5.,  3.])\n"
        ">>> mwk.move_median(np.array([1.0, 5.0, 2.0, 8.0]), 2, min_count=1)\n"
        "array([1. , 3. , 3.5, 5. ])",
    ),
    "quantile": dict(
        summary="Moving window quantile(s) along one axis.",
        peer="``numpy.quantile(window, q, method=interpolation)`` of each window's non-NaN "
        "values, with bottleneck's window, NaN and ``min_count`` semantics",
        value="the q-quantile of the window's values; with a sequence of q, one value per q "
        "along a trailing axis, all from one pass over the data",
        note="The five methods are numpy.quantile's of the same names: with c values sorted "
        "v[0..c) and h = q (c - 1), 'lower' is v[floor(h)], 'higher' v[ceil(h)], 'nearest' "
        "v[h rounded half to even], 'midpoint' the mean of lower and higher, 'linear' lower + "
        "(h - floor(h)) (higher - lower), rounded once (NumPy's own formula may differ from it by "
        "an ulp). +inf and -inf are ordinary values and the interpolation follows the mathematics "
        "(a weight of 0 on an infinity ignores it), where numpy.quantile gives NaN for "
        "np.quantile([1.0, np.inf], 0.5). Every algorithm, SIMD target and thread count gives "
        "the same bits. bottleneck has no move_quantile; pandas' rolling().quantile(q, "
        "interpolation) agrees for one q.",
        example=">>> x = np.array([4.0, 1.0, 3.0, 2.0, 6.0])\n"
        ">>> mwk.move_quantile(x, 3, 0.25)\n"
        "array([nan, nan, 2. , 1.5, 2.5])\n"
        ">>> mwk.move_quantile(x, 3, [0.0, 1.0], mode='valid')\n"
        "array([[1., 4.],\n"
        "       [1., 3.],\n"
        "       [2., 6.]])\n"
        ">>> mwk.move_quantile(x, 3, 0.25, interpolation='lower', mode='valid')\n"
        "array([1., 1., 2.])",
    ),
    "rank": dict(
        summary="Moving window rank of the newest element along one axis.",
        value="the rank of the window's newest element among the window's values, ties "
        "averaged, scaled to [-1, 1]: ``2 * (less + (equal - 1) / 2) / (count - 1) - 1`` with "
        "less and equal the counts of values below and equal to it (itself included), 0.0 for a "
        "single value, NaN when the newest element is NaN. In 'centered' mode and for windows "
        "clipped at the ends, the newest element is the clipped window's last one",
        note="O(log window) per element where bottleneck's move_rank is O(window). The counts "
        "are exact and the scaled rank is rounded once; bottleneck rounds twice, so its results "
        "may differ in the last bit.",
        example=">>> mwk.move_rank(np.array([1.0, 3.0, 2.0, 2.0, 0.0]), 3)\n"
        "array([ nan,  nan,  0. , -0.5, -1. ])",
    ),
    "weighted_sum": dict(
        summary="Moving window weighted sum (a FIR filter) along one axis.",
        peer="pandas' ``rolling(window, win_type=...).sum()`` and Polars' "
        "``rolling_sum(window, weights=...)``; in ``mode='valid'`` ``numpy.correlate(a, weights, "
        "'valid')``",
        value="``sum(weights[i] * x[i])`` over the window's present values, oldest first",
        example=">>> mwk.move_weighted_sum(np.arange(5.0), [1.0, 2.0], mode='valid')\n"
        "array([ 2.,  5.,  8., 11.])\n"
        ">>> mwk.move_weighted_sum(np.ones(5), 3, window_type='triang', mode='valid')\n"
        "array([2., 2., 2.])",
    ),
    "weighted_mean": dict(
        summary="Moving window weighted mean along one axis.",
        peer="pandas' ``rolling(window, win_type=...).mean()`` and Polars' "
        "``rolling_mean(window, weights=...)``",
        value="``sum(weights[i] * x[i]) / sum(weights[i])`` over the window's present values "
        "(NaN skipped: the divisor is the weight present)",
        example=">>> mwk.move_weighted_mean(np.array([1.0, 2.0, np.nan, 4.0]), [1.0, 3.0], min_count=1)\n"
        "array([1.  , 1.75, 2.  , 4.  ])\n"
        ">>> mwk.move_weighted_mean(np.arange(6.0), 5, window_type=('gaussian', 1.0), mode='valid')\n"
        "array([2., 3.])",
    ),
}

_PARAM_TEXT: Dict[str, str] = {
    "ddof": "Delta degrees of freedom: the divisor is ``count - ddof``, where count is the "
    "number of non-NaN values in the window. Default 0, as bottleneck and NumPy (pandas and "
    "Polars use 1). A window with ``count <= ddof`` gives NaN. Must be >= 0.",
    "q": "The quantile, in [0, 1] (else ValueError); or a sequence of them: the output then "
    "has a trailing axis of ``len(q)`` values, in the order given, computed in one pass.",
    "weights": "weighted_sum/weighted_mean: the taps, finite floats (zero and negative ones "
    "allowed; ``sum(abs(weights))`` must be finite too, else ValueError: scale such taps "
    "down, the mean does not change), ``len(weights) == window``; ``weights[i]`` multiplies the window's i-th value, "
    "oldest first, so that in ``mode='valid'`` move_weighted_sum(x, w) is "
    "``numpy.correlate(x, w, 'valid')`` = ``numpy.convolve(x, w[::-1], 'valid')`` (as pandas' "
    "rolling(win_type) and Polars' rolling_*(weights=)). The taps may also be passed in "
    "window's place: ``move_weighted_mean(a, taps)``; named windows (pandas' win_type): "
    "``window_type='hann'`` or ``mwk.window_taps('hann', 9)``. None: every tap 1. NaN is "
    "skipped: the mean divides by the sum of the taps of the present values.",
    "min_weight": "weighted_sum/weighted_mean: in [0, 1]; a window gives NaN unless the "
    "|taps| of its absent positions (NaN, or outside the data in clipped windows) sum to at "
    "most ``(1 - min_weight) * sum(|weights|)``. Default 0.",
    "window_type": "weighted_sum/weighted_mean: a named window instead of ``weights`` (pandas' "
    "``rolling(window, win_type=...)``), taps ``scipy.signal.windows.<name>(window, sym=True)``: "
    "a str, one of boxcar, triang, hann, hamming, blackman, bartlett, blackmanharris, nuttall, "
    "barthann, bohman, parzen, cosine, exponential (tau 1.0) (and scipy.signal.get_window's "
    "aliases of these), or scipy.signal.get_window's tuple for a window with a parameter: "
    "``('gaussian', std)``, ``('exponential', tau)`` (also scipy's own ``('exponential', None, "
    "tau)``), or with pandas' keyword ``('gaussian', {'std': std})``, ``('exponential', "
    "{'tau': tau})`` (pandas' ``rolling(w, win_type='gaussian').mean(std=2.0)`` is "
    "``move_weighted_mean(a, w, window_type=('gaussian', 2.0))``). ``window`` must then be "
    "an int (the number of taps). TypeError together with ``weights`` (or taps in window's "
    "place); ValueError for an unknown name (the message lists them), a missing gaussian std, "
    "or a parameter that is not > 0.",
    "interpolation": "How a quantile between two of the window's values is formed, as "
    "numpy.quantile's ``method`` of the same name. Default 'linear' (NumPy's and pandas' "
    "default; Polars' is 'nearest'). Any other str raises ValueError.",
}

# Parameter heads: the type a reader sees (ints unless listed).
_PARAM_HEAD: Dict[str, str] = {
    "q": "q : float or sequence of float",
    "interpolation": "interpolation : {'linear', 'lower', 'higher', 'nearest', 'midpoint'}, optional",
    "weights": "weights : array_like of float or None, optional",
    "min_weight": "min_weight : float, optional",
    "window_type": "window_type : str or tuple or None, optional",
}

# Python-level parameters a statistic gets when the registry gives it the key
# parameter: window_type (named windows) for the statistics with taps. It
# follows the registry's parameters (not keyword-only: the keyword-only set is
# the same for every statistic) and is resolved here, before the C call.
_EXTRA_PARAMS: Dict[str, str] = {"weights": "window_type"}


def _choices(names: List[str]) -> str:
    return "{" + ", ".join(repr(n) for n in names) + "}"


def _docstring(info: Dict[str, Any]) -> str:
    name = info["name"]
    fn = "move_" + name
    text = _TEXT.get(name, {})
    summary = text.get("summary", f"Moving window {name} along one axis.")
    value = text.get("value", f"the {name} of the window's values")
    algos = list(info["algorithms"])
    defaults = _OPTIONS["defaults"]
    out_dtype = (
        "float32 for float32 and float16 input, float64 for every other dtype"
        if info["keeps_float32"]
        else "float64 for every input dtype"
    )
    bn = "bottleneck." + fn
    params = [
        ("a : array_like", "Input, any number of dimensions (>= 1). Dtypes: "
         + ", ".join(_OPTIONS["dtypes"]) + " (native or byte-swapped), converted exactly "
         "(int64/uint64 beyond 2**53 round once). Strided, reversed and transposed views are "
         "read in place; byte-swapped or misaligned arrays are copied once. Other dtypes raise "
         "TypeError."),
        ("window : int", "Number of elements in the window, ``1 <= window <= a.shape[axis]``. "
         "A window longer than the data raises ValueError (bottleneck's rule)."),
        ("min_count : int or None, optional", "Fewest non-NaN values a window needs for a "
         "result (else NaN), ``1 <= min_count <= window``. None (default) means ``window``."),
        ("axis : int, optional", "Axis along which the window moves. Default -1 (the last)."),
    ]
    positional = info.get("positional", [])
    for p in positional:  # right after window, without a default
        params.insert(2, (_PARAM_HEAD.get(p, f"{p} : int"), _PARAM_TEXT.get(p, f"Parameter of {fn}.")))
    for p, default in info["params"].items():
        if p in positional:
            continue
        params.append((_PARAM_HEAD.get(p, f"{p} : int, optional"),
                       _PARAM_TEXT.get(p, f"Parameter of {fn} (default {default!r}).")))
    for p in _extra_params(info):
        params.append((_PARAM_HEAD[p], _PARAM_TEXT[p]))
    params += [
        (f"mode : {_choices(_OPTIONS['mode'])}, optional",
         f"Default {defaults['mode']!r}. ``'trailing'`` (bottleneck, pandas): output i covers "
         "``a[max(0, i-window+1) : i+1]``; ``'valid'``: ``n-window+1`` outputs, output i covers "
         "``a[i : i+window]``; ``'centered'``: output i covers "
         "``a[i - window//2 : i + (window-1)//2 + 1]`` clipped to the data (the windows of pandas "
         "and Polars with ``center=True``). Windows clipped at the ends hold fewer values; "
         "``min_count`` decides whether they give a result."),
        (f"algorithm : {_choices(algos)}, optional",
         f"Default {defaults['algorithm']!r}: the fastest algorithm that keeps the accuracy "
         f"contract. The others force one; {algos[1]!r} is the reference, every window "
         "computed on its own. Which are compiled into this build: "
         f"``mwk.runtime_info()['statistics'][{name!r}]``."),
        (f"nan_policy : {_choices(_OPTIONS['nan_policy'])}, optional",
         f"Default {defaults['nan_policy']!r}: ``'skip'`` (bottleneck) leaves NaNs out and "
         "``min_count`` counts the non-NaN values; ``'propagate'``: a window holding a NaN "
         "gives NaN."),
        ("out : numpy.ndarray, optional", f"Where to write the result: the output shape and "
         f"dtype ({out_dtype}), writeable. It may overlap ``a``."),
        ("threads : int or None, optional", "At most this many threads (rows, and segments of "
         "long rows, are shared out). None (default): ``MWK_NUM_THREADS`` or all cores. Results "
         "are bit-identical for any thread count."),
        ("target : str or None, optional", "SIMD target for this call, one of "
         "``mwk.runtime_info()['supported_targets']``. None (default): ``MWK_TARGET`` or the best "
         "one."),
        ("group_offsets : array_like of int or None, optional", "Grouped windows: ``n_groups + 1`` "
         "offsets along ``axis`` (``0`` first, non-decreasing, ``a.shape[axis]`` last; empty groups "
         "allowed); group g is ``a[offsets[g]:offsets[g+1]]`` and the window restarts at each group, "
         "exactly (bit for bit) as one call per group, in one call (C: ``mwk_move_grouped``). A group "
         "shorter than ``window`` is not an error: its windows are clipped (NaN unless ``min_count`` "
         "allows, as pandas' ``groupby().rolling()``). In ``'valid'`` mode the groups' outputs are "
         "concatenated (``max(0, len_g - window + 1)`` each). For rows sorted by key, "
         "``np.r_[0, np.cumsum(np.bincount(codes))]``; ``pandas``' "
         "``df.groupby(k, sort=False).rolling(w)`` on rows grouped together gives the same values. "
         "ValueError for offsets not as above, TypeError for non-integers."),
    ]
    body = [summary, ""]
    if "peer" in text:  # a statistic bottleneck does not have
        body += textwrap.wrap(f"Each output is {text['peer']}: {value}.", 76)
    else:
        body += textwrap.wrap(
            f"A drop-in for ``{bn}``: on bottleneck's arguments the results, the NaN and "
            f"``min_count`` semantics are bottleneck's. Each output is {value}.", 76)
    body += ["", "Parameters", "----------"]
    for head, desc in params:
        body.append(head)
        body += textwrap.wrap(desc, 72, initial_indent="    ", subsequent_indent="    ")
    body += ["", "Returns", "-------", "numpy.ndarray"]
    trailing = (" With a sequence of q, one more (trailing) axis of ``len(q)``."
                if "q" in positional else "")
    body += textwrap.wrap(
        f"The moving {name}, {out_dtype}, with the shape of ``a`` except along ``axis`` in "
        f"``'valid'`` mode (``n-window+1``); ``out`` itself when given.{trailing}", 72,
        initial_indent="    ", subsequent_indent="    ")
    body += ["", "Raises", "------", "TypeError"]
    body += textwrap.wrap("An unsupported dtype; a non-integer window, min_count, axis, threads "
                          "or parameter; a non-str mode, algorithm, nan_policy or target; an "
                          "``out`` that is not an ndarray or has the wrong dtype.", 72,
                          initial_indent="    ", subsequent_indent="    ")
    body.append("ValueError")
    body += textwrap.wrap("An argument out of range (each message names it): window longer than "
                          "the data, min_count, axis, threads, a parameter; an unknown mode, "
                          "algorithm, nan_policy or target; an ``out`` of the wrong shape or "
                          "read-only; a 0-d input; a malformed ``MWK_NUM_THREADS`` or "
                          "``MWK_TARGET`` (named with its value) when the call does not set "
                          "threads or target itself.", 72, initial_indent="    ",
                          subsequent_indent="    ")
    body += ["MemoryError", "    The library could not allocate its scratch memory."]
    body += ["", "Notes", "-----"]
    body += ["Accuracy contract (from the library's registry)::", ""]
    body += textwrap.wrap(info["contract"], 72, initial_indent="    ", subsequent_indent="    ")
    if "note" in text:
        body += [""] + textwrap.wrap(text["note"], 76)
    body += [""] + textwrap.wrap("The GIL is released for the whole computation; calls from "
                                 "many threads at once are safe.", 76)
    if "example" in text:
        body += ["", "Examples", "--------", ">>> import numpy as np, mwk"] + text["example"].split("\n")
    return "\n".join(body) + "\n"


def _extra_params(info: Dict[str, Any]) -> List[str]:
    return [e for p, e in _EXTRA_PARAMS.items() if p in info["params"]]


def _make(info: Dict[str, Any]) -> Callable[..., Any]:
    """move_<name> with bottleneck's signature (a, window, the statistic's
    positional parameters (quantile's q), min_count=None, axis=-1, then the
    statistic's other parameters) and mwk's keyword-only extras,
    as a plain function: inspect.signature, help() and error messages for bad
    keywords are Python's own."""
    name, params = "move_" + info["name"], info["params"]
    positional = info.get("positional", [])
    if not name.isidentifier() or not all(p.isidentifier() for p in params):
        raise RuntimeError(f"mwk registry: {name!r} {list(params)!r} are not Python identifiers")
    d = _OPTIONS["defaults"]
    pos = "".join(f", {p}" for p in positional)  # numpy.quantile's q: required, after window
    sig = "".join(f", {p}={default!r}" for p, default in params.items() if p not in positional)
    fwd = "".join(f", {p}={p}" for p in params)
    extra = _extra_params(info)
    sig += "".join(f", {p}=None" for p in extra)
    pre = ("    if window_type is not None:\n"
           "        weights = _window_type_taps(window_type, window, weights)\n"
           if "window_type" in extra else "")
    src = (
        f"def {name}(a, window{pos}, min_count=None, axis=-1{sig}, *, mode={d['mode']!r}, "
        f"algorithm={d['algorithm']!r}, nan_policy={d['nan_policy']!r}, out=None, threads=None, "
        f"target=None, group_offsets=None):\n"
        f"{pre}"
        f"    return _move({info['id']}, a, window, min_count, axis, mode=mode, algorithm=algorithm, "
        f"nan_policy=nan_policy, out=out, threads=threads, target=target, group_offsets=group_offsets{fwd})\n"
    )
    ns: Dict[str, Any] = {"_move": _mwk.move, "_window_type_taps": _weighted.window_type_taps}
    filename = f"<mwk registry: {name}>"
    exec(compile(src, filename, "exec"), ns)
    # so that tracebacks through the generated function show its source
    linecache.cache[filename] = (len(src), None, src.splitlines(True), filename)
    fn = ns[name]
    fn.__module__ = __name__
    fn.__qualname__ = name
    fn.__doc__ = _docstring(info)
    return fn


_MOVE_NAMES: List[str] = []
for _info in _STATISTICS:
    _fn = _make(_info)
    globals()[_fn.__name__] = _fn
    _MOVE_NAMES.append(_fn.__name__)
del _info, _fn

# Named windows for move_weighted_sum/mean's taps (pandas' win_type).
from ._weighted import window_taps  # noqa: E402


def hampel(a: Any, window: int, n_sigmas: float = 3.0, *, axis: int = -1, replace: str = "median",
           return_mask: bool = False, min_count: Any = None, threads: Any = None, algorithm: str = "auto",
           target: Any = None) -> Any:
    """Hampel filter: replace outliers by the moving median (or NaN).

    For each element ``x[k]``, with ``med`` and ``MAD`` the median and the
    median absolute deviation (the median of ``|v - med|``) of the non-NaN
    values of the centred window ``x[k - window//2 : k + (window-1)//2 + 1]``
    clipped to the data (``mode='centered'``'s windows), ``x[k]`` is flagged
    when ``|x[k] - med| > n_sigmas * 1.4826 * MAD`` and replaced by ``med``
    (``replace='median'``) or NaN (``replace='nan'``); other elements pass
    through unchanged. The median and the MAD are computed together in one
    pass over the window structure (C: ``mwk_hampel_batch``).

    Parameters
    ----------
    a : array_like
        Input, any number of dimensions (>= 1), any dtype of
        ``mwk.options()['dtypes']``.
    window : int
        Window length (>= 1); a window longer than the data is clipped to it.
    n_sigmas : float, optional
        Threshold in units of the MAD's normal-consistent scale
        (1.4826 MAD). Default 3.0; must be finite and >= 0.
    axis : int, optional
        Axis along which the window moves. Default -1.
    replace : {'median', 'nan'}, optional
        What a flagged element becomes. Default 'median'.
    return_mask : bool, optional
        Also return the boolean mask of flagged elements. Default False.
    min_count : int or None, optional
        Fewest non-NaN values a window needs to flag anything,
        ``1 <= min_count <= window``. None (default) means 1.
    threads, algorithm, target : optional
        As for :func:`move_median` (``algorithm``: one of the median's
        algorithms, default 'auto').

    Returns
    -------
    numpy.ndarray, or (numpy.ndarray, numpy.ndarray of bool)
        The cleaned data (float32 for float32/float16 input, else float64,
        the shape of ``a``), and with ``return_mask`` the mask.

    Notes
    -----
    NaN inputs are never flagged and stay NaN. A window whose MAD is 0 (more
    than half of its values equal) flags every value that differs from its
    median: a lone spike in a constant stretch is removed. Results do not
    depend on the algorithm, SIMD target or thread count.

    Examples
    --------
    >>> import numpy as np, mwk
    >>> mwk.hampel(np.array([1.0, 1.1, 0.9, 50.0, 1.0, 1.2, 0.8]), 5)
    array([1. , 1.1, 0.9, 1.1, 1. , 1.2, 0.8])
    >>> y, mask = mwk.hampel(np.array([1.0, 1.1, 0.9, 50.0, 1.0]), 5, replace="nan", return_mask=True)
    >>> mask
    array([False, False, False,  True, False])
    """
    return _mwk.hampel(a, window, n_sigmas, axis=axis, replace=replace, return_mask=return_mask,
                       min_count=min_count, threads=threads, algorithm=algorithm, target=target)


def runtime_info() -> Dict[str, Any]:
    """What this process runs on.

    Returns
    -------
    dict
        ``version``; ``target`` (the SIMD target in use, or None when
        ``MWK_TARGET`` names an unsupported one); ``target_status`` (``"ok"``
        or the reason calls will fail); ``target_request`` (``MWK_TARGET`` or
        None); ``supported_targets`` and ``compiled_targets`` (lists, best
        first); ``backends`` (e.g. ``["highway", "fftw", "openmp"]``);
        ``algorithms`` (every algorithm name -> available in this build for
        some statistic); ``statistics`` (statistic name -> the algorithms
        ``move_<name>`` accepts in this build, ``"auto"`` first, then the
        reference); ``max_threads``; ``versions`` (mwk, highway, fftw,
        blas -- the BLAS behind move_fir_bank's gemm, or "none" --,
        python_build, python, numpy).
    """
    import platform

    import numpy

    info = _mwk.runtime_info()
    info["statistics"] = {s["name"]: [a for a, ok in s["algorithms"].items() if ok] for s in _STATISTICS}
    info["versions"]["python"] = platform.python_version()
    info["versions"]["numpy"] = numpy.__version__
    return info


__all__ = ["__version__", "hampel", "move", "runtime_info", "statistics", *_MOVE_NAMES]

# Exponentially weighted statistics (issue 11): mwk/_ewm.py.
from ._ewm import ewm_mean, ewm_std, ewm_sum, ewm_var  # noqa: E402

__all__ += ["ewm_mean", "ewm_std", "ewm_sum", "ewm_var"]

# FIR filter banks (issue 11): mwk/_firbank.py.
from ._firbank import move_fir_bank  # noqa: E402

__all__ += ["move_fir_bank"]

# Streams: a statistic's state carried across chunks (issue 12): mwk/_stream.py.
from ._stream import Stream  # noqa: E402

__all__ += ["Stream"]

# Key-based (time) windows, move_<stat>_by (issue 12): mwk/_by.py.
from ._by import *  # noqa: E402,F401,F403
from ._by import __all__ as _BY_NAMES  # noqa: E402

__all__ += _BY_NAMES
