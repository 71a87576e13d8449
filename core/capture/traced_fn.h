// core/capture/traced_fn.h — what every stage before the joint graph takes: a flat function over tensors and the
// descriptions of its inputs.
#pragma once

#include <ATen/core/Tensor.h>

#include <functional>
#include <string>
#include <vector>

namespace aotviz::capture {

/// What a flat input is to the model (AOTAutograd's descriptors: ParamAOTInput, BufferAOTInput, PlainAOTInput).
enum class InputKind { Param, Buffer, User };

struct InputDesc {
  std::string name;  // "fc1.weight", "x"
  InputKind kind = InputKind::User;
  /// Example value: sizes, strides and dtype are always used; values only in real mode. Never modified.
  at::Tensor example;
  bool requires_grad = false;
  /// False for an input that requires grad but was computed from a leaf (in-place ops on it are legal).
  bool is_leaf = true;
};

/// The function being captured: flat tensors in, flat tensors out. It runs once, on trace tensors.
using TracedFn = std::function<std::vector<at::Tensor>(const std::vector<at::Tensor>&)>;

}  // namespace aotviz::capture
