// app/cli/bench.cpp — `aotviz bench`. Per model, in one run on one machine, pair by pair:
//   pipeline time, warm: aotviz's metadata → dedupe → synthetic_base → joint → passes → partition on fake tensors
//     (the pipeline's own stage times, cache off), `reps` runs after a warm-up in this process, vs PyTorch 2.11's
//     aot_module/aot_function in fake mode, `reps` fresh compilations after a warm-up in one Python process, from the
//     first call until the backward compiler gets its graph (tests/bench/torch211_pipeline.py --mode warm);
//   pipeline time, cold: the same spans for the first compilation in a fresh process, `cold_reps` processes per side
//     (`aotviz compile MODEL --no-cache --json` and torch211_pipeline.py --mode cold);
//   compiled / eager forward+backward step time on CPU (the execution stage), median of `step_reps` repetitions;
//   saved bytes of aotviz's min-cut partition vs PyTorch's min-cut (detach aliases counted once).
#include "app/cli/bench.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <iostream>
#include <map>
#include <sstream>
#include <filesystem>
#include <thread>
#include <unistd.h>
#include <vector>

#include "core/util/build_info.h"
#include "core/models/zoo.h"
#include "core/pipeline/pipeline.h"
#include "core/util/atomic_file.h"
#include "core/util/diagnostic.h"
#include "core/util/run_command.h"

