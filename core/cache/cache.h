// core/cache/cache.h — the on-disk cache of partitioned graphs (the cache stage; AOTAutograd's AOTAutogradCache,
// ../shared/reference/aot_autograd_spec.md §6). An entry is keyed by a hash of everything the result depends on:
// the captured joint graph, the graph inputs' metadata and aliasing pattern, the partition options and the
// versions of aotviz, LibTorch and the file formats. It stores the forward and backward graphs and the partition
// record as JSON, with the SHA-1 of that record. Writes are atomic (temp file + rename), so concurrent writers of
// one key are safe: each rename installs a complete entry. A corrupt, truncated or bit-flipped entry (the digest
// does not match) is reported, treated as a miss and replaced.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/cache/cache_stats.h"
#include "core/capture/capture.h"
#include "core/partition/partition.h"

namespace aotviz::cache {

/// 2: entries carry a digest of their partition record, so a bit flip that still parses is caught too.
/// 3: the partition record keeps its static inputs (what a what-if or a Pareto sweep partitions with again).
/// 4: the backward peak estimate counts a storage once however many views are on it (memory_timeline.cpp).
inline constexpr int kCacheEntrySchemaVersion = 4;

/// The key of a partition of `cap`'s joint graph with `opts` (hex SHA-1 of the key material). `static_inputs` are
/// the parameter indices given to the partitioner.
std::string partitionKey(const capture::CaptureResult& cap, const std::vector<size_t>& static_inputs,
                         const partition::Options& opts);
/// What the key is computed from (readable JSON; the key is its hash). Stored in each entry for diagnosis.
nlohmann::json partitionKeyMaterial(const capture::CaptureResult& cap, const std::vector<size_t>& static_inputs,
                                    const partition::Options& opts);
/// The key of already computed key material (what partitionKey hashes).
std::string keyOf(const nlohmann::json& key_material);

class Cache {
 public:
  /// A cache in `dir` (created on the first store).
  explicit Cache(std::filesystem::path dir);
  /// $AOTVIZ_CACHE_DIR, else $XDG_CACHE_HOME/aotviz, else $HOME/.cache/aotviz, else ./.aotviz-cache.
  static std::filesystem::path defaultDir();

  const std::filesystem::path& dir() const { return dir_; }
  std::filesystem::path entryPath(const std::string& key) const;

  /// The cached partition for `key`, or nullopt (a miss). An unreadable entry is a miss; `warnings` then gets a
  /// line naming the file and what is wrong with it.
  std::optional<partition::PartitionResult> load(const std::string& key, std::vector<std::string>* warnings);
  /// Writes the entry for `key` atomically. Failures to write are returned as a warning line (the result is
  /// still valid; only caching is lost), never thrown.
  std::optional<std::string> store(const std::string& key, const partition::PartitionResult& r,
                                   const nlohmann::json& key_material);

  const Stats& stats() const { return stats_; }

 private:
  std::filesystem::path dir_;
  Stats stats_;
};

}  // namespace aotviz::cache
