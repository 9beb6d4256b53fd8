#!/usr/bin/env python3
"""Runs the tests ctest knows in a build directory, each command prefixed by a
wrapper (valgrind, qemu-aarch64, ...), with the test's own ENVIRONMENT
property, extra environment, a per-test timeout and an optional name filter.

    run_tests.py BUILD_DIR [--wrap 'valgrind ...'] [--env K=V ...]
                 [--only REGEX] [--exclude REGEX] [--timeout S]

Prints one line per test and exits non-zero if any test fails or times out.
The wrapper goes in front of the executable; when the command is
`cmake -E env ... EXE args`, it goes in front of EXE.
"""
import argparse
import json
import os
import re
import shlex
import subprocess
import sys
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build")
    ap.add_argument("--wrap", default="")
    ap.add_argument("--env", action="append", default=[])
    ap.add_argument("--only", default="")
    ap.add_argument("--exclude", default="")
    ap.add_argument("--timeout", type=float, default=900)
    a = ap.parse_args()
    info = json.loads(subprocess.run(["ctest", "--test-dir", a.build, "--show-only=json-v1"],
                                     check=True, capture_output=True, text=True).stdout)
    wrap = shlex.split(a.wrap)
    failed = []
    ran = 0
    for t in info.get("tests", []):
        name = t["name"]
        if a.only and not re.search(a.only, name):
            continue
        if a.exclude and re.search(a.exclude, name):
            continue
        cmd = list(t["command"])
        env = dict(os.environ)
        for p in t.get("properties", []):
            if p["name"] == "ENVIRONMENT":
                for kv in p["value"]:
                    k, _, v = kv.partition("=")
                    env[k] = v
        for kv in a.env:
            k, _, v = kv.partition("=")
            env[k] = v
        # cmake -E env [--unset=X] [K=V] EXE ...: wrap EXE, not cmake
        if os.path.basename(cmd[0]).startswith("cmake") and cmd[1:3] == ["-E", "env"]:
            i = 3
            while i < len(cmd) and (cmd[i].startswith("--unset=") or "=" in cmd[i]):
                i += 1
            cmd = cmd[:i] + wrap + cmd[i:]
        else:
            cmd = wrap + cmd
        # ctest puts CMAKE_CROSSCOMPILING_EMULATOR (qemu) in front of test
        # executables; a helper replaced by a host shell wrapper must not get it.
        if os.path.basename(cmd[0]).startswith("qemu-"):
            for i, c in enumerate(cmd[1:], 1):
                if os.path.isfile(c) and open(c, "rb").read(2) == b"#!":
                    cmd = cmd[i:]
                    break
        t0 = time.time()
        try:
            p = subprocess.run(cmd, env=env, cwd=a.build, capture_output=True, text=True,
                               timeout=a.timeout)
            rc = p.returncode
            out = p.stdout + p.stderr
        except subprocess.TimeoutExpired as e:
            rc = "timeout"
            out = (e.stdout or b"").decode(errors="replace") if isinstance(e.stdout, bytes) else (e.stdout or "")
        dt = time.time() - t0
        ran += 1
        ok = rc == 0
        print(f"  {'ok  ' if ok else 'FAIL'} {name:<28} {dt:7.1f} s" + ("" if ok else f"  (rc {rc})"),
              flush=True)
        if not ok:
            failed.append(name)
            sys.stdout.write("\n".join(out.splitlines()[-40:]) + "\n")
    if ran == 0:
        print("  no tests matched: is the test suite built (MWK_BUILD_TESTS=ON)?")
        return 2
    if failed:
        print(f"  {len(failed)} of {ran} failed: {' '.join(failed)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
