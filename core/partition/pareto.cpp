// core/partition/pareto.cpp — see pareto.h.
#include "core/partition/pareto.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <string>
#include <unordered_set>

namespace aotviz::partition {

namespace {

struct Run {
  double budget = 0;
  int64_t saved_bytes = 0, activation_bytes = 0;
  double runtime = 0;
  size_t recomputed = 0;
  bool operator==(const Run& o) const { return saved_bytes == o.saved_bytes && runtime == o.runtime && recomputed == o.recomputed; }
};

}  // namespace

ParetoSweep paretoSweep(const ir::Graph& joint, size_t num_fwd_outputs, const std::vector<size_t>& static_inputs,
                        Options base, size_t max_partitions, double tolerance, const std::function<void(float)>& progress) {
  const auto t0 = std::chrono::steady_clock::now();
  base.partitioner = Partitioner::MinCut;
  ParetoSweep out;
  const size_t budget_runs = std::max<size_t>(max_partitions, 2);
  auto run = [&](double b) {
    Options o = base;
    o.memory_budget = b;
    const PartitionResult r = partitionJoint(joint, num_fwd_outputs, static_inputs, o);
    Run x;
    x.budget = b;
    x.saved_bytes = r.totals.saved_bytes;
    x.activation_bytes = r.totals.activation_bytes;
    x.recomputed = r.totals.recomputed_nodes;
    std::unordered_set<std::string> recomputed;
    for (const NodeDecision& d : r.nodes)
      if (d.placement == Placement::Recomputed) recomputed.insert(d.name);
    for (const ir::Node& n : r.joint.nodes)
      if (recomputed.count(n.name)) x.runtime += estimateRuntime(r.joint, n);
    ++out.partitions;
    if (progress) progress(static_cast<float>(out.partitions) / static_cast<float>(budget_runs));
    return x;
  };
  std::map<double, Run> runs;  // by budget
  runs[0.0] = run(0.0);
  runs[1.0] = run(1.0);
  // Bisection, widest interval first, over intervals whose ends partition differently.
  std::vector<std::pair<double, double>> open;
  if (!(runs[0.0] == runs[1.0])) open.emplace_back(0.0, 1.0);
  while (!open.empty() && out.partitions < budget_runs) {
    auto widest = std::max_element(open.begin(), open.end(),
                                   [](const auto& a, const auto& b) { return a.second - a.first < b.second - b.first; });
    const auto [lo, hi] = *widest;
    open.erase(widest);
    if (hi - lo < tolerance) continue;
    const double mid = (lo + hi) / 2;
    runs[mid] = run(mid);
    if (!(runs[mid] == runs[lo])) open.emplace_back(lo, mid);
    if (!(runs[mid] == runs[hi])) open.emplace_back(mid, hi);
  }
  const double lo_bytes = static_cast<double>(runs[0.0].saved_bytes), hi_bytes = static_cast<double>(runs[1.0].saved_bytes);
  const Run* previous = nullptr;
  for (const auto& [b, r] : runs) {
    if (previous && *previous == r) continue;  // the same partition as the budget below
    previous = &r;
    ParetoPoint p;
    p.budget = b;
    p.saved_bytes = r.saved_bytes;
    p.activation_bytes = r.activation_bytes;
    p.memory_ratio = hi_bytes > lo_bytes ? (static_cast<double>(r.saved_bytes) - lo_bytes) / (hi_bytes - lo_bytes) : 1.0;
    p.recompute_runtime = r.runtime;
    p.recomputed_nodes = r.recomputed;
    out.points.push_back(p);
  }
  // The knee: both axes min-max scaled, the point nearest the origin.
  if (!out.points.empty()) {
    double m0 = 1e300, m1 = -1e300, r0 = 1e300, r1 = -1e300;
    for (const auto& p : out.points) {
      m0 = std::min(m0, p.memory_ratio), m1 = std::max(m1, p.memory_ratio);
      r0 = std::min(r0, p.recompute_runtime), r1 = std::max(r1, p.recompute_runtime);
    }
    double best = 1e300;
    for (size_t i = 0; i < out.points.size(); ++i) {
      const double m = m1 > m0 ? (out.points[i].memory_ratio - m0) / (m1 - m0) : 0;
      const double r = r1 > r0 ? (out.points[i].recompute_runtime - r0) / (r1 - r0) : 0;
      const double d = std::hypot(m, r);
      if (d < best) best = d, out.knee = static_cast<int>(i);
    }
  }
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return out;
}

nlohmann::json paretoToJson(const ParetoSweep& s) {
  nlohmann::json points = nlohmann::json::array();
  for (const auto& p : s.points)
    points.push_back({{"budget", p.budget},
                      {"memory_ratio", p.memory_ratio},
                      {"saved_bytes", p.saved_bytes},
                      {"activation_bytes", p.activation_bytes},
                      {"recompute_runtime", p.recompute_runtime},
                      {"recomputed_nodes", p.recomputed_nodes}});
  return {{"format", "aotviz.pareto"},
          {"version", 1},
          {"points", points},
          {"knee", s.knee},
          {"partitions", s.partitions},
          {"seconds", s.seconds},
          {"axes", {{"x", "memory_ratio: saved bytes, 0 = budget 0's, 1 = budget 1's"},
                    {"y", "recompute_runtime: PyTorch's flops estimate of the recomputed ops"}}}};
}

}  // namespace aotviz::partition
