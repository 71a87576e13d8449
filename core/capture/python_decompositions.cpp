// core/capture/python_decompositions.cpp — see Note [Python decompositions].
#include "core/capture/python_decompositions.h"

#include <ATen/Context.h>
#include <ATen/core/Tensor.h>
#include <ATen/core/dispatch/Dispatcher.h>
#include <ATen/core/grad_mode.h>
#include <ATen/native/transformers/attention.h>
#include <ATen/ops/_fused_sdp_choice_cpu_dispatch.h>
#include <ATen/ops/_fused_sdp_choice_meta_dispatch.h>
#include <ATen/ops/_native_batch_norm_legit.h>
#include <ATen/ops/_native_batch_norm_legit_no_training.h>
#include <ATen/ops/_unsafe_index.h>
#include <ATen/ops/_unsafe_view.h>
#include <ATen/ops/abs.h>
#include <ATen/ops/arange.h>
#include <ATen/ops/cat.h>
#include <ATen/ops/dot.h>
#include <ATen/ops/dropout.h>
#include <ATen/ops/empty.h>
#include <ATen/ops/empty_like.h>
#include <ATen/ops/empty_permuted.h>
#include <ATen/ops/flip.h>
#include <ATen/ops/gru.h>
#include <ATen/ops/linear.h>
#include <ATen/ops/lstm.h>
#include <ATen/ops/mkldnn_rnn_layer.h>
#include <ATen/ops/mm.h>
#include <ATen/ops/mv.h>
#include <ATen/ops/native_dropout.h>
#include <ATen/ops/relu.h>
#include <ATen/ops/rnn_relu.h>
#include <ATen/ops/rnn_tanh.h>
#include <ATen/ops/sigmoid.h>
#include <ATen/ops/sign.h>
#include <ATen/ops/squeeze.h>
#include <ATen/ops/stack.h>
#include <ATen/ops/tanh.h>
#include <ATen/ops/unbind.h>
#include <ATen/ops/unsafe_split.h>
#include <ATen/ops/unsafe_split_with_sizes.h>
#include <ATen/ops/unsqueeze.h>
#include <ATen/ops/where.h>
#include <ATen/ops/zeros.h>
#include <c10/util/BFloat16.h>
#include <c10/util/Exception.h>
#include <c10/util/Half.h>
#include <c10/util/accumulate.h>
#include <torch/library.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "core/capture/capture.h"
#include "core/util/diagnostic.h"

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

// ---------------------------------------------------------------------------------------------- RNNs

/// The weights of one layer and direction, as decompositions.py gather_params groups them: ih_weight, hh_weight,
/// then ih_bias and hh_bias (has_biases), then hr_weight (LSTM projections).
using RnnParams = std::vector<at::Tensor>;
/// The state of one layer and direction: {h} (RNN, GRU) or {h, c} (LSTM).
using RnnHidden = std::vector<at::Tensor>;
/// What _rnn_helper calls per layer and direction: (input, hidden, params, has_biases, reverse) -> (output, hidden).
using RnnLayerFn =
    std::function<std::pair<at::Tensor, RnnHidden>(const at::Tensor&, const RnnHidden&, const RnnParams&, bool, bool)>;
/// The hidden_fn of one_layer_rnn: (i, cur_hidden, ih_weight, ih_bias, hh_weight, hh_bias) -> next hidden.
using RnnCellFn = std::function<at::Tensor(const at::Tensor&, const at::Tensor&, const at::Tensor&, const OptTensor&,
                                           const at::Tensor&, const OptTensor&)>;

/// decompositions.py gather_params.
std::vector<RnnParams> gatherParams(at::TensorList params, bool has_biases, bool has_projections) {
  const size_t group_size = has_biases && has_projections ? 5 : has_biases ? 4 : has_projections ? 3 : 2;
  TORCH_CHECK(params.size() % group_size == 0, "len(params)=", params.size(),
              " is not divisible by group_size=", group_size);
  std::vector<RnnParams> groups;
  for (size_t i = 0; i < params.size(); i += group_size)
    groups.emplace_back(params.begin() + static_cast<std::ptrdiff_t>(i),
                        params.begin() + static_cast<std::ptrdiff_t>(i + group_size));
  return groups;
}

