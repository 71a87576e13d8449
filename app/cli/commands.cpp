// app/cli/commands.cpp — headless subcommands: models, compile, run, bench, render.
#include "app/cli/commands.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <iostream>
#include <optional>

#include <ATen/Context.h>
#include <torch/csrc/autograd/autograd.h>

#include "core/capture/capture.h"
#include "core/compat/torch_compat.h"
#include "core/compile/compile.h"
#include "core/execution/execution.h"
#include "core/runtime/runtime.h"
#include "core/ir/printer.h"
#include "core/ir/serialize.h"
#include "core/models/torchscript.h"
#include "core/partition/partition.h"
#include "core/models/zoo.h"
#include "core/util/atomic_file.h"
#include "core/util/diagnostic.h"

namespace aotviz::cli {

namespace fs = std::filesystem;

namespace {

struct CompileOptions {
  std::string model;
  std::string out_dir;
  std::string inputs;
  std::string trace = "fake";
  std::string device = "cpu";
  std::string partitioner = "mincut";
  std::string rules = "current";
  double budget = 1.0;
  std::vector<std::string> must_save, must_recompute;
  uint64_t seed = 0;
  bool keep_input_mutations = false;
  bool json = false;
};

int runModels(bool json) {
  if (json) {
    nlohmann::json j = nlohmann::json::array();
    for (const auto& m : models::modelList()) j.push_back({{"name", m.name}, {"description", m.description}});
    std::cout << j.dump(1) << "\n";
    return 0;
  }
  for (const auto& m : models::modelList()) std::cout << m.name << (m.name == models::kDefaultModel ? " (default)" : "") << "\n    " << m.description << "\n";
  return 0;
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
nlohmann::json metaJson(const models::Model& m, const capture::CaptureResult& r, const partition::PartitionResult* part) {
  nlohmann::json j = meta::metaToJson(r.user_meta);
  j["schema_version"] = meta::kMetaSchemaVersion;
  j["model"] = m.name;
  nlohmann::json names = nlohmann::json::array();
  for (const auto& in : m.inputs) names.push_back(in.name);
  j["input_names"] = names;
  j["dedupe"] = {{"strategy", meta::dedupeStrategyName(r.dedupe.strategy)},
                 {"keep_arg_mask", r.dedupe.keep_arg_mask},
                 {"add_dupe_map", r.dedupe.add_dupe_map}};
  nlohmann::json sb_info = nlohmann::json::array();
  for (const auto& a : r.synthetic_base.info)
    sb_info.push_back(a.base < 0 ? nlohmann::json{{"inner", a.inner}}
                                 : nlohmann::json{{"base", a.base},
                                                  {"size", a.sizes},
                                                  {"stride", a.strides},
                                                  {"storage_offset", a.storage_offset}});
  j["synthetic_base"] = {{"applied", r.synthetic_base.applied},
                         {"info", sb_info},
                         {"base_is_view_base", r.synthetic_base.base_is_view_base},
                         {"aliased_arg_idx_with_metadata_mutations",
                          r.synthetic_base.aliased_arg_idx_with_metadata_mutations}};
  j["traced_function"] = meta::metaToJson(r.meta);
  nlohmann::json graphs;
  nlohmann::json main = graphSummary(r.graph);
  main["num_fwd_outputs"] = r.numForwardOutputs();
  main["tangents"] = r.num_tangents;
  graphs[r.is_joint ? "joint" : "forward"] = main;
  if (part) {
    graphs["forward"] = graphSummary(part->forward);
    graphs["backward"] = graphSummary(part->backward);
  }
  j["graphs"] = graphs;
  return j;
}

int runCompile(const CompileOptions& o) {
  capture::CaptureOptions copts;
  if (o.trace == "real") copts.mode = capture::TraceMode::Real;
  if (o.device != "cpu")
    fail("inputs", "", "device '" + o.device + "' is not available for compile yet", "use --device cpu");
  models::Model m = models::openModel(o.model, o.inputs, o.seed);
  if (!o.json) std::cerr << "[capture] " << m.name << ": tracing forward and backward (" << o.trace << " tensors)...\n";
  // Partition options are checked before the (slower) capture.
  partition::Options partition_opts;
  const bool want_partition = o.partitioner != "none";
  if (want_partition) {
    partition_opts.partitioner = partition::parsePartitioner(o.partitioner);
    partition_opts.rules = partition::parseRules(o.rules);
    partition_opts.memory_budget = o.budget;
    for (const auto& n : o.must_save) partition_opts.overrides[n] = partition::Override::MustSave;
    for (const auto& n : o.must_recompute) partition_opts.overrides[n] = partition::Override::MustRecompute;
  }
  copts.grad_enabled = m.grad_enabled;
  copts.keep_input_mutations = o.keep_input_mutations;
  capture::CaptureResult r = capture::captureGraph(m.fn, m.inputs, copts);
  fs::create_directories(o.out_dir);
  const std::string prefix = r.is_joint ? "joint" : "forward";
  ir::PrintOptions popts;
  popts.show_provenance = true;
  auto writeGraph = [&](const std::string& stem, const ir::Graph& g) {
    util::writeFileAtomic(fs::path(o.out_dir) / (stem + ".json"), ir::graphToJsonString(g) + "\n");
    util::writeFileAtomic(fs::path(o.out_dir) / (stem + ".txt"), ir::printGraph(g, popts));
  };
  writeGraph(prefix, r.graph);
  std::vector<std::string> files{prefix + ".json", prefix + ".txt"};
  std::optional<partition::PartitionResult> part;
  if (r.is_joint && want_partition) {
    std::vector<size_t> params = models::parameterIndices(m);
    part = partition::partitionJoint(r.graph, r.numForwardOutputs(), params, partition_opts);
    writeGraph("forward", part->forward);
    writeGraph("backward", part->backward);
    util::writeFileAtomic(fs::path(o.out_dir) / "partition.json", partition::partitionToJson(*part).dump(1) + "\n");
    for (const char* f : {"forward.json", "forward.txt", "backward.json", "backward.txt", "partition.json"})
      files.push_back(f);
  }
  util::writeFileAtomic(fs::path(o.out_dir) / "meta.json", metaJson(m, r, part ? &*part : nullptr).dump(1) + "\n");
  files.push_back("meta.json");
  nlohmann::json summary = {{"model", m.name},
                            {"graph", prefix},
                            {"is_joint", r.is_joint},
                            {"nodes", r.graph.nodes.size()},
                            {"call_nodes", r.graph.numCalls()},
                            {"primals", r.num_primals},
                            {"tangents", r.num_tangents},
                            {"ops_recorded", r.ops_recorded},
                            {"dead_nodes_removed", r.dead_nodes_removed},
                            {"cpu_fallbacks", r.cpu_fallbacks},
                            {"capture_ms", r.seconds * 1e3},
                            {"warnings", r.warnings},
                            {"files", files},
                            {"out_dir", o.out_dir}};
  if (part) {
    nlohmann::json pj = partition::partitionToJson(*part);
    summary["partition"] = {{"partitioner", pj["partitioner"]}, {"rules", pj["rules"]},
                            {"memory_budget", pj["memory_budget"]}, {"totals", pj["totals"]}};
  }
  if (o.json) {
    std::cout << summary.dump(1) << "\n";
  } else {
    for (const auto& w : r.warnings) std::cerr << "warning: " << w << "\n";
    std::cout << "[capture] " << m.name << ": " << (r.is_joint ? "joint" : "forward-only") << " graph with "
              << r.graph.numCalls() << " ops (" << r.num_primals << " primals, " << r.num_tangents << " tangents) in "
              << r.seconds * 1e3 << " ms\n"
              << "\n";
    if (part) {
      const auto& t = part->totals;
      std::cout << "[partition] " << partition::partitionerName(part->options.partitioner) << " ("
                << partition::rulesName(part->options.rules) << " rules, budget " << part->options.memory_budget
                << "): forward " << t.forward_nodes << " ops, backward " << t.backward_nodes << " ops, "
                << t.saved_count << " saved values (" << t.saved_bytes << " bytes, " << t.activation_bytes
                << " bytes of activations), " << t.recomputed_nodes << " recomputed, in " << t.seconds * 1e3
                << " ms\n";
      for (const auto& n : part->notes) std::cout << "note: " << n << "\n";
    }
    std::cout << "wrote";
    for (const auto& f : files) std::cout << " " << (fs::path(o.out_dir) / f).string();
    std::cout << "\n";
  }
  return 0;
}

struct RunOptions {
  std::string model, inputs, device = "cpu", backend = "interpreter", partitioner = "mincut", trace_out;
  int iters = 20;
  uint64_t seed = 0;
  bool json = false;
};

c10::Device parseDevice(const std::string& d) {
  if (d == "cpu") return c10::Device(c10::DeviceType::CPU);
  if (d == "cuda") {
    if (!at::hasCUDA())
      fail("inputs", "", "--device cuda: this LibTorch (" + std::string(compat::torchVersionString()) +
                             ") has no CUDA or no GPU is visible",
           "use --device cpu, or build against a CUDA LibTorch (README, \"Building against a CUDA LibTorch\")");
    return c10::Device(c10::DeviceType::CUDA, 0);
  }
  fail("inputs", "", "unknown device '" + d + "'", "use --device cpu or --device cuda");
}

int runRun(const RunOptions& o) {
  const c10::Device device = parseDevice(o.device);
  exec::CompileOptions co;
  co.backend = exec::parseBackend(o.backend);
  co.device = device;
  models::Model m = models::openModel(o.model, o.inputs, o.seed);
  auto progress = [&](const std::string& line) {
    if (!o.json) std::cerr << line << "\n";
  };
  progress("[capture] " + m.name + ": tracing forward and backward (fake tensors)...");
  capture::CaptureOptions copts;
  copts.target_device = device;
  copts.grad_enabled = m.grad_enabled;
  capture::CaptureResult cap = capture::captureGraph(m.fn, m.inputs, copts);
  std::optional<partition::PartitionResult> part;
  if (cap.is_joint) {
    progress("[partition] " + o.partitioner);
    partition::Options po;
    po.partitioner = partition::parsePartitioner(o.partitioner);
    part = partition::partitionJoint(cap.graph, cap.numForwardOutputs(), models::parameterIndices(m), po);
  }
  progress(std::string("[compile] backend ") + exec::backendName(co.backend) + " on " + device.str());
  runtime::CompiledFunction compiled(cap, part ? &*part : nullptr, co);
  progress("[run] eager and compiled, " + std::to_string(o.iters) + " steps each...");
  execution::Options eo;
  eo.iters = o.iters;
  eo.device = device;
  execution::Report rep = execution::runAndCompare(m, compiled, eo);
  nlohmann::json j = execution::reportToJson(rep);
  j["device"] = device.str();
  j["backend"] = exec::backendName(co.backend);
  if (!o.trace_out.empty()) {
    // One profiled step (forward and backward) of a separately compiled function, so timing is not perturbed.
    runtime::RuntimeOptions ro;
    ro.profile = true;
    runtime::CompiledFunction profiled(cap, part ? &*part : nullptr, co, ro);
    std::vector<at::Tensor> args;
    for (const auto& d : m.inputs) args.push_back(d.example.detach().clone().to(device).requires_grad_(d.requires_grad));
    std::vector<at::Tensor> outs;
    {
      c10::AutoGradMode g(m.grad_enabled);
      outs = profiled(args);
    }
    std::vector<at::Tensor> diff;
    for (const at::Tensor& t : outs)
      if (t.defined() && t.requires_grad()) diff.push_back(t.sum());
    if (!diff.empty()) torch::autograd::backward(diff);
    util::writeFileAtomic(o.trace_out, exec::chromeTrace(profiled.takeProfiles()).dump() + "\n");
    j["chrome_trace"] = o.trace_out;
  }
  if (o.json) {
    std::cout << j.dump(1) << "\n";
    return 0;
  }
  auto mib = [](int64_t b) { return std::to_string(static_cast<double>(b) / (1024.0 * 1024.0)).substr(0, 6) + " MiB"; };
  std::cout << m.name << " on " << device.str() << ", backend " << exec::backendName(co.backend) << ", "
            << (rep.training ? "training" : "inference") << " graph, " << rep.iters << " steps (forward"
            << (rep.training ? "+backward" : "") << ")\n"
            << "  eager     median " << rep.eager.median_step_ms << " ms  (min " << rep.eager.min_step_ms
            << ")  peak " << mib(rep.eager.peak_bytes) << "\n"
            << "  compiled  median " << rep.compiled.median_step_ms << " ms  (min " << rep.compiled.min_step_ms
            << ")  peak " << mib(rep.compiled.peak_bytes) << "\n"
            << "  compiled/eager step time " << rep.ratio << "\n"
            << "  max |compiled - eager|: outputs " << rep.max_abs_diff_outputs << ", gradients "
            << rep.max_abs_diff_grads << ", inputs after the call " << rep.max_abs_diff_inputs << "\n";
  if (!o.trace_out.empty()) std::cout << "  Chrome trace: " << o.trace_out << "\n";
  return 0;
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

int notYet(const std::string& what, const std::string& issue) {
  std::cerr << "aotviz " << what << " is not available yet in this build (" << issue
            << "). Available now: aotviz models, aotviz compile MODEL --out DIR, aotviz run MODEL.\n";
  return 2;
}

}  // namespace

/// Option storage for every subcommand; lives as long as the CLI::App that parses into it.
struct CliState {
  int* exit_code = nullptr;
  bool models_json = false;
  CompileOptions compile;
  RunOptions run;
  std::string bench_models = "all";
  std::string render_in, render_out;
};

std::shared_ptr<void> addCommands(CLI::App& app, int& exit_code) {
  auto st = std::make_shared<CliState>();
  st->exit_code = &exit_code;
  CliState* s = st.get();

  auto* models_cmd = app.add_subcommand("models", "List the built-in models");
  models_cmd->add_flag("--json", s->models_json, "Machine-readable output");
  models_cmd->callback([s] { *s->exit_code = runModels(s->models_json); });

  auto* compile_cmd = app.add_subcommand("compile", "Run the pipeline headless on a model and write its artifacts");
  compile_cmd->add_option("model", s->compile.model, "Built-in model name (see `aotviz models`) or a TorchScript .pt file")
      ->required();
  compile_cmd->add_option("--inputs", s->compile.inputs,
                          "Input spec JSON for a .pt model (default: the .json next to it)");
  compile_cmd->add_option("--out", s->compile.out_dir, "Output directory (created if missing)")->required();
  compile_cmd->add_option("--trace", s->compile.trace, "Capture with fake (meta) or real tensors")
      ->check(CLI::IsMember({"fake", "real"}))
      ->capture_default_str();
  compile_cmd->add_option("--device", s->compile.device, "Device the graphs are for")->capture_default_str();
  compile_cmd->add_option("--partitioner", s->compile.partitioner, "Split the joint graph: default, mincut or none")
      ->check(CLI::IsMember({"default", "mincut", "none"}))
      ->capture_default_str();
  compile_cmd->add_option("--budget", s->compile.budget,
                          "Activation memory budget for mincut, 0 (save only inputs) to 1 (runtime-optimal)")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  compile_cmd->add_option("--rules", s->compile.rules, "Partitioner rules: current PyTorch or 1.13 (functorch)")
      ->check(CLI::IsMember({"current", "1.13"}))
      ->capture_default_str();
  compile_cmd->add_option("--must-save", s->compile.must_save, "Joint node that must be saved (repeatable)");
  compile_cmd->add_option("--must-recompute", s->compile.must_recompute,
                          "Joint node that must be recomputed in the backward (repeatable)");
  compile_cmd->add_option("--seed", s->compile.seed, "Seed for parameter initialisation")->capture_default_str();
  compile_cmd->add_flag("--keep-input-mutations", s->compile.keep_input_mutations,
                        "Keep data mutations of inputs that need no autograd in the graph as copy_ (what "
                        "torch.compile does; aot_function's default is off)");
  compile_cmd->add_flag("--json", s->compile.json, "Print a JSON summary on stdout");
  compile_cmd->callback([s] { *s->exit_code = guarded([s] { return runCompile(s->compile); }); });

  auto* run_cmd = app.add_subcommand("run", "Run eager and compiled forward+backward and compare time and numerics");
  run_cmd->add_option("model", s->run.model, "Built-in model name or .pt file")->required();
  run_cmd->add_option("--inputs", s->run.inputs, "Input spec JSON for a .pt model (default: the .json next to it)");
  run_cmd->add_option("--device", s->run.device, "cpu or cuda")->capture_default_str();
  run_cmd->add_option("--backend", s->run.backend, "interpreter or cuda_graph")->capture_default_str();
  run_cmd->add_option("--partitioner", s->run.partitioner, "default or mincut")
      ->check(CLI::IsMember({"default", "mincut"}))
      ->capture_default_str();
  run_cmd->add_option("--iters", s->run.iters, "Timed steps per side")->capture_default_str();
  run_cmd->add_option("--seed", s->run.seed, "Seed for parameter initialisation")->capture_default_str();
  run_cmd->add_option("--trace-out", s->run.trace_out, "Write a Chrome trace (Perfetto) of one profiled step");
  run_cmd->add_flag("--json", s->run.json, "Print the report as JSON on stdout");
  run_cmd->callback([s] { *s->exit_code = guarded([s] { return runRun(s->run); }); });

  auto* bench_cmd = app.add_subcommand("bench", "Benchmark the pipeline against PyTorch's and eager LibTorch");
  bench_cmd->add_option("--models", s->bench_models, "Comma-separated model names")->capture_default_str();
  bench_cmd->callback([s] { *s->exit_code = notYet("bench", "issue: benchmarks"); });

  auto* render_cmd = app.add_subcommand("render", "Render a graph JSON to DOT, SVG or PNG");
  render_cmd->add_option("graph", s->render_in, "Graph JSON written by `aotviz compile`")->required();
  render_cmd->add_option("--out", s->render_out, "Output file: .dot, .svg or .png")->required();
  render_cmd->callback([s] { *s->exit_code = notYet("render", "issue: graph layout and drawing"); });
  return st;
}

}  // namespace aotviz::cli
