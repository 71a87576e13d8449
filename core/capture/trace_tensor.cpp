// core/capture/trace_tensor.cpp — TraceTensorImpl, the boxed tracing fallback and its registration.
//
// [SECTION] TraceTensorImpl
// [SECTION] Active trace (ThreadLocalDebugInfo)
// [SECTION] Argument conversion
// [SECTION] Inner execution (meta, CPU stand-ins)
// [SECTION] The fallback
// [SECTION] Registration
#include "core/capture/trace_tensor.h"

#include <ATen/Dispatch.h>
#include <ATen/FunctionalTensorWrapper.h>
#include <ATen/SequenceNumber.h>
#include <ATen/core/dispatch/Dispatcher.h>
#include <ATen/core/enum_tag.h>
#include <ATen/ops/empty_strided.h>
#include <ATen/ops/zeros.h>
#include <c10/core/impl/DeviceGuardImplInterface.h>
#include <c10/util/ThreadLocalDebugInfo.h>
#include <torch/csrc/autograd/function.h>
#include <torch/csrc/autograd/functions/basic_ops.h>
#include <torch/csrc/autograd/variable.h>
#include <torch/library.h>

#include <algorithm>
#include <mutex>
#include <unordered_map>
#include <unordered_set>

#include "core/capture/key_set_guard.h"
#include "core/capture/python_decompositions.h"
#include "core/capture/trace_accelerator.h"
#include "core/ir/op_registry.h"
#include "core/util/diagnostic.h"

