// core/partition/partition_json.cpp — partition.json: writing it, and reading it back (cache entries, sessions).
#include <nlohmann/json.hpp>

#include "core/ir/serialize.h"
#include "core/partition/partition.h"
#include "core/util/diagnostic.h"
#include "core/util/json_read.h"

namespace aotviz::partition {

namespace {

template <typename E, typename NameFn>
E enumFromName(const util::JsonReader& R, const nlohmann::json& j, const std::string& path, E last, NameFn name) {
  std::string s = R.getString(j, path);
  for (int i = 0; i <= static_cast<int>(last); ++i)
    if (s == name(static_cast<E>(i))) return static_cast<E>(i);
  R.bad(path, "unknown value '" + s + "'");
}

}  // namespace

nlohmann::json partitionToJson(const PartitionResult& r, bool with_graphs) {
  using json = nlohmann::json;
  json saved = json::array();
  for (const SavedValue& s : r.saved)
    saved.push_back({{"name", s.name}, {"bytes", s.bytes}, {"kind", s.kind}, {"rule", ruleName(s.rule)}, {"reason", s.reason}});
  json nodes = json::array();
  for (const NodeDecision& d : r.nodes) {
    json n = {{"name", d.name}, {"placement", placementName(d.placement)}, {"rule", ruleName(d.rule)}, {"reason", d.reason}};
    if (!d.op.empty()) n["op"] = d.op;
    nodes.push_back(std::move(n));
  }
  std::map<std::string, std::string> overrides;
  for (const auto& [k, o] : r.options.overrides) overrides[k] = overrideName(o);
  json j = {{"format", "aotviz.partition"},
            {"schema_version", kPartitionSchemaVersion},
            {"partitioner", partitionerName(r.options.partitioner)},
            {"rules", rulesName(r.options.rules)},
            {"memory_budget", r.options.memory_budget},
            {"overrides", overrides},
            {"functionalize_rng", r.options.functionalize_rng},
            {"num_fwd_outputs", r.num_fwd_outputs},
            {"static_inputs", r.static_inputs},
            {"totals", totalsToJson(r.totals)},
            {"saved", saved},
            {"nodes", nodes},
            {"notes", r.notes}};
  if (with_graphs) {
    j["graphs"] = {{"forward", ir::graphToJson(r.forward)},
                   {"backward", ir::graphToJson(r.backward)},
                   {"joint", ir::graphToJson(r.joint)}};
  }
  return j;
}

nlohmann::json totalsToJson(const Totals& t) {
  return {{"saved_bytes", t.saved_bytes},
          {"activation_bytes", t.activation_bytes},
          {"saved_count", t.saved_count},
          {"recomputed_nodes", t.recomputed_nodes},
          {"forward_nodes", t.forward_nodes},
          {"backward_nodes", t.backward_nodes},
          {"backward_peak_bytes_estimate", t.backward_peak_bytes},
          {"partition_ms", t.seconds * 1e3}};
}

Totals totalsFromJson(const nlohmann::json& t, const std::string& p) {
  const util::JsonReader R{"load", "the partition totals are damaged or from another aotviz version"};
  Totals r;
  r.saved_bytes = R.intAt(t, "saved_bytes", p);
  r.activation_bytes = R.intAt(t, "activation_bytes", p);
  r.saved_count = static_cast<size_t>(R.intAt(t, "saved_count", p));
  r.recomputed_nodes = static_cast<size_t>(R.intAt(t, "recomputed_nodes", p));
  r.forward_nodes = static_cast<size_t>(R.intAt(t, "forward_nodes", p));
  r.backward_nodes = static_cast<size_t>(R.intAt(t, "backward_nodes", p));
  r.backward_peak_bytes = R.intAt(t, "backward_peak_bytes_estimate", p);
  r.seconds = R.doubleAt(t, "partition_ms", p) / 1e3;
  return r;
}

PartitionResult partitionFromJson(const nlohmann::json& j) {
  const util::JsonReader R{"load", "the partition document is not from this aotviz version, or it is damaged"};
  R.expectFormat(j, "aotviz.partition", kPartitionSchemaVersion);
  PartitionResult r;
  r.options.partitioner = parsePartitioner(R.stringAt(j, "partitioner", ""));
  r.options.rules = parseRules(R.stringAt(j, "rules", ""));
  r.options.memory_budget = R.doubleAt(j, "memory_budget", "");
  const auto& ov = R.field(j, "overrides", "");
  if (!ov.is_object()) R.bad("overrides", "expected an object");
  for (const auto& [name, v] : ov.items()) {
    auto o = parseOverride(R.getString(v, "overrides." + name));
    if (!o) R.bad("overrides." + name, "expected must_save or must_recompute");
    r.options.overrides[name] = *o;
  }
  if (j.contains("functionalize_rng")) r.options.functionalize_rng = R.boolAt(j, "functionalize_rng", "");
  r.num_fwd_outputs = static_cast<size_t>(R.intAt(j, "num_fwd_outputs", ""));
  if (j.contains("static_inputs")) {  // added in aotviz 0.3
    const auto& si = R.array(R.field(j, "static_inputs", ""), "static_inputs");
    for (size_t i = 0; i < si.size(); ++i) {
      const int64_t k = R.getInt(si[i], util::indexPath("static_inputs", i));
      if (k < 0) R.bad(util::indexPath("static_inputs", i), "expected a primal index, got " + std::to_string(k));
      r.static_inputs.push_back(static_cast<size_t>(k));
    }
  }
  r.totals = totalsFromJson(R.field(j, "totals", ""), "totals");
  const auto& saved = R.array(R.field(j, "saved", ""), "saved");
  for (size_t i = 0; i < saved.size(); ++i) {
    std::string p = util::indexPath("saved", i);
    SavedValue s;
    s.name = R.stringAt(saved[i], "name", p);
    s.bytes = R.intAt(saved[i], "bytes", p);
    s.kind = R.stringAt(saved[i], "kind", p);
    s.rule = enumFromName(R, R.field(saved[i], "rule", p), p + ".rule", Rule::Unused, ruleName);
    s.reason = R.stringAt(saved[i], "reason", p);
    r.saved.push_back(std::move(s));
  }
  const auto& nodes = R.array(R.field(j, "nodes", ""), "nodes");
  for (size_t i = 0; i < nodes.size(); ++i) {
    std::string p = util::indexPath("nodes", i);
    NodeDecision d;
    d.name = R.stringAt(nodes[i], "name", p);
    if (nodes[i].contains("op")) d.op = R.stringAt(nodes[i], "op", p);
    d.placement = enumFromName(R, R.field(nodes[i], "placement", p), p + ".placement", Placement::Unused, placementName);
    d.rule = enumFromName(R, R.field(nodes[i], "rule", p), p + ".rule", Rule::Unused, ruleName);
    d.reason = R.stringAt(nodes[i], "reason", p);
    r.nodes.push_back(std::move(d));
  }
  r.totals.saved_count = r.saved.size();
  r.notes = R.getStrings(R.field(j, "notes", ""), "notes");
  const auto& g = R.field(j, "graphs", "");
  r.forward = ir::graphFromJson(R.field(g, "forward", "graphs"));
  r.backward = ir::graphFromJson(R.field(g, "backward", "graphs"));
  r.joint = ir::graphFromJson(R.field(g, "joint", "graphs"));
  const ir::Node* out = r.forward.outputNode();
  size_t n_out = out ? out->args.size() : 0;
  if (n_out != r.num_fwd_outputs + r.saved.size())
    R.bad("graphs.forward", "has " + std::to_string(n_out) + " outputs, expected " +
                                std::to_string(r.num_fwd_outputs) + " forward outputs + " +
                                std::to_string(r.saved.size()) + " saved values");
  return r;
}

}  // namespace aotviz::partition