/// `params[i] if has_biases else None` of the layer functions.
OptTensor biasAt(const RnnParams& params, size_t i, bool has_biases) {
  return has_biases ? OptTensor(params[i]) : std::nullopt;
}

/// decompositions.py _rnn_helper (with params_hiddens).
std::pair<at::Tensor, std::vector<RnnHidden>> rnnHelper(at::Tensor input, const std::vector<RnnHidden>& hidden,
                                                        const std::vector<RnnParams>& params, bool has_biases,
                                                        int64_t num_layers, double dropout, bool train,
                                                        bool bidirectional, bool batch_first,
                                                        const RnnLayerFn& layer_fn) {
  input = batch_first ? input.transpose(0, 1) : input;
  std::vector<RnnHidden> final_hiddens;
  for (int64_t i = 0; i < num_layers; ++i) {
    const size_t cur = static_cast<size_t>(bidirectional ? 2 * i : i);
    const size_t needed = cur + (bidirectional ? 2 : 1);
    TORCH_CHECK(needed <= params.size(), "list index out of range: ", params.size(),
                " groups of RNN weights for layer ", i);  // Python: IndexError
    TORCH_CHECK(needed <= hidden.size(), "list index out of range: ", hidden.size(),
                " initial hidden states for layer ", i);
    // Sic: `num_layers < i - 1` never holds, so PyTorch 2.11's decomposition applies no dropout between layers
    // (and this sets `dropout` to 0 for the layers after). Kept so the graphs stay PyTorch's.
    dropout = train && num_layers < i - 1 ? dropout : 0.0;
    auto [fwd_inp, fwd_hidden] = layer_fn(input, hidden[cur], params[cur], has_biases, false);
    final_hiddens.push_back(fwd_hidden);
    if (bidirectional) {
      auto [bwd_inp, bwd_hidden] = layer_fn(input, hidden[cur + 1], params[cur + 1], has_biases, true);
      final_hiddens.push_back(bwd_hidden);
      input = at::cat({fwd_inp, bwd_inp}, fwd_inp.dim() - 1);
    } else {
      input = fwd_inp;
    }
    if (dropout != 0 && train && i < num_layers - 1) input = at::dropout(input, dropout, /*train=*/true);
  }
  input = batch_first ? input.transpose(0, 1) : input;
  return {input, final_hiddens};
}

/// decompositions.py one_layer_rnn. Iterating a tensor in Python is unbind(0).
std::pair<at::Tensor, RnnHidden> oneLayerRnn(const at::Tensor& inp, const RnnHidden& hidden, const RnnParams& params,
                                             bool has_biases, bool reverse, const RnnCellFn& hidden_fn) {
  const at::Tensor& ih_weight = params[0];
  const at::Tensor& hh_weight = params[1];
  const OptTensor ih_bias = biasAt(params, 2, has_biases), hh_bias = biasAt(params, 3, has_biases);
  at::Tensor precomputed_input = at::linear(inp, ih_weight, ih_bias);
  precomputed_input = reverse ? precomputed_input.flip(0) : precomputed_input;
  at::Tensor cur_hidden = hidden[0].unsqueeze(0);
  std::vector<at::Tensor> step_output;
  for (const at::Tensor& i : precomputed_input.unbind(0)) {
    cur_hidden = hidden_fn(i, cur_hidden, ih_weight, ih_bias, hh_weight, hh_bias);
    step_output.push_back(cur_hidden);
  }
  if (reverse) std::reverse(step_output.begin(), step_output.end());
  at::Tensor out = at::cat(step_output, 0);
  return {out, {cur_hidden.squeeze(0)}};
}

/// decompositions.py rnn_cell(torch.tanh) (Relu=false) and rnn_cell(torch.relu) (Relu=true).
template <bool Relu>
at::Tensor rnnCell(const at::Tensor& i, const at::Tensor& cur_hidden, const at::Tensor& ih_weight,
                   const OptTensor& ih_bias, const at::Tensor& hh_weight, const OptTensor& hh_bias) {
  const at::Tensor pre = at::linear(cur_hidden, hh_weight, hh_bias).add(i);
  return Relu ? at::relu(pre) : at::tanh(pre);
}

