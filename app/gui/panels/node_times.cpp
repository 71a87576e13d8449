// app/gui/panels/node_times.cpp — per-node times from the execution stage's profiled runs, summed once per snapshot
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
    const auto* result = ex->as<pipeline::ExecutionResult>();
    bool first_seen[2] = {false, false};  // the step's first forward and backward runs give the live bytes
    for (const exec::Profile& run : result->profile) {
      const int kind = run.graph == "forward" ? 0 : run.graph == "backward" ? 1 : -1;
      const bool first = kind >= 0 && !first_seen[kind];
      if (first) first_seen[kind] = true;
      for (const exec::NodeTiming& n : run.nodes) {
        t.by_track[""][n.name] += n.dur_us;
        t.by_track[run.graph][n.name] += n.dur_us;
        t.first.emplace(n.name, n.dur_us);
        if (first) t.live_bytes[kind].emplace(n.name, n.live_bytes);
      }
    }
    t.step_ms = result->report.compiled.median_step_ms;
  }
  state.node_times = std::move(t);
  return state.node_times;
}

}  // namespace aotviz::gui
