// core/pipeline/config.cpp — Config JSON and which stages a config change affects.
#include "core/pipeline/config.h"

#include <ostream>

#include "core/pipeline/stages.h"
#include "core/util/diagnostic.h"
#include "core/util/json_read.h"

namespace aotviz::pipeline {

using nlohmann::json;

json Config::toJson() const {
  json ov = json::object();
  for (const auto& [k, o] : overrides) ov[k] = partition::overrideName(o);
  return {{"model", model},
          {"inputs_spec", inputs_spec},
          {"model_options", model_options},
          {"seed", seed},
          {"trace", capture::kTraceModeNames.name(trace)},
          {"device", device},
          {"keep_input_mutations", keep_input_mutations},
          {"partitioner", kPartitionerChoiceNames.name(partitioner)},
          {"rules", partition::rulesName(rules)},
          {"memory_budget", memory_budget},
          {"overrides", ov},
          {"functionalize_rng", functionalize_rng},
          {"use_cache", use_cache},
          {"cache_dir", cache_dir},
          {"backend", exec::backendName(backend)},
          {"iters", iters},
          {"rtol", rtol},
          {"atol", atol}};
}

namespace {
const util::JsonReader kReader{"load", "the session's config is damaged or from another aotviz version"};

template <class Table>
auto enumAt(const json& j, const char* key, const std::string& path, const Table& names) {
  const std::string s = kReader.stringAt(j, key, path);
  auto v = names.parse(s);
  if (!v) kReader.bad(path + "." + key, "unknown " + std::string(names.what) + " '" + s + "' (expected " + names.choices() + ")");
  return *v;
}
}  // namespace

std::optional<partition::Partitioner> partitionerOf(PartitionerChoice c) {
  if (c == PartitionerChoice::None) return std::nullopt;
  return c == PartitionerChoice::Default ? partition::Partitioner::Default : partition::Partitioner::MinCut;
}

Config Config::fromJson(const json& j) {
  const util::JsonReader& R = kReader;
  const std::string p = "config";
  Config c;
  c.model = R.stringAt(j, "model", p);
  c.inputs_spec = R.stringAt(j, "inputs_spec", p);
  if (j.contains("model_options")) {  // added in aotviz 0.3
    const json& mo = R.field(j, "model_options", p);
    if (!mo.is_object()) R.bad(p + ".model_options", "expected an object");
    for (const auto& [k, v] : mo.items()) c.model_options[k] = R.intAt(mo, k.c_str(), p + ".model_options");
  }
  c.seed = static_cast<uint64_t>(R.intAt(j, "seed", p));
  c.trace = enumAt(j, "trace", p, capture::kTraceModeNames);
  c.device = R.stringAt(j, "device", p);
  c.keep_input_mutations = R.boolAt(j, "keep_input_mutations", p);
  c.partitioner = enumAt(j, "partitioner", p, kPartitionerChoiceNames);
  c.rules = enumAt(j, "rules", p, partition::kRulesNames);
  c.memory_budget = R.doubleAt(j, "memory_budget", p);
  const json& ov = R.field(j, "overrides", p);
  if (!ov.is_object()) R.bad(p + ".overrides", "expected an object");
  for (const auto& [k, v] : ov.items()) {
    auto o = partition::parseOverride(R.getString(v, p + ".overrides." + k));
    if (!o) R.bad(p + ".overrides." + k, "expected must_save or must_recompute");
    c.overrides[k] = *o;
  }
  // Added in aotviz 0.2 (sessions written before have none: the defaults).
  if (j.contains("functionalize_rng")) c.functionalize_rng = R.boolAt(j, "functionalize_rng", p);
  c.use_cache = R.boolAt(j, "use_cache", p);
  c.cache_dir = R.stringAt(j, "cache_dir", p);
  c.backend = enumAt(j, "backend", p, exec::kBackendNames);
  c.iters = static_cast<int>(R.intAt(j, "iters", p));
  if (j.contains("rtol")) c.rtol = R.doubleAt(j, "rtol", p);
  if (j.contains("atol")) c.atol = R.doubleAt(j, "atol", p);
  return c;
}

StageId parseStage(const std::string& name) {
  if (auto id = findStage(name)) return *id;
  std::string names;
  for (const StageInfo& s : stageList()) names += (names.empty() ? "" : ", ") + std::string(s.name);
  fail("pipeline", "", "unknown stage '" + name + "'", "use one of: " + names);
}

std::ostream& operator<<(std::ostream& os, StageId id) { return os << stageName(id); }

uint8_t changedParts(const Config& a, const Config& b) {
  uint8_t parts = 0;
  if (a.model != b.model || a.inputs_spec != b.inputs_spec || a.model_options != b.model_options || a.seed != b.seed)
    parts |= kModelPart;
  if (a.trace != b.trace || a.device != b.device || a.keep_input_mutations != b.keep_input_mutations) parts |= kTracePart;
  if (a.partitioner != b.partitioner || a.rules != b.rules || a.memory_budget != b.memory_budget ||
      a.overrides != b.overrides || a.functionalize_rng != b.functionalize_rng || a.use_cache != b.use_cache ||
      a.cache_dir != b.cache_dir)
    parts |= kPartitionPart;
  if (a.backend != b.backend) parts |= kBackendPart;
  if (a.iters != b.iters || a.rtol != b.rtol || a.atol != b.atol) parts |= kExecutionPart;
  return parts;
}

size_t firstAffectedStage(const Config& a, const Config& b) {
  const uint8_t parts = changedParts(a, b);
  for (const StageInfo& s : stageList())
    if (s.reads & parts) return index(s.id);
  return stageList().size();
}

}  // namespace aotviz::pipeline
