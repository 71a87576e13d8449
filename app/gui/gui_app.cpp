// app/gui/gui_app.cpp — GLFW + OpenGL3 + Dear ImGui window, menu bar, the tiled panel layout, screenshot mode.
#include "app/gui/gui_app.h"

#include <GLFW/glfw3.h>
#include <backends/imgui_impl_glfw.h>
#include <backends/imgui_impl_opengl3.h>
#include <imgui.h>
#include <stb_image_write.h>

#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "app/gui/app_state.h"
#include "app/gui/panels/panels.h"
#include "core/models/torchscript.h"
#include "core/models/zoo.h"
#include "core/pipeline/snapshot.h"
#include "core/pipeline/stages.h"
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

/// Opens `model` (a built-in model, a .pt, or a saved session .json) in a new paused session (the old one, if any,
/// finishes its stage and is dropped). A saved session is shown as saved, without running anything.
void openModel(AppState& s, const std::string& model) {
  s.snapshots_logged = 0;
  s.current_stage = -1;
  if (isSessionFile(model)) {
    pipeline::SessionRecord rec = pipeline::loadSession(model);
    s.model = rec.config.model;
    s.device = rec.config.device;
    s.session = std::make_unique<pipeline::DebugSession>(std::move(rec));
    s.addLog(LogLevel::Info, "inputs", "opened the saved session " + model +
                                           " (nothing runs until Restart, which runs its config again)");
    return;
  }
  pipeline::Config c;
  c.model = model;
  c.device = s.device;
  s.session = std::make_unique<pipeline::DebugSession>(c);
  s.model = model;
  s.addLog(LogLevel::Info, "inputs", "opened " + model + "; paused before the first stage (F10 steps, F5 continues)");
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
      s.addLog(LogLevel::Error, sn.stage, sn.error->format());
    } else {
      char ms[32];
      std::snprintf(ms, sizeof ms, "%.1f ms", sn.seconds * 1e3);
      s.addLog(LogLevel::Info, sn.stage, std::string(pipeline::stageStatusName(sn.status)) + " in " + ms);
    }
    for (const auto& n : sn.notes) s.addLog(LogLevel::Info, sn.stage, n);
  }
  s.snapshots_logged = snaps.size();
  s.current_stage = static_cast<int>(snaps.size()) - 1;
  const std::string err = s.session->lastError();
  if (!err.empty() && (s.log.empty() || s.log.back().text != err)) s.addLog(LogLevel::Error, "pipeline", err);
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
    ImGui::Separator();
    if (ImGui::MenuItem("Quit", "Ctrl+Q")) s.quit_requested = true;
    ImGui::EndMenu();
  }
  if (ImGui::BeginMenu("View")) {
    ImGui::MenuItem("Pipeline", nullptr, &s.show.pipeline);
    ImGui::MenuItem("Graph", nullptr, &s.show.graph);
    ImGui::MenuItem("Inspector", nullptr, &s.show.inspector);
    ImGui::MenuItem("Metadata", nullptr, &s.show.metadata);
    ImGui::MenuItem("Partition", nullptr, &s.show.partition);
    ImGui::MenuItem("Execution", nullptr, &s.show.execution);
    ImGui::MenuItem("Log", nullptr, &s.show.log);
    ImGui::EndMenu();
  }
  ImGui::EndMainMenuBar();
}

/// Tiles the panels like a docked layout: Pipeline and Metadata on the left, Graph in the centre, Inspector,
/// Partition and Execution on the right, Log along the bottom. Recomputed from the window size every frame, and
/// applied before the panel's Begin.
void placeNext(const char* panel) {
  const ImGuiViewport* vp = ImGui::GetMainViewport();
  ImVec2 pos = vp->WorkPos, size = vp->WorkSize;
  float left = size.x * 0.22f, right = size.x * 0.26f, log_h = size.y * 0.18f;
  float top_h = size.y - log_h, centre = size.x - left - right;
  struct Rect {
    const char* name;
    float x, y, w, h;
  };
  const Rect rects[] = {
      {"Pipeline", pos.x, pos.y, left, top_h * 0.55f},
      {"Metadata", pos.x, pos.y + top_h * 0.55f, left, top_h * 0.45f},
      {"Graph", pos.x + left, pos.y, centre, top_h},
      {"Inspector", pos.x + left + centre, pos.y, right, top_h * 0.40f},
      {"Partition", pos.x + left + centre, pos.y + top_h * 0.40f, right, top_h * 0.30f},
      {"Execution", pos.x + left + centre, pos.y + top_h * 0.70f, right, top_h * 0.30f},
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
  struct Panel {
    const char* name;
    bool* visible;
    void (*draw)(AppState&);
  };
  const Panel panels[] = {
      {"Pipeline", &s.show.pipeline, drawPipelinePanel},    {"Metadata", &s.show.metadata, drawMetadataPanel},
      {"Graph", &s.show.graph, drawGraphPanel},             {"Inspector", &s.show.inspector, drawInspectorPanel},
      {"Partition", &s.show.partition, drawPartitionPanel}, {"Execution", &s.show.execution, drawExecutionPanel},
      {"Log", &s.show.log, drawLogPanel},
  };
  for (const Panel& p : panels) {
    if (!*p.visible) continue;
    placeNext(p.name);
    p.draw(s);
  }
  ImGuiIO& io = ImGui::GetIO();
  if (io.KeyCtrl && ImGui::IsKeyPressed(GLFW_KEY_Q)) s.quit_requested = true;
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
  if (!models::hasModel(model) && !models::looksLikeTorchScript(model) && !isSessionFile(model)) {
    std::cerr << "error: unknown model '" << model
              << "' (see `aotviz models`, or pass a TorchScript .pt file or a saved session .json)\n";
    return 1;
  }
  state.layouts = std::make_unique<viz::LayoutService>();
  try {
    openModel(state, model);
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
  state.requested_tab = opts.tab;
  if (!opts.stage.empty() && state.session->live()) {
    try {
      state.session->runToStage(opts.stage);
    } catch (const std::exception& e) {
      std::cerr << "error: " << e.what() << "\n";
      return 1;
    }
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
  ImGuiIO& io = ImGui::GetIO();
  io.IniFilename = nullptr;  // the layout is tiled by code; settings persistence comes with the debugger
  viz::applyImGuiStyle();
  ImGui_ImplGlfw_InitForOpenGL(window, true);
  ImGui_ImplOpenGL3_Init("#version 330");

  int exit_code = 0;
  int frame = 0;
  std::string title = windowTitle(state);
  while (!glfwWindowShouldClose(window) && !state.quit_requested) {
    glfwPollEvents();
    ImGui_ImplOpenGL3_NewFrame();
    ImGui_ImplGlfw_NewFrame();
    ImGui::NewFrame();
    drawFrame(state);
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
    if (headless && ++frame >= opts.frames && (!state.graph_pending || frame > opts.frames + 2000)) {
      try {
        writeScreenshot(window, opts.screenshot);
        std::cout << "wrote " << opts.screenshot << "\n";
      } catch (const std::exception& e) {
        std::cerr << "error: " << e.what() << "\n";
        exit_code = 1;
      }
      break;
    }
    glfwSwapBuffers(window);
  }

  ImGui_ImplOpenGL3_Shutdown();
  ImGui_ImplGlfw_Shutdown();
  ImGui::DestroyContext();
  glfwDestroyWindow(window);
  glfwTerminate();
  return exit_code;
}

}  // namespace aotviz::gui
