// core/capture/trace_accelerator.h — the autograd engine's stream logic on a machine with a CUDA build but no GPU.
#pragma once

namespace aotviz::capture {

/// Note [Trace device as the accelerator]: the tracer's tensors live on `privateuseone`, which LibTorch 2.11's
/// autograd engine treats as an accelerator (at::accelerator::isAccelerator). For every gradient it passes between
/// nodes, InputBuffer::add needs a producer and a consumer stream; Node::stream() only reports streams of *the*
/// accelerator type (at::getAccelerator()), which for the CUDA wheel is CUDA, so for trace tensors both are missing
/// and the engine asks at::accelerator::getCurrentStream(0) — a CUDA stream. With a GPU that is harmless (the
/// engine syncs nothing: every stream is the same), but without a driver CUDA's stream initialisation throws
/// ("CUDA driver version is insufficient") and no backward can be traced.
///
/// So where no CUDA device is visible, aotviz registers privateuseone as the accelerator (under its own name, so
/// nothing prints differently) with minimal hooks: streams then come from the trace device's no-op guard. Where a
/// GPU is visible nothing is registered, because CUDA must stay the accelerator for eager and compiled CUDA
/// backwards.
///
/// The device guard is a no-op guard whose events are no-ops too: the engine records and waits on events when it
/// sees two streams, and NoOpDeviceGuardImpl refuses events ("privateuseone backend doesn't support events"). Work
/// on the trace device is synchronous (it runs on meta or CPU tensors), so an event has nothing to wait for.
/// Called once by installTraceBackend.
void registerTraceDevice();

}  // namespace aotviz::capture
