#!/usr/bin/env bash
# scripts/run-tests.sh [ctest args] — install what is missing, build everything, and run the whole test suite.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
install_packages "${AOTVIZ_PACKAGES[@]}" "${AOTVIZ_TEST_PACKAGES[@]}"
configure_and_build -DAOTVIZ_GUI=ON -DAOTVIZ_TESTS=ON
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}"
cd "$BUILD_DIR"
ctest --output-on-failure -j "$JOBS" "$@"
# Short fuzz runs of the file loaders (clang, libFuzzer with ASan + UBSan, build-fuzz/); AOTVIZ_FUZZ_SECONDS=0 skips.
cd "$AOTVIZ_ROOT"
if [ "${AOTVIZ_FUZZ_SECONDS:-10}" != 0 ]; then scripts/run-fuzz.sh "${AOTVIZ_FUZZ_SECONDS:-10}"; fi
# The suite again under AddressSanitizer + UBSan (no GUI) when AOTVIZ_SANITIZE_TESTS=1 (CI sets it): a separate
# build in build-asan/. Leak detection is off: LibTorch's static operator registrations are reported at exit.
# allocator_may_return_null: a test runs a model out of memory on purpose and expects LibTorch's error, not an abort.
if [ "${AOTVIZ_SANITIZE_TESTS:-0}" = 1 ]; then
  configure "$AOTVIZ_ROOT/build-asan" -DAOTVIZ_GUI=OFF -DAOTVIZ_BENCH=OFF -DAOTVIZ_SANITIZE=address,undefined
  cmake --build "$AOTVIZ_ROOT/build-asan" -j "$JOBS"
  (cd "$AOTVIZ_ROOT/build-asan" && ASAN_OPTIONS=detect_leaks=0:allocator_may_return_null=1 ctest --output-on-failure -j "$JOBS")
fi
