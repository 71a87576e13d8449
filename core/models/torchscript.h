// core/models/torchscript.h — TorchScript import: a module saved with torch.jit.save becomes a Model whose forward
// runs under capture, with module scopes and source lines recorded on every node.
#pragma once

#include <string>

#include "core/models/input_spec.h"
#include "core/models/zoo.h"

namespace aotviz::models {

/// Loads `pt_path` (torch.jit.script or torch.jit.trace, then torch.jit.save). Inputs are its parameters and
/// buffers (named as in named_parameters(), requiring grad as they do), then the user inputs of `spec`.
///
/// Note [TorchScript capture]: the forward graph is inlined here (not by TorchScript's executor, whose
/// optimizing passes would change the ops), each op is preceded by a marker op carrying the module scope
/// (the attribute path of the submodule, "encoder.layers.0.fc") and source line, and the graph is run by the
/// plain TorchScript interpreter with the module's parameters and buffers swapped for the traced inputs, also where
/// the module reaches them through lists, tuples or dicts (nn.LSTM's _flat_weights; Note [Parameters in
/// containers] in torchscript.cpp).
/// Errors: stage "inputs" naming the file.
Model loadTorchScript(const std::string& pt_path, const InputSpec& spec, uint64_t seed = 0);

/// A built-in model name, a path to a torch.export .pt2 archive (exported_program.h; its sample inputs unless
/// `inputs_spec` names a spec) or to a TorchScript .pt file. For a .pt file the spec is `inputs_spec`, or when
/// empty the .json next to the .pt file (same stem). `options` size a built-in model (buildModel); files take none.
Model openModel(const std::string& name_or_path, const std::string& inputs_spec = {}, uint64_t seed = 0,
                const ModelOptions& options = {});

/// True when `name_or_path` names a TorchScript file rather than a built-in model.
bool looksLikeTorchScript(const std::string& name_or_path);

}  // namespace aotviz::models