namespace aotviz::capture {

// ============================================================================================ [SECTION] TraceTensorImpl

std::string TraceContext::currentScope() const {
  std::string s;
  for (const auto& part : scope_stack) {
    if (part.empty()) continue;
    if (!s.empty()) s += ".";
    s += part;
  }
  return s;
}

void TraceContext::markScope() {
  if (phase != ir::Phase::Forward) return;
  uint64_t seq = at::sequence_number::peek();
  if (!scope_marks.empty() && scope_marks.back().seq == seq) scope_marks.pop_back();
  scope_marks.push_back({seq, currentScope(), source});
}

ir::Provenance TraceContext::provenance() const {
  if (phase == ir::Phase::Forward) return ir::Provenance{currentScope(), source, stage, phase, ""};
  ir::Provenance p{"", "", stage, phase, bw_in_node ? bw_grad_fn : ""};
  if (bw_grad_fn.empty()) return p;
  auto it = std::upper_bound(scope_marks.begin(), scope_marks.end(), bw_seq,
                             [](uint64_t seq, const ScopeMark& m) { return seq < m.seq; });
  if (it != scope_marks.begin()) {
    --it;
    p.scope = it->scope;
    p.source = it->source;
  }
  return p;
}

TraceTensorImpl::TraceTensorImpl(at::Tensor inner, TraceContext* ctx, ir::ValueId value)
    : c10::TensorImpl(c10::DispatchKeySet(c10::DispatchKey::PrivateUse1), inner.dtype(), traceDevice()),
      inner_(std::move(inner)),
      ctx_(ctx),
      value_(value) {
  refreshMetadata();
}

void TraceTensorImpl::refreshMetadata() {
  set_sizes_and_strides(inner_.sizes(), inner_.strides());
  set_storage_offset(inner_.storage_offset());
}

void TraceTensorImpl::rebind(at::Tensor inner, ir::ValueId value) {
  inner_ = std::move(inner);
  value_ = value;
  refreshMetadata();
}

c10::intrusive_ptr<c10::TensorImpl> TraceTensorImpl::shallow_copy_and_detach(
    const c10::VariableVersion& version_counter, bool allow_tensor_metadata_change) const {
  auto impl = c10::make_intrusive<TraceTensorImpl>(inner_, ctx_, value_);
  copy_tensor_metadata(this, impl.get(), version_counter, allow_tensor_metadata_change);
  return impl;
}

c10::intrusive_ptr<c10::TensorImpl> TraceTensorImpl::shallow_copy_and_detach(
    c10::VariableVersion&& version_counter, bool allow_tensor_metadata_change) const {
  auto impl = c10::make_intrusive<TraceTensorImpl>(inner_, ctx_, value_);
  copy_tensor_metadata(this, impl.get(), std::move(version_counter), allow_tensor_metadata_change);
  return impl;
}

void TraceTensorImpl::shallow_copy_from(const c10::intrusive_ptr<c10::TensorImpl>& impl) {
  auto* other = dynamic_cast<TraceTensorImpl*>(impl.get());
  AOTVIZ_INTERNAL_ASSERT(other, "shallow_copy_from a non-trace tensor into a trace tensor");
  copy_tensor_metadata(other, this, version_counter(), allow_tensor_metadata_change());
  inner_ = other->inner_;
  ctx_ = other->ctx_;
  value_ = other->value_;
}

TraceTensorImpl* asTrace(const at::Tensor& t) {
  if (!t.defined() || !t.unsafeGetTensorImpl()->key_set().has(c10::DispatchKey::PrivateUse1)) return nullptr;
  return dynamic_cast<TraceTensorImpl*>(t.unsafeGetTensorImpl());
}

at::Tensor makeTrace(at::Tensor inner, TraceContext* ctx, ir::ValueId value) {
  return at::Tensor(c10::make_intrusive<TraceTensorImpl>(std::move(inner), ctx, value));
}

// ============================================================================================ [SECTION] Active trace

namespace {
struct TraceDebugInfo : c10::DebugInfoBase {
  explicit TraceDebugInfo(TraceContext* c) : ctx(c) {}
  TraceContext* ctx;
};
constexpr auto kTraceInfoKind = c10::DebugInfoKind::TEST_INFO_2;
}  // namespace

ActiveTraceGuard::ActiveTraceGuard(TraceContext* ctx)
    : guard_(std::make_shared<c10::DebugInfoGuard>(kTraceInfoKind, std::make_shared<TraceDebugInfo>(ctx))) {}

ActiveTraceGuard::~ActiveTraceGuard() = default;

TraceContext* activeTrace() {
  auto* info = dynamic_cast<TraceDebugInfo*>(c10::ThreadLocalDebugInfo::get(kTraceInfoKind));
  return info ? info->ctx : nullptr;
}

// ============================================================================================ [SECTION] Argument conversion

namespace {

std::string opName(const c10::OperatorHandle& op) {
  const auto& n = op.operator_name();
  return n.overload_name.empty() ? n.name : n.name + "." + n.overload_name;
}

ir::TensorMeta metaOf(const at::Tensor& inner, const TraceContext& ctx) {
  ir::TensorMeta m;
  m.sizes = inner.sizes().vec();
  m.strides = inner.strides().vec();
  m.storage_offset = inner.storage_offset();
  m.dtype = inner.scalar_type();
  m.device = ctx.target_device;
  return m;
}

/// Largest constant tensor (elements) baked into a graph when untraced code hands one to a traced op.
constexpr int64_t kMaxLiftedConstant = 4096;

ir::ConstTensor constOf(const at::Tensor& t) {
  ir::ConstTensor c;
  c.dtype = t.scalar_type();
  c.sizes = t.sizes().vec();
  // Read elements directly: constants reach us from inside functionalization, where even a dtype-converting
  // copy kernel is not safe to run on them.
  at::Tensor flat = t.is_contiguous() ? t : t.contiguous();
  AT_DISPATCH_ALL_TYPES_AND3(at::kHalf, at::kBFloat16, at::kBool, flat.scalar_type(), "aotviz_const", [&] {
    const scalar_t* p = flat.data_ptr<scalar_t>();
    for (int64_t i = 0; i < flat.numel(); ++i) c.data.push_back(static_cast<double>(p[i]));
  });
  c.wrapped_number = t.unsafeGetTensorImpl()->is_wrapped_number();
  return c;
}

/// A tensor argument that is not a trace tensor. 0-dim CPU tensors (wrapped numbers, scalars) stay inline
/// constants and run as they are; small tensors become `lift_fresh_copy(constant)` nodes, as PyTorch lifts
/// `_tensor_constant`s; anything larger is an error that says what to do.
ir::Arg untracedTensorArg(TraceContext& ctx, const c10::OperatorHandle& op, at::Tensor& t) {
  if (t.dim() == 0 && t.device().is_cpu()) return ir::Arg::ofTensor(constOf(t));
  if (t.device().type() == c10::DeviceType::Meta || t.numel() > kMaxLiftedConstant) {
    fail(ctx.stage, opName(op),
         "a " + t.device().str() + " tensor of shape " + c10::str(t.sizes()) +
             " that is not an input of the traced function reached this op; it was probably created with a factory "
             "on the default device (e.g. at::zeros({n}))",
         "create it from an input's options (at::zeros(sizes, x.options())) so the tracer records it, or pass it "
         "to the function as an input");
  }
  for (const auto& l : ctx.lifted)
    if (l.source.unsafeGetTensorImpl() == t.unsafeGetTensorImpl()) {
      t = l.inner;
      return ir::Arg::ofValue(l.value);
    }
  ctx.warnings.push_back(opName(op) + ": a " + t.device().str() + " tensor of shape " + c10::str(t.sizes()) +
                         " created outside the trace was baked into the graph as a constant; create it with an "
                         "input's options (x.options()) to have it traced instead");
  const ir::SchemaInfo* lift = ir::lookupSchema("aten::lift_fresh_copy", "");
  AOTVIZ_INTERNAL_ASSERT(lift, "aten::lift_fresh_copy missing");
  ir::Provenance prov = ctx.provenance();
  at::Tensor inner = ctx.inner_device.is_meta()
                         ? at::empty_strided(t.sizes(), t.strides(), t.options().device(ctx.inner_device))
                         : t.clone();
  ir::NodeId nid = ctx.graph.addCall("aten::lift_fresh_copy", "", lift->arg_names, {ir::Arg::ofTensor(constOf(t))},
                                     {metaOf(inner, ctx)}, prov);
  ++ctx.ops_recorded;
  ir::ValueId v = ctx.graph.node(nid).outputs[0];
  ctx.lifted.push_back({t, inner, v});
  t = inner;
  return ir::Arg::ofValue(v);
}

/// Functionalization wraps non-functional arguments (wrapped numbers, constants) before redispatching; below
/// it they are plain tensors again.
at::Tensor unwrapFunctional(at::Tensor t) {
  bool wrapped_number = false;
  while (t.defined() && at::functionalization::impl::isFunctionalTensor(t)) {
    // A wrapped number made inside the trace (x * 0.5 in C++) is functionalized like any factory output and the
    // flag sits on the wrapper; carry it to the value so the graph records a Python scalar, as PyTorch does.
    wrapped_number = wrapped_number || t.unsafeGetTensorImpl()->is_wrapped_number();
    t = at::functionalization::impl::unsafeGetFunctionalWrapper(t)->value();
  }
  if (wrapped_number && t.dim() == 0 && t.device().is_cpu() && !t.unsafeGetTensorImpl()->is_wrapped_number())
    t.unsafeGetTensorImpl()->set_wrapped_number(true);
  return t;
}

/// One tensor of a Tensor[] / Tensor?[] argument: appends its value id and returns the tensor to run with.
at::Tensor listElement(TraceContext& ctx, const c10::OperatorHandle& op, at::Tensor t, std::vector<ir::ValueId>& ids) {
  t = unwrapFunctional(t);
  if (auto* tr = asTrace(t)) {
    ids.push_back(tr->value());
    return tr->inner();
  }
  ir::Arg a = untracedTensorArg(ctx, op, t);  // may replace t by its inner stand-in
  if (a.kind != ir::Arg::Kind::Value)
    fail(ctx.stage, opName(op), "a 0-dim constant tensor inside a tensor list is not supported",
         "create the tensor from an input's options so it is traced");
  ids.push_back(a.value);
  return t;
}

/// Unwraps one boxed argument in place (trace tensor → inner tensor, privateuseone → inner device) and returns
/// its IR form.
ir::Arg convertArg(TraceContext& ctx, const c10::OperatorHandle& op, const c10::Argument& schema_arg, c10::IValue& iv) {
  if (iv.isTensor()) {
    at::Tensor t = unwrapFunctional(iv.toTensor());
    if (!t.defined()) return ir::Arg::none();
    if (auto* tr = asTrace(t)) {
      iv = tr->inner();
      return ir::Arg::ofValue(tr->value());
    }
    ir::Arg a = untracedTensorArg(ctx, op, t);  // may replace t by its inner stand-in
    iv = t;
    return a;
  }
  if (iv.isTensorList()) {
    c10::List<at::Tensor> out;
    std::vector<ir::ValueId> ids;
    for (const at::Tensor& t : iv.toTensorList()) out.push_back(listElement(ctx, op, t, ids));
    iv = out;
    return ir::Arg::ofValues(std::move(ids));
  }
  if (iv.isList() && schema_arg.type()->kind() == c10::TypeKind::ListType &&
      schema_arg.type()->containedType(0)->kind() == c10::TypeKind::OptionalType) {
    // Tensor?[] (index.Tensor, index_put): entries are None or tensors.
    c10::List<c10::optional<at::Tensor>> out;
    std::vector<ir::ValueId> ids;
    for (const c10::IValue& e : iv.toListRef()) {
      if (e.isNone()) {
        ids.emplace_back();
        out.push_back(c10::nullopt);
      } else {
        out.push_back(listElement(ctx, op, e.toTensor(), ids));
      }
    }
    iv = out;
    return ir::Arg::ofValues(std::move(ids));
  }
  if (iv.isDevice()) {
    c10::Device d = iv.toDevice();
    ir::Arg a = ir::Arg::ofDevice(d.type() == c10::DeviceType::PrivateUse1 ? ctx.target_device : d);
    iv = ctx.inner_device;
    return a;
  }
  auto a = ir::constantArgFromIValue(iv);
  if (!a)
    fail(ctx.stage, opName(op), "argument '" + schema_arg.name() + "' has a kind the IR cannot record (" + iv.tagKind() + ")",
         "this operator is not supported by aotviz's capture yet");
  return *a;
}

// ============================================================================================ [SECTION] Inner execution

std::mutex g_no_meta_mu;
std::unordered_set<std::string> g_no_meta;  // ops whose Meta kernel is missing (learned on first use), by name
std::unordered_set<const c10::FunctionSchema*> g_no_meta_schemas;  // the same ops: a lookup without a name

/// Runs `op` on inner tensors. Called with the fallback's clean key set (see traceFallback).
void callInner(const c10::OperatorHandle& op, torch::jit::Stack* stack) {
  op.callBoxed(stack);
}

at::Tensor cpuStandIn(const at::Tensor& m) {
  int64_t extent = 1;
  for (int64_t i = 0; i < m.dim(); ++i) {
    if (m.size(i) == 0) return at::empty_strided(m.sizes(), m.strides(), m.options().device(at::kCPU));
    extent += (m.size(i) - 1) * m.stride(i);
  }
  return at::zeros({m.storage_offset() + extent}, m.options().device(at::kCPU))
      .as_strided(m.sizes(), m.strides(), m.storage_offset());
}

/// Runs an op that has no Meta kernel on zero-filled CPU stand-ins and maps the results back to meta.
void callOnCpuStandIns(const c10::OperatorHandle& op, torch::jit::Stack* stack, size_t nargs) {
  std::vector<std::pair<at::TensorImpl*, at::Tensor>> cpu_to_meta;
  auto toCpu = [&](const at::Tensor& t) -> at::Tensor {
    if (!t.defined() || !t.is_meta()) return t;
    at::Tensor c = cpuStandIn(t);
    cpu_to_meta.emplace_back(c.unsafeGetTensorImpl(), t);
    return c;
  };
  for (size_t i = stack->size() - nargs; i < stack->size(); ++i) {
    c10::IValue& iv = (*stack)[i];
    if (iv.isTensor()) {
      iv = toCpu(iv.toTensor());
    } else if (iv.isTensorList()) {
      c10::List<at::Tensor> l;
      for (at::Tensor t : iv.toTensorList()) l.push_back(toCpu(t));
      iv = l;
    } else if (iv.isList()) {
      auto ref = iv.toListRef();
      bool optional_tensors = !ref.empty() && (ref[0].isTensor() || ref[0].isNone());
      if (optional_tensors) {
        c10::List<c10::optional<at::Tensor>> l;
        for (const auto& e : ref) l.push_back(e.isNone() ? c10::optional<at::Tensor>() : toCpu(e.toTensor()));
        iv = l;
      }
    } else if (iv.isDevice() && iv.toDevice().is_meta()) {
      iv = c10::Device(c10::DeviceType::CPU);
    }
  }
  callInner(op, stack);
  size_t nret = op.schema().returns().size();
  auto toMeta = [&](const at::Tensor& c) -> at::Tensor {
    if (!c.defined() || c.is_meta()) return c;
    for (const auto& [impl, meta] : cpu_to_meta)
      if (impl == c.unsafeGetTensorImpl()) return meta;
    return at::empty_strided(c.sizes(), c.strides(), c.options().device(at::kMeta));
  };
  for (size_t i = stack->size() - nret; i < stack->size(); ++i) {
    c10::IValue& iv = (*stack)[i];
    if (iv.isTensor()) {
      iv = toMeta(iv.toTensor());
    } else if (iv.isTensorList()) {
      c10::List<at::Tensor> l;
      for (at::Tensor t : iv.toTensorList()) l.push_back(toMeta(t));
      iv = l;
    }
  }
}

/// What an op without a Meta kernel returns, by the metadata of its arguments. Its stand-ins are zero-filled, so its
/// results (sizes, strides, dtypes; never values on meta) follow from the argument metadata and non-tensor
/// arguments alone: the same key gives the same results. resnet18's convolutions and batch norms ran for real on
/// every capture before (about 90% of its metadata and joint stages); repeated shapes in one model, the metadata
/// stage's forward again in the joint stage, and every later capture of the model now cost a lookup.
class StandInResults {
 public:
  /// The key of `op` on the `nargs` arguments on top of `stack`; "" when the arguments cannot be keyed.
  static std::string key(const c10::OperatorHandle& op, const torch::jit::Stack& stack, size_t nargs) {
    std::string k = opName(op);
    k += op.operator_name().overload_name;
    auto put = [&k](const void* p, size_t n) { k.append(static_cast<const char*>(p), n); };
    auto putInt = [&](int64_t v) { put(&v, sizeof v); };
    auto putTensor = [&](const at::Tensor& t) {
      if (!t.defined()) return k.push_back('u');
      k.push_back('T');
      putInt(static_cast<int64_t>(t.scalar_type()));
      putInt(static_cast<int64_t>(t.device().type()));
      putInt(t.dim());
      for (int64_t d = 0; d < t.dim(); ++d) {
        putInt(t.size(d));
        putInt(t.stride(d));
      }
      putInt(t.storage_offset());
      k.push_back(t.requires_grad() ? 'g' : 'n');
    };
    for (size_t i = stack.size() - nargs; i < stack.size(); ++i) {
      const c10::IValue& iv = stack[i];
      k.push_back('|');
      if (iv.isTensor()) {
        putTensor(iv.toTensor());
      } else if (iv.isTensorList()) {
        for (const at::Tensor& t : iv.toTensorList()) putTensor(t);
      } else if (iv.isList()) {
        for (const c10::IValue& e : iv.toListRef()) {
          if (e.isTensor()) putTensor(e.toTensor());
          else if (e.isNone()) k.push_back('N');
          else if (e.isInt()) putInt(e.toInt());
          else if (e.isDouble()) {
            const double d = e.toDouble();
            put(&d, sizeof d);
          }
          else if (e.isBool()) k.push_back(e.toBool() ? '1' : '0');
          else return "";
        }
      } else if (iv.isNone()) {
        k.push_back('N');
      } else if (iv.isInt()) {
        putInt(iv.toInt());
      } else if (iv.isDouble()) {
        const double d = iv.toDouble();
        put(&d, sizeof d);
      } else if (iv.isBool()) {
        k.push_back(iv.toBool() ? '1' : '0');
      } else if (iv.isString()) {
        k += iv.toStringRef();
        k.push_back('\0');
      } else if (iv.isDevice()) {
        putInt(static_cast<int64_t>(iv.toDevice().type()));
        putInt(iv.toDevice().index());
      } else if (iv.isGenerator()) {
        k.push_back('G');  // the stand-ins' values are zeros whatever it draws
      } else {
        return "";  // a Scalar of another kind, a symbolic int, an object: run it
      }
    }
    return k;
  }

