// core/trace/compiled_graphs.h — the compiled graphs of a TORCH_TRACE directory: one entry per compile (frame,
// recompile, restart after a graph break) per rank, with PyTorch's own artifacts for it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/trace/structured_log.h"

namespace aotviz::trace {

/// One payload of a compile, with where it is.
struct Artifact {
  std::string file;
  size_t line = 0;     // the record's header line
  std::string code;    // the payload
  bool ok = true;      // its MD5 matched
};

struct CompiledGraph {
  std::string compile_id;  // "0/0", "0/0_1" (restart), "1/0" (next frame), "0/1" (recompile)
  std::optional<int64_t> rank;
  std::string frame;       // the compiled function's name (compilation_metrics' co_name, else dynamo_start's frame)
  std::string file;        // the log file
  std::optional<Artifact> joint, forward, backward, inference, fw_metadata, min_cut, functorch_config;
  std::vector<Artifact> post_grad;  // Inductor's post-grad graphs, forward first
  /// Why Dynamo broke the graph or compiled again (the first line of each reason).
  std::vector<std::string> graph_breaks, recompile_reasons;
  bool inductor = false;   // Inductor compiled it (it printed output code)
  /// Cache records of the compile ("aotautograd_cache_hit", "fx_graph_cache_hit", ..._miss, ..._bypass). On an
  /// AOTAutograd cache hit PyTorch replays the graphs it stored, so they are still in the log.
  std::vector<std::string> cache;

  /// "[0/0_1] forward: joint 42 lines, forward, backward" style one-line summary for listings.
  std::string label() const;
};

struct TraceIndex {
  std::string dir;
  /// In log order, per file. A compile Dynamo restarted after a graph break is listed too (attempt 0, no graphs,
  /// the break's reason), so the break shows where it happened.
  std::vector<CompiledGraph> graphs;
  std::vector<int64_t> ranks;         // the ranks the records carry, sorted (empty: a single-process run)
  std::vector<Problem> problems;      // from every file; what could be read is in `graphs`
  size_t files = 0, records = 0;
};

/// Reads the logs of `dir` and groups their records by compile. Errors only when nothing can be read at all (see
/// readTraceDirectory); damage inside a file becomes problems, and the graphs before it are kept.
TraceIndex indexTrace(const std::string& dir);

}  // namespace aotviz::trace
