// tests/cli/test_cli.cpp — the `aotviz` command line as a user runs it: help, models, compile, errors.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <sys/wait.h>
#include <vector>

#include "tests/common/session_damages.h"

namespace {

struct Result {
  int code = -1;
  std::string out;  // stdout and stderr together
};

Result run(const std::string& args) {
  Result r;
  std::string cmd = std::string(AOTVIZ_BINARY) + " " + args + " 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return r;
  std::array<char, 4096> buf{};
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) r.out.append(buf.data(), n);
  int status = pclose(p);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::filesystem::path tempDir(const std::string& name) {
  auto d = std::filesystem::temp_directory_path() / ("aotviz_cli_test_" + name + "_" + std::to_string(::getpid()));
  std::filesystem::remove_all(d);
  return d;
}

/// Every test's compiles use a private partition cache, not the user's.
class PrivateCache : public ::testing::Environment {
 public:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("aotviz_cli_test_cache_" + std::to_string(::getpid()));
    ::setenv("AOTVIZ_CACHE_DIR", dir_.c_str(), 1);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

 private:
  std::filesystem::path dir_;
};
const auto* const kPrivateCache = ::testing::AddGlobalTestEnvironment(new PrivateCache);

nlohmann::json jsonOut(const Result& r) { return nlohmann::json::parse(r.out.substr(r.out.find('{'))); }

TEST(Cli, HelpListsEverySubcommand) {
  Result r = run("--help");
  EXPECT_EQ(r.code, 0);
  for (const char* sub : {"models", "compile", "run", "bench", "import-trace", "inspect", "render"}) EXPECT_NE(r.out.find(sub), std::string::npos) << sub;
  Result c = run("compile --help");
  EXPECT_EQ(c.code, 0);
  EXPECT_NE(c.out.find("--out"), std::string::npos);
  EXPECT_NE(c.out.find("--trace"), std::string::npos);
}

TEST(Cli, ModelsJsonListsThePeerModels) {
  Result r = run("models --json");
  ASSERT_EQ(r.code, 0) << r.out;
  auto j = nlohmann::json::parse(r.out);
  std::vector<std::string> names;
  for (const auto& m : j) names.push_back(m["name"]);
  for (const char* want : {"mlp", "mlp_gelu_ln", "cnn", "attn_block", "mutation_fn", "deep_mlp"})
    EXPECT_NE(std::find(names.begin(), names.end(), want), names.end()) << want;
}

// gpt's size flags reach the model, the session keeps them (so Restart builds the same size), and a model without
// size options refuses them with a message.
TEST(Cli, GptSizeFlagsScaleTheGraphAndAreKeptInTheSession) {
  auto dir = tempDir("gpt_size");
  auto calls = [&](const std::string& flags) {
    Result r = run("compile gpt " + flags + " --partitioner none --out " + dir.string() + " --json");
    EXPECT_EQ(r.code, 0) << r.out;
    return nlohmann::json::parse(r.out.substr(r.out.find('{')))["call_nodes"].get<int>();
  };
  const int one = calls("--layers 1 --seq 16 --width 64"), three = calls("--layers 3 --seq 16 --width 64");
  EXPECT_GT(three, 2 * one);
  auto session = nlohmann::json::parse(slurp(dir / "session.json"));
  EXPECT_EQ(session["config"]["model_options"], (nlohmann::json{{"layers", 3}, {"seq", 16}, {"width", 64}}));
  Result bad = run("compile mlp --layers 2 --out " + dir.string());
  EXPECT_EQ(bad.code, 1);
  EXPECT_NE(bad.out.find("takes no size options"), std::string::npos) << bad.out;
  auto models = nlohmann::json::parse(run("models --json").out);
  for (const auto& m : models)
    if (m["name"] == "gpt") {
      EXPECT_EQ(m["options"]["layers"], 4) << m.dump();
    }
}

// compile --pareto writes the budget sweep (points by budget, the knee) and keeps to --pareto-points runs.
TEST(Cli, CompileParetoWritesTheBudgetSweep) {
  auto dir = tempDir("pareto");
  const auto file = dir / "pareto.json";
  Result r = run("compile gpt --layers 2 --seq 16 --width 64 --out " + dir.string() + " --pareto " + file.string() +
                 " --pareto-points 8 --json");
  ASSERT_EQ(r.code, 0) << r.out;
  auto summary = nlohmann::json::parse(r.out.substr(r.out.find('{')));
  EXPECT_LE(summary["pareto"]["partitions"].get<int>(), 8);
  auto j = nlohmann::json::parse(slurp(file));
  EXPECT_EQ(j["format"], "aotviz.pareto");
  ASSERT_GE(j["points"].size(), 2u);
  EXPECT_EQ(j["points"][0]["budget"], 0.0);
  EXPECT_EQ(j["points"].back()["memory_ratio"], 1.0);
  EXPECT_GE(j["knee"].get<int>(), 0);
  Result bad = run("compile gpt --layers 1 --partitioner none --out " + dir.string() + " --pareto " + file.string());
  EXPECT_EQ(bad.code, 1);
  EXPECT_NE(bad.out.find("--pareto needs the partition stage"), std::string::npos) << bad.out;
}

TEST(Cli, CompileWritesJointGraphJsonAndText) {
  auto dir = tempDir("compile");
  Result r = run("compile mlp --out " + dir.string() + " --json");
  ASSERT_EQ(r.code, 0) << r.out;
  auto summary = nlohmann::json::parse(r.out.substr(r.out.find('{')));
  EXPECT_EQ(summary["is_joint"], true);
  EXPECT_EQ(summary["call_nodes"], 32);
  auto graph = nlohmann::json::parse(slurp(dir / "joint.json"));
  EXPECT_EQ(graph["format"], "aotviz.graph");
  std::string text = slurp(dir / "joint.txt");
  EXPECT_EQ(text.rfind("def forward(self, primals_1: \"f32[128, 64]\"", 0), 0u) << text.substr(0, 200);
  EXPECT_NE(text.find("tangents_1: \"f32[32, 10]\""), std::string::npos);
  EXPECT_NE(text.find("torch.ops.aten.threshold_backward.default"), std::string::npos);
  std::filesystem::remove_all(dir);
}

TEST(Cli, CompileIsDeterministic) {
  auto a = tempDir("det_a"), b = tempDir("det_b");
  ASSERT_EQ(run("compile attn_block --out " + a.string()).code, 0);
  ASSERT_EQ(run("compile attn_block --out " + b.string()).code, 0);
  EXPECT_EQ(slurp(a / "joint.json"), slurp(b / "joint.json"));
  EXPECT_FALSE(slurp(a / "joint.json").empty());
  std::filesystem::remove_all(a);
  std::filesystem::remove_all(b);
}

TEST(Cli, CompileTorchScriptModuleWithItsInputSpec) {
  auto dir = tempDir("ts");
  const std::string pt = std::string(AOTVIZ_SOURCE_DIR) + "/assets/torchscript/scoped_mlp.pt";
  Result r = run("compile " + pt + " --inputs " + std::string(AOTVIZ_SOURCE_DIR) +
                 "/assets/torchscript/scoped_mlp.json --out " + dir.string() + " --json");
  ASSERT_EQ(r.code, 0) << r.out;
  auto j = nlohmann::json::parse(r.out.substr(r.out.find('{')));
  EXPECT_EQ(j["model"], "scoped_mlp");
  EXPECT_EQ(j["is_joint"], true);
  EXPECT_NE(slurp(dir / "joint.txt").find("scope=encoder.layers.1.norm"), std::string::npos);
  // Without --inputs, the .json beside the .pt is used.
  EXPECT_EQ(run("compile " + pt + " --out " + dir.string()).code, 0);
  Result missing = run("compile /nonexistent/m.pt --out " + dir.string());
  EXPECT_EQ(missing.code, 1);
  EXPECT_NE(missing.out.find("no such file"), std::string::npos) << missing.out;
  std::filesystem::remove_all(dir);
}

TEST(Cli, CompileAndRunATorchExportArchive) {
  auto dir = tempDir("pt2");
  const std::string assets = std::string(AOTVIZ_SOURCE_DIR) + "/assets/export/";
  Result r = run("compile " + assets + "scoped_mlp.pt2 --out " + dir.string() + " --json");
  ASSERT_EQ(r.code, 0) << r.out;
  auto j = nlohmann::json::parse(r.out.substr(r.out.find('{')));
  EXPECT_EQ(j["model"], "scoped_mlp");
  EXPECT_EQ(j["is_joint"], true);
  EXPECT_NE(slurp(dir / "joint.txt").find("scope=encoder.layers.1.norm"), std::string::npos);
  // The symbolic batch is specialized, and the note says so.
  Result dyn = run("compile " + assets + "scoped_mlp_dynamic.pt2 --out " + dir.string());
  ASSERT_EQ(dyn.code, 0) << dyn.out;
  EXPECT_NE(dyn.out.find("symbolic dimension s77"), std::string::npos) << dyn.out;
  // Compiled equals eager on the decoder, in both IR forms.
  for (const char* name : {"tiny_decoder.pt2", "tiny_decoder_decomposed.pt2"}) {
    Result ok = run("run " + assets + name + " --iters 1 --no-cache --json");
    ASSERT_EQ(ok.code, 0) << name << ok.out;
    EXPECT_TRUE(jsonOut(ok)["check"]["ok"].get<bool>()) << name;
  }
  Result bad = run("compile " + assets + "bad/custom_op.pt2 --out " + dir.string());
  EXPECT_EQ(bad.code, 1);
  EXPECT_NE(bad.out.find("custom operator aotviz_test::twice"), std::string::npos) << bad.out;
  std::filesystem::remove_all(dir);
}

TEST(Cli, ImportTraceListsCompilesAndComparesPartitions) {
  auto dir = tempDir("trace");
  const std::string trace = std::string(AOTVIZ_SOURCE_DIR) + "/assets/trace/";
  Result r = run("import-trace " + trace + "graph_break_aot_eager --out " + dir.string() + " --json");
  ASSERT_EQ(r.code, 0) << r.out;
  auto j = nlohmann::json::parse(r.out.substr(r.out.find('{')));
  ASSERT_EQ(j["compiles"].size(), 3u);
  EXPECT_EQ(j["compiles"][0]["compile_id"], "0/0");
  for (int k : {1, 2}) {
    EXPECT_TRUE(j["compiles"][k]["diff"]["same"].get<bool>()) << j["compiles"][k].dump();
    EXPECT_EQ(j["compiles"][k]["pytorch"]["saved"], j["compiles"][k]["aotviz"]["saved"]);
  }
  EXPECT_TRUE(std::filesystem::exists(dir / "0_0_1" / "joint.json"));
  EXPECT_TRUE(std::filesystem::exists(dir / "1_0" / "aotviz_partition.json"));
  // The rendered joint graph is a graph aotviz's own tools read.
  Result render = run("render " + (dir / "0_0_1" / "joint.json").string() + " --out " + (dir / "joint.dot").string());
  EXPECT_EQ(render.code, 0) << render.out;
  // A log cut short: what is readable is still imported, the damage is named with its file and line, exit 1.
  const std::string log = slurp(trace + "mlp_aot_eager/dedicated_log_torch_trace_mlp_aot_eager.log");
  const auto cut = dir / "cut";
  std::filesystem::create_directories(cut);
  {
    std::ofstream out(cut / "dedicated_log_torch_trace_cut.log", std::ios::binary);
    out << log.substr(0, 60000);
  }
  Result damaged = run("import-trace " + cut.string() + " --out " + (dir / "cut_out").string());
  EXPECT_EQ(damaged.code, 1) << damaged.out;
  EXPECT_NE(damaged.out.find("dedicated_log_torch_trace_cut.log:"), std::string::npos) << damaged.out;
  EXPECT_NE(damaged.out.find("same decisions"), std::string::npos) << damaged.out;
  Result none = run("import-trace " + dir.string() + "/nothing --out " + dir.string());
  EXPECT_EQ(none.code, 1);
  EXPECT_NE(none.out.find("TORCH_TRACE=DIR"), std::string::npos) << none.out;
  std::filesystem::remove_all(dir);
}

TEST(Cli, CompileWritesMetaJsonForAliasedAndMutatedInputs) {
  auto dir = tempDir("meta");
  const std::string assets = std::string(AOTVIZ_SOURCE_DIR) + "/assets/torchscript/";
  // A list-form spec: input 1 is a view of input 0, which the module mutates: a synthetic base.
  Result r = run("compile " + assets + "aliased_mutation.pt --out " + dir.string());
  ASSERT_EQ(r.code, 0) << r.out;
  auto j = nlohmann::json::parse(slurp(dir / "meta.json"));
  EXPECT_EQ(j["schema_version"], 1);
  EXPECT_EQ(j["torch_version"], "2.11.0");
  EXPECT_EQ(j["is_train"], true);
  EXPECT_EQ(j["input_info"][0]["mutates_data"], true);
  EXPECT_EQ(j["input_info"][0]["mutation_type"], "mutated_out_graph");
  EXPECT_EQ(j["input_info"][0]["is_leaf"], false);
  EXPECT_EQ(j["input_info"][1]["mutation_type"], "not_mutated");
  EXPECT_EQ(j["output_info"][0]["output_type"], "non_alias");
  EXPECT_EQ(j["synthetic_base"]["applied"], true);
  EXPECT_EQ(j["synthetic_base"]["info"][1]["storage_offset"], 2);
  EXPECT_EQ(j["graphs"]["joint"]["inputs"], 3);  // the base and two tangents
  EXPECT_EQ(j["graphs"]["joint"]["num_fwd_outputs"], 2);
  EXPECT_EQ(j["graphs"]["forward"]["inputs"], 1);
  EXPECT_EQ(j["graphs"]["forward"]["ops"]["aten::as_strided_scatter"], 1);
  // The same tensor twice, mutated: dedupe keeps one graph input.
  ASSERT_EQ(run("compile " + assets + "duplicate_mutation.pt --out " + dir.string()).code, 0);
  j = nlohmann::json::parse(slurp(dir / "meta.json"));
  EXPECT_EQ(j["dedupe"]["strategy"], "remove_dupes");
  EXPECT_EQ(j["dedupe"]["add_dupe_map"], (std::vector<int>{0, 0}));
  EXPECT_EQ(j["graphs"]["forward"]["inputs"], 1);
  // A built-in model: BatchNorm's buffers (counter, running mean and variance) are mutated, in the graph with
  // --keep-input-mutations.
  ASSERT_EQ(run("compile cnn --keep-input-mutations --out " + dir.string()).code, 0);
  j = nlohmann::json::parse(slurp(dir / "meta.json"));
  auto mutationType = [&](const std::string& name) -> std::string {
    for (size_t i = 0; i < j["input_names"].size(); ++i)
      if (j["input_names"][i] == name) return j["input_info"][i]["mutation_type"];
    return "no input " + name;
  };
  for (const char* buffer : {"1.num_batches_tracked", "1.running_mean", "1.running_var"})
    EXPECT_EQ(mutationType(buffer), "mutated_in_graph") << buffer;
  EXPECT_EQ(mutationType("1.weight"), "not_mutated");
  EXPECT_EQ(j["graphs"]["forward"]["ops"]["aten::copy_"], 3);
  std::filesystem::remove_all(dir);
}

TEST(Cli, CompilePartitionsAndWritesForwardBackwardAndDecisions) {
  auto dir = tempDir("part");
  Result r = run("compile mlp --partitioner mincut --budget 0.5 --must-recompute relu --out " + dir.string() + " --json");
  ASSERT_EQ(r.code, 0) << r.out;
  auto j = nlohmann::json::parse(r.out.substr(r.out.find('{')));
  EXPECT_EQ(j["partition"]["partitioner"], "mincut");
  for (const char* f : {"forward.json", "forward.txt", "backward.json", "backward.txt", "partition.json"})
    EXPECT_TRUE(std::filesystem::exists(dir / f)) << f;
  auto p = nlohmann::json::parse(slurp(dir / "partition.json"));
  EXPECT_EQ(p["memory_budget"], 0.5);
  EXPECT_EQ(p["overrides"]["relu"], "must_recompute");
  EXPECT_GT(p["saved"].size(), 0u);
  for (const auto& s : p["saved"]) {
    EXPECT_GT(s["bytes"].get<int64_t>(), 0);
    EXPECT_FALSE(s["reason"].get<std::string>().empty());
  }
  bool relu_recomputed = false;
  for (const auto& n : p["nodes"])
    if (n["name"] == "relu") relu_recomputed = n["placement"] == "recomputed" && n["rule"] == "override_must_recompute";
  EXPECT_TRUE(relu_recomputed) << p["nodes"].dump();
  EXPECT_NE(slurp(dir / "backward.txt").find("tangents_1"), std::string::npos);

  Result bad = run("compile mlp --budget 2 --out " + dir.string());
  EXPECT_NE(bad.code, 0);
  Result unknown = run("compile mlp --must-save nope --out " + dir.string());
  EXPECT_EQ(unknown.code, 1);
  EXPECT_NE(unknown.out.find("[partition] nope"), std::string::npos) << unknown.out;
  std::filesystem::remove_all(dir);
}

TEST(Cli, UnknownModelSaysWhichExist) {
  Result r = run("compile no_such_model --out " + tempDir("unknown").string());
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.out.find("unknown model 'no_such_model'"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("attn_block"), std::string::npos) << r.out;
}

TEST(Cli, CompileWritesEveryStageArtifactAndTheSession) {
  auto dir = tempDir("artifacts");
  Result r = run("compile attn_block --out " + dir.string() + " --json");
  ASSERT_EQ(r.code, 0) << r.out;
  auto j = jsonOut(r);
  EXPECT_EQ(j["stages"].size(), 11u);
  for (const char* f : {"joint.json", "joint.txt", "joint.dot", "forward.json", "forward.txt", "forward.dot",
                        "backward.json", "backward.txt", "backward.dot", "partition.json", "meta.json", "stages.json",
                        "session.json"})
    EXPECT_TRUE(std::filesystem::exists(dir / f)) << f;
  auto session = nlohmann::json::parse(slurp(dir / "session.json"));
  EXPECT_EQ(session["format"], "aotviz.session");
  EXPECT_EQ(session["torch_version"], "2.11.0");
  EXPECT_EQ(session["snapshots"].size(), 11u);
  EXPECT_EQ(session["config"]["model"], "attn_block");
  std::string dot = slurp(dir / "joint.dot");
  EXPECT_EQ(dot.rfind("digraph", 0), 0u);
  EXPECT_NE(dot.find("#d8c341"), std::string::npos);  // saved values in the palette's colour
  EXPECT_NE(dot.find("subgraph cluster_"), std::string::npos);  // module scopes
  std::filesystem::remove_all(dir);
}

TEST(Cli, CompileFailureStillWritesTheSessionUpToTheFailedStage) {
  auto dir = tempDir("failed");
  const std::string pt = std::string(AOTVIZ_SOURCE_DIR) + "/assets/torchscript/data_dependent.pt";
  Result r = run("compile " + pt + " --out " + dir.string());
  EXPECT_EQ(r.code, 1) << r.out;
  EXPECT_NE(r.out.find("error: ["), std::string::npos) << r.out;
  auto session = nlohmann::json::parse(slurp(dir / "session.json"));
  EXPECT_EQ(session["snapshots"].back()["status"], "failed");
  std::filesystem::remove_all(dir);
}

TEST(Cli, InspectPrintsASavedSessionsStagesAndExitsNonZeroOnAFailedOne) {
  auto dir = tempDir("inspect");
  ASSERT_EQ(run("compile mlp --iters 1 --out " + dir.string()).code, 0);
  Result r = run("inspect " + (dir / "session.json").string());
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("model mlp, 11 of 11 stages"), std::string::npos) << r.out;
  for (const char* stage : {"inputs", "joint", "partition", "execution"}) EXPECT_NE(r.out.find(stage), std::string::npos) << stage;
  EXPECT_EQ(r.out.find("warning"), std::string::npos) << r.out;
  Result j = run("inspect --json " + (dir / "session.json").string());
  ASSERT_EQ(j.code, 0) << j.out;
  auto doc = jsonOut(j);
  ASSERT_EQ(doc["stages"].size(), 11u);
  EXPECT_EQ(doc["stages"][10]["stage"], "execution");
  EXPECT_TRUE(doc["stages"][10]["summary"]["report"]["check"]["ok"].get<bool>());
  EXPECT_TRUE(doc["warnings"].empty());
  // A session whose compiled result disagreed with eager: non-zero, naming the tensor.
  const std::string pt = std::string(AOTVIZ_SOURCE_DIR) + "/assets/torchscript/python_state.pt";
  ASSERT_EQ(run("compile " + pt + " --iters 1 --no-cache --out " + (dir / "bad").string()).code, 1);
  Result bad = run("inspect " + (dir / "bad" / "session.json").string());
  EXPECT_EQ(bad.code, 1) << bad.out;
  EXPECT_NE(bad.out.find("the session's execution stage failed"), std::string::npos) << bad.out;
  EXPECT_NE(bad.out.find("gradient of 'w'"), std::string::npos) << bad.out;
  // A file that is not a session, or is cut short: an error naming the file, exit 1.
  std::ofstream(dir / "cut.json") << slurp(dir / "session.json").substr(0, 5000);
  Result cut = run("inspect " + (dir / "cut.json").string());
  EXPECT_EQ(cut.code, 1) << cut.out;
  EXPECT_NE(cut.out.find("cut.json"), std::string::npos) << cut.out;
  std::filesystem::remove_all(dir);
}

