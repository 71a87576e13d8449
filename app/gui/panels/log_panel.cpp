// app/gui/panels/log_panel.cpp — messages from the pipeline: stage, level, text.
#include <imgui.h>

#include "app/gui/panels/panels.h"

namespace aotviz::gui {

void drawLogPanel(AppState& state) {
  if (!ImGui::Begin("Log", &state.show.log)) {
    ImGui::End();
    return;
  }
  if (state.log.empty()) {
    emptyState("No messages.");
    ImGui::End();
    return;
  }
  for (size_t i = 0; i < state.log.size(); ++i) {
    const LogLine& l = state.log[i];
    ImVec4 colour = l.level == LogLevel::Error     ? ImVec4(1.0f, 0.45f, 0.4f, 1.0f)
                    : l.level == LogLevel::Warning ? ImVec4(1.0f, 0.8f, 0.35f, 1.0f)
                                                   : ImGui::GetStyleColorVec4(ImGuiCol_Text);
    ImGui::PushID(static_cast<int>(i));
    ImGui::PushStyleColor(ImGuiCol_Text, colour);
    ImGui::TextWrapped("[%s] %s", l.stage.c_str(), l.text.c_str());  // long diagnostics wrap, hints stay visible
    ImGui::PopStyleColor();
    ImGui::PopID();
  }
  if (ImGui::GetScrollY() >= ImGui::GetScrollMaxY()) ImGui::SetScrollHereY(1.0f);
  ImGui::End();
}

}  // namespace aotviz::gui
