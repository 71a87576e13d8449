// tests/core/test_runtime.cpp — the compile and runtime stages: the compiled function against eager where the
// capture helpers cannot build the inputs (aliased and duplicate inputs), runtime guards, backward errors,
// profiling. (Every scenario that replays its graph also checks the compiled function: capture_testing.h.)
#include <gtest/gtest.h>
#include <torch/csrc/autograd/autograd.h>
#include <torch/csrc/autograd/function.h>

#include "core/compile/compile.h"
#include "core/models/zoo.h"
#include "tests/core/capture_testing.h"

namespace aotviz {
namespace {

using Tensors = std::vector<at::Tensor>;
at::Tensor py(int64_t v) { return capture::wrappedNumber(v); }

using testing::in;

std::string errorOf(const std::function<void()>& f) {
  try {
    f();
  } catch (const AotError& e) {
    return e.what();
  } catch (const c10::Error& e) {
    return e.what_without_backtrace();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
}

// Two overlapping views of one non-leaf base, one mutated: a synthetic base in the graph and at run time.
TEST(Runtime, SyntheticBaseMatchesEager) {
  auto f = [](const Tensors& a) {
    a[0].mul_(py(int64_t{2}));
    return Tensors{a[0] + a[1]};
  };
  auto make = [](std::vector<at::Tensor>& leaves) {
    at::manual_seed(3);
    at::Tensor root = at::randn({4, 2}).requires_grad_(true);
    at::Tensor x = root.clone();
    leaves = {root, root};
    return Tensors{x[0], x.select(1, 0).narrow(0, 0, 2)};  // overlap at x[0][0]
  };
  std::vector<at::Tensor> le, lc;
  Tensors ex = make(le);
  auto cap = capture::captureGraph(f, {in(ex[0], true, false), in(ex[1], true, false)});
  ASSERT_TRUE(cap.synthetic_base.applied);
  for (auto p : {partition::Partitioner::MinCut, partition::Partitioner::Default}) {
    auto compiled = testing::compileForCpu(cap, p);
    Tensors e = make(le), c = make(lc);
    testing::expectSameAsEager(f, compiled, e, c, le, lc, true, 1e-5, partition::partitionerName(p));
  }
  // The runtime checks that the inputs still alias.
  auto compiled = testing::compileForCpu(cap);
  EXPECT_NE(errorOf([&] { compiled({at::randn({2}), at::randn({4})}); }).find("no longer is one"), std::string::npos);
}

// The same tensor twice, mutated: dedupe drops the duplicate at run time and checks that it still is one.
TEST(Runtime, DuplicateMutatedInputMatchesEagerAndIsGuarded) {
  auto f = [](const Tensors& a) {
    a[0].add_(py(int64_t{1}));
    return Tensors{a[0] * a[1]};
  };
  at::Tensor x = at::randn({3});
  auto cap = capture::captureGraph(f, {in(x, false), in(x, false)});
  ASSERT_EQ(cap.dedupe.strategy, meta::DedupeStrategy::RemoveDupes);
  auto compiled = testing::compileForCpu(cap);
  at::Tensor xe = x.clone(), xc = x.clone();
  testing::expectSameAsEager(f, compiled, {xe, xe}, {xc, xc}, {}, {}, true, 1e-5, "dupes");
  std::string err = errorOf([&] { compiled({x.clone(), x.clone()}); });
  EXPECT_NE(err.find("would be a duplicate of input 0, but at runtime this was not the case"), std::string::npos)
      << err;
}

TEST(Runtime, GuardsNameTheInputAndWhatToDo) {
  auto f = [](const Tensors& a) { return Tensors{a[0] * a[1]}; };
  auto cap = capture::captureGraph(f, {in(at::randn({2, 3}), true), in(at::randn({2, 3}), false)});
  auto compiled = testing::compileForCpu(cap);
  std::string shape = errorOf([&] { compiled({at::randn({2, 4}), at::randn({2, 3})}); });
  EXPECT_NE(shape.find("[runtime]"), std::string::npos) << shape;
  EXPECT_NE(shape.find("input 0"), std::string::npos) << shape;
  EXPECT_NE(shape.find("compile again"), std::string::npos) << shape;
  std::string rg = errorOf([&] { compiled({at::randn({2, 3}), at::randn({2, 3}).requires_grad_()}); });
  EXPECT_NE(rg.find("would not require grad, but at runtime this was not the case"), std::string::npos) << rg;
  EXPECT_NE(errorOf([&] { compiled({at::randn({2, 3})}); }).find("takes 2 inputs"), std::string::npos);
}

TEST(Runtime, BackwardTwiceAndDoubleBackwardAreRefusedAsInPyTorch) {
  auto f = [](const Tensors& a) { return Tensors{(a[0] * a[0]).sin()}; };
  auto cap = capture::captureGraph(f, {in(at::randn({3}), true)});
  auto compiled = testing::compileForCpu(cap);
  at::Tensor x = at::randn({3}).requires_grad_();
  at::Tensor y = compiled({x})[0].sum();
  EXPECT_EQ(y.grad_fn()->next_edges()[0].function->name(), "CompiledFunctionBackward");
  torch::autograd::backward({y});
  EXPECT_TRUE(at::allclose(x.grad(), (x * x).cos() * 2 * x));
  EXPECT_NE(errorOf([&] { torch::autograd::backward({y}); }).find("backward through the graph a second time"),
            std::string::npos);
  at::Tensor z = compiled({x})[0].sum();
  auto g = torch::autograd::grad({z}, {x}, {}, true, true);
  ASSERT_TRUE(g[0].requires_grad());
  std::string dbl = errorOf([&] { torch::autograd::grad({g[0].sum()}, {x}); });
  EXPECT_NE(dbl.find("does not currently support double backward"), std::string::npos) << dbl;
}

TEST(Runtime, RetainGraphKeepsTheSavedTensorsForASecondBackward) {
  // Without retain_graph the saved tensors are handed to the compiled backward and freed there (Note [Saved
  // tensors die during the backward]); with it they stay, and a second backward gives the same gradient again.
  auto f = [](const Tensors& a) { return Tensors{(a[0] * a[0]).sin()}; };
  auto cap = capture::captureGraph(f, {in(at::randn({3}), true)});
  auto compiled = testing::compileForCpu(cap);
  at::Tensor x = at::randn({3}).requires_grad_();
  at::Tensor y = compiled({x})[0].sum();
  torch::autograd::backward({y}, {}, /*retain_graph=*/true);
  const at::Tensor once = x.grad().clone();
  EXPECT_TRUE(at::allclose(once, (x * x).cos() * 2 * x));
  torch::autograd::backward({y}, {}, /*retain_graph=*/false);
  EXPECT_TRUE(at::allclose(x.grad(), once * 2));
  EXPECT_NE(errorOf([&] { torch::autograd::backward({y}); }).find("backward through the graph a second time"),
            std::string::npos);
}

TEST(Runtime, ProfilesEveryNodeAndExportsAChromeTrace) {
  models::Model m = models::buildModel("mlp");
  auto cap = capture::captureGraph(m.fn, m.inputs);
  runtime::RuntimeOptions ro;
  ro.profile = true;
  auto compiled = testing::compileForCpu(cap, partition::Partitioner::MinCut, ro);
  Tensors args;
  for (const auto& i : m.inputs) args.push_back(i.example.clone().requires_grad_(i.requires_grad));
  Tensors out = compiled(args);
  torch::autograd::backward({out[0].sum()});
  std::vector<exec::Profile> profiles = compiled.takeProfiles();
  ASSERT_EQ(profiles.size(), 2u);
  EXPECT_EQ(profiles[0].graph, "forward");
  EXPECT_EQ(profiles[1].graph, "backward");
  for (const auto& p : profiles) {
    EXPECT_FALSE(p.nodes.empty());
    EXPECT_GT(p.peak_live_bytes, 0);
    for (const auto& n : p.nodes) EXPECT_GE(n.dur_us, 0);
  }
  nlohmann::json trace = exec::chromeTrace(profiles);
  size_t slices = 0;
  for (const auto& e : trace["traceEvents"]) slices += e["ph"] == "X";
  EXPECT_EQ(slices, profiles[0].nodes.size() + profiles[1].nodes.size());
  EXPECT_TRUE(compiled.takeProfiles().empty());

  // The trace is the profile's file form: it reads back exactly, through a dump and parse as a session does.
  EXPECT_EQ(exec::profileFromChromeTrace(nlohmann::json::parse(trace.dump()), "trace"), profiles);
  // A trace written before the tracks carried total_us and the slices start_us still reads: start from ts less
  // the earlier runs, a run's total as the end of its last slice.
  nlohmann::json old = trace;
  for (auto& e : old["traceEvents"]) {
    e["args"].erase("total_us");
    e["args"].erase("peak_live_bytes");
    e["args"].erase("graph");
    e["args"].erase("start_us");
  }
  const auto back = exec::profileFromChromeTrace(old, "trace");
  ASSERT_EQ(back.size(), 2u);
  EXPECT_EQ(back[1].graph, "backward");
  ASSERT_EQ(back[1].nodes.size(), profiles[1].nodes.size());
  // The forward's total is now the end of its last slice, so the backward's starts move by what that misses.
  EXPECT_LE(back[0].total_us, profiles[0].total_us);
  EXPECT_NEAR(back[1].nodes.back().start_us, profiles[1].nodes.back().start_us,
              profiles[0].total_us - back[0].total_us + 1e-6);
  EXPECT_EQ(back[0].nodes.back().start_us, profiles[0].nodes.back().start_us);  // the first run's are exact
  EXPECT_GT(back[0].peak_live_bytes, 0);
  EXPECT_LE(back[0].peak_live_bytes, profiles[0].peak_live_bytes);
  // A damaged slice is named by its path.
  nlohmann::json bad = trace;
  bad["traceEvents"][1]["args"].erase("live_bytes");
  EXPECT_NE(errorOf([&] { exec::profileFromChromeTrace(bad, "trace"); }).find("trace.traceEvents[1].args.live_bytes"),
            std::string::npos);
  bad = trace;
  bad["traceEvents"][1]["tid"] = 7;
  EXPECT_NE(errorOf([&] { exec::profileFromChromeTrace(bad, "trace"); }).find("traceEvents[1].tid"), std::string::npos);
}

TEST(Runtime, UnknownBackendListsTheKnownOnes) {
  std::string err = errorOf([] { exec::parseBackend("tvm"); });
  EXPECT_NE(err.find("use interpreter or cuda_graph"), std::string::npos) << err;
  auto cap = capture::captureGraph([](const Tensors& a) { return Tensors{a[0] + a[0]}; }, {in(at::randn({2}), false)});
  exec::CompileOptions o;
  o.backend = exec::Backend::CudaGraph;
  EXPECT_NE(errorOf([&] { runtime::CompiledFunction(cap, nullptr, o); }).find("--backend interpreter"),
            std::string::npos);
}

}  // namespace
}  // namespace aotviz
