// core/models/export_archive.h — reading a torch.export archive (`.pt2`, PyTorch's PT2 archive spec) into a
// program aotviz can replay: its inputs from the graph signature, its nodes resolved through the dispatcher, its
// outputs and mutations (Note [Replaying an exported program] in exported_program.h). Nothing here runs the graph;
// exported_program.cpp does, under capture.
#pragma once

#include <ATen/core/dispatch/Dispatcher.h>
#include <ATen/core/ivalue.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/capture/traced_fn.h"
#include "core/models/input_spec.h"

namespace aotviz::models::pt2 {

/// Where a node's argument comes from when the graph runs.
struct ValueRef {
  enum class Kind { Constant, Name, Names, OptionalNames } kind = Kind::Constant;
  c10::IValue constant;
  std::string name;                               // Name
  std::vector<std::optional<std::string>> names;  // Names (Tensor[] / SymInt[]) and OptionalNames (Tensor?[])
  bool int_list = false;                          // Names: a SymInt[] of names and constants
  std::vector<int64_t> ints;                      // Names with int_list: the constants (names[i] empty)
  /// A number passed to a Tensor parameter (add_.Tensor(x, 1)): a fresh wrapped-number tensor on each call, as
  /// Python's argument parser makes it.
  bool wrap_number = false;
};

/// A Python operator on symbolic sizes (_operator.mul) as PyTorch's interpreter runs it on ints.
using SymOp = std::function<c10::IValue(const std::vector<c10::IValue>&)>;

/// The names one result of a node is bound to: a value, or each tensor of a Tensor[] result.
struct Binding {
  std::optional<std::string> name;
  bool is_list = false;
  std::vector<std::string> list;
};

struct Step {
  std::string name;    // the node's name ("linear")
  std::string target;  // "torch.ops.aten.linear.default"
  std::optional<c10::OperatorHandle> op;
  SymOp sym;
  std::vector<ValueRef> args;    // one per schema argument (or per positional argument of a SymOp)
  std::vector<Binding> outputs;  // per return
  std::string scope, source;     // from nn_module_stack and stack_trace
};

struct Output {
  enum class Kind { User, CopyInto } kind = Kind::User;
  ValueRef value;
  size_t input = 0;  // CopyInto: the flat input it mutates
};

struct Program {
  std::vector<std::pair<std::string, size_t>> tensor_inputs;  // graph input name → flat input
  std::unordered_map<std::string, c10::IValue> constants;     // constant graph inputs
  std::vector<Step> steps;
  std::vector<Output> outputs;
  /// The device all tensor inputs had when exported, if they shared one. A device argument equal to it
  /// (arange(..., device=cpu) in a decomposed SDPA's mask) follows the inputs' device at replay.
  std::optional<c10::Device> device;
};

struct Archive {
  std::string name, description;
  /// Parameters, buffers (and lifted tensor constants), then user inputs, in the graph signature's order.
  std::vector<capture::InputDesc> inputs;
  std::vector<std::string> notes;
  bool grad_enabled = true;
  std::shared_ptr<const Program> program;
};

/// Reads the archive in `bytes`; `origin` names it in errors (AotError, stage "inputs", naming the part). User
/// inputs come from `spec` when given, else from the archive's sample inputs.
Archive readArchive(std::string bytes, const std::string& origin, const InputSpec* spec, uint64_t seed);
/// The same on an archive file, read record by record.
Archive readArchiveFile(const std::string& path, const InputSpec* spec, uint64_t seed);

}  // namespace aotviz::models::pt2
