// core/capture/functionalize_batch_norm.h — BatchNorm's running statistics as functional buffer mutations.
#pragma once

namespace aotviz::capture {

/// Note [BatchNorm running statistics]: LibTorch 1.13's `native_batch_norm` writes `running_mean` and
/// `running_var` in place but its schema has no alias annotations, so functionalization runs it as an ordinary
/// functional op and never learns about the writes (2.x has `_native_batch_norm_legit(Tensor(a!) running_mean,
/// ...)` and its functional variant). This registers a Functionalize kernel for `native_batch_norm` that, in
/// training mode with running statistics, records batch_norm without them and then the running-statistic update
/// as ordinary ops (PyTorch's own formula: momentum * batch + (1 - momentum) * running, with the unbiased batch
/// variance recovered from `save_invstd`), and replaces the functional buffers with the results — a data mutation
/// of each buffer, exactly as 2.x's `_native_batch_norm_legit_functional` + `replace_` presents it. Each write is
/// logged in the active TraceContext's `kernel_writes` for the metadata stage. Not registered when this LibTorch
/// already has a Functionalize kernel for the op. Called by installTraceBackend.
void registerBatchNormFunctionalization();

}  // namespace aotviz::capture
