// app/gui/panels/graph_panel.cpp — the Graph panel: Joint / Forward / Backward tabs on the canvas, laid out in the
// background; fit, search, focus, legend.
#include <imgui.h>

#include <filesystem>
#include <set>
#include <unordered_map>

#include "app/gui/panels/panels.h"
#include "core/metadata/view_and_mutation_meta.h"
#include "core/pipeline/stages.h"
#include "core/util/atomic_file.h"
#include "viz/dot_export.h"

namespace aotviz::gui {

namespace {

/// The graph of a tab from the latest snapshots: joint = after passes (or joint); forward/backward = partition's.
/// `part` is the partition drawn: aotviz's, or PyTorch's own for a trace when `pytorch` is set and there is one.
std::shared_ptr<const ir::Graph> graphFor(AppState& state, const std::vector<pipeline::SnapshotPtr>& snaps, int tab,
                                          std::shared_ptr<const partition::PartitionResult>& part,
                                          std::shared_ptr<const ir::Graph>& joint) {
  part.reset();
  joint.reset();
  state.computed_partition.reset();
  state.pytorch_partition.reset();
  for (const auto& s : snaps) {
    if (s->graph) joint = s->graph;
    if (s->partition) {
      state.computed_partition = s->partition;
      state.pytorch_partition = s->pytorch_partition;
    }
  }
  part = state.partition_panel.draw_pytorch && state.pytorch_partition ? state.pytorch_partition : state.computed_partition;
  state.joint_graph = joint;
  if (tab == 0) return joint;
  if (!part) return nullptr;
  return std::shared_ptr<const ir::Graph>(part, tab == 1 ? &part->forward : &part->backward);
}

/// Mutated graph inputs and the producers of outputs that alias an input, on the joint graph, from the metadata of
/// the traced function (after dedupe and synthetic bases, so its inputs are the graph's primals in order).
std::unordered_map<int32_t, viz::NodeCategory> aliasMarks(const std::vector<pipeline::SnapshotPtr>& snaps,
                                                          const ir::Graph& g) {
  std::unordered_map<int32_t, viz::NodeCategory> marks;
  const meta::ViewAndMutationMeta* traced = nullptr;
  for (const auto& s : snaps)
    if (s->stage == pipeline::StageId::SyntheticBase && s->view_meta) traced = s->view_meta.get();
  if (!traced) return marks;
  std::vector<int32_t> primals;
  for (const ir::Node& n : g.nodes)
    if (n.kind == ir::NodeKind::Placeholder && n.role != ir::InputRole::Tangent) primals.push_back(n.id.v);
  const auto& in = traced->input_info;
  for (size_t i = 0; i < in.size() && i < primals.size(); ++i)
    if (in[i].mutates_data || in[i].mutates_metadata) marks[primals[i]] = viz::NodeCategory::MutatedInput;
  const ir::Node* out = g.outputNode();
  const auto& outs = traced->output_info;
  const size_t first = traced->mutatedInpRuntimeIndices().size();  // the forward returns them before the outputs
  for (size_t k = 0; out && k < outs.size() && first + k < out->args.size(); ++k) {
    const meta::OutputType t = outs[k].output_type;
    const ir::Arg& a = out->args[first + k];
    if ((t == meta::OutputType::AliasOfInput || t == meta::OutputType::IsInput) && a.kind == ir::Arg::Kind::Value &&
        a.value.valid()) {
      const int32_t producer = g.value(a.value).producer.v;
      if (!marks.count(producer)) marks[producer] = viz::NodeCategory::AliasedOutput;
    }
  }
  return marks;
}

/// Per-node time of the profiled step (execution stage), normalised to [0, 1] by the slowest node, for the nodes of
/// `g`; empty when nothing ran. `track` picks the graph run ("forward", "backward"); "" takes every run.
std::unordered_map<int32_t, float> heatOf(AppState& state, const ir::Graph& g, const std::string& track) {
  std::unordered_map<int32_t, float> heat;
  const auto& by_track = nodeTimes(state).by_track;
  auto times = by_track.find(track);
  if (times == by_track.end()) return heat;
  double top = 0;
  for (const auto& [k, v] : times->second) top = std::max(top, v);
  if (top <= 0) return heat;
  for (const ir::Node& n : g.nodes) {
    auto it = times->second.find(n.name);
    if (it != times->second.end()) heat[n.id.v] = static_cast<float>(it->second / top);
  }
  return heat;
}

/// Writes the graph of the current tab as DOT, SVG or PNG (by the path's extension) with the canvas's colours.
void exportGraph(AppState& state, const ir::Graph& g, const partition::PartitionResult* part) {
  try {
    const std::string path = state.graph_panel.export_path;
    viz::DotOptions d;
    d.title = state.model + (state.graph_panel.tab == 0 ? " joint" : state.graph_panel.tab == 1 ? " forward" : " backward");
    d.partition = part;
    const std::string dot = viz::graphToDot(g, d);
    const std::string ext = std::filesystem::path(path).extension().string();
    if (ext == ".dot") util::writeFileAtomic(path, dot);
    else viz::renderDot(dot, ext.empty() ? "" : ext.substr(1), path);
    state.addLog(LogLevel::Info, "export", "wrote " + path);
  } catch (const std::exception& e) {
    state.addLog(LogLevel::Error, "export", e.what());
  }
}

/// Forward graph on the left canvas, backward on the right, both anchored to the joint view; a click on one selects
/// the same-named node (a saved value, a recomputed op) on the other.
void drawSideBySide(AppState& state, const std::shared_ptr<const partition::PartitionResult>& part,
                    const viz::LayoutOptions& lo) {
  std::shared_ptr<const ir::Graph> fw(part, &part->forward), bw(part, &part->backward);
  auto lf = state.graph_panel.layouts->get(fw, lo);
  auto lb = state.graph_panel.layouts->get(bw, lo);
  if (!lf || !lb) {
    state.graph_panel.pending = true;
    ImGui::ProgressBar(state.graph_panel.layouts->progress(), ImVec2(-1, 0), "laying out...");
    return;
  }
  state.view_graph = fw;
  state.graph_panel.right_graph = bw;
  // One side: its graph on its canvas; a click there selects the same-named node on the other side.
  auto side = [&](const char* id, float width, viz::Canvas& canvas, const std::shared_ptr<const ir::Graph>& g,
                  const viz::Layout& l, viz::Canvas& other, const ir::Graph& other_g, bool is_right) {
    ImGui::BeginChild(id, ImVec2(width, 0));
    ImGui::TextDisabled("%s (%zu nodes)", is_right ? "backward" : "forward", g->nodes.size());
    canvas.draw(g, l, nullptr);
    if (canvas.selected() >= 0 && canvas.clickedBox() >= 0) {
      state.graph_panel.inspect_right = is_right;
      selectByName(other, other_g, g->nodes[static_cast<size_t>(canvas.selected())].name);
    }
    ImGui::EndChild();
  };
  side("forward_side", ImGui::GetContentRegionAvail().x / 2 - 4, state.graph_panel.canvas, fw, *lf, state.graph_panel.canvas_right, *bw, false);
  ImGui::SameLine();
  side("backward_side", 0, state.graph_panel.canvas_right, bw, *lb, state.graph_panel.canvas, *fw, true);
}

}  // namespace

/// The module overview's breadcrumbs: "all modules > h > h.3", each opening the overview down to that module; shown
/// while modules are collapsed or one is opened.
void drawBreadcrumbs(AppState& state, const ir::Graph& g) {
  if (state.graph_panel.collapsed_scopes.empty() && state.graph_panel.overview_path.empty()) return;
  const std::string& path = state.graph_panel.overview_path;
  std::vector<std::string> steps = {""};  // "", "h", "h.3", "h.3.attn"
  if (!path.empty()) {
    for (size_t dot = path.find('.'); dot != std::string::npos; dot = path.find('.', dot + 1)) steps.push_back(path.substr(0, dot));
    steps.push_back(path);
  }
  std::string open_path;
  bool clicked = false;
  for (size_t i = 0; i < steps.size(); ++i) {
    if (i) {
      ImGui::SameLine();
      ImGui::TextDisabled(">");
      ImGui::SameLine();
    }
    const std::string label = i == 0 ? "all modules" : steps[i].substr(steps[i - 1].empty() ? 0 : steps[i - 1].size() + 1);
    ImGui::PushID(static_cast<int>(i));
    if (ImGui::SmallButton(label.c_str())) {
      open_path = steps[i];
      clicked = true;
    }
    ImGui::PopID();
  }
  if (clicked) {
    state.graph_panel.collapsed_scopes = viz::overviewScopes(g, open_path);
    state.graph_panel.overview_path = open_path;
  }
}

namespace {

/// Opens the collapsed modules around node `id` of `g` (one level each) and centres it once laid out; nothing when
/// no collapsed module holds it.
void revealNode(AppState& state, const ir::Graph& g, int32_t id) {
  auto opened = viz::revealNode(g, state.graph_panel.collapsed_scopes, id);
  if (opened == state.graph_panel.collapsed_scopes) return;
  state.graph_panel.collapsed_scopes = std::move(opened);
  state.graph_panel.overview_path = g.nodes[static_cast<size_t>(id)].prov.scope;
  state.graph_panel.reveal_node = id;
}

}  // namespace

bool selectByName(viz::Canvas& canvas, const ir::Graph& g, const std::string& name) {
  for (const ir::Node& n : g.nodes)
    if (n.name == name) {
      canvas.select(n.id.v, true);
      return true;
    }
  return false;
}

bool showNode(AppState& state, const std::string& name) {
  if (!state.view_graph) return false;
  const ir::Graph& g = *state.view_graph;
  for (const ir::Node& n : g.nodes) {
    if (n.name != name) continue;
    state.graph_panel.canvas.select(n.id.v, true);
    revealNode(state, g, n.id.v);
    return true;
  }
  return false;
}

void drawGraphPanel(AppState& state) {
  state.graph_panel.pending = false;
  if (!ImGui::Begin("Graph", &state.show.graph)) {
    ImGui::End();
    return;
  }
  if (ImGui::BeginTabBar("graph_tabs")) {
    const char* tabs[] = {"Joint", "Forward", "Backward"};
    for (int i = 0; i < 3; ++i) {
      ImGuiTabItemFlags f = state.graph_panel.requested_tab == i ? ImGuiTabItemFlags_SetSelected : 0;
      if (ImGui::BeginTabItem(tabs[i], nullptr, f)) {
        if (state.graph_panel.requested_tab < 0 || state.graph_panel.requested_tab == i) state.graph_panel.tab = i;
        if (state.graph_panel.requested_tab == i) state.graph_panel.requested_tab = -1;
        ImGui::EndTabItem();
      }
    }
    ImGui::EndTabBar();
  }
  std::shared_ptr<const partition::PartitionResult> part;
  std::shared_ptr<const ir::Graph> joint;
  std::shared_ptr<const ir::Graph> g =
      state.session ? graphFor(state, state.visibleSnapshots(), state.graph_panel.tab, part, joint) : nullptr;
  state.view_graph = g;
  state.view_partition = part;
  if (!g) {
    emptyState(state.graph_panel.tab == 0
                   ? "No graph yet. Step through the pipeline to the joint stage to see the joint forward+backward graph."
                   : "No partition yet. Run the partition stage to see the forward and backward graphs.");
    ImGui::End();
    return;
  }
  if (state.graph_panel.overview_pending && joint) {  // a newly opened model: big joint graphs open as a module overview
    state.graph_panel.overview_pending = false;
    if (joint->nodes.size() > viz::kOverviewNodes) {
      state.graph_panel.collapsed_scopes = viz::overviewScopes(*joint, "");
      state.graph_panel.overview_path.clear();
      if (!state.graph_panel.collapsed_scopes.empty())
        state.addLog(LogLevel::Info, "graph", std::to_string(joint->nodes.size()) + " nodes: opened as a module overview (" +
                                                  std::to_string(state.graph_panel.collapsed_scopes.size()) +
                                                  " top-level modules); click a module to open it, Expand all for every node");
    }
  }
  viz::LayoutOptions lo;
  lo.partition = state.graph_panel.tab == 0 ? part.get() : nullptr;
  lo.collapsed_scopes = state.graph_panel.collapsed_scopes;
  if (!lo.collapsed_scopes.empty())  // modules open and close on this graph: its per-node facts are kept
    lo.facts = state.graph_panel.layout_facts.get(g, state.graph_panel.tab == 0 ? part : nullptr);
  if (state.graph_panel.tab != 0 && joint) {
    // Forward and backward views keep the places nodes had in the joint view (once that layout exists).
    viz::LayoutOptions jo;
    jo.partition = part.get();
    auto joint_layout = state.graph_panel.layouts->get(joint, jo);
    if (joint_layout && joint_layout != state.graph_panel.anchors_from) {
      state.graph_panel.anchors_from = joint_layout;
      state.graph_panel.anchors = viz::anchorsOf(*joint, *joint_layout);
    }
    if (joint_layout) lo.anchors = state.graph_panel.anchors;
    else {
      ImGui::ProgressBar(state.graph_panel.layouts->progress(), ImVec2(-1, 0), "laying out the joint graph...");
      state.graph_panel.pending = true;
      ImGui::End();
      return;
    }
  }
  auto layout = state.graph_panel.layouts->get(g, lo);
  if (ImGui::Button("Fit")) state.graph_panel.canvas.fit();
  ImGui::SameLine();
  ImGui::SetNextItemWidth(180);
  if (ImGui::InputTextWithHint("##search", "search op or name (Enter)", state.graph_panel.search, sizeof state.graph_panel.search,
                               ImGuiInputTextFlags_EnterReturnsTrue) && layout) {
    size_t hits = state.graph_panel.canvas.search(*g, *layout, state.graph_panel.search);
    state.addLog(hits ? LogLevel::Info : LogLevel::Warning, "graph",
                 std::to_string(hits) + " node(s) match '" + std::string(state.graph_panel.search) + "'");
    // A hit inside a collapsed module: open the modules around it (one level each) and centre it once laid out.
    const int32_t hit = state.graph_panel.canvas.selected();
    if (hits && hit >= 0 && layout->boxes[static_cast<size_t>(layout->box_of_node[static_cast<size_t>(hit)])].kind ==
                                viz::BoxKind::Group) {
      revealNode(state, *g, hit);
    }
  }
  ImGui::SameLine();
  int& focus = state.graph_panel.focus;
  if (ImGui::RadioButton("all", &focus, 0)) state.graph_panel.canvas.setFocus(0);
  ImGui::SameLine();
  if (ImGui::RadioButton("ancestors", &focus, 1)) state.graph_panel.canvas.setFocus(1);
  ImGui::SameLine();
  if (ImGui::RadioButton("descendants", &focus, 2)) state.graph_panel.canvas.setFocus(2);
  ImGui::SameLine();
  ImGui::TextDisabled("%zu nodes", g->nodes.size());
  ImGui::SameLine();
  ImGui::SetNextItemWidth(140);
  ImGui::InputText("##export", state.graph_panel.export_path, sizeof state.graph_panel.export_path);
  ImGui::SameLine();
  if (ImGui::Button("Export")) exportGraph(state, *g, lo.partition);
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("DOT, SVG or PNG (by extension) through Graphviz, same colours");
  if (!state.graph_panel.collapsed_scopes.empty()) {
    ImGui::SameLine();
    if (ImGui::Button("Expand all")) {
      state.graph_panel.collapsed_scopes.clear();
      state.graph_panel.overview_path.clear();
    }
  }
  ImGui::SameLine();
  ImGui::Checkbox("time heat", &state.graph_panel.show_heat);
  if (state.graph_panel.tab != 0) {
    ImGui::SameLine();
    ImGui::Checkbox("side by side", &state.graph_panel.side_by_side);
  }
  if (ImGui::IsItemHovered())
    ImGui::SetTooltip("Colour nodes by their measured time in the profiled step (run the execution stage first)");
  viz::drawLegend();
  drawBreadcrumbs(state, *g);
  if (!layout) {
    state.graph_panel.pending = true;
    ImGui::ProgressBar(state.graph_panel.layouts->progress(), ImVec2(-1, 0), "laying out...");
    ImGui::End();
    return;
  }
  if (state.graph_panel.side_by_side && state.graph_panel.tab != 0 && part) {
    drawSideBySide(state, part, lo);
    ImGui::End();
    return;
  }
  if (state.graph_panel.reveal_node >= 0 && static_cast<size_t>(state.graph_panel.reveal_node) < layout->box_of_node.size() &&
      layout->boxes[static_cast<size_t>(layout->box_of_node[static_cast<size_t>(state.graph_panel.reveal_node)])].kind !=
          viz::BoxKind::Group) {
    state.graph_panel.canvas.select(state.graph_panel.reveal_node, true);
    state.graph_panel.reveal_node = -1;
  }
  state.graph_panel.inspect_right = false;
  const auto marks = state.graph_panel.tab == 0 ? aliasMarks(state.visibleSnapshots(), *g)
                                          : std::unordered_map<int32_t, viz::NodeCategory>{};
  const auto heat = state.graph_panel.show_heat ? heatOf(state, *g,
                                             state.graph_panel.tab == 1 ? "forward" : state.graph_panel.tab == 2 ? "backward" : "")
                                    : std::unordered_map<int32_t, float>{};
  state.graph_panel.canvas.draw(g, *layout, state.graph_panel.tab == 0 ? part : nullptr, &marks, heat.empty() ? nullptr : &heat);
  // A click on a collapsed group expands it; a right-click on a node offers to collapse its module scope.
  if (state.graph_panel.canvas.clickedBox() >= 0) {
    const viz::NodeBox& b = layout->boxes[static_cast<size_t>(state.graph_panel.canvas.clickedBox())];
    if (b.kind == viz::BoxKind::Group) {  // one level down the module tree: its sub-modules stay collapsed
      state.graph_panel.collapsed_scopes.erase(b.scope);
      const std::set<std::string> children = viz::childScopes(*g, b.scope);
      state.graph_panel.collapsed_scopes.insert(children.begin(), children.end());
      state.graph_panel.overview_path = b.scope;
    }
  }
  if (state.graph_panel.canvas.contextNode() >= 0) {
    state.graph_panel.context_node = state.graph_panel.canvas.contextNode();
    ImGui::OpenPopup("node_menu");
  }
  if (ImGui::BeginPopup("node_menu")) {
    if (state.graph_panel.context_node >= 0 && state.graph_panel.context_node < static_cast<int32_t>(g->nodes.size())) {
      std::string scope = g->nodes[static_cast<size_t>(state.graph_panel.context_node)].prov.scope;
      ImGui::TextDisabled("%s", g->nodes[static_cast<size_t>(state.graph_panel.context_node)].name.c_str());
      // The node's scope and each enclosing one.
      while (!scope.empty()) {
        if (ImGui::MenuItem(("Collapse " + scope).c_str())) {
          for (auto it = state.graph_panel.collapsed_scopes.begin(); it != state.graph_panel.collapsed_scopes.end();)  // inner ones merge
            it = viz::inScope(*it, scope) ? state.graph_panel.collapsed_scopes.erase(it) : std::next(it);
          state.graph_panel.collapsed_scopes.insert(scope);
        }
        const size_t dot = scope.rfind('.');
        scope = dot == std::string::npos ? std::string() : scope.substr(0, dot);
      }
      if (part && state.graph_panel.tab == 0 && g->nodes[static_cast<size_t>(state.graph_panel.context_node)].kind == ir::NodeKind::Call) {
        // What-if: PyTorch's CheckpointPolicy MUST_SAVE / MUST_RECOMPUTE on this joint node; partition re-runs.
        const std::string name = g->nodes[static_cast<size_t>(state.graph_panel.context_node)].name;
        pipeline::Config c = state.session->config();
        if (ImGui::MenuItem("Force save (what-if)")) {
          c.overrides[name] = partition::Override::MustSave;
          state.request(request::WhatIf{c});
        }
        if (ImGui::MenuItem("Force recompute (what-if)")) {
          c.overrides[name] = partition::Override::MustRecompute;
          state.request(request::WhatIf{c});
        }
        if (c.overrides.count(name) && ImGui::MenuItem("Clear override")) {
          c.overrides.erase(name);
          state.request(request::WhatIf{c});
        }
      }
      if (ImGui::MenuItem("Show ancestors")) state.graph_panel.canvas.setFocus(state.graph_panel.focus = 1);
      if (ImGui::MenuItem("Show descendants")) state.graph_panel.canvas.setFocus(state.graph_panel.focus = 2);
    }
    ImGui::EndPopup();
  }
  ImGui::End();
}

}  // namespace aotviz::gui
