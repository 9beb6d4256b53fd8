#!/usr/bin/env bash
# Packaging checks: what a user who installs mwk gets, tried as that user.
#
#   bash scripts/packaging.sh                 every stage, in this order
#   bash scripts/packaging.sh polars cpack    only those
#
# Stages (each prints what it checks and fails loudly; the wheel is built once
# and shared by the later stages):
#   wheel       scripts/wheel.sh x86_64: manylinux wheel, Highway static, FFTW and
#               libgomp bundled, auditwheel show clean, smoke test in a fresh venv
#               with the system FFTW/Highway/libgomp hidden (mount namespace)
#   arm64wheel  scripts/wheel.sh aarch64: the same cross-built with Debian's
#               aarch64 toolchain, smoke test under qemu-aarch64 (NEON and SVE2 CPUs)
#   sdist       scripts/wheel.sh sdist: twine check, a wheel built from it with the
#               system libraries works
#   polars      the Polars tests against the oldest Polars pyproject.toml allows and
#               the newest release, each in its own venv with the wheel
#   cpack       .deb and .tar.gz of the C library; examples/c built against each with
#               find_package(mwk) and with pkg-config (shared and static), and run
#   examples    every program in examples/ runs; mypy and pyright type-check them
#   docs        the Sphinx site (docs/site) with warnings as errors; every page
#               rendered in headless Chromium, every chart loaded
#
# Runs as root on Debian 12; installs what it needs (apt-get, and
# python/requirements-packaging.txt into build-packaging/venv). Work folder:
# build-packaging/. Exit status non-zero if any stage fails.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
PK=$ROOT/build-packaging
VENV=$PK/venv
PY=${PYTHON:-python3}
ALL_STAGES=(wheel arm64wheel sdist polars cpack examples docs)
STAGES=("$@")
[ ${#STAGES[@]} -eq 0 ] && STAGES=("${ALL_STAGES[@]}")
mkdir -p "$PK"

say() { echo "==> packaging [$STAGE]: $*"; }
fail() { echo "FAIL packaging [$STAGE]: $*" >&2; return 1; }

APT_UPDATED=0
apt_ensure() {
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  say "apt-get install ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  [ $APT_UPDATED = 1 ] || { apt-get update -qq; APT_UPDATED=1; }
  apt-get install -y -qq -o DPkg::Lock::Timeout=600 --no-install-recommends "${missing[@]}" >/dev/null
}

tools_venv() {
  local req=$ROOT/python/requirements-packaging.txt stamp
  stamp=$(md5sum "$req" | cut -c1-12)
  [ -f "$VENV/.complete-$stamp" ] && return 0
  say "tools venv ($VENV) from python/requirements-packaging.txt"
  rm -rf "$VENV"
  "$PY" -m venv "$VENV" || return 1
  "$VENV/bin/python" -m pip install -q --upgrade pip || return 1
  "$VENV/bin/python" -m pip install -q -r "$req" || return 1
  touch "$VENV/.complete-$stamp"
}

# The x86_64 wheel of this tree: built by the wheel stage, or now if missing.
WHEEL=""
need_wheel() {
  [ -n "$WHEEL" ] && [ -f "$WHEEL" ] && return 0
  if [ "${MWK_PACKAGING_WHEEL_BUILT:-0}" != 1 ] || ! ls dist/mwk-*manylinux*_x86_64.whl >/dev/null 2>&1; then
    say "building the x86_64 wheel first (scripts/wheel.sh x86_64)"
    bash scripts/wheel.sh x86_64 >"$PK/wheel-build.log" 2>&1 || { tail -30 "$PK/wheel-build.log"; fail "wheel build"; return 1; }
    export MWK_PACKAGING_WHEEL_BUILT=1
  fi
  WHEEL=$(ls -t dist/mwk-*manylinux*_x86_64.whl | head -1)
  WHEEL=$ROOT/$WHEEL
  echo "    wheel: $(basename "$WHEEL")"
}

stage_wheel() { bash scripts/wheel.sh x86_64 && export MWK_PACKAGING_WHEEL_BUILT=1; }
stage_arm64wheel() { bash scripts/wheel.sh aarch64; }
stage_sdist() { bash scripts/wheel.sh sdist; }

# --- polars ------------------------------------------------------------------
# The oldest run keeps the tests that check .mwk against NumPy or the
# reference implementation and the plugin's mechanics (kwargs, errors,
# threads, chunked and sliced input, the registry's methods); it leaves out
# those that compare with Polars' own rolling_* or use newer Polars API:
# Polars 1.21's native kernels differ from 2.x (null/NaN windows, NaN in
# rolling_min/max, integer sums wrapped in the column's dtype) and it lacks
# collect(engine="in-memory"/"streaming"). An allowlist, so that new
# comparisons with native Polars do not break the oldest run. A smoke test
# then runs the plugin in eager, lazy, over and group_by contexts on each.
POLARS_OLDEST_SELECT="numpy or reference or chunks_slices or thread_pool or bad_ or errors_reach or plugin_version or kwargs or has_methods or generic or ddof_rejected"
polars_venv_run() {
  local label=$1 spec=$2 kexpr=$3 v=$PK/polars-$1
  local pins; pins=$(grep -E '^(numpy|pytest|hypothesis)==' "$ROOT/python/requirements-test.txt" | tr '\n' ' ')
  # The venv is kept from run to run while its Polars spec, the pins and the
  # Python are the same (a fresh one cost ~50 s each on the loaded 2-core VM):
  # the oldest is an exact pin, and the newest is upgraded to the newest
  # release every run (pip --upgrade, no-op when current); the wheel of this
  # tree is reinstalled every time, then its dependencies checked.
  local stamp; stamp=$(printf '%s\n' "$spec" "$pins" "$("$PY" -VV 2>&1)" | md5sum | cut -c1-12)
  # shellcheck disable=SC2086
  if [ ! -f "$v/.complete-$stamp" ]; then
    rm -rf "$v"; "$PY" -m venv "$v"
    "$v/bin/python" -m pip install -q "$spec" $pins || { fail "pip install $spec"; return 1; }
    touch "$v/.complete-$stamp"
  elif [ "$label" = newest ]; then
    "$v/bin/python" -m pip install -q --upgrade "$spec" $pins || { fail "pip install --upgrade $spec"; return 1; }
  fi
  "$v/bin/python" -m pip install -q --force-reinstall --no-deps "$WHEEL" &&
    "$v/bin/python" -m pip install -q "$WHEEL" || { fail "pip install $(basename "$WHEEL")"; return 1; }
  local ver; ver=$("$v/bin/python" -c 'import polars; print(polars.__version__)')
  say "$label Polars: $ver ($spec)"
  local files=() f
  for f in python/tests/test_polars.py python/tests/test_polars_stats.py; do [ -f "$f" ] && files+=("$f"); done
  [ ${#files[@]} -gt 0 ] || { fail "no Polars test files"; return 1; }
  local args=(-q -p no:cacheprovider "${files[@]}")
  [ -n "$kexpr" ] && args+=(-k "$kexpr")
  # the tests import the installed wheel, not the source tree
  (cd "$ROOT" && "$v/bin/python" -I -m pytest "${args[@]}") || { fail "Polars $ver tests"; return 1; }
  (cd /tmp && "$v/bin/python" -I -c '
import polars as pl, mwk.polars
s = pl.Series("x", [1.0, 2.0, 3.0, 4.0])
assert s.mwk.rolling_mean(2).to_list() == [None, 1.5, 2.5, 3.5]
df = pl.DataFrame({"x": [1.0, 2.0, 3.0]}).lazy().select(pl.col("x").mwk.rolling_mean(2, min_samples=1))
assert df.collect().to_series().to_list() == [1.0, 1.5, 2.5]
a = pl.Series("a", [[1.0, 2.0, 3.0, 4.0]], dtype=pl.Array(pl.Float64, 4))
assert a.mwk.moving_mean(2).to_list() == [[1.5, 2.5, 3.5]]
g = pl.DataFrame({"g": [1, 1, 2, 2, 1], "x": [1.0, 2.0, 3.0, 5.0, 6.0]})
got = g.select(pl.col("x").mwk.rolling_mean(2, min_samples=1).over("g")).to_series().to_list()
assert got == [1.0, 1.5, 3.0, 4.0, 4.0], got
agg = g.group_by("g", maintain_order=True).agg(pl.col("x").mwk.rolling_mean(2, min_samples=1))
assert agg["x"].to_list() == [[1.0, 1.5, 4.0], [3.0, 4.0]], agg
print("    .mwk in eager, lazy, over and group_by contexts, series and Array: OK on Polars", pl.__version__)') ||
    { fail ".mwk smoke on Polars $ver"; return 1; }
}

stage_polars() {
  tools_venv; need_wheel || return 1
  local spec oldest
  spec=$("$VENV/bin/python" - <<'EOF'
import tomllib
d = tomllib.load(open("pyproject.toml", "rb"))
print(next(r for r in d["project"]["optional-dependencies"]["polars"] if r.startswith("polars")))
EOF
)
  oldest=$(echo "$spec" | sed -n 's/.*>=\([0-9.]*\).*/\1/p')
  [ -n "$oldest" ] || { fail "no lower bound in '$spec'"; return 1; }
  say "declared range: $spec; oldest allowed: $oldest"
  polars_venv_run oldest "polars==$oldest" "$POLARS_OLDEST_SELECT" || return 1
  polars_venv_run newest "$spec" "" || return 1
}

# --- cpack -------------------------------------------------------------------
CBUILD=$PK/cbuild
c_build() {
  apt_ensure build-essential cmake ninja-build pkg-config libhwy-dev libfftw3-dev dpkg-dev file
  say "configuring and building the C library (build-packaging/cbuild, no tests or benchmarks)"
  if [ -f "$CBUILD/CMakeCache.txt" ] && ! grep -qx "CMAKE_HOME_DIRECTORY:INTERNAL=$ROOT" "$CBUILD/CMakeCache.txt"; then
    rm -rf "$CBUILD"   # configured from another checkout
  fi
  cmake -S . -B "$CBUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release -DMWK_BUILD_TESTS=OFF \
    -DMWK_BUILD_BENCH=OFF -DMWK_HWY=ON -DMWK_FFTW=ON >/dev/null || { fail "configure"; return 1; }
  cmake --build "$CBUILD" >"$PK/cbuild.log" 2>&1 || { tail -30 "$PK/cbuild.log"; fail "build"; return 1; }
}

# Builds examples/c against an installed tree at $1 (prefix folder holding
# include/ and lib/) with CMake and with pkg-config, and runs each program.
c_consumer() {
  local prefix=$1 label=$2 out=$PK/consumer-$2 libdir
  libdir=$(dirname "$(find "$prefix" -name mwk.pc -path '*pkgconfig*' | head -1)")/..
  libdir=$(cd "$libdir" && pwd)
  rm -rf "$out"; mkdir -p "$out"
  echo "    [$label] find_package(mwk) with CMAKE_PREFIX_PATH=$prefix"
  cmake -S examples/c -B "$out/cmake" -G Ninja -DCMAKE_PREFIX_PATH="$prefix" >"$out/cmake.log" 2>&1 &&
    cmake --build "$out/cmake" >>"$out/cmake.log" 2>&1 || { cat "$out/cmake.log"; fail "$label: CMake consumer build"; return 1; }
  grep -q "mwk_DIR:PATH=$prefix" "$out/cmake/CMakeCache.txt" ||
    { grep mwk_DIR "$out/cmake/CMakeCache.txt"; fail "$label: find_package found another mwk"; return 1; }
  "$out/cmake/smooth" | sed 's/^/      /' || { fail "$label: CMake-built example failed"; return 1; }
  ldd "$out/cmake/smooth" | grep -q "libmwk.so.* => $prefix" ||
    { ldd "$out/cmake/smooth"; fail "$label: not linked to the packaged libmwk.so"; return 1; }
  echo "    [$label] pkg-config mwk (shared, then --static)"
  local pc="env PKG_CONFIG_PATH=$libdir/pkgconfig pkg-config"
  # shellcheck disable=SC2046
  cc -O1 examples/c/smooth.c $($pc --cflags --libs mwk) -lm -Wl,-rpath,"$libdir" -o "$out/smooth-pc" ||
    { fail "$label: pkg-config shared build"; return 1; }
  "$out/smooth-pc" | sed 's/^/      /' || { fail "$label: pkg-config example failed"; return 1; }
  # shellcheck disable=SC2046
  cc -O1 examples/c/smooth.c -Wl,-Bstatic $($pc --cflags --libs-only-L --libs-only-l mwk) -Wl,-Bdynamic \
    $($pc --static --libs-only-l mwk | sed 's/-lmwk//') -lstdc++ -lm -o "$out/smooth-static" ||
    { fail "$label: pkg-config --static build"; return 1; }
  readelf -d "$out/smooth-static" | grep -q 'libmwk' && { fail "$label: static build links libmwk.so"; return 1; }
  "$out/smooth-static" >/dev/null || { fail "$label: static example failed"; return 1; }
}

stage_cpack() {
  c_build || return 1
  say "cpack -G DEB;TGZ"
  rm -f "$CBUILD"/mwk*.deb "$CBUILD"/mwk-*.tar.gz
  (cd "$CBUILD" && cpack -G "DEB;TGZ" >"$PK/cpack.log" 2>&1) || { cat "$PK/cpack.log"; fail "cpack"; return 1; }
  local deb tgz
  deb=$(ls "$CBUILD"/mwk_*.deb) && tgz=$(ls "$CBUILD"/mwk-*.tar.gz) || { fail "cpack made no .deb/.tar.gz"; return 1; }
  echo "    $(basename "$deb"): $(dpkg-deb -f "$deb" Package Version Architecture Depends | tr '\n' ' ')"
  dpkg-deb -c "$deb" | awk '{print $6}' >"$PK/deb.list"
  local want
  for want in include/mwk.h include/mwk_config.h 'libmwk.so$' 'libmwk.so.[0-9]' 'libmwk.a' \
              cmake/mwk/mwkConfig.cmake cmake/mwk/mwkTargets.cmake pkgconfig/mwk.pc doc/mwk/LICENSE; do
    grep -q "$want" "$PK/deb.list" || { cat "$PK/deb.list"; fail ".deb lacks $want"; return 1; }
  done
  dpkg-deb -f "$deb" Depends | grep -q libfftw3-dev || { fail ".deb Depends lacks libfftw3-dev"; return 1; }
  local root=$PK/deb-root; rm -rf "$root"; mkdir -p "$root"
  dpkg-deb -x "$deb" "$root"
  c_consumer "$root/usr" deb || return 1
  local troot=$PK/tgz-root; rm -rf "$troot"; mkdir -p "$troot"
  tar xzf "$tgz" -C "$troot"
  echo "    $(basename "$tgz"): $(tar tzf "$tgz" | wc -l) entries"
  c_consumer "$(ls -d "$troot"/mwk-*)" tgz || return 1
}

# --- examples ----------------------------------------------------------------
stage_examples() {
  tools_venv; need_wheel || return 1
  say "installing the wheel into the tools venv (examples run against the wheel)"
  "$VENV/bin/python" -m pip install -q --force-reinstall --no-deps "$WHEEL"
  local ex rc=0 work=$PK/examples-run
  rm -rf "$work"; mkdir -p "$work"
  for ex in examples/*.py; do
    say "running $ex"
    (cd "$work" && timeout 600 "$VENV/bin/python" -I "$ROOT/$ex") 2>&1 | sed 's/^/    /'
    [ "${PIPESTATUS[0]}" = 0 ] || { fail "$ex"; rc=1; }
  done
  say "examples/c against a cmake --install of this tree"
  c_build || return 1
  rm -rf "$PK/c-install"
  cmake --install "$CBUILD" --prefix "$PK/c-install" >/dev/null || { fail "cmake --install"; return 1; }
  c_consumer "$PK/c-install" install || rc=1
  say "python/mwk/polars.pyi (the .mwk methods' stub) matches the runtime registry"
  (cd "$work" && "$VENV/bin/python" -I "$ROOT/scripts/packaging/polars_stub.py" --check) | sed 's/^/    /'
  [ "${PIPESTATUS[0]}" = 0 ] || { fail "polars.pyi is stale"; rc=1; }
  say "mypy --strict with the mwk.mypy_plugin on examples/ (pl.col(..).mwk / series.mwk)"
  (cd "$work" && "$VENV/bin/mypy" --config-file "$ROOT/examples/mypy.ini" --no-incremental \
     --python-executable "$VENV/bin/python" "$ROOT"/examples/*.py) | sed 's/^/    /'
  [ "${PIPESTATUS[0]}" = 0 ] || { fail "mypy"; rc=1; }
  # pyright has no plugins and Polars declares no namespace attributes, so the
  # `.mwk` access itself is reported as unknown; everything else must pass.
  say "pyright on examples/ (every finding but 'Cannot access attribute \"mwk\"' is an error)"
  (cd "$ROOT" && "$VENV/bin/pyright" --outputjson --pythonpath "$VENV/bin/python" examples \
     >"$PK/pyright.json" 2>"$PK/pyright.err")
  "$VENV/bin/python" - "$PK/pyright.json" <<'PYEOF' || { cat "$PK/pyright.err"; fail "pyright"; rc=1; }
import json, re, sys
d = json.load(open(sys.argv[1]))
known = re.compile(r'Cannot access attribute "mwk" for class "(Expr|Series)"')
errs = [x for x in d["generalDiagnostics"] if x["severity"] == "error"]
other = [x for x in errs if not known.search(x["message"])]
print(f"    pyright {d['version']}: {d['summary']['filesAnalyzed']} files, "
      f"{len(errs) - len(other)} '.mwk unknown' (expected), {len(other)} other errors")
for x in other:
    print(f"    {x['file']}:{x['range']['start']['line'] + 1}: {x['message']}")
sys.exit(1 if other or d["summary"]["filesAnalyzed"] == 0 else 0)
PYEOF
  return $rc
}

# --- docs --------------------------------------------------------------------
stage_docs() {
  tools_venv; need_wheel || return 1
  apt_ensure chromium
  "$VENV/bin/python" -m pip install -q --force-reinstall --no-deps "$WHEEL"
  local out=$PK/docs-html
  say "sphinx-build -W (warnings are errors) docs/site -> build-packaging/docs-html"
  rm -rf "$out"
  (cd "$ROOT" && "$VENV/bin/sphinx-build" -W --keep-going -q -b html docs/site "$out") ||
    { fail "sphinx-build"; return 1; }
  say "headless Chromium: every page renders, every image loads"
  "$VENV/bin/python" scripts/packaging/check_docs.py "$out" || { fail "browser check"; return 1; }
}

rc=0
declare -A TOOK
for STAGE in "${STAGES[@]}"; do
  case " ${ALL_STAGES[*]} " in *" $STAGE "*) ;; *) echo "unknown stage '$STAGE' (${ALL_STAGES[*]})"; exit 2 ;; esac
  start=$SECONDS
  echo "==> packaging stage: $STAGE"
  if "stage_$STAGE"; then st=ok; else st=FAILED; rc=1; fi
  TOOK[$STAGE]="$st in $((SECONDS - start)) s"
  echo "==> packaging stage $STAGE: ${TOOK[$STAGE]}"
done
echo "==> packaging summary"
for STAGE in "${STAGES[@]}"; do echo "    $STAGE: ${TOOK[$STAGE]}"; done
exit $rc
