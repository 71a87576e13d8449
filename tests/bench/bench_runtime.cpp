// tests/bench/bench_runtime.cpp — the compiled result against eager LibTorch, measured pair by pair in one run:
// (1) interpreter overhead per node: a chain of N tiny ops (adds on a 1-element tensor) run by the interpreter vs
// the same ATen calls made directly; (2) compiled / eager forward+backward step-time ratio per built-in model
// (execution stage, min-cut partition). Medians over repeated runs with min and max. Not a test: run it by hand
// (README, Performance).
#include <ATen/ATen.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "core/capture/capture.h"
#include "core/util/build_info.h"
#include "core/compile/compile.h"
#include "core/execution/execution.h"
#include "core/models/zoo.h"
#include "core/partition/partition.h"
#include "core/runtime/runtime.h"
#include "tests/bench/bench_stats.h"

using namespace aotviz;

namespace {

using bench::Stat;
using bench::stat;

double nowUs() {
  return std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

void interpreterOverhead(int n, int reps) {
  auto chain = [n](const std::vector<at::Tensor>& in) {
    at::Tensor x = in[0];
    for (int i = 0; i < n; ++i) x = at::add(x, in[1]);
    return std::vector<at::Tensor>{x};
  };
  std::vector<capture::InputDesc> inputs = {{"x", capture::InputKind::User, at::ones({1}), false},
                                            {"y", capture::InputKind::User, at::ones({1}), false}};
  capture::CaptureResult cap = capture::captureGraph(chain, inputs);
  auto compiled = exec::compileGraph(cap.graph, "inference", {});
  std::vector<at::Tensor> args = {at::ones({1}), at::ones({1})};
  std::vector<double> interp, eager, per_node;
  for (int r = 0; r < reps + 3; ++r) {
    double t0 = nowUs();
    compiled->run(args);
    double t1 = nowUs();
    chain(args);
    double t2 = nowUs();
    if (r < 3) continue;  // warm-up
    interp.push_back(t1 - t0);
    eager.push_back(t2 - t1);
    per_node.push_back(((t1 - t0) - (t2 - t1)) / n);
  }
  Stat i = stat(interp), e = stat(eager), p = stat(per_node);
  std::printf("| %5d | %8.1f (%.1f-%.1f) | %8.1f (%.1f-%.1f) | %6.3f (%.3f-%.3f) |\n", n, i.median, i.min, i.max,
              e.median, e.min, e.max, p.median, p.min, p.max);
}

void stepRatio(const std::string& name, int iters, int reps) {
  models::Model m = models::buildModel(name);
  capture::CaptureResult cap = capture::captureGraph(m.fn, m.inputs);
  partition::PartitionResult part =
      partition::partitionJoint(cap.graph, cap.numForwardOutputs(), models::parameterIndices(m), {});
  runtime::CompiledFunction f(cap, &part, {});
  execution::Options o;
  o.iters = iters;
  std::vector<double> ratio, eager, compiled;
  for (int r = 0; r < reps; ++r) {
    execution::Report rep = execution::runAndCompare(m, f, o);
    ratio.push_back(rep.ratio);
    eager.push_back(rep.eager.median_step_ms);
    compiled.push_back(rep.compiled.median_step_ms);
  }
  Stat q = stat(ratio), e = stat(eager), c = stat(compiled);
  std::printf("| %-12s | %8.3f | %8.3f | %5.3f (%.3f-%.3f) |\n", name.c_str(), e.median, c.median, q.median, q.min,
              q.max);
}

}  // namespace

int main(int argc, char** argv) {
  const int reps = argc > 1 ? std::max(3, std::atoi(argv[1])) : 7;
  std::printf("compiled vs eager on CPU, LibTorch %s, OMP_NUM_THREADS=%s, %d repetitions (median, min-max)\n\n",
              torchVersionString(), std::getenv("OMP_NUM_THREADS") ? std::getenv("OMP_NUM_THREADS") : "unset",
              reps);
  std::printf("interpreter overhead per node: a chain of N adds on 1-element tensors\n\n");
  std::printf("| N | interpreter us | direct ATen us | overhead us/node |\n|---|---|---|---|\n");
  for (int n : {100, 1000, 5000}) interpreterOverhead(n, reps * 3);
  std::printf("\ncompiled / eager forward+backward step time (10 steps per side per repetition, min-cut)\n\n");
  std::printf("| model | eager ms | compiled ms | compiled/eager |\n|---|---|---|---|\n");
  for (const auto& m : models::modelList()) stepRatio(m.name, 10, reps);
  return 0;
}
