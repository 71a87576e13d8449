// tests/core/test_aliasing.cpp — input mutation and aliasing scenarios ported from PyTorch's
// test/functorch/test_aotdispatch.py (test names kept). Each asserts the metadata (ViewAndMutationMeta), the graph's
// inputs and outputs — for the forward graph, by name, against the graph PyTorch's test expects from the default
// partitioner — and, where the graph takes the user's inputs, that replaying it equals eager PyTorch (outputs,
// gradients, input values after the call).
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <functional>

#include "core/capture/capture.h"
#include "core/metadata/records.h"
#include "core/metadata/view_and_mutation_meta.h"
#include "core/partition/partition.h"
#include "core/util/diagnostic.h"
#include "tests/core/capture_testing.h"

namespace aotviz {
namespace {

using testing::expectReplayMatchesEager;
using Tensors = std::vector<at::Tensor>;
using meta::MutationType;
using meta::OutputType;

at::Tensor py(int64_t v) { return capture::wrappedNumber(v); }

using testing::in;

capture::CaptureOptions options(bool keep = false, bool grad = true) {
  capture::CaptureOptions o;
  o.keep_input_mutations = keep;
  o.grad_enabled = grad;
  return o;
}

/// The forward graph the default partitioner makes (the graph PyTorch's tests read from fw_compiler), or the
/// captured graph when it is forward-only.
ir::Graph forwardGraph(const capture::CaptureResult& cap) {
  if (!cap.is_joint) return cap.graph;
  partition::Options o;
  o.partitioner = partition::Partitioner::Default;
  return partition::partitionJoint(cap.graph, cap.numForwardOutputs(), {}, o).forward;
}

/// Names of a graph's outputs ("None" for None), FX-style: what `return [...]` lists in PyTorch's expected code.
std::vector<std::string> returns(const ir::Graph& g) {
  std::vector<std::string> r;
  for (const ir::Arg& a : g.outputNode()->args)
    r.push_back(a.kind == ir::Arg::Kind::Value ? g.value(a.value).name : "None");
  return r;
}

/// Call ops of a graph without the "aten::" prefix, "mul.Tensor" style.
std::vector<std::string> ops(const ir::Graph& g) {
  std::vector<std::string> r;
  for (const std::string& op : testing::callOps(g)) r.push_back(op.substr(op.find("::") + 2));
  return r;
}

std::vector<std::string> placeholderNames(const ir::Graph& g) {
  std::vector<std::string> r;
  for (ir::NodeId id : g.placeholders()) r.push_back(g.node(id).name);
  return r;
}

std::vector<OutputType> outputTypes(const meta::ViewAndMutationMeta& m) {
  std::vector<OutputType> r;
  for (const auto& o : m.output_info) r.push_back(o.output_type);
  return r;
}

std::vector<int> baseIdx(const meta::ViewAndMutationMeta& m) {
  std::vector<int> r;
  for (const auto& o : m.output_info) r.push_back(o.base_idx);
  return r;
}

std::vector<MutationType> mutationTypes(const meta::ViewAndMutationMeta& m) {
  std::vector<MutationType> r;
  for (const auto& i : m.input_info) r.push_back(i.mutation_type);
  return r;
}

using S = std::vector<std::string>;
constexpr auto kNot = MutationType::NotMutated;
constexpr auto kOut = MutationType::MutatedOutGraph;
constexpr auto kIn = MutationType::MutatedInGraph;

// ---------------------------------------------------------------------------------------------- input mutations

TEST(Aliasing, test_input_mutation_simple) {
  auto f = [](const Tensors& a) {
    a[0].mul_(py(int64_t{2}));
    return Tensors{a[0] * py(int64_t{3})};
  };

  std::vector<capture::InputDesc> inputs{in(at::ones({3, 3}), true, false)};
  auto cap = capture::captureGraph(f, inputs, options());
  ASSERT_TRUE(cap.is_joint);
  const auto& i0 = cap.meta.input_info[0];
  EXPECT_TRUE(i0.mutates_data);
  EXPECT_FALSE(i0.mutates_metadata);
  EXPECT_TRUE(i0.requires_grad);
  EXPECT_FALSE(i0.is_leaf);
  EXPECT_EQ(i0.mutation_type, kOut);
  ASSERT_EQ(i0.mutations.size(), 1u);
  EXPECT_EQ(i0.mutations[0].op, "aten::mul_.Tensor");
  EXPECT_EQ(outputTypes(cap.meta), std::vector<OutputType>{OutputType::NonAlias});
  EXPECT_EQ(cap.meta.tangentMask(), (std::vector<bool>{true, true}));
  ir::Graph fw = forwardGraph(cap);
  EXPECT_EQ(placeholderNames(fw), S{"primals_1"});
  EXPECT_EQ(ops(fw), (S{"clone", "mul.Tensor", "mul.Tensor"}));
  EXPECT_EQ(returns(fw), (S{"mul", "mul_1"}));
  expectReplayMatchesEager(f, inputs, options());
  // Without grad: an inference graph that returns the new value too.
  std::vector<capture::InputDesc> plain{in(at::ones({3, 3}))};
  auto inf = capture::captureGraph(f, plain, options());
  EXPECT_FALSE(inf.is_joint);
  EXPECT_EQ(placeholderNames(inf.graph), S{"arg0_1"});
  EXPECT_EQ(ops(inf.graph), (S{"mul.Tensor", "mul.Tensor"}));
  EXPECT_EQ(returns(inf.graph), (S{"mul", "mul_1"}));
  expectReplayMatchesEager(f, plain, options());
}

TEST(Aliasing, test_input_mutation_is_output) {
  auto f = [](const Tensors& a) {
    a[0].mul_(py(int64_t{2}));
    return Tensors{a[0]};
  };
  std::vector<capture::InputDesc> inputs{in(at::ones({3, 3}), true, false)};
  auto cap = capture::captureGraph(f, inputs, options());
  EXPECT_EQ(outputTypes(cap.meta), std::vector<OutputType>{OutputType::IsInput});
  EXPECT_EQ(baseIdx(cap.meta), std::vector<int>{0});
  ir::Graph fw = forwardGraph(cap);
  EXPECT_EQ(ops(fw), (S{"clone", "mul.Tensor"}));
  EXPECT_EQ(returns(fw), (S{"mul", "mul"}));
  EXPECT_EQ(cap.num_tangents, 1u);  // the mutated input; an output that is an input gets none
  expectReplayMatchesEager(f, inputs, options());
}

TEST(Aliasing, test_input_mutation_multiple) {
  auto f = [](const Tensors& a) {
    a[0].mul_(py(int64_t{2}));
    a[2].mul_(py(int64_t{2}));
    return Tensors{a[0] + a[1] + a[2]};
  };
  std::vector<capture::InputDesc> inputs{in(at::ones({3, 3}), true, false), in(at::ones({3, 3}), true, false),
                                         in(at::ones({3, 3}), true, false)};
  auto cap = capture::captureGraph(f, inputs, options());
  EXPECT_EQ(mutationTypes(cap.meta), (std::vector<MutationType>{kOut, kNot, kOut}));
  EXPECT_EQ(cap.mutated_inputs, (std::vector<size_t>{0, 2}));
  ir::Graph fw = forwardGraph(cap);
  EXPECT_EQ(ops(fw), (S{"clone", "clone", "mul.Tensor", "mul.Tensor", "add.Tensor", "add.Tensor"}));
  EXPECT_EQ(returns(fw), (S{"mul", "mul_1", "add_1"}));
  expectReplayMatchesEager(f, inputs, options());
}

TEST(Aliasing, test_input_mutation_metadata) {
  auto f = [](const Tensors& a) {
    a[0].transpose_(1, 0);
    return Tensors{a[0] + a[1]};
  };
  std::vector<capture::InputDesc> inputs{in(at::randn({3, 3}), true, false), in(at::randn({3, 3}), true, false)};
  auto cap = capture::captureGraph(f, inputs, options(true));
  const auto& i0 = cap.meta.input_info[0];
  EXPECT_FALSE(i0.mutates_data);
  EXPECT_TRUE(i0.mutates_metadata);
  EXPECT_EQ(i0.mutation_type, kOut);  // metadata mutations are never kept in the graph
  ASSERT_EQ(i0.mutations.size(), 1u);
  EXPECT_TRUE(i0.mutations[0].metadata_only);
  EXPECT_EQ(cap.meta.tangentMask(), (std::vector<bool>{false, true}));  // no tangent for a metadata mutation
  expectReplayMatchesEager(f, inputs, options());
}

TEST(Aliasing, test_input_mutation_metadata2) {
  auto f = [](const Tensors& a) {
    a[0].transpose_(1, 0);
    a[0].mul_(py(int64_t{2}));
    return Tensors{a[0] + py(int64_t{1})};
  };
  for (bool rg : {true, false}) {
    std::vector<capture::InputDesc> inputs{in(at::randn({3, 3}), rg, false)};
    auto cap = capture::captureGraph(f, inputs, options(true));
    const auto& i0 = cap.meta.input_info[0];
    EXPECT_TRUE(i0.mutates_data && i0.mutates_metadata);
    EXPECT_EQ(i0.mutation_type, kOut);  // data and metadata: out of the graph even with keep_input_mutations
    expectReplayMatchesEager(f, inputs, options(true));
  }
}

TEST(Aliasing, test_input_mutation_requires_grad_detach) {
  auto f = [](const Tensors& a) {
    a[0].detach().mul_(py(int64_t{2}));
    return Tensors{a[0] + py(int64_t{3})};
  };
  for (bool leaf : {true, false}) {
    std::vector<capture::InputDesc> inputs{in(at::ones({4}), true, leaf)};
    auto cap = capture::captureGraph(f, inputs, options(true));
    EXPECT_TRUE(cap.meta.input_info[0].mutates_data);
    EXPECT_EQ(cap.meta.input_info[0].mutation_type, kOut);  // requires grad, mutated with grad enabled
    expectReplayMatchesEager(f, inputs, options(true));
  }
}

TEST(Aliasing, test_input_mutation_requires_grad_no_grad) {
  auto f = [](const Tensors& a) {
    {
      at::NoGradGuard no_grad;
      a[0].mul_(py(int64_t{2}));
    }
    return Tensors{a[0] + py(int64_t{3})};
  };
  std::vector<capture::InputDesc> inputs{in(at::ones({4}), true)};
  auto cap = capture::captureGraph(f, inputs, options(true));
  const auto& i0 = cap.meta.input_info[0];
  EXPECT_TRUE(i0.mutations_under_no_grad_or_inference_mode);
  EXPECT_EQ(i0.mutation_type, kIn);
  ASSERT_TRUE(cap.is_joint);
  ir::Graph fw = forwardGraph(cap);
  // PyTorch: mul = primals_1 * 2; add = mul + 3; copy_(primals_1, mul); return (add,)
  EXPECT_EQ(ops(fw), (S{"mul.Tensor", "add.Tensor", "copy_"}));
  EXPECT_EQ(returns(fw), S{"add"});
  expectReplayMatchesEager(f, inputs, options(true));
  // Without keep_input_mutations the new value is a forward output instead.
  auto out = capture::captureGraph(f, inputs, options(false));
  EXPECT_EQ(out.meta.input_info[0].mutation_type, kOut);
  EXPECT_EQ(returns(forwardGraph(out)), (S{"mul", "add"}));
}

TEST(Aliasing, test_input_mutation_requires_grad_no_grad_detach_mixed) {
  auto f = [](const Tensors& a) {
    a[0].detach().mul_(py(int64_t{2}));
    a[0].mul_(py(int64_t{3}));
    {
      at::NoGradGuard no_grad;
      a[0].mul_(py(int64_t{4}));
    }
    return Tensors{a[0] + py(int64_t{5})};
  };
  std::vector<capture::InputDesc> inputs{in(at::ones({4}), true, false)};
  auto cap = capture::captureGraph(f, inputs, options(true));
  const auto& i0 = cap.meta.input_info[0];
  EXPECT_EQ(i0.mutations.size(), 3u);
  EXPECT_FALSE(i0.mutations_under_no_grad_or_inference_mode);  // only one of three was under no_grad
  EXPECT_EQ(i0.mutation_type, kOut);
  expectReplayMatchesEager(f, inputs, options(true));
}

TEST(Aliasing, test_new_inp_requires_grad_now) {
  auto f = [](const Tensors& a) { return Tensors{a[0].add_(a[1])}; };
  std::vector<capture::InputDesc> inputs{in(at::ones({3, 3})), in(at::ones({3, 3}), true)};
  auto cap = capture::captureGraph(f, inputs, options(true));
  const auto& i0 = cap.meta.input_info[0];
  EXPECT_TRUE(i0.requires_grad);  // after the in-place add of a tensor that requires grad
  EXPECT_EQ(i0.mutation_type, kOut);
  ASSERT_TRUE(cap.is_joint);
  partition::Options o;
  o.partitioner = partition::Partitioner::Default;
  auto part = partition::partitionJoint(cap.graph, cap.numForwardOutputs(), {}, o);
  EXPECT_EQ(ops(part.forward), (S{"clone", "add.Tensor"}));
  EXPECT_EQ(returns(part.forward), (S{"add", "add"}));
  EXPECT_EQ(returns(part.backward), (S{"None", "tangents_1"}));
}

TEST(Aliasing, test_input_inplace_requires_grad_true) {
  auto f = [](const Tensors& a) {
    a[0].requires_grad_(true);
    return Tensors{a[0].mul(py(int64_t{3})), a[1].mul(py(int64_t{4}))};
  };
  std::vector<capture::InputDesc> inputs{in(at::ones({3, 3})), in(at::ones({3, 3}), true)};
  auto cap = capture::captureGraph(f, inputs, options());
  EXPECT_TRUE(cap.meta.input_info[0].requires_grad);
  EXPECT_EQ(cap.meta.input_info[0].mutation_type, kNot);
  ir::Graph fw = forwardGraph(cap);
  EXPECT_EQ(returns(fw), (S{"mul", "mul_1"}));
  // Both primals get a gradient: the first requires grad once the model ran.
  const ir::Node* out = cap.graph.outputNode();
  EXPECT_EQ(out->args[2].kind, ir::Arg::Kind::Value);
  EXPECT_EQ(out->args[3].kind, ir::Arg::Kind::Value);
}

TEST(Aliasing, test_buffer_copied_in_graph) {
  // A module with parameters w1, w2 and a buffer it increments (aot_module order: params, buffers, inputs).
  auto f = [](const Tensors& a) {
    const at::Tensor &w1 = a[0], &w2 = a[1], &buf = a[2], &x = a[3];
    buf.add_(py(int64_t{1}));
    return Tensors{(w1 * x * w2).sum() + buf.sum()};
  };
  std::vector<capture::InputDesc> inputs{in(at::zeros({1}), true), in(at::zeros({1}), true), in(at::zeros({1})),
                                         in(at::ones({1}), true)};
  auto cap = capture::captureGraph(f, inputs, options(true));
  EXPECT_EQ(mutationTypes(cap.meta), (std::vector<MutationType>{kNot, kNot, kIn, kNot}));
  ir::Graph fw = forwardGraph(cap);
  EXPECT_EQ(returns(fw), (S{"add_1", "primals_1", "primals_2", "primals_4", "mul"}));
  bool copies_buffer = false;
  for (const auto& n : fw.nodes)
    if (n.op == "aten::copy_") copies_buffer = fw.node(fw.value(n.args[0].value).producer).name == "primals_3";
  EXPECT_TRUE(copies_buffer);
  expectReplayMatchesEager(f, inputs, options(true));
}

TEST(Aliasing, test_input_mutation_no_grad_input_kept_in_graph) {
  // An input that does not require grad, mutated with keep_input_mutations: copy_ at the end, not an output.
  auto f = [](const Tensors& a) {
    a[1].mul_(py(int64_t{2}));
    return Tensors{a[0] * a[1]};
  };
  std::vector<capture::InputDesc> inputs{in(at::randn({3}), true), in(at::randn({3}))};
  auto cap = capture::captureGraph(f, inputs, options(true));
  EXPECT_EQ(mutationTypes(cap.meta), (std::vector<MutationType>{kNot, kIn}));
  EXPECT_TRUE(cap.mutated_inputs.empty());
  EXPECT_EQ(cap.numForwardOutputs(), 1u);
  expectReplayMatchesEager(f, inputs, options(true));
}

TEST(Aliasing, batch_norm_running_stats_are_buffer_mutations) {
  // nn.BatchNorm1d: input, weight, bias, running_mean, running_var (Note [BatchNorm running statistics]).
  auto train = [](const Tensors& a) {
    return Tensors{at::batch_norm(a[0], a[1], a[2], a[3], a[4], true, 0.1, 1e-5, false)};
  };
  std::vector<capture::InputDesc> inputs{in(at::randn({8, 4}), true), in(at::rand({4}) + 0.5, true),
                                         in(at::randn({4}), true), in(at::randn({4})), in(at::rand({4}) + 0.5)};
  auto cap = capture::captureGraph(train, inputs, options());
  ASSERT_TRUE(cap.is_joint);
  EXPECT_EQ(mutationTypes(cap.meta), (std::vector<MutationType>{kNot, kNot, kNot, kOut, kOut}));
  for (size_t b : {3, 4}) {
    const auto& info = cap.meta.input_info[b];
    EXPECT_TRUE(info.mutates_data);
    EXPECT_FALSE(info.mutates_metadata);
    EXPECT_FALSE(info.mutations_under_no_grad_or_inference_mode);
    ASSERT_EQ(info.mutations.size(), 1u);
    EXPECT_EQ(info.mutations[0].op, "aten::_native_batch_norm_legit");  // as AOTAutograd decomposes it
  }
  EXPECT_EQ(cap.mutated_inputs, (std::vector<size_t>{3, 4}));
  // The buffers do not require grad: their new values are forward outputs without tangents.
  EXPECT_EQ(cap.meta.tangentMask(), (std::vector<bool>{false, false, true}));
  expectReplayMatchesEager(train, inputs, options());
  // Kept in the graph: the new values are written by copy_ at the end of the forward.
  auto kept = capture::captureGraph(train, inputs, options(true));
  EXPECT_EQ(mutationTypes(kept.meta), (std::vector<MutationType>{kNot, kNot, kNot, kIn, kIn}));
  EXPECT_TRUE(kept.mutated_inputs.empty());
  expectReplayMatchesEager(train, inputs, options(true));
  // Under no_grad: an inference graph whose buffer mutations happened under no_grad.
  auto inf = capture::captureGraph(train, inputs, options(false, false));
  EXPECT_FALSE(inf.is_joint);
  EXPECT_TRUE(inf.meta.input_info[3].mutations_under_no_grad_or_inference_mode);
  expectReplayMatchesEager(train, inputs, options(false, false));
  // Evaluation mode reads the running statistics and writes nothing.
  auto eval = [](const Tensors& a) {
    return Tensors{at::batch_norm(a[0], a[1], a[2], a[3], a[4], false, 0.1, 1e-5, false)};
  };
  auto ev = capture::captureGraph(eval, inputs, options());
  EXPECT_EQ(mutationTypes(ev.meta), (std::vector<MutationType>(5, kNot)));
  expectReplayMatchesEager(eval, inputs, options());
}

// ---------------------------------------------------------------------------------------------- outputs aliasing inputs

TEST(Aliasing, test_input_output_view_simple) {
  auto f = [](const Tensors& a) { return Tensors{a[0].view({-1})}; };
  std::vector<capture::InputDesc> inputs{in(at::ones({2, 2}), true, false)};
  auto cap = capture::captureGraph(f, inputs, options());
  EXPECT_EQ(outputTypes(cap.meta), std::vector<OutputType>{OutputType::AliasOfInput});
  EXPECT_EQ(baseIdx(cap.meta), std::vector<int>{0});
  // The only output aliases an input that requires grad: the runtime regenerates it, so nothing needs a backward.
  EXPECT_FALSE(cap.is_joint);
  EXPECT_EQ(ops(cap.graph), S{"view"});
  EXPECT_EQ(returns(cap.graph), S{"view"});
}

// PyTorch's inputs here are three separate tensors, torch.ones(2, 2, requires_grad=req_grad).add(1): non-leaves
// with nothing in common (nothing is aliased, so there is no synthetic base).
TEST(Aliasing, test_input_output_view_mutate_multiple) {
  auto f = [](const Tensors& a) {
    a[0].mul_(py(int64_t{2}));
    a[2].mul_(py(int64_t{3}));
    return Tensors{a[1].view({2, 2}), a[2].view({2, 2})};
  };
  std::vector<capture::InputDesc> inputs{in(at::ones({2, 2}) + 1, true, false), in(at::ones({2, 2}) + 1, true, false),
                                         in(at::ones({2, 2}) + 1, true, false)};
  auto cap = capture::captureGraph(f, inputs, options());
  ASSERT_TRUE(cap.is_joint);
  EXPECT_FALSE(cap.synthetic_base.applied);
  // PyTorch 2.11's ViewAndMutationMeta: a and c mutated out of the graph, b untouched; both outputs alias inputs.
  const auto& m = cap.meta;
  EXPECT_EQ(mutationTypes(m), (std::vector<MutationType>{kOut, kNot, kOut}));
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(m.input_info[i].mutates_data, i != 1) << i;
    EXPECT_FALSE(m.input_info[i].mutates_metadata) << i;
    EXPECT_TRUE(m.input_info[i].requires_grad) << i;
    EXPECT_FALSE(m.input_info[i].is_leaf) << i;
  }
  EXPECT_TRUE(m.input_info[1].mutations_hidden_from_autograd);  // vacuously: b has no mutations (PyTorch: True)
  EXPECT_EQ(outputTypes(m), (std::vector<OutputType>{OutputType::AliasOfInput, OutputType::AliasOfInput}));
  EXPECT_EQ(baseIdx(m), (std::vector<int>{1, 2}));
  EXPECT_TRUE(m.output_info[0].requires_grad && m.output_info[1].requires_grad);
  EXPECT_EQ(m.numTangents(), 2u);  // PyTorch's traced_tangents: the new a and c; aliased outputs get none
  partition::Options o;
  o.partitioner = partition::Partitioner::Default;
  auto part = partition::partitionJoint(cap.graph, cap.numForwardOutputs(), {}, o);
  // PyTorch: clone = clone(primals_1); clone_1 = clone(primals_3); mul = clone * 2; mul_1 = clone_1 * 3;
  // view = view(primals_2); view_2 = view(mul_1); return (mul, mul_1, view, view_2).
  EXPECT_EQ(placeholderNames(part.forward), (S{"primals_1", "primals_2", "primals_3"}));
  EXPECT_EQ(ops(part.forward), (S{"clone", "clone", "mul.Tensor", "mul.Tensor", "view", "view"}));
  EXPECT_EQ(returns(part.forward).size(), 4u);
  EXPECT_EQ(returns(part.forward)[0], "mul");
  EXPECT_EQ(returns(part.forward)[1], "mul_1");
  // PyTorch's backward: mul_2 = tangents_2 * 3; mul_3 = tangents_1 * 2; return (mul_3, None, mul_2).
  EXPECT_EQ(placeholderNames(part.backward), (S{"tangents_1", "tangents_2"}));
  EXPECT_EQ(ops(part.backward), (S{"mul.Tensor", "mul.Tensor"}));
  EXPECT_EQ(returns(part.backward), (S{"mul_3", "None", "mul_2"}));
  expectReplayMatchesEager(f, inputs, options());

