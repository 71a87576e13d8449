// app/gui/panels/memory_timeline_panel.cpp — the Memory panel's Timeline tab: live bytes over one training step,
// the forward then the backward, as the drawn partition predicts them (partition::predictMemoryTimeline) and as the
// execution stage measured them (the interpreter's count after each node), on one ImPlot chart. The peak is marked
// and explained under the chart: the saved values live there, by module and one by one. A click selects the node.
#include <imgui.h>
#include <implot.h>

#include <algorithm>
#include <cmath>
#include <map>

#include "app/gui/panels/panels.h"
#include "core/util/human_bytes.h"

namespace aotviz::gui {

namespace {

constexpr double kMiB = 1024.0 * 1024.0;

/// Recomputes the predicted series when the drawn partition changes, and the measured one when the execution
/// snapshot does.
void refresh(AppState& state, const std::shared_ptr<const partition::PartitionResult>& part) {
  TimelineState& t = state.memory_panel.timeline;
  const NodeTimes& times = nodeTimes(state);
  const bool fresh = t.of != part;
  if (fresh) {
    t = TimelineState{};
    t.of = part;
    t.timeline = partition::predictMemoryTimeline(*part);
    for (size_t i = 0; i < t.timeline.points.size(); ++i) {
      t.x.push_back(static_cast<double>(i));
      t.predicted.push_back(static_cast<double>(t.timeline.points[i].live_bytes) / kMiB);
      t.saved.push_back(static_cast<double>(t.timeline.points[i].saved_bytes) / kMiB);
    }
  }
  if (!fresh && t.measured_from == times.from) return;
  t.measured_from = times.from;
  t.measured_x.clear();
  t.measured.clear();
  for (size_t i = 0; i < t.timeline.points.size(); ++i) {
    const auto& p = t.timeline.points[i];
    const auto& m = times.live_bytes[p.backward ? 1 : 0];
    auto it = m.find(p.node);
    if (it == m.end()) continue;  // placeholders: the interpreter counts its inputs before the first node
    t.measured_x.push_back(static_cast<double>(i));
    t.measured.push_back(static_cast<double>(it->second) / kMiB);
  }
}

/// The first `depth` components of a module path ("h.3.attn", 2 → "h.3").
std::string cutScope(const std::string& scope, int depth) {
  size_t pos = 0;
  for (int d = 0; d < depth; ++d) {
    pos = scope.find('.', pos);
    if (pos == std::string::npos) return scope;
    if (d + 1 < depth) ++pos;
  }
  return scope.substr(0, pos);
}

}  // namespace

void drawMemoryTimeline(AppState& state) {
  const auto part = state.view_partition ? state.view_partition : state.computed_partition;
  if (!part || part->forward.nodes.empty()) {
    emptyState("No partition yet. The timeline shows the bytes held over one step, forward then backward.");
    return;
  }
  refresh(state, part);
  const TimelineState& t = state.memory_panel.timeline;
  const partition::MemoryTimeline& tl = t.timeline;
  if (tl.points.empty()) return;
  const auto& peak = tl.points[tl.peak];
  int64_t saved_activations = 0;
  for (const auto& v : tl.at_peak) saved_activations += v.saved && v.kind == "activation" ? v.bytes : 0;
  ImGui::TextWrapped("peak %s after %s (%s): saved values %s (activations %s, inputs and their views %s)",
                     util::humanBytes(peak.live_bytes).c_str(), peak.node.c_str(), peak.backward ? "backward" : "forward",
                     util::humanBytes(tl.saved_at_peak).c_str(), util::humanBytes(saved_activations).c_str(),
                     util::humanBytes(tl.saved_at_peak - saved_activations).c_str());
  if (t.measured.empty())
    ImGui::TextDisabled("measured: run the execution stage (iters > 0) to draw the interpreter's count");
  int clicked = -1;
  // A wide panel puts the chart and the peak's tables side by side; a narrow one stacks them.
  const bool side = ImGui::GetContentRegionAvail().x > 640.0f;
  if (side) ImGui::BeginChild("timeline_chart", ImVec2(ImGui::GetContentRegionAvail().x * 0.6f, 0));
  const float chart_h = side ? ImGui::GetContentRegionAvail().y - ImGui::GetFrameHeightWithSpacing()
                             : std::max(140.0f, ImGui::GetContentRegionAvail().y * 0.5f);
  if (ImPlot::BeginPlot("##timeline", ImVec2(-1, chart_h))) {
    ImPlot::SetupAxes("node (forward, then backward)", "live (MiB)", ImPlotAxisFlags_AutoFit, ImPlotAxisFlags_AutoFit);
    ImPlot::SetupLegend(ImPlotLocation_North, ImPlotLegendFlags_Outside | ImPlotLegendFlags_Horizontal);
    const int n = static_cast<int>(t.x.size());
    ImPlot::SetNextFillStyle(ImVec4(0.3f, 0.6f, 1.0f, 1.0f), 0.25f);
    ImPlot::PlotShaded("saved values", t.x.data(), t.saved.data(), n);
    ImPlot::PlotLine("predicted", t.x.data(), t.predicted.data(), n);
    if (!t.measured.empty()) {
      ImPlot::SetNextLineStyle(ImVec4(1.0f, 0.55f, 0.2f, 1.0f), 1.5f);
      ImPlot::PlotLine("measured", t.measured_x.data(), t.measured.data(), static_cast<int>(t.measured.size()));
    }
    const double boundary = static_cast<double>(tl.forward_points) - 0.5;
    ImPlot::SetNextLineStyle(ImVec4(0.7f, 0.7f, 0.7f, 0.6f));
    ImPlot::PlotInfLines("##fw|bw", &boundary, 1);
    ImPlot::PlotText("backward", boundary, t.predicted[tl.peak] * 0.05, ImVec2(34, 0));
    const double px = static_cast<double>(tl.peak), py = t.predicted[tl.peak];
    ImPlot::SetNextMarkerStyle(ImPlotMarker_Diamond, 8, ImVec4(1.0f, 0.3f, 0.3f, 1.0f));
    ImPlot::PlotScatter("peak", &px, &py, 1);
    if (ImPlot::IsPlotHovered()) {  // the nearest node: tooltip, and a click selects it
      const double mx = ImPlot::GetPlotMousePos().x;
      const long i = std::lround(mx);
      if (i >= 0 && static_cast<size_t>(i) < tl.points.size()) {
        const auto& p = tl.points[static_cast<size_t>(i)];
        ImGui::SetTooltip("%s %s (%s)%s%s\nheld after it: %s, of it saved %s\nclick to select it", p.backward ? "backward" : "forward",
                          p.node.c_str(), p.op.empty() ? "input" : p.op.c_str(), p.scope.empty() ? "" : "\nmodule ",
                          p.scope.c_str(), util::humanBytes(p.live_bytes).c_str(), util::humanBytes(p.saved_bytes).c_str());
        if (ImGui::IsMouseClicked(ImGuiMouseButton_Left)) clicked = static_cast<int>(i);
      }
    }
    ImPlot::EndPlot();
  }
  if (clicked >= 0) state.request(request::Select{tl.points[static_cast<size_t>(clicked)].node});
  if (ImGui::Button("select the peak")) state.request(request::Select{peak.node});
  ImGui::SameLine();
  ImGui::TextDisabled("(?)");
  if (ImGui::IsItemHovered())
    ImGui::SetTooltip("Predicted: each value held from the node that makes it to its last use, graph outputs (the\n"
                      "saved values among them) to the end of their graph, views sharing their base's storage.\n"
                      "Measured: the interpreter's count of distinct storages after each node of the executed step.\n"
                      "Each graph counts its own inputs: the forward its parameters, the backward the saved values\n"
                      "and the tangents.");
  // The peak explained: the saved values live there, by module (cut to `depth` components of its path), then one
  // by one.
  if (side) {
    ImGui::EndChild();
    ImGui::SameLine();
    ImGui::BeginChild("timeline_peak");
  } else {
    ImGui::SameLine();
  }
  ImGui::SetNextItemWidth(80);
  ImGui::SliderInt("module depth", &state.memory_panel.timeline_depth, 1, 4);
  std::map<std::string, partition::ModuleBytes> cut;
  for (const auto& m : tl.saved_by_module) {
    const std::string scope = cutScope(m.scope, state.memory_panel.timeline_depth);
    partition::ModuleBytes& c = cut[scope];
    c.scope = scope;
    c.bytes += m.bytes;
    c.activation_bytes += m.activation_bytes;
    c.values += m.values;
  }
  std::vector<partition::ModuleBytes> rows;
  for (auto& [scope, m] : cut) rows.push_back(m);
  std::stable_sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) { return a.bytes > b.bytes; });
  if (ImGui::BeginTable("peak_modules", 4, ImGuiTableFlags_RowBg | ImGuiTableFlags_ScrollY | ImGuiTableFlags_SizingStretchProp,
                        ImVec2(0, ImGui::GetContentRegionAvail().y * 0.45f))) {
    ImGui::TableSetupScrollFreeze(0, 1);
    ImGui::TableSetupColumn("saved at the peak, by module");
    ImGui::TableSetupColumn("values");
    ImGui::TableSetupColumn("bytes");
    ImGui::TableSetupColumn("of it activations");
    ImGui::TableHeadersRow();
    for (const auto& m : rows) {
      ImGui::TableNextRow();
      ImGui::TableSetColumnIndex(0);
      ImGui::TextUnformatted(m.scope.empty() ? "(no module)" : m.scope.c_str());
      ImGui::TableSetColumnIndex(1);
      ImGui::Text("%zu", m.values);
      ImGui::TableSetColumnIndex(2);
      ImGui::TextUnformatted(util::humanBytes(m.bytes).c_str());
      ImGui::TableSetColumnIndex(3);
      ImGui::TextUnformatted(util::humanBytes(m.activation_bytes).c_str());
    }
    ImGui::EndTable();
  }
  if (ImGui::BeginTable("peak_values", 3, ImGuiTableFlags_RowBg | ImGuiTableFlags_ScrollY | ImGuiTableFlags_SizingStretchProp)) {
    ImGui::TableSetupScrollFreeze(0, 1);
    ImGui::TableSetupColumn("live at the peak");
    ImGui::TableSetupColumn("module");
    ImGui::TableSetupColumn("bytes");
    ImGui::TableHeadersRow();
    for (const auto& v : tl.at_peak) {
      ImGui::TableNextRow();
      ImGui::TableSetColumnIndex(0);
      ImGui::PushID(v.name.c_str());
      const std::string label = v.saved ? v.name + "  (saved)" : v.name;
      if (ImGui::Selectable(label.c_str(), false, ImGuiSelectableFlags_SpanAllColumns)) state.request(request::Select{v.name});
      ImGui::PopID();
      ImGui::TableSetColumnIndex(1);
      ImGui::TextUnformatted(v.scope.c_str());
      ImGui::TableSetColumnIndex(2);
      ImGui::TextUnformatted(util::humanBytes(v.bytes).c_str());
    }
    ImGui::EndTable();
  }
  if (side) ImGui::EndChild();
}

}  // namespace aotviz::gui
