#!/usr/bin/env bash
# scripts/run-corpus.sh [ctest args] — the whole real-model corpus (README, "Real-model corpus"): builds the core
# tests if needed, generates the models and PyTorch 2.11 references that are missing or older than
# tests/corpus/corpus.py (in parallel, into $BUILD_DIR/corpus), then runs every Corpus/RealModel test with
# AOTVIZ_CORPUS=all under ctest, one process per model (a crash stops only its model), and prints each model's
# one-line result. Extra arguments go to ctest, e.g. `-R resnet` for some models only.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
configure "$BUILD_DIR" -DAOTVIZ_TESTS=ON
cmake --build "$BUILD_DIR" -j "$JOBS" --target aotviz_core_tests
export OMP_NUM_THREADS=1 AOTVIZ_CORPUS=all
CORPUS_DIR="$BUILD_DIR/corpus"
GENERATOR="$AOTVIZ_ROOT/tests/corpus/corpus.py"
mkdir -p "$CORPUS_DIR"

# Generation: the stale models in $JOBS python processes (round robin), each writing its own log.
mapfile -t stale < <("$VENV_PYTHON" "$GENERATOR" --out "$CORPUS_DIR" --stale)
if [ ${#stale[@]} -gt 0 ]; then
  echo "aotviz: generating ${#stale[@]} corpus model(s) and their PyTorch references in $CORPUS_DIR"
  groups=()
  for i in "${!stale[@]}"; do
    g=$((i % JOBS))
    groups[g]="${groups[g]:+${groups[g]},}${stale[i]}"
  done
  start=$SECONDS
  pids=()
  for g in "${!groups[@]}"; do
    "$VENV_PYTHON" "$GENERATOR" --out "$CORPUS_DIR" --models "${groups[g]}" 2>"$CORPUS_DIR/generate-$g.log" &
    pids+=($!)
  done
  for g in "${!pids[@]}"; do
    wait "${pids[g]}" || echo "aotviz: corpus.py failed, see $CORPUS_DIR/generate-$g.log (the tests regenerate what is missing)"
  done
  cat "$CORPUS_DIR"/generate-*.log | grep -E '^[a-z0-9_]+: [0-9.]+ s \(' || true
  echo "aotviz: generated in $((SECONDS - start)) s"
fi

# The tests: every corpus model (and the check that corpus.py and test_corpus.cpp list the same models).
rm -f "$CORPUS_DIR"/*.result
status=0
(cd "$BUILD_DIR" && ctest --output-on-failure -j "$JOBS" -R '^Corpus' "$@") || status=$?
echo
echo "aotviz: corpus results (also in $CORPUS_DIR/*.result):"
while read -r name _; do
  if [ -f "$CORPUS_DIR/$name.result" ]; then
    cat "$CORPUS_DIR/$name.result"
  elif [ $# -eq 0 ]; then
    echo "$name: no result (the test stopped before its end or did not run: see the ctest output above)"
  fi
done < <("$VENV_PYTHON" "$GENERATOR" --list)
exit $status
