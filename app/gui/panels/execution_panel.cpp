// app/gui/panels/execution_panel.cpp — the Execution panel.
#include <imgui.h>

#include "app/gui/panels/panels.h"

namespace aotviz::gui {

void drawExecutionPanel(AppState& state) {
  if (!ImGui::Begin("Execution", &state.show.execution)) {
    ImGui::End();
    return;
  }
  emptyState("Nothing has run yet. After the runtime stage, run eager and compiled side by side here.");
  ImGui::End();
}

}  // namespace aotviz::gui
