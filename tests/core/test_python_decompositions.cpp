// tests/core/test_python_decompositions.cpp — the Python-dispatcher decompositions of
// core/capture/python_decompositions.h against PyTorch 2.11 run live: tests/fidelity/torch211_decompositions.py
// traces each case with aot_function, and this test captures the same function on the same inputs with aotviz and
// expects the same ops in the same order (joint graph, or inference graph where no input requires grad; getitem
// and detach aside), then replays the captured graph against eager autograd (fake and real trace modes).
#include <ATen/Context.h>
#include <ATen/ops/_upsample_nearest_exact1d.h>
#include <ATen/ops/_upsample_nearest_exact3d.h>
#include <ATen/ops/dropout.h>
#include <ATen/ops/gt.h>
#include <ATen/ops/gru.h>
#include <ATen/ops/hardshrink.h>
#include <ATen/ops/linear.h>
#include <ATen/ops/lstm.h>
#include <ATen/ops/matmul.h>
#include <ATen/ops/mul.h>
#include <ATen/ops/randn.h>
#include <ATen/ops/rnn_relu.h>
#include <ATen/ops/rnn_tanh.h>
#include <ATen/ops/scaled_dot_product_attention.h>
#include <ATen/ops/softshrink.h>
#include <ATen/ops/tensor.h>
#include <ATen/ops/unsafe_chunk.h>
#include <ATen/ops/upsample_nearest2d.h>
#include <ATen/ops/upsample_nearest3d.h>
#include <ATen/ops/zeros.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/capture/capture.h"
#include "tests/core/capture_testing.h"
#include "tests/core/pytorch_reference.h"

namespace aotviz {
namespace {

using Tensors = std::vector<at::Tensor>;
using Ops = std::vector<std::string>;

/// An input: its sizes, whether it requires grad.
struct Arg {
  std::vector<int64_t> sizes;
  bool requires_grad;
};
Arg grad(std::vector<int64_t> sizes) { return {std::move(sizes), true}; }
Arg nograd(std::vector<int64_t> sizes) { return {std::move(sizes), false}; }

/// A case: the function and its inputs (at::randn after at::manual_seed(0), in order, with `dtype` and `format`).
struct Case {
  const char* name;
  capture::TracedFn fn;
  std::vector<Arg> args;
  at::ScalarType dtype = at::kFloat;
  at::MemoryFormat format = at::MemoryFormat::Contiguous;
  double tol = 1e-5;  // of the replay against eager
  bool replay = true;  // false where eager differs from PyTorch's graph on purpose (lstm_dropout)

  std::vector<capture::InputDesc> inputs() const {
    at::manual_seed(0);
    std::vector<capture::InputDesc> r;
    for (const Arg& a : args)
      r.push_back(testing::input("x", at::randn(a.sizes).to(dtype).contiguous(format), a.requires_grad));
    return r;
  }
};

at::Tensor two() { return capture::wrappedNumber(int64_t{2}); }  // Python's `2` in `x * 2`
Tensors matmul(const Tensors& t) { return {at::matmul(t[0], t[1])}; }
Tensors upsample2x(const Tensors& t) {
  return {at::upsample_nearest2d(t[0], std::nullopt, std::vector<double>{2.0, 2.0})};
}

/// nn.LSTM / nn.GRU / nn.RNN(8, 16, ...) in training mode as the script's rnn() calls them.
enum class Rnn { Lstm, Gru, Tanh, Relu };
struct RnnSpec {
  Rnn kind;
  int64_t layers = 1, proj = 0;
  bool bidirectional = false, batch_first = false, bias = true, grad_x = true, grad_w = true, out_only = false;
  double dropout = 0;

