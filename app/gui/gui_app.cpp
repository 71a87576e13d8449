// app/gui/gui_app.cpp — GLFW + OpenGL3 + Dear ImGui window, menu bar, the tiled panel layout, screenshot mode.
#include "app/gui/gui_app.h"

#include <GLFW/glfw3.h>
#include <backends/imgui_impl_glfw.h>
#include <backends/imgui_impl_opengl3.h>
#include <imgui.h>
#include <imgui_internal.h>  // ImGui::ErrorCheckEndFrameRecover: a panel that threw leaves its windows open
#include <implot.h>
#include <stb_image_write.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "app/gui/app_state.h"
#include "app/gui/panels/panels.h"
#include "core/models/exported_program.h"
#include "core/models/torchscript.h"
#include "core/models/zoo.h"
#include "core/pipeline/snapshot.h"
#include "core/pipeline/stages.h"
#include "core/trace/trace_session.h"
#include "core/util/atomic_file.h"
#include "core/util/diagnostic.h"
#include "viz/theme.h"

namespace aotviz::gui {

namespace {

void glfwErrorCallback(int code, const char* description) {
  std::cerr << "glfw error " << code << ": " << description << "\n";
}

std::string windowTitle(const AppState& s) {
  const auto& stages = pipeline::stageList();
  std::string stage = s.current_stage < 0 ? "paused before " + std::string(stages.front().name)
                                          : std::string(stages[static_cast<size_t>(s.current_stage)].name);
  return "aotviz - " + s.model + " - " + s.device + " - " + stage;
}

bool isSessionFile(const std::string& path) {
  return path.size() > 5 && path.compare(path.size() - 5, 5, ".json") == 0;
}

/// Opens `model` (a built-in model, a .pt2, a .pt with `inputs_spec` or the .json beside it, or a session .json) in a
/// new paused session (the old one, if any,
/// finishes its stage and is dropped). A saved session is shown as saved, without running anything.
void openModel(AppState& s, const std::string& model, const std::string& inputs_spec = "",
               const std::map<std::string, int64_t>& model_options = {}) {
  s.snapshots_logged = 0;
  s.current_stage = -1;
  s.collapsed_scopes.clear();  // the next joint graph decides: a module overview when it is big
  s.overview_pending = true;
  s.overview_path.clear();
  const bool trace = trace::looksLikeTrace(model);
  if (trace || isSessionFile(model)) {
    pipeline::SessionRecord rec = trace ? trace::traceSession(model) : pipeline::loadSession(model);
    const std::vector<std::string> rec_warnings = rec.warnings;
    s.model = rec.config.model;
    s.device = rec.config.device;
    s.session = std::make_unique<pipeline::DebugSession>(std::move(rec));
    s.addLog(LogLevel::Info, "inputs",
             trace ? "opened PyTorch's compile " + s.model + " from its TORCH_TRACE logs (nothing to run; the partition stage compares PyTorch's partition with aotviz's)"
                   : "opened the saved session " + model + " (nothing runs until Restart, which runs its config again)");
    for (const auto& w : rec_warnings) s.addLog(LogLevel::Warning, trace ? "trace" : "load", model + ": " + w);
    return;
  }
  pipeline::Config c;
  c.model = model;
  c.inputs_spec = inputs_spec;
  c.model_options = model_options;
  c.device = s.device;
  c.iters = s.iters;
  s.session = std::make_unique<pipeline::DebugSession>(c);
  s.model = model;
  s.addLog(LogLevel::Info, "inputs", "opened " + model + (inputs_spec.empty() ? "" : " with inputs " + inputs_spec) +
                                         "; paused before the first stage (F10 steps, F5 continues)");
}

/// Logs each stage the session finished since the last frame (status, notes, diagnostics) and updates the title's
/// stage.
void syncWithSession(AppState& s) {
  if (!s.session) return;
  const auto snaps = s.session->snapshots();
  if (snaps.size() < s.snapshots_logged) s.snapshots_logged = snaps.size();  // restarted
  for (size_t i = s.snapshots_logged; i < snaps.size(); ++i) {
    const auto& sn = *snaps[i];
    if (sn.error) {
      Diagnostic d = *sn.error;  // the log line already names the stage
      if (d.stage == pipeline::stageName(sn.stage)) d.stage.clear();
      s.addLog(LogLevel::Error, pipeline::stageName(sn.stage), d.format());
      // The node the diagnostic names, when it is on the graph, is selected.
      if (!sn.error->node.empty() && s.view_graph) selectByName(s.canvas, *s.view_graph, sn.error->node);
    } else {
      char ms[32];
      std::snprintf(ms, sizeof ms, "%.1f ms", sn.seconds * 1e3);
      s.addLog(LogLevel::Info, pipeline::stageName(sn.stage), std::string(pipeline::stageStatusName(sn.status)) + " in " + ms);
    }
    for (const auto& n : sn.notes) s.addLog(LogLevel::Info, pipeline::stageName(sn.stage), n);
  }
  if (snaps.size() != s.snapshots_logged) s.view_stage = -1;  // new or dropped stages: show the latest again
  s.snapshots_logged = snaps.size();
  s.current_stage = static_cast<int>(snaps.size()) - 1;
  // Sizes of snapshots no longer in the session (restarted stages) are forgotten.
  for (auto it = s.snapshot_bytes.begin(); it != s.snapshot_bytes.end();)
    it = it->first.use_count() == 1 ? s.snapshot_bytes.erase(it) : std::next(it);
  const std::string err = s.session->lastError();
  if (!err.empty() && (s.log.empty() || s.log.back().text != err)) s.addLog(LogLevel::Error, "pipeline", err);
}

/// Opens a model, .pt2, .pt (with an input spec, "" = the .json beside it) or session, and puts it first in Recent.
void openAndRemember(AppState& s, const std::string& path, const std::string& spec) {
  try {
    openModel(s, path, spec);
    s.recent.erase(std::remove(s.recent.begin(), s.recent.end(), path), s.recent.end());
    s.recent.insert(s.recent.begin(), path);
    if (s.recent.size() > 10) s.recent.resize(10);
  } catch (const std::exception& e) {
    s.addLog(LogLevel::Error, "inputs", e.what());
  }
}

/// File > Open and File > Save session: small path dialogs.
void drawFileDialogs(AppState& s) {
  static char path[512] = "", spec[512] = "", out[512] = "session.json";
  if (s.open_dialog) {
    ImGui::OpenPopup("Open");
    s.open_dialog = false;
  }
  if (ImGui::BeginPopupModal("Open", nullptr, ImGuiWindowFlags_AlwaysAutoResize)) {
    ImGui::TextUnformatted("A torch.export .pt2 (torch.export.save), a TorchScript .pt (torch.jit.save), a session .json, or a "
                           "TORCH_TRACE directory (DIR, or DIR#0/0_1 for one compile)");
    ImGui::InputText("file", path, sizeof path);
    ImGui::InputText("input spec (.pt: empty = the .json beside it; .pt2: empty = its sample inputs)", spec, sizeof spec);
    if (ImGui::Button("Open")) {
      openAndRemember(s, path, spec);
      ImGui::CloseCurrentPopup();
    }
    ImGui::SameLine();
    if (ImGui::Button("Cancel")) ImGui::CloseCurrentPopup();
    ImGui::EndPopup();
  }
  if (s.save_dialog) {
    ImGui::OpenPopup("Save session");
    s.save_dialog = false;
  }
  if (ImGui::BeginPopupModal("Save session", nullptr, ImGuiWindowFlags_AlwaysAutoResize)) {
    ImGui::InputText("file", out, sizeof out);
    if (ImGui::Button("Save")) {
      try {
        s.session->save(out);
        s.addLog(LogLevel::Info, "pipeline", std::string("saved the session to ") + out);
      } catch (const std::exception& e) {
        s.addLog(LogLevel::Error, "pipeline", e.what());
      }
      ImGui::CloseCurrentPopup();
    }
    ImGui::SameLine();
    if (ImGui::Button("Cancel")) ImGui::CloseCurrentPopup();
    ImGui::EndPopup();
  }
}

std::filesystem::path settingsPath() {
  if (const char* x = std::getenv("XDG_CONFIG_HOME"); x && *x) return std::filesystem::path(x) / "aotviz" / "settings.json";
  if (const char* h = std::getenv("HOME"); h && *h) return std::filesystem::path(h) / ".config" / "aotviz" / "settings.json";
  return "aotviz-settings.json";
}

/// Recent files and panel visibility, kept between runs (a damaged file is reported in the Log and replaced by
/// the defaults, not fatal).
void loadSettings(AppState& s) {
  if (!std::filesystem::exists(settingsPath())) return;
  try {
    auto j = nlohmann::json::parse(util::readFile(settingsPath(), 1 << 20));
    for (const auto& r : j.value("recent", nlohmann::json::array()))
      if (r.is_string()) s.recent.push_back(r.get<std::string>());
    const auto v = j.value("show", nlohmann::json::object());
    s.show.pipeline = v.value("pipeline", true);
    s.show.graph = v.value("graph", true);
    s.show.inspector = v.value("inspector", true);
    s.show.metadata = v.value("metadata", true);
    s.show.partition = v.value("partition", true);
    s.show.memory = v.value("memory", true);
    s.show.execution = v.value("execution", true);
    s.show.log = v.value("log", true);
    s.show.memory_wide = v.value("memory_wide", false);
  } catch (const std::exception& e) {
    s.recent.clear();  // nothing half-read
    s.show = decltype(s.show){};
    s.addLog(LogLevel::Warning, "settings", settingsPath().string() + " is damaged (" + e.what() +
                                                "); using the defaults, it is rewritten on exit");
  }
}

void saveSettings(const AppState& s) {
  try {
    nlohmann::json j = {{"recent", s.recent},
                        {"show",
                         {{"pipeline", s.show.pipeline}, {"graph", s.show.graph}, {"inspector", s.show.inspector},
                          {"metadata", s.show.metadata}, {"partition", s.show.partition}, {"memory", s.show.memory},
                          {"execution", s.show.execution}, {"log", s.show.log},
                          {"memory_wide", s.show.memory_wide}}}};
    std::filesystem::create_directories(settingsPath().parent_path());
    util::writeFileAtomic(settingsPath(), j.dump(1) + "\n");
  } catch (const std::exception& e) {
    std::cerr << "warning: could not save settings: " << e.what() << "\n";
  }
}

struct Scenario {
  std::string title, model, stage, what;
  int tab = 0;
};

std::string assetsDir() {
  const char* env = std::getenv("AOTVIZ_ASSETS_DIR");
  return env && *env ? env : AOTVIZ_ASSETS_DIR;
}

const std::vector<Scenario>& scenarios() {
  static const std::vector<Scenario> list = [] {
    std::vector<Scenario> v;
    try {
      auto j = nlohmann::json::parse(util::readFile(assetsDir() + "/teaching/scenarios.json", 1 << 20));
      for (const auto& e : j) {
        Scenario sc{e.at("title"), e.at("model"), e.at("stage"), e.at("what")};
        const std::string tab = e.value("tab", "joint");
        sc.tab = tab == "forward" ? 1 : tab == "backward" ? 2 : 0;
        if (sc.model.find(".pt") != std::string::npos) sc.model = assetsDir() + "/" + sc.model;
        v.push_back(std::move(sc));
      }
    } catch (const std::exception&) {
      // No gallery without the assets.
    }
    return v;
  }();
  return list;
}

void openScenario(AppState& s, const Scenario& sc) {
  try {
    openModel(s, sc.model);
    s.requested_tab = sc.tab;
    s.session->runToStage(sc.stage);
    s.addLog(LogLevel::Info, sc.stage, sc.title + ": " + sc.what);
  } catch (const std::exception& e) {
    s.addLog(LogLevel::Error, "inputs", e.what());
  }
}

void drawMenuBar(AppState& s) {
  if (!ImGui::BeginMainMenuBar()) return;
  if (ImGui::BeginMenu("File")) {
    if (ImGui::BeginMenu("Built-in models")) {
      for (const auto& m : models::modelList()) {
        if (ImGui::MenuItem(m.name.c_str(), nullptr, s.model == m.name)) openModel(s, m.name);
        if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s", m.description.c_str());
      }
      ImGui::EndMenu();
    }
    if (ImGui::MenuItem("Open .pt2, .pt, session or trace...")) s.open_dialog = true;
    if (ImGui::MenuItem("Save session...", nullptr, false, s.session != nullptr)) s.save_dialog = true;
    // A TORCH_TRACE session: its other compiles (every rank, frame, restart and recompile), one click each.
    const auto snaps = s.session ? s.session->snapshots() : std::vector<pipeline::SnapshotPtr>{};
    const auto* listed = snaps.empty() ? nullptr : snaps.front()->as<pipeline::InputsResult>();
    if (ImGui::BeginMenu("Trace compiles", listed && !listed->trace_compiles.empty())) {
      const std::string dir = s.model.substr(0, s.model.rfind('#'));
      for (const auto& c : listed->trace_compiles) {
        if (ImGui::MenuItem((c.label.empty() ? c.id : c.label).c_str(), nullptr, dir + "#" + c.id == s.model, c.has_graph))
          openAndRemember(s, dir + "#" + c.id, "");
      }
      ImGui::EndMenu();
    }
    if (ImGui::BeginMenu("Recent", !s.recent.empty())) {
      for (const auto& r : std::vector<std::string>(s.recent))
        if (ImGui::MenuItem(r.c_str())) openAndRemember(s, r, "");
      ImGui::EndMenu();
    }
    ImGui::Separator();
    if (ImGui::MenuItem("Quit", "Ctrl+Q")) s.quit_requested = true;
    ImGui::EndMenu();
  }
  if (ImGui::BeginMenu("Help")) {
    // Teaching mode: scenarios from assets/teaching/scenarios.json, each opened and stepped to the stage that shows it.
    if (ImGui::BeginMenu("Scenarios")) {
      for (const auto& sc : scenarios()) {
        if (ImGui::MenuItem(sc.title.c_str())) openScenario(s, sc);
        if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s", sc.what.c_str());
      }
      ImGui::EndMenu();
    }
    ImGui::EndMenu();
  }
  if (ImGui::BeginMenu("View")) {
    ImGui::MenuItem("Pipeline", nullptr, &s.show.pipeline);
    ImGui::MenuItem("Graph", nullptr, &s.show.graph);
    ImGui::MenuItem("Inspector", nullptr, &s.show.inspector);
    ImGui::MenuItem("Metadata", nullptr, &s.show.metadata);
    ImGui::MenuItem("Partition", nullptr, &s.show.partition);
    ImGui::MenuItem("Memory", nullptr, &s.show.memory);
    ImGui::MenuItem("Execution", nullptr, &s.show.execution);
    ImGui::MenuItem("Log", nullptr, &s.show.log);
    ImGui::Separator();
    ImGui::MenuItem("Wide Memory panel", nullptr, &s.show.memory_wide);
    ImGui::EndMenu();
  }
  ImGui::EndMainMenuBar();
}

/// Tiles the panels like a docked layout: Pipeline and Metadata on the left, Graph in the centre, Inspector,
/// Partition, Memory and Execution on the right, Log along the bottom; a wide Memory panel (View menu, the panel's
/// own button, --memory-wide) takes the centre's lower part under the Graph instead. Recomputed from the window size
/// every frame, and applied before the panel's Begin.
void placeNext(const char* panel, bool memory_wide) {
  const ImGuiViewport* vp = ImGui::GetMainViewport();
  ImVec2 pos = vp->WorkPos, size = vp->WorkSize;
  float left = size.x * 0.22f, right = size.x * 0.26f, log_h = size.y * 0.18f;
  float top_h = size.y - log_h, centre = size.x - left - right;
  struct Rect {
    const char* name;
    float x, y, w, h;
  };
  const float graph_h = memory_wide ? top_h * 0.55f : top_h;
  const Rect wide[] = {
      {"Graph", pos.x + left, pos.y, centre, graph_h},
      {"Memory", pos.x + left, pos.y + graph_h, centre, top_h - graph_h},
      {"Inspector", pos.x + left + centre, pos.y, right, top_h * 0.30f},
      {"Partition", pos.x + left + centre, pos.y + top_h * 0.30f, right, top_h * 0.45f},
      {"Execution", pos.x + left + centre, pos.y + top_h * 0.75f, right, top_h * 0.25f},
  };
  if (memory_wide)
    for (const Rect& r : wide)
      if (std::string(r.name) == panel) {
        ImGui::SetNextWindowPos(ImVec2(r.x, r.y), ImGuiCond_Always);
        ImGui::SetNextWindowSize(ImVec2(r.w, r.h), ImGuiCond_Always);
        return;
      }
  const Rect rects[] = {
      {"Pipeline", pos.x, pos.y, left, top_h * 0.55f},
      {"Metadata", pos.x, pos.y + top_h * 0.55f, left, top_h * 0.45f},
      {"Graph", pos.x + left, pos.y, centre, top_h},
      {"Inspector", pos.x + left + centre, pos.y, right, top_h * 0.26f},
      {"Partition", pos.x + left + centre, pos.y + top_h * 0.26f, right, top_h * 0.30f},
      {"Memory", pos.x + left + centre, pos.y + top_h * 0.56f, right, top_h * 0.28f},
      {"Execution", pos.x + left + centre, pos.y + top_h * 0.84f, right, top_h * 0.16f},
      {"Log", pos.x, pos.y + top_h, size.x, log_h},
  };
  for (const Rect& r : rects)
    if (std::string(r.name) == panel) {
      ImGui::SetNextWindowPos(ImVec2(r.x, r.y), ImGuiCond_Always);
      ImGui::SetNextWindowSize(ImVec2(r.w, r.h), ImGuiCond_Always);
    }
}

void drawFrame(AppState& s) {
  syncWithSession(s);
  drawMenuBar(s);
  drawFileDialogs(s);
  struct Panel {
    const char* name;
    bool* visible;
    void (*draw)(AppState&);
  };
  const Panel panels[] = {
      {"Pipeline", &s.show.pipeline, drawPipelinePanel},    {"Metadata", &s.show.metadata, drawMetadataPanel},
      {"Graph", &s.show.graph, drawGraphPanel},             {"Inspector", &s.show.inspector, drawInspectorPanel},
      {"Partition", &s.show.partition, drawPartitionPanel}, {"Memory", &s.show.memory, drawMemoryPanel},
      {"Execution", &s.show.execution, drawExecutionPanel},
      {"Log", &s.show.log, drawLogPanel},
  };
  for (const Panel& p : panels) {
    if (!*p.visible) continue;
    placeNext(p.name, s.show.memory_wide);
    try {
      p.draw(s);
    } catch (const std::exception& e) {
      // What a panel reads is missing or of another type (a saved session edited or damaged by hand): close what
      // it left open, say so in the panel and once in the Log, and draw the other panels as usual.
      ImGui::ErrorCheckEndFrameRecover(nullptr);
      if (ImGui::Begin(p.name, p.visible)) {
        ImGui::PushStyleColor(ImGuiCol_Text, ImVec4(1.0f, 0.45f, 0.4f, 1.0f));
        ImGui::TextWrapped("Part of this panel is unavailable: %s", e.what());
        ImGui::PopStyleColor();
      }
      ImGui::End();
      const std::string line = std::string(p.name) + " panel: part of the session cannot be shown (" + e.what() +
                               "); the rest is shown. Restart recomputes it.";
      if (s.panel_errors.insert(line).second) s.addLog(LogLevel::Error, "session", line);
    }
  }
  ImGuiIO& io = ImGui::GetIO();
  if (io.KeyCtrl && ImGui::IsKeyPressed(GLFW_KEY_Q)) s.quit_requested = true;
}

/// What a scripted test checks: stage statuses, the selection and what the panels show (as data, from the same
/// state the panels draw).
nlohmann::json stateJson(const AppState& s) {
  nlohmann::json stages = nlohmann::json::object();
  for (const auto& sn : s.session->snapshots()) stages[pipeline::stageName(sn->stage)] = pipeline::stageStatusName(sn->status);
  nlohmann::json j = {{"model", s.model},
                      {"stage", s.current_stage < 0 ? "" : pipeline::stageList()[static_cast<size_t>(s.current_stage)].name},
                      {"stages", stages},
                      {"graph_tab", s.graph_tab},
                      {"log_lines", s.log.size()},
                      {"errors", nlohmann::json::array()}};
  for (const auto& l : s.log)
    if (l.level == LogLevel::Error) j["errors"].push_back(l.text);
  const bool right = s.side_by_side && s.inspect_right && s.right_graph;
  const int32_t sel = right ? s.canvas_right.selected() : s.canvas.selected();
  const ir::Graph* shown = right ? s.right_graph.get() : s.view_graph.get();
  j["side_by_side"] = s.side_by_side;
  j["memory_wide"] = s.show.memory_wide;
  if (shown && sel >= 0 && sel < static_cast<int32_t>(shown->nodes.size())) {
    const ir::Node& n = shown->nodes[static_cast<size_t>(sel)];
    nlohmann::json ins = {{"node", n.name}, {"op", n.kind == ir::NodeKind::Call ? n.qualifiedOp() : ""}};
    if (s.view_partition)
      for (const auto& d : s.view_partition->nodes)
        if (d.name == n.name) ins["placement"] = partition::placementName(d.placement);
    j["inspector"] = ins;
  }
  if (s.view_graph) j["graph_nodes"] = s.view_graph->nodes.size();
  j["collapsed_scopes"] = s.collapsed_scopes;
  j["overview_path"] = s.overview_path;
  auto totals = [](const partition::PartitionResult& p) {
    return nlohmann::json{{"saved", p.saved.size()}, {"saved_bytes", p.totals.saved_bytes}, {"recomputed", p.totals.recomputed_nodes}};
  };
  if (s.view_partition) j["partition"] = totals(*s.view_partition);
  if (s.pytorch_partition) {
    j["pytorch_partition"] = totals(*s.pytorch_partition);
    j["drawn_partition"] = s.view_partition == s.pytorch_partition ? "pytorch" : "aotviz";
    j["moved_vs_pytorch"] = s.compared_moved.size();
  }
  j["memory_budget"] = s.session->config().memory_budget;
  if (s.pareto.result)
    j["pareto"] = {{"points", s.pareto.result->points.size()}, {"knee", s.pareto.result->knee},
                   {"partitions", s.pareto.result->partitions}};
  if (s.pareto.measured_graph == s.joint_graph && !s.pareto.measured_ms.empty())
    j["pareto_measured"] = s.pareto.measured_ms.size();
  if (s.timeline.of && !s.timeline.timeline.points.empty()) {
    const auto& tl = s.timeline.timeline;
    j["timeline"] = {{"points", tl.points.size()}, {"forward_points", tl.forward_points},
                     {"peak_node", tl.points[tl.peak].node}, {"peak_bytes", tl.points[tl.peak].live_bytes},
                     {"saved_at_peak", tl.saved_at_peak}, {"modules_at_peak", tl.saved_by_module.size()},
                     {"measured_points", s.timeline.measured.size()}};
  }
  for (const auto& sn : s.session->snapshots()) {
    if (sn->stage == pipeline::StageId::Metadata && sn->status == pipeline::StageStatus::Done && !sn->meta.empty())
      j["metadata"] = {{"inputs", sn->meta["input_info"].size()}, {"outputs", sn->meta["output_info"].size()}};
    if (const auto* ex = sn->as<pipeline::ExecutionResult>()) j["execution"] = execution::reportToJson(ex->report);
    for (const auto& u : sn->unavailable) j["unavailable"].push_back(std::string(pipeline::stageName(sn->stage)) + ": " + u);
  }
  return j;
}

/// Reads the back buffer and writes it as a PNG (atomically).
void writeScreenshot(GLFWwindow* window, const std::string& path) {
  int w = 0, h = 0;
  glfwGetFramebufferSize(window, &w, &h);
  std::vector<unsigned char> pixels(static_cast<size_t>(w) * static_cast<size_t>(h) * 4);
  glPixelStorei(GL_PACK_ALIGNMENT, 1);
  glReadBuffer(GL_BACK);
  glReadPixels(0, 0, w, h, GL_RGBA, GL_UNSIGNED_BYTE, pixels.data());
  std::vector<unsigned char> flipped(pixels.size());
  const size_t row = static_cast<size_t>(w) * 4;
  for (int y = 0; y < h; ++y)
    std::copy_n(&pixels[static_cast<size_t>(h - 1 - y) * row], row, &flipped[static_cast<size_t>(y) * row]);
  std::string png;
  auto sink = [](void* ctx, void* data, int size) {
    static_cast<std::string*>(ctx)->append(static_cast<const char*>(data), static_cast<size_t>(size));
  };
  if (!stbi_write_png_to_func(sink, &png, w, h, 4, flipped.data(), static_cast<int>(row)))
    fail("screenshot", path, "PNG encoding failed", "");
  util::writeFileAtomic(path, png);
}

}  // namespace

int runGui(const GuiOptions& opts) {
  AppState state;
  const std::string model = opts.model.empty() ? models::kDefaultModel : opts.model;
  if (!models::hasModel(model) && !models::looksLikeTorchScript(model) && !models::looksLikeExportedProgram(model) &&
      !isSessionFile(model) && !trace::looksLikeTrace(model)) {
    std::cerr << "error: unknown model '" << model
              << "' (see `aotviz models`, or pass a torch.export .pt2, a TorchScript .pt, a saved session .json or a "
                 "TORCH_TRACE directory)\n";
    return 1;
  }
  state.layouts = std::make_unique<viz::LayoutService>();
  state.iters = opts.iters;
  state.show_heat = opts.heat;
  const bool persist = opts.screenshot.empty();  // scripted runs leave the user's settings alone
  if (persist) loadSettings(state);
  try {
    openModel(state, model, opts.inputs, opts.model_options);
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
  state.requested_tab = opts.tab;
  state.side_by_side = opts.side_by_side;
  state.draw_pytorch_partition = opts.pytorch_partition;
  state.pareto_requested = opts.pareto;
  state.show.memory_wide = state.show.memory_wide || opts.memory_wide;
  state.requested_memory_tab = opts.memory_tab >= 0 ? opts.memory_tab : opts.pareto ? 1 : -1;
  if (!opts.stage.empty() && state.session->live()) {
    try {
      state.session->runToStage(opts.stage);
    } catch (const std::exception& e) {
      std::cerr << "error: " << e.what() << "\n";
      return 1;
    }
    state.session->wait();
  }
  if (opts.budget >= 0) {  // a what-if at start, as the Partition panel's budget slider does
    pipeline::Config c = state.session->config();
    c.memory_budget = opts.budget;
    state.whatIf(c);
    state.session->wait();
  }

  glfwSetErrorCallback(glfwErrorCallback);
  if (!glfwInit()) {
    std::cerr << "error: cannot open a window (no display?). Set DISPLAY, or run under xvfb-run for screenshots; "
                 "the headless subcommands (aotviz compile ...) need no display.\n";
    return 1;
  }
  glfwWindowHint(GLFW_CONTEXT_VERSION_MAJOR, 3);
  glfwWindowHint(GLFW_CONTEXT_VERSION_MINOR, 3);
  glfwWindowHint(GLFW_OPENGL_PROFILE, GLFW_OPENGL_CORE_PROFILE);
  const bool headless = !opts.screenshot.empty();
  if (headless) glfwWindowHint(GLFW_VISIBLE, GLFW_FALSE);
  GLFWwindow* window = glfwCreateWindow(opts.width, opts.height, windowTitle(state).c_str(), nullptr, nullptr);
  if (!window) {
    std::cerr << "error: cannot create an OpenGL 3.3 window\n";
    glfwTerminate();
    return 1;
  }
  glfwMakeContextCurrent(window);
  glfwSwapInterval(headless ? 0 : 1);

  IMGUI_CHECKVERSION();
  ImGui::CreateContext();
  ImPlot::CreateContext();
  ImGuiIO& io = ImGui::GetIO();
  io.IniFilename = nullptr;  // the layout is tiled by code; settings persistence comes with the debugger
  viz::applyImGuiStyle();
  ImGui_ImplGlfw_InitForOpenGL(window, true);
  ImGui_ImplOpenGL3_Init("#version 330");

  int exit_code = 0;
  int frame = 0;
  std::string pending_select = opts.select;
  std::string title = windowTitle(state);
  while (!glfwWindowShouldClose(window) && !state.quit_requested) {
    glfwPollEvents();
    ImGui_ImplOpenGL3_NewFrame();
    ImGui_ImplGlfw_NewFrame();
    ImGui::NewFrame();
    drawFrame(state);
    if (!pending_select.empty() && state.view_graph && !state.graph_pending) {
      if (!selectByName(state.canvas, *state.view_graph, pending_select))
        state.addLog(LogLevel::Error, "graph", "no node named '" + pending_select + "'");
      pending_select.clear();
      frame = std::min(frame, opts.frames - 2);  // one more frame, so the screenshot shows the selection
    }
    ImGui::Render();
    int fw = 0, fh = 0;
    glfwGetFramebufferSize(window, &fw, &fh);
    glViewport(0, 0, fw, fh);
    glClearColor(0.09f, 0.09f, 0.11f, 1.0f);
    glClear(GL_COLOR_BUFFER_BIT);
    ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData());
    std::string t = windowTitle(state);
    if (t != title) glfwSetWindowTitle(window, (title = t).c_str());
    // Screenshots wait (a bounded number of frames) for background layouts so the graph is on the picture.
    // A new Pareto curve is fitted to its data one frame after it is first drawn.
    const bool waiting = state.graph_pending || state.pareto.running.valid() || state.pareto_requested ||
                         (state.pareto.result && state.pareto.frames_drawn < 3);
    if (headless && ++frame >= opts.frames && (!waiting || frame > opts.frames + 2000)) {
      try {
        writeScreenshot(window, opts.screenshot);
        std::cout << "wrote " << opts.screenshot << "\n";
        if (!opts.state_out.empty()) util::writeFileAtomic(opts.state_out, stateJson(state).dump(1) + "\n");
      } catch (const std::exception& e) {
        std::cerr << "error: " << e.what() << "\n";
        exit_code = 1;
      }
      break;
    }
    glfwSwapBuffers(window);
  }

  if (persist) saveSettings(state);
  ImGui_ImplOpenGL3_Shutdown();
  ImGui_ImplGlfw_Shutdown();
  ImPlot::DestroyContext();
  ImGui::DestroyContext();
  glfwDestroyWindow(window);
  glfwTerminate();
  return exit_code;
}

}  // namespace aotviz::gui
