// tests/gui/test_screenshot.cpp — runs the real `aotviz` GUI under Xvfb in screenshot mode and checks the PNG:
// it exists, has the window's size, and is not a single colour.
#include <gtest/gtest.h>
#include <stb_image.h>

#include <nlohmann/json.hpp>

#include <fstream>
#include <functional>

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <set>
#include <iterator>
#include <string>

#include "tests/common/session_damages.h"

namespace {

std::string runUnderXvfb(const std::string& args) {
  // xvfb-run -a picks a free display number, so tests can run in parallel.
  return std::string("xvfb-run -a -s '-screen 0 1920x1200x24' ") + AOTVIZ_BINARY + " " + args;
}

TEST(GuiScreenshot, DefaultModelWindowRendersPanels) {
  ASSERT_EQ(std::system("command -v xvfb-run >/dev/null 2>&1"), 0)
      << "xvfb-run is missing: install the xvfb package (scripts/run-tests.sh does)";
  const std::filesystem::path png = std::filesystem::temp_directory_path() / "aotviz_gui_test_default.png";
  std::filesystem::remove(png);
  const int rc = std::system(runUnderXvfb("--screenshot " + png.string() + " --frames 3 --size 1280x800").c_str());
  ASSERT_EQ(rc, 0) << "aotviz exited with " << rc;
  ASSERT_TRUE(std::filesystem::exists(png));
  int w = 0, h = 0, n = 0;
  unsigned char* pixels = stbi_load(png.c_str(), &w, &h, &n, 4);
  ASSERT_NE(pixels, nullptr) << stbi_failure_reason();
  EXPECT_EQ(w, 1280);
  EXPECT_EQ(h, 800);
  std::set<uint32_t> colours;
  for (int i = 0; i < w * h && colours.size() < 64; i += 97) {
    const unsigned char* p = pixels + 4 * i;
    colours.insert(uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16);
  }
  stbi_image_free(pixels);
  EXPECT_GT(colours.size(), 4u) << "the screenshot is (nearly) a single colour: nothing was drawn";
}

/// Pixels of exactly this colour in the PNG (the canvas draws boxes in the palette's colours; the legend's
/// swatches are 100 pixels each).
size_t pixelsOfColour(const std::filesystem::path& png, uint32_t rgb) {
  int w = 0, h = 0, n = 0;
  unsigned char* pixels = stbi_load(png.c_str(), &w, &h, &n, 4);
  if (!pixels) return 0;
  size_t count = 0;
  for (int i = 0; i < w * h; ++i) {
    const unsigned char* p = pixels + 4 * i;
    count += (uint32_t(p[0]) << 16 | uint32_t(p[1]) << 8 | uint32_t(p[2])) == rgb;
  }
  stbi_image_free(pixels);
  return count;
}

constexpr uint32_t kForward = 0x4f8fdc, kBackward = 0xd9823b, kSaved = 0xd8c341;

TEST(GuiScreenshot, SteppedToTheJointStageTheCanvasShowsTheJointGraph) {
  const auto dir = std::filesystem::temp_directory_path() / ("aotviz_gui_test_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto before = dir / "before.png", joint = dir / "joint.png", backward = dir / "backward.png";
  ASSERT_EQ(std::system(runUnderXvfb("--screenshot " + before.string() + " --frames 2").c_str()), 0);
  ASSERT_EQ(std::system(runUnderXvfb("--screenshot " + joint.string() + " --stage passes --frames 2").c_str()), 0);
  ASSERT_EQ(std::system(runUnderXvfb("mlp --screenshot " + backward.string() +
                                     " --stage partition --tab backward --frames 2").c_str()), 0);
  EXPECT_LT(pixelsOfColour(before, kForward), 400u);   // legend only: no graph before the joint stage
  EXPECT_GT(pixelsOfColour(joint, kForward), 2000u);   // forward boxes
  EXPECT_GT(pixelsOfColour(joint, kBackward), 2000u);  // backward boxes
  EXPECT_GT(pixelsOfColour(joint, kSaved), 500u);      // saved-value cross-links between the columns
  EXPECT_GT(pixelsOfColour(backward, kBackward), 2000u);
  std::filesystem::remove_all(dir);
}

TEST(GuiScreenshot, OpensASavedSessionWithoutRunningAnything) {
  const auto dir = std::filesystem::temp_directory_path() / ("aotviz_gui_session_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  ASSERT_EQ(std::system((std::string(AOTVIZ_BINARY) + " compile attn_block --no-cache --out " + dir.string() +
                         " > /dev/null 2>&1").c_str()), 0);
  const auto png = dir / "session.png";
  ASSERT_EQ(std::system(runUnderXvfb((dir / "session.json").string() + " --screenshot " + png.string() +
                                     " --frames 2").c_str()), 0);
  EXPECT_GT(pixelsOfColour(png, kForward), 2000u);  // the saved joint graph is on the canvas
  const auto bad = dir / "bad.json";
  std::system(("echo '{\"format\": \"aotviz.session\"}' > " + bad.string()).c_str());
  EXPECT_NE(std::system(runUnderXvfb(bad.string() + " --screenshot " + png.string() + " 2>/dev/null").c_str()), 0);
  std::filesystem::remove_all(dir);
}

