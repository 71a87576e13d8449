// core/pipeline/snapshot.h — what a stage leaves behind for people to look at: an immutable, thread-shareable,
// serializable record (status, time, diagnostic, notes, a summary, and the stage's graph, partition or metadata).
// A session file is the config plus every snapshot; it loads back without running LibTorch.
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/ir/graph.h"
#include "core/metadata/records.h"
#include "core/metadata/view_and_mutation_meta.h"
#include "core/partition/partition.h"
#include "core/pipeline/config.h"
#include "core/pipeline/stage_results.h"
#include "core/pipeline/stages.h"
#include "core/util/diagnostic.h"

namespace aotviz::pipeline {

enum class StageStatus { Done, Failed, Skipped };
const char* stageStatusName(StageStatus s);  // "done", "failed", "skipped"

struct Snapshot {
  StageId stage = StageId::Inputs;
  StageStatus status = StageStatus::Done;
  double seconds = 0;
  std::optional<Diagnostic> error;  // when Failed
  std::vector<std::string> notes;   // warnings and remarks ("cache hit", "iters = 0: skipped")
  /// The stage's own result (stage_results.h): counts, the cache key, the execution report, the profile.
  StageResult result;
  /// joint, passes: the joint (or forward-only) graph after the stage.
  std::shared_ptr<const ir::Graph> graph;
  /// partition (and cache on a hit): the forward and backward graphs and every decision.
  std::shared_ptr<const partition::PartitionResult> partition;
  /// partition, for a TORCH_TRACE compile: the partition PyTorch itself took, to draw and diff against `partition`.
  std::shared_ptr<const partition::PartitionResult> pytorch_partition;
  /// metadata: the user function's ViewAndMutationMeta. dedupe, synthetic_base: that of the function the stage
  /// left for the next one (the traced function: its inputs are the joint graph's primals after synthetic_base).
  std::shared_ptr<const meta::ViewAndMutationMeta> view_meta;
  /// dedupe: what it did (strategy, keep_arg_mask, add_dupe_map).
  std::shared_ptr<const meta::DedupeRecord> dedupe;
  /// synthetic_base: what it did (applied, how each input is made from the bases).
  std::shared_ptr<const meta::SyntheticBaseRecord> synthetic_base;
  /// A loaded session: the parts of this snapshot that could not be read, each naming the field and why (the
  /// snapshot is shown without them). Empty for a snapshot a stage made.
  std::vector<std::string> unavailable;

  /// The result as the stage's struct; nullptr when the stage left none (skipped, failed, unreadable).
  template <class T>
  const T* as() const { return std::get_if<T>(&result); }
};
using SnapshotPtr = std::shared_ptr<const Snapshot>;

nlohmann::json snapshotToJson(const Snapshot& s);
Snapshot snapshotFromJson(const nlohmann::json& j, const std::string& path);

inline constexpr int kSessionSchemaVersion = 1;

/// A saved session: the config and the snapshots of the stages that ran.
struct SessionRecord {
  Config config;
  std::vector<SnapshotPtr> snapshots;
  /// The LibTorch the snapshots were computed with: this binary's when saved from a run; a loaded file's own value
  /// ("" for files from before aotviz 0.2, which were made with LibTorch 1.13). Saved as `torch_version`.
  std::string torch_version;
  /// Set by loading, not saved: e.g. the file's content does not match the digest it was saved with (edited by
  /// hand, or damaged in a way that still parses). The session is loaded all the same; the app shows these.
  std::vector<std::string> warnings;
  /// Set for a loaded session whose partition stage can run again without its model (a TORCH_TRACE compile: the
  /// joint graph is PyTorch's): the partition snapshot under a config whose changes start at the cache or partition
  /// stage. Not saved. DebugSession::restart uses it for what-if edits.
  std::function<SnapshotPtr(const Config&)> repartition = {};
};

nlohmann::json sessionToJson(const SessionRecord& s);
SessionRecord sessionFromJson(const nlohmann::json& j);
/// Atomic write (temp file + rename). AotError (stage "write") when it cannot.
void saveSession(const SessionRecord& s, const std::filesystem::path& path);
/// Validating load (AotError, stage "load", naming the file and the field). Runs no LibTorch code.
SessionRecord loadSession(const std::filesystem::path& path);

}  // namespace aotviz::pipeline
