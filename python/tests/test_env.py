"""MWK_NUM_THREADS and MWK_TARGET, each in a fresh interpreter (the library
reads them once per process).

A malformed value must give an error that names the variable and its value,
must not break `import mwk`, and must not break a call that sets the value
itself (threads=..., target=...).
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

PROBE = textwrap.dedent(
    """
    import json, numpy as np, mwk
    a = np.random.default_rng(0).normal(size=(3, 200000))
    res = {"info": {k: mwk.runtime_info()[k] for k in ("target", "target_request", "target_status", "max_threads")}}
    def attempt(key, f):
        try:
            f()
            res[key] = "ok"
        except Exception as e:
            res[key] = f"{type(e).__name__}: {e}"
    for s in mwk.statistics():
        # positional parameters (quantile's q) at their registry defaults
        g, pos = getattr(mwk, "move_" + s["name"]), [s["params"][p] for p in s.get("positional", [])]
        f = (lambda g, pos: lambda x, w, **k: g(x, w, *pos, **k))(g, pos)
        attempt(s["name"] + ":default", lambda: f(a, 50))
        attempt(s["name"] + ":1d", lambda: f(a[0], 50))
        attempt(s["name"] + ":threads=1", lambda: f(a, 50, threads=1))
        attempt(s["name"] + ":threads=2", lambda: f(a, 50, threads=2))
        attempt(s["name"] + ":target=scalar", lambda: f(a, 50, target="scalar"))
        attempt(s["name"] + ":both", lambda: f(a, 50, threads=1, target="scalar"))
    print(json.dumps(res))
    """
)


def probe(**env):
    e = {k: v for k, v in os.environ.items() if k not in ("MWK_NUM_THREADS", "MWK_TARGET")}
    e.update(env)
    r = subprocess.run([sys.executable, "-c", PROBE], env=e, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr  # import mwk never fails on the environment
    return json.loads(r.stdout.strip().splitlines()[-1])


def results(res, suffix):
    return {k: v for k, v in res.items() if k.endswith(":" + suffix)}


def test_clean_environment():
    res = probe()
    assert all(v == "ok" for k, v in res.items() if k != "info"), res
    assert res["info"]["target_status"] == "ok"


@pytest.mark.parametrize("value", ["abc", "0", "-2", "3x", "99999999999999999999"])
def test_malformed_num_threads(value):
    res = probe(MWK_NUM_THREADS=value)
    for k in ("threads=1", "threads=2", "both"):
        assert all(v == "ok" for v in results(res, k).values()), (k, res)
    for k, v in {**results(res, "default"), **results(res, "1d")}.items():
        assert v.startswith("ValueError") and f"MWK_NUM_THREADS={value!r}" in v, (k, v)
        assert "threads=" in v  # says how to get round it


def test_good_num_threads():
    res = probe(MWK_NUM_THREADS="2")
    assert res["info"]["max_threads"] == 2
    assert all(v == "ok" for k, v in res.items() if k != "info"), res


@pytest.mark.parametrize("value", ["avx1024", "bogus target", "SCALAR!"])
def test_malformed_target(value):
    res = probe(MWK_TARGET=value)
    assert res["info"]["target"] is None and res["info"]["target_request"] == value
    assert res["info"]["target_status"] != "ok"
    for k in ("target=scalar", "both"):
        assert all(v == "ok" for v in results(res, k).values()), (k, res)
    for k in ("default", "1d", "threads=1"):
        for key, v in results(res, k).items():
            assert v.startswith("ValueError") and f"MWK_TARGET={value!r}" in v, (key, v)
            assert "supported:" in v and "target=" in v


def test_good_target():
    res = probe(MWK_TARGET="scalar")
    assert res["info"]["target"] == "scalar"
    assert all(v == "ok" for k, v in res.items() if k != "info"), res
