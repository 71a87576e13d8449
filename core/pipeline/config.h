// core/pipeline/config.h — everything a pipeline run depends on besides the model's code: which model, how to
// capture, how to partition, how to compile and run. Plain data with a JSON form (saved in session.json).
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "core/capture/trace_mode.h"
#include "core/compile/backend.h"
#include "core/partition/partition.h"
#include "core/util/enum_names.h"

namespace aotviz::pipeline {

/// The partition stage's choice: one of PyTorch's partitioners, or none (the joint graph is not split).
enum class PartitionerChoice : uint8_t { Default, MinCut, None };
inline constexpr auto kPartitionerChoiceNames = util::enumNames<PartitionerChoice>(
    "partitioner", util::EnumName<PartitionerChoice>{PartitionerChoice::Default, "default"},
    util::EnumName<PartitionerChoice>{PartitionerChoice::MinCut, "mincut"},
    util::EnumName<PartitionerChoice>{PartitionerChoice::None, "none"});
/// The partitioner a choice runs; nullopt for None.
std::optional<partition::Partitioner> partitionerOf(PartitionerChoice c);

struct Config {
  // inputs
  std::string model = "attn_block";  // built-in model name or path to a TorchScript .pt
  std::string inputs_spec;           // input spec JSON for a .pt ("" = the .json next to it)
  std::map<std::string, int64_t> model_options;  // a built-in model's size options (gpt --layers 48); {} = defaults
  uint64_t seed = 0;
  // metadata and joint
  capture::TraceMode trace = capture::TraceMode::Fake;
  std::string device = "cpu";  // cpu | cuda: the device the graphs are for and run on
  bool keep_input_mutations = false;
  // cache and partition
  PartitionerChoice partitioner = PartitionerChoice::MinCut;
  partition::Rules rules = partition::Rules::Current;
  double memory_budget = 1.0;
  std::map<std::string, partition::Override> overrides;
  /// Random ops may be recomputed in the backward, replaying the forward's RNG state (--functionalize-rng).
  bool functionalize_rng = false;
  bool use_cache = true;
  std::string cache_dir;  // "" = cache::Cache::defaultDir()
  // compile and execution
  exec::Backend backend = exec::Backend::Interpreter;
  int iters = 0;  // execution steps per side; 0 skips the execution stage
  /// Tolerance of the compiled-vs-eager check (execution::Options); negative: the dtype's default.
  double rtol = -1, atol = -1;

  nlohmann::json toJson() const;
  /// Validating reader (AotError, stage "load", naming the field).
  static Config fromJson(const nlohmann::json& j);
  bool operator==(const Config& o) const { return toJson() == o.toJson(); }
  bool operator!=(const Config& o) const { return !(*this == o); }
};

/// The ConfigPart bits (stages.h) in which `a` and `b` differ.
uint8_t changedParts(const Config& a, const Config& b);
/// Index (into stageList()) of the first stage whose result a change from `a` to `b` can alter: the first that reads
/// a changed part; stageList().size() when nothing changes. A restart keeps the snapshots of the stages before it.
size_t firstAffectedStage(const Config& a, const Config& b);

}  // namespace aotviz::pipeline
