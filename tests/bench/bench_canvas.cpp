// tests/bench/bench_canvas.cpp — CPU time to build one frame of the graph canvas (ImGui NewFrame → Render, no GPU
// upload) on joint-shaped graphs of 300 to 50k nodes, at the fitted view (everything visible, level of detail
// drops labels and edges) and at 100% zoom (labels drawn, culling keeps what is on screen). Needs a display: run it
// under xvfb-run. Medians of 30 frames after warm-up (min-max). Not a test: run it by hand (README, Performance).
#include <cstdio>
#include <memory>
#include <vector>

#include "tests/bench/bench_stats.h"
#include "tests/bench/bench_window.h"
#include "tests/bench/joint_graph_generator.h"
#include "viz/canvas.h"
#include "viz/layout.h"

using namespace aotviz;

namespace {

using bench::Stat;

Stat frames(GLFWwindow* window, viz::Canvas& canvas, const std::shared_ptr<const ir::Graph>& g, const viz::Layout& l, int n,
             viz::CanvasStats* stats, const std::shared_ptr<const partition::PartitionResult>& part = nullptr) {
  std::vector<double> ms;
  for (int i = 0; i < n + 5; ++i) {
    const double t = bench::canvasFrame(window, canvas, g, l, part);
    if (i >= 5) ms.push_back(t);
  }
  *stats = canvas.stats();
  return bench::stat(ms);
}

}  // namespace

int main() {
  GLFWwindow* window = bench::openWindow();
  if (!window) return 1;
  std::printf("canvas frame build (ImGui NewFrame -> Render), 1600x1000, median of 30 frames (min-max)\n\n");
  std::printf("| nodes | fitted view ms | boxes / edges drawn | 100%% zoom ms | boxes / edges / labels drawn | fitted, with partition ms |\n|---|---|---|---|---|---|\n");
  for (size_t n : {300, 1000, 5000, 10000, 50000}) {
    const auto graph = std::make_shared<const ir::Graph>(testing::makeJointShapedGraph(n));
    const ir::Graph& g = *graph;
    auto l = viz::layoutGraph(g, {});
    viz::Canvas fitted, close;
    close.select(static_cast<int32_t>(g.nodes.size() / 2), true);  // centred on a node at >= 80% zoom
    viz::CanvasStats a, b;
    Stat f = frames(window, fitted, graph, *l, 30, &a);
    Stat z = frames(window, close, graph, *l, 30, &b);
    // A partition record as the joint view gets it: a decision per node, every forward op's output saved.
    auto part = std::make_shared<partition::PartitionResult>();
    for (const ir::Node& node : g.nodes) {
      part->nodes.push_back({node.name, node.op, node.prov.phase == ir::Phase::Backward ? partition::Placement::Backward
                                                                                       : partition::Placement::Forward,
                            partition::Rule::ForwardOutput, ""});
      if (node.kind == ir::NodeKind::Call && node.prov.phase == ir::Phase::Forward)
        part->saved.push_back({node.name, 8192, "activation", partition::Rule::CheaperToSave, ""});
    }
    viz::Canvas with_partition;
    viz::CanvasStats c;
    Stat p = frames(window, with_partition, graph, *l, n > 20000 ? 5 : 30, &c, part);
    std::printf("| %zu | %.2f (%.2f-%.2f) | %zu / %zu | %.2f (%.2f-%.2f) | %zu / %zu / %zu | %.2f (%.2f-%.2f) |\n",
                g.nodes.size(), f.median, f.min, f.max, a.boxes_drawn, a.edges_drawn, z.median, z.min, z.max,
                b.boxes_drawn, b.edges_drawn, b.labels_drawn, p.median, p.min, p.max);
    std::fflush(stdout);
  }
  bench::closeWindow(window);
  return 0;
}
