// tests/core/test_damaged_files.cpp — every file format aotviz reads, damaged the ways disks and interrupted
// copies damage files: truncated at many lengths and with single bits flipped at many places. Each loader must
// refuse with an AotError or give back something that is safe to use; no other exception, no crash (the ASan
// build runs this too), and nothing damaged is trusted where it matters: a cache entry that loads is the entry
// that was written, a session whose content changed says so, a graph that loads passes the verifier.
#include <gtest/gtest.h>

#include <ATen/ATen.h>

#include <nlohmann/json.hpp>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <functional>
#include <random>

#include "core/cache/cache.h"
#include "core/ir/printer.h"
#include "core/ir/serialize.h"
#include "core/ir/verify.h"
#include "core/models/input_spec.h"
#include "core/models/torchscript.h"
#include "core/partition/partition.h"
#include "core/pipeline/pipeline.h"
#include "core/util/atomic_file.h"

namespace aotviz {
namespace {

namespace fs = std::filesystem;

fs::path tempDir(const std::string& name) {
  fs::path d = fs::temp_directory_path() / ("aotviz_damage_test_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

/// `good` truncated at `cuts` evenly spaced lengths, then `flips` copies with one random bit flipped each
/// (deterministic).
std::vector<std::string> damagedVariants(const std::string& good, size_t cuts, size_t flips) {
  std::vector<std::string> out;
  for (size_t i = 0; i < cuts; ++i) out.push_back(good.substr(0, good.size() * i / cuts));
  std::mt19937_64 rng(12345);
  for (size_t i = 0; i < flips; ++i) {
    std::string s = good;
    const size_t bit = rng() % (s.size() * 8);
    s[bit / 8] = static_cast<char>(s[bit / 8] ^ (1 << (bit % 8)));
    out.push_back(std::move(s));
  }
  return out;
}

struct Tally {
  size_t refused = 0, accepted = 0;
};

/// Runs `load` on each variant: an AotError is a refusal; any other exception fails the test.
Tally loadEach(const std::vector<std::string>& variants, const std::function<void(const std::string&)>& load) {
  Tally t;
  for (size_t i = 0; i < variants.size(); ++i) {
    try {
      load(variants[i]);
      ++t.accepted;
    } catch (const AotError& e) {
      ++t.refused;
      EXPECT_FALSE(std::string(e.what()).empty());
    } catch (const std::exception& e) {
      ADD_FAILURE() << "variant " << i << ": not an AotError: " << e.what();
    }
  }
  return t;
}

const pipeline::Pipeline& mlpRun() {
  static pipeline::Pipeline* p = [] {
    pipeline::Config c;
    c.model = "mlp";
    c.use_cache = false;
    auto* pl = new pipeline::Pipeline(c);
    pl->runAll();
    return pl;
  }();
  return *p;
}

TEST(DamagedFiles, GraphJson) {
  const std::string good = ir::graphToJsonString(*mlpRun().snapshots()[pipeline::index(pipeline::StageId::Passes)]->graph);
  Tally t = loadEach(damagedVariants(good, 40, 300), [](const std::string& text) {
    ir::Graph g = ir::graphFromJsonString(text);
    ir::VerifyOptions structure;
    structure.check_schemas = false;
    EXPECT_TRUE(ir::verify(g, structure).empty());  // the loader let nothing malformed through
    (void)ir::printGraph(g);                          // and what shows graphs can print it
  });
  EXPECT_EQ(t.refused + t.accepted, 340u);
  EXPECT_GE(t.refused, 40u);  // every truncation at least
}

TEST(DamagedFiles, SessionChangedContentIsRefusedOrSaysSo) {
  fs::path dir = tempDir("session");
  pipeline::saveSession({mlpRun().config(), mlpRun().snapshots(), {}, {}}, dir / "good.json");
  const std::string good = util::readFile(dir / "good.json");
  const nlohmann::json gj = nlohmann::json::parse(good);
  size_t warned = 0;
  Tally t = loadEach(damagedVariants(good, 40, 300), [&](const std::string& text) {
    util::writeFileAtomic(dir / "damaged.json", text);
    pipeline::SessionRecord rec = pipeline::loadSession(dir / "damaged.json");
    // Loaded: either nothing that matters changed, or the user is told.
    const nlohmann::json j = nlohmann::json::parse(text);
    const bool changed = j["config"] != gj["config"] || j["snapshots"] != gj["snapshots"] || j["digest"] != gj["digest"];
    EXPECT_EQ(changed, !rec.warnings.empty());
    warned += !rec.warnings.empty();
  });
  EXPECT_GE(t.refused, 40u);
  EXPECT_GT(warned, 0u);
  fs::remove_all(dir);
}

TEST(DamagedFiles, CacheEntryThatLoadsIsTheEntryThatWasWritten) {
  fs::path dir = tempDir("cache");
  const auto& part = *mlpRun().snapshots()[pipeline::index(pipeline::StageId::Partition)]->partition;
  cache::Cache store(dir);
  const std::string key(40, 'a');
  ASSERT_FALSE(store.store(key, part, {{"versions", 1}, {"config", 2}}));
  const fs::path entry = store.entryPath(key);
  const std::string good = util::readFile(entry);
  const nlohmann::json expected = partition::partitionToJson(part, true);
  size_t hits = 0, misses = 0;
  for (const std::string& text : damagedVariants(good, 40, 300)) {
    util::writeFileAtomic(entry, text);
    std::vector<std::string> warnings;
    auto r = store.load(key, &warnings);  // never throws: a damaged entry is a miss with a warning
    if (r) {
      ++hits;
      EXPECT_EQ(partition::partitionToJson(*r, true), expected);
    } else {
      ++misses;
      ASSERT_EQ(warnings.size(), 1u);
      EXPECT_NE(warnings[0].find(entry.string()), std::string::npos) << warnings[0];
    }
  }
  EXPECT_GE(misses, 300u);  // every truncation, and every flip that changed the record or its digest
  EXPECT_EQ(store.stats().corrupt, misses);
  fs::remove_all(dir);
}

TEST(DamagedFiles, InputSpec) {
  const std::string good = util::readFile(std::string(AOTVIZ_SOURCE_DIR) + "/assets/torchscript/aliased_mutation.json");
  Tally t = loadEach(damagedVariants(good, 20, 300), [](const std::string& text) {
    models::InputSpec spec = models::parseInputSpec(text, "spec.json");
    (void)models::makeInputs(spec, spec.seed);  // sizes are checked before anything is allocated
  });
  EXPECT_GE(t.refused, 20u);
}

std::vector<at::Tensor> forwardOf(const models::Model& m) {
  std::vector<at::Tensor> flat;
  for (const auto& in : m.inputs) flat.push_back(in.example);
  return m.fn(flat);
}

TEST(DamagedFiles, TorchScriptArchiveThatLoadsComputesWhatTheGoodOneDoes) {
  // LibTorch does not check the archive's CRC-32s; aotviz does, so a flipped bit in a weight, in the code or in a
  // pickle is refused instead of loading and computing something else.
  fs::path dir = tempDir("pt");
  const std::string assets = std::string(AOTVIZ_SOURCE_DIR) + "/assets/torchscript/";
  const std::vector<at::Tensor> expected = forwardOf(models::openModel(assets + "scoped_mlp.pt"));
  const std::string good = util::readFile(assets + "scoped_mlp.pt");
  Tally t = loadEach(damagedVariants(good, 20, 300), [&](const std::string& bytes) {
    util::writeFileAtomic(dir / "damaged.pt", bytes);
    const std::vector<at::Tensor> out = forwardOf(models::openModel((dir / "damaged.pt").string(), assets + "scoped_mlp.json"));
    ASSERT_EQ(out.size(), expected.size());
    for (size_t i = 0; i < out.size(); ++i) EXPECT_TRUE(at::equal(out[i], expected[i]));
  });
  // Refused: every truncation and every flip in a record's data, name or CRC. The others (about a third here) land
  // in fields no reader uses, chiefly the padding that aligns each record to 64 bytes, and change nothing.
  EXPECT_GE(t.refused, 150u);
  // The message names the damaged record.
  std::string flipped = good;
  const size_t weights = good.find("scoped_mlp/data/0") + 100;  // inside the first tensor's data
  flipped[weights] = static_cast<char>(flipped[weights] ^ 1);
  util::writeFileAtomic(dir / "weight.pt", flipped);
  try {
    models::openModel((dir / "weight.pt").string(), assets + "scoped_mlp.json");
    FAIL() << "a flipped weight bit loaded";
  } catch (const AotError& e) {
    EXPECT_NE(std::string(e.what()).find("the record 'scoped_mlp/data/0' does not match its CRC-32"), std::string::npos) << e.what();
  }
  fs::remove_all(dir);
}

TEST(AtomicWrites, AWriterKilledMidWriteNeverLeavesATornFile) {
  // A child process rewrites a 4 MiB file in a loop, alternating two contents, and is killed at a random moment:
  // the file must always be one whole version. Left-over temp files (the kill landed mid-write) are never read.
  fs::path dir = tempDir("killed");
  const fs::path path = dir / "session.json";
  const size_t size = size_t(4) << 20;
  const std::string a(size, 'a'), b(size, 'b');
  util::writeFileAtomic(path, a);
  std::mt19937 rng(7);
  size_t switched = 0;
  for (int round = 0; round < 8; ++round) {
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      for (int k = 1;; ++k) util::writeFileAtomic(path, k % 2 ? b : a);
    }
    ::usleep(5000 + rng() % 40000);
    ::kill(child, SIGKILL);
    ::waitpid(child, nullptr, 0);
    const std::string now = util::readFile(path);
    ASSERT_TRUE(now == a || now == b) << "torn file of " << now.size() << " bytes after round " << round;
    switched += now == b;
  }
  size_t temps = 0;
  for (const auto& e : fs::directory_iterator(dir)) temps += e.path() != path;
  EXPECT_GT(switched + temps, 0u) << "the child never got to write: the test tested nothing";
  fs::remove_all(dir);
}

}  // namespace
}  // namespace aotviz
