// core/capture/view_regeneration.cpp — see Note [Regenerating views after an in-place op].
#include "core/capture/view_regeneration.h"

#include <ATen/FunctionalTensorWrapper.h>
#include <ATen/core/dispatch/Dispatcher.h>
#include <ATen/core/enum_tag.h>
#include <c10/core/GradMode.h>
#include <c10/core/InferenceMode.h>
#include <c10/core/impl/LocalDispatchKeySet.h>
#include <torch/csrc/autograd/functions/tensor.h>
#include <torch/csrc/autograd/variable.h>

#include <memory>
#include <unordered_map>
#include <vector>

namespace aotviz::capture {

namespace {

namespace fz = at::functionalization::impl;
namespace ag = torch::autograd;

/// Argument positions an operator writes (alias annotation with `!`); empty for in-place view ops, which
/// regenerate their tensor themselves. Cached per thread (no lock on the hot path); schemas never change.
const std::vector<size_t>& writtenArguments(const c10::OperatorName& op) {
  thread_local std::unordered_map<c10::OperatorName, std::vector<size_t>> cache;
  auto it = cache.find(op);
  if (it != cache.end()) return it->second;
  std::vector<size_t> written;
  auto handle = c10::Dispatcher::singleton().findSchema(op);
  if (handle && !handle->hasTag(at::Tag::inplace_view)) {
    const auto& args = handle->schema().arguments();
    for (size_t a = 0; a < args.size(); ++a)
      if (args[a].alias_info() && args[a].alias_info()->isWrite()) written.push_back(a);
  }
  return cache.emplace(op, std::move(written)).first->second;
}

/// The autograd base of a differentiable view, or nullptr.
const at::Tensor* autogradBase(const at::Tensor& t) {
  if (!t.requires_grad()) return nullptr;
  auto* meta = ag::impl::get_view_autograd_meta(t);
  if (!meta || !meta->has_bw_view()) return nullptr;
  return &meta->get_backward_view().base_;
}

/// The functional tensors a call writes.
std::vector<at::Tensor> writtenFunctionals(const at::RecordFunction& fn, const std::vector<size_t>& written) {
  std::vector<at::Tensor> r;
  auto inputs = fn.inputs();
  auto add = [&](const at::Tensor& t) {
    if (t.defined() && fz::isFunctionalTensor(t)) r.push_back(t);
  };
  for (size_t a : written) {
    if (a >= inputs.size()) continue;
    const c10::IValue& v = inputs[a];
    if (v.isTensor()) add(v.toTensor());
    else if (v.isTensorList())
      for (const at::Tensor& t : v.toTensorVector()) add(t);
  }
  return r;
}

/// A writing call's functional tensors, and the grad_fn of each one's autograd base before the call (to recognise
/// the CopySlices the call adds).
struct Written : at::ObserverContext {
  std::vector<at::Tensor> tensors;
  std::vector<const ag::Node*> base_grad_fn_before;
};

std::unique_ptr<at::ObserverContext> onStart(const at::RecordFunction& fn) {
  auto opname = fn.operator_name();
  if (!opname) return nullptr;
  const std::vector<size_t>& written = writtenArguments(*opname);
  if (written.empty()) return nullptr;
  auto ctx = std::make_unique<Written>();
  ctx->tensors = writtenFunctionals(fn, written);
  if (ctx->tensors.empty()) return nullptr;
  for (const at::Tensor& t : ctx->tensors) {
    const at::Tensor* base = autogradBase(t);
    ctx->base_grad_fn_before.push_back(base ? ag::impl::gradient_edge(*base).function.get() : nullptr);
  }
  return ctx;
}

void onEnd(const at::RecordFunction&, at::ObserverContext* raw) {
  auto* ctx = static_cast<Written*>(raw);
  if (!ctx) return;
  for (size_t k = 0; k < ctx->tensors.size(); ++k) {
    const at::Tensor& t = ctx->tensors[k];
    auto* wrapper = fz::unsafeGetFunctionalWrapper(t);
    {
      c10::impl::ExcludeDispatchKeyGuard below(c10::DispatchKey::Functionalize);
      if (!wrapper->apply_updates()) continue;  // the kernel synced (2.x), or nothing was written
      wrapper->regenerate_from_base();
    }
    if (!c10::GradMode::is_enabled() || c10::InferenceMode::is_enabled()) continue;
    const at::Tensor* base = autogradBase(t);
    if (!base) continue;
    auto* copy_slices = dynamic_cast<ag::CopySlices*>(ag::impl::gradient_edge(*base).function.get());
    if (copy_slices && copy_slices != ctx->base_grad_fn_before[k]) copy_slices->view = at::TensorGeometry(t);
  }
}

}  // namespace

ViewRegenerationGuard::ViewRegenerationGuard()
    : handle_(at::addThreadLocalCallback(
          at::RecordFunctionCallback(&onStart, &onEnd).needsInputs(true).scopes({at::RecordScope::FUNCTION}))) {}

ViewRegenerationGuard::~ViewRegenerationGuard() { at::removeCallback(handle_); }

}  // namespace aotviz::capture
