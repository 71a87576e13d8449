// tests/core/test_partition.cpp — partitioners with today's PyTorch rules: PyTorch's own partitioner tests
// (test_aotdispatch.py), reasons, overrides, the memory budget, and numerics of forward+backward vs the joint.
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "core/capture/capture.h"
#include "core/compile/interpreter.h"
#include "core/models/zoo.h"
#include "core/execution/execution.h"
#include "core/partition/memory_timeline.h"
#include "core/partition/pareto.h"
#include "core/partition/partition.h"
#include "core/runtime/runtime.h"
#include "core/util/diagnostic.h"
#include "tests/core/capture_testing.h"

namespace aotviz {
namespace {

using Tensors = std::vector<at::Tensor>;
using testing::input;
using partition::Options;
using partition::Partitioner;

size_t numInputs(const ir::Graph& g) { return g.placeholders().size(); }
size_t numOutputs(const ir::Graph& g) { return g.outputNode()->args.size(); }
std::set<std::string> savedNames(const partition::PartitionResult& r) {
  std::set<std::string> s;
  for (const auto& v : r.saved) s.insert(v.name);
  return s;
}

partition::PartitionResult run(const capture::CaptureResult& cap, Options o, std::vector<size_t> params = {}) {
  return partition::partitionJoint(cap.graph, cap.numForwardOutputs(), params, o);
}

Options mincut() { return Options{}; }
Options defaultPartition() {
  Options o;
  o.partitioner = Partitioner::Default;
  return o;
}

// test_min_cut_partitioner: x.cos().cos().cos() saves only the input and recomputes the chain.
TEST(Partition, MinCutRecomputesACosChainFromTheInput) {
  auto fn = [](const Tensors& in) { return Tensors{in[0].cos().cos().cos()}; };
  auto cap = capture::captureGraph(fn, {input("x", at::randn({3}), true)});
  auto r = run(cap, mincut());
  EXPECT_EQ(numInputs(r.forward), 1u);
  EXPECT_EQ(numOutputs(r.forward), 2u);
  EXPECT_EQ(savedNames(r), (std::set<std::string>{"primals_1"}));
  EXPECT_EQ(numInputs(r.backward), 2u);
  EXPECT_EQ(numOutputs(r.backward), 1u);
  EXPECT_EQ(r.totals.recomputed_nodes, 2u);  // cos, cos_1 (cos_2 is only a forward output)
  // The default partitioner keeps eager's choice: every forward value the backward reads.
  auto d = run(cap, defaultPartition());
  EXPECT_EQ(savedNames(d), (std::set<std::string>{"primals_1", "cos", "cos_1"}));
  EXPECT_EQ(d.totals.recomputed_nodes, 0u);
  for (const auto& s : d.saved) EXPECT_EQ(s.rule, s.name == "primals_1" ? partition::Rule::Input
                                                                         : partition::Rule::DefaultSavesForward);
}

// (a+b+c+d).cos().cos(): fw (4 in, 2 out), bw (2 in, 4 out): only the sum is saved.
TEST(Partition, MinCutSavesOnlyTheSumOfFourInputs) {
  auto fn = [](const Tensors& in) { return Tensors{(in[0] + in[1] + in[2] + in[3]).cos().cos()}; };
  std::vector<capture::InputDesc> ins;
  for (const char* n : {"a", "b", "c", "d"}) ins.push_back(input(n, at::randn({3}), true));
  auto r = run(capture::captureGraph(fn, ins), mincut());
  EXPECT_EQ(numInputs(r.forward), 4u);
  EXPECT_EQ(numOutputs(r.forward), 2u);
  EXPECT_EQ(numInputs(r.backward), 2u);
  EXPECT_EQ(numOutputs(r.backward), 4u);
  EXPECT_EQ(savedNames(r), (std::set<std::string>{"add_2"}));
}

// test_default_partitioner_getitem: layer_norm → fw (3 in, 6 out = 1 + 5 saved), bw (6 in, 3 out).
TEST(Partition, DefaultPartitionOfLayerNormSavesItsGetitems) {
  auto fn = [](const Tensors& in) { return Tensors{at::layer_norm(in[0], {10}, in[1], in[2])}; };
  auto cap = capture::captureGraph(fn, {input("x", at::randn({4, 10}), true), input("w", at::randn({10}), true),
                                        input("b", at::randn({10}), true)});
  auto r = run(cap, defaultPartition());
  EXPECT_EQ(numInputs(r.forward), 3u);
  EXPECT_EQ(numOutputs(r.forward), 6u);
  EXPECT_EQ(numInputs(r.backward), 6u);
  EXPECT_EQ(numOutputs(r.backward), 3u);
  EXPECT_TRUE(savedNames(r).count("getitem_1") && savedNames(r).count("getitem_2"));
}

TEST(Partition, EveryNodeHasADecisionAndSavedValuesHaveReasonsAndBytes) {
  models::Model m = models::buildModel("mlp");
  auto cap = capture::captureGraph(m.fn, m.inputs);
  std::vector<size_t> params = models::parameterIndices(m);
  auto r = run(cap, mincut(), params);
  EXPECT_EQ(r.nodes.size(), cap.graph.nodes.size() - 1);  // all but the output node
  std::map<std::string, partition::Rule> rule;
  for (const auto& d : r.nodes) {
    EXPECT_FALSE(d.reason.empty()) << d.name;
    rule[d.name] = d.rule;
  }
  // Today's rules: parameters are free to save, so the transposed weights are recomputed from them.
  EXPECT_EQ(rule["t_1"], partition::Rule::CheaperToRecompute);
  EXPECT_EQ(rule["addmm"], partition::Rule::ForwardOutput);
  EXPECT_EQ(rule["threshold_backward"], partition::Rule::TangentClosure);
  int64_t bytes = 0;
  for (const auto& s : r.saved) {
    EXPECT_GT(s.bytes, 0) << s.name;
    EXPECT_FALSE(s.reason.empty());
    bytes += s.bytes;
    if (s.name == "relu") {
      EXPECT_EQ(s.bytes, 32 * 128 * 4);
      EXPECT_EQ(s.kind, "activation");
    }
    if (s.name == "primals_7") {
      EXPECT_EQ(s.kind, "graph_input");
    }
  }
  EXPECT_EQ(r.totals.saved_bytes, bytes);
  EXPECT_EQ(r.totals.activation_bytes, 2 * 32 * 128 * 4);
  EXPECT_GT(r.totals.backward_peak_bytes, r.totals.activation_bytes);
  auto j = partition::partitionToJson(r);
  EXPECT_EQ(j["format"], "aotviz.partition");
  EXPECT_EQ(j["totals"]["saved_bytes"], bytes);
  EXPECT_EQ(j["saved"].size(), r.saved.size());
}

TEST(Partition, ComputeIntensiveOpsAreSavedNotRecomputed) {
  // gelu's backward reads its input (GeluBackward0 saves self), so the backward needs mm, which is never
  // recomputed. PyTorch 2.11 saves (mm, t, t_1) here.
  auto fn = [](const Tensors& in) { return Tensors{at::gelu(at::mm(in[0], in[1])).sum()}; };
  auto r = run(capture::captureGraph(fn, {input("x", at::randn({4, 8}), true), input("w", at::randn({8, 8}), true)}),
               mincut());
  bool saw = false;
  for (const auto& s : r.saved)
    if (s.name == "mm") {
      saw = true;
      EXPECT_EQ(s.rule, partition::Rule::BannedComputeIntensive) << s.reason;
    }
  if (!saw) {
    for (const auto& s : r.saved) ADD_FAILURE() << "saved " << s.name << ": " << s.reason;
  }
}

// Note [Saved outputs are detached] (joint_view.cpp): autograd saves relu's output for threshold_backward, and
// PyTorch's joint reads it through aten.detach nodes, which make relu "materialized in backward"
// (solve_min_cut's is_materialized_backwards), so relu is banned from recomputation and saved. PyTorch 2.11
// saves (relu, t, t_1) for mm(x, w).relu().sum(); until this rule aotviz saved mm and recomputed relu.
TEST(Partition, MinCutSavesAnOutputAutogradSavedLikePyTorch) {
  auto fn = [](const Tensors& in) { return Tensors{at::mm(in[0], in[1]).relu().sum()}; };
  auto cap = capture::captureGraph(fn, {input("x", at::randn({4, 8}), true), input("w", at::randn({8, 8}), true)});
  auto r = run(cap, mincut());
  EXPECT_EQ(savedNames(r), (std::set<std::string>{"relu", "t", "t_1"}));
  for (const auto& s : r.saved) {
    if (s.name == "relu") {
      EXPECT_EQ(s.rule, partition::Rule::BannedMaterializedBackward) << s.reason;
    }
  }
  EXPECT_EQ(r.totals.recomputed_nodes, 0u);
  // functorch 1.13's rules have no such ban: mm is saved and relu recomputed.
  Options old;
  old.rules = partition::Rules::Torch113;
  EXPECT_TRUE(savedNames(run(cap, old)).count("mm"));
  // No detach without a grad_fn: relu of an input that does not require grad is not saved by autograd.
  auto fn2 = [](const Tensors& in) { return Tensors{at::mm((in[0] * 2).relu(), in[1]).sum()}; };
  auto r2 = run(capture::captureGraph(fn2, {input("x", at::randn({4, 8}), false), input("w", at::randn({8, 8}), true)}),
                mincut());
  for (const auto& s : r2.saved) EXPECT_NE(s.rule, partition::Rule::BannedMaterializedBackward) << s.name;
}

// treat_parameters_as_free_to_save (get_node_weight): a static-lifetime input costs 0 to save. PyTorch 2.11 on
// mm(mm(x, w1.t()).relu(), w2.t()).sum(): with static_lifetime_input_indices [] (aot_function / aot_module
// outside Dynamo) it saves t_4 = t(t(w2)); with [0, 1] (Dynamo marks parameters static) it saves w2 itself.
TEST(Partition, ParametersAreFreeToSaveOnlyWhenStatic) {
  auto fn = [](const Tensors& in) { return Tensors{at::mm(at::mm(in[2], in[0].t()).relu(), in[1].t()).sum()}; };
  auto cap = capture::captureGraph(fn, {input("w1", at::randn({8, 8}), true), input("w2", at::randn({8, 8}), true),
                                        input("x", at::randn({4, 8}), false)});
  EXPECT_EQ(savedNames(run(cap, mincut())), (std::set<std::string>{"primals_3", "relu", "t_4"}));
  EXPECT_EQ(savedNames(run(cap, mincut(), {0, 1})), (std::set<std::string>{"primals_2", "primals_3", "relu"}));
}

TEST(Partition, OverridesForceSavingAndRecomputing) {
  auto fn = [](const Tensors& in) { return Tensors{in[0].cos().cos().cos()}; };
  auto cap = capture::captureGraph(fn, {input("x", at::randn({3}), true)});
  Options o;
  o.overrides["cos"] = partition::Override::MustSave;
  auto r = run(cap, o);
  EXPECT_TRUE(savedNames(r).count("cos"));
  for (const auto& s : r.saved)
    if (s.name == "cos") {
      EXPECT_EQ(s.rule, partition::Rule::OverrideMustSave);
    }

  auto d = defaultPartition();
  d.overrides["cos_1"] = partition::Override::MustRecompute;
  auto r2 = run(cap, d);
  EXPECT_FALSE(savedNames(r2).count("cos_1"));
  for (const auto& n : r2.nodes)
    if (n.name == "cos_1") {
      EXPECT_EQ(n.rule, partition::Rule::OverrideMustRecompute);
    }

  Options bad;
  bad.overrides["no_such_node"] = partition::Override::MustSave;
  try {
    run(cap, bad);
    FAIL() << "expected an error";
  } catch (const AotError& e) {
    EXPECT_EQ(e.diagnostic().stage, "partition");
    EXPECT_EQ(e.diagnostic().node, "no_such_node");
  }
}

TEST(Partition, MemoryBudgetTradesSavedBytesForRecomputation) {
  models::Model m = models::buildModel("attn_block");
  auto cap = capture::captureGraph(m.fn, m.inputs);
  std::vector<size_t> params = models::parameterIndices(m);
  int64_t previous = -1;
  size_t previous_recomputed = 0;
  for (double budget : {1.0, 0.5, 0.1, 0.0}) {
    Options o;
    o.memory_budget = budget;
    auto r = run(cap, o, params);
    if (previous >= 0) {
      EXPECT_LE(r.totals.activation_bytes, previous) << "budget " << budget;
      EXPECT_GE(r.totals.recomputed_nodes, previous_recomputed) << "budget " << budget;
    }
    previous = r.totals.activation_bytes;
    previous_recomputed = r.totals.recomputed_nodes;
    if (budget == 0.0) {
      EXPECT_EQ(r.totals.activation_bytes, 0);
      for (const auto& s : r.saved) EXPECT_EQ(s.kind, "graph_input") << s.name;
    }
  }
  Options bad;
  bad.memory_budget = 1.5;
  EXPECT_THROW(run(cap, bad, params), AotError);
}

TEST(Partition, ForwardOnlyGraphsAreRefusedClearly) {
  auto fn = [](const Tensors& in) { return Tensors{in[0].cos()}; };
  auto cap = capture::captureGraph(fn, {input("x", at::randn({3}), false)});
  try {
    run(cap, mincut());
    FAIL();
  } catch (const AotError& e) {
    EXPECT_NE(std::string(e.what()).find("forward-only"), std::string::npos);
  }
}

// Random ops (issue 21): PyTorch's fx_graph_cse never merges random ops or aten.empty, and its min-cut never
// recomputes them (they are not in the recomputable list), so what the backward needs from a dropout is saved.
TEST(Partition, RandomOpsAreNeverMergedNorRecomputedAndSayWhy) {
  auto fn = [](const Tensors& in) {
    const at::Tensor& x = in[0];
    // Two identical dropouts and two stochastic-depth masks (torchvision's empty(...).bernoulli_(p)).
    at::Tensor a = at::dropout(x, 0.3, true), b = at::dropout(x, 0.3, true);
    at::Tensor m1 = at::empty({4, 1}, x.options()).bernoulli_(0.8), m2 = at::empty({4, 1}, x.options()).bernoulli_(0.8);
    return Tensors{((a + b) * m1 * m2).cos().sum()};
  };
  auto cap = capture::captureGraph(fn, {input("x", at::randn({4, 8}), true)});
  auto r = run(cap, mincut());
  size_t dropouts = 0, bernoullis = 0, empties = 0;
  for (const auto& n : r.forward.nodes) {
    dropouts += n.op == "aten::native_dropout";
    bernoullis += n.op == "aten::bernoulli";
    empties += n.op == "aten::empty";
  }
  EXPECT_EQ(dropouts, 2u);
  EXPECT_EQ(bernoullis, 2u) << "bernoulli_ is functionalized to bernoulli.p";
  EXPECT_EQ(empties, 2u) << "aten.empty is never merged by CSE";
  for (const auto& n : r.backward.nodes) EXPECT_FALSE(n.nondeterministic_seeded) << n.name << " recomputed";
  for (const auto& note : r.notes) EXPECT_EQ(note.find("CSE merged"), std::string::npos) << note;
  size_t said = 0;
  for (const auto& d : r.nodes)
    if (d.op == "aten::native_dropout" || d.op == "aten::bernoulli.p") {
      EXPECT_EQ(d.rule, partition::Rule::BannedRandom) << d.name << ": " << d.reason;
      EXPECT_NE(d.reason.find("random op"), std::string::npos) << d.reason;
      ++said;
    }
  EXPECT_EQ(said, 4u);
  bool saved_random = false;
  for (const auto& s : r.saved)
    if (s.rule == partition::Rule::BannedRandom) {
      saved_random = true;
      EXPECT_NE(s.reason.find("is random and never recomputed"), std::string::npos) << s.reason;
    }
  EXPECT_TRUE(saved_random);
}

/// Eager and the compiled `part` from the same RNG state: outputs and gradients must be equal.
void expectCompiledRandomMatchesEager(const capture::TracedFn& fn, const at::Tensor& x,
                                      const capture::CaptureResult& cap, const partition::PartitionResult& part) {
  runtime::CompiledFunction compiled(cap, &part, exec::CompileOptions{}, {});
  auto once = [&](const capture::TracedFn& f) {
    at::Tensor leaf = x.clone().requires_grad_(true);
    at::manual_seed(42);
    at::Tensor out = f({leaf})[0];
    // A random op between the forward and the backward: the replay must not disturb the RNG stream either.
    at::Tensor after = at::rand({3});
    out.backward();
    return Tensors{out.detach(), leaf.grad(), after};
  };
  Tensors e = once(fn), c = once([&](const Tensors& in) { return compiled(in); });
  for (size_t k = 0; k < e.size(); ++k)
    EXPECT_TRUE(at::allclose(e[k], c[k], 1e-5, 1e-6)) << "tensor " << k << ": max |diff| "
                                                       << (e[k] - c[k]).abs().max().item<double>();
}

// Note [Replaying random ops]: a random op the backward recomputes draws what the forward drew. PyTorch does this
// for a must-recompute random op (functionalize_rng_ops); aotviz also when --functionalize-rng lets the min-cut
// recompute random ops.
TEST(Partition, RecomputedRandomOpsReplayTheForwardsRngState) {
  auto fn = [](const Tensors& in) { return Tensors{at::dropout(in[0].sin(), 0.3, true).cos().sum()}; };
  const at::Tensor x = at::randn({16, 32});
  auto cap = capture::captureGraph(fn, {input("x", x, true)});

  for (bool functionalize : {false, true}) {
    SCOPED_TRACE(functionalize ? "functionalize_rng" : "must-recompute override");
    Options o;
    if (functionalize) o.functionalize_rng = true;
    else o.overrides["native_dropout"] = partition::Override::MustRecompute;
    auto r = run(cap, o);
    bool recomputed = false;
    for (const auto& n : r.backward.nodes) recomputed = recomputed || n.name == "native_dropout";
    ASSERT_TRUE(recomputed) << "the backward should recompute native_dropout";
    EXPECT_EQ(testing::callOps(r.forward).front(), "aten::sin");
    const auto fw_ops = testing::callOps(r.forward);
    const auto at = std::find(fw_ops.begin(), fw_ops.end(), "aten::native_dropout");
    ASSERT_NE(at, fw_ops.begin());
    EXPECT_EQ(*(at - 1), "aotviz::get_rng_state") << "the state is read just before the op";
    const auto bw_ops = testing::callOps(r.backward);
    const auto bt = std::find(bw_ops.begin(), bw_ops.end(), "aten::native_dropout");
    ASSERT_TRUE(bt != bw_ops.begin() && bt + 1 != bw_ops.end());
    EXPECT_EQ(*(bt - 1), "aotviz::set_rng_state");
    EXPECT_EQ(*(bt + 1), "aotviz::set_rng_state");
    ASSERT_FALSE(r.saved.empty());
    EXPECT_EQ(r.saved.back().name, "native_dropout_rng_state");
    EXPECT_EQ(r.saved.back().kind, "rng_state");
    EXPECT_EQ(r.saved.back().rule, partition::Rule::RngState);
    EXPECT_EQ(r.saved.back().bytes, at::globalContext().defaultGenerator(at::kCPU).get_state().numel());
    for (const auto& d : r.nodes)
      if (d.name == "native_dropout") {
        EXPECT_EQ(d.placement, partition::Placement::Recomputed);
        EXPECT_NE(d.reason.find("replays the forward's RNG state"), std::string::npos) << d.reason;
      }
    expectCompiledRandomMatchesEager(fn, x, cap, r);
    // The record survives a JSON round trip (sessions, the cache), and the graphs still verify.
    auto back = partition::partitionFromJson(partition::partitionToJson(r, true));
    EXPECT_EQ(back.saved.back().rule, partition::Rule::RngState);
    EXPECT_TRUE(back.forward == r.forward);
    EXPECT_TRUE(back.backward == r.backward);
  }
}

/// Forward graph then backward graph on the same inputs and tangents give the joint graph's outputs and grads.
void expectForwardBackwardMatchJoint(const std::string& model, Options o) {
  models::Model m = models::buildModel(model);
  auto cap = capture::captureGraph(m.fn, m.inputs);
  std::vector<size_t> params = models::parameterIndices(m);
  auto r = run(cap, o, params);
  at::manual_seed(3);
  Tensors primals, tangents;
  for (const auto& in : m.inputs) primals.push_back(in.example.clone());
  for (const auto& n : cap.graph.nodes)
    if (n.role == ir::InputRole::Tangent) tangents.push_back(at::randn(cap.graph.value(n.outputs[0]).meta.sizes));
  Tensors joint_in = primals;
  for (const auto& t : tangents) joint_in.push_back(t);
  Tensors joint_in_copy;
  for (const auto& t : joint_in) joint_in_copy.push_back(t.clone());
  Tensors want = exec::Interpreter(cap.graph, at::kCPU).run(joint_in_copy);

  Tensors fw_in;
  for (const auto& t : primals) fw_in.push_back(t.clone());
  Tensors fw_out = exec::Interpreter(r.forward, at::kCPU).run(fw_in);
  ASSERT_EQ(fw_out.size(), r.num_fwd_outputs + r.saved.size());
  Tensors bw_in(fw_out.begin() + static_cast<std::ptrdiff_t>(r.num_fwd_outputs), fw_out.end());
  for (const auto& t : tangents) bw_in.push_back(t);
  Tensors grads = exec::Interpreter(r.backward, at::kCPU).run(bw_in);
  ASSERT_EQ(r.num_fwd_outputs + grads.size(), want.size());
  for (size_t k = 0; k < want.size(); ++k) {
    const at::Tensor& got = k < r.num_fwd_outputs ? fw_out[k] : grads[k - r.num_fwd_outputs];
    ASSERT_EQ(got.defined(), want[k].defined()) << model << " output " << k;
    if (got.defined()) {
      EXPECT_TRUE(at::allclose(got, want[k], 1e-4, 1e-5)) << model << " output " << k << " max diff "
                                                           << (got - want[k]).abs().max().item<double>();
    }
  }
}

TEST(Partition, ForwardThenBackwardEqualsTheJointOnEveryModel) {
  for (const auto& info : models::modelList())
    for (double budget : {1.0, 0.3, 0.0}) {
      Options o;
      o.memory_budget = budget;
      SCOPED_TRACE(info.name + " mincut budget " + std::to_string(budget));
      expectForwardBackwardMatchJoint(info.name, o);
    }
  for (const auto& info : models::modelList()) {
    SCOPED_TRACE(info.name + " default");
    expectForwardBackwardMatchJoint(info.name, defaultPartition());
  }
}

// The budget sweep: PyTorch's bisection between budgets 0 and 1, each point the min-cut at that budget, the ends
// normalised to memory ratio 0 and 1, more memory never costing more recomputation, the knee the point nearest the
// origin on scaled axes, and the partitioner-run bound kept.
TEST(Pareto, SweepsTheBudgetByBisectionAndFindsTheKnee) {
  models::Model m = models::buildModel("gpt", 0, {{"layers", 2}, {"seq", 32}, {"width", 64}});
  auto cap = capture::captureGraph(m.fn, m.inputs);
  const std::vector<size_t> params = models::parameterIndices(m);
  partition::Options base;
  const partition::ParetoSweep s = partition::paretoSweep(cap.graph, cap.numForwardOutputs(), params, base, 12);
  ASSERT_GE(s.points.size(), 3u);
  EXPECT_LE(s.partitions, 12u);
  EXPECT_DOUBLE_EQ(s.points.front().budget, 0.0);
  EXPECT_DOUBLE_EQ(s.points.front().memory_ratio, 0.0);
  EXPECT_DOUBLE_EQ(s.points.back().memory_ratio, 1.0);
  for (size_t i = 1; i < s.points.size(); ++i) {
    EXPECT_GT(s.points[i].budget, s.points[i - 1].budget);
    EXPECT_GE(s.points[i].saved_bytes, s.points[i - 1].saved_bytes) << i;
    EXPECT_LE(s.points[i].recompute_runtime, s.points[i - 1].recompute_runtime) << i;
  }
  // Each point is the partition at its budget.
  for (const auto& p : s.points) {
    partition::Options o = base;
    o.memory_budget = p.budget;
    const auto r = partition::partitionJoint(cap.graph, cap.numForwardOutputs(), params, o);
    EXPECT_EQ(r.totals.saved_bytes, p.saved_bytes) << p.budget;
    EXPECT_EQ(r.totals.recomputed_nodes, p.recomputed_nodes) << p.budget;
  }
  ASSERT_GE(s.knee, 0);
  ASSERT_LT(static_cast<size_t>(s.knee), s.points.size());
  EXPECT_GT(s.points[static_cast<size_t>(s.knee)].memory_ratio, 0.0);  // neither end on this curve
  EXPECT_LT(s.points[static_cast<size_t>(s.knee)].memory_ratio, 1.0);
  const auto j = partition::paretoToJson(s);
  EXPECT_EQ(j["points"].size(), s.points.size());
  EXPECT_EQ(j["knee"], s.knee);
}

}  // namespace
// The predicted live-bytes timeline against the interpreter's own count, node by node, over one real step: the
// forward then the backward, the saved values held between them, the peak and what is live there.
TEST(MemoryTimeline, PredictsTheLiveBytesTheInterpreterCounts) {
  for (const std::string name : {"mlp", "cnn", "attn_block", "gpt", "resnet18"}) {
    SCOPED_TRACE(name);
    models::Model m = models::buildModel(name);
    auto cap = capture::captureGraph(m.fn, m.inputs);
    const auto part = partition::partitionJoint(cap.graph, cap.numForwardOutputs(), models::parameterIndices(m), {});
    const partition::MemoryTimeline t = partition::predictMemoryTimeline(part);
    ASSERT_EQ(t.forward_points, part.forward.nodes.size() - 1);
    ASSERT_EQ(t.points.size(), t.forward_points + part.backward.nodes.size() - 1);
    runtime::RuntimeOptions ro;
    ro.profile = true;
    runtime::CompiledFunction f(cap, &part, exec::CompileOptions{}, ro);
    const std::vector<exec::Profile> prof = execution::profileStep(m, f, c10::Device(c10::DeviceType::CPU));
    ASSERT_EQ(prof.size(), 2u);
    std::map<std::pair<bool, std::string>, int64_t> measured;
    for (size_t g = 0; g < 2; ++g)
      for (const auto& n : prof[g].nodes) measured[{g == 1, n.name}] = n.live_bytes;
    size_t compared = 0, equal = 0;
    int64_t measured_peak = 0;
    for (const auto& p : t.points) {
      auto it = measured.find({p.backward, p.node});
      if (it == measured.end()) continue;  // a placeholder: the interpreter counts all inputs before the first node
      ++compared;
      equal += it->second == p.live_bytes ? 1 : 0;
      measured_peak = std::max(measured_peak, it->second);
      EXPECT_LE(p.saved_bytes, p.live_bytes) << p.node;
    }
    EXPECT_EQ(compared, measured.size());
    EXPECT_GT(compared, 20u);
    EXPECT_EQ(equal, compared) << "nodes whose predicted live bytes equal the measured ones";
    EXPECT_EQ(t.points[t.peak].live_bytes, measured_peak);
    // At the end of the forward every saved value is held; the backward starts from them and the tangents.
    EXPECT_EQ(t.points[t.forward_points - 1].saved_bytes, part.totals.saved_bytes);
    EXPECT_EQ(t.points[t.forward_points].saved_bytes > 0, !part.saved.empty());
    // What is live at the peak adds up to the peak, and its saved values to the per-module sums.
    int64_t at_peak = 0, saved = 0, by_module = 0;
    for (const auto& v : t.at_peak) {
      at_peak += v.bytes;
      saved += v.saved ? v.bytes : 0;
    }
    int64_t activations = 0, module_activations = 0;
    for (const auto& v : t.at_peak) {
      activations += v.saved && v.kind == "activation" ? v.bytes : 0;
      // gpt's modules own everything saved, parameters included (by their first user), and its token ids (wte).
      if (name == "gpt" && v.saved) {
        EXPECT_FALSE(v.scope.empty()) << v.name;
      }
    }
    for (const auto& mb : t.saved_by_module) {
      by_module += mb.bytes;
      module_activations += mb.activation_bytes;
    }
    EXPECT_EQ(module_activations, activations);
    EXPECT_EQ(at_peak, t.points[t.peak].live_bytes);
    EXPECT_EQ(saved, t.saved_at_peak);
    EXPECT_EQ(by_module, t.saved_at_peak);
    EXPECT_LE(t.saved_at_peak, t.points[t.peak].live_bytes);
  }
}

}  // namespace aotviz
