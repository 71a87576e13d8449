// app/gui/panels/graph_panel.cpp — the Graph panel.
#include <imgui.h>

#include "app/gui/panels/panels.h"

namespace aotviz::gui {

void drawGraphPanel(AppState& state) {
  if (!ImGui::Begin("Graph", &state.show.graph)) {
    ImGui::End();
    return;
  }
  if (ImGui::BeginTabBar("graph_tabs")) {
    const char* tabs[] = {"Joint", "Forward", "Backward"};
    for (int i = 0; i < 3; ++i)
      if (ImGui::BeginTabItem(tabs[i])) {
        state.graph_tab = i;
        ImGui::EndTabItem();
      }
    ImGui::EndTabBar();
  }
  emptyState("No graph yet. Step through the pipeline to the joint stage to see the joint forward+backward graph.");
  ImGui::End();
}

}  // namespace aotviz::gui
