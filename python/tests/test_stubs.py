"""The type stubs (mwk/__init__.pyi, mwk/_mwk.pyi) against the runtime: the
move_* functions are generated from the C registry, so the stubs, written by
hand, must name exactly the registry's statistics with their parameters,
defaults and algorithms."""
from __future__ import annotations

import ast
import inspect
from pathlib import Path

import mwk
from mwk import _mwk

PKG = Path(mwk.__file__).resolve().parent
SRC_PKG = Path(__file__).resolve().parents[1] / "mwk"


def stub(name):
    p = SRC_PKG / name if (SRC_PKG / name).exists() else PKG / name
    return ast.parse(p.read_text())


def defs(tree):
    return {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}


def literal_values(node):
    """The strings of a Literal[...] annotation (or a name bound to one)."""
    if isinstance(node, ast.Subscript) and getattr(node.value, "id", None) == "Literal":
        elts = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
        return {e.value for e in elts}
    return None


def test_init_stub_names_exactly_the_registry():
    fns = defs(stub("__init__.pyi"))
    # move_fir_bank (K outputs per position, mwk/_firbank.py) is not a registry statistic
    # move_<stat>_by (mwk/_by.py) are checked by test_by_stub_signatures_match_runtime
    stub_moves = {n for n in fns if n.startswith("move_") and not n.endswith("_by")} - {"move_fir_bank"}
    assert stub_moves == {"move_" + s["name"] for s in mwk.statistics()}
    classes = {n.name for n in stub("__init__.pyi").body if isinstance(n, ast.ClassDef)}  # mwk.Stream
    for n in mwk.__all__:
        if n != "__version__":
            assert n in fns or n in classes or n == "move", n


def test_init_stub_signatures_match_runtime():
    all_algos = set(_mwk.options()["algorithm"])
    for s in mwk.statistics():
        name = "move_" + s["name"]
        node = defs(stub("__init__.pyi"))[name]
        sig = inspect.signature(getattr(mwk, name))
        pos = [a.arg for a in node.args.args]
        kwonly = [a.arg for a in node.args.kwonlyargs]
        runtime_pos = [p.name for p in sig.parameters.values() if p.kind is p.POSITIONAL_OR_KEYWORD]
        runtime_kw = [p.name for p in sig.parameters.values() if p.kind is p.KEYWORD_ONLY]
        assert pos == runtime_pos and kwonly == runtime_kw, name
        defaults = dict(zip(pos[len(pos) - len(node.args.defaults):], node.args.defaults))
        defaults.update({a.arg: d for a, d in zip(node.args.kwonlyargs, node.args.kw_defaults) if d is not None})
        for p, d in defaults.items():
            assert ast.literal_eval(d) == sig.parameters[p].default, (name, p)
        algo = next(a for a in node.args.kwonlyargs if a.arg == "algorithm")
        lit = literal_values(algo.annotation)
        assert lit is not None and lit <= all_algos, (name, lit)
        assert set(s["algorithms"]) <= lit, (name, set(s["algorithms"]) - lit)


def test_by_stub_signatures_match_runtime():
    from mwk import _by

    fns = defs(stub("__init__.pyi"))
    assert {n for n in fns if n.startswith("move_") and n.endswith("_by")} == set(_by.__all__)
    for name in _by.__all__:
        node, sig = fns[name], inspect.signature(getattr(mwk, name))
        assert [a.arg for a in node.args.args] == [p.name for p in sig.parameters.values()
                                                   if p.kind is p.POSITIONAL_OR_KEYWORD], name
        assert [a.arg for a in node.args.kwonlyargs] == [p.name for p in sig.parameters.values()
                                                         if p.kind is p.KEYWORD_ONLY], name
        defaults = dict(zip([a.arg for a in node.args.args][-len(node.args.defaults):], node.args.defaults))
        defaults.update({a.arg: d for a, d in zip(node.args.kwonlyargs, node.args.kw_defaults) if d is not None})
        for p, d in defaults.items():
            assert ast.literal_eval(d) == sig.parameters[p].default, (name, p)


def test_mwk_stub_covers_the_extension():
    fns = defs(stub("_mwk.pyi"))
    public = {n for n in dir(_mwk) if not n.startswith("_") and callable(getattr(_mwk, n))}
    assert public == set(fns)
    # move: the stub against the text signature in move_py.c's docstring
    node = fns["move"]
    sig = inspect.signature(_mwk.move)
    assert [a.arg for a in node.args.args] == [p.name for p in sig.parameters.values() if p.kind is p.POSITIONAL_OR_KEYWORD]
    assert [a.arg for a in node.args.kwonlyargs] == [p.name for p in sig.parameters.values() if p.kind is p.KEYWORD_ONLY]
    defaults = dict(zip([a.arg for a in node.args.args][-len(node.args.defaults):], node.args.defaults))
    defaults.update({a.arg: d for a, d in zip(node.args.kwonlyargs, node.args.kw_defaults) if d is not None})
    for p, d in defaults.items():
        assert ast.literal_eval(d) == sig.parameters[p].default, p
    # every statistic parameter of the registry is a keyword of move()
    for s in mwk.statistics():
        assert set(s["params"]) <= set(sig.parameters)


def test_stub_literals_match_the_c_names():
    """_Mode, _NanPolicy and _Algorithm in both stubs name exactly what the C
    API's name functions give (mwk._mwk.options())."""
    opts = _mwk.options()
    want = {"_Mode": set(opts["mode"]), "_NanPolicy": set(opts["nan_policy"]), "_Algorithm": set(opts["algorithm"])}
    for name in ("_mwk.pyi", "__init__.pyi"):
        aliases = {n.targets[0].id: literal_values(n.value) for n in stub(name).body
                   if isinstance(n, ast.Assign) and isinstance(n.targets[0], ast.Name)}
        for alias, values in aliases.items():
            if alias in want:
                assert values == want[alias], (name, alias, values)