/// decompositions.py gru_cell.
at::Tensor gruCell(const at::Tensor& inp, const at::Tensor& cur_hidden, const at::Tensor& ih_weight,
                   const OptTensor& ih_bias, const at::Tensor& hh_weight, const OptTensor& hh_bias) {
  const std::vector<at::Tensor> chunked_igates = inp.chunk(3, 1);
  const std::vector<at::Tensor> chunked_hgates = at::linear(cur_hidden, hh_weight, hh_bias).chunk(3, 2);
  const at::Tensor reset_gate = chunked_hgates[0].add(chunked_igates[0]).sigmoid();
  const at::Tensor input_gate = chunked_hgates[1].add(chunked_igates[1]).sigmoid();
  const at::Tensor new_gate = chunked_igates[2].add(chunked_hgates[2].mul(reset_gate)).tanh();
  return cur_hidden.sub(new_gate).mul(input_gate).add(new_gate);
}

/// decompositions.py lstm_cell: (hy, cy).
std::pair<at::Tensor, at::Tensor> lstmCell(const at::Tensor& inp, const at::Tensor& hx, const at::Tensor& cx,
                                           const at::Tensor& hh_weight, const OptTensor& hh_bias,
                                           const OptTensor& hr_weight, int64_t chunk_dim) {
  const at::Tensor gates = at::linear(hx, hh_weight, hh_bias).add(inp);
  const std::vector<at::Tensor> chunked_gates = gates.chunk(4, chunk_dim);
  const at::Tensor in_gate = chunked_gates[0].sigmoid();
  const at::Tensor forget_gate = chunked_gates[1].sigmoid();
  const at::Tensor cell_gate = chunked_gates[2].tanh();
  const at::Tensor out_gate = chunked_gates[3].sigmoid();
  const at::Tensor forget_cx = forget_gate.mul(cx);  // Python evaluates left to right
  const at::Tensor cy = forget_cx.add(in_gate.mul(cell_gate));
  at::Tensor hy = out_gate.mul(cy.tanh());
  if (present(hr_weight)) hy = at::linear(hy, *hr_weight, std::nullopt);
  return {hy, cy};
}

/// decompositions.py one_layer_lstm, with the fix of Note [LSTM final states].
std::pair<at::Tensor, RnnHidden> oneLayerLstm(const at::Tensor& inp, const RnnHidden& hidden, const RnnParams& params,
                                              bool has_biases, bool reverse) {
  const at::Tensor& ih_weight = params[0];
  const at::Tensor& hh_weight = params[1];
  const OptTensor ih_bias = biasAt(params, 2, has_biases), hh_bias = biasAt(params, 3, has_biases);
  const OptTensor hr_weight = params.size() == 5 ? OptTensor(params[4])
                              : params.size() == 3 ? OptTensor(params[2])
                                                   : std::nullopt;
  at::Tensor hx = hidden[0].unsqueeze(0);
  at::Tensor cx = hidden[1].unsqueeze(0);
  at::Tensor precomputed_input = at::linear(inp, ih_weight, ih_bias);
  precomputed_input = reverse ? precomputed_input.flip(0) : precomputed_input;
  std::vector<at::Tensor> step_output;
  for (const at::Tensor& step : precomputed_input.unbind(0)) {
    std::tie(hx, cx) = lstmCell(step, hx, cx, hh_weight, hh_bias, hr_weight, /*chunk_dim=*/2);
    step_output.push_back(hx);
  }
  if (reverse) std::reverse(step_output.begin(), step_output.end());
  at::Tensor out = at::cat(step_output, 0);
  // PyTorch 2.11 has squeeze(1) here: Note [LSTM final states].
  return {out, {hx.squeeze(0), cx.squeeze(0)}};
}

