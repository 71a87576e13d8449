// core/trace/import_compile.cpp — see import_compile.h.
#include "core/trace/import_compile.h"

#include "core/util/diagnostic.h"

namespace aotviz::trace {

namespace {

std::optional<FxGraph> read(const std::optional<Artifact>& a, GraphKind kind, std::vector<std::string>& errors) {
  if (!a) return std::nullopt;
  try {
    return parseFxGraph(a->code, kind, a->file, a->line + 1);
  } catch (const AotError& e) {
    errors.push_back(e.diagnostic().node + ": " + e.diagnostic().message);
  }
  return std::nullopt;
}

nlohmann::json graphJson(const std::optional<FxGraph>& g) {
  if (!g) return nullptr;
  return {{"nodes", g->graph.nodes.size()}, {"calls", g->graph.numCalls()}, {"opaque", g->opaque}};
}

}  // namespace

ImportedCompile importCompile(const CompiledGraph& g, const WhatIf& what_if) {
  ImportedCompile c;
  c.compile_id = g.compile_id;
  c.label = g.label();
  c.joint = read(g.joint, GraphKind::Joint, c.errors);
  c.forward = read(g.forward, GraphKind::Forward, c.errors);
  c.backward = read(g.backward, GraphKind::Backward, c.errors);
  c.inference = read(g.inference, GraphKind::Inference, c.errors);
  for (const Artifact& a : g.post_grad)
    if (auto p = read(a, GraphKind::Other, c.errors)) c.post_grad.push_back(std::move(*p));
  if (!c.joint) return c;
  if (c.forward && c.backward) {
    c.pytorch = pytorchDecision(*c.joint, *c.forward, *c.backward, g.fw_metadata ? g.fw_metadata->code : "",
                                g.functorch_config ? g.functorch_config->code : "", g.min_cut ? g.min_cut->code : "");
    c.pytorch_partition = pytorchPartition(*c.pytorch, *c.joint, *c.forward, *c.backward);
  }
  PyTorchDecision base = c.pytorch.value_or(PyTorchDecision{});
  if (!c.pytorch)
    for (const std::string& d : c.joint->output_descs) base.num_fwd_outputs += d.rfind("GradAOTOutput", 0) != 0;
  partition::Options options = matchingOptions(base);
  if (what_if.memory_budget) options.memory_budget = *what_if.memory_budget;
  options.overrides = what_if.overrides;
  try {
    c.aotviz = partition::partitionJoint(c.joint->graph, base.num_fwd_outputs, base.static_inputs, options);
  } catch (const AotError& e) {
    c.errors.push_back(g.joint->file + ":" + std::to_string(g.joint->line) + ": aotviz's partitioner: " + e.diagnostic().message);
    return c;
  }
  if (c.pytorch) c.diff = diffPartitions(*c.pytorch, *c.aotviz);
  return c;
}

nlohmann::json importToJson(const ImportedCompile& c) {
  nlohmann::json j = {{"compile_id", c.compile_id}, {"label", c.label},       {"joint", graphJson(c.joint)},
                      {"forward", graphJson(c.forward)}, {"backward", graphJson(c.backward)},
                      {"inference", graphJson(c.inference)}, {"post_grad", c.post_grad.size()}, {"errors", c.errors}};
  if (c.pytorch)
    j["pytorch"] = {{"saved", c.pytorch->saved},
                    {"saved_bytes", c.pytorch->total_saved_bytes},
                    {"recomputed", c.pytorch->recomputed},
                    {"memory_budget", c.pytorch->memory_budget},
                    {"static_inputs", c.pytorch->static_inputs},
                    {"min_cut_saved", c.pytorch->min_cut_saved},
                    {"knapsack", nlohmann::json::array()}};
  if (c.pytorch)
    for (const auto& k : c.pytorch->knapsack)
      j["pytorch"]["knapsack"].push_back(
          {{"name", k.name}, {"memory", k.memory}, {"runtime", k.runtime}, {"saved", k.saved}, {"reason", c.pytorch->reason(k.name)}});
  if (c.aotviz) {
    std::vector<std::string> saved, recomputed;
    for (const auto& s : c.aotviz->saved) saved.push_back(s.name);
    for (const auto& n : c.aotviz->nodes)
      if (n.placement == partition::Placement::Recomputed) recomputed.push_back(n.name);
    j["aotviz"] = {{"saved", saved},
                   {"saved_bytes", c.aotviz->totals.saved_bytes},
                   {"recomputed", recomputed},
                   {"memory_budget", c.aotviz->options.memory_budget},
                   {"partitioner", partition::partitionerName(c.aotviz->options.partitioner)}};
  }
  if (c.diff) {
    j["diff"] = {{"same", c.diff->same()},
                 {"saved_by_both", c.diff->saved_by_both},
                 {"saved_only_by_pytorch", c.diff->saved_only_by_pytorch},
                 {"saved_only_by_aotviz", c.diff->saved_only_by_aotviz},
                 {"recomputed_only_by_pytorch", c.diff->recomputed_only_by_pytorch},
                 {"recomputed_only_by_aotviz", c.diff->recomputed_only_by_aotviz},
                 {"placed_differently", nlohmann::json::array()}};
    for (const auto& m : partition::movedNodes(*c.pytorch_partition, *c.aotviz))
      j["diff"]["placed_differently"].push_back(
          {{"name", m.name}, {"pytorch", partition::placementName(m.from)}, {"aotviz", partition::placementName(m.to)}});
  }
  return j;
}

}  // namespace aotviz::trace