// Issue 25, in the CLI: each field of a saved session's stage results, metadata, notes, times and statuses,
// removed, retyped or cut short in turn. `aotviz inspect` never crashes (exit 0 or 1, never a signal) and names
// the field; the rest of the session is still printed. (tests/core's Session test does the same for every nested
// field in-process; tests/gui's for the app.)
TEST(Cli, InspectNamesEachDamagedFieldOfASessionAndNeverCrashes) {
  auto dir = tempDir("inspect_damaged");
  ASSERT_EQ(run("compile mutation_fn --iters 1 --out " + dir.string()).code, 0);
  const nlohmann::json good = nlohmann::json::parse(slurp(dir / "session.json"));
  const auto damages = aotviz::testing::sessionDamages(good);
  const auto& snaps = good["snapshots"];
  ASSERT_GT(damages.size(), 60u);
  size_t named = 0;
  for (size_t n = 0; n < damages.size(); ++n) {
    const auto& d = damages[n];
    const auto file = dir / ("damaged_" + std::to_string(n) + ".json");
    std::ofstream(file) << d.doc.dump();
    Result r = run("inspect " + file.string());
    EXPECT_TRUE(r.code == 0 || r.code == 1) << d.path << ": exit " << r.code << "\n" << r.out;
    EXPECT_EQ(r.out.find("terminate called"), std::string::npos) << d.path << "\n" << r.out;
    if (r.out.find(d.path) != std::string::npos) ++named;
    else ADD_FAILURE() << d.path << ": the output does not name it:\n" << r.out;
    // Everything else is still shown: every stage the file holds is listed, unless the damage is the stage list.
    EXPECT_NE(r.out.find(std::to_string(snaps.size()) + " of 11 stages"), std::string::npos) << d.path << "\n" << r.out;
    std::filesystem::remove(file);
  }
  EXPECT_EQ(named, damages.size());
  std::filesystem::remove_all(dir);
}

