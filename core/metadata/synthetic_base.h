// core/metadata/synthetic_base.h — the synthetic_base stage (AOTAutograd's AOTSyntheticBaseWrapper and
// merge_view_inputs, ../shared/reference/aot_autograd_spec.md §5.5, §2.10): inputs that share memory, at least one
// of them mutated, become views of one base input inside the graph.
#pragma once

#include <string>
#include <vector>

#include "core/metadata/collect_metadata.h"
#include "core/metadata/records.h"

namespace aotviz::meta {

/// The synthetic-base record (applied, info, base_is_view_base, aliased_arg_idx_with_metadata_mutations:
/// records.h) and what the next stage traces.
struct SyntheticBaseResult : SyntheticBaseRecord {
  std::vector<capture::InputDesc> inputs;
  capture::TracedFn fn;
  ViewAndMutationMeta meta;  // metadata of `fn` on `inputs`
};

/// Applies merge_view_inputs to `inputs` (after dedupe) whose metadata is `meta`. `is_inference` relaxes the
/// differentiable-view check as PyTorch does. Refuses what PyTorch refuses (AotError, stage "synthetic_base", with
/// PyTorch's messages). When applied, the new function's metadata is collected again (PyTorch rewrites it with
/// create_synthetic_base_metadata; the results are equal).
SyntheticBaseResult mergeViewInputs(const capture::TracedFn& fn, const std::vector<capture::InputDesc>& inputs,
                                    const ViewAndMutationMeta& meta, bool is_inference, const MetadataOptions& opts);

/// PyTorch's _tensors_definitely_do_not_overlap for two tensors known to share a storage.
bool tensorsDefinitelyDoNotOverlap(const at::Tensor& x, const at::Tensor& y);

}  // namespace aotviz::meta
