// app/cli/bench.cpp — `aotviz bench`. Per model, in one run on one machine, pair by pair:
//   pipeline time: aotviz's metadata → dedupe → synthetic_base → joint → passes → partition on fake tensors (the
//     pipeline's own stage times, cache off) vs PyTorch 1.13's aot_module/aot_function in fake mode from the first
//     call until the backward compiler gets its graph (tests/bench/torch113_pipeline.py); medians of `reps` after a
//     warm-up on both sides;
//   compiled / eager forward+backward step time on CPU (the execution stage), median of `step_reps` repetitions;
//   saved bytes of aotviz's min-cut partition vs PyTorch 1.13's min-cut.
#include "app/cli/bench.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <iostream>
#include <sstream>
#include <thread>
#include <vector>

#include "core/compat/torch_compat.h"
#include "core/pipeline/pipeline.h"
#include "core/util/atomic_file.h"
#include "core/util/diagnostic.h"

namespace aotviz::cli {

namespace {

using nlohmann::json;

json stats(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return {{"median", v[v.size() / 2]}, {"min", v.front()}, {"max", v.back()}};
}

std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> r;
  std::stringstream ss(s);
  for (std::string x; std::getline(ss, x, ',');)
    if (!x.empty()) r.push_back(x);
  return r;
}

/// PyTorch 1.13's numbers, or null with a reason on stderr when python3-torch is missing.
json runPython(const BenchOptions& o) {
  const std::string cmd = "OMP_NUM_THREADS=1 " + o.python + " " AOTVIZ_SOURCE_DIR "/tests/bench/torch113_pipeline.py --reps " +
                          std::to_string(o.reps) + " --models " + o.models + " 2>/dev/null";
  FILE* p = popen(cmd.c_str(), "r");
  std::string out;
  std::array<char, 4096> buf{};
  size_t n;
  while (p && (n = fread(buf.data(), 1, buf.size(), p)) > 0) out.append(buf.data(), n);
  const int rc = p ? pclose(p) : -1;
  if (rc != 0) {
    std::cerr << "warning: PyTorch 1.13's pipeline could not run (apt-get install python3-torch python3-networkx); "
                 "its columns stay empty\n";
    return nullptr;
  }
  return json::parse(out);
}

/// aotviz's pipeline time up to the partition (stage times, cache off) and its saved bytes.
std::pair<double, int64_t> pipelineOnce(const std::string& model) {
  pipeline::Config c;
  c.model = model;
  c.use_cache = false;
  pipeline::Pipeline p(c);
  const size_t last = pipeline::stageIndex("partition");
  while (p.next() <= last) {
    auto s = p.runNext();
    if (!s || s->status == pipeline::StageStatus::Failed)
      fail("bench", model, "the pipeline failed at " + (s ? s->stage : std::string("?")) + ": " +
                               (s && s->error ? s->error->format() : std::string()),
           "run `aotviz compile " + model + "` to see the stage's diagnostic");
  }
  double ms = 0;
  for (size_t i = pipeline::stageIndex("metadata"); i <= last; ++i) ms += p.snapshots()[i]->seconds * 1e3;
  const auto& part = p.snapshots()[last]->partition;
  return {ms, part ? part->totals.saved_bytes : 0};
}

double stepRatioOnce(const std::string& model, int iters) {
  pipeline::Config c;
  c.model = model;
  c.use_cache = false;
  c.iters = iters;
  pipeline::Pipeline p(c);
  p.runAll();
  if (p.halted()) fail("bench", model, p.snapshots().back()->error->format(), "");
  return p.snapshots().back()->summary["report"]["ratio"].get<double>();
}

std::string fmt(double v, const char* f = "%.2f") {
  char b[64];
  std::snprintf(b, sizeof b, f, v);
  return b;
}

std::string markdown(const json& r) {
  std::ostringstream o;
  o << "| model | aotviz pipeline ms | PyTorch 1.13 pipeline ms | speed-up | compiled/eager | aotviz saved bytes | "
       "PyTorch min-cut saved bytes |\n|---|---|---|---|---|---|---|\n";
  for (const auto& m : r["models"]) {
    const auto& a = m["aotviz_pipeline_ms"];
    o << "| " << m["model"].get<std::string>() << " | " << fmt(a["median"]) << " (" << fmt(a["min"]) << "–"
      << fmt(a["max"]) << ") | ";
    if (m.contains("torch_pipeline_ms")) {
      const auto& t = m["torch_pipeline_ms"];
      o << fmt(t["median"], "%.1f") << " (" << fmt(t["min"], "%.1f") << "–" << fmt(t["max"], "%.1f") << ") | "
        << fmt(m["speedup"], "%.1f") << "x | ";
    } else {
      o << "- | - | ";
    }
    const auto& q = m["compiled_over_eager"];
    o << fmt(q["median"], "%.3f") << " (" << fmt(q["min"], "%.3f") << "–" << fmt(q["max"], "%.3f") << ") | "
      << m["aotviz_saved_bytes"].get<int64_t>() << " | "
      << (m.contains("torch_saved_bytes") ? std::to_string(m["torch_saved_bytes"].get<int64_t>()) : "-") << " |\n";
  }
  return o.str();
}

}  // namespace

