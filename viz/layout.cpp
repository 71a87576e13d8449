// viz/layout.cpp — the layered layout: its steps (layout_steps.h) in order, with cancel checks and progress between
// them; and the anchors a layout gives a related view.
#include "viz/layout.h"

#include <algorithm>
#include <chrono>
#include <cmath>

#include "viz/layout_steps.h"

namespace aotviz::viz {

const NodeFacts* factsFor(const ir::Graph& g, const LayoutOptions& opts) {
  const size_t N = g.nodes.size();
  const NodeFacts* f = opts.facts.get();
  if (!f || f->placement.size() != N || f->saved_bytes.size() != N) return nullptr;
  if (!opts.collapsed_scopes.empty() && f->scope.size() != N) return nullptr;  // facts made without scopes
  return f;
}

std::shared_ptr<const Layout> layoutGraph(const ir::Graph& g, const LayoutOptions& opts,
                                          const std::atomic<bool>* cancel,
                                          const std::function<void(float)>& progress) {
  using namespace layout_steps;
  const auto t0 = std::chrono::steady_clock::now();
  LayoutWork w(g, opts, cancel, &progress);
  assignGroups(w);
  makeBoxes(w);
  makeEdges(w);
  if (w.cancelled()) return nullptr;
  w.report(0.1f);
  assignRanks(w);
  buildColumns(w);
  if (w.cancelled()) return nullptr;
  w.report(0.2f);
  if (!reduceCrossings(w) || !assignCoordinates(w)) return nullptr;
  w.report(0.8f);
  placeColumns(w);
  routeEdges(w);
  w.out->seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  w.report(1.0f);
  return w.out;
}

std::shared_ptr<const Anchors> anchorsOf(const ir::Graph& g, const Layout& layout) {
  float column_left[2] = {INFINITY, INFINITY};
  for (const NodeBox& b : layout.boxes) column_left[b.side] = std::min(column_left[b.side], b.x);
  auto a = std::make_shared<Anchors>();
  for (const NodeBox& b : layout.boxes)
    if (b.node >= 0) (*a)[g.nodes[static_cast<size_t>(b.node)].name] = Anchor{b.side, b.x + b.w / 2 - column_left[b.side]};
  return a;
}

}  // namespace aotviz::viz
