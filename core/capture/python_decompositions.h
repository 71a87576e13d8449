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
/// Note [LSTM on the CPU]: the RNN decompositions unroll the sequence into per-step linear / sigmoid / tanh ops
/// (one_layer_lstm, one_layer_rnn), except that lstm_impl picks mkldnn_one_layer_lstm, one mkldnn_rnn_layer op per
/// layer and direction, when mkldnn is enabled, every tensor is on the CPU and float or bfloat16, there are no
/// projections and the *input* does not require grad. It does not look at the weights, so for the usual training
/// step (weights that require grad, a data batch that does not) PyTorch 2.11 traces mkldnn_rnn_layer(train=False)
/// and its mkldnn_rnn_layer_backward into the joint graph; the compiled forward runs under no_grad, where the op
/// returns no workspace, and PyTorch's own compiled function fails ("expected all tensors_saved_with_vc_check to be
/// Tensors"; the backward op given an empty workspace crashes). aotviz deviates there, and only there: when grad
/// mode is on and any input, hidden state or weight requires grad, it takes one_layer_lstm, the graph PyTorch 2.11
/// traces with torch.backends.mkldnn.flags(enabled=False). Inference graphs (nothing requires grad) get
/// mkldnn_rnn_layer as in PyTorch; on a CUDA target the condition never holds.
/// A PyTorch 2.11 quirk is kept because it shapes its graphs: _rnn_helper's dropout test (`num_layers < i - 1`)
/// never holds, so nn.LSTM / nn.GRU / nn.RNN(dropout=p) lose their dropout between layers under AOTAutograd (eager
/// applies it, so compiled and eager then differ in training).
///
/// Note [LSTM final states]: PyTorch 2.11's one_layer_lstm returns `hx.squeeze(1), cx.squeeze(1)` of states shaped
/// (1, batch, hidden), so unless batch is 1 its h_n and c_n come out as (layers * directions, 1, batch, hidden)
/// where eager's are (layers * directions, batch, hidden) (pytorch/pytorch#151200). aotviz has the upstream fix,
/// squeeze(0) (pytorch/pytorch#185716, after 2.11). The forward ops are the same (squeeze.dim); the backward then
/// has an unsqueeze per state that 2.11's no-op squeeze does not need. Graphs that use only the output sequence
/// are 2.11's exactly; tests/fidelity/torch211_decompositions.py compares the others with 2.11 plus that fix.
///
/// Every py_impl(CompositeImplicitAutograd / Autograd) on an aten op that is registered while AOTAutograd traces:
///   ported (decompositions.py unless noted):
///     native_batch_norm; matmul (with should_fold); dropout; unsafe_chunk;
///     upsample_nearest{1,2,3}d.vec and _upsample_nearest_exact{1,2,3}d.vec (_upsample_nearest_vec,
///       _upsample_nearest_exact_vec), upsample_nearest{1,2,3}d and _upsample_nearest_exact{1,2,3}d (their
///       .default decompositions): all through _upsample_nearest;
///     hardshrink, softshrink (torch/_refs/nn/functional);
///     lstm.input (lstm_impl, with mkldnn_one_layer_lstm: see Note [LSTM on the CPU]), gru.input (gru_impl),
///       rnn_tanh.input, rnn_relu.input (rnn_tanh_input, rnn_relu_input): all through _rnn_helper.
///   not ported:
///     lstm.data, gru.data, rnn_tanh.data, rnn_relu.data (packed sequences): they split the input at the values of
///       batch_sizes, which fake tracing does not have; their kernels here fail with a diagnostic saying so;
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
///     cudnn_batch_norm: never chosen for trace tensors (privateuseone is not CUDA); miopen_batch_norm
///       (torch/_inductor/decomposition.py): ROCm only, and only once torch._inductor is imported;
///     multi_margin_loss, multilabel_margin_loss_forward: ~40 lines each, rare in models;
///     pad_sequence: a Python-side utility (torch.nn.utils.rnn), not needed;
///     stft.center, istft (torch/_refs): >100 lines each, rare in training graphs.
///   (The other py_impl(Autograd) registrations in torch/ are on higher-order ops, not aten ops.)
/// Called by installTraceBackend.
void registerPythonDecompositions();

/// Note [Attention on the trace device]: scaled_dot_product_attention (CompositeImplicitAutograd) picks its backend
/// with `at::native::_fused_sdp_choice_stub` for the device of the query, and takes math for a device the stub has no
/// kernel for. PyTorch's fake tensors report the graph's device, so for a CPU graph 2.11 gets the CPU kernel's answer
/// (sdp_utils_cpp.cpp select_sdp_backend_cpp): flash attention unless the inputs are not 4-d, dropout_p > 0, the
/// mask requires grad or has a shape the kernel does not take, the head dims differ, a sequence is empty, a last
/// dimension is strided or the dtype is not float / double / bfloat16 / half; it then traces
/// `_scaled_dot_product_flash_attention_for_cpu`
/// and, in the backward, its `_backward`, where aotviz's privateuseone trace tensors (no stub kernel) got the math
/// decomposition (bmm, _safe_softmax, ...). registerTraceAttention() gives the stub a PrivateUse1 kernel: when the
/// capture's target device is the CPU it asks the CPU kernel, with the tensors scaled_dot_product_attention was
/// called with (above autograd and functionalization, so they still carry `requires_grad`, which the choice reads;
/// the rest is metadata and the global flags, at::globalContext().userEnabledFlashSDP() / userEnabledMathSDP(),
/// which 2.11's torch.backends.cuda.enable_flash_sdp sets). For any other target (a CUDA graph) it answers what the
/// Meta kernel of `aten::_fused_sdp_choice` answers, math, as before: 2.11 with a GPU would pick flash / efficient /
/// cuDNN attention by asking the device, which aotviz's machines do not have, so a CUDA graph keeps the math
/// decomposition.
/// The two flash ops have no C++ Meta kernels in LibTorch 2.11 (PyTorch's are Python, in _meta_registrations.py),
/// so fake capture would run them on CPU stand-ins; registerTraceAttention() registers C++ ports of those Python
/// meta functions on the Meta key, with their layouts: the output like the query (empty_like), the logsumexp
/// (B, L, H) in float transposed to (B, H, L), and the gradients in (B, L, H, E) order (empty_permuted
/// (0, 2, 1, 3)), which is what the CPU kernels return too. The layouts decide whether later reshapes are views or
/// clone + _unsafe_view, so they are part of the op multiset. These Meta kernels are process-wide (eager meta
/// tensors get them as well) and registered only where LibTorch has none. Called by installTraceBackend.
void registerTraceAttention();

}  // namespace aotviz::capture
