// core/partition/pareto.h — the activation-memory-budget Pareto curve: the min-cut partitioner run over budgets
// in [0, 1], with what each saves and what it recomputes, as PyTorch's partitioner sweeps it for its
// visualize_memory_budget_pareto plot (partitioners.py, get_saved_values_knapsack), plus the knee.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/partition/partition.h"

namespace aotviz::partition {

struct ParetoPoint {
  double budget = 0;            // the activation_memory_budget the partition ran with
  double memory_ratio = 0;      // its saved bytes between budget 0's (0) and budget 1's (1): PyTorch's get_mem_ratio
  int64_t saved_bytes = 0, activation_bytes = 0;
  double recompute_runtime = 0;  // estimateRuntime summed over the recomputed nodes (FLOPs; 1 per other op)
  size_t recomputed_nodes = 0;
};

struct ParetoSweep {
  std::vector<ParetoPoint> points;  // by budget; points whose partition equals a neighbour's are not repeated
  /// The knee: the point closest to the origin once both axes are scaled to [0, 1] (PyTorch's
  /// KnapsackEvaluator.get_knee_point_memory_budget rule); -1 without points.
  int knee = -1;
  size_t partitions = 0;  // partitioner runs the sweep took
  double seconds = 0;
};

/// Sweeps the budget by bisection as PyTorch does: budgets 0 and 1, then the midpoint of every interval whose two
/// ends partition differently, until the interval is under `tolerance` wide or `max_partitions` partitioner runs
/// are spent (the widest intervals first; PyTorch's own sweep has no such bound). `base` gives the other options
/// (rules, overrides, random ops); the partitioner is min-cut. `progress` (may be empty) gets values in [0, 1].
/// Throws AotError (stage "partition") as partitionJoint does.
ParetoSweep paretoSweep(const ir::Graph& joint, size_t num_fwd_outputs, const std::vector<size_t>& static_inputs,
                        Options base, size_t max_partitions = 20, double tolerance = 1e-3,
                        const std::function<void(float)>& progress = {});

/// pareto.json: the points, the knee and how long the sweep took.
nlohmann::json paretoToJson(const ParetoSweep& s);

}  // namespace aotviz::partition
