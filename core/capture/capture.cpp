// core/capture/capture.cpp — the capture driver: placeholders → functionalized forward → traced tangents →
// the real autograd engine → graph outputs. See Note [Capture calling convention] in capture.h.
#include "core/capture/capture.h"

#include <ATen/FunctionalTensorWrapper.h>
#include <ATen/ops/empty.h>
#include <ATen/ops/empty_strided.h>
#include <ATen/ops/ones.h>
#include <ATen/ops/scalar_tensor.h>
#include <c10/core/GradMode.h>
#include <ATen/record_function.h>
#include <torch/csrc/autograd/engine.h>
#include <torch/csrc/autograd/function.h>
#include <torch/csrc/autograd/functions/basic_ops.h>
#include <torch/csrc/autograd/variable.h>

#include <algorithm>
#include <chrono>

#include "core/compat/torch_compat.h"
#include "core/ir/dce.h"
#include "core/ir/op_registry.h"
#include "core/ir/verify.h"
#include "core/util/diagnostic.h"

namespace aotviz::capture {

namespace fz = at::functionalization::impl;

namespace {

constexpr const char* kStage = "capture";

ir::TensorMeta placeholderMeta(const at::Tensor& example, const CaptureOptions& opts, bool requires_grad) {
  ir::TensorMeta m;
  m.sizes = example.sizes().vec();
  m.strides = example.strides().vec();
  m.storage_offset = 0;
  m.dtype = example.scalar_type();
  m.device = opts.target_device;
  m.requires_grad = requires_grad;
  return m;
}

/// The inner tensor of a placeholder: meta with the example's layout (fake) or a private copy (real).
at::Tensor placeholderInner(const at::Tensor& example, TraceMode mode) {
  if (mode == TraceMode::Fake)
    return at::empty_strided(example.sizes(), example.strides(), example.options().device(at::kMeta));
  at::Tensor copy = at::empty_strided(example.sizes(), example.strides(), example.options().device(at::kCPU));
  copy.copy_(example);
  return copy;
}

/// Current trace value of a (possibly functional) tensor, after syncing pending view updates.
ir::ValueId traceValueOf(const at::Tensor& t, const std::string& what) {
  at::Tensor inner = t;
  if (fz::isFunctionalTensor(t)) {
    fz::sync(t);
    inner = fz::from_functional_tensor(t);
  }
  auto* tr = asTrace(inner);
  if (!tr)
    fail(kStage, "", what + " was not computed by traced operations (it is a " + t.device().str() + " tensor)",
         "return tensors computed from the inputs; create constants with an input's options (x.options())");
  return tr->value();
}

bool isViewNode(const ir::Node& n) {
  if (n.kind != ir::NodeKind::Call) return false;
  const ir::SchemaInfo* s = ir::lookupSchema(n.op, n.overload);
  if (!s) return false;
  const auto& rets = s->handle.schema().returns();
  return rets.size() == 1 && rets[0].alias_info() && !rets[0].alias_info()->isWrite();
}

/// True when `v` is reached from `base` through view ops only (a metadata-only mutation, e.g. t_()).
bool reachedThroughViews(const ir::Graph& g, ir::ValueId v, ir::ValueId base) {
  while (v != base) {
    const ir::Node& n = g.node(g.value(v).producer);
    if (!isViewNode(n) || n.args.empty() || n.args[0].kind != ir::Arg::Kind::Value) return false;
    v = n.args[0].value;
  }
  return true;
}

const c10::StorageImpl* storageOf(const at::Tensor& t) {
  if (!t.defined() || !t.unsafeGetTensorImpl()->has_storage()) return nullptr;
  return t.unsafeGetTensorImpl()->storage().unsafeGetStorageImpl();
}

void validateInputs(const std::vector<InputDesc>& inputs) {
  for (size_t i = 0; i < inputs.size(); ++i) {
    const InputDesc& in = inputs[i];
    std::string who = "input " + std::to_string(i) + (in.name.empty() ? "" : " ('" + in.name + "')");
    if (!in.example.defined()) fail(kStage, "", who + " has no example tensor", "give every input an example tensor");
    if (in.example.is_sparse() || in.example.is_mkldnn() || in.example.is_quantized())
      fail(kStage, "", who + " has layout " + c10::str(in.example.layout()) + ", which capture does not support",
           "pass a dense (strided) tensor");
    if (in.example.is_complex())
      fail(kStage, "", who + " has complex dtype " + std::string(c10::toString(in.example.scalar_type())) +
                           ", which capture does not support yet",
           "use a real dtype");
    if (in.requires_grad && !c10::isFloatingType(in.example.scalar_type()))
      fail(kStage, "", who + " requires grad but has dtype " + ir::dtypeName(in.example.scalar_type()),
           "only floating-point inputs can require grad");
  }
}

std::string errorText(const c10::Error& e) { return e.what_without_backtrace(); }

/// The hint for an error raised by the model's own code while it runs on trace tensors.
std::string forwardErrorHint(const std::string& what) {
  if (what.find("data is not allocated") != std::string::npos || what.find("data_ptr") != std::string::npos)
    return "the model reads or writes tensor memory directly (at::tensor({...}), data_ptr(), from_blob) inside the "
           "traced function, which trace tensors do not have; build such constants outside the function and pass "
           "them in (or capture them), or create them with factory ops and an input's options";
  return "run the model eagerly with the same inputs to check it; shapes and dtypes come from the input spec";
}

/// Note [One root for backward]: with several differentiable outputs, torch::autograd::grad starts at a GraphRoot
/// that the engine runs on the calling (CPU) thread; it hands the output nodes to the privateuseone device thread
/// one at a time while that thread is already running the first, so the order of backward nodes depended on
/// timing. A single root whose incoming gradient is a trace tensor runs on the device thread itself and queues all
/// output nodes before the first is taken: the order PyTorch's single-threaded CPU engine gives (highest
/// sequence number first), every time.
class TangentRoot final : public torch::autograd::Node {
 public:
  TangentRoot(torch::autograd::edge_list edges, std::vector<at::Tensor> tangents)
      : Node(std::move(edges)), tangents_(std::move(tangents)) {
    add_input_metadata(tangents_.at(0));
  }
  torch::autograd::variable_list apply(torch::autograd::variable_list&&) override {
    // 1.13 does not carry the reapply-views TLS to the engine's threads (libtorch_capture.md, bug 2).
    if (compat::kNeedsReapplyViewsHook) fz::setFunctionalizationReapplyViewsTLS(true);
    return tangents_;
  }
  std::string name() const override { return "TangentRoot"; }

