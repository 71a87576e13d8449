// core/trace/trace_session.cpp — see trace_session.h.
#include "core/trace/trace_session.h"

#include <filesystem>

#include "core/pipeline/stages.h"
#include "core/trace/import_compile.h"
#include "core/util/diagnostic.h"

namespace aotviz::trace {

namespace {

namespace fs = std::filesystem;

std::pair<std::string, std::string> splitPath(const std::string& path) {
  const size_t hash = path.rfind('#');
  if (hash == std::string::npos) return {path, ""};
  return {path.substr(0, hash), path.substr(hash + 1)};
}

std::shared_ptr<const pipeline::Snapshot> snapshot(pipeline::StageId stage, pipeline::StageStatus status,
                                                   std::vector<std::string> notes,
                                                   std::shared_ptr<const ir::Graph> graph = nullptr,
                                                   std::shared_ptr<const partition::PartitionResult> part = nullptr) {
  auto s = std::make_shared<pipeline::Snapshot>();
  s->stage = stage;
  s->status = status;
  s->notes = std::move(notes);
  s->graph = std::move(graph);
  s->partition = std::move(part);
  return s;
}

/// A compile's id in a DIR#id path: "0/0_1", or "rank1/0/0" in a multi-rank trace.
std::string idOf(const CompiledGraph& g) {
  return g.rank ? "rank" + std::to_string(*g.rank) + "/" + g.compile_id : g.compile_id;
}

std::string list(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
  return s.empty() ? "none" : s;
}

/// The partition stage of a trace session: aotviz's partition `ours` of PyTorch's joint graph, PyTorch's own
/// partition beside it, and in the notes how they differ and PyTorch's knapsack reasons.
pipeline::SnapshotPtr partitionSnapshot(const ImportedCompile& c, const partition::PartitionResult& ours) {
  std::vector<std::string> notes = {"aotviz's " + std::string(partition::partitionerName(ours.options.partitioner)) +
                                    " partition of PyTorch's joint graph, budget " +
                                    std::to_string(ours.options.memory_budget).substr(0, 4)};
  if (c.pytorch) {
    notes.push_back("PyTorch saved " + std::to_string(c.pytorch->saved.size()) + " values (" +
                    std::to_string(c.pytorch->total_saved_bytes) + " bytes) and recomputed " +
                    std::to_string(c.pytorch->recomputed.size()) + " ops at budget " +
                    std::to_string(c.pytorch->memory_budget).substr(0, 4));
    const PartitionDiff diff = diffPartitions(*c.pytorch, ours);
    if (diff.same()) notes.push_back("same decisions as PyTorch: the same saved values and recomputed ops");
    else {
      notes.push_back("saved only by PyTorch: " + list(diff.saved_only_by_pytorch));
      notes.push_back("saved only by aotviz: " + list(diff.saved_only_by_aotviz));
      notes.push_back("recomputed only by PyTorch: " + list(diff.recomputed_only_by_pytorch));
      notes.push_back("recomputed only by aotviz: " + list(diff.recomputed_only_by_aotviz));
    }
    for (const auto& k : c.pytorch->knapsack) notes.push_back(k.name + ": " + c.pytorch->reason(k.name));
  }
  auto s = std::make_shared<pipeline::Snapshot>();
  s->stage = pipeline::StageId::Partition;
  s->notes = std::move(notes);
  s->result = pipeline::PartitionSummary{false, ours.options.partitioner, ours.options.rules, ours.options.memory_budget,
                                         ours.totals};
  s->seconds = ours.totals.seconds;
  s->partition = std::make_shared<const partition::PartitionResult>(ours);
  if (c.pytorch_partition) s->pytorch_partition = std::make_shared<const partition::PartitionResult>(*c.pytorch_partition);
  return s;
}

}  // namespace

bool looksLikeTrace(const std::string& path) {
  const std::string p = splitPath(path).first;
  std::error_code ec;
  if (fs::is_directory(p, ec)) {
    for (const auto& e : fs::directory_iterator(p, ec))
      if (e.path().filename().string().rfind("dedicated_log_torch_trace_", 0) == 0) return true;
    return false;
  }
  return fs::path(p).filename().string().rfind("dedicated_log_torch_trace_", 0) == 0;
}

pipeline::SessionRecord traceSession(const std::string& path) {
  const auto [dir, wanted] = splitPath(path);
  const TraceIndex t = indexTrace(dir);
  const CompiledGraph* pick = nullptr;
  std::string ids;
  for (const CompiledGraph& g : t.graphs) {
    const std::string id = idOf(g);
    ids += (ids.empty() ? "" : ", ") + id;
    if (pick) continue;
    if (wanted.empty() ? (g.joint || g.inference) : (id == wanted || (!g.rank && g.compile_id == wanted))) pick = &g;
  }
  if (!pick)
    fail("trace", path, wanted.empty() ? "no compile of this trace has a joint or inference graph" : "the trace has no compile " + wanted,
         "its compiles: " + (ids.empty() ? std::string("none") : ids) + "; open one with DIR#<compile id>");
  ImportedCompile c = importCompile(*pick);

  pipeline::SessionRecord rec;
  rec.config.model = dir + "#" + idOf(*pick);
  rec.config.partitioner = pipeline::PartitionerChoice::MinCut;
  if (c.aotviz) rec.config.memory_budget = c.aotviz->options.memory_budget;
  for (const auto& p : t.problems) rec.warnings.push_back(p.file + ":" + std::to_string(p.line) + ": " + p.message);
  for (const auto& e : c.errors) rec.warnings.push_back(e);

  using pipeline::StageStatus;
  std::vector<std::string> in_notes = {"PyTorch's compile " + c.label + " from the TORCH_TRACE log " + pick->file,
                                       "the trace's compiles: " + ids + " (open another with " + dir + "#<compile id>)"};
  for (const auto& b : pick->graph_breaks) in_notes.push_back("graph break: " + b);
  for (const auto& r : pick->recompile_reasons) in_notes.push_back("recompiled: " + r);
  for (const auto& k : pick->cache) in_notes.push_back("cache record: " + k);
  auto inputs = std::make_shared<pipeline::Snapshot>(*snapshot(pipeline::StageId::Inputs, StageStatus::Done, in_notes));
  pipeline::InputsResult listed;  // the app's File > Trace compiles
  for (const CompiledGraph& g : t.graphs)
    listed.trace_compiles.push_back({idOf(g), g.label(), g.joint.has_value() || g.inference.has_value()});
  inputs->result = std::move(listed);
  rec.snapshots.push_back(inputs);
  const std::string from_trace = "taken from PyTorch's trace, not run by aotviz";
  for (pipeline::StageId stage : {pipeline::StageId::Metadata, pipeline::StageId::Dedupe, pipeline::StageId::SyntheticBase})
    rec.snapshots.push_back(snapshot(stage, StageStatus::Skipped, {from_trace}));
  const FxGraph* shown = c.joint ? &*c.joint : c.inference ? &*c.inference : nullptr;
  if (!shown) fail("trace", path, "the graphs of compile " + pick->compile_id + " could not be read: " + list(c.errors));
  auto graph = std::make_shared<const ir::Graph>(shown->graph);
  std::vector<std::string> joint_notes = {std::string(c.joint ? "PyTorch's joint graph" : "PyTorch's inference graph") +
                                          " (aot_" + (c.joint ? "joint" : "inference") + "_graph), " +
                                          std::to_string(graph->numCalls()) + " ops"};
  for (const auto& o : shown->opaque) joint_notes.push_back("opaque (this LibTorch has no such operator): " + o);
  for (const auto& n : shown->notes) joint_notes.push_back(n);
  rec.snapshots.push_back(snapshot(pipeline::StageId::Joint, StageStatus::Done, joint_notes, graph));
  rec.snapshots.push_back(snapshot(pipeline::StageId::Passes, StageStatus::Skipped, {from_trace}, graph));
  rec.snapshots.push_back(snapshot(pipeline::StageId::Cache, StageStatus::Skipped, {"not used for traces"}));
  if (c.aotviz) {
    auto compile = std::make_shared<const ImportedCompile>(std::move(c));
    rec.snapshots.push_back(partitionSnapshot(*compile, *compile->aotviz));
    rec.repartition = [compile](const pipeline::Config& config) {
      partition::Options o;
      try {
        const auto partitioner = pipeline::partitionerOf(config.partitioner);
        if (!partitioner)
          fail("partition", config.model, "partitioner none: PyTorch's joint graph is shown unsplit only by opening it again",
               "choose the default or mincut partitioner");
        o.partitioner = *partitioner;
        o.rules = config.rules;
        o.memory_budget = config.memory_budget;
        o.overrides = config.overrides;
        o.functionalize_rng = config.functionalize_rng;
        const PyTorchDecision base = compile->pytorch.value_or(PyTorchDecision{});
        return partitionSnapshot(*compile, partition::partitionJoint(compile->joint->graph, compile->aotviz->num_fwd_outputs,
                                                                     base.static_inputs, o));
      } catch (const AotError& e) {
        auto failed = std::make_shared<pipeline::Snapshot>();
        failed->stage = pipeline::StageId::Partition;
        failed->status = StageStatus::Failed;
        failed->error = e.diagnostic();
        return pipeline::SnapshotPtr(failed);
      }
    };
  }
  return rec;
}

}  // namespace aotviz::trace