int runBench(const BenchOptions& o) {
  const auto models = split(o.models);
  if (models.empty()) fail("bench", "", "no models given", "use --models mlp,cnn (see `aotviz models`)");
  if (o.reps < 1 || o.iters < 1 || o.step_reps < 1) fail("bench", "", "--reps, --iters and --step-reps must be at least 1");
  if (!o.json) std::cerr << "[bench] PyTorch 1.13's Python pipeline, " << o.reps << " compilations per model...\n";
  json py = runPython(o);
  json result = {{"libtorch", compat::torchVersionString()},
                 {"aotviz", AOTVIZ_VERSION},
                 {"torch_python", py.is_null() ? json(nullptr) : py["torch"]},
                 {"reps", o.reps},
                 {"iters", o.iters},
                 {"step_reps", o.step_reps},
                 {"threads", std::thread::hardware_concurrency()},
                 {"date_unix", static_cast<int64_t>(std::time(nullptr))},
                 {"models", json::array()}};
  std::vector<double> speedups;
  for (const auto& name : models) {
    if (!o.json) std::cerr << "[bench] " << name << ": aotviz pipeline and compiled vs eager...\n";
    pipelineOnce(name);  // warm-up: operator registration, first-use caches
    std::vector<double> ms;
    int64_t saved = 0;
    for (int r = 0; r < o.reps; ++r) {
      auto [t, s] = pipelineOnce(name);
      ms.push_back(t);
      saved = s;
    }
    std::vector<double> ratios;
    for (int r = 0; r < o.step_reps; ++r) ratios.push_back(stepRatioOnce(name, o.iters));
    json m = {{"model", name}, {"aotviz_pipeline_ms", stats(ms)}, {"compiled_over_eager", stats(ratios)},
              {"aotviz_saved_bytes", saved}};
    if (!py.is_null() && py["models"].contains(name)) {
      const auto& t = py["models"][name];
      m["torch_pipeline_ms"] = t["pipeline_ms"];
      m["torch_pipeline_ms"].erase("all");
      m["torch_saved_bytes"] = t["saved_bytes"];
      m["speedup"] = t["pipeline_ms"]["median"].get<double>() / m["aotviz_pipeline_ms"]["median"].get<double>();
      speedups.push_back(m["speedup"]);
    }
    result["models"].push_back(m);
  }
  if (!speedups.empty()) {
    std::vector<double> s = speedups;
    std::sort(s.begin(), s.end());
    result["speedup_min"] = s.front();
    result["speedup_median"] = s[s.size() / 2];
  }
  const std::string table = markdown(result);
  if (!o.out.empty()) util::writeFileAtomic(o.out, table);
  if (o.json) {
    std::cout << result.dump(1) << "\n";
  } else {
    std::cout << table;
    if (result.contains("speedup_min"))
      std::cout << "\npipeline speed-up over PyTorch 1.13: min " << fmt(result["speedup_min"], "%.1f") << "x, median "
                << fmt(result["speedup_median"], "%.1f") << "x (goals: >= 50x on every model, median >= 100x)\n";
  }
  return 0;
}

}  // namespace aotviz::cli
