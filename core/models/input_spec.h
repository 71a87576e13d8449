// core/models/input_spec.h — the input spec: a JSON file that says which user inputs a model takes (shapes,
// dtypes, how to fill them, which require grad, which are the same tensor as another).
//
//   {"inputs": [{"name": "x", "shape": [8, 16], "dtype": "float32", "init": "randn", "requires_grad": false},
//               {"name": "ids", "shape": [4, 128], "dtype": "int64", "init": "randint", "low": 0, "high": 1000},
//               {"name": "b", "same_as": "x"}],
//    "seed": 0}
//
// init: randn (default for floating dtypes), rand, zeros, ones, arange, randint (default for integer dtypes,
// [low, high), default [0, 10)). "same_as" passes the very same tensor again (duplicate inputs).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/capture/capture.h"

namespace aotviz::models {

struct InputSpecEntry {
  std::string name;
  std::vector<int64_t> shape;
  c10::ScalarType dtype = c10::ScalarType::Float;
  std::string init;  // "" → default for the dtype
  int64_t low = 0, high = 10;
  bool requires_grad = false;
  std::string same_as;  // name of an earlier input, or ""
};

struct InputSpec {
  std::vector<InputSpecEntry> inputs;
  uint64_t seed = 0;
  std::string module;       // optional: the .pt file the spec belongs to (relative to the spec)
  std::string description;  // optional
};

/// Parses a spec; errors (stage "inputs") name `origin` (a file name) and the JSON path of the bad field.
InputSpec parseInputSpec(const std::string& text, const std::string& origin);
InputSpec loadInputSpec(const std::string& path);

/// The user inputs a spec describes, filled deterministically from `seed` (same_as entries share the tensor).
std::vector<capture::InputDesc> makeInputs(const InputSpec& spec, uint64_t seed);

}  // namespace aotviz::models
