// app/gui/panels/graph_panel.cpp — the Graph panel: Joint / Forward / Backward tabs on the canvas, laid out in the
// background; fit, search, focus, legend.
#include <imgui.h>

#include "app/gui/panels/panels.h"
#include "core/pipeline/stages.h"

namespace aotviz::gui {

namespace {

/// The graph of a tab from the latest snapshots: joint = after passes (or joint); forward/backward = partition's.
std::shared_ptr<const ir::Graph> graphFor(const std::vector<pipeline::SnapshotPtr>& snaps, int tab,
                                          std::shared_ptr<const partition::PartitionResult>& part) {
  part.reset();
  std::shared_ptr<const ir::Graph> joint;
  for (const auto& s : snaps) {
    if (s->graph) joint = s->graph;
    if (s->partition) part = s->partition;
  }
  if (tab == 0) return joint;
  if (!part) return nullptr;
  return std::shared_ptr<const ir::Graph>(part, tab == 1 ? &part->forward : &part->backward);
}

}  // namespace

void drawGraphPanel(AppState& state) {
  state.graph_pending = false;
  if (!ImGui::Begin("Graph", &state.show.graph)) {
    ImGui::End();
    return;
  }
  if (ImGui::BeginTabBar("graph_tabs")) {
    const char* tabs[] = {"Joint", "Forward", "Backward"};
    for (int i = 0; i < 3; ++i) {
      ImGuiTabItemFlags f = state.requested_tab == i ? ImGuiTabItemFlags_SetSelected : 0;
      if (ImGui::BeginTabItem(tabs[i], nullptr, f)) {
        if (state.requested_tab < 0 || state.requested_tab == i) state.graph_tab = i;
        if (state.requested_tab == i) state.requested_tab = -1;
        ImGui::EndTabItem();
      }
    }
    ImGui::EndTabBar();
  }
  std::shared_ptr<const partition::PartitionResult> part;
  std::shared_ptr<const ir::Graph> g =
      state.session ? graphFor(state.session->snapshots(), state.graph_tab, part) : nullptr;
  if (!g) {
    emptyState(state.graph_tab == 0
                   ? "No graph yet. Step through the pipeline to the joint stage to see the joint forward+backward graph."
                   : "No partition yet. Run the partition stage to see the forward and backward graphs.");
    ImGui::End();
    return;
  }
  viz::LayoutOptions lo;
  lo.partition = state.graph_tab == 0 ? part.get() : nullptr;
  auto layout = state.layouts->get(g, lo);
  if (ImGui::Button("Fit")) state.canvas.fit();
  ImGui::SameLine();
  ImGui::SetNextItemWidth(180);
  if (ImGui::InputTextWithHint("##search", "search op or name (Enter)", state.search, sizeof state.search,
                               ImGuiInputTextFlags_EnterReturnsTrue) && layout) {
    size_t hits = state.canvas.search(*g, *layout, state.search);
    state.addLog(hits ? LogLevel::Info : LogLevel::Warning, "graph",
                 std::to_string(hits) + " node(s) match '" + std::string(state.search) + "'");
  }
  ImGui::SameLine();
  static int focus = 0;
  if (ImGui::RadioButton("all", &focus, 0)) state.canvas.setFocus(0);
  ImGui::SameLine();
  if (ImGui::RadioButton("ancestors", &focus, 1)) state.canvas.setFocus(1);
  ImGui::SameLine();
  if (ImGui::RadioButton("descendants", &focus, 2)) state.canvas.setFocus(2);
  ImGui::SameLine();
  ImGui::TextDisabled("%zu nodes", g->nodes.size());
  viz::drawLegend();
  if (!layout) {
    state.graph_pending = true;
    ImGui::ProgressBar(state.layouts->progress(), ImVec2(-1, 0), "laying out...");
    ImGui::End();
    return;
  }
  state.canvas.draw(*g, *layout, lo.partition);
  ImGui::End();
}

}  // namespace aotviz::gui
