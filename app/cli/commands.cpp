// app/cli/commands.cpp — headless subcommands: models, compile, run, bench, import-trace, inspect, render.
#include "app/cli/commands.h"

#include "app/cli/bench.h"
#include "app/cli/import_trace.h"
#include "app/cli/inspect.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <filesystem>
#include <iostream>
#include <map>
#include <optional>

#include "core/cache/cache.h"
#include "core/compile/compile.h"
#include "core/ir/printer.h"
#include "core/ir/serialize.h"
#include "core/models/zoo.h"
#include "core/partition/pareto.h"
#include "core/partition/partition.h"
#include "core/pipeline/pipeline.h"
#include "core/util/atomic_file.h"
#include "core/util/build_info.h"
#include "core/util/diagnostic.h"
#include "viz/dot_export.h"

namespace aotviz::cli {

namespace fs = std::filesystem;

namespace {

/// Flags shared by `compile` and `run`; they fill one pipeline::Config.
struct PipelineFlags {
  pipeline::Config config;
  std::vector<std::string> must_save, must_recompute;
  bool no_cache = false;
  bool json = false;
  pipeline::Config resolved() const {
    pipeline::Config c = config;
    for (const auto& n : must_save) c.overrides[n] = partition::Override::MustSave;
    for (const auto& n : must_recompute) c.overrides[n] = partition::Override::MustRecompute;
    c.use_cache = !no_cache;
    return c;
  }
};

struct CompileOptions {
  PipelineFlags p;
  std::string out_dir;
  std::string pareto_out;   // --pareto FILE.json
  size_t pareto_points = 20;  // --pareto-points: partitioner runs of the sweep
};

struct RunOptions {
  PipelineFlags p;
  std::string trace_out;
  RunOptions() { p.config.iters = 20; }
};

int runModels(bool json) {
  if (json) {
    nlohmann::json j = nlohmann::json::array();
    for (const auto& m : models::modelList())
      j.push_back({{"name", m.name}, {"description", m.description}, {"options", m.options}});
    std::cout << j.dump(1) << "\n";
    return 0;
  }
  for (const auto& m : models::modelList()) std::cout << m.name << (m.name == models::kDefaultModel ? " (default)" : "") << "\n    " << m.description << "\n";
  return 0;
}

/// Prints each stage as it starts and ends on stderr (progress on long work).
class ProgressObserver : public pipeline::Observer {
 public:
  void before(size_t i, const pipeline::StageInfo& s) override {
    std::cerr << "[" << (i + 1) << "/" << pipeline::stageList().size() << "] " << s.name << "..." << std::flush;
  }
  void after(size_t, const pipeline::SnapshotPtr& s) override {
    std::cerr << " " << pipeline::stageStatusName(s->status) << " (" << s->seconds * 1e3 << " ms)\n";
    for (const auto& n : s->notes) std::cerr << "    " << n << "\n";
  }
  void failed(size_t, const pipeline::SnapshotPtr&, const Diagnostic&) override { std::cerr << " failed\n"; }
};

const pipeline::Snapshot* findSnapshot(const pipeline::Pipeline& p, pipeline::StageId stage) {
  for (const auto& s : p.snapshots())
    if (s->stage == stage) return s.get();
  return nullptr;
}
/// The result of `stage` as its struct; nullptr when the stage did not run or left none.
template <class T>
const T* resultOf(const pipeline::Pipeline& p, pipeline::StageId stage) {
  const auto* s = findSnapshot(p, stage);
  return s ? s->as<T>() : nullptr;
}
using pipeline::StageId;

/// Runs the whole pipeline; a failed stage is printed (stage, node, hint) and makes the exit code 1.
int runPipeline(pipeline::Pipeline& p, bool json) {
  if (!json) p.addObserver(std::make_shared<ProgressObserver>());
  p.runAll();
  if (p.halted()) {
    std::cerr << "error: " << p.snapshots().back()->error->format() << "\n";
    return 1;
  }
  return 0;
}

nlohmann::json stageTable(const pipeline::Pipeline& p) {
  nlohmann::json a = nlohmann::json::array();
  for (const auto& s : p.snapshots())
    a.push_back({{"stage", pipeline::stageName(s->stage)}, {"status", pipeline::stageStatusName(s->status)}, {"ms", s->seconds * 1e3},
                 {"notes", s->notes}});
  return a;
}

nlohmann::json graphSummary(const ir::Graph& g) {
  nlohmann::json ops = nlohmann::json::object();
  for (const auto& n : g.nodes)
    if (n.kind == ir::NodeKind::Call) ops[n.qualifiedOp()] = ops.value(n.qualifiedOp(), 0) + 1;
  return {{"inputs", g.placeholders().size()},
          {"outputs", g.outputNode() ? g.outputNode()->args.size() : 0},
          {"call_nodes", g.numCalls()},
          {"ops", ops}};
}

/// meta.json: the metadata of the user's function (PyTorch's field names, lower-case enums), what dedupe and
/// synthetic bases did, the metadata of the function the graph was traced from, and each graph's shape.
nlohmann::json metaJson(const pipeline::Pipeline& p) {
  const auto* md = findSnapshot(p, StageId::Metadata);
  const auto* dd = findSnapshot(p, StageId::Dedupe);
  const auto* sb = findSnapshot(p, StageId::SyntheticBase);
  const auto* in = resultOf<pipeline::InputsResult>(p, StageId::Inputs);
  const auto* passes = findSnapshot(p, StageId::Passes);
  const auto* part = findSnapshot(p, StageId::Partition);
  const auto* joint = resultOf<pipeline::JointResult>(p, StageId::Joint);
  if (!md || !dd || !sb || !in || !joint || !passes || !passes->graph) return nullptr;
  if (!md->view_meta || !dd->dedupe || !sb->synthetic_base || !sb->view_meta) return nullptr;  // done stages leave them
  nlohmann::json j = meta::metaToJson(*md->view_meta);
  j["schema_version"] = meta::kMetaSchemaVersion;
  j["torch_version"] = torchVersionString();
  j["model"] = in->model;
  nlohmann::json names = nlohmann::json::array();
  for (const auto& i : in->inputs) names.push_back(i.name);
  j["input_names"] = names;
  j["dedupe"] = meta::dedupeToJson(*dd->dedupe);
  j["synthetic_base"] = meta::syntheticBaseToJson(*sb->synthetic_base);
  j["traced_function"] = meta::metaToJson(*sb->view_meta);
  nlohmann::json graphs;
  nlohmann::json main = graphSummary(*passes->graph);
  main["num_fwd_outputs"] = joint->num_fwd_outputs;
  main["tangents"] = joint->tangents;
  graphs[joint->is_joint ? "joint" : "forward"] = main;
  if (part && part->partition) {
    graphs["forward"] = graphSummary(part->partition->forward);
    graphs["backward"] = graphSummary(part->partition->backward);
  }
  j["graphs"] = graphs;
  return j;
}

/// Writes every stage's artifacts that exist: graphs as JSON, FX-style text and DOT; partition.json, meta.json,
/// execution.json and trace.json; stages.json; and session.json (all snapshots and the config).
std::vector<std::string> writeArtifacts(const pipeline::Pipeline& p, const fs::path& dir) {
  fs::create_directories(dir);
  std::vector<std::string> files;
  auto write = [&](const std::string& name, const std::string& text) {
    util::writeFileAtomic(dir / name, text);
    files.push_back(name);
  };
  ir::PrintOptions popts;
  popts.show_provenance = true;
  auto writeGraph = [&](const std::string& stem, const ir::Graph& g, const viz::DotOptions& dopts) {
    write(stem + ".json", ir::graphToJsonString(g) + "\n");
    write(stem + ".txt", ir::printGraph(g, popts));
    write(stem + ".dot", viz::graphToDot(g, dopts));
  };
  const auto* passes = findSnapshot(p, StageId::Passes);
  const auto* part = findSnapshot(p, StageId::Partition);
  const auto* joint = resultOf<pipeline::JointResult>(p, StageId::Joint);
  if (joint && passes && passes->graph) {
    viz::DotOptions d;
    d.title = p.config().model + " joint graph";
    if (part && part->partition) d.partition = part->partition.get();
    writeGraph(joint->is_joint ? "joint" : "forward", *passes->graph, d);
  }
  if (part && part->partition) {
    viz::DotOptions d;
    d.title = p.config().model + " forward graph";
    writeGraph("forward", part->partition->forward, d);
    d.title = p.config().model + " backward graph";
    writeGraph("backward", part->partition->backward, d);
    write("partition.json", partition::partitionToJson(*part->partition).dump(1) + "\n");
  }
  nlohmann::json meta = metaJson(p);
  if (!meta.is_null()) write("meta.json", meta.dump(1) + "\n");
  if (const auto* ex = resultOf<pipeline::ExecutionResult>(p, StageId::Execution)) {
    write("execution.json", execution::reportToJson(ex->report).dump(1) + "\n");
    write("trace.json", exec::chromeTrace(ex->profile).dump() + "\n");
  }
  write("stages.json", stageTable(p).dump(1) + "\n");
  pipeline::saveSession(pipeline::SessionRecord{p.config(), p.snapshots(), {}, {}}, dir / "session.json");
  files.push_back("session.json");
  return files;
}

nlohmann::json cacheJson(const pipeline::Pipeline& p) {
  const auto* c = resultOf<pipeline::CacheResult>(p, StageId::Cache);
  cache::Stats st = p.cacheStats();
  nlohmann::json j = {{"enabled", p.config().use_cache}, {"hits", st.hits}, {"misses", st.misses},
                      {"corrupt", st.corrupt}, {"writes", st.writes}};
  if (c) {
    j["key"] = c->key;
    j["hit"] = c->hit;
    j["dir"] = c->dir;
  }
  return j;
}

int runCompile(const CompileOptions& o) {
  pipeline::Pipeline p(o.p.resolved());
  const int code = runPipeline(p, o.p.json);
  std::vector<std::string> files = writeArtifacts(p, o.out_dir);
  const auto* joint_snap = findSnapshot(p, StageId::Joint);
  const auto* joint = resultOf<pipeline::JointResult>(p, StageId::Joint);
  const auto* passes = resultOf<pipeline::PassesResult>(p, StageId::Passes);
  const auto* passes_snap = findSnapshot(p, StageId::Passes);
  const auto* part = findSnapshot(p, StageId::Partition);
  const auto* part_summary = resultOf<pipeline::PartitionSummary>(p, StageId::Partition);
  nlohmann::json summary = {{"model", p.config().model}, {"stages", stageTable(p)}, {"files", files},
                            {"out_dir", o.out_dir}, {"cache", cacheJson(p)}, {"ok", code == 0}};
  if (const auto* in = resultOf<pipeline::InputsResult>(p, StageId::Inputs)) summary["model"] = in->model;
  if (joint && passes) {
    summary.update({{"graph", joint->is_joint ? "joint" : "forward"},
                    {"is_joint", joint->is_joint},
                    {"nodes", passes->counts.nodes},
                    {"call_nodes", passes->counts.call_nodes},
                    {"primals", joint->primals},
                    {"tangents", joint->tangents},
                    {"ops_recorded", joint->ops_recorded},
                    {"dead_nodes_removed", passes->dead_nodes_removed},
                    {"cpu_fallbacks", joint->cpu_fallbacks},
                    {"warnings", joint_snap->notes}});
  }
  if (part && part->partition && part_summary)
    summary["partition"] = {{"partitioner", partition::partitionerName(part_summary->partitioner)},
                            {"rules", partition::rulesName(part_summary->rules)},
                            {"memory_budget", part_summary->memory_budget},
                            {"totals", partition::totalsToJson(part_summary->totals)},
                            {"from_cache", part_summary->from_cache}};
  std::optional<partition::ParetoSweep> pareto;
  if (!o.pareto_out.empty()) {  // --pareto: the budget sweep on the joint graph the partition stage cut
    if (!(part && part->partition && passes_snap && passes_snap->graph))
      fail("partition", o.pareto_out, "--pareto needs the partition stage to have run on a joint graph",
           "see the stage errors above; a forward-only model has no partition to sweep");
    partition::Options base = part->partition->options;
    pareto = partition::paretoSweep(*passes_snap->graph, part->partition->num_fwd_outputs, part->partition->static_inputs, base,
                                    o.pareto_points);
    util::writeFileAtomic(o.pareto_out, partition::paretoToJson(*pareto).dump(1) + "\n");
    summary["pareto"] = {{"file", o.pareto_out}, {"points", pareto->points.size()}, {"knee", pareto->knee},
                         {"partitions", pareto->partitions}, {"seconds", pareto->seconds}};
  }
  if (o.p.json) {
    std::cout << summary.dump(1) << "\n";
    return code;
  }
  if (pareto) {
    std::cout << "[pareto] " << pareto->points.size() << " distinct partitions from " << pareto->partitions
              << " budgets in " << static_cast<int>(pareto->seconds * 1000) << " ms, written to " << o.pareto_out << "\n";
    for (size_t i = 0; i < pareto->points.size(); ++i) {
      const auto& pt = pareto->points[i];
      std::printf("  budget %.4f: saves %lld bytes (memory ratio %.3f), recomputes %zu ops (runtime %.3g)%s\n", pt.budget,
                  static_cast<long long>(pt.saved_bytes), pt.memory_ratio, pt.recomputed_nodes, pt.recompute_runtime,
                  static_cast<int>(i) == pareto->knee ? "  <- knee" : "");
    }
  }
  if (joint && passes)
    std::cout << "[joint] " << summary["model"].get<std::string>() << ": "
              << (summary["is_joint"].get<bool>() ? "joint" : "forward-only") << " graph with "
              << summary["call_nodes"] << " ops (" << summary["primals"] << " primals, " << summary["tangents"]
              << " tangents)\n";
  if (part && part->partition) {
    const auto& t = part->partition->totals;
    std::cout << "[partition] " << partition::partitionerName(part->partition->options.partitioner) << " ("
              << partition::rulesName(part->partition->options.rules) << " rules, budget "
              << part->partition->options.memory_budget << "): forward " << t.forward_nodes << " ops, backward "
              << t.backward_nodes << " ops, " << t.saved_count << " saved values (" << t.saved_bytes << " bytes, "
              << t.activation_bytes << " bytes of activations), " << t.recomputed_nodes << " recomputed\n";
  }
  const cache::Stats st = p.cacheStats();
  if (p.config().use_cache) std::cout << "[cache] " << st.hits << " hit, " << st.misses << " miss\n";
  std::cout << "wrote";
  for (const auto& f : files) std::cout << " " << (fs::path(o.out_dir) / f).string();
  std::cout << "\n";
  return code;
}

int runRun(const RunOptions& o) {
  pipeline::Config c = o.p.resolved();
  if (c.iters < 1) fail("execution", "", "--iters must be at least 1", "use --iters 20 (the default)");
  (void)exec::parseDevice(c.device);
  pipeline::Pipeline p(c);
  const int code = runPipeline(p, o.p.json);
  const auto* ex_snap = findSnapshot(p, StageId::Execution);
  const auto* ex = ex_snap ? ex_snap->as<pipeline::ExecutionResult>() : nullptr;
  // A failed numeric check fails the execution stage but keeps its report: print it, then exit non-zero.
  if (code && !(ex && ex_snap->status == pipeline::StageStatus::Failed)) return code;
  if (!ex)
    fail("execution", "", "nothing was run: " + (ex_snap && !ex_snap->notes.empty() ? ex_snap->notes.front() : std::string("?")),
         "use a partitioner (default or mincut)");
  nlohmann::json j = execution::reportToJson(ex->report);
  j["device"] = c.device;
  j["backend"] = exec::backendName(c.backend);
  j["cache"] = cacheJson(p);
  if (!o.trace_out.empty()) {
    util::writeFileAtomic(o.trace_out, exec::chromeTrace(ex->profile).dump() + "\n");
    j["chrome_trace"] = o.trace_out;
  }
  j["ok"] = code == 0;
  if (o.p.json) {
    std::cout << j.dump(1) << "\n";
    return code;
  }
  auto mib = [](const nlohmann::json& b) {
    return std::to_string(b.get<double>() / (1024.0 * 1024.0)).substr(0, 6) + " MiB";
  };
  const bool training = j["training"];
  std::cout << j["model"].get<std::string>() << " on " << c.device << ", backend " << exec::backendName(c.backend) << ", "
            << (training ? "training" : "inference") << " graph, " << j["iters"] << " steps (forward"
            << (training ? "+backward" : "") << ")\n"
            << "  eager     median " << j["eager"]["median_step_ms"] << " ms  (min " << j["eager"]["min_step_ms"]
            << ")  peak " << mib(j["eager"]["peak_bytes"]) << "\n"
            << "  compiled  median " << j["compiled"]["median_step_ms"] << " ms  (min "
            << j["compiled"]["min_step_ms"] << ")  peak " << mib(j["compiled"]["peak_bytes"]) << "\n"
            << "  compiled/eager step time " << j["ratio"] << "\n"
            << "  max |compiled - eager|: outputs " << j["max_abs_diff"]["outputs"] << ", gradients "
            << j["max_abs_diff"]["gradients"] << ", inputs after the call " << j["max_abs_diff"]["inputs"] << "\n";
  const nlohmann::json& check = j["check"];
  std::cout << "  check: " << (check["ok"].get<bool>() ? "ok, " : "FAILED, ") << check["tensors"].size()
            << " tensors compared; worst " << check.value("worst", std::string("-")) << "\n"
            << "  RNG: " << check["rng"].get<std::string>() << "\n";
  if (!o.trace_out.empty()) std::cout << "  Chrome trace: " << o.trace_out << "\n";
  return code;
}

/// Runs `body`, turning diagnostics into a message on stderr and exit code 1.
template <class F>
int guarded(F body) {
  try {
    return body();
  } catch (const AotError& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
}

}  // namespace

/// An option taking one of an enum's names (its table: util::EnumNames); the help lists them, a wrong one is refused.
template <class E, size_t N>
void enumOption(CLI::App* cmd, const std::string& flag, E& value, const util::EnumNames<E, N>& names, const std::string& help) {
  std::map<std::string, E> by_name;
  for (const auto& r : names.rows)
    if (!r.alias) by_name.emplace(r.name, r.value);
  cmd->add_option_function<std::string>(
         flag, [&value, by_name](const std::string& s) { value = by_name.at(s); },
         help + ": " + names.choices() + " (default: " + names.name(value) + ")")
      ->check(CLI::IsMember(by_name));
}

void addPipelineFlags(CLI::App* cmd, PipelineFlags& f) {
  pipeline::Config& c = f.config;
  cmd->add_option("model", c.model, "Built-in model name (see `aotviz models`), a torch.export .pt2 or a TorchScript .pt file")->required();
  addModelSizeFlags(cmd, c.model_options);
  cmd->add_option("--inputs", c.inputs_spec, "Input spec JSON for a .pt model (default: the .json next to it) or a .pt2 (default: its sample inputs)");
  cmd->add_option("--seed", c.seed, "Seed for parameter initialisation")->capture_default_str();
  enumOption(cmd, "--trace", c.trace, capture::kTraceModeNames, "Capture with fake (meta) or real tensors");
  cmd->add_option("--device", c.device, "Device the graphs are for and run on: cpu or cuda")
      ->check(CLI::IsMember({"cpu", "cuda"}))
      ->capture_default_str();
  cmd->add_flag("--keep-input-mutations", c.keep_input_mutations,
                "Keep data mutations of inputs that need no autograd in the graph as copy_ (what torch.compile "
                "does; aot_function's default is off)");
  enumOption(cmd, "--partitioner", c.partitioner, pipeline::kPartitionerChoiceNames, "Split the joint graph");
  cmd->add_option("--budget", c.memory_budget,
                  "Activation memory budget for mincut, 0 (save only inputs) to 1 (runtime-optimal)")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  enumOption(cmd, "--rules", c.rules, partition::kRulesNames, "Partitioner rules: current PyTorch or 1.13 (functorch)");
  cmd->add_option("--must-save", f.must_save, "Joint node that must be saved (repeatable)");
  cmd->add_option("--must-recompute", f.must_recompute, "Joint node that must be recomputed in the backward (repeatable)");
  cmd->add_flag("--functionalize-rng", c.functionalize_rng,
                "Let the partitioner recompute random ops (dropout, bernoulli) in the backward, replaying the "
                "forward's RNG state (run_and_save_rng_state / run_with_rng_state); off: they are saved, as in PyTorch");
  cmd->add_option("--rtol", c.rtol, "Relative tolerance of the compiled-vs-eager check (default: the dtype's, 1e-4 for float32)");
  cmd->add_option("--atol", c.atol, "Absolute tolerance of the compiled-vs-eager check (default: the dtype's, 1e-5 for float32)");
  enumOption(cmd, "--backend", c.backend, exec::kBackendNames, "Compile backend");
  cmd->add_option("--cache-dir", c.cache_dir,
                  "Partition cache directory (default: $AOTVIZ_CACHE_DIR, $XDG_CACHE_HOME/aotviz or ~/.cache/aotviz)");
  cmd->add_flag("--no-cache", f.no_cache, "Neither read nor write the partition cache");
  cmd->add_flag("--json", f.json, "Machine-readable output on stdout");
}

/// Option storage for every subcommand; lives as long as the CLI::App that parses into it.
struct CliState {
  int* exit_code = nullptr;
  bool models_json = false;
  CompileOptions compile;
  RunOptions run;
  BenchOptions bench;
  std::string render_in, render_out;
  bool render_json = false;
  ImportTraceOptions trace;
  InspectOptions inspect;
  int64_t trace_rank = -1;
  double trace_budget = -1;
};

void addModelSizeFlags(CLI::App* cmd, std::map<std::string, int64_t>& options) {
  std::map<std::string, std::string> takers;  // option → "gpt (default 4)"
  for (const auto& m : models::modelList())
    for (const auto& [k, v] : m.options)
      takers[k] += (takers[k].empty() ? "" : ", ") + m.name + " (default " + std::to_string(v) + ")";
  for (const auto& [k, who] : takers)
    cmd->add_option_function<int64_t>("--" + k, [&options, k = k](int64_t v) { options[k] = v; },
                                      "Size of a built-in model: " + k + ", for " + who)
        ->check(CLI::PositiveNumber)
        ->group("Model size");
}

std::shared_ptr<void> addCommands(CLI::App& app, int& exit_code) {
  auto st = std::make_shared<CliState>();
  st->exit_code = &exit_code;
  CliState* s = st.get();

  auto* models_cmd = app.add_subcommand("models", "List the built-in models");
  models_cmd->add_flag("--json", s->models_json, "Machine-readable output");
  models_cmd->callback([s] { *s->exit_code = runModels(s->models_json); });

  auto* compile_cmd = app.add_subcommand("compile", "Run the pipeline headless on a model and write every stage's artifacts");
  addPipelineFlags(compile_cmd, s->compile.p);
  compile_cmd->add_option("--out", s->compile.out_dir, "Output directory (created if missing)")->required();
  compile_cmd->add_option("--iters", s->compile.p.config.iters,
                          "Also run eager and compiled this many steps (execution stage; 0 skips it)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  compile_cmd->add_option("--pareto", s->compile.pareto_out,
                          "Also sweep the memory budget (min-cut, by bisection as PyTorch's visualize_memory_budget_pareto) "
                          "and write the saved-bytes / recompute-cost curve and its knee to this JSON file");
  compile_cmd->add_option("--pareto-points", s->compile.pareto_points, "Partitioner runs the --pareto sweep may take")
      ->check(CLI::Range(2, 1000))
      ->capture_default_str();
  compile_cmd->callback([s] { *s->exit_code = guarded([s] { return runCompile(s->compile); }); });

  auto* run_cmd = app.add_subcommand("run", "Run eager and compiled forward+backward and compare time and numerics");
  addPipelineFlags(run_cmd, s->run.p);
  run_cmd->add_option("--iters", s->run.p.config.iters, "Timed steps per side")->capture_default_str();
  run_cmd->add_option("--trace-out", s->run.trace_out, "Write a Chrome trace (Perfetto) of one profiled step");
  run_cmd->callback([s] { *s->exit_code = guarded([s] { return runRun(s->run); }); });

  auto* bench_cmd = app.add_subcommand("bench", "Benchmark the pipeline against PyTorch's and eager LibTorch");
  bench_cmd->add_option("--models", s->bench.models, "Comma-separated model names; a sized gpt as gpt:layers=35,width=64,seq=16")->capture_default_str();
  bench_cmd->add_option("--reps", s->bench.reps, "Pipeline runs per model on each side")->capture_default_str();
  bench_cmd->add_option("--iters", s->bench.iters, "Timed steps per side for compiled/eager")->capture_default_str();
  bench_cmd->add_option("--step-reps", s->bench.step_reps, "Repetitions of the compiled/eager measurement")
      ->capture_default_str();
  bench_cmd->add_option("--out", s->bench.out, "Also write the table as Markdown to this file");
  bench_cmd->add_option("--cold-reps", s->bench.cold_reps, "Fresh processes per model on each side (cold start)")
      ->capture_default_str();
  bench_cmd->add_option("--python", s->bench.python, "Python with PyTorch 2.11 (the project venv's)")
      ->capture_default_str();
  bench_cmd->add_flag("--json", s->bench.json, "Machine-readable output on stdout");
  bench_cmd->callback([s] { *s->exit_code = guarded([s] { return runBench(s->bench); }); });

  auto* trace_cmd = app.add_subcommand("import-trace", "Read a TORCH_TRACE directory of a torch.compile run: its compiles, "
                                                      "PyTorch's graphs, and PyTorch's partition next to aotviz's");
  trace_cmd->add_option("trace_dir", s->trace.dir, "Directory given to TORCH_TRACE (or one log file)")->required();
  trace_cmd->add_option("--out", s->trace.out_dir, "Output directory (created if missing)")->required();
  trace_cmd->add_option("--rank", s->trace_rank, "Only this rank's compiles");
  trace_cmd->add_option("--graph", s->trace.graph, "Only this compile id (e.g. 0/0, 0/0_1)");
  trace_cmd->add_option("--budget", s->trace_budget, "What-if: aotviz's min-cut under this memory budget instead of PyTorch's")
      ->check(CLI::Range(0.0, 1.0));
  trace_cmd->add_option("--must-save", s->trace.must_save, "What-if: this joint node must be saved (repeatable)");
  trace_cmd->add_option("--must-recompute", s->trace.must_recompute,
                        "What-if: this joint node must be recomputed in the backward (repeatable)");
  trace_cmd->add_flag("--json", s->trace.json, "Machine-readable output on stdout");
  trace_cmd->callback([s] {
    if (s->trace_rank >= 0) s->trace.rank = s->trace_rank;
    if (s->trace_budget >= 0) s->trace.budget = s->trace_budget;
    *s->exit_code = guarded([s] { return runImportTrace(s->trace); });
  });

  auto* inspect_cmd = app.add_subcommand("inspect", "Print what a saved session holds (stages, results, notes) and "
                                                    "each part of it that cannot be read, naming the field");
  inspect_cmd->add_option("session", s->inspect.session, "Session JSON written by `aotviz compile` or the app")->required();
  inspect_cmd->add_flag("--json", s->inspect.json, "Machine-readable output on stdout");
  inspect_cmd->callback([s] { *s->exit_code = guarded([s] { return runInspect(s->inspect); }); });

  auto* render_cmd = app.add_subcommand("render", "Render a graph JSON to DOT, SVG or PNG");
  render_cmd->add_option("graph", s->render_in, "Graph JSON written by `aotviz compile`")->required();
  render_cmd->add_option("--out", s->render_out, "Output file: .dot, .svg or .png")->required();
  render_cmd->add_flag("--json", s->render_json, "Print a JSON summary on stdout");
  render_cmd->callback([s] {
    *s->exit_code = guarded([s] {
      const viz::RenderResult r = viz::renderGraphFile(s->render_in, s->render_out);
      for (const auto& w : r.warnings) std::cerr << "warning: [render] " << s->render_in << ": " << w << "\n";
      if (s->render_json)
        std::cout << nlohmann::json{{"graph", s->render_in}, {"out", s->render_out}, {"nodes", r.nodes}, {"warnings", r.warnings}}.dump(1) << "\n";
      else std::cout << "wrote " << s->render_out << " (" << r.nodes << " nodes)\n";
      return 0;
    });
  });
  return st;
}

}  // namespace aotviz::cli
