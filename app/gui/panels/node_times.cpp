// app/gui/panels/node_times.cpp — per-node times from the execution stage's Chrome trace, parsed once per snapshot
// (the Graph panel's heat and the Inspector read them every frame).
#include "app/gui/panels/panels.h"

namespace aotviz::gui {

const NodeTimes& nodeTimes(AppState& state) {
  pipeline::SnapshotPtr ex;
  for (const auto& s : state.visibleSnapshots())
    if (s->as<pipeline::ExecutionResult>()) ex = s;
  if (ex == state.node_times.from) return state.node_times;
  NodeTimes t;
  t.from = ex;
  if (ex) {
    std::map<int, std::string> tracks;  // tid → "forward #0", "backward #1", ...
    int first_tid[2] = {-1, -1};        // the step's first forward and backward runs
    const auto* result = ex->as<pipeline::ExecutionResult>();
    for (const auto& e : result->chrome_trace["traceEvents"]) {
      const std::string ph = e.value("ph", "");
      if (ph == "M") {
        const int tid = e.value("tid", 0);
        const std::string& name = tracks[tid] = e["args"].value("name", "");
        const int run = name.rfind("forward", 0) == 0 ? 0 : name.rfind("backward", 0) == 0 ? 1 : -1;
        if (run >= 0 && first_tid[run] < 0) first_tid[run] = tid;
      }
      if (ph != "X" || !e.contains("args")) continue;
      const std::string node = e["args"].value("node", "");
      const double us = e.value("dur", 0.0);
      const std::string& track = tracks[e.value("tid", 0)];
      t.by_track[""][node] += us;
      t.by_track[track.substr(0, track.find(' '))][node] += us;
      t.first.emplace(node, us);
      for (int run = 0; run < 2; ++run)
        if (e.value("tid", 0) == first_tid[run]) t.live_bytes[run].emplace(node, e["args"].value("live_bytes", int64_t{0}));
    }
    t.step_ms = result->report.compiled.median_step_ms;
  }
  state.node_times = std::move(t);
  return state.node_times;
}

}  // namespace aotviz::gui
