// viz/layout.h — layered layout of graph views, fast on joint graphs of 10^4 nodes (where Graphviz dot does not
// finish). A pure function: graph + options → node boxes and edge routes; deterministic. No UI library.
//
// Joint graphs are laid out as two columns: the forward half top-down on the left, the backward half top-down on
// the right (each ranked on its own edges), and the forward→backward edges (saved values) drawn on top as
// cross-links bundled through one vertical bus between the columns. Within a column: longest-path ranks, then
// every node moved down next to its first user, dummy nodes on edges spanning a few ranks, barycentre sweeps for
// crossing reduction, and coordinates from an order-preserving least-squares fit to the neighbours' positions
// (isotonic regression with minimum spacing; Brandes–Köpf-like straight edges without its four passes). The steps
// are in layout_steps.h; the background service with its cache in layout_service.h.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/ir/graph.h"
#include "core/partition/partition.h"
#include "viz/module_scopes.h"
#include "viz/node_facts.h"

namespace aotviz::viz {

struct Point {
  float x = 0, y = 0;
};

enum class BoxKind : uint8_t { Input, Forward, Backward, Output, Group };

struct NodeBox {
  int32_t node = -1;  // graph node id; -1 for a collapsed group
  std::string label;  // "mm_1\naten::mm" or "layers.0 (24 ops)"
  std::string scope;  // group: the collapsed scope
  BoxKind kind = BoxKind::Forward;
  int side = 0;       // 0 forward column, 1 backward column
  int rank = 0;
  float x = 0, y = 0, w = 0, h = 0;  // top-left corner and size
  size_t group_ops = 0;              // group: ops inside
  int64_t group_saved_bytes = 0;     // group: bytes of saved values produced inside (they leave it for the backward)
  /// group: its ops by where the partition places them (without a partition: by phase); recomputed ops count once.
  size_t group_forward = 0, group_backward = 0, group_recomputed = 0;
  size_t group_inputs = 0;  // group: graph inputs only its ops use (a module's parameters)
};

/// Normal: inside a column, downwards. Saved: forward → backward (a saved value). Cross: between the columns into the
/// output node (forward outputs). Back: upwards (only between collapsed groups).
enum class EdgeKind : uint8_t { Normal, Saved, Cross, Back };

struct EdgeRoute {
  int32_t from = -1, to = -1;  // indices into Layout::boxes
  EdgeKind kind = EdgeKind::Normal;
  std::vector<Point> points;   // polyline, at least 2 points
};

struct Layout {
  std::vector<NodeBox> boxes;
  std::vector<EdgeRoute> edges;
  std::vector<int32_t> box_of_node;  // graph node id → box index (a group's index for collapsed nodes)
  float width = 0, height = 0;
  double seconds = 0;
};

/// Where a node sat in another view: its column there and x relative to that column's left edge.
struct Anchor {
  int side = 0;
  float x = 0;
};
/// Anchors by node name, built from the joint graph's layout so that the forward and backward views keep each
/// node's place (anchorsOf()). A one-column view uses the anchors of the column most of its nodes came from (the
/// backward view: the backward column; its recomputed forward ops are placed freely).
using Anchors = std::unordered_map<std::string, Anchor>;

struct LayoutOptions {
  bool split_joint = true;  // backward half in its own column (graphs with backward nodes)
  std::set<std::string> collapsed_scopes;  // a scope and its sub-scopes become one box
  /// The partition of this (joint) graph: saved-value bytes on collapsed groups.
  const partition::PartitionResult* partition = nullptr;
  float node_h = 30, rank_gap = 26, node_gap = 14, column_gap = 160, char_w = 7;
  int sweeps = 4;          // barycentre crossing-reduction rounds (down + up)
  int max_dummy_span = 24; // longer edges are drawn straight, without dummy nodes
  /// When set, nodes found here keep their x (relative to their column) and the order it implies; the others are
  /// placed next to their neighbours.
  std::shared_ptr<const Anchors> anchors;
  /// nodeFacts(g, partition), when the caller keeps it across layouts (NodeFactsCache); computed by the layout
  /// otherwise.
  std::shared_ptr<const NodeFacts> facts;
};

/// The node facts a layout of `g` with `opts` reads from opts.facts: those, when they fit `g` (scopes included when
/// scopes are collapsed); nullptr when the layout computes them itself from opts.partition. Either way the partition
/// is read only when scopes are collapsed (for the group boxes' counts and bytes).
const NodeFacts* factsFor(const ir::Graph& g, const LayoutOptions& opts);

/// Lays `g` out. `progress` (may be empty) gets values in [0, 1]; when `cancel` becomes true the function returns
/// nullptr early.
std::shared_ptr<const Layout> layoutGraph(const ir::Graph& g, const LayoutOptions& opts,
                                          const std::atomic<bool>* cancel = nullptr,
                                          const std::function<void(float)>& progress = {});

/// The anchors of every node box of `layout` (of graph `g`), for laying out a related view.
std::shared_ptr<const Anchors> anchorsOf(const ir::Graph& g, const Layout& layout);

}  // namespace aotviz::viz
