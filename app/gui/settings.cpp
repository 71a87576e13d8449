// app/gui/settings.cpp — the settings file: recent files and panel visibility, read at start and written on exit.
#include "app/gui/settings.h"

#include <nlohmann/json.hpp>

#include <cstdlib>
#include <iostream>
#include <string>

#include "core/util/atomic_file.h"

namespace aotviz::gui {

std::filesystem::path settingsPath() {
  if (const char* x = std::getenv("XDG_CONFIG_HOME"); x && *x) return std::filesystem::path(x) / "aotviz" / "settings.json";
  if (const char* h = std::getenv("HOME"); h && *h) return std::filesystem::path(h) / ".config" / "aotviz" / "settings.json";
  return "aotviz-settings.json";
}

void loadSettings(AppState& s) {
  if (!std::filesystem::exists(settingsPath())) return;
  try {
    auto j = nlohmann::json::parse(util::readFile(settingsPath(), 1 << 20));
    for (const auto& r : j.value("recent", nlohmann::json::array()))
      if (r.is_string()) s.dialogs.recent.push_back(r.get<std::string>());
    const auto v = j.value("show", nlohmann::json::object());
    s.show.pipeline = v.value("pipeline", true);
    s.show.graph = v.value("graph", true);
    s.show.inspector = v.value("inspector", true);
    s.show.metadata = v.value("metadata", true);
    s.show.partition = v.value("partition", true);
    s.show.memory = v.value("memory", true);
    s.show.execution = v.value("execution", true);
    s.show.log = v.value("log", true);
    s.show.memory_wide = v.value("memory_wide", false);
  } catch (const std::exception& e) {
    s.dialogs.recent.clear();  // nothing half-read
    s.show = decltype(s.show){};
    s.addLog(LogLevel::Warning, "settings", settingsPath().string() + " is damaged (" + e.what() +
                                                "); using the defaults, it is rewritten on exit");
  }
}

void saveSettings(const AppState& s) {
  try {
    nlohmann::json j = {{"recent", s.dialogs.recent},
                        {"show",
                         {{"pipeline", s.show.pipeline}, {"graph", s.show.graph}, {"inspector", s.show.inspector},
                          {"metadata", s.show.metadata}, {"partition", s.show.partition}, {"memory", s.show.memory},
                          {"execution", s.show.execution}, {"log", s.show.log},
                          {"memory_wide", s.show.memory_wide}}}};
    std::filesystem::create_directories(settingsPath().parent_path());
    util::writeFileAtomic(settingsPath(), j.dump(1) + "\n");
  } catch (const std::exception& e) {
    std::cerr << "warning: could not save settings: " << e.what() << "\n";
  }
}

}  // namespace aotviz::gui
