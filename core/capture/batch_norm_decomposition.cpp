// core/capture/batch_norm_decomposition.cpp — see Note [BatchNorm running statistics].
#include "core/capture/batch_norm_decomposition.h"

#include <ATen/core/dispatch/Dispatcher.h>
#include <ATen/ops/_native_batch_norm_legit.h>
#include <ATen/ops/_native_batch_norm_legit_no_training.h>
#include <c10/util/Exception.h>
#include <torch/library.h>

#include <tuple>

namespace aotviz::capture {

namespace {

using OptTensor = std::optional<at::Tensor>;

bool present(const OptTensor& t) { return t.has_value() && t->defined(); }

/// torch/_decomp/decompositions.py native_batch_norm_decomposition, line for line.
std::tuple<at::Tensor, at::Tensor, at::Tensor> nativeBatchNorm(const at::Tensor& input, const OptTensor& weight,
                                                               const OptTensor& bias, const OptTensor& running_mean,
                                                               const OptTensor& running_var, bool training,
                                                               double momentum, double eps) {
  if (!present(running_mean) && !present(running_var))
    return at::_native_batch_norm_legit(input, weight, bias, training, momentum, eps);
  TORCH_CHECK(present(running_mean),
              "running_mean is None, but running_var is provided. They should both be None or both be provided.");
  TORCH_CHECK(present(running_var),
              "running_var is None, but running_mean is provided. They should both be None or both be provided.");
  // The functional ops take the buffers as `Tensor(a!)`: non-const references to the caller's tensors.
  at::Tensor rm = *running_mean, rv = *running_var;
  if (training) return at::_native_batch_norm_legit(input, weight, bias, rm, rv, training, momentum, eps);
  return at::_native_batch_norm_legit_no_training(input, weight, bias, rm, rv, momentum, eps);
}

}  // namespace

void registerBatchNormDecomposition() {
  static torch::Library lib(torch::Library::IMPL, "aten", c10::DispatchKey::AutogradPrivateUse1, __FILE__, __LINE__);
  lib.impl("native_batch_norm", TORCH_FN(nativeBatchNorm));
}

}  // namespace aotviz::capture
