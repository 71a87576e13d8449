// core/partition/partitioners.h — the two partitioners' choice of saved values (internal to core/partition).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "core/partition/joint_view.h"

namespace aotviz::partition::detail {

/// What a partitioner decided before extraction: the items to save (joint order), and why nodes were banned
/// from recomputation or recomputed for the memory budget.
struct Choice {
  std::vector<int> saved;
  std::map<int, Rule> banned;           // item → the rule that banned its recomputation
  std::vector<char> budget_recompute;   // per item: recomputed to meet the memory budget
  bool used_default = false;            // min-cut fell back to the default partition
  std::vector<std::string> notes;
};

bool hasOverride(const JointView& v, const Options& o, int item, Override kind);

Choice defaultPartition(const JointView& v, const Options& o);
Choice minCutPartition(const JointView& v, const Options& o);

}  // namespace aotviz::partition::detail
