// app/cli/import_trace.cpp — see import_trace.h.
#include "app/cli/import_trace.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <iostream>

#include "core/ir/serialize.h"
#include "core/trace/compiled_graphs.h"
#include "core/trace/import_compile.h"
#include "core/util/atomic_file.h"
#include "core/util/diagnostic.h"

namespace aotviz::cli {

namespace fs = std::filesystem;

namespace {

/// "0/0_1" → "0_0_1", "!1/0/0" → "ca1_0_0": a directory name.
std::string dirName(const trace::CompiledGraph& g) {
  std::string s = g.compile_id;
  if (!s.empty() && s[0] == '!') s = "ca" + s.substr(1);
  for (char& c : s)
    if (c == '/') c = '_';
  return g.rank ? "rank" + std::to_string(*g.rank) + "_" + s : s;
}

std::string list(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
  return s.empty() ? "none" : s;
}

}  // namespace

int runImportTrace(const ImportTraceOptions& o) {
  const trace::TraceIndex t = trace::indexTrace(o.dir);
  int code = 0;
  for (const auto& p : t.problems) {
    std::cerr << "warning: [trace] " << p.file << ":" << p.line << ": " << p.message << "\n";
    code = 1;
  }
  trace::WhatIf what_if;  // --budget, --must-save, --must-recompute: aotviz's min-cut under them
  what_if.memory_budget = o.budget;
  for (const auto& n : o.must_save) what_if.overrides[n] = partition::Override::MustSave;
  for (const auto& n : o.must_recompute) what_if.overrides[n] = partition::Override::MustRecompute;
  nlohmann::json summary = {{"dir", o.dir}, {"files", t.files}, {"records", t.records}, {"ranks", t.ranks},
                            {"problems", t.problems.size()}, {"compiles", nlohmann::json::array()}};
  size_t shown = 0;
  for (const trace::CompiledGraph& g : t.graphs) {
    if (o.rank && g.rank != o.rank) continue;
    if (!o.graph.empty() && g.compile_id != o.graph) continue;
    ++shown;
    const trace::ImportedCompile c = trace::importCompile(g, what_if);
    for (const auto& e : c.errors) {
      std::cerr << "error: [trace] " << e << "\n";
      code = 1;
    }
    const fs::path dir = fs::path(o.out_dir) / dirName(g);
    fs::create_directories(dir);
    auto write = [&](const char* name, const std::optional<trace::FxGraph>& fx) {
      if (fx) util::writeFileAtomic(dir / (std::string(name) + ".json"), ir::graphToJsonString(fx->graph));
    };
    write("joint", c.joint);
    write("forward", c.forward);
    write("backward", c.backward);
    write("inference", c.inference);
    for (size_t k = 0; k < c.post_grad.size(); ++k)
      util::writeFileAtomic(dir / ("post_grad_" + std::to_string(k) + ".json"), ir::graphToJsonString(c.post_grad[k].graph));
    if (c.aotviz) util::writeFileAtomic(dir / "aotviz_partition.json", partition::partitionToJson(*c.aotviz, true).dump(1));
    if (c.pytorch_partition)
      util::writeFileAtomic(dir / "pytorch_partition.json", partition::partitionToJson(*c.pytorch_partition, true).dump(1));
    const nlohmann::json j = trace::importToJson(c);
    util::writeFileAtomic(dir / "import.json", j.dump(1));
    summary["compiles"].push_back(j);
    if (o.json) continue;
    std::cout << g.label() << "\n";
    for (const auto& b : g.graph_breaks) std::cout << "  graph break: " << b << "\n";
    for (const auto& r : g.recompile_reasons) std::cout << "  recompiled: " << r << "\n";
    if (c.joint) std::cout << "  joint " << c.joint->graph.numCalls() << " ops";
    if (c.forward) std::cout << ", forward " << c.forward->graph.numCalls() << " ops";
    if (c.backward) std::cout << ", backward " << c.backward->graph.numCalls() << " ops";
    if (c.inference) std::cout << "  inference " << c.inference->graph.numCalls() << " ops";
    if (c.joint || c.inference) std::cout << "\n";
    if (c.pytorch)
      std::cout << "  PyTorch saves " << c.pytorch->saved.size() << " values (" << c.pytorch->total_saved_bytes
                << " bytes), recomputes " << c.pytorch->recomputed.size() << " ops (budget " << c.pytorch->memory_budget
                << ")\n";
    if (c.pytorch && !c.pytorch->knapsack.empty()) {
      std::vector<std::string> items;
      for (const auto& k : c.pytorch->knapsack) items.push_back(k.name + (k.saved ? " kept saved" : " recomputed"));
      std::cout << "  PyTorch's knapsack (min_cut_information): " << list(items) << "\n";
    }
    if (c.aotviz)
      std::cout << "  aotviz min-cut" << (o.budget ? " (what-if budget " + std::to_string(*o.budget) + ")" : "")
                << (what_if.overrides.empty() ? "" : " (" + std::to_string(what_if.overrides.size()) + " override(s))")
                << " saves " << c.aotviz->saved.size() << " values (" << c.aotviz->totals.saved_bytes
                << " bytes), recomputes " << c.aotviz->totals.recomputed_nodes << " ops\n";
    if (c.diff) {
      if (c.diff->same()) {
        std::cout << "  same decisions: the same saved values and recomputed ops\n";
      } else {
        std::cout << "  saved only by PyTorch: " << list(c.diff->saved_only_by_pytorch) << "\n"
                  << "  saved only by aotviz: " << list(c.diff->saved_only_by_aotviz) << "\n"
                  << "  recomputed only by PyTorch: " << list(c.diff->recomputed_only_by_pytorch) << "\n"
                  << "  recomputed only by aotviz: " << list(c.diff->recomputed_only_by_aotviz) << "\n";
        const auto moved = partition::movedNodes(*c.pytorch_partition, *c.aotviz);
        std::vector<std::string> placed;
        for (const auto& m : moved)
          placed.push_back(m.name + " " + partition::placementName(m.from) + " -> " + partition::placementName(m.to));
        std::cout << "  placed differently (PyTorch -> aotviz): " << list(placed) << "\n";
      }
    }
  }
  if (shown == 0 && (!o.graph.empty() || o.rank)) {
    std::string ids;
    for (const auto& g : t.graphs) ids += (ids.empty() ? "" : ", ") + g.compile_id;
    fail("trace", o.dir, "no compile matches " + (o.graph.empty() ? "" : "--graph " + o.graph + " ") +
                             (o.rank ? "--rank " + std::to_string(*o.rank) : ""),
         "the trace has: " + ids);
  }
  util::writeFileAtomic(fs::path(o.out_dir) / "trace.json", summary.dump(1));
  if (o.json) std::cout << summary.dump(1) << "\n";
  else std::cout << "wrote " << shown << " compiles to " << o.out_dir << "\n";
  return code;
}

}  // namespace aotviz::cli
