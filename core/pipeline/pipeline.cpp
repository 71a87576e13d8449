// core/pipeline/pipeline.cpp — the stage runners: each takes what earlier stages left in the live state, does its
// work through the stage's own module, and returns a snapshot for people.
#include "core/pipeline/pipeline.h"

#include <c10/util/Exception.h>

#include <chrono>
#include <functional>
#include <optional>
#include <utility>

#include "core/capture/capture.h"
#include "core/compile/compile.h"
#include "core/execution/execution.h"
#include "core/ir/dce.h"
#include "core/ir/serialize.h"
#include "core/ir/verify.h"
#include "core/metadata/collect_metadata.h"
#include "core/models/torchscript.h"
#include "core/runtime/runtime.h"

namespace aotviz::pipeline {

using nlohmann::json;

/// What the stages pass on to each other (owned by the pipeline's thread; never shown directly).
struct LiveState {
  std::optional<models::Model> model;
  std::vector<size_t> static_inputs;
  capture::CaptureOptions copts;
  meta::MetadataOptions mo;
  meta::ViewAndMutationMeta user_meta;
  bool is_joint = false;
  std::optional<meta::DedupeResult> dedupe;
  std::optional<meta::SyntheticBaseResult> synthetic;
  std::optional<capture::CaptureResult> cap;
  std::shared_ptr<const ir::Graph> joint_graph;  // the joint stage's snapshot of cap->graph
  partition::Options popts;
  std::string cache_key;
  json key_material;
  std::optional<partition::PartitionResult> cached;
  std::shared_ptr<const partition::PartitionResult> part;
  exec::CompileOptions co;
  std::optional<runtime::CompiledFunction> compiled;
  cache::Stats cache_stats;
};

namespace {

void addStats(cache::Stats& a, const cache::Stats& b) {
  a.hits += b.hits;
  a.misses += b.misses;
  a.corrupt += b.corrupt;
  a.writes += b.writes;
}

GraphCounts graphCounts(const ir::Graph& g) {
  auto n = [](size_t x) { return static_cast<int64_t>(x); };
  return {n(g.nodes.size()), n(g.numCalls()), n(g.placeholders().size()), n(g.outputNode() ? g.outputNode()->args.size() : 0)};
}
int64_t count(size_t n) { return static_cast<int64_t>(n); }

/// Parses what the config names, so a typo fails before any work (AotError naming the option).
void validate(const Config& c) {
  if (c.device != "cpu" && c.device != "cuda") fail("pipeline", "", "unknown device '" + c.device + "'", "use cpu or cuda");
  if (!(c.memory_budget >= 0 && c.memory_budget <= 1))
    fail("pipeline", "", "memory budget " + std::to_string(c.memory_budget) + " is outside [0, 1]", "use a value from 0 to 1");
  if (c.iters < 0) fail("pipeline", "", "iters must not be negative", "use 0 to skip the execution stage");
}

void skip(Snapshot& s, std::string why) {
  s.status = StageStatus::Skipped;
  s.notes.push_back(std::move(why));
}

const models::Model& model(const LiveState& l) { return *l.model; }

}  // namespace

namespace detail {

template <>
void run<StageId::Inputs>(const Config& c, LiveState& l, Snapshot& s) {
  l.model = models::openModel(c.model, c.inputs_spec, c.seed, c.model_options);
  l.static_inputs = models::parameterIndices(*l.model);
  InputsResult r{l.model->name, l.model->description, {}, l.model->grad_enabled, {}};
  for (const auto& in : l.model->inputs)
    r.inputs.push_back({in.name,
                        in.kind == capture::InputKind::Param ? "param" : in.kind == capture::InputKind::Buffer ? "buffer" : "user",
                        in.example.sizes().vec(), ir::dtypeName(in.example.scalar_type()), in.requires_grad});
  s.result = std::move(r);
  s.notes.insert(s.notes.end(), l.model->notes.begin(), l.model->notes.end());
}

template <>
void run<StageId::Metadata>(const Config& c, LiveState& l, Snapshot& s) {
  l.copts = {};
  l.copts.mode = c.trace;
  l.copts.target_device = exec::parseDevice(c.device);
  l.copts.keep_input_mutations = c.keep_input_mutations;
  l.copts.grad_enabled = model(l).grad_enabled;
  l.copts.dce = false;  // the passes stage does it
  l.mo = capture::metadataOptions(l.copts);
  capture::prepareCapture(model(l).inputs);
  l.user_meta = meta::collectMetadata(model(l).fn, model(l).inputs, l.mo);
  l.is_joint = l.user_meta.is_train;
  s.view_meta = std::make_shared<const meta::ViewAndMutationMeta>(l.user_meta);
  s.result = MetadataResult{
      l.user_meta.is_train,
      count(l.user_meta.mutatedInpRuntimeIndices().size() + l.user_meta.mutatedGraphHandledIndices().size()),
      count(l.user_meta.numOutputsAliasedToInputs()), count(l.user_meta.numOutputsAliasedToIntermediates())};
}

template <>
void run<StageId::Dedupe>(const Config&, LiveState& l, Snapshot& s) {
  l.dedupe = meta::dedupeInputs(model(l).fn, model(l).inputs, l.user_meta, l.mo);
  s.dedupe = std::make_shared<const meta::DedupeRecord>(*l.dedupe);
  s.view_meta = std::make_shared<const meta::ViewAndMutationMeta>(l.dedupe->meta);
  s.result = DedupeResult{meta::dedupeStrategyName(l.dedupe->strategy)};
}

template <>
void run<StageId::SyntheticBase>(const Config&, LiveState& l, Snapshot& s) {
  l.synthetic = meta::mergeViewInputs(l.dedupe->fn, l.dedupe->inputs, l.dedupe->meta, !l.is_joint, l.mo);
  s.synthetic_base = std::make_shared<const meta::SyntheticBaseRecord>(*l.synthetic);
  s.view_meta = std::make_shared<const meta::ViewAndMutationMeta>(l.synthetic->meta);
  s.result = SyntheticBaseResult{l.synthetic->applied};
}

template <>
void run<StageId::Joint>(const Config&, LiveState& l, Snapshot& s) {
  const auto t0 = std::chrono::steady_clock::now();
  l.cap = capture::traceJoint(l.synthetic->fn, l.synthetic->inputs, l.synthetic->meta, l.is_joint, l.copts);
  l.cap->user_meta = l.user_meta;
  l.cap->dedupe = *l.dedupe;
  l.cap->synthetic_base = *l.synthetic;
  l.cap->seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  s.graph = l.joint_graph = std::make_shared<const ir::Graph>(l.cap->graph);
  s.notes = l.cap->warnings;
  s.result = JointResult{graphCounts(l.cap->graph),      l.cap->is_joint,
                         count(l.cap->num_primals),       count(l.cap->num_tangents),
                         count(l.cap->numForwardOutputs()), count(l.cap->ops_recorded),
                         count(l.cap->cpu_fallbacks),     count(l.cap->cpu_fallbacks_replayed)};
}

template <>
void run<StageId::Passes>(const Config&, LiveState& l, Snapshot& s) {
  l.cap->dead_nodes_removed = ir::eliminateDeadCode(l.cap->graph);
  auto problems = ir::verify(l.cap->graph);
  if (!problems.empty()) internalError("the joint graph fails verification after DCE: " + problems.front().format());
  // DCE only removes nodes: with as many nodes as the joint stage's graph, it is that graph, shared, not copied.
  s.graph = l.cap->graph.nodes.size() == l.joint_graph->nodes.size() ? l.joint_graph
                                                                      : std::make_shared<const ir::Graph>(l.cap->graph);
  s.result = PassesResult{graphCounts(l.cap->graph), count(l.cap->dead_nodes_removed)};
}

bool wantsPartition(const Config& c, const LiveState& l, Snapshot& s) {
  if (!l.cap->is_joint) {
    skip(s, "forward-only graph (nothing requires grad): there is nothing to partition");
    return false;
  }
  if (c.partitioner == PartitionerChoice::None) {
    skip(s, "partitioner none: the joint graph is not split");
    return false;
  }
  return true;
}

cache::Cache cacheOf(const Config& c) {
  return cache::Cache(c.cache_dir.empty() ? cache::Cache::defaultDir() : std::filesystem::path(c.cache_dir));
}

template <>
void run<StageId::Cache>(const Config& c, LiveState& l, Snapshot& s) {
  l.cached.reset();
  l.cache_key.clear();
  l.popts = {};
  if (!wantsPartition(c, l, s)) return;
  l.popts.partitioner = *partitionerOf(c.partitioner);
  l.popts.rules = c.rules;
  l.popts.memory_budget = c.memory_budget;
  l.popts.overrides = c.overrides;
  l.popts.functionalize_rng = c.functionalize_rng;
  if (!c.use_cache) {
    skip(s, "the cache is off (--no-cache)");
    return;
  }
  cache::Cache store = cacheOf(c);
  l.key_material = cache::partitionKeyMaterial(*l.cap, l.static_inputs, l.popts);
  l.cache_key = cache::keyOf(l.key_material);
  l.cached = store.load(l.cache_key, &s.notes);
  addStats(l.cache_stats, store.stats());
  s.result = CacheResult{l.cache_key, store.dir().string(), store.entryPath(l.cache_key).string(), l.cached.has_value(),
                         l.cache_stats};
  s.notes.push_back(l.cached ? "cache hit: the partition is read from " + store.entryPath(l.cache_key).string()
                             : "cache miss: the partition stage computes it and stores it");
}

template <>
void run<StageId::Partition>(const Config& c, LiveState& l, Snapshot& s) {
  l.part.reset();
  if (!wantsPartition(c, l, s)) return;
  const bool from_cache = l.cached.has_value();
  if (l.cached) {
    l.part = std::make_shared<const partition::PartitionResult>(std::move(*l.cached));
    l.cached.reset();
    s.notes.push_back("from the cache (key " + l.cache_key + ")");
  } else {
    l.part = std::make_shared<const partition::PartitionResult>(
        partition::partitionJoint(l.cap->graph, l.cap->numForwardOutputs(), l.static_inputs, l.popts));
    if (!l.cache_key.empty()) {
      cache::Cache store = cacheOf(c);
      if (auto w = store.store(l.cache_key, *l.part, l.key_material)) s.notes.push_back(*w);
      addStats(l.cache_stats, store.stats());
    }
  }
  s.partition = l.part;
  for (const auto& n : l.part->notes) s.notes.push_back(n);
  const partition::Options& o = l.part->options;
  s.result = PartitionSummary{from_cache, o.partitioner, o.rules, o.memory_budget, l.part->totals};
}

template <>
void run<StageId::Compile>(const Config& c, LiveState& l, Snapshot& s) {
  l.co = {};
  l.co.backend = c.backend;
  l.co.device = exec::parseDevice(c.device);
  CompileResult r{exec::backendName(l.co.backend), l.co.device.str(), {}};
  auto compileOne = [&](const ir::Graph& g, const char* label) {
    exec::CompiledGraph cg(g, label, l.co);
    r.graphs.push_back({label, count(g.numCalls())});
  };
  if (l.part) {
    compileOne(l.part->forward, "forward");
    compileOne(l.part->backward, "backward");
  } else {
    compileOne(l.cap->graph, l.cap->is_joint ? "joint" : "inference");
  }
  s.result = std::move(r);
}

template <>
void run<StageId::Runtime>(const Config&, LiveState& l, Snapshot& s) {
  if (l.cap->is_joint && !l.part) {
    skip(s, "partitioner none: the runtime needs a forward and a backward graph");
    return;
  }
  l.compiled.emplace(*l.cap, l.part.get(), l.co);
  const meta::ViewAndMutationMeta& m = l.cap->meta;
  s.result = RuntimeResult{l.compiled->isTraining(), meta::dedupeStrategyName(l.cap->dedupe.strategy),
                           l.cap->synthetic_base.applied, count(m.mutatedInpRuntimeIndices().size()),
                           count(m.aliasedOutIndices().size())};
}

template <>
void run<StageId::Execution>(const Config& c, LiveState& l, Snapshot& s) {
  if (c.iters == 0) {
    skip(s, "iters = 0: eager and compiled are not run (set iters to measure)");
    return;
  }
  if (!l.compiled) {
    skip(s, "nothing was compiled to run");
    return;
  }
  execution::Options eo;
  eo.iters = c.iters;
  eo.device = l.co.device;
  eo.rtol = c.rtol;
  eo.atol = c.atol;
  execution::Report rep = execution::runAndCompare(model(l), *l.compiled, eo);
  runtime::RuntimeOptions ro;
  ro.profile = true;
  runtime::CompiledFunction profiled(*l.cap, l.part.get(), l.co, ro);
  s.result = ExecutionResult{rep, execution::profileStep(model(l), profiled, l.co.device)};
  s.notes.push_back(rep.rng);
  if (!rep.ok) {
    // The report stays in the snapshot: the failed stage still shows every tensor's numbers.
    const execution::TensorCheck& w = rep.checks[rep.worst];
    size_t bad = 0;
    for (const auto& t : rep.checks) bad += t.ok ? 0 : 1;
    fail("execution", "",
         "compiled and eager disagree on " + std::to_string(bad) + " of " + std::to_string(rep.checks.size()) +
             " tensors; worst: " + execution::describeCheck(w),
         "inspect the graphs around the nodes that produce it; --rtol/--atol set the tolerance");
  }
}

template <>
void reset<StageId::Inputs>(LiveState& l) { l.model.reset(); }
template <>
void reset<StageId::Dedupe>(LiveState& l) { l.dedupe.reset(); }
template <>
void reset<StageId::SyntheticBase>(LiveState& l) { l.synthetic.reset(); }
template <>
void reset<StageId::Joint>(LiveState& l) {
  l.cap.reset();
  l.joint_graph.reset();
}
template <>
void reset<StageId::Partition>(LiveState& l) { l.part.reset(); }
template <>
void reset<StageId::Runtime>(LiveState& l) { l.compiled.reset(); }

}  // namespace detail

namespace {
using RunFn = void (*)(const Config&, LiveState&, Snapshot&);
using ResetFn = void (*)(LiveState&);

template <size_t I>
constexpr ResetFn resetOf() {
  if constexpr (kStages[I].owns_state) return &detail::reset<StageId(I)>;
  else return nullptr;
}
template <size_t... I>
constexpr std::array<RunFn, kNumStages> runners(std::index_sequence<I...>) { return {&detail::run<StageId(I)>...}; }
template <size_t... I>
constexpr std::array<ResetFn, kNumStages> resets(std::index_sequence<I...>) { return {resetOf<I>()...}; }

/// Row i of the stage table's runner and reset: a stage added to the table without its run<> fails to link.
constexpr std::array<RunFn, kNumStages> kRun = runners(std::make_index_sequence<kNumStages>{});
constexpr std::array<ResetFn, kNumStages> kReset = resets(std::make_index_sequence<kNumStages>{});

/// Drops what stage `i` and later ones left in the live state.
void resetFrom(LiveState& l, size_t i) {
  for (size_t k = i; k < kNumStages; ++k)
    if (kReset[k]) kReset[k](l);
}
}  // namespace

Pipeline::Pipeline(Config config) : config_(std::move(config)), live_(std::make_unique<LiveState>()) {
  validate(config_);
}

Pipeline::~Pipeline() = default;

bool Pipeline::halted() const { return !snapshots_.empty() && snapshots_.back()->status == StageStatus::Failed; }

SnapshotPtr Pipeline::runNext() {
  if (finished() || halted()) return nullptr;
  const size_t i = next();
  const StageInfo& info = stageList()[i];
  for (auto& o : observers_) o->before(i, info);
  auto s = std::make_shared<Snapshot>();
  s->stage = info.id;
  const auto t0 = std::chrono::steady_clock::now();
  std::optional<Diagnostic> error;
  try {
    kRun[i](config_, *live_, *s);
  } catch (const AotError& e) {
    error = e.diagnostic();
  } catch (const c10::Error& e) {
    error = Diagnostic{Severity::Error, info.name, "", -1, e.what_without_backtrace(),
                       "LibTorch raised this error; if the model runs in eager PyTorch, please report it with the session file", {}};
  } catch (const std::bad_alloc&) {
    error = Diagnostic{Severity::Error, info.name, "", -1, "out of memory (std::bad_alloc)", "", {}};
  } catch (const std::exception& e) {
    error = Diagnostic{Severity::Error, info.name, "", -1, e.what(), "please report it with the session file", {}};
  }
  s->seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (error) {
    if (error->stage.empty()) error->stage = info.name;
    if (isOutOfMemory(error->message))
      error->hint = "the " + config_.device + " device ran out of memory: use smaller inputs (the input spec's shapes) or "
                    "a smaller model" + (config_.device == "cuda" ? ", or free GPU memory other processes hold" : "") +
                    "; the earlier stages stay inspectable, change the config and restart";
    s->status = StageStatus::Failed;
    s->error = error;
  }
  SnapshotPtr snap = s;
  snapshots_.push_back(snap);
  for (auto& o : observers_) {
    if (error) o->failed(i, snap, *error);
    else o->after(i, snap);
  }
  return snap;
}

void Pipeline::runAll() {
  while (runNext()) {
  }
}

void Pipeline::restart(Config config, size_t from) {
  validate(config);
  size_t first = std::min({firstAffectedStage(config_, config), snapshots_.size(), from});
  if (halted()) first = std::min(first, snapshots_.size() - 1);
  if (first < stageList().size()) first = index(stageList()[first].reruns_from);  // passes edits the joint in place
  snapshots_.resize(first);
  resetFrom(*live_, first);
  config_ = std::move(config);
}

cache::Stats Pipeline::cacheStats() const { return live_->cache_stats; }

}  // namespace aotviz::pipeline