TEST(Cli, SecondCompileHitsTheCacheAndNoCacheBypassesIt) {
  auto dir = tempDir("cache");
  const std::string base = "compile mlp --json --cache-dir " + (dir / "cache").string() + " --out " + dir.string();
  Result first = run(base);
  ASSERT_EQ(first.code, 0) << first.out;
  EXPECT_EQ(jsonOut(first)["cache"]["hit"], false);
  EXPECT_EQ(jsonOut(first)["cache"]["misses"], 1);
  Result second = run(base);
  ASSERT_EQ(second.code, 0) << second.out;
  EXPECT_EQ(jsonOut(second)["cache"]["hit"], true);
  EXPECT_EQ(jsonOut(second)["cache"]["hits"], 1);
  EXPECT_EQ(jsonOut(second)["partition"]["from_cache"], true);
  EXPECT_EQ(jsonOut(first)["partition"]["totals"]["saved_bytes"], jsonOut(second)["partition"]["totals"]["saved_bytes"]);
  Result off = run(base + " --no-cache");
  ASSERT_EQ(off.code, 0) << off.out;
  EXPECT_EQ(jsonOut(off)["cache"]["enabled"], false);
  EXPECT_EQ(jsonOut(off)["cache"]["hits"], 0);
  Result text = run("compile mlp --cache-dir " + (dir / "cache").string() + " --out " + dir.string());
  EXPECT_NE(text.out.find("[cache] 1 hit, 0 miss"), std::string::npos) << text.out;
  std::filesystem::remove_all(dir);
}