namespace aotviz::cli {

namespace {

using nlohmann::json;

json stats(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return {{"median", v[v.size() / 2]}, {"min", v.front()}, {"max", v.back()}};
}

/// The models of --models: commas separate them, and a sized gpt keeps its options in its name
/// (`gpt:layers=35,width=64`: an item `k=v` joins the name before it), as tests/bench/torch211_pipeline.py reads them.
std::vector<std::string> splitModels(const std::string& s) {
  std::vector<std::string> r;
  std::stringstream ss(s);
  for (std::string x; std::getline(ss, x, ',');) {
    if (x.empty()) continue;
    if (x.find('=') != std::string::npos && x.find(':') == std::string::npos && !r.empty()) r.back() += "," + x;
    else r.push_back(x);
  }
  return r;
}

/// A model of --models as the pipeline takes it: "gpt:layers=35,width=64" → gpt with those size options.
struct BenchModel {
  std::string model;
  std::map<std::string, int64_t> options;
  std::string flags;  // the same as `aotviz compile` flags: " --layers 35 --width 64"
};

BenchModel parseModel(const std::string& name) {
  BenchModel m;
  const size_t colon = name.find(':');
  m.model = name.substr(0, colon);
  if (colon == std::string::npos) return m;
  std::stringstream ss(name.substr(colon + 1));
  for (std::string kv; std::getline(ss, kv, ',');) {
    const size_t eq = kv.find('=');
    int64_t v = 0;
    try {
      v = std::stoll(kv.substr(eq == std::string::npos ? kv.size() : eq + 1));
    } catch (const std::exception&) {
      fail("bench", name, "size option '" + kv + "' is not KEY=INTEGER", "write e.g. gpt:layers=35,width=64");
    }
    m.options[kv.substr(0, eq)] = v;
    m.flags += " --" + kv.substr(0, eq) + " " + std::to_string(v);
  }
  return m;
}

pipeline::Config benchConfig(const std::string& name) {
  const BenchModel m = parseModel(name);
  pipeline::Config c;
  c.model = m.model;
  c.model_options = m.options;
  c.use_cache = false;
  return c;
}

/// Runs `cmd` and parses its stdout as JSON; null (with `what` on stderr) when it fails.
json runJson(const std::string& cmd, const std::string& what) {
  const util::CommandResult r = util::runCommand(cmd);
  if (r.exit_code != 0) {
    std::cerr << "warning: " << what << " could not run (exit " << r.exit_code << "): " << cmd << "\n";
    return nullptr;
  }
  try {
    return json::parse(r.out);
  } catch (const json::exception&) {
    std::cerr << "warning: " << what << " printed no JSON: " << cmd << "\n";
    return nullptr;
  }
}

/// PyTorch 2.11's numbers (tests/bench/torch211_pipeline.py), or null when the venv's python cannot run it.
json runPython(const BenchOptions& o, const std::string& mode, const std::string& models, int reps) {
  return runJson("OMP_NUM_THREADS=1 " + o.python + " " AOTVIZ_SOURCE_DIR "/tests/bench/torch211_pipeline.py --mode " +
                     mode + " --reps " + std::to_string(reps) + " --models " + models + " 2>/dev/null",
                 "PyTorch's Python pipeline (" + o.python + ", torch 2.11 in the project venv)");
}

/// Milliseconds from metadata to partition in a `compile --json` stage table.
double pipelineMs(const json& stages) {
  double ms = 0;
  bool in = false;
  for (const auto& st : stages) {
    in = in || st.at("stage") == "metadata";
    if (in) ms += st.at("ms").get<double>();
    if (st.at("stage") == "partition") break;
  }
  return ms;
}

/// aotviz's first pipeline run in a fresh process: `aotviz compile MODEL --no-cache --json` (this binary).
double coldOnce(const std::string& model) {
  const std::filesystem::path dir = std::filesystem::temp_directory_path() / ("aotviz-bench-" + std::to_string(::getpid()));
  static const std::string self = std::filesystem::read_symlink("/proc/self/exe").string();  // not the shell's
  const BenchModel m = parseModel(model);
  const json r = runJson("OMP_NUM_THREADS=1 '" + self + "' compile " + m.model + m.flags + " --no-cache --json --out " +
                             dir.string() + " 2>/dev/null",
                         "aotviz compile " + model);
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  if (r.is_null()) fail("bench", model, "`aotviz compile " + model + " --no-cache` failed in a fresh process",
                        "run it by hand to see the stage's diagnostic");
  return pipelineMs(r.at("stages"));
}

struct PipelineRun {
  double ms = 0;
  int64_t saved_bytes = 0, joint_nodes = 0;
};

/// aotviz's pipeline time up to the partition (stage times, cache off), its saved bytes and joint size.
PipelineRun pipelineOnce(const std::string& model) {
  pipeline::Pipeline p(benchConfig(model));
  const size_t last = pipeline::index(pipeline::StageId::Partition);
  while (p.next() <= last) {
    auto s = p.runNext();
    if (!s || s->status == pipeline::StageStatus::Failed)
      fail("bench", model, "the pipeline failed at " + std::string(s ? pipeline::stageName(s->stage) : "?") + ": " +
                               (s && s->error ? s->error->format() : std::string()),
           "run `aotviz compile " + model + "` to see the stage's diagnostic");
  }
  PipelineRun r;
  for (size_t i = pipeline::index(pipeline::StageId::Metadata); i <= last; ++i) r.ms += p.snapshots()[i]->seconds * 1e3;
  const auto& part = p.snapshots()[last]->partition;
  if (part) r.saved_bytes = part->totals.saved_bytes;
  if (const auto& g = p.snapshots()[pipeline::index(pipeline::StageId::Joint)]->graph) r.joint_nodes = static_cast<int64_t>(g->numCalls());
  return r;
}

double stepRatioOnce(const std::string& model, int iters) {
  pipeline::Config c = benchConfig(model);
  c.iters = iters;
  pipeline::Pipeline p(c);
  p.runAll();
  if (p.halted()) fail("bench", model, p.snapshots().back()->error->format(), "");
  const auto* ex = p.snapshots().back()->as<pipeline::ExecutionResult>();
  if (!ex) fail("bench", model, "the execution stage did not run", "");
  return ex->report.ratio;
}

std::string fmt(double v, const char* f = "%.2f") {
  char b[64];
  std::snprintf(b, sizeof b, f, v);
  return b;
}

std::string range(const json& t, const char* f) {
  return fmt(t["median"], f) + " (" + fmt(t["min"], f) + "–" + fmt(t["max"], f) + ")";
}

std::string markdown(const json& r) {
  std::ostringstream o;
  o << "| model | joint nodes | aotviz warm ms | PyTorch 2.11 warm ms | warm speed-up | aotviz cold ms | "
       "PyTorch 2.11 cold ms | cold speed-up | warm µs per joint node, aotviz / PyTorch | compiled/eager | "
       "aotviz saved bytes | PyTorch min-cut saved bytes |\n"
       "|---|---|---|---|---|---|---|---|---|---|---|---|\n";
  for (const auto& m : r["models"]) {
    o << "| " << m["model"].get<std::string>() << " | " << m["joint_nodes"].get<int64_t>() << " | "
      << range(m["aotviz_warm_ms"], "%.2f") << " | ";
    o << (m.contains("torch_warm_ms") ? range(m["torch_warm_ms"], "%.1f") + " | " + fmt(m["warm_speedup"], "%.1f") + "x"
                                      : std::string("- | -"))
      << " | " << range(m["aotviz_cold_ms"], "%.2f") << " | ";
    o << (m.contains("torch_cold_ms") ? range(m["torch_cold_ms"], "%.1f") + " | " + fmt(m["cold_speedup"], "%.1f") + "x"
                                      : std::string("- | -"))
      << " | ";
    const double nodes = static_cast<double>(std::max<int64_t>(1, m["joint_nodes"].get<int64_t>()));
    o << fmt(m["aotviz_warm_ms"]["median"].get<double>() * 1e3 / nodes, "%.2f") << " / "
      << (m.contains("torch_warm_ms") ? fmt(m["torch_warm_ms"]["median"].get<double>() * 1e3 / nodes, "%.0f") : "-")
      << " | " << range(m["compiled_over_eager"], "%.3f") << " | " << m["aotviz_saved_bytes"].get<int64_t>() << " | "
      << (m.contains("torch_saved_bytes") ? std::to_string(m["torch_saved_bytes"].get<int64_t>()) : "-") << " |\n";
  }
  return o.str();
}

/// Min and median of the `key` ratios over the models that have one.
void summarize(json& result, const char* key) {
  std::vector<double> s;
  for (const auto& m : result["models"])
    if (m.contains(key)) s.push_back(m[key].get<double>());
  if (s.empty()) return;
  std::sort(s.begin(), s.end());
  result[std::string(key) + "_min"] = s.front();
  result[std::string(key) + "_median"] = s[s.size() / 2];
}

}  // namespace

int runBench(const BenchOptions& o) {
  const auto models = splitModels(o.models);
  if (models.empty()) fail("bench", "", "no models given", "use --models mlp,cnn (see `aotviz models`)");
  if (o.reps < 1 || o.iters < 1 || o.step_reps < 1 || o.cold_reps < 1)
    fail("bench", "", "--reps, --cold-reps, --iters and --step-reps must be at least 1");
  for (const auto& name : models)
    if (!models::hasModel(parseModel(name).model))
      fail("bench", name, "unknown model '" + name + "' (bench runs built-in models)", "see `aotviz models` for the names");
  if (!o.json) std::cerr << "[bench] PyTorch 2.11's Python pipeline, warm: " << o.reps << " compilations per model...\n";
  const json py = runPython(o, "warm", o.models, o.reps);
  json result = {{"libtorch", torchVersionString()},
                 {"aotviz", AOTVIZ_VERSION},
                 {"torch_python", py.is_null() ? json(nullptr) : py["torch"]},
                 {"reps", o.reps},
                 {"cold_reps", o.cold_reps},
                 {"iters", o.iters},
                 {"step_reps", o.step_reps},
                 {"threads", std::thread::hardware_concurrency()},
                 {"date_unix", static_cast<int64_t>(std::time(nullptr))},
                 {"models", json::array()}};
  for (const auto& name : models) {
    if (!o.json) std::cerr << "[bench] " << name << ": aotviz warm and cold, PyTorch cold, compiled vs eager...\n";
    pipelineOnce(name);  // warm-up: operator registration, first-use caches
    std::vector<double> warm, cold, torch_cold;
    int64_t saved = 0, joint_nodes = 0;
    for (int r = 0; r < o.reps; ++r) {
      const PipelineRun run = pipelineOnce(name);
      warm.push_back(run.ms);
      saved = run.saved_bytes;
      joint_nodes = run.joint_nodes;
    }
    for (int r = 0; r < o.cold_reps; ++r) {
      cold.push_back(coldOnce(name));
      const json t = runPython(o, "cold", name, 1);
      if (!t.is_null()) torch_cold.push_back(t["models"][name]["pipeline_ms"]["median"].get<double>());
    }
    std::vector<double> ratios;
    for (int r = 0; r < o.step_reps; ++r) ratios.push_back(stepRatioOnce(name, o.iters));
    json m = {{"model", name}, {"joint_nodes", joint_nodes}, {"aotviz_warm_ms", stats(warm)},
              {"aotviz_cold_ms", stats(cold)}, {"compiled_over_eager", stats(ratios)}, {"aotviz_saved_bytes", saved}};
    if (!py.is_null() && py["models"].contains(name)) {
      const auto& t = py["models"][name];
      m["torch_warm_ms"] = t["pipeline_ms"];
      m["torch_warm_ms"].erase("all");
      m["torch_saved_bytes"] = t["saved_bytes"];
      m["warm_speedup"] = t["pipeline_ms"]["median"].get<double>() / m["aotviz_warm_ms"]["median"].get<double>();
    }
    if (!torch_cold.empty()) {
      m["torch_cold_ms"] = stats(torch_cold);
      m["cold_speedup"] = m["torch_cold_ms"]["median"].get<double>() / m["aotviz_cold_ms"]["median"].get<double>();
    }
    result["models"].push_back(m);
  }
  summarize(result, "warm_speedup");
  summarize(result, "cold_speedup");
  const std::string table = markdown(result);
  if (!o.out.empty()) util::writeFileAtomic(o.out, table);
  if (o.json) {
    std::cout << result.dump(1) << "\n";
  } else {
    std::cout << table;
    for (const char* k : {"warm_speedup", "cold_speedup"})
      if (result.contains(std::string(k) + "_min"))
        std::cout << "\n" << k << " over PyTorch 2.11: min " << fmt(result[std::string(k) + "_min"], "%.1f")
                  << "x, median " << fmt(result[std::string(k) + "_median"], "%.1f") << "x";
    std::cout << "\n(goals: warm >= 50x on every model and >= 100x median; cold >= 30x median)\n";
  }
  return 0;
}

}  // namespace aotviz::cli
