// core/capture/view_regeneration.cpp — see Note [Regenerating views after an in-place op].
#include "core/capture/view_regeneration.h"

#include <ATen/FunctionalTensorWrapper.h>
#include <c10/core/GradMode.h>
#include <c10/core/InferenceMode.h>
#include <c10/core/impl/LocalDispatchKeySet.h>
#include <torch/csrc/autograd/functions/tensor.h>
#include <torch/csrc/autograd/variable.h>

#include <memory>
#include <vector>

#include "core/capture/written_args.h"

namespace aotviz::capture {

namespace {

namespace fz = at::functionalization::impl;
namespace ag = torch::autograd;

/// The autograd base of a differentiable view, or nullptr.
const at::Tensor* autogradBase(const at::Tensor& t) {
  if (!t.requires_grad()) return nullptr;
  auto* meta = ag::impl::get_view_autograd_meta(t);
  if (!meta || !meta->has_bw_view()) return nullptr;
  return &meta->get_backward_view().base_;
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
  const OpWrites& op = opWrites(*opname);
  if (op.written.empty() || op.inplace_view) return nullptr;  // in-place view ops regenerate their tensor themselves
  auto ctx = std::make_unique<Written>();
  ctx->tensors = writtenFunctionalTensors(fn, op.written);
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
