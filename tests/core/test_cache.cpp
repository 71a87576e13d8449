// tests/core/test_cache.cpp — the partition cache: a hit on the second compile gives the same partition, the key
// follows what the result depends on, and a corrupt or truncated entry is reported, treated as a miss and replaced.
#include <gtest/gtest.h>

#include <ATen/ATen.h>

#include <filesystem>

#include "core/cache/cache.h"
#include "core/models/zoo.h"
#include "core/pipeline/pipeline.h"
#include "core/util/atomic_file.h"

namespace aotviz {
namespace {

namespace fs = std::filesystem;

fs::path tempDir(const std::string& name) {
  fs::path d = fs::temp_directory_path() / ("aotviz_cache_test_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(d);
  return d;
}

pipeline::Config cachedConfig(const fs::path& dir) {
  pipeline::Config c;
  c.model = "attn_block";
  c.cache_dir = dir.string();
  return c;
}

pipeline::SnapshotPtr stage(const pipeline::Pipeline& p, const char* name) {
  return p.snapshots().at(pipeline::index(pipeline::parseStage(name)));
}

TEST(Cache, SecondCompileHitsAndGivesTheSamePartition) {
  fs::path dir = tempDir("hit");
  pipeline::Pipeline first(cachedConfig(dir));
  first.runAll();
  ASSERT_FALSE(first.halted());
  EXPECT_EQ(pipeline::resultToJson(stage(first, "cache")->result)["hit"], false);
  EXPECT_EQ(first.cacheStats().misses, 1u);
  EXPECT_EQ(first.cacheStats().writes, 1u);
  pipeline::Pipeline second(cachedConfig(dir));
  second.runAll();
  ASSERT_FALSE(second.halted());
  EXPECT_EQ(pipeline::resultToJson(stage(second, "cache")->result)["hit"], true);
  EXPECT_EQ(second.cacheStats().hits, 1u);
  EXPECT_EQ(pipeline::resultToJson(stage(second, "partition")->result)["from_cache"], true);
  const auto& a = *stage(first, "partition")->partition;
  const auto& b = *stage(second, "partition")->partition;
  EXPECT_EQ(a.forward, b.forward);
  EXPECT_EQ(a.backward, b.backward);
  EXPECT_EQ(partition::partitionToJson(a)["saved"], partition::partitionToJson(b)["saved"]);
  fs::remove_all(dir);
}

TEST(Cache, KeyFollowsGraphInputsAndConfig) {
  models::Model m = models::buildModel("mlp");
  auto cap = capture::captureGraph(m.fn, m.inputs);
  auto params = models::parameterIndices(m);
  partition::Options o;
  const std::string k = cache::partitionKey(cap, params, o);
  EXPECT_EQ(k.size(), 40u);
  EXPECT_EQ(k, cache::partitionKey(cap, params, o));  // deterministic
  partition::Options budget = o;
  budget.memory_budget = 0.5;
  EXPECT_NE(k, cache::partitionKey(cap, params, budget));
  EXPECT_NE(k, cache::partitionKey(cap, {}, o));
  m.inputs.back().example = at::empty({64, 64}, m.inputs.back().example.options());  // other input shape
  auto other = capture::captureGraph(m.fn, m.inputs);
  EXPECT_NE(k, cache::partitionKey(other, params, o));
}

TEST(Cache, CorruptOrTruncatedEntryIsReportedTreatedAsMissAndReplaced) {
  fs::path dir = tempDir("corrupt");
  pipeline::Pipeline first(cachedConfig(dir));
  first.runAll();
  const fs::path entry = pipeline::resultToJson(stage(first, "cache")->result)["entry"].get<std::string>();
  const std::string good = util::readFile(entry);
  // An operator this LibTorch does not have: well-formed JSON, but the graph must not be executed.
  std::string unknown_op = good;
  const size_t op = unknown_op.find("\"aten::mm\"");
  ASSERT_NE(op, std::string::npos);
  unknown_op.replace(op, 10, "\"aten::zz\"");
  for (const std::string& damaged : {good.substr(0, good.size() / 3), std::string("{\"format\": 7}"),
                                     std::string(good).replace(good.find("\"saved\""), 7, "\"s4ved\""), unknown_op}) {
    util::writeFileAtomic(entry, damaged);
    pipeline::Pipeline p(cachedConfig(dir));
    p.runAll();
    ASSERT_FALSE(p.halted());
    auto c = stage(p, "cache");
    EXPECT_EQ(pipeline::resultToJson(c->result)["hit"], false);
    EXPECT_EQ(p.cacheStats().corrupt, 1u);
    bool reported = false;
    for (const auto& n : c->notes) reported |= n.find("is unreadable") != std::string::npos && n.find(entry.string()) != std::string::npos;
    EXPECT_TRUE(reported);
    // Replaced: the next run hits again, with the same partition as the first.
    pipeline::Pipeline again(cachedConfig(dir));
    again.runAll();
    EXPECT_EQ(pipeline::resultToJson(stage(again, "cache")->result)["hit"], true);
    EXPECT_EQ(stage(again, "partition")->partition->forward, stage(first, "partition")->partition->forward);
  }
  fs::remove_all(dir);
}

TEST(Cache, UnwritableDirectoryIsAWarningNotAFailure) {
  pipeline::Config c = cachedConfig("/proc/aotviz-cannot-write-here");
  pipeline::Pipeline p(c);
  p.runAll();
  ASSERT_FALSE(p.halted());
  bool warned = false;
  for (const auto& n : stage(p, "partition")->notes) warned |= n.find("could not write the cache entry") != std::string::npos;
  EXPECT_TRUE(warned);
}

}  // namespace
}  // namespace aotviz
