// core/capture/functionalize_batch_norm.cpp — see Note [BatchNorm running statistics].
#include "core/capture/functionalize_batch_norm.h"

#include <ATen/FunctionalTensorWrapper.h>
#include <ATen/core/dispatch/Dispatcher.h>
#include <ATen/ops/add.h>
#include <ATen/ops/mul.h>
#include <ATen/ops/native_batch_norm.h>
#include <ATen/ops/pow.h>
#include <ATen/ops/sub.h>
#include <c10/core/GradMode.h>
#include <c10/core/InferenceMode.h>
#include <c10/core/impl/LocalDispatchKeySet.h>
#include <torch/library.h>

#include <tuple>

#include "core/capture/trace_tensor.h"

namespace aotviz::capture {

namespace {

namespace fz = at::functionalization::impl;
using OptTensor = c10::optional<at::Tensor>;

bool isFunctional(const OptTensor& t) { return t.has_value() && t->defined() && fz::isFunctionalTensor(*t); }

OptTensor unwrap(const OptTensor& t) {
  if (!isFunctional(t)) return t;
  fz::sync(*t);
  return fz::from_functional_tensor(*t);
}

/// Replaces a functional buffer's value with `value` (a data mutation) and logs the write.
void writeBuffer(const at::Tensor& buffer, const at::Tensor& value) {
  fz::replace_(buffer, value);
  fz::commit_update(buffer);
  fz::sync(buffer);
  if (TraceContext* ctx = activeTrace()) {
    std::lock_guard<std::recursive_mutex> lock(ctx->mu);
    ctx->kernel_writes.push_back(
        {storageOf(buffer), "native_batch_norm", c10::GradMode::is_enabled(), c10::InferenceMode::is_enabled()});
  }
}

std::tuple<at::Tensor, at::Tensor, at::Tensor> functionalBatchNorm(const at::Tensor& input, const OptTensor& weight,
                                                                   const OptTensor& bias,
                                                                   const OptTensor& running_mean,
                                                                   const OptTensor& running_var, bool training,
                                                                   double momentum, double eps) {
  const bool update_mean = training && isFunctional(running_mean);
  const bool update_var = training && isFunctional(running_var);
  at::Tensor x = *unwrap(input);
  OptTensor w = unwrap(weight), b = unwrap(bias), rm = unwrap(running_mean), rv = unwrap(running_var);
  at::Tensor out, save_mean, save_invstd, new_mean, new_var;
  {
    c10::impl::ExcludeDispatchKeyGuard below(c10::DispatchKey::Functionalize);
    std::tie(out, save_mean, save_invstd) = at::native_batch_norm(
        x, w, b, update_mean ? OptTensor() : rm, update_var ? OptTensor() : rv, training, momentum, eps);
    // PyTorch's update (batch_norm_cpu_update_stats_template, batch_norm_update_stats in the 2.x decomposition):
    //   running_mean = momentum * mean + (1 - momentum) * running_mean
    //   running_var  = momentum * var * n / (n - 1) + (1 - momentum) * running_var,  var = invstd^-2 - eps.
    if (update_mean) new_mean = at::add(at::mul(*rm, 1.0 - momentum), save_mean, momentum);
    if (update_var) {
      const double n = static_cast<double>(x.numel() / x.size(1));
      new_var = at::add(at::mul(*rv, 1.0 - momentum), at::sub(at::pow(save_invstd, -2), eps),
                        momentum * n / (n - 1));
    }
  }
  if (update_mean) writeBuffer(*running_mean, new_mean);
  if (update_var) writeBuffer(*running_var, new_var);
  return {fz::to_functional_tensor(out), fz::to_functional_tensor(save_mean), fz::to_functional_tensor(save_invstd)};
}

}  // namespace

void registerBatchNormFunctionalization() {
  auto op = c10::Dispatcher::singleton().findSchema({"aten::native_batch_norm", ""});
  if (!op || op->hasKernelForDispatchKey(c10::DispatchKey::Functionalize)) return;
  static torch::Library lib(torch::Library::IMPL, "aten", c10::DispatchKey::Functionalize, __FILE__, __LINE__);
  lib.impl("native_batch_norm", TORCH_FN(functionalBatchNorm));
}

}  // namespace aotviz::capture
