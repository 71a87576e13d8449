// core/trace/pytorch_partition.cpp — PyTorch's partition from its printed graphs (see pytorch_partition.h).
#include "core/trace/pytorch_partition.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <set>

namespace aotviz::trace {

namespace {

bool startsWith(const std::string& s, const char* p) { return s.rfind(p, 0) == 0; }

/// `static_input_indices=[0, 1, 3]` in the ViewAndMutationMeta repr. Scanned by hand: std::regex recurses once per
/// character it repeats over and overflows the stack on the index lists of big models (a thousand parameters).
std::vector<size_t> staticInputs(const std::string& meta) {
  std::vector<size_t> out;
  const std::string key = "static_input_indices=[";
  const size_t at = meta.find(key);
  if (at == std::string::npos) return out;
  const size_t end = meta.find(']', at);
  size_t value = 0;
  bool digits = false;
  for (size_t i = at + key.size(); i < end && i < meta.size(); ++i) {
    const char c = meta[i];
    if (c >= '0' && c <= '9') {
      value = value * 10 + static_cast<size_t>(c - '0');
      digits = true;
    } else if (c == ',' || std::isspace(static_cast<unsigned char>(c))) {  // the repr wraps long lists
      if (digits) out.push_back(value);
      value = 0;
      digits = false;
    } else {
      return {};  // not a list of indices
    }
  }
  if (digits) out.push_back(value);
  return out;
}

double budget(const std::string& config) {
  if (config.empty()) return 1.0;
  const auto j = nlohmann::json::parse(config, nullptr, /*allow_exceptions=*/false);
  if (j.is_object() && j.contains("activation_memory_budget") && j.at("activation_memory_budget").is_number())
    return j.at("activation_memory_budget").get<double>();
  return 1.0;
}

void split(const std::vector<std::string>& a, const std::vector<std::string>& b, std::vector<std::string>& both,
           std::vector<std::string>& only_a, std::vector<std::string>& only_b) {
  const std::set<std::string> sa(a.begin(), a.end()), sb(b.begin(), b.end());
  for (const auto& x : a) (sb.count(x) ? both : only_a).push_back(x);
  for (const auto& x : b)
    if (!sa.count(x)) only_b.push_back(x);
}

/// The knapsack of a min_cut_information payload (ac_logging_utils.py: "Joint Graph Node Information" with
/// recomputable_candidate_info per candidate, and "Min Cut Solution Saved Values").
void readMinCut(const std::string& payload, PyTorchDecision& d) {
  const auto j = nlohmann::json::parse(payload, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return;
  if (j.contains("Min Cut Solution Saved Values") && j.at("Min Cut Solution Saved Values").is_array())
    for (const auto& n : j.at("Min Cut Solution Saved Values"))
      if (n.is_string()) d.min_cut_saved.push_back(n.get<std::string>());
  if (!j.contains("Joint Graph Node Information") || !j.at("Joint Graph Node Information").is_object()) return;
  for (const auto& [name, info] : j.at("Joint Graph Node Information").items()) {
    if (!info.is_object() || !info.contains("recomputable_candidate_info")) continue;
    const auto& c = info.at("recomputable_candidate_info");
    PyTorchDecision::KnapsackItem k;
    k.name = name;
    k.memory = c.value("memory", int64_t(0));
    k.runtime = c.value("runtime", 0.0);
    k.saved = c.value("is_saved", false);
    d.knapsack.push_back(std::move(k));
  }
}

}  // namespace

std::string PyTorchDecision::reason(const std::string& name) const {
  for (const KnapsackItem& k : knapsack)
    if (k.name == name)
      return std::string("PyTorch's knapsack (budget ") + std::to_string(memory_budget).substr(0, 4) + "): " +
             (k.saved ? "kept saved" : "recomputed to meet the budget") + ", " + std::to_string(k.memory) +
             " bytes, estimated runtime " + std::to_string(static_cast<int64_t>(k.runtime));
  return {};
}

PyTorchDecision pytorchDecision(const FxGraph& joint, const FxGraph& forward, const FxGraph& backward,
                                const std::string& fw_metadata, const std::string& functorch_config,
                                const std::string& min_cut) {
  PyTorchDecision d;
  if (!min_cut.empty()) readMinCut(min_cut, d);
  d.static_inputs = staticInputs(fw_metadata);
  d.memory_budget = budget(functorch_config);
  for (const std::string& desc : joint.output_descs) d.num_fwd_outputs += !startsWith(desc, "GradAOTOutput");

  // Saved: the forward's outputs that AOTAutograd marks as saved for the backward.
  const ir::Node* out = forward.graph.outputNode();
  for (size_t k = 0; out && k < out->args.size() && k < forward.output_descs.size(); ++k) {
    const ir::Arg& a = out->args[k];
    if (!startsWith(forward.output_descs[k], "SavedForBackwards") || a.kind != ir::Arg::Kind::Value) continue;
    const ir::Value& v = forward.graph.value(a.value);
    d.saved.push_back(v.name);
    d.saved_bytes.push_back(v.meta.bytes());
    d.total_saved_bytes += v.meta.bytes();
  }

  // Recomputed: backward calls the forward computes too (the partitioner keeps joint names in both graphs). A
  // forward node of the joint that only the backward uses (t(primals_1) for a gradient) is not recomputed.
  std::set<std::string> in_forward;
  for (const ir::Node& n : forward.graph.nodes)
    if (n.kind == ir::NodeKind::Call) in_forward.insert(n.name);
  for (const ir::Node& n : backward.graph.nodes)
    if (n.kind == ir::NodeKind::Call && in_forward.count(n.name)) d.recomputed.push_back(n.name);
  return d;
}

partition::PartitionResult pytorchPartition(const PyTorchDecision& d, const FxGraph& joint, const FxGraph& forward,
                                            const FxGraph& backward) {
  using partition::Placement;
  partition::PartitionResult r;
  r.forward = forward.graph;
  r.backward = backward.graph;
  r.joint = joint.graph;
  r.options = matchingOptions(d);
  r.num_fwd_outputs = d.num_fwd_outputs;
  std::set<std::string> fw, bw, inputs;
  for (const ir::Node& n : forward.graph.nodes)
    if (n.kind == ir::NodeKind::Call) fw.insert(n.name);
  for (const ir::Node& n : backward.graph.nodes)
    if (n.kind == ir::NodeKind::Call) bw.insert(n.name);
  const std::set<std::string> recomputed(d.recomputed.begin(), d.recomputed.end());
  for (const ir::Node& n : joint.graph.nodes) {
    if (n.kind == ir::NodeKind::Output) continue;
    partition::NodeDecision nd;
    nd.name = n.name;
    nd.rule = partition::Rule::TakenByPyTorch;
    if (n.kind == ir::NodeKind::Placeholder) {
      nd.placement = Placement::Input;
      nd.reason = "an input of PyTorch's joint graph";
      for (ir::ValueId v : n.outputs) inputs.insert(joint.graph.value(v).name);
    } else {
      nd.op = n.qualifiedOp();
      nd.placement = recomputed.count(n.name) ? Placement::Recomputed
                     : fw.count(n.name)       ? Placement::Forward
                     : bw.count(n.name)       ? Placement::Backward
                                              : Placement::Unused;
      nd.reason = nd.placement == Placement::Recomputed ? "PyTorch recomputes it in the backward (in both of its graphs)"
                  : nd.placement == Placement::Forward  ? "in PyTorch's forward graph"
                  : nd.placement == Placement::Backward ? "in PyTorch's backward graph"
                                                        : "in neither of PyTorch's graphs (merged by its CSE or removed as dead)";
      const std::string why = d.reason(n.name);
      if (!why.empty()) nd.reason += "; " + why;
    }
    r.nodes.push_back(std::move(nd));
  }
  for (size_t i = 0; i < d.saved.size(); ++i) {
    partition::SavedValue sv;
    sv.name = d.saved[i];
    sv.bytes = d.saved_bytes[i];
    sv.kind = inputs.count(sv.name) ? "graph_input" : "activation";
    sv.rule = partition::Rule::TakenByPyTorch;
    sv.reason = d.reason(sv.name);
    if (sv.reason.empty()) sv.reason = "PyTorch's forward returns it for the backward (a SavedForBackwards output)";
    r.totals.saved_bytes += sv.bytes;
    if (sv.kind == "activation") r.totals.activation_bytes += sv.bytes;
    r.saved.push_back(std::move(sv));
  }
  r.totals.saved_count = r.saved.size();
  r.totals.recomputed_nodes = d.recomputed.size();
  r.totals.forward_nodes = fw.size();
  r.totals.backward_nodes = bw.size();
  r.totals.backward_peak_bytes = partition::backwardPeakBytes(r.backward);
  r.notes.push_back("PyTorch's own partition, read from the forward and backward graphs of its TORCH_TRACE log");
  return r;
}

partition::Options matchingOptions(const PyTorchDecision& d) {
  partition::Options o;
  o.partitioner = partition::Partitioner::MinCut;
  o.rules = partition::Rules::Current;
  o.memory_budget = d.memory_budget;
  return o;
}

PartitionDiff diffPartitions(const PyTorchDecision& pytorch, const partition::PartitionResult& aotviz) {
  PartitionDiff diff;
  std::vector<std::string> ours;
  for (const auto& s : aotviz.saved) ours.push_back(s.name);
  split(pytorch.saved, ours, diff.saved_by_both, diff.saved_only_by_pytorch, diff.saved_only_by_aotviz);
  diff.pytorch_bytes = pytorch.total_saved_bytes;
  diff.aotviz_bytes = aotviz.totals.saved_bytes;
  std::vector<std::string> recomputed;
  for (const auto& n : aotviz.nodes)
    if (n.placement == partition::Placement::Recomputed) recomputed.push_back(n.name);
  split(pytorch.recomputed, recomputed, diff.recomputed_by_both, diff.recomputed_only_by_pytorch,
        diff.recomputed_only_by_aotviz);
  return diff;
}

}  // namespace aotviz::trace
