// app/gui/scenarios.h — the teaching gallery (Help > Scenarios): assets/teaching/scenarios.json.
#pragma once

#include <string>
#include <vector>

namespace aotviz::gui {

struct Scenario {
  std::string title, model, stage, what;
  int tab = 0;  // the Graph panel tab it opens on: 0 joint, 1 forward, 2 backward
};

/// $AOTVIZ_ASSETS_DIR, else the source tree's assets/.
std::string assetsDir();

/// The gallery, read once; empty (no menu entries) when the assets are missing or damaged.
const std::vector<Scenario>& scenarios();

}  // namespace aotviz::gui
