// viz/canvas.cpp — the graph canvas (see canvas.h).
#include "viz/canvas.h"

#include <imgui.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <unordered_map>
#include <unordered_set>

#include "viz/content_digest.h"
#include "viz/palette.h"

namespace aotviz::viz {

namespace {

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

ImU32 dimmed(ImU32 c) { return (c & 0x00FFFFFFu) | 0x40000000u; }

std::string shapeOf(const ir::Graph& g, const ir::Node& n) {
  if (n.outputs.empty()) return "";
  const ir::TensorMeta& m = g.value(n.outputs[0]).meta;
  std::string s = ir::dtypeName(m.dtype) + "[";
  for (size_t i = 0; i < m.sizes.size(); ++i) s += (i ? ", " : "") + std::to_string(m.sizes[i]);
  return s + "]";
}

int64_t bytesOf(const ir::Graph& g, const ir::Node& n) {
  int64_t b = 0;
  for (ir::ValueId v : n.outputs) {
    const ir::TensorMeta& m = g.value(v).meta;
    int64_t k = static_cast<int64_t>(c10::elementSize(m.dtype));
    for (int64_t s : m.sizes) k *= s;
    b += k;
  }
  return b;
}

}  // namespace

std::vector<NodeCategory> categoriesOf(const ir::Graph& g, const partition::PartitionResult* partition) {
  std::unordered_set<std::string> saved, recomputed;
  if (partition) {
    for (const auto& sv : partition->saved) saved.insert(sv.name);
    for (const auto& d : partition->nodes)
      if (d.placement == partition::Placement::Recomputed) recomputed.insert(d.name);
  }
  std::vector<NodeCategory> r;
  r.reserve(g.nodes.size());
  for (const ir::Node& n : g.nodes) {
    if (n.kind == ir::NodeKind::Placeholder) r.push_back(NodeCategory::Input);
    else if (n.kind == ir::NodeKind::Output) r.push_back(NodeCategory::Output);
    else if (saved.count(n.name)) r.push_back(NodeCategory::Saved);
    else if (recomputed.count(n.name)) r.push_back(NodeCategory::Recomputed);
    else if (n.op == "aten::copy_") r.push_back(NodeCategory::MutatedInput);
    else r.push_back(n.prov.phase == ir::Phase::Backward ? NodeCategory::Backward : NodeCategory::Forward);
  }
  return r;
}

void Canvas::updateCategories(const ir::Graph& graph, uint64_t graph_digest,
                              const partition::PartitionResult* partition, uint64_t partition_digest) {
  const std::pair<uint64_t, uint64_t> key{graph_digest, partition_digest};
  if (categories_of_ == key && categories_.size() == graph.nodes.size()) return;
  categories_of_ = key;
  categories_ = categoriesOf(graph, partition);
  saved_bytes_.assign(graph.nodes.size(), -1);
  if (!partition) return;
  std::unordered_map<std::string, int64_t> bytes;
  for (const auto& sv : partition->saved) bytes[sv.name] = sv.bytes;
  for (const ir::Node& n : graph.nodes) {
    auto it = bytes.find(n.name);
    if (it != bytes.end()) saved_bytes_[static_cast<size_t>(n.id.v)] = it->second;
  }
}

void drawLegend() {
  for (NodeCategory c : {NodeCategory::Input, NodeCategory::Forward, NodeCategory::Backward, NodeCategory::Saved,
                         NodeCategory::Recomputed, NodeCategory::MutatedInput, NodeCategory::AliasedOutput,
                         NodeCategory::Output}) {
    ImVec2 p = ImGui::GetCursorScreenPos();
    ImGui::GetWindowDrawList()->AddRectFilled(p, ImVec2(p.x + 10, p.y + 10), categoryColour(c), 2.0f);
    ImGui::Dummy(ImVec2(12, 10));
    ImGui::SameLine();
    ImGui::TextUnformatted(categoryName(c));
    ImGui::SameLine();
  }
  ImGui::NewLine();
}

void Canvas::select(int32_t node, bool centre) {
  selected_ = node;
  centre_pending_ = centre;
  focus_dirty_ = true;
}

size_t Canvas::search(const ir::Graph& graph, const Layout&, const std::string& text) {
  if (text.empty()) return 0;
  const std::string t = lower(text);
  std::vector<int32_t> hits;
  for (const ir::Node& n : graph.nodes)
    if (lower(n.name).find(t) != std::string::npos || lower(n.qualifiedOp()).find(t) != std::string::npos)
      hits.push_back(n.id.v);
  if (hits.empty()) return 0;
  search_hit_ = text == last_search_ ? (search_hit_ + 1) % hits.size() : 0;
  last_search_ = text;
  select(hits[search_hit_], true);
  return hits.size();
}

void Canvas::updateFocus(const ir::Graph& g) {
  focus_dirty_ = false;
  focus_node_ = focus_mode_ ? selected_ : -1;
  in_focus_.clear();
  if (focus_node_ < 0) return;
  in_focus_.assign(g.nodes.size(), false);
  in_focus_[static_cast<size_t>(focus_node_)] = true;
  if (focus_mode_ == 1) {  // ancestors: walk nodes backwards (topological order)
    for (size_t i = g.nodes.size(); i-- > 0;) {
      if (!in_focus_[i]) continue;
      for (const ir::Arg& a : g.nodes[i].args) {
        if (a.kind == ir::Arg::Kind::Value) in_focus_[static_cast<size_t>(g.value(a.value).producer.v)] = true;
        if (a.kind == ir::Arg::Kind::ValueList)
          for (ir::ValueId v : a.values)
            if (v.valid()) in_focus_[static_cast<size_t>(g.value(v).producer.v)] = true;
      }
    }
  } else {  // descendants
    for (size_t i = 0; i < g.nodes.size(); ++i) {
      bool uses = false;
      for (const ir::Arg& a : g.nodes[i].args) {
        if (a.kind == ir::Arg::Kind::Value) uses |= in_focus_[static_cast<size_t>(g.value(a.value).producer.v)];
        if (a.kind == ir::Arg::Kind::ValueList)
          for (ir::ValueId v : a.values) uses |= v.valid() && in_focus_[static_cast<size_t>(g.value(v).producer.v)];
      }
      if (uses) in_focus_[i] = true;
    }
  }
}

int32_t Canvas::draw(const std::shared_ptr<const ir::Graph>& graph_ptr, const Layout& layout,
                     const std::shared_ptr<const partition::PartitionResult>& partition_ptr,
                     const std::unordered_map<int32_t, NodeCategory>* marks,
                     const std::unordered_map<int32_t, float>* heat) {
  const ir::Graph& graph = *graph_ptr;
  const partition::PartitionResult* partition = partition_ptr.get();
  const uint64_t graph_digest = digestOf(graph_ptr);
  stats_ = {};
  clicked_box_ = context_node_ = -1;
  if (graph_seen_ != graph_digest) {
    graph_seen_ = graph_digest;
    fit_pending_ = true;
    focus_dirty_ = true;
    if (selected_ >= static_cast<int32_t>(graph.nodes.size())) selected_ = -1;
  }
  if (focus_dirty_) updateFocus(graph);
  ImVec2 origin = ImGui::GetCursorScreenPos();
  ImVec2 size = ImGui::GetContentRegionAvail();
  size.x = std::max(size.x, 50.0f);
  size.y = std::max(size.y, 50.0f);
  ImGui::InvisibleButton("canvas", size,
                         ImGuiButtonFlags_MouseButtonLeft | ImGuiButtonFlags_MouseButtonMiddle | ImGuiButtonFlags_MouseButtonRight);
  const bool hovered = ImGui::IsItemHovered();
  ImGuiIO& io = ImGui::GetIO();
  if (fit_pending_ && layout.width > 0) {
    zoom_ = std::min(size.x / (layout.width + 40), size.y / (layout.height + 40));
    zoom_ = std::clamp(zoom_, 0.0002f, 2.0f);
    pan_x_ = -20 - (size.x / zoom_ - layout.width - 40) / 2;
    pan_y_ = -20;
    fit_pending_ = false;
  }
  if (centre_pending_ && selected_ >= 0) {
    const NodeBox& b = layout.boxes[static_cast<size_t>(layout.box_of_node[static_cast<size_t>(selected_)])];
    zoom_ = std::max(zoom_, 0.8f);
    pan_x_ = b.x + b.w / 2 - size.x / 2 / zoom_;
    pan_y_ = b.y + b.h / 2 - size.y / 2 / zoom_;
    centre_pending_ = false;
  }
  if (hovered && io.MouseWheel != 0) {  // zoom around the cursor
    const float mx = pan_x_ + (io.MousePos.x - origin.x) / zoom_, my = pan_y_ + (io.MousePos.y - origin.y) / zoom_;
    zoom_ = std::clamp(zoom_ * std::pow(1.15f, io.MouseWheel), 0.0002f, 4.0f);
    pan_x_ = mx - (io.MousePos.x - origin.x) / zoom_;
    pan_y_ = my - (io.MousePos.y - origin.y) / zoom_;
  }
  if (ImGui::IsItemActive() && (ImGui::IsMouseDragging(ImGuiMouseButton_Left) || ImGui::IsMouseDragging(ImGuiMouseButton_Middle))) {
    pan_x_ -= io.MouseDelta.x / zoom_;
    pan_y_ -= io.MouseDelta.y / zoom_;
  }
  auto toScreen = [&](float x, float y) { return ImVec2(origin.x + (x - pan_x_) * zoom_, origin.y + (y - pan_y_) * zoom_); };
  // The visible rectangle in layout coordinates, for culling.
  const float vx0 = pan_x_, vy0 = pan_y_, vx1 = pan_x_ + size.x / zoom_, vy1 = pan_y_ + size.y / zoom_;
  ImDrawList* dl = ImGui::GetWindowDrawList();
  dl->PushClipRect(origin, ImVec2(origin.x + size.x, origin.y + size.y), true);
  dl->AddRectFilled(origin, ImVec2(origin.x + size.x, origin.y + size.y), IM_COL32(22, 23, 28, 255));

  auto boxFocus = [&](const NodeBox& b) {
    return in_focus_.empty() || (b.node >= 0 && in_focus_[static_cast<size_t>(b.node)]);
  };
  updateCategories(graph, graph_digest, partition, digestOf(partition_ptr));
  std::unordered_set<int32_t> labelled_saved;  // one label per saved value
  // Edges (culled by their bounding box; skipped entirely when boxes are a few pixels).
  if (zoom_ > 0.08f) {
    for (const EdgeRoute& e : layout.edges) {
      float x0 = e.points[0].x, x1 = x0, y0 = e.points[0].y, y1 = y0;
      for (const Point& p : e.points) {
        x0 = std::min(x0, p.x);
        x1 = std::max(x1, p.x);
        y0 = std::min(y0, p.y);
        y1 = std::max(y1, p.y);
      }
      if (x1 < vx0 || x0 > vx1 || y1 < vy0 || y0 > vy1) continue;
      const bool focus = boxFocus(layout.boxes[static_cast<size_t>(e.from)]) && boxFocus(layout.boxes[static_cast<size_t>(e.to)]);
      ImU32 col = e.kind == EdgeKind::Saved ? categoryColour(NodeCategory::Saved) : IM_COL32(130, 135, 145, 200);
      if (!focus) col = dimmed(col);
      ImVec2 pts[64];
      int k = 0;
      for (const Point& p : e.points)
        if (k < 64) pts[k++] = toScreen(p.x, p.y);
      dl->AddPolyline(pts, k, col, ImDrawFlags_None, e.kind == EdgeKind::Saved ? 1.5f : 1.0f);
      ++stats_.edges_drawn;
      // The saved value's bytes on its cross-link, where it leaves the forward column.
      if (e.kind == EdgeKind::Saved && zoom_ >= 0.45f) {
        const NodeBox& from = layout.boxes[static_cast<size_t>(e.from)];
        const int64_t bytes = from.node >= 0 ? saved_bytes_[static_cast<size_t>(from.node)] : -1;
        if (bytes >= 0 && labelled_saved.insert(e.from).second) {
          char text[32];
          std::snprintf(text, sizeof text, "%.1f KiB", static_cast<double>(bytes) / 1024.0);
          dl->AddText(ImVec2(pts[0].x + 4, pts[0].y - ImGui::GetFontSize() - 1), col, text);
        }
      }
    }
  }
  // Boxes.
  const bool labels = zoom_ >= 0.45f;
  int32_t hovered_node = -1;
  const NodeBox* hovered_box = nullptr;
  int32_t hovered_index = -1;
  for (const NodeBox& b : layout.boxes) {
    if (b.x + b.w < vx0 || b.x > vx1 || b.y + b.h < vy0 || b.y > vy1) continue;
    ImVec2 p0 = toScreen(b.x, b.y), p1 = toScreen(b.x + b.w, b.y + b.h);
    NodeCategory c = b.kind == BoxKind::Group ? (b.side ? NodeCategory::Backward : NodeCategory::Forward)
                     : b.node >= 0 ? categories_[static_cast<size_t>(b.node)]
                                   : NodeCategory::Forward;
    if (marks && b.node >= 0) {
      auto m = marks->find(b.node);
      if (m != marks->end()) c = m->second;
    }
    ImU32 col = categoryColour(c);
    if (heat && b.node >= 0) {
      auto h = heat->find(b.node);
      const float t = h == heat->end() ? 0.0f : std::clamp(h->second, 0.0f, 1.0f);
      col = ImGui::ColorConvertFloat4ToU32(ImVec4(0.15f + 0.85f * t, 0.2f + 0.3f * (1 - t), 0.45f * (1 - t) + 0.1f, 1.0f));
    }
    if (!boxFocus(b)) col = dimmed(col);
    dl->AddRectFilled(p0, p1, col, zoom_ > 0.3f ? 4.0f : 0.0f);
    if (b.node >= 0 && b.node == selected_) dl->AddRect(p0, p1, IM_COL32(255, 255, 255, 255), 4.0f, 0, 2.5f);
    if (b.kind == BoxKind::Group) dl->AddRect(p0, p1, IM_COL32(240, 240, 240, 200), 4.0f, 0, 1.5f);
    ++stats_.boxes_drawn;
    if (labels) {
      dl->AddText(ImVec2(p0.x + 4 * zoom_, p0.y + 2 * zoom_), IM_COL32(15, 15, 20, 255), b.label.c_str());
      ++stats_.labels_drawn;
    }
    if (hovered && io.MousePos.x >= p0.x && io.MousePos.x <= p1.x && io.MousePos.y >= p0.y && io.MousePos.y <= p1.y) {
      hovered_node = b.node;
      hovered_box = &b;
      hovered_index = static_cast<int32_t>(&b - layout.boxes.data());
    }
  }
  // A module's forward and backward groups are linked: hovering one outlines the other and draws a line to it.
  if (hovered_box && hovered_box->kind == BoxKind::Group)
    for (const NodeBox& b : layout.boxes)
      if (b.kind == BoxKind::Group && &b != hovered_box && b.scope == hovered_box->scope) {
        const ImVec2 a0 = toScreen(hovered_box->x + hovered_box->w / 2, hovered_box->y + hovered_box->h / 2);
        const ImVec2 b0 = toScreen(b.x, b.y), b1 = toScreen(b.x + b.w, b.y + b.h);
        dl->AddLine(a0, ImVec2((b0.x + b1.x) / 2, (b0.y + b1.y) / 2), IM_COL32(255, 255, 255, 160), 2.0f);
        dl->AddRect(b0, b1, IM_COL32(255, 255, 255, 255), 4.0f, 0, 2.5f);
      }
  // Minimap: every box as a dot, and the visible rectangle.
  if (layout.width > 0 && layout.boxes.size() > 1) {
    const float mw = std::min(160.0f, size.x * 0.25f), mh = std::min(120.0f, size.y * 0.25f);
    const float s = std::min(mw / layout.width, mh / layout.height);
    ImVec2 m0(origin.x + size.x - mw - 8, origin.y + size.y - mh - 8);
    dl->AddRectFilled(m0, ImVec2(m0.x + mw, m0.y + mh), IM_COL32(10, 10, 14, 220));
    const size_t step = std::max<size_t>(1, layout.boxes.size() / 4000);  // at most ~4000 dots
    for (size_t i = 0; i < layout.boxes.size(); i += step) {
      const NodeBox& b = layout.boxes[i];
      ImVec2 q(m0.x + b.x * s, m0.y + b.y * s);
      dl->AddRectFilled(q, ImVec2(q.x + 1.5f, q.y + 1.5f), b.side ? categoryColour(NodeCategory::Backward) : categoryColour(NodeCategory::Forward));
    }
    dl->AddRect(ImVec2(m0.x + std::max(0.0f, vx0) * s, m0.y + std::max(0.0f, vy0) * s),
                ImVec2(m0.x + std::min(layout.width, vx1) * s, m0.y + std::min(layout.height, vy1) * s),
                IM_COL32(255, 255, 255, 200));
  }
  dl->PopClipRect();
  int32_t clicked = -1;
  if (hovered && ImGui::IsMouseReleased(ImGuiMouseButton_Left) && ImGui::GetMouseDragDelta(ImGuiMouseButton_Left).x == 0 &&
      ImGui::GetMouseDragDelta(ImGuiMouseButton_Left).y == 0) {
    clicked = hovered_node;
    clicked_box_ = hovered_index;
    select(hovered_node, false);
  }
  if (hovered && ImGui::IsMouseReleased(ImGuiMouseButton_Right) && hovered_node >= 0) {
    context_node_ = hovered_node;
    select(hovered_node, false);
  }
  if (hovered_box) {
    ImGui::BeginTooltip();
    if (hovered_node >= 0) {
      const ir::Node& n = graph.nodes[static_cast<size_t>(hovered_node)];
      ImGui::Text("%s", n.name.c_str());
      if (n.kind == ir::NodeKind::Call) ImGui::Text("%s", n.qualifiedOp().c_str());
      ImGui::Text("%s, %lld bytes", shapeOf(graph, n).c_str(), static_cast<long long>(bytesOf(graph, n)));
      if (!n.prov.scope.empty()) ImGui::Text("scope %s", n.prov.scope.c_str());
      if (partition)
        for (const auto& d : partition->nodes)
          if (d.name == n.name) ImGui::TextWrapped("%s: %s", partition::placementName(d.placement), d.reason.c_str());
    } else {
      ImGui::Text("%s", hovered_box->label.c_str());
      ImGui::TextDisabled("module %s, %s half: click to open it one level", hovered_box->scope.c_str(),
                          hovered_box->side ? "backward" : "forward");
    }
    ImGui::EndTooltip();
  }
  return clicked;
}

}  // namespace aotviz::viz
