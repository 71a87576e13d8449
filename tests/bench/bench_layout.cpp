// tests/bench/bench_layout.cpp — layout time vs node count: aotviz's layered layout against Graphviz dot (default
// settings, the `dot` program, with a time cap) on the same graphs: synthetic joint-shaped graphs of 300 to 50k
// nodes and the zoo's joint graphs. Medians over repetitions (min-max) for aotviz; one capped run for dot.
// Then each step of the layout on its own (layout_steps.h), on the same and collapsed graphs.
// `bench_layout --svg FILE MODEL` writes aotviz's layout of MODEL's joint graph as SVG (for looking at it).
// Not a test: run it by hand (README, Performance).
#include <sys/wait.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "core/capture/capture.h"
#include "core/models/zoo.h"
#include "tests/bench/joint_graph_generator.h"
#include "viz/dot_export.h"
#include "viz/layout.h"
#include "viz/layout_steps.h"
#include "viz/palette.h"

using namespace aotviz;

namespace {

double seconds(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

/// Runs `dot -Tplain` on the graph with a cap; returns seconds, or a negative number when it hit the cap.
double dotSeconds(const ir::Graph& g, int cap_s) {
  const std::string path = "/tmp/aotviz_bench_layout.dot";
  std::ofstream(path) << viz::graphToDot(g, {});
  const auto t0 = std::chrono::steady_clock::now();
  const std::string cmd = "timeout " + std::to_string(cap_s) + " dot -Tplain " + path + " > /dev/null 2>&1";
  int rc = std::system(cmd.c_str());
  double s = seconds(t0);
  return WIFEXITED(rc) && WEXITSTATUS(rc) == 0 ? s : -s;
}

void row(const std::string& name, const ir::Graph& g, int reps, int dot_cap, bool run_dot) {
  std::vector<double> t;
  for (int r = 0; r < reps; ++r) {
    auto t0 = std::chrono::steady_clock::now();
    auto l = viz::layoutGraph(g, {});
    t.push_back(seconds(t0));
  }
  std::sort(t.begin(), t.end());
  std::string dot = "not run";
  if (run_dot) {
    double d = dotSeconds(g, dot_cap);
    char buf[64];
    if (d < 0) std::snprintf(buf, sizeof buf, "> %d s (capped)", dot_cap);
    else std::snprintf(buf, sizeof buf, "%.2f s", d);
    dot = buf;
  }
  std::printf("| %-20s | %6zu | %8.1f (%.1f-%.1f) | %s |\n", name.c_str(), g.nodes.size(), t[t.size() / 2] * 1e3,
              t.front() * 1e3, t.back() * 1e3, dot.c_str());
  std::fflush(stdout);
}

/// Each step of the layout on its own (layout_steps.h): median ms over `reps` runs.
void stepsRow(const std::string& name, const ir::Graph& g, const viz::LayoutOptions& o, int reps) {
  using namespace viz::layout_steps;
  constexpr int kSteps = 9;
  std::vector<std::vector<double>> ms(kSteps + 1);
  size_t boxes = 0;
  for (int r = 0; r < reps; ++r) {
    const auto t_all = std::chrono::steady_clock::now();
    LayoutWork w(g, o);
    int s = 0;
    auto time = [&](auto&& step) {
      const auto t0 = std::chrono::steady_clock::now();
      step(w);
      ms[static_cast<size_t>(s++)].push_back(seconds(t0) * 1e3);
    };
    time(assignGroups);
    time(makeBoxes);
    time(makeEdges);
    time(assignRanks);
    time(buildColumns);
    time(reduceCrossings);
    time(assignCoordinates);
    time(placeColumns);
    time(routeEdges);
    ms[kSteps].push_back(seconds(t_all) * 1e3);
    boxes = w.out->boxes.size();
  }
  std::printf("| %-24s | %6zu | %6zu |", name.c_str(), g.nodes.size(), boxes);
  for (auto& v : ms) {
    std::sort(v.begin(), v.end());
    std::printf(" %.2f |", v[v.size() / 2]);
  }
  std::printf("\n");
  std::fflush(stdout);
}

ir::Graph zooJoint(const std::string& name) {
  models::Model m = models::buildModel(name);
  return capture::captureGraph(m.fn, m.inputs).graph;
}

void writeSvg(const ir::Graph& g, const std::string& file) {
  auto l = viz::layoutGraph(g, {});
  std::ofstream o(file);
  o << "<svg xmlns='http://www.w3.org/2000/svg' width='" << l->width + 20 << "' height='" << l->height + 20
    << "' font-family='Helvetica' font-size='9'><g transform='translate(10,10)'>\n";
  for (const auto& e : l->edges) {
    o << "<polyline fill='none' stroke='" << (e.kind == viz::EdgeKind::Saved ? viz::categoryHex(viz::NodeCategory::Saved) : "#888")
      << "' stroke-width='" << (e.kind == viz::EdgeKind::Saved ? 0.6 : 1) << "' points='";
    for (const auto& p : e.points) o << p.x << "," << p.y << " ";
    o << "'/>\n";
  }
  for (const auto& b : l->boxes) {
    viz::NodeCategory c = b.kind == viz::BoxKind::Input ? viz::NodeCategory::Input
                          : b.kind == viz::BoxKind::Backward ? viz::NodeCategory::Backward
                          : b.kind == viz::BoxKind::Output ? viz::NodeCategory::Output
                                                           : viz::NodeCategory::Forward;
    o << "<rect x='" << b.x << "' y='" << b.y << "' width='" << b.w << "' height='" << b.h << "' rx='4' fill='"
      << viz::categoryHex(c) << "'/><text x='" << b.x + 4 << "' y='" << b.y + 12 << "'>"
      << b.label.substr(0, b.label.find('\n')) << "</text>\n";
  }
  o << "</g></svg>\n";
  std::printf("wrote %s (%zu boxes, %.0f x %.0f)\n", file.c_str(), l->boxes.size(), l->width, l->height);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 4 && std::string(argv[1]) == "--svg") {
    writeSvg(zooJoint(argv[3]), argv[2]);
    return 0;
  }
  const int reps = argc > 1 ? std::max(1, std::atoi(argv[1])) : 5;
  const int cap = argc > 2 ? std::atoi(argv[2]) : 60;
  std::printf("layout time: aotviz median of %d (min-max) vs Graphviz dot -Tplain (one run, capped at %d s)\n\n", reps, cap);
  std::printf("| graph | nodes | aotviz ms | dot |\n|---|---|---|---|\n");
  for (const char* m : {"attn_block", "gpt", "resnet18", "deep_mlp"}) row(std::string(m) + " joint", zooJoint(m), reps, cap, true);
  for (size_t n : {300, 1000, 5000, 10000, 50000})
    row("generated " + std::to_string(n), testing::makeJointShapedGraph(n), reps, cap, true);

  std::printf("\nlayout steps: median ms of %d runs each\n\n", reps);
  std::printf("| graph | nodes | boxes | assignGroups | makeBoxes | makeEdges | assignRanks | buildColumns | "
              "reduceCrossings | assignCoordinates | placeColumns | routeEdges | all |\n"
              "|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
  stepsRow("gpt joint", zooJoint("gpt"), {}, reps);
  for (size_t n : {10000, 50000}) {
    const ir::Graph g = testing::makeJointShapedGraph(n);
    stepsRow("generated " + std::to_string(n), g, {}, reps);
    viz::LayoutOptions collapsed;  // one group per layer and side
    collapsed.collapsed_scopes = viz::childScopes(g, "layers");
    stepsRow("generated " + std::to_string(n) + " layers", g, collapsed, reps);
  }
  return 0;
}
