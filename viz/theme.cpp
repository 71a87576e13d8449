// viz/theme.cpp — colour table and ImGui style.
#include "viz/theme.h"

#include <imgui.h>

namespace aotviz::viz {

void applyImGuiStyle() {
  ImGui::StyleColorsDark();
  ImGuiStyle& style = ImGui::GetStyle();
  style.WindowRounding = 0.0f;
  style.FrameRounding = 2.0f;
  style.WindowBorderSize = 1.0f;
  style.Colors[ImGuiCol_TitleBgActive] = ImVec4(0.16f, 0.29f, 0.48f, 1.0f);
  style.Colors[ImGuiCol_Header] = ImVec4(0.20f, 0.32f, 0.50f, 0.6f);
}

}  // namespace aotviz::viz
