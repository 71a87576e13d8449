// core/partition/op_lists.cpp — PyTorch's recomputable / view / random / compute-intensive operator lists.
#include "core/partition/op_lists.h"

namespace aotviz::partition::detail {

namespace {

OpLists current() {
  OpLists l;
  l.view = {"squeeze", "unsqueeze", "alias", "view", "slice", "t", "expand", "as_strided", "permute", "select",
            "split"};
  l.random = {"native_dropout", "rand_like", "randn_like"};
  l.compute_intensive = {"mm", "convolution", "convolution_backward", "bmm", "addmm",
                         "_scaled_dot_product_flash_attention", "_scaled_dot_product_efficient_attention",
                         "_flash_attention_forward", "_efficient_attention_forward", "upsample_bilinear2d",
                         "_scaled_mm"};
  l.recomputable = {
      "add", "sub", "div", "atan2", "mul", "max", "min", "pow", "remainder", "fmod", "__and__", "__or__",
      "__xor__", "__lshift__", "__rshift__", "eq", "ne", "ge", "gt", "le", "lt", "abs", "bitwise_not", "ceil",
      "floor", "frac", "neg", "relu", "round", "silu", "trunc", "log", "log10", "log1p", "log2", "lgamma", "exp",
      "expm1", "erf", "erfc", "cos", "acos", "cosh", "sin", "asin", "sinh", "tan", "atan", "tanh", "atanh", "sqrt",
      "rsqrt", "reciprocal", "sigmoid", "softplus", "threshold", "threshold_backward", "clamp", "where", "lerp",
      "addcmul", "gelu", "gelu_backward", "sum", "mean", "_grad_sum_to_size", "sum_to_size", "amax", "to",
      "type_as", "getitem", "squeeze", "unsqueeze", "rsub", "_to_copy", "clone", "full_like", "var", "std",
      "select", "_unsafe_view", "view", "expand", "slice", "reshape", "broadcast_tensors", "scalar_tensor", "ones",
      "new_zeros", "lift_fresh_copy", "arange", "triu", "var_mean", "isinf", "any", "full", "as_strided", "zeros",
      "empty", "empty_like", "argmax", "maximum", "index", "gather", "zeros_like",
      // view ops
      "alias", "t", "permute", "split",
      // Every aten packet with an overload tagged `pointwise`. LibTorch 1.13 has no pointwise tag, so these are
      // the pointwise packets of native_functions.yaml that the joint graphs we capture use.
      "minimum", "sign", "isnan", "logical_and", "logical_or", "logical_not", "logical_xor", "bitwise_and",
      "bitwise_or", "bitwise_xor", "clamp_min", "clamp_max", "masked_fill", "fill", "addcdiv", "hardtanh",
      "hardtanh_backward", "leaky_relu", "leaky_relu_backward", "elu", "elu_backward", "softplus_backward",
      "tanh_backward", "sigmoid_backward", "silu_backward", "hardsigmoid", "hardswish", "mish", "erfinv",
      "native_dropout_backward", "square", "exp2", "sgn", "copysign", "nan_to_num", "mul_", "threshold_"};
  // Single-output differentiable ops whose generated autograd node (torch/csrc/autograd/generated/Functions.h in
  // the 2.11 wheel) has a `SavedVariable result_;`, i.e. derivatives.yaml formulas that use `result`. Checked
  // one by one in PyTorch 2.11: `hasattr(op(x).grad_fn, "_saved_result")`; e.g. ReluBackward0, TanhBackward0,
  // SoftmaxBackward0 do, GeluBackward0, SiluBackward0, PowBackward0 (pow.Tensor_Scalar) do not. Multi-output ops
  // (max_pool2d_with_indices, native_batch_norm, native_layer_norm…) save only non-differentiable outputs
  // (indices, mean, rstd), which have no grad_fn and so are saved without a detach; they are left out.
  l.saves_result = {
      "relu", "tanh", "sigmoid", "exp", "exp2", "expm1", "sqrt", "rsqrt", "reciprocal", "tan", "_softmax",
      "_log_softmax", "_safe_softmax", "logsumexp", "amax", "amin", "max.", "min.", "pow.Tensor_Tensor",
      "pow.Scalar", "cumprod", "prod", "linalg_vector_norm", "norm", "std", "hypot", "sgn", "copysign",
      "logcumsumexp", "dist", "_cdist_forward", "_pdist_forward", "ldexp", "special_erfcx", "special_log_ndtr",
      "special_ndtri", "special_i0e", "special_i1", "special_i1e"};
  return l;
}

OpLists torch113() {
  OpLists l;
  // functorch/_src/partitioners.py (1.13), compiler="nvfuser" (the default).
  l.recomputable = {
      "add", "sub", "div", "atan2", "mul", "max", "min", "pow", "remainder", "fmod", "__and__", "__or__",
      "__xor__", "__lshift__", "__rshift__", "eq", "ne", "ge", "gt", "le", "lt", "abs", "bitwise_not", "ceil",
      "floor", "frac", "neg", "relu", "round", "silu", "trunc", "log", "log10", "log1p", "log2", "lgamma", "exp",
      "expm1", "erf", "erfc", "cos", "acos", "cosh", "sin", "asin", "sinh", "tan", "atan", "tanh", "atanh", "sqrt",
      "rsqrt", "reciprocal", "sigmoid", "softplus", "threshold", "threshold_backward", "clamp", "where", "lerp",
      "addcmul", "gelu", "gelu_backward", "alias", "softmax", "_softmax", "_softmax_backward_data", "sum", "mean",
      "_grad_sum_to_size", "sum_to_size", "amax", "to", "type_as", "getitem", "squeeze", "unsqueeze"};
  l.random = {"native_dropout", "rand_like", "randn_like"};
  l.compute_intensive = {"mm", "convolution", "convolution_backward", "bmm", "addmm", "upsample_bilinear2d"};
  return l;  // 1.13 has no view-op special cases
}

}  // namespace

const OpLists& opLists(Rules rules) {
  static const OpLists cur = current();
  static const OpLists old = torch113();
  return rules == Rules::Current ? cur : old;
}

}  // namespace aotviz::partition::detail
