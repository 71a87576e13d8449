// core/compile/interpreter.cpp — boxed graph interpreter.
#include "core/compile/interpreter.h"

#include <ATen/ops/empty_strided.h>

#include <chrono>
#include <unordered_map>

#include "core/util/build_info.h"
#include "core/ir/op_registry.h"
#include "core/util/diagnostic.h"

namespace aotviz::exec {

Interpreter::Interpreter(const ir::Graph& g, c10::Device device) : graph_(g), device_(device) {
  std::vector<int32_t> last_use(g.values.size(), -1);
  for (const ir::Node& n : g.nodes) {
    if (n.kind == ir::NodeKind::Placeholder) inputs_.push_back(n.outputs.at(0));
    if (n.kind != ir::NodeKind::Call) continue;
    for (const ir::Arg& a : n.args) {
      if (a.kind == ir::Arg::Kind::Value) last_use[static_cast<size_t>(a.value.v)] = static_cast<int32_t>(steps_.size());
      if (a.kind == ir::Arg::Kind::ValueList)
        for (ir::ValueId v : a.values)
          if (v.valid()) last_use[static_cast<size_t>(v.v)] = static_cast<int32_t>(steps_.size());
    }
    const ir::SchemaInfo* s = ir::lookupSchema(n.op, n.overload);
    if (!s)
      fail("compile", n.name,
           "operator " + n.qualifiedOp() + " does not exist in this LibTorch (" + torchVersionString() + ")",
           "graphs captured with another LibTorch version can be inspected but not executed here");
    Step st{s->handle, &n, {}};
    steps_.push_back(std::move(st));
    // A value nobody reads (an unused output of a multi-output op) is released right after it is made.
    for (ir::ValueId v : n.outputs)
      if (last_use[static_cast<size_t>(v.v)] == -1) last_use[static_cast<size_t>(v.v)] = static_cast<int32_t>(steps_.size() - 1);
  }
  // Graph outputs live to the end; everything else is released after its last use.
  if (const ir::Node* out = g.outputNode())
    for (const ir::Arg& a : out->args)
      if (a.kind == ir::Arg::Kind::Value) last_use[static_cast<size_t>(a.value.v)] = -2;
  for (size_t v = 0; v < last_use.size(); ++v)
    if (last_use[v] >= 0) steps_[static_cast<size_t>(last_use[v])].release_after.push_back(ir::ValueId(static_cast<int32_t>(v)));
}

namespace {

/// Live bytes of a run: distinct storages referenced by live slots.
class LiveBytes {
 public:
  void add(const at::Tensor& t) {
    if (!t.defined() || !t.has_storage()) return;
    auto [it, fresh] = refs_.try_emplace(t.storage().unsafeGetStorageImpl(), 0);
    if (fresh) live_ += static_cast<int64_t>(t.storage().nbytes());
    ++it->second;
    peak_ = std::max(peak_, live_);
  }
  void remove(const at::Tensor& t) {
    if (!t.defined() || !t.has_storage()) return;
    auto it = refs_.find(t.storage().unsafeGetStorageImpl());
    if (it == refs_.end() || --it->second > 0) return;
    live_ -= static_cast<int64_t>(t.storage().nbytes());
    refs_.erase(it);
  }
  int64_t live() const { return live_; }
  int64_t peak() const { return peak_; }