TEST(Cli, TwoProcessesWritingTheSameCacheKeyConcurrently) {
  auto dir = tempDir("concurrent");
  std::filesystem::create_directories(dir);
  const std::string cache = (dir / "cache").string();
  const std::string one = std::string(AOTVIZ_BINARY) + " compile deep_mlp --json --cache-dir " + cache + " --out ";
  // Both start with an empty cache, miss, partition and write the same entry at about the same time.
  Result both = run("--version >/dev/null; (" + one + (dir / "a").string() + " > " + (dir / "a.json").string() +
                    " 2>&1 & " + one + (dir / "b").string() + " > " + (dir / "b.json").string() +
                    " 2>&1 & wait) && cat " + (dir / "a.json").string() + " " + (dir / "b.json").string());
  ASSERT_EQ(both.code, 0) << both.out;
  EXPECT_EQ(nlohmann::json::parse(slurp(dir / "a.json"))["ok"], true);
  EXPECT_EQ(nlohmann::json::parse(slurp(dir / "b.json"))["ok"], true);
  size_t entries = 0, temps = 0;
  for (const auto& e : std::filesystem::directory_iterator(cache)) {
    entries += e.path().extension() == ".json";
    temps += e.path().string().find(".tmp.") != std::string::npos;
  }
  EXPECT_EQ(entries, 1u);
  EXPECT_EQ(temps, 0u);
  Result third = run("compile deep_mlp --json --cache-dir " + cache + " --out " + (dir / "c").string());
  ASSERT_EQ(third.code, 0) << third.out;
  EXPECT_EQ(jsonOut(third)["cache"]["hit"], true);  // the entry left behind is complete
  std::filesystem::remove_all(dir);
}

