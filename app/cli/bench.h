// app/cli/bench.h — `aotviz bench`: the pipeline against PyTorch 2.11's Python AOTAutograd and eager LibTorch.
#pragma once

#include <string>

namespace aotviz::cli {

struct BenchOptions {
  std::string models = "mlp,mlp_gelu_ln,cnn,attn_block,mutation_fn,deep_mlp,gpt,resnet18";
  int reps = 5;       // warm pipeline runs per model on each side (after one warm-up)
  int cold_reps = 3;  // fresh processes per model on each side
  int iters = 10;  // timed steps per side for compiled / eager, per repetition
  int step_reps = 3;
  bool json = false;
  std::string out;  // also write the results as Markdown (tests/bench/RESULTS.md)
  std::string python = AOTVIZ_PYTHON;  // the project venv's, with PyTorch 2.11
};

/// Runs the benchmark and prints the table (or JSON). Returns the exit code.
int runBench(const BenchOptions& o);

}  // namespace aotviz::cli
