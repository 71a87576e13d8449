// core/pipeline/stages.h — the pipeline's stages in one table: id, name, what each does, its PyTorch counterpart,
// which part of the config it reads, its runner and what of the live state it owns. Adding a stage is one row.
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

/// The runners and the resets of what a stage leaves in the live state (pipeline.cpp).
namespace detail {
using RunFn = void (*)(const Config&, LiveState&, Snapshot&);
using ResetFn = void (*)(LiveState&);
void runInputs(const Config&, LiveState&, Snapshot&);
void runMetadata(const Config&, LiveState&, Snapshot&);
void runDedupe(const Config&, LiveState&, Snapshot&);
void runSyntheticBase(const Config&, LiveState&, Snapshot&);
void runJoint(const Config&, LiveState&, Snapshot&);
void runPasses(const Config&, LiveState&, Snapshot&);
void runCache(const Config&, LiveState&, Snapshot&);
void runPartition(const Config&, LiveState&, Snapshot&);
void runCompile(const Config&, LiveState&, Snapshot&);
void runRuntime(const Config&, LiveState&, Snapshot&);
void runExecution(const Config&, LiveState&, Snapshot&);
void resetModel(LiveState&);
void resetDedupe(LiveState&);
void resetSyntheticBase(LiveState&);
void resetCapture(LiveState&);
void resetPartition(LiveState&);
void resetCompiled(LiveState&);
}  // namespace detail

struct StageInfo {
  StageId id;
  const char* name;     // "joint"
  const char* summary;  // one line for tooltips and `--help`
  const char* aot_counterpart;
  uint8_t reads;        // ConfigPart bits this stage reads first (later stages rerun because it did)
  /// A restart at this stage starts at `reruns_from` instead (passes edits the joint graph in place).
  StageId reruns_from;
  detail::RunFn run;
  detail::ResetFn reset;  // drops what the stage left in the live state; nullptr when it leaves nothing
};

/// The stages in execution order (ARCHITECTURE.md, "core: the pipeline"). The metadata run comes before dedupe
/// and synthetic_base, as in AOTAutograd: both wrappers decide on the user function's metadata.
inline constexpr std::array<StageInfo, kNumStages> kStages = {{
    {StageId::Inputs, "inputs", "open the model: parameters, buffers and user inputs with descriptors",
     "create_aot_state", kModelPart, StageId::Inputs, detail::runInputs, detail::resetModel},
    {StageId::Metadata, "metadata",
     "functionalized forward run: input mutations and output aliasing (ViewAndMutationMeta)",
     "run_functionalized_fw_and_collect_metadata", kTracePart, StageId::Metadata, detail::runMetadata, nullptr},
    {StageId::Dedupe, "dedupe", "duplicate input tensors: trace them apart, or keep one when one is mutated",
     "AOTDedupeWrapper", 0, StageId::Dedupe, detail::runDedupe, detail::resetDedupe},
    {StageId::SyntheticBase, "synthetic_base", "merge aliased inputs that are mutated into one synthetic base",
     "AOTSyntheticBaseWrapper", 0, StageId::SyntheticBase, detail::runSyntheticBase, detail::resetSyntheticBase},
    {StageId::Joint, "joint", "trace forward and backward together through the real autograd engine",
     "create_joint", 0, StageId::Joint, detail::runJoint, detail::resetCapture},
    {StageId::Passes, "passes", "dead-code elimination of the joint graph", "joint graph passes", 0, StageId::Joint,
     detail::runPasses, nullptr},
    {StageId::Cache, "cache", "look the partition up in the on-disk cache (a hit skips partitioning)",
     "AOTAutogradCache", kPartitionPart, StageId::Cache, detail::runCache, nullptr},
    {StageId::Partition, "partition",
     "split the joint graph into forward and backward; decide what to save or recompute",
     "min_cut_rematerialization_partition", 0, StageId::Partition, detail::runPartition, detail::resetPartition},
    {StageId::Compile, "compile", "turn the forward and backward graphs into executables", "fw_compiler / bw_compiler",
     kBackendPart, StageId::Compile, detail::runCompile, nullptr},
    {StageId::Runtime, "runtime", "wrap them into a callable with autograd and runtime wrappers", "CompiledFunction", 0,
     StageId::Runtime, detail::runRuntime, detail::resetCompiled},
    {StageId::Execution, "execution", "run the compiled result next to eager PyTorch and compare", "(measurement)",
     kExecutionPart, StageId::Execution, detail::runExecution, nullptr},
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
