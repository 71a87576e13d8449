// tests/core/test_torchscript.cpp — TorchScript import: scopes, source lines, mutations, replay, errors, specs.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>

#include <torch/csrc/jit/api/module.h>
#include <torch/csrc/jit/serialization/import.h>

#include "core/ir/serialize.h"
#include "core/models/input_spec.h"
#include "core/models/torchscript.h"
#include "core/pipeline/pipeline.h"
#include "core/util/atomic_file.h"
#include "core/util/run_command.h"
#include "tests/core/capture_testing.h"

namespace aotviz {
namespace {

using testing::expectReplayMatchesEager;
namespace fs = std::filesystem;

std::string asset(const std::string& name) { return std::string(AOTVIZ_SOURCE_DIR) + "/assets/torchscript/" + name; }

TEST(TorchScript, ScopedModuleRecordsModuleHierarchyAndSourceLines) {
  models::Model m = models::openModel(asset("scoped_mlp.pt"));
  ASSERT_EQ(m.inputs.size(), 11u);  // 2 blocks x (fc w, b, norm w, b) + head w, b + x
  EXPECT_EQ(m.inputs[0].name, "encoder.layers.0.fc.weight");
  EXPECT_EQ(m.inputs[0].kind, capture::InputKind::Param);
  EXPECT_TRUE(m.inputs[0].requires_grad);
  EXPECT_EQ(m.inputs.back().name, "x");
  EXPECT_EQ(m.inputs.back().kind, capture::InputKind::User);

  auto cap = capture::captureGraph(m.fn, m.inputs);
  ASSERT_TRUE(cap.is_joint);
  std::set<std::string> fw_scopes, bw_scopes;
  bool saw_script_line = false;
  for (const auto& n : cap.graph.nodes) {
    if (n.kind != ir::NodeKind::Call) continue;
    (n.prov.phase == ir::Phase::Forward ? fw_scopes : bw_scopes).insert(n.prov.scope);
    if (n.op == "aten::relu") {
      EXPECT_TRUE(n.prov.scope == "encoder.layers.0" || n.prov.scope == "encoder.layers.1") << n.prov.scope;
      // The Python line that scripted it (debug info kept by torch.jit.save).
      EXPECT_EQ(n.prov.source.rfind("make_torchscript_assets.py:", 0), 0u) << n.prov.source;
      saw_script_line = true;
    }
  }
  EXPECT_TRUE(saw_script_line);
  for (const char* s : {"encoder.layers.0.fc", "encoder.layers.1.norm", "head"}) {
    EXPECT_TRUE(fw_scopes.count(s)) << s;
    EXPECT_TRUE(bw_scopes.count(s)) << s;
  }
  expectReplayMatchesEager(m.fn, m.inputs);
}

TEST(TorchScript, LoadingLeavesTheModuleUsableAndCaptureIsRepeatable) {
  models::Model m = models::openModel(asset("scoped_mlp.pt"));
  std::string a = ir::graphToJsonString(capture::captureGraph(m.fn, m.inputs).graph);
  // Between captures the module's own parameters are back: an eager run gives finite values of the right shape.
  std::vector<at::Tensor> flat;
  for (const auto& in : m.inputs) flat.push_back(in.example);
  auto out = m.fn(flat);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].sizes(), (std::vector<int64_t>{8}));
  EXPECT_EQ(ir::graphToJsonString(capture::captureGraph(m.fn, m.inputs).graph), a);
}

TEST(TorchScript, BufferAndInputMutationsAreSeen) {
  models::Model m = models::openModel(asset("buffer_mutation.pt"));
  std::vector<std::string> names;
  for (const auto& in : m.inputs) names.push_back(in.name);
  EXPECT_EQ(names, (std::vector<std::string>{"fc.weight", "fc.bias", "running_mean", "x", "counter"}));
  auto cap = capture::captureGraph(m.fn, m.inputs);
  EXPECT_TRUE(cap.meta.input_info[2].mutates_data);  // running_mean
  EXPECT_TRUE(cap.meta.input_info[4].mutates_data);  // counter
  EXPECT_EQ(cap.meta.input_info[3].mutation_type, meta::MutationType::NotMutated);
  EXPECT_EQ(cap.mutated_inputs, (std::vector<size_t>{2, 4}));
  expectReplayMatchesEager(m.fn, m.inputs);
}

