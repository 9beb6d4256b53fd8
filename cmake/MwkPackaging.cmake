# CPack: binary packages of the C library for C users.
#
#   cmake -S . -B build-pkg -DMWK_BUILD_TESTS=OFF -DMWK_BUILD_BENCH=OFF
#   cmake --build build-pkg && (cd build-pkg && cpack)      # -G DEB or -G TGZ for one
#
# gives mwk_<version>_<arch>.deb and mwk-<version>-Linux-<arch>.tar.gz holding
# what `cmake --install` installs: libmwk.so (+ SONAME link), libmwk.a,
# mwk.h and mwk_config.h, the CMake package (find_package(mwk): mwk::mwk,
# mwk::mwk_static) and mwk.pc (pkg-config mwk). Paths inside are relative to
# the prefix (/usr for the .deb), so the .tar.gz unpacks anywhere.
# scripts/packaging.sh (stage cpack) builds both and compiles
# examples/c/smooth.c against each with find_package(mwk) and with pkg-config.
if(MWK_BUILD_PYTHON)
  return() # the Python wheel installs only the extension
endif()

# The licence travels with the binaries (share/doc/mwk/LICENSE).
install(FILES ${PROJECT_SOURCE_DIR}/LICENSE DESTINATION ${CMAKE_INSTALL_DOCDIR})

set(CPACK_PACKAGE_NAME mwk)
set(CPACK_PACKAGE_VENDOR "the mwk developers")
set(CPACK_PACKAGE_CONTACT "the mwk developers")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "Moving-window kernels: fast, accurate moving-window statistics in C with runtime SIMD dispatch")
set(CPACK_PACKAGE_DESCRIPTION
    "C library of moving-window statistics with a per-window accuracy contract, runtime SIMD dispatch (Google Highway), FFTW convolution and OpenMP batches; headers, shared and static libraries, a CMake package and a pkg-config file.")
set(CPACK_RESOURCE_FILE_LICENSE ${PROJECT_SOURCE_DIR}/LICENSE)
set(CPACK_RESOURCE_FILE_README ${PROJECT_SOURCE_DIR}/README.md)
if(NOT CPACK_GENERATOR)
  set(CPACK_GENERATOR "DEB;TGZ")
endif()
set(CPACK_STRIP_FILES OFF)
set(CPACK_SOURCE_GENERATOR "") # the sdist (scripts/wheel.sh sdist) is the source package

# .tar.gz: one top-level folder, mwk-<version>-Linux-<arch>/{include,lib}
set(CPACK_PACKAGE_FILE_NAME "mwk-${PROJECT_VERSION}-Linux-${CMAKE_SYSTEM_PROCESSOR}") # .deb: DEB-DEFAULT below
set(CPACK_INCLUDE_TOPLEVEL_DIRECTORY ON)

# .deb: installs under /usr (CPack's default for DEB). It carries the headers, the static library and
# the CMake package, whose dependencies (Highway and FFTW through pkg-config)
# the package's Depends names; the runtime libraries come from dpkg-shlibdeps.
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION libdevel)
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "the mwk developers")
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(_mwk_deb_depends pkg-config)
if(MWK_HAVE_HWY)
  list(APPEND _mwk_deb_depends libhwy-dev)
endif()
if(MWK_HAVE_FFTW)
  list(APPEND _mwk_deb_depends libfftw3-dev)
endif()
list(JOIN _mwk_deb_depends ", " CPACK_DEBIAN_PACKAGE_DEPENDS)

include(CPack)
