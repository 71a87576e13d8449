// core/models/input_spec.h — the input spec: a JSON file that says which user inputs a model takes (shapes,
// dtypes, how to fill them, which require grad, which are the same tensor as, or a view of, another).
//
//   [{"shape": [4, 2], "dtype": "float32", "requires_grad": true, "leaf": false},
//    {"same_as": 0},
//    {"view_of": 0, "size": [2], "stride": [1], "offset": 2}]
//
// or, with names and options, {"inputs": [...], "seed": 0, "grad_mode": "enabled" | "no_grad"}. Entries:
//   name (default "input_N"), shape, dtype (default float32), init: randn (default for floating dtypes), rand,
//   zeros, ones, arange, randint (default for integer dtypes, [low, high), default [0, 10)), requires_grad,
//   leaf (default true; false makes a grad-requiring input a non-leaf computed from a leaf, so in-place ops on it
//   are legal); same_as: an earlier input's index or name (the very same tensor again); view_of: an earlier
//   input's index or name, with size, stride and offset (storage offset) of the view.
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
  bool leaf = true;
  int same_as = -1;  // index of an earlier input
  int view_of = -1;  // index of an earlier input
  std::vector<int64_t> view_size, view_stride;
  int64_t view_offset = 0;
};

struct InputSpec {
  std::vector<InputSpecEntry> inputs;
  uint64_t seed = 0;
  bool grad_enabled = true;  // "grad_mode"
  std::string module;       // optional: the .pt file the spec belongs to (relative to the spec)
  std::string description;  // optional
};

/// The most elements one example input may have (2^31, 8 GiB of float32).
inline constexpr int64_t kMaxElements = int64_t(1) << 31;

/// Parses a spec; errors (stage "inputs") name `origin` (a file name) and the JSON path of the bad field.
InputSpec parseInputSpec(const std::string& text, const std::string& origin);
InputSpec loadInputSpec(const std::string& path);

/// The user inputs a spec describes, filled deterministically from `seed` (same_as entries share the tensor,
/// view_of entries are views of theirs). Throws AotError (stage "inputs") for a view outside its base's memory.
std::vector<capture::InputDesc> makeInputs(const InputSpec& spec, uint64_t seed);

}  // namespace aotviz::models
