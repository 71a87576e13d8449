// tests/core/test_python_decompositions.cpp — the Python-dispatcher decompositions of
// core/capture/python_decompositions.h against PyTorch 2.11 run live: tests/fidelity/torch211_decompositions.py
// traces each case with aot_function, and this test captures the same function on the same inputs with aotviz and
// expects the same ops in the same order (joint graph, or inference graph where no input requires grad; getitem
// and detach aside), then replays the captured graph against eager autograd (fake and real trace modes).
#include <ATen/Context.h>
#include <ATen/ops/_upsample_nearest_exact1d.h>
#include <ATen/ops/_upsample_nearest_exact3d.h>
#include <ATen/ops/dropout.h>
#include <ATen/ops/hardshrink.h>
#include <ATen/ops/linear.h>
#include <ATen/ops/matmul.h>
#include <ATen/ops/mul.h>
#include <ATen/ops/randn.h>
#include <ATen/ops/softshrink.h>
#include <ATen/ops/unsafe_chunk.h>
#include <ATen/ops/upsample_nearest2d.h>
#include <ATen/ops/upsample_nearest3d.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
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
