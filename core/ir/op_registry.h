// core/ir/op_registry.h — resolves IR operator names to LibTorch's dispatcher once per process, and converts
// between IR arguments and boxed IValues.
#pragma once

#include <ATen/core/dispatch/Dispatcher.h>
#include <ATen/core/ivalue.h>

#include <optional>
#include <string>
#include <vector>

#include "core/ir/graph.h"

namespace aotviz::ir {

/// What the printer and the verifier need to know about an operator's schema.
struct SchemaInfo {
  c10::OperatorHandle handle;
  size_t num_positional = 0;                 // arguments before the first keyword-only one
  std::vector<std::string> arg_names;
  std::vector<std::optional<Arg>> defaults;  // per argument, the default converted to an Arg when representable
  size_t num_returns = 0;
  bool returns_list = false;                 // a single Tensor[] return
  bool writes_argument = false;              // some argument's alias annotation writes (add_, copy_, out=)
};

/// Looks up `op` ("aten::mm") with `overload` ("" for default) in the dispatcher. The result is cached for
/// the life of the process (the dispatcher's operator table only grows). Returns nullptr when LibTorch has no
/// such operator (e.g. an op of another LibTorch version). Thread-safe.
const SchemaInfo* lookupSchema(const std::string& op, const std::string& overload);

/// Converts a boxed constant IValue to an IR argument. Tensors and tensor lists are not constants and return
/// nullopt (the caller maps them to values); so do IValue kinds the IR cannot represent.
std::optional<Arg> constantArgFromIValue(const c10::IValue& v);

/// Converts a constant IR argument back into an IValue for a boxed call. Value arguments are the caller's
/// business; this throws std::invalid_argument for them.
c10::IValue constantArgToIValue(const Arg& a);

}  // namespace aotviz::ir