TEST(TorchScript, OutputsAliasingInputsAreReported) {
  models::Model m = models::openModel(asset("output_aliasing.pt"));
  auto cap = capture::captureGraph(m.fn, m.inputs);
  ASSERT_EQ(cap.num_user_outputs, 3u);
  EXPECT_EQ(cap.meta.output_info[0].output_type, meta::OutputType::AliasOfInput);
  EXPECT_EQ(cap.meta.output_info[0].base_idx, 2);  // x.t(); x is input 2 after fc.weight, fc.bias
  EXPECT_EQ(cap.meta.output_info[1].base_idx, -1);
  EXPECT_EQ(cap.meta.output_info[2].base_idx, -1);
  expectReplayMatchesEager(m.fn, m.inputs);
}

TEST(TorchScript, SameAsPassesOneTensorTwice) {
  models::Model m = models::openModel(asset("duplicate_inputs.pt"));
  ASSERT_EQ(m.inputs.size(), 2u);
  EXPECT_TRUE(m.inputs[0].example.is_same(m.inputs[1].example));
  EXPECT_TRUE(m.inputs[1].requires_grad);
}

TEST(TorchScript, DataDependentBranchIsAClearCaptureError) {
  models::Model m = models::openModel(asset("data_dependent.pt"));
  try {
    capture::captureGraph(m.fn, m.inputs);
    FAIL() << "expected an error";
  } catch (const AotError& e) {
    EXPECT_EQ(e.diagnostic().stage, "metadata");  // the first stage that runs the model
    EXPECT_EQ(e.diagnostic().node, "aten::_local_scalar_dense");
    ASSERT_FALSE(e.diagnostic().notes.empty());
    EXPECT_EQ(e.diagnostic().notes[0].rfind("at make_torchscript_assets.py:", 0), 0u) << e.diagnostic().notes[0];
  }
}

// ------------------------------------------------------------------------------------------ parameters in containers

/// Modules that reach their parameters through containers (Note [Parameters in containers] in torchscript.cpp),
/// scripted in training mode by PyTorch 2.11 into the build directory when the test runs (no binaries in the
/// repository): <name>.pt and <name>.json.
constexpr const char* kContainerModules = R"PY(
import json, os, sys
import torch
import torch.nn as nn

class Lstm(nn.Module):
    def __init__(self):
        super().__init__()
        self.rnn = nn.LSTM(8, 16, num_layers=2, batch_first=True)

    def forward(self, x):
        out, (h, c) = self.rnn(x)
        return out, h, c

class Gru(nn.Module):
    def __init__(self):
        super().__init__()
        self.rnn = nn.GRU(8, 16, bidirectional=True)

    def forward(self, x):
        out, h = self.rnn(x)
        return out, h

class Containers(nn.Module):
    def __init__(self):
        super().__init__()
        self.pl = nn.ParameterList([nn.Parameter(torch.randn(8, 8) / 4) for _ in range(2)])
        self.pd = nn.ParameterDict({"scale": nn.Parameter(torch.rand(8) + 0.5), "shift": nn.Parameter(torch.randn(8))})
        self.fa = nn.Linear(8, 8)
        self.fb = nn.Linear(8, 8)
        self.register_buffer("offset", torch.randn(8))
        self.weights = [self.fa.weight, self.fb.weight]        # a plain list of submodule parameters
        self.named = {"bias": self.fa.bias, "offset": self.offset}  # a dict, with a buffer
        self.pair = (self.fb.bias, [self.fa.weight])            # a tuple holding a list

    def forward(self, x):
        for p in self.pl:
            x = torch.tanh(x @ p)
        x = x * self.pd["scale"] + self.pd["shift"]
        for w in self.weights:
            x = torch.tanh(x @ w.t())
        x = x + self.named["bias"] + self.named["offset"] + self.pair[0]
        return x @ self.pair[1][0]

torch.manual_seed(0)
out = sys.argv[1]
for name, module, shape in [("lstm", Lstm(), [2, 5, 8]), ("gru", Gru(), [5, 2, 8]),
                            ("containers", Containers(), [4, 8])]:
    module.train()
    tmp = f"{out}/{name}.{os.getpid()}"  # test processes may run this at the same time
    torch.jit.save(torch.jit.script(module), tmp + ".pt")
    json.dump({"inputs": [{"name": "x", "shape": shape}]}, open(tmp + ".json", "w"))
    os.replace(tmp + ".pt", f"{out}/{name}.pt")
    os.replace(tmp + ".json", f"{out}/{name}.json")
)PY";