 private:
  std::vector<at::Tensor> tangents_;
};

/// Gradients of `outs` (weighted by `tangents`) with respect to `inputs`, as torch::autograd::grad computes them
/// (undefined where unused), from one TangentRoot.
std::vector<at::Tensor> runBackward(const std::vector<at::Tensor>& outs, const std::vector<at::Tensor>& tangents,
                                    const std::vector<at::Tensor>& inputs) {
  torch::autograd::edge_list root_edges;
  for (const at::Tensor& o : outs) root_edges.push_back(torch::autograd::impl::gradient_edge(o));
  torch::autograd::edge_list output_edges;
  for (const at::Tensor& in : inputs) {
    std::shared_ptr<torch::autograd::Node> fn = in.grad_fn();
    if (!fn) fn = torch::autograd::impl::try_get_grad_accumulator(in);
    if (fn)
      output_edges.emplace_back(fn, fn == in.grad_fn() ? in.output_nr() : 0);
    else
      output_edges.emplace_back(std::make_shared<torch::autograd::Identity>(), 0);
  }
  auto root = std::shared_ptr<TangentRoot>(new TangentRoot(std::move(root_edges), tangents),
                                           torch::autograd::deleteNode);
  return torch::autograd::Engine::get_default_engine().execute({torch::autograd::Edge(root, 0)}, {tangents.at(0)},
                                                               /*keep_graph=*/false, /*create_graph=*/false,
                                                               /*accumulate_grad=*/false, output_edges);
}

/// Reports the autograd node running on the backward thread to the active trace (Note [Backward provenance]).
/// Thread-local callbacks travel with the engine's ThreadLocalState to its device thread.
class BackwardObserver {
 public:
  BackwardObserver()
      : handle_(at::addThreadLocalCallback(
            at::RecordFunctionCallback(&BackwardObserver::start, &BackwardObserver::end)
                .scopes({at::RecordScope::BACKWARD_FUNCTION}))) {}
  ~BackwardObserver() { at::removeCallback(handle_); }
  BackwardObserver(const BackwardObserver&) = delete;
  BackwardObserver& operator=(const BackwardObserver&) = delete;

