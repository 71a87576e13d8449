// core/pipeline/config.h — everything a pipeline run depends on besides the model's code: which model, how to
// capture, how to partition, how to compile and run. Plain data with a JSON form (saved in session.json).
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "core/partition/partition.h"

namespace aotviz::pipeline {

struct Config {
  // inputs
  std::string model = "attn_block";  // built-in model name or path to a TorchScript .pt
  std::string inputs_spec;           // input spec JSON for a .pt ("" = the .json next to it)
  std::map<std::string, int64_t> model_options;  // a built-in model's size options (gpt --layers 48); {} = defaults
  uint64_t seed = 0;
  // metadata and joint
  std::string trace = "fake";  // fake | real
  std::string device = "cpu";  // cpu | cuda: the device the graphs are for and run on
  bool keep_input_mutations = false;
  // cache and partition
  std::string partitioner = "mincut";  // default | mincut | none
  std::string rules = "current";       // current | 1.13
  double memory_budget = 1.0;
  std::map<std::string, partition::Override> overrides;
  /// Random ops may be recomputed in the backward, replaying the forward's RNG state (--functionalize-rng).
  bool functionalize_rng = false;
  bool use_cache = true;
  std::string cache_dir;  // "" = cache::Cache::defaultDir()
  // compile and execution
  std::string backend = "interpreter";
  int iters = 0;  // execution steps per side; 0 skips the execution stage
  /// Tolerance of the compiled-vs-eager check (execution::Options); negative: the dtype's default.
  double rtol = -1, atol = -1;

  nlohmann::json toJson() const;
  /// Validating reader (AotError, stage "load", naming the field).
  static Config fromJson(const nlohmann::json& j);
  bool operator==(const Config& o) const { return toJson() == o.toJson(); }
  bool operator!=(const Config& o) const { return !(*this == o); }
};

/// Index (into stageList()) of the first stage whose result a change from `a` to `b` can alter; stageList().size()
/// when nothing changes. A restart keeps the snapshots of the stages before it.
size_t firstAffectedStage(const Config& a, const Config& b);

/// Index of the stage named `name` in stageList(); AotError (stage "pipeline") listing the names otherwise.
size_t stageIndex(const std::string& name);

}  // namespace aotviz::pipeline
