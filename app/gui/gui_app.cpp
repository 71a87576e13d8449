// app/gui/gui_app.cpp — GLFW + OpenGL3 + Dear ImGui window, menu bar, the tiled panel layout, screenshot mode.
#include "app/gui/gui_app.h"

#include <GLFW/glfw3.h>
#include <backends/imgui_impl_glfw.h>
#include <backends/imgui_impl_opengl3.h>
#include <imgui.h>
#include <imgui_internal.h>  // ImGui::ErrorCheckEndFrameRecover: a panel that threw leaves its windows open
#include <implot.h>

#include <chrono>
#include <algorithm>
#include <cstdio>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "app/gui/app_state.h"
#include "app/gui/panels/panels.h"
#include "app/gui/requests.h"
#include "app/gui/scenarios.h"
#include "app/gui/settings.h"
#include "app/gui/test_hooks.h"
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
      if (!sn.error->node.empty()) s.request(request::Select{sn.error->node});
    } else {
      char ms[32];
      std::snprintf(ms, sizeof ms, "%.1f ms", sn.seconds * 1e3);
      s.addLog(LogLevel::Info, pipeline::stageName(sn.stage), std::string(pipeline::stageStatusName(sn.status)) + " in " + ms);
    }
    for (const auto& n : sn.notes) s.addLog(LogLevel::Info, pipeline::stageName(sn.stage), n);
  }
  if (snaps.size() != s.snapshots_logged) s.pipeline_panel.view_stage = -1;  // new or dropped stages: show the latest again
  s.snapshots_logged = snaps.size();
  s.current_stage = static_cast<int>(snaps.size()) - 1;
  // Sizes of snapshots no longer in the session (restarted stages) are forgotten.
  auto& bytes = s.pipeline_panel.snapshot_bytes;
  for (auto it = bytes.begin(); it != bytes.end();) it = it->first.use_count() == 1 ? bytes.erase(it) : std::next(it);
  const std::string err = s.session->lastError();
  if (!err.empty() && (s.log.empty() || s.log.back().text != err)) s.addLog(LogLevel::Error, "pipeline", err);
}

/// File > Open and File > Save session: small path dialogs.
void drawFileDialogs(AppState& s) {
  FileDialogState& d = s.dialogs;
  if (d.open_requested) {
    ImGui::OpenPopup("Open");
    d.open_requested = false;
  }
  if (ImGui::BeginPopupModal("Open", nullptr, ImGuiWindowFlags_AlwaysAutoResize)) {
    ImGui::TextUnformatted("A torch.export .pt2 (torch.export.save), a TorchScript .pt (torch.jit.save), a session .json, or a "
                           "TORCH_TRACE directory (DIR, or DIR#0/0_1 for one compile)");
    ImGui::InputText("file", d.path, sizeof d.path);
    ImGui::InputText("input spec (.pt: empty = the .json beside it; .pt2: empty = its sample inputs)", d.spec, sizeof d.spec);
    if (ImGui::Button("Open")) {
      s.request(request::Open{d.path, d.spec});
      ImGui::CloseCurrentPopup();
    }
    ImGui::SameLine();
    if (ImGui::Button("Cancel")) ImGui::CloseCurrentPopup();
    ImGui::EndPopup();
  }
  if (d.save_requested) {
    ImGui::OpenPopup("Save session");
    d.save_requested = false;
  }
  if (ImGui::BeginPopupModal("Save session", nullptr, ImGuiWindowFlags_AlwaysAutoResize)) {
    ImGui::InputText("file", d.out, sizeof d.out);
    if (ImGui::Button("Save")) {
      s.request(request::Save{d.out});
      ImGui::CloseCurrentPopup();
    }
    ImGui::SameLine();
    if (ImGui::Button("Cancel")) ImGui::CloseCurrentPopup();
    ImGui::EndPopup();
  }
}

