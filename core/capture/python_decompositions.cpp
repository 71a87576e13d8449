// core/capture/python_decompositions.cpp — see Note [Python decompositions].
#include "core/capture/python_decompositions.h"

#include <ATen/core/Tensor.h>
#include <ATen/ops/_native_batch_norm_legit.h>
#include <ATen/ops/_native_batch_norm_legit_no_training.h>
#include <ATen/ops/_unsafe_index.h>
#include <ATen/ops/_unsafe_view.h>
#include <ATen/ops/abs.h>
#include <ATen/ops/arange.h>
#include <ATen/ops/dot.h>
#include <ATen/ops/mm.h>
#include <ATen/ops/mv.h>
#include <ATen/ops/native_dropout.h>
#include <ATen/ops/sign.h>
#include <ATen/ops/squeeze.h>
#include <ATen/ops/unsafe_split.h>
#include <ATen/ops/unsafe_split_with_sizes.h>
#include <ATen/ops/unsqueeze.h>
#include <ATen/ops/where.h>
#include <c10/util/BFloat16.h>
#include <c10/util/Exception.h>
#include <c10/util/Half.h>
#include <c10/util/accumulate.h>
#include <torch/library.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>
#include <tuple>
#include <vector>

#include "core/capture/capture.h"

namespace aotviz::capture {

namespace {

using OptTensor = std::optional<at::Tensor>;
using Shape = std::vector<int64_t>;

bool present(const OptTensor& t) { return t.has_value() && t->defined(); }

/// A Python number where PyTorch's Python code passes one to a Tensor parameter (`x * lambd` → mul.Tensor).
at::Tensor pyNumber(const at::Scalar& s) {
  return s.isIntegral(/*includeBool=*/false) ? wrappedNumber(s.toLong()) : wrappedNumber(s.toDouble());
}

// ---------------------------------------------------------------------------------------------- batch norm

/// decompositions.py native_batch_norm_decomposition. See Note [BatchNorm running statistics].
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

// ---------------------------------------------------------------------------------------------- matmul

/// decompositions.py should_fold.
bool shouldFold(const at::Tensor& tensor1, const at::Tensor& tensor2, bool is_out) {
  const bool first = tensor1.dim() >= tensor2.dim();
  const at::Tensor& t1 = first ? tensor1 : tensor2;
  const at::Tensor& t2 = first ? tensor2 : tensor1;
  if (!(t1.dim() >= 3 && t2.dim() <= 2)) return false;
  if (t2.requires_grad() && !is_out) return true;
  if (tensor1.dim() == 2) return false;
  if (t1.numel() == 0) return true;
  // Contiguous, skipping the dims of size 1.
  int64_t expected_stride = 1;
  for (int64_t d = t1.dim() - 1; d >= 0; --d) {
    if (t1.size(d) != 1 && t1.stride(d) != expected_stride) return false;
    expected_stride *= t1.size(d);
  }
  return true;
}

/// torch.broadcast_shapes (torch/_refs/__init__.py _broadcast_shapes) for two shapes.
Shape broadcastShapes(const Shape& a, const Shape& b) {
  Shape common(std::max(a.size(), b.size()), 1);
  for (const Shape* shape : {&a, &b}) {
    for (size_t i = 1; i <= shape->size(); ++i) {
      const int64_t s = (*shape)[shape->size() - i];
      int64_t& c = common[common.size() - i];
      if (s == c) continue;
      if (c == 1) c = s;
      TORCH_CHECK(s == 1 || s == c, "Attempting to broadcast a dimension of length ", s, " at ", -int64_t(i),
                  "! Mismatching argument at index 1 had ", c, "; but expected shape should be broadcastable to ",
                  c10::IntArrayRef(common));
    }
  }
  return common;
}

/// decompositions.py matmul (matmul.default: is_out=False). Recursion calls this function, as Python does.
at::Tensor matmul(const at::Tensor& tensor1, const at::Tensor& tensor2) {
  const int64_t dim_tensor1 = tensor1.dim(), dim_tensor2 = tensor2.dim();
  TORCH_CHECK(dim_tensor1 != 0 && dim_tensor2 != 0,
              "matmul does not support 0-dimensional tensors, got dims: ", dim_tensor1, " and ", dim_tensor2);
  if (dim_tensor1 == 1 && dim_tensor2 == 1) return at::dot(tensor1, tensor2);
  if (dim_tensor1 == 2 && dim_tensor2 == 1) return at::mv(tensor1, tensor2);
  if (dim_tensor1 == 1 && dim_tensor2 == 2) return at::squeeze(at::mm(at::unsqueeze(tensor1, 0), tensor2), 0);
  if (dim_tensor1 == 2 && dim_tensor2 == 2) return at::mm(tensor1, tensor2);
  if (shouldFold(tensor1, tensor2, /*is_out=*/false)) {
    // Fold the batch of the larger tensor into its leading matrix dimension: mm instead of bmm.
    const bool transpose = dim_tensor2 > dim_tensor1;
    const at::Tensor t1 = transpose ? tensor2.mT() : tensor1;
    const at::Tensor t2 = !transpose ? tensor2 : (dim_tensor1 == 2 ? tensor1.t() : tensor1);
    const Shape sizes_1 = t1.sizes().vec();
    Shape output_shape(sizes_1.begin(), sizes_1.end() - 1);
    const int64_t folded_dim1 = c10::multiply_integers(output_shape);
    const bool t2_is_matrix = t2.dim() == 2;
    if (t2_is_matrix) output_shape.push_back(t2.size(1));
    const at::Tensor t1_folded = t1.reshape({folded_dim1, sizes_1.back()});
    if (t2_is_matrix) {
      at::Tensor output = at::_unsafe_view(t1_folded.mm(t2), output_shape);
      return transpose ? output.mT().contiguous() : output;
    }
    return at::_unsafe_view(t1_folded.mv(t2), output_shape);
  }
  // Both are at least 1-D here: b1 x n x m1 times b2 x m2 x p (the b can be lists).
  const int64_t n = dim_tensor1 > 1 ? tensor1.size(-2) : 1;
  const int64_t m1 = tensor1.size(-1);
  const Shape batch_tensor1(tensor1.sizes().begin(), tensor1.sizes().end() - std::min<int64_t>(dim_tensor1, 2));
  const int64_t m2 = dim_tensor2 > 1 ? tensor2.size(-2) : tensor2.size(-1);
  const int64_t p = dim_tensor2 > 1 ? tensor2.size(-1) : 1;
  Shape batch_tensor2;
  for (int64_t i = 0; i < dim_tensor2 - 2; ++i) batch_tensor2.push_back(tensor2.size(i));
  // The gradient optimisation of should_fold: a broadcast batch of 1 goes through the folding branch.
  if (dim_tensor1 == 3 && dim_tensor2 == 3 && batch_tensor1[0] != batch_tensor2[0]) {
    if (batch_tensor1[0] == 1 && tensor1.requires_grad()) return matmul(tensor1.squeeze(0), tensor2);
    if (batch_tensor2[0] == 1 && tensor2.requires_grad()) return matmul(tensor1, tensor2.squeeze(0));
  }
  const Shape expand_batch_portion = broadcastShapes(batch_tensor1, batch_tensor2);
  Shape tensor1_expand_size = expand_batch_portion;
  tensor1_expand_size.insert(tensor1_expand_size.end(), {n, m1});
  const int64_t expand_batch_product = c10::multiply_integers(expand_batch_portion);
  const at::Tensor tensor1_expanded = tensor1.expand(tensor1_expand_size).reshape({expand_batch_product, n, m1});
  const bool vector_rhs = dim_tensor2 == 1;
  Shape tensor2_expand_size = expand_batch_portion;
  at::Tensor tensor2_expanded;
  if (vector_rhs) {
    tensor2_expand_size.push_back(m2);
    tensor2_expanded = tensor2.expand(tensor2_expand_size).reshape({expand_batch_product, m2}).unsqueeze(2);
  } else {
    tensor2_expand_size.insert(tensor2_expand_size.end(), {m2, p});
    tensor2_expanded = tensor2.expand(tensor2_expand_size).reshape({expand_batch_product, m2, p});
  }
  Shape output_shape = expand_batch_portion;
  if (dim_tensor1 > 1) output_shape.push_back(n);
  if (dim_tensor2 > 1) output_shape.push_back(p);
  if (vector_rhs) return tensor1_expanded.bmm(tensor2_expanded).squeeze(-1).view(output_shape);
  return tensor1_expanded.bmm(tensor2_expanded).view(output_shape);
}

// ---------------------------------------------------------------------------------------------- dropout, chunk

/// decompositions.py dropout.
at::Tensor dropout(const at::Tensor& input, double p, bool train) {
  if (train && p != 0) return std::get<0>(at::native_dropout(input, p, train));
  return input.clone();
}

/// decompositions.py unsafe_chunk_py_impl.
std::vector<at::Tensor> unsafeChunk(const at::Tensor& tensor, int64_t chunks, int64_t dim) {
  TORCH_CHECK(chunks > 0, "chunk expects `chunks` to be greater than 0, got: ", chunks);  // Python: division by 0
  const int64_t dim_size = tensor.size(dim);
  const int64_t split_size = (dim_size + chunks - 1) / chunks;
  if (split_size == 0 && dim_size == 0) {
    std::vector<int64_t> split_sizes(static_cast<size_t>(chunks), split_size);
    split_sizes[static_cast<size_t>(chunks - 1)] = split_size - (split_size * chunks - dim_size);
    return at::unsafe_split_with_sizes(tensor, split_sizes, dim);
  }
  return at::unsafe_split(tensor, split_size, dim);
}

// ---------------------------------------------------------------------------------------------- upsample nearest

using Scales = std::vector<std::optional<double>>;

/// decompositions.py upsample_compute_output_size.
Shape upsampleComputeOutputSize(at::IntArrayRef input_size, at::OptionalIntArrayRef output_size,
                                std::optional<at::ArrayRef<double>> scale_factors) {
  const size_t spatial_dimensions = input_size.size() - 2;
  if (output_size.has_value()) {
    TORCH_CHECK(!scale_factors.has_value(), "Must specify exactly one of output_size and scale_factors");
    TORCH_CHECK(output_size->size() == spatial_dimensions, "");
    return output_size->vec();
  }
  TORCH_CHECK(scale_factors.has_value(), "Must specify exactly one of output_size and scale_factors");
  TORCH_CHECK(scale_factors->size() == spatial_dimensions, "");
  Shape out;
  for (size_t i = 0; i < scale_factors->size(); ++i) {
    const double s = (*scale_factors)[i];
    TORCH_CHECK(std::isfinite(s), "cannot convert float ", s, " to integer");  // Python's int(s) raises
    if (static_cast<double>(static_cast<int64_t>(s)) == s)
      out.push_back(input_size[i + 2] * static_cast<int64_t>(s));
    else
      out.push_back(static_cast<int64_t>(static_cast<double>(input_size[i + 2]) * s));  // sym_int truncates
  }
  return out;
}

/// decompositions.py _compute_upsample_nearest_indices.
std::vector<at::Tensor> computeUpsampleNearestIndices(const at::Tensor& input, const Shape& output_size,
                                                      const Scales& scales, bool exact) {
  std::vector<at::Tensor> indices;
  const int64_t num_spatial_dims = static_cast<int64_t>(output_size.size());
  const double offset = exact ? 0.5 : 0.0;
  for (int64_t d = 0; d < num_spatial_dims; ++d) {
    const int64_t osize = output_size[static_cast<size_t>(d)];
    const double isize = static_cast<double>(input.size(-num_spatial_dims + d));
    const std::optional<double>& s = scales[static_cast<size_t>(d)];
    const double scale = s.has_value() && *s > 0 ? isize / (isize * *s) : isize / static_cast<double>(osize);
    at::Tensor output_indices = at::arange(osize, at::TensorOptions().dtype(at::kFloat).device(input.device()));
    at::Tensor input_indices = output_indices.add(wrappedNumber(offset)).mul(wrappedNumber(scale)).to(at::kLong);
    for (int64_t i = 0; i < num_spatial_dims - 1 - d; ++i) input_indices = input_indices.unsqueeze(-1);
    indices.push_back(input_indices);
  }
  return indices;
}

/// torch/_prims_common/__init__.py suggest_memory_format (with are_strides_like_channels_last_or_false).
at::MemoryFormat suggestMemoryFormat(const at::Tensor& x) {
  if (x.layout() != at::kStrided) return at::MemoryFormat::Contiguous;
  const int64_t ndim = x.dim();
  if (ndim != 4 && ndim != 5) return at::MemoryFormat::Contiguous;
  const std::vector<int64_t> dim_order =
      ndim == 4 ? std::vector<int64_t>{1, 3, 2, 0} : std::vector<int64_t>{1, 4, 3, 2, 0};
  if (x.stride(1) == 0) return at::MemoryFormat::Contiguous;
  int64_t min = 0;
  for (int64_t d : dim_order) {
    if (x.size(d) == 0 || x.stride(d) < min || (d == 0 && min == x.stride(1))) return at::MemoryFormat::Contiguous;
    min = x.stride(d) * x.size(d);
  }
  return ndim == 4 ? at::MemoryFormat::ChannelsLast : at::MemoryFormat::ChannelsLast3d;
}

/// torch/_prims_common/__init__.py get_computation_dtype.
at::ScalarType computationDtype(at::ScalarType t) {
  if (t == at::kHalf || t == at::kBFloat16) return at::kFloat;
  return t == at::kComplexHalf ? at::kComplexFloat : t;
}

/// decompositions.py _upsample_nearest, with its @pw_cast_for_opmath (half and bfloat16 computed in float).
at::Tensor upsampleNearest(const at::Tensor& input_, const Shape& output_size, const Scales& scales, bool exact) {
  const at::ScalarType result_dtype = input_.scalar_type();
  const at::Tensor input = input_.to(computationDtype(result_dtype));
  c10::List<OptTensor> indices({std::nullopt, std::nullopt});
  for (at::Tensor& i : computeUpsampleNearestIndices(input, output_size, scales, exact)) indices.push_back(i);
  at::Tensor result = at::_unsafe_index(input, indices);
  if (result.dim() == 4) {
    // The output in the input's memory format; "only channels_last when faster than contiguous".
    at::MemoryFormat memory_format = suggestMemoryFormat(input);
    const int64_t n_channels = input.size(1);
    const TraceContext* ctx = activeTrace();  // input.device is the device the graph runs on
    if (ctx && ctx->target_device.is_cuda() && n_channels < 4) memory_format = at::MemoryFormat::Contiguous;
    result = result.contiguous(memory_format);
  }
  return result.to(result_dtype);
}

/// decompositions.py _upsample_nearest_vec (Exact=false) and _upsample_nearest_exact_vec (Exact=true).
template <bool Exact>
at::Tensor upsampleNearestVec(const at::Tensor& input, at::OptionalIntArrayRef output_size,
                              std::optional<at::ArrayRef<double>> scale_factors) {
  const Shape osize = upsampleComputeOutputSize(input.sizes(), output_size, scale_factors);
  const Scales scales = scale_factors.has_value() && !scale_factors->empty()
                            ? Scales(scale_factors->begin(), scale_factors->end())
                            : Scales(osize.size(), std::nullopt);
  return upsampleNearest(input, osize, scales, Exact);
}

/// decompositions.py upsample_nearest1d (Exact=false) and upsample_nearest_exact1d (Exact=true).
template <bool Exact>
at::Tensor upsampleNearest1d(const at::Tensor& input, at::IntArrayRef output_size, std::optional<double> scales) {
  return upsampleNearest(input, output_size.vec(), {scales}, Exact);
}

/// decompositions.py upsample_nearest2d (Exact=false) and _upsample_nearest_exact2d (Exact=true).
template <bool Exact>
at::Tensor upsampleNearest2d(const at::Tensor& input, at::IntArrayRef output_size, std::optional<double> scales_h,
                             std::optional<double> scales_w) {
  return upsampleNearest(input, output_size.vec(), {scales_h, scales_w}, Exact);
}

/// decompositions.py upsample_nearest3d (Exact=false) and _upsample_nearest_exact3d (Exact=true).
template <bool Exact>
at::Tensor upsampleNearest3d(const at::Tensor& input, at::IntArrayRef output_size, std::optional<double> scales_d,
                             std::optional<double> scales_h, std::optional<double> scales_w) {
  return upsampleNearest(input, output_size.vec(), {scales_d, scales_h, scales_w}, Exact);
}

// ---------------------------------------------------------------------------------------------- shrink

/// torch/_refs/nn/functional/__init__.py hardshrink.
at::Tensor hardshrink(const at::Tensor& a, const at::Scalar& lambd) {
  return at::where(at::abs(a).le(lambd), at::Scalar(int64_t{0}), a);
}

/// torch.finfo(dtype).max.
double finfoMax(at::ScalarType t) {
  switch (t) {
    case at::kDouble:
    case at::kComplexDouble:
      return std::numeric_limits<double>::max();
    case at::kFloat:
    case at::kComplexFloat:
      return std::numeric_limits<float>::max();
    case at::kHalf:
    case at::kComplexHalf:
      return static_cast<double>(std::numeric_limits<c10::Half>::max());
    case at::kBFloat16:
      return static_cast<double>(std::numeric_limits<c10::BFloat16>::max());
    default:
      break;
  }
  TORCH_CHECK(false, "torch.finfo() requires a floating point input type, got ", t);
  return 0;
}

/// torch/_refs/nn/functional/__init__.py softshrink.
at::Tensor softshrink(const at::Tensor& a, const at::Scalar& lambd) {
  const double max = finfoMax(a.scalar_type()), l = lambd.toDouble();
  TORCH_CHECK(0 <= l && l <= max, "lambda must be in range [0, ", max, "] for input dtype ", a.scalar_type(),
              ", but found ", l);
  // One torch.where for a better backward; `a * 0` deals with NaNs. Arguments in Python's (left-to-right) order.
  const at::Tensor cond = at::abs(a).gt(lambd);
  const at::Tensor shrunk = a.sub(at::sign(a).mul(pyNumber(lambd)));
  return at::where(cond, shrunk, a.mul(wrappedNumber(int64_t{0})));
}

}  // namespace

void registerPythonDecompositions() {
  static torch::Library lib(torch::Library::IMPL, "aten", c10::DispatchKey::AutogradPrivateUse1, __FILE__, __LINE__);
  lib.impl("native_batch_norm", TORCH_FN(nativeBatchNorm));
  lib.impl("matmul", TORCH_FN(matmul));
  lib.impl("dropout", TORCH_FN(dropout));
  lib.impl("unsafe_chunk", TORCH_FN(unsafeChunk));
  lib.impl("upsample_nearest1d.vec", TORCH_FN(upsampleNearestVec<false>));
  lib.impl("upsample_nearest2d.vec", TORCH_FN(upsampleNearestVec<false>));
  lib.impl("upsample_nearest3d.vec", TORCH_FN(upsampleNearestVec<false>));
  lib.impl("_upsample_nearest_exact1d.vec", TORCH_FN(upsampleNearestVec<true>));
  lib.impl("_upsample_nearest_exact2d.vec", TORCH_FN(upsampleNearestVec<true>));
  lib.impl("_upsample_nearest_exact3d.vec", TORCH_FN(upsampleNearestVec<true>));
  lib.impl("upsample_nearest1d", TORCH_FN(upsampleNearest1d<false>));
  lib.impl("upsample_nearest2d", TORCH_FN(upsampleNearest2d<false>));
  lib.impl("upsample_nearest3d", TORCH_FN(upsampleNearest3d<false>));
  lib.impl("_upsample_nearest_exact1d", TORCH_FN(upsampleNearest1d<true>));
  lib.impl("_upsample_nearest_exact2d", TORCH_FN(upsampleNearest2d<true>));
  lib.impl("_upsample_nearest_exact3d", TORCH_FN(upsampleNearest3d<true>));
  lib.impl("hardshrink", TORCH_FN(hardshrink));
  lib.impl("softshrink", TORCH_FN(softshrink));
}

}  // namespace aotviz::capture