 private:
  static std::unique_ptr<at::ObserverContext> start(const at::RecordFunction& fn) {
    if (TraceContext* ctx = activeTrace()) {
      std::lock_guard<std::recursive_mutex> lock(ctx->mu);
      ctx->bw_grad_fn = fn.name();
      ctx->bw_seq = static_cast<uint64_t>(fn.seqNr());
      ctx->bw_in_node = true;
    }
    return nullptr;
  }
  static void end(const at::RecordFunction&, at::ObserverContext*) {
    if (TraceContext* ctx = activeTrace()) {
      std::lock_guard<std::recursive_mutex> lock(ctx->mu);
      ctx->bw_in_node = false;
    }
  }
  at::CallbackHandle handle_;
};

}  // namespace

CaptureResult captureGraph(const TracedFn& fn, const std::vector<InputDesc>& inputs, const CaptureOptions& opts) {
  auto t0 = std::chrono::steady_clock::now();
  validateInputs(inputs);
  installTraceBackend();

  TraceContext ctx;
  ctx.mode = opts.mode;
  ctx.inner_device = opts.mode == TraceMode::Fake ? c10::Device(c10::DeviceType::Meta) : c10::Device(c10::DeviceType::CPU);
  ctx.target_device = opts.target_device;
  ActiveTraceGuard active(&ctx);
  ctx.markScope();
  fz::FunctionalizationReapplyViewsGuard reapply_views(true);
  c10::AutoGradMode grad_enabled(true);

  CaptureResult r;
  r.num_primals = inputs.size();

  // 1. Placeholders, wrapped for functionalization; primals that require grad become autograd leaves.
  std::vector<ir::ValueId> placeholder_values;
  std::vector<at::Tensor> primals;
  for (size_t i = 0; i < inputs.size(); ++i) {
    const InputDesc& in = inputs[i];
    ir::Provenance prov{"", "", kStage, ir::Phase::Forward, ""};
    ir::ValueId v;
    {
      std::lock_guard<std::recursive_mutex> lock(ctx.mu);
      v = ctx.graph.addPlaceholder("primals_" + std::to_string(i + 1), ir::InputRole::Primal,
                                   placeholderMeta(in.example, opts, in.requires_grad), prov);
    }
    placeholder_values.push_back(v);
    at::Tensor f = fz::to_functional_tensor(makeTrace(placeholderInner(in.example, opts.mode), &ctx, v));
    if (in.requires_grad) f.requires_grad_(true);
    primals.push_back(f);
  }

  // 2. The forward, with Functionalize in the TLS include set so factory outputs are functional too.
  std::vector<at::Tensor> outs;
  try {
    compat::TlsKeySetGuard functionalize(c10::DispatchKeySet(c10::DispatchKey::Functionalize), {});
    outs = fn(primals);
  } catch (const AotError&) {
    throw;
  } catch (const c10::Error& e) {
    fail(kStage, "", "the model's forward raised an error while being traced: " + errorText(e),
         forwardErrorHint(errorText(e)));
  } catch (const std::exception& e) {
    fail(kStage, "", std::string("the model's forward raised an error while being traced: ") + e.what(),
         forwardErrorHint(e.what()));
  }
  r.num_user_outputs = outs.size();

  // 3. Input mutations (see libtorch_capture.md §2: an input is mutated when its current value is not the
  //    placeholder; metadata-only when the new value is a chain of views of the placeholder).
  std::vector<ir::ValueId> mutated_values;
  r.input_mutations.assign(inputs.size(), MutationKind::None);
  for (size_t i = 0; i < inputs.size(); ++i) {
    ir::ValueId now = traceValueOf(primals[i], "input " + std::to_string(i));
    if (now == placeholder_values[i]) continue;
    r.input_mutations[i] =
        reachedThroughViews(ctx.graph, now, placeholder_values[i]) ? MutationKind::MetadataOnly : MutationKind::Data;
    r.mutated_inputs.push_back(i);
    mutated_values.push_back(now);
  }

  // 4. User outputs: their values, aliasing of inputs (same functional storage), requires_grad.
  std::vector<ir::Arg> user_out_args;
  for (size_t k = 0; k < outs.size(); ++k) {
    const at::Tensor& o = outs[k];
    if (!o.defined()) {
      user_out_args.push_back(ir::Arg::none());
      r.output_aliases_input.push_back(-1);
      r.output_requires_grad.push_back(false);
      continue;
    }
    user_out_args.push_back(ir::Arg::ofValue(traceValueOf(o, "output " + std::to_string(k))));
    int alias = -1;
    for (size_t i = 0; i < primals.size() && alias < 0; ++i)
      if (storageOf(o) && storageOf(o) == storageOf(primals[i])) alias = static_cast<int>(i);
    r.output_aliases_input.push_back(alias);
    r.output_requires_grad.push_back(o.requires_grad());
  }

  // 5. Joint or inference (AOTAutograd's needs_autograd, §3.0): some output requires grad and is not just an
  //    alias of an input.
  bool needs_grad = false;
  for (size_t k = 0; k < outs.size(); ++k)
    needs_grad = needs_grad || (r.output_requires_grad[k] && r.output_aliases_input[k] < 0);
  r.is_joint = needs_grad && !opts.force_inference;

  std::vector<ir::Arg> grad_args;
  if (r.is_joint) {
    // 6. Traced tangents, one per differentiable user output, contiguous like the output.
    std::vector<at::Tensor> diff_outs, tangents;
    for (size_t k = 0; k < outs.size(); ++k) {
      bool has_tangent = r.output_requires_grad[k] && r.output_aliases_input[k] < 0;
      r.output_has_tangent.push_back(has_tangent);
      if (!has_tangent) continue;
      const at::Tensor& o = outs[k];
      ir::TensorMeta m;
      m.sizes = o.sizes().vec();
      m.strides.assign(m.sizes.size(), 1);  // contiguous
      for (size_t d = m.sizes.size(); d-- > 1;) m.strides[d - 1] = m.strides[d] * std::max<int64_t>(m.sizes[d], 1);
      m.dtype = o.scalar_type();
      m.device = opts.target_device;
      ir::ValueId v;
      {
        std::lock_guard<std::recursive_mutex> lock(ctx.mu);
        v = ctx.graph.addPlaceholder("tangents_" + std::to_string(tangents.size() + 1), ir::InputRole::Tangent, m,
                                     ir::Provenance{"", "", kStage, ir::Phase::Backward, ""});
      }
      // Real tangents are ones: uninitialized memory can hold denormals that slow capture ~5x (§4).
      at::Tensor inner = opts.mode == TraceMode::Fake ? at::empty(o.sizes(), o.options().device(at::kMeta))
                                                      : at::ones(o.sizes(), o.options().device(at::kCPU));
      diff_outs.push_back(o);
      tangents.push_back(fz::to_functional_tensor(makeTrace(inner, &ctx, v)));
    }
    r.num_tangents = tangents.size();
    std::vector<at::Tensor> grad_inputs;
    for (size_t i = 0; i < inputs.size(); ++i)
      if (inputs[i].requires_grad) grad_inputs.push_back(primals[i]);

    // 7. Backward through the real autograd engine. Note [Backward on the device thread]: trace tensors report
    //    privateuseone:0, so the engine runs backward on its device thread; the graph pointer reaches it through
    //    ThreadLocalDebugInfo. Note [One root for backward] explains TangentRoot; BackwardObserver attributes each
    //    backward node to its autograd node (Note [Backward provenance]).
    {
      std::lock_guard<std::recursive_mutex> lock(ctx.mu);
      ctx.phase = ir::Phase::Backward;
      ctx.scope_stack.clear();
    }
    std::vector<at::Tensor> grads;
    try {
      compat::TlsKeySetGuard functionalize(c10::DispatchKeySet(c10::DispatchKey::Functionalize), {});
      BackwardObserver observer;
      grads = runBackward(diff_outs, tangents, grad_inputs);
    } catch (const AotError&) {
      throw;
    } catch (const c10::Error& e) {
      fail(kStage, "", "backward failed while being traced: " + errorText(e),
           "check that the model's backward works eagerly for these inputs");
    }
    size_t g = 0;
    for (size_t i = 0; i < inputs.size(); ++i) {
      if (!inputs[i].requires_grad) {
        grad_args.push_back(ir::Arg::none());
        continue;
      }
      const at::Tensor& gi = grads.at(g++);
      grad_args.push_back(gi.defined() ? ir::Arg::ofValue(traceValueOf(gi, "gradient " + std::to_string(i)))
                                       : ir::Arg::none());
    }
  } else {
    r.output_has_tangent.assign(outs.size(), false);
  }

  // 8. Outputs in AOTAutograd's order, placeholders first, FX names, DCE.
  std::lock_guard<std::recursive_mutex> lock(ctx.mu);
  ir::Graph& g = ctx.graph;
  std::vector<ir::Arg> out_args;
  for (ir::ValueId v : mutated_values) out_args.push_back(ir::Arg::ofValue(v));
  out_args.insert(out_args.end(), user_out_args.begin(), user_out_args.end());
  out_args.insert(out_args.end(), grad_args.begin(), grad_args.end());
  g.setOutputs(std::move(out_args));
  std::stable_partition(g.nodes.begin(), g.nodes.end(),
                        [](const ir::Node& n) { return n.kind == ir::NodeKind::Placeholder; });
  g.compact();
  if (!r.is_joint) {
    // Forward-only graphs are traced from (*args): placeholders arg0_1, arg1_1, … (§3.1 point 6).
    size_t i = 0;
    for (ir::Node& n : g.nodes)
      if (n.kind == ir::NodeKind::Placeholder) {
        n.name = "arg" + std::to_string(i++) + "_1";
        n.role = ir::InputRole::Arg;
        g.value(n.outputs[0]).name = n.name;
      }
  }
  g.assignNames();
  r.ops_recorded = ctx.ops_recorded;
  if (opts.dce) r.dead_nodes_removed = ir::eliminateDeadCode(g);
  auto problems = ir::verify(g);
  if (!problems.empty()) internalError("captured graph fails verification: " + problems.front().format());
  r.graph = std::move(g);
  r.warnings = ctx.warnings;
  r.cpu_fallbacks = ctx.cpu_fallbacks;
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return r;
}

at::Tensor wrappedNumber(double v) {
  at::Tensor t = at::scalar_tensor(v, at::kDouble);
  t.unsafeGetTensorImpl()->set_wrapped_number(true);
  return t;
}

at::Tensor wrappedNumber(int64_t v) {
  at::Tensor t = at::scalar_tensor(v, at::kLong);
  t.unsafeGetTensorImpl()->set_wrapped_number(true);
  return t;
}

// ---------------------------------------------------------------------------------------------- scopes

ScopeGuard::ScopeGuard(std::string name) : ctx_(activeTrace()) {
  if (!ctx_) return;
  std::lock_guard<std::recursive_mutex> lock(ctx_->mu);
  ctx_->scope_stack.push_back(std::move(name));
  ctx_->markScope();
}

ScopeGuard::~ScopeGuard() {
  if (!ctx_) return;
  std::lock_guard<std::recursive_mutex> lock(ctx_->mu);
  if (!ctx_->scope_stack.empty()) ctx_->scope_stack.pop_back();
  ctx_->markScope();
}

SourceGuard::SourceGuard(std::string source) : ctx_(activeTrace()) {
  if (!ctx_) return;
  std::lock_guard<std::recursive_mutex> lock(ctx_->mu);
  saved_ = std::move(ctx_->source);
  ctx_->source = std::move(source);
  ctx_->markScope();
}

SourceGuard::~SourceGuard() {
  if (!ctx_) return;
  std::lock_guard<std::recursive_mutex> lock(ctx_->mu);
  ctx_->source = std::move(saved_);
  ctx_->markScope();
}

}  // namespace aotviz::capture
