// core/pipeline/stage_results.h — what each stage reports, as one struct per stage: the stage fills it, the app and
// the CLI read its fields. JSON exists only at the file edge (resultToJson / resultFromJson, the snapshot's
// "summary" object in session.json), read by one validating function per stage that names the field it rejects.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <variant>
#include <vector>

#include "core/cache/cache_stats.h"
#include "core/compile/profile.h"
#include "core/execution/report.h"
#include "core/partition/partition.h"
#include "core/pipeline/stages.h"

namespace aotviz::pipeline {

struct GraphCounts {
  int64_t nodes = 0, call_nodes = 0, inputs = 0, outputs = 0;
};

struct InputRow {
  std::string name;
  std::string kind;  // "param" | "buffer" | "user"
  std::vector<int64_t> sizes;
  std::string dtype;  // "float32"
  bool requires_grad = false;
};

/// One compile of a TORCH_TRACE log (File > Trace compiles).
struct TraceCompile {
  std::string id, label;
  bool has_graph = false;
};

struct InputsResult {
  std::string model, description;  // "" for a TORCH_TRACE compile (PyTorch ran the model)
  std::vector<InputRow> inputs;
  bool grad_enabled = true;
  std::vector<TraceCompile> trace_compiles;  // a TORCH_TRACE session: every compile of the log
};

struct MetadataResult {
  bool is_train = false;
  int64_t mutated_inputs = 0, outputs_aliasing_inputs = 0, outputs_aliasing_intermediates = 0;
};

struct DedupeResult {
  std::string strategy;
};

struct SyntheticBaseResult {
  bool applied = false;
};

struct JointResult {
  GraphCounts counts;
  bool is_joint = false;
  int64_t primals = 0, tangents = 0, num_fwd_outputs = 0, ops_recorded = 0, cpu_fallbacks = 0,
          cpu_fallbacks_replayed = 0;
};

struct PassesResult {
  GraphCounts counts;
  int64_t dead_nodes_removed = 0;
};

struct CacheResult {
  std::string key, dir, entry;
  bool hit = false;
  cache::Stats stats;
};

struct PartitionSummary {
  bool from_cache = false;
  partition::Partitioner partitioner = partition::Partitioner::MinCut;
  partition::Rules rules = partition::Rules::Current;
  double memory_budget = 1.0;
  partition::Totals totals;
};

struct CompiledGraphRow {
  std::string graph;  // "forward", "backward", "joint", "inference"
  int64_t call_nodes = 0;
};

struct CompileResult {
  std::string backend, device;
  std::vector<CompiledGraphRow> graphs;
};

struct RuntimeResult {
  bool training = false;
  std::string dedupe;
  bool synthetic_base = false;
  int64_t input_mutations_written_back = 0, outputs_regenerated_as_aliases = 0;
};

struct ExecutionResult {
  execution::Report report;
  /// The profiled step's runs (forward, then backward), per node; saved in Chrome trace form (exec::chromeTrace,
  /// also written as trace.json for Perfetto).
  std::vector<exec::Profile> profile;
};

/// A snapshot's result: the stage's struct, or monostate when the stage was skipped, failed before it reported,
/// or (a loaded session) its summary could not be read (Snapshot::unavailable says why).
using StageResult = std::variant<std::monostate, InputsResult, MetadataResult, DedupeResult, SyntheticBaseResult,
                                 JointResult, PassesResult, CacheResult, PartitionSummary, CompileResult,
                                 RuntimeResult, ExecutionResult>;

/// The snapshot's "summary" object ({} for monostate).
nlohmann::json resultToJson(const StageResult& r);
/// Reads stage `id`'s summary. An empty object reads as monostate (a stage that left no result) unless
/// `expect_result`: then, as for any other missing or mistyped field, AotError (stage "load") naming the field
/// under `path`.
StageResult resultFromJson(StageId id, const nlohmann::json& j, const std::string& path, bool expect_result = false);

}  // namespace aotviz::pipeline
