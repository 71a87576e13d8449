// core/trace/compiled_graphs.cpp — records grouped by compile (see compiled_graphs.h).
#include "core/trace/compiled_graphs.h"

#include <algorithm>
#include <map>
#include <set>

#include <nlohmann/json.hpp>

namespace aotviz::trace {

namespace {

std::string firstLine(const std::string& s) {
  const size_t nl = s.find('\n');
  return nl == std::string::npos ? s : s.substr(0, nl);
}

/// The graph-break message of a dynamo_graph_break_reason payload: its first line that is not part of the stack
/// ("Graph break in user code at …" / "Unsupported: …"), else its first line.
std::string breakReason(const std::string& payload) {
  size_t start = 0;
  while (start < payload.size()) {
    size_t nl = payload.find('\n', start);
    if (nl == std::string::npos) nl = payload.size();
    const std::string line = payload.substr(start, nl - start);
    if (line.find("Graph break") != std::string::npos || line.find("Unsupported") != std::string::npos) return line;
    start = nl + 1;
  }
  return firstLine(payload);
}

Artifact artifactOf(const LogFile& f, Record& r) {
  Artifact a;
  a.file = f.path;
  a.line = r.line;
  a.code = std::move(r.payload);
  a.ok = r.payload_ok;
  return a;
}

}  // namespace

std::string CompiledGraph::label() const {
  std::string s = "[" + compile_id + "]";
  if (rank) s = "rank " + std::to_string(*rank) + " " + s;
  if (!frame.empty()) s += " " + frame;
  std::vector<std::string> parts;
  if (joint) parts.push_back("joint");
  if (forward) parts.push_back("forward");
  if (backward) parts.push_back("backward");
  if (inference) parts.push_back("inference");
  if (!post_grad.empty()) parts.push_back("post-grad x" + std::to_string(post_grad.size()));
  if (min_cut) parts.push_back("min-cut records");
  if (std::find(cache.begin(), cache.end(), "aotautograd_cache_hit") != cache.end()) parts.push_back("AOTAutograd cache hit");
  if (!graph_breaks.empty()) parts.push_back("graph break");
  std::string list;
  for (const auto& p : parts) list += (list.empty() ? "" : ", ") + p;
  return s + (list.empty() ? "" : ": " + list);
}

TraceIndex indexTrace(const std::string& dir) {
  TraceIndex out;
  out.dir = dir;
  std::vector<LogFile> files = readTraceDirectory(dir);
  out.files = files.size();
  std::set<int64_t> ranks;
  for (LogFile& f : files) {
    out.records += f.records.size();
    out.problems.insert(out.problems.end(), f.problems.begin(), f.problems.end());
    std::map<std::string, size_t> index;  // compile id → position in out.graphs
    std::map<int64_t, std::string> frame_names;  // frame_id → dynamo_start's innermost frame name
    auto graph = [&](const Record& r) -> CompiledGraph& {
      const std::string id = r.compileId();
      auto it = index.find(id);
      if (it != index.end()) return out.graphs[it->second];
      CompiledGraph g;
      g.compile_id = id;
      g.rank = r.rank ? r.rank : f.rank;
      g.file = f.path;
      if (r.frame_id && frame_names.count(*r.frame_id)) g.frame = frame_names[*r.frame_id];
      index[id] = out.graphs.size();
      out.graphs.push_back(std::move(g));
      return out.graphs.back();
    };
    for (Record& r : f.records) {
      if (r.rank) ranks.insert(*r.rank);
      if (r.compileId().empty()) continue;  // str, events outside a compile
      const std::string what = r.kind == "artifact" ? r.artifact : r.kind;
      if (r.kind == "dynamo_start") {
        const auto& stack = r.metadata.contains("stack") ? r.metadata.at("stack") : nlohmann::json();
        if (stack.is_array() && !stack.empty() && stack.back().contains("name") && stack.back().at("name").is_string())
          frame_names[r.frame_id.value_or(-1)] = stack.back().at("name").get<std::string>();
        continue;
      }
      const bool graph_record = what == "aot_joint_graph" || what == "aot_forward_graph" || what == "aot_backward_graph" ||
                                what == "aot_inference_graph" || what == "aot_forward_graph_fw_metadata" ||
                                what == "min_cut_information" || what == "inductor_post_grad_graph" ||
                                what == "inductor_output_code" || what == "dynamo_graph_break_reason" ||
                                what == "recompile_reasons" || what == "compilation_metrics" ||
                                what == "dynamo_output_graph" || what == "torch._functorch.config";
      const auto endsWith = [&](const char* suffix) {
        const std::string x = suffix;
        return what.size() > x.size() && what.compare(what.size() - x.size(), x.size(), x) == 0;
      };
      const bool cache_record = endsWith("_cache_hit") || endsWith("_cache_miss") || endsWith("_cache_bypass");
      if (cache_record) {
        graph(r).cache.push_back(what);
        continue;
      }
      if (!graph_record) continue;
      CompiledGraph& g = graph(r);
      if (what == "aot_joint_graph") g.joint = artifactOf(f, r);
      else if (what == "aot_forward_graph") g.forward = artifactOf(f, r);
      else if (what == "aot_backward_graph") g.backward = artifactOf(f, r);
      else if (what == "aot_inference_graph") g.inference = artifactOf(f, r);
      else if (what == "aot_forward_graph_fw_metadata") g.fw_metadata = artifactOf(f, r);
      else if (what == "min_cut_information") g.min_cut = artifactOf(f, r);
      else if (what == "torch._functorch.config") g.functorch_config = artifactOf(f, r);
      else if (what == "inductor_post_grad_graph") g.post_grad.push_back(artifactOf(f, r));
      else if (what == "inductor_output_code") g.inductor = true;
      else if (what == "dynamo_graph_break_reason") g.graph_breaks.push_back(breakReason(r.payload));
      else if (what == "recompile_reasons") {
        // guards.py writes reasons[0] as plain text when there is one, the list as JSON when there are more.
        const auto list = nlohmann::json::parse(r.payload, nullptr, /*allow_exceptions=*/false);
        if (list.is_array()) {
          for (const auto& x : list)
            if (x.is_string()) g.recompile_reasons.push_back(firstLine(x.get<std::string>()));
        } else {
          g.recompile_reasons.push_back(firstLine(r.payload));
        }
      }
      else if (what == "compilation_metrics" && r.metadata.contains("co_name") && r.metadata.at("co_name").is_string())
        g.frame = r.metadata.at("co_name").get<std::string>();
    }
  }
  out.ranks.assign(ranks.begin(), ranks.end());
  return out;
}

}  // namespace aotviz::trace
