// viz/theme.h — the ImGui style of the app (its colours: palette.h).
#pragma once

#include "viz/palette.h"

namespace aotviz::viz {

/// The app's dark style with the accent colours above.
void applyImGuiStyle();

}  // namespace aotviz::viz
