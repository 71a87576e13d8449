// core/capture/capture.h — the capture stage: records a functionalized forward (+ backward) ATen graph of a C++
// function in-process, on fake (meta) or real tensors.
#pragma once

#include <ATen/core/Tensor.h>

#include <functional>
#include <string>
#include <vector>

#include "core/capture/trace_tensor.h"
#include "core/ir/graph.h"

namespace aotviz::capture {

/// What a flat input is to the model (AOTAutograd's descriptors: ParamAOTInput, BufferAOTInput, PlainAOTInput).
enum class InputKind { Param, Buffer, User };

struct InputDesc {
  std::string name;  // "fc1.weight", "x"
  InputKind kind = InputKind::User;
  /// Example value: sizes, strides and dtype are always used; values only in real mode. Never modified.
  at::Tensor example;
  bool requires_grad = false;
};

/// The function being captured: flat tensors in, flat tensors out. It runs once, on trace tensors.
using TracedFn = std::function<std::vector<at::Tensor>(const std::vector<at::Tensor>&)>;

struct CaptureOptions {
  TraceMode mode = TraceMode::Fake;
  /// Device the graph will run on; recorded in value metadata and factory arguments.
  c10::Device target_device = c10::Device(c10::DeviceType::CPU);
  /// Capture a forward-only graph even when outputs require grad.
  bool force_inference = false;
  /// Run dead-code elimination on the captured graph, as AOTAutograd does after tracing.
  bool dce = true;
};

enum class MutationKind { None, Data, MetadataOnly };

/// Note [Capture calling convention]: placeholders are the primals (one per input, in order; `primals_N`, or
/// `argN_1` for forward-only graphs), then the tangents (`tangents_N`), one per differentiable user output.
/// Outputs are, as in AOTAutograd's joint graph: the mutated inputs' new values (in input order), the user
/// outputs, then (joint only) one gradient per primal, None where the primal does not require grad or gets no
/// gradient.
struct CaptureResult {
  ir::Graph graph;
  bool is_joint = false;
  size_t num_primals = 0;
  size_t num_tangents = 0;
  size_t num_user_outputs = 0;
  std::vector<MutationKind> input_mutations;   // per input
  std::vector<size_t> mutated_inputs;          // inputs whose new value is a forward output, in output order
  std::vector<int> output_aliases_input;       // per user output: the input it aliases, or -1
  std::vector<bool> output_requires_grad;      // per user output
  std::vector<bool> output_has_tangent;        // per user output
  std::vector<std::string> warnings;
  size_t ops_recorded = 0;                     // before DCE
  size_t dead_nodes_removed = 0;
  size_t cpu_fallbacks = 0;
  double seconds = 0;

  size_t numForwardOutputs() const { return mutated_inputs.size() + num_user_outputs; }
};

/// Captures `fn` on `inputs`. Throws AotError (stage "capture") for user-caused problems: data-dependent ops on
/// fake tensors, factories on the default device, in-place ops on leaves that require grad, exceptions raised by
/// the model, unsupported dtypes. The returned graph passes ir::verify().
CaptureResult captureGraph(const TracedFn& fn, const std::vector<InputDesc>& inputs, const CaptureOptions& opts = {});

/// A Python number as PyTorch's argument parser passes it to a Tensor parameter (a 0-dim CPU "wrapped number"),
/// so C++ model code records the same ops as Python (`x * 2` → mul.Tensor, not mul.Scalar).
at::Tensor wrappedNumber(double v);
at::Tensor wrappedNumber(int64_t v);

/// Names a module scope for nodes recorded while it lives ("layers.0.attn" when nested). A no-op outside of a
/// capture, so model code can use it unconditionally.
class ScopeGuard {
 public:
  explicit ScopeGuard(std::string name);
  ~ScopeGuard();
  ScopeGuard(const ScopeGuard&) = delete;
  ScopeGuard& operator=(const ScopeGuard&) = delete;

 private:
  TraceContext* ctx_;
};

/// Sets the source location recorded on nodes while it lives (TorchScript import sets it per node).
class SourceGuard {
 public:
  explicit SourceGuard(std::string source);
  ~SourceGuard();
  SourceGuard(const SourceGuard&) = delete;
  SourceGuard& operator=(const SourceGuard&) = delete;

 private:
  TraceContext* ctx_;
  std::string saved_;
};

}  // namespace aotviz::capture
