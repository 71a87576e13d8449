// viz/dot_export.h — any graph view as Graphviz DOT (same colours as on screen, module scopes as clusters), and
// DOT rendered to SVG or PNG through Graphviz when this build has it.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "core/ir/graph.h"
#include "core/partition/partition.h"

namespace aotviz::viz {

struct DotOptions {
  std::string title;
  /// The partition of this graph when it is the joint graph: saved values and recomputed nodes are coloured and
  /// saved edges (forward value → backward user) drawn bold.
  const partition::PartitionResult* partition = nullptr;
  bool cluster_by_scope = true;
};

std::string graphToDot(const ir::Graph& g, const DotOptions& opts = {});

/// True when this build links Graphviz (SVG/PNG rendering).
bool canRenderWithGraphviz();

/// Lays out `dot` with Graphviz's dot and writes `format` ("svg" or "png") to `out` atomically. Large graphs get
/// limits on dot's network-simplex iterations (nslimit), which otherwise never finish on joint graphs (README,
/// "Rendering graphs"). Throws AotError (stage "render") when Graphviz is missing or fails.
void renderDot(const std::string& dot, const std::string& format, const std::filesystem::path& out);

struct RenderResult {
  size_t nodes = 0;
  std::vector<std::string> warnings;  // operators this LibTorch does not have (drawn all the same)
};

/// `aotviz render`: reads a graph JSON (validated: a graph that fails the IR verifier is refused) and writes
/// `out`; the format is its extension (.dot, .svg, .png).
RenderResult renderGraphFile(const std::filesystem::path& graph_json, const std::filesystem::path& out);

}  // namespace aotviz::viz