nlohmann::json readJson(const std::filesystem::path& p) {
  std::ifstream in(p);
  return nlohmann::json::parse(in);
}

// A saved session with a field of a stage's result removed, retyped or cut short opens: the load names the field,
// that part shows as unavailable, every other panel draws as usual, and the app does not crash.
TEST(GuiScripted, ASessionWithADamagedFieldOpensAndNamesTheField) {
  const auto dir = std::filesystem::temp_directory_path() / ("aotviz_gui_missing_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  ASSERT_EQ(std::system((std::string(AOTVIZ_BINARY) + " compile mlp --iters 1 --no-cache --out " + dir.string() +
                         " > /dev/null 2>&1").c_str()), 0);
  const auto good = readJson(dir / "session.json");
  struct Damage {
    const char* what;
    std::function<void(nlohmann::json&)> apply;
    const char* field;
  };
  const std::vector<Damage> damages = {
      {"removed", [](nlohmann::json& s) { s["snapshots"][10]["summary"]["report"].erase("ratio"); },
       "snapshots[10].summary.report.ratio: missing field"},
      {"retyped", [](nlohmann::json& s) { s["snapshots"][4]["summary"]["is_joint"] = "yes"; },
       "snapshots[4].summary.is_joint: expected"},
      {"truncated", [](nlohmann::json& s) { s["snapshots"][1]["meta"]["input_info"] = nlohmann::json::array({1}); },
       "snapshots[1].meta.input_info[0]: expected an object"},
  };
  for (const Damage& d : damages) {
    SCOPED_TRACE(d.what);
    auto session = good;
    d.apply(session);
    std::ofstream(dir / "edited.json") << session.dump();
    const auto png = dir / "edited.png", state = dir / "state.json";
    ASSERT_EQ(std::system(runUnderXvfb((dir / "edited.json").string() + " --screenshot " + png.string() +
                                       " --state-out " + state.string() + " --frames 3").c_str()), 0);
    const auto j = readJson(state);
    EXPECT_TRUE(j["errors"].empty()) << j["errors"].dump();  // no panel failed: the damaged part is just not there
    ASSERT_EQ(j["unavailable"].size(), 1u) << j.dump();
    EXPECT_NE(j["unavailable"][0].get<std::string>().find(d.field), std::string::npos) << j["unavailable"].dump();
    EXPECT_GT(j["graph_nodes"].get<int>(), 20) << j.dump();  // the Graph panel still shows the joint graph
    EXPECT_GT(pixelsOfColour(png, kForward), 500u);
  }
  std::filesystem::remove_all(dir);
}

