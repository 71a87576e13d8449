// app/gui/panels/metadata_panel.cpp — ViewAndMutationMeta of the user's function: inputs and outputs tables with
// explanations on hover; clicking a row selects the graph's node.
#include <imgui.h>

#include <algorithm>

#include "app/gui/panels/panels.h"
#include "core/pipeline/stages.h"

namespace aotviz::gui {

namespace {

void headersWithHelp(const char* section, const std::vector<const char*>& fields) {
  ImGui::TableNextRow(ImGuiTableRowFlags_Headers);
  for (size_t c = 0; c < fields.size(); ++c) {
    ImGui::TableSetColumnIndex(static_cast<int>(c));
    ImGui::TableHeader(fields[c]);
    const std::string& help = helpText(section, fields[c]);
    if (!help.empty() && ImGui::IsItemHovered()) ImGui::SetTooltip("%s", help.c_str());
  }
}

std::string cell(const nlohmann::json& v) {
  if (v.is_boolean()) return v.get<bool>() ? "yes" : "-";
  if (v.is_null()) return "-";
  if (v.is_string()) return v.get<std::string>();
  return v.dump();
}

/// Selects the graph node for input `i` (the i-th placeholder) or the output node, on the Joint tab.
void selectInGraph(AppState& state, int input_index) {
  if (!state.view_graph) return;
  const ir::Graph& g = *state.view_graph;
  int k = 0;
  for (const ir::Node& n : g.nodes) {
    if (input_index < 0 && n.kind == ir::NodeKind::Output) return state.canvas.select(n.id.v, true);
    if (input_index >= 0 && n.kind == ir::NodeKind::Placeholder && k++ == input_index) return state.canvas.select(n.id.v, true);
  }
}

}  // namespace

void drawMetadataPanel(AppState& state) {
  if (!ImGui::Begin("Metadata", &state.show.metadata)) {
    ImGui::End();
    return;
  }
  const pipeline::Snapshot* md = nullptr;
  const pipeline::Snapshot* inputs = nullptr;
  const auto snaps = state.session ? state.session->snapshots() : std::vector<pipeline::SnapshotPtr>{};
  for (const auto& s : snaps) {
    if (s->stage == "metadata" && s->status == pipeline::StageStatus::Done) md = s.get();
    if (s->stage == "inputs" && s->status == pipeline::StageStatus::Done) inputs = s.get();
  }
  if (!md) {
    emptyState("No metadata yet. The metadata stage fills the inputs and outputs tables (mutations and aliasing).");
    ImGui::End();
    return;
  }
  const auto& m = md->meta;
  ImGui::Text("%s graph; %zu mutated input(s) returned, %zu kept in the graph; %zu output(s) alias an input",
              m.value("is_train", false) ? "training (joint)" : "inference", m["mutated_inp_runtime_indices"].size(),
              m["mutated_graph_handled_indices"].size(), m.value("num_outputs_aliased_to_inputs", size_t{0}));
  const std::vector<const char*> in_fields = {"mutates_data", "mutates_metadata", "mutation_type", "requires_grad",
                                              "is_leaf", "mutations_hidden_from_autograd"};
  ImGui::Separator();
  ImGui::TextDisabled("inputs");
  const float row = ImGui::GetTextLineHeightWithSpacing();
  const float in_h = row * static_cast<float>(std::min<size_t>(m["input_info"].size() + 2, 12));
  if (ImGui::BeginTable("inputs", static_cast<int>(in_fields.size()) + 1,
                        ImGuiTableFlags_RowBg | ImGuiTableFlags_ScrollX | ImGuiTableFlags_ScrollY |
                            ImGuiTableFlags_SizingFixedFit, ImVec2(0, in_h))) {
    ImGui::TableSetupColumn("input");
    for (const char* f : in_fields) ImGui::TableSetupColumn(f);
    std::vector<const char*> all = {"input"};
    all.insert(all.end(), in_fields.begin(), in_fields.end());
    headersWithHelp("input_fields", all);
    const auto& info = m["input_info"];
    for (size_t i = 0; i < info.size(); ++i) {
      ImGui::TableNextRow();
      ImGui::TableSetColumnIndex(0);
      std::string name = inputs && i < inputs->summary["inputs"].size() ? inputs->summary["inputs"][i]["name"].get<std::string>()
                                                                        : "input " + std::to_string(i);
      ImGui::PushID(static_cast<int>(i));
      if (ImGui::Selectable(name.c_str(), false, ImGuiSelectableFlags_SpanAllColumns)) selectInGraph(state, static_cast<int>(i));
      ImGui::PopID();
      for (size_t c = 0; c < in_fields.size(); ++c) {
        ImGui::TableSetColumnIndex(static_cast<int>(c + 1));
        ImGui::TextUnformatted(cell(info[i][in_fields[c]]).c_str());
      }
    }
    ImGui::EndTable();
  }
  const std::vector<const char*> out_fields = {"output_type", "base_idx", "requires_grad", "requires_grad_for_backward"};
  ImGui::Separator();
  ImGui::TextDisabled("outputs");
  const float out_h = row * static_cast<float>(std::min<size_t>(m["output_info"].size() + 2, 8));
  if (ImGui::BeginTable("outputs", static_cast<int>(out_fields.size()) + 1,
                        ImGuiTableFlags_RowBg | ImGuiTableFlags_ScrollX | ImGuiTableFlags_ScrollY |
                            ImGuiTableFlags_SizingFixedFit, ImVec2(0, out_h))) {
    ImGui::TableSetupColumn("output");
    for (const char* f : out_fields) ImGui::TableSetupColumn(f);
    std::vector<const char*> all = {"output"};
    all.insert(all.end(), out_fields.begin(), out_fields.end());
    headersWithHelp("output_fields", all);
    const auto& info = m["output_info"];
    for (size_t i = 0; i < info.size(); ++i) {
      ImGui::TableNextRow();
      ImGui::TableSetColumnIndex(0);
      ImGui::PushID(1000 + static_cast<int>(i));
      if (ImGui::Selectable(("output " + std::to_string(i)).c_str(), false, ImGuiSelectableFlags_SpanAllColumns))
        selectInGraph(state, -1);
      ImGui::PopID();
      for (size_t c = 0; c < out_fields.size(); ++c) {
        ImGui::TableSetColumnIndex(static_cast<int>(c + 1));
        ImGui::TextUnformatted(cell(info[i][out_fields[c]]).c_str());
      }
    }
    ImGui::EndTable();
  }
  ImGui::End();
}

}  // namespace aotviz::gui
