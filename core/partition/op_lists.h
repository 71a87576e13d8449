// core/partition/op_lists.h — the operator lists the partitioners consult (spec §4.4 "Op lists", §8.3).
// Matching is by operator packet (overload-insensitive): "mm" for aten::mm, "getitem" for outputs of
// multi-output nodes.
#pragma once

#include <string>
#include <unordered_set>

#include "core/partition/partition.h"

namespace aotviz::partition::detail {

struct OpLists {
  std::unordered_set<std::string> recomputable, view, random, compute_intensive;
  /// Ops whose autograd node saves their own (differentiable) output, as "packet" (every overload) or
  /// "packet.overload" ("max." is the overload-less aten::max). Current rules only; see Note [Saved outputs are
  /// detached] in joint_view.cpp.
  std::unordered_set<std::string> saves_result;
  bool savesResult(const std::string& p, const std::string& overload) const {
    return saves_result.count(p) > 0 || saves_result.count(p + "." + overload) > 0;
  }
  bool isRecomputable(const std::string& p) const { return recomputable.count(p) > 0; }
  bool isView(const std::string& p) const { return view.count(p) > 0; }
  bool isRandom(const std::string& p) const { return random.count(p) > 0; }
  bool isComputeIntensive(const std::string& p) const { return compute_intensive.count(p) > 0; }
  bool isFusible(const std::string& p) const { return isRecomputable(p) || isRandom(p); }
};

const OpLists& opLists(Rules rules);

}  // namespace aotviz::partition::detail
