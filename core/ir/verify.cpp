// core/ir/verify.cpp — IR verifier.
#include "core/ir/verify.h"

#include <string>
#include <string_view>
#include <unordered_set>

#include "core/util/build_info.h"
#include "core/ir/op_registry.h"

namespace aotviz::ir {

std::vector<Diagnostic> verify(const Graph& g, const VerifyOptions& opts) {
  std::vector<Diagnostic> out;
  auto report = [&out](const Node* n, std::string msg) {
    Diagnostic d;
    d.stage = "verify";
    if (n) {
      d.node = n->name;
      d.node_id = n->id.v;
    }
    d.message = std::move(msg);
    out.push_back(std::move(d));
  };
  std::vector<char> defined(g.values.size(), 0);
  for (size_t i = 0; i < g.values.size(); ++i)
    if (g.values[i].id.v != static_cast<int32_t>(i)) report(nullptr, "value " + std::to_string(i) + " has id " + std::to_string(g.values[i].id.v));
  std::unordered_set<std::string_view> names;
  names.reserve(g.nodes.size());
  bool seen_call = false;
  size_t outputs_seen = 0;
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    const Node& n = g.nodes[i];
    if (n.id.v != static_cast<int32_t>(i)) report(&n, "node at position " + std::to_string(i) + " has id " + std::to_string(n.id.v));
    if (!names.insert(n.name).second) report(&n, "duplicate node name '" + n.name + "'");
    if (n.kind == NodeKind::Output) {
      ++outputs_seen;
      if (i + 1 != g.nodes.size()) report(&n, "the output node must be the last node");
    }
    if (n.kind == NodeKind::Placeholder && seen_call) report(&n, "placeholder after a call node");
    if (n.kind == NodeKind::Call) seen_call = true;
    auto use = [&](ValueId v, size_t k) {
      if (!v.valid()) return;
      if (static_cast<size_t>(v.v) >= g.values.size()) {
        report(&n, "argument " + std::to_string(k) + " uses value " + std::to_string(v.v) + ", which does not exist");
      } else if (!defined[static_cast<size_t>(v.v)]) {
        report(&n, "argument " + std::to_string(k) + " uses '" + g.values[static_cast<size_t>(v.v)].name +
                       "' before it is defined (graph is not in topological order)");
      }
    };
    for (size_t k = 0; k < n.args.size(); ++k) {
      const Arg& a = n.args[k];
      if (a.kind == Arg::Kind::Value) {
        if (!a.value.valid()) report(&n, "argument " + std::to_string(k) + " is a value with no id");
        use(a.value, k);
      }
      if (a.kind == Arg::Kind::ValueList)
        for (ValueId v : a.values) use(v, k);
    }
    for (ValueId v : n.outputs) {
      if (!v.valid() || static_cast<size_t>(v.v) >= g.values.size()) {
        report(&n, "defines a value id that does not exist");
        continue;
      }
      const Value& val = g.values[static_cast<size_t>(v.v)];
      if (val.producer != n.id) report(&n, "defines '" + val.name + "', whose producer is another node");
      if (defined[static_cast<size_t>(v.v)]) report(&n, "redefines '" + val.name + "'");
      defined[static_cast<size_t>(v.v)] = 1;
      if (val.meta.sizes.size() != val.meta.strides.size()) report(&n, "'" + val.name + "' has sizes and strides of different rank");
      if (n.kind == NodeKind::Call && val.name != n.name && !names.insert(val.name).second)
        report(&n, "duplicate value name '" + val.name + "'");
    }
    if (n.kind == NodeKind::Call) {
      if (n.arg_names.size() != n.args.size()) report(&n, "has " + std::to_string(n.args.size()) + " arguments but " + std::to_string(n.arg_names.size()) + " argument names");
      if (opts.check_schemas) {
        const SchemaInfo* s = lookupSchema(n.op, n.overload);
        if (!s) {
          report(&n, "operator " + n.qualifiedOp() + " does not exist in this LibTorch (" + std::string(torchVersionString()) + ")");
        } else {
          if (s->arg_names.size() != n.args.size())
            report(&n, n.qualifiedOp() + " takes " + std::to_string(s->arg_names.size()) + " arguments, the node has " + std::to_string(n.args.size()));
          if (!s->returns_list && s->num_returns != n.outputs.size())
            report(&n, n.qualifiedOp() + " returns " + std::to_string(s->num_returns) + " values, the node defines " + std::to_string(n.outputs.size()));
        }
      }
    }
  }
  if (outputs_seen != 1) report(nullptr, "the graph must have exactly one output node (found " + std::to_string(outputs_seen) + ")");
  for (size_t i = 0; i < g.values.size(); ++i)
    if (!defined[i]) report(nullptr, "value '" + g.values[i].name + "' is not defined by any node");
  return out;
}

std::vector<std::string> schemaWarnings(const Graph& g, size_t limit) {
  std::vector<std::string> lines;
  const auto problems = verify(g);
  for (size_t i = 0; i < problems.size() && i < limit; ++i)
    lines.push_back("node '" + problems[i].node + "': " + problems[i].message + "; shown, not run");
  if (problems.size() > limit) lines.push_back("and " + std::to_string(problems.size() - limit) + " more such nodes");
  return lines;
}

}  // namespace aotviz::ir
