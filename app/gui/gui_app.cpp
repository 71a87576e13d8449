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
#include "core/models/zoo.h"
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

void drawMenuBar(AppState& s) {
  if (!ImGui::BeginMainMenuBar()) return;
  if (ImGui::BeginMenu("File")) {
    if (ImGui::BeginMenu("Built-in models")) {
      for (const auto& m : models::modelList()) {
        if (ImGui::MenuItem(m.name.c_str(), nullptr, s.model == m.name)) {
          s.model = m.name;
          s.addLog(LogLevel::Info, "inputs", "opened built-in model " + m.name);
        }
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
  state.model = opts.model.empty() ? models::kDefaultModel : opts.model;
  if (!models::hasModel(state.model)) {
    std::cerr << "error: unknown model '" << state.model << "' (see `aotviz models`)\n";
    return 1;
  }
  state.addLog(LogLevel::Info, "inputs", "opened " + state.model + "; paused before the first stage");

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
    if (headless && ++frame >= opts.frames) {
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
