// tests/core/test_structured_log.cpp — the TORCH_TRACE reader on the shipped logs (assets/trace) and on damaged
// copies of them: truncated, a byte changed, foreign lines inserted.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "core/trace/structured_log.h"
#include "core/util/diagnostic.h"
#include "core/util/digest.h"

namespace aotviz::trace {
namespace {

namespace fs = std::filesystem;

const std::vector<std::string> kScenarios = {"mlp_aot_eager", "mlp_inductor", "gpt_block_aot_eager",
                                             "gpt_block_inductor", "graph_break_aot_eager"};

std::string assetDir(const std::string& scenario) {
  return std::string(AOTVIZ_SOURCE_DIR) + "/assets/trace/" + scenario;
}
std::string assetLog(const std::string& scenario) {
  return assetDir(scenario) + "/dedicated_log_torch_trace_" + scenario + ".log";
}

std::string readAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.is_open()) << path;
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<std::string> splitLines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  std::string l;
  while (std::getline(in, l)) lines.push_back(l);
  return lines;
}

std::string joinLines(const std::vector<std::string>& lines) {
  std::string s;
  for (const auto& l : lines) s += l + "\n";
  return s;
}

fs::path tempDir(const std::string& name) {
  fs::path d = fs::temp_directory_path() / ("aotviz_structured_log_test_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

std::string writeFile(const fs::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
  out.close();
  EXPECT_TRUE(out.good()) << path;
  return path.string();
}

/// "kind" for top-level kinds, "artifact name" for artifacts.
std::string label(const Record& r) { return r.kind == "artifact" ? "artifact " + r.artifact : r.kind; }

std::map<std::string, int> countKinds(const LogFile& log) {
  std::map<std::string, int> n;
  for (const auto& r : log.records) ++n[label(r)];
  return n;
}

const Record* findFirst(const LogFile& log, const std::string& lbl) {
  for (const auto& r : log.records)
    if (label(r) == lbl) return &r;
  return nullptr;
}

std::string problemsText(const LogFile& log) {
  std::string s;
  for (const auto& p : log.problems) s += p.file + ":" + std::to_string(p.line) + ": " + p.message + "\n";
  return s;
}

/// docs/torch_trace_format.md §9, without chromium_event (whose count varies from run to run), plus the total.
struct Expected {
  std::map<std::string, int> kinds;
  size_t records;
};

std::map<std::string, Expected> expectedTable() {
  const std::vector<std::string> kinds = {"str",
                                          "dynamo_start",
                                          "describe_storage",
                                          "describe_tensor",
                                          "describe_source",
                                          "dynamo_output_graph",
                                          "aot_joint_graph",
                                          "aot_forward_graph",
                                          "aot_backward_graph",
                                          "inductor_output_code",
                                          "dynamo_cpp_guards_str",
                                          "compilation_metrics",
                                          "bwd_compilation_metrics",
                                          "artifact torch._functorch.config",
                                          "artifact aot_forward_graph_fw_metadata",
                                          "artifact min_cut_information",
                                          "artifact before_pre_grad_graph",
                                          "artifact after_pre_grad_graph",
                                          "artifact fx_graph_runnable",
                                          "artifact before_post_grad_graph",
                                          "artifact inductor_post_grad_graph",
                                          "artifact dynamo_graph_break_reason"};
  // Columns: mlp_aot_eager, mlp_inductor, gpt_block_aot_eager, gpt_block_inductor, graph_break_aot_eager.
  const std::vector<std::vector<int>> rows = {
      {4, 4, 4, 4, 4}, {1, 1, 1, 1, 2}, {7, 7, 13, 13, 9}, {7, 7, 13, 13, 9}, {7, 7, 13, 13, 9}, {1, 1, 1, 1, 2},
      {1, 1, 1, 1, 2}, {1, 1, 1, 1, 2}, {1, 1, 1, 1, 2},   {0, 2, 0, 2, 0},   {1, 1, 1, 1, 2},   {1, 1, 1, 1, 2},
      {1, 1, 1, 1, 2}, {1, 1, 1, 1, 2}, {1, 1, 1, 1, 2},   {0, 0, 1, 1, 0},   {0, 1, 0, 1, 0},   {0, 1, 0, 1, 0},
      {0, 2, 0, 2, 0}, {0, 2, 0, 2, 0}, {0, 2, 0, 2, 0},   {0, 0, 0, 0, 1}};
  const std::vector<size_t> totals = {59, 225, 78, 258, 104};
  std::map<std::string, Expected> out;
  for (size_t s = 0; s < kScenarios.size(); ++s) {
    Expected e;
    e.records = totals[s];
    for (size_t k = 0; k < kinds.size(); ++k)
      if (rows[k][s] != 0) e.kinds[kinds[k]] = rows[k][s];
    out[kScenarios[s]] = e;
  }
  return out;
}

TEST(StructuredLog, ShippedLogsReadCleanlyAndMatchTheFormatDocument) {
  const auto table = expectedTable();
  for (const auto& scenario : kScenarios) {
    SCOPED_TRACE(scenario);
    const LogFile log = readLogFile(assetLog(scenario));
    EXPECT_EQ(log.path, assetLog(scenario));
    EXPECT_TRUE(log.problems.empty()) << problemsText(log);
    EXPECT_FALSE(log.rank.has_value());
    const Expected& want = table.at(scenario);
    EXPECT_EQ(log.records.size(), want.records);

    std::map<std::string, int> got = countKinds(log);
    EXPECT_GT(got["chromium_event"], 0);
    got.erase("chromium_event");
    EXPECT_EQ(got, want.kinds);

    size_t withPayload = 0, previousLine = 0;
    for (const auto& r : log.records) {
      EXPECT_GT(r.line, previousLine) << label(r);
      previousLine = r.line;
      EXPECT_FALSE(r.kind.empty());
      if (r.has_payload) {
        ++withPayload;
        EXPECT_TRUE(r.payload_ok) << label(r) << " at line " << r.line;
      } else {
        EXPECT_TRUE(r.payload.empty()) << label(r) << " at line " << r.line;
      }
      EXPECT_FALSE(r.rank.has_value());
      EXPECT_FALSE(r.compiled_autograd_id.has_value());
      if (r.kind == "str") {
        EXPECT_TRUE(r.metadata.is_array()) << r.line;
        EXPECT_EQ(r.compileId(), "");
        EXPECT_FALSE(r.frame_id.has_value());
      } else {
        EXPECT_TRUE(r.metadata.is_object()) << label(r) << " at line " << r.line;
        EXPECT_TRUE(r.frame_id && r.frame_compile_id && r.attempt) << label(r) << " at line " << r.line;
      }
      if (r.kind == "artifact") {
        EXPECT_FALSE(r.artifact.empty()) << r.line;
        EXPECT_EQ(r.metadata.value("name", std::string()), r.artifact);
      } else {
        EXPECT_EQ(r.artifact, "");
      }
    }
    EXPECT_GT(withPayload, 0u);

    std::set<std::string> ids;
    for (const auto& r : log.records)
      if (r.frame_id) ids.insert(r.compileId());
    if (scenario == "graph_break_aot_eager") {
      EXPECT_EQ(ids, (std::set<std::string>{"0/0", "0/0_1", "1/0"}));
    } else {
      EXPECT_EQ(ids, (std::set<std::string>{"0/0"}));
    }

    // The directory form finds the same single file.
    const auto logs = readTraceDirectory(assetDir(scenario));
    ASSERT_EQ(logs.size(), 1u);
    EXPECT_EQ(fs::path(logs[0].path).filename(), fs::path(assetLog(scenario)).filename());
    EXPECT_EQ(logs[0].records.size(), log.records.size());
  }
}

TEST(StructuredLog, SpecificRecordsOfTheShippedLogs) {
  const LogFile mlp = readLogFile(assetLog("mlp_aot_eager"));
  const Record* joint = findFirst(mlp, "aot_joint_graph");
  ASSERT_NE(joint, nullptr);
  EXPECT_EQ(joint->line, 212u);  // docs/torch_trace_format.md §6
  EXPECT_TRUE(joint->has_payload);
  EXPECT_EQ(joint->payload.rfind("class inner_f(torch.nn.Module):", 0), 0u) << joint->payload.substr(0, 80);
  EXPECT_NE(joint->payload.find("torch.ops.aten.addmm.default"), std::string::npos);
  EXPECT_EQ(joint->payload.find('\t'), std::string::npos) << "the payload TABs are stripped";
  EXPECT_TRUE(joint->metadata.is_object() && joint->metadata.empty());
  EXPECT_EQ(joint->compileId(), "0/0");

  const Record* fw = findFirst(mlp, "aot_forward_graph");
  const Record* bw = findFirst(mlp, "aot_backward_graph");
  const Record* meta = findFirst(mlp, "artifact aot_forward_graph_fw_metadata");
  ASSERT_TRUE(fw && bw && meta);
  EXPECT_EQ(fw->line, 459u);
  EXPECT_EQ(bw->line, 494u);
  EXPECT_EQ(meta->line, 350u);
  EXPECT_EQ(meta->metadata.value("encoding", std::string()), "string");
  EXPECT_EQ(meta->payload.rfind("ViewAndMutationMeta(input_info=[InputAliasInfo(is_leaf=True,", 0), 0u);
  EXPECT_EQ(bw->payload.rfind("class GraphModule(torch.nn.Module):", 0), 0u);

  const Record* firstStr = findFirst(mlp, "str");
  ASSERT_NE(firstStr, nullptr);
  EXPECT_EQ(firstStr->metadata.size(), 2u);
  EXPECT_EQ(firstStr->metadata[1], 0);
  EXPECT_FALSE(firstStr->has_payload);

  const LogFile gpt = readLogFile(assetLog("gpt_block_aot_eager"));
  const Record* minCut = findFirst(gpt, "artifact min_cut_information");
  ASSERT_NE(minCut, nullptr);
  EXPECT_EQ(minCut->metadata.value("encoding", std::string()), "json");
  EXPECT_TRUE(minCut->payload_ok);
  EXPECT_GT(minCut->payload.size(), 40000u);
  EXPECT_EQ(minCut->payload.find('\n'), std::string::npos) << "one line of JSON";
  const auto parsed = nlohmann::json::parse(minCut->payload);
  EXPECT_TRUE(parsed.contains("Joint Graph Node Information"));

  const LogFile breaks = readLogFile(assetLog("graph_break_aot_eager"));
  const Record* reason = findFirst(breaks, "artifact dynamo_graph_break_reason");
  ASSERT_NE(reason, nullptr);
  EXPECT_EQ(reason->compileId(), "0/0");
  int attempt1Joint = 0;
  for (const auto& r : breaks.records)
    if (r.kind == "aot_joint_graph" && r.compileId() == "0/0_1") ++attempt1Joint;
  EXPECT_EQ(attempt1Joint, 1);
}

TEST(StructuredLog, TruncatedInTheBackwardPayloadKeepsEverythingBefore) {
  const std::string good = readAll(assetLog("mlp_aot_eager"));
  const LogFile whole = readLogFile(assetLog("mlp_aot_eager"));
  const Record* bw = findFirst(whole, "aot_backward_graph");
  ASSERT_NE(bw, nullptr);
  const size_t bwLine = bw->line;
  size_t before = 0;
  for (const auto& r : whole.records)
    if (r.line < bwLine) ++before;

  // Cut 20 lines into the backward payload, in the middle of a line.
  size_t offset = 0;
  for (size_t l = 1; l < bwLine + 20; ++l) offset = good.find('\n', offset) + 1;
  ASSERT_EQ(good[offset], '\t');
  const std::string cut = good.substr(0, offset + 12);
  ASSERT_NE(cut.back(), '\n');

  const fs::path dir = tempDir("truncated");
  const std::string path = writeFile(dir / "dedicated_log_torch_trace_truncated.log", cut);
  const LogFile log = readLogFile(path);
  ASSERT_EQ(log.records.size(), before + 1) << problemsText(log);
  for (size_t i = 0; i < before; ++i) {
    EXPECT_EQ(label(log.records[i]), label(whole.records[i]));
    EXPECT_EQ(log.records[i].line, whole.records[i].line);
    EXPECT_EQ(log.records[i].payload, whole.records[i].payload);
    EXPECT_TRUE(log.records[i].payload_ok) << log.records[i].line;
  }
  const Record& last = log.records.back();
  EXPECT_EQ(last.kind, "aot_backward_graph");
  EXPECT_EQ(last.line, bwLine);
  EXPECT_TRUE(last.has_payload);
  EXPECT_FALSE(last.payload_ok);
  EXPECT_EQ(bw->payload.rfind(last.payload, 0), 0u) << "what was read is the start of the real payload";
  EXPECT_LT(last.payload.size(), bw->payload.size());

  ASSERT_EQ(log.problems.size(), 1u) << problemsText(log);
  const Problem& p = log.problems[0];
  EXPECT_EQ(p.file, path);
  EXPECT_EQ(p.line, bwLine);
  EXPECT_NE(p.message.find("aot_backward_graph"), std::string::npos) << p.message;
  EXPECT_NE(p.message.find("line " + std::to_string(bwLine)), std::string::npos) << p.message;
  EXPECT_NE(p.message.find("MD5"), std::string::npos) << p.message;

  // Cut right after the header line too: the record is kept, with an empty payload that does not match.
  size_t headerEnd = 0;
  for (size_t l = 1; l <= bwLine; ++l) headerEnd = good.find('\n', headerEnd) + 1;
  const LogFile headerOnly =
      readLogFile(writeFile(dir / "dedicated_log_torch_trace_header_only.log", good.substr(0, headerEnd)));
  ASSERT_EQ(headerOnly.records.size(), before + 1);
  EXPECT_FALSE(headerOnly.records.back().payload_ok);
  EXPECT_EQ(headerOnly.problems.size(), 1u) << problemsText(headerOnly);
  fs::remove_all(dir);
}

TEST(StructuredLog, OneChangedPayloadByteIsCaught) {
  const std::string good = readAll(assetLog("mlp_aot_eager"));
  const LogFile whole = readLogFile(assetLog("mlp_aot_eager"));
  const Record* fw = findFirst(whole, "aot_forward_graph");
  ASSERT_NE(fw, nullptr);

  std::vector<std::string> lines = splitLines(good);
  size_t changed = 0;
  for (size_t l = fw->line; l < lines.size() && !changed; ++l) {  // lines[l] is line l + 1
    if (lines[l].empty() || lines[l][0] != '\t') break;
    const auto at = lines[l].find("addmm");
    if (at != std::string::npos) {
      lines[l][at + 4] = 'n';
      changed = l + 1;
    }
  }
  ASSERT_NE(changed, 0u);

  const fs::path dir = tempDir("changed_byte");
  const std::string path = writeFile(dir / "dedicated_log_torch_trace_changed.log", joinLines(lines));
  const LogFile log = readLogFile(path);
  ASSERT_EQ(log.records.size(), whole.records.size());
  size_t bad = 0;
  for (size_t i = 0; i < log.records.size(); ++i) {
    const Record& r = log.records[i];
    if (r.line == fw->line) {
      EXPECT_EQ(r.kind, "aot_forward_graph");
      EXPECT_FALSE(r.payload_ok);
      EXPECT_NE(r.payload, fw->payload);
      EXPECT_EQ(r.payload.size(), fw->payload.size());
    }
    if (!r.payload_ok) ++bad;
  }
  EXPECT_EQ(bad, 1u);
  ASSERT_EQ(log.problems.size(), 1u) << problemsText(log);
  EXPECT_EQ(log.problems[0].file, path);
  EXPECT_EQ(log.problems[0].line, fw->line);
  EXPECT_NE(log.problems[0].message.find("aot_forward_graph"), std::string::npos);
  fs::remove_all(dir);
}

TEST(StructuredLog, ForeignLinesAreReportedAndSkipped) {
  const std::string good = readAll(assetLog("mlp_aot_eager"));
  const LogFile whole = readLogFile(assetLog("mlp_aot_eager"));
  const Record* joint = findFirst(whole, "aot_joint_graph");
  const Record* bw = findFirst(whole, "aot_backward_graph");
  ASSERT_TRUE(joint && bw);

  std::vector<std::string> lines = splitLines(good);
  // Before the backward header (which follows a whole payload): a broken header with a payload of its own.
  const size_t brokenAt = bw->line;  // 1-based line number it will have
  lines.insert(lines.begin() + static_cast<long>(bw->line - 1),
               {"V1202 05:59:24.929000 7104 torch/_functorch/_aot_autograd/graph_compile.py:1712] "
                "{\"aot_backward_graph\": {, \"has_payload\": \"9454445b3f33fe406f9e21abd5d39db4\"}",
                "\tclass GraphModule(torch.nn.Module):", "\t    def forward("});
  // Before the joint graph header: a line that is not a log line at all.
  const size_t garbageAt = joint->line;
  lines.insert(lines.begin() + static_cast<long>(joint->line - 1), "this line was not written by torch");
  const size_t brokenLine = brokenAt + 1;  // moved down by the garbage line

  const fs::path dir = tempDir("foreign");
  const std::string path = writeFile(dir / "dedicated_log_torch_trace_foreign.log", joinLines(lines));
  const LogFile log = readLogFile(path);
  ASSERT_EQ(log.problems.size(), 2u) << problemsText(log);
  EXPECT_EQ(log.problems[0].line, garbageAt);
  EXPECT_EQ(log.problems[0].file, path);
  EXPECT_NE(log.problems[0].message.find("line " + std::to_string(garbageAt) + " is neither"), std::string::npos)
      << log.problems[0].message;
  EXPECT_EQ(log.problems[1].line, brokenLine);
  EXPECT_NE(log.problems[1].message.find("line " + std::to_string(brokenLine)), std::string::npos)
      << log.problems[1].message;
  EXPECT_NE(log.problems[1].message.find("not valid JSON"), std::string::npos) << log.problems[1].message;

  ASSERT_EQ(log.records.size(), whole.records.size());
  EXPECT_EQ(countKinds(log), countKinds(whole));
  for (size_t i = 0; i < log.records.size(); ++i) {
    const Record& r = log.records[i];
    const Record& w = whole.records[i];
    EXPECT_EQ(label(r), label(w));
    EXPECT_TRUE(r.payload_ok) << r.line;
    EXPECT_EQ(r.payload, w.payload);
    const size_t shift = (w.line >= bw->line ? 4 : w.line >= joint->line ? 1 : 0);
    EXPECT_EQ(r.line, w.line + shift) << label(w);
  }
  fs::remove_all(dir);
}

TEST(StructuredLog, RandomDamageIsReportedNeverThrown) {
  const std::string good = readAll(assetLog("gpt_block_aot_eager"));
  const size_t goodRecords = readLogFile(assetLog("gpt_block_aot_eager")).records.size();
  const fs::path dir = tempDir("random");
  const std::string path = (dir / "dedicated_log_torch_trace_random.log").string();
  std::mt19937_64 rng(20251202);
  for (int i = 0; i < 160; ++i) {
    std::string bytes = good;
    if (i < 80) {
      bytes.resize(good.size() * static_cast<size_t>(i) / 80);
    } else {
      const size_t bit = rng() % (bytes.size() * 8);
      bytes[bit / 8] = static_cast<char>(bytes[bit / 8] ^ (1 << (bit % 8)));
    }
    writeFile(path, bytes);
    SCOPED_TRACE("variant " + std::to_string(i));
    LogFile log;
    try {
      log = readLogFile(path);
    } catch (const std::exception& e) {
      ADD_FAILURE() << "threw: " << e.what();
      continue;
    }
    EXPECT_LE(log.records.size(), goodRecords + 1);
    std::set<size_t> reported;
    for (const auto& p : log.problems) {
      EXPECT_EQ(p.file, path);
      EXPECT_FALSE(p.message.empty());
      reported.insert(p.line);
    }
    for (const auto& r : log.records) {
      if (!r.payload_ok) {
        EXPECT_EQ(reported.count(r.line), 1u) << "the bad payload at line " << r.line;
      }
    }
  }
  fs::remove_all(dir);
}

TEST(StructuredLog, StrayPayloadLinesAreReportedOncePerRun) {
  const std::string text =
      "V1202 05:59:23.766000 7104 torch/_logging/structured.py:28] {\"str\": [\"a.py\", 0]}\n"
      "\tstray one\n"
      "\tstray two\n"
      "V1202 05:59:23.766000 7104 torch/_logging/structured.py:28] {\"str\": [\"b.py\", 1]}\n"
      "\n"
      "\tstray three\n";
  const fs::path dir = tempDir("stray");
  const LogFile log = readLogFile(writeFile(dir / "dedicated_log_torch_trace_stray.log", text));
  ASSERT_EQ(log.records.size(), 2u);
  EXPECT_EQ(log.records[1].metadata[0], "b.py");
  ASSERT_EQ(log.problems.size(), 2u) << problemsText(log);
  EXPECT_EQ(log.problems[0].line, 2u);
  EXPECT_EQ(log.problems[1].line, 6u);
  EXPECT_NE(log.problems[0].message.find("payload line"), std::string::npos);

  // An empty line (torch never writes one) ends a payload: the TAB lines after it belong to no record.
  const std::string ended = "V1202 05:59:23.766000 7104 x.py:1] {\"p\": {}, \"has_payload\": \"" +
                            util::md5Hex("a\nb") + "\"}\n\ta\n\tb\n\n\tc\n";
  const LogFile endedLog = readLogFile(writeFile(dir / "dedicated_log_torch_trace_ended.log", ended));
  ASSERT_EQ(endedLog.records.size(), 1u);
  EXPECT_TRUE(endedLog.records[0].payload_ok);
  EXPECT_EQ(endedLog.records[0].payload, "a\nb");
  ASSERT_EQ(endedLog.problems.size(), 1u) << problemsText(endedLog);
  EXPECT_EQ(endedLog.problems[0].line, 5u);
  fs::remove_all(dir);
}

TEST(StructuredLog, EnvelopeRankKindOrderAndEmptyPayload) {
  const std::string emptyMd5 = util::md5Hex("");
  const std::string text =
      // The kind is the first key written, though nlohmann::json sorts "alpha" before "zeta".
      "V0101 00:00:00.000000 1 x.py:1] {\"zeta\": {\"k\": 1}, \"rank\": 3, \"alpha\": 2, \"frame_id\": 4, "
      "\"frame_compile_id\": 1, \"attempt\": 2, \"compiled_autograd_id\": 7}\n"
      "V0101 00:00:00.000000 1 x.py:2] {\"artifact\": {\"name\": \"empty\", \"encoding\": \"string\"}, "
      "\"frame_id\": 0, \"frame_compile_id\": 0, \"attempt\": 0, \"has_payload\": \"" +
      emptyMd5 +
      "\"}\n"
      "\t\n"
      "V0101 00:00:00.000000 1 x.py:3] {\"two_lines\": {}, \"has_payload\": \"" +
      util::md5Hex("a\tb\n") + "\"}\n\ta\tb\n\t\n";
  const fs::path dir = tempDir("envelope");
  const LogFile log = readLogFile(writeFile(dir / "dedicated_log_torch_trace_envelope.log", text));
  EXPECT_TRUE(log.problems.empty()) << problemsText(log);
  ASSERT_EQ(log.records.size(), 3u);
  const Record& a = log.records[0];
  EXPECT_EQ(a.kind, "zeta");
  EXPECT_EQ(a.metadata, nlohmann::json({{"k", 1}}));
  EXPECT_EQ(a.rank, 3);
  EXPECT_EQ(a.compiled_autograd_id, 7);
  EXPECT_EQ(a.compileId(), "!7/4/1_2");
  EXPECT_EQ(log.rank, 3) << "from the first record with a rank";
  const Record& b = log.records[1];
  EXPECT_EQ(b.artifact, "empty");
  EXPECT_TRUE(b.has_payload);
  EXPECT_TRUE(b.payload_ok);
  EXPECT_EQ(b.payload, "");
  const Record& c = log.records[2];
  EXPECT_TRUE(c.payload_ok);
  EXPECT_EQ(c.payload, "a\tb\n");
  fs::remove_all(dir);
}

TEST(StructuredLog, CompileIdFormats) {
  Record r;
  EXPECT_EQ(r.compileId(), "");
  r.frame_id = 0;
  r.frame_compile_id = 0;
  EXPECT_EQ(r.compileId(), "0/0");
  r.attempt = 0;
  EXPECT_EQ(r.compileId(), "0/0");
  r.attempt = 1;
  EXPECT_EQ(r.compileId(), "0/0_1");
  r.attempt = 0;
  r.compiled_autograd_id = 1;
  EXPECT_EQ(r.compileId(), "!1/0/0");
  Record ca;
  ca.compiled_autograd_id = 2;
  EXPECT_EQ(ca.compileId(), "!2");
  Record f;
  f.frame_id = 3;
  f.frame_compile_id = 12;
  f.attempt = 0;
  EXPECT_EQ(f.compileId(), "3/12");
}

TEST(StructuredLog, DirectoryOfSeveralRanks) {
  const fs::path dir = tempDir("ranks");
  const std::string mlp = readAll(assetLog("mlp_aot_eager"));
  writeFile(dir / "dedicated_log_torch_trace_rank_1_k2j3h4g5.log", mlp);
  writeFile(dir / "dedicated_log_torch_trace_rank_0_a1b2c3d4.log", mlp);
  writeFile(dir / "dedicated_log_torch_trace_x9y8z7w6.log", mlp);
  writeFile(dir / "notes.txt", "not a log");
  const auto logs = readTraceDirectory(dir.string());
  ASSERT_EQ(logs.size(), 3u);
  EXPECT_EQ(fs::path(logs[0].path).filename(), "dedicated_log_torch_trace_rank_0_a1b2c3d4.log");
  EXPECT_EQ(fs::path(logs[1].path).filename(), "dedicated_log_torch_trace_rank_1_k2j3h4g5.log");
  EXPECT_EQ(fs::path(logs[2].path).filename(), "dedicated_log_torch_trace_x9y8z7w6.log");
  EXPECT_EQ(logs[0].rank, 0);
  EXPECT_EQ(logs[1].rank, 1);
  EXPECT_FALSE(logs[2].rank.has_value());
  for (const auto& l : logs) EXPECT_EQ(l.records.size(), 59u);
  // One file named directly.
  const auto one = readTraceDirectory((dir / "dedicated_log_torch_trace_rank_1_k2j3h4g5.log").string());
  ASSERT_EQ(one.size(), 1u);
  EXPECT_EQ(one[0].rank, 1);
  fs::remove_all(dir);
}

TEST(StructuredLog, MissingLogsAreAotErrors) {
  const fs::path dir = tempDir("empty");
  writeFile(dir / "notes.txt", "no log here");
  writeFile(dir / "torch_trace.log", "nor here");
  try {
    readTraceDirectory(dir.string());
    ADD_FAILURE() << "a directory without a log was accepted";
  } catch (const AotError& e) {
    EXPECT_EQ(e.diagnostic().stage, "trace");
    EXPECT_NE(std::string(e.what()).find(dir.string()), std::string::npos) << e.what();
    EXPECT_NE(e.diagnostic().message.find("dedicated_log_torch_trace_"), std::string::npos) << e.what();
    EXPECT_NE(e.diagnostic().hint.find("TORCH_TRACE=DIR"), std::string::npos) << e.what();
  }

  const std::string missingDir = (dir / "no_such_dir").string();
  try {
    readTraceDirectory(missingDir);
    ADD_FAILURE() << "a missing directory was accepted";
  } catch (const AotError& e) {
    EXPECT_NE(std::string(e.what()).find(missingDir), std::string::npos) << e.what();
  }

  const std::string missing = (dir / "dedicated_log_torch_trace_gone.log").string();
  try {
    readLogFile(missing);
    ADD_FAILURE() << "a missing file was accepted";
  } catch (const AotError& e) {
    EXPECT_EQ(e.diagnostic().stage, "trace");
    EXPECT_EQ(e.diagnostic().node, missing);
    EXPECT_NE(std::string(e.what()).find(missing), std::string::npos) << e.what();
  }
  EXPECT_THROW(readLogFile(dir.string()), AotError);
  fs::remove_all(dir);
}

/// Same value and same number types (unsigned / integer / float), which json's operator== does not check.
bool sameTree(const nlohmann::json& a, const nlohmann::json& b) {
  if (a.type() != b.type()) return false;
  if (a.is_object()) {
    if (a.size() != b.size()) return false;
    for (auto it = a.begin(); it != a.end(); ++it)
      if (!b.contains(it.key()) || !sameTree(*it, b.at(it.key()))) return false;
    return true;
  }
  if (a.is_array()) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i)
      if (!sameTree(a[i], b[i])) return false;
    return true;
  }
  return a == b;
}

