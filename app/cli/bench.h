// app/cli/bench.h — `aotviz bench`: the pipeline against PyTorch 1.13's Python AOTAutograd and eager LibTorch.
#pragma once

#include <string>

namespace aotviz::cli {

struct BenchOptions {
  std::string models = "mlp,mlp_gelu_ln,cnn,attn_block,mutation_fn,deep_mlp";
  int reps = 5;    // pipeline runs per model on each side (after one warm-up)
  int iters = 10;  // timed steps per side for compiled / eager, per repetition
  int step_reps = 3;
  bool json = false;
  std::string out;  // also write the results as Markdown (tests/bench/RESULTS.md)
  std::string python = "/usr/bin/python3";
};

/// Runs the benchmark and prints the table (or JSON). Returns the exit code.
int runBench(const BenchOptions& o);

}  // namespace aotviz::cli