  // Gradients of the outputs alone (what PyTorch's outs_and_grads and aotviz's execution stage take): eager
  // autograd never reaches a's leaf (no output depends on a), but the compiled function has one backward node for
  // all its returns, and its gradient for primals_1 is tangents_1 * 2 with tangents_1 materialized as zeros. The
  // compiled side therefore gives a defined, all-zero gradient where eager gives none, as PyTorch 2.11's
  // CompiledFunction does (measured with aot_function and nop compilers: eager [None, 1, 3], compiled [0, 1, 3]
  // for out.sum() of each output). The other gradients are equal.
  for (auto p : {partition::Partitioner::MinCut, partition::Partitioner::Default}) {
    runtime::CompiledFunction compiled = testing::compileForCpu(cap, p);
    auto grads = [&](bool use_compiled) {
      Tensors leaves, args;
      for (int k = 0; k < 3; ++k) {
        leaves.push_back((at::ones({2, 2}) + 1).requires_grad_(true));
        args.push_back(leaves.back().clone());
      }
      Tensors out = use_compiled ? compiled(args) : f(args);
      return torch::autograd::grad({out[0].sum(), out[1].sum()}, leaves, {}, false, false, /*allow_unused=*/true);
    };
    Tensors ge = grads(false), gc = grads(true);
    const std::string label = partition::partitionerName(p);
    EXPECT_FALSE(ge[0].defined()) << label;
    ASSERT_TRUE(gc[0].defined()) << label;
    EXPECT_TRUE(at::equal(gc[0], at::zeros({2, 2}))) << label;
    for (size_t i : {1, 2}) {
      ASSERT_TRUE(ge[i].defined() && gc[i].defined()) << label << " " << i;
      EXPECT_TRUE(at::equal(ge[i], gc[i])) << label << " " << i;
    }
    EXPECT_TRUE(at::equal(ge[2], at::full({2, 2}, 3.0))) << label;
  }

