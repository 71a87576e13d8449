// app/gui/panels/partition_panel.cpp — the Partition panel.
#include <imgui.h>

#include "app/gui/panels/panels.h"

namespace aotviz::gui {

void drawPartitionPanel(AppState& state) {
  if (!ImGui::Begin("Partition", &state.show.partition)) {
    ImGui::End();
    return;
  }
  emptyState("No partition yet. The partition stage shows saved values, their bytes and why each node was saved or recomputed.");
  ImGui::End();
}

}  // namespace aotviz::gui
