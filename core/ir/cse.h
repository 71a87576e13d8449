// core/ir/cse.h — common-subexpression elimination over the graph IR (torch.fx's fx_graph_cse, which
// AOTAutograd's min-cut partitioner runs on the joint graph before cutting).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "core/ir/graph.h"

namespace aotviz::ir {

/// Replaces every call node that repeats an earlier one (same operator, overload and arguments after earlier
/// replacements, and the same `partition_key`, when given, indexed by NodeId) by that earlier node, then removes
/// the repeats. Random ops (nondeterministic_seeded) and ops that mutate an argument are never merged. With
/// `torch2` (PyTorch 2.x's fx_graph_cse, compile_utils.py) neither are aten.empty (its contents are undefined, so
/// two are not the same value) nor nodes whose result shares storage with a graph output (two outputs that are
/// separate tensors in eager stay separate). As in PyTorch, a node whose arguments differ from an earlier one's
/// only by -1 where that has -2 is not merged and blocks later repeats (Note [CPython's hash(-1)]). Names are kept. Returns (removed node name, node it was merged into)
/// pairs, in graph order.
///
///   before:  view = view(getitem, [256, 128]); view_3 = view(getitem, [256, 128]); mm(view_3, t_1)
///   after:   view = view(getitem, [256, 128]); mm(view, t_1)
std::vector<std::pair<std::string, std::string>> eliminateCommonSubexpressions(
    Graph& g, const std::vector<int>& partition_key = {}, bool torch2 = true);

}  // namespace aotviz::ir
