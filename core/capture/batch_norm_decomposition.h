// core/capture/batch_norm_decomposition.h — native_batch_norm as AOTAutograd traces it: `_native_batch_norm_legit*`.
#pragma once

namespace aotviz::capture {

/// Note [BatchNorm running statistics]: `native_batch_norm` writes `running_mean` and `running_var` in place, but
/// its schema (still in 2.11) has no alias annotations, so functionalization would never learn about the writes.
/// PyTorch's AOTAutograd therefore decomposes it on the Autograd key (torch/_decomp/decompositions.py,
/// native_batch_norm_decomposition, a Python-dispatcher `py_impl(DispatchKey.Autograd)`) into
/// `_native_batch_norm_legit` (training, or no running statistics) or `_native_batch_norm_legit_no_training`, whose
/// schemas do mark the writes; functionalization then emits `_native_batch_norm_legit_functional` and the buffers
/// are data-mutated inputs. The Python dispatcher does not exist in C++, so this registers the same decomposition as
/// the AutogradPrivateUse1 kernel of `native_batch_norm`: it applies to trace tensors only, never to eager
/// execution. Called by installTraceBackend.
void registerBatchNormDecomposition();

}  // namespace aotviz::capture
