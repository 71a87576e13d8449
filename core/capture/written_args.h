// core/capture/written_args.h — which arguments an operator call writes, for the RecordFunction observers of the
// metadata stage (its mutation log).
#pragma once

#include <ATen/core/Tensor.h>
#include <ATen/core/operator_name.h>
#include <ATen/record_function.h>

#include <string>
#include <vector>

namespace aotviz::capture {

struct OpWrites {
  std::string name;             // "aten::mul_.Tensor"
  std::vector<size_t> written;  // argument positions with a write alias annotation (`Tensor(a!)`)
  bool inplace_view = false;    // tagged inplace_view (t_, unsqueeze_, as_strided_, ...)
};

/// What `op` writes, from its schema. Cached per thread (no lock on the per-call path); schemas never change.
const OpWrites& opWrites(const c10::OperatorName& op);

/// The functional tensors a recorded call (observer with needsInputs) writes at `positions`.
std::vector<at::Tensor> writtenFunctionalTensors(const at::RecordFunction& fn, const std::vector<size_t>& positions);

}  // namespace aotviz::capture
