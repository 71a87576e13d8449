// tests/bench/bench_window.h — a hidden GLFW + ImGui window and one timed canvas frame, shared by the canvas
// benchmarks (they need a display: run them under xvfb-run).
#pragma once

#include <GLFW/glfw3.h>
#include <backends/imgui_impl_glfw.h>
#include <backends/imgui_impl_opengl3.h>
#include <imgui.h>

#include <chrono>
#include <cstdio>
#include <memory>

#include "viz/canvas.h"

namespace aotviz::bench {

/// A hidden 1600x1000 OpenGL 3.3 window with an ImGui context; nullptr (after a message) without a display.
inline GLFWwindow* openWindow() {
  if (!glfwInit()) {
    std::fprintf(stderr, "no display: run under xvfb-run\n");
    return nullptr;
  }
  glfwWindowHint(GLFW_CONTEXT_VERSION_MAJOR, 3);
  glfwWindowHint(GLFW_CONTEXT_VERSION_MINOR, 3);
  glfwWindowHint(GLFW_OPENGL_PROFILE, GLFW_OPENGL_CORE_PROFILE);
  glfwWindowHint(GLFW_VISIBLE, GLFW_FALSE);
  GLFWwindow* window = glfwCreateWindow(1600, 1000, "bench", nullptr, nullptr);
  glfwMakeContextCurrent(window);
  glfwSwapInterval(0);
  ImGui::CreateContext();
  ImGui::GetIO().IniFilename = nullptr;
  ImGui_ImplGlfw_InitForOpenGL(window, false);
  ImGui_ImplOpenGL3_Init("#version 330");
  return window;
}

inline void closeWindow(GLFWwindow* window) {
  ImGui_ImplOpenGL3_Shutdown();
  ImGui_ImplGlfw_Shutdown();
  ImGui::DestroyContext();
  glfwDestroyWindow(window);
  glfwTerminate();
}

/// One frame of `canvas` in a full-window ImGui window; returns its CPU time in ms (NewFrame → Render, no upload).
inline double canvasFrame(GLFWwindow* window, viz::Canvas& canvas, const std::shared_ptr<const ir::Graph>& g,
                          const viz::Layout& l, const std::shared_ptr<const partition::PartitionResult>& part) {
  glfwPollEvents();
  ImGui_ImplOpenGL3_NewFrame();
  ImGui_ImplGlfw_NewFrame();
  const auto t0 = std::chrono::steady_clock::now();
  ImGui::NewFrame();
  ImGui::SetNextWindowPos(ImVec2(0, 0));
  ImGui::SetNextWindowSize(ImGui::GetIO().DisplaySize);
  ImGui::Begin("graph", nullptr, ImGuiWindowFlags_NoDecoration);
  canvas.draw(g, l, part);
  ImGui::End();
  ImGui::Render();
  const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData());
  glfwSwapBuffers(window);
  return ms;
}

}  // namespace aotviz::bench