 private:
  std::unordered_map<const c10::StorageImpl*, int> refs_;
  int64_t live_ = 0, peak_ = 0;
};

double microsSince(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

std::vector<at::Tensor> Interpreter::run(std::vector<at::Tensor> inputs, Profile* profile) const {
  if (inputs.size() != inputs_.size())
    fail("run", "", "the graph takes " + std::to_string(inputs_.size()) + " inputs, got " + std::to_string(inputs.size()),
         "pass one tensor per placeholder");
  std::vector<at::Tensor> slots(graph_.values.size());
  LiveBytes live;
  const auto t0 = std::chrono::steady_clock::now();
  if (profile) {
    profile->nodes.clear();
    profile->nodes.reserve(steps_.size());
    for (const at::Tensor& t : inputs) live.add(t);
  }
  for (size_t i = 0; i < inputs.size(); ++i) slots[static_cast<size_t>(inputs_[i].v)] = std::move(inputs[i]);
  inputs.clear();
  torch::jit::Stack stack;
  for (const Step& st : steps_) {
    const ir::Node& n = *st.node;
    const double start_us = profile ? microsSince(t0) : 0;
    const auto& schema = st.op.schema();
    stack.clear();
    for (size_t k = 0; k < n.args.size(); ++k) {
      const ir::Arg& a = n.args[k];
      switch (a.kind) {
        case ir::Arg::Kind::Value: stack.emplace_back(slots[static_cast<size_t>(a.value.v)]); break;
        case ir::Arg::Kind::ValueList: {
          const auto& t = schema.arguments()[k].type();
          bool optional_elems = t->kind() == c10::TypeKind::ListType &&
                                t->containedType(0)->kind() == c10::TypeKind::OptionalType;
          if (optional_elems) {
            c10::List<c10::optional<at::Tensor>> l;
            for (ir::ValueId v : a.values)
              l.push_back(v.valid() ? c10::optional<at::Tensor>(slots[static_cast<size_t>(v.v)]) : c10::nullopt);
            stack.emplace_back(l);
          } else {
            c10::List<at::Tensor> l;
            for (ir::ValueId v : a.values) l.push_back(slots[static_cast<size_t>(v.v)]);
            stack.emplace_back(l);
          }
          break;
        }
        case ir::Arg::Kind::Device: stack.emplace_back(device_); break;
        case ir::Arg::Kind::Tensor: {
          at::Tensor t = ir::constantArgToIValue(a).toTensor();
          if (!(t.dim() == 0 && a.tensor->wrapped_number) && t.device() != device_) t = t.to(device_);
          stack.emplace_back(t);
          break;
        }
        default: stack.emplace_back(ir::constantArgToIValue(a)); break;
      }
    }
    try {
      st.op.callBoxed(&stack);
    } catch (const c10::Error& e) {
      fail("run", n.name, n.qualifiedOp() + " failed: " + e.what_without_backtrace(),
           "check the input shapes and dtypes against the ones the graph was captured with");
    }
    NodeTiming* timing = nullptr;
    if (profile) {
      profile->nodes.push_back(NodeTiming{n.name, n.qualifiedOp(), start_us, microsSince(t0) - start_us, 0, 0});
      timing = &profile->nodes.back();
    }
    size_t k = 0;
    auto store = [&](const at::Tensor& t) {
      at::Tensor& slot = slots[static_cast<size_t>(n.outputs.at(k++).v)];
      slot = t;
      if (timing && t.defined()) {
        timing->out_bytes += static_cast<int64_t>(t.nbytes());
        live.add(t);
      }
    };
    for (const c10::IValue& iv : stack) {
      if (iv.isTensor()) {
        store(iv.toTensor());
      } else if (iv.isTensorList()) {
        for (const at::Tensor& t : iv.toTensorList()) store(t);
      }
    }
    for (ir::ValueId v : st.release_after) {
      at::Tensor& slot = slots[static_cast<size_t>(v.v)];
      if (timing) live.remove(slot);
      slot.reset();
    }
    if (timing) timing->live_bytes = live.live();
  }
  if (profile) {
    profile->total_us = microsSince(t0);
    profile->peak_live_bytes = live.peak();
  }
  std::vector<at::Tensor> outs;
  if (const ir::Node* out = graph_.outputNode())
    for (const ir::Arg& a : out->args)
      outs.push_back(a.kind == ir::Arg::Kind::Value ? slots[static_cast<size_t>(a.value.v)] : at::Tensor());
  return outs;
}

}  // namespace aotviz::exec
