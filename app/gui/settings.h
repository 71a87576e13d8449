// app/gui/settings.h — what the desktop app keeps between runs: recent files and panel visibility.
#pragma once

#include <filesystem>

#include "app/gui/app_state.h"

namespace aotviz::gui {

/// $XDG_CONFIG_HOME/aotviz/settings.json, else ~/.config/aotviz/settings.json, else ./aotviz-settings.json.
std::filesystem::path settingsPath();

/// Reads the recent files and panel visibility into `s`. A damaged file is reported in the Log and replaced by the
/// defaults, never fatal.
void loadSettings(AppState& s);

/// Writes them (atomically); a failure is a warning on stderr.
void saveSettings(const AppState& s);

}  // namespace aotviz::gui
