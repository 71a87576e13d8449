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
/// The mutation fields are FunctionalTensorWrapper's own answers, read as PyTorch's functional_utils.py reads them;
/// a RecordFunction observer lists the operator calls that wrote each input (`mutations`, for display).
///
/// Throws AotError (stage "metadata") for errors raised by the model (e.g. an in-place op on a leaf that requires
/// grad), with PyTorch's wording where PyTorch refuses.
ViewAndMutationMeta collectMetadata(const capture::TracedFn& fn, const std::vector<capture::InputDesc>& inputs,
                                    const MetadataOptions& opts);

}  // namespace aotviz::meta
