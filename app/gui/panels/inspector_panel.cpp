// app/gui/panels/inspector_panel.cpp — the selected node: op and schema arguments, output metadata, the partition
// decision and its reason, bytes, measured time, scope and source line.
#include <imgui.h>

#include "app/gui/panels/panels.h"
#include "core/ir/printer.h"

namespace aotviz::gui {

void drawInspectorPanel(AppState& state) {
  if (!ImGui::Begin("Inspector", &state.show.inspector)) {
    ImGui::End();
    return;
  }
  const bool right = state.graph_panel.side_by_side && state.graph_panel.inspect_right && state.graph_panel.right_graph;
  const int32_t sel = right ? state.graph_panel.canvas_right.selected() : state.graph_panel.canvas.selected();
  const ir::Graph* g = right ? state.graph_panel.right_graph.get() : state.view_graph.get();
  if (!g || sel < 0 || sel >= static_cast<int32_t>(g->nodes.size())) {
    emptyState("No node selected. Select a node in the Graph panel to see its schema, arguments, metadata and partition decision.");
    ImGui::End();
    return;
  }
  const ir::Node& n = g->nodes[static_cast<size_t>(sel)];
  ImGui::Text("%s", n.name.c_str());
  if (n.kind == ir::NodeKind::Call) {
    ImGui::TextColored(ImVec4(0.6f, 0.8f, 1.0f, 1.0f), "%s", n.qualifiedOp().c_str());
    if (ImGui::BeginTable("args", 2, ImGuiTableFlags_RowBg)) {
      ImGui::TableSetupColumn("argument", ImGuiTableColumnFlags_WidthFixed, ImGui::GetFontSize() * 7);
      ImGui::TableSetupColumn("value", ImGuiTableColumnFlags_WidthStretch);
      for (size_t i = 0; i < n.args.size(); ++i) {
        ImGui::TableNextRow();
        ImGui::TableSetColumnIndex(0);
        ImGui::TextDisabled("%s", i < n.arg_names.size() ? n.arg_names[i].c_str() : "?");
        ImGui::TableSetColumnIndex(1);
        ImGui::TextWrapped("%s", ir::argString(*g, n.args[i], i < n.arg_names.size() ? n.arg_names[i] : "").c_str());
      }
      ImGui::EndTable();
    }
  } else {
    ImGui::TextDisabled("%s", n.kind == ir::NodeKind::Placeholder ? "graph input" : "graph outputs");
  }
  int64_t bytes = 0;
  for (ir::ValueId v : n.outputs) {
    const ir::TensorMeta& m = g->value(v).meta;
    ImGui::Text("-> %s %s", g->value(v).name.c_str(), ir::metaString(m).c_str());
    int64_t b = static_cast<int64_t>(c10::elementSize(m.dtype));
    for (int64_t s : m.sizes) b *= s;
    bytes += b;
  }
  if (!n.outputs.empty()) ImGui::Text("%lld bytes", static_cast<long long>(bytes));
  ImGui::Separator();
  ImGui::Text("phase: %s", n.prov.phase == ir::Phase::Backward ? "backward" : "forward");
  if (!n.prov.scope.empty()) ImGui::Text("scope: %s", n.prov.scope.c_str());
  if (!n.prov.source.empty()) ImGui::TextWrapped("source: %s", n.prov.source.c_str());
  if (!n.prov.grad_fn.empty()) ImGui::Text("from: %s", n.prov.grad_fn.c_str());
  if (const auto* part = state.view_partition.get()) {
    for (const auto& d : part->nodes)
      if (d.name == n.name) {
        ImGui::Separator();
        ImGui::Text("partition: %s (%s)", partition::placementName(d.placement), partition::ruleName(d.rule));
        ImGui::TextWrapped("%s", d.reason.c_str());
      }
    for (const auto& s : part->saved)
      if (s.name == n.name) ImGui::TextWrapped("saved for backward: %lld bytes (%s): %s", static_cast<long long>(s.bytes), s.kind.c_str(), s.reason.c_str());
  }
  const auto& first = nodeTimes(state).first;
  if (auto us = first.find(n.name); us != first.end()) ImGui::Text("measured: %.1f us (one profiled step)", us->second);
  ImGui::End();
}

}  // namespace aotviz::gui
