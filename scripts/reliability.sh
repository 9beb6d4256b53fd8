#!/usr/bin/env bash
# Reliability and portability checks (CI runs them through scripts/test.sh):
#
#   bash scripts/reliability.sh [stage...]     default: every stage, in this order
#
#   asan      ASan+UBSan build (clang) of the library and the Criterion suite,
#             leak detection on; any sanitizer report from any process fails  build-asan/
#   tsan      TSan build (OpenMP off), tests/stress: 8 threads x every
#             statistic of the registry x its algorithms x every target,
#             FFT plans created concurrently, bit-identical to one thread     build-tsan/
#   valgrind  memcheck over the ctest tests (children traced), tiny grid
#             (MWK_TEST_QUICK=2: best target, one dtype per class of code
#             path) without the numerics/big accuracy suites and the thread
#             stress program (ASan and TSan run those):
#             0 errors, 0 bytes definitely lost                               build-valgrind/
#   fuzz      libFuzzer: fuzz_api (differential, C API, every statistic of
#             the registry), fuzz_kwargs (pickled kwargs), fuzz_arrow
#             (malformed Arrow input to the Polars plugin);
#             regressions replayed, then MWK_FUZZ_SECONDS each                build-fuzz/
#   arm64     cross-build for aarch64; under qemu-aarch64 -cpu max the
#             Criterion suite (tiny grid: targets SVE2 and NEON, one dtype
#             per class of code path), the stress program and the fuzz
#             corpus; on cortex-a72 (NEON only) and max
#             the dispatcher's choice and every target forced            build-arm64/
#   targets   x86: the suite with MWK_TARGET forced to each supported target  build/
#
# Every stage runs the Criterion suite with MWK_TEST_QUICK=1: the reduced grid
# of tests/README.md (two targets per call, smaller n; every statistic,
# algorithm, dtype and option check still runs). valgrind and qemu (~40x
# slower) run MWK_TEST_QUICK=2, the tiny grid: as 1 with one target and one
# dtype per class of code path (float64, float32, float16, int64, uint64,
# int32, bool: tests/mt_common.h, mt_dtype_is_rep); the five integer dtypes
# left out differ from int32 only in the element width of one plain C
# conversion loop, which ASan+UBSan and the native full grid run. The full
# grid runs in the plain ctest of scripts/test.sh.
#
# CI time (2-core VM, whole CI < 45 min): fuzzing is 30 s per harness (the
# corpus in build-fuzz/ carries over from run to run, so exploration adds
# up); valgrind (best target) and qemu (SVE2 and NEON) keep every statistic x
# algorithm x layout x option on the tiny grid; the accuracy-at-scale suites
# run natively (full), under ASan+UBSan (quick) and under qemu (tiny).
#
# Environment: MWK_FUZZ_SECONDS (30), MWK_STRESS_ROUNDS (4),
#   MWK_REL_NO_INSTALL=1 (never call apt-get). Installs what it needs (root,
#   apt); idempotent. Prints a summary; exit status non-zero if any stage fails.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
REL=$ROOT/scripts/reliability
FUZZ_SECONDS=${MWK_FUZZ_SECONDS:-30} # CI's time budget; run longer by hand
# A fixed seed keeps CI reproducible (a red run can be replayed exactly);
# set MWK_FUZZ_SEED=0 for a fresh random exploration.
FUZZ_SEED=${MWK_FUZZ_SEED:-1}
STRESS_ROUNDS=${MWK_STRESS_ROUNDS:-4}
export MWK_TEST_QUICK=1
export CRITERION_NO_EARLY_EXIT=1 # workers exit normally: leak checkers see them

