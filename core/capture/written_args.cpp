// core/capture/written_args.cpp — see written_args.h.
#include "core/capture/written_args.h"

#include <ATen/FunctionalTensorWrapper.h>
#include <ATen/core/dispatch/Dispatcher.h>
#include <ATen/core/enum_tag.h>

#include <unordered_map>

namespace aotviz::capture {

const OpWrites& opWrites(const c10::OperatorName& op) {
  thread_local std::unordered_map<c10::OperatorName, OpWrites> cache;
  auto it = cache.find(op);
  if (it != cache.end()) return it->second;
  OpWrites w;
  w.name = op.name + (op.overload_name.empty() ? "" : "." + op.overload_name);
  auto handle = c10::Dispatcher::singleton().findSchema(op);
  if (handle) {
    const auto& args = handle->schema().arguments();
    for (size_t a = 0; a < args.size(); ++a)
      if (args[a].alias_info() && args[a].alias_info()->isWrite()) w.written.push_back(a);
    w.inplace_view = handle->hasTag(at::Tag::inplace_view);
  }
  return cache.emplace(op, std::move(w)).first->second;
}

std::vector<at::Tensor> writtenFunctionalTensors(const at::RecordFunction& fn, const std::vector<size_t>& positions) {
  std::vector<at::Tensor> r;
  auto inputs = fn.inputs();
  auto add = [&](const at::Tensor& t) {
    if (t.defined() && at::functionalization::impl::isFunctionalTensor(t)) r.push_back(t);
  };
  for (size_t a : positions) {
    if (a >= inputs.size()) continue;
    const c10::IValue& v = inputs[a];
    if (v.isTensor()) {
      add(v.toTensor());
    } else if (v.isTensorList()) {
      for (const at::Tensor& t : v.toTensorVector()) add(t);
    }
  }
  return r;
}

}  // namespace aotviz::capture
