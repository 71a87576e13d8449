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