/// decompositions.py mkldnn_one_layer_lstm.
std::pair<at::Tensor, RnnHidden> mkldnnOneLayerLstm(const at::Tensor& inp, const RnnHidden& hidden,
                                                    const RnnParams& params, bool has_biases, bool reverse) {
  const at::Tensor& w0 = params[0];
  const at::Tensor& w1 = params[1];
  // torch.zeros(w0.size()): float32 on the default device, which this path requires to be the CPU the trace
  // tensors stand for. (Sic: the weights' shapes, not the biases'; mkldnn_rnn_layer ignores them without biases.)
  const at::TensorOptions zeros = at::TensorOptions().dtype(at::kFloat).device(w0.device());
  const at::Tensor w2 = has_biases ? params[2] : at::zeros(w0.sizes(), zeros);
  const at::Tensor w3 = has_biases ? params[3] : at::zeros(w1.sizes(), zeros);
  at::Tensor hx = hidden[0].unsqueeze(0);
  at::Tensor cx = hidden[1].unsqueeze(0);
  const int64_t hidden_size = hx.size(2);
  // _rnn_helper handles bidirectional and batch_first; the layer runs forward-only (train=False), as in Python.
  const at::Tensor input = inp.contiguous();
  hx = hx.contiguous();
  cx = cx.contiguous();
  constexpr int64_t kLstmMode = 2;  // ideep::rnn_kind::LSTM
  const auto outputs =
      at::mkldnn_rnn_layer(input, w0, w1, w2, w3, hx, cx, reverse, /*batch_sizes=*/{}, kLstmMode, hidden_size,
                           /*num_layers=*/1, has_biases, /*bidirectional=*/false, /*batch_first=*/false,
                           /*train=*/false);
  const at::Tensor& y = std::get<0>(outputs);
  return {y, {std::get<1>(outputs).squeeze(0), std::get<2>(outputs).squeeze(0)}};
}

/// The device a tensor of the trace stands for (trace tensors report privateuseone).
c10::Device traceDeviceOf(const at::Tensor& t) {
  const TraceContext* ctx = activeTrace();
  return ctx && t.device().type() == c10::DeviceType::PrivateUse1 ? ctx->target_device : t.device();
}

/// decompositions.py select_one_layer_lstm_function (use_mkldnn), with one deviation. See Note [LSTM on the CPU].
bool useMkldnnLstm(const at::Tensor& input, at::TensorList hx, at::TensorList params) {
  if (!at::globalContext().userEnabledMkldnn()) return false;  // torch._C._get_mkldnn_enabled()
  std::vector<at::Tensor> tensors{input};
  tensors.insert(tensors.end(), hx.begin(), hx.end());
  tensors.insert(tensors.end(), params.begin(), params.end());
  for (const at::Tensor& t : tensors) {
    if (!traceDeviceOf(t).is_cpu() || traceDeviceOf(t) != traceDeviceOf(input)) return false;
    if (t.scalar_type() != at::kFloat && t.scalar_type() != at::kBFloat16) return false;
  }
  if (input.requires_grad()) return false;
  if (hx[0].size(2) != hx[1].size(2)) return false;  // has_projections
  // The deviation: not when the graph differentiates through the layer.
  if (at::GradMode::is_enabled())
    for (const at::Tensor& t : tensors)
      if (t.requires_grad()) return false;
  return true;
}

/// decompositions.py lstm_impl (lstm.input).
std::tuple<at::Tensor, at::Tensor, at::Tensor> lstmInput(const at::Tensor& input, at::TensorList hx,
                                                         at::TensorList params, bool has_biases, int64_t num_layers,
                                                         double dropout, bool train, bool bidirectional,
                                                         bool batch_first) {
  TORCH_CHECK(hx.size() == 2, "lstm expects two hidden states, got ", hx.size());
  const std::vector<RnnParams> groups = gatherParams(params, has_biases, hx[0].size(2) != hx[1].size(2));
  // hidden = list(zip(hx[0], hx[1])): zip iterates both tensors (unbind(0), in that order) before pairing them.
  const std::vector<at::Tensor> h = hx[0].unbind(0), c = hx[1].unbind(0);
  std::vector<RnnHidden> hidden;
  for (size_t i = 0; i < std::min(h.size(), c.size()); ++i) hidden.push_back({h[i], c[i]});
  const RnnLayerFn layer_fn = useMkldnnLstm(input, hx, params) ? RnnLayerFn(mkldnnOneLayerLstm) : oneLayerLstm;
  auto [out, final_hiddens] =
      rnnHelper(input, hidden, groups, has_biases, num_layers, dropout, train, bidirectional, batch_first, layer_fn);
  std::vector<at::Tensor> final_h, final_c;  // list(zip(*final_hiddens))
  for (const RnnHidden& fh : final_hiddens) {
    final_h.push_back(fh[0]);
    final_c.push_back(fh[1]);
  }
  return {out, at::stack(final_h, 0), at::stack(final_c, 0)};
}

