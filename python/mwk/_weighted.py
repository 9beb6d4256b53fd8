"""Named windows for move_weighted_sum / move_weighted_mean: the taps of
pandas' ``rolling(win_type=...)``, from the C library (``mwk_window_taps``),
equal to ``scipy.signal.windows.<name>(window, sym=True)``; and the
``window_type=`` argument of those two functions, which builds the taps
from a name (or a ``(name, param)`` tuple, scipy.signal.get_window's
convention)."""
import math
import numbers
import operator
from typing import Any, Optional, Tuple

from . import _mwk

NAMES = ("boxcar", "triang", "hann", "hamming", "blackman", "bartlett", "blackmanharris", "nuttall",
         "barthann", "bohman", "parzen", "cosine", "gaussian", "exponential")

# scipy.signal.get_window's other names for the same windows (its _WIN_FUNCS
# table), so that a window_type scipy accepts means the same window here.
_ALIASES = {
    "brthan": "barthann", "bth": "barthann", "bart": "bartlett", "brt": "bartlett",
    "black": "blackman", "blk": "blackman", "blackharr": "blackmanharris", "bkh": "blackmanharris",
    "bman": "bohman", "bmn": "bohman", "box": "boxcar", "ones": "boxcar", "rect": "boxcar",
    "rectangular": "boxcar", "halfcosine": "cosine", "poisson": "exponential", "gauss": "gaussian",
    "gss": "gaussian", "hamm": "hamming", "ham": "hamming", "han": "hann", "nutl": "nuttall",
    "nut": "nuttall", "parz": "parzen", "par": "parzen", "triangle": "triang", "tri": "triang",
}

# The parameter each parameterised window takes (pandas' keyword for it), and
# its default where scipy and pandas have one: gaussian's std has none (scipy
# and pandas both require it); exponential's tau defaults to 1.0 in both.
_PARAM = {"gaussian": ("std", None), "exponential": ("tau", 1.0)}


def window_taps(name: str, window: int, param: Optional[float] = None) -> Any:
    """Taps of a named window, as ``scipy.signal.windows.<name>(window, sym=True)``.

    For ``mwk.move_weighted_mean(a, mwk.window_taps("hann", 9))``: pandas'
    ``rolling(9, win_type="hann").mean()`` (the same as
    ``mwk.move_weighted_mean(a, 9, window_type="hann")``). ``param`` is
    gaussian's ``std`` (> 0, required) or exponential's ``tau`` (> 0, default
    1.0 as scipy and pandas), ignored by the others.
    Names: boxcar, triang, hann, hamming, blackman, bartlett, blackmanharris,
    nuttall, barthann, bohman, parzen, cosine, gaussian, exponential.
    Returns a float64 array of ``window`` values; ValueError for an unknown
    name or a parameter out of range.
    """
    if param is None and name == "exponential":
        param = _PARAM["exponential"][1]
    return _mwk.window_taps(name, window, 0.0 if param is None else float(param))


def _names() -> str:
    return (", ".join(NAMES) + " (with a parameter: ('gaussian', std), required; "
            "('exponential', tau), default tau 1.0)")


def _parse(window_type: Any) -> Tuple[str, Optional[float]]:
    """(name, param) from a window_type; TypeError for a malformed one,
    ValueError for an unknown name or a parameter missing or out of range."""
    if isinstance(window_type, str):
        name, args = window_type, ()
    elif isinstance(window_type, tuple) and window_type and isinstance(window_type[0], str):
        name, args = window_type[0], window_type[1:]
    else:
        raise TypeError("window_type must be a str or a (name, param) tuple, "
                        f"got {window_type!r}")
    key = name[:-len("_symmetric")] if name.endswith("_symmetric") else name
    key = _ALIASES.get(key, key)
    if key not in NAMES:
        hint = (" (periodic windows are not moving-window taps: pandas' win_type is "
                "symmetric)" if name.endswith("_periodic") else "")
        raise ValueError(f"window_type: unknown window {name!r}{hint}; known: {_names()}")
    if key not in _PARAM:
        if args:
            raise ValueError(f"window_type: {name!r} takes no parameter, got {window_type!r}")
        return key, None
    pname, default = _PARAM[key]
    if len(args) == 1 and isinstance(args[0], dict):  # pandas' keyword: ("gaussian", {"std": 2.0})
        kw = dict(args[0])
        if key == "exponential" and kw.get("center", None) is None:
            kw.pop("center", None)
        if set(kw) - {pname}:
            raise ValueError(f"window_type: {name!r} takes only {pname}= (symmetric windows: "
                             f"no center), got {sorted(kw)}")
        args = (kw[pname],) if pname in kw else ()
    elif key == "exponential" and len(args) == 2:
        # scipy.signal.get_window's own tuple: ("exponential", center, tau);
        # a symmetric window must have center None (scipy raises otherwise).
        if args[0] is not None:
            raise ValueError("window_type: ('exponential', center, tau) needs center None "
                             "(symmetric taps, as pandas and scipy with sym=True)")
        args = args[1:]
    if len(args) > 1:
        raise ValueError(f"window_type: {name!r} takes one parameter ({pname}), got {window_type!r}")
    if not args:
        if default is None:
            raise ValueError(f"window_type: {name!r} needs its {pname}: window_type=({key!r}, "
                             f"{pname}); known: {_names()}")
        return key, default
    p = args[0]
    if isinstance(p, bool) or not isinstance(p, numbers.Real):
        raise TypeError(f"window_type: {key}'s {pname} must be a real number, got {p!r}")
    p = float(p)
    if not (math.isfinite(p) and p > 0):
        raise ValueError(f"window_type: {key}'s {pname} must be finite and > 0, got {p!r}")
    return key, p


def window_type_taps(window_type: Any, window: Any, weights: Any) -> Any:
    """The taps for ``move_weighted_*(a, window, window_type=...)``."""
    if weights is not None:
        raise TypeError("window_type and weights are exclusive: pass the taps or a window name, "
                        "not both")
    try:
        n = operator.index(window)
    except TypeError:
        raise TypeError("window_type needs an int window (the number of taps); taps passed in "
                        "window's place cannot take a window_type") from None
    name, param = _parse(window_type)
    if n < 1:
        raise ValueError(f"window must be >= 1, got {n}")
    return window_taps(name, n, param)
