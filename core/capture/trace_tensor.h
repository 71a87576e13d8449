// core/capture/trace_tensor.h — the trace-tensor backend: a PrivateUse1 TensorImpl wrapping a meta (fake) or
// real inner tensor, and the context every recorded op is appended to.
// See ../shared/reference/libtorch_capture.md §2 for the mechanism and why each piece is needed.
#pragma once

#include <ATen/core/Tensor.h>
#include <c10/core/TensorImpl.h>

#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/capture/trace_mode.h"
#include "core/ir/graph.h"
#include "core/util/diagnostic.h"

namespace aotviz::capture {

/// Everything one capture records into. Shared by the calling thread and the autograd worker thread (backward
/// runs there, see Note [Backward on the device thread] in capture.cpp), hence the mutex.
struct TraceContext {
  std::recursive_mutex mu;
  ir::Graph graph;
  TraceMode mode = TraceMode::Fake;
  c10::Device inner_device = c10::Device(c10::DeviceType::Meta);
  /// The device recorded in the graph's metadata and factory arguments: where the graph will run.
  c10::Device target_device = c10::Device(c10::DeviceType::CPU);
  ir::Phase phase = ir::Phase::Forward;
  std::vector<std::string> scope_stack;  // joined with '.' for nodes; owned by the forward (calling) thread
  std::string source;                    // current source location, set by TorchScript import
  std::string stage = "capture";
  /// Constants lifted into the graph, by the tensor they came from (kept alive so addresses are not reused):
  /// each is lifted once, however often forward and backward use it.
  struct Lifted {
    at::Tensor source;
    at::Tensor inner;
    ir::ValueId value;
  };
  std::vector<Lifted> lifted;
  size_t ops_recorded = 0;
  size_t cpu_fallbacks = 0;
  size_t cpu_fallbacks_replayed = 0;  // of them, results replayed from an earlier run of the same op and metadata
  std::vector<std::string> warnings;
  /// The last error raised by the tracer, kept for callers that lose the AotError's type on the way out.
  std::optional<Diagnostic> last_error;

  /// Note [Backward provenance]: the forward scope and source at each autograd sequence number where they
  /// changed. A backward node is attributed to the scope of the forward op whose autograd node (identified by its
  /// sequence number, reported by a RecordFunction observer into bw_*) emitted it.
  struct ScopeMark {
    uint64_t seq;
    std::string scope, source;
  };
  std::vector<ScopeMark> scope_marks;
  std::string bw_grad_fn;  // the autograd node last started on the backward thread
  uint64_t bw_seq = 0;
  bool bw_in_node = false;  // false between nodes: the engine's own ops (sum_to in validate_outputs, gradient
                            // accumulation), attributed to the last node's scope with an empty grad_fn

  std::string currentScope() const;
  /// Records the current scope and source at the forward thread's next autograd sequence number.
  void markScope();
  /// Provenance for a node recorded now.
  ir::Provenance provenance() const;
};

/// A tensor of the trace backend: reports device privateuseone:0 (so factory calls in backward formulas reach the
/// tracer), owns no storage, and mirrors the sizes/strides of its inner tensor.
class TraceTensorImpl final : public c10::TensorImpl {
 public:
  TraceTensorImpl(at::Tensor inner, TraceContext* ctx, ir::ValueId value);

  const at::Tensor& inner() const { return inner_; }
  TraceContext* context() const { return ctx_; }
  ir::ValueId value() const { return value_; }

  /// Points this wrapper at a new SSA value (after an in-place op) and refreshes its metadata from `inner`.
  void rebind(at::Tensor inner, ir::ValueId value);

  c10::intrusive_ptr<c10::TensorImpl> shallow_copy_and_detach(const c10::VariableVersion& version_counter,
                                                              bool allow_tensor_metadata_change) const override;
  c10::intrusive_ptr<c10::TensorImpl> shallow_copy_and_detach(c10::VariableVersion&& version_counter,
                                                              bool allow_tensor_metadata_change) const override;
  void shallow_copy_from(const c10::intrusive_ptr<c10::TensorImpl>& impl) override;

 private:
  void refreshMetadata();
  const char* tensorimpl_type_name() const override { return "TraceTensorImpl"; }

  at::Tensor inner_;
  TraceContext* ctx_;
  ir::ValueId value_;
};

/// The trace wrapper behind `t`, or nullptr when `t` is not a trace tensor.
TraceTensorImpl* asTrace(const at::Tensor& t);
at::Tensor makeTrace(at::Tensor inner, TraceContext* ctx, ir::ValueId value);

/// The device trace tensors report.
inline c10::Device traceDevice() { return c10::Device(c10::DeviceType::PrivateUse1, 0); }

/// Registers the boxed tracing fallback on PrivateUse1, the per-op kernels for CompositeExplicitAutograd ops and
/// the no-op device guard. Idempotent and thread-safe; costs ~10 ms the first time.
void installTraceBackend();

/// Makes `ctx` reachable from factory ops on this thread and the autograd threads it starts (through
/// c10::ThreadLocalDebugInfo, which the engine propagates). RAII.
class ActiveTraceGuard {
 public:
  explicit ActiveTraceGuard(TraceContext* ctx);
  ~ActiveTraceGuard();
  ActiveTraceGuard(const ActiveTraceGuard&) = delete;
  ActiveTraceGuard& operator=(const ActiveTraceGuard&) = delete;

 private:
  std::shared_ptr<void> guard_;
};

/// The context of the capture running on this thread, or nullptr.
TraceContext* activeTrace();

/// A graph input created for a capture: its placeholder value, the raw trace tensor (the placeholder itself, kept
/// so in-graph mutations can write into it) and the functional wrapper the traced function sees.
struct TracedPlaceholder {
  ir::ValueId value;
  at::Tensor trace;
  at::Tensor functional;
};

/// Adds a placeholder whose metadata is `example`'s (on `ctx.target_device`) and wraps it for functionalization;
/// `requires_grad` makes the wrapper require grad: an autograd leaf, or with `is_leaf` false a non-leaf (in-place
/// ops on it are legal; PyTorch's fake inputs keep non-leafness the same way, see mirror_autograd_meta_to). Its
/// grad_fn is never run: gradients are taken with respect to the wrapper. Real mode copies the example's values.
TracedPlaceholder addTracedPlaceholder(TraceContext& ctx, const std::string& name, ir::InputRole role,
                                       const at::Tensor& example, bool requires_grad, ir::Phase phase,
                                       bool is_leaf = true);

/// Current trace value of a (possibly functional) tensor, after syncing pending view updates. Throws AotError
/// (stage `stage`) naming `what` when the tensor was not computed by traced operations.
ir::ValueId traceValueOf(const at::Tensor& t, const std::string& what, const std::string& stage);

/// The storage a tensor's memory lives in (the functional storage for functional tensors), or nullptr.
const c10::StorageImpl* storageOf(const at::Tensor& t);

/// Operators that have no Meta kernel in this LibTorch and ran on CPU stand-ins during fake capture.
std::set<std::string> opsWithoutMetaKernel();

}  // namespace aotviz::capture
