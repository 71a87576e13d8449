// core/metadata/collect_metadata.cpp — the metadata stage. Rules: ../shared/reference/aot_autograd_spec.md §2.3
// (inputs), §2.4 (outputs), §3.0 (training or inference).
#include "core/metadata/collect_metadata.h"

#include <ATen/FunctionalTensorWrapper.h>
#include <c10/core/impl/LocalDispatchKeySet.h>
#include <ATen/record_function.h>
#include <c10/core/GradMode.h>
#include <c10/core/InferenceMode.h>
#include <torch/csrc/autograd/function.h>

#include <map>
#include <tuple>
#include <typeinfo>

#include "core/capture/capture.h"
#include "core/capture/written_args.h"
#include "core/ir/op_registry.h"
#include "core/util/diagnostic.h"

namespace aotviz::meta {

namespace fz = at::functionalization::impl;
using capture::storageOf;

namespace {

constexpr const char* kStage = "metadata";

struct LoggedMutation {
  const c10::StorageImpl* storage;
  MutationRecord record;
};

/// Logs every operator call that writes a functional tensor: the `mutations` of an input, shown by the app and
/// meta.json (which op mutated it, under which grad mode). The mutation fields themselves come from the wrapper.
class MutationObserver {
 public:
  MutationObserver() {
    active_ = this;
    handle_ = at::addThreadLocalCallback(
        at::RecordFunctionCallback(&MutationObserver::start).needsInputs(true).scopes({at::RecordScope::FUNCTION}));
  }
  ~MutationObserver() {
    at::removeCallback(handle_);
    active_ = nullptr;
  }
  MutationObserver(const MutationObserver&) = delete;
  MutationObserver& operator=(const MutationObserver&) = delete;

  std::vector<LoggedMutation> log;

 private:
  static std::unique_ptr<at::ObserverContext> start(const at::RecordFunction& fn) {
    MutationObserver* self = active_;
    if (!self) return nullptr;
    auto opname = fn.operator_name();
    if (!opname) return nullptr;
    const capture::OpWrites& op = capture::opWrites(*opname);
    if (op.written.empty()) return nullptr;
    // Functional tensors only: ops below functionalization act on inner tensors.
    for (const at::Tensor& t : capture::writtenFunctionalTensors(fn, op.written))
      self->log.push_back({storageOf(t), MutationRecord{op.name, c10::GradMode::is_enabled(),
                                                         c10::InferenceMode::is_enabled(), op.inplace_view}});
    return nullptr;
  }