  /// The results of `key`, pushed onto `stack` in place of the arguments; false when not known.
  bool replay(const std::string& key, torch::jit::Stack* stack, size_t nargs) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = results_.find(key);
    if (it == results_.end()) return false;
    stack->resize(stack->size() - nargs);
    for (const Result& r : it->second) {
      if (r.list) {
        c10::List<at::Tensor> l;
        for (const Meta& m : r.tensors) l.push_back(make(m));
        stack->emplace_back(l);
      } else if (r.tensors.empty()) {
        stack->emplace_back();
      } else {
        stack->emplace_back(make(r.tensors[0]));
      }
    }
    return true;
  }

  /// Remembers the `nret` results on top of `stack` when every one is a new tensor (or list of them, or None):
  /// results that alias an argument (`inputs`) are not remembered. Bounded: past kMaxEntries nothing more is kept.
  void remember(const std::string& key, const torch::jit::Stack& stack, size_t nret,
                const std::vector<const at::TensorImpl*>& inputs) {
    std::vector<Result> results;
    auto meta = [&](const at::Tensor& t, Meta* m) {
      if (!t.defined()) return true;  // an output the op's mask left out (convolution_backward's)
      if (!t.is_meta() || std::count(inputs.begin(), inputs.end(), t.unsafeGetTensorImpl())) return false;
      *m = {true, t.sizes().vec(), t.strides().vec(), t.scalar_type()};
      return true;
    };
    for (size_t i = stack.size() - nret; i < stack.size(); ++i) {
      const c10::IValue& iv = stack[i];
      Result r;
      if (iv.isTensor()) {
        r.tensors.emplace_back();
        if (!meta(iv.toTensor(), &r.tensors.back())) return;
      } else if (iv.isTensorList()) {
        r.list = true;
        for (const at::Tensor& t : iv.toTensorList()) {
          r.tensors.emplace_back();
          if (!meta(t, &r.tensors.back())) return;
        }
      } else if (!iv.isNone()) {
        return;
      }
      results.push_back(std::move(r));
    }
    std::lock_guard<std::mutex> lock(mu_);
    if (results_.size() < kMaxEntries) results_.emplace(key, std::move(results));
  }

