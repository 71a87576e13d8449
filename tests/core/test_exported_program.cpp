// tests/core/test_exported_program.cpp — torch.export import (.pt2): the graph signature as inputs, the same joint
// graph as the TorchScript path, both IR forms, scopes and source lines, sample inputs and specs, symbolic sizes,
// and clear errors for damaged or unsupported archives.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <set>

#include "core/capture/capture.h"
#include "core/models/exported_program.h"
#include "core/models/input_spec.h"
#include "core/models/torchscript.h"
#include "core/pipeline/pipeline.h"
#include "core/util/atomic_file.h"
#include "tests/core/capture_testing.h"

namespace aotviz {
namespace {

using testing::expectReplayMatchesEager;
namespace fs = std::filesystem;

std::string exported(const std::string& name) { return std::string(AOTVIZ_SOURCE_DIR) + "/assets/export/" + name; }
std::string scripted(const std::string& name) { return std::string(AOTVIZ_SOURCE_DIR) + "/assets/torchscript/" + name; }

/// The joint graph's calls in order, each with its output shapes: "aten::addmm [8, 16]".
std::vector<std::string> callSequence(const ir::Graph& g) {
  std::vector<std::string> ops;
  for (const auto& n : g.nodes) {
    if (n.kind != ir::NodeKind::Call) continue;
    std::string s = n.op;
    for (ir::ValueId v : n.outputs) {
      s += " [";
      const auto& sizes = g.value(v).meta.sizes;
      for (size_t i = 0; i < sizes.size(); ++i) s += (i ? ", " : "") + std::to_string(sizes[i]);
      s += "]";
    }
    ops.push_back(s);
  }
  return ops;
}

TEST(ExportedProgram, GraphSignatureBecomesTheInputsWithTheirNames) {
  models::Model pt2 = models::openModel(exported("scoped_mlp.pt2"));
  models::Model ts = models::openModel(scripted("scoped_mlp.pt"));
  ASSERT_EQ(pt2.inputs.size(), ts.inputs.size());
  for (size_t i = 0; i < ts.inputs.size(); ++i) {
    EXPECT_EQ(pt2.inputs[i].name, ts.inputs[i].name) << i;
    EXPECT_EQ(pt2.inputs[i].kind, ts.inputs[i].kind) << i;
    EXPECT_EQ(pt2.inputs[i].requires_grad, ts.inputs[i].requires_grad) << i;
    EXPECT_EQ(pt2.inputs[i].example.sizes(), ts.inputs[i].example.sizes()) << i;
    // Weights written by scripts/make_export_assets.py from the TorchScript asset: the very same numbers.
    if (ts.inputs[i].kind != capture::InputKind::User) {
      EXPECT_TRUE(pt2.inputs[i].example.equal(ts.inputs[i].example)) << i;
    }
  }
  EXPECT_EQ(pt2.inputs.back().name, "x");
  EXPECT_EQ(pt2.inputs.back().kind, capture::InputKind::User);

  models::Model buf = models::openModel(exported("buffer_mutation.pt2"));
  std::vector<std::string> names;
  for (const auto& in : buf.inputs) names.push_back(in.name);
  EXPECT_EQ(names, (std::vector<std::string>{"fc.weight", "fc.bias", "running_mean", "x", "counter"}));
  EXPECT_EQ(buf.inputs[2].kind, capture::InputKind::Buffer);
}

// torch.export lifts a tied LM head once per name; ep.module() binds both names to one Parameter. One input, so
// the gradient is the sum of both uses (the embedding lookup and the head's matmul).
TEST(ExportedProgram, TiedWeightsAreOneInput) {
  models::Model m = models::openModel(exported("tiny_decoder.pt2"));
  size_t params = 0;
  for (const auto& in : m.inputs) params += in.kind == capture::InputKind::Param;
  EXPECT_EQ(params, 20u);  // 21 PARAMETER inputs in the signature, two of them one tensor
  bool noted = false;
  for (const auto& n : m.notes) noted = noted || n == "'lm_head.weight' is tied to 'embed_tokens.weight' (one weight record): one input";
  EXPECT_TRUE(noted);
  auto cap = capture::captureGraph(m.fn, m.inputs);
  size_t embedding_backward = 0;
  for (const auto& n : cap.graph.nodes) embedding_backward += n.op == "aten::embedding_dense_backward";
  EXPECT_EQ(embedding_backward, 1u);
  expectReplayMatchesEager(m.fn, m.inputs);
}

/// The same Python module, exported and scripted: the same joint graph, op for op, and the same metadata.
class SameJointAsTorchScript : public ::testing::TestWithParam<std::string> {};

TEST_P(SameJointAsTorchScript, OpForOp) {
  models::Model pt2 = models::openModel(exported(GetParam() + ".pt2"));
  models::Model ts = models::openModel(scripted(GetParam() + ".pt"));
  const auto a = capture::captureGraph(pt2.fn, pt2.inputs);
  const auto b = capture::captureGraph(ts.fn, ts.inputs);
  EXPECT_EQ(callSequence(a.graph), callSequence(b.graph));
  EXPECT_EQ(a.mutated_inputs, b.mutated_inputs);
  ASSERT_EQ(a.meta.output_info.size(), b.meta.output_info.size());
  for (size_t i = 0; i < a.meta.output_info.size(); ++i) {
    EXPECT_EQ(a.meta.output_info[i].output_type, b.meta.output_info[i].output_type) << i;
    EXPECT_EQ(a.meta.output_info[i].base_idx, b.meta.output_info[i].base_idx) << i;
  }
  expectReplayMatchesEager(pt2.fn, pt2.inputs);
}

INSTANTIATE_TEST_SUITE_P(Scenarios, SameJointAsTorchScript,
                         ::testing::Values("scoped_mlp", "buffer_mutation", "output_aliasing"));

TEST(ExportedProgram, ModuleScopesAndSourceLinesFromTheNodeMetadata) {
  models::Model m = models::openModel(exported("scoped_mlp.pt2"));
  auto cap = capture::captureGraph(m.fn, m.inputs);
  std::set<std::string> fw_scopes, bw_scopes;
  bool saw_line = false;
  for (const auto& n : cap.graph.nodes) {
    if (n.kind != ir::NodeKind::Call) continue;
    (n.prov.phase == ir::Phase::Forward ? fw_scopes : bw_scopes).insert(n.prov.scope);
    if (n.op == "aten::relu" && n.prov.phase == ir::Phase::Forward) {
      EXPECT_TRUE(n.prov.scope == "encoder.layers.0" || n.prov.scope == "encoder.layers.1") << n.prov.scope;
      EXPECT_EQ(n.prov.source.rfind("make_torchscript_assets.py:", 0), 0u) << n.prov.source;
      saw_line = true;
    }
  }
  EXPECT_TRUE(saw_line);
  for (const char* s : {"encoder.layers.0.fc", "encoder.layers.1.norm", "head"}) {
    EXPECT_TRUE(fw_scopes.count(s)) << s;
    EXPECT_TRUE(bw_scopes.count(s)) << s;
  }
}

// After run_decompositions() the graph is functional: buffer and input mutations are extra outputs, which the
// replay copies into their inputs, so the metadata shows the same mutations as the default IR.
TEST(ExportedProgram, DecomposedFormShowsTheSameMutations) {
  models::Model dflt = models::openModel(exported("buffer_mutation.pt2"));
  models::Model dec = models::openModel(exported("buffer_mutation_decomposed.pt2"));
  const auto a = capture::captureGraph(dflt.fn, dflt.inputs);
  const auto b = capture::captureGraph(dec.fn, dec.inputs);
  EXPECT_EQ(a.mutated_inputs, (std::vector<size_t>{2, 4}));  // running_mean, counter
  EXPECT_EQ(b.mutated_inputs, a.mutated_inputs);
  EXPECT_EQ(b.num_user_outputs, a.num_user_outputs);
  expectReplayMatchesEager(dec.fn, dec.inputs);
}

/// Every good asset, both IR forms, through the whole pipeline: compiled equals eager (the execution check).
class ExportedCompiledEqualsEager : public ::testing::TestWithParam<std::string> {};

TEST_P(ExportedCompiledEqualsEager, Check) {
  pipeline::Config c;
  c.model = exported(GetParam() + ".pt2");
  c.use_cache = false;
  c.iters = 1;
  pipeline::Pipeline p(c);
  p.runAll();
  ASSERT_FALSE(p.halted()) << p.snapshots().back()->error->format();
  const nlohmann::json rep = pipeline::resultToJson(p.snapshots()[pipeline::index(pipeline::StageId::Execution)]->result)["report"];
  EXPECT_TRUE(rep["check"]["ok"].get<bool>()) << rep["check"].dump(1);
}

INSTANTIATE_TEST_SUITE_P(Assets, ExportedCompiledEqualsEager,
                         ::testing::Values("scoped_mlp", "scoped_mlp_decomposed", "buffer_mutation",
                                           "buffer_mutation_decomposed", "output_aliasing", "output_aliasing_decomposed",
                                           "tiny_decoder", "tiny_decoder_decomposed"));

TEST(ExportedProgram, AnInputSpecReplacesTheSampleInputs) {
  const models::InputSpec spec = models::parseInputSpec(R"({"inputs": [{"name": "x", "shape": [8, 16], "init": "ones"}]})", "spec");
  models::Model m = models::loadExportedProgram(exported("scoped_mlp.pt2"), &spec);
  EXPECT_TRUE(m.inputs.back().example.equal(at::ones({8, 16})));
  EXPECT_EQ(m.inputs.back().name, "x");
  // A static dimension the program was exported with cannot change.
  const models::InputSpec wrong = models::parseInputSpec(R"({"inputs": [{"name": "x", "shape": [3, 16]}]})", "spec");
  try {
    models::loadExportedProgram(exported("scoped_mlp.pt2"), &wrong);
    FAIL() << "expected an error";
  } catch (const AotError& e) {
    EXPECT_NE(std::string(e.what()).find("user input 'x' was exported with shape [8, 16] but the example input has [3, 16]"),
              std::string::npos) << e.what();
  }
}

TEST(ExportedProgram, SymbolicDimensionsAreSpecializedWithANote) {
  models::Model m = models::openModel(exported("scoped_mlp_dynamic.pt2"));
  ASSERT_FALSE(m.notes.empty());
  EXPECT_NE(m.notes[0].find("specialized to 8 from the example inputs"), std::string::npos) << m.notes[0];
  EXPECT_NE(m.notes[0].find("symbolic dimension s77, range [0, inf] (x.size(0))"), std::string::npos) << m.notes[0];
  // Another batch size is fine for a symbolic dimension.
  const models::InputSpec spec = models::parseInputSpec(R"({"inputs": [{"name": "x", "shape": [5, 16]}]})", "spec");
  models::Model five = models::loadExportedProgram(exported("scoped_mlp_dynamic.pt2"), &spec);
  EXPECT_NE(five.notes.at(0).find("specialized to 5"), std::string::npos) << five.notes[0];
  expectReplayMatchesEager(five.fn, five.inputs);
}

void expectInputsError(const std::string& path, const std::string& fragment) {
  try {
    models::openModel(path);
    FAIL() << path << ": expected an error containing '" << fragment << "'";
  } catch (const AotError& e) {
    EXPECT_EQ(e.diagnostic().stage, "inputs") << e.what();
    EXPECT_EQ(e.diagnostic().node, path) << e.what();
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
    EXPECT_EQ(std::string(e.what()).find("Exception raised from"), std::string::npos) << e.what();  // no C++ backtrace
    EXPECT_FALSE(e.diagnostic().hint.empty());
  }
}

TEST(ExportedProgram, DamagedAndUnsupportedArchivesGiveClearErrors) {
  expectInputsError("/nonexistent/model.pt2", "no such file");
  expectInputsError(exported("bad/wrong_version.pt2"), "archive_version is '99'; this build reads version 0");
  expectInputsError(exported("bad/wrong_format.pt2"), "archive_format is 'pt3'");
  expectInputsError(exported("bad/missing_weight.pt2"), "the archive has no data/weights/weight_0 (weight '");
  expectInputsError(exported("bad/no_model.pt2"), "the archive has no models/*.json");
  expectInputsError(exported("bad/custom_op.pt2"), "calls the custom operator aotviz_test::twice, which this LibTorch does not have");

  const std::string good = util::readFile(exported("scoped_mlp.pt2"));
  const fs::path dir = fs::temp_directory_path() / ("aotviz_pt2_damaged_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::string flipped = good;
  for (size_t i = 100; i < flipped.size(); i += 997) flipped[i] = static_cast<char>(flipped[i] ^ 0x5a);
  const std::pair<std::string, std::string> cases[] = {
      {"truncated.pt2", good.substr(0, good.size() / 2)}, {"flipped.pt2", flipped}, {"empty.pt2", ""}};
  for (const auto& [name, bytes] : cases) {
    const std::string path = (dir / name).string();
    util::writeFileAtomic(path, bytes);
    expectInputsError(path, "cannot load it as a torch.export archive");
  }
  // A TorchScript archive under a .pt2 name.
  const std::string renamed = (dir / "scripted.pt2").string();
  util::writeFileAtomic(renamed, util::readFile(scripted("scoped_mlp.pt")));
  expectInputsError(renamed, "not a torch.export archive");
  fs::remove_all(dir);
}

}  // namespace
}  // namespace aotviz