ALL_STAGES=(asan tsan valgrind fuzz arm64 targets)
STAGES=("$@")
[ ${#STAGES[@]} -eq 0 ] && STAGES=("${ALL_STAGES[@]}")

say() { printf '\n==> %s\n' "$*"; }

# --- packages ---------------------------------------------------------------
APT_UPDATED=0
ensure_pkgs() { # ensure_pkgs pkg... (pkg may carry :arch)
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "${MWK_REL_NO_INSTALL:-0}" = 1 ]; then
    echo "missing packages: ${missing[*]} (MWK_REL_NO_INSTALL=1)"; return 1
  fi
  echo "apt-get install ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  if [ $APT_UPDATED = 0 ]; then apt-get update -qq || return 1; APT_UPDATED=1; fi
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null || return 1
}

base_pkgs() { ensure_pkgs build-essential cmake ninja-build pkg-config python3 libhwy-dev \
  libfftw3-dev libcriterion-dev; }
clang_pkgs() { ensure_pkgs clang libclang-rt-14-dev; }

configure_build() { # dir, cmake args...: configure once, then build
  local dir=$1; shift
  mkdir -p "$dir"
  cmake -B "$dir" -G Ninja "$@" >"$dir/configure.log" 2>&1 || { cat "$dir/configure.log"; return 1; }
  cmake --build "$dir" >"$dir/build.log" 2>&1 || { tail -40 "$dir/build.log"; return 1; }
}

# --- stages -----------------------------------------------------------------
stage_asan() {
  base_pkgs && clang_pkgs || return 1
  mkdir -p build-asan
  CC=clang CXX=clang++ configure_build build-asan -S . -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DMWK_SANITIZE=address,undefined -DMWK_BUILD_TESTS=ON -DMWK_BUILD_BENCH=OFF || return 1
  local logs=$ROOT/build-asan/san-logs
  rm -rf "$logs"; mkdir -p "$logs"
  # Reports go to files: Criterion ignores how a worker exits after its
  # result is sent, so a leak report on stderr alone would not fail a test.
  local rc=0
  ASAN_OPTIONS="detect_leaks=1:log_path=$logs/asan:detect_stack_use_after_return=1:check_initialization_order=1:strict_string_checks=1:allocator_may_return_null=1" \
  LSAN_OPTIONS="suppressions=$REL/lsan.supp:print_suppressions=0" \
  UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:log_path=$logs/ubsan" \
    ctest --test-dir build-asan -j2 --output-on-failure --timeout 900 || rc=1
  if compgen -G "$logs/*" >/dev/null; then
    echo "sanitizer reports:"; for f in "$logs"/*; do echo "--- $f"; head -60 "$f"; done
    rc=1
  fi
  return $rc
}

stage_tsan() {
  base_pkgs && clang_pkgs || return 1
  mkdir -p build-tsan
  CC=clang CXX=clang++ configure_build build-tsan -S tests/stress -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DMWK_SANITIZE=thread -DMWK_OPENMP=OFF || return 1
  local rc=0
  TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:exitcode=66" \
    build-tsan/mwk_stress 8 "$STRESS_ROUNDS" || rc=1
  # once more with a forced process target (the MWK_TARGET path)
  TSAN_OPTIONS="halt_on_error=1:exitcode=66" MWK_TARGET=scalar build-tsan/mwk_stress 8 1 || rc=1
  return $rc
}

stage_valgrind() {
  base_pkgs && ensure_pkgs valgrind || return 1
  mkdir -p build-valgrind
  configure_build build-valgrind -S . -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMWK_BUILD_TESTS=ON \
    -DMWK_BUILD_BENCH=OFF || return 1
  local logs=$ROOT/build-valgrind/vg-logs rc=0
  rm -rf "$logs"; mkdir -p "$logs"
  # The tiny grid (MWK_TEST_QUICK=2: the best target, one dtype per class) without the
  # accuracy-at-scale suites (numerics::*, big::*, and test_numerics, all of
  # them): those check arithmetic, which valgrind's x87-at-double emulation
  # cannot judge, over long rows that cost ~40x here; every statistic,
  # algorithm, dtype, layout and option still runs under memcheck. They run
  # natively, under ASan+UBSan and under qemu. The thread stress program
  # (every statistic x algorithm x target on 8 threads) is left to ASan and
  # TSan: valgrind serialises its threads, which made it the longest entry.
  # The pattern also leaves out test_stats' grid tests of the dtypes the tiny
  # grid skips (mt_dtype_is_rep in tests/mt_common.h; they would skip
  # themselves, but each skipped test still costs a process under valgrind).
  MWK_TEST_QUICK=2 CRITERION_TEST_PATTERN='!(numerics/*|big/*|grid/@(i16|i8|u32|u16|u8)_*)' \
  OMP_NUM_THREADS=2 \
    python3 "$REL/run_tests.py" build-valgrind --timeout 1200 --exclude '^(numerics|stress)$' \
    --wrap "valgrind --tool=memcheck --trace-children=yes --leak-check=full --show-leak-kinds=definite --errors-for-leak-kinds=definite --error-exitcode=99 --log-file=$logs/vg.%p.log" || rc=1
  # Every process's log (Criterion runs each test in a child): 0 errors,
  # 0 bytes definitely lost.
  local bad=0 f
  for f in "$logs"/vg.*.log; do
    [ -e "$f" ] || continue
    if ! grep -q "ERROR SUMMARY: 0 errors" "$f" ||
       grep -Eq "definitely lost: [1-9][0-9,]* bytes" "$f"; then
      echo "--- $f"; head -80 "$f"; bad=1
    fi
  done
  echo "valgrind: $(ls "$logs" | wc -l) process logs checked"
  [ $bad = 0 ] || rc=1
  return $rc
}

stage_fuzz() {
  base_pkgs && clang_pkgs || return 1
  mkdir -p build-fuzz
  CC=clang CXX=clang++ configure_build build-fuzz -S fuzz || return 1
  local rc=0 h art=$ROOT/build-fuzz/artifacts
  rm -rf "$art"; mkdir -p "$art"
  export ASAN_OPTIONS="detect_leaks=1:allocator_may_return_null=1"
  export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
  for h in api ewm kwargs arrow; do
    echo "-- fuzz_$h: regressions"
    if compgen -G "fuzz/regressions/$h/*" >/dev/null; then
      build-fuzz/fuzz_$h -runs=0 fuzz/regressions/$h/* >"build-fuzz/regress-$h.log" 2>&1 ||
        { tail -40 "build-fuzz/regress-$h.log"; rc=1; continue; }
    fi
    echo "-- fuzz_$h: ${FUZZ_SECONDS} s from fuzz/corpus/$h"
    mkdir -p "build-fuzz/corpus-$h"
    if ! build-fuzz/fuzz_$h "build-fuzz/corpus-$h" "fuzz/corpus/$h" -max_total_time="$FUZZ_SECONDS" -seed="$FUZZ_SEED" \
        -timeout=20 -rss_limit_mb=2560 -malloc_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix="$art/$h-" >"build-fuzz/fuzz-$h.log" 2>&1; then
      grep -E "^fuzz_|ERROR|SUMMARY|runtime error|#[0-9]+ 0x" "build-fuzz/fuzz-$h.log" | head -30
      echo "reproduce: build-fuzz/fuzz_$h $(ls "$art"/$h-* 2>/dev/null | head -1)"
      echo "then copy the input to fuzz/regressions/$h/ once fixed"
      rc=1
    fi
    grep -E "stat::number_of_executed_units|Done [0-9]+ runs" "build-fuzz/fuzz-$h.log" | tail -1
  done
  return $rc
}

ARM_SYSROOT=$ROOT/build-arm64/sysroot
ARM_DEBS=(libhwy-dev libhwy1 libfftw3-dev libfftw3-double3 libcriterion-dev libcriterion3
          libboxfort-dev libgit2-1.5 libnanomsg5 libhttp-parser2.9 libssh2-1 libssl3
          libmbedtls14 libmbedcrypto7 libmbedx509-1 libpcre2-8-0 zlib1g libffi8
          libgssapi-krb5-2 libkrb5-3 libk5crypto3 libkrb5support0 libcom-err2 libkeyutils1
          # -dev packages only for criterion.pc's Requires.private
          libffi-dev libgit2-dev libnanomsg-dev libssh2-1-dev libhttp-parser-dev libmbedtls-dev
          libpcre2-dev zlib1g-dev libssl-dev)

arm64_sysroot() {
  # libcriterion-dev:arm64 would replace the amd64 one (not co-installable),
  # so the arm64 packages are extracted into build-arm64/sysroot instead.
  local stamp; stamp=$(echo "${ARM_DEBS[*]}" | md5sum | cut -c1-12)
  [ -f "$ARM_SYSROOT/.complete-$stamp" ] && return 0
  dpkg --print-foreign-architectures | grep -qx arm64 || dpkg --add-architecture arm64
  APT_UPDATED=0
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq || return 1
  APT_UPDATED=1
  local dl=$ROOT/build-arm64/debs p
  rm -rf "$dl" "$ARM_SYSROOT"; mkdir -p "$dl" "$ARM_SYSROOT"
  (cd "$dl" && apt-get download -qq "${ARM_DEBS[@]/%/:arm64}") || return 1
  for p in "$dl"/*.deb; do dpkg -x "$p" "$ARM_SYSROOT" || return 1; done
  # .so links in the -dev packages are absolute to /usr/lib: make them relative
  find "$ARM_SYSROOT" -type l | while read -r l; do
    t=$(readlink "$l"); case $t in /*) ln -sfn "$ARM_SYSROOT$t" "$l" ;; esac
  done
  touch "$ARM_SYSROOT/.complete-$stamp"
}

# Runs "$@" in a new user + mount namespace whose private binfmt_misc knows
# aarch64 ELF (through qemu-aarch64, loader from the cross libc); QEMU_CPU and
# the rest of the environment pass through to every emulated process.
BINFMT_AARCH64=':qemu-aarch64:M::\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\xb7\x00:\xff\xff\xff\xff\xff\xff\xff\x00\xff\xff\xff\xff\xff\xff\xff\xff\xfe\xff\xff\xff:/usr/bin/qemu-aarch64:F'
in_binfmt_ns() {
  QEMU_LD_PREFIX=/usr/aarch64-linux-gnu unshare --user --map-root-user --mount --fork bash -c '
    mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc || exit 97
    printf "%s" "$0" >/proc/sys/fs/binfmt_misc/register || exit 97
    exec "$@"' "$BINFMT_AARCH64" "$@"
}

# Test binaries that other test binaries start (posix_spawn) cannot be
# executed by the host kernel without binfmt_misc; wrap them in a script
# that starts qemu (QEMU_CPU and MWK_TARGET pass through the environment).
arm64_wrap_helpers() {
  local f=build-arm64/tests/env_target_check
  [ -f "$f" ] || return 0
  if file "$f" | grep -q "ELF 64-bit.*aarch64"; then
    mv -f "$f" "$f.aarch64"
    printf '#!/bin/sh\nexec qemu-aarch64 -L /usr/aarch64-linux-gnu "$0.aarch64" "$@"\n' >"$f"
    chmod +x "$f"
  fi
}

stage_arm64() {
  base_pkgs && ensure_pkgs qemu-user gcc-aarch64-linux-gnu g++-aarch64-linux-gnu file || return 1
  mkdir -p build-arm64
  arm64_sysroot || { echo "arm64 sysroot failed"; return 1; }
  # a stale wrapper must not block the relink
  [ -f build-arm64/tests/env_target_check.aarch64 ] && rm -f build-arm64/tests/env_target_check*
  configure_build build-arm64 -S . -DCMAKE_TOOLCHAIN_FILE=cmake/toolchain-aarch64.cmake \
    -DMWK_ARM64_SYSROOT="$ARM_SYSROOT" -DCMAKE_BUILD_TYPE=Release -DMWK_BUILD_TESTS=ON \
    -DMWK_BUILD_BENCH=OFF -DMWK_HWY=ON -DMWK_FFTW=ON || return 1
  arm64_wrap_helpers
  aarch64-linux-gnu-gcc -O1 -Iinclude -Ibuild-arm64/generated "$REL/mwk_info.c" build-arm64/libmwk.a \
    -o build-arm64/mwk_info -L"$ARM_SYSROOT/usr/lib/aarch64-linux-gnu" \
    -Wl,-rpath,"$ARM_SYSROOT/usr/lib/aarch64-linux-gnu:$ARM_SYSROOT/lib/aarch64-linux-gnu" -lhwy -lfftw3 -lgomp -lstdc++ -lm -lpthread || return 1
  # The differential fuzz harness as a plain program (no libFuzzer on the
  # cross compiler): replays the committed corpus plus what build-fuzz found.
  aarch64-linux-gnu-gcc -O1 -Iinclude -Ibuild-arm64/generated fuzz/fuzz_api.c fuzz/standalone_main.c \
    build-arm64/libmwk.a -o build-arm64/fuzz_api_replay -L"$ARM_SYSROOT/usr/lib/aarch64-linux-gnu" \
    -Wl,-rpath,"$ARM_SYSROOT/usr/lib/aarch64-linux-gnu" -lhwy -lfftw3 -lgomp -lstdc++ -lm -lpthread || return 1
  local QEMU="qemu-aarch64 -L /usr/aarch64-linux-gnu" rc=0 cpu t criterion=1
  # Criterion starts each test by exec'ing its own binary: under qemu-user
  # the kernel must know aarch64 ELF (binfmt_misc). Linux >= 6.7 gives every
  # user namespace its own binfmt_misc, so the handler is registered in a
  # private namespace for the suite's process tree only: nothing on the host
  # changes. Where that is not possible, the non-forking checks still run.
  if ! in_binfmt_ns true 2>/dev/null; then
    criterion=0
    echo "NOTE: no private binfmt_misc here (needs Linux >= 6.7 and user namespaces):"
    echo "      the Criterion tests cannot fork under qemu-user and are NOT run. Running the"
    echo "      non-forking checks: env tests, stress (8 threads x every target), differential corpus."
  fi
  aarch64-linux-gnu-gcc -O1 -Iinclude tests/stress/stress.c build-arm64/libmwk.a -o build-arm64/mwk_stress \
    -L"$ARM_SYSROOT/usr/lib/aarch64-linux-gnu" -Wl,-rpath,"$ARM_SYSROOT/usr/lib/aarch64-linux-gnu" \
    -lhwy -lfftw3 -lgomp -lstdc++ -lm -lpthread || return 1
  local corpus=(fuzz/corpus/api)
  [ -d build-fuzz/corpus-api ] && corpus+=(build-fuzz/corpus-api)
  [ -d fuzz/regressions/api ] && corpus+=(fuzz/regressions/api)
  for cpu in cortex-a72 max; do
    export QEMU_CPU=$cpu
    echo "-- qemu -cpu $cpu: $($QEMU build-arm64/mwk_info | tr '\n' ' ')"
    local targets
    targets=$($QEMU build-arm64/mwk_info --targets) || { rc=1; continue; }
    case $cpu in
      cortex-a72) echo " $targets " | grep -q " neon " || { echo "NEON not offered on $cpu"; rc=1; } ;;
      max) for t in sve sve2; do echo " $targets " | grep -q " $t " ||
             { echo "$t not offered on -cpu max"; rc=1; }; done ;;
    esac
    # The Criterion suite runs once, on max, with the tiny grid's sizes and
    # two targets in the same process: SVE2 and NEON (MWK_TEST_TARGETS). The
    # long-double references (software quad precision on aarch64, the bulk
    # of the time under qemu) are computed once per case and shared by both
    # targets. cortex-a72 (no SVE) adds what only a NEON-only CPU shows:
    # the dispatcher's choice, MWK_TARGET per target and the fuzz corpus.
    # Scalar is the same C code the x86 runs test; SVE (not SVE2) is left
    # to the stress program and the fuzz replay, which loop over every target.
    if [ $criterion = 1 ] && [ $cpu = max ]; then
      echo "-- qemu -cpu $cpu: whole suite (tiny grid, targets sve2 and neon)"
      # ctest already runs test binaries through CMAKE_CROSSCOMPILING_EMULATOR
      MWK_TEST_QUICK=2 MWK_TEST_TARGETS=sve2,neon in_binfmt_ns python3 "$REL/run_tests.py" build-arm64 \
        --timeout 1500 --exclude '^stress$' || rc=1
    fi
    # the stress program: 8 threads x every statistic x algorithm x target
    if [ $criterion = 0 ] || [ $cpu = max ]; then
      MWK_TARGET= timeout 900 $QEMU build-arm64/mwk_stress 8 1 || rc=1
    fi
    timeout 900 $QEMU build-arm64/fuzz_api_replay "${corpus[@]}" || rc=1
    for t in $targets; do
      echo "-- qemu -cpu $cpu: MWK_TARGET=$t"
      python3 "$REL/run_tests.py" build-arm64 --env MWK_TARGET=$t --only '^env_num_threads' || rc=1
      MWK_TARGET=$t build-arm64/tests/env_target_check expect "$t" || rc=1
    done
    if [ $criterion = 0 ]; then
      python3 "$REL/run_tests.py" build-arm64 --only '^env_target_(bogus|default)$' || rc=1
    fi
  done
  unset QEMU_CPU
  return $rc
}

stage_targets() {
  base_pkgs || return 1
  if [ ! -x build/tests/test_api ]; then
    configure_build build -S . -DCMAKE_BUILD_TYPE=Release || return 1
  else
    cmake --build build >/dev/null || return 1
  fi
  cc -O1 -Iinclude -Ibuild/generated "$REL/mwk_info.c" -o build/mwk_info -Lbuild -lmwk \
    -Wl,-rpath,"$ROOT/build" || return 1
  local rc=0 t got
  build/mwk_info
  for t in $(build/mwk_info --targets); do
    got=$(MWK_TARGET=$t build/mwk_info | sed -n 's/^target=//p')
    [ "$got" = "$t" ] || { echo "MWK_TARGET=$t gave target '$got'"; rc=1; }
    echo "-- MWK_TARGET=$t"
    python3 "$REL/run_tests.py" build --env MWK_TARGET=$t --exclude '^env_target_' || rc=1
  done
  for t in sse4 avx2 avx512 scalar; do
    # The VM kind has changed CPU before (Intel with AVX-512, now AMD EPYC
    # with AVX2 only): AVX-512 is required only where the CPU reports it.
    if [ "$t" = avx512 ] && ! grep -qw avx512f /proc/cpuinfo; then
      echo "avx512: this CPU has no AVX-512 (avx512f absent from /proc/cpuinfo): not required"
      continue
    fi
    build/mwk_info --targets | grep -qw "$t" || { echo "expected x86 target $t is not supported here"; rc=1; }
  done
  return $rc
}

# --- driver -----------------------------------------------------------------
declare -A RESULT TIME
overall=0
for s in "${STAGES[@]}"; do
  case " ${ALL_STAGES[*]} " in *" $s "*) ;; *) echo "unknown stage '$s' (stages: ${ALL_STAGES[*]})"; exit 2 ;; esac
  say "stage $s"
  t0=$SECONDS
  if "stage_$s"; then RESULT[$s]=pass; else RESULT[$s]=FAIL; overall=1; fi
  TIME[$s]=$((SECONDS - t0))
  echo "<== stage $s: ${RESULT[$s]} (${TIME[$s]} s)"
done
say "reliability summary"
for s in "${STAGES[@]}"; do printf '  %-9s %-5s %5s s\n' "$s" "${RESULT[$s]}" "${TIME[$s]}"; done
exit $overall
