// core/models/exported_program.h — torch.export import: an archive written by torch.export.save (a `.pt2`, PyTorch's
// PT2 archive spec) becomes a Model whose forward replays the exported ATen graph op by op under capture.
#pragma once

#include <string>

#include "core/models/input_spec.h"
#include "core/models/zoo.h"

namespace aotviz::models {

/// Note [Replaying an exported program]: the archive is read with LibTorch's own pieces — PyTorchStreamReader for
/// the zip, the archive constants of torch/csrc/export/pt2_archive_constants.h for the record names, and the
/// generated serialization types of torch/csrc/utils/generated_serialization_types.h for models/model.json and
/// the weight configs — never a hand-written parser. Its graph signature becomes the Model's inputs: parameters
/// and buffers under their state-dict names (fc.weight), lifted tensor constants as buffers, then the user inputs
/// under their graph names. Every node's operator is resolved through the dispatcher when the archive is opened
/// (an operator this LibTorch lacks is an error naming the node), and the Model's forward calls them in order
/// on whatever tensors it is given, so capture records them as it records any model: functionalization, metadata,
/// the joint graph and the partition apply unchanged. Both forms users save work: the default IR (in-place ops
/// on buffers, composite ops such as aten.linear) and the graph after run_decompositions(), whose buffer and
/// input mutations are extra outputs; the replay copies those into their inputs, so both forms show the same
/// mutation. nn_module_stack becomes each node's module scope and stack_trace its source line. A device argument
/// naming the device the inputs were exported on (arange(0, 16, device=cpu) in a decomposed SDPA's causal mask)
/// becomes the device of the replay's inputs: while capturing that is the trace device, so factory ops are traced
/// as PyTorch traces them on fake tensors instead of being run and lifted as constants.
///
/// Example inputs are the archive's sample inputs (data/sample_inputs/model.pt, read with LibTorch's
/// pickle_load), or those of `spec` when given. Symbolic dimensions are specialized to the example inputs; the
/// Model's notes name each. Errors: AotError (stage "inputs") naming the file and the part of the archive.
Model loadExportedProgram(const std::string& pt2_path, const InputSpec* spec = nullptr, uint64_t seed = 0);

/// The same on an archive held in memory; `origin` names it in errors (the fuzz target uses this).
Model loadExportedProgramFromBytes(std::string bytes, const std::string& origin, const InputSpec* spec = nullptr,
                                   uint64_t seed = 0);

/// True when `path` names a torch.export archive (ends with .pt2).
bool looksLikeExportedProgram(const std::string& path);

}  // namespace aotviz::models
