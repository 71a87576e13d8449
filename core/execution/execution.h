// core/execution/execution.h — the execution stage: runs a model eagerly and compiled, forward and backward, and
// compares time, numerics and memory.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "core/execution/report.h"
#include "core/models/zoo.h"
#include "core/runtime/runtime.h"

namespace aotviz::execution {

struct Options {
  int iters = 20;   // timed steps per side (after one untimed warm-up step)
  c10::Device device = c10::Device(c10::DeviceType::CPU);
  /// Tolerance of the compiled-vs-eager check, per element |compiled - eager| <= atol + rtol * |eager|; a negative
  /// value means the dtype's default (see defaultTolerance).
  double rtol = -1, atol = -1;
  /// Both sides start every step from at::manual_seed(rng_seed), so random ops draw the same numbers.
  uint64_t rng_seed = 0;
};

/// One step = the function on a fresh copy of the model's inputs, then gradients of its differentiable outputs
/// (seeded random tangents) with respect to the inputs that require grad. Both sides run from the same RNG state.
/// A failed numeric check is reported in the Report (ok = false), not thrown; the pipeline's execution stage turns
/// it into a failure. Throws AotError (stage "execution") when a side cannot run.
Report runAndCompare(const models::Model& m, const runtime::CompiledFunction& compiled, const Options& opts);

/// One step (as runAndCompare's) of `profiled`, which must have been built with RuntimeOptions::profile; returns
/// the per-node profiles of its graph runs (forward and backward, or inference).
std::vector<exec::Profile> profileStep(const models::Model& m, const runtime::CompiledFunction& profiled,
                                       c10::Device device);

}  // namespace aotviz::execution
