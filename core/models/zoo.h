// core/models/zoo.h — built-in models: the six models of the peer baseline (../shared/peer), written as plain
// functions over flat (parameter, buffer, input) tensors with module scopes, so capture can trace them.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/capture/capture.h"

namespace aotviz::models {

struct Model {
  std::string name;
  std::string description;
  /// Parameters, then buffers, then user inputs — AOTAutograd's aot_module order. Parameter values come from
  /// the same initialisation rules as torch.nn (seeded).
  std::vector<capture::InputDesc> inputs;
  capture::TracedFn fn;
  bool grad_enabled = true;  // the grad mode to call it under (input spec "grad_mode")
  /// Remarks from loading it, shown with the inputs stage ("symbolic dimension s0 … specialized to 8").
  std::vector<std::string> notes = {};
};

/// Indices of a model's parameters among its inputs (the partitioners' static-lifetime inputs).
std::vector<size_t> parameterIndices(const Model& m);

/// Size options of a built-in model ("layers" → 48), validated by buildModel.
using ModelOptions = std::map<std::string, int64_t>;

struct ModelInfo {
  std::string name;
  std::string description;
  ModelOptions options = {};  // the size options it takes, with their defaults (empty: none)
};

/// Every built-in model, in a stable order.
const std::vector<ModelInfo>& modelList();
bool hasModel(const std::string& name);
/// Builds a model with freshly initialised parameters (deterministic for a seed), sized by `options` where it
/// takes them (gpt: layers, width, heads, seq, vocab, batch). Throws AotError (stage "inputs") naming the
/// available models when `name` is unknown, and the valid options for an option it does not take or a bad value.
Model buildModel(const std::string& name, uint64_t seed = 0, const ModelOptions& options = {});

/// The model the GUI opens by default.
inline const char* kDefaultModel = "attn_block";

}  // namespace aotviz::models
