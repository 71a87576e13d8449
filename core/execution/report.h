// core/execution/report.h — what the execution stage measured: times, peaks and every compared tensor; its JSON.
#pragma once

#include <c10/core/ScalarType.h>

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace aotviz::execution {

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

/// Sets `ok` and `worst` from the checks.
void findWorst(Report& r);

nlohmann::json reportToJson(const Report& r);
/// Validating reader of reportToJson's form (AotError, stage "load", naming the field under `path`).
Report reportFromJson(const nlohmann::json& j, const std::string& path);

}  // namespace aotviz::execution