TEST(Cli, RenderWritesDotSvgAndPng) {
  auto dir = tempDir("render");
  ASSERT_EQ(run("compile mlp --out " + dir.string()).code, 0);
  Result dot = run("render " + (dir / "joint.json").string() + " --out " + (dir / "j.dot").string() + " --json");
  ASSERT_EQ(dot.code, 0) << dot.out;
  EXPECT_GT(jsonOut(dot)["nodes"].get<int>(), 30);
  EXPECT_EQ(slurp(dir / "j.dot").rfind("digraph", 0), 0u);
  Result svg = run("render " + (dir / "forward.json").string() + " --out " + (dir / "f.svg").string());
  if (svg.code == 0) {  // builds without Graphviz write DOT only and say so
    EXPECT_NE(slurp(dir / "f.svg").find("<svg"), std::string::npos);
    ASSERT_EQ(run("render " + (dir / "backward.json").string() + " --out " + (dir / "b.png").string()).code, 0);
    EXPECT_EQ(slurp(dir / "b.png").substr(1, 3), "PNG");
  } else {
    EXPECT_NE(svg.out.find("no Graphviz"), std::string::npos) << svg.out;
  }
  Result bad = run("render " + (dir / "meta.json").string() + " --out " + (dir / "m.svg").string());
  EXPECT_EQ(bad.code, 1);
  EXPECT_NE(bad.out.find("[load]"), std::string::npos) << bad.out;
  Result ext = run("render " + (dir / "joint.json").string() + " --out " + (dir / "j.bmp").string());
  EXPECT_EQ(ext.code, 1);
  EXPECT_NE(ext.out.find(".dot, .svg or .png"), std::string::npos) << ext.out;
  // An operator this LibTorch lacks is drawn with a warning; a graph that fails the verifier is refused.
  nlohmann::json j = nlohmann::json::parse(slurp(dir / "forward.json"));
  for (auto& n : j["nodes"])
    if (n["kind"] == "call") {
      n["op"] = "aten::addmm_v2";
      break;
    }
  std::ofstream(dir / "future.json") << j.dump();
  Result future = run("render " + (dir / "future.json").string() + " --out " + (dir / "future.dot").string() + " --json");
  ASSERT_EQ(future.code, 0) << future.out;
  EXPECT_NE(future.out.find("warning: [render]"), std::string::npos) << future.out;
  EXPECT_NE(future.out.find("operator aten::addmm_v2 does not exist in this LibTorch"), std::string::npos) << future.out;
  j["nodes"].erase(j["nodes"].size() - 1);
  std::ofstream(dir / "broken.json") << j.dump();
  Result broken = run("render " + (dir / "broken.json").string() + " --out " + (dir / "broken.dot").string());
  EXPECT_EQ(broken.code, 1);
  EXPECT_NE(broken.out.find("fails the IR verifier"), std::string::npos) << broken.out;
  EXPECT_FALSE(std::filesystem::exists(dir / "broken.dot"));
  std::filesystem::remove_all(dir);
}

