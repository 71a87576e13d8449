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

/// One table (inputs or outputs): a row per entry of `info`, the chosen fields as columns with their explanation on
/// hover; clicking a row selects the entry's graph node.
void metaTable(AppState& state, const std::string& kind, const nlohmann::json& info, const std::vector<std::string>& names,
               const std::vector<const char*>& fields, size_t max_rows) {
  ImGui::Separator();
  ImGui::TextDisabled("%ss", kind.c_str());
  const float h = ImGui::GetTextLineHeightWithSpacing() * static_cast<float>(std::min(info.size() + 2, max_rows));
  if (!ImGui::BeginTable(kind.c_str(), static_cast<int>(fields.size()) + 1,
                         ImGuiTableFlags_RowBg | ImGuiTableFlags_ScrollX | ImGuiTableFlags_ScrollY |
                             ImGuiTableFlags_SizingFixedFit, ImVec2(0, h)))
    return;
  ImGui::TableSetupColumn(kind.c_str());
  for (const char* f : fields) ImGui::TableSetupColumn(f);
  std::vector<const char*> all = {kind.c_str()};
  all.insert(all.end(), fields.begin(), fields.end());
  headersWithHelp((kind + "_fields").c_str(), all);
  for (size_t i = 0; i < info.size(); ++i) {
    ImGui::TableNextRow();
    ImGui::TableSetColumnIndex(0);
    ImGui::PushID(static_cast<int>(i));
    if (ImGui::Selectable(names[i].c_str(), false, ImGuiSelectableFlags_SpanAllColumns))
      selectInGraph(state, kind == "input" ? static_cast<int>(i) : -1);
    ImGui::PopID();
    for (size_t c = 0; c < fields.size(); ++c) {
      ImGui::TableSetColumnIndex(static_cast<int>(c + 1));
      ImGui::TextUnformatted(cell(info[i][fields[c]]).c_str());
    }
  }
  ImGui::EndTable();
}

}  // namespace

void drawMetadataPanel(AppState& state) {
  if (!ImGui::Begin("Metadata", &state.show.metadata)) {
    ImGui::End();
    return;
  }
  const pipeline::Snapshot* md = nullptr;
  const pipeline::InputsResult* inputs = nullptr;
  const auto snaps = state.visibleSnapshots();
  for (const auto& s : snaps) {
    if (s->stage == pipeline::StageId::Metadata && s->status == pipeline::StageStatus::Done && !s->meta.empty()) md = s.get();
    if (s->stage == pipeline::StageId::Inputs) inputs = s->as<pipeline::InputsResult>();
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
  std::vector<std::string> input_names;
  for (size_t i = 0; i < m["input_info"].size(); ++i)
    input_names.push_back(inputs && i < inputs->inputs.size() ? inputs->inputs[i].name : "input " + std::to_string(i));
  std::vector<std::string> output_names;
  for (size_t i = 0; i < m["output_info"].size(); ++i) output_names.push_back("output " + std::to_string(i));
  metaTable(state, "input", m["input_info"], input_names,
            {"mutates_data", "mutates_metadata", "mutation_type", "requires_grad", "is_leaf",
             "mutations_hidden_from_autograd"},
            12);
  metaTable(state, "output", m["output_info"], output_names,
            {"output_type", "base_idx", "requires_grad", "requires_grad_for_backward"}, 8);
  ImGui::End();
}

}  // namespace aotviz::gui