std::optional<int64_t> optionalInt(const nlohmann::json& j, const char* key) {
  if (!j.contains(key)) return std::nullopt;
  return j.at(key).get<int64_t>();
}

/// Each header of `text` (one per line, after the "] ") as the record reader gives it, against nlohmann's parse.
void expectHeadersAsNlohmann(const std::string& path, const std::string& text) {
  const LogFile log = readLogFile(path);
  EXPECT_TRUE(log.problems.empty()) << problemsText(log);
  const auto lines = splitLines(text);
  for (const auto& r : log.records) {
    ASSERT_LE(r.line, lines.size());
    const std::string& line = lines[r.line - 1];
    const nlohmann::json j = nlohmann::json::parse(line.substr(line.find("] {") + 2));
    ASSERT_TRUE(j.contains(r.kind)) << r.line;
    EXPECT_TRUE(sameTree(r.metadata, j.at(r.kind)))
        << "line " << r.line << ": " << r.metadata.dump() << " vs " << j.at(r.kind).dump();
    EXPECT_EQ(r.frame_id, optionalInt(j, "frame_id")) << r.line;
    EXPECT_EQ(r.frame_compile_id, optionalInt(j, "frame_compile_id")) << r.line;
    EXPECT_EQ(r.attempt, optionalInt(j, "attempt")) << r.line;
    EXPECT_EQ(r.rank, optionalInt(j, "rank")) << r.line;
    EXPECT_EQ(r.compiled_autograd_id, optionalInt(j, "compiled_autograd_id")) << r.line;
    EXPECT_EQ(r.has_payload, j.contains("has_payload")) << r.line;
  }
}