TEST(Cli, BenchComparesWithPyTorchAndEager) {
  auto dir = tempDir("bench");
  std::filesystem::create_directories(dir);
  Result r = run("bench --models mutation_fn,mlp --reps 1 --cold-reps 1 --step-reps 1 --iters 1 --json --out " +
                 (dir / "t.md").string());
  ASSERT_EQ(r.code, 0) << r.out;
  auto j = jsonOut(r);
  ASSERT_EQ(j["models"].size(), 2u);
  // The venv's PyTorch 2.11 is the peer (scripts/run-tests.sh installs it): both sides, warm and cold.
  ASSERT_FALSE(j["torch_python"].is_null()) << r.out;
  EXPECT_EQ(j["torch_python"].get<std::string>().rfind("2.11.0", 0), 0u) << j["torch_python"];
  for (const auto& m : j["models"]) {
    for (const char* k : {"aotviz_warm_ms", "aotviz_cold_ms", "torch_warm_ms", "torch_cold_ms", "compiled_over_eager"})
      EXPECT_GT(m[k]["median"].get<double>(), 0) << m["model"] << " " << k;
    EXPECT_GT(m["joint_nodes"].get<int64_t>(), 0) << m["model"];
    EXPECT_GT(m["warm_speedup"].get<double>(), 1.0) << m["model"];
    EXPECT_GT(m["cold_speedup"].get<double>(), 1.0) << m["model"];
    EXPECT_GT(m["aotviz_saved_bytes"].get<int64_t>(), 0) << m["model"];
    EXPECT_EQ(m["aotviz_saved_bytes"], m["torch_saved_bytes"]) << m["model"];
  }
  EXPECT_NE(slurp(dir / "t.md").find("| mutation_fn |"), std::string::npos);
  Result bad = run("bench --models nope --reps 1");
  EXPECT_EQ(bad.code, 1);
  EXPECT_NE(bad.out.find("unknown model 'nope'"), std::string::npos) << bad.out;
  std::filesystem::remove_all(dir);
}

