// tests/bench/bench_groups.cpp — the module overview on a real 50k-node joint graph (gpt sized by its options):
// CPU time of one canvas frame (ImGui NewFrame → Render, no GPU upload) with the graph collapsed into module
// groups, and the cost of expanding a group as the Graph panel does it (the new layout, then the first frame), one
// level at a time down to one block. The canvas is kept across views, as the Graph panel keeps it (the first
// view's first frame also builds its per-node categories). Also what the caches' keys cost: the content digests of
// the graph and the partition (once per object) and the LayoutService::get of a cached layout the panel makes
// every frame. Needs a display: run it under xvfb-run. Medians (min–max). Not a test:
// `xvfb-run -a build/tests/bench/bench_groups [layers]` (README, Performance).
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "core/pipeline/pipeline.h"
#include "tests/bench/bench_gpt.h"
#include "tests/bench/bench_stats.h"
#include "tests/bench/bench_window.h"
#include "viz/content_digest.h"
#include "viz/layout.h"
#include "viz/layout_service.h"

using namespace aotviz;

namespace {

double msSince(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

int main(int argc, char** argv) {
  const int64_t layers = argc > 1 ? std::atoll(argv[1]) : 360;  // 360 blocks at width 64, seq 16: a 50k-node joint
  pipeline::Pipeline p(bench::scaledGpt(layers));
  bench::runToPartition(p);
  const auto joint = p.snapshots()[pipeline::index(pipeline::StageId::Passes)]->graph;
  const auto part = p.snapshots()[pipeline::index(pipeline::StageId::Partition)]->partition;
  const ir::Graph& g = *joint;

  GLFWwindow* window = bench::openWindow();
  if (!window) return 1;

  std::printf("gpt --layers %lld --width 64 --seq 16: joint graph of %zu nodes, partitioned (min-cut)\n",
              static_cast<long long>(layers), g.nodes.size());
  std::printf("canvas 1600x1000, fitted view; frame = median of 30 frames after 5 (min-max); expand = the new "
              "layout (median of 3) + its first frame\n\n");
  viz::Canvas canvas;  // one canvas throughout, as the Graph panel keeps it while groups open
  // The per-node facts, once per graph and partition, as the Graph panel keeps them while groups open.
  const auto tf = std::chrono::steady_clock::now();
  const auto facts = viz::nodeFacts(g, part.get());
  std::printf("node facts (once per graph and partition): %.1f ms\n", msSince(tf));
  const auto td = std::chrono::steady_clock::now();
  const uint64_t graph_digest = viz::graphDigest(g);
  const double graph_digest_ms = msSince(td);
  const auto tp = std::chrono::steady_clock::now();
  viz::partitionDigest(*part);
  std::printf("content digests (once per object): graph %.1f ms, partition %.1f ms (%016llx)\n\n", graph_digest_ms,
              msSince(tp), static_cast<unsigned long long>(graph_digest));
  viz::LayoutService service;
  std::printf("| view | boxes | groups | layout ms | first frame ms | frame ms | expand ms | cached get µs |\n"
              "|---|---|---|---|---|---|---|---|\n");
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
    const double first = bench::canvasFrame(window, canvas, joint, *l, part);
    std::vector<double> ms;
    for (int i = 0; i < 35; ++i) {
      const double t = bench::canvasFrame(window, canvas, joint, *l, part);
      if (i >= 5) ms.push_back(t);
    }
    // The panel's every-frame request once the layout is cached: the key (digests, options) and the lookup.
    while (!service.get(joint, lo)) std::this_thread::sleep_for(std::chrono::milliseconds(2));
    std::vector<double> get_us;
    for (int i = 0; i < 100; ++i) {
      const auto t0 = std::chrono::steady_clock::now();
      service.get(joint, lo);
      get_us.push_back(msSince(t0) * 1e3);
    }
    const bench::Stat get = bench::stat(get_us);
    size_t groups = 0;
    for (const auto& b : l->boxes) groups += b.kind == viz::BoxKind::Group ? 1 : 0;
    const bench::Stat f = bench::stat(ms), lay = bench::stat(layout_ms);
    std::printf("| %s | %zu | %zu | %.1f (%.1f-%.1f) | %.2f | %.2f (%.2f-%.2f) | %.1f | %.1f |\n",
                path.empty() ? "top level" : ("opened to " + path).c_str(), l->boxes.size(), groups, lay.median,
                lay.min, lay.max, first, f.median, f.min, f.max, lay.median + first, get.median);
    std::fflush(stdout);
  }
  bench::closeWindow(window);
  return 0;
}
