// core/ir/op_registry.cpp — operator lookup (cached) and IValue <-> Arg conversion.
#include "core/ir/op_registry.h"

#include <ATen/ops/from_blob.h>

#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string_view>
#include <utility>

namespace aotviz::ir {

namespace {

/// Orders (op, overload) keys and looks them up by string views: a lookup allocates nothing.
struct OpNameLess {
  using is_transparent = void;
  using View = std::pair<std::string_view, std::string_view>;
  static View view(const std::pair<std::string, std::string>& k) { return {k.first, k.second}; }
  static View view(const View& k) { return k; }
  template <class A, class B>
  bool operator()(const A& a, const B& b) const {
    return view(a) < view(b);
  }
};

}  // namespace

const SchemaInfo* lookupSchema(const std::string& op, const std::string& overload) {
  static std::mutex mu;
  static std::map<std::pair<std::string, std::string>, std::unique_ptr<SchemaInfo>, OpNameLess> cache;
  std::lock_guard<std::mutex> lock(mu);
  auto it = cache.find(OpNameLess::View(op, overload));
  if (it != cache.end()) return it->second.get();
  std::unique_ptr<SchemaInfo> info;
  auto handle = c10::Dispatcher::singleton().findSchema(c10::OperatorName(op, overload));
  if (handle) {
    info = std::make_unique<SchemaInfo>(SchemaInfo{*handle, 0, {}, {}, 0, false, false});
    const auto& schema = handle->schema();
    info->num_positional = schema.arguments().size();
    bool seen_kwarg = false;
    for (size_t i = 0; i < schema.arguments().size(); ++i) {
      const auto& a = schema.arguments()[i];
      if (a.kwarg_only() && !seen_kwarg) {
        info->num_positional = i;
        seen_kwarg = true;
      }
      info->arg_names.push_back(a.name());
      info->writes_argument = info->writes_argument || (a.alias_info() && a.alias_info()->isWrite());
      if (a.default_value())
        info->defaults.push_back(constantArgFromIValue(*a.default_value()));
      else
        info->defaults.push_back(std::nullopt);
    }
    info->num_returns = schema.returns().size();
    info->returns_list = schema.returns().size() == 1 &&
                         schema.returns()[0].type()->kind() == c10::TypeKind::ListType;
  }
  const SchemaInfo* r = info.get();
  cache.emplace(std::make_pair(op, overload), std::move(info));
  return r;
}

std::optional<Arg> constantArgFromIValue(const c10::IValue& v) {
  if (v.isNone()) return Arg::none();
  if (v.isBool()) return Arg::ofBool(v.toBool());
  if (v.isInt()) return Arg::ofInt(v.toInt());
  if (v.isDouble()) return Arg::ofDouble(v.toDouble());
  if (v.isString()) return Arg::ofString(v.toStringRef());
  if (v.isIntList()) return Arg::ofInts(v.toIntVector());
  if (v.isDoubleList()) return Arg::ofDoubles(v.toDoubleVector());
  if (v.isBoolList()) {
    std::vector<bool> b;
    for (bool x : v.toBoolList()) b.push_back(x);
    return Arg::ofBools(std::move(b));
  }
  if (v.isDevice()) return Arg::ofDevice(v.toDevice());
  if (v.isList() && v.toListRef().empty()) return Arg::ofInts({});
  return std::nullopt;
}

c10::IValue constantArgToIValue(const Arg& a) {
  switch (a.kind) {
    case Arg::Kind::None: return c10::IValue();
    case Arg::Kind::Bool: return c10::IValue(a.b);
    case Arg::Kind::Int: return c10::IValue(a.i);
    case Arg::Kind::Double: return c10::IValue(a.d);
    case Arg::Kind::String: return c10::IValue(a.s);
    case Arg::Kind::IntList: return c10::IValue(a.ints);
    case Arg::Kind::DoubleList: return c10::IValue(a.doubles);
    case Arg::Kind::BoolList: {
      c10::List<bool> l;
      for (bool x : a.bools) l.push_back(x);
      return c10::IValue(l);
    }
    case Arg::Kind::Device: return c10::IValue(c10::Device(a.s));
    case Arg::Kind::Tensor: {
      const ConstTensor& c = *a.tensor;
      std::vector<double> data = c.data;  // from_blob does not own; the copy below does
      at::Tensor t = at::from_blob(data.data(), c.sizes, at::TensorOptions().dtype(at::kDouble))
                         .to(c.dtype, /*non_blocking=*/false, /*copy=*/true);
      if (c.wrapped_number) t.unsafeGetTensorImpl()->set_wrapped_number(true);
      return c10::IValue(t);
    }
    case Arg::Kind::Value:
    case Arg::Kind::ValueList: break;
  }
  throw std::invalid_argument("internal error (aotviz bug): constantArgToIValue called on a value argument");
}

}  // namespace aotviz::ir
