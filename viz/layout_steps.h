// viz/layout_steps.h — the steps of layoutGraph (layout.h) over one work struct, each callable on its own for tests
// and benchmarks. A step reads what the steps before it wrote into the LayoutWork and adds its own part; run them in
// this order:
//
//   assignGroups     the columns (forward, backward) and collapsed module groups of the nodes
//   makeBoxes        one box per shown node or (group, column), with its label and size
//   makeEdges        the edges between boxes, deduplicated, each Normal, Saved, Cross or Back
//   assignRanks      longest-path ranks, then every box as late as its users allow
//   buildColumns     each column's layers with dummy items on edges spanning a few ranks, anchored items in order
//   reduceCrossings  barycentre sweeps, down then up (none when anchored)
//   assignCoordinates x within each column: packed, then least-squares fits to the neighbours above and below
//   placeColumns     the columns side by side, ranks top-down: the boxes' positions
//   routeEdges       the polyline of every edge, and the layout's size
//
// layoutGraph is these steps with its cancel checks and progress values between them.
#pragma once

#include <atomic>
#include <cmath>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "viz/layout.h"

namespace aotviz::viz::layout_steps {

/// A box or a dummy node in a column's layers.
struct Item {
  int32_t box = -1;    // -1 for a dummy
  int rank = 0;
  float w = 2;
  float x = 0;         // centre, relative to the column
  float anchor = NAN;  // anchored x (relative to the column), NaN when free
  int pos = 0;         // index in its layer
  std::vector<int32_t> up, down;  // neighbouring items in the ranks above and below
};

/// One column's items (boxes first, in box order, then dummies) and its layers (item indices, left to right).
struct Column {
  std::vector<Item> items;
  std::vector<std::vector<int32_t>> layers;
};

/// What a layout has computed so far. `g` and `opts` (and what they point to) must outlive it.
struct LayoutWork {
  LayoutWork(const ir::Graph& g, const LayoutOptions& opts, const std::atomic<bool>* cancel = nullptr,
             const std::function<void(float)>* progress = nullptr);

  const ir::Graph& g;
  const LayoutOptions& opts;
  const std::atomic<bool>* cancel;
  const std::function<void(float)>* progress;
  bool cancelled() const { return cancel && cancel->load(std::memory_order_relaxed); }
  void report(float p) const {
    if (progress && *progress) (*progress)(p);
  }

  /// The result: boxes, edges and box_of_node from makeBoxes and makeEdges, positions from placeColumns, routes and
  /// size from routeEdges.
  std::shared_ptr<Layout> out;

  // assignGroups
  bool split = false;                     // forward and backward halves in their own columns
  const NodeFacts* facts = nullptr;       // opts.facts, or own_facts
  std::shared_ptr<const NodeFacts> own_facts;
  std::vector<int> side_of;               // per node: its column
  std::vector<int> group_of;              // per node: index into group_scopes, -1 when shown on its own
  std::vector<std::string> group_scopes;  // the collapsed scopes that hold nodes, in order of first use

  // makeEdges: per box, the boxes of its Normal edges (in-column, downwards) in and out
  std::vector<std::vector<int32_t>> preds, succs;

  // assignRanks: per box (also in out->boxes[b].rank)
  std::vector<int> rank;

  // buildColumns
  int anchor_side[2] = {0, 1};                // the anchoring view's column each column follows
  Column cols[2];
  std::vector<int32_t> item_of_box;           // box → its item in its column
  std::vector<std::vector<int32_t>> edge_items;  // edge → the dummy items it passes through, top-down

  // placeColumns
  float row = 0;  // vertical distance between ranks
  float bus = 0;  // x of the vertical bus the saved-value cross-links run through
};

/// The column of `n` (0 forward, 1 backward) when the joint graph is split, else 0.
int columnOf(const ir::Node& n, bool split);
/// Width of a box with this (multi-line) label.
float labelWidth(const std::string& label, float char_w);
/// Order-preserving least-squares placement of one layer: centres as close to `desired` as possible with at least
/// the boxes' half-widths plus `gap` between neighbours (pool-adjacent-violators on the offset-free coordinates).
void placeLayer(std::vector<Item>& items, const std::vector<int32_t>& layer, const std::vector<float>& desired,
                float gap);

void assignGroups(LayoutWork& w);
void makeBoxes(LayoutWork& w);
void makeEdges(LayoutWork& w);
void assignRanks(LayoutWork& w);
void buildColumns(LayoutWork& w);
/// False when cancelled (checked after each sweep).
bool reduceCrossings(LayoutWork& w);
/// False when cancelled (checked after each column).
bool assignCoordinates(LayoutWork& w);
void placeColumns(LayoutWork& w);
void routeEdges(LayoutWork& w);

}  // namespace aotviz::viz::layout_steps
