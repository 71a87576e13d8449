// core/metadata/dedupe.cpp — the dedupe stage (AOTDedupeWrapper.pre_compile in runtime_wrappers.py).
#include "core/metadata/dedupe.h"

#include <map>

namespace aotviz::meta {

DedupeResult dedupeInputs(const capture::TracedFn& fn, const std::vector<capture::InputDesc>& inputs,
                          const ViewAndMutationMeta& meta, const MetadataOptions& opts) {
  DedupeResult r;
  r.fn = fn;
  r.inputs = inputs;
  r.meta = meta;

  std::map<const c10::TensorImpl*, size_t> seen;
  bool any_dupe = false, mutated_dupe = false;
  for (size_t i = 0; i < inputs.size(); ++i) {
    auto [it, fresh] = seen.emplace(inputs[i].example.unsafeGetTensorImpl(), i);
    (void)it;
    if (fresh) continue;
    any_dupe = true;
    mutated_dupe = mutated_dupe || meta.input_info[i].mutates_data || meta.input_info[i].mutates_metadata;
  }
  if (!any_dupe) return r;

  if (!mutated_dupe) {
    // Strategy 1: trace later duplicates as distinct tensors (PyTorch: a.detach().requires_grad_(a.requires_grad)).
    // At run time the same tensor is simply passed twice and its gradients add up.
    r.strategy = DedupeStrategy::LeafifyDupes;
    std::map<const c10::TensorImpl*, size_t> first;
    for (auto& in : r.inputs)
      if (!first.emplace(in.example.unsafeGetTensorImpl(), 0).second) in.example = in.example.detach();
    return r;
  }

  // Strategy 2: the graph takes each tensor once; the function re-expands the duplicates.
  r.strategy = DedupeStrategy::RemoveDupes;
  r.inputs.clear();
  std::map<const c10::TensorImpl*, size_t> kept;
  for (const auto& in : inputs) {
    auto [it, fresh] = kept.emplace(in.example.unsafeGetTensorImpl(), r.inputs.size());
    r.keep_arg_mask.push_back(fresh);
    r.add_dupe_map.push_back(it->second);
    if (fresh) r.inputs.push_back(in);
  }
  std::vector<size_t> add_dupe_map = r.add_dupe_map;
  r.fn = [fn, add_dupe_map](const std::vector<at::Tensor>& deduped) {
    std::vector<at::Tensor> args;
    args.reserve(add_dupe_map.size());
    for (size_t k : add_dupe_map) args.push_back(deduped.at(k));
    return fn(args);
  };
  r.meta = collectMetadata(r.fn, r.inputs, opts);
  return r;
}

}  // namespace aotviz::meta
