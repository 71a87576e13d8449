// core/capture/capture.h — the capture stage: records a functionalized forward (+ backward) ATen graph of a C++
// function in-process, on fake (meta) or real tensors.
#pragma once

#include <ATen/core/Tensor.h>

#include <functional>
#include <string>
#include <vector>

#include "core/capture/trace_tensor.h"
#include "core/capture/traced_fn.h"
#include "core/ir/graph.h"
#include "core/metadata/dedupe.h"
#include "core/metadata/synthetic_base.h"
#include "core/metadata/view_and_mutation_meta.h"

namespace aotviz::capture {

struct CaptureOptions {
  TraceMode mode = TraceMode::Fake;
  /// Device the graph will run on; recorded in value metadata and factory arguments.
  c10::Device target_device = c10::Device(c10::DeviceType::CPU);
  /// Capture a forward-only graph even when outputs require grad.
  bool force_inference = false;
  /// Run dead-code elimination on the captured graph, as AOTAutograd does after tracing.
  bool dce = true;
  /// AOTAutograd's keep_inference_input_mutations (torch.compile passes true): data mutations of inputs that do not
  /// need autograd (buffers, inputs that do not require grad, mutations under no_grad) stay in the graph as copy_.
  bool keep_input_mutations = false;
  /// Grad mode the model is called under (the input spec's grad_mode).
  bool grad_enabled = true;
};

/// Note [Capture calling convention]: AOTAutograd's joint graph (../shared/reference/aot_autograd_spec.md §3.2).
/// Placeholders are the primals (one per graph input after dedupe and synthetic bases: `primals_N`, or `argN_1`
/// for forward-only graphs), then the tangents (`tangents_N`): one per data-mutated input that requires grad, one
/// per differentiable non-aliased user output, one per intermediate base. Outputs are the mutated inputs' new
/// values (out-of-graph mutations, in input order), the user outputs, the intermediate bases, then (joint only)
/// one gradient per primal, None where the primal does not require grad or gets no gradient. Mutations kept in the
/// graph are trailing copy_ nodes into primals.
struct CaptureResult {
  ir::Graph graph;
  bool is_joint = false;
  size_t num_primals = 0;
  size_t num_tangents = 0;
  size_t num_user_outputs = 0;      // of the graph's function (after synthetic bases: + metadata-mutated aliases)
  size_t num_intermediate_bases = 0;
  std::vector<size_t> mutated_inputs;  // graph inputs whose new value is a forward output, in output order
  std::vector<bool> output_has_tangent;  // per user output
  /// The stages before the joint: the user function's metadata, dedupe, synthetic bases, and the metadata of the
  /// function the graph was traced from (its inputs are the graph's primals).
  meta::ViewAndMutationMeta user_meta;
  meta::DedupeResult dedupe;
  meta::SyntheticBaseResult synthetic_base;
  meta::ViewAndMutationMeta meta;
  std::vector<InputDesc> graph_inputs;
  std::vector<std::string> warnings;
  size_t ops_recorded = 0;                     // before DCE
  size_t dead_nodes_removed = 0;
  size_t cpu_fallbacks = 0;                    // ops with no Meta kernel, run on CPU stand-ins (fake mode)
  size_t cpu_fallbacks_replayed = 0;           // of them, results replayed from an earlier identical call
  double seconds = 0;

  size_t numForwardOutputs() const { return mutated_inputs.size() + num_user_outputs + num_intermediate_bases; }
};

/// Runs the stages up to the joint graph on `fn` and `inputs`: metadata, dedupe, synthetic_base, then traces the
/// joint (or forward-only) graph. Throws AotError naming the stage for user-caused problems: data-dependent ops on
/// fake tensors, factories on the default device, in-place ops on leaves that require grad, exceptions raised by
/// the model, unsupported dtypes, aliasing PyTorch refuses. The returned graph passes ir::verify().
CaptureResult captureGraph(const TracedFn& fn, const std::vector<InputDesc>& inputs, const CaptureOptions& opts = {});

/// The steps of captureGraph, for the pipeline that runs them as separate stages. prepareCapture validates the
/// inputs (AotError, stage "inputs") and installs the trace backend; it comes first.
void prepareCapture(const std::vector<InputDesc>& inputs);
meta::MetadataOptions metadataOptions(const CaptureOptions& opts);
/// The joint stage: traces the joint (or, when `is_joint` is false, the forward-only) graph of `fn` on `inputs`,
/// whose metadata is `m` (after dedupe and synthetic_base): AOTAutograd's fn_prepped_for_autograd + create_joint +
/// create_functionalized_fn (spec §3.1). Sets `graph`, `meta` and `graph_inputs`, not the earlier stages' fields.
CaptureResult traceJoint(const TracedFn& fn, const std::vector<InputDesc>& inputs, const meta::ViewAndMutationMeta& m,
                         bool is_joint, const CaptureOptions& opts);

/// What to do about an error the model's own code raised with message `what` (also used by the TorchScript
/// importer, which sees the model's errors first).
std::string forwardErrorHint(const std::string& what);

/// Throws AotError (stage `stage`) for an error the model's own code raised while running on trace tensors.
[[noreturn]] void failModelError(const std::string& stage, const std::string& what);

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