/// The directory holding the modules of kContainerModules, made when its stamp (the script that made them) is not
/// this script; empty with `why` set when PyTorch could not run.
std::string containerModulesDir(std::string* why) {
  static std::string dir, reason;
  static bool made = false;
  if (!made) {
    made = true;
    const std::string python = AOTVIZ_PYTHON;
    const std::filesystem::path d = std::filesystem::path(AOTVIZ_BINARY_DIR) / "torchscript_containers";
    const std::filesystem::path script = d / ("make." + std::to_string(::getpid()) + ".py"), stamp = d / "stamp";
    const std::string cmd = "OMP_NUM_THREADS=1 " + python + " " + script.string() + " " + d.string();
    std::filesystem::create_directories(d);
    if (std::filesystem::exists(stamp) && util::readFile(stamp) == kContainerModules) {
      dir = d.string();
    } else if (python.empty()) {
      reason = "no venv python was configured (AOTVIZ_PYTHON); scripts/run-tests.sh sets it";
    } else {
      util::writeFileAtomic(script, kContainerModules);
      const util::CommandResult r = util::runCommand(cmd);
      std::filesystem::remove(script);
      if (r.exit_code != 0) {
        reason = "scripting the modules failed (exit " + std::to_string(r.exit_code) + ")";
      } else {
        util::writeFileAtomic(stamp, kContainerModules);
        dir = d.string();
      }
    }
  }
  *why = reason;
  return dir;
}

std::vector<std::string> inputNames(const models::Model& m) {
  std::vector<std::string> names;
  for (const auto& in : m.inputs) names.push_back(in.name);
  return names;
}

TEST(TorchScriptContainers, ParametersReachedThroughContainersAreTracedInputs) {
  std::string why;
  const std::string dir = containerModulesDir(&why);
  ASSERT_FALSE(dir.empty()) << why;
  models::Model lstm = models::openModel(dir + "/lstm.pt");
  EXPECT_EQ(inputNames(lstm),
            (std::vector<std::string>{"rnn.weight_ih_l0", "rnn.weight_hh_l0", "rnn.bias_ih_l0", "rnn.bias_hh_l0",
                                      "rnn.weight_ih_l1", "rnn.weight_hh_l1", "rnn.bias_ih_l1", "rnn.bias_hh_l1",
                                      "x"}));
  models::Model containers = models::openModel(dir + "/containers.pt");
  EXPECT_EQ(inputNames(containers),
            (std::vector<std::string>{"pl.0", "pl.1", "pd.scale", "pd.shift", "fa.weight", "fa.bias", "fb.weight",
                                      "fb.bias", "offset", "x"}));
  for (models::Model* m : {&lstm, &containers}) {
    SCOPED_TRACE(m->name);
    auto cap = capture::captureGraph(m->fn, m->inputs);
    ASSERT_TRUE(cap.is_joint);
    // Every weight is a graph input (none baked in as a constant), and gets a gradient.
    EXPECT_TRUE(cap.warnings.empty()) << cap.warnings.front();
    for (const auto& n : cap.graph.nodes) EXPECT_NE(n.op, "aten::lift_fresh_copy");
    expectReplayMatchesEager(m->fn, m->inputs, capture::TraceMode::Fake, 1e-4);
    // The containers are the module's own again: an eager run works on the CPU weights.
    std::vector<at::Tensor> flat;
    for (const auto& in : m->inputs) flat.push_back(in.example);
    for (const at::Tensor& out : m->fn(flat)) EXPECT_TRUE(out.isfinite().all().item<bool>());
  }
}

/// The scripted nn.LSTM / nn.GRU and the module with parameter containers through the whole pipeline: the compiled
/// step equals eager (outputs, gradients, inputs after the step).
class TorchScriptContainerModules : public ::testing::TestWithParam<std::string> {};

TEST_P(TorchScriptContainerModules, CompiledEqualsEager) {
  std::string why;
  const std::string dir = containerModulesDir(&why);
  ASSERT_FALSE(dir.empty()) << why;
  pipeline::Config c;
  c.model = dir + "/" + GetParam() + ".pt";
  c.use_cache = false;
  c.iters = 1;
  pipeline::Pipeline p(c);
  p.runAll();
  ASSERT_FALSE(p.halted()) << p.snapshots().back()->error->format();
  const auto& ex = p.snapshots()[pipeline::index(pipeline::StageId::Execution)];
  ASSERT_EQ(ex->status, pipeline::StageStatus::Done);
  const nlohmann::json rep = pipeline::resultToJson(ex->result)["report"];
  EXPECT_LT(rep["max_abs_diff"]["outputs"].get<double>(), 1e-4);
  EXPECT_LT(rep["max_abs_diff"]["gradients"].get<double>(), 1e-4);
  EXPECT_LT(rep["max_abs_diff"]["inputs"].get<double>(), 1e-4);
}