TEST(StructuredLog, HeadersAreWhatNlohmannParses) {
  for (const auto& scenario : kScenarios) {
    SCOPED_TRACE(scenario);
    expectHeadersAsNlohmann(assetLog(scenario), readAll(assetLog(scenario)));
  }

  const std::string prefix = "V0101 00:00:00.000000 1 x.py:1] ";
  const fs::path dir = tempDir("headers");

  // Broken headers: each one a problem carrying nlohmann's own message, and no record.
  const std::vector<std::string> broken = {
      R"({"k": 01})",
      R"({"k": 1.})",
      R"({"k": -})",
      R"({"k": +1})",
      R"({"k": .5})",
      R"({"k": "a\qb"})",
      R"({"k": "\ud800"})",
      R"({"k": "\udc00"})",
      R"({"k": "\ud800\u0041"})",
      "{\"k\": \"tab\there\"}",
      R"({"k": tru})",
      R"({"k": 1} x)",
      R"({"k": 1,})",
      R"({"k": [1,]})",
      R"({"k" 1})",
      R"({k: 1})",
      R"({"k": NaN})",
      R"({"k": "unterminated})",
      R"({"k": 0x10})",
      R"({"k": 1e})",
      R"({"k": 1e+})",
      R"({"k": 1e400})",
      R"({"k": "\u12g4"})",
      R"({"k": {"a": 1})",
      "{\"k\": \"bad utf8 \xff\"}",
  };
  std::string bad;
  for (const auto& h : broken) bad += prefix + h + "\n";
  const LogFile log = readLogFile(writeFile(dir / "dedicated_log_torch_trace_broken.log", bad));
  EXPECT_TRUE(log.records.empty()) << log.records.size() << " records, the first " << log.records[0].metadata.dump();
  ASSERT_EQ(log.problems.size(), broken.size()) << problemsText(log);
  for (size_t i = 0; i < broken.size(); ++i) {
    SCOPED_TRACE(broken[i]);
    EXPECT_EQ(log.problems[i].line, i + 1);
    std::string want;
    try {
      const auto accepted = nlohmann::json::parse(broken[i]);
      ADD_FAILURE() << "nlohmann accepts it: " << accepted.dump();
    } catch (const std::exception& e) {
      want = e.what();
      want.erase(0, want.find("] ") + 2);
    }
    EXPECT_NE(log.problems[i].message.find("not valid JSON: " + want), std::string::npos) << log.problems[i].message;
  }
  fs::remove_all(dir);
}

TEST(StructuredLog, Md5KnownVectors) {
  EXPECT_EQ(util::md5Hex(""), "d41d8cd98f00b204e9800998ecf8427e");
  EXPECT_EQ(util::md5Hex("abc"), "900150983cd24fb0d6963f7d28e17f72");
  EXPECT_EQ(util::md5Hex("The quick brown fox jumps over the lazy dog"), "9e107d9d372bb6826bd81d3542a419d6");
  EXPECT_EQ(util::md5Hex("12345678901234567890123456789012345678901234567890123456789012345678901234567890"),
            "57edf4a22be3c955ac49da2e2107b67a");
  EXPECT_EQ(util::md5Hex(std::string("a\0b", 3)), util::md5Hex(std::string("a\0b", 3)));
  EXPECT_NE(util::md5Hex(std::string("a\0b", 3)), util::md5Hex("a"));
}

}  // namespace
}  // namespace aotviz::trace
