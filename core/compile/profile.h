// core/compile/profile.h — what the interpreter measures of one graph run (per node: start, duration, bytes), and
// its file form, the Chrome trace (chrome://tracing, Perfetto). Torch-free: the execution stage's result, the
// session files and the app's time heat read these structs; JSON exists only in chromeTrace and its reader.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace aotviz::exec {

/// One executed node: when it started (µs since the run began), how long it took, the bytes of its outputs and the
/// bytes the run held just after it (distinct storages of live values, inputs included: our own accounting, not
/// the allocator's).
struct NodeTiming {
  std::string name, op;
  double start_us = 0, dur_us = 0;
  int64_t out_bytes = 0, live_bytes = 0;
  bool operator==(const NodeTiming& o) const {
    return name == o.name && op == o.op && start_us == o.start_us && dur_us == o.dur_us &&
           out_bytes == o.out_bytes && live_bytes == o.live_bytes;
  }
};

/// Per-node profile of one graph run (steady clock on CPU).
struct Profile {
  std::string graph;  // "forward", "backward", "inference"
  double total_us = 0;
  int64_t peak_live_bytes = 0;
  std::vector<NodeTiming> nodes;
  bool operator==(const Profile& o) const {
    return graph == o.graph && total_us == o.total_us && peak_live_bytes == o.peak_live_bytes && nodes == o.nodes;
  }
};

/// Chrome trace JSON of profiled runs laid end to end: one track per run ("forward #0", "backward #1", ...), one
/// slice per node. Each track's metadata event also carries the run's total_us and peak_live_bytes, and each slice
/// its start_us within the run, so profileFromChromeTrace reads back exactly what was written.
nlohmann::json chromeTrace(const std::vector<Profile>& runs);

/// Reads chromeTrace's output back. Throws AotError (stage "load") naming the JSON path under `path` of a missing
/// or mistyped field. A trace written before the extra fields existed reads too: start_us from the slice's ts less
/// the earlier runs' totals, a run's total as the end of its last slice (so a later run's starts can be off by
/// the time between an earlier run's last slice and its end), its peak as its highest live_bytes.
std::vector<Profile> profileFromChromeTrace(const nlohmann::json& trace, const std::string& path);

}  // namespace aotviz::exec
