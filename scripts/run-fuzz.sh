#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan + UBSan) in build-fuzz/ and runs each one for SECONDS (default 20)
# on its seed corpus (tests/fuzz/corpus/). Longer runs: scripts/run-fuzz.sh 3600. Crash inputs are written to the
# current directory as crash-* files, with the sanitizer's report on stderr.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$AOTVIZ_ROOT"
SECONDS_EACH="${1:-20}"
command -v clang++ >/dev/null 2>&1 || { echo "run-fuzz.sh: clang++ is missing (apt-get install clang)" >&2; exit 1; }
configure build-fuzz -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ -DAOTVIZ_FUZZ=ON \
  -DAOTVIZ_GUI=OFF -DAOTVIZ_TESTS=OFF -DAOTVIZ_BENCH=OFF -DAOTVIZ_FUZZ_SECONDS="$SECONDS_EACH"
cmake --build build-fuzz -j "$JOBS" --target fuzz_graph_json fuzz_session_json fuzz_input_spec fuzz_pt_archive fuzz_pt2
cd build-fuzz && ctest --output-on-failure -R '^fuzz\.'
