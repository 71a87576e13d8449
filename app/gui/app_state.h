// app/gui/app_state.h — what the GUI shows and remembers between frames. UI state only: model data lives in
// core's snapshots, which panels read and never own.
#pragma once

#include <string>
#include <vector>

namespace aotviz::gui {

enum class LogLevel { Info, Warning, Error };

struct LogLine {
  LogLevel level = LogLevel::Info;
  std::string stage;
  std::string text;
};

struct PanelVisibility {
  bool pipeline = true, graph = true, inspector = true, metadata = true, partition = true, execution = true, log = true;
};

struct AppState {
  std::string model;           // built-in model name or .pt path being debugged
  std::string device = "cpu";  // device the compiled graphs run on
  int current_stage = -1;      // index into pipeline::stageList(); -1 = paused before the first stage
  int graph_tab = 0;           // 0 joint, 1 forward, 2 backward
  PanelVisibility show;
  std::vector<LogLine> log;
  bool quit_requested = false;

  void addLog(LogLevel level, std::string stage, std::string text) {
    log.push_back({level, std::move(stage), std::move(text)});
  }
};

}  // namespace aotviz::gui
