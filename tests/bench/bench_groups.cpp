// tests/bench/bench_groups.cpp — the module overview on a real 50k-node joint graph (gpt sized by its options):
// CPU time of one canvas frame (ImGui NewFrame → Render, no GPU upload) with the graph collapsed into module
// groups, and the cost of expanding a group as the Graph panel does it (the new layout, then the first frame), one
// level at a time down to one block. The canvas is kept across views, as the Graph panel keeps it (the first
// view's first frame also builds its per-node categories). Needs a display: run it under xvfb-run. Medians (min–max). Not a test:
// `xvfb-run -a build/tests/bench/bench_groups [layers]` (README, Performance).
#include <GLFW/glfw3.h>
#include <backends/imgui_impl_glfw.h>
#include <backends/imgui_impl_opengl3.h>
#include <imgui.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "core/pipeline/pipeline.h"
#include "tests/bench/bench_stats.h"
#include "viz/canvas.h"
#include "viz/layout.h"

using namespace aotviz;

namespace {

double msSince(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

/// One frame of the canvas in a full-window ImGui window; returns its CPU time (NewFrame → Render).
double frame(GLFWwindow* window, viz::Canvas& canvas, const ir::Graph& g, const viz::Layout& l,
             const partition::PartitionResult* part) {
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
  const double t = msSince(t0);
  ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData());
  glfwSwapBuffers(window);
  return t;
}

}  // namespace

int main(int argc, char** argv) {
  const int64_t layers = argc > 1 ? std::atoll(argv[1]) : 360;  // 360 blocks at width 64, seq 16: a 50k-node joint
  pipeline::Config c;
  c.model = "gpt";
  c.model_options = {{"layers", layers}, {"width", 64}, {"seq", 16}};
  c.use_cache = false;
  pipeline::Pipeline p(c);
  while (!p.finished() && p.next() <= pipeline::stageIndex("partition")) p.runNext();
  if (p.halted()) {
    std::fprintf(stderr, "the pipeline failed at %s\n", p.snapshots().back()->stage.c_str());
    return 1;
  }
  const auto joint = p.snapshots()[pipeline::stageIndex("passes")]->graph;
  const auto part = p.snapshots()[pipeline::stageIndex("partition")]->partition;
  const ir::Graph& g = *joint;

  if (!glfwInit()) {
    std::fprintf(stderr, "no display: run under xvfb-run\n");
    return 1;
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

  std::printf("gpt --layers %lld --width 64 --seq 16: joint graph of %zu nodes, partitioned (min-cut)\n",
              static_cast<long long>(layers), g.nodes.size());
  std::printf("canvas 1600x1000, fitted view; frame = median of 30 frames after 5 (min-max); expand = the new "
              "layout (median of 3) + its first frame\n\n");
  viz::Canvas canvas;  // one canvas throughout, as the Graph panel keeps it while groups open
  // The per-node facts, once per graph and partition, as the Graph panel keeps them while groups open.
  const auto tf = std::chrono::steady_clock::now();
  const auto facts = viz::nodeFacts(g, part.get());
  std::printf("node facts (once per graph and partition): %.1f ms\n\n", msSince(tf));
  std::printf("| view | boxes | groups | layout ms | first frame ms | frame ms | expand ms |\n|---|---|---|---|---|---|---|\n");
  // Open one level at a time: the top level, then "h" (the blocks), then one block, then its attention.
  for (const std::string& path : std::vector<std::string>{"", "h", "h.0", "h.0.attn"}) {
    viz::LayoutOptions lo;
    lo.collapsed_scopes = viz::overviewScopes(g, path);
    lo.partition = part.get();
    lo.facts = facts;
    std::vector<double> layout_ms;
    std::shared_ptr<const viz::Layout> l;
    for (int r = 0; r < 3; ++r) {
      const auto t0 = std::chrono::steady_clock::now();
      l = viz::layoutGraph(g, lo);
      layout_ms.push_back(msSince(t0));
    }
    const double first = frame(window, canvas, g, *l, part.get());
    std::vector<double> ms;
    for (int i = 0; i < 35; ++i) {
      const double t = frame(window, canvas, g, *l, part.get());
      if (i >= 5) ms.push_back(t);
    }
    size_t groups = 0;
    for (const auto& b : l->boxes) groups += b.kind == viz::BoxKind::Group ? 1 : 0;
    const bench::Stat f = bench::stat(ms), lay = bench::stat(layout_ms);
    std::printf("| %s | %zu | %zu | %.1f (%.1f-%.1f) | %.2f | %.2f (%.2f-%.2f) | %.1f |\n",
                path.empty() ? "top level" : ("opened to " + path).c_str(), l->boxes.size(), groups, lay.median,
                lay.min, lay.max, first, f.median, f.min, f.max, lay.median + first);
    std::fflush(stdout);
  }
  ImGui_ImplOpenGL3_Shutdown();
  ImGui_ImplGlfw_Shutdown();
  ImGui::DestroyContext();
  glfwDestroyWindow(window);
  glfwTerminate();
  return 0;
}
