// core/metadata/synthetic_base.cpp — the synthetic_base stage (merge_view_inputs and AOTSyntheticBaseWrapper in
// runtime_wrappers.py, compute_overlapping_inputs and _tensors_definitely_do_not_overlap).
#include "core/metadata/synthetic_base.h"

#include <ATen/ops/empty.h>

#include <map>
#include <set>

#include "core/util/diagnostic.h"

namespace aotviz::meta {

namespace {

constexpr const char* kStage = "synthetic_base";
constexpr const char* kHint =
    "pass inputs that do not share memory (clone one of them), or do not mutate inputs that alias each other";

const c10::TensorImpl* baseOf(const at::Tensor& t) {
  return t.is_view() ? t._base().unsafeGetTensorImpl() : nullptr;
}

bool areDifferentiableViews(const at::Tensor& a, const at::Tensor& b) {
  if (a.unsafeGetTensorImpl() == b.unsafeGetTensorImpl()) return true;
  const c10::TensorImpl* ba = baseOf(a);
  const c10::TensorImpl* bb = baseOf(b);
  if (!ba && !bb) return false;
  return ba == bb || ba == b.unsafeGetTensorImpl() || a.unsafeGetTensorImpl() == bb;
}

bool sameDtypeViews(const at::Tensor& a, const at::Tensor& b) {
  if (a.scalar_type() != b.scalar_type()) return false;
  if (a.is_view() && a.scalar_type() != a._base().scalar_type()) return false;
  if (b.is_view() && b.scalar_type() != b._base().scalar_type()) return false;
  return true;
}

int64_t lastMemAddress(const at::Tensor& x) {
  int64_t out = x.storage_offset();
  for (int64_t d = 0; d < x.dim(); ++d) out += (x.size(d) - 1) * x.stride(d);
  return out;
}

/// compute_overlapping_inputs: the members of a storage group that may overlap some other member.
std::set<size_t> overlappingMembers(const std::vector<capture::InputDesc>& inputs, const std::vector<size_t>& group) {
  std::set<size_t> r;
  for (size_t j = 0; j < group.size(); ++j)
    for (size_t i = 0; i < j; ++i)
      if (!tensorsDefinitelyDoNotOverlap(inputs[group[i]].example, inputs[group[j]].example)) {
        r.insert(group[i]);
        r.insert(group[j]);
      }
  return r;
}

}  // namespace

bool tensorsDefinitelyDoNotOverlap(const at::Tensor& x_in, const at::Tensor& y_in) {
  const at::Tensor* x = &x_in;
  const at::Tensor* y = &y_in;
  if (x->unsafeGetTensorImpl() == y->unsafeGetTensorImpl()) return false;
  if (x->numel() == 0 || y->numel() == 0) return true;
  if (x->storage_offset() > y->storage_offset()) std::swap(x, y);  // x on the left
  if (x->is_contiguous() && y->is_contiguous()) return x->storage_offset() + x->numel() <= y->storage_offset();
  if (lastMemAddress(*x) < y->storage_offset()) return true;
  if (x->dim() == 2 && y->dim() == 2 && x->stride(1) == 1 && y->stride(1) == 1 && x->stride(0) == y->stride(0)) {
    // Rows are contiguous and equally spaced (the shampoo optimizer's case).
    const int64_t offset_delta = y->storage_offset() - x->storage_offset();
    if (offset_delta < x->size(1)) return false;  // row 0 of y overlaps row 0 of x
    const int64_t x_total = x->stride(0) * (x->size(0) - 1) + x->size(1);
    if (x_total <= offset_delta) return true;
    const int64_t delta_mod = offset_delta % x->stride(0);
    return delta_mod + y->size(1) <= x->stride(0);
  }
  return false;
}

SyntheticBaseResult mergeViewInputs(const capture::TracedFn& fn, const std::vector<capture::InputDesc>& inputs,
                                    const ViewAndMutationMeta& meta, bool is_inference, const MetadataOptions& opts) {
  SyntheticBaseResult r;
  r.fn = fn;
  r.inputs = inputs;
  r.meta = meta;
  bool any_data_mutation = false;
  for (const auto& i : meta.input_info) any_data_mutation = any_data_mutation || i.mutates_data;
  if (!any_data_mutation) return r;

  // Inputs grouped by storage, groups in order of first appearance.
  std::vector<std::vector<size_t>> groups;
  std::map<const c10::StorageImpl*, size_t> group_of;
  for (size_t i = 0; i < inputs.size(); ++i) {
    const c10::StorageImpl* s = inputs[i].example.storage().unsafeGetStorageImpl();
    auto [it, fresh] = group_of.emplace(s, groups.size());
    if (fresh) groups.emplace_back();
    groups[it->second].push_back(i);
  }

  std::vector<capture::InputDesc> bases;
  std::vector<size_t> others;
  std::vector<SyntheticArg> info(inputs.size());
  for (const auto& group : groups) {
    bool mutated = false;
    for (size_t i : group) mutated = mutated || meta.input_info[i].mutates_data;
    if (group.size() <= 1 || !mutated || overlappingMembers(inputs, group).size() <= 1) {
      others.insert(others.end(), group.begin(), group.end());
      continue;
    }
    // A mutated input aliases another input: replace the group by one base.
    for (size_t k = 0; k + 1 < group.size(); ++k) {
      const at::Tensor& a = inputs[group[k]].example;
      const at::Tensor& b = inputs[group[k + 1]].example;
      const std::string who = "inputs " + std::to_string(group[k]) + " and " + std::to_string(group[k + 1]);
      if (!is_inference && !areDifferentiableViews(a, b))
        fail(kStage, who, "aot_autograd() does not yet handle non-differentiable view input mutations.", kHint);
      if (!sameDtypeViews(a, b))
        fail(kStage, who, "aot_autograd() does not yet handle input mutations on views with different dtypes.", kHint);
    }
    std::vector<size_t> with_base, without_base;
    for (size_t i : group) (inputs[i].example.is_view() ? with_base : without_base).push_back(i);
    capture::InputDesc base;
    base.kind = inputs[group[0]].kind;
    if (with_base.empty()) {
      // No autograd base: a tensor over the whole storage, without gradients (SyntheticBaseAOTInput).
      const at::Tensor& ex = inputs[group[0]].example;
      base.example = at::empty({0}, ex.options()).set_(ex.storage());
      base.name = "synthetic_base(" + inputs[group[0]].name + ")";
      base.requires_grad = false;
      r.base_is_view_base.push_back(false);
    } else {
      // The inputs' common ._base (ViewBaseAOTInput).
      const at::Tensor b(inputs[with_base[0]].example._base());
      for (size_t i : with_base)
        if (inputs[i].example._base().unsafeGetTensorImpl() != b.unsafeGetTensorImpl())
          fail(kStage, "input " + std::to_string(i),
               "aot_autograd() does not yet handle non-differentiable view input mutations.", kHint);
      for (size_t i : without_base)
        if (inputs[i].example.unsafeGetTensorImpl() != b.unsafeGetTensorImpl())
          fail(kStage, "input " + std::to_string(i),
               "aot_autograd() does not yet handle non-differentiable view input mutations.", kHint);
      base.example = b;
      base.name = inputs[with_base[0]].name + "._base";
      base.is_leaf = false;
      for (size_t i : group) base.requires_grad = base.requires_grad || inputs[i].requires_grad;
      if (!without_base.empty()) {  // the base is itself one of the inputs
        base.name = inputs[without_base[0]].name;
        base.is_leaf = inputs[without_base[0]].is_leaf;
        base.kind = inputs[without_base[0]].kind;
      }
      r.base_is_view_base.push_back(true);
    }
    const int base_idx = static_cast<int>(bases.size());
    for (size_t i : group) {
      const at::Tensor& ex = inputs[i].example;
      info[i] = SyntheticArg{-1, base_idx, ex.sizes().vec(), ex.strides().vec(),
                             ex.storage_offset() - base.example.storage_offset()};
    }
    bases.push_back(std::move(base));
  }
  if (bases.empty()) return r;

  r.applied = true;
  r.inputs = bases;
  for (size_t i : others) {
    info[i].inner = static_cast<int>(r.inputs.size());
    r.inputs.push_back(inputs[i]);
  }
  for (size_t i = 0; i < inputs.size(); ++i)
    if (info[i].base >= 0 && meta.input_info[i].mutates_metadata) r.aliased_arg_idx_with_metadata_mutations.push_back(i);
  r.info = info;
  std::vector<size_t> extra = r.aliased_arg_idx_with_metadata_mutations;
  r.fn = [fn, info, extra](const std::vector<at::Tensor>& inner) {
    std::vector<at::Tensor> outer;
    outer.reserve(info.size());
    for (const SyntheticArg& a : info) {
      if (a.base < 0) {
        outer.push_back(inner.at(static_cast<size_t>(a.inner)));
        continue;
      }
      const at::Tensor& base = inner.at(static_cast<size_t>(a.base));
      outer.push_back(base.as_strided(a.sizes, a.strides, base.storage_offset() + a.storage_offset));
    }
    std::vector<at::Tensor> outs = fn(outer);
    for (size_t i : extra) outs.push_back(outer[i]);
    return outs;
  };
  r.meta = collectMetadata(r.fn, r.inputs, opts);
  return r;
}

}  // namespace aotviz::meta
