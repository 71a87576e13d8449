// core/partition/partition.cpp — the partition stage: options, the chosen partitioner, extraction, and the
// record of every decision (rule + reason), saved values with bytes, and totals.
#include "core/partition/partition.h"

#include <chrono>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include "core/ir/cse.h"
#include "core/ir/op_registry.h"
#include "core/partition/functionalize_rng.h"
#include "core/partition/joint_view.h"
#include "core/partition/partitioners.h"
#include "core/util/diagnostic.h"
#include "core/util/human_bytes.h"

namespace aotviz::partition {

using detail::JointView;

namespace {

using util::humanBytes;

std::string savedReason(Rule r, const std::string& op, int64_t bytes) {
  const std::string size = humanBytes(bytes);
  switch (r) {
    case Rule::Input: return "an input the backward reads (" + size + ")";
    case Rule::DefaultSavesForward:
      return "the default partitioner saves every forward value the backward reads (" + size + ")";
    case Rule::BannedComputeIntensive: return op + " is compute-intensive and never recomputed, so it is saved (" + size + ")";
    case Rule::BannedRandom: return op + " is random and never recomputed, so it is saved (" + size + ")";
    case Rule::BannedNotRecomputable:
      return op + " is not in the partitioner's list of recomputable ops, so it is saved (" + size + ")";
    case Rule::BannedReduction: return op + " reduces its inputs over 4x; saving its small output (" + size + ") beats recomputing";
    case Rule::BannedMaterializedBackward:
      return "recomputing " + op + " would materialize it again in the backward; saved (" + size + ")";
    case Rule::BannedUsedFarApart: return "its forward uses are far apart; saved (" + size + ")";
    case Rule::BannedLongChain: return "it ends a fusible chain of over 100 ops; saved (" + size + ")";
    case Rule::OverrideMustSave: return "must-save override (" + size + ")";
    default: return "on the minimum cut: saving it (" + size + ") costs less than recomputing it from what is saved";
  }
}


void validate(const ir::Graph& joint, size_t num_fwd_outputs, const Options& o) {
  if (!(o.memory_budget >= 0 && o.memory_budget <= 1))
    fail("partition", "", "memory budget " + std::to_string(o.memory_budget) + " is outside [0, 1]",
         "pass --budget between 0 (save only inputs) and 1 (runtime-optimal)");
  const ir::Node* out = joint.outputNode();
  if (!out || out->args.size() < num_fwd_outputs)
    fail("partition", "", "the graph has fewer outputs than forward outputs", "partition a joint graph from capture");
  bool has_tangent = false;
  for (const ir::Node& n : joint.nodes) has_tangent = has_tangent || n.role == ir::InputRole::Tangent;
  if (!has_tangent)
    fail("partition", "", "the graph is forward-only (no tangents): there is no backward to partition",
         "inputs that require grad make a joint graph; forward-only graphs are compiled whole");
  std::unordered_set<std::string> names;
  for (const ir::Node& n : joint.nodes) {
    names.insert(n.name);
    for (ir::ValueId v : n.outputs) names.insert(joint.value(v).name);
  }
  for (const auto& [name, kind] : o.overrides) {
    if (!names.count(name))
      fail("partition", name, "no node of the joint graph is named '" + name + "' (override " +
                                  (kind == Override::MustSave ? "must-save" : "must-recompute") + ")",
           "use a name from joint.txt, e.g. mm_1 or getitem_3");
  }
}

}  // namespace

namespace {

/// Current rules: CSE never merges a value only the forward needs with one the backward needs (the partition key
/// is "is an ancestor of a backward output").
std::vector<int> ancestorOfBackwardOutput(const ir::Graph& g, size_t num_fwd_outputs) {
  std::vector<int> key(g.nodes.size(), 0);
  std::vector<ir::NodeId> stack;
  const ir::Node* out = g.outputNode();
  for (size_t k = num_fwd_outputs; out && k < out->args.size(); ++k)
    if (out->args[k].kind == ir::Arg::Kind::Value) stack.push_back(g.value(out->args[k].value).producer);
  while (!stack.empty()) {
    ir::NodeId n = stack.back();
    stack.pop_back();
    if (key[n.v]) continue;
    key[n.v] = 1;
    for (const ir::Arg& a : g.node(n).args) {
      if (a.kind == ir::Arg::Kind::Value && a.value.valid()) stack.push_back(g.value(a.value).producer);
      if (a.kind == ir::Arg::Kind::ValueList)
        for (ir::ValueId v : a.values)
          if (v.valid()) stack.push_back(g.value(v).producer);
    }
  }
  return key;
}

}  // namespace

PartitionResult partitionJoint(const ir::Graph& input_joint, size_t num_fwd_outputs,
                               const std::vector<size_t>& static_inputs, const Options& options) {
  auto t0 = std::chrono::steady_clock::now();
  validate(input_joint, num_fwd_outputs, options);
  ir::Graph joint = input_joint;
  std::vector<std::pair<std::string, std::string>> merged;
  if (options.partitioner == Partitioner::MinCut)
    merged = ir::eliminateCommonSubexpressions(
        joint, options.rules == Rules::Current ? ancestorOfBackwardOutput(joint, num_fwd_outputs) : std::vector<int>{},
        options.rules == Rules::Current);
  JointView v(joint, num_fwd_outputs, static_inputs, options.rules);
  detail::Choice choice = options.partitioner == Partitioner::Default ? detail::defaultPartition(v, options)
                                                                      : detail::minCutPartition(v, options);
  detail::Extracted e = detail::extractForwardBackward(v, choice.saved);
  const std::vector<detail::ReplayedRandomOp> replayed = detail::replayRandomOps(e.forward, e.backward, e.saved.size());

  PartitionResult r;
  r.options = options;
  r.num_fwd_outputs = num_fwd_outputs;
  r.static_inputs = static_inputs;
  r.notes = choice.notes;
  if (!merged.empty())
    r.notes.push_back("CSE merged " + std::to_string(merged.size()) + " repeated node(s) of the joint graph before "
                      "the cut (e.g. " + merged.front().first + " into " + merged.front().second + ")");
  const bool as_default = options.partitioner == Partitioner::Default || choice.used_default;

  // Saved values.
  for (int s : e.saved) {
    const detail::Item& it = v.items[s];
    SavedValue sv;
    sv.name = it.name;
    sv.bytes = v.bytes(s);
    sv.kind = it.placeholder ? "graph_input" : v.aliasesInput(s) ? "view_of_graph_input" : "activation";
    std::string op = it.placeholder ? it.name : joint.node(it.node).qualifiedOp();
    if (detail::hasOverride(v, options, s, Override::MustSave)) sv.rule = Rule::OverrideMustSave;
    else if (as_default) sv.rule = it.placeholder ? Rule::Input : Rule::DefaultSavesForward;
    else if (it.placeholder) sv.rule = Rule::Input;
    else if (choice.banned.count(s)) sv.rule = choice.banned.at(s);
    else if (it.output >= 0) {  // a getitem: saved because its multi-output producer cannot be recomputed
      int tuple = v.items[s].inputs.at(0);
      sv.rule = choice.banned.count(tuple) ? choice.banned.at(tuple) : Rule::CheaperToSave;
    } else sv.rule = Rule::CheaperToSave;
    sv.reason = savedReason(sv.rule, op, sv.bytes);
    if (sv.rule == Rule::Input && v.static_input[s] && options.rules == Rules::Current && !as_default)
      sv.reason += "; a parameter, free to save since it lives anyway";
    if (sv.rule == Rule::BannedMaterializedBackward && v.detached_by_autograd[s])
      sv.reason += "; autograd saves it as " + op + "'s output, which PyTorch's joint reads through aten.detach";
    r.saved.push_back(std::move(sv));
  }
  std::unordered_map<std::string, std::string> replayed_state;  // random node -> its state value
  for (const detail::ReplayedRandomOp& rep : replayed) {
    replayed_state[rep.node] = rep.state;
    SavedValue sv;
    sv.name = rep.state;
    sv.bytes = rep.state_bytes;
    sv.kind = "rng_state";
    sv.rule = Rule::RngState;
    sv.reason = "the RNG state just before " + rep.node + " (" + humanBytes(rep.state_bytes) +
                "): the backward recomputes " + rep.node + " from it, so it draws what the forward drew";
    r.saved.push_back(std::move(sv));
  }

  // Node decisions.
  std::unordered_set<std::string> in_fw, in_bw;
  for (const ir::Node& n : e.forward.nodes)
    if (n.kind == ir::NodeKind::Call) in_fw.insert(n.name);
  for (const ir::Node& n : e.backward.nodes)
    if (n.kind == ir::NodeKind::Call) in_bw.insert(n.name);
  std::vector<int> first_item(joint.nodes.size(), -1);
  for (size_t i = 0; i < v.items.size(); ++i)
    if (first_item[v.items[i].node.v] < 0) first_item[v.items[i].node.v] = static_cast<int>(i);
  for (const ir::Node& n : joint.nodes) {
    if (n.kind == ir::NodeKind::Output) continue;
    NodeDecision d;
    d.name = n.name;
    const int item = first_item[n.id.v];
    if (n.kind == ir::NodeKind::Placeholder) {
      d.placement = Placement::Input;
      d.rule = n.role == ir::InputRole::Tangent ? Rule::Tangent : Rule::Input;
      d.reason = n.role == ir::InputRole::Tangent ? "gradient of a forward output, an input of the backward"
                                                   : "an input of the forward";
      r.nodes.push_back(std::move(d));
      continue;
    }
    d.op = n.qualifiedOp();
    const bool f = in_fw.count(n.name) > 0, b = in_bw.count(n.name) > 0;
    if (f && b) {
      d.placement = Placement::Recomputed;
      ++r.totals.recomputed_nodes;
      if (item >= 0 && detail::hasOverride(v, options, item, Override::MustRecompute)) {
        d.rule = Rule::OverrideMustRecompute;
        d.reason = "must-recompute override: computed in the forward and again in the backward";
      } else if (replayed_state.count(n.name) && options.functionalize_rng) {
        d.rule = Rule::CheaperToRecompute;
        d.reason = "random op recomputed in the backward (--functionalize-rng): cheaper than saving its output";
      } else if (item >= 0 && choice.budget_recompute[item]) {
        d.rule = Rule::Budget;
        d.reason = "recomputed in the backward to keep saved activations within the memory budget";
      } else {
        d.rule = Rule::CheaperToRecompute;
        d.reason = "computed in the forward and recomputed in the backward: cheaper than saving its output";
      }
      if (replayed_state.count(n.name))
        d.reason += "; it is random, so the backward replays the forward's RNG state (" + replayed_state.at(n.name) +
                    ", PyTorch's run_and_save_rng_state / run_with_rng_state) and draws the same numbers";
    } else if (f) {
      d.placement = Placement::Forward;
      d.rule = Rule::ForwardOutput;
      d.reason = "computed in the forward: the forward outputs or saved values need it";
      if (n.nondeterministic_seeded && item >= 0 && choice.banned.count(item)) {
        d.rule = Rule::BannedRandom;
        d.reason = "random op, computed in the forward only: recomputing it in the backward would draw new numbers, "
                   "so what the backward needs from it is saved (PyTorch never recomputes random ops; "
                   "--functionalize-rng lets aotviz recompute it with its RNG state replayed)";
      }
    } else if (b) {
      d.placement = Placement::Backward;
      bool closure = item >= 0 && v.tangents_closure[item];
      d.rule = closure ? Rule::TangentClosure : Rule::BackwardOnly;
      d.reason = closure ? "computed in the backward: it depends on the tangents"
                         : n.prov.phase == ir::Phase::Forward
                               ? "traced in the forward, but only the backward needs it: computed there"
                               : "computed in the backward: only the backward needs it";
      if (item >= 0 && choice.budget_recompute[item] && !closure) {
        d.rule = Rule::Budget;
        d.reason = "moved to the backward to keep saved activations within the memory budget";
      }
    } else {
      d.placement = Placement::Unused;
      d.rule = Rule::Unused;
      d.reason = "in neither graph (nothing uses it)";
    }
    r.nodes.push_back(std::move(d));
  }

  for (const auto& [gone, kept] : merged) {
    NodeDecision d;
    d.name = gone;
    d.placement = Placement::Unused;
    d.rule = Rule::MergedByCse;
    d.reason = "identical to " + kept + ": merged into it by CSE before the cut";
    r.nodes.push_back(std::move(d));
  }
  for (const SavedValue& s : r.saved) {
    r.totals.saved_bytes += s.bytes;
    if (s.kind == "activation") r.totals.activation_bytes += s.bytes;
  }
  r.totals.saved_count = r.saved.size();
  r.totals.forward_nodes = e.forward.numCalls();
  r.totals.backward_nodes = e.backward.numCalls();
  r.totals.backward_peak_bytes = backwardPeakBytes(e.backward);
  r.joint = std::move(joint);
  r.forward = std::move(e.forward);
  r.backward = std::move(e.backward);
  r.totals.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return r;
}

double estimateRuntime(const ir::Graph& g, const ir::Node& n) {
  if (n.kind != ir::NodeKind::Call) return 1;
  auto meta = [&](size_t arg) -> const ir::TensorMeta* {
    if (arg >= n.args.size() || n.args[arg].kind != ir::Arg::Kind::Value) return nullptr;
    return &g.value(n.args[arg].value).meta;
  };
  auto numel = [](const ir::TensorMeta& m) { return static_cast<double>(m.numel()); };
  const std::string p = n.opShortName();
  if (p == "mm" || p == "addmm" || p == "bmm") {
    const ir::TensorMeta* a = meta(p == "addmm" ? 1 : 0);
    if (a && !a->sizes.empty() && !n.outputs.empty())
      return std::max(1.0, 2.0 * numel(g.value(n.outputs[0]).meta) * static_cast<double>(a->sizes.back()));
  }
  if (p == "convolution") {
    const ir::TensorMeta* w = meta(1);
    if (w && !w->sizes.empty() && w->sizes[0] > 0 && !n.outputs.empty())
      return std::max(1.0, 2.0 * numel(g.value(n.outputs[0]).meta) * numel(*w) / static_cast<double>(w->sizes[0]));
  }
  return 1;
}

std::vector<Moved> movedNodes(const PartitionResult& a, const PartitionResult& b) {
  std::unordered_map<std::string, Placement> before;
  for (const NodeDecision& d : a.nodes) before.emplace(d.name, d.placement);
  std::vector<Moved> moved;
  for (const NodeDecision& d : b.nodes) {
    auto it = before.find(d.name);
    if (it != before.end() && it->second != d.placement) moved.push_back({d.name, it->second, d.placement});
  }
  return moved;
}

}  // namespace aotviz::partition
