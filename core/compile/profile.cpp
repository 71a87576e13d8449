// core/compile/profile.cpp — profiled runs to and from their Chrome trace form.
#include "core/compile/profile.h"

#include <algorithm>
#include <map>

#include "core/util/json_read.h"

namespace aotviz::exec {

namespace {
const util::JsonReader kR{"load", "the execution stage's trace is damaged or from another aotviz version"};
}

nlohmann::json chromeTrace(const std::vector<Profile>& runs) {
  nlohmann::json events = nlohmann::json::array();
  double offset = 0;  // runs are laid end to end
  for (size_t r = 0; r < runs.size(); ++r) {
    const Profile& p = runs[r];
    events.push_back({{"name", "thread_name"}, {"ph", "M"}, {"pid", 0}, {"tid", r},
                      {"args", {{"name", p.graph + " #" + std::to_string(r)}, {"graph", p.graph},
                                {"total_us", p.total_us}, {"peak_live_bytes", p.peak_live_bytes}}}});
    for (const NodeTiming& n : p.nodes)
      events.push_back({{"name", n.op},
                        {"cat", p.graph},
                        {"ph", "X"},
                        {"pid", 0},
                        {"tid", r},
                        {"ts", offset + n.start_us},
                        {"dur", n.dur_us},
                        {"args", {{"node", n.name}, {"start_us", n.start_us}, {"out_bytes", n.out_bytes},
                                  {"live_bytes", n.live_bytes}}}});
    offset += p.total_us;
  }
  return {{"traceEvents", events}, {"displayTimeUnit", "ms"}};
}

std::vector<Profile> profileFromChromeTrace(const nlohmann::json& trace, const std::string& path) {
  if (!trace.is_object()) kR.bad(path, "expected a Chrome trace object with a traceEvents array");
  const std::string ep = path + ".traceEvents";
  const nlohmann::json& events = kR.array(kR.field(trace, "traceEvents", path), ep);
  std::vector<Profile> runs;
  std::map<int64_t, size_t> run_of_tid;
  std::vector<bool> has_total;
  auto runOf = [&](int64_t tid, const std::string& p) -> size_t {
    auto it = run_of_tid.find(tid);
    if (it == run_of_tid.end())
      kR.bad(p + ".tid", "a slice on track " + std::to_string(tid) + ", which no earlier thread_name event names");
    return it->second;
  };
  for (size_t i = 0; i < events.size(); ++i) {
    const std::string p = util::indexPath(ep, i);
    const nlohmann::json& e = events[i];
    if (!e.is_object()) kR.bad(p, "expected an object");
    const std::string ph = kR.stringAt(e, "ph", p);
    const int64_t tid = kR.intAt(e, "tid", p);
    const nlohmann::json& args = kR.field(e, "args", p);
    if (!args.is_object()) kR.bad(p + ".args", "expected an object");
    if (ph == "M") {
      if (run_of_tid.count(tid)) kR.bad(p + ".tid", "track " + std::to_string(tid) + " is named twice");
      Profile run;
      const std::string name = kR.stringAt(args, "name", p + ".args");
      run.graph = args.contains("graph") ? kR.stringAt(args, "graph", p + ".args") : name.substr(0, name.find(' '));
      has_total.push_back(args.contains("total_us"));
      if (has_total.back()) {
        run.total_us = kR.doubleAt(args, "total_us", p + ".args");
        run.peak_live_bytes = kR.intAt(args, "peak_live_bytes", p + ".args");
      }
      run_of_tid[tid] = runs.size();
      runs.push_back(std::move(run));
    } else if (ph == "X") {
      NodeTiming n;
      n.op = kR.stringAt(e, "name", p);
      n.dur_us = kR.doubleAt(e, "dur", p);
      n.name = kR.stringAt(args, "node", p + ".args");
      n.out_bytes = kR.intAt(args, "out_bytes", p + ".args");
      n.live_bytes = kR.intAt(args, "live_bytes", p + ".args");
      const size_t r = runOf(tid, p);
      // start_us: exact in a trace that has it (its tracks carry total_us); else from ts, corrected below once the
      // earlier runs' totals are known.
      n.start_us = has_total[r] ? kR.doubleAt(args, "start_us", p + ".args") : kR.doubleAt(e, "ts", p);
      runs[r].nodes.push_back(std::move(n));
    } else {
      kR.bad(p + ".ph", "expected \"M\" (a track's name) or \"X\" (a node's slice), not \"" + ph + "\"");
    }
  }
  // Traces without the exact fields: ts is the run's offset (the earlier runs' totals) plus start_us.
  double offset = 0;
  for (size_t r = 0; r < runs.size(); ++r) {
    Profile& run = runs[r];
    if (!has_total[r]) {
      for (NodeTiming& n : run.nodes) n.start_us -= offset;
      for (const NodeTiming& n : run.nodes) {
        run.total_us = std::max(run.total_us, n.start_us + n.dur_us);
        run.peak_live_bytes = std::max(run.peak_live_bytes, n.live_bytes);
      }
    }
    offset += run.total_us;
  }
  return runs;
}

}  // namespace aotviz::exec
