// tests/core/test_trace_import.cpp — TORCH_TRACE directories (assets/trace, written by scripts/make_trace_assets.py
// with PyTorch 2.11): the compiles they list, and every graph PyTorch printed read back into aotviz's IR.
#include <gtest/gtest.h>

#include <map>
#include <regex>
#include <string>
#include <vector>

#include "core/ir/verify.h"
#include "core/trace/compiled_graphs.h"
#include "core/trace/fx_graph.h"
#include "core/pipeline/debug_session.h"
#include "core/trace/import_compile.h"
#include "core/trace/pytorch_partition.h"
#include "core/trace/trace_session.h"
#include "core/util/diagnostic.h"

namespace aotviz::trace {
namespace {

const std::vector<std::string> kScenarios = {"mlp_aot_eager", "mlp_inductor", "gpt_block_aot_eager",
                                             "gpt_block_inductor", "graph_break_aot_eager"};

std::string assetDir(const std::string& scenario) { return std::string(AOTVIZ_SOURCE_DIR) + "/assets/trace/" + scenario; }

/// The ATen calls the printed code makes, counted from the text itself ("aten::addmm" → 3), independently of
/// the parser: every `= torch.ops.<ns>.<op>.<overload>(` on a code line.
std::map<std::string, int> printedOps(const std::string& code) {
  std::map<std::string, int> ops;
  static const std::regex call(R"(= torch\.ops\.([A-Za-z0-9_]+)\.([A-Za-z0-9_]+)\.([A-Za-z0-9_]+)\()");
  for (auto it = std::sregex_iterator(code.begin(), code.end(), call); it != std::sregex_iterator(); ++it) {
    const std::string overload = (*it)[3] == "default" ? "" : "." + (*it)[3].str();
    ++ops[(*it)[1].str() + "::" + (*it)[2].str() + overload];
  }
  return ops;
}

std::map<std::string, int> parsedOps(const ir::Graph& g) {
  std::map<std::string, int> ops;
  for (const ir::Node& n : g.nodes)
    if (n.kind == ir::NodeKind::Call) ++ops[n.qualifiedOp()];
  return ops;
}

FxGraph parse(const Artifact& a, GraphKind kind) { return parseFxGraph(a.code, kind, a.file, a.line + 1); }

TEST(TraceImport, ListsEveryCompileOfEveryShippedTrace) {
  for (const auto& s : kScenarios) {
    SCOPED_TRACE(s);
    const TraceIndex t = indexTrace(assetDir(s));
    EXPECT_TRUE(t.problems.empty());
    EXPECT_EQ(t.files, 1u);
    EXPECT_TRUE(t.ranks.empty());
    size_t with_joint = 0;
    for (const auto& g : t.graphs) {
      with_joint += g.joint.has_value();
      if (!g.joint) continue;
      EXPECT_TRUE(g.forward && g.backward && g.fw_metadata) << g.label();
      EXPECT_EQ(g.inductor, s.find("inductor") != std::string::npos) << g.label();
      EXPECT_EQ(g.post_grad.size(), g.inductor ? 2u : 0u) << g.label();
      EXPECT_EQ(g.min_cut.has_value(), s.rfind("gpt_block", 0) == 0) << g.label();
    }
    EXPECT_EQ(with_joint, s == "graph_break_aot_eager" ? 2u : 1u);
  }
  const TraceIndex brk = indexTrace(assetDir("graph_break_aot_eager"));
  std::vector<std::string> ids;
  for (const auto& g : brk.graphs) ids.push_back(g.compile_id);
  EXPECT_EQ(ids, (std::vector<std::string>{"0/0", "0/0_1", "1/0"}));
  ASSERT_EQ(brk.graphs[0].graph_breaks.size(), 1u);
  EXPECT_NE(brk.graphs[0].graph_breaks[0].find("Graph break"), std::string::npos) << brk.graphs[0].graph_breaks[0];
  EXPECT_FALSE(brk.graphs[0].joint.has_value()) << "attempt 0 only found the break";
  EXPECT_EQ(brk.graphs[1].frame, "forward");
  EXPECT_NE(brk.graphs[2].frame.find("torch_dynamo_resume_in_forward"), std::string::npos) << brk.graphs[2].frame;
}

// Every graph artifact parses, passes the verifier with every operator known to this LibTorch, and has exactly
// the ATen calls its text has.
TEST(TraceImport, EveryPrintedGraphParsesWithThePrintedOps) {
  size_t graphs = 0;
  for (const auto& s : kScenarios) {
    const TraceIndex t = indexTrace(assetDir(s));
    for (const auto& g : t.graphs) {
      std::vector<std::pair<const Artifact*, GraphKind>> all;
      if (g.joint) all.emplace_back(&*g.joint, GraphKind::Joint);
      if (g.forward) all.emplace_back(&*g.forward, GraphKind::Forward);
      if (g.backward) all.emplace_back(&*g.backward, GraphKind::Backward);
      for (const auto& p : g.post_grad) all.emplace_back(&p, GraphKind::Other);
      for (const auto& [a, kind] : all) {
        SCOPED_TRACE(s + " " + g.compile_id + " line " + std::to_string(a->line));
        FxGraph fx;
        try {
          fx = parse(*a, kind);
        } catch (const AotError& e) {
          ADD_FAILURE() << e.what();
          continue;
        }
        ++graphs;
        EXPECT_TRUE(fx.opaque.empty()) << fx.opaque.front();
        EXPECT_EQ(parsedOps(fx.graph), printedOps(a->code));
        ir::VerifyOptions vo;
        vo.check_schemas = true;
        const auto d = ir::verify(fx.graph, vo);
        EXPECT_TRUE(d.empty()) << d.front().format();
        EXPECT_EQ(fx.input_descs.size(), fx.graph.placeholders().size());
      }
    }
  }
  EXPECT_EQ(graphs, 2u * 3 + 2u * 5 + 2u * 3);  // aot_eager: joint, forward, backward; inductor: + 2 post-grad
}

TEST(TraceImport, TheJointGraphKeepsNamesTypesRolesSourcesAndDescriptors) {
  const TraceIndex t = indexTrace(assetDir("mlp_aot_eager"));
  const CompiledGraph& g = t.graphs.at(0);
  const FxGraph fx = parse(*g.joint, GraphKind::Joint);
  const ir::Graph& j = fx.graph;
  const auto ph = j.placeholders();
  ASSERT_EQ(ph.size(), 8u);  // 6 parameters, the input, one tangent
  EXPECT_EQ(j.node(ph[0]).name, "primals_1");
  EXPECT_EQ(j.node(ph[0]).role, ir::InputRole::Primal);
  EXPECT_EQ(j.node(ph[7]).role, ir::InputRole::Tangent);
  EXPECT_EQ(fx.input_descs[0], "PlainAOTInput(idx=0)");
  EXPECT_EQ(fx.input_descs[7], "TangentAOTInput(output=PlainAOTOutput(idx=0))");
  const ir::Value& p1 = j.value(j.node(ph[0]).outputs[0]);
  EXPECT_EQ(p1.meta.sizes, (std::vector<int64_t>{128, 64}));
  EXPECT_EQ(p1.meta.strides, (std::vector<int64_t>{64, 1}));
  EXPECT_EQ(p1.meta.dtype, c10::kFloat);
  bool addmm = false, backward = false;
  for (const ir::Node& n : j.nodes) {
    if (n.name == "addmm") {
      addmm = true;
      EXPECT_EQ(n.op, "aten::addmm");
      EXPECT_EQ(n.arg_names, (std::vector<std::string>{"self", "mat1", "mat2", "beta", "alpha"}));
      EXPECT_EQ(n.args[3], ir::Arg::ofInt(1)) << "beta from the schema's default";
      EXPECT_NE(n.prov.source.find("make_trace_assets.py:"), std::string::npos) << n.prov.source;
      EXPECT_EQ(n.prov.phase, ir::Phase::Forward);
    }
    if (n.name == "threshold_backward") {
      backward = true;
      EXPECT_EQ(n.prov.phase, ir::Phase::Backward);
    }
  }
  EXPECT_TRUE(addmm && backward);
  ASSERT_FALSE(fx.output_descs.empty());
  EXPECT_EQ(fx.output_descs[0], "PlainAOTOutput(idx=0)");
  EXPECT_EQ(fx.output_descs[1], "GradAOTOutput(grad_of=PlainAOTInput(idx=0))");
}

TEST(TraceImport, MultiOutputNodesGetEveryOutputTypeEvenUnread) {
  const TraceIndex t = indexTrace(assetDir("gpt_block_aot_eager"));
  const FxGraph fw = parse(*t.graphs.at(0).forward, GraphKind::Forward);
  bool found = false;
  for (const ir::Node& n : fw.graph.nodes) {
    if (n.op != "aten::native_layer_norm") continue;
    found = true;
    ASSERT_EQ(n.outputs.size(), 3u);
    EXPECT_TRUE(fw.notes.empty()) << fw.notes.front();
    for (ir::ValueId v : n.outputs) EXPECT_FALSE(fw.graph.value(v).meta.sizes.empty()) << fw.graph.value(v).name;
  }
  EXPECT_TRUE(found);
}

TEST(TraceImport, BadGraphTextNamesTheFileAndLine) {
  const TraceIndex t = indexTrace(assetDir("mlp_aot_eager"));
  const Artifact& fw = *t.graphs.at(0).forward;
  auto expectError = [&](const std::string& code, const std::string& fragment) {
    try {
      parseFxGraph(code, GraphKind::Forward, fw.file, fw.line + 1);
      ADD_FAILURE() << "accepted: " << fragment;
    } catch (const AotError& e) {
      EXPECT_EQ(e.diagnostic().stage, "trace");
      EXPECT_NE(e.diagnostic().node.find(fw.file + ":"), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
    }
  };
  // Cut before the return.
  expectError(fw.code.substr(0, fw.code.find("return")), "ends before its return statement");
  // An unknown name.
  std::string renamed = fw.code;
  const size_t at = renamed.find("torch.ops.aten.t.default(primals_1)");
  ASSERT_NE(at, std::string::npos);
  renamed.replace(at, 35, "torch.ops.aten.t.default(nowhere_1)");
  expectError(renamed, "'nowhere_1' is used before the graph defines it");
  // A symbolic size.
  std::string symbolic = fw.code;
  symbolic.replace(symbolic.find("\"f32[128, 64]"), 13, "\"f32[s0, 64]");
  expectError(symbolic, "symbolic size 's0'");
  // The line number is the file's: the header's line + 1 + the line within the payload.
  try {
    parseFxGraph(renamed, GraphKind::Forward, fw.file, fw.line + 1);
  } catch (const AotError& e) {
    const size_t line_in_payload = std::count(renamed.begin(), renamed.begin() + static_cast<long>(at), '\n');
    EXPECT_EQ(e.diagnostic().node, fw.file + ":" + std::to_string(fw.line + 1 + line_in_payload));
  }
}

std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
  return s;
}

/// PyTorch's decision on `g` and aotviz's min-cut on PyTorch's own joint graph under the same rules and budget.
PartitionDiff compare(const CompiledGraph& g, PyTorchDecision* out = nullptr, partition::PartitionResult* aotviz = nullptr) {
  const FxGraph joint = parse(*g.joint, GraphKind::Joint), fw = parse(*g.forward, GraphKind::Forward),
                bw = parse(*g.backward, GraphKind::Backward);
  const PyTorchDecision d = pytorchDecision(joint, fw, bw, g.fw_metadata ? g.fw_metadata->code : "",
                                            g.functorch_config ? g.functorch_config->code : "",
                                            g.min_cut ? g.min_cut->code : "");
  const partition::PartitionResult r = partition::partitionJoint(joint.graph, d.num_fwd_outputs, d.static_inputs, matchingOptions(d));
  if (out) *out = d;
  if (aotviz) *aotviz = r;
  return diffPartitions(d, r);
}

// aot_eager runs PyTorch's min-cut on exactly the joint graph it prints, so aotviz's min-cut on that graph must
// take the same decisions: the same saved values (and bytes) and the same recomputed nodes. One deliberate
// difference (README, "Differences from PyTorch 2.11"): under budget 0.1 both recompute the attention,
// _scaled_dot_product_flash_attention_for_cpu, which is tagged nondeterministic_seeded (its dropout); aotviz saves
// its RNG state so the backward's recomputation draws what the forward drew (5056 bytes), PyTorch 2.11 does not.
const std::map<std::string, std::vector<std::string>> kSavedOnlyByAotviz = {
    {"gpt_block_aot_eager 0/0", {"_scaled_dot_product_flash_attention_for_cpu_rng_state"}}};
constexpr int64_t kCpuRngStateBytes = 5056;
TEST(TraceImport, AotvizMinCutOnPyTorchsJointTakesPyTorchsDecisions) {
  for (const std::string s : {"mlp_aot_eager", "gpt_block_aot_eager", "graph_break_aot_eager"}) {
    const TraceIndex t = indexTrace(assetDir(s));
    for (const CompiledGraph& g : t.graphs) {
      if (!g.joint) continue;
      SCOPED_TRACE(s + " " + g.compile_id);
      PyTorchDecision d;
      const PartitionDiff diff = compare(g, &d);
      EXPECT_FALSE(d.saved.empty());
      const auto known = kSavedOnlyByAotviz.find(s + " " + g.compile_id);
      const std::vector<std::string> extra = known == kSavedOnlyByAotviz.end() ? std::vector<std::string>{} : known->second;
      EXPECT_TRUE(diff.saved_only_by_pytorch.empty()) << join(diff.saved_only_by_pytorch);
      EXPECT_EQ(diff.saved_only_by_aotviz, extra) << join(diff.saved_only_by_aotviz);
      EXPECT_TRUE(diff.recomputed_only_by_pytorch.empty()) << join(diff.recomputed_only_by_pytorch);
      EXPECT_TRUE(diff.recomputed_only_by_aotviz.empty()) << join(diff.recomputed_only_by_aotviz);
      EXPECT_EQ(diff.aotviz_bytes, diff.pytorch_bytes + kCpuRngStateBytes * static_cast<int64_t>(extra.size()));
      if (s == "gpt_block_aot_eager") {
        EXPECT_DOUBLE_EQ(d.memory_budget, 0.1);
        EXPECT_FALSE(d.recomputed.empty()) << "budget 0.1 recomputes the block";
      }
    }
  }
}

// The partitioner's own record (min_cut_information) agrees with what is reconstructed from the graphs, and its
// knapsack's choices are aotviz's: what PyTorch recomputes to meet the budget, aotviz recomputes under rule memory_budget.
TEST(TraceImport, PyTorchsMinCutRecordAgreesWithTheGraphsAndWithAotviz) {
  const TraceIndex t = indexTrace(assetDir("gpt_block_aot_eager"));
  const CompiledGraph& g = t.graphs.at(0);
  ASSERT_TRUE(g.min_cut.has_value());
  PyTorchDecision d;
  partition::PartitionResult r;
  compare(g, &d, &r);
  std::vector<std::string> saved = d.saved, recorded = d.min_cut_saved;
  std::sort(saved.begin(), saved.end());
  std::sort(recorded.begin(), recorded.end());
  EXPECT_EQ(saved, recorded);
  ASSERT_EQ(d.knapsack.size(), 3u);  // addmm, addmm_1, addmm_2
  size_t recomputed = 0;
  for (const auto& k : d.knapsack) {
    EXPECT_GT(k.memory, 0);
    EXPECT_NE(d.reason(k.name).find("PyTorch's knapsack (budget 0.1"), std::string::npos) << d.reason(k.name);
    if (k.saved) continue;
    ++recomputed;
    bool found = false;
    for (const auto& n : r.nodes)
      if (n.name == k.name) {
        found = true;
        EXPECT_EQ(n.placement, partition::Placement::Recomputed) << k.name;
        EXPECT_EQ(n.rule, partition::Rule::Budget) << k.name << ": " << n.reason;  // "memory_budget"
      }
    EXPECT_TRUE(found) << k.name;
  }
  EXPECT_EQ(recomputed, 2u);
}

// PyTorch's partition as a PartitionResult (what the app draws and diffs): its saved values and totals are the
// reconstructed decision's, every joint node has a placement, and on aot_eager aotviz's min-cut places every
// joint node where PyTorch did (the one difference is a saved RNG state, which is no joint node).
TEST(TraceImport, PyTorchsPartitionIsDrawnLikeAotvizsAndPlacesEveryNodeAsAotvizDoes) {
  for (const std::string s : {"mlp_aot_eager", "gpt_block_aot_eager", "graph_break_aot_eager"}) {
    for (const CompiledGraph& g : indexTrace(assetDir(s)).graphs) {
      if (!g.joint) continue;
      SCOPED_TRACE(s + " " + g.compile_id);
      const ImportedCompile c = importCompile(g);
      ASSERT_TRUE(c.pytorch && c.pytorch_partition && c.aotviz);
      const partition::PartitionResult& p = *c.pytorch_partition;
      std::vector<std::string> saved;
      for (const auto& v : p.saved) saved.push_back(v.name);
      EXPECT_EQ(saved, c.pytorch->saved);
      EXPECT_EQ(p.totals.saved_bytes, c.pytorch->total_saved_bytes);
      EXPECT_EQ(p.totals.recomputed_nodes, c.pytorch->recomputed.size());
      EXPECT_EQ(p.forward.numCalls(), c.forward->graph.numCalls());
      EXPECT_EQ(p.nodes.size() + 1, c.joint->graph.nodes.size());  // every node but the output
      size_t recomputed = 0;
      for (const auto& n : p.nodes) {
        EXPECT_EQ(n.rule, partition::Rule::TakenByPyTorch);
        recomputed += n.placement == partition::Placement::Recomputed;
      }
      EXPECT_EQ(recomputed, c.pytorch->recomputed.size());
      const auto moved = partition::movedNodes(p, *c.aotviz);
      EXPECT_TRUE(moved.empty()) << moved.size() << " moved, first " << (moved.empty() ? "" : moved[0].name);
      // It survives a session file (the partition snapshot keeps it as pytorch_partition).
      pipeline::Snapshot snap;
      snap.stage = pipeline::StageId::Partition;
      snap.pytorch_partition = std::make_shared<const partition::PartitionResult>(p);
      const pipeline::Snapshot back = pipeline::snapshotFromJson(pipeline::snapshotToJson(snap), "snapshot");
      ASSERT_TRUE(back.pytorch_partition);
      EXPECT_EQ(back.pytorch_partition->totals.saved_bytes, p.totals.saved_bytes);
      EXPECT_EQ(partition::movedNodes(p, *back.pytorch_partition).size(), 0u);
    }
  }
}

// A trace opened as a session re-runs only its partition stage on PyTorch's joint graph: a what-if budget gives a
// new partition (the joint snapshot is kept as it was, PyTorch's partition stays beside it); anything that needs
// the model (a from-scratch restart, a capture option) is refused with a message and changes nothing.
TEST(TraceImport, ATraceSessionRepartitionsPyTorchsJointGraphForWhatIfs) {
  pipeline::DebugSession session(traceSession(assetDir("gpt_block_aot_eager")));
  ASSERT_TRUE(session.canRepartition());
  EXPECT_FALSE(session.live());
  const auto before = session.snapshots();
  ASSERT_EQ(before.back()->stage, pipeline::StageId::Partition);
  ASSERT_TRUE(before.back()->partition && before.back()->pytorch_partition);
  EXPECT_DOUBLE_EQ(session.config().memory_budget, 0.1);
  const int64_t at_pytorchs_budget = before.back()->partition->totals.saved_bytes;

  pipeline::Config c = session.config();
  c.memory_budget = 1.0;
  session.restart(c);
  session.wait();
  EXPECT_EQ(session.lastError(), "");
  auto after = session.snapshots();
  ASSERT_EQ(after.size(), before.size());
  EXPECT_EQ(after[pipeline::index(pipeline::StageId::Joint)], before[pipeline::index(pipeline::StageId::Joint)]);  // the same snapshot
  ASSERT_TRUE(after.back()->partition);
  EXPECT_DOUBLE_EQ(after.back()->partition->options.memory_budget, 1.0);
  EXPECT_GT(after.back()->partition->totals.saved_bytes, at_pytorchs_budget);  // budget 1 saves more
  EXPECT_LT(after.back()->partition->totals.recomputed_nodes, before.back()->partition->totals.recomputed_nodes);
  EXPECT_EQ(after.back()->pytorch_partition->totals.saved_bytes, before.back()->pytorch_partition->totals.saved_bytes);
  EXPECT_DOUBLE_EQ(session.config().memory_budget, 1.0);

  // A force-recompute override on a node the min-cut saves at budget 1 moves it.
  std::string saved_op;
  for (const auto& n : after.back()->partition->nodes)
    if (n.placement == partition::Placement::Forward && n.op == "aten::gelu") saved_op = n.name;
  ASSERT_FALSE(saved_op.empty());
  c.overrides[saved_op] = partition::Override::MustRecompute;
  session.restart(c);
  session.wait();
  for (const auto& n : session.snapshots().back()->partition->nodes)
    if (n.name == saved_op) {
      EXPECT_EQ(n.placement, partition::Placement::Recomputed) << n.reason;
    }

  // Refused: from scratch, and a change to the capture.
  const auto kept = session.snapshots();
  session.restart(session.config(), /*from_scratch=*/true);
  session.wait();
  EXPECT_NE(session.lastError().find("TORCH_TRACE"), std::string::npos) << session.lastError();
  pipeline::Config real = session.config();
  real.trace = capture::TraceMode::Real;
  session.restart(real);
  session.wait();
  EXPECT_NE(session.lastError().find("only the partition options"), std::string::npos) << session.lastError();
  EXPECT_EQ(session.snapshots(), kept);
  EXPECT_EQ(session.config().trace, capture::TraceMode::Fake);
}

// The other shapes of trace a user brings: two ranks, a recompile, an inference-only compile, and an AOTAutograd
// cache hit (Inductor, the second process of two sharing a cache). Every graph in them parses with the printed ops.
TEST(TraceImport, ReadsMultiRankRecompileInferenceAndCacheHitTraces) {
  for (const std::string s : {"multi_rank_aot_eager", "recompile_aot_eager", "inference_aot_eager", "cache_hit_inductor"}) {
    SCOPED_TRACE(s);
    const TraceIndex t = indexTrace(assetDir(s));
    EXPECT_TRUE(t.problems.empty());
    for (const auto& g : t.graphs)
      for (const auto* a : {g.joint ? &*g.joint : nullptr, g.forward ? &*g.forward : nullptr,
                            g.backward ? &*g.backward : nullptr, g.inference ? &*g.inference : nullptr}) {
        if (!a) continue;
        const FxGraph fx = parse(*a, GraphKind::Other);
        EXPECT_EQ(parsedOps(fx.graph), printedOps(a->code)) << g.label();
      }
  }
  // Two ranks: a file each, each compile knows its rank, and a session opens either (DIR#rank1/0/0).
  const TraceIndex ranks = indexTrace(assetDir("multi_rank_aot_eager"));
  EXPECT_EQ(ranks.files, 2u);
  EXPECT_EQ(ranks.ranks, (std::vector<int64_t>{0, 1}));
  ASSERT_EQ(ranks.graphs.size(), 2u);
  EXPECT_EQ(ranks.graphs[0].rank, 0);
  EXPECT_EQ(ranks.graphs[1].rank, 1);
  EXPECT_NE(ranks.graphs[1].label().find("rank 1 [0/0]"), std::string::npos) << ranks.graphs[1].label();
  const pipeline::SessionRecord r1 = traceSession(assetDir("multi_rank_aot_eager") + "#rank1/0/0");
  EXPECT_EQ(r1.config.model, assetDir("multi_rank_aot_eager") + "#rank1/0/0");
  // The app's File > Trace compiles menu lists both.
  const nlohmann::json listed = pipeline::resultToJson(r1.snapshots.front()->result).at("trace_compiles");
  ASSERT_EQ(listed.size(), 2u);
  EXPECT_EQ(listed[1]["id"], "rank1/0/0");
  EXPECT_EQ(listed[1]["has_graph"], true);
  EXPECT_NE(r1.snapshots.front()->notes.front().find("rank_1"), std::string::npos) << r1.snapshots.front()->notes.front();
  try {
    traceSession(assetDir("multi_rank_aot_eager") + "#rank2/0/0");
    ADD_FAILURE() << "no rank 2";
  } catch (const AotError& e) {
    EXPECT_NE(std::string(e.what()).find("rank0/0/0, rank1/0/0"), std::string::npos) << e.what();
  }
  // A recompile: two compiles of one frame, the second with Dynamo's reason.
  const TraceIndex re = indexTrace(assetDir("recompile_aot_eager"));
  ASSERT_EQ(re.graphs.size(), 2u);
  EXPECT_EQ(re.graphs[1].compile_id, "0/1");
  ASSERT_EQ(re.graphs[1].recompile_reasons.size(), 1u);
  EXPECT_NE(re.graphs[1].recompile_reasons[0].find("size mismatch at index 0. expected 8, actual 4"), std::string::npos)
      << re.graphs[1].recompile_reasons[0];
  EXPECT_TRUE(re.graphs[0].joint && re.graphs[1].joint);
  // Inference only: the graph is shown, there is no partition to compare or re-run.
  const pipeline::SessionRecord inf = traceSession(assetDir("inference_aot_eager"));
  EXPECT_FALSE(inf.repartition);
  for (const auto& sn : inf.snapshots) {
    EXPECT_NE(sn->stage, pipeline::StageId::Partition);
    if (sn->stage == pipeline::StageId::Joint) {
      EXPECT_NE(sn->notes.front().find("inference graph"), std::string::npos) << sn->notes.front();
    }
  }
  // A cache hit still replays the graphs; Inductor's post-grad graphs are then top-level records.
  const TraceIndex hit = indexTrace(assetDir("cache_hit_inductor"));
  ASSERT_EQ(hit.graphs.size(), 1u);
  const CompiledGraph& h = hit.graphs[0];
  EXPECT_TRUE(h.joint && h.forward && h.backward);
  EXPECT_EQ(h.post_grad.size(), 2u);
  EXPECT_NE(std::find(h.cache.begin(), h.cache.end(), "aotautograd_cache_hit"), h.cache.end());
  EXPECT_NE(h.label().find("AOTAutograd cache hit"), std::string::npos) << h.label();
}

// Big models list thousands of static inputs, wrapped over lines; reading them must not recurse per character
// (std::regex did, and overflowed the stack on an 83-block trace).
TEST(TraceImport, ReadsAThousandsLongStaticInputList) {
  const CompiledGraph g = indexTrace(assetDir("mlp_aot_eager")).graphs.at(0);
  std::string meta = g.fw_metadata->code;
  const size_t at = meta.find("static_input_indices=[");
  ASSERT_NE(at, std::string::npos);
  std::string list = "static_input_indices=[0";
  for (int i = 1; i < 5000; ++i) list += ",\n    " + std::to_string(i);
  meta.replace(at, meta.find(']', at) + 1 - at, list + "]");
  const PyTorchDecision d = pytorchDecision(parse(*g.joint, GraphKind::Joint), parse(*g.forward, GraphKind::Forward),
                                            parse(*g.backward, GraphKind::Backward), meta, "");
  ASSERT_EQ(d.static_inputs.size(), 5000u);
  EXPECT_EQ(d.static_inputs.back(), 4999u);
}

}  // namespace
}  // namespace aotviz::trace