 private:
  struct Meta {
    bool defined = false;
    std::vector<int64_t> sizes, strides;
    at::ScalarType dtype = at::kFloat;
  };
  struct Result {
    bool list = false;
    std::vector<Meta> tensors;  // one (a Tensor), several (a Tensor[]), or none (None)
  };
  static at::Tensor make(const Meta& m) {  // as callOnCpuStandIns maps a new result back to meta
    if (!m.defined) return at::Tensor();
    return at::empty_strided(m.sizes, m.strides, at::TensorOptions().dtype(m.dtype).device(at::kMeta));
  }
  static constexpr size_t kMaxEntries = 1 << 16;
  std::mutex mu_;
  std::unordered_map<std::string, std::vector<Result>> results_;
};

StandInResults& standInResults() {
  static StandInResults* r = new StandInResults();  // never destroyed: captures may run until exit
  return *r;
}

/// An op without a usable Meta kernel: its remembered results, or a run on CPU stand-ins (remembered).
void callWithoutMeta(TraceContext& ctx, const c10::OperatorHandle& op, torch::jit::Stack* stack, size_t nargs) {
  ++ctx.cpu_fallbacks;
  const std::string key = StandInResults::key(op, *stack, nargs);
  if (!key.empty() && standInResults().replay(key, stack, nargs)) {
    ++ctx.cpu_fallbacks_replayed;
    return;
  }
  std::vector<const at::TensorImpl*> inputs;
  for (size_t i = stack->size() - nargs; i < stack->size(); ++i) {
    const c10::IValue& iv = (*stack)[i];
    if (iv.isTensor()) inputs.push_back(iv.toTensor().unsafeGetTensorImpl());
    if (iv.isTensorList())
      for (const at::Tensor& t : iv.toTensorList()) inputs.push_back(t.unsafeGetTensorImpl());
  }
  callOnCpuStandIns(op, stack, nargs);
  if (!key.empty() && !op.schema().returns().empty()) {
    bool alias = false;
    for (const auto& r : op.schema().returns()) alias |= r.alias_info() != nullptr;
    if (!alias) standInResults().remember(key, *stack, op.schema().returns().size(), inputs);
  }
}

bool hasBoolIndex(const torch::jit::Stack& args) {
  for (const c10::IValue& iv : args) {
    if (!iv.isList()) continue;
    for (const c10::IValue& e : iv.toListRef())
      if (e.isTensor() && (e.toTensor().scalar_type() == at::kBool || e.toTensor().scalar_type() == at::kByte))
        return true;
  }
  return false;
}

/// Refuses ops whose result depends on tensor values when there are none (fake tracing). Integer indexing is
/// allowed: its output shape depends only on the index shapes.
void refuseDataDependent(const TraceContext& ctx, const c10::OperatorHandle& op, const torch::jit::Stack& inner_args) {
  if (ctx.mode != TraceMode::Fake) return;
  const std::string& name = op.operator_name().name;
  if (op.hasTag(at::Tag::data_dependent_output)) {
    if (name == "aten::_local_scalar_dense" || name == "aten::item")
      fail(ctx.stage, opName(op),
           "item() reads a tensor's value, which fake (meta) tracing does not have; data-dependent control flow "
           "(if x.sum() > 0) cannot be captured into one graph",
           "compute on tensors instead of Python/C++ scalars (e.g. at::where), or capture with real tensors "
           "(--trace real) to bake the value in");
    fail(ctx.stage, opName(op), "the result of this op depends on tensor values, which fake (meta) tracing does not have",
         "capture with real tensors (--trace real), or avoid the op in traced code");
  }
  if (op.hasTag(at::Tag::dynamic_output_shape)) {
    bool integer_indexing = (name == "aten::index" || name == "aten::index_put" || name == "aten::_index_put_impl" ||
                             name == "aten::index_put_") && !hasBoolIndex(inner_args);
    if (!integer_indexing)
      fail(ctx.stage, opName(op),
           "the output shape of this op depends on tensor values (boolean mask, nonzero, unique), which fake (meta) "
           "tracing does not have",
           "use integer indices or at::where with a fixed shape, or capture with real tensors (--trace real)");
  }
}

// ============================================================================================ [SECTION] The fallback

TraceContext* findContext(const torch::jit::Stack& stack, size_t begin) {
  for (size_t i = begin; i < stack.size(); ++i) {
    const c10::IValue& iv = stack[i];
    if (iv.isTensor()) {
      if (auto* tr = asTrace(iv.toTensor())) return tr->context();
    } else if (iv.isTensorList()) {
      for (const at::Tensor& t : iv.toTensorList())
        if (auto* tr = asTrace(t)) return tr->context();
    } else if (iv.isList()) {
      for (const c10::IValue& e : iv.toListRef())
        if (e.isTensor())
          if (auto* tr = asTrace(e.toTensor())) return tr->context();
    }
  }
  return activeTrace();
}

void traceFallbackImpl(const c10::OperatorHandle& op, torch::jit::Stack* stack) {
  const auto& schema = op.schema();
  const size_t nargs = schema.arguments().size();
  const size_t begin = stack->size() - nargs;
  TraceContext* ctx = findContext(*stack, begin);
  if (!ctx)
    fail("capture", opName(op), "a tensor on device privateuseone was used outside of an aotviz capture",
         "privateuseone is reserved for aotviz's tracer while a capture runs");
  // Below the tracer nothing may dispatch to autograd, functionalization or back to us, whatever the caller's
  // thread-local key set is (functionalization kernels call us with their own exclusions in place).
  KeySetGuard below_tracer(
      /*include_add=*/{},
      /*exclude_add=*/c10::autograd_dispatch_keyset_with_ADInplaceOrView |
          c10::DispatchKeySet(c10::DispatchKey::Functionalize),
      /*include_remove=*/c10::DispatchKeySet(c10::DispatchKey::Functionalize) |
          c10::DispatchKeySet(c10::DispatchKey::PrivateUse1));
  std::lock_guard<std::recursive_mutex> lock(ctx->mu);

  // Keep the caller's trace tensors: in-place results return the caller's wrapper.
  std::vector<c10::IValue> original(stack->begin() + static_cast<std::ptrdiff_t>(begin), stack->end());
  std::vector<ir::Arg> args;
  std::vector<std::string> arg_names;
  args.reserve(nargs);
  arg_names.reserve(nargs);
  for (size_t i = 0; i < nargs; ++i) {
    args.push_back(convertArg(*ctx, op, schema.arguments()[i], (*stack)[begin + i]));
    arg_names.push_back(schema.arguments()[i].name());
  }
  torch::jit::Stack inner_args(stack->begin() + static_cast<std::ptrdiff_t>(begin), stack->end());
  refuseDataDependent(*ctx, op, inner_args);

  bool use_cpu = false;
  if (ctx->mode == TraceMode::Fake) {
    std::lock_guard<std::mutex> l(g_no_meta_mu);
    use_cpu = g_no_meta_schemas.count(&schema) > 0;
  }
  if (use_cpu) {
    callWithoutMeta(*ctx, op, stack, nargs);
  } else {
    try {
      callInner(op, stack);
    } catch (const c10::Error&) {
      // No Meta kernel (NotImplementedError), or a composite kernel that cannot run on meta (1.13's conv picks
      // convolution_overrideable; layer_norm's math kernel calls batch_norm). Retry on CPU stand-ins; if that fails
      // too, its error is the one that describes the problem.
      if (ctx->mode != TraceMode::Fake) throw;
      stack->resize(begin);
      stack->insert(stack->end(), inner_args.begin(), inner_args.end());
      callWithoutMeta(*ctx, op, stack, nargs);
      std::lock_guard<std::mutex> l(g_no_meta_mu);
      g_no_meta.insert(opName(op));
      g_no_meta_schemas.insert(&schema);
    }
  }

  // Collect results.
  const size_t nret = schema.returns().size();
  const size_t rbegin = stack->size() - nret;
  std::vector<at::Tensor> outs;
  bool list_output = false;
  bool non_tensor = false;
  for (size_t i = rbegin; i < stack->size(); ++i) {
    const c10::IValue& iv = (*stack)[i];
    if (iv.isTensor()) {
      outs.push_back(iv.toTensor());
    } else if (iv.isTensorList()) {
      for (const at::Tensor& t : iv.toTensorList()) outs.push_back(t);
      list_output = true;
    } else if (!iv.isNone()) {
      non_tensor = true;
    }
  }
  if (non_tensor) {
    // Real mode only (fake mode refused these above): the value is baked into whatever the caller does with it.
    ctx->warnings.push_back(opName(op) + " returned a non-tensor value that was baked into the graph");
    return;
  }
  if (nret == 0) {
    bool writes = false;
    for (const auto& a : schema.arguments()) writes = writes || (a.alias_info() && a.alias_info()->isWrite());
    if (writes)
      fail(ctx->stage, opName(op), "in-place ops that return nothing (e.g. _foreach_*_) cannot be recorded yet",
           "use the out-of-place variant in traced code");
  }
  std::vector<ir::TensorMeta> metas;
  for (at::Tensor& t : outs) {
    if (t.defined() && ctx->inner_device.is_meta() && !t.is_meta())
      t = at::empty_strided(t.sizes(), t.strides(), t.options().device(at::kMeta));
    metas.push_back(t.defined() ? metaOf(t, *ctx) : ir::TensorMeta{});
  }
  ir::Provenance prov = ctx->provenance();
  ir::NodeId nid = ctx->graph.addCall(op.operator_name().name, op.operator_name().overload_name, std::move(arg_names),
                                      std::move(args), std::move(metas), std::move(prov), list_output);
  ctx->graph.node(nid).nondeterministic_seeded = op.hasTag(at::Tag::nondeterministic_seeded);
  ++ctx->ops_recorded;
  const std::vector<ir::ValueId> out_ids = ctx->graph.node(nid).outputs;

  // Wrap results: an output that is an input's inner tensor (in-place / out= / identity) returns the caller's
  // wrapper, rebound to the new SSA value.
  auto wrap = [&](const at::Tensor& t, ir::ValueId id) -> at::Tensor {
    if (!t.defined()) return t;
    for (size_t k = 0; k < nargs; ++k) {
      const c10::IValue& in = inner_args[k];
      if (in.isTensor() && in.toTensor().defined() && in.toTensor().unsafeGetTensorImpl() == t.unsafeGetTensorImpl() &&
          original[k].isTensor()) {
        at::Tensor caller = original[k].toTensor();
        if (auto* tr = asTrace(caller)) {
          tr->rebind(t, id);
          return caller;
        }
      }
    }
    return makeTrace(t, ctx, id);
  };
  torch::jit::drop(*stack, nret);
  size_t k = 0;
  for (size_t i = 0; i < nret; ++i) {
    const auto& ret_type = schema.returns()[i].type();
    if (ret_type->kind() == c10::TypeKind::ListType) {
      c10::List<at::Tensor> l;
      for (; k < outs.size(); ++k) l.push_back(wrap(outs[k], out_ids[k]));
      stack->emplace_back(l);
    } else {
      stack->emplace_back(wrap(outs[k], out_ids[k]));
      ++k;
    }
  }
}

/// Remembers the error on the active trace before it unwinds through callers that re-wrap exceptions (the
/// TorchScript interpreter turns every exception into a std::runtime_error with its own traceback).
void traceFallback(const c10::OperatorHandle& op, c10::DispatchKeySet, torch::jit::Stack* stack) {
  try {
    traceFallbackImpl(op, stack);
  } catch (const AotError& e) {
    if (TraceContext* ctx = activeTrace()) {
      std::lock_guard<std::recursive_mutex> lock(ctx->mu);
      ctx->last_error = e.diagnostic();
    }
    throw;
  }
}

}  // namespace

