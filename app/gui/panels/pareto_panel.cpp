// app/gui/panels/pareto_panel.cpp — the Memory panel: its Timeline tab (memory_timeline_panel.cpp) and its Budget
// sweep tab, the activation-memory-budget Pareto curve of the partition's joint graph (core/partition/pareto.h),
// swept on a worker thread and plotted with ImPlot: saved bytes against PyTorch's estimate of the recomputation,
// the knee and the current budget marked, and the measured step time of every partition executed so far on a
// second axis; a click loads that budget's partition (a what-if, with undo). Under it, the points as a table.
#include <imgui.h>
#include <implot.h>

#include <chrono>
#include <cmath>

#include "app/gui/panels/panels.h"

namespace aotviz::gui {

namespace {

/// Starts a sweep of `state.joint_graph` with `part`'s options on a worker thread.
void startSweep(AppState& state, const std::shared_ptr<const partition::PartitionResult>& part) {
  ParetoState& p = state.memory_panel.pareto;
  p = ParetoState{};
  p.graph = state.joint_graph;
  p.of = part;
  p.progress = std::make_shared<std::atomic<float>>(0.0f);
  auto graph = p.graph;
  auto progress = p.progress;
  const size_t nfo = part->num_fwd_outputs;
  const std::vector<size_t> statics = part->static_inputs;
  const partition::Options options = part->options;
  const size_t points = static_cast<size_t>(state.memory_panel.pareto_points);
  p.running = std::async(std::launch::async, [graph, progress, nfo, statics, options, points] {
    return partition::paretoSweep(*graph, nfo, statics, options, points, 1e-3,
                                  [progress](float f) { progress->store(f, std::memory_order_relaxed); });
  });
}

/// Records the measured step time of the partition executed now, for the curve's measured points.
void recordMeasured(AppState& state, const partition::PartitionResult& part) {
  ParetoState& p = state.memory_panel.pareto;
  if (p.measured_graph != state.joint_graph) {
    p.measured_ms.clear();
    p.measured_graph = state.joint_graph;
  }
  const NodeTimes& times = nodeTimes(state);
  if (times.from && times.step_ms > 0 && !state.session->busy()) p.measured_ms[part.totals.saved_bytes] = times.step_ms;
}

void drawSweep(AppState& state) {
  const auto part = state.computed_partition;
  if (!state.session || !part || !state.joint_graph) {
    emptyState("No partition yet. The budget sweep runs the activation memory budget of the partition's joint "
               "graph: saved bytes against recomputation, the knee, and a click loads a budget.");
    return;
  }
  ParetoState& p = state.memory_panel.pareto;
  if (p.running.valid() && p.running.wait_for(std::chrono::seconds(0)) == std::future_status::ready) {
    try {
      p.result = p.running.get();
      state.addLog(LogLevel::Info, "partition",
                   "budget sweep: " + std::to_string(p.result->points.size()) + " distinct partitions from " +
                       std::to_string(p.result->partitions) + " budgets in " +
                       std::to_string(static_cast<int>(p.result->seconds * 1000)) + " ms");
    } catch (const std::exception& e) {
      p.error = e.what();
      state.addLog(LogLevel::Error, "partition", "budget sweep: " + p.error);
    }
  }
  // Another model or capture, or other options than the budget: the old curve is not this partition's.
  const auto& a = part->options;
  const bool stale = p.graph != state.joint_graph ||
                     (p.of && (p.of->options.rules != a.rules || p.of->options.overrides != a.overrides ||
                               p.of->options.functionalize_rng != a.functionalize_rng));
  const bool busy = p.running.valid();
  ImGui::BeginDisabled(busy || !(state.session->live() || state.session->canRepartition()) ||
                       part->options.partitioner != partition::Partitioner::MinCut);
  if (ImGui::Button(p.result && !stale ? "Sweep again" : "Sweep the budget")) startSweep(state, part);
  ImGui::EndDisabled();
  if (state.memory_panel.pareto_requested && !busy && (state.session->live() || state.session->canRepartition())) {  // --pareto
    state.memory_panel.pareto_requested = false;
    startSweep(state, part);
  }
  if (ImGui::IsItemHovered())
    ImGui::SetTooltip("Runs the min-cut partitioner over budgets in [0, 1] by bisection, as PyTorch's\n"
                      "visualize_memory_budget_pareto does, at most this many times:");
  ImGui::SameLine();
  ImGui::SetNextItemWidth(90);
  ImGui::SliderInt("runs", &state.memory_panel.pareto_points, 4, 64);
  if (busy) {
    ImGui::SameLine();
    ImGui::ProgressBar(p.progress->load(std::memory_order_relaxed), ImVec2(-1, 0), "sweeping...");
  }
  if (!p.result || stale) {
    if (part->options.partitioner != partition::Partitioner::MinCut)
      ImGui::TextDisabled("the sweep is for the min-cut partitioner (Partition panel)");
    return;
  }
  const auto& pts = p.result->points;
  std::vector<double> xs, ys;  // MiB saved, recompute estimate
  for (const auto& q : pts) {
    xs.push_back(static_cast<double>(q.saved_bytes) / (1 << 20));
    ys.push_back(q.recompute_runtime);
  }
  const double current = state.session->config().memory_budget;
  int clicked = -1;
  if (ImPlot::BeginPlot("##pareto", ImVec2(-1, std::max(140.0f, ImGui::GetContentRegionAvail().y * 0.62f)),
                        ImPlotFlags_NoLegend)) {
    ImPlot::SetupAxes("saved (MiB)", "recompute (flops est.)", ImPlotAxisFlags_AutoFit, ImPlotAxisFlags_AutoFit);
    if (!p.measured_ms.empty())
      ImPlot::SetupAxis(ImAxis_Y2, "step (ms, measured)", ImPlotAxisFlags_AutoFit | ImPlotAxisFlags_Opposite);
    ++p.frames_drawn;
    ImPlot::PlotLine("curve", xs.data(), ys.data(), static_cast<int>(xs.size()));
    ImPlot::SetNextMarkerStyle(ImPlotMarker_Circle, 4);
    ImPlot::PlotScatter("points", xs.data(), ys.data(), static_cast<int>(xs.size()));
    if (p.result->knee >= 0) {
      const size_t k = static_cast<size_t>(p.result->knee);
      ImPlot::SetNextMarkerStyle(ImPlotMarker_Diamond, 9, ImVec4(1.0f, 0.8f, 0.2f, 1.0f));
      ImPlot::PlotScatter("knee", &xs[k], &ys[k], 1);
      ImPlot::PlotText("knee", xs[k], ys[k], ImVec2(0, -14));
    }
    // The point of the budget the partition has now (the last budget at or below it partitions the same).
    int now = -1;
    for (size_t i = 0; i < pts.size(); ++i)
      if (pts[i].budget <= current + 1e-12) now = static_cast<int>(i);
    if (now >= 0) {
      ImPlot::SetNextMarkerStyle(ImPlotMarker_Circle, 7, ImVec4(0, 0, 0, 0), 2.0f, ImVec4(1, 1, 1, 1));
      ImPlot::PlotScatter("now", &xs[static_cast<size_t>(now)], &ys[static_cast<size_t>(now)], 1);
    }
    if (!p.measured_ms.empty()) {  // measured step times of the partitions executed so far, on their own axis
      std::vector<double> mx, my;
      for (const auto& [bytes, ms] : p.measured_ms) {
        mx.push_back(static_cast<double>(bytes) / (1 << 20));
        my.push_back(ms);
      }
      ImPlot::SetAxes(ImAxis_X1, ImAxis_Y2);
      ImPlot::SetNextMarkerStyle(ImPlotMarker_Square, 5, ImVec4(1.0f, 0.55f, 0.2f, 1.0f));
      ImPlot::PlotScatter("measured step", mx.data(), my.data(), static_cast<int>(mx.size()));
      ImPlot::SetAxes(ImAxis_X1, ImAxis_Y1);
    }
    if (ImPlot::IsPlotHovered()) {  // the nearest point within 12 px: tooltip, and a click loads it
      const ImVec2 mouse = ImGui::GetMousePos();
      float best = 12.0f;
      int near = -1;
      for (size_t i = 0; i < xs.size(); ++i) {
        const ImVec2 q = ImPlot::PlotToPixels(xs[i], ys[i]);
        const float d = std::hypot(q.x - mouse.x, q.y - mouse.y);
        if (d < best) best = d, near = static_cast<int>(i);
      }
      if (near >= 0) {
        const auto& q = pts[static_cast<size_t>(near)];
        ImGui::SetTooltip("budget %.4f\nsaves %.2f MiB (memory ratio %.3f)\nrecomputes %zu ops (estimate %.3g)\nclick to load it",
                          q.budget, xs[static_cast<size_t>(near)], q.memory_ratio, q.recomputed_nodes, q.recompute_runtime);
        if (ImGui::IsMouseClicked(ImGuiMouseButton_Left)) clicked = near;
      }
    }
    ImPlot::EndPlot();
  }
  if (clicked >= 0 && !state.session->busy()) {
    pipeline::Config c = state.session->config();
    c.memory_budget = pts[static_cast<size_t>(clicked)].budget;
    state.request(request::WhatIf{c});
  }
  if (ImGui::BeginTable("pareto_points", 4, ImGuiTableFlags_RowBg | ImGuiTableFlags_ScrollY | ImGuiTableFlags_SizingStretchProp)) {
    ImGui::TableSetupScrollFreeze(0, 1);
    ImGui::TableSetupColumn("budget");
    ImGui::TableSetupColumn("saved");
    ImGui::TableSetupColumn("recomputed");
    ImGui::TableSetupColumn("estimate");
    ImGui::TableHeadersRow();
    for (size_t i = 0; i < pts.size(); ++i) {
      ImGui::TableNextRow();
      ImGui::TableSetColumnIndex(0);
      char label[48];
      std::snprintf(label, sizeof label, "%.4f%s##%zu", pts[i].budget, static_cast<int>(i) == p.result->knee ? " knee" : "", i);
      if (ImGui::Selectable(label, false, ImGuiSelectableFlags_SpanAllColumns) && !state.session->busy()) {
        pipeline::Config c = state.session->config();
        c.memory_budget = pts[i].budget;
        state.request(request::WhatIf{c});
      }
      ImGui::TableSetColumnIndex(1);
      ImGui::Text("%.2f MiB", xs[i]);
      ImGui::TableSetColumnIndex(2);
      ImGui::Text("%zu", pts[i].recomputed_nodes);
      ImGui::TableSetColumnIndex(3);
      ImGui::Text("%.3g", pts[i].recompute_runtime);
    }
    ImGui::EndTable();
  }
}

}  // namespace

void drawMemoryPanel(AppState& state) {
  if (!ImGui::Begin("Memory", &state.show.memory)) {
    ImGui::End();
    return;
  }
  if (state.session && state.computed_partition) recordMeasured(state, *state.computed_partition);
  if (ImGui::SmallButton(state.show.memory_wide ? "narrow" : "wide")) state.show.memory_wide = !state.show.memory_wide;
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("Show the Memory panel under the Graph panel, as wide as it (View menu)");
  ImGui::SameLine();
  if (ImGui::BeginTabBar("memory_tabs")) {
    const int want = state.memory_panel.requested_tab;
    state.memory_panel.requested_tab = -1;
    if (ImGui::BeginTabItem("Timeline", nullptr, want == 0 ? ImGuiTabItemFlags_SetSelected : 0)) {
      drawMemoryTimeline(state);
      ImGui::EndTabItem();
    }
    if (ImGui::BeginTabItem("Budget sweep", nullptr, want == 1 ? ImGuiTabItemFlags_SetSelected : 0)) {
      drawSweep(state);
      ImGui::EndTabItem();
    }
    ImGui::EndTabBar();
  }
  ImGui::End();
}

}  // namespace aotviz::gui
