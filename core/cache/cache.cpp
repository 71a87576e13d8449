// core/cache/cache.cpp — cache keys (SHA-1 of canonical JSON key material) and entries (validated JSON files).
#include "core/cache/cache.h"


#include <chrono>
#include <cstdlib>

#include "core/util/build_info.h"
#include "core/ir/serialize.h"
#include "core/ir/verify.h"
#include "core/metadata/view_and_mutation_meta.h"
#include "core/util/atomic_file.h"
#include "core/util/diagnostic.h"
#include "core/util/digest.h"
#include "core/util/json_read.h"

namespace aotviz::cache {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

using util::sha1Hex;

json inputsJson(const std::vector<capture::InputDesc>& inputs) {
  json a = json::array();
  for (const auto& in : inputs) {
    const at::Tensor& t = in.example;
    a.push_back({{"name", in.name},
                 {"kind", static_cast<int>(in.kind)},
                 {"sizes", t.sizes().vec()},
                 {"strides", t.strides().vec()},
                 {"storage_offset", t.storage_offset()},
                 {"dtype", ir::dtypeName(t.scalar_type())},
                 {"requires_grad", in.requires_grad},
                 {"is_leaf", in.is_leaf}});
  }
  return a;
}

}  // namespace

json partitionKeyMaterial(const capture::CaptureResult& cap, const std::vector<size_t>& static_inputs,
                          const partition::Options& opts) {
  partition::PartitionResult options_only;
  options_only.options = opts;
  json o = partition::partitionToJson(options_only);
  json sb = json::array();
  for (const auto& a : cap.synthetic_base.info) sb.push_back({a.inner, a.base, a.sizes, a.strides, a.storage_offset});
  return {{"versions",
           {{"aotviz", AOTVIZ_VERSION},
            {"libtorch", torchVersionString()},
            {"graph_schema", ir::kGraphSchemaVersion},
            {"partition_schema", partition::kPartitionSchemaVersion},
            {"cache_entry_schema", kCacheEntrySchemaVersion}}},
          {"joint_graph", ir::graphToJson(cap.graph)},
          {"num_fwd_outputs", cap.numForwardOutputs()},
          {"graph_inputs", inputsJson(cap.graph_inputs)},
          {"aliasing",
           {{"user_meta", meta::metaToJson(cap.user_meta)},
            {"traced_meta", meta::metaToJson(cap.meta)},
            {"dedupe", {static_cast<int>(cap.dedupe.strategy), cap.dedupe.keep_arg_mask, cap.dedupe.add_dupe_map}},
            {"synthetic_base", sb}}},
          {"config",
           {{"partitioner", o["partitioner"]},
            {"rules", o["rules"]},
            {"memory_budget", o["memory_budget"]},
            {"overrides", o["overrides"]},
            {"functionalize_rng", o["functionalize_rng"]},
            {"static_inputs", static_inputs}}}};
}

// nlohmann::json objects are std::map-ordered, so dump() is canonical.
std::string keyOf(const json& key_material) { return sha1Hex(key_material.dump()); }

std::string partitionKey(const capture::CaptureResult& cap, const std::vector<size_t>& static_inputs,
                         const partition::Options& opts) {
  return keyOf(partitionKeyMaterial(cap, static_inputs, opts));
}

Cache::Cache(fs::path dir) : dir_(std::move(dir)) {}

fs::path Cache::defaultDir() {
  if (const char* d = std::getenv("AOTVIZ_CACHE_DIR"); d && *d) return d;
  if (const char* x = std::getenv("XDG_CACHE_HOME"); x && *x) return fs::path(x) / "aotviz";
  if (const char* h = std::getenv("HOME"); h && *h) return fs::path(h) / ".cache" / "aotviz";
  return ".aotviz-cache";
}

fs::path Cache::entryPath(const std::string& key) const { return dir_ / ("partition-" + key + ".json"); }

std::optional<partition::PartitionResult> Cache::load(const std::string& key, std::vector<std::string>* warnings) {
  const fs::path path = entryPath(key);
  std::error_code ec;
  if (!fs::exists(path, ec)) {
    ++stats_.misses;
    return std::nullopt;
  }
  try {
    const util::JsonReader R{"cache", "the entry is damaged; it will be replaced"};
    json j = json::parse(util::readFile(path, size_t(1) << 30));
    R.expectFormat(j, "aotviz.cache_entry", kCacheEntrySchemaVersion);
    std::string stored = R.stringAt(j, "key", "");
    if (stored != key) R.bad("key", "is " + stored + ", but the file name says " + key);
    const json& record = R.field(j, "partition", "");
    if (R.stringAt(j, "digest", "") != sha1Hex(record.dump()))
      R.bad("digest", "does not match the partition record: the file was changed or damaged after it was written");
    partition::PartitionResult r = partition::partitionFromJson(record);
    // The graphs will be executed: they must pass the verifier, schemas of this LibTorch included.
    for (const auto& [what, g] : {std::pair<const char*, const ir::Graph*>{"forward", &r.forward}, {"backward", &r.backward}}) {
      auto problems = ir::verify(*g);
      if (!problems.empty()) R.bad(std::string("partition.graphs.") + what, "fails verification: " + problems.front().format());
    }
    ++stats_.hits;
    return r;
  } catch (const std::exception& e) {
    ++stats_.corrupt;
    ++stats_.misses;
    if (warnings)
      warnings->push_back("cache entry " + path.string() + " is unreadable (" + e.what() +
                          "); treated as a miss, it will be replaced");
    return std::nullopt;
  }
}

std::optional<std::string> Cache::store(const std::string& key, const partition::PartitionResult& r,
                                        const json& key_material) {
  try {
    std::error_code ec;
    fs::create_directories(dir_, ec);
    if (ec) fail("cache", "", "cannot create the cache directory " + dir_.string() + ": " + ec.message(), "use --cache-dir or --no-cache");
    const auto now = std::chrono::system_clock::now().time_since_epoch();
    json record = partition::partitionToJson(r, true);
    const std::string digest = sha1Hex(record.dump());
    json j = {{"format", "aotviz.cache_entry"},
              {"schema_version", kCacheEntrySchemaVersion},
              {"key", key},
              {"created_unix", std::chrono::duration_cast<std::chrono::seconds>(now).count()},
              {"versions", key_material.at("versions")},
              {"config", key_material.at("config")},
              {"digest", digest},
              {"partition", std::move(record)}};
    util::writeFileAtomic(entryPath(key), j.dump() + "\n");
    ++stats_.writes;
    return std::nullopt;
  } catch (const std::exception& e) {
    return std::string("could not write the cache entry: ") + e.what();
  }
}

}  // namespace aotviz::cache
