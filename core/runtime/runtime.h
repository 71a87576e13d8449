// core/runtime/runtime.h — the runtime stage: the compiled forward and backward wrapped into one callable with
// autograd (AOTAutograd's CompiledFunction) and the runtime wrappers around it, in PyTorch's order
// (../shared/reference/aot_autograd_spec.md §5): dedupe and synthetic base at the entry, then the RuntimeWrapper
// (input-mutation write-back, regeneration of outputs that alias inputs or intermediates) around the autograd
// function.
#pragma once

#include <ATen/core/Tensor.h>

#include <memory>
#include <vector>

#include "core/capture/capture.h"
#include "core/compile/compile.h"
#include "core/partition/partition.h"

namespace aotviz::runtime {

struct RuntimeOptions {
  /// PyTorch's config.debug_assert: check at every call that inputs that were duplicates at compile time still
  /// are, and that inputs that did not require grad still do not. aotviz always checks the graph inputs' shapes,
  /// dtypes and requires_grad (there is no Dynamo guard in front of it).
  bool debug_asserts = false;
  /// Time every node of every graph run (see takeProfiles()).
  bool profile = false;
};

struct RuntimeState;

/// The compiled model. Call it like the user function: with the user's inputs (same count, shapes, dtypes and
/// aliasing as at compile time). Outputs, gradients (through backward on its outputs) and input mutations are
/// those of the eager function.
class CompiledFunction {
 public:
  /// `part` is the partition of `cap`'s joint graph (unused for inference graphs, may be nullptr then).
  CompiledFunction(const capture::CaptureResult& cap, const partition::PartitionResult* part,
                   const exec::CompileOptions& copts, const RuntimeOptions& ropts = {});

  /// Throws AotError (stage "runtime") for inputs that do not match the compiled ones, naming the input and what
  /// to do.
  std::vector<at::Tensor> operator()(const std::vector<at::Tensor>& args) const;

  bool isTraining() const;
  /// The profiles of the graph runs (forward, backward or inference) since the last call, when profiling is on.
  std::vector<exec::Profile> takeProfiles() const;

 private:
  std::shared_ptr<RuntimeState> state_;
};

}  // namespace aotviz::runtime
