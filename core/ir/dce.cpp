// core/ir/dce.cpp — dead-code elimination.
#include "core/ir/dce.h"

#include "core/ir/op_registry.h"

namespace aotviz::ir {

bool mutatesArgument(const Node& n) {
  if (n.kind != NodeKind::Call) return false;
  const SchemaInfo* s = lookupSchema(n.op, n.overload);
  return !s || s->writes_argument;  // an unknown op is kept: we cannot prove it pure
}

bool neverDead(const Node& n) {
  return n.op == "aotviz::set_rng_state" || n.op == "aotviz::get_rng_state" || mutatesArgument(n);
}

size_t eliminateDeadCode(Graph& g) {
  std::vector<int32_t> uses(g.values.size(), 0);
  auto addUses = [&uses](const Node& n, int32_t delta) {
    for (const Arg& a : n.args) {
      if (a.kind == Arg::Kind::Value && a.value.valid()) uses[static_cast<size_t>(a.value.v)] += delta;
      if (a.kind == Arg::Kind::ValueList)
        for (ValueId v : a.values)
          if (v.valid()) uses[static_cast<size_t>(v.v)] += delta;
    }
  };
  for (const Node& n : g.nodes) addUses(n, 1);
  std::vector<char> dead(g.nodes.size(), 0);
  size_t removed = 0;
  for (size_t i = g.nodes.size(); i-- > 0;) {
    const Node& n = g.nodes[i];
    if (n.kind != NodeKind::Call) continue;
    bool used = false;
    for (ValueId v : n.outputs) used = used || uses[static_cast<size_t>(v.v)] > 0;
    if (used || neverDead(n)) continue;
    dead[i] = 1;
    ++removed;
    addUses(n, -1);
  }
  if (removed == 0) return 0;
  std::vector<Node> kept;
  kept.reserve(g.nodes.size() - removed);
  for (size_t i = 0; i < g.nodes.size(); ++i)
    if (!dead[i]) kept.push_back(std::move(g.nodes[i]));
  g.nodes = std::move(kept);
  g.compact();
  return removed;
}

}  // namespace aotviz::ir
