// core/pipeline/stages.h — the pipeline's stages in one table: id, name, what each does, its PyTorch counterpart,
// which part of the config it reads, whether it owns live state; the runner is detail::run<id>. Adding a stage is one row.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>

namespace aotviz::pipeline {

enum class StageId : uint8_t {
  Inputs,
  Metadata,
  Dedupe,
  SyntheticBase,
  Joint,
  Passes,
  Cache,
  Partition,
  Compile,
  Runtime,
  Execution,
};
inline constexpr size_t kNumStages = 11;

/// The parts of a Config, by the first stage that reads them (Config::changedParts, firstAffectedStage).
enum ConfigPart : uint8_t {
  kModelPart = 1,      // model, inputs_spec, model_options, seed
  kTracePart = 2,      // trace, device, keep_input_mutations
  kPartitionPart = 4,  // partitioner, rules, memory_budget, overrides, functionalize_rng, use_cache, cache_dir
  kBackendPart = 8,    // backend
  kExecutionPart = 16, // iters, rtol, atol
};

struct Config;
struct Snapshot;
struct LiveState;  // what the stages pass on to each other (pipeline.cpp)

/// Each stage's runner and the reset of what it leaves in the live state, one explicit specialization per stage
/// in pipeline.cpp (run<StageId::Joint> runs the joint stage). The table below is data only, so code that only
/// names stages (the session loader, the fuzz targets) links without the pipeline.
namespace detail {
template <StageId>
void run(const Config&, LiveState&, Snapshot&);
template <StageId>
void reset(LiveState&);  // defined for the stages whose row has owns_state
}  // namespace detail

struct StageInfo {
  StageId id;
  const char* name;     // "joint"
  const char* summary;  // one line for tooltips and `--help`
  const char* aot_counterpart;
  uint8_t reads;        // ConfigPart bits this stage reads first (later stages rerun because it did)
  /// A restart at this stage starts at `reruns_from` instead (passes edits the joint graph in place).
  StageId reruns_from;
  bool owns_state;  // the stage leaves something in the live state, dropped by detail::reset<id> on a rerun
};

/// The stages in execution order (ARCHITECTURE.md, "core: the pipeline"). The metadata run comes before dedupe
/// and synthetic_base, as in AOTAutograd: both wrappers decide on the user function's metadata.
inline constexpr std::array<StageInfo, kNumStages> kStages = {{
    {StageId::Inputs, "inputs", "open the model: parameters, buffers and user inputs with descriptors",
     "create_aot_state", kModelPart, StageId::Inputs, true},
    {StageId::Metadata, "metadata",
     "functionalized forward run: input mutations and output aliasing (ViewAndMutationMeta)",
     "run_functionalized_fw_and_collect_metadata", kTracePart, StageId::Metadata, false},
    {StageId::Dedupe, "dedupe", "duplicate input tensors: trace them apart, or keep one when one is mutated",
     "AOTDedupeWrapper", 0, StageId::Dedupe, true},
    {StageId::SyntheticBase, "synthetic_base", "merge aliased inputs that are mutated into one synthetic base",
     "AOTSyntheticBaseWrapper", 0, StageId::SyntheticBase, true},
    {StageId::Joint, "joint", "trace forward and backward together through the real autograd engine",
     "create_joint", 0, StageId::Joint, true},
    {StageId::Passes, "passes", "dead-code elimination of the joint graph", "joint graph passes", 0, StageId::Joint, false},
    {StageId::Cache, "cache", "look the partition up in the on-disk cache (a hit skips partitioning)",
     "AOTAutogradCache", kPartitionPart, StageId::Cache, false},
    {StageId::Partition, "partition",
     "split the joint graph into forward and backward; decide what to save or recompute",
     "min_cut_rematerialization_partition", 0, StageId::Partition, true},
    {StageId::Compile, "compile", "turn the forward and backward graphs into executables", "fw_compiler / bw_compiler",
     kBackendPart, StageId::Compile, false},
    {StageId::Runtime, "runtime", "wrap them into a callable with autograd and runtime wrappers", "CompiledFunction", 0,
     StageId::Runtime, true},
    {StageId::Execution, "execution", "run the compiled result next to eager PyTorch and compare", "(measurement)",
     kExecutionPart, StageId::Execution, false},
}};

constexpr size_t index(StageId id) { return static_cast<size_t>(id); }
constexpr const StageInfo& stageInfo(StageId id) { return kStages[index(id)]; }
constexpr const char* stageName(StageId id) { return stageInfo(id).name; }

constexpr bool rowsInOrder() {
  for (size_t i = 0; i < kStages.size(); ++i)
    if (index(kStages[i].id) != i || index(kStages[i].reruns_from) > i) return false;
  return true;
}
static_assert(rowsInOrder(), "kStages: row i is StageId i, and a stage reruns from itself or an earlier one");

inline const std::array<StageInfo, kNumStages>& stageList() { return kStages; }

constexpr std::optional<StageId> findStage(std::string_view name) {
  for (const StageInfo& s : kStages)
    if (name == s.name) return s.id;
  return std::nullopt;
}
/// The stage named `name`; AotError (stage "pipeline") listing the names otherwise.
StageId parseStage(const std::string& name);
/// Writes the stage's name (test failures and log lines show "partition", not a number).
std::ostream& operator<<(std::ostream& os, StageId id);

}  // namespace aotviz::pipeline
