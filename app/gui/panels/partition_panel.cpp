// app/gui/panels/partition_panel.cpp — partitioner and budget (re-run on change), totals, saved values by bytes,
// the diff against the previous partition, and undo/redo of what-if edits.
#include <imgui.h>

#include <algorithm>
#include <map>
#include <unordered_map>

#include "app/gui/panels/panels.h"

namespace aotviz::gui {

namespace {

std::string kib(int64_t b) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f KiB", static_cast<double>(b) / 1024.0);
  return buf;
}

std::string movedText(const std::vector<partition::Moved>& moved) {
  std::string s = std::to_string(moved.size()) + " node(s) moved";
  for (size_t i = 0; i < moved.size() && i < 3; ++i)
    s += (i ? ", " : " (") + moved[i].name + ": " + partition::placementName(moved[i].from) + " -> " +
         partition::placementName(moved[i].to);
  return moved.empty() ? s : s + (moved.size() > 3 ? ", ...)" : ")");
}

std::string bytesDelta(int64_t delta) { return (delta >= 0 ? "+" : "-") + kib(std::abs(delta)); }

/// "vs previous: N node(s) moved (examples); saved bytes ±X", computed once per pair of partitions.
const std::string& diffLine(AppState& state) {
  const auto& prev = state.partition_panel.previous_partition;
  const auto& part = state.partition_panel.last_partition;
  if (state.partition_panel.diff_of.first == prev && state.partition_panel.diff_of.second == part) return state.partition_panel.diff_line;
  state.partition_panel.diff_line = "vs previous: " + movedText(partition::movedNodes(*prev, *part)) + "; saved bytes " +
                    bytesDelta(part->totals.saved_bytes - prev->totals.saved_bytes);
  state.partition_panel.diff_of = {prev, part};
  return state.partition_panel.diff_line;
}

/// A TORCH_TRACE compile: which partition is drawn, PyTorch's totals, and node by node where aotviz's partition
/// (`ours`) differs from PyTorch's (`theirs`): placements, and values only one of them saves.
void drawPyTorchComparison(AppState& state, const partition::PartitionResult& ours, const partition::PartitionResult& theirs) {
  if (state.partition_panel.compared.first.get() != &ours || state.partition_panel.compared.second.get() != &theirs) {
    state.partition_panel.compared = {state.computed_partition, state.pytorch_partition};
    state.partition_panel.compared_moved = partition::movedNodes(theirs, ours);
  }
  int which = state.partition_panel.draw_pytorch ? 1 : 0;
  ImGui::TextUnformatted("draw:");
  ImGui::SameLine();
  if (ImGui::RadioButton("aotviz's partition", &which, 0)) state.partition_panel.draw_pytorch = false;
  ImGui::SameLine();
  if (ImGui::RadioButton("PyTorch's partition", &which, 1)) state.partition_panel.draw_pytorch = true;
  if (ImGui::IsItemHovered())
    ImGui::SetTooltip("The partition PyTorch took in this compile, read from its forward and backward graphs;\n"
                      "the Forward and Backward tabs then show PyTorch's own graphs.");
  const auto& t = theirs.totals;
  ImGui::Text("PyTorch: saved %zu values, %s; %zu recomputed; fw %zu / bw %zu ops", t.saved_count, kib(t.saved_bytes).c_str(),
              t.recomputed_nodes, t.forward_nodes, t.backward_nodes);
  std::map<std::string, int64_t> only_ours, only_theirs;
  for (const auto& v : ours.saved) only_ours[v.name] = v.bytes;
  for (const auto& v : theirs.saved)
    if (!only_ours.erase(v.name)) only_theirs[v.name] = v.bytes;
  const auto& moved = state.partition_panel.compared_moved;
  const bool same = moved.empty() && only_ours.empty() && only_theirs.empty();
  ImGui::TextColored(same ? ImVec4(0.5f, 0.85f, 0.5f, 1.0f) : ImVec4(0.9f, 0.7f, 0.4f, 1.0f), "vs PyTorch: %s",
                     same ? "the same decisions (saved values and placements)"
                          : (movedText(moved) + "; " + std::to_string(only_ours.size() + only_theirs.size()) +
                             " value(s) saved by one side only; saved bytes " +
                             bytesDelta(ours.totals.saved_bytes - t.saved_bytes))
                                .c_str());
  if (same || !ImGui::CollapsingHeader("differences with PyTorch, node by node")) return;
  if (!ImGui::BeginTable("vs_pytorch", 3, ImGuiTableFlags_RowBg | ImGuiTableFlags_ScrollY | ImGuiTableFlags_SizingStretchProp,
                         ImVec2(0, 160)))
    return;
  ImGui::TableSetupScrollFreeze(0, 1);
  ImGui::TableSetupColumn("node");
  ImGui::TableSetupColumn("aotviz");
  ImGui::TableSetupColumn("PyTorch");
  ImGui::TableHeadersRow();
  auto row = [&](const std::string& name, const std::string& a, const std::string& b) {
    ImGui::TableNextRow();
    ImGui::TableSetColumnIndex(0);
    ImGui::PushID(name.c_str());
    if (ImGui::Selectable(name.c_str(), false, ImGuiSelectableFlags_SpanAllColumns))
      state.request(request::Select{name});
    ImGui::PopID();
    ImGui::TableSetColumnIndex(1);
    ImGui::TextUnformatted(a.c_str());
    ImGui::TableSetColumnIndex(2);
    ImGui::TextUnformatted(b.c_str());
  };
  for (const auto& m : moved) row(m.name, partition::placementName(m.to), partition::placementName(m.from));
  for (const auto& [name, bytes] : only_ours) row(name, "saved, " + std::to_string(bytes) + " B", "not saved");
  for (const auto& [name, bytes] : only_theirs) row(name, "not saved", "saved, " + std::to_string(bytes) + " B");
  ImGui::EndTable();
}

/// Saved bytes by module, one level below the module the Graph panel's breadcrumbs have open: where the memory
/// kept for the backward comes from. A row opens its module on the graph.
void drawSavedByModule(AppState& state, const partition::PartitionResult& part) {
  const std::string& at = state.graph_panel.overview_path;
  std::unordered_map<std::string, const ir::Node*> producer;  // saved value name → its joint node
  for (const ir::Value& v : part.joint.values) producer[v.name] = &part.joint.node(v.producer);
  std::map<std::string, std::pair<int64_t, size_t>> by_module;  // module → bytes, values
  for (const auto& sv : part.saved) {
    auto it = producer.find(sv.name);
    std::string scope = it == producer.end() ? "" : it->second->prov.scope;
    if (!at.empty() && !viz::inScope(scope, at)) continue;
    if (scope == at) scope.clear();
    else if (!scope.empty()) {
      const size_t dot = scope.find('.', at.empty() ? 0 : at.size() + 1);
      if (dot != std::string::npos) scope.resize(dot);
    }
    auto& row = by_module[scope.empty() ? (at.empty() ? "(inputs, no module)" : at + " itself") : scope];
    row.first += sv.bytes;
    ++row.second;
  }
  if (by_module.empty() || !ImGui::CollapsingHeader(("saved bytes by module" + (at.empty() ? "" : " in " + at)).c_str()))
    return;
  std::vector<std::pair<std::string, std::pair<int64_t, size_t>>> rows(by_module.begin(), by_module.end());
  std::stable_sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) { return a.second.first > b.second.first; });
  if (!ImGui::BeginTable("by_module", 3, ImGuiTableFlags_RowBg | ImGuiTableFlags_ScrollY | ImGuiTableFlags_SizingStretchProp,
                         ImVec2(0, 140)))
    return;
  ImGui::TableSetupScrollFreeze(0, 1);
  ImGui::TableSetupColumn("module");
  ImGui::TableSetupColumn("saved");
  ImGui::TableSetupColumn("values");
  ImGui::TableHeadersRow();
  for (const auto& [module, row] : rows) {
    ImGui::TableNextRow();
    ImGui::TableSetColumnIndex(0);
    const bool opens = module.front() != '(' && module.find(' ') == std::string::npos;
    if (ImGui::Selectable(module.c_str(), false, ImGuiSelectableFlags_SpanAllColumns) && opens && state.view_graph) {
      state.graph_panel.collapsed_scopes = viz::overviewScopes(*state.view_graph, module);
      state.graph_panel.overview_path = module;
    }
    if (opens && ImGui::IsItemHovered()) ImGui::SetTooltip("open %s on the graph", module.c_str());
    ImGui::TableSetColumnIndex(1);
    ImGui::TextUnformatted(kib(row.first).c_str());
    ImGui::TableSetColumnIndex(2);
    ImGui::Text("%zu", row.second);
  }
  ImGui::EndTable();
}

}  // namespace

