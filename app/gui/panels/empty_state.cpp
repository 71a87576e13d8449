// app/gui/panels/empty_state.cpp — the shared "nothing here yet" line used by every panel.
#include <imgui.h>

#include "app/gui/panels/panels.h"

namespace aotviz::gui {

void emptyState(const char* text) {
  ImVec2 avail = ImGui::GetContentRegionAvail();
  ImVec2 size = ImGui::CalcTextSize(text, nullptr, false, avail.x);
  ImGui::SetCursorPos(ImVec2(ImGui::GetCursorPosX() + std::max(0.0f, (avail.x - size.x) * 0.5f),
                             ImGui::GetCursorPosY() + std::max(0.0f, (avail.y - size.y) * 0.5f)));
  ImGui::PushStyleColor(ImGuiCol_Text, ImGui::GetStyleColorVec4(ImGuiCol_TextDisabled));
  ImGui::PushTextWrapPos(ImGui::GetCursorPosX() + avail.x);
  ImGui::TextUnformatted(text);
  ImGui::PopTextWrapPos();
  ImGui::PopStyleColor();
}

}  // namespace aotviz::gui
