// core/ir/parse.h — the FX-style text form of a graph (printer.h) read back into the IR, so that IR tests can be
// written as text, as PyTorch's parseIR + FileCheck and MLIR's lit tests are.
#pragma once

#include <string>

#include "core/ir/graph.h"

namespace aotviz::ir {

struct ParseOptions {
  /// The text is a partition's backward graph: every placeholder not named tangents_N is a value the forward saved
  /// (InputRole::Saved), as partition/ makes them. Otherwise primals_N are Primal, tangents_N Tangent and any other
  /// name (arg0_1, x) Arg, as capture names them and as the partitioner reads them.
  bool backward_graph = false;
  /// Provenance::stage of every node; the text does not carry it.
  std::string stage = "text";
};

/// Reads what printGraph writes, with any PrintOptions but show_meta = false:
///
///   def forward(self, primals_1: "f32[4, 8][8, 1]cpu", primals_2: "f32[8, 8]"):
///       mm: "f32[4, 8]" = torch.ops.aten.mm.default(primals_1, primals_2)  # fw scope=fc at model.py:3
///       split = torch.ops.aten.split.Tensor(mm, 2)
///       getitem: "f32[2, 8]" = split[0]
///       getitem_1: "f32[2, 8]" = split[1]
///       sum_1: "f32[]" = torch.ops.aten.sum.default(getitem, dtype = torch.float32)
///       return [sum_1, getitem_1, None]
///
/// - Every placeholder and every value has a type annotation: dtype abbreviation and sizes, then optionally strides
///   (contiguous when left out) and the device (cpu when left out), as print_readable writes them.
/// - Operators are `torch.ops.NAMESPACE.NAME.OVERLOAD` and must exist in this LibTorch; arguments are bound by
///   its schema (positional, then `name = value` for keyword-only ones; the ones left out take the schema's
///   default), so a parsed graph equals a captured one. A number where the schema takes a Tensor is a wrapped
///   number (Python scalar), `torch.tensor(…, dtype=…)[.reshape([…])]` a constant tensor.
/// - A multi-output node's outputs are its `name[k]` getitem lines, one per output.
/// - A `# fw|bw [scope=S] [at FILE:LINE] [from GradFn]` comment gives the node's provenance. Without one, a node
///   of a graph with tangents is in the backward when it reads a tangent or only the backward needs it (as PyTorch
///   tags a joint graph while tracing it); otherwise in the forward. Other comments, blank lines, indentation and
///   PyTorch's `;  x = None` are ignored; lines may break inside brackets.
/// - Names are kept as written; nothing is renamed.
/// The result passes verify(). Text that is not of this form throws AotError (stage "parse") naming the line and
/// what was expected there.
Graph parseGraph(const std::string& text, const ParseOptions& opts = {});

}  // namespace aotviz::ir
