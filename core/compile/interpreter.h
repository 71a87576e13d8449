// core/compile/interpreter.h — a boxed interpreter over the IR: operator handles resolved once, values in a flat
// slot array, each value released after its last use.
#pragma once

#include <ATen/core/Tensor.h>
#include <ATen/core/dispatch/Dispatcher.h>

#include <cstdint>
#include <string>
#include <vector>

#include "core/compile/profile.h"
#include "core/ir/graph.h"

namespace aotviz::exec {

/// Executes one graph. Construction resolves every operator and plans slot lifetimes; run() may be called many
/// times and from one thread at a time.
class Interpreter {
 public:
  /// `device`: where tensors are created (factory device arguments recorded for the graph's device are rewritten).
  /// Throws AotError (stage "compile") naming the node when an operator does not exist in this LibTorch.
  Interpreter(const ir::Graph& g, c10::Device device);

  /// Runs the graph on `inputs` (one per placeholder, in order). Returns one tensor per graph output (undefined
  /// for None). Throws AotError (stage "run") naming the node when a kernel fails.
  /// With `profile`, every node is timed and the run's live bytes are tracked.
  /// Inputs are released after their last use like every other value: a caller that moves its vector in (the
  /// boxed calling convention, PyTorch's steal_args) lets the run free them early.
  std::vector<at::Tensor> run(std::vector<at::Tensor> inputs, Profile* profile = nullptr) const;

  size_t numNodes() const { return steps_.size(); }

 private:
  struct Step {
    c10::OperatorHandle op;
    const ir::Node* node;
    std::vector<ir::ValueId> release_after;  // values whose last use is this step
  };
  const ir::Graph& graph_;
  c10::Device device_;
  std::vector<ir::ValueId> inputs_;
  std::vector<Step> steps_;
};

}  // namespace aotviz::exec
