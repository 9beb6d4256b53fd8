# Cross-compiling mwk for aarch64 (Linux, glibc) with Debian's cross compilers
# (gcc-aarch64-linux-gnu, g++-aarch64-linux-gnu).
#
#   cmake -S . -B build-arm64 -DCMAKE_TOOLCHAIN_FILE=cmake/toolchain-aarch64.cmake \
#         -DMWK_ARM64_SYSROOT=$PWD/build-arm64/sysroot
#
# The arm64 libraries (Highway, FFTW, Criterion and their dependencies) come
# from either
#   - multiarch packages installed system-wide (apt-get install libhwy-dev:arm64 ...):
#     leave MWK_ARM64_SYSROOT empty; or
#   - a folder holding the arm64 .debs extracted with dpkg -x (what
#     scripts/reliability.sh does, because libcriterion-dev:arm64 cannot be
#     co-installed with the amd64 one): set MWK_ARM64_SYSROOT to it.
# Tests run under qemu-aarch64 through CMAKE_CROSSCOMPILING_EMULATOR; pick the
# CPU model with QEMU_CPU (e.g. cortex-a72 for NEON only, max for SVE/SVE2).
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(MWK_ARM64_TRIPLE aarch64-linux-gnu)
set(CMAKE_C_COMPILER ${MWK_ARM64_TRIPLE}-gcc)
set(CMAKE_CXX_COMPILER ${MWK_ARM64_TRIPLE}-g++)

set(MWK_ARM64_SYSROOT "" CACHE PATH "Folder with arm64 .debs extracted (dpkg -x), or empty for multiarch")
# try_compile projects see only variables listed here.
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES MWK_ARM64_SYSROOT)

set(_mwk_libdirs /usr/lib/${MWK_ARM64_TRIPLE} /lib/${MWK_ARM64_TRIPLE})
set(CMAKE_FIND_ROOT_PATH /usr/${MWK_ARM64_TRIPLE})
if(MWK_ARM64_SYSROOT)
  list(PREPEND CMAKE_FIND_ROOT_PATH ${MWK_ARM64_SYSROOT})
  set(_mwk_sys_lib ${MWK_ARM64_SYSROOT}/usr/lib/${MWK_ARM64_TRIPLE})
  # Headers and libraries of the extracted packages; an rpath (DT_RPATH, which
  # unlike DT_RUNPATH also serves libcriterion's own dependencies) so that the
  # test binaries find them under qemu without LD_LIBRARY_PATH.
  set(CMAKE_C_FLAGS_INIT "-isystem ${MWK_ARM64_SYSROOT}/usr/include")
  set(CMAKE_CXX_FLAGS_INIT "-isystem ${MWK_ARM64_SYSROOT}/usr/include")
  set(_mwk_sys_lib2 ${MWK_ARM64_SYSROOT}/lib/${MWK_ARM64_TRIPLE}) # zlib, com_err live here
  foreach(kind EXE SHARED MODULE)
    set(CMAKE_${kind}_LINKER_FLAGS_INIT
        "-L${_mwk_sys_lib} -Wl,--disable-new-dtags -Wl,-rpath-link,${_mwk_sys_lib}:${_mwk_sys_lib2} -Wl,-rpath,${_mwk_sys_lib}:${_mwk_sys_lib2}")
  endforeach()
  set(ENV{PKG_CONFIG_LIBDIR} "${_mwk_sys_lib}/pkgconfig:${MWK_ARM64_SYSROOT}/usr/share/pkgconfig")
  set(ENV{PKG_CONFIG_SYSROOT_DIR} "${MWK_ARM64_SYSROOT}")
else()
  set(ENV{PKG_CONFIG_LIBDIR} "/usr/lib/${MWK_ARM64_TRIPLE}/pkgconfig:/usr/share/pkgconfig")
endif()
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
set(CMAKE_LIBRARY_ARCHITECTURE ${MWK_ARM64_TRIPLE})

find_program(MWK_QEMU_AARCH64 qemu-aarch64)
if(MWK_QEMU_AARCH64)
  set(CMAKE_CROSSCOMPILING_EMULATOR ${MWK_QEMU_AARCH64} -L /usr/${MWK_ARM64_TRIPLE})
endif()