  RnnSpec& numLayers(int64_t n) { layers = n; return *this; }
  RnnSpec& projSize(int64_t n) { proj = n; return *this; }
  RnnSpec& bidir() { bidirectional = true; return *this; }
  RnnSpec& batchFirst() { batch_first = true; return *this; }
  RnnSpec& noBias() { bias = false; return *this; }
  RnnSpec& dropoutP(double p) { dropout = p; return *this; }
  RnnSpec& xNoGrad() { grad_x = false; return *this; }
  RnnSpec& inference() { grad_x = grad_w = false; return *this; }
  RnnSpec& outOnly() { out_only = true; return *this; }
};
constexpr int64_t kSeq = 5, kBatch = 2, kSize = 8, kHidden = 16;

/// The module's forward: zero initial states of the input's dtype and device (nn.LSTM: h then c), then the op.
capture::TracedFn rnnFn(const RnnSpec& s) {
  return [s](const Tensors& t) {
    const at::Tensor& x = t[0];
    const std::vector<at::Tensor> w(t.begin() + 1, t.end());
    const int64_t states = s.layers * (s.bidirectional ? 2 : 1), batch = x.size(s.batch_first ? 0 : 1);
    const at::Tensor h0 = at::zeros({states, batch, s.proj > 0 ? s.proj : kHidden}, x.options());
    const bool train = true;
    switch (s.kind) {
      case Rnn::Lstm: {
        const at::Tensor c0 = at::zeros({states, batch, kHidden}, x.options());
        auto [out, h, c] = at::lstm(x, {h0, c0}, w, s.bias, s.layers, s.dropout, train, s.bidirectional, s.batch_first);
        return s.out_only ? Tensors{out} : Tensors{out, h, c};
      }
      case Rnn::Gru: {
        auto [out, h] = at::gru(x, h0, w, s.bias, s.layers, s.dropout, train, s.bidirectional, s.batch_first);
        return s.out_only ? Tensors{out} : Tensors{out, h};
      }
      case Rnn::Tanh: {
        auto [out, h] = at::rnn_tanh(x, h0, w, s.bias, s.layers, s.dropout, train, s.bidirectional, s.batch_first);
        return s.out_only ? Tensors{out} : Tensors{out, h};
      }
      case Rnn::Relu:
        break;
    }
    auto [out, h] = at::rnn_relu(x, h0, w, s.bias, s.layers, s.dropout, train, s.bidirectional, s.batch_first);
    return s.out_only ? Tensors{out} : Tensors{out, h};
  };
}

/// x, then the weights in named_parameters() order (per layer and direction: weight_ih, weight_hh, bias_ih,
/// bias_hh, weight_hr).
std::vector<Arg> rnnArgs(const RnnSpec& s) {
  const int64_t gates = s.kind == Rnn::Lstm ? 4 : s.kind == Rnn::Gru ? 3 : 1;
  const int64_t out_size = s.proj > 0 ? s.proj : kHidden, dirs = s.bidirectional ? 2 : 1;
  std::vector<Arg> args{{s.batch_first ? std::vector<int64_t>{kBatch, kSeq, kSize}
                                       : std::vector<int64_t>{kSeq, kBatch, kSize},
                         s.grad_x}};
  for (int64_t layer = 0; layer < s.layers; ++layer)
    for (int64_t d = 0; d < dirs; ++d) {
      args.push_back({{gates * kHidden, layer == 0 ? kSize : out_size * dirs}, s.grad_w});
      args.push_back({{gates * kHidden, out_size}, s.grad_w});
      if (s.bias) {
        args.push_back({{gates * kHidden}, s.grad_w});
        args.push_back({{gates * kHidden}, s.grad_w});
      }
      if (s.proj > 0) args.push_back({{s.proj, kHidden}, s.grad_w});
    }
  return args;
}

Case rnnCase(const char* name, const RnnSpec& s) {
  return {name, rnnFn(s), rnnArgs(s), at::kFloat, at::MemoryFormat::Contiguous, 1e-4, s.dropout == 0};
}

/// F.scaled_dot_product_attention(q, k, v, attn_mask, dropout_p, is_causal, scale) on the first three inputs.
capture::TracedFn sdpa(double dropout_p = 0.0, bool is_causal = false, std::optional<double> scale = std::nullopt) {
  return [=](const Tensors& t) {
    return Tensors{at::scaled_dot_product_attention(t[0], t[1], t[2], std::nullopt, dropout_p, is_causal, scale)};
  };
}
Tensors sdpaMask(const Tensors& t) { return {at::scaled_dot_product_attention(t[0], t[1], t[2], t[3])}; }

/// nn.MultiheadAttention(16, 4, batch_first=True).forward(x, x, x, need_weights=False) in training mode, as
/// F.multi_head_attention_forward computes it (_in_projection_packed, then scaled_dot_product_attention); inputs x,
/// in_proj_weight, in_proj_bias, out_proj.weight, out_proj.bias.
constexpr int64_t kEmbed = 16, kHeads = 4;
Tensors mha(const Tensors& t) {
  const at::Tensor x = t[0].transpose(1, 0);  // batch_first: (L, B, E)
  const int64_t tgt_len = x.size(0), bsz = x.size(1), head_dim = kEmbed / kHeads;
  const at::Tensor proj =
      at::linear(x, t[1], t[2]).unflatten(-1, {3, kEmbed}).unsqueeze(0).transpose(0, -2).squeeze(-2).contiguous();
  at::Tensor q = proj[0], k = proj[1], v = proj[2];
  q = q.view({tgt_len, bsz * kHeads, head_dim}).transpose(0, 1);
  k = k.view({k.size(0), bsz * kHeads, head_dim}).transpose(0, 1);
  v = v.view({v.size(0), bsz * kHeads, head_dim}).transpose(0, 1);
  const int64_t src_len = k.size(1);
  q = q.view({bsz, kHeads, tgt_len, head_dim});
  k = k.view({bsz, kHeads, src_len, head_dim});
  v = v.view({bsz, kHeads, src_len, head_dim});
  at::Tensor out = at::scaled_dot_product_attention(q, k, v, std::nullopt, 0.0, false);
  out = out.permute({2, 0, 1, 3}).contiguous().view({bsz * tgt_len, kEmbed});
  out = at::linear(out, t[3], t[4]);
  out = out.view({tgt_len, bsz, out.size(1)});
  return {out.transpose(1, 0)};
}

/// The same names, functions and inputs as tests/fidelity/torch211_decompositions.py (whose inputs come from one
/// seeded generator; the values do not change the graphs). F.interpolate calls the .vec overloads.
const std::vector<Case>& cases() {
  static const std::vector<Case> c = {
      {"mm4d", matmul, {grad({2, 4, 8, 16}), grad({2, 4, 16, 8})}},
      {"mm3d2d", matmul, {grad({2, 8, 16}), grad({16, 4})}},
      {"mm3d2d_nograd_w", matmul, {grad({2, 8, 16}), nograd({16, 4})}},
      {"mm3d2d_noncontig",
       [](const Tensors& t) { return Tensors{at::matmul(t[0].transpose(0, 1), t[1])}; },
       {nograd({8, 2, 16}), nograd({16, 4})}},
      {"mm2d3d", matmul, {grad({8, 16}), grad({2, 16, 4})}},
      {"mm1d3d", matmul, {grad({16}), grad({2, 16, 4})}},
      {"mm3d1d", matmul, {grad({2, 8, 16}), grad({16})}},
      {"mm3d3d_bcast", matmul, {grad({1, 8, 16}), grad({3, 16, 4})}},
      {"mm4d3d_bcast", matmul, {grad({2, 3, 8, 16}), grad({3, 16, 4})}},
      {"mm1d1d", matmul, {grad({16}), grad({16})}},
      {"mm2d1d", matmul, {grad({4, 16}), grad({16})}},
      {"mm1d2d", matmul, {grad({16}), grad({16, 4})}},
      {"linear3d_nobias",
       [](const Tensors& t) { return Tensors{at::linear(t[0], t[1])}; },
       {grad({2, 8, 16}), grad({4, 16})}},
      {"dropout_p0",
       [](const Tensors& t) { return Tensors{at::mul(at::dropout(t[0], 0.0, true), two())}; },
       {grad({4, 8})}},
      {"dropout_eval",
       [](const Tensors& t) { return Tensors{at::mul(at::dropout(t[0], 0.5, false), two())}; },
       {grad({4, 8})}},
      {"unsafe_chunk",
       [](const Tensors& t) {
         Tensors out;
         for (const auto& c : at::unsafe_chunk(t[0], 3, 1)) out.push_back(at::mul(c, two()));
         return out;
       },
       {grad({4, 8})}},
      {"up_nearest2d_scale", upsample2x, {grad({1, 3, 4, 5})}},
      {"up_nearest2d_size",
       [](const Tensors& t) {
         const std::vector<int64_t> size{7, 9};
         return Tensors{at::upsample_nearest2d(t[0], at::OptionalIntArrayRef(size), std::nullopt)};
       },
       {grad({1, 3, 4, 5})}},
      {"up_nearest_exact1d",
       [](const Tensors& t) {
         return Tensors{at::_upsample_nearest_exact1d(t[0], std::nullopt, std::vector<double>{1.5})};
       },
       {grad({1, 3, 4})}},
      {"up_nearest3d",
       [](const Tensors& t) {
         return Tensors{at::upsample_nearest3d(t[0], std::nullopt, std::vector<double>{2.0, 2.0, 2.0})};
       },
       {grad({1, 2, 3, 4, 5})}},
      {"up_channels_last", upsample2x, {grad({1, 3, 4, 5})}, at::kFloat, at::MemoryFormat::ChannelsLast},
      {"up_bf16", upsample2x, {grad({1, 3, 4, 5})}, at::kBFloat16, at::MemoryFormat::Contiguous, 1e-2},
      {"up_default2d",
       [](const Tensors& t) {
         return Tensors{at::upsample_nearest2d(t[0], {8, 10}, std::nullopt, std::nullopt)};
       },
       {grad({1, 3, 4, 5})}},
      {"up_default_exact3d",
       [](const Tensors& t) {
         return Tensors{at::_upsample_nearest_exact3d(t[0], {4, 6, 7}, 1.5, std::nullopt, std::nullopt)};
       },
       {grad({1, 2, 3, 4, 5})}},
      {"hardshrink", [](const Tensors& t) { return Tensors{at::hardshrink(t[0], 0.5)}; }, {grad({4, 8})}},
      {"softshrink", [](const Tensors& t) { return Tensors{at::softshrink(t[0], 0.5)}; }, {grad({4, 8})}},
      // Only the output sequence: PyTorch 2.11's graphs as they are. With the final states: 2.11 with the fix of
      // Note [LSTM final states].
      rnnCase("lstm_out_only", RnnSpec{Rnn::Lstm}.outOnly()),
      rnnCase("lstm_2layers_bidirectional_out_only", RnnSpec{Rnn::Lstm}.numLayers(2).bidir().outOnly()),
      rnnCase("lstm", RnnSpec{Rnn::Lstm}),
      rnnCase("lstm_2layers_batch_first", RnnSpec{Rnn::Lstm}.numLayers(2).batchFirst()),
      rnnCase("lstm_bidirectional", RnnSpec{Rnn::Lstm}.bidir()),
      rnnCase("lstm_2layers_bidirectional_batch_first", RnnSpec{Rnn::Lstm}.numLayers(2).bidir().batchFirst()),
      rnnCase("lstm_no_bias", RnnSpec{Rnn::Lstm}.noBias()),
      rnnCase("lstm_proj", RnnSpec{Rnn::Lstm}.numLayers(2).projSize(4)),
      rnnCase("lstm_dropout", RnnSpec{Rnn::Lstm}.numLayers(2).dropoutP(0.5)),
      // PyTorch's graph here is the one it traces with mkldnn disabled: Note [LSTM on the CPU].
      rnnCase("lstm_x_nograd", RnnSpec{Rnn::Lstm}.numLayers(2).xNoGrad()),
      rnnCase("lstm_inference", RnnSpec{Rnn::Lstm}.numLayers(2).inference()),
      rnnCase("lstm_inference_bidirectional_no_bias", RnnSpec{Rnn::Lstm}.bidir().noBias().inference()),
      rnnCase("gru", RnnSpec{Rnn::Gru}),
      rnnCase("gru_2layers_bidirectional_batch_first", RnnSpec{Rnn::Gru}.numLayers(2).bidir().batchFirst()),
      rnnCase("gru_x_nograd", RnnSpec{Rnn::Gru}.xNoGrad()),
      rnnCase("gru_no_bias", RnnSpec{Rnn::Gru}.noBias()),
      rnnCase("rnn_tanh", RnnSpec{Rnn::Tanh}.numLayers(2)),
      rnnCase("rnn_relu_bidirectional", RnnSpec{Rnn::Relu}.bidir().batchFirst()),
      // The CPU's scaled_dot_product_attention backend: Note [Attention on the trace device].
      {"sdpa", sdpa(), {grad({2, 3, 5, 8}), grad({2, 3, 5, 8}), grad({2, 3, 5, 8})}},
      {"sdpa_causal", sdpa(0.0, true), {grad({2, 3, 5, 8}), grad({2, 3, 5, 8}), grad({2, 3, 5, 8})}},
      {"sdpa_scale_cross", sdpa(0.0, false, 0.5), {grad({2, 3, 5, 8}), grad({2, 3, 7, 8}), grad({2, 3, 7, 8})}},
      {"sdpa_value_head_dim", sdpa(), {grad({2, 3, 5, 8}), grad({2, 3, 7, 8}), grad({2, 3, 7, 4})}},
      {"sdpa_mask", sdpaMask, {grad({2, 3, 5, 8}), grad({2, 3, 5, 8}), grad({2, 3, 5, 8}), nograd({5, 5})}},
      {"sdpa_bool_mask",
       [](const Tensors& t) { return Tensors{at::scaled_dot_product_attention(t[0], t[1], t[2], at::gt(t[3], 0))}; },
       {grad({2, 3, 5, 8}), grad({2, 3, 5, 8}), grad({2, 3, 5, 8}), nograd({5, 5})}},
      {"sdpa_mask_grad", sdpaMask, {grad({2, 3, 5, 8}), grad({2, 3, 5, 8}), grad({2, 3, 5, 8}), grad({5, 5})}},
      {"sdpa_heads_last",
       [](const Tensors& t) {
         return Tensors{at::scaled_dot_product_attention(t[0].transpose(1, 2), t[1].transpose(1, 2),
                                                         t[2].transpose(1, 2))
                            .transpose(1, 2)
                            .reshape({2, 5, 24})};
       },
       {grad({2, 5, 3, 8}), grad({2, 5, 3, 8}), grad({2, 5, 3, 8})}},
      {"sdpa_inference", sdpa(0.0, true), {nograd({2, 3, 5, 8}), nograd({2, 3, 5, 8}), nograd({2, 3, 5, 8})}},
      {"sdpa_dropout", sdpa(0.5), {grad({2, 3, 5, 8}), grad({2, 3, 5, 8}), grad({2, 3, 5, 8})}, at::kFloat,
       at::MemoryFormat::Contiguous, 1e-5, /*replay=*/false},
      {"mha", mha,
       {grad({2, 5, kEmbed}), grad({3 * kEmbed, kEmbed}), grad({3 * kEmbed}), grad({kEmbed, kEmbed}), grad({kEmbed})}},
  };
  return c;
}

std::vector<std::string> caseNames() {
  std::vector<std::string> names;
  for (const auto& c : cases()) names.push_back(c.name);
  return names;
}

const Case& caseNamed(const std::string& name) {
  for (const auto& c : cases())
    if (name == c.name) return c;
  throw std::out_of_range("no case " + name);
}

/// The call ops of `g` in graph order as torch.fx prints them, detach aside (as the script sets it aside).
Ops ourOps(const ir::Graph& g) {
  Ops ops;
  for (const auto& n : g.nodes)
    if (n.kind == ir::NodeKind::Call) {
      std::string op = testing::fxTarget(n);
      if (op != "aten.detach.default") ops.push_back(std::move(op));
    }
  return ops;
}

const nlohmann::json* pytorchResults(std::string* why) {
  return testing::pytorchReference("torch211_decompositions.py", why);
}

class PythonDecompositions : public ::testing::TestWithParam<std::string> {};

TEST_P(PythonDecompositions, MatchesPyTorch211) {
  std::string why;
  const nlohmann::json* py = pytorchResults(&why);
  ASSERT_NE(py, nullptr) << why;
  const Case& c = caseNamed(GetParam());
  ASSERT_TRUE(py->at("cases").contains(c.name)) << "torch211_decompositions.py has no case " << c.name;
  const Ops theirs = py->at("cases").at(c.name).get<Ops>();

  const std::vector<capture::InputDesc> inputs = c.inputs();
  capture::CaptureResult cap = capture::captureGraph(c.fn, inputs);
  EXPECT_EQ(ourOps(cap.graph), theirs) << c.name << " (ours, then PyTorch " << py->at("torch").get<std::string>()
                                       << "'s)";
  if (!c.replay) return;
  {
    SCOPED_TRACE("fake trace tensors");
    testing::expectReplayMatchesEager(c.fn, inputs, capture::TraceMode::Fake, c.tol);
  }
  {
    SCOPED_TRACE("real trace tensors");
    testing::expectReplayMatchesEager(c.fn, inputs, capture::TraceMode::Real, c.tol);
  }
}

INSTANTIATE_TEST_SUITE_P(Torch211, PythonDecompositions, ::testing::ValuesIn(caseNames()),
                         [](const ::testing::TestParamInfo<std::string>& info) { return info.param; });

/// Note [LSTM on the CPU]: for a training step whose data does not require grad, PyTorch 2.11 traces
/// mkldnn_rnn_layer and its backward (a graph its compiled function cannot run); aotviz does not.
TEST(PythonDecompositionsLstm, TrainingWithoutInputGradDeviatesFromPyTorchsMkldnnGraph) {
  std::string why;
  const nlohmann::json* py = pytorchResults(&why);
  ASSERT_NE(py, nullptr) << why;
  const Ops pytorch_mkldnn = py->at("lstm_x_nograd_with_mkldnn").get<Ops>();
  EXPECT_EQ(std::count(pytorch_mkldnn.begin(), pytorch_mkldnn.end(), "aten.mkldnn_rnn_layer_backward.default"), 2)
      << "PyTorch's mkldnn LSTM training graph changed; revisit Note [LSTM on the CPU]";
  const Case& c = caseNamed("lstm_x_nograd");
  ASSERT_TRUE(at::globalContext().userEnabledMkldnn());
  const Ops ours = ourOps(capture::captureGraph(c.fn, c.inputs()).graph);
  EXPECT_EQ(std::count(ours.begin(), ours.end(), "aten.mkldnn_rnn_layer.default"), 0);
  // The inference graph follows PyTorch's mkldnn path.
  const Ops inference = ourOps(capture::captureGraph(caseNamed("lstm_inference").fn,
                                                     caseNamed("lstm_inference").inputs()).graph);
  EXPECT_EQ(std::count(inference.begin(), inference.end(), "aten.mkldnn_rnn_layer.default"), 2);
}

/// Note [LSTM final states]: PyTorch 2.11's h_n and c_n have an extra dimension; aotviz's graph is 2.11's with the
/// upstream fix, which adds one unsqueeze per state to the backward.
TEST(PythonDecompositionsLstm, FinalStatesHaveEagersShapeUnlikePyTorch211s) {
  std::string why;
  const nlohmann::json* py = pytorchResults(&why);
  ASSERT_NE(py, nullptr) << why;
  const nlohmann::json& unfixed = py->at("lstm_without_fix");
  using Shapes = std::vector<std::vector<int64_t>>;
  EXPECT_EQ(unfixed.at("eager_shapes").get<Shapes>(), (Shapes{{5, 2, 16}, {1, 2, 16}, {1, 2, 16}}));
  EXPECT_EQ(unfixed.at("compiled_shapes").get<Shapes>(), (Shapes{{5, 2, 16}, {1, 1, 2, 16}, {1, 1, 2, 16}}))
      << "PyTorch's LSTM final states changed; revisit Note [LSTM final states]";
  const Case& c = caseNamed("lstm");
  capture::CaptureResult cap = capture::captureGraph(c.fn, c.inputs());
  // The graph's h_n and c_n (forward outputs 1 and 2) have eager's shape.
  const ir::Node* out = cap.graph.outputNode();
  ASSERT_NE(out, nullptr);
  ASSERT_GE(out->args.size(), 3u);
  for (size_t k : {1, 2}) EXPECT_EQ(cap.graph.value(out->args[k].value).meta.sizes, (std::vector<int64_t>{1, 2, 16}));
  Ops ours = ourOps(cap.graph), theirs = unfixed.at("ops").get<Ops>();
  std::multiset<std::string> extra(ours.begin(), ours.end());
  for (const std::string& op : theirs) {
    auto it = extra.find(op);
    ASSERT_NE(it, extra.end()) << op << " is in 2.11's graph but not in ours";
    extra.erase(it);
  }
  EXPECT_EQ(extra, (std::multiset<std::string>{"aten.unsqueeze.default", "aten.unsqueeze.default"}));
}

/// The packed-sequence overloads are not ported; they fail with a diagnostic, not deep inside the C++ kernel.
TEST(PythonDecompositionsLstm, PackedSequencesAreAClearError) {
  at::manual_seed(0);
  const std::vector<capture::InputDesc> inputs = {
      testing::input("data", at::randn({5, 8}), true), testing::input("w_ih", at::randn({64, 8}), true),
      testing::input("w_hh", at::randn({64, 16}), true)};
  const at::Tensor batch_sizes = at::tensor(std::vector<int64_t>{2, 2, 1});  // a PackedSequence's: CPU int64
  const capture::TracedFn fn = [batch_sizes](const Tensors& t) {
    const at::Tensor h0 = at::zeros({1, 2, 16}, t[0].options());
    auto [out, h, c] = at::lstm(t[0], batch_sizes, {h0, h0}, {t[1], t[2]}, false, 1, 0.0, true, false);
    return Tensors{out};
  };
  try {
    capture::captureGraph(fn, inputs);
    FAIL() << "expected an error";
  } catch (const AotError& e) {
    EXPECT_EQ(e.diagnostic().node, "aten::lstm.data");
    EXPECT_NE(std::string(e.what()).find("packed sequences"), std::string::npos) << e.what();
    EXPECT_FALSE(e.diagnostic().hint.empty());
  }
}

/// The script and this file have the same cases.
TEST(PythonDecompositionsCases, SameAsTheScript) {
  std::string why;
  const nlohmann::json* py = pytorchResults(&why);
  ASSERT_NE(py, nullptr) << why;
  std::set<std::string> theirs;
  for (const auto& [name, ops] : py->at("cases").items()) theirs.insert(name);
  const std::vector<std::string> names = caseNames();
  EXPECT_EQ(std::set<std::string>(names.begin(), names.end()), theirs);
}

}  // namespace
}  // namespace aotviz
