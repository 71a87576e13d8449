// app/gui/panels/metadata_panel.cpp — the Metadata panel.
#include <imgui.h>

#include "app/gui/panels/panels.h"

namespace aotviz::gui {

void drawMetadataPanel(AppState& state) {
  if (!ImGui::Begin("Metadata", &state.show.metadata)) {
    ImGui::End();
    return;
  }
  emptyState("No metadata yet. The metadata stage fills the inputs and outputs tables (mutations and aliasing).");
  ImGui::End();
}

}  // namespace aotviz::gui
