// core/trace/import_compile.h — one compile of a TORCH_TRACE directory imported: PyTorch's graphs as aotviz IR,
// the partition PyTorch took, aotviz's partition of the same joint graph, and the difference.
#pragma once

#include <nlohmann/json.hpp>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/partition/partition.h"
#include "core/trace/compiled_graphs.h"
#include "core/trace/fx_graph.h"
#include "core/trace/pytorch_partition.h"

namespace aotviz::trace {

struct ImportedCompile {
  std::string compile_id, label;
  std::optional<FxGraph> joint, forward, backward, inference;
  std::vector<FxGraph> post_grad;
  /// Graphs that could not be read ("file:line: message"); the others are kept.
  std::vector<std::string> errors;
  std::optional<PyTorchDecision> pytorch;       // with a joint, forward and backward graph
  std::optional<partition::PartitionResult> pytorch_partition;  // the same, as a partition (pytorchPartition)
  std::optional<partition::PartitionResult> aotviz;
  std::optional<PartitionDiff> diff;
};

/// What-if changes to PyTorch's own partition options for aotviz's re-partition (`import-trace --budget`,
/// `--must-save`, `--must-recompute`).
struct WhatIf {
  std::optional<double> memory_budget;
  std::map<std::string, partition::Override> overrides;
};

/// Reads every graph of `g` and, when it has a joint graph, re-partitions it with aotviz under PyTorch's own
/// options (min-cut, its budget and static inputs) changed by `what_if`. Never throws for a bad graph: its error is
/// in `errors`.
ImportedCompile importCompile(const CompiledGraph& g, const WhatIf& what_if = {});

/// A summary for `aotviz import-trace --json`: ops per graph, both partitions and their difference.
nlohmann::json importToJson(const ImportedCompile& c);

}  // namespace aotviz::trace