/// decompositions.py gru_impl (gru.input).
std::tuple<at::Tensor, at::Tensor> gruInput(const at::Tensor& input, const at::Tensor& hx, at::TensorList params,
                                            bool has_biases, int64_t num_layers, double dropout, bool train,
                                            bool bidirectional, bool batch_first) {
  const std::vector<RnnParams> groups = gatherParams(params, has_biases, false);
  std::vector<RnnHidden> hidden;
  for (const at::Tensor& h : hx.unbind(0)) hidden.push_back({h});
  const RnnLayerFn layer_fn = [](const at::Tensor& inp, const RnnHidden& hid, const RnnParams& p, bool biases,
                                 bool reverse) { return oneLayerRnn(inp, hid, p, biases, reverse, gruCell); };
  auto [out, final_hiddens] =
      rnnHelper(input, hidden, groups, has_biases, num_layers, dropout, train, bidirectional, batch_first, layer_fn);
  std::vector<at::Tensor> final_h;
  for (const RnnHidden& fh : final_hiddens) final_h.push_back(fh[0]);
  return {out, at::stack(final_h, 0)};
}

/// decompositions.py rnn_tanh_input (Relu=false) and rnn_relu_input (Relu=true).
template <bool Relu>
std::tuple<at::Tensor, at::Tensor> rnnInput(const at::Tensor& input, const at::Tensor& hx, at::TensorList params,
                                            bool has_biases, int64_t num_layers, double dropout, bool train,
                                            bool bidirectional, bool batch_first) {
  std::vector<RnnHidden> hidden;
  for (const at::Tensor& h : hx.unbind(0)) hidden.push_back({h});
  const std::vector<RnnParams> groups = gatherParams(params, has_biases, false);
  const RnnLayerFn layer_fn = [](const at::Tensor& inp, const RnnHidden& hid, const RnnParams& p, bool biases,
                                 bool reverse) { return oneLayerRnn(inp, hid, p, biases, reverse, rnnCell<Relu>); };
  auto [out, final_hiddens] =
      rnnHelper(input, hidden, groups, has_biases, num_layers, dropout, train, bidirectional, batch_first, layer_fn);
  std::vector<at::Tensor> final_h;
  for (const RnnHidden& fh : final_hiddens) final_h.push_back(fh[0]);
  return {out, at::stack(final_h, 0)};
}

/// The packed-sequence overloads (lstm.data, gru.data, rnn_tanh.data, rnn_relu.data) are not ported: their
/// decompositions split the input by the values of batch_sizes, which fake tracing does not have.
[[noreturn]] void packedSequenceUnsupported(const std::string& op) {
  const TraceContext* ctx = activeTrace();
  const std::string why =
      "packed sequences (a PackedSequence passed to nn.LSTM / nn.GRU / nn.RNN) are not supported: PyTorch 2.11 "
      "decomposes " + op + " by splitting the input at the values of batch_sizes (decompositions.py), and aotviz "
      "does not port that decomposition";
  fail(ctx ? ctx->stage : "capture", op, why,
       "pass the padded batch (and a mask or the lengths) to the RNN instead of a PackedSequence");
}

std::tuple<at::Tensor, at::Tensor, at::Tensor> lstmData(const at::Tensor&, const at::Tensor&, at::TensorList,
                                                        at::TensorList, bool, int64_t, double, bool, bool) {
  packedSequenceUnsupported("aten::lstm.data");
}
std::tuple<at::Tensor, at::Tensor> gruData(const at::Tensor&, const at::Tensor&, const at::Tensor&, at::TensorList,
                                           bool, int64_t, double, bool, bool) {
  packedSequenceUnsupported("aten::gru.data");
}
std::tuple<at::Tensor, at::Tensor> rnnTanhData(const at::Tensor&, const at::Tensor&, const at::Tensor&, at::TensorList,
                                               bool, int64_t, double, bool, bool) {
  packedSequenceUnsupported("aten::rnn_tanh.data");
}
std::tuple<at::Tensor, at::Tensor> rnnReluData(const at::Tensor&, const at::Tensor&, const at::Tensor&, at::TensorList,
                                               bool, int64_t, double, bool, bool) {
  packedSequenceUnsupported("aten::rnn_relu.data");
}

