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
  /// Tolerance of the compiled-vs-eager check, per element |compiled - eager| <= atol + rtol * |eager|; a negative
  /// value means the dtype's default (see defaultTolerance).
  double rtol = -1, atol = -1;
  /// Both sides start every step from at::manual_seed(rng_seed), so random ops draw the same numbers.
  uint64_t rng_seed = 0;
};

struct Tolerance {
  double rtol = 0, atol = 0;
};
/// float64 1e-7/1e-7, float32 1e-4/1e-5, float16/bfloat16 1e-2/1e-3, integers and bool exact.
Tolerance defaultTolerance(c10::ScalarType t);

/// One compared tensor: a user output, the gradient of an input, or an input after the call (its mutation).
struct TensorCheck {
  std::string kind;  // "output", "gradient", "input"
  size_t index = 0;  // among the outputs / gradients / inputs
  std::string name;  // "output 0", "gradient of 'fc1.weight'", "input 'bn.running_mean' after the call"
  double max_abs_diff = 0;
  /// max over elements of |compiled - eager| / (atol + rtol * |eager|): <= 1 passes.
  double tolerance_ratio = 0;
  Tolerance tolerance;
  bool ok = true;
  std::string problem;  // set when the two sides cannot be compared (shape, dtype, defined on one side only)
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
  /// Every compared tensor; `ok` is false when any is beyond tolerance or not comparable, and `worst` is the index
  /// of the one with the largest tolerance ratio (a not-comparable one first).
  std::vector<TensorCheck> checks;
  bool ok = true;
  size_t worst = 0;
  std::string rng;  // how the two sides' random draws were made equal, for people
};

/// "gradient of 'fc.weight': max |compiled - eager| 0.31 is 3.1e+04x the tolerance (rtol 1e-4, atol 1e-5)".
std::string describeCheck(const TensorCheck& c);

/// One step = the function on a fresh copy of the model's inputs, then gradients of its differentiable outputs
/// (seeded random tangents) with respect to the inputs that require grad. Both sides run from the same RNG state.
/// A failed numeric check is reported in the Report (ok = false), not thrown; the pipeline's execution stage turns
/// it into a failure. Throws AotError (stage "execution") when a side cannot run.
Report runAndCompare(const models::Model& m, const runtime::CompiledFunction& compiled, const Options& opts);

nlohmann::json reportToJson(const Report& r);

/// One step (as runAndCompare's) of `profiled`, which must have been built with RuntimeOptions::profile; returns
/// the per-node profiles of its graph runs (forward and backward, or inference).
std::vector<exec::Profile> profileStep(const models::Model& m, const runtime::CompiledFunction& profiled,
                                       c10::Device device);

}  // namespace aotviz::execution
