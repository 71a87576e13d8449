// core/ir/printer.h — FX-style text form of a graph, as PyTorch prints it with TORCH_LOGS=aot_graphs.
#pragma once

#include <iosfwd>
#include <string>

#include "core/ir/graph.h"

namespace aotviz::ir {

struct PrintOptions {
  std::string function_name = "forward";
  bool show_meta = true;        // `mm: "f32[4, 8]" = …` type annotations
  bool show_provenance = false; // `# scope: layers.0 (bw)` comments
};

/// Prints `def forward(self, primals_1: "f32[4, 8]", …):` followed by one line per call node
/// (`mm: "f32[4, 8]" = torch.ops.aten.mm.default(primals_1, primals_2)`), getitem lines for multi-output nodes,
/// and `return [...]`. Trailing arguments equal to the schema default are omitted and keyword-only arguments are
/// printed as `name=value`, as torch.fx does. Deterministic: the same graph always prints the same text.
std::string printGraph(const Graph& g, const PrintOptions& opts = {});
void printGraph(std::ostream& os, const Graph& g, const PrintOptions& opts = {});

/// "f32[4, 8]" (PyTorch's short dtype names).
std::string metaString(const TensorMeta& m);
/// A constant argument in Python syntax: 2, 1.5, [4, 8], torch.float32, None, True.
std::string argString(const Graph& g, const Arg& a, const std::string& arg_name);

}  // namespace aotviz::ir
