// app/gui/panels/pipeline_panel.cpp — the stages, their status, and stepping controls.
#include <imgui.h>

#include "app/gui/panels/panels.h"
#include "core/pipeline/stages.h"

namespace aotviz::gui {

void drawPipelinePanel(AppState& state) {
  if (!ImGui::Begin("Pipeline", &state.show.pipeline)) {
    ImGui::End();
    return;
  }
  ImGui::TextDisabled("model: %s", state.model.c_str());
  ImGui::BeginDisabled(true);  // stepping arrives with the debugger session
  ImGui::Button("Step (F10)");
  ImGui::SameLine();
  ImGui::Button("Continue (F5)");
  ImGui::SameLine();
  ImGui::Button("Restart");
  ImGui::EndDisabled();
  ImGui::Separator();
  if (ImGui::BeginTable("stages", 3, ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerV)) {
    ImGui::TableSetupColumn("stage");
    ImGui::TableSetupColumn("status");
    ImGui::TableSetupColumn("time");
    ImGui::TableHeadersRow();
    const auto& stages = pipeline::stageList();
    for (size_t i = 0; i < stages.size(); ++i) {
      ImGui::PushID(static_cast<int>(i));
      ImGui::TableNextRow();
      ImGui::TableSetColumnIndex(0);
      ImGui::TextUnformatted(stages[i].name);
      if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s\nAOTAutograd: %s", stages[i].summary, stages[i].aot_counterpart);
      ImGui::TableSetColumnIndex(1);
      ImGui::TextDisabled("not run");
      ImGui::TableSetColumnIndex(2);
      ImGui::TextDisabled("-");
      ImGui::PopID();
    }
    ImGui::EndTable();
  }
  ImGui::End();
}

}  // namespace aotviz::gui