INSTANTIATE_TEST_SUITE_P(Scripted, TorchScriptContainerModules, ::testing::Values("lstm", "gru", "containers"));

void expectInputsError(const std::function<void()>& body, const std::string& fragment) {
  try {
    body();
    FAIL() << "expected an error containing '" << fragment << "'";
  } catch (const AotError& e) {
    EXPECT_EQ(e.diagnostic().stage, "inputs");
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
    EXPECT_FALSE(e.diagnostic().hint.empty());
  }
}

// Note [Tied parameters]: a tensor registered under two names (an LM head tied to its embedding) is one input,
// so its gradient sums both uses, as eager's does; two inputs would split it (tiny_lm in the corpus did).
TEST(TorchScript, TiedParametersAreOneInputWithTheWholeGradient) {
  const fs::path dir = fs::temp_directory_path() / ("aotviz_tied_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  at::Tensor w = at::randn({8}).requires_grad_();
  torch::jit::Module head("__torch__.Head");
  head.register_parameter("weight", w, false);
  torch::jit::Module m("__torch__.Tied");
  m.register_parameter("weight", w, false);
  m.register_module("head", head);
  m.define(R"(
def forward(self, x):
    return (x * self.weight).tanh() * self.head.weight
)");
  m.save((dir / "tied.pt").string());
  {
    std::ofstream(dir / "tied.json") << R"({"inputs": [{"name": "x", "shape": [4, 8]}]})";
  }
  models::Model model = models::openModel((dir / "tied.pt").string());
  ASSERT_EQ(model.inputs.size(), 2u);
  EXPECT_EQ(model.inputs[0].name, "weight");
  // Eager PyTorch on the module itself: d/dw of sum((x*w).tanh() * w) over both uses.
  const at::Tensor x = model.inputs[1].example;
  torch::jit::Module loaded = torch::jit::load((dir / "tied.pt").string());
  at::Tensor lw = loaded.attr("weight").toTensor();
  lw.mutable_grad() = at::Tensor();
  loaded.forward({x}).toTensor().sum().backward();
  at::Tensor want = lw.grad().clone();
  at::Tensor leaf = model.inputs[0].example.clone().requires_grad_();
  model.fn({leaf, x})[0].sum().backward();
  EXPECT_TRUE(at::allclose(leaf.grad(), want)) << leaf.grad() << want;
  // And through the whole pipeline, compiled equals eager.
  pipeline::Config c;
  c.model = (dir / "tied.pt").string();
  c.use_cache = false;
  c.iters = 1;
  pipeline::Pipeline p(c);
  p.runAll();
  EXPECT_FALSE(p.halted()) << p.snapshots().back()->error->format();
  fs::remove_all(dir);
}

TEST(TorchScript, ClearErrorsForBadFilesAndSpecs) {
  expectInputsError([] { models::openModel("/nonexistent/model.pt"); }, "no such file");
  expectInputsError([] { models::openModel(asset("scoped_mlp.json"), asset("scoped_mlp.json")); },
                    "cannot load it as a TorchScript module");
  expectInputsError([] { models::openModel(asset("scoped_mlp.pt"), asset("buffer_mutation.json")); },
                    "forward() takes 1 inputs (x) but the input spec gives 2");
  expectInputsError([] { models::openModel("mlp", asset("scoped_mlp.json")); }, "--inputs is only for .pt and .pt2 files");
  // Truncated and bit-flipped archives: a clear error naming the file, without LibTorch's C++ backtrace.
  const std::string good = util::readFile(asset("scoped_mlp.pt"));
  const auto dir = std::filesystem::temp_directory_path() / ("aotviz_ts_damaged_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::string flipped = good;
  for (size_t i = 100; i < flipped.size(); i += 997) flipped[i] = static_cast<char>(flipped[i] ^ 0x5a);
  for (const auto& [name, bytes] : {std::pair<std::string, std::string>{"truncated.pt", good.substr(0, good.size() / 2)},
                                    {"flipped.pt", flipped}}) {
    const std::string path = (dir / name).string();
    util::writeFileAtomic(path, bytes);
    try {
      models::openModel(path, asset("scoped_mlp.json"));
      ADD_FAILURE() << name << " loaded";
    } catch (const AotError& e) {
      const std::string what = e.what();
      EXPECT_NE(what.find(name), std::string::npos) << what;
      EXPECT_NE(what.find("cannot load it as a TorchScript module"), std::string::npos) << what;
      EXPECT_EQ(what.find("frame #"), std::string::npos) << "backtrace in the message: " << what;
    }
  }
  std::filesystem::remove_all(dir);
}

TEST(InputSpec, ParsesFillsAndRejectsWithJsonPaths) {
  auto spec = models::parseInputSpec(
      R"({"inputs": [{"name": "x", "shape": [2, 3]},
                     {"name": "ids", "shape": [4], "dtype": "int64", "init": "randint", "low": 5, "high": 7},
                     {"name": "w", "shape": [3], "init": "arange", "requires_grad": true},
                     {"name": "y", "same_as": "x"}], "seed": 3})",
      "spec.json");
  ASSERT_EQ(spec.inputs.size(), 4u);
  EXPECT_EQ(spec.seed, 3u);
  auto in = models::makeInputs(spec, spec.seed);
  EXPECT_EQ(in[0].example.sizes(), (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(in[1].example.scalar_type(), at::kLong);
  EXPECT_TRUE(in[1].example.ge(5).all().item<bool>() && in[1].example.lt(7).all().item<bool>());
  EXPECT_TRUE(at::equal(in[2].example, at::arange(3, at::kFloat)));
  EXPECT_TRUE(in[2].requires_grad);
  EXPECT_TRUE(in[3].example.is_same(in[0].example));
  EXPECT_TRUE(at::equal(models::makeInputs(spec, 3)[0].example, in[0].example));  // deterministic per seed

  auto rejects = [](const std::string& text, const std::string& fragment) {
    expectInputsError([&] { models::parseInputSpec(text, "spec.json"); }, fragment);
  };
  rejects("{", "spec.json: not valid JSON");
  rejects(R"({"inputs": {}})", "$.inputs must be an array");
  rejects(R"({"inputs": [{"name": "x"}]})", "$.inputs[0].shape must be an array");
  rejects(R"({"inputs": [{"name": "x", "shape": [2, -1]}]})", "$.inputs[0].shape[1] must be a non-negative");
  rejects(R"({"inputs": [{"name": "x", "shape": [2], "dtype": "float"}]})", "'float' is not a dtype");
  rejects(R"({"inputs": [{"name": "x", "shape": [2], "dtype": "int64", "requires_grad": true}]})",
          "only floating-point inputs can require grad");
  rejects(R"({"inputs": [{"name": "x", "shape": [2], "shpae": 1}]})", "$.inputs[0].shpae is not a known field");
  rejects(R"({"inputs": [{"name": "y", "same_as": "x"}]})", "not an earlier input");
  rejects(R"({"inputs": [{"name": "x", "shape": [2]}, {"name": "x", "shape": [2]}]})", "repeats the input name");
  rejects(R"([{"shape": [2]}, {"view_of": 1, "size": [1]}])", "$[1].view_of is 1, not an earlier input");
  rejects(R"([{"shape": [2]}, {"view_of": 0, "size": [1], "dtype": "int64"}])", "$[1].dtype does not apply to a view");
  rejects(R"({"inputs": [], "grad_mode": "off"})", "$.grad_mode must be");
  expectInputsError([] { models::makeInputs(models::parseInputSpec(R"([{"shape": [4]}, {"view_of": 0, "size": [3], "offset": 2}])", "s"), 0); },
                    "does not fit in its base's memory");
}

TEST(InputSpec, ListFormWithLeafSameAsViewOfAndGradMode) {
  auto spec = models::parseInputSpec(
      R"({"inputs": [{"shape": [4, 2], "requires_grad": true, "leaf": false},
                     {"same_as": 0},
                     {"view_of": "input_0", "size": [2], "stride": [1], "offset": 2}],
          "grad_mode": "no_grad", "seed": 1})",
      "spec.json");
  EXPECT_FALSE(spec.grad_enabled);
  auto in = models::makeInputs(spec, spec.seed);
  ASSERT_EQ(in.size(), 3u);
  EXPECT_FALSE(in[0].is_leaf);
  EXPECT_TRUE(in[1].example.is_same(in[0].example));
  EXPECT_TRUE(in[2].example.is_view());
  EXPECT_EQ(in[2].example.storage_offset(), 2);
  EXPECT_EQ(in[2].example.data_ptr(), static_cast<float*>(in[0].example.data_ptr()) + 2);
  EXPECT_TRUE(in[2].requires_grad);  // a view of a tensor that requires grad
  auto list = models::parseInputSpec(R"([{"shape": [3]}, {"same_as": 0}])", "list.json");
  EXPECT_EQ(list.inputs[1].same_as, 0);
  EXPECT_TRUE(list.grad_enabled);
}

}  // namespace
}  // namespace aotviz
