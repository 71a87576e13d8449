// app/gui/panels/partition_panel.cpp — partitioner and budget (re-run on change), totals, saved values by bytes,
// the diff against the previous partition, and undo/redo of what-if edits.
#include <imgui.h>

#include <algorithm>
#include <unordered_map>

#include "app/gui/panels/panels.h"

namespace aotviz::gui {

namespace {

std::string kib(int64_t b) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f KiB", static_cast<double>(b) / 1024.0);
  return buf;
}

/// "vs previous: N node(s) moved (examples); saved bytes ±X", computed once per pair of partitions.
const std::string& diffLine(AppState& state) {
  const auto& prev = state.previous_partition;
  const auto& part = state.last_partition;
  if (state.diff_of.first == prev && state.diff_of.second == part) return state.diff_line;
  std::unordered_map<std::string, partition::Placement> before;
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
  const int64_t delta = part->totals.saved_bytes - prev->totals.saved_bytes;
  state.diff_line = "vs previous: " + std::to_string(moved) + " node(s) moved" + examples + "; saved bytes " +
                    (delta >= 0 ? "+" : "-") + kib(std::abs(delta));
  state.diff_of = {prev, part};
  return state.diff_line;
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
  bool rng = c.functionalize_rng;
  if (ImGui::Checkbox("recompute random ops", &rng)) {
    c.functionalize_rng = rng;
    state.whatIf(c);
  }
  if (ImGui::IsItemHovered())
    ImGui::SetTooltip("--functionalize-rng: the min-cut may recompute dropout and other random ops in the backward,\n"
                      "replaying the forward's RNG state so the masks are the same. Off: PyTorch's rule, random ops\n"
                      "are always saved.");
  ImGui::SameLine();
  // Undo and Redo: take the config from one stack, remember the current one on the other, re-run.
  auto step = [&](const char* label, std::vector<pipeline::Config>& from, std::vector<pipeline::Config>& to) {
    ImGui::BeginDisabled(from.empty());
    if (ImGui::Button(label)) {
      to.push_back(state.session->config());
      pipeline::Config next = from.back();
      from.pop_back();
      state.rerun(next, "partition");
    }
    ImGui::EndDisabled();
  };
  step("Undo", state.undo, state.redo);
  ImGui::SameLine();
  step("Redo", state.redo, state.undo);
  ImGui::EndDisabled();
  if (!c.overrides.empty()) ImGui::TextDisabled("%zu what-if override(s) (right-click a joint node to change)", c.overrides.size());
  const auto& t = part->totals;
  ImGui::Text("saved %zu values, %s (%s activations); %zu recomputed; fw %zu / bw %zu ops", t.saved_count,
              kib(t.saved_bytes).c_str(), kib(t.activation_bytes).c_str(), t.recomputed_nodes, t.forward_nodes,
              t.backward_nodes);
  if (state.previous_partition) ImGui::TextColored(ImVec4(0.8f, 0.8f, 0.5f, 1.0f), "%s", diffLine(state).c_str());
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
