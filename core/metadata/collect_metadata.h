// core/metadata/collect_metadata.h — the metadata stage (AOTAutograd's run_functionalized_fw_and_collect_metadata,
// ../shared/reference/aot_autograd_spec.md §2.1): one functionalized forward run on trace tensors that yields the
// ViewAndMutationMeta of a function. Nothing it records is kept but the metadata.
#pragma once

#include <vector>

#include "core/capture/trace_tensor.h"
#include "core/capture/traced_fn.h"
#include "core/metadata/view_and_mutation_meta.h"

namespace aotviz::meta {

struct MetadataOptions {
  capture::TraceMode mode = capture::TraceMode::Fake;
  c10::Device target_device = c10::Device(c10::DeviceType::CPU);
  bool keep_input_mutations = false;
  bool grad_enabled = true;  // the grad mode the function is called under
};

/// Runs `fn` once on functional trace tensors made from `inputs` (the same tensor passed twice stays one tensor;
/// distinct tensors are distinct functional tensors even when their examples share memory, as in PyTorch) and
/// derives every field of ViewAndMutationMeta.
///
/// Note [Mutation queries on 1.13]: LibTorch 1.13's FunctionalTensorWrapper cannot say which mutations happened
/// under no_grad, so a RecordFunction observer logs every operator call that writes an argument (schema alias
/// annotation `a!`) with the grad mode at that moment; data mutation is the functional storage's generation
/// counter, metadata mutation a net change of sizes/strides/offset. 2.x answers the same questions from its
/// wrapper: on 2.1+ aotviz takes the wrapper's answers for data mutation, no_grad and hidden mutations and keeps the
/// observer for the list of mutating ops.
///
/// Throws AotError (stage "metadata") for errors raised by the model (e.g. an in-place op on a leaf that requires
/// grad), with PyTorch's wording where PyTorch refuses.
ViewAndMutationMeta collectMetadata(const capture::TracedFn& fn, const std::vector<capture::InputDesc>& inputs,
                                    const MetadataOptions& opts);

}  // namespace aotviz::meta
