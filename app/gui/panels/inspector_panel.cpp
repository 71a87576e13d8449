// app/gui/panels/inspector_panel.cpp — the Inspector panel.
#include <imgui.h>

#include "app/gui/panels/panels.h"

namespace aotviz::gui {

void drawInspectorPanel(AppState& state) {
  if (!ImGui::Begin("Inspector", &state.show.inspector)) {
    ImGui::End();
    return;
  }
  emptyState("No node selected. Select a node in the Graph panel to see its schema, arguments, metadata and partition decision.");
  ImGui::End();
}

}  // namespace aotviz::gui