// ============================================================================================ [SECTION] Registration

void installTraceBackend() {
  static std::once_flag once;
  std::call_once(once, [] {
    registerTraceDevice();
    static torch::Library fallback_lib(torch::Library::IMPL, "_", c10::DispatchKey::PrivateUse1, __FILE__, __LINE__);
    fallback_lib.fallback(torch::CppFunction::makeFromBoxedFunction<&traceFallback>());
    // Without per-op kernels, CompositeExplicitAutograd ops would decompose before the fallback sees them
    // (expand → as_strided, zeros_like → empty_like + zero_). See libtorch_capture.md §1 point 3.
    static torch::Library aten_lib(torch::Library::IMPL, "aten", c10::DispatchKey::PrivateUse1, __FILE__, __LINE__);
    auto& dispatcher = c10::Dispatcher::singleton();
    for (const c10::OperatorName& name : dispatcher.getAllOpNames()) {
      if (name.name.rfind("aten::", 0) != 0) continue;
      auto h = dispatcher.findOp(name);
      if (!h) continue;
      bool composite_explicit = h->hasKernelForDispatchKey(c10::DispatchKey::CompositeExplicitAutograd) ||
                                h->hasKernelForDispatchKey(c10::DispatchKey::CompositeExplicitAutogradNonFunctional);
      if (!composite_explicit || h->hasKernelForDispatchKey(c10::DispatchKey::PrivateUse1)) continue;
      std::string short_name = name.name.substr(6);
      if (!name.overload_name.empty()) short_name += "." + name.overload_name;
      aten_lib.impl(short_name.c_str(), torch::CppFunction::makeFromBoxedFunction<&traceFallback>());
    }
    registerPythonDecompositions();
    registerTraceAttention();
  });
}

