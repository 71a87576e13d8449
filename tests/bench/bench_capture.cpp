// tests/bench/bench_capture.cpp — capture cost: microseconds per recorded op, fake (meta) and real tensors,
// on a 16-layer MLP (16 x Linear(d,d)+Tanh) and the attn_block transformer block. Prints a table; medians over
// repeated captures after warm-up, with min and max. Not a test: run it by hand (see README, Performance).
// Arguments: [captures] [fake|real] (one mode only, for profiling).
#include <ATen/ATen.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "core/capture/capture.h"
#include "core/util/build_info.h"
#include "core/models/zoo.h"

using namespace aotviz;

namespace {

models::Model mlp16(int64_t d) {
  models::Model m;
  m.name = "mlp16_d" + std::to_string(d);
  at::manual_seed(0);
  for (int i = 0; i < 16; ++i) {
    m.inputs.push_back({"l" + std::to_string(i) + ".weight", capture::InputKind::Param, at::randn({d, d}) * 0.1, true});
    m.inputs.push_back({"l" + std::to_string(i) + ".bias", capture::InputKind::Param, at::zeros({d}), true});
  }
  m.inputs.push_back({"x", capture::InputKind::User, at::randn({32, d}), false});
  m.fn = [](const std::vector<at::Tensor>& in) {
    at::Tensor x = in.back();
    for (int i = 0; i < 16; ++i) x = at::tanh(at::linear(x, in[2 * i], in[2 * i + 1]));
    return std::vector<at::Tensor>{x};
  };
  return m;
}

void bench(const models::Model& m, capture::TraceMode mode, int reps) {
  capture::CaptureOptions opts;
  opts.mode = mode;
  for (int i = 0; i < 3; ++i) capture::captureGraph(m.fn, m.inputs, opts);  // warm-up (registration, caches)
  std::vector<double> us_per_op, joint_us_per_op, ms;
  size_t ops = 0;
  for (int i = 0; i < reps; ++i) {
    auto r = capture::captureGraph(m.fn, m.inputs, opts);
    ops = r.ops_recorded;
    ms.push_back(r.seconds * 1e3);
    us_per_op.push_back(r.seconds * 1e6 / static_cast<double>(r.ops_recorded));
    // The joint trace alone, as the pipeline's joint stage runs it: captureGraph's steps before it are not timed.
    const meta::MetadataOptions mo = capture::metadataOptions(opts);
    const meta::ViewAndMutationMeta user_meta = meta::collectMetadata(m.fn, m.inputs, mo);
    const meta::DedupeResult dedupe = meta::dedupeInputs(m.fn, m.inputs, user_meta, mo);
    const meta::SyntheticBaseResult synthetic = meta::mergeViewInputs(dedupe.fn, dedupe.inputs, dedupe.meta, false, mo);
    const auto t0 = std::chrono::steady_clock::now();
    const auto joint = capture::traceJoint(synthetic.fn, synthetic.inputs, synthetic.meta, true, opts);
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    joint_us_per_op.push_back(s * 1e6 / static_cast<double>(joint.ops_recorded));
  }
  std::sort(joint_us_per_op.begin(), joint_us_per_op.end());
  std::sort(us_per_op.begin(), us_per_op.end());
  std::sort(ms.begin(), ms.end());
  std::printf("| %-14s | %-4s | %5zu | %8.2f (%.2f-%.2f) | %8.2f (%.2f-%.2f) | %8.2f |\n", m.name.c_str(),
              mode == capture::TraceMode::Fake ? "fake" : "real", ops, us_per_op[us_per_op.size() / 2],
              us_per_op.front(), us_per_op.back(), joint_us_per_op[joint_us_per_op.size() / 2],
              joint_us_per_op.front(), joint_us_per_op.back(), ms[ms.size() / 2]);
}

}  // namespace

int main(int argc, char** argv) {
  int reps = argc > 1 ? std::max(3, std::atoi(argv[1])) : 15;
  const std::string only = argc > 2 ? argv[2] : "";  // "fake" or "real": one mode (for profiling)
  std::printf("capture cost, median over %d captures (min-max), LibTorch %s, OMP_NUM_THREADS=%s\n\n", reps,
              aotviz::torchVersionString(), std::getenv("OMP_NUM_THREADS") ? std::getenv("OMP_NUM_THREADS") : "unset");
  std::printf("| model          | mode | ops   | us/op median (min-max) | joint trace alone, us/op | ms/capture |\n");
  std::printf("|---|---|---|---|---|---|\n");
  for (auto mode : {capture::TraceMode::Fake, capture::TraceMode::Real}) {
    if (!only.empty() && only != (mode == capture::TraceMode::Fake ? "fake" : "real")) continue;
    bench(mlp16(8), mode, reps);
    bench(mlp16(64), mode, reps);
    bench(models::buildModel("attn_block"), mode, mode == capture::TraceMode::Real ? std::max(3, reps / 3) : reps);
  }
  return 0;
}
