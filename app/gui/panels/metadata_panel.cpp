// app/gui/panels/metadata_panel.cpp — ViewAndMutationMeta of the user's function: inputs and outputs tables with
// explanations on hover; clicking a row selects the graph's node.
#include <imgui.h>

#include <algorithm>

#include "app/gui/panels/panels.h"
#include "core/metadata/view_and_mutation_meta.h"
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

/// A column of a table: its field name (PyTorch's, as in meta.json; also the key of its hover help) and its cell.
template <class Info>
struct Column {
  const char* name;
  std::string (*cell)(const Info&);
};

std::string flag(bool b) { return b ? "yes" : "-"; }

const std::vector<Column<meta::InputAliasInfo>>& inputColumns() {
  using I = meta::InputAliasInfo;
  static const std::vector<Column<I>> columns = {
      {"mutates_data", [](const I& i) { return flag(i.mutates_data); }},
      {"mutates_metadata", [](const I& i) { return flag(i.mutates_metadata); }},
      {"mutation_type", [](const I& i) { return std::string(meta::mutationTypeName(i.mutation_type)); }},
      {"requires_grad", [](const I& i) { return flag(i.requires_grad); }},
      {"is_leaf", [](const I& i) { return flag(i.is_leaf); }},
      {"mutations_hidden_from_autograd", [](const I& i) { return flag(i.mutations_hidden_from_autograd); }},
  };
  return columns;
}

const std::vector<Column<meta::OutputAliasInfo>>& outputColumns() {
  using O = meta::OutputAliasInfo;
  static const std::vector<Column<O>> columns = {
      {"output_type", [](const O& o) { return std::string(meta::outputTypeName(o.output_type)); }},
      {"base_idx", [](const O& o) { return o.base_idx < 0 ? std::string("-") : std::to_string(o.base_idx); }},
      {"requires_grad", [](const O& o) { return flag(o.requires_grad); }},
      {"requires_grad_for_backward", [](const O& o) { return flag(o.requires_grad_for_backward); }},
  };
  return columns;
}

/// Asks the Graph panel to select the node of input `i` (the i-th placeholder), or the output node when i < 0.
void selectInGraph(AppState& state, int input_index) {
  if (!state.view_graph) return;
  int k = 0;
  for (const ir::Node& n : state.view_graph->nodes)
    if ((input_index < 0 && n.kind == ir::NodeKind::Output) ||
        (input_index >= 0 && n.kind == ir::NodeKind::Placeholder && k++ == input_index))
      return state.request(request::Select{n.name});
}

/// One table (inputs or outputs): a row per entry of `info`, the columns with their explanation on hover; clicking
/// a row selects the entry's graph node.
template <class Info>
void metaTable(AppState& state, const std::string& kind, const std::vector<Info>& info,
               const std::vector<std::string>& names, const std::vector<Column<Info>>& columns, size_t max_rows) {
  ImGui::Separator();
  ImGui::TextDisabled("%ss", kind.c_str());
  const float h = ImGui::GetTextLineHeightWithSpacing() * static_cast<float>(std::min(info.size() + 2, max_rows));
  if (!ImGui::BeginTable(kind.c_str(), static_cast<int>(columns.size()) + 1,
                         ImGuiTableFlags_RowBg | ImGuiTableFlags_ScrollX | ImGuiTableFlags_ScrollY |
                             ImGuiTableFlags_SizingFixedFit, ImVec2(0, h)))
    return;
  ImGui::TableSetupColumn(kind.c_str());
  std::vector<const char*> all = {kind.c_str()};
  for (const auto& c : columns) {
    ImGui::TableSetupColumn(c.name);
    all.push_back(c.name);
  }
  headersWithHelp((kind + "_fields").c_str(), all);
  for (size_t i = 0; i < info.size(); ++i) {
    ImGui::TableNextRow();
    ImGui::TableSetColumnIndex(0);
    ImGui::PushID(static_cast<int>(i));
    if (ImGui::Selectable(names[i].c_str(), false, ImGuiSelectableFlags_SpanAllColumns))
      selectInGraph(state, kind == "input" ? static_cast<int>(i) : -1);
    ImGui::PopID();
    for (size_t c = 0; c < columns.size(); ++c) {
      ImGui::TableSetColumnIndex(static_cast<int>(c + 1));
      ImGui::TextUnformatted(columns[c].cell(info[i]).c_str());
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
  const meta::ViewAndMutationMeta* md = nullptr;  // the user function's
  const pipeline::InputsResult* inputs = nullptr;
  const auto snaps = state.visibleSnapshots();
  for (const auto& s : snaps) {
    if (s->stage == pipeline::StageId::Metadata && s->status == pipeline::StageStatus::Done && s->view_meta)
      md = s->view_meta.get();
    if (s->stage == pipeline::StageId::Inputs) inputs = s->as<pipeline::InputsResult>();
  }
  if (!md) {
    emptyState("No metadata yet. The metadata stage fills the inputs and outputs tables (mutations and aliasing).");
    ImGui::End();
    return;
  }
  const meta::ViewAndMutationMeta& m = *md;
  ImGui::Text("%s graph; %zu mutated input(s) returned, %zu kept in the graph; %zu output(s) alias an input",
              m.is_train ? "training (joint)" : "inference", m.mutatedInpRuntimeIndices().size(),
              m.mutatedGraphHandledIndices().size(), m.numOutputsAliasedToInputs());
  std::vector<std::string> input_names;
  for (size_t i = 0; i < m.input_info.size(); ++i)
    input_names.push_back(inputs && i < inputs->inputs.size() ? inputs->inputs[i].name : "input " + std::to_string(i));
  std::vector<std::string> output_names;
  for (size_t i = 0; i < m.output_info.size(); ++i) output_names.push_back("output " + std::to_string(i));
  metaTable(state, "input", m.input_info, input_names, inputColumns(), 12);
  metaTable(state, "output", m.output_info, output_names, outputColumns(), 8);
  ImGui::End();
}

}  // namespace aotviz::gui