void drawMenuBar(AppState& s) {
  if (!ImGui::BeginMainMenuBar()) return;
  if (ImGui::BeginMenu("File")) {
    if (ImGui::BeginMenu("Built-in models")) {
      for (const auto& m : models::modelList()) {
        if (ImGui::MenuItem(m.name.c_str(), nullptr, s.model == m.name)) s.request(request::Open{m.name, ""});
        if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s", m.description.c_str());
      }
      ImGui::EndMenu();
    }
    if (ImGui::MenuItem("Open .pt2, .pt, session or trace...")) s.dialogs.open_requested = true;
    if (ImGui::MenuItem("Save session...", nullptr, false, s.session != nullptr)) s.dialogs.save_requested = true;
    // A TORCH_TRACE session: its other compiles (every rank, frame, restart and recompile), one click each.
    const auto snaps = s.session ? s.session->snapshots() : std::vector<pipeline::SnapshotPtr>{};
    const auto* listed = snaps.empty() ? nullptr : snaps.front()->as<pipeline::InputsResult>();
    if (ImGui::BeginMenu("Trace compiles", listed && !listed->trace_compiles.empty())) {
      const std::string dir = s.model.substr(0, s.model.rfind('#'));
      for (const auto& c : listed->trace_compiles) {
        if (ImGui::MenuItem((c.label.empty() ? c.id : c.label).c_str(), nullptr, dir + "#" + c.id == s.model, c.has_graph))
          s.request(request::Open{dir + "#" + c.id, ""});
      }
      ImGui::EndMenu();
    }
    if (ImGui::BeginMenu("Recent", !s.dialogs.recent.empty())) {
      for (const auto& r : s.dialogs.recent)
        if (ImGui::MenuItem(r.c_str())) s.request(request::Open{r, ""});
      ImGui::EndMenu();
    }
    ImGui::Separator();
    if (ImGui::MenuItem("Quit", "Ctrl+Q")) s.request(request::Quit{});
    ImGui::EndMenu();
  }
  if (ImGui::BeginMenu("Help")) {
    // Teaching mode: scenarios from assets/teaching/scenarios.json, each opened and stepped to the stage that shows it.
    if (ImGui::BeginMenu("Scenarios")) {
      for (const auto& sc : scenarios()) {
        if (ImGui::MenuItem(sc.title.c_str())) s.request(request::OpenScenario{sc});
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
  if (io.KeyCtrl && ImGui::IsKeyPressed(GLFW_KEY_Q)) s.request(request::Quit{});
  applyRequests(s);
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
  state.graph_panel.layouts = std::make_unique<viz::LayoutService>();
  state.iters = opts.iters;
  state.graph_panel.show_heat = opts.heat;
  const bool persist = opts.screenshot.empty();  // scripted runs leave the user's settings alone
  if (persist) loadSettings(state);
  try {
    openModel(state, model, opts.inputs, opts.model_options);
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
  state.graph_panel.requested_tab = opts.tab;
  state.graph_panel.side_by_side = opts.side_by_side;
  state.partition_panel.draw_pytorch = opts.pytorch_partition;
  state.memory_panel.pareto_requested = opts.pareto;
  state.show.memory_wide = state.show.memory_wide || opts.memory_wide;
  state.memory_panel.requested_tab = opts.memory_tab >= 0 ? opts.memory_tab : opts.pareto ? 1 : -1;
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
    state.request(request::WhatIf{c});
    applyRequests(state);
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
    const auto frame_start = std::chrono::steady_clock::now();
    ImGui_ImplOpenGL3_NewFrame();
    ImGui_ImplGlfw_NewFrame();
    ImGui::NewFrame();
    drawFrame(state);
    if (!pending_select.empty() && state.view_graph && !state.graph_panel.pending) {
      state.request(request::Select{pending_select, true});
      applyRequests(state);
      pending_select.clear();
      frame = std::min(frame, opts.frames - 2);  // one more frame, so the screenshot shows the selection
    }
    ImGui::Render();
    auto& built = state.frame_build_ms;
    if (built.size() >= 4096) built.erase(built.begin(), built.begin() + 2048);
    built.push_back(std::chrono::duration<float, std::milli>(std::chrono::steady_clock::now() - frame_start).count());
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
    const ParetoState& pareto = state.memory_panel.pareto;
    const bool waiting = state.graph_panel.pending || pareto.running.valid() || state.memory_panel.pareto_requested ||
                         (pareto.result && pareto.frames_drawn < 3);
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
