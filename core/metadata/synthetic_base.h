// core/metadata/synthetic_base.h — the synthetic_base stage (AOTAutograd's AOTSyntheticBaseWrapper and
// merge_view_inputs, ../shared/reference/aot_autograd_spec.md §5.5, §2.10): inputs that share memory, at least one
// of them mutated, become views of one base input inside the graph.
#pragma once

#include <string>
#include <vector>

#include "core/metadata/collect_metadata.h"

namespace aotviz::meta {

/// How one outer input is made from the inner inputs: the inner input `inner`, or an as_strided view of the base
/// `base` (sizes, strides, storage offset relative to the base's).
struct SyntheticArg {
  int inner = -1;
  int base = -1;
  std::vector<int64_t> sizes, strides;
  int64_t storage_offset = 0;
};

struct SyntheticBaseResult {
  bool applied = false;
  std::vector<SyntheticArg> info;  // per outer input (empty when not applied)
  /// Per base: true when it is the inputs' common autograd ._base (ViewBaseAOTInput), false when it is a tensor
  /// over the whole storage (SyntheticBaseAOTInput).
  std::vector<bool> base_is_view_base;
  /// Outer inputs that alias a base and had metadata mutations: the function returns their final value as extra
  /// outputs after the user outputs, and the runtime applies as_strided_ on the originals.
  std::vector<size_t> aliased_arg_idx_with_metadata_mutations;
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

/// meta.json's "synthetic_base" object: applied, info (per outer input), base_is_view_base,
/// aliased_arg_idx_with_metadata_mutations.
nlohmann::json syntheticBaseToJson(const SyntheticBaseResult& s);

/// PyTorch's _tensors_definitely_do_not_overlap for two tensors known to share a storage.
bool tensorsDefinitelyDoNotOverlap(const at::Tensor& x, const at::Tensor& y);

}  // namespace aotviz::meta
