// core/pipeline/stage_results.cpp — the stage results' JSON (a snapshot's "summary"): one writer and one validating
// reader per stage.
#include "core/pipeline/stage_results.h"

#include "core/util/json_read.h"

namespace aotviz::pipeline {

using nlohmann::json;

namespace {

const util::JsonReader kR{"load", "the stage's summary is damaged or from another aotviz version"};

int64_t intAt(const json& j, const char* key, const std::string& p) { return kR.intAt(j, key, p); }
int64_t intOr(const json& j, const char* key, const std::string& p, int64_t d) {  // fields added in later versions
  return j.contains(key) ? kR.intAt(j, key, p) : d;
}

json countsJson(const GraphCounts& c) {
  return {{"nodes", c.nodes}, {"call_nodes", c.call_nodes}, {"inputs", c.inputs}, {"outputs", c.outputs}};
}
GraphCounts countsFrom(const json& j, const std::string& p) {
  return {intAt(j, "nodes", p), intAt(j, "call_nodes", p), intAt(j, "inputs", p), intAt(j, "outputs", p)};
}

template <class Table>
auto enumAt(const json& j, const char* key, const std::string& p, const Table& names) {
  const std::string s = kR.stringAt(j, key, p);
  auto v = names.parse(s);
  if (!v) kR.bad(p + "." + key, "unknown " + std::string(names.what) + " '" + s + "' (expected " + names.choices() + ")");
  return *v;
}

struct ToJson {
  json operator()(const std::monostate&) const { return json::object(); }
  json operator()(const InputsResult& r) const {
    json j = json::object();
    if (!r.model.empty() || r.trace_compiles.empty()) {
      json inputs = json::array();
      for (const InputRow& in : r.inputs)
        inputs.push_back({{"name", in.name}, {"kind", in.kind}, {"sizes", in.sizes}, {"dtype", in.dtype},
                          {"requires_grad", in.requires_grad}});
      j = {{"model", r.model}, {"description", r.description}, {"inputs", inputs}, {"grad_enabled", r.grad_enabled}};
    }
    if (!r.trace_compiles.empty()) {
      j["trace_compiles"] = json::array();
      for (const TraceCompile& c : r.trace_compiles)
        j["trace_compiles"].push_back({{"id", c.id}, {"label", c.label}, {"has_graph", c.has_graph}});
    }
    return j;
  }
  json operator()(const MetadataResult& r) const {
    return {{"is_train", r.is_train},
            {"mutated_inputs", r.mutated_inputs},
            {"outputs_aliasing_inputs", r.outputs_aliasing_inputs},
            {"outputs_aliasing_intermediates", r.outputs_aliasing_intermediates}};
  }
  json operator()(const DedupeResult& r) const { return {{"strategy", r.strategy}}; }
  json operator()(const SyntheticBaseResult& r) const { return {{"applied", r.applied}}; }
  json operator()(const JointResult& r) const {
    json j = countsJson(r.counts);
    j.update({{"is_joint", r.is_joint},
              {"primals", r.primals},
              {"tangents", r.tangents},
              {"num_fwd_outputs", r.num_fwd_outputs},
              {"ops_recorded", r.ops_recorded},
              {"cpu_fallbacks", r.cpu_fallbacks},
              {"cpu_fallbacks_replayed", r.cpu_fallbacks_replayed}});
    return j;
  }
  json operator()(const PassesResult& r) const {
    json j = countsJson(r.counts);
    j["dead_nodes_removed"] = r.dead_nodes_removed;
    return j;
  }
  json operator()(const CacheResult& r) const {
    return {{"key", r.key},
            {"hit", r.hit},
            {"dir", r.dir},
            {"entry", r.entry},
            {"stats", {{"hits", r.stats.hits}, {"misses", r.stats.misses}, {"corrupt", r.stats.corrupt},
                       {"writes", r.stats.writes}}}};
  }
  json operator()(const PartitionSummary& r) const {
    return {{"from_cache", r.from_cache},
            {"partitioner", partition::partitionerName(r.partitioner)},
            {"rules", partition::rulesName(r.rules)},
            {"memory_budget", r.memory_budget},
            {"totals", partition::totalsToJson(r.totals)}};
  }
  json operator()(const CompileResult& r) const {
    json graphs = json::array();
    for (const CompiledGraphRow& g : r.graphs) graphs.push_back({{"graph", g.graph}, {"call_nodes", g.call_nodes}});
    return {{"backend", r.backend}, {"device", r.device}, {"graphs", graphs}};
  }
  json operator()(const RuntimeResult& r) const {
    return {{"training", r.training},
            {"dedupe", r.dedupe},
            {"synthetic_base", r.synthetic_base},
            {"input_mutations_written_back", r.input_mutations_written_back},
            {"outputs_regenerated_as_aliases", r.outputs_regenerated_as_aliases}};
  }
  json operator()(const ExecutionResult& r) const {
    return {{"report", execution::reportToJson(r.report)}, {"chrome_trace", exec::chromeTrace(r.profile)}};
  }
};

InputsResult inputsFrom(const json& j, const std::string& p) {
  InputsResult r;
  if (j.contains("trace_compiles")) {
    const std::string tp = p + ".trace_compiles";
    const json& a = kR.array(kR.field(j, "trace_compiles", p), tp);
    for (size_t i = 0; i < a.size(); ++i) {
      const std::string ip = util::indexPath(tp, i);
      r.trace_compiles.push_back({kR.stringAt(a[i], "id", ip), kR.stringAt(a[i], "label", ip), kR.boolAt(a[i], "has_graph", ip)});
    }
    if (!j.contains("model")) return r;  // a TORCH_TRACE compile: PyTorch opened the model
  }
  r.model = kR.stringAt(j, "model", p);
  r.description = kR.stringAt(j, "description", p);
  r.grad_enabled = kR.boolAt(j, "grad_enabled", p);
  const json& a = kR.array(kR.field(j, "inputs", p), p + ".inputs");
  for (size_t i = 0; i < a.size(); ++i) {
    const std::string ip = util::indexPath(p + ".inputs", i);
    InputRow in;
    in.name = kR.stringAt(a[i], "name", ip);
    in.kind = kR.stringAt(a[i], "kind", ip);
    if (in.kind != "param" && in.kind != "buffer" && in.kind != "user")
      kR.bad(ip + ".kind", "is '" + in.kind + "', expected param, buffer or user");
    in.sizes = kR.getInts(kR.field(a[i], "sizes", ip), ip + ".sizes");
    in.dtype = kR.stringAt(a[i], "dtype", ip);
    in.requires_grad = kR.boolAt(a[i], "requires_grad", ip);
    r.inputs.push_back(std::move(in));
  }
  return r;
}

StageResult readResult(StageId id, const json& j, const std::string& p) {
  switch (id) {
    case StageId::Inputs: return inputsFrom(j, p);
    case StageId::Metadata:
      return MetadataResult{kR.boolAt(j, "is_train", p), intAt(j, "mutated_inputs", p),
                            intAt(j, "outputs_aliasing_inputs", p), intAt(j, "outputs_aliasing_intermediates", p)};
    case StageId::Dedupe: return DedupeResult{kR.stringAt(j, "strategy", p)};
    case StageId::SyntheticBase: return SyntheticBaseResult{kR.boolAt(j, "applied", p)};
    case StageId::Joint: {
      JointResult r;
      r.counts = countsFrom(j, p);
      r.is_joint = kR.boolAt(j, "is_joint", p);
      r.primals = intAt(j, "primals", p);
      r.tangents = intAt(j, "tangents", p);
      r.num_fwd_outputs = intAt(j, "num_fwd_outputs", p);
      r.ops_recorded = intOr(j, "ops_recorded", p, 0);
      r.cpu_fallbacks = intOr(j, "cpu_fallbacks", p, 0);
      r.cpu_fallbacks_replayed = intOr(j, "cpu_fallbacks_replayed", p, 0);
      return r;
    }
    case StageId::Passes: return PassesResult{countsFrom(j, p), intAt(j, "dead_nodes_removed", p)};
    case StageId::Cache: {
      CacheResult r;
      r.key = kR.stringAt(j, "key", p);
      r.hit = kR.boolAt(j, "hit", p);
      r.dir = kR.stringAt(j, "dir", p);
      r.entry = kR.stringAt(j, "entry", p);
      const json& s = kR.field(j, "stats", p);
      const std::string sp = p + ".stats";
      auto count = [&](const char* k) { return static_cast<size_t>(intAt(s, k, sp)); };
      r.stats = {count("hits"), count("misses"), count("corrupt"), count("writes")};
      return r;
    }
    case StageId::Partition: {
      PartitionSummary r;
      r.from_cache = kR.boolAt(j, "from_cache", p);
      r.partitioner = enumAt(j, "partitioner", p, partition::kPartitionerNames);
      r.rules = enumAt(j, "rules", p, partition::kRulesNames);
      r.memory_budget = kR.doubleAt(j, "memory_budget", p);
      r.totals = partition::totalsFromJson(kR.field(j, "totals", p), p + ".totals");
      return r;
    }
    case StageId::Compile: {
      CompileResult r;
      r.backend = kR.stringAt(j, "backend", p);
      r.device = kR.stringAt(j, "device", p);
      const json& a = kR.array(kR.field(j, "graphs", p), p + ".graphs");
      for (size_t i = 0; i < a.size(); ++i) {
        const std::string gp = util::indexPath(p + ".graphs", i);
        r.graphs.push_back({kR.stringAt(a[i], "graph", gp), intAt(a[i], "call_nodes", gp)});
      }
      return r;
    }
    case StageId::Runtime:
      return RuntimeResult{kR.boolAt(j, "training", p), kR.stringAt(j, "dedupe", p), kR.boolAt(j, "synthetic_base", p),
                           intAt(j, "input_mutations_written_back", p), intAt(j, "outputs_regenerated_as_aliases", p)};
    case StageId::Execution: {
      ExecutionResult r;
      r.report = execution::reportFromJson(kR.field(j, "report", p), p + ".report");
      r.profile = exec::profileFromChromeTrace(kR.field(j, "chrome_trace", p), p + ".chrome_trace");
      return r;
    }
  }
  return std::monostate{};
}

}  // namespace

json resultToJson(const StageResult& r) { return std::visit(ToJson{}, r); }

StageResult resultFromJson(StageId id, const json& j, const std::string& path, bool expect_result) {
  if (!j.is_object()) kR.bad(path, "expected an object");
  if (j.empty() && !expect_result) return std::monostate{};
  return readResult(id, j, path);
}

}  // namespace aotviz::pipeline