std::set<std::string> opsWithoutMetaKernel() {
  std::lock_guard<std::mutex> l(g_no_meta_mu);
  return std::set<std::string>(g_no_meta.begin(), g_no_meta.end());
}

// ---------------------------------------------------------------------------------------------- placeholders

TracedPlaceholder addTracedPlaceholder(TraceContext& ctx, const std::string& name, ir::InputRole role,
                                       const at::Tensor& example, bool requires_grad, ir::Phase phase,
                                       bool is_leaf) {
  ir::TensorMeta m;
  m.sizes = example.sizes().vec();
  m.strides = example.strides().vec();
  m.storage_offset = 0;
  m.dtype = example.scalar_type();
  m.device = ctx.target_device;
  m.requires_grad = requires_grad;
  TracedPlaceholder p;
  {
    std::lock_guard<std::recursive_mutex> lock(ctx.mu);
    p.value = ctx.graph.addPlaceholder(name, role, m, ir::Provenance{"", "", ctx.stage, phase, ""});
  }
  // The inner tensor: meta with the example's layout (fake) or a private copy (real).
  at::Tensor inner;
  if (ctx.mode == TraceMode::Fake) {
    inner = at::empty_strided(example.sizes(), example.strides(), example.options().device(at::kMeta));
  } else {
    inner = at::empty_strided(example.sizes(), example.strides(), example.options().device(at::kCPU));
    inner.copy_(example);
  }
  p.trace = makeTrace(inner, &ctx, p.value);
  p.functional = at::functionalization::impl::to_functional_tensor(p.trace);
  if (requires_grad && is_leaf) p.functional.requires_grad_(true);
  if (requires_grad && !is_leaf) {
    auto node = std::shared_ptr<torch::autograd::Node>(
        new torch::autograd::Error("aotviz: backward reached the stand-in grad_fn of non-leaf input " + name,
                                   torch::autograd::edge_list{}),
        torch::autograd::deleteNode);
    torch::autograd::impl::set_gradient_edge(p.functional,
                                             torch::autograd::Edge(node, node->add_input_metadata(p.functional)));
  }
  return p;
}

ir::ValueId traceValueOf(const at::Tensor& t, const std::string& what, const std::string& stage) {
  at::Tensor inner = t;
  if (at::functionalization::impl::isFunctionalTensor(t)) {
    at::functionalization::impl::sync(t);
    inner = at::functionalization::impl::from_functional_tensor(t);
  }
  auto* tr = asTrace(inner);
  if (!tr)
    fail(stage, "", what + " was not computed by traced operations (it is a " + t.device().str() + " tensor)",
         "return tensors computed from the inputs; create constants with an input's options (x.options())");
  return tr->value();
}

const c10::StorageImpl* storageOf(const at::Tensor& t) {
  if (!t.defined() || !t.unsafeGetTensorImpl()->has_storage()) return nullptr;
  return t.unsafeGetTensorImpl()->storage().unsafeGetStorageImpl();
}

}  // namespace aotviz::capture
