// viz/canvas.h — the graph canvas: draws a Layout with Dear ImGui. Pan (drag), zoom (wheel, around the cursor), fit,
// select (click), hover tooltip, search by op or name with jump, focus on a node's ancestors or descendants, a
// minimap, level of detail (labels only when readable) and culling (only what is on screen), colours by category
// with a legend. Holds view state only; the graph and layout belong to the caller.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/ir/graph.h"
#include "core/partition/partition.h"
#include "viz/layout.h"
#include "viz/palette.h"

namespace aotviz::viz {

struct CanvasStats {
  size_t boxes_drawn = 0, edges_drawn = 0, labels_drawn = 0;
};

class Canvas {
 public:
  /// Draws into the current ImGui window's remaining content region. `graph` (not null) and `layout` must match;
  /// `partition` may be null. Returns the node id clicked this frame, or -1.
  /// `marks` (may be null) overrides the category of some nodes (mutated inputs, outputs aliasing inputs). `heat`
  /// (may be null) colours nodes by a value in [0, 1] instead (measured time), from dark blue to red.
  /// Another graph (by content) refits the view; the nodes' colours are kept per (graph, partition) content.
  int32_t draw(const std::shared_ptr<const ir::Graph>& graph, const Layout& layout,
               const std::shared_ptr<const partition::PartitionResult>& partition,
               const std::unordered_map<int32_t, NodeCategory>* marks = nullptr,
               const std::unordered_map<int32_t, float>* heat = nullptr);

  void fit() { fit_pending_ = true; }
  int32_t selected() const { return selected_; }
  void select(int32_t node, bool centre);
  /// Finds nodes whose name or op contains `text` (case-insensitive); jumps to the next one on each call.
  size_t search(const ir::Graph& graph, const Layout& layout, const std::string& text);
  /// 0 none, 1 ancestors, 2 descendants of the selected node; others are dimmed.
  void setFocus(int mode) { focus_mode_ = mode; focus_dirty_ = true; }
  const CanvasStats& stats() const { return stats_; }
  /// The box clicked this frame (also collapsed groups, whose node is -1), or -1.
  int32_t clickedBox() const { return clicked_box_; }
  /// The node right-clicked this frame, or -1 (for a context menu).
  int32_t contextNode() const { return context_node_; }
  float zoom() const { return zoom_; }

 private:
  void updateFocus(const ir::Graph& graph);
  /// Per-node categories and saved bytes of the graph on screen, recomputed only when the graph's or the partition's
  /// content digest changes (not per frame: looking nodes up in the partition's lists is linear in the graph).
  void updateCategories(const ir::Graph& graph, uint64_t graph_digest, const partition::PartitionResult* partition,
                        uint64_t partition_digest);
  float zoom_ = 1.0f;
  float pan_x_ = 0, pan_y_ = 0;  // layout coordinates at the canvas's top-left corner
  bool fit_pending_ = true;
  int32_t selected_ = -1;
  bool centre_pending_ = false;
  std::string last_search_;
  size_t search_hit_ = 0;
  int focus_mode_ = 0;
  bool focus_dirty_ = false;
  int32_t focus_node_ = -1;
  std::vector<bool> in_focus_;
  std::optional<uint64_t> graph_seen_;  // content digest of the graph drawn last
  std::optional<std::pair<uint64_t, uint64_t>> categories_of_;  // (graph, partition) digests categories_ are of
  std::vector<NodeCategory> categories_;
  std::vector<int64_t> saved_bytes_;  // per node: bytes when its value is saved for the backward, else -1
  CanvasStats stats_;
  int32_t clicked_box_ = -1, context_node_ = -1;
};

/// The category (colour) of every node of `g` in a view (indexed by node id): input, forward, backward, saved,
/// recomputed, mutated input (a copy_ into an input), output. One pass with name lookups, for whole graphs.
std::vector<NodeCategory> categoriesOf(const ir::Graph& g, const partition::PartitionResult* partition);

/// Colour legend: one swatch per category.
void drawLegend();

}  // namespace aotviz::viz
