// core/ir/printer.h — FX-style text form of a graph, as PyTorch prints it with TORCH_LOGS=aot_graphs.
#pragma once

#include <iosfwd>
#include <optional>
#include <string>

#include "core/ir/graph.h"

namespace aotviz::ir {

struct PrintOptions {
  std::string function_name = "forward";
  bool show_meta = true;        // `mm: "f32[4, 8]" = …` type annotations
  bool show_provenance = false; // `# bw scope=layers.0 at model.py:12 from MmBackward0` comments
  bool show_strides = false;    // `"f32[4, 8][8, 1]"`, as print_readable(include_stride=True)
  bool show_device = false;     // `"f32[4, 8]cpu"`, as print_readable(include_device=True); both: TORCH_LOGS=aot_graphs
};

/// Prints `def forward(self, primals_1: "f32[4, 8]", …):` followed by one line per call node
/// (`mm: "f32[4, 8]" = torch.ops.aten.mm.default(primals_1, primals_2)`), getitem lines for multi-output nodes,
/// and `return [...]`. Trailing arguments equal to the schema default are omitted and keyword-only arguments are
/// printed as `name = value`, as torch.fx does. Deterministic: the same graph always prints the same text.
/// parseGraph (core/ir/parse.h) reads the text back.
std::string printGraph(const Graph& g, const PrintOptions& opts = {});
void printGraph(std::ostream& os, const Graph& g, const PrintOptions& opts = {});

/// "f32[4, 8]" (PyTorch's short dtype names); with strides "f32[4, 8][8, 1]", with the device "f32[4, 8]cpu".
std::string metaString(const TensorMeta& m, bool strides = false, bool device = false);
/// PyTorch's short name of a dtype ("f32", "i64", "b8"; torch/utils/_dtype_abbrs.py), "?" for one it has none for.
const char* shortDtypeName(c10::ScalarType t);
/// The dtype of a short name ("f32" → Float); nullopt for names that are not one.
std::optional<c10::ScalarType> parseShortDtypeName(const std::string& name);
/// A constant argument in Python syntax: 2, 1.5, [4, 8], torch.float32, None, True.
std::string argString(const Graph& g, const Arg& a, const std::string& arg_name);

}  // namespace aotviz::ir
