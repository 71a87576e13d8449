// core/execution/execution.h — the execution stage: runs a model eagerly and compiled, forward and backward, and
// compares time, numerics and memory.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "core/models/zoo.h"
#include "core/runtime/runtime.h"

namespace aotviz::execution {

struct Options {
  int iters = 20;   // timed steps per side (after one untimed warm-up step)
  c10::Device device = c10::Device(c10::DeviceType::CPU);
};

struct Side {
  double median_step_ms = 0, min_step_ms = 0;
  int64_t peak_bytes = 0;  // CPU: peak of our counting allocator above the step's start, over the first step
};

struct Report {
  std::string model;
  bool training = false;
  int iters = 0;
  Side eager, compiled;
  double ratio = 0;  // compiled / eager median step time
  /// Max abs differences after one step from identical inputs: user outputs, gradients of the inputs that
  /// require grad, and inputs after the call (mutations).
  double max_abs_diff_outputs = 0, max_abs_diff_grads = 0, max_abs_diff_inputs = 0;
  size_t outputs = 0, grads = 0, inputs = 0;
};

/// One step = the function on a fresh copy of the model's inputs, then gradients of its differentiable outputs
/// (seeded random tangents) with respect to the inputs that require grad. Throws AotError (stage "execution").
Report runAndCompare(const models::Model& m, const runtime::CompiledFunction& compiled, const Options& opts);

nlohmann::json reportToJson(const Report& r);

/// One step (as runAndCompare's) of `profiled`, which must have been built with RuntimeOptions::profile; returns
/// the per-node profiles of its graph runs (forward and backward, or inference).
std::vector<exec::Profile> profileStep(const models::Model& m, const runtime::CompiledFunction& profiled,
                                       c10::Device device);

}  // namespace aotviz::execution