// Issue 25, in the app: each field of a saved session (every stage's status, seconds, notes, summary and each
// summary field, and the metadata tables: tests/common/session_damages.h, the files the CLI test inspects) removed,
// retyped or cut short in turn, each opened in the app under one Xvfb server. The app exits 0 with its screenshot,
// the state names the field as unavailable, no panel failed, and the joint graph is still drawn.
TEST(GuiScripted, EveryDamagedFieldOfASessionOpensInTheAppAndIsNamed) {
  const auto dir = std::filesystem::temp_directory_path() / ("aotviz_gui_damaged_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  ASSERT_EQ(std::system((std::string(AOTVIZ_BINARY) + " compile mutation_fn --iters 1 --no-cache --out " + dir.string() +
                         " > /dev/null 2>&1").c_str()), 0);
  const auto damages = aotviz::testing::sessionDamages(readJson(dir / "session.json"));
  ASSERT_GT(damages.size(), 60u);
  std::ofstream script(dir / "open_all.sh");
  for (size_t n = 0; n < damages.size(); ++n) {
    const std::string f = (dir / ("d" + std::to_string(n))).string();
    std::ofstream(f + ".json") << damages[n].doc.dump();
    script << AOTVIZ_BINARY << " " << f << ".json --screenshot " << f << ".png --state-out " << f << ".state --frames 2 > "
           << f << ".log 2>&1; echo $? > " << f << ".rc\n";
  }
  script.close();
  ASSERT_EQ(std::system(("xvfb-run -a -s '-screen 0 1600x1000x24' sh " + (dir / "open_all.sh").string()).c_str()), 0);
  for (size_t n = 0; n < damages.size(); ++n) {
    const auto& d = damages[n];
    const std::string f = (dir / ("d" + std::to_string(n))).string();
    std::ifstream rc(f + ".rc");
    int code = -1;
    rc >> code;
    std::ifstream log(f + ".log");
    const std::string out((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
    ASSERT_EQ(code, 0) << d.path << "\n" << out;
    const auto j = readJson(f + ".state");
    EXPECT_NE(j["unavailable"].dump().find(d.path), std::string::npos) << d.path << ": " << j["unavailable"].dump();
    for (const auto& e : j["errors"])
      EXPECT_EQ(e.get<std::string>().find(" panel: "), std::string::npos) << d.path << ": a panel failed: " << e;
    EXPECT_GT(j["graph_nodes"].get<int>(), 5) << d.path;  // the Graph panel still shows the joint graph
    if (n % 16 == 0) {
      EXPECT_GT(pixelsOfColour(f + ".png", kForward), 200u) << d.path;
    }
  }
  std::filesystem::remove_all(dir);
}

TEST(GuiScripted, StepsThroughEveryStageOfTheDefaultModelAndInspectsANode) {
  const auto dir = std::filesystem::temp_directory_path() / ("aotviz_gui_script_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto png = dir / "all.png", state = dir / "state.json";
  ASSERT_EQ(std::system(runUnderXvfb("--stage execution --select addmm --screenshot " + png.string() +
                                     " --state-out " + state.string() + " --frames 2").c_str()), 0);
  auto j = readJson(state);
  EXPECT_EQ(j["model"], "attn_block");
  EXPECT_EQ(j["stage"], "execution");
  EXPECT_EQ(j["stages"].size(), 11u);
  // Every frame's build time (NewFrame to Render) is recorded: at least the two asked for, positive, median <= max.
  EXPECT_GE(j["frame_build_ms"]["frames"].get<int>(), 2);
  EXPECT_GT(j["frame_build_ms"]["median"].get<double>(), 0.0);
  EXPECT_LE(j["frame_build_ms"]["median"].get<double>(), j["frame_build_ms"]["max"].get<double>());
  for (const auto& [stage, status] : j["stages"].items())
    EXPECT_TRUE(status == "done" || (stage == "execution" && status == "skipped")) << stage << ": " << status;
  EXPECT_TRUE(j["errors"].empty()) << j["errors"].dump();
  EXPECT_EQ(j["inspector"]["node"], "addmm");
  EXPECT_EQ(j["inspector"]["op"], "aten::addmm");
  EXPECT_EQ(j["inspector"]["placement"], "forward");
  EXPECT_EQ(j["metadata"]["inputs"], 17);
  EXPECT_GT(j["partition"]["saved"].get<int>(), 10);
  std::filesystem::remove_all(dir);
}

TEST(GuiScripted, InputMutationScenarioMarksTheMutatedInputAndTheAliasedOutput) {
  const auto dir = std::filesystem::temp_directory_path() / ("aotviz_gui_scenario_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto png = dir / "mutation.png", state = dir / "state.json";
  ASSERT_EQ(std::system(runUnderXvfb("mutation_fn --stage partition --select primals_1 --screenshot " + png.string() +
                                     " --state-out " + state.string() + " --frames 2").c_str()), 0);
  auto j = readJson(state);
  EXPECT_EQ(j["inspector"]["node"], "primals_1");
  EXPECT_EQ(j["inspector"]["placement"], "input");
  EXPECT_EQ(j["metadata"]["inputs"], 2);
  EXPECT_EQ(j["partition"]["saved"], 1);
  EXPECT_GT(pixelsOfColour(png, 0xe0524c), 2000u);  // the mutated input a (primals_1)
  EXPECT_GT(pixelsOfColour(png, 0x3fb98a), 2000u);  // a.view(-1), an output aliasing the input
  // Selecting a node that does not exist is reported, not ignored.
  ASSERT_EQ(std::system(runUnderXvfb("mutation_fn --stage passes --select nope --screenshot " + png.string() +
                                     " --state-out " + state.string() + " --frames 2").c_str()), 0);
  EXPECT_EQ(readJson(state)["errors"].size(), 1u);
  std::filesystem::remove_all(dir);
}

TEST(GuiScripted, ExecutionRunsAndTheTimeHeatRecoloursTheGraph) {
  const auto dir = std::filesystem::temp_directory_path() / ("aotviz_gui_heat_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto png = dir / "heat.png", state = dir / "state.json";
  ASSERT_EQ(std::system(runUnderXvfb("mlp --stage execution --iters 2 --heat --screenshot " + png.string() +
                                     " --state-out " + state.string() + " --frames 2").c_str()), 0);
  auto j = readJson(state);
  EXPECT_EQ(j["stages"]["execution"], "done");
  EXPECT_GT(j["execution"]["ratio"].get<double>(), 0);
  EXPECT_LT(j["execution"]["max_abs_diff"]["gradients"].get<double>(), 1e-4);
  EXPECT_LT(pixelsOfColour(png, kForward), 400u);  // every box is in a heat colour now; the legend keeps its swatch
  std::filesystem::remove_all(dir);
}

TEST(GuiScripted, SideBySideShowsForwardAndBackwardAndInspectsTheSelection) {
  const auto dir = std::filesystem::temp_directory_path() / ("aotviz_gui_side_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto png = dir / "side.png", state = dir / "state.json";
  ASSERT_EQ(std::system(runUnderXvfb("--stage partition --tab side --select addmm --screenshot " + png.string() +
                                     " --state-out " + state.string() + " --frames 2").c_str()), 0);
  auto j = readJson(state);
  EXPECT_EQ(j["side_by_side"], true);
  EXPECT_EQ(j["inspector"]["node"], "addmm");
  EXPECT_GT(pixelsOfColour(png, kForward), 2000u);   // the forward graph on the left
  EXPECT_GT(pixelsOfColour(png, kBackward), 2000u);  // the backward graph on the right
  std::filesystem::remove_all(dir);
}

TEST(GuiScripted, EveryTeachingScenarioOpensAtItsStageWithoutErrors) {
  const auto dir = std::filesystem::temp_directory_path() / ("aotviz_gui_gallery_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  auto gallery = readJson(std::string(AOTVIZ_SOURCE_DIR) + "/assets/teaching/scenarios.json");
  ASSERT_GE(gallery.size(), 8u);
  for (const auto& sc : gallery) {
    std::string model = sc["model"];
    if (model.find(".pt") != std::string::npos) model = std::string(AOTVIZ_SOURCE_DIR) + "/assets/" + model;
    const auto state = dir / "state.json";
    ASSERT_EQ(std::system(runUnderXvfb(model + " --stage " + sc["stage"].get<std::string>() + " --tab " +
                                       sc["tab"].get<std::string>() + " --screenshot " + (dir / "s.png").string() +
                                       " --state-out " + state.string() + " --frames 2").c_str()), 0)
        << sc["title"];
    auto j = readJson(state);
    EXPECT_EQ(j["stage"], sc["stage"]) << sc["title"];
    EXPECT_TRUE(j["errors"].empty()) << sc["title"] << ": " << j["errors"].dump();
  }
  std::filesystem::remove_all(dir);
}

TEST(GuiScripted, AFailingStageIsShownAndTheEarlierStagesStayUsable) {
  const auto dir = std::filesystem::temp_directory_path() / ("aotviz_gui_failure_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string assets = std::string(AOTVIZ_SOURCE_DIR) + "/assets/torchscript/";
  std::ofstream(dir / "3d.json") << R"({"inputs": [{"name": "x", "shape": [2, 4, 8]}]})";
  // The model's forward raises (metadata fails); the model runs out of memory (execution fails, with the graphs
  // of the earlier stages on the canvas); compiled and eager disagree (the execution stage's check fails).
  struct Case {
    std::string args, failed, message, file;
  };
  for (const Case& c : {Case{assets + "forward_raises.pt --inputs " + (dir / "3d.json").string(), "metadata",
                             "ForwardRaises expects a 2-d input", "metadata"},
                        Case{assets + "out_of_memory.pt --iters 1", "execution", "ran out of memory", "execution"},
                        Case{assets + "python_state.pt --iters 1", "execution",
                             "compiled and eager disagree on 2 of 4 tensors; worst: gradient of 'w'", "check"}}) {
    const auto png = dir / (c.file + ".png"), state = dir / (c.file + ".json");
    ASSERT_EQ(std::system(runUnderXvfb(c.args + " --stage execution --screenshot " + png.string() + " --state-out " +
                                       state.string() + " --frames 2").c_str()), 0) << c.args;
    auto j = readJson(state);
    EXPECT_EQ(j["stages"]["inputs"], "done");
    EXPECT_EQ(j["stages"][c.failed], "failed") << j["stages"].dump();
    EXPECT_EQ(j["stage"], c.failed);
    ASSERT_EQ(j["errors"].size(), 1u) << j["errors"].dump();
    EXPECT_NE(j["errors"][0].get<std::string>().find(c.message), std::string::npos) << j["errors"][0];
  }
  EXPECT_GT(pixelsOfColour(dir / "execution.png", kForward), 500u);  // the joint graph is still drawn
  std::filesystem::remove_all(dir);
}

TEST(GuiScripted, OpensATorchExportArchive) {
  const auto dir = std::filesystem::temp_directory_path() / ("aotviz_gui_pt2_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto png = dir / "pt2.png", state = dir / "state.json";
  const std::string pt2 = std::string(AOTVIZ_SOURCE_DIR) + "/assets/export/tiny_decoder.pt2";
  ASSERT_EQ(std::system(runUnderXvfb(pt2 + " --stage partition --screenshot " + png.string() + " --state-out " +
                                     state.string() + " --frames 2").c_str()), 0);
  auto j = readJson(state);
  EXPECT_EQ(j["stages"]["partition"], "done") << j["stages"].dump();
  EXPECT_TRUE(j["errors"].empty()) << j["errors"].dump();
  EXPECT_GT(pixelsOfColour(png, kForward), 500u);
  std::filesystem::remove_all(dir);
}

// A TORCH_TRACE directory opens like a saved session: PyTorch's joint graph, aotviz's partition of it drawn on it,
// and the comparison with PyTorch's partition in the partition stage's notes.
TEST(GuiScripted, OpensATorchTraceDirectory) {
  const auto dir = std::filesystem::temp_directory_path() / ("aotviz_gui_trace_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto png = dir / "trace.png", state = dir / "state.json";
  const std::string trace = std::string(AOTVIZ_SOURCE_DIR) + "/assets/trace/graph_break_aot_eager#1/0";
  ASSERT_EQ(std::system(runUnderXvfb("'" + trace + "' --stage partition --screenshot " + png.string() + " --state-out " +
                                     state.string() + " --frames 2").c_str()), 0);
  auto j = readJson(state);
  EXPECT_EQ(j["stages"]["joint"], "done") << j["stages"].dump();
  EXPECT_EQ(j["stages"]["partition"], "done") << j["stages"].dump();
  EXPECT_TRUE(j["errors"].empty()) << j["errors"].dump();
  // aotviz's partition of PyTorch's joint graph saves what PyTorch saved there (import-trace: 3 values, 6656 bytes).
  EXPECT_EQ(j["partition"]["saved"], 3) << j.dump();
  EXPECT_EQ(j["partition"]["saved_bytes"], 6656) << j.dump();
  EXPECT_GT(pixelsOfColour(png, kForward), 500u);
  std::filesystem::remove_all(dir);
}

// PyTorch's own partition drawn on its joint graph (--partition pytorch) next to a what-if re-partition of the same
// graph by aotviz (--budget 1, PyTorch ran at 0.1): the Partition panel compares them node by node.
TEST(GuiScripted, DrawsPyTorchsPartitionAndRepartitionsATraceWhatIf) {
  const auto dir = std::filesystem::temp_directory_path() / ("aotviz_gui_trace_whatif_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto png = dir / "trace.png", state = dir / "state.json";
  const std::string trace = std::string(AOTVIZ_SOURCE_DIR) + "/assets/trace/gpt_block_aot_eager";
  ASSERT_EQ(std::system(runUnderXvfb("'" + trace + "' --partition pytorch --budget 1 --screenshot " + png.string() +
                                     " --state-out " + state.string() + " --frames 3").c_str()), 0);
  auto j = readJson(state);
  EXPECT_TRUE(j["errors"].empty()) << j["errors"].dump();
  EXPECT_EQ(j["stages"]["partition"], "done") << j["stages"].dump();
  EXPECT_EQ(j["memory_budget"], 1.0);
  EXPECT_EQ(j["drawn_partition"], "pytorch") << j.dump();
  // The drawn partition is PyTorch's (budget 0.1); aotviz's at budget 1 recomputes less, so nodes moved.
  EXPECT_EQ(j["partition"], j["pytorch_partition"]) << j.dump();
  EXPECT_GT(j["pytorch_partition"]["recomputed"].get<int>(), 0) << j.dump();
  EXPECT_GT(j["moved_vs_pytorch"].get<int>(), 0) << j.dump();
  EXPECT_GT(pixelsOfColour(png, kForward), 500u);
  std::filesystem::remove_all(dir);
}

// A graph over 500 nodes opens as a module overview, and the Memory panel sweeps the budget (--pareto) and draws
// the curve: its points and knee reach the state.
TEST(GuiScripted, BigGraphsOpenAsAModuleOverviewAndTheMemoryPanelSweepsTheBudget) {
  const auto dir = std::filesystem::temp_directory_path() / ("aotviz_gui_overview_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto png = dir / "overview.png", state = dir / "state.json";
  ASSERT_EQ(std::system(runUnderXvfb("gpt --layers 6 --seq 16 --width 64 --stage partition --pareto --screenshot " +
                                     png.string() + " --state-out " + state.string() + " --frames 3").c_str()), 0);
  auto j = readJson(state);
  EXPECT_TRUE(j["errors"].empty()) << j["errors"].dump();
  EXPECT_GT(j["graph_nodes"].get<int>(), 500) << j.dump();
  EXPECT_EQ(j["collapsed_scopes"], (nlohmann::json{"h", "lm_head", "ln_f", "wpe", "wte"})) << j.dump();
  ASSERT_TRUE(j.contains("pareto")) << j.dump();
  EXPECT_GE(j["pareto"]["points"].get<int>(), 3) << j.dump();
  EXPECT_GE(j["pareto"]["knee"].get<int>(), 0) << j.dump();
  EXPECT_LE(j["pareto"]["partitions"].get<int>(), 20) << j.dump();
  EXPECT_GT(pixelsOfColour(png, kForward), 500u);
  std::filesystem::remove_all(dir);
}

// The Memory panel's timeline after an executed step: the predicted and the measured lines, the peak and the saved
// values held there by module; the executed partition's step time joins the budget curve.
TEST(GuiScripted, TheMemoryTimelineDrawsPredictedAndMeasuredBytesAndExplainsThePeak) {
  const auto dir = std::filesystem::temp_directory_path() / ("aotviz_gui_timeline_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto png = dir / "timeline.png", state = dir / "state.json";
  ASSERT_EQ(std::system(runUnderXvfb("gpt --layers 2 --seq 16 --width 64 --stage execution --iters 2 --memory-tab timeline "
                                     "--memory-wide --screenshot " + png.string() + " --state-out " + state.string() + " --frames 3").c_str()), 0);
  auto j = readJson(state);
  EXPECT_TRUE(j["errors"].empty()) << j["errors"].dump();
  ASSERT_TRUE(j.contains("timeline")) << j.dump();
  const auto& t = j["timeline"];
  EXPECT_GT(t["forward_points"].get<int>(), 10) << t.dump();
  EXPECT_GT(t["points"].get<int>(), t["forward_points"].get<int>()) << t.dump();
  // Every call node of the step was measured (placeholders are not points the interpreter reports).
  EXPECT_GT(t["measured_points"].get<int>(), t["points"].get<int>() / 2) << t.dump();
  EXPECT_GT(t["saved_at_peak"].get<int64_t>(), 0) << t.dump();
  EXPECT_LE(t["saved_at_peak"].get<int64_t>(), t["peak_bytes"].get<int64_t>()) << t.dump();
  EXPECT_GE(t["modules_at_peak"].get<int>(), 2) << t.dump();  // the blocks h.0, h.1 at least
  EXPECT_EQ(j["pareto_measured"], 1) << j.dump();
  EXPECT_EQ(j["memory_wide"], true) << j.dump();
  std::filesystem::remove_all(dir);
}

TEST(GuiScreenshot, UnknownModelIsAClearErrorNotACrash) {
  const int rc = std::system(runUnderXvfb("no_such_model --screenshot /dev/null 2>/dev/null").c_str());
  EXPECT_NE(rc, 0);
}

}  // namespace
