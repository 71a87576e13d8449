// core/ir/cse.cpp — common-subexpression elimination.
#include "core/ir/cse.h"

#include <charconv>
#include <cstdint>
#include <unordered_map>

#include "core/ir/dce.h"
#include "core/ir/op_registry.h"

namespace aotviz::ir {

namespace {

/// A string that is equal for two nodes exactly when they compute the same thing from the same values. With
/// `python_hash`, equal exactly when PyTorch's fx_graph_cse computes the same hash for them (Note [CPython's
/// hash(-1)]): numbers -1 are written as -2.
std::string nodeKey(const Node& n, const std::vector<ValueId>& replace, int partition_key, bool python_hash) {
  std::string k;
  k.reserve(64 + 16 * n.args.size());
  auto put = [&k](auto x) {  // shortest round-trip form: equal exactly when the numbers are
    char b[32];
    k.append(b, std::to_chars(b, b + sizeof b, x).ptr);
  };
  auto val = [&](ValueId v) { put(v.valid() ? replace[v.v].v : -1); };
  auto num = [&](auto x) { put(python_hash && x == -1 ? decltype(x)(-2) : x); };
  k += n.op;
  k += '.';
  k += n.overload;
  k += '|';
  put(partition_key);
  for (const Arg& a : n.args) {
    k += '|';
    put(static_cast<int>(a.kind));
    k += ':';
    switch (a.kind) {
      case Arg::Kind::Value: val(a.value); break;
      case Arg::Kind::ValueList: for (ValueId v : a.values) val(v), k += ','; break;
      case Arg::Kind::None: break;
      case Arg::Kind::Bool: k += a.b ? '1' : '0'; break;
      case Arg::Kind::Int: num(a.i); break;
      case Arg::Kind::Double: num(a.d); break;
      case Arg::Kind::String: case Arg::Kind::Device: k += a.s; break;
      case Arg::Kind::IntList: for (int64_t x : a.ints) num(x), k += ','; break;
      case Arg::Kind::DoubleList: for (double x : a.doubles) num(x), k += ','; break;
      case Arg::Kind::BoolList: for (bool x : a.bools) k += x ? '1' : '0', k += ','; break;
      case Arg::Kind::Tensor:
        // A wrapped number is a Python scalar in PyTorch's graph (mul.Tensor(x, 2)), hashed with its type and
        // compared by value; other constants merge only when they are the same one (PyTorch's get_attr nodes).
        if (a.tensor->wrapped_number && a.tensor->data.size() == 1) {
          k += 'w';
          put(static_cast<int>(a.tensor->dtype));
          k += ':';
          num(a.tensor->data[0]);
        } else {
          put(reinterpret_cast<std::uintptr_t>(a.tensor.get()));
        }
        break;
    }
  }
  return k;
}

/// Per value, the value whose storage it uses: itself, or for an output of a view op (a schema return that
/// aliases without writing) the storage root of the op's first tensor argument.
std::vector<ValueId> storageRoots(const Graph& g) {
  std::vector<ValueId> root(g.values.size());
  for (size_t i = 0; i < g.values.size(); ++i) root[i] = ValueId{static_cast<int32_t>(i)};
  for (const Node& n : g.nodes) {
    if (n.kind != NodeKind::Call) continue;
    const SchemaInfo* s = lookupSchema(n.op, n.overload);
    if (!s) continue;
    const auto& rets = s->handle.schema().returns();
    ValueId self;
    for (const Arg& a : n.args)
      if (a.kind == Arg::Kind::Value && a.value.valid()) {
        self = a.value;
        break;
      }
    if (!self.valid()) continue;
    for (size_t k = 0; k < n.outputs.size() && k < rets.size(); ++k)
      if (rets[k].alias_info() && !rets[k].alias_info()->isWrite()) root[n.outputs[k].v] = root[self.v];
  }
  return root;
}

// Note [CPython's hash(-1)]: fx_graph_cse (torch/_functorch/compile_utils.py) keeps one node per Python hash of
// (target, substituted args): a later node with an equal hash is merged when its arguments are equal too, and
// otherwise kept without taking the earlier node's place. CPython reserves -1 as an error code, so hash(-1) ==
// hash(-2) (and hash(-1.0) == hash(-2.0)): unsqueeze(arange, -1) after unsqueeze(arange, -2) is never merged,
// nor is any later repeat of it. A decomposed attention's causal mask does exactly that, once per layer, and
// PyTorch's min-cut forward keeps one mask per layer. Other hash collisions involve node identities and are
// left to chance in PyTorch; they are not modelled.

}  // namespace

std::vector<std::pair<std::string, std::string>> eliminateCommonSubexpressions(Graph& g,
                                                                               const std::vector<int>& partition_key,
                                                                               bool torch2) {
  std::vector<bool> aliases_output(g.values.size(), false);
  if (torch2) {
    const std::vector<ValueId> root = storageRoots(g);
    std::vector<bool> output_root(g.values.size(), false);
    if (const Node* out = g.outputNode())
      for (const Arg& a : out->args)
        if (a.kind == Arg::Kind::Value && a.value.valid()) output_root[root[a.value.v].v] = true;
    for (size_t i = 0; i < g.values.size(); ++i) aliases_output[i] = output_root[root[i].v];
  }
  std::vector<ValueId> replace(g.values.size());
  for (size_t i = 0; i < g.values.size(); ++i) replace[i] = ValueId{static_cast<int32_t>(i)};
  std::unordered_map<std::string, std::pair<std::string, NodeId>> seen;  // Python hash key → exact key, node
  std::vector<std::pair<std::string, std::string>> merged;
  for (Node& n : g.nodes) {
    // Earlier replacements first, so chains of repeats collapse.
    for (Arg& a : n.args) {
      if (a.kind == Arg::Kind::Value && a.value.valid()) a.value = replace[a.value.v];
      if (a.kind == Arg::Kind::ValueList)
        for (ValueId& v : a.values)
          if (v.valid()) v = replace[v.v];
    }
    if (n.kind != NodeKind::Call || n.nondeterministic_seeded || mutatesArgument(n)) continue;
    // A multi-output node is a tuple in FX, which has no storage, so PyTorch does not keep those apart.
    if (torch2 && (n.op == "aten::empty" || (n.outputs.size() == 1 && aliases_output[n.outputs[0].v]))) continue;
    int key = partition_key.empty() ? 0 : partition_key.at(static_cast<size_t>(n.id.v));
    std::string exact = nodeKey(n, replace, key, false);
    auto [it, fresh] = seen.emplace(nodeKey(n, replace, key, true), std::make_pair(exact, n.id));
    if (fresh || it->second.first != exact) continue;  // new, or only its Python hash collides
    const Node& first = g.node(it->second.second);
    if (first.outputs.size() != n.outputs.size()) continue;
    for (size_t k = 0; k < n.outputs.size(); ++k) replace[n.outputs[k].v] = first.outputs[k];
    merged.emplace_back(n.name, first.name);
  }
  if (!merged.empty()) eliminateDeadCode(g);
  return merged;
}

}  // namespace aotviz::ir
