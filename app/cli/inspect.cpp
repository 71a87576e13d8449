// app/cli/inspect.cpp — `aotviz inspect SESSION.json`: a saved session's stages, results and damaged parts.
#include "app/cli/inspect.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <iostream>

#include "core/pipeline/snapshot.h"

namespace aotviz::cli {

namespace {

/// The graph a snapshot carries, as "N nodes" (joint, passes) or "forward N / backward M nodes" (partition).
std::string graphsLine(const pipeline::Snapshot& s) {
  std::string out;
  if (s.graph) out = std::to_string(s.graph->nodes.size()) + " nodes";
  if (s.partition)
    out += (out.empty() ? "" : ", ") + std::string("forward ") + std::to_string(s.partition->forward.nodes.size()) +
           " / backward " + std::to_string(s.partition->backward.nodes.size()) + " nodes";
  if (s.pytorch_partition) out += (out.empty() ? "" : ", ") + std::string("PyTorch's partition");
  return out;
}

}  // namespace

int runInspect(const InspectOptions& o) {
  const pipeline::SessionRecord rec = pipeline::loadSession(o.session);  // AotError naming the file and field
  if (o.json) {
    nlohmann::json stages = nlohmann::json::array();
    for (const auto& s : rec.snapshots) {
      nlohmann::json e = {{"stage", pipeline::stageName(s->stage)},
                          {"status", pipeline::stageStatusName(s->status)},
                          {"ms", s->seconds * 1e3},
                          {"notes", s->notes},
                          {"summary", pipeline::resultToJson(s->result)},
                          {"unavailable", s->unavailable},
                          {"graphs", graphsLine(*s)}};
      if (s->error) e["error"] = s->error->format();
      stages.push_back(std::move(e));
    }
    std::cout << nlohmann::json{{"session", o.session},
                                {"model", rec.config.model},
                                {"torch_version", rec.torch_version},
                                {"config", rec.config.toJson()},
                                {"stages", stages},
                                {"warnings", rec.warnings}}
                     .dump(1)
              << "\n";
  } else {
    std::cout << o.session << ": model " << rec.config.model << ", " << rec.snapshots.size() << " of "
              << pipeline::kNumStages << " stages"
              << (rec.torch_version.empty() ? "" : ", computed with LibTorch " + rec.torch_version) << "\n";
    for (const auto& s : rec.snapshots) {
      char head[96];
      std::snprintf(head, sizeof head, "  %-15s %-8s %9.2f ms", pipeline::stageName(s->stage),
                    pipeline::stageStatusName(s->status), s->seconds * 1e3);
      std::cout << head;
      const nlohmann::json summary = pipeline::resultToJson(s->result);
      if (!summary.is_null() && !summary.empty()) std::cout << "  " << summary.dump();
      const std::string graphs = graphsLine(*s);
      if (!graphs.empty()) std::cout << "  [" << graphs << "]";
      std::cout << "\n";
      for (const auto& n : s->notes) std::cout << "      note: " << n << "\n";
    }
  }
  // Everything the loader could not read (each names the field) and any digest mismatch, on stderr in both forms.
  for (const auto& w : rec.warnings) std::cerr << "warning: [load] " << o.session << ": " << w << "\n";
  int code = 0;
  for (const auto& s : rec.snapshots)
    if (s->status == pipeline::StageStatus::Failed) {
      std::cerr << "error: the session's " << pipeline::stageName(s->stage) << " stage failed"
                << (s->error ? ": " + s->error->format() : std::string()) << "\n";
      code = 1;
    }
  return code;
}

}  // namespace aotviz::cli
