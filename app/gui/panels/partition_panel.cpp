// app/gui/panels/partition_panel.cpp — partitioner and budget (re-run on change), totals, saved values by bytes,
// the diff against the previous partition, and undo/redo of what-if edits.
#include <imgui.h>

#include <algorithm>
#include <map>

#include "app/gui/panels/panels.h"

namespace aotviz::gui {

namespace {

std::string kib(int64_t b) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f KiB", static_cast<double>(b) / 1024.0);
  return buf;
}

}  // namespace

void drawPartitionPanel(AppState& state) {
  if (!ImGui::Begin("Partition", &state.show.partition)) {
    ImGui::End();
    return;
  }
  const auto part = state.view_partition;
  if (part != state.last_partition) {  // a new partition: the one before becomes the diff's base
    if (state.last_partition && part) state.previous_partition = state.last_partition;
    state.last_partition = part;
  }
  if (!state.session || !part) {
    emptyState("No partition yet. The partition stage shows saved values, their bytes and why each node was saved or recomputed.");
    ImGui::End();
    return;
  }
  pipeline::Config c = state.session->config();
  const bool busy = state.session->busy();
  ImGui::BeginDisabled(busy || !state.session->live());
  int which = c.partitioner == "default" ? 0 : 1;
  ImGui::SetNextItemWidth(120);
  if (ImGui::Combo("partitioner", &which, "default\0mincut\0")) {
    c.partitioner = which == 0 ? "default" : "mincut";
    state.whatIf(c);
  }
  float budget = static_cast<float>(c.memory_budget);
  ImGui::SetNextItemWidth(160);
  ImGui::SliderFloat("budget", &budget, 0.0f, 1.0f, "%.2f");
  if (ImGui::IsItemDeactivatedAfterEdit()) {
    c.memory_budget = budget;
    state.whatIf(c);
  }
  ImGui::SameLine();
  ImGui::BeginDisabled(state.undo.empty());
  if (ImGui::Button("Undo")) {
    state.redo.push_back(state.session->config());
    pipeline::Config back = state.undo.back();
    state.undo.pop_back();
    state.rerun(back, "partition");
  }
  ImGui::EndDisabled();
  ImGui::SameLine();
  ImGui::BeginDisabled(state.redo.empty());
  if (ImGui::Button("Redo")) {
    state.undo.push_back(state.session->config());
    pipeline::Config fwd = state.redo.back();
    state.redo.pop_back();
    state.rerun(fwd, "partition");
  }
  ImGui::EndDisabled();
  ImGui::EndDisabled();
  if (!c.overrides.empty()) ImGui::TextDisabled("%zu what-if override(s) (right-click a joint node to change)", c.overrides.size());
  const auto& t = part->totals;
  ImGui::Text("saved %zu values, %s (%s activations); %zu recomputed; fw %zu / bw %zu ops", t.saved_count,
              kib(t.saved_bytes).c_str(), kib(t.activation_bytes).c_str(), t.recomputed_nodes, t.forward_nodes,
              t.backward_nodes);
  if (const auto& prev = state.previous_partition) {
    std::map<std::string, partition::Placement> before;
    for (const auto& d : prev->nodes) before[d.name] = d.placement;
    size_t moved = 0;
    std::string examples;
    for (const auto& d : part->nodes) {
      auto it = before.find(d.name);
      if (it != before.end() && it->second != d.placement) {
        if (moved < 3) examples += (moved ? ", " : " (") + d.name + ": " + partition::placementName(it->second) + " -> " + partition::placementName(d.placement);
        ++moved;
      }
    }
    if (moved) examples += ")";
    const int64_t delta = t.saved_bytes - prev->totals.saved_bytes;
    ImGui::TextColored(ImVec4(0.8f, 0.8f, 0.5f, 1.0f), "vs previous: %zu node(s) moved%s; saved bytes %s%s", moved,
                       examples.c_str(), delta >= 0 ? "+" : "-", kib(std::abs(delta)).c_str());
  }
  std::vector<const partition::SavedValue*> saved;
  for (const auto& s : part->saved) saved.push_back(&s);
  std::stable_sort(saved.begin(), saved.end(), [](auto* a, auto* b) { return a->bytes > b->bytes; });
  if (ImGui::BeginTable("saved", 3, ImGuiTableFlags_RowBg | ImGuiTableFlags_ScrollY | ImGuiTableFlags_SizingStretchProp)) {
    ImGui::TableSetupScrollFreeze(0, 1);
    ImGui::TableSetupColumn("saved value");
    ImGui::TableSetupColumn("bytes");
    ImGui::TableSetupColumn("why");
    ImGui::TableHeadersRow();
    for (const auto* s : saved) {
      ImGui::TableNextRow();
      ImGui::TableSetColumnIndex(0);
      ImGui::PushID(s->name.c_str());
      if (ImGui::Selectable(s->name.c_str(), false, ImGuiSelectableFlags_SpanAllColumns) && state.view_graph)
        for (const auto& n : state.view_graph->nodes)
          if (n.name == s->name) state.canvas.select(n.id.v, true);
      ImGui::PopID();
      ImGui::TableSetColumnIndex(1);
      ImGui::Text("%lld", static_cast<long long>(s->bytes));
      ImGui::TableSetColumnIndex(2);
      ImGui::TextUnformatted(partition::ruleName(s->rule));
      if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s (%s)", s->reason.c_str(), s->kind.c_str());
    }
    ImGui::EndTable();
  }
  ImGui::End();
}

}  // namespace aotviz::gui