  static thread_local MutationObserver* active_;
  at::CallbackHandle handle_;
};

thread_local MutationObserver* MutationObserver::active_ = nullptr;

/// True when the value is one output of a view op returning several views (unbind, split, chunk).
bool isMultiOutputView(const ir::Graph& g, ir::ValueId v) {
  const ir::Node& n = g.node(g.value(v).producer);
  if (n.kind != ir::NodeKind::Call || !n.list_output) return false;
  const ir::SchemaInfo* s = ir::lookupSchema(n.op, n.overload);
  if (!s) return false;
  const auto& rets = s->handle.schema().returns();
  return rets.size() == 1 && rets[0].alias_info() && !rets[0].alias_info()->isWrite();
}

/// A custom autograd::Function's node (C++ CppNode<T>; Python functions are not traced by aotviz).
bool isCustomFunctionNode(const std::shared_ptr<torch::autograd::Node>& fn) {
  if (!fn) return false;
  const torch::autograd::Node& n = *fn;
  return std::string(typeid(n).name()).find("CppNode") != std::string::npos;
}

using MetadataKey = std::tuple<std::vector<int64_t>, std::vector<int64_t>, int64_t, int, bool, bool>;
MetadataKey metadataKey(const at::Tensor& t) {
  return {t.sizes().vec(), t.strides().vec(), t.storage_offset(), static_cast<int>(t.layout()), t.is_conj(),
          t.is_neg()};
}

}  // namespace

ViewAndMutationMeta collectMetadata(const capture::TracedFn& fn, const std::vector<capture::InputDesc>& inputs,
                                    const MetadataOptions& opts) {
  capture::installTraceBackend();
  capture::TraceContext ctx;
  ctx.mode = opts.mode;
  ctx.inner_device = opts.mode == capture::TraceMode::Fake ? c10::Device(c10::DeviceType::Meta)
                                                           : c10::Device(c10::DeviceType::CPU);
  ctx.target_device = opts.target_device;
  ctx.stage = kStage;
  capture::ActiveTraceGuard active(&ctx);
  fz::FunctionalizationReapplyViewsGuard reapply_views(true);
  c10::AutoGradMode grad_mode(opts.grad_enabled);

  // 1. One functional tensor per distinct input tensor: the same tensor passed twice stays one object (to_fun is
  //    memoised in PyTorch); tensors that merely share memory are independent here, as in PyTorch.
  std::vector<at::Tensor> args;
  std::vector<at::Tensor> originals;  // the pre-run wrappers (for is_input and requires_grad after the run)
  std::map<const c10::TensorImpl*, size_t> first_use;
  for (size_t i = 0; i < inputs.size(); ++i) {
    const capture::InputDesc& in = inputs[i];
    auto dup = first_use.find(in.example.unsafeGetTensorImpl());
    if (dup != first_use.end()) {
      args.push_back(args[dup->second]);
      continue;
    }
    first_use[in.example.unsafeGetTensorImpl()] = i;
    args.push_back(capture::addTracedPlaceholder(ctx, "arg" + std::to_string(i) + "_1", ir::InputRole::Arg, in.example,
                                                 in.requires_grad, ir::Phase::Forward, in.is_leaf)
                       .functional);
  }
  std::vector<std::vector<int64_t>> sizes_before, strides_before;
  std::vector<int64_t> offsets_before;
  for (const at::Tensor& a : args) {
    sizes_before.push_back(a.sizes().vec());
    strides_before.push_back(a.strides().vec());
    offsets_before.push_back(a.storage_offset());
  }

  // 2. Run once.
  MutationObserver observer;
  std::vector<at::Tensor> outs;
  try {
    c10::impl::IncludeDispatchKeyGuard functionalize(c10::DispatchKey::Functionalize);
    outs = fn(args);
  } catch (const AotError& e) {
    if (!e.diagnostic().stage.empty()) throw;
    Diagnostic d = e.diagnostic();  // the model's own error, reported by its importer without a stage
    d.stage = kStage;
    throw AotError(d);
  } catch (const c10::Error& e) {
    capture::failModelError(kStage, e.what_without_backtrace());
  } catch (const std::exception& e) {
    capture::failModelError(kStage, e.what());
  }

  ViewAndMutationMeta m;
  m.keep_input_mutations = opts.keep_input_mutations;
  m.grad_enabled = opts.grad_enabled;
  if (c10::GradMode::is_enabled() != opts.grad_enabled) {
    m.grad_enabled_mutation = c10::GradMode::is_enabled() ? 1 : 0;
    c10::GradMode::set_enabled(opts.grad_enabled);
  }

  // 3. Inputs (§2.3).
  for (size_t i = 0; i < args.size(); ++i) {
    const at::Tensor& a = args[i];
    fz::sync(a);
    InputAliasInfo info;
    info.is_leaf = !inputs[i].requires_grad || inputs[i].is_leaf;
    const c10::StorageImpl* storage = storageOf(a);
    for (const LoggedMutation& lm : observer.log)
      if (lm.storage == storage) info.mutations.push_back(lm.record);
    // PyTorch's own queries on the functional wrapper (functional_utils.py has_data_mutation,
    // has_metadata_mutation, are_all_mutations_*): the wrapper flags a metadata mutation when an in-place view op
    // ran, and as there only a net change of size, stride or offset counts (`t_()` twice is none).
    at::FunctionalTensorWrapper* w = fz::unsafeGetFunctionalWrapper(a);
    info.mutates_storage_metadata = w->was_storage_changed();  // never true: the tracer refuses set_ (no storage)
    info.mutates_metadata = info.mutates_storage_metadata ||
                            (w->has_metadata_mutation() && (a.sizes().vec() != sizes_before[i] ||
                                                            a.strides().vec() != strides_before[i] ||
                                                            a.storage_offset() != offsets_before[i]));
    info.mutates_data = w->has_data_mutation() && !info.mutates_storage_metadata;
    info.mutations_hidden_from_autograd = fz::are_all_mutations_hidden_from_autograd(a);
    info.mutations_under_no_grad_or_inference_mode =
        info.mutates_data && fz::are_all_mutations_under_no_grad_or_inference_mode(a);
    info.mutation_inductor_storage_resize = w->was_inductor_storage_resized();
    info.requires_grad = a.requires_grad();
    info.keep_input_mutations = opts.keep_input_mutations;
    assignMutationType(info, i);
    m.input_info.push_back(std::move(info));
  }

  // 4. Outputs (§2.4).
  std::map<const c10::StorageImpl*, size_t> inp_storage_refs;  // last input on a storage wins
  std::map<const c10::TensorImpl*, size_t> inp_tensor_ids;
  for (size_t i = 0; i < args.size(); ++i) {
    inp_storage_refs[storageOf(args[i])] = i;
    inp_tensor_ids[args[i].unsafeGetTensorImpl()] = i;
  }
  std::map<const c10::StorageImpl*, size_t> alias_counts, multi_output_views;
  std::map<const c10::StorageImpl*, std::map<MetadataKey, std::vector<size_t>>> grad_outs_by_key;
  std::map<const c10::TensorImpl*, size_t> out_tensor_ids;  // last wins
  std::vector<bool> multi_view(outs.size(), false);
  for (size_t k = 0; k < outs.size(); ++k) {
    const at::Tensor& o = outs[k];
    if (!o.defined()) continue;
    ir::ValueId v = capture::traceValueOf(o, "output " + std::to_string(k), kStage);
    const c10::StorageImpl* s = storageOf(o);
    alias_counts[s]++;
    {
      std::lock_guard<std::recursive_mutex> lock(ctx.mu);
      multi_view[k] = isMultiOutputView(ctx.graph, v);
    }
    if (multi_view[k]) multi_output_views[s]++;
    if (o.requires_grad()) grad_outs_by_key[s][metadataKey(o)].push_back(k);
    out_tensor_ids[o.unsafeGetTensorImpl()] = k;
  }
  std::map<const c10::TensorImpl*, int> intermediate_base_ids;
  for (size_t k = 0; k < outs.size(); ++k) {
    const at::Tensor& o = outs[k];
    OutputAliasInfo info;
    if (!o.defined()) {
      info.is_tensor = false;
      m.output_info.push_back(info);
      continue;
    }
    info.sizes = o.sizes().vec();
    info.strides = o.strides().vec();
    info.storage_offset = o.storage_offset();
    info.requires_grad = o.requires_grad();
    const bool is_view = o.is_view();
    info.requires_grad_for_backward = o.requires_grad() && (!is_view || o.grad_fn() != nullptr);
    const c10::StorageImpl* s = storageOf(o);
    auto inp = inp_storage_refs.find(s);
    const size_t not_multi = alias_counts[s] - multi_output_views[s];
    if (inp != inp_storage_refs.end() && isCustomFunctionNode(o.grad_fn())) {
      info.output_type = OutputType::CustomFunctionView;
    } else if (inp != inp_storage_refs.end()) {
      info.base_idx = static_cast<int>(inp->second);
      if (o.grad_fn() && not_multi == 0) {
        info.output_type = OutputType::NonAlias;  // aliasing hidden from autograd (multi-output views)
        info.base_idx = -1;
      } else if (inp_tensor_ids.count(o.unsafeGetTensorImpl())) {
        info.output_type = OutputType::IsInput;
      } else {
        info.output_type = OutputType::AliasOfInput;
      }
    } else if (is_view && o.requires_grad() && o._base().requires_grad()) {
      const at::TensorBase& base = o._base();
      if (alias_counts[s] == 1 || not_multi <= 1) {
        info.output_type = OutputType::UnsafeViewAlias;  // Note [Intermediate Bases Optimization]
      } else if (out_tensor_ids.count(base.unsafeGetTensorImpl())) {
        info.output_type = OutputType::AliasOfIntermediateBaseIsUserOutput;
        info.base_idx = static_cast<int>(out_tensor_ids[base.unsafeGetTensorImpl()]);
      } else if (intermediate_base_ids.count(base.unsafeGetTensorImpl())) {
        info.output_type = OutputType::AliasOfIntermediate;
        info.base_idx = intermediate_base_ids[base.unsafeGetTensorImpl()];
      } else {
        info.output_type = OutputType::AliasOfIntermediateSaveAsOutput;
        info.base_idx = m.num_intermediate_bases++;
        intermediate_base_ids[base.unsafeGetTensorImpl()] = info.base_idx;
      }
    } else {
      // `return out, out.detach()`: regenerate the detached alias from the output that requires grad.
      int same = -1;
      if (alias_counts[s] > 1 && !o.requires_grad()) {
        auto bys = grad_outs_by_key.find(s);
        if (bys != grad_outs_by_key.end()) {
          auto byk = bys->second.find(metadataKey(o));
          if (byk != bys->second.end())
            for (size_t other : byk->second)
              if (outs[other].unsafeGetTensorImpl() != o.unsafeGetTensorImpl()) {
                same = static_cast<int>(other);
                break;
              }
        }
      }
      if (same >= 0) {
        info.output_type = OutputType::AliasOfIntermediateBaseIsUserOutput;
        info.base_idx = static_cast<int>(out_tensor_ids[outs[same].unsafeGetTensorImpl()]);
      }
    }
    m.output_info.push_back(info);
  }

  // 5. Training or inference (§3.0).
  bool any_input_requires_grad = false;
  for (const auto& in : inputs) any_input_requires_grad = any_input_requires_grad || in.requires_grad;
  bool output_needs_grad = false;
  for (const auto& o : m.output_info) {
    if (!o.requires_grad) continue;
    const bool input_alias = o.output_type == OutputType::AliasOfInput || o.output_type == OutputType::IsInput;
    if (input_alias && m.input_info[static_cast<size_t>(o.base_idx)].requires_grad) continue;
    output_needs_grad = true;
  }
  bool mutation_needs_grad = false;
  for (const auto& i : m.input_info)
    mutation_needs_grad = mutation_needs_grad || (i.requires_grad && i.mutates_data &&
                                                  !i.mutations_under_no_grad_or_inference_mode &&
                                                  !i.mutations_hidden_from_autograd);
  m.is_train = any_input_requires_grad && (output_needs_grad || mutation_needs_grad);
  return m;
}

}  // namespace aotviz::meta