TEST(Cli, RunComparesCompiledWithEagerAndWritesAChromeTrace) {
  auto dir = tempDir("run");
  std::filesystem::create_directories(dir);
  const std::string trace = (dir / "trace.json").string();
  Result r = run("run cnn --iters 2 --json --trace-out " + trace);
  ASSERT_EQ(r.code, 0) << r.out;
  auto j = nlohmann::json::parse(r.out.substr(r.out.find('{')));
  EXPECT_EQ(j["model"], "cnn");
  EXPECT_EQ(j["training"], true);
  EXPECT_GT(j["eager"]["median_step_ms"].get<double>(), 0);
  EXPECT_GT(j["compiled"]["median_step_ms"].get<double>(), 0);
  EXPECT_GT(j["compiled"]["peak_bytes"].get<int64_t>(), 0);
  EXPECT_LT(j["max_abs_diff"]["outputs"].get<double>(), 1e-4);
  EXPECT_LT(j["max_abs_diff"]["gradients"].get<double>(), 1e-4);
  EXPECT_LT(j["max_abs_diff"]["inputs"].get<double>(), 1e-4);  // BatchNorm's running statistics
  auto t = nlohmann::json::parse(slurp(trace));
  size_t slices = 0;
  for (const auto& e : t["traceEvents"]) slices += e["ph"] == "X";
  EXPECT_GT(slices, 10u);
  std::filesystem::remove_all(dir);
}