void drawPartitionPanel(AppState& state) {
  if (!ImGui::Begin("Partition", &state.show.partition)) {
    ImGui::End();
    return;
  }
  const auto part = state.computed_partition;
  if (part != state.partition_panel.last_partition) {  // a new partition: the one before becomes the diff's base
    if (state.partition_panel.last_partition && part) state.partition_panel.previous_partition = state.partition_panel.last_partition;
    state.partition_panel.last_partition = part;
  }
  if (!state.session || !part) {
    emptyState("No partition yet. The partition stage shows saved values, their bytes and why each node was saved or recomputed.");
    ImGui::End();
    return;
  }
  pipeline::Config c = state.session->config();
  const bool busy = state.session->busy();
  // A TORCH_TRACE compile re-runs only its partition stage (on PyTorch's joint graph); a loaded session, nothing.
  ImGui::BeginDisabled(busy || !(state.session->live() || state.session->canRepartition()));
  // The partitioners that split (a partition is shown, so not none), by their table's names.
  const partition::Partitioner now = pipeline::partitionerOf(c.partitioner).value_or(partition::Partitioner::MinCut);
  ImGui::SetNextItemWidth(120);
  if (ImGui::BeginCombo("partitioner", partition::partitionerName(now))) {
    for (partition::Partitioner p : {partition::Partitioner::Default, partition::Partitioner::MinCut})
      if (ImGui::Selectable(partition::partitionerName(p), p == now) && p != now) {
        c.partitioner = p == partition::Partitioner::Default ? pipeline::PartitionerChoice::Default
                                                             : pipeline::PartitionerChoice::MinCut;
        state.request(request::WhatIf{c});
      }
    ImGui::EndCombo();
  }
  float budget = static_cast<float>(c.memory_budget);
  ImGui::SetNextItemWidth(160);
  ImGui::SliderFloat("budget", &budget, 0.0f, 1.0f, "%.2f");
  if (ImGui::IsItemDeactivatedAfterEdit()) {
    c.memory_budget = budget;
    state.request(request::WhatIf{c});
  }
  ImGui::SameLine();
  bool rng = c.functionalize_rng;
  if (ImGui::Checkbox("recompute random ops", &rng)) {
    c.functionalize_rng = rng;
    state.request(request::WhatIf{c});
  }
  if (ImGui::IsItemHovered())
    ImGui::SetTooltip("--functionalize-rng: the min-cut may recompute dropout and other random ops in the backward,\n"
                      "replaying the forward's RNG state so the masks are the same. Off: PyTorch's rule, random ops\n"
                      "are always saved.");
  ImGui::SameLine();
  // Undo and Redo: applyRequests takes the config from one stack, remembers the current one on the other, re-runs.
  ImGui::BeginDisabled(state.partition_panel.undo.empty());
  if (ImGui::Button("Undo")) state.request(request::Undo{});
  ImGui::EndDisabled();
  ImGui::SameLine();
  ImGui::BeginDisabled(state.partition_panel.redo.empty());
  if (ImGui::Button("Redo")) state.request(request::Redo{});
  ImGui::EndDisabled();
  ImGui::EndDisabled();
  if (!c.overrides.empty()) ImGui::TextDisabled("%zu what-if override(s) (right-click a joint node to change)", c.overrides.size());
  const auto& t = part->totals;
  ImGui::Text("saved %zu values, %s (%s activations); %zu recomputed; fw %zu / bw %zu ops", t.saved_count,
              kib(t.saved_bytes).c_str(), kib(t.activation_bytes).c_str(), t.recomputed_nodes, t.forward_nodes,
              t.backward_nodes);
  if (state.partition_panel.previous_partition) ImGui::TextColored(ImVec4(0.8f, 0.8f, 0.5f, 1.0f), "%s", diffLine(state).c_str());
  if (state.pytorch_partition) drawPyTorchComparison(state, *part, *state.pytorch_partition);
  const auto drawn = state.view_partition ? state.view_partition : part;
  drawSavedByModule(state, *drawn);
  std::vector<const partition::SavedValue*> saved;
  for (const auto& s : drawn->saved) saved.push_back(&s);
  std::stable_sort(saved.begin(), saved.end(), [](auto* a, auto* b) { return a->bytes > b->bytes; });
  if (ImGui::BeginTable("saved", 3, ImGuiTableFlags_RowBg | ImGuiTableFlags_ScrollY | ImGuiTableFlags_SizingStretchProp)) {
    ImGui::TableSetupScrollFreeze(0, 1);
    ImGui::TableSetupColumn(drawn == state.pytorch_partition ? "saved value (PyTorch's)" : "saved value");
    ImGui::TableSetupColumn("bytes");
    ImGui::TableSetupColumn("why");
    ImGui::TableHeadersRow();
    for (const auto* s : saved) {
      ImGui::TableNextRow();
      ImGui::TableSetColumnIndex(0);
      ImGui::PushID(s->name.c_str());
      if (ImGui::Selectable(s->name.c_str(), false, ImGuiSelectableFlags_SpanAllColumns))
        state.request(request::Select{s->name});
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
