// core/partition/joint_view.cpp — items, classify_nodes, dist_from_bw and graph extraction (spec §4.1).
#include "core/partition/joint_view.h"

#include <algorithm>
#include <unordered_set>

#include "core/ir/dce.h"
#include "core/ir/op_registry.h"
#include "core/partition/op_lists.h"
#include "core/util/diagnostic.h"

namespace aotviz::partition::detail {

namespace {

void addUnique(std::vector<int>& xs, int x) {
  if (std::find(xs.begin(), xs.end(), x) == xs.end()) xs.push_back(x);
}

/// Calls f on every value a node reads, in argument order.
template <class F>
void forEachValueArg(const ir::Node& n, F&& f) {
  for (const ir::Arg& a : n.args) {
    if (a.kind == ir::Arg::Kind::Value && a.value.valid()) f(a.value);
    if (a.kind == ir::Arg::Kind::ValueList)
      for (ir::ValueId x : a.values)
        if (x.valid()) f(x);
  }
}

/// Values a node reads, in argument order.
std::vector<ir::ValueId> argValues(const ir::Node& n) {
  std::vector<ir::ValueId> r;
  forEachValueArg(n, [&r](ir::ValueId v) { r.push_back(v); });
  return r;
}

}  // namespace

JointView::JointView(const ir::Graph& g, size_t num_fwd_outputs, const std::vector<size_t>& static_inputs, Rules r)
    : graph(g), rules(r), item_of_value(g.values.size(), -1) {
  const auto users_of_value = g.users();
  std::vector<char> is_static;
  for (size_t k : static_inputs) {
    if (k >= is_static.size()) is_static.resize(k + 1, 0);
    is_static[k] = 1;
  }
  size_t primal_index = 0;
  for (const ir::Node& n : g.nodes) {
    if (n.kind == ir::NodeKind::Output) continue;
    Item it;
    it.node = n.id;
    it.name = n.name;
    it.backward_tag = n.prov.phase == ir::Phase::Backward;
    if (n.kind == ir::NodeKind::Placeholder) {
      it.placeholder = true;
      it.primal = n.role == ir::InputRole::Primal || n.role == ir::InputRole::Arg;
      it.tangent = n.role == ir::InputRole::Tangent;
      it.value = n.outputs.at(0);
      int idx = static_cast<int>(items.size());
      item_of_value[it.value.v] = idx;
      (it.primal ? primals : tangents).push_back(idx);
      static_input.push_back(it.primal && primal_index < is_static.size() && is_static[primal_index]);
      if (it.primal) ++primal_index;
      items.push_back(std::move(it));
      continue;
    }
    it.packet = n.opShortName();
    it.mutable_op = ir::mutatesArgument(n);
    for (ir::ValueId v : argValues(n)) addUnique(it.inputs, item_of_value.at(v.v));
    const bool multi = n.list_output || n.outputs.size() != 1;
    if (!multi) {
      it.value = n.outputs.at(0);
      item_of_value[it.value.v] = static_cast<int>(items.size());
      items.push_back(std::move(it));
      static_input.push_back(0);
      continue;
    }
    it.tuple = true;
    const int tuple_idx = static_cast<int>(items.size());
    items.push_back(it);
    static_input.push_back(0);
    for (size_t k = 0; k < n.outputs.size(); ++k) {
      ir::ValueId v = n.outputs[k];
      bool used = !users_of_value[v.v].empty();
      if (!used) continue;
      Item gi;
      gi.node = n.id;
      gi.output = static_cast<int>(k);
      gi.name = g.value(v).name;
      gi.packet = "getitem";
      gi.value = v;
      gi.backward_tag = it.backward_tag;
      gi.inputs = {tuple_idx};
      item_of_value[v.v] = static_cast<int>(items.size());
      items.push_back(std::move(gi));
      static_input.push_back(0);
    }
  }
  // Users, now that every value has an item: each once, since an item's inputs are.
  for (size_t i = 0; i < items.size(); ++i)
    for (int in : items[i].inputs)
      if (in >= 0) items[in].users.push_back(static_cast<int>(i));
  const ir::Node* out = g.outputNode();
  AOTVIZ_INTERNAL_ASSERT(out, "joint graph without output node");
  for (size_t k = 0; k < out->args.size(); ++k) {
    (k < num_fwd_outputs ? fw_outputs : bw_outputs).push_back(out->args[k]);
    const ir::Arg& a = out->args[k];
    if (a.kind == ir::Arg::Kind::Value) items[item_of_value.at(a.value.v)].output_user = true;
  }

  // classify_nodes.
  const size_t n = items.size();
  required_bw.assign(n, 0);
  for (size_t i = 0; i < n; ++i) {
    bool req = items[i].tangent || (rules == Rules::Current && mustBeInBackward(static_cast<int>(i)));
    for (int in : items[i].inputs) req = req || (in >= 0 && required_bw[in]);
    required_bw[i] = req;
  }
  tangents_closure = required_bw;
  if (rules == Rules::Current)
    for (const ir::Arg& a : bw_outputs)
      if (int it = itemOf(a); it >= 0) required_bw[it] = 1;
  // Forward-only extraction: primals → forward outputs.
  std::vector<char> valid(n, 0);
  for (size_t i = 0; i < n; ++i) {
    if (items[i].placeholder) {
      valid[i] = items[i].primal;
      continue;
    }
    bool ok = !(rules == Rules::Current && mustBeInBackward(static_cast<int>(i)));
    for (int in : items[i].inputs) ok = ok && in >= 0 && valid[in];
    valid[i] = ok;
  }
  required_fw.assign(n, 0);
  std::vector<int> stack;
  for (const ir::Arg& a : fw_outputs)
    if (int it = itemOf(a); it >= 0 && valid[it]) stack.push_back(it);
  while (!stack.empty()) {
    int i = stack.back();
    stack.pop_back();
    if (required_fw[i]) continue;
    required_fw[i] = 1;
    for (int in : items[i].inputs)
      if (in >= 0 && valid[in]) stack.push_back(in);
  }
  for (int p : primals) required_fw[p] = 1;  // the extraction has every primal as a placeholder
  fw_order.assign(n, -1);
  int order = 0;
  for (size_t i = 0; i < n; ++i)
    if (required_fw[i]) fw_order[i] = order++;

  // dist_from_bw, in reverse joint order.
  dist_from_bw.assign(n, 0);
  for (size_t i = n; i-- > 0;) {
    if (!required_fw[i]) continue;
    int64_t d = kFar;
    for (int u : items[i].users) d = std::min(d, dist_from_bw[u] + 1);
    dist_from_bw[i] = d;  // an output user counts as kFar: min(kFar, kFar + 1)
  }

  // Note [Saved outputs are detached]: when an autograd node saves its op's own output (SavedVariable(result,
  // is_output=true), e.g. ReluBackward0::result_), SavedVariable keeps variable.tensor_data(), a
  // shallow_copy_and_detach of the TensorImpl. In PyTorch's trace the tensors are Python subclasses, so that
  // detach goes through PyInterpreter::detach (c10/core/impl/PyInterpreter.h) to __torch_dispatch__ and is
  // recorded: the joint has `detach = aten.detach(relu)` in the forward and `detach_k = aten.detach(detach)` read
  // by threshold_backward. Our capture's TraceTensorImpl::shallow_copy_and_detach records nothing, so the
  // backward reads relu directly. The partitioner treats the two differently: aten.detach is in none of
  // get_default_op_list()'s lists, so relu gains a user that is neither fusible nor required in the forward,
  // which makes solve_min_cut's is_materialized(relu) true (weight 1x, not 2x) and is_materialized_backwards(relu)
  // true, so should_ban_recomputation bans relu ("materialized in backward"). The detach nodes themselves are
  // unclaimed (dist_from_bw 0, the same weight as relu), so cutting them is cutting relu (the fidelity script
  // follows detach chains back to relu). We mark such values and the solver applies both effects.
  // The detach exists only when the op's output has a grad_fn (an input requires grad) and survives the joint's
  // dead-code elimination only when the op's backward formula reads it (a user in the tangents' closure).
  detached_by_autograd.assign(n, 0);
  if (rules == Rules::Current) {
    const OpLists& ops = opLists(rules);
    std::vector<char> grad(n, 0);  // requires grad, structurally
    for (size_t i = 0; i < n; ++i) {
      const Item& it = items[i];
      const bool floating = it.tuple || c10::isFloatingType(graph.value(it.value).meta.dtype) ||
                            c10::isComplexType(graph.value(it.value).meta.dtype);
      if (it.placeholder) {
        grad[i] = it.primal && graph.value(it.value).meta.requires_grad;
        continue;
      }
      bool any = false;
      for (int in : it.inputs) any = any || (in >= 0 && grad[in]);
      grad[i] = any && floating;
    }
    for (size_t i = 0; i < n; ++i) {
      const Item& it = items[i];
      if (it.placeholder || it.tuple || it.output >= 0 || tangents_closure[i] || !grad[i]) continue;
      if (!ops.savesResult(it.packet, graph.node(it.node).overload)) continue;
      for (int u : it.users)
        if (tangents_closure[u]) detached_by_autograd[i] = 1;
    }
  }
}

int64_t JointView::bytes(int item) const {
  const Item& it = items[item];
  if (!it.tuple) return graph.value(it.value).meta.bytes();
  int64_t total = 0;
  for (ir::ValueId v : graph.node(it.node).outputs) total += graph.value(v).meta.bytes();
  return total;
}

bool JointView::aliasesInput(int item) const {
  for (int guard = 0; guard < 10000 && item >= 0; ++guard) {
    const Item& it = items[item];
    if (it.placeholder) return it.primal;
    if (it.tuple) return false;
    const ir::Node& n = graph.node(it.node);
    const ir::SchemaInfo* s = ir::lookupSchema(n.op, n.overload);
    if (!s) return false;
    const auto& rets = s->handle.schema().returns();
    size_t k = it.output < 0 ? 0 : static_cast<size_t>(it.output);
    if (k >= rets.size() && !rets.empty()) k = 0;  // Tensor[] returns: one alias annotation for all
    if (rets.empty() || !rets[k].alias_info() || rets[k].alias_info()->isWrite()) return false;
    // A view: follow the argument that shares the alias set (self for every view op).
    if (n.args.empty() || n.args[0].kind != ir::Arg::Kind::Value) return false;
    item = item_of_value.at(n.args[0].value.v);
  }
  return false;
}

std::string JointView::describe(int item) const {
  const Item& it = items[item];
  if (it.placeholder) return it.name;
  return it.name + " (" + graph.node(it.node).qualifiedOp() + ")";
}

// ---------------------------------------------------------------------------------------------- extraction

namespace {

/// What extract() builds, decided on the joint alone: the joint nodes it keeps (in joint order) and, per input,
/// whether a kept node or an output reads it. The same result as copying every computable node and then running
/// DCE on the copy, without building the nodes DCE would drop.
struct ExtractPlan {
  std::vector<size_t> kept;       // joint node indices
  std::vector<char> input_used;   // parallel to the inputs
};

ExtractPlan planExtract(const JointView& v, const std::vector<int>& inputs, const std::vector<ir::Arg>& outputs,
                        Side side) {
  const ir::Graph& j = v.graph;
  // Who provides each joint value in the new graph: -1 nobody, 0..inputs-1 that input (the last one when an item
  // is given twice), else inputs + the joint index of the first node computing it.
  const int64_t num_inputs = static_cast<int64_t>(inputs.size());
  std::vector<int64_t> provider(j.values.size(), -1);
  for (size_t k = 0; k < inputs.size(); ++k) provider[v.items[inputs[k]].value.v] = static_cast<int64_t>(k);
  // Forward: every call computable from the inputs (mutating ops forced to the other side excepted).
  std::vector<size_t> copied;
  for (size_t i = 0; i < j.nodes.size(); ++i) {
    const ir::Node& n = j.nodes[i];
    if (n.kind != ir::NodeKind::Call) continue;
    const bool bw_tag = n.prov.phase == ir::Phase::Backward;
    if (v.rules == Rules::Current && ir::mutatesArgument(n) && (side == Side::Forward ? bw_tag : !bw_tag)) continue;
    bool ok = true;
    forEachValueArg(n, [&](ir::ValueId x) { ok = ok && provider[x.v] >= 0; });
    if (!ok) continue;
    copied.push_back(i);
    for (ir::ValueId o : n.outputs)
      if (provider[o.v] < 0) provider[o.v] = num_inputs + static_cast<int64_t>(i);
  }
  // Backward: DCE's liveness. A copied node is dead when none of the values it provides is used, unless DCE never
  // removes it (ir::neverDead).
  std::vector<int32_t> uses(j.values.size(), 0);
  auto use = [&](ir::ValueId x, int32_t d) { uses[x.v] += d; };
  for (const ir::Arg& a : outputs) {
    if (a.kind != ir::Arg::Kind::Value) continue;
    if (provider[a.value.v] < 0)
      internalError("partition: output " + j.value(a.value).name + " of the " +
                    (side == Side::Forward ? "forward" : "backward") + " graph is not computable from its inputs");
    use(a.value, 1);
  }
  for (size_t i : copied) forEachValueArg(j.nodes[i], [&](ir::ValueId x) { use(x, 1); });
  std::vector<char> live(copied.size(), 0);
  for (size_t c = copied.size(); c-- > 0;) {
    const ir::Node& n = j.nodes[copied[c]];
    bool used = false;
    for (ir::ValueId o : n.outputs)
      used = used || (provider[o.v] == num_inputs + static_cast<int64_t>(copied[c]) && uses[o.v] > 0);
    if (used || ir::neverDead(n)) {
      live[c] = 1;
      continue;
    }
    forEachValueArg(n, [&](ir::ValueId x) { use(x, -1); });
  }
  ExtractPlan plan;
  for (size_t c = 0; c < copied.size(); ++c)
    if (live[c]) plan.kept.push_back(copied[c]);
  plan.input_used.assign(inputs.size(), 0);
  for (size_t k = 0; k < inputs.size(); ++k) {
    const ir::ValueId x = v.items[inputs[k]].value;
    plan.input_used[k] = provider[x.v] == static_cast<int64_t>(k) && uses[x.v] > 0;
  }
  return plan;
}

}  // namespace

ir::Graph extract(const JointView& v, const std::vector<int>& inputs, const std::vector<ir::InputRole>& roles,
                  const std::vector<ir::Arg>& outputs, Side side) {
  const ExtractPlan plan = planExtract(v, inputs, outputs, side);
  const ir::Graph& j = v.graph;
  ir::Graph g;
  g.nodes.reserve(inputs.size() + plan.kept.size() + 1);
  g.values.reserve(inputs.size() + plan.kept.size() + 8);
  std::vector<ir::ValueId> env(j.values.size());
  std::unordered_set<std::string> taken;
  for (size_t k = 0; k < inputs.size(); ++k) {
    const Item& it = v.items[inputs[k]];
    const ir::ValueId x = g.addPlaceholder(it.name, roles[k], j.value(it.value).meta, j.node(it.node).prov);
    env[it.value.v] = x;
    taken.insert(it.name);
  }
  auto remap = [&](ir::ValueId& x) {
    if (x.valid()) x = env[x.v];
  };
  for (size_t i : plan.kept) {
    const ir::Node& n = j.nodes[i];
    std::vector<ir::Arg> args = n.args;
    for (ir::Arg& a : args) {
      if (a.kind == ir::Arg::Kind::Value) remap(a.value);
      if (a.kind == ir::Arg::Kind::ValueList)
        for (ir::ValueId& x : a.values) remap(x);
    }
    std::vector<ir::TensorMeta> metas;
    metas.reserve(n.outputs.size());
    for (ir::ValueId o : n.outputs) metas.push_back(j.value(o).meta);
    ir::NodeId nid = g.addCall(n.op, n.overload, n.arg_names, std::move(args), std::move(metas), n.prov, n.list_output);
    ir::Node& copy = g.node(nid);
    copy.name = n.name;
    copy.nondeterministic_seeded = n.nondeterministic_seeded;
    for (size_t k = 0; k < n.outputs.size(); ++k) {
      const ir::ValueId o = n.outputs[k];
      std::string name = j.value(o).name;
      if (taken.count(name)) name += "_recomputed";  // the joint value is a placeholder here (saved getitem)
      g.value(copy.outputs[k]).name = std::move(name);
      if (!env[o.v].valid()) env[o.v] = copy.outputs[k];
    }
  }
  std::vector<ir::Arg> outs;
  outs.reserve(outputs.size());
  for (const ir::Arg& a : outputs) outs.push_back(a.kind == ir::Arg::Kind::Value ? ir::Arg::ofValue(env[a.value.v]) : a);
  g.setOutputs(std::move(outs));
  return g;
}

Extracted extractForwardBackward(const JointView& v, std::vector<int> saved) {
  // Drop duplicates, keep order.
  std::vector<int> unique;
  for (int s : saved) addUnique(unique, s);
  saved = std::move(unique);
  auto bwInputs = [&](const std::vector<int>& kept) {  // the backward's placeholders: saved values, then tangents
    std::vector<int> in = kept;
    in.insert(in.end(), v.tangents.begin(), v.tangents.end());
    return in;
  };
  // A saved value the backward does not use is dropped (step 3 of _extract_fwd_bwd_modules).
  const ExtractPlan probe = planExtract(v, bwInputs(saved), v.bw_outputs, Side::Backward);
  std::vector<int> used;
  for (size_t k = 0; k < saved.size(); ++k)
    if (probe.input_used[k]) used.push_back(saved[k]);
  Extracted e;
  std::vector<ir::Arg> fw_outs = v.fw_outputs;
  for (int s : used) fw_outs.push_back(ir::Arg::ofValue(v.items[s].value));
  std::vector<ir::InputRole> primal_roles;
  for (int p : v.primals) primal_roles.push_back(v.graph.node(v.items[p].node).role);
  e.forward = extract(v, v.primals, primal_roles, fw_outs, Side::Forward);
  std::vector<ir::InputRole> bw_roles(used.size(), ir::InputRole::Saved);
  bw_roles.resize(used.size() + v.tangents.size(), ir::InputRole::Tangent);
  e.backward = extract(v, bwInputs(used), bw_roles, v.bw_outputs, Side::Backward);
  e.saved = std::move(used);
  return e;
}

}  // namespace aotviz::partition::detail
