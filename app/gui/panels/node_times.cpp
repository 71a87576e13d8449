// app/gui/panels/node_times.cpp — per-node times from the execution stage's Chrome trace, parsed once per snapshot
// (the Graph panel's heat and the Inspector read them every frame).
#include "app/gui/panels/panels.h"

namespace aotviz::gui {

namespace {

/// The first track (by tid) whose name starts with `graph`, "" when none.
std::string firstTrack(const std::map<int, std::string>& tracks, const std::string& graph) {
  for (const auto& [tid, name] : tracks)
    if (name.rfind(graph, 0) == 0) return name;
  return "";
}

}  // namespace

const NodeTimes& nodeTimes(AppState& state) {
  pipeline::SnapshotPtr ex;
  for (const auto& s : state.visibleSnapshots())
    if (s->stage == "execution" && s->summary.contains("chrome_trace")) ex = s;
  if (ex == state.node_times.from) return state.node_times;
  NodeTimes t;
  t.from = ex;
  if (ex) {
    std::map<int, std::string> tracks;  // tid → "forward #0", "backward #1", ...
    for (const auto& e : ex->summary["chrome_trace"]["traceEvents"]) {
      const std::string ph = e.value("ph", "");
      if (ph == "M") tracks[e.value("tid", 0)] = e["args"].value("name", "");
      if (ph != "X" || !e.contains("args")) continue;
      const std::string node = e["args"].value("node", "");
      const double us = e.value("dur", 0.0);
      const std::string& track = tracks[e.value("tid", 0)];
      t.by_track[""][node] += us;
      t.by_track[track.substr(0, track.find(' '))][node] += us;
      t.first.emplace(node, us);
      // The step's first forward and backward runs (tracks "forward #0", "backward #1").
      const int run = track.rfind("forward", 0) == 0 ? 0 : track.rfind("backward", 0) == 0 ? 1 : -1;
      if (run >= 0 && track == firstTrack(tracks, run == 0 ? "forward" : "backward"))
        t.live_bytes[run].emplace(node, e["args"].value("live_bytes", int64_t{0}));
    }
    const auto& rep = ex->summary.value("report", nlohmann::json::object());
    if (rep.contains("compiled") && rep["compiled"].is_object())
      t.step_ms = rep["compiled"].value("median_step_ms", 0.0);
  }
  state.node_times = std::move(t);
  return state.node_times;
}

}  // namespace aotviz::gui