// Issue 21: a compiled result that disagrees with eager is a failure: exit 1, the worst tensor named, the report
// still printed. python_state.pt keeps a call counter the traced graph freezes.
TEST(Cli, RunExitsNonZeroAndNamesTheTensorWhenCompiledDisagrees) {
  const std::string pt = std::string(AOTVIZ_SOURCE_DIR) + "/assets/torchscript/python_state.pt";
  Result r = run("run " + pt + " --iters 1 --no-cache");
  EXPECT_EQ(r.code, 1) << r.out;
  EXPECT_NE(r.out.find("error: [execution] compiled and eager disagree on 2 of 4 tensors; worst: gradient of 'w'"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("check: FAILED"), std::string::npos) << r.out;
  Result j = run("run " + pt + " --iters 1 --no-cache --json");
  EXPECT_EQ(j.code, 1) << j.out;
  auto doc = jsonOut(j);
  EXPECT_FALSE(doc["ok"].get<bool>());
  EXPECT_FALSE(doc["check"]["ok"].get<bool>());
  // A tolerance the user sets wide enough passes; a model without such state passes with the default.
  EXPECT_EQ(run("run " + pt + " --iters 1 --no-cache --rtol 10").code, 0);
  Result ok = run("run mlp --iters 1 --json");
  ASSERT_EQ(ok.code, 0) << ok.out;
  EXPECT_TRUE(jsonOut(ok)["check"]["ok"].get<bool>());
}

TEST(Cli, RunRefusesWhatThisBuildCannotDo) {
  Result backend = run("run mlp --backend tvm");
  EXPECT_NE(backend.code, 0);  // refused while parsing (CLI11's exit code for a value not among the choices)
  EXPECT_NE(backend.out.find("--backend: tvm not in {cuda_graph,interpreter}"), std::string::npos) << backend.out;
  Result iters = run("run mlp --iters 0");
  EXPECT_EQ(iters.code, 1);
  EXPECT_NE(iters.out.find("--iters"), std::string::npos) << iters.out;
  Result cuda = run("run mlp --iters 1 --device cuda");  // runs on a CUDA build with a GPU, else says what to do
  Result version = run("--version");
  if (version.out.find("no GPU visible") != std::string::npos) {
    EXPECT_EQ(cuda.code, 1) << cuda.out;
    EXPECT_NE(cuda.out.find("--device cpu"), std::string::npos) << cuda.out;
    if (version.out.find("compiled in") != std::string::npos) {
      EXPECT_NE(cuda.out.find("no CUDA device visible; this build has CUDA support"), std::string::npos) << cuda.out;
    }
  }
}

TEST(Cli, VersionNamesLibTorchCudaAndTheGpu) {
  Result r = run("--version");
  EXPECT_EQ(r.code, 0);
  // e.g. "aotviz 0.2.0 · LibTorch 2.11.0 · CUDA 13.0 compiled in · no GPU visible"
  EXPECT_EQ(r.out.rfind("aotviz 0.2.0 · LibTorch 2.11.0 · ", 0), 0u) << r.out;
  const bool cuda = r.out.find(" compiled in · ") != std::string::npos, cpu = r.out.find("CPU only build") != std::string::npos;
  EXPECT_TRUE(cuda != cpu) << r.out;
  EXPECT_TRUE(r.out.find("no GPU visible") != std::string::npos || r.out.find("GPU visible") != std::string::npos) << r.out;
}

TEST(Cli, BadOptionValueIsRejected) {
  Result r = run("compile mlp --out /tmp/x --trace sometimes");
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.out.find("--trace"), std::string::npos) << r.out;
}

}  // namespace
