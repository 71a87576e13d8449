// core/trace/pytorch_partition.h — the partition PyTorch took, read back from the forward and backward graphs it
// printed, and compared node by node with aotviz's partition of the same joint graph.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/partition/partition.h"
#include "core/trace/fx_graph.h"

namespace aotviz::trace {

/// What PyTorch's partitioner decided, reconstructed from its graphs: the forward's outputs marked
/// SavedForBackwards… are the saved values; backward call nodes the forward graph has too are the recomputed ones
/// (the partitioner keeps joint names in both graphs; PyTorch's own debug log uses the same test).
struct PyTorchDecision {
  std::vector<std::string> saved;       // in the forward's output order
  std::vector<int64_t> saved_bytes;     // per saved value
  int64_t total_saved_bytes = 0;
  std::vector<std::string> recomputed;  // in backward order
  size_t num_fwd_outputs = 0;           // the joint's outputs before the gradients
  std::vector<size_t> static_inputs;    // ViewAndMutationMeta.static_input_indices (parameters under Dynamo)
  double memory_budget = 1.0;           // torch._functorch.config.activation_memory_budget

  /// From the partitioner's own min_cut_information record (AOT_PARTITIONER_DEBUG=1, budget below 1), when the
  /// trace has one: its knapsack's candidates and the min-cut's saved values.
  struct KnapsackItem {
    std::string name;
    int64_t memory = 0;  // bytes
    double runtime = 0;  // PyTorch's estimate
    bool saved = false;  // the knapsack kept it saved (else: recomputed to meet the budget)
  };
  std::vector<KnapsackItem> knapsack;
  std::vector<std::string> min_cut_saved;
  /// PyTorch's reason for `name` from that record ("" when it says nothing about the node).
  std::string reason(const std::string& name) const;
};

/// `fw_metadata`: the aot_forward_graph_fw_metadata payload; `functorch_config`: the torch._functorch.config one;
/// `min_cut`: the min_cut_information one (each may be empty: no static inputs, budget 1, no knapsack record).
PyTorchDecision pytorchDecision(const FxGraph& joint, const FxGraph& forward, const FxGraph& backward,
                                const std::string& fw_metadata, const std::string& functorch_config,
                                const std::string& min_cut = {});

/// aotviz's partition options that match PyTorch's run: min-cut, current rules, PyTorch's budget.
partition::Options matchingOptions(const PyTorchDecision& d);

/// PyTorch's partition as aotviz's own result type, so it is drawn, listed and diffed like one: its forward and
/// backward graphs, its saved values (bytes; PyTorch's knapsack reason when the trace has one) and a decision per
/// joint node (rule TakenByPyTorch): input, forward, backward, recomputed, or unused (a node PyTorch's CSE merged
/// or its dead-code pass removed: in neither graph).
partition::PartitionResult pytorchPartition(const PyTorchDecision& d, const FxGraph& joint, const FxGraph& forward,
                                            const FxGraph& backward);

struct PartitionDiff {
  std::vector<std::string> saved_by_both, saved_only_by_pytorch, saved_only_by_aotviz;
  int64_t pytorch_bytes = 0, aotviz_bytes = 0;
  std::vector<std::string> recomputed_by_both, recomputed_only_by_pytorch, recomputed_only_by_aotviz;
  bool same() const {
    return saved_only_by_pytorch.empty() && saved_only_by_aotviz.empty() && recomputed_only_by_pytorch.empty() &&
           recomputed_only_by_aotviz.empty();
  }
};

/// Node by node: which values each side saves (bytes) and which nodes each recomputes.
PartitionDiff diffPartitions(const PyTorchDecision& pytorch, const partition::PartitionResult& aotviz);

}  // namespace aotviz::trace
