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
};

/// `fw_metadata`: the aot_forward_graph_fw_metadata payload; `functorch_config`: the torch._functorch.config one
/// (either may be empty: no static inputs, budget 1).
PyTorchDecision pytorchDecision(const FxGraph& joint, const FxGraph& forward, const FxGraph& backward,
                                const std::string& fw_metadata, const std::string& functorch_config);

/// aotviz's partition options that match PyTorch's run: min-cut, current rules, PyTorch's budget.
partition::Options matchingOptions(const PyTorchDecision& d);

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
