// core/trace/fx_graph.h — the FX graphs PyTorch prints into its compile logs (GraphModule.print_readable with
// shapes, strides and devices) read back into aotviz's graph IR.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "core/ir/graph.h"

namespace aotviz::trace {

/// Which graph of a compile a payload is: placeholder roles follow it (a backward's non-tangent inputs are the
/// values its forward saved).
enum class GraphKind { Joint, Forward, Backward, Inference, Other };

struct FxGraph {
  ir::Graph graph;
  /// Per placeholder and per output, AOTAutograd's descriptor comment ("PlainAOTInput(idx=0)",
  /// "SavedForBackwardsAOTOutput(idx=2)"), "" where the graph has none.
  std::vector<std::string> input_descs, output_descs;
  /// Call nodes whose operator this LibTorch does not have (or that are not ATen operator calls): shown, not run.
  std::vector<std::string> opaque;
  /// What the reader could not work out, e.g. the types of outputs nothing reads.
  std::vector<std::string> notes;
};

/// Note [Reading printed FX graphs]: the payload is Python source in the subset print_readable writes. Lines are
/// split here; each right-hand side is parsed by LibTorch's own Python-subset parser (torch::jit::Parser, the
/// TorchScript frontend), never by a hand-written expression grammar. A node line is
///   name: "f32[8, 128][128, 1]cpu" = torch.ops.aten.addmm.default(primals_2, primals_3, t);  primals_2 = None
/// whose annotation gives the value's dtype, sizes, strides and device; its operator is resolved through the
/// dispatcher and its arguments bound by the schema (keywords by name, the rest from the schema's defaults). A
/// multi-output node has no annotation; its `getitem: "…" = native_layer_norm[1]` lines give the outputs, and
/// outputs nothing reads are inferred by running the operator on meta tensors. `# File: path:line in fn` comments
/// become each node's source line. Errors: AotError (stage "trace") naming `file` and the line
/// (`first_line` is the file line of the code's first line).
FxGraph parseFxGraph(const std::string& code, GraphKind kind, const std::string& file, size_t first_line);

}  // namespace aotviz::trace