  // req_grad=False: PyTorch's inference graph returns the new a and c, then the two views.
  std::vector<capture::InputDesc> plain{in(at::ones({2, 2}) + 1), in(at::ones({2, 2}) + 1), in(at::ones({2, 2}) + 1)};
  auto inf = capture::captureGraph(f, plain, options());
  EXPECT_FALSE(inf.is_joint);
  EXPECT_EQ(placeholderNames(inf.graph), (S{"arg0_1", "arg1_1", "arg2_1"}));
  EXPECT_EQ(ops(inf.graph), (S{"mul.Tensor", "mul.Tensor", "view", "view"}));
  EXPECT_EQ(returns(inf.graph).size(), 4u);  // PyTorch: (mul, mul_1, view, view_2)
  EXPECT_EQ(returns(inf.graph)[0], "mul");
  EXPECT_EQ(returns(inf.graph)[1], "mul_1");
  expectReplayMatchesEager(f, plain, options());
  // keep_input_mutations: the new a and c are written by copy_ in the graph, which returns the views only.
  auto kept = capture::captureGraph(f, plain, options(true));
  EXPECT_EQ(mutationTypes(kept.meta), (std::vector<MutationType>{kIn, kNot, kIn}));
  EXPECT_EQ(returns(kept.graph).size(), 2u);  // PyTorch: (view, view_2)
  expectReplayMatchesEager(f, plain, options(true));
}

TEST(Aliasing, test_input_output_view_metadata_mutate_multiple) {
  auto f = [](const Tensors& a) {
    a[1].mul_(py(int64_t{3}));
    a[2].t_();
    return Tensors{a[0].view({2, 2}), a[1].view({2, 2}), a[2].view({2, 2})};
  };
  std::vector<capture::InputDesc> inputs{in(at::randn({2, 2}), true, false), in(at::randn({2, 2}), true, false),
                                         in(at::randn({2, 2}), true, false)};
  auto cap = capture::captureGraph(f, inputs, options());
  const auto& m = cap.meta;
  EXPECT_TRUE(m.input_info[1].mutates_data && !m.input_info[1].mutates_metadata);
  EXPECT_TRUE(!m.input_info[2].mutates_data && m.input_info[2].mutates_metadata);
  EXPECT_EQ(cap.mutated_inputs, (std::vector<size_t>{1, 2}));
  EXPECT_EQ(baseIdx(m), (std::vector<int>{0, 1, 2}));
  ir::Graph fw = forwardGraph(cap);
  // PyTorch: [mul, t, view_1, view_4, view_3]: b's new value, c's new metadata, then the three aliases.
  ASSERT_EQ(returns(fw).size(), 5u);
  EXPECT_EQ(returns(fw)[0], "mul");
  EXPECT_EQ(returns(fw)[1], "t");
  EXPECT_EQ(ops(fw).front(), "clone");
  expectReplayMatchesEager(f, inputs, options());
}

TEST(Aliasing, test_input_mutation_and_output_view) {
  auto f = [](const Tensors& a) {
    a[0].add_(py(int64_t{1}));
    return Tensors{a[0].view({-1})};
  };
  std::vector<capture::InputDesc> inputs{in(at::ones({2, 2}), true, false)};
  auto cap = capture::captureGraph(f, inputs, options());
  EXPECT_EQ(outputTypes(cap.meta), std::vector<OutputType>{OutputType::AliasOfInput});
  ir::Graph fw = forwardGraph(cap);
  EXPECT_EQ(ops(fw), (S{"clone", "add.Tensor", "view"}));
  EXPECT_EQ(returns(fw).size(), 2u);  // PyTorch: [add, view_1]
  EXPECT_EQ(returns(fw)[0], "add");
  expectReplayMatchesEager(f, inputs, options());
}

TEST(Aliasing, test_input_mutation_output_view_multiple) {
  auto f = [](const Tensors& a) {
    a[1].transpose_(1, 0);
    a[2].add_(py(int64_t{1}));
    return Tensors{a[3] + py(int64_t{1}), a[1].diagonal(), a[0] + a[2]};
  };
  std::vector<capture::InputDesc> inputs;
  for (int k = 0; k < 4; ++k) inputs.push_back(in(at::randn({2, 2}), true, false));
  auto cap = capture::captureGraph(f, inputs, options());
  EXPECT_EQ(outputTypes(cap.meta),
            (std::vector<OutputType>{OutputType::NonAlias, OutputType::AliasOfInput, OutputType::NonAlias}));
  ir::Graph fw = forwardGraph(cap);
  EXPECT_EQ(returns(fw), (S{"transpose", "add", "add_1", "diagonal", "add_2"}));
  expectReplayMatchesEager(f, inputs, options());
}

TEST(Aliasing, test_view_and_inplace_view) {
  auto f = [](const Tensors& a) {
    a[0].t_();
    return Tensors{a[1].view(a[1].sizes()), a[0].view(a[0].sizes())};
  };
  std::vector<capture::InputDesc> inputs{in(at::randn({3, 3}), true, false), in(at::randn({3, 3}), true, false)};
  auto cap = capture::captureGraph(f, inputs, options());
  // Every output aliases an input, the only mutation is metadata: an inference graph although inputs require grad.
  EXPECT_FALSE(cap.meta.is_train);
  EXPECT_EQ(placeholderNames(cap.graph), (S{"arg0_1", "arg1_1"}));
  EXPECT_EQ(outputTypes(cap.meta), (std::vector<OutputType>{OutputType::AliasOfInput, OutputType::AliasOfInput}));
  EXPECT_EQ(baseIdx(cap.meta), (std::vector<int>{1, 0}));
  EXPECT_EQ(returns(cap.graph).size(), 3u);  // PyTorch: [t, view_1, view_2]
  EXPECT_EQ(returns(cap.graph)[0], "t");
}

TEST(Aliasing, test_view_detach) {
  auto f = [](const Tensors& a) {
    at::Tensor tmp = a[0].detach();
    a[0].mul_(py(int64_t{2}));
    return Tensors{a[0], tmp};
  };
  for (bool rg : {true, false}) {
    std::vector<capture::InputDesc> inputs{in(at::randn({3, 3}), rg, false)};
    auto cap = capture::captureGraph(f, inputs, options());
    EXPECT_EQ(outputTypes(cap.meta), (std::vector<OutputType>{OutputType::IsInput, OutputType::AliasOfInput}));
    EXPECT_EQ(baseIdx(cap.meta), (std::vector<int>{0, 0}));
    expectReplayMatchesEager(f, inputs, options());
  }
}

TEST(Aliasing, test_output_aliases_input_multi_output_view) {
  auto f = [](const Tensors& a) { return a[0].unbind(0); };
  std::vector<capture::InputDesc> inputs{in(at::randn({3, 3}), true, false)};
  auto cap = capture::captureGraph(f, inputs, options());
  // All outputs on the input's storage come from one multi-output view with a grad_fn: treated as non-aliased.
  EXPECT_EQ(outputTypes(cap.meta), std::vector<OutputType>(3, OutputType::NonAlias));
  EXPECT_TRUE(cap.is_joint);
  EXPECT_EQ(cap.num_tangents, 3u);
  expectReplayMatchesEager(f, inputs, options());
}

TEST(Aliasing, test_output_aliases_input_multi_output_view_mixed) {
  // One output is a plain view: the multi-output views now alias an input the runtime must regenerate.
  auto f = [](const Tensors& a) {
    Tensors r = a[0].unbind(0);
    r.push_back(a[0].view({-1}));
    return r;
  };
  std::vector<capture::InputDesc> inputs{in(at::randn({2, 3}), true, false)};
  auto cap = capture::captureGraph(f, inputs, options());
  EXPECT_EQ(outputTypes(cap.meta), std::vector<OutputType>(3, OutputType::AliasOfInput));
  EXPECT_FALSE(cap.is_joint);
}

// ---------------------------------------------------------------------------------------------- outputs aliasing intermediates

TEST(Aliasing, test_output_aliases_intermediate_single) {
  auto f = [](const Tensors& a) { return Tensors{at::mul(a[0], py(int64_t{3})).view({-1})}; };
  std::vector<capture::InputDesc> inputs{in(at::ones({3, 3}), true)};
  auto cap = capture::captureGraph(f, inputs, options());
  EXPECT_EQ(outputTypes(cap.meta), std::vector<OutputType>{OutputType::UnsafeViewAlias});
  EXPECT_EQ(cap.meta.num_intermediate_bases, 0);
  ir::Graph fw = forwardGraph(cap);
  EXPECT_EQ(ops(fw), (S{"mul.Tensor", "view"}));
  EXPECT_EQ(returns(fw), S{"view"});
  expectReplayMatchesEager(f, inputs, options());
}

TEST(Aliasing, test_output_aliases_intermediate_no_grad) {
  auto f = [](const Tensors& a) {
    at::Tensor out = at::mul(a[0], py(int64_t{3}));
    return Tensors{out.view({-1}), a[1].add(py(int64_t{1}))};
  };
  std::vector<capture::InputDesc> inputs{in(at::ones({3, 3})), in(at::ones({3, 3}), true)};
  auto cap = capture::captureGraph(f, inputs, options());
  // The intermediate does not require grad: no intermediate base.
  EXPECT_EQ(outputTypes(cap.meta), (std::vector<OutputType>{OutputType::NonAlias, OutputType::NonAlias}));
  ir::Graph fw = forwardGraph(cap);
  EXPECT_EQ(returns(fw), (S{"view", "add"}));
  expectReplayMatchesEager(f, inputs, options());
}

TEST(Aliasing, test_output_aliases_intermediate_returned_multiple_times) {
  auto f = [](const Tensors& a) {
    at::Tensor out = at::mul(a[0], py(int64_t{3}));
    return Tensors{out, out.view({-1}), out};
  };
  std::vector<capture::InputDesc> inputs{in(at::ones({3, 3}), true)};
  auto cap = capture::captureGraph(f, inputs, options());
  EXPECT_EQ(outputTypes(cap.meta), (std::vector<OutputType>{OutputType::NonAlias,
                                                            OutputType::AliasOfIntermediateBaseIsUserOutput,
                                                            OutputType::NonAlias}));
  EXPECT_EQ(baseIdx(cap.meta), (std::vector<int>{-1, 2, -1}));  // the last output that is the base
  expectReplayMatchesEager(f, inputs, options());
}

TEST(Aliasing, test_output_aliases_intermediate_multiple) {
  auto f = [](const Tensors& a) {
    at::Tensor out = at::mul(a[0], py(int64_t{3}));
    return Tensors{out.view({-1}), out.view({-1})};
  };
  std::vector<capture::InputDesc> inputs{in(at::ones({3, 3}), true)};
  auto cap = capture::captureGraph(f, inputs, options());
  EXPECT_EQ(outputTypes(cap.meta), (std::vector<OutputType>{OutputType::AliasOfIntermediateSaveAsOutput,
                                                            OutputType::AliasOfIntermediate}));
  EXPECT_EQ(baseIdx(cap.meta), (std::vector<int>{0, 0}));
  EXPECT_EQ(cap.meta.num_intermediate_bases, 1);
  EXPECT_EQ(cap.meta.tangentMask(), (std::vector<bool>{false, false, true}));  // only the base gets a tangent
  ir::Graph fw = forwardGraph(cap);
  EXPECT_EQ(ops(fw), (S{"mul.Tensor", "view", "view"}));
  EXPECT_EQ(returns(fw), (S{"view", "view_1", "mul"}));
  expectReplayMatchesEager(f, inputs, options());
  // Without grad the intermediate needs no base.
  std::vector<capture::InputDesc> plain{in(at::ones({3, 3}))};
  auto inf = capture::captureGraph(f, plain, options());
  EXPECT_EQ(outputTypes(inf.meta), (std::vector<OutputType>{OutputType::NonAlias, OutputType::NonAlias}));
  EXPECT_EQ(returns(inf.graph), (S{"view", "view_1"}));
}

TEST(Aliasing, test_output_aliases_intermediate_and_returned) {
  auto f = [](const Tensors& a) {
    at::Tensor out = at::mul(a[0], py(int64_t{3}));
    return Tensors{out.view({-1}), out};
  };
  std::vector<capture::InputDesc> inputs{in(at::ones({3, 3}), true)};
  auto cap = capture::captureGraph(f, inputs, options());
  EXPECT_EQ(outputTypes(cap.meta),
            (std::vector<OutputType>{OutputType::AliasOfIntermediateBaseIsUserOutput, OutputType::NonAlias}));
  EXPECT_EQ(baseIdx(cap.meta), (std::vector<int>{1, -1}));
  EXPECT_EQ(returns(forwardGraph(cap)), (S{"view", "mul"}));
  expectReplayMatchesEager(f, inputs, options());
}

TEST(Aliasing, test_output_aliases_intermediate_and_returned_flipped) {
  auto f = [](const Tensors& a) {
    at::Tensor out = at::mul(a[0], py(int64_t{3}));
    return Tensors{out, out.view({-1})};
  };
  std::vector<capture::InputDesc> inputs{in(at::ones({3, 3}), true)};
  auto cap = capture::captureGraph(f, inputs, options());
  EXPECT_EQ(outputTypes(cap.meta),
            (std::vector<OutputType>{OutputType::NonAlias, OutputType::AliasOfIntermediateBaseIsUserOutput}));
  EXPECT_EQ(baseIdx(cap.meta), (std::vector<int>{-1, 0}));
  EXPECT_EQ(returns(forwardGraph(cap)), (S{"mul", "view"}));
  expectReplayMatchesEager(f, inputs, options());
}

TEST(Aliasing, test_output_aliases_intermediate_and_returned_different_grad) {
  auto f = [](const Tensors& a) {
    at::Tensor out = at::mul(a[0], py(int64_t{3}));
    return Tensors{out.view({-1}), out, out[0].detach()};
  };
  std::vector<capture::InputDesc> inputs{in(at::ones({3, 3}), true)};
  auto cap = capture::captureGraph(f, inputs, options());
  EXPECT_EQ(outputTypes(cap.meta), (std::vector<OutputType>{OutputType::AliasOfIntermediateBaseIsUserOutput,
                                                            OutputType::NonAlias, OutputType::NonAlias}));
  ir::Graph fw = forwardGraph(cap);
  EXPECT_EQ(ops(fw), (S{"mul.Tensor", "view", "select.int", "detach"}));
  EXPECT_EQ(returns(fw), (S{"view", "mul", "detach"}));
  expectReplayMatchesEager(f, inputs, options());
}

TEST(Aliasing, test_output_aliases_intermediate_inplace_view_with_detach) {
  auto f = [](const Tensors& a) {
    at::Tensor out = at::mul(a[0], py(int64_t{3}));
    out.t_();
    out.detach_();
    return Tensors{out};
  };
  std::vector<capture::InputDesc> inputs{in(at::ones({2, 4}), true)};
  auto cap = capture::captureGraph(f, inputs, options());
  EXPECT_EQ(outputTypes(cap.meta), std::vector<OutputType>{OutputType::NonAlias});
  EXPECT_FALSE(cap.meta.is_train);  // the only output was detached
  EXPECT_EQ(ops(cap.graph), (S{"mul.Tensor", "t"}));
  EXPECT_EQ(returns(cap.graph), S{"t"});
}

TEST(Aliasing, test_output_aliases_intermediate_multiple_mixed) {
  auto f = [](const Tensors& a) {
    at::Tensor out1 = at::mul(a[0], py(int64_t{3}));
    at::Tensor out2 = at::mul(a[0], py(int64_t{4}));
    return Tensors{out1.view({-1}), out2.transpose(1, 0), out1.transpose(1, 0)};
  };
  std::vector<capture::InputDesc> inputs{in(at::ones({3, 3}), true)};
  auto cap = capture::captureGraph(f, inputs, options());
  EXPECT_EQ(outputTypes(cap.meta),
            (std::vector<OutputType>{OutputType::AliasOfIntermediateSaveAsOutput, OutputType::UnsafeViewAlias,
                                     OutputType::AliasOfIntermediate}));
  ir::Graph fw = forwardGraph(cap);
  EXPECT_EQ(ops(fw), (S{"mul.Tensor", "mul.Tensor", "view", "transpose.int", "transpose.int"}));
  EXPECT_EQ(returns(fw), (S{"view", "transpose", "transpose_1", "mul"}));
  expectReplayMatchesEager(f, inputs, options());
}

TEST(Aliasing, test_output_all_alias_types) {
  auto f = [](const Tensors& a) {
    a[0].transpose_(1, 0);
    at::Tensor tmp = a[0].mul(py(int64_t{2}));
    return Tensors{tmp.squeeze(), tmp.transpose(1, 0), a[0].unsqueeze(0)};
  };
  std::vector<capture::InputDesc> inputs{in(at::ones({1, 2, 4}), true, false)};
  auto cap = capture::captureGraph(f, inputs, options());
  EXPECT_TRUE(cap.meta.input_info[0].mutates_metadata);
  EXPECT_FALSE(cap.meta.input_info[0].mutates_data);
  EXPECT_EQ(outputTypes(cap.meta),
            (std::vector<OutputType>{OutputType::AliasOfIntermediateSaveAsOutput, OutputType::AliasOfIntermediate,
                                     OutputType::AliasOfInput}));
  ir::Graph fw = forwardGraph(cap);
  EXPECT_EQ(ops(fw), (S{"view", "transpose.int", "mul.Tensor", "squeeze", "transpose.int", "unsqueeze"}));
  EXPECT_EQ(returns(fw), (S{"transpose", "squeeze", "transpose_1", "unsqueeze", "mul"}));
  expectReplayMatchesEager(f, inputs, options());
}

TEST(Aliasing, test_output_aliases_intermediate_multi_output_view) {
  auto f = [](const Tensors& a) { return at::mul(a[0], py(int64_t{1})).unbind(0); };
  std::vector<capture::InputDesc> inputs{in(at::randn({3, 3}), true)};
  auto cap = capture::captureGraph(f, inputs, options());
  // All aliases of the intermediate are multi-output views: the intermediate-bases optimization applies.
  EXPECT_EQ(outputTypes(cap.meta), std::vector<OutputType>(3, OutputType::UnsafeViewAlias));
  EXPECT_EQ(cap.meta.num_intermediate_bases, 0);
  expectReplayMatchesEager(f, inputs, options());
}

TEST(Aliasing, test_output_aliases_intermediate_no_grad_view) {
  auto f = [](const Tensors& a) {
    at::Tensor out = a[0] * py(int64_t{2});
    at::Tensor v;
    {
      at::NoGradGuard no_grad;
      v = out.view({-1});
    }
    return Tensors{out, v};
  };
  std::vector<capture::InputDesc> inputs{in(at::randn({2, 2}), true)};
  auto cap = capture::captureGraph(f, inputs, options());
  const auto& o = cap.meta.output_info;
  EXPECT_TRUE(o[1].requires_grad);  // a view inherits requires_grad under no_grad...
  EXPECT_FALSE(o[1].requires_grad_for_backward);  // ...but has no grad_fn: no tangent
  EXPECT_EQ(cap.meta.numTangents(), 1u);
}

TEST(Aliasing, test_input_data_and_metadata_mutation) {
  auto f = [](const Tensors& a) {
    a[0].t_();
    a[0][0].mul_(py(int64_t{2}));
    return Tensors{a[0].view(a[0].sizes())};
  };
  for (bool rg : {true, false}) {
    std::vector<capture::InputDesc> inputs{in(at::randn({3, 3}), rg, false)};
    auto cap = capture::captureGraph(f, inputs, options());
    EXPECT_TRUE(cap.meta.input_info[0].mutates_data && cap.meta.input_info[0].mutates_metadata);
    EXPECT_EQ(outputTypes(cap.meta), std::vector<OutputType>{OutputType::AliasOfInput});
    if (rg) {
      // The forward is PyTorch's: clone, t, select, mul, t_1, select_scatter, t_2, then the new value and the view.
      ir::Graph fw = forwardGraph(cap);
      EXPECT_EQ(ops(fw), (S{"clone", "t", "select.int", "mul.Tensor", "t", "select_scatter", "t", "t", "t", "view"}));
    } else {
      expectReplayMatchesEager(f, inputs, options());
    }
  }
}

// The gradient through a view of an input that had a metadata mutation (t_) and then a data mutation: the view's
// layout must be right when autograd records it (Note [Regenerating views after an in-place op]).
TEST(Aliasing, test_input_data_and_metadata_mutation_gradient) {
  auto f = [](const Tensors& a) {
    a[0].t_();
    a[0][0].mul_(py(int64_t{2}));
    return Tensors{a[0].view(a[0].sizes())};
  };
  expectReplayMatchesEager(f, {in(at::randn({3, 3}), true, false)}, options());
}

TEST(Aliasing, inplace_on_strided_slice_of_intermediate_gradient) {
  // h[:, 0] is not dense: the out-of-place mul behind mul_ is contiguous, and before the fix autograd's
  // CopySlices read the gradient of h[:, 0] from h's first row.
  auto f = [](const Tensors& a) {
    at::Tensor h = a[0] * py(int64_t{2});
    h.select(1, 2).mul_(py(int64_t{3}));
    return Tensors{h * a[1]};
  };
  expectReplayMatchesEager(f, {in(at::randn({3, 4}), true), in(at::randn({3, 4}))}, options());
}

TEST(Aliasing, data_mutation_of_non_dense_input_is_not_a_metadata_mutation) {
  auto f = [](const Tensors& a) {
    a[0].mul_(py(int64_t{2}));
    return Tensors{a[0] + py(int64_t{1})};
  };
  std::vector<capture::InputDesc> inputs{in(at::randn({3, 3}).select(1, 0))};  // stride 3
  auto cap = capture::captureGraph(f, inputs, options());
  EXPECT_TRUE(cap.meta.input_info[0].mutates_data);
  EXPECT_FALSE(cap.meta.input_info[0].mutates_metadata);
  EXPECT_EQ(cap.meta.input_info[0].mutation_type, kOut);
  expectReplayMatchesEager(f, inputs, options());
}

// ---------------------------------------------------------------------------------------------- duplicate inputs

TEST(Aliasing, test_dupe_arg_not_mutated_is_traced_twice) {
  auto f = [](const Tensors& a) { return Tensors{a[0] * a[1]}; };
  at::Tensor x = at::randn({3});
  std::vector<capture::InputDesc> inputs{in(x, true), in(x, true)};
  auto cap = capture::captureGraph(f, inputs, options());
  EXPECT_EQ(cap.dedupe.strategy, meta::DedupeStrategy::LeafifyDupes);
  EXPECT_EQ(cap.num_primals, 2u);  // strategy 1: distinct primals, gradients add up at run time
  EXPECT_EQ(cap.graph_inputs[0].example.data_ptr(), cap.graph_inputs[1].example.data_ptr());
}

TEST(Aliasing, test_dupe_arg_mutated_is_removed) {
  auto f = [](const Tensors& a) {
    a[0].add_(py(int64_t{1}));
    return Tensors{a[0] + a[1]};
  };
  at::Tensor x = at::randn({3});
  std::vector<capture::InputDesc> inputs{in(x, true, false), in(x, true, false)};
  auto cap = capture::captureGraph(f, inputs, options());
  EXPECT_EQ(cap.dedupe.strategy, meta::DedupeStrategy::RemoveDupes);
  EXPECT_EQ(cap.dedupe.keep_arg_mask, (std::vector<bool>{true, false}));
  EXPECT_EQ(cap.dedupe.add_dupe_map, (std::vector<size_t>{0, 0}));
  // The user function sees one tensor twice: both inputs are mutated (one storage).
  EXPECT_TRUE(cap.user_meta.input_info[0].mutates_data && cap.user_meta.input_info[1].mutates_data);
  EXPECT_EQ(cap.num_primals, 1u);
  ASSERT_EQ(cap.meta.input_info.size(), 1u);
  EXPECT_EQ(cap.meta.input_info[0].mutation_type, kOut);
  ir::Graph fw = forwardGraph(cap);
  EXPECT_EQ(ops(fw), (S{"clone", "add.Tensor", "add.Tensor"}));
  EXPECT_EQ(returns(fw), (S{"add", "add_1"}));  // a + b reads the mutated value twice
}

TEST(Aliasing, test_dupe_arg_is_output_base_idx) {
  // An output that is a duplicated input: PyTorch's inp_storage_refs keeps the last input on a storage.
  auto f = [](const Tensors& a) { return Tensors{a[0], a[1] * py(int64_t{2})}; };
  at::Tensor x = at::randn({3});
  auto cap = capture::captureGraph(f, {in(x), in(x)}, options());
  EXPECT_EQ(cap.user_meta.output_info[0].output_type, OutputType::IsInput);
  EXPECT_EQ(cap.user_meta.output_info[0].base_idx, 1);
}

// ---------------------------------------------------------------------------------------------- aliased inputs

/// Inputs that are views of one intermediate (x = base + 1, not an input), as PyTorch's inp_callable builds them.
std::vector<capture::InputDesc> viewsOf(std::vector<at::Tensor> views, bool rg) {
  std::vector<capture::InputDesc> r;
  for (auto& v : views) r.push_back(in(v, rg, false));
  return r;
}

TEST(Aliasing, test_input_mutation_aliases_other_input) {
  auto f = [](const Tensors& a) {
    a[0].add_(py(int64_t{1}));
    return Tensors{a[0] + a[1]};
  };
  at::Tensor x = at::ones({4, 2}) + 1;
  auto inputs = viewsOf({x[0], x[0]}, true);
  auto cap = capture::captureGraph(f, inputs, options());
  ASSERT_TRUE(cap.synthetic_base.applied);
  EXPECT_EQ(cap.synthetic_base.base_is_view_base, std::vector<bool>{true});
  EXPECT_EQ(cap.num_primals, 1u);
  EXPECT_EQ(cap.graph_inputs[0].example.sizes(), (c10::IntArrayRef{4, 2}));
  EXPECT_TRUE(cap.meta.input_info[0].mutates_data);  // the base is mutated
  ir::Graph fw = forwardGraph(cap);
  // PyTorch's graph: both views regenerated from the scattered base (as_strided_2, as_strided_5; Note
  // [Regenerating views after an in-place op]).
  EXPECT_EQ(ops(fw), (S{"clone", "as_strided", "add.Tensor", "as_strided_scatter", "as_strided", "as_strided",
                        "add.Tensor"}));
  EXPECT_EQ(returns(fw).size(), 2u);  // PyTorch: [as_strided_scatter, add_1]
  EXPECT_EQ(returns(fw)[0], "as_strided_scatter");
  // Without grad: the same synthetic base, an inference graph.
  auto inf = capture::captureGraph(f, viewsOf({x[0], x[0]}, false), options());
  EXPECT_TRUE(inf.synthetic_base.applied);
  EXPECT_FALSE(inf.is_joint);
}

TEST(Aliasing, test_input_mutation_aliases_other_input2) {
  auto f = [](const Tensors& a) {
    a[0].add_(py(int64_t{1}));
    return Tensors{a[0] + a[1]};
  };
  at::Tensor base = at::ones({2, 2});
  // One of the aliased inputs is the base itself.
  std::vector<capture::InputDesc> inputs{in(base[0], true, false), in(base, true, false)};
  auto cap = capture::captureGraph(f, inputs, options());
  ASSERT_TRUE(cap.synthetic_base.applied);
  EXPECT_EQ(cap.num_primals, 1u);
  EXPECT_EQ(cap.synthetic_base.info[1].base, 0);
  EXPECT_EQ(cap.synthetic_base.info[1].sizes, (std::vector<int64_t>{2, 2}));
  ir::Graph fw = forwardGraph(cap);
  EXPECT_EQ(returns(fw)[0], "as_strided_scatter");
}

TEST(Aliasing, test_input_data_and_metadata_mutation_aliases_other_input) {
  auto f = [](const Tensors& a) {
    a[0].mul_(py(int64_t{2}));
    a[1].t_();
    return Tensors{a[0].mul(a[1])};
  };
  at::Tensor x = at::ones({2, 2, 2}) + 1;  // 2-d views, so that t_() changes b's metadata
  auto cap = capture::captureGraph(f, viewsOf({x[0], x[0]}, true), options());
  ASSERT_TRUE(cap.synthetic_base.applied);
  // b's metadata mutation is returned as an extra output the runtime applies with as_strided_.
  EXPECT_EQ(cap.synthetic_base.aliased_arg_idx_with_metadata_mutations, std::vector<size_t>{1});
  EXPECT_EQ(cap.num_user_outputs, 2u);
  EXPECT_EQ(cap.meta.output_info[1].output_type, OutputType::AliasOfInput);
  EXPECT_EQ(cap.meta.output_info[1].base_idx, 0);
}

TEST(Aliasing, test_input_mutation_false_aliasing) {
  // PyTorch 2.11's function (it returned a + b before): a.mul_(3); b.mul_(2); a.clone().view(-1) + b.clone().view(-1).
  // The clones are sequenced, as Python evaluates them left to right.
  auto f = [](const Tensors& a) {
    a[0].mul_(py(int64_t{3}));
    a[1].mul_(py(int64_t{2}));
    at::Tensor ca = a[0].clone().view({-1});
    at::Tensor cb = a[1].clone().view({-1});
    return Tensors{ca + cb};
  };
  // PyTorch's inp_callables: base = torch.ones(shape, requires_grad=req_grad); x = base.add(1); two views of x.
  struct Variant {
    const char* what;
    std::vector<int64_t> base;
    std::function<Tensors(const at::Tensor&)> views;
    bool overlap;
  };
  auto strided = [](int64_t row, int64_t offset) {
    return [row, offset](const at::Tensor& x) {
      return Tensors{x.as_strided({4, 4}, {row, 1}, 0), x.as_strided({4, 4}, {row, 1}, offset)};
    };
  };
  const std::vector<Variant> variants{
      {"inp_callable1: no overlap, contiguous", {4, 4},
       [](const at::Tensor& x) { return Tensors{x.slice(0, 0, 2), x.slice(0, 2, 4)}; }, false},
      {"inp_callable2: the first ends before the second starts", {256}, strided(8, 28), false},
      {"inp_callable3: perfectly interleaved", {4, 4},
       [](const at::Tensor& x) { return Tensors{x.slice(1, 0, 2), x.slice(1, 2, 4)}; }, false},
      {"inp_callable4", {256}, strided(9, 22), false},
      {"inp_callable5", {256}, strided(9, 23), false},
      {"inp_callable_overlap1", {256}, strided(9, 24), true},
      {"inp_callable_overlap2", {256}, strided(9, 25), true},
  };
  auto make = [](const Variant& v, bool rg, Tensors& leaves) {
    at::Tensor base = at::ones(v.base).requires_grad_(rg);
    leaves = {base};
    return v.views(base.add(py(int64_t{1})));
  };
  for (size_t k = 0; k < variants.size(); ++k) {
    const Variant& v = variants[k];
    SCOPED_TRACE(v.what);
    Tensors leaves;
    // req_grad=False: an inference graph on the two inputs when they do not overlap (false aliasing is detected),
    // a synthetic base with as_strided_scatter when they do.
    Tensors ex = make(v, false, leaves);
    EXPECT_EQ(meta::tensorsDefinitelyDoNotOverlap(ex[0], ex[1]), !v.overlap);
    auto cap = capture::captureGraph(f, {in(ex[0]), in(ex[1])}, options());
    EXPECT_EQ(cap.synthetic_base.applied, v.overlap);
    bool scatter = false;
    for (const auto& op : ops(cap.graph)) scatter = scatter || op == "as_strided_scatter";
    EXPECT_EQ(scatter, v.overlap);
    if (!v.overlap) {
      // PyTorch: mul = arg0_1 * 3; mul_1 = arg1_1 * 2; clone, view, clone_1, view_1; add; return (mul, mul_1, add).
      EXPECT_EQ(placeholderNames(cap.graph), (S{"arg0_1", "arg1_1"}));
      EXPECT_EQ(ops(cap.graph), (S{"mul.Tensor", "mul.Tensor", "clone", "view", "clone", "view", "add.Tensor"}));
      EXPECT_EQ(returns(cap.graph), (S{"mul", "mul_1", "add"}));
    }
    for (bool keep : {false, true}) {
      auto c = keep ? capture::captureGraph(f, {in(ex[0]), in(ex[1])}, options(true)) : cap;
      runtime::CompiledFunction compiled = testing::compileForCpu(c);
      Tensors le, lc;
      Tensors e = make(v, false, le), got = make(v, false, lc);
      testing::expectSameAsEager(f, compiled, e, got, le, lc, true, 1e-5, keep ? "inference, kept" : "inference");
    }

    // req_grad=True: the views are non-leaves that require grad. Compiled equals eager in outputs, inputs after the
    // call and the gradients with respect to base, through the outputs and the mutated inputs (PyTorch 2.11 runs
    // this for inp_callable1; on the overlapping variants its own joint tracing raises "outs_to_grad length (2) !=
    // tangents length (3)", so there eager is the only reference).
    ex = make(v, true, leaves);
    auto joint = capture::captureGraph(f, {in(ex[0], true, false), in(ex[1], true, false)}, options());
    ASSERT_TRUE(joint.is_joint);
    EXPECT_EQ(joint.synthetic_base.applied, v.overlap);
    if (k == 0) {
      // PyTorch 2.11's ViewAndMutationMeta and forward graph (default partitioner) for inp_callable1.
      for (const auto& i : joint.meta.input_info) {
        EXPECT_TRUE(i.mutates_data);
        EXPECT_FALSE(i.mutates_metadata);
        EXPECT_TRUE(i.requires_grad);
        EXPECT_FALSE(i.is_leaf);
        EXPECT_EQ(i.mutation_type, kOut);
      }
      EXPECT_EQ(outputTypes(joint.meta), std::vector<OutputType>{OutputType::NonAlias});
      EXPECT_TRUE(joint.meta.output_info[0].requires_grad);
      EXPECT_EQ(joint.meta.tangentMask(), (std::vector<bool>{true, true, true}));  // traced_tangents: [2,4], [2,4], [8]
      partition::Options o;
      o.partitioner = partition::Partitioner::Default;
      auto part = partition::partitionJoint(joint.graph, joint.numForwardOutputs(), {}, o);
      EXPECT_EQ(placeholderNames(part.forward), (S{"primals_1", "primals_2"}));
      EXPECT_EQ(ops(part.forward),
                (S{"clone", "clone", "mul.Tensor", "mul.Tensor", "clone", "view", "clone", "view", "add.Tensor"}));
      EXPECT_EQ(returns(part.forward), (S{"mul", "mul_1", "add"}));
      EXPECT_EQ(returns(part.backward), (S{"mul_3", "mul_2"}));  // a's gradient (t1 + t3) * 3, b's (t2 + t3) * 2
    }
    for (auto p : {partition::Partitioner::MinCut, partition::Partitioner::Default}) {
      runtime::CompiledFunction compiled = testing::compileForCpu(joint, p);
      Tensors le, lc;
      Tensors e = make(v, true, le), got = make(v, true, lc);
      testing::expectSameAsEager(f, compiled, e, got, le, lc, true, 1e-5, partition::partitionerName(p));
    }
  }
}

TEST(Aliasing, test_input_metadata_mutation_aliases) {
  // Only metadata is mutated: no synthetic base is needed.
  auto f = [](const Tensors& a) {
    a[0].t_();
    return Tensors{a[0] + a[1]};
  };
  at::Tensor x = at::randn({2, 2}) + 1;
  auto cap = capture::captureGraph(f, viewsOf({x.view({2, 2}), x.view({2, 2})}, true), options());
  EXPECT_FALSE(cap.synthetic_base.applied);
  EXPECT_EQ(cap.num_primals, 2u);
}

TEST(Aliasing, test_output_aliases_multiple_inputs_get_correct_one) {
  auto f = [](const Tensors& a) { return Tensors{a[0].view(a[0].sizes()), a[1].view(a[1].sizes())}; };
  at::Tensor x = at::ones({2, 2}) * 2;
  auto cap = capture::captureGraph(f, viewsOf({x.view({-1}), x[0]}, true), options());
  EXPECT_FALSE(cap.synthetic_base.applied);  // nothing is mutated
  EXPECT_EQ(baseIdx(cap.meta), (std::vector<int>{0, 1}));
}

TEST(Aliasing, test_aliased_inputs_non_differentiable_views_refused) {
  auto f = [](const Tensors& a) {
    a[0].add_(py(int64_t{1}));
    return Tensors{a[0] + a[1]};
  };
  at::Tensor x = at::ones({2, 2}) + 1;
  // x[0] is a view of x; x[0].detach() shares the memory without being a differentiable view of it.
  try {
    capture::captureGraph(f, viewsOf({x[0], x[0].detach()}, true), options());
    FAIL() << "expected PyTorch's refusal";
  } catch (const AotError& e) {
    EXPECT_EQ(e.diagnostic().stage, "synthetic_base");
    EXPECT_NE(std::string(e.what()).find("aot_autograd() does not yet handle non-differentiable view input mutations."),
              std::string::npos)
        << e.what();
  }
}

TEST(Aliasing, test_aliased_inputs_different_dtypes_refused) {
  auto f = [](const Tensors& a) {
    a[0].add_(py(int64_t{1}));
    return Tensors{a[0].sum() + a[1].to(at::kFloat).sum()};
  };
  at::Tensor x = at::ones({4});
  at::Tensor as_int = x.view(at::kInt);
  try {
    capture::captureGraph(f, {in(x), in(as_int)}, options());
    FAIL() << "expected PyTorch's refusal";
  } catch (const AotError& e) {
    EXPECT_NE(std::string(e.what()).find("input mutations on views with different dtypes"), std::string::npos)
        << e.what();
  }
}

// ---------------------------------------------------------------------------------------------- grad mode

TEST(Aliasing, test_generate_gives_inference_graph) {
  auto f = [](const Tensors& a) { return Tensors{a[0] * a[0]}; };
  std::vector<capture::InputDesc> inputs{in(at::randn({3}), true)};
  auto cap = capture::captureGraph(f, inputs, options(false, /*grad=*/false));
  EXPECT_FALSE(cap.meta.is_train);
  EXPECT_FALSE(cap.is_joint);
  EXPECT_FALSE(cap.meta.output_info[0].requires_grad);
}

TEST(Aliasing, test_grad_mode_mutation_is_recorded_and_restored) {
  auto f = [](const Tensors& a) {
    c10::GradMode::set_enabled(false);
    return Tensors{a[0] * py(int64_t{2})};
  };
  auto cap = capture::captureGraph(f, {in(at::randn({3}), true)}, options());
  EXPECT_EQ(cap.user_meta.grad_enabled_mutation, 0);
  EXPECT_TRUE(c10::GradMode::is_enabled());
}

TEST(Aliasing, test_input_mutation_on_leaf_that_requires_grad_is_refused) {
  auto f = [](const Tensors& a) {
    a[0].mul_(py(int64_t{2}));
    return Tensors{a[0]};
  };
  try {
    capture::captureGraph(f, {in(at::randn({3}), true, /*leaf=*/true)}, options());
    FAIL() << "expected autograd's error, as eager PyTorch raises";
  } catch (const AotError& e) {
    EXPECT_EQ(e.diagnostic().stage, "metadata");
    EXPECT_NE(std::string(e.what()).find("leaf Variable that requires grad"), std::string::npos) << e.what();
  }
}

TEST(Aliasing, MetaJsonHasPyTorchNamesAndLowerCaseEnums) {
  auto f = [](const Tensors& a) {
    a[0].mul_(py(int64_t{2}));
    return Tensors{a[0].view({-1}), a[1] * py(int64_t{3})};
  };
  auto cap = capture::captureGraph(f, {in(at::randn({2, 2}), true, false), in(at::randn({2}), true)}, options());
  nlohmann::json j = meta::metaToJson(cap.meta);
  EXPECT_EQ(j["input_info"][0]["mutation_type"], "mutated_out_graph");
  EXPECT_EQ(j["input_info"][0]["mutates_data"], true);
  EXPECT_EQ(j["input_info"][1]["mutation_type"], "not_mutated");
  EXPECT_EQ(j["output_info"][0]["output_type"], "alias_of_input");
  EXPECT_EQ(j["output_info"][0]["base_idx"], 0);
  EXPECT_TRUE(j["output_info"][1]["base_idx"].is_null());
  EXPECT_EQ(j["num_intermediate_bases"], 0);
  EXPECT_EQ(j["is_train"], true);
}

/// A ViewAndMutationMeta with every stored field away from its default somewhere: mutations in and out of the
/// graph, an output aliasing an input, one aliasing an intermediate base, a non-tensor output, a grad mode left on.
meta::ViewAndMutationMeta sampleMeta() {
  meta::ViewAndMutationMeta m;
  meta::InputAliasInfo a;
  a.is_leaf = false;
  a.mutates_data = true;
  a.mutates_metadata = true;
  a.mutates_storage_metadata = true;
  a.mutations_hidden_from_autograd = true;
  a.mutations_under_no_grad_or_inference_mode = true;
  a.mutation_inductor_storage_resize = true;
  a.keep_input_mutations = true;
  a.mutation_type = MutationType::MutatedInGraph;
  a.mutations = {{"aten::mul_.Tensor", false, true, false}, {"aten::t_", true, false, true}};
  meta::InputAliasInfo b;  // all defaults
  meta::InputAliasInfo c;
  c.mutates_data = true;
  c.requires_grad = true;
  c.mutation_type = MutationType::MutatedOutGraph;
  c.mutations = {{"aten::add_.Tensor", true, false, false}};
  m.input_info = {a, b, c};
  meta::OutputAliasInfo view;
  view.output_type = OutputType::AliasOfInput;
  view.base_idx = 2;
  view.requires_grad = true;
  view.sizes = {4, 2};
  view.strides = {1, 4};
  view.storage_offset = 3;
  meta::OutputAliasInfo none;
  none.is_tensor = false;
  none.requires_grad_for_backward = true;
  none.sizes = {};
  meta::OutputAliasInfo of_base;
  of_base.output_type = OutputType::AliasOfIntermediateSaveAsOutput;
  of_base.base_idx = 0;
  of_base.sizes = {8};
  of_base.strides = {1};
  m.output_info = {view, none, of_base};
  m.num_intermediate_bases = 1;
  m.keep_input_mutations = true;
  m.is_train = true;
  m.grad_enabled = false;
  m.grad_enabled_mutation = 1;
  return m;
}

void expectSameMeta(const meta::ViewAndMutationMeta& x, const meta::ViewAndMutationMeta& y) {
  ASSERT_EQ(x.input_info.size(), y.input_info.size());
  for (size_t i = 0; i < x.input_info.size(); ++i) {
    SCOPED_TRACE("input " + std::to_string(i));
    const auto &a = x.input_info[i], &b = y.input_info[i];
    EXPECT_EQ(a.is_leaf, b.is_leaf);
    EXPECT_EQ(a.mutates_data, b.mutates_data);
    EXPECT_EQ(a.mutates_metadata, b.mutates_metadata);
    EXPECT_EQ(a.mutates_storage_metadata, b.mutates_storage_metadata);
    EXPECT_EQ(a.mutations_hidden_from_autograd, b.mutations_hidden_from_autograd);
    EXPECT_EQ(a.mutations_under_no_grad_or_inference_mode, b.mutations_under_no_grad_or_inference_mode);
    EXPECT_EQ(a.mutation_inductor_storage_resize, b.mutation_inductor_storage_resize);
    EXPECT_EQ(a.requires_grad, b.requires_grad);
    EXPECT_EQ(a.keep_input_mutations, b.keep_input_mutations);
    EXPECT_EQ(a.mutation_type, b.mutation_type);
    ASSERT_EQ(a.mutations.size(), b.mutations.size());
    for (size_t k = 0; k < a.mutations.size(); ++k) {
      EXPECT_EQ(a.mutations[k].op, b.mutations[k].op);
      EXPECT_EQ(a.mutations[k].grad_enabled, b.mutations[k].grad_enabled);
      EXPECT_EQ(a.mutations[k].inference_mode, b.mutations[k].inference_mode);
      EXPECT_EQ(a.mutations[k].metadata_only, b.mutations[k].metadata_only);
    }
  }
  ASSERT_EQ(x.output_info.size(), y.output_info.size());
  for (size_t k = 0; k < x.output_info.size(); ++k) {
    SCOPED_TRACE("output " + std::to_string(k));
    const auto &a = x.output_info[k], &b = y.output_info[k];
    EXPECT_EQ(a.output_type, b.output_type);
    EXPECT_EQ(a.base_idx, b.base_idx);
    EXPECT_EQ(a.is_tensor, b.is_tensor);
    EXPECT_EQ(a.requires_grad, b.requires_grad);
    EXPECT_EQ(a.requires_grad_for_backward, b.requires_grad_for_backward);
    EXPECT_EQ(a.sizes, b.sizes);
    EXPECT_EQ(a.strides, b.strides);
    EXPECT_EQ(a.storage_offset, b.storage_offset);
  }
  EXPECT_EQ(x.num_intermediate_bases, y.num_intermediate_bases);
  EXPECT_EQ(x.keep_input_mutations, y.keep_input_mutations);
  EXPECT_EQ(x.is_train, y.is_train);
  EXPECT_EQ(x.grad_enabled, y.grad_enabled);
  EXPECT_EQ(x.grad_enabled_mutation, y.grad_enabled_mutation);
}

/// The message of the AotError `read` throws ("" when it throws none); the error is a load error.
std::string loadError(const std::function<void()>& read) {
  try {
    read();
  } catch (const AotError& e) {
    EXPECT_EQ(e.diagnostic().stage, "load");
    return e.diagnostic().message;
  }
  return "";
}

TEST(Aliasing, MetaJsonReadsBackEveryFieldAndNamesADamagedOne) {
  const meta::ViewAndMutationMeta m = sampleMeta();
  const nlohmann::json j = meta::metaToJson(m);
  ASSERT_EQ(j["mutated_inp_runtime_indices"], nlohmann::json::array({2}));  // the sample is what it says
  ASSERT_EQ(j["mutated_graph_handled_indices"], nlohmann::json::array({0}));
  ASSERT_EQ(j["grad_enabled_mutation"], true);
  expectSameMeta(meta::metaFromJson(j, "meta"), m);
  EXPECT_EQ(meta::metaToJson(meta::metaFromJson(j, "meta")), j);  // and writes back the same JSON
  for (int mode : {-1, 0}) {  // None (null) and a grad mode left off (false)
    meta::ViewAndMutationMeta other = m;
    other.grad_enabled_mutation = mode;
    EXPECT_EQ(meta::metaFromJson(meta::metaToJson(other), "meta").grad_enabled_mutation, mode);
  }

  auto damaged = [&](const std::function<void(nlohmann::json&)>& edit) {
    nlohmann::json d = j;
    edit(d);
    return loadError([&] { meta::metaFromJson(d, "snapshots[1].meta"); });
  };
  auto has = [](const std::string& message, const std::string& part) {
    return message.find(part) != std::string::npos ? ::testing::AssertionSuccess()
                                                   : ::testing::AssertionFailure() << "'" << message << "' lacks '" << part << "'";
  };
  EXPECT_TRUE(has(damaged([](nlohmann::json& d) { d["input_info"][0].erase("mutates_data"); }),
                  "snapshots[1].meta.input_info[0].mutates_data: missing field"));
  EXPECT_TRUE(has(damaged([](nlohmann::json& d) { d["output_info"][0]["output_type"] = 7; }),
                  "snapshots[1].meta.output_info[0].output_type: expected a string"));
  EXPECT_TRUE(has(damaged([](nlohmann::json& d) { d["output_info"][0]["output_type"] = "alias_of_nothing"; }),
                  "snapshots[1].meta.output_info[0].output_type: is 'alias_of_nothing', expected non_alias, "
                  "alias_of_input, is_input"));
  EXPECT_TRUE(has(damaged([](nlohmann::json& d) { d["input_info"][2]["mutation_type"] = "mutated"; }),
                  "input_info[2].mutation_type: is 'mutated', expected not_mutated, mutated_in_graph or "
                  "mutated_out_graph"));
  EXPECT_TRUE(has(damaged([](nlohmann::json& d) { d["input_info"][0]["mutating_ops"][1].erase("metadata_only"); }),
                  "snapshots[1].meta.input_info[0].mutating_ops[1].metadata_only: missing field"));
  EXPECT_TRUE(has(damaged([](nlohmann::json& d) { d["output_info"][0]["base_idx"] = "2"; }),
                  "snapshots[1].meta.output_info[0].base_idx: expected an integer or null"));
  EXPECT_TRUE(has(damaged([](nlohmann::json& d) { d["output_info"][1]["raw_type"] = "Tuple"; }),
                  "snapshots[1].meta.output_info[1].raw_type: is 'Tuple', expected Tensor or None"));
  EXPECT_TRUE(has(damaged([](nlohmann::json& d) { d["output_info"][0]["size"][1] = 2.5; }),
                  "snapshots[1].meta.output_info[0].size[1]: expected an integer"));
  EXPECT_TRUE(has(damaged([](nlohmann::json& d) { d["grad_enabled_mutation"] = 1; }),
                  "snapshots[1].meta.grad_enabled_mutation: expected true, false or null"));
  EXPECT_TRUE(has(damaged([](nlohmann::json& d) { d["num_intermediate_bases"] = -1; }),
                  "snapshots[1].meta.num_intermediate_bases: is -1"));
  EXPECT_TRUE(has(damaged([](nlohmann::json& d) { d["input_info"] = nlohmann::json::array({1}); }),
                  "snapshots[1].meta.input_info[0]: expected an object"));
  // The derived fields must be there, as metaToJson writes them, though their values are recomputed.
  EXPECT_TRUE(has(damaged([](nlohmann::json& d) { d.erase("mutated_inp_runtime_indices"); }),
                  "snapshots[1].meta.mutated_inp_runtime_indices: missing field"));
  EXPECT_TRUE(has(damaged([](nlohmann::json& d) { d["num_tangents"] = "3"; }),
                  "snapshots[1].meta.num_tangents: expected an integer"));
  EXPECT_EQ(damaged([](nlohmann::json& d) { d["num_tangents"] = 99; }), "");
}

TEST(Aliasing, DedupeAndSyntheticBaseRecordsReadBackAndNameADamagedField) {
  meta::DedupeRecord d;
  d.strategy = meta::DedupeStrategy::RemoveDupes;
  d.keep_arg_mask = {true, false, true};
  d.add_dupe_map = {0, 0, 1};
  const nlohmann::json dj = meta::dedupeToJson(d);
  const meta::DedupeRecord d2 = meta::dedupeFromJson(dj, "dedupe");
  EXPECT_EQ(d2.strategy, d.strategy);
  EXPECT_EQ(d2.keep_arg_mask, d.keep_arg_mask);
  EXPECT_EQ(d2.add_dupe_map, d.add_dupe_map);
  nlohmann::json bad = dj;
  bad["strategy"] = "merge";
  EXPECT_NE(loadError([&] { meta::dedupeFromJson(bad, "m.dedupe"); })
                .find("m.dedupe.strategy: is 'merge', expected none, leafify or remove_dupes"),
            std::string::npos);
  bad = dj;
  bad["keep_arg_mask"][1] = 0;
  EXPECT_NE(loadError([&] { meta::dedupeFromJson(bad, "m.dedupe"); }).find("m.dedupe.keep_arg_mask[1]: expected true or false"),
            std::string::npos);

  meta::SyntheticBaseRecord s;
  s.applied = true;
  s.info = {{-1, 0, {2, 2}, {2, 1}, 4}, {1, -1, {}, {}, 0}};
  s.base_is_view_base = {true};
  s.aliased_arg_idx_with_metadata_mutations = {0};
  const nlohmann::json sj = meta::syntheticBaseToJson(s);
  const meta::SyntheticBaseRecord s2 = meta::syntheticBaseFromJson(sj, "synthetic_base");
  EXPECT_EQ(s2.applied, s.applied);
  ASSERT_EQ(s2.info.size(), s.info.size());
  for (size_t i = 0; i < s.info.size(); ++i) {
    EXPECT_EQ(s2.info[i].inner, s.info[i].inner) << i;
    EXPECT_EQ(s2.info[i].base, s.info[i].base) << i;
    EXPECT_EQ(s2.info[i].sizes, s.info[i].sizes) << i;
    EXPECT_EQ(s2.info[i].strides, s.info[i].strides) << i;
    EXPECT_EQ(s2.info[i].storage_offset, s.info[i].storage_offset) << i;
  }
  EXPECT_EQ(s2.base_is_view_base, s.base_is_view_base);
  EXPECT_EQ(s2.aliased_arg_idx_with_metadata_mutations, s.aliased_arg_idx_with_metadata_mutations);
  EXPECT_EQ(meta::syntheticBaseToJson(s2), sj);
  bad = sj;
  bad["info"][1].erase("inner");
  EXPECT_NE(loadError([&] { meta::syntheticBaseFromJson(bad, "m.synthetic_base"); })
                .find("m.synthetic_base.info[1].inner: missing field"),
            std::string::npos);
  bad = sj;
  bad["info"][0]["stride"] = "2,1";
  EXPECT_NE(loadError([&] { meta::syntheticBaseFromJson(bad, "m.synthetic_base"); })
                .find("m.synthetic_base.info[0].stride: expected an array of integers"),
            std::string::npos);
}

}  // namespace
}  // namespace aotviz
