// core/capture/capture.cpp — the capture driver: placeholders → functionalized forward → traced tangents →
// the real autograd engine → graph outputs. See Note [Capture calling convention] in capture.h.
#include "core/capture/capture.h"

#include <ATen/FunctionalTensorWrapper.h>
#include <c10/core/impl/LocalDispatchKeySet.h>
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
#include <map>

#include "core/ir/dce.h"
#include "core/ir/op_registry.h"
#include "core/ir/verify.h"
#include "core/util/diagnostic.h"

namespace aotviz::capture {

namespace fz = at::functionalization::impl;

namespace {

constexpr const char* kStage = "capture";

void validateInputs(const std::vector<InputDesc>& inputs) {
  for (size_t i = 0; i < inputs.size(); ++i) {
    const InputDesc& in = inputs[i];
    std::string who = "input " + std::to_string(i) + (in.name.empty() ? "" : " ('" + in.name + "')");
    if (!in.example.defined()) fail("inputs", "", who + " has no example tensor", "give every input an example tensor");
    if (in.example.is_sparse() || in.example.is_mkldnn() || in.example.is_quantized())
      fail("inputs", "", who + " has layout " + c10::str(in.example.layout()) + ", which capture does not support",
           "pass a dense (strided) tensor");
    if (in.example.is_complex())
      fail("inputs", "", who + " has complex dtype " + std::string(c10::toString(in.example.scalar_type())) +
                           ", which capture does not support yet",
           "use a real dtype");
    if (in.requires_grad && !c10::isFloatingType(in.example.scalar_type()))
      fail("inputs", "", who + " requires grad but has dtype " + ir::dtypeName(in.example.scalar_type()),
           "only floating-point inputs can require grad");
  }
}

std::string errorText(const c10::Error& e) { return e.what_without_backtrace(); }

}  // namespace

std::string forwardErrorHint(const std::string& what) {
  if (what.find("data is not allocated") != std::string::npos || what.find("data_ptr") != std::string::npos)
    return "the model reads or writes tensor memory directly (at::tensor({...}), data_ptr(), from_blob) inside the "
           "traced function, which trace tensors do not have; build such constants outside the function and pass "
           "them in (or capture them), or create them with factory ops and an input's options";
  return "run the model eagerly with the same inputs to check it; shapes and dtypes come from the input spec";
}

namespace {

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
  torch::autograd::variable_list apply(torch::autograd::variable_list&&) override { return tangents_; }
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

CaptureResult traceJoint(const TracedFn& fn, const std::vector<InputDesc>& inputs, const meta::ViewAndMutationMeta& m,
                         bool is_joint, const CaptureOptions& opts) {
  TraceContext ctx;
  ctx.mode = opts.mode;
  ctx.inner_device = opts.mode == TraceMode::Fake ? c10::Device(c10::DeviceType::Meta) : c10::Device(c10::DeviceType::CPU);
  ctx.target_device = opts.target_device;
  ActiveTraceGuard active(&ctx);
  ctx.markScope();
  fz::FunctionalizationReapplyViewsGuard reapply_views(true);
  c10::AutoGradMode grad_mode(opts.grad_enabled);

  CaptureResult r;
  r.is_joint = is_joint;
  r.num_primals = inputs.size();

  // 1. Placeholders, wrapped for functionalization; primals that require grad are leaves or not as the inputs are.
  std::vector<TracedPlaceholder> ph;
  std::vector<at::Tensor> primals;
  for (size_t i = 0; i < inputs.size(); ++i) {
    ph.push_back(addTracedPlaceholder(ctx, "primals_" + std::to_string(i + 1), ir::InputRole::Primal,
                                      inputs[i].example, inputs[i].requires_grad, ir::Phase::Forward,
                                      inputs[i].is_leaf));
    primals.push_back(ph.back().functional);
  }

  // 2. The forward, with Functionalize in the TLS include set so factory outputs are functional too. Inputs mutated
  //    outside the graph are first replaced by fresh tensors (maybe_to_fresh_input) so that autograd differentiates
  //    with respect to the value before the mutation: a clone when the data is mutated and grad is required, a view
  //    when only metadata is.
  const std::vector<size_t> runtime_mutated = m.mutatedInpRuntimeIndices();
  std::vector<at::Tensor> args = primals;
  std::vector<at::Tensor> outs;
  try {
    c10::impl::IncludeDispatchKeyGuard functionalize(c10::DispatchKey::Functionalize);
    if (is_joint)
      for (size_t i : runtime_mutated) {
        const meta::InputAliasInfo& info = m.input_info[i];
        if (info.requires_grad && info.mutates_data) args[i] = primals[i].clone();
        else if (info.mutates_metadata) args[i] = primals[i].view(primals[i].sizes());
      }
    outs = fn(args);
  } catch (const AotError&) {
    throw;
  } catch (const c10::Error& e) {
    failModelError(kStage, errorText(e));
  } catch (const std::exception& e) {
    failModelError(kStage, e.what());
  }
  if (c10::GradMode::is_enabled() != opts.grad_enabled) c10::GradMode::set_enabled(opts.grad_enabled);
  if (outs.size() != m.output_info.size())
    internalError("the model returned " + std::to_string(outs.size()) + " outputs, but " +
                  std::to_string(m.output_info.size()) + " in the metadata run");
  r.num_user_outputs = outs.size();
  r.mutated_inputs = runtime_mutated;

  // 3. Forward outputs: [mutated inputs (out of graph), user outputs, intermediate bases (joint only)].
  std::vector<at::Tensor> fw_outs;
  for (size_t i : runtime_mutated) fw_outs.push_back(args[i]);
  fw_outs.insert(fw_outs.end(), outs.begin(), outs.end());
  if (is_joint)
    for (size_t k = 0; k < outs.size(); ++k)
      if (m.output_info[k].output_type == meta::OutputType::AliasOfIntermediateSaveAsOutput)
        fw_outs.push_back(at::Tensor(outs[k]._base()));
  r.num_intermediate_bases = fw_outs.size() - runtime_mutated.size() - outs.size();
  std::vector<ir::Arg> fw_out_args;
  for (size_t k = 0; k < fw_outs.size(); ++k)
    fw_out_args.push_back(fw_outs[k].defined()
                              ? ir::Arg::ofValue(traceValueOf(fw_outs[k], "forward output " + std::to_string(k), kStage))
                              : ir::Arg::none());

  std::vector<ir::Arg> grad_args;
  if (is_joint) {
    // 4. Traced tangents, per the tangent mask, contiguous like their output.
    const std::vector<bool> mask = m.tangentMask();
    if (mask.size() != fw_outs.size()) internalError("tangent mask and forward outputs differ in length");
    std::vector<at::Tensor> diff_outs, tangents;
    for (size_t k = 0; k < fw_outs.size(); ++k) {
      if (!mask[k]) continue;
      const at::Tensor& o = fw_outs[k];
      ir::TensorMeta tm;
      tm.sizes = o.sizes().vec();
      tm.strides.assign(tm.sizes.size(), 1);  // contiguous
      for (size_t d = tm.sizes.size(); d-- > 1;) tm.strides[d - 1] = tm.strides[d] * std::max<int64_t>(tm.sizes[d], 1);
      tm.dtype = o.scalar_type();
      tm.device = opts.target_device;
      ir::ValueId v;
      {
        std::lock_guard<std::recursive_mutex> lock(ctx.mu);
        v = ctx.graph.addPlaceholder("tangents_" + std::to_string(r.num_tangents + 1), ir::InputRole::Tangent, tm,
                                     ir::Provenance{"", "", kStage, ir::Phase::Backward, ""});
      }
      ++r.num_tangents;
      if (!o.requires_grad()) continue;  // a tangent nobody differentiates against still is an input
      // Real tangents are ones: uninitialized memory can hold denormals that slow capture ~5x (§4).
      at::Tensor inner = opts.mode == TraceMode::Fake ? at::empty(o.sizes(), o.options().device(at::kMeta))
                                                      : at::ones(o.sizes(), o.options().device(at::kCPU));
      diff_outs.push_back(o);
      tangents.push_back(fz::to_functional_tensor(makeTrace(inner, &ctx, v)));
    }
    const size_t user_begin = runtime_mutated.size();
    r.output_has_tangent.assign(mask.begin() + static_cast<std::ptrdiff_t>(user_begin),
                                mask.begin() + static_cast<std::ptrdiff_t>(user_begin + outs.size()));
    // Gradients for the primals that require grad now (the model may have called requires_grad_ on one).
    std::vector<at::Tensor> grad_inputs;
    for (size_t i = 0; i < inputs.size(); ++i)
      if (primals[i].requires_grad()) grad_inputs.push_back(primals[i]);

    // 5. Backward through the real autograd engine. Note [Backward on the device thread]: trace tensors report
    //    privateuseone:0, so the engine runs backward on its device thread; the graph pointer reaches it through
    //    ThreadLocalDebugInfo. Note [One root for backward] explains TangentRoot; BackwardObserver attributes each
    //    backward node to its autograd node (Note [Backward provenance]).
    {
      std::lock_guard<std::recursive_mutex> lock(ctx.mu);
      ctx.phase = ir::Phase::Backward;
      ctx.scope_stack.clear();
    }
    std::vector<at::Tensor> grads(grad_inputs.size());
    if (!diff_outs.empty() && !grad_inputs.empty()) {
      try {
        c10::impl::IncludeDispatchKeyGuard functionalize(c10::DispatchKey::Functionalize);
        BackwardObserver observer;
        grads = runBackward(diff_outs, tangents, grad_inputs);
      } catch (const AotError&) {
        throw;
      } catch (const c10::Error& e) {
        fail(kStage, "", "backward failed while being traced: " + errorText(e),
             "check that the model's backward works eagerly for these inputs");
      }
    }
    size_t g = 0;
    for (size_t i = 0; i < inputs.size(); ++i) {
      if (!primals[i].requires_grad()) {
        grad_args.push_back(ir::Arg::none());
        continue;
      }
      const at::Tensor& gi = grads.at(g++);
      grad_args.push_back(gi.defined() ? ir::Arg::ofValue(traceValueOf(gi, "gradient " + std::to_string(i), kStage))
                                       : ir::Arg::none());
    }
  } else {
    r.output_has_tangent.assign(outs.size(), false);
  }

  // 6. Mutations kept in the graph: copy_ into the primal at the end of the graph, part of the forward
  //    (apply_in_graph_mutations; PyTorch tags them must_be_in_forward).
  std::map<size_t, ir::ValueId> copied;
  {
    std::lock_guard<std::recursive_mutex> lock(ctx.mu);
    ctx.phase = ir::Phase::Forward;
    ctx.scope_stack.clear();
  }
  for (size_t i : m.mutatedGraphHandledIndices()) {
    if (!m.input_info[i].mutates_data) continue;
    if (traceValueOf(primals[i], "input " + std::to_string(i), kStage) == ph[i].value) continue;
    at::Tensor updated = fz::from_functional_tensor(primals[i]);
    c10::NoGradGuard no_grad;
    c10::impl::ExcludeDispatchKeyGuard plain(c10::DispatchKey::Functionalize);
    ph[i].trace.copy_(updated);
    copied[i] = asTrace(ph[i].trace)->value();
  }
  // An output that is a mutated-in-graph input returns the copy_ (AOTAutograd returns the input placeholder).
  for (size_t k = 0; k < outs.size(); ++k) {
    const meta::OutputAliasInfo& o = m.output_info[k];
    if (o.output_type != meta::OutputType::IsInput) continue;
    auto c = copied.find(static_cast<size_t>(o.base_idx));
    if (c != copied.end()) fw_out_args[runtime_mutated.size() + k] = ir::Arg::ofValue(c->second);
  }

  // 7. Outputs in AOTAutograd's order, placeholders first, FX names, DCE.
  std::lock_guard<std::recursive_mutex> lock(ctx.mu);
  ir::Graph& g = ctx.graph;
  std::vector<ir::Arg> out_args = fw_out_args;
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
  r.meta = m;
  r.graph_inputs = inputs;
  r.warnings = ctx.warnings;
  r.cpu_fallbacks = ctx.cpu_fallbacks;
  r.cpu_fallbacks_replayed = ctx.cpu_fallbacks_replayed;
  return r;
}

void failModelError(const std::string& stage, const std::string& what) {
  fail(stage, "", "the model's forward raised an error while being traced: " + what, forwardErrorHint(what));
}

void prepareCapture(const std::vector<InputDesc>& inputs) {
  validateInputs(inputs);
  installTraceBackend();
}

meta::MetadataOptions metadataOptions(const CaptureOptions& opts) {
  meta::MetadataOptions mo;
  mo.mode = opts.mode;
  mo.target_device = opts.target_device;
  mo.keep_input_mutations = opts.keep_input_mutations;
  mo.grad_enabled = opts.grad_enabled;
  return mo;
}

CaptureResult captureGraph(const TracedFn& fn, const std::vector<InputDesc>& inputs, const CaptureOptions& opts) {
  auto t0 = std::chrono::steady_clock::now();
  prepareCapture(inputs);
  const meta::MetadataOptions mo = metadataOptions(opts);
  // metadata → dedupe → synthetic_base → joint (spec §1.2 S1–S2). Training or inference is decided on the user
  // function's metadata, before the wrappers, as create_aot_state does.
  meta::ViewAndMutationMeta user_meta = meta::collectMetadata(fn, inputs, mo);
  const bool is_joint = user_meta.is_train && !opts.force_inference;
  meta::DedupeResult dedupe = meta::dedupeInputs(fn, inputs, user_meta, mo);
  meta::SyntheticBaseResult synthetic = meta::mergeViewInputs(dedupe.fn, dedupe.inputs, dedupe.meta, !is_joint, mo);
  CaptureResult r = traceJoint(synthetic.fn, synthetic.inputs, synthetic.meta, is_joint, opts);
  r.user_meta = std::move(user_meta);
  r.dedupe = std::move(dedupe);
  r.synthetic_base = std::move(synthetic);
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
