// core/capture/python_decompositions.h — the Python-dispatcher decompositions AOTAutograd traces with, in C++.
#pragma once

namespace aotviz::capture {

/// Note [Python decompositions]: PyTorch's AOTAutograd traces with the Python dispatcher enabled, and PyTorch
/// registers Python kernels with `@aten.X.py_impl(DispatchKey.CompositeImplicitAutograd)` and/or
/// `py_impl(DispatchKey.Autograd)` that replace the C++ kernels of op X while it traces. C++ LibTorch has no Python
/// dispatcher, so aotviz would record the C++ composites instead (`_unsafe_view` where Python's matmul has
/// `view`, dropout returning its input where Python clones it). registerPythonDecompositions() ports them as the
/// AutogradPrivateUse1 kernels of those ops: they apply to trace tensors only, never to eager execution, and sit
/// where the Python kernels run (above autograd and functionalization), so what they call is recorded as usual.
/// Each kernel names the Python function it ports; the reference is PyTorch 2.11's torch/_decomp/decompositions.py
/// (decompositions.py below) and torch/_refs.
///
/// Note [BatchNorm running statistics]: `native_batch_norm` writes `running_mean` and `running_var` in place, but
/// its schema (still in 2.11) has no alias annotations, so functionalization would never learn about the writes.
/// AOTAutograd decomposes it on the Autograd key (native_batch_norm_decomposition) into `_native_batch_norm_legit`
/// (training, or no running statistics) or `_native_batch_norm_legit_no_training`, whose schemas do mark the
/// writes; functionalization then emits `_native_batch_norm_legit_functional` and the buffers are data-mutated
/// inputs.
///
/// Every py_impl(CompositeImplicitAutograd / Autograd) on an aten op that is registered while AOTAutograd traces:
///   ported (decompositions.py unless noted):
///     native_batch_norm; matmul (with should_fold); dropout; unsafe_chunk;
///     upsample_nearest{1,2,3}d.vec and _upsample_nearest_exact{1,2,3}d.vec (_upsample_nearest_vec,
///       _upsample_nearest_exact_vec), upsample_nearest{1,2,3}d and _upsample_nearest_exact{1,2,3}d (their
///       .default decompositions): all through _upsample_nearest;
///     hardshrink, softshrink (torch/_refs/nn/functional).
///   not ported:
///     matmul.out: out= overloads are not traced;
///     empty.out (torch/_refs): out= overload, not traced;
///     broadcast_tensors (torch/_refs): same ops as the C++ composite (expand_outplace expands only what differs);
///     tensor_split.tensor_indices_or_sections: same ops as the C++ composite (reads the CPU tensor, calls
///       tensor_split.sections / .indices);
///     _upsample_bilinear2d_aa.vec, _upsample_bicubic2d_aa.vec: same ops as the C++ composite (output size, then
///       the .default op);
///     upsample_linear1d.vec, upsample_bilinear2d.vec, upsample_trilinear3d.vec, upsample_bilinear2d.default:
///       need _upsample_linear (~80 lines of index and lerp math), a later port;
///     upsample_bicubic2d.default, upsample_bicubic2d.vec: ~90 lines of cubic-convolution math, a later port;
///     rnn_tanh, rnn_relu, lstm, gru (.input and .data): need the LSTM/GRU work of a later issue;
///     cudnn_batch_norm: never chosen for trace tensors (privateuseone is not CUDA); miopen_batch_norm
///       (torch/_inductor/decomposition.py): ROCm only, and only once torch._inductor is imported;
///     multi_margin_loss, multilabel_margin_loss_forward: ~40 lines each, rare in models;
///     pad_sequence: a Python-side utility (torch.nn.utils.rnn), not needed;
///     stft.center, istft (torch/_refs): >100 lines each, rare in training graphs.
///   (The other py_impl(Autograd) registrations in torch/ are on higher-order ops, not aten ops.)
/// Called by installTraceBackend.
void registerPythonDecompositions();

}  // namespace aotviz::capture