// ---------------------------------------------------------------------------------------------- attention

/// The _fused_sdp_choice_stub kernel of PrivateUse1, called by scaled_dot_product_attention with the tensors it was
/// given: the CPU's choice for a CPU graph, the Meta kernel's (math) otherwise. See Note [Attention on the trace
/// device].
int64_t fusedSdpChoice(const at::Tensor& query, const at::Tensor& key, const at::Tensor& value,
                       const OptTensor& attn_mask, double dropout_p, bool is_causal, std::optional<double> scale,
                       bool enable_gqa) {
  const TraceContext* ctx = activeTrace();
  if (ctx && ctx->target_device.is_cpu())
    return at::cpu::_fused_sdp_choice(query, key, value, attn_mask, dropout_p, is_causal, scale, enable_gqa);
  return at::meta::_fused_sdp_choice(query, key, value, attn_mask, dropout_p, is_causal, scale, enable_gqa);
}

/// _meta_registrations.py meta__scaled_dot_product_flash_attention_for_cpu.
std::tuple<at::Tensor, at::Tensor> flashAttentionForCpuMeta(const at::Tensor& query, const at::Tensor&,
                                                            const at::Tensor&, double, bool, const OptTensor&,
                                                            std::optional<double>) {
  const int64_t batch = query.size(0), heads = query.size(1), seq_q = query.size(2);
  at::Tensor attention = at::empty_like(query);
  at::Tensor logsumexp = at::empty({batch, seq_q, heads}, query.options().dtype(at::kFloat)).transpose(1, 2);
  return {attention, logsumexp};
}

/// _meta_registrations.py meta__scaled_dot_product_flash_attention_for_cpu_backward: the CPU kernel's gradients are
/// laid out (batch, seq, heads, head_dim).
std::tuple<at::Tensor, at::Tensor, at::Tensor> flashAttentionForCpuBackwardMeta(
    const at::Tensor&, const at::Tensor& query, const at::Tensor& key, const at::Tensor& value, const at::Tensor&,
    const at::Tensor&, double, bool, const OptTensor&, std::optional<double>) {
  const std::vector<int64_t> layout{0, 2, 1, 3};
  return {at::empty_permuted(query.sizes(), layout, query.options()),
          at::empty_permuted(key.sizes(), layout, key.options()),
          at::empty_permuted(value.sizes(), layout, value.options())};
}

}  // namespace

void registerTraceAttention() {
  at::native::_fused_sdp_choice_stub.set_privateuse1_dispatch_ptr(&fusedSdpChoice);
  static torch::Library meta_lib(torch::Library::IMPL, "aten", c10::DispatchKey::Meta, __FILE__, __LINE__);
  auto& dispatcher = c10::Dispatcher::singleton();
  auto lacksMeta = [&](const char* name) {
    auto h = dispatcher.findOp(c10::OperatorName(std::string("aten::") + name, ""));
    return h && !h->hasKernelForDispatchKey(c10::DispatchKey::Meta);
  };
  if (lacksMeta("_scaled_dot_product_flash_attention_for_cpu"))
    meta_lib.impl("_scaled_dot_product_flash_attention_for_cpu", TORCH_FN(flashAttentionForCpuMeta));
  if (lacksMeta("_scaled_dot_product_flash_attention_for_cpu_backward"))
    meta_lib.impl("_scaled_dot_product_flash_attention_for_cpu_backward", TORCH_FN(flashAttentionForCpuBackwardMeta));
}

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
  lib.impl("lstm.input", TORCH_FN(lstmInput));
  lib.impl("gru.input", TORCH_FN(gruInput));
  lib.impl("rnn_tanh.input", TORCH_FN(rnnInput<false>));
  lib.impl("rnn_relu.input", TORCH_FN(rnnInput<true>));
  lib.impl("lstm.data", TORCH_FN(lstmData));
  lib.impl("gru.data", TORCH_FN(gruData));
  lib.impl("rnn_tanh.data", TORCH_FN(rnnTanhData));
  lib.impl("rnn_relu.data", TORCH_FN(rnnReluData));
}

}  // namespace aotviz::capture
